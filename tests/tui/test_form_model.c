/* test_form_model.c — the text field editor and the New-call form model:
 * typing, live E.164 verdicts, focus order, metadata rows, validation,
 * the request it builds (checked through ct_connect_request_encode), and
 * failures that keep every field and land next to the right field. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/form_model.h"
#include "../../tui/pane.h"
#include "../../tui/text.h"

/* Keys for UTF-8 text, as the board delivers them (non-ASCII as CT_KEY_WCHAR). */
static void type(ct_form_model *m, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += ct_utf8_next(s + i, len - i, &cp);
        ct_form_model_key(m, cp < 0x80 ? (int)cp : CT_KEY_WCHAR(cp));
    }
}

static void type_field(ct_field *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) ct_field_key(f, *p);
}

/* ---- the field ------------------------------------------------------------ */

static void test_field_editing(void **st)
{
    (void)st;
    ct_field f;
    ct_field_init(&f, 0);
    type_field(&f, "helo");
    assert_int_equal(ct_field_key(&f, KEY_LEFT), CT_FIELD_MOVED);
    assert_int_equal(ct_field_key(&f, 'l'), CT_FIELD_CHANGED);
    assert_string_equal(ct_field_text(&f), "hello");
    assert_int_equal(ct_field_key(&f, KEY_HOME), CT_FIELD_MOVED);
    assert_int_equal(ct_field_key(&f, KEY_LEFT), CT_FIELD_REFUSED);
    assert_int_equal(ct_field_key(&f, 127), CT_FIELD_REFUSED); /* backspace at 0 */
    assert_int_equal(ct_field_key(&f, KEY_DC), CT_FIELD_CHANGED);
    assert_string_equal(ct_field_text(&f), "ello");
    ct_field_key(&f, KEY_END);
    assert_int_equal(ct_field_key(&f, KEY_BACKSPACE), CT_FIELD_CHANGED);
    assert_string_equal(ct_field_text(&f), "ell");
    assert_int_equal(ct_field_key(&f, KEY_DC), CT_FIELD_REFUSED);
    /* non-ASCII as CT_KEY_WCHAR and as plain code points below KEY_MIN */
    assert_int_equal(ct_field_key(&f, CT_KEY_WCHAR(0x4E2D)), CT_FIELD_CHANGED);
    assert_int_equal(ct_field_key(&f, 0xE9), CT_FIELD_CHANGED);
    assert_string_equal(ct_field_text(&f), "ell\xE4\xB8\xAD\xC3\xA9");
    /* backspace and left step over whole characters */
    ct_field_key(&f, KEY_LEFT);
    assert_int_equal(f.cur, 6);
    ct_field_key(&f, 8);
    assert_string_equal(ct_field_text(&f), "ell\xC3\xA9");
    /* controls never enter: tab, newline, escape, C1 */
    assert_int_equal(ct_field_key(&f, '\t'), CT_FIELD_IGNORED);
    assert_int_equal(ct_field_key(&f, '\n'), CT_FIELD_IGNORED);
    assert_int_equal(ct_field_key(&f, 27), CT_FIELD_IGNORED);
    assert_int_equal(ct_field_key(&f, CT_KEY_WCHAR(0x9B)), CT_FIELD_IGNORED);
    assert_int_equal(ct_field_key(&f, KEY_F(5)), CT_FIELD_IGNORED);
    /* Ctrl-U deletes to the start, Ctrl-K to the end, Ctrl-W a word */
    ct_field_set(&f, "one two three");
    ct_field_key(&f, CT_KEY_CTRL('w'));
    assert_string_equal(ct_field_text(&f), "one two ");
    ct_field_key(&f, KEY_LEFT);
    ct_field_key(&f, KEY_LEFT);
    ct_field_key(&f, CT_KEY_CTRL('k'));
    assert_string_equal(ct_field_text(&f), "one tw");
    ct_field_key(&f, KEY_LEFT);
    ct_field_key(&f, CT_KEY_CTRL('u'));
    assert_string_equal(ct_field_text(&f), "w");
    assert_int_equal(f.cur, 0);
}

static void test_field_limit_and_view(void **st)
{
    (void)st;
    ct_field f;
    ct_field_init(&f, 4);
    type_field(&f, "abcd");
    assert_int_equal(ct_field_key(&f, 'e'), CT_FIELD_REFUSED);
    ct_field_key(&f, KEY_BACKSPACE);
    /* a 3-byte character does not fit into 1 free byte: refused whole */
    assert_int_equal(ct_field_key(&f, CT_KEY_WCHAR(0x4E2D)), CT_FIELD_REFUSED);
    assert_string_equal(ct_field_text(&f), "abc");
    ct_field_set(&f, "\xE4\xB8\xAD\xE6\x96\x87"); /* 6 bytes > 4: cut at a boundary */
    assert_string_equal(ct_field_text(&f), "\xE4\xB8\xAD");

    ct_field_init(&f, 0);
    ct_field_set(&f, "0123456789");
    size_t scroll = 0;
    int col = ct_field_view(&f, 5, &scroll);
    assert_int_equal(scroll, 6); /* "6789" + the cursor cell */
    assert_int_equal(col, 4);
    ct_field_key(&f, KEY_HOME);
    col = ct_field_view(&f, 5, &scroll);
    assert_int_equal(scroll, 0);
    assert_int_equal(col, 0);
}

/* ---- numbers -------------------------------------------------------------- */

static void numbers(ct_number_list *nl)
{
    memset(nl, 0, sizeof *nl);
    nl->n = 3;
    nl->items = calloc(3, sizeof *nl->items);
    nl->items[0].id = strdup("num-in");
    nl->items[0].number = strdup("+15550000001");
    nl->items[0].label = strdup("inbound only");
    nl->items[0].inbound_enabled = true;
    nl->items[1].id = strdup("num-a");
    nl->items[1].number = strdup("+15550000002");
    nl->items[1].label = strdup("Sales\x1b[31m");
    nl->items[1].outbound_enabled = true;
    nl->items[2].id = strdup("num-b");
    nl->items[2].number = strdup("+15550000003");
    nl->items[2].label = NULL;
    nl->items[2].outbound_enabled = true;
}

static void setup_form(ct_form_model *m)
{
    ct_form_model_init(m);
    ct_number_list nl;
    numbers(&nl);
    ct_form_model_set_numbers(m, &nl);
    ct_number_list_clear(&nl);
}

static void test_numbers_outbound_only(void **st)
{
    (void)st;
    ct_form_model m;
    ct_form_model_init(&m);
    assert_false(m.numbers_loaded);
    assert_int_equal(m.caller, -1);
    ct_number_list nl;
    numbers(&nl);
    ct_form_model_set_numbers(&m, &nl);
    assert_int_equal(m.n_numbers, 2);
    assert_string_equal(m.numbers[0].id, "num-a");
    assert_string_equal(m.numbers[0].label, "Sales"); /* sanitized */
    assert_string_equal(m.numbers[1].label, "");
    assert_int_equal(m.caller, 0);
    /* cycling on the picker */
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CALLER);
    ct_form_model_key(&m, KEY_RIGHT);
    assert_int_equal(m.caller, 1);
    ct_form_model_key(&m, KEY_RIGHT);
    assert_int_equal(m.caller, 0);
    ct_form_model_key(&m, KEY_LEFT);
    assert_int_equal(m.caller, 1);
    /* a refreshed list keeps the choice by id */
    ct_form_model_set_numbers(&m, &nl);
    assert_int_equal(m.caller, 1);
    ct_number_list_clear(&nl);
    ct_form_model_clear(&m);
}

static void test_customer_hint(void **st)
{
    (void)st;
    assert_string_equal(ct_form_customer_hint(""), "");
    assert_string_equal(ct_form_customer_hint("4155"), "must start with +");
    assert_string_equal(ct_form_customer_hint("+"), "too short");
    assert_string_equal(ct_form_customer_hint("+1"), "too short");
    assert_null(ct_form_customer_hint("+14"));
    assert_string_equal(ct_form_customer_hint("+1 415"), "digits only after +");
    assert_string_equal(ct_form_customer_hint("+1-415"), "digits only after +");
    assert_string_equal(ct_form_customer_hint("+0123"), "country code cannot start with 0");
    assert_null(ct_form_customer_hint("+919867543210"));
    assert_string_equal(ct_form_customer_hint("+1234567890123456"), "too long (max 15 digits)");
    assert_null(ct_form_customer_hint("+123456789012345"));
    /* the hint and the core's rule always agree on validity */
    const char *cases[] = {"+12", "+1", "+0", "12", "+1a", "+123456789012345", "+1234567890123456"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(ct_form_customer_hint(cases[i]) == NULL, ct_e164_valid(cases[i]));
}

static void test_typing_and_focus(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    assert_false(m.dirty);
    ct_form_model_key(&m, '\t');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CUSTOMER);
    type(&m, "+1415");
    assert_string_equal(ct_field_text(&m.customer), "+1415");
    assert_true(m.dirty);
    ct_form_model_key(&m, KEY_DOWN);
    assert_true(ct_form_model_focus(&m).kind == CT_FS_NAME);
    type(&m, "Ada");
    ct_form_model_key(&m, KEY_UP);
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CUSTOMER);
    /* Enter on a middle text field moves on, never submits */
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_true(ct_form_model_focus(&m).kind == CT_FS_NAME);
    /* Shift-Tab from the first stop wraps to Cancel */
    ct_form_model_set_focus(&m, CT_FS_CALLER, 0);
    ct_form_model_key(&m, KEY_BTAB);
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CANCEL);
    ct_form_model_key(&m, '\t');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CALLER);
    /* keys typed on the picker or a button do not edit anything */
    assert_int_equal(ct_form_model_key(&m, 'x'), CT_FORM_R_NONE);
    ct_form_model_clear(&m);
}

static void test_metadata_rows(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
    ct_form_model_key(&m, '\n');
    assert_int_equal(m.n_meta, 1);
    ct_form_stop f = ct_form_model_focus(&m);
    assert_true(f.kind == CT_FS_META_KEY && f.row == 0);
    type(&m, "ticket");
    ct_form_model_key(&m, '\t');
    type(&m, "T-1");
    ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
    ct_form_model_key(&m, '\n');
    type(&m, "ticket");
    ct_form_model_key(&m, '\t');
    type(&m, "dup");
    ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
    ct_form_model_key(&m, '\n'); /* a third, blank row: ignored on submit */
    assert_int_equal(m.n_meta, 3);

    /* fill the required fields, then submit: the duplicate is refused */
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    ct_form_model_set_focus(&m, CT_FS_SUBMIT, 0);
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_string_equal(m.meta[1].error, "duplicate key \"ticket\"");
    f = ct_form_model_focus(&m);
    assert_true(f.kind == CT_FS_META_KEY && f.row == 1);
    /* remove the duplicate row with its [x] */
    ct_form_model_set_focus(&m, CT_FS_META_DEL, 1);
    ct_form_model_key(&m, '\n');
    assert_int_equal(m.n_meta, 2);
    assert_string_equal(ct_field_text(&m.meta[1].key), "");
    /* a value without a key is refused */
    ct_form_model_set_focus(&m, CT_FS_META_VALUE, 1);
    type(&m, "orphan");
    assert_false(ct_form_model_validate(&m));
    assert_string_equal(m.meta[1].error, "key required");
    ct_form_model_set_focus(&m, CT_FS_META_VALUE, 1);
    ct_form_model_key(&m, CT_KEY_CTRL('u'));
    assert_true(ct_form_model_validate(&m));

    ct_connect_request rq;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(&m, &rq, kv);
    assert_int_equal(rq.n_metadata, 1);
    char *body = NULL;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_connect_request_encode(&rq, &body, &err), CT_OK);
    assert_non_null(strstr(body, "\"metadata\":{\"ticket\":\"T-1\"}"));
    free(body);
    /* the row count is bounded and [+] disappears at the bound */
    for (int i = 0; i < 40; i++) {
        ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
        ct_form_model_key(&m, '\n');
    }
    assert_int_equal(m.n_meta, CT_FORM_MAX_META);
    ct_form_stop stops[128];
    size_t n = ct_form_model_stops(&m, stops, 128);
    for (size_t i = 0; i < n; i++) assert_true(stops[i].kind != CT_FS_META_ADD);
    ct_form_model_clear(&m);
}

static void test_submit_builds_request(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    /* submitting empty: customer "required", focus moves there */
    ct_form_model_set_focus(&m, CT_FS_SUBMIT, 0);
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_string_equal(m.error[CT_FSLOT_CUSTOMER], "required");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CUSTOMER);
    type(&m, "14155550100");
    /* editing clears the complaint; the live hint explains instead */
    assert_string_equal(m.error[CT_FSLOT_CUSTOMER], "");
    assert_string_equal(ct_form_customer_hint(ct_field_text(&m.customer)), "must start with +");
    ct_form_model_key(&m, KEY_HOME);
    type(&m, "+");
    assert_null(ct_form_customer_hint(ct_field_text(&m.customer)));
    ct_form_model_key(&m, '\t');
    type(&m, "Zoë");
    ct_form_model_key(&m, '\t');
    type(&m, "asst-7");
    /* Enter on the last text field asks first (issue 13 item 2): the
     * confirmation shows the exact body, focus on Cancel; Tab + Enter sends */
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_false(m.confirm_on_place);
    assert_string_equal(m.preview,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"num-a\","
                        "\"customer\":{\"number\":\"+14155550100\",\"name\":\"Zoë\"},"
                        "\"assistantId\":\"asst-7\"}");
    assert_int_equal(ct_form_model_key(&m, '\t'), CT_FORM_R_REDRAW);
    assert_true(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT);
    ct_connect_request rq;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(&m, &rq, kv);
    assert_string_equal(rq.phone_number_id, "num-a");
    assert_string_equal(rq.customer_number, "+14155550100");
    assert_string_equal(rq.customer_name, "Zoë");
    assert_string_equal(rq.assistant_id, "asst-7");
    assert_int_equal(rq.n_metadata, 0);
    char *body = NULL;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_connect_request_encode(&rq, &body, &err), CT_OK);
    assert_string_equal(body,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"num-a\","
                        "\"customer\":{\"number\":\"+14155550100\",\"name\":\"Zoë\"},"
                        "\"assistantId\":\"asst-7\"}");
    free(body);

    /* pending: input is frozen, Enter does not resubmit; only its id matches */
    ct_form_model_sent(&m, 42);
    assert_int_equal(m.state, CT_FORM_PENDING);
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_NONE);
    assert_int_equal(ct_form_model_key(&m, 'x'), CT_FORM_R_NONE);
    assert_string_equal(ct_field_text(&m.assistant), "asst-7");
    assert_true(ct_form_model_owns(&m, 42));
    assert_false(ct_form_model_owns(&m, 41));
    assert_false(ct_form_model_owns(&m, 0));
    ct_form_model_clear(&m);
}

/* Issue 13 item 2: `n` never places a call without the preview; the
 * default answer is Cancel, which returns to the filled form; typed-ahead
 * keys in the confirmation do nothing. */
static void test_confirm_before_placing(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    assert_false(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT); /* -> name */
    assert_false(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT); /* -> assistant */
    assert_false(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT); /* -> confirmation */
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_non_null(m.preview);
    assert_non_null(strstr(m.preview, "\"number\":\"+14155550100\""));
    /* typed-ahead text and a second Enter: nothing is sent */
    const char *ahead = "Thanks nx";
    for (const char *c = ahead; *c; c++)
        assert_int_equal(ct_form_model_key(&m, *c), CT_FORM_R_NONE);
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW); /* Enter on Cancel */
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_null(m.preview);
    assert_string_equal(ct_field_text(&m.customer), "+14155550100"); /* kept */
    /* again, Esc also goes back; Right then Enter places */
    ct_form_model_set_focus(&m, CT_FS_SUBMIT, 0);
    ct_form_model_key(&m, '\n');
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_int_equal(ct_form_model_key(&m, CT_KEY_ESC), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_EDITING);
    ct_form_model_set_focus(&m, CT_FS_SUBMIT, 0);
    ct_form_model_key(&m, '\n');
    ct_form_model_key(&m, KEY_RIGHT);
    assert_true(m.confirm_on_place);
    assert_true(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT);
    ct_form_model_sent(&m, 7);
    assert_null(m.preview);
    ct_form_model_clear(&m);
}

static void test_failure_keeps_fields_and_places_error(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    ct_form_model_key(&m, '\t');
    type(&m, "Ada");
    ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
    ct_form_model_key(&m, '\n');
    type(&m, "crm");
    ct_form_model_key(&m, '\t');
    type(&m, "42");
    ct_form_model_sent(&m, 7);

    ct_error err;
    ct_error_clear(&err);
    err.code = CT_EVALIDATION;
    err.http_status = 422;
    snprintf(err.field, sizeof err.field, "body.customer.number");
    snprintf(err.detail, sizeof err.detail, "number is not reachable\x1b[2J");
    ct_form_model_failed(&m, &err);
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_string_equal(m.error[CT_FSLOT_CUSTOMER], "number is not reachable");
    assert_string_equal(m.error[CT_FSLOT_FORM], "");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CUSTOMER);
    /* every field kept */
    assert_string_equal(ct_field_text(&m.customer), "+14155550100");
    assert_string_equal(ct_field_text(&m.name), "Ada");
    assert_string_equal(ct_field_text(&m.meta[0].key), "crm");
    assert_string_equal(ct_field_text(&m.meta[0].value), "42");
    assert_int_equal(m.caller, 0);
    assert_false(ct_form_model_owns(&m, 7)); /* never resubmitted by itself */

    /* a metadata key named by the server lands on its row */
    snprintf(err.field, sizeof err.field, "metadata.crm");
    snprintf(err.detail, sizeof err.detail, "must be numeric text");
    ct_form_model_failed(&m, &err);
    assert_string_equal(m.meta[0].error, "must be numeric text");
    ct_form_stop f = ct_form_model_focus(&m);
    assert_true(f.kind == CT_FS_META_KEY && f.row == 0);

    /* other fields */
    int row;
    assert_int_equal(ct_form_slot_for_field(&m, "phoneNumberId", &row), CT_FSLOT_CALLER);
    assert_int_equal(ct_form_slot_for_field(&m, "customer.name", &row), CT_FSLOT_NAME);
    assert_int_equal(ct_form_slot_for_field(&m, "assistantId", &row), CT_FSLOT_ASSISTANT);
    assert_int_equal(ct_form_slot_for_field(&m, "metadata", &row), CT_FSLOT_META);
    assert_int_equal(row, -1);
    assert_int_equal(ct_form_slot_for_field(&m, "metadataX", &row), CT_FSLOT_FORM);
    assert_int_equal(ct_form_slot_for_field(&m, "direction", &row), CT_FSLOT_FORM);
    assert_int_equal(ct_form_slot_for_field(&m, "", &row), CT_FSLOT_FORM);

    /* unknown field / no field: the form-level line, code text first */
    ct_error_clear(&err);
    err.code = CT_ETIMEOUT;
    snprintf(err.detail, sizeof err.detail, "after 20 s");
    ct_form_model_failed(&m, &err);
    assert_non_null(strstr(m.error[CT_FSLOT_FORM], ct_strerror(CT_ETIMEOUT)));
    assert_non_null(strstr(m.error[CT_FSLOT_FORM], "after 20 s"));
    assert_string_equal(ct_field_text(&m.customer), "+14155550100");
    ct_form_model_clear(&m);
}

static void test_cancel_asks_when_edited(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    assert_int_equal(ct_form_model_key(&m, CT_KEY_ESC), CT_FORM_R_CLOSE);
    ct_form_model_set_focus(&m, CT_FS_NAME, 0);
    type(&m, "x");
    assert_int_equal(ct_form_model_key(&m, CT_KEY_ESC), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_CONFIRM_DISCARD);
    assert_int_equal(ct_form_model_key(&m, 'n'), CT_FORM_R_REDRAW); /* back to editing */
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_string_equal(ct_field_text(&m.name), "x");
    ct_form_model_set_focus(&m, CT_FS_CANCEL, 0);
    ct_form_model_key(&m, '\n');
    assert_int_equal(m.state, CT_FORM_CONFIRM_DISCARD);
    assert_int_equal(ct_form_model_key(&m, 'y'), CT_FORM_R_CLOSE);
    ct_form_model_clear(&m);
}

static void test_no_numbers(void **st)
{
    (void)st;
    ct_form_model m;
    ct_form_model_init(&m);
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    assert_false(ct_form_model_validate(&m));
    assert_string_equal(m.error[CT_FSLOT_CALLER], "numbers are still loading");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_CALLER);
    ct_number_list nl = {0};
    ct_form_model_set_numbers(&m, &nl);
    assert_false(ct_form_model_validate(&m));
    assert_string_equal(m.error[CT_FSLOT_CALLER], "the account has no phone numbers");
    ct_form_model_clear(&m);
}

/* ---- assistantOverrides: first message and variables ----------------------- */

/* Parses text and checks the error (NULL = must succeed). */
static size_t parse(const char *text, ct_kv *kv, size_t max, const char *want_err)
{
    char buf[3 * 200 + 3], err[CT_FORM_ERR_MAX];
    static char keep[3 * 200 + 3]; /* kv points into it after return */
    size_t n = 99;
    bool ok = ct_form_parse_variables(text, buf, sizeof buf, kv, max, &n, err, sizeof err);
    if (want_err) {
        assert_false(ok);
        assert_string_equal(err, want_err);
        return n;
    }
    assert_true(ok);
    assert_string_equal(err, "");
    memcpy(keep, buf, sizeof keep);
    for (size_t i = 0; i < n; i++) {
        kv[i].key = keep + (kv[i].key - buf);
        kv[i].value = keep + (kv[i].value - buf);
    }
    return n;
}

static void test_parse_variables(void **st)
{
    (void)st;
    ct_kv kv[4];
    assert_int_equal(parse("", kv, 4, NULL), 0);
    assert_int_equal(parse("  ,  , ", kv, 4, NULL), 0); /* empty items: nothing */
    assert_int_equal(parse(" name = Ada Lovelace ,plan=gold,", kv, 4, NULL), 2);
    assert_string_equal(kv[0].key, "name");
    assert_string_equal(kv[0].value, "Ada Lovelace");
    assert_string_equal(kv[1].key, "plan");
    assert_string_equal(kv[1].value, "gold");
    /* an empty value is allowed; '=' inside a value is kept; \, and \\ */
    assert_int_equal(parse("a=, b=x=y, c=1\\, 2 \\\\", kv, 4, NULL), 3);
    assert_string_equal(kv[0].value, "");
    assert_string_equal(kv[1].value, "x=y");
    assert_string_equal(kv[2].value, "1, 2 \\");
    /* unescaped trailing blanks are trimmed */
    assert_int_equal(parse("k=v  ", kv, 4, NULL), 1);
    assert_string_equal(kv[0].value, "v");
    /* errors name the item */
    parse("a=1, oops", kv, 4, "item 2 \"oops\": expected KEY=VALUE");
    parse("=1", kv, 4, "item 1: empty key before '='");
    parse("a=1, b=2, a=3", kv, 4, "duplicate key \"a\"");
    parse("a=1,b=2,c=3", kv, 2, "more than 2 variables");
    /* the buffer must be large enough */
    char small[4], err[CT_FORM_ERR_MAX];
    size_t n;
    assert_false(ct_form_parse_variables("a=1", small, sizeof small, kv, 4, &n, err, sizeof err));
    assert_string_equal(err, "too long");
}

static void test_overrides_in_request(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    /* Tab reaches the new fields right after Assistant */
    ct_form_model_key(&m, '\t');
    ct_form_model_key(&m, '\t');
    ct_form_model_key(&m, KEY_DOWN);
    assert_true(ct_form_model_focus(&m).kind == CT_FS_FIRST_MSG);
    type(&m, "Hi Ada, this is Zoë.");
    ct_form_model_key(&m, '\t');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_VARIABLES);
    type(&m, "name=Ada, plan");
    /* a bad variables item: error at the field, focus there, nothing lost */
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_string_equal(m.error[CT_FSLOT_VARIABLES], "item 2 \"plan\": expected KEY=VALUE");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_VARIABLES);
    assert_string_equal(ct_field_text(&m.first_message), "Hi Ada, this is Zoë.");
    assert_string_equal(ct_field_text(&m.variables), "name=Ada, plan");
    assert_string_equal(ct_field_text(&m.customer), "+14155550100");
    /* editing clears the complaint */
    type(&m, "=gold");
    assert_string_equal(m.error[CT_FSLOT_VARIABLES], "");
    /* Enter in an override field (no metadata rows) submits: the preview is
     * the exact body with assistantOverrides */
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_string_equal(m.preview,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"num-a\","
                        "\"customer\":{\"number\":\"+14155550100\"},"
                        "\"assistantOverrides\":{\"firstMessage\":\"Hi Ada, this is Zoë.\","
                        "\"variableValues\":{\"name\":\"Ada\",\"plan\":\"gold\"}}}");
    ct_form_model_key(&m, '\t');
    assert_true(ct_form_model_key(&m, '\n') & CT_FORM_R_SUBMIT);
    ct_connect_request rq;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(&m, &rq, kv);
    assert_string_equal(rq.first_message, "Hi Ada, this is Zoë.");
    assert_int_equal(rq.n_variables, 2);
    assert_string_equal(rq.variables[1].key, "plan");
    assert_string_equal(rq.variables[1].value, "gold");
    /* a server error on an override lands on its field, fields kept */
    ct_form_model_sent(&m, 7);
    ct_error err;
    ct_error_clear(&err);
    err.code = CT_EVALIDATION;
    snprintf(err.field, sizeof err.field, "body.assistantOverrides.firstMessage");
    snprintf(err.detail, sizeof err.detail, "too long for this assistant");
    ct_form_model_failed(&m, &err);
    assert_string_equal(m.error[CT_FSLOT_FIRST_MSG], "too long for this assistant");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_FIRST_MSG);
    assert_string_equal(ct_field_text(&m.first_message), "Hi Ada, this is Zoë.");
    int row;
    assert_int_equal(ct_form_slot_for_field(&m, "assistantOverrides.variableValues.plan", &row),
                     CT_FSLOT_VARIABLES);
    assert_int_equal(ct_form_slot_for_field(&m, "assistantOverrides.variableValuesX", &row),
                     CT_FSLOT_FORM);
    ct_form_model_clear(&m);
}

/* Empty override fields change nothing: Enter from the customer still
 * walks name -> assistant -> the confirmation, with no assistantOverrides. */
static void test_enter_chain_skips_overrides(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    ct_form_model_key(&m, '\n');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_NAME);
    ct_form_model_key(&m, '\n');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_ASSISTANT);
    ct_form_model_key(&m, '\n');
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_null(strstr(m.preview, "assistantOverrides"));
    /* with a metadata row, Enter in an override field goes on to its key */
    ct_form_model_key(&m, CT_KEY_ESC);
    ct_form_model_set_focus(&m, CT_FS_META_ADD, 0);
    ct_form_model_key(&m, '\n');
    ct_form_model_set_focus(&m, CT_FS_FIRST_MSG, 0);
    ct_form_model_key(&m, '\n');
    assert_true(ct_form_model_focus(&m).kind == CT_FS_META_KEY);
    ct_form_model_clear(&m);
}

/* A fake file reader: "good.json" holds an object, "array.json" an array,
 * anything else is missing. */
static int reads;
static ct_err fake_read(const char *path, char **out, ct_error *err)
{
    reads++;
    if (strcmp(path, "good.json") == 0) *out = strdup("{\"name\": \"Inline Ava\"}");
    else if (strcmp(path, "array.json") == 0) *out = strdup("[1, 2]");
    else return ct_error_set(err, CT_EUSAGE, "cannot read it: No such file or directory%s", "");
    return *out ? CT_OK : CT_ENOMEM;
}

static void test_assistant_file(void **st)
{
    (void)st;
    ct_form_model m;
    setup_form(&m);
    m.read_file = fake_read;
    reads = 0;
    ct_form_model_set_focus(&m, CT_FS_CUSTOMER, 0);
    type(&m, "+14155550100");
    /* empty path: never read, no inline assistant */
    assert_true(ct_form_model_validate(&m));
    assert_int_equal(reads, 0);
    ct_form_model_set_focus(&m, CT_FS_ASSISTANT_FILE, 0);
    type(&m, "missing.json");
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_string_equal(m.error[CT_FSLOT_ASSISTANT_FILE],
                        "cannot read it: No such file or directory");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_ASSISTANT_FILE);
    /* not an object: the encoder's verdict lands on the file field */
    for (int i = 0; i < 12; i++) ct_form_model_key(&m, KEY_BACKSPACE);
    assert_string_equal(m.error[CT_FSLOT_ASSISTANT_FILE], "");
    type(&m, "array.json");
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_EDITING);
    assert_non_null(strstr(m.error[CT_FSLOT_ASSISTANT_FILE], "must be a JSON object"));
    assert_string_equal(m.error[CT_FSLOT_ASSISTANT], "");
    assert_true(ct_form_model_focus(&m).kind == CT_FS_ASSISTANT_FILE);
    assert_string_equal(ct_field_text(&m.assistant_file), "array.json");
    /* a good file: the preview carries it inline */
    for (int i = 0; i < 10; i++) ct_form_model_key(&m, KEY_BACKSPACE);
    type(&m, "good.json");
    assert_int_equal(ct_form_model_key(&m, '\n'), CT_FORM_R_REDRAW);
    assert_int_equal(m.state, CT_FORM_CONFIRM_SEND);
    assert_non_null(strstr(m.preview, "\"assistant\":{\"name\":\"Inline Ava\"}"));
    ct_connect_request rq;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(&m, &rq, kv);
    assert_non_null(rq.assistant_json);
    /* no reader (nothing may read files): refused at the field */
    ct_form_model_key(&m, CT_KEY_ESC);
    m.read_file = NULL;
    assert_false(ct_form_model_validate(&m));
    assert_string_equal(m.error[CT_FSLOT_ASSISTANT_FILE], "files cannot be read here");
    ct_form_model_clear(&m);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_editing),
        cmocka_unit_test(test_field_limit_and_view),
        cmocka_unit_test(test_numbers_outbound_only),
        cmocka_unit_test(test_customer_hint),
        cmocka_unit_test(test_typing_and_focus),
        cmocka_unit_test(test_metadata_rows),
        cmocka_unit_test(test_submit_builds_request),
        cmocka_unit_test(test_confirm_before_placing),
        cmocka_unit_test(test_failure_keeps_fields_and_places_error),
        cmocka_unit_test(test_cancel_asks_when_edited),
        cmocka_unit_test(test_no_numbers),
        cmocka_unit_test(test_parse_variables),
        cmocka_unit_test(test_overrides_in_request),
        cmocka_unit_test(test_enter_chain_skips_overrides),
        cmocka_unit_test(test_assistant_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
