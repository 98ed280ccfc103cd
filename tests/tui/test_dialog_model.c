/* test_dialog_model.c — action dialogs: the exact body previewed per
 * action, live validation of forward / dtmf / say / sms arguments, Cancel
 * as the default, and that Send never fires while invalid. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/dialog_model.h"
#include "../../tui/pane.h"
#include "../../tui/text.h"

static void type(ct_dialog_model *m, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += ct_utf8_next(s + i, len - i, &cp);
        ct_dialog_model_key(m, cp < 0x80 ? (int)cp : CT_KEY_WCHAR(cp));
    }
}

/* Moves to [Send] from the field and presses Enter. */
static int press_send(ct_dialog_model *m)
{
    m->focus = CT_DF_SEND;
    return ct_dialog_model_key(m, '\n');
}

static void test_say(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_SAY, "CC-1", "+14155550100");
    assert_int_equal(m.focus, CT_DF_INPUT);
    assert_false(ct_control_action_destructive(CT_ACTION_SAY));
    assert_null(m.preview);
    assert_string_equal(m.problem, "enter the text to speak");
    assert_false(ct_dialog_model_can_send(&m));
    /* Send while empty: refused, focus back on the field */
    assert_int_equal(press_send(&m), CT_DLG_R_REDRAW);
    assert_int_equal(m.focus, CT_DF_INPUT);
    type(&m, "Hold on, \"please\" ✓");
    assert_string_equal(m.problem, "");
    assert_string_equal(m.preview, "{\"type\":\"say\",\"message\":\"Hold on, \\\"please\\\" ✓\"}");
    /* Enter in the field goes to Cancel, never to Send */
    assert_int_equal(ct_dialog_model_key(&m, '\n'), CT_DLG_R_REDRAW);
    assert_int_equal(m.focus, CT_DF_CANCEL);
    assert_int_equal(ct_dialog_model_key(&m, '\n'), CT_DLG_R_CLOSE);
    ct_dialog_model_key(&m, KEY_RIGHT);
    assert_int_equal(m.focus, CT_DF_SEND);
    assert_true(ct_dialog_model_key(&m, '\n') & CT_DLG_R_SEND);
    ct_control_request rq;
    ct_dialog_model_request(&m, &rq);
    assert_int_equal(rq.action, CT_ACTION_SAY);
    assert_string_equal(rq.argument, "Hold on, \"please\" ✓");
    ct_dialog_model_clear(&m);
}

static void test_end_defaults_to_cancel(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_END, "CC-2", NULL);
    assert_true(ct_control_action_destructive(CT_ACTION_END));
    assert_false(ct_dialog_input_required(CT_ACTION_END));
    assert_string_equal(m.customer, "?");
    assert_int_equal(m.focus, CT_DF_CANCEL);
    /* valid with an empty closing line */
    assert_string_equal(m.preview, "{\"type\":\"end\",\"message\":\"\"}");
    /* a stray Enter cancels */
    assert_int_equal(ct_dialog_model_key(&m, '\n'), CT_DLG_R_CLOSE);
    /* typing on a button does nothing */
    assert_int_equal(ct_dialog_model_key(&m, 'x'), CT_DLG_R_NONE);
    ct_dialog_model_key(&m, KEY_BTAB);
    assert_int_equal(m.focus, CT_DF_INPUT);
    type(&m, "Goodbye");
    assert_string_equal(m.preview, "{\"type\":\"end\",\"message\":\"Goodbye\"}");
    assert_true(press_send(&m) & CT_DLG_R_SEND);
    ct_dialog_model_clear(&m);
}

static void test_forward_validates_as_you_type(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_FORWARD, "CC-3", "+14155550100");
    assert_true(ct_control_action_destructive(CT_ACTION_FORWARD));
    assert_string_equal(m.problem, "enter the destination number");
    type(&m, "1");
    assert_string_equal(m.problem, "must start with +");
    ct_dialog_model_key(&m, CT_KEY_CTRL('u'));
    type(&m, "+4");
    assert_string_equal(m.problem, "too short");
    assert_false(press_send(&m) & CT_DLG_R_SEND);
    type(&m, "4 2");
    assert_string_equal(m.problem, "digits only after +");
    ct_dialog_model_key(&m, KEY_BACKSPACE);
    ct_dialog_model_key(&m, KEY_BACKSPACE);
    type(&m, "2079460000");
    assert_string_equal(m.problem, "");
    assert_string_equal(m.preview, "{\"type\":\"forward\",\"message\":\"+442079460000\"}");
    assert_true(press_send(&m) & CT_DLG_R_SEND);
    ct_dialog_model_clear(&m);
}

static void test_dtmf(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_DTMF, "CC-4", "+14155550100");
    assert_string_equal(m.problem, "enter the digits");
    type(&m, "12#*ab"); /* a-d are taken as A-D */
    assert_string_equal(ct_field_text(&m.input), "12#*AB");
    assert_string_equal(m.preview, "{\"type\":\"dtmf\",\"message\":\"12#*AB\"}");
    type(&m, "e");
    assert_null(m.preview);
    assert_string_equal(m.problem, "only 0-9 * # A-D");
    assert_false(press_send(&m) & CT_DLG_R_SEND);
    ct_dialog_model_clear(&m);
}

static void test_sms_and_escape(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_SMS, "CC-5", "+1415\x1b[2J");
    assert_string_equal(m.customer, "+1415"); /* sanitized */
    assert_string_equal(m.problem, "enter the text to send");
    type(&m, "Your ref: 42");
    assert_string_equal(m.preview, "{\"type\":\"sms\",\"message\":\"Your ref: 42\"}");
    /* Tab cycles input -> Cancel -> Send -> input */
    ct_dialog_model_key(&m, '\t');
    assert_int_equal(m.focus, CT_DF_CANCEL);
    ct_dialog_model_key(&m, '\t');
    assert_int_equal(m.focus, CT_DF_SEND);
    ct_dialog_model_key(&m, '\t');
    assert_int_equal(m.focus, CT_DF_INPUT);
    assert_int_equal(ct_dialog_model_key(&m, CT_KEY_ESC), CT_DLG_R_CLOSE);
    ct_dialog_model_clear(&m);
}

static void test_no_call_id_never_sends(void **st)
{
    (void)st;
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_SAY, NULL, NULL);
    type(&m, "hi");
    assert_non_null(m.preview);
    assert_false(ct_dialog_model_can_send(&m));
    assert_false(press_send(&m) & CT_DLG_R_SEND);
    ct_dialog_model_clear(&m);
}

/* Issue 13 item 7 on the board: a call whose id is a dot segment, holds a
 * '/', or is too long to keep whole can never be acted on. */
static void test_bad_call_id_never_sends(void **st)
{
    (void)st;
    char longid[CT_CALL_ID_MAX + 8];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    const char *bad[] = {"..", ".", "a/b", "", longid};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_dialog_model m;
        ct_dialog_model_init(&m, CT_ACTION_END, bad[i], "+14155550100");
        assert_false(ct_dialog_model_can_send(&m));
        assert_false(press_send(&m) & CT_DLG_R_SEND);
        assert_non_null(strstr(m.problem, "cannot be used in a request"));
        ct_dialog_model_clear(&m);
    }
    /* an id of exactly the maximum is kept whole, not cut */
    longid[CT_CALL_ID_MAX] = '\0';
    ct_dialog_model m;
    ct_dialog_model_init(&m, CT_ACTION_END, longid, NULL);
    assert_true(ct_dialog_model_can_send(&m));
    assert_string_equal(m.call_id, longid);
    ct_dialog_model_clear(&m);
}

static void test_titles(void **st)
{
    (void)st;
    for (int a = 0; a < CT_ACTION__COUNT; a++) {
        assert_true(strlen(ct_dialog_title((ct_control_action)a)) > 0);
        assert_true(strlen(ct_dialog_input_label((ct_control_action)a)) > 0);
        assert_int_equal(ct_dialog_input_required((ct_control_action)a), a != CT_ACTION_END);
    }
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_say),
        cmocka_unit_test(test_end_defaults_to_cancel),
        cmocka_unit_test(test_forward_validates_as_you_type),
        cmocka_unit_test(test_dtmf),
        cmocka_unit_test(test_sms_and_escape),
        cmocka_unit_test(test_no_call_id_never_sends),
        cmocka_unit_test(test_bad_call_id_never_sends),
        cmocka_unit_test(test_titles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
