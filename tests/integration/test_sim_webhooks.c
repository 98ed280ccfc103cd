/* test_sim_webhooks.c — calltop-sim's webhook emission, received by a tiny
 * HTTP server written here with plain sockets on 127.0.0.1:0: all five
 * envelope types with their documented shape and the secret header;
 * duplicates and reordering on demand; and a dead receiver that costs
 * dropped envelopes, never a blocked engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "calltop/sim.h"
#include "helper_http.h"

/* ---- the receiver --------------------------------------------------------- */

#define MAX_ENV 4096

typedef struct receiver {
    int fd, port;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t mu;
    char *bodies[MAX_ENV];
    bool secret_ok[MAX_ENV];
    size_t n;
    const char *want_secret;
} receiver;

/* Reads one request (headers + Content-Length body) from a blocking socket
 * with a receive timeout; returns the body or NULL. */
static char *read_request(int c, char *secret, size_t slen)
{
    char buf[1 << 16];
    size_t len = 0;
    char *hdr_end = NULL;
    secret[0] = '\0';
    while (!hdr_end && len < sizeof buf - 1) {
        ssize_t n = recv(c, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) return NULL;
        len += (size_t)n;
        buf[len] = '\0';
        hdr_end = strstr(buf, "\r\n\r\n");
    }
    if (!hdr_end) return NULL;
    size_t hlen = (size_t)(hdr_end - buf) + 4;
    long clen = 0;
    for (char *line = buf; line < hdr_end;) {
        char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, "Content-Length:", 15) == 0) clen = atol(line + 15);
        if (strncasecmp(line, "X-Calltop-Secret:", 17) == 0) {
            const char *v = line + 17;
            while (*v == ' ') v++;
            snprintf(secret, slen, "%.*s", (int)(eol - v), v);
        }
        line = eol + 2;
    }
    if (clen < 0 || (size_t)clen > sizeof buf - hlen - 1) return NULL;
    while (len < hlen + (size_t)clen) {
        ssize_t n = recv(c, buf + len, sizeof buf - 1 - len, 0);
        if (n <= 0) return NULL;
        len += (size_t)n;
    }
    char *body = malloc((size_t)clen + 1);
    memcpy(body, buf + hlen, (size_t)clen);
    body[clen] = '\0';
    return body;
}

static void *receiver_main(void *arg)
{
    receiver *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd pfd = {r->fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0) continue;
        int c = accept(r->fd, NULL, NULL);
        if (c < 0) continue;
        struct timeval tv = {2, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char secret[128];
        char *body = read_request(c, secret, sizeof secret);
        static const char ok[] =
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        if (send(c, ok, sizeof ok - 1, MSG_NOSIGNAL) < 0) {}
        close(c);
        if (!body) continue;
        pthread_mutex_lock(&r->mu);
        if (r->n < MAX_ENV) {
            r->secret_ok[r->n] = strcmp(secret, r->want_secret) == 0;
            r->bodies[r->n++] = body;
        } else {
            free(body);
        }
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

static void receiver_start(receiver *r, const char *secret)
{
    memset(r, 0, sizeof *r);
    r->want_secret = secret;
    r->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->fd, 64), 0);
    socklen_t al = sizeof a;
    getsockname(r->fd, (struct sockaddr *)&a, &al);
    r->port = ntohs(a.sin_port);
    pthread_mutex_init(&r->mu, NULL);
    assert_int_equal(pthread_create(&r->thread, NULL, receiver_main, r), 0);
}

static void receiver_stop(receiver *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->fd);
    for (size_t i = 0; i < r->n; i++) free(r->bodies[i]);
    pthread_mutex_destroy(&r->mu);
}

static size_t receiver_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static ct_sim *start_sim(const receiver *r, int calls, double rate, double speed, double dup,
                         double reorder, const char *secret)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", r->port);
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.calls = calls;
    o.rate = rate;
    o.history = 0;
    o.speed = speed;
    o.seed = 1234;
    o.webhook_url = url;
    o.webhook_secret = secret;
    o.webhook_dup_rate = dup;
    o.webhook_reorder_rate = reorder;
    o.webhook_queue = 4096;
    ct_error err;
    ct_sim *s = ct_sim_start(&o, &err);
    if (!s) fprintf(stderr, "ct_sim_start: %s\n", err.detail);
    assert_non_null(s);
    return s;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* ---- tests ---------------------------------------------------------------- */

static void check_messages(const cJSON *msgs)
{
    assert_true(cJSON_IsArray(msgs));
    const cJSON *m;
    cJSON_ArrayForEach(m, msgs)
    {
        assert_true(cJSON_IsString(get(m, "messageId")));
        assert_true(cJSON_IsString(get(m, "role")));
        assert_true(cJSON_IsString(get(m, "text")));
        assert_true(cJSON_IsNumber(get(m, "timestamp"))); /* epoch ms in webhooks */
        assert_true(get(m, "timestamp")->valuedouble > 1.5e12);
    }
}

static void test_all_five_types(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r, "s3cret-value");
    /* Many fast calls so hang and error episodes (15% / 8% of calls) occur. */
    ct_sim *s = start_sim(&r, 12, 5.0, 40.0, 0, 0, "s3cret-value");

    /* One call of our own, ended through the API: its report must arrive. */
    char u[256];
    snprintf(u, sizeof u, "%s/assistants/v1/numbers?label=support", ct_sim_base_url(s));
    th_response resp;
    assert_int_equal(th_get(u, "demo-key", &resp), 0);
    cJSON *nums = cJSON_Parse(resp.body);
    th_response_free(&resp);
    char body[256];
    snprintf(body, sizeof body,
             "{\"phoneNumberId\":\"%s\",\"customer\":{\"number\":\"+14155550111\"}}",
             get(cJSON_GetArrayItem(nums, 0), "_id")->valuestring);
    cJSON_Delete(nums);
    snprintf(u, sizeof u, "%s/calls/v1/conversations/connect", ct_sim_base_url(s));
    assert_int_equal(th_post_json(u, "demo-key", body, &resp), 0);
    assert_int_equal(resp.status, 200);
    cJSON *call = cJSON_Parse(resp.body);
    th_response_free(&resp);
    char id[64];
    snprintf(id, sizeof id, "%s", get(call, "id")->valuestring);
    cJSON_Delete(call);
    sleep_ms(300);
    snprintf(u, sizeof u, "%s/calls/v1/conversations/%s/control", ct_sim_base_url(s), id);
    assert_int_equal(th_post_json(u, "demo-key", "{\"type\":\"end\",\"message\":\"Bye\"}", &resp),
                     0);
    assert_int_equal(resp.status, 200);
    th_response_free(&resp);

    bool seen[5] = {false};
    bool own_report = false;
    static const char *const types[5] = {"status-update", "conversation-update",
                                         "end-of-call-report", "hang", "error"};
    size_t checked = 0;
    for (int tries = 0; tries < 160; tries++) { /* <= 8 s */
        size_t n = receiver_count(&r);
        for (; checked < n; checked++) {
            pthread_mutex_lock(&r.mu);
            cJSON *env = cJSON_Parse(r.bodies[checked]);
            bool secret_ok = r.secret_ok[checked];
            pthread_mutex_unlock(&r.mu);
            assert_true(secret_ok);
            assert_non_null(env);
            const cJSON *m = get(env, "message");
            assert_true(cJSON_IsObject(m));
            assert_true(cJSON_IsNumber(get(m, "timestamp")));
            assert_true(get(m, "timestamp")->valuedouble > 1.5e12);
            const char *type = get(m, "type")->valuestring;
            const cJSON *c = get(m, "call");
            assert_true(cJSON_IsString(get(c, "id")));
            assert_true(cJSON_IsString(get(c, "status")));
            assert_null(get(c, "messages"));
            int k = -1;
            for (int i = 0; i < 5; i++)
                if (strcmp(type, types[i]) == 0) k = i;
            assert_true(k >= 0);
            seen[k] = true;
            switch (k) {
            case 0:
                assert_string_equal(get(m, "status")->valuestring, get(c, "status")->valuestring);
                break;
            case 1:
                check_messages(get(m, "messages"));
                assert_true(cJSON_GetArraySize(get(m, "messages")) >= 1);
                break;
            case 2: {
                check_messages(get(m, "messages"));
                const cJSON *a = get(m, "analysis");
                assert_true(cJSON_IsString(get(a, "summary")));
                const char *ev = get(a, "successEvaluation")->valuestring;
                assert_true(!strcmp(ev, "Excellent") || !strcmp(ev, "Good") ||
                            !strcmp(ev, "Fair") || !strcmp(ev, "Poor"));
                assert_true(cJSON_IsObject(get(a, "structuredData")));
                assert_true(cJSON_IsString(get(a, "outcome")));
                assert_true(cJSON_IsObject(get(a, "guardrails")));
                assert_true(cJSON_IsString(get(c, "endAt")));
                assert_true(cJSON_IsObject(get(m, "cost")));
                assert_true(cJSON_IsObject(get(m, "metrics")));
                assert_true(cJSON_IsObject(get(m, "recording")));
                if (strcmp(get(c, "id")->valuestring, id) == 0) {
                    own_report = true;
                    assert_string_equal(get(c, "callEndTriggerBy")->valuestring, "assistant");
                }
                break;
            }
            case 3:
                check_messages(get(m, "messages"));
                assert_true(get(c, "endAt") == NULL); /* still ongoing */
                break;
            case 4: {
                const cJSON *e = get(m, "error");
                const char *t = get(e, "type")->valuestring;
                assert_true(!strcmp(t, "llm_error") || !strcmp(t, "stt_error"));
                assert_true(cJSON_IsString(get(e, "code")));
                assert_true(cJSON_IsString(get(e, "message")));
                assert_true(cJSON_IsString(get(e, "provider")));
                assert_true(cJSON_IsBool(get(e, "retryable")));
                break;
            }
            }
            cJSON_Delete(env);
        }
        if (seen[0] && seen[1] && seen[2] && seen[3] && seen[4] && own_report) break;
        sleep_ms(50);
    }
    for (int i = 0; i < 5; i++) {
        if (!seen[i]) fprintf(stderr, "never saw %s\n", types[i]);
        assert_true(seen[i]);
    }
    assert_true(own_report);
    ct_sim_stats st;
    ct_sim_get_stats(s, &st);
    assert_true(st.webhooks_sent > 0);
    assert_int_equal(st.webhooks_dropped, 0);
    ct_sim_stop(s);
    receiver_stop(&r);
}

static void test_duplicates(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r, "");
    ct_sim *s = start_sim(&r, 3, 1.0, 20.0, 1.0, 0, NULL);
    for (int i = 0; i < 100 && receiver_count(&r) < 20; i++) sleep_ms(50);
    ct_sim_stop(s);
    /* dup-rate 1: every envelope arrives twice, back to back */
    size_t n = r.n & ~(size_t)1;
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i += 2) assert_string_equal(r.bodies[i], r.bodies[i + 1]);
    /* without a secret configured, none is sent */
    for (size_t i = 0; i < r.n; i++) assert_true(r.secret_ok[i]);
    receiver_stop(&r);
}

static void test_reordering(void **state)
{
    (void)state;
    receiver r;
    receiver_start(&r, "");
    ct_sim *s = start_sim(&r, 4, 1.0, 20.0, 0, 0.3, NULL);
    for (int i = 0; i < 100 && receiver_count(&r) < 60; i++) sleep_ms(50);
    ct_sim_stop(s);
    assert_true(r.n >= 30);
    int inversions = 0;
    double prev = 0;
    for (size_t i = 0; i < r.n; i++) {
        cJSON *env = cJSON_Parse(r.bodies[i]);
        double ts = get(get(env, "message"), "timestamp")->valuedouble;
        if (ts < prev) inversions++;
        prev = ts;
        cJSON_Delete(env);
    }
    assert_true(inversions > 0);
    receiver_stop(&r);
}

static void test_dead_receiver_drops_oldest(void **state)
{
    (void)state;
    /* A port nobody listens on: bind, read the port, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", ntohs(a.sin_port));
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.calls = 10;
    o.rate = 5;
    o.history = 0;
    o.speed = 50;
    o.webhook_url = url;
    o.webhook_queue = 8;
    ct_error err;
    ct_sim *s = ct_sim_start(&o, &err);
    assert_non_null(s);
    ct_sim_stats st = {0};
    for (int i = 0; i < 60; i++) {
        ct_sim_get_stats(s, &st);
        if (st.webhooks_dropped > 0 && st.webhooks_failed > 0) break;
        sleep_ms(50);
    }
    assert_true(st.webhooks_failed > 0);
    assert_true(st.webhooks_dropped > 0);
    assert_int_equal(st.webhooks_sent, 0);
    /* the REST side is unaffected */
    char u[256];
    snprintf(u, sizeof u, "%s/assistants/v1/numbers", ct_sim_base_url(s));
    th_response resp;
    assert_int_equal(th_get(u, "demo-key", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_true(resp.seconds < 2.0);
    th_response_free(&resp);
    ct_sim_stop(s);
}

/* A receiver that accepts the TCP connection (kernel backlog) and never
 * answers: stopping the simulator must not wait out the POST's timeout. */
static void test_stop_with_a_stuck_receiver(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", ntohs(a.sin_port));
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.calls = 3;
    o.history = 0;
    o.speed = 20;
    o.webhook_url = url;
    ct_error err;
    ct_sim *s = ct_sim_start(&o, &err);
    assert_non_null(s);
    ct_sim_stats st = {0};
    for (int i = 0; i < 40 && st.webhooks_queued == 0; i++) {
        sleep_ms(50);
        ct_sim_get_stats(s, &st);
    }
    assert_true(st.webhooks_queued > 0);
    sleep_ms(200); /* the sender is now inside a POST that will never be answered */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ct_sim_stop(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(secs < 2.5); /* the POST timeout is 3 s */
    close(fd);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_five_types),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_dead_receiver_drops_oldest),
        cmocka_unit_test(test_stop_with_a_stuck_receiver),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
