/* pending.h — control actions in flight per call, for the "⋯ end" mark
 * beside a call and the "quit? actions pending" question.
 *
 * An action goes SENT (request queued) -> ACCEPTED (CT_EV_CONTROL_DONE) ->
 * gone at the call's next update (the store changed the call after the
 * acceptance: the effect is visible). CT_EV_REQUEST_FAILED removes it at
 * once. ACCEPTED entries whose update never comes expire (ct_pending_expire)
 * so a mark can never stick forever. Pure, fixed-size, no allocation; the
 * board's ctx->pending (pane.h) routes outcomes to panes, this module only
 * keeps the per-call marks. */
#ifndef CALLTOP_TUI_PENDING_H
#define CALLTOP_TUI_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"

#define CT_PENDING_MAX 64

typedef enum { CT_PEND_FREE = 0, CT_PEND_SENT, CT_PEND_ACCEPTED } ct_pend_state;

typedef struct ct_pending_action {
    ct_pend_state state;
    uint64_t request_id;
    ct_control_action action;
    char call_id[CT_CALL_ID_BUF];
    ct_time_ms since; /* when sent, then when accepted */
} ct_pending_action;

typedef struct ct_pending {
    ct_pending_action a[CT_PENDING_MAX];
} ct_pending;

void ct_pending_init(ct_pending *p);
/* False when full or the arguments are unusable (request id 0, no call). */
bool ct_pending_add(ct_pending *p, const char *call_id, ct_control_action action,
                    uint64_t request_id, ct_time_ms now);
/* CT_EV_CONTROL_DONE: the entry (now ACCEPTED), or NULL when not ours. */
const ct_pending_action *ct_pending_accepted(ct_pending *p, uint64_t request_id, ct_time_ms now);
/* CT_EV_REQUEST_FAILED: removes the entry, copying it to *out (may be NULL);
 * false when not ours. */
bool ct_pending_failed(ct_pending *p, uint64_t request_id, ct_pending_action *out);
/* The call changed in the store: resolves its ACCEPTED entries. Returns how
 * many were resolved. SENT entries stay: the update may predate our action. */
size_t ct_pending_call_updated(ct_pending *p, const char *call_id);
/* Drops ACCEPTED entries older than max_age_ms. Returns how many. */
size_t ct_pending_expire(ct_pending *p, ct_time_ms now, int64_t max_age_ms);
/* The oldest entry for a call (SENT or ACCEPTED), or NULL. */
const ct_pending_action *ct_pending_for_call(const ct_pending *p, const char *call_id);
size_t ct_pending_count(const ct_pending *p);
/* Entries still waiting for the server's answer (SENT). */
size_t ct_pending_count_unanswered(const ct_pending *p);

#endif
