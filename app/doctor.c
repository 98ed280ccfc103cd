/* doctor.c — `calltop doctor`: one command that checks a real deployment
 * before the first shift and says how to fix what fails.
 *
 * Checks, in order: the config file; the API (reachable, TLS, key accepted:
 * one GET of the numbers); the clock against the API's Date header; the
 * numbers and which can place outbound calls; how the list endpoint behaves
 * (sort direction, largest accepted page size, live calls in the date
 * window, "finished" vs "completed") — reported, since the API documents
 * none of it; the relay (reachable, protocol version, token accepted); and
 * a webhook round trip when CALLTOP_WEBHOOK_SECRET is set.
 *
 * It only ever GETs from the API: it never places, ends or changes a call.
 * The one write is the synthetic webhook to the relay, for a reserved id
 * (calltop-doctor-<time>-<pid>) whose call is already finished; boards
 * connected to that relay list it until the relay expires finished calls.
 *
 * Unlike the board and the CLI it talks to the API with blocking libcurl
 * calls on the main thread, not through the fetcher: it needs the raw
 * status, the Date header and refused requests as data, one at a time, and
 * no retries (a retry would hide what it is there to find). */
#include "doctor.h"

#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "calltop/api.h"
#include "calltop/clock.h"
#include "calltop/curl_err.h"
#include "calltop/doctor_eval.h"
#include "calltop/inbox.h"
#include "calltop/model.h"
#include "calltop/monitor.h"
#include "calltop/protocol.h"
#include "calltop/relay_urls.h"
#include "calltop/sanitize.h"

#define HTTP_TIMEOUT_MS    10000
#define RELAY_WAIT_MS      5000
#define MAX_BODY           (8u << 20)
#define LIST_WINDOW_MS     (7LL * 24 * 3600 * 1000) /* the last week */
#define LIST_END_MARGIN_MS (5LL * 60 * 1000)        /* as the fetcher widens endDate */
#define CALLTOP_PAGE_SIZE  100                      /* the fetcher's list page size */
#define MAX_CHECKS         64                       /* room for the relay checks of a list of 8 */

typedef enum { ST_OK, ST_INFO, ST_SKIP, ST_WARN, ST_FAIL } check_status;
static const char *const status_name[] = {"ok", "info", "skip", "warn", "fail"};

typedef struct check {
    char name[40]; /* "relay", or "relay 2/3 token" with several relays */
    check_status status;
    char detail[512];
    char remedy[512];
} check;

typedef struct doctor {
    const ct_config *cfg;
    const char *base;
    check checks[MAX_CHECKS];
    int n;
} doctor;

/* Adds one row. `remedy` is what to do (NULL when there is nothing to do);
 * the detail is formatted and made safe for a terminal (it may quote the
 * server). */
static void add(doctor *d, const char *name, check_status st, const char *remedy, const char *fmt,
                ...)
{
    if (d->n >= MAX_CHECKS) return;
    check *c = &d->checks[d->n++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->status = st;
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    char *safe = ct_sanitize_dup(raw, false);
    snprintf(c->detail, sizeof c->detail, "%s", safe ? safe : "");
    free(safe);
    snprintf(c->remedy, sizeof c->remedy, "%s", remedy ? remedy : "");
}

/* Monotonic microseconds: a loopback round trip takes well under 1 ms. */
static int64_t mono_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* ---- HTTP (blocking, no retries) ------------------------------------------ */

typedef struct resp {
    CURLcode cc;
    char errbuf[CURL_ERROR_SIZE];
    long status;
    char *body;
    size_t len;
    char date[80]; /* the Date header, "" when absent */
    long elapsed_ms;
} resp;

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    resp *r = u;
    size_t add_len = sz * n;
    if (r->len + add_len > MAX_BODY) return 0; /* aborts the transfer */
    char *nb = realloc(r->body, r->len + add_len + 1);
    if (!nb) return 0;
    memcpy(nb + r->len, p, add_len);
    r->body = nb;
    r->len += add_len;
    r->body[r->len] = '\0';
    return add_len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    resp *r = u;
    size_t len = sz * n;
    if (len > 5 && strncasecmp(p, "date:", 5) == 0) {
        size_t i = 5;
        while (i < len && (p[i] == ' ' || p[i] == '\t')) i++;
        size_t e = len;
        while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ')) e--;
        snprintf(r->date, sizeof r->date, "%.*s", (int)(e - i), p + i);
    }
    return len;
}

static void resp_clear(resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* GET url (post_body NULL) or POST it as JSON. `bearer` goes in
 * Authorization; `secret` in X-Calltop-Secret. Both header buffers are wiped. */
static void http(const doctor *d, const char *url, const char *bearer, const char *secret,
                 const char *post_body, resp *r)
{
    memset(r, 0, sizeof *r);
    CURL *h = curl_easy_init();
    if (!h) {
        r->cc = CURLE_FAILED_INIT;
        snprintf(r->errbuf, sizeof r->errbuf, "libcurl did not start");
        return;
    }
    struct curl_slist *hdrs = NULL;
    char auth[1024] = "", sec[1024] = "";
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (bearer && *bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", bearer);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (secret && *secret) {
        snprintf(sec, sizeof sec, "X-Calltop-Secret: %s", secret);
        hdrs = curl_slist_append(hdrs, sec);
    }
    if (post_body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, post_body);
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)HTTP_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "calltop-doctor/" CALLTOP_VERSION);
    if (d->cfg->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    int64_t t0 = ct_clock_mono_ms();
    r->cc = curl_easy_perform(h);
    r->elapsed_ms = (long)(ct_clock_mono_ms() - t0);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    memset(auth, 0, sizeof auth);
    memset(sec, 0, sizeof sec);
}

/* What to do about a transfer that failed below HTTP. */
static const char *network_remedy(ct_err code)
{
    switch (code) {
    case CT_ETLS:
        return "the server's TLS certificate was not accepted: check the host name in the URL, "
               "the system CA store (apt-get install ca-certificates) and the clock";
    case CT_EDNS:
        return "the host name does not resolve: check the URL for typos and this machine's DNS";
    case CT_ECONNECT:
        return "nothing answers there: check the URL and port, that the server runs, and any "
               "firewall or proxy (https_proxy) between here and there";
    case CT_ETIMEOUT:
        return "no answer in time: check the network path (firewall, proxy) and retry";
    default: return "check the URL and the network between this machine and the server";
    }
}

/* ---- config ----------------------------------------------------------------- */

static void check_config(doctor *d, const ct_error *load_err)
{
    const ct_config *cfg = d->cfg;
    if (load_err) {
        add(d, "config", ST_FAIL,
            "fix what the message names (`calltop config --sample` shows every key; a file "
            "holding a secret must be private: chmod 600 FILE), then run the doctor again",
            "%s", load_err->detail);
        return;
    }
    struct stat st;
    if (!cfg->config_path || stat(cfg->config_path, &st) != 0) {
        add(d, "config", ST_OK, NULL,
            "no config file (%s): settings come from flags and "
            "the environment",
            cfg->config_path ? cfg->config_path : "no HOME");
        return;
    }
    unsigned mode = (unsigned)(st.st_mode & 07777);
    if (mode & 077)
        add(d, "config", ST_WARN, "chmod 600 the file before putting a key in it",
            "%s: mode %04o, readable by others (it holds no secret yet)", cfg->config_path, mode);
    else add(d, "config", ST_OK, NULL, "%s: mode %04o", cfg->config_path, mode);
}

/* ---- the API ------------------------------------------------------------------ */

static void check_clock(doctor *d, const resp *r)
{
    if (!r->date[0]) {
        add(d, "clock", ST_SKIP, NULL, "the API sent no Date header: clock skew not measured");
        return;
    }
    time_t server = curl_getdate(r->date, NULL);
    if (server < 0) {
        add(d, "clock", ST_SKIP, NULL, "the API's Date header '%s' does not parse", r->date);
        return;
    }
    long skew = (long)(time(NULL) - server);
    long abs_skew = skew < 0 ? -skew : skew;
    const char *remedy = "synchronise the clock (timedatectl set-ntp true, or chrony/ntpsec): "
                         "call ages, durations and --since windows are computed from it";
    ct_skew_verdict v = ct_doctor_skew_verdict(skew, r->elapsed_ms);
    check_status st = v == CT_SKEW_OK ? ST_OK : v == CT_SKEW_WARN ? ST_WARN : ST_FAIL;
    add(d, "clock", st, st == ST_OK ? NULL : remedy,
        "this machine is %ld s %s the API's clock "
        "(its Date header)",
        abs_skew, skew < 0 ? "behind" : "ahead of");
}

static void check_numbers(doctor *d, const resp *r)
{
    ct_number_list nl;
    ct_error err;
    ct_error_clear(&err);
    memset(&nl, 0, sizeof nl);
    if (ct_number_list_decode(r->body ? r->body : "", r->len, &nl, &err) != CT_OK) {
        add(d, "numbers", ST_FAIL,
            "tell the calltop maintainers: the API's numbers answer "
            "changed shape",
            "the numbers list does not decode: %s", err.detail);
        return;
    }
    char outbound[400] = "";
    size_t n_out = 0, used = 0;
    for (size_t i = 0; i < nl.n; i++) {
        if (!nl.items[i].outbound_enabled) continue;
        n_out++;
        const ct_number *x = &nl.items[i];
        if (n_out <= 5 && used < sizeof outbound)
            used += (size_t)snprintf(outbound + used, sizeof outbound - used, "%s%s (%s)",
                                     n_out > 1 ? ", " : "", x->number ? x->number : "?",
                                     x->id ? x->id : "?");
    }
    if (n_out > 5 && used < sizeof outbound)
        snprintf(outbound + used, sizeof outbound - used, ", ...");
    if (nl.n == 0)
        add(d, "numbers", ST_WARN,
            "add a phone number to the account in Interactly; calltop "
            "can watch calls without one but cannot place any",
            "the account has no numbers");
    else
        add(d, "numbers", ST_OK, NULL, "%zu number%s%s", nl.n, nl.n == 1 ? "" : "s",
            nl.n_skipped ? " (some did not decode)" : "");
    if (nl.n && n_out == 0)
        add(d, "outbound", ST_WARN,
            "enable outbound calling on a number in Interactly to "
            "place calls from calltop",
            "no number can place outbound calls");
    else if (n_out)
        add(d, "outbound", ST_OK, NULL, "%zu can place outbound calls: %s", n_out, outbound);
    ct_number_list_clear(&nl);
}

/* GETs one list page of the last week, up to now + end_margin_ms; false
 * when the request itself failed. */
static bool list_page(doctor *d, int size, ct_time_ms end_margin_ms, resp *r, ct_error *err)
{
    memset(r, 0, sizeof *r); /* the caller clears it whatever happens */
    ct_time_ms now = ct_clock_wall_ms();
    ct_api_request req;
    memset(&req, 0, sizeof req);
    if (ct_api_list_calls(d->base, now - LIST_WINDOW_MS, now + end_margin_ms, 1, size, &req, err) !=
        CT_OK)
        return false;
    http(d, req.url, d->cfg->api_key, NULL, NULL, r);
    ct_api_request_clear(&req);
    if (r->cc != CURLE_OK) {
        ct_curl_map_error((int)r->cc, r->errbuf, err);
        return false;
    }
    return ct_api_map_http((int)r->status, r->body, r->len, NULL, time(NULL), err) == CT_OK;
}

/* Largest accepted page size among a few candidates above calltop's own,
 * and whether the server quietly returns fewer items than asked. */
static void check_page_size(doctor *d)
{
    static const int sizes[] = {1000, 500, 200};
    char refused[300] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        resp r;
        ct_error err;
        ct_error_clear(&err);
        bool ok = list_page(d, sizes[i], LIST_END_MARGIN_MS, &r, &err);
        if (ok) {
            ct_call_list l;
            ct_error derr;
            memset(&l, 0, sizeof l);
            ct_error_clear(&derr);
            bool capped = ct_call_list_decode(r.body ? r.body : "", r.len, &l, &derr) == CT_OK &&
                l.total_count > (long)l.n_calls && l.n_calls < (size_t)sizes[i];
            if (capped)
                add(d, "list page size", ST_INFO, NULL,
                    "size=%d accepted but only %zu of %ld calls returned: the server caps pages "
                    "at %zu%s%s",
                    sizes[i], l.n_calls, l.total_count, l.n_calls, refused[0] ? "; refused: " : "",
                    refused);
            else
                add(d, "list page size", ST_INFO, NULL, "size=%d accepted%s%s", sizes[i],
                    refused[0] ? "; refused: " : "", refused);
            ct_call_list_clear(&l);
            resp_clear(&r);
            return;
        }
        if (used < sizeof refused)
            used += (size_t)snprintf(refused + used, sizeof refused - used, "%s%d (%s)",
                                     used ? ", " : "", sizes[i],
                                     err.detail[0] ? err.detail : ct_strerror(err.code));
        resp_clear(&r);
    }
    add(d, "list page size", ST_INFO, NULL, "largest accepted: %d (calltop's own); refused: %s",
        CALLTOP_PAGE_SIZE, refused);
}

static void check_list(doctor *d)
{
    resp r;
    ct_error err;
    ct_error_clear(&err);
    if (!list_page(d, CALLTOP_PAGE_SIZE, LIST_END_MARGIN_MS, &r, &err)) {
        add(d, "list calls", ST_FAIL,
            "calltop lists calls in pages of 100 over a date window; "
            "send this output to the calltop maintainers",
            "GET /calls/v1/conversations?size=%d failed: %s: %s", CALLTOP_PAGE_SIZE,
            ct_strerror(err.code), err.detail);
        resp_clear(&r);
        return;
    }
    ct_call_list l;
    memset(&l, 0, sizeof l);
    ct_error_clear(&err);
    if (ct_call_list_decode(r.body ? r.body : "", r.len, &l, &err) != CT_OK) {
        add(d, "list calls", ST_FAIL, "send this output to the calltop maintainers",
            "the list answer does not decode: %s", err.detail);
        resp_clear(&r);
        return;
    }
    resp_clear(&r);
    add(d, "list calls", ST_OK, NULL,
        "%zu calls in the last 7 days (totalCount %ld), page of %d "
        "accepted",
        l.n_calls, l.total_count, CALLTOP_PAGE_SIZE);

    /* sort=startAt: which direction? (undocumented) */
    ct_list_order order = ct_doctor_list_order(&l);
    if (order == CT_ORDER_UNKNOWN)
        add(d, "list sort", ST_INFO, NULL,
            "sort=startAt: cannot tell (fewer than two calls with "
            "different start times in the last 7 days)");
    else add(d, "list sort", ST_INFO, NULL, "sort=startAt: %s", ct_list_order_name(order));

    check_page_size(d);

    /* Do calls still running (no endAt) fall inside a date window? */
    ct_list_census census = ct_doctor_census(&l);
    size_t live = census.live, live_no_end = census.live_without_end;
    if (live) {
        /* calltop ends its window 5 minutes ahead; does a window ending now
         * (the API's documented use) still hold them? */
        resp r2;
        ct_call_list l2;
        memset(&l2, 0, sizeof l2);
        ct_error_clear(&err);
        bool ok2 = list_page(d, CALLTOP_PAGE_SIZE, 0, &r2, &err) &&
            ct_call_list_decode(r2.body ? r2.body : "", r2.len, &l2, &err) == CT_OK;
        size_t live_now = ok2 ? ct_doctor_census(&l2).live : 0;
        add(d, "list live calls", ST_INFO, NULL,
            "%zu live call%s (%zu without endAt) in a "
            "window ending in 5 min; %s",
            live, live == 1 ? "" : "s", live_no_end,
            !ok2 ? "a window ending now was refused"
                : live_now >= live
                ? "the same with a window ending now"
                : "fewer with a window ending now: calltop's widened window matters");
        ct_call_list_clear(&l2);
        resp_clear(&r2);
    } else {
        add(d, "list live calls", ST_INFO, NULL,
            "no live call in the window: either none is "
            "running now, or the API leaves running calls out (run again during a call)");
    }

    /* The end state's spelling: both are documented. */
    size_t finished = census.finished, completed = census.completed;
    if (finished + completed == 0)
        add(d, "list end state", ST_INFO, NULL, "no ended call in the window");
    else
        add(d, "list end state", ST_INFO, NULL,
            "ended calls say status \"finished\" %zu times, "
            "\"completed\" %zu times (calltop takes both)",
            finished, completed);
    ct_call_list_clear(&l);
}

/* Returns true when the key was accepted (the list checks need it). */
static bool check_api(doctor *d)
{
    const char *key = d->cfg->api_key;
    ct_api_request req;
    ct_error err;
    memset(&req, 0, sizeof req);
    ct_error_clear(&err);
    if (ct_api_numbers(d->base, &req, &err) != CT_OK) {
        add(d, "api", ST_FAIL, "fix base-url", "bad base URL %s: %s", d->base, err.detail);
        return false;
    }
    resp r;
    http(d, req.url, key, NULL, NULL, &r);
    ct_api_request_clear(&req);
    if (r.cc != CURLE_OK) {
        ct_curl_map_error((int)r.cc, r.errbuf, &err);
        add(d, "api", ST_FAIL, network_remedy(err.code), "cannot reach %s: %s: %s", d->base,
            ct_strerror(err.code), err.detail);
        resp_clear(&r);
        return false;
    }
    bool tls = strncmp(d->base, "https://", 8) == 0;
    add(d, "api", ST_OK, NULL, "%s answers (%ld ms%s)", d->base, r.elapsed_ms,
        !tls                   ? ", plain http"
            : d->cfg->insecure ? ", TLS NOT verified: --insecure"
                               : ", TLS certificate valid");
    check_clock(d, &r);
    bool ok = false;
    if (!key || !*key) {
        add(d, "api key", ST_FAIL,
            "export INTERACTLY_API_KEY=..., or put api-key = ... in the "
            "config file (chmod 600)",
            "no API key is configured");
    } else if (r.status == 401 || r.status == 403) {
        add(d, "api key", ST_FAIL,
            "the key is wrong, revoked or for another environment "
            "(prod vs QA base-url): copy it again from the Interactly dashboard",
            "the API refused the key (HTTP %ld)", r.status);
    } else if (r.status < 200 || r.status > 299) {
        ct_api_map_http((int)r.status, r.body, r.len, NULL, time(NULL), &err);
        add(d, "api key", ST_FAIL,
            "retry later; if it persists, check base-url points at the "
            "Interactly API",
            "GET numbers answered HTTP %ld: %s", r.status, err.detail);
    } else {
        add(d, "api key", ST_OK, NULL, "accepted");
        check_numbers(d, &r);
        ok = true;
    }
    resp_clear(&r);
    return ok;
}

/* ---- the relay ------------------------------------------------------------------- */

/* Waits on the inbox for a monitor event that `want` accepts; returns it
 * (caller frees) or NULL at the deadline. Every other event is dropped. */
typedef bool (*event_pred)(const ct_event *ev, const void *arg);
static ct_event *wait_event(ct_inbox *in, int64_t deadline_ms, event_pred want, const void *arg)
{
    for (;;) {
        int64_t left = deadline_ms - ct_clock_mono_ms();
        if (left <= 0) return NULL;
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0) continue;
        ct_event *ev = ct_inbox_drain(in), *hit = NULL;
        while (ev) {
            ct_event *next = ev->next;
            if (!hit && want(ev, arg)) {
                hit = ev;
                hit->next = NULL;
            } else {
                ct_event_free(ev);
            }
            ev = next;
        }
        if (hit) return hit;
    }
}

static bool settled_state(const ct_event *ev, const void *arg)
{
    (void)arg;
    return ev->type == CT_EV_MONITOR_STATE &&
        (ev->monitor_state == CT_MON_LIVE || ev->monitor_state == CT_MON_RECONNECTING ||
         ev->monitor_state == CT_MON_POLLING);
}

static bool update_for(const ct_event *ev, const void *arg)
{
    return ev->type == CT_EV_MONITOR_UPDATE && ev->call.id && strcmp(ev->call.id, arg) == 0;
}

/* Posts a finished status-update for a reserved id and waits to see it on
 * /monitor through the running monitor. */
static void check_round_trip(doctor *d, const char *name, const char *http_base, ct_inbox *in)
{
    const char *secret = getenv("CALLTOP_WEBHOOK_SECRET");
    if (!secret || !*secret) {
        add(d, name, ST_SKIP,
            "set CALLTOP_WEBHOOK_SECRET to the relay's webhook "
            "secret to test the path webhook -> relay -> calltop",
            "CALLTOP_WEBHOOK_SECRET not set");
        return;
    }
    char id[80], iso[32], url[1100], body[600];
    ct_time_ms now = ct_clock_wall_ms();
    snprintf(id, sizeof id, "calltop-doctor-%lld-%ld", (long long)now, (long)getpid());
    ct_time_format_iso(now, iso, sizeof iso);
    snprintf(url, sizeof url, "%swebhook", http_base);
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%lld,\"call\":{\"id\":\"%s\","
             "\"direction\":\"inbound\",\"status\":\"finished\",\"phoneCallStatus\":\"completed\","
             "\"startAt\":\"%s\",\"endAt\":\"%s\"}}}",
             (long long)now, id, iso, iso);
    int64_t t0 = ct_clock_mono_ms(), t0_us = mono_us();
    resp r;
    http(d, url, NULL, secret, body, &r);
    if (r.cc != CURLE_OK) {
        ct_error err;
        ct_error_clear(&err);
        ct_curl_map_error((int)r.cc, r.errbuf, &err);
        add(d, name, ST_FAIL, network_remedy(err.code), "POST %s: %s: %s", url,
            ct_strerror(err.code), err.detail);
    } else if (r.status == 401) {
        add(d, name, ST_FAIL,
            "CALLTOP_WEBHOOK_SECRET must equal the relay's "
            "webhook secret (its --secret-file or CALLTOP_WEBHOOK_SECRET)",
            "the relay refused the webhook secret (HTTP 401)");
    } else if (r.status < 200 || r.status > 299) {
        add(d, name, ST_FAIL,
            "check the relay's log; behind a proxy, forward "
            "POST /webhook unchanged",
            "POST /webhook answered HTTP %ld: %.200s", r.status, r.body ? r.body : "");
    } else {
        ct_event *ev = wait_event(in, t0 + RELAY_WAIT_MS, update_for, id);
        if (ev)
            add(d, name, ST_OK, NULL,
                "status-update for %s came back on "
                "/monitor after %.1f ms",
                id, (double)(mono_us() - t0_us) / 1000.0);
        else
            add(d, name, ST_FAIL,
                "check the relay's log (--event-log); a proxy "
                "must pass WebSocket frames without buffering",
                "the relay accepted the webhook "
                "but %s did not come back on /monitor within %d ms",
                id, RELAY_WAIT_MS);
        ct_event_free(ev);
    }
    resp_clear(&r);
}

/* The checks of one relay URL. `tag` is "" for a lone relay, " 2/3" for
 * the second of three: it goes into every check's name. */
static void check_one_relay(doctor *d, const char *relay_url, const char *tag)
{
    const ct_config *cfg = d->cfg;
    char n_relay[40], n_proto[40], n_token[40], n_trip[40];
    snprintf(n_relay, sizeof n_relay, "relay%s", tag);
    snprintf(n_proto, sizeof n_proto, "relay%s protocol", tag);
    snprintf(n_token, sizeof n_token, "relay%s token", tag);
    if (*tag) snprintf(n_trip, sizeof n_trip, "round trip%s", tag);
    else snprintf(n_trip, sizeof n_trip, "webhook round trip");
    char base[1024];
    if (!ct_doctor_relay_http_base(relay_url, base, sizeof base)) {
        add(d, n_relay, ST_FAIL, "use ws://HOST:PORT/monitor or wss://HOST/PREFIX/monitor",
            "relay-url %s: cannot tell where the relay's /healthz is", relay_url);
        return;
    }
    char url[1100];
    snprintf(url, sizeof url, "%shealthz", base);
    resp r;
    http(d, url, NULL, NULL, NULL, &r);
    if (r.cc != CURLE_OK) {
        ct_error err;
        ct_error_clear(&err);
        ct_curl_map_error((int)r.cc, r.errbuf, &err);
        add(d, n_relay, ST_FAIL, network_remedy(err.code), "cannot reach %s: %s: %s", url,
            ct_strerror(err.code), err.detail);
        resp_clear(&r);
        return;
    }
    cJSON *h = r.status == 200 && r.body ? cJSON_Parse(r.body) : NULL;
    const cJSON *proto = cJSON_GetObjectItemCaseSensitive(h, "protocol");
    if (!cJSON_IsNumber(proto)) {
        add(d, n_relay, ST_FAIL,
            "is that URL a calltop-relay? Behind a proxy, forward /healthz "
            "and /monitor to it",
            "GET %s answered HTTP %ld without a protocol version", url, r.status);
        cJSON_Delete(h);
        resp_clear(&r);
        return;
    }
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(h, "calls");
    const cJSON *clients = cJSON_GetObjectItemCaseSensitive(h, "clients");
    int n_calls = cJSON_IsNumber(calls) ? calls->valueint : -1;
    int n_clients = cJSON_IsNumber(clients) ? clients->valueint : -1;
    bool tls = strncmp(base, "https://", 8) == 0;
    add(d, n_relay, ST_OK, NULL, "%s answers: %d call%s held, %d client%s connected%s", base,
        n_calls, n_calls == 1 ? "" : "s", n_clients, n_clients == 1 ? "" : "s",
        !tls                ? ""
            : cfg->insecure ? "; TLS NOT verified: --insecure"
                            : "; TLS certificate valid");
    if (proto->valueint != CT_PROTOCOL_VERSION)
        add(d, n_proto, ST_FAIL, "install the same calltop version on both sides",
            "the relay speaks protocol %d, this calltop %d", proto->valueint, CT_PROTOCOL_VERSION);
    else add(d, n_proto, ST_OK, NULL, "protocol %d, as this calltop", proto->valueint);
    cJSON_Delete(h);
    resp_clear(&r);

    if (!cfg->relay_token || !*cfg->relay_token) {
        add(d, n_token, ST_FAIL,
            "export CALLTOP_RELAY_TOKEN=..., or relay-token = ... in "
            "the config file (chmod 600)",
            "no relay token is configured");
        return;
    }
    ct_inbox *in = ct_inbox_new();
    ct_monitor_options mo = {
        .relay_url = relay_url,
        .token = cfg->relay_token,
        .insecure = cfg->insecure,
        .backoff_initial_ms = 60000,
        .backoff_max_ms = 60000,
        .polling_after_failures = 1,
    };
    ct_error err;
    ct_error_clear(&err);
    ct_monitor *m = in ? ct_monitor_start(&mo, in, &err) : NULL;
    if (!m) {
        add(d, n_token, ST_FAIL, "fix relay-url", "cannot start the live channel: %s",
            in ? err.detail : "out of memory");
        ct_inbox_free(in);
        return;
    }
    ct_event *ev = wait_event(in, ct_clock_mono_ms() + RELAY_WAIT_MS, settled_state, NULL);
    if (!ev) {
        add(d, n_token, ST_FAIL,
            "check that a proxy in front of the relay passes "
            "WebSocket upgrades (Upgrade/Connection headers)",
            "no answer on /monitor within %d ms", RELAY_WAIT_MS);
    } else if (ev->monitor_state == CT_MON_LIVE) {
        add(d, n_token, ST_OK, NULL, "accepted: /monitor is live");
        check_round_trip(d, n_trip, base, in);
    } else {
        bool refused = ev->text && strstr(ev->text, "refused the token");
        add(d, n_token, ST_FAIL,
            refused ? "relay-token must equal the relay's client token (its --token-file or "
                      "CALLTOP_RELAY_TOKEN), and relay-url must end in /monitor"
                    : network_remedy(CT_ECONNECT),
            "%s", ev->text ? ev->text : "the relay closed the connection");
    }
    ct_event_free(ev);
    ct_monitor_stop(m);
    ct_inbox_free(in);
}

static void check_relay(doctor *d)
{
    const ct_config *cfg = d->cfg;
    if (!cfg->relay_url) {
        add(d, "relay", ST_SKIP,
            "set relay-url (and relay-token) for live updates from "
            "calltop-relay",
            "no relay-url: calltop polls the API");
        return;
    }
    ct_relay_urls urls;
    ct_error err;
    ct_error_clear(&err);
    if (ct_relay_urls_split(cfg->relay_url, &urls, &err) != CT_OK) {
        add(d, "relay", ST_FAIL, "fix relay-url", "relay-url: %s", err.detail);
        return;
    }
    /* every relay of the list: the board may be on any of them */
    for (int i = 0; i < urls.n; i++) {
        char tag[16] = "";
        if (urls.n > 1) snprintf(tag, sizeof tag, " %d/%d", i + 1, urls.n);
        if (strncasecmp(urls.url[i], "ws://", 5) == 0 && !ct_url_is_loopback(urls.url[i])) {
            char name[40], shown[256];
            snprintf(name, sizeof name, "relay%s tls", tag);
            ct_url_display(shown, sizeof shown, urls.url[i]);
            add(d, name, ST_WARN, "use wss:// (calltop-relay --cert/--key, or a TLS proxy)",
                "%s is plain ws:// to a remote host: the relay token travels unencrypted", shown);
        }
        check_one_relay(d, urls.url[i], tag);
    }
    ct_relay_urls_free(&urls);
}

/* ---- output ------------------------------------------------------------------------- */

static void print_text(const doctor *d, FILE *out)
{
    fprintf(out, "calltop doctor %s\n", CALLTOP_VERSION);
    for (int i = 0; i < d->n; i++) {
        const check *c = &d->checks[i];
        static const char *const label[] = {" ok ", "info", "skip", "WARN", "FAIL"};
        fprintf(out, "[%s] %-19s %s\n", label[c->status], c->name, c->detail);
        if (c->remedy[0] && c->status != ST_OK && c->status != ST_INFO)
            fprintf(out, "       %-19s fix: %s\n", "", c->remedy);
    }
}

static int print_json(const doctor *d, bool ok, FILE *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", ok);
    cJSON_AddStringToObject(o, "version", CALLTOP_VERSION);
    cJSON *a = cJSON_AddArrayToObject(o, "checks");
    for (int i = 0; i < d->n; i++) {
        const check *c = &d->checks[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "name", c->name);
        cJSON_AddStringToObject(j, "status", status_name[c->status]);
        cJSON_AddStringToObject(j, "detail", c->detail);
        if (c->remedy[0] && c->status != ST_OK && c->status != ST_INFO)
            cJSON_AddStringToObject(j, "remedy", c->remedy);
        cJSON_AddItemToArray(a, j);
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text) return -1;
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}

int ct_doctor_main(const ct_config *cfg, const ct_error *load_err)
{
    bool json = false;
    for (int i = 1; i < cfg->n_rest; i++) {
        const char *a = cfg->rest[i];
        const char *v = NULL;
        if (strcmp(a, "-o") == 0 && i + 1 < cfg->n_rest) v = cfg->rest[++i];
        else if (strncmp(a, "-o", 2) == 0 && a[2]) v = a + 2;
        else if (strncmp(a, "--output=", 9) == 0) v = a + 9;
        if (v && strcmp(v, "json") == 0) json = true;
        else if (!v || strcmp(v, "text") != 0) {
            fprintf(stderr, "calltop: usage: calltop doctor [-o text|json]\n");
            return CT_EXIT_USAGE;
        }
    }
    doctor *d = calloc(1, sizeof *d);
    if (!d) return CT_EXIT_OTHER;
    d->cfg = cfg;
    d->base = cfg->base_url ? cfg->base_url : CT_DEFAULT_BASE_URL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    check_config(d, load_err);
    if (load_err) {
        /* Half-loaded settings would test the wrong API (the default one,
         * say) with the wrong key: say so instead of guessing. */
        add(d, "api", ST_SKIP, NULL, "not checked: the settings did not load");
        add(d, "relay", ST_SKIP, NULL, "not checked: the settings did not load");
    } else {
        if (check_api(d)) check_list(d);
        check_relay(d);
    }
    bool ok = true;
    for (int i = 0; i < d->n; i++)
        if (d->checks[i].status == ST_FAIL) ok = false;
    if (json) print_json(d, ok, stdout);
    else print_text(d, stdout);
    curl_global_cleanup();
    free(d);
    return ok ? CT_EXIT_OK : CT_EXIT_OTHER;
}
