/* tiles.h — pinned calls, tiled: a pure model of the pinned set, which
 * tiles a rectangle shows and where, and each tile's status line; and the
 * pane that draws up to CT_TILES_MAX_SHOWN live transcripts from it.
 *
 * The model knows nothing of ncurses: the board owns one ct_tiles_model,
 * toggles pins ('p'), cycles the arrangement ('w'), moves the focus (Tab),
 * and the pane asks ct_tiles_plan() where each tile goes for its size. A
 * terminal too small for every tile shows fewer and says "N more pinned";
 * the focused tile is always among those shown. */
#ifndef CALLTOP_TUI_TILES_H
#define CALLTOP_TUI_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/store.h"
#include "pane.h"

#define CT_TILES_MAX_PINNED 8 /* pins kept (the rest are refused) */
#define CT_TILES_MAX_SHOWN  4 /* tiles on screen at once */
/* Smallest tile worth drawing: a status line and a few transcript lines
 * of readable width. Below it the plan shows fewer tiles. */
#define CT_TILES_MIN_H      5
#define CT_TILES_MIN_W      30

typedef enum ct_tiles_arrangement {
    CT_TILES_SIDE = 0, /* side by side (columns) */
    CT_TILES_STACKED,  /* stacked (rows) */
    CT_TILES_GRID,     /* 2 x 2 */
    CT_TILES__ARR_COUNT
} ct_tiles_arrangement;

typedef struct ct_tiles_model {
    char pinned[CT_TILES_MAX_PINNED][CT_CALL_ID_BUF]; /* in pin order */
    int n;
    int focus; /* index into pinned; 0 when n == 0 */
    ct_tiles_arrangement arrangement;
} ct_tiles_model;

typedef enum ct_pin_result {
    CT_PIN_ADDED = 0,
    CT_PIN_REMOVED,
    CT_PIN_FULL,
    CT_PIN_INVALID
} ct_pin_result;

void ct_tiles_init(ct_tiles_model *m);
/* Pins id when it is not pinned (focusing the new tile), unpins it when
 * it is. CT_PIN_FULL when CT_TILES_MAX_PINNED are pinned already,
 * CT_PIN_INVALID for an empty or over-long id. */
ct_pin_result ct_tiles_toggle_pin(ct_tiles_model *m, const char *id);
bool ct_tiles_is_pinned(const ct_tiles_model *m, const char *id);
/* The focused tile's call id, "" when nothing is pinned. */
const char *ct_tiles_focused_id(const ct_tiles_model *m);
/* Moves the focus by +1 / -1 over every pinned call, wrapping. */
void ct_tiles_focus_step(ct_tiles_model *m, int dir);
/* Next arrangement (side -> stacked -> grid -> side). */
void ct_tiles_next_arrangement(ct_tiles_model *m);
const char *ct_tiles_arrangement_name(ct_tiles_arrangement a);

/* Where tiles go in an h x w rectangle (pane-relative). */
typedef struct ct_tile_rect {
    int y, x, h, w;
    int pin; /* index into pinned */
} ct_tile_rect;
typedef struct ct_tiles_plan {
    int n_shown; /* 0: nothing pinned, or the rectangle is too small */
    ct_tile_rect tile[CT_TILES_MAX_SHOWN];
    int hidden; /* pinned but not shown */
    int note_y; /* row of the "N more pinned" note; -1 = none */
} ct_tiles_plan;
/* The most tiles (up to CT_TILES_MAX_SHOWN) that fit at CT_TILES_MIN_H x
 * CT_TILES_MIN_W in the model's arrangement, falling back to fewer; the
 * window of pins shown starts so that the focused one is in it. */
void ct_tiles_plan_for(const ct_tiles_model *m, int h, int w, ct_tiles_plan *out);

/* A tile's status line in `cols` columns: the call id, then its status
 * glyph and word and its duration at the right edge ("CC-123    ● live
 * 4:05"); a long id is shortened with an ellipsis so the status always
 * shows. e NULL (the call left the store): "CC-123  (not in the store)".
 * cols <= 0: no padding or shortening. Returns the length in bytes. */
size_t ct_tiles_status_line(char *buf, size_t cap, const char *id, const ct_call_entry *e,
                            ct_time_ms now, int cols);

/* The tiles pane draws the model (not owned; it must outlive the pane).
 * Tab / Shift-Tab move the focus and select the focused call. */
ct_pane *ct_tiles_pane_new(ct_tiles_model *m);
/* ms until a shown tile's duration ticks; -1 when no shown call is live. */
long ct_tiles_pane_timer_ms(ct_pane *p, const ct_ui_ctx *ctx);

#endif
