/* server.c — calltop-relay's libwebsockets server: POST /webhook in,
 * /monitor WebSocket fan-out, GET /healthz.
 *
 * One lws context, serviced by one thread the relay owns (lws 4.1 without
 * external poll). Every callback runs on that thread, so the per-call state,
 * the ring and the client list need no locks; only the counters (read by
 * ct_relay_get_stats from any thread) sit behind a mutex. ct_relay_stop()
 * sets a flag and wakes the loop with lws_cancel_service().
 *
 * Fan-out never blocks a webhook: an event is encoded once into a
 * refcounted frame, pushed on the ring and appended (a pointer) to each
 * client's bounded queue; the frames go out when each socket is writable.
 * A client whose queue would overflow is dropped ("client too slow").
 *
 * It faces the internet, so nothing a peer does is unbounded: connections
 * are capped (total, per address) under a whole-request deadline, failed
 * authentication is throttled per address, bodies are capped and repaired
 * to valid UTF-8, state / ring / queues are bounded in bytes, and every
 * refusal is a complete HTTP/1.1 answer (docs/monitor-protocol.md). */
#include "calltop/lws_bind.h"
#include "calltop/clock.h"
#include "calltop/relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "calltop/hash.h"
#include "calltop/json_util.h"
#include "calltop/log.h"
#include "calltop/model.h"
#include "calltop/protocol.h"
#include "calltop/sanitize.h"
#include "metrics.h"
#include "relay_int.h"
#include "proxy_addr.h"
#ifdef CT_HAVE_REDIS
#include "ckpt.h"
#include "rlog.h"
#endif

#define DEFAULT_EXPIRE_S            3600
#define DEFAULT_MAX_CALLS           10000
#define DEFAULT_RING                4096
#define DEFAULT_MAX_BODY            (1u << 20)
#define DEFAULT_HEARTBEAT_MS        10000
#define DEFAULT_Q_FRAMES            1024
#define DEFAULT_Q_BYTES             (16u << 20)
#define DEFAULT_EXPIRE_TICK         1000
#define DEFAULT_SNAPSHOT_PART       (1u << 20)
#define DEFAULT_V1_SNAPSHOT_MAX     ((size_t)64 << 20) /* a protocol 1 board's frame cap */
#define DEFAULT_STATE_BYTES         ((size_t)256 << 20)
#define DEFAULT_RING_BYTES          ((size_t)64 << 20)
#define DEFAULT_CKPT_EVERY          10000 /* --redis: log entries between checkpoints */
#define CKPT_KEEP                   3     /* --redis: checkpoints kept in Redis */
#define DEFAULT_POSITION_TTL_MS     30000 /* --redis: a relay silent this long is not waited for */
#define POSITION_EVERY_MS           1000  /* --redis: how often a relay publishes its position */
#define DEFAULT_MAX_CONNS           2048  /* (the process fd limit may bind first) */
#define DEFAULT_MAX_CONNS_PER_PEER  256
#define DEFAULT_REQUEST_DEADLINE_MS 10000
#define TICK_MS                     250 /* heartbeat / expiry timer resolution, at most */
#define SLOW_CLOSE_GRACE_S          3   /* a dropped client that never drains is cut */

enum route { R_NONE = 0, R_WEBHOOK, R_HEALTHZ, R_METRICS, R_NOTFOUND, R_METHOD };

/* Classes of rejected peers, each with its own rate-limited stderr line. */
enum notice_kind {
    NOTE_WEBHOOK_SECRET,
    NOTE_WEBHOOK_BAD,
    NOTE_WEBHOOK_TOO_BIG,
    NOTE_WEBHOOK_CHUNKED,
    NOTE_CLIENT_TOKEN,
    NOTE_CLIENT_PATH,
    NOTE_CLIENT_SLOW,
    NOTE_CLIENT_BAD_MESSAGE,
    NOTE_AUTH_THROTTLED,
    NOTE_CONN_CAP,
    NOTE_REQUEST_DEADLINE,
    NOTE_LOG_DOWN,
    N_NOTICE
};
static const char *const notice_text[N_NOTICE] = {
    "webhook refused: wrong or missing secret (401)",
    "webhook refused: malformed (400)",
    "webhook refused: body over --max-body (413)",
    "webhook refused: chunked body, no Content-Length (411)",
    "monitor client refused: wrong or missing token (401)",
    "monitor client refused: unknown path (404)",
    "monitor client dropped: too slow",
    "monitor client closed: bad message",
    "peer throttled: too many failed authentications (429)",
    "connection refused: connection cap reached",
    "request closed: not complete within the request deadline",
    "webhook refused: Redis unreachable, not logged (503)",
};

/* Per-connection state; lws allocates and zeroes it (one layout for HTTP
 * and WebSocket connections, they share the protocol). */
typedef struct pss {
    /* HTTP */
    enum route route;
    bool authorized;
    bool too_big;
    bool answered;    /* the webhook was handled (lws may report completion twice) */
    bool close_after; /* close once answered (the rest of the request is unread) */
    char *body;
    size_t body_len;
    int status;
    char *resp;
    size_t resp_len;
    const char *ctype; /* the answer's Content-Type; NULL = JSON */
    int64_t t0_us;     /* when the request arrived (webhook latency) */
    bool retry_after;  /* the answer carries Retry-After: 1 */
    /* WebSocket */
    struct lws *wsi;
    struct pss *next; /* relay->clients */
    bool is_client;
    bool hello_done;
    bool dropping; /* close as soon as writable */
    int close_code;
    const char *close_reason;
    ct_frame **q; /* circular send queue */
    size_t q_cap, q_head, q_count, q_bytes;
    char *rx;
    size_t rx_len;
    int64_t last_rx_ms, last_ping_ms;
    int proto; /* the protocol version its hello asked for */
} pss;

struct ct_relay {
    /* options (strings owned) */
    char *host, *secret, *token, *cert, *key;
    int expire_ms, heartbeat_ms, expire_tick_ms, tick_ms;
    size_t max_body, ring_cap, q_frames, q_bytes;
    FILE *event_log;
    char *event_log_path;
    atomic_bool reopen_log; /* ct_relay_reopen_event_log() asked */
    unsigned frame_faults;  /* tests: events to fail after their merge */
    ct_throttle *throttle;  /* failed authentications per peer address */
    ct_proxy_list proxies;  /* --trusted-proxy: peers whose X-Forwarded-For counts */

    /* Every accepted connection, for the caps and the request deadline. */
    struct conn {
        struct lws *wsi;  /* NULL: free slot */
        uint64_t peer;    /* hash of the peer address */
        int64_t since_ms; /* accepted, or last answer sent (keep-alive) */
        bool is_ws;       /* an upgraded monitor client: the heartbeat rules it */
        bool killing;     /* closed by us, not yet destroyed */
    } * conns;
    size_t conn_slots, conns_live, max_conns, max_conns_per_peer;
    int request_deadline_ms;
    FILE *notices;
    int notice_interval_ms;
    struct notice_class {
        int64_t last_ms; /* when this class last printed (0 = never) */
        uint64_t held;   /* rejections since, not printed */
    } notice[N_NOTICE];

    struct lws_context *ctx;
    struct lws_vhost *vhost;
    int port;
    pthread_t thread;
    bool thread_started;
    atomic_bool stop;

    /* service-thread state */
    ct_rstate *state;
    ct_ring ring;
    uint64_t seq;
    char stream[17];
    ct_frame *snap;        /* cached one-frame snapshot (protocol 1), or NULL */
    ct_frame **snap_parts; /* cached snapshot parts (protocol 2), or NULL */
    size_t n_snap_parts, snap_part_bytes, state_bytes, v1_snapshot_max;
    pss *clients;
    lws_sorted_usec_list_t tick;
    int64_t last_expire_ms;
    struct ct_rlog *rlog;  /* --redis: the shared log, else NULL */
    int64_t log_expire_ms; /* --redis: log time of the last expiry pass */
    bool log_live;         /* --redis: what the boards were last told (status, protocol 3) */
    bool log_ever_live;    /* --redis: it has been live once (the start's catch-up is done) */
    bool log_append_down;  /* --redis: the last append failed, and no check passed since */
    char log_pos[48];      /* --redis: stream id of the last entry applied ("0-0": none) */
    uint64_t log_index;    /* --redis: entries applied since the log's first (as every relay) */
    size_t ckpt_every;     /* --redis: checkpoint when log_index is a multiple of this */
    char ckpt_loaded[48];  /* --redis: position of the checkpoint started from ("": none) */
    bool trim_retry;       /* --redis: the last trim found another relay trimming */
    int64_t last_publish_ms;
    int position_ttl_ms; /* --redis: how long our published position holds the trim */
    size_t max_calls;

    pthread_mutex_t stats_lock;
    ct_relay_stats stats;
    ct_latency_hist latency; /* service thread only (metrics.h) */
    int64_t started_s;
};

/* ---- small helpers ------------------------------------------------------- */

#define STAT_ADD(r, field, n)                   \
    do {                                        \
        pthread_mutex_lock(&(r)->stats_lock);   \
        (r)->stats.field += (n);                \
        pthread_mutex_unlock(&(r)->stats_lock); \
    } while (0)

static void stats_sync(ct_relay *r)
{
    size_t n = 0;
    for (pss *c = r->clients; c; c = c->next) n++;
    pthread_mutex_lock(&r->stats_lock);
    r->stats.seq = r->seq;
    r->stats.calls = ct_rstate_count(r->state);
    r->stats.clients = n;
    pthread_mutex_unlock(&r->stats_lock);
}

/* A random stream id: a reconnecting client resumes only within one run. */
static void make_stream_id(char out[17])
{
    unsigned char b[8];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    if (got != (ssize_t)sizeof b) {
        uint64_t x = (uint64_t)ct_clock_wall_ms() ^ ((uint64_t)getpid() << 32) ^
            (uint64_t)ct_clock_mono_ms();
        memcpy(b, &x, sizeof b);
    }
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void peer_text(ct_relay *r, struct lws *wsi, char *client, size_t clen, char *via,
                      size_t vlen);

/* One line per class at most every notice_interval_ms: enough to see an
 * attack or a misconfigured sender, never a flood. The peer address (and,
 * behind a --trusted-proxy, the client it names, re-printed by inet_ntop)
 * is the only peer-controlled text, and it is escaped. Never a secret, a token or
 * transcript text. */
static void notice(ct_relay *r, enum notice_kind k, struct lws *wsi)
{
    if (!r->notices) return;
    struct notice_class *c = &r->notice[k];
    int64_t now = ct_clock_mono_ms();
    if (c->last_ms && now - c->last_ms < r->notice_interval_ms) {
        c->held++;
        return;
    }
    char peer[64] = "?", via[64] = "", esc[4 * 64 + 1], esc_via[4 * 64 + 6] = "";
    if (wsi) peer_text(r, wsi, peer, sizeof peer, via, sizeof via);
    if (*via) {
        char e[4 * 64 + 1];
        snprintf(esc_via, sizeof esc_via, " via %s", ct_escape_field(via, e, sizeof e));
    }
    if (c->held)
        fprintf(r->notices, "calltop-relay: %s (from %s%s; %llu more not shown)\n", notice_text[k],
                ct_escape_field(peer, esc, sizeof esc), esc_via, (unsigned long long)c->held);
    else
        fprintf(r->notices, "calltop-relay: %s (from %s%s)\n", notice_text[k],
                ct_escape_field(peer, esc, sizeof esc), esc_via);
    fflush(r->notices);
    c->last_ms = now;
    c->held = 0;
}

/* On the service thread: reopen the event log at its path (logrotate moved
 * the old one). A failure keeps the old file: losing the log is worse. */
static void event_log_reopen(ct_relay *r)
{
    if (!r->event_log_path) return;
    int fd = open(r->event_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        if (r->notices) {
            char esc[1024];
            fprintf(r->notices,
                    "calltop-relay: cannot reopen the event log %s: %s; "
                    "still writing the old one\n",
                    ct_escape_field(r->event_log_path, esc, sizeof esc), strerror(errno));
            fflush(r->notices);
        }
        return;
    }
    if (r->event_log) fclose(r->event_log);
    r->event_log = f;
}

static void snapshot_invalidate(ct_relay *r)
{
    ct_frame_unref(r->snap);
    r->snap = NULL;
    for (size_t i = 0; i < r->n_snap_parts; i++) ct_frame_unref(r->snap_parts[i]);
    free(r->snap_parts);
    r->snap_parts = NULL;
    r->n_snap_parts = 0;
}

/* Encodes the current state as snapshot parts once; every client that
 * asks before the state changes shares them. False on OOM. */
static bool snapshot_parts(ct_relay *r)
{
    if (r->snap_parts) return true;
    char **bufs = NULL;
    size_t *lens = NULL;
    size_t n =
        ct_rstate_snapshot_parts(r->state, r->seq, r->snap_part_bytes, LWS_PRE, &bufs, &lens);
    if (!n) return false;
    ct_frame **frames = calloc(n, sizeof *frames);
    bool ok = frames != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && !(frames[i] = ct_frame_wrap(bufs[i], lens[i], r->seq))) ok = false;
        else if (!ok) free(bufs[i]);
        if (ok) frames[i]->shared = true;
    }
    free(bufs);
    free(lens);
    if (!ok) {
        for (size_t i = 0; frames && i < n; i++) ct_frame_unref(frames[i]);
        free(frames);
        return false;
    }
    r->snap_parts = frames;
    r->n_snap_parts = n;
    return true;
}

/* ---- client queues --------------------------------------------------------- */

static void q_clear(pss *c)
{
    while (c->q_count) {
        ct_frame_unref(c->q[c->q_head]);
        c->q_head = (c->q_head + 1) % c->q_cap;
        c->q_count--;
    }
    c->q_head = 0;
    c->q_bytes = 0;
}

static void client_drop(ct_relay *r, pss *c, int code, const char *reason)
{
    if (c->dropping) return;
    c->dropping = true;
    c->close_code = code;
    c->close_reason = reason;
    /* Its backlog is released now, not when the socket drains: that is the
     * point of dropping it. */
    q_clear(c);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, SLOW_CLOSE_GRACE_S);
    lws_callback_on_writable(c->wsi);
}

/* Queues a frame for one client (takes a new reference). `force` admits a
 * frame into an empty queue whatever its size (a snapshot). */
static bool q_push(ct_relay *r, pss *c, ct_frame *f, bool force)
{
    if (c->dropping) return false;
    bool fits = c->q_count < c->q_cap && c->q_bytes + f->len <= r->q_bytes;
    if (!fits && !(force && c->q_count == 0)) {
        client_drop(r, c, CT_CLOSE_TOO_SLOW, "client too slow");
        STAT_ADD(r, clients_slow, 1);
        notice(r, NOTE_CLIENT_SLOW, c->wsi);
        return false;
    }
    c->q[(c->q_head + c->q_count) % c->q_cap] = ct_frame_ref(f);
    c->q_count++;
    if (!f->shared) c->q_bytes += f->len;
    lws_callback_on_writable(c->wsi);
    return true;
}

/* Queues a shared snapshot frame behind the welcome: one copy serves every
 * client, so it is not held against this client's byte bound (only the
 * frame count limits it). */
static bool q_push_shared(pss *c, ct_frame *f)
{
    if (c->dropping || c->q_count >= c->q_cap) return false;
    c->q[(c->q_head + c->q_count) % c->q_cap] = ct_frame_ref(f);
    c->q_count++;
    lws_callback_on_writable(c->wsi);
    return true;
}

/* Sends an encoded buffer (from ct_proto_encode_*, LWS_PRE headroom) to one client. */
static bool q_push_buf(ct_relay *r, pss *c, char *buf, size_t len, bool force)
{
    ct_frame *f = ct_frame_wrap(buf, len, 0);
    if (!f) {
        client_drop(r, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        return false;
    }
    bool ok = q_push(r, c, f, force);
    ct_frame_unref(f);
    return ok;
}

static void client_error(ct_relay *r, pss *c, const char *code, const char *msg, int close)
{
    notice(r, NOTE_CLIENT_BAD_MESSAGE, c->wsi);
    size_t len;
    char *buf = ct_proto_encode_error(code, msg, LWS_PRE, &len);
    if (buf) q_push_buf(r, c, buf, len, true);
    /* Let the error frame go first; the close follows from WRITEABLE. */
    c->close_code = close;
    c->close_reason = code;
    c->hello_done = false;
    c->dropping = true;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, SLOW_CLOSE_GRACE_S);
}

/* ---- the log's liveness (--redis) ---------------------------------------------- */

/* Why this relay's events may not be current, in words for a board. */
static const char *log_down_reason(ct_relay *r)
{
#ifdef CT_HAVE_REDIS
    if (ct_rlog_gap(r->rlog))
        return "the relay fell behind the trimmed log (Redis) and stopped: restart it";
    if (!ct_rlog_reader_up(r->rlog)) return "the relay cannot reach its log (Redis)";
    if (r->log_append_down) return "the relay cannot write to its log (Redis)";
    return "the relay is catching up with its log";
#else
    (void)r;
    return "";
#endif
}

/* --redis: live = the reader is connected and has read to the end of the
 * log, and appends work. Each change is told once to every protocol 3
 * board (status), counted and logged; connections and heartbeats carry on
 * meanwhile, so a board shows the channel STALE instead of going silent. */
static void log_status_update(ct_relay *r)
{
#ifdef CT_HAVE_REDIS
    if (!r->rlog) return;
    bool up = ct_rlog_reader_up(r->rlog);
    if (r->log_append_down && up && ct_rlog_writer_check(r->rlog)) r->log_append_down = false;
    bool live = up && ct_rlog_caught_up(r->rlog) && !r->log_append_down;
    if (live == r->log_live) return;
    r->log_live = live;
    const char *why = live ? NULL : log_down_reason(r);
    /* The first catch-up after start is the normal beginning, not news. */
    bool first = live && !r->log_ever_live;
    r->log_ever_live |= live;
    pthread_mutex_lock(&r->stats_lock);
    r->stats.log_live = live;
    if (!first) r->stats.log_status_changes++;
    pthread_mutex_unlock(&r->stats_lock);
    if (r->notices && !first) {
        fprintf(r->notices, "calltop-relay: %s\n",
                live ? "the log (Redis) is current again: boards are live" : why);
        fflush(r->notices);
    }
    size_t len = 0;
    char *buf = ct_proto_encode_status(live, why, LWS_PRE, &len);
    ct_frame *f = ct_frame_wrap(buf, len, 0);
    if (!f) return;
    for (pss *c = r->clients; c; c = c->next)
        if (c->hello_done && c->proto >= 3) q_push(r, c, f, false);
    ct_frame_unref(f);
#else
    (void)r;
#endif
}

/* ---- the protocol, relay side ---------------------------------------------- */

static void on_hello(ct_relay *r, pss *c, const ct_pmsg *m)
{
    if (m->protocol < CT_PROTOCOL_MIN_VERSION || m->protocol > CT_PROTOCOL_VERSION) {
        char msg[80];
        snprintf(msg, sizeof msg, "this relay speaks protocols %d to %d", CT_PROTOCOL_MIN_VERSION,
                 CT_PROTOCOL_VERSION);
        client_error(r, c, "unsupported-protocol", msg, CT_CLOSE_BAD_PROTOCOL);
        return;
    }
    c->proto = m->protocol;
    /* A repeated hello restarts the conversation. */
    q_clear(c);
    uint64_t last = m->last_seq;
    bool same_stream = !m->stream || strcmp(m->stream, r->stream) == 0;
    bool replay = m->has_last_seq && same_stream && last <= r->seq;
    if (replay && last < r->seq) {
        /* Every missed event must still be in the ring, and fit the queue. */
        replay = ct_ring_get(&r->ring, last + 1) != NULL && r->seq - last + 1 <= c->q_cap;
    }
    size_t len;
    char *buf = ct_proto_encode_welcome_v(c->proto, r->seq, r->stream, replay, LWS_PRE, &len);
    if (!buf || !q_push_buf(r, c, buf, len, true)) return;
    if (replay) {
        for (uint64_t s = last + 1; s <= r->seq; s++)
            if (!q_push(r, c, ct_ring_get(&r->ring, s), false)) return;
        STAT_ADD(r, replays, 1);
    } else {
        /* Clients that resync together (after a relay restart, say) share
         * one encoded snapshot until the state changes. Protocol 2 gets it
         * in parts of bounded size; protocol 1 as the one frame it expects. */
        if (c->proto >= 2) {
            if (!snapshot_parts(r)) {
                client_drop(r, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
                return;
            }
            if (r->n_snap_parts >= c->q_cap - c->q_count) {
                client_error(r, c, "snapshot-too-large",
                             "the snapshot has more parts than --client-queue allows",
                             LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
                return;
            }
            for (size_t i = 0; i < r->n_snap_parts; i++) q_push_shared(c, r->snap_parts[i]);
        } else {
            if (!r->snap) {
                buf = ct_rstate_snapshot(r->state, r->seq, LWS_PRE, &len);
                r->snap = ct_frame_wrap(buf, len, r->seq);
                if (r->snap) r->snap->shared = true;
            }
            if (!r->snap) {
                client_drop(r, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
                return;
            }
            if (r->snap->len > r->v1_snapshot_max) {
                /* A protocol 1 board refuses a frame this big and would
                 * only ask again: say why, once, instead of sending it. */
                client_error(r, c, "snapshot-too-large",
                             "the snapshot is too large for one frame: upgrade calltop "
                             "(protocol 2 sends it in parts)",
                             LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
                return;
            }
            q_push_shared(c, r->snap);
        }
        STAT_ADD(r, snapshots, 1);
    }
    /* A board that joins while the log is unreadable is told at once that
     * what it just got may not be current (protocol 3 only). */
    if (r->rlog && c->proto >= 3 && !r->log_live) {
        buf = ct_proto_encode_status(false, log_down_reason(r), LWS_PRE, &len);
        if (!buf || !q_push_buf(r, c, buf, len, false)) return;
    }
    c->hello_done = true;
}

static void on_client_frame(ct_relay *r, pss *c, const char *buf, size_t len)
{
    ct_pmsg m;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode(buf, len, &m, &err) != CT_OK) {
        STAT_ADD(r, bad_messages, 1);
        client_error(r, c, "bad-message", err.detail, CT_CLOSE_BAD_MESSAGE);
        return;
    }
    if (!c->hello_done && m.type != CT_PM_HELLO && m.type != CT_PM_PING && m.type != CT_PM_PONG) {
        STAT_ADD(r, bad_messages, 1);
        client_error(r, c, "bad-message", "the first message must be hello", CT_CLOSE_BAD_MESSAGE);
        ct_pmsg_clear(&m);
        return;
    }
    switch (m.type) {
    case CT_PM_HELLO: on_hello(r, c, &m); break;
    case CT_PM_PING: {
        size_t n;
        char *out = ct_proto_encode_pong(m.t, LWS_PRE, &n);
        if (out) q_push_buf(r, c, out, n, false);
        break;
    }
    case CT_PM_PONG: break; /* already counted as a sign of life */
    default:
        STAT_ADD(r, bad_messages, 1);
        client_error(r, c, "bad-message", "clients may send hello, ping and pong only",
                     CT_CLOSE_BAD_MESSAGE);
        break;
    }
    ct_pmsg_clear(&m);
}

/* ---- webhooks ---------------------------------------------------------------- */

static void event_log(ct_relay *r, const ct_webhook *w, uint64_t seq, const ct_rstate_result *res)
{
    if (!r->event_log) return;
    char when[32];
    ct_time_format_iso(ct_clock_wall_ms(), when, sizeof when);
    /* Ids, kinds and states only: transcript text never reaches the log.
     * Every field comes from the sender, so each is escaped: a call id
     * holding a newline or ESC cannot forge a line or drive a terminal. */
    char id[4 * 128 + 1], status[4 * 48 + 1], phone[4 * 48 + 1];
    fprintf(r->event_log, "%s seq=%llu kind=%s call=%s status=%s phone=%s new_messages=%zu\n", when,
            (unsigned long long)seq, ct_webhook_type_name(w->type),
            ct_escape_field(w->call.id, id, sizeof id),
            ct_escape_field(res->status, status, sizeof status),
            ct_escape_field(res->phone_status, phone, sizeof phone), res->new_messages);
    fflush(r->event_log);
}

/* A change was merged but could not be framed (out of memory): no event
 * can carry it. Use up its seq so no client believes it is current, empty
 * the ring so nobody resumes across the hole, and close every client with
 * 1011 "resync": each reconnects and gets a snapshot that includes it. */
static void force_resync(ct_relay *r)
{
    r->seq++;
    ct_ring_clear(&r->ring);
    snapshot_invalidate(r);
    for (pss *c = r->clients; c; c = c->next)
        client_drop(r, c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "resync");
    STAT_ADD(r, resyncs_forced, 1);
}

/* Tests only (ct_relay_options.test_fail_frames): the next N event frames
 * "fail to encode" after their merge, so the recovery above is exercised
 * on a real relay. */
static bool frame_fault_for_test(ct_relay *r)
{
    if (r->frame_faults == 0) return false;
    r->frame_faults--;
    return true;
}

/* Merges one decoded webhook into the state and fans out its event (seq
 * r->seq + 1) when it changed a call. `heard_ms` is the call's "last heard"
 * time that expiry compares (the relay's monotonic clock, or with --redis
 * the log's arrival time); `born_us` the arrival for the latency metric (0:
 * none). *resynced: the state moved but no event could describe it, so
 * every client was sent to a snapshot (rc is then CT_OK). */
static ct_err merge_and_fan_out(ct_relay *r, const ct_webhook *w, int64_t born_us, int64_t heard_ms,
                                bool *changed, bool *resynced, ct_error *err)
{
    ct_rstate_result res;
    uint64_t seq = r->seq + 1;
    *changed = *resynced = false;
    snapshot_invalidate(r);
    ct_err rc = ct_rstate_apply(r->state, w, seq, LWS_PRE, heard_ms, &res, err);
    if (frame_fault_for_test(r) && rc == CT_OK && res.changed) {
        free(res.frame);
        res.frame = NULL;
        rc = ct_error_set(err, CT_ENOMEM, "out of memory encoding the event (injected)");
    }
    if (rc != CT_OK && res.merged) {
        force_resync(r);
        *resynced = true;
        return CT_OK;
    }
    if (rc != CT_OK) return rc;
    *changed = res.changed;
    if (res.changed) {
        ct_frame *f = ct_frame_wrap(res.frame, res.len, seq);
        if (!f) {
            force_resync(r);
        } else {
            f->born_us = born_us;
            r->seq = seq;
            ct_ring_push(&r->ring, f);
            for (pss *c = r->clients; c; c = c->next)
                if (c->hello_done) q_push(r, c, f, false);
            ct_frame_unref(f);
            STAT_ADD(r, events, 1);
            event_log(r, w, seq, &res);
        }
    } else {
        STAT_ADD(r, duplicates, 1);
    }
    return CT_OK;
}

#ifdef CT_HAVE_REDIS
/* --redis: the webhook is valid; it counts as accepted only once it is in
 * the log (200 then, with its stream id). Its event comes back to this
 * relay, as to every other, through the log (apply_log_entries). */
static void log_webhook(ct_relay *r, pss *p, struct lws *wsi)
{
    char id[48], msg[120];
    ct_error err;
    ct_error_clear(&err);
    if (ct_rlog_append(r->rlog, ct_clock_wall_ms(), p->body ? p->body : "", p->body_len, id,
                       &err) != CT_OK) {
        STAT_ADD(r, webhooks_unlogged, 1);
        notice(r, NOTE_LOG_DOWN, wsi);
        r->log_append_down = true;
        log_status_update(r);
        p->status = 503;
        p->retry_after = true;
        p->resp = strdup("{\"ok\":false,\"error\":\"the log (Redis) is unreachable; retry "
                         "later\"}");
        return;
    }
    STAT_ADD(r, webhooks_ok, 1);
    if (r->log_append_down) {
        r->log_append_down = false;
        log_status_update(r);
    }
    p->status = 200;
    snprintf(msg, sizeof msg, "{\"ok\":true,\"logged\":\"%s\"}", id);
    p->resp = strdup(msg);
}

/* --redis: trims the log, or, when another relay holds the trim lock,
 * tries again at the next tick: that relay may have weighed a checkpoint
 * list or positions older than ours (two relays at one boundary, one still
 * writing the checkpoint), and nobody else would trim until the next
 * boundary. */
static void log_trim(ct_relay *r)
{
    char minid[48];
    int rc = ct_rlog_trim(r->rlog, minid);
    if (rc > 0) STAT_ADD(r, log_trims, 1);
    r->trim_retry = rc < 0;
}

/* --redis: every relay reaches the same state at the same entry, so the
 * checkpoint at a boundary is the same whoever writes it: the first relay
 * there claims and writes it, the others find it (a ZREVRANGE each, and a
 * SET NX for those that arrive together). Then the log is trimmed behind the
 * oldest kept checkpoint and every reading relay (one relay at a time). */
static void checkpoint_at_boundary(ct_relay *r)
{
    if (!ct_rlog_reader_up(r->rlog)) return;
    /* Written already (by whichever relay got here first), or a newer one
     * exists (this relay is catching up): nothing to write. */
    if (ct_rlog_ckpt_newest_index(r->rlog) < r->log_index &&
        ct_rlog_ckpt_claim(r->rlog, r->log_pos)) {
        ct_ckpt_meta m = {.index = r->log_index, .seq = r->seq, .log_expire_ms = r->log_expire_ms};
        snprintf(m.stream, sizeof m.stream, "%s", r->stream);
        snprintf(m.pos, sizeof m.pos, "%s", r->log_pos);
        size_t len = 0;
        char *text = ct_ckpt_encode(&m, r->state, &len);
        ct_error err;
        ct_error_clear(&err);
        if (text && ct_rlog_ckpt_put(r->rlog, m.pos, m.index, text, len, CKPT_KEEP, &err) == CT_OK)
            STAT_ADD(r, checkpoints_written, 1);
        else if (r->notices) {
            fprintf(r->notices, "calltop-relay: checkpoint at %s not written: %s\n", m.pos,
                    text ? err.detail : "out of memory");
            fflush(r->notices);
        }
        free(text);
    }
    /* Our own position first, so the trim sees where we are now. */
    ct_rlog_publish_position(r->rlog, r->log_pos, r->position_ttl_ms);
    r->last_publish_ms = ct_clock_mono_ms();
    log_trim(r);
}

/* --redis, at start: the newest checkpoint that loads (state, seq, log
 * position and time), or none (the log is read from its beginning). */
static void checkpoint_load(ct_relay *r)
{
    char ids[CKPT_KEEP][48];
    size_t n = ct_rlog_ckpt_list(r->rlog, ids, CKPT_KEEP);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *text = ct_rlog_ckpt_get(r->rlog, ids[i], &len);
        if (!text) continue;
        ct_ckpt_meta m;
        ct_error err;
        ct_error_clear(&err);
        ct_err rc = ct_ckpt_decode(text, len, &m, r->state, &err);
        free(text);
        if (rc == CT_OK && strcmp(m.stream, r->stream) != 0)
            rc = ct_error_set(&err, CT_EVALUE, "it belongs to another log (stream %s)", m.stream);
        if (rc == CT_OK) {
            r->seq = m.seq;
            r->log_index = m.index;
            r->log_expire_ms = m.log_expire_ms;
            snprintf(r->log_pos, sizeof r->log_pos, "%s", m.pos);
            snprintf(r->ckpt_loaded, sizeof r->ckpt_loaded, "%s", m.pos);
            pthread_mutex_lock(&r->stats_lock);
            r->stats.checkpoint_loaded = true;
            pthread_mutex_unlock(&r->stats_lock);
            return;
        }
        if (r->notices) {
            fprintf(r->notices, "calltop-relay: checkpoint %s not loaded: %s\n", ids[i],
                    err.detail);
            fflush(r->notices);
        }
        /* It may have loaded in part: start again from an empty state. */
        ct_rstate *fresh = ct_rstate_new(r->max_calls);
        if (fresh) {
            ct_rstate_free(r->state);
            r->state = fresh;
        }
    }
}

/* --redis: applies what the reader thread read, in log order. Every state
 * change is a function of the log alone: "last heard" and expiry use the
 * entries' arrival times, and expiry and the byte bound run when the log's
 * time passes the next check, so every relay derives the same events. */
static void apply_log_entries(ct_relay *r)
{
    ct_rlog_entry *list = ct_rlog_take(r->rlog);
    for (ct_rlog_entry *e = list; e; e = e->next) {
        if (e->t_ms - r->log_expire_ms >= r->expire_tick_ms) {
            r->log_expire_ms = e->t_ms;
            size_t n = ct_rstate_expire(r->state, e->t_ms, r->expire_ms);
            if (n) {
                snapshot_invalidate(r);
                STAT_ADD(r, expired, n);
            }
            n = ct_rstate_trim(r->state, r->state_bytes);
            if (n) {
                snapshot_invalidate(r);
                STAT_ADD(r, calls_trimmed, n);
            }
        }
        ct_webhook w;
        ct_error err;
        ct_error_clear(&err);
        memset(&w, 0, sizeof w);
        STAT_ADD(r, log_entries, 1);
        /* Validated before it was logged; an entry that still does not
         * decode (a foreign writer) is skipped the same way by every relay. */
        if (ct_webhook_decode(e->body, e->len, &w, &err) == CT_OK) {
            bool changed, resynced;
            merge_and_fan_out(r, &w, 0, e->t_ms, &changed, &resynced, &err);
        }
        ct_webhook_clear(&w);
        r->log_index++;
        snprintf(r->log_pos, sizeof r->log_pos, "%s", e->id);
        if (r->log_index % r->ckpt_every == 0) checkpoint_at_boundary(r);
    }
    ct_rlog_entries_free(list);
    stats_sync(r);
}

static void log_wake(void *ud)
{
    lws_cancel_service(((ct_relay *)ud)->ctx);
}
#else
static void log_webhook(ct_relay *r, pss *p, struct lws *wsi)
{
    (void)r;
    (void)wsi;
    p->status = 503;
}
#endif

/* Decodes, merges and fans out one webhook; sets the HTTP answer. */
static void handle_webhook(ct_relay *r, pss *p, struct lws *wsi)
{
    char msg[160];
    ct_webhook w;
    ct_error err;
    ct_error_clear(&err);
    memset(&w, 0, sizeof w);
    /* Every text frame a client gets must be valid UTF-8 (RFC 6455 8.1), and
     * a call the relay holds is re-sent in every snapshot: repair once, on
     * intake, so one bad byte cannot get every client closed with 1007. */
    size_t repairs = 0, fixed_len = 0;
    char *fixed = p->body ? ct_utf8_repair(p->body, p->body_len, &fixed_len, &repairs) : NULL;
    if (repairs && !fixed) {
        p->status = 503;
        p->resp = strdup("{\"ok\":false,\"error\":\"out of memory\"}");
        return;
    }
    if (fixed) {
        free(p->body);
        p->body = fixed;
        p->body_len = fixed_len;
        STAT_ADD(r, utf8_repaired, 1);
    }
    if (ct_webhook_decode(p->body ? p->body : "", p->body_len, &w, &err) != CT_OK) {
        STAT_ADD(r, webhooks_bad, 1);
        p->status = 400;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddBoolToObject(o, "ok", false);
        cJSON_AddStringToObject(o, "error", err.detail[0] ? err.detail : "malformed webhook");
        p->resp = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        ct_webhook_clear(&w);
        return;
    }
    if (r->rlog) {
        log_webhook(r, p, wsi);
        ct_webhook_clear(&w);
        return;
    }
    bool changed = false, resynced = false;
    ct_err rc = merge_and_fan_out(r, &w, p->t0_us, ct_clock_mono_ms(), &changed, &resynced, &err);
    if (resynced) {
        /* The state moved but no event describes it: a retry by the sender
         * would now be a duplicate, so answering 5xx would not help, and
         * answering 200 alone would lose the change for every client. */
        STAT_ADD(r, webhooks_ok, 1);
        stats_sync(r);
        p->status = 200;
        snprintf(msg, sizeof msg, "{\"ok\":true,\"seq\":%llu,\"event\":false,\"resync\":true}",
                 (unsigned long long)r->seq);
        p->resp = strdup(msg);
        ct_webhook_clear(&w);
        return;
    }
    if (rc != CT_OK) {
        p->status = rc == CT_ENOMEM ? 503 : 400;
        snprintf(msg, sizeof msg, "{\"ok\":false,\"error\":\"%s\"}", ct_strerror(rc));
        p->resp = strdup(msg);
        STAT_ADD(r, webhooks_bad, 1);
        ct_webhook_clear(&w);
        return;
    }
    STAT_ADD(r, webhooks_ok, 1);
    stats_sync(r);
    p->status = 200;
    snprintf(msg, sizeof msg, "{\"ok\":true,\"seq\":%llu,\"event\":%s}", (unsigned long long)r->seq,
             changed ? "true" : "false");
    p->resp = strdup(msg);
    ct_webhook_clear(&w);
}

static char *healthz_json(ct_relay *r)
{
    stats_sync(r);
    ct_relay_stats s;
    ct_relay_get_stats(r, &s);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "ok", true);
    cJSON_AddNumberToObject(o, "protocol", CT_PROTOCOL_VERSION);
    cJSON_AddStringToObject(o, "stream", r->stream);
    ct_json_add_u64(o, "seq", s.seq);
    ct_json_add_u64(o, "calls", s.calls);
    ct_json_add_u64(o, "clients", s.clients);
    cJSON *k = cJSON_AddObjectToObject(o, "counters");
#define C(name, field) ct_json_add_u64(k, name, s.field)
    C("webhooksOk", webhooks_ok);
    C("webhooksBad", webhooks_bad);
    C("webhooksUnauthorized", webhooks_unauthorized);
    C("webhooksTooBig", webhooks_too_big);
    C("webhooksLengthRequired", webhooks_length_required);
    C("duplicates", duplicates);
    C("events", events);
    C("expired", expired);
    C("clientsTotal", clients_total);
    C("clientsRejected", clients_rejected);
    C("clientsSlow", clients_slow);
    C("clientsTimeout", clients_timeout);
    C("snapshots", snapshots);
    C("replays", replays);
    C("resyncsForced", resyncs_forced);
    C("badMessages", bad_messages);
    C("authThrottled", auth_throttled);
    C("connectionsRefused", connections_refused);
    C("requestsTimedOut", requests_timed_out);
    C("requestsEvicted", requests_evicted);
    C("callsTrimmed", calls_trimmed);
    C("utf8Repaired", utf8_repaired);
    C("framesRefused", frames_refused);
    if (r->proxies.n) C("forwardedMalformed", forwarded_malformed); /* --trusted-proxy only */
    if (r->rlog) {
        /* --redis only: without it /healthz reads exactly as before. */
        C("webhooksUnlogged", webhooks_unlogged);
        C("logEntries", log_entries);
        C("logStatusChanges", log_status_changes);
        C("checkpointsWritten", checkpoints_written);
        C("logTrims", log_trims);
        cJSON_AddBoolToObject(o, "logLive", s.log_live);
        cJSON_AddBoolToObject(o, "checkpointLoaded", s.checkpoint_loaded);
        cJSON_AddStringToObject(o, "checkpointPosition", r->ckpt_loaded);
        cJSON_AddStringToObject(o, "logPosition", r->log_pos);
        ct_json_add_u64(o, "logIndex", r->log_index);
    }
#undef C
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* GET /metrics: the relay's state, read on the service thread (metrics.h). */
static char *metrics_text(ct_relay *r)
{
    stats_sync(r);
    ct_relay_metrics m;
    memset(&m, 0, sizeof m);
    ct_relay_get_stats(r, &m.stats);
    m.ring_events = r->ring.count;
    m.ring_capacity = r->ring.cap;
    for (size_t i = 0; i < r->ring.count; i++)
        m.ring_bytes += r->ring.slots[(r->ring.head + i) % r->ring.cap]->len;
    for (pss *c = r->clients; c; c = c->next) {
        m.queued_frames += c->q_count;
        m.queued_bytes += c->q_bytes;
    }
    m.snapshot_bytes = r->snap ? r->snap->len : 0;
    m.rss_bytes = ct_metrics_rss_bytes();
    m.start_time_s = r->started_s;
    m.latency = r->latency;
    m.has_log = r->rlog != NULL;
    return ct_relay_metrics_render(&m, NULL);
}

static void http_reset(pss *p)
{
    free(p->body);
    free(p->resp);
    p->body = p->resp = NULL;
    p->body_len = p->resp_len = 0;
    p->route = R_NONE;
    p->ctype = NULL;
    p->authorized = p->too_big = p->answered = p->close_after = p->retry_after = false;
    p->status = 0;
}

/* The X-Forwarded-For header (repeated headers joined with commas by lws),
 * or NULL when absent or when no proxy is trusted (then it is never read).
 * One lws could not copy comes back "" (malformed: the peer is used). */
static char *xff_header(ct_relay *r, struct lws *wsi)
{
    int n = r->proxies.n ? lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) : 0;
    if (n <= 0) return NULL;
    char *xff = malloc((size_t)n + 1);
    if (xff && lws_hdr_copy(wsi, xff, n + 1, WSI_TOKEN_X_FORWARDED_FOR) < 0) *xff = '\0';
    return xff;
}

/* The client's address, the key of failed-auth throttling and of the
 * per-peer cap once a request's headers are in: the TCP peer, or, when
 * that is a --trusted-proxy, the client its X-Forwarded-For names
 * (proxy_addr.h). Header length is bounded by lws's header buffer. */
static void client_of(ct_relay *r, struct lws *wsi, char *buf, size_t len, bool count)
{
    char peer[CT_PROXY_ADDR_MAX + 16] = "";
    if (!lws_get_peer_simple(wsi, peer, sizeof peer)) snprintf(peer, sizeof peer, "?");
    char *xff = xff_header(r, wsi);
    if (ct_proxy_client(&r->proxies, peer, xff, buf, len) == CT_XFF_MALFORMED && count)
        STAT_ADD(r, forwarded_malformed, 1);
    free(xff);
}

/* Counted once per request, in conn_client_admit(); these look again. */
static void peer_of(ct_relay *r, struct lws *wsi, char *buf, size_t len)
{
    client_of(r, wsi, buf, len, false);
}

/* For notices: the client, and in `via` the proxy it came through ("" when
 * the client is the TCP peer). */
static void peer_text(ct_relay *r, struct lws *wsi, char *client, size_t clen, char *via,
                      size_t vlen)
{
    char peer[CT_PROXY_ADDR_MAX + 16] = "?";
    lws_get_peer_simple(wsi, peer, sizeof peer);
    snprintf(client, clen, "%s", peer);
    *via = '\0';
    char *xff = xff_header(r, wsi);
    /* Not counted again: the request's own lookup counted a bad header. */
    char named[CT_PROXY_ADDR_MAX];
    if (xff && ct_proxy_client(&r->proxies, peer, xff, named, sizeof named) == CT_XFF_CLIENT) {
        snprintf(client, clen, "%s", named);
        snprintf(via, vlen, "%s", peer);
    }
    free(xff);
}

/* True (and counted) when the peer's address is blocked for guessing. */
static bool auth_throttled(ct_relay *r, struct lws *wsi)
{
    char peer[CT_PROXY_ADDR_MAX];
    peer_of(r, wsi, peer, sizeof peer);
    int64_t now = ct_clock_mono_ms();
    if (!ct_throttle_blocked(r->throttle, peer, now)) return false;
    ct_throttle_fail(r->throttle, peer, now); /* guessing on extends the block */
    STAT_ADD(r, auth_throttled, 1);
    notice(r, NOTE_AUTH_THROTTLED, wsi);
    return true;
}

static void auth_failed(ct_relay *r, struct lws *wsi)
{
    char peer[CT_PROXY_ADDR_MAX];
    peer_of(r, wsi, peer, sizeof peer);
    ct_throttle_fail(r->throttle, peer, ct_clock_mono_ms());
}

/* ---- connection caps and the whole-request deadline ------------------------------ */

/* A request (headers and body) must be complete within request_deadline_ms
 * of its connection's accept or previous answer: a peer that sends one
 * byte every few seconds is cut, whatever lws's per-read timeout thinks.
 * Connections are capped in total and per peer address; when the total is
 * reached, the oldest unfinished HTTP request makes room (so /healthz and
 * real webhooks get in during a slow-body flood), and established monitor
 * clients are never touched. */

static void sa_text(const struct sockaddr *sa, char *text, size_t len)
{
    snprintf(text, len, "?");
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, (socklen_t)len);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, (socklen_t)len);
}

static uint64_t peer_key_sa(const struct sockaddr *sa)
{
    char text[INET6_ADDRSTRLEN];
    sa_text(sa, text, sizeof text);
    return ct_hash_str(text);
}

/* The slot of an accepted connection: kept in the wsi's opaque user data
 * (the array never moves), checked so a stale pointer is never trusted. */
static struct conn *conn_of(ct_relay *r, struct lws *wsi)
{
    struct conn *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (c >= r->conns && c < r->conns + r->conn_slots && c->wsi == wsi) return c;
    return NULL;
}

/* `now`: close at once (safe from the timer, outside any callback of that
 * connection); else on lws's next turn. */
static void conn_kill(ct_relay *r, struct conn *c, bool now)
{
    c->killing = true;
    r->conns_live--;
    /* The peer sees the end at once: lws may linger over a graceful close
     * (or defer the kill to a later turn) for a socket it still reads. */
    int fd = (int)lws_get_socket_fd(c->wsi);
    if (fd >= 0) shutdown(fd, SHUT_RDWR);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, now ? LWS_TO_KILL_SYNC : LWS_TO_KILL_ASYNC);
}

/* FILTER_NETWORK_CONNECTION: admit (true) or hang up on a new peer. */
static bool conn_admit(ct_relay *r, const struct sockaddr *sa)
{
    uint64_t key = peer_key_sa(sa);
    /* A --trusted-proxy carries many clients: only the total cap applies
     * at accept; each request is capped per client once its headers name
     * it (conn_client_admit). */
    char text[INET6_ADDRSTRLEN];
    sa_text(sa, text, sizeof text);
    bool proxy = r->proxies.n && ct_proxy_trusted(&r->proxies, text);
    size_t same = 0;
    struct conn *oldest = NULL, *free_slot = NULL;
    for (size_t i = 0; i < r->conn_slots; i++) {
        struct conn *c = &r->conns[i];
        if (!c->wsi) {
            free_slot = free_slot ? free_slot : c;
            continue;
        }
        if (c->killing) continue;
        same += c->peer == key;
        if (!c->is_ws && (!oldest || c->since_ms < oldest->since_ms)) oldest = c;
    }
    if (!proxy && same >= r->max_conns_per_peer) return false;
    if (r->conns_live >= r->max_conns) {
        if (!oldest) return false;
        STAT_ADD(r, requests_evicted, 1);
        conn_kill(r, oldest, false);
    }
    if (!free_slot) /* every slot waits for its destroy: refuse for now */
        return false;
    return true;
}

/* The peer is read from the socket itself, not carried over from the
 * filter callback: lws may filter several accepts before it instantiates
 * them, and a connection that went untracked would escape both the caps
 * and the deadline. */
static void conn_added(ct_relay *r, struct lws *wsi)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = (int)lws_get_socket_fd(wsi);
    uint64_t peer = fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &len) == 0
        ? peer_key_sa((const struct sockaddr *)&ss)
        : 0;
    for (size_t i = 0; i < r->conn_slots; i++)
        if (!r->conns[i].wsi) {
            r->conns[i] = (struct conn){.wsi = wsi, .peer = peer, .since_ms = ct_clock_mono_ms()};
            r->conns_live++;
            lws_set_opaque_user_data(wsi, &r->conns[i]);
            return;
        }
    /* Every slot is taken (a burst admitted together, or closed connections
     * not yet destroyed): an untracked connection would escape the caps and
     * the deadline, so it goes at once. */
    STAT_ADD(r, connections_refused, 1);
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

static void conn_gone(ct_relay *r, struct lws *wsi)
{
    struct conn *c = conn_of(r, wsi);
    if (!c) return;
    if (!c->killing) r->conns_live--;
    memset(c, 0, sizeof *c);
    lws_set_opaque_user_data(wsi, NULL);
}

/* An answer went out: the next request on this connection gets a fresh deadline. */
static void conn_touch(ct_relay *r, struct lws *wsi)
{
    struct conn *c = conn_of(r, wsi);
    if (c) c->since_ms = ct_clock_mono_ms();
}

/* A request's headers are in: a connection from a --trusted-proxy is
 * re-keyed to the client its X-Forwarded-For names and held to the
 * per-peer cap as that client. False: the client already has its share
 * (the caller answers 429 and closes). Other connections were capped at
 * accept and are left alone. */
static bool conn_client_admit(ct_relay *r, struct lws *wsi)
{
    struct conn *c = conn_of(r, wsi);
    char peer[CT_PROXY_ADDR_MAX + 16];
    if (!c || !r->proxies.n || !lws_get_peer_simple(wsi, peer, sizeof peer) ||
        !ct_proxy_trusted(&r->proxies, peer))
        return true;
    char client[CT_PROXY_ADDR_MAX];
    client_of(r, wsi, client, sizeof client, true);
    uint64_t key = ct_hash_str(client);
    size_t same = 0;
    for (size_t i = 0; i < r->conn_slots; i++) {
        const struct conn *o = &r->conns[i];
        same += o != c && o->wsi && !o->killing && o->peer == key;
    }
    if (same >= r->max_conns_per_peer) {
        STAT_ADD(r, connections_refused, 1);
        notice(r, NOTE_CONN_CAP, wsi);
        return false;
    }
    c->peer = key;
    return true;
}

static void conns_enforce_deadline(ct_relay *r, int64_t now)
{
    for (size_t i = 0; i < r->conn_slots; i++) {
        struct conn *c = &r->conns[i];
        if (c->wsi && !c->killing && !c->is_ws && now - c->since_ms > r->request_deadline_ms) {
            STAT_ADD(r, requests_timed_out, 1);
            notice(r, NOTE_REQUEST_DEADLINE, c->wsi);
            conn_kill(r, c, true);
        }
    }
}

/* Checks the webhook secret: header X-Calltop-Secret or /webhook/<secret>. */
static bool webhook_authorized(ct_relay *r, struct lws *wsi, const char *uri)
{
    if (strncmp(uri, "/webhook/", 9) == 0)
        return ct_secret_equal(uri + 9, strlen(uri + 9), r->secret);
    char hdr[512];
    static const char name[] = "x-calltop-secret:";
    int n = lws_hdr_custom_copy(wsi, hdr, sizeof hdr, name, (int)sizeof name - 1);
    bool ok = n > 0 && ct_secret_equal(hdr, (size_t)n, r->secret);
    memset(hdr, 0, sizeof hdr);
    return ok;
}

static int http_body_done(ct_relay *r, pss *p, struct lws *wsi);
static bool bearer_ok(ct_relay *r, struct lws *wsi);
static char *metrics_text(ct_relay *r);

/* Answers at once, before any body is read, and closes the connection
 * after (the unread body must not be taken for the next request). */
static int answer_and_close(pss *p, struct lws *wsi, int status, const char *json)
{
    p->route = R_NONE;
    p->answered = p->close_after = true;
    p->status = status;
    p->resp = strdup(json);
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_begin(ct_relay *r, pss *p, struct lws *wsi, const char *uri)
{
    http_reset(p);
    p->t0_us = ct_metrics_now_us();
    bool post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
    bool get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    if (!conn_client_admit(r, wsi))
        return answer_and_close(p, wsi, 429,
                                "{\"ok\":false,\"error\":\"too many open connections from this "
                                "address\"}");
    if (strcmp(uri, "/webhook") == 0 || strncmp(uri, "/webhook/", 9) == 0) {
        p->route = post ? R_WEBHOOK : R_METHOD;
        if (post && auth_throttled(r, wsi)) /* answered without looking at the secret */
            return answer_and_close(p, wsi, 429,
                                    "{\"ok\":false,\"error\":\"too many failed authentications "
                                    "from this address; retry later\"}");
        if (post) {
            p->authorized = webhook_authorized(r, wsi, uri);
            if (!p->authorized) auth_failed(r, wsi);
            char cl[32];
            if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 &&
                strtoull(cl, NULL, 10) > r->max_body)
                p->too_big = true;
            /* lws 4.1 never reports the end of a chunked request body, so
             * the sender would wait for a reply that never comes: say so at
             * once (411: send a Content-Length) and close. */
            if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
                if (!p->authorized) {
                    STAT_ADD(r, webhooks_unauthorized, 1);
                    notice(r, NOTE_WEBHOOK_SECRET, wsi);
                    return answer_and_close(
                        p, wsi, 401,
                        "{\"ok\":false,\"error\":\"wrong or missing webhook secret\"}");
                }
                STAT_ADD(r, webhooks_length_required, 1);
                notice(r, NOTE_WEBHOOK_CHUNKED, wsi);
                return answer_and_close(
                    p, wsi, 411,
                    "{\"ok\":false,\"error\":\"chunked bodies are not accepted: "
                    "send Content-Length\"}");
            }
            /* A sender that asks first ("Expect: 100-continue") would
             * otherwise sit out its own timeout before sending the body;
             * lws does not answer it for us. (Plain HTTP/1.1 only: ALPN
             * offers nothing else, see ct_relay_start.) */
            char ex[32];
            if (p->authorized && !p->too_big &&
                lws_hdr_copy(wsi, ex, sizeof ex, WSI_TOKEN_HTTP_EXPECT) > 0 &&
                strcasecmp(ex, "100-continue") == 0) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                unsigned char b[LWS_PRE + sizeof cont];
                memcpy(b + LWS_PRE, cont, sizeof cont - 1);
                if (lws_write(wsi, b + LWS_PRE, sizeof cont - 1, LWS_WRITE_HTTP) < 0) return -1;
            }
            /* Wait for the body before answering; lws reports no body
             * completion for an empty one, so answer that now. */
            if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) <= 0 &&
                (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0 ||
                 strtoull(cl, NULL, 10) == 0))
                return http_body_done(r, p, wsi);
            return 0;
        }
    } else if (strcmp(uri, "/healthz") == 0) {
        p->route = get ? R_HEALTHZ : R_METHOD;
    } else if (strcmp(uri, "/metrics") == 0) {
        p->route = get ? R_METRICS : R_METHOD;
    } else {
        p->route = R_NOTFOUND;
    }
    if (p->route == R_HEALTHZ) {
        p->status = 200;
        p->resp = healthz_json(r);
    } else if (p->route == R_METRICS) {
        /* Behind the clients' token: counts of clients and webhooks are
         * not for whoever can reach the port. */
        if (bearer_ok(r, wsi)) {
            p->status = 200;
            p->ctype = "text/plain; version=0.0.4; charset=utf-8";
            p->resp = metrics_text(r);
        } else {
            p->status = 401;
            p->resp = strdup("{\"ok\":false,\"error\":\"wrong or missing bearer token\"}");
        }
    } else if (p->route == R_METHOD) {
        p->status = 405;
        p->resp = strdup("{\"ok\":false,\"error\":\"method not allowed\"}");
    } else {
        p->status = 404;
        p->resp = strdup("{\"ok\":false,\"error\":\"not found\"}");
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_body_done(ct_relay *r, pss *p, struct lws *wsi)
{
    if (p->route != R_WEBHOOK || p->answered) return 0;
    p->answered = true;
    if (!p->authorized) {
        STAT_ADD(r, webhooks_unauthorized, 1);
        notice(r, NOTE_WEBHOOK_SECRET, wsi);
        p->status = 401;
        p->resp = strdup("{\"ok\":false,\"error\":\"wrong or missing webhook secret\"}");
    } else if (p->too_big) {
        STAT_ADD(r, webhooks_too_big, 1);
        notice(r, NOTE_WEBHOOK_TOO_BIG, wsi);
        p->status = 413;
        p->resp = strdup("{\"ok\":false,\"error\":\"body too large\"}");
    } else {
        handle_webhook(r, p, wsi);
        if (p->status == 400) notice(r, NOTE_WEBHOOK_BAD, wsi);
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int http_write(ct_relay *r, pss *p, struct lws *wsi)
{
    if (!p->status) return 0;
    if (!p->resp) p->resp = strdup("{}");
    size_t n = p->resp ? strlen(p->resp) : 0;
    unsigned char hbuf[LWS_PRE + 512];
    unsigned char *start = hbuf + LWS_PRE, *q = start, *end = hbuf + sizeof hbuf - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)p->status,
                                    p->ctype ? p->ctype : "application/json", n, &q, end) ||
        (p->retry_after &&
         lws_add_http_header_by_name(
             wsi, (const unsigned char *)"retry-after:", (const unsigned char *)"1", 1, &q, end)) ||
        lws_finalize_write_http_header(wsi, start, &q, end))
        return -1;
    unsigned char *body = malloc(LWS_PRE + n + 1);
    if (!body) return -1;
    memcpy(body + LWS_PRE, p->resp ? p->resp : "", n);
    int w = lws_write(wsi, body + LWS_PRE, n, LWS_WRITE_HTTP_FINAL);
    free(body);
    bool close_now = p->close_after;
    conn_touch(r, wsi);
    /* Nothing of this transaction outlives its answer (keep-alive reuses p). */
    http_reset(p);
    if (w < (int)n || close_now) return -1;
    if (lws_http_transaction_completed(wsi)) return -1;
    return 0;
}

/* ---- the WebSocket side -------------------------------------------------------- */

static bool ws_path_ok(struct lws *wsi)
{
    char uri[64];
    return lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) > 0 && !strcmp(uri, "/monitor");
}

/* Handshake gate for /monitor: path and bearer token. Returns true to admit. */
static bool ws_admit(ct_relay *r, struct lws *wsi)
{
    if (!ws_path_ok(wsi)) return false;
    return bearer_ok(r, wsi);
}

/* "Authorization: Bearer <client token>" (for /monitor and /metrics). */
static bool bearer_ok(ct_relay *r, struct lws *wsi)
{
    char auth[512];
    int n = lws_hdr_copy(wsi, auth, sizeof auth, WSI_TOKEN_HTTP_AUTHORIZATION);
    bool ok = n > 7 && strncasecmp(auth, "Bearer ", 7) == 0 &&
        ct_secret_equal(auth + 7, (size_t)n - 7, r->token);
    memset(auth, 0, sizeof auth);
    return ok;
}

/* Refuses an upgrade with a complete HTTP/1.1 answer of our own: lws's
 * lws_return_http_status() sends HTTP/1.0 and an HTML page linking
 * /error.css. A bad token gets 401 + WWW-Authenticate: Bearer (RFC 6750);
 * any other path 404, so a client pointed at the wrong URL is not told its
 * token is wrong; 429 while the address is throttled for guessing (or, `conns`,
 * has its share of connections through a --trusted-proxy).
 * Returns -1: the connection closes after the answer. */
static int refuse_upgrade(struct lws *wsi, int status, bool conns)
{
    const char *line, *extra = "", *body;
    if (status == 401) {
        line = "401 Unauthorized";
        extra = "WWW-Authenticate: Bearer realm=\"calltop-relay\"\r\n";
        body = "{\"ok\":false,\"error\":\"wrong or missing relay token\"}";
    } else if (status == 429 && conns) {
        line = "429 Too Many Requests";
        body = "{\"ok\":false,\"error\":\"too many open connections from this address\"}";
    } else if (status == 429) {
        line = "429 Too Many Requests";
        extra = "Retry-After: 60\r\n";
        body = "{\"ok\":false,\"error\":\"too many failed authentications from this "
               "address; retry later\"}";
    } else {
        line = "404 Not Found";
        body = "{\"ok\":false,\"error\":\"not found: the monitor WebSocket is at /monitor\"}";
    }
    char text[512];
    int n = snprintf(text, sizeof text,
                     "HTTP/1.1 %s\r\n%s"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     line, extra, strlen(body), body);
    unsigned char buf[LWS_PRE + sizeof text];
    memcpy(buf + LWS_PRE, text, (size_t)n);
    lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_HTTP);
    return -1;
}

static void client_unlink(ct_relay *r, pss *c)
{
    for (pss **pp = &r->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
}

/* Frames written per writeable callback at most: enough to drain a burst
 * (one frame per callback let a watcher's queue grow past its bound when a
 * service turn produced several events, and dropped it as "too slow" under
 * 4+ concurrent webhook senders, found by bench_relay), few enough that
 * one client cannot hold the service thread for long. */
#define WRITES_PER_CALLBACK 64

static int ws_writeable(ct_relay *r, pss *c)
{
    if (c->q_count) {
        for (int n = 0; c->q_count && n < WRITES_PER_CALLBACK; n++) {
            /* lws buffers what the socket did not take; write more only
             * while nothing is pending, as lws requires. */
            if (n > 0 && lws_send_pipe_choked(c->wsi)) break;
            ct_frame *f = c->q[c->q_head];
            int w = lws_write(c->wsi, (unsigned char *)f->buf + LWS_PRE, f->len, LWS_WRITE_TEXT);
            if (w >= (int)f->len && f->born_us)
                ct_latency_observe(&r->latency, (double)(ct_metrics_now_us() - f->born_us) / 1e6);
            c->q[c->q_head] = NULL;
            c->q_head = (c->q_head + 1) % c->q_cap;
            c->q_count--;
            size_t want = f->len;
            if (!f->shared) c->q_bytes -= want;
            ct_frame_unref(f);
            if (w < (int)want) return -1;
        }
        if (c->q_count || c->dropping) lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (c->dropping) {
        const char *why = c->close_reason ? c->close_reason : "";
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code, (unsigned char *)why,
                         strlen(why));
        return -1;
    }
    return 0;
}

static void tick(lws_sorted_usec_list_t *sul)
{
    ct_relay *r = lws_container_of(sul, ct_relay, tick);
    int64_t now = ct_clock_mono_ms();
    ct_frame *ping = NULL;
    for (pss *c = r->clients; c; c = c->next) {
        if (c->dropping) continue;
        if (now - c->last_rx_ms > 3 * (int64_t)r->heartbeat_ms) {
            STAT_ADD(r, clients_timeout, 1);
            client_drop(r, c, CT_CLOSE_TIMEOUT, "heartbeat timeout");
            continue;
        }
        if (c->hello_done && now - c->last_ping_ms >= r->heartbeat_ms) {
            if (!ping) {
                size_t len = 0;
                char *text = ct_proto_encode_ping(ct_clock_wall_ms(), LWS_PRE, &len);
                ping = ct_frame_wrap(text, len, 0);
            }
            if (ping) q_push(r, c, ping, false);
            c->last_ping_ms = now;
        }
    }
    ct_frame_unref(ping);
    conns_enforce_deadline(r, now);
    /* With --redis, expiry and the byte bound follow the log's time
     * instead (apply_log_entries), so every relay drops the same calls. */
    if (!r->rlog && now - r->last_expire_ms >= r->expire_tick_ms) {
        r->last_expire_ms = now;
        size_t n = ct_rstate_expire(r->state, now, r->expire_ms);
        if (n) {
            snapshot_invalidate(r);
            STAT_ADD(r, expired, n);
        }
        /* The byte bound: checked at the expiry pace, so it can be passed
         * by at most that long's webhooks (each capped by --max-body). */
        n = ct_rstate_trim(r->state, r->state_bytes);
        if (n) {
            snapshot_invalidate(r);
            STAT_ADD(r, calls_trimmed, n);
        }
    }
    log_status_update(r);
#ifdef CT_HAVE_REDIS
    if (r->rlog && r->trim_retry && ct_rlog_reader_up(r->rlog)) log_trim(r);
    /* While reading, tell the trimmer where we are (see checkpoint_at_boundary). */
    if (r->rlog && now - r->last_publish_ms >= POSITION_EVERY_MS && ct_rlog_reader_up(r->rlog) &&
        !ct_rlog_gap(r->rlog)) {
        ct_rlog_publish_position(r->rlog, r->log_pos, r->position_ttl_ms);
        r->last_publish_ms = now;
    }
#endif
    stats_sync(r);
    lws_sul_schedule(r->ctx, 0, &r->tick, tick, r->tick_ms * LWS_US_PER_MS);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *ctx = lws_get_context(wsi);
    ct_relay *r = ctx ? lws_context_user(ctx) : NULL;
    pss *p = user;

    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        const struct lws_filter_network_conn_args *fa = user;
        if (!r || !fa) return 0;
        if (!conn_admit(r, (const struct sockaddr *)&fa->cli_addr)) {
            STAT_ADD(r, connections_refused, 1);
            notice(r, NOTE_CONN_CAP, NULL);
            return 1; /* lws hangs up */
        }
        return 0;
    }
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        if (r) conn_added(r, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (r) conn_gone(r, wsi);
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        /* ct_relay_stop() woke us (the service loop checks the flag), or
         * ct_relay_reopen_event_log() did. */
        if (r && atomic_exchange(&r->reopen_log, false)) event_log_reopen(r);
#ifdef CT_HAVE_REDIS
        /* ... or the log reader queued entries. */
        if (r && r->rlog) {
            apply_log_entries(r);
            log_status_update(r);
        }
#endif
        return 0;

    /* HTTP */
    case LWS_CALLBACK_HTTP: return http_begin(r, p, wsi, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (p->route != R_WEBHOOK || !p->authorized || p->too_big || !len)
            return 0; /* read and discard; the answer says why */
        if (p->body_len + len > r->max_body) {
            p->too_big = true;
            free(p->body);
            p->body = NULL;
            p->body_len = 0;
            return 0;
        }
        {
            char *nb = realloc(p->body, p->body_len + len + 1);
            if (!nb) return -1;
            memcpy(nb + p->body_len, in, len);
            p->body = nb;
            p->body_len += len;
            p->body[p->body_len] = '\0';
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return http_body_done(r, p, wsi);
    case LWS_CALLBACK_HTTP_WRITEABLE: return http_write(r, p, wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p && !p->is_client) http_reset(p);
        break; /* the dummy handler has its own cleanup for these */

    /* WebSocket */
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        if (!conn_client_admit(r, wsi)) {
            STAT_ADD(r, clients_rejected, 1);
            return refuse_upgrade(wsi, 429, true);
        }
        if (ws_path_ok(wsi) && auth_throttled(r, wsi)) {
            STAT_ADD(r, clients_rejected, 1);
            return refuse_upgrade(wsi, 429, false);
        }
        if (!ws_admit(r, wsi)) {
            STAT_ADD(r, clients_rejected, 1);
            bool path_ok = ws_path_ok(wsi);
            if (path_ok) auth_failed(r, wsi);
            notice(r, path_ok ? NOTE_CLIENT_TOKEN : NOTE_CLIENT_PATH, wsi);
            return refuse_upgrade(wsi, path_ok ? 401 : 404, false);
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* Second gate (the first answered 401): never admit without the token. */
        return ws_admit(r, wsi) ? 0 : -1;
    case LWS_CALLBACK_ESTABLISHED: {
        struct conn *cn = conn_of(r, wsi);
        if (cn) cn->is_ws = true; /* from now on the heartbeat decides, not the deadline */
    }
        memset(p, 0, sizeof *p);
        p->wsi = wsi;
        p->is_client = true;
        p->q_cap = r->q_frames;
        p->q = calloc(p->q_cap, sizeof *p->q);
        if (!p->q) return -1;
        p->last_rx_ms = p->last_ping_ms = ct_clock_mono_ms();
        p->next = r->clients;
        r->clients = p;
        STAT_ADD(r, clients_total, 1);
        stats_sync(r);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        p->last_rx_ms = ct_clock_mono_ms();
        if (p->dropping) return 0;
        if (lws_frame_is_binary(wsi)) {
            /* The protocol is JSON text; RFC 6455 7.4.1: 1003 for a data
             * type the endpoint cannot accept. */
            STAT_ADD(r, frames_refused, 1);
            client_error(r, p, "bad-message", "binary frames are not accepted",
                         LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE);
            return 0;
        }
        if (p->rx_len + len > CT_PROTOCOL_MAX_CLIENT_FRAME) {
            STAT_ADD(r, bad_messages, 1);
            client_error(r, p, "bad-message", "frame too large", CT_CLOSE_BAD_MESSAGE);
            return 0;
        }
        {
            char *nb = realloc(p->rx, p->rx_len + len + 1);
            if (!nb) return -1;
            if (len) memcpy(nb + p->rx_len, in, len);
            p->rx = nb;
            p->rx_len += len;
        }
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            on_client_frame(r, p, p->rx, p->rx_len);
            free(p->rx);
            p->rx = NULL;
            p->rx_len = 0;
        }
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: return ws_writeable(r, p);
    case LWS_CALLBACK_CLOSED:
        if (p->is_client) {
            client_unlink(r, p);
            q_clear(p);
            free(p->q);
            free(p->rx);
            p->q = NULL;
            p->rx = NULL;
            p->is_client = false;
            stats_sync(r);
        }
        return 0;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {CT_PROTOCOL_WS_NAME, callback, sizeof(pss), CT_PROTOCOL_MAX_CLIENT_FRAME, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- lifecycle -------------------------------------------------------------------- */

static void *service_main(void *arg)
{
    ct_relay *r = arg;
    while (!atomic_load(&r->stop))
        if (lws_service(r->ctx, 0) < 0) break;
    return NULL;
}

static void relay_free(ct_relay *r)
{
    if (!r) return;
#ifdef CT_HAVE_REDIS
    if (r->rlog) ct_rlog_unpublish(r->rlog); /* a clean stop: trimming need not wait for us */
    ct_rlog_close(r->rlog);                  /* first: its reader wakes the context */
#endif
    if (r->ctx) lws_context_destroy(r->ctx); /* closes clients: CLOSED runs here */
    snapshot_invalidate(r);
    ct_ring_free(&r->ring);
    ct_rstate_free(r->state);
    if (r->event_log) fclose(r->event_log);
    free(r->event_log_path);
    ct_throttle_free(r->throttle);
    ct_proxy_list_free(&r->proxies);
    free(r->conns);
    free(r->host);
    if (r->secret) memset(r->secret, 0, strlen(r->secret));
    if (r->token) memset(r->token, 0, strlen(r->token));
    free(r->secret);
    free(r->token);
    free(r->cert);
    free(r->key);
    pthread_mutex_destroy(&r->stats_lock);
    free(r);
}

/* A TLS file must be readable and look like PEM. */
static ct_err tls_file_check(const char *path, const char *what, ct_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return ct_error_set(err, CT_ETLS, "cannot read the TLS %s %s: %s", what, path,
                            strerror(errno));
    char head[4096];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = 0;
    bool pem = strstr(head, "-----BEGIN ") != NULL;
    memset(head, 0, sizeof head); /* it may have been the private key */
    if (!pem) return ct_error_set(err, CT_ETLS, "the TLS %s %s is not a PEM file", what, path);
    return CT_OK;
}

ct_relay *ct_relay_start(const ct_relay_options *opt, ct_error *err)
{
    if (!opt || !opt->webhook_secret || !*opt->webhook_secret) {
        ct_error_set(err, CT_ECONFIG, "the relay needs a webhook secret");
        return NULL;
    }
    if (!opt->client_token || !*opt->client_token) {
        ct_error_set(err, CT_ECONFIG, "the relay needs a client token");
        return NULL;
    }
    if (!opt->cert_path != !opt->key_path) {
        ct_error_set(err, CT_ECONFIG, "TLS needs both a certificate and a key");
        return NULL;
    }
    ct_relay *r = calloc(1, sizeof *r);
    if (!r) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->stats_lock, NULL);
    r->host = strdup(opt->host ? opt->host : "127.0.0.1");
    r->secret = strdup(opt->webhook_secret);
    r->token = strdup(opt->client_token);
    r->cert = opt->cert_path ? strdup(opt->cert_path) : NULL;
    r->key = opt->key_path ? strdup(opt->key_path) : NULL;
    r->expire_ms = (opt->expire_finished_s > 0 ? opt->expire_finished_s : DEFAULT_EXPIRE_S) * 1000;
    r->heartbeat_ms = opt->heartbeat_ms > 0 ? opt->heartbeat_ms : DEFAULT_HEARTBEAT_MS;
    r->expire_tick_ms = opt->expire_check_ms > 0 ? opt->expire_check_ms : DEFAULT_EXPIRE_TICK;
    r->max_body = opt->max_body_bytes ? opt->max_body_bytes : DEFAULT_MAX_BODY;
    r->ring_cap = opt->ring_events ? opt->ring_events : DEFAULT_RING;
    r->q_frames = opt->client_queue_frames ? opt->client_queue_frames : DEFAULT_Q_FRAMES;
    r->q_bytes = opt->client_queue_bytes ? opt->client_queue_bytes : DEFAULT_Q_BYTES;
    make_stream_id(r->stream);
    /* seq starts at the start time in microseconds (< 2^53 until 2255), so
     * it keeps growing across restarts and a client may use it as a version
     * without knowing the relay restarted. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    r->seq = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
    r->started_s = (int64_t)now.tv_sec;
    r->max_calls = opt->max_calls ? opt->max_calls : DEFAULT_MAX_CALLS;
    r->state = ct_rstate_new(r->max_calls);
    if (!r->host || !r->secret || !r->token || (opt->cert_path && !r->cert) ||
        (opt->key_path && !r->key) || !r->state || !ct_ring_init(&r->ring, r->ring_cap)) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        relay_free(r);
        return NULL;
    }
    r->frame_faults = opt->test_fail_frames;
    r->snap_part_bytes =
        opt->snapshot_part_bytes ? opt->snapshot_part_bytes : DEFAULT_SNAPSHOT_PART;
    r->state_bytes = opt->max_state_bytes ? opt->max_state_bytes : DEFAULT_STATE_BYTES;
    r->v1_snapshot_max =
        opt->v1_snapshot_max_bytes ? opt->v1_snapshot_max_bytes : DEFAULT_V1_SNAPSHOT_MAX;
    r->ring.max_bytes = opt->ring_bytes ? opt->ring_bytes : DEFAULT_RING_BYTES;
    r->max_conns = opt->max_connections ? opt->max_connections : DEFAULT_MAX_CONNS;
    r->max_conns_per_peer =
        opt->max_connections_per_peer ? opt->max_connections_per_peer : DEFAULT_MAX_CONNS_PER_PEER;
    r->request_deadline_ms =
        opt->request_deadline_ms > 0 ? opt->request_deadline_ms : DEFAULT_REQUEST_DEADLINE_MS;
    /* Slack: a connection we closed keeps its slot until lws destroys it. */
    r->conn_slots = r->max_conns + r->max_conns / 4 + 16;
    r->conns = calloc(r->conn_slots, sizeof *r->conns);
    if (!r->conns) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        relay_free(r);
        return NULL;
    }
    r->throttle = ct_throttle_new(opt->auth_fail_limit ? opt->auth_fail_limit : 20,
                                  opt->auth_fail_window_ms > 0 ? opt->auth_fail_window_ms : 60000);
    if (!r->throttle) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        relay_free(r);
        return NULL;
    }
    if (ct_proxy_list_parse(opt->trusted_proxies, &r->proxies, err) != CT_OK) {
        relay_free(r);
        return NULL;
    }
    r->notices = opt->notices;
    r->notice_interval_ms = opt->notice_interval_ms > 0 ? opt->notice_interval_ms : 10000;
    if (opt->event_log_path) {
        r->event_log_path = strdup(opt->event_log_path);
        int fd = open(opt->event_log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        r->event_log = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (!r->event_log) {
            ct_error_set(err, CT_EIO, "cannot open the event log %s: %s", opt->event_log_path,
                         strerror(errno));
            if (fd >= 0) close(fd);
            relay_free(r);
            return NULL;
        }
    }

    /* lws's own lines go to calltop's log (off unless one is open), never
     * to stderr; the level is process-wide, the monitor sets the same. */
    /* lws's log level is the program's choice (calltop/lws_log.h) */
    /* lws binds numeric addresses (or interface names) only: resolve
     * "localhost" and friends first. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE},
                    *ai = NULL;
    if (getaddrinfo(r->host, NULL, &hints, &ai) == 0 && ai) {
        char num[INET6_ADDRSTRLEN];
        const void *addr = ai->ai_family == AF_INET6
            ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        if (inet_ntop(ai->ai_family, addr, num, sizeof num)) {
            char *h = strdup(num);
            if (h) {
                free(r->host);
                r->host = h;
            }
        }
        freeaddrinfo(ai);
    }

    /* Say which thing is wrong: lws only reports "could not create". */
    int berr = ct_lws_bind_probe(r->host, opt->port);
    if (berr) {
        ct_error_set(err, CT_EIO, "cannot listen on %s:%d: %s", r->host, opt->port,
                     berr == EADDRINUSE ? "address already in use" : strerror(berr));
        relay_free(r);
        return NULL;
    }
    if (r->cert &&
        (tls_file_check(r->cert, "certificate", err) != CT_OK ||
         tls_file_check(r->key, "key", err) != CT_OK)) {
        relay_free(r);
        return NULL;
    }

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = opt->port;
    info.iface = r->host;
    info.protocols = protocols;
    info.user = r;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    /* lws opens an IPv6 socket on every interface unless told otherwise,
     * whatever `iface` says: an IPv4 address needs IPv6 off, and an IPv6
     * one must not take IPv4-mapped peers. Either way only the address
     * asked for answers (an internet-facing relay on "127.0.0.1" must not
     * be reachable on the public interface). */
    if (strchr(r->host, ':'))
        info.options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
    else info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    if (r->cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = r->cert;
        info.ssl_private_key_filepath = r->key;
    }
    info.timeout_secs = 10;
    info.alpn = "http/1.1";
    r->ctx = lws_create_context(&info);
    if (!r->ctx) {
        /* The address bound a moment ago and the files are readable PEM: */
        if (r->cert)
            ct_error_set(err, CT_ETLS,
                         "TLS setup failed: --cert %s and --key %s are not a "
                         "matching PEM certificate and private key",
                         r->cert, r->key);
        else ct_error_set(err, CT_EIO, "cannot listen on %s:%d", r->host, opt->port);
        relay_free(r);
        return NULL;
    }
    r->vhost = lws_get_vhost_by_name(r->ctx, "default");
    r->port = r->vhost ? lws_get_vhost_listen_port(r->vhost) : -1;
    if (r->port <= 0) {
        ct_error_set(err, CT_EIO, "cannot listen on %s:%d", r->host, opt->port);
        relay_free(r);
        return NULL;
    }
    if (opt->redis_url) {
#ifdef CT_HAVE_REDIS
        r->rlog =
            ct_rlog_open(opt->redis_url, opt->redis_password, opt->redis_prefix, log_wake, r, err);
        if (!r->rlog) {
            relay_free(r);
            return NULL;
        }
        /* Every relay on this log announces the log's stream id: a board
         * resumes on any of them with its lastSeq. */
        snprintf(r->stream, sizeof r->stream, "%s", ct_rlog_stream_id(r->rlog));
        r->seq = ct_rlog_seq_base(r->rlog);
        /* From the newest checkpoint when there is one: the start-up replay
         * is then at most --redis-checkpoint-every entries. */
        snprintf(r->log_pos, sizeof r->log_pos, "0-0");
        r->ckpt_every =
            opt->redis_checkpoint_every ? opt->redis_checkpoint_every : DEFAULT_CKPT_EVERY;
        r->position_ttl_ms =
            opt->redis_reader_ttl_ms > 0 ? opt->redis_reader_ttl_ms : DEFAULT_POSITION_TTL_MS;
        checkpoint_load(r);
        ct_rlog_publish_position(r->rlog, r->log_pos, r->position_ttl_ms);
        if (ct_rlog_start(r->rlog, r->log_pos, err) != CT_OK) {
            relay_free(r);
            return NULL;
        }
#else
        ct_error_set(err, CT_ECONFIG,
                     "built without Redis support "
                     "(hiredis): --redis is not available");
        relay_free(r);
        return NULL;
#endif
    }
    r->last_expire_ms = ct_clock_mono_ms();
    /* Fine enough for the shortest period configured (tests use short ones). */
    r->tick_ms = TICK_MS;
    if (r->heartbeat_ms / 3 < r->tick_ms)
        r->tick_ms = r->heartbeat_ms / 3 > 10 ? r->heartbeat_ms / 3 : 10;
    if (r->expire_tick_ms < r->tick_ms)
        r->tick_ms = r->expire_tick_ms > 10 ? r->expire_tick_ms : 10;
    lws_sul_schedule(r->ctx, 0, &r->tick, tick, r->tick_ms * LWS_US_PER_MS);
    stats_sync(r);
    if (pthread_create(&r->thread, NULL, service_main, r) != 0) {
        ct_error_set(err, CT_EIO, "cannot start the relay thread");
        relay_free(r);
        return NULL;
    }
    r->thread_started = true;
    return r;
}

void ct_relay_reopen_event_log(ct_relay *r)
{
    if (!r || !r->ctx) return;
    atomic_store(&r->reopen_log, true);
    lws_cancel_service(r->ctx);
}

int ct_relay_port(const ct_relay *r)
{
    return r ? r->port : -1;
}

const char *ct_relay_stream(const ct_relay *r)
{
    return r ? r->stream : "";
}

void ct_relay_get_stats(ct_relay *r, ct_relay_stats *out)
{
    pthread_mutex_lock(&r->stats_lock);
    *out = r->stats;
    pthread_mutex_unlock(&r->stats_lock);
}

void ct_relay_stop(ct_relay *r)
{
    if (!r) return;
    if (r->thread_started) {
        atomic_store(&r->stop, true);
        lws_cancel_service(r->ctx);
        pthread_join(r->thread, NULL);
    }
    lws_sul_cancel(&r->tick);
    relay_free(r);
}

/* ---- secrets from files --------------------------------------------------------------- */

ct_err ct_relay_read_secret_file(const char *path, char **out, ct_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ct_error_set(err, CT_ECONFIG, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ct_error_set(err, CT_ECONFIG, "%s: not a regular file", path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return ct_error_set(err, CT_ECONFIG,
                            "%s: permissions %04o are too open; it must not be accessible by "
                            "group or others (chmod 600 %s)",
                            path, (unsigned)(st.st_mode & 07777), path);
    }
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) return ct_error_set(err, CT_ECONFIG, "%s: %s", path, strerror(errno));
    buf[n] = '\0';
    while (n > 0 &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    if (n == 0 || memchr(buf, '\n', (size_t)n)) {
        memset(buf, 0, sizeof buf);
        return ct_error_set(err, CT_ECONFIG, "%s: expected one line holding the secret", path);
    }
    *out = strdup(buf);
    memset(buf, 0, sizeof buf);
    return *out ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
}
