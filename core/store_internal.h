/* store_internal.h — the store's private structures, shared by store.c
 * (calls, versions, caps), store_transcript.c (messageId merge) and
 * store_view.c (filtered, sorted indexes). Not part of any contract: only
 * the store's own .c files include it. */
#ifndef CALLTOP_STORE_INTERNAL_H
#define CALLTOP_STORE_INTERNAL_H

#include "calltop/store.h"

/* One slot of a transcript's messageId index. `pos` is an absolute position:
 * the line lives at messages[pos - mbase]. Dropping the oldest lines only
 * bumps mbase, so the common "append one line, drop one line" case never
 * rewrites the index. */
typedef struct ct_msg_slot {
    uint64_t hash;
    size_t pos; /* CT_SLOT_EMPTY when free */
} ct_msg_slot;
#define CT_SLOT_EMPTY ((size_t)-1)
#define CT_F_BITS     32 /* one per bit of ct_call.present */

/* What the store knows about a transcript line beside the line itself. */
typedef struct ct_line_meta {
    uint64_t seq;     /* first-seen order: the tie-break after timestamp */
    uint64_t version; /* version of the delivery that last set its content */
} ct_line_meta;

/* A stored call. Heap-allocated one by one so a pointer stays valid until
 * that call is removed or evicted, whatever happens to the hash table. */
typedef struct ct_entry {
    ct_call_entry pub; /* must stay first: callers see only this */
    uint64_t id_hash;
    size_t pos;               /* index in ct_store.all */
    uint64_t idp;             /* ct_prefix8(id): the views' cheap tie-break */
    uint64_t fver[CT_F_BITS]; /* version that last set each CT_F_* field */
    uint64_t aver[5];         /* the same for each analysis member */

    /* transcript bookkeeping, parallel to pub.call.messages */
    ct_line_meta *meta; /* per line: first-seen order, version of its text */
    size_t msg_cap;     /* allocated length of messages and meta */
    uint64_t next_seq;
    ct_msg_slot *mslots; /* messageId -> absolute position */
    size_t mslot_cap;    /* power of two, 0 when none */
    size_t mbase;

    /* hang: set by a `hang` at hang_at, cleared by an utterance after it */
    bool hang_seen;
    ct_time_ms hang_at;
    ct_time_ms last_utterance; /* newest user/assistant line ever merged */
    ct_time_ms error_at;       /* timestamp of the error in last_error */
    ct_time_ms event_at;       /* newest webhook timestamp seen */

    /* what this entry currently adds to the store's counters */
    bool counted_live;
    ct_status counted_status;
} ct_entry;

typedef struct ct_call_slot {
    uint64_t hash;
    ct_entry *e; /* NULL when free */
} ct_call_slot;

struct ct_store {
    ct_store_limits lim;
    ct_call_slot *slots; /* open addressing, linear probing */
    size_t slot_cap;     /* power of two */
    ct_entry **all;      /* dense array for iteration and views */
    uint64_t *evkey;     /* eviction order key of all[i], kept beside it so
                                   choosing a victim is a scan of one flat array */
    size_t n, all_cap;
    uint64_t gen;
    size_t live;
    size_t status_counts[CT_STATUS_OTHER + 1];
    bool cap_reached;
    size_t evicted;
};

uint64_t ct_store_hash(const char *s);

static inline unsigned char ct_lower_ascii(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (unsigned char)(ch + 32) : ch;
}

/* The first 8 bytes of s (ASCII-folded when asked), big-endian, NUL-padded:
 * as unsigned numbers these order like the strings' first 8 bytes do. */
static inline uint64_t ct_prefix8(const char *s, bool fold)
{
    uint64_t v = 0;
    int i = 0;
    for (; i < 8 && s[i]; i++)
        v = (v << 8) | (fold ? ct_lower_ascii((unsigned char)s[i]) : (unsigned char)s[i]);
    for (; i < 8; i++) v <<= 8; /* pad: a shorter string sorts first */
    return v;
}
ct_entry *ct_store_find(const ct_store *s, const char *id, uint64_t hash);
/* After store_state.c rewrote an entry's bookkeeping: recompute hang and
 * last activity, the counters and its eviction key. */
void ct_store_entry_restored(ct_store *s, ct_entry *e);

/* Merges msgs into e's transcript by messageId. A known line's content
 * (text, role, timestamp) is replaced only by a delivery whose version is at
 * least the one that last set it, so the newest delivery's text wins in any
 * arrival order. Sets *changed when the transcript changed. */
ct_err ct_transcript_merge(const ct_store *s, ct_entry *e, const ct_message *msgs, size_t n,
                           uint64_t version, bool *changed);
/* Recomputes pub.hang from the hang/utterance times; true if it flipped. */
bool ct_transcript_update_hang(ct_entry *e);
void ct_transcript_free(ct_entry *e);

#endif
