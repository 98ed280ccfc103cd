/* board_main.c — the board's event loop (ct_board_main) and the man page's
 * KEYS section (ct_manpage_keys).
 *
 * The UI thread runs app/loop.c: three registered fds (the signal
 * self-pipe, the terminal, the inbox's wake fd), named timers (the polling
 * schedule, the settled selection's read, frame pacing, and one per thing
 * on screen that changes by itself: a live call's duration tick, the flash
 * line's expiry, the clock...), and a before-sleep hook that runs the
 * schedule and draws. With no timer armed, poll() waits without a timeout,
 * so an idle board with nothing live on screen never wakes. Events go
 * through the board (tui/board.c) to the reducer (core/reduce.c) in
 * batches, and one frame is drawn per wakeup at most (at most one per
 * 8 ms, widening to 15 ms while changes keep arriving back to back), with
 * wnoutrefresh per pane and one doupdate().
 *
 * Terminal safety: endwin() runs on every way out — quit, SIGINT, SIGTERM,
 * SIGHUP, end of input, and a crash (SIGSEGV/SIGABRT/SIGBUS/SIGFPE handler
 * that restores the terminal and re-raises). */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../tui/actions.h"
#include "app.h"
#include "../tui/board.h"
#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/log.h"
#include "calltop/monitor.h"
#include "calltop/store.h"
#include "demo.h"
#include "loop.h"
#include "../tui/msglog.h"
#include "notify.h"
#include "../tui/recorder.h"
#include "../tui/replay.h"
#include "../tui/boardstate_file.h"
#include "../tui/text.h"
#include "../tui/theme.h"

/* The read schedule (issue 11; docs/ARCHITECTURE.md "The read schedule"):
 * the hot window every poll-interval (3 s) and the whole window every
 * full-refresh-interval (10 min) while REST is the truth, the hot window
 * every reconcile-interval (60 s) while the relay is LIVE. */
#define POLL_SELECTED_MS 1500               /* polling fallback: the selected call */
#define HOT_SETTLE_MS    (10LL * 60 * 1000) /* an ended call stays hot this long for its analysis */
#define HOT_MARGIN_MS \
    (15LL * 1000)           /* the hot window opens this long before its oldest call
                                               * (server times on both sides: no clock skew to cover) */
#define RECHECK_BATCH    16 /* unconfirmed rows re-read directly per hot read, at most */
#define LIST_WINDOW_MS   (24LL * 3600 * 1000)
#define LIST_MARGIN_MS   (5LL * 60 * 1000) /* live calls have no endAt: widen endDate */
#define MIN_FRAME_MS     8                 /* pacing: an isolated event waits at most this */
#define MAX_FRAME_MS     15                /* ... and one in a steady stream at most this */
#define FRAME_STEP_MS    2                 /* the interval's growth per back-to-back frame */
#define ERR_STORM        64                /* reads that return nothing although poll said input */
#define SELECT_SETTLE_MS 300               /* a new selection is read this long after it moved */
/* The board's caps. 50,000 calls (the scale the board is benchmarked at,
 * ~80 MB at 1.6 KB a call) covers a busy account's 24 h; past it the
 * store evicts the oldest finished calls. The list walk stops there too. */
#define BOARD_MAX_CALLS  50000
#define BOARD_MAX_LINES  5000
#define TRIM_AFTER_CALLS 1000 /* a CT_EV_CALLS_LISTED this big ends with malloc_trim */

/* ---- signals ------------------------------------------------------------------ */

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t curses_up;
static int saved_stderr = -1; /* the terminal's stderr while the board hides it */

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (sig_pipe[1] >= 0) (void)!write(sig_pipe[1], &b, 1);
    errno = saved;
}

static void on_crash(int sig)
{
    /* Not async-signal-safe, but the alternative is leaving the user's
     * terminal in raw mode with the alternate screen up. */
    if (curses_up) endwin();
    if (saved_stderr >= 0) dup2(saved_stderr, STDERR_FILENO); /* let the crash report show */
    signal(sig, SIG_DFL);
    raise(sig);
}

static int install_signals(void)
{
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    return 0;
}

/* SIGWINCH goes through the self-pipe too, replacing the handler initscr()
 * installed. ncurses' own handler only sets a flag that the next getch()
 * reads, and the process has other threads (fetcher, monitor, and the
 * simulator and relay under --demo): the signal may land on one of them,
 * or arrive while the UI thread is drawing, and then nothing wakes poll()
 * and the board keeps its old size until the next key or event. */
static void install_winch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
}

/* Asks the terminal for its size and tells ncurses, which queues KEY_RESIZE
 * for the next read when the size changed. */
static void apply_winch(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
}

static void restore_signals(void)
{
    signal(SIGWINCH, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    if (sig_pipe[0] >= 0) close(sig_pipe[0]);
    if (sig_pipe[1] >= 0) close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
}

/* ---- the loop's state ------------------------------------------------------------ */

/* The board's named timers (app/loop.h); the board's own ones follow the
 * fields of ct_board_timers, in order. */
enum {
    T_POLL_LIST,     /* the hot window's read: poll-interval, or reconcile-interval while LIVE */
    T_POLL_FULL,     /* the whole 24-hour window's read: full-refresh-interval without LIVE */
    T_POLL_SELECTED, /* polling fallback: read the selected call again */
    T_SELECT_SETTLE, /* a newly selected call is read once the selection settles */
    T_FRAME,         /* frame pacing: the held frame (and inbox) is due */
    T_LIST_TICK,
    T_DETAILS_TICK,
    T_STATUS_AGE,
    T_MARKS_EXPIRY,
    T_CLOCK_MINUTE,
    T_FLASH_EXPIRY,
    T_ATTENTION,
    T_REPLAY, /* --replay: the next recorded event (or second) is due */
    T__COUNT
};
static const char *const timer_names[T__COUNT] = {
    "poll.hot",     "poll.full",      "poll.selected", "select.settle", "frame",
    "list.tick",    "details.tick",   "status.age",    "marks.expiry",  "clock.minute",
    "flash.expiry", "attention.tick", "replay",
};

typedef struct loop {
    ct_board board;
    ct_store *store;
    ct_inbox *inbox;
    ct_fetcher *fetcher;
    ct_monitor *monitor;
    ct_msglog *log;
    ct_attention *attention;    /* the attention rules (calltop/attention.h) */
    ct_board_notifier notifier; /* bell / OSC 9 / title, after each frame */
    bool have_relay;
    /* the read schedule (ms, from the settings) */
    long hot_ms, full_ms, reconcile_ms;
    bool want_full;                  /* a full read waits for the list read in flight */
    bool rest_truth;                 /* last turn: REST was the truth (no LIVE relay) */
    char fetched_id[CT_CALL_ID_BUF]; /* last selected call fetched on selection */
    /* the event loop: its fds and timers */
    ct_loop *ev;
    int fd_inbox; /* handle: disabled while a frame is held */
    int timer[T__COUNT];
    /* frames */
    bool dirty; /* something to draw */
    ct_time_ms last_draw;
    long frame_ms;   /* the pacing interval now */
    bool waited;     /* the held frame waited for its time */
    bool inbox_held; /* events wait in the inbox for the held frame */
    /* input */
    bool resized; /* this turn saw SIGWINCH */
    int err_storm;
    ct_recorder *rec;  /* --record FILE (NULL: not recording) */
    ct_replay *replay; /* --replay FILE (NULL: live) */
} loop;

/* The board's clock: the wall clock live, the recorded clock on replay
 * (durations and ages then read as they did when it was recorded). */
static ct_time_ms board_now(const loop *L, ct_time_ms real)
{
    return L->replay ? ct_replay_clock(L->replay, real) : real;
}

static bool polling(const loop *L)
{
    return !L->have_relay || L->board.status.monitor == CT_MON_POLLING;
}

/* REST is the truth whenever the relay is not LIVE (STALE, RECONNECTING,
 * CONNECTING and POLLING too): then nothing else confirms a live row. */
static bool rest_is_truth(const loop *L)
{
    return !L->have_relay || L->board.status.monitor != CT_MON_LIVE;
}

/* The board's own reads: the reducer judges their outcomes (failure
 * streak, list error, the 404 rule), so it is told what was sent. A full
 * read is the 24-hour window; a hot one starts at the oldest unsettled
 * call (ct_reduce_hot_start), so its cost follows what can still change.
 * One list read is in flight at a time: another waits for it. */
static void fetch_list(loop *L, ct_time_ms now, bool full)
{
    if (!L->fetcher) return;
    if (L->board.reduce.list_req) {
        /* the read in flight answers a hot read; a full one waits for it */
        if (full) L->want_full = true;
        return;
    }
    ct_time_ms start = full
        ? now - LIST_WINDOW_MS
        : ct_reduce_hot_start(&L->board.reduce, now, HOT_SETTLE_MS, HOT_MARGIN_MS);
    if (start < now - LIST_WINDOW_MS) start = now - LIST_WINDOW_MS;
    ct_error err;
    uint64_t rid = ct_fetch_list_calls(L->fetcher, start, now + LIST_MARGIN_MS, false, &err);
    if (!rid) ct_ui_flash(&L->board.ctx, CT_FLASH_ERROR, "list calls: %s", err.detail);
    ct_reduce_own_read(&L->board.reduce, CT_REQ_LIST_CALLS, rid, NULL);
    ct_recorder_own_read(L->rec, CT_REQ_LIST_CALLS, rid, NULL, L->board.ctx.now);
    if (rid) L->board.reduce.list_sent_at = now;
    if (full) L->want_full = false;
}

/* Direct re-reads (one GET each) of the given calls, owned by the reducer. */
static void recheck(loop *L, const char *const *ids, size_t n)
{
    if (!n || !L->fetcher) return;
    uint64_t req[CT_REDUCE_MAX_RECHECKS];
    if (n > CT_REDUCE_MAX_RECHECKS) n = CT_REDUCE_MAX_RECHECKS;
    ct_fetch_recheck(L->fetcher, ids, n, req);
    ct_reduce_own_rechecks(&L->board.reduce, ids, req, n);
}

/* The live calls a list no longer mentions (the reducer's RECHECKs). */
static void recheck_unmentioned(loop *L)
{
    const char *ids[CT_REDUCE_MAX_RECHECKS];
    size_t n = 0;
    for (size_t i = 0; i < L->board.n_recheck; i++)
        if (!ct_reduce_recheck_pending(&L->board.reduce, L->board.recheck_ids[i]))
            ids[n++] = L->board.recheck_ids[i];
    recheck(L, ids, n);
    L->board.n_recheck = 0;
}

/* Unconfirmed rows are re-read directly while the API answers (during an
 * outage the hot read's failure says enough, and more requests only add
 * to the load the API is shedding). */
static void recheck_unconfirmed(loop *L, ct_time_ms now)
{
    if (L->board.reduce.api_down_since || !L->fetcher) return;
    char buf[RECHECK_BATCH][CT_CALL_ID_BUF];
    const char *ids[RECHECK_BATCH];
    size_t n = ct_reduce_unconfirmed_ids(&L->board.reduce, now, buf, RECHECK_BATCH);
    for (size_t i = 0; i < n; i++) ids[i] = buf[i];
    recheck(L, ids, n);
}

static void fetch_selected(loop *L)
{
    const char *id = L->board.ctx.selected_id;
    if (L->board.reduce.get_req || !L->fetcher || !id[0]) return;
    uint64_t rid = ct_fetch_get_call(L->fetcher, id, NULL);
    snprintf(L->fetched_id, sizeof L->fetched_id, "%s", id);
    ct_reduce_own_read(&L->board.reduce, CT_REQ_GET_CALL, rid, id);
    ct_recorder_own_read(L->rec, CT_REQ_GET_CALL, rid, id, L->board.ctx.now);
}

/* The polling schedule and the reads that follow the selection. Runs
 * before every sleep: it arms or disarms the timers that do the reads. */
static void schedule(loop *L, ct_time_ms now)
{
    bool poll_now = polling(L) && L->fetcher; /* --replay: nothing to poll */
    bool rest = rest_is_truth(L) && L->fetcher;
    L->board.status.polling = poll_now && L->fetcher;
    if (rest != L->rest_truth) {
        /* the channel stopped (or started) vouching: read the hot window
         * now, then at the new cadence */
        L->rest_truth = rest;
        ct_loop_disarm(L->ev, L->timer[T_POLL_LIST]);
        ct_loop_disarm(L->ev, L->timer[T_POLL_FULL]);
        if (rest) ct_loop_arm(L->ev, L->timer[T_POLL_LIST], now);
    }
    if (!ct_loop_armed(L->ev, L->timer[T_POLL_LIST]))
        ct_loop_arm(L->ev, L->timer[T_POLL_LIST], now + (rest ? L->hot_ms : L->reconcile_ms));
    if (rest) {
        if (!ct_loop_armed(L->ev, L->timer[T_POLL_FULL]))
            ct_loop_arm(L->ev, L->timer[T_POLL_FULL], now + L->full_ms);
        if (!ct_loop_armed(L->ev, L->timer[T_POLL_SELECTED]))
            ct_loop_arm(L->ev, L->timer[T_POLL_SELECTED], now + POLL_SELECTED_MS);
    } else {
        ct_loop_disarm(L->ev, L->timer[T_POLL_SELECTED]);
    }
    /* A newly selected call is fetched once, SELECT_SETTLE_MS after the
     * selection first moved to it: list items carry no transcript. */
    if (L->board.ctx.selected_id[0] && strcmp(L->fetched_id, L->board.ctx.selected_id) != 0) {
        if (!ct_loop_armed(L->ev, L->timer[T_SELECT_SETTLE]))
            ct_loop_arm(L->ev, L->timer[T_SELECT_SETTLE], now + SELECT_SETTLE_MS);
    } else {
        ct_loop_disarm(L->ev, L->timer[T_SELECT_SETTLE]);
    }
    if (L->board.want_refresh) {
        L->board.want_refresh = false;
        fetch_list(L, now, true);
        fetch_selected(L);
    }
    if (L->board.want_reconcile) {
        L->board.want_reconcile = false;
        fetch_list(L, now, false);
    }
    /* a read that waited for the one in flight */
    if (!L->board.reduce.list_req && L->want_full) fetch_list(L, now, true);
    if (L->board.n_recheck) recheck_unmentioned(L);
}

static void handle_event(loop *L, ct_event *ev)
{
    if (ev->type == CT_EV_MONITOR_STATE)
        ct_log(CT_LOG_INFO, "monitor state %s", ct_monitor_state_name(ev->monitor_state));
    if (ev->type == CT_EV_REQUEST_FAILED)
        ct_log(CT_LOG_WARN, "request %llu failed: %s", (unsigned long long)ev->request_id,
               ev->error.detail);
    ct_board_event(&L->board, ev);
}

/* ---- terminal ---------------------------------------------------------------------- */

static bool use_color(const ct_config *cfg)
{
    const char *nc = getenv("NO_COLOR");
    return !cfg->no_color && !(nc && *nc);
}

static void start_curses(void)
{
    initscr();
    curses_up = 1;
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    /* we poll stdin ourselves; ncurses need not peek at it on every refresh */
    typeahead(-1);
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    mouseinterval(0);
    /* ncurses 6.4 flushes its output after every cursor motion while the
     * screen is in its initial state (lib_mvcur.c: _endwin == ewInitial, meant
     * for terminfo-only programs), and only a doupdate() after an endwin()
     * leaves that state. Without this a frame leaves in ~8-20 write(2)s, one
     * per row touched, each waking the terminal's reader; with it, in one.
     * Nothing is on screen yet, so the round trip shows nothing. */
    endwin();
    doupdate();
}

/* While ncurses owns the terminal, stray writes to stderr (a library's
 * warning) would scribble over the board: send them to the log file, or to
 * /dev/null without one, and give stderr back after endwin(). */
static void hide_stderr(const char *log_path)
{
    int fd = log_path ? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
    if (fd < 0) fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    saved_stderr = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
}

static void restore_stderr(void)
{
    if (saved_stderr < 0) return;
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    saved_stderr = -1;
}

/* Reads every key available now; returns how many. */
static int read_keys(loop *L)
{
    int got = 0;
    for (int i = 0; i < 256; i++) {
        wint_t wc;
        int r = wget_wch(stdscr, &wc);
        if (r == ERR) break;
        got++;
        int key;
        if (r == KEY_CODE_YES) key = (int)wc;
        else key = wc >= KEY_MIN ? CT_KEY_WCHAR(wc) : (int)wc;
        MEVENT m, *mp = NULL;
        if (key == KEY_MOUSE) {
            if (getmouse(&m) != OK) continue;
            mp = &m;
        }
        L->board.ctx.now = board_now(L, ct_now_ms());
        /* --replay's seek prompt takes every key while it is open */
        if (L->replay && ct_replay_prompt_key(L->replay, key, ct_now_ms())) {
            L->dirty = true;
            continue;
        }
        int fx = ct_board_key(&L->board, key, mp);
        if (fx) L->dirty = true;
        if (L->board.quit) return 0;
    }
    return got;
}

/* ct_ui_submit's way out: requests from panes go to the fetcher thread. */
static uint64_t submit_to_fetcher(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err)
{
    ct_fetcher *f = ctx->submit_ud;
    switch (rq->kind) {
    case CT_REQ_CONNECT: return ct_fetch_connect(f, &rq->connect, err);
    case CT_REQ_CREATE: return ct_fetch_create(f, &rq->create, err);
    case CT_REQ_CONTROL: return ct_fetch_control(f, rq->call_id, &rq->control, err);
    case CT_REQ_GET_CALL: return ct_fetch_get_call(f, rq->call_id, err);
    case CT_REQ_NUMBERS: return ct_fetch_numbers(f, err);
    default:
        ct_error_set(err, CT_EINVAL, "request kind %d cannot be sent from a pane", (int)rq->kind);
        return 0;
    }
}

/* The board's assistant-name lookups (tui/assistcache.h) go to the fetcher. */
static uint64_t fetch_assistant(void *ud, const char *assistant_id, ct_error *err)
{
    return ct_fetch_assistant(ud, assistant_id, err);
}

static void build_ctx(loop *L, const ct_config *cfg, const char *base_url)
{
    ct_ui_ctx *ctx = &L->board.ctx;
    L->board.fetch_assistant = fetch_assistant;
    L->board.fetch_ud = L->fetcher;
    ctx->submit_ud = L->fetcher;
    ctx->submit_hook = submit_to_fetcher;
    ctx->base_url = base_url;
    L->board.msglog = L->log;
    ctx->log_hook = ct_msglog_hook;
    ctx->log_ud = L->log;
    (void)cfg;
}

/* --replay sends nothing: a pane's request is refused, not queued. */
static uint64_t submit_refused(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err)
{
    (void)ctx;
    (void)rq;
    ct_error_set(err, CT_EREADONLY, "a replay sends no requests");
    return 0;
}

/* The board's replay keys (tui/actions.c rows) go to the replay engine. */
static int on_replay_action(void *ud, int action_id)
{
    loop *L = ud;
    ct_time_ms real = ct_loop_now(L->ev);
    int fx = ct_replay_action(L->replay, (ct_action_id)action_id, real);
    L->board.ctx.now = board_now(L, real);
    L->dirty = true;
    return fx;
}

/* ---- the event loop's callbacks (app/loop.h) --------------------------------------- */

static void drain_inbox(loop *L)
{
    /* events are judged at their arrival (confirmed_at, the API's health),
     * on the board's clock: on --replay the recorded one, never the wall
     * clock (a frame drawn after this drain would otherwise judge the
     * flash, ages and timers by today's time and hide a replay's flash) */
    L->board.ctx.now = board_now(L, ct_loop_now(L->ev));
    ct_event *ev = ct_inbox_drain(L->inbox);
    size_t listed = 0;
    while (ev) {
        ct_event *next = ev->next;
        if (ev->type == CT_EV_CALLS_LISTED) listed += ev->calls.n_calls;
        /* --record: as the reducer gets it, with the time it is given */
        if (L->rec) ct_recorder_event(L->rec, ev, L->board.ctx.now);
        handle_event(L, ev);
        ct_event_free(ev);
        ev = next;
    }
#ifdef __GLIBC__
    /* A big list arrives decoded whole, then copied into the store and
     * freed: give the freed pages back rather than keep the load's
     * high-water mark resident. */
    if (listed >= TRIM_AFTER_CALLS) malloc_trim(0);
#endif
    L->dirty = true;
}

static void on_inbox(ct_loop *ev, int fd, short revents, void *ud)
{
    (void)ev;
    (void)fd;
    (void)revents;
    drain_inbox(ud);
}

/* SIGINT/SIGTERM/SIGHUP leave; SIGWINCH resizes (KEY_RESIZE then waits
 * in ncurses' queue, so the keys are read now). */
static void on_signal_pipe(ct_loop *ev, int fd, short revents, void *ud)
{
    loop *L = ud;
    (void)revents;
    unsigned char sigs[64];
    ssize_t k = read(fd, sigs, sizeof sigs);
    int leave = 0;
    for (ssize_t i = 0; i < k; i++) {
        if (sigs[i] == SIGWINCH) L->resized = true;
        else if (!leave) leave = sigs[i];
    }
    if (leave) {
        ct_log(CT_LOG_INFO, "signal %d: leaving", leave);
        ct_loop_stop(ev, leave == SIGINT ? 130 : 128 + leave);
        return;
    }
    if (L->resized) {
        apply_winch();
        read_keys(L);
        if (L->board.quit) ct_loop_stop(ev, CT_EXIT_OK);
    }
}

static void on_keys(ct_loop *ev, int fd, short revents, void *ud)
{
    loop *L = ud;
    (void)fd;
    if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
        ct_log(CT_LOG_INFO, "terminal closed: leaving");
        ct_loop_stop(ev, CT_EXIT_OK);
        return;
    }
    int got = read_keys(L);
    if (L->board.quit) {
        ct_loop_stop(ev, CT_EXIT_OK);
        return;
    }
    if (got == 0 && !L->resized) {
        /* readable but nothing to read: end of input */
        if (++L->err_storm >= ERR_STORM) {
            ct_log(CT_LOG_INFO, "end of input: leaving");
            ct_loop_stop(ev, CT_EXIT_OK);
        }
    } else {
        L->err_storm = 0;
    }
}

/* Timers: each marks the frame dirty (what it stands for changed on
 * screen, or a read went out); the polling ones also read and re-arm. */
static void on_timer(ct_loop *ev, int timer, void *ud)
{
    loop *L = ud;
    ct_time_ms now = ct_loop_now(ev);
    L->board.ctx.now = board_now(L, now);
    if (timer == L->timer[T_REPLAY] && L->replay) {
        ct_replay_advance(L->replay, now);
    } else if (timer == L->timer[T_POLL_LIST]) {
        fetch_list(L, now, false);
        recheck_unconfirmed(L, now);
        ct_loop_arm(ev, timer, now + (rest_is_truth(L) ? L->hot_ms : L->reconcile_ms));
    } else if (timer == L->timer[T_POLL_FULL]) {
        fetch_list(L, now, true);
        ct_loop_arm(ev, timer, now + L->full_ms);
    } else if (timer == L->timer[T_POLL_SELECTED]) {
        /* a settled call (ended, analysed) cannot change: not re-read */
        if (!ct_reduce_settled(ct_ui_selected(&L->board.ctx))) fetch_selected(L);
        ct_loop_arm(ev, timer, now + POLL_SELECTED_MS);
    } else if (timer == L->timer[T_SELECT_SETTLE]) {
        fetch_selected(L);
    }
    /* T_FRAME: the held frame is drawn by the before-sleep hook */
    L->dirty = true;
}

/* Load-adaptive pacing: a frame that had to wait for its time (a change
 * came within the interval after the last frame) widens the interval by
 * FRAME_STEP_MS up to MAX_FRAME_MS; one that did not wait puts it back to
 * MIN_FRAME_MS. An isolated event keeps the 8 ms bound; a steady stream
 * gets fewer frames per second while its p99 stays under ~17 ms.
 * While a frame waits for its time, events are left in the inbox (its fd
 * leaves the poll set) and drained in one batch just before that frame:
 * they would not reach the screen any sooner, and a wakeup per event costs
 * more than the event. Keys still wake. */
static void frame(loop *L, ct_time_ms now)
{
    bool due = now - L->last_draw >= L->frame_ms;
    if (L->inbox_held && due) {
        L->inbox_held = false;
        ct_loop_fd_enable(L->ev, L->fd_inbox, true);
        drain_inbox(L);
    }
    if (!L->dirty && L->board.drawn_gen == ct_store_generation(L->store)) return;
    if (due) {
        ct_board_draw(&L->board);
        /* notifications right after the frame's write, never inside it */
        ct_board_notifier_flush(&L->notifier, ct_attention_open_count(L->attention));
        L->last_draw = now;
        L->dirty = false;
        L->frame_ms = L->waited
            ? (L->frame_ms + FRAME_STEP_MS < MAX_FRAME_MS ? L->frame_ms + FRAME_STEP_MS
                                                          : MAX_FRAME_MS)
            : MIN_FRAME_MS;
        L->waited = false;
        ct_loop_disarm(L->ev, L->timer[T_FRAME]);
    } else {
        L->waited = true;
        L->inbox_held = true;
        ct_loop_fd_enable(L->ev, L->fd_inbox, false);
        ct_loop_arm(L->ev, L->timer[T_FRAME], L->last_draw + L->frame_ms);
    }
}

/* Before every sleep: the schedule, the frame, then the board's own
 * timers for what changes on screen by itself. */
static void before_sleep(ct_loop *ev, void *ud)
{
    loop *L = ud;
    ct_time_ms now = ct_loop_now(ev);
    L->board.ctx.now = board_now(L, now);
    L->resized = false;
    if (L->replay) {
        ct_replay_status(L->replay, now, L->board.status.replay, sizeof L->board.status.replay);
        ct_loop_arm_in(ev, L->timer[T_REPLAY], ct_replay_due_in(L->replay, now));
    }
    schedule(L, now);
    ct_board_attention_tick(&L->board); /* the rules' time checks, before the frame */
    frame(L, now);
    ct_board_timers t;
    ct_board_get_timers(&L->board, &t);
    long ms[] = {t.list_tick,    t.details_tick, t.status_age, t.marks_expiry,
                 t.clock_minute, t.flash_expiry, t.attention};
    for (int i = 0; i < (int)(sizeof ms / sizeof *ms); i++)
        ct_loop_arm_in(ev, L->timer[T_LIST_TICK + i], ms[i]);
}

static int setup_loop(loop *L)
{
    _Static_assert(T_ATTENTION - T_LIST_TICK + 1 == sizeof(ct_board_timers) / sizeof(long),
                   "one named timer per field of ct_board_timers");
    L->ev = ct_loop_new(NULL, NULL);
    if (!L->ev) return -1;
    /* registration order is dispatch order: signals, then keys, then events */
    if (ct_loop_add_fd(L->ev, sig_pipe[0], POLLIN, on_signal_pipe, L) < 0 ||
        ct_loop_add_fd(L->ev, STDIN_FILENO, POLLIN, on_keys, L) < 0)
        return -1;
    L->fd_inbox = ct_loop_add_fd(L->ev, ct_inbox_fd(L->inbox), POLLIN, on_inbox, L);
    if (L->fd_inbox < 0) return -1;
    for (int i = 0; i < T__COUNT; i++)
        if ((L->timer[i] = ct_loop_add_timer(L->ev, timer_names[i], on_timer, L)) < 0) return -1;
    ct_loop_set_before_sleep(L->ev, before_sleep, L);
    return 0;
}

int ct_board_main(const ct_config *cfg)
{
    ct_demo demo;
    memset(&demo, 0, sizeof demo);
    ct_error err;
    ct_error_clear(&err);
    const char *base_url = cfg->base_url, *api_key = cfg->api_key;
    const char *relay_url = cfg->relay_url, *token = cfg->relay_token;
    bool replaying = cfg->replay_path && *cfg->replay_path;
    ct_replay replay;
    memset(&replay, 0, sizeof replay);

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "calltop: the board needs a terminal (try 'calltop calls list')\n");
        return CT_EXIT_USAGE;
    }
    if (replaying && ((cfg->record_path && *cfg->record_path) || cfg->demo)) {
        fprintf(stderr, "calltop: --replay plays a recording: it cannot be used with %s\n",
                cfg->demo ? "--demo" : "--record");
        return CT_EXIT_USAGE;
    }
    if (replaying) {
        /* a recording needs no account and no network */
        if (ct_replay_load(&replay, cfg->replay_path, &err) != CT_OK) {
            fprintf(stderr, "calltop: %s\n", err.detail);
            return CT_EXIT_USAGE;
        }
        base_url = cfg->replay_path; /* the status bar names the recording */
        relay_url = NULL;
        ct_log(CT_LOG_INFO, "replay: %s, %zu records", cfg->replay_path, replay.n);
    } else if (cfg->demo) {
        if (ct_demo_start(&demo, &err) != CT_OK) {
            fprintf(stderr, "calltop: --demo could not start: %s\n", err.detail);
            return CT_EXIT_OTHER;
        }
        base_url = demo.base_url;
        api_key = demo.api_key;
        relay_url = demo.relay_url;
        token = demo.token;
        ct_log_add_secret(demo.api_key);
        ct_log_add_secret(demo.token);
        ct_log_add_secret(demo.secret);
        ct_log(CT_LOG_INFO, "demo: sim %s, relay %s", demo.base_url, demo.relay_url);
    } else if (!api_key || !*api_key) {
        ct_config_explain_missing_key(cfg, "or try 'calltop --demo'", stderr);
        return CT_EXIT_USAGE;
    }

    loop L;
    memset(&L, 0, sizeof L);
    int code = CT_EXIT_OK;
    char state_path[4096] = ""; /* the remembered board state ("" = none) */
    /* Memory is bounded by these caps (finished calls are evicted first);
     * the status bar shows the call cap. */
    ct_store_limits limits = {.max_calls = BOARD_MAX_CALLS,
                              .max_messages_per_call = BOARD_MAX_LINES};
    L.store = ct_store_new(&limits);
    L.inbox = ct_inbox_new();
    L.log = ct_msglog_new(0);
    if (!L.store || !L.inbox || !L.log || install_signals() != 0) {
        fprintf(stderr, "calltop: out of memory or file descriptors\n");
        code = CT_EXIT_OTHER;
        goto out;
    }
    /* a bad alert-* setting is a configuration error, said before the board starts */
    ct_att_config acfg;
    if (ct_att_config_from_settings(&acfg, cfg, &err) != CT_OK ||
        !(L.attention = ct_attention_new(&acfg, &err)) ||
        ct_board_notifier_init(&L.notifier, cfg, ct_now_ms(), STDOUT_FILENO,
                               getenv("TMUX") && *getenv("TMUX"), &err) != CT_OK) {
        fprintf(stderr, "calltop: %s\n", err.detail);
        code = err.code == CT_ENOMEM ? CT_EXIT_OTHER : CT_EXIT_USAGE;
        goto out;
    }
    ct_fetcher_options fo;
    memset(&fo, 0, sizeof fo);
    fo.base_url = base_url;
    fo.api_key = api_key;
    fo.insecure = cfg->insecure;
    fo.ca_file = cfg->demo ? NULL : cfg->ca_file; /* issue 13: ca-file for the API */
    fo.max_retries = -1;
    fo.list_max_pages = (BOARD_MAX_CALLS + 99) / 100; /* pages of the API's largest size */
    fo.list_parallel = ct_config_list_parallel(cfg);
    if (!replaying) L.fetcher = ct_fetcher_start(&fo, L.inbox, &err);
    if (!replaying && !L.fetcher) {
        fprintf(stderr, "calltop: %s\n", err.detail);
        code = CT_EXIT_OTHER;
        goto out;
    }
    if (relay_url && token && *token) {
        ct_monitor_options mo;
        memset(&mo, 0, sizeof mo);
        mo.relay_url = relay_url;
        mo.token = token;
        mo.insecure = cfg->insecure;
        mo.ca_file = cfg->demo ? NULL : cfg->ca_file; /* ... and for the relay */
        L.monitor = ct_monitor_start(&mo, L.inbox, &err);
        if (L.monitor) L.have_relay = true;
        else ct_log(CT_LOG_WARN, "monitor: %s; polling instead", err.detail);
    }

    if (ct_board_init(&L.board, L.store, cfg->read_only || replaying, use_color(cfg)) != 0) {
        fprintf(stderr, "calltop: out of memory\n");
        code = CT_EXIT_OTHER;
        goto out;
    }
    build_ctx(&L, cfg, base_url);
    L.board.ctx.attention = L.attention;
    L.board.attn_notify = ct_board_notifier_item;
    L.board.attn_notify_ud = &L.notifier;
    L.board.status.demo = cfg->demo;
    L.board.status.max_calls = BOARD_MAX_CALLS;
    L.board.status.monitor = L.have_relay ? CT_MON_CONNECTING : CT_MON_OFF;
    if (replaying) {
        L.board.fetch_assistant = NULL;
        L.board.ctx.submit_hook = submit_refused;
        L.board.replay_action = on_replay_action;
        L.board.replay_ud = &L;
    }
    if (cfg->record_path && *cfg->record_path) {
        L.rec = ct_recorder_open(cfg->record_path, ct_config_record_max_bytes(cfg), ct_now_ms(),
                                 &L.board.ctx, &err);
        if (!L.rec) {
            fprintf(stderr, "calltop: %s\n", err.detail);
            code = CT_EXIT_USAGE;
            goto out;
        }
    }
    L.board.status.have_relay = L.have_relay;
    L.hot_ms = ct_config_int(cfg, CT_SET_POLL_INTERVAL) * 1000;
    L.full_ms = ct_config_int(cfg, CT_SET_FULL_REFRESH_INTERVAL) * 1000;
    L.reconcile_ms = ct_config_int(cfg, CT_SET_RECONCILE_INTERVAL) * 1000;
    L.board.reduce.hot_ms = L.hot_ms; /* the rows' freshness follows the schedule */
    L.board.reduce.reconcile_ms = L.reconcile_ms;
    L.rest_truth = true; /* the start-up read below is the first */

    hide_stderr(cfg->log_path);
    start_curses();
    install_winch();
    ct_theme_init(L.board.ctx.color, ct_locale_is_utf8());
    ct_board_layout(&L.board);
    /* sort, filter, view and pins from the last run (issue 15) */
    ct_board_state_restore(&L.board, cfg->demo, state_path, sizeof state_path);
    if (relay_url && !L.have_relay)
        ct_ui_flash(&L.board.ctx, CT_FLASH_WARN, "no relay token: polling the API every %ld s",
                    L.hot_ms / 1000);

    /* The board fills from REST at once, whatever the live channel does. */
    ct_time_ms now = ct_now_ms();
    L.board.ctx.now = now;
    if (replaying) {
        L.replay = &replay;
        ct_replay_begin(&replay, &L.board, now, true);
        ct_replay_advance(&replay, now);
    } else {
        fetch_list(&L, now, true);
        (void)ct_fetch_numbers(L.fetcher, NULL); /* the reducer keeps the answer */
        /* Pins restored from the last run may be older than the 24-hour
         * window no list read covers: read each by id, so its tile shows
         * the call instead of "(not in the store)" (a call the API no
         * longer has is answered 404 and stays so). At most 8 reads. */
        const char *pins[CT_TILES_MAX_PINNED];
        size_t n_pins = 0;
        for (int i = 0; i < L.board.tiles.n && n_pins < CT_TILES_MAX_PINNED; i++)
            pins[n_pins++] = L.board.tiles.pinned[i];
        recheck(&L, pins, n_pins);
    }

    L.dirty = true;
    L.frame_ms = MIN_FRAME_MS;
    if (setup_loop(&L) != 0) {
        code = CT_EXIT_OTHER;
        goto out;
    }
    int rc = ct_loop_run(L.ev);
    code = rc < 0 ? CT_EXIT_OTHER : rc;

out:
    if (curses_up) {
        ct_board_notifier_finish(&L.notifier);
        endwin();
        curses_up = 0;
        restore_stderr();
    }
    if (L.monitor) ct_monitor_stop(L.monitor);
    if (L.fetcher) ct_fetcher_stop(L.fetcher);
    if (state_path[0]) {
        ct_error serr;
        ct_error_clear(&serr);
        if (ct_board_state_remember(&L.board, state_path, &serr) != CT_OK) {
            ct_log(CT_LOG_WARN, "board state not saved: %s", serr.detail);
            fprintf(stderr, "calltop: board state not saved: %s\n", serr.detail);
        }
    }
    ct_board_free(&L.board);
    if (L.inbox) ct_inbox_free(L.inbox);
    if (L.store) ct_store_free(L.store);
    if (L.log) ct_msglog_free(L.log);
    ct_attention_free(L.attention);
    ct_loop_free(L.ev);
    ct_recorder_close(L.rec);
    ct_replay_free(&replay);
    restore_signals();
    if (cfg->demo) ct_demo_stop(&demo);
    return code;
}

void ct_manpage_keys(FILE *out)
{
    ct_action_write_roff(out);
}
