/* attnpane.h — attention on the board: the attention view (a modal pane
 * over the rules engine's open items, calltop/attention.h), what the board
 * does with the engine's changes (message log, notifier hook), and the
 * acknowledge / snooze commands for the selected call.
 *
 * The engine itself is pure and lives in core; the board holds a pointer
 * (ct_ui_ctx.attention, NULL = no attention rules) and calls these. */
#ifndef CALLTOP_TUI_ATTNPANE_H
#define CALLTOP_TUI_ATTNPANE_H

#include <stdbool.h>
#include "calltop/attention.h"
#include "pane.h"

/* How long 'z' snoozes an item. */
#define CT_ATTN_SNOOZE_MS (15 * 60 * 1000)

/* The attention view: open items by severity then age; j/k move, Enter
 * selects the item's call and closes, a acknowledges, z snoozes, Esc or !
 * closes. */
ct_pane *ct_attn_pane_new(void);

/* Writes the engine's last changes to the message log (ctx->log_hook) and
 * hands each newly opened or reopened item to notify (may be NULL).
 * Returns how many changes there were (the list must redraw when > 0). */
typedef void (*ct_attn_notify_fn)(void *ud, const ct_att_item *it, ct_time_ms now);
size_t ct_attn_render_changes(ct_ui_ctx *ctx, ct_attn_notify_fn notify, void *ud);

/* Acknowledge / snooze every open item of the selected call. Returns how
 * many (0: it had none; the flash says so). */
size_t ct_attn_ack_selected(ct_ui_ctx *ctx);
size_t ct_attn_snooze_selected(ct_ui_ctx *ctx);

/* The row mark for a call: a short word for its most urgent open item's rule
 * ("hang", "long", "silent", ...; the list draws it after the '!' glyph), or NULL. */
const char *ct_attn_row_mark(const ct_ui_ctx *ctx, const char *call_id, char *buf, size_t cap);

#endif
