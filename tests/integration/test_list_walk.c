/* test_list_walk.c — the fetcher's List Calls walk against every list
 * behaviour the vendor leaves undocumented, over real loopback sockets:
 * sort order (newest | oldest first) x window semantics (overlapping |
 * started-in | ended-in) x page-size cap (100 | 30 with a 422 | 30 served
 * silently) x the end state's spelling (finished | completed), each walked
 * one page after another and in parallel. Each walk must equal the
 * simulator's truth: a twin simulator (same seed, same start) read in one
 * single page. Also: known live calls the list leaves out are re-checked
 * by GET, and a 429 storm makes one shared pause with no burst after it
 * (the simulator logs each request's arrival time). */
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

#include "calltop/api.h"
#include "calltop/clock.h"
#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/sim.h"

#define HISTORY 240
#define LIVE    4

/* Waits (bounded) for the event answering `id`; other events go to *side
 * (appended) when side is given, else are freed. */
static ct_event *wait_event(ct_inbox *in, uint64_t id, int timeout_ms, ct_event **side)
{
    int64_t t0 = ct_clock_mono_ms();
    for (;;) {
        ct_event *ev = ct_inbox_drain(in), *hit = NULL;
        while (ev) {
            ct_event *next = ev->next;
            ev->next = NULL;
            if (!hit && ev->request_id == id) {
                hit = ev;
            } else if (side) {
                ct_event **pp = side;
                while (*pp) pp = &(*pp)->next;
                *pp = ev;
            } else {
                ct_event_free(ev);
            }
            ev = next;
        }
        if (hit) return hit;
        int64_t el = ct_clock_mono_ms() - t0;
        if (el >= timeout_ms) return NULL;
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        poll(&p, 1, (int)(timeout_ms - el));
    }
}

static void free_events(ct_event *ev)
{
    while (ev) {
        ct_event *next = ev->next;
        ct_event_free(ev);
        ev = next;
    }
}

typedef struct env {
    ct_sim *sim;
    ct_inbox *inbox;
    ct_fetcher *f;
    char base[64];
} env;

static void scenario(ct_sim_options *so, int64_t start_ms)
{
    ct_sim_options_init(so);
    so->seed = 11;
    so->port = 0;
    so->api_key = "demo-key";
    so->history = HISTORY;
    so->calls = LIVE;
    so->rate = 0;     /* no arrivals: the set of calls is fixed */
    so->speed = 0.01; /* live calls barely move while the test runs */
    so->start_ms = start_ms;
}

static void env_up(env *e, const ct_sim_options *so, const ct_fetcher_options *fo_in)
{
    ct_error err;
    ct_error_clear(&err);
    e->sim = ct_sim_start(so, &err);
    assert_non_null(e->sim);
    snprintf(e->base, sizeof e->base, "%s", ct_sim_base_url(e->sim));
    e->inbox = ct_inbox_new();
    assert_non_null(e->inbox);
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

static ct_event *list(env *e, ct_time_ms start, ct_time_ms end, ct_event **side)
{
    ct_error err;
    ct_error_clear(&err);
    uint64_t id = ct_fetch_list_calls(e->f, start, end, false, &err);
    assert_true(id > 0);
    ct_event *ev = wait_event(e->inbox, id, 30000, side);
    assert_non_null(ev);
    if (ev->type != CT_EV_CALLS_LISTED)
        fail_msg("list: wanted CALLS_LISTED, got %d (%s: %s)", ev->type,
                 ct_strerror(ev->error.code), ev->error.detail);
    return ev;
}

/* The truth: a twin simulator with no page cap, read in one page. */
static ct_event *truth(const ct_sim_options *so_in, ct_time_ms start, ct_time_ms end)
{
    ct_sim_options so = *so_in;
    so.max_page_size = 100000;
    so.list_oldest_first = false;
    so.rate_limit_count = 0;
    so.latency_ms = 0;
    ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 100000, .list_parallel = 1};
    env t;
    env_up(&t, &so, &fo);
    ct_event *ev = list(&t, start, end, NULL);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(t.f, &st);
    assert_int_equal(st.transfers, 1); /* one page: nothing to walk */
    assert_int_equal((long)ev->calls.n_calls, ev->calls.total_count);
    env_down(&t);
    return ev;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Same ids (each once), same liveness, and every ended call reads as
 * finished whatever the server called it. */
static void assert_same_calls(const ct_call_list *got, const ct_call_list *want)
{
    assert_int_equal(got->n_calls, want->n_calls);
    size_t n = got->n_calls;
    const char **a = calloc(n + 1, sizeof *a), **b = calloc(n + 1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    size_t live_got = 0, live_want = 0;
    for (size_t i = 0; i < n; i++) {
        a[i] = got->calls[i].id;
        b[i] = want->calls[i].id;
        live_got += ct_call_is_live(&got->calls[i]);
        live_want += ct_call_is_live(&want->calls[i]);
        if (!ct_call_is_live(&got->calls[i]))
            assert_int_equal(got->calls[i].status, CT_STATUS_FINISHED);
    }
    qsort(a, n, sizeof *a, cmp_str);
    qsort(b, n, sizeof *b, cmp_str);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(a[i], b[i]);
        if (i > 0) assert_string_not_equal(a[i], a[i - 1]); /* no duplicates */
    }
    assert_int_equal(live_got, live_want);
    free(a);
    free(b);
}

static const char *const window_names[] = {"overlapping", "started-in", "ended-in"};

static void test_every_combination(void **state)
{
    (void)state;
    int64_t t0 = ct_clock_wall_ms();
    ct_time_ms start = t0 - 30LL * 86400 * 1000, end = t0;
    int combos = 0;
    for (int window = CT_SIM_WINDOW_OVERLAP; window <= CT_SIM_WINDOW_ENDED; window++)
        for (int completed = 0; completed < 2; completed++) {
            ct_sim_options so;
            scenario(&so, t0);
            so.list_window = window;
            so.status_completed = completed;
            ct_event *want = truth(&so, start, end);
            /* the window semantics really differ: ended-in lists no live call */
            size_t live = 0;
            for (size_t i = 0; i < want->calls.n_calls; i++)
                live += ct_call_is_live(&want->calls.calls[i]);
            assert_int_equal(live, window == CT_SIM_WINDOW_ENDED ? 0 : LIVE);
            /* cap: 0 = 100 (our size), 1 = 30 with a 422, 2 = 30 served silently */
            for (int oldest = 0; oldest < 2; oldest++)
                for (int cap = 0; cap < 3; cap++)
                    for (int parallel = 1; parallel <= 4; parallel += 3) {
                        so.list_oldest_first = oldest;
                        so.max_page_size = cap ? 30 : 0;
                        so.clamp_page_size = cap == 2;
                        ct_fetcher_options fo = {.max_retries = -1, .list_parallel = parallel};
                        env e;
                        env_up(&e, &so, &fo);
                        print_message("window %s, %s, %s, cap %s, parallel %d\n",
                                      window_names[window], completed ? "completed" : "finished",
                                      oldest ? "oldest first" : "newest first",
                                      cap == 2  ? "30 (silent)"
                                          : cap ? "30 (422)"
                                                : "100",
                                      parallel);
                        ct_event *got = list(&e, start, end, NULL);
                        assert_same_calls(&got->calls, &want->calls);
                        assert_null(got->text);
                        ct_fetcher_stats st;
                        ct_fetcher_get_stats(e.f, &st);
                        /* the cap was learned from one 422 (or a short page), then kept */
                        assert_int_equal(st.size_retries, cap == 1 ? 1 : 0);
                        assert_int_equal(ct_fetcher_page_size(e.f), cap ? 30 : 100);
                        ct_event_free(got);
                        got = list(&e, start, end, NULL);
                        assert_same_calls(&got->calls, &want->calls);
                        ct_fetcher_get_stats(e.f, &st);
                        assert_int_equal(st.size_retries, cap == 1 ? 1 : 0);
                        ct_event_free(got);
                        env_down(&e);
                        combos++;
                    }
            ct_event_free(want);
        }
    assert_int_equal(combos, 3 * 2 * 2 * 3 * 2);
}

/* With more pages than max_pages, the walk keeps the newest calls whichever
 * way the server sorts. */
static void test_page_cap_keeps_newest(void **state)
{
    (void)state;
    int64_t t0 = ct_clock_wall_ms();
    ct_time_ms start = t0 - 30LL * 86400 * 1000;
    for (int oldest = 0; oldest < 2; oldest++) {
        ct_sim_options so;
        scenario(&so, t0);
        so.calls = 0;
        so.list_oldest_first = oldest;
        ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 20, .list_max_pages = 3};
        env e;
        env_up(&e, &so, &fo);
        ct_event *got = list(&e, start, t0, NULL);
        assert_int_equal(got->calls.n_calls, 60);
        assert_non_null(got->text);
        ct_event_free(got);
        env_down(&e);
        /* the newest 60 of the truth */
        ct_event *want = truth(&so, start, t0);
        ct_time_ms cut = 0;
        for (size_t i = 0; i < want->calls.n_calls; i++) {
            ct_time_ms s = want->calls.calls[i].start_at;
            size_t newer = 0;
            for (size_t j = 0; j < want->calls.n_calls; j++)
                newer += want->calls.calls[j].start_at > s;
            if (newer == 59) cut = s; /* the 60th newest */
        }
        assert_true(cut > 0);
        env_up(&e, &so, &fo);
        got = list(&e, start, t0, NULL);
        for (size_t i = 0; i < got->calls.n_calls; i++)
            assert_true(got->calls.calls[i].start_at >= cut);
        ct_event_free(got);
        ct_event_free(want);
        env_down(&e);
    }
}

static bool has_id(const ct_call_list *l, const char *id)
{
    for (size_t i = 0; i < l->n_calls; i++)
        if (l->calls[i].id && strcmp(l->calls[i].id, id) == 0) return true;
    return false;
}

/* Calls keep arriving while the walk runs (tens a second), pushing the
 * others to later pages: a parallel walk reads pages out of order, and
 * must still return every call that was there before it started (none
 * leaves an overlapping window), each once, and nothing that was not there
 * after it ended. */
static void test_growing_list(void **state)
{
    (void)state;
    int repaired = 0;
    for (int round = 0; round < 6; round++) {
        int oldest = round % 2;
        ct_sim_options so;
        scenario(&so, ct_clock_wall_ms() - 15 * 60 * 1000); /* speed 10 runs ahead */
        so.calls = 300;
        so.rate = 100;
        so.speed = 3;
        so.history = 300;
        so.latency_ms = 40;
        so.max_page_size = 100000;
        so.list_oldest_first = oldest;
        ct_fetcher_options fo = {.max_retries = -1, .list_page_size = 10};
        env e;
        env_up(&e, &so, &fo);
        /* a second fetcher reads the truth in one page, before and after */
        ct_error err;
        ct_error_clear(&err);
        ct_fetcher_options fo1 = {.base_url = e.base,
                                  .api_key = "demo-key",
                                  .max_retries = -1,
                                  .list_page_size = 100000,
                                  .list_parallel = 1};
        ct_inbox *in1 = ct_inbox_new();
        ct_fetcher *one = ct_fetcher_start(&fo1, in1, &err);
        assert_non_null(one);
        ct_time_ms t0 = ct_clock_wall_ms(), start = t0 - 30LL * 86400 * 1000;
        uint64_t id = ct_fetch_list_calls(one, start, t0 + 3600 * 1000, false, &err);
        ct_event *before = wait_event(in1, id, 30000, NULL);
        assert_non_null(before);
        assert_int_equal(before->type, CT_EV_CALLS_LISTED);
        id = ct_fetch_list_calls(e.f, start, t0 + 3600 * 1000, false, &err);
        ct_event *got = wait_event(e.inbox, id, 30000, NULL);
        assert_non_null(got);
        assert_int_equal(got->type, CT_EV_CALLS_LISTED);
        id = ct_fetch_list_calls(one, start, t0 + 3600 * 1000, false, &err);
        ct_event *after = wait_event(in1, id, 30000, NULL);
        assert_non_null(after);
        assert_true(after->calls.n_calls > before->calls.n_calls); /* it did grow */
        for (size_t i = 0; i < before->calls.n_calls; i++)
            if (!has_id(&got->calls, before->calls.calls[i].id))
                fail_msg("round %d (%s first): %s was listed before the walk but not by it "
                         "(%zu before, %zu walked, %zu after)",
                         round, oldest ? "oldest" : "newest", before->calls.calls[i].id,
                         before->calls.n_calls, got->calls.n_calls, after->calls.n_calls);
        for (size_t i = 0; i < got->calls.n_calls; i++) {
            assert_true(has_id(&after->calls, got->calls.calls[i].id));
            for (size_t j = i + 1; j < got->calls.n_calls; j++)
                assert_string_not_equal(got->calls.calls[i].id, got->calls.calls[j].id);
        }
        ct_fetcher_stats st;
        ct_fetcher_get_stats(e.f, &st);
        repaired += st.list_repairs > 0;
        print_message("round %d: %zu -> %zu calls, %llu requests, %llu pages read again\n", round,
                      before->calls.n_calls, after->calls.n_calls, (unsigned long long)st.transfers,
                      (unsigned long long)st.list_repairs);
        ct_event_free(before);
        ct_event_free(got);
        ct_event_free(after);
        ct_fetcher_stop(one);
        ct_inbox_free(in1);
        env_down(&e);
    }
    print_message("%d of 6 walks read pages again\n", repaired);
}

/* The hot window: from the oldest unsettled call's start (minus a margin)
 * to now. With a day of history it holds every live call, in one page,
 * whichever way the server matches windows that keep live calls. */
static void test_hot_window(void **state)
{
    (void)state;
    for (int window = CT_SIM_WINDOW_OVERLAP; window <= CT_SIM_WINDOW_STARTED; window++) {
        int64_t t0 = ct_clock_wall_ms();
        ct_sim_options so;
        scenario(&so, t0);
        so.history = 2000;
        so.history_span_ms = 23LL * 3600 * 1000;
        so.list_window = window;
        env e;
        env_up(&e, &so, NULL);
        ct_event *full = list(&e, t0 - 24LL * 3600 * 1000, t0, NULL);
        assert_int_equal(full->calls.n_calls, 2000 + LIVE);
        ct_fetcher_stats st0, st1;
        ct_fetcher_get_stats(e.f, &st0);
        ct_time_ms now = ct_clock_wall_ms();
        ct_time_ms hot = ct_list_hot_start(full->calls.calls, full->calls.n_calls, now,
                                           2 * 60 * 1000, 60 * 1000);
        assert_true(hot < now - 60 * 1000); /* the live calls started before now */
        ct_event *warm = list(&e, hot, now, NULL);
        ct_fetcher_get_stats(e.f, &st1);
        assert_int_equal(st1.transfers - st0.transfers, 1); /* one page, not 21 */
        size_t live = 0;
        for (size_t i = 0; i < full->calls.n_calls; i++)
            if (ct_call_is_live(&full->calls.calls[i])) {
                assert_true(has_id(&warm->calls, full->calls.calls[i].id));
                live++;
            }
        assert_int_equal(live, LIVE);
        assert_true(warm->calls.n_calls < 20);
        ct_event_free(warm);
        ct_event_free(full);
        env_down(&e);
    }
}

/* A window matched by end time never lists a live call: the ones known to
 * be live (from an earlier, overlapping read) are the "unmentioned" ones,
 * and a direct GET each confirms what they are. */
static void test_recheck_unmentioned(void **state)
{
    (void)state;
    int64_t t0 = ct_clock_wall_ms();
    ct_time_ms start = t0 - 30LL * 86400 * 1000;
    ct_sim_options so;
    scenario(&so, t0);
    ct_event *before = truth(&so, start, t0); /* overlapping: live calls included */
    const char *known[LIVE + 1];
    size_t n_known = 0;
    for (size_t i = 0; i < before->calls.n_calls && n_known < LIVE; i++)
        if (ct_call_is_live(&before->calls.calls[i])) known[n_known++] = before->calls.calls[i].id;
    assert_int_equal(n_known, LIVE);

    so.list_window = CT_SIM_WINDOW_ENDED;
    env e;
    env_up(&e, &so, NULL);
    ct_event *now = list(&e, start, t0, NULL);
    size_t idx[LIVE];
    size_t n = ct_list_unmentioned(&now->calls, known, n_known, idx);
    assert_int_equal(n, LIVE);
    const char *ids[LIVE];
    for (size_t i = 0; i < n; i++) ids[i] = known[idx[i]];
    uint64_t req[LIVE];
    assert_int_equal(ct_fetch_recheck(e.f, ids, n, req), n);
    /* the answers come in any order: keep the others while waiting for one */
    ct_event *pending = NULL;
    for (size_t i = 0; i < n; i++) {
        ct_event *ev = NULL;
        for (ct_event **pp = &pending; *pp; pp = &(*pp)->next)
            if ((*pp)->request_id == req[i]) {
                ev = *pp;
                *pp = ev->next;
                ev->next = NULL;
                break;
            }
        if (!ev) ev = wait_event(e.inbox, req[i], 15000, &pending);
        if (!ev)
            fail_msg("no answer to the GET of %s (request %llu)", ids[i],
                     (unsigned long long)req[i]);
        assert_int_equal(ev->type, CT_EV_CALL_FETCHED);
        assert_string_equal(ev->call.id, ids[i]);
        assert_true(ct_call_is_live(&ev->call)); /* speed 0.01: still going */
        ct_event_free(ev);
    }
    free_events(pending);
    /* an unknown id is gone: 404 */
    const char *gone[] = {"CC-not-a-call"};
    assert_int_equal(ct_fetch_recheck(e.f, gone, 1, req), 1);
    ct_event *ev = wait_event(e.inbox, req[0], 15000, NULL);
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ENOTFOUND);
    ct_event_free(ev);
    ct_event_free(now);
    ct_event_free(before);
    env_down(&e);
}

/* A 429 storm in the middle of a parallel walk: every request waits for
 * the one shared pause (not only the one that got the 429), one request
 * goes first after it, and the walk still ends with every call. */
static void test_rate_limit_storm(void **state)
{
    (void)state;
    enum { LAT = 100, RETRY_AFTER_MS = 1000, SLACK = 80 };
    int64_t t0 = ct_clock_wall_ms();
    ct_time_ms start = t0 - 30LL * 86400 * 1000;
    ct_sim_options so;
    scenario(&so, t0);
    so.latency_ms = LAT;
    so.rate_limit_from = 3;  /* pages 2..5 are in flight together: three of them get 429 */
    so.rate_limit_count = 4; /* and so does the first request after the pause */
    ct_fetcher_options fo = {.max_retries = 5, .list_page_size = 20};
    env e;
    env_up(&e, &so, &fo);
    ct_event *side = NULL;
    ct_event *got = list(&e, start, t0, &side);
    ct_event *want = truth(&so, start, t0);
    assert_same_calls(&got->calls, &want->calls);

    ct_sim_request_stamp log[256];
    size_t n = ct_sim_request_log(e.sim, log, 256);
    assert_true(n < 256);
    for (size_t i = 0; getenv("CT_TEST_VERBOSE") && i < n; i++)
        print_message("request %zu at +%lld ms: %d\n", i + 1,
                      (long long)(log[i].mono_ms - log[0].mono_ms), log[i].status);
    size_t n429 = 0;
    for (size_t i = 0; i < n; i++) {
        if (log[i].status != 429) continue;
        n429++;
        /* The client hears the 429 about LAT ms after the request arrived;
         * from then on nothing may arrive until the pause is over. */
        int64_t quiet_from = log[i].mono_ms + LAT + SLACK;
        int64_t quiet_to = log[i].mono_ms + LAT + RETRY_AFTER_MS - SLACK;
        for (size_t j = 0; j < n; j++)
            if (log[j].mono_ms > quiet_from && log[j].mono_ms < quiet_to)
                fail_msg("request %zu arrived %lld ms after the 429 of request %zu: the pause "
                         "was not shared",
                         j + 1, (long long)(log[j].mono_ms - log[i].mono_ms), i + 1);
    }
    assert_int_equal(n429, 4);
    /* After each pause: the first request goes alone (no burst) until its
     * answer is back. A pause ends where the gap since the last arrival
     * exceeds the pause. */
    size_t resumes = 0;
    for (size_t i = 1; i < n; i++) {
        if (log[i].mono_ms - log[i - 1].mono_ms < RETRY_AFTER_MS - 2 * SLACK) continue;
        resumes++;
        for (size_t j = i + 1; j < n; j++)
            if (log[j].mono_ms < log[i].mono_ms + LAT - 20)
                fail_msg("request %zu arrived %lld ms after the first request after a pause: a "
                         "burst",
                         j + 1, (long long)(log[j].mono_ms - log[i].mono_ms));
    }
    /* Usually two pauses (the storm's first cluster, then the probe that
     * still met the storm); one when a page sent before the pause took the
     * storm's last 429. Either way one pause per quiet gap. */
    assert_true(resumes >= 1 && resumes <= 2);
    ct_fetcher_stats st;
    ct_fetcher_get_stats(e.f, &st);
    assert_int_equal(st.rate_limit_pauses, resumes);
    /* the board is told: a pause with its end, then that it is over */
    bool paused = false, resumed = false;
    for (ct_event *ev = side; ev; ev = ev->next)
        if (ev->type == CT_EV_RATE_LIMITED) {
            if (ev->rate_limited_until > 0) {
                assert_true(ev->rate_limited_until > t0);
                assert_non_null(strstr(ev->text, "resuming in"));
                paused = true;
            } else {
                resumed = true;
            }
        }
    ct_event *rest = NULL; /* the "resumed" event may trail the result */
    for (int i = 0; i < 20 && !resumed; i++) {
        wait_event(e.inbox, UINT64_MAX, 50, &rest);
        for (ct_event *ev = rest; ev; ev = ev->next)
            resumed |= ev->type == CT_EV_RATE_LIMITED && ev->rate_limited_until == 0;
    }
    assert_true(paused);
    assert_true(resumed);
    free_events(rest);
    free_events(side);
    ct_event_free(got);
    ct_event_free(want);
    env_down(&e);
}

/* POSTs share the pause but are still never retried after their own 429. */
static void test_rate_limited_post_not_retried(void **state)
{
    (void)state;
    ct_sim_options so;
    scenario(&so, ct_clock_wall_ms());
    so.rate_limit_from = 1;
    so.rate_limit_count = 1;
    env e;
    env_up(&e, &so, NULL);
    ct_control_request cr = {.action = CT_ACTION_SAY, .argument = "hello"};
    ct_error err;
    ct_error_clear(&err);
    uint64_t id = ct_fetch_control(e.f, "CC-any", &cr, &err);
    assert_true(id > 0);
    ct_event *ev = wait_event(e.inbox, id, 15000, NULL);
    assert_non_null(ev);
    assert_int_equal(ev->type, CT_EV_REQUEST_FAILED);
    assert_int_equal(ev->error.code, CT_ERATELIMIT);
    ct_event_free(ev);
    ct_sim_stats ss;
    ct_sim_get_stats(e.sim, &ss);
    assert_int_equal(ss.requests, 1);
    env_down(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_combination),
        cmocka_unit_test(test_page_cap_keeps_newest),
        cmocka_unit_test(test_growing_list),
        cmocka_unit_test(test_hot_window),
        cmocka_unit_test(test_recheck_unmentioned),
        cmocka_unit_test(test_rate_limit_storm),
        cmocka_unit_test(test_rate_limited_post_not_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
