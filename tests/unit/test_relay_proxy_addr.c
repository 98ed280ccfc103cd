/* test_relay_proxy_addr.c — calltop-relay behind a reverse proxy, the pure
 * part (relay/proxy_addr.c): the --trusted-proxy list (addresses and CIDR
 * ranges, v4, v6, v4-mapped) and the right-to-left X-Forwarded-For walk,
 * including the property that matters most: an untrusted peer cannot name
 * its own address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../relay/proxy_addr.h"

static ct_proxy_list parse_ok(const char *text)
{
    ct_proxy_list l;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_proxy_list_parse(text, &l, &err), CT_OK);
    return l;
}

static void parse_bad(const char *text, const char *named)
{
    ct_proxy_list l;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_proxy_list_parse(text, &l, &err), CT_EUSAGE);
    assert_null(l.nets);
    assert_int_equal(l.n, 0);
    if (!strstr(err.detail, named))
        fail_msg("\"%s\": message \"%s\" lacks \"%s\"", text, err.detail, named);
}

static void test_list_valid(void **state)
{
    (void)state;
    ct_proxy_list l =
        parse_ok(" 127.0.0.1 , ::1,10.0.0.0/8,2001:db8::/32,192.168.1.7/32,0.0.0.0/0");
    assert_int_equal(l.n, 6);
    ct_proxy_list_free(&l);
    l = parse_ok(NULL);
    assert_int_equal(l.n, 0);
    l = parse_ok("");
    assert_int_equal(l.n, 0);
    /* Host bits below the prefix are ignored, as ip(8) does. */
    l = parse_ok("10.1.2.3/8");
    assert_true(ct_proxy_trusted(&l, "10.200.0.1"));
    ct_proxy_list_free(&l);
}

static void test_list_invalid_names_entry(void **state)
{
    (void)state;
    parse_bad("127.0.0.1,10.0.0.0/33", "entry 2 \"10.0.0.0/33\"");
    parse_bad("::1/129", "\"::1/129\"");
    parse_bad("localhost", "\"localhost\"");
    parse_bad("10.0.0.0/", "\"10.0.0.0/\"");
    parse_bad("10.0.0.0/8x", "\"10.0.0.0/8x\"");
    parse_bad("10.0.0.0/-1", "\"10.0.0.0/-1\"");
    parse_bad("10.0.0/8", "\"10.0.0/8\"");
    parse_bad("1.2.3.4:80", "\"1.2.3.4:80\"");
    parse_bad("127.0.0.1,,::1", "entry 2 is empty");
    parse_bad("127.0.0.1,", "entry 2 is empty");
    parse_bad(" ", "entry 1 is empty");
    parse_bad("::ffff:10.0.0.0/8", "\"::ffff:10.0.0.0/8\""); /* mapped: prefix counts 96 bits */
}

static void test_match_v4_v6_mapped(void **state)
{
    (void)state;
    ct_proxy_list l = parse_ok("10.0.0.0/8,192.168.4.0/22,2001:db8::/32,::1,172.16.0.1");
    assert_true(ct_proxy_trusted(&l, "10.255.255.255"));
    assert_false(ct_proxy_trusted(&l, "11.0.0.0"));
    assert_true(ct_proxy_trusted(&l, "192.168.7.200"));
    assert_false(ct_proxy_trusted(&l, "192.168.8.1"));
    assert_true(ct_proxy_trusted(&l, "2001:db8:ffff::5"));
    assert_false(ct_proxy_trusted(&l, "2001:db9::5"));
    assert_true(ct_proxy_trusted(&l, "::1"));
    assert_false(ct_proxy_trusted(&l, "::2"));
    assert_true(ct_proxy_trusted(&l, "172.16.0.1"));
    assert_false(ct_proxy_trusted(&l, "172.16.0.2"));
    /* A dual-stack socket reports IPv4 peers as v4-mapped IPv6. */
    assert_true(ct_proxy_trusted(&l, "::ffff:10.1.1.1"));
    assert_true(ct_proxy_trusted(&l, "::ffff:172.16.0.1"));
    assert_false(ct_proxy_trusted(&l, "::ffff:11.1.1.1"));
    assert_false(ct_proxy_trusted(&l, "garbage"));
    assert_false(ct_proxy_trusted(&l, NULL));
    ct_proxy_list_free(&l);
    l = parse_ok("::ffff:10.0.0.0/104");
    assert_true(ct_proxy_trusted(&l, "10.9.9.9"));
    assert_false(ct_proxy_trusted(&l, "11.0.0.1"));
    ct_proxy_list_free(&l);
    ct_proxy_list empty = parse_ok(NULL);
    assert_false(ct_proxy_trusted(&empty, "127.0.0.1"));
}

static void check_client(const ct_proxy_list *l, const char *peer, const char *xff,
                         ct_xff_result want_res, const char *want_addr, int line)
{
    char out[CT_PROXY_ADDR_MAX];
    ct_xff_result res = ct_proxy_client(l, peer, xff, out, sizeof out);
    if (res != want_res || strcmp(out, want_addr))
        fail_msg("line %d: peer %s xff \"%s\": got %d %s, want %d %s", line, peer,
                 xff ? xff : "(none)", (int)res, out, (int)want_res, want_addr);
}
#define CLIENT(l, peer, xff, res, addr) check_client(l, peer, xff, res, addr, __LINE__)

static void test_walk_right_to_left(void **state)
{
    (void)state;
    ct_proxy_list l = parse_ok("127.0.0.1,10.0.0.0/8,::1");
    CLIENT(&l, "127.0.0.1", "203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    /* The rightmost untrusted entry: what the client wrote at the left is
     * not believed. */
    CLIENT(&l, "127.0.0.1", "1.1.1.1, 203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "127.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.7", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "127.0.0.1", "1.1.1.1,203.0.113.5,10.0.0.7,10.2.2.2", CT_XFF_CLIENT, "203.0.113.5");
    /* All hops trusted: the leftmost. */
    CLIENT(&l, "127.0.0.1", "10.0.0.9, 10.0.0.7", CT_XFF_CLIENT, "10.0.0.9");
    /* Blanks and tabs, ports, brackets, v6, v4-mapped. */
    CLIENT(&l, "127.0.0.1", " \t203.0.113.5:4711 \t", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "127.0.0.1", "[2001:db8::7]:443", CT_XFF_CLIENT, "2001:db8::7");
    CLIENT(&l, "127.0.0.1", "[2001:db8::7]", CT_XFF_CLIENT, "2001:db8::7");
    CLIENT(&l, "127.0.0.1", "2001:DB8:0::7", CT_XFF_CLIENT, "2001:db8::7");
    CLIENT(&l, "127.0.0.1", "::ffff:203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "::1", "203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "::ffff:127.0.0.1", "203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    ct_proxy_list_free(&l);
}

static void test_untrusted_or_absent_ignored(void **state)
{
    (void)state;
    ct_proxy_list l = parse_ok("10.0.0.0/8");
    /* The peer is not a trusted proxy: its header names nobody. */
    CLIENT(&l, "127.0.0.1", "203.0.113.5", CT_XFF_PEER, "127.0.0.1");
    CLIENT(&l, "198.51.100.1", "10.0.0.1", CT_XFF_PEER, "198.51.100.1");
    /* No header. */
    CLIENT(&l, "10.0.0.1", NULL, CT_XFF_PEER, "10.0.0.1");
    /* No list at all. */
    ct_proxy_list none = parse_ok(NULL);
    CLIENT(&none, "10.0.0.1", "203.0.113.5", CT_XFF_PEER, "10.0.0.1");
    /* The peer text is normalised like the client's. */
    CLIENT(&none, "::ffff:10.0.0.1", NULL, CT_XFF_PEER, "10.0.0.1");
    ct_proxy_list_free(&l);
}

static void test_malformed_uses_peer(void **state)
{
    (void)state;
    ct_proxy_list l = parse_ok("127.0.0.1");
    const char *bad[] = {
        "",
        " ",
        "unknown",
        "203.0.113.5,",
        "1.1.1.1,,127.0.0.1",
        "203.0.113.5:",
        "[2001:db8::1",
        "[2001:db8::1]x",
        "203.0.113",
        "203.0.113.5.6",
        "evil.example.com",
        "1.1.1.1 2.2.2.2",
        "\x1b[31m1.1.1.1",
        "0123456789012345678901234567890123456789012345678901234567890123456789",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CLIENT(&l, "127.0.0.1", bad[i], CT_XFF_MALFORMED, "127.0.0.1");
    /* Garbage left of the client is never reached: the walk stops at the
     * first untrusted entry from the right. */
    CLIENT(&l, "127.0.0.1", "garbage, 203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    CLIENT(&l, "127.0.0.1", ",203.0.113.5", CT_XFF_CLIENT, "203.0.113.5");
    /* Garbage right of it (written by a trusted hop?) stops the walk. */
    CLIENT(&l, "127.0.0.1", "203.0.113.5, garbage", CT_XFF_MALFORMED, "127.0.0.1");
    ct_proxy_list_free(&l);
}

static void test_many_entries(void **state)
{
    (void)state;
    ct_proxy_list l = parse_ok("10.0.0.0/8");
    /* 2000 trusted hops, then the client at the far left. */
    static char hdr[2000 * 12 + 32];
    size_t n = (size_t)snprintf(hdr, sizeof hdr, "198.51.100.77");
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(hdr + n, sizeof hdr - n, ", 10.%d.%d.1", i / 256, i % 256);
    CLIENT(&l, "10.9.9.9", hdr, CT_XFF_CLIENT, "198.51.100.77");
    ct_proxy_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_valid),
        cmocka_unit_test(test_list_invalid_names_entry),
        cmocka_unit_test(test_match_v4_v6_mapped),
        cmocka_unit_test(test_walk_right_to_left),
        cmocka_unit_test(test_untrusted_or_absent_ignored),
        cmocka_unit_test(test_malformed_uses_peer),
        cmocka_unit_test(test_many_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
