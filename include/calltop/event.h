/* event.h — the typed events every layer shares: what the network threads
 * post, what the UI thread's reducer (calltop/reduce.h) applies, what tests
 * script. Core owns them so that a pure layer can consume events without
 * seeing the queue (net's inbox.h) or the threads that produce them.
 * Events carry owned, decoded structs: the UI thread never parses JSON. */
#ifndef CALLTOP_EVENT_H
#define CALLTOP_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "calltop/model.h"

/* Which REST request an event answers (the fetcher's request kinds). */
typedef enum ct_request_kind {
    CT_REQ_NONE = 0,
    CT_REQ_LIST_CALLS,
    CT_REQ_GET_CALL,
    CT_REQ_CONNECT,
    CT_REQ_CREATE,
    CT_REQ_CONTROL,
    CT_REQ_NUMBERS,
    CT_REQ_ASSISTANT
} ct_request_kind;

typedef enum ct_event_type {
    CT_EV_CALLS_LISTED = 1, /* calls: one page-walk result (list endpoint) */
    CT_EV_CALL_FETCHED,     /* call: one call with messages (get endpoint) */
    CT_EV_CALL_PLACED,      /* call: the connect/create response */
    CT_EV_CONTROL_DONE,     /* control accepted (call_id, action) */
    CT_EV_NUMBERS,          /* numbers */
    CT_EV_ASSISTANT,        /* assistant */
    CT_EV_REQUEST_FAILED,   /* error: any request; request_id says which */
    CT_EV_MONITOR_STATE,    /* monitor_state + last_event_ms */
    CT_EV_MONITOR_SNAPSHOT, /* calls: full state from the relay (replace) */
    CT_EV_MONITOR_UPDATE,   /* webhook-like update from the relay (call + new messages) */
    CT_EV_LOG,              /* text: a line for the message log */
    CT_EV_RATE_LIMITED,     /* rate_limited_until: the API answered 429 and every request
                               * to it waits until then (wall clock); 0 = resumed */
} ct_event_type;

typedef enum ct_monitor_state {
    CT_MON_OFF = 0,
    CT_MON_CONNECTING,
    CT_MON_LIVE,
    CT_MON_STALE,
    CT_MON_RECONNECTING,
    CT_MON_POLLING
} ct_monitor_state;
const char *ct_monitor_state_name(ct_monitor_state s); /* "LIVE", ... */

typedef struct ct_event {
    ct_event_type type;
    uint64_t request_id; /* fetcher requests; 0 otherwise */
    ct_error error;      /* CT_EV_REQUEST_FAILED */
    int request_kind;    /* ct_request_kind of the failed/finished request */
    /* payloads (only those relevant to `type` are set; all owned) */
    ct_call_list calls;          /* CALLS_LISTED, MONITOR_SNAPSHOT */
    ct_call call;                /* CALL_FETCHED, CALL_PLACED, MONITOR_UPDATE */
    ct_webhook_type update_kind; /* MONITOR_UPDATE: what kind of webhook caused it */
    ct_call_error call_error;    /* MONITOR_UPDATE of kind error */
    uint64_t seq;                /* MONITOR_*: relay sequence number */
    ct_number_list numbers;      /* NUMBERS */
    ct_assistant assistant;      /* ASSISTANT */
    char *call_id;               /* CONTROL_DONE */
    ct_control_action action;    /* CONTROL_DONE */
    ct_monitor_state monitor_state;
    ct_time_ms last_event_ms;      /* MONITOR_STATE: when the last event arrived */
    bool resumed;                  /* MONITOR_STATE LIVE: the relay replayed what was missed
                                   * from its ring (same run, nothing lost); false when it
                                   * sent a snapshot (first connect, a restarted relay, or
                                   * a gap too old), after which webhooks may be missing */
    int relay_index, relay_count;  /* MONITOR_STATE: the relay followed (1-based) of how many
                                   * relay-url lists (0, 0: not from the monitor) */
    bool relay_not_live;           /* MONITOR_STATE STALE: the relay is there and says its
                                   * events are not current (protocol 3 status), as opposed
                                   * to a silent relay */
    char *text;                    /* LOG, and a human reason for MONITOR_STATE and
                                   * RATE_LIMITED ("rate limited by the API, resuming in 3s") */
    ct_time_ms rate_limited_until; /* RATE_LIMITED: epoch ms the pause ends; 0 = it ended */
    /* keep_raw_json fetchers: the server's JSON for CALLS_LISTED (an array
     * of the call objects, aligned with `calls`), CALL_FETCHED, CALL_PLACED,
     * NUMBERS and ASSISTANT (the response body); NULL otherwise */
    char *raw_json;
    struct ct_event *next; /* queue link (the inbox, a drained batch) */
} ct_event;

ct_event *ct_event_new(ct_event_type type); /* zeroed, NULL on OOM */
void ct_event_free(ct_event *ev);           /* frees every payload and ev */

#endif
