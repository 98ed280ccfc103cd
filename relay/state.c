/* state.c — the relay's per-call state: webhooks in, events out.
 *
 * The merge itself is ct_store's (the same code calltop's UI uses), so the
 * relay and its clients agree on what a duplicate, a stale status or a
 * full-history transcript means. What this file adds is deciding whether a
 * webhook changed anything — a fingerprint of the call's fields, hang flag
 * and last error before and after the merge, plus the transcript lines that
 * were not there before — and encoding the resulting event. */
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
    if (!s)
        return NULL;
    ct_store_limits lim = { .max_calls = max_calls, .max_messages_per_call = 0 };
    s->store = ct_store_new(&lim);
    if (!s->store) {
        free(s);
        return NULL;
    }
    return s;
}

void ct_rstate_free(ct_rstate *s)
{
    if (!s)
        return;
    ct_store_free(s->store);
    free(s);
}

size_t ct_rstate_count(const ct_rstate *s)
{
    return ct_store_count(s->store);
}

static bool str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Everything an event shows except the transcript, as one string; two
 * equal fingerprints mean "nothing a client could see has changed". */
static char *fingerprint(const ct_call_entry *e)
{
    if (!e)
        return strdup("");
    ct_call bare = e->call;
    bare.present &= ~(uint32_t)CT_F_MESSAGES;
    bare.messages = NULL;
    bare.n_messages = 0;
    cJSON *j = ct_call_to_json(&bare);
    if (!j)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(j, "messages");
    cJSON_AddBoolToObject(j, "~hang", e->hang);
    if (e->last_error.present) {
        cJSON_AddStringToObject(j, "~et", e->last_error.type ? e->last_error.type : "");
        cJSON_AddStringToObject(j, "~ec", e->last_error.code ? e->last_error.code : "");
        cJSON_AddStringToObject(j, "~em", e->last_error.message ? e->last_error.message : "");
    }
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool has_id(const char **sorted, size_t n, const char *id)
{
    return id && n && bsearch(&id, sorted, n, sizeof *sorted, cmp_str) != NULL;
}

ct_err ct_rstate_apply(ct_rstate *s, const ct_webhook *w, uint64_t seq, size_t pre,
                       int64_t heard_ms, ct_rstate_result *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!w->call.id)
        return ct_error_set(err, CT_EMISSING, "message.call.id: required");

    const ct_call_entry *before = ct_store_get(s->store, w->call.id);
    char *fp_before = fingerprint(before);
    /* The webhook's lines whose ids the relay has not seen: sorted pointers
     * into the webhook (which outlives the merge), not into the store
     * (which the merge may reallocate). */
    const char **old_ids = NULL, **fresh = NULL;
    size_t n_old = 0, n_fresh = 0;
    ct_err rc = CT_OK;
    if (before && before->call.n_messages) {
        old_ids = malloc(before->call.n_messages * sizeof *old_ids);
        if (!old_ids) {
            rc = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < before->call.n_messages; i++)
            if (before->call.messages[i].message_id)
                old_ids[n_old++] = before->call.messages[i].message_id;
        qsort(old_ids, n_old, sizeof *old_ids, cmp_str);
    }
    if (w->call.n_messages) {
        fresh = malloc(w->call.n_messages * sizeof *fresh);
        if (!fresh) {
            rc = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < w->call.n_messages; i++) {
            const char *id = w->call.messages[i].message_id;
            if (id && !has_id(old_ids, n_old, id))
                fresh[n_fresh++] = id;
        }
        qsort(fresh, n_fresh, sizeof *fresh, cmp_str);
    }
    free(old_ids);
    old_ids = NULL;
    if (!fp_before) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }

    if ((rc = ct_store_apply_webhook(s->store, w)) != CT_OK) {
        ct_error_set(err, rc, "merging the webhook: %s", ct_strerror(rc));
        goto out;
    }
    const ct_call_entry *after = ct_store_get(s->store, w->call.id);
    if (!after)      /* evicted at once by the cap: nothing to tell anyone */
        goto out;
    /* Heard now, by the relay's own clock, duplicate or not: expiry counts
     * from here, so a late or replayed webhook with an old timestamp is
     * not forgotten (and then re-created as new) at the next tick. */
    ct_store_set_heard(s->store, w->call.id, heard_ms);

    /* New lines in the store's (timestamp) order. */
    ct_message *lines = NULL;
    size_t n_lines = 0;
    if (n_fresh) {
        lines = malloc(n_fresh * sizeof *lines);
        if (!lines) {
            rc = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < after->call.n_messages && n_lines < n_fresh; i++)
            if (has_id(fresh, n_fresh, after->call.messages[i].message_id))
                lines[n_lines++] = after->call.messages[i];   /* shallow: borrowed */
    }
    char *fp_after = fingerprint(after);
    if (!fp_after) {
        free(lines);
        rc = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    out->changed = n_lines > 0 || !str_eq(fp_before, fp_after);
    free(fp_after);
    out->new_messages = n_lines;
    out->status = after->call.status_text;
    out->phone_status = after->call.phone_status_text;
    if (out->changed) {
        const ct_call_error *e = w->type == CT_WH_ERROR && after->last_error.present
                                     ? &after->last_error : NULL;
        out->frame = ct_proto_encode_event(seq, w->type, w->timestamp, &after->call, lines,
                                           n_lines, after->hang, e, pre, &out->len);
        if (!out->frame)
            rc = ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    free(lines);
out:
    free(old_ids);
    free(fresh);
    free(fp_before);
    return rc;
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
    collect c = { 0 };
    ct_store_foreach(s->store, collect_one, &c);
    char *frame = c.oom ? NULL : ct_proto_encode_snapshot(seq, c.calls, c.n, pre, len);
    free(c.calls);
    return frame;
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
    bool ended = c->status == CT_STATUS_FINISHED || ct_call_is_failed_attempt(c) ||
                 (c->present & CT_F_END);
    if (!ended)
        return true;
    if (e->heard_at >= x->cutoff)
        return true;
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
    expiry x = { .cutoff = now_mono_ms - max_age_ms };
    ct_store_foreach(s->store, expire_one, &x);
    size_t dropped = 0;
    for (size_t i = 0; i < x.n; i++) {
        dropped += ct_store_remove(s->store, x.ids[i]);
        free(x.ids[i]);
    }
    free(x.ids);
    return dropped;
}
