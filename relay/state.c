/* state.c — the relay's per-call state: webhooks in, events out.
 *
 * The merge itself is ct_store's (the same code calltop's UI uses), so the
 * relay and its clients agree on what a duplicate, a stale status or a
 * full-history transcript means. The store also reports what each merge
 * changed (fields, hang, error, the range of new transcript lines); this
 * file turns a visible change into an encoded event. */
#include "relay_int.h"

#include <stdlib.h>
#include <string.h>

#include "calltop/protocol.h"
#include "calltop/store.h"

struct ct_rstate {
    ct_store *store;
};

ct_rstate *ct_rstate_new(size_t max_calls)
{
    ct_rstate *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    ct_store_limits lim = {.max_calls = max_calls, .max_messages_per_call = 0};
    s->store = ct_store_new(&lim);
    if (!s->store) {
        free(s);
        return NULL;
    }
    return s;
}

void ct_rstate_free(ct_rstate *s)
{
    if (!s) return;
    ct_store_free(s->store);
    free(s);
}

size_t ct_rstate_count(const ct_rstate *s)
{
    return ct_store_count(s->store);
}

ct_err ct_rstate_apply(ct_rstate *s, const ct_webhook *w, uint64_t seq, size_t pre,
                       int64_t heard_ms, ct_rstate_result *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!w->call.id) return ct_error_set(err, CT_EMISSING, "message.call.id: required");

    /* The store says what the merge changed: fields, hang, error and the
     * first-seen numbers of the lines it had not seen. */
    ct_store_change ch;
    ct_err rc = ct_store_apply_webhook_change(s->store, w, &ch);
    const ct_call_entry *after = ct_store_get(s->store, w->call.id);
    /* Anything merged, even before a failure, is state a client may not
     * have seen: the caller must not answer "nothing happened". */
    out->merged = after != NULL && (rc == CT_OK || ct_store_change_visible(&ch));
    if (rc != CT_OK) return ct_error_set(err, rc, "merging the webhook: %s", ct_strerror(rc));
    if (!after) /* evicted at once by the cap: nothing to tell anyone */
        return CT_OK;
    /* Heard now, by the relay's own clock, duplicate or not: expiry counts
     * from here, so a late or replayed webhook with an old timestamp is
     * not forgotten (and then re-created as new) at the next tick. */
    ct_store_set_heard(s->store, w->call.id, heard_ms);

    out->changed = ct_store_change_visible(&ch);
    out->status = after->call.status_text;
    out->phone_status = after->call.phone_status_text;
    if (!out->changed) return CT_OK;

    /* New lines in the store's (timestamp) order, borrowed from it. */
    size_t want = (size_t)(ch.lines_to - ch.lines_from);
    ct_message *lines = NULL;
    if (want && !(lines = malloc(want * sizeof *lines)))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    size_t n_lines =
        ct_store_new_lines(s->store, w->call.id, ch.lines_from, ch.lines_to, lines, want);
    out->new_messages = n_lines;
    const ct_call_error *e =
        w->type == CT_WH_ERROR && after->last_error.present ? &after->last_error : NULL;
    out->frame = ct_proto_encode_event(seq, w->type, w->timestamp, &after->call, lines, n_lines,
                                       after->hang, e, pre, &out->len);
    free(lines);
    if (!out->frame) return ct_error_set(err, CT_ENOMEM, "out of memory encoding the event");
    return CT_OK;
}

typedef struct collect {
    const ct_call **calls;
    size_t n, cap;
    bool oom;
} collect;

static bool collect_one(const ct_call_entry *e, void *ud)
{
    collect *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        const ct_call **p = realloc(c->calls, cap * sizeof *p);
        if (!p) {
            c->oom = true;
            return false;
        }
        c->calls = p;
        c->cap = cap;
    }
    c->calls[c->n++] = &e->call;
    return true;
}

char *ct_rstate_snapshot(ct_rstate *s, uint64_t seq, size_t pre, size_t *len)
{
    collect c = {0};
    ct_store_foreach(s->store, collect_one, &c);
    char *frame = c.oom ? NULL : ct_proto_encode_snapshot(seq, c.calls, c.n, pre, len);
    free(c.calls);
    return frame;
}

size_t ct_rstate_snapshot_parts(ct_rstate *s, uint64_t seq, size_t max_bytes, size_t pre,
                                char ***out, size_t **lens)
{
    collect c = {0};
    ct_store_foreach(s->store, collect_one, &c);
    size_t n =
        c.oom ? 0 : ct_proto_encode_snapshot_parts(seq, c.calls, c.n, max_bytes, pre, out, lens);
    free(c.calls);
    return n;
}

static size_t slen(const char *p)
{
    return p ? strlen(p) : 0;
}

/* The text a call holds: what a snapshot of it costs, near enough (JSON
 * punctuation and numbers aside), and what the relay's memory is mostly
 * made of. */
static size_t call_bytes(const ct_call_entry *e)
{
    const ct_call *c = &e->call;
    size_t n = 256 + slen(c->id) + slen(c->team_id) + slen(c->assistant_id) +
        slen(c->phone_number_id) + slen(c->user_number) + slen(c->assistant_number) +
        slen(c->phone_status_reason) + slen(c->control_url) + slen(c->metadata_json) +
        slen(c->cost_json) + slen(c->metrics_json) + slen(c->recording_json) +
        slen(c->customer_name) + slen(c->assistant_name) + slen(c->analysis.summary) +
        slen(c->analysis.success_evaluation) + slen(c->analysis.structured_data_json) +
        slen(c->analysis.outcome) + slen(c->analysis.guardrails_json);
    for (size_t i = 0; i < c->n_messages; i++)
        n += 64 + slen(c->messages[i].message_id) + slen(c->messages[i].text);
    return n;
}

static bool add_bytes(const ct_call_entry *e, void *ud)
{
    *(size_t *)ud += call_bytes(e);
    return true;
}

size_t ct_rstate_bytes(ct_rstate *s)
{
    size_t n = 0;
    ct_store_foreach(s->store, add_bytes, &n);
    return n;
}

typedef struct trim_pick {
    const ct_call_entry *best;
    bool best_ended;
} trim_pick;

static bool pick_victim(const ct_call_entry *e, void *ud)
{
    trim_pick *t = ud;
    const ct_call *c = &e->call;
    bool ended =
        c->status == CT_STATUS_FINISHED || ct_call_is_failed_attempt(c) || (c->present & CT_F_END);
    if (!t->best || (ended && !t->best_ended) ||
        (ended == t->best_ended && e->heard_at < t->best->heard_at)) {
        t->best = e;
        t->best_ended = ended;
    }
    return true;
}

size_t ct_rstate_trim(ct_rstate *s, size_t max_bytes)
{
    size_t total = ct_rstate_bytes(s), dropped = 0;
    /* One scan per victim: trimming is rare (the bound is far above normal
     * use) and each victim frees at least a call's worth. */
    while (total > max_bytes && ct_store_count(s->store) > 0) {
        trim_pick t = {0};
        ct_store_foreach(s->store, pick_victim, &t);
        if (!t.best) break;
        size_t b = call_bytes(t.best);
        char *id = strdup(t.best->call.id);
        if (!id || !ct_store_remove(s->store, id)) {
            free(id);
            break;
        }
        free(id);
        total -= b < total ? b : total;
        dropped++;
    }
    return dropped;
}

typedef struct expiry {
    int64_t cutoff;
    char **ids;
    size_t n, cap;
    bool oom;
} expiry;

static bool expire_one(const ct_call_entry *e, void *ud)
{
    expiry *x = ud;
    const ct_call *c = &e->call;
    bool ended =
        c->status == CT_STATUS_FINISHED || ct_call_is_failed_attempt(c) || (c->present & CT_F_END);
    if (!ended) return true;
    if (e->heard_at >= x->cutoff) return true;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        char **p = realloc(x->ids, cap * sizeof *p);
        if (!p) {
            x->oom = true;
            return false;
        }
        x->ids = p;
        x->cap = cap;
    }
    if (!(x->ids[x->n] = strdup(c->id))) {
        x->oom = true;
        return false;
    }
    x->n++;
    return true;
}

size_t ct_rstate_expire(ct_rstate *s, int64_t now_mono_ms, int64_t max_age_ms)
{
    /* Collect first: removing while iterating would disturb the table. */
    expiry x = {.cutoff = now_mono_ms - max_age_ms};
    ct_store_foreach(s->store, expire_one, &x);
    size_t dropped = 0;
    for (size_t i = 0; i < x.n; i++) {
        dropped += ct_store_remove(s->store, x.ids[i]);
        free(x.ids[i]);
    }
    free(x.ids);
    return dropped;
}

struct cJSON *ct_rstate_export(ct_rstate *s)
{
    return ct_store_export(s->store);
}

ct_err ct_rstate_import(ct_rstate *s, const struct cJSON *calls, ct_error *err)
{
    if (ct_store_count(s->store))
        return ct_error_set(err, CT_EINVAL, "a checkpoint loads into an empty state only");
    return ct_store_import(s->store, calls, err);
}
