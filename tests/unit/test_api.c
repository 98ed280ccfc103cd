/* test_api.c — the pure API layer: URLs and escaping, status and curl
 * mapping, 422 detail formatting, Retry-After, backoff, the token's origin
 * check and the List Calls page walk. */
#include <stdarg.h>
#include <stddef.h>
#include <locale.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <strings.h>
#include <cjson/cJSON.h>
#include "calltop/api.h"

#define BASE "https://api-prod.interactly.ai"

/* ---- URLs ---- */

static void test_escape(void **state)
{
    (void)state;
    char *e = ct_api_escape("CC-897ee2d4_x.y~z");
    assert_string_equal(e, "CC-897ee2d4_x.y~z");
    free(e);
    e = ct_api_escape("a/b?c#d e&f=g%h+i");
    assert_string_equal(e, "a%2Fb%3Fc%23d%20e%26f%3Dg%25h%2Bi");
    free(e);
    e = ct_api_escape("../..");
    assert_string_equal(e, "..%2F..");
    free(e);
    e = ct_api_escape("\xc3\xa9");
    assert_string_equal(e, "%C3%A9");
    free(e);
    e = ct_api_escape("");
    assert_string_equal(e, "");
    free(e);
}

static void test_url_query(void **state)
{
    (void)state;
    char *u = NULL;
    ct_error err;
    const ct_query_param q[] = {{"label", "sales & support"}, {"skip", NULL}, {"x", "+1"}};
    assert_int_equal(ct_api_url(BASE "/", "/assistants/v1/numbers", q, 3, &u, &err), CT_OK);
    assert_string_equal(u, BASE "/assistants/v1/numbers?label=sales%20%26%20support&x=%2B1");
    free(u);
    assert_int_equal(ct_api_url(BASE, "/a", NULL, 0, &u, &err), CT_OK);
    assert_string_equal(u, BASE "/a");
    free(u);
    assert_int_equal(ct_api_url(BASE, "no-slash", NULL, 0, &u, &err), CT_EINVAL);
    assert_null(u);
    assert_int_equal(ct_api_url("", "/a", NULL, 0, &u, &err), CT_EINVAL);
}

static void test_list_calls_url(void **state)
{
    (void)state;
    ct_api_request r;
    ct_error err;
    /* 2020-10-05T00:00:00.000Z = 1601856000000 */
    assert_int_equal(ct_api_list_calls(BASE, 1601856000000, 1601859600000, 2, 100, &r, &err),
                     CT_OK);
    assert_false(r.post);
    assert_true(r.idempotent);
    assert_null(r.body);
    assert_string_equal(r.url,
                        BASE "/calls/v1/conversations?startDate=2020-10-05T00%3A00%3A00.000Z"
                             "&endDate=2020-10-05T01%3A00%3A00.000Z&page=2&size=100&sort=startAt");
    ct_api_request_clear(&r);
    assert_int_equal(ct_api_list_calls(BASE, 10, 5, 1, 100, &r, &err), CT_EINVAL);
    ct_api_request_clear(&r);
}

static void test_id_urls(void **state)
{
    (void)state;
    ct_api_request r;
    ct_error err;
    /* '/' is refused outright (issue 13 item 7); other reserved bytes are escaped */
    assert_int_equal(ct_api_get_call(BASE, "CC-1/../x?y", &r, &err), CT_EINVAL);
    ct_api_request_clear(&r);
    assert_int_equal(ct_api_get_call(BASE, "CC-1..x?y#z", &r, &err), CT_OK);
    assert_string_equal(r.url, BASE "/calls/v1/conversations/CC-1..x%3Fy%23z");
    assert_int_equal(r.kind, CT_API_GET_CALL);
    ct_api_request_clear(&r);
    assert_int_equal(ct_api_get_call(BASE, "", &r, &err), CT_EINVAL);
    /* an id longer than any decoded id (CT_CALL_ID_MAX) is refused, not sent */
    char long_id[CT_CALL_ID_MAX + 2];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    assert_int_equal(ct_api_get_call(BASE, long_id, &r, &err), CT_EINVAL);
    assert_non_null(strstr(err.detail, "at most 127"));
    long_id[CT_CALL_ID_MAX] = '\0';
    assert_int_equal(ct_api_get_call(BASE, long_id, &r, &err), CT_OK);
    ct_api_request_clear(&r);
    ct_api_request_clear(&r);
    assert_int_equal(ct_api_assistant(BASE, "3f7b 1", &r, &err), CT_OK);
    assert_string_equal(r.url, BASE "/assistants/v1/assistants/3f7b%201");
    ct_api_request_clear(&r);
    assert_int_equal(ct_api_numbers(BASE, &r, &err), CT_OK);
    assert_string_equal(r.url, BASE "/assistants/v1/numbers");
    assert_true(r.idempotent);
    ct_api_request_clear(&r);
}

/* Issue 13 item 7: ids that are dot segments, separators, controls or too
 * long never reach a URL ("calls show .." requested GET /calls/v1/). */
static void test_id_refused(void **state)
{
    (void)state;
    ct_api_request r;
    ct_error err;
    const char *bad[] = {"",
                         ".",
                         "..",
                         "a/b",
                         "/",
                         "a\\b",
                         "a\nb",
                         "a\x7f",
                         "a\xc2\x85"
                         "b",
                         "\t"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(ct_api_call_id_valid(bad[i]));
        assert_int_equal(ct_api_get_call(BASE, bad[i], &r, &err), CT_EINVAL);
        assert_null(r.url);
        ct_api_request_clear(&r);
        ct_control_request c = {.action = CT_ACTION_END, .argument = ""};
        assert_int_equal(ct_api_control(BASE, bad[i], &c, &r, &err), CT_EINVAL);
        assert_null(r.url);
        ct_api_request_clear(&r);
    }
    assert_int_equal(ct_api_get_call(BASE, "..", &r, &err), CT_EINVAL);
    assert_non_null(strstr(err.detail, "'.' and '..'"));
    ct_api_request_clear(&r);
    char id[CT_CALL_ID_MAX + 2];
    memset(id, 'a', sizeof id);
    id[CT_CALL_ID_MAX] = '\0';
    assert_true(ct_api_call_id_valid(id)); /* exactly the maximum is fine */
    id[CT_CALL_ID_MAX] = 'a';
    id[CT_CALL_ID_MAX + 1] = '\0';
    assert_false(ct_api_call_id_valid(id));
    assert_true(ct_api_call_id_valid("..."));         /* not a dot segment */
    assert_true(ct_api_call_id_valid("CC-\xc3\xa9")); /* non-ASCII text is fine */
    assert_true(ct_api_call_id_valid("6613f0c2a1b2c3d4e5f60718"));
}

/* Issue 13 item 13: a 404 to list/numbers names the base URL, not a
 * deleted call; a 404 to get call keeps its meaning. */
static void test_not_found_base_url(void **state)
{
    (void)state;
    ct_error err;
    ct_api_map_http(404, "", 0, NULL, 0, &err);
    ct_api_explain_not_found(CT_API_LIST_CALLS, "https://user:pw@api.example.com/v2?k=sk-1", &err);
    assert_int_equal(err.code, CT_ECONFIG);
    assert_int_equal(err.http_status, 404);
    assert_non_null(strstr(err.detail,
                           "--base-url is probably wrong: "
                           "https://api.example.com/v2 answered HTTP 404 to list calls"));
    assert_null(strstr(err.detail, "pw"));
    assert_null(strstr(err.detail, "sk-1"));
    ct_api_map_http(404, "", 0, NULL, 0, &err);
    ct_api_explain_not_found(CT_API_NUMBERS, "http://127.0.0.1:9", &err);
    assert_int_equal(err.code, CT_ECONFIG);
    assert_non_null(strstr(err.detail, "http://127.0.0.1:9 answered HTTP 404 to list numbers"));
    ct_api_map_http(404, "", 0, NULL, 0, &err);
    ct_api_explain_not_found(CT_API_GET_CALL, "http://127.0.0.1:9", &err);
    assert_int_equal(err.code, CT_ENOTFOUND);
    ct_api_map_http(500, "", 0, NULL, 0, &err);
    ct_api_explain_not_found(CT_API_LIST_CALLS, "http://127.0.0.1:9", &err);
    assert_int_equal(err.code, CT_ESERVER);
}

/* Issue 13 item 14: certificate problems in words, from OpenSSL's verify
 * code (the relay client) or libcurl's text (the API client). */
static void test_tls_words(void **state)
{
    (void)state;
    assert_non_null(
        strstr(ct_api_tls_words(18, NULL, false), "self-signed: trust its CA with --ca-file"));
    assert_non_null(strstr(ct_api_tls_words(18, NULL, true), "the ca-file given does not vouch"));
    assert_non_null(strstr(ct_api_tls_words(19, NULL, false), "self-signed CA"));
    assert_non_null(strstr(ct_api_tls_words(20, NULL, false), "unknown CA"));
    assert_non_null(strstr(ct_api_tls_words(10, NULL, false), "has expired"));
    assert_non_null(strstr(ct_api_tls_words(9, NULL, false), "not valid yet"));
    assert_non_null(strstr(ct_api_tls_words(62, NULL, false), "hostname mismatch"));
    assert_non_null(
        strstr(ct_api_tls_words(0, "SSL certificate problem: certificate has expired", false),
               "has expired"));
    assert_non_null(strstr(ct_api_tls_words(0,
                                            "SSL: no alternative certificate subject name "
                                            "matches target host name 'x'",
                                            false),
                           "hostname mismatch"));
    assert_null(ct_api_tls_words(0, "error:00000001:lib(0)::reason(1)", false));
    assert_null(ct_api_tls_words(0, NULL, false));
    ct_error e; /* as net/curl_err.c leaves a TLS failure (core links no curl) */
    ct_error_set(&e, CT_ETLS, "the TLS handshake or certificate check failed");
    ct_api_explain_tls(0, "SSL certificate problem: self-signed certificate", false, &e);
    assert_int_equal(e.code, CT_ETLS);
    assert_non_null(strstr(e.detail, "the server's certificate is self-signed"));
    ct_error_set(&e, CT_ECONNECT,
                 "the connection was refused or unreachable"); /* not TLS: untouched */
    ct_api_explain_tls(18, NULL, false, &e);
    assert_null(strstr(e.detail, "self-signed"));
}

static void test_post_requests(void **state)
{
    (void)state;
    ct_api_request r;
    ct_error err;
    ct_error_clear(&err);
    ct_control_request c = {CT_ACTION_SAY, "hello"};
    assert_int_equal(ct_api_control(BASE, "WC-a b", &c, &r, &err), CT_OK);
    assert_true(r.post);
    assert_false(r.idempotent);
    assert_string_equal(r.url, BASE "/calls/v1/conversations/WC-a%20b/control");
    assert_non_null(strstr(r.body, "\"say\""));
    assert_non_null(strstr(r.body, "\"hello\""));
    ct_api_request_clear(&r);

    ct_connect_request cr = {.phone_number_id = "66a0", .customer_number = "+14155550100"};
    assert_int_equal(ct_api_connect(BASE, &cr, &r, &err), CT_OK);
    assert_string_equal(r.url, BASE "/calls/v1/conversations/connect");
    assert_false(r.idempotent);
    assert_non_null(strstr(r.body, "+14155550100"));
    ct_api_request_clear(&r);

    cr.customer_number = "12345"; /* not E.164: refused before sending */
    assert_int_not_equal(ct_api_connect(BASE, &cr, &r, &err), CT_OK);
    assert_null(r.url);
    assert_null(r.body);

    ct_create_request cc = {.user_number = "+14155550100", .assistant_number = "+14155550101"};
    assert_int_equal(ct_api_create(BASE, &cc, &r, &err), CT_OK);
    assert_string_equal(r.url, BASE "/calls/v1/conversations");
    assert_true(r.post);
    ct_api_request_clear(&r);
}

/* ---- origin ---- */

static void test_same_origin(void **state)
{
    (void)state;
    assert_true(ct_api_same_origin(BASE "/calls/v1/conversations/x/control", BASE));
    assert_true(ct_api_same_origin(BASE ":443/x", BASE));
    assert_true(ct_api_same_origin("HTTPS://API-PROD.Interactly.AI/x", BASE));
    assert_true(ct_api_same_origin("http://127.0.0.1:8080/a?b", "http://127.0.0.1:8080"));
    assert_true(ct_api_same_origin("http://h/a", "http://h:80"));
    assert_true(ct_api_same_origin("http://[::1]:9/a", "http://[::1]:9"));
    /* scheme downgrade */
    assert_false(ct_api_same_origin("http://api-prod.interactly.ai/x", BASE));
    /* port differences */
    assert_false(ct_api_same_origin(BASE ":8443/x", BASE));
    assert_false(ct_api_same_origin("http://127.0.0.1:8081/", "http://127.0.0.1:8080"));
    assert_false(ct_api_same_origin("http://[::1]:9/a", "http://[::1]:10"));
    /* other hosts, suffix and prefix attacks */
    assert_false(ct_api_same_origin("https://api-prod.interactly.ai.evil.com/x", BASE));
    assert_false(ct_api_same_origin("https://evil-api-prod.interactly.ai/x", BASE));
    assert_false(ct_api_same_origin("https://tenant.interactly.ai/calls/v1/x/control", BASE));
    assert_false(ct_api_same_origin("https://api-qa.interactly.ai/x", BASE));
    /* userinfo: the host is what follows '@', and credentials in URLs are refused anyway */
    assert_false(ct_api_same_origin("https://api-prod.interactly.ai@evil.com/x", BASE));
    assert_false(ct_api_same_origin("https://user:pw@api-prod.interactly.ai/x", BASE));
    assert_false(ct_api_same_origin(BASE, "https://u@api-prod.interactly.ai"));
    /* odd or broken URLs */
    assert_false(ct_api_same_origin("https://evil.com\\@api-prod.interactly.ai/", BASE));
    assert_false(ct_api_same_origin("https://api-prod.interactly.ai%2eevil.com/", BASE));
    assert_false(
        ct_api_same_origin("ftp://api-prod.interactly.ai/", "ftp://api-prod.interactly.ai"));
    assert_false(ct_api_same_origin("//api-prod.interactly.ai/x", BASE));
    assert_false(ct_api_same_origin("/calls/v1/x", BASE));
    assert_false(ct_api_same_origin("https:///x", BASE));
    assert_false(ct_api_same_origin(BASE ":99999/", BASE));
    assert_false(ct_api_same_origin(BASE ":44x/", BASE));
    assert_false(ct_api_same_origin(NULL, BASE));
    assert_false(ct_api_same_origin(BASE, NULL));
}

/* ---- status mapping ---- */

static void test_map_http_codes(void **state)
{
    (void)state;
    static const struct {
        int status;
        ct_err code;
    } cases[] = {
        {200, CT_OK},          {201, CT_OK},          {204, CT_OK},       {301, CT_EHTTP},
        {302, CT_EHTTP},       {400, CT_EVALIDATION}, {401, CT_EAUTH},    {403, CT_EAUTH},
        {404, CT_ENOTFOUND},   {405, CT_EHTTP},       {408, CT_ETIMEOUT}, {409, CT_EHTTP},
        {422, CT_EVALIDATION}, {429, CT_ERATELIMIT},  {500, CT_ESERVER},  {502, CT_ESERVER},
        {503, CT_ESERVER},     {504, CT_ESERVER},     {599, CT_ESERVER},  {600, CT_EHTTP},
        {100, CT_EHTTP},       {0, CT_EHTTP},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_error err;
        ct_err rc = ct_api_map_http(cases[i].status, NULL, 0, NULL, 0, &err);
        assert_int_equal(rc, cases[i].code);
        assert_int_equal(err.code, cases[i].code);
        assert_int_equal(err.http_status, cases[i].status);
        if (rc != CT_OK) {
            char want[32];
            snprintf(want, sizeof want, "HTTP %d", cases[i].status);
            assert_non_null(strstr(err.detail, want));
        }
    }
    ct_error err;
    ct_api_map_http(302, NULL, 0, NULL, 0, &err);
    assert_non_null(strstr(err.detail, "not followed"));
}

static void test_map_http_reason(void **state)
{
    (void)state;
    ct_error err;
    const char *b = "{\"detail\":\"Conversation not found\"}";
    assert_int_equal(ct_api_map_http(404, b, strlen(b), NULL, 0, &err), CT_ENOTFOUND);
    assert_string_equal(err.detail, "HTTP 404: Conversation not found");
    b = "{\"message\":\"bad\\u001b[31mkey\\n\"}";
    ct_api_map_http(401, b, strlen(b), NULL, 0, &err);
    assert_string_equal(err.detail, "HTTP 401: bad [31mkey "); /* ESC and LF removed */
    b = "<html>502 Bad Gateway</html>";
    ct_api_map_http(502, b, strlen(b), NULL, 0, &err);
    assert_string_equal(err.detail, "HTTP 502");
    /* 429 with Retry-After */
    ct_api_map_http(429, NULL, 0, "7", 0, &err);
    assert_int_equal(err.retry_after_s, 7);
    assert_string_equal(err.detail, "HTTP 429 (retry after 7 s)");
    ct_api_map_http(429, NULL, 0, NULL, 0, &err);
    assert_int_equal(err.retry_after_s, -1);
}

static void test_validation_detail(void **state)
{
    (void)state;
    ct_error err;
    const char *b = "{\"detail\":[{\"loc\":[\"body\",\"customer\",\"number\"],"
                    "\"msg\":\"value is not a valid phone number\",\"type\":\"value_error\"}]}";
    assert_int_equal(ct_api_map_http(422, b, strlen(b), NULL, 0, &err), CT_EVALIDATION);
    assert_string_equal(err.detail, "customer.number: value is not a valid phone number");
    assert_string_equal(err.field, "customer.number");

    char out[256], field[64];
    b = "{\"detail\":[{\"loc\":[\"query\",\"startDate\"],\"msg\":\"field required\"},"
        "{\"loc\":[\"query\",\"endDate\"],\"msg\":\"field required\"}]}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "startDate: field required; endDate: field required");
    assert_string_equal(field, "startDate");

    /* array indices in loc */
    b = "{\"detail\":[{\"loc\":[\"body\",\"messages\",2,\"text\"],\"msg\":\"too long\"}]}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "messages.2.text: too long");

    /* detail is a plain string */
    b = "{\"detail\":\"phoneNumberId is not outbound enabled\"}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "phoneNumberId is not outbound enabled");
    assert_string_equal(field, "");

    /* missing loc */
    b = "{\"detail\":[{\"msg\":\"something is off\"}]}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "something is off");

    /* loc a string, not an array */
    b = "{\"detail\":[{\"loc\":\"customer\",\"msg\":\"required\"}]}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "customer: required");

    /* loc only "body": kept, there is nothing else to name */
    b = "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"invalid JSON\"}]}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "body: invalid JSON");

    /* detail a single object */
    b = "{\"detail\":{\"loc\":[\"body\",\"type\"],\"msg\":\"bad action\"}}";
    assert_true(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_string_equal(out, "type: bad action");

    /* detail a number, items of junk, not JSON: nothing usable */
    b = "{\"detail\":42}";
    assert_false(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    b = "{\"detail\":[1,null,[]]}";
    assert_false(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    b = "Unprocessable";
    assert_false(ct_api_format_validation(b, strlen(b), out, sizeof out, field, sizeof field));
    assert_int_equal(ct_api_map_http(422, b, strlen(b), NULL, 0, &err), CT_EVALIDATION);
    assert_string_equal(err.detail, "HTTP 422");

    /* a long message is cut, never overflowing */
    char big[2048];
    int n = snprintf(big, sizeof big, "{\"detail\":[{\"loc\":[\"body\",\"x\"],\"msg\":\"");
    memset(big + n, 'a', 1500);
    strcpy(big + n + 1500, "\"}]}");
    assert_true(ct_api_format_validation(big, strlen(big), out, 32, field, sizeof field));
    assert_int_equal(strlen(out), 31);
    assert_int_equal(ct_api_map_http(422, big, strlen(big), NULL, 0, &err), CT_EVALIDATION);
    assert_true(strlen(err.detail) < sizeof err.detail);

    /* a cut never leaves half a UTF-8 character: "é" (2 bytes) straddling
     * the 31-byte limit is dropped whole, at every alignment */
    for (int pad = 22; pad <= 30; pad++) { /* "x: " + pad + é... crosses byte 31 */
        n = snprintf(big, sizeof big, "{\"detail\":[{\"loc\":[\"body\",\"x\"],\"msg\":\"");
        memset(big + n, 'a', (size_t)pad);
        strcpy(big + n + pad, "\u00e9\u00e9\u00e9\"}]}");
        assert_true(ct_api_format_validation(big, strlen(big), out, 32, field, sizeof field));
        size_t len = strlen(out);
        assert_true(len <= 31);
        /* the text must end on a character boundary: no dangling lead byte
         * and no continuation byte without its lead */
        size_t i = len;
        while (i > 0 && ((unsigned char)out[i - 1] & 0xC0) == 0x80) i--;
        if (i > 0 && ((unsigned char)out[i - 1] & 0x80)) {
            assert_int_equal((unsigned char)out[i - 1] & 0xE0, 0xC0);
            assert_int_equal(len - i, 1);
        }
    }
}

static void test_control_result(void **state)
{
    (void)state;
    ct_error err;
    const char *ok = "{\"message\":\"Call controlled successfully.\",\"data\":{\"success\":true}}";
    assert_int_equal(ct_api_control_result(ok, strlen(ok), &err), CT_OK);
    const char *no = "{\"message\":\"Call is not live\",\"data\":{\"success\":false}}";
    assert_int_equal(ct_api_control_result(no, strlen(no), &err), CT_EVALIDATION);
    assert_non_null(strstr(err.detail, "Call is not live"));
    assert_int_equal(ct_api_control_result("{}", 2, &err), CT_OK);
    assert_int_equal(ct_api_control_result("", 0, &err), CT_OK);
    assert_int_equal(ct_api_control_result("{\"data\"", 7, &err), CT_EMALFORMED);
}

/* ---- retries ---- */

static void test_retry_after(void **state)
{
    (void)state;
    /* 1994-11-06T08:49:37Z */
    const time_t now = 784111777;
    assert_int_equal(ct_api_retry_after_parse("120", now), 120);
    assert_int_equal(ct_api_retry_after_parse(" 0 ", now), 0);
    assert_int_equal(ct_api_retry_after_parse("99999999999999", now), 2147483647);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:49:47 GMT", now), 10);
    assert_int_equal(ct_api_retry_after_parse("Sunday, 06-Nov-94 08:50:37 GMT", now), 60);
    assert_int_equal(ct_api_retry_after_parse("Sun Nov  6 08:49:39 1994", now), 2);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:00:00 GMT", now), 0);
    assert_int_equal(ct_api_retry_after_parse(NULL, now), -1);
    assert_int_equal(ct_api_retry_after_parse("", now), -1);
    assert_int_equal(ct_api_retry_after_parse("-5", now), -1);
    assert_int_equal(ct_api_retry_after_parse("1.5", now), -1);
    assert_int_equal(ct_api_retry_after_parse("soon", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:49:47 PST", now), -1);
    /* Issue 13 item 15: a fixed parser, not strptime (which follows the
     * user's locale after setlocale and rolls impossible dates over) */
    assert_int_equal(ct_api_retry_after_parse("Sun, 31 Feb 1994 08:49:47 GMT", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 24:00:00 GMT", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun, 6 Nov 1994 08:49:47 GMT", now), -1);
    assert_int_equal(ct_api_retry_after_parse("So, 06 Nov 1994 08:49:47 GMT", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:49:47 GMT x", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:49:47", now), -1);
    assert_int_equal(ct_api_retry_after_parse("Sun Nov 06 08:49:39 1994", now), 2);
    /* leap day; and dates far from 1994 agree with timegm */
    time_t later = 1709208000; /* 2024-02-29T12:00:00Z */
    assert_int_equal(ct_api_retry_after_parse("Thu, 29 Feb 2024 12:00:30 GMT", later), 30);
    assert_int_equal(ct_api_retry_after_parse("Thu, 29 Feb 2023 12:00:30 GMT", later), -1);
    assert_int_equal(ct_api_retry_after_parse("Thursday, 29-Feb-24 12:01:00 GMT", later), 60);
    assert_int_equal(ct_api_retry_after_parse("Thu Feb 29 12:00:05 2024", later), 5);
    /* the result does not depend on LC_TIME (a non-English locale when installed) */
    const char *locales[] = {"de_DE.UTF-8", "fr_FR.UTF-8", "C.UTF-8", "C"};
    for (size_t i = 0; i < 4; i++) {
        if (!setlocale(LC_ALL, locales[i])) continue;
        assert_int_equal(ct_api_retry_after_parse("Sun, 06 Nov 1994 08:49:47 GMT", now), 10);
        assert_int_equal(ct_api_retry_after_parse("Sun Nov  6 08:49:39 1994", now), 2);
    }
    setlocale(LC_ALL, "C");
}

static void test_backoff_bounds(void **state)
{
    (void)state;
    uint64_t rng = 42;
    for (int attempt = 0; attempt < 70; attempt++) {
        long ceil = attempt < 6 ? 250L << attempt : 8000;
        if (ceil > 8000) ceil = 8000;
        long lo = ceil, hi = 0;
        for (int i = 0; i < 400; i++) {
            long d = ct_api_backoff_ms(attempt, 250, 8000, &rng);
            assert_true(d >= 0 && d <= ceil);
            if (d < lo) lo = d;
            if (d > hi) hi = d;
        }
        /* full jitter really spreads over the whole range */
        assert_true(lo < ceil / 4);
        assert_true(hi > ceil * 3 / 4);
    }
    /* same seed, same sequence */
    uint64_t a = 7, b = 7;
    for (int i = 0; i < 10; i++)
        assert_int_equal(ct_api_backoff_ms(3, 100, 5000, &a), ct_api_backoff_ms(3, 100, 5000, &b));
}

static void test_retry_policy(void **state)
{
    (void)state;
    ct_retry_policy p = {.max_retries = 3, .base_ms = 100, .cap_ms = 1000, .max_retry_after_s = 30};
    uint64_t rng = 1;
    ct_error e;
    ct_error_clear(&e);
    e.code = CT_ESERVER;
    long d = ct_api_retry_delay_ms(&e, true, 0, &p, &rng);
    assert_true(d >= 0 && d <= 100);
    assert_int_equal(ct_api_retry_delay_ms(&e, true, 3, &p, &rng), -1);  /* spent */
    assert_int_equal(ct_api_retry_delay_ms(&e, false, 0, &p, &rng), -1); /* a POST: never */
    e.code = CT_ETIMEOUT;
    assert_true(ct_api_retry_delay_ms(&e, true, 1, &p, &rng) <= 200);
    e.code = CT_ECONNECT;
    assert_true(ct_api_retry_delay_ms(&e, true, 2, &p, &rng) >= 0);
    static const ct_err final[] = {CT_EAUTH,   CT_ENOTFOUND,  CT_EVALIDATION, CT_ETLS,
                                   CT_ETOOBIG, CT_ECANCELLED, CT_EHTTP};
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++) {
        e.code = final[i];
        assert_int_equal(ct_api_retry_delay_ms(&e, true, 0, &p, &rng), -1);
    }
    e.code = CT_ERATELIMIT;
    e.retry_after_s = 2;
    assert_int_equal(ct_api_retry_delay_ms(&e, true, 0, &p, &rng), 2000);
    e.retry_after_s = 0;
    assert_int_equal(ct_api_retry_delay_ms(&e, true, 0, &p, &rng), 0);
    e.retry_after_s = 31; /* longer than we wait: give up and show it */
    assert_int_equal(ct_api_retry_delay_ms(&e, true, 0, &p, &rng), -1);
    /* a 503 with Retry-After is waited out the same way */
    e.code = CT_ESERVER;
    e.retry_after_s = 3;
    assert_int_equal(ct_api_retry_delay_ms(&e, true, 1, &p, &rng), 3000);
    assert_int_equal(ct_api_retry_delay_ms(&e, false, 0, &p, &rng), -1);
    e.code = CT_ERATELIMIT;
    e.retry_after_s = -1;
    d = ct_api_retry_delay_ms(&e, true, 0, &p, &rng);
    assert_true(d >= 0 && d <= 100);
    assert_int_equal(ct_api_retry_delay_ms(&e, false, 0, &p, &rng), -1);
}

/* ---- page walk ---- */

static void test_plan_widen(void **state)
{
    (void)state;
    ct_list_plan p;
    ct_list_plan_init(&p, 1000, 2000, 50000, 60000, 0, 0);
    assert_int_equal(p.end, 110000);
    assert_int_equal(p.page_size, 100);
    assert_int_equal(p.max_pages, 200);
    assert_int_equal(p.page, 1);
    ct_list_plan_init(&p, 1000, 500000, 50000, 60000, 10, 3);
    assert_int_equal(p.end, 500000); /* already in the future: kept */
}

static void test_plan_walk(void **state)
{
    (void)state;
    ct_list_plan p;
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    assert_int_equal(ct_list_plan_next(&p, 10, 25), 2);
    assert_int_equal(ct_list_plan_next(&p, 10, 25), 3);
    assert_int_equal(ct_list_plan_next(&p, 5, 25), 0);
    assert_false(p.truncated);
    assert_int_equal(ct_list_plan_next(&p, 5, 25), 0); /* done stays done */

    /* the server caps the page size below ours: totalCount still drives the walk */
    ct_list_plan_init(&p, 1, 2, 3, 4, 100, 50);
    assert_int_equal(ct_list_plan_next(&p, 50, 120), 2);
    assert_int_equal(ct_list_plan_next(&p, 50, 120), 3);
    assert_int_equal(ct_list_plan_next(&p, 20, 120), 0);

    /* an empty page ends it even if the count promised more */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    assert_int_equal(ct_list_plan_next(&p, 10, 30), 2);
    assert_int_equal(ct_list_plan_next(&p, 0, 30), 0);

    /* exact multiple */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    assert_int_equal(ct_list_plan_next(&p, 10, 10), 0);

    /* no totalCount: full pages mean more */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    assert_int_equal(ct_list_plan_next(&p, 10, -1), 2);
    assert_int_equal(ct_list_plan_next(&p, 9, -1), 0);

    /* the cap */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 3);
    assert_int_equal(ct_list_plan_next(&p, 10, 1000), 2);
    assert_int_equal(ct_list_plan_next(&p, 10, 1000), 3);
    assert_int_equal(ct_list_plan_next(&p, 10, 1000), 0);
    assert_true(p.truncated);
    assert_int_equal(p.seen, 30);
}

static void make_list(ct_call_list *l, const char *const *ids, size_t n)
{
    memset(l, 0, sizeof *l);
    l->total_count = (long)n;
    l->calls = calloc(n, sizeof *l->calls);
    l->n_calls = n;
    for (size_t i = 0; i < n; i++) {
        l->calls[i].id = strdup(ids[i]);
        l->calls[i].present = CT_F_ID;
    }
}

static void test_absorb_dedupes(void **state)
{
    (void)state;
    ct_call_list acc, page;
    memset(&acc, 0, sizeof acc);
    acc.total_count = -1;
    ct_list_absorber *ab = ct_list_absorber_new();
    assert_non_null(ab);
    static const char *const p1[] = {"a", "b", "c"};
    static const char *const p2[] = {"c", "d", "a", "e"};
    make_list(&page, p1, 3);
    assert_int_equal(ct_call_list_absorb(&acc, &page, ab), CT_OK);
    assert_int_equal(page.n_calls, 0);
    make_list(&page, p2, 4);
    page.total_count = 5;
    assert_int_equal(ct_call_list_absorb(&acc, &page, ab), CT_OK);
    assert_int_equal(acc.n_calls, 5);
    assert_int_equal(acc.total_count, 5);
    const char *want[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(acc.calls[i].id, want[i]);
    ct_list_absorber_free(ab);
    ct_call_list_clear(&acc);
}

/* Many pages through one absorber (the set and the array grow several
 * times): every id once, in first-seen order, each page overlapping the
 * previous one by half. */
static void test_absorb_many_pages(void **state)
{
    (void)state;
    ct_call_list acc, page;
    memset(&acc, 0, sizeof acc);
    ct_list_absorber *ab = ct_list_absorber_new();
    static char names[60 * 50 + 50][16];
    const char *ids[100];
    for (int p = 0; p < 60; p++) {
        for (int i = 0; i < 100; i++) {
            int n = p * 50 + i; /* 50 new, 50 repeated from the page before */
            snprintf(names[n], sizeof names[n], "c%d", n);
            ids[i] = names[n];
        }
        make_list(&page, ids, 100);
        assert_int_equal(ct_call_list_absorb(&acc, &page, ab), CT_OK);
    }
    assert_int_equal(acc.n_calls, 59 * 50 + 100);
    for (size_t i = 0; i < acc.n_calls; i++) {
        char want[32];
        snprintf(want, sizeof want, "c%zu", i);
        assert_string_equal(acc.calls[i].id, want);
    }
    ct_list_absorber_free(ab);
    ct_call_list_clear(&acc);
}

static void test_keep_live(void **state)
{
    (void)state;
    ct_call_list l;
    static const char *const ids[] = {"live1", "done", "live2", "ringing"};
    make_list(&l, ids, 4);
    l.calls[0].status = CT_STATUS_ONGOING;
    l.calls[0].present |= CT_F_STATUS;
    l.calls[1].status = CT_STATUS_FINISHED;
    l.calls[1].present |= CT_F_STATUS;
    l.calls[2].status = CT_STATUS_QUEUED;
    l.calls[2].present |= CT_F_STATUS;
    l.calls[3].phone_status = CT_PHONE_RINGING;
    l.calls[3].present |= CT_F_PHONE_STATUS;
    ct_call_list_keep_live(&l);
    assert_int_equal(l.n_calls, 3);
    assert_string_equal(l.calls[0].id, "live1");
    assert_string_equal(l.calls[1].id, "live2");
    assert_string_equal(l.calls[2].id, "ringing");
    ct_call_list_clear(&l);
}

static void test_duration(void **state)
{
    (void)state;
    ct_time_ms ms;
    ct_error err;
    assert_int_equal(ct_api_parse_duration("30m", &ms, &err), CT_OK);
    assert_int_equal(ms, 30 * 60000);
    assert_int_equal(ct_api_parse_duration("2h", &ms, &err), CT_OK);
    assert_int_equal(ms, 7200000);
    assert_int_equal(ct_api_parse_duration("7d", &ms, &err), CT_OK);
    assert_int_equal(ms, 7LL * 86400000);
    assert_int_equal(ct_api_parse_duration("90s", &ms, &err), CT_OK);
    assert_int_equal(ms, 90000);
    const char *bad[] = {"", "m", "30", "30x", "-5m", "0h", "3h2m", "1.5h", "999999999d", "500d"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ct_api_parse_duration(bad[i], &ms, &err), CT_EUSAGE);
    assert_int_equal(ct_api_parse_duration(NULL, &ms, &err), CT_EUSAGE);
}

/* Random and mutated inputs: nothing crashes (ASan/UBSan builds check the
 * memory side), outputs stay NUL-terminated within their buffers, and the
 * origin check never accepts a URL that differs from the base. */
static void test_random_inputs_are_safe(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"detail\":[{\"loc\":[\"body\",\"customer\",\"number\"],\"msg\":\"bad\"}]}",
        "{\"detail\":\"x\"}",
        "{\"message\":\"m\"}",
        BASE "/calls/v1/x",
        "https://a@b:1/",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "120",
    };
    static const char alphabet[] =
        "{}[]\":,./@%\\ bodyquerylocmsgdetail0123456789aZ\x01\x7f\xc3\xa9";
    uint64_t rng = 12345;
    char in[256], out[64], field[16];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n;
        if (iter % 2) { /* mutate a seed */
            const char *sd = seeds[ct_api_rand(&rng) % (sizeof seeds / sizeof seeds[0])];
            n = strlen(sd);
            memcpy(in, sd, n);
            for (int k = 0; k < 3; k++)
                in[ct_api_rand(&rng) % n] = alphabet[ct_api_rand(&rng) % (sizeof alphabet - 1)];
        } else { /* random text */
            n = ct_api_rand(&rng) % 80;
            for (size_t k = 0; k < n; k++)
                in[k] = alphabet[ct_api_rand(&rng) % (sizeof alphabet - 1)];
        }
        in[n] = '\0';
        memset(out, 'X', sizeof out);
        ct_api_format_validation(in, n, out, sizeof out, field, sizeof field);
        assert_non_null(memchr(out, '\0', sizeof out));
        assert_non_null(memchr(field, '\0', sizeof field));
        ct_error err;
        ct_api_map_http(400 + (int)(ct_api_rand(&rng) % 200), in, n, in, 0, &err);
        assert_non_null(memchr(err.detail, '\0', sizeof err.detail));
        for (const char *c = err.detail; *c; c++)
            assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
        (void)ct_api_retry_after_parse(in, 784111777);
        if (ct_api_same_origin(in, BASE)) {
            /* whatever it was, it is https, the same host, port 443 */
            assert_true(strncasecmp(in, "https://api-prod.interactly.ai", 30) == 0);
            assert_true(in[30] == '\0' || in[30] == '/' || in[30] == '?' || in[30] == '#' ||
                        strncmp(in + 30, ":443", 4) == 0);
        }
        char *e = ct_api_escape(in);
        for (const char *c = e; *c; c++)
            assert_true(isalnum((unsigned char)*c) || strchr("-._~%", *c));
        free(e);
    }
}

/* The server's objects are picked per decoded call, first copy first; a
 * call with no raw object (an id the server sent as a number, a page that
 * was not JSON) is re-encoded from the model instead of dropped. */
static void test_raw_calls_pick(void **state)
{
    (void)state;
    ct_raw_calls *r = ct_raw_calls_new();
    assert_non_null(r);
    const char *p1 = "{\"conversations\":[{\"id\":\"A\",\"z\":1},{\"id\":7,\"z\":2}]}";
    const char *p2 = "{\"conversations\":[{\"id\":\"A\",\"z\":3},{\"id\":\"B\",\"z\":4}]}";
    assert_int_equal(ct_raw_calls_add_page(r, p1, strlen(p1)), CT_OK);
    assert_int_equal(ct_raw_calls_add_page(r, "<html>", 6), CT_OK);
    assert_int_equal(ct_raw_calls_add_page(r, "{\"conversations\":5}", 19), CT_OK);
    assert_int_equal(ct_raw_calls_add_page(r, p2, strlen(p2)), CT_OK);

    ct_call calls[3];
    memset(calls, 0, sizeof calls);
    calls[0].id = (char *)"B";
    calls[1].id = (char *)"C"; /* no raw object: re-encoded */
    calls[1].present = CT_F_ID;
    calls[2].id = (char *)"A";
    ct_call_list l = {.calls = calls, .n_calls = 3};
    char *text = ct_raw_calls_pick(r, &l);
    assert_non_null(text);
    cJSON *a = cJSON_Parse(text);
    assert_int_equal(cJSON_GetArraySize(a), 3);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "id")),
                        "B");
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "z")->valueint, 4);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "id")),
                        "C");
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 1), "z"));
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 2), "z")->valueint, 1);
    cJSON_Delete(a);
    free(text);

    ct_call_list empty = {0};
    text = ct_raw_calls_pick(r, &empty);
    assert_string_equal(text, "[]");
    free(text);
    ct_raw_calls_free(r);
}

/* ---- list walk robustness ------------------------------------------------ */

static void test_list_order(void **state)
{
    (void)state;
    ct_call_list l;
    static const char *const ids[] = {"a", "b", "c"};
    make_list(&l, ids, 3);
    assert_int_equal(ct_call_list_order(&l), 0); /* no start times */
    for (size_t i = 0; i < 3; i++) {
        l.calls[i].start_at = 1000 + (ct_time_ms)i * 10;
        l.calls[i].present |= CT_F_START;
    }
    assert_int_equal(ct_call_list_order(&l), 1);
    l.calls[0].start_at = 5000;
    l.calls[2].start_at = 10;
    assert_int_equal(ct_call_list_order(&l), -1);
    l.calls[2].start_at = 5000; /* ties at both ends say nothing */
    assert_int_equal(ct_call_list_order(&l), 0);
    ct_call_list_clear(&l);
}

static void test_plan_rest(void **state)
{
    (void)state;
    ct_list_plan p;
    int pages[16];
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    assert_int_equal(ct_list_plan_rest(&p, -1, pages, 16), 0); /* total unknown */
    p.total_count = 45;                                        /* pages 1..5 */
    assert_int_equal(ct_list_plan_rest(&p, -1, pages, 16), 4);
    assert_int_equal(pages[0], 2);
    assert_int_equal(pages[3], 5);
    assert_false(p.truncated);
    assert_int_equal(ct_list_plan_rest(&p, 1, pages, 16), 4); /* order is moot when it fits */
    p.total_count = 10;
    assert_int_equal(ct_list_plan_rest(&p, -1, pages, 16), 0); /* page 1 was all */
    /* 95 calls, 10 pages, max 4: newest first keeps pages 1-4 ... */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 4);
    p.total_count = 95;
    assert_int_equal(ct_list_plan_rest(&p, -1, pages, 16), 3);
    assert_int_equal(pages[0], 2);
    assert_int_equal(pages[2], 4);
    assert_true(p.truncated);
    /* ... oldest first keeps the last 4 (page 1 is then dropped) */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 4);
    p.total_count = 95;
    assert_int_equal(ct_list_plan_rest(&p, 1, pages, 16), 4);
    assert_int_equal(pages[0], 7);
    assert_int_equal(pages[3], 10);
    assert_true(p.truncated);
    /* cap bounds the output */
    ct_list_plan_init(&p, 1, 2, 3, 4, 1, 100);
    p.total_count = 50;
    assert_int_equal(ct_list_plan_rest(&p, -1, pages, 16), 16);
}

static void test_plan_repair(void **state)
{
    (void)state;
    ct_list_plan p;
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 50);
    int out[64];
    /* no growth, totals in order: nothing to read again */
    const int pages[] = {1, 2, 3, 4, 5};
    const long flat[] = {45, 45, 45, 45, 45};
    assert_int_equal(ct_list_plan_repair(&p, pages, flat, 5, 45, out, 64), 0);
    /* grew, but each page read no later than the next (totals rise): a
     * sequential-like order loses nothing */
    const long rising[] = {45, 45, 46, 47, 47};
    assert_int_equal(ct_list_plan_repair(&p, pages, rising, 5, 47, out, 64), 0);
    /* page 3 was read after page 4, with 3 arrivals between: page 4 again */
    const long crossed[] = {45, 45, 48, 45, 48};
    assert_int_equal(ct_list_plan_repair(&p, pages, crossed, 5, 48, out, 64), 1);
    assert_int_equal(out[0], 4);
    /* 25 arrived since page 4 was read: a missed call may be 3 pages on */
    assert_int_equal(ct_list_plan_repair(&p, pages, crossed, 5, 70, out, 64), 4);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 5);
    assert_int_equal(out[2], 6);
    assert_int_equal(out[3], 7); /* past the end: 70 calls need 7 pages */
    /* two borders overlapping: ascending, no page twice */
    const long twice[] = {50, 45, 50, 45, 45};
    assert_int_equal(ct_list_plan_repair(&p, pages, twice, 5, 50, out, 64), 2);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 4);
    /* a wide span reaching a page already chosen: each page once */
    const long wide[] = {60, 45, 60, 45, 45};
    assert_int_equal(ct_list_plan_repair(&p, pages, wide, 5, 60, out, 64), 5);
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 3);
    assert_int_equal(out[2], 4);
    assert_int_equal(out[3], 5);
    assert_int_equal(out[4], 6); /* 60 calls need 6 pages */
    /* the list outgrew the pages read: the missing ones, within max_pages */
    ct_list_plan_init(&p, 1, 2, 3, 4, 10, 6);
    assert_int_equal(ct_list_plan_repair(&p, pages, flat, 5, 90, out, 64), 1);
    assert_int_equal(out[0], 6);
    p.truncated = true; /* cut by max_pages: the end is not read anyway */
    assert_int_equal(ct_list_plan_repair(&p, pages, flat, 5, 90, out, 64), 0);
}

static void test_smaller_size(void **state)
{
    (void)state;
    ct_error e;
    static const char body[] = "{\"detail\":[{\"loc\":[\"query\",\"size\"],\"msg\":"
                               "\"ensure this value is less than or equal to 50\","
                               "\"type\":\"value_error.number.not_le\"}]}";
    ct_error_clear(&e);
    assert_int_equal(ct_api_map_http(422, body, sizeof body - 1, NULL, 0, &e), CT_EVALIDATION);
    assert_string_equal(e.field, "size");
    assert_int_equal(ct_list_smaller_size(&e, 100), 50);
    assert_int_equal(ct_list_smaller_size(&e, 40), 20); /* a stated cap not below: halve */
    assert_int_equal(ct_list_smaller_size(&e, 1), 0);
    /* no number in the message: halve */
    static const char vague[] = "{\"detail\":[{\"loc\":[\"query\",\"size\"],\"msg\":\"too big\"}]}";
    ct_error_clear(&e);
    ct_api_map_http(422, vague, sizeof vague - 1, NULL, 0, &e);
    assert_int_equal(ct_list_smaller_size(&e, 100), 50);
    /* another field, or another error: not about the page size */
    static const char other[] = "{\"detail\":[{\"loc\":[\"query\",\"page\"],\"msg\":\"bad\"}]}";
    ct_error_clear(&e);
    ct_api_map_http(422, other, sizeof other - 1, NULL, 0, &e);
    assert_int_equal(ct_list_smaller_size(&e, 100), 0);
    ct_error_clear(&e);
    ct_api_map_http(500, NULL, 0, NULL, 0, &e);
    assert_int_equal(ct_list_smaller_size(&e, 100), 0);
}

static void test_hot_start(void **state)
{
    (void)state;
    ct_call_list l;
    static const char *const ids[] = {"old-done", "live", "ended-no-analysis", "ended-analysed"};
    make_list(&l, ids, 4);
    const ct_time_ms now = 1000000, settle = 120000, margin = 5000;
    for (size_t i = 0; i < 4; i++) l.calls[i].present |= CT_F_START | CT_F_STATUS;
    l.calls[0].start_at = 100000; /* finished long ago, never analysed */
    l.calls[0].status = CT_STATUS_FINISHED;
    l.calls[0].end_at = 200000;
    l.calls[0].present |= CT_F_END;
    l.calls[1].start_at = 900000;
    l.calls[1].status = CT_STATUS_ONGOING;
    l.calls[2].start_at = 800000; /* ended 50 s ago, analysis not yet in */
    l.calls[2].status = CT_STATUS_FINISHED;
    l.calls[2].end_at = 950000;
    l.calls[2].present |= CT_F_END;
    l.calls[3].start_at = 700000;
    l.calls[3].status = CT_STATUS_FINISHED;
    l.calls[3].end_at = 960000;
    l.calls[3].present |= CT_F_END | CT_F_ANALYSIS;
    assert_int_equal(ct_list_hot_start(l.calls, 4, now, settle, margin), 800000 - margin);
    assert_int_equal(ct_list_hot_start(l.calls, 2, now, settle, margin), 900000 - margin);
    assert_int_equal(ct_list_hot_start(l.calls, 1, now, settle, margin), now - margin);
    assert_int_equal(ct_list_hot_start(NULL, 0, now, settle, margin), now - margin);
    ct_call_list_clear(&l);
}

static void test_unmentioned(void **state)
{
    (void)state;
    ct_call_list l;
    static const char *const ids[] = {"a", "b", "c"};
    make_list(&l, ids, 3);
    const char *known[] = {"b", "x", NULL, "a", "y"};
    size_t idx[5];
    assert_int_equal(ct_list_unmentioned(&l, known, 5, idx), 2);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 4);
    ct_call_list empty = {0};
    assert_int_equal(ct_list_unmentioned(&empty, known, 2, idx), 2);
    ct_call_list_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),          cmocka_unit_test(test_url_query),
        cmocka_unit_test(test_list_calls_url),  cmocka_unit_test(test_id_urls),
        cmocka_unit_test(test_id_refused),      cmocka_unit_test(test_not_found_base_url),
        cmocka_unit_test(test_tls_words),       cmocka_unit_test(test_post_requests),
        cmocka_unit_test(test_same_origin),     cmocka_unit_test(test_map_http_codes),
        cmocka_unit_test(test_map_http_reason), cmocka_unit_test(test_validation_detail),
        cmocka_unit_test(test_control_result),  cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_backoff_bounds),  cmocka_unit_test(test_retry_policy),
        cmocka_unit_test(test_plan_widen),      cmocka_unit_test(test_plan_walk),
        cmocka_unit_test(test_absorb_dedupes),  cmocka_unit_test(test_keep_live),
        cmocka_unit_test(test_duration),        cmocka_unit_test(test_random_inputs_are_safe),
        cmocka_unit_test(test_raw_calls_pick),  cmocka_unit_test(test_absorb_many_pages),
        cmocka_unit_test(test_list_order),      cmocka_unit_test(test_plan_rest),
        cmocka_unit_test(test_plan_repair),     cmocka_unit_test(test_smaller_size),
        cmocka_unit_test(test_hot_start),       cmocka_unit_test(test_unmentioned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
