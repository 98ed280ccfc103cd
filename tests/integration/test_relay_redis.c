/* test_relay_redis.c — several calltop-relay processes on one Redis stream
 * (--redis, docs/scale-out.md), over real loopback sockets: a private
 * redis-server (temp dir, AOF on, no RDB) and relays run as child processes
 * so one can be killed with SIGKILL.
 *
 * Covers: webhooks spread over relays give identical event sequences (same
 * seq, same bytes) to watchers of different relays; a relay killed -9 ->
 * its watcher resumes on another relay with exactly the missed events
 * (replay, not snapshot); a relay started later catches up to the same seq
 * and replays the same events; Redis restarted (AOF) -> nothing lost and
 * the relays carry on; Redis down -> 503 + Retry-After (counted), then
 * recovery. Skips, saying why, without redis-server or a hiredis build. */
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calltop/protocol.h"
#include "helper_http.h"
#include "helper_procs.h"
#include "helper_ws.h"
#ifdef CT_HAVE_REDIS
#include <hiredis/hiredis.h>
#include "../../relay/ckpt.h"
#include "../../relay/rlog.h"
#endif

#define SECRET    "wh-secret-123"
#define TOKEN     "relay-token-456"
#define RELAY_BIN CT_BIN_DIR "/relay/calltop-relay"

/* Next non-ping text frame, raw (malloc'd), or fails. */
static char *ws_raw(wsc *c, int timeout_ms)
{
    for (;;) {
        char *p = NULL;
        size_t n = 0;
        int op = ws_recv(c, &p, &n, timeout_ms);
        if (op != 1) fail_msg("expected a text frame, got opcode %d", op);
        if (!strstr(p, "\"type\":\"ping\"")) return p;
        free(p);
    }
}

static ct_pmsg decode(const char *raw)
{
    ct_pmsg m;
    ct_error err;
    if (ct_pmsg_decode(raw, strlen(raw), &m, &err) != CT_OK)
        fail_msg("undecodable frame: %s", err.detail);
    return m;
}

/* hello (protocol `proto`); the welcome; when it is not a replay, the
 * snapshot's parts too. Returns the welcome. */
static ct_pmsg hello_v(wsc *c, int proto, bool has_last, uint64_t last, const char *stream)
{
    char *h = ct_proto_encode_hello_v(proto, has_last, last, stream, 0, NULL);
    ws_send(c, h);
    free(h);
    char *raw = ws_raw(c, 5000);
    ct_pmsg w = decode(raw);
    free(raw);
    assert_int_equal(w.type, CT_PM_WELCOME);
    if (!w.replay) {
        for (int parts = 0; parts < 100; parts++) {
            raw = ws_raw(c, 5000);
            ct_pmsg s = decode(raw);
            free(raw);
            assert_int_equal(s.type, CT_PM_SNAPSHOT);
            bool last_part = s.last;
            ct_pmsg_clear(&s);
            if (last_part) break;
        }
    }
    return w;
}

/* Protocol 2, as these tests were written for: no status messages. */
static ct_pmsg hello(wsc *c, bool has_last, uint64_t last, const char *stream)
{
    return hello_v(c, 2, has_last, last, stream);
}

/* ---- processes (helper_procs: redis-server, calltop-relay --redis) ---------- */

/* redis-server here always keeps an AOF (restarts must keep the log);
 * redis_remove also removes its temp dir (and any leftover child). */
static void redis_remove(hp_redis *s)
{
    hp_redis_stop(s);
    hp_teardown(NULL);
}

typedef struct relay_proc {
    pid_t pid;
    int port;
} relay_proc;

/* calltop-relay --redis on a free port; waits for its "listening on" line.
 * `password` goes in CALLTOP_REDIS_PASSWORD when not NULL; `extra` (NULL
 * or NULL-terminated) are more arguments. */
static relay_proc relay_start_ex(const hp_redis *s, const char *password, const char *const *extra)
{
    char url[64], pw[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", s->port);
    snprintf(pw, sizeof pw, "CALLTOP_REDIS_PASSWORD=%s", password ? password : "");
    const char *argv[16] = {"calltop-relay", "--listen", "127.0.0.1:0", "--redis", url,
                            "--heartbeat",   "2"};
    size_t n = 7;
    for (size_t i = 0; extra && extra[i] && n < 15; i++) argv[n++] = extra[i];
    const char *const env_set[] = {"CALLTOP_WEBHOOK_SECRET=" SECRET, "CALLTOP_RELAY_TOKEN=" TOKEN,
                                   password ? pw : "CALLTOP_REDIS_PASSWORD", NULL};
    char **env = hp_env(env_set), line[256];
    relay_proc r = {0};
    r.pid =
        hp_spawn_listening(RELAY_BIN, (char *const *)argv, env, NULL, &r.port, line, sizeof line);
    free(env);
    if (!r.pid) fail_msg("relay did not start: '%s'", line);
    return r;
}

static relay_proc relay_start_pw(const hp_redis *s, const char *password)
{
    return relay_start_ex(s, password, NULL);
}

static relay_proc relay_start(const hp_redis *s)
{
    return relay_start_ex(s, NULL, NULL);
}

#ifdef CT_HAVE_REDIS
/* A relay that checkpoints every 10 log entries. */
static relay_proc relay_start_ck(const hp_redis *s)
{
    static const char *const every10[] = {"--redis-checkpoint-every", "10", NULL};
    return relay_start_ex(s, NULL, every10);
}
#endif

static void relay_kill(relay_proc *r, int sig)
{
    hp_stop(r->pid, sig);
    r->pid = 0;
}

/* ---- webhooks ---------------------------------------------------------------- */

static long post_raw(int port, const char *json, th_response *out)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    const char *h[] = {"X-Calltop-Secret: " SECRET, "Content-Type: application/json", NULL};
    th_request("POST", url, h, json, out);
    return out->status;
}

/* The i-th webhook of a scripted day: calls c0..c4 go queued -> ringing
 * -> in-progress -> ended, interleaved; every one changes a call. */
static void webhook_text(int i, char *buf, size_t len)
{
    static const char *const st[] = {"queued", "ringing", "in-progress", "ended"};
    snprintf(buf, len,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%lld,"
             "\"call\":{\"id\":\"c%d-%d\",\"status\":\"%s\",\"direction\":\"outbound\"}}}",
             1764151200000LL + i, (i / 20), i % 5, st[(i / 5) % 4]);
}

static void post_ok(int port, int i)
{
    char body[512];
    webhook_text(i, body, sizeof body);
    th_response resp;
    long status = post_raw(port, body, &resp);
    if (status != 200)
        fail_msg("webhook %d to :%d: HTTP %ld %s", i, port, status, resp.body ? resp.body : "");
    assert_non_null(strstr(resp.body, "\"logged\""));
    th_response_free(&resp);
}

/* A /healthz number. */
static uint64_t healthz(int port, const char *field)
{
    char url[96], key[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_response resp;
    th_get(url, NULL, &resp);
    assert_int_equal(resp.status, 200);
    snprintf(key, sizeof key, "\"%s\":", field);
    const char *p = strstr(resp.body, key);
    assert_non_null(p);
    uint64_t v = strtoull(p + strlen(key), NULL, 10);
    th_response_free(&resp);
    return v;
}

/* A /healthz boolean (logLive): 1 true, 0 false; fails when absent. */
static int healthz_bool(int port, const char *field)
{
    char url[96], key[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_response resp;
    th_get(url, NULL, &resp);
    assert_int_equal(resp.status, 200);
    snprintf(key, sizeof key, "\"%s\":", field);
    const char *p = strstr(resp.body, key);
    assert_non_null(p);
    int v = strncmp(p + strlen(key), "true", 4) == 0;
    th_response_free(&resp);
    return v;
}

static void wait_live(int port, int want)
{
    int64_t end = hp_now_ms() + 8000;
    while (healthz_bool(port, "logLive") != want && hp_now_ms() < end) hp_nap(20);
    assert_int_equal(healthz_bool(port, "logLive"), want);
}

/* The next non-ping frame must be a status with this `live`, within ms. */
static void expect_status(wsc *c, bool live, int ms)
{
    char *raw = ws_raw(c, ms);
    ct_pmsg m = decode(raw);
    if (m.type != CT_PM_STATUS) fail_msg("expected a status frame, got: %.200s", raw);
    assert_int_equal(m.live, live);
    if (!live) assert_true(m.reason && *m.reason); /* a plain reason for the board */
    ct_pmsg_clear(&m);
    free(raw);
}

static void wait_seq(int port, uint64_t seq)
{
    int64_t end = hp_now_ms() + 8000;
    while (healthz(port, "seq") < seq && hp_now_ms() < end) hp_nap(20);
    assert_int_equal(healthz(port, "seq"), seq);
}

/* n events from c into out[0..n-1] (raw frames); each an event with the
 * seq after the previous. */
static void read_events(wsc *c, char **out, int n, uint64_t first_seq)
{
    for (int i = 0; i < n; i++) {
        out[i] = ws_raw(c, 5000);
        ct_pmsg e = decode(out[i]);
        assert_int_equal(e.type, CT_PM_EVENT);
        assert_int_equal(e.seq, first_seq + (uint64_t)i);
        ct_pmsg_clear(&e);
    }
}

static void free_all(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
}

/* ---- tests ----------------------------------------------------------------- */

/* Webhooks spread over three relays: watchers of all three see the same
 * events, byte for byte, with the same seqs; a watcher of a relay killed
 * with SIGKILL resumes on another with exactly the events it missed. */
static void test_identical_sequences_and_failover(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc r[3];
    for (int i = 0; i < 3; i++) r[i] = relay_start(&rs);
    wsc w[3];
    uint64_t base = 0;
    char stream[64] = "";
    for (int i = 0; i < 3; i++) {
        ws_open(&w[i], r[i].port, "/monitor", TOKEN, 0);
        assert_int_equal(w[i].status, 101);
        ct_pmsg wel = hello(&w[i], false, 0, NULL);
        if (i == 0) {
            base = wel.seq;
            snprintf(stream, sizeof stream, "%s", wel.stream);
        }
        /* One log, one stream id and one seq for every relay on it. */
        assert_string_equal(wel.stream, stream);
        assert_int_equal(wel.seq, base);
        ct_pmsg_clear(&wel);
    }
    enum { N = 30, K = 12 };
    for (int i = 0; i < N; i++) post_ok(r[i % 3].port, i);
    char *ev[3][N];
    for (int i = 0; i < 3; i++) read_events(&w[i], ev[i], N, base + 1);
    for (int k = 0; k < N; k++) {
        assert_string_equal(ev[0][k], ev[1][k]);
        assert_string_equal(ev[0][k], ev[2][k]);
    }

    /* Relay 0 dies mid-stream; its watcher saw up to base + N. */
    relay_kill(&r[0], SIGKILL);
    ws_close_fd(&w[0]);
    for (int i = N; i < N + K; i++) post_ok(r[1 + i % 2].port, i);
    char *more[2][K];
    read_events(&w[1], more[0], K, base + N + 1);
    /* Relay 1 logged the last of these; relay 2 reads them back from Redis
     * on its own schedule, so the welcome's seq is only exact once it has. */
    wait_seq(r[2].port, base + N + K);
    ws_open(&w[0], r[2].port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello(&w[0], true, base + N, stream);
    assert_true(wel.replay); /* replay, not a snapshot */
    assert_int_equal(wel.seq, base + N + K);
    ct_pmsg_clear(&wel);
    read_events(&w[0], more[1], K, base + N + 1);
    for (int k = 0; k < K; k++) assert_string_equal(more[0][k], more[1][k]);
    ws_expect_quiet(&w[0], 300); /* exactly the missed ones */

    /* A relay started now catches up from the log: same seq, same events. */
    r[0] = relay_start(&rs);
    wait_seq(r[0].port, base + N + K);
    wsc late;
    ws_open(&late, r[0].port, "/monitor", TOKEN, 0);
    wel = hello(&late, true, base + N, stream);
    assert_true(wel.replay);
    ct_pmsg_clear(&wel);
    char *again[K];
    read_events(&late, again, K, base + N + 1);
    for (int k = 0; k < K; k++) assert_string_equal(more[0][k], again[k]);
    free_all(again, K);
    ws_close_fd(&late);

    for (int i = 0; i < 3; i++) {
        free_all(ev[i], N);
        ws_close_fd(&w[i]);
        relay_kill(&r[i], SIGTERM);
    }
    free_all(more[0], K);
    free_all(more[1], K);
    redis_remove(&rs);
}

/* Redis down: webhooks get 503 with Retry-After (counted), never 200;
 * boards stay connected. Redis back (from its AOF): the relays reconnect,
 * nothing logged before is lost, new webhooks flow again in order. */
static void test_redis_down_503_and_aof_restart(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc a = relay_start(&rs), b = relay_start(&rs);
    wsc w;
    ws_open(&w, b.port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello(&w, false, 0, NULL);
    uint64_t base = wel.seq;
    char stream[64];
    snprintf(stream, sizeof stream, "%s", wel.stream);
    ct_pmsg_clear(&wel);
    for (int i = 0; i < 5; i++) post_ok(a.port, i);
    char *ev[12];
    read_events(&w, ev, 5, base + 1);

    hp_redis_stop(&rs);
    char body[512];
    webhook_text(5, body, sizeof body);
    th_response resp;
    assert_int_equal(post_raw(a.port, body, &resp), 503);
    char ra[16];
    assert_int_equal(th_header(&resp, "Retry-After", ra, sizeof ra), 1);
    assert_string_equal(ra, "1");
    th_response_free(&resp);
    assert_int_equal(post_raw(b.port, body, &resp), 503);
    th_response_free(&resp);
    assert_true(healthz(a.port, "webhooksUnlogged") >= 1);
    ws_expect_quiet(&w, 300); /* no event for what was refused */

    /* Back from its AOF, on the same port: accepted again once reconnected. */
    hp_redis_start(&rs);
    int64_t end = hp_now_ms() + 8000;
    long st = 0;
    while (hp_now_ms() < end) {
        st = post_raw(a.port, body, &resp);
        th_response_free(&resp);
        if (st == 200) break;
        assert_int_equal(st, 503);
        hp_nap(100);
    }
    assert_int_equal(st, 200);
    for (int i = 6; i < 12; i++) post_ok(i % 2 ? a.port : b.port, i);
    /* The watcher that stayed connected gets 5..11 after 0..4, no gap. */
    read_events(&w, ev + 5, 7, base + 6);
    ws_close_fd(&w);

    /* A relay started now reads the whole log back: nothing was lost. */
    relay_proc c = relay_start(&rs);
    wait_seq(c.port, base + 12);
    wsc w2;
    ws_open(&w2, c.port, "/monitor", TOKEN, 0);
    wel = hello(&w2, true, base, stream);
    assert_true(wel.replay);
    ct_pmsg_clear(&wel);
    char *again[12];
    read_events(&w2, again, 12, base + 1);
    for (int k = 0; k < 12; k++) assert_string_equal(ev[k], again[k]);
    free_all(again, 12);
    free_all(ev, 12);
    ws_close_fd(&w2);
    relay_kill(&a, SIGTERM);
    relay_kill(&b, SIGTERM);
    relay_kill(&c, SIGTERM);
    redis_remove(&rs);
}

/* Redis lost: every protocol 3 board of the relay is told once (status
 * live:false, with a reason) and keeps its connection and heartbeats; a
 * board joining meanwhile gets the status right after its snapshot;
 * webhooks get 503. Redis back (AOF): status live:true, new webhooks are
 * events with the next seqs, no gap and no snapshot. A protocol 2 board on
 * the same relay never sees a status frame. */
static void test_redis_down_boards_stale(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc a = relay_start(&rs);
    wait_live(a.port, 1); /* caught up: no status frame for the first boards */
    uint64_t changes0 = healthz(a.port, "logStatusChanges");
    wsc w3, w2, late;
    ws_open(&w3, a.port, "/monitor", TOKEN, 0);
    ws_open(&w2, a.port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello_v(&w3, 3, false, 0, NULL);
    uint64_t base = wel.seq;
    ct_pmsg_clear(&wel);
    wel = hello_v(&w2, 2, false, 0, NULL);
    ct_pmsg_clear(&wel);
    char *ev3[8], *ev2[8], *evl[4];
    for (int i = 0; i < 3; i++) post_ok(a.port, i);
    read_events(&w3, ev3, 3, base + 1);
    read_events(&w2, ev2, 3, base + 1);

    int64_t t0 = hp_now_ms();
    hp_redis_stop(&rs);
    expect_status(&w3, false, 3000);
    int64_t told_ms = hp_now_ms() - t0;
    assert_true(told_ms < 3000);
    /* Still connected, heartbeats still flowing both ways. */
    char *p = NULL;
    size_t n = 0;
    assert_int_equal(ws_recv(&w3, &p, &n, 3000), 1);
    assert_non_null(strstr(p, "\"type\":\"ping\""));
    free(p);
    ws_send(&w3, "{\"type\":\"ping\",\"t\":7}");
    for (int k = 0; k < 3; k++) { /* the pong, maybe after a ping of the relay's */
        assert_int_equal(ws_recv(&w3, &p, &n, 3000), 1);
        bool pong = strstr(p, "\"type\":\"pong\"") != NULL;
        free(p);
        if (pong) break;
        assert_true(k < 2);
    }
    char body[512];
    webhook_text(3, body, sizeof body);
    th_response resp;
    assert_int_equal(post_raw(a.port, body, &resp), 503);
    th_response_free(&resp);
    assert_int_equal(healthz_bool(a.port, "logLive"), 0);
    assert_int_equal(healthz(a.port, "logStatusChanges"), changes0 + 1); /* once, not per try */
    /* A board that joins now: welcome, snapshot, then the status. */
    ws_open(&late, a.port, "/monitor", TOKEN, 0);
    wel = hello_v(&late, 3, false, 0, NULL);
    assert_int_equal(wel.seq, base + 3);
    ct_pmsg_clear(&wel);
    expect_status(&late, false, 2000);

    /* Back from its AOF: live again, and the log carries on from where it was. */
    hp_redis_start(&rs);
    expect_status(&w3, true, 8000);
    expect_status(&late, true, 2000);
    wait_live(a.port, 1);
    for (int i = 3; i < 6; i++) post_ok(a.port, i);
    read_events(&w3, ev3 + 3, 3, base + 4);
    read_events(&late, evl, 3, base + 4);
    for (int k = 0; k < 3; k++) assert_string_equal(ev3[3 + k], evl[k]);
    /* Protocol 2: only the events, never a status. */
    read_events(&w2, ev2 + 3, 3, base + 4);
    ws_expect_quiet(&w2, 200);
    printf("status live:false reached the board %lld ms after Redis stopped\n", (long long)told_ms);
    free_all(ev3, 6);
    free_all(ev2, 6);
    free_all(evl, 3);
    ws_close_fd(&w3);
    ws_close_fd(&w2);
    ws_close_fd(&late);
    relay_kill(&a, SIGTERM);
    redis_remove(&rs);
}

/* ---- checkpoints and trimming ------------------------------------------------ */

#ifdef CT_HAVE_REDIS
/* One command on a fresh connection to the test's Redis; the reply, or fails. */
static redisReply *rcmd(const hp_redis *s, const char *fmt, ...)
{
    redisContext *c = redisConnect("127.0.0.1", s->port);
    if (!c || c->err) fail_msg("cannot reach the test's Redis");
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    assert_non_null(rep);
    return rep;
}

static long long xlen(const hp_redis *s)
{
    redisReply *r = rcmd(s, "XLEN calltop:log");
    long long n = r->integer;
    freeReplyObject(r);
    return n;
}

/* The stream id of the log's first entry still held (out, 48 bytes). */
static void first_entry(const hp_redis *s, char *out)
{
    redisReply *r = rcmd(s, "XRANGE calltop:log - + COUNT 1");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_true(r->elements == 1);
    snprintf(out, 48, "%s", r->element[0]->element[0]->str);
    freeReplyObject(r);
}

/* The oldest kept checkpoint's position (out, 48 bytes); how many are kept. */
static size_t oldest_checkpoint(const hp_redis *s, char *out)
{
    redisReply *r = rcmd(s, "ZRANGE calltop:ckpts 0 -1");
    size_t n = r->elements;
    if (n) snprintf(out, 48, "%s", r->element[0]->str);
    freeReplyObject(r);
    return n;
}

/* A /healthz string field (out, len). */
static void healthz_str(int port, const char *field, char *out, size_t len)
{
    char url[96], key[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_response resp;
    th_get(url, NULL, &resp);
    assert_int_equal(resp.status, 200);
    snprintf(key, sizeof key, "\"%s\":\"", field);
    const char *p = strstr(resp.body, key);
    assert_non_null(p);
    p += strlen(key);
    const char *q = strchr(p, '"');
    assert_non_null(q);
    snprintf(out, len, "%.*s", (int)(q - p), p);
    th_response_free(&resp);
}

/* Every part of a fresh snapshot from the relay at port, concatenated
 * (malloc'd): two relays in the same state give the same bytes. */
static char *snapshot_text(int port)
{
    wsc c;
    ws_open(&c, port, "/monitor", TOKEN, 0);
    char *h = ct_proto_encode_hello_v(2, false, 0, NULL, 0, NULL);
    ws_send(&c, h);
    free(h);
    char *raw = ws_raw(&c, 5000);
    ct_pmsg w = decode(raw);
    free(raw);
    assert_int_equal(w.type, CT_PM_WELCOME);
    assert_false(w.replay);
    ct_pmsg_clear(&w);
    size_t len = 0;
    char *all = calloc(1, 1);
    for (int parts = 0; parts < 100; parts++) {
        raw = ws_raw(&c, 5000);
        ct_pmsg sn = decode(raw);
        assert_int_equal(sn.type, CT_PM_SNAPSHOT);
        bool last = sn.last;
        ct_pmsg_clear(&sn);
        size_t n = strlen(raw);
        all = realloc(all, len + n + 1);
        memcpy(all + len, raw, n + 1);
        len += n;
        free(raw);
        if (last) break;
    }
    ws_close_fd(&c);
    return all;
}
#endif

/* A relay started after 45 webhooks loads the newest checkpoint (at entry
 * 40 with --redis-checkpoint-every 10) and applies only what follows; it
 * then has the same state and emits the same events as the relay that
 * applied everything. A board whose lastSeq is older than the checkpoint
 * gets a snapshot from it (its ring starts at the checkpoint). */
static void test_checkpoint_start(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
#ifdef CT_HAVE_REDIS
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc a = relay_start_ck(&rs);
    wsc wa;
    ws_open(&wa, a.port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello(&wa, false, 0, NULL);
    uint64_t base = wel.seq;
    char stream[64];
    snprintf(stream, sizeof stream, "%s", wel.stream);
    ct_pmsg_clear(&wel);
    enum { N = 45, M = 10 };
    for (int i = 0; i < N; i++) post_ok(a.port, i);
    char *ev[N + M];
    read_events(&wa, ev, N, base + 1);
    wait_seq(a.port, base + N);
    assert_true(healthz(a.port, "checkpointsWritten") >= 4);
    assert_int_equal(healthz_bool(a.port, "checkpointLoaded"), 0);
    char ck[48];
    assert_int_equal(oldest_checkpoint(&rs, ck), 3); /* the newest 3 kept */

    int64_t t0 = hp_now_ms();
    relay_proc b = relay_start_ck(&rs);
    wait_seq(b.port, base + N);
    int64_t join_ms = hp_now_ms() - t0;
    assert_int_equal(healthz_bool(b.port, "checkpointLoaded"), 1);
    assert_int_equal(healthz(b.port, "logIndex"), N);
    /* Only the entries after the checkpoint at 40 were applied. */
    assert_int_equal(healthz(b.port, "logEntries"), N - 40);
    char pos_a[48], pos_b[48];
    healthz_str(a.port, "logPosition", pos_a, sizeof pos_a);
    healthz_str(b.port, "logPosition", pos_b, sizeof pos_b);
    assert_string_equal(pos_a, pos_b);
    char *sa = snapshot_text(a.port), *sb = snapshot_text(b.port);
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);

    /* From here on, the same events from both. */
    wsc wb;
    ws_open(&wb, b.port, "/monitor", TOKEN, 0);
    wel = hello(&wb, true, base + N, stream);
    assert_true(wel.replay);
    ct_pmsg_clear(&wel);
    for (int i = N; i < N + M; i++) post_ok(i % 2 ? a.port : b.port, i);
    char *evb[M];
    read_events(&wa, ev + N, M, base + N + 1);
    read_events(&wb, evb, M, base + N + 1);
    for (int k = 0; k < M; k++) assert_string_equal(ev[N + k], evb[k]);
    /* Older than B's checkpoint: a snapshot (A, which saw it all, replays). */
    wsc old;
    ws_open(&old, b.port, "/monitor", TOKEN, 0);
    wel = hello(&old, true, base + 5, stream);
    assert_false(wel.replay);
    ct_pmsg_clear(&wel);
    ws_close_fd(&old);
    printf("relay joined from a checkpoint in %lld ms (%llu of %d entries applied)\n",
           (long long)join_ms, (unsigned long long)(N - 40), N);
    free_all(ev, N + M);
    free_all(evb, M);
    ws_close_fd(&wa);
    ws_close_fd(&wb);
    relay_kill(&a, SIGTERM);
    relay_kill(&b, SIGTERM);
    redis_remove(&rs);
#endif
}

/* The log is trimmed behind the oldest kept checkpoint, so its length
 * stays bounded; a relay that is alive but behind (stopped with SIGSTOP,
 * its position still published) holds the trim back until it catches up. */
static void test_trim_bounded_and_waits_for_lagging_relay(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
#ifdef CT_HAVE_REDIS
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc a = relay_start_ck(&rs), b = relay_start_ck(&rs);
    uint64_t base = healthz(a.port, "seq");
    for (int i = 0; i < 100; i++) post_ok(a.port, i);
    wait_seq(a.port, base + 100);
    wait_seq(b.port, base + 100);
    /* Kept: checkpoints at 80, 90, 100; the log from 80 on (21 entries). */
    char ck[48], first[48];
    int64_t end = hp_now_ms() + 5000;
    while (xlen(&rs) > 21 && hp_now_ms() < end) hp_nap(20);
    assert_int_equal(oldest_checkpoint(&rs, ck), 3);
    first_entry(&rs, first);
    assert_true(ct_ckpt_id_cmp(first, ck) <= 0); /* never past the oldest checkpoint */
    long long len1 = xlen(&rs);
    assert_true(len1 <= 21);
    assert_true(healthz(a.port, "logTrims") + healthz(b.port, "logTrims") >= 1);
    /* One checkpoint per boundary, written by one of the two relays. */
    assert_int_equal(healthz(a.port, "checkpointsWritten") + healthz(b.port, "checkpointsWritten"),
                     10);

    /* B stops where it is; 60 more webhooks; the log must still hold
     * everything after B's position. */
    char pos_b[48];
    healthz_str(b.port, "logPosition", pos_b, sizeof pos_b);
    kill(b.pid, SIGSTOP);
    for (int i = 100; i < 160; i++) post_ok(a.port, i);
    wait_seq(a.port, base + 160);
    first_entry(&rs, first);
    assert_true(ct_ckpt_id_cmp(first, pos_b) <= 0);
    assert_true(xlen(&rs) >= 61);
    kill(b.pid, SIGCONT);
    wait_seq(b.port, base + 160); /* caught up: nothing it needed was gone */
    wait_live(b.port, 1);
    /* ... and once it has, the next checkpoints trim again. */
    for (int i = 160; i < 180; i++) post_ok(a.port, i);
    wait_seq(b.port, base + 180);
    end = hp_now_ms() + 5000;
    while (xlen(&rs) > 21 && hp_now_ms() < end) hp_nap(20);
    assert_true(xlen(&rs) <= 21);
    printf("log length: %lld after 100 webhooks, %lld after 180 (checkpoint every 10)\n", len1,
           xlen(&rs));
    relay_kill(&a, SIGTERM);
    relay_kill(&b, SIGTERM);
    redis_remove(&rs);
#endif
}

/* A relay paused longer than its --redis-reader-ttl is no longer waited
 * for: the log is trimmed past it. When it resumes it must not apply the
 * entries after the hole as if nothing were missing: it stops, and its
 * protocol 3 boards are told (status live:false) instead of getting wrong
 * data. */
static void test_relay_behind_trim_goes_stale(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
#ifdef CT_HAVE_REDIS
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    static const char *const short_ttl[] = {"--redis-checkpoint-every", "10", "--redis-reader-ttl",
                                            "1", NULL};
    relay_proc a = relay_start_ck(&rs), b = relay_start_ex(&rs, NULL, short_ttl);
    wait_live(b.port, 1);
    wsc w;
    ws_open(&w, b.port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello_v(&w, 3, false, 0, NULL);
    uint64_t base = wel.seq;
    ct_pmsg_clear(&wel);
    for (int i = 0; i < 5; i++) post_ok(a.port, i);
    char *ev[5];
    read_events(&w, ev, 5, base + 1);
    free_all(ev, 5);
    kill(b.pid, SIGSTOP);
    hp_nap(1500); /* past B's TTL */
    for (int i = 5; i < 45; i++) post_ok(a.port, i);
    wait_seq(a.port, base + 45);
    char first[48], pos_b[48];
    first_entry(&rs, first);
    kill(b.pid, SIGCONT);
    /* B's board: maybe a ping, then the status; never an event from
     * beyond the hole. */
    expect_status(&w, false, 5000);
    assert_int_equal(healthz_bool(b.port, "logLive"), 0);
    healthz_str(b.port, "logPosition", pos_b, sizeof pos_b);
    assert_true(ct_ckpt_id_cmp(pos_b, first) < 0); /* it really was behind the trim */
    assert_int_equal(healthz(b.port, "seq"), base + 5);
    ws_expect_quiet(&w, 300);
    /* A restart recovers it from a checkpoint. */
    ws_close_fd(&w);
    relay_kill(&b, SIGKILL);
    b = relay_start_ck(&rs);
    wait_seq(b.port, base + 45);
    wait_live(b.port, 1);
    relay_kill(&a, SIGTERM);
    relay_kill(&b, SIGTERM);
    redis_remove(&rs);
#endif
}

/* kill -9 of a relay and a restart lose nothing: it comes back from a
 * checkpoint plus the log, equal to the relay that kept running (same seq,
 * position, snapshot), and both emit the same events afterwards. */
static void test_kill9_restart_equal_state(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
#ifdef CT_HAVE_REDIS
    hp_redis rs = {.persist = HP_PERSIST_AOF};
    hp_redis_start(&rs);
    relay_proc a = relay_start_ck(&rs), b = relay_start_ck(&rs);
    uint64_t base = healthz(a.port, "seq");
    for (int i = 0; i < 35; i++) post_ok(i % 2 ? a.port : b.port, i);
    wait_seq(b.port, base + 35);
    relay_kill(&b, SIGKILL);
    for (int i = 35; i < 47; i++) post_ok(a.port, i);
    b = relay_start_ck(&rs);
    wait_seq(a.port, base + 47);
    wait_seq(b.port, base + 47);
    assert_int_equal(healthz_bool(b.port, "checkpointLoaded"), 1);
    assert_true(healthz(b.port, "logEntries") < 10);
    char pa[48], pb[48];
    healthz_str(a.port, "logPosition", pa, sizeof pa);
    healthz_str(b.port, "logPosition", pb, sizeof pb);
    assert_string_equal(pa, pb);
    assert_int_equal(healthz(a.port, "calls"), healthz(b.port, "calls"));
    char *sa = snapshot_text(a.port), *sb = snapshot_text(b.port);
    assert_string_equal(sa, sb);
    free(sa);
    free(sb);
    wsc wa, wb;
    ws_open(&wa, a.port, "/monitor", TOKEN, 0);
    ws_open(&wb, b.port, "/monitor", TOKEN, 0);
    ct_pmsg wel = hello(&wa, false, 0, NULL);
    ct_pmsg_clear(&wel);
    wel = hello(&wb, false, 0, NULL);
    ct_pmsg_clear(&wel);
    for (int i = 47; i < 55; i++) post_ok(i % 2 ? a.port : b.port, i);
    char *ea[8], *eb[8];
    read_events(&wa, ea, 8, base + 48);
    read_events(&wb, eb, 8, base + 48);
    for (int k = 0; k < 8; k++) assert_string_equal(ea[k], eb[k]);
    free_all(ea, 8);
    free_all(eb, 8);
    ws_close_fd(&wa);
    ws_close_fd(&wb);
    relay_kill(&a, SIGTERM);
    relay_kill(&b, SIGTERM);
    redis_remove(&rs);
#endif
}

/* Runs calltop-relay with `args` (shell words) and `env`; its exit status
 * and the first 1 KiB of its stderr+stdout. */
static int relay_run(const char *env, const char *args, char *out, size_t len)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "CALLTOP_WEBHOOK_SECRET=x CALLTOP_RELAY_TOKEN=y %s timeout 3 %s "
             "--listen 127.0.0.1:0 %s 2>&1",
             env, RELAY_BIN, args);
    FILE *p = popen(cmd, "r");
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int rc = pclose(p);
    return WEXITSTATUS(rc);
}

/* A Redis with AUTH: the password from CALLTOP_REDIS_PASSWORD or a 0600
 * --redis-password-file works; a wrong one, none, or a file others can
 * read stops the relay with a message that never shows the password. */
static void test_redis_password(void **state)
{
    (void)state;
    if (hp_skip_without_redis()) skip();
    hp_redis rs = {.persist = HP_PERSIST_AOF, .requirepass = "s3cr3t-redis-pw"};
    hp_redis_start(&rs);
    relay_proc a = relay_start_pw(&rs, "s3cr3t-redis-pw");
    post_ok(a.port, 0);
    int64_t end = hp_now_ms() + 5000;
    while (healthz(a.port, "logEntries") < 1 && hp_now_ms() < end) hp_nap(20);
    assert_int_equal(healthz(a.port, "logEntries"), 1);
    relay_kill(&a, SIGTERM);

    char args[256], out[1024], file[128];
    snprintf(args, sizeof args, "--redis redis://127.0.0.1:%d", rs.port);
    assert_int_equal(relay_run("CALLTOP_REDIS_PASSWORD=wrong-one", args, out, sizeof out), 1);
    assert_non_null(strstr(out, "refused the password"));
    assert_null(strstr(out, "wrong-one"));
    assert_int_equal(relay_run("CALLTOP_REDIS_PASSWORD=", args, out, sizeof out), 1);

    snprintf(file, sizeof file, "%s/pw", rs.dir);
    FILE *f = fopen(file, "w");
    fputs("s3cr3t-redis-pw\n", f);
    fclose(f);
    chmod(file, 0644);
    snprintf(args, sizeof args, "--redis redis://127.0.0.1:%d --redis-password-file %s", rs.port,
             file);
    assert_int_equal(relay_run("", args, out, sizeof out), 2);
    assert_null(strstr(out, "s3cr3t"));
    chmod(file, 0600);
    /* Accepted: it runs until timeout(1) stops it, after its listening line. */
    assert_int_equal(relay_run("", args, out, sizeof out), 124);
    assert_non_null(strstr(out, "listening on"));
    redis_remove(&rs);
}

/* --redis URLs: what is accepted, what is refused and why (pure). */
static void test_url_parse(void **state)
{
    (void)state;
#ifndef CT_HAVE_REDIS
    skip();
#else
    char host[64];
    int port = 0, db = -1;
    ct_error err;
    assert_int_equal(ct_rlog_parse_url("redis://10.0.0.5", host, sizeof host, &port, &db, &err),
                     CT_OK);
    assert_string_equal(host, "10.0.0.5");
    assert_int_equal(port, 6379);
    assert_int_equal(db, 0);
    assert_int_equal(
        ct_rlog_parse_url("redis://r.internal:7000/3", host, sizeof host, &port, &db, &err), CT_OK);
    assert_string_equal(host, "r.internal");
    assert_int_equal(port, 7000);
    assert_int_equal(db, 3);
    static const char *const bad[] = {
        "http://x:1",    "redis://",       "redis://:6379",    "redis://h:0",   "redis://h:70000",
        "redis://h:12x", "redis://h:1/db", "redis://u:pw@h:1", "redis://:pw@h",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_error_clear(&err);
        assert_int_equal(ct_rlog_parse_url(bad[i], host, sizeof host, &port, &db, &err),
                         CT_ECONFIG);
        assert_non_null(strstr(err.detail, "--redis"));
        assert_null(strstr(err.detail, "pw"));
    }
#endif
}

/* The password never travels in argv: a URL carrying one is refused. */
static void test_password_not_in_url(void **state)
{
    (void)state;
#ifndef CT_HAVE_REDIS
    skip();
#endif
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "CALLTOP_WEBHOOK_SECRET=x CALLTOP_RELAY_TOKEN=y %s --listen "
             "127.0.0.1:0 --redis redis://:hunter2@127.0.0.1:1 2>&1",
             RELAY_BIN);
    FILE *p = popen(cmd, "r");
    char out[512] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = 0;
    int rc = pclose(p);
    assert_int_equal(WEXITSTATUS(rc), 1);
    assert_non_null(strstr(out, "no user or password in the URL"));
    assert_null(strstr(out, "hunter2"));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_identical_sequences_and_failover, hp_teardown),
        cmocka_unit_test_teardown(test_redis_down_503_and_aof_restart, hp_teardown),
        cmocka_unit_test_teardown(test_redis_password, hp_teardown),
        cmocka_unit_test_teardown(test_redis_down_boards_stale, hp_teardown),
        cmocka_unit_test_teardown(test_checkpoint_start, hp_teardown),
        cmocka_unit_test_teardown(test_trim_bounded_and_waits_for_lagging_relay, hp_teardown),
        cmocka_unit_test_teardown(test_kill9_restart_equal_state, hp_teardown),
        cmocka_unit_test_teardown(test_relay_behind_trim_goes_stale, hp_teardown),
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_password_not_in_url),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
