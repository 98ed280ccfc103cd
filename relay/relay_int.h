/* relay_int.h — calltop-relay's internal pieces, shared by its .c files:
 * refcounted frames, the replay ring (ring.c) and the per-call state that
 * turns webhooks into events (state.c). Everything here runs on the relay's
 * service thread only, so nothing is locked. */
#ifndef CALLTOP_RELAY_INT_H
#define CALLTOP_RELAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"

/* One encoded protocol message, shared by the ring and every client queue
 * that holds it. `buf` has `pre` (LWS_PRE) bytes of headroom before the
 * `len` bytes of text. */
typedef struct ct_frame {
    unsigned refs;
    uint64_t seq;          /* events: their seq; other frames: 0 */
    int64_t born_us;       /* events: when their webhook arrived (metrics.h); else 0 */
    size_t len;
    char *buf;
} ct_frame;

/* Wraps a buffer produced by a ct_proto_encode_* call (takes ownership);
 * refs starts at 1. NULL (and buf freed) on OOM or when buf is NULL. */
ct_frame *ct_frame_wrap(char *buf, size_t len, uint64_t seq);
ct_frame *ct_frame_ref(ct_frame *f);
void ct_frame_unref(ct_frame *f);

/* The ring of the newest events, contiguous in seq. */
typedef struct ct_ring {
    ct_frame **slots;
    size_t cap, head /* index of the oldest */, count;
} ct_ring;

bool ct_ring_init(ct_ring *r, size_t cap);
void ct_ring_free(ct_ring *r);
/* Appends (takes a reference); drops the oldest when full. Events must be
 * pushed in seq order without gaps. */
void ct_ring_push(ct_ring *r, ct_frame *f);
/* The frame with this seq, or NULL when it is not (or no longer) held. */
ct_frame *ct_ring_get(const ct_ring *r, uint64_t seq);
/* Oldest seq held; 0 when empty. */
uint64_t ct_ring_oldest(const ct_ring *r);

/* ---- per-call state -------------------------------------------------------- */
typedef struct ct_rstate ct_rstate;

ct_rstate *ct_rstate_new(size_t max_calls);
void ct_rstate_free(ct_rstate *s);
size_t ct_rstate_count(const ct_rstate *s);

/* What one webhook did. */
typedef struct ct_rstate_result {
    bool changed;          /* false: a duplicate or stale delivery, no event */
    char *frame;           /* the encoded event (pre bytes of headroom), when changed */
    size_t len;
    size_t new_messages;   /* transcript lines new to the relay */
    const char *status;    /* call status text after the merge (for the event log) */
    const char *phone_status;
} ct_rstate_result;

/* Merges a decoded webhook into the state; when it changed the call,
 * encodes the event with sequence number `seq`. */
ct_err ct_rstate_apply(ct_rstate *s, const ct_webhook *w, uint64_t seq, size_t pre,
                       ct_rstate_result *out, ct_error *err);
/* Encodes a snapshot of every call, with transcripts. */
char *ct_rstate_snapshot(ct_rstate *s, uint64_t seq, size_t pre, size_t *len);
/* Drops finished calls (finished, failed attempt, or with an end time) whose
 * end (endAt, else their newest event time) is older than now - max_age.
 * Returns how many were dropped. */
size_t ct_rstate_expire(ct_rstate *s, ct_time_ms now, int64_t max_age_ms);

#endif
