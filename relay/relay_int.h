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
    bool shared;     /* a snapshot part, one copy for every client: not
                              counted against a client's queue byte bound */
    uint64_t seq;    /* events: their seq; other frames: 0 */
    int64_t born_us; /* events: when their webhook arrived (metrics.h); else 0 */
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
    size_t bytes, max_bytes; /* frame bytes held, and their bound (0 = none) */
} ct_ring;

bool ct_ring_init(ct_ring *r, size_t cap);
void ct_ring_free(ct_ring *r);
/* Appends (takes a reference); drops the oldest when full, in count or in
 * bytes (the newest frame always stays). Events must be pushed in seq
 * order without gaps. */
void ct_ring_push(ct_ring *r, ct_frame *f);
/* The frame with this seq, or NULL when it is not (or no longer) held. */
ct_frame *ct_ring_get(const ct_ring *r, uint64_t seq);
/* Drops every frame (nothing can be replayed until the next push). */
void ct_ring_clear(ct_ring *r);
/* Oldest seq held; 0 when empty. */
uint64_t ct_ring_oldest(const ct_ring *r);

/* ---- failed-authentication throttling (throttle.c) -------------------------- */
typedef struct ct_throttle ct_throttle;

/* `limit` failures within `window_ms` block an address until it has been
 * quiet (no failure, no attempt while blocked) for window_ms. */
ct_throttle *ct_throttle_new(unsigned limit, int64_t window_ms);
void ct_throttle_free(ct_throttle *t);
/* Refuse this address's authentication attempts without checking them? */
bool ct_throttle_blocked(ct_throttle *t, const char *addr, int64_t now);
/* Counts a failed (or refused-while-blocked) attempt. */
void ct_throttle_fail(ct_throttle *t, const char *addr, int64_t now);

/* ---- per-call state -------------------------------------------------------- */
typedef struct ct_rstate ct_rstate;

ct_rstate *ct_rstate_new(size_t max_calls);
void ct_rstate_free(ct_rstate *s);
size_t ct_rstate_count(const ct_rstate *s);

/* What one webhook did. */
typedef struct ct_rstate_result {
    bool merged;  /* the store took something (even if an error followed) */
    bool changed; /* false: a duplicate or stale delivery, no event */
    char *frame;  /* the encoded event (pre bytes of headroom), when changed */
    size_t len;
    size_t new_messages; /* transcript lines new to the relay */
    const char *status;  /* call status text after the merge (for the event log) */
    const char *phone_status;
} ct_rstate_result;

/* Merges a decoded webhook into the state; when it changed the call,
 * encodes the event with sequence number `seq`. On an error, out->merged
 * says whether the state changed anyway (then clients must resync). `heard_ms` is the relay's
 * monotonic clock now: the call's "last heard" time, which expiry uses. */
ct_err ct_rstate_apply(ct_rstate *s, const ct_webhook *w, uint64_t seq, size_t pre,
                       int64_t heard_ms, ct_rstate_result *out, ct_error *err);
/* Encodes a snapshot of every call, with transcripts. */
char *ct_rstate_snapshot(ct_rstate *s, uint64_t seq, size_t pre, size_t *len);
/* The same in parts of about max_bytes (protocol 2); see
 * ct_proto_encode_snapshot_parts. */
size_t ct_rstate_snapshot_parts(ct_rstate *s, uint64_t seq, size_t max_bytes, size_t pre,
                                char ***out, size_t **lens);
/* Bytes of text the state holds (ids, fields, transcript lines): what the
 * byte bound counts. Walks every call. */
size_t ct_rstate_bytes(ct_rstate *s);
/* Drops calls until ct_rstate_bytes <= max_bytes: finished calls first,
 * then any, least recently heard first. Returns how many were dropped. */
size_t ct_rstate_trim(ct_rstate *s, size_t max_bytes);
/* Drops finished calls (finished, failed attempt, or with an end time) the
 * relay last heard of (its monotonic clock, not the sender's timestamps)
 * before now_mono_ms - max_age. Returns how many were dropped. */
size_t ct_rstate_expire(ct_rstate *s, int64_t now_mono_ms, int64_t max_age_ms);
/* The whole state as JSON (ct_store_export: everything later merges depend
 * on), for a checkpoint; NULL on OOM. */
struct cJSON *ct_rstate_export(ct_rstate *s);
/* Loads an export into an empty state; on an error the state may hold
 * part of it (throw it away). */
ct_err ct_rstate_import(ct_rstate *s, const struct cJSON *calls, ct_error *err);

#endif
