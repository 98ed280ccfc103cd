/* test_replay.c — record and replay (tui/recorder.c, tui/replay.c) on a
 * virtual terminal with a fake clock.
 *
 * A live board is fed a short scripted session (own reads, a list, the
 * live channel, webhook updates, a 404 that removes a call) while the
 * recorder writes it to a file; its screen is captured at moments T. Then a
 * second board replays the file: at each T (reached by seeking forward,
 * back, by playing at a speed, or by stepping) it must show exactly what
 * the live board showed then, apart from the status bar's REPLAY words
 * (the live board runs read-only, as a replay does, so the hints match). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "board_fixture.h"
#include "../../tui/board.h"
#include "../../tui/recorder.h"
#include "../../tui/replay.h"
#include "../../tui/theme.h"

#define T0 FIX_NOW
static SCREEN *scr;
static FILE *t_in, *t_out;
static char dir[64], path[128];

static void term_open(void)
{
    setenv("LINES", "24", 1);
    setenv("COLUMNS", "100", 1);
    setenv("TZ", "UTC", 1);
    tzset();
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

static ct_event *ev_calls(ct_event_type t, uint64_t rid, const char *const *jsons, size_t n)
{
    ct_event *ev = ct_event_new(t);
    ev->request_id = rid;
    ev->request_kind = rid ? CT_REQ_LIST_CALLS : 0;
    ev->calls.calls = calloc(n, sizeof(ct_call));
    for (size_t i = 0; i < n; i++) {
        ct_error err;
        assert_int_equal(ct_call_decode(jsons[i], strlen(jsons[i]), &ev->calls.calls[i], &err),
                         CT_OK);
    }
    ev->calls.n_calls = n;
    ev->calls.total_count = (long)n;
    return ev;
}

static ct_event *ev_update(ct_webhook_type kind, ct_time_ms ts, const char *json)
{
    ct_event *ev = ct_event_new(CT_EV_MONITOR_UPDATE);
    ct_error err;
    assert_int_equal(ct_call_decode(json, strlen(json), &ev->call, &err), CT_OK);
    ev->update_kind = kind;
    ev->last_event_ms = ts;
    return ev;
}

static ct_event *ev_state(ct_monitor_state s, ct_time_ms last)
{
    ct_event *ev = ct_event_new(CT_EV_MONITOR_STATE);
    ev->monitor_state = s;
    ev->last_event_ms = last;
    return ev;
}

static ct_event *ev_404(uint64_t rid)
{
    ct_event *ev = ct_event_new(CT_EV_REQUEST_FAILED);
    ev->request_id = rid;
    ev->request_kind = CT_REQ_GET_CALL;
    ev->error.http_status = 404;
    ct_error_set(&ev->error, CT_ENOTFOUND, "HTTP 404: call not found");
    return ev;
}

static const char *const LIST[] = {
    "{\"id\":\"CC-live-1\",\"direction\":\"inbound\",\"startAt\":\"2026-05-28T20:25:00.000Z\","
    "\"userNumber\":\"+14155550101\",\"assistantNumber\":\"+18005550199\",\"status\":\"ongoing\","
    "\"phoneCallStatus\":\"in-progress\",\"updatedAt\":\"2026-05-28T20:26:00.000Z\"}",
    "{\"id\":\"CC-live-2\",\"direction\":\"outbound\",\"startAt\":\"2026-05-28T20:26:10.000Z\","
    "\"userNumber\":\"+442079460000\",\"assistantNumber\":\"+18005550100\",\"status\":\"ongoing\","
    "\"phoneCallStatus\":\"in-progress\",\"updatedAt\":\"2026-05-28T20:26:10.000Z\"}",
    "{\"id\":\"CC-gone-3\",\"direction\":\"inbound\",\"startAt\":\"2026-05-28T19:00:00.000Z\","
    "\"endAt\":\"2026-05-28T19:01:00.000Z\",\"userNumber\":\"+14155550999\","
    "\"status\":\"finished\",\"phoneCallStatus\":\"completed\",\"updatedAt\":\"2026-05-28T19:01:00.000Z\"}",
};

/* The scripted session: what arrives when. */
typedef struct step {
    ct_time_ms at;
    int what;
} step;
enum { OWN_LIST, LISTED, LIVE, SAID, OWN_GET, GONE, ENDED, N_WHAT };
static const step SCRIPT[] = {
    {T0, OWN_LIST},       {T0 + 300, LISTED}, {T0 + 1000, LIVE},  {T0 + 4000, SAID},
    {T0 + 6000, OWN_GET}, {T0 + 6400, GONE},  {T0 + 9000, ENDED},
};
#define N_STEPS (sizeof SCRIPT / sizeof *SCRIPT)
/* The moments compared: between events, on one, and on the last (a
 * replay ends at its last record: it cannot know how long the board ran on). */
static const ct_time_ms MOMENTS[] = {T0 + 500, T0 + 4000, T0 + 5500, T0 + 7000, T0 + 9000};
#define N_MOMENTS (sizeof MOMENTS / sizeof *MOMENTS)
static char *live_screens[N_MOMENTS];

static void run_step(ct_board *b, ct_recorder *rec, const step *s)
{
    b->ctx.now = s->at;
    ct_event *ev = NULL;
    switch (s->what) {
    case OWN_LIST:
        ct_reduce_own_read(&b->reduce, CT_REQ_LIST_CALLS, 1, NULL);
        assert_true(ct_recorder_own_read(rec, CT_REQ_LIST_CALLS, 1, NULL, s->at));
        return;
    case OWN_GET:
        ct_reduce_own_read(&b->reduce, CT_REQ_GET_CALL, 2, "CC-gone-3");
        assert_true(ct_recorder_own_read(rec, CT_REQ_GET_CALL, 2, "CC-gone-3", s->at));
        return;
    case LISTED: ev = ev_calls(CT_EV_CALLS_LISTED, 1, LIST, 3); break;
    case LIVE: ev = ev_state(CT_MON_LIVE, s->at); break;
    case SAID:
        ev = ev_update(
            CT_WH_CONVERSATION_UPDATE, s->at,
            "{\"id\":\"CC-live-1\",\"status\":\"ongoing\",\"messages\":[{\"messageId\":\"m1\","
            "\"role\":\"user\",\"text\":\"Can I move my appointment?\",\"timestamp\":1780000003900}]}");
        break;
    case GONE: ev = ev_404(2); break;
    case ENDED:
        ev = ev_update(
            CT_WH_STATUS_UPDATE, s->at,
            "{\"id\":\"CC-live-2\",\"status\":\"finished\",\"phoneCallStatus\":\"completed\","
            "\"endAt\":\"2026-05-28T20:26:49.000Z\"}");
        break;
    }
    assert_true(ct_recorder_event(rec, ev, s->at));
    ct_board_event(b, ev);
    ct_event_free(ev);
}

static char *draw_at(ct_board *b, ct_time_ms t)
{
    b->ctx.now = t;
    ct_board_stale(b);
    ct_board_draw(b);
    return ct_board_screen_text();
}

/* The screen without its first row (the status bar, where REPLAY shows). */
static const char *below_status(const char *s)
{
    const char *nl = strchr(s, '\n');
    return nl ? nl + 1 : s;
}

static void assert_same_screen(const char *live, const char *replayed, ct_time_ms t)
{
    if (strcmp(below_status(live), below_status(replayed)) != 0) {
        fprintf(stderr, "---- live:\n%s---- replay:\n%s", live, replayed);
        fail_msg("at T0+%lld ms the replay differs", (long long)(t - T0));
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ct-replay-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/session.jsonl", dir);
    term_open();
    /* the live run: record it and keep its screens */
    ct_store *store = ct_store_new(NULL);
    ct_board live;
    /* read-only like the replay: the key hints then match, the flash line
     * (shared with them) is compared too */
    assert_int_equal(ct_board_init(&live, store, true, false), 0);
    live.ctx.now = T0;
    ct_board_layout(&live);
    ct_error err;
    ct_recorder *rec = ct_recorder_open(path, 1 << 20, T0, &live.ctx, &err);
    assert_non_null(rec);
    size_t next = 0;
    for (size_t m = 0; m < N_MOMENTS; m++) {
        while (next < N_STEPS && SCRIPT[next].at <= MOMENTS[m])
            run_step(&live, rec, &SCRIPT[next++]);
        live_screens[m] = draw_at(&live, MOMENTS[m]);
    }
    ct_recorder_close(rec);
    ct_board_free(&live);
    ct_store_free(store);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    term_close();
    for (size_t m = 0; m < N_MOMENTS; m++) free(live_screens[m]);
    unlink(path);
    rmdir(dir);
    return 0;
}

typedef struct replay_board {
    ct_store *store;
    ct_board b;
    ct_replay R;
} replay_board;

static void replay_open(replay_board *rb)
{
    ct_error err;
    rb->store = ct_store_new(NULL);
    assert_int_equal(ct_board_init(&rb->b, rb->store, true, false), 0);
    ct_board_layout(&rb->b);
    if (ct_replay_load(&rb->R, path, &err) != CT_OK) fail_msg("%s", err.detail);
    ct_replay_begin(&rb->R, &rb->b, 0, false);
}

static void replay_close(replay_board *rb)
{
    ct_replay_free(&rb->R);
    ct_board_free(&rb->b);
    ct_store_free(rb->store);
}

static char *replay_screen(replay_board *rb, int64_t real)
{
    ct_replay_status(&rb->R, real, rb->b.status.replay, sizeof rb->b.status.replay);
    return draw_at(&rb->b, ct_replay_clock(&rb->R, real));
}

static void test_the_recording_is_private_and_complete(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    replay_board rb;
    replay_open(&rb);
    assert_int_equal(rb.R.n, N_STEPS); /* every event and own read */
    assert_int_equal(rb.R.start, T0);
    assert_int_equal(rb.R.end, T0 + 9000);
    replay_close(&rb);
    /* a recording is never overwritten */
    ct_error err;
    assert_null(ct_recorder_open(path, 1 << 20, T0, NULL, &err));
    assert_non_null(strstr(err.detail, "never overwritten"));
}

static void test_seek_shows_what_the_live_board_showed(void **state)
{
    (void)state;
    replay_board rb;
    replay_open(&rb);
    /* forward through every moment */
    for (size_t m = 0; m < N_MOMENTS; m++) {
        ct_replay_seek(&rb.R, MOMENTS[m], 0);
        char *s = replay_screen(&rb, 0);
        assert_same_screen(live_screens[m], s, MOMENTS[m]);
        free(s);
    }
    /* then back: the board's data is rebuilt from the start */
    for (size_t m = N_MOMENTS; m-- > 0;) {
        ct_replay_seek(&rb.R, MOMENTS[m], 0);
        char *s = replay_screen(&rb, 0);
        assert_same_screen(live_screens[m], s, MOMENTS[m]);
        free(s);
    }
    char *s = replay_screen(&rb, 0);
    assert_non_null(strstr(s, "REPLAY 1x 20:26:40 paused"));
    free(s);
    replay_close(&rb);
}

static void test_play_at_speed_reaches_the_same_screens(void **state)
{
    (void)state;
    replay_board rb;
    replay_open(&rb);
    ct_replay_set_speed(&rb.R, 5, 0); /* rounds up to a power of two */
    assert_int_equal(rb.R.speed, 8);
    ct_replay_set_speed(&rb.R, 4, 0);
    ct_replay_toggle(&rb.R, 0); /* play */
    assert_true(rb.R.playing);
    for (size_t m = 0; m + 1 < N_MOMENTS; m++) {
        int64_t real = (MOMENTS[m] - T0) / 4; /* 4x: a quarter of the recorded time */
        /* the timer asks to be woken no later than the next record */
        long due = ct_replay_due_in(&rb.R, real);
        assert_true(due >= 0 && due <= 250);
        ct_replay_advance(&rb.R, real);
        assert_int_equal(ct_replay_clock(&rb.R, real), MOMENTS[m]);
        char *s = replay_screen(&rb, real);
        assert_same_screen(live_screens[m], s, MOMENTS[m]);
        assert_non_null(strstr(s, "REPLAY 4x"));
        free(s);
    }
    /* past the end: paused at the last record */
    ct_replay_advance(&rb.R, 60000);
    assert_false(rb.R.playing);
    assert_int_equal(ct_replay_clock(&rb.R, 60000), T0 + 9000);
    assert_int_equal(ct_replay_due_in(&rb.R, 60000), -1);
    replay_close(&rb);
}

static void test_step_applies_one_event_at_a_time(void **state)
{
    (void)state;
    replay_board rb;
    replay_open(&rb);
    ct_replay_step(&rb.R, 0); /* the own read rides along with the list */
    assert_int_equal(rb.R.next, 2);
    assert_int_equal(ct_replay_clock(&rb.R, 0), T0 + 300);
    assert_int_equal(ct_store_count(rb.store), 3);
    ct_replay_step(&rb.R, 0); /* LIVE */
    ct_replay_step(&rb.R, 0); /* the transcript line */
    assert_int_equal(ct_replay_clock(&rb.R, 0), T0 + 4000);
    char *s = replay_screen(&rb, 0);
    assert_same_screen(live_screens[1], s, T0 + 4000);
    free(s);
    ct_replay_step(&rb.R, 0); /* own get + the 404: the call is gone */
    assert_int_equal(ct_store_count(rb.store), 2);
    assert_false(rb.R.playing);
    replay_close(&rb);
}

static void test_seek_input(void **state)
{
    (void)state;
    ct_time_ms t;
    assert_true(ct_replay_parse_seek("+90", T0, &t));
    assert_int_equal(t, T0 + 90000);
    assert_true(ct_replay_parse_seek("-5", T0, &t));
    assert_int_equal(t, T0 - 5000);
    assert_true(ct_replay_parse_seek("20:26:45", T0, &t)); /* TZ=UTC */
    assert_int_equal(t, T0 + 5000);
    assert_false(ct_replay_parse_seek("", T0, &t));
    assert_false(ct_replay_parse_seek("+", T0, &t));
    assert_false(ct_replay_parse_seek("25:00:00", T0, &t));
    assert_false(ct_replay_parse_seek("20:26", T0, &t));
    assert_false(ct_replay_parse_seek("20:26:45x", T0, &t));
    assert_false(ct_replay_parse_seek("+5s", T0, &t));
}

/* The seek prompt (:) takes every key until Enter or Esc; a resize still
 * reaches the board. */
static void test_seek_prompt_takes_the_keys(void **state)
{
    (void)state;
    replay_board rb;
    replay_open(&rb);
    assert_false(ct_replay_prompt_key(&rb.R, 'q', 0)); /* no prompt: the board's key */
    ct_replay_action(&rb.R, CT_A_REPLAY_SEEK, 0);
    assert_true(rb.R.prompting);
    assert_non_null(strstr(rb.b.ctx.flash, "seek to"));
    /* the prompt's flash stays, but its timer must not overflow the loop's clock */
    ct_board_timers tm;
    ct_board_get_timers(&rb.b, &tm);
    assert_true(tm.flash_expiry > 0 && tm.flash_expiry <= 366L * 24 * 3600 * 1000);
    const char *typed = "q+4"; /* q is swallowed, not a quit */
    for (const char *c = typed; *c; c++) assert_true(ct_replay_prompt_key(&rb.R, *c, 0));
    assert_false(ct_replay_prompt_key(&rb.R, KEY_RESIZE, 0));
    assert_false(rb.b.quit);
    assert_string_equal(rb.R.input, "+4");
    assert_true(ct_replay_prompt_key(&rb.R, '\r', 0));
    assert_false(rb.R.prompting);
    assert_int_equal(ct_replay_clock(&rb.R, 0), T0 + 4000);
    char *s = replay_screen(&rb, 0);
    assert_same_screen(live_screens[1], s, T0 + 4000);
    free(s);
    /* Esc cancels: the clock stays */
    ct_replay_action(&rb.R, CT_A_REPLAY_SEEK, 0);
    ct_replay_prompt_key(&rb.R, '-', 0);
    ct_replay_prompt_key(&rb.R, '2', 0);
    ct_replay_prompt_key(&rb.R, CT_KEY_ESC, 0);
    assert_false(rb.R.prompting);
    assert_int_equal(ct_replay_clock(&rb.R, 0), T0 + 4000);
    replay_close(&rb);
}

static int replay_hook(void *ud, int action_id)
{
    replay_board *rb = ud;
    return ct_replay_action(&rb->R, (ct_action_id)action_id, 0);
}

/* The board's keys reach the replay through its hook; the help lists the
 * replay keys only on a replay. */
static void test_board_keys_and_help_on_a_replay(void **state)
{
    (void)state;
    replay_board rb;
    replay_open(&rb);
    ct_board_key(&rb.b, '?', NULL);
    ct_board_key(&rb.b, 'G', NULL);
    char *s = replay_screen(&rb, 0);
    assert_null(strstr(s, "With --replay")); /* no hook: a live board */
    free(s);
    ct_board_key(&rb.b, CT_KEY_ESC, NULL);
    rb.b.replay_action = replay_hook;
    rb.b.replay_ud = &rb;
    ct_board_key(&rb.b, '>', NULL);
    ct_board_key(&rb.b, '>', NULL);
    assert_int_equal(rb.R.speed, 4);
    ct_board_key(&rb.b, ' ', NULL);
    assert_true(rb.R.playing);
    ct_board_key(&rb.b, ' ', NULL);
    ct_board_key(&rb.b, '.', NULL);
    assert_true(rb.R.next > 0);
    ct_board_key(&rb.b, ':', NULL);
    assert_true(rb.R.prompting);
    ct_replay_prompt_key(&rb.R, CT_KEY_ESC, 0);
    ct_board_key(&rb.b, '?', NULL);
    ct_board_key(&rb.b, 'G', NULL); /* the replay rows end the key list */
    s = replay_screen(&rb, 0);
    assert_non_null(strstr(s, "With --replay: play or pause"));
    free(s);
    replay_close(&rb);
}

static void test_bad_recordings_name_the_line(void **state)
{
    (void)state;
    ct_replay R;
    ct_error err;
    const char *no_header = "{\"t\":1,\"ev\":\"log\",\"text\":\"x\"}\n";
    assert_int_not_equal(ct_replay_load_buf(&R, no_header, strlen(no_header), "f", &err), CT_OK);
    assert_non_null(strstr(err.detail, "not a calltop recording"));
    const char *bad = "{\"calltop\":\"recording\",\"version\":1,\"t\":1}\n"
                      "{\"t\":2,\"ev\":\"log\"}\n{\"t\":3,\"ev\":\"nope\"}\n";
    assert_int_not_equal(ct_replay_load_buf(&R, bad, strlen(bad), "f", &err), CT_OK);
    assert_non_null(strstr(err.detail, "f line 3"));
    assert_int_not_equal(ct_replay_load_buf(&R, "", 0, "f", &err), CT_OK);
}

/* The size cap: the line that would pass it is not written, recording
 * stops with a flash, and the file ends with a whole line. */
static void test_record_cap_stops_with_a_flash(void **state)
{
    (void)state;
    char p2[160];
    snprintf(p2, sizeof p2, "%s/capped.jsonl", dir);
    ct_ui_ctx ctx;
    ct_ui_ctx_init(&ctx);
    ct_error err;
    ct_recorder *rec = ct_recorder_open(p2, 300, T0, &ctx, &err);
    assert_non_null(rec);
    ct_event *ev = ev_calls(CT_EV_CALLS_LISTED, 1, LIST, 3); /* well over 300 bytes */
    assert_false(ct_recorder_event(rec, ev, T0));
    assert_true(ct_recorder_stopped(rec));
    assert_non_null(strstr(ctx.flash, "recording stopped"));
    assert_non_null(strstr(ctx.flash, "record-max-bytes"));
    ct_event *small = ct_event_new(CT_EV_LOG);
    assert_false(ct_recorder_event(rec, small, T0)); /* stays stopped */
    uint64_t bytes = ct_recorder_bytes(rec);
    ct_recorder_close(rec);
    struct stat st;
    assert_int_equal(stat(p2, &st), 0);
    assert_int_equal((uint64_t)st.st_size, bytes);
    assert_true(bytes <= 300);
    ct_replay R;
    assert_int_equal(ct_replay_load(&R, p2, &err), CT_OK); /* still a valid recording */
    assert_int_equal(R.n, 0);
    ct_replay_free(&R);
    ct_event_free(ev);
    ct_event_free(small);
    unlink(p2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_recording_is_private_and_complete),
        cmocka_unit_test(test_seek_shows_what_the_live_board_showed),
        cmocka_unit_test(test_play_at_speed_reaches_the_same_screens),
        cmocka_unit_test(test_step_applies_one_event_at_a_time),
        cmocka_unit_test(test_seek_input),
        cmocka_unit_test(test_seek_prompt_takes_the_keys),
        cmocka_unit_test(test_board_keys_and_help_on_a_replay),
        cmocka_unit_test(test_bad_recordings_name_the_line),
        cmocka_unit_test(test_record_cap_stops_with_a_flash),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
