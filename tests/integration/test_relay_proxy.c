/* test_relay_proxy.c — calltop-relay behind a reverse proxy
 * (--trusted-proxy), over real loopback sockets. The test plays the proxy:
 * every request comes from 127.0.0.1 and carries the X-Forwarded-For a
 * proxy would add.
 *
 * Covers: the failed-auth throttle keyed on the forwarded client (one
 * guesser behind the proxy does not block the others), a client's own
 * left-hand X-Forwarded-For entries not believed, the header ignored
 * without the flag or from an untrusted peer (it cannot spoof its way out
 * of a block), the per-peer connection cap per forwarded client on
 * /monitor, notices naming client and proxy, and malformed headers counted.
 * Every loop is bounded in count and time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
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

#include <cjson/cJSON.h>

#include "calltop/relay.h"
#include "helper_http.h"

#define SECRET "wh-secret-123"
#define TOKEN  "relay-token-456"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Reads until the header block is complete (and, when `to_close`, until the
 * peer closes), `cap` bytes or timeout_ms. Returns the status, 0 for none
 * (the relay hung up without an answer). */
static int read_status(int fd, char *out, size_t cap, bool to_close, int timeout_ms)
{
    size_t n = 0;
    out[0] = 0;
    int64_t end = now_ms() + timeout_ms;
    while (n + 1 < cap) {
        if (!to_close && strstr(out, "\r\n\r\n")) break;
        int left = (int)(end - now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0) break;
        ssize_t got = read(fd, out + n, cap - 1 - n);
        if (got <= 0) break;
        n += (size_t)got;
        out[n] = 0;
    }
    int status = 0;
    if (sscanf(out, "HTTP/1.%*d %d", &status) != 1) status = 0;
    return status;
}

/* A POST /webhook through "the proxy": xff NULL = no X-Forwarded-For. */
static int post_via(int port, const char *xff, const char *secret)
{
    const char *body = "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"t\"}}}";
    char req[768], resp[1024];
    snprintf(req, sizeof req,
             "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Calltop-Secret: %s\r\n%s%s%s"
             "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
             secret, xff ? "X-Forwarded-For: " : "", xff ? xff : "", xff ? "\r\n" : "",
             strlen(body), body);
    int fd = connect_local(port);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    int status = read_status(fd, resp, sizeof resp, true, 3000);
    close(fd);
    return status;
}

/* A /monitor upgrade through "the proxy". 101: the socket stays open in
 * *fd (the caller closes it); else it is closed and *fd is -1. */
static int upgrade_via(int port, const char *xff, int *fd)
{
    char req[768], resp[2048];
    snprintf(req, sizeof req,
             "GET /monitor HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "Authorization: Bearer " TOKEN "\r\n%s%s%s\r\n",
             xff ? "X-Forwarded-For: " : "", xff ? xff : "", xff ? "\r\n" : "");
    *fd = connect_local(port);
    /* A connection hung up on at accept may already be reset: ignore EPIPE. */
    if (write(*fd, req, strlen(req)) != (ssize_t)strlen(req)) {
        close(*fd);
        *fd = -1;
        return 0;
    }
    int status = read_status(*fd, resp, sizeof resp, false, 3000);
    if (status != 101) {
        close(*fd);
        *fd = -1;
    }
    return status;
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

/* ---- the throttle keys on the forwarded client ------------------------------------ */

static void test_throttle_per_forwarded_client(void **state)
{
    (void)state;
    FILE *notices = tmpfile();
    assert_non_null(notices);
    /* A long window: nothing here may expire while the test runs. */
    ct_relay_options o = {.auth_fail_limit = 5,
                          .auth_fail_window_ms = 60000,
                          .trusted_proxies = "10.0.0.0/8, 127.0.0.1",
                          .notices = notices,
                          .notice_interval_ms = 1};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    /* One client behind the proxy guesses until it is blocked... */
    for (int i = 0; i < 5; i++) assert_int_equal(post_via(port, "203.0.113.5", "guess"), 401);
    assert_int_equal(post_via(port, "203.0.113.5", "guess"), 429);
    assert_int_equal(post_via(port, "203.0.113.5", SECRET), 429);
    /* ... through a trusted inner hop too, and a client that writes a
     * fake address at the left is still itself (the walk is right to left). */
    assert_int_equal(post_via(port, "203.0.113.5, 10.1.2.3", SECRET), 429);
    assert_int_equal(post_via(port, "203.0.113.9, 203.0.113.5", SECRET), 429);
    /* Two X-Forwarded-For headers are one list (RFC 9110 5.3): the last counts. */
    assert_int_equal(post_via(port, "203.0.113.9\r\nX-Forwarded-For: 203.0.113.5", SECRET), 429);
    int fd;
    assert_int_equal(upgrade_via(port, "203.0.113.5", &fd), 429);
    /* ... while every other client behind the same proxy (same TCP peer)
     * and the proxy's own requests go through. */
    for (int i = 0; i < 10; i++) assert_int_equal(post_via(port, "203.0.113.9", SECRET), 200);
    assert_int_equal(post_via(port, "[2001:db8::9]:5555", SECRET), 200);
    assert_int_equal(post_via(port, NULL, SECRET), 200);
    assert_int_equal(upgrade_via(port, "203.0.113.9", &fd), 101);
    close(fd);
    /* A header that cannot be followed: keyed on the proxy, and counted. */
    assert_int_equal(post_via(port, "not-an-address", SECRET), 200);
    cJSON *h = healthz(port);
    assert_int_equal((int)counter(h, "authThrottled"), 6);
    assert_int_equal((int)counter(h, "webhooksUnauthorized"), 5);
    assert_int_equal((int)counter(h, "forwardedMalformed"), 1);
    cJSON_Delete(h);
    ct_relay_stop(r);
    /* The notices name the client and the proxy it came through. */
    char text[8192];
    rewind(notices);
    size_t n = fread(text, 1, sizeof text - 1, notices);
    text[n] = 0;
    fclose(notices);
    if (!strstr(text, "(from 203.0.113.5 via 127.0.0.1"))
        fail_msg("notices lack the forwarded client:\n%s", text);
}

/* ---- without the flag (or from an untrusted peer) the header is ignored ----------- */

static void header_cannot_spoof(const char *trusted)
{
    ct_relay_options o = {
        .auth_fail_limit = 5, .auth_fail_window_ms = 60000, .trusted_proxies = trusted};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    for (int i = 0; i < 5; i++) assert_int_equal(post_via(port, "203.0.113.5", "guess"), 401);
    /* The throttle keyed on 127.0.0.1: a fresh X-Forwarded-For does not get
     * the guesser out of its block. */
    assert_int_equal(post_via(port, "203.0.113.9", SECRET), 429);
    assert_int_equal(post_via(port, NULL, SECRET), 429);
    int fd;
    assert_int_equal(upgrade_via(port, "198.51.100.1", &fd), 429);
    cJSON *h = healthz(port);
    /* No --trusted-proxy: /healthz reads exactly as before. */
    assert_int_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(h, "counters"), "forwardedMalformed") != NULL,
        trusted != NULL);
    cJSON_Delete(h);
    ct_relay_stop(r);
}

static void test_header_ignored_without_flag(void **state)
{
    (void)state;
    header_cannot_spoof(NULL);
}

static void test_header_ignored_from_untrusted_peer(void **state)
{
    (void)state;
    header_cannot_spoof("10.0.0.0/8,::1");
}

/* ---- the per-peer connection cap per forwarded client ----------------------------- */

enum { CAP = 3 };

static void test_conn_cap_per_forwarded_client(void **state)
{
    (void)state;
    ct_relay_options o = {.max_connections_per_peer = CAP, .trusted_proxies = "127.0.0.1"};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    int a[CAP], b[CAP], fd;
    /* One client gets its share of monitor connections, then 429... */
    for (int i = 0; i < CAP; i++) assert_int_equal(upgrade_via(port, "203.0.113.5", &a[i]), 101);
    assert_int_equal(upgrade_via(port, "203.0.113.5", &fd), 429);
    assert_int_equal(post_via(port, "203.0.113.5", SECRET), 429);
    /* ... another behind the same proxy gets its own: more connections from
     * the proxy's address than the per-peer cap, all admitted. */
    for (int i = 0; i < CAP; i++) assert_int_equal(upgrade_via(port, "203.0.113.9", &b[i]), 101);
    assert_int_equal(post_via(port, "203.0.113.7", SECRET), 200);
    cJSON *h = healthz(port);
    assert_int_equal((int)cJSON_GetObjectItem(h, "clients")->valuedouble, 2 * CAP);
    cJSON_Delete(h);
    /* A client that closes one frees one for itself. */
    close(a[0]);
    int ok = 0;
    for (int64_t end = now_ms() + 3000; now_ms() < end && ok != 101;) {
        ok = upgrade_via(port, "203.0.113.5", &a[0]);
        if (ok != 101) usleep(50 * 1000);
    }
    assert_int_equal(ok, 101);
    for (int i = 0; i < CAP; i++) {
        close(a[i]);
        close(b[i]);
    }
    ct_relay_stop(r);
}

static void test_conn_cap_not_escaped_without_flag(void **state)
{
    (void)state;
    ct_relay_options o = {.max_connections_per_peer = CAP};
    ct_relay *r = start_relay(&o);
    int port = ct_relay_port(r);
    int a[CAP], fd;
    for (int i = 0; i < CAP; i++) assert_int_equal(upgrade_via(port, "203.0.113.5", &a[i]), 101);
    /* The cap is on 127.0.0.1: hung up on at accept, whatever the header says. */
    assert_int_equal(upgrade_via(port, "203.0.113.9", &fd), 0);
    for (int i = 0; i < CAP; i++) close(a[i]);
    ct_relay_stop(r);
}

/* ---- the flag's own errors -------------------------------------------------------- */

static void test_bad_list_refused_naming_entry(void **state)
{
    (void)state;
    ct_relay_options o = {.webhook_secret = SECRET,
                          .client_token = TOKEN,
                          .trusted_proxies = "127.0.0.1,10.0.0.0/40"};
    ct_error err;
    ct_error_clear(&err);
    assert_null(ct_relay_start(&o, &err));
    assert_int_equal(err.code, CT_EUSAGE);
    assert_non_null(strstr(err.detail, "\"10.0.0.0/40\""));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throttle_per_forwarded_client),
        cmocka_unit_test(test_header_ignored_without_flag),
        cmocka_unit_test(test_header_ignored_from_untrusted_peer),
        cmocka_unit_test(test_conn_cap_per_forwarded_client),
        cmocka_unit_test(test_conn_cap_not_escaped_without_flag),
        cmocka_unit_test(test_bad_list_refused_naming_entry),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
