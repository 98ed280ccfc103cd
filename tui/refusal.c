/* refusal.c — the refusal box (see refusal.h for why it is modal). */
#include "refusal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modal_draw.h"
#include "text.h"

typedef struct refusal_pane {
    char title[64];
    char reason[256];
    unsigned ignored; /* keys swallowed since the box opened */
} refusal_pane;

static void refusal_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    (void)ctx;
    refusal_pane *st = p->state;
    WINDOW *w = p->win;
    int y0, x0, H, W;
    ct_modal_frame(w, st->title, CT_TH_WARN, true, &y0, &x0, &H, &W);
    if (H < 1 || W < 1) {
        wnoutrefresh(w);
        return;
    }
    int y = y0;
    /* the reason, wrapped; the last two rows are kept for the count and
     * the way out, which matter more than a long reason's tail */
    ct_span sp[4];
    size_t n = ct_text_wrap(st->reason, W, sp, 4);
    for (size_t i = 0; i < n && y < y0 + H - 2; i++, y++) {
        char line[sizeof st->reason];
        memcpy(line, st->reason + sp[i].off, sp[i].len);
        line[sp[i].len] = '\0';
        ct_modal_text(w, y, x0, W, line, CT_TH_WARN);
    }
    if (st->ignored && y < y0 + H - 1) {
        char count[64];
        snprintf(count, sizeof count, "%u key%s ignored", st->ignored, st->ignored == 1 ? "" : "s");
        ct_modal_text(w, y, x0, W, count, CT_TH_DIM);
    }
    ct_modal_text(w, y0 + H - 1, x0, W, "Enter or Esc: back to the board", CT_TH_KEY);
    wnoutrefresh(w);
}

static void refusal_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static int refusal_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)ctx;
    (void)mouse;
    refusal_pane *st = p->state;
    if (key == KEY_RESIZE) return 0; /* the board lays out; nothing to swallow */
    if (key == CT_KEY_ESC || ct_key_is_enter(key))
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    /* a click is swallowed too (it could select another call under the
     * box) but not counted: mouse reports are not typing */
    if (key != KEY_MOUSE && st->ignored < 999999u) st->ignored++;
    return CT_FX_HANDLED | CT_FX_REDRAW;
}

static void refusal_destroy(ct_pane *p)
{
    free(p->state);
    p->state = NULL;
}

static const ct_pane_ops refusal_ops = {
    .name = CT_REFUSAL_PANE_NAME,
    .draw = refusal_draw,
    .resize = refusal_resize,
    .handle_key = refusal_key,
    .on_event = NULL,
    .destroy = refusal_destroy,
};

ct_pane *ct_refusal_new(const char *title, const char *reason)
{
    refusal_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    snprintf(st->title, sizeof st->title, "%s", title ? title : "refused");
    snprintf(st->reason, sizeof st->reason, "%s", reason ? reason : "");
    ct_pane *p = ct_pane_new(&refusal_ops, st);
    if (!p) {
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}

bool ct_refusal_is(const ct_pane *p)
{
    return p && p->ops == &refusal_ops;
}

unsigned ct_refusal_ignored(const ct_pane *p)
{
    return ct_refusal_is(p) ? ((const refusal_pane *)p->state)->ignored : 0;
}
