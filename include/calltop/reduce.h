/* reduce.h — the one place an event changes what calltop knows.
 *
 * ct_reduce_apply(reducer, event, now) applies one event to the store and
 * to the reducer's own state, and returns the *effects*: typed, complete
 * records of what changed that a renderer (tui/board.c, app/board_main.c),
 * a test, or the coming alert rules read. It is pure: no ncurses, no I/O,
 * no clock (now is an argument), so it is unit-tested without a terminal
 * (tests/unit/test_reduce.c).
 *
 * The rules that live here and nowhere else:
 * - Versions: a REST answer (list, get, placed) is versioned by its
 *   `updatedAt`, else by the time it was read; a relay snapshot's call
 *   without `updatedAt` by the time it arrived; a relay update by its
 *   webhook timestamp (the store orders them: calltop/store.h).
 * - Remove on 404: a call whose GET answers 404 is removed (CALL_GONE) —
 *   unless the live channel is LIVE and last reported the call live: then
 *   it is marked not visible to this API key (CALL_NOT_VISIBLE) and kept
 *   while the channel keeps reporting it; a snapshot that no longer holds
 *   it removes it.
 * - The numbers list (List Numbers, for the new-call form): the reducer
 *   owns the one copy; each answer replaces it (NUMBERS).
 * - Resync: LIVE again after a break the relay could not replay (it sent a
 *   snapshot, not a replay) asks for the list and the selected call again.
 * - The board's own reads (the list, the selected call): a failure streak
 *   flashes once and is logged each time; the first success after it says
 *   the API answers again; the list's error is kept for the empty list.
 * - Freshness: every call a relay event or a REST read carries gets
 *   confirmed_at = now (ct_call_entry; issue 11's per-row freshness).
 * - Assistant names (calltop/assistcache.h): a call that carries only an
 *   assistant id gets the cached name, or one fetch per id is asked for
 *   (FETCH_ASSISTANT); names fill only what no server update set.
 *   confirmed_at = now (ct_call_entry; issue 11's per-row freshness). A
 *   live call is *unconfirmed* (ct_reduce_unconfirmed) when nothing
 *   vouched for it within its channel's cadence: while the relay is LIVE
 *   and last reported it live, the channel's heartbeat vouches; otherwise
 *   its last confirmation must be younger than two hot-window reads (plus
 *   the reconcile interval while LIVE) and a second of slack.
 * - Re-check: after each of the board's own list reads, a call the store
 *   holds as live that the list does not mention is re-read directly
 *   (RECHECK): a list may leave live calls out (window semantics), and a
 *   list's silence must not keep a ghost "live" forever.
 * - Reconcile: LIVE again after a replayed resume asks for a hot-window
 *   read at once (RECONCILE): the vendor does not promise to retry a
 *   webhook, so what the relay's ring replays may still miss one.
 * - Health: the first failure of the own reads' streak is when the API
 *   went down (api_down_since), the last success the last good read
 *   (api_last_ok); CT_EV_RATE_LIMITED sets rate_limited_until.
 */
#ifndef CALLTOP_REDUCE_H
#define CALLTOP_REDUCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/assistcache.h"
#include "calltop/event.h"
#include "calltop/store.h"

/* Effects, in the order they happened within one event. */
typedef enum ct_effect_kind {
    CT_EFF_FLASH = 1,        /* level, text: the footer's flash line (the message log keeps it) */
    CT_EFF_LOG,              /* level, text: a line for the message log only */
    CT_EFF_SELECT,           /* call_id: select this call and stop following (a call just placed) */
    CT_EFF_CALL_NEW,         /* call_id, live: a call the store did not hold */
    CT_EFF_CALL_LIVE,        /* call_id: a known, not live call became live */
    CT_EFF_CALL_ENDED,       /* call_id: a live call is no longer live */
    CT_EFF_CALL_HUNG,        /* call_id: a `hang` event, and nobody spoke since */
    CT_EFF_CALL_ERRORED,     /* call_id, text ("type: message"): an `error` webhook */
    CT_EFF_CALL_GONE,        /* call_id: removed from the store (404, or the channel dropped it) */
    CT_EFF_CALL_NOT_VISIBLE, /* call_id: 404 from REST while the live channel reports it live */
    CT_EFF_RESYNC,           /* read the call list and the selected call again now */
    CT_EFF_NUMBERS,          /* the numbers list was replaced (ct_reducer.numbers) */
    CT_EFF_MONITOR,          /* monitor: the live channel changed state */
    CT_EFF_LIST_ERROR,       /* error: why the list could not be read (NULL: it was read) */
    CT_EFF_REQUEST_DONE,     /* request_id, event type: a request that is not one of the
                               reducer's own reads finished (placed, control accepted...) */
    CT_EFF_REQUEST_FAILED,   /* request_id, error: such a request failed */
    CT_EFF_FETCH_ASSISTANT,  /* text = an assistant id: ask the server for its name, then
                               report the request with ct_reduce_assistant_sent */
    CT_EFF_RECHECK,          /* call_id: a live call the list no longer mentions: GET it */
    CT_EFF_RECONCILE,        /* read the hot window now (LIVE again after a resume) */
} ct_effect_kind;

/* Re-checks in flight at once (more wait for the next list). */
#define CT_REDUCE_MAX_RECHECKS 64

/* The flash line's levels (tui's ct_flash_level has the same values). */
typedef enum ct_fx_level { CT_FXL_INFO = 0, CT_FXL_OK, CT_FXL_WARN, CT_FXL_ERROR } ct_fx_level;

typedef struct ct_effect {
    ct_effect_kind kind;
    ct_fx_level level;        /* FLASH, LOG */
    const char *call_id;      /* CALL_*, SELECT; NULL otherwise */
    const char *text;         /* FLASH, LOG, CALL_ERRORED, MONITOR (why, if known); else NULL */
    bool live;                /* CALL_NEW: the call is live */
    ct_monitor_state monitor; /* MONITOR */
    uint64_t request_id;      /* REQUEST_* */
    const ct_error *error;    /* REQUEST_FAILED, LIST_ERROR: the event's (NULL: cleared) */
} ct_effect;

/* One event's effects. The strings and error pointers stay valid until
 * the next ct_reduce_apply (error pointers: while the event lives). */
typedef struct ct_effects {
    ct_effect *v;
    size_t n, cap;
    char *arena; /* the effects' strings */
    size_t arena_len, arena_cap;
    bool oom; /* some effect could not be recorded */
} ct_effects;

/* What the reducer knows of the live channel. It lives where its one
 * reader shows it (the board's status bar: ct_reducer_bind_channel), so
 * there is a single copy; by default in the reducer itself. */
typedef struct ct_channel_state {
    ct_monitor_state *monitor; /* the live channel's state (OFF: no relay) */
    ct_time_ms *last_event_ms; /* newest relay event, or poll while polling */
    bool *polling;             /* set by the loop: REST polling is the fallback now */
} ct_channel_state;

typedef struct ct_reducer {
    ct_store *store;        /* not owned */
    ct_number_list numbers; /* the last List Numbers answer (owned) */
    ct_channel_state chan;  /* bound storage (see above) */
    struct {
        ct_monitor_state monitor;
        ct_time_ms last_event_ms;
        bool polling;
    } own_chan;
    bool was_live; /* the channel has been LIVE before */
    /* The relay the channel follows (1-based) of relay-url's list; shown
     * when the list has several (count 0 or 1: nothing to tell). */
    int relay_index, relay_count;
    /* The channel is STALE because the relay says its events are not
     * current (it lost its log), not because it went silent. */
    bool relay_not_live;
    /* The board's own reads, in flight (0 = none): their outcomes are
     * judged here (failure streak, list error, 404 rule). */
    uint64_t list_req, get_req;
    char get_id[CT_CALL_ID_BUF]; /* the call get_req asks for */
    int fail_streak;             /* consecutive failed own reads */
    ct_assist_cache assistants;  /* assistant id -> name */
    uint64_t store_errors;       /* merges the store refused (out of memory): each also
                                       flashed, never silent */
    /* Direct re-checks in flight (own reads too: their failures join the
     * streak, their 404s remove the call quietly). */
    uint64_t recheck_req[CT_REDUCE_MAX_RECHECKS];
    char recheck_id[CT_REDUCE_MAX_RECHECKS][CT_CALL_ID_BUF];
    /* Freshness cadences, set by the loop (hot_ms 0: rows are not judged). */
    long hot_ms;       /* hot-window reads while the channel is not LIVE */
    long reconcile_ms; /* hot-window reads while it is LIVE */
    /* Health, for the status bar's banner. */
    ct_time_ms api_down_since;     /* first failed own read of the streak (0: the API answers) */
    ct_time_ms api_last_ok;        /* the last own read that succeeded (0: none yet) */
    ct_time_ms rate_limited_until; /* wall-clock ms the API's 429 pause ends (0: none) */
    ct_time_ms monitor_since;      /* when the channel entered its current state */
    ct_time_ms list_sent_at;       /* set by the loop when it sends list_req (a read that
                                     * never answers — a frozen server — is an outage too) */
    ct_effects fx;                 /* the last event's effects */
} ct_reducer;

/* A reducer points into itself (or at the bound fields): initialise it
 * where it will stay, and do not copy it. */
int ct_reducer_init(ct_reducer *r, ct_store *store); /* 0, or -1 when out of memory */
/* Keeps the channel state in the caller's fields instead (all three). */
void ct_reducer_bind_channel(ct_reducer *r, ct_monitor_state *monitor, ct_time_ms *last_event_ms,
                             bool *polling);
void ct_reducer_free(ct_reducer *r);

/* The loop sent one of its own reads (CT_REQ_LIST_CALLS or CT_REQ_GET_CALL
 * for call_id); request_id 0 (not sent) is ignored. */
void ct_reduce_own_read(ct_reducer *r, ct_request_kind kind, uint64_t request_id,
                        const char *call_id);

/* The fetch a FETCH_ASSISTANT effect asked for got request_id (0: it could
 * not be sent; asked again after the cache's retry interval). */
void ct_reduce_assistant_sent(ct_reducer *r, const char *assistant_id, uint64_t request_id,
                              ct_time_ms now);

/* Applies ev (not freed; the reducer may take ev->numbers, leaving it
 * empty) at time now, and returns its effects (valid until the next call;
 * owned by r). */
const ct_effects *ct_reduce_apply(ct_reducer *r, ct_event *ev, ct_time_ms now);

/* Gives back the effects' memory when one event made many (a list of
 * 50,000 calls makes 50,000 CALL_NEW): call once they are rendered.
 * Small buffers are kept for the next event. */
void ct_reducer_trim(ct_reducer *r);

/* The loop sent direct re-checks (ct_fetch_recheck) for ids[i] with
 * request ids req[i] (0: not sent); returns how many were recorded. */
size_t ct_reduce_own_rechecks(ct_reducer *r, const char *const *call_ids, const uint64_t *req,
                              size_t n);
/* A re-check of call_id is in flight. */
bool ct_reduce_recheck_pending(const ct_reducer *r, const char *call_id);

/* The freshness rule (above): a live call nothing vouched for in time.
 * False for calls that are not live, and when r->hot_ms is 0. */
bool ct_reduce_unconfirmed(const ct_reducer *r, const ct_call_entry *e, ct_time_ms now);
/* Up to cap ids of unconfirmed calls with no re-check in flight (the
 * loop re-reads them directly); returns how many were written. */
size_t ct_reduce_unconfirmed_ids(const ct_reducer *r, ct_time_ms now, char (*out)[CT_CALL_ID_BUF],
                                 size_t cap);
/* Since when the API is down for the banner: the failure streak's start,
 * or the send time of a list read unanswered for longer than two hot
 * reads and a second (*silent set: it does not answer at all); 0 = up. */
ct_time_ms ct_reduce_api_down_since(const ct_reducer *r, ct_time_ms now, bool *silent);
/* A call that can no longer change: ended, with its analysis. The polling
 * schedule does not re-read such a selected call. */
bool ct_reduce_settled(const ct_call_entry *e);
/* The start of the hot window over the store (ct_list_hot_start's rule). */
ct_time_ms ct_reduce_hot_start(const ct_reducer *r, ct_time_ms now, ct_time_ms settle_ms,
                               ct_time_ms margin_ms);

/* The version a REST answer's call gets (exported for tests). */
uint64_t ct_reduce_rest_version(const ct_call *c, ct_time_ms now);

const char *ct_effect_kind_name(ct_effect_kind k); /* "CALL_NEW", ... */

#endif
