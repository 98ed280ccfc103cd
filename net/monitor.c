/* monitor.c — calltop's monitor thread: a libwebsockets client that follows
 * calltop-relay (docs/monitor-protocol.md) and turns its frames into inbox
 * events.
 *
 * One lws context, serviced by a thread of its own; every callback and
 * timer below runs there. The thread remembers the last seq it posted (the
 * UI applies every event in order, so that is the last applied seq) and
 * resumes from it with `hello`. A seq jump means a lost event: it
 * reconnects asking for a snapshot. Silence beyond the stale limit means a
 * dead peer: STALE, then reconnect. Reconnects back off exponentially with
 * full jitter; after N failed connects it reports POLLING so the UI polls
 * REST, and keeps retrying behind it.
 *
 * relay-url may list several relays sharing one Redis log (their seqs and
 * stream id agree, docs/scale-out.md). The thread follows one; when it is
 * lost (refused, closed, silent past the stale limit) it moves to the next
 * (round robin) at once and says hello there with its lastSeq, so that
 * relay replays exactly the missed events. Backoff starts only once a
 * whole round of relays failed, and POLLING after N whole rounds.
 *
 * A relay that cannot vouch for its events (protocol 3 `status`
 * live:false, e.g. its Redis is down) makes the channel STALE with the
 * relay's reason while the connection and its heartbeats go on; events
 * that still arrive apply; live:true makes it LIVE again. */
#include "calltop/api.h"
#include "calltop/clock.h"
#include "calltop/monitor.h"

#include <libwebsockets.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calltop/log.h"
#include "calltop/protocol.h"
#include "calltop/relay_urls.h"

#define MAX_FRAME    (64u << 20) /* a snapshot of many calls; beyond is a broken relay */
#define TX_SLOTS     8
/* A deadline this close counts as reached: our timers may run up to a
 * millisecond early (run_due_timers) or a fraction of one before our
 * millisecond clock agrees, and re-arming for that sliver would cost a
 * wakeup of its own. */
#define DUE_SLACK_MS 5

/* One relay of relay-url's list, parsed once. */
typedef struct relay_target {
    char host[256], path[512];
    int port;
    bool tls;
    char label[800]; /* scheme://host:port/path for messages (the URL never holds the token) */
} relay_target;

struct ct_monitor {
    char *token, *ca_file;
    int tls_verify_error; /* X509_V_ERR_* of the last failed handshake, 0 = none */
    relay_target relays[CT_RELAY_URLS_MAX];
    int n_relays, cur; /* the list and the one followed now (index) */
    bool insecure;
    int hb_ms, stale_ms, backoff_initial_ms, backoff_max_ms, polling_after;
    ct_inbox *inbox;

    struct lws_context *ctx;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_bool resync_req; /* ct_monitor_resync() asked for a snapshot */

    /* service-thread state */
    struct lws *wsi;
    bool established; /* the WebSocket handshake completed */
    bool welcomed;    /* this connection reached `welcome` */
    bool resync;      /* next hello asks for a snapshot */
    bool closing;     /* we asked this connection to go */
    bool in_attempt;  /* a connection (attempt) is open: one loss per attempt */
    int failures;     /* consecutive connects that never reached welcome */
    int attempt;      /* backoff exponent */
    int64_t last_rx_ms, last_ping_ms;
    int64_t last_peer_ping_ms; /* the relay's last ping on this connection (0 = none yet) */
    bool live_resumed;         /* this connection's welcome replayed from the ring */
    bool stale_shown;          /* STALE was reported on this connection (it is silent) */
    bool relay_not_live;       /* this connection's relay sent status live:false */
    bool failing_over;         /* moved to another relay; its welcome tells how it went */
    int lost_from;             /* the relay index the failover left */
    int64_t last_resync_ms;    /* when a resync last reconnected at once */
    int64_t last_failover_ms;  /* when a synced relay was last lost (flapping guard) */
    ct_time_ms last_event_wall_ms;
    int proto;   /* protocol version our hello asks for (2; 1 for an old relay) */
    bool synced; /* this connection delivered its snapshot (or replay) */
    size_t max_frame;
    ct_call_list snap; /* snapshot parts received so far (protocol 2) */
    uint64_t snap_seq, snap_next_part;
    bool snap_open;
    char stream[64];
    char *rx;
    size_t rx_len;
    char *tx[TX_SLOTS];
    size_t tx_len[TX_SLOTS];
    int tx_head, tx_count;
    lws_sorted_usec_list_t sul_connect, sul_tick;
    lws_usec_t connect_at, tick_at; /* when those are due (lws_now_usecs), 0 = off */
    uint32_t rng;

    pthread_mutex_t lock; /* guards stats */
    ct_monitor_stats stats;
};

static uint32_t rnd(ct_monitor *m)
{
    /* xorshift32: jitter needs spread, not cryptographic quality. */
    uint32_t x = m->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return m->rng = x ? x : 0x9e3779b9u;
}

/* ---- posting ------------------------------------------------------------- */

static void set_state(ct_monitor *m, ct_monitor_state st, const char *why)
{
    pthread_mutex_lock(&m->lock);
    bool same = m->stats.state == st;
    m->stats.state = st;
    pthread_mutex_unlock(&m->lock);
    if (same) return;
    ct_event *ev = ct_event_new(CT_EV_MONITOR_STATE);
    if (!ev) return;
    ev->monitor_state = st;
    ev->resumed = st == CT_MON_LIVE && m->live_resumed;
    ev->last_event_ms = m->last_event_wall_ms;
    ev->relay_index = m->cur + 1;
    ev->relay_count = m->n_relays;
    ev->relay_not_live = st == CT_MON_STALE && m->relay_not_live;
    ev->text = why ? strdup(why) : NULL;
    ct_log(CT_LOG_INFO, "monitor: %s%s%s", ct_monitor_state_name(st), why ? ": " : "",
           why ? why : "");
    ct_inbox_post(m->inbox, ev);
}

/* ---- sending ------------------------------------------------------------- */

static void tx_clear(ct_monitor *m)
{
    while (m->tx_count) {
        free(m->tx[m->tx_head]);
        m->tx_head = (m->tx_head + 1) % TX_SLOTS;
        m->tx_count--;
    }
    m->tx_head = 0;
}

/* Queues an encoded frame (LWS_PRE headroom); drops it when the tiny queue
 * is full (only hello/ping/pong travel this way, a later one will do). */
static void tx_push(ct_monitor *m, char *buf, size_t len)
{
    if (!buf) return;
    if (m->tx_count == TX_SLOTS || !m->wsi) {
        free(buf);
        return;
    }
    int i = (m->tx_head + m->tx_count) % TX_SLOTS;
    m->tx[i] = buf;
    m->tx_len[i] = len;
    m->tx_count++;
    lws_callback_on_writable(m->wsi);
}

/* ---- connecting ------------------------------------------------------------ */

static void do_connect(lws_sorted_usec_list_t *sul);

static void schedule_connect(ct_monitor *m, bool immediately)
{
    int64_t delay = 0;
    if (!immediately) {
        /* Full jitter: uniform in [0, min(max, initial * 2^attempt)]. */
        int64_t cap = m->backoff_initial_ms;
        for (int i = 0; i < m->attempt && cap < m->backoff_max_ms; i++) cap *= 2;
        if (cap > m->backoff_max_ms) cap = m->backoff_max_ms;
        delay = (int64_t)(rnd(m) % (uint32_t)(cap + 1));
        if (m->attempt < 30) m->attempt++;
    }
    m->connect_at = lws_now_usecs() + delay * LWS_US_PER_MS;
    lws_sul_schedule(m->ctx, 0, &m->sul_connect, do_connect, delay * LWS_US_PER_MS);
}

static void snap_reset(ct_monitor *m)
{
    ct_call_list_clear(&m->snap);
    memset(&m->snap, 0, sizeof m->snap);
    m->snap_open = false;
    m->snap_next_part = 0;
}

static void connection_lost(ct_monitor *m, const char *why)
{
    if (!m->in_attempt) return;
    m->in_attempt = false;
    m->stale_shown = false;
    m->relay_not_live = false;
    bool was_live = m->welcomed;
    /* A connection that never delivered its snapshot (or replay) failed,
     * even if it reached welcome: a relay whose snapshot cannot be taken
     * must lead to backoff and POLLING, not a tight reconnect loop. */
    bool was_synced = m->synced;
    m->synced = false;
    snap_reset(m);
    m->wsi = NULL;
    m->established = false;
    m->closing = false;
    m->welcomed = false;
    lws_sul_cancel(&m->sul_tick); /* nothing to watch until the next handshake */
    m->tick_at = 0;
    tx_clear(m);
    free(m->rx);
    m->rx = NULL;
    m->rx_len = 0;
    if (atomic_load(&m->stop)) return;
    if (!was_synced) m->failures++;
    bool resyncing = was_live && was_synced && m->resync;
    char said[1200];
    if (m->n_relays > 1 && !resyncing) {
        /* Lost (not merely resynchronising on a healthy relay): the next
         * relay of the list, with the same lastSeq and stream. */
        if (!m->failing_over) m->lost_from = m->cur;
        snprintf(said, sizeof said, "relay %s: %s", m->relays[m->cur].label, why);
        why = said;
        m->failing_over = true;
        m->cur = (m->cur + 1) % m->n_relays;
        pthread_mutex_lock(&m->lock);
        m->stats.failovers++;
        m->stats.relay_index = m->cur;
        pthread_mutex_unlock(&m->lock);
        ct_log(CT_LOG_INFO, "monitor: %s; trying %s", why, m->relays[m->cur].label);
    }
    /* POLLING after that many whole rounds of the list (one relay: failed
     * connections, as before) */
    if (m->failures >= m->polling_after * m->n_relays) {
        pthread_mutex_lock(&m->lock);
        if (m->stats.state != CT_MON_POLLING) m->stats.polling_failures = m->failures;
        pthread_mutex_unlock(&m->lock);
        set_state(m, CT_MON_POLLING, why);
    } else {
        set_state(m, CT_MON_RECONNECTING, why);
    }
    if (m->n_relays > 1 && !resyncing) {
        /* Another relay is likely up: go at once, unless a whole round of
         * them just failed in a row (then back off as one relay would), or
         * relays that accept and then drop us at once make us spin. */
        int64_t now = ct_clock_mono_ms();
        bool round_failed = m->failures > 0 && m->failures % m->n_relays == 0;
        bool flapping = was_synced && now - m->last_failover_ms < 1000;
        if (was_synced) m->last_failover_ms = now;
        schedule_connect(m, !round_failed && !flapping);
        return;
    }
    /* A resync after a gap is not a failure: go again at once — unless
     * resyncs repeat (a relay that keeps sending holes or garbage), then
     * back off like any other failure. */
    int64_t now = ct_clock_mono_ms();
    bool at_once = resyncing && now - m->last_resync_ms > 5000;
    if (was_live && m->resync) m->last_resync_ms = now;
    schedule_connect(m, at_once);
}

static void do_connect(lws_sorted_usec_list_t *sul)
{
    ct_monitor *m = lws_container_of(sul, ct_monitor, sul_connect);
    m->connect_at = 0;
    if (atomic_load(&m->stop) || m->wsi) return;
    const relay_target *t = &m->relays[m->cur];
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof ci);
    ci.context = m->ctx;
    ci.address = t->host;
    ci.port = t->port;
    ci.path = t->path;
    ci.host = t->host;
    ci.origin = t->host;
    ci.protocol = CT_PROTOCOL_WS_NAME;
    if (t->tls) {
        ci.ssl_connection = LCCSCF_USE_SSL;
        if (m->insecure)
            ci.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
    }
    ci.pwsi = &m->wsi;
    pthread_mutex_lock(&m->lock);
    m->stats.connects++;
    pthread_mutex_unlock(&m->lock);
    m->welcomed = false;
    m->closing = false;
    m->in_attempt = true;
    if (!lws_client_connect_via_info(&ci)) {
        /* Failed at once (the error callback may already have run, then
         * this is a no-op): count it and back off. */
        m->wsi = NULL;
        connection_lost(m, "cannot start a connection to the relay");
    }
}

/* Asks lws to close the current connection from outside its callbacks. */
static void drop_connection(ct_monitor *m)
{
    if (m->wsi && !m->closing) {
        m->closing = true;
        lws_set_timeout(m->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

static void tick(lws_sorted_usec_list_t *sul);

/* When our next ping is due. We ping only after silence: any frame from
 * the relay proves it alive, and our pongs to its pings prove us alive to
 * it. While the relay's own heartbeat is arriving, we wait half an interval
 * longer than it, so on an idle channel the relay's ping (answered with a
 * pong) is the only traffic and our thread wakes once per period, not
 * three times (our timer, our ping's pong, its ping). A relay with a longer
 * heartbeat than ours gets our pings after one interval of silence. */
static int64_t ping_due(const ct_monitor *m)
{
    int64_t quiet = m->last_rx_ms > m->last_ping_ms ? m->last_rx_ms : m->last_ping_ms;
    bool relay_pings =
        m->last_peer_ping_ms && m->last_rx_ms - m->last_peer_ping_ms < 2 * (int64_t)m->hb_ms;
    return quiet + m->hb_ms + (relay_pings ? m->hb_ms / 2 : 0);
}

/* Issue 11: STALE is reported after two missed heartbeats, while the
 * connection is still given its chance, and RECONNECTING only when it is
 * dropped at the stale limit (3 heartbeats by default): each state shows
 * for as long as it lasts. A stale limit set below two heartbeats keeps
 * the old order (STALE at the limit, then the reconnect at once). */
static int64_t stale_warn_ms(const ct_monitor *m)
{
    int64_t warn = 2 * (int64_t)m->hb_ms;
    return warn < m->stale_ms ? warn : m->stale_ms;
}

/* Arms the one heartbeat timer for the earliest deadline of the current
 * connection: the stale limit (last frame received + stale_ms; before
 * `welcome` it is also the welcome timeout) and, once welcomed, the next
 * ping. Without an open connection there is nothing to watch and the
 * timer stays off (the reconnect has its own timer, sul_connect), so an
 * idle channel sleeps until a frame arrives or a deadline is really due.
 * A received frame moves the stale deadline but does not re-arm: the
 * timer fires at the old deadline, sees the newer frame and re-arms then,
 * one wakeup per period instead of one timer operation per frame. */
static void arm_tick(ct_monitor *m)
{
    if (!m->wsi || !m->established || m->closing) {
        lws_sul_cancel(&m->sul_tick);
        m->tick_at = 0;
        return;
    }
    int64_t due = m->last_rx_ms + m->stale_ms;
    if (m->welcomed && ping_due(m) < due) due = ping_due(m);
    if (m->welcomed && !m->stale_shown && m->last_rx_ms + stale_warn_ms(m) < due)
        due = m->last_rx_ms + stale_warn_ms(m);
    int64_t delay = due - ct_clock_mono_ms();
    if (delay < 0) delay = 0;
    m->tick_at = lws_now_usecs() + delay * LWS_US_PER_MS;
    lws_sul_schedule(m->ctx, 0, &m->sul_tick, tick, delay * LWS_US_PER_MS);
}

static void tick(lws_sorted_usec_list_t *sul)
{
    ct_monitor *m = lws_container_of(sul, ct_monitor, sul_tick);
    int64_t now = ct_clock_mono_ms();
    m->tick_at = 0;
    bool pinged = false;
    if (m->wsi && m->established && !m->closing) {
        if (now - m->last_rx_ms >= m->stale_ms - DUE_SLACK_MS) {
            /* Silence, or a relay that never answers hello: a dead peer.
             * (A silence already reported at two heartbeats counted then.) */
            pthread_mutex_lock(&m->lock);
            if (!m->stale_shown) m->stats.stale++;
            pthread_mutex_unlock(&m->lock);
            if (m->welcomed) set_state(m, CT_MON_STALE, "no heartbeat from the relay");
            drop_connection(m);
        } else {
            if (m->welcomed && !m->stale_shown &&
                now - m->last_rx_ms >= stale_warn_ms(m) - DUE_SLACK_MS) {
                m->stale_shown = true;
                pthread_mutex_lock(&m->lock);
                m->stats.stale++;
                pthread_mutex_unlock(&m->lock);
                set_state(m, CT_MON_STALE, "no heartbeat from the relay");
            }
            if (m->welcomed && now >= ping_due(m) - DUE_SLACK_MS) {
                size_t len = 0;
                char *text = ct_proto_encode_ping(ct_clock_wall_ms(), LWS_PRE, &len);
                tx_push(m, text, len);
                m->last_ping_ms = now;
                pinged = true;
            }
        }
    }
    /* The run and its ping are counted in one step, so a reader of the
     * stats never sees one without the other (test_monitor compares them;
     * counted apart, a read in between failed it under load). */
    pthread_mutex_lock(&m->lock);
    m->stats.timer_fires++;
    if (pinged) m->stats.pings++;
    pthread_mutex_unlock(&m->lock);
    arm_tick(m);
}

/* ---- receiving --------------------------------------------------------------- */

/* Handles one complete frame. Returns -1 to close the connection. */
static int on_frame(ct_monitor *m, const char *buf, size_t len)
{
    ct_pmsg msg;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode(buf, len, &msg, &err) != CT_OK) {
        ct_log(CT_LOG_WARN, "monitor: undecodable frame from the relay: %s", err.detail);
        m->resync = true;
        return -1;
    }
    int rc = 0;
    switch (msg.type) {
    case CT_PM_WELCOME:
        if (msg.protocol < CT_PROTOCOL_MIN_VERSION || msg.protocol > m->proto) {
            ct_log(CT_LOG_ERROR, "monitor: relay speaks protocol %d, not %d", msg.protocol,
                   m->proto);
            rc = -1;
            break;
        }
        snprintf(m->stream, sizeof m->stream, "%s", msg.stream ? msg.stream : "");
        m->welcomed = true;
        if (msg.replay) {
            /* missed events follow in order: in sync from here */
            m->synced = true;
            m->failures = 0;
            m->attempt = 0;
        }
        m->resync = false;
        pthread_mutex_lock(&m->lock);
        m->stats.welcomes++;
        uint64_t had = m->stats.has_seq ? m->stats.last_seq : 0;
        pthread_mutex_unlock(&m->lock);
        m->live_resumed = msg.replay;
        if (m->failing_over) {
            /* say where the channel went and what it cost */
            char why[1800], how[64];
            if (msg.replay)
                snprintf(how, sizeof how, "replay of %llu event%s",
                         (unsigned long long)(msg.seq - had), msg.seq - had == 1 ? "" : "s");
            else snprintf(how, sizeof how, "snapshot");
            if (m->lost_from == m->cur) /* a whole round later, the same one is back */
                snprintf(why, sizeof why, "relay %s back (%s)", m->relays[m->cur].label, how);
            else
                snprintf(why, sizeof why, "relay %s lost; now on %s (%s)",
                         m->relays[m->lost_from].label, m->relays[m->cur].label, how);
            m->failing_over = false;
            set_state(m, CT_MON_LIVE, why);
        } else {
            set_state(m, CT_MON_LIVE, msg.replay ? "resumed" : "connected");
        }
        arm_tick(m); /* pings start now */
        break;
    case CT_PM_SNAPSHOT: {
        if (!m->welcomed) {
            rc = -1;
            break;
        }
        /* Protocol 2 sends it in parts (v1: one part, the last): gather the
         * calls and post them as one snapshot when the last part arrives. */
        if (msg.part == 0) {
            snap_reset(m);
            m->snap_open = true;
            m->snap_seq = msg.seq;
        } else if (!m->snap_open || msg.seq != m->snap_seq || msg.part != m->snap_next_part) {
            ct_log(CT_LOG_WARN, "monitor: snapshot part %llu out of order; resynchronising",
                   (unsigned long long)msg.part);
            m->resync = true;
            rc = -1;
            break;
        }
        if (msg.calls.n_calls) {
            ct_call *grown =
                realloc(m->snap.calls, (m->snap.n_calls + msg.calls.n_calls) * sizeof *grown);
            if (!grown) {
                m->resync = true;
                rc = -1;
                break;
            }
            memcpy(grown + m->snap.n_calls, msg.calls.calls, msg.calls.n_calls * sizeof *grown);
            m->snap.calls = grown;
            m->snap.n_calls += msg.calls.n_calls;
            free(msg.calls.calls); /* the calls themselves moved */
            msg.calls.calls = NULL;
            msg.calls.n_calls = 0;
        }
        if (msg.calls.n_skipped && !m->snap.n_skipped) m->snap.first_skip = msg.calls.first_skip;
        m->snap.n_skipped += msg.calls.n_skipped;
        m->snap_next_part++;
        if (!msg.last) break;
        ct_event *ev = ct_event_new(CT_EV_MONITOR_SNAPSHOT);
        if (!ev) {
            m->resync = true;
            rc = -1;
            break;
        }
        m->snap.total_count = (long)m->snap.n_calls;
        ev->calls = m->snap;
        memset(&m->snap, 0, sizeof m->snap);
        m->snap_open = false;
        m->synced = true;
        m->failures = 0;
        m->attempt = 0;
        ev->seq = msg.seq;
        m->last_event_wall_ms = ct_clock_wall_ms();
        pthread_mutex_lock(&m->lock);
        m->stats.last_seq = msg.seq;
        m->stats.has_seq = true;
        m->stats.snapshots++;
        pthread_mutex_unlock(&m->lock);
        ct_inbox_post(m->inbox, ev);
        break;
    }
    case CT_PM_EVENT: {
        pthread_mutex_lock(&m->lock);
        bool has = m->stats.has_seq;
        uint64_t last = m->stats.last_seq;
        pthread_mutex_unlock(&m->lock);
        if (m->snap_open) {
            /* the relay sends every part before any event */
            m->resync = true;
            rc = -1;
            break;
        }
        if (!m->welcomed || (has && msg.seq <= last))
            break; /* before welcome or already applied: harmless, skip */
        if (!has || msg.seq != last + 1) {
            ct_log(CT_LOG_WARN, "monitor: seq gap (have %llu, got %llu); resynchronising",
                   (unsigned long long)last, (unsigned long long)msg.seq);
            pthread_mutex_lock(&m->lock);
            m->stats.gaps++;
            pthread_mutex_unlock(&m->lock);
            m->resync = true;
            rc = -1;
            break;
        }
        ct_event *ev = ct_event_new(CT_EV_MONITOR_UPDATE);
        if (!ev) {
            m->resync = true;
            rc = -1;
            break;
        }
        ev->call = msg.call;
        memset(&msg.call, 0, sizeof msg.call);
        ev->call_error = msg.error;
        memset(&msg.error, 0, sizeof msg.error);
        ev->update_kind = msg.kind;
        ev->seq = msg.seq;
        m->last_event_wall_ms = ct_clock_wall_ms();
        /* The webhook's own timestamp orders it in the UI's store, as it did
         * in the relay's; its arrival time when the webhook had none. */
        ev->last_event_ms = msg.ts > 0 ? msg.ts : m->last_event_wall_ms;
        pthread_mutex_lock(&m->lock);
        m->stats.last_seq = msg.seq;
        m->stats.events++;
        pthread_mutex_unlock(&m->lock);
        ct_inbox_post(m->inbox, ev);
        break;
    }
    case CT_PM_PING: {
        size_t n = 0;
        char *text = ct_proto_encode_pong(msg.t, LWS_PRE, &n);
        tx_push(m, text, n);
        /* move our timer past the next expected ping rather than let it
         * fire at the old deadline (only for pings: an event stream keeps
         * the cheaper re-arm-when-due scheme, see arm_tick) */
        m->last_peer_ping_ms = m->last_rx_ms;
        arm_tick(m);
        break;
    }
    case CT_PM_PONG: break;
    case CT_PM_STATUS:
        /* The relay cannot vouch for its events (e.g. it lost its Redis
         * log): STALE with its reason, on the same connection — pings go
         * on, nothing to reconnect for, and events that still come apply. */
        if (!m->welcomed) break;
        if (!msg.live) {
            m->relay_not_live = true;
            pthread_mutex_lock(&m->lock);
            m->stats.not_live++;
            pthread_mutex_unlock(&m->lock);
            char why[400];
            snprintf(why, sizeof why, "relay: %s",
                     msg.reason && *msg.reason ? msg.reason : "its events may not be current");
            set_state(m, CT_MON_STALE, why);
        } else if (m->relay_not_live) {
            m->relay_not_live = false;
            m->live_resumed = true; /* same connection, same seqs: nothing was skipped */
            set_state(m, CT_MON_LIVE, "the relay's log is back");
        }
        break;
    case CT_PM_ERROR:
        ct_log(CT_LOG_WARN, "monitor: relay error %s: %s", msg.code,
               msg.message ? msg.message : "");
        if (msg.code && !strcmp(msg.code, "unsupported-protocol") &&
            m->proto > CT_PROTOCOL_MIN_VERSION) {
            /* an older relay: offer one version less on the next connection
             * (3 -> 2 -> 1), down to the oldest the protocol has */
            m->proto--;
        }
        break;
    default:
        /* hello is a client message; anything else a protocol violation */
        m->resync = true;
        rc = -1;
        break;
    }
    ct_pmsg_clear(&msg);
    return rc;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    ct_monitor *m = ctx ? lws_context_user(ctx) : NULL;
    if (!m) return 0;

    switch (reason) {
    case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
        /* user = the X509_STORE_CTX, len = preverify_ok: remember why a
         * certificate was refused so the error can say it in words (lws
         * itself reports "error:00000001:lib(0)::reason(1)"). The verdict
         * is OpenSSL's: returning 0 changes nothing. */
        if (!len && user) m->tls_verify_error = X509_STORE_CTX_get_error((X509_STORE_CTX *)user);
        return 0;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = in, *end = *p + len;
        char auth[600];
        int n = snprintf(auth, sizeof auth, "Bearer %s", m->token);
        int rc = (n < 0 || (size_t)n >= sizeof auth)
            ? -1
            : lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, (unsigned char *)auth,
                                           n, p, end);
        memset(auth, 0, sizeof auth);
        return rc ? -1 : 0;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        m->established = true;
        m->stale_shown = false;
        m->relay_not_live = false;
        m->last_rx_ms = m->last_ping_ms = ct_clock_mono_ms();
        m->last_peer_ping_ms = 0;
        pthread_mutex_lock(&m->lock);
        bool has = m->stats.has_seq && !m->resync;
        uint64_t last = m->stats.last_seq;
        pthread_mutex_unlock(&m->lock);
        size_t n = 0;
        char *text = ct_proto_encode_hello_v(m->proto, has, last, m->stream[0] ? m->stream : NULL,
                                             LWS_PRE, &n);
        tx_push(m, text, n);
        arm_tick(m); /* the welcome timeout */
        return 0;
    }
    case LWS_CALLBACK_CLIENT_RECEIVE:
        m->last_rx_ms = ct_clock_mono_ms();
        if (m->stale_shown) {
            /* the same connection speaks again: nothing was lost on it
             * (still STALE when the relay itself said it is not live) */
            m->stale_shown = false;
            m->live_resumed = true;
            if (!m->relay_not_live) set_state(m, CT_MON_LIVE, "the relay answers again");
            arm_tick(m);
        }
        if (m->rx_len + len > m->max_frame) {
            ct_log(CT_LOG_ERROR, "monitor: frame over %zu bytes from the relay", m->max_frame);
            m->resync = true;
            return -1;
        }
        {
            char *nb = realloc(m->rx, m->rx_len + len + 1);
            if (!nb) return -1;
            if (len) memcpy(nb + m->rx_len, in, len);
            m->rx = nb;
            m->rx_len += len;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            int rc = on_frame(m, m->rx, m->rx_len);
            free(m->rx);
            m->rx = NULL;
            m->rx_len = 0;
            return rc;
        }
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (m->tx_count) {
            int i = m->tx_head;
            int w =
                lws_write(wsi, (unsigned char *)m->tx[i] + LWS_PRE, m->tx_len[i], LWS_WRITE_TEXT);
            size_t want = m->tx_len[i];
            free(m->tx[i]);
            m->tx[i] = NULL;
            m->tx_head = (m->tx_head + 1) % TX_SLOTS;
            m->tx_count--;
            if (w < (int)want) return -1;
            if (m->tx_count) lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        char why[320];
        unsigned status = wsi ? lws_http_client_http_response(wsi) : 0;
        const char *tls = m->relays[m->cur].tls
            ? ct_api_tls_words(m->tls_verify_error, in, m->ca_file != NULL)
            : NULL;
        m->tls_verify_error = 0;
        if (status == 401 || status == 403)
            snprintf(why, sizeof why, "the relay refused the token (HTTP %u)", status);
        else if (status == 404)
            snprintf(why, sizeof why,
                     "no monitor at this relay URL (HTTP 404): "
                     "relay-url must end in /monitor");
        else if (tls) snprintf(why, sizeof why, "relay TLS: %s", tls);
        else
            snprintf(why, sizeof why, "cannot connect to the relay: %s",
                     in ? (const char *)in : "unknown error");
        connection_lost(m, why);
        return 0;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        connection_lost(m, m->resync ? "resynchronising" : "relay connection closed");
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        /* The one notice every connection gets. lws 4.1 closes a client
         * whose handshake got no answer within timeout_secs (a relay frozen
         * with SIGSTOP, or a middlebox that accepts and black-holes) with
         * neither CLIENT_CONNECTION_ERROR nor CLIENT_CLOSED: without this
         * the monitor waited for that attempt forever, RECONNECTING with no
         * reconnect. A connection already reported is no longer m->wsi. */
        if (wsi == m->wsi)
            connection_lost(m,
                            m->established ? "relay connection closed"
                                           : "the relay did not answer the WebSocket "
                                             "handshake in time");
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* ct_monitor_stop() (the loop checks the flag) or ct_monitor_resync() */
        if (atomic_exchange(&m->resync_req, false)) {
            m->resync = true;
            if (m->wsi && m->welcomed && !m->closing) {
                /* Same connection: a hello without lastSeq gets a snapshot.
                 * Events already in flight stay valid (seqs stay contiguous). */
                size_t n = 0;
                char *text = ct_proto_encode_hello_v(m->proto, false, 0, NULL, LWS_PRE, &n);
                tx_push(m, text, n);
            }
        }
        return 0;
    default: break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    {CT_PROTOCOL_WS_NAME, callback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws 4.1 sleeps in poll() for the time to its next timer truncated to
 * whole milliseconds, and until the timer is ripe it then polls with a
 * zero timeout: up to a millisecond of busy loop (hundreds of turns)
 * before each timer. Our two timers tolerate running a little early (the
 * tick counts DUE_SLACK_MS as due; a reconnect a millisecond early is
 * the same reconnect), so when one is due within that last millisecond it
 * runs now, from this thread, as lws would have run it: one wakeup per
 * timer, no spin. */
static void run_due_timers(ct_monitor *m)
{
    lws_usec_t now = lws_now_usecs();
    if (m->tick_at && m->tick_at - now < LWS_US_PER_MS) {
        lws_sul_cancel(&m->sul_tick);
        tick(&m->sul_tick);
    }
    if (m->connect_at && m->connect_at - now < LWS_US_PER_MS) {
        lws_sul_cancel(&m->sul_connect);
        do_connect(&m->sul_connect);
    }
}

static void *service_main(void *arg)
{
    ct_monitor *m = arg;
    ct_log_set_thread_name("monitor");
    while (!atomic_load(&m->stop)) {
        run_due_timers(m);
        if (lws_service(m->ctx, 0) < 0) break;
        /* one return = one wakeup of this thread (the idle tests count them) */
        pthread_mutex_lock(&m->lock);
        m->stats.wakeups++;
        pthread_mutex_unlock(&m->lock);
    }
    return NULL;
}

/* ws://host[:port]/path or wss://...; defaults to /monitor. `where` names
 * the entry in a list ("relay URL 2 of 3"). */
static ct_err parse_url(relay_target *t, const char *url, const char *where, ct_error *err)
{
    char buf[1024];
    if (strlen(url) >= sizeof buf) return ct_error_set(err, CT_ECONFIG, "%s too long", where);
    snprintf(buf, sizeof buf, "%s", url);
    const char *prot = NULL, *ads = NULL, *path = NULL;
    int port = 0;
    if (lws_parse_uri(buf, &prot, &ads, &port, &path) || !ads || !*ads)
        return ct_error_set(err, CT_ECONFIG, "%s: expected ws://HOST:PORT/monitor", where);
    if (!strcmp(prot, "wss") || !strcmp(prot, "https")) t->tls = true;
    else if (strcmp(prot, "ws") && strcmp(prot, "http"))
        return ct_error_set(err, CT_ECONFIG, "%s: scheme must be ws:// or wss://", where);
    if (strlen(ads) >= sizeof t->host)
        return ct_error_set(err, CT_ECONFIG, "%s: host too long", where);
    snprintf(t->host, sizeof t->host, "%s", ads);
    /* lws_parse_uri gives "/" for "ws://host/" and for "ws://host" alike:
     * both mean the default path, not "//" (which the relay refuses). */
    bool no_path = !path || !*path || strcmp(path, "/") == 0;
    snprintf(t->path, sizeof t->path, "/%s", no_path ? "monitor" : path);
    t->port = port;
    /* built from the parts: a user:password@ in the URL never reaches a message */
    snprintf(t->label, sizeof t->label, "%s://%s:%d%s", t->tls ? "wss" : "ws", t->host, t->port,
             t->path);
    return CT_OK;
}

/* Every entry of relay-url's list (relay_urls.h splits it). */
static ct_err parse_urls(ct_monitor *m, const char *list, ct_error *err)
{
    ct_relay_urls urls;
    ct_error lerr;
    ct_error_clear(&lerr);
    if (ct_relay_urls_split(list, &urls, &lerr) != CT_OK)
        return ct_error_set(err, lerr.code, "relay URL: %s", lerr.detail);
    ct_err rc = CT_OK;
    for (int i = 0; i < urls.n && rc == CT_OK; i++) {
        char where[64];
        if (urls.n == 1) snprintf(where, sizeof where, "relay URL");
        else snprintf(where, sizeof where, "relay URL %d of %d", i + 1, urls.n);
        rc = parse_url(&m->relays[i], urls.url[i], where, err);
    }
    m->n_relays = rc == CT_OK ? urls.n : 0;
    ct_relay_urls_free(&urls);
    return rc;
}

static void monitor_free(ct_monitor *m)
{
    if (!m) return;
    if (m->ctx) lws_context_destroy(m->ctx);
    tx_clear(m);
    snap_reset(m);
    free(m->rx);
    if (m->token) memset(m->token, 0, strlen(m->token));
    free(m->token);
    free(m->ca_file);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

ct_monitor *ct_monitor_start(const ct_monitor_options *opt, ct_inbox *inbox, ct_error *err)
{
    if (!opt || !opt->relay_url || !inbox) {
        ct_error_set(err, CT_EINVAL, "the monitor needs a relay URL and an inbox");
        return NULL;
    }
    if (!opt->token || !*opt->token) {
        ct_error_set(err, CT_ECONFIG, "no relay token (CALLTOP_RELAY_TOKEN or relay-token)");
        return NULL;
    }
    ct_monitor *m = calloc(1, sizeof *m);
    if (!m) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    m->inbox = inbox;
    m->token = strdup(opt->token);
    m->ca_file = opt->ca_file ? strdup(opt->ca_file) : NULL;
    m->insecure = opt->insecure;
    m->hb_ms = opt->heartbeat_interval_ms > 0 ? opt->heartbeat_interval_ms : 10000;
    m->stale_ms = opt->stale_after_ms > 0 ? opt->stale_after_ms : 3 * m->hb_ms;
    m->backoff_initial_ms = opt->backoff_initial_ms > 0 ? opt->backoff_initial_ms : 500;
    m->backoff_max_ms = opt->backoff_max_ms > 0 ? opt->backoff_max_ms : 30000;
    if (m->backoff_max_ms < m->backoff_initial_ms) m->backoff_max_ms = m->backoff_initial_ms;
    m->polling_after = opt->polling_after_failures > 0 ? opt->polling_after_failures : 3;
    m->max_frame = opt->max_frame_bytes ? opt->max_frame_bytes : MAX_FRAME;
    m->proto = CT_PROTOCOL_VERSION;
    m->rng = (uint32_t)ct_clock_wall_ms() ^ (uint32_t)(uintptr_t)m ^ 0xa5a5a5a5u;
    m->last_resync_ms = -1000000;
    m->last_failover_ms = -1000000;
    if (!m->token || (opt->ca_file && !m->ca_file)) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        monitor_free(m);
        return NULL;
    }
    if (parse_urls(m, opt->relay_url, err) != CT_OK) {
        monitor_free(m);
        return NULL;
    }
    m->stats.relay_count = m->n_relays;

    /* lws's log level is the program's choice (calltop/lws_log.h) */
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.user = m;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (m->ca_file) info.client_ssl_ca_filepath = m->ca_file;
    /* Bounds a handshake into a dead link, like the stale limit bounds a
     * silent live one. */
    info.timeout_secs = (unsigned)(m->stale_ms / 1000 < 2        ? 2
                                       : m->stale_ms / 1000 > 20 ? 20
                                                                 : m->stale_ms / 1000);
    m->ctx = lws_create_context(&info);
    if (!m->ctx) {
        ct_error_set(err, CT_EIO, "cannot create the WebSocket client context");
        monitor_free(m);
        return NULL;
    }
    m->stats.state = CT_MON_OFF;
    set_state(m, CT_MON_CONNECTING, NULL);
    schedule_connect(m, true);
    if (pthread_create(&m->thread, NULL, service_main, m) != 0) {
        ct_error_set(err, CT_EIO, "cannot start the monitor thread");
        monitor_free(m);
        return NULL;
    }
    m->thread_started = true;
    return m;
}

void ct_monitor_get_stats(ct_monitor *m, ct_monitor_stats *out)
{
    pthread_mutex_lock(&m->lock);
    *out = m->stats;
    pthread_mutex_unlock(&m->lock);
}

void ct_monitor_resync(ct_monitor *m)
{
    if (!m) return;
    atomic_store(&m->resync_req, true);
    lws_cancel_service(m->ctx);
}

void ct_monitor_stop(ct_monitor *m)
{
    if (!m) return;
    atomic_store(&m->stop, true);
    if (m->thread_started) {
        lws_cancel_service(m->ctx);
        pthread_join(m->thread, NULL);
    }
    lws_sul_cancel(&m->sul_connect);
    lws_sul_cancel(&m->sul_tick);
    monitor_free(m);
}
