/* test_model_request.c — Connect / Create / Control request bodies: the
 * exact documented JSON, every validation failure with its wire field, and
 * the decoders the simulator uses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"

static void test_connect_body(void **state)
{
    (void)state;
    ct_kv md[] = {{"ticket", "T-1"}, {"agent", "ops"}, {"ticket", "T-2"}, {"empty", NULL}};
    ct_connect_request r = {.phone_number_id = "65f0c0ffee0123456789abcd",
                            .customer_number = "+14155550123",
                            .customer_name = "Dana",
                            .assistant_id = "3f7b",
                            .metadata = md,
                            .n_metadata = 4};
    char *body = NULL;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_connect_request_encode(&r, &body, &err), CT_OK);
    assert_string_equal(
        body,
        "{\"direction\":\"outbound\",\"phoneNumberId\":\"65f0c0ffee0123456789abcd\","
        "\"customer\":{\"number\":\"+14155550123\",\"name\":\"Dana\"},"
        "\"metadata\":{\"ticket\":\"T-2\",\"agent\":\"ops\",\"empty\":null},"
        "\"assistantId\":\"3f7b\"}");
    /* the simulator's decoder accepts it */
    cJSON *j = NULL;
    assert_int_equal(ct_connect_request_decode(body, strlen(body), &j, &err), CT_OK);
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "customer"), "name")->valuestring, "Dana");
    cJSON_Delete(j);
    free(body);

    /* optionals absent or empty are omitted */
    ct_connect_request min = {.phone_number_id = "p1",
                              .customer_number = "+12",
                              .customer_name = "",
                              .assistant_id = NULL};
    assert_int_equal(ct_connect_request_encode(&min, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"p1\","
                        "\"customer\":{\"number\":\"+12\"}}");
    free(body);
    /* strings are JSON-escaped, not trusted */
    ct_connect_request q = {
        .phone_number_id = "p\"1", .customer_number = "+15550001111", .customer_name = "A\nB\\"};
    assert_int_equal(ct_connect_request_encode(&q, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"p\\\"1\","
                        "\"customer\":{\"number\":\"+15550001111\",\"name\":\"A\\nB\\\\\"}}");
    free(body);
}

/* issue 15: assistantOverrides (first message, variable values) and an
 * inline assistant object from JSON text, validated before sending. */
static void test_connect_overrides_and_inline_assistant(void **state)
{
    (void)state;
    ct_kv vars[] = {{"name", "Dana"}, {"plan", "gold"}, {"name", "D."}};
    ct_connect_request r = {.phone_number_id = "p1",
                            .customer_number = "+12",
                            .first_message = "Hi {{name}}, this is Ava.",
                            .variables = vars,
                            .n_variables = 3,
                            .assistant_json = " {\"model\": {\"provider\": \"x\"}, \"n\": 1}\n"};
    char *body = NULL;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_connect_request_encode(&r, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"p1\","
                        "\"customer\":{\"number\":\"+12\"},"
                        "\"assistantOverrides\":{\"firstMessage\":\"Hi {{name}}, this is Ava.\","
                        "\"variableValues\":{\"name\":\"D.\",\"plan\":\"gold\"}},"
                        "\"assistant\":{\"model\":{\"provider\":\"x\"},\"n\":1}}");
    free(body);
    /* only a first message: no variableValues member */
    ct_connect_request f = {
        .phone_number_id = "p1", .customer_number = "+12", .first_message = "Hello"};
    assert_int_equal(ct_connect_request_encode(&f, &body, &err), CT_OK);
    assert_non_null(strstr(body, "\"assistantOverrides\":{\"firstMessage\":\"Hello\"}}"));
    free(body);
    /* the inline assistant must be a JSON object */
    const char *bad[] = {"[1,2]", "\"text\"", "{\"a\":", "", "{} {}", "null"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_connect_request b = {
            .phone_number_id = "p1", .customer_number = "+12", .assistant_json = bad[i]};
        body = (char *)"untouched";
        ct_error_clear(&err);
        assert_int_equal(ct_connect_request_encode(&b, &body, &err), CT_EVALUE);
        assert_null(body);
        assert_string_equal(err.field, "assistant");
    }
    ct_connect_request b = {
        .phone_number_id = "p1", .customer_number = "+12", .assistant_json = "{\"a\": tru}"};
    assert_int_equal(ct_connect_request_encode(&b, &body, &err), CT_EVALUE);
    assert_non_null(strstr(err.detail, "not valid JSON (near byte"));
    /* a variable needs a key */
    ct_kv nokey[] = {{"", "v"}};
    ct_connect_request v = {
        .phone_number_id = "p1", .customer_number = "+12", .variables = nokey, .n_variables = 1};
    assert_int_equal(ct_connect_request_encode(&v, &body, &err), CT_EVALUE);
    assert_string_equal(err.field, "assistantOverrides.variableValues");
}

static void test_connect_validation(void **state)
{
    (void)state;
    ct_kv empty_key[] = {{"", "v"}}, null_key[] = {{NULL, "v"}};
    const struct {
        ct_connect_request r;
        const char *field;
    } cases[] = {
        {{.phone_number_id = NULL, .customer_number = "+14155550123"}, "phoneNumberId"},
        {{.phone_number_id = "", .customer_number = "+14155550123"}, "phoneNumberId"},
        {{.phone_number_id = "p", .customer_number = NULL}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "4155550123"}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "+0155550123"}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "+1 415 555 0123"}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "+1234567890123456"}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "+1"}, "customer.number"},
        {{.phone_number_id = "p", .customer_number = "+12", .metadata = empty_key, .n_metadata = 1},
         "metadata"},
        {{.phone_number_id = "p", .customer_number = "+12", .metadata = null_key, .n_metadata = 1},
         "metadata"},
        {{.phone_number_id = "p", .customer_number = "+12", .metadata = NULL, .n_metadata = 2},
         "metadata"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = (char *)"untouched";
        ct_error err;
        ct_error_clear(&err);
        assert_int_equal(ct_connect_request_encode(&cases[i].r, &body, &err), CT_EVALUE);
        assert_null(body);
        assert_string_equal(err.field, cases[i].field);
        assert_int_equal(strncmp(err.detail, cases[i].field, strlen(cases[i].field)), 0);
    }
    ct_error err;
    ct_connect_request r = {.phone_number_id = "p", .customer_number = "555"};
    char *body;
    assert_int_equal(ct_connect_request_encode(&r, &body, &err), CT_EVALUE);
    assert_string_equal(err.detail,
                        "customer.number: \"555\" is not an E.164 number (+ then 2 to 15 digits)");
    /* the value quoted in the detail is made printable and cut short */
    r.customer_number = "+1\x1b[2J\xc3\xa9";
    assert_int_equal(ct_connect_request_encode(&r, &body, &err), CT_EVALUE);
    assert_string_equal(err.detail,
                        "customer.number: \"+1?[2J??\" is not an E.164 number "
                        "(+ then 2 to 15 digits)");
    r.customer_number = "+1234567890123456789012345678901234567890123456789";
    assert_int_equal(ct_connect_request_encode(&r, &body, &err), CT_EVALUE);
    assert_string_equal(err.detail,
                        "customer.number: \"+123456789012345678901234567890123456789..."
                        "\" is not an E.164 number (+ then 2 to 15 digits)");
    r.customer_number = "555";
    assert_int_equal(ct_connect_request_encode(NULL, &body, &err), CT_EINVAL);
    assert_int_equal(ct_connect_request_encode(&r, NULL, &err), CT_EINVAL);
}

static void test_connect_decode_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        ct_err code;
        const char *field;
    } cases[] = {
        {"{\"customer\":{\"number\":\"+12\"}}", CT_EMISSING, "phoneNumberId"},
        {"{\"phoneNumberId\":5,\"customer\":{\"number\":\"+12\"}}", CT_ETYPE, "phoneNumberId"},
        {"{\"phoneNumberId\":\"\",\"customer\":{\"number\":\"+12\"}}", CT_EVALUE, "phoneNumberId"},
        {"{\"phoneNumberId\":\"p\"}", CT_EMISSING, "customer"},
        {"{\"phoneNumberId\":\"p\",\"customer\":[]}", CT_ETYPE, "customer"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{}}", CT_EMISSING, "customer.number"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{\"number\":12}}", CT_ETYPE, "customer.number"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{\"number\":\"12\"}}", CT_EVALUE,
         "customer.number"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{\"number\":\"+12\",\"name\":1}}", CT_ETYPE,
         "customer.name"},
        {"{\"phoneNumberId\":\"p\",\"direction\":\"up\",\"customer\":{\"number\":\"+12\"}}",
         CT_EVALUE, "direction"},
        {"{\"phoneNumberId\":\"p\",\"direction\":1,\"customer\":{\"number\":\"+12\"}}", CT_ETYPE,
         "direction"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{\"number\":\"+12\"},\"metadata\":[]}", CT_ETYPE,
         "metadata"},
        {"{\"phoneNumberId\":\"p\",\"customer\":{\"number\":\"+12\"},\"assistantId\":{}}", CT_ETYPE,
         "assistantId"},
        {"[]", CT_ETYPE, ""},
        {"{", CT_EJSON, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *j = (cJSON *)1;
        ct_error err;
        ct_error_clear(&err);
        ct_err rc = ct_connect_request_decode(cases[i].json, strlen(cases[i].json), &j, &err);
        if (rc != cases[i].code) fail_msg("%s -> %d (%s)", cases[i].json, rc, err.detail);
        assert_null(j);
        assert_string_equal(err.field, cases[i].field);
    }
}

static void test_create_body(void **state)
{
    (void)state;
    ct_kv md[] = {{"k", "v"}};
    ct_create_request r = {.user_number = "+919867543210",
                           .assistant_number = "+19867543211",
                           .assistant_id = "a1",
                           .metadata = md,
                           .n_metadata = 1};
    char *body;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_create_request_encode(&r, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"userNumber\":\"+919867543210\",\"assistantNumber\":\"+19867543211\","
                        "\"metadata\":{\"k\":\"v\"},\"assistantId\":\"a1\"}");
    free(body);
    r.metadata = NULL;
    r.n_metadata = 0;
    r.assistant_id = NULL;
    assert_int_equal(ct_create_request_encode(&r, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"userNumber\":\"+919867543210\",\"assistantNumber\":\"+19867543211\"}");
    free(body);
    r.user_number = "919867543210";
    assert_int_equal(ct_create_request_encode(&r, &body, &err), CT_EVALUE);
    assert_string_equal(err.field, "userNumber");
    r.user_number = "+919867543210";
    r.assistant_number = "";
    assert_int_equal(ct_create_request_encode(&r, &body, &err), CT_EVALUE);
    assert_string_equal(err.field, "assistantNumber");
    assert_null(body);
}

static ct_err control(ct_control_action a, const char *arg, char **body, ct_error *err)
{
    ct_control_request r = {a, arg};
    ct_error_clear(err);
    return ct_control_request_encode(&r, body, err);
}

static void test_control_bodies(void **state)
{
    (void)state;
    static const struct {
        ct_control_action a;
        const char *arg, *body;
    } ok[] = {
        {CT_ACTION_SAY, "Please hold.", "{\"type\":\"say\",\"message\":\"Please hold.\"}"},
        {CT_ACTION_END, NULL, "{\"type\":\"end\",\"message\":\"\"}"},
        {CT_ACTION_END, "", "{\"type\":\"end\",\"message\":\"\"}"},
        {CT_ACTION_END, "Goodbye.", "{\"type\":\"end\",\"message\":\"Goodbye.\"}"},
        {CT_ACTION_FORWARD, "+14155550199", "{\"type\":\"forward\",\"message\":\"+14155550199\"}"},
        {CT_ACTION_DTMF, "12*#AD", "{\"type\":\"dtmf\",\"message\":\"12*#AD\"}"},
        {CT_ACTION_SMS, "Your code is 1234",
         "{\"type\":\"sms\",\"message\":\"Your code is 1234\"}"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *body;
        ct_error err;
        assert_int_equal(control(ok[i].a, ok[i].arg, &body, &err), CT_OK);
        assert_string_equal(body, ok[i].body);
        /* and back */
        ct_control_action a = CT_ACTION__COUNT;
        char *msg = NULL;
        assert_int_equal(ct_control_request_decode(body, strlen(body), &a, &msg, &err), CT_OK);
        assert_int_equal(a, ok[i].a);
        assert_string_equal(msg, ok[i].arg ? ok[i].arg : "");
        free(msg);
        free(body);
    }
    static const struct {
        ct_control_action a;
        const char *arg, *field, *detail;
    } bad[] = {
        {CT_ACTION_SAY, NULL, "message", "message: say needs the text to speak"},
        {CT_ACTION_SAY, "", "message", "message: say needs the text to speak"},
        {CT_ACTION_SMS, "", "message", "message: sms needs the text to send"},
        {CT_ACTION_FORWARD, "4155550199", "message",
         "message: forward needs an E.164 destination, got \"4155550199\""},
        {CT_ACTION_FORWARD, NULL, "message",
         "message: forward needs an E.164 destination, got \"\""},
        {CT_ACTION_DTMF, "12x", "message", "message: dtmf needs digits 0-9 * # A-D, got \"12x\""},
        {CT_ACTION_DTMF, "", "message", "message: dtmf needs digits 0-9 * # A-D, got \"\""},
        {CT_ACTION__COUNT, "x", "type", "type: unknown control action 5"},
        {(ct_control_action)-1, "x", "type", "type: unknown control action -1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *body = (char *)"untouched";
        ct_error err;
        assert_int_equal(control(bad[i].a, bad[i].arg, &body, &err), CT_EVALUE);
        assert_null(body);
        assert_string_equal(err.field, bad[i].field);
        assert_string_equal(err.detail, bad[i].detail);
    }
}

static void test_control_decode_rejects(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        ct_err code;
        const char *field;
    } cases[] = {
        {"{\"message\":\"x\"}", CT_EMISSING, "type"},
        {"{\"type\":3,\"message\":\"x\"}", CT_ETYPE, "type"},
        {"{\"type\":\"hangup\",\"message\":\"x\"}", CT_EVALUE, "type"},
        {"{\"type\":\"say\"}", CT_EVALUE, "message"},
        {"{\"type\":\"say\",\"message\":[]}", CT_ETYPE, "message"},
        {"{\"type\":\"dtmf\",\"message\":\"9z\"}", CT_EVALUE, "message"},
        {"{\"type\":\"forward\",\"message\":\"+1\"}", CT_EVALUE, "message"},
        {"\"say\"", CT_ETYPE, ""},
        {"{\"type\":\"say\",\"message\":\"x\"", CT_EJSON, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_control_action a;
        char *msg = (char *)"untouched";
        ct_error err;
        ct_error_clear(&err);
        ct_err rc = ct_control_request_decode(cases[i].json, strlen(cases[i].json), &a, &msg, &err);
        if (rc != cases[i].code) fail_msg("%s -> %d (%s)", cases[i].json, rc, err.detail);
        assert_null(msg);
        assert_string_equal(err.field, cases[i].field);
    }
    /* end without a message is an empty closing line */
    ct_control_action a;
    char *msg;
    ct_error err;
    assert_int_equal(ct_control_request_decode("{\"type\":\"end\"}", 14, &a, &msg, &err), CT_OK);
    assert_int_equal(a, CT_ACTION_END);
    assert_string_equal(msg, "");
    free(msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_body),
        cmocka_unit_test(test_connect_validation),
        cmocka_unit_test(test_connect_overrides_and_inline_assistant),
        cmocka_unit_test(test_connect_decode_rejects),
        cmocka_unit_test(test_create_body),
        cmocka_unit_test(test_control_bodies),
        cmocka_unit_test(test_control_decode_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
