/* store_transcript.c — merging transcript lines into a stored call.
 *
 * Interactly's conversation-update carries the whole history every time, and
 * the relay may deliver anything twice or out of order, so lines are merged
 * by messageId, never appended blindly. The transcript is kept ordered by
 * (timestamp, first-seen order); the first-seen order is a per-call counter
 * stamped on a line the first time its id is seen.
 *
 * A re-delivered line with new content (a corrected transcription) replaces
 * the old one only if its delivery is at least as new as the one that set
 * it: each line remembers that version, so the newest text wins whatever
 * order the deliveries arrive in. Unknown lines are always added, even from
 * a stale delivery: merging is monotone.
 *
 * Cost: a per-call open-addressing index maps messageId to position, so a
 * full history of n lines that extends the known one costs n lookups and
 * one append — O(n), never O(n^2). Only an out-of-order line forces a sort
 * (O(n log n)) and an index rebuild.
 *
 * Cap: past max_messages_per_call the oldest lines are dropped and counted in
 * dropped_messages. Once a transcript is full, a line older than its oldest
 * kept line is ignored, so re-delivered full histories do not bring dropped
 * lines back (lines without timestamps at the very cap may still churn). */
#include "store_internal.h"
#include "calltop/hash.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool str_eq(const char *a, const char *b)
{
    if (a == b) return true;
    if (!a || !b) return false;
    return strcmp(a, b) == 0;
}

/* The key a line is merged by. The model synthesizes an id for lines that
 * lack one; ct_store_merge_messages callers may still pass NULL, so build
 * the same id here (same recipe as model_call.c) rather than treating every
 * such line as new. */
static const char *line_key(const ct_message *m, char *buf, size_t len)
{
    if (m->message_id) return m->message_id;
    snprintf(buf, len, "~%" PRId64 "-%.32s-%016" PRIx64, (int64_t)m->timestamp,
             m->role_text ? m->role_text : "", ct_hash_str(m->text));
    return buf;
}

/* ---- messageId index ------------------------------------------------------ */

static size_t mindex_find(const ct_entry *e, const char *id, uint64_t h)
{
    if (!e->mslot_cap) return CT_SLOT_EMPTY;
    size_t mask = e->mslot_cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const ct_msg_slot *sl = &e->mslots[i];
        if (sl->pos == CT_SLOT_EMPTY) return CT_SLOT_EMPTY;
        if (sl->hash == h) {
            size_t p = sl->pos - e->mbase;
            if (str_eq(e->pub.call.messages[p].message_id, id)) return p;
        }
    }
}

static void mindex_put(ct_entry *e, uint64_t h, size_t abspos)
{
    size_t mask = e->mslot_cap - 1;
    size_t i = h & mask;
    while (e->mslots[i].pos != CT_SLOT_EMPTY) i = (i + 1) & mask;
    e->mslots[i].hash = h;
    e->mslots[i].pos = abspos;
}

/* Rebuilds the index from the transcript with at least `want` slots. On
 * failure the old index is left as it was. */
static ct_err mindex_rebuild(ct_entry *e, size_t want)
{
    size_t cap = 16;
    while (cap < want) cap <<= 1;
    ct_msg_slot *sl = malloc(cap * sizeof *sl);
    if (!sl) return CT_ENOMEM;
    for (size_t i = 0; i < cap; i++) sl[i].pos = CT_SLOT_EMPTY;
    free(e->mslots);
    e->mslots = sl;
    e->mslot_cap = cap;
    e->mbase = 0;
    for (size_t i = 0; i < e->pub.call.n_messages; i++)
        mindex_put(e, ct_store_hash(e->pub.call.messages[i].message_id), i);
    return CT_OK;
}

/* Room for one more id at a load factor of at most 0.7. */
static ct_err mindex_reserve(ct_entry *e, size_t count)
{
    if ((count + 1) * 10 <= e->mslot_cap * 7) return CT_OK;
    size_t want = e->mslot_cap ? e->mslot_cap * 2 : 16;
    while ((count + 1) * 10 > want * 7) want <<= 1;
    return mindex_rebuild(e, want);
}

/* Backward-shift deletion: no tombstones, so lookups stay short however
 * many lines scroll through a capped transcript. */
static void mindex_delete(ct_entry *e, const char *id, uint64_t h)
{
    size_t mask = e->mslot_cap - 1;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        ct_msg_slot *sl = &e->mslots[i];
        if (sl->pos == CT_SLOT_EMPTY) return;
        if (sl->hash == h && str_eq(e->pub.call.messages[sl->pos - e->mbase].message_id, id)) break;
    }
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (e->mslots[j].pos == CT_SLOT_EMPTY) break;
        size_t ideal = e->mslots[j].hash & mask;
        /* Move j back into the hole at i unless its ideal slot lies in (i, j]. */
        bool keep = (i <= j) ? (i < ideal && ideal <= j) : (i < ideal || ideal <= j);
        if (keep) continue;
        e->mslots[i] = e->mslots[j];
        i = j;
    }
    e->mslots[i].pos = CT_SLOT_EMPTY;
}

/* ---- ordering ------------------------------------------------------------- */

typedef struct line_with_seq {
    ct_message m;
    ct_line_meta meta;
} line_with_seq;

static int cmp_line(const void *a, const void *b)
{
    const line_with_seq *x = a, *y = b;
    if (x->m.timestamp != y->m.timestamp) return x->m.timestamp < y->m.timestamp ? -1 : 1;
    return (x->meta.seq > y->meta.seq) - (x->meta.seq < y->meta.seq);
}

/* Sorts the whole transcript by (timestamp, first-seen) and reindexes it.
 * Everything that can fail is allocated before anything moves, so on
 * failure the transcript is unsorted but its index still right. */
static ct_err resort(ct_entry *e)
{
    size_t n = e->pub.call.n_messages;
    line_with_seq *tmp = malloc(n * sizeof *tmp);
    ct_msg_slot *sl = malloc(e->mslot_cap * sizeof *sl);
    if (!tmp || !sl) {
        free(tmp);
        free(sl);
        return CT_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        tmp[i].m = e->pub.call.messages[i];
        tmp[i].meta = e->meta[i];
    }
    qsort(tmp, n, sizeof *tmp, cmp_line);
    for (size_t i = 0; i < n; i++) {
        e->pub.call.messages[i] = tmp[i].m;
        e->meta[i] = tmp[i].meta;
    }
    free(tmp);
    for (size_t i = 0; i < e->mslot_cap; i++) sl[i].pos = CT_SLOT_EMPTY;
    free(e->mslots);
    e->mslots = sl;
    e->mbase = 0;
    for (size_t i = 0; i < n; i++)
        mindex_put(e, ct_store_hash(e->pub.call.messages[i].message_id), i);
    return CT_OK;
}

static ct_err reserve_lines(ct_entry *e, size_t want)
{
    if (want <= e->msg_cap) return CT_OK;
    size_t cap = e->msg_cap ? e->msg_cap * 2 : 8;
    while (cap < want) cap *= 2;
    ct_message *m = realloc(e->pub.call.messages, cap * sizeof *m);
    if (!m) return CT_ENOMEM;
    e->pub.call.messages = m;
    ct_line_meta *q = realloc(e->meta, cap * sizeof *q);
    if (!q) return CT_ENOMEM;
    e->meta = q;
    e->msg_cap = cap;
    return CT_OK;
}

/* Replaces a known line's content with a re-delivered one. */
static ct_err replace_line(ct_message *dst, const ct_message *src, bool *resort_needed,
                           bool *changed)
{
    if (!str_eq(dst->text, src->text)) {
        char *t = src->text ? strdup(src->text) : NULL;
        if (src->text && !t) return CT_ENOMEM;
        free(dst->text);
        dst->text = t;
        *changed = true;
    }
    if (dst->role != src->role || !str_eq(dst->role_text, src->role_text)) {
        char *t = src->role_text ? strdup(src->role_text) : NULL;
        if (src->role_text && !t) return CT_ENOMEM;
        free(dst->role_text);
        dst->role_text = t;
        dst->role = src->role;
        *changed = true;
    }
    if (src->timestamp && src->timestamp != dst->timestamp) {
        dst->timestamp = src->timestamp;
        *resort_needed = true;
        *changed = true;
    }
    return CT_OK;
}

static void note_utterance(ct_entry *e, const ct_message *m)
{
    if ((m->role == CT_ROLE_USER || m->role == CT_ROLE_ASSISTANT) &&
        m->timestamp > e->last_utterance)
        e->last_utterance = m->timestamp;
}

ct_err ct_transcript_merge(const ct_store *s, ct_entry *e, const ct_message *msgs, size_t n,
                           uint64_t version, bool *changed)
{
    ct_call *c = &e->pub.call;
    size_t cap = s->lim.max_messages_per_call;
    bool need_sort = false;
    ct_err rc = CT_OK;
    char buf[256];

    for (size_t i = 0; i < n; i++) {
        const ct_message *m = &msgs[i];
        const char *id = line_key(m, buf, sizeof buf);
        uint64_t h = ct_store_hash(id);
        size_t p = mindex_find(e, id, h);
        if (p != CT_SLOT_EMPTY) {
            if (version >= e->meta[p].version) {
                rc = replace_line(&c->messages[p], m, &need_sort, changed);
                if (rc != CT_OK) goto out;
                e->meta[p].version = version;
            }
            note_utterance(e, &c->messages[p]);
            continue;
        }
        /* Full transcript: a line older than everything kept would be the
         * first to go, and is most likely one dropped earlier. */
        if (c->n_messages >= cap && m->timestamp < c->messages[0].timestamp) continue;

        if ((rc = reserve_lines(e, c->n_messages + 1)) != CT_OK) goto out;
        if ((rc = mindex_reserve(e, c->n_messages)) != CT_OK) goto out;
        ct_message *dst = &c->messages[c->n_messages];
        if ((rc = ct_message_copy(dst, m)) != CT_OK) goto out;
        if (!dst->message_id && !(dst->message_id = strdup(id))) {
            ct_message_clear(dst);
            rc = CT_ENOMEM;
            goto out;
        }
        if (c->n_messages && dst->timestamp < c->messages[c->n_messages - 1].timestamp)
            need_sort = true;
        e->meta[c->n_messages].seq = e->next_seq++;
        e->meta[c->n_messages].version = version;
        mindex_put(e, h, e->mbase + c->n_messages);
        c->n_messages++;
        c->present |= CT_F_MESSAGES;
        note_utterance(e, dst);
        *changed = true;
    }
out:
    /* Even after a failure, leave the transcript ordered and within its cap. */
    if (need_sort) {
        ct_err r2 = resort(e);
        if (rc == CT_OK) rc = r2;
    }
    if (c->n_messages > cap) {
        size_t drop = c->n_messages - cap;
        for (size_t i = 0; i < drop; i++) {
            mindex_delete(e, c->messages[i].message_id, ct_store_hash(c->messages[i].message_id));
            ct_message_clear(&c->messages[i]);
        }
        memmove(c->messages, c->messages + drop, cap * sizeof *c->messages);
        memmove(e->meta, e->meta + drop, cap * sizeof *e->meta);
        c->n_messages = cap;
        e->mbase += drop;
        e->pub.dropped_messages += drop;
        *changed = true;
    }
    return rc;
}

bool ct_transcript_update_hang(ct_entry *e)
{
    bool hang = e->hang_seen && e->last_utterance <= e->hang_at;
    if (hang == e->pub.hang) return false;
    e->pub.hang = hang;
    return true;
}

void ct_transcript_free(ct_entry *e)
{
    free(e->meta);
    free(e->mslots);
    e->meta = NULL;
    e->mslots = NULL;
    e->msg_cap = e->mslot_cap = 0;
}
