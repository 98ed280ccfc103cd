/* sim.h — calltop-sim's engine as a library: a faithful local Interactly
 * (REST + webhooks + live synthetic calls + faults) running on its own
 * thread. calltop-sim's main() and `calltop --demo` both use this.
 * docs/simulator.md describes the routes, the scenario and every fault.
 *
 * Zero means zero: a memset options struct gives no live calls, no arrivals
 * and no history. Call ct_sim_options_init() for the CLI's defaults
 * (6 live calls, 0.5 arrivals/s, 200 history calls). */
#ifndef CALLTOP_SIM_H
#define CALLTOP_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/err.h"

typedef struct ct_sim_options {
    const char *host;    /* NULL = 127.0.0.1 */
    int port;            /* 0 = ephemeral */
    const char *api_key; /* NULL = "demo-key" */
    uint64_t seed;
    int calls;                  /* concurrent live calls to keep going */
    double rate;                /* new calls per second */
    int history;                /* finished calls to pre-generate */
    const char *webhook_url;    /* NULL = no webhooks */
    const char *webhook_secret; /* sent as X-Calltop-Secret */
    double speed;               /* time multiplier for the scenario; 0 = 1 */
    /* faults (all off by default) */
    int latency_ms;
    double error_rate;           /* 0..1, 500s on any route */
    double rate_limit_rate;      /* 0..1, 429 with Retry-After */
    double malformed_rate;       /* 0..1, truncated / malformed bodies */
    double reset_rate;           /* 0..1, connection resets */
    int drip_ms;                 /* slow drip: delay between body chunks */
    double webhook_dup_rate;     /* 0..1 */
    double webhook_reorder_rate; /* 0..1 */
    /* additions (after the original contract) */
    const char *error_route; /* only paths with this prefix get error_rate 500s; NULL = all */
    bool verbose;            /* request and webhook logs on stderr; lws logs on */
    int64_t start_ms;        /* virtual clock at start, epoch ms; 0 = the real time now */
    int webhook_queue;       /* bound of the webhook queue; 0 = 256 */
    /* behaviours the vendor does not document, each switchable so the
     * client is tested against every one (docs/simulator.md) */
    bool list_oldest_first;  /* sort=startAt/endAt ascending; default newest first */
    int list_window;         /* ct_sim_list_window: which calls a date window matches */
    int max_page_size;       /* a larger `size` gets 422; 0 = 100 */
    bool clamp_page_size;    /* ... or is served at max_page_size, silently */
    bool status_completed;   /* ended calls say status "completed", not "finished" */
    int64_t history_span_ms; /* spread the history evenly over this span before the
                                  * start (10,000 calls in 24 h); 0 = about one per 90 s */
    int rate_limit_from;     /* a 429 storm: requests number from .. from+count-1 */
    int rate_limit_count;    /* (counting every request from 1) get 429, Retry-After: 1 */
} ct_sim_options;

typedef enum ct_sim_list_window {
    CT_SIM_WINDOW_OVERLAP = 0, /* [startAt, endAt] overlaps the window; live calls included */
    CT_SIM_WINDOW_STARTED,     /* startAt in the window (live calls too) */
    CT_SIM_WINDOW_ENDED,       /* endAt in the window: live calls never listed */
} ct_sim_list_window;

/* The defaults calltop-sim's CLI uses: seed 1, 6 live calls, 0.5 new calls
 * per second, 200 finished calls of history, speed 1, no faults. */
void ct_sim_options_init(ct_sim_options *opt);

typedef struct ct_sim ct_sim;
/* Returns once the server is listening (port known), or NULL with err set.
 * The REST server, the scenario clock and the webhook sender then run on
 * their own threads until ct_sim_stop(). */
ct_sim *ct_sim_start(const ct_sim_options *opt, ct_error *err);
int ct_sim_port(const ct_sim *s);
/* "http://127.0.0.1:PORT" (no trailing slash); valid until ct_sim_stop. */
const char *ct_sim_base_url(const ct_sim *s);

typedef struct ct_sim_stats {
    uint64_t requests; /* HTTP requests answered (or reset) */
    uint64_t faults;   /* requests given an injected fault */
    uint64_t calls;    /* calls the engine holds (history included) */
    uint64_t live_calls;
    uint64_t webhooks_queued, webhooks_sent, webhooks_failed, webhooks_dropped;
} ct_sim_stats;
/* Thread-safe snapshot of the counters. */
void ct_sim_get_stats(ct_sim *s, ct_sim_stats *out);

/* Every request answered, in arrival order (tests: who asked when). The
 * first 100,000 are kept. */
typedef struct ct_sim_request_stamp {
    int64_t mono_ms; /* ct_clock_mono_ms() when the request was complete */
    int status;      /* the answer's status; 0 for a reset */
    bool list;       /* GET /calls/v1/conversations */
} ct_sim_request_stamp;
/* Copies up to cap stamps (the oldest first) and returns how many exist. */
size_t ct_sim_request_log(ct_sim *s, ct_sim_request_stamp *out, size_t cap);
/* Stops the server and joins its threads; NULL is fine. */
void ct_sim_stop(ct_sim *s);

#endif
