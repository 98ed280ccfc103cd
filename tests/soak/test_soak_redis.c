/* test_soak_redis.c — the live path over three relays sharing one Redis
 * stream (--redis, docs/scale-out.md), one of them killed every few seconds.
 *
 * A private redis-server (loopback, a free port, a temp dir, appendonly yes)
 * and three calltop-relay processes with --redis on free ports. Simulator
 * rounds as in test_soak (soak_common.c): each round is a fresh in-process
 * simulator whose webhooks, duplicated and reordered on purpose, go to the
 * forwarder, which spreads them round-robin over the three relays and
 * re-POSTs a webhook to the NEXT relay on a failure or 503 until one answers
 * 2xx (at-least-once: the log may hold a webhook twice, the merge absorbs
 * it). Every ~2.5 s one relay (in turn) is killed with SIGKILL and started
 * again on the same port 300 ms later; it rebuilds its state from the log.
 * A ct_monitor follows the first relay (killed like the others: it resumes
 * with its lastSeq on the restarted relay) and the test drains its inbox
 * into a ct_store through the board's own reducer (ct_reduce_apply).
 *
 * After each round, once every webhook is delivered and logged, every relay
 * has applied the whole log and the store has applied the newest event:
 *  - the three relays agree: the same /healthz seq and log entries, and the
 *    same snapshot (every call, as the JSON each sends, compared by id);
 *  - each of the round's calls, fetched from the simulator's REST API, is in
 *    the store with the same status and the same transcript ids: none
 *    lost, none twice.
 * At the end the store holds no call that no round made and the monitor
 * posted no seq gap. Skips, saying why, without redis-server or when the
 * relay was built without Redis support.
 *
 * Kills wait while a relay is still down or catching up with the log, and
 * while a finished round is being checked: there is always a relay that
 * can take webhooks, and the check sees every relay up.
 *
 * Environment:
 *   CALLTOP_SOAK_SECONDS     how long rounds keep starting (default 30; 15
 *                            under ASan); `make soak` sets 300
 *   CALLTOP_SOAK_KILL_MS     period of the kills (default 2500)
 *   CALLTOP_SOAK_RELAY_LIST  1 (default): the monitor gets all three relays
 *                            as a comma-separated relay_url and fails over
 *                            between them, as a board does; 0: the first
 *                            relay only (it resumes on it after each restart) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "calltop/inbox.h"
#include "calltop/monitor.h"
#include "calltop/protocol.h"
#include "calltop/reduce.h"
#include "calltop/sim.h"
#include "calltop/store.h"
#include "helper_http.h"
#include "helper_procs.h"
#include "soak_common.h"

#if defined(__SANITIZE_ADDRESS__)
#define CT_SOAK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CT_SOAK_ASAN 1
#endif
#endif
#ifndef CT_SOAK_ASAN
#define CT_SOAK_ASAN 0
#endif

#define TOKEN     "soak-relay-token"
#define RELAY_BIN CT_BIN_DIR "/relay/calltop-relay"

#define N_RELAYS        3
#define DOWN_MS         300   /* a killed relay is started again this much later */
#define ROUND_LIMIT_MS  60000 /* a round that never quiesces fails */
#define SETTLE_MS       800   /* quiet this long (> the sim's 500 ms reorder hold) */
#define START_LIMIT_MS  5000  /* a process must be up within this */
#define CKPT_EVERY      2000  /* --redis-checkpoint-every: several within a 30 s run */
#define CKPT_EVERY_TEXT "2000"

/* ---- processes: every child is stopped by its pid, also when a check fails ---- */

/* The run's temp dir (Redis's AOF, the relays' stderr), made by hp_temp_dir. */
static const char *temp_dir;
/* The relays' environment, built before any fork: the secrets they read
 * from it, and the test's own environment without Redis credentials. */
static char **relay_env;

/* What the relays wrote to stderr (nothing in a good run), the last 2 KiB
 * of each: shown with the test's output, before the temp dir goes. */
static void show_relay_logs(void)
{
    for (int i = 0; i < 8; i++) {
        char path[128], buf[2048];
        snprintf(path, sizeof path, "%s/relay%d.log", temp_dir, i);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0, SEEK_SET);
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        if (n) fprintf(stderr, "relay %d stderr (%ld bytes, the end):\n%s\n", i, size, buf);
    }
}

/* The teardown: what a failed assertion (a jump out of the test) left. */
static int stop_leftovers(void **state)
{
    if (temp_dir) show_relay_logs();
    temp_dir = NULL;
    free(relay_env);
    relay_env = NULL;
    return hp_teardown(state); /* children by pid, then the temp dir */
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
}

/* ---- the relays ------------------------------------------------------------------ */

typedef struct relay_proc {
    pid_t pid;
    int port;      /* kept across restarts */
    char log[128]; /* its stderr, appended to across restarts */
    th_client *http;
} relay_proc;

/* The last line of a relay's stderr (why it did not start). */
static void log_tail(const relay_proc *r, char *out, size_t len)
{
    out[0] = 0;
    FILE *f = fopen(r->log, "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        size_t n = strlen(line) < len ? strlen(line) : len - 1; /* cut, when longer */
        memcpy(out, line, n);
        out[n] = 0;
    }
    if (f) fclose(f);
    out[strcspn(out, "\n")] = 0;
}

/* One attempt at calltop-relay --redis on r->port (0: a free one, then
 * kept); true once its "listening on" line came. False, reaped, when it
 * exited first (*why: its last stderr line). */
static bool relay_spawn(relay_proc *r, const char *redis_url, char *why, size_t why_len)
{
    char listen[32];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", r->port);
    /* Finished calls are forgotten 2 s (of log time) after they were last
     * heard and 600 calls at most are held, as in test_soak; a checkpoint
     * every CKPT_EVERY entries, so restarts start from one and the log is
     * trimmed within the run. */
    /* clang-format off */
    char *const argv[] = {"calltop-relay", "--listen", listen, "--redis", (char *)redis_url,
                          "--heartbeat", "2", "--expire-finished", "2", "--max-calls", "600",
                          "--redis-checkpoint-every", CKPT_EVERY_TEXT, NULL};
    /* clang-format on */
    char line[256];
    int port = 0;
    pid_t pid = hp_spawn_listening(RELAY_BIN, argv, relay_env, r->log, &port, line, sizeof line);
    if (!pid) {
        log_tail(r, why, why_len);
        return false;
    }
    r->pid = pid;
    r->port = port;
    return true;
}

/* Started again on its port: the killed process's port may take a moment
 * to be free. */
static void relay_restart(relay_proc *r, const char *redis_url)
{
    char why[256] = "";
    int64_t end = mono_ms() + 2 * START_LIMIT_MS;
    while (mono_ms() < end) {
        if (relay_spawn(r, redis_url, why, sizeof why)) return;
        sleep_ms(50);
    }
    fail_msg("relay on port %d did not start again: %s", r->port, why);
}

/* What /healthz says; false when the relay does not answer. */
typedef struct health {
    /* log_index: entries of the log this relay's state includes (with those
     * before a checkpoint it started from); log_entries: those it applied
     * itself since it started. Catch-up and agreement compare the index. */
    uint64_t seq, calls, log_index, log_entries, events, bad, unauthorized, resyncs, clients_slow;
    bool checkpoint_loaded;
    char stream[64];
} health;

static uint64_t json_u64(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? (uint64_t)v->valuedouble : 0;
}

static bool healthz(relay_proc *r, health *h)
{
    memset(h, 0, sizeof *h);
    if (r->pid <= 0) return false;
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", r->port);
    th_response resp;
    th_client_request(r->http, "GET", url, NULL, NULL, &resp);
    cJSON *o = resp.status == 200 ? cJSON_Parse(resp.body) : NULL;
    th_response_free(&resp);
    if (!o) return false;
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "counters");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "stream");
    h->seq = json_u64(o, "seq");
    h->calls = json_u64(o, "calls");
    h->log_entries = json_u64(k, "logEntries");
    h->log_index = json_u64(o, "logIndex");
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(o, "checkpointLoaded");
    h->checkpoint_loaded = cJSON_IsTrue(cl);
    h->events = json_u64(k, "events");
    h->bad = json_u64(k, "webhooksBad");
    h->unauthorized = json_u64(k, "webhooksUnauthorized");
    h->resyncs = json_u64(k, "resyncsForced");
    h->clients_slow = json_u64(k, "clientsSlow");
    snprintf(h->stream, sizeof h->stream, "%s", cJSON_IsString(st) ? st->valuestring : "");
    cJSON_Delete(o);
    return true;
}

/* ---- a relay's snapshot, over a minimal WebSocket client --------------------------- */

typedef struct wsconn {
    int fd;
    char *in;
    size_t len, cap;
} wsconn;

/* More bytes before the deadline; false on EOF or timeout. */
static bool ws_fill(wsconn *c, int64_t deadline)
{
    if (c->len == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 1 << 16;
        c->in = realloc(c->in, c->cap);
    }
    int left = (int)(deadline - mono_ms());
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (left <= 0 || poll(&p, 1, left) <= 0) return false;
    ssize_t n = read(c->fd, c->in + c->len, c->cap - c->len);
    if (n <= 0) return false;
    c->len += (size_t)n;
    return true;
}

static void ws_send_text(wsconn *c, const char *text)
{
    size_t len = strlen(text), h = 0;
    unsigned char *out = malloc(len + 14);
    out[h++] = 0x81;
    if (len < 126) {
        out[h++] = 0x80 | (unsigned char)len;
    } else {
        out[h++] = 0x80 | 126;
        out[h++] = (unsigned char)(len >> 8);
        out[h++] = (unsigned char)len;
    }
    static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(out + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++) out[h + i] = (unsigned char)text[i] ^ mask[i % 4];
    assert_int_equal(write(c->fd, out, h + len), (ssize_t)(h + len));
    free(out);
}

/* The next whole text message (fragments joined), malloc'd; NULL on a close,
 * EOF or the deadline. Control frames other than close are skipped. */
static char *ws_next_text(wsconn *c, int64_t deadline)
{
    char *msg = NULL;
    size_t msg_len = 0;
    for (;;) {
        unsigned char *b = (unsigned char *)c->in;
        size_t h = 2, len = 0;
        bool whole = false;
        if (c->len >= 2) {
            len = b[1] & 0x7f;
            if (len == 126) {
                h = 4;
                if (c->len >= h) len = ((size_t)b[2] << 8) | b[3];
            } else if (len == 127) {
                h = 10;
                if (c->len >= h)
                    for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
            }
            whole = c->len >= h && c->len - h >= len;
        }
        if (!whole) {
            if (!ws_fill(c, deadline)) break;
            continue;
        }
        int op = b[0] & 0x0f;
        bool fin = b[0] & 0x80;
        if (op == 8) break;
        if (op == 1 || op == 0) {
            msg = realloc(msg, msg_len + len + 1);
            memcpy(msg + msg_len, c->in + h, len);
            msg_len += len;
            msg[msg_len] = 0;
        }
        memmove(c->in, c->in + h + len, c->len - h - len);
        c->len -= h + len;
        if ((op == 1 || op == 0) && fin) return msg;
    }
    free(msg);
    return NULL;
}

/* Every call of one relay's snapshot, as the relay sent it. */
typedef struct snap_call {
    char *id, *json;
} snap_call;

typedef struct snapshot {
    uint64_t seq;
    char stream[64];
    snap_call *calls;
    size_t n, cap;
} snapshot;

static int cmp_snap_call(const void *a, const void *b)
{
    return strcmp(((const snap_call *)a)->id, ((const snap_call *)b)->id);
}

static void snapshot_free(snapshot *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->calls[i].id);
        free(s->calls[i].json);
    }
    free(s->calls);
    memset(s, 0, sizeof *s);
}

/* Takes one snapshot part's calls; true on the last part. */
static bool snapshot_part(snapshot *s, const char *text, int port)
{
    cJSON *o = cJSON_Parse(text);
    if (!o) fail_msg("relay :%d sent an undecodable snapshot part", port);
    if (json_u64(o, "seq") != s->seq)
        fail_msg("relay :%d: snapshot part at seq %llu after a welcome at %llu", port,
                 (unsigned long long)json_u64(o, "seq"), (unsigned long long)s->seq);
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "calls"), *c;
    cJSON_ArrayForEach(c, calls)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "id");
        if (!cJSON_IsString(id)) fail_msg("relay :%d: a snapshot call without an id", port);
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 256;
            s->calls = realloc(s->calls, s->cap * sizeof *s->calls);
        }
        s->calls[s->n].id = strdup(id->valuestring);
        s->calls[s->n++].json = cJSON_PrintUnformatted(c);
    }
    bool last = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "last"));
    cJSON_Delete(o);
    return last;
}

/* A fresh board's view of one relay: hello without lastSeq, the welcome,
 * every snapshot part; the calls sorted by id. */
static void snapshot_of(int port, snapshot *s)
{
    memset(s, 0, sizeof *s);
    wsconn c = {.fd = tcp_connect(port)};
    if (c.fd < 0) fail_msg("relay :%d refused the snapshot connection", port);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /monitor HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer " TOKEN "\r\n\r\n",
                     port);
    assert_int_equal(write(c.fd, req, (size_t)n), n);
    int64_t deadline = mono_ms() + 5000;
    char *end = NULL;
    while (!(c.len && (end = memmem(c.in, c.len, "\r\n\r\n", 4))))
        if (!ws_fill(&c, deadline)) fail_msg("relay :%d: no WebSocket handshake", port);
    if (strncmp(c.in, "HTTP/1.1 101", 12) != 0) fail_msg("relay :%d refused /monitor", port);
    size_t used = (size_t)(end + 4 - c.in);
    memmove(c.in, c.in + used, c.len - used);
    c.len -= used;

    char *hello = ct_proto_encode_hello(false, 0, NULL, 0, NULL);
    ws_send_text(&c, hello);
    free(hello);
    bool welcomed = false, last = false;
    while (!last) {
        char *text = ws_next_text(&c, deadline);
        if (!text) fail_msg("relay :%d: the snapshot did not come whole within 5 s", port);
        ct_pmsg m;
        ct_error err;
        if (ct_pmsg_decode(text, strlen(text), &m, &err) != CT_OK)
            fail_msg("relay :%d: undecodable frame: %s", port, err.detail);
        if (m.type == CT_PM_WELCOME) {
            assert_false(m.replay);
            s->seq = m.seq;
            snprintf(s->stream, sizeof s->stream, "%s", m.stream ? m.stream : "");
            welcomed = true;
        } else if (m.type == CT_PM_SNAPSHOT) {
            if (!welcomed) fail_msg("relay :%d: a snapshot before the welcome", port);
            last = snapshot_part(s, text, port);
        } else if (m.type == CT_PM_ERROR) {
            fail_msg("relay :%d: error %s: %s", port, m.code, m.message);
        } /* ping, pong, status: not the snapshot */
        ct_pmsg_clear(&m);
        free(text);
    }
    close(c.fd);
    free(c.in);
    qsort(s->calls, s->n, sizeof *s->calls, cmp_snap_call);
}

/* Every relay at seq `seq` holds the same calls, byte for byte as each
 * encodes them. Returns the calls compared. */
static size_t relays_agree(relay_proc *relays, uint64_t seq)
{
    snapshot s[N_RELAYS];
    for (int i = 0; i < N_RELAYS; i++) {
        snapshot_of(relays[i].port, &s[i]);
        if (s[i].seq != seq)
            fail_msg("relay %d's snapshot is at seq %llu, /healthz said %llu", i,
                     (unsigned long long)s[i].seq, (unsigned long long)seq);
    }
    for (int i = 1; i < N_RELAYS; i++) {
        assert_string_equal(s[i].stream, s[0].stream);
        for (size_t k = 0; k < s[0].n || k < s[i].n; k++) {
            const snap_call *a = k < s[0].n ? &s[0].calls[k] : NULL;
            const snap_call *b = k < s[i].n ? &s[i].calls[k] : NULL;
            if (!a || !b || strcmp(a->id, b->id) != 0)
                fail_msg("at seq %llu relay 0 holds %zu calls, relay %d %zu: first difference "
                         "%s vs %s",
                         (unsigned long long)seq, s[0].n, i, s[i].n, a ? a->id : "(none)",
                         b ? b->id : "(none)");
            if (strcmp(a->json, b->json) != 0)
                fail_msg("at seq %llu call %s differs:\nrelay 0: %.400s\nrelay %d: %.400s",
                         (unsigned long long)seq, a->id, a->json, i, b->json);
        }
    }
    size_t n = s[0].n;
    for (int i = 0; i < N_RELAYS; i++) snapshot_free(&s[i]);
    return n;
}

/* ---- the UI side: the board's store, fed as ct_board_event feeds it --------------- */

typedef struct ui {
    ct_inbox *inbox;
    ct_store *store;
    ct_reducer reduce; /* the board's reducer over that store */
    uint64_t last_seq, updates, snapshots, gaps_seen;
    bool has_seq;
    ct_monitor_state state;
} ui;

static void apply_event(ui *u, ct_event *ev)
{
    ct_reduce_apply(&u->reduce, ev, wall_ms());
    ct_reducer_trim(&u->reduce); /* as the board does once the effects are drawn */
    assert_int_equal(u->reduce.store_errors, 0);
    switch (ev->type) {
    case CT_EV_MONITOR_SNAPSHOT:
        u->snapshots++;
        u->last_seq = ev->seq;
        u->has_seq = true;
        break;
    case CT_EV_MONITOR_UPDATE:
        /* The monitor promises no holes: every update follows the previous
         * event (or the snapshot) by exactly one. */
        if (u->has_seq && ev->seq != u->last_seq + 1) u->gaps_seen++;
        u->updates++;
        u->last_seq = ev->seq;
        u->has_seq = true;
        break;
    case CT_EV_MONITOR_STATE: u->state = ev->monitor_state; break;
    default: break;
    }
}

static void drain(ui *u, int wait_ms)
{
    struct pollfd p = {.fd = ct_inbox_fd(u->inbox), .events = POLLIN};
    poll(&p, 1, wait_ms);
    for (ct_event *ev = ct_inbox_drain(u->inbox), *next; ev; ev = next) {
        next = ev->next;
        apply_event(u, ev);
        ct_event_free(ev);
    }
}

/* ---- the soak ---------------------------------------------------------------------- */

static void test_soak_redis(void **state)
{
    (void)state;
    if (!hp_have_redis_server()) {
        print_message("SKIP: redis-server is not installed (apt-get install redis-server)\n");
        skip();
    }
    long secs = env_long("CALLTOP_SOAK_SECONDS", CT_SOAK_ASAN ? 15 : 30);
    long kill_ms = env_long("CALLTOP_SOAK_KILL_MS", 2500);
    const char *list_env = getenv("CALLTOP_SOAK_RELAY_LIST");
    bool relay_list = !list_env || strcmp(list_env, "0") != 0;
    const size_t store_cap = 4 * ROUND_CALLS;

    static const char *const env_set[] = {"CALLTOP_WEBHOOK_SECRET=" SOAK_SECRET,
                                          "CALLTOP_RELAY_TOKEN=" TOKEN, "CALLTOP_REDIS_PASSWORD",
                                          NULL};
    relay_env = hp_env(env_set);
    temp_dir = hp_temp_dir("/tmp/ct-soak-redis-XXXXXX");
    hp_redis redis = {.persist = HP_PERSIST_AOF};
    snprintf(redis.dir, sizeof redis.dir, "%s", temp_dir);
    hp_redis_start(&redis);
    char redis_url[64];
    snprintf(redis_url, sizeof redis_url, "redis://127.0.0.1:%d", redis.port);

    relay_proc relays[N_RELAYS];
    memset(relays, 0, sizeof relays);
    int ports[N_RELAYS];
    for (int i = 0; i < N_RELAYS; i++) {
        snprintf(relays[i].log, sizeof relays[i].log, "%s/relay%d.log", temp_dir, i);
        relays[i].http = th_client_new();
        th_client_set_timeout_ms(relays[i].http, 2000);
        char why[256];
        if (!relay_spawn(&relays[i], redis_url, why, sizeof why)) {
            if (strstr(why, "without Redis support")) {
                print_message("SKIP: calltop-relay was built without hiredis (install "
                              "libhiredis-dev): %s\n",
                              why);
                for (int k = 0; k <= i; k++) th_client_free(relays[k].http);
                skip();
            }
            fail_msg("relay %d did not start: %s", i, why);
        }
        ports[i] = relays[i].port;
    }
    forwarder *fw = fwd_start(ports, N_RELAYS);

    ct_store_limits lim = {.max_calls = store_cap};
    ui u = {.inbox = ct_inbox_new(), .store = ct_store_new(&lim)};
    assert_int_equal(ct_reducer_init(&u.reduce, u.store), 0);
    char ws[3 * 64] = "", hook[128];
    for (int i = 0; i < (relay_list ? N_RELAYS : 1); i++)
        snprintf(ws + strlen(ws), sizeof ws - strlen(ws), "%sws://127.0.0.1:%d/monitor",
                 i ? "," : "", ports[i]);
    snprintf(hook, sizeof hook, "http://127.0.0.1:%d/webhook", fw->port);
    ct_monitor_options mo = {.relay_url = ws,
                             .token = TOKEN,
                             .heartbeat_interval_ms = 1000,
                             .stale_after_ms = 5000,
                             .backoff_initial_ms = 20,
                             .backoff_max_ms = 200};
    ct_error err;
    ct_monitor *mon = ct_monitor_start(&mo, u.inbox, &err);
    if (!mon) fail_msg("monitor on %s: %s", ws, err.detail);
    int64_t until = mono_ms() + START_LIMIT_MS;
    while (u.state != CT_MON_LIVE && mono_ms() < until) drain(&u, 20);
    if (u.state != CT_MON_LIVE)
        fail_msg("the monitor on %s is %s, not LIVE, after %d ms%s", ws,
                 ct_monitor_state_name(u.state), START_LIMIT_MS,
                 relay_list ? " (following the comma-separated list of the three relays)" : "");

    idset ids = {0};
    totals tot = {0};
    uint64_t kills = 0, webhooks_sent = 0, agreements = 0, agreed_calls = 0;
    uint64_t slow_drops = 0; /* monitor clients a relay closed as too slow */
    int64_t catchup_max = 0, catchup_sum = 0;
    uint64_t catchups = 0, ckpt_starts = 0;
    int round = 1, down = -1, catching = -1, victim = 0;
    int64_t vt0 = 0, restart_at = 0, catch_t0 = 0;
    uint64_t catch_target = 0;
    ct_sim *sim = start_round(round, hook, &vt0);
    const int64_t t0 = mono_ms(), deadline = t0 + secs * 1000;
    int64_t round_t0 = t0, next_kill = t0 + kill_ms, quiet_since = 0;
    uint64_t quiet_mark = 0, quiet_entries = 0;
    health h[N_RELAYS];
    memset(h, 0, sizeof h);

    for (;;) {
        drain(&u, 20);
        int64_t now = mono_ms();

        /* One relay at a time, in turn; never while one is down or still
         * replaying the log, nor while a finished round waits for its check. */
        if (now >= next_kill && now < deadline && down < 0 && catching < 0 && !quiet_since) {
            down = victim;
            victim = (victim + 1) % N_RELAYS;
            if (healthz(&relays[down], &h[down])) slow_drops += h[down].clients_slow;
            hp_stop(relays[down].pid, SIGKILL);
            relays[down].pid = 0;
            kills++;
            restart_at = now + DOWN_MS;
            next_kill = now + kill_ms;
        }
        if (down >= 0 && now >= restart_at) {
            /* It has caught up once it applied what the others had. */
            catch_target = 0;
            for (int i = 0; i < N_RELAYS; i++)
                if (i != down && healthz(&relays[i], &h[i]) && h[i].log_index > catch_target)
                    catch_target = h[i].log_index;
            relay_restart(&relays[down], redis_url);
            catching = down;
            catch_t0 = mono_ms();
            down = -1;
        }
        if (catching >= 0 && healthz(&relays[catching], &h[catching]) &&
            h[catching].log_index >= catch_target) {
            int64_t took = mono_ms() - catch_t0;
            if (took > catchup_max) catchup_max = took;
            catchup_sum += took;
            catchups++;
            /* Past two checkpoints, a restart must start from one instead
             * of reading the whole log (one may still be being written). */
            if (h[catching].checkpoint_loaded) ckpt_starts++;
            else if (catch_target > 2 * CKPT_EVERY)
                fail_msg("relay %d restarted at log index %llu did not start from a checkpoint",
                         catching, (unsigned long long)catch_target);
            catching = -1;
        }

        /* Quiescent: the round's calls have all ended, the simulator and
         * the forwarder have nothing left to send, every relay is up and
         * has applied the same log entries up to the same seq, and the
         * store has applied that seq; and it stayed so for a while (a
         * reordered webhook is held back up to 500 ms). */
        ct_sim_stats ss;
        ct_sim_get_stats(sim, &ss);
        uint64_t received;
        bool idle = fwd_idle(fw, &received);
        bool quiet = ss.live_calls == 0 && idle &&
            ss.webhooks_queued == ss.webhooks_sent + ss.webhooks_failed + ss.webhooks_dropped &&
            down < 0 && catching < 0 && u.state == CT_MON_LIVE && u.has_seq;
        for (int i = 0; quiet && i < N_RELAYS; i++)
            quiet = healthz(&relays[i], &h[i]) && h[i].seq == u.last_seq &&
                h[i].log_index == h[0].log_index;
        if (!quiet || received != quiet_mark || h[0].log_index != quiet_entries) {
            quiet_since = 0;
            quiet_mark = received;
            quiet_entries = h[0].log_index;
        } else if (!quiet_since) {
            quiet_since = now;
        }
        if (quiet_since && now - quiet_since >= SETTLE_MS) {
            assert_int_equal(ss.webhooks_failed, 0); /* the forwarder never refuses */
            assert_int_equal(ss.webhooks_dropped, 0);
            for (int i = 0; i < N_RELAYS; i++) {
                /* Since each relay's last start: nothing refused, no seq
                 * used up by a forced resync (it would split the seqs). */
                assert_int_equal(h[i].bad, 0);
                assert_int_equal(h[i].unauthorized, 0);
                assert_int_equal(h[i].resyncs, 0);
                assert_string_equal(h[i].stream, h[0].stream);
            }
            agreed_calls += relays_agree(relays, h[0].seq);
            agreements++;
            webhooks_sent += ss.webhooks_sent;
            /* Keep events flowing: the next round starts before this one
             * is checked against the store (its calls are distinct ids). */
            ct_sim *done = sim;
            int64_t done_t0 = vt0;
            sim = NULL;
            if (now < deadline) {
                vt0 += (mono_ms() - round_t0) * ROUND_SPEED + 1000;
                sim = start_round(++round, hook, &vt0);
                round_t0 = mono_ms();
            }
            size_t n = check_round(u.store, done, done_t0, &ids, &tot);
            if (n != ROUND_CALLS)
                fail_msg("round %d: the sim listed %zu calls, expected %d", round - (sim != NULL),
                         n, ROUND_CALLS);
            ct_sim_stop(done);
            quiet_since = 0;
            if (!sim) break;
        }
        if (now - round_t0 > ROUND_LIMIT_MS)
            fail_msg("round %d never settled: sim live=%llu queued=%llu sent=%llu; forwarder "
                     "idle=%d; relay down=%d catching up=%d; relay seqs %llu %llu %llu, log "
                     "index %llu %llu %llu; ui seq=%llu state=%s",
                     round, (unsigned long long)ss.live_calls,
                     (unsigned long long)ss.webhooks_queued, (unsigned long long)ss.webhooks_sent,
                     idle, down, catching, (unsigned long long)h[0].seq,
                     (unsigned long long)h[1].seq, (unsigned long long)h[2].seq,
                     (unsigned long long)h[0].log_index, (unsigned long long)h[1].log_index,
                     (unsigned long long)h[2].log_index, (unsigned long long)u.last_seq,
                     ct_monitor_state_name(u.state));
    }
    int64_t elapsed = mono_ms() - t0;
    for (int i = 0; i < N_RELAYS; i++)
        if (healthz(&relays[i], &h[i])) slow_drops += h[i].clients_slow;

    ct_monitor_stats ms;
    ct_monitor_get_stats(mon, &ms);
    pthread_mutex_lock(&fw->mu);
    uint64_t fw_retries = fw->retries, fw_rejected = fw->rejected, fw_moved = fw->moved;
    uint64_t to[N_RELAYS];
    for (int i = 0; i < N_RELAYS; i++) to[i] = fw->delivered_to[i];
    pthread_mutex_unlock(&fw->mu);

    /* No call the store holds is unknown to every round. */
    idset_sort(&ids);
    assert_int_equal(count_strays(u.store, &ids), 0);

    print_message("soak_redis: %.1f s, %d rounds, %zu calls, %zu lines checked (%zu calls "
                  "ended before their round); %llu relay kills (SIGKILL, every %ld ms), monitor "
                  "on %s\n",
                  (double)elapsed / 1000.0, round, tot.calls, tot.lines, tot.pre_ended,
                  (unsigned long long)kills, kill_ms,
                  relay_list ? "all three relays" : "the first relay");
    print_message("soak_redis: %llu webhooks sent by the sims (%.0f/s); forwarder: %llu "
                  "retries, %llu delivered to another relay than the first tried, "
                  "%llu/%llu/%llu per relay\n",
                  (unsigned long long)webhooks_sent,
                  (double)webhooks_sent * 1000.0 / (double)(elapsed ? elapsed : 1),
                  (unsigned long long)fw_retries, (unsigned long long)fw_moved,
                  (unsigned long long)to[0], (unsigned long long)to[1], (unsigned long long)to[2]);
    print_message("soak_redis: log %llu entries (checkpoint every %d), seq %llu; a restarted "
                  "relay caught up in %.0f ms on average, %lld ms at most (%llu restarts, %llu "
                  "from a checkpoint)\n",
                  (unsigned long long)h[0].log_index, CKPT_EVERY, (unsigned long long)h[0].seq,
                  catchups ? (double)catchup_sum / (double)catchups : 0.0, (long long)catchup_max,
                  (unsigned long long)catchups, (unsigned long long)ckpt_starts);
    print_message("soak_redis: %llu updates + %llu snapshots applied; monitor %llu connects, "
                  "%llu welcomes (%llu resumed by replay), %llu gaps, %llu dropped by a relay as "
                  "too slow; relays agreed %llu times (%llu calls compared); store holds %zu "
                  "calls, %zu evicted\n",
                  (unsigned long long)u.updates, (unsigned long long)u.snapshots,
                  (unsigned long long)ms.connects, (unsigned long long)ms.welcomes,
                  (unsigned long long)(ms.welcomes - ms.snapshots), (unsigned long long)ms.gaps,
                  (unsigned long long)slow_drops, (unsigned long long)agreements,
                  (unsigned long long)agreed_calls, ct_store_count(u.store),
                  ct_store_evicted(u.store));
    assert_int_equal(fw_rejected, 0);
    assert_int_equal(u.gaps_seen, 0);
    assert_true(kills >= 1 || secs * 1000 < kill_ms);
    assert_true(tot.calls >= ROUND_CALLS);

    ct_monitor_stop(mon);
    fwd_stop(fw);
    for (int i = 0; i < N_RELAYS; i++) {
        hp_stop(relays[i].pid, SIGTERM);
        th_client_free(relays[i].http);
    }
    hp_redis_stop(&redis);
    ct_inbox_free(u.inbox);
    ct_reducer_free(&u.reduce);
    ct_store_free(u.store);
    free(ids.h);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_soak_redis, stop_leftovers),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
