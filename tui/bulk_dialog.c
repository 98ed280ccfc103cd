/* bulk_dialog.c — the bulk end / say dialog (see bulk_dialog.h).
 *
 * Phases: TEXT (say only: the sentence to say), PREVIEW (each live call of
 * the view and the exact request; the count typed in the field confirms;
 * Esc cancels, so the default is to send nothing), RESULTS (per call, filled
 * in as the answers arrive through on_event). The plan is taken when the
 * preview opens and never rebuilt: what was shown is what is sent, once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk_dialog.h"
#include "bulk_model.h"
#include "calltop/sanitize.h"
#include "field.h"
#include "modal_draw.h"
#include "text.h"
#include "theme.h"

typedef enum { PH_TEXT = 0, PH_PREVIEW, PH_RESULTS } bulk_phase;

typedef struct bulk_pane {
    bulk_phase phase;
    ct_control_action action;
    ct_bulk_plan plan;
    ct_field input; /* the sentence (TEXT), then the typed count (PREVIEW) */
    size_t input_scroll;
    char message[CT_FIELD_MAX];
    char filter[160]; /* the view it was taken from, for the title */
    char problem[600];
    size_t top; /* first call line shown */
    bool logged_summary;
} bulk_pane;

static void log_line(ct_ui_ctx *ctx, ct_flash_level lvl, const char *text)
{
    if (ctx->log_hook) ctx->log_hook(ctx->log_ud, lvl, ctx->now, text);
}

/* TEXT -> PREVIEW: the plan over the list's view as it is now. */
static void take_plan(bulk_pane *st, ct_ui_ctx *ctx)
{
    ct_error err;
    ct_error_clear(&err);
    const char *arg = st->action == CT_ACTION_SAY ? st->message : "";
    if (ct_bulk_plan_build(&st->plan, ctx->view, ctx->base_url ? ctx->base_url : "", st->action,
                           arg, &err) != CT_OK) {
        snprintf(st->problem, sizeof st->problem, "%s",
                 err.detail[0] ? err.detail : ct_strerror(err.code));
        return;
    }
    st->phase = PH_PREVIEW;
    st->problem[0] = '\0';
    ct_field_init(&st->input, 6);
}

/* PREVIEW -> RESULTS: one submit per call; a submit that fails is that
 * call's result at once (nothing was sent for it). */
static int send_all(ct_pane *p, bulk_pane *st, ct_ui_ctx *ctx)
{
    if (!ct_bulk_start(&st->plan)) return CT_FX_HANDLED;
    st->phase = PH_RESULTS;
    st->top = 0;
    const char *arg = st->action == CT_ACTION_SAY ? st->message : "";
    char line[600];
    snprintf(line, sizeof line, "bulk %s: sending to %zu live call%s of view '%s'",
             ct_control_action_name(st->action), st->plan.n, st->plan.n == 1 ? "" : "s",
             st->filter);
    log_line(ctx, CT_FLASH_INFO, line);
    for (size_t i = 0; i < st->plan.n; i++) {
        ct_ui_request rq;
        memset(&rq, 0, sizeof rq);
        rq.kind = CT_REQ_CONTROL;
        rq.call_id = st->plan.items[i].call_id;
        rq.control.action = st->action;
        rq.control.argument = arg;
        ct_error err;
        ct_error_clear(&err);
        uint64_t id = ct_ui_submit(ctx, &rq, p, &err);
        st->plan.items[i].request_id = id;
        if (!id) {
            char why[560];
            snprintf(why, sizeof why, "not sent: %s",
                     err.detail[0] ? err.detail : ct_strerror(err.code));
            ct_error_set(&err, err.code ? err.code : CT_EINVAL, "%s", why);
            ct_bulk_record(&st->plan, i, &err);
            ct_bulk_result_line(&st->plan, i, line, sizeof line);
            char logged[640];
            snprintf(logged, sizeof logged, "bulk %s: %s", ct_control_action_name(st->action),
                     line);
            log_line(ctx, CT_FLASH_ERROR, logged);
        }
    }
    return CT_FX_HANDLED | CT_FX_SUBMIT | CT_FX_REDRAW_ALL;
}

static void finish_if_done(bulk_pane *st, ct_ui_ctx *ctx)
{
    if (st->phase != PH_RESULTS || st->logged_summary || !ct_bulk_done(&st->plan)) return;
    st->logged_summary = true;
    char sum[200];
    ct_bulk_summary(&st->plan, sum, sizeof sum);
    size_t c[CT_BULK__COUNT];
    ct_bulk_counts(&st->plan, c);
    ct_ui_flash(ctx, c[CT_BULK_FAILED] || c[CT_BULK_REFUSED] ? CT_FLASH_WARN : CT_FLASH_OK,
                "bulk %s", sum);
}

static int bulk_on_event(ct_pane *p, ct_ui_ctx *ctx, const ct_event *ev)
{
    bulk_pane *st = p->state;
    long i = ct_bulk_find_request(&st->plan, ev->request_id);
    if (i < 0) return 0;
    bool failed = ev->type == CT_EV_REQUEST_FAILED;
    if (!ct_bulk_record(&st->plan, (size_t)i, failed ? &ev->error : NULL)) return 0;
    char line[600], logged[640];
    ct_bulk_result_line(&st->plan, (size_t)i, line, sizeof line);
    snprintf(logged, sizeof logged, "bulk %s: %s", ct_control_action_name(st->action), line);
    log_line(ctx, failed ? CT_FLASH_ERROR : CT_FLASH_OK, logged);
    finish_if_done(st, ctx);
    return CT_FX_REDRAW;
}

static int bulk_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)mouse;
    bulk_pane *st = p->state;
    if (key == KEY_RESIZE || key == KEY_MOUSE) return 0;
    if (key == CT_KEY_ESC) return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    size_t rows = st->plan.n;
    if (key == KEY_UP || key == KEY_PPAGE) {
        size_t step = key == KEY_UP ? 1 : 10;
        st->top = st->top > step ? st->top - step : 0;
        return CT_FX_HANDLED | CT_FX_REDRAW;
    }
    if (key == KEY_DOWN || key == KEY_NPAGE) {
        size_t step = key == KEY_DOWN ? 1 : 10;
        st->top = st->top + step < rows ? st->top + step : (rows ? rows - 1 : 0);
        return CT_FX_HANDLED | CT_FX_REDRAW;
    }
    switch (st->phase) {
    case PH_TEXT:
        if (ct_key_is_enter(key)) {
            snprintf(st->message, sizeof st->message, "%s", ct_field_text(&st->input));
            take_plan(st, ctx);
            return CT_FX_HANDLED | CT_FX_REDRAW;
        }
        ct_field_key(&st->input, key);
        return CT_FX_HANDLED | CT_FX_REDRAW;
    case PH_PREVIEW:
        if (ct_key_is_enter(key)) {
            if (st->plan.n == 0) return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
            if (ct_bulk_confirm_ok(&st->plan, ct_field_text(&st->input)))
                return send_all(p, st, ctx);
            snprintf(st->problem, sizeof st->problem,
                     "type %zu (the number of calls) to send; "
                     "Esc cancels",
                     st->plan.n);
            return CT_FX_HANDLED | CT_FX_REDRAW;
        }
        /* only digits: the count is the whole confirmation */
        {
            long ch = ct_key_char(key);
            if ((ch >= '0' && ch <= '9') || ct_key_is_backspace(key) || key == KEY_LEFT ||
                key == KEY_RIGHT)
                ct_field_key(&st->input, key);
        }
        return CT_FX_HANDLED | CT_FX_REDRAW;
    case PH_RESULTS:
        if (ct_key_is_enter(key) || key == 'q')
            return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
        return CT_FX_HANDLED;
    }
    return CT_FX_HANDLED;
}

static void bulk_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    (void)ctx;
    bulk_pane *st = p->state;
    WINDOW *w = p->win;
    char title[200];
    snprintf(title, sizeof title, "Bulk %s: live calls of view '%s'",
             ct_control_action_name(st->action), st->filter);
    int y0, x0, H, W;
    ct_modal_frame(w, title, CT_TH_DESTRUCTIVE, true, &y0, &x0, &H, &W);
    if (H < 1 || W < 1) {
        wnoutrefresh(w);
        return;
    }
    int bottom = y0 + H, y = y0;
    char line[2100];
    if (st->phase == PH_TEXT) {
        ct_modal_text(w, y++, x0, W,
                      "Sentence to say on every live call of this view:", CT_TH_HEADER);
        if (y < bottom) ct_modal_field(w, y++, x0, W, &st->input, &st->input_scroll, true);
        if (st->problem[0] && y < bottom) ct_modal_text(w, y++, x0, W, st->problem, CT_TH_WARN);
        if (bottom - 1 > y)
            ct_modal_text(w, bottom - 1, x0, W, "Enter preview  Esc cancel", CT_TH_DIM);
        wnoutrefresh(w);
        return;
    }
    /* the footer: three rows in PREVIEW (problem, prompt + field, hint), one in RESULTS */
    int foot = st->phase == PH_PREVIEW ? 3 : 2;
    if (st->phase == PH_PREVIEW) {
        snprintf(line, sizeof line,
                 "%zu live call%s; each gets this request (nothing sent yet):", st->plan.n,
                 st->plan.n == 1 ? "" : "s");
    } else {
        ct_bulk_summary(&st->plan, line, sizeof line);
    }
    ct_modal_text(w, y++, x0, W, line, CT_TH_HEADER);
    for (size_t i = st->top; i < st->plan.n && y < bottom - foot; i++) {
        if (st->phase == PH_PREVIEW) {
            /* the call, then its whole request, wrapped (never cut) */
            const ct_bulk_item *it = &st->plan.items[i];
            snprintf(line, sizeof line, "%s  %s", it->call_id, it->label);
            ct_modal_text(w, y++, x0, W, line, CT_TH_HEADER);
            snprintf(line, sizeof line, "POST %s", it->url);
            y = ct_modal_wrapped(w, y, bottom - foot, x0 + 2, W - 2, line, CT_TH_DIM);
            char *body = ct_sanitize_dup(it->body, false);
            y = ct_modal_wrapped(w, y, bottom - foot, x0 + 2, W - 2, body ? body : "",
                                 CT_TH_NORMAL);
            free(body);
        } else {
            ct_bulk_result_line(&st->plan, i, line, sizeof line);
            ct_bulk_state s = st->plan.items[i].state;
            ct_modal_text(w, y++, x0, W, line,
                          s == CT_BULK_SENT          ? CT_TH_OK
                              : s == CT_BULK_PENDING ? CT_TH_DIM
                                                     : CT_TH_ERROR);
        }
    }
    if (st->plan.n == 0 && y < bottom - foot)
        ct_modal_text(w, y++, x0, W, "No live call in this view: nothing to send.", CT_TH_DIM);
    if (st->phase == PH_PREVIEW) {
        if (st->problem[0]) ct_modal_text(w, bottom - 3, x0, W, st->problem, CT_TH_WARN);
        if (st->plan.n) {
            snprintf(line, sizeof line, "Type %zu to %s them: ", st->plan.n,
                     ct_control_action_name(st->action));
            int used = ct_modal_text(w, bottom - 2, x0, W, line, CT_TH_DESTRUCTIVE);
            ct_modal_field(w, bottom - 2, x0 + used,
                           W - used > 8 ? 8 : (W - used > 0 ? W - used : 1), &st->input,
                           &st->input_scroll, true);
        }
        ct_modal_text(w, bottom - 1, x0, W,
                      st->plan.n ? "Enter send  Esc cancel  Up/Down scroll" : "Enter/Esc close",
                      CT_TH_DIM);
    } else {
        ct_modal_text(w, bottom - 1, x0, W,
                      ct_bulk_done(&st->plan) ? "Enter close  Up/Down scroll"
                                              : "waiting for answers...  Esc close",
                      CT_TH_DIM);
    }
    wnoutrefresh(w);
}

static void bulk_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void bulk_destroy(ct_pane *p)
{
    bulk_pane *st = p->state;
    if (!st) return;
    ct_bulk_plan_free(&st->plan);
    free(st);
    p->state = NULL;
}

static const ct_pane_ops bulk_ops = {
    .name = CT_BULK_PANE_NAME,
    .draw = bulk_draw,
    .resize = bulk_resize,
    .handle_key = bulk_key,
    .on_event = bulk_on_event,
    .destroy = bulk_destroy,
};

ct_pane *ct_bulk_dialog_new(ct_ui_ctx *ctx, ct_control_action action)
{
    const char *name = ct_control_action_name(action);
    if (ctx->read_only) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "bulk %s refused: calltop runs with --read-only", name);
        return NULL;
    }
    if (!ctx->view) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "bulk %s: no call list", name);
        return NULL;
    }
    bulk_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->action = action;
    const ct_view_spec *spec = ct_view_spec_get(ctx->view);
    char raw[160];
    ct_bulk_filter_format(spec, raw, sizeof raw);
    ct_text_truncate(raw, 60, st->filter, sizeof st->filter);
    ct_field_init(&st->input, 0);
    if (action != CT_ACTION_SAY) take_plan(st, ctx);
    if (action != CT_ACTION_SAY && st->phase != PH_PREVIEW) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "bulk %s: %s", name, st->problem);
        free(st);
        return NULL;
    }
    ct_pane *p = ct_pane_new(&bulk_ops, st);
    if (!p) {
        ct_bulk_plan_free(&st->plan);
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}
