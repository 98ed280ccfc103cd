/* rlog.h — the relay's shared log on Redis Streams (--redis, issue 17).
 *
 * Every accepted webhook is appended (XADD) to one stream; every relay
 * reads the stream in order on a thread of its own and hands the entries
 * to its service thread, which applies them with the ordinary merge. All
 * relays thus apply the same entries in the same order, and derive the
 * same events with the same seqs (docs/scale-out.md).
 *
 * Two hiredis connections: the writer (service thread only: append and
 * the start-up calls) and the reader (its own thread). Entries cross
 * between the two threads through a mutex-protected, bounded queue; the
 * reader wakes the service thread through the callback given to
 * ct_rlog_open (lws_cancel_service). */
#ifndef CALLTOP_RELAY_RLOG_H
#define CALLTOP_RELAY_RLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/err.h"

typedef struct ct_rlog ct_rlog;

/* One stream entry, as read back. */
typedef struct ct_rlog_entry {
    char id[48];  /* the Redis stream id, "MS-N" */
    int64_t t_ms; /* the webhook's arrival (wall clock of the relay that took it) */
    char *body;   /* the repaired, validated webhook body (NUL-terminated) */
    size_t len;
    struct ct_rlog_entry *next;
} ct_rlog_entry;

/* Parses redis://HOST[:PORT][/DB] (PORT 6379, DB 0 by default). A URL with
 * a user or password is refused: secrets never come from argv. Pure. */
ct_err ct_rlog_parse_url(const char *url, char *host, size_t hlen, int *port, int *db,
                         ct_error *err);

/* Connects the writer (AUTH with `password` when not NULL, SELECT db) and
 * reads or creates the log's shared board stream id (16 hex chars); the
 * reader starts with ct_rlog_start. CT_EIO when Redis cannot be reached;
 * CT_ECONFIG for a bad URL or a refused password. */
ct_rlog *ct_rlog_open(const char *url, const char *password, const char *key_prefix,
                      void (*wake)(void *ud), void *ud, ct_error *err);
/* Starts the reader after `after_id` ("0-0" or NULL: the beginning; a
 * checkpoint's position). */
ct_err ct_rlog_start(ct_rlog *l, const char *after_id, ct_error *err);
/* The board stream id every relay of this log announces. */
const char *ct_rlog_stream_id(const ct_rlog *l);
/* The seq before the log's first event: every relay on the log counts its
 * events from here, so they all give the same event the same seq. */
uint64_t ct_rlog_seq_base(const ct_rlog *l);
/* Appends one webhook; CT_OK only once Redis has answered with its id
 * (copied to id_out, 48 bytes). CT_EIO when Redis is unreachable: after a
 * failure, reconnects are tried at most every 500 ms, so a Redis outage
 * costs webhooks a fast 503, not a timeout each. Service thread only. */
ct_err ct_rlog_append(ct_rlog *l, int64_t t_ms, const char *body, size_t len, char *id_out,
                      ct_error *err);
/* Takes every entry the reader has queued, oldest first (NULL: none). */
ct_rlog_entry *ct_rlog_take(ct_rlog *l);
void ct_rlog_entries_free(ct_rlog_entry *e);
/* Is the reader connected and reading now? */
bool ct_rlog_reader_up(ct_rlog *l);
/* ... and did its last read find the end of the log (less than a full
 * batch)? Changes wake the service thread. */
bool ct_rlog_caught_up(ct_rlog *l);
/* Service thread: can the writer reach Redis now (reconnects at most every
 * 500 ms, then PING)? After a failed append, this says when appends work
 * again without waiting for the next webhook. */
bool ct_rlog_writer_check(ct_rlog *l);
/* The reader found entries after its position trimmed away and stopped:
 * this relay cannot be current until restarted. */
bool ct_rlog_gap(ct_rlog *l);

/* ---- checkpoints and trimming (service thread: the writer) ----------------
 * PREFIX:ckpt:<id> holds a checkpoint's text, PREFIX:ckpts indexes them
 * (score: its entry index), PREFIX:relays holds each reading relay's
 * applied position with an expiry time, PREFIX:trimmed the newest MINID. */
/* The newest checkpoint ids, newest first, at most max. */
size_t ct_rlog_ckpt_list(ct_rlog *l, char ids[][48], size_t max);
/* A checkpoint's text (malloc'd), NULL when gone or unreachable. */
char *ct_rlog_ckpt_get(ct_rlog *l, const char *id, size_t *len);
/* The entry index of the newest checkpoint (0: none; UINT64_MAX when
 * Redis is unreachable: nothing to write then). */
uint64_t ct_rlog_ckpt_newest_index(ct_rlog *l);
/* Claims the writing of the checkpoint at id (for a minute): of the relays
 * that reach the same entry together, one encodes and writes it. */
bool ct_rlog_ckpt_claim(ct_rlog *l, const char *id);
/* Stores a checkpoint and keeps the newest `keep`. */
ct_err ct_rlog_ckpt_put(ct_rlog *l, const char *id, uint64_t index, const char *text, size_t len,
                        size_t keep, ct_error *err);
/* Publishes this relay's applied position, valid for ttl_ms. */
void ct_rlog_publish_position(ct_rlog *l, const char *pos, int ttl_ms);
/* Withdraws it (a clean stop). */
void ct_rlog_unpublish(ct_rlog *l);
/* XTRIM MINID at ct_ckpt_trim_point of the kept checkpoints and the live
 * relays' positions, when it moved on (one relay at a time): 1 and the
 * MINID in out when it trimmed, 0 when there was nothing to trim, -1 when
 * another relay was trimming (its view may be older than ours: try again). */
int ct_rlog_trim(ct_rlog *l, char out[48]);
/* Stops the reader thread and closes both connections. */
void ct_rlog_close(ct_rlog *l);

#endif
