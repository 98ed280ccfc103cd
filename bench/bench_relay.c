/* bench_relay.c — calltop-relay's latency and fan-out, over loopback.
 *
 * Method (printed with the figures):
 *  - latency: one monitor client; the bench POSTs a webhook (libcurl,
 *    keep-alive) that changes one field of one call, then blocks until the
 *    resulting event frame arrives on the client's socket. Time from just
 *    before the POST to the frame fully read; p50/p99 over N sequential
 *    webhooks (so no queueing: this is the per-event path cost).
 *  - fan-out: K raw WebSocket clients (one thread, poll()) say hello; a
 *    second thread POSTs N webhooks as fast as one keep-alive connection
 *    goes; the figure is the time from the first POST to the last of the
 *    N x K event frames read, as events/s in and frames/s out.
 * The relay runs in-process on its own thread (as in calltop --demo); the
 * clients and the poster share the machine's other core(s), so the figures
 * are a floor, not a ceiling. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "calltop/relay.h"
#include "calltop/lws_log.h"

#define SECRET "bench-secret"
#define TOKEN  "bench-token"

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- raw WebSocket clients ------------------------------------------------- */

typedef struct client {
    int fd;
    char in[65536];
    size_t len;
    long events; /* event frames received */
} client;

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("bench_relay: connect");
        exit(1);
    }
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t n = strlen(text);
    unsigned char f[256];
    f[0] = 0x81;
    f[1] = 0x80 | (unsigned char)n; /* short frames only */
    memset(f + 2, 0, 4);            /* zero mask: payload goes as is */
    memcpy(f + 6, text, n);
    if (write(fd, f, 6 + n) != (ssize_t)(6 + n)) exit(1);
}

/* Parses whole frames out of c->in; counts event frames. */
static void consume(client *c)
{
    for (;;) {
        unsigned char *b = (unsigned char *)c->in;
        if (c->len < 2) return;
        size_t len = b[1] & 0x7f, h = 2;
        if (len == 126) {
            if (c->len < 4) return;
            len = ((size_t)b[2] << 8) | b[3];
            h = 4;
        } else if (len == 127) {
            if (c->len < 10) return;
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
            h = 10;
        }
        if (c->len < h + len) {
            if (h + len > sizeof c->in) {
                fprintf(stderr, "bench_relay: frame too big for the bench client\n");
                exit(1);
            }
            return;
        }
        if ((b[0] & 0x0f) == 1 && len > 16 &&
            memmem(c->in + h, len < 40 ? len : 40, "\"type\":\"event\"", 14))
            c->events++;
        memmove(c->in, c->in + h + len, c->len - h - len);
        c->len -= h + len;
    }
}

static bool pump(client *c)
{
    ssize_t n = read(c->fd, c->in + c->len, sizeof c->in - c->len);
    if (n <= 0) return false;
    c->len += (size_t)n;
    consume(c);
    return true;
}

static void client_open(client *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = tcp_connect(port);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /monitor HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " TOKEN "\r\n\r\n");
    if (write(c->fd, req, (size_t)n) != n) exit(1);
    char *end;
    while (!(end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
        ssize_t r = read(c->fd, c->in + c->len, sizeof c->in - c->len);
        if (r <= 0) {
            fprintf(stderr, "bench_relay: handshake failed\n");
            exit(1);
        }
        c->len += (size_t)r;
    }
    if (strncmp(c->in, "HTTP/1.1 101", 12) != 0) {
        fprintf(stderr, "bench_relay: handshake refused\n");
        exit(1);
    }
    size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->len - used);
    c->len -= used;
    send_text(c->fd, "{\"type\":\"hello\",\"protocol\":1}");
}

/* ---- webhooks ----------------------------------------------------------------- */

typedef struct poster {
    CURL *curl;
    struct curl_slist *hdr;
    char url[128];
    long seq;
} poster;

static size_t discard(char *d, size_t s, size_t n, void *ud)
{
    return s * n;
}

static void poster_init(poster *p, int port)
{
    memset(p, 0, sizeof *p);
    p->curl = curl_easy_init();
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d/webhook", port);
    p->hdr = curl_slist_append(NULL, "X-Calltop-Secret: " SECRET);
    p->hdr = curl_slist_append(p->hdr, "Content-Type: application/json");
    curl_easy_setopt(p->curl, CURLOPT_URL, p->url);
    curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->hdr);
    curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(p->curl, CURLOPT_TCP_NODELAY, 1L);
}

/* One webhook that changes the call (a new reason each time): one event. */
static void poster_send(poster *p)
{
    char body[384];
    p->seq++;
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%ld,\"call\":{"
             "\"id\":\"CC-bench\",\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\","
             "\"phoneCallStatusReason\":\"tick %ld\"}}}",
             1764151200000L + p->seq, p->seq);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
    long status = 0;
    if (curl_easy_perform(p->curl) != CURLE_OK ||
        (curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &status), status != 200)) {
        fprintf(stderr, "bench_relay: webhook failed (%ld)\n", status);
        exit(1);
    }
}

static void poster_free(poster *p)
{
    curl_slist_free_all(p->hdr);
    curl_easy_cleanup(p->curl);
}

static ct_relay *relay_up(void)
{
    /* Every client connects from 127.0.0.1: lift the per-address cap (a
     * defence against one attacking address) above the 1,000 clients. */
    ct_relay_options o = {.host = "127.0.0.1",
                          .webhook_secret = SECRET,
                          .client_token = TOKEN,
                          .heartbeat_ms = 60000,
                          .max_connections = 4096,
                          .max_connections_per_peer = 2048};
    ct_error err;
    ct_relay *r = ct_relay_start(&o, &err);
    if (!r) {
        fprintf(stderr, "bench_relay: %s\n", err.detail);
        exit(1);
    }
    return r;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- latency --------------------------------------------------------------------- */

static void bench_latency(int n)
{
    ct_relay *r = relay_up();
    int port = ct_relay_port(r);
    client c;
    client_open(&c, port);
    poster p;
    poster_init(&p, port);
    int64_t *lat = malloc((size_t)n * sizeof *lat);
    for (int i = -50; i < n; i++) { /* 50 warm-up rounds */
        long want = c.events + 1;
        int64_t t0 = now_us();
        poster_send(&p);
        while (c.events < want)
            if (!pump(&c)) {
                fprintf(stderr, "bench_relay: client closed\n");
                exit(1);
            }
        if (i >= 0) lat[i] = now_us() - t0;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
    printf("latency  webhook POST -> event frame read, 1 client, %d sequential webhooks:\n"
           "         p50 %lld us   p99 %lld us   max %lld us\n",
           n, (long long)lat[n / 2], (long long)lat[(size_t)n * 99 / 100], (long long)lat[n - 1]);
    free(lat);
    poster_free(&p);
    close(c.fd);
    ct_relay_stop(r);
}

/* ---- fan-out ------------------------------------------------------------------------ */

typedef struct fan_job {
    int port, n;
    int64_t t_first, t_last;
} fan_job;

static void *post_many(void *arg)
{
    fan_job *j = arg;
    poster p;
    poster_init(&p, j->port);
    j->t_first = now_us();
    for (int i = 0; i < j->n; i++) poster_send(&p);
    j->t_last = now_us();
    poster_free(&p);
    return NULL;
}

static void bench_fanout(int k, int n)
{
    ct_relay *r = relay_up();
    int port = ct_relay_port(r);
    client *cs = calloc((size_t)k, sizeof *cs);
    struct pollfd *pf = calloc((size_t)k, sizeof *pf);
    for (int i = 0; i < k; i++) {
        client_open(&cs[i], port);
        pf[i] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
    }
    /* every client has had its welcome + snapshot once the relay counts them
     * all and a round of reads finds nothing more */
    ct_relay_stats st;
    do {
        ct_relay_get_stats(r, &st);
        for (int i = 0; i < k; i++)
            if (poll(&pf[i], 1, 0) > 0) pump(&cs[i]);
    } while (st.clients < (size_t)k);
    for (int i = 0; i < k; i++) cs[i].events = 0;

    fan_job job = {.port = port, .n = n};
    pthread_t th;
    int64_t t0 = now_us();
    pthread_create(&th, NULL, post_many, &job);
    long long total = 0, want = (long long)k * n;
    int64_t deadline = t0 + 60 * 1000000LL;
    while (total < want && now_us() < deadline) {
        if (poll(pf, (nfds_t)k, 100) <= 0) continue;
        total = 0;
        for (int i = 0; i < k; i++) {
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
                if (!pump(&cs[i])) pf[i].fd = -1;
            total += cs[i].events;
        }
    }
    int64_t t1 = now_us();
    pthread_join(th, NULL);
    ct_relay_get_stats(r, &st);
    double secs = (double)(t1 - t0) / 1e6;
    printf("fan-out  %4d client%s x %d events: %.3f s  -> %8.0f events/s in, %9.0f frames/s out"
           "%s (slow-dropped %llu)\n",
           k, k == 1 ? " " : "s", n, secs, n / secs, (double)total / secs,
           total < want ? " INCOMPLETE" : "", (unsigned long long)st.clients_slow);
    for (int i = 0; i < k; i++) close(cs[i].fd);
    free(cs);
    free(pf);
    ct_relay_stop(r);
}

int main(void)
{
    ct_lws_log_init(CT_LWS_LOG_OFF); /* once per process, as the programs do */
    /* 1,000 clients need ~2,000 descriptors in this one process (both ends). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    printf("bench_relay: calltop-relay in-process on 127.0.0.1, raw WebSocket clients, "
           "libcurl keep-alive poster\n");
    bench_latency(2000);
    bench_fanout(1, 5000);
    bench_fanout(100, 1000);
    bench_fanout(1000, 200);
    curl_global_cleanup();
    return 0;
}
