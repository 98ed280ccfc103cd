/* test_picker.c — the filter pickers (issue 15 item 4): the assistants and
 * numbers of ours seen in the store, with counts; keys; and on the board,
 * A / N open them, Enter applies the filter, Esc leaves it as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include "board_fixture.h"
#include "../../tui/board.h"
#include "../../tui/picker.h"
#include "../../tui/theme.h"

static void model_lists_seen_values(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    fix_fill(s);
    ct_picker_model m;
    assert_int_equal(ct_picker_build(&m, CT_PICK_ASSISTANT, s, ""), 0);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.items[0].value, "");
    assert_string_equal(m.items[0].label, "(any)");
    assert_int_equal(m.items[0].calls, 5);
    assert_string_equal(m.items[1].value, "asst-42");
    assert_int_equal(m.items[1].calls, 3);
    assert_string_equal(m.items[2].value, "asst-7");
    assert_int_equal(m.items[2].calls, 2);
    assert_int_equal(m.sel, 0);
    ct_picker_free(&m);

    assert_int_equal(ct_picker_build(&m, CT_PICK_NUMBER, s, "+18005550100"), 0);
    assert_int_equal(m.n, 3);
    assert_string_equal(m.items[1].value, "+18005550100");
    assert_int_equal(m.items[1].calls, 2);
    assert_string_equal(m.items[2].value, "+18005550199");
    assert_int_equal(m.items[2].calls, 3);
    assert_int_equal(m.sel, 1); /* starts on the choice in force */
    ct_picker_free(&m);

    /* a choice no call has any more stays listed (0 calls) and selected */
    assert_int_equal(ct_picker_build(&m, CT_PICK_ASSISTANT, s, "asst-gone"), 0);
    assert_int_equal(m.n, 4);
    assert_string_equal(ct_picker_value(&m), "asst-gone");
    assert_int_equal(m.items[m.sel].calls, 0);
    ct_picker_free(&m);

    /* an empty store: only (any) */
    ct_store *empty = ct_store_new(NULL);
    assert_int_equal(ct_picker_build(&m, CT_PICK_NUMBER, empty, ""), 0);
    assert_int_equal(m.n, 1);
    assert_string_equal(ct_picker_value(&m), "");
    ct_picker_free(&m);
    ct_store_free(empty);
    ct_store_free(s);
}

static void model_keys(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    fix_fill(s);
    ct_picker_model m;
    assert_int_equal(ct_picker_build(&m, CT_PICK_ASSISTANT, s, ""), 0);
    assert_int_equal(ct_picker_key(&m, 'k', 5), CT_PICK_R_MOVED);
    assert_int_equal(m.sel, 0); /* clamped at the top */
    ct_picker_key(&m, KEY_DOWN, 5);
    assert_string_equal(ct_picker_value(&m), "asst-42");
    ct_picker_key(&m, 'G', 5);
    assert_string_equal(ct_picker_value(&m), "asst-7");
    ct_picker_key(&m, 'j', 5);
    assert_string_equal(ct_picker_value(&m), "asst-7"); /* clamped at the end */
    ct_picker_key(&m, KEY_PPAGE, 5);
    assert_int_equal(m.sel, 0);
    assert_int_equal(ct_picker_key(&m, 'x', 5), CT_PICK_R_NONE);
    assert_int_equal(ct_picker_key(&m, '\n', 5), CT_PICK_R_APPLY);
    assert_int_equal(ct_picker_key(&m, CT_KEY_ESC, 5), CT_PICK_R_CANCEL);
    ct_picker_free(&m);
    ct_store_free(s);
}

/* ---- on the board ---------------------------------------------------------------- */

static SCREEN *scr;
static FILE *t_in, *t_out;
static ct_store *store;
static ct_board board;

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_fill(store);
    setenv("LINES", "24", 1);
    setenv("COLUMNS", "80", 1);
    t_out = fopen("/dev/null", "w");
    t_in = fopen("/dev/null", "r");
    scr = newterm("xterm", t_out, t_in);
    assert_non_null(scr);
    set_term(scr);
    ct_theme_init(false, true);
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    board.ctx.base_url = "http://127.0.0.1:8080";
    board.status.monitor = CT_MON_LIVE;
    board.status.last_event_ms = FIX_NOW - 2000;
    ct_board_layout(&board);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_board_free(&board);
    endwin();
    delscreen(scr);
    fclose(t_out);
    fclose(t_in);
    ct_store_free(store);
    return 0;
}

static void keys(const char *s)
{
    for (; *s; s++) ct_board_key(&board, (unsigned char)*s, NULL);
}

static char *screen(void)
{
    ct_board_draw(&board);
    return ct_board_screen_text();
}

static void golden(const char *name)
{
    char what[128];
    snprintf(what, sizeof what, "screen %s", name);
    fix_golden(__FILE__, name, what, screen());
}

static bool screen_has(const char *needle)
{
    char *s = screen();
    bool r = strstr(s, needle) != NULL;
    free(s);
    return r;
}

static void board_pickers(void **state)
{
    (void)state;
    ct_listmodel *lm = ct_list_pane_model(board.list);
    keys("A");
    assert_int_equal(board.n_modals, 1);
    golden("picker_assistant_80x24");
    keys("j\n"); /* asst-42 */
    assert_int_equal(board.n_modals, 0);
    assert_string_equal(lm->spec.assistant_id, "asst-42");
    assert_true(screen_has("Calls 3/5"));
    assert_true(screen_has("asst:asst-42"));
    /* the number picker narrows further; v keeps both */
    keys("N");
    keys("G\n"); /* +18005550199 */
    assert_string_equal(lm->spec.our_number, "+18005550199");
    assert_true(screen_has("Calls 3/5"));
    keys("v"); /* live */
    assert_true(screen_has("filter:live"));
    assert_true(screen_has("Calls 2/5")); /* CC-live-1 and the queued a12f9c88 */
    assert_string_equal(lm->spec.assistant_id, "asst-42");
    /* Esc cancels: nothing changes */
    keys("A");
    keys("g");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_int_equal(board.n_modals, 0);
    assert_string_equal(lm->spec.assistant_id, "asst-42");
    /* (any) clears */
    keys("Ag\n");
    keys("Ng\n");
    assert_string_equal(lm->spec.assistant_id, "");
    assert_string_equal(lm->spec.our_number, "");
    assert_false(screen_has("asst:"));
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(model_lists_seen_values),
        cmocka_unit_test(model_keys),
        cmocka_unit_test_setup_teardown(board_pickers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
