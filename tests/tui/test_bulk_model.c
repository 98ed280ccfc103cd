/* test_bulk_model.c — the bulk end / say plan without a terminal: --filter
 * parsing, only live calls of the view, the exact request per call from the
 * one control encoder, the typed count, one answer per call (sent / refused
 * / failed), never started twice, the summary and the preview lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "board_fixture.h"
#include "../../tui/bulk_model.h"

#define BASE "http://127.0.0.1:9/v1"

static ct_store *store;

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_add_call(store,
                 "{\"id\":\"L-in\",\"status\":\"ongoing\",\"direction\":\"inbound\","
                 "\"userNumber\":\"+15550001\",\"startAt\":\"2026-05-28T20:00:01.000Z\"}",
                 1);
    fix_add_call(store,
                 "{\"id\":\"L-out\",\"status\":\"ongoing\",\"direction\":\"outbound\","
                 "\"userNumber\":\"+15550002\",\"startAt\":\"2026-05-28T20:00:02.000Z\"}",
                 1);
    fix_add_call(store,
                 "{\"id\":\"Q-out\",\"status\":\"queued\",\"direction\":\"outbound\","
                 "\"userNumber\":\"+15559999\",\"startAt\":\"2026-05-28T20:00:03.000Z\"}",
                 1);
    fix_add_call(store,
                 "{\"id\":\"F-in\",\"status\":\"finished\",\"direction\":\"inbound\","
                 "\"userNumber\":\"+15550003\",\"startAt\":\"2026-05-28T20:00:00.000Z\","
                 "\"endAt\":\"2026-05-28T20:01:00.000Z\"}",
                 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_store_free(store);
    return 0;
}

/* A plan over the view the filter expression names. */
static ct_err plan_for(const char *expr, ct_control_action act, const char *arg, ct_bulk_plan *p,
                       ct_error *err)
{
    ct_view_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.descending = true;
    ct_err rc = ct_bulk_filter_parse(expr, &spec, err);
    if (rc != CT_OK) return rc;
    ct_view *v = ct_view_new(store, &spec);
    rc = ct_bulk_plan_build(p, v, BASE, act, arg, err);
    ct_view_free(v);
    return rc;
}

static bool plan_has(const ct_bulk_plan *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->items[i].call_id, id) == 0) return true;
    return false;
}

static void filter_expressions(void **state)
{
    (void)state;
    ct_view_spec s;
    ct_error e;
    ct_error_clear(&e);
    memset(&s, 0, sizeof s);
    assert_int_equal(ct_bulk_filter_parse("inbound/+1555", &s, &e), CT_OK);
    assert_int_equal(s.filter, CT_FILTER_DIRECTION);
    assert_int_equal(s.direction, CT_DIR_INBOUND);
    assert_string_equal(s.search, "+1555");
    assert_int_equal(ct_bulk_filter_parse("", &s, &e), CT_OK);
    assert_int_equal(s.filter, CT_FILTER_ALL);
    assert_string_equal(s.search, "");
    assert_int_equal(ct_bulk_filter_parse("/0002", &s, &e), CT_OK);
    assert_int_equal(s.filter, CT_FILTER_ALL);
    assert_string_equal(s.search, "0002");
    assert_int_equal(ct_bulk_filter_parse("ongoing", &s, &e), CT_OK);
    assert_int_equal(s.filter, CT_FILTER_STATUS);
    assert_int_equal(s.status, CT_STATUS_ONGOING);
    /* a wrong view names itself and the choices */
    assert_int_equal(ct_bulk_filter_parse("inbund/x", &s, &e), CT_EUSAGE);
    assert_non_null(strstr(e.detail, "'inbund' is not a view"));
    assert_non_null(strstr(e.detail, "outbound"));
    char longs[300];
    memset(longs, 'x', sizeof longs - 1);
    longs[0] = '/';
    longs[sizeof longs - 1] = '\0';
    assert_int_equal(ct_bulk_filter_parse(longs, &s, &e), CT_EUSAGE);
}

static void only_live_calls_of_the_view(void **state)
{
    (void)state;
    ct_bulk_plan p;
    ct_error e;
    ct_error_clear(&e);
    assert_int_equal(plan_for("all", CT_ACTION_END, NULL, &p, &e), CT_OK);
    /* queued counts as live (ct_call_is_live); finished never does */
    assert_true(plan_has(&p, "L-in") && plan_has(&p, "L-out"));
    assert_false(plan_has(&p, "F-in"));
    size_t all = p.n;
    ct_bulk_plan_free(&p);
    assert_int_equal(plan_for("inbound", CT_ACTION_END, NULL, &p, &e), CT_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].call_id, "L-in");
    ct_bulk_plan_free(&p);
    assert_int_equal(plan_for("outbound/0002", CT_ACTION_END, NULL, &p, &e), CT_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].call_id, "L-out");
    ct_bulk_plan_free(&p);
    assert_int_equal(plan_for("finished", CT_ACTION_END, NULL, &p, &e), CT_OK);
    assert_int_equal(p.n, 0);
    assert_false(ct_bulk_confirm_ok(&p, "0")); /* nothing to confirm */
    ct_bulk_plan_free(&p);
    assert_true(all >= 2);
}

static void exact_request_per_call(void **state)
{
    (void)state;
    ct_bulk_plan p;
    ct_error e;
    ct_error_clear(&e);
    assert_int_equal(plan_for("inbound", CT_ACTION_SAY, "Please hold", &p, &e), CT_OK);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.items[0].url, BASE "/calls/v1/conversations/L-in/control");
    assert_string_equal(p.items[0].body, "{\"type\":\"say\",\"message\":\"Please hold\"}");
    char line[1024];
    ct_bulk_preview_line(&p, 0, line, sizeof line);
    assert_string_equal(line,
                        "L-in  +15550001  POST " BASE "/calls/v1/conversations/L-in/control"
                        "  {\"type\":\"say\",\"message\":\"Please hold\"}");
    ct_bulk_plan_free(&p);
    assert_int_equal(plan_for("inbound", CT_ACTION_END, NULL, &p, &e), CT_OK);
    assert_string_equal(p.items[0].body, "{\"type\":\"end\",\"message\":\"\"}");
    ct_bulk_plan_free(&p);
    /* say needs text; forward is not a bulk action */
    assert_int_equal(plan_for("all", CT_ACTION_SAY, "", &p, &e), CT_EVALUE);
    assert_int_equal(p.n, 0);
    assert_int_equal(plan_for("all", CT_ACTION_FORWARD, "+15550000", &p, &e), CT_EUSAGE);
    assert_non_null(strstr(e.detail, "only end and say"));
}

static void typed_count_and_one_start(void **state)
{
    (void)state;
    ct_bulk_plan p;
    ct_error e;
    ct_error_clear(&e);
    assert_int_equal(plan_for("ongoing", CT_ACTION_END, NULL, &p, &e), CT_OK);
    assert_int_equal(p.n, 2);
    assert_false(ct_bulk_confirm_ok(&p, ""));
    assert_false(ct_bulk_confirm_ok(&p, "1"));
    assert_false(ct_bulk_confirm_ok(&p, "20"));
    assert_false(ct_bulk_confirm_ok(&p, "2x"));
    assert_false(ct_bulk_confirm_ok(&p, "y"));
    assert_true(ct_bulk_confirm_ok(&p, "2"));
    assert_true(ct_bulk_confirm_ok(&p, " 2\n"));
    assert_true(ct_bulk_start(&p));
    assert_false(ct_bulk_start(&p)); /* never sent twice */
    assert_false(ct_bulk_confirm_ok(&p, "2"));
    ct_bulk_plan_free(&p);
}

static void results_per_call(void **state)
{
    (void)state;
    ct_bulk_plan p;
    ct_error e;
    ct_error_clear(&e);
    assert_int_equal(plan_for("all", CT_ACTION_END, "bye", &p, &e), CT_OK);
    assert_true(p.n >= 3);
    for (size_t i = 0; i < p.n; i++) p.items[i].request_id = 100 + i;
    assert_int_equal(ct_bulk_find_request(&p, 101), 1);
    assert_int_equal(ct_bulk_find_request(&p, 7), -1);
    assert_int_equal(ct_bulk_find_request(&p, 0), -1);
    char buf[256];
    ct_bulk_summary(&p, buf, sizeof buf);
    assert_string_equal(buf, "end: 0 sent, 0 refused, 0 failed, 3 pending");
    assert_false(ct_bulk_done(&p));

    ct_error ok, gone, down;
    ct_error_clear(&ok);
    ct_error_clear(&gone);
    ct_error_clear(&down);
    ct_error_set(&gone, CT_EHTTP, "HTTP 409: Call has already ended\x1b[2J");
    gone.http_status = 409;
    ct_error_set(&down, CT_ECONNECT, "connection refused");
    assert_true(ct_bulk_record(&p, 0, &ok));
    assert_true(ct_bulk_record(&p, 1, &gone));
    assert_true(ct_bulk_record(&p, 2, &down));
    /* one answer per call: a late one does not change it */
    assert_false(ct_bulk_record(&p, 1, &ok));
    assert_false(ct_bulk_record(&p, 99, &ok));
    assert_int_equal(p.items[1].state, CT_BULK_REFUSED);
    assert_null(strchr(p.items[1].detail, '\x1b')); /* server text made safe */
    ct_bulk_summary(&p, buf, sizeof buf);
    assert_string_equal(buf, "end: 1 sent, 1 refused, 1 failed");
    assert_true(ct_bulk_done(&p));
    ct_bulk_result_line(&p, 0, buf, sizeof buf);
    assert_string_equal(buf, "Q-out  sent"); /* newest first */
    ct_bulk_result_line(&p, 2, buf, sizeof buf);
    assert_string_equal(buf, "L-in  failed: connection refused");
    ct_bulk_plan_free(&p);
}

static void state_mapping(void **state)
{
    (void)state;
    ct_error r;
    ct_error_clear(&r);
    assert_int_equal(ct_bulk_state_for(&r), CT_BULK_SENT);
    r.code = CT_EVALIDATION;
    assert_int_equal(ct_bulk_state_for(&r), CT_BULK_REFUSED);
    r.code = CT_ERATELIMIT;
    assert_int_equal(ct_bulk_state_for(&r), CT_BULK_REFUSED);
    r.code = CT_EHTTP;
    r.http_status = 503;
    assert_int_equal(ct_bulk_state_for(&r), CT_BULK_FAILED);
    r.code = CT_ETIMEOUT;
    assert_int_equal(ct_bulk_state_for(&r), CT_BULK_FAILED);
    assert_string_equal(ct_bulk_state_name(CT_BULK_REFUSED), "refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filter_expressions),
        cmocka_unit_test_setup_teardown(only_live_calls_of_the_view, setup, teardown),
        cmocka_unit_test_setup_teardown(exact_request_per_call, setup, teardown),
        cmocka_unit_test_setup_teardown(typed_count_and_one_start, setup, teardown),
        cmocka_unit_test_setup_teardown(results_per_call, setup, teardown),
        cmocka_unit_test(state_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
