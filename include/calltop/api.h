/* api.h — the pure half of talking to Interactly's REST API.
 *
 * Everything here is computation without I/O, so it is unit-tested to the
 * last branch: building URLs (with percent-encoding of path segments and
 * query values), describing each endpoint's request, turning an HTTP status
 * + body (or a libcurl result code) into one ct_error a support person can
 * read, parsing Retry-After, computing retry delays, deciding whether a URL
 * may receive the bearer token (same origin as the configured base URL), and
 * planning the page walk of List Calls. net/fetcher.c does the I/O. */
#ifndef CALLTOP_API_H
#define CALLTOP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "calltop/err.h"
#include "calltop/model.h"

/* ---- URLs ---------------------------------------------------------------- */

/* Percent-encodes everything but RFC 3986 unreserved characters
 * (A-Z a-z 0-9 - . _ ~), so the result is safe both as one path segment and
 * as a query value. Caller frees. NULL on OOM. */
char *ct_api_escape(const char *s);

typedef struct ct_query_param {
    const char *name;
    const char *value;
} ct_query_param;

/* base + path + "?" + encoded query (params with a NULL value are skipped).
 * `path` must start with '/' and is used verbatim (escape segments first);
 * a trailing '/' on base is dropped. Caller frees *out. */
ct_err ct_api_url(const char *base, const char *path, const ct_query_param *q, size_t nq,
                  char **out, ct_error *err);

/* True when both absolute http(s) URLs have the same scheme, host and port
 * (the default port filled in; scheme and host compared case-insensitively).
 * False when either cannot be parsed, is not http/https, or carries userinfo
 * ("user@host"): the bearer token is never sent to such a URL. */
bool ct_api_same_origin(const char *url, const char *base);

/* ---- ids ----------------------------------------------------------------- */

/* Ids are opaque to calltop, but they become a path segment: an id that is
 * empty, "." or "..", holds '/' or '\\', a control character (C0, DEL or
 * C1) or is longer than CT_CALL_ID_MAX bytes (calltop/model.h) is refused before anything is
 * sent ("calls show .." must not request GET /calls/v1/). */
bool ct_api_call_id_valid(const char *id);
/* The same check with a sentence for the user: CT_EINVAL, detail
 * "<what>: <why>" (the id itself is not echoed when it holds controls). */
ct_err ct_api_check_id(const char *what, const char *id, ct_error *err);

/* ---- requests ------------------------------------------------------------ */

/* The endpoints, with the values of ct_request_kind (fetcher.h). */
enum {
    CT_API_LIST_CALLS = 1,
    CT_API_GET_CALL,
    CT_API_CONNECT,
    CT_API_CREATE,
    CT_API_CONTROL,
    CT_API_NUMBERS,
    CT_API_ASSISTANT
};

typedef struct ct_api_request {
    int kind;        /* CT_API_* */
    bool post;       /* false = GET */
    bool idempotent; /* GETs only: POSTs are never retried automatically */
    char *url;       /* absolute; never contains credentials */
    char *body;      /* JSON for POSTs, NULL for GETs */
} ct_api_request;

void ct_api_request_clear(ct_api_request *r);
const char *ct_api_kind_name(int kind); /* "list calls", "connect call", ... */

/* One builder per endpoint. Ids are percent-encoded into the path; request
 * bodies come from the model's encoders (which validate: a bad E.164 number
 * fails here, before anything is sent, with err->field naming the field). */
ct_err ct_api_list_calls(const char *base, ct_time_ms start, ct_time_ms end, int page, int size,
                         ct_api_request *out, ct_error *err);
ct_err ct_api_get_call(const char *base, const char *call_id, ct_api_request *out, ct_error *err);
ct_err ct_api_connect(const char *base, const ct_connect_request *r, ct_api_request *out,
                      ct_error *err);
ct_err ct_api_create(const char *base, const ct_create_request *r, ct_api_request *out,
                     ct_error *err);
/* Always built from base, never from the call's monitor.controlUrl. */
ct_err ct_api_control(const char *base, const char *call_id, const ct_control_request *r,
                      ct_api_request *out, ct_error *err);
ct_err ct_api_numbers(const char *base, ct_api_request *out, ct_error *err);
ct_err ct_api_assistant(const char *base, const char *assistant_id, ct_api_request *out,
                        ct_error *err);

/* ---- responses ----------------------------------------------------------- */

/* Maps an HTTP status and its body to err. 2xx gives CT_OK. Otherwise:
 * 400/422 CT_EVALIDATION (detail "customer.number: value is not a valid phone
 * number", err->field set), 401/403 CT_EAUTH, 404 CT_ENOTFOUND, 408
 * CT_ETIMEOUT, 429 CT_ERATELIMIT, 5xx CT_ESERVER, anything else CT_EHTTP.
 * `retry_after` is the raw Retry-After header value (or NULL); it fills
 * err->retry_after_s relative to `now`. Server text in the detail is
 * stripped of control characters and shortened. */
ct_err ct_api_map_http(int status, const char *body, size_t len, const char *retry_after,
                       time_t now, ct_error *err);

/* A 404 to a request whose path is fixed (list calls, numbers) means the
 * base URL points at something that is not the Interactly API, not that a
 * call is gone: turns such a CT_ENOTFOUND into CT_ECONFIG "--base-url is
 * probably wrong: <base> (HTTP 404 to list calls)". The URL is shown without
 * userinfo or query; the API key is never part of it. Other errors and
 * kinds are left alone. */
void ct_api_explain_not_found(int kind, const char *base, ct_error *err);

/* Formats a FastAPI-style 422 body {"detail":[{"loc":[...],"msg":...}]}:
 * each item becomes "a.b: msg" (loc without its leading "body"/"query"/
 * "path"/"header", joined with '.'), items joined with "; ". Tolerates
 * detail as a string, a single object, missing loc or msg. Writes the
 * first item's field into field (may be NULL). Returns false when the body
 * has no usable detail (out then holds ""). */
bool ct_api_format_validation(const char *body, size_t len, char *out, size_t cap, char *field,
                              size_t field_cap);

/* Copies at most max bytes of server (or library) text into dst (cap
 * bytes): control characters become spaces, the cut falls on a UTF-8
 * character boundary. For error details. (The libcurl result mapping is
 * net's: calltop/curl_err.h.) */
void ct_api_clean_copy(char *dst, size_t cap, const char *src, size_t max);

/* Names a certificate problem in words, for both the API (libcurl) and
 * the relay (libwebsockets): `verify` is the X.509 verification result
 * (OpenSSL's X509_V_ERR_* number; 0 when unknown), `text` the library's own
 * message (may be NULL; libcurl reports a host-name mismatch only there).
 * Returns a sentence such as "the server's certificate is self-signed"
 * with what to do about it (ca-file), or NULL when neither says which
 * problem it is. `have_ca_file` words the advice. */
const char *ct_api_tls_words(long verify, const char *text, bool have_ca_file);
/* For a CT_ETLS err: prefixes its detail with ct_api_tls_words() when
 * those name the problem; other errors are left alone. */
void ct_api_explain_tls(long verify, const char *text, bool have_ca_file, ct_error *err);

/* Checks a control response {"message":..., "data":{"success":true}}: an
 * explicit success=false is CT_EVALIDATION carrying the server's message;
 * a body that is not JSON is CT_EMALFORMED; a missing `data` is accepted. */
ct_err ct_api_control_result(const char *body, size_t len, ct_error *err);

/* ---- retries ------------------------------------------------------------- */

/* Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 or
 * asctime form). Returns seconds from `now` (0 for a date in the past), or
 * -1 when absent or unparsable. */
int ct_api_retry_after_parse(const char *value, time_t now);

/* Full jitter: a uniform value in [0, min(cap_ms, base_ms * 2^attempt)]
 * (attempt counts from 0). `rng` is the caller's xorshift64 state (nonzero). */
long ct_api_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t *rng);
uint64_t ct_api_rand(uint64_t *rng);

typedef struct ct_retry_policy {
    int max_retries;       /* retries after the first attempt */
    long base_ms, cap_ms;  /* backoff */
    int max_retry_after_s; /* a longer Retry-After is not waited out */
} ct_retry_policy;

/* Delay in ms before retrying after `e` on the given attempt (0 = the first
 * retry), or -1 when the request must not be retried: it is not idempotent,
 * the error is not transient, the retries are spent, or the server asked to
 * wait longer than max_retry_after_s. A Retry-After is honoured exactly. */
long ct_api_retry_delay_ms(const ct_error *e, bool idempotent, int attempt,
                           const ct_retry_policy *p, uint64_t *rng);

/* ---- list calls page walk ------------------------------------------------ */

typedef struct ct_list_plan {
    ct_time_ms start, end; /* the window sent (end already widened) */
    int page_size, max_pages;
    int page;         /* the page to fetch next (1-based), 0 when done */
    long total_count; /* from the last page, -1 when unknown */
    size_t seen;      /* items received over all pages */
    bool truncated;   /* stopped by max_pages with more to fetch */
} ct_list_plan;

/* A running call has no endAt and may be excluded by an endDate in the past,
 * so end is widened to now + margin_ms when it is earlier than that. */
void ct_list_plan_init(ct_list_plan *p, ct_time_ms start, ct_time_ms end, ct_time_ms now,
                       ct_time_ms margin_ms, int page_size, int max_pages);
/* Records a received page of n_items (total_count -1 if absent) and returns
 * the next page number, or 0 when the walk is done: totalCount is covered,
 * a short or empty page arrived, or max_pages was reached (truncated). */
int ct_list_plan_next(ct_list_plan *p, size_t n_items, long total_count);

/* The list's direction, from one page's start times: +1 oldest first, -1
 * newest first, 0 when the page cannot tell (fewer than two distinct start
 * times). The vendor does not document the direction of sort=startAt. */
int ct_call_list_order(const ct_call_list *page);

/* After page 1 of a walk whose total is known: writes the pages still to
 * fetch, in the order to apply them, to out (at most cap) and returns how
 * many. At most max_pages pages in all: when the total needs more (it sets
 * truncated), the walk keeps the newest calls, so with order > 0 (oldest
 * first) it returns the last max_pages pages, and page 1 (the oldest) must
 * be left out of the result. */
int ct_list_plan_rest(ct_list_plan *p, int order, int *out, int cap);

/* After a parallel pass over pages[0..n) (ascending), which read totals[i]
 * (each page's totalCount), writes the pages to read again to out (at most
 * cap) and returns how many. Calls arrive and none leave a window, so an
 * arrival only pushes calls to later positions. A call can then slip past
 * the walk only between two neighbouring pages where the lower one saw more
 * calls than the next (it was read later, after calls crossed the border):
 * the pages after that border are read again, as many as the calls that
 * arrived since the next page was read can have pushed such a call (up to
 * max_total - its total places). So are the pages past the last one read
 * when the largest total needs more (within max_pages). Ascending, no
 * page twice.
 * A sequential walk never needs this: each page is read after the one
 * before it. */
int ct_list_plan_repair(const ct_list_plan *p, const int *pages, const long *totals, int n,
                        long max_total, int *out, int cap);

/* A 422 naming `size` means the server caps the page size. Returns the
 * size to retry with: the cap the message states ("less than or equal to
 * 50"), else half of `size`; 0 when size cannot shrink any further. */
int ct_list_smaller_size(const ct_error *e, int size);

/* The start of the hot window: the earliest start among calls that are
 * live, or ended less than `settle_ms` ago without an analysis (it may
 * still arrive), minus margin_ms; now - margin_ms when there is none. The
 * board re-reads only [hot start, now] often, and the full window rarely. */
ct_time_ms ct_list_hot_start(const ct_call *calls, size_t n, ct_time_ms now, ct_time_ms settle_ms,
                             ct_time_ms margin_ms);

/* Which known live calls a fresh list no longer mentions: writes the
 * indexes (into known_live) of every id absent from `listed` to out_idx
 * (room for n_known) and returns the count. Those calls must be re-read
 * directly (GET) before they are shown as live again: a list may leave
 * live calls out altogether (a window matched by end time). */
size_t ct_list_unmentioned(const ct_call_list *listed, const char *const *known_live,
                           size_t n_known, size_t *out_idx);

/* A list walk's memory across pages: the ids acc holds and its room.
 * One per accumulated list, from its first page to its last; it borrows
 * the ids, so free it before (or without using it after) changing acc. */
typedef struct ct_list_absorber ct_list_absorber;
ct_list_absorber *ct_list_absorber_new(void); /* NULL on OOM */
void ct_list_absorber_free(ct_list_absorber *a);
/* Moves the calls of `page` into `acc`, skipping ids acc already holds
 * (pages shift while calls arrive). page is left empty. Costs the page's
 * size (amortized), not acc's. */
ct_err ct_call_list_absorb(ct_call_list *acc, ct_call_list *page, ct_list_absorber *a);
/* Keeps only ct_call_is_live calls. */
void ct_call_list_keep_live(ct_call_list *l);

/* ---- the server's own JSON, for `--json` ---------------------------------
 * The decoded model drops fields calltop does not know; scripts want the
 * API's objects as sent. A list walk keeps each page's raw call objects
 * here, then picks, for each call the walk kept (deduplicated, filtered),
 * the object the server sent for it. */
typedef struct ct_raw_calls ct_raw_calls;
ct_raw_calls *ct_raw_calls_new(void); /* NULL on OOM */
void ct_raw_calls_free(ct_raw_calls *r);
/* Keeps the elements of the page's "conversations" array. A page that is
 * not such a document adds nothing (the decoder reports it). */
ct_err ct_raw_calls_add_page(ct_raw_calls *r, const char *body, size_t len);
/* A JSON array text: for each call of l, in l's order, the first raw object
 * whose string "id" equals the call's id, or the call re-encoded from the
 * model when none matches. malloc'd; NULL on OOM. */
char *ct_raw_calls_pick(const ct_raw_calls *r, const ct_call_list *l);

/* ---- durations ----------------------------------------------------------- */

/* "90s", "30m", "2h", "7d" (a positive integer and one unit) -> ms.
 * CT_EUSAGE on anything else. */
ct_err ct_api_parse_duration(const char *s, ct_time_ms *out, ct_error *err);

#endif
