/* bulk_model.h — bulk actions (end / say to every matching live call), pure.
 *
 * One plan serves the board's bulk dialog and `calltop calls end|say
 * --filter`: it is built from a view (the board's current one, or the CLI's
 * over the calls it listed), keeps only the LIVE calls in it, and holds for
 * each the exact request that would be sent: the endpoint and the JSON body
 * from the one control encoder (ct_api_control -> ct_control_request_encode).
 * The preview (dry run) is the plan itself. Sending needs the count typed
 * back (ct_bulk_confirm_ok); each answer is recorded once as sent, refused
 * (the API said no) or failed (network, server, timeout). Nothing here
 * retries: a control POST is sent at most once per call, by the caller.
 * No ncurses and no I/O, so tests/tui/test_bulk_model.c drives it. */
#ifndef CALLTOP_TUI_BULK_MODEL_H
#define CALLTOP_TUI_BULK_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltop/err.h"
#include "calltop/model.h"
#include "calltop/store.h"

typedef enum ct_bulk_state {
    CT_BULK_PENDING = 0, /* not sent yet (or sent, no answer yet) */
    CT_BULK_SENT,        /* the API accepted it */
    CT_BULK_REFUSED,     /* the API answered no (4xx, success:false) */
    CT_BULK_FAILED,      /* no answer we can trust: network, server, timeout */
    CT_BULK__COUNT
} ct_bulk_state;

const char *ct_bulk_state_name(ct_bulk_state s); /* "pending" "sent" "refused" "failed" */
/* The state an answer puts a call in: CT_OK -> sent; the API's own refusals
 * (auth, not found, validation, rate limit, other 4xx) -> refused; the rest
 * -> failed. */
ct_bulk_state ct_bulk_state_for(const ct_error *result);

typedef struct ct_bulk_item {
    char *call_id;
    char *label; /* phone number / customer, sanitized for a terminal */
    char *url;   /* the exact endpoint: POST <url> */
    char *body;  /* the exact JSON body */
    ct_bulk_state state;
    uint64_t request_id; /* the caller's handle for the answer; 0 = not sent */
    char detail[256];    /* why refused/failed, sanitized */
} ct_bulk_item;

typedef struct ct_bulk_plan {
    ct_control_action action; /* CT_ACTION_END or CT_ACTION_SAY */
    ct_bulk_item *items;
    size_t n;
    bool started; /* sending began: the plan is never sent twice */
} ct_bulk_plan;

/* --filter EXPR: "VIEW[/SEARCH]" — VIEW is one of the board's views (the
 * `v` cycle: all live failed inbound outbound queued ongoing forwarded
 * finished; empty = all), SEARCH the board's `/` text (case-insensitive
 * substring over id, numbers, assistant, customer). Fills *spec's filter
 * and search only. CT_EUSAGE with a specific sentence on a bad EXPR. */
ct_err ct_bulk_filter_parse(const char *expr, ct_view_spec *spec, ct_error *err);

/* The EXPR that names a view spec ("inbound/+1555"): the board shows the
 * CLI's spelling of its current view. */
void ct_bulk_filter_format(const ct_view_spec *spec, char *buf, size_t cap);

/* Builds the plan from the view's live calls, in view order. `argument` is
 * the end message (may be NULL) or the text to say (required). Only END and
 * SAY are bulk actions. On error *p is left empty. */
ct_err ct_bulk_plan_build(ct_bulk_plan *p, ct_view *view, const char *base_url,
                          ct_control_action action, const char *argument, ct_error *err);
void ct_bulk_plan_free(ct_bulk_plan *p);

/* True when `typed` is exactly the count of calls in the plan (surrounding
 * blanks ignored) and the plan is non-empty and not started. */
bool ct_bulk_confirm_ok(const ct_bulk_plan *p, const char *typed);

/* Marks the plan started: returns false if it already was (a second
 * confirmation must not send again). */
bool ct_bulk_start(ct_bulk_plan *p);

/* Records the answer for item i (once: a later answer for the same item is
 * ignored and false returned). */
bool ct_bulk_record(ct_bulk_plan *p, size_t i, const ct_error *result);
/* The item sent with request id `request_id`, or -1. */
long ct_bulk_find_request(const ct_bulk_plan *p, uint64_t request_id);

void ct_bulk_counts(const ct_bulk_plan *p, size_t counts[CT_BULK__COUNT]);
bool ct_bulk_done(const ct_bulk_plan *p); /* no item pending */
/* "end: 3 sent, 1 refused, 0 failed" (pending added while any are). */
void ct_bulk_summary(const ct_bulk_plan *p, char *buf, size_t cap);
/* One preview line for item i: "CALLID  LABEL  POST URL  BODY". */
void ct_bulk_preview_line(const ct_bulk_plan *p, size_t i, char *buf, size_t cap);
/* One result line for item i: "CALLID  sent" / "CALLID  refused: why". */
void ct_bulk_result_line(const ct_bulk_plan *p, size_t i, char *buf, size_t cap);

#endif
