/* store.h — every call calltop knows, owned by the UI thread alone.
 *
 * Pure and single-threaded (network threads post events; the UI thread
 * applies them here), so there are no locks. Calls are found by id in O(1)
 * (open-addressing hash). Transcripts merge by messageId: a full-history
 * update, a duplicate, or an out-of-order delivery all converge to the same
 * transcript, ordered by (timestamp, first-seen order).
 *
 * Versions: every update carries a version (the webhook's message.timestamp,
 * the relay's seq-derived version, or the REST `updatedAt`/fetch time). An
 * update older than the call's current version does not overwrite its
 * fields (its transcript lines are still merged — merging is monotone).
 * Precisely: the store keeps the version that last set each field (each
 * analysis member, each transcript line's text), and an update overwrites
 * only what no newer update set; what the entry lacks, any update fills.
 * Independently, a call's status never moves backwards from finished to a
 * live state, so a late status-update cannot resurrect an ended call; a
 * terminal phone status (busy/no-answer/failed/completed) is never replaced
 * by a live one; end_at, once set, is never cleared. All of these are
 * maxima over the deliveries, so any arrival order, with duplicates, gives
 * the same entry (equal versions with different values apply in arrival
 * order).
 *
 * Live (ct_store_live_count, CT_FILTER_LIVE, live durations): the model's
 * ct_call_is_live, and no end time (Interactly sends endAt only once over).
 *
 * The generation counter increments on every change that can alter what is
 * drawn; renderers compare it to skip work. */
#ifndef CALLTOP_STORE_H
#define CALLTOP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"

typedef struct ct_store ct_store;

typedef struct ct_store_limits {
    size_t max_calls;             /* 0 = default 20000 */
    size_t max_messages_per_call; /* 0 = default 5000; oldest lines dropped first */
} ct_store_limits;

/* Extra per-call state the store keeps beside the decoded call. */
typedef struct ct_call_entry {
    ct_call call;             /* call.messages holds the merged transcript */
    uint64_t version;         /* newest version applied */
    uint64_t changed_gen;     /* store generation of the last change */
    uint64_t created_gen;     /* generation when first seen (new-row highlight) */
    ct_time_ms last_activity; /* newest of: webhook timestamps, transcript line
                                      times, and the call's start/end/updated stamps */
    bool hang;                /* a `hang` event arrived and no user/assistant
                                      line is newer than it */
    ct_call_error last_error; /* newest `error` webhook (by timestamp), if any */
    size_t dropped_messages;  /* lines the cap removed from the transcript (a line
                                      arriving older than a full transcript's oldest
                                      is ignored uncounted: usually a re-delivery) */
    /* Bookkeeping of the UI's reducer (calltop/reduce.h), never read by the
     * merge: when and by what the call's state was last confirmed, and
     * what the live channel last said about it. */
    ct_time_ms confirmed_at;   /* last relay event or REST read carrying this call (0 = never) */
    bool confirmed_by_channel; /* ... and that was a relay event (else a REST read) */
    bool channel_live;         /* the live channel's last word on it: live */
    bool not_visible;          /* REST answered 404 while the channel reports it live:
                                      not visible to this API key, kept */
    int64_t heard_at;          /* the owner's own clock when it last heard of the
                                      call (ct_store_set_heard; 0 = never set). The
                                      store itself never reads it. */
} ct_call_entry;

ct_store *ct_store_new(const ct_store_limits *limits); /* NULL limits = defaults */
void ct_store_free(ct_store *s);

/* Upserts a call: merges its present fields by the version rules above
 * (creating the entry if new), and merges c->messages by messageId
 * regardless of version. Returns CT_OK, or CT_EINVAL when c has no id. */
ct_err ct_store_apply_call(ct_store *s, const ct_call *c, uint64_t version);
/* Applies a decoded webhook (status, transcript, report, hang, error),
 * using w->timestamp as the version. An end-of-call-report whose call has
 * no status marks the call finished. */
ct_err ct_store_apply_webhook(ct_store *s, const ct_webhook *w);

/* What one merge changed, for a caller that forwards changes (the relay)
 * without comparing encodings before and after. */
typedef struct ct_store_change {
    bool created;                  /* the call was not held before */
    uint32_t fields;               /* CT_F_* bits whose value changed (CT_F_ANALYSIS: any
                                  analysis member); never CT_F_ID or CT_F_MESSAGES */
    bool hang_changed;             /* ct_call_entry.hang flipped */
    bool error_changed;            /* last_error was replaced */
    uint64_t lines_from, lines_to; /* the new transcript lines: those whose first-seen
                                       number is in [lines_from, lines_to); see
                                       ct_store_new_lines. Edits to known lines are
                                       not counted here. */
} ct_store_change;

/* True when a client shown the call before this merge would see a
 * difference (a new call, a field, hang, error or a new line). */
bool ct_store_change_visible(const ct_store_change *ch);

/* ct_store_apply_webhook that also reports what changed (*out is filled
 * even on error: what was merged before the failure). */
ct_err ct_store_apply_webhook_change(ct_store *s, const ct_webhook *w, ct_store_change *out);

/* Shallow copies (borrowed pointers, valid until the next mutation) of the
 * call's lines whose first-seen number is in [from, to), in transcript
 * order, at most cap. Returns how many. */
size_t ct_store_new_lines(const ct_store *s, const char *call_id, uint64_t from, uint64_t to,
                          ct_message *out, size_t cap);
/* Merges messages into an existing call's transcript (CT_ENOTFOUND if the
 * call is unknown), as new as the entry's current version. Lines without a
 * messageId get the model's synthesized id. */
ct_err ct_store_merge_messages(ct_store *s, const char *call_id, const ct_message *msgs, size_t n);
/* Removes a call (e.g. a vanished call after a 404). */
bool ct_store_remove(ct_store *s, const char *call_id);

const ct_call_entry *ct_store_get(const ct_store *s, const char *call_id);
/* The same entry, writable, for the reducer's bookkeeping fields above
 * (and only those). Call ct_store_touch after a change that is drawn. */
ct_call_entry *ct_store_get_mut(ct_store *s, const char *call_id);
/* Marks the entry changed (new generation) without a merge. */
void ct_store_touch(ct_store *s, ct_call_entry *e);
/* Records when the owner last heard of a call, on the owner's clock (the
 * relay: its monotonic ms), so expiry need not trust the sender's stamps.
 * False when the call is not held. */
bool ct_store_set_heard(ct_store *s, const char *call_id, int64_t when);
size_t ct_store_count(const ct_store *s);
size_t ct_store_live_count(const ct_store *s);
uint64_t ct_store_generation(const ct_store *s);
/* True once the call cap forced an eviction (finished calls go first,
 * oldest end time first; live calls are evicted only when nothing else is). */
bool ct_store_cap_reached(const ct_store *s);
size_t ct_store_evicted(const ct_store *s);
/* Counts by status for the status bar: index by ct_status. */
void ct_store_status_counts(const ct_store *s, size_t counts[CT_STATUS_OTHER + 1]);
/* Iterate every entry (order unspecified). Return false from fn to stop. */
void ct_store_foreach(const ct_store *s, bool (*fn)(const ct_call_entry *e, void *ud), void *ud);

/* ---- views ----------------------------------------------------------------
 * A view is an index (array of entry pointers) over the store: filtered,
 * then sorted, rebuilt lazily when the store generation or the spec changed.
 * Cost is O(n log n) per rebuild, O(1) per ct_view_at. Pointers returned are
 * valid until the next store mutation. Every accessor refreshes first, so a
 * view never returns a removed call. Order: the key, then for status,
 * direction and phone status the start time newest first, then the call id
 * ascending in both directions (a total, stable order). Customer sorts by
 * customer name, else user number; assistant by name, else id; text keys
 * compare ASCII case-insensitively, absent text as "". A duration sort with
 * now = 0 is also rebuilt when the wall-clock second changes. */
typedef enum {
    CT_FILTER_ALL = 0,
    CT_FILTER_LIVE,
    CT_FILTER_STATUS,
    CT_FILTER_DIRECTION,
    CT_FILTER_FAILED /* busy/no-answer/failed attempts */
} ct_filter_kind;
typedef enum {
    CT_SORT_START = 0,
    CT_SORT_DURATION,
    CT_SORT_STATUS,
    CT_SORT_DIRECTION,
    CT_SORT_CUSTOMER,
    CT_SORT_ASSISTANT,
    CT_SORT_PHONE_STATUS,
    CT_SORT_LAST_ACTIVITY,
    CT_SORT_ASSISTANT_NUMBER,
    CT_SORT__COUNT
} ct_sort_key;

typedef struct ct_view_spec {
    ct_filter_kind filter;
    ct_status status;       /* for CT_FILTER_STATUS */
    ct_direction direction; /* for CT_FILTER_DIRECTION */
    char search[128];       /* case-insensitive substring over id, numbers,
                                      assistant id/name, customer name; "" = none */
    ct_sort_key sort;
    bool descending;
    ct_time_ms now; /* for duration of live calls; 0 = wall clock */
    /* Chosen from lists (the board's pickers), on top of filter and search:
     * only calls with exactly this assistant id / this number of ours
     * (assistantNumber). "" = any. */
    char assistant_id[128];
    char our_number[64];
} ct_view_spec;

typedef struct ct_view ct_view;

ct_view *ct_view_new(const ct_store *s, const ct_view_spec *spec);
void ct_view_free(ct_view *v);
void ct_view_set_spec(ct_view *v, const ct_view_spec *spec);
const ct_view_spec *ct_view_spec_get(const ct_view *v);
/* Rebuilds if needed; cheap when nothing changed. */
void ct_view_refresh(ct_view *v);
size_t ct_view_count(ct_view *v);
const ct_call_entry *ct_view_at(ct_view *v, size_t i);
/* Position of a call in the view, -1 if filtered out or unknown. */
long ct_view_index_of(ct_view *v, const char *call_id);

const char *ct_sort_key_name(ct_sort_key k);
/* Duration in ms: end-start, or now-start for a live call; 0 when unknown. */
int64_t ct_call_duration_ms(const ct_call *c, ct_time_ms now);

/* ---- whole state (store_state.c) -------------------------------------------
 * Everything a future merge depends on, per call, in iteration order: the
 * call with its transcript, and the bookkeeping beside it (each field's
 * version, each line's first-seen number and version, hang, error and
 * activity times, heard_at). A store imported from an export merges every
 * later update exactly as the exported one would, and iterates in the same
 * order: calltop-relay's checkpoints (docs/scale-out.md). The UI-only
 * members (generations, confirmed_at, channel flags) are not kept. */
/* A JSON array, one object per call; NULL on OOM. */
struct cJSON *ct_store_export(const ct_store *s);
/* Adds the exported calls to an empty store. CT_EJSON / CT_EMISSING /
 * CT_ETYPE / CT_EVALUE with the failing element in err for bad input. */
ct_err ct_store_import(ct_store *s, const struct cJSON *calls, ct_error *err);

#endif
