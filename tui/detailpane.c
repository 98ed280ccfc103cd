/* detailpane.c — the details pane: the selected call's fields and its
 * transcript, following the tail while the user has not scrolled up.
 *
 * The document is rebuilt only when the call, its version, the width or (for
 * a live call's ticking duration) the second changes. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "actions.h"
#include "calltop/hash.h"
#include "board.h"
#include "detailmodel.h"
#include "draw.h"
#include "theme.h"

typedef struct detail_state {
    ct_detail_doc doc;
    size_t top;
    bool follow_tail;
    /* cache key of doc */
    char id[CT_CALL_ID_BUF];
    uint64_t gen;
    int width;
    int64_t second;
    bool live;
    /* What each window row shows (row 0 is the title), for drawing only
     * the rows that changed: a transcript line arriving while the pane
     * follows the tail scrolls the body by one row and draws one row. */
    uint64_t *row_key;
    int n_row_key;
    size_t drawn_top;
    size_t drawn_pinned;
    unsigned long rows_drawn; /* counter (tests) */
} detail_state;

static uint64_t key_of(const char *s, int role, int indent)
{
    uint64_t h = ct_hash_str(s);
    h = ct_hash_mix(h, (uint64_t)(unsigned)role);
    h = ct_hash_mix(h, (uint64_t)(unsigned)indent);
    return h | 1; /* 0 = an empty row */
}

static int text_x(const ct_pane *p)
{
    return p->x > 0 ? 1 : 0;
}
static int text_w(const ct_pane *p)
{
    int w = p->w - text_x(p);
    return w > 0 ? w : 1;
}
/* Rows for the scrolling part: below the title and the pinned markers
 * (which keep at least one row for the rest when the pane is tiny). */
static int pinned_rows(const ct_pane *p)
{
    const detail_state *st = p->state;
    int max = p->h - 2;
    if (max < 0) max = 0;
    return (int)st->doc.pinned < max ? (int)st->doc.pinned : max;
}
static int body_h(const ct_pane *p)
{
    int h = p->h - 1 - pinned_rows(p);
    return h > 0 ? h : 0;
}
/* Lines that scroll: the document after the pinned markers. */
static size_t scroll_n(const ct_pane *p)
{
    const detail_state *st = p->state;
    return st->doc.n - st->doc.pinned;
}

static void rebuild(ct_pane *p, const ct_ui_ctx *ctx)
{
    detail_state *st = p->state;
    const ct_call_entry *e = ct_ui_selected(ctx);
    const char *id = e ? e->call.id : "";
    int64_t second = ctx->now / 1000;
    bool live = e && ct_call_is_live(&e->call);
    if (strcmp(id, st->id) == 0 && e && st->gen == e->changed_gen && st->width == text_w(p) &&
        (!live || st->second == second) && st->doc.n)
        return;
    if (strcmp(id, st->id) != 0) {
        /* a different call: start at its tail */
        st->follow_tail = true;
        st->top = 0;
    }
    snprintf(st->id, sizeof st->id, "%s", id);
    st->gen = e ? e->changed_gen : 0;
    st->width = text_w(p);
    st->second = second;
    st->live = live;
    ct_detail_build(&st->doc, e, st->width, ctx->now);
}

static void clamp(ct_pane *p)
{
    detail_state *st = p->state;
    size_t h = (size_t)body_h(p), n = scroll_n(p);
    size_t max_top = n > h ? n - h : 0;
    if (st->follow_tail || st->top > max_top) st->top = max_top;
}

static void detail_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

/* The document line a window row shows (NULL: none). Row 0 is the title. */
static const ct_dline *row_line(const ct_pane *p, int r)
{
    const detail_state *st = p->state;
    int pin = pinned_rows(p);
    if (r < 1 || r >= 1 + pin + body_h(p)) return NULL;
    size_t i = r - 1 < pin ? (size_t)(r - 1) : st->doc.pinned + st->top + (size_t)(r - 1 - pin);
    return i < st->doc.n ? &st->doc.lines[i] : NULL;
}

size_t ct_details_pane_links(const ct_pane *p, ct_screen_link *out, size_t cap, const char **url)
{
    const detail_state *st = p->state;
    *url = st->doc.link_url;
    size_t n = 0;
    if (!st->doc.link_n || !st->doc.link_url[0] || p->h <= 0) return 0;
    for (int r = 1; r < p->h && n < cap; r++) {
        const ct_dline *l = row_line(p, r);
        if (!l) continue;
        size_t i = (size_t)(l - st->doc.lines);
        if (i < st->doc.link_first || i >= st->doc.link_first + st->doc.link_n) continue;
        size_t skip = i == st->doc.link_first ? st->doc.link_skip0 : 0;
        if (strlen(l->text) <= skip) continue;
        /* the text as drawn: never wider than the pane's text width */
        int cols = text_w(p) - l->indent - (int)skip;
        if (cols <= 0) continue;
        ct_text_truncate(l->text + skip, cols, out[n].text, sizeof out[n].text);
        out[n].y = p->y + r;
        out[n].x = p->x + text_x(p) + l->indent + (int)skip;
        n++;
    }
    return n;
}

static void draw_row(ct_pane *p, int r, const char *title, attr_t title_attr)
{
    detail_state *st = p->state;
    int x0 = text_x(p), w = text_w(p);
    st->rows_drawn++;
    if (x0) {
        wattrset(p->win, ct_theme_attr(CT_TH_BORDER));
        if (ct_theme_is_utf8()) mvwadd_wch(p->win, r, 0, WACS_VLINE);
        else mvwaddch(p->win, r, 0, '|');
        wattrset(p->win, A_NORMAL);
    }
    if (r == 0) {
        ct_draw_cell(p->win, 0, x0, w, title, CT_ALIGN_LEFT, title_attr, false);
        return;
    }
    wmove(p->win, r, x0);
    wclrtoeol(p->win);
    const ct_dline *l = row_line(p, r);
    /* lines are sanitized by the model already */
    if (l)
        ct_draw_cell(p->win, r, x0 + l->indent, w - l->indent, l->text, CT_ALIGN_LEFT,
                     ct_theme_attr(l->role), true);
}

static void detail_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    detail_state *st = p->state;
    rebuild(p, ctx);
    clamp(p);
    char title[256];
    const ct_call_entry *e = ct_ui_selected(ctx);
    const ct_pending_action *pend = e ? ct_pending_for_call(&ctx->marks, e->call.id) : NULL;
    snprintf(title, sizeof title, " Details %s%s%s%s", e ? e->call.id : "",
             pend ? "  [pending " : "", pend ? ct_control_action_name(pend->action) : "",
             pend ? "]" : "");
    if (!st->follow_tail && scroll_n(p) > (size_t)body_h(p)) {
        size_t len = strlen(title);
        snprintf(title + len, sizeof title - len, "  [scrolled: G follows]");
    }
    attr_t ta = ct_theme_attr(CT_TH_HEADER);
    if (p->focused) ta |= A_REVERSE;

    int rows = p->h, pin = pinned_rows(p), h = body_h(p);
    bool full = p->stale || st->n_row_key != rows || st->drawn_pinned != st->doc.pinned;
    if (st->n_row_key != rows) {
        uint64_t *k = realloc(st->row_key, (size_t)(rows > 0 ? rows : 1) * sizeof *k);
        if (!k) {
            free(st->row_key);
            st->row_key = NULL;
            st->n_row_key = 0;
            full = true;
        } else {
            st->row_key = k;
            st->n_row_key = rows;
        }
    }
    uint64_t want[rows > 0 ? rows : 1];
    for (int r = 0; r < rows; r++) {
        const ct_dline *l = row_line(p, r);
        want[r] = r == 0 ? key_of(title, (int)ta, -1) : l ? key_of(l->text, l->role, l->indent) : 0;
    }
    if (full || !st->row_key) {
        werase(p->win);
        for (int r = 0; r < rows; r++) draw_row(p, r, title, ta);
    } else {
        /* Following the tail, new lines move the body up: scroll the
         * window's rows (ncurses may scroll the terminal too) and draw
         * only what is new. */
        int body0 = 1 + pin, d = (int)(st->top - st->drawn_top);
        if (st->top > st->drawn_top && d < h) {
            bool shifted = true;
            for (int r = body0; r < body0 + h - d && shifted; r++)
                shifted = want[r] == st->row_key[r + d];
            if (shifted) {
                wsetscrreg(p->win, body0, body0 + h - 1);
                scrollok(p->win, TRUE);
                wscrl(p->win, d);
                scrollok(p->win, FALSE);
                wsetscrreg(p->win, 0, rows - 1);
                memmove(st->row_key + body0, st->row_key + body0 + d,
                        (size_t)(h - d) * sizeof *want);
                for (int r = body0 + h - d; r < body0 + h; r++) st->row_key[r] = ~(uint64_t)0;
            }
        }
        for (int r = 0; r < rows; r++)
            if (want[r] != st->row_key[r]) draw_row(p, r, title, ta);
    }
    if (st->row_key) memcpy(st->row_key, want, (size_t)rows * sizeof *want);
    st->drawn_top = st->top;
    st->drawn_pinned = st->doc.pinned;
    wnoutrefresh(p->win);
}

static int detail_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    detail_state *st = p->state;
    rebuild(p, ctx);
    size_t h = (size_t)body_h(p), n = scroll_n(p);
    size_t max_top = n > h ? n - h : 0;
    long page = h > 1 ? (long)h - 1 : 1;
    long delta = 0;
    ct_action_id a = ct_action_for_key(key);
    if (key == KEY_MOUSE && mouse) {
        int row, col;
        if (!ct_pane_mouse_local(p, mouse, &row, &col)) return 0;
        if (mouse->bstate & BUTTON4_PRESSED) a = CT_A_UP, delta = -3;
#ifdef BUTTON5_PRESSED
        else if (mouse->bstate & BUTTON5_PRESSED) a = CT_A_DOWN, delta = 3;
#endif
        else return CT_FX_HANDLED;
    }
    clamp(p);
    switch (a) {
    case CT_A_UP: delta = delta ? delta : -1; break;
    case CT_A_DOWN: delta = delta ? delta : 1; break;
    case CT_A_PGUP: delta = -page; break;
    case CT_A_PGDN: delta = page; break;
    case CT_A_TOP:
        st->top = 0;
        st->follow_tail = max_top == 0;
        return CT_FX_HANDLED | CT_FX_REDRAW;
    case CT_A_BOTTOM: st->follow_tail = true; return CT_FX_HANDLED | CT_FX_REDRAW;
    default: return 0;
    }
    long t = (long)st->top + delta;
    if (t < 0) t = 0;
    if ((size_t)t > max_top) t = (long)max_top;
    st->top = (size_t)t;
    /* reaching the end again means "follow the tail" again */
    st->follow_tail = st->top >= max_top;
    return CT_FX_HANDLED | CT_FX_REDRAW;
}

static void detail_destroy(ct_pane *p)
{
    detail_state *st = p->state;
    ct_detail_doc_free(&st->doc);
    free(st->row_key);
    free(st);
}

static const ct_pane_ops detail_ops = {
    .name = "details",
    .draw = detail_draw,
    .resize = detail_resize,
    .handle_key = detail_key,
    .destroy = detail_destroy,
};

ct_pane *ct_details_pane_new(void)
{
    detail_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->follow_tail = true;
    ct_pane *p = ct_pane_new(&detail_ops, st);
    if (!p) free(st);
    return p;
}

bool ct_details_pane_following(ct_pane *p)
{
    return ((detail_state *)p->state)->follow_tail;
}

long ct_details_pane_timer_ms(ct_pane *p, const ct_ui_ctx *ctx)
{
    detail_state *st = p->state;
    return st->live ? 1000 - (long)(ctx->now % 1000) : -1;
}
