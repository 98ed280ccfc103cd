/* test_net_curl_err.c — libcurl result codes -> ct_error (net/curl_err.c).
 * A net-layer unit test: no sockets, but it needs libcurl's codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <curl/curl.h>
#include "calltop/curl_err.h"

static void test_map_curl(void **state)
{
    (void)state;
    static const struct {
        CURLcode c;
        ct_err code;
    } cases[] = {
        {CURLE_OK, CT_OK},
        {CURLE_OPERATION_TIMEDOUT, CT_ETIMEOUT},
        {CURLE_COULDNT_RESOLVE_HOST, CT_EDNS},
        {CURLE_COULDNT_CONNECT, CT_ECONNECT},
        {CURLE_RECV_ERROR, CT_ECONNECT},
        {CURLE_GOT_NOTHING, CT_ECONNECT},
        {CURLE_PEER_FAILED_VERIFICATION, CT_ETLS},
        {CURLE_SSL_CONNECT_ERROR, CT_ETLS},
        {CURLE_SSL_CACERT_BADFILE, CT_ETLS},
        {CURLE_FILESIZE_EXCEEDED, CT_ETOOBIG},
        {CURLE_URL_MALFORMAT, CT_ECONFIG},
        {CURLE_UNSUPPORTED_PROTOCOL, CT_ECONFIG},
        {CURLE_WEIRD_SERVER_REPLY, CT_EMALFORMED},
        {CURLE_OUT_OF_MEMORY, CT_ENOMEM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_error err;
        assert_int_equal(ct_curl_map_error(cases[i].c, NULL, &err), cases[i].code);
    }
    ct_error err;
    ct_curl_map_error(CURLE_COULDNT_CONNECT, "Failed to connect to 127.0.0.1 port 9: refused",
                      &err);
    assert_non_null(strstr(err.detail, "127.0.0.1 port 9"));
}

static void test_control_chars_cleaned(void **state)
{
    (void)state;
    ct_error err;
    ct_curl_map_error(CURLE_RECV_ERROR, "bad\x1b[2Jthing\n", &err);
    assert_null(strchr(err.detail, 0x1b));
    assert_null(strchr(err.detail, '\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_curl),
        cmocka_unit_test(test_control_chars_cleaned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
