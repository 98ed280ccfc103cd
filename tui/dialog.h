/* dialog.h — constructors of the modal form and dialog panes (see the list
 * at the end of pane.h). Each returns an unplaced modal pane, or NULL after
 * flashing why (e.g. "refused: calltop runs with --read-only"). */
#ifndef CALLTOP_TUI_DIALOG_H
#define CALLTOP_TUI_DIALOG_H

#include "pane.h"

/* 'n': the New-call form (form.c). Needs ctx->numbers for the caller
 * picker; it re-reads ctx->numbers when the board replaces it. */
ct_pane *ct_form_new_call(ct_ui_ctx *ctx);
/* e / f / s / d / m on the selected call (dialog.c). */
ct_pane *ct_dialog_action(ct_ui_ctx *ctx, ct_control_action a, const char *call_id);
/* A yes/no question; No is the default. Yes returns yes_fx | CT_FX_CLOSE. */
ct_pane *ct_dialog_confirm(const char *title, const char *question, int yes_fx);

#endif
