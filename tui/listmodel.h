/* listmodel.h — the call list's view model, without ncurses.
 *
 * Holds what the list pane shows besides the store: the view (an index over
 * the store, see store.h — never a copy of the calls), the filter and sort,
 * the search text, the scroll offset, the follow-newest flag and which rows
 * are "new". The selection is kept by call id (in ct_ui_ctx.selected_id) so
 * it survives rows moving; when the selected call leaves the view, the row
 * that took its place is selected. Pure, so it is unit-tested without a
 * terminal; tui/listpane.c only draws it. */
#ifndef CALLTOP_TUI_LISTMODEL_H
#define CALLTOP_TUI_LISTMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/store.h"

/* The columns, left to right. */
typedef enum ct_col {
    CT_COL_STATUS = 0,
    CT_COL_DIRECTION,
    CT_COL_CUSTOMER,
    CT_COL_ASSISTANT_NUMBER,
    CT_COL_ASSISTANT,
    CT_COL_PHONE,
    CT_COL_DURATION,
    CT_COL_ACTIVITY,
    CT_COL__COUNT
} ct_col;

typedef struct ct_col_def {
    const char *title;
    int width;        /* cells; 0 = takes the remaining width */
    int min_screen;   /* shown only when the list is at least this wide */
    ct_sort_key sort; /* what sorting by this column means */
    bool right;       /* right-aligned */
} ct_col_def;
extern const ct_col_def ct_cols[CT_COL__COUNT];

/* The filter cycle ('v'): live, all, failed, inbound, outbound, then each status. */
#define CT_FILTER_STEPS 9
const char *ct_filter_step_name(int step);
/* Sets the filter fields of *s for a step of that cycle (bulk --filter). */
void ct_filter_step_spec(int step, ct_view_spec *s);

/* How long a new row stays highlighted. */
#define CT_NEW_ROW_MS 3000

typedef struct ct_listmodel {
    const ct_store *store;
    ct_view *view;
    ct_view_spec spec;
    int filter_step;
    size_t top;     /* first visible row */
    long sel;       /* selected row, -1 when the view is empty */
    int rows;       /* visible rows (set by the pane on resize) */
    bool follow;    /* keep the newest call selected */
    bool searching; /* '/' is editing spec.search */
    /* new-row highlight: generation samples (gen, time) taken while the list
     * was non-empty; rows created after the sample at now-CT_NEW_ROW_MS are
     * new. The first fill is never "new". */
    struct {
        uint64_t gen;
        int64_t t;
    } samples[16];
    int n_samples;
    bool seen_rows;
} ct_listmodel;

int ct_listmodel_init(ct_listmodel *lm, const ct_store *store);
void ct_listmodel_free(ct_listmodel *lm);

/* Rebuilds the view if the store changed, then re-finds the selection by id
 * (sel_id may be updated in place: cap must be its buffer size) and scrolls
 * so it is visible. Call once per frame before drawing. */
void ct_listmodel_sync(ct_listmodel *lm, char *sel_id, size_t cap, int64_t now);
/* Moves the selection by delta rows (clamped); to = absolute row for g/G
 * (use delta 0 and to >= 0). Turns follow off. Updates sel_id. */
void ct_listmodel_move(ct_listmodel *lm, long delta, long to, char *sel_id, size_t cap);
/* Sort by a column; the same column again reverses. */
void ct_listmodel_sort_column(ct_listmodel *lm, ct_col col);
void ct_listmodel_sort_next(ct_listmodel *lm);
void ct_listmodel_sort_reverse(ct_listmodel *lm);
void ct_listmodel_filter_next(ct_listmodel *lm);
void ct_listmodel_set_filter_step(ct_listmodel *lm, int step);
/* The pickers' exact filters (tui/picker.h): assistant id and our number;
 * "" = any. Kept across the 'v' cycle. */
void ct_listmodel_set_picks(ct_listmodel *lm, const char *assistant_id, const char *our_number);
/* Replaces the search text (incremental search). */
void ct_listmodel_set_search(ct_listmodel *lm, const char *text);
/* Drops the last character (UTF-8 aware). */
void ct_listmodel_search_backspace(ct_listmodel *lm);
void ct_listmodel_search_append(ct_listmodel *lm, const char *utf8);

size_t ct_listmodel_count(ct_listmodel *lm);
const ct_call_entry *ct_listmodel_row(ct_listmodel *lm, size_t i);
/* True when the entry appeared within the last CT_NEW_ROW_MS. */
bool ct_listmodel_is_new(const ct_listmodel *lm, const ct_call_entry *e, int64_t now);
/* The column sorted by, or -1 when sorting by start time (no column). */
int ct_listmodel_sort_col(const ct_listmodel *lm);

/* ms until ct_fmt_age's text for this age changes (1 s under a minute,
 * then minutes, hours, days). */
long ct_age_next_change_ms(int64_t age_ms);

/* Ages on the wall clock's boundaries. The age of time t shown at now is
 * counted in whole wall-clock units between them: seconds under a minute,
 * then minutes, hours, UTC days (now/unit - t/unit). So every shown age
 * changes on a wall-clock second (and, from a minute on, on a minute: the
 * HH:MM clock's boundary), together with the DURATION ticks: with live
 * calls the board draws once a second, without them at most once a
 * minute. A shown "N" unit is within one unit of the exact age.
 * ct_age_shown_ms: that age in ms, for ct_fmt_age. */
int64_t ct_age_shown_ms(int64_t now, int64_t t);
/* ms from now until ct_age_shown_ms(now, t)'s text changes. */
long ct_age_next_change_at(int64_t now, int64_t t);
/* The coarse age the status bar shows while the live channel is LIVE:
 * "<1m" within the same wall minute, then minutes / hours / days as
 * ct_age_shown_ms; changes only on minute boundaries. */
void ct_age_coarse(int64_t now, int64_t t, char *buf, size_t cap);

/* Cell text of one row (sanitized, unpadded). `buf` must hold 64 bytes. */
void ct_listmodel_cell(const ct_call_entry *e, ct_col col, int64_t now, char *buf, size_t cap);

#endif
