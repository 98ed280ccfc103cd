/* dialog.c — the action dialog panes (end e, forward f, say s, dtmf d,
 * sms m) over dialog_model.c, and the yes/no confirmation the board uses
 * for "quit with requests pending".
 *
 * An action dialog shows the call, the argument field, and the exact body
 * that will be POSTed; Send goes through ct_ui_submit (which refuses under
 * --read-only) and the dialog closes at once: the board marks the call
 * pending and reports the outcome on the flash line and in the log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "dialog_model.h"
#include "draw.h"
#include "modal_draw.h"
#include "text.h"
#include "theme.h"

typedef struct dialog_pane {
    ct_dialog_model m;
    size_t scroll;
} dialog_pane;

/* Is the call still there and live? (unknown store: assume yes) */
static const char *call_state(const ct_ui_ctx *ctx, const char *call_id, bool *live)
{
    *live = true;
    if (!ctx->store) return NULL;
    const ct_call_entry *e = ct_store_get(ctx->store, call_id);
    if (!e) {
        *live = false;
        return "no longer on the board";
    }
    *live = ct_call_is_live(&e->call);
    return ct_theme_call_word(&e->call);
}

static const char *destructive_note(ct_control_action a)
{
    switch (a) {
    case CT_ACTION_END: return "Ends the call for the customer. This cannot be undone.";
    case CT_ACTION_FORWARD: return "Moves the customer to another number. This cannot be undone.";
    default: return NULL;
    }
}

static void dialog_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    dialog_pane *st = p->state;
    ct_dialog_model *m = &st->m;
    WINDOW *w = p->win;
    bool destructive = ct_control_action_destructive(m->action);
    int y0, x0, H, W;
    ct_modal_frame(w, ct_dialog_title(m->action), destructive ? CT_TH_DESTRUCTIVE : CT_TH_HEADER,
                   true, &y0, &x0, &H, &W);
    if (H < 1 || W < 1) {
        wnoutrefresh(w);
        return;
    }
    int y = y0, bottom = y0 + H; /* rows [y0, bottom) */
    char buf[CT_CALL_ID_MAX + 300];
    bool live;
    const char *state = call_state(ctx, m->call_id, &live);

    /* The buttons and hint are drawn from the bottom up first, so they are
     * never pushed off by a long preview. */
    int buttons_y = bottom - (H >= 8 ? 2 : 1);
    int hint_y = H >= 8 ? bottom - 1 : -1;

#define LINE(text, role)                                \
    do {                                                \
        if (y < buttons_y) {                            \
            ct_modal_text(w, y, x0, W, (text), (role)); \
        }                                               \
        y++;                                            \
    } while (0)
    snprintf(buf, sizeof buf, "Call      %s", m->call_id[0] ? m->call_id : "?");
    LINE(buf, CT_TH_NORMAL);
    snprintf(buf, sizeof buf, "Customer  %s", m->customer);
    LINE(buf, CT_TH_NORMAL);
    if (state) {
        snprintf(buf, sizeof buf, "Status    %s", state);
        LINE(buf, live ? CT_TH_NORMAL : CT_TH_WARN);
    }
    const char *note = destructive_note(m->action);
    if (note) {
        snprintf(buf, sizeof buf, "%s %s", ct_theme_glyph(CT_GLYPH_HANG), note);
        LINE(buf, CT_TH_DESTRUCTIVE);
    }
    y++;
    if (y < buttons_y) {
        ct_modal_text(w, y, x0, W, ct_dialog_input_label(m->action),
                      m->focus == CT_DF_INPUT ? CT_TH_HEADER : CT_TH_NORMAL);
        if (m->action == CT_ACTION_SMS && W > 40) {
            snprintf(buf, sizeof buf, " (to %s)", m->customer);
            ct_modal_text(w, y, x0 + ct_text_width(ct_dialog_input_label(m->action)),
                          W - ct_text_width(ct_dialog_input_label(m->action)), buf, CT_TH_DIM);
        }
    }
    y++;
    if (y < buttons_y) ct_modal_field(w, y, x0, W, &m->input, &st->scroll, m->focus == CT_DF_INPUT);
    y++;
    if (m->error[0]) {
        snprintf(buf, sizeof buf, "%s %s", ct_theme_glyph(CT_GLYPH_FAILED), m->error);
        LINE(buf, CT_TH_ERROR);
    } else if (m->problem[0]) {
        /* Say why Send is not possible; an untouched empty field is not
         * an error yet, just the instruction. */
        snprintf(buf, sizeof buf, "%s %s", m->touched ? ct_theme_glyph(CT_GLYPH_FAILED) : " ",
                 m->problem);
        LINE(buf, m->touched ? CT_TH_WARN : CT_TH_DIM);
    } else if (!live) {
        snprintf(buf, sizeof buf, "%s the call is not live any more",
                 ct_theme_glyph(CT_GLYPH_FAILED));
        LINE(buf, CT_TH_WARN);
    } else {
        snprintf(buf, sizeof buf, "%s ready", ct_theme_glyph(CT_GLYPH_FINISHED));
        LINE(buf, CT_TH_OK);
    }
    y++;
    /* Exactly what will be sent. */
    /* the request line wraps rather than lose the end of a long call id */
    snprintf(buf, sizeof buf, "Will send: POST /calls/v1/conversations/%s/control",
             m->call_id[0] ? m->call_id : "?");
    y = ct_modal_wrapped(w, y, buttons_y, x0, W, buf, CT_TH_DIM);
    if (m->preview) {
        y = ct_modal_wrapped(w, y, buttons_y, x0 + 2, W - 2 > 0 ? W - 2 : 1, m->preview,
                             CT_TH_NORMAL);
    } else {
        LINE("  (nothing yet: the argument is not valid)", CT_TH_DIM);
    }
#undef LINE

    int used = ct_modal_button(w, buttons_y, x0, W, "Cancel", m->focus == CT_DF_CANCEL, false);
    ct_modal_button(w, buttons_y, x0 + used + 2, W - used - 2, "Send", m->focus == CT_DF_SEND,
                    destructive);
    if (hint_y >= 0)
        ct_modal_text(w, hint_y, x0, W, "Tab move  Enter press  Esc cancel", CT_TH_DIM);
    wnoutrefresh(w);
}

static int dialog_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)mouse;
    dialog_pane *st = p->state;
    ct_dialog_model *m = &st->m;
    if (key == KEY_RESIZE || key == KEY_MOUSE) return 0;
    int r = ct_dialog_model_key(m, key);
    if (r & CT_DLG_R_CLOSE) return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    if (!(r & CT_DLG_R_SEND)) return CT_FX_HANDLED | ((r & CT_DLG_R_REDRAW) ? CT_FX_REDRAW : 0);

    bool live;
    call_state(ctx, m->call_id, &live);
    if (!live) {
        snprintf(m->error, sizeof m->error, "the call is not live any more; nothing sent");
        return CT_FX_HANDLED | CT_FX_REDRAW;
    }
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = m->call_id;
    ct_dialog_model_request(m, &rq.control);
    ct_error err;
    ct_error_clear(&err);
    uint64_t id = ct_ui_submit(ctx, &rq, p, &err);
    const char *action = ct_control_action_name(m->action);
    if (id == 0) {
        const char *why = err.detail[0] ? err.detail : ct_strerror(err.code);
        ct_text_truncate(why, (int)sizeof m->error, m->error, sizeof m->error);
        ct_ui_flash(ctx, CT_FLASH_ERROR, "%s not sent: %s", action, why);
        return CT_FX_HANDLED | CT_FX_REDRAW_ALL;
    }
    ct_ui_flash(ctx, CT_FLASH_INFO, "%s sent to %s; waiting for the server", action, m->call_id);
    return CT_FX_HANDLED | CT_FX_SUBMIT | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
}

static void pane_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void dialog_destroy(ct_pane *p)
{
    dialog_pane *st = p->state;
    if (!st) return;
    ct_dialog_model_clear(&st->m);
    free(st);
    p->state = NULL;
}

static const ct_pane_ops dialog_ops = {
    .name = "dialog",
    .draw = dialog_draw,
    .resize = pane_resize,
    .handle_key = dialog_key,
    .on_event = NULL,
    .destroy = dialog_destroy,
};

ct_pane *ct_dialog_action(ct_ui_ctx *ctx, ct_control_action a, const char *call_id)
{
    const char *name = (int)a >= 0 && a < CT_ACTION__COUNT ? ct_control_action_name(a) : "control";
    if (ctx->read_only) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "%s refused: calltop runs with --read-only", name);
        return NULL;
    }
    if ((int)a < 0 || a >= CT_ACTION__COUNT || !call_id || !*call_id) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "%s: select a call first", name);
        return NULL;
    }
    const char *customer = NULL;
    bool known = true;
    if (ctx->store) {
        const ct_call_entry *e = ct_store_get(ctx->store, call_id);
        if (e) customer = e->call.user_number;
        known = e != NULL;
    }
    dialog_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    ct_dialog_model_init(&st->m, a, call_id, customer);
    if (!known) {
        /* an id the store does not hold (gone, or cut short by a buffer on
         * the way here) is never sent: it could name another call */
        st->m.call_id_bad = true;
        ct_dialog_model_update(&st->m);
    }
    ct_pane *p = ct_pane_new(&dialog_ops, st);
    if (!p) {
        ct_dialog_model_clear(&st->m);
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}

/* ---- yes / no confirmation ------------------------------------------------ */

typedef struct confirm_pane {
    char title[64], question[256];
    int yes_fx;
    bool yes_focused; /* No is the default */
} confirm_pane;

static void confirm_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    (void)ctx;
    confirm_pane *st = p->state;
    WINDOW *w = p->win;
    int y0, x0, H, W;
    ct_modal_frame(w, st->title, CT_TH_WARN, true, &y0, &x0, &H, &W);
    if (H < 1 || W < 1) {
        wnoutrefresh(w);
        return;
    }
    ct_span sp[8];
    size_t n = ct_text_wrap(st->question, W, sp, 8);
    int y = y0;
    for (size_t i = 0; i < n && i < 8 && y < y0 + H - 1; i++, y++) {
        char line[260];
        memcpy(line, st->question + sp[i].off, sp[i].len);
        line[sp[i].len] = '\0';
        ct_modal_text(w, y, x0, W, line, CT_TH_NORMAL);
    }
    int by = y0 + H - 1 > y ? y + 1 : y0 + H - 1;
    if (by >= y0 + H) by = y0 + H - 1;
    int used = ct_modal_button(w, by, x0, W, "No", !st->yes_focused, false);
    ct_modal_button(w, by, x0 + used + 2, W - used - 2, "Yes", st->yes_focused, true);
    wnoutrefresh(w);
}

static int confirm_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)ctx;
    (void)mouse;
    confirm_pane *st = p->state;
    if (key == KEY_RESIZE || key == KEY_MOUSE) return 0;
    if (key == 'y' || key == 'Y')
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL | st->yes_fx;
    if (key == 'n' || key == 'N' || key == CT_KEY_ESC || key == 'q')
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    if (key == '\t' || key == KEY_BTAB || key == KEY_LEFT || key == KEY_RIGHT) {
        st->yes_focused = !st->yes_focused;
        return CT_FX_HANDLED | CT_FX_REDRAW;
    }
    if (ct_key_is_enter(key))
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL | (st->yes_focused ? st->yes_fx : 0);
    return CT_FX_HANDLED;
}

static void confirm_destroy(ct_pane *p)
{
    free(p->state);
    p->state = NULL;
}

static const ct_pane_ops confirm_ops = {
    .name = "confirm",
    .draw = confirm_draw,
    .resize = pane_resize,
    .handle_key = confirm_key,
    .on_event = NULL,
    .destroy = confirm_destroy,
};

ct_pane *ct_dialog_confirm(const char *title, const char *question, int yes_fx)
{
    confirm_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    /* Our own literals, but cut by characters, never mid-sequence. */
    ct_text_truncate(title ? title : "Confirm", (int)sizeof st->title, st->title, sizeof st->title);
    ct_text_truncate(question ? question : "Are you sure?", (int)sizeof st->question, st->question,
                     sizeof st->question);
    st->yes_fx = yes_fx;
    ct_pane *p = ct_pane_new(&confirm_ops, st);
    if (!p) {
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}
