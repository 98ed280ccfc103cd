/* test_board_attention.c — attention on the board (tui/attnpane.c wired in
 * tui/board.c): the row mark and the status bar count without colour, the
 * attention view ('!') sorted by severity, Enter opens the call,
 * acknowledge ('a') into the message log, snooze ('z') and its expiry
 * through the board's tick, the notifier hook once per item. A virtual
 * terminal (newterm on /dev/null) and a fixed clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "board_fixture.h"
#include "../../tui/actions.h"
#include "../../tui/attnpane.h"
#include "../../tui/board.h"
#include "../../tui/msglog.h"
#include "../../tui/theme.h"

static SCREEN *scr;
static FILE *t_in, *t_out;
static ct_store *store;
static ct_board board;
static ct_msglog *mlog;
static ct_attention *att;
static int notified;
static char last_notified[CT_ATT_REASON_MAX];

static void on_notify(void *ud, const ct_att_item *it, ct_time_ms now)
{
    (void)ud;
    (void)now;
    notified++;
    snprintf(last_notified, sizeof last_notified, "%s", it->reason);
}

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_fill(store);
    setenv("LINES", "24", 1);
    setenv("COLUMNS", "100", 1);
    t_out = fopen("/dev/null", "w");
    t_in = fopen("/dev/null", "r");
    scr = newterm("xterm", t_out, t_in);
    assert_non_null(scr);
    set_term(scr);
    ct_theme_init(false, true); /* monochrome: the mark must read without colour */
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    board.ctx.base_url = "http://127.0.0.1:8080";
    board.status.monitor = CT_MON_LIVE;
    board.status.last_event_ms = FIX_NOW - 2000;
    mlog = ct_msglog_new(0);
    board.msglog = mlog;
    board.ctx.log_hook = ct_msglog_hook;
    board.ctx.log_ud = mlog;
    ct_att_config c;
    memset(&c, 0, sizeof c);
    c.hang = true;
    c.long_call_ms = 60 * 60000; /* an hour: CC-live-1 (6 min) gets there by tick */
    ct_error err;
    att = ct_attention_new(&c, &err);
    assert_non_null(att);
    board.ctx.attention = att;
    board.attn_notify = on_notify;
    notified = 0;
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
    ct_attention_free(att);
    ct_msglog_free(mlog);
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

static bool screen_has(const char *needle)
{
    char *s = screen();
    bool r = strstr(s, needle) != NULL;
    if (getenv("CT_SHOW_SCREENS")) fprintf(stderr, "screen (%s):\n%s", needle, s);
    free(s);
    return r;
}

/* The row of a call on screen (its customer number identifies it). */
static bool row_has(const char *number, const char *needle)
{
    char *s = screen();
    bool r = false;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        if (strstr(line, number) && strstr(line, needle)) r = true;
    free(s);
    return r;
}

static bool log_has(const char *needle)
{
    for (size_t i = 0; i < ct_msglog_count(mlog); i++)
        if (strstr(ct_msglog_at(mlog, i)->text, needle)) return true;
    return false;
}

static void hang(const char *id)
{
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_MONITOR_UPDATE;
    ev.update_kind = CT_WH_HANG;
    ev.last_event_ms = board.ctx.now;
    ev.call.id = (char *)id;
    ct_board_event(&board, &ev);
}

static void mark_count_view_ack(void **state)
{
    (void)state;
    assert_false(screen_has("attention"));
    hang("CC-live-1");
    /* the row: '!' and the rule, in monochrome */
    assert_true(row_has("+14155550101", "! hang"));
    assert_false(row_has("+442079460000", "! "));
    assert_true(screen_has("! 1 attention"));
    assert_int_equal(notified, 1);
    assert_string_equal(last_notified, "assistant hung: nobody has spoken since");
    assert_true(log_has("attention opened: call CC-live-1: assistant hung"));

    /* a second item, less urgent (info), older: listed after the crit one */
    board.ctx.now = FIX_NOW - 1;
    ct_board_attention_tick(&board);
    board.ctx.now = FIX_NOW + 55 * 60000; /* CC-live-1 started 20:20: live an hour */
    ct_board_attention_tick(&board);
    assert_int_equal(ct_attention_open_count(att), 2);
    assert_true(screen_has("! 2 attention"));
    keys("!");
    char *s = screen();
    char *crit = strstr(s, "! crit"), *info = strstr(s, "! info");
    assert_non_null(strstr(s, "Attention: 2 open"));
    assert_non_null(crit);
    assert_non_null(info);
    assert_true(crit < info);
    free(s);

    /* acknowledge the highlighted (crit) item in the view */
    keys("a");
    assert_true(screen_has("Attention: 1 open"));
    assert_true(log_has("attention acknowledged: call CC-live-1: assistant hung"));
    /* Enter opens the remaining item's call */
    keys("j"); /* moving past the end stays on the last item */
    ct_board_key(&board, '\n', NULL);
    assert_string_equal(board.ctx.selected_id, "CC-live-1");
    assert_false(screen_has("Attention:")); /* the view closed */
    assert_true(screen_has("! 1 attention"));
    assert_true(row_has("+14155550101", "! long"));
    assert_int_equal(notified, 2);
}

static void ack_and_snooze_from_the_list(void **state)
{
    (void)state;
    hang("WC-live-2");
    assert_true(row_has("+442079460000", "! hang"));
    /* select the row: the list is newest first; WC-live-2 is the 2nd */
    keys("gj");
    assert_string_equal(board.ctx.selected_id, "WC-live-2");
    keys("z");
    assert_int_equal(ct_attention_open_count(att), 0);
    assert_false(row_has("+442079460000", "! hang"));
    assert_false(screen_has("attention |"));
    assert_true(log_has("attention snoozed 15m: call WC-live-2"));
    /* the snooze runs out through the board's tick: back, notified again */
    ct_board_timers t;
    ct_board_get_timers(&board, &t);
    assert_true(t.attention >= 0);
    board.ctx.now = FIX_NOW + CT_ATTN_SNOOZE_MS;
    ct_board_attention_tick(&board);
    assert_int_equal(ct_attention_open_count(att), 1);
    assert_int_equal(notified, 2);
    assert_true(row_has("+442079460000", "! hang"));
    keys("a");
    assert_int_equal(ct_attention_open_count(att), 0);
    assert_true(log_has("attention acknowledged: call WC-live-2"));
    /* nothing on the selected call: the flash says so */
    keys("a");
    assert_true(screen_has("nothing needs attention on this call"));
}

static void view_empty_and_keys_do_not_leak(void **state)
{
    (void)state;
    keys("!");
    assert_true(screen_has("Nothing needs attention."));
    keys("q"); /* closes the view, does not quit */
    assert_false(board.quit);
    assert_false(screen_has("Nothing needs attention."));
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(mark_count_view_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(ack_and_snooze_from_the_list, setup, teardown),
        cmocka_unit_test_setup_teardown(view_empty_and_keys_do_not_leak, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
