/* attention.h — the rules that decide a call (or the connection) needs a
 * person, and the items they open.
 *
 * Pure, like the reducer it follows: it reads the reducer's typed effects
 * (calltop/reduce.h), the store and the clock (now is an argument, wall
 * clock ms, the same now the reducer got), and keeps a list of attention
 * items. No I/O, no ncurses, so tests/unit/test_attention.c drives it with
 * plain events and a fake clock.
 *
 * Usage, once per event and once per second or so:
 *     fx = ct_reduce_apply(&reducer, ev, now);
 *     ct_attention_observe(att, store, ev, fx, now);
 *     ... ct_attention_tick(att, store, now) from a timer ...
 *     ct_attention_changes(att, &n) after either: items opened / resolved.
 *
 * Rules (ct_att_rule) and what opens an item:
 *   HANG        CALL_HUNG effect (a `hang` event, nobody spoke since).
 *   ERROR       CALL_ERRORED effect whose type is in the configured list.
 *   LONG_CALL   a live call's duration >= long_call_ms.
 *   RINGING     a live call still queued / trying / early-media / ringing
 *               for >= ringing_ms (from its start, else creation, else
 *               first sight).
 *   SILENCE     a live, ongoing call with no transcript line for >=
 *               silence_ms (since its newest line, else its start); only
 *               calls the live channel (relay) reports: a polled list
 *               carries no transcript.
 *   KEYWORD     a new customer (role user) line on a live call matching the
 *               POSIX extended regex (case-insensitive), matched against the
 *               sanitized UTF-8 text (calltop/sanitize.h).
 *   FAILED      failed_count failed outbound attempts (busy, no-answer,
 *               failed) whose end falls within failed_window_ms of now.
 *   UNREACHABLE the API (the loop's list reads fail) or the relay (the
 *               live channel is not LIVE) for >= unreachable_ms.
 * A threshold of 0 turns its rule off.
 *
 * Items: one per (call, rule): a rule never opens a second item for a call
 * while the first exists, acknowledged or not. FAILED and UNREACHABLE are
 * not about one call (call_id ""); their item resolves when the condition
 * clears and a later occurrence opens a new one. The condition rules
 * (LONG_CALL, RINGING, SILENCE) resolve when the call ends or the
 * condition clears; the event rules (HANG, ERROR, KEYWORD) stay until
 * acknowledged. A call removed from the store (CALL_GONE) takes its items
 * with it. Clock jumps: a duration that comes out negative (now jumped
 * back) is treated as 0, so a jump back never opens an item; a jump forward
 * opens what the new time says. */
#ifndef CALLTOP_ATTENTION_H
#define CALLTOP_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/config.h"
#include "calltop/err.h"
#include "calltop/event.h"
#include "calltop/reduce.h"
#include "calltop/store.h"

typedef enum ct_att_rule {
    CT_ATT_HANG = 0,
    CT_ATT_ERROR,
    CT_ATT_LONG_CALL,
    CT_ATT_RINGING,
    CT_ATT_SILENCE,
    CT_ATT_KEYWORD,
    CT_ATT_FAILED,
    CT_ATT_UNREACHABLE,
    CT_ATT__COUNT
} ct_att_rule;

/* Higher is more urgent; the attention view sorts by it first. */
typedef enum ct_att_severity { CT_ATT_INFO = 0, CT_ATT_WARN, CT_ATT_CRIT } ct_att_severity;

typedef enum ct_att_state {
    CT_ATT_OPEN = 0, /* counted, shown, notified */
    CT_ATT_SNOOZED,  /* hidden from the count until snooze_until, then OPEN again */
    CT_ATT_ACKED,    /* a person saw it; kept (dedup) but not counted */
    CT_ATT_RESOLVED  /* the condition cleared by itself; kept for dedup */
} ct_att_state;

#define CT_ATT_REASON_MAX 160

typedef struct ct_att_item {
    uint64_t id;                  /* 1, 2, ...: stable for ack / snooze */
    char call_id[CT_CALL_ID_BUF]; /* "" for FAILED / UNREACHABLE */
    ct_att_rule rule;
    ct_att_severity severity;
    ct_att_state state;
    ct_time_ms opened_at;           /* the now that opened it */
    ct_time_ms snooze_until;        /* SNOOZED */
    char reason[CT_ATT_REASON_MAX]; /* sanitized UTF-8, one line */
} ct_att_item;

/* What changed in the last observe / tick call. */
typedef enum ct_att_change_kind {
    CT_ATT_OPENED = 1,   /* a new item (notify it) */
    CT_ATT_REOPENED,     /* a snooze ran out */
    CT_ATT_CLOSED,       /* resolved by itself */
    CT_ATT_ACKNOWLEDGED, /* by ct_attention_ack */
    CT_ATT_SNOOZE_SET    /* by ct_attention_snooze */
} ct_att_change_kind;

typedef struct ct_att_change {
    ct_att_change_kind kind;
    uint64_t item_id;
} ct_att_change;

/* Thresholds; 0 = the rule is off. */
typedef struct ct_att_config {
    bool hang;
    char errors[256]; /* error types that alert, comma-separated; "*" = all; "" = off */
    int64_t long_call_ms;
    int64_t ringing_ms;
    int64_t silence_ms;
    char keywords[1024]; /* POSIX ERE, case-insensitive; "" = off */
    int failed_count;
    int64_t failed_window_ms;
    int64_t unreachable_ms;
} ct_att_config;

/* The built-in defaults (the settings table's defaults, as numbers). */
void ct_att_config_defaults(ct_att_config *c);
/* From the effective settings (alert-*). CT_ECONFIG naming the setting
 * when a value is out of range or the regex does not compile. */
ct_err ct_att_config_from_settings(ct_att_config *c, const ct_config *cfg, ct_error *err);

typedef struct ct_attention ct_attention;

/* Compiles the keyword regex: CT_ECONFIG with regerror's words when it
 * does not compile. NULL on failure (err says why). */
ct_attention *ct_attention_new(const ct_att_config *c, ct_error *err);
void ct_attention_free(ct_attention *a);

/* Reads one event's effects (and the event, for the calls it carried:
 * their new transcript lines). ev may be NULL (effects only). */
void ct_attention_observe(ct_attention *a, const ct_store *s, const ct_event *ev,
                          const ct_effects *fx, ct_time_ms now);
/* The time rules (LONG_CALL, RINGING, SILENCE, FAILED window, UNREACHABLE)
 * and snooze expiry, over every live call. */
void ct_attention_tick(ct_attention *a, const ct_store *s, ct_time_ms now);
/* When tick could next change something (wall ms), 0 = nothing pending
 * (no live call, no outage, no snooze). Conservative: may be early. */
ct_time_ms ct_attention_next_due(const ct_attention *a, const ct_store *s, ct_time_ms now);

/* The changes of the last observe / tick / ack / snooze call (valid until
 * the next one). */
const ct_att_change *ct_attention_changes(const ct_attention *a, size_t *n);

/* Items, in id order (opened order). Pointers valid until the next call
 * that changes the engine. */
size_t ct_attention_count(const ct_attention *a);
const ct_att_item *ct_attention_at(const ct_attention *a, size_t i);
const ct_att_item *ct_attention_find(const ct_attention *a, uint64_t id);
size_t ct_attention_open_count(const ct_attention *a);
/* The open items sorted by severity (most urgent first), then age (oldest
 * first), then id; fills out (at most cap), returns how many are open. */
size_t ct_attention_sorted_open(const ct_attention *a, const ct_att_item **out, size_t cap);
/* The most urgent open item of a call (NULL: none), for the row mark. */
const ct_att_item *ct_attention_for_call(const ct_attention *a, const char *call_id);

/* Acknowledge: OPEN or SNOOZED -> ACKED. False when no such item or it is
 * already acknowledged / resolved. */
bool ct_attention_ack(ct_attention *a, uint64_t id, ct_time_ms now);
/* Snooze until now + for_ms (> 0): OPEN -> SNOOZED. */
bool ct_attention_snooze(ct_attention *a, uint64_t id, int64_t for_ms, ct_time_ms now);

const char *ct_att_rule_name(ct_att_rule r);         /* "hang", "error", ... (stable: JSON) */
const char *ct_att_severity_name(ct_att_severity s); /* "info", "warn", "crit" */
const char *ct_att_state_name(ct_att_state s);       /* "open", "snoozed", "acked", "resolved" */

#endif
