/* bench_relay.c — calltop-relay's latency, webhook intake and fan-out over
 * loopback, in-memory and on Redis (--redis, docs/scale-out.md) side by side.
 *
 * The same workload runs once per column, each on fresh relays:
 *  - in-memory: the embedded default (no --redis);
 *  - Redis: --redis against a redis-server this program starts on
 *    127.0.0.1 (free port, temp dir, --save '' --appendonly no);
 *  - Redis AOF: the same with --appendonly yes --appendfsync everysec.
 * A Redis column says SKIPPED, with the reason, when this build has no
 * hiredis or redis-server is not on PATH. Every redis-server started here is
 * stopped by its pid (SIGTERM, then SIGKILL) and its temp dir removed.
 *
 * Method (printed with the figures):
 *  - latency: one watcher (a raw WebSocket client); POST a webhook
 *    (libcurl, keep-alive) that changes one field of one call, then block
 *    until the resulting event frame arrives on the watcher's socket. Time
 *    from just before the POST to the frame fully read; p50/p99/max over N
 *    sequential webhooks (no queueing: the per-event path cost). The POST's
 *    own answer time (until the 200) is shown too: with --redis it holds the
 *    XADD round trip.
 *  - intake: S sender threads, each with its own keep-alive connection and
 *    its own call, POST as fast as their 200s come back for T seconds; the
 *    figure is 200s per second. The relay must then have produced one event
 *    per 200 (with --redis: read back from the log and applied), and the
 *    one watcher connected throughout must have received them all, unless
 *    the relay dropped it as too slow: that is reported as a finding (the
 *    relay writes one frame per client per service turn, so several
 *    webhooks per turn outrun any watcher), not as a bench failure.
 *  - fan-out: K watchers (one thread, poll()); a second thread POSTs N
 *    webhooks as fast as one keep-alive connection goes; the figure is the
 *    time from the first POST to the last of the N x K event frames read,
 *    as events/s in and frames/s out.
 * The relay runs in-process on its own thread (as in calltop --demo); the
 * clients, senders and redis-server share the machine's cores with it, so
 * the figures are a floor, not a ceiling.
 *
 * Goals (issue 17, Redis mode on loopback): webhook->frame p99 <= 5 ms and
 * >= 5,000 webhooks/s accepted; PASS/MISS is printed per column. A missed
 * goal is a figure, not a failure: the exit status is 1 only when the bench
 * could not run its workload (a webhook not answered 200, an event that
 * was never produced or never reached a watcher the relay kept, a relay
 * that did not start).
 *
 * --smoke runs tiny counts (about 5 s): the ctest bench.bench_relay_smoke
 * checks that every column works end to end. --help lists the knobs for
 * longer runs. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calltop/relay.h"
#include "calltop/lws_log.h"

#define SECRET "bench-secret"
#define TOKEN  "bench-token"

/* Issue 17's goals for the Redis mode on loopback. */
#define GOAL_P99_US      5000
#define GOAL_WEBHOOKS_PS 5000.0

#define MAX_FANOUTS 4

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- settings ---------------------------------------------------------------- */

typedef struct settings {
    bool smoke;
    int latency_n;          /* sequential webhooks for the latency figure */
    int senders;            /* concurrent senders for the intake figure */
    double intake_s;        /* how long the senders send */
    int fan_k[MAX_FANOUTS]; /* watchers per fan-out run */
    int fan_n[MAX_FANOUTS]; /* webhooks per fan-out run */
    int fan_runs;
    bool memory, redis, aof; /* which columns */
    int deadline_s;          /* per wait for frames; past it the run is INCOMPLETE */
} settings;

static settings defaults(bool smoke)
{
    if (smoke)
        return (settings){.smoke = true,
                          .latency_n = 50,
                          .senders = 2,
                          .intake_s = 0.3,
                          .fan_k = {1, 20},
                          .fan_n = {50, 20},
                          .fan_runs = 2,
                          .memory = true,
                          .redis = true,
                          .aof = true,
                          .deadline_s = 5};
    /* About 15 s per column on the 2-core machine: the whole run stays
     * under a minute. */
    return (settings){.latency_n = 2000,
                      .senders = 4,
                      .intake_s = 3.0,
                      .fan_k = {1, 100, 1000},
                      .fan_n = {5000, 1000, 200},
                      .fan_runs = 3,
                      .memory = true,
                      .redis = true,
                      .aof = true,
                      .deadline_s = 30};
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_relay [--smoke] [--latency N] [--senders S] [--seconds T]\n"
            "                   [--fanout K:N[,K:N...]] [--columns memory,redis,aof]\n"
            "  --smoke      tiny counts (~5 s): checks every column end to end\n"
            "  --latency N  sequential webhooks for webhook->frame p50/p99 (2000)\n"
            "  --senders S  concurrent webhook senders for webhooks/s (4)\n"
            "  --seconds T  how long the senders send, per column (3)\n"
            "  --fanout     K watchers x N webhooks per run (1:5000,100:1000,1000:200)\n"
            "  --columns    which relays to measure (memory,redis,aof)\n"
            "BENCH_RELAY_REDIS_SERVER names the redis-server binary (default: PATH).\n");
}

static long parse_long(const char *s, const char *opt, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || *end || v < lo || v > hi) {
        fprintf(stderr, "bench_relay: %s expects a number in %ld..%ld\n", opt, lo, hi);
        exit(2);
    }
    return v;
}

static settings parse_args(int argc, char **argv)
{
    bool smoke = false;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--smoke") == 0) smoke = true;
    settings s = defaults(smoke);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--smoke") == 0) continue;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--latency") == 0) {
            s.latency_n = (int)parse_long(v, a, 10, 10000000);
        } else if (strcmp(a, "--senders") == 0) {
            s.senders = (int)parse_long(v, a, 1, 256);
        } else if (strcmp(a, "--seconds") == 0) {
            s.intake_s = (double)parse_long(v, a, 1, 3600);
        } else if (strcmp(a, "--fanout") == 0) {
            s.fan_runs = 0;
            char *dup = v ? strdup(v) : NULL, *save = NULL;
            for (char *t = dup ? strtok_r(dup, ",", &save) : NULL; t;
                 t = strtok_r(NULL, ",", &save)) {
                int k, n;
                char tail;
                if (s.fan_runs == MAX_FANOUTS || sscanf(t, "%d:%d%c", &k, &n, &tail) != 2 ||
                    k < 1 || k > 1500 || n < 1 || n > 10000000) {
                    fprintf(stderr,
                            "bench_relay: --fanout expects up to %d K:N pairs, K in "
                            "1..1500 watchers\n",
                            MAX_FANOUTS);
                    exit(2);
                }
                s.fan_k[s.fan_runs] = k;
                s.fan_n[s.fan_runs++] = n;
            }
            free(dup);
            if (!s.fan_runs) {
                usage(stderr);
                exit(2);
            }
        } else if (strcmp(a, "--columns") == 0) {
            if (!v) {
                usage(stderr);
                exit(2);
            }
            s.memory = strstr(v, "memory") != NULL;
            s.redis = strstr(v, "redis") != NULL;
            s.aof = strstr(v, "aof") != NULL;
        } else {
            fprintf(stderr, "bench_relay: unknown option %s\n", a);
            usage(stderr);
            exit(2);
        }
        i++; /* every option but --smoke/--help takes a value */
    }
    return s;
}

/* ---- raw WebSocket clients ------------------------------------------------- */

typedef struct client {
    int fd;
    char in[65536];
    size_t len;
    long events;          /* event frames received */
    int64_t t_last_event; /* when the newest was read (mono us) */
} client;

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static void send_text(int fd, const char *text)
{
    size_t n = strlen(text);
    unsigned char f[256];
    f[0] = 0x81;
    f[1] = 0x80 | (unsigned char)n; /* short frames only */
    memset(f + 2, 0, 4);            /* zero mask: payload goes as is */
    memcpy(f + 6, text, n);
    if (write(fd, f, 6 + n) != (ssize_t)(6 + n)) exit(1);
}

/* Parses whole frames out of c->in; counts event frames. */
static void consume(client *c)
{
    for (;;) {
        unsigned char *b = (unsigned char *)c->in;
        if (c->len < 2) return;
        size_t len = b[1] & 0x7f, h = 2;
        if (len == 126) {
            if (c->len < 4) return;
            len = ((size_t)b[2] << 8) | b[3];
            h = 4;
        } else if (len == 127) {
            if (c->len < 10) return;
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
            h = 10;
        }
        if (c->len < h + len) {
            if (h + len > sizeof c->in) {
                fprintf(stderr, "bench_relay: frame too big for the bench client\n");
                exit(1);
            }
            return;
        }
        if ((b[0] & 0x0f) == 1 && len > 16 &&
            memmem(c->in + h, len < 40 ? len : 40, "\"type\":\"event\"", 14)) {
            c->events++;
            c->t_last_event = now_us();
        }
        memmove(c->in, c->in + h + len, c->len - h - len);
        c->len -= h + len;
    }
}

static bool pump(client *c)
{
    ssize_t n = read(c->fd, c->in + c->len, sizeof c->in - c->len);
    if (n <= 0) return false;
    c->len += (size_t)n;
    consume(c);
    return true;
}

static void client_open(client *c, int port)
{
    memset(c, 0, sizeof *c);
    c->fd = tcp_connect(port);
    if (c->fd < 0) {
        perror("bench_relay: connect");
        exit(1);
    }
    /* bounds the blocking handshake reads below; later reads follow poll() */
    struct timeval tv = {.tv_sec = 10};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /monitor HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " TOKEN "\r\n\r\n");
    if (write(c->fd, req, (size_t)n) != n) exit(1);
    char *end;
    while (!(end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
        ssize_t r = read(c->fd, c->in + c->len, sizeof c->in - c->len);
        if (r <= 0) {
            fprintf(stderr, "bench_relay: handshake failed\n");
            exit(1);
        }
        c->len += (size_t)r;
    }
    if (strncmp(c->in, "HTTP/1.1 101", 12) != 0) {
        fprintf(stderr, "bench_relay: handshake refused\n");
        exit(1);
    }
    size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->len - used);
    c->len -= used;
    send_text(c->fd, "{\"type\":\"hello\",\"protocol\":1}");
}

/* Reads c until it has `want` events or `deadline` (mono us) passes. */
static bool client_wait_events(client *c, long want, int64_t deadline)
{
    while (c->events < want) {
        int left_ms = (int)((deadline - now_us()) / 1000);
        if (left_ms <= 0) return false;
        struct pollfd p = {.fd = c->fd, .events = POLLIN};
        if (poll(&p, 1, left_ms < 100 ? left_ms : 100) > 0 && !pump(c)) {
            fprintf(stderr, "bench_relay: the relay closed a watcher\n");
            return false;
        }
    }
    return true;
}

/* ---- webhooks ----------------------------------------------------------------- */

typedef struct poster {
    CURL *curl;
    struct curl_slist *hdr;
    char url[128];
    char call[32];
    long seq;
    long status; /* the last answer's HTTP status */
} poster;

static size_t discard(char *d, size_t s, size_t n, void *ud)
{
    return s * n;
}

static void poster_init(poster *p, int port, const char *call)
{
    memset(p, 0, sizeof *p);
    p->curl = curl_easy_init();
    snprintf(p->url, sizeof p->url, "http://127.0.0.1:%d/webhook", port);
    snprintf(p->call, sizeof p->call, "%s", call);
    p->hdr = curl_slist_append(NULL, "X-Calltop-Secret: " SECRET);
    p->hdr = curl_slist_append(p->hdr, "Content-Type: application/json");
    curl_easy_setopt(p->curl, CURLOPT_URL, p->url);
    curl_easy_setopt(p->curl, CURLOPT_HTTPHEADER, p->hdr);
    curl_easy_setopt(p->curl, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(p->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(p->curl, CURLOPT_TIMEOUT_MS, 10000L);
}

/* One webhook that changes the poster's call (a new reason each time): one
 * event. True when answered 200. */
static bool poster_send(poster *p)
{
    char body[384];
    p->seq++;
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%ld,\"call\":{"
             "\"id\":\"%s\",\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\","
             "\"phoneCallStatusReason\":\"tick %ld\"}}}",
             1764151200000L + p->seq, p->call, p->seq);
    curl_easy_setopt(p->curl, CURLOPT_POSTFIELDS, body);
    p->status = 0;
    if (curl_easy_perform(p->curl) != CURLE_OK) return false;
    curl_easy_getinfo(p->curl, CURLINFO_RESPONSE_CODE, &p->status);
    return p->status == 200;
}

static void poster_free(poster *p)
{
    curl_slist_free_all(p->hdr);
    curl_easy_cleanup(p->curl);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* ---- redis-server, started and stopped by this program ------------------------- */

typedef struct redis_srv {
    pid_t pid;
    int port;
    char dir[64];
} redis_srv;

/* Every redis-server still running, so that exit() on a failure stops them. */
static redis_srv *live_servers[4];

static const char *redis_server_path(void)
{
    const char *env = getenv("BENCH_RELAY_REDIS_SERVER");
    if (env && *env) return access(env, X_OK) == 0 ? env : NULL;
    static char found[1024];
    const char *path = getenv("PATH");
    char *dup = strdup(path ? path : "/usr/bin:/bin"), *save = NULL;
    const char *result = NULL;
    for (char *d = strtok_r(dup, ":", &save); d && !result; d = strtok_r(NULL, ":", &save)) {
        snprintf(found, sizeof found, "%s/redis-server", d);
        if (access(found, X_OK) == 0) result = found;
    }
    free(dup);
    return result;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &l) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

/* Does a PING on port get +PONG (Redis up and not loading)? */
static bool redis_pong(int port)
{
    int fd = tcp_connect(port);
    if (fd < 0) return false;
    char buf[64] = "";
    bool ok = write(fd, "PING\r\n", 6) == 6;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (ok && poll(&p, 1, 500) > 0) {
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
    }
    close(fd);
    return strncmp(buf, "+PONG", 5) == 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* SIGTERM, up to 5 s for it to exit, then SIGKILL; removes its temp dir. */
static void redis_stop(redis_srv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        int64_t end = now_us() + 5000000;
        while (waitpid(s->pid, NULL, WNOHANG) == 0) {
            if (now_us() > end) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, NULL, 0);
                break;
            }
            nap_ms(10);
        }
        s->pid = 0;
    }
    if (s->dir[0]) nftw(s->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    s->dir[0] = '\0';
    for (size_t i = 0; i < sizeof live_servers / sizeof live_servers[0]; i++)
        if (live_servers[i] == s) live_servers[i] = NULL;
}

static void stop_leftover_servers(void)
{
    for (size_t i = 0; i < sizeof live_servers / sizeof live_servers[0]; i++)
        if (live_servers[i]) redis_stop(live_servers[i]);
}

/* Starts redis-server on 127.0.0.1 at a free port with its files in a temp
 * dir; `aof`: --appendonly yes --appendfsync everysec, else no persistence at
 * all. False with the reason in `why` (e.g. its last log line). */
static bool redis_start(redis_srv *s, const char *bin, bool aof, char *why, size_t whylen)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/ct-bench-redis-XXXXXX");
    if (!mkdtemp(s->dir)) {
        snprintf(why, whylen, "cannot create a temp dir: %s", strerror(errno));
        s->dir[0] = '\0';
        return false;
    }
    for (size_t i = 0; i < sizeof live_servers / sizeof live_servers[0]; i++)
        if (!live_servers[i]) {
            live_servers[i] = s;
            break;
        }
    char logpath[96];
    snprintf(logpath, sizeof logpath, "%s/redis.log", s->dir);
    /* A free port can be taken between the probe and redis's bind: try again. */
    for (int attempt = 0; attempt < 3; attempt++) {
        s->port = free_port();
        char port[16];
        snprintf(port, sizeof port, "%d", s->port);
        s->pid = fork();
        if (s->pid < 0) {
            snprintf(why, whylen, "fork: %s", strerror(errno));
            return false;
        }
        if (s->pid == 0) {
            /* Never outlive the bench, even when it is killed. */
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            int log = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (log >= 0) {
                dup2(log, 1);
                dup2(log, 2);
            }
            if (aof)
                execl(bin, "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s->dir,
                      "--save", "", "--appendonly", "yes", "--appendfsync", "everysec",
                      (char *)NULL);
            else
                execl(bin, "redis-server", "--port", port, "--bind", "127.0.0.1", "--dir", s->dir,
                      "--save", "", "--appendonly", "no", (char *)NULL);
            _exit(127);
        }
        int64_t end = now_us() + 5000000;
        bool exited = false;
        while (now_us() < end) {
            if (redis_pong(s->port)) return true;
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                exited = true;
                break;
            }
            nap_ms(20);
        }
        if (!exited) {
            kill(s->pid, SIGKILL);
            waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
        /* its last log line says why */
        char line[256] = "no output", buf[256];
        FILE *f = fopen(logpath, "r");
        while (f && fgets(buf, sizeof buf, f))
            if (buf[0] != '\n') snprintf(line, sizeof line, "%s", buf);
        if (f) fclose(f);
        line[strcspn(line, "\n")] = '\0';
        snprintf(why, whylen, "redis-server did not answer PING on 127.0.0.1:%d within 5 s (%s)",
                 s->port, line);
    }
    return false;
}

/* ---- relays ----------------------------------------------------------------------- */

typedef enum { COL_MEMORY, COL_REDIS, COL_AOF } column_kind;

typedef struct column {
    column_kind kind;
    const char *name;
    bool run;     /* asked for */
    bool skipped; /* could not run: why says */
    char why[256];
    bool failed; /* the workload did not complete (a webhook not 200, a lost frame) */
    redis_srv srv;
    int relays_started; /* for a fresh key prefix per relay */
    /* latency */
    int64_t p50, p99, max, answer_p50, answer_p99;
    /* intake */
    double webhooks_ps, apply_lag_ms, intake_secs, answer_ms_p99;
    long intake_ok, intake_bad, intake_watcher_events;
    bool intake_applied, intake_watcher_dropped;
    /* fan-out */
    double fan_eps[MAX_FANOUTS], fan_fps[MAX_FANOUTS];
    bool fan_complete[MAX_FANOUTS];
    unsigned long long fan_slow[MAX_FANOUTS];
} column;

static ct_relay *relay_up(column *col)
{
    /* Every client connects from 127.0.0.1: lift the per-address cap (a
     * defence against one attacking address) above the 1,000 clients. */
    ct_relay_options o = {.host = "127.0.0.1",
                          .webhook_secret = SECRET,
                          .client_token = TOKEN,
                          .heartbeat_ms = 60000,
                          .max_connections = 4096,
                          .max_connections_per_peer = 2048};
    char url[64], prefix[48];
    if (col->kind != COL_MEMORY) {
        /* A fresh stream per relay: a relay on a used prefix would first
         * replay the earlier runs' webhooks. */
        snprintf(url, sizeof url, "redis://127.0.0.1:%d", col->srv.port);
        snprintf(prefix, sizeof prefix, "bench%d", ++col->relays_started);
        o.redis_url = url;
        o.redis_prefix = prefix;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_relay *r = ct_relay_start(&o, &err);
    if (!r) {
        fprintf(stderr, "bench_relay: %s relay: %s\n", col->name, err.detail);
        exit(1);
    }
    return r;
}

/* ---- latency --------------------------------------------------------------------- */

static void bench_latency(column *col, const settings *s)
{
    int n = s->latency_n;
    ct_relay *r = relay_up(col);
    int port = ct_relay_port(r);
    client c;
    client_open(&c, port);
    poster p;
    poster_init(&p, port, "CC-bench");
    int64_t *lat = malloc((size_t)n * sizeof *lat), *ans = malloc((size_t)n * sizeof *ans);
    int warm = n < 500 ? 5 : 50;
    for (int i = -warm; i < n && !col->failed; i++) {
        long want = c.events + 1;
        int64_t t0 = now_us();
        if (!poster_send(&p)) {
            fprintf(stderr, "bench_relay: %s: webhook answered %ld\n", col->name, p.status);
            col->failed = true;
            break;
        }
        int64_t t1 = now_us();
        if (!client_wait_events(&c, want, t1 + (int64_t)s->deadline_s * 1000000)) {
            fprintf(stderr, "bench_relay: %s: no event frame within %d s of a 200\n", col->name,
                    s->deadline_s);
            col->failed = true;
            break;
        }
        if (i >= 0) {
            lat[i] = now_us() - t0;
            ans[i] = t1 - t0;
        }
    }
    if (!col->failed) {
        qsort(lat, (size_t)n, sizeof *lat, cmp_i64);
        qsort(ans, (size_t)n, sizeof *ans, cmp_i64);
        col->p50 = lat[n / 2];
        col->p99 = lat[(size_t)n * 99 / 100];
        col->max = lat[n - 1];
        col->answer_p50 = ans[n / 2];
        col->answer_p99 = ans[(size_t)n * 99 / 100];
        printf("%-10s latency  %d sequential webhooks, 1 watcher: POST -> event frame p50 %lld us, "
               "p99 %lld us, max %lld us (POST -> 200: p50 %lld us, p99 %lld us)\n",
               col->name, n, (long long)col->p50, (long long)col->p99, (long long)col->max,
               (long long)col->answer_p50, (long long)col->answer_p99);
    }
    free(lat);
    free(ans);
    poster_free(&p);
    close(c.fd);
    ct_relay_stop(r);
}

/* ---- intake: concurrent senders ---------------------------------------------------- */

typedef struct sender {
    pthread_t th;
    int port, index;
    int64_t stop_at; /* mono us */
    long ok, bad, last_bad_status;
    int64_t *answers; /* POST -> 200 times, us */
    size_t n_answers, cap;
    int64_t t_last_ok;
} sender;

static void *sender_main(void *arg)
{
    sender *sd = arg;
    poster p;
    char call[32];
    snprintf(call, sizeof call, "CC-bench-s%d", sd->index);
    poster_init(&p, sd->port, call);
    while (now_us() < sd->stop_at) {
        int64_t t0 = now_us();
        if (poster_send(&p)) {
            int64_t t1 = now_us();
            sd->ok++;
            sd->t_last_ok = t1;
            if (sd->n_answers < sd->cap) sd->answers[sd->n_answers++] = t1 - t0;
        } else {
            /* counted, not retried: a 503 is the relay refusing load */
            sd->bad++;
            sd->last_bad_status = p.status;
            if (sd->bad > 100) break; /* the run has failed; stop hammering */
        }
    }
    poster_free(&p);
    return NULL;
}

static void bench_intake(column *col, const settings *s)
{
    ct_relay *r = relay_up(col);
    int port = ct_relay_port(r);
    client c;
    client_open(&c, port);
    /* the watcher's welcome and snapshot first */
    ct_relay_stats st;
    int64_t ready_by = now_us() + (int64_t)s->deadline_s * 1000000;
    do {
        ct_relay_get_stats(r, &st);
        nap_ms(5);
    } while (st.clients < 1 && now_us() < ready_by);

    int n = s->senders;
    sender *sd = calloc((size_t)n, sizeof *sd);
    int64_t t0 = now_us(), stop_at = t0 + (int64_t)(s->intake_s * 1e6);
    for (int i = 0; i < n; i++) {
        sd[i] = (sender){.port = port, .index = i, .stop_at = stop_at};
        /* answer times kept for the p99: enough for 50,000/s, at most 2 M a sender */
        sd[i].cap = (size_t)(s->intake_s * 50000) + 1000;
        if (sd[i].cap > (1u << 21)) sd[i].cap = 1u << 21;
        sd[i].answers = malloc(sd[i].cap * sizeof *sd[i].answers);
        pthread_create(&sd[i].th, NULL, sender_main, &sd[i]);
    }
    /* The watcher reads while they send, as a board would: frames must not
     * pile up on the bench's side. */
    bool watcher_open = true;
    while (now_us() < stop_at && watcher_open) {
        struct pollfd p = {.fd = c.fd, .events = POLLIN};
        if (poll(&p, 1, 20) > 0) watcher_open = pump(&c);
    }
    long ok = 0, bad = 0, bad_status = 0;
    int64_t t_last_ok = t0;
    size_t total_answers = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(sd[i].th, NULL);
        ok += sd[i].ok;
        bad += sd[i].bad;
        if (sd[i].bad) bad_status = sd[i].last_bad_status;
        if (sd[i].t_last_ok > t_last_ok) t_last_ok = sd[i].t_last_ok;
        total_answers += sd[i].n_answers;
    }
    int64_t t_end = now_us();

    /* Every webhook answered 200 changed its call: the relay must produce
     * (with --redis: read back from the log and apply) one event for each.
     * Stats are polled every millisecond, so the time is to about 1 ms. */
    int64_t deadline = now_us() + (int64_t)s->deadline_s * 1000000;
    for (;;) {
        ct_relay_get_stats(r, &st);
        if ((long)st.events >= ok || now_us() > deadline) break;
        if (watcher_open) {
            struct pollfd p = {.fd = c.fd, .events = POLLIN};
            if (poll(&p, 1, 1) > 0) watcher_open = pump(&c);
        } else {
            nap_ms(1);
        }
    }
    int64_t t_applied = now_us();
    col->intake_applied = (long)st.events >= ok;
    /* ... and the watcher must get them all, unless the relay dropped it
     * as too slow (a relay behaviour this bench reports, not a bench
     * failure: the board would resync with a snapshot). */
    if (watcher_open) watcher_open = client_wait_events(&c, ok, deadline);
    ct_relay_get_stats(r, &st);
    col->intake_watcher_dropped = st.clients_slow > 0;
    col->intake_watcher_events = c.events;

    int64_t *all = malloc((total_answers ? total_answers : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        memcpy(all + k, sd[i].answers, sd[i].n_answers * sizeof *all);
        k += sd[i].n_answers;
        free(sd[i].answers);
    }
    qsort(all, total_answers, sizeof *all, cmp_i64);
    col->answer_ms_p99 = total_answers ? all[total_answers * 99 / 100] / 1000.0 : 0;
    free(all);
    col->intake_secs = (double)(t_end - t0) / 1e6;
    col->intake_ok = ok;
    col->intake_bad = bad;
    col->webhooks_ps = ok / col->intake_secs;
    col->apply_lag_ms = t_applied > t_last_ok ? (double)(t_applied - t_last_ok) / 1000.0 : 0;
    printf("%-10s intake   %d senders x %.1f s: %ld answered 200 -> %.0f webhooks/s "
           "(POST -> 200 p99 %.2f ms); %s applied within %.1f ms of the last 200",
           col->name, n, s->intake_s, ok, col->webhooks_ps, col->answer_ms_p99,
           col->intake_applied ? "all" : "NOT all", col->apply_lag_ms);
    if (col->intake_watcher_dropped)
        printf("; its watcher was DROPPED as too slow after %ld of %ld events", c.events, ok);
    else printf("; its watcher got %ld of %ld events", c.events, ok);
    if (bad) printf("; %ld not 200 (last: %ld)", bad, bad_status);
    printf("\n");
    if (bad || !col->intake_applied || ok == 0 || (!col->intake_watcher_dropped && c.events < ok))
        col->failed = true;
    free(sd);
    close(c.fd);
    ct_relay_stop(r);
}

/* ---- fan-out ------------------------------------------------------------------------ */

typedef struct fan_job {
    int port, n;
    atomic_bool ok; /* false once a webhook was not answered 200 */
} fan_job;

static void *post_many(void *arg)
{
    fan_job *j = arg;
    poster p;
    poster_init(&p, j->port, "CC-bench");
    for (int i = 0; i < j->n && atomic_load(&j->ok); i++)
        if (!poster_send(&p)) atomic_store(&j->ok, false);
    poster_free(&p);
    return NULL;
}

static void bench_fanout(column *col, const settings *s, int run)
{
    int k = s->fan_k[run], n = s->fan_n[run];
    ct_relay *r = relay_up(col);
    int port = ct_relay_port(r);
    client *cs = calloc((size_t)k, sizeof *cs);
    struct pollfd *pf = calloc((size_t)k, sizeof *pf);
    for (int i = 0; i < k; i++) {
        client_open(&cs[i], port);
        pf[i] = (struct pollfd){.fd = cs[i].fd, .events = POLLIN};
    }
    /* every client has had its welcome + snapshot once the relay counts them
     * all and a round of reads finds nothing more */
    ct_relay_stats st;
    int64_t ready_by = now_us() + (int64_t)s->deadline_s * 1000000;
    do {
        ct_relay_get_stats(r, &st);
        for (int i = 0; i < k; i++)
            if (poll(&pf[i], 1, 0) > 0) pump(&cs[i]);
    } while (st.clients < (size_t)k && now_us() < ready_by);
    for (int i = 0; i < k; i++) cs[i].events = 0;

    fan_job job = {.port = port, .n = n};
    atomic_init(&job.ok, true);
    pthread_t th;
    int64_t t0 = now_us();
    pthread_create(&th, NULL, post_many, &job);
    long long total = 0, want = (long long)k * n;
    int64_t deadline = t0 + (int64_t)s->deadline_s * 1000000;
    /* a poster that failed ends the wait: those frames will never come */
    while (total < want && now_us() < deadline && atomic_load(&job.ok)) {
        if (poll(pf, (nfds_t)k, 100) <= 0) continue;
        total = 0;
        for (int i = 0; i < k; i++) {
            if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
                if (!pump(&cs[i])) pf[i].fd = -1;
            total += cs[i].events;
        }
    }
    int64_t t1 = now_us();
    pthread_join(th, NULL);
    ct_relay_get_stats(r, &st);
    double secs = (double)(t1 - t0) / 1e6;
    col->fan_eps[run] = n / secs;
    col->fan_fps[run] = (double)total / secs;
    bool posted = atomic_load(&job.ok);
    col->fan_complete[run] = posted && total == want;
    col->fan_slow[run] = (unsigned long long)st.clients_slow;
    if (!col->fan_complete[run]) col->failed = true;
    printf("%-10s fan-out  %4d watcher%s x %d webhooks: %.3f s -> %8.0f events/s in, %9.0f "
           "frames/s out (slow-dropped %llu)%s%s\n",
           col->name, k, k == 1 ? " " : "s", n, secs, col->fan_eps[run], col->fan_fps[run],
           col->fan_slow[run], total < want ? " INCOMPLETE" : "",
           posted ? "" : " (a webhook was not answered 200)");
    for (int i = 0; i < k; i++) close(cs[i].fd);
    free(cs);
    free(pf);
    ct_relay_stop(r);
}

/* ---- the run ------------------------------------------------------------------------ */

/* Can this column run? Sets skipped + why when not; starts its redis-server. */
static void column_prepare(column *col)
{
    if (col->kind == COL_MEMORY) return;
        /* calltop_relay says whether it was built with hiredis (CT_HAVE_REDIS
     * is part of its usage requirements). */
#ifdef CT_HAVE_REDIS
    const bool have_hiredis = true;
#else
    const bool have_hiredis = false;
#endif
    if (!have_hiredis) {
        col->skipped = true;
        snprintf(col->why, sizeof col->why,
                 "this build has no hiredis (install libhiredis-dev and re-run cmake)");
        return;
    }
    const char *bin = redis_server_path();
    if (!bin) {
        col->skipped = true;
        snprintf(col->why, sizeof col->why, "%s",
                 getenv("BENCH_RELAY_REDIS_SERVER")
                     ? "BENCH_RELAY_REDIS_SERVER is not an executable"
                     : "redis-server is not on PATH (Debian: apt-get install redis-server)");
        return;
    }
    if (!redis_start(&col->srv, bin, col->kind == COL_AOF, col->why, sizeof col->why)) {
        col->skipped = true;
        redis_stop(&col->srv);
    }
}

static void column_run(column *col, const settings *s)
{
    column_prepare(col);
    if (col->skipped) {
        printf("%-10s SKIPPED: %s\n", col->name, col->why);
        return;
    }
    if (col->kind != COL_MEMORY)
        printf("%-10s redis-server pid %d on 127.0.0.1:%d, %s\n", col->name, (int)col->srv.pid,
               col->srv.port,
               col->kind == COL_AOF ? "--appendonly yes --appendfsync everysec"
                                    : "--save '' --appendonly no");
    fflush(stdout);
    bench_latency(col, s);
    fflush(stdout);
    if (!col->failed) bench_intake(col, s);
    fflush(stdout);
    for (int i = 0; i < s->fan_runs && !col->failed; i++) {
        bench_fanout(col, s, i);
        fflush(stdout);
    }
    if (col->kind != COL_MEMORY) redis_stop(&col->srv);
}

/* One table cell: the text, or -/SKIPPED/FAILED. */
static void text_cell(const column *col, const char *text)
{
    if (!col->run) text = "-";
    else if (col->skipped) text = "SKIPPED";
    else if (col->failed) text = "FAILED";
    printf(" %16s", text);
}

static void cell(const column *col, const char *fmt, double v)
{
    char b[32];
    snprintf(b, sizeof b, fmt, v);
    text_cell(col, b);
}

static void print_table(column *cols, int ncols, const settings *s)
{
    printf("\n%-34s", "bench_relay summary");
    for (int i = 0; i < ncols; i++) printf(" %16s", cols[i].name);
    printf("\n");
#define ROW(label, fmt, expr)                                        \
    do {                                                             \
        printf("%-34s", label);                                      \
        for (int i = 0; i < ncols; i++) cell(&cols[i], fmt, (expr)); \
        printf("\n");                                                \
    } while (0)
    ROW("webhook->frame p50 (ms)", "%.3f", cols[i].p50 / 1000.0);
    ROW("webhook->frame p99 (ms)", "%.3f", cols[i].p99 / 1000.0);
    ROW("webhook->frame max (ms)", "%.3f", cols[i].max / 1000.0);
    ROW("POST->200 p50 (ms)", "%.3f", cols[i].answer_p50 / 1000.0);
    char label[64];
    snprintf(label, sizeof label, "webhooks/s, %d senders", s->senders);
    ROW(label, "%.0f", cols[i].webhooks_ps);
    ROW("  POST->200 p99 under load (ms)", "%.2f", cols[i].answer_ms_p99);
    ROW("  all applied within (ms)", "%.1f", cols[i].apply_lag_ms);
    printf("%-34s", "  its 1 watcher");
    for (int i = 0; i < ncols; i++) {
        char b[32];
        snprintf(b, sizeof b, "DROPPED@%ld", cols[i].intake_watcher_events);
        text_cell(&cols[i], cols[i].intake_watcher_dropped ? b : "kept up");
    }
    printf("\n");
    for (int f = 0; f < s->fan_runs; f++) {
        snprintf(label, sizeof label, "fan-out %d watcher%s (frames/s)", s->fan_k[f],
                 s->fan_k[f] == 1 ? "" : "s");
        ROW(label, "%.0f", cols[i].fan_fps[f]);
    }
#undef ROW
    for (int i = 0; i < ncols; i++)
        if (cols[i].run && cols[i].skipped) printf("%s: SKIPPED: %s\n", cols[i].name, cols[i].why);

    /* The goals are the Redis mode's; the in-memory column shows the same
     * check for reference. */
    printf("\ngoals (issue 17, on loopback):\n");
    for (int g = 0; g < 2; g++) {
        printf("  %-32s", g == 0 ? "webhook->frame p99 <= 5 ms" : ">= 5,000 webhooks/s accepted");
        for (int i = 0; i < ncols; i++) {
            const column *c = &cols[i];
            char b[48];
            if (!c->run) snprintf(b, sizeof b, "-");
            else if (c->skipped) snprintf(b, sizeof b, "SKIPPED");
            else if (c->failed) snprintf(b, sizeof b, "FAILED");
            else if (g == 0)
                snprintf(b, sizeof b, "%s %.2f ms", c->p99 <= GOAL_P99_US ? "PASS" : "MISS",
                         c->p99 / 1000.0);
            else
                snprintf(b, sizeof b, "%s %.0f/s",
                         c->webhooks_ps >= GOAL_WEBHOOKS_PS ? "PASS" : "MISS", c->webhooks_ps);
            printf(" %16s", b);
        }
        printf("\n");
    }
    for (int i = 0; i < ncols; i++)
        if (cols[i].run && !cols[i].skipped && cols[i].intake_watcher_dropped) {
            printf("note: at these intake rates the relay dropped its one watcher as too slow "
                   "(one frame per client per service turn; docs/benchmarks.md)\n");
            break;
        }
}

int main(int argc, char **argv)
{
    settings s = parse_args(argc, argv);
    ct_lws_log_init(CT_LWS_LOG_OFF); /* once per process, as the programs do */
    /* 1,000 clients need ~2,000 descriptors in this one process (both ends). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    atexit(stop_leftover_servers);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    char load[64] = "?";
    FILE *la = fopen("/proc/loadavg", "r");
    double l1, l5, l15;
    if (la && fscanf(la, "%lf %lf %lf", &l1, &l5, &l15) == 3)
        snprintf(load, sizeof load, "%.2f %.2f %.2f", l1, l5, l15);
    if (la) fclose(la);
    printf("bench_relay%s: calltop-relay in-process on 127.0.0.1, raw WebSocket watchers, "
           "libcurl keep-alive senders; %ld cores, load average %s\n",
           s.smoke ? " --smoke" : "", sysconf(_SC_NPROCESSORS_ONLN), load);

    column cols[3] = {{.kind = COL_MEMORY, .name = "in-memory", .run = s.memory},
                      {.kind = COL_REDIS, .name = "Redis", .run = s.redis},
                      {.kind = COL_AOF, .name = "Redis+AOF", .run = s.aof}};
    int64_t t0 = now_us();
    for (int i = 0; i < 3; i++)
        if (cols[i].run) column_run(&cols[i], &s);
    print_table(cols, 3, &s);
    printf("bench_relay: %.1f s\n", (double)(now_us() - t0) / 1e6);

    curl_global_cleanup();
    for (int i = 0; i < 3; i++)
        if (cols[i].run && cols[i].failed) return 1;
    return 0;
}
