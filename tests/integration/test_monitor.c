/* test_monitor.c — calltop's monitor thread against a real calltop-relay,
 * over loopback, with a small TCP proxy in between that can blackhole the
 * link (a dead peer), cut it (a dropped connection) or swallow one event
 * frame (a gap). Webhooks are POSTed by hand (duplicated and out of order on
 * purpose); the inbox is drained into a ct_store exactly as the UI does,
 * and at the end that store must equal a "truth" store fed the same
 * webhooks directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "calltop/inbox.h"
#include "calltop/monitor.h"
#include "calltop/relay.h"
#include "calltop/store.h"

#define SECRET "wh-secret-123"
#define TOKEN  "relay-token-456"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a TCP proxy with faults ------------------------------------------------- */

enum {
    PX_FORWARD = 0,
    PX_BLACKHOLE,
    PX_CUT,
    PX_DROP_EVENT,
    PX_MUTE /* the upgrade passes, then no frame reaches the client */
};

typedef struct pair {
    int cfd, sfd;       /* client side, server side; -1 = closed */
    bool upgraded;      /* the server's HTTP answer has passed */
    char sbuf[1 << 17]; /* server -> client bytes not yet forwarded */
    size_t slen;
} pair;

typedef struct proxy {
    int lfd, port, target;
    pthread_t th;
    atomic_int mode;
    atomic_bool stop;
    atomic_int dropped, accepted;
    pair pairs[8];
} proxy;

static void pair_close(pair *p)
{
    if (p->cfd >= 0) close(p->cfd);
    if (p->sfd >= 0) close(p->sfd);
    p->cfd = p->sfd = -1;
    p->slen = 0;
    p->upgraded = false;
}

static bool write_all(int fd, const char *b, size_t n)
{
    while (n) {
        ssize_t w = write(fd, b, n);
        if (w <= 0) return false;
        b += w;
        n -= (size_t)w;
    }
    return true;
}

/* Forwards whole WebSocket frames server -> client, swallowing one event
 * frame when asked. Before the upgrade, bytes pass as they are. */
static bool pump_server(proxy *px, pair *p)
{
    if (!p->upgraded) {
        char *end = memmem(p->sbuf, p->slen, "\r\n\r\n", 4);
        if (!end) return true;
        size_t n = (size_t)(end + 4 - p->sbuf);
        if (!write_all(p->cfd, p->sbuf, n)) return false;
        memmove(p->sbuf, p->sbuf + n, p->slen - n);
        p->slen -= n;
        p->upgraded = true;
    }
    for (;;) {
        unsigned char *b = (unsigned char *)p->sbuf;
        if (p->slen < 2) return true;
        size_t len = b[1] & 0x7f, h = 2;
        if (len == 126) {
            if (p->slen < 4) return true;
            len = ((size_t)b[2] << 8) | b[3];
            h = 4;
        } else if (len == 127) {
            if (p->slen < 10) return true;
            len = 0;
            for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
            h = 10;
        }
        if (p->slen < h + len) return true;
        bool drop = (atomic_load(&px->mode) == PX_DROP_EVENT && (b[0] & 0x0f) == 1 &&
                     memmem(p->sbuf + h, len, "\"type\":\"event\"", 14)) ||
            atomic_load(&px->mode) == PX_MUTE;
        if (drop) {
            if (atomic_load(&px->mode) == PX_DROP_EVENT) atomic_store(&px->mode, PX_FORWARD);
            atomic_fetch_add(&px->dropped, 1);
        } else if (!write_all(p->cfd, p->sbuf, h + len)) {
            return false;
        }
        memmove(p->sbuf, p->sbuf + h + len, p->slen - h - len);
        p->slen -= h + len;
    }
}

static void *proxy_main(void *arg)
{
    proxy *px = arg;
    while (!atomic_load(&px->stop)) {
        if (atomic_load(&px->mode) == PX_CUT) {
            for (int i = 0; i < 8; i++) pair_close(&px->pairs[i]);
            atomic_store(&px->mode, PX_FORWARD);
        }
        struct pollfd fds[17];
        int map[17], n = 0;
        fds[n].fd = px->lfd;
        fds[n].events = POLLIN;
        map[n++] = -1;
        for (int i = 0; i < 8; i++) {
            if (px->pairs[i].cfd < 0) continue;
            fds[n].fd = px->pairs[i].cfd;
            fds[n].events = POLLIN;
            map[n++] = i;
            fds[n].fd = px->pairs[i].sfd;
            fds[n].events = POLLIN;
            map[n++] = 100 + i;
        }
        if (poll(fds, (nfds_t)n, 20) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            int c = accept(px->lfd, NULL, NULL);
            int slot = -1;
            for (int i = 0; i < 8 && slot < 0; i++)
                if (px->pairs[i].cfd < 0) slot = i;
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)px->target)};
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (c < 0 || slot < 0 || connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
                if (c >= 0) close(c);
                close(s);
            } else {
                px->pairs[slot].cfd = c;
                px->pairs[slot].sfd = s;
                px->pairs[slot].slen = 0;
                px->pairs[slot].upgraded = false;
                atomic_fetch_add(&px->accepted, 1);
            }
        }
        for (int k = 1; k < n; k++) {
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            pair *p = &px->pairs[map[k] % 100];
            if (p->cfd < 0) continue;
            bool from_server = map[k] >= 100;
            bool blackhole = atomic_load(&px->mode) == PX_BLACKHOLE;
            char tmp[16384];
            if (from_server) {
                size_t room = sizeof p->sbuf - p->slen;
                ssize_t r = read(p->sfd, blackhole ? tmp : p->sbuf + p->slen,
                                 blackhole ? sizeof tmp : room);
                if (r <= 0) {
                    pair_close(p);
                    continue;
                }
                if (!blackhole) {
                    p->slen += (size_t)r;
                    if (!pump_server(px, p)) pair_close(p);
                }
            } else {
                ssize_t r = read(p->cfd, tmp, sizeof tmp);
                if (r <= 0 || (!blackhole && !write_all(p->sfd, tmp, (size_t)r))) pair_close(p);
            }
        }
    }
    for (int i = 0; i < 8; i++) pair_close(&px->pairs[i]);
    return NULL;
}

static proxy *proxy_start(int target)
{
    proxy *px = calloc(1, sizeof *px);
    px->target = target;
    for (int i = 0; i < 8; i++) px->pairs[i].cfd = px->pairs[i].sfd = -1;
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(px->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(px->lfd, 8), 0);
    socklen_t al = sizeof a;
    getsockname(px->lfd, (struct sockaddr *)&a, &al);
    px->port = ntohs(a.sin_port);
    pthread_create(&px->th, NULL, proxy_main, px);
    return px;
}

static void proxy_stop(proxy *px)
{
    atomic_store(&px->stop, true);
    pthread_join(px->th, NULL);
    close(px->lfd);
    free(px);
}

/* ---- webhooks and the truth ------------------------------------------------------ */

typedef struct world {
    ct_relay *relay;
    int relay_port;
    ct_relay_options ropt;
    ct_inbox *inbox;
    ct_monitor *mon;
    ct_store *seen;  /* fed by draining the inbox, like the UI */
    ct_store *truth; /* fed every webhook directly */
    ct_monitor_state states[64];
    int n_states;
    char last_text[160];
    uint64_t updates, snapshots, last_seq;
} world;

static long post_raw(int port, const char *json)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    struct curl_slist *h = curl_slist_append(NULL, "X-Calltop-Secret: " SECRET);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    FILE *devnull = fopen("/dev/null", "w");
    curl_easy_setopt(c, CURLOPT_WRITEDATA, devnull);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    fclose(devnull);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

/* Posts to the relay and applies the same webhook to the truth store. */
static void post(world *w, const char *json)
{
    assert_int_equal(post_raw(w->relay_port, json), 200);
    ct_webhook wh;
    ct_error err;
    assert_int_equal(ct_webhook_decode(json, strlen(json), &wh, &err), CT_OK);
    assert_int_equal(ct_store_apply_webhook(w->truth, &wh), CT_OK);
    ct_webhook_clear(&wh);
}

static void post_status(world *w, const char *id, const char *status, const char *phone, int64_t ts)
{
    char body[512];
    snprintf(body, sizeof body,
             "{\"message\":{\"type\":\"status-update\",\"timestamp\":%lld,\"call\":{\"id\":\"%s\","
             "\"status\":\"%s\",\"phoneCallStatus\":\"%s\",\"direction\":\"inbound\"}}}",
             (long long)ts, id, status, phone);
    post(w, body);
}

/* Full history m-1..m-n (what Interactly sends on every utterance). */
static void post_history(world *w, const char *id, int n)
{
    char body[8192];
    size_t off =
        (size_t)snprintf(body, sizeof body,
                         "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":%lld,"
                         "\"call\":{\"id\":\"%s\"},\"messages\":[",
                         1764151200000LL + n * 10, id);
    for (int i = 1; i <= n; i++)
        off += (size_t)snprintf(body + off, sizeof body - off,
                                "%s{\"messageId\":\"%s-m%d\",\"role\":\"%s\",\"text\":\"line %d\","
                                "\"timestamp\":%lld}",
                                i > 1 ? "," : "", id, i, i % 2 ? "assistant" : "user", i,
                                1764151200000LL + i * 10);
    snprintf(body + off, sizeof body - off, "]}}");
    post(w, body);
}

/* A burst for one call: status, history growing with duplicates and a
 * reordered (older) history, the end. */
static void call_story(world *w, const char *id, int64_t t0, int lines)
{
    post_status(w, id, "queued", "ringing", t0);
    post_status(w, id, "ongoing", "in-progress", t0 + 100);
    for (int i = 1; i <= lines; i++) {
        post_history(w, id, i);
        if (i % 3 == 0) post_history(w, id, i);              /* duplicate delivery */
        if (i > 2 && i % 4 == 0) post_history(w, id, i - 2); /* late, shorter history */
    }
    post_status(w, id, "queued", "ringing", t0); /* late replay of an old status */
}

/* ---- the UI side: drain the inbox into a store ------------------------------------- */

static void drain(world *w, int wait_ms)
{
    struct pollfd p = {.fd = ct_inbox_fd(w->inbox), .events = POLLIN};
    poll(&p, 1, wait_ms);
    ct_event *ev = ct_inbox_drain(w->inbox);
    while (ev) {
        ct_event *next = ev->next;
        switch (ev->type) {
        case CT_EV_MONITOR_STATE:
            if (w->n_states < 64) w->states[w->n_states++] = ev->monitor_state;
            if (ev->text) snprintf(w->last_text, sizeof w->last_text, "%s", ev->text);
            break;
        case CT_EV_MONITOR_SNAPSHOT:
            for (size_t i = 0; i < ev->calls.n_calls; i++)
                assert_int_equal(ct_store_apply_call(w->seen, &ev->calls.calls[i], ev->seq), CT_OK);
            w->snapshots++;
            w->last_seq = ev->seq;
            break;
        case CT_EV_MONITOR_UPDATE:
            /* the UI applies every event in order: seqs must be consecutive */
            if (w->last_seq) assert_int_equal(ev->seq, w->last_seq + 1);
            assert_int_equal(ct_store_apply_call(w->seen, &ev->call, ev->seq), CT_OK);
            assert_true(ev->last_event_ms > 0); /* the webhook's timestamp */
            w->updates++;
            w->last_seq = ev->seq;
            break;
        default: fail_msg("unexpected event type %d", ev->type);
        }
        ct_event_free(ev);
        ev = next;
    }
}

static ct_monitor_state last_state(const world *w)
{
    return w->n_states ? w->states[w->n_states - 1] : CT_MON_OFF;
}

static bool saw_state(const world *w, ct_monitor_state s)
{
    for (int i = 0; i < w->n_states; i++)
        if (w->states[i] == s) return true;
    return false;
}

/* Waits until the monitor has reported `s` at some point (it may have
 * moved on already: STALE is followed at once by RECONNECTING). */
static void wait_saw(world *w, ct_monitor_state s, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (!saw_state(w, s) && now_ms() < end) drain(w, 20);
    if (!saw_state(w, s)) fail_msg("monitor never reported %s", ct_monitor_state_name(s));
}

static void wait_state(world *w, ct_monitor_state s, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    while (last_state(w) != s && now_ms() < end) drain(w, 20);
    if (last_state(w) != s)
        fail_msg("monitor state %s, wanted %s", ct_monitor_state_name(last_state(w)),
                 ct_monitor_state_name(s));
}

/* Drains until the monitor has applied everything the relay produced. */
static void wait_caught_up(world *w, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    ct_relay_stats rs;
    do {
        drain(w, 20);
        ct_relay_get_stats(w->relay, &rs);
    } while ((w->last_seq != rs.seq || last_state(w) != CT_MON_LIVE) && now_ms() < end);
    if (w->last_seq != rs.seq)
        fail_msg("monitor at seq %llu, relay at %llu", (unsigned long long)w->last_seq,
                 (unsigned long long)rs.seq);
}

typedef struct cmp_ctx {
    const ct_store *seen;
    size_t n;
} cmp_ctx;

static bool compare_one(const ct_call_entry *t, void *ud)
{
    cmp_ctx *c = ud;
    const ct_call_entry *s = ct_store_get(c->seen, t->call.id);
    if (!s) fail_msg("call %s missing from the monitor's store", t->call.id);
    assert_int_equal(s->call.status, t->call.status);
    assert_int_equal(s->call.phone_status, t->call.phone_status);
    if (s->call.n_messages != t->call.n_messages)
        fail_msg("call %s: %zu lines, truth has %zu", t->call.id, s->call.n_messages,
                 t->call.n_messages);
    for (size_t i = 0; i < t->call.n_messages; i++)
        assert_string_equal(s->call.messages[i].message_id, t->call.messages[i].message_id);
    c->n++;
    return true;
}

/* Every call of the truth is in the monitor's store with the same status
 * and the same transcript ids in the same order. */
static void assert_store_equals_truth(world *w)
{
    cmp_ctx c = {w->seen, 0};
    ct_store_foreach(w->truth, compare_one, &c);
    assert_true(c.n > 0);
    assert_int_equal(ct_store_count(w->seen), ct_store_count(w->truth));
}

/* ---- fixtures ---------------------------------------------------------------------- */

static void relay_up_with(world *w, int port, int heartbeat_ms);

static void relay_up(world *w, int port, int heartbeat_ms)
{
    memset(&w->ropt, 0, sizeof w->ropt);
    relay_up_with(w, port, heartbeat_ms);
}

static void relay_up_with(world *w, int port, int heartbeat_ms)
{
    w->ropt.host = "127.0.0.1";
    w->ropt.port = port;
    w->ropt.webhook_secret = SECRET;
    w->ropt.client_token = TOKEN;
    w->ropt.heartbeat_ms = heartbeat_ms;
    ct_error err;
    w->relay = ct_relay_start(&w->ropt, &err);
    if (!w->relay) fail_msg("relay: %s", err.detail);
    w->relay_port = ct_relay_port(w->relay);
}

static size_t monitor_max_frame; /* 0 = the monitor's default */

static void monitor_up_path(world *w, int port, const char *path, const char *token, int hb_ms,
                            int stale_ms)
{
    char url[128];
    snprintf(url, sizeof url, "ws://127.0.0.1:%d%s", port, path);
    ct_monitor_options o = {.relay_url = url,
                            .token = token,
                            .heartbeat_interval_ms = hb_ms,
                            .stale_after_ms = stale_ms,
                            .backoff_initial_ms = 20,
                            .backoff_max_ms = 80,
                            .polling_after_failures = 3,
                            .max_frame_bytes = monitor_max_frame};
    ct_error err;
    w->mon = ct_monitor_start(&o, w->inbox, &err);
    if (!w->mon) fail_msg("monitor: %s", err.detail);
}

static void monitor_up(world *w, int port, const char *token, int hb_ms, int stale_ms)
{
    monitor_up_path(w, port, "/monitor", token, hb_ms, stale_ms);
}

static world *world_new(void)
{
    world *w = calloc(1, sizeof *w);
    w->inbox = ct_inbox_new();
    w->seen = ct_store_new(NULL);
    w->truth = ct_store_new(NULL);
    return w;
}

static void world_free(world *w)
{
    ct_monitor_stop(w->mon);
    ct_relay_stop(w->relay);
    ct_inbox_free(w->inbox);
    ct_store_free(w->seen);
    ct_store_free(w->truth);
    free(w);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_live_updates_dups_and_reorders(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    monitor_up(w, w->relay_port, TOKEN, 0, 0);
    wait_state(w, CT_MON_LIVE, 5000);
    assert_int_equal(w->states[0], CT_MON_CONNECTING);
    call_story(w, "CC-1", 1000, 6);
    call_story(w, "WC-2", 2000, 4);
    post_status(w, "CC-1", "finished", "completed", 9000);
    post_history(w, "WC-2", 5);
    wait_caught_up(w, 5000);
    assert_int_equal(w->snapshots, 1);
    /* one event per change, none for duplicates */
    ct_relay_stats rs;
    ct_relay_get_stats(w->relay, &rs);
    assert_int_equal(w->updates, rs.events);
    assert_true(rs.duplicates > 0);
    assert_store_equals_truth(w);
    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_int_equal(ms.gaps, 0);
    assert_int_equal(ms.last_seq, rs.seq);

    /* a refresh on demand: a second snapshot on the same connection, and
     * events keep flowing in order after it */
    ct_monitor_resync(w->mon);
    int64_t end = now_ms() + 3000;
    while (w->snapshots < 2 && now_ms() < end) drain(w, 20);
    assert_int_equal(w->snapshots, 2);
    post_history(w, "WC-2", 6);
    wait_caught_up(w, 5000);
    ct_monitor_get_stats(w->mon, &ms);
    assert_int_equal(ms.connects, 1);
    assert_store_equals_truth(w);
    world_free(w);
}

static void test_wrong_token_goes_polling(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    monitor_up(w, w->relay_port, "not-the-token", 0, 0);
    wait_state(w, CT_MON_POLLING, 5000);
    assert_false(saw_state(w, CT_MON_LIVE));
    assert_true(saw_state(w, CT_MON_RECONNECTING));
    assert_non_null(strstr(w->last_text, "refused the token"));
    assert_null(strstr(w->last_text, "not-the-token"));
    ct_relay_stats rs;
    ct_relay_get_stats(w->relay, &rs);
    assert_true(rs.clients_rejected >= 3);
    assert_int_equal(rs.clients_total, 0);
    /* it keeps trying behind the polling fallback */
    ct_monitor_stats a, b;
    ct_monitor_get_stats(w->mon, &a);
    int64_t end = now_ms() + 2000;
    do {
        drain(w, 20);
        ct_monitor_get_stats(w->mon, &b);
    } while (b.connects <= a.connects && now_ms() < end);
    assert_true(b.connects > a.connects);
    world_free(w);
}

/* A relay-url without /monitor (as the old `config --sample` suggested)
 * is named as a wrong URL, not as a wrong token. */
static void test_wrong_path_says_so(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    /* ws://host/ means /monitor (the sample's form); another path is a 404 */
    monitor_up_path(w, w->relay_port, "/ws", TOKEN, 0, 0);
    wait_state(w, CT_MON_POLLING, 5000);
    assert_false(saw_state(w, CT_MON_LIVE));
    assert_non_null(strstr(w->last_text, "HTTP 404"));
    assert_non_null(strstr(w->last_text, "/monitor"));
    assert_null(strstr(w->last_text, "token"));
    world_free(w);
}

static void test_stale_then_resume_from_ring(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0); /* relay pings every 10 s: only our pongs keep us fresh */
    proxy *px = proxy_start(w->relay_port);
    monitor_up(w, px->port, TOKEN, 100, 400);
    wait_state(w, CT_MON_LIVE, 5000);
    call_story(w, "A", 1000, 3);
    wait_caught_up(w, 5000);

    /* the peer goes silent; events produced meanwhile are lost in transit */
    atomic_store(&px->mode, PX_BLACKHOLE);
    call_story(w, "B", 2000, 3);
    post_history(w, "A", 4);
    wait_saw(w, CT_MON_STALE, 3000);
    /* the link comes back: whatever was half-open through it is dead */
    atomic_store(&px->mode, PX_CUT);
    wait_caught_up(w, 5000);
    assert_true(saw_state(w, CT_MON_RECONNECTING));

    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_true(ms.stale >= 1);
    assert_int_equal(ms.gaps, 0);
    assert_int_equal(ms.snapshots, 1); /* resumed from the ring, no new snapshot */
    assert_true(ms.welcomes >= 2);
    ct_relay_stats rs;
    ct_relay_get_stats(w->relay, &rs);
    assert_true(rs.replays >= 1);
    assert_store_equals_truth(w);
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

/* Issue 11: a silent relay shows STALE for as long as it is stale — from
 * two missed heartbeats until the connection is dropped at the stale limit
 * (three) — and RECONNECTING only then, not in the same millisecond. */
static void test_stale_visible_before_reconnecting(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    proxy *px = proxy_start(w->relay_port);
    monitor_up(w, px->port, TOKEN, 200, 600);
    wait_state(w, CT_MON_LIVE, 5000);
    w->n_states = 0;
    atomic_store(&px->mode, PX_BLACKHOLE);
    int64_t t0 = now_ms(), t_stale = 0, t_reconnect = 0;
    while (!t_reconnect && now_ms() < t0 + 5000) {
        drain(w, 5);
        if (!t_stale && saw_state(w, CT_MON_STALE)) t_stale = now_ms();
        if (saw_state(w, CT_MON_RECONNECTING) || saw_state(w, CT_MON_POLLING))
            t_reconnect = now_ms();
    }
    print_message("STALE after %lld ms of silence, RECONNECTING %lld ms later\n",
                  (long long)(t_stale - t0), (long long)(t_reconnect - t_stale));
    assert_true(t_stale && t_reconnect);
    if (t_reconnect - t_stale < 120)
        fail_msg("STALE shown for %lld ms only, wanted about one heartbeat (200 ms)",
                 (long long)(t_reconnect - t_stale));
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

static void test_dropped_connection_and_relay_restart(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    proxy *px = proxy_start(w->relay_port);
    monitor_up(w, px->port, TOKEN, 200, 1000);
    wait_state(w, CT_MON_LIVE, 5000);
    call_story(w, "X", 1000, 2);
    wait_caught_up(w, 5000);

    /* the connection drops: reconnect, resume, nothing lost */
    int before = atomic_load(&px->accepted);
    atomic_store(&px->mode, PX_CUT);
    post_history(w, "X", 3);
    int64_t end = now_ms() + 3000;
    while (atomic_load(&px->accepted) == before && now_ms() < end) drain(w, 20);
    wait_caught_up(w, 5000);
    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_int_equal(ms.snapshots, 1);

    /* the relay restarts on the same port (losing its state) */
    int port = w->relay_port;
    ct_relay_stop(w->relay);
    w->relay = NULL;
    end = now_ms() + 3000;
    while (last_state(w) == CT_MON_LIVE && now_ms() < end) drain(w, 20);
    assert_true(last_state(w) == CT_MON_RECONNECTING || last_state(w) == CT_MON_POLLING);
    relay_up(w, port, 0);
    call_story(w, "Y", 3000, 2);
    post_history(w, "X", 4); /* full history rebuilds X in the new relay */
    wait_caught_up(w, 5000);
    ct_monitor_get_stats(w->mon, &ms);
    assert_int_equal(ms.snapshots, 2); /* another stream: a snapshot, not a replay */
    assert_store_equals_truth(w);
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

static void test_gap_forces_snapshot(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    proxy *px = proxy_start(w->relay_port);
    monitor_up(w, px->port, TOKEN, 200, 1000);
    wait_state(w, CT_MON_LIVE, 5000);
    call_story(w, "G", 1000, 2);
    wait_caught_up(w, 5000);
    atomic_store(&px->mode, PX_DROP_EVENT);
    post_history(w, "G", 3); /* swallowed by the proxy */
    post_history(w, "G", 4); /* seq jumps: the monitor resyncs */
    post_status(w, "G", "finished", "completed", 5000);
    wait_caught_up(w, 5000);
    assert_int_equal(atomic_load(&px->dropped), 1);
    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_int_equal(ms.gaps, 1);
    assert_int_equal(ms.snapshots, 2);
    assert_store_equals_truth(w);
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

static void test_no_welcome_times_out(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    proxy *px = proxy_start(w->relay_port);
    atomic_store(&px->mode, PX_MUTE); /* handshakes succeed, welcomes never arrive */
    monitor_up(w, px->port, TOKEN, 100, 300);
    wait_state(w, CT_MON_POLLING, 5000);
    assert_false(saw_state(w, CT_MON_LIVE));
    assert_false(saw_state(w, CT_MON_STALE)); /* never live, so never stale */
    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_true(ms.connects >= 3);
    assert_int_equal(ms.welcomes, 0);
    /* the relay answers again: LIVE, with a snapshot */
    atomic_store(&px->mode, PX_FORWARD);
    wait_state(w, CT_MON_LIVE, 5000);
    call_story(w, "N", 1000, 2);
    wait_caught_up(w, 5000);
    assert_int_equal(w->snapshots, 1);
    assert_store_equals_truth(w);
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

/* A relay that accepts the connection but never answers the upgrade (one
 * frozen with SIGSTOP, or a middlebox that black-holes): lws gives up on
 * the handshake after its timeout (2 s at this stale limit) and destroys
 * the connection without CLIENT_CONNECTION_ERROR. Found by freezing a real
 * relay under a board: each such attempt must count as a failure and lead
 * to the next one (then POLLING); the monitor used to wait for it forever,
 * RECONNECTING without reconnecting, and never came back LIVE. */
static void test_unanswered_handshake_retries(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    proxy *px = proxy_start(w->relay_port);
    atomic_store(&px->mode, PX_BLACKHOLE); /* requests swallowed, nothing answered */
    monitor_up(w, px->port, TOKEN, 100, 300);
    wait_state(w, CT_MON_POLLING, 20000); /* 3 unanswered attempts, ~2-3 s each */
    ct_monitor_stats ms;
    ct_monitor_get_stats(w->mon, &ms);
    assert_true(ms.connects >= 3);
    assert_int_equal(ms.welcomes, 0);
    assert_false(saw_state(w, CT_MON_LIVE));
    assert_non_null(strstr(w->last_text, "handshake"));
    /* the relay answers again: LIVE, with a snapshot */
    atomic_store(&px->mode, PX_FORWARD);
    wait_state(w, CT_MON_LIVE, 10000);
    call_story(w, "H", 1000, 2);
    wait_caught_up(w, 5000);
    assert_store_equals_truth(w);
    ct_monitor_stop(w->mon);
    w->mon = NULL;
    proxy_stop(px);
    world_free(w);
}

/* Drains the inbox for ms; the channel must stay LIVE throughout. */
static void sit_idle(world *w, int ms)
{
    int64_t end = now_ms() + ms;
    while (now_ms() < end) drain(w, (int)(end - now_ms()));
    assert_int_equal(last_state(w), CT_MON_LIVE);
}

/* An idle channel sleeps until a real deadline. With the next heartbeat
 * beyond the window (ours every 10 s, the relay's every 60 s) the thread
 * makes no wakeup at all; with a short heartbeat, the timer runs once per
 * ping (not every 100 ms as it used to) and each ping costs a few wakeups:
 * the timer, the write, the relay's pong. */
static void test_idle_makes_no_wakeups(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 60000);
    monitor_up(w, w->relay_port, TOKEN, 0, 0);
    wait_state(w, CT_MON_LIVE, 5000);
    sit_idle(w, 300); /* the snapshot lands */
    assert_int_equal(w->snapshots, 1);
    ct_monitor_stats a, b;
    ct_monitor_get_stats(w->mon, &a);
    sit_idle(w, 2500);
    ct_monitor_get_stats(w->mon, &b);
    print_message("idle, 10 s heartbeat: %llu wakeups, %llu timer runs in 2.5 s\n",
                  (unsigned long long)(b.wakeups - a.wakeups),
                  (unsigned long long)(b.timer_fires - a.timer_fires));
    if (b.wakeups - a.wakeups > 1 || b.timer_fires != a.timer_fires)
        fail_msg("idle monitor: %llu wakeups, %llu timer runs in 2.5 s",
                 (unsigned long long)(b.wakeups - a.wakeups),
                 (unsigned long long)(b.timer_fires - a.timer_fires));
    ct_monitor_stop(w->mon);

    /* a 500 ms heartbeat: about 5 pings in 2.6 s, and only those */
    monitor_up(w, w->relay_port, TOKEN, 500, 0);
    w->n_states = 0;
    wait_state(w, CT_MON_LIVE, 5000);
    sit_idle(w, 300);
    ct_monitor_get_stats(w->mon, &a);
    sit_idle(w, 2600);
    ct_monitor_get_stats(w->mon, &b);
    uint64_t fires = b.timer_fires - a.timer_fires, wakes = b.wakeups - a.wakeups;
    print_message("500 ms heartbeat: %llu wakeups, %llu timer runs in 2.6 s\n",
                  (unsigned long long)wakes, (unsigned long long)fires);
    if (fires < 4 || fires > 6 || wakes > 4 * fires + 2)
        fail_msg("500 ms heartbeat: %llu timer runs, %llu wakeups in 2.6 s",
                 (unsigned long long)fires, (unsigned long long)wakes);
    assert_int_equal(b.stale, 0); /* the pongs keep it fresh */
    assert_int_equal(b.connects, 1);
    /* Every timer run is a ping, except that on a loaded machine one run
     * may come due for the stale check while a late pong is on its way (it
     * re-arms; the ping follows on the next run): seen under ctest -j4 in
     * the ASan build, with the run and its ping counted in one step. More
     * than one such run in 2.6 s still fails. */
    uint64_t pings = b.pings - a.pings;
    if (pings > fires || pings + 1 < fires)
        fail_msg("500 ms heartbeat: %llu pings for %llu timer runs", (unsigned long long)pings,
                 (unsigned long long)fires);
    world_free(w);
}

/* While the relay's heartbeat arrives, calltop sends no ping of its own
 * and its timer never runs: the relay's ping, answered with a pong, keeps
 * both sides fresh, so an idle channel costs one wakeup per relay ping
 * (it used to cost three: our timer, our ping's pong, the relay's ping).
 * Relay pings every 300 ms (up to ~400 with its tick), ours would be due
 * after 400 ms of silence plus half an interval; the bounds allow one
 * late relay ping on a loaded machine. */
static void test_relay_heartbeat_replaces_ours(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 300);
    monitor_up(w, w->relay_port, TOKEN, 400, 0);
    wait_state(w, CT_MON_LIVE, 5000);
    sit_idle(w, 1000); /* the relay's first pings have arrived */
    ct_monitor_stats a, b;
    ct_monitor_get_stats(w->mon, &a);
    sit_idle(w, 2600);
    ct_monitor_get_stats(w->mon, &b);
    print_message("relay heartbeat 300 ms, ours 400 ms: %llu pings, %llu timer runs, "
                  "%llu wakeups in 2.6 s\n",
                  (unsigned long long)(b.pings - a.pings),
                  (unsigned long long)(b.timer_fires - a.timer_fires),
                  (unsigned long long)(b.wakeups - a.wakeups));
    if (b.pings - a.pings > 1 || b.timer_fires - a.timer_fires > 1)
        fail_msg("%llu pings and %llu timer runs in 2.6 s: the relay's pings should suffice",
                 (unsigned long long)(b.pings - a.pings),
                 (unsigned long long)(b.timer_fires - a.timer_fires));
    assert_int_equal(b.stale, 0);
    assert_int_equal(b.connects, 1);
    world_free(w);
}

/* The stale deadline follows the frames without a timer per frame: with
 * no ping in sight (60 s heartbeats) and a 600 ms stale limit, events every
 * 150 ms keep the channel LIVE while the timer runs only at the old
 * deadlines (about one per stale period); then silence turns it STALE one
 * stale limit after the last frame. */
static void test_stale_deadline_follows_frames(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 60000);
    monitor_up(w, w->relay_port, TOKEN, 60000, 600);
    wait_state(w, CT_MON_LIVE, 5000);
    ct_monitor_stats a, b;
    ct_monitor_get_stats(w->mon, &a);
    for (int i = 1; i <= 12; i++) {
        post_history(w, "F", i);
        sit_idle(w, 150);
    }
    int64_t quiet = now_ms();
    ct_monitor_get_stats(w->mon, &b);
    print_message("12 events over 1.8 s: %llu timer runs\n",
                  (unsigned long long)(b.timer_fires - a.timer_fires));
    assert_int_equal(b.stale, 0);
    assert_int_equal(b.pings, 0);
    assert_true(b.timer_fires - a.timer_fires >= 2 && b.timer_fires - a.timer_fires <= 5);
    assert_int_equal(w->updates, 12);

    wait_saw(w, CT_MON_STALE, 3000);
    int64_t took = now_ms() - quiet;
    if (took < 400 || took > 1200)
        fail_msg("STALE %lld ms after the last frame's window, wanted ~450-600", (long long)took);
    wait_state(w, CT_MON_LIVE, 5000); /* the relay is there: back at once */
    world_free(w);
}

/* Protocol 2: a snapshot in many small parts arrives as one snapshot. */
static void test_snapshot_parts_assembled(void **state)
{
    world *w = world_new();
    memset(&w->ropt, 0, sizeof w->ropt);
    w->ropt.snapshot_part_bytes = 2048;
    relay_up_with(w, 0, 0);
    char id[16];
    for (int i = 0; i < 12; i++) {
        snprintf(id, sizeof id, "PT-%d", i);
        call_story(w, id, 1000 + i * 1000, 6);
    }
    monitor_up(w, w->relay_port, TOKEN, 0, 0);
    wait_state(w, CT_MON_LIVE, 5000);
    wait_caught_up(w, 5000);
    assert_int_equal(w->snapshots, 1);
    assert_store_equals_truth(w);
    ct_relay_stats rs;
    ct_relay_get_stats(w->relay, &rs);
    assert_int_equal(rs.snapshots, 1);
    world_free(w);
}

/* A snapshot the board cannot take (here: frames over its limit) is a
 * failure like a refused connect: backoff, then POLLING, and it keeps
 * trying behind it - not a tight reconnect loop that stays "live". */
static void test_repeated_snapshot_failure_goes_polling(void **state)
{
    world *w = world_new();
    relay_up(w, 0, 0);
    post_history(w, "BIG", 60); /* one call of ~4 KB */
    monitor_max_frame = 1024;
    monitor_up(w, w->relay_port, TOKEN, 0, 0);
    monitor_max_frame = 0;
    wait_state(w, CT_MON_POLLING, 5000);
    assert_int_equal(w->snapshots, 0);
    ct_monitor_stats a, b;
    ct_monitor_get_stats(w->mon, &a);
    assert_true(a.welcomes >= 3);
    int64_t end = now_ms() + 2000;
    do {
        drain(w, 20);
        ct_monitor_get_stats(w->mon, &b);
    } while (b.connects <= a.connects && now_ms() < end);
    assert_true(b.connects > a.connects);
    world_free(w);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_live_updates_dups_and_reorders),
        cmocka_unit_test(test_wrong_token_goes_polling),
        cmocka_unit_test(test_wrong_path_says_so),
        cmocka_unit_test(test_snapshot_parts_assembled),
        cmocka_unit_test(test_repeated_snapshot_failure_goes_polling),
        cmocka_unit_test(test_stale_then_resume_from_ring),
        cmocka_unit_test(test_stale_visible_before_reconnecting),
        cmocka_unit_test(test_dropped_connection_and_relay_restart),
        cmocka_unit_test(test_gap_forces_snapshot),
        cmocka_unit_test(test_no_welcome_times_out),
        cmocka_unit_test(test_unanswered_handshake_retries),
        cmocka_unit_test(test_idle_makes_no_wakeups),
        cmocka_unit_test(test_stale_deadline_follows_frames),
        cmocka_unit_test(test_relay_heartbeat_replaces_ours),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
