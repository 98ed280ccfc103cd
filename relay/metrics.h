/* metrics.h — GET /metrics for calltop-relay: the Prometheus text format
 * (version 0.0.4) rendered from a plain snapshot of the relay's counters,
 * gauges and its webhook->frame latency histogram.
 *
 * Rendering is pure (a struct in, text out) so it is tested without a
 * server; server.c fills the struct on its service thread and answers. */
#ifndef CALLTOP_RELAY_METRICS_H
#define CALLTOP_RELAY_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltop/relay.h"

/* Upper bounds (seconds) of the latency buckets; +Inf is implicit. */
#define CT_LATENCY_BUCKETS 12
extern const double ct_latency_bounds_s[CT_LATENCY_BUCKETS];

/* Time from a webhook's request reaching the relay to its event frame being
 * written to one client's socket: one observation per client per event. */
typedef struct ct_latency_hist {
    uint64_t bucket[CT_LATENCY_BUCKETS + 1]; /* per bucket, not cumulative; last = +Inf */
    uint64_t count;
    double sum_s;
} ct_latency_hist;

void ct_latency_observe(ct_latency_hist *h, double seconds);

typedef struct ct_relay_metrics {
    ct_relay_stats stats; /* counters and the calls / clients gauges */
    size_t ring_events, ring_capacity, ring_bytes;
    size_t queued_frames, queued_bytes; /* over every client's send queue */
    size_t snapshot_bytes;              /* the cached snapshot frame, 0 when none */
    long rss_bytes;                     /* resident set of the process; -1 unknown */
    int64_t start_time_s;               /* Unix time the relay started */
    ct_latency_hist latency;
    bool has_log; /* --redis: render the log's series too */
} ct_relay_metrics;

/* The exposition text; caller frees. NULL on OOM. */
char *ct_relay_metrics_render(const ct_relay_metrics *m, size_t *len);

/* Monotonic microseconds, for latency stamps. */
int64_t ct_metrics_now_us(void);
/* Resident set size from /proc/self/statm; -1 when unreadable. */
long ct_metrics_rss_bytes(void);

#endif
