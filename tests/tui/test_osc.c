/* test_osc.c — the OSC 52 clipboard and OSC 8 hyperlink bytes: base64 with
 * padding, the tmux DCS passthrough (ESC doubled), sanitized URLs, and
 * nothing half-written when the buffer is short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../tui/osc.h"

static void osc52_plain_and_tmux(void **state)
{
    (void)state;
    char buf[256];
    size_t n = ct_osc52_encode("CC-1", false, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "\033]52;c;Q0MtMQ==\a");
    ct_osc52_encode("abc", false, buf, sizeof buf);
    assert_string_equal(buf, "\033]52;c;YWJj\a");
    ct_osc52_encode("ab", false, buf, sizeof buf);
    assert_string_equal(buf, "\033]52;c;YWI=\a");
    ct_osc52_encode("CC-1", true, buf, sizeof buf);
    assert_string_equal(buf, "\033Ptmux;\033\033]52;c;Q0MtMQ==\a\033\\");
    /* too small: nothing usable */
    assert_int_equal(ct_osc52_encode("CC-1", true, buf, 12), 0);
    assert_string_equal(buf, "");
}

static void osc8_sanitized(void **state)
{
    (void)state;
    char buf[256];
    ct_osc8_encode("https://r.example/a.mp3", buf, sizeof buf);
    assert_string_equal(buf, "\033]8;;https://r.example/a.mp3\033\\");
    ct_osc8_encode(NULL, buf, sizeof buf);
    assert_string_equal(buf, "\033]8;;\033\\");
    /* a control byte or ';' cannot end the sequence early */
    ct_osc8_encode("https://x/\033]0;pwn\a;y z", buf, sizeof buf);
    assert_string_equal(buf, "\033]8;;https://x/]0pwnyz\033\\");
    assert_int_equal(ct_osc8_encode("https://x", buf, 8), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(osc52_plain_and_tmux),
        cmocka_unit_test(osc8_sanitized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
