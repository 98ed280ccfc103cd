/* dialog_model.c — action dialog state (see dialog_model.h). The preview is
 * produced by the same encoder the fetcher uses, so what the operator
 * confirms is byte for byte what goes on the wire. */
#include "dialog_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/sanitize.h"
#include "form_model.h"
#include "pane.h"
#include "text.h"

const char *ct_dialog_title(ct_control_action a)
{
    switch (a) {
    case CT_ACTION_SAY: return "Say on call";
    case CT_ACTION_END: return "End call";
    case CT_ACTION_FORWARD: return "Forward call";
    case CT_ACTION_DTMF: return "Send DTMF";
    case CT_ACTION_SMS: return "Send SMS";
    default: return "Control call";
    }
}

const char *ct_dialog_input_label(ct_control_action a)
{
    switch (a) {
    case CT_ACTION_SAY: return "Text to speak";
    case CT_ACTION_END: return "Closing line (optional)";
    case CT_ACTION_FORWARD: return "Forward to (E.164)";
    case CT_ACTION_DTMF: return "Digits (0-9 * # A-D)";
    case CT_ACTION_SMS: return "SMS text";
    default: return "Message";
    }
}

bool ct_dialog_input_required(ct_control_action a)
{
    return a != CT_ACTION_END;
}

static size_t input_limit(ct_control_action a)
{
    switch (a) {
    case CT_ACTION_FORWARD: return 32;
    case CT_ACTION_DTMF: return 64;
    default: return CT_FIELD_MAX - 1;
    }
}

void ct_dialog_model_init(ct_dialog_model *m, ct_control_action a, const char *call_id,
                          const char *customer_number)
{
    memset(m, 0, sizeof *m);
    m->action = a;
    /* an id that would change the request's path (or not fit) is never sent */
    m->call_id_bad = !ct_api_call_id_valid(call_id);
    snprintf(m->call_id, sizeof m->call_id, "%s", call_id && !m->call_id_bad ? call_id : "");
    char *c = ct_sanitize_dup(customer_number && *customer_number ? customer_number : "?", false);
    ct_text_truncate(c ? c : "?", (int)sizeof m->customer, m->customer, sizeof m->customer);
    free(c);
    ct_field_init(&m->input, input_limit(a));
    m->focus = a == CT_ACTION_END ? CT_DF_CANCEL : CT_DF_INPUT;
    ct_dialog_model_update(m);
}

void ct_dialog_model_clear(ct_dialog_model *m)
{
    free(m->preview);
    m->preview = NULL;
}

void ct_dialog_model_request(const ct_dialog_model *m, ct_control_request *out)
{
    out->action = m->action;
    out->argument = ct_field_text(&m->input);
}

/* A short reason for a half-typed argument, before the encoder's longer
 * sentence: the same words the New-call form uses for numbers. */
static const char *live_problem(const ct_dialog_model *m)
{
    const char *s = ct_field_text(&m->input);
    switch (m->action) {
    case CT_ACTION_FORWARD: {
        const char *h = ct_form_customer_hint(s);
        return h && *h ? h : (h ? "enter the destination number" : NULL);
    }
    case CT_ACTION_DTMF:
        if (!*s) return "enter the digits";
        for (const char *p = s; *p; p++)
            if (!strchr("0123456789*#ABCD", *p)) return "only 0-9 * # A-D";
        return NULL;
    case CT_ACTION_SAY: return *s ? NULL : "enter the text to speak";
    case CT_ACTION_SMS: return *s ? NULL : "enter the text to send";
    default: return NULL;
    }
}

void ct_dialog_model_update(ct_dialog_model *m)
{
    free(m->preview);
    m->preview = NULL;
    m->problem[0] = '\0';
    ct_control_request rq;
    ct_dialog_model_request(m, &rq);
    ct_error err;
    ct_error_clear(&err);
    char *body = NULL;
    if (ct_control_request_encode(&rq, &body, &err) == CT_OK) {
        m->preview = body;
        if (m->call_id_bad && m->call_id[0]) /* a valid id the board does not hold */
            snprintf(m->problem, sizeof m->problem,
                     "this call is not on the board: nothing will be sent");
        else if (m->call_id_bad) /* the body is fine; the path it would go to is not */
            snprintf(m->problem, sizeof m->problem,
                     "this call's id cannot be used in a request (empty, '.', '..', '/', "
                     "control characters or over %d bytes)",
                     CT_CALL_ID_MAX);
        return;
    }
    const char *why = live_problem(m);
    /* err.detail quotes what was typed: cut at a character boundary */
    ct_text_truncate(why ? why : err.detail, (int)sizeof m->problem, m->problem, sizeof m->problem);
}

bool ct_dialog_model_can_send(const ct_dialog_model *m)
{
    return m->preview != NULL && m->call_id[0] != '\0' && !m->call_id_bad;
}

static void cycle(ct_dialog_model *m, int delta)
{
    m->focus = (ct_dialog_focus)(((int)m->focus + 3 + delta) % 3);
}

int ct_dialog_model_key(ct_dialog_model *m, int key)
{
    if (key == CT_KEY_ESC) return CT_DLG_R_CLOSE;
    if (key == '\t' || key == KEY_DOWN) {
        cycle(m, 1);
        return CT_DLG_R_REDRAW;
    }
    if (key == KEY_BTAB || key == KEY_UP) {
        cycle(m, -1);
        return CT_DLG_R_REDRAW;
    }
    if (ct_key_is_enter(key)) {
        switch (m->focus) {
        case CT_DF_INPUT: m->focus = CT_DF_CANCEL; return CT_DLG_R_REDRAW;
        case CT_DF_CANCEL: return CT_DLG_R_CLOSE;
        case CT_DF_SEND:
            if (ct_dialog_model_can_send(m)) return CT_DLG_R_SEND | CT_DLG_R_REDRAW;
            m->touched = true;
            m->focus = CT_DF_INPUT;
            return CT_DLG_R_REDRAW;
        }
    }
    if (m->focus != CT_DF_INPUT) {
        if (key == KEY_LEFT || key == KEY_RIGHT) {
            m->focus = m->focus == CT_DF_CANCEL ? CT_DF_SEND : CT_DF_CANCEL;
            return CT_DLG_R_REDRAW;
        }
        return CT_DLG_R_NONE;
    }
    /* DTMF letters are upper case on the wire; accept a-d as typed. */
    if (m->action == CT_ACTION_DTMF && key >= 'a' && key <= 'd') key -= 'a' - 'A';
    switch (ct_field_key(&m->input, key)) {
    case CT_FIELD_CHANGED:
        m->touched = true;
        m->error[0] = '\0';
        ct_dialog_model_update(m);
        return CT_DLG_R_REDRAW;
    case CT_FIELD_MOVED: return CT_DLG_R_REDRAW;
    default: return CT_DLG_R_NONE;
    }
}
