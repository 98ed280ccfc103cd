/* test_sim_list_switches.c — calltop-sim's switches for what the vendor does
 * not document, checked on the wire (raw HTTP over loopback): sort order,
 * list-window semantics, the page-size cap (422 or silent clamp), the
 * "completed" spelling, the history span, the 429 storm and the request
 * log. The fetcher's side is test_list_walk.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/clock.h"
#include "calltop/model.h"
#include "calltop/sim.h"
#include "helper_http.h"

#define DAY_MS (24LL * 3600 * 1000)

static ct_sim *start(ct_sim_options *so)
{
    ct_error err;
    ct_error_clear(&err);
    ct_sim *s = ct_sim_start(so, &err);
    if (!s) fail_msg("sim: %s", err.detail);
    return s;
}

static void base_options(ct_sim_options *so)
{
    ct_sim_options_init(so);
    so->seed = 4;
    so->history = 50;
    so->calls = 3;
    so->rate = 0;
    so->speed = 0.01;
}

/* GET the list for [now - 30 d, now + 1 h] with `extra` query text. */
static cJSON *list(ct_sim *s, const char *extra, long *status)
{
    char url[512], a[32], b[32];
    ct_time_ms now = ct_clock_wall_ms();
    ct_time_format_iso(now - 30 * DAY_MS, a, sizeof a);
    ct_time_format_iso(now + 3600 * 1000, b, sizeof b);
    snprintf(url, sizeof url, "%s/calls/v1/conversations?startDate=%s&endDate=%s%s",
             ct_sim_base_url(s), a, b, extra);
    th_response r;
    assert_int_equal(th_get(url, "demo-key", &r), 0);
    *status = r.status;
    cJSON *doc = cJSON_Parse(r.body);
    th_response_free(&r);
    assert_non_null(doc);
    return doc;
}

static int count_live(const cJSON *doc)
{
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "conversations")) n +=
        !cJSON_GetObjectItem(c, "endAt");
    return n;
}

static void test_order(void **state)
{
    (void)state;
    for (int oldest = 0; oldest < 2; oldest++) {
        ct_sim_options so;
        base_options(&so);
        so.list_oldest_first = oldest;
        ct_sim *s = start(&so);
        long st;
        cJSON *doc = list(s, "&size=100", &st);
        assert_int_equal(st, 200);
        const cJSON *arr = cJSON_GetObjectItem(doc, "conversations");
        int n = cJSON_GetArraySize(arr);
        assert_int_equal(n, 53);
        ct_time_ms prev = 0;
        for (int i = 0; i < n; i++) {
            ct_time_ms t;
            assert_int_equal(
                ct_time_parse_iso(
                    cJSON_GetObjectItem(cJSON_GetArrayItem(arr, i), "startAt")->valuestring, &t),
                CT_OK);
            if (i > 0) assert_true(oldest ? t >= prev : t <= prev);
            prev = t;
        }
        cJSON_Delete(doc);
        ct_sim_stop(s);
    }
}

static void test_window(void **state)
{
    (void)state;
    static const int want_live[] = {3, 3, 0};
    for (int w = CT_SIM_WINDOW_OVERLAP; w <= CT_SIM_WINDOW_ENDED; w++) {
        ct_sim_options so;
        base_options(&so);
        so.list_window = w;
        ct_sim *s = start(&so);
        long st;
        cJSON *doc = list(s, "&size=100", &st);
        assert_int_equal(count_live(doc), want_live[w]);
        assert_int_equal(cJSON_GetObjectItem(doc, "totalCount")->valueint, 50 + want_live[w]);
        cJSON_Delete(doc);
        /* a window from a second after the start: the overlap still lists the
         * live calls (their end is open), started-in and ended-in do not */
        char url[512], a[32], b[32];
        ct_time_ms now = ct_clock_wall_ms();
        ct_time_format_iso(now + 1000, a, sizeof a);
        ct_time_format_iso(now + 3600 * 1000, b, sizeof b);
        snprintf(url, sizeof url, "%s/calls/v1/conversations?startDate=%s&endDate=%s&size=100",
                 ct_sim_base_url(s), a, b);
        th_response r;
        assert_int_equal(th_get(url, "demo-key", &r), 0);
        cJSON *late = cJSON_Parse(r.body);
        th_response_free(&r);
        assert_non_null(late);
        assert_int_equal(count_live(late), w == CT_SIM_WINDOW_OVERLAP ? 3 : 0);
        assert_int_equal(cJSON_GetObjectItem(late, "totalCount")->valueint,
                         w == CT_SIM_WINDOW_OVERLAP ? 3 : 0);
        cJSON_Delete(late);
        ct_sim_stop(s);
    }
}

static void test_page_cap(void **state)
{
    (void)state;
    ct_sim_options so;
    base_options(&so);
    so.max_page_size = 20;
    ct_sim *s = start(&so);
    long st;
    cJSON *doc = list(s, "&size=21", &st);
    assert_int_equal(st, 422);
    char *text = cJSON_PrintUnformatted(doc);
    assert_non_null(strstr(text, "\"loc\":[\"query\",\"size\"]"));
    assert_non_null(strstr(text, "less than or equal to 20"));
    assert_non_null(strstr(text, "value_error.number.not_le"));
    free(text);
    cJSON_Delete(doc);
    doc = list(s, "&size=20", &st);
    assert_int_equal(st, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "conversations")), 20);
    cJSON_Delete(doc);
    ct_sim_stop(s);

    so.clamp_page_size = true; /* silently served at the cap */
    s = start(&so);
    doc = list(s, "&size=100", &st);
    assert_int_equal(st, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "conversations")), 20);
    assert_int_equal(cJSON_GetObjectItem(doc, "totalCount")->valueint, 53);
    cJSON_Delete(doc);
    ct_sim_stop(s);
}

static void test_completed(void **state)
{
    (void)state;
    for (int completed = 0; completed < 2; completed++) {
        ct_sim_options so;
        base_options(&so);
        so.status_completed = completed;
        ct_sim *s = start(&so);
        long st;
        cJSON *doc = list(s, "&size=100", &st);
        int ended = 0, other = 0;
        const cJSON *c;
        cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "conversations"))
        {
            const char *status = cJSON_GetObjectItem(c, "status")->valuestring;
            if (cJSON_GetObjectItem(c, "endAt") && strcmp(status, "forwarded") != 0) {
                assert_string_equal(status, completed ? "completed" : "finished");
                ended++;
            } else {
                assert_string_not_equal(status, "completed");
                assert_string_not_equal(status, "finished");
                other++;
            }
        }
        assert_true(ended >= 40);
        assert_int_equal(other, 3);
        cJSON_Delete(doc);
        ct_sim_stop(s);
    }
}

static void test_history_span(void **state)
{
    (void)state;
    ct_sim_options so;
    base_options(&so);
    so.calls = 0;
    so.history = 3000;
    so.history_span_ms = DAY_MS - 3600 * 1000;
    ct_sim *s = start(&so);
    char url[512], a[32], b[32];
    ct_time_ms now = ct_clock_wall_ms();
    ct_time_format_iso(now - DAY_MS, a, sizeof a);
    ct_time_format_iso(now, b, sizeof b);
    snprintf(url, sizeof url, "%s/calls/v1/conversations?startDate=%s&endDate=%s&size=1",
             ct_sim_base_url(s), a, b);
    th_response r;
    assert_int_equal(th_get(url, "demo-key", &r), 0);
    cJSON *doc = cJSON_Parse(r.body);
    th_response_free(&r);
    /* all 3,000 inside the last 24 h (without the span: about 960) */
    assert_int_equal(cJSON_GetObjectItem(doc, "totalCount")->valueint, 3000);
    cJSON_Delete(doc);
    ct_sim_stop(s);
}

static void test_storm_and_log(void **state)
{
    (void)state;
    ct_sim_options so;
    base_options(&so);
    so.rate_limit_from = 2;
    so.rate_limit_count = 3;
    ct_sim *s = start(&so);
    int64_t t0 = ct_clock_mono_ms();
    static const long want[] = {200, 429, 429, 429, 200, 200};
    char url[256];
    snprintf(url, sizeof url, "%s/assistants/v1/numbers", ct_sim_base_url(s));
    for (size_t i = 0; i < 6; i++) {
        th_response r;
        assert_int_equal(th_get(url, "demo-key", &r), 0);
        assert_int_equal(r.status, want[i]);
        if (r.status == 429) {
            char ra[16];
            assert_int_equal(th_header(&r, "retry-after", ra, sizeof ra), 1);
            assert_string_equal(ra, "1");
        }
        th_response_free(&r);
    }
    ct_sim_request_stamp log[16];
    assert_int_equal(ct_sim_request_log(s, log, 16), 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(log[i].status, want[i]);
        assert_false(log[i].list);
        assert_true(log[i].mono_ms >= t0);
        if (i > 0) assert_true(log[i].mono_ms >= log[i - 1].mono_ms);
    }
    ct_sim_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order),        cmocka_unit_test(test_window),
        cmocka_unit_test(test_page_cap),     cmocka_unit_test(test_completed),
        cmocka_unit_test(test_history_span), cmocka_unit_test(test_storm_and_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
