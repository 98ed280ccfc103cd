/* listmodel.c — the call list's state machine: view spec, selection by id,
 * scrolling, follow-newest, incremental search and new-row detection. No
 * ncurses here (see listmodel.h); the pane draws what this decides. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "calltop/sanitize.h"
#include "listmodel.h"
#include "text.h"
#include "theme.h"

const ct_col_def ct_cols[CT_COL__COUNT] = {
    /* title       width min_screen sort                    right */
    {"STATUS", 10, 0, CT_SORT_STATUS, false},
    {"DIR", 4, 0, CT_SORT_DIRECTION, false},
    {"CUSTOMER", 16, 0, CT_SORT_CUSTOMER, false},
    {"ASST NUMBER", 16, 110, CT_SORT_ASSISTANT_NUMBER, false},
    {"ASSISTANT", 0, 50, CT_SORT_ASSISTANT, false},
    {"PHONE", 11, 70, CT_SORT_PHONE_STATUS, false},
    {"DURATION", 9, 0, CT_SORT_DURATION, true},
    {"LAST", 5, 60, CT_SORT_LAST_ACTIVITY, true},
};

static const char *filter_names[CT_FILTER_STEPS] = {
    "all", "live", "failed", "inbound", "outbound", "queued", "ongoing", "forwarded", "finished",
};

const char *ct_filter_step_name(int step)
{
    return step >= 0 && step < CT_FILTER_STEPS ? filter_names[step] : "?";
}

static void spec_for_step(ct_view_spec *s, int step)
{
    static const ct_status st[] = {CT_STATUS_QUEUED, CT_STATUS_ONGOING, CT_STATUS_FORWARDED,
                                   CT_STATUS_FINISHED};
    s->filter = CT_FILTER_ALL;
    switch (step) {
    case 1: s->filter = CT_FILTER_LIVE; break;
    case 2: s->filter = CT_FILTER_FAILED; break;
    case 3:
        s->filter = CT_FILTER_DIRECTION;
        s->direction = CT_DIR_INBOUND;
        break;
    case 4:
        s->filter = CT_FILTER_DIRECTION;
        s->direction = CT_DIR_OUTBOUND;
        break;
    case 5:
    case 6:
    case 7:
    case 8:
        s->filter = CT_FILTER_STATUS;
        s->status = st[step - 5];
        break;
    default: break;
    }
}

void ct_filter_step_spec(int step, ct_view_spec *s)
{
    spec_for_step(s, step);
}

int ct_listmodel_init(ct_listmodel *lm, const ct_store *store)
{
    memset(lm, 0, sizeof *lm);
    lm->store = store;
    lm->spec.sort = CT_SORT_START;
    lm->spec.descending = true;
    lm->sel = -1;
    lm->rows = 1;
    lm->view = ct_view_new(store, &lm->spec);
    return lm->view ? 0 : -1;
}

void ct_listmodel_free(ct_listmodel *lm)
{
    ct_view_free(lm->view);
    lm->view = NULL;
}

static void apply_spec(ct_listmodel *lm)
{
    ct_view_set_spec(lm->view, &lm->spec);
}

size_t ct_listmodel_count(ct_listmodel *lm)
{
    return ct_view_count(lm->view);
}

const ct_call_entry *ct_listmodel_row(ct_listmodel *lm, size_t i)
{
    return i < ct_view_count(lm->view) ? ct_view_at(lm->view, i) : NULL;
}

static void set_id(char *sel_id, size_t cap, const ct_call_entry *e)
{
    snprintf(sel_id, cap, "%s", e && e->call.id ? e->call.id : "");
}

/* The newest call in the view: latest start (creation order breaks ties,
 * and calls without a start time count by when they were first seen). */
static long newest_row(ct_listmodel *lm)
{
    size_t n = ct_view_count(lm->view);
    long best = -1;
    ct_time_ms bt = 0;
    uint64_t bg = 0;
    for (size_t i = 0; i < n; i++) {
        const ct_call_entry *e = ct_view_at(lm->view, i);
        ct_time_ms t = e->call.start_at ? e->call.start_at : e->call.created_at;
        if (best < 0 || t > bt || (t == bt && e->created_gen > bg)) {
            best = (long)i;
            bt = t;
            bg = e->created_gen;
        }
    }
    return best;
}

static void scroll_to_sel(ct_listmodel *lm)
{
    size_t n = ct_view_count(lm->view);
    size_t rows = lm->rows > 0 ? (size_t)lm->rows : 1;
    if (lm->sel >= 0) {
        if ((size_t)lm->sel < lm->top) lm->top = (size_t)lm->sel;
        if ((size_t)lm->sel >= lm->top + rows) lm->top = (size_t)lm->sel - rows + 1;
    }
    /* Never leave blank rows at the bottom while rows are hidden above. */
    if (n <= rows) lm->top = 0;
    else if (lm->top > n - rows) lm->top = n - rows;
}

static void sample_generation(ct_listmodel *lm, int64_t now)
{
    uint64_t gen = ct_store_generation(lm->store);
    if (ct_view_count(lm->view) == 0 && !lm->seen_rows) return;
    if (!lm->seen_rows) {
        /* The first fill: everything already here is "old". */
        lm->seen_rows = true;
        lm->samples[0].gen = gen;
        lm->samples[0].t = now - CT_NEW_ROW_MS - 1;
        lm->n_samples = 1;
        return;
    }
    int last = (lm->n_samples - 1) % 16;
    if (lm->samples[last].gen == gen) return;
    if (now - lm->samples[last].t < 250) return;
    int slot = lm->n_samples % 16;
    lm->samples[slot].gen = gen;
    lm->samples[slot].t = now;
    lm->n_samples++;
}

bool ct_listmodel_is_new(const ct_listmodel *lm, const ct_call_entry *e, int64_t now)
{
    if (!lm->seen_rows || lm->n_samples == 0) return false;
    /* floor = the generation at the newest sample at least CT_NEW_ROW_MS old */
    uint64_t floor = 0;
    bool found = false;
    int64_t best_t = 0;
    int n = lm->n_samples < 16 ? lm->n_samples : 16;
    uint64_t oldest_gen = UINT64_MAX;
    for (int i = 0; i < n; i++) {
        if (lm->samples[i].gen < oldest_gen) oldest_gen = lm->samples[i].gen;
        if (lm->samples[i].t <= now - CT_NEW_ROW_MS && (!found || lm->samples[i].t > best_t)) {
            found = true;
            best_t = lm->samples[i].t;
            floor = lm->samples[i].gen;
        }
    }
    if (!found) floor = oldest_gen;
    return e->created_gen > floor;
}

void ct_listmodel_sync(ct_listmodel *lm, char *sel_id, size_t cap, int64_t now)
{
    lm->spec.now = now;
    /* The spec's clock only matters for duration sorting; re-applying it for
     * every tick would rebuild the view every second for nothing. */
    if (lm->spec.sort == CT_SORT_DURATION) apply_spec(lm);
    ct_view_refresh(lm->view);
    sample_generation(lm, now);
    size_t n = ct_view_count(lm->view);
    if (n == 0) {
        lm->sel = -1;
        lm->top = 0;
        return;
    }
    long idx = -1;
    if (lm->follow) {
        idx = newest_row(lm);
    } else if (sel_id[0]) {
        idx = ct_view_index_of(lm->view, sel_id);
        if (idx < 0) {
            /* The selected call left the view: take the row at its place. */
            idx = lm->sel < 0 ? 0 : lm->sel;
            if ((size_t)idx >= n) idx = (long)n - 1;
        }
    } else {
        idx = 0;
    }
    lm->sel = idx;
    set_id(sel_id, cap, ct_view_at(lm->view, (size_t)idx));
    scroll_to_sel(lm);
}

void ct_listmodel_move(ct_listmodel *lm, long delta, long to, char *sel_id, size_t cap)
{
    size_t n = ct_view_count(lm->view);
    lm->follow = false;
    if (n == 0) return;
    long idx = to >= 0 ? to : (lm->sel < 0 ? 0 : lm->sel) + delta;
    if (idx < 0) idx = 0;
    if ((size_t)idx >= n) idx = (long)n - 1;
    lm->sel = idx;
    set_id(sel_id, cap, ct_view_at(lm->view, (size_t)idx));
    scroll_to_sel(lm);
}

static bool default_descending(ct_sort_key k)
{
    return k == CT_SORT_START || k == CT_SORT_DURATION || k == CT_SORT_LAST_ACTIVITY;
}

void ct_listmodel_sort_column(ct_listmodel *lm, ct_col col)
{
    if (col < 0 || col >= CT_COL__COUNT) return;
    ct_sort_key k = ct_cols[col].sort;
    if (lm->spec.sort == k) lm->spec.descending = !lm->spec.descending;
    else {
        lm->spec.sort = k;
        lm->spec.descending = default_descending(k);
    }
    apply_spec(lm);
}

void ct_listmodel_sort_next(ct_listmodel *lm)
{
    lm->spec.sort = (ct_sort_key)((lm->spec.sort + 1) % CT_SORT__COUNT);
    lm->spec.descending = default_descending(lm->spec.sort);
    apply_spec(lm);
}

void ct_listmodel_sort_reverse(ct_listmodel *lm)
{
    lm->spec.descending = !lm->spec.descending;
    apply_spec(lm);
}

void ct_listmodel_set_filter_step(ct_listmodel *lm, int step)
{
    lm->filter_step = ((step % CT_FILTER_STEPS) + CT_FILTER_STEPS) % CT_FILTER_STEPS;
    spec_for_step(&lm->spec, lm->filter_step);
    apply_spec(lm);
}

void ct_listmodel_set_picks(ct_listmodel *lm, const char *assistant_id, const char *our_number)
{
    /* copies first: the arguments may be the spec's own buffers */
    char a[sizeof lm->spec.assistant_id], n[sizeof lm->spec.our_number];
    snprintf(a, sizeof a, "%s", assistant_id ? assistant_id : "");
    snprintf(n, sizeof n, "%s", our_number ? our_number : "");
    memcpy(lm->spec.assistant_id, a, sizeof a);
    memcpy(lm->spec.our_number, n, sizeof n);
    apply_spec(lm);
}

void ct_listmodel_filter_next(ct_listmodel *lm)
{
    ct_listmodel_set_filter_step(lm, lm->filter_step + 1);
}

void ct_listmodel_set_search(ct_listmodel *lm, const char *text)
{
    snprintf(lm->spec.search, sizeof lm->spec.search, "%s", text ? text : "");
    apply_spec(lm);
}

void ct_listmodel_search_backspace(ct_listmodel *lm)
{
    size_t n = strlen(lm->spec.search);
    /* step back over UTF-8 continuation bytes */
    while (n > 0 && ((unsigned char)lm->spec.search[n - 1] & 0xC0) == 0x80) n--;
    if (n > 0) n--;
    lm->spec.search[n] = '\0';
    apply_spec(lm);
}

void ct_listmodel_search_append(ct_listmodel *lm, const char *utf8)
{
    size_t n = strlen(lm->spec.search), add = strlen(utf8);
    if (n + add + 1 > sizeof lm->spec.search) return;
    memcpy(lm->spec.search + n, utf8, add + 1);
    apply_spec(lm);
}

int ct_listmodel_sort_col(const ct_listmodel *lm)
{
    for (int c = 0; c < CT_COL__COUNT; c++)
        if (ct_cols[c].sort == lm->spec.sort) return c;
    return -1;
}

long ct_age_next_change_ms(int64_t age_ms)
{
    int64_t unit = 1000;
    if (age_ms < 0) return (long)(-age_ms) + 1; /* clock skew: shown as 0s until then */
    if (age_ms >= 86400000) unit = 86400000;
    else if (age_ms >= 3600000) unit = 3600000;
    else if (age_ms >= 60000) unit = 60000;
    return (long)(unit - age_ms % unit);
}

/* floor division (times before 1970 or skewed clocks stay consistent) */
static int64_t units(int64_t t, int64_t unit)
{
    return t >= 0 ? t / unit : -((-t + unit - 1) / unit);
}

int64_t ct_age_shown_ms(int64_t now, int64_t t)
{
    static const int64_t unit[] = {1000, 60000, 3600000, 86400000};
    static const int64_t limit[] = {60, 60, 24, INT64_MAX};
    for (size_t i = 0; i < 4; i++) {
        int64_t n = units(now, unit[i]) - units(t, unit[i]);
        if (n < 0) return 0; /* clock skew: shown as 0s */
        if (n < limit[i]) return n * unit[i];
    }
    return 0;
}

long ct_age_next_change_at(int64_t now, int64_t t)
{
    int64_t shown = ct_age_shown_ms(now, t);
    int64_t unit = shown >= 86400000 ? 86400000
        : shown >= 3600000           ? 3600000
        : shown >= 60000             ? 60000
                                     : 1000;
    if (t > now) unit = 1000; /* skew: check again each second */
    int64_t into = now - units(now, unit) * unit;
    return (long)(unit - into);
}

void ct_age_coarse(int64_t now, int64_t t, char *buf, size_t cap)
{
    if (units(now, 60000) - units(t, 60000) <= 0) {
        snprintf(buf, cap, "<1m");
        return;
    }
    int64_t shown = ct_age_shown_ms(now, t);
    if (shown < 60000) shown = 60000; /* crossed a minute boundary within 60 s */
    ct_fmt_age(shown, buf, cap);
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

void ct_listmodel_cell(const ct_call_entry *e, ct_col col, int64_t now, char *buf, size_t cap)
{
    const ct_call *c = &e->call;
    char tmp[64];
    const char *raw = NULL;
    switch (col) {
    case CT_COL_STATUS: raw = ct_theme_call_word(c); break;
    case CT_COL_DIRECTION:
        raw = c->direction == CT_DIR_INBOUND  ? "in"
            : c->direction == CT_DIR_OUTBOUND ? "out"
                                              : or_dash(c->direction_text);
        break;
    case CT_COL_CUSTOMER:
        raw = c->user_number && *c->user_number ? c->user_number : or_dash(c->customer_name);
        break;
    case CT_COL_ASSISTANT_NUMBER: raw = or_dash(c->assistant_number); break;
    case CT_COL_ASSISTANT:
        raw =
            c->assistant_name && *c->assistant_name ? c->assistant_name : or_dash(c->assistant_id);
        break;
    case CT_COL_PHONE:
        raw = c->phone_status_text && *c->phone_status_text ? c->phone_status_text
                                                            : ct_phone_status_name(c->phone_status);
        raw = or_dash(raw);
        break;
    case CT_COL_DURATION:
        if (!c->start_at) {
            raw = "-";
            break;
        }
        ct_fmt_duration(ct_call_duration_ms(c, now), tmp, sizeof tmp);
        raw = tmp;
        break;
    case CT_COL_ACTIVITY:
        if (!e->last_activity) {
            raw = "-";
            break;
        }
        ct_fmt_age(ct_age_shown_ms(now, e->last_activity), tmp, sizeof tmp);
        raw = tmp;
        break;
    default: raw = ""; break;
    }
    ct_sanitize(raw, strlen(raw), buf, cap, false);
}
