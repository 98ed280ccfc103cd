/* listpane.c — the call list pane: draws the list model's visible rows
 * (only those: the model's view is an index, rows off screen cost nothing)
 * and turns keys and mouse clicks into list-model operations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actions.h"
#include "attnpane.h"
#include "calltop/hash.h"
#include "board.h"
#include "calltop/reduce.h"
#include "draw.h"
#include "listmodel.h"
#include "theme.h"

#define LIST_HEAD_ROWS 2 /* info line + column titles */

typedef struct list_state {
    ct_listmodel lm;
    int col_x[CT_COL__COUNT]; /* -1 = hidden at this width */
    int col_w[CT_COL__COUNT];
    bool live_visible;  /* a live call is on screen: tick every second */
    bool new_visible;   /* a highlighted new row is on screen */
    int64_t age_due_at; /* when the first LAST age on screen changes, 0 none */
    /* What each body row and the info line show, for drawing only the
     * rows that changed (a transcript line changes its call's entry but
     * rarely a cell). */
    uint64_t row_key[256];
    int n_row_key;
    char drawn_info[256];
    bool drawn_special; /* the last draw had the search line or "No calls" */
} list_state;

static int body_rows(const ct_pane *p)
{
    list_state *st = p->state;
    int rows = p->h - LIST_HEAD_ROWS - (st->lm.searching || st->lm.spec.search[0] ? 1 : 0);
    return rows > 0 ? rows : 0;
}

/* Chooses columns for the width: fixed columns that fit (by min_screen),
 * then the flexible one takes what is left (dropped below 6 cells). */
static void compute_columns(list_state *st, int w)
{
    int used = 0, flex = -1;
    for (int c = 0; c < CT_COL__COUNT; c++) {
        st->col_x[c] = -1;
        st->col_w[c] = 0;
        if (ct_cols[c].min_screen > w) continue;
        if (ct_cols[c].width == 0) {
            flex = c;
            continue;
        }
        st->col_w[c] = ct_cols[c].width;
        used += ct_cols[c].width + 1;
    }
    if (flex >= 0) {
        int left = w - used - 1;
        st->col_w[flex] = left >= 6 ? (left > 40 ? 40 : left) : 0;
    }
    /* Drop fixed columns from the right while they do not fit. */
    for (int c = CT_COL__COUNT - 1; c > 0 && used > w; c--) {
        if (st->col_w[c] && c != CT_COL_STATUS && c != CT_COL_CUSTOMER && ct_cols[c].width) {
            used -= st->col_w[c] + 1;
            st->col_w[c] = 0;
        }
    }
    int x = 0;
    for (int c = 0; c < CT_COL__COUNT; c++) {
        if (!st->col_w[c]) continue;
        st->col_x[c] = x;
        x += st->col_w[c] + 1;
    }
}

static void list_resize(ct_pane *p, int y, int x, int h, int w)
{
    list_state *st = p->state;
    ct_pane_place(p, y, x, h, w);
    compute_columns(st, p->w);
    st->lm.rows = body_rows(p);
}

static void format_info(const ct_ui_ctx *ctx, list_state *st, char *info, size_t cap)
{
    const char *arrow = st->lm.spec.descending ? (ct_theme_is_utf8() ? "▼" : "v")
                                               : (ct_theme_is_utf8() ? "▲" : "^");
    int sc = ct_listmodel_sort_col(&st->lm);
    const char *sort_name = sc >= 0 ? ct_cols[sc].title : "STARTED";
    /* the view count; the store total tells how much the filter hides */
    /* Rows scrolled off above: the selection stays put while calls arrive,
     * and with the newest first they arrive up there, out of sight. Said
     * next to the count, so a narrow pane cuts the rest of the line first. */
    char above[32] = "";
    if (st->lm.top > 0)
        snprintf(above, sizeof above, " %s%zu above", ct_theme_is_utf8() ? "↑" : "^", st->lm.top);
    snprintf(info, cap, " Calls %zu/%zu%s  filter:%s  sort:%s%s%s%s", ct_listmodel_count(&st->lm),
             ct_store_count(ctx->store), above, ct_filter_step_name(st->lm.filter_step), sort_name,
             arrow, st->lm.follow ? "  [follow]" : "",
             ct_store_cap_reached(ctx->store) ? "  [cap]" : "");
    /* the pickers' choices (A, N); ids and numbers are the server's */
    size_t len = strlen(info), ours = len;
    if (st->lm.spec.assistant_id[0] && len < cap)
        len += (size_t)snprintf(info + len, cap - len, "  asst:%.40s", st->lm.spec.assistant_id);
    if (st->lm.spec.our_number[0] && len < cap)
        snprintf(info + len, cap - len, "  ours:%.32s", st->lm.spec.our_number);
    ct_text_clean_line(info + ours); /* the line is drawn as trusted */
}

static void draw_info(ct_pane *p, const char *info)
{
    attr_t a = ct_theme_attr(CT_TH_HEADER);
    if (p->focused) a |= A_REVERSE;
    ct_draw_cell(p->win, 0, 0, p->w, info, CT_ALIGN_LEFT, a, true);
}

static void draw_titles(ct_pane *p, list_state *st)
{
    int sc = ct_listmodel_sort_col(&st->lm);
    attr_t a = ct_theme_attr(CT_TH_HEADER);
    ct_draw_fill(p->win, 1, 0, p->w, a);
    for (int c = 0; c < CT_COL__COUNT; c++) {
        if (st->col_x[c] < 0) continue;
        char t[48];
        const char *ind = "";
        if (c == sc)
            ind = st->lm.spec.descending ? (ct_theme_is_utf8() ? "▼" : "v")
                                         : (ct_theme_is_utf8() ? "▲" : "^");
        snprintf(t, sizeof t, "%s%s", ct_cols[c].title, ind);
        ct_draw_cell(p->win, 1, st->col_x[c], st->col_w[c], t,
                     ct_cols[c].right ? CT_ALIGN_RIGHT : CT_ALIGN_LEFT, a, true);
    }
}

static void draw_row(ct_pane *p, const ct_ui_ctx *ctx, list_state *st, int y,
                     const ct_call_entry *e, bool selected)
{
    const ct_call *c = &e->call;
    bool is_new = ct_listmodel_is_new(&st->lm, e, ctx->now);
    const ct_pending_action *pend = ct_pending_for_call(&ctx->marks, c->id);
    /* issue 11: a live row nothing confirmed in time is an estimate, and
     * says so by glyph, word and "~" (readable without colour) and dims */
    bool unconfirmed = ct_reduce_unconfirmed(ctx->freshness, e, ctx->now);
    attr_t row = A_NORMAL;
    if (selected) row = ct_theme_attr(CT_TH_SELECTED) | (p->focused ? 0 : A_DIM);
    else if (is_new) row = ct_theme_attr(CT_TH_NEW);
    if (unconfirmed) row |= A_DIM;

    ct_draw_fill(p->win, y, 0, p->w, row);
    for (int col = 0; col < CT_COL__COUNT; col++) {
        if (st->col_x[col] < 0) continue;
        char cell[128];
        int x = st->col_x[col], w = st->col_w[col];
        attr_t a = row;
        if (col == CT_COL_STATUS) {
            /* glyph + word; colour carries the status only when not selected,
             * the glyph always does (monochrome stays readable) */
            ct_glyph_kind g = ct_theme_call_glyph_kind(c);
            ct_theme_role role = ct_theme_call_role(c);
            if (pend) {
                g = CT_GLYPH_PENDING;
                role = CT_TH_PENDING;
            } else if (e->hang) {
                g = CT_GLYPH_HANG;
                role = CT_TH_HANG;
            }
            /* an LLM / speech-to-text error on a live call needs an operator */
            bool err = !pend && !e->hang && e->last_error.present && ct_call_is_live(c);
            if (err) {
                g = CT_GLYPH_FAILED;
                role = CT_TH_ERROR;
            }
            /* the API answers 404 for a call the live channel reports live
             * (calltop/reduce.h, 404 rule): the word says it without colour */
            bool hidden = !pend && !e->hang && !err && e->not_visible;
            if (hidden) role = CT_TH_WARN;
            /* an open attention item: '!' and the rule's name, no colour needed */
            char mark[32];
            const char *attn = pend ? NULL : ct_attn_row_mark(ctx, c->id, mark, sizeof mark);
            if (attn) {
                g = CT_GLYPH_HANG;
                role = CT_TH_ERROR;
                err = false;
                hidden = false;
            }
            if (unconfirmed && !pend && !err && !attn) g = CT_GLYPH_UNCONFIRMED;
            attr_t sa = selected ? row : ct_theme_attr(role) | (unconfirmed ? A_DIM : 0);
            ct_draw_cell(p->win, y, x, 1, ct_theme_glyph(g), CT_ALIGN_LEFT, sa, true);
            if (pend)
                snprintf(cell, sizeof cell, "%s%s", ct_control_action_name(pend->action),
                         ct_text_ellipsis());
            else if (attn) snprintf(cell, sizeof cell, "%s", attn);
            else if (err) snprintf(cell, sizeof cell, "error");
            else if (hidden) snprintf(cell, sizeof cell, "hidden");
            else ct_listmodel_cell(e, (ct_col)col, ctx->now, cell, sizeof cell);
            /* "live?", "ringing?": the last word we had, in doubt */
            if (unconfirmed && !pend && !err) strncat(cell, "?", sizeof cell - strlen(cell) - 1);
            ct_draw_cell(p->win, y, x + 2, w - 2, cell, CT_ALIGN_LEFT, sa, true);
            continue;
        }
        ct_listmodel_cell(e, (ct_col)col, ctx->now, cell, sizeof cell);
        if (col == CT_COL_DURATION && unconfirmed && cell[0]) {
            /* an estimate: nothing confirmed the call is still on */
            memmove(cell + 1, cell, strnlen(cell, sizeof cell - 2) + 1);
            cell[sizeof cell - 1] = '\0';
            cell[0] = '~';
        }
        if (col == CT_COL_PHONE && !selected && ct_call_is_failed_attempt(c))
            a = ct_theme_attr(CT_TH_FAILED);
        ct_draw_cell(p->win, y, x, w, cell, ct_cols[col].right ? CT_ALIGN_RIGHT : CT_ALIGN_LEFT, a,
                     true);
    }
}

/* A row's inputs: its entry and version, how it is highlighted, its
 * pending mark, and the cells that change with the clock. */
static uint64_t row_key(const ct_pane *p, const ct_ui_ctx *ctx, list_state *st,
                        const ct_call_entry *e, bool selected)
{
    const ct_pending_action *pend = ct_pending_for_call(&ctx->marks, e->call.id);
    bool live = ct_call_is_live(&e->call);
    uint64_t v[7] = {(uint64_t)(uintptr_t)e,
                     e->changed_gen,
                     (uint64_t)selected | (uint64_t)p->focused << 1 |
                         (uint64_t)ct_listmodel_is_new(&st->lm, e, ctx->now) << 2 |
                         (uint64_t)ct_reduce_unconfirmed(ctx->freshness, e, ctx->now) << 3,
                     pend ? (uint64_t)pend->action + 1 : 0,
                     live ? (uint64_t)(ctx->now / 1000) : 0,
                     0,
                     0};
    /* an attention mark appears or goes without a store change */
    const ct_att_item *attn =
        ctx->attention ? ct_attention_for_call(ctx->attention, e->call.id) : NULL;
    uint64_t attn_key = attn ? attn->id : 0;
    if (e->last_activity && st->col_x[CT_COL_ACTIVITY] >= 0) {
        char age[16] = "";
        ct_fmt_age(ct_age_shown_ms(ctx->now, e->last_activity), age, sizeof age);
        memcpy(&v[5], age, sizeof age);
    }
    uint64_t h = CT_HASH_INIT;
    for (size_t i = 0; i < 7; i++) h = ct_hash_mix(h, v[i]);
    h = ct_hash_mix(h, attn_key);
    return h | 1; /* 0 = an empty row */
}

/* What on screen changes with the clock (for ct_list_pane_timer_ms). */
static void scan_timed(const ct_ui_ctx *ctx, list_state *st, int rows, size_t n)
{
    st->live_visible = st->new_visible = false;
    st->age_due_at = 0;
    for (int r = 0; r < rows; r++) {
        size_t i = st->lm.top + (size_t)r;
        if (i >= n) break;
        const ct_call_entry *e = ct_listmodel_row(&st->lm, i);
        if (ct_listmodel_is_new(&st->lm, e, ctx->now)) st->new_visible = true;
        if (ct_call_is_live(&e->call)) st->live_visible = true;
        if (e->last_activity && st->col_x[CT_COL_ACTIVITY] >= 0) {
            int64_t at = ctx->now + ct_age_next_change_at(ctx->now, e->last_activity);
            if (!st->age_due_at || at < st->age_due_at) st->age_due_at = at;
        }
    }
}

static void list_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    list_state *st = p->state;
    st->lm.rows = body_rows(p);
    size_t n = ct_listmodel_count(&st->lm);
    int rows = body_rows(p);
    int max_keys = (int)(sizeof st->row_key / sizeof *st->row_key);
    bool special = st->lm.searching || st->lm.spec.search[0] || n == 0;
    bool full =
        p->stale || special || st->drawn_special || st->n_row_key != rows || rows > max_keys;
    char info[256];
    format_info(ctx, st, info, sizeof info);
    scan_timed(ctx, st, rows, n);
    if (full) {
        werase(p->win);
        draw_info(p, info);
        if (p->h > 1) draw_titles(p, st);
    } else if (strcmp(info, st->drawn_info) != 0) {
        draw_info(p, info);
    }
    snprintf(st->drawn_info, sizeof st->drawn_info, "%s", info);
    for (int r = 0; r < rows; r++) {
        size_t i = st->lm.top + (size_t)r;
        const ct_call_entry *e = i < n ? ct_listmodel_row(&st->lm, i) : NULL;
        bool selected = (long)i == st->lm.sel;
        uint64_t k = e ? row_key(p, ctx, st, e, selected) : 0;
        if (!full && r < max_keys && st->row_key[r] == k) continue;
        if (r < max_keys) st->row_key[r] = k;
        if (e) {
            draw_row(p, ctx, st, LIST_HEAD_ROWS + r, e, selected);
        } else if (!full) {
            wmove(p->win, LIST_HEAD_ROWS + r, 0);
            wclrtoeol(p->win);
        }
    }
    st->n_row_key = rows;
    st->drawn_special = special;
    if (n == 0 && rows > 0 && !ct_store_count(ctx->store) && ctx->list_error[0]) {
        /* nothing to show because the read failed: say why, and what to do */
        char line[sizeof ctx->list_error + 16];
        snprintf(line, sizeof line, "No calls: %s", ctx->list_error);
        ct_draw_cell(p->win, LIST_HEAD_ROWS, 1, p->w - 1, line, CT_ALIGN_LEFT,
                     ct_theme_attr(CT_TH_ERROR), true);
        if (rows > 1)
            ct_draw_cell(p->win, LIST_HEAD_ROWS + 1, 1, p->w - 1, ct_strerror(ctx->list_error_code),
                         CT_ALIGN_LEFT, ct_theme_attr(CT_TH_DIM), true);
    } else if (n == 0 && rows > 0) {
        ct_draw_cell(p->win, LIST_HEAD_ROWS, 1, p->w - 1,
                     ct_store_count(ctx->store) ? "No calls match the filter (v) or search (/)."
                                                : "No calls yet.",
                     CT_ALIGN_LEFT, ct_theme_attr(CT_TH_DIM), true);
    }
    if (st->lm.searching || st->lm.spec.search[0]) {
        char line[200];
        snprintf(line, sizeof line, "/%s%s", st->lm.spec.search,
                 st->lm.searching ? "_" : "   (Esc clears)");
        ct_draw_cell(p->win, p->h - 1, 0, p->w, line, CT_ALIGN_LEFT,
                     ct_theme_attr(CT_TH_FIELD_FOCUS), false);
    }
    wnoutrefresh(p->win);
}

static int fx_moved(const char *before, const ct_ui_ctx *ctx)
{
    int fx = CT_FX_HANDLED | CT_FX_REDRAW_ALL;
    if (strcmp(before, ctx->selected_id) != 0) fx |= CT_FX_SELECT;
    return fx;
}

static int search_key(ct_pane *p, ct_ui_ctx *ctx, list_state *st, int key)
{
    long ch = ct_key_char(key);
    if (ct_key_is_enter(key)) {
        st->lm.searching = false;
    } else if (key == CT_KEY_ESC) {
        st->lm.searching = false;
        ct_listmodel_set_search(&st->lm, "");
    } else if (ct_key_is_backspace(key)) {
        ct_listmodel_search_backspace(&st->lm);
    } else if (ch >= 32 && ch != 127) {
        char mb[8] = {0};
        size_t n = ct_utf8_encode((uint32_t)ch, mb);
        if (n == 0) return CT_FX_HANDLED;
        mb[n] = '\0';
        ct_listmodel_search_append(&st->lm, mb);
    } else {
        return 0; /* arrows etc. still navigate while searching */
    }
    st->lm.rows = body_rows(p);
    ct_listmodel_sync(&st->lm, ctx->selected_id, sizeof ctx->selected_id, ctx->now);
    return CT_FX_HANDLED | CT_FX_REDRAW_ALL | CT_FX_SELECT;
}

static int list_mouse(ct_pane *p, ct_ui_ctx *ctx, list_state *st, const MEVENT *m)
{
    int row, col;
    if (!ct_pane_mouse_local(p, m, &row, &col)) return 0;
    char before[CT_CALL_ID_BUF];
    snprintf(before, sizeof before, "%s", ctx->selected_id);
    if (m->bstate & BUTTON4_PRESSED) {
        ct_listmodel_move(&st->lm, -3, -1, ctx->selected_id, sizeof ctx->selected_id);
        return fx_moved(before, ctx) | CT_FX_UNFOLLOW;
    }
#ifdef BUTTON5_PRESSED
    if (m->bstate & BUTTON5_PRESSED) {
        ct_listmodel_move(&st->lm, 3, -1, ctx->selected_id, sizeof ctx->selected_id);
        return fx_moved(before, ctx) | CT_FX_UNFOLLOW;
    }
#endif
    if (!(m->bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED))) return 0;
    if (row == 1) {
        for (int c = 0; c < CT_COL__COUNT; c++)
            if (st->col_x[c] >= 0 && col >= st->col_x[c] && col < st->col_x[c] + st->col_w[c]) {
                ct_listmodel_sort_column(&st->lm, (ct_col)c);
                return CT_FX_HANDLED | CT_FX_REDRAW;
            }
        return CT_FX_HANDLED;
    }
    if (row < LIST_HEAD_ROWS) return CT_FX_HANDLED;
    size_t i = st->lm.top + (size_t)(row - LIST_HEAD_ROWS);
    if (i < ct_listmodel_count(&st->lm))
        ct_listmodel_move(&st->lm, 0, (long)i, ctx->selected_id, sizeof ctx->selected_id);
    return fx_moved(before, ctx) | CT_FX_UNFOLLOW;
}

static int list_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    list_state *st = p->state;
    if (key == KEY_MOUSE && mouse) return list_mouse(p, ctx, st, mouse);
    if (st->lm.searching) {
        int fx = search_key(p, ctx, st, key);
        if (fx) return fx;
    }
    char before[CT_CALL_ID_BUF];
    snprintf(before, sizeof before, "%s", ctx->selected_id);
    long page = st->lm.rows > 1 ? st->lm.rows - 1 : 1;
    ct_listmodel *lm = &st->lm;
    char *sel = ctx->selected_id;
    size_t cap = sizeof ctx->selected_id;
    switch (ct_action_for_key(key)) {
    case CT_A_UP: ct_listmodel_move(lm, -1, -1, sel, cap); break;
    case CT_A_DOWN: ct_listmodel_move(lm, 1, -1, sel, cap); break;
    case CT_A_PGUP: ct_listmodel_move(lm, -page, -1, sel, cap); break;
    case CT_A_PGDN: ct_listmodel_move(lm, page, -1, sel, cap); break;
    case CT_A_TOP: ct_listmodel_move(lm, 0, 0, sel, cap); break;
    case CT_A_BOTTOM: ct_listmodel_move(lm, 0, (long)ct_listmodel_count(lm) - 1, sel, cap); break;
    case CT_A_SEARCH:
        lm->searching = true;
        lm->rows = body_rows(p);
        return CT_FX_HANDLED | CT_FX_REDRAW;
    case CT_A_BACK:
        if (!lm->spec.search[0]) return 0;
        ct_listmodel_set_search(lm, "");
        lm->rows = body_rows(p);
        break;
    case CT_A_FILTER: ct_listmodel_filter_next(lm); break;
    case CT_A_SORT_NEXT: ct_listmodel_sort_next(lm); break;
    case CT_A_SORT_REVERSE: ct_listmodel_sort_reverse(lm); break;
    case CT_A_SORT_COLUMN: {
        long ch = ct_key_char(key);
        if (ch >= '1' && ch < '1' + CT_COL__COUNT) ct_listmodel_sort_column(lm, (ct_col)(ch - '1'));
        break;
    }
    case CT_A_FOLLOW:
        lm->follow = !lm->follow;
        ct_listmodel_sync(lm, sel, cap, ctx->now);
        ct_ui_flash(ctx, CT_FLASH_INFO, "follow newest: %s", lm->follow ? "on" : "off");
        return fx_moved(before, ctx);
    default: return 0;
    }
    ct_listmodel_sync(lm, sel, cap, ctx->now);
    int fx = fx_moved(before, ctx);
    return fx;
}

static void list_destroy(ct_pane *p)
{
    list_state *st = p->state;
    ct_listmodel_free(&st->lm);
    free(st);
}

static const ct_pane_ops list_ops = {
    .name = "list",
    .draw = list_draw,
    .resize = list_resize,
    .handle_key = list_key,
    .destroy = list_destroy,
};

ct_pane *ct_list_pane_new(const ct_store *store)
{
    list_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    if (ct_listmodel_init(&st->lm, store) != 0) {
        free(st);
        return NULL;
    }
    ct_pane *p = ct_pane_new(&list_ops, st);
    if (!p) {
        ct_listmodel_free(&st->lm);
        free(st);
    }
    return p;
}

ct_listmodel *ct_list_pane_model(ct_pane *p)
{
    return &((list_state *)p->state)->lm;
}

long ct_list_pane_timer_ms(ct_pane *p, ct_time_ms now)
{
    list_state *st = p->state;
    long due = -1;
    /* durations tick on whole seconds, so wake at the next second boundary */
    if (st->live_visible) due = 1000 - (long)(now % 1000);
    if (st->new_visible && (due < 0 || due > 500)) due = 500;
    /* the LAST ages change on wall-clock boundaries too (ct_age_shown_ms):
     * on the duration tick's second, or on the clock's minute */
    if (st->age_due_at) {
        long d = st->age_due_at > now ? (long)(st->age_due_at - now) : 0;
        if (due < 0 || d < due) due = d;
    }
    return due;
}
