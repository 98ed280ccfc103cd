/* test_sanitize.c — ct_sanitize / ct_sanitize_dup: escape sequences of
 * every family, C0/C1/DEL, bidi controls, invalid UTF-8 (one U+FFFD per
 * maximal invalid subsequence), the output cap, and a brute-force check
 * that the output is always valid UTF-8 free of controls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"
#include "calltop/sanitize.h"

#include "corpus_util.h"

#define FFFD "\xef\xbf\xbd"

static void check(const char *in, size_t len, bool nl, const char *want)
{
    char out[512];
    size_t n = ct_sanitize(in, len, out, sizeof out, nl);
    if (n != strlen(want) || strcmp(out, want) != 0)
        fail_msg("sanitize(%zu bytes) = \"%s\" (%zu), want \"%s\"", len, out, n, want);
}
#define CHECK(lit, want)    check(lit, sizeof(lit) - 1, false, want)
#define CHECK_NL(lit, want) check(lit, sizeof(lit) - 1, true, want)

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    CHECK("", "");
    CHECK("Hello, world!", "Hello, world!");
    CHECK("caf\xc3\xa9 \xe2\x80\x94 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80",
          "caf\xc3\xa9 \xe2\x80\x94 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80");
    /* boundaries of each length class are valid */
    CHECK("\xc2\xa0\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
          "\xc2\xa0\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf");
}

static void test_controls(void **state)
{
    (void)state;
    CHECK("a\tb", "a b");
    CHECK("a\nb", "a b");
    CHECK_NL("a\nb", "a\nb");
    CHECK_NL("a\r\nb", "a\nb");
    CHECK("a\rb\x7f"
          "c\x01\x02\x1f"
          "d\x07\x08",
          "abcd");
    check("a\0b", 3, false, "ab");                     /* an embedded NUL is a control too */
    CHECK("x\xc2\x80\xc2\x85\xc2\x9c\xc2\x8dy", "xy"); /* C1 as UTF-8 */
    CHECK("x\xc2\x9fy", "x"); /* U+009F APC opens a string: swallowed to the end */
}

static void test_escape_sequences(void **state)
{
    (void)state;
    CHECK("\x1b[31mred\x1b[0m", "red");
    CHECK("\x1b[2J\x1b[H\x1b[?1049h\x1b[38;5;196mX", "X");
    CHECK("a\x1b[1;2;3 qb", "ab");                                /* intermediate before final */
    CHECK("a\x1b[12", "a");                                       /* unterminated CSI at end */
    CHECK("a\x1b[12\xc3\xa9z", "a\xc3\xa9z");                     /* broken CSI: rest survives */
    CHECK("\x1b]0;pwned\x07title", "title");                      /* OSC ... BEL */
    CHECK("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "link"); /* OSC ... ST */
    CHECK("\x1b]52;c;aGk=\xc2\x9cok", "ok");                      /* OSC ... 8-bit ST */
    CHECK("a\x1b]0;never ends", "a");                             /* unterminated OSC */
    CHECK("\x1bPq#0;2;0;0;0\x1b\\after", "after");                /* DCS (sixel) */
    CHECK("\x1bXsos\x1b\\1\x1b^pm\x1b\\2\x1b_apc\x1b\\3", "123");
    CHECK("\x1b"
          "7saved\x1b"
          "8\x1b"
          "c\x1b(B\x1b)0\x1b#8x",
          "savedx"); /* 2-byte ESC */
    CHECK("end\x1b", "end");
    CHECK("\x1b\x1b[1mx", "x");
    CHECK("a\x1b\xc3\xa9", "a\xc3\xa9"); /* ESC + non-ASCII: drop ESC only */
    /* 8-bit C1 introducers encoded as UTF-8 */
    CHECK("\xc2\x9b"
          "31mred",
          "red"); /* CSI */
    CHECK("\xc2\x9d"
          "0;t\x07ok",
          "ok");                        /* OSC */
    CHECK("\xc2\x90q\xc2\x9cok", "ok"); /* DCS ... ST */
    CHECK("\xc2\x98s\x1b\\1\xc2\x9ep\x07"
          "2\xc2\x9f"
          "a\x07"
          "3",
          "123");
}

static void test_bidi(void **state)
{
    (void)state;
    CHECK("abc\xe2\x80\xae"
          "fdp.exe",
          "abcfdp.exe"); /* U+202E RLO */
    CHECK("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad|", "|");
    CHECK("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9|", "|"); /* isolates */
    CHECK("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c|", "|");                 /* LRM RLM ALM */
    CHECK("\xe2\x80\xa9|\xe2\x81\xaa", "\xe2\x80\xa9|\xe2\x81\xaa"); /* neighbours kept */
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    CHECK("\xff", FFFD);
    CHECK("a\x80"
          "b",
          "a" FFFD "b");          /* lone continuation */
    CHECK("\x80\x80", FFFD FFFD); /* each its own */
    CHECK("\xc0\xaf", FFFD FFFD); /* overlong lead C0 */
    CHECK("\xc1\xbf", FFFD FFFD);
    CHECK("\xe0\x80\xaf", FFFD FFFD FFFD);          /* overlong 3-byte */
    CHECK("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD); /* overlong 4-byte */
    CHECK("\xed\xa0\x80", FFFD FFFD FFFD);          /* surrogate U+D800 */
    CHECK("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* > U+10FFFF */
    CHECK("\xf5\x80", FFFD FFFD);
    CHECK("\xc3", FFFD);     /* truncated at end */
    CHECK("\xe2\x82", FFFD); /* maximal subpart: one */
    CHECK("\xe2\x82x", FFFD "x");
    CHECK("\xf0\x9f\x98", FFFD);
    CHECK("\xf0\x9f\x98"
          "a\xf0\x9f\x98\x80",
          FFFD "a\xf0\x9f\x98\x80");
    CHECK("\xe2\x28\xa1", FFFD "(" FFFD);
    CHECK("caf\xc3 \xff ok \x80 \xe2\x82", "caf" FFFD " " FFFD " ok " FFFD " " FFFD);
    /* raw 8-bit CSI byte is invalid UTF-8, not a control introducer */
    CHECK("\x9b"
          "31m",
          FFFD "31m");
}

static void test_cap(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(ct_sanitize("abcdefghij", 10, out, sizeof out, false), 7);
    assert_string_equal(out, "abcdefg");
    /* a 3-byte char that does not fit is not split */
    assert_int_equal(ct_sanitize("abcdef\xe2\x80\x94", 9, out, sizeof out, false), 6);
    assert_string_equal(out, "abcdef");
    assert_int_equal(ct_sanitize("abcde\xff", 6, out, 8, false), 5);
    assert_string_equal(out, "abcde");
    assert_int_equal(ct_sanitize("abcd\xff", 5, out, 8, false), 7);
    assert_string_equal(out, "abcd" FFFD);
    assert_int_equal(ct_sanitize("\xf0\x9f\x98\x80", 4, out, 4, false), 0);
    assert_string_equal(out, "");
    assert_int_equal(ct_sanitize("xy", 2, out, 1, false), 0);
    assert_string_equal(out, "");
    out[0] = 'Q';
    assert_int_equal(ct_sanitize("xy", 2, out, 0, false), 0);
    assert_int_equal(out[0], 'Q'); /* cap 0 writes nothing */
    assert_int_equal(ct_sanitize(NULL, 5, out, sizeof out, false), 0);
    assert_string_equal(out, "");
    /* only in_len bytes are read */
    assert_int_equal(ct_sanitize("abc", 2, out, sizeof out, false), 2);
    assert_string_equal(out, "ab");
}

static void test_dup(void **state)
{
    (void)state;
    char *s = ct_sanitize_dup(NULL, false);
    assert_string_equal(s, "");
    free(s);
    s = ct_sanitize_dup("\x1b[31m\xff\xff\xff\xff", false);
    assert_string_equal(s, FFFD FFFD FFFD FFFD);
    free(s);
    s = ct_sanitize_dup("line1\nline2", true);
    assert_string_equal(s, "line1\nline2");
    free(s);
}

/* The transcript corpus: decoded verbatim by the model, clean after this. */
static void test_corpus_transcript(void **state)
{
    (void)state;
    size_t len;
    char *buf = corpus_load("bad/escapes_in_transcript.json", &len);
    ct_call c;
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_call_decode(buf, len, &c, &err), CT_OK);
    free(buf);
    char *a = ct_sanitize_dup(c.messages[0].text, false);
    char *b = ct_sanitize_dup(c.messages[1].text, true);
    assert_string_equal(a, "red c1evil");
    assert_string_equal(b, "line1\nline2 tabcrdel");
    free(a);
    free(b);
    ct_call_clear(&c);
}

/* Independent validity check: strict UTF-8, no C0 except \n, no DEL, no
 * C1, no bidi controls. */
static int output_ok(const unsigned char *s, size_t n, bool nl)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(nl && c == '\n')) || c == 0x7f) return 0;
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0xc2 || c > 0xf4 || i + len > n) return 0;
        uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
            cp == 0x200f || cp == 0x61c)
            return 0;
        i += len;
    }
    return 1;
}

static void test_random_inputs_give_clean_output(void **state)
{
    (void)state;
    /* deterministic xorshift; inputs biased toward the interesting bytes */
    static const unsigned char alphabet[] = {
        0x1b, '[',  ']',  'P',  '\\', 0x07, 'm',  ';',  '1',  'a',  '\n', '\t', 0x7f, 0x80, 0x9b,
        0x9c, 0xc2, 0xe2, 0x80, 0xae, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0xbf, 0xff, 0xc0, 0xe0, 0x00};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    unsigned char in[64];
    char out[256];
    for (int round = 0; round < 200000; round++) {
        size_t n = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = (size_t)(x % sizeof in);
        for (n = 0; n < len; n++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            in[n] = (x >> 8) % 3 ? alphabet[x % sizeof alphabet] : (unsigned char)(x >> 16);
        }
        bool nl = round & 1;
        size_t cap = 1 + (size_t)(x >> 40) % sizeof out;
        size_t got = ct_sanitize((const char *)in, len, out, cap, nl);
        assert_true(got < cap);
        assert_int_equal(out[got], '\0');
        assert_int_equal(strlen(out), got);
        if (!output_ok((const unsigned char *)out, got, nl))
            fail_msg("round %d produced invalid output", round);
    }
}

static void test_utf8_repair(void **state)
{
    (void)state;
    size_t n = 0, rep = 0;
    /* valid text: nothing allocated, nothing counted */
    assert_null(ct_utf8_repair("caf\xc3\xa9 \xe2\x82\xac", 9, &n, &rep));
    assert_int_equal(rep, 0);
    /* lone continuation, truncated lead, overlong, surrogate, > U+10FFFF */
    const char *bad = "a\x80"
                      "b\xc3"
                      "c\xc0\xaf"
                      "d\xed\xa0\x80"
                      "e\xf4\x90\x80\x80"
                      "f";
    char *out = ct_utf8_repair(bad, strlen(bad), &n, &rep);
    assert_non_null(out);
    assert_int_equal(n, strlen(out));
    assert_string_equal(out,
                        "a\xEF\xBF\xBD"
                        "b\xEF\xBF\xBD"
                        "c\xEF\xBF\xBD\xEF\xBF\xBD"
                        "d\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "e\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "f");
    assert_int_equal(rep, 11);
    /* the result is valid: repairing it again changes nothing */
    size_t rep2 = 1;
    assert_null(ct_utf8_repair(out, n, NULL, &rep2));
    assert_int_equal(rep2, 0);
    free(out);
}

static void test_escape_field(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(ct_escape_field("CC-1_ok.x", buf, sizeof buf), "CC-1_ok.x");
    assert_string_equal(ct_escape_field(NULL, buf, sizeof buf), "-");
    assert_string_equal(ct_escape_field("a b\nc=\x1b\\\"", buf, sizeof buf),
                        "a\\x20b\\x0Ac\\x3D\\x1B\\x5C\\x22");
    /* truncation never splits an escape */
    char small[6];
    assert_string_equal(ct_escape_field("ab\ncd", small, sizeof small), "ab");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_repair),
        cmocka_unit_test(test_escape_field),
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_controls),
        cmocka_unit_test(test_escape_sequences),
        cmocka_unit_test(test_bidi),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_dup),
        cmocka_unit_test(test_corpus_transcript),
        cmocka_unit_test(test_random_inputs_give_clean_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
