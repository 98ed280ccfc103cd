/* store_state.c — a store's whole state as JSON and back (see store.h).
 *
 * calltop-relay writes this into its checkpoints: a relay that starts from
 * one must derive exactly the events a relay that applied the whole log
 * derives, so more than the calls travel: what each field's and each
 * line's newest delivery was (a later, older delivery must still lose),
 * the lines' first-seen numbers (their order, and which lines an event
 * calls new), and the hang, error and activity times.
 *
 * Import goes through the ordinary merge (ct_store_apply_call creates the
 * entry, its fields and its transcript) and then overwrites the
 * bookkeeping; the transcript comes back in its stored order, so the
 * first-seen numbers put back keep that order. */
#include "store_internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/json_util.h"

static bool add_num(cJSON *o, const char *key, double v)
{
    return cJSON_AddNumberToObject(o, key, v) != NULL;
}

static cJSON *num_array(const uint64_t *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateNumber((double)v[i]);
        if (!x || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

static cJSON *error_json(const ct_call_error *e)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok && e->type) ok = cJSON_AddStringToObject(o, "type", e->type) != NULL;
    if (ok && e->code) ok = cJSON_AddStringToObject(o, "code", e->code) != NULL;
    if (ok && e->message) ok = cJSON_AddStringToObject(o, "message", e->message) != NULL;
    if (ok && e->provider) ok = cJSON_AddStringToObject(o, "provider", e->provider) != NULL;
    if (ok) ok = cJSON_AddBoolToObject(o, "retryable", e->retryable) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *entry_json(const ct_entry *e)
{
    cJSON *o = cJSON_CreateObject(), *x;
    if (!o) return NULL;
    bool ok = (x = ct_call_to_json(&e->pub.call)) && cJSON_AddItemToObject(o, "call", x);
    if (!ok) cJSON_Delete(x);
    ok = ok && add_num(o, "version", (double)e->pub.version) &&
        add_num(o, "heardAt", (double)e->pub.heard_at) &&
        add_num(o, "droppedMessages", (double)e->pub.dropped_messages) &&
        add_num(o, "nextLine", (double)e->next_seq) &&
        cJSON_AddBoolToObject(o, "hangSeen", e->hang_seen) &&
        add_num(o, "hangAt", (double)e->hang_at) &&
        add_num(o, "lastUtterance", (double)e->last_utterance) &&
        add_num(o, "errorAt", (double)e->error_at) && add_num(o, "eventAt", (double)e->event_at);
    if (ok) {
        ok = (x = num_array(e->fver, CT_F_BITS)) && cJSON_AddItemToObject(o, "fieldVersions", x);
        if (!ok) cJSON_Delete(x);
    }
    if (ok) {
        ok = (x = num_array(e->aver, 5)) && cJSON_AddItemToObject(o, "analysisVersions", x);
        if (!ok) cJSON_Delete(x);
    }
    /* Per line: [first-seen number, version of its text], in transcript order. */
    cJSON *lines = ok ? cJSON_AddArrayToObject(o, "lines") : NULL;
    ok = ok && lines;
    for (size_t i = 0; ok && i < e->pub.call.n_messages; i++) {
        uint64_t pair[2] = {e->meta[i].seq, e->meta[i].version};
        ok = (x = num_array(pair, 2)) && cJSON_AddItemToArray(lines, x);
        if (!ok) cJSON_Delete(x);
    }
    if (ok && e->pub.last_error.present) {
        ok = (x = error_json(&e->pub.last_error)) && cJSON_AddItemToObject(o, "lastError", x);
        if (!ok) cJSON_Delete(x);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *ct_store_export(const ct_store *s)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < s->n; i++) {
        cJSON *o = entry_json(s->all[i]);
        if (!o || !cJSON_AddItemToArray(a, o)) {
            cJSON_Delete(o);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* A non-negative integral number member, or an error naming it. */
static ct_err get_u64(const cJSON *o, const char *key, size_t idx, uint64_t *out, ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
        v->valuedouble != (double)(uint64_t)v->valuedouble)
        return ct_error_set(err, cJSON_IsNumber(v) ? CT_EVALUE : CT_EMISSING,
                            "store state: call %zu: %s: expected a non-negative integer", idx, key);
    *out = (uint64_t)v->valuedouble;
    return CT_OK;
}

/* A time (ms, may be negative in principle). */
static ct_err get_i64(const cJSON *o, const char *key, size_t idx, int64_t *out, ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble)
        return ct_error_set(err, CT_EMISSING, "store state: call %zu: %s: expected an integer", idx,
                            key);
    *out = (int64_t)v->valuedouble;
    return CT_OK;
}

static ct_err get_array(const cJSON *o, const char *key, size_t idx, size_t want, uint64_t *out,
                        ct_error *err)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) != want)
        return ct_error_set(err, CT_ETYPE, "store state: call %zu: %s: expected %zu numbers", idx,
                            key, want);
    size_t i = 0;
    for (const cJSON *v = a->child; v; v = v->next, i++) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 0)
            return ct_error_set(err, CT_EVALUE, "store state: call %zu: %s[%zu]: not a number", idx,
                                key, i);
        out[i] = (uint64_t)v->valuedouble;
    }
    return CT_OK;
}

static ct_err error_from(const cJSON *o, ct_call_error *e, size_t idx, ct_error *err)
{
    memset(e, 0, sizeof *e);
    if (!cJSON_IsObject(o))
        return ct_error_set(err, CT_ETYPE, "store state: call %zu: lastError: not an object", idx);
    e->present = true;
    const char *keys[4] = {"type", "code", "message", "provider"};
    char **dst[4] = {&e->type, &e->code, &e->message, &e->provider};
    for (int k = 0; k < 4; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[k]);
        if (cJSON_IsString(v) && !(*dst[k] = strdup(v->valuestring))) {
            ct_call_error_clear(e);
            return ct_error_set(err, CT_ENOMEM, "out of memory");
        }
    }
    e->retryable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "retryable"));
    return CT_OK;
}

static ct_err import_one(ct_store *s, const cJSON *o, size_t idx, ct_error *err)
{
    if (!cJSON_IsObject(o))
        return ct_error_set(err, CT_ETYPE, "store state: call %zu: not an object", idx);
    uint64_t version, dropped, next, fver[CT_F_BITS], aver[5];
    int64_t heard, hang_at, last_utt, error_at, event_at;
    ct_err rc;
    if ((rc = get_u64(o, "version", idx, &version, err)) != CT_OK ||
        (rc = get_i64(o, "heardAt", idx, &heard, err)) != CT_OK ||
        (rc = get_u64(o, "droppedMessages", idx, &dropped, err)) != CT_OK ||
        (rc = get_u64(o, "nextLine", idx, &next, err)) != CT_OK ||
        (rc = get_i64(o, "hangAt", idx, &hang_at, err)) != CT_OK ||
        (rc = get_i64(o, "lastUtterance", idx, &last_utt, err)) != CT_OK ||
        (rc = get_i64(o, "errorAt", idx, &error_at, err)) != CT_OK ||
        (rc = get_i64(o, "eventAt", idx, &event_at, err)) != CT_OK ||
        (rc = get_array(o, "fieldVersions", idx, CT_F_BITS, fver, err)) != CT_OK ||
        (rc = get_array(o, "analysisVersions", idx, 5, aver, err)) != CT_OK)
        return rc;
    const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
    if (!cJSON_IsArray(lines))
        return ct_error_set(err, CT_ETYPE, "store state: call %zu: lines: expected an array", idx);
    ct_call c;
    char path[48];
    snprintf(path, sizeof path, "calls[%zu].call", idx);
    if ((rc = ct_call_from_json(cJSON_GetObjectItemCaseSensitive(o, "call"), &c, path, err)) !=
        CT_OK)
        return rc;
    if (!c.id || ct_store_get(s, c.id)) {
        ct_call_clear(&c);
        return ct_error_set(err, CT_EVALUE, "store state: call %zu: %s", idx,
                            c.id ? "a call id seen twice" : "no call id");
    }
    rc = ct_store_apply_call(s, &c, version);
    ct_entry *e = rc == CT_OK ? ct_store_find(s, c.id, ct_store_hash(c.id)) : NULL;
    size_t n_lines = c.n_messages;
    ct_call_clear(&c);
    if (!e)
        return ct_error_set(err, rc ? rc : CT_ENOMEM, "store state: call %zu: %s", idx,
                            ct_strerror(rc ? rc : CT_ENOMEM));
    if (e->pub.call.n_messages != n_lines || (size_t)cJSON_GetArraySize(lines) != n_lines)
        return ct_error_set(err, CT_EVALUE,
                            "store state: call %zu: %zu transcript lines, %d line records", idx,
                            e->pub.call.n_messages, cJSON_GetArraySize(lines));
    size_t i = 0;
    for (const cJSON *l = lines->child; l; l = l->next, i++) {
        if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) != 2 || !cJSON_IsNumber(l->child) ||
            !cJSON_IsNumber(l->child->next))
            return ct_error_set(err, CT_ETYPE,
                                "store state: call %zu: lines[%zu]: expected [seq, version]", idx,
                                i);
        e->meta[i].seq = (uint64_t)l->child->valuedouble;
        e->meta[i].version = (uint64_t)l->child->next->valuedouble;
    }
    const cJSON *le = cJSON_GetObjectItemCaseSensitive(o, "lastError");
    if (le) {
        ct_call_error_clear(&e->pub.last_error);
        if ((rc = error_from(le, &e->pub.last_error, idx, err)) != CT_OK) return rc;
    }
    e->pub.version = version;
    e->pub.heard_at = heard;
    e->pub.dropped_messages = (size_t)dropped;
    e->next_seq = next;
    memcpy(e->fver, fver, sizeof fver);
    memcpy(e->aver, aver, sizeof aver);
    e->hang_seen = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "hangSeen"));
    e->hang_at = hang_at;
    e->last_utterance = last_utt;
    e->error_at = error_at;
    e->event_at = event_at;
    ct_store_entry_restored(s, e);
    return CT_OK;
}

ct_err ct_store_import(ct_store *s, const cJSON *calls, ct_error *err)
{
    if (!s || !cJSON_IsArray(calls))
        return ct_error_set(err, CT_ETYPE, "store state: expected an array of calls");
    if ((size_t)cJSON_GetArraySize(calls) > s->lim.max_calls)
        return ct_error_set(err, CT_EVALUE, "store state: %d calls, over the cap of %zu",
                            cJSON_GetArraySize(calls), s->lim.max_calls);
    size_t idx = 0;
    for (const cJSON *o = calls->child; o; o = o->next, idx++) {
        ct_err rc = import_one(s, o, idx, err);
        if (rc != CT_OK) return rc;
    }
    return CT_OK;
}
