/* test_board_golden.c — deterministic golden-screen tests of the board.
 *
 * A fixed store (board_fixture.h), a fixed clock (FIX_NOW, TZ=UTC) and a
 * virtual terminal (newterm on /dev/null, read back from curscr). Keys are
 * scripted; each screen is dumped as text and compared with
 * tests/tui/golden/NAME.txt. Set CT_UPDATE_GOLDEN=1 to rewrite the files
 * after an intended change (and review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <libgen.h>
#include <unistd.h>
#include "board_fixture.h"
#include "../../tui/actions.h"
#include "../../tui/board.h"
#include "../../tui/refusal.h"
#include "../../tui/theme.h"

static SCREEN *scr;
static FILE *t_in, *t_out;
static ct_store *store;
static ct_board board;

static void term_open(int h, int w)
{
    char hs[16], ws[16];
    snprintf(hs, sizeof hs, "%d", h);
    snprintf(ws, sizeof ws, "%d", w);
    setenv("LINES", hs, 1);
    setenv("COLUMNS", ws, 1);
    t_out = fopen("/dev/null", "w");
    t_in = fopen("/dev/null", "r");
    scr = newterm("xterm", t_out, t_in);
    assert_non_null(scr);
    set_term(scr);
    ct_theme_init(false, true);
}

static void term_close(void)
{
    endwin();
    delscreen(scr);
    fclose(t_out);
    fclose(t_in);
}

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_fill(store);
    term_open(24, 80);
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
    term_close();
    ct_store_free(store);
    return 0;
}

static void resize(int h, int w)
{
    resize_term(h, w);
    ct_board_key(&board, KEY_RESIZE, NULL);
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
    if (getenv("CT_SHOW_SCREENS")) fprintf(stderr, "screen (%s):\n%s", needle, s);
    free(s);
    return r;
}

/* ---- tests ---------------------------------------------------------------------- */

static void board_80x24(void **state)
{
    (void)state;
    golden("board_80x24");
}

static void board_side_by_side(void **state)
{
    (void)state;
    resize(45, 160);
    keys("G");  /* oldest call ... */
    keys("g");  /* ... back to the newest */
    keys("jj"); /* the call with a transcript */
    golden("board_160x45_details");
}

static void board_single_pane(void **state)
{
    (void)state;
    resize(15, 60);
    golden("board_60x15_list");
    keys("\r");
    golden("board_60x15_details");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_true(screen_has("Calls 5/5"));
}

static void board_too_small(void **state)
{
    (void)state;
    resize(8, 30);
    assert_true(screen_has("terminal too small"));
    resize(24, 80);
    assert_true(screen_has("Calls 5/5"));
}

static void board_resize_storm(void **state)
{
    (void)state;
    unsigned seed = 7;
    for (int i = 0; i < 300; i++) {
        seed = seed * 1103515245u + 12345u;
        int h = 1 + (int)((seed >> 8) % 70), w = 1 + (int)((seed >> 16) % 220);
        resize(h, w);
        if (i % 3 == 0) keys("j");
        ct_board_draw(&board);
    }
    resize(24, 80);
    assert_true(screen_has("Calls 5/5"));
}

static void board_help(void **state)
{
    (void)state;
    keys("?");
    golden("board_help");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_false(screen_has(" Keys (Esc closes"));
}

static void board_sort_and_selection_by_id(void **state)
{
    (void)state;
    keys("jj"); /* third row in start-desc order: CC-live-1 */
    assert_string_equal(board.ctx.selected_id, "CC-live-1");
    keys("3"); /* sort by customer */
    assert_true(screen_has("CUSTOMER▲"));
    assert_string_equal(board.ctx.selected_id, "CC-live-1");
    /* a new call arrives and rows move: the selection stays on its call */
    fix_add_call(
        store,
        "{\"id\":\"CC-new-6\",\"direction\":\"inbound\",\"startAt\":\"2026-05-28T20:26:39.000Z\","
        "\"userNumber\":\"+10000000001\",\"status\":\"ongoing\"}",
        2);
    assert_true(screen_has("Calls 6/6"));
    assert_string_equal(board.ctx.selected_id, "CC-live-1");
    keys("3"); /* again: reverse */
    assert_true(screen_has("CUSTOMER▼"));
}

static void board_filter_and_search(void **state)
{
    (void)state;
    keys("v"); /* all -> live */
    assert_true(screen_has("filter:live"));
    assert_true(screen_has("Calls 3/5"));
    keys("vvvvvvvv"); /* ... back to all */
    assert_true(screen_has("filter:all"));
    keys("/4420");
    assert_true(screen_has("Calls 1/5"));
    assert_true(screen_has("/4420_"));
    assert_string_equal(board.ctx.selected_id, "WC-live-2");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_true(screen_has("Calls 5/5"));
}

static void board_read_only(void **state)
{
    (void)state;
    ct_board_free(&board);
    assert_int_equal(ct_board_init(&board, store, true, false), 0);
    board.ctx.now = FIX_NOW;
    ct_board_layout(&board);
    assert_false(screen_has("n new"));
    assert_true(screen_has("[read-only]"));
    keys("e");
    assert_true(screen_has("refused: calltop runs with --read-only"));
    /* the refusal box holds every key until dismissed (issue 13 item 1) */
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_int_equal(board.n_modals, 0);
    keys("n");
    assert_true(screen_has("new call refused"));
}

static void board_transcript_follows_tail(void **state)
{
    (void)state;
    keys("jj"); /* CC-live-1 */
    keys("\t"); /* focus details */
    assert_true(ct_details_pane_following(board.details));
    assert_true(screen_has("Thursday at 3 pm"));
    /* scrolling up stops following; a new line then does not pull the view */
    keys("gk");
    assert_false(ct_details_pane_following(board.details));
    fix_add_call(store,
                 "{\"id\":\"CC-live-1\",\"messages\":[{\"messageId\":\"m4\",\"role\":\"user\","
                 "\"text\":\"Perfect, see you then.\",\"timestamp\":1779999630000}]}",
                 2);
    assert_false(screen_has("Perfect, see you then."));
    keys("G"); /* follow again: the new line shows */
    assert_true(ct_details_pane_following(board.details));
    assert_true(screen_has("Perfect, see you then."));
}

static void board_duration_ticks(void **state)
{
    (void)state;
    /* the ringing call started 10 s before FIX_NOW */
    assert_true(screen_has("0:10"));
    assert_true(ct_board_timer_ms(&board) >= 0);
    board.ctx.now = FIX_NOW + 5000;
    assert_true(screen_has("0:15"));
}

static void board_idle_wakeups(void **state)
{
    (void)state;
    /* only finished calls, long ago: the next wakeup is the HH:MM clock's
     * minute (20:26:40 -> 20:27:00), not a 1 Hz tick */
    ct_board_free(&board);
    ct_store_free(store);
    store = ct_store_new(NULL);
    fix_add_call(store,
                 "{\"id\":\"old\",\"startAt\":\"2026-05-28T10:00:00.000Z\","
                 "\"endAt\":\"2026-05-28T10:03:00.000Z\",\"status\":\"finished\"}",
                 1);
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    ct_board_layout(&board);
    ct_board_draw(&board);
    assert_int_equal(ct_board_timer_ms(&board), 20000);
    /* a live call on screen ticks on the next whole second */
    fix_add_call(
        store, "{\"id\":\"live\",\"startAt\":\"2026-05-28T20:26:00.500Z\",\"status\":\"ongoing\"}",
        1);
    board.ctx.now = FIX_NOW + 250;
    ct_board_draw(&board);
    long t = ct_board_timer_ms(&board);
    assert_true(t > 0 && t <= 750);
}

static void board_mouse(void **state)
{
    (void)state;
    MEVENT m;
    memset(&m, 0, sizeof m);
    ct_board_draw(&board);
    /* list rows start at screen row 3 (status bar, info, titles) */
    m.y = 3 + 3;
    m.x = 5;
    m.bstate = BUTTON1_CLICKED;
    ct_board_key(&board, KEY_MOUSE, &m);
    assert_string_equal(board.ctx.selected_id, "CC-done-4");
    m.bstate = BUTTON4_PRESSED; /* wheel up */
    ct_board_key(&board, KEY_MOUSE, &m);
    assert_string_equal(board.ctx.selected_id, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    m.y = 2;
    m.x = 20;
    m.bstate = BUTTON1_CLICKED; /* CUSTOMER title: sort */
    ct_board_key(&board, KEY_MOUSE, &m);
    assert_true(screen_has("CUSTOMER▲"));
}

/* The wheel over the details pane scrolls the transcript (not the list):
 * up stops following the tail, down to the end follows it again. */
static void board_mouse_wheel_details(void **state)
{
    (void)state;
    keys("jj"); /* CC-live-1: a transcript longer than the pane */
    ct_board_draw(&board);
    char sel[128];
    snprintf(sel, sizeof sel, "%s", board.ctx.selected_id);
    assert_true(ct_details_pane_following(board.details));
    MEVENT m;
    memset(&m, 0, sizeof m);
    m.y = board.details->y + 2;
    m.x = board.details->x + 10;
    m.bstate = BUTTON4_PRESSED;
    ct_board_key(&board, KEY_MOUSE, &m);
    assert_false(ct_details_pane_following(board.details));
    assert_string_equal(board.ctx.selected_id, sel); /* the list did not move */
    assert_int_equal(board.focus, 1);
    for (int i = 0; i < 40; i++) {
        m.bstate = BUTTON5_PRESSED;
        ct_board_key(&board, KEY_MOUSE, &m);
    }
    assert_true(ct_details_pane_following(board.details));
    assert_string_equal(board.ctx.selected_id, sel);
}

/* Navigating the list switches follow-newest off (F turned it on). */
static void board_follow_off_on_navigation(void **state)
{
    (void)state;
    keys("Z"); /* a key that does nothing says so */
    assert_true(screen_has("'Z' does nothing here: ? lists the keys"));
    keys("F");
    assert_true(ct_list_pane_model(board.list)->follow);
    assert_true(screen_has("[follow]"));
    keys("j");
    assert_false(ct_list_pane_model(board.list)->follow);
    assert_false(screen_has("[follow]"));
}

/* Rows scrolled off above the list are counted on its info line: the
 * selection stays put while calls arrive, and newest-first they arrive
 * above it, out of sight (found watching a busy board in tmux). */
static void board_rows_above_counted(void **state)
{
    (void)state;
    for (int i = 0; i < 12; i++) {
        char json[512];
        snprintf(json, sizeof json,
                 "{\"id\":\"CC-more-%02d\",\"assistantId\":\"asst-42\",\"direction\":\"inbound\","
                 "\"callType\":\"phone\",\"startAt\":\"2026-05-28T19:%02d:00.000Z\","
                 "\"endAt\":\"2026-05-28T19:%02d:30.000Z\",\"userNumber\":\"+1415555%04d\","
                 "\"status\":\"finished\",\"phoneCallStatus\":\"completed\"}",
                 i, 10 + i, 10 + i, 2000 + i);
        fix_add_call(store, json, 1);
    }
    resize(15, 60);
    assert_true(screen_has("Calls 17/17  filter:all"));
    assert_false(screen_has("above"));
    keys("G"); /* to the oldest: the newest are above now */
    const ct_listmodel *lm = ct_list_pane_model(board.list);
    assert_true(lm->top > 0);
    char want[64];
    snprintf(want, sizeof want, "Calls 17/17 %s%zu above", ct_theme_is_utf8() ? "\u2191" : "^",
             lm->top);
    if (!screen_has(want)) fail_msg("no '%s' on the list's info line", want);
    keys("g");
    assert_false(screen_has("above"));
}

static void board_cap_shown(void **state)
{
    (void)state;
    /* under the cap, the status bar says where it is */
    board.status.max_calls = 20000;
    resize(24, 160);
    assert_true(screen_has("| max 20000 calls"));
    ct_board_free(&board);
    ct_store_free(store);
    ct_store_limits lim = {.max_calls = 3};
    store = ct_store_new(&lim);
    fix_fill(store);
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    board.status.max_calls = 3;
    resize(24, 160);
    assert_true(screen_has("CAP: 3 calls kept, 2 evicted"));
    assert_false(screen_has("max 3 calls"));
    assert_true(screen_has("[cap]"));
    /* at 80 and 60 columns the bar gives up detail, never the reached cap */
    resize(24, 80);
    assert_true(screen_has("CAP 3, 2 evicted"));
    assert_true(screen_has("live 1 q 1 fwd 0 done 1"));
    resize(15, 60);
    assert_true(screen_has("CAP 3, 2 evicted"));
}

static void board_modals(void **state)
{
    (void)state;
    /* the forms module's panes open from the action table's keys */
    keys("n");
    assert_int_equal(board.n_modals, 1);
    golden("board_new_call_form");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    while (board.n_modals) ct_board_close_modal(&board);
    keys("jj"); /* CC-live-1: live */
    keys("e");
    assert_int_equal(board.n_modals, 1);
    golden("board_end_dialog");
    while (board.n_modals) ct_board_close_modal(&board);
    keys("jj"); /* CC-done-4: not live, so no dialog: the refusal box */
    keys("e");
    assert_int_equal(board.n_modals, 1);
    assert_true(ct_refusal_is(board.modals[0]));
    assert_true(screen_has("the call is not live"));
}

/* Issue 13 item 1: keys typed after a refused action never reach the
 * board's commands. The three sequences of the report, on an ended call:
 * "s" + a sentence (its n opened the New-call form), "d" + "12x#" (sorted
 * and wrote a CSV), "d" + "1#9q" (quit). The box swallows and counts them
 * until Enter or Esc; then the board answers keys again. */
static void refused_then_typed(const char *action, const char *typed)
{
    ct_listmodel *lm = ct_list_pane_model(board.list);
    ct_sort_key sort0 = lm->spec.sort;
    bool desc0 = lm->spec.descending;
    char sel0[sizeof board.ctx.selected_id];
    snprintf(sel0, sizeof sel0, "%s", board.ctx.selected_id);
    keys(action);
    assert_int_equal(board.n_modals, 1);
    assert_true(ct_refusal_is(board.modals[0]));
    keys(typed);
    /* still the box, nothing else: no form, no sort, no quit, same call */
    assert_int_equal(board.n_modals, 1);
    assert_true(ct_refusal_is(board.modals[0]));
    assert_int_equal(ct_refusal_ignored(board.modals[0]), strlen(typed));
    assert_false(board.quit);
    assert_int_equal(lm->spec.sort, sort0);
    assert_int_equal(lm->spec.descending, desc0);
    assert_string_equal(board.ctx.selected_id, sel0);
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_int_equal(board.n_modals, 0);
}

static void board_refusal_swallows_typed_ahead(void **state)
{
    (void)state;
    char dir[] = "/tmp/ct-refusal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("CALLTOP_EXPORT_DIR", dir, 1);
    keys("jjj"); /* CC-done-4: ended */
    assert_string_equal(board.ctx.selected_id, "CC-done-4");
    refused_then_typed("s", "Thanks, one moment");
    refused_then_typed("d", "12x#");
    refused_then_typed("d", "1#9q");
    /* --read-only: n is refused the same way */
    board.ctx.read_only = true;
    refused_then_typed("n", "+14155550101");
    board.ctx.read_only = false;
    /* nothing was exported while the box was up */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.') files++;
    closedir(d);
    assert_int_equal(files, 0);
    rmdir(dir);
    unsetenv("CALLTOP_EXPORT_DIR");
    /* Enter dismisses as well, and the board then answers keys again */
    keys("s");
    assert_true(screen_has("say refused"));
    keys("x");
    golden("board_refusal");
    keys("\n");
    assert_int_equal(board.n_modals, 0);
    keys("n");
    assert_int_equal(board.n_modals, 1);
    assert_false(ct_refusal_is(board.modals[0]));
}

static uint64_t fake_submit(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err)
{
    (void)ctx;
    (void)err;
    return rq->kind == CT_REQ_CONTROL ? 77 : 0;
}

static void board_pending_and_quit(void **state)
{
    (void)state;
    board.ctx.submit_hook = fake_submit;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = "CC-live-1";
    rq.control.action = CT_ACTION_END;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    /* the pending mark replaces the status word until the outcome arrives */
    assert_true(screen_has("… end…"));
    /* q asks while a request is pending; No keeps the board */
    keys("q");
    assert_false(board.quit);
    assert_int_equal(board.n_modals, 1);
    golden("board_quit_pending");
    ct_board_key(&board, CT_KEY_ESC, NULL);
    assert_int_equal(board.n_modals, 0);
    assert_false(board.quit);
    /* an update of the call BEFORE the acceptance does not confirm anything */
    ct_event up; /* on the stack: the inbox (and ct_event_new) live in net */
    memset(&up, 0, sizeof up);
    up.type = CT_EV_MONITOR_UPDATE;
    up.update_kind = CT_WH_CONVERSATION_UPDATE;
    up.last_event_ms = FIX_NOW + 100;
    ct_message m = {.message_id = "m9",
                    .role = CT_ROLE_USER,
                    .text = "still there?",
                    .timestamp = FIX_NOW + 100};
    up.call.id = "CC-live-1";
    up.call.present = CT_F_ID | CT_F_MESSAGES;
    up.call.messages = &m;
    up.call.n_messages = 1;
    ct_board_event(&board, &up);
    assert_true(screen_has("… end…"));
    /* acceptance is flashed, but the mark stays until the call's next update */
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_CONTROL_DONE;
    ev.request_id = 77;
    ev.action = CT_ACTION_END;
    ct_board_event(&board, &ev);
    assert_true(screen_has("end accepted"));
    assert_true(screen_has("… end…"));
    assert_int_equal(ct_ui_pending_count(&board.ctx), 1);
    keys("q");
    assert_false(board.quit);
    assert_int_equal(board.n_modals, 1);
    ct_board_key(&board, CT_KEY_ESC, NULL);
    /* a duplicate delivery changes nothing and confirms nothing */
    ct_board_event(&board, &up);
    assert_true(screen_has("… end…"));
    /* the call's next update (it ended) confirms the action: mark gone */
    up.call.present = CT_F_ID | CT_F_STATUS;
    up.call.status = CT_STATUS_FINISHED;
    up.call.n_messages = 0;
    up.call.messages = NULL;
    up.update_kind = CT_WH_STATUS_UPDATE;
    up.last_event_ms = FIX_NOW + 200;
    ct_board_event(&board, &up);
    assert_false(screen_has("… end…"));
    assert_int_equal(ct_ui_pending_count(&board.ctx), 0);
    keys("q");
    assert_true(board.quit);
}

/* Too small for the quit question: with an action pending, q must be
 * pressed twice, and the screen says so. */
static void board_too_small_quit_pending(void **state)
{
    (void)state;
    board.ctx.submit_hook = fake_submit;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = "CC-live-1";
    rq.control.action = CT_ACTION_END;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    resize(8, 30);
    assert_true(screen_has("1 pending: q q quits"));
    keys("q");
    assert_false(board.quit);
    assert_true(screen_has("q again quits"));
    keys("j"); /* anything else disarms */
    keys("q");
    assert_false(board.quit);
    keys("q");
    assert_true(board.quit);
}

/* The relay's update may arrive before the control request's answer: an
 * end already visible when the acceptance comes clears the mark then (no
 * later update would); a say waits for the call's next update. */
static void board_pending_update_before_acceptance(void **state)
{
    (void)state;
    board.ctx.submit_hook = fake_submit;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = "CC-live-1";
    rq.control.action = CT_ACTION_END;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    ct_event up;
    memset(&up, 0, sizeof up);
    up.type = CT_EV_MONITOR_UPDATE;
    up.update_kind = CT_WH_STATUS_UPDATE;
    up.last_event_ms = FIX_NOW + 100;
    up.call.id = "CC-live-1";
    up.call.status = CT_STATUS_FINISHED;
    up.call.present = CT_F_ID | CT_F_STATUS;
    ct_board_event(&board, &up);
    assert_true(screen_has("… end…")); /* not ours to confirm yet */
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_CONTROL_DONE;
    ev.request_id = 77;
    ct_board_event(&board, &ev);
    assert_false(screen_has("… end…"));
    assert_int_equal(ct_ui_pending_count(&board.ctx), 0);
    /* a say on a live call: its acceptance alone does not clear the mark */
    rq.call_id = "WC-live-2";
    rq.control.action = CT_ACTION_SAY;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    ct_board_event(&board, &ev);
    assert_true(screen_has("… say…"));
}

/* A refused action drops its mark at once and says why; an accepted one
 * whose call never updates expires instead of staying forever. */
static void board_pending_failed_and_expired(void **state)
{
    (void)state;
    board.ctx.submit_hook = fake_submit;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = "CC-live-1";
    rq.control.action = CT_ACTION_SAY;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    assert_true(screen_has("… say…"));
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_REQUEST_FAILED;
    ev.request_id = 77;
    ev.request_kind = CT_REQ_CONTROL;
    ct_error_set(&ev.error, CT_EHTTP, "HTTP 500 from the control endpoint");
    ct_board_event(&board, &ev);
    assert_false(screen_has("… say…"));
    assert_true(screen_has("say failed: HTTP 500"));
    assert_int_equal(ct_ui_pending_count(&board.ctx), 0);

    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, NULL), 77);
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_CONTROL_DONE;
    ev.request_id = 77;
    ct_board_event(&board, &ev);
    long t = ct_board_timer_ms(&board);
    assert_true(t >= 0 && t <= CT_BOARD_MARK_EXPIRE_MS);
    board.ctx.now = FIX_NOW + CT_BOARD_MARK_EXPIRE_MS - 1;
    assert_true(screen_has("… say…"));
    board.ctx.now = FIX_NOW + CT_BOARD_MARK_EXPIRE_MS;
    assert_false(screen_has("… say…"));
    assert_int_equal(ct_ui_pending_count(&board.ctx), 0);
}

static void board_read_only_submit(void **state)
{
    (void)state;
    board.ctx.read_only = true;
    board.ctx.submit_hook = fake_submit;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONTROL;
    rq.call_id = "CC-live-1";
    ct_error err;
    assert_int_equal(ct_ui_submit(&board.ctx, &rq, NULL, &err), 0);
    assert_int_equal(err.code, CT_EREADONLY);
    assert_int_equal(ct_ui_pending_count(&board.ctx), 0);
}

static void board_wide_text(void **state)
{
    (void)state;
    /* wide and combining characters keep the columns aligned */
    fix_add_call(
        store,
        "{\"id\":\"CC-wide\",\"direction\":\"inbound\",\"startAt\":\"2026-05-28T20:26:39.000Z\","
        "\"status\":\"ongoing\",\"customer\":{\"name\":\"山田太郎山田太郎山田太郎\"},"
        "\"assistant\":{\"name\":\"Émile 助手 ✨ Ünïcödé\"},\"phoneCallStatus\":\"in-progress\"}",
        2);
    golden("board_wide_text");
}

/* Assistant names for calls listed over REST: one fetch per assistant id
 * (not per call), the name shown in the list and details and found by
 * search; a failed fetch keeps the id and is not retried at once. */
static int n_fetches;
static char fetched[8][64];
static uint64_t fake_fetch_assistant(void *ud, const char *id, ct_error *err)
{
    (void)ud;
    (void)err;
    if (n_fetches < 8) snprintf(fetched[n_fetches], sizeof fetched[0], "%s", id);
    return 500 + (uint64_t)n_fetches++;
}

static void listed(const char *const *json, size_t n)
{
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_CALLS_LISTED;
    ct_call calls[4];
    memset(calls, 0, sizeof calls);
    for (size_t i = 0; i < n; i++) {
        ct_error err;
        assert_int_equal(ct_call_decode(json[i], strlen(json[i]), &calls[i], &err), CT_OK);
    }
    ev.calls.calls = calls;
    ev.calls.n_calls = n;
    ct_board_event(&board, &ev);
    for (size_t i = 0; i < n; i++) ct_call_clear(&calls[i]);
}

static void board_assistant_names(void **state)
{
    (void)state;
    n_fetches = 0;
    board.fetch_assistant = fake_fetch_assistant;
    const char *calls[] = {
        "{\"id\":\"CC-r1\",\"assistantId\":\"asst-rest-1\",\"status\":\"ongoing\","
        "\"startAt\":\"2026-05-28T20:26:00.000Z\",\"userNumber\":\"+14155550111\"}",
        "{\"id\":\"CC-r2\",\"assistantId\":\"asst-rest-1\",\"status\":\"finished\","
        "\"startAt\":\"2026-05-28T20:00:00.000Z\",\"endAt\":\"2026-05-28T20:01:00.000Z\"}",
        "{\"id\":\"CC-r3\",\"assistantId\":\"asst-rest-2\",\"status\":\"finished\","
        "\"startAt\":\"2026-05-28T20:02:00.000Z\",\"endAt\":\"2026-05-28T20:03:00.000Z\"}",
    };
    listed(calls, 3);
    assert_int_equal(n_fetches, 2);
    assert_string_equal(fetched[0], "asst-rest-1");
    assert_string_equal(fetched[1], "asst-rest-2");
    /* the next poll lists them again: no new fetch while one is out */
    listed(calls, 3);
    assert_int_equal(n_fetches, 2);
    assert_true(screen_has("asst-rest-1"));

    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_ASSISTANT;
    ev.request_id = 500;
    ev.assistant.name = "Front Desk";
    ct_board_event(&board, &ev);
    assert_string_equal(ct_store_get(store, "CC-r1")->call.assistant_name, "Front Desk");
    assert_string_equal(ct_store_get(store, "CC-r2")->call.assistant_name, "Front Desk");
    assert_true(screen_has("Front Desk"));
    /* the second assistant is gone (404): its id stays, logged, no flash */
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_REQUEST_FAILED;
    ev.request_id = 501;
    ev.request_kind = CT_REQ_ASSISTANT;
    ct_error_set(&ev.error, CT_ENOTFOUND, "Assistant not found");
    ct_board_event(&board, &ev);
    assert_null(ct_store_get(store, "CC-r3")->call.assistant_name);
    assert_false(screen_has("Assistant not found"));
    listed(calls, 3);
    assert_int_equal(n_fetches, 2);
    /* a call seen later with a known assistant is named without a fetch */
    const char *later[] = {
        "{\"id\":\"CC-r4\",\"assistantId\":\"asst-rest-1\",\"status\":\"ongoing\","
        "\"startAt\":\"2026-05-28T20:26:10.000Z\"}",
    };
    listed(later, 1);
    assert_int_equal(n_fetches, 2);
    assert_string_equal(ct_store_get(store, "CC-r4")->call.assistant_name, "Front Desk");
    /* a webhook brings a name while a fetch is out: the listed calls of
     * that assistant are named at once, and the late answer changes nothing */
    const char *third[] = {
        "{\"id\":\"CC-r5\",\"assistantId\":\"asst-rest-3\",\"status\":\"finished\","
        "\"startAt\":\"2026-05-28T19:00:00.000Z\",\"endAt\":\"2026-05-28T19:01:00.000Z\"}",
    };
    listed(third, 1);
    assert_int_equal(n_fetches, 3);
    ct_event wh;
    memset(&wh, 0, sizeof wh);
    wh.type = CT_EV_MONITOR_UPDATE;
    wh.update_kind = CT_WH_STATUS_UPDATE;
    wh.last_event_ms = FIX_NOW;
    wh.call.id = "CC-live-new";
    wh.call.assistant_id = "asst-rest-3";
    wh.call.assistant_name = "Night Shift";
    wh.call.status = CT_STATUS_ONGOING;
    wh.call.present = CT_F_ID | CT_F_ASSISTANT_ID | CT_F_ASSISTANT_NAME | CT_F_STATUS;
    ct_board_event(&board, &wh);
    assert_string_equal(ct_store_get(store, "CC-r5")->call.assistant_name, "Night Shift");
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_ASSISTANT;
    ev.request_id = 502;
    ev.assistant.name = "Stale Name";
    ct_board_event(&board, &ev);
    assert_string_equal(ct_store_get(store, "CC-r5")->call.assistant_name, "Night Shift");
    /* search finds calls by the fetched name */
    keys("/Front");
    ct_board_key(&board, '\n', NULL);
    assert_true(screen_has("Calls 3/"));
    /* a webhook's name still wins over the fetched one */
    ct_event up;
    memset(&up, 0, sizeof up);
    up.type = CT_EV_MONITOR_UPDATE;
    up.update_kind = CT_WH_STATUS_UPDATE;
    up.last_event_ms = FIX_NOW;
    up.call.id = "CC-r1";
    up.call.assistant_name = "Front Desk (renamed)";
    up.call.present = CT_F_ID | CT_F_ASSISTANT_NAME;
    ct_board_event(&board, &up);
    assert_string_equal(ct_store_get(store, "CC-r1")->call.assistant_name, "Front Desk (renamed)");
}

static void board_monochrome(void **state)
{
    (void)state;
    /* NO_COLOR: the selected row is reverse video, live calls are bold,
     * and every status still has its glyph */
    ct_board_draw(&board);
    chtype sel = mvwinch(curscr, 3, 20);
    assert_true(sel & A_REVERSE);
    assert_int_equal(PAIR_NUMBER(sel), 0);
    chtype live = mvwinch(curscr, 4, 2);
    assert_true(live & A_BOLD);
    assert_int_equal(PAIR_NUMBER(live), 0);
    assert_true(screen_has("◌ queued"));
    assert_true(screen_has("✗ failed"));
}

/* Issue 11: a live row nothing confirmed within its channel's cadence is
 * shown unconfirmed — hollow glyph, "live?", a "~" duration, dim — and
 * readable without colour; a confirmed live row stays as it was. */
static void board_unconfirmed_rows(void **state)
{
    (void)state;
    board.reduce.hot_ms = 3000;
    board.reduce.reconcile_ms = 60000;
    board.status.monitor = CT_MON_POLLING;
    board.status.polling = true;
    board.status.last_event_ms = FIX_NOW - 3000;
    /* CC-live-1 was confirmed by a read a second ago, WC-live-2 20 s ago,
     * the ringing call never */
    ct_store_get_mut(store, "CC-live-1")->confirmed_at = FIX_NOW - 1000;
    ct_store_get_mut(store, "WC-live-2")->confirmed_at = FIX_NOW - 20000;
    golden("board_unconfirmed_80x24");
    chtype est = mvwinch(curscr, 4, 2); /* WC-live-2's status word */
    assert_true(est & A_DIM);
    chtype ok = mvwinch(curscr, 5, 2); /* CC-live-1's */
    assert_false(ok & A_DIM);
    /* the LIVE channel vouches for what it reported live */
    board.status.monitor = CT_MON_LIVE;
    board.status.polling = false;
    ct_store_get_mut(store, "WC-live-2")->channel_live = true;
    ct_store_touch(store, ct_store_get_mut(store, "WC-live-2")); /* as a merge would */
    assert_false(screen_has("live?"));
    assert_true(screen_has("○ queued?")); /* never confirmed */
    /* ... not while it is STALE */
    board.status.monitor = CT_MON_STALE;
    assert_true(screen_has("○ live?"));
    assert_true(screen_has("~1:40"));
    /* a fresh confirmation settles it */
    ct_store_get_mut(store, "WC-live-2")->confirmed_at = FIX_NOW;
    ct_store_touch(store, ct_store_get_mut(store, "WC-live-2"));
    assert_false(screen_has("live?"));
}

/* Issue 11: when the API or the relay is down the status bar says what,
 * since when, and the last good read, for as long as it lasts; a 429
 * pause counts down. Narrow terminals keep what and how long. */
static void board_down_banner(void **state)
{
    (void)state;
    resize(24, 160);
    board.status.have_relay = true;
    board.status.api_down_since = FIX_NOW - 65000;
    board.status.api_last_ok = FIX_NOW - 68000;
    golden("board_api_down_160x24");
    assert_true(screen_has("!! API DOWN since 20:25:35 (1m), last good read 20:25:32 !!"));
    chtype b = mvwinch(curscr, 0, (int)strlen(" calltop 127.0.0.1:8080 | LIVE <1m | ") + 1);
    assert_true(b & A_REVERSE);
    resize(24, 200); /* both down, every detail */
    board.status.monitor = CT_MON_RECONNECTING;
    board.status.monitor_since = FIX_NOW - 40000;
    board.status.last_event_ms = FIX_NOW - 42000;
    assert_true(screen_has("RELAY DOWN since 20:26:00 (40s), last event 20:25:58 !!"));
    board.status.monitor = CT_MON_STALE;
    assert_true(screen_has("RELAY SILENT since"));
    resize(24, 80);
    assert_true(screen_has("!! API DOWN 1m, RELAY SILENT 40s !!"));
    /* the API answers again, the relay is LIVE: no banner */
    board.status.api_down_since = 0;
    board.status.monitor = CT_MON_LIVE;
    assert_false(screen_has("!!"));
    /* a rate-limit pause */
    board.status.rate_limited_until = FIX_NOW + 4200;
    resize(24, 160);
    assert_true(screen_has("!! rate limited, resuming in 5s !!"));
    board.ctx.now = FIX_NOW + 4300;
    assert_false(screen_has("rate limited"));
}

static void board_channel_states(void **state)
{
    (void)state;
    board.status.monitor = CT_MON_RECONNECTING;
    board.status.last_event_ms = FIX_NOW - 65000;
    assert_true(screen_has("| RECONNECTING 1m |"));
    board.status.monitor = CT_MON_STALE;
    assert_true(screen_has("| STALE 1m |"));
    board.status.polling = true;
    board.status.last_event_ms = FIX_NOW - 3000;
    assert_true(screen_has("| POLLING 3s |"));
    /* a state change from the monitor is flashed and shown */
    board.status.polling = false;
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_MONITOR_STATE;
    ev.monitor_state = CT_MON_LIVE;
    ev.last_event_ms = FIX_NOW;
    ct_board_event(&board, &ev);
    /* LIVE shows the age in wall-clock minutes: no second ticks */
    assert_true(screen_has("| LIVE <1m |"));
    assert_true(screen_has("live channel: LIVE"));
    board.status.last_event_ms = FIX_NOW - 3 * 60000 - 5000;
    assert_true(screen_has("| LIVE 3m |"));
    board.status.monitor = CT_MON_STALE;
    assert_true(screen_has("| STALE 3m |"));
    board.status.last_event_ms = FIX_NOW - 12000;
    assert_true(screen_has("| STALE 12s |"));
}

/* An empty list because the read failed says why and what to do, not "No
 * calls yet."; a later successful read takes the message back. */
static void board_list_error_shown(void **state)
{
    (void)state;
    ct_board_free(&board);
    ct_store_free(store);
    store = ct_store_new(NULL);
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    resize(24, 100);
    assert_true(screen_has("No calls yet."));
    ct_error e;
    ct_error_set(&e, CT_EAUTH, "list calls: HTTP 401: Invalid API key");
    ct_board_set_list_error(&board, &e);
    assert_true(screen_has("No calls: list calls: HTTP 401: Invalid API key"));
    assert_true(screen_has("check INTERACTLY_API_KEY"));
    assert_false(screen_has("No calls yet."));
    ct_board_set_list_error(&board, NULL);
    assert_true(screen_has("No calls yet."));
    assert_false(screen_has("HTTP 401"));
}

/* Back LIVE without a replay (a restarted relay, or a gap older than its
 * ring) means webhooks may have been lost: the board asks the loop to read
 * the list again, as 'r' does. Not for the first LIVE (the start-up read
 * covers it) nor for a resume from the ring (nothing was lost). */
static void board_refresh_after_lost_channel(void **state)
{
    (void)state;
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_MONITOR_STATE;
    ev.monitor_state = CT_MON_LIVE; /* first LIVE: a snapshot, no re-read */
    ct_board_event(&board, &ev);
    assert_false(board.want_refresh);
    ev.monitor_state = CT_MON_RECONNECTING;
    ct_board_event(&board, &ev);
    ev.monitor_state = CT_MON_LIVE;
    ev.resumed = true; /* replayed from the ring */
    ct_board_event(&board, &ev);
    assert_false(board.want_refresh);
    ev.monitor_state = CT_MON_STALE;
    ev.resumed = false;
    ct_board_event(&board, &ev);
    assert_false(board.want_refresh);
    ev.monitor_state = CT_MON_LIVE; /* a snapshot after a break */
    ct_board_event(&board, &ev);
    assert_true(board.want_refresh);
}

/* With no live call on screen and the channel LIVE, nothing changes
 * before the next wall-clock minute (the HH:MM clock): the board's timer
 * says so, and a second later the screen is the same. With a live call,
 * every change falls on the wall-clock second. */
static void board_timer_alignment(void **state)
{
    (void)state;
    ct_time_ms now = FIX_NOW + 250; /* 20:26:40.250 */
    board.ctx.now = now;
    board.status.last_event_ms = now - 700;
    free(screen());
    assert_int_equal(ct_board_timer_ms(&board), 750); /* durations, LAST and all: one tick */
    ct_store_remove(store, "CC-live-1");
    ct_store_remove(store, "WC-live-2");
    ct_store_remove(store, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    free(screen());
    assert_int_equal(ct_board_timer_ms(&board), 60000 - 40250);
    char *before = screen();
    board.ctx.now = now + 19000;
    char *after = screen();
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* at the minute the clock moves (and ages shown in minutes with it) */
    board.ctx.now = FIX_NOW + 20000;
    assert_true(screen_has("20:27"));
    assert_int_equal(ct_board_timer_ms(&board), 60000);
}

static void board_hang_and_error_markers(void **state)
{
    (void)state;
    /* a hang and an error webhook on live calls mark their rows and details */
    ct_webhook w;
    memset(&w, 0, sizeof w);
    w.type = CT_WH_HANG;
    w.timestamp = FIX_NOW - 1000;
    w.call.id = "CC-live-1";
    w.call.present = CT_F_ID;
    assert_int_equal(ct_store_apply_webhook(store, &w), CT_OK);
    w.type = CT_WH_ERROR;
    w.call.id = "WC-live-2";
    w.error.present = true;
    w.error.type = "llm_error";
    w.error.message = "model overloaded";
    assert_int_equal(ct_store_apply_webhook(store, &w), CT_OK);
    assert_true(screen_has("! live     in   +14155550101"));
    assert_true(screen_has("✗ error    out  +442079460000"));
    keys("j"); /* WC-live-2 */
    assert_true(screen_has("ERROR llm_error: model overloaded"));
    keys("j"); /* CC-live-1 */
    assert_true(screen_has("HANG: the assistant has been silent"));
}

/* Issue 13 item 3: a call the live channel reports live whose GET answers
 * 404 stays, marked "not visible to this API key" in its row (a word, not
 * only a colour) and its details, while the channel keeps reporting it. */
static void board_not_visible(void **state)
{
    (void)state;
    ct_event ev; /* on the stack, as the other event tests here */
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_MONITOR_STATE;
    ev.monitor_state = CT_MON_LIVE;
    ev.last_event_ms = FIX_NOW;
    ct_board_event(&board, &ev);
    /* the channel reports CC-live-1 live */
    ct_event up;
    memset(&up, 0, sizeof up);
    up.type = CT_EV_MONITOR_UPDATE;
    up.update_kind = CT_WH_STATUS_UPDATE;
    up.last_event_ms = FIX_NOW;
    up.call.id = "CC-live-1";
    up.call.present = CT_F_ID | CT_F_STATUS;
    up.call.status = CT_STATUS_ONGOING;
    ct_board_event(&board, &up);
    /* its GET answers 404 */
    ct_event nf;
    memset(&nf, 0, sizeof nf);
    nf.type = CT_EV_REQUEST_FAILED;
    nf.request_id = 41;
    nf.request_kind = CT_REQ_GET_CALL;
    ct_error_set(&nf.error, CT_ENOTFOUND, "get call: HTTP 404");
    nf.call_id = "CC-live-1";
    ct_board_event(&board, &nf);
    assert_non_null(ct_store_get(store, "CC-live-1"));
    assert_true(screen_has("● hidden   in   +14155550101"));
    keys("jj"); /* CC-live-1 */
    assert_string_equal(board.ctx.selected_id, "CC-live-1");
    golden("board_not_visible");
    /* the channel keeps reporting it (a transcript line): still marked */
    ct_message m = {
        .message_id = "m9", .role = CT_ROLE_USER, .text = "hello?", .timestamp = FIX_NOW + 100};
    up.update_kind = CT_WH_CONVERSATION_UPDATE;
    up.call.present = CT_F_ID | CT_F_MESSAGES;
    up.call.messages = &m;
    up.call.n_messages = 1;
    up.last_event_ms = FIX_NOW + 100;
    ct_board_event(&board, &up);
    assert_true(screen_has("hidden"));
    assert_true(screen_has("NOT VISIBLE to this API key"));
    /* a call the channel does not report is removed on a 404, as before */
    nf.request_id = 42;
    nf.call_id = "CC-done-4";
    ct_board_event(&board, &nf);
    assert_null(ct_store_get(store, "CC-done-4"));
    /* REST sees CC-live-1 after all: the mark goes */
    ct_event got;
    memset(&got, 0, sizeof got);
    got.type = CT_EV_CALL_FETCHED;
    got.call.id = "CC-live-1";
    got.call.present = CT_F_ID | CT_F_STATUS;
    got.call.status = CT_STATUS_ONGOING;
    ct_board_event(&board, &got);
    assert_false(screen_has("hidden"));
    assert_false(screen_has("NOT VISIBLE"));
    assert_true(screen_has("● live     in   +14155550101"));
}

static void board_control_sanitizes(void **state)
{
    (void)state;
    /* escape sequences from the server never reach the screen */
    fix_add_call(
        store,
        "{\"id\":\"CC-evil\",\"startAt\":\"2026-05-28T20:26:39.500Z\",\"status\":\"ongoing\","
        "\"userNumber\":\"+1\\u001b]0;pwned\\u0007evil\"}",
        3);
    char *s = screen();
    assert_null(strstr(s, "\x1b"));
    assert_null(strstr(s, "\x07"));
    free(s);
}

/* A frame draws again only the panes whose inputs moved, and what it
 * leaves on screen is what a frame drawing every pane would show. */
static void same_as_full_frame(const char *what)
{
    char *inc = ct_board_screen_text();
    ct_board_stale(&board);
    char *full = screen();
    if (strcmp(inc, full) != 0) {
        fprintf(stderr, "---- %s: incremental frame:\n%s---- full frame:\n%s", what, inc, full);
        fail_msg("%s: the incremental frame differs from a full one", what);
    }
    free(inc);
    free(full);
}

static void dirty_panes(void **state)
{
    (void)state;
    free(screen());
    unsigned long drawn = board.panes_drawn, skipped = board.panes_skipped;
    free(screen());
    assert_int_equal(board.panes_drawn, drawn); /* nothing moved: nothing drawn */
    assert_int_equal(board.panes_skipped, skipped + 2);

    /* a new transcript line on the selected call: the details draw it */
    assert_true(board.ctx.selected_id[0]);
    ct_message m;
    memset(&m, 0, sizeof m);
    m.message_id = (char *)"dirty-1";
    m.role = CT_ROLE_USER;
    m.text = (char *)"a line that arrived later";
    m.timestamp = FIX_NOW - 500;
    assert_int_equal(ct_store_merge_messages(store, board.ctx.selected_id, &m, 1), CT_OK);
    drawn = board.panes_drawn;
    assert_true(screen_has("a line that arrived later"));
    assert_true(board.panes_drawn > drawn);
    same_as_full_frame("new transcript line");

    /* the clock moves a second: the live durations tick */
    board.ctx.now += 1000;
    drawn = board.panes_drawn;
    free(screen());
    assert_true(board.panes_drawn > drawn);
    same_as_full_frame("a second later");

    /* a status change of a listed call */
    fix_add_call(store, "{\"id\":\"WC-live-2\",\"status\":\"forwarded\"}", 5);
    free(screen());
    same_as_full_frame("status change");
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(board_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(board_side_by_side, setup, teardown),
        cmocka_unit_test_setup_teardown(board_single_pane, setup, teardown),
        cmocka_unit_test_setup_teardown(board_too_small, setup, teardown),
        cmocka_unit_test_setup_teardown(board_resize_storm, setup, teardown),
        cmocka_unit_test_setup_teardown(board_help, setup, teardown),
        cmocka_unit_test_setup_teardown(board_sort_and_selection_by_id, setup, teardown),
        cmocka_unit_test_setup_teardown(board_filter_and_search, setup, teardown),
        cmocka_unit_test_setup_teardown(board_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(board_transcript_follows_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(board_duration_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(board_control_sanitizes, setup, teardown),
        cmocka_unit_test_setup_teardown(board_idle_wakeups, setup, teardown),
        cmocka_unit_test_setup_teardown(board_mouse, setup, teardown),
        cmocka_unit_test_setup_teardown(board_rows_above_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(board_cap_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(board_modals, setup, teardown),
        cmocka_unit_test_setup_teardown(board_refusal_swallows_typed_ahead, setup, teardown),
        cmocka_unit_test_setup_teardown(board_pending_and_quit, setup, teardown),
        cmocka_unit_test_setup_teardown(board_pending_failed_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(board_too_small_quit_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(board_pending_update_before_acceptance, setup, teardown),
        cmocka_unit_test_setup_teardown(board_assistant_names, setup, teardown),
        cmocka_unit_test_setup_teardown(board_mouse_wheel_details, setup, teardown),
        cmocka_unit_test_setup_teardown(board_follow_off_on_navigation, setup, teardown),
        cmocka_unit_test_setup_teardown(board_read_only_submit, setup, teardown),
        cmocka_unit_test_setup_teardown(board_wide_text, setup, teardown),
        cmocka_unit_test_setup_teardown(board_monochrome, setup, teardown),
        cmocka_unit_test_setup_teardown(board_channel_states, setup, teardown),
        cmocka_unit_test_setup_teardown(board_unconfirmed_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(board_down_banner, setup, teardown),
        cmocka_unit_test_setup_teardown(board_hang_and_error_markers, setup, teardown),
        cmocka_unit_test_setup_teardown(board_not_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(dirty_panes, setup, teardown),
        cmocka_unit_test_setup_teardown(board_refresh_after_lost_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(board_list_error_shown, setup, teardown),
        cmocka_unit_test_setup_teardown(board_timer_alignment, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
