/* test_termnotify.c — terminal notification bytes (core/termnotify.c):
 * exact sequences plain and wrapped for tmux, hostile text that tries to end
 * or inject a sequence (BEL, ESC \, ST, C1 raw and as UTF-8, ';'), the
 * length cap on a character boundary, the setting's parser and the storm
 * gate (quiet period, rate limit, "+N more"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "calltop/termnotify.h"

static void assert_inert(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        assert_true(*p >= 0x20 && *p != 0x7f && *p != ';');
        if (*p == 0xC2) assert_true(p[1] >= 0xA0); /* no C1 as UTF-8 */
        if (*p >= 0x80 && *p <= 0x9f) {
            /* a continuation byte may be 0x80..0x9F, only after a lead byte */
            assert_true(p > (const unsigned char *)s && p[-1] >= 0xC2);
        }
    }
}

static void test_clean_hostile(void **state)
{
    (void)state;
    static const char *const evil[] = {
        "hi\x07there",
        "end\x1b\\ here",
        "st\x9c raw",
        "c1 \xc2\x9c utf8 \xc2\x9b"
        "31m",
        "\x1b]0;pwned\x07 title",
        "\x1b[2J clear",
        "semi;colon;777",
        "nul\x01\x02\x7f",
        "\x1bP+q\x1b\\ dcs",
        "\xe2\x80\xae bidi",
        "ok",
    };
    for (size_t i = 0; i < sizeof evil / sizeof *evil; i++) {
        char out[CT_NOTIFY_TEXT_MAX + 1];
        size_t n = ct_notify_clean(evil[i], out, sizeof out);
        assert_int_equal(n, strlen(out));
        assert_inert(out);
    }
    char out[CT_NOTIFY_TEXT_MAX + 1];
    ct_notify_clean("semi;colon", out, sizeof out);
    assert_string_equal(out, "semi,colon");
    ct_notify_clean("hi\x07there", out, sizeof out);
    assert_null(strchr(out, '\a'));
    /* non-ASCII is kept, and a long text is cut on a character boundary */
    char longer[400] = "";
    for (int i = 0; i < 60; i++) strcat(longer, "\xc3\xa9"); /* é x 60 = 120 bytes */
    size_t n = ct_notify_clean(longer, out, sizeof out);
    assert_true(n <= CT_NOTIFY_TEXT_MAX);
    assert_int_equal(n % 2, 0);
    assert_memory_equal(out, "\xc3\xa9\xc3\xa9", 4);
}

static void test_format_exact(void **state)
{
    (void)state;
    char out[512];
    size_t n = ct_notify_format(CT_NOTIFY_BELL | CT_NOTIFY_OSC9, false, "calltop", "hang", out,
                                sizeof out);
    assert_string_equal(out, "\a\x1b]9;calltop: hang\a");
    assert_int_equal(n, strlen(out));
    n = ct_notify_format(CT_NOTIFY_OSC777, false, "calltop", "x", out, sizeof out);
    assert_string_equal(out, "\x1b]777;notify;calltop;x\a");
    /* tmux: DCS passthrough, inner ESC doubled, the bell bare */
    n = ct_notify_format(CT_NOTIFY_BELL | CT_NOTIFY_OSC9, true, "calltop", "hang", out, sizeof out);
    assert_string_equal(out, "\a\x1bPtmux;\x1b\x1b]9;calltop: hang\a\x1b\\");
    /* nothing asked, nothing written; too small, nothing partial */
    assert_int_equal(ct_notify_format(CT_NOTIFY_TITLE, false, "a", "b", out, sizeof out), 0);
    assert_int_equal(ct_notify_format(CT_NOTIFY_OSC9, false, "calltop", "hang", out, 8), 0);
    assert_string_equal(out, "");
}

/* The whole sequence around hostile text: exactly one terminator each. */
static void test_format_hostile_body(void **state)
{
    (void)state;
    char out[1024];
    const char *body = "customer said \"agent\x07\x1b\\\x9c\xc2\x9c\x1b]0;owned\x07\"";
    size_t n = ct_notify_format(CT_NOTIFY_BELL | CT_NOTIFY_OSC9 | CT_NOTIFY_OSC777, true, "calltop",
                                body, out, sizeof out);
    assert_true(n > 0);
    size_t bel = 0, esc = 0;
    for (size_t i = 0; i < n; i++) {
        bel += out[i] == '\a';
        esc += out[i] == '\x1b';
        assert_true((unsigned char)out[i] != 0x9c && (unsigned char)out[i] != 0x9b);
    }
    /* the bell, and one BEL ending each OSC */
    assert_int_equal(bel, 3);
    /* per wrapped OSC: ESC P, the doubled ESC ESC ], ESC \ = 4 */
    assert_int_equal(esc, 8);
    assert_null(strstr(out, "owned\a"));
}

static void test_title(void **state)
{
    (void)state;
    char out[64];
    ct_notify_title(3, out, sizeof out);
    assert_string_equal(out, "\x1b]2;calltop (3!)\a");
    ct_notify_title(0, out, sizeof out);
    assert_string_equal(out, "\x1b]2;calltop\a");
}

static void test_parse(void **state)
{
    (void)state;
    unsigned m;
    ct_error err;
    assert_int_equal(ct_notify_parse("bell, osc9,TITLE", &m, &err), CT_OK);
    assert_int_equal(m, CT_NOTIFY_BELL | CT_NOTIFY_OSC9 | CT_NOTIFY_TITLE);
    assert_int_equal(ct_notify_parse("none", &m, &err), CT_OK);
    assert_int_equal(m, 0);
    assert_int_equal(ct_notify_parse("", &m, &err), CT_OK);
    assert_int_equal(m, 0);
    assert_int_equal(ct_notify_parse("bell,beep", &m, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "'beep'"));
}

static void test_gate(void **state)
{
    (void)state;
    ct_notify_gate g;
    unsigned held;
    ct_notify_gate_init(&g, 1000, 10000, 5000);
    assert_false(ct_notify_gate_pass(&g, 1000, &held)); /* quiet: history */
    assert_false(ct_notify_gate_pass(&g, 10999, &held));
    assert_int_equal(g.held, 0);                        /* not counted as held */
    assert_true(ct_notify_gate_pass(&g, 11000, &held)); /* quiet period over */
    assert_int_equal(held, 0);
    assert_false(ct_notify_gate_pass(&g, 12000, &held)); /* rate limit */
    assert_false(ct_notify_gate_pass(&g, 15999, &held));
    assert_true(ct_notify_gate_pass(&g, 16000, &held));
    assert_int_equal(held, 2); /* "+2 more" */
    assert_true(ct_notify_gate_pass(&g, 30000, &held));
    assert_int_equal(held, 0);
    /* the clock went back: not stalled for the jump */
    assert_true(ct_notify_gate_pass(&g, 20000, &held));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_hostile),
        cmocka_unit_test(test_format_exact),
        cmocka_unit_test(test_format_hostile_body),
        cmocka_unit_test(test_title),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_gate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
