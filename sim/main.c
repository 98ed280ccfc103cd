/* main.c — the calltop-sim command: parse flags, start the simulator
 * (sim.h), print the one "listening on" line, wait for SIGINT/SIGTERM.
 *
 * Signals are blocked before any thread starts (threads inherit the mask)
 * and collected with sigwait(), so shutdown is ordinary code on the main
 * thread rather than work inside a signal handler. */
#include "calltop/lws_log.h"
#include "calltop/sim.h"
#include "calltop/args.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The flags: one table for the parser, --help and docs/calltop-sim.1. */
/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
static const ct_setting rows[] = {
    { .key = "host", .flag = "host", .kind = CT_KIND_STRING, .metavar = "ADDR",
      .def = "127.0.0.1", .help = "address to bind, exactly" },
    { .key = "port", .flag = "port", .kind = CT_KIND_STRING, .metavar = "N", .def = "0",
      .help = "port, 0 = any free one; prints 'listening on http://HOST:PORT' when ready" },
    { .key = "api-key", .flag = "api-key", .kind = CT_KIND_STRING, .metavar = "KEY",
      .def = "demo-key", .help = "bearer key the fake server accepts. A test server's key, so "
      "argv is acceptable here; never pass a real Interactly key" },
    { .key = "seed", .flag = "seed", .kind = CT_KIND_STRING, .metavar = "N", .def = "1",
      .help = "scenario seed; same seed, same calls" },
    { .key = "calls", .flag = "calls", .kind = CT_KIND_STRING, .metavar = "N", .def = "6",
      .help = "live calls to keep going" },
    { .key = "rate", .flag = "rate", .kind = CT_KIND_STRING, .metavar = "R", .def = "0.5",
      .help = "new calls per second" },
    { .key = "history", .flag = "history", .kind = CT_KIND_STRING, .metavar = "N",
      .def = "200", .help = "finished calls before start" },
    { .key = "speed", .flag = "speed", .kind = CT_KIND_STRING, .metavar = "X", .def = "1",
      .help = "scenario time multiplier" },
    { .key = "webhook-url", .flag = "webhook-url", .kind = CT_KIND_URL, .metavar = "URL",
      .help = "POST webhooks there (off by default)" },
    { .key = "webhook-secret", .flag = "webhook-secret", .env = "CALLTOP_SIM_WEBHOOK_SECRET",
      .kind = CT_KIND_STRING, .metavar = "S",
      .help = "sent as X-Calltop-Secret; prefer the environment variable" },
    { .key = "webhook-dup-rate", .flag = "webhook-dup-rate", .kind = CT_KIND_STRING,
      .metavar = "P", .help = "chance 0..1 an envelope is delivered twice" },
    { .key = "webhook-reorder-rate", .flag = "webhook-reorder-rate", .kind = CT_KIND_STRING,
      .metavar = "P", .help = "chance 0..1 an envelope is held behind the next one" },
    { .key = "webhook-queue", .flag = "webhook-queue", .kind = CT_KIND_STRING, .metavar = "N",
      .def = "256", .help = "webhook queue bound (oldest dropped)" },
    { .key = "history-span", .flag = "history-span", .kind = CT_KIND_STRING, .metavar = "DUR",
      .help = "spread --history evenly over DUR before start (e.g. 24h; default about one call "
      "per 90 s)" },
    { .key = "list-order", .flag = "list-order", .kind = CT_KIND_STRING, .metavar = "ORDER",
      .def = "newest-first", .help = "list behaviour the vendor does not document: "
      "newest-first or oldest-first" },
    { .key = "list-window", .flag = "list-window", .kind = CT_KIND_STRING, .metavar = "MODE",
      .def = "overlapping", .help = "which calls a date window lists: overlapping, started-in, "
      "or ended-in (no live calls)" },
    { .key = "max-page-size", .flag = "max-page-size", .kind = CT_KIND_STRING, .metavar = "N",
      .def = "100", .help = "a larger size gets 422" },
    { .key = "clamp-page-size", .flag = "clamp-page-size", .kind = CT_KIND_BOOL, .def = "false",
      .help = "serve a larger size at --max-page-size without a word, instead of 422" },
    { .key = "status-completed", .flag = "status-completed", .kind = CT_KIND_BOOL,
      .def = "false", .help = "ended calls say status \"completed\", not \"finished\"" },
    { .key = "latency-ms", .flag = "latency-ms", .kind = CT_KIND_STRING, .metavar = "N",
      .help = "fault: delay every answer by N ms" },
    { .key = "error-rate", .flag = "error-rate", .kind = CT_KIND_STRING, .metavar = "P",
      .help = "fault: answer 500 with probability P" },
    { .key = "error-route", .flag = "error-route", .kind = CT_KIND_STRING, .metavar = "PREFIX",
      .help = "fault: only paths starting with PREFIX get those 500s" },
    { .key = "rate-limit-rate", .flag = "rate-limit-rate", .kind = CT_KIND_STRING,
      .metavar = "P", .help = "fault: answer 429 (Retry-After: 1) with probability P" },
    { .key = "rate-limit-storm", .flag = "rate-limit-storm", .kind = CT_KIND_STRING,
      .metavar = "N:M", .help = "fault: answer 429 to M requests in a row from the Nth on" },
    { .key = "malformed-rate", .flag = "malformed-rate", .kind = CT_KIND_STRING,
      .metavar = "P", .help = "fault: truncate the body or send an HTML page instead" },
    { .key = "drip-ms", .flag = "drip-ms", .kind = CT_KIND_STRING, .metavar = "N",
      .help = "fault: send bodies 256 bytes at a time, N ms apart" },
    { .key = "reset-rate", .flag = "reset-rate", .kind = CT_KIND_STRING, .metavar = "P",
      .help = "fault: close the connection without answering" },
    { .key = "verbose", .flag = "verbose", .kind = CT_KIND_BOOL, .def = "false",
      .help = "log requests and webhook failures to stderr" },
    { .key = "help", .flag = "help", .short_flag = 'h', .kind = CT_KIND_ACTION,
      .help = "print this help and exit" },
    { .key = "version", .flag = "version", .short_flag = 'V', .kind = CT_KIND_ACTION,
      .help = "print the version and exit" },
    { .key = "help-man", .flag = "help-man", .kind = CT_KIND_ACTION },   /* hidden */
};
/* clang-format on */

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
static const ct_exit_doc exits[] = {
    { 0, "stopped by SIGINT or SIGTERM" },
    { 1, "could not start (the address is in use or not local)" },
    { 2, "usage error (bad flag or value)" },
};
/* clang-format on */

static const char *const notes[] = {
    "Faults are all off by default. The routes, scenarios and faults are described in "
    "docs/simulator.md.",
    NULL,
};

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
static const ct_program program = {
    .name = "calltop-sim",
    .summary = "a local, fake Interactly API for calltop",
    .description = "Serves the Interactly REST routes calltop uses, with live synthetic "
                   "calls, webhooks (to calltop-relay) and fault injection, on loopback.",
    .rows = rows, .n_rows = sizeof rows / sizeof rows[0],
    .exits = exits, .n_exits = sizeof exits / sizeof exits[0],
    .notes = notes, .see_also = "calltop(1), calltop-relay(1)",
};
/* clang-format on */

static const char *val(const ct_args *a, const char *key)
{
    return a->value[ct_args_row(&program, key)];
}

static int bad(const char *flag, const char *v, const char *want)
{
    fprintf(stderr, "calltop-sim: %s: invalid value '%.64s' (expected %s)\n", flag, v, want);
    return 2;
}

/* "90s", "30m", "24h", "7d" -> ms; 0 on anything else. */
static int64_t parse_span(const char *v)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || n <= 0 || n > 400LL * 86400) return 0;
    long long unit = strcmp(end, "s") == 0 ? 1000
        : strcmp(end, "m") == 0            ? 60000
        : strcmp(end, "h") == 0            ? 3600000
        : strcmp(end, "d") == 0            ? 86400000
                                           : 0;
    return unit && n * unit <= 400LL * 86400000 ? (int64_t)(n * unit) : 0;
}

/* The list behaviours and the 429 storm (docs/simulator.md); 0 or exit 2. */
static int list_switches(const ct_args *a, ct_sim_options *o)
{
    const char *v;
    if ((v = val(a, "history-span")) && !(o->history_span_ms = parse_span(v)))
        return bad("--history-span", v, "a duration such as 90s, 30m, 24h or 7d");
    if ((v = val(a, "list-order"))) {
        if (strcmp(v, "newest-first") == 0) o->list_oldest_first = false;
        else if (strcmp(v, "oldest-first") == 0) o->list_oldest_first = true;
        else return bad("--list-order", v, "newest-first or oldest-first");
    }
    if ((v = val(a, "list-window"))) {
        if (strcmp(v, "overlapping") == 0) o->list_window = CT_SIM_WINDOW_OVERLAP;
        else if (strcmp(v, "started-in") == 0) o->list_window = CT_SIM_WINDOW_STARTED;
        else if (strcmp(v, "ended-in") == 0) o->list_window = CT_SIM_WINDOW_ENDED;
        else return bad("--list-window", v, "overlapping, started-in or ended-in");
    }
    if ((v = val(a, "clamp-page-size"))) o->clamp_page_size = ct_parse_bool(v) == 1;
    if ((v = val(a, "status-completed"))) o->status_completed = ct_parse_bool(v) == 1;
    if ((v = val(a, "rate-limit-storm"))) {
        char *end;
        errno = 0;
        long from = strtol(v, &end, 10), count = 0;
        bool ok = !errno && end != v && *end == ':' && from >= 1 && from <= 1000000000L;
        if (ok) {
            const char *m = end + 1;
            count = strtol(m, &end, 10);
            ok = !errno && end != m && !*end && count >= 1 && count <= 1000000000L;
        }
        if (!ok) return bad("--rate-limit-storm", v, "N:M, two positive integers");
        o->rate_limit_from = (int)from;
        o->rate_limit_count = (int)count;
    }
    return 0;
}

int main(int argc, char **argv)
{
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.webhook_secret = getenv("CALLTOP_SIM_WEBHOOK_SECRET");
    ct_args a;
    int rc = ct_args_run(&program, argc, argv, &a, stdout, stderr);
    if (rc >= 0) return rc;
    ct_error e;
    ct_error_clear(&e);
    long port = o.port, calls = o.calls, history = o.history, queue = o.webhook_queue;
    long latency = o.latency_ms, drip = o.drip_ms, max_page = o.max_page_size;
    if (ct_args_long(&program, &a, "port", 0, 65535, &port, &e) ||
        ct_args_long(&program, &a, "calls", 0, 10000, &calls, &e) ||
        ct_args_long(&program, &a, "history", 0, 1000000, &history, &e) ||
        ct_args_long(&program, &a, "webhook-queue", 1, 1000000, &queue, &e) ||
        ct_args_long(&program, &a, "latency-ms", 0, 600000, &latency, &e) ||
        ct_args_long(&program, &a, "drip-ms", 0, 60000, &drip, &e) ||
        ct_args_long(&program, &a, "max-page-size", 1, 100000, &max_page, &e) ||
        ct_args_double(&program, &a, "rate", 0, 1000, &o.rate, &e) ||
        ct_args_double(&program, &a, "speed", 0.01, 10000, &o.speed, &e) ||
        ct_args_double(&program, &a, "webhook-dup-rate", 0, 1, &o.webhook_dup_rate, &e) ||
        ct_args_double(&program, &a, "webhook-reorder-rate", 0, 1, &o.webhook_reorder_rate, &e) ||
        ct_args_double(&program, &a, "error-rate", 0, 1, &o.error_rate, &e) ||
        ct_args_double(&program, &a, "rate-limit-rate", 0, 1, &o.rate_limit_rate, &e) ||
        ct_args_double(&program, &a, "malformed-rate", 0, 1, &o.malformed_rate, &e) ||
        ct_args_double(&program, &a, "reset-rate", 0, 1, &o.reset_rate, &e)) {
        fprintf(stderr, "calltop-sim: %s\n", e.detail);
        return 2;
    }
    o.port = (int)port;
    o.calls = (int)calls;
    o.history = (int)history;
    o.webhook_queue = (int)queue;
    o.latency_ms = (int)latency;
    o.drip_ms = (int)drip;
    o.max_page_size = (int)max_page;
    if ((rc = list_switches(&a, &o))) return rc;
    const char *seed = val(&a, "seed");
    if (seed) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(seed, &end, 10);
        if (errno || end == seed || *end || seed[0] == '-') {
            fprintf(stderr,
                    "calltop-sim: --seed: invalid value '%.64s' (expected an unsigned "
                    "integer)\n",
                    seed);
            return 2;
        }
        o.seed = v;
    }
    const char *key = val(&a, "api-key");
    if (key && !*key) {
        fprintf(stderr, "calltop-sim: --api-key: invalid value '' (expected a non-empty key)\n");
        return 2;
    }
    if (key) o.api_key = key;
    if (val(&a, "host")) o.host = val(&a, "host");
    if (val(&a, "webhook-url")) o.webhook_url = val(&a, "webhook-url");
    if (val(&a, "webhook-secret")) o.webhook_secret = val(&a, "webhook-secret");
    if (val(&a, "error-route")) o.error_route = val(&a, "error-route");
    if (val(&a, "verbose")) o.verbose = ct_parse_bool(val(&a, "verbose")) == 1;

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    ct_error err;
    /* once per process, before any lws context: lws's own lines only with --verbose */
    ct_lws_log_init(o.verbose ? CT_LWS_LOG_STDERR : CT_LWS_LOG_OFF);
    ct_sim *sim = ct_sim_start(&o, &err);
    if (!sim) {
        fprintf(stderr, "calltop-sim: %s: %s\n", ct_strerror(err.code), err.detail);
        return 1;
    }
    printf("listening on %s\n", ct_sim_base_url(sim));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    if (o.verbose) fprintf(stderr, "calltop-sim: signal %d, stopping\n", sig);
    ct_sim_stop(sim);
    return 0;
}
