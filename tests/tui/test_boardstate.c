/* test_boardstate.c — the remembered board state's text form (issue 15
 * item 4): round trip, defaults, and every way a file can be wrong giving
 * defaults plus a message naming the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../../tui/boardstate.h"
#include "../../tui/boardstate_file.h"

static void round_trip(void **state)
{
    (void)state;
    ct_board_state s, back;
    ct_board_state_defaults(&s);
    s.sort = CT_SORT_DURATION;
    s.descending = false;
    s.filter_step = 1;
    s.tiled = true;
    s.arrangement = CT_TILES_GRID;
    snprintf(s.pins[0], CT_CALL_ID_BUF, "CC-1");
    snprintf(s.pins[1], CT_CALL_ID_BUF, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    s.n_pins = 2;
    snprintf(s.assistant_id, sizeof s.assistant_id, "asst-42");
    snprintf(s.our_number, sizeof s.our_number, "+14155550100");
    char buf[4096];
    size_t n = ct_board_state_encode(&s, buf, sizeof buf);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "assistant=asst-42\nnumber=+14155550100\n"));
    assert_non_null(strstr(buf, "sort=duration\n"));
    assert_non_null(strstr(buf, "filter=live\n"));
    assert_non_null(strstr(buf, "view=tiles-grid\n"));
    assert_non_null(strstr(buf, "pin=CC-1\npin=a12f9c88"));
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_board_state_decode(buf, n, &back, &err), CT_OK);
    assert_int_equal(back.sort, CT_SORT_DURATION);
    assert_false(back.descending);
    assert_int_equal(back.filter_step, 1);
    assert_true(back.tiled);
    assert_int_equal(back.arrangement, CT_TILES_GRID);
    assert_int_equal(back.n_pins, 2);
    assert_string_equal(back.pins[1], "a12f9c88-c155-461f-9771-4d240cdc9a04");
    assert_string_equal(back.assistant_id, "asst-42");
    assert_string_equal(back.our_number, "+14155550100");
    /* the board view, every arrangement */
    for (int a = -1; a < CT_TILES__ARR_COUNT; a++) {
        s.tiled = a >= 0;
        s.arrangement = a >= 0 ? (ct_tiles_arrangement)a : CT_TILES_SIDE;
        n = ct_board_state_encode(&s, buf, sizeof buf);
        assert_int_equal(ct_board_state_decode(buf, n, &back, &err), CT_OK);
        assert_int_equal(back.tiled, s.tiled);
        assert_int_equal(back.arrangement, s.arrangement);
    }
    /* too small a buffer: 0, not a cut file */
    assert_int_equal(ct_board_state_encode(&s, buf, 40), 0);
}

static void pins_that_cannot_be_lines(void **state)
{
    (void)state;
    ct_board_state s, back;
    ct_board_state_defaults(&s);
    snprintf(s.pins[0], CT_CALL_ID_BUF, "bad\nsort=customer");
    snprintf(s.pins[1], CT_CALL_ID_BUF, "good");
    s.n_pins = 2;
    char buf[4096];
    size_t n = ct_board_state_encode(&s, buf, sizeof buf);
    ct_error err;
    assert_int_equal(ct_board_state_decode(buf, n, &back, &err), CT_OK);
    assert_int_equal(back.n_pins, 1);
    assert_string_equal(back.pins[0], "good");
    assert_int_equal(back.sort, CT_SORT_START); /* the id did not inject a line */
}

static void tolerant_parts(void **state)
{
    (void)state;
    /* comments, blank lines, CRLF, unknown keys and repeated pins are fine */
    const char *t = "# hi\r\nversion=1\r\n\r\nfuture=thing\r\nsort=customer\r\npin=A\r\npin=A\r\n";
    ct_board_state s;
    ct_error err;
    assert_int_equal(ct_board_state_decode(t, strlen(t), &s, &err), CT_OK);
    assert_int_equal(s.sort, CT_SORT_CUSTOMER);
    assert_true(s.descending); /* not in the file: the default */
    assert_int_equal(s.n_pins, 1);
}

static void expect_bad(const char *text, size_t len, const char *msg)
{
    ct_board_state s;
    ct_error err;
    ct_error_clear(&err);
    s.sort = CT_SORT_PHONE_STATUS; /* must be reset to the defaults */
    s.n_pins = 5;
    assert_int_equal(ct_board_state_decode(text, len, &s, &err), CT_ECONFIG);
    if (!strstr(err.detail, msg)) fail_msg("detail '%s' lacks '%s'", err.detail, msg);
    assert_int_equal(s.sort, CT_SORT_START);
    assert_int_equal(s.n_pins, 0);
    assert_false(s.tiled);
}

static void corrupt_files(void **state)
{
    (void)state;
    const char *t;
    t = "version=1\nsort=sideways\n";
    expect_bad(t, strlen(t), "line 2: unknown sort 'sideways'");
    t = "version=1\nfilter=nope\n";
    expect_bad(t, strlen(t), "line 2: unknown filter");
    t = "version=1\nview=tiles-diagonal\n";
    expect_bad(t, strlen(t), "line 2: unknown view");
    t = "version=1\ndescending=yes\n";
    expect_bad(t, strlen(t), "line 2: descending must be 0 or 1");
    t = "version=2\n";
    expect_bad(t, strlen(t), "line 1: version 2");
    t = "sort=start\n";
    expect_bad(t, strlen(t), "no version line");
    expect_bad("", 0, "no version line");
    t = "version=1\njust words\n";
    expect_bad(t, strlen(t), "line 2: expected key=value");
    t = "version=1\npin=\n";
    expect_bad(t, strlen(t), "line 2: a pinned call id");
    char many[1024] = "version=1\n";
    for (int i = 0; i <= CT_TILES_MAX_PINNED; i++) {
        size_t l = strlen(many);
        snprintf(many + l, sizeof many - l, "pin=c%d\n", i);
    }
    expect_bad(many, strlen(many), "more than 8 pinned calls");
    char longline[600];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "version=1\npin=", 14);
    expect_bad(longline, sizeof longline, "line 2: longer than");
    const char bin[] = "version=1\nsort=st\0art\n";
    expect_bad(bin, sizeof bin - 1, "NUL byte");
}

/* The file: its path from the environment, private modes, a missing file
 * (defaults, not an error), a corrupt one (defaults and its name). */
static void state_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/ct-boardstate-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[4096], want[4200];
    ct_error err;
    setenv("HOME", dir, 1);
    setenv("XDG_STATE_HOME", "relative/is/ignored", 1);
    assert_int_equal(ct_board_state_path(path, sizeof path, false, &err), CT_OK);
    snprintf(want, sizeof want, "%s/.local/state/calltop/state", dir);
    assert_string_equal(path, want);
    snprintf(want, sizeof want, "%s/xdg", dir);
    setenv("XDG_STATE_HOME", want, 1);
    assert_int_equal(ct_board_state_path(path, sizeof path, true, &err), CT_OK);
    snprintf(want, sizeof want, "%s/xdg/calltop/state-demo", dir);
    assert_string_equal(path, want);
    assert_int_equal(ct_board_state_path(path, sizeof path, false, &err), CT_OK);

    ct_board_state s, back;
    bool found = true;
    assert_int_equal(ct_board_state_load(path, &back, &found, &err), CT_OK);
    assert_false(found);
    ct_board_state_defaults(&s);
    s.filter_step = 2;
    assert_int_equal(ct_board_state_save(path, &s, &err), CT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(want, sizeof want, "%s/xdg/calltop", dir);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(ct_board_state_load(path, &back, &found, &err), CT_OK);
    assert_true(found);
    assert_int_equal(back.filter_step, 2);

    /* a directory made wider by someone else is made private again */
    assert_int_equal(chmod(want, 0755), 0);
    assert_int_equal(ct_board_state_save(path, &s, &err), CT_OK);
    assert_int_equal(stat(want, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("version=1\nview=sideways\n", f);
    fclose(f);
    back.filter_step = 7;
    assert_int_equal(ct_board_state_load(path, &back, &found, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, path));
    assert_non_null(strstr(err.detail, "line 2: unknown view 'sideways'"));
    assert_int_equal(back.filter_step, 0);

    unlink(path);
    rmdir(want);
    snprintf(want, sizeof want, "%s/xdg", dir);
    rmdir(want);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),     cmocka_unit_test(pins_that_cannot_be_lines),
        cmocka_unit_test(tolerant_parts), cmocka_unit_test(corrupt_files),
        cmocka_unit_test(state_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
