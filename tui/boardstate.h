/* boardstate.h — what the board remembers between runs: the list's sort
 * and filter, the view (board or tiles, and the tiles' arrangement) and
 * the pinned calls. Pure text encode / decode here (unit-tested without a
 * terminal or files); reading and writing the file under
 * $XDG_STATE_HOME/calltop/ is tui/boardstate_file.c.
 *
 * The file is a few "key=value" lines, one pin per "pin=" line:
 *     # calltop board state; written on exit, safe to delete
 *     version=1
 *     sort=duration
 *     descending=1
 *     filter=live
 *     view=tiles-stacked
 *     assistant=asst-42        (the pickers' choices; absent = any)
 *     number=+14155550100
 *     pin=CC-123
 * Unknown keys are skipped (a newer calltop may add some); a bad value, a
 * line without '=', a missing or other version, or a pin too many fails the
 * whole file with the line number, and the board then starts with its
 * defaults. */
#ifndef CALLTOP_TUI_BOARDSTATE_H
#define CALLTOP_TUI_BOARDSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/err.h"
#include "calltop/store.h"
#include "tiles.h"

#define CT_BOARD_STATE_VERSION   1
/* Larger files are not read (the real one is well under 2 KiB). */
#define CT_BOARD_STATE_MAX_BYTES 65536

typedef struct ct_board_state {
    ct_sort_key sort;
    bool descending;
    int filter_step;        /* listmodel.h's 'v' cycle: 0 all, 1 live, ... */
    char assistant_id[128]; /* the pickers' choices (picker.h); "" = any */
    char our_number[64];
    bool tiled;
    ct_tiles_arrangement arrangement;
    char pins[CT_TILES_MAX_PINNED][CT_CALL_ID_BUF];
    int n_pins;
} ct_board_state;

/* The board's defaults: newest first, every call, the board, no pins. */
void ct_board_state_defaults(ct_board_state *s);
/* Writes the file's text into buf (NUL-terminated). Returns the length, or
 * 0 when cap is too small. */
size_t ct_board_state_encode(const ct_board_state *s, char *buf, size_t cap);
/* Parses text (len bytes, need not be NUL-terminated). On CT_OK *out holds
 * it; otherwise *out holds the defaults and err says which line is wrong
 * and why (CT_ECONFIG). */
ct_err ct_board_state_decode(const char *text, size_t len, ct_board_state *out, ct_error *err);

/* Names used in the file. */
const char *ct_board_state_sort_name(ct_sort_key k);

#endif
