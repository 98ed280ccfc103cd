/* test_sim_faults.c — each of calltop-sim's injected faults, one simulator
 * per fault, observed from a real libcurl client: latency, 500s (global and
 * per route), 429 with Retry-After, malformed bodies, slow drip, connection
 * resets — and that everything is off by default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/sim.h"
#include "helper_http.h"

#define LIST "/calls/v1/conversations?startDate=2000-01-01T00:00:00Z&endDate=2100-01-01T00:00:00Z"

static ct_sim *start(ct_sim_options *o)
{
    o->calls = 0;
    o->rate = 0;
    o->history = 20;
    ct_error err;
    ct_sim *s = ct_sim_start(o, &err);
    if (!s) fprintf(stderr, "ct_sim_start: %s\n", err.detail);
    assert_non_null(s);
    return s;
}

static void get(ct_sim *s, const char *path, th_response *r)
{
    char u[512];
    snprintf(u, sizeof u, "%s%s", ct_sim_base_url(s), path);
    th_get(u, "demo-key", r);
}

static bool is_json(const th_response *r)
{
    cJSON *j = cJSON_ParseWithLength(r->body, r->body_len);
    cJSON_Delete(j);
    return j != NULL;
}

static void test_off_by_default(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    ct_sim *s = start(&o);
    for (int i = 0; i < 30; i++) {
        th_response r;
        get(s, i % 2 ? LIST : "/assistants/v1/numbers", &r);
        assert_int_equal(r.curl_code, 0);
        assert_int_equal(r.status, 200);
        assert_true(is_json(&r));
        assert_true(r.seconds < 2.0); /* generous: the CI machine is shared */
        th_response_free(&r);
    }
    ct_sim_stats st;
    ct_sim_get_stats(s, &st);
    assert_int_equal(st.faults, 0);
    assert_int_equal(st.requests, 30);
    ct_sim_stop(s);
}

static void test_latency(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.latency_ms = 300;
    ct_sim *s = start(&o);
    th_response r;
    get(s, "/assistants/v1/numbers", &r);
    assert_int_equal(r.status, 200);
    assert_true(r.seconds >= 0.29);
    assert_true(is_json(&r));
    th_response_free(&r);
    ct_sim_stop(s);
}

static void test_errors_and_route_filter(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.error_rate = 1.0;
    ct_sim *s = start(&o);
    th_response r;
    get(s, LIST, &r);
    assert_int_equal(r.status, 500);
    assert_true(is_json(&r));
    th_response_free(&r);
    ct_sim_stop(s);

    o.error_route = "/assistants/";
    s = start(&o);
    get(s, "/assistants/v1/numbers", &r);
    assert_int_equal(r.status, 500);
    th_response_free(&r);
    get(s, LIST, &r);
    assert_int_equal(r.status, 200);
    th_response_free(&r);
    ct_sim_stop(s);

    /* a rate in between gives a mix */
    ct_sim_options_init(&o);
    o.error_rate = 0.5;
    s = start(&o);
    int errors = 0;
    for (int i = 0; i < 40; i++) {
        get(s, "/assistants/v1/numbers", &r);
        assert_true(r.status == 200 || r.status == 500);
        errors += r.status == 500;
        th_response_free(&r);
    }
    assert_true(errors > 5 && errors < 35);
    ct_sim_stats st;
    ct_sim_get_stats(s, &st);
    assert_int_equal(st.faults, (uint64_t)errors);
    ct_sim_stop(s);
}

static void test_rate_limit(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.rate_limit_rate = 1.0;
    ct_sim *s = start(&o);
    th_response r;
    get(s, LIST, &r);
    assert_int_equal(r.status, 429);
    char v[16];
    assert_true(th_header(&r, "Retry-After", v, sizeof v));
    assert_string_equal(v, "1");
    assert_true(is_json(&r));
    th_response_free(&r);
    ct_sim_stop(s);
}

static void test_malformed(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.malformed_rate = 1.0;
    ct_sim *s = start(&o);
    int truncated = 0, html = 0;
    for (int i = 0; i < 20; i++) {
        th_response r;
        get(s, LIST, &r);
        assert_int_equal(r.curl_code, 0);
        assert_int_equal(r.status, 200);
        assert_false(is_json(&r));
        if (r.body[0] == '<') html++;
        else truncated++;
        th_response_free(&r);
    }
    assert_true(truncated > 0 && html > 0);
    ct_sim_stop(s);
}

static void test_drip(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.drip_ms = 60;
    ct_sim *s = start(&o);
    th_response r;
    get(s, "/assistants/v1/numbers", &r); /* ~1.5 KB: 6 chunks of 256 bytes */
    assert_int_equal(r.status, 200);
    assert_true(is_json(&r));
    assert_true(r.body_len > 1024);
    assert_true(r.seconds >= 0.25);
    th_response_free(&r);
    ct_sim_stop(s);
}

static void test_reset(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.reset_rate = 1.0;
    ct_sim *s = start(&o);
    th_response r;
    get(s, LIST, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(r.curl_code, CURLE_GOT_NOTHING);
    th_response_free(&r);
    /* a POST with a body is reset too */
    char u[256];
    snprintf(u, sizeof u, "%s/calls/v1/conversations/connect", ct_sim_base_url(s));
    th_post_json(u, "demo-key", "{\"phoneNumberId\":\"x\"}", &r);
    assert_int_equal(r.status, 0);
    assert_true(r.curl_code == CURLE_GOT_NOTHING || r.curl_code == CURLE_SEND_ERROR ||
                r.curl_code == CURLE_RECV_ERROR);
    th_response_free(&r);
    ct_sim_stop(s);
}

static void test_invalid_options(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.error_rate = 1.5;
    ct_error err;
    assert_null(ct_sim_start(&o, &err));
    assert_int_equal(err.code, CT_EINVAL);
    ct_sim_options_init(&o);
    o.latency_ms = -1;
    assert_null(ct_sim_start(&o, &err));
    assert_null(ct_sim_start(NULL, &err));
    ct_sim_stop(NULL);

    /* a port already taken is an error, not a hang */
    ct_sim_options_init(&o);
    o.history = 0;
    ct_sim *a = ct_sim_start(&o, &err);
    assert_non_null(a);
    o.port = ct_sim_port(a);
    ct_sim *b = ct_sim_start(&o, &err);
    assert_null(b);
    assert_int_equal(err.code, CT_EIO);
    assert_non_null(strstr(err.detail, "cannot listen"));
    ct_sim_stop(a);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_latency),
        cmocka_unit_test(test_errors_and_route_filter),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_drip),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_invalid_options),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
