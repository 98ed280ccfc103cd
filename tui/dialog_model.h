/* dialog_model.h — an action dialog (end, forward, say, dtmf, sms) as pure
 * state: the argument field with live validation, the exact JSON body that
 * will be sent (from ct_control_request_encode, the one place of the
 * action -> payload mapping), and the Cancel/Send confirmation whose
 * default is Cancel. dialog.c draws it and sends; this file does no I/O.
 *
 * Focus stops: the argument field, [Cancel], [Send] (Tab / Shift-Tab /
 * Up / Down cycle; Left / Right move between the buttons). The field has
 * focus first, except for `end`, which opens on [Cancel] because its
 * argument is optional and the action cannot be undone. Enter in the field
 * goes to [Cancel] (never straight to Send); Enter on [Send] sends when the
 * argument is valid; Esc closes. */
#ifndef CALLTOP_TUI_DIALOG_MODEL_H
#define CALLTOP_TUI_DIALOG_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/api.h"
#include "calltop/model.h"
#include "field.h"

typedef enum { CT_DF_INPUT = 0, CT_DF_CANCEL, CT_DF_SEND } ct_dialog_focus;

enum {
    CT_DLG_R_NONE = 0,
    CT_DLG_R_REDRAW = 1 << 0,
    CT_DLG_R_SEND = 1 << 1, /* valid and confirmed: send ct_dialog_model_request() */
    CT_DLG_R_CLOSE = 1 << 2,
};

typedef struct ct_dialog_model {
    ct_control_action action;
    char call_id[CT_CALL_ID_BUF];
    bool call_id_bad;  /* refused by ct_api_call_id_valid, or not a call the
                                    store holds (set by dialog.c): never sendable */
    char customer[96]; /* sanitized, for display */
    ct_field input;
    ct_dialog_focus focus;
    bool touched;      /* the field was edited (complain about empty only then) */
    char *preview;     /* the body that would be sent, NULL while invalid */
    char problem[256]; /* why it cannot be sent yet ("" when it can) */
    char error[256];   /* a send failure shown in the dialog */
} ct_dialog_model;

/* call_id and customer_number may be NULL (shown as "?"). */
void ct_dialog_model_init(ct_dialog_model *m, ct_control_action a, const char *call_id,
                          const char *customer_number);
void ct_dialog_model_clear(ct_dialog_model *m);

int ct_dialog_model_key(ct_dialog_model *m, int key);
/* Recomputes preview / problem from the field (called by every edit). */
void ct_dialog_model_update(ct_dialog_model *m);
/* Argument for the request; valid until the next edit. */
void ct_dialog_model_request(const ct_dialog_model *m, ct_control_request *out);
bool ct_dialog_model_can_send(const ct_dialog_model *m);

/* Per-action texts and flags. */
const char *ct_dialog_title(ct_control_action a);       /* "End call" */
const char *ct_dialog_input_label(ct_control_action a); /* "Closing line (optional)" */
bool ct_dialog_input_required(ct_control_action a);     /* all but end */

#endif
