/* relay.h — calltop-relay as a library: webhook receiver + WebSocket
 * fan-out (docs/monitor-protocol.md) on its own thread. calltop-relay's
 * main() and `calltop --demo` both use this. */
#ifndef CALLTOP_RELAY_H
#define CALLTOP_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "calltop/err.h"

typedef struct ct_relay ct_relay;

typedef struct ct_relay_options {
    const char *host;                 /* NULL = 127.0.0.1 */
    int port;                         /* 0 = ephemeral */
    const char *webhook_secret;       /* required */
    const char *client_token;         /* required */
    const char *cert_path, *key_path; /* optional TLS */
    int expire_finished_s;            /* 0 = 3600 */
    size_t max_calls;                 /* 0 = 10000 */
    size_t ring_events;               /* 0 = 4096 */
    size_t max_body_bytes;            /* 0 = 1 MiB */
    const char *event_log_path;       /* NULL = none; never logs transcript text */
    int heartbeat_ms;                 /* protocol ping interval; 0 = 10000. A client silent
                                    for 3 intervals is closed (4003) */
    size_t client_queue_frames;       /* per-client send queue bound; 0 = 1024 */
    size_t client_queue_bytes;        /* ... and in bytes; 0 = 16 MiB */
    int expire_check_ms;              /* how often finished calls are expired; 0 = 1000 */
    FILE *notices;                    /* NULL = none. One line per rejected webhook/client
                                    class (bad secret, bad token, too big, ...), at most
                                    one per class per notice_interval_ms, with the peer
                                    address and how many were not shown; never a
                                    secret or transcript text. calltop-relay: stderr */
    int notice_interval_ms;           /* 0 = 10000 */
    unsigned auth_fail_limit;         /* failed webhook secrets / relay tokens per address
                                    within auth_fail_window_ms before that address is
                                    refused (429) without checking; 0 = 20 */
    int auth_fail_window_ms;          /* 0 = 60000 */
    size_t max_connections;           /* open connections at most (monitor clients included);
                                    when full, the oldest unfinished HTTP request is
                                    closed to make room; 0 = 2048 */
    size_t max_connections_per_peer;  /* per peer address; 0 = 256 */
    int request_deadline_ms;          /* a whole HTTP request (headers and body) must arrive
                                    within this of the connection's accept or previous
                                    answer; 0 = 10000 */
    size_t snapshot_part_bytes;       /* protocol 2 snapshot part size, about; 0 = 1 MiB */
    size_t v1_snapshot_max_bytes;     /* a protocol 1 client whose one-frame snapshot would be
                                    larger is refused ("snapshot-too-large", 1009) instead of
                                    sent a frame it cannot take; 0 = 64 MiB (its cap) */
    size_t max_state_bytes;           /* calls + transcript text held; above it the least
                                    recently heard calls (finished first) are dropped;
                                    0 = 256 MiB */
    size_t ring_bytes;                /* replay ring bound in bytes (besides ring_events);
                                    0 = 64 MiB */
    const char *redis_url;            /* NULL = the embedded default (state in memory only).
                                    redis://HOST[:PORT][/DB]: webhooks go through one
                                    Redis stream that every relay on it applies in order
                                    (docs/scale-out.md); needs a build with hiredis */
    const char *redis_password;       /* NULL = none (never from argv: env or a 0600 file) */
    const char *redis_prefix;      /* key prefix: PREFIX:log, PREFIX:stream-id; NULL = "calltop" */
    size_t redis_checkpoint_every; /* --redis: a checkpoint after every N log entries (every
                                    relay computes the same one; the first to get there
                                    writes it); 0 = 10000 */
    int redis_reader_ttl_ms;       /* --redis: trimming waits for this relay's position while
                                    it was published within this; 0 = 30000 */
    const char *trusted_proxies;   /* NULL = none. "127.0.0.1,::1,10.0.0.0/8": a TCP peer in
                                    this list is a reverse proxy, and the client address
                                    (throttle, per-peer cap, notices) is taken from its
                                    X-Forwarded-For, right to left; a bad entry fails
                                    ct_relay_start (CT_EUSAGE, naming it) */
    unsigned test_fail_frames;     /* tests only: fail the next N event encodings after
                                    their merge (exercises the forced resync) */
} ct_relay_options;

/* Counters, as served by GET /healthz. */
typedef struct ct_relay_stats {
    uint64_t seq;                      /* newest event seq (0 = none yet) */
    size_t calls;                      /* calls held */
    size_t clients;                    /* monitor clients connected now */
    uint64_t webhooks_ok;              /* accepted (2xx), duplicates included */
    uint64_t webhooks_bad;             /* 400: malformed JSON or envelope */
    uint64_t webhooks_unauthorized;    /* 401 */
    uint64_t webhooks_too_big;         /* 413 */
    uint64_t webhooks_length_required; /* 411: chunked bodies, answered at once */
    uint64_t duplicates;               /* accepted webhooks that changed nothing (no event) */
    uint64_t events;                   /* events produced */
    uint64_t expired;                  /* finished calls expired */
    uint64_t clients_total;            /* monitor connections accepted */
    uint64_t clients_rejected;         /* handshakes refused (bad token or path) */
    uint64_t clients_slow;             /* closed with "client too slow" */
    uint64_t clients_timeout;          /* closed for silence */
    uint64_t snapshots;                /* snapshots sent */
    uint64_t replays;                  /* hellos answered from the ring */
    uint64_t resyncs_forced;           /* a merged change could not be framed: clients closed
                                    (1011 "resync") to fetch a snapshot */
    uint64_t bad_messages;             /* undecodable client frames */
    uint64_t auth_throttled;           /* attempts refused 429 while their address was blocked */
    uint64_t connections_refused;      /* hung up at accept: per-peer or total cap */
    uint64_t requests_timed_out;       /* closed: request not complete within the deadline */
    uint64_t requests_evicted;         /* unfinished requests closed to make room at the cap */
    uint64_t calls_trimmed;            /* calls dropped to stay within max_state_bytes */
    uint64_t utf8_repaired;            /* webhooks whose invalid UTF-8 was replaced by U+FFFD */
    uint64_t frames_refused;      /* binary (or otherwise non-text) client frames: closed 1003 */
    uint64_t webhooks_unlogged;   /* --redis: 503, Redis did not take the webhook */
    uint64_t log_entries;         /* --redis: stream entries applied */
    uint64_t log_status_changes;  /* --redis: live <-> not live changes told to boards
                                    (the first catch-up after start not counted) */
    bool log_live;                /* --redis: reading the log and caught up, and appends work */
    bool checkpoint_loaded;       /* --redis: this relay started from a checkpoint */
    uint64_t checkpoints_written; /* --redis: checkpoints this relay wrote to Redis */
    uint64_t log_trims;           /* --redis: XTRIMs this relay made */
    uint64_t forwarded_malformed; /* requests from a trusted proxy whose X-Forwarded-For
                                    could not be followed: keyed on the proxy itself */
} ct_relay_stats;

/* Thread-safe copy of the counters. */
void ct_relay_get_stats(ct_relay *r, ct_relay_stats *out);
/* The stream id of this run (see docs/monitor-protocol.md). */
const char *ct_relay_stream(const ct_relay *r);

/* Starts the relay. Errors name the cause: CT_EIO "address already in use"
 * (or another bind errno) vs CT_ECONFIG for an unreadable or invalid TLS
 * certificate/key, a missing secret or token. */
ct_relay *ct_relay_start(const ct_relay_options *opt, ct_error *err);
/* Reopens --event-log at its path (after logrotate moved it); any thread,
 * e.g. on SIGHUP. Takes effect on the relay's thread at once; when the
 * path cannot be opened the old file is kept and a notice says so. */
void ct_relay_reopen_event_log(ct_relay *r);
int ct_relay_port(const ct_relay *r);
void ct_relay_stop(ct_relay *r);

/* Reads a secret (webhook secret, relay token) from a file the way ssh
 * reads a private key: refused with CT_ECONFIG when the file is readable
 * or writable by group or others, or empty. Trailing newline and spaces
 * are dropped. *out is malloc'd. */
ct_err ct_relay_read_secret_file(const char *path, char **out, ct_error *err);

#endif
