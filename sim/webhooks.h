/* webhooks.h — calltop-sim's webhook sender: a bounded queue drained by one
 * thread that POSTs each envelope with libcurl. The engine side never
 * blocks: when the queue is full the oldest envelope is dropped and counted.
 * Duplicates and reordering (the --webhook-dup-rate / --webhook-reorder-rate
 * faults) are applied as envelopes are queued. */
#ifndef CALLTOP_SIM_WEBHOOKS_H
#define CALLTOP_SIM_WEBHOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_webhooks sim_webhooks;

typedef struct sim_webhooks_stats {
    uint64_t queued;  /* envelopes accepted into the queue (duplicates included) */
    uint64_t sent;    /* POSTs answered 2xx */
    uint64_t failed;  /* POSTs that failed or got a non-2xx answer (not retried) */
    uint64_t dropped; /* dropped because the queue was full */
    uint64_t duplicated, reordered;
} sim_webhooks_stats;

/* Starts the sender thread. `cap` bounds the queue (0 = 256). */
sim_webhooks *sim_webhooks_start(const char *url, const char *secret, size_t cap, double dup_rate,
                                 double reorder_rate, uint64_t seed, bool verbose);
/* Queues an envelope, taking ownership of `json`. `now_ms` is a monotonic
 * clock used to release a held-back (reordered) envelope. Producer side:
 * one thread only. */
void sim_webhooks_push(sim_webhooks *w, char *json, int64_t now_ms);
/* Releases a held-back envelope older than 500 ms (call periodically). */
void sim_webhooks_tick(sim_webhooks *w, int64_t now_ms);
void sim_webhooks_get_stats(sim_webhooks *w, sim_webhooks_stats *out);
/* Stops the thread after the POST in flight; undelivered envelopes are freed. */
void sim_webhooks_stop(sim_webhooks *w);

#endif
