/* test_relay_metrics.c — GET /metrics on a real calltop-relay over loopback.
 *
 * The relay's answer is checked by a strict parser of the Prometheus text
 * format (0.0.4) written here: every line a HELP, TYPE or sample; names and
 * label syntax; values that parse whole; TYPE before a family's samples and
 * at most once; a family's samples together; no duplicate series; counters
 * named *_total and never negative; histograms with increasing le bounds,
 * cumulative counts, a +Inf bucket equal to _count, and a _sum. The parser
 * is itself tested on bad documents, so it can fail. When promtool
 * (Debian package prometheus) is installed, `promtool check metrics` runs
 * on the same text too.
 *
 * Then the values: webhooks by result, events, duplicates, clients
 * connected and total, rejected handshakes, snapshots, ring occupancy and
 * bytes, and one latency observation per event written to the one client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltop/clock.h"
#include "calltop/inbox.h"
#include "calltop/monitor.h"
#include "calltop/relay.h"
#include "helper_http.h"
#include "../../relay/metrics.h"

#define SECRET "metrics-secret-1"
#define TOKEN  "metrics-token-2"

/* ---- a strict Prometheus text-format parser ------------------------------ */

#define MAX_SAMPLES  256
#define MAX_FAMILIES 64

typedef struct sample {
    char name[128];
    char labels[256]; /* as written between the braces, "" when none */
    double value;
} sample;

typedef struct family {
    char name[160];
    char type[16]; /* "" until a TYPE line */
    bool help, typed, closed;
} family;

typedef struct exposition {
    sample s[MAX_SAMPLES];
    int n;
    family f[MAX_FAMILIES];
    int nf;
    char err[256];
} exposition;

static bool bad(exposition *e, int line, const char *why)
{
    snprintf(e->err, sizeof e->err, "line %d: %s", line, why);
    return false;
}

static bool name_ok(const char *s, size_t n, bool label)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool first_ok = isalpha(c) || c == '_' || (!label && c == ':');
        if (!(i == 0 ? first_ok : first_ok || isdigit(c))) return false;
    }
    return true;
}

static bool value_ok(const char *s, double *out)
{
    if (!strcmp(s, "+Inf")) {
        *out = INFINITY;
        return true;
    }
    if (!strcmp(s, "-Inf")) {
        *out = -INFINITY;
        return true;
    }
    if (!strcmp(s, "NaN")) {
        *out = NAN;
        return true;
    }
    if (!*s || isspace((unsigned char)*s)) return false;
    char *end;
    *out = strtod(s, &end);
    /* strtod also takes "inf", "nan" and hex: the format does not */
    return *end == '\0' && !strpbrk(s, "xXiInN");
}

static family *family_of(exposition *e, const char *sample_name)
{
    /* histogram series belong to their base name's family */
    static const char *const suffixes[] = {"_bucket", "_sum", "_count", NULL};
    for (int i = 0; i < e->nf; i++) {
        if (!strcmp(e->f[i].name, sample_name)) return &e->f[i];
        size_t fl = strlen(e->f[i].name);
        if (strncmp(e->f[i].name, sample_name, fl) || strcmp(e->f[i].type, "histogram")) continue;
        for (int k = 0; suffixes[k]; k++)
            if (!strcmp(sample_name + fl, suffixes[k])) return &e->f[i];
    }
    return NULL;
}

static family *family_add(exposition *e, const char *name)
{
    for (int i = 0; i < e->nf; i++)
        if (!strcmp(e->f[i].name, name)) return &e->f[i];
    if (e->nf == MAX_FAMILIES) return NULL;
    family *f = &e->f[e->nf++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    return f;
}

/* Labels: name="value"(,name="value")*[,] with \\ \" \n escapes only. */
static bool labels_ok(const char *s)
{
    while (*s) {
        const char *eq = strchr(s, '=');
        if (!eq || !name_ok(s, (size_t)(eq - s), true) || eq[1] != '"') return false;
        const char *p = eq + 2;
        while (*p && *p != '"') {
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') return false;
                p++;
            } else if (*p == '\n') {
                return false;
            }
            p++;
        }
        if (*p != '"') return false;
        p++;
        if (*p == ',') p++;
        else if (*p) return false;
        s = p;
    }
    return true;
}

static double label_le(const char *labels, bool *found)
{
    const char *p = strstr(labels, "le=\"");
    *found = p && (p == labels || p[-1] == ',');
    if (!*found) return 0;
    char v[32];
    size_t n = strcspn(p + 4, "\"");
    snprintf(v, sizeof v, "%.*s", (int)n, p + 4);
    double d;
    if (!value_ok(v, &d)) *found = false;
    return d;
}

static bool check_histograms(exposition *e)
{
    for (int i = 0; i < e->nf; i++) {
        family *f = &e->f[i];
        if (strcmp(f->type, "histogram")) continue;
        char bucket[176], sum[176], count[176];
        snprintf(bucket, sizeof bucket, "%s_bucket", f->name);
        snprintf(sum, sizeof sum, "%s_sum", f->name);
        snprintf(count, sizeof count, "%s_count", f->name);
        double prev_le = -INFINITY, prev_v = 0, inf_v = -1, count_v = -1;
        bool has_sum = false;
        for (int k = 0; k < e->n; k++) {
            sample *s = &e->s[k];
            if (!strcmp(s->name, bucket)) {
                bool found;
                double le = label_le(s->labels, &found);
                if (!found) return bad(e, 0, "histogram bucket without le");
                if (le <= prev_le) return bad(e, 0, "histogram le bounds not increasing");
                if (s->value < prev_v) return bad(e, 0, "histogram buckets not cumulative");
                prev_le = le;
                prev_v = s->value;
                if (isinf(le)) inf_v = s->value;
            } else if (!strcmp(s->name, sum)) {
                has_sum = true;
            } else if (!strcmp(s->name, count)) {
                count_v = s->value;
            }
        }
        if (inf_v < 0) return bad(e, 0, "histogram without a +Inf bucket");
        if (count_v != inf_v) return bad(e, 0, "histogram _count differs from the +Inf bucket");
        if (!has_sum) return bad(e, 0, "histogram without _sum");
    }
    return true;
}

static bool parse_exposition(const char *text, exposition *e)
{
    memset(e, 0, sizeof *e);
    size_t tl = strlen(text);
    if (tl == 0 || text[tl - 1] != '\n') return bad(e, 0, "the text must end with a newline");
    family *current = NULL;
    int line_no = 0;
    for (const char *line = text; *line;) {
        line_no++;
        const char *nl = strchr(line, '\n');
        size_t n = (size_t)(nl - line);
        char l[1024];
        if (n >= sizeof l) return bad(e, line_no, "line too long");
        memcpy(l, line, n);
        l[n] = '\0';
        line = nl + 1;
        if (n == 0) return bad(e, line_no, "empty line");
        if (isspace((unsigned char)l[n - 1])) return bad(e, line_no, "trailing whitespace");
        if (l[0] == '#') {
            char kw[8], name[160];
            int off = 0;
            if (sscanf(l, "# %7s %159s %n", kw, name, &off) < 2) continue; /* a plain comment */
            bool help = !strcmp(kw, "HELP"), type = !strcmp(kw, "TYPE");
            if (!help && !type) continue;
            if (!name_ok(name, strlen(name), false)) return bad(e, line_no, "bad metric name");
            family *f = family_add(e, name);
            if (!f) return bad(e, line_no, "too many families");
            if (f->closed) return bad(e, line_no, "HELP/TYPE after the family's samples");
            if (help) {
                if (f->help) return bad(e, line_no, "second HELP");
                f->help = true;
            } else {
                const char *t = l + off;
                if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") &&
                    strcmp(t, "summary") && strcmp(t, "untyped"))
                    return bad(e, line_no, "unknown TYPE");
                if (f->typed) return bad(e, line_no, "second TYPE");
                if (current == f) return bad(e, line_no, "TYPE after the family's samples");
                f->typed = true;
                snprintf(f->type, sizeof f->type, "%s", t);
            }
            continue;
        }
        if (e->n == MAX_SAMPLES) return bad(e, line_no, "too many samples");
        sample *s = &e->s[e->n];
        size_t nlen = strcspn(l, "{ ");
        if (!name_ok(l, nlen, false) || nlen >= sizeof s->name) return bad(e, line_no, "bad name");
        memcpy(s->name, l, nlen);
        s->name[nlen] = '\0';
        const char *p = l + nlen;
        if (*p == '{') {
            const char *close = strrchr(p, '}');
            if (!close || (size_t)(close - p - 1) >= sizeof s->labels)
                return bad(e, line_no, "unclosed labels");
            memcpy(s->labels, p + 1, (size_t)(close - p - 1));
            s->labels[close - p - 1] = '\0';
            if (!labels_ok(s->labels)) return bad(e, line_no, "bad labels");
            p = close + 1;
        }
        if (*p != ' ') return bad(e, line_no, "no value");
        p++;
        char v[64], ts[64];
        int got = sscanf(p, "%63s %63s", v, ts);
        if (got < 1 || strchr(p, '\t') || strstr(p, "  ")) return bad(e, line_no, "bad spacing");
        if (!value_ok(v, &s->value)) return bad(e, line_no, "value does not parse");
        if (got == 2) {
            for (const char *c = ts; *c; c++)
                if (!isdigit((unsigned char)*c) && !(c == ts && *c == '-'))
                    return bad(e, line_no, "bad timestamp");
        }
        family *f = family_of(e, s->name);
        if (!f || !f->typed) return bad(e, line_no, "sample before its TYPE");
        if (f != current) {
            if (f->closed) return bad(e, line_no, "a family's samples are not together");
            if (current) current->closed = true;
            current = f;
        }
        if (!strcmp(f->type, "counter")) {
            size_t sl = strlen(s->name);
            if (sl < 6 || strcmp(s->name + sl - 6, "_total"))
                return bad(e, line_no, "counter without _total");
            if (!(s->value >= 0)) return bad(e, line_no, "negative counter");
        }
        for (int k = 0; k < e->n; k++)
            if (!strcmp(e->s[k].name, s->name) && !strcmp(e->s[k].labels, s->labels))
                return bad(e, line_no, "duplicate series");
        e->n++;
    }
    return check_histograms(e);
}

/* The value of one series; fails the test when absent. */
static double metric(const exposition *e, const char *name, const char *labels)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->s[i].name, name) && !strcmp(e->s[i].labels, labels ? labels : ""))
            return e->s[i].value;
    fail_msg("no series %s{%s}", name, labels ? labels : "");
    return -1;
}

/* ---- the parser refuses what it must ------------------------------------ */

static void test_parser_rejects_bad_text(void **state)
{
    static const char *const bad_docs[] = {
        "# TYPE a_total counter\na_total 1",                           /* no final newline */
        "a_total 1\n",                                                 /* no TYPE */
        "# TYPE a_total counter\na_total 1,5\n",                       /* value */
        "# TYPE a_total counter\na_total{x=y} 1\n",                    /* unquoted label */
        "# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n", /* second TYPE */
        "# TYPE a counter\na 1\n",                                     /* counter name */
        "# TYPE a_total counter\na_total -1\n",                        /* negative counter */
        "# TYPE g gauge\ng 1\n# TYPE h gauge\nh 1\ng 2\n",             /* family split */
        "# TYPE g gauge\ng{a=\"1\"} 1\ng{a=\"1\"} 2\n",                /* duplicate */
        "# TYPE g gauge\ng 1 \n",                                      /* trailing space */
        "# TYPE g gauge\ng inf\n",                                     /* C spelling */
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", /* no +Inf */
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",
        "# TYPE 1g gauge\n1g 1\n", /* name */
        "# TYPE g gauge\n\ng 1\n", /* empty line */
    };
    exposition *e = malloc(sizeof *e);
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++)
        if (parse_exposition(bad_docs[i], e))
            fail_msg("accepted bad document %zu:\n%s", i, bad_docs[i]);
    const char *good = "# HELP g a gauge\n# TYPE g gauge\ng{a=\"x\\\"y\",b=\"2\"} 1.5e3\n"
                       "# TYPE h histogram\nh_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
                       "h_sum 0.7\nh_count 2\n";
    if (!parse_exposition(good, e)) fail_msg("rejected a good document: %s", e->err);
    assert_int_equal(e->n, 5);
    free(e);
}

/* ---- rendering, without a server ---------------------------------------- */

/* Bucket bounds are inclusive (le = "less or equal"), counts cumulative,
 * and everything above the last bound lands only in +Inf. */
static void test_render_latency_buckets(void **state)
{
    ct_relay_metrics m;
    memset(&m, 0, sizeof m);
    m.rss_bytes = -1; /* unknown: the series is left out, not faked */
    ct_latency_observe(&m.latency, 0.0005);
    ct_latency_observe(&m.latency, 0.00051);
    ct_latency_observe(&m.latency, 3.0);
    ct_latency_observe(&m.latency, -1); /* a clock step: counted as 0 */
    m.stats.webhooks_ok = 7;
    m.stats.clients_slow = 2;
    char *text = ct_relay_metrics_render(&m, NULL);
    assert_non_null(text);
    exposition *e = malloc(sizeof *e);
    if (!parse_exposition(text, e)) fail_msg("strict parser: %s\n%s", e->err, text);
    const char *h = "calltop_relay_webhook_to_frame_seconds_bucket";
    assert_true(metric(e, h, "le=\"0.0005\"") == 2);
    assert_true(metric(e, h, "le=\"0.001\"") == 3);
    assert_true(metric(e, h, "le=\"2.5\"") == 3);
    assert_true(metric(e, h, "le=\"+Inf\"") == 4);
    assert_true(metric(e, "calltop_relay_webhook_to_frame_seconds_count", NULL) == 4);
    double sum = metric(e, "calltop_relay_webhook_to_frame_seconds_sum", NULL);
    assert_true(sum > 3.0009 && sum < 3.0011);
    assert_true(metric(e, "calltop_relay_webhooks_total", "result=\"ok\"") == 7);
    assert_true(metric(e, "calltop_relay_clients_dropped_total", "reason=\"slow\"") == 2);
    assert_null(strstr(text, "process_resident_memory_bytes"));
    free(e);
    free(text);
}

/* ---- the relay's /metrics ----------------------------------------------- */

static void post_webhook(int port, const char *id, const char *status, long want)
{
    char url[128], body[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%lld,\"call\":{\"id\":\"%s\","
             "\"status\":\"%s\",\"direction\":\"inbound\"}}}",
             (long long)ct_clock_wall_ms(), id, status);
    const char *hdr[] = {"X-Calltop-Secret: " SECRET, "Content-Type: application/json", NULL};
    th_response r;
    th_request("POST", url, hdr, body, &r);
    assert_int_equal(r.status, want);
    th_response_free(&r);
}

/* Waits for `n` events of `type` on the inbox (bounded). */
static int wait_events(ct_inbox *in, ct_event_type type, int n, int timeout_ms)
{
    int seen = 0;
    int64_t deadline = ct_clock_mono_ms() + timeout_ms;
    while (seen < n && ct_clock_mono_ms() < deadline) {
        struct pollfd p = {.fd = ct_inbox_fd(in), .events = POLLIN};
        poll(&p, 1, 100);
        for (ct_event *ev = ct_inbox_drain(in), *next; ev; ev = next) {
            next = ev->next;
            if (ev->type == type &&
                (type != CT_EV_MONITOR_STATE || ev->monitor_state == CT_MON_LIVE))
                seen++;
            ct_event_free(ev);
        }
    }
    return seen;
}

static char *get_metrics(int port, const char *bearer, long *status, char *ctype, size_t clen)
{
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    th_response r;
    th_get(url, bearer, &r);
    *status = r.status;
    if (ctype) th_header(&r, "Content-Type", ctype, clen);
    char *body = r.body ? strdup(r.body) : NULL;
    th_response_free(&r);
    return body;
}

static void promtool_check(const char *text)
{
    if (system("command -v promtool >/dev/null 2>&1") != 0) {
        print_message("skip: promtool is not installed (Debian package prometheus): "
                      "only the strict parser checked /metrics\n");
        return;
    }
    char path[] = "/tmp/ct-metrics-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s", path);
    int rc = system(cmd);
    unlink(path);
    assert_int_equal(rc, 0);
}

static void test_metrics_endpoint(void **state)
{
    ct_relay_options o = {0};
    o.host = "127.0.0.1";
    o.webhook_secret = SECRET;
    o.client_token = TOKEN;
    o.ring_events = 8;
    ct_error err;
    ct_error_clear(&err);
    ct_relay *r = ct_relay_start(&o, &err);
    if (!r) fail_msg("relay: %s", err.detail);
    int port = ct_relay_port(r);

    /* behind the client token */
    long status;
    free(get_metrics(port, NULL, &status, NULL, 0));
    assert_int_equal(status, 401);
    free(get_metrics(port, "wrong-token", &status, NULL, 0));
    assert_int_equal(status, 401);

    /* one monitor client, live */
    ct_inbox *in = ct_inbox_new();
    char ws[64];
    snprintf(ws, sizeof ws, "ws://127.0.0.1:%d/monitor", port);
    ct_monitor_options mo = {.relay_url = ws, .token = TOKEN};
    ct_monitor *m = ct_monitor_start(&mo, in, &err);
    assert_non_null(m);
    assert_int_equal(wait_events(in, CT_EV_MONITOR_STATE, 1, 5000), 1);

    /* 3 accepted (one a duplicate), 1 malformed, 1 with a wrong secret */
    post_webhook(port, "call-m1", "ongoing", 200);
    post_webhook(port, "call-m1", "finished", 200);
    post_webhook(port, "call-m1", "finished", 200);
    {
        char url[128];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
        const char *hdr[] = {"X-Calltop-Secret: " SECRET, NULL};
        th_response rr;
        th_request("POST", url, hdr, "{not json", &rr);
        assert_int_equal(rr.status, 400);
        th_response_free(&rr);
        const char *wrong[] = {"X-Calltop-Secret: nope", NULL};
        th_request("POST", url, wrong, "{}", &rr);
        assert_int_equal(rr.status, 401);
        th_response_free(&rr);
    }
    assert_int_equal(wait_events(in, CT_EV_MONITOR_UPDATE, 2, 5000), 2);

    char ctype[128] = "";
    char *text = NULL;
    exposition *e = malloc(sizeof *e);
    /* The frames reached the client before its update was posted, so the
     * observations are in; poll briefly anyway for the writes' bookkeeping. */
    for (int tries = 0; tries < 50; tries++) {
        free(text);
        text = get_metrics(port, TOKEN, &status, ctype, sizeof ctype);
        assert_int_equal(status, 200);
        assert_non_null(text);
        if (!parse_exposition(text, e)) fail_msg("strict parser: %s\n%s", e->err, text);
        if (metric(e, "calltop_relay_webhook_to_frame_seconds_count", NULL) >= 2) break;
        usleep(20000);
    }
    assert_non_null(strstr(ctype, "text/plain"));
    assert_non_null(strstr(ctype, "version=0.0.4"));

    assert_true(metric(e, "calltop_relay_webhooks_total", "result=\"ok\"") == 3);
    assert_true(metric(e, "calltop_relay_webhooks_total", "result=\"bad\"") == 1);
    assert_true(metric(e, "calltop_relay_webhooks_total", "result=\"unauthorized\"") == 1);
    assert_true(metric(e, "calltop_relay_webhooks_total", "result=\"too_big\"") == 0);
    assert_true(metric(e, "calltop_relay_webhook_duplicates_total", NULL) == 1);
    assert_true(metric(e, "calltop_relay_events_total", NULL) == 2);
    assert_true(metric(e, "calltop_relay_calls", NULL) == 1);
    assert_true(metric(e, "calltop_relay_clients", NULL) == 1);
    assert_true(metric(e, "calltop_relay_clients_total", NULL) == 1);
    assert_true(metric(e, "calltop_relay_clients_dropped_total", "reason=\"slow\"") == 0);
    assert_true(metric(e, "calltop_relay_snapshots_total", NULL) == 1);
    assert_true(metric(e, "calltop_relay_replays_total", NULL) == 0);
    assert_true(metric(e, "calltop_relay_ring_events", NULL) == 2);
    assert_true(metric(e, "calltop_relay_ring_capacity_events", NULL) == 8);
    assert_true(metric(e, "calltop_relay_ring_bytes", NULL) > 0);
    assert_true(metric(e, "process_resident_memory_bytes", NULL) > 1e5);
    /* one observation per event per client, each well under the top bound */
    assert_true(metric(e, "calltop_relay_webhook_to_frame_seconds_count", NULL) == 2);
    assert_true(metric(e, "calltop_relay_webhook_to_frame_seconds_bucket", "le=\"2.5\"") == 2);
    double sum = metric(e, "calltop_relay_webhook_to_frame_seconds_sum", NULL);
    assert_true(sum > 0 && sum < 5);
    promtool_check(text);

    /* a refused handshake counts too, and /metrics stays GET-only */
    ct_monitor_stop(m);
    ct_inbox_free(in);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", port);
    const char *hdr[] = {"Authorization: Bearer " TOKEN, NULL};
    th_response pr;
    th_request("POST", url, hdr, "x", &pr);
    assert_int_equal(pr.status, 405);
    th_response_free(&pr);
    free(text);
    free(e);
    ct_relay_stop(r);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser_rejects_bad_text),
        cmocka_unit_test(test_render_latency_buckets),
        cmocka_unit_test(test_metrics_endpoint),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
