/* test_relay_urls.c — relay-url as a list (core/relay_urls.c): splitting at
 * commas, the position named in each refusal, per-entry checks, and a
 * password in any entry kept out of messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "calltop/relay_urls.h"

static void test_split_trims_and_keeps_order(void **state)
{
    (void)state;
    ct_relay_urls u;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_relay_urls_split("ws://a:1/monitor", &u, &err), CT_OK);
    assert_int_equal(u.n, 1);
    assert_string_equal(u.url[0], "ws://a:1/monitor");
    ct_relay_urls_free(&u);
    assert_int_equal(
        ct_relay_urls_split(" ws://a:1/monitor ,\twss://b/monitor,ws://c:3 ", &u, &err), CT_OK);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.url[0], "ws://a:1/monitor");
    assert_string_equal(u.url[1], "wss://b/monitor");
    assert_string_equal(u.url[2], "ws://c:3");
    ct_relay_urls_free(&u);
    assert_int_equal(u.n, 0);
}

static void test_split_refusals_name_the_entry(void **state)
{
    (void)state;
    ct_relay_urls u;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_relay_urls_split("ws://a,,ws://b", &u, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "entry 2 of 3 is empty"));
    assert_int_equal(u.n, 0);
    assert_int_equal(ct_relay_urls_split("ws://a,ws://b,", &u, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "entry 3 of 3 is empty"));
    assert_int_equal(ct_relay_urls_split("  ", &u, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "empty"));
    assert_int_equal(ct_relay_urls_split("ws://a,ws://b, ws://a", &u, &err), CT_ECONFIG);
    assert_string_equal(err.detail, "entry 3 of 3 'ws://a' repeats entry 1");
    char many[512] = "";
    for (int i = 0; i <= CT_RELAY_URLS_MAX; i++) {
        size_t o = strlen(many);
        snprintf(many + o, sizeof many - o, "%sws://h%d", i ? "," : "", i);
    }
    assert_int_equal(ct_relay_urls_split(many, &u, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "at most 8"));
    assert_int_equal(u.n, 0);
}

static void test_url_check(void **state)
{
    (void)state;
    char why[128];
    assert_true(ct_url_check("ws://127.0.0.1:8787/monitor", "wss ws", why, sizeof why));
    assert_true(ct_url_check("WSS://relay.example/monitor", "wss ws", why, sizeof why));
    assert_false(ct_url_check("https://relay.example/", "wss ws", why, sizeof why));
    assert_string_equal(why, "must start with wss:// or ws://");
    assert_false(ct_url_check("relay.example", "wss ws", why, sizeof why));
    assert_false(ct_url_check("ws://", "wss ws", why, sizeof why));
    assert_string_equal(why, "no host name");
    assert_false(ct_url_check("ws://u:p@/x", "wss ws", why, sizeof why));
    assert_string_equal(why, "no host name");
    assert_false(ct_url_check("ws://a b/monitor", "wss ws", why, sizeof why));
    assert_string_equal(why, "contains blanks");
}

static void test_parse_names_bad_entry_and_hides_password(void **state)
{
    (void)state;
    ct_relay_urls u;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_relay_urls_parse("ws://a:1/monitor,wss://b:2/monitor", &u, &err), CT_OK);
    assert_int_equal(u.n, 2);
    ct_relay_urls_free(&u);
    assert_int_equal(ct_relay_urls_parse("ws://a:1/monitor,https://u:s3cr3t@b/monitor", &u, &err),
                     CT_ECONFIG);
    assert_string_equal(err.detail,
                        "relay URL 2 of 2 'https://u:(hidden)@b/monitor': must start with "
                        "wss:// or ws://");
    assert_int_equal(u.n, 0);
    assert_int_equal(ct_relay_urls_parse("ftp://x", &u, &err), CT_ECONFIG);
    assert_string_equal(err.detail, "relay URL 'ftp://x': must start with wss:// or ws://");
    char shown[64];
    ct_url_display(shown, sizeof shown, "ws://u:pw@h:1/m\x1b");
    assert_string_equal(shown, "ws://u:(hidden)@h:1/m?");
}

static void test_loopback(void **state)
{
    (void)state;
    assert_true(ct_url_is_loopback("ws://127.0.0.1:8787/monitor"));
    assert_true(ct_url_is_loopback("ws://localhost/monitor"));
    assert_true(ct_url_is_loopback("ws://[::1]:1/monitor"));
    assert_true(ct_url_is_loopback("ws://u:p@127.0.0.2/"));
    assert_false(ct_url_is_loopback("ws://relay.example/monitor"));
    assert_false(ct_url_is_loopback("ws://127.0.0.1@relay.example/"));
    assert_false(ct_url_is_loopback("ws://localhost.example/"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_trims_and_keeps_order),
        cmocka_unit_test(test_split_refusals_name_the_entry),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_parse_names_bad_entry_and_hides_password),
        cmocka_unit_test(test_loopback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
