/* test_model_list.c — List Calls and List Numbers responses: documented
 * examples, skipping of bad items with the first reason kept, and the
 * whole-document failures. Also the assistant object. */
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

static ct_err list_file(const char *name, ct_call_list *l, ct_error *err)
{
    size_t len;
    char *buf = corpus_load(name, &len);
    ct_error_clear(err);
    ct_err rc = ct_call_list_decode(buf, len, l, err);
    free(buf);
    return rc;
}

static ct_err list_str(const char *json, ct_call_list *l, ct_error *err)
{
    ct_error_clear(err);
    return ct_call_list_decode(json, strlen(json), l, err);
}

static void test_documented_list(void **state)
{
    (void)state;
    ct_call_list l;
    ct_error err;
    assert_int_equal(list_file("api/list_calls.json", &l, &err), CT_OK);
    assert_int_equal(l.total_count, 10);
    assert_int_equal(l.n_calls, 1);
    assert_int_equal(l.n_skipped, 0);
    const ct_call *c = &l.calls[0];
    assert_string_equal(c->id, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    assert_int_equal(c->call_type, CT_CALLTYPE_WEB);
    assert_int_equal(c->status, CT_STATUS_FINISHED);
    assert_int_equal(c->phone_status, CT_PHONE_RINGING);
    assert_int_equal(c->end_at, INT64_C(1601856000000));
    assert_true(c->present & CT_F_END);
    assert_false(c->present & CT_F_MESSAGES); /* list items carry no transcript */
    assert_false(ct_call_is_live(c));         /* finished beats a stale "ringing" */
    ct_call_list_clear(&l);
    assert_null(l.calls);
    assert_int_equal(l.total_count, -1);
}

static void test_variants(void **state)
{
    (void)state;
    ct_call_list l;
    ct_error err;
    assert_int_equal(list_file("api/list_calls_variants.json", &l, &err), CT_OK);
    assert_int_equal(l.n_calls, 4);
    assert_int_equal(l.n_skipped, 0);
    assert_string_equal(l.calls[0].id, "CC-897ee2d4-1b2c-4d5e-8f90-a1b2c3d4e5f6");
    assert_int_equal(l.calls[0].start_at, INT64_C(1601856000000));
    assert_true(ct_call_is_live(&l.calls[0]));
    assert_string_equal(l.calls[1].id, "WC-0b5d2a6e-3c4f-4a8b-9d0e-f1a2b3c4d5e6");
    assert_int_equal(l.calls[1].call_type, CT_CALLTYPE_OTHER);
    assert_string_equal(l.calls[1].call_type_text, "sip");
    assert_int_equal(l.calls[1].direction, CT_DIR_OTHER);
    assert_int_equal(l.calls[1].start_at, INT64_C(1601856000000)); /* +05:30 offset */
    assert_int_equal(l.calls[1].end_at, INT64_C(1601856060500));
    assert_int_equal(l.calls[1].status, CT_STATUS_FINISHED);
    assert_string_equal(l.calls[1].status_text, "completed");
    assert_int_equal(l.calls[1].end_trigger, CT_TRIGGER_OTHER);
    assert_string_equal(l.calls[2].id, "e3b0c442-98fc-1c14-9afb-f4c8996fb924");
    assert_int_equal(l.calls[2].present, CT_F_ID | CT_F_STATUS | CT_F_PHONE_STATUS);
    assert_true(ct_call_is_live(&l.calls[2]));
    assert_true(ct_call_is_live(&l.calls[3])); /* forwarded, no end */
    assert_true(ct_call_is_failed_attempt(&l.calls[3]));
    assert_string_equal(l.calls[3].metadata_json, "{\"ticket\":\"T-1\",\"n\":3}");
    ct_call_list_clear(&l);
}

static void test_bad_items_skipped(void **state)
{
    (void)state;
    ct_call_list l;
    ct_error err;
    assert_int_equal(list_file("bad/wrong_types.json", &l, &err), CT_OK);
    assert_int_equal(l.total_count, 5);
    assert_int_equal(l.n_calls, 2);
    assert_int_equal(l.n_skipped, 6);
    assert_string_equal(l.calls[0].id, "ok-1");
    assert_string_equal(l.calls[1].id, "ok-2");
    assert_int_equal(l.first_skip.code, CT_ETYPE);
    assert_string_equal(l.first_skip.detail,
                        "conversations[1].startAt: expected string or number, got object");
    assert_string_equal(l.first_skip.field, "conversations[1].startAt");
    ct_call_list_clear(&l);

    /* each bad item alone, to see every reason */
    static const struct {
        const char *json;
        ct_err code;
        const char *detail;
    } cases[] = {
        {"{\"conversations\":[{\"id\":\"b\",\"monitor\":{\"controlUrl\":42}}]}", CT_ETYPE,
         "conversations[0].monitor.controlUrl: expected string, got number"},
        {"{\"conversations\":[{\"id\":\"b\",\"analysis\":{\"summary\":[\"a\"]}}]}", CT_ETYPE,
         "conversations[0].analysis.summary: expected string, got array"},
        {"{\"conversations\":[{\"id\":\"b\",\"messages\":[{\"timestamp\":true}]}]}", CT_ETYPE,
         "conversations[0].messages[0].timestamp: expected string or number, got boolean"},
        {"{\"conversations\":[\"x\"]}", CT_ETYPE, "conversations[0]: expected object, got string"},
        {"{\"conversations\":[{\"status\":\"ongoing\"}]}", CT_EMISSING,
         "conversations[0].id: missing (a call needs an id)"},
        {"{\"conversations\":[{\"id\":\"b\",\"startAt\":\"2020-13-01T00:00:00Z\"}]}", CT_EVALUE,
         "conversations[0].startAt: not an ISO-8601 timestamp: \"2020-13-01T00:00:00Z\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(list_str(cases[i].json, &l, &err), CT_OK);
        assert_int_equal(l.n_calls, 0);
        assert_int_equal(l.n_skipped, 1);
        assert_int_equal(l.first_skip.code, cases[i].code);
        assert_string_equal(l.first_skip.detail, cases[i].detail);
        assert_int_equal(l.total_count, -1);
        ct_call_list_clear(&l);
    }
}

static void test_document_failures(void **state)
{
    (void)state;
    ct_call_list l;
    ct_error err;
    assert_int_equal(list_file("bad/malformed.json", &l, &err), CT_EJSON);
    assert_null(l.calls);
    assert_int_equal(list_file("bad/truncated.json", &l, &err), CT_EJSON);
    assert_int_equal(list_file("bad/not_object.json", &l, &err), CT_ETYPE);
    assert_string_equal(err.detail, "(document): expected object, got array");
    assert_int_equal(list_file("bad/conversations_object.json", &l, &err), CT_ETYPE);
    assert_string_equal(err.detail, "conversations: expected array, got object");
    assert_string_equal(err.field, "conversations");
    assert_int_equal(list_file("bad/huge_numbers.json", &l, &err), CT_EVALUE);
    assert_string_equal(err.field, "totalCount");
    assert_int_equal(list_str("{\"totalCount\":10}", &l, &err), CT_EMISSING);
    assert_string_equal(err.detail, "conversations: missing");
    assert_int_equal(list_str("{\"conversations\":null}", &l, &err), CT_EMISSING);
    assert_int_equal(list_str("{\"conversations\":[],\"totalCount\":\"10\"}", &l, &err), CT_ETYPE);
    assert_string_equal(err.detail, "totalCount: expected number, got string");
    assert_int_equal(list_str("{\"conversations\":[],\"totalCount\":-1}", &l, &err), CT_EVALUE);
    assert_int_equal(list_str("{\"conversations\":[],\"totalCount\":2.5}", &l, &err), CT_EVALUE);
    assert_int_equal(list_str("{\"conversations\":[],\"totalCount\":0}", &l, &err), CT_OK);
    assert_int_equal(l.total_count, 0);
    assert_int_equal(l.n_calls, 0);
    ct_call_list_clear(&l);
}

static void test_numbers(void **state)
{
    (void)state;
    size_t len;
    char *buf = corpus_load("api/numbers.json", &len);
    ct_number_list nl;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_number_list_decode(buf, len, &nl, &err), CT_OK);
    free(buf);
    assert_int_equal(nl.n, 3);
    assert_int_equal(nl.n_skipped, 0);
    assert_string_equal(nl.items[0].id, "65f0c0ffee0123456789abcd");
    assert_string_equal(nl.items[0].number, "+1234567890");
    assert_string_equal(nl.items[0].provider_name, "twilio");
    assert_string_equal(nl.items[0].label, "Sales");
    assert_true(nl.items[0].inbound_enabled);
    assert_true(nl.items[0].outbound_enabled);
    /* the number that cannot dial out */
    assert_string_equal(nl.items[1].label, "Inbound only");
    assert_true(nl.items[1].inbound_enabled);
    assert_false(nl.items[1].outbound_enabled);
    /* fields absent / null / empty provider */
    assert_null(nl.items[2].team_id);
    assert_null(nl.items[2].label);
    assert_null(nl.items[2].provider_name);
    assert_false(nl.items[2].outbound_enabled);

    /* encode -> decode gives the same number */
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < nl.n; i++) cJSON_AddItemToArray(arr, ct_number_to_json(&nl.items[i]));
    char *txt = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    ct_number_list back;
    assert_int_equal(ct_number_list_decode(txt, strlen(txt), &back, &err), CT_OK);
    free(txt);
    assert_int_equal(back.n, 3);
    for (size_t i = 0; i < nl.n; i++) {
        assert_string_equal(back.items[i].id, nl.items[i].id);
        assert_string_equal(back.items[i].number, nl.items[i].number);
        assert_int_equal(back.items[i].outbound_enabled, nl.items[i].outbound_enabled);
        assert_int_equal(back.items[i].inbound_enabled, nl.items[i].inbound_enabled);
        assert_true((back.items[i].label == NULL) == (nl.items[i].label == NULL));
    }
    ct_number_list_clear(&back);
    ct_number_list_clear(&nl);
    assert_null(nl.items);
}

static void test_numbers_bad(void **state)
{
    (void)state;
    size_t len;
    char *buf = corpus_load("bad/numbers_mixed.json", &len);
    ct_number_list nl;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_number_list_decode(buf, len, &nl, &err), CT_OK);
    free(buf);
    assert_int_equal(nl.n, 1);
    assert_string_equal(nl.items[0].id, "n2");
    assert_int_equal(nl.n_skipped, 2);
    assert_int_equal(nl.first_skip.code, CT_ETYPE);
    assert_string_equal(nl.first_skip.detail, "[0].outboundEnabled: expected boolean, got string");
    ct_number_list_clear(&nl);

    assert_int_equal(ct_number_list_decode("{\"numbers\":[]}", 14, &nl, &err), CT_ETYPE);
    assert_string_equal(err.detail, "(document): expected array, got object");
    assert_int_equal(ct_number_list_decode("[{", 2, &nl, &err), CT_EJSON);
    assert_int_equal(ct_number_list_decode("[{\"provider\":\"twilio\"}]", 23, &nl, &err), CT_OK);
    assert_int_equal(nl.n_skipped, 1);
    assert_string_equal(nl.first_skip.detail, "[0].provider: expected object, got string");
    ct_number_list_clear(&nl);
    assert_int_equal(ct_number_list_decode("[]", 2, &nl, &err), CT_OK);
    assert_int_equal(nl.n, 0);
    ct_number_list_clear(&nl);
}

static void test_assistant(void **state)
{
    (void)state;
    size_t len;
    char *buf = corpus_load("api/assistant.json", &len);
    ct_assistant a;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_assistant_decode(buf, len, &a, &err), CT_OK);
    free(buf);
    assert_string_equal(a.id, "3f7b8a9c0d1e2f3a4b5c6d7f");
    assert_string_equal(a.name, "Ava (support)");
    assert_string_equal(a.raw_json,
                        "{\"_id\":\"3f7b8a9c0d1e2f3a4b5c6d7f\",\"name\":\"Ava (support)\","
                        "\"model\":{\"provider\":\"openai\"}}");
    ct_assistant_clear(&a);
    const char *both = "{\"_id\":\"old\",\"id\":\"new\"}";
    assert_int_equal(ct_assistant_decode(both, strlen(both), &a, &err), CT_OK);
    assert_string_equal(a.id, "new");
    assert_null(a.name);
    ct_assistant_clear(&a);
    const char *bad = "{\"id\":\"x\",\"name\":3}";
    assert_int_equal(ct_assistant_decode(bad, strlen(bad), &a, &err), CT_ETYPE);
    assert_string_equal(err.detail, "name: expected string, got number");
    assert_null(a.id);
    assert_int_equal(ct_assistant_decode("[]", 2, &a, &err), CT_ETYPE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_documented_list),   cmocka_unit_test(test_variants),
        cmocka_unit_test(test_bad_items_skipped), cmocka_unit_test(test_document_failures),
        cmocka_unit_test(test_numbers),           cmocka_unit_test(test_numbers_bad),
        cmocka_unit_test(test_assistant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
