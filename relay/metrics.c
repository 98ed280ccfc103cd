/* metrics.c — Prometheus text exposition for calltop-relay (see metrics.h).
 *
 * Names follow Prometheus conventions: a calltop_relay_ prefix, base units
 * (seconds, bytes), _total on counters, one HELP and one TYPE line per
 * family, label values from a fixed set (nothing from the network ends up
 * in a label, so no escaping is needed and cardinality is bounded). */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltop/protocol.h"

const double ct_latency_bounds_s[CT_LATENCY_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};

void ct_latency_observe(ct_latency_hist *h, double seconds)
{
    if (seconds < 0) seconds = 0;
    size_t i = 0;
    while (i < CT_LATENCY_BUCKETS && seconds > ct_latency_bounds_s[i]) i++;
    h->bucket[i]++;
    h->count++;
    h->sum_s += seconds;
}

int64_t ct_metrics_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

long ct_metrics_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    long size = 0, resident = -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return resident >= 0 && page > 0 ? resident * page : -1;
}

typedef struct out {
    char *p;
    size_t len, cap;
    bool failed;
} out;

static void put(out *o, const char *fmt, ...)
{
    if (o->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->p ? o->p + o->len : NULL, o->p ? o->cap - o->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            o->failed = true;
            return;
        }
        if (o->p && o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap ? o->cap * 2 : 4096;
        while (cap < o->len + (size_t)n + 1) cap *= 2;
        char *np = realloc(o->p, cap);
        if (!np) {
            o->failed = true;
            return;
        }
        o->p = np;
        o->cap = cap;
    }
}

static void family(out *o, const char *name, const char *type, const char *help)
{
    put(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void single(out *o, const char *name, const char *type, const char *help, uint64_t v)
{
    family(o, name, type, help);
    put(o, "%s %llu\n", name, (unsigned long long)v);
}

char *ct_relay_metrics_render(const ct_relay_metrics *m, size_t *len)
{
    const ct_relay_stats *s = &m->stats;
    out o = {0};
    family(&o, "calltop_relay_info", "gauge", "Version and protocol of this relay (always 1).");
    put(&o, "calltop_relay_info{version=\"%s\",protocol=\"%d\"} 1\n", CALLTOP_VERSION,
        CT_PROTOCOL_VERSION);
    family(&o, "calltop_relay_start_time_seconds", "gauge", "Unix time the relay started.");
    put(&o, "calltop_relay_start_time_seconds %lld\n", (long long)m->start_time_s);

    family(&o, "calltop_relay_webhooks_total", "counter",
           "Webhooks received, by result (ok includes duplicates).");
    put(&o, "calltop_relay_webhooks_total{result=\"ok\"} %llu\n",
        (unsigned long long)s->webhooks_ok);
    put(&o, "calltop_relay_webhooks_total{result=\"bad\"} %llu\n",
        (unsigned long long)s->webhooks_bad);
    put(&o, "calltop_relay_webhooks_total{result=\"unauthorized\"} %llu\n",
        (unsigned long long)s->webhooks_unauthorized);
    put(&o, "calltop_relay_webhooks_total{result=\"too_big\"} %llu\n",
        (unsigned long long)s->webhooks_too_big);
    single(&o, "calltop_relay_webhook_duplicates_total", "counter",
           "Accepted webhooks that changed nothing (no event).", s->duplicates);
    single(&o, "calltop_relay_events_total", "counter", "Events produced and fanned out.",
           s->events);
    single(&o, "calltop_relay_calls", "gauge", "Calls held in the relay's state.", s->calls);
    single(&o, "calltop_relay_calls_expired_total", "counter", "Finished calls forgotten.",
           s->expired);

    single(&o, "calltop_relay_clients", "gauge", "Monitor clients connected now.", s->clients);
    single(&o, "calltop_relay_clients_total", "counter", "Monitor connections accepted.",
           s->clients_total);
    single(&o, "calltop_relay_clients_rejected_total", "counter",
           "Monitor handshakes refused (bad token or path).", s->clients_rejected);
    family(&o, "calltop_relay_clients_dropped_total", "counter",
           "Monitor clients closed by the relay, by reason.");
    put(&o, "calltop_relay_clients_dropped_total{reason=\"slow\"} %llu\n",
        (unsigned long long)s->clients_slow);
    put(&o, "calltop_relay_clients_dropped_total{reason=\"timeout\"} %llu\n",
        (unsigned long long)s->clients_timeout);
    single(&o, "calltop_relay_snapshots_total", "counter", "Snapshots sent to clients.",
           s->snapshots);
    single(&o, "calltop_relay_replays_total", "counter", "Hellos answered from the replay ring.",
           s->replays);
    single(&o, "calltop_relay_bad_messages_total", "counter", "Undecodable client frames.",
           s->bad_messages);

    single(&o, "calltop_relay_ring_events", "gauge", "Events held in the replay ring.",
           m->ring_events);
    single(&o, "calltop_relay_ring_capacity_events", "gauge", "Capacity of the replay ring.",
           m->ring_capacity);
    single(&o, "calltop_relay_ring_bytes", "gauge", "Bytes of the frames in the replay ring.",
           m->ring_bytes);
    single(&o, "calltop_relay_client_queue_frames", "gauge",
           "Frames waiting in every client's send queue.", m->queued_frames);
    single(&o, "calltop_relay_client_queue_bytes", "gauge",
           "Bytes waiting in every client's send queue (frames shared with the ring count "
           "in both).",
           m->queued_bytes);
    single(&o, "calltop_relay_snapshot_bytes", "gauge", "Bytes of the cached snapshot frame.",
           m->snapshot_bytes);
    if (m->has_log) {
        single(&o, "calltop_relay_log_live", "gauge",
               "1 while the relay reads its Redis log to the end and can append to it; 0 while "
               "its boards are told the events may not be current.",
               s->log_live ? 1 : 0);
        single(&o, "calltop_relay_log_status_changes_total", "counter",
               "Changes of calltop_relay_log_live, each told to protocol 3 boards.",
               s->log_status_changes);
        single(&o, "calltop_relay_log_entries_total", "counter", "Log entries applied.",
               s->log_entries);
        single(&o, "calltop_relay_webhooks_unlogged_total", "counter",
               "Webhooks answered 503 because Redis did not take them.", s->webhooks_unlogged);
    }
    if (m->rss_bytes >= 0)
        single(&o, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
               (uint64_t)m->rss_bytes);

    const char *h = "calltop_relay_webhook_to_frame_seconds";
    family(&o, h, "histogram",
           "From a webhook reaching the relay to its event frame written "
           "to a client socket, one observation per client.");
    uint64_t cum = 0;
    for (size_t i = 0; i < CT_LATENCY_BUCKETS; i++) {
        cum += m->latency.bucket[i];
        put(&o, "%s_bucket{le=\"%g\"} %llu\n", h, ct_latency_bounds_s[i], (unsigned long long)cum);
    }
    cum += m->latency.bucket[CT_LATENCY_BUCKETS];
    put(&o, "%s_bucket{le=\"+Inf\"} %llu\n", h, (unsigned long long)cum);
    put(&o, "%s_sum %.9f\n", h, m->latency.sum_s);
    put(&o, "%s_count %llu\n", h, (unsigned long long)m->latency.count);

    if (o.failed) {
        free(o.p);
        return NULL;
    }
    if (len) *len = o.len;
    return o.p;
}
