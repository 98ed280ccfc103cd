/* test_msglog.c — the message log ring (bounds, order, cleaning) and its
 * (the pane is tested in test_msglog_pane.c). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/msglog.h"

static void test_ring_bounds(void **st)
{
    (void)st;
    ct_msglog *log = ct_msglog_new(3);
    assert_non_null(log);
    assert_int_equal(ct_msglog_count(log), 0);
    assert_null(ct_msglog_at(log, 0));
    ct_msglog_add(log, CT_FLASH_INFO, 1000, "one");
    ct_msglog_add(log, CT_FLASH_WARN, 2000, "two");
    assert_int_equal(ct_msglog_count(log), 2);
    assert_string_equal(ct_msglog_at(log, 0)->text, "one");
    assert_string_equal(ct_msglog_at(log, 1)->text, "two");
    assert_int_equal(ct_msglog_at(log, 1)->level, CT_FLASH_WARN);
    assert_int_equal(ct_msglog_at(log, 1)->t, 2000);
    for (int i = 3; i <= 10; i++) ct_msglog_addf(log, CT_FLASH_ERROR, i * 1000, "line %d", i);
    assert_int_equal(ct_msglog_count(log), 3);
    assert_int_equal(ct_msglog_total(log), 10);
    assert_string_equal(ct_msglog_at(log, 0)->text, "line 8");
    assert_string_equal(ct_msglog_at(log, 2)->text, "line 10");
    assert_null(ct_msglog_at(log, 3));
    ct_msglog_free(log);
    ct_msglog_free(NULL);
}

static void test_default_cap(void **st)
{
    (void)st;
    ct_msglog *log = ct_msglog_new(0);
    for (int i = 0; i < CT_MSGLOG_DEFAULT_CAP + 5; i++)
        ct_msglog_addf(log, CT_FLASH_INFO, 1, "%d", i);
    assert_int_equal(ct_msglog_count(log), CT_MSGLOG_DEFAULT_CAP);
    assert_string_equal(ct_msglog_at(log, 0)->text, "5");
    ct_msglog_free(log);
}

static void test_cleaning(void **st)
{
    (void)st;
    ct_msglog *log = ct_msglog_new(4);
    ct_msglog_add(log, CT_FLASH_ERROR, 1, "422: bad\nnumber\x1b[31m red \xc2\x9b x");
    const char *t = ct_msglog_at(log, 0)->text;
    assert_null(strchr(t, '\n'));
    assert_null(strchr(t, '\x1b'));
    assert_null(strstr(t, "\xc2\x9b"));
    assert_string_equal(t, "422: bad number [31m red   x");
    ct_msglog_add(log, CT_FLASH_INFO, 1, "bad \xff byte \xe2\x80\xae rtl");
    assert_string_equal(ct_msglog_at(log, 1)->text, "bad ? byte  rtl");
    ct_msglog_add(log, CT_FLASH_INFO, 1, NULL);
    assert_string_equal(ct_msglog_at(log, 2)->text, "");
    /* a very long line is capped, at a character boundary */
    size_t big = 3 * CT_MSGLOG_LINE_MAX;
    char *s = malloc(big + 1);
    for (size_t i = 0; i < big; i += 3) memcpy(s + i, "\xe4\xb8\xad", 3);
    s[big] = '\0';
    ct_msglog_add(log, CT_FLASH_INFO, 1, s);
    const char *l = ct_msglog_at(log, 3)->text;
    assert_true(strlen(l) < CT_MSGLOG_LINE_MAX);
    assert_int_equal(strlen(l) % 3, 0);
    assert_int_equal(strncmp(l, "\xe4\xb8\xad", 3), 0);
    free(s);
    ct_msglog_free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_bounds),
        cmocka_unit_test(test_default_cap),
        cmocka_unit_test(test_cleaning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
