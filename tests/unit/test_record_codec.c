/* test_record_codec.c — recorded events <-> JSON lines (core/record_codec.c):
 * every event type survives encode -> decode -> encode unchanged, own reads
 * and the header read back, and bad lines fail with a message naming the
 * field (every prefix of a good line too: the decoder is fuzz-friendly). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/record_codec.h"

#define AT 1700000000123LL

static ct_call call_json(const char *json)
{
    ct_call c;
    ct_error err;
    assert_int_equal(ct_call_decode(json, strlen(json), &c, &err), CT_OK);
    return c;
}

#define CALL_A                                                                      \
    "{\"id\":\"call-a\",\"status\":\"ongoing\",\"userNumber\":\"+15550001\","       \
    "\"startAt\":\"2023-11-14T22:13:20.000Z\",\"messages\":[{\"messageId\":\"m1\"," \
    "\"role\":\"user\",\"message\":\"hello \\\"there\\\"\",\"time\":1700000000000}]}"
#define CALL_B "{\"id\":\"call-b\",\"status\":\"finished\",\"metadata\":{\"k\":[1,2]}}"

/* encode -> decode -> encode gives the same line, and the record is an event */
static ct_event *round_trip(const ct_event *ev)
{
    char *line = NULL, *again = NULL;
    ct_error err;
    assert_int_equal(ct_record_encode_event(ev, AT, &line, &err), CT_OK);
    assert_null(strchr(line, '\n')); /* one line */
    ct_record r;
    ct_err rc = ct_record_decode(line, strlen(line), &r, &err);
    if (rc != CT_OK) fail_msg("%s: %s", line, err.detail);
    assert_int_equal(r.kind, CT_REC_EVENT);
    assert_int_equal(r.at, AT);
    assert_int_equal(r.ev->type, ev->type);
    assert_int_equal(ct_record_encode_event(r.ev, AT, &again, &err), CT_OK);
    assert_string_equal(line, again);
    free(line);
    free(again);
    ct_event *out = r.ev;
    r.ev = NULL;
    ct_record_clear(&r);
    return out;
}

static void test_every_event_type_round_trips(void **state)
{
    (void)state;
    for (int t = CT_EV_CALLS_LISTED; t <= CT_EV_RATE_LIMITED; t++) {
        ct_event *ev = ct_event_new((ct_event_type)t);
        ev->request_id = 7;
        ev->request_kind = CT_REQ_GET_CALL;
        ev->text = strdup("why: \"quoted\"\ttab");
        ev->last_event_ms = AT - 1; /* every type keeps it (a webhook's own time) */
        ev->call_id = strdup("call-x");
        switch (t) {
        case CT_EV_CALLS_LISTED:
        case CT_EV_MONITOR_SNAPSHOT:
            ev->calls.calls = calloc(2, sizeof(ct_call));
            ev->calls.calls[0] = call_json(CALL_A);
            ev->calls.calls[1] = call_json(CALL_B);
            ev->calls.n_calls = 2;
            ev->calls.total_count = 2;
            ev->calls.n_skipped = 3;
            snprintf(ev->calls.first_skip.detail, sizeof ev->calls.first_skip.detail, "bad item");
            ev->seq = 41;
            break;
        case CT_EV_CALL_FETCHED:
        case CT_EV_CALL_PLACED:
        case CT_EV_MONITOR_UPDATE:
            ev->call = call_json(CALL_A);
            if (t == CT_EV_MONITOR_UPDATE) {
                ev->update_kind = CT_WH_ERROR;
                ev->call_error.present = true;
                ev->call_error.type = strdup("llm_error");
                ev->call_error.message = strdup("model down");
                ev->call_error.retryable = true;
            }
            break;
        case CT_EV_CONTROL_DONE: ev->action = CT_ACTION_FORWARD; break;
        case CT_EV_NUMBERS: {
            ct_number_list nl = {0};
            const char *j = "[{\"_id\":\"n1\",\"number\":\"+15550009\",\"outboundEnabled\":true}]";
            ct_error err;
            assert_int_equal(ct_number_list_decode(j, strlen(j), &nl, &err), CT_OK);
            ev->numbers = nl;
            break;
        }
        case CT_EV_ASSISTANT:
            ev->assistant.id = strdup("as-1");
            ev->assistant.name = strdup("Front desk");
            break;
        case CT_EV_REQUEST_FAILED:
            ev->error.code = CT_ENOTFOUND;
            ev->error.http_status = 404;
            ev->error.retry_after_s = -1;
            snprintf(ev->error.detail, sizeof ev->error.detail, "no such call");
            break;
        case CT_EV_MONITOR_STATE:
            ev->monitor_state = CT_MON_RECONNECTING;
            ev->resumed = true;
            ev->relay_index = 2;
            ev->relay_count = 3;
            ev->relay_not_live = true;
            break;
        case CT_EV_RATE_LIMITED: ev->rate_limited_until = AT + 3000; break;
        default: break;
        }
        ct_event *back = round_trip(ev);
        /* spot checks beyond the re-encoding */
        assert_int_equal(back->request_id, 7);
        assert_string_equal(back->text, ev->text);
        assert_int_equal(back->last_event_ms, AT - 1);
        assert_string_equal(back->call_id, "call-x");
        if (t == CT_EV_CALLS_LISTED) {
            assert_int_equal(back->calls.n_calls, 2);
            assert_true(ct_call_equal(&back->calls.calls[0], &ev->calls.calls[0]));
            assert_int_equal(back->seq, 41);
            assert_int_equal(back->calls.n_skipped, 3);
            assert_string_equal(back->calls.first_skip.detail, "bad item");
        }
        if (t == CT_EV_MONITOR_UPDATE) {
            assert_true(ct_call_equal(&back->call, &ev->call));
            assert_int_equal(back->update_kind, CT_WH_ERROR);
            assert_string_equal(back->call_error.message, "model down");
            assert_true(back->call_error.retryable);
        }
        if (t == CT_EV_REQUEST_FAILED) {
            assert_int_equal(back->error.code, CT_ENOTFOUND);
            assert_int_equal(back->error.http_status, 404);
            assert_string_equal(back->error.detail, "no such call");
        }
        if (t == CT_EV_MONITOR_STATE) {
            assert_int_equal(back->monitor_state, CT_MON_RECONNECTING);
            assert_true(back->resumed);
            assert_int_equal(back->relay_index, 2);
            assert_int_equal(back->relay_count, 3);
            assert_true(back->relay_not_live);
        }
        if (t == CT_EV_CONTROL_DONE) assert_int_equal(back->action, CT_ACTION_FORWARD);
        if (t == CT_EV_NUMBERS) assert_string_equal(back->numbers.items[0].number, "+15550009");
        if (t == CT_EV_RATE_LIMITED) assert_int_equal(back->rate_limited_until, AT + 3000);
        ct_event_free(ev);
        ct_event_free(back);
    }
}

static void test_header_and_own_reads(void **state)
{
    (void)state;
    char *line;
    ct_error err;
    ct_record r;
    assert_int_equal(ct_record_encode_header(AT, &line, &err), CT_OK);
    assert_int_equal(ct_record_decode(line, strlen(line), &r, &err), CT_OK);
    assert_int_equal(r.kind, CT_REC_HEADER);
    assert_int_equal(r.at, AT);
    free(line);
    assert_int_equal(ct_record_encode_own_read(CT_REQ_GET_CALL, 12, "call-a", AT + 1, &line, &err),
                     CT_OK);
    assert_int_equal(ct_record_decode(line, strlen(line), &r, &err), CT_OK);
    assert_int_equal(r.kind, CT_REC_OWN_READ);
    assert_int_equal(r.read_kind, CT_REQ_GET_CALL);
    assert_int_equal(r.request_id, 12);
    assert_string_equal(r.call_id, "call-a");
    free(line);
    assert_int_equal(ct_record_encode_own_read(CT_REQ_LIST_CALLS, 3, NULL, AT, &line, &err), CT_OK);
    assert_int_equal(ct_record_decode(line, strlen(line), &r, &err), CT_OK);
    assert_int_equal(r.read_kind, CT_REQ_LIST_CALLS);
    assert_string_equal(r.call_id, "");
    free(line);
    assert_int_equal(ct_record_encode_own_read(CT_REQ_CONTROL, 3, NULL, AT, &line, &err),
                     CT_EINVAL);
    assert_null(line);
}

static void expect_bad(const char *line, ct_err code, const char *words)
{
    ct_record r;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_record_decode(line, strlen(line), &r, &err), code);
    assert_null(r.ev);
    if (!strstr(err.detail, words)) fail_msg("'%s' -> '%s', wanted '%s'", line, err.detail, words);
}

static void test_bad_lines_say_what_is_wrong(void **state)
{
    (void)state;
    expect_bad("", CT_EJSON, "not JSON");
    expect_bad("[1]", CT_ETYPE, "JSON object");
    expect_bad("{\"ev\":\"log\"}", CT_EMISSING, "`t`");
    expect_bad("{\"t\":\"x\",\"ev\":\"log\"}", CT_ETYPE, "`t`");
    expect_bad("{\"t\":1.5,\"ev\":\"log\"}", CT_EVALUE, "`t`");
    expect_bad("{\"t\":1}", CT_EMISSING, "`ev`");
    expect_bad("{\"t\":1,\"ev\":\"teleport\"}", CT_EVALUE, "teleport");
    expect_bad("{\"t\":1,\"ev\":\"calls_listed\"}", CT_EMISSING, "`calls`");
    expect_bad("{\"t\":1,\"ev\":\"calls_listed\",\"calls\":[{\"status\":\"ongoing\"}]}",
               CT_EMISSING, "no id");
    expect_bad("{\"t\":1,\"ev\":\"call_fetched\",\"call\":3}", CT_EMISSING, "`call`");
    expect_bad("{\"t\":1,\"ev\":\"monitor_state\",\"state\":\"DANCING\"}", CT_EVALUE, "`state`");
    expect_bad("{\"t\":1,\"ev\":\"monitor_state\",\"state\":\"LIVE\",\"relay\":4,\"relays\":3}",
               CT_EVALUE, "`relay`");
    expect_bad("{\"t\":1,\"ev\":\"monitor_state\",\"state\":\"LIVE\",\"relays\":99}", CT_EVALUE,
               "`relays`");
    expect_bad("{\"t\":1,\"ev\":\"monitor_state\",\"state\":\"LIVE\",\"relays\":2}", CT_EMISSING,
               "`relay`");
    expect_bad("{\"t\":1,\"ev\":\"request_failed\",\"error\":{\"code\":999}}", CT_EVALUE, "`code`");
    expect_bad("{\"t\":1,\"ev\":\"control_done\",\"action\":\"explode\"}", CT_EVALUE, "`action`");
    expect_bad("{\"t\":1,\"calltop\":\"recording\",\"version\":2}", CT_EVALUE, "version 2");
    expect_bad("{\"t\":1,\"own_read\":\"post\"}", CT_EVALUE, "`own_read`");
}

/* Every prefix of a good line decodes or fails cleanly (no crash, no leak
 * under ASan). */
static void test_every_prefix_fails_cleanly(void **state)
{
    (void)state;
    ct_event *ev = ct_event_new(CT_EV_MONITOR_SNAPSHOT);
    ev->calls.calls = calloc(1, sizeof(ct_call));
    ev->calls.calls[0] = call_json(CALL_A);
    ev->calls.n_calls = 1;
    char *line;
    ct_error err;
    assert_int_equal(ct_record_encode_event(ev, AT, &line, &err), CT_OK);
    size_t n = strlen(line);
    for (size_t i = 0; i < n; i++) {
        ct_record r;
        ct_err rc = ct_record_decode(line, i, &r, &err);
        assert_int_not_equal(rc, CT_OK);
        assert_null(r.ev);
    }
    free(line);
    ct_event_free(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_event_type_round_trips),
        cmocka_unit_test(test_header_and_own_reads),
        cmocka_unit_test(test_bad_lines_say_what_is_wrong),
        cmocka_unit_test(test_every_prefix_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
