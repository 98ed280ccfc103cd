/* pane.c — the pane helpers and the shared UI context (see pane.h).
 *
 * The context is where panes turn intent into effects: ct_ui_submit is the
 * single door requests leave by, so --read-only and pending marks are
 * enforced in one place rather than in every dialog. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pane.h"

void ct_ui_ctx_init(ct_ui_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->color = true;
}

static bool request_writes(ct_request_kind k)
{
    return k == CT_REQ_CONNECT || k == CT_REQ_CREATE || k == CT_REQ_CONTROL;
}

uint64_t ct_ui_submit(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_pane *owner, ct_error *err)
{
    ct_error local;
    if (!err) err = &local;
    ct_error_clear(err);
    if (request_writes(rq->kind) && ctx->read_only) {
        ct_error_set(err, CT_EREADONLY, "calltop runs with --read-only");
        return 0;
    }
    /* Find a slot first: refusing before sending is better than sending a
     * request whose outcome we could not route. */
    ct_ui_pending *slot = NULL;
    for (size_t i = 0; i < CT_UI_MAX_PENDING; i++)
        if (ctx->pending[i].request_id == 0) {
            slot = &ctx->pending[i];
            break;
        }
    if (!slot) {
        ct_error_set(err, CT_EINVAL, "too many requests in flight; wait for some to finish");
        return 0;
    }

    uint64_t id = 0;
    if (ctx->submit_hook) {
        id = ctx->submit_hook(ctx, rq, err);
    } else {
        /* the board installs a hook that hands requests to the fetcher
         * thread; the tui library itself does no I/O */
        ct_error_set(err, CT_ECONNECT, "no connection to the API");
    }
    if (id == 0) {
        if (err->code == CT_OK) ct_error_set(err, CT_EINVAL, "request refused");
        return 0;
    }
    memset(slot, 0, sizeof *slot);
    slot->request_id = id;
    slot->kind = rq->kind;
    slot->action = rq->control.action;
    if (rq->call_id) snprintf(slot->call_id, sizeof slot->call_id, "%s", rq->call_id);
    slot->since = ctx->now;
    slot->owner = owner;
    if (rq->kind == CT_REQ_CONTROL && rq->call_id)
        ct_pending_add(&ctx->marks, rq->call_id, rq->control.action, id, ctx->now);
    return id;
}

ct_ui_pending *ct_ui_pending_find(ct_ui_ctx *ctx, uint64_t request_id)
{
    if (request_id == 0) return NULL;
    for (size_t i = 0; i < CT_UI_MAX_PENDING; i++)
        if (ctx->pending[i].request_id == request_id) return &ctx->pending[i];
    return NULL;
}

size_t ct_ui_pending_count(const ct_ui_ctx *ctx)
{
    /* control requests are counted by their marks, which last longer */
    size_t n = ct_pending_count(&ctx->marks);
    for (size_t i = 0; i < CT_UI_MAX_PENDING; i++)
        if (ctx->pending[i].request_id && request_writes(ctx->pending[i].kind) &&
            ctx->pending[i].kind != CT_REQ_CONTROL)
            n++;
    return n;
}

void ct_ui_pending_done(ct_ui_ctx *ctx, uint64_t request_id)
{
    ct_ui_pending *p = ct_ui_pending_find(ctx, request_id);
    if (p) memset(p, 0, sizeof *p);
}

void ct_ui_pending_disown(ct_ui_ctx *ctx, const ct_pane *owner)
{
    for (size_t i = 0; i < CT_UI_MAX_PENDING; i++)
        if (ctx->pending[i].owner == owner) ctx->pending[i].owner = NULL;
}

void ct_ui_flashv(ct_ui_ctx *ctx, ct_flash_level lvl, const char *fmt, va_list ap)
{
    vsnprintf(ctx->flash, sizeof ctx->flash, fmt, ap);
    ctx->flash_level = lvl;
    ctx->flash_until = ctx->now + CT_UI_FLASH_MS;
    if (ctx->log_hook) ctx->log_hook(ctx->log_ud, lvl, ctx->now, ctx->flash);
}

void ct_ui_flash(ct_ui_ctx *ctx, ct_flash_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ct_ui_flashv(ctx, lvl, fmt, ap);
    va_end(ap);
}

const ct_call_entry *ct_ui_selected(const ct_ui_ctx *ctx)
{
    if (!ctx->store || !ctx->selected_id[0]) return NULL;
    return ct_store_get(ctx->store, ctx->selected_id);
}

void ct_ui_select(ct_ui_ctx *ctx, const char *call_id)
{
    snprintf(ctx->selected_id, sizeof ctx->selected_id, "%s", call_id ? call_id : "");
}

/* ---- panes ---------------------------------------------------------------- */

ct_pane *ct_pane_new(const ct_pane_ops *ops, void *state)
{
    ct_pane *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->ops = ops;
    p->state = state;
    return p;
}

void ct_pane_free(ct_pane *p)
{
    if (!p) return;
    if (p->ops && p->ops->destroy) p->ops->destroy(p);
    if (p->win) delwin(p->win);
    free(p);
}

int ct_pane_place(ct_pane *p, int y, int x, int h, int w)
{
    int sh = LINES > 0 ? LINES : 1, sw = COLS > 0 ? COLS : 1;
    /* Clip to the screen: during a resize storm the layout may be computed
     * against a size ncurses no longer has. */
    if (y < 0) y = 0;
    if (x < 0) x = 0;
    if (y >= sh) y = sh - 1;
    if (x >= sw) x = sw - 1;
    if (h < 1) h = 1;
    if (w < 1) w = 1;
    if (y + h > sh) h = sh - y;
    if (x + w > sw) w = sw - x;
    p->y = y;
    p->x = x;
    p->h = h;
    p->w = w;
    p->stale = true;
    if (!p->win) {
        p->win = newwin(h, w, y, x);
        if (!p->win) return -1;
        keypad(p->win, TRUE);
        return 0;
    }
    /* Shrink before moving so the window always fits on screen. */
    if (wresize(p->win, h, w) == ERR) return -1;
    if (mvwin(p->win, y, x) == ERR) return -1;
    return 0;
}

void ct_pane_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    if (p && p->win && p->ops && p->ops->draw) {
        p->ops->draw(p, ctx);
        p->stale = false;
    }
}

void ct_pane_resize(ct_pane *p, int y, int x, int h, int w)
{
    if (!p) return;
    if (p->ops && p->ops->resize) p->ops->resize(p, y, x, h, w);
    else ct_pane_place(p, y, x, h, w);
}

int ct_pane_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    if (!p || !p->ops || !p->ops->handle_key) return 0;
    int fx = p->ops->handle_key(p, ctx, key, mouse);
    if (fx) p->stale = true; /* the key may have changed anything the pane shows */
    return fx;
}

void ct_pane_center(int scr_h, int scr_w, int want_h, int want_w, int *y, int *x, int *h, int *w)
{
    int hh = want_h < scr_h ? want_h : scr_h;
    int ww = want_w < scr_w ? want_w : scr_w;
    if (hh < 1) hh = 1;
    if (ww < 1) ww = 1;
    *h = hh;
    *w = ww;
    *y = (scr_h - hh) / 2;
    *x = (scr_w - ww) / 2;
    if (*y < 0) *y = 0;
    if (*x < 0) *x = 0;
}

bool ct_pane_mouse_local(const ct_pane *p, const MEVENT *m, int *row, int *col)
{
    if (!p || !m) return false;
    if (m->y < p->y || m->y >= p->y + p->h || m->x < p->x || m->x >= p->x + p->w) return false;
    *row = m->y - p->y;
    *col = m->x - p->x;
    return true;
}
