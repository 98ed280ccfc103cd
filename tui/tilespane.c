/* tilespane.c — the tiled view: up to CT_TILES_MAX_SHOWN pinned calls,
 * each a status line (id, status, duration) over its transcript's tail.
 *
 * Where tiles go comes from the pure plan (tiles.h); each tile's lines come
 * from the details pane's model (detailmodel.h) built at the tile's width,
 * so wrapping and sanitizing are the same as in the details pane. Tiles
 * always follow the tail: the view is for watching, the details pane is
 * for reading back. The pane repaints in full on every draw; the board
 * draws it only while the tiled view is on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actions.h"
#include "detailmodel.h"
#include "draw.h"
#include "theme.h"
#include "tiles.h"

typedef struct tiles_state {
    ct_tiles_model *m; /* the board's; not owned */
    ct_detail_doc doc[CT_TILES_MAX_SHOWN];
} tiles_state;

static void tiles_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void draw_tile(ct_pane *p, const ct_ui_ctx *ctx, const ct_tile_rect *t, ct_detail_doc *doc,
                      bool focused)
{
    tiles_state *st = p->state;
    const char *id = st->m->pinned[t->pin];
    const ct_call_entry *e = ct_store_get(ctx->store, id);
    /* a tile right of another gets a rule as its left edge */
    int x0 = t->x + (t->x > 0 ? 1 : 0), w = t->w - (t->x > 0 ? 1 : 0);
    if (t->x > 0) {
        wattrset(p->win, ct_theme_attr(CT_TH_BORDER));
        for (int r = 0; r < t->h; r++) {
            if (ct_theme_is_utf8()) mvwadd_wch(p->win, t->y + r, t->x, WACS_VLINE);
            else mvwaddch(p->win, t->y + r, t->x, '|');
        }
        wattrset(p->win, A_NORMAL);
    }
    char line[CT_CALL_ID_BUF + 512], title[sizeof line + 16];
    /* the id is the server's: sanitize it before measuring it */
    char safe_id[CT_CALL_ID_BUF * 2];
    ct_text_drawable(id, safe_id, sizeof safe_id);
    ct_text_clean_line(safe_id);
    /* "N " before it, and one column spare at the right edge */
    ct_tiles_status_line(line, sizeof line, safe_id, e, ctx->now, w - 4);
    /* the focused tile is marked in text too, for monochrome terminals */
    snprintf(title, sizeof title, "%s%d %s", focused ? ">" : " ", t->pin + 1, line);
    attr_t ta = ct_theme_attr(CT_TH_HEADER);
    if (focused) ta |= A_REVERSE;
    ct_draw_cell(p->win, t->y, x0, w, title, CT_ALIGN_LEFT, ta, false);
    int body = t->h - 1;
    if (body <= 0 || !e) return;
    ct_detail_build(doc, e, w, ctx->now);
    /* hang / error markers first (at most one row), then the transcript's
     * tail below its heading */
    int row = t->y + 1;
    if (doc->markers && body > 1) {
        const ct_dline *l = &doc->lines[0];
        ct_draw_cell(p->win, row++, x0 + l->indent, w - l->indent, l->text, CT_ALIGN_LEFT,
                     ct_theme_attr(l->role), true);
        body--;
    }
    size_t from = doc->transcript_start + 1, n = doc->n > from ? doc->n - from : 0;
    size_t first = n > (size_t)body ? n - (size_t)body : 0;
    for (size_t i = first; i < n; i++, row++) {
        const ct_dline *l = &doc->lines[from + i];
        ct_draw_cell(p->win, row, x0 + l->indent, w - l->indent, l->text, CT_ALIGN_LEFT,
                     ct_theme_attr(l->role), true);
    }
}

static void tiles_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    tiles_state *st = p->state;
    werase(p->win);
    ct_tiles_plan plan;
    ct_tiles_plan_for(st->m, p->h, p->w, &plan);
    if (st->m->n == 0) {
        ct_draw_cell(p->win, 0, 0, p->w,
                     " Tiles: nothing pinned. p pins the selected call; w leaves.", CT_ALIGN_LEFT,
                     ct_theme_attr(CT_TH_HEADER), true);
    } else if (plan.n_shown == 0) {
        ct_draw_cell(p->win, 0, 0, p->w, " Tiles: too small for a tile; w leaves.", CT_ALIGN_LEFT,
                     ct_theme_attr(CT_TH_HEADER), true);
    }
    for (int i = 0; i < plan.n_shown; i++)
        draw_tile(p, ctx, &plan.tile[i], &st->doc[i], plan.tile[i].pin == st->m->focus);
    if (plan.note_y >= 0) {
        char note[96];
        snprintf(note, sizeof note, " %d more pinned (Tab shows them)", plan.hidden);
        ct_draw_cell(p->win, plan.note_y, 0, p->w, note, CT_ALIGN_LEFT, ct_theme_attr(CT_TH_DIM),
                     true);
    }
    wnoutrefresh(p->win);
}

static int tiles_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    tiles_state *st = p->state;
    (void)mouse;
    if (ct_action_for_key(key) != CT_A_FOCUS_NEXT) return 0;
    ct_tiles_focus_step(st->m, key == KEY_BTAB ? -1 : 1);
    /* the focused tile is the selected call: the details pane, export and
     * the list agree with where actions go */
    if (st->m->n) ct_ui_select(ctx, ct_tiles_focused_id(st->m));
    return CT_FX_HANDLED | CT_FX_REDRAW_ALL | CT_FX_SELECT;
}

static void tiles_destroy(ct_pane *p)
{
    tiles_state *st = p->state;
    for (int i = 0; i < CT_TILES_MAX_SHOWN; i++) ct_detail_doc_free(&st->doc[i]);
    free(st);
}

static const ct_pane_ops tiles_ops = {
    .name = "tiles",
    .draw = tiles_draw,
    .resize = tiles_resize,
    .handle_key = tiles_key,
    .destroy = tiles_destroy,
};

ct_pane *ct_tiles_pane_new(ct_tiles_model *m)
{
    tiles_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->m = m;
    ct_pane *p = ct_pane_new(&tiles_ops, st);
    if (!p) free(st);
    return p;
}

long ct_tiles_pane_timer_ms(ct_pane *p, const ct_ui_ctx *ctx)
{
    tiles_state *st = p->state;
    ct_tiles_plan plan;
    ct_tiles_plan_for(st->m, p->h, p->w, &plan);
    for (int i = 0; i < plan.n_shown; i++) {
        const ct_call_entry *e = ct_store_get(ctx->store, st->m->pinned[plan.tile[i].pin]);
        if (e && ct_call_is_live(&e->call) && e->call.start_at)
            return 1000 - (long)(ctx->now % 1000);
    }
    return -1;
}
