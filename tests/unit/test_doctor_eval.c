/* test_doctor_eval.c — the pure decisions behind `calltop doctor`: the
 * relay's HTTP base from its WebSocket URL, the order of a list page, the
 * live / end-state census, and the clock-skew thresholds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "calltop/doctor_eval.h"

static void expect_base(const char *url, const char *want)
{
    char out[256];
    bool ok = ct_doctor_relay_http_base(url, out, sizeof out);
    if (!want) {
        if (ok) fail_msg("%s: accepted as %s", url, out);
        return;
    }
    if (!ok) fail_msg("%s: refused", url);
    assert_string_equal(out, want);
}

static void test_relay_http_base(void **state)
{
    expect_base("ws://127.0.0.1:8787/monitor", "http://127.0.0.1:8787/");
    expect_base("wss://relay.example.com/monitor", "https://relay.example.com/");
    expect_base("wss://relay.example.com/", "https://relay.example.com/");
    expect_base("wss://relay.example.com", "https://relay.example.com/");
    expect_base("wss://example.com/calltop/monitor", "https://example.com/calltop/");
    expect_base("ws://[::1]:8787/monitor", "http://[::1]:8787/");
    expect_base("http://127.0.0.1:8787/monitor", "http://127.0.0.1:8787/");
    expect_base("ws://host/elsewhere", NULL); /* no /monitor: no sibling routes */
    expect_base("ws://host/xmonitor", NULL);
    expect_base("ftp://host/monitor", NULL);
    expect_base("ws:///monitor", NULL); /* no host */
    char tiny[8];
    assert_false(ct_doctor_relay_http_base("ws://127.0.0.1:8787/monitor", tiny, sizeof tiny));
}

static ct_call_list list_of(ct_call *calls, size_t n)
{
    ct_call_list l;
    memset(&l, 0, sizeof l);
    l.calls = calls;
    l.n_calls = n;
    l.total_count = (long)n;
    return l;
}

static void test_list_order(void **state)
{
    ct_call c[4];
    memset(c, 0, sizeof c);
    ct_call_list l = list_of(c, 0);
    assert_int_equal(ct_doctor_list_order(&l), CT_ORDER_UNKNOWN);
    c[0].start_at = 3000;
    c[1].start_at = 2000;
    c[2].start_at = 2000;
    c[3].start_at = 1000;
    l = list_of(c, 4);
    assert_int_equal(ct_doctor_list_order(&l), CT_ORDER_NEWEST_FIRST);
    c[0].start_at = 1000;
    c[1].start_at = 3000;
    c[2].start_at = 2000;
    c[3].start_at = 3000;
    assert_int_equal(ct_doctor_list_order(&l), CT_ORDER_MIXED);
    c[0].start_at = 1000;
    c[1].start_at = 0 /* none: skipped */;
    c[2].start_at = 2000;
    c[3].start_at = 3000;
    assert_int_equal(ct_doctor_list_order(&l), CT_ORDER_OLDEST_FIRST);
    c[0].start_at = c[2].start_at = c[3].start_at = 5000;
    assert_int_equal(ct_doctor_list_order(&l), CT_ORDER_UNKNOWN);
    assert_string_equal(ct_list_order_name(CT_ORDER_NEWEST_FIRST), "newest first");
}

static void test_census(void **state)
{
    ct_call c[4];
    memset(c, 0, sizeof c);
    c[0].status = CT_STATUS_ONGOING;
    c[0].status_text = "ongoing";
    c[1].status = CT_STATUS_QUEUED;
    c[1].status_text = "queued";
    c[1].end_at = 1;
    c[2].status = CT_STATUS_FINISHED;
    c[2].status_text = "finished";
    c[2].end_at = 9;
    c[3].status = CT_STATUS_FINISHED;
    c[3].status_text = "completed";
    c[3].end_at = 9;
    ct_call_list l = list_of(c, 4);
    ct_list_census k = ct_doctor_census(&l);
    assert_int_equal(k.live, 2);
    assert_int_equal(k.live_without_end, 1);
    assert_int_equal(k.finished, 1);
    assert_int_equal(k.completed, 1);
}

static void test_skew(void **state)
{
    assert_int_equal(ct_doctor_skew_verdict(0, 10), CT_SKEW_OK);
    assert_int_equal(ct_doctor_skew_verdict(-6, 10), CT_SKEW_OK); /* 5 s + 1 s of rounding */
    assert_int_equal(ct_doctor_skew_verdict(7, 10), CT_SKEW_WARN);
    assert_int_equal(ct_doctor_skew_verdict(7, 1500), CT_SKEW_OK); /* a slow request widens it */
    assert_int_equal(ct_doctor_skew_verdict(-60, 10), CT_SKEW_WARN);
    assert_int_equal(ct_doctor_skew_verdict(61, 10), CT_SKEW_FAIL);
    assert_int_equal(ct_doctor_skew_verdict(-3600, 10), CT_SKEW_FAIL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relay_http_base),
        cmocka_unit_test(test_list_order),
        cmocka_unit_test(test_census),
        cmocka_unit_test(test_skew),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
