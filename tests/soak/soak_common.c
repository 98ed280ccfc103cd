/* soak_common.c — the soak tests' shared parts (soak_common.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "helper_http.h"
#include "helper_procs.h"
#include "soak_common.h"

int64_t mono_ms(void)
{
    return hp_now_ms();
}

int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
    hp_nap(ms);
}

long env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end;
    long n = v && *v ? strtol(v, &end, 10) : dflt;
    return v && *v && *end == '\0' && n > 0 ? n : dflt;
}

/* ---- the forwarder: an at-least-once webhook sender in front of the relays --- */

/* Reads one HTTP/1.1 request (headers + Content-Length body) from fd into
 * buf (which may already hold `*have` bytes from the previous request);
 * returns the body (malloc'd) or NULL on EOF/stop/error. Answers
 * "Expect: 100-continue" so libcurl sends the body at once. */
static char *http_read_request(forwarder *fw, int fd, char *buf, size_t cap, size_t *have)
{
    size_t hdr_end = 0;
    long clen = -1;
    bool sent_continue = false;
    char *body = NULL;
    for (;;) {
        if (!hdr_end) {
            char *e = memmem(buf, *have, "\r\n\r\n", 4);
            if (e) {
                hdr_end = (size_t)(e - buf) + 4;
                for (char *l = buf; l && l < buf + hdr_end;
                     l = memchr(l, '\n', (size_t)(buf + hdr_end - l))) {
                    if (*l == '\n') l++;
                    if (strncasecmp(l, "Content-Length:", 15) == 0) clen = strtol(l + 15, NULL, 10);
                    if (strncasecmp(l, "Expect: 100-continue", 20) == 0 && !sent_continue) {
                        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                        if (write(fd, cont, sizeof cont - 1) < 0) return NULL;
                        sent_continue = true;
                    }
                }
                if (clen < 0) return NULL; /* the sim always sends a length */
            }
        }
        if (hdr_end && *have >= hdr_end + (size_t)clen) {
            body = malloc((size_t)clen + 1);
            memcpy(body, buf + hdr_end, (size_t)clen);
            body[clen] = '\0';
            size_t used = hdr_end + (size_t)clen;
            memmove(buf, buf + used, *have - used);
            *have -= used;
            return body;
        }
        if (*have == cap) return NULL; /* bigger than any sim webhook */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int pr = poll(&p, 1, 50);
        if (atomic_load(&fw->stop)) return NULL;
        if (pr <= 0) continue;
        ssize_t r = read(fd, buf + *have, cap - *have);
        if (r <= 0) return NULL;
        *have += (size_t)r;
    }
}

static void *fwd_rx(void *arg)
{
    forwarder *fw = arg;
    size_t cap = 4u << 20;
    char *buf = malloc(cap);
    while (!atomic_load(&fw->stop)) {
        struct pollfd p = {.fd = fw->lfd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(fw->lfd, NULL, NULL);
        if (fd < 0) continue;
        size_t have = 0;
        char *body;
        while ((body = http_read_request(fw, fd, buf, cap, &have)) != NULL) {
            fwd_item *it = malloc(sizeof *it);
            it->body = body;
            it->next = NULL;
            pthread_mutex_lock(&fw->mu);
            if (fw->tail) fw->tail->next = it;
            else fw->head = it;
            fw->tail = it;
            fw->queued++;
            fw->received++;
            pthread_cond_signal(&fw->cv);
            pthread_mutex_unlock(&fw->mu);
            static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n"
                                     "Content-Type: application/json\r\n\r\n{\"ok\":true}";
            if (write(fd, ok, sizeof ok - 1) < 0) break;
        }
        close(fd);
    }
    free(buf);
    return NULL;
}

static size_t discard(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

static void *fwd_tx(void *arg)
{
    forwarder *fw = arg;
    CURL *curl = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "X-Calltop-Secret: " SOAK_SECRET);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    uint64_t next_relay = 0; /* round robin over the relays */
    pthread_mutex_lock(&fw->mu);
    while (!atomic_load(&fw->stop)) {
        if (!fw->head) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 50 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&fw->cv, &fw->mu, &ts);
            continue;
        }
        fwd_item *it = fw->head;
        fw->head = it->next;
        if (!fw->head) fw->tail = NULL;
        fw->queued--;
        fw->busy = true;
        pthread_mutex_unlock(&fw->mu);

        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, it->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(it->body));
        size_t first = next_relay++ % fw->n_relays, at = first;
        bool ok = false;
        uint64_t tries = 0;
        while (!ok && !atomic_load(&fw->stop)) {
            char url[96];
            snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", fw->relay_ports[at]);
            curl_easy_setopt(curl, CURLOPT_URL, url);
            long code = 0;
            CURLcode rc = curl_easy_perform(curl);
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
            ok = rc == CURLE_OK && code >= 200 && code < 300;
            /* A restart shows as a refused or cut connection; a 4xx is the
             * relay judging the webhook itself, which retrying would hide:
             * counted (the test requires none) and not retried. */
            if (rc == CURLE_OK && code >= 400 && code < 500) {
                pthread_mutex_lock(&fw->mu);
                fw->rejected++;
                pthread_mutex_unlock(&fw->mu);
                break;
            }
            if (!ok) {
                /* The next relay at once; a pause only when all failed it,
                 * so one dead relay of three does not slow the others. */
                tries++;
                at = (at + 1) % fw->n_relays;
                if (tries % fw->n_relays == 0) sleep_ms(10);
            }
        }
        free(it->body);
        free(it);
        pthread_mutex_lock(&fw->mu);
        fw->busy = false;
        fw->retries += tries;
        fw->delivered += ok;
        if (ok) {
            fw->delivered_to[at]++;
            fw->moved += at != first;
        }
    }
    pthread_mutex_unlock(&fw->mu);
    curl_slist_free_all(h);
    curl_easy_cleanup(curl);
    return NULL;
}

forwarder *fwd_start(const int *relay_ports, size_t n_relays)
{
    assert_true(n_relays >= 1 && n_relays <= FWD_MAX_RELAYS);
    forwarder *fw = calloc(1, sizeof *fw);
    memcpy(fw->relay_ports, relay_ports, n_relays * sizeof *relay_ports);
    fw->n_relays = n_relays;
    pthread_mutex_init(&fw->mu, NULL);
    pthread_cond_init(&fw->cv, NULL);
    fw->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fw->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fw->lfd, 16), 0);
    socklen_t al = sizeof a;
    getsockname(fw->lfd, (struct sockaddr *)&a, &al);
    fw->port = ntohs(a.sin_port);
    pthread_create(&fw->rx, NULL, fwd_rx, fw);
    pthread_create(&fw->tx, NULL, fwd_tx, fw);
    return fw;
}

/* True when nothing is queued or in flight. */
bool fwd_idle(forwarder *fw, uint64_t *received)
{
    pthread_mutex_lock(&fw->mu);
    bool idle = !fw->head && !fw->busy;
    *received = fw->received;
    pthread_mutex_unlock(&fw->mu);
    return idle;
}

void fwd_stop(forwarder *fw)
{
    atomic_store(&fw->stop, true);
    pthread_mutex_lock(&fw->mu);
    pthread_cond_broadcast(&fw->cv);
    pthread_mutex_unlock(&fw->mu);
    pthread_join(fw->rx, NULL);
    pthread_join(fw->tx, NULL);
    close(fw->lfd);
    for (fwd_item *it = fw->head, *n; it; it = n) {
        n = it->next;
        free(it->body);
        free(it);
    }
    pthread_mutex_destroy(&fw->mu);
    pthread_cond_destroy(&fw->cv);
    free(fw);
}

/* ---- the truth: one simulator round ------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

void idset_add(idset *s, const char *id)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->h = realloc(s->h, s->cap * sizeof *s->h);
    }
    s->h[s->n++] = fnv1a(id);
}

void idset_sort(idset *s)
{
    qsort(s->h, s->n, sizeof *s->h, cmp_u64);
}

/* Compares one call of the store with the simulator's answer. */
static void check_call(const ct_store *store, const char *base, const char *id, totals *t)
{
    char url[512];
    snprintf(url, sizeof url, "%s/calls/v1/conversations/%s", base, id);
    th_response r;
    th_get(url, "demo-key", &r);
    if (r.status != 200) fail_msg("sim GET %s: HTTP %ld (curl %d)", id, r.status, r.curl_code);
    ct_call truth;
    ct_error err;
    if (ct_call_decode(r.body, r.body_len, &truth, &err) != CT_OK)
        fail_msg("sim answer for %s: %s", id, err.detail);
    th_response_free(&r);

    const ct_call_entry *e = ct_store_get(store, id);
    if (!e)
        fail_msg("%s: in the simulator (%s/%s, start %lld end %lld, %zu lines), not in the "
                 "store (%zu calls, %zu evicted)",
                 id, ct_status_name(truth.status), ct_phone_status_name(truth.phone_status),
                 (long long)truth.start_at, (long long)truth.end_at, truth.n_messages,
                 ct_store_count(store), ct_store_evicted(store));
    if (e->call.status != truth.status)
        fail_msg("%s: status %s, sim says %s", id, ct_status_name(e->call.status),
                 ct_status_name(truth.status));
    if (e->call.phone_status != truth.phone_status)
        fail_msg("%s: phone status %s, sim says %s", id, ct_phone_status_name(e->call.phone_status),
                 ct_phone_status_name(truth.phone_status));
    size_t n = truth.n_messages;
    if (e->call.n_messages != n)
        fail_msg("%s: %zu transcript lines in the store, sim has %zu", id, e->call.n_messages, n);
    char **a = calloc(n + 1, sizeof *a), **b = calloc(n + 1, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = e->call.messages[i].message_id;
        b[i] = truth.messages[i].message_id;
    }
    qsort(a, n, sizeof *a, cmp_str);
    qsort(b, n, sizeof *b, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(a[i], a[i - 1]) == 0)
            fail_msg("%s: line %s twice in the store", id, a[i]);
        if (strcmp(a[i], b[i]) != 0)
            fail_msg("%s: store line %s where the sim has %s", id, a[i], b[i]);
    }
    free(a);
    free(b);
    t->calls++;
    t->lines += n;
    ct_call_clear(&truth);
}

/* Lists every call of a finished round (List Calls, pages of 100, over a
 * window wide enough for the fast virtual clock) and checks each. */
size_t check_round(const ct_store *store, ct_sim *sim, int64_t t0, idset *ids, totals *t)
{
    const char *base = ct_sim_base_url(sim);
    size_t n = 0;
    for (int page = 1; page < 100; page++) {
        char url[512];
        snprintf(url, sizeof url,
                 "%s/calls/v1/conversations?startDate=0&endDate=4102444800000"
                 "&size=100&page=%d",
                 base, page);
        th_response r;
        th_get(url, "demo-key", &r);
        if (r.status != 200)
            fail_msg("sim list page %d: HTTP %ld (curl %d)", page, r.status, r.curl_code);
        ct_call_list l;
        ct_error err;
        if (ct_call_list_decode(r.body, r.body_len, &l, &err) != CT_OK)
            fail_msg("sim list: %s", err.detail);
        th_response_free(&r);
        assert_int_equal(l.n_skipped, 0);
        for (size_t i = 0; i < l.n_calls; i++) {
            n++;
            /* A warm-started call short enough to end before the round
             * began (a busy line, say) never sent a webhook: nobody but
             * the REST API knows it, rightly. */
            if (l.calls[i].end_at && l.calls[i].end_at <= t0) {
                t->pre_ended++;
                continue;
            }
            check_call(store, base, l.calls[i].id, t);
            idset_add(ids, l.calls[i].id);
        }
        size_t got = l.n_calls;
        ct_call_list_clear(&l);
        if (got < 100) break;
    }
    return n;
}

typedef struct stray_walk {
    const idset *ids;
    size_t strays;
} stray_walk;

static bool stray_one(const ct_call_entry *e, void *ud)
{
    stray_walk *w = ud;
    uint64_t h = fnv1a(e->call.id);
    if (!bsearch(&h, w->ids->h, w->ids->n, sizeof h, cmp_u64)) {
        print_error("store holds %s, which no round made\n", e->call.id);
        w->strays++;
    }
    return true;
}

size_t count_strays(const ct_store *s, const idset *ids)
{
    stray_walk w = {ids, 0};
    ct_store_foreach(s, stray_one, &w);
    return w.strays;
}

/* *t0 is where the round's virtual clock starts: after every virtual time
 * the previous round reached, so a newer round's calls always end later
 * than an older round's (the store's cap evicts the oldest end first). */
ct_sim *start_round(int round, const char *hook, int64_t *t0)
{
    ct_sim_options so;
    memset(&so, 0, sizeof so);
    so.host = "127.0.0.1";
    so.seed = 1000 + (uint64_t)round;
    so.calls = ROUND_CALLS; /* warm-started, mid-conversation */
    so.rate = 0;            /* no arrivals: the round ends by itself */
    so.history = 0;
    if (*t0 < wall_ms()) *t0 = wall_ms();
    so.start_ms = *t0;
    so.speed = ROUND_SPEED;
    so.webhook_url = hook;
    so.webhook_secret = SOAK_SECRET;
    so.webhook_dup_rate = 0.2;
    so.webhook_reorder_rate = 0.2;
    so.webhook_queue = 16384;
    ct_error err;
    ct_sim *sim = ct_sim_start(&so, &err);
    if (!sim) fail_msg("sim round %d: %s", round, err.detail);
    return sim;
}
