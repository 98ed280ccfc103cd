/* pending.c — per-call marks for control actions in flight (see pending.h).
 * A linear scan over 64 slots is cheaper than any index at this size. */
#include "pending.h"

#include <stdio.h>
#include <string.h>

void ct_pending_init(ct_pending *p)
{
    memset(p, 0, sizeof *p);
}

bool ct_pending_add(ct_pending *p, const char *call_id, ct_control_action action,
                    uint64_t request_id, ct_time_ms now)
{
    if (!call_id || !*call_id || request_id == 0 || strlen(call_id) >= sizeof p->a[0].call_id)
        return false;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        ct_pending_action *e = &p->a[i];
        if (e->state != CT_PEND_FREE) continue;
        e->state = CT_PEND_SENT;
        e->request_id = request_id;
        e->action = action;
        snprintf(e->call_id, sizeof e->call_id, "%s", call_id);
        e->since = now;
        return true;
    }
    return false;
}

static ct_pending_action *find(ct_pending *p, uint64_t request_id)
{
    if (request_id == 0) return NULL;
    for (size_t i = 0; i < CT_PENDING_MAX; i++)
        if (p->a[i].state != CT_PEND_FREE && p->a[i].request_id == request_id) return &p->a[i];
    return NULL;
}

const ct_pending_action *ct_pending_accepted(ct_pending *p, uint64_t request_id, ct_time_ms now)
{
    ct_pending_action *e = find(p, request_id);
    if (!e) return NULL;
    e->state = CT_PEND_ACCEPTED;
    e->since = now;
    return e;
}

bool ct_pending_failed(ct_pending *p, uint64_t request_id, ct_pending_action *out)
{
    ct_pending_action *e = find(p, request_id);
    if (!e) return false;
    if (out) *out = *e;
    memset(e, 0, sizeof *e);
    return true;
}

size_t ct_pending_call_updated(ct_pending *p, const char *call_id)
{
    size_t n = 0;
    if (!call_id) return 0;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        ct_pending_action *e = &p->a[i];
        if (e->state == CT_PEND_ACCEPTED && strcmp(e->call_id, call_id) == 0) {
            memset(e, 0, sizeof *e);
            n++;
        }
    }
    return n;
}

size_t ct_pending_expire(ct_pending *p, ct_time_ms now, int64_t max_age_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        ct_pending_action *e = &p->a[i];
        if (e->state == CT_PEND_ACCEPTED && now - e->since >= max_age_ms) {
            memset(e, 0, sizeof *e);
            n++;
        }
    }
    return n;
}

const ct_pending_action *ct_pending_for_call(const ct_pending *p, const char *call_id)
{
    const ct_pending_action *best = NULL;
    if (!call_id || !*call_id) return NULL;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        const ct_pending_action *e = &p->a[i];
        if (e->state != CT_PEND_FREE && strcmp(e->call_id, call_id) == 0 &&
            (!best || e->request_id < best->request_id))
            best = e;
    }
    return best;
}

size_t ct_pending_count(const ct_pending *p)
{
    size_t n = 0;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) n += p->a[i].state != CT_PEND_FREE;
    return n;
}

size_t ct_pending_count_unanswered(const ct_pending *p)
{
    size_t n = 0;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) n += p->a[i].state == CT_PEND_SENT;
    return n;
}
