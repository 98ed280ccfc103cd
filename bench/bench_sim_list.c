/* bench_sim_list.c — List Calls throughput of calltop-sim over loopback.
 *
 * Method: start the simulator in-process (ct_sim_start) with 10,000 stored
 * calls and no live traffic; one libcurl easy handle (keep-alive, so one TCP
 * connection) requests GET /calls/v1/conversations with size=100 cycling
 * through pages 1..10 for a fixed 3 s (after 50 warm-up requests); every
 * response is checked for status 200. Prints requests per second and the
 * p50/p99 latency. Each request filters and sorts all 10,000 calls and
 * encodes 100 of them, so this is the server's cost, not the socket's. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calltop/sim.h"
#include "calltop/lws_log.h"

static size_t sink(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    *(size_t *)u += sz * n;
    return sz * n;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    ct_lws_log_init(CT_LWS_LOG_OFF); /* once per process, as the programs do */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.history = 10000;
    o.calls = 0;
    o.rate = 0;
    double t_start = now_s();
    ct_error err;
    ct_sim *sim = ct_sim_start(&o, &err);
    if (!sim) {
        fprintf(stderr, "bench_sim_list: cannot start the simulator: %s\n", err.detail);
        return 1;
    }
    double t_ready = now_s();
    CURL *h = curl_easy_init();
    struct curl_slist *hdr = curl_slist_append(NULL, "Authorization: Bearer demo-key");
    size_t bytes = 0;
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bytes);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);

    enum { MAXN = 200000 };
    double *lat = malloc(MAXN * sizeof *lat);
    long n = 0, failures = 0;
    double t0 = 0, t_end = 0;
    for (long i = 0; n < MAXN; i++) {
        char url[256];
        snprintf(url, sizeof url,
                 "%s/calls/v1/conversations?startDate=2000-01-01T00:00:00.000Z"
                 "&endDate=2100-01-01T00:00:00.000Z&size=100&page=%ld",
                 ct_sim_base_url(sim), i % 10 + 1);
        curl_easy_setopt(h, CURLOPT_URL, url);
        double a = now_s();
        CURLcode rc = curl_easy_perform(h);
        double b = now_s();
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) failures++;
        if (i == 49) {
            t0 = b;
            bytes = 0;
            continue;
        } /* warm-up done */
        if (i < 50) continue;
        lat[n++] = b - a;
        if (b - t0 >= 3.0) {
            t_end = b;
            break;
        }
    }
    if (t_end == 0) t_end = now_s();
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    double secs = t_end - t0;
    printf("bench_sim_list: 10000 stored calls (start-up incl. generation %.2f s)\n",
           t_ready - t_start);
    printf("bench_sim_list: GET /calls/v1/conversations size=100 pages 1..10, 1 keep-alive libcurl "
           "client, loopback, %.1f s\n",
           secs);
    printf(
        "bench_sim_list: %ld requests, %.0f req/s, %.1f MB/s, p50 %.2f ms, p99 %.2f ms, %ld failures\n",
        n, (double)n / secs, (double)bytes / secs / 1e6, n ? lat[n / 2] * 1e3 : 0.0,
        n ? lat[(size_t)((double)n * 0.99)] * 1e3 : 0.0, failures);
    free(lat);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(h);
    ct_sim_stop(sim);
    curl_global_cleanup();
    return failures ? 1 : 0;
}
