/* fetcher.c — every Interactly REST request, on one libcurl multi handle
 * running on its own thread.
 *
 * Callers build and validate a request on their own thread (core/api.c), get
 * an id back, and the request joins a mutex-guarded queue; curl_multi_wakeup
 * kicks the thread out of curl_multi_poll. The thread owns every transfer:
 * it starts them, decodes finished responses into model structs and posts a
 * typed event to the inbox. Retries of idempotent GETs are timers in the
 * same loop (a request waits in the active list with a due time), so the
 * thread never blocks on one: it sleeps until the earliest of a retry due,
 * curl's own timeout or a curl_multi_wakeup from a caller — and with
 * nothing to do, for good (an idle board's fetcher makes no wakeups). One
 * CURLSH keeps DNS, TLS sessions and connections shared, so a board
 * polling every few seconds reuses one keep-alive connection.
 *
 * Security: the bearer token goes only to URLs whose origin equals the base
 * URL's (every URL is built from the base URL anyway); redirects are never
 * followed; only http/https; TLS verification unless insecure; no verbose
 * output, and the key is wiped from memory when the fetcher stops. */
#include "calltop/clock.h"
#include "calltop/fetcher.h"
#include "calltop/curl_err.h"

#include <curl/curl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "calltop/api.h"
#include "calltop/log.h"

/* The fetcher's request kinds are the api layer's endpoint numbers. */
_Static_assert((int)CT_REQ_LIST_CALLS == (int)CT_API_LIST_CALLS &&
                   (int)CT_REQ_GET_CALL == (int)CT_API_GET_CALL &&
                   (int)CT_REQ_CONNECT == (int)CT_API_CONNECT &&
                   (int)CT_REQ_CREATE == (int)CT_API_CREATE &&
                   (int)CT_REQ_CONTROL == (int)CT_API_CONTROL &&
                   (int)CT_REQ_NUMBERS == (int)CT_API_NUMBERS &&
                   (int)CT_REQ_ASSISTANT == (int)CT_API_ASSISTANT,
               "request kinds drifted");

/* R_WALK: a list walk whose pages are child requests; R_DEAD: finished,
 * failed or cancelled, freed by sweep() at a safe point of the loop (a walk
 * and its children end together, from inside another request's finish). */
typedef enum { R_QUEUED, R_RUNNING, R_WAITING, R_WALK, R_DEAD } req_state;

/* One page of a parallel walk: decoded when it arrives, applied in turn. */
typedef struct page_slot {
    int page;
    long total; /* the totalCount this page reported */
    bool done;
    ct_call_list list;
    char *raw; /* keep_raw_json: the body, added when applied */
    size_t raw_len;
} page_slot;

typedef struct req {
    uint64_t id;
    int kind;           /* ct_request_kind == CT_API_* */
    ct_api_request api; /* the current URL (and body for POSTs) */
    char *subject;      /* call or assistant id, for error details */
    ct_control_action action;
    bool live_only;
    ct_list_plan plan;          /* list calls: the page walk */
    ct_call_list acc;           /* list calls: what the pages gave so far */
    ct_raw_calls *raw;          /* list calls with keep_raw_json: the pages' objects */
    ct_list_absorber *absorber; /* list calls: the ids in acc, across pages */
    int attempt;                /* retries done for the current page */
    bool probe;                 /* the one request sent after a rate-limit pause */
    /* parallel list walks: the walk (kind LIST_CALLS, no parent) fetches
     * page 1 itself; the other pages are child reqs pointing at it */
    struct req *parent;          /* child page: its walk */
    int slot;                    /* child page: index into the walk's slots */
    page_slot *slots;            /* walk: the pages of the current pass */
    int n_slots, applied;        /* walk: slots, and how many were applied in order */
    int pass;                    /* walk: 0, or 1 for the re-read after the list grew */
    int order;                   /* walk: ct_call_list_order of page 1 */
    long first_total, max_total; /* walk: totalCount of page 1, and the largest seen */
    req_state state;
    int64_t due_ms; /* R_WAITING: monotonic time to start again */
    CURL *easy;
    struct curl_slist *headers;
    char *buf;
    size_t len, cap;
    long max_body;
    bool overflow;
    char retry_after[64];
    char errbuf[CURL_ERROR_SIZE];
    struct req *next;
} req;

struct ct_fetcher {
    /* set at start, read-only afterwards */
    char *base_url;
    char *auth_header; /* "Authorization: Bearer <key>": a secret */
    bool insecure;
    char *ca_file; /* NULL = libcurl's default store */
    bool keep_raw; /* opt->keep_raw_json */
    long connect_ms, total_ms, max_body, end_margin_ms;
    atomic_int page_size; /* shrinks when the server caps `size` (422) */
    int max_pages, list_parallel;
    ct_retry_policy retry;
    ct_inbox *inbox;
    CURLM *multi;
    CURLSH *share;
    pthread_t thread;

    /* shared with callers, under lock */
    pthread_mutex_t lock;
    req *in_head, *in_tail;
    uint64_t *cancels;
    size_t n_cancels, cap_cancels;
    bool stopping;
    uint64_t next_id;
    ct_fetcher_stats stats;

    /* fetcher thread only */
    req *active;
    uint64_t rng;
    int64_t pause_until; /* monotonic ms: no request starts before (a 429) */
    bool probing;        /* after a pause: one request at a time until one is answered */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Frees a header list, wiping each line first: one of them is the token. */
static void free_headers(struct curl_slist *h)
{
    for (struct curl_slist *l = h; l; l = l->next) explicit_bzero(l->data, strlen(l->data));
    curl_slist_free_all(h);
}

static void req_free(req *r)
{
    if (!r) return;
    if (r->easy) curl_easy_cleanup(r->easy);
    free_headers(r->headers);
    ct_api_request_clear(&r->api);
    ct_call_list_clear(&r->acc);
    for (int i = 0; i < r->n_slots; i++) {
        ct_call_list_clear(&r->slots[i].list);
        free(r->slots[i].raw);
    }
    free(r->slots);
    ct_raw_calls_free(r->raw);
    ct_list_absorber_free(r->absorber);
    free(r->subject);
    free(r->buf);
    free(r);
}

/* ---- posting results ----------------------------------------------------- */

#define AUTH_PREFIX "Authorization: Bearer "

/* Replaces every copy of the API key in s (a server may echo it back in an
 * error message) with "[redacted]", within cap bytes. */
static void redact_key(const ct_fetcher *f, char *s, size_t cap)
{
    const char *key = f->auth_header ? f->auth_header + strlen(AUTH_PREFIX) : NULL;
    size_t kl = key ? strlen(key) : 0;
    static const char mask[] = "[redacted]";
    if (kl < 4) return;
    for (char *p = strstr(s, key); p; p = strstr(p, key)) {
        size_t tail = strlen(p + kl);
        size_t room = cap - (size_t)(p - s) - 1; /* bytes available from p on */
        if (sizeof mask - 1 > room) {
            *p = '\0';
            return;
        }
        if (sizeof mask - 1 + tail > room) tail = room - (sizeof mask - 1);
        memmove(p + sizeof mask - 1, p + kl, tail);
        memcpy(p, mask, sizeof mask - 1);
        p[sizeof mask - 1 + tail] = '\0';
        p += sizeof mask - 1;
    }
}

static void post_failure(ct_fetcher *f, req *r, const ct_error *e)
{
    ct_event *ev = ct_event_new(CT_EV_REQUEST_FAILED);
    if (!ev) return;
    ev->request_id = r->id;
    ev->request_kind = r->kind;
    ev->error = *e;
    /* Name the request so "HTTP 404" reads "get call CC-1: HTTP 404". */
    char detail[sizeof e->detail + 256];
    int n = snprintf(detail, sizeof detail, "%s%s%.120s: %s", ct_api_kind_name(r->kind),
                     r->subject ? " " : "", r->subject ? r->subject : "", e->detail);
    size_t cap = sizeof ev->error.detail - 1;
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
    memcpy(ev->error.detail, detail, len);
    ev->error.detail[len] = '\0';
    redact_key(f, ev->error.detail, sizeof ev->error.detail);
    ct_inbox_post(f->inbox, ev);
}

static void fail(ct_fetcher *f, req *r, ct_err code, const char *msg)
{
    ct_error e;
    ct_error_clear(&e);
    ct_error_set(&e, code, "%s", msg);
    post_failure(f, r, &e);
}

/* ---- curl callbacks ------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    req *r = ud;
    size_t n = size * nmemb;
    if (r->len + n > (size_t)r->max_body) {
        r->overflow = true;
        return 0; /* CURLE_WRITE_ERROR: abort the transfer now */
    }
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 4096;
        while (cap < r->len + n + 1) cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) return 0;
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    r->buf[r->len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    req *r = ud;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > 5 && strncmp(data, "HTTP/", 5) == 0)
        r->retry_after[0] = '\0'; /* a new response (after 100 Continue) */
    else if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t vl = n - (sizeof name - 1);
        if (vl >= sizeof r->retry_after) vl = sizeof r->retry_after - 1;
        memcpy(r->retry_after, data + sizeof name - 1, vl);
        r->retry_after[vl] = '\0'; /* ct_api_retry_after_parse trims */
    }
    return n;
}

/* ---- starting a transfer ------------------------------------------------- */

static ct_err start(ct_fetcher *f, req *r, ct_error *e)
{
    r->len = 0;
    r->overflow = false;
    r->retry_after[0] = '\0';
    r->errbuf[0] = '\0';
    CURL *h = r->easy = curl_easy_init();
    if (!h) return ct_error_set(e, CT_ENOMEM, "could not create a transfer");

    struct curl_slist *hd = NULL, *t;
#define ADDH(s)                         \
    do {                                \
        t = curl_slist_append(hd, (s)); \
        if (!t) goto oom;               \
        hd = t;                         \
    } while (0)
    ADDH("Accept: application/json");
    ADDH("Expect:"); /* no 100-continue round trip for small JSON bodies */
    if (r->api.post) ADDH("Content-Type: application/json");
    /* The one gate for the token: every URL is built from base_url, and this
     * check makes sure no future code path can send it anywhere else. */
    if (f->auth_header && ct_api_same_origin(r->api.url, f->base_url)) ADDH(f->auth_header);
#undef ADDH
    r->headers = hd;

    curl_easy_setopt(h, CURLOPT_URL, r->api.url);
    curl_easy_setopt(h, CURLOPT_PRIVATE, r);
    curl_easy_setopt(h, CURLOPT_SHARE, f->share);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, f->insecure ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, f->insecure ? 0L : 2L);
    if (f->ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, f->ca_file);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, f->connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, f->total_ms);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->max_body);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "calltop/" CALLTOP_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    if (r->api.post) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->api.body ? r->api.body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)(r->api.body ? strlen(r->api.body) : 0));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (curl_multi_add_handle(f->multi, h) != CURLM_OK) goto oom;
    r->state = R_RUNNING;
    r->probe = f->probing; /* only started alone, once the pause is over */
    pthread_mutex_lock(&f->lock);
    f->stats.transfers++;
    if (r->attempt > 0) f->stats.retries++;
    pthread_mutex_unlock(&f->lock);
    return CT_OK;
oom:
    free_headers(hd);
    r->headers = NULL;
    curl_easy_cleanup(h);
    r->easy = NULL;
    return ct_error_set(e, CT_ENOMEM, "could not start a transfer");
}

static void stop_transfer(ct_fetcher *f, req *r)
{
    if (!r->easy) return;
    curl_multi_remove_handle(f->multi, r->easy);
    curl_easy_cleanup(r->easy);
    r->easy = NULL;
    free_headers(r->headers);
    r->headers = NULL;
}

/* ---- finishing a transfer ------------------------------------------------ */

/* Whether a failed POST may still have taken effect, so the user must
 * check before trying again: it went out (curl issued the request) and no
 * definite "no" came back. A 5xx counts: the server may have acted before
 * it failed (placed the call, then could not answer). A refused or
 * unresolved connection sent nothing; a 4xx is the server's refusal. */
static const char *maybe_done(ct_err code, long request_bytes)
{
    if (request_bytes <= 0) return NULL;
    if (code == CT_ESERVER) return " (the server may have acted on it before failing; not retried)";
    if (code == CT_ETIMEOUT || code == CT_ECONNECT || code == CT_EMALFORMED || code == CT_ETOOBIG)
        return " (the request may have reached the server; not retried)";
    return NULL;
}

/* ---- list walks ---------------------------------------------------------- */

/* Later walks ask for at most `size` per page (the server's cap). */
static void remember_page_size(ct_fetcher *f, int size)
{
    int expected = atomic_load(&f->page_size);
    while (size < expected && !atomic_compare_exchange_weak(&f->page_size, &expected, size))
        ;
}

/* Marks a walk (or any request) and its child pages finished; sweep() frees
 * them. Nothing more is posted for them. */
static void walk_kill(ct_fetcher *f, req *w)
{
    for (req *c = f->active; c; c = c->next)
        if (c->parent == w) {
            stop_transfer(f, c);
            c->state = R_DEAD;
        }
    stop_transfer(f, w);
    w->state = R_DEAD;
}

static void walk_drop_slots(req *w)
{
    for (int i = 0; i < w->n_slots; i++) {
        ct_call_list_clear(&w->slots[i].list);
        free(w->slots[i].raw);
    }
    free(w->slots);
    w->slots = NULL;
    w->n_slots = w->applied = 0;
}

static ct_err decode_page(const req *r, int page_no, ct_call_list *page, ct_error *e)
{
    ct_error de;
    ct_error_clear(&de);
    memset(page, 0, sizeof *page);
    if (ct_call_list_decode(r->buf ? r->buf : "", r->len, page, &de) != CT_OK) {
        ct_call_list_clear(page);
        return ct_error_set(e, CT_EMALFORMED, "page %d: %s", page_no, de.detail);
    }
    return CT_OK;
}

/* Adds a decoded page (emptied) and its raw objects to the walk's result. */
static ct_err walk_absorb(ct_fetcher *f, req *w, ct_call_list *page, const char *raw,
                          size_t raw_len, ct_error *e)
{
    if (f->keep_raw && raw &&
        ((!w->raw && !(w->raw = ct_raw_calls_new())) ||
         ct_raw_calls_add_page(w->raw, raw, raw_len) != CT_OK)) {
        ct_call_list_clear(page);
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    }
    if ((!w->absorber && !(w->absorber = ct_list_absorber_new())) ||
        ct_call_list_absorb(&w->acc, page, w->absorber) != CT_OK) {
        ct_call_list_clear(page);
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    }
    return CT_OK;
}

/* Posts the walk's result; the walk is then dead (swept). */
static ct_err walk_post(ct_fetcher *f, req *w, ct_error *e)
{
    ct_list_absorber_free(w->absorber); /* it borrows acc's ids */
    w->absorber = NULL;
    if (w->live_only) ct_call_list_keep_live(&w->acc);
    ct_event *ev = ct_event_new(CT_EV_CALLS_LISTED);
    if (!ev) return ct_error_set(e, CT_ENOMEM, "out of memory");
    if (f->keep_raw &&
        !(ev->raw_json = w->raw ? ct_raw_calls_pick(w->raw, &w->acc) : strdup("[]"))) {
        ct_event_free(ev);
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    }
    ev->calls = w->acc;
    memset(&w->acc, 0, sizeof w->acc);
    if (w->plan.truncated) {
        char note[160];
        snprintf(note, sizeof note, "list calls stopped after %d pages (%zu of %ld calls)",
                 w->plan.max_pages, w->plan.seen, w->plan.total_count);
        ev->text = strdup(note);
    }
    ev->request_id = w->id;
    ev->request_kind = w->kind;
    ct_inbox_post(f->inbox, ev);
    walk_kill(f, w);
    return CT_OK;
}

/* Queues one child request per page; the walk waits for them (R_WALK). */
static ct_err walk_spawn(ct_fetcher *f, req *w, const int *pages, int n, ct_error *e)
{
    walk_drop_slots(w);
    if (!(w->slots = calloc((size_t)n, sizeof *w->slots)))
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    w->n_slots = n;
    req **tail = &f->active;
    while (*tail) tail = &(*tail)->next;
    for (int i = 0; i < n; i++) {
        w->slots[i].page = pages[i];
        req *c = calloc(1, sizeof *c);
        if (!c) return ct_error_set(e, CT_ENOMEM, "out of memory");
        c->kind = CT_REQ_LIST_CALLS;
        c->parent = w;
        c->slot = i;
        c->max_body = w->max_body;
        c->state = R_QUEUED;
        *tail = c; /* linked first, so walk_kill finds it whatever happens next */
        tail = &c->next;
        if (ct_api_list_calls(f->base_url, w->plan.start, w->plan.end, pages[i], w->plan.page_size,
                              &c->api, e) != CT_OK)
            return e->code;
    }
    w->state = R_WALK;
    return CT_OK;
}

/* A page of the walk's own transfer arrived: page 1, or the next page of a
 * sequential walk (list_parallel 1, or a server that sends no totalCount). */
static ct_err walk_page_done(ct_fetcher *f, req *w, ct_error *e)
{
    ct_call_list page;
    if (decode_page(w, w->plan.page, &page, e) != CT_OK) return e->code;
    size_t got = page.n_calls + page.n_skipped;
    long total = page.total_count;
    bool first = w->plan.page == 1;
    if (first) {
        w->order = ct_call_list_order(&page);
        w->first_total = w->max_total = total;
    }
    if (first && total >= 0 && got > 0 && got < (size_t)w->plan.page_size && (long)got < total) {
        /* A short first page of a longer list: the server serves fewer than
         * `size` without saying so. Its pages are that long, so the other
         * page numbers must be computed with its size, not ours. */
        ct_log(CT_LOG_INFO, "list calls #%llu: the server sent %zu of %d per page; using %zu",
               (unsigned long long)w->id, got, w->plan.page_size, got);
        w->plan.page_size = (int)got;
        remember_page_size(f, (int)got);
    }
    if (first && total >= 0 && f->list_parallel > 1) {
        w->plan.total_count = total;
        int cap = w->plan.max_pages, *pages = malloc((size_t)cap * sizeof *pages);
        if (!pages) {
            ct_call_list_clear(&page);
            return ct_error_set(e, CT_ENOMEM, "out of memory");
        }
        int n = got > 0 ? ct_list_plan_rest(&w->plan, w->order, pages, cap) : 0;
        /* Cut short on a list sorted oldest first: page 1 holds the oldest
         * calls, and the newest (the last pages) are what a board needs. */
        ct_err rc = CT_OK;
        if (w->plan.truncated && w->order > 0) ct_call_list_clear(&page);
        else {
            w->plan.seen += got;
            rc = walk_absorb(f, w, &page, w->buf, w->len, e);
        }
        if (rc == CT_OK) rc = n > 0 ? walk_spawn(f, w, pages, n, e) : walk_post(f, w, e);
        free(pages);
        return rc;
    }
    if (walk_absorb(f, w, &page, w->buf, w->len, e) != CT_OK) return e->code;
    int next = ct_list_plan_next(&w->plan, got, total);
    if (next > 0) {
        ct_api_request_clear(&w->api);
        if (ct_api_list_calls(f->base_url, w->plan.start, w->plan.end, next, w->plan.page_size,
                              &w->api, e) != CT_OK)
            return e->code;
        w->attempt = 0;
        w->state = R_QUEUED;
        return CT_OK;
    }
    return walk_post(f, w, e);
}

/* Every page of a pass is applied. */
static ct_err walk_pass_done(ct_fetcher *f, req *w, ct_error *e)
{
    if (w->pass > 0 || w->max_total <= w->first_total) {
        walk_drop_slots(w);
        return walk_post(f, w, e);
    }
    /* The list grew while it was walked: calls pushed across a page border
     * after the later page was read but before the earlier one was can slip
     * through (ct_list_plan_repair). Read those pages once more; the ids
     * held are skipped. A growth during the repair is left for the next
     * refresh, as a sequential walk leaves calls that arrive after it. */
    int n = w->n_slots + 1, cap = w->plan.max_pages;
    int *pages = malloc((size_t)n * sizeof *pages), *again = malloc((size_t)cap * sizeof *again);
    long *totals = malloc((size_t)n * sizeof *totals);
    if (!pages || !again || !totals) {
        free(pages);
        free(again);
        free(totals);
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    }
    int k = 0;
    if (!(w->plan.truncated && w->order > 0)) { /* page 1 was kept: see walk_page_done */
        pages[k] = 1;
        totals[k++] = w->first_total;
    }
    for (int i = 0; i < w->n_slots; i++) {
        pages[k] = w->slots[i].page;
        totals[k++] = w->slots[i].total;
    }
    walk_drop_slots(w);
    int m = ct_list_plan_repair(&w->plan, pages, totals, k, w->max_total, again, cap);
    ct_err rc;
    w->pass = 1;
    if (m > 0) {
        ct_log(CT_LOG_INFO,
               "list calls #%llu: the list grew from %ld to %ld while walked; "
               "reading %d page(s) again",
               (unsigned long long)w->id, w->first_total, w->max_total, m);
        pthread_mutex_lock(&f->lock);
        f->stats.list_repairs += (uint64_t)m;
        pthread_mutex_unlock(&f->lock);
        rc = walk_spawn(f, w, again, m, e);
    } else {
        rc = walk_post(f, w, e);
    }
    free(pages);
    free(again);
    free(totals);
    return rc;
}

/* A child page arrived: keep it, then apply every page whose turn came. */
static ct_err child_page_done(ct_fetcher *f, req *c, ct_error *e)
{
    req *w = c->parent;
    page_slot *s = &w->slots[c->slot];
    if (decode_page(c, s->page, &s->list, e) != CT_OK) return e->code;
    if (f->keep_raw) {
        s->raw = c->buf;
        s->raw_len = c->len;
        c->buf = NULL;
        c->len = c->cap = 0;
    }
    s->done = true;
    s->total = s->list.total_count;
    if (s->list.total_count > w->max_total) w->max_total = s->list.total_count;
    while (w->applied < w->n_slots && w->slots[w->applied].done) {
        page_slot *a = &w->slots[w->applied++];
        w->plan.seen += a->list.n_calls + a->list.n_skipped;
        ct_err rc = walk_absorb(f, w, &a->list, a->raw, a->raw_len, e);
        free(a->raw);
        a->raw = NULL;
        if (rc != CT_OK) return rc;
    }
    return w->applied == w->n_slots ? walk_pass_done(f, w, e) : CT_OK;
}

/* The server capped `size` (422): start the walk again with pages it
 * accepts, and remember the cap for every later walk. */
static void walk_restart(ct_fetcher *f, req *w, int size)
{
    for (req *c = f->active; c; c = c->next)
        if (c->parent == w) {
            stop_transfer(f, c);
            c->state = R_DEAD;
        }
    walk_drop_slots(w);
    ct_call_list_clear(&w->acc);
    w->acc.total_count = -1;
    ct_raw_calls_free(w->raw);
    w->raw = NULL;
    ct_list_absorber_free(w->absorber);
    w->absorber = NULL;
    /* plan.end is already widened: keep it */
    ct_list_plan_init(&w->plan, w->plan.start, w->plan.end, 0, 0, size, w->plan.max_pages);
    w->pass = w->order = 0;
    w->first_total = w->max_total = -1;
    w->attempt = 0;
    remember_page_size(f, size);
    pthread_mutex_lock(&f->lock);
    f->stats.size_retries++;
    pthread_mutex_unlock(&f->lock);
    ct_error e;
    ct_error_clear(&e);
    ct_api_request_clear(&w->api);
    if (ct_api_list_calls(f->base_url, w->plan.start, w->plan.end, 1, size, &w->api, &e) != CT_OK) {
        post_failure(f, w, &e);
        walk_kill(f, w);
        return;
    }
    w->state = R_QUEUED;
}

/* Decodes a 2xx body into an event; CT_OK when r is finished and posted,
 * CT_OK with r->state == R_QUEUED when the list walk wants another page,
 * R_WALK when it waits for its child pages, R_DEAD when a list walk was
 * posted from here (sweep() frees it). */
static ct_err deliver(ct_fetcher *f, req *r, ct_error *e)
{
    const char *body = r->buf ? r->buf : "";
    ct_error de;
    ct_error_clear(&de);
    ct_event *ev = NULL;

    switch (r->kind) {
    case CT_REQ_LIST_CALLS: return r->parent ? child_page_done(f, r, e) : walk_page_done(f, r, e);
    case CT_REQ_GET_CALL:
    case CT_REQ_CONNECT:
    case CT_REQ_CREATE: {
        ev = ct_event_new(r->kind == CT_REQ_GET_CALL ? CT_EV_CALL_FETCHED : CT_EV_CALL_PLACED);
        if (!ev) return ct_error_set(e, CT_ENOMEM, "out of memory");
        if (ct_call_decode(body, r->len, &ev->call, &de) != CT_OK) {
            ct_event_free(ev);
            return ct_error_set(e, CT_EMALFORMED, "%s", de.detail);
        }
        break;
    }
    case CT_REQ_CONTROL:
        if (ct_api_control_result(body, r->len, e) != CT_OK) return e->code;
        if (!(ev = ct_event_new(CT_EV_CONTROL_DONE)))
            return ct_error_set(e, CT_ENOMEM, "out of memory");
        ev->call_id = r->subject ? strdup(r->subject) : NULL;
        ev->action = r->action;
        break;
    case CT_REQ_NUMBERS:
        if (!(ev = ct_event_new(CT_EV_NUMBERS))) return ct_error_set(e, CT_ENOMEM, "out of memory");
        if (ct_number_list_decode(body, r->len, &ev->numbers, &de) != CT_OK) {
            ct_event_free(ev);
            return ct_error_set(e, CT_EMALFORMED, "%s", de.detail);
        }
        break;
    case CT_REQ_ASSISTANT:
        if (!(ev = ct_event_new(CT_EV_ASSISTANT)))
            return ct_error_set(e, CT_ENOMEM, "out of memory");
        if (ct_assistant_decode(body, r->len, &ev->assistant, &de) != CT_OK) {
            ct_event_free(ev);
            return ct_error_set(e, CT_EMALFORMED, "%s", de.detail);
        }
        break;
    default: return ct_error_set(e, CT_EINVAL, "unknown request kind %d", r->kind);
    }
    ev->request_id = r->id;
    ev->request_kind = r->kind;
    if (f->keep_raw && r->kind != CT_REQ_LIST_CALLS && r->kind != CT_REQ_CONTROL &&
        !(ev->raw_json = strndup(body, r->len))) {
        ct_event_free(ev);
        return ct_error_set(e, CT_ENOMEM, "out of memory");
    }
    ct_inbox_post(f->inbox, ev);
    return CT_OK;
}

/* ---- the shared rate budget --------------------------------------------- */

static void post_rate_limited(ct_fetcher *f, int64_t until_mono)
{
    ct_event *ev = ct_event_new(CT_EV_RATE_LIMITED);
    if (!ev) return;
    char note[96];
    if (until_mono) {
        int64_t left = until_mono - ct_clock_mono_ms();
        ev->rate_limited_until = ct_clock_wall_ms() + left;
        snprintf(note, sizeof note, "rate limited by the API, resuming in %llds",
                 (long long)((left + 999) / 1000));
    } else {
        snprintf(note, sizeof note, "rate limit over, requests resumed");
    }
    ev->text = strdup(note);
    ct_inbox_post(f->inbox, ev);
}

/* A 429: every request to the API waits, not only the one that got it
 * (they share one budget at the server). `delay` is the retry delay the
 * policy chose for it (-1 when it is not retried). */
static void begin_pause(ct_fetcher *f, const ct_error *e, long delay)
{
    long ms;
    if (e->retry_after_s >= 0)
        ms = 1000L *
            (e->retry_after_s < f->retry.max_retry_after_s ? e->retry_after_s
                                                           : f->retry.max_retry_after_s);
    else ms = delay >= 0 ? delay : f->retry.base_ms;
    int64_t now = ct_clock_mono_ms(), until = now + ms;
    bool fresh = f->pause_until <= now;         /* not an extension of a running pause */
    bool later = until > f->pause_until + 1000; /* worth telling again */
    if (until > f->pause_until) f->pause_until = until;
    f->probing = true;
    if (fresh) {
        pthread_mutex_lock(&f->lock);
        f->stats.rate_limit_pauses++;
        pthread_mutex_unlock(&f->lock);
        ct_log(CT_LOG_WARN, "rate limited: every request waits %ld ms", ms);
    }
    if (fresh || later) post_rate_limited(f, f->pause_until);
}

static void end_pause(ct_fetcher *f)
{
    f->probing = false;
    ct_log(CT_LOG_INFO, "rate limit over: requests resumed");
    post_rate_limited(f, 0);
}

/* Returns true when r is finished (posted) and may be freed. */
static bool finish(ct_fetcher *f, req *r, CURLcode rc)
{
    if (r->state == R_DEAD) /* its walk ended meanwhile: nothing to apply it to */
        return false;
    ct_error e;
    ct_error_clear(&e);
    long status = 0, conns = 0, sent = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &conns);
    curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent); /* 0: nothing went out */
    pthread_mutex_lock(&f->lock);
    f->stats.connections += (uint64_t)conns;
    f->stats.bytes_received += r->len;
    pthread_mutex_unlock(&f->lock);
    stop_transfer(f, r);

    if (r->overflow)
        ct_error_set(&e, CT_ETOOBIG, "the response exceeded %ld bytes and was dropped",
                     f->max_body);
    else if (rc != CURLE_OK) {
        ct_curl_map_error(rc, r->errbuf, &e);
        if (e.code == CT_ETLS) { /* name the certificate problem in words */
            long verify = 0;
            curl_easy_getinfo(r->easy, CURLINFO_SSL_VERIFYRESULT, &verify);
            ct_api_explain_tls(verify, r->errbuf, f->ca_file != NULL, &e);
        }
    } else if (ct_api_map_http((int)status, r->buf, r->len, r->retry_after, time(NULL), &e) ==
               CT_OK)
        deliver(f, r, &e);
    ct_api_explain_not_found(r->api.kind, f->base_url, &e); /* 404 on a fixed path */
    /* The probe's answer, unless another 429, ends the pause: the rest may
     * go. (Answers to requests sent before the pause say nothing.) */
    if (f->probing && r->probe && e.code != CT_ERATELIMIT) end_pause(f);
    if (e.code == CT_OK) return r->state != R_QUEUED && r->state != R_WALK && r->state != R_DEAD;

    req *walk = r->kind == CT_REQ_LIST_CALLS ? (r->parent ? r->parent : r) : NULL;
    int smaller = walk ? ct_list_smaller_size(&e, walk->plan.page_size) : 0;
    if (smaller > 0) {
        ct_log(CT_LOG_INFO,
               "list calls #%llu: the server caps the page size (%s); "
               "walking again with %d",
               (unsigned long long)walk->id, e.detail, smaller);
        walk_restart(f, walk, smaller);
        return false; /* r is the walk (queued again) or a child (dead) */
    }
    long delay = ct_api_retry_delay_ms(&e, r->api.idempotent, r->attempt, &f->retry, &f->rng);
    if (e.code == CT_ERATELIMIT) begin_pause(f, &e, delay);
    char retry[48] = "";
    if (delay >= 0) snprintf(retry, sizeof retry, "; retry %d in %ld ms", r->attempt + 1, delay);
    ct_log(delay >= 0 ? CT_LOG_INFO : CT_LOG_WARN, "%s #%llu %s %s: %s: %s%s",
           ct_api_kind_name(r->kind), (unsigned long long)(walk ? walk->id : r->id),
           r->api.post ? "POST" : "GET", r->api.url, ct_strerror(e.code), e.detail, retry);
    if (delay >= 0) {
        r->attempt++;
        r->state = R_WAITING;
        r->due_ms = ct_clock_mono_ms() + delay;
        return false;
    }
    const char *doubt = r->api.post ? maybe_done(e.code, sent) : NULL;
    if (doubt) {
        size_t l = strlen(e.detail);
        snprintf(e.detail + l, sizeof e.detail - l, "%s", doubt);
    }
    if (walk) { /* one page failed for good: the walk fails, with its own id */
        post_failure(f, walk, &e);
        walk_kill(f, walk);
        return false;
    }
    post_failure(f, r, &e);
    return true;
}

/* ---- the thread ---------------------------------------------------------- */

/* curl_multi_poll has no "no timeout": the longest int of milliseconds
 * (24.8 days) stands for it, and the loop simply goes round again. */
#define IDLE_WAIT_MS ((long)INT_MAX)

static void unlink_req(ct_fetcher *f, req *r)
{
    for (req **pp = &f->active; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            return;
        }
}

static void apply_cancel(ct_fetcher *f, uint64_t id)
{
    for (req *r = f->active; r; r = r->next) {
        if (r->id != id || r->parent || r->state == R_DEAD) continue;
        fail(f, r, CT_ECANCELLED, "cancelled");
        walk_kill(f, r); /* a list walk's pages go with it */
        return;
    }
    /* unknown: it already finished, and its result stands */
}

/* Frees what finished inside another request's turn (walks, their pages). */
static void sweep(ct_fetcher *f)
{
    for (req **pp = &f->active; *pp;) {
        req *r = *pp;
        if (r->state != R_DEAD) {
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        stop_transfer(f, r);
        req_free(r);
    }
}

static void count_running(const ct_fetcher *f, int *running, int *list_running)
{
    *running = *list_running = 0;
    for (const req *r = f->active; r; r = r->next)
        if (r->state == R_RUNNING) {
            (*running)++;
            if (r->kind == CT_REQ_LIST_CALLS) (*list_running)++;
        }
}

/* True when a request that is due must still wait for a running one to end:
 * the probe after a pause goes alone, and list pages share list_parallel. */
static bool held_back(const ct_fetcher *f, const req *r, int running, int list_running)
{
    return (f->probing && running > 0) ||
        (r->kind == CT_REQ_LIST_CALLS && list_running >= f->list_parallel);
}

static void *run(void *arg)
{
    ct_fetcher *f = arg;
    ct_log_set_thread_name("fetcher");
    /* With CURLOPT_NOSIGNAL libcurl no longer ignores SIGPIPE for us; a
     * write to a peer that hung up must not kill the whole program. Blocked
     * here, a SIGPIPE raised by this thread just stays pending. */
    sigset_t pipe_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, NULL);
    for (;;) {
        pthread_mutex_lock(&f->lock);
        bool stopping = f->stopping;
        req *in = f->in_head;
        f->in_head = f->in_tail = NULL;
        uint64_t *cancels = f->cancels;
        size_t n_cancels = f->n_cancels;
        f->cancels = NULL;
        f->n_cancels = f->cap_cancels = 0;
        pthread_mutex_unlock(&f->lock);

        while (in) { /* keep FIFO order: append at the tail */
            req *next = in->next, **pp = &f->active;
            while (*pp) pp = &(*pp)->next;
            in->next = NULL;
            *pp = in;
            in = next;
        }
        if (stopping) {
            free(cancels);
            break;
        }
        for (size_t i = 0; i < n_cancels; i++) apply_cancel(f, cancels[i]);
        free(cancels);

        int64_t now = ct_clock_mono_ms();
        int running, list_running;
        count_running(f, &running, &list_running);
        for (req *r = f->active, *next; r && now >= f->pause_until; r = next) {
            next = r->next;
            if (r->state == R_QUEUED || (r->state == R_WAITING && r->due_ms <= now)) {
                if (held_back(f, r, running, list_running)) continue;
                ct_error e;
                ct_error_clear(&e);
                if (start(f, r, &e) != CT_OK) {
                    if (r->kind == CT_REQ_LIST_CALLS) {
                        req *w = r->parent ? r->parent : r;
                        post_failure(f, w, &e);
                        walk_kill(f, w);
                        continue;
                    }
                    unlink_req(f, r);
                    post_failure(f, r, &e);
                    req_free(r);
                    continue;
                }
                running++;
                if (r->kind == CT_REQ_LIST_CALLS) list_running++;
            }
        }
        sweep(f);

        int still = 0;
        curl_multi_perform(f->multi, &still);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(f->multi, &left))) {
            if (msg->msg != CURLMSG_DONE) continue;
            char *priv = NULL;
            CURLcode rc = msg->data.result; /* read before the handle goes */
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
            req *r = (req *)priv;
            if (r && finish(f, r, rc)) {
                unlink_req(f, r);
                req_free(r);
            }
        }
        sweep(f);

        /* Sleep until curl needs us, a retry is due, or a caller wakes us
         * (curl_multi_wakeup: a new request, a cancel, stop). With nothing
         * queued, waiting or in flight that is "forever": an idle board's
         * fetcher makes no wakeups at all. */
        long timeout = IDLE_WAIT_MS;
        long ct = -1;
        curl_multi_timeout(f->multi, &ct);
        if (ct >= 0 && ct < timeout) timeout = ct;
        now = ct_clock_mono_ms();
        count_running(f, &running, &list_running);
        for (req *r = f->active; r; r = r->next) {
            if (r->state != R_QUEUED && r->state != R_WAITING) continue;
            int64_t due = r->state == R_QUEUED ? now : r->due_ms;
            if (due < f->pause_until) due = f->pause_until;
            /* held back: a running transfer's end wakes the loop */
            if (due <= now && held_back(f, r, running, list_running)) continue;
            int64_t d = due - now;
            if (d < timeout) timeout = d < 0 ? 0 : (long)d;
        }
        if (timeout > 0) curl_multi_poll(f->multi, NULL, 0, (int)timeout, NULL);
        pthread_mutex_lock(&f->lock);
        f->stats.wakeups++;
        pthread_mutex_unlock(&f->lock);
    }

    /* Shutdown: drop everything, post nothing. */
    while (f->active) {
        req *r = f->active;
        f->active = r->next;
        stop_transfer(f, r);
        req_free(r);
    }
    return NULL;
}

/* ---- public API ---------------------------------------------------------- */

ct_fetcher *ct_fetcher_start(const ct_fetcher_options *opt, ct_inbox *inbox, ct_error *err)
{
    if (!opt || !opt->base_url || !*opt->base_url || !inbox) {
        ct_error_set(err, CT_EINVAL, "the fetcher needs a base URL and an inbox");
        return NULL;
    }
    /* A base URL the origin check cannot accept (credentials in it, not
     * http/https) would silently never get the token: say so up front. */
    if (!ct_api_same_origin(opt->base_url, opt->base_url)) {
        ct_error_set(err, CT_ECONFIG,
                     "base URL '%.200s' must be http(s)://host[:port] without "
                     "credentials",
                     strchr(opt->base_url, '@') ? "(hidden: it has credentials)" : opt->base_url);
        return NULL;
    }
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        ct_error_set(err, CT_EIO, "libcurl failed to initialise");
        return NULL;
    }
    ct_fetcher *f = calloc(1, sizeof *f);
    if (!f) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    f->inbox = inbox;
    f->insecure = opt->insecure;
    f->ca_file = opt->ca_file && *opt->ca_file ? strdup(opt->ca_file) : NULL;
    f->connect_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 5000;
    f->total_ms = opt->total_timeout_ms > 0 ? opt->total_timeout_ms : 20000;
    f->keep_raw = opt->keep_raw_json;
    f->max_body = opt->max_body_bytes > 0 ? opt->max_body_bytes : 8L * 1024 * 1024;
    atomic_init(&f->page_size, opt->list_page_size > 0 ? opt->list_page_size : 100);
    f->list_parallel = opt->list_parallel > 0 ? opt->list_parallel : 4;
    f->max_pages = opt->list_max_pages > 0 ? opt->list_max_pages : 200;
    f->end_margin_ms = opt->list_end_margin_ms > 0 ? opt->list_end_margin_ms : 5 * 60 * 1000;
    f->retry.max_retries = opt->max_retries >= 0 ? opt->max_retries : 3;
    f->retry.base_ms = opt->retry_base_ms > 0 ? opt->retry_base_ms : 250;
    f->retry.cap_ms = opt->retry_cap_ms > 0 ? opt->retry_cap_ms : 8000;
    f->retry.max_retry_after_s = opt->max_retry_after_s > 0 ? opt->max_retry_after_s : 60;
    f->rng = (uint64_t)ct_clock_mono_ms() ^ ((uint64_t)(uintptr_t)f << 16) ^
        (uint64_t)ct_clock_wall_ms();
    f->next_id = 1;
    pthread_mutex_init(&f->lock, NULL);

    f->base_url = strdup(opt->base_url);
    size_t bl = f->base_url ? strlen(f->base_url) : 0;
    while (bl > 0 && f->base_url[bl - 1] == '/') f->base_url[--bl] = '\0';
    if (opt->api_key && *opt->api_key) {
        size_t n = strlen(opt->api_key) + sizeof AUTH_PREFIX;
        if ((f->auth_header = malloc(n)))
            snprintf(f->auth_header, n, AUTH_PREFIX "%s", opt->api_key);
    }
    f->multi = curl_multi_init();
    f->share = curl_share_init();
    if (!f->base_url || (opt->api_key && *opt->api_key && !f->auth_header) || !f->multi ||
        !f->share) {
        ct_error_set(err, CT_ENOMEM, "out of memory starting the fetcher");
        goto fail;
    }
    /* Like a browser: at most 6 connections to the API, kept alive and
     * reused; a burst of requests queues inside curl instead of opening a
     * connection each (and tripping the server's rate limit). A larger
     * list_parallel gets one connection per page in flight (HTTP/1.1)
     * plus room for a GET of the selected call beside them. */
    curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      (long)(f->list_parallel + 2 > 6 ? f->list_parallel + 2 : 6));
    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        ct_error_set(err, CT_EIO, "could not start the fetcher thread");
        goto fail;
    }
    return f;
fail:
    if (f->multi) curl_multi_cleanup(f->multi);
    if (f->share) curl_share_cleanup(f->share);
    free(f->base_url);
    free(f->ca_file);
    if (f->auth_header) explicit_bzero(f->auth_header, strlen(f->auth_header));
    free(f->auth_header);
    pthread_mutex_destroy(&f->lock);
    free(f);
    return NULL;
}

void ct_fetcher_stop(ct_fetcher *f)
{
    if (!f) return;
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    curl_multi_wakeup(f->multi);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    /* A caller racing stop has either seen `stopping` or finished its
     * wakeup: both happen under the lock, and this is the barrier. */
    pthread_mutex_lock(&f->lock);
    pthread_mutex_unlock(&f->lock);
    curl_multi_cleanup(f->multi);
    curl_share_cleanup(f->share);
    free(f->cancels);
    free(f->base_url);
    free(f->ca_file);
    if (f->auth_header) explicit_bzero(f->auth_header, strlen(f->auth_header));
    free(f->auth_header);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

/* Queues r (taking ownership) and returns its id; 0 with err on failure. */
static uint64_t submit(ct_fetcher *f, req *r, ct_err rc, ct_error *err)
{
    if (rc != CT_OK) {
        req_free(r);
        return 0;
    }
    pthread_mutex_lock(&f->lock);
    if (f->stopping) {
        pthread_mutex_unlock(&f->lock);
        req_free(r);
        ct_error_set(err, CT_ECANCELLED, "the fetcher is stopping");
        return 0;
    }
    uint64_t id = r->id = f->next_id++;
    r->state = R_QUEUED;
    if (f->in_tail) f->in_tail->next = r;
    else f->in_head = r;
    f->in_tail = r;
    /* Woken under the lock: ct_fetcher_stop takes it before freeing the
     * multi handle, so a wakeup never races the cleanup. */
    curl_multi_wakeup(f->multi);
    pthread_mutex_unlock(&f->lock);
    return id;
}

static req *new_req(ct_fetcher *f, int kind, const char *subject, ct_error *err)
{
    req *r = calloc(1, sizeof *r);
    if (r && subject && !(r->subject = strdup(subject))) {
        free(r);
        r = NULL;
    }
    if (!r) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    r->kind = kind;
    r->max_body = f->max_body;
    r->acc.total_count = -1;
    return r;
}

uint64_t ct_fetch_list_calls(ct_fetcher *f, ct_time_ms start, ct_time_ms end, bool live_only,
                             ct_error *err)
{
    req *r = new_req(f, CT_REQ_LIST_CALLS, NULL, err);
    if (!r) return 0;
    r->live_only = live_only;
    ct_list_plan_init(&r->plan, start, end, ct_clock_wall_ms(), f->end_margin_ms,
                      atomic_load(&f->page_size), f->max_pages);
    return submit(f, r,
                  ct_api_list_calls(f->base_url, r->plan.start, r->plan.end, 1, r->plan.page_size,
                                    &r->api, err),
                  err);
}

uint64_t ct_fetch_get_call(ct_fetcher *f, const char *call_id, ct_error *err)
{
    req *r = new_req(f, CT_REQ_GET_CALL, call_id, err);
    return r ? submit(f, r, ct_api_get_call(f->base_url, call_id, &r->api, err), err) : 0;
}

uint64_t ct_fetch_connect(ct_fetcher *f, const ct_connect_request *cr, ct_error *err)
{
    req *r = new_req(f, CT_REQ_CONNECT, cr ? cr->customer_number : NULL, err);
    if (r && !cr) return submit(f, r, ct_error_set(err, CT_EINVAL, "no request"), err);
    return r ? submit(f, r, ct_api_connect(f->base_url, cr, &r->api, err), err) : 0;
}

uint64_t ct_fetch_create(ct_fetcher *f, const ct_create_request *cr, ct_error *err)
{
    req *r = new_req(f, CT_REQ_CREATE, cr ? cr->user_number : NULL, err);
    if (r && !cr) return submit(f, r, ct_error_set(err, CT_EINVAL, "no request"), err);
    return r ? submit(f, r, ct_api_create(f->base_url, cr, &r->api, err), err) : 0;
}

uint64_t ct_fetch_control(ct_fetcher *f, const char *call_id, const ct_control_request *cr,
                          ct_error *err)
{
    req *r = new_req(f, CT_REQ_CONTROL, call_id, err);
    if (r && !cr) return submit(f, r, ct_error_set(err, CT_EINVAL, "no request"), err);
    if (r) r->action = cr->action;
    return r ? submit(f, r, ct_api_control(f->base_url, call_id, cr, &r->api, err), err) : 0;
}

uint64_t ct_fetch_numbers(ct_fetcher *f, ct_error *err)
{
    req *r = new_req(f, CT_REQ_NUMBERS, NULL, err);
    return r ? submit(f, r, ct_api_numbers(f->base_url, &r->api, err), err) : 0;
}

uint64_t ct_fetch_assistant(ct_fetcher *f, const char *assistant_id, ct_error *err)
{
    req *r = new_req(f, CT_REQ_ASSISTANT, assistant_id, err);
    return r ? submit(f, r, ct_api_assistant(f->base_url, assistant_id, &r->api, err), err) : 0;
}

size_t ct_fetch_recheck(ct_fetcher *f, const char *const *ids, size_t n, uint64_t *out_ids)
{
    size_t queued = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = ct_fetch_get_call(f, ids[i], NULL);
        if (out_ids) out_ids[i] = id;
        queued += id != 0;
    }
    return queued;
}

int ct_fetcher_page_size(ct_fetcher *f)
{
    return atomic_load(&f->page_size);
}

void ct_fetch_cancel(ct_fetcher *f, uint64_t request_id)
{
    if (!f || request_id == 0) return;
    pthread_mutex_lock(&f->lock);
    if (f->n_cancels == f->cap_cancels) {
        size_t cap = f->cap_cancels ? f->cap_cancels * 2 : 8;
        uint64_t *c = realloc(f->cancels, cap * sizeof *c);
        if (!c) {
            pthread_mutex_unlock(&f->lock);
            return;
        }
        f->cancels = c;
        f->cap_cancels = cap;
    }
    f->cancels[f->n_cancels++] = request_id;
    curl_multi_wakeup(f->multi);
    pthread_mutex_unlock(&f->lock);
}

void ct_fetcher_get_stats(ct_fetcher *f, ct_fetcher_stats *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->stats;
    pthread_mutex_unlock(&f->lock);
}
