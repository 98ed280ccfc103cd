/* test_monitor_sim.c — the whole live path end to end: calltop-sim (in
 * process) POSTs its webhooks — duplicated and reordered on purpose — to
 * calltop-relay; calltop's monitor thread follows the relay through a proxy
 * that drops the connection once mid-run; the test drains the inbox into a
 * ct_store like the UI. When the simulator's calls have all ended and every
 * webhook has been delivered, the store must equal the simulator's truth:
 * each call fetched with its messages from the simulator's REST API has the
 * same status and the same transcript ids. */
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
#include "calltop/sim.h"
#include "calltop/store.h"
#include "helper_http.h"

#define SECRET "sim-wh-secret"
#define TOKEN  "sim-relay-token"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pass-through TCP proxy whose connections can be cut on demand. */
typedef struct proxy {
    int lfd, port, target;
    pthread_t th;
    atomic_bool stop, cut;
    atomic_int accepted;
    int cfd[4], sfd[4];
} proxy;

static void *proxy_main(void *arg)
{
    proxy *px = arg;
    while (!atomic_load(&px->stop)) {
        if (atomic_exchange(&px->cut, false))
            for (int i = 0; i < 4; i++)
                if (px->cfd[i] >= 0) {
                    close(px->cfd[i]);
                    close(px->sfd[i]);
                    px->cfd[i] = px->sfd[i] = -1;
                }
        struct pollfd fds[9];
        int map[9], n = 0;
        fds[n].fd = px->lfd;
        fds[n].events = POLLIN;
        map[n++] = -1;
        for (int i = 0; i < 4; i++)
            if (px->cfd[i] >= 0) {
                fds[n] = (struct pollfd){.fd = px->cfd[i], .events = POLLIN};
                map[n++] = i;
                fds[n] = (struct pollfd){.fd = px->sfd[i], .events = POLLIN};
                map[n++] = 10 + i;
            }
        if (poll(fds, (nfds_t)n, 20) <= 0) continue;
        if (fds[0].revents & POLLIN) {
            int c = accept(px->lfd, NULL, NULL), slot = -1;
            for (int i = 0; i < 4 && slot < 0; i++)
                if (px->cfd[i] < 0) slot = i;
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)px->target)};
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (c < 0 || slot < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) {
                if (c >= 0) close(c);
                close(s);
            } else {
                px->cfd[slot] = c;
                px->sfd[slot] = s;
                atomic_fetch_add(&px->accepted, 1);
            }
        }
        for (int k = 1; k < n; k++) {
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            int i = map[k] % 10;
            if (px->cfd[i] < 0) continue;
            int from = map[k] >= 10 ? px->sfd[i] : px->cfd[i];
            int to = map[k] >= 10 ? px->cfd[i] : px->sfd[i];
            char buf[16384];
            ssize_t r = read(from, buf, sizeof buf);
            bool ok = r > 0;
            for (ssize_t off = 0; ok && off < r;) {
                ssize_t w = write(to, buf + off, (size_t)(r - off));
                ok = w > 0;
                off += w > 0 ? w : 0;
            }
            if (!ok) {
                close(px->cfd[i]);
                close(px->sfd[i]);
                px->cfd[i] = px->sfd[i] = -1;
            }
        }
    }
    for (int i = 0; i < 4; i++)
        if (px->cfd[i] >= 0) {
            close(px->cfd[i]);
            close(px->sfd[i]);
        }
    return NULL;
}

static proxy *proxy_start(int target)
{
    proxy *px = calloc(1, sizeof *px);
    px->target = target;
    for (int i = 0; i < 4; i++) px->cfd[i] = px->sfd[i] = -1;
    px->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(px->lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(px->lfd, 4), 0);
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

/* ---- the UI side ---------------------------------------------------------- */

typedef struct ui {
    ct_inbox *inbox;
    ct_store *store;
    uint64_t last_seq, updates, snapshots;
    ct_monitor_state state;
    bool saw_reconnect;
} ui;

static void drain(ui *u, int wait_ms)
{
    struct pollfd p = {.fd = ct_inbox_fd(u->inbox), .events = POLLIN};
    poll(&p, 1, wait_ms);
    for (ct_event *ev = ct_inbox_drain(u->inbox), *next; ev; ev = next) {
        next = ev->next;
        if (ev->type == CT_EV_MONITOR_STATE) {
            u->state = ev->monitor_state;
            u->saw_reconnect |= ev->monitor_state == CT_MON_RECONNECTING;
        } else if (ev->type == CT_EV_MONITOR_SNAPSHOT) {
            for (size_t i = 0; i < ev->calls.n_calls; i++)
                assert_int_equal(ct_store_apply_call(u->store, &ev->calls.calls[i], ev->seq),
                                 CT_OK);
            u->last_seq = ev->seq;
            u->snapshots++;
        } else if (ev->type == CT_EV_MONITOR_UPDATE) {
            if (u->last_seq) assert_int_equal(ev->seq, u->last_seq + 1);
            assert_int_equal(ct_store_apply_call(u->store, &ev->call, ev->seq), CT_OK);
            u->last_seq = ev->seq;
            u->updates++;
        }
        ct_event_free(ev);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct check {
    const char *base;
    size_t n, lines;
} check;

/* One call of the store against the simulator's own view of it. */
static bool check_one(const ct_call_entry *e, void *ud)
{
    check *ck = ud;
    char url[512];
    snprintf(url, sizeof url, "%s/calls/v1/conversations/%s", ck->base, e->call.id);
    th_response r;
    th_get(url, "demo-key", &r);
    assert_int_equal(r.status, 200);
    ct_call truth;
    ct_error err;
    if (ct_call_decode(r.body, r.body_len, &truth, &err) != CT_OK)
        fail_msg("sim answer for %s: %s", e->call.id, err.detail);
    th_response_free(&r);
    if (e->call.status != truth.status)
        fail_msg("%s: status %s, sim says %s", e->call.id, ct_status_name(e->call.status),
                 ct_status_name(truth.status));
    if (e->call.n_messages != truth.n_messages)
        fail_msg("%s: %zu transcript lines, sim has %zu", e->call.id, e->call.n_messages,
                 truth.n_messages);
    char **a = calloc(truth.n_messages + 1, sizeof *a),
         **b = calloc(truth.n_messages + 1, sizeof *b);
    for (size_t i = 0; i < truth.n_messages; i++) {
        a[i] = e->call.messages[i].message_id;
        b[i] = truth.messages[i].message_id;
    }
    qsort(a, truth.n_messages, sizeof *a, cmp_str);
    qsort(b, truth.n_messages, sizeof *b, cmp_str);
    for (size_t i = 0; i < truth.n_messages; i++) assert_string_equal(a[i], b[i]);
    free(a);
    free(b);
    ck->lines += truth.n_messages;
    ct_call_clear(&truth);
    ck->n++;
    return true;
}

static void test_sim_relay_monitor_store(void **state)
{
    ct_error err;
    ct_relay_options ro = {.host = "127.0.0.1", .webhook_secret = SECRET, .client_token = TOKEN};
    ct_relay *relay = ct_relay_start(&ro, &err);
    assert_non_null(relay);
    proxy *px = proxy_start(ct_relay_port(relay));

    ui u = {.inbox = ct_inbox_new(), .store = ct_store_new(NULL)};
    char ws[128];
    snprintf(ws, sizeof ws, "ws://127.0.0.1:%d/monitor", px->port);
    ct_monitor_options mo = {.relay_url = ws,
                             .token = TOKEN,
                             .heartbeat_interval_ms = 200,
                             .stale_after_ms = 1500,
                             .backoff_initial_ms = 20,
                             .backoff_max_ms = 100};
    ct_monitor *mon = ct_monitor_start(&mo, u.inbox, &err);
    assert_non_null(mon);
    int64_t end = now_ms() + 5000;
    while (u.state != CT_MON_LIVE && now_ms() < end) drain(&u, 20);
    assert_int_equal(u.state, CT_MON_LIVE);

    /* Eight calls under way, no arrivals: the scenario runs to its end. */
    char hook[128];
    snprintf(hook, sizeof hook, "http://127.0.0.1:%d/webhook", ct_relay_port(relay));
    ct_sim_options so;
    memset(&so, 0, sizeof so);
    so.host = "127.0.0.1";
    so.seed = 42;
    so.calls = 8;
    so.rate = 0;
    so.speed = 40;
    so.webhook_url = hook;
    so.webhook_secret = SECRET;
    so.webhook_dup_rate = 0.3;
    so.webhook_reorder_rate = 0.3;
    so.webhook_queue = 4096;
    ct_sim *sim = ct_sim_start(&so, &err);
    if (!sim) fail_msg("sim: %s", err.detail);

    /* Drop the monitor's connection once, mid-run. */
    bool cut = false;
    ct_sim_stats ss;
    ct_relay_stats rs;
    end = now_ms() + 40000;
    for (;;) {
        drain(&u, 20);
        ct_sim_get_stats(sim, &ss);
        ct_relay_get_stats(relay, &rs);
        if (!cut && rs.events >= 10) {
            atomic_store(&px->cut, true);
            cut = true;
        }
        bool delivered =
            ss.webhooks_queued == ss.webhooks_sent + ss.webhooks_failed + ss.webhooks_dropped;
        if (cut && ss.live_calls == 0 && delivered && u.last_seq == rs.seq &&
            u.state == CT_MON_LIVE)
            break;
        if (now_ms() > end)
            fail_msg("not settled: sim live=%llu queued=%llu sent=%llu; relay seq=%llu, "
                     "ui seq=%llu",
                     (unsigned long long)ss.live_calls, (unsigned long long)ss.webhooks_queued,
                     (unsigned long long)ss.webhooks_sent, (unsigned long long)rs.seq,
                     (unsigned long long)u.last_seq);
    }
    assert_int_equal(ss.webhooks_failed, 0);
    assert_int_equal(ss.webhooks_dropped, 0);
    assert_true(u.saw_reconnect);
    assert_true(rs.duplicates > 0); /* the sim really did duplicate */
    assert_int_equal(rs.webhooks_bad, 0);
    assert_int_equal(rs.webhooks_unauthorized, 0);

    /* The store equals the simulator's truth, call by call. */
    check ck = {.base = ct_sim_base_url(sim)};
    ct_store_foreach(u.store, check_one, &ck);
    assert_int_equal(ck.n, ss.calls);
    assert_true(ck.n >= 8);
    assert_true(ck.lines > 0);
    print_message("sim: %llu webhooks (%llu duplicates at the relay), %llu events, "
                  "%zu calls, %zu lines checked\n",
                  (unsigned long long)ss.webhooks_sent, (unsigned long long)rs.duplicates,
                  (unsigned long long)rs.events, ck.n, ck.lines);

    ct_monitor_stop(mon);
    ct_sim_stop(sim);
    proxy_stop(px);
    ct_relay_stop(relay);
    ct_inbox_free(u.inbox);
    ct_store_free(u.store);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_relay_monitor_store),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
