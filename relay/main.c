/* main.c — the calltop-relay command: flags and secrets in, ct_relay
 * running until SIGINT/SIGTERM.
 *
 * Secrets never come from argv: the webhook secret from
 * CALLTOP_WEBHOOK_SECRET or --secret-file, the client token from
 * CALLTOP_RELAY_TOKEN or --token-file (files must be 0600, like ssh keys).
 * Exactly one "listening on http://HOST:PORT" line reaches stdout, once the
 * socket is bound, so scripts can wait for it. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/lws_log.h"
#include "calltop/protocol.h"
#include "calltop/relay.h"
#include "calltop/sanitize.h"

static void usage(FILE *out)
{
    fputs("usage: calltop-relay [options]\n"
          "\n"
          "Receives Interactly webhooks (POST /webhook) and streams them to calltop\n"
          "over a resumable WebSocket (/monitor); see docs/monitor-protocol.md.\n"
          "\n"
          "  --listen HOST:PORT       address to bind (default 127.0.0.1:8787; port 0 = any)\n"
          "  --secret-file FILE       webhook secret (else $CALLTOP_WEBHOOK_SECRET); mode 0600\n"
          "  --token-file FILE        client bearer token (else $CALLTOP_RELAY_TOKEN); mode 0600\n"
          "  --cert FILE --key FILE   serve HTTPS/WSS\n"
          "  --expire-finished SECS   forget finished calls after SECS (default 3600)\n"
          "  --max-calls N            calls held at most (default 10000)\n"
          "  --ring N                 events kept for replay (default 4096)\n"
          "  --client-queue N         frames queued per client before it is dropped (default 1024)\n"
          "  --max-body BYTES         webhook body cap, 413 above (default 1048576)\n"
          "  --heartbeat SECS         protocol ping interval (default 10)\n"
          "  --event-log FILE         append one line per event (never transcript text)\n"
          "  --max-state-bytes BYTES  calls + transcripts held (default 268435456)\n"
          "  --ring-bytes BYTES       replay ring bound in bytes (default 67108864)\n"
          "  --snapshot-part BYTES    protocol 2 snapshot part size (default 1048576)\n"
          "  --max-connections N      open connections at most (default 2048)\n"
          "  --max-connections-per-peer N  per peer address (default 256)\n"
          "  --request-deadline SECS  whole HTTP request (headers + body) (default 10)\n"
          "  --auth-fail-limit N      failed secrets/tokens per address before 429 (default 20)\n"
          "  --auth-fail-window SECS  ... within this window; also the block time (default 60)\n"
          "  --version                print the version\n"
          "  --help                   this text\n"
          "\n"
          "Webhook senders authenticate with the header X-Calltop-Secret: <secret> or the\n"
          "path /webhook/<secret>. GET /healthz reports counters. SIGHUP reopens\n"
          "--event-log (for logrotate); SIGINT/SIGTERM stop. Exit status: 0 stopped\n"
          "by a signal, 1 could not start (address in use, TLS files), 2 usage error\n"
          "or a missing/unreadable secret.\n", out);
}

/* Text from argv or a file name, made safe for a terminal or a log: no
 * control bytes or escape sequences, one line. (A static buffer: one use
 * per fprintf.) */
static const char *clean(const char *s)
{
    static char buf[1024];
    ct_sanitize(s, strlen(s), buf, sizeof buf, false);
    return buf;
}

static int parse_long(const char *flag, const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "calltop-relay: %s: expected a number between %ld and %ld\n", flag,
                min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* HOST:PORT, [v6]:PORT, or :PORT. */
static int parse_listen(const char *s, char *host, size_t hlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon)
        return -1;
    size_t n = (size_t)(colon - s);
    const char *h = s;
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hlen)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    if (!*host)
        snprintf(host, hlen, "127.0.0.1");
    long p;
    if (parse_long("--listen", colon + 1, 0, 65535, &p))
        return -1;
    *port = (int)p;
    return 0;
}

static char *secret_from(const char *file, const char *env, const char *what)
{
    if (file) {
        char *s = NULL;
        ct_error err;
        ct_error_clear(&err);
        if (ct_relay_read_secret_file(file, &s, &err) != CT_OK) {
            fprintf(stderr, "calltop-relay: %s\n", clean(err.detail));
            return NULL;
        }
        return s;
    }
    const char *v = getenv(env);
    if (!v || !*v) {
        fprintf(stderr, "calltop-relay: no %s: set %s or pass a 0600 file\n", what, env);
        return NULL;
    }
    return strdup(v);
}

int main(int argc, char **argv)
{
    char host[256] = "127.0.0.1";
    int port = 8787;
    const char *secret_file = NULL, *token_file = NULL, *cert = NULL, *key = NULL;
    const char *event_log = NULL;
    ct_relay_options opt;
    memset(&opt, 0, sizeof opt);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--version")) {
            printf("calltop-relay %s (protocol %d)\n", CALLTOP_VERSION, CT_PROTOCOL_VERSION);
            return 0;
        }
        const char *flags_with_value[] = { "--listen", "--secret-file", "--token-file", "--cert",
                                           "--key", "--expire-finished", "--max-calls", "--ring",
                                           "--client-queue", "--max-body", "--heartbeat",
                                           "--event-log", "--max-state-bytes", "--ring-bytes",
                                           "--snapshot-part", "--max-connections",
                                           "--max-connections-per-peer", "--request-deadline",
                                           "--auth-fail-limit", "--auth-fail-window", NULL };
        int known = 0;
        for (int k = 0; flags_with_value[k]; k++)
            if (!strcmp(a, flags_with_value[k]))
                known = 1;
        if (!known) {
            fprintf(stderr, "calltop-relay: unknown option '%s' (see --help)\n", clean(a));
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "calltop-relay: %s needs a value\n", clean(a));
            return 2;
        }
        const char *v = argv[++i];
        long n;
        if (!strcmp(a, "--listen")) {
            if (parse_listen(v, host, sizeof host, &port)) {
                fprintf(stderr, "calltop-relay: --listen: expected HOST:PORT\n");
                return 2;
            }
        } else if (!strcmp(a, "--secret-file")) {
            secret_file = v;
        } else if (!strcmp(a, "--token-file")) {
            token_file = v;
        } else if (!strcmp(a, "--cert")) {
            cert = v;
        } else if (!strcmp(a, "--key")) {
            key = v;
        } else if (!strcmp(a, "--event-log")) {
            event_log = v;
        } else if (!strcmp(a, "--expire-finished")) {
            if (parse_long(a, v, 1, 365L * 86400, &n))
                return 2;
            opt.expire_finished_s = (int)n;
        } else if (!strcmp(a, "--max-calls")) {
            if (parse_long(a, v, 1, 10000000, &n))
                return 2;
            opt.max_calls = (size_t)n;
        } else if (!strcmp(a, "--ring")) {
            if (parse_long(a, v, 1, 10000000, &n))
                return 2;
            opt.ring_events = (size_t)n;
        } else if (!strcmp(a, "--client-queue")) {
            if (parse_long(a, v, 1, 10000000, &n))
                return 2;
            opt.client_queue_frames = (size_t)n;
        } else if (!strcmp(a, "--max-body")) {
            if (parse_long(a, v, 64, 1L << 30, &n))
                return 2;
            opt.max_body_bytes = (size_t)n;
        } else if (!strcmp(a, "--max-state-bytes")) {
            if (parse_long(a, v, 65536, LONG_MAX, &n))
                return 2;
            opt.max_state_bytes = (size_t)n;
        } else if (!strcmp(a, "--ring-bytes")) {
            if (parse_long(a, v, 65536, LONG_MAX, &n))
                return 2;
            opt.ring_bytes = (size_t)n;
        } else if (!strcmp(a, "--snapshot-part")) {
            if (parse_long(a, v, 4096, 64L << 20, &n))
                return 2;
            opt.snapshot_part_bytes = (size_t)n;
        } else if (!strcmp(a, "--max-connections")) {
            if (parse_long(a, v, 2, 1000000, &n))
                return 2;
            opt.max_connections = (size_t)n;
        } else if (!strcmp(a, "--max-connections-per-peer")) {
            if (parse_long(a, v, 1, 1000000, &n))
                return 2;
            opt.max_connections_per_peer = (size_t)n;
        } else if (!strcmp(a, "--request-deadline")) {
            if (parse_long(a, v, 1, 3600, &n))
                return 2;
            opt.request_deadline_ms = (int)n * 1000;
        } else if (!strcmp(a, "--auth-fail-limit")) {
            if (parse_long(a, v, 1, 1000000, &n))
                return 2;
            opt.auth_fail_limit = (unsigned)n;
        } else if (!strcmp(a, "--auth-fail-window")) {
            if (parse_long(a, v, 1, 86400, &n))
                return 2;
            opt.auth_fail_window_ms = (int)n * 1000;
        } else if (!strcmp(a, "--heartbeat")) {
            if (parse_long(a, v, 1, 3600, &n))
                return 2;
            opt.heartbeat_ms = (int)n * 1000;
        }
    }
    if (!cert != !key) {
        fprintf(stderr, "calltop-relay: --cert and --key go together\n");
        return 2;
    }

    char *secret = secret_from(secret_file, "CALLTOP_WEBHOOK_SECRET", "webhook secret");
    char *token = secret ? secret_from(token_file, "CALLTOP_RELAY_TOKEN", "client token") : NULL;
    if (!secret || !token) {
        /* A configuration mistake, like a bad flag: exit 2 (as calltop). */
        free(secret);
        free(token);
        return 2;
    }

    /* Signals are taken synchronously by this thread (sigwait); block them
     * before the relay thread starts so it inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    opt.host = host;
    opt.port = port;
    opt.webhook_secret = secret;
    opt.client_token = token;
    opt.cert_path = cert;
    opt.key_path = key;
    opt.event_log_path = event_log;
    opt.notices = stderr;
    ct_error err;
    ct_error_clear(&err);
    ct_lws_log_init(CT_LWS_LOG_TO_LOG);   /* once per process, before any lws context */
    ct_relay *r = ct_relay_start(&opt, &err);
    memset(secret, 0, strlen(secret));
    memset(token, 0, strlen(token));
    free(secret);
    free(token);
    if (!r) {
        fprintf(stderr, "calltop-relay: %s\n",
                clean(err.detail[0] ? err.detail : ct_strerror(err.code)));
        return 1;
    }
    printf("listening on %s://%s%s%s:%d\n", cert ? "https" : "http",
           strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", ct_relay_port(r));
    fflush(stdout);

    /* SIGHUP: logrotate moved the event log; anything else stops us. */
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        ct_relay_reopen_event_log(r);
    ct_relay_stop(r);
    return 0;
}
