/* store.c — every call calltop knows, by id, with versions and caps.
 *
 * Layout: each call is one heap-allocated ct_entry (so pointers handed to
 * views and panes survive table growth); an open-addressing table with
 * linear probing finds it by id in O(1) and grows at load 0.7; a dense array
 * of the same pointers makes iteration and view rebuilds cache-friendly.
 *
 * Merge rules (see store.h). Every field keeps the version of the update
 * that last set it, and an update overwrites a field only if it is at least
 * that new: a stale event never clobbers newer data, yet still fills what
 * the entry lacks. On top of that, status only moves forward by rank
 * (queued < ongoing/forwarded/other < finished), so nothing revives a
 * finished call; a terminal phone status (busy, no-answer, failed,
 * completed) is never replaced by a live one; end_at, once set, is never
 * cleared; and a call with an end time is never counted live. Each rule is
 * a maximum over the deliveries (by rank, then version), so duplicates and
 * any arrival order converge to the same entry — test_store_webhooks.c
 * replays a call's life in hundreds of shuffled orders to hold us to it.
 *
 * The generation counter moves only when something drawable changed, so a
 * duplicate delivery is free for the renderer. */
#include "store_internal.h"
#include "calltop/hash.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_CALLS    20000
#define DEFAULT_MAX_MESSAGES 5000

/* ---- small helpers -------------------------------------------------------- */

static bool str_eq(const char *a, const char *b)
{
    if (a == b) return true;
    if (!a || !b) return false;
    return strcmp(a, b) == 0;
}

/* FNV-1a, then a final mix so the low bits (the table index) depend on the
 * whole id: UUIDs that share a prefix must not cluster. */
uint64_t ct_store_hash(const char *s)
{
    /* FNV-1a, then a murmur-style finalizer so the low bits used for the
     * open-addressing slot depend on every input byte. */
    uint64_t h = ct_hash_str(s);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static int status_rank(ct_status st)
{
    switch (st) {
    case CT_STATUS_NONE: return 0;
    case CT_STATUS_QUEUED: return 1;
    case CT_STATUS_FINISHED: return 3;
    default: return 2; /* ongoing, forwarded, unknown text */
    }
}

static bool phone_is_terminal(ct_phone_status p)
{
    return p == CT_PHONE_BUSY || p == CT_PHONE_NO_ANSWER || p == CT_PHONE_FAILED ||
        p == CT_PHONE_COMPLETED;
}

static int phone_rank(ct_phone_status p)
{
    return p == CT_PHONE_NONE ? 0 : phone_is_terminal(p) ? 2 : 1;
}

/* The store's notion of live: the model's (which already ignores a stale
 * phone status on a finished call), minus any call with an end time —
 * Interactly sends endAt only once a call is over. */
static bool entry_is_live(const ct_entry *e)
{
    const ct_call *c = &e->pub.call;
    return ct_call_is_live(c) && !c->end_at;
}

/* ---- the id table --------------------------------------------------------- */

ct_entry *ct_store_find(const ct_store *s, const char *id, uint64_t h)
{
    size_t mask = s->slot_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const ct_call_slot *sl = &s->slots[i];
        if (!sl->e) return NULL;
        if (sl->hash == h && strcmp(sl->e->pub.call.id, id) == 0) return sl->e;
    }
}

static void table_put(ct_call_slot *slots, size_t cap, uint64_t h, ct_entry *e)
{
    size_t mask = cap - 1;
    size_t i = h & mask;
    while (slots[i].e) i = (i + 1) & mask;
    slots[i].hash = h;
    slots[i].e = e;
}

static ct_err table_grow(ct_store *s)
{
    size_t cap = s->slot_cap * 2;
    ct_call_slot *sl = calloc(cap, sizeof *sl);
    if (!sl) return CT_ENOMEM;
    for (size_t i = 0; i < s->slot_cap; i++)
        if (s->slots[i].e) table_put(sl, cap, s->slots[i].hash, s->slots[i].e);
    free(s->slots);
    s->slots = sl;
    s->slot_cap = cap;
    return CT_OK;
}

/* Backward-shift deletion keeps probe chains tombstone-free. */
static void table_delete(ct_store *s, const ct_entry *e)
{
    size_t mask = s->slot_cap - 1;
    size_t i = e->id_hash & mask;
    while (s->slots[i].e != e) i = (i + 1) & mask;
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!s->slots[j].e) break;
        size_t ideal = s->slots[j].hash & mask;
        bool keep = (i <= j) ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j);
        if (keep) continue;
        s->slots[i] = s->slots[j];
        i = j;
    }
    s->slots[i].e = NULL;
    s->slots[i].hash = 0;
}

/* ---- lifetime ------------------------------------------------------------- */

ct_store *ct_store_new(const ct_store_limits *limits)
{
    ct_store *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (limits) s->lim = *limits;
    if (!s->lim.max_calls) s->lim.max_calls = DEFAULT_MAX_CALLS;
    if (!s->lim.max_messages_per_call) s->lim.max_messages_per_call = DEFAULT_MAX_MESSAGES;
    s->slot_cap = 64;
    s->slots = calloc(s->slot_cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

static void entry_free(ct_entry *e)
{
    ct_call_clear(&e->pub.call);
    ct_call_error_clear(&e->pub.last_error);
    ct_transcript_free(e);
    free(e);
}

void ct_store_free(ct_store *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) entry_free(s->all[i]);
    free(s->all);
    free(s->evkey);
    free(s->slots);
    free(s);
}

/* ---- counters ------------------------------------------------------------- */

static size_t status_index(ct_status st)
{
    return (size_t)st <= CT_STATUS_OTHER ? (size_t)st : CT_STATUS_OTHER;
}

/* Which call goes first when the cap is hit: any ended call before any live
 * one; among each, the oldest end (or, lacking one, last activity / start).
 * Packed into one number (live flag on top) so eviction scans a flat array;
 * equal keys fall back to the id. */
static uint64_t evict_key(const ct_entry *e)
{
    const ct_call *c = &e->pub.call;
    ct_time_ms age = c->end_at ? c->end_at
        : e->pub.last_activity ? e->pub.last_activity
                               : c->start_at;
    if (age < 0) age = 0;
    return ((uint64_t)e->counted_live << 63) | ((uint64_t)age & ~(1ULL << 63));
}

static void account_add(ct_store *s, ct_entry *e)
{
    e->counted_live = entry_is_live(e);
    e->counted_status = e->pub.call.status;
    if (e->counted_live) s->live++;
    s->status_counts[status_index(e->counted_status)]++;
    s->evkey[e->pos] = evict_key(e);
}

static void account_sub(ct_store *s, const ct_entry *e)
{
    if (e->counted_live) s->live--;
    s->status_counts[status_index(e->counted_status)]--;
}

/* ---- insertion, removal, eviction ----------------------------------------- */

static void unlink_entry(ct_store *s, ct_entry *e)
{
    table_delete(s, e);
    account_sub(s, e);
    s->n--;
    if (e->pos != s->n) {
        s->all[e->pos] = s->all[s->n];
        s->evkey[e->pos] = s->evkey[s->n];
        s->all[e->pos]->pos = e->pos;
    }
    entry_free(e);
}

/* O(n) per eviction, but over one flat array of keys (a 20,000-call store
 * is a 160 KB scan, no pointer chasing); entries are read only on ties. */
static void evict_one(ct_store *s)
{
    if (!s->n) return;
    size_t best = 0;
    for (size_t i = 1; i < s->n; i++) {
        if (s->evkey[i] > s->evkey[best]) continue;
        if (s->evkey[i] < s->evkey[best] ||
            strcmp(s->all[i]->pub.call.id, s->all[best]->pub.call.id) < 0)
            best = i;
    }
    unlink_entry(s, s->all[best]);
    s->evicted++;
    s->cap_reached = true;
    s->gen++;
}

static ct_entry *entry_create(ct_store *s, const char *id, uint64_t h)
{
    while (s->n >= s->lim.max_calls) evict_one(s);
    if ((s->n + 1) * 10 > s->slot_cap * 7 && table_grow(s) != CT_OK) return NULL;
    if (s->n == s->all_cap) {
        size_t cap = s->all_cap ? s->all_cap * 2 : 64;
        ct_entry **a = realloc(s->all, cap * sizeof *a);
        if (!a) return NULL;
        s->all = a;
        uint64_t *k = realloc(s->evkey, cap * sizeof *k);
        if (!k) return NULL;
        s->evkey = k;
        s->all_cap = cap;
    }
    ct_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    if (!(e->pub.call.id = strdup(id))) {
        free(e);
        return NULL;
    }
    e->pub.call.present = CT_F_ID;
    e->id_hash = h;
    e->idp = ct_prefix8(id, false);
    e->pos = s->n;
    s->all[s->n++] = e;
    table_put(s->slots, s->slot_cap, h, e);
    account_add(s, e);
    return e;
}

/* ---- field merge ---------------------------------------------------------- */

/* True when merging the fields of `src` selected by `mask` into `dst` would
 * change nothing: the duplicate-delivery case, which must not bump the
 * generation. */
static bool fields_same(const ct_call *dst, const ct_call *src, uint32_t mask)
{
    if ((dst->present & mask) != mask) return false;
#define SAME(bit, expr) \
    if ((mask & (bit)) && !(expr)) return false
    SAME(CT_F_TEAM, str_eq(dst->team_id, src->team_id));
    SAME(CT_F_ASSISTANT_ID, str_eq(dst->assistant_id, src->assistant_id));
    SAME(CT_F_PHONE_NUMBER_ID, str_eq(dst->phone_number_id, src->phone_number_id));
    SAME(CT_F_CALL_TYPE,
         dst->call_type == src->call_type && str_eq(dst->call_type_text, src->call_type_text));
    SAME(CT_F_DIRECTION,
         dst->direction == src->direction && str_eq(dst->direction_text, src->direction_text));
    SAME(CT_F_START, dst->start_at == src->start_at);
    SAME(CT_F_END, dst->end_at == src->end_at);
    SAME(CT_F_CREATED, dst->created_at == src->created_at);
    SAME(CT_F_UPDATED, dst->updated_at == src->updated_at);
    SAME(CT_F_USER_NUMBER, str_eq(dst->user_number, src->user_number));
    SAME(CT_F_ASSISTANT_NUMBER, str_eq(dst->assistant_number, src->assistant_number));
    SAME(CT_F_STATUS, dst->status == src->status && str_eq(dst->status_text, src->status_text));
    SAME(CT_F_PHONE_STATUS,
         dst->phone_status == src->phone_status &&
             str_eq(dst->phone_status_text, src->phone_status_text));
    SAME(CT_F_PHONE_STATUS_REASON, str_eq(dst->phone_status_reason, src->phone_status_reason));
    SAME(CT_F_END_TRIGGER,
         dst->end_trigger == src->end_trigger &&
             str_eq(dst->end_trigger_text, src->end_trigger_text));
    SAME(CT_F_CONTROL_URL, str_eq(dst->control_url, src->control_url));
    SAME(CT_F_METADATA, str_eq(dst->metadata_json, src->metadata_json));
    SAME(CT_F_COST, str_eq(dst->cost_json, src->cost_json));
    SAME(CT_F_METRICS, str_eq(dst->metrics_json, src->metrics_json));
    SAME(CT_F_RECORDING, str_eq(dst->recording_json, src->recording_json));
    SAME(CT_F_CUSTOMER_NAME, str_eq(dst->customer_name, src->customer_name));
    SAME(CT_F_ASSISTANT_NAME, str_eq(dst->assistant_name, src->assistant_name));
#undef SAME
    return true;
}

/* (rank, version) ordering: a higher rank always wins, an equal rank only
 * from an update at least as new. */
static bool wins(int rank_new, uint64_t v_new, int rank_old, uint64_t v_old)
{
    return rank_new > rank_old || (rank_new == rank_old && v_new >= v_old);
}

/* Decides which of src's fields may be merged into e (see the rules at the
 * top of this file). */
static uint32_t merge_mask(const ct_entry *e, const ct_call *src, uint64_t version)
{
    const ct_call *dst = &e->pub.call;
    uint32_t mask = src->present & ~(uint32_t)(CT_F_ID | CT_F_MESSAGES | CT_F_ANALYSIS);
    uint32_t allow = 0;
    for (uint32_t m = mask; m; m &= m - 1) {
        uint32_t bit = m & (~m + 1);
        int i = __builtin_ctz(bit);
        uint64_t fv = e->fver[i];
        bool ok;
        if (!(dst->present & bit)) ok = true;
        else if (bit == CT_F_STATUS)
            ok = wins(status_rank(src->status), version, status_rank(dst->status), fv);
        else if (bit == CT_F_PHONE_STATUS)
            ok = wins(phone_rank(src->phone_status), version, phone_rank(dst->phone_status), fv);
        else if (bit == CT_F_END) ok = wins(src->end_at != 0, version, dst->end_at != 0, fv);
        else ok = version >= fv;
        if (ok) allow |= bit;
    }
    return allow;
}

/* Analysis arrives piecemeal (a report, a REST fetch, each with some
 * members) and ct_call_merge merges it member by member, so each member is
 * its own last-writer-wins field with its own version. */
static ct_err merge_analysis(ct_entry *e, const ct_call *src, uint64_t version, bool *changed)
{
    ct_call *dst = &e->pub.call;
    const ct_analysis *sa = &src->analysis, *da = &dst->analysis;
    const char *from[5] = {sa->summary, sa->success_evaluation, sa->structured_data_json,
                           sa->outcome, sa->guardrails_json};
    const char *have[5] = {da->summary, da->success_evaluation, da->structured_data_json,
                           da->outcome, da->guardrails_json};
    ct_call part = {.present = CT_F_ANALYSIS};
    part.analysis.present = true;
    char **to[5] = {&part.analysis.summary, &part.analysis.success_evaluation,
                    &part.analysis.structured_data_json, &part.analysis.outcome,
                    &part.analysis.guardrails_json};
    bool take[5] = {false};
    bool differs = !(dst->present & CT_F_ANALYSIS) || !da->present;
    for (int k = 0; k < 5; k++) {
        if (!from[k] || (have[k] && version < e->aver[k])) continue;
        take[k] = true;
        *to[k] = (char *)from[k]; /* read only by ct_call_merge */
        if (!str_eq(have[k], from[k])) differs = true;
    }
    if (differs) {
        ct_err rc = ct_call_merge(dst, &part);
        if (rc != CT_OK) return rc;
        *changed = true;
    }
    for (int k = 0; k < 5; k++)
        if (take[k]) e->aver[k] = version;
    return CT_OK;
}

/* Merges src's allowed fields; sets *changed when anything drawable moved. */
static ct_err merge_fields(ct_entry *e, const ct_call *src, uint64_t version, bool *changed,
                           uint32_t *changed_bits)
{
    ct_call *dst = &e->pub.call;
    uint32_t allow = merge_mask(e, src, version);
    ct_err rc = CT_OK;
    if (src->present & CT_F_ANALYSIS) {
        bool a = false;
        rc = merge_analysis(e, src, version, &a);
        if (a) {
            *changed = true;
            *changed_bits |= CT_F_ANALYSIS;
        }
        if (rc != CT_OK) return rc;
    }
    if (!allow) return CT_OK;
    if (!fields_same(dst, src, allow)) {
        for (uint32_t m = allow; m; m &= m - 1) {
            uint32_t bit = m & (~m + 1);
            if (!fields_same(dst, src, bit)) *changed_bits |= bit;
        }
        /* ct_call_merge copies exactly the present fields, so hand it a
         * shallow view of src restricted to the allowed ones and without the
         * transcript (merged separately, by messageId). */
        ct_call view = *src;
        view.present = allow;
        view.id = NULL;
        view.messages = NULL;
        view.n_messages = 0;
        *changed = true; /* even if the merge fails half way: recount */
        if ((rc = ct_call_merge(dst, &view)) != CT_OK) return rc;
        dst->present |= CT_F_ID | (dst->n_messages ? CT_F_MESSAGES : 0);
    }
    /* Even an identical value takes the newer version: an older, different
     * value arriving later must still lose to it. */
    for (uint32_t m = allow; m; m &= m - 1) e->fver[__builtin_ctz(m)] = version;
    return CT_OK;
}

/* last_activity is recomputed from converged state rather than kept as a
 * running maximum, so a value that was later corrected (an end time, a
 * line's timestamp) leaves no trace: the newest webhook time seen, the
 * newest transcript line, and the call's start, end and update stamps (so a
 * REST-only call still sorts sensibly). */
static bool update_activity(ct_entry *e)
{
    const ct_call *c = &e->pub.call;
    ct_time_ms t = e->event_at;
    if (c->n_messages && c->messages[c->n_messages - 1].timestamp > t)
        t = c->messages[c->n_messages - 1].timestamp;
    if (c->start_at > t) t = c->start_at;
    if (c->end_at > t) t = c->end_at;
    if (c->updated_at > t) t = c->updated_at;
    if (t == e->pub.last_activity) return false;
    e->pub.last_activity = t;
    return true;
}

/* Finishes a mutation of e: counters, generation, change stamps. */
static void commit(ct_store *s, ct_entry *e, bool created, bool changed)
{
    if (ct_transcript_update_hang(e)) changed = true;
    if (update_activity(e)) changed = true;
    if (!changed && !created) return;
    account_sub(s, e);
    account_add(s, e);
    s->gen++;
    e->pub.changed_gen = s->gen;
    if (created) e->pub.created_gen = s->gen;
}

void ct_store_entry_restored(ct_store *s, ct_entry *e)
{
    ct_transcript_update_hang(e);
    update_activity(e);
    account_sub(s, e);
    account_add(s, e);
    s->gen++;
}

static ct_err find_or_create(ct_store *s, const char *id, ct_entry **out, bool *created)
{
    uint64_t h = ct_store_hash(id);
    ct_entry *e = ct_store_find(s, id, h);
    *created = false;
    if (!e) {
        if (!(e = entry_create(s, id, h))) return CT_ENOMEM;
        *created = true;
    }
    *out = e;
    return CT_OK;
}

/* The common body of apply_call and apply_webhook: fields, then lines. */
static ct_err apply(ct_store *s, const ct_call *c, uint64_t version, ct_entry **out, bool *created,
                    bool *changed, ct_store_change *ch)
{
    if (!s || !c || !c->id || !*c->id) return CT_EINVAL;
    ct_entry *e;
    ct_err rc = find_or_create(s, c->id, &e, created);
    if (rc != CT_OK) return rc;
    *changed = false;
    ch->created = *created;
    rc = merge_fields(e, c, version, changed, &ch->fields);
    ch->lines_from = ch->lines_to = e->next_seq;
    if (rc == CT_OK && c->n_messages)
        rc = ct_transcript_merge(s, e, c->messages, c->n_messages, version, changed);
    ch->lines_to = e->next_seq;
    if (version > e->pub.version) e->pub.version = version;
    *out = e;
    return rc;
}

ct_err ct_store_apply_call(ct_store *s, const ct_call *c, uint64_t version)
{
    ct_entry *e = NULL;
    bool created = false, changed = false;
    ct_store_change ch = {0};
    ct_err rc = apply(s, c, version, &e, &created, &changed, &ch);
    if (e) commit(s, e, created, changed);
    return rc;
}

static bool error_eq(const ct_call_error *a, const ct_call_error *b)
{
    return a->present == b->present && a->retryable == b->retryable && str_eq(a->type, b->type) &&
        str_eq(a->code, b->code) && str_eq(a->message, b->message) &&
        str_eq(a->provider, b->provider);
}

ct_err ct_store_apply_webhook(ct_store *s, const ct_webhook *w)
{
    ct_store_change ch;
    return ct_store_apply_webhook_change(s, w, &ch);
}

bool ct_store_change_visible(const ct_store_change *ch)
{
    return ch->created || ch->fields || ch->hang_changed || ch->error_changed ||
        ch->lines_to > ch->lines_from;
}

ct_err ct_store_apply_webhook_change(ct_store *s, const ct_webhook *w, ct_store_change *out)
{
    memset(out, 0, sizeof *out);
    if (!s || !w) return CT_EINVAL;
    ct_call c = w->call; /* shallow: only adjusted flags, never freed */
    ct_time_ms ts = w->timestamp;

    /* The report means the call is over even when its `call` omits status. */
    if (w->type == CT_WH_END_OF_CALL_REPORT &&
        (!(c.present & CT_F_STATUS) || c.status == CT_STATUS_NONE)) {
        c.present |= CT_F_STATUS;
        c.status = CT_STATUS_FINISHED;
        c.status_text = (char *)ct_status_name(CT_STATUS_FINISHED);
    }

    ct_entry *e = NULL;
    bool created = false, changed = false;
    ct_err rc = apply(s, &c, ts > 0 ? (uint64_t)ts : 0, &e, &created, &changed, out);
    if (!e) return rc;
    bool hang_before = e->pub.hang;
    if (ts > e->event_at) e->event_at = ts;

    if (rc == CT_OK && w->type == CT_WH_HANG) {
        /* Without a timestamp, the hang is as new as the newest line seen. */
        ct_time_ms at = ts ? ts : e->last_utterance;
        if (!e->hang_seen || at > e->hang_at) {
            e->hang_seen = true;
            e->hang_at = at;
        }
    } else if (rc == CT_OK && w->type == CT_WH_ERROR && w->error.present) {
        /* Keep the newest error; a late older one does not replace it. */
        if ((!e->pub.last_error.present || ts >= e->error_at) &&
            !error_eq(&e->pub.last_error, &w->error)) {
            rc = ct_call_error_copy(&e->pub.last_error, &w->error);
            if (rc == CT_OK) changed = out->error_changed = true;
        }
        if (ts > e->error_at) e->error_at = ts;
    }
    commit(s, e, created, changed);
    out->hang_changed = e->pub.hang != hang_before;
    return rc;
}

size_t ct_store_new_lines(const ct_store *s, const char *call_id, uint64_t from, uint64_t to,
                          ct_message *out, size_t cap)
{
    if (!s || !call_id || from >= to) return 0;
    const ct_entry *e = ct_store_find(s, call_id, ct_store_hash(call_id));
    if (!e) return 0;
    size_t n = 0;
    for (size_t i = 0; i < e->pub.call.n_messages && n < cap; i++)
        if (e->meta[i].seq >= from && e->meta[i].seq < to) out[n++] = e->pub.call.messages[i];
    return n;
}

ct_err ct_store_merge_messages(ct_store *s, const char *call_id, const ct_message *msgs, size_t n)
{
    if (!s || !call_id || (n && !msgs)) return CT_EINVAL;
    ct_entry *e = ct_store_find(s, call_id, ct_store_hash(call_id));
    if (!e) return CT_ENOTFOUND;
    /* Unversioned (a REST transcript fetch): as new as the entry itself. */
    bool changed = false;
    ct_err rc = ct_transcript_merge(s, e, msgs, n, e->pub.version, &changed);
    commit(s, e, false, changed);
    return rc;
}

bool ct_store_remove(ct_store *s, const char *call_id)
{
    if (!s || !call_id) return false;
    ct_entry *e = ct_store_find(s, call_id, ct_store_hash(call_id));
    if (!e) return false;
    unlink_entry(s, e);
    s->gen++;
    return true;
}

/* ---- queries -------------------------------------------------------------- */

const ct_call_entry *ct_store_get(const ct_store *s, const char *call_id)
{
    if (!s || !call_id) return NULL;
    ct_entry *e = ct_store_find(s, call_id, ct_store_hash(call_id));
    return e ? &e->pub : NULL;
}

ct_call_entry *ct_store_get_mut(ct_store *s, const char *call_id)
{
    return (ct_call_entry *)ct_store_get(s, call_id);
}

void ct_store_touch(ct_store *s, ct_call_entry *e)
{
    if (!s || !e) return;
    e->changed_gen = ++s->gen;
}

bool ct_store_set_heard(ct_store *s, const char *call_id, int64_t when)
{
    if (!s || !call_id) return false;
    ct_entry *e = ct_store_find(s, call_id, ct_store_hash(call_id));
    if (e) e->pub.heard_at = when;
    return e != NULL;
}

size_t ct_store_count(const ct_store *s)
{
    return s ? s->n : 0;
}
size_t ct_store_live_count(const ct_store *s)
{
    return s ? s->live : 0;
}
uint64_t ct_store_generation(const ct_store *s)
{
    return s ? s->gen : 0;
}
bool ct_store_cap_reached(const ct_store *s)
{
    return s && s->cap_reached;
}
size_t ct_store_evicted(const ct_store *s)
{
    return s ? s->evicted : 0;
}

void ct_store_status_counts(const ct_store *s, size_t counts[CT_STATUS_OTHER + 1])
{
    for (size_t i = 0; i <= CT_STATUS_OTHER; i++) counts[i] = s ? s->status_counts[i] : 0;
}

void ct_store_foreach(const ct_store *s, bool (*fn)(const ct_call_entry *e, void *ud), void *ud)
{
    if (!s || !fn) return;
    for (size_t i = 0; i < s->n; i++)
        if (!fn(&s->all[i]->pub, ud)) return;
}
