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
} ct_effect_kind;

/* The flash line's levels (tui's ct_flash_level has the same values). */
typedef enum ct_fx_level { CT_FXL_INFO = 0, CT_FXL_OK, CT_FXL_WARN, CT_FXL_ERROR } ct_fx_level;

typedef struct ct_effect {
    ct_effect_kind kind;
    ct_fx_level level;              /* FLASH, LOG */
    const char *call_id;            /* CALL_*, SELECT; NULL otherwise */
    const char *text;               /* FLASH, LOG, CALL_ERRORED; NULL otherwise */
    bool live;                      /* CALL_NEW: the call is live */
    ct_monitor_state monitor;       /* MONITOR */
    uint64_t request_id;            /* REQUEST_* */
    const ct_error *error;          /* REQUEST_FAILED, LIST_ERROR: the event's (NULL: cleared) */
} ct_effect;

/* One event's effects. The strings and error pointers stay valid until
 * the next ct_reduce_apply (error pointers: while the event lives). */
typedef struct ct_effects {
    ct_effect *v;
    size_t n, cap;
    char *arena;                    /* the effects' strings */
    size_t arena_len, arena_cap;
    bool oom;                       /* some effect could not be recorded */
} ct_effects;

/* What the reducer knows of the live channel. It lives where its one
 * reader shows it (the board's status bar: ct_reducer_bind_channel), so
 * there is a single copy; by default in the reducer itself. */
typedef struct ct_channel_state {
    ct_monitor_state *monitor;      /* the live channel's state (OFF: no relay) */
    ct_time_ms *last_event_ms;      /* newest relay event, or poll while polling */
    bool *polling;                  /* set by the loop: REST polling is the fallback now */
} ct_channel_state;

typedef struct ct_reducer {
    ct_store *store;                /* not owned */
    ct_number_list numbers;         /* the last List Numbers answer (owned) */
    ct_channel_state chan;          /* bound storage (see above) */
    struct { ct_monitor_state monitor; ct_time_ms last_event_ms; bool polling; } own_chan;
    bool was_live;                  /* the channel has been LIVE before */
    /* The board's own reads, in flight (0 = none): their outcomes are
     * judged here (failure streak, list error, 404 rule). */
    uint64_t list_req, get_req;
    char get_id[CT_CALL_ID_BUF];    /* the call get_req asks for */
    int fail_streak;                /* consecutive failed own reads */
    ct_assist_cache assistants;     /* assistant id -> name */
    uint64_t store_errors;          /* merges the store refused (out of memory): each also
                                       flashed, never silent */
    ct_effects fx;                  /* the last event's effects */
} ct_reducer;

/* A reducer points into itself (or at the bound fields): initialise it
 * where it will stay, and do not copy it. */
int ct_reducer_init(ct_reducer *r, ct_store *store);   /* 0, or -1 when out of memory */
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

/* The version a REST answer's call gets (exported for tests). */
uint64_t ct_reduce_rest_version(const ct_call *c, ct_time_ms now);

const char *ct_effect_kind_name(ct_effect_kind k);   /* "CALL_NEW", ... */

#endif
