/* test_fetcher_raw.c — the fetcher against a scripted raw-socket HTTP server,
 * for what the simulator cannot produce or show: the exact request headers
 * (bearer token, no Expect, JSON content type), a chunked body over the size
 * cap (aborted by the write callback), a redirect that must not be
 * followed, a 503 whose Retry-After is an HTTP-date, and the server's own
 * JSON (fields calltop does not know) handed through for `--json`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "calltop/fetcher.h"
#include "calltop/inbox.h"

/* ---- a scripted server: connection i gets response i, then is closed ---- */

#define MAX_CONN 8
typedef struct raw_server {
    int lfd, port;
    const char *responses[MAX_CONN]; /* NULL: use a built-in large chunked body */
    int n_responses;
    char *requests[MAX_CONN]; /* what each connection sent */
    int n_requests;
    pthread_mutex_t lock;
    pthread_t thread;
    atomic_int stop; /* set by server_stop, read by the server thread */
} raw_server;

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

/* Reads one request: headers, then Content-Length bytes of body. */
static char *read_request(int fd)
{
    size_t cap = 8192, len = 0;
    char *buf = calloc(1, cap + 1);
    long want = -1;
    for (int i = 0; i < 200 && len < cap; i++) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0) continue;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r <= 0) break;
        len += (size_t)r;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        if (end && want < 0) {
            const char *cl = strcasestr(buf, "\r\ncontent-length:");
            want = (long)(end + 4 - buf) + (cl && cl < end ? atol(cl + 17) : 0);
        }
        if (want >= 0 && (long)len >= want) break;
    }
    return buf;
}

static void send_big_chunked(int fd)
{
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    send_all(fd, head, strlen(head));
    char chunk[1100];
    for (int i = 0; i < 64; i++) { /* 64 KiB of a JSON array, no Content-Length */
        int n = snprintf(chunk, sizeof chunk, "400\r\n");
        memset(chunk + n, ' ', 1024);
        if (i == 0) chunk[n] = '[';
        memcpy(chunk + n + 1024, "\r\n", 2);
        send_all(fd, chunk, (size_t)n + 1026);
    }
    send_all(fd, "1\r\n]\r\n0\r\n\r\n", 11);
}

static void *serve(void *arg)
{
    raw_server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0) continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) continue;
        char *req = read_request(fd);
        pthread_mutex_lock(&s->lock);
        int i = s->n_requests;
        if (i < MAX_CONN) s->requests[s->n_requests++] = req;
        else free(req);
        pthread_mutex_unlock(&s->lock);
        const char *resp = i < s->n_responses ? s->responses[i] : s->responses[s->n_responses - 1];
        if (resp) send_all(fd, resp, strlen(resp));
        else send_big_chunked(fd);
        shutdown(fd, SHUT_WR);
        close(fd);
    }
    return NULL;
}

static void server_start(raw_server *s)
{
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->lfd, 8), 0);
    socklen_t al = sizeof a;
    getsockname(s->lfd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

static void server_stop(raw_server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->lfd);
    for (int i = 0; i < s->n_requests; i++) free(s->requests[i]);
    pthread_mutex_destroy(&s->lock);
}

static int server_count(raw_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->n_requests;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* ---- the fetcher side ---------------------------------------------------- */

typedef struct env {
    raw_server srv;
    ct_inbox *inbox;
    ct_fetcher *f;
} env;

static void env_up(env *e, const ct_fetcher_options *fo_in)
{
    server_start(&e->srv);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", e->srv.port);
    e->inbox = ct_inbox_new();
    ct_fetcher_options fo = {.max_retries = -1};
    if (fo_in) fo = *fo_in;
    fo.base_url = base; /* copied by the fetcher */
    fo.api_key = "raw-key-123";
    ct_error err;
    e->f = ct_fetcher_start(&fo, e->inbox, &err);
    assert_non_null(e->f);
}

static void env_down(env *e)
{
    ct_fetcher_stop(e->f);
    ct_inbox_free(e->inbox);
    server_stop(&e->srv);
}

static ct_event *wait_event(ct_inbox *in, uint64_t id)
{
    for (int i = 0; i < 300; i++) { /* up to ~15 s */
        ct_event *ev = ct_inbox_drain(in), *hit = NULL;
        while (ev) {
            ct_event *next = ev->next;
            if (!hit && ev->request_id == id) hit = ev;
            else ct_event_free(ev);
            ev = next;
        }
        if (hit) return hit;
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        poll(&p, 1, 50);
    }
    return NULL;
}

static const char numbers_ok[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Content-Length: 2\r\n\r\n[]";
static const char control_ok[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    "Content-Length: 67\r\n\r\n"
    "{\"message\":\"Call controlled successfully.\",\"data\":{\"success\":true}}";

static void test_request_headers(void **state)
{
    (void)state;
    env e = {.srv = {.responses = {numbers_ok, control_ok}, .n_responses = 2}};
    env_up(&e, NULL);
    ct_error err;
    ct_event *ev = wait_event(e.inbox, ct_fetch_numbers(e.f, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_NUMBERS);
    ct_event_free(ev);
    ct_control_request say = {CT_ACTION_SAY, "hi there"};
    /* '/' in an id is refused before sending (issue 13); the rest is escaped */
    assert_int_equal(ct_fetch_control(e.f, "a/b c", &say, &err), 0);
    assert_int_equal(err.code, CT_EINVAL);
    ev = wait_event(e.inbox, ct_fetch_control(e.f, "a?b c", &say, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_CONTROL_DONE);
    ct_event_free(ev);

    assert_int_equal(server_count(&e.srv), 2);
    const char *get = e.srv.requests[0], *post = e.srv.requests[1];
    assert_true(strncmp(get, "GET /assistants/v1/numbers HTTP/1.1\r\n", 37) == 0);
    assert_non_null(strstr(get, "\r\nAuthorization: Bearer raw-key-123\r\n"));
    assert_non_null(strstr(get, "\r\nAccept: application/json\r\n"));
    assert_non_null(strstr(get, "\r\nUser-Agent: calltop/"));
    assert_true(strncmp(post, "POST /calls/v1/conversations/a%3Fb%20c/control HTTP/1.1\r\n", 57) ==
                0);
    assert_non_null(strstr(post, "\r\nAuthorization: Bearer raw-key-123\r\n"));
    assert_non_null(strstr(post, "\r\nContent-Type: application/json\r\n"));
    assert_null(strcasestr(post, "\r\nExpect:"));
    assert_non_null(strstr(post, "\r\n\r\n{\"type\":\"say\",\"message\":\"hi there\"}"));
    env_down(&e);
}

static void test_chunked_body_over_cap(void **state)
{
    (void)state;
    env e = {.srv = {.responses = {NULL}, .n_responses = 1}};
    ct_fetcher_options fo = {.max_retries = -1, .max_body_bytes = 4096};
    env_up(&e, &fo);
    ct_error err;
    ct_event *ev = wait_event(e.inbox, ct_fetch_numbers(e.f, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ETOOBIG);
    assert_non_null(strstr(ev->error.detail, "exceeded 4096 bytes"));
    ct_event_free(ev);
    assert_int_equal(server_count(&e.srv), 1); /* not retried */
    env_down(&e);

    /* the same body under the default 8 MiB cap decodes fine */
    env e2 = {.srv = {.responses = {NULL}, .n_responses = 1}};
    env_up(&e2, NULL);
    ev = wait_event(e2.inbox, ct_fetch_numbers(e2.f, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_NUMBERS);
    ct_event_free(ev);
    env_down(&e2);
}

/* A server that echoes the key in its error text: the key is masked. */
static void test_echoed_key_is_masked(void **state)
{
    (void)state;
    static const char echo[] =
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: 65\r\n\r\n"
        "{\"detail\":\"Invalid API key raw-key-123 (raw-key-123 is unknown)\"}";
    env e = {.srv = {.responses = {echo}, .n_responses = 1}};
    env_up(&e, NULL);
    ct_error err;
    ct_event *ev = wait_event(e.inbox, ct_fetch_numbers(e.f, &err));
    assert_non_null(ev);
    assert_int_equal(ev->error.code, CT_EAUTH);
    assert_null(strstr(ev->error.detail, "raw-key-123"));
    assert_non_null(strstr(ev->error.detail, "Invalid API key [redacted] ([redacted] is unknown)"));
    ct_event_free(ev);
    env_down(&e);
}

static void test_redirect_not_followed(void **state)
{
    (void)state;
    static const char redirect[] =
        "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/steal\r\nConnection: close\r\n"
        "Content-Length: 0\r\n\r\n";
    env e = {.srv = {.responses = {redirect}, .n_responses = 1}};
    env_up(&e, NULL);
    ct_error err;
    ct_event *ev = wait_event(e.inbox, ct_fetch_get_call(e.f, "CC-1", &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_EHTTP);
    assert_int_equal(ev->error.http_status, 302);
    assert_non_null(strstr(ev->error.detail, "not followed"));
    ct_event_free(ev);
    assert_int_equal(server_count(&e.srv), 1);
    env_down(&e);
}

static void test_retry_after_http_date(void **state)
{
    (void)state;
    /* 503 asking to come back at a date 2 s from now (whole seconds, so 1-2 s) */
    char busy[256];
    time_t at = time(NULL) + 2;
    struct tm tm;
    gmtime_r(&at, &tm);
    char date[64];
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(busy, sizeof busy,
             "HTTP/1.1 503 Service Unavailable\r\nRetry-After: %s\r\nConnection: close\r\n"
             "Content-Length: 0\r\n\r\n",
             date);
    env e = {.srv = {.responses = {busy, numbers_ok}, .n_responses = 2}};
    ct_fetcher_options fo = {.max_retries = 2, .retry_base_ms = 1, .retry_cap_ms = 1};
    env_up(&e, &fo);
    ct_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ct_event *ev = wait_event(e.inbox, ct_fetch_numbers(e.f, &err));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_NUMBERS);
    ct_event_free(ev);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 900); /* the date was honoured, not the 1 ms backoff */
    assert_true(ms < 5000);
    assert_int_equal(server_count(&e.srv), 2);
    env_down(&e);
}

/* A 200 response carrying body (into buf). */
static const char *ok_json(char *buf, size_t cap, const char *body)
{
    snprintf(buf, cap,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
             "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
             strlen(body), body);
    return buf;
}

/* With keep_raw_json, every result carries what the server sent: a list
 * walk's call objects (deduplicated across pages, filtered, aligned with the
 * decoded calls, unknown fields intact), and the bodies of get call and list
 * numbers. Without it, nothing. */
static void test_raw_json_passthrough(void **state)
{
    (void)state;
    char r0[1024], r1[1024], r2[1024], r3[512], r4[1024];
    /* page 1: a live call and a finished one; page 2 repeats the live call
     * (pages shift while calls arrive: the first copy wins) and adds one */
    const char *page1 = "{\"totalCount\":3,\"conversations\":["
                        "{\"id\":\"CC-live\",\"status\":\"ongoing\",\"startAt\":1764150000000,"
                        "\"futureField\":{\"x\":1},\"tags\":[\"vip\"]},"
                        "{\"id\":\"CC-done\",\"status\":\"finished\",\"startAt\":1764140000000,"
                        "\"endAt\":1764140060000,\"futureField\":{\"x\":2}}]}";
    const char *page2 = "{\"totalCount\":3,\"conversations\":["
                        "{\"id\":\"CC-live\",\"status\":\"ongoing\",\"startAt\":1764150000000,"
                        "\"futureField\":{\"x\":99}},"
                        "{\"id\":\"CC-new\",\"status\":\"queued\",\"startAt\":1764150100000,"
                        "\"futureField\":{\"x\":3}}]}";
    const char *call = "{\"id\":\"CC-live\",\"status\":\"ongoing\",\"extra\":\"kept\","
                       "\"messages\":[{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"hi\","
                       "\"sentiment\":\"warm\"}]}";
    const char *numbers = "[{\"_id\":\"n1\",\"phoneNumber\":\"+14155550100\","
                          "\"carrierNote\":\"kept too\"}]";
    env e = {.srv = {.responses = {ok_json(r0, sizeof r0, page1), ok_json(r1, sizeof r1, page2),
                                   ok_json(r2, sizeof r2, call), ok_json(r3, sizeof r3, numbers),
                                   ok_json(r4, sizeof r4, page1)},
                     .n_responses = 5}};
    ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 2, .keep_raw_json = true};
    env_up(&e, &fo);
    ct_error err;

    /* --live: the finished call is dropped from both */
    ct_event *ev =
        wait_event(e.inbox, ct_fetch_list_calls(e.f, 1764100000000, 1764160000000, true, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_CALLS_LISTED);
    assert_int_equal(ev->calls.n_calls, 2);
    assert_non_null(ev->raw_json);
    cJSON *raw = cJSON_Parse(ev->raw_json);
    assert_true(cJSON_IsArray(raw));
    assert_int_equal(cJSON_GetArraySize(raw), 2);
    for (int i = 0; i < 2; i++) {
        const cJSON *o = cJSON_GetArrayItem(raw, i);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")),
                            ev->calls.calls[i].id);
    }
    const cJSON *live = cJSON_GetArrayItem(raw, 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(live, "id")), "CC-live");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(live, "futureField"), "x")->valueint,
                     1);
    assert_non_null(cJSON_GetObjectItem(live, "tags"));
    cJSON_Delete(raw);
    ct_event_free(ev);

    ev = wait_event(e.inbox, ct_fetch_get_call(e.f, "CC-live", &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_CALL_FETCHED);
    assert_string_equal(ev->raw_json, call);
    ct_event_free(ev);

    ev = wait_event(e.inbox, ct_fetch_numbers(e.f, &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_NUMBERS);
    assert_string_equal(ev->raw_json, numbers);
    ct_event_free(ev);
    env_down(&e);

    /* the board's fetcher does not keep them */
    env e2 = {.srv = {.responses = {ok_json(r4, sizeof r4, call)}, .n_responses = 1}};
    env_up(&e2, NULL);
    ev = wait_event(e2.inbox, ct_fetch_get_call(e2.f, "CC-live", &err));
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_CALL_FETCHED);
    assert_null(ev->raw_json);
    ct_event_free(ev);
    env_down(&e2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_headers),       cmocka_unit_test(test_chunked_body_over_cap),
        cmocka_unit_test(test_echoed_key_is_masked),  cmocka_unit_test(test_redirect_not_followed),
        cmocka_unit_test(test_retry_after_http_date), cmocka_unit_test(test_raw_json_passthrough),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
