/* test_model_json.c — json_util.h: path building and truncation, the
 * document parser's edges, null-as-absent in every getter, and the
 * text-or-JSON encoder the analysis round trip depends on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "calltop/json_util.h"

static void test_paths(void **state)
{
    (void)state;
    char buf[CT_JSON_PATH_MAX];
    assert_string_equal(ct_json_path(buf, sizeof buf, NULL, "id"), "id");
    assert_string_equal(ct_json_path(buf, sizeof buf, "", "id"), "id");
    assert_string_equal(ct_json_path(buf, sizeof buf, "conversations[3]", "startAt"),
                        "conversations[3].startAt");
    assert_string_equal(ct_json_path_index(buf, sizeof buf, "messages", 12), "messages[12]");
    assert_string_equal(ct_json_path_index(buf, sizeof buf, NULL, 0), "[0]");
    char small[8];
    assert_string_equal(ct_json_path(small, sizeof small, "abcdef", "ghi"), "abcdef.");

    /* a path longer than err->field is truncated there, kept whole in detail */
    ct_error err;
    ct_error_clear(&err);
    char longp[200];
    memset(longp, 'p', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(ct_json_field_error(&err, CT_EVALUE, longp, "bad %d", 7), CT_EVALUE);
    assert_int_equal(strlen(err.field), sizeof err.field - 1);
    assert_int_equal(strncmp(err.detail, longp, 199), 0);
    assert_string_equal(err.detail + 199, ": bad 7");
    assert_int_equal(ct_json_field_error(NULL, CT_ETYPE, "x", "y"), CT_ETYPE);
}

static void test_parse_edges(void **state)
{
    (void)state;
    cJSON *j;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_json_parse("{}", 2, &j, &err), CT_OK);
    cJSON_Delete(j);
    /* a buffer that includes its NUL terminator, and trailing blanks */
    assert_int_equal(ct_json_parse("[1] \r\n\t", 8, &j, &err), CT_OK);
    cJSON_Delete(j);
    assert_int_equal(ct_json_parse("[1]x", 4, &j, &err), CT_EJSON);
    assert_null(j);
    assert_string_equal(err.detail, "not JSON: trailing data at byte 3");
    assert_int_equal(ct_json_parse("   ", 3, &j, &err), CT_EJSON);
    assert_int_equal(ct_json_parse("{\"a\":tru}", 9, &j, &err), CT_EJSON);
    assert_non_null(strstr(err.detail, "near byte"));
    assert_int_equal(ct_json_parse("\"abc", 4, &j, &err), CT_EJSON);
    assert_int_equal(ct_json_parse("nul", 3, &j, &err), CT_EJSON);
    assert_int_equal(ct_json_parse("null", 4, &j, &err), CT_OK);
    assert_true(cJSON_IsNull(j));
    cJSON_Delete(j);
}

static void test_getters_null_is_absent(void **state)
{
    (void)state;
    cJSON *o =
        cJSON_Parse("{\"s\":null,\"b\":null,\"t\":null,\"o\":null,\"a\":null,\"r\":null,"
                    "\"x\":\"str\",\"n\":2.5,\"f\":false,\"arr\":[1,\"a\"],\"obj\":{\"k\":1}}");
    assert_non_null(o);
    ct_error err;
    ct_error_clear(&err);
    char *s = NULL;
    bool b = true, present = false;
    ct_time_ms t = 7;
    const cJSON *sub = (const cJSON *)1;
    assert_int_equal(ct_json_get_string(o, "s", "p", &s, &err), CT_OK);
    assert_null(s);
    assert_int_equal(ct_json_get_bool(o, "b", "p", &b, &present, &err), CT_OK);
    assert_true(b);
    assert_false(present);
    assert_int_equal(ct_json_get_time(o, "t", "p", &t, &present, &err), CT_OK);
    assert_int_equal(t, 7);
    assert_false(present);
    assert_int_equal(ct_json_get_object(o, "o", "p", &sub, &err), CT_OK);
    assert_null(sub);
    assert_int_equal(ct_json_get_array(o, "a", "p", &sub, &err), CT_OK);
    assert_null(sub);
    assert_int_equal(ct_json_get_raw(o, "r", "p", &s, &err), CT_OK);
    assert_null(s);
    assert_int_equal(ct_json_get_raw(o, "missing", "p", &s, &err), CT_OK);
    assert_null(s);

    /* present values, and replace-in-place freeing the old string */
    assert_int_equal(ct_json_get_string(o, "x", "p", &s, &err), CT_OK);
    assert_string_equal(s, "str");
    assert_int_equal(ct_json_get_raw(o, "arr", "p", &s, &err), CT_OK);
    assert_string_equal(s, "[1,\"a\"]");
    assert_int_equal(ct_json_get_scalar_text(o, "n", "p", &s, &err), CT_OK);
    assert_string_equal(s, "2.5");
    assert_int_equal(ct_json_get_scalar_text(o, "f", "p", &s, &err), CT_OK);
    assert_string_equal(s, "false");
    assert_int_equal(ct_json_get_object_text(o, "obj", "p", &s, &err), CT_OK);
    assert_string_equal(s, "{\"k\":1}");
    assert_int_equal(ct_json_get_bool(o, "f", "p", &b, &present, &err), CT_OK);
    assert_false(b);
    assert_true(present);

    /* wrong types: output untouched, path named */
    assert_int_equal(ct_json_get_string(o, "n", "p", &s, &err), CT_ETYPE);
    assert_string_equal(s, "{\"k\":1}");
    assert_string_equal(err.detail, "p.n: expected string, got number");
    assert_int_equal(ct_json_get_object_text(o, "arr", NULL, &s, &err), CT_ETYPE);
    assert_string_equal(err.detail, "arr: expected object, got array");
    assert_int_equal(ct_json_get_array(o, "obj", "q", &sub, &err), CT_ETYPE);
    assert_string_equal(err.detail, "q.obj: expected array, got object");
    assert_int_equal(ct_json_get_bool(o, "x", "q", &b, NULL, &err), CT_ETYPE);
    assert_string_equal(err.detail, "q.x: expected boolean, got string");
    assert_int_equal(ct_json_get_scalar_text(o, "arr", "q", &s, &err), CT_ETYPE);
    assert_string_equal(err.field, "q.arr");
    free(s);

    /* getters on a non-object see nothing */
    s = NULL;
    assert_int_equal(ct_json_get_string(cJSON_GetObjectItem(o, "arr"), "x", "p", &s, &err), CT_OK);
    assert_null(s);
    assert_null(ct_json_member(NULL, "x"));
    cJSON_Delete(o);
}

static char *encode_text(const char *text)
{
    cJSON *o = cJSON_CreateObject();
    assert_true(ct_json_add_text_or_json(o, "v", text));
    char *txt = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return txt;
}

static void test_text_or_json(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"resolved", "{\"v\":\"resolved\"}"},
        {"3", "{\"v\":3}"},
        {"true", "{\"v\":true}"},
        {"{\"k\":[1]}", "{\"v\":{\"k\":[1]}}"},
        {" 3", "{\"v\":\" 3\"}"},           /* not canonical: stays a string */
        {"null", "{\"v\":\"null\"}"},       /* null would read back as absent */
        {"\"q\"", "{\"v\":\"\\\"q\\\"\"}"}, /* a JSON string stays the text */
        {"{\"k\": 1}", "{\"v\":\"{\\\"k\\\": 1}\"}"},
        {"", "{\"v\":\"\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *txt = encode_text(cases[i].in);
        assert_string_equal(txt, cases[i].out);
        free(txt);
    }
    cJSON *o = cJSON_CreateObject();
    assert_true(ct_json_add_text_or_json(o, "v", NULL));
    assert_true(ct_json_add_raw(o, "r", NULL));
    assert_true(ct_json_add_raw(o, "bad", "{not json"));
    char *txt = cJSON_PrintUnformatted(o);
    assert_string_equal(txt, "{\"bad\":\"{not json\"}");
    free(txt);
    cJSON_Delete(o);
}

/* C1 controls and DEL become \u00XX; a run of DELs grows 6x (the buffer
 * was once sized 3x); other UTF-8 is kept. */
static void test_escape_c1(void **state)
{
    (void)state;
    char *e = ct_json_escape_c1("{\"t\":\"a\xc2\x9b"
                                "b\x7f"
                                "c\xc3\xa9\"}");
    assert_non_null(e);
    assert_string_equal(e, "{\"t\":\"a\\u009bb\\u007fc\xc3\xa9\"}");
    free(e);
    char dels[65];
    memset(dels, 0x7f, 64);
    dels[64] = '\0';
    e = ct_json_escape_c1(dels);
    assert_non_null(e);
    assert_int_equal(strlen(e), 64 * 6);
    assert_memory_equal(e, "\\u007f\\u007f", 12);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_parse_edges),
        cmocka_unit_test(test_getters_null_is_absent),
        cmocka_unit_test(test_text_or_json),
        cmocka_unit_test(test_escape_c1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
