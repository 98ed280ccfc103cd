/* test_model_time.c — ISO-8601 parsing and formatting, epoch-ms values in
 * JSON, and the enum <-> wire-text tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "calltop/json_util.h"
#include "calltop/model.h"

static ct_time_ms parse_ok(const char *s)
{
    ct_time_ms t = -1;
    if (ct_time_parse_iso(s, &t) != CT_OK) fail_msg("ct_time_parse_iso(\"%s\") failed", s);
    return t;
}

static void test_iso_documented_and_variants(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2020-10-05T00:00:00.000Z"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("2020-10-05T00:00:00Z"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("2020-10-05T00:00:00.5Z"), INT64_C(1601856000500));
    assert_int_equal(parse_ok("2020-10-05T00:00:00.12Z"), INT64_C(1601856000120));
    assert_int_equal(parse_ok("2020-10-05T00:00:00.123456789Z"), INT64_C(1601856000123));
    assert_int_equal(parse_ok("2020-10-05T00:00:00,250Z"), INT64_C(1601856000250));
    assert_int_equal(parse_ok("2020-10-05t00:00:00z"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("2020-10-05 00:00:00Z"), INT64_C(1601856000000));
    /* offsets: local time minus offset */
    assert_int_equal(parse_ok("2020-10-05T05:30:00+05:30"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("2020-10-04T16:00:00-0800"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("2020-10-05T02:00:00+02"), INT64_C(1601856000000));
    assert_int_equal(parse_ok("2020-10-05T00:00:00.000+00:00"), INT64_C(1601856000000));
    /* no zone: read as UTC */
    assert_int_equal(parse_ok("2020-10-05T00:00:00.000000"), INT64_C(1601856000000));
    /* calendar edges */
    assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), INT64_C(951782400000));
    assert_int_equal(parse_ok("2024-02-29T23:59:59.999Z"), INT64_C(1709251199999));
    assert_int_equal(parse_ok("2026-03-05T09:21:20.032Z"), INT64_C(1772702480032));
    assert_int_equal(parse_ok("9999-12-31T23:59:59.999Z"), CT_TIME_MAX_MS);
}

static void test_iso_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "garbage",
        "2020-10-05",
        "2020-10-05T00:00Z",
        "2020-13-01T00:00:00Z",
        "2020-00-10T00:00:00Z",
        "2021-02-29T00:00:00Z",
        "2020-02-30T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2020-04-31T00:00:00Z",
        "2020-10-00T00:00:00Z",
        "2020-10-05T24:00:00Z",
        "2020-10-05T00:60:00Z",
        "2020-10-05T00:00:60Z",
        "2020-10-05T00:00:00.Z",
        "2020-10-05T00:00:00.1234567890Z",
        "2020-10-05T00:00:00+24:00",
        "2020-10-05T00:00:00+05:60",
        "2020-10-05T00:00:00+5",
        "2020-10-05T00:00:00Zjunk",
        "2020-10-05T00:00:00.000Z ",
        " 2020-10-05T00:00:00Z",
        "20-10-05T00:00:00Z",
        "2020/10/05T00:00:00Z",
        "2020-10-05X00:00:00Z",
        "1969-12-31T23:59:59.999Z",
        "1970-01-01T00:00:00+00:01",
        "9999-12-31T23:59:59-00:01",
        "2020-1a-05T00:00:00Z",
        "+2020-10-05T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_time_ms t = 42;
        if (ct_time_parse_iso(bad[i], &t) != CT_EVALUE)
            fail_msg("accepted \"%s\" as %lld", bad[i], (long long)t);
        assert_int_equal(t, 42); /* untouched on failure */
    }
    ct_time_ms t;
    assert_int_equal(ct_time_parse_iso(NULL, &t), CT_EVALUE);
}

static void test_format_and_round_trip(void **state)
{
    (void)state;
    char buf[32];
    ct_time_format_iso(INT64_C(1601856000000), buf, sizeof buf);
    assert_string_equal(buf, "2020-10-05T00:00:00.000Z");
    ct_time_format_iso(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    ct_time_format_iso(INT64_C(1709251199999), buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29T23:59:59.999Z");
    ct_time_format_iso(CT_TIME_MAX_MS, buf, sizeof buf);
    assert_string_equal(buf, "9999-12-31T23:59:59.999Z");
    /* exactly 25 bytes is enough; 24 is not and yields "" */
    char small[25];
    ct_time_format_iso(INT64_C(1772702480032), small, sizeof small);
    assert_string_equal(small, "2026-03-05T09:21:20.032Z");
    ct_time_format_iso(INT64_C(1772702480032), small, 24);
    assert_string_equal(small, "");
    /* every day boundary over four centuries, plus odd milliseconds */
    for (int64_t t = 0; t < CT_TIME_MAX_MS; t += INT64_C(86400000) * 37 + 12345) {
        ct_time_ms back = -1;
        ct_time_format_iso(t, buf, sizeof buf);
        assert_int_equal(ct_time_parse_iso(buf, &back), CT_OK);
        assert_int_equal(back, t);
    }
}

static ct_err json_time(const char *json, ct_time_ms *t, ct_error *err)
{
    cJSON *v = cJSON_Parse(json);
    assert_non_null(v);
    ct_error_clear(err);
    ct_err rc = ct_json_time_value(v, "x.ts", t, err);
    cJSON_Delete(v);
    return rc;
}

static void test_json_time_values(void **state)
{
    (void)state;
    ct_time_ms t = 0;
    ct_error err;
    assert_int_equal(json_time("1772702480032", &t, &err), CT_OK);
    assert_int_equal(t, INT64_C(1772702480032));
    assert_int_equal(json_time("1772702480032.9", &t, &err), CT_OK);
    assert_int_equal(t, INT64_C(1772702480032));
    assert_int_equal(json_time("\"1772702480032\"", &t, &err), CT_OK);
    assert_int_equal(t, INT64_C(1772702480032));
    assert_int_equal(json_time("\"2020-10-05T00:00:00.000Z\"", &t, &err), CT_OK);
    assert_int_equal(t, INT64_C(1601856000000));
    assert_int_equal(json_time("0", &t, &err), CT_OK);
    assert_int_equal(t, 0);

    assert_int_equal(json_time("-1", &t, &err), CT_EVALUE);
    assert_string_equal(err.field, "x.ts");
    assert_string_equal(err.detail, "x.ts: timestamp -1 is before 1970");
    assert_int_equal(json_time("1e300", &t, &err), CT_EVALUE);
    assert_non_null(strstr(err.detail, "past year 9999"));
    assert_int_equal(json_time("253402300800000", &t, &err), CT_EVALUE);
    assert_int_equal(json_time("1e400", &t, &err), CT_EVALUE); /* cJSON: inf */
    assert_string_equal(err.detail, "x.ts: timestamp is not a finite number");
    assert_int_equal(json_time("\"2021-02-30T00:00:00Z\"", &t, &err), CT_EVALUE);
    assert_string_equal(err.detail, "x.ts: not an ISO-8601 timestamp: \"2021-02-30T00:00:00Z\"");
    assert_int_equal(json_time("\"\\u001b[2Jx\"", &t, &err), CT_EVALUE);
    assert_string_equal(err.detail, "x.ts: not an ISO-8601 timestamp: \"?[2Jx\"");
    assert_int_equal(json_time("true", &t, &err), CT_ETYPE);
    assert_string_equal(err.detail, "x.ts: expected string or number, got boolean");
    assert_int_equal(json_time("[1]", &t, &err), CT_ETYPE);
    assert_string_equal(err.detail, "x.ts: expected string or number, got array");
}

static void test_enums(void **state)
{
    (void)state;
    assert_int_equal(ct_status_parse("finished"), CT_STATUS_FINISHED);
    assert_int_equal(ct_status_parse("completed"), CT_STATUS_FINISHED);
    assert_int_equal(ct_status_parse("queued"), CT_STATUS_QUEUED);
    assert_int_equal(ct_status_parse("ongoing"), CT_STATUS_ONGOING);
    assert_int_equal(ct_status_parse("forwarded"), CT_STATUS_FORWARDED);
    assert_int_equal(ct_status_parse("Finished"), CT_STATUS_OTHER);
    assert_int_equal(ct_status_parse(""), CT_STATUS_OTHER);
    assert_int_equal(ct_status_parse(NULL), CT_STATUS_NONE);
    assert_string_equal(ct_status_name(CT_STATUS_FINISHED), "finished");
    assert_string_equal(ct_status_name(CT_STATUS_OTHER), "");
    assert_string_equal(ct_status_name(CT_STATUS_NONE), "");

    static const char *const phone[] = {"trying", "early-media", "ringing", "in-progress",
                                        "busy",   "no-answer",   "failed",  "completed"};
    for (int i = 0; i < 8; i++) {
        assert_int_equal(ct_phone_status_parse(phone[i]), CT_PHONE_TRYING + i);
        assert_string_equal(ct_phone_status_name(CT_PHONE_TRYING + i), phone[i]);
    }
    assert_int_equal(ct_phone_status_parse("voicemail"), CT_PHONE_OTHER);
    assert_int_equal(ct_direction_parse("outbound"), CT_DIR_OUTBOUND);
    assert_int_equal(ct_direction_parse("inbound"), CT_DIR_INBOUND);
    assert_int_equal(ct_direction_parse("both"), CT_DIR_OTHER);
    assert_string_equal(ct_direction_name(CT_DIR_INBOUND), "inbound");
    assert_int_equal(ct_call_type_parse("web"), CT_CALLTYPE_WEB);
    assert_int_equal(ct_call_type_parse("phone"), CT_CALLTYPE_PHONE);
    assert_int_equal(ct_call_type_parse("sip"), CT_CALLTYPE_OTHER);
    assert_string_equal(ct_call_type_name(CT_CALLTYPE_PHONE), "phone");
    assert_int_equal(ct_role_parse("user"), CT_ROLE_USER);
    assert_int_equal(ct_role_parse("assistant"), CT_ROLE_ASSISTANT);
    assert_int_equal(ct_role_parse("system"), CT_ROLE_OTHER);
    assert_string_equal(ct_role_name(CT_ROLE_ASSISTANT), "assistant");
    assert_int_equal(ct_trigger_parse("user"), CT_TRIGGER_USER);
    assert_int_equal(ct_trigger_parse("assistant"), CT_TRIGGER_ASSISTANT);
    assert_int_equal(ct_trigger_parse("system"), CT_TRIGGER_OTHER);
    assert_string_equal(ct_trigger_name(CT_TRIGGER_USER), "user");
    assert_int_equal(ct_webhook_type_parse("end-of-call-report"), CT_WH_END_OF_CALL_REPORT);
    assert_int_equal(ct_webhook_type_parse("hang"), CT_WH_HANG);
    assert_int_equal(ct_webhook_type_parse("speech-update"), CT_WH_UNKNOWN);
    assert_string_equal(ct_webhook_type_name(CT_WH_CONVERSATION_UPDATE), "conversation-update");
    assert_string_equal(ct_webhook_type_name(CT_WH_UNKNOWN), "");
    static const char *const acts[] = {"say", "end", "forward", "dtmf", "sms"};
    for (int i = 0; i < CT_ACTION__COUNT; i++) {
        assert_string_equal(ct_control_action_name((ct_control_action)i), acts[i]);
        assert_int_equal(ct_control_action_parse(acts[i]), i);
    }
    assert_int_equal(ct_control_action_parse("hangup"), -1);
    assert_int_equal(ct_control_action_parse(NULL), -1);
    assert_string_equal(ct_control_action_name(CT_ACTION__COUNT), "");
}

static void test_validators(void **state)
{
    (void)state;
    assert_true(ct_e164_valid("+14155550123"));
    assert_true(ct_e164_valid("+12"));
    assert_true(ct_e164_valid("+123456789012345"));   /* 15 digits */
    assert_false(ct_e164_valid("+1234567890123456")); /* 16 digits */
    assert_false(ct_e164_valid("+1"));
    assert_false(ct_e164_valid("+01234"));
    assert_false(ct_e164_valid("14155550123"));
    assert_false(ct_e164_valid("+1 415 555"));
    assert_false(ct_e164_valid("+1415a"));
    assert_false(ct_e164_valid(""));
    assert_false(ct_e164_valid(NULL));
    assert_true(ct_dtmf_valid("0123456789*#ABCD"));
    assert_false(ct_dtmf_valid("12a"));
    assert_false(ct_dtmf_valid("1 2"));
    assert_false(ct_dtmf_valid("E"));
    assert_false(ct_dtmf_valid(""));
    assert_false(ct_dtmf_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_documented_and_variants),
        cmocka_unit_test(test_iso_rejects),
        cmocka_unit_test(test_format_and_round_trip),
        cmocka_unit_test(test_json_time_values),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_validators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
