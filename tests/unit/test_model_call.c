/* test_model_call.c — the call object: the documented examples and older
 * variants from tests/corpus, wrong types with their full paths, values
 * kept verbatim, encode round trips, copy, merge and liveness. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"

#include "corpus_util.h"

static ct_err decode_str(const char *json, ct_call *c, ct_error *err)
{
    ct_error_clear(err);
    return ct_call_decode(json, strlen(json), c, err);
}

static ct_err decode_file(const char *name, ct_call *c, ct_error *err)
{
    size_t len;
    char *buf = corpus_load(name, &len);
    ct_error_clear(err);
    ct_err rc = ct_call_decode(buf, len, c, err);
    free(buf);
    return rc;
}

/* decode(encode(c)) must give back c exactly. */
static void assert_round_trip(const ct_call *c)
{
    cJSON *j = ct_call_to_json(c);
    assert_non_null(j);
    char *txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    assert_non_null(txt);
    ct_call back;
    ct_error err;
    ct_error_clear(&err);
    ct_err rc = ct_call_decode(txt, strlen(txt), &back, &err);
    if (rc != CT_OK) fail_msg("re-decode failed: %s\n%s", err.detail, txt);
    if (!ct_call_equal(c, &back)) fail_msg("round trip differs:\n%s", txt);
    ct_call_clear(&back);
    free(txt);
}

static void test_get_call_documented(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("api/get_call.json", &c, &err), CT_OK);
    assert_string_equal(c.id, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    assert_string_equal(c.team_id, "1f7b8a9c0d1e2f3a4b5c6d7e");
    assert_string_equal(c.assistant_id, "3f7b8a9c0d1e2f3a4b5c6d7f");
    assert_null(c.phone_number_id);
    assert_int_equal(c.call_type, CT_CALLTYPE_PHONE);
    assert_int_equal(c.direction, CT_DIR_INBOUND);
    assert_string_equal(c.direction_text, "inbound");
    assert_int_equal(c.start_at, INT64_C(1601856000000));
    assert_false(c.present & CT_F_END);
    assert_int_equal(c.end_at, 0);
    assert_string_equal(c.user_number, "+919867543210");
    assert_string_equal(c.assistant_number, "+19867543211");
    assert_int_equal(c.status, CT_STATUS_ONGOING);
    assert_int_equal(c.phone_status, CT_PHONE_IN_PROGRESS);
    assert_int_equal(c.end_trigger, CT_TRIGGER_USER);
    assert_string_equal(c.control_url,
                        "https://acme.interactly.ai/calls/v1/conversations/"
                        "a12f9c88-c155-461f-9771-4d240cdc9a04/control");
    assert_true(c.analysis.present);
    assert_string_equal(c.analysis.summary, "Customer asked about the refund policy.");
    assert_string_equal(c.analysis.success_evaluation, "success");
    assert_string_equal(c.analysis.structured_data_json, "{}");
    assert_null(c.analysis.outcome);
    assert_null(c.analysis.guardrails_json);
    assert_true(c.present & CT_F_MESSAGES);
    assert_int_equal(c.n_messages, 3);
    assert_string_equal(c.messages[0].message_id, "m-1");
    assert_int_equal(c.messages[0].role, CT_ROLE_ASSISTANT);
    assert_string_equal(c.messages[1].text, "Hi, I want to check my order status.");
    assert_int_equal(c.messages[1].timestamp, INT64_C(1601856004250));
    assert_string_equal(c.messages[2].text, "Sure \xe2\x80\x94 can you read me the order number?");
    assert_true(ct_call_is_live(&c));
    assert_false(ct_call_is_failed_attempt(&c));
    assert_round_trip(&c);
    ct_call_clear(&c);
    assert_null(c.id);
    assert_int_equal(c.present, 0);
}

static void test_get_call_old_style(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("api/get_call_old.json", &c, &err), CT_OK);
    assert_int_equal(c.status, CT_STATUS_FINISHED);
    assert_string_equal(c.status_text, "completed");
    assert_int_equal(c.start_at, INT64_C(1601856000000));
    assert_int_equal(c.end_at, INT64_C(1601856060000));
    assert_int_equal(c.n_messages, 3);
    /* synthesized ids: "~<timestamp>-<role>-<fnv1a64(text)>"; the hash was
     * computed independently (python) for "Is anyone there?" */
    assert_string_equal(c.messages[0].message_id, "~1601856001000-user-bb8cd807d1c22070");
    assert_int_equal(c.messages[2].role, CT_ROLE_OTHER);
    assert_string_equal(c.messages[2].role_text, "narrator");
    assert_int_equal(strncmp(c.messages[2].message_id, "~1601856003000-narrator-", 24), 0);
    assert_false(ct_call_is_live(&c));
    /* the same utterance re-delivered gets the same id; other text does not */
    ct_call d;
    assert_int_equal(decode_str("{\"id\":\"x\",\"messages\":[{\"role\":\"user\",\"text\":"
                                "\"Is anyone there?\",\"timestamp\":\"2020-10-05T00:00:01Z\"},"
                                "{\"role\":\"user\",\"text\":\"Is anyone there!\","
                                "\"timestamp\":1601856001000},{}]}",
                                &d, &err),
                     CT_OK);
    assert_string_equal(d.messages[0].message_id, c.messages[0].message_id);
    assert_string_not_equal(d.messages[1].message_id, c.messages[0].message_id);
    assert_string_equal(d.messages[2].message_id, "~0--cbf29ce484222325"); /* empty message */
    assert_int_equal(d.messages[2].role, CT_ROLE_NONE);
    assert_round_trip(&c);
    ct_call_clear(&d);
    ct_call_clear(&c);
}

static void test_connect_response(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("api/connect_response.json", &c, &err), CT_OK);
    assert_string_equal(c.id, "CC-897ee2d4-1b2c-4d5e-8f90-a1b2c3d4e5f6");
    assert_string_equal(c.phone_number_id, "65f0c0ffee0123456789abcd");
    assert_int_equal(c.direction, CT_DIR_OUTBOUND);
    assert_int_equal(c.created_at, INT64_C(1772702480032));
    assert_int_equal(c.updated_at, INT64_C(1772702480032));
    assert_string_equal(c.customer_name, "Dana");
    assert_int_equal(c.status, CT_STATUS_QUEUED);
    assert_true(ct_call_is_live(&c));
    assert_int_equal(c.present,
                     CT_F_ID | CT_F_TEAM | CT_F_ASSISTANT_ID | CT_F_PHONE_NUMBER_ID |
                         CT_F_DIRECTION | CT_F_CREATED | CT_F_UPDATED | CT_F_STATUS |
                         CT_F_CUSTOMER_NAME | CT_F_CONTROL_URL);
    assert_round_trip(&c);
    ct_call_clear(&c);
}

static void test_control_response_is_not_a_call(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("api/control_response.json", &c, &err), CT_EMISSING);
    assert_string_equal(err.field, "id");
    assert_string_equal(err.detail, "id: missing (a call needs an id)");
    assert_null(c.id);
}

static void test_null_fields_are_absent(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("bad/null_fields.json", &c, &err), CT_OK);
    assert_int_equal(c.present, CT_F_ID);
    assert_string_equal(c.id, "CC-null");
    assert_int_equal(c.status, CT_STATUS_NONE);
    assert_null(c.status_text);
    assert_false(c.analysis.present);
    assert_null(c.messages);
    assert_null(c.metadata_json);
    assert_round_trip(&c);
    ct_call_clear(&c);
}

static void test_unknown_values_kept(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_str("{\"id\":\"WC-1\",\"callType\":\"sip\",\"direction\":\"sideways\","
                                "\"status\":\"paused\",\"phoneCallStatus\":\"voicemail\","
                                "\"callEndTriggerBy\":\"system\",\"zzz\":[{\"deep\":1}],"
                                "\"monitor\":{\"listenUrl\":\"x\"},"
                                "\"cost\":0.25,\"metrics\":[1,2],\"recording\":\"r.wav\","
                                "\"metadata\":{\"a\":\"b\",\"n\":1.5},"
                                "\"analysis\":{\"successEvaluation\":true,\"outcome\":{\"k\":[1]},"
                                "\"structuredData\":[],\"guardrails\":{\"ok\":false}}}",
                                &c, &err),
                     CT_OK);
    assert_int_equal(c.call_type, CT_CALLTYPE_OTHER);
    assert_string_equal(c.call_type_text, "sip");
    assert_int_equal(c.direction, CT_DIR_OTHER);
    assert_string_equal(c.direction_text, "sideways");
    assert_int_equal(c.status, CT_STATUS_OTHER);
    assert_string_equal(c.status_text, "paused");
    assert_int_equal(c.phone_status, CT_PHONE_OTHER);
    assert_int_equal(c.end_trigger, CT_TRIGGER_OTHER);
    assert_false(c.present & CT_F_CONTROL_URL); /* monitor without controlUrl */
    assert_string_equal(c.cost_json, "0.25");
    assert_string_equal(c.metrics_json, "[1,2]");
    assert_string_equal(c.recording_json, "\"r.wav\"");
    assert_string_equal(c.metadata_json, "{\"a\":\"b\",\"n\":1.5}");
    assert_string_equal(c.analysis.success_evaluation, "true");
    assert_string_equal(c.analysis.outcome, "{\"k\":[1]}");
    assert_string_equal(c.analysis.structured_data_json, "[]");
    assert_string_equal(c.analysis.guardrails_json, "{\"ok\":false}");
    assert_false(ct_call_is_live(&c));
    assert_round_trip(&c);
    ct_call_clear(&c);
}

/* Each bad member fails with its own path; nothing leaks (ASan build). */
static void test_wrong_types_name_the_path(void **state)
{
    (void)state;
    static const struct {
        const char *json, *detail, *field;
    } cases[] = {
        {"{\"id\":7}", "id: expected string, got number", "id"},
        {"{\"id\":\"x\",\"startAt\":{}}", "startAt: expected string or number, got object",
         "startAt"},
        {"{\"id\":\"x\",\"endAt\":[]}", "endAt: expected string or number, got array", "endAt"},
        {"{\"id\":\"x\",\"updatedAt\":false}", "updatedAt: expected string or number, got boolean",
         "updatedAt"},
        {"{\"id\":\"x\",\"status\":1}", "status: expected string, got number", "status"},
        {"{\"id\":\"x\",\"monitor\":\"u\"}", "monitor: expected object, got string", "monitor"},
        {"{\"id\":\"x\",\"monitor\":{\"controlUrl\":42}}",
         "monitor.controlUrl: expected string, got number", "monitor.controlUrl"},
        {"{\"id\":\"x\",\"customer\":{\"name\":{}}}", "customer.name: expected string, got object",
         "customer.name"},
        {"{\"id\":\"x\",\"analysis\":[]}", "analysis: expected object, got array", "analysis"},
        {"{\"id\":\"x\",\"analysis\":{\"summary\":[\"a\"]}}",
         "analysis.summary: expected string, got array", "analysis.summary"},
        {"{\"id\":\"x\",\"analysis\":{\"successEvaluation\":{}}}",
         "analysis.successEvaluation: expected string, number or boolean, got object",
         "analysis.successEvaluation"},
        {"{\"id\":\"x\",\"metadata\":\"m\"}", "metadata: expected object, got string", "metadata"},
        {"{\"id\":\"x\",\"messages\":{}}", "messages: expected array, got object", "messages"},
        {"{\"id\":\"x\",\"messages\":[1]}", "messages[0]: expected object, got number",
         "messages[0]"},
        {"{\"id\":\"x\",\"messages\":[{\"text\":\"a\"},{\"text\":5}]}",
         "messages[1].text: expected string, got number", "messages[1].text"},
        {"{\"id\":\"x\",\"messages\":[{},{},{\"timestamp\":true}]}",
         "messages[2].timestamp: expected string or number, got boolean", "messages[2].timestamp"},
        {"{\"id\":\"x\",\"messages\":[{\"messageId\":null,\"role\":[]}]}",
         "messages[0].role: expected string, got array", "messages[0].role"},
        {"[]", "(document): expected object, got array", ""},
        {"\"str\"", "(document): expected object, got string", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_call c;
        ct_error err;
        ct_err rc = decode_str(cases[i].json, &c, &err);
        if (rc != CT_ETYPE) fail_msg("%s -> %d (%s)", cases[i].json, rc, err.detail);
        assert_string_equal(err.detail, cases[i].detail);
        assert_string_equal(err.field, cases[i].field);
        assert_null(c.id);
    }
}

static void test_bad_values(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("bad/bad_date.json", &c, &err), CT_EVALUE);
    assert_string_equal(err.detail, "startAt: not an ISO-8601 timestamp: \"2021-02-30T00:00:00Z\"");
    assert_string_equal(err.field, "startAt");
    assert_int_equal(decode_file("bad/huge_timestamp.json", &c, &err), CT_EVALUE);
    assert_string_equal(err.field, "startAt");
    assert_non_null(strstr(err.detail, "past year 9999"));
    assert_int_equal(decode_file("bad/negative_timestamp.json", &c, &err), CT_EVALUE);
    assert_string_equal(err.detail, "endAt: timestamp -5 is before 1970");
    assert_int_equal(
        decode_str("{\"id\":\"x\",\"messages\":[{\"timestamp\":\"yesterday\"}]}", &c, &err),
        CT_EVALUE);
    assert_string_equal(err.field, "messages[0].timestamp");
}

static void test_bad_documents(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("bad/malformed.json", &c, &err), CT_EJSON);
    assert_non_null(strstr(err.detail, "not JSON"));
    assert_int_equal(decode_file("bad/truncated.json", &c, &err), CT_EJSON);
    assert_int_equal(decode_str("", &c, &err), CT_EJSON);
    assert_string_equal(err.detail, "not JSON: empty document");
    assert_int_equal(decode_str("{\"id\":\"x\"} {\"id\":\"y\"}", &c, &err), CT_EJSON);
    assert_string_equal(err.detail, "not JSON: trailing data at byte 11");
    assert_int_equal(decode_str("{\"id\":\"x\"}\n\n  ", &c, &err), CT_OK);
    ct_call_clear(&c);
    /* a length shorter than the string: only the prefix is parsed */
    ct_error_clear(&err);
    assert_int_equal(ct_call_decode("{\"id\":\"x\"}garbage", 10, &c, &err), CT_OK);
    assert_string_equal(c.id, "x");
    ct_call_clear(&c);
    ct_error_clear(&err);
    assert_int_equal(ct_call_decode("{\"id\":\"x\"}", 9, &c, &err), CT_EJSON);
    assert_int_equal(ct_call_decode(NULL, 0, &c, &err), CT_EJSON);
    /* 2000 levels of nesting: over cJSON's limit, refused rather than recursed */
    assert_int_equal(decode_file("bad/deep_nesting.json", &c, &err), CT_EJSON);
}

static void test_bytes_kept_verbatim(void **state)
{
    (void)state;
    ct_call c;
    ct_error err;
    assert_int_equal(decode_file("bad/invalid_utf8.json", &c, &err), CT_OK);
    assert_int_equal(c.n_messages, 1);
    assert_string_equal(c.messages[0].text, "caf\xc3 \xff ok \x80 \xe2\x82");
    ct_call_clear(&c);
    assert_int_equal(decode_file("bad/escapes_in_transcript.json", &c, &err), CT_OK);
    assert_int_equal(c.n_messages, 2);
    assert_string_equal(c.messages[0].text,
                        "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m "
                        "\xc2\x9b"
                        "31mc1\xe2\x80\xae"
                        "evil");
    assert_string_equal(c.messages[1].text,
                        "line1\nline2\ttab\rcr\x7f"
                        "del");
    assert_round_trip(&c);
    ct_call_clear(&c);
}

static void test_big_history(void **state)
{
    (void)state;
    /* 10k messages: decode, copy, encode, round trip */
    size_t n = 10000, cap = n * 120 + 64, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    len += (size_t)snprintf(buf + len, cap - len, "{\"id\":\"CC-big\",\"messages\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len,
                                "%s{\"messageId\":\"m%zu\",\"role\":\"%s\",\"text\":\"line %zu\","
                                "\"timestamp\":%zu}",
                                i ? "," : "", i, i % 2 ? "user" : "assistant", i,
                                (size_t)1772702480032 + i);
    len += (size_t)snprintf(buf + len, cap - len, "]}");
    ct_call c, d;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_call_decode(buf, len, &c, &err), CT_OK);
    free(buf);
    assert_int_equal(c.n_messages, n);
    assert_string_equal(c.messages[9999].message_id, "m9999");
    assert_string_equal(c.messages[9999].text, "line 9999");
    assert_int_equal(c.messages[9999].role, CT_ROLE_USER);
    assert_int_equal(c.messages[9999].timestamp, INT64_C(1772702480032) + 9999);
    assert_int_equal(ct_call_copy(&d, &c), CT_OK);
    assert_true(ct_call_equal(&c, &d));
    assert_ptr_not_equal(d.messages, c.messages);
    assert_ptr_not_equal(d.messages[5].text, c.messages[5].text);
    assert_round_trip(&d);
    ct_call_clear(&c);
    ct_call_clear(&d);
}

static void test_copy_is_deep(void **state)
{
    (void)state;
    ct_call c, d;
    ct_error err;
    assert_int_equal(decode_file("api/get_call.json", &c, &err), CT_OK);
    assert_int_equal(ct_call_copy(&d, &c), CT_OK);
    assert_true(ct_call_equal(&c, &d));
    assert_ptr_not_equal(c.id, d.id);
    assert_ptr_not_equal(c.analysis.summary, d.analysis.summary);
    ct_call_clear(&c); /* d must survive c */
    assert_string_equal(d.id, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    assert_string_equal(d.messages[2].message_id, "m-3");
    assert_string_equal(d.analysis.summary, "Customer asked about the refund policy.");
    ct_call_clear(&d);
}

static void test_merge_copies_only_present(void **state)
{
    (void)state;
    ct_call dst, src;
    ct_error err;
    assert_int_equal(decode_file("api/get_call.json", &dst, &err), CT_OK);
    /* a partial webhook call: new status + end, analysis with only an outcome */
    assert_int_equal(decode_str("{\"id\":\"a12f9c88-c155-461f-9771-4d240cdc9a04\","
                                "\"status\":\"finished\",\"phoneCallStatus\":\"completed\","
                                "\"endAt\":1601856120000,\"analysis\":{\"outcome\":\"resolved\"},"
                                "\"messages\":[{\"messageId\":\"new\"}],\"cost\":{\"t\":1}}",
                                &src, &err),
                     CT_OK);
    uint32_t before = dst.present;
    assert_int_equal(ct_call_merge(&dst, &src), CT_OK);
    assert_int_equal(dst.status, CT_STATUS_FINISHED);
    assert_string_equal(dst.status_text, "finished");
    assert_int_equal(dst.phone_status, CT_PHONE_COMPLETED);
    assert_int_equal(dst.end_at, INT64_C(1601856120000));
    assert_int_equal(dst.present, before | CT_F_END | CT_F_COST);
    assert_string_equal(dst.cost_json, "{\"t\":1}");
    /* untouched: fields absent from src */
    assert_string_equal(dst.team_id, "1f7b8a9c0d1e2f3a4b5c6d7e");
    assert_string_equal(dst.user_number, "+919867543210");
    assert_int_equal(dst.start_at, INT64_C(1601856000000));
    assert_int_equal(dst.call_type, CT_CALLTYPE_PHONE);
    /* analysis merged member by member */
    assert_string_equal(dst.analysis.summary, "Customer asked about the refund policy.");
    assert_string_equal(dst.analysis.outcome, "resolved");
    /* messages are the store's job: untouched */
    assert_int_equal(dst.n_messages, 3);
    assert_string_equal(dst.messages[0].message_id, "m-1");
    assert_false(ct_call_is_live(&dst));
    ct_call_clear(&src);

    /* merging into an empty call picks up exactly src (minus messages) */
    ct_call empty = {0};
    assert_int_equal(decode_str("{\"id\":\"z\",\"customer\":{\"name\":\"Dana\"},"
                                "\"assistant\":{\"name\":\"Ava\"},\"messages\":[]}",
                                &src, &err),
                     CT_OK);
    assert_int_equal(ct_call_merge(&empty, &src), CT_OK);
    assert_int_equal(empty.present, CT_F_ID | CT_F_CUSTOMER_NAME | CT_F_ASSISTANT_NAME);
    assert_string_equal(empty.customer_name, "Dana");
    assert_string_equal(empty.assistant_name, "Ava");
    ct_call_clear(&empty);
    ct_call_clear(&src);
    ct_call_clear(&dst);
}

static void test_liveness(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        bool live, failed;
    } cases[] = {
        {"{\"id\":\"a\",\"status\":\"queued\"}", true, false},
        {"{\"id\":\"a\",\"status\":\"ongoing\"}", true, false},
        {"{\"id\":\"a\",\"status\":\"finished\"}", false, false},
        {"{\"id\":\"a\",\"status\":\"completed\",\"phoneCallStatus\":\"in-progress\"}", false,
         false},
        {"{\"id\":\"a\",\"status\":\"forwarded\"}", true, false},
        {"{\"id\":\"a\",\"status\":\"forwarded\",\"endAt\":5}", false, false},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"trying\"}", true, false},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"early-media\"}", true, false},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"ringing\"}", true, false},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"in-progress\"}", true, false},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"busy\"}", false, true},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"no-answer\"}", false, true},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"failed\"}", false, true},
        {"{\"id\":\"a\",\"phoneCallStatus\":\"completed\"}", false, false},
        {"{\"id\":\"a\",\"status\":\"weird\"}", false, false},
        {"{\"id\":\"a\"}", false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_call c;
        ct_error err;
        assert_int_equal(decode_str(cases[i].json, &c, &err), CT_OK);
        if (ct_call_is_live(&c) != cases[i].live ||
            ct_call_is_failed_attempt(&c) != cases[i].failed)
            fail_msg("%s: live=%d failed=%d", cases[i].json, ct_call_is_live(&c),
                     ct_call_is_failed_attempt(&c));
        ct_call_clear(&c);
    }
}

/* An encoder given a hand-built call (no *_text) uses canonical names. */
static void test_encode_hand_built(void **state)
{
    (void)state;
    ct_message m = {.message_id = "m1",
                    .role = CT_ROLE_USER,
                    .text = "hi",
                    .timestamp = INT64_C(1601856000000)};
    ct_call c = {.present = CT_F_ID | CT_F_STATUS | CT_F_DIRECTION | CT_F_START | CT_F_MESSAGES,
                 .id = "CC-9",
                 .status = CT_STATUS_FINISHED,
                 .direction = CT_DIR_OUTBOUND,
                 .start_at = INT64_C(1601856000000),
                 .messages = &m,
                 .n_messages = 1,
                 .user_number = "+1555 not present"};
    cJSON *j = ct_call_to_json(&c);
    char *txt = cJSON_PrintUnformatted(j);
    assert_string_equal(txt,
                        "{\"id\":\"CC-9\",\"direction\":\"outbound\",\"startAt\":"
                        "\"2020-10-05T00:00:00.000Z\",\"status\":\"finished\",\"messages\":"
                        "[{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"hi\","
                        "\"timestamp\":\"2020-10-05T00:00:00.000Z\"}]}");
    free(txt);
    cJSON_Delete(j);
    j = ct_message_to_json(&m, true);
    txt = cJSON_PrintUnformatted(j);
    assert_string_equal(txt,
                        "{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"hi\","
                        "\"timestamp\":1601856000000}");
    free(txt);
    cJSON_Delete(j);
}

/* err may be NULL everywhere: failures are still reported by code. */
static void test_null_error_pointer(void **state)
{
    (void)state;
    ct_call c;
    assert_int_equal(ct_call_decode("{\"id\":1}", 8, &c, NULL), CT_ETYPE);
    assert_int_equal(ct_call_decode("{", 1, &c, NULL), CT_EJSON);
    assert_int_equal(ct_call_decode("{}", 2, &c, NULL), CT_EMISSING);
    assert_int_equal(ct_call_decode("{\"id\":\"x\",\"endAt\":-1}", 21, &c, NULL), CT_EVALUE);
    ct_call_list l;
    assert_int_equal(ct_call_list_decode("{\"conversations\":[1]}", 21, &l, NULL), CT_OK);
    assert_int_equal(l.n_skipped, 1);
    assert_string_equal(l.first_skip.detail, "conversations[0]: expected object, got number");
    ct_call_list_clear(&l);
    ct_webhook w;
    assert_int_equal(ct_webhook_decode("{}", 2, &w, NULL), CT_EMISSING);
    char *body;
    ct_control_request r = {CT_ACTION_DTMF, "x"};
    assert_int_equal(ct_control_request_encode(&r, &body, NULL), CT_EVALUE);
}

/* Call ids are bounded where they are decoded (CT_CALL_ID_MAX): a longer
 * id is an error naming the field, never a call whose id a fixed buffer
 * would later cut short. The list decoder skips such a call with that
 * reason; a webhook refuses it with the full path. */
static void test_call_id_bounded(void **state)
{
    (void)state;
    char id[CT_CALL_ID_MAX + 2];
    char json[512];
    ct_call c;
    ct_error err;
    memset(id, 'a', CT_CALL_ID_MAX);
    id[CT_CALL_ID_MAX] = '\0';
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"status\":\"ongoing\"}", id);
    assert_int_equal(decode_str(json, &c, &err), CT_OK);
    assert_int_equal(strlen(c.id), CT_CALL_ID_MAX);
    ct_call_clear(&c);

    id[CT_CALL_ID_MAX] = 'b';
    id[CT_CALL_ID_MAX + 1] = '\0';
    snprintf(json, sizeof json, "{\"id\":\"%s\",\"status\":\"ongoing\"}", id);
    assert_int_equal(decode_str(json, &c, &err), CT_EVALUE);
    assert_null(c.id);
    assert_string_equal(err.field, "id");
    assert_non_null(strstr(err.detail, "128 bytes long"));
    assert_non_null(strstr(err.detail, "at most 127"));

    char list[640];
    snprintf(list, sizeof list,
             "{\"conversations\":[{\"id\":\"%s\"},{\"id\":\"ok-1\"}],"
             "\"totalCount\":2}",
             id);
    ct_call_list l;
    assert_int_equal(ct_call_list_decode(list, strlen(list), &l, &err), CT_OK);
    assert_int_equal(l.n_calls, 1);
    assert_string_equal(l.calls[0].id, "ok-1");
    assert_int_equal(l.n_skipped, 1);
    assert_non_null(strstr(l.first_skip.detail, "at most 127"));
    ct_call_list_clear(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_call_documented),
        cmocka_unit_test(test_get_call_old_style),
        cmocka_unit_test(test_connect_response),
        cmocka_unit_test(test_control_response_is_not_a_call),
        cmocka_unit_test(test_null_fields_are_absent),
        cmocka_unit_test(test_unknown_values_kept),
        cmocka_unit_test(test_wrong_types_name_the_path),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_documents),
        cmocka_unit_test(test_bytes_kept_verbatim),
        cmocka_unit_test(test_big_history),
        cmocka_unit_test(test_copy_is_deep),
        cmocka_unit_test(test_merge_copies_only_present),
        cmocka_unit_test(test_liveness),
        cmocka_unit_test(test_encode_hand_built),
        cmocka_unit_test(test_null_error_pointer),
        cmocka_unit_test(test_call_id_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
