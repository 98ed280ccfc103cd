/* test_relay_hardening.c — calltop-relay tried as an attacker would, over
 * real loopback sockets (issue 12). Each test is bounded in count and time.
 *
 * Covers: binding exactly the --listen address (refused from 127.0.0.2 and
 * ::1), integers written as integers (seqs ending in 0), invalid UTF-8
 * repaired on intake and counted, binary / unmasked client frames refused,
 * chunked webhooks answered at once, HTTP/1.1 401 + WWW-Authenticate vs 404
 * on the upgrade, an escaped event log, expiry by the relay's own clock,
 * failed-auth throttling per address, SIGHUP-style log reopen and the
 * connection caps with a whole-request deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "calltop/protocol.h"
#include "calltop/relay.h"
#include "calltop/sanitize.h"
#include "calltop/sim.h"
#include "helper_http.h"

#define SECRET "wh-secret-123"
#define TOKEN  "relay-token-456"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ct_relay *start_relay_on(ct_relay_options *o, const char *host)
{
    o->host = host;
    o->webhook_secret = SECRET;
    o->client_token = TOKEN;
    ct_error err;
    ct_error_clear(&err);
    ct_relay *r = ct_relay_start(o, &err);
    if (!r) fail_msg("relay: %s", err.detail);
    return r;
}

static ct_relay *start_relay(ct_relay_options *o)
{
    return start_relay_on(o, "127.0.0.1");
}

/* ---- raw sockets ------------------------------------------------------------ */

/* A TCP connection to 127.0.0.1:port from source address `src` (NULL: any),
 * or -1 with errno set. */
static int connect_from(const char *src, const char *dst, int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (src) {
        struct sockaddr_in s = {.sin_family = AF_INET};
        inet_pton(AF_INET, src, &s.sin_addr);
        assert_int_equal(bind(fd, (struct sockaddr *)&s, sizeof s), 0);
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, dst, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static int connect6(const char *dst, int port)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    inet_pton(AF_INET6, dst, &a.sin6_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    assert_int_equal(write(fd, p, n), (ssize_t)n);
}

/* Reads until the peer closes, `cap` bytes, or timeout; NUL-terminates.
 * Returns the bytes read. */
static size_t read_until_close(int fd, char *out, size_t cap, int timeout_ms)
{
    size_t n = 0;
    int64_t end = now_ms() + timeout_ms;
    while (n + 1 < cap) {
        int left = (int)(end - now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0) break;
        ssize_t got = read(fd, out + n, cap - 1 - n);
        if (got <= 0) break;
        n += (size_t)got;
    }
    out[n] = 0;
    return n;
}

/* One raw HTTP exchange ("Connection: close" expected in req); returns the
 * status (0 if none) and copies the whole response into out. */
static int raw_http_from(const char *src, int port, const char *req, char *out, size_t cap,
                         int timeout_ms)
{
    int fd = connect_from(src, "127.0.0.1", port);
    assert_true(fd >= 0);
    send_all(fd, req, strlen(req));
    read_until_close(fd, out, cap, timeout_ms);
    close(fd);
    int status = 0;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) status = 0;
    return status;
}

static int raw_http(int port, const char *req, char *out, size_t cap, int timeout_ms)
{
    return raw_http_from(NULL, port, req, out, cap, timeout_ms);
}

/* A POST /webhook with this secret from source address src. */
static int post_from(const char *src, int port, const char *secret)
{
    const char *body = "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"t\"}}}";
    char req[512], resp[1024];
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Calltop-Secret: %s\r\n"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             secret, strlen(body), body);
    return raw_http_from(src, port, req, resp, sizeof resp, 3000);
}

static long post_webhook(int port, const char *json)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    const char *h[] = {"X-Calltop-Secret: " SECRET, "Content-Type: application/json",
                       "Expect:", NULL};
    th_response r;
    th_request("POST", url, h, json, &r);
    long st = r.status;
    th_response_free(&r);
    return st;
}

static cJSON *healthz(int port)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_response r;
    th_get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(j);
    th_response_free(&r);
    return j;
}

static double counter(cJSON *h, const char *name)
{
    cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(h, "counters"), name);
    if (!v) fail_msg("no counter %s in /healthz", name);
    return v->valuedouble;
}

/* ---- a minimal WebSocket client --------------------------------------------- */

typedef struct wsc {
    int fd;
    int status;
    char head[2048]; /* the handshake answer, headers and any body */
    char in[1 << 20];
    size_t in_len;
} wsc;

static void ws_open(wsc *c, int port, const char *path, const char *token)
{
    memset(c, 0, sizeof *c);
    c->fd = connect_from(NULL, "127.0.0.1", port);
    assert_true(c->fd >= 0);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                     path, port, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "");
    send_all(c->fd, req, (size_t)n);
    int64_t end = now_ms() + 3000;
    char *eoh = NULL;
    while (!(eoh = memmem(c->in, c->in_len, "\r\n\r\n", 4)) && now_ms() < end) {
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0) continue;
        ssize_t got = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (got <= 0) break;
        c->in_len += (size_t)got;
    }
    assert_non_null(eoh);
    assert_true(sscanf(c->in, "HTTP/%*d.%*d %d", &c->status) == 1);
    size_t used = (size_t)(eoh + 4 - c->in);
    if (c->status != 101) {
        /* Keep the whole refusal (headers and body) for the asserts. */
        read_until_close(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 1000);
        size_t k = strnlen(c->in, sizeof c->head - 1);
        memcpy(c->head, c->in, k);
        c->head[k] = 0;
        c->in_len = 0;
        return;
    }
    snprintf(c->head, sizeof c->head, "%.*s", (int)used, c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
}

/* Sends one frame with this first byte (FIN + opcode), masked or not. */
static void ws_send_raw(wsc *c, unsigned char b0, bool masked, const char *p, size_t len)
{
    unsigned char *out = malloc(len + 14);
    size_t h = 0;
    out[h++] = b0;
    unsigned char m = masked ? 0x80 : 0;
    if (len < 126) {
        out[h++] = m | (unsigned char)len;
    } else {
        out[h++] = m | 126;
        out[h++] = (unsigned char)(len >> 8);
        out[h++] = (unsigned char)len;
    }
    unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    if (masked) {
        memcpy(out + h, mask, 4);
        h += 4;
    }
    for (size_t i = 0; i < len; i++) out[h + i] = (unsigned char)p[i] ^ (masked ? mask[i % 4] : 0);
    send_all(c->fd, out, h + len);
    free(out);
}

static void ws_send(wsc *c, const char *text)
{
    ws_send_raw(c, 0x81, true, text, strlen(text));
}

/* Next frame: its opcode and a malloc'd payload, or -1 on timeout/EOF. */
static int ws_recv(wsc *c, char **payload, size_t *plen, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        if (c->in_len >= 2) {
            unsigned char *b = (unsigned char *)c->in;
            size_t len = b[1] & 0x7f, h = 2;
            if (len == 126 && c->in_len >= 4) {
                len = ((size_t)b[2] << 8) | b[3];
                h = 4;
            } else if (len == 127 && c->in_len >= 10) {
                len = 0;
                for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
                h = 10;
            } else if (len >= 126) {
                h = 0;
            }
            if (h && c->in_len >= h + len) {
                int op = b[0] & 0x0f;
                *payload = malloc(len + 1);
                memcpy(*payload, c->in + h, len);
                (*payload)[len] = 0;
                *plen = len;
                memmove(c->in, c->in + h + len, c->in_len - h - len);
                c->in_len -= h + len;
                return op;
            }
        }
        int left = (int)(deadline - now_ms());
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (left <= 0 || c->in_len == sizeof c->in || poll(&p, 1, left) <= 0) return -1;
        ssize_t got = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (got <= 0) return -1;
        c->in_len += (size_t)got;
    }
}

/* The next text frame that is not a ping, as raw text (malloc'd). */
static char *ws_text(wsc *c, int timeout_ms)
{
    for (;;) {
        char *p = NULL;
        size_t n = 0;
        int op = ws_recv(c, &p, &n, timeout_ms);
        if (op != 1) fail_msg("expected a text frame, got opcode %d", op);
        if (!strstr(p, "\"type\":\"ping\"")) return p;
        free(p);
    }
}

/* Reads until a close frame; returns its code (-1: none in time). */
static int ws_expect_close(wsc *c, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    for (;;) {
        char *p = NULL;
        size_t n = 0;
        int left = (int)(end - now_ms());
        if (left <= 0) return -1;
        int op = ws_recv(c, &p, &n, left);
        if (op < 0) return -1;
        if (op == 8) {
            int code = n >= 2 ? ((unsigned char)p[0] << 8) | (unsigned char)p[1] : 0;
            free(p);
            return code;
        }
        free(p);
    }
}

static void ws_close_fd(wsc *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

/* hello -> welcome (+ snapshot); returns the snapshot text (malloc'd). */
static char *ws_hello_snapshot(wsc *c)
{
    ws_send(c, "{\"type\":\"hello\",\"protocol\":1}");
    char *w = ws_text(c, 3000);
    assert_non_null(strstr(w, "\"welcome\""));
    free(w);
    return ws_text(c, 3000);
}

/* ---- 1: bind exactly the --listen address --------------------------------------- */

static void test_binds_only_the_listen_address(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    int fd = connect_from(NULL, "127.0.0.1", port);
    assert_true(fd >= 0);
    close(fd);
    /* another loopback address, and IPv6 loopback: nobody listens there */
    fd = connect_from(NULL, "127.0.0.2", port);
    assert_int_equal(fd, -1);
    assert_int_equal(errno, ECONNREFUSED);
    fd = connect6("::1", port);
    assert_int_equal(fd, -1);
    ct_relay_stop(r);

    /* the simulator (calltop --demo runs both on 127.0.0.1) binds exactly too */
    ct_sim_options so = {.host = "127.0.0.1", .history = 0, .calls = 0};
    ct_error err;
    ct_sim *sim = ct_sim_start(&so, &err);
    if (!sim) fail_msg("sim: %s", err.detail);
    port = ct_sim_port(sim);
    fd = connect_from(NULL, "127.0.0.1", port);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(connect_from(NULL, "127.0.0.2", port), -1);
    assert_int_equal(connect6("::1", port), -1);
    ct_sim_stop(sim);

    /* an IPv6 literal: only ::1 answers (skipped where IPv6 is off) */
    int probe = socket(AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool have_v6 = probe >= 0 && bind(probe, (struct sockaddr *)&a, sizeof a) == 0;
    if (probe >= 0) close(probe);
    if (!have_v6) return;
    memset(&o, 0, sizeof o);
    r = start_relay_on(&o, "::1");
    port = ct_relay_port(r);
    fd = connect6("::1", port);
    assert_true(fd >= 0);
    close(fd);
    fd = connect_from(NULL, "127.0.0.1", port);
    assert_int_equal(fd, -1);
    ct_relay_stop(r);
}

/* ---- 6: integers as integers ------------------------------------------------------ */

static void test_integers_written_as_integers(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    assert_int_equal(c.status, 101);
    free(ws_hello_snapshot(&c));
    /* Post until a seq ends in 0 (at most 10 webhooks): cJSON would print
     * such a 16-digit seq as 1.7...e+15. */
    bool saw_zero = false;
    for (int i = 0; i < 12 && !saw_zero; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"message\":{\"type\":\"status-update\",\"timestamp\":1764151200000,"
                 "\"call\":{\"id\":\"int-%d\",\"status\":\"ongoing\"}}}",
                 i);
        assert_int_equal(post_webhook(port, body), 200);
        char *t = ws_text(&c, 3000);
        assert_null(strstr(t, "e+"));
        char *s = strstr(t, "\"seq\":");
        assert_non_null(s);
        unsigned long long seq = 0;
        int used = 0;
        assert_int_equal(sscanf(s + 6, "%llu%n", &seq, &used), 1);
        assert_true(s[6 + used] == ',' || s[6 + used] == '}');
        saw_zero = seq % 10 == 0;
        assert_non_null(strstr(t, "\"ts\":1764151200000"));
        free(t);
    }
    assert_true(saw_zero);
    /* /healthz too */
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_response h;
    th_get(url, NULL, &h);
    assert_int_equal(h.status, 200);
    assert_null(strstr(h.body, "e+"));
    th_response_free(&h);
    ws_close_fd(&c);
    ct_relay_stop(r);
}

/* ---- 4: UTF-8 repaired on intake; binary and unmasked frames refused ---------- */

static bool valid_utf8(const char *t)
{
    size_t repairs = 0;
    char *fixed = ct_utf8_repair(t, strlen(t), NULL, &repairs);
    free(fixed);
    return repairs == 0;
}

static void test_invalid_utf8_repaired(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    free(ws_hello_snapshot(&c));
    /* a lone continuation byte, a truncated sequence and a surrogate */
    const char *bad =
        "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":1,"
        "\"call\":{\"id\":\"u\xff"
        "8\",\"status\":\"ongoing\"},\"messages\":["
        "{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"caf\xc3 \x80 \xed\xa0\x80!\","
        "\"timestamp\":2}]}}";
    assert_int_equal(post_webhook(port, bad), 200);
    char *e = ws_text(&c, 3000);
    assert_true(valid_utf8(e));
    assert_non_null(strstr(e,
                           "u\xEF\xBF\xBD"
                           "8"));
    /* one U+FFFD per maximal invalid subpart: ED A0 80 is three */
    assert_non_null(strstr(e,
                           "caf\xEF\xBF\xBD \xEF\xBF\xBD "
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD!"));
    free(e);
    /* the snapshot a new client gets is valid too */
    wsc d;
    ws_open(&d, port, "/monitor", TOKEN);
    char *snap = ws_hello_snapshot(&d);
    assert_non_null(strstr(snap, "\"snapshot\""));
    assert_true(valid_utf8(snap));
    free(snap);
    cJSON *h = healthz(port);
    assert_int_equal((int)counter(h, "utf8Repaired"), 1);
    cJSON_Delete(h);
    ws_close_fd(&c);
    ws_close_fd(&d);
    ct_relay_stop(r);
}

static void test_binary_and_unmasked_frames_refused(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    free(ws_hello_snapshot(&c));
    const char *hello = "{\"type\":\"hello\",\"protocol\":1}";
    ws_send_raw(&c, 0x82, true, hello, strlen(hello));
    assert_int_equal(ws_expect_close(&c, 3000), 1003);
    ws_close_fd(&c);
    /* a client must mask (RFC 6455 5.1): the server closes with 1002 */
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send_raw(&c, 0x81, false, hello, strlen(hello));
    int code = ws_expect_close(&c, 3000);
    assert_true(code == 1002 || code == -1);
    /* either way nothing was answered and the connection is gone */
    char buf[64];
    assert_int_equal(read_until_close(c.fd, buf, sizeof buf, 1000), 0);
    ws_close_fd(&c);
    cJSON *h = healthz(port);
    assert_int_equal((int)counter(h, "framesRefused"), 1);
    cJSON_Delete(h);
    ct_relay_stop(r);
}

/* ---- 3: chunked webhooks answered at once, never silence ------------------------- */

static void test_chunked_webhook_answered_at_once(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    char req[512], resp[2048];
    /* The body is never sent: the answer must not wait for it. */
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Calltop-Secret: " SECRET
             "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
             port);
    int64_t t0 = now_ms();
    assert_int_equal(raw_http(port, req, resp, sizeof resp, 3000), 411);
    assert_true(now_ms() - t0 < 1500);
    assert_non_null(strstr(resp, "Content-Length"));
    /* with the body sent too, the same answer (and nothing applied) */
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Calltop-Secret: " SECRET
             "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n0\r\n\r\n",
             port);
    assert_int_equal(raw_http(port, req, resp, sizeof resp, 3000), 411);
    /* a wrong secret is still a 401, at once */
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Calltop-Secret: nope"
             "\r\nTransfer-Encoding: chunked\r\n\r\n",
             port);
    assert_int_equal(raw_http(port, req, resp, sizeof resp, 3000), 401);
    cJSON *h = healthz(port);
    assert_int_equal((int)counter(h, "webhooksLengthRequired"), 2);
    assert_int_equal((int)counter(h, "webhooksOk"), 0);
    cJSON_Delete(h);
    /* and the relay still takes normal webhooks */
    assert_int_equal(post_webhook(port,
                                  "{\"message\":{\"type\":\"status-update\","
                                  "\"call\":{\"id\":\"k\",\"status\":\"ongoing\"}}}"),
                     200);
    ct_relay_stop(r);
}

/* ---- 8: HTTP answers on the upgrade ------------------------------------------------ */

static void test_upgrade_refusals_are_http11_401_and_404(void **state)
{
    (void)state;
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    const char *bad_tokens[] = {"wrong-token", NULL};
    for (int i = 0; i < 2; i++) {
        ws_open(&c, port, "/monitor", bad_tokens[i]);
        assert_int_equal(c.status, 401);
        assert_true(strncmp(c.head, "HTTP/1.1 401", 12) == 0);
        assert_non_null(strcasestr(c.head, "\r\nWWW-Authenticate: Bearer"));
        assert_non_null(strstr(c.head, "application/json"));
        assert_non_null(
            strstr(c.head, "{\"ok\":false,\"error\":\"wrong or missing relay token\"}"));
        assert_null(strstr(c.head, "error.css"));
        ws_close_fd(&c);
    }
    /* any other path: 404, with or without the right token */
    const char *paths[] = {"/", "/monitor/", "/elsewhere"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        ws_open(&c, port, paths[i], TOKEN);
        assert_int_equal(c.status, 404);
        assert_true(strncmp(c.head, "HTTP/1.1 404", 12) == 0);
        assert_null(strcasestr(c.head, "WWW-Authenticate"));
        assert_non_null(strstr(c.head, "/monitor"));
        ws_close_fd(&c);
        ws_open(&c, port, paths[i], NULL);
        assert_int_equal(c.status, 404);
        ws_close_fd(&c);
    }
    /* the right path and token still upgrade */
    ws_open(&c, port, "/monitor", TOKEN);
    assert_int_equal(c.status, 101);
    free(ws_hello_snapshot(&c));
    ws_close_fd(&c);
    ct_relay_stop(r);
}

/* ---- 9: the event log cannot be forged ------------------------------------------------ */

static void test_event_log_fields_escaped(void **state)
{
    (void)state;
    char path[] = "/tmp/ct-relay-evlog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ct_relay_options o = {.event_log_path = path};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    /* \u escapes decode to real newline / ESC bytes in the call id and status */
    const char *evil = "{\"message\":{\"type\":\"status-update\",\"timestamp\":1,"
                       "\"call\":{\"id\":\"x\\n2026-01-01T00:00:00Z seq=1 kind=hang call=forged"
                       "\\u001b[31m\",\"status\":\"ongoing\\r\\u001b]0;t\\u0007\"}}}";
    assert_int_equal(post_webhook(port, evil), 200);
    ct_relay_stop(r);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[4096];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    unlink(path);
    text[n] = 0;
    /* one line, no raw control byte, the payload visible but escaped */
    assert_true(n > 0 && text[n - 1] == '\n');
    assert_null(memchr(text, '\n', n - 1));
    for (size_t i = 0; i + 1 < n; i++)
        assert_true((unsigned char)text[i] >= 0x20 && text[i] != 0x7f);
    assert_non_null(strstr(text, "call=x\\x0A2026"));
    assert_non_null(strstr(text, "\\x1B[31m"));
    assert_null(strstr(text, " call=forged"));
    assert_non_null(strstr(text, "\\x3D")); /* '=' cannot start a fake key */
}

/* ---- 11 / issue 10.4: a merged change that cannot be framed is not lost ------------ */

static void test_frame_failure_forces_resync(void **state)
{
    (void)state;
    ct_relay_options o = {.test_fail_frames = 1};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":1}");
    char *w = ws_text(&c, 3000);
    ct_pmsg wm;
    ct_error err;
    assert_int_equal(ct_pmsg_decode(w, strlen(w), &wm, &err), CT_OK);
    free(w);
    free(ws_text(&c, 3000)); /* the (empty) snapshot */
    /* this change merges, then its frame "fails": the client is told to resync */
    assert_int_equal(post_webhook(port,
                                  "{\"message\":{\"type\":\"status-update\","
                                  "\"timestamp\":5,\"call\":{\"id\":\"lost?\","
                                  "\"status\":\"ongoing\"}}}"),
                     200);
    assert_int_equal(ws_expect_close(&c, 3000), 1011);
    ws_close_fd(&c);
    /* resuming from where it was cannot replay across the hole: a snapshot
     * that holds the change */
    ws_open(&c, port, "/monitor", TOKEN);
    char hello[256];
    snprintf(hello, sizeof hello,
             "{\"type\":\"hello\",\"protocol\":1,\"lastSeq\":%llu,"
             "\"stream\":\"%s\"}",
             (unsigned long long)wm.seq, wm.stream);
    ws_send(&c, hello);
    w = ws_text(&c, 3000);
    assert_non_null(strstr(w, "\"mode\":\"snapshot\""));
    free(w);
    char *snap = ws_text(&c, 3000);
    assert_non_null(strstr(snap, "\"id\":\"lost?\""));
    free(snap);
    /* later changes flow as events again */
    assert_int_equal(post_webhook(port,
                                  "{\"message\":{\"type\":\"status-update\","
                                  "\"timestamp\":6,\"call\":{\"id\":\"lost?\","
                                  "\"status\":\"finished\"}}}"),
                     200);
    char *e = ws_text(&c, 3000);
    assert_non_null(strstr(e, "\"event\""));
    free(e);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.resyncs_forced, 1);
    ct_pmsg_clear(&wm);
    ws_close_fd(&c);
    ct_relay_stop(r);
}

/* ---- 10: failed authentication throttled per address ------------------------------ */

static void test_failed_auth_throttled_per_address(void **state)
{
    (void)state;
    ct_relay_options o = {.auth_fail_limit = 5, .auth_fail_window_ms = 1500};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    /* five guesses are answered 401; after that the address gets 429 for
     * anything, the right secret included, without it being checked */
    for (int i = 0; i < 5; i++) assert_int_equal(post_from("127.0.0.3", port, "guess"), 401);
    int64_t t0 = now_ms();
    for (int i = 0; i < 20; i++) assert_int_equal(post_from("127.0.0.3", port, "guess"), 429);
    assert_int_equal(post_from("127.0.0.3", port, SECRET), 429);
    /* answered at once (no sleep on the relay's side; generous for ASan
     * on a loaded machine): throttling costs the relay nothing */
    assert_true(now_ms() - t0 < 5000);
    /* relay tokens from the same address: 429 as well */
    char resp[1024];
    char req[512];
    snprintf(req, sizeof req,
             "GET /monitor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "Authorization: Bearer " TOKEN "\r\n\r\n");
    assert_int_equal(raw_http_from("127.0.0.3", port, req, resp, sizeof resp, 3000), 429);
    assert_non_null(strstr(resp, "Retry-After:"));
    /* a correct client elsewhere is not slowed or refused */
    t0 = now_ms();
    for (int i = 0; i < 20; i++) assert_int_equal(post_from("127.0.0.4", port, SECRET), 200);
    assert_true(now_ms() - t0 < 5000);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    assert_int_equal(c.status, 101);
    ws_close_fd(&c);
    cJSON *h = healthz(port);
    assert_int_equal((int)counter(h, "authThrottled"), 22);
    assert_int_equal((int)counter(h, "webhooksUnauthorized"), 5);
    cJSON_Delete(h);
    /* quiet for a window: the address may try again */
    usleep(1700 * 1000);
    assert_int_equal(post_from("127.0.0.3", port, SECRET), 200);
    ct_relay_stop(r);
}

/* ---- 2: slow bodies cannot exhaust the relay ------------------------------------------ */

/* Opens n connections from src that send headers and one body byte of a
 * large declared webhook, then stall. Returns how many connected. */
static int slow_bodies(const char *src, int port, int *fds, int n)
{
    int opened = 0;
    for (int i = 0; i < n; i++) {
        fds[i] = connect_from(src, "127.0.0.1", port);
        if (fds[i] < 0) continue;
        opened++;
        char req[256];
        int len = snprintf(req, sizeof req,
                           "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Calltop-Secret: " SECRET
                           "\r\nContent-Length: 100000\r\n\r\n{");
        /* a refused connection may already be closed: ignore EPIPE */
        if (write(fds[i], req, (size_t)len) < 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
    return opened;
}

/* How many of fds the relay has closed (EOF or reset) within timeout_ms. */
static int count_closed(int *fds, int n, int timeout_ms)
{
    int closed = 0;
    int64_t end = now_ms() + timeout_ms;
    for (int i = 0; i < n; i++) {
        if (fds[i] < 0) {
            closed++;
            continue;
        }
        /* A cut request may be answered first (e.g. 408 or 503) and then
         * closed: read past any answer to the end of the stream. */
        for (;;) {
            char b[512];
            int left = (int)(end - now_ms());
            struct pollfd pf = {.fd = fds[i], .events = POLLIN};
            if (poll(&pf, 1, left > 0 ? left : 0) <= 0)
                break; /* still open when the time ran out */
            if (read(fds[i], b, sizeof b) <= 0) {
                closed++;
                break;
            }
        }
    }
    return closed;
}

static void close_all(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0) close(fds[i]);
}

static void test_slow_bodies_capped_and_cut(void **state)
{
    (void)state;
    ct_relay_options o = {
        .max_connections = 80, .max_connections_per_peer = 30, .request_deadline_ms = 1500};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    /* a live monitor client from before the attack */
    wsc live;
    ws_open(&live, port, "/monitor", TOKEN);
    assert_int_equal(live.status, 101);
    free(ws_hello_snapshot(&live));

    enum { N = 150 };
    static int fds[N], more[3][40];
    int64_t t0 = now_ms();
    slow_bodies("127.0.0.5", port, fds, N);
    /* one source gets 30 at most: the rest are hung up on at once */
    usleep(300 * 1000);
    cJSON *h = healthz(port);
    assert_true(counter(h, "connectionsRefused") >= N - 30);
    cJSON_Delete(h);
    /* many sources together reach the total cap: the oldest unfinished
     * requests make room, and /healthz and real webhooks still get in */
    for (int k = 0; k < 3; k++) {
        char src[16];
        snprintf(src, sizeof src, "127.0.0.%d", 6 + k);
        slow_bodies(src, port, more[k], 30);
    }
    for (int i = 0; i < 5; i++) {
        int64_t a = now_ms();
        h = healthz(port);
        cJSON_Delete(h);
        assert_true(now_ms() - a < 3000);
        assert_int_equal(post_webhook(port,
                                      "{\"message\":{\"type\":\"status-update\","
                                      "\"call\":{\"id\":\"during\",\"status\":\"ongoing\"}}}"),
                         200);
    }
    /* the live client kept its connection and got the event */
    char *e = ws_text(&live, 3000);
    assert_non_null(strstr(e, "\"id\":\"during\""));
    free(e);
    /* every stalled request is cut by the deadline (1.5 s here; not kept
     * alive by its trickle) well before lws's own 10 s timeout would act */
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < 30; i++)
            if (more[k][i] >= 0 && write(more[k][i], " ", 1) < 0) {
                close(more[k][i]);
                more[k][i] = -1;
            }
    assert_int_equal(count_closed(fds, N, 6000), N);
    for (int k = 0; k < 3; k++) assert_int_equal(count_closed(more[k], 30, 6000), 30);
    int64_t took = now_ms() - t0;
    print_message("slow bodies: %d + 90 stalled requests all closed after %lld ms\n", N,
                  (long long)took);
    assert_true(took < 15000);
    h = healthz(port);
    assert_true(counter(h, "requestsTimedOut") + counter(h, "requestsEvicted") >= 30);
    assert_int_equal((int)cJSON_GetObjectItem(h, "clients")->valuedouble, 1);
    cJSON_Delete(h);
    close_all(fds, N);
    for (int k = 0; k < 3; k++) close_all(more[k], 30);
    ws_close_fd(&live);
    ct_relay_stop(r);
}

/* ---- 5: snapshots in bounded parts (protocol 2), protocol 1 still served -------------- */

static void post_call_with_line(int port, int i, size_t pad)
{
    char *filler = malloc(pad + 1);
    memset(filler, 'y', pad);
    filler[pad] = 0;
    size_t cap = pad + 512;
    char *body = malloc(cap);
    snprintf(body, cap,
             "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":%d,"
             "\"call\":{\"id\":\"P-%03d\",\"status\":\"finished\"},\"messages\":["
             "{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"%s\",\"timestamp\":%d}]}}",
             1000 + i, i, filler, 1000 + i);
    assert_int_equal(post_webhook(port, body), 200);
    free(body);
    free(filler);
}

static void test_snapshot_in_parts(void **state)
{
    (void)state;
    ct_relay_options o = {.snapshot_part_bytes = 8192};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    for (int i = 0; i < 40; i++) post_call_with_line(port, i, 1000);
    /* protocol 2: several parts, each within the bound (plus at most one call) */
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":2}");
    char *w = ws_text(&c, 3000);
    assert_non_null(strstr(w, "\"protocol\":2"));
    free(w);
    size_t calls = 0, parts = 0;
    uint64_t seq = 0;
    for (bool last = false; !last && parts < 100; parts++) {
        char *t = ws_text(&c, 3000);
        assert_true(strlen(t) <= 8192 + 1200);
        ct_pmsg m;
        ct_error err;
        assert_int_equal(ct_pmsg_decode(t, strlen(t), &m, &err), CT_OK);
        assert_int_equal(m.type, CT_PM_SNAPSHOT);
        assert_int_equal(m.part, parts);
        if (parts == 0) seq = m.seq;
        assert_int_equal(m.seq, seq);
        calls += m.calls.n_calls;
        last = m.last;
        ct_pmsg_clear(&m);
        free(t);
    }
    assert_true(parts >= 4);
    assert_int_equal(calls, 40);
    ws_close_fd(&c);
    /* protocol 1: the one frame it always had */
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":1}");
    w = ws_text(&c, 3000);
    assert_non_null(strstr(w, "\"protocol\":1"));
    free(w);
    char *t = ws_text(&c, 3000);
    assert_null(strstr(t, "\"part\""));
    ct_pmsg m;
    ct_error err;
    assert_int_equal(ct_pmsg_decode(t, strlen(t), &m, &err), CT_OK);
    assert_int_equal(m.calls.n_calls, 40);
    assert_true(m.last);
    ct_pmsg_clear(&m);
    free(t);
    ws_close_fd(&c);
    /* a protocol 1 client whose one-frame snapshot is over its limit is
     * told so, once, instead of being sent a frame it will refuse */
    ct_relay_stop(r);
    memset(&o, 0, sizeof o);
    o.v1_snapshot_max_bytes = 16384;
    r = start_relay(&o);
    port = ct_relay_port(r);
    for (int i = 0; i < 40; i++) post_call_with_line(port, i, 1000);
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":1}");
    free(ws_text(&c, 3000)); /* welcome */
    t = ws_text(&c, 3000);
    assert_non_null(strstr(t, "\"code\":\"snapshot-too-large\""));
    assert_non_null(strstr(t, "upgrade calltop"));
    free(t);
    assert_int_equal(ws_expect_close(&c, 3000), 1009);
    ws_close_fd(&c);
    /* protocol 2 on the same relay: fine, in parts */
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":2}");
    free(ws_text(&c, 3000));
    t = ws_text(&c, 3000);
    assert_non_null(strstr(t, "\"part\":0"));
    free(t);
    ws_close_fd(&c);
    /* an empty relay: one empty last part */
    ct_relay_stop(r);
    memset(&o, 0, sizeof o);
    r = start_relay(&o);
    port = ct_relay_port(r);
    ws_open(&c, port, "/monitor", TOKEN);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":2}");
    free(ws_text(&c, 3000));
    t = ws_text(&c, 3000);
    assert_non_null(strstr(t, "\"part\":0,\"calls\":[],\"last\":true"));
    free(t);
    ws_close_fd(&c);
    ct_relay_stop(r);
}

/* Memory in bytes: the state is trimmed to max_state_bytes (finished calls
 * first), whatever the call count. */
static void test_state_bounded_in_bytes(void **state)
{
    (void)state;
    ct_relay_options o = {
        .max_state_bytes = 200 * 1024, .expire_check_ms = 50, .max_body_bytes = 1 << 20};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    /* 60 calls x 20 KB: 1.2 MB posted, far over the 200 KB bound */
    for (int i = 0; i < 60; i++) post_call_with_line(port, i, 20000);
    int64_t end = now_ms() + 3000;
    ct_relay_stats st;
    do {
        usleep(50 * 1000);
        ct_relay_get_stats(r, &st);
    } while (st.calls > 10 && now_ms() < end);
    assert_true(st.calls <= 10);
    assert_true(st.calls >= 5);
    assert_true(st.calls_trimmed >= 50);
    /* the newest calls are the ones kept */
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN);
    char *snap = ws_hello_snapshot(&c);
    assert_non_null(strstr(snap, "\"P-059\""));
    assert_null(strstr(snap, "\"P-000\""));
    free(snap);
    ws_close_fd(&c);
    ct_relay_stop(r);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binds_only_the_listen_address),
        cmocka_unit_test(test_integers_written_as_integers),
        cmocka_unit_test(test_invalid_utf8_repaired),
        cmocka_unit_test(test_binary_and_unmasked_frames_refused),
        cmocka_unit_test(test_chunked_webhook_answered_at_once),
        cmocka_unit_test(test_upgrade_refusals_are_http11_401_and_404),
        cmocka_unit_test(test_event_log_fields_escaped),
        cmocka_unit_test(test_frame_failure_forces_resync),
        cmocka_unit_test(test_failed_auth_throttled_per_address),
        cmocka_unit_test(test_slow_bodies_capped_and_cut),
        cmocka_unit_test(test_snapshot_in_parts),
        cmocka_unit_test(test_state_bounded_in_bytes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
