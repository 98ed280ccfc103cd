/* monitor.h — the live channel: a libwebsockets client thread that follows
 * calltop-relay (docs/monitor-protocol.md) and posts snapshots, updates and
 * its own state (LIVE / STALE / RECONNECTING / POLLING) to the inbox.
 *
 * What it posts:
 *   CT_EV_MONITOR_STATE     monitor_state, last_event_ms (arrival time of the
 *                           last snapshot/event), text = a short reason
 *   CT_EV_MONITOR_SNAPSHOT  calls (every call the relay holds, with full
 *                           transcripts), seq
 *   CT_EV_MONITOR_UPDATE    call (the relay's whole merged call; call.messages
 *                           = only the NEW lines), update_kind, call_error
 *                           (kind error), seq, last_event_ms = the webhook's
 *                           message.timestamp (arrival time when it had none)
 * Every UPDATE's seq is the previous one + 1 (the snapshot's seq counts as
 * the previous one); on a gap the monitor resynchronises with a snapshot
 * rather than post a hole. It assumes the UI applies every event it posts. */
#ifndef CALLTOP_MONITOR_H
#define CALLTOP_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include "calltop/inbox.h"

typedef struct ct_monitor ct_monitor;

typedef struct ct_monitor_options {
    const char *relay_url; /* ws://host:port/monitor or wss://; or several, comma-separated
                              (relays sharing one Redis log): followed one at a time, the next
                              one when it is lost (relay_urls.h) */
    const char *token;     /* bearer token; never logged */
    bool insecure;
    int heartbeat_interval_ms;  /* 0 = 10000 */
    int stale_after_ms;         /* 0 = 3 x heartbeat */
    int backoff_initial_ms;     /* 0 = 500 */
    int backoff_max_ms;         /* 0 = 30000 */
    int polling_after_failures; /* report POLLING after this many failed connections (one
                                   that never delivered its snapshot counts); 0 = 3. With
                                   several relays: this many whole rounds of the list */
    const char *ca_file;        /* wss: extra CA bundle (PEM); NULL = system store */
    size_t max_frame_bytes;     /* a bigger frame from the relay is refused; 0 = 64 MiB */
} ct_monitor_options;

/* Counters for tests and `calltop` diagnostics (thread-safe copy). */
typedef struct ct_monitor_stats {
    uint64_t last_seq; /* last seq posted to the inbox (the UI applies all) */
    bool has_seq;
    uint64_t connects;          /* connection attempts */
    uint64_t welcomes;          /* handshakes that reached the relay's welcome */
    uint64_t snapshots, events; /* posted to the inbox */
    uint64_t gaps;              /* seq jumps that forced a resync */
    uint64_t stale;             /* heartbeat timeouts (silences reported STALE) */
    uint64_t wakeups;           /* returns of the thread's lws_service (its poll) */
    uint64_t timer_fires;       /* runs of the heartbeat timer (pings, stale checks) */
    uint64_t pings;             /* pings sent to the relay */
    uint64_t failovers;         /* moves to the next relay of the list */
    uint64_t not_live;          /* status live:false received (the relay lost its log) */
    int polling_failures;       /* failed connections in a row when POLLING was last reported
                                   (0: never): the moment the fallback began, for tests */
    int relay_index;            /* the relay followed now: index into the list */
    int relay_count;            /* entries in relay-url's list */
    ct_monitor_state state;
} ct_monitor_stats;

void ct_monitor_get_stats(ct_monitor *m, ct_monitor_stats *out);

ct_monitor *ct_monitor_start(const ct_monitor_options *opt, ct_inbox *inbox, ct_error *err);
/* Asks for a fresh snapshot (a "refresh" key; also what a gap does
 * internally). Thread-safe; returns at once. */
void ct_monitor_resync(ct_monitor *m);
void ct_monitor_stop(ct_monitor *m);

#endif
