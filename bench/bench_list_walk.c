/* bench_list_walk.c — time to the full call list over a slow link: the
 * fetcher's List Calls walk against an in-process calltop-sim answering
 * every request 150 ms late (--latency-ms 150, a real network's round
 * trip), with 1,000 and 10,000 finished calls spread over the last 24 h
 * (--history-span 24h). The old walk (list-parallel = 1: one page after
 * another) and the new one (list-parallel = 4, the default; and 8) run side
 * by side in one process, on the same simulator, with the board's window
 * (the last 24 h) and the API's largest page (100).
 *
 * Each figure is the median of REPS walks, each on a fresh fetcher (a new
 * connection pool, as a starting board has). Goal (issue 11): <= 2.5 s at
 * 10,000 calls. BENCH_LIST_REPS=N overrides the repetitions.
 *
 * The simulator also keeps 20 calls live (the steady state; its
 * clock nearly frozen, so they stay live through every walk), and
 * the last figure of each size is the hot window a polling board re-reads
 * often: [oldest unsettled call's start - 1 min, now] (ct_list_hot_start),
 * its time, calls, requests and bytes next to the full window's. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/api.h"
#include "calltop/clock.h"
#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/sim.h"

#define LATENCY_MS 150
#define DAY_MS     (24LL * 3600 * 1000)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One walk of [start, now] on a fresh fetcher: seconds to CALLS_LISTED (-1
 * on failure), the calls it gave (moved to *keep when given), the requests
 * it made and the bytes it received. */
static double walk_from(const char *base, int parallel, ct_time_ms start, size_t *n_calls,
                        uint64_t *transfers, uint64_t *bytes, ct_call_list *keep)
{
    ct_error err;
    ct_error_clear(&err);
    ct_inbox *in = ct_inbox_new();
    ct_fetcher_options fo = {
        .base_url = base, .api_key = "demo-key", .max_retries = -1, .list_parallel = parallel};
    ct_fetcher *f = in ? ct_fetcher_start(&fo, in, &err) : NULL;
    if (!f) {
        fprintf(stderr, "bench_list_walk: %s\n", err.detail);
        ct_inbox_free(in);
        return -1;
    }
    ct_time_ms now = ct_clock_wall_ms();
    int64_t t0 = ct_clock_mono_ms();
    uint64_t id = ct_fetch_list_calls(f, start ? start : now - DAY_MS, now, false, &err);
    double secs = -1;
    while (id) {
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        if (poll(&p, 1, 120000) <= 0) break;
        ct_event *ev = ct_inbox_drain(in), *next;
        for (; ev; ev = next) {
            next = ev->next;
            if (ev->request_id == id) {
                if (ev->type == CT_EV_CALLS_LISTED) {
                    secs = (double)(ct_clock_mono_ms() - t0) / 1000.0;
                    *n_calls = ev->calls.n_calls;
                    if (keep) {
                        ct_call_list_clear(keep);
                        *keep = ev->calls;
                        memset(&ev->calls, 0, sizeof ev->calls);
                    }
                } else {
                    fprintf(stderr, "bench_list_walk: %s\n", ev->error.detail);
                }
                id = 0;
            }
            ct_event_free(ev);
        }
    }
    ct_fetcher_stats st;
    ct_fetcher_get_stats(f, &st);
    *transfers = st.transfers;
    *bytes = st.bytes_received;
    ct_fetcher_stop(f);
    ct_inbox_free(in);
    return secs;
}

int main(void)
{
    int reps = getenv("BENCH_LIST_REPS") ? atoi(getenv("BENCH_LIST_REPS")) : 3;
    if (reps < 1 || reps > 50) reps = 3;
    static const int sizes[] = {1000, 10000};
    static const int parallels[] = {1, 4, 8};
    printf("List Calls walk over a %d ms link: median of %d walks, window = last 24 h, "
           "page size 100\n",
           LATENCY_MS, reps);
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        ct_sim_options so;
        ct_sim_options_init(&so);
        so.seed = 1;
        so.calls = 20;
        so.rate = 0;
        so.speed = 0.01; /* nearly frozen: the 20 stay live through every walk */
        so.history = sizes[si];
        so.history_span_ms = DAY_MS - 3600 * 1000; /* all inside the window */
        so.latency_ms = LATENCY_MS;
        ct_error err;
        ct_sim *sim = ct_sim_start(&so, &err);
        if (!sim) {
            fprintf(stderr, "bench_list_walk: sim: %s\n", err.detail);
            return 1;
        }
        ct_call_list full = {0};
        uint64_t full_bytes = 0;
        for (size_t pi = 0; pi < sizeof parallels / sizeof parallels[0]; pi++) {
            double t[50];
            size_t n = 0;
            uint64_t transfers = 0, bytes = 0;
            int ok = 0;
            for (int r = 0; r < reps; r++) {
                double s = walk_from(ct_sim_base_url(sim), parallels[pi], 0, &n, &transfers, &bytes,
                                     &full);
                if (s >= 0) t[ok++] = s;
            }
            full_bytes = bytes;
            if (!ok) {
                printf("list_walk.%d.parallel_%d: FAILED\n", sizes[si], parallels[pi]);
                continue;
            }
            qsort(t, (size_t)ok, sizeof t[0], cmp_double);
            double med = t[ok / 2];
            const char *verdict = sizes[si] == 10000
                ? (med <= 2.5 ? "  ok (goal <= 2.5 s)" : "  MISSES TARGET (<= 2.5 s)")
                : "";
            printf("list_walk.%d.parallel_%d%s: %.2f s (min %.2f, max %.2f), %zu calls, "
                   "%llu requests, %.0f KB%s\n",
                   sizes[si], parallels[pi],
                   parallels[pi] == 1       ? " (old walk)"
                       : parallels[pi] == 4 ? " (default)"
                                            : "",
                   med, t[0], t[ok - 1], n, (unsigned long long)transfers, (double)bytes / 1024.0,
                   verdict);
            fflush(stdout);
        }
        /* the hot window, from the last full list */
        ct_time_ms now = ct_clock_wall_ms();
        ct_time_ms hot = ct_list_hot_start(full.calls, full.n_calls, now, 2 * 60 * 1000, 60 * 1000);
        size_t n = 0;
        uint64_t transfers = 0, bytes = 0;
        double s = walk_from(ct_sim_base_url(sim), 4, hot, &n, &transfers, &bytes, NULL);
        printf("list_walk.%d.hot_window: %.2f s, %zu calls (from %lld s ago), %llu request(s), "
               "%.1f KB (the full window: %.0f KB)\n",
               sizes[si], s, n, (long long)((now - hot) / 1000), (unsigned long long)transfers,
               (double)bytes / 1024.0, (double)full_bytes / 1024.0);
        fflush(stdout);
        ct_call_list_clear(&full);
        ct_sim_stop(sim);
    }
    return 0;
}
