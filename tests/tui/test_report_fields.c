/* test_report_fields.c — the end-of-call report's recording, cost and
 * metrics as named fields (not raw JSON), the recording URL only when it is
 * http(s), and text that is not JSON shown as it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../tui/report_fields.h"

static const ct_report_field *find(const ct_report_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0) return &f[i];
    return NULL;
}

static void fields_from_the_sim_shapes(void **state)
{
    (void)state;
    ct_call c;
    memset(&c, 0, sizeof c);
    c.recording_json = (char *)"{\"url\":\"https://rec.example/CC-1.mp3\",\"durationMs\":61000}";
    c.cost_json = (char *)"{\"total\":0.0915,\"currency\":\"USD\"}";
    c.metrics_json = (char *)"{\"durationMs\":61000,\"userTurns\":4,\"avgLatencyMs\":812.5,"
                             "\"nested\":{\"a\":1}}";
    ct_report_field f[16];
    size_t n = ct_report_fields(&c, f, 16);
    assert_int_equal(n, 7);
    assert_string_equal(f[0].name, "recording");
    assert_string_equal(f[0].value, "https://rec.example/CC-1.mp3");
    assert_true(f[0].is_url);
    assert_string_equal(find(f, n, "cost")->value, "0.0915 USD");
    assert_string_equal(find(f, n, "rec. durationMs")->value, "61000");
    assert_string_equal(find(f, n, "durationMs")->value, "61000");
    assert_string_equal(find(f, n, "userTurns")->value, "4");
    assert_string_equal(find(f, n, "avgLatencyMs")->value, "812.5");
    assert_string_equal(find(f, n, "nested")->value, "{\"a\":1}");
    /* no raw JSON for the known shapes */
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, "nested") != 0) assert_null(strchr(f[i].value, '{'));
    char url[256];
    ct_report_recording_url(&c, url, sizeof url);
    assert_string_equal(url, "https://rec.example/CC-1.mp3");
}

static void odd_shapes(void **state)
{
    (void)state;
    ct_call c;
    memset(&c, 0, sizeof c);
    c.recording_json = (char *)"\"javascript:alert(1)\"";
    c.cost_json = (char *)"not json";
    ct_report_field f[4];
    size_t n = ct_report_fields(&c, f, 4);
    assert_int_equal(n, 2);
    assert_false(f[0].is_url); /* only http(s) becomes a link */
    assert_string_equal(f[1].value, "not json");
    char url[64];
    ct_report_recording_url(&c, url, sizeof url);
    assert_string_equal(url, "");
    /* capacity is respected */
    c.metrics_json = (char *)"{\"a\":1,\"b\":2,\"c\":3}";
    assert_int_equal(ct_report_fields(&c, f, 3), 3);
    memset(&c, 0, sizeof c);
    assert_int_equal(ct_report_fields(&c, f, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_from_the_sim_shapes),
        cmocka_unit_test(odd_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
