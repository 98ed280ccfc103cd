/* test_fetcher_faults.c — the fetcher when things go wrong, against an
 * in-process calltop-sim with injected faults: a 429 waited out, a POST
 * never retried under 500s, malformed bodies, timeouts, a closed port, an
 * oversized response, cancellation, and shutdown with requests in flight. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/sim.h"

static long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static ct_event *wait_event(ct_inbox *in, uint64_t id, int timeout_ms)
{
    long t0 = mono_ms();
    for (;;) {
        ct_event *ev = ct_inbox_drain(in), *hit = NULL;
        while (ev) {
            ct_event *next = ev->next;
            if (!hit && ev->request_id == id) hit = ev;
            else ct_event_free(ev);
            ev = next;
        }
        if (hit) {
            hit->next = NULL;
            return hit;
        }
        long el = mono_ms() - t0;
        if (el >= timeout_ms) return NULL;
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        poll(&p, 1, (int)(timeout_ms - el));
    }
}

typedef struct env {
    ct_sim *sim;
    ct_inbox *inbox;
    ct_fetcher *f;
    char base[64];
} env;

/* A sim with no scenario (quiet and fast) plus the given faults. */
static void env_up(env *e, const ct_sim_options *faults, const ct_fetcher_options *fo_in)
{
    ct_sim_options so;
    ct_sim_options_init(&so);
    if (faults) so = *faults;
    so.seed = so.seed ? so.seed : 11;
    so.port = 0;
    so.api_key = "demo-key";
    so.calls = 2;
    so.rate = 0;
    so.history = so.history ? so.history : 10;
    so.speed = 1;
    ct_error err;
    ct_error_clear(&err);
    e->sim = ct_sim_start(&so, &err);
    if (!e->sim) fail_msg("sim: %s", err.detail);
    snprintf(e->base, sizeof e->base, "http://127.0.0.1:%d", ct_sim_port(e->sim));
    e->inbox = ct_inbox_new();
    ct_fetcher_options fo = {.max_retries = -1};
    if (fo_in) fo = *fo_in;
    fo.base_url = e->base;
    fo.api_key = "demo-key";
    e->f = ct_fetcher_start(&fo, e->inbox, &err);
    assert_non_null(e->f);
}

static void env_down(env *e)
{
    ct_fetcher_stop(e->f);
    ct_inbox_free(e->inbox);
    ct_sim_stop(e->sim);
}

static ct_event *expect(env *e, uint64_t id, ct_event_type type, int timeout_ms)
{
    assert_true(id > 0);
    ct_event *ev = wait_event(e->inbox, id, timeout_ms);
    if (!ev) fail_msg("request %llu: no event in %d ms", (unsigned long long)id, timeout_ms);
    if (ev->type != type)
        fail_msg("request %llu: wanted event %d, got %d (%s: %s)", (unsigned long long)id, type,
                 ev->type, ct_strerror(ev->error.code), ev->error.detail);
    return ev;
}

static uint64_t sim_requests(env *e)
{
    ct_sim_stats st;
    ct_sim_get_stats(e->sim, &st);
    return st.requests;
}

/* 429 with Retry-After: 1 is waited out (about a second), then succeeds. */
static void test_rate_limit_waited_out(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.rate_limit_rate = 0.5, .seed = 3};
    ct_fetcher_options fo = {.max_retries = 12, .retry_base_ms = 10};
    env_up(&e, &so, &fo);
    ct_error err;
    bool waited = false;
    for (int i = 0; i < 20 && !waited; i++) {
        ct_fetcher_stats before, after;
        ct_fetcher_get_stats(e.f, &before);
        long t0 = mono_ms();
        ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_NUMBERS, 30000);
        long took = mono_ms() - t0;
        ct_fetcher_get_stats(e.f, &after);
        if (after.retries > before.retries) {
            waited = true;
            /* Retry-After: 1 honoured per retry, not the 10 ms backoff */
            assert_true(took >= 950 * (long)(after.retries - before.retries));
        }
        assert_true(ev->numbers.n > 0);
        ct_event_free(ev);
    }
    assert_true(waited);
    env_down(&e);
}

/* Rate limited on every try: the retries are spent, then the 429 is shown. */
static void test_rate_limit_reported(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.rate_limit_rate = 1.0};
    ct_fetcher_options fo = {.max_retries = 1};
    env_up(&e, &so, &fo);
    ct_error err;
    long t0 = mono_ms();
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED, 30000);
    assert_int_equal(ev->error.code, CT_ERATELIMIT);
    assert_int_equal(ev->error.http_status, 429);
    assert_int_equal(ev->error.retry_after_s, 1);
    assert_true(mono_ms() - t0 >= 950);
    assert_int_equal(sim_requests(&e), 2);
    ct_event_free(ev);
    env_down(&e);
}

/* Under 500s on every request a GET is retried, a POST never is. */
static void test_post_never_retried(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.error_rate = 1.0};
    ct_fetcher_options fo = {.max_retries = 3, .retry_base_ms = 5, .retry_cap_ms = 20};
    env_up(&e, &so, &fo);
    ct_error err;
    ct_connect_request cr = {.phone_number_id = "anything", .customer_number = "+14155550123"};
    ct_event *ev = expect(&e, ct_fetch_connect(e.f, &cr, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ESERVER);
    assert_int_equal(ev->error.http_status, 500);
    assert_int_equal(ev->request_kind, CT_REQ_CONNECT);
    /* the server may have placed it before failing: the user must look */
    assert_non_null(strstr(ev->error.detail, "may have acted on it before failing; not retried"));
    ct_event_free(ev);
    /* the simulator saw exactly one connect */
    assert_int_equal(sim_requests(&e), 1);

    ct_control_request say = {CT_ACTION_SAY, "hi"};
    ev = expect(&e, ct_fetch_control(e.f, "CC-x", &say, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ESERVER);
    ct_event_free(ev);
    assert_int_equal(sim_requests(&e), 2);

    /* the same fault on a GET: 1 try + 3 retries */
    ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ESERVER);
    ct_event_free(ev);
    assert_int_equal(sim_requests(&e), 6);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_int_equal(st.retries, 3);
    env_down(&e);
}

/* The server drops connections without answering: a GET is retried, a POST
 * is not and says it may have reached the server; nothing kills us. */
static void test_connection_reset(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.reset_rate = 1.0};
    ct_fetcher_options fo = {.max_retries = 2, .retry_base_ms = 5, .retry_cap_ms = 10};
    env_up(&e, &so, &fo);
    ct_error err;
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ECONNECT);
    ct_event_free(ev);
    assert_int_equal(sim_requests(&e), 3);
    ct_control_request end = {CT_ACTION_END, "bye"};
    ev = expect(&e, ct_fetch_control(e.f, "CC-1", &end, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ECONNECT);
    assert_non_null(strstr(ev->error.detail, "may have reached the server; not retried"));
    ct_event_free(ev);
    assert_int_equal(sim_requests(&e), 4);
    env_down(&e);
}

static void test_malformed_body(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.malformed_rate = 1.0};
    ct_fetcher_options fo = {.max_retries = 1, .retry_base_ms = 5};
    env_up(&e, &so, &fo);
    ct_error err;
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_EMALFORMED);
    ct_event_free(ev);
    ct_time_ms now = (ct_time_ms)time(NULL) * 1000;
    ev = expect(&e, ct_fetch_list_calls(e.f, now - 3600000, now, false, &err), CT_EV_REQUEST_FAILED,
                10000);
    assert_int_equal(ev->error.code, CT_EMALFORMED);
    ct_event_free(ev);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_int_equal(st.retries, 2); /* each GET tried twice: it may be a passing glitch */
    env_down(&e);
}

static void test_timeout(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.latency_ms = 4000};
    ct_fetcher_options fo = {.max_retries = 0, .total_timeout_ms = 200};
    env_up(&e, &so, &fo);
    ct_error err;
    long t0 = mono_ms();
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ETIMEOUT);
    assert_true(mono_ms() - t0 < 3000); /* our 200 ms, not the server's 4 s */
    ct_event_free(ev);
    env_down(&e);
}

static void test_connect_refused(void **state)
{
    (void)state;
    /* a port that was just free: bind, learn it, close */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", ntohs(a.sin_port));

    ct_inbox *in = ct_inbox_new();
    ct_error err;
    ct_fetcher_options fo = {
        .base_url = base, .api_key = "k", .max_retries = 2, .retry_base_ms = 5, .retry_cap_ms = 10};
    ct_fetcher *f = ct_fetcher_start(&fo, in, &err);
    assert_non_null(f);
    uint64_t id = ct_fetch_numbers(f, &err);
    ct_event *ev = wait_event(in, id, 10000);
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ECONNECT);
    assert_int_equal(ev->error.http_status, 0);
    ct_event_free(ev);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(f, &st);
    assert_int_equal(st.transfers, 3); /* a GET: retried */
    /* a POST to the closed port was never sent: no "may have" doubt */
    ct_control_request end = {CT_ACTION_END, NULL};
    id = ct_fetch_control(f, "CC-1", &end, &err);
    ev = wait_event(in, id, 10000);
    assert_non_null(ev);
    assert_int_equal(ev->error.code, CT_ECONNECT);
    assert_null(strstr(ev->error.detail, "may have"));
    ct_event_free(ev);
    ct_fetcher_stop(f);
    ct_inbox_free(in);
}

/* https:// to a plain-HTTP server: the handshake fails, reported as TLS. */
static void test_tls_failure(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, NULL);
    char base[64];
    snprintf(base, sizeof base, "https://127.0.0.1:%d", ct_sim_port(e.sim));
    ct_error err;
    ct_fetcher_options fo = {.base_url = base, .api_key = "demo-key", .max_retries = 2};
    ct_fetcher *f = ct_fetcher_start(&fo, e.inbox, &err);
    assert_non_null(f);
    uint64_t id = ct_fetch_numbers(f, &err);
    ct_event *ev = wait_event(e.inbox, id, 10000);
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ETLS);
    ct_event_free(ev);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(f, &st);
    assert_int_equal(st.retries, 0); /* a TLS failure is not transient */
    ct_fetcher_stop(f);
    env_down(&e);
}

static void test_bad_base_url_refused(void **state)
{
    (void)state;
    ct_inbox *in = ct_inbox_new();
    static const char *const bad[] = {"https://user:pw@api-prod.interactly.ai",
                                      "ftp://api-prod.interactly.ai", "api-prod.interactly.ai", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_error err;
        ct_error_clear(&err);
        ct_fetcher_options fo = {.base_url = bad[i], .api_key = "secret-key"};
        assert_null(ct_fetcher_start(&fo, in, &err));
        assert_true(err.code == CT_ECONFIG || err.code == CT_EINVAL);
        assert_null(strstr(err.detail, "pw@"));
    }
    ct_inbox_free(in);
}

static void test_oversized_response(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.history = 80};
    ct_fetcher_options fo = {.max_retries = -1, .max_body_bytes = 2048};
    env_up(&e, &so, &fo);
    ct_error err;
    ct_time_ms now = (ct_time_ms)time(NULL) * 1000;
    ct_event *ev = expect(&e, ct_fetch_list_calls(e.f, now - 30LL * 86400000, now, false, &err),
                          CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ETOOBIG);
    ct_event_free(ev);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_int_equal(st.retries, 0); /* a size cap is not transient */
    /* small answers still pass */
    ev = expect(&e, ct_fetch_get_call(e.f, "CC-none", &err), CT_EV_REQUEST_FAILED, 10000);
    assert_int_equal(ev->error.code, CT_ENOTFOUND);
    ct_event_free(ev);
    env_down(&e);
}

static void test_cancel(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.latency_ms = 6000};
    env_up(&e, &so, NULL);
    ct_error err;
    /* in flight */
    uint64_t a = ct_fetch_numbers(e.f, &err);
    struct timespec ts = {0, 100 * 1000000};
    nanosleep(&ts, NULL);
    long t0 = mono_ms();
    ct_fetch_cancel(e.f, a);
    ct_event *ev = expect(&e, a, CT_EV_REQUEST_FAILED, 5000);
    assert_int_equal(ev->error.code, CT_ECANCELLED);
    assert_int_equal(ev->request_kind, CT_REQ_NUMBERS);
    assert_true(mono_ms() - t0 < 4000); /* long before the 6 s answer */
    ct_event_free(ev);
    /* queued and cancelled at once */
    uint64_t b = ct_fetch_get_call(e.f, "CC-1", &err);
    ct_fetch_cancel(e.f, b);
    ev = expect(&e, b, CT_EV_REQUEST_FAILED, 2000);
    assert_int_equal(ev->error.code, CT_ECANCELLED);
    ct_event_free(ev);
    /* cancelling an unknown or finished id is harmless */
    ct_fetch_cancel(e.f, 999999);
    ct_fetch_cancel(e.f, a);
    env_down(&e);
}

static void test_cancel_waiting_retry(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.error_rate = 1.0};
    ct_fetcher_options fo = {.max_retries = 5, .retry_base_ms = 5000, .retry_cap_ms = 5000};
    env_up(&e, &so, &fo);
    ct_error err;
    uint64_t id = ct_fetch_numbers(e.f, &err);
    /* wait for the first 500, then cancel while the retry timer runs */
    for (int i = 0; i < 100 && sim_requests(&e) < 1; i++) {
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
    }
    ct_fetch_cancel(e.f, id);
    ct_event *ev = expect(&e, id, CT_EV_REQUEST_FAILED, 2000);
    assert_int_equal(ev->error.code, CT_ECANCELLED);
    ct_event_free(ev);
    env_down(&e);
}

/* Stopping with transfers in flight, queued and waiting: quick, and ASan
 * finds nothing leaked; nothing more is posted. */
static void test_shutdown_in_flight(void **state)
{
    (void)state;
    env e;
    ct_sim_options so = {.latency_ms = 2000};
    env_up(&e, &so, NULL);
    ct_error err;
    for (int i = 0; i < 8; i++) assert_true(ct_fetch_numbers(e.f, &err) > 0);
    ct_time_ms now = (ct_time_ms)time(NULL) * 1000;
    assert_true(ct_fetch_list_calls(e.f, now - 3600000, now, true, &err) > 0);
    struct timespec ts = {0, 150 * 1000000};
    nanosleep(&ts, NULL);
    long t0 = mono_ms();
    ct_fetcher_stop(e.f);
    assert_true(mono_ms() - t0 < 1500); /* the 2 s answers are not awaited */
    ct_event *left = ct_inbox_drain(e.inbox);
    assert_null(left);
    ct_inbox_free(e.inbox);
    ct_sim_stop(e.sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_limit_waited_out),
        cmocka_unit_test(test_rate_limit_reported),
        cmocka_unit_test(test_post_never_retried),
        cmocka_unit_test(test_connection_reset),
        cmocka_unit_test(test_malformed_body),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_tls_failure),
        cmocka_unit_test(test_bad_base_url_refused),
        cmocka_unit_test(test_oversized_response),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_waiting_retry),
        cmocka_unit_test(test_shutdown_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
