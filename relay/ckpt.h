/* ckpt.h — calltop-relay's checkpoints on the Redis log (--redis), the
 * pure part: the checkpoint's text, stream-id order and the trim point.
 *
 * A checkpoint is the relay's whole derived state after one log entry: the
 * calls with everything later merges depend on (ct_rstate_export), the seq
 * of its last event, the log position (that entry's stream id), how many
 * entries the log had given up to it, and the log time of the last expiry
 * pass. State is a function of the log, so every relay writes the same
 * checkpoint at the same entry and any relay may start from any of them
 * (docs/scale-out.md). No I/O here: rlog.c stores them, server.c decides
 * when. */
#ifndef CALLTOP_RELAY_CKPT_H
#define CALLTOP_RELAY_CKPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltop/err.h"
#include "relay_int.h"

#define CT_CKPT_VERSION 1

typedef struct ct_ckpt_meta {
    char stream[17];       /* the board stream id of the log it belongs to */
    char pos[48];          /* stream id of the last entry applied */
    uint64_t index;        /* entries applied from the log's first up to pos */
    uint64_t seq;          /* seq of the last event */
    int64_t log_expire_ms; /* log time of the last expiry pass */
} ct_ckpt_meta;

/* The checkpoint's JSON text (malloc'd; *len without the NUL); NULL on OOM. */
char *ct_ckpt_encode(const ct_ckpt_meta *m, ct_rstate *s, size_t *len);
/* Reads a checkpoint into `m` and the empty state `into`. CT_EJSON,
 * CT_EMISSING, CT_ETYPE, CT_EVALUE (with the field in err) for bad text or
 * another version; then `into` may hold part of it. */
ct_err ct_ckpt_decode(const char *text, size_t len, ct_ckpt_meta *m, ct_rstate *into,
                      ct_error *err);

/* A Redis stream id "MS-SEQ" (or "MS"): false when it is not one. */
bool ct_ckpt_id_parse(const char *id, uint64_t *ms, uint64_t *seq);
/* Orders stream ids as Redis does (numerically); an unparsable id sorts
 * first. */
int ct_ckpt_id_cmp(const char *a, const char *b);

/* Where XTRIM MINID may cut: entries older than the result are needed by
 * nobody. That is the oldest kept checkpoint (a relay starting now loads
 * one of them and reads on after it), and no further than any relay still
 * reading (their applied positions). False (nothing to trim) without a
 * checkpoint, or when the result would be "0-0". */
bool ct_ckpt_trim_point(const char *const *checkpoints, size_t n_checkpoints,
                        const char *const *relays, size_t n_relays, char out[48]);

#endif
