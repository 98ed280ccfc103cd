/* test_theme.c — the theme table and status glyphs: every role has a row,
 * monochrome stays readable (urgent roles are never plain), glyphs are one
 * column in UTF-8 and ASCII, calls map to the right glyph/role/word, and
 * colour mode adds colour pairs on a colour terminal. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/text.h"
#include "../../tui/theme.h"

static void test_table(void **st)
{
    (void)st;
    size_t n;
    const ct_theme_entry *t = ct_theme_table(&n);
    assert_int_equal(n, CT_TH__COUNT);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(t[i].role, (ct_theme_role)i);
        assert_non_null(t[i].name);
        for (size_t j = 0; j < i; j++) assert_string_not_equal(t[i].name, t[j].name);
    }
    /* monochrome: what must stand out does */
    ct_theme_init(false, false);
    assert_false(ct_theme_is_color());
    ct_theme_role loud[] = {CT_TH_SELECTED,    CT_TH_ERROR,        CT_TH_LIVE,        CT_TH_FAILED,
                            CT_TH_FIELD_FOCUS, CT_TH_BUTTON_FOCUS, CT_TH_DESTRUCTIVE, CT_TH_HANG,
                            CT_TH_STATUSBAR,   CT_TH_HEADER};
    for (size_t i = 0; i < sizeof loud / sizeof *loud; i++)
        assert_int_not_equal(ct_theme_attr(loud[i]), A_NORMAL);
    assert_int_equal(ct_theme_attr(CT_TH_SELECTED) & A_REVERSE, A_REVERSE);
    assert_int_equal(ct_theme_attr(CT_TH_NORMAL), A_NORMAL);
    /* out of range is safe */
    assert_int_equal(ct_theme_attr((ct_theme_role)999), A_NORMAL);
}

/* Readable on a black background (the common dark terminal) and on a
 * light one: no role draws in blue or black over the terminal's default
 * background (blue on black was unreadable for the "dim" detail fields and
 * form hints), a role never has the same foreground and background, and
 * nothing is invisible in monochrome. */
static void test_readable(void **st)
{
    (void)st;
    size_t n;
    const ct_theme_entry *t = ct_theme_table(&n);
    for (size_t i = 0; i < n; i++) {
        bool default_bg = t[i].bg < 0;
        if (default_bg) {
            assert_int_not_equal(t[i].fg, COLOR_BLUE);
            assert_int_not_equal(t[i].fg, COLOR_BLACK);
        }
        if (t[i].fg >= 0 || t[i].bg >= 0) assert_int_not_equal(t[i].fg, t[i].bg);
        /* bold black is drawn dark grey by most terminals: grey on cyan or
         * yellow was hard to read (the focused dialog button) */
        if (t[i].fg == COLOR_BLACK) assert_int_equal(t[i].color_attr & A_BOLD, 0);
        assert_int_equal(t[i].mono_attr & A_INVIS, 0);
        assert_int_equal(t[i].color_attr & A_INVIS, 0);
    }
    /* secondary text is the default colour made faint, in both modes */
    assert_int_equal(t[CT_TH_DIM].fg, -1);
    assert_int_equal(t[CT_TH_DIM].color_attr & A_DIM, A_DIM);
    assert_int_equal(t[CT_TH_DIM].mono_attr & A_DIM, A_DIM);
}

static void test_glyphs(void **st)
{
    (void)st;
    setlocale(LC_ALL, "C.UTF-8");
    for (int utf8 = 0; utf8 <= 1; utf8++) {
        ct_theme_init(false, utf8);
        for (int k = 0; k < CT_GLYPH__COUNT; k++) {
            const char *g = ct_theme_glyph((ct_glyph_kind)k);
            assert_int_equal(ct_text_width(g), 1);
            if (!utf8) assert_int_equal(strlen(g), 1);
            for (int j = 0; j < k; j++)
                assert_string_not_equal(g, ct_theme_glyph((ct_glyph_kind)j));
        }
    }
    ct_theme_init(false, true);
    assert_string_equal(ct_theme_glyph(CT_GLYPH_LIVE), "\xE2\x97\x8F");
    assert_string_equal(ct_theme_glyph(CT_GLYPH_FORWARDED), "\xE2\x86\xAA");
    ct_theme_init(false, false);
    assert_string_equal(ct_theme_glyph(CT_GLYPH_LIVE), "*");
    assert_string_equal(ct_theme_glyph(CT_GLYPH_FAILED), "x");
}

static ct_call call(ct_status s, ct_phone_status ps, const char *status_text)
{
    ct_call c;
    memset(&c, 0, sizeof c);
    c.status = s;
    c.phone_status = ps;
    c.status_text = (char *)status_text;
    return c;
}

static void test_call_mapping(void **st)
{
    (void)st;
    struct {
        ct_status s;
        ct_phone_status ps;
        const char *raw;
        ct_glyph_kind g;
        ct_theme_role r;
        const char *w;
    } cases[] = {
        {CT_STATUS_ONGOING, CT_PHONE_IN_PROGRESS, NULL, CT_GLYPH_LIVE, CT_TH_LIVE, "live"},
        {CT_STATUS_ONGOING, CT_PHONE_RINGING, NULL, CT_GLYPH_RINGING, CT_TH_QUEUED, "ringing"},
        {CT_STATUS_QUEUED, CT_PHONE_NONE, NULL, CT_GLYPH_QUEUED, CT_TH_QUEUED, "queued"},
        {CT_STATUS_FORWARDED, CT_PHONE_IN_PROGRESS, NULL, CT_GLYPH_FORWARDED, CT_TH_FORWARDED,
         "fwd"},
        {CT_STATUS_FINISHED, CT_PHONE_COMPLETED, NULL, CT_GLYPH_FINISHED, CT_TH_FINISHED, "done"},
        {CT_STATUS_FINISHED, CT_PHONE_BUSY, NULL, CT_GLYPH_FAILED, CT_TH_FAILED, "failed"},
        {CT_STATUS_NONE, CT_PHONE_NO_ANSWER, NULL, CT_GLYPH_FAILED, CT_TH_FAILED, "failed"},
        {CT_STATUS_NONE, CT_PHONE_TRYING, NULL, CT_GLYPH_RINGING, CT_TH_QUEUED, "ringing"},
        {CT_STATUS_OTHER, CT_PHONE_NONE, "paused", CT_GLYPH_UNKNOWN, CT_TH_NORMAL, "paused"},
        {CT_STATUS_NONE, CT_PHONE_NONE, NULL, CT_GLYPH_UNKNOWN, CT_TH_NORMAL, "?"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ct_call c = call(cases[i].s, cases[i].ps, cases[i].raw);
        assert_int_equal(ct_theme_call_glyph_kind(&c), cases[i].g);
        assert_int_equal(ct_theme_call_role(&c), cases[i].r);
        assert_string_equal(ct_theme_call_word(&c), cases[i].w);
    }
    assert_int_equal(ct_theme_call_glyph_kind(NULL), CT_GLYPH_UNKNOWN);
}

static void test_color_mode(void **st)
{
    (void)st;
    setenv("TERM", "xterm-256color", 1);
    FILE *o = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *s = newterm(NULL, o, in);
    assert_non_null(s);
    ct_theme_init(true, true);
    assert_true(ct_theme_is_color());
    assert_true(ct_theme_is_utf8());
    assert_int_equal(PAIR_NUMBER(ct_theme_attr(CT_TH_ERROR)), CT_TH_ERROR + 1);
    short fg, bg;
    pair_content((short)(CT_TH_ERROR + 1), &fg, &bg);
    assert_int_equal(fg, COLOR_WHITE);
    assert_int_equal(bg, COLOR_RED);
    /* --no-color on the same terminal: no pairs at all */
    ct_theme_init(false, true);
    assert_int_equal(PAIR_NUMBER(ct_theme_attr(CT_TH_ERROR)), 0);
    endwin();
    delscreen(s);
    fclose(o);
    fclose(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),      cmocka_unit_test(test_readable),
        cmocka_unit_test(test_glyphs),     cmocka_unit_test(test_call_mapping),
        cmocka_unit_test(test_color_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
