/* board.h — the board: its panes, their layout, key dispatch through the
 * action table, and rendering the reducer's effects of inbox events.
 *
 * Everything here is driven by calls (a key, an event, a resize, a draw), so
 * golden-screen tests script it with a fixed store and clock; the event
 * loop (app/loop.c), signals, threads and polling schedule live in
 * app/board_main.c. */
#ifndef CALLTOP_TUI_BOARD_H
#define CALLTOP_TUI_BOARD_H

#include <stdbool.h>
#include "calltop/attention.h"
#include "calltop/event.h"
#include "calltop/reduce.h"
#include "calltop/store.h"
#include "listmodel.h"
#include "pane.h"
#include "tiles.h"

/* Smallest usable board; below it the board shows "terminal too small". */
#define CT_BOARD_MIN_H  10
#define CT_BOARD_MIN_W  40
/* From this size on the list and details are both shown. */
#define CT_BOARD_FULL_H 24
#define CT_BOARD_FULL_W 80
/* From this width on they are side by side. */
#define CT_BOARD_SIDE_W 150

/* An accepted control action keeps its mark until the call's next update,
 * at most this long. */
#define CT_BOARD_MARK_EXPIRE_MS 30000

/* What the status bar shows besides the store. */
typedef struct ct_board_status {
    ct_monitor_state monitor; /* CT_MON_OFF when there is no relay (polling) */
    ct_time_ms last_event_ms; /* newest event from the live channel or a poll */
    bool polling;             /* the REST polling fallback is active */
    bool demo;
    int relay_index, relay_count; /* "LIVE relay 2/3" when relay-url lists several */
    bool relay_not_live;          /* STALE because the relay says it is not current */
    size_t max_calls;             /* the store's call cap, shown as "max N" (0 = not shown) */
    char replay[64];              /* --replay: "REPLAY 4x 14:03:22" ("" = live) */
    /* The down banner (issue 11), copied from the reducer after each event. */
    bool have_relay;               /* a relay is configured: its not being LIVE is an outage */
    ct_time_ms monitor_since;      /* the channel entered its state then (0: unknown) */
    ct_time_ms api_down_since;     /* the board's own reads fail since (0: the API answers) */
    bool api_silent;               /* ... or one has gone unanswered since then */
    ct_time_ms api_last_ok;        /* the last own read that succeeded (0: none yet) */
    ct_time_ms rate_limited_until; /* the API's shared 429 pause ends then (0: none) */
} ct_board_status;

/* ---- the board's own panes (constructors return unplaced panes) ---------- */
ct_pane *ct_list_pane_new(const ct_store *store);
ct_listmodel *ct_list_pane_model(ct_pane *p);
/* ms until the list needs redrawing by itself (a live call's duration tick,
 * a new-row highlight ending), or -1 when nothing on screen changes with time. */
long ct_list_pane_timer_ms(ct_pane *p, ct_time_ms now);

ct_pane *ct_details_pane_new(void);
/* Where the details pane shows the recording URL on screen now (issue 15):
 * up to cap runs of its text with their screen cells, for the board to wrap
 * in an OSC 8 hyperlink after the frame. Returns how many; *url is the
 * link's target (valid until the next draw). */
typedef struct ct_screen_link {
    int y, x;
    char text[512];
} ct_screen_link;
size_t ct_details_pane_links(const ct_pane *p, ct_screen_link *out, size_t cap, const char **url);
bool ct_details_pane_following(ct_pane *p);
long ct_details_pane_timer_ms(ct_pane *p, const ct_ui_ctx *ctx);

ct_pane *ct_status_pane_new(const ct_board_status *st);
ct_pane *ct_footer_pane_new(void);
ct_pane *ct_help_pane_new(bool read_only);
/* ... with the --replay keys listed (replay true) */
ct_pane *ct_help_pane_new_replay(bool read_only, bool replay);

typedef enum ct_layout {
    CT_LAYOUT_TOO_SMALL = 0,
    CT_LAYOUT_SINGLE,
    CT_LAYOUT_STACKED,
    CT_LAYOUT_SIDE
} ct_layout;

#define CT_BOARD_MAX_MODALS 4

typedef struct ct_board {
    ct_ui_ctx ctx;
    ct_store *store;
    ct_board_status status;
    ct_pane *status_bar, *list, *details, *footer;
    ct_pane *modals[CT_BOARD_MAX_MODALS];
    int n_modals;
    ct_layout layout;
    bool single_details; /* single-pane layout: showing details instead of the list */
    int focus;           /* 0 list, 1 details */
    bool quit;
    bool quit_armed;     /* "terminal too small" with requests pending: q once more quits */
    bool full_redraw;    /* next frame redraws every pane (resize, modal closed) */
    bool repaint;        /* ... and the terminal from scratch (Ctrl-L) */
    bool want_refresh;   /* 'r', or the reducer's RESYNC: the loop should fetch now */
    bool want_reconcile; /* the reducer's RECONCILE: the loop reads the hot window now */
    /* The reducer's RECHECKs: calls the loop re-reads directly (ct_fetch_recheck). */
    char recheck_ids[CT_REDUCE_MAX_RECHECKS][CT_CALL_ID_BUF];
    size_t n_recheck;
    /* Every event goes through the reducer (calltop/reduce.h): the store,
     * the channel state, the numbers list and the loop's own reads; the
     * board renders its effects. */
    ct_reducer reduce;
    uint64_t drawn_gen; /* store generation at the last frame */
    /* Dirty tracking: what the list and the details showed at their last
     * draw. A frame redraws a pane only when one of these inputs moved (or
     * the pane is stale); the bars compare their own text (tui/chrome.c). */
    struct ct_board_drawn {
        uint64_t list_gen;   /* store generation */
        ct_time_ms list_due; /* the list changes by itself then (0 = never) */
        int list_fresh;      /* the channel state the rows' freshness was judged in */
        size_t list_top, list_count, store_count;
        long list_sel;
        bool list_follow;
        int n_rows;
        const ct_call_entry *rows[128]; /* the visible rows' entries */
        char det_id[CT_CALL_ID_BUF];    /* the details: selected call */
        uint64_t det_gen;               /* its changed_gen (0 = no entry) */
        ct_time_ms det_due;             /* its live timer (0 = none) */
        uint64_t marks_sig;             /* pending marks (both panes show them) */
    } drawn;
    unsigned long panes_drawn, panes_skipped; /* counters (tests) */
    struct ct_msglog *msglog;                 /* the message log ('L'); not owned, may be NULL */
    /* Assistant names for calls that carry only an id (List Calls): the
     * reducer asks (FETCH_ASSISTANT), once per id; the board sends it
     * through fetch_assistant (NULL = never fetch; names then come from
     * webhooks only). Returns a request id, 0 when not sent. */
    uint64_t (*fetch_assistant)(void *ud, const char *assistant_id, ct_error *err);
    void *fetch_ud;
    /* Attention (tui/attnpane.h): the engine is ctx.attention; each item
     * opened (or back from a snooze) goes to attn_notify (NULL = none). */
    void (*attn_notify)(void *ud, const ct_att_item *it, ct_time_ms now);
    void *attn_notify_ud;
    ct_time_ms attn_due;  /* the rules' next time check (0 = none pending) */
    ct_time_ms attn_last; /* the now of the last check (a clock that went back rechecks) */
    /* --replay's keys (tui/replay.h); NULL live: the keys do nothing */
    int (*replay_action)(void *ud, int action_id);
    void *replay_ud;
    /* Pinned calls, tiled (tui/tiles.h): 'w' shows the tiles pane in place
     * of the list and details; actions apply to the focused tile. */
    ct_tiles_model tiles;
    ct_pane *tiles_pane;
    bool tiled;
} ct_board;

/* Sets up the board over a store (not owned). Needs ncurses initialised
 * (initscr or newterm) before ct_board_layout/draw. */
int ct_board_init(ct_board *b, ct_store *store, bool read_only, bool color);
void ct_board_free(ct_board *b);
/* Lays the panes out for LINES x COLS (call after KEY_RESIZE). */
void ct_board_layout(ct_board *b);
/* Draws the panes whose inputs changed since their last draw (all of them
 * after a key, a resize or ct_board_stale) with wnoutrefresh and ends with
 * one doupdate(). */
void ct_board_draw(ct_board *b);
/* Makes the next ct_board_draw draw every pane. */
void ct_board_stale(ct_board *b);
/* Records why the call list could not be read (NULL: it was read), for the
 * list pane's empty state; redraws the list when that changes. */
void ct_board_set_list_error(ct_board *b, const ct_error *e);
/* A key from wget_wch (see pane.h for the encoding). Returns CT_FX_* flags. */
int ct_board_key(ct_board *b, int key, const MEVENT *mouse);
/* Applies one inbox event through the reducer and renders its effects
 * (flash, selection, status, routing to the pane that sent the request).
 * Does not free it (the reducer may take its numbers list). */
void ct_board_event(ct_board *b, ct_event *ev);
/* What on screen changes by itself, and in how many ms (-1 = never): the
 * loop arms one named timer for each (app/board_main.c). */
typedef struct ct_board_timers {
    long list_tick;    /* the list: a live call's duration, a new row's highlight ending */
    long details_tick; /* the details: the selected live call's duration */
    long status_age;   /* the status bar: the age of the last event */
    long marks_expiry; /* an accepted action's mark gives up (CT_BOARD_MARK_EXPIRE_MS) */
    long clock_minute; /* the status bar's HH:MM clock */
    long flash_expiry; /* the flash line gives way to the key hints */
    long attention;    /* the attention rules' next time check (ct_board_attention_tick) */
} ct_board_timers;
void ct_board_get_timers(ct_board *b, ct_board_timers *t);
/* Runs the attention rules' time checks when due (and their changes: the
 * message log, the notifier, the list's marks). Call before drawing. */
void ct_board_attention_tick(ct_board *b);
/* The earliest of them: milliseconds until something on screen changes by
 * itself; -1 = never. */
long ct_board_timer_ms(ct_board *b);
/* Opens a modal pane on top (takes ownership); false when the stack is full. */
bool ct_board_push_modal(ct_board *b, ct_pane *p);
void ct_board_close_modal(ct_board *b);
/* Dumps the screen as text (one line per row, trailing spaces trimmed) for
 * golden tests; returns malloc'd text. */
char *ct_board_screen_text(void);

#endif
