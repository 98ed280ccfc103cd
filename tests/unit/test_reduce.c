/* test_reduce.c — the reducer (core/reduce.c) without a terminal: events in,
 * store state and typed effects out. Covers the rules that exist once
 * (REST versions, the 404 rule with the live channel's word, the numbers
 * list, resync, own reads' failure streak), call transitions, confirmed_at,
 * and that deliveries in any order give the same store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/reduce.h"

#define NOW 1700000000000LL

/* ---- event builders ------------------------------------------------------- */

static ct_call call_json(const char *json)
{
    ct_call c;
    ct_error err;
    assert_int_equal(ct_call_decode(json, strlen(json), &c, &err), CT_OK);
    return c;
}

static ct_event *ev_call(ct_event_type t, const char *json)
{
    ct_event *ev = ct_event_new(t);
    ev->call = call_json(json);
    return ev;
}

static ct_event *ev_update(ct_webhook_type kind, ct_time_ms ts, const char *json)
{
    ct_event *ev = ev_call(CT_EV_MONITOR_UPDATE, json);
    ev->update_kind = kind;
    ev->last_event_ms = ts;
    return ev;
}

static ct_event *ev_list(ct_event_type t, const char *const *jsons, size_t n)
{
    ct_event *ev = ct_event_new(t);
    ev->calls.calls = calloc(n ? n : 1, sizeof *ev->calls.calls);
    for (size_t i = 0; i < n; i++) ev->calls.calls[i] = call_json(jsons[i]);
    ev->calls.n_calls = n;
    return ev;
}

static ct_event *ev_monitor(ct_monitor_state s, bool resumed)
{
    ct_event *ev = ct_event_new(CT_EV_MONITOR_STATE);
    ev->monitor_state = s;
    ev->resumed = resumed;
    return ev;
}

static ct_event *ev_failed(uint64_t rid, ct_request_kind kind, ct_err code, const char *call_id)
{
    ct_event *ev = ct_event_new(CT_EV_REQUEST_FAILED);
    ev->request_id = rid;
    ev->request_kind = kind;
    ct_error_set(&ev->error, code, "HTTP %d", code == CT_ENOTFOUND ? 404 : 503);
    if (call_id) ev->call_id = strdup(call_id);
    return ev;
}

/* Applies and frees ev; returns the effects. */
static const ct_effects *run(ct_reducer *r, ct_event *ev, ct_time_ms now)
{
    const ct_effects *fx = ct_reduce_apply(r, ev, now);
    ct_event_free(ev); /* effects keep their own strings */
    return fx;
}

static size_t count(const ct_effects *fx, ct_effect_kind k)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->n; i++) n += fx->v[i].kind == k;
    return n;
}

static const ct_effect *find(const ct_effects *fx, ct_effect_kind k)
{
    for (size_t i = 0; i < fx->n; i++)
        if (fx->v[i].kind == k) return &fx->v[i];
    return NULL;
}

#define LIVE_C1  "{\"id\":\"c1\",\"status\":\"ongoing\",\"startAt\":\"2023-11-14T22:00:00Z\"}"
#define ENDED_C1 "{\"id\":\"c1\",\"status\":\"finished\",\"endAt\":\"2023-11-14T22:05:00Z\"}"

typedef struct fixture {
    ct_store *store;
    ct_reducer r;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->store = ct_store_new(NULL);
    assert_int_equal(ct_reducer_init(&f->r, f->store), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ct_reducer_free(&f->r);
    ct_store_free(f->store);
    free(f);
    return 0;
}

/* ---- tests ------------------------------------------------------------------- */

static void test_rest_version(void **state)
{
    (void)state;
    ct_call c = call_json("{\"id\":\"a\",\"updatedAt\":\"2023-11-14T22:13:20Z\"}");
    assert_int_equal(ct_reduce_rest_version(&c, NOW), (uint64_t)1700000000000LL);
    ct_call_clear(&c);
    c = call_json("{\"id\":\"a\"}");
    assert_int_equal(ct_reduce_rest_version(&c, NOW + 5), (uint64_t)(NOW + 5));
    ct_call_clear(&c);
}

static void test_transitions_and_confirmed_at(void **state)
{
    fixture *f = *state;
    const ct_effects *fx = run(&f->r, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    const ct_effect *e = find(fx, CT_EFF_CALL_NEW);
    assert_non_null(e);
    assert_string_equal(e->call_id, "c1");
    assert_true(e->live);
    const ct_call_entry *ce = ct_store_get(f->store, "c1");
    assert_int_equal(ce->confirmed_at, NOW);
    assert_true(ce->confirmed_by_channel);
    assert_true(ce->channel_live);

    fx = run(&f->r, ev_update(CT_WH_HANG, NOW + 1000, "{\"id\":\"c1\"}"), NOW + 1000);
    assert_int_equal(count(fx, CT_EFF_CALL_HUNG), 1);
    assert_int_equal(count(fx, CT_EFF_CALL_NEW), 0);

    ct_event *err = ev_update(CT_WH_ERROR, NOW + 1500, "{\"id\":\"c1\"}");
    err->call_error.present = true;
    err->call_error.type = strdup("llm_error");
    err->call_error.message = strdup("model timed out");
    fx = run(&f->r, err, NOW + 1500);
    e = find(fx, CT_EFF_CALL_ERRORED);
    assert_non_null(e);
    assert_string_equal(e->text, "llm_error: model timed out");

    /* a REST read confirms too, and says so */
    fx = run(&f->r, ev_call(CT_EV_CALL_FETCHED, ENDED_C1), NOW + 2000);
    assert_int_equal(count(fx, CT_EFF_CALL_ENDED), 1);
    ce = ct_store_get(f->store, "c1");
    assert_int_equal(ce->confirmed_at, NOW + 2000);
    assert_false(ce->confirmed_by_channel);
    assert_string_equal(ct_effect_kind_name(CT_EFF_CALL_ENDED), "CALL_ENDED");
}

/* The old rule removed any call whose GET answered 404. A call the live
 * channel reports live is kept and marked; REST-only calls still go. */
static void test_404_keeps_a_call_the_channel_reports(void **state)
{
    fixture *f = *state;
    run(&f->r, ev_monitor(CT_MON_LIVE, false), NOW);
    run(&f->r, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    const char *rest_only = "{\"id\":\"c2\",\"status\":\"ongoing\"}";
    run(&f->r, ev_call(CT_EV_CALL_FETCHED, rest_only), NOW);

    /* the board's own read of the selected call */
    ct_reduce_own_read(&f->r, CT_REQ_GET_CALL, 7, "c1");
    const ct_effects *fx = run(&f->r, ev_failed(7, CT_REQ_GET_CALL, CT_ENOTFOUND, "c1"), NOW + 10);
    const ct_effect *e = find(fx, CT_EFF_CALL_NOT_VISIBLE);
    assert_non_null(e);
    assert_string_equal(e->call_id, "c1");
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 0);
    assert_non_null(strstr(find(fx, CT_EFF_FLASH)->text, "not visible to this API key"));
    const ct_call_entry *ce = ct_store_get(f->store, "c1");
    assert_non_null(ce);
    assert_true(ce->not_visible);

    /* any other GET (a pane's) follows the same rule */
    fx = run(&f->r, ev_failed(8, CT_REQ_GET_CALL, CT_ENOTFOUND, "c1"), NOW + 20);
    assert_int_equal(count(fx, CT_EFF_CALL_NOT_VISIBLE), 1);
    assert_int_equal(count(fx, CT_EFF_REQUEST_FAILED), 1);
    assert_non_null(ct_store_get(f->store, "c1"));

    /* REST-only call: removed */
    ct_reduce_own_read(&f->r, CT_REQ_GET_CALL, 9, "c2");
    fx = run(&f->r, ev_failed(9, CT_REQ_GET_CALL, CT_ENOTFOUND, "c2"), NOW + 30);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 1);
    assert_non_null(strstr(find(fx, CT_EFF_FLASH)->text, "no longer exists (404)"));
    assert_null(ct_store_get(f->store, "c2"));

    /* the channel still holds c1 in its snapshot: kept */
    const char *snap1[] = {LIVE_C1};
    fx = run(&f->r, ev_list(CT_EV_MONITOR_SNAPSHOT, snap1, 1), NOW + 40);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 0);
    assert_non_null(ct_store_get(f->store, "c1"));
    /* a snapshot without it: nothing vouches for it any more */
    fx = run(&f->r, ev_list(CT_EV_MONITOR_SNAPSHOT, NULL, 0), NOW + 50);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 1);
    assert_null(ct_store_get(f->store, "c1"));
}

/* The mark is drawn (issue 13 item 3), so setting and clearing it must
 * change the store's generation; the channel's further reports keep it,
 * and a REST read that sees the call after all (a list or a GET) clears it. */
static void test_not_visible_mark_kept_then_cleared(void **state)
{
    fixture *f = *state;
    run(&f->r, ev_monitor(CT_MON_LIVE, false), NOW);
    run(&f->r, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    uint64_t gen = ct_store_generation(f->store);
    run(&f->r, ev_failed(5, CT_REQ_GET_CALL, CT_ENOTFOUND, "c1"), NOW + 10);
    const ct_call_entry *ce = ct_store_get(f->store, "c1");
    assert_true(ce->not_visible);
    assert_true(ct_store_generation(f->store) > gen);
    assert_true(ce->changed_gen > gen);

    /* the channel keeps reporting it: kept, still marked */
    const char *line = "{\"id\":\"c1\",\"messages\":[{\"messageId\":\"m1\",\"role\":\"user\","
                       "\"text\":\"hi\",\"timestamp\":1700000000100}]}";
    const ct_effects *fx =
        run(&f->r, ev_update(CT_WH_CONVERSATION_UPDATE, NOW + 100, line), NOW + 100);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 0);
    ce = ct_store_get(f->store, "c1");
    assert_true(ce->not_visible);
    const char *snap1[] = {LIVE_C1};
    run(&f->r, ev_list(CT_EV_MONITOR_SNAPSHOT, snap1, 1), NOW + 200);
    ce = ct_store_get(f->store, "c1");
    assert_non_null(ce);
    assert_true(ce->not_visible);

    /* the REST list holds it: the key sees it after all */
    gen = ct_store_generation(f->store);
    const char *list1[] = {LIVE_C1};
    run(&f->r, ev_list(CT_EV_CALLS_LISTED, list1, 1), NOW + 300);
    ce = ct_store_get(f->store, "c1");
    assert_false(ce->not_visible);
    assert_true(ce->changed_gen > gen);

    /* marked again by a 404, cleared by a GET that answers */
    run(&f->r, ev_failed(6, CT_REQ_GET_CALL, CT_ENOTFOUND, "c1"), NOW + 400);
    assert_true(ct_store_get(f->store, "c1")->not_visible);
    run(&f->r, ev_call(CT_EV_CALL_FETCHED, LIVE_C1), NOW + 500);
    assert_false(ct_store_get(f->store, "c1")->not_visible);
}

/* Without the channel LIVE, a 404 removes even a call it once reported. */
static void test_404_without_live_channel_removes(void **state)
{
    fixture *f = *state;
    run(&f->r, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    run(&f->r, ev_monitor(CT_MON_STALE, false), NOW);
    const ct_effects *fx = run(&f->r, ev_failed(3, CT_REQ_GET_CALL, CT_ENOTFOUND, "c1"), NOW + 1);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 1);
    assert_null(ct_store_get(f->store, "c1"));
}

static void test_numbers_replaced(void **state)
{
    fixture *f = *state;
    const char *json = "[{\"_id\":\"n1\",\"number\":\"+14155550100\"}]";
    ct_event *ev = ct_event_new(CT_EV_NUMBERS);
    ct_error err;
    assert_int_equal(ct_number_list_decode(json, strlen(json), &ev->numbers, &err), CT_OK);
    const ct_effects *fx = ct_reduce_apply(&f->r, ev, NOW);
    assert_int_equal(count(fx, CT_EFF_NUMBERS), 1);
    assert_int_equal(f->r.numbers.n, 1);
    assert_int_equal(ev->numbers.n, 0); /* taken, not copied */
    ct_event_free(ev);
    assert_string_equal(f->r.numbers.items[0].number, "+14155550100");
}

static void test_monitor_and_resync(void **state)
{
    fixture *f = *state;
    const ct_effects *fx = run(&f->r, ev_monitor(CT_MON_LIVE, false), NOW);
    assert_int_equal(find(fx, CT_EFF_MONITOR)->monitor, CT_MON_LIVE);
    assert_int_equal(find(fx, CT_EFF_FLASH)->level, CT_FXL_OK);
    assert_int_equal(count(fx, CT_EFF_RESYNC), 0); /* the first LIVE follows the start-up read */
    fx = run(&f->r, ev_monitor(CT_MON_RECONNECTING, false), NOW);
    assert_int_equal(find(fx, CT_EFF_FLASH)->level, CT_FXL_WARN);
    fx = run(&f->r, ev_monitor(CT_MON_LIVE, true), NOW);
    assert_int_equal(count(fx, CT_EFF_RESYNC), 0); /* resumed: nothing lost */
    run(&f->r, ev_monitor(CT_MON_RECONNECTING, false), NOW);
    fx = run(&f->r, ev_monitor(CT_MON_LIVE, false), NOW);
    assert_int_equal(count(fx, CT_EFF_RESYNC), 1); /* a snapshot: webhooks may be missing */
    /* the same state again: no flash */
    fx = run(&f->r, ev_monitor(CT_MON_LIVE, true), NOW);
    assert_int_equal(count(fx, CT_EFF_FLASH), 0);
}

/* Several relays (issue 17): the reducer keeps which one the channel is
 * on; a relay's status live:false arrives as STALE with its reason, which
 * the flash shows, and its live:true as a resumed LIVE (no REST resync). */
static void test_relay_index_and_status_reason(void **state)
{
    fixture *f = *state;
    ct_event *ev = ev_monitor(CT_MON_LIVE, false);
    ev->relay_index = 1;
    ev->relay_count = 3;
    run(&f->r, ev, NOW);
    assert_int_equal(f->r.relay_index, 1);
    assert_int_equal(f->r.relay_count, 3);
    ev = ev_monitor(CT_MON_STALE, false);
    ev->relay_index = 1;
    ev->relay_count = 3;
    ev->text = strdup("relay: the relay cannot read its log (Redis unreachable)");
    ev->relay_not_live = true;
    const ct_effects *fx = run(&f->r, ev, NOW + 10);
    assert_true(f->r.relay_not_live); /* the banner says "not current", not "silent" */
    assert_int_equal(find(fx, CT_EFF_MONITOR)->monitor, CT_MON_STALE);
    assert_string_equal(find(fx, CT_EFF_FLASH)->text,
                        "live channel: STALE - relay: the relay cannot read its log (Redis "
                        "unreachable)");
    assert_int_equal(*f->r.chan.monitor, CT_MON_STALE);
    assert_int_equal(f->r.monitor_since, NOW + 10);
    ev = ev_monitor(CT_MON_LIVE, true);
    ev->relay_index = 1;
    ev->relay_count = 3;
    fx = run(&f->r, ev, NOW + 20);
    assert_int_equal(count(fx, CT_EFF_RESYNC), 0);
    assert_false(f->r.relay_not_live);
    /* a silent relay is STALE without the flag */
    run(&f->r, ev_monitor(CT_MON_STALE, false), NOW + 25);
    assert_false(f->r.relay_not_live);
    /* a failover: RECONNECTING, then LIVE on the next relay */
    ev = ev_monitor(CT_MON_RECONNECTING, false);
    ev->relay_index = 2;
    ev->relay_count = 3;
    run(&f->r, ev, NOW + 30);
    ev = ev_monitor(CT_MON_LIVE, true);
    ev->relay_index = 2;
    ev->relay_count = 3;
    ev->text = strdup("relay ws://a:1/monitor lost; now on ws://b:2/monitor (replay of 4 events)");
    fx = run(&f->r, ev, NOW + 40);
    assert_non_null(strstr(find(fx, CT_EFF_FLASH)->text, "now on ws://b:2/monitor (replay of 4"));
    assert_int_equal(f->r.relay_index, 2);
    /* an event without relay fields (not from the monitor) keeps them */
    run(&f->r, ev_monitor(CT_MON_LIVE, true), NOW + 50);
    assert_int_equal(f->r.relay_index, 2);
    assert_int_equal(f->r.relay_count, 3);
}

static void test_own_reads_failure_streak(void **state)
{
    fixture *f = *state;
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 1, NULL);
    const ct_effects *fx = run(&f->r, ev_failed(1, CT_REQ_LIST_CALLS, CT_ESERVER, NULL), NOW);
    assert_int_equal(find(fx, CT_EFF_FLASH)->level, CT_FXL_ERROR);
    assert_non_null(find(fx, CT_EFF_LIST_ERROR)->error);
    assert_int_equal(count(fx, CT_EFF_REQUEST_FAILED), 0); /* consumed: the reducer's own */
    assert_int_equal(f->r.list_req, 0);
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 2, NULL);
    fx = run(&f->r, ev_failed(2, CT_REQ_LIST_CALLS, CT_ESERVER, NULL), NOW);
    assert_int_equal(count(fx, CT_EFF_FLASH), 0); /* once per streak */
    assert_int_equal(count(fx, CT_EFF_LOG), 1);
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 3, NULL);
    const char *one[] = {LIVE_C1};
    ct_event *ok = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ok->request_id = 3;
    fx = run(&f->r, ok, NOW);
    assert_string_equal(find(fx, CT_EFF_FLASH)->text, "the API answers again");
    assert_null(find(fx, CT_EFF_LIST_ERROR)->error);
    assert_int_equal(count(fx, CT_EFF_CALL_NEW), 1);
}

/* ---- issue 11: re-checks, freshness, health ------------------------------------ */

#define LIVE_C2 "{\"id\":\"c2\",\"status\":\"ongoing\",\"startAt\":\"2023-11-14T22:01:00Z\"}"

/* A live call the board's own list no longer mentions is re-read directly;
 * a list that is not the board's own (a pane's) asks nothing. */
static void test_unmentioned_live_calls_are_rechecked(void **state)
{
    fixture *f = *state;
    const char *both[] = {LIVE_C1, LIVE_C2};
    run(&f->r, ev_list(CT_EV_CALLS_LISTED, both, 2), NOW);
    const char *one[] = {LIVE_C1};
    ct_event *ev = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ev->request_id = 7;
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 7, NULL);
    const ct_effects *fx = run(&f->r, ev, NOW + 3000);
    assert_int_equal(count(fx, CT_EFF_RECHECK), 1);
    assert_string_equal(find(fx, CT_EFF_RECHECK)->call_id, "c2");
    /* in flight: not asked again */
    const char *ids[] = {"c2"};
    uint64_t req[] = {8};
    assert_int_equal(ct_reduce_own_rechecks(&f->r, ids, req, 1), 1);
    assert_true(ct_reduce_recheck_pending(&f->r, "c2"));
    ev = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ev->request_id = 9;
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 9, NULL);
    fx = run(&f->r, ev, NOW + 6000);
    assert_int_equal(count(fx, CT_EFF_RECHECK), 0);
    /* its 404 settles it: gone, quietly, and no failure surfaces */
    fx = run(&f->r, ev_failed(8, CT_REQ_GET_CALL, CT_ENOTFOUND, "c2"), NOW + 6100);
    assert_int_equal(count(fx, CT_EFF_CALL_GONE), 1);
    assert_int_equal(count(fx, CT_EFF_REQUEST_FAILED), 0);
    assert_int_equal(count(fx, CT_EFF_FLASH), 0);
    assert_null(ct_store_get(f->store, "c2"));
    assert_false(ct_reduce_recheck_pending(&f->r, "c2"));
    /* a list that is not the board's own asks nothing */
    fx = run(&f->r, ev_list(CT_EV_CALLS_LISTED, both, 0), NOW + 7000);
    assert_int_equal(count(fx, CT_EFF_RECHECK), 0);
}

/* A recheck that ends the call settles it as ended. */
static void test_recheck_settles_ended(void **state)
{
    fixture *f = *state;
    const char *one[] = {LIVE_C1};
    run(&f->r, ev_list(CT_EV_CALLS_LISTED, one, 1), NOW);
    const char *ids[] = {"c1"};
    uint64_t req[] = {4};
    ct_reduce_own_rechecks(&f->r, ids, req, 1);
    ct_event *ev = ev_call(CT_EV_CALL_FETCHED, ENDED_C1);
    ev->request_id = 4;
    const ct_effects *fx = run(&f->r, ev, NOW + 1000);
    assert_int_equal(count(fx, CT_EFF_CALL_ENDED), 1);
    assert_false(ct_reduce_recheck_pending(&f->r, "c1"));
}

/* The freshness rule: a live row is unconfirmed once its confirmation is
 * older than two hot reads and a second (plus the reconcile interval
 * while LIVE); the LIVE channel vouches for what it reported live. */
static void test_unconfirmed_rule(void **state)
{
    fixture *f = *state;
    const char *one[] = {LIVE_C1};
    run(&f->r, ev_list(CT_EV_CALLS_LISTED, one, 1), NOW);
    const ct_call_entry *e = ct_store_get(f->store, "c1");
    assert_false(ct_reduce_unconfirmed(&f->r, e, NOW + 60000)); /* hot_ms 0: not judged */
    f->r.hot_ms = 3000;
    f->r.reconcile_ms = 60000;
    *f->r.chan.monitor = CT_MON_POLLING;
    assert_false(ct_reduce_unconfirmed(&f->r, e, NOW + 7000));
    assert_true(ct_reduce_unconfirmed(&f->r, e, NOW + 7001));
    char ids[4][CT_CALL_ID_BUF];
    assert_int_equal(ct_reduce_unconfirmed_ids(&f->r, NOW + 8000, ids, 4), 1);
    assert_string_equal(ids[0], "c1");
    /* LIVE, confirmed by REST only: the reconcile interval too */
    *f->r.chan.monitor = CT_MON_LIVE;
    assert_false(ct_reduce_unconfirmed(&f->r, e, NOW + 60000));
    assert_true(ct_reduce_unconfirmed(&f->r, e, NOW + 67001));
    /* the channel reported it live: its heartbeat vouches while LIVE... */
    ct_event *up = ev_update(CT_WH_STATUS_UPDATE, NOW + 1, LIVE_C1);
    run(&f->r, up, NOW + 1);
    e = ct_store_get(f->store, "c1");
    assert_false(ct_reduce_unconfirmed(&f->r, e, NOW + 600000));
    /* ... and not once the channel is STALE */
    *f->r.chan.monitor = CT_MON_STALE;
    assert_true(ct_reduce_unconfirmed(&f->r, e, NOW + 600000));
    /* an ended call is never unconfirmed */
    run(&f->r, ev_call(CT_EV_CALL_FETCHED, ENDED_C1), NOW + 2);
    assert_false(ct_reduce_unconfirmed(&f->r, ct_store_get(f->store, "c1"), NOW + 600000));
    /* ended without its analysis: it may still change; with it: settled */
    assert_false(ct_reduce_settled(ct_store_get(f->store, "c1")));
    run(&f->r,
        ev_call(CT_EV_CALL_FETCHED,
                "{\"id\":\"c1\",\"status\":\"finished\","
                "\"endAt\":\"2023-11-14T22:05:00Z\",\"updatedAt\":\"2023-11-14T22:06:00Z\","
                "\"analysis\":{\"summary\":\"ok\"}}"),
        NOW + 3);
    assert_true(ct_reduce_settled(ct_store_get(f->store, "c1")));
}

/* The API's health: down since the streak's first failure, up again with
 * the last good read's time; a failed re-check counts without a flash of
 * its own beyond the streak's one. */
static void test_api_health_and_rate_limit(void **state)
{
    fixture *f = *state;
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 1, NULL);
    const char *one[] = {LIVE_C1};
    ct_event *ok = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ok->request_id = 1;
    run(&f->r, ok, NOW);
    assert_int_equal(f->r.api_last_ok, NOW);
    assert_int_equal(f->r.api_down_since, 0);
    const char *ids[] = {"c1"};
    uint64_t req[] = {2};
    ct_reduce_own_rechecks(&f->r, ids, req, 1);
    const ct_effects *fx = run(&f->r, ev_failed(2, CT_REQ_GET_CALL, CT_ESERVER, "c1"), NOW + 1000);
    assert_int_equal(count(fx, CT_EFF_REQUEST_FAILED), 0);
    assert_int_equal(count(fx, CT_EFF_FLASH), 1);
    assert_int_equal(f->r.api_down_since, NOW + 1000);
    assert_non_null(ct_store_get(f->store, "c1")); /* a failure removes nothing */
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 3, NULL);
    run(&f->r, ev_failed(3, CT_REQ_LIST_CALLS, CT_ECONNECT, NULL), NOW + 4000);
    assert_int_equal(f->r.api_down_since, NOW + 1000); /* since the first failure */
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 4, NULL);
    ok = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ok->request_id = 4;
    run(&f->r, ok, NOW + 7000);
    assert_int_equal(f->r.api_down_since, 0);
    assert_int_equal(f->r.api_last_ok, NOW + 7000);
    /* CT_EV_RATE_LIMITED: the shared pause, then its end */
    ct_event *rl = ct_event_new(CT_EV_RATE_LIMITED);
    rl->rate_limited_until = NOW + 12000;
    rl->text = strdup("rate limited by the API, resuming in 5s");
    fx = run(&f->r, rl, NOW + 7000);
    assert_int_equal(f->r.rate_limited_until, NOW + 12000);
    assert_int_equal(count(fx, CT_EFF_LOG), 1);
    rl = ct_event_new(CT_EV_RATE_LIMITED);
    run(&f->r, rl, NOW + 12000);
    assert_int_equal(f->r.rate_limited_until, 0);
}

/* A frozen API answers nothing: a list read unanswered for two hot reads
 * and a second makes it down ("not answering") since that read was sent. */
static void test_api_silent(void **state)
{
    fixture *f = *state;
    f->r.hot_ms = 3000;
    bool silent = true;
    assert_int_equal(ct_reduce_api_down_since(&f->r, NOW, &silent), 0);
    assert_false(silent);
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 5, NULL);
    f->r.list_sent_at = NOW;
    assert_int_equal(ct_reduce_api_down_since(&f->r, NOW + 7000, &silent), 0);
    assert_int_equal(ct_reduce_api_down_since(&f->r, NOW + 7001, &silent), NOW);
    assert_true(silent);
    /* it answers: up again */
    const char *one[] = {LIVE_C1};
    ct_event *ok = ev_list(CT_EV_CALLS_LISTED, one, 1);
    ok->request_id = 5;
    run(&f->r, ok, NOW + 9000);
    assert_int_equal(ct_reduce_api_down_since(&f->r, NOW + 9000, &silent), 0);
}

/* LIVE again after a resume from the relay's ring: verify over REST. */
static void test_reconcile_after_resume(void **state)
{
    fixture *f = *state;
    const ct_effects *fx = run(&f->r, ev_monitor(CT_MON_LIVE, false), NOW);
    assert_int_equal(count(fx, CT_EFF_RECONCILE), 0); /* the first LIVE */
    fx = run(&f->r, ev_monitor(CT_MON_STALE, false), NOW + 20000);
    assert_int_equal(f->r.monitor_since, NOW + 20000);
    run(&f->r, ev_monitor(CT_MON_RECONNECTING, false), NOW + 30000);
    fx = run(&f->r, ev_monitor(CT_MON_LIVE, true), NOW + 31000);
    assert_int_equal(count(fx, CT_EFF_RECONCILE), 1);
    assert_int_equal(count(fx, CT_EFF_RESYNC), 0);
}

/* The hot window starts at the oldest unsettled call. */
static void test_hot_start(void **state)
{
    fixture *f = *state;
    ct_time_ms now = 1700000000000LL; /* 2023-11-14T22:13:20Z */
    assert_int_equal(ct_reduce_hot_start(&f->r, now, 600000, 60000), now - 60000);
    const char *calls[] = {
        LIVE_C1, LIVE_C2,
        "{\"id\":\"old\",\"status\":\"finished\",\"startAt\":\"2023-11-14T10:00:00Z\","
        "\"endAt\":\"2023-11-14T10:05:00Z\"}"};
    run(&f->r, ev_list(CT_EV_CALLS_LISTED, calls, 3), now);
    /* c1 started 22:00:00 */
    assert_int_equal(ct_reduce_hot_start(&f->r, now, 600000, 60000), 1699999200000LL - 60000);
}

/* A big list makes one effect per new call; trimming gives that memory
 * back, and the next event works as before. */
static void test_trim_after_a_big_list(void **state)
{
    fixture *f = *state;
    enum { N = 2000 };
    ct_event *ev = ct_event_new(CT_EV_CALLS_LISTED);
    ev->calls.calls = calloc(N, sizeof *ev->calls.calls);
    for (size_t i = 0; i < N; i++) {
        char json[64];
        snprintf(json, sizeof json, "{\"id\":\"call-%05zu\",\"status\":\"finished\"}", i);
        ev->calls.calls[i] = call_json(json);
    }
    ev->calls.n_calls = N;
    const ct_effects *fx = run(&f->r, ev, NOW);
    assert_int_equal(count(fx, CT_EFF_CALL_NEW), N);
    assert_string_equal(fx->v[N - 1].call_id, "call-01999");
    assert_false(fx->v[N - 1].live);
    ct_reducer_trim(&f->r);
    assert_int_equal(f->r.fx.cap, 0);
    assert_null(f->r.fx.arena);
    fx = run(&f->r, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    assert_string_equal(find(fx, CT_EFF_CALL_NEW)->call_id, "c1");
}

/* Assistant names: one FETCH_ASSISTANT per assistant id (not per call),
 * the answer names every call of it, a failure is logged and not asked
 * again at once; a webhook's name fills calls listed before it. */
static void test_assistant_names(void **state)
{
    fixture *f = *state;
    const char *l[] = {"{\"id\":\"a1\",\"assistantId\":\"asst-1\"}",
                       "{\"id\":\"a2\",\"assistantId\":\"asst-1\"}",
                       "{\"id\":\"a3\",\"assistantId\":\"asst-2\"}"};
    const ct_effects *fx = run(&f->r, ev_list(CT_EV_CALLS_LISTED, l, 3), NOW);
    assert_int_equal(count(fx, CT_EFF_FETCH_ASSISTANT), 2);
    assert_string_equal(find(fx, CT_EFF_FETCH_ASSISTANT)->text, "asst-1");
    ct_reduce_assistant_sent(&f->r, "asst-1", 500, NOW);
    ct_reduce_assistant_sent(&f->r, "asst-2", 501, NOW);
    fx = run(&f->r, ev_list(CT_EV_CALLS_LISTED, l, 3), NOW); /* asked already */
    assert_int_equal(count(fx, CT_EFF_FETCH_ASSISTANT), 0);

    ct_event *ans = ct_event_new(CT_EV_ASSISTANT);
    ans->request_id = 500;
    ans->assistant.name = strdup("Front Desk");
    run(&f->r, ans, NOW);
    assert_string_equal(ct_store_get(f->store, "a1")->call.assistant_name, "Front Desk");
    assert_string_equal(ct_store_get(f->store, "a2")->call.assistant_name, "Front Desk");

    fx = run(&f->r, ev_failed(501, CT_REQ_ASSISTANT, CT_ENOTFOUND, NULL), NOW);
    assert_non_null(strstr(find(fx, CT_EFF_LOG)->text, "assistant asst-2: no name"));
    assert_int_equal(count(fx, CT_EFF_REQUEST_FAILED), 0); /* a nicety: no flash */
    assert_null(ct_store_get(f->store, "a3")->call.assistant_name);

    /* a webhook carrying asst-2's name names a3 too */
    run(&f->r,
        ev_update(CT_WH_STATUS_UPDATE, NOW + 1,
                  "{\"id\":\"a4\",\"assistantId\":\"asst-2\",\"assistant\":{\"name\":\"Sales\"}}"),
        NOW + 1);
    assert_string_equal(ct_store_get(f->store, "a4")->call.assistant_name, "Sales");
    assert_string_equal(ct_store_get(f->store, "a3")->call.assistant_name, "Sales");
}

static void test_placed_selects(void **state)
{
    fixture *f = *state;
    ct_event *ev = ev_call(CT_EV_CALL_PLACED, LIVE_C1);
    ev->request_id = 42;
    const ct_effects *fx = run(&f->r, ev, NOW);
    assert_string_equal(find(fx, CT_EFF_SELECT)->call_id, "c1");
    assert_int_equal(find(fx, CT_EFF_REQUEST_DONE)->request_id, 42);
}

/* ---- order independence ---------------------------------------------------------
 * The same deliveries in every order (5! = 120) must leave the same store:
 * every call encodes to the same JSON, with the same transcript. */

static ct_event *make_event(int i)
{
    switch (i) {
    case 0: {
        const char *l[] = {
            "{\"id\":\"c1\",\"status\":\"ongoing\",\"updatedAt\":\"2023-11-14T22:13:19Z\"}",
            "{\"id\":\"c2\",\"status\":\"queued\"}"};
        return ev_list(CT_EV_CALLS_LISTED, l, 2);
    }
    case 1:
        return ev_update(CT_WH_CONVERSATION_UPDATE, NOW + 100,
                         "{\"id\":\"c1\",\"messages\":[{\"messageId\":\"m1\",\"role\":\"user\","
                         "\"text\":\"hello\",\"timestamp\":\"2023-11-14T22:13:20.100Z\"}]}");
    case 2:
        return ev_update(
            CT_WH_CONVERSATION_UPDATE, NOW + 200,
            "{\"id\":\"c1\",\"messages\":[{\"messageId\":\"m2\",\"role\":\"assistant\","
            "\"text\":\"hi there\",\"timestamp\":\"2023-11-14T22:13:20.200Z\"}]}");
    case 3:
        return ev_update(
            CT_WH_STATUS_UPDATE, NOW + 300,
            "{\"id\":\"c1\",\"status\":\"finished\",\"endAt\":\"2023-11-14T22:13:20.300Z\"}");
    default:
        return ev_call(
            CT_EV_CALL_FETCHED,
            "{\"id\":\"c2\",\"status\":\"ongoing\",\"updatedAt\":\"2023-11-14T22:13:20.050Z\","
            "\"userNumber\":\"+14155550100\"}");
    }
}

static char *store_dump(const ct_store *s)
{
    const char *ids[] = {"c1", "c2"};
    size_t cap = 8192, len = 0;
    char *out = calloc(1, cap);
    for (size_t i = 0; i < 2; i++) {
        const ct_call_entry *e = ct_store_get(s, ids[i]);
        assert_non_null(e);
        cJSON *j = ct_call_to_json(&e->call);
        char *txt = cJSON_PrintUnformatted(j);
        len += (size_t)snprintf(out + len, cap - len, "%s|live=%d|conf=%lld\n", txt,
                                ct_call_is_live(&e->call), (long long)e->confirmed_at);
        free(txt);
        cJSON_Delete(j);
    }
    return out;
}

static bool next_perm(int *a, int n)
{
    int i = n - 2;
    while (i >= 0 && a[i] >= a[i + 1]) i--;
    if (i < 0) return false;
    int j = n - 1;
    while (a[j] <= a[i]) j--;
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
    for (int l = i + 1, r = n - 1; l < r; l++, r--) {
        t = a[l];
        a[l] = a[r];
        a[r] = t;
    }
    return true;
}

static void test_order_independence(void **state)
{
    (void)state;
    int order[5] = {0, 1, 2, 3, 4};
    char *first = NULL;
    int perms = 0;
    do {
        ct_store *s = ct_store_new(NULL);
        ct_reducer r;
        assert_int_equal(ct_reducer_init(&r, s), 0);
        for (int k = 0; k < 5; k++) run(&r, make_event(order[k]), NOW + 1000);
        char *dump = store_dump(s);
        if (!first) first = dump;
        else {
            if (strcmp(first, dump) != 0)
                fail_msg("order %d%d%d%d%d differs:\n%s\nvs\n%s", order[0], order[1], order[2],
                         order[3], order[4], dump, first);
            free(dump);
        }
        assert_null(strstr(first, "\"status\":\"ongoing\"|live=1|conf=0"));
        ct_reducer_free(&r);
        ct_store_free(s);
        perms++;
    } while (next_perm(order, 5));
    assert_int_equal(perms, 120);
    /* c1 ended whatever the order, with both lines */
    assert_non_null(strstr(first, "\"status\":\"finished\""));
    assert_non_null(strstr(first, "hi there"));
    free(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rest_version),
        cmocka_unit_test_setup_teardown(test_transitions_and_confirmed_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_404_keeps_a_call_the_channel_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_404_without_live_channel_removes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_visible_mark_kept_then_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_and_resync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_index_and_status_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_reads_failure_streak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_placed_selects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assistant_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trim_after_a_big_list, setup, teardown),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test_setup_teardown(test_unmentioned_live_calls_are_rechecked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recheck_settles_ended, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfirmed_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_health_and_rate_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_after_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_silent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hot_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
