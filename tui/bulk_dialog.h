/* bulk_dialog.h — the board's bulk end (E) / bulk say (S) dialog over
 * bulk_model.c: every LIVE call of the list's current view (its filter and
 * search), each with the exact request; sending needs the count typed; the
 * results per call (sent / refused / failed) stay in the dialog and go to
 * the message log. Nothing is retried. */
#ifndef CALLTOP_TUI_BULK_DIALOG_H
#define CALLTOP_TUI_BULK_DIALOG_H

#include "pane.h"

/* The dialog's name in ct_pane_ops (tests and the board look for it). */
#define CT_BULK_PANE_NAME "bulk"

/* An unplaced modal pane for CT_ACTION_END or CT_ACTION_SAY over ctx->view,
 * or NULL after flashing why (--read-only, no view, no memory). */
ct_pane *ct_bulk_dialog_new(ct_ui_ctx *ctx, ct_control_action action);

#endif
