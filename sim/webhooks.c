/* webhooks.c — the webhook sender thread (see webhooks.h).
 *
 * Delivery is at most once: a failed POST is counted, not retried, because
 * the receiver (calltop-relay) must already cope with gaps through its
 * resume/snapshot protocol, and a retry loop here would only make a dead
 * receiver fill the queue faster. After a failure the thread pauses briefly
 * so a dead receiver costs no CPU; meanwhile the queue fills and the oldest
 * envelopes are dropped. */
#include "webhooks.h"
#include "engine.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct sim_webhooks {
    char *url;
    struct curl_slist *headers;
    bool verbose;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_bool stop; /* written under mu; also read lock-free by abort_if_stopping */
    char **q;
    size_t cap, head, n; /* ring buffer */
    sim_webhooks_stats st;
    /* producer-side state (one producer thread, no lock needed) */
    sim_rng rng;
    double dup_rate, reorder_rate;
    char *held;
    int64_t held_at;
};

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

/* libcurl progress callback: a POST to a slow receiver must not hold up
 * ct_sim_stop() for its whole timeout. */
static int abort_if_stopping(void *u, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    sim_webhooks *w = u;
    return atomic_load(&w->stop) ? 1 : 0;
}

static void *sender(void *arg)
{
    sim_webhooks *w = arg;
    CURL *curl = curl_easy_init();
    if (curl) {
        curl_easy_setopt(curl, CURLOPT_URL, w->url);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, w->headers);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(curl, CURLOPT_USERAGENT, "calltop-sim/" CALLTOP_VERSION);
        curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, abort_if_stopping);
        curl_easy_setopt(curl, CURLOPT_XFERINFODATA, w);
        curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    }
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->n == 0) pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop) break;
        char *json = w->q[w->head];
        w->head = (w->head + 1) % w->cap;
        w->n--;
        pthread_mutex_unlock(&w->mu);

        bool ok = false;
        long code = 0;
        if (curl) {
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
            CURLcode rc = curl_easy_perform(curl);
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
            ok = rc == CURLE_OK && code >= 200 && code < 300;
            if (!ok && w->verbose)
                fprintf(stderr, "calltop-sim: webhook POST failed: %s (HTTP %ld)\n",
                        curl_easy_strerror(rc), code);
        }
        free(json);

        pthread_mutex_lock(&w->mu);
        if (ok) {
            w->st.sent++;
        } else {
            w->st.failed++;
            /* Back off 200 ms (woken early by stop). */
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &ts) == 0) {}
        }
    }
    pthread_mutex_unlock(&w->mu);
    if (curl) curl_easy_cleanup(curl);
    return NULL;
}

sim_webhooks *sim_webhooks_start(const char *url, const char *secret, size_t cap, double dup_rate,
                                 double reorder_rate, uint64_t seed, bool verbose)
{
    sim_webhooks *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->cap = cap ? cap : 256;
    w->q = calloc(w->cap, sizeof *w->q);
    w->url = strdup(url);
    w->verbose = verbose;
    w->dup_rate = dup_rate;
    w->reorder_rate = reorder_rate;
    sim_rng_seed(&w->rng, seed ^ 0x5eedf00dULL);
    w->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (w->headers && secret && *secret) {
        size_t n = strlen(secret) + 32;
        char *h = malloc(n);
        if (h) {
            snprintf(h, n, "X-Calltop-Secret: %s", secret);
            struct curl_slist *l = curl_slist_append(w->headers, h);
            /* A failed append leaves the old list intact; sending without the
             * secret would be wrong, so treat it as a start failure. */
            if (l) w->headers = l;
            else {
                curl_slist_free_all(w->headers);
                w->headers = NULL;
            }
            free(h);
        } else {
            curl_slist_free_all(w->headers);
            w->headers = NULL;
        }
    }
    if (!w->q || !w->url || !w->headers) goto fail;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    if (pthread_create(&w->thread, NULL, sender, w) != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        goto fail;
    }
    return w;
fail:
    curl_slist_free_all(w->headers);
    free(w->q);
    free(w->url);
    free(w);
    return NULL;
}

/* Appends one envelope, dropping the oldest when full. Takes `json`. */
static void enqueue(sim_webhooks *w, char *json)
{
    pthread_mutex_lock(&w->mu);
    if (w->n == w->cap) {
        free(w->q[w->head]);
        w->head = (w->head + 1) % w->cap;
        w->n--;
        w->st.dropped++;
    }
    w->q[(w->head + w->n) % w->cap] = json;
    w->n++;
    w->st.queued++;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void sim_webhooks_push(sim_webhooks *w, char *json, int64_t now_ms)
{
    if (!w) {
        free(json);
        return;
    }
    bool dup = w->dup_rate > 0 && sim_rng_unit(&w->rng) < w->dup_rate;
    bool reorder = w->reorder_rate > 0 && sim_rng_unit(&w->rng) < w->reorder_rate;
    char *copy = dup ? strdup(json) : NULL;
    if (reorder && !w->held) {
        /* Hold this one back; it goes out after the next envelope. */
        w->held = json;
        w->held_at = now_ms;
        pthread_mutex_lock(&w->mu);
        w->st.reordered++;
        pthread_mutex_unlock(&w->mu);
    } else {
        enqueue(w, json);
        if (w->held) {
            enqueue(w, w->held);
            w->held = NULL;
        }
    }
    if (copy) {
        enqueue(w, copy);
        pthread_mutex_lock(&w->mu);
        w->st.duplicated++;
        pthread_mutex_unlock(&w->mu);
    }
}

void sim_webhooks_tick(sim_webhooks *w, int64_t now_ms)
{
    if (w && w->held && now_ms - w->held_at >= 500) {
        enqueue(w, w->held);
        w->held = NULL;
    }
}

void sim_webhooks_get_stats(sim_webhooks *w, sim_webhooks_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    *out = w->st;
    pthread_mutex_unlock(&w->mu);
}

void sim_webhooks_stop(sim_webhooks *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    for (size_t i = 0; i < w->n; i++) free(w->q[(w->head + i) % w->cap]);
    free(w->held);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    curl_slist_free_all(w->headers);
    free(w->q);
    free(w->url);
    free(w);
}
