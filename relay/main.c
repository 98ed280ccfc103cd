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
#include "calltop/args.h"
#include "calltop/relay.h"
#include "calltop/sanitize.h"
#include "proxy_addr.h"

/* The flags: one table for the parser, --help and docs/calltop-relay.1. */
/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
static const ct_setting rows[] = {
    { .key = "listen", .flag = "listen", .kind = CT_KIND_STRING, .metavar = "HOST:PORT",
      .def = "127.0.0.1:8787",
      .help = "address to bind, exactly (an IPv6 literal in brackets: [::1]:8787); port 0 "
              "picks a free one" },
    { .key = "secret-file", .flag = "secret-file", .kind = CT_KIND_PATH, .metavar = "FILE",
      .help = "read the webhook secret from FILE (mode 0600) instead of "
              "CALLTOP_WEBHOOK_SECRET" },
    { .key = "token-file", .flag = "token-file", .kind = CT_KIND_PATH, .metavar = "FILE",
      .help = "read the client bearer token from FILE (mode 0600) instead of "
              "CALLTOP_RELAY_TOKEN" },
    { .key = "cert", .flag = "cert", .kind = CT_KIND_PATH, .metavar = "FILE",
      .help = "serve HTTPS/WSS with this PEM certificate (with --key)" },
    { .key = "key", .flag = "key", .kind = CT_KIND_PATH, .metavar = "FILE",
      .help = "the PEM private key of --cert" },
    { .key = "expire-finished", .flag = "expire-finished", .kind = CT_KIND_STRING,
      .metavar = "SECS", .def = "3600",
      .help = "forget a finished call SECS after the relay last heard of it" },
    { .key = "max-calls", .flag = "max-calls", .kind = CT_KIND_STRING, .metavar = "N",
      .def = "10000", .help = "calls held at most (finished ones evicted first)" },
    { .key = "max-state-bytes", .flag = "max-state-bytes", .kind = CT_KIND_STRING,
      .metavar = "BYTES", .def = "268435456",
      .help = "calls and transcript text held at most; above it the least recently heard "
              "calls go, finished ones first" },
    { .key = "ring", .flag = "ring", .kind = CT_KIND_STRING, .metavar = "N", .def = "4096",
      .help = "events kept for replay to reconnecting clients" },
    { .key = "ring-bytes", .flag = "ring-bytes", .kind = CT_KIND_STRING, .metavar = "BYTES",
      .def = "67108864", .help = "the replay ring's bound in bytes" },
    { .key = "client-queue", .flag = "client-queue", .kind = CT_KIND_STRING, .metavar = "N",
      .def = "1024", .help = "frames queued per client before it is dropped as too slow" },
    { .key = "snapshot-part", .flag = "snapshot-part", .kind = CT_KIND_STRING,
      .metavar = "BYTES", .def = "1048576",
      .help = "size of a snapshot part (protocol 2)" },
    { .key = "max-body", .flag = "max-body", .kind = CT_KIND_STRING, .metavar = "BYTES",
      .def = "1048576", .help = "webhook body cap (413 above; chunked bodies get 411)" },
    { .key = "max-connections", .flag = "max-connections", .kind = CT_KIND_STRING,
      .metavar = "N", .def = "2048",
      .help = "open connections at most; at the cap the oldest unfinished request makes room" },
    { .key = "max-connections-per-peer", .flag = "max-connections-per-peer",
      .kind = CT_KIND_STRING, .metavar = "N", .def = "256",
      .help = "open connections per peer address" },
    { .key = "request-deadline", .flag = "request-deadline", .kind = CT_KIND_STRING,
      .metavar = "SECS", .def = "10", .help = "a whole HTTP request (headers and body) must "
      "arrive within SECS" },
    { .key = "auth-fail-limit", .flag = "auth-fail-limit", .kind = CT_KIND_STRING,
      .metavar = "N", .def = "20",
      .help = "failed secrets or tokens per address before it gets 429" },
    { .key = "auth-fail-window", .flag = "auth-fail-window", .kind = CT_KIND_STRING,
      .metavar = "SECS", .def = "60",
      .help = "the window of --auth-fail-limit, and how long a blocked address must stay quiet" },
    { .key = "trusted-proxy", .flag = "trusted-proxy", .kind = CT_KIND_STRING,
      .metavar = "LIST",
      .help = "comma-separated addresses and CIDR ranges of reverse proxies (e.g. "
              "127.0.0.1,::1,10.0.0.0/8): for a connection from one of them the client address "
              "(failed-auth throttle, per-peer cap, log lines) is taken from X-Forwarded-For, "
              "right to left past trusted hops. Without it X-Forwarded-For is ignored" },
    { .key = "heartbeat", .flag = "heartbeat", .kind = CT_KIND_STRING, .metavar = "SECS",
      .def = "10", .help = "protocol ping interval; a client silent for 3 is closed" },
    { .key = "event-log", .flag = "event-log", .kind = CT_KIND_PATH, .metavar = "FILE",
      .help = "append one escaped line per event (never transcript text); SIGHUP reopens it" },
    { .key = "redis", .flag = "redis", .kind = CT_KIND_STRING, .metavar = "URL",
      .help = "share state through a Redis stream (redis://HOST[:PORT][/DB]) with every relay "
              "on it: boards may use any of them (docs/scale-out.md). No password in the URL: "
              "CALLTOP_REDIS_PASSWORD or --redis-password-file" },
    { .key = "redis-password-file", .flag = "redis-password-file", .kind = CT_KIND_PATH,
      .metavar = "FILE", .help = "read the Redis password from FILE (mode 0600) instead of "
      "CALLTOP_REDIS_PASSWORD" },
    { .key = "redis-prefix", .flag = "redis-prefix", .kind = CT_KIND_STRING, .metavar = "NAME",
      .def = "calltop", .help = "Redis key prefix (NAME:log, NAME:stream-id, NAME:ckpt:*, ...): one per team" },
    { .key = "redis-checkpoint-every", .flag = "redis-checkpoint-every", .kind = CT_KIND_STRING,
      .metavar = "N", .def = "10000",
      .help = "with --redis: write a checkpoint of the whole state to Redis every N log entries "
              "(the newest 3 are kept; the log is trimmed behind the oldest and behind every "
              "relay still reading). A starting relay loads the newest and replays at most N "
              "entries" },
    { .key = "redis-reader-ttl", .flag = "redis-reader-ttl", .kind = CT_KIND_STRING,
      .metavar = "SECS", .def = "30",
      .help = "with --redis: trimming waits for this relay's log position while it was "
              "published within SECS (every second while reading); a relay paused longer finds "
              "its next entries trimmed, says so (boards STALE) and must be restarted" },
    { .key = "redis-password", .env = "CALLTOP_REDIS_PASSWORD", .kind = CT_KIND_STRING,
      .secret = true, .help = "the Redis password (AUTH), when --redis needs one" },
    { .key = "webhook-secret", .env = "CALLTOP_WEBHOOK_SECRET", .kind = CT_KIND_STRING,
      .secret = true, .help = "the secret webhook senders present (X-Calltop-Secret or "
      "/webhook/SECRET)" },
    { .key = "relay-token", .env = "CALLTOP_RELAY_TOKEN", .kind = CT_KIND_STRING,
      .secret = true, .help = "the bearer token monitor clients present" },
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
    { 1, "could not start: the address is in use (or not local), or a TLS file is unreadable "
         "or not a matching PEM certificate and key, or --redis is unreachable, refused the "
         "password or is not a redis:// URL (or this build has no Redis support)" },
    { 2, "usage error (bad flag or value, e.g. a --trusted-proxy entry that is not an address "
         "or CIDR range), or a missing or unreadable secret" },
};
/* clang-format on */

static const char *const notes[] = {
    "Webhook senders authenticate with the header X-Calltop-Secret: SECRET or the path "
    "/webhook/SECRET; monitor clients with Authorization: Bearer TOKEN on /monitor. GET "
    "/healthz reports counters. Secrets never come from the command line: the environment, "
    "or --secret-file / --token-file (mode 0600, like ssh keys).",
    "Exactly one line, \"listening on http://HOST:PORT\", reaches stdout once the socket is "
    "bound. Rejected peers get at most one stderr line per class per 10 s, never with a "
    "secret or transcript text. SIGHUP reopens --event-log (for logrotate); SIGINT and SIGTERM "
    "stop the relay. The protocol, the limits and every HTTP answer: docs/monitor-protocol.md.",
    NULL,
};

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
static const ct_program program = {
    .name = "calltop-relay",
    .summary = "receive Interactly webhooks and stream them to calltop boards",
    .description = "Receives Interactly webhooks (POST /webhook), merges them per call and "
                   "streams them to calltop over a resumable WebSocket (/monitor), with "
                   "sequence numbers: a board that reconnects gets exactly the events it "
                   "missed, or a snapshot.",
    .rows = rows, .n_rows = sizeof rows / sizeof rows[0],
    .exits = exits, .n_exits = sizeof exits / sizeof exits[0],
    .notes = notes, .see_also = "calltop(1), calltop-sim(1)",
};
/* clang-format on */

/* Text from argv or a file name, made safe for a terminal or a log: no
 * control bytes or escape sequences, one line. (A static buffer: one use
 * per fprintf.) */
static const char *clean(const char *s)
{
    static char buf[1024];
    ct_sanitize(s, strlen(s), buf, sizeof buf, false);
    return buf;
}

/* HOST:PORT, [v6]:PORT, or :PORT. */
static int parse_listen(const char *s, char *host, size_t hlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon) return -1;
    size_t n = (size_t)(colon - s);
    const char *h = s;
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hlen) return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    if (!*host) snprintf(host, hlen, "127.0.0.1");
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p < 0 || p > 65535) return -1;
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

/* Numeric flag -> option; false (and a message) when out of range. */
static bool num(const ct_args *a, const char *key, long min, long max, long *out)
{
    ct_error err;
    ct_error_clear(&err);
    if (ct_args_long(&program, a, key, min, max, out, &err) == CT_OK) return true;
    fprintf(stderr, "calltop-relay: %s\n", clean(err.detail));
    return false;
}

static const char *val(const ct_args *a, const char *key)
{
    return a->value[ct_args_row(&program, key)];
}

int main(int argc, char **argv)
{
    char host[256] = "127.0.0.1";
    int port = 8787;
    ct_relay_options opt;
    memset(&opt, 0, sizeof opt);
    ct_args a;
    int rc = ct_args_run(&program, argc, argv, &a, stdout, stderr);
    if (rc >= 0) return rc;
    const char *listen = val(&a, "listen");
    if (listen && parse_listen(listen, host, sizeof host, &port)) {
        fprintf(stderr, "calltop-relay: --listen: expected HOST:PORT (port 0..65535)\n");
        return 2;
    }
    long expire = 0, calls = 0, ring = 0, queue = 0, body = 0, heartbeat = 0;
    long state = 0, ring_bytes = 0, part = 0, conns = 0, per_peer = 0, deadline = 0;
    long fail_limit = 0, fail_window = 0, ckpt_every = 0, reader_ttl = 0;
    if (!num(&a, "expire-finished", 1, 365L * 86400, &expire) ||
        !num(&a, "max-calls", 1, 10000000, &calls) || !num(&a, "ring", 1, 10000000, &ring) ||
        !num(&a, "client-queue", 1, 10000000, &queue) ||
        !num(&a, "max-body", 64, 1L << 30, &body) || !num(&a, "heartbeat", 1, 3600, &heartbeat) ||
        !num(&a, "max-state-bytes", 65536, LONG_MAX, &state) ||
        !num(&a, "ring-bytes", 65536, LONG_MAX, &ring_bytes) ||
        !num(&a, "snapshot-part", 4096, 64L << 20, &part) ||
        !num(&a, "max-connections", 2, 1000000, &conns) ||
        !num(&a, "max-connections-per-peer", 1, 1000000, &per_peer) ||
        !num(&a, "request-deadline", 1, 3600, &deadline) ||
        !num(&a, "auth-fail-limit", 1, 1000000, &fail_limit) ||
        !num(&a, "auth-fail-window", 1, 86400, &fail_window) ||
        !num(&a, "redis-checkpoint-every", 1, 1000000000L, &ckpt_every) ||
        !num(&a, "redis-reader-ttl", 1, 86400, &reader_ttl))
        return 2;
    opt.expire_finished_s = (int)expire;
    opt.max_calls = (size_t)calls;
    opt.ring_events = (size_t)ring;
    opt.client_queue_frames = (size_t)queue;
    opt.max_body_bytes = (size_t)body;
    opt.heartbeat_ms = (int)heartbeat * 1000;
    opt.max_state_bytes = (size_t)state;
    opt.ring_bytes = (size_t)ring_bytes;
    opt.snapshot_part_bytes = (size_t)part;
    opt.max_connections = (size_t)conns;
    opt.max_connections_per_peer = (size_t)per_peer;
    opt.request_deadline_ms = (int)deadline * 1000;
    opt.auth_fail_limit = (unsigned)fail_limit;
    opt.auth_fail_window_ms = (int)fail_window * 1000;
    opt.redis_checkpoint_every = (size_t)ckpt_every;
    opt.redis_reader_ttl_ms = (int)reader_ttl * 1000;
    /* Checked here, before any secret is read: a usage error (exit 2). */
    opt.trusted_proxies = val(&a, "trusted-proxy");
    {
        ct_proxy_list proxies;
        ct_error perr;
        ct_error_clear(&perr);
        if (ct_proxy_list_parse(opt.trusted_proxies, &proxies, &perr) != CT_OK) {
            fprintf(stderr, "calltop-relay: %s\n", clean(perr.detail));
            return 2;
        }
        ct_proxy_list_free(&proxies);
    }
    const char *secret_file = val(&a, "secret-file"), *token_file = val(&a, "token-file");
    const char *cert = val(&a, "cert"), *key = val(&a, "key"), *event_log = val(&a, "event-log");
    if (!cert != !key) {
        fprintf(stderr, "calltop-relay: --cert and --key go together\n");
        return 2;
    }

    /* --redis: the password from a 0600 file or the environment, or none. */
    const char *redis = val(&a, "redis"), *redis_pw_file = val(&a, "redis-password-file");
    char *redis_pw = NULL;
    if (redis_pw_file && !redis) {
        fprintf(stderr, "calltop-relay: --redis-password-file needs --redis\n");
        return 2;
    }
    if (redis) {
        const char *env = getenv("CALLTOP_REDIS_PASSWORD");
        if (redis_pw_file || (env && *env)) {
            redis_pw = secret_from(redis_pw_file, "CALLTOP_REDIS_PASSWORD", "Redis password");
            if (!redis_pw) return 2;
        }
    }
    opt.redis_url = redis;
    opt.redis_password = redis_pw;
    opt.redis_prefix = val(&a, "redis-prefix");
    char *secret = secret_from(secret_file, "CALLTOP_WEBHOOK_SECRET", "webhook secret");
    char *token = secret ? secret_from(token_file, "CALLTOP_RELAY_TOKEN", "client token") : NULL;
    if (!secret || !token) {
        /* A configuration mistake, like a bad flag: exit 2 (as calltop). */
        free(secret);
        free(token);
        if (redis_pw) {
            memset(redis_pw, 0, strlen(redis_pw));
            free(redis_pw);
        }
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
    ct_lws_log_init(CT_LWS_LOG_TO_LOG); /* once per process, before any lws context */
    ct_relay *r = ct_relay_start(&opt, &err);
    memset(secret, 0, strlen(secret));
    memset(token, 0, strlen(token));
    free(secret);
    free(token);
    if (redis_pw) {
        memset(redis_pw, 0, strlen(redis_pw));
        free(redis_pw);
    }
    if (!r) {
        fprintf(stderr, "calltop-relay: %s\n",
                clean(err.detail[0] ? err.detail : ct_strerror(err.code)));
        return 1;
    }
    printf("listening on %s://%s%s%s:%d\n", cert ? "https" : "http", strchr(host, ':') ? "[" : "",
           host, strchr(host, ':') ? "]" : "", ct_relay_port(r));
    fflush(stdout);

    /* SIGHUP: logrotate moved the event log; anything else stops us. */
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) ct_relay_reopen_event_log(r);
    ct_relay_stop(r);
    return 0;
}
