/* test_fetcher.c — the fetcher thread against an in-process calltop-sim
 * over real loopback sockets: every endpoint, the page walk, connection
 * reuse, and the HTTP error outcomes (401, 404, 422). Faults, timeouts,
 * cancellation and shutdown are in test_fetcher_faults.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/sim.h"

static ct_time_ms now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ct_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (bounded) for the event answering `id`; other events are freed. */
static ct_event *wait_event(ct_inbox *in, uint64_t id, int timeout_ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
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
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
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

static void env_up(env *e, const ct_fetcher_options *fo_in, const char *key)
{
    ct_sim_options so;
    ct_sim_options_init(&so);
    so.seed = 7;
    so.port = 0;
    so.api_key = "demo-key";
    so.history = 60;
    ct_error err;
    ct_error_clear(&err);
    e->sim = ct_sim_start(&so, &err);
    assert_non_null(e->sim);
    snprintf(e->base, sizeof e->base, "http://127.0.0.1:%d", ct_sim_port(e->sim));
    e->inbox = ct_inbox_new();
    assert_non_null(e->inbox);
    ct_fetcher_options fo = {.max_retries = -1};
    if (fo_in) fo = *fo_in;
    fo.base_url = e->base;
    fo.api_key = key;
    e->f = ct_fetcher_start(&fo, e->inbox, &err);
    assert_non_null(e->f);
}

static void env_down(env *e)
{
    ct_fetcher_stop(e->f);
    ct_inbox_free(e->inbox);
    ct_sim_stop(e->sim);
}

static ct_event *expect(env *e, uint64_t id, ct_event_type type)
{
    assert_true(id > 0);
    ct_event *ev = wait_event(e->inbox, id, 15000);
    assert_non_null(ev);
    if (ev->type != type)
        fail_msg("request %llu: wanted event %d, got %d (%s: %s)", (unsigned long long)id, type,
                 ev->type, ct_strerror(ev->error.code), ev->error.detail);
    return ev;
}

/* The newest live call's id, from a live-only list. Caller frees. */
static char *some_live_call(env *e)
{
    ct_error err;
    ct_time_ms now = now_ms();
    ct_event *ev = expect(e, ct_fetch_list_calls(e->f, now - 3600 * 1000, now, true, &err),
                          CT_EV_CALLS_LISTED);
    assert_true(ev->calls.n_calls > 0);
    /* the newest one: the least likely to end while the test talks to it */
    size_t best = 0;
    for (size_t i = 1; i < ev->calls.n_calls; i++)
        if (ev->calls.calls[i].start_at > ev->calls.calls[best].start_at) best = i;
    char *id = strdup(ev->calls.calls[best].id);
    ct_event_free(ev);
    return id;
}

static void test_list_calls_walks_pages(void **state)
{
    (void)state;
    env e;
    /* list_parallel 1: the sequential walk, one page after another over one
     * keep-alive connection (test_list_calls_parallel covers the default) */
    ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 7, .list_parallel = 1};
    env_up(&e, &fo, "demo-key");
    ct_error err;
    ct_time_ms now = now_ms();
    ct_event *ev = expect(&e, ct_fetch_list_calls(e.f, now - 30LL * 86400 * 1000, now, false, &err),
                          CT_EV_CALLS_LISTED);
    assert_int_equal(ev->request_kind, CT_REQ_LIST_CALLS);
    /* history + live calls: all of them, once each, across many pages */
    assert_true(ev->calls.n_calls >= 60);
    assert_true(ev->calls.total_count >= (long)ev->calls.n_calls);
    for (size_t i = 0; i < ev->calls.n_calls; i++)
        for (size_t j = i + 1; j < ev->calls.n_calls; j++)
            assert_string_not_equal(ev->calls.calls[i].id, ev->calls.calls[j].id);
    assert_null(ev->text);
    /* running calls are included: endDate was widened past now */
    size_t live = 0;
    for (size_t i = 0; i < ev->calls.n_calls; i++) live += ct_call_is_live(&ev->calls.calls[i]);
    assert_true(live > 0);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_true(st.transfers >= (ev->calls.n_calls + 6) / 7);
    /* one keep-alive connection for every page */
    assert_int_equal(st.connections, 1);
    ct_event_free(ev);

    /* live_only keeps only live calls */
    ev = expect(&e, ct_fetch_list_calls(e.f, now - 30LL * 86400 * 1000, now, true, &err),
                CT_EV_CALLS_LISTED);
    /* (not compared with `live`: the scenario ends and starts calls meanwhile) */
    assert_true(ev->calls.n_calls > 0);
    for (size_t i = 0; i < ev->calls.n_calls; i++)
        assert_true(ct_call_is_live(&ev->calls.calls[i]));
    ct_event_free(ev);
    env_down(&e);
}

/* The default walk fetches pages 2.. concurrently once page 1 told the
 * total: the same calls as the sequential walk, on at most list_parallel
 * connections reused across the pages. */
static void test_list_calls_parallel(void **state)
{
    (void)state;
    env e;
    ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 7};
    env_up(&e, &fo, "demo-key");
    ct_error err;
    ct_time_ms now = now_ms();
    ct_event *ev = expect(&e, ct_fetch_list_calls(e.f, now - 30LL * 86400 * 1000, now, false, &err),
                          CT_EV_CALLS_LISTED);
    assert_true(ev->calls.n_calls >= 60);
    assert_true(ev->calls.total_count >= (long)ev->calls.n_calls);
    for (size_t i = 0; i < ev->calls.n_calls; i++)
        for (size_t j = i + 1; j < ev->calls.n_calls; j++)
            assert_string_not_equal(ev->calls.calls[i].id, ev->calls.calls[j].id);
    assert_null(ev->text);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_true(st.transfers >= (ev->calls.n_calls + 6) / 7);
    assert_true(st.connections >= 1 && st.connections <= 4);
    ct_event_free(ev);
    env_down(&e);
}

static void test_list_calls_page_cap(void **state)
{
    (void)state;
    env e;
    ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 5, .list_max_pages = 2};
    env_up(&e, &fo, "demo-key");
    ct_error err;
    ct_time_ms now = now_ms();
    ct_event *ev = expect(&e, ct_fetch_list_calls(e.f, now - 30LL * 86400 * 1000, now, false, &err),
                          CT_EV_CALLS_LISTED);
    assert_int_equal(ev->calls.n_calls, 10);
    assert_non_null(ev->text); /* says the walk was cut short */
    assert_non_null(strstr(ev->text, "2 pages"));
    ct_event_free(ev);
    env_down(&e);
}

static void test_get_call_and_404(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, "demo-key");
    char *id = some_live_call(&e);
    ct_error err;
    ct_event *ev = expect(&e, ct_fetch_get_call(e.f, id, &err), CT_EV_CALL_FETCHED);
    assert_string_equal(ev->call.id, id);
    assert_true(ev->call.present & CT_F_MESSAGES);
    ct_event_free(ev);

    ev = expect(&e, ct_fetch_get_call(e.f, "CC-no-such call?x=1", &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ENOTFOUND);
    assert_int_equal(ev->error.http_status, 404);
    assert_int_equal(ev->request_kind, CT_REQ_GET_CALL);
    assert_non_null(strstr(ev->error.detail, "CC-no-such call?x=1"));
    ct_event_free(ev);

    /* invalid before sending: no id, and ids that would change the path
     * (issue 13: '/', dot segments) */
    assert_int_equal(ct_fetch_get_call(e.f, "", &err), 0);
    assert_int_equal(err.code, CT_EINVAL);
    assert_int_equal(ct_fetch_get_call(e.f, "CC-no-such/call", &err), 0);
    assert_int_equal(err.code, CT_EINVAL);
    assert_int_equal(ct_fetch_get_call(e.f, "..", &err), 0);
    assert_int_equal(err.code, CT_EINVAL);
    free(id);
    env_down(&e);
}

static void test_numbers_assistant_connect_create_control(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, "demo-key");
    ct_error err;
    ct_event *nev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_NUMBERS);
    assert_true(nev->numbers.n > 0);
    const ct_number *out = NULL;
    for (size_t i = 0; i < nev->numbers.n; i++)
        if (nev->numbers.items[i].outbound_enabled) out = &nev->numbers.items[i];
    assert_non_null(out);
    assert_non_null(out->assistant_id);

    ct_event *ev = expect(&e, ct_fetch_assistant(e.f, out->assistant_id, &err), CT_EV_ASSISTANT);
    assert_string_equal(ev->assistant.id, out->assistant_id);
    ct_event_free(ev);
    ev = expect(&e, ct_fetch_assistant(e.f, "nope", &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ENOTFOUND);
    ct_event_free(ev);

    /* connect: placed once, a call comes back */
    ct_kv meta[] = {{"ticket", "T-1"}};
    ct_connect_request cr = {.phone_number_id = out->id,
                             .customer_number = "+14155550123",
                             .customer_name = "Ada",
                             .metadata = meta,
                             .n_metadata = 1};
    ev = expect(&e, ct_fetch_connect(e.f, &cr, &err), CT_EV_CALL_PLACED);
    assert_int_equal(ev->request_kind, CT_REQ_CONNECT);
    assert_non_null(ev->call.id);
    char *placed = strdup(ev->call.id);
    ct_event_free(ev);

    /* the new call is visible with Get Call */
    ev = expect(&e, ct_fetch_get_call(e.f, placed, &err), CT_EV_CALL_FETCHED);
    assert_string_equal(ev->call.user_number, "+14155550123");
    ct_event_free(ev);

    /* 422 from the server: an unknown phone number id */
    cr.phone_number_id = "000000000000000000000000";
    ev = expect(&e, ct_fetch_connect(e.f, &cr, &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_EVALIDATION);
    assert_int_equal(ev->error.http_status, 422);
    assert_string_equal(ev->error.field, "phoneNumberId");
    assert_non_null(strstr(ev->error.detail, "phoneNumberId: "));
    ct_event_free(ev);

    /* refused before sending: not E.164 */
    cr.phone_number_id = out->id;
    cr.customer_number = "0800 123";
    assert_int_equal(ct_fetch_connect(e.f, &cr, &err), 0);
    assert_int_equal(err.code, CT_EVALUE);

    /* create from raw numbers */
    ct_create_request cc = {.user_number = "+14155550124", .assistant_number = out->number};
    ev = expect(&e, ct_fetch_create(e.f, &cc, &err), CT_EV_CALL_PLACED);
    assert_non_null(ev->call.id);
    ct_event_free(ev);

    /* control on a live call */
    char *live = some_live_call(&e);
    ct_control_request say = {CT_ACTION_SAY, "One moment, please."};
    ev = expect(&e, ct_fetch_control(e.f, live, &say, &err), CT_EV_CONTROL_DONE);
    assert_string_equal(ev->call_id, live);
    assert_int_equal(ev->action, CT_ACTION_SAY);
    ct_event_free(ev);
    ct_control_request end = {CT_ACTION_END, NULL};
    ev = expect(&e, ct_fetch_control(e.f, live, &end, &err), CT_EV_CONTROL_DONE);
    assert_int_equal(ev->action, CT_ACTION_END);
    ct_event_free(ev);
    /* ... which is then over: the server refuses another action (409) */
    ev = expect(&e, ct_fetch_control(e.f, live, &say, &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_EHTTP);
    assert_int_equal(ev->error.http_status, 409);
    ct_event_free(ev);
    ev = expect(&e, ct_fetch_control(e.f, "CC-gone", &say, &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ENOTFOUND);
    ct_event_free(ev);

    free(live);
    free(placed);
    ct_event_free(nev);
    env_down(&e);
}

static void test_wrong_key_is_401(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, "not-the-key");
    ct_error err;
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_EAUTH);
    assert_int_equal(ev->error.http_status, 401);
    assert_int_equal(ev->request_kind, CT_REQ_NUMBERS);
    /* the key is never echoed in what a user sees */
    assert_null(strstr(ev->error.detail, "not-the-key"));
    ct_event_free(ev);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_int_equal(st.retries, 0); /* a refused key is final */
    env_down(&e);
}

static void test_requests_in_parallel(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, "demo-key");
    ct_error err;
    uint64_t ids[12];
    for (int i = 0; i < 12; i++)
        ids[i] = i % 2 ? ct_fetch_numbers(e.f, &err) : ct_fetch_get_call(e.f, "CC-missing", &err);
    /* every request answers exactly once, whatever the order */
    int seen[12] = {0}, total = 0;
    for (int round = 0; round < 200 && total < 12; round++) {
        struct pollfd p = {.fd = ct_inbox_fd(e.inbox), .events = POLLIN};
        poll(&p, 1, 100);
        for (ct_event *ev = ct_inbox_drain(e.inbox), *n; ev; ev = n) {
            n = ev->next;
            for (int i = 0; i < 12; i++)
                if (ev->request_id == ids[i]) {
                    seen[i]++;
                    total++;
                    assert_int_equal(ev->type, i % 2 ? CT_EV_NUMBERS : CT_EV_REQUEST_FAILED);
                }
            ct_event_free(ev);
        }
    }
    for (int i = 0; i < 12; i++) assert_int_equal(seen[i], 1);
    /* a burst shares a few keep-alive connections, not one each */
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_true(st.connections >= 1 && st.connections <= 6);
    env_down(&e);
}

/* Waits on the inbox for ms; every event that arrives meanwhile is counted
 * and freed. */
static int sit_idle(env *e, int ms)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int events = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (el >= ms) return events;
        struct pollfd p = {.fd = ct_inbox_fd(e->inbox), .events = POLLIN};
        poll(&p, 1, (int)(ms - el));
        for (ct_event *ev = ct_inbox_drain(e->inbox), *next; ev; ev = next) {
            next = ev->next;
            events++;
            ct_event_free(ev);
        }
    }
}

/* With nothing queued, waiting or in flight the thread sleeps for good:
 * no wakeup in an idle window, neither before the first request nor after
 * an answer (curl's kept-alive connection asks for no timer). A request
 * still wakes it at once (curl_multi_wakeup). */
static void test_idle_makes_no_wakeups(void **state)
{
    (void)state;
    env e;
    env_up(&e, NULL, "demo-key");
    ct_fetcher_stats a, b;
    ct_fetcher_get_stats(e.f, &a);
    assert_int_equal(sit_idle(&e, 2500), 0);
    ct_fetcher_get_stats(e.f, &b);
    if (b.wakeups - a.wakeups > 1)
        fail_msg("idle fetcher woke %llu times in 2.5 s before any request",
                 (unsigned long long)(b.wakeups - a.wakeups));

    ct_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ct_event *ev = expect(&e, ct_fetch_numbers(e.f, &err), CT_EV_NUMBERS);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ct_event_free(ev);
    long took = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(took < 1000); /* woken by the request, not by a timer */

    ct_fetcher_get_stats(e.f, &a);
    assert_true(a.wakeups > b.wakeups);
    assert_int_equal(sit_idle(&e, 2500), 0);
    ct_fetcher_get_stats(e.f, &b);
    print_message("idle after an answer: %llu wakeups in 2.5 s\n",
                  (unsigned long long)(b.wakeups - a.wakeups));
    if (b.wakeups - a.wakeups > 1)
        fail_msg("idle fetcher woke %llu times in 2.5 s after an answer",
                 (unsigned long long)(b.wakeups - a.wakeups));
    assert_int_equal(b.transfers, 1);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_calls_walks_pages),
        cmocka_unit_test(test_list_calls_parallel),
        cmocka_unit_test(test_list_calls_page_cap),
        cmocka_unit_test(test_get_call_and_404),
        cmocka_unit_test(test_numbers_assistant_connect_create_control),
        cmocka_unit_test(test_wrong_key_is_401),
        cmocka_unit_test(test_requests_in_parallel),
        cmocka_unit_test(test_idle_makes_no_wakeups),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
