/* server.h — the running simulator (struct ct_sim) shared by sim.c (life
 * cycle, clock) and http.c (the lws server). Private to sim/. */
#ifndef CALLTOP_SIM_SERVER_H
#define CALLTOP_SIM_SERVER_H

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include "calltop/sim.h"
#include "engine.h"
#include "faults.h"
#include "webhooks.h"

struct ct_sim {
    ct_sim_options opt; /* strings below are our own copies */
    char *host, *api_key, *webhook_url, *webhook_secret, *error_route;
    char base_url[96];
    int port;
    double speed;
    int64_t t0;    /* virtual time at start */
    int64_t mono0; /* monotonic ms at start */

    sim_engine *engine;     /* service thread only, after start */
    sim_faults faults;      /* service thread only */
    sim_webhooks *webhooks; /* NULL without --webhook-url */

    struct lws_context *ctx;
    lws_sorted_usec_list_t tick; /* engine clock */
    pthread_t thread;
    atomic_bool stop;

    /* stats, published by the service thread */
    atomic_uint_fast64_t requests, faults_n, calls_n, live_n;
    /* ct_sim_request_log: written by the service thread, read by tests */
    pthread_mutex_t log_lock;
    ct_sim_request_stamp *log;
    size_t n_log, cap_log;
    unsigned char wbuf[LWS_PRE + 16384];
};

int64_t sim_virtual_now(const struct ct_sim *s);
/* Appends one request to the log (service thread). */
void sim_log_request(struct ct_sim *s, int status, bool list);
/* Brings the engine up to now and hands its envelopes to the sender. */
void sim_sync_engine(struct ct_sim *s);

/* http.c */
extern const struct lws_protocols sim_http_protocols[];
void sim_http_arm_tick(struct ct_sim *s);

#endif
