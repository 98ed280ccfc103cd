/* test_model_webhook.c — the five webhook envelopes and their older-page
 * variants: normalisation into one ct_call, failures with their paths, and
 * decode(encode(w)) == w. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"

#include "corpus_util.h"

#define TS      INT64_C(1772702480032)
#define CALL_ID "CC-897ee2d4-1b2c-4d5e-8f90-a1b2c3d4e5f6"

static ct_err wh_file(const char *name, ct_webhook *w, ct_error *err)
{
    size_t len;
    char *buf = corpus_load(name, &len);
    ct_error_clear(err);
    ct_err rc = ct_webhook_decode(buf, len, w, err);
    free(buf);
    return rc;
}

static ct_err wh_str(const char *json, ct_webhook *w, ct_error *err)
{
    ct_error_clear(err);
    return ct_webhook_decode(json, strlen(json), w, err);
}

static bool call_error_equal(const ct_call_error *a, const ct_call_error *b)
{
    return a->present == b->present && a->retryable == b->retryable &&
        (a->type == b->type || (a->type && b->type && !strcmp(a->type, b->type))) &&
        (a->code == b->code || (a->code && b->code && !strcmp(a->code, b->code))) &&
        (a->message == b->message ||
         (a->message && b->message && !strcmp(a->message, b->message))) &&
        (a->provider == b->provider ||
         (a->provider && b->provider && !strcmp(a->provider, b->provider)));
}

static void assert_round_trip(const ct_webhook *w)
{
    cJSON *j = ct_webhook_to_json(w);
    assert_non_null(j);
    char *txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    ct_webhook back;
    ct_error err;
    if (wh_str(txt, &back, &err) != CT_OK) fail_msg("re-decode failed: %s\n%s", err.detail, txt);
    if (back.type != w->type || back.timestamp != w->timestamp ||
        strcmp(back.type_text, w->type_text) != 0 || !ct_call_equal(&back.call, &w->call) ||
        !call_error_equal(&back.error, &w->error))
        fail_msg("round trip differs:\n%s", txt);
    ct_webhook_clear(&back);
    free(txt);
}

static void test_status_update(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/status_update.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_STATUS_UPDATE);
    assert_string_equal(w.type_text, "status-update");
    assert_int_equal(w.timestamp, TS);
    assert_string_equal(w.call.id, CALL_ID);
    assert_int_equal(w.call.status, CT_STATUS_ONGOING);
    assert_int_equal(w.call.phone_status, CT_PHONE_IN_PROGRESS);
    assert_string_equal(w.call.phone_status_reason, "answered");
    assert_string_equal(w.call.customer_name, "Dana");
    assert_string_equal(w.call.assistant_name, "Ava");
    assert_int_equal(w.call.start_at, TS);
    assert_false(w.call.present & CT_F_MESSAGES);
    assert_false(w.error.present);
    assert_true(ct_call_is_live(&w.call));
    assert_round_trip(&w);
    ct_webhook_clear(&w);
    assert_null(w.type_text);
}

static void test_status_update_old(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/status_update_old.json", &w, &err), CT_OK);
    assert_string_equal(w.call.id, "CC-old-1");
    /* status directly on message */
    assert_true(w.call.present & CT_F_STATUS);
    assert_int_equal(w.call.status, CT_STATUS_FINISHED);
    assert_string_equal(w.call.status_text, "completed");
    assert_int_equal(w.call.phone_status, CT_PHONE_COMPLETED);
    assert_round_trip(&w);
    ct_webhook_clear(&w);
    /* call.status wins over message.status; message.phoneCallStatus fills in */
    assert_int_equal(wh_str("{\"message\":{\"type\":\"status-update\",\"status\":\"finished\","
                            "\"phoneCallStatus\":\"ringing\",\"phoneCallStatusReason\":\"r\","
                            "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
                            &w, &err),
                     CT_OK);
    assert_int_equal(w.call.status, CT_STATUS_ONGOING);
    assert_int_equal(w.call.phone_status, CT_PHONE_RINGING);
    assert_string_equal(w.call.phone_status_reason, "r");
    assert_int_equal(w.timestamp, 0);
    ct_webhook_clear(&w);
}

static void test_conversation_update(void **state)
{
    (void)state;
    static const char *const files[] = {"webhook/conversation_update.json",
                                        "webhook/conversation_update_old.json"};
    for (size_t f = 0; f < 2; f++) {
        ct_webhook w;
        ct_error err;
        assert_int_equal(wh_file(files[f], &w, &err), CT_OK);
        assert_int_equal(w.type, CT_WH_CONVERSATION_UPDATE);
        assert_true(w.call.present & CT_F_MESSAGES);
        assert_int_equal(w.call.n_messages, 2);
        assert_string_equal(w.call.messages[0].message_id, "m-1");
        assert_int_equal(w.call.messages[0].role, CT_ROLE_ASSISTANT);
        assert_string_equal(w.call.messages[1].text, "Hi, who is this?");
        assert_int_equal(w.call.messages[1].timestamp, TS - 1000);
        assert_round_trip(&w);
        ct_webhook_clear(&w);
    }
    /* both present: message.messages wins */
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/conversation_update_both.json", &w, &err), CT_OK);
    assert_int_equal(w.call.n_messages, 3);
    assert_string_equal(w.call.messages[2].message_id, "m-3");
    assert_round_trip(&w);
    ct_webhook_clear(&w);
}

static void test_end_of_call_report(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/end_of_call_report.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_END_OF_CALL_REPORT);
    const ct_call *c = &w.call;
    assert_int_equal(c->status, CT_STATUS_FINISHED);
    assert_int_equal(c->end_at, INT64_C(1772702520000));
    assert_int_equal(c->end_trigger, CT_TRIGGER_ASSISTANT);
    assert_int_equal(c->n_messages, 2);
    assert_true(c->present & CT_F_ANALYSIS);
    assert_string_equal(c->analysis.summary, "Caller asked who was calling.");
    assert_string_equal(c->analysis.success_evaluation, "Good");
    assert_string_equal(c->analysis.structured_data_json, "{\"intent\":\"identify\"}");
    assert_string_equal(c->analysis.outcome, "resolved");
    assert_string_equal(c->analysis.guardrails_json, "{\"violations\":[]}");
    assert_string_equal(c->cost_json, "{\"total\":0.042,\"currency\":\"USD\"}");
    assert_string_equal(c->metrics_json, "{\"latencyMs\":820}");
    assert_string_equal(c->recording_json, "{\"url\":\"https://rec.example/1.wav\"}");
    assert_string_equal(c->customer_name, "Dana");
    assert_false(ct_call_is_live(c));
    assert_round_trip(&w);
    ct_webhook_clear(&w);
    /* message.analysis replaces call.analysis */
    assert_int_equal(
        wh_str("{\"message\":{\"type\":\"end-of-call-report\",\"analysis\":{\"summary\":\"m\"},"
               "\"call\":{\"id\":\"c\",\"analysis\":{\"summary\":\"c\",\"outcome\":\"o\"}}}}",
               &w, &err),
        CT_OK);
    assert_string_equal(w.call.analysis.summary, "m");
    assert_null(w.call.analysis.outcome);
    ct_webhook_clear(&w);
}

static void test_hang_and_error(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/hang.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_HANG);
    assert_int_equal(w.call.n_messages, 2);
    assert_true(ct_call_is_live(&w.call));
    assert_round_trip(&w);
    ct_webhook_clear(&w);

    assert_int_equal(wh_file("webhook/error.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_ERROR);
    assert_true(w.error.present);
    assert_string_equal(w.error.type, "llm_error");
    assert_string_equal(w.error.code, "rate_limit");
    assert_string_equal(w.error.message, "Upstream LLM rate limited");
    assert_string_equal(w.error.provider, "openai");
    assert_true(w.error.retryable);
    assert_round_trip(&w);
    ct_webhook_clear(&w);

    /* numeric code kept as text; error object on another type is ignored */
    assert_int_equal(wh_str("{\"message\":{\"type\":\"error\",\"call\":{\"id\":\"c\"},"
                            "\"error\":{\"type\":\"stt_error\",\"code\":503}}}",
                            &w, &err),
                     CT_OK);
    assert_string_equal(w.error.code, "503");
    assert_false(w.error.retryable);
    assert_round_trip(&w);
    ct_webhook_clear(&w);
    assert_int_equal(wh_str("{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"c\"},"
                            "\"error\":{\"type\":\"stt_error\"}}}",
                            &w, &err),
                     CT_OK);
    assert_false(w.error.present);
    ct_webhook_clear(&w);
}

static void test_unknown_type(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("webhook/unknown_type.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_UNKNOWN);
    assert_string_equal(w.type_text, "speech-update");
    assert_string_equal(w.call.id, "CC-x");
    assert_round_trip(&w);
    ct_webhook_clear(&w);
}

static void test_failures(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        ct_err code;
        const char *detail;
    } cases[] = {
        {"{\"type\":\"status-update\",\"call\":{\"id\":\"x\"}}", CT_EMISSING,
         "message: missing (not a webhook envelope)"},
        {"{\"message\":null}", CT_EMISSING, "message: missing (not a webhook envelope)"},
        {"{\"message\":\"status-update\"}", CT_ETYPE, "message: expected object, got string"},
        {"{\"message\":{\"call\":{\"id\":\"x\"}}}", CT_EMISSING, "message.type: missing"},
        {"{\"message\":{\"type\":7,\"call\":{\"id\":\"x\"}}}", CT_ETYPE,
         "message.type: expected string, got number"},
        {"{\"message\":{\"type\":\"hang\"}}", CT_EMISSING,
         "message.call.id: missing (no call object)"},
        {"{\"message\":{\"type\":\"hang\",\"call\":{\"status\":\"ongoing\"}}}", CT_EMISSING,
         "message.call.id: missing"},
        {"{\"message\":{\"type\":\"hang\",\"call\":[]}}", CT_ETYPE,
         "message.call: expected object, got array"},
        {"{\"message\":{\"type\":\"hang\",\"timestamp\":{},\"call\":{\"id\":\"x\"}}}", CT_ETYPE,
         "message.timestamp: expected string or number, got object"},
        {"{\"message\":{\"type\":\"hang\",\"timestamp\":-3,\"call\":{\"id\":\"x\"}}}", CT_EVALUE,
         "message.timestamp: timestamp -3 is before 1970"},
        {"{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"x\",\"endAt\":true}}}", CT_ETYPE,
         "message.call.endAt: expected string or number, got boolean"},
        {"{\"message\":{\"type\":\"hang\",\"status\":1,\"call\":{\"id\":\"x\"}}}", CT_ETYPE,
         "message.status: expected string, got number"},
        {"{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"x\"},\"analysis\":[]}}", CT_ETYPE,
         "message.analysis: expected object, got array"},
        {"{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"x\"},\"customer\":{\"name\":1}}}",
         CT_ETYPE, "message.customer.name: expected string, got number"},
        {"{\"message\":{\"type\":\"error\",\"call\":{\"id\":\"x\"},\"error\":{\"retryable\":\"yes\"}}}",
         CT_ETYPE, "message.error.retryable: expected boolean, got string"},
        {"{\"message\":{\"type\":\"error\",\"call\":{\"id\":\"x\"},\"error\":\"boom\"}}", CT_ETYPE,
         "message.error: expected object, got string"},
        {"{\"message\":{\"type\":\"hang\",\"call\":{\"id\":\"x\",\"messages\":[{\"text\":1}]},"
         "\"messages\":[]}}",
         CT_ETYPE, "message.call.messages[0].text: expected string, got number"},
        {"[]", CT_ETYPE, "(document): expected object, got array"},
        {"{\"message\":", CT_EJSON, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ct_webhook w;
        ct_error err;
        ct_err rc = wh_str(cases[i].json, &w, &err);
        if (rc != cases[i].code) fail_msg("%s -> %d (%s)", cases[i].json, rc, err.detail);
        if (cases[i].detail) assert_string_equal(err.detail, cases[i].detail);
        assert_null(w.type_text);
        assert_null(w.call.id);
    }
    /* the corpus' bad envelopes */
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("bad/webhook_no_message.json", &w, &err), CT_EMISSING);
    assert_string_equal(err.field, "message");
    assert_int_equal(wh_file("bad/webhook_no_call_id.json", &w, &err), CT_EMISSING);
    assert_string_equal(err.field, "message.call.id");
    assert_int_equal(wh_file("bad/webhook_messages_string.json", &w, &err), CT_ETYPE);
    assert_string_equal(err.detail, "message.messages: expected array, got string");
    assert_int_equal(wh_file("bad/webhook_deep_type.json", &w, &err), CT_ETYPE);
    assert_string_equal(err.detail, "message.messages[1].role: expected string, got array");
    assert_string_equal(err.field, "message.messages[1].role");
    assert_int_equal(wh_file("bad/malformed.json", &w, &err), CT_EJSON);
}

/* Found by fuzz_webhook: "recording": 177e7024800 is infinite for a
 * double, printed by cJSON as null; it must read as absent so the round
 * trip holds. The bytes \001\003 after it are whitespace to cJSON. */
static void test_fuzz_infinite_members(void **state)
{
    (void)state;
    ct_webhook w;
    ct_error err;
    assert_int_equal(wh_file("bad/fuzz_webhook_inf_recording.json", &w, &err), CT_OK);
    assert_int_equal(w.type, CT_WH_ERROR);
    assert_string_equal(w.call.id, "CC-86-ited");
    assert_false(w.call.present & CT_F_RECORDING);
    assert_null(w.call.recording_json);
    assert_round_trip(&w);
    ct_webhook_clear(&w);
    assert_int_equal(
        wh_str("{\"message\":{\"type\":\"error\",\"call\":{\"id\":\"c\",\"cost\":-1e999,"
               "\"analysis\":{\"successEvaluation\":1e999,\"outcome\":1e400}},"
               "\"error\":{\"code\":1e999}}}",
               &w, &err),
        CT_OK);
    assert_false(w.call.present & CT_F_COST);
    assert_true(w.call.analysis.present);
    assert_null(w.call.analysis.success_evaluation);
    assert_null(w.call.analysis.outcome);
    assert_null(w.error.code);
    assert_round_trip(&w);
    ct_webhook_clear(&w);
}

/* The simulator builds webhooks by hand: the envelope must be the
 * documented one, with epoch-ms timestamps on messages. */
static void test_encode_envelope(void **state)
{
    (void)state;
    ct_message m = {.message_id = "m1", .role = CT_ROLE_USER, .text = "hi", .timestamp = TS};
    ct_webhook w = {.type = CT_WH_END_OF_CALL_REPORT, .timestamp = TS};
    w.call.present = CT_F_ID | CT_F_STATUS | CT_F_MESSAGES | CT_F_ANALYSIS | CT_F_CUSTOMER_NAME;
    w.call.id = "CC-1";
    w.call.status = CT_STATUS_FINISHED;
    w.call.messages = &m;
    w.call.n_messages = 1;
    w.call.customer_name = "Dana";
    w.call.analysis = (ct_analysis){.present = true, .summary = "s", .success_evaluation = "Poor"};
    cJSON *j = ct_webhook_to_json(&w);
    char *txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    assert_string_equal(txt,
                        "{\"message\":{\"timestamp\":1772702480032,\"type\":\"end-of-call-report\","
                        "\"call\":{\"id\":\"CC-1\",\"status\":\"finished\"},"
                        "\"messages\":[{\"messageId\":\"m1\",\"role\":\"user\",\"text\":\"hi\","
                        "\"timestamp\":1772702480032}],"
                        "\"analysis\":{\"summary\":\"s\",\"successEvaluation\":\"Poor\"},"
                        "\"customer\":{\"name\":\"Dana\"}}}");
    free(txt);
    ct_webhook e = {
        .type = CT_WH_ERROR,
        .error = {.present = true, .type = "llm_error", .message = "x", .retryable = true}};
    e.call.present = CT_F_ID;
    e.call.id = "CC-2";
    j = ct_webhook_to_json(&e);
    txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    assert_string_equal(
        txt,
        "{\"message\":{\"type\":\"error\",\"call\":{\"id\":\"CC-2\"},"
        "\"error\":{\"type\":\"llm_error\",\"message\":\"x\",\"retryable\":true}}}");
    free(txt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_update),
        cmocka_unit_test(test_status_update_old),
        cmocka_unit_test(test_conversation_update),
        cmocka_unit_test(test_end_of_call_report),
        cmocka_unit_test(test_hang_and_error),
        cmocka_unit_test(test_unknown_type),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_fuzz_infinite_members),
        cmocka_unit_test(test_encode_envelope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
