/* fetcher.h — every Interactly REST request, on one libcurl-multi thread.
 *
 * Callers (the UI thread, the CLI) enqueue requests and get a request id
 * back at once; the thread performs them, decodes the responses off the
 * caller's thread, and posts typed ct_events (see inbox.h) carrying that id.
 * GETs retry transient failures with exponential backoff and jitter; POSTs
 * (connect, create, control) are never retried automatically. The bearer
 * token is sent only to the configured base URL's origin. */
#ifndef CALLTOP_FETCHER_H
#define CALLTOP_FETCHER_H

#include <stdbool.h>
#include <stdint.h>
#include "calltop/inbox.h"
#include "calltop/model.h"

/* ct_request_kind: calltop/event.h */
typedef struct ct_fetcher_options {
    const char *base_url;    /* e.g. https://api-prod.interactly.ai (no trailing /) */
    const char *api_key;     /* copied; never logged */
    bool insecure;           /* skip TLS verification (loudly warned by the caller) */
    const char *ca_file;     /* PEM CA bundle to trust (CURLOPT_CAINFO); NULL = system store */
    long connect_timeout_ms; /* 0 = 5000 */
    long total_timeout_ms;   /* 0 = 20000 */
    int max_retries;         /* GET retries on transient errors; -1 = default 3 */
    long max_body_bytes;     /* 0 = 8 MiB */
    int list_page_size;      /* 0 = 100 */
    int list_max_pages;      /* 0 = 200 */
    long retry_base_ms;      /* backoff base; 0 = 250 */
    long retry_cap_ms;       /* backoff ceiling; 0 = 8000 */
    int max_retry_after_s;   /* a longer Retry-After is reported, not waited; 0 = 60 */
    long list_end_margin_ms; /* List Calls widens endDate to now + this; 0 = 5 min */
    bool keep_raw_json;      /* results carry the server's JSON too (ct_event.raw_json) */
    int list_parallel;       /* list pages in flight at once once page 1 told the total;
                                 * 0 = 4, 1 = one page after another (the old walk) */
} ct_fetcher_options;

/* Counters for tests and `calltop calls --stats`-style diagnostics. */
typedef struct ct_fetcher_stats {
    uint64_t transfers;         /* HTTP exchanges attempted (each retry and page counts) */
    uint64_t retries;           /* of which were automatic retries */
    uint64_t connections;       /* new TCP connections opened (reuse keeps this low) */
    uint64_t wakeups;           /* turns of the thread's loop (returns of curl_multi_poll) */
    uint64_t rate_limit_pauses; /* shared pauses begun after a 429 */
    uint64_t size_retries;      /* list walks restarted with a smaller page size after a 422 */
    uint64_t list_repairs;      /* pages read again because the list grew during a walk */
    uint64_t bytes_received;    /* response body bytes (after any Content-Encoding) */
} ct_fetcher_stats;

typedef struct ct_fetcher ct_fetcher;

ct_fetcher *ct_fetcher_start(const ct_fetcher_options *opt, ct_inbox *inbox, ct_error *err);
/* Cancels what is in flight (posting nothing more) and joins the thread. */
void ct_fetcher_stop(ct_fetcher *f);

/* Each returns a request id > 0, or 0 with *err set when the request is
 * invalid before it is sent (bad E.164, empty id, ...). err may be NULL. */
uint64_t ct_fetch_list_calls(ct_fetcher *f, ct_time_ms start, ct_time_ms end, bool live_only,
                             ct_error *err);
uint64_t ct_fetch_get_call(ct_fetcher *f, const char *call_id, ct_error *err);
/* Re-reads each id directly (one GET each, like ct_fetch_get_call): the
 * known live calls a fresh list no longer mentions (ct_list_unmentioned in
 * api.h), which must not stay "live" on a list's silence. Writes each
 * request id to out_ids (0 where the id was invalid) and returns how many
 * were queued. The answers are CT_EV_CALL_FETCHED, or CT_EV_REQUEST_FAILED
 * with CT_ENOTFOUND for a call that is gone. */
size_t ct_fetch_recheck(ct_fetcher *f, const char *const *ids, size_t n, uint64_t *out_ids);
/* The page size list walks use now: the configured one, or the smaller cap
 * a 422 for `size` taught this fetcher (remembered while it runs). */
int ct_fetcher_page_size(ct_fetcher *f);
uint64_t ct_fetch_connect(ct_fetcher *f, const ct_connect_request *r, ct_error *err);
uint64_t ct_fetch_create(ct_fetcher *f, const ct_create_request *r, ct_error *err);
uint64_t ct_fetch_control(ct_fetcher *f, const char *call_id, const ct_control_request *r,
                          ct_error *err);
uint64_t ct_fetch_numbers(ct_fetcher *f, ct_error *err);
uint64_t ct_fetch_assistant(ct_fetcher *f, const char *assistant_id, ct_error *err);
/* Cancels a queued or in-flight request; it then completes with CT_ECANCELLED. */
void ct_fetch_cancel(ct_fetcher *f, uint64_t request_id);
void ct_fetcher_get_stats(ct_fetcher *f, ct_fetcher_stats *out);

/* List walks: page 1 tells the total; the other pages are then fetched
 * list_parallel at a time and applied in page order, so the result equals
 * a sequential walk's. When the total grew during the walk (pages shifted
 * under it), the pages a call may have slipped past are read once more
 * (ct_list_plan_repair), deduplicating by id. The result
 * does not depend on the list's sort direction; when max_pages cannot cover
 * the total, the newest calls are kept whichever way the list is sorted. A
 * 422 naming `size` restarts the walk with the cap the server states (or
 * half), remembered for every later walk.
 *
 * Rate limit: one budget per fetcher (every URL has the base URL's origin).
 * A 429 pauses every request, not only the one that got it, for its
 * Retry-After (or a backoff without one, at most max_retry_after_s); after
 * the pause one request goes first, and the rest follow once it is
 * answered, so the pause never ends in a burst. CT_EV_RATE_LIMITED reports
 * the pause and its end. A POST that got the 429 still fails (never retried).
 *
 * Notes on results:
 * - CT_EV_CALLS_LISTED carries every call of the walked pages, deduplicated
 *   by id (filtered with ct_call_is_live when live_only); calls.total_count
 *   is the server's totalCount. When the page cap stopped the walk early,
 *   ev->text says so.
 * - A failed connect/create/control that may still have reached the server
 *   (timeout, broken connection, unreadable 2xx) says so in its detail: it
 *   is never retried automatically. */

#endif
