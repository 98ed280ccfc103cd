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
#include <stdint.h>
#include "calltop/err.h"

typedef struct ct_sim_options {
    const char *host;            /* NULL = 127.0.0.1 */
    int port;                    /* 0 = ephemeral */
    const char *api_key;         /* NULL = "demo-key" */
    uint64_t seed;
    int calls;                   /* concurrent live calls to keep going */
    double rate;                 /* new calls per second */
    int history;                 /* finished calls to pre-generate */
    const char *webhook_url;     /* NULL = no webhooks */
    const char *webhook_secret;  /* sent as X-Calltop-Secret */
    double speed;                /* time multiplier for the scenario; 0 = 1 */
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
    const char *error_route;     /* only paths with this prefix get error_rate 500s; NULL = all */
    bool verbose;                /* request and webhook logs on stderr; lws logs on */
    int64_t start_ms;            /* virtual clock at start, epoch ms; 0 = the real time now */
    int webhook_queue;           /* bound of the webhook queue; 0 = 256 */
} ct_sim_options;

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
    uint64_t requests;           /* HTTP requests answered (or reset) */
    uint64_t faults;             /* requests given an injected fault */
    uint64_t calls;              /* calls the engine holds (history included) */
    uint64_t live_calls;
    uint64_t webhooks_queued, webhooks_sent, webhooks_failed, webhooks_dropped;
} ct_sim_stats;
/* Thread-safe snapshot of the counters. */
void ct_sim_get_stats(ct_sim *s, ct_sim_stats *out);
/* Stops the server and joins its threads; NULL is fine. */
void ct_sim_stop(ct_sim *s);

#endif
