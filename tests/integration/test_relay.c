/* test_relay.c — calltop-relay over real loopback sockets, driven by hand:
 * libcurl for webhooks and /healthz, a minimal raw WebSocket client for
 * /monitor so every frame (and every refusal) can be asserted exactly.
 *
 * Covers: webhook secret (header and path; 401), malformed JSON (400 +
 * counter), body cap (413), duplicates (no event), the bearer token at the
 * handshake (401), hello -> snapshot, replay of exactly the missed events,
 * a client beyond the ring getting a snapshot, another stream getting a
 * snapshot, a slow client closed with 4000 "client too slow", bad first
 * message (4001), wrong protocol (4002), heartbeats both ways and the
 * silence timeout (4003), expiry of finished calls, restart on the same
 * port. */
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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calltop/protocol.h"
#include "calltop/relay.h"
#include "helper_procs.h"
#include "helper_ws.h"

#define SECRET "wh-secret-123"
#define TOKEN  "relay-token-456"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- HTTP via libcurl ------------------------------------------------------ */

typedef struct buf {
    char *p;
    size_t n;
} buf;

static size_t sink(char *d, size_t s, size_t n, void *ud)
{
    buf *b = ud;
    char *np = realloc(b->p, b->n + s * n + 1);
    if (!np) return 0;
    memcpy(np + b->n, d, s * n);
    b->p = np;
    b->n += s * n;
    b->p[b->n] = 0;
    return s * n;
}

/* POSTs `body` to path; `secret` (may be NULL) goes in X-Calltop-Secret.
 * Returns the HTTP status; *resp (if not NULL) gets the body. */
static long http(int port, const char *method, const char *path, const char *secret,
                 const char *body, size_t len, char **resp)
{
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = NULL;
    char hdr[128];
    if (secret) {
        snprintf(hdr, sizeof hdr, "X-Calltop-Secret: %s", secret);
        h = curl_slist_append(h, hdr);
    }
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)(body ? len : 0));
    }
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (resp) *resp = b.p;
    else free(b.p);
    return status;
}

/* POST with "Expect: 100-continue" and a long expect timeout: only an
 * interim 100 from the relay makes this fast. */
static long post_expect(int port, const char *json, double *secs)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    struct curl_slist *h = curl_slist_append(NULL, "X-Calltop-Secret: " SECRET);
    h = curl_slist_append(h, "Expect: 100-continue");
    buf b = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 3000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 8000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, secs);
    }
    free(b.p);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static long post(int port, const char *json)
{
    return http(port, "POST", "/webhook", SECRET, json, strlen(json), NULL);
}

static void post_status(int port, const char *id, const char *status, int64_t ts)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%lld,"
             "\"call\":{\"id\":\"%s\",\"status\":\"%s\",\"direction\":\"outbound\"}}}",
             (long long)ts, id, status);
    assert_int_equal(post(port, body), 200);
}

/* A conversation-update with the full history m-1..m-n for call `id`;
 * `pad` bytes of text per line make frames big when needed. */
static void post_history(int port, const char *id, int n, size_t pad)
{
    size_t cap = 256 + (size_t)n * (200 + pad);
    char *body = malloc(cap);
    char *filler = malloc(pad + 1);
    memset(filler, 'x', pad);
    filler[pad] = 0;
    size_t off =
        (size_t)snprintf(body, cap,
                         "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":%lld,"
                         "\"call\":{\"id\":\"%s\"},\"messages\":[",
                         (long long)(1764151200000LL + n), id);
    for (int i = 1; i <= n; i++)
        off += (size_t)snprintf(body + off, cap - off,
                                "%s{\"messageId\":\"m-%d\",\"role\":\"%s\",\"text\":\"line %d %s\","
                                "\"timestamp\":%lld}",
                                i > 1 ? "," : "", i, i % 2 ? "assistant" : "user", i, filler,
                                (long long)(1764151200000LL + i));
    snprintf(body + off, cap - off, "]}}");
    assert_int_equal(post(port, body), 200);
    free(body);
    free(filler);
}

/* ---- the raw WebSocket client is helper_ws.h; what only these tests need ---- */

/* Next protocol message, skipping pings; asserts it decodes. */
static ct_pmsg ws_msg(wsc *c, int timeout_ms)
{
    for (;;) {
        char *p = NULL;
        size_t n = 0;
        int op = ws_recv(c, &p, &n, timeout_ms);
        if (op != 1) fail_msg("expected a text frame, got opcode %d", op);
        ct_pmsg m;
        ct_error err;
        ct_err rc = ct_pmsg_decode(p, n, &m, &err);
        if (rc != CT_OK) fail_msg("undecodable frame: %s", err.detail);
        free(p);
        if (m.type != CT_PM_PING) return m;
        ct_pmsg_clear(&m);
    }
}

/* Reads until a close frame; returns its code and copies the reason. */
static int ws_expect_close(wsc *c, char *reason, size_t rlen, int timeout_ms)
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
            snprintf(reason, rlen, "%.*s", n >= 2 ? (int)(n - 2) : 0, n >= 2 ? p + 2 : "");
            free(p);
            return code;
        }
        free(p);
    }
}

static ct_pmsg hello(wsc *c, bool has_last, uint64_t last, const char *stream)
{
    char *h = ct_proto_encode_hello(has_last, last, stream, 0, NULL);
    ws_send(c, h);
    free(h);
    ct_pmsg w = ws_msg(c, 3000);
    assert_int_equal(w.type, CT_PM_WELCOME);
    return w;
}

/* ---- fixtures -------------------------------------------------------------- */

static ct_relay *start_relay(ct_relay_options *o)
{
    o->host = "127.0.0.1";
    o->webhook_secret = SECRET;
    o->client_token = TOKEN;
    ct_error err;
    ct_error_clear(&err);
    ct_relay *r = ct_relay_start(o, &err);
    if (!r) fail_msg("relay: %s", err.detail);
    return r;
}

/* The relay's seq before its first event (its start time in microseconds). */
static uint64_t base_seq(ct_relay *r)
{
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_true(st.seq > 1500000000000000ULL);
    return st.seq;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_webhook_auth_and_errors(void **state)
{
    ct_relay_options o = {.max_body_bytes = 4096};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    uint64_t b = base_seq(r);
    assert_true(port > 0);
    const char *ok = "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"c1\","
                     "\"status\":\"ongoing\"}}}";
    /* wrong and missing secret: 401 */
    assert_int_equal(http(port, "POST", "/webhook", "nope", ok, strlen(ok), NULL), 401);
    assert_int_equal(http(port, "POST", "/webhook", NULL, ok, strlen(ok), NULL), 401);
    assert_int_equal(http(port, "POST", "/webhook/nope", NULL, ok, strlen(ok), NULL), 401);
    assert_int_equal(http(port, "POST", "/webhook", SECRET "x", ok, strlen(ok), NULL), 401);
    /* right secret, in the header or the path */
    assert_int_equal(http(port, "POST", "/webhook", SECRET, ok, strlen(ok), NULL), 200);
    assert_int_equal(http(port, "POST", "/webhook/" SECRET, NULL, ok, strlen(ok), NULL), 200);
    /* a sender that waits for "100 Continue" is not kept waiting */
    double secs = 99;
    assert_int_equal(post_expect(port, ok, &secs), 200);
    assert_true(secs < 1.5);
    /* malformed: 400 and counted, relay still serves */
    const char *bad[] = {"{\"message\":", "[]", "{\"message\":{\"type\":\"status-update\"}}",
                         "\xff\xfe", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(http(port, "POST", "/webhook", SECRET, bad[i], strlen(bad[i]), NULL), 400);
    /* garbage of every shape never hurts the relay (fixed seed: repeatable) */
    unsigned seed = 12345;
    const char *pieces[] = {"{",
                            "}",
                            "[",
                            "]",
                            "\"message\"",
                            ":",
                            ",",
                            "\"type\"",
                            "\"call\"",
                            "\"id\"",
                            "\"x\"",
                            "1e999",
                            "null",
                            "\"\\u0000\"",
                            "\"status-update\"",
                            "\"messages\"",
                            "-",
                            "\xc3",
                            "true"};
    long bad_count = 0;
    for (int i = 0; i < 200; i++) {
        char g[256];
        size_t n = 0;
        int parts = 1 + (int)(rand_r(&seed) % 24);
        for (int k = 0; k < parts; k++) {
            const char *pc = pieces[rand_r(&seed) % (sizeof pieces / sizeof *pieces)];
            size_t l = strlen(pc);
            if (n + l >= sizeof g) break;
            memcpy(g + n, pc, l);
            n += l;
        }
        long st = http(port, "POST", "/webhook", SECRET, g, n, NULL);
        assert_true(st == 200 || st == 400);
        bad_count += st == 400;
    }
    /* body cap: 413 */
    char *big = malloc(10000);
    memset(big, ' ', 9999);
    big[9999] = 0;
    memcpy(big, ok, strlen(ok));
    assert_int_equal(http(port, "POST", "/webhook", SECRET, big, 9999, NULL), 413);
    free(big);
    /* other routes */
    assert_int_equal(http(port, "GET", "/nope", NULL, NULL, 0, NULL), 404);
    assert_int_equal(http(port, "GET", "/webhook", NULL, NULL, 0, NULL), 405);

    char *body = NULL;
    assert_int_equal(http(port, "GET", "/healthz", NULL, NULL, 0, &body), 200);
    cJSON *j = cJSON_Parse(body);
    assert_non_null(j);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
    /* (garbage that happened to be a valid webhook for call "x" may add events) */
    assert_true((uint64_t)cJSON_GetObjectItem(j, "seq")->valuedouble >= b + 1);
    assert_true(cJSON_GetObjectItem(j, "calls")->valueint >= 1);
    assert_int_equal(cJSON_GetObjectItem(j, "clients")->valueint, 0);
    cJSON *k = cJSON_GetObjectItem(j, "counters");
    assert_int_equal(cJSON_GetObjectItem(k, "webhooksUnauthorized")->valueint, 4);
    assert_int_equal(cJSON_GetObjectItem(k, "webhooksBad")->valueint, 5 + bad_count);
    assert_int_equal(cJSON_GetObjectItem(k, "webhooksTooBig")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItem(k, "webhooksOk")->valueint, 3 + (200 - bad_count));
    assert_true(cJSON_GetObjectItem(k, "duplicates")->valueint >= 2);
    cJSON_Delete(j);
    free(body);
    ct_relay_stop(r);
}

static void test_client_token(void **state)
{
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", "wrong-token", 0);
    assert_int_equal(c.status, 401);
    ws_close_fd(&c);
    ws_open(&c, port, "/monitor", NULL, 0);
    assert_int_equal(c.status, 401);
    ws_close_fd(&c);
    ws_open(&c, port, "/elsewhere", TOKEN, 0);
    assert_int_not_equal(c.status, 101);
    ws_close_fd(&c);
    ws_open(&c, port, "/monitor", TOKEN, 0);
    assert_int_equal(c.status, 101);
    ct_pmsg w = hello(&c, false, 0, NULL);
    assert_false(w.replay);
    assert_string_equal(w.stream, ct_relay_stream(r));
    ct_pmsg_clear(&w);
    ct_pmsg s = ws_msg(&c, 3000);
    assert_int_equal(s.type, CT_PM_SNAPSHOT);
    assert_int_equal(s.calls.n_calls, 0);
    ct_pmsg_clear(&s);
    ws_close_fd(&c);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_true(st.clients_rejected >= 3);
    assert_int_equal(st.clients_total, 1);
    ct_relay_stop(r);
}

static void test_snapshot_events_dedup(void **state)
{
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    uint64_t b = base_seq(r);
    post_status(port, "A", "ongoing", 1000);
    post_history(port, "A", 2, 0);

    wsc c;
    ws_open(&c, port, "/monitor", TOKEN, 0);
    assert_int_equal(c.status, 101);
    ct_pmsg w = hello(&c, false, 0, NULL);
    assert_int_equal(w.seq, b + 2);
    ct_pmsg_clear(&w);
    ct_pmsg s = ws_msg(&c, 3000);
    assert_int_equal(s.type, CT_PM_SNAPSHOT);
    assert_int_equal(s.seq, b + 2);
    assert_int_equal(s.calls.n_calls, 1);
    assert_string_equal(s.calls.calls[0].id, "A");
    assert_int_equal(s.calls.calls[0].status, CT_STATUS_ONGOING);
    assert_int_equal(s.calls.calls[0].n_messages, 2);
    ct_pmsg_clear(&s);

    /* full history with one new line: the event carries only that line */
    post_history(port, "A", 3, 0);
    ct_pmsg e = ws_msg(&c, 3000);
    assert_int_equal(e.type, CT_PM_EVENT);
    assert_int_equal(e.seq, b + 3);
    assert_int_equal(e.kind, CT_WH_CONVERSATION_UPDATE);
    assert_string_equal(e.call.id, "A");
    assert_int_equal(e.call.status, CT_STATUS_ONGOING); /* the whole merged call */
    assert_int_equal(e.call.n_messages, 1);
    assert_string_equal(e.call.messages[0].message_id, "m-3");
    ct_pmsg_clear(&e);

    /* duplicates and a stale (older, out-of-order) delivery: no event */
    post_history(port, "A", 3, 0);
    post_history(port, "A", 2, 0);
    post_status(port, "A", "ongoing", 1000);
    post_status(port, "A", "finished", 5000);
    post_status(port, "A", "ongoing", 4000); /* late: must not resurrect */
    e = ws_msg(&c, 3000);
    assert_int_equal(e.seq, b + 4);
    assert_int_equal(e.kind, CT_WH_STATUS_UPDATE);
    assert_int_equal(e.call.status, CT_STATUS_FINISHED);
    assert_int_equal(e.call.n_messages, 0);
    ct_pmsg_clear(&e);
    ws_expect_quiet(&c, 300);

    /* error and hang kinds */
    assert_int_equal(post(port,
                          "{\"message\":{\"type\":\"hang\",\"timestamp\":6000,"
                          "\"call\":{\"id\":\"B\",\"status\":\"ongoing\"}}}"),
                     200);
    e = ws_msg(&c, 3000);
    assert_int_equal(e.kind, CT_WH_HANG);
    assert_true(e.hang);
    ct_pmsg_clear(&e);
    assert_int_equal(post(port,
                          "{\"message\":{\"type\":\"error\",\"timestamp\":7000,"
                          "\"call\":{\"id\":\"B\"},\"error\":{\"type\":\"stt_error\","
                          "\"code\":\"x1\",\"message\":\"boom\",\"retryable\":false}}}"),
                     200);
    e = ws_msg(&c, 3000);
    assert_int_equal(e.kind, CT_WH_ERROR);
    assert_true(e.error.present);
    assert_string_equal(e.error.type, "stt_error");
    assert_string_equal(e.error.code, "x1");
    ct_pmsg_clear(&e);

    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.seq, b + 6);
    assert_int_equal(st.duplicates, 4);
    ws_close_fd(&c);
    ct_relay_stop(r);
}

static void test_replay_exact_and_beyond_ring(void **state)
{
    ct_relay_options o = {.ring_events = 8};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    uint64_t b = base_seq(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN, 0);
    ct_pmsg w = hello(&c, false, 0, NULL);
    char stream[64];
    snprintf(stream, sizeof stream, "%s", w.stream);
    ct_pmsg_clear(&w);
    ct_pmsg s = ws_msg(&c, 3000);
    assert_int_equal(s.type, CT_PM_SNAPSHOT);
    ct_pmsg_clear(&s);
    for (int i = 1; i <= 3; i++) post_history(port, "R", i, 0);
    for (int i = 1; i <= 3; i++) {
        ct_pmsg e = ws_msg(&c, 3000);
        assert_int_equal(e.seq, b + (uint64_t)i);
        ct_pmsg_clear(&e);
    }
    ws_close_fd(&c);

    /* missed 4..7 while away: exactly those come back */
    for (int i = 4; i <= 7; i++) post_history(port, "R", i, 0);
    ws_open(&c, port, "/monitor", TOKEN, 0);
    w = hello(&c, true, b + 3, stream);
    assert_true(w.replay);
    assert_int_equal(w.seq, b + 7);
    ct_pmsg_clear(&w);
    for (int i = 4; i <= 7; i++) {
        ct_pmsg e = ws_msg(&c, 3000);
        assert_int_equal(e.type, CT_PM_EVENT);
        assert_int_equal(e.seq, b + (uint64_t)i);
        assert_int_equal(e.call.n_messages, 1);
        char id[16];
        snprintf(id, sizeof id, "m-%d", i);
        assert_string_equal(e.call.messages[0].message_id, id);
        ct_pmsg_clear(&e);
    }
    ws_expect_quiet(&c, 200);
    /* up to date: a replay of nothing */
    w = hello(&c, true, b + 7, stream);
    assert_true(w.replay);
    ct_pmsg_clear(&w);
    ws_expect_quiet(&c, 200);
    ws_close_fd(&c);

    /* 20 more: seq 8..27; the ring (8) holds 20..27 only */
    for (int i = 8; i <= 27; i++) post_history(port, "R", i, 0);
    ws_open(&c, port, "/monitor", TOKEN, 0);
    w = hello(&c, true, b + 7, stream);
    assert_false(w.replay);
    ct_pmsg_clear(&w);
    s = ws_msg(&c, 3000);
    assert_int_equal(s.type, CT_PM_SNAPSHOT);
    assert_int_equal(s.seq, b + 27);
    assert_int_equal(s.calls.n_calls, 1);
    assert_int_equal(s.calls.calls[0].n_messages, 27);
    ct_pmsg_clear(&s);
    /* a seq from another run of the relay: snapshot, even though it is small */
    w = hello(&c, true, b + 25, "some-other-stream");
    assert_false(w.replay);
    ct_pmsg_clear(&w);
    s = ws_msg(&c, 3000);
    assert_int_equal(s.type, CT_PM_SNAPSHOT);
    ct_pmsg_clear(&s);
    /* within the ring: replay */
    w = hello(&c, true, b + 20, stream);
    assert_true(w.replay);
    ct_pmsg_clear(&w);
    for (int i = 21; i <= 27; i++) {
        ct_pmsg e = ws_msg(&c, 3000);
        assert_int_equal(e.seq, b + (uint64_t)i);
        ct_pmsg_clear(&e);
    }
    ws_close_fd(&c);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.replays, 3);
    assert_int_equal(st.snapshots, 3);
    ct_relay_stop(r);
}

static void test_slow_client_dropped(void **state)
{
    ct_relay_options o = {.client_queue_frames = 16};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc slow, fast;
    ws_open(&slow, port, "/monitor", TOKEN, 2048);
    ws_open(&fast, port, "/monitor", TOKEN, 0);
    ct_pmsg w = hello(&slow, false, 0, NULL);
    ct_pmsg_clear(&w);
    w = hello(&fast, false, 0, NULL);
    ct_pmsg_clear(&w);
    ct_pmsg s = ws_msg(&slow, 3000);
    ct_pmsg_clear(&s);
    s = ws_msg(&fast, 3000);
    ct_pmsg_clear(&s);

    /* The slow client reads nothing while ~16 KiB events pile up. The fast
     * one drains as it goes. */
    int sent = 0;
    ct_relay_stats st = {0};
    for (int i = 1; i <= 400 && st.clients_slow == 0; i++) {
        char id[16];
        snprintf(id, sizeof id, "S%d", i);
        post_history(port, id, 1, 16384);
        sent++;
        char *p;
        size_t n;
        while (ws_recv(&fast, &p, &n, 0) >= 0) free(p);
        ct_relay_get_stats(r, &st);
    }
    assert_int_equal(st.clients_slow, 1);
    char reason[64] = "";
    int code = ws_expect_close(&slow, reason, sizeof reason, 5000);
    assert_int_equal(code, CT_CLOSE_TOO_SLOW);
    assert_string_equal(reason, "client too slow");
    ws_close_fd(&slow);
    /* the fast client is unaffected and still gets new events */
    post_status(port, "S", "finished", 9999999999999LL);
    bool got = false;
    for (int i = 0; i < 2000 && !got; i++) {
        ct_pmsg e = ws_msg(&fast, 3000);
        got = e.type == CT_PM_EVENT && e.kind == CT_WH_STATUS_UPDATE;
        ct_pmsg_clear(&e);
    }
    assert_true(got);
    ws_close_fd(&fast);
    ct_relay_stop(r);
    print_message("slow client dropped after %d webhooks\n", sent);
}

static void test_bad_messages(void **state)
{
    ct_relay_options o = {0};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    char reason[64];
    wsc c;
    /* anything but hello first */
    ws_open(&c, port, "/monitor", TOKEN, 0);
    ws_send(&c, "{\"type\":\"event\",\"seq\":1,\"kind\":\"hang\",\"call\":{\"id\":\"x\"}}");
    ct_pmsg e = ws_msg(&c, 3000);
    assert_int_equal(e.type, CT_PM_ERROR);
    assert_string_equal(e.code, "bad-message");
    ct_pmsg_clear(&e);
    assert_int_equal(ws_expect_close(&c, reason, sizeof reason, 3000), CT_CLOSE_BAD_MESSAGE);
    ws_close_fd(&c);
    /* not JSON */
    ws_open(&c, port, "/monitor", TOKEN, 0);
    ws_send(&c, "hello?");
    e = ws_msg(&c, 3000);
    assert_int_equal(e.type, CT_PM_ERROR);
    ct_pmsg_clear(&e);
    assert_int_equal(ws_expect_close(&c, reason, sizeof reason, 3000), CT_CLOSE_BAD_MESSAGE);
    ws_close_fd(&c);
    /* a protocol this relay does not speak */
    ws_open(&c, port, "/monitor", TOKEN, 0);
    ws_send(&c, "{\"type\":\"hello\",\"protocol\":99}");
    e = ws_msg(&c, 3000);
    assert_int_equal(e.type, CT_PM_ERROR);
    assert_string_equal(e.code, "unsupported-protocol");
    ct_pmsg_clear(&e);
    assert_int_equal(ws_expect_close(&c, reason, sizeof reason, 3000), CT_CLOSE_BAD_PROTOCOL);
    ws_close_fd(&c);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.bad_messages, 2);
    ct_relay_stop(r);
}

static void test_heartbeat(void **state)
{
    ct_relay_options o = {.heartbeat_ms = 300};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN, 0);
    ct_pmsg w = hello(&c, false, 0, NULL);
    ct_pmsg_clear(&w);
    ct_pmsg s = ws_msg(&c, 3000);
    ct_pmsg_clear(&s);
    /* the relay pings us */
    char *p;
    size_t n;
    int64_t t0 = now_ms();
    assert_int_equal(ws_recv(&c, &p, &n, 2000), 1);
    assert_non_null(strstr(p, "\"ping\""));
    free(p);
    assert_true(now_ms() - t0 < 1000);
    /* we ping it: pong echoes t */
    ws_send(&c, "{\"type\":\"ping\",\"t\":12345}");
    ct_pmsg pong = ws_msg(&c, 2000);
    assert_int_equal(pong.type, CT_PM_PONG);
    assert_int_equal(pong.t, 12345);
    ct_pmsg_clear(&pong);
    /* then silence: closed for it (3 x 300 ms) */
    char reason[64];
    assert_int_equal(ws_expect_close(&c, reason, sizeof reason, 3000), CT_CLOSE_TIMEOUT);
    ws_close_fd(&c);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.clients_timeout, 1);
    ct_relay_stop(r);
}

static void test_expiry_and_restart(void **state)
{
    ct_relay_options o = {.expire_finished_s = 1, .expire_check_ms = 50};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    int64_t now = wall_now_ms();
    /* Expiry counts from when the relay last heard of a call (its own
     * clock), not the sender's stamps: "old" (stamped 5 s ago) is heard
     * first and stays for its second; "fresh" is heard 600 ms later. */
    post_status(port, "old", "finished", now - 5000);
    post_status(port, "live", "ongoing", now - 5000);
    usleep(300000);
    ct_relay_stats st;
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.expired, 0); /* an old timestamp is not "long ago" */
    usleep(300000);
    post_status(port, "fresh", "finished", now);
    int64_t deadline = now_ms() + 3000;
    do {
        usleep(20000);
        ct_relay_get_stats(r, &st);
    } while (st.expired < 1 && now_ms() < deadline);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.calls, 2);
    /* after a second "fresh" goes too; "live" stays */
    deadline = now_ms() + 4000;
    do {
        usleep(50000);
        ct_relay_get_stats(r, &st);
    } while (st.expired < 2 && now_ms() < deadline);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.calls, 1);

    /* restart on the same port: a new stream, empty state */
    char stream[64];
    snprintf(stream, sizeof stream, "%s", ct_relay_stream(r));
    uint64_t old_seq = st.seq;
    ct_relay_stop(r);
    o.port = port;
    r = start_relay(&o);
    assert_int_equal(ct_relay_port(r), port);
    uint64_t b = base_seq(r);
    assert_true(b > old_seq); /* seq keeps growing across restarts */
    assert_string_not_equal(ct_relay_stream(r), stream);
    post_status(port, "again", "ongoing", now);
    ct_relay_get_stats(r, &st);
    assert_int_equal(st.seq, b + 1);
    ct_relay_stop(r);
}

static void test_secret_file(void **state)
{
    char path[] = "/tmp/ct-relay-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    char *s = NULL;
    ct_error err;
    assert_int_equal(ct_relay_read_secret_file(path, &s, &err), CT_OK);
    assert_string_equal(s, "s3cret");
    free(s);
    chmod(path, 0640);
    assert_int_equal(ct_relay_read_secret_file(path, &s, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "0640"));
    assert_null(s);
    unlink(path);
    assert_int_equal(ct_relay_read_secret_file(path, &s, &err), CT_ECONFIG);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webhook_auth_and_errors),
        cmocka_unit_test(test_client_token),
        cmocka_unit_test(test_snapshot_events_dedup),
        cmocka_unit_test(test_replay_exact_and_beyond_ring),
        cmocka_unit_test(test_slow_client_dropped),
        cmocka_unit_test(test_bad_messages),
        cmocka_unit_test(test_heartbeat),
        cmocka_unit_test(test_expiry_and_restart),
        cmocka_unit_test(test_secret_file),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
