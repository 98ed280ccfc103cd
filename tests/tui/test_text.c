/* test_text.c — display widths, truncation, padding, wrapping and the
 * duration / age / clock formatters (tui/text.c). Runs in C.UTF-8 so
 * wcwidth() knows CJK and combining marks. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../../tui/text.h"

#define CJK     "\xE4\xB8\xAD\xE6\x96\x87" /* 中文: 2 chars, 4 columns */
#define E_ACUTE "e\xCC\x81"                /* e + U+0301 combining acute */
#define EMOJI   "\xF0\x9F\x98\x80"         /* U+1F600, 2 columns */
#define ELL     "\xE2\x80\xA6"

static int setup(void **st)
{
    (void)st;
    if (!setlocale(LC_ALL, "C.UTF-8")) return -1;
    return 0;
}

static void test_utf8_decode(void **st)
{
    (void)st;
    uint32_t cp;
    assert_int_equal(ct_utf8_next("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(ct_utf8_next(CJK, 6, &cp), 3);
    assert_int_equal(cp, 0x4E2D);
    assert_int_equal(ct_utf8_next(EMOJI, 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* truncated, overlong, surrogate, stray continuation: one byte, U+FFFD */
    assert_int_equal(ct_utf8_next("\xE4\xB8", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(ct_utf8_next("\xC0\xAF", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(ct_utf8_next("\xED\xA0\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(ct_utf8_next("\x80", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    char buf[4];
    assert_int_equal(ct_utf8_encode(0x1F600, buf), 4);
    assert_memory_equal(buf, EMOJI, 4);
    assert_int_equal(ct_utf8_encode(0xD800, buf), 0);
}

static void test_width(void **st)
{
    (void)st;
    assert_true(ct_locale_is_utf8());
    assert_int_equal(ct_text_width(""), 0);
    assert_int_equal(ct_text_width(NULL), 0);
    assert_int_equal(ct_text_width("hello"), 5);
    assert_int_equal(ct_text_width(CJK), 4);
    assert_int_equal(ct_text_width(E_ACUTE), 1);
    assert_int_equal(ct_text_width(EMOJI), 2);
    assert_int_equal(ct_text_width("a" CJK E_ACUTE EMOJI), 1 + 4 + 1 + 2);
    /* U+FFFD (what the sanitizer leaves for bad bytes) is one column, and a
     * raw bad byte is counted the same way */
    assert_int_equal(ct_text_width("\xEF\xBF\xBD"), 1);
    assert_int_equal(ct_text_width("a\xFF"
                                   "b"),
                     3);
}

static void test_truncate(void **st)
{
    (void)st;
    char out[64];
    assert_int_equal(ct_text_truncate("hello", 10, out, sizeof out), 5);
    assert_string_equal(out, "hello");
    assert_int_equal(ct_text_truncate("hello", 5, out, sizeof out), 5);
    assert_string_equal(out, "hello");
    assert_int_equal(ct_text_truncate("hello world", 5, out, sizeof out), 5);
    assert_string_equal(out, "hell" ELL);
    assert_int_equal(ct_text_truncate("hello", 0, out, sizeof out), 0);
    assert_string_equal(out, "");
    /* a wide char never straddles the limit: 中文 in 3 columns is 中… */
    assert_int_equal(ct_text_truncate(CJK "x", 3, out, sizeof out), 3);
    assert_string_equal(out, "\xE4\xB8\xAD" ELL);
    /* 2 columns: 中 does not leave room for the ellipsis, so "…" alone */
    assert_int_equal(ct_text_truncate(CJK, 2, out, sizeof out), 1);
    assert_string_equal(out, ELL);
    /* a combining mark stays with its base */
    assert_int_equal(ct_text_truncate(E_ACUTE E_ACUTE E_ACUTE, 2, out, sizeof out), 2);
    assert_string_equal(out, E_ACUTE ELL);
    assert_int_equal(ct_text_truncate("ab" E_ACUTE, 3, out, sizeof out), 3);
    assert_string_equal(out, "ab" E_ACUTE);
    /* emoji */
    assert_int_equal(ct_text_truncate("a" EMOJI EMOJI, 4, out, sizeof out), 4);
    assert_string_equal(out, "a" EMOJI ELL);
    /* a tiny buffer never splits a character */
    char tiny[3];
    ct_text_truncate(CJK, 10, tiny, sizeof tiny);
    assert_string_equal(tiny, "");
}

static void test_pad(void **st)
{
    (void)st;
    char out[64];
    assert_int_equal(ct_text_pad("ab", 5, CT_ALIGN_LEFT, out, sizeof out), 5);
    assert_string_equal(out, "ab   ");
    assert_int_equal(ct_text_pad("ab", 5, CT_ALIGN_RIGHT, out, sizeof out), 5);
    assert_string_equal(out, "   ab");
    assert_int_equal(ct_text_pad(CJK, 5, CT_ALIGN_LEFT, out, sizeof out), 5);
    assert_string_equal(out, CJK " ");
    assert_int_equal(ct_text_pad("abcdefgh", 4, CT_ALIGN_LEFT, out, sizeof out), 4);
    assert_string_equal(out, "abc" ELL);
    assert_int_equal(ct_text_pad(NULL, 3, CT_ALIGN_LEFT, out, sizeof out), 3);
    assert_string_equal(out, "   ");
    /* wide char that does not fit the last column: padded with a space */
    assert_int_equal(ct_text_pad("a" CJK, 4, CT_ALIGN_LEFT, out, sizeof out), 4);
    assert_string_equal(out,
                        "a"
                        "\xE4\xB8\xAD" ELL);
}

/* Wraps and returns the lines joined by '|'. */
static const char *wrap(const char *s, int cols)
{
    static char res[512];
    ct_span sp[32];
    size_t n = ct_text_wrap(s, cols, sp, 32);
    assert_true(n <= 32);
    assert_int_equal(ct_text_wrap(s, cols, NULL, 0), n);
    res[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(res, "|");
        strncat(res, s + sp[i].off, sp[i].len);
        assert_true(sp[i].width <= cols || sp[i].len <= 4); /* only one char may overflow */
        assert_int_equal(sp[i].width, ct_text_width_n(s + sp[i].off, sp[i].len));
    }
    return res;
}

static void test_wrap(void **st)
{
    (void)st;
    assert_string_equal(wrap("", 10), "");
    assert_string_equal(wrap("hello world", 20), "hello world");
    assert_string_equal(wrap("hello world", 5), "hello|world");
    assert_string_equal(wrap("hello world", 8), "hello|world");
    assert_string_equal(wrap("the quick brown fox", 10), "the quick|brown fox");
    /* long words split at character boundaries */
    assert_string_equal(wrap("abcdefghij", 4), "abcd|efgh|ij");
    assert_string_equal(wrap("ab cdefghijkl", 4), "ab|cdef|ghij|kl");
    /* hard newlines */
    assert_string_equal(wrap("a\nb", 10), "a|b");
    assert_string_equal(wrap("a\n\nb", 10), "a||b");
    assert_string_equal(wrap("a\n", 10), "a|");
    /* CJK: 4 columns per 2 chars; a wide char never straddles the edge */
    assert_string_equal(wrap(CJK CJK, 4), CJK "|" CJK);
    assert_string_equal(wrap(CJK CJK, 5), CJK "|" CJK);
    assert_string_equal(wrap("a" CJK CJK, 5), "a" CJK "|" CJK);
    assert_string_equal(wrap(CJK, 3), "\xE4\xB8\xAD|\xE6\x96\x87");
    /* a width-2 char in a 1-column box still makes progress */
    assert_string_equal(wrap(CJK, 1), "\xE4\xB8\xAD|\xE6\x96\x87");
    /* combining marks stay with their base */
    assert_string_equal(wrap(E_ACUTE E_ACUTE E_ACUTE, 2), E_ACUTE E_ACUTE "|" E_ACUTE);
    /* emoji */
    assert_string_equal(wrap("hi " EMOJI EMOJI, 4), "hi|" EMOJI EMOJI);
    /* cols < 1 is treated as 1 */
    assert_string_equal(wrap("ab", 0), "a|b");
}

static void test_wrap_many_lines(void **st)
{
    (void)st;
    char big[2001];
    memset(big, 'x', 2000);
    big[2000] = '\0';
    assert_int_equal(ct_text_wrap(big, 10, NULL, 0), 200);
    ct_span sp[3];
    assert_int_equal(ct_text_wrap(big, 10, sp, 3), 200);
    assert_int_equal(sp[2].off, 20);
    assert_int_equal(sp[2].len, 10);
}

static void test_formats(void **st)
{
    (void)st;
    char b[32];
    ct_fmt_duration(0, b, sizeof b);
    assert_string_equal(b, "0:00");
    ct_fmt_duration(245000, b, sizeof b);
    assert_string_equal(b, "4:05");
    ct_fmt_duration(245999, b, sizeof b);
    assert_string_equal(b, "4:05");
    ct_fmt_duration(3723000, b, sizeof b);
    assert_string_equal(b, "1:02:03");
    ct_fmt_duration(100 * 3600000LL, b, sizeof b);
    assert_string_equal(b, "100:00:00");
    ct_fmt_duration(-5, b, sizeof b);
    assert_string_equal(b, "0:00");
    ct_fmt_age(12000, b, sizeof b);
    assert_string_equal(b, "12s");
    ct_fmt_age(59999, b, sizeof b);
    assert_string_equal(b, "59s");
    ct_fmt_age(180000, b, sizeof b);
    assert_string_equal(b, "3m");
    ct_fmt_age(7200000, b, sizeof b);
    assert_string_equal(b, "2h");
    ct_fmt_age(3 * 86400000LL, b, sizeof b);
    assert_string_equal(b, "3d");
    ct_fmt_age(-1000, b, sizeof b);
    assert_string_equal(b, "0s");
    setenv("TZ", "UTC", 1);
    tzset();
    ct_fmt_clock(1601856189000LL, b, sizeof b);
    assert_string_equal(b, "00:03:09");
    ct_fmt_clock(0, b, sizeof b);
    assert_string_equal(b, "--:--:--");
    ct_fmt_datetime(1601856189000LL, b, sizeof b);
    assert_string_equal(b, "2020-10-05 00:03:09");
    assert_true(ct_now_ms() > 1600000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode), cmocka_unit_test(test_width),
        cmocka_unit_test(test_truncate),    cmocka_unit_test(test_pad),
        cmocka_unit_test(test_wrap),        cmocka_unit_test(test_wrap_many_lines),
        cmocka_unit_test(test_formats),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
