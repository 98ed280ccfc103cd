/* refusal.h — the refusal box: a small modal that says why an action was
 * refused and swallows every key until Enter or Esc dismisses it.
 *
 * Why a modal and not a flash: the actions that open a dialog (n, e, f, s,
 * d, m) are followed by typing. When one is refused (the call is not live,
 * --read-only, nothing selected), the text the user types next was meant
 * for a dialog that never opened; on the bare board its letters are
 * commands (n opens the New-call form, x writes a CSV, 1-8 re-sort, q
 * quits). So a refusal of such a key opens this box, the board drops the
 * keys already buffered (flushinp), and no later key reaches the board's
 * command dispatch until the user dismisses the box explicitly. The box
 * counts what it swallowed ("N keys ignored") so the user sees that the
 * typing went nowhere. */
#ifndef CALLTOP_TUI_REFUSAL_H
#define CALLTOP_TUI_REFUSAL_H

#include "pane.h"

/* The box's name in ct_pane_ops (tests and the board's layout look for it). */
#define CT_REFUSAL_PANE_NAME "refused"
/* The box's size (rows, columns) before centring on the screen. */
#define CT_REFUSAL_H         7
#define CT_REFUSAL_W         64

/* A refusal box titled `title` ("say refused") saying `reason` (trusted
 * text, sanitized when drawn). Returns an unplaced modal pane or NULL when
 * out of memory. Enter and Esc close it; every other key and mouse event is
 * consumed (CT_FX_HANDLED); keys other than mouse events are counted. */
ct_pane *ct_refusal_new(const char *title, const char *reason);
/* Keys the box swallowed so far (0 for a pane that is not a refusal box). */
unsigned ct_refusal_ignored(const ct_pane *p);
/* Is p a refusal box? */
bool ct_refusal_is(const ct_pane *p);

#endif
