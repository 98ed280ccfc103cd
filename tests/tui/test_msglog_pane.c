/* test_msglog_pane.c — the message log pane drawn into an off-screen
 * ncurses terminal (newterm on /dev/null, fixed 80x24), read back with
 * winnstr; and the flash -> log hook. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/msglog.h"

static void test_hook(void **st)
{
    (void)st;
    ct_msglog *log = ct_msglog_new(8);
    ct_ui_ctx ctx;
    ct_ui_ctx_init(&ctx);
    ctx.log_hook = ct_msglog_hook;
    ctx.log_ud = log;
    ctx.now = 5000;
    ct_ui_flash(&ctx, CT_FLASH_ERROR, "end failed: %s", "404");
    assert_int_equal(ct_msglog_count(log), 1);
    assert_string_equal(ct_msglog_at(log, 0)->text, "end failed: 404");
    assert_int_equal(ct_msglog_at(log, 0)->level, CT_FLASH_ERROR);
    assert_int_equal(ct_msglog_at(log, 0)->t, 5000);
    assert_string_equal(ct_msglog_level_name(CT_FLASH_WARN), "warn");
    ct_msglog_free(log);
}

/* ---- the pane in an off-screen terminal ---------------------------------- */
static SCREEN *scr;
static FILE *scr_out, *scr_in;

static int term_setup(void **st)
{
    (void)st;
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TERM", "xterm-256color", 1);
    setenv("LINES", "24", 1);
    setenv("COLUMNS", "80", 1);
    setenv("TZ", "UTC", 1);
    scr_out = fopen("/dev/null", "w");
    scr_in = fopen("/dev/null", "r");
    scr = newterm(NULL, scr_out, scr_in);
    return scr ? 0 : -1;
}

static int term_teardown(void **st)
{
    (void)st;
    endwin();
    delscreen(scr);
    fclose(scr_out);
    fclose(scr_in);
    return 0;
}

static const char *row(WINDOW *w, int y)
{
    static char buf[256];
    mvwinnstr(w, y, 0, buf, (int)sizeof buf - 1); /* n counts bytes */
    return buf;
}

static bool any_row_has(WINDOW *w, const char *needle)
{
    for (int y = 0; y < getmaxy(w); y++)
        if (strstr(row(w, y), needle)) return true;
    return false;
}

static void test_pane(void **st)
{
    (void)st;
    ct_msglog *log = ct_msglog_new(100);
    for (int i = 1; i <= 30; i++)
        ct_msglog_addf(log, i == 30 ? CT_FLASH_ERROR : CT_FLASH_INFO, 1000LL * i, "message %d", i);
    ct_pane *p = ct_msglog_pane_new(log);
    assert_non_null(p);
    assert_true(p->modal);
    ct_ui_ctx ctx;
    ct_ui_ctx_init(&ctx);
    ct_pane_resize(p, 0, 0, 12, 60);
    ct_pane_draw(p, &ctx);
    /* 12 rows: border, 9 content rows, hint, border -> messages 22..30 */
    assert_non_null(strstr(row(p->win, 1), "message 22"));
    assert_non_null(strstr(row(p->win, 9), "00:00:30 error message 30"));
    assert_false(any_row_has(p->win, "message 21"));
    /* scroll up one line, then to the top, then back to the tail */
    assert_true(ct_pane_key(p, &ctx, 'k', NULL) & CT_FX_REDRAW);
    ct_pane_draw(p, &ctx);
    assert_non_null(strstr(row(p->win, 1), "message 21"));
    assert_non_null(strstr(row(p->win, 9), "message 29"));
    ct_pane_key(p, &ctx, 'g', NULL);
    ct_pane_draw(p, &ctx);
    assert_non_null(strstr(row(p->win, 1), "message 1 "));
    ct_pane_key(p, &ctx, 'G', NULL);
    ct_pane_draw(p, &ctx);
    assert_non_null(strstr(row(p->win, 9), "message 30"));
    /* a long line wraps under the prefix column */
    ct_msglog_add(log, CT_FLASH_WARN, 31000,
                  "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll");
    ct_pane_draw(p, &ctx);
    assert_non_null(strstr(row(p->win, 8), "00:00:31 warn  aaaa"));
    assert_non_null(strstr(row(p->win, 9), "               "));
    assert_non_null(strstr(row(p->win, 9), "llll"));
    /* tiny sizes must not crash */
    ct_pane_resize(p, 0, 0, 1, 1);
    ct_pane_draw(p, &ctx);
    ct_pane_resize(p, 0, 0, 3, 5);
    ct_pane_draw(p, &ctx);
    /* other keys are swallowed (modal); Esc closes */
    assert_int_equal(ct_pane_key(p, &ctx, 'e', NULL), CT_FX_HANDLED);
    assert_true(ct_pane_key(p, &ctx, CT_KEY_ESC, NULL) & CT_FX_CLOSE);
    assert_true(ct_pane_key(p, &ctx, 'L', NULL) & CT_FX_CLOSE);
    ct_pane_free(p);
    ct_msglog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hook),
        cmocka_unit_test_setup_teardown(test_pane, term_setup, term_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
