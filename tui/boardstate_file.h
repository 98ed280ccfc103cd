/* boardstate_file.h — the remembered board state on disk and on the board:
 * $XDG_STATE_HOME/calltop/state (an absolute XDG_STATE_HOME only; else
 * ~/.local/state/calltop/state), directory 0700, file 0600, written whole
 * (a temporary file renamed over it). The text form is boardstate.h. */
#ifndef CALLTOP_TUI_BOARDSTATE_FILE_H
#define CALLTOP_TUI_BOARDSTATE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include "board.h"
#include "boardstate.h"

/* The state file's path from the environment; CT_ECONFIG when neither an
 * absolute XDG_STATE_HOME nor an absolute HOME is set. The demo (--demo)
 * keeps its own file, "state-demo": its calls and pins are made up and
 * must not replace the account's. */
ct_err ct_board_state_path(char *buf, size_t cap, bool demo, ct_error *err);
/* Reads and decodes the file. A missing file is not an error: CT_OK with
 * the defaults and *found false. On any error *s holds the defaults and
 * err names the file and what is wrong with it. */
ct_err ct_board_state_load(const char *path, ct_board_state *s, bool *found, ct_error *err);
/* Writes the file, creating its directory (0700) as needed. */
ct_err ct_board_state_save(const char *path, const ct_board_state *s, ct_error *err);

/* What the board shows now, and the reverse. Apply re-lays the board out. */
void ct_board_state_capture(const ct_board *b, ct_board_state *s);
void ct_board_state_apply(ct_board *b, const ct_board_state *s);

/* At start: finds the file (path[0] = '\0' when there is none to use),
 * loads and applies it. A file that cannot be read or decoded leaves the
 * defaults and says why on the flash line and in the message log (and the
 * --log file); it is replaced at exit. */
void ct_board_state_restore(ct_board *b, bool demo, char *path, size_t cap);
/* At exit: writes what the board shows to path (nothing when path is "").
 * Returns CT_OK or the error, with err set, for the caller to report. */
ct_err ct_board_state_remember(const ct_board *b, const char *path, ct_error *err);

#endif
