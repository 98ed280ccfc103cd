/* main.c — the calltop-sim command: parse flags, start the simulator
 * (sim.h), print the one "listening on" line, wait for SIGINT/SIGTERM.
 *
 * Signals are blocked before any thread starts (threads inherit the mask)
 * and collected with sigwait(), so shutdown is ordinary code on the main
 * thread rather than work inside a signal handler. */
#include "calltop/lws_log.h"
#include "calltop/sim.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
    fputs(
        "usage: calltop-sim [options]\n"
        "A local, fake Interactly API for calltop: REST routes, live synthetic calls,\n"
        "webhooks and fault injection. See docs/simulator.md.\n"
        "\n"
        "  --host ADDR              address to bind (default 127.0.0.1)\n"
        "  --port N                 port (default 0 = any free port); prints\n"
        "                           'listening on http://HOST:PORT' when ready\n"
        "  --api-key KEY            bearer key the fake server accepts (default demo-key).\n"
        "                           This is a test server's key, so argv is acceptable\n"
        "                           here; never pass a real Interactly key\n"
        "  --seed N                 scenario seed (default 1); same seed, same calls\n"
        "  --calls N                live calls to keep going (default 6)\n"
        "  --rate R                 new calls per second (default 0.5)\n"
        "  --history N              finished calls before start (default 200)\n"
        "  --speed X                scenario time multiplier (default 1)\n"
        "  --webhook-url URL        POST webhooks there (off by default)\n"
        "  --webhook-secret S       sent as X-Calltop-Secret; prefer the environment\n"
        "                           variable CALLTOP_SIM_WEBHOOK_SECRET\n"
        "  --webhook-dup-rate P     chance 0..1 an envelope is delivered twice\n"
        "  --webhook-reorder-rate P chance 0..1 an envelope is held behind the next one\n"
        "  --webhook-queue N        webhook queue bound (default 256; oldest dropped)\n"
        "  --history-span DUR       spread --history evenly over DUR before start\n"
        "                           (e.g. 24h; default about one call per 90 s)\n"
        "list behaviours the vendor does not document:\n"
        "  --list-order ORDER       newest-first (default) or oldest-first\n"
        "  --list-window MODE       which calls a date window lists: overlapping\n"
        "                           (default), started-in, or ended-in (no live calls)\n"
        "  --max-page-size N        a larger size gets 422 (default 100)\n"
        "  --clamp-page-size        ...or is served at that size without a word\n"
        "  --status-completed       ended calls say status \"completed\", not \"finished\"\n"
        "faults (all off by default):\n"
        "  --latency-ms N           delay every answer by N ms\n"
        "  --error-rate P           answer 500 with probability P\n"
        "  --error-route PREFIX     only paths starting with PREFIX get those 500s\n"
        "  --rate-limit-rate P      answer 429 (Retry-After: 1) with probability P\n"
        "  --rate-limit-storm N:M   answer 429 to M requests in a row from the Nth on\n"
        "  --malformed-rate P       truncate the body or send an HTML page instead\n"
        "  --drip-ms N              send bodies 256 bytes at a time, N ms apart\n"
        "  --reset-rate P           close the connection without answering\n"
        "  --verbose                log requests and webhook failures to stderr\n"
        "  --version                print the version\n"
        "  --help                   this text\n",
        out);
}

static int bad(const char *flag, const char *v, const char *want) {
    fprintf(stderr, "calltop-sim: %s: invalid value '%s' (expected %s)\n", flag, v, want);
    return 2;
}

static int parse_long(const char *flag, const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi) {
        char want[64];
        snprintf(want, sizeof want, "an integer %ld..%ld", lo, hi);
        return bad(flag, v, want);
    }
    *out = n;
    return 0;
}

static int parse_double(const char *flag, const char *v, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi)) {
        char want[64];
        snprintf(want, sizeof want, "a number %g..%g", lo, hi);
        return bad(flag, v, want);
    }
    *out = d;
    return 0;
}

enum {
    O_HOST = 256, O_PORT, O_KEY, O_SEED, O_CALLS, O_RATE, O_HISTORY, O_SPEED, O_WH_URL, O_WH_SECRET,
    O_WH_DUP, O_WH_REORDER, O_WH_QUEUE, O_LATENCY, O_ERROR, O_ERROR_ROUTE, O_RATELIMIT, O_MALFORMED,
    O_DRIP, O_RESET, O_VERBOSE, O_HELP, O_HISTORY_SPAN, O_LIST_ORDER, O_LIST_WINDOW,
    O_MAX_PAGE, O_STATUS_COMPLETED, O_STORM, O_CLAMP, O_VERSION,
};

/* "90s", "30m", "24h", "7d" -> ms; 0 on anything else. */
static int64_t parse_span(const char *v) {
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || n <= 0 || n > 400LL * 86400) return 0;
    long long unit = strcmp(end, "s") == 0 ? 1000 : strcmp(end, "m") == 0 ? 60000
                   : strcmp(end, "h") == 0 ? 3600000 : strcmp(end, "d") == 0 ? 86400000 : 0;
    return unit && n * unit <= 400LL * 86400000 ? (int64_t)(n * unit) : 0;
}

int main(int argc, char **argv) {
    static const struct option longopts[] = {
        { "host", required_argument, NULL, O_HOST },
        { "port", required_argument, NULL, O_PORT },
        { "api-key", required_argument, NULL, O_KEY },
        { "seed", required_argument, NULL, O_SEED },
        { "calls", required_argument, NULL, O_CALLS },
        { "rate", required_argument, NULL, O_RATE },
        { "history", required_argument, NULL, O_HISTORY },
        { "speed", required_argument, NULL, O_SPEED },
        { "webhook-url", required_argument, NULL, O_WH_URL },
        { "webhook-secret", required_argument, NULL, O_WH_SECRET },
        { "webhook-dup-rate", required_argument, NULL, O_WH_DUP },
        { "webhook-reorder-rate", required_argument, NULL, O_WH_REORDER },
        { "webhook-queue", required_argument, NULL, O_WH_QUEUE },
        { "latency-ms", required_argument, NULL, O_LATENCY },
        { "error-rate", required_argument, NULL, O_ERROR },
        { "error-route", required_argument, NULL, O_ERROR_ROUTE },
        { "rate-limit-rate", required_argument, NULL, O_RATELIMIT },
        { "malformed-rate", required_argument, NULL, O_MALFORMED },
        { "drip-ms", required_argument, NULL, O_DRIP },
        { "reset-rate", required_argument, NULL, O_RESET },
        { "verbose", no_argument, NULL, O_VERBOSE },
        { "history-span", required_argument, NULL, O_HISTORY_SPAN },
        { "list-order", required_argument, NULL, O_LIST_ORDER },
        { "list-window", required_argument, NULL, O_LIST_WINDOW },
        { "max-page-size", required_argument, NULL, O_MAX_PAGE },
        { "clamp-page-size", no_argument, NULL, O_CLAMP },
        { "status-completed", no_argument, NULL, O_STATUS_COMPLETED },
        { "rate-limit-storm", required_argument, NULL, O_STORM },
        { "help", no_argument, NULL, O_HELP },
        { "version", no_argument, NULL, O_VERSION },
        { NULL, 0, NULL, 0 },
    };
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.webhook_secret = getenv("CALLTOP_SIM_WEBHOOK_SECRET");
    opterr = 0;
    int c;
    long n;
    int rc = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        const char *flag = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
        switch (c) {
        case O_HOST: o.host = optarg; break;
        case O_PORT: if (!(rc = parse_long("--port", optarg, 0, 65535, &n))) o.port = (int)n; break;
        case O_KEY:
            if (!*optarg) rc = bad("--api-key", optarg, "a non-empty key");
            o.api_key = optarg;
            break;
        case O_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-') rc = bad("--seed", optarg, "an unsigned integer");
            o.seed = v;
            break;
        }
        case O_CALLS: if (!(rc = parse_long("--calls", optarg, 0, 10000, &n))) o.calls = (int)n; break;
        case O_RATE: rc = parse_double("--rate", optarg, 0, 1000, &o.rate); break;
        case O_HISTORY: if (!(rc = parse_long("--history", optarg, 0, 1000000, &n))) o.history = (int)n; break;
        case O_SPEED: rc = parse_double("--speed", optarg, 0.01, 10000, &o.speed); break;
        case O_WH_URL: o.webhook_url = optarg; break;
        case O_WH_SECRET: o.webhook_secret = optarg; break;
        case O_WH_DUP: rc = parse_double("--webhook-dup-rate", optarg, 0, 1, &o.webhook_dup_rate); break;
        case O_WH_REORDER: rc = parse_double("--webhook-reorder-rate", optarg, 0, 1, &o.webhook_reorder_rate); break;
        case O_WH_QUEUE: if (!(rc = parse_long("--webhook-queue", optarg, 1, 1000000, &n))) o.webhook_queue = (int)n; break;
        case O_LATENCY: if (!(rc = parse_long("--latency-ms", optarg, 0, 600000, &n))) o.latency_ms = (int)n; break;
        case O_ERROR: rc = parse_double("--error-rate", optarg, 0, 1, &o.error_rate); break;
        case O_ERROR_ROUTE: o.error_route = optarg; break;
        case O_RATELIMIT: rc = parse_double("--rate-limit-rate", optarg, 0, 1, &o.rate_limit_rate); break;
        case O_MALFORMED: rc = parse_double("--malformed-rate", optarg, 0, 1, &o.malformed_rate); break;
        case O_DRIP: if (!(rc = parse_long("--drip-ms", optarg, 0, 60000, &n))) o.drip_ms = (int)n; break;
        case O_RESET: rc = parse_double("--reset-rate", optarg, 0, 1, &o.reset_rate); break;
        case O_VERBOSE: o.verbose = true; break;
        case O_HISTORY_SPAN:
            if (!(o.history_span_ms = parse_span(optarg)))
                rc = bad("--history-span", optarg, "a duration such as 90s, 30m, 24h or 7d");
            break;
        case O_LIST_ORDER:
            if (strcmp(optarg, "newest-first") == 0) o.list_oldest_first = false;
            else if (strcmp(optarg, "oldest-first") == 0) o.list_oldest_first = true;
            else rc = bad("--list-order", optarg, "newest-first or oldest-first");
            break;
        case O_LIST_WINDOW:
            if (strcmp(optarg, "overlapping") == 0) o.list_window = CT_SIM_WINDOW_OVERLAP;
            else if (strcmp(optarg, "started-in") == 0) o.list_window = CT_SIM_WINDOW_STARTED;
            else if (strcmp(optarg, "ended-in") == 0) o.list_window = CT_SIM_WINDOW_ENDED;
            else rc = bad("--list-window", optarg, "overlapping, started-in or ended-in");
            break;
        case O_MAX_PAGE: if (!(rc = parse_long("--max-page-size", optarg, 1, 100000, &n))) o.max_page_size = (int)n; break;
        case O_STATUS_COMPLETED: o.status_completed = true; break;
        case O_CLAMP: o.clamp_page_size = true; break;
        case O_STORM: {
            long from, count;
            char *end;
            errno = 0;
            from = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end != ':' || from < 1 || from > 1000000000L) {
                rc = bad("--rate-limit-storm", optarg, "N:M, two positive integers");
                break;
            }
            const char *m = end + 1;
            count = strtol(m, &end, 10);
            if (errno || end == m || *end || count < 1 || count > 1000000000L)
                rc = bad("--rate-limit-storm", optarg, "N:M, two positive integers");
            o.rate_limit_from = (int)from;
            o.rate_limit_count = (int)count;
            break;
        }
        case O_HELP: usage(stdout); return 0;
        case O_VERSION: printf("calltop-sim %s\n", CALLTOP_VERSION); return 0;
        case ':':
            fprintf(stderr, "calltop-sim: option '%s' needs a value (see --help)\n", flag);
            return 2;
        default:
            fprintf(stderr, "calltop-sim: unknown option '%s' (see --help)\n", flag);
            return 2;
        }
        if (rc) return rc;
    }
    if (optind < argc) {
        fprintf(stderr, "calltop-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }

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
