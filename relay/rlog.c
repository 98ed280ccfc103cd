/* rlog.c — the relay's shared log on Redis Streams; see rlog.h. */
#include "rlog.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltop/clock.h"
#include "ckpt.h"

#define CONNECT_TIMEOUT_MS 500
#define COMMAND_TIMEOUT_MS 2000 /* above READ_BLOCK_MS: a blocked read is not a timeout */
#define READ_BLOCK_MS      500  /* the reader sees ct_rlog_close within this */
#define READ_COUNT         512  /* entries per XREAD */
#define QUEUE_MAX          8192 /* entries waiting for the service thread, at most */
#define RECONNECT_GAP_MS   500

struct ct_rlog {
    char host[256];
    int port, db;
    char *password;
    char prefix[128]; /* key prefix: PREFIX:log, PREFIX:stream-id */
    char key[160];    /* the stream: PREFIX:log */
    char stream_id[17];
    uint64_t seq_base; /* the log's first seq - 1, shared like stream_id */
    void (*wake)(void *ud);
    void *ud;

    redisContext *writer;    /* service thread */
    int64_t writer_retry_ms; /* no reconnect before this (mono) */

    pthread_t thread;
    bool thread_started;
    atomic_bool stop;
    atomic_bool reader_up;
    atomic_bool caught_up; /* the last read returned less than a full batch */
    atomic_bool gap;       /* entries after last_id were trimmed away: reading stopped */
    char last_id[48];      /* reader thread: the newest id read */
    char instance[24];     /* this relay's name among the readers (PREFIX:relays) */

    pthread_mutex_t lock; /* the queue */
    pthread_cond_t room;
    ct_rlog_entry *head, *tail;
    size_t queued;
};

ct_err ct_rlog_parse_url(const char *url, char *host, size_t hlen, int *port, int *db,
                         ct_error *err)
{
    static const char scheme[] = "redis://";
    if (!url || strncmp(url, scheme, sizeof scheme - 1) != 0)
        return ct_error_set(err, CT_ECONFIG, "--redis: expected redis://HOST[:PORT][/DB]");
    const char *p = url + sizeof scheme - 1;
    if (strchr(p, '@'))
        return ct_error_set(err, CT_ECONFIG,
                            "--redis: no user or password in the URL (it "
                            "would show in the process list): set CALLTOP_REDIS_PASSWORD or "
                            "use --redis-password-file");
    const char *slash = strchr(p, '/');
    const char *end = slash ? slash : p + strlen(p);
    const char *colon = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == ':') colon = q;
    const char *hend = colon ? colon : end;
    size_t n = (size_t)(hend - p);
    if (n == 0 || n >= hlen)
        return ct_error_set(err, CT_ECONFIG, "--redis: missing or too long host");
    memcpy(host, p, n);
    host[n] = '\0';
    *port = 6379;
    *db = 0;
    if (colon) {
        char *e;
        errno = 0;
        long v = strtol(colon + 1, &e, 10);
        if (errno || e != end || colon + 1 == end || v < 1 || v > 65535)
            return ct_error_set(err, CT_ECONFIG, "--redis: the port must be 1..65535");
        *port = (int)v;
    }
    if (slash && slash[1]) {
        char *e;
        errno = 0;
        long v = strtol(slash + 1, &e, 10);
        if (errno || *e || v < 0 || v > 1000000)
            return ct_error_set(err, CT_ECONFIG, "--redis: the database must be a number");
        *db = (int)v;
    }
    return CT_OK;
}

/* A connected, authenticated context on the right database, or NULL (with
 * the reason in err: CT_ECONFIG when Redis refused the password). */
static redisContext *connect_redis(ct_rlog *l, ct_error *err)
{
    struct timeval ct = {0, CONNECT_TIMEOUT_MS * 1000};
    redisContext *c = redisConnectWithTimeout(l->host, l->port, ct);
    if (!c || c->err) {
        ct_error_set(err, CT_EIO, "Redis at %s:%d unreachable: %s", l->host, l->port,
                     c ? c->errstr : "out of memory");
        if (c) redisFree(c);
        return NULL;
    }
    struct timeval ctimeout = {COMMAND_TIMEOUT_MS / 1000, (COMMAND_TIMEOUT_MS % 1000) * 1000};
    redisSetTimeout(c, ctimeout);
    redisReply *rep = NULL;
    if (l->password) {
        rep = redisCommand(c, "AUTH %s", l->password);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            ct_error_set(err, rep ? CT_ECONFIG : CT_EIO, "Redis at %s:%d refused the password",
                         l->host, l->port);
            if (rep) freeReplyObject(rep);
            redisFree(c);
            return NULL;
        }
        freeReplyObject(rep);
    }
    if (l->db) {
        rep = redisCommand(c, "SELECT %d", l->db);
        if (!rep || rep->type == REDIS_REPLY_ERROR) {
            ct_error_set(err, rep ? CT_ECONFIG : CT_EIO, "Redis at %s:%d: no database %d", l->host,
                         l->port, l->db);
            if (rep) freeReplyObject(rep);
            redisFree(c);
            return NULL;
        }
        freeReplyObject(rep);
    }
    return c;
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* XREAD's answer [[key, [[id, [field, value, ...]], ...]]] -> entries. An
 * entry without a body is skipped (not ours to apply); its id still moves
 * the read position. */
static void queue_reply(ct_rlog *l, const redisReply *rep)
{
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements < 1) return;
    const redisReply *s = rep->element[0];
    if (s->type != REDIS_REPLY_ARRAY || s->elements < 2 || s->element[1]->type != REDIS_REPLY_ARRAY)
        return;
    const redisReply *list = s->element[1];
    for (size_t i = 0; i < list->elements; i++) {
        const redisReply *e = list->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements < 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[0]->len >= sizeof l->last_id)
            continue;
        const redisReply *kv = e->element[1];
        if (kv->type != REDIS_REPLY_ARRAY) {
            snprintf(l->last_id, sizeof l->last_id, "%s", e->element[0]->str);
            continue;
        }
        const char *body = NULL;
        size_t blen = 0;
        int64_t t = 0;
        for (size_t k = 0; k + 1 < kv->elements; k += 2) {
            const redisReply *f = kv->element[k], *v = kv->element[k + 1];
            if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
            if (strcmp(f->str, "b") == 0) {
                body = v->str;
                blen = v->len;
            } else if (strcmp(f->str, "t") == 0) {
                t = strtoll(v->str, NULL, 10);
            }
        }
        if (!body) {
            snprintf(l->last_id, sizeof l->last_id, "%s", e->element[0]->str);
            continue;
        }
        ct_rlog_entry *n = calloc(1, sizeof *n);
        char *b = n ? malloc(blen + 1) : NULL;
        if (!b) {
            /* Out of memory: the entry cannot be skipped without every
             * later seq going wrong; the next XREAD starts at it again. */
            free(n);
            nap_ms(100);
            break;
        }
        memcpy(b, body, blen);
        b[blen] = '\0';
        snprintf(n->id, sizeof n->id, "%s", e->element[0]->str);
        n->t_ms = t;
        n->body = b;
        n->len = blen;
        /* Our position is taken before the entry is handed over: once it is
         * queued the service thread may apply and free it at any moment
         * (reading n->id after the unlock was a use-after-free, caught by
         * ASan in bench_relay's Redis mode). */
        snprintf(l->last_id, sizeof l->last_id, "%s", n->id);
        pthread_mutex_lock(&l->lock);
        /* A service thread that falls behind holds the reader back
         * (bounded memory), never the other way round. */
        while (l->queued >= QUEUE_MAX && !atomic_load(&l->stop)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 100 * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&l->room, &l->lock, &ts);
        }
        if (l->tail) l->tail->next = n;
        else l->head = n;
        l->tail = n;
        l->queued++;
        pthread_mutex_unlock(&l->lock);
    }
    if (list->elements && l->wake) l->wake(l->ud);
}

/* Was the log trimmed beyond our position? PREFIX:trimmed holds the
 * newest MINID, set before each XTRIM; read after the XREAD, so a trim
 * that removed entries this batch skipped is always seen. */
static bool trimmed_past(ct_rlog *l, redisContext *c)
{
    redisReply *rep = redisCommand(c, "GET %s:trimmed", l->prefix);
    bool past = rep && rep->type == REDIS_REPLY_STRING && ct_ckpt_id_cmp(l->last_id, rep->str) < 0;
    if (rep) freeReplyObject(rep);
    return past;
}

static void *reader_main(void *arg)
{
    ct_rlog *l = arg;
    redisContext *c = NULL;
    while (!atomic_load(&l->stop)) {
        if (!c) {
            ct_error err;
            ct_error_clear(&err);
            c = connect_redis(l, &err);
            if (!c) {
                nap_ms(200);
                continue;
            }
            atomic_store(&l->reader_up, true);
            if (l->wake) l->wake(l->ud);
        }
        redisReply *rep = redisCommand(c, "XREAD COUNT %d BLOCK %d STREAMS %s %s", READ_COUNT,
                                       READ_BLOCK_MS, l->key, l->last_id);
        if (!rep || c->err) {
            if (rep) freeReplyObject(rep);
            redisFree(c);
            c = NULL;
            atomic_store(&l->reader_up, false);
            atomic_store(&l->caught_up, false);
            if (l->wake) l->wake(l->ud);
            continue;
        }
        if (rep->type == REDIS_REPLY_ERROR) {
            /* e.g. the key holds something else: nothing can be read. */
            freeReplyObject(rep);
            nap_ms(200);
            continue;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements && trimmed_past(l, c)) {
            /* Entries after our position were trimmed (this relay was
             * paused past its registration's TTL): applying what follows
             * would skip them. Stop here; the relay reports the log not
             * live until it is restarted (from a checkpoint). */
            freeReplyObject(rep);
            atomic_store(&l->gap, true);
            if (l->wake) l->wake(l->ud);
            while (!atomic_load(&l->stop)) nap_ms(100);
            break;
        }
        queue_reply(l, rep);
        /* A short batch (or none: the block timed out) means the reader
         * holds everything the log had a moment ago: caught up. */
        bool short_batch = rep->type != REDIS_REPLY_ARRAY || rep->elements < 1 ||
            rep->element[0]->elements < 2 || rep->element[0]->element[1]->elements < READ_COUNT;
        freeReplyObject(rep);
        if (atomic_exchange(&l->caught_up, short_batch) != short_batch && l->wake) l->wake(l->ud);
    }
    if (c) redisFree(c);
    atomic_store(&l->reader_up, false);
    return NULL;
}

/* The board stream id of this log: shared by every relay on it, created
 * by the first (SET NX), so a board resumes on any of them. */
static ct_err load_stream_id(ct_rlog *l, ct_error *err)
{
    unsigned char b[8];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    if (got != (ssize_t)sizeof b) {
        uint64_t x = (uint64_t)ct_clock_wall_ms() ^ ((uint64_t)getpid() << 32);
        memcpy(b, &x, sizeof b);
    }
    char fresh[17];
    for (int i = 0; i < 8; i++) snprintf(fresh + 2 * i, 3, "%02x", b[i]);
    /* Seqs start at the log's creation time in microseconds, as a lone
     * relay's start at its start time: a board that kept a seq from before
     * (another log, a lone relay) never mistakes the new ones for old. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    unsigned long long base =
        (unsigned long long)now.tv_sec * 1000000ULL + (unsigned long long)now.tv_nsec / 1000;
    redisReply *rep =
        redisCommand(l->writer, "SET %s:stream-id %s:%llu NX", l->prefix, fresh, base);
    if (rep) freeReplyObject(rep);
    rep = redisCommand(l->writer, "GET %s:stream-id", l->prefix);
    char *colon = rep && rep->type == REDIS_REPLY_STRING ? strchr(rep->str, ':') : NULL;
    if (!colon || colon - rep->str != 16) {
        /* Redis's own words say why (e.g. "NOAUTH Authentication required"). */
        char why[128] = "";
        if (rep && rep->type == REDIS_REPLY_ERROR) snprintf(why, sizeof why, ": %.100s", rep->str);
        if (rep) freeReplyObject(rep);
        return ct_error_set(err, CT_EIO,
                            "Redis at %s:%d: cannot read the log's stream id "
                            "(%s:stream-id)%s",
                            l->host, l->port, l->prefix, why);
    }
    memcpy(l->stream_id, rep->str, 16);
    l->stream_id[16] = '\0';
    l->seq_base = strtoull(colon + 1, NULL, 10);
    freeReplyObject(rep);
    return CT_OK;
}

ct_rlog *ct_rlog_open(const char *url, const char *password, const char *key_prefix,
                      void (*wake)(void *ud), void *ud, ct_error *err)
{
    ct_rlog *l = calloc(1, sizeof *l);
    if (!l) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->room, NULL);
    snprintf(l->prefix, sizeof l->prefix, "%s", key_prefix && *key_prefix ? key_prefix : "calltop");
    snprintf(l->key, sizeof l->key, "%s:log", l->prefix);
    snprintf(l->last_id, sizeof l->last_id, "0-0");
    l->wake = wake;
    l->ud = ud;
    if (ct_rlog_parse_url(url, l->host, sizeof l->host, &l->port, &l->db, err) != CT_OK ||
        (password && *password && !(l->password = strdup(password)))) {
        ct_rlog_close(l);
        return NULL;
    }
    l->writer = connect_redis(l, err);
    if (!l->writer || load_stream_id(l, err) != CT_OK) {
        ct_rlog_close(l);
        return NULL;
    }
    /* A name for this relay among the log's readers: its applied position
     * is published under it, so trimming never passes it. */
    unsigned char b[6];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    if (got != (ssize_t)sizeof b) {
        uint64_t x = (uint64_t)ct_clock_mono_ms() ^ ((uint64_t)getpid() << 20);
        memcpy(b, &x, sizeof b);
    }
    for (int i = 0; i < 6; i++) snprintf(l->instance + 2 * i, 3, "%02x", b[i]);
    return l;
}

ct_err ct_rlog_start(ct_rlog *l, const char *after_id, ct_error *err)
{
    snprintf(l->last_id, sizeof l->last_id, "%s", after_id && *after_id ? after_id : "0-0");
    if (pthread_create(&l->thread, NULL, reader_main, l) != 0)
        return ct_error_set(err, CT_EIO, "cannot start the Redis reader thread");
    l->thread_started = true;
    return CT_OK;
}

/* ---- checkpoints, positions, trimming (service thread, writer) ------------ */

/* A command on the writer; NULL (and the writer dropped when the
 * connection broke) on failure. Reconnects at most every 500 ms. */
static redisReply *wcmd(ct_rlog *l, const char *fmt, ...)
{
    if (!l->writer) {
        int64_t now = ct_clock_mono_ms();
        if (now < l->writer_retry_ms) return NULL;
        ct_error err;
        ct_error_clear(&err);
        if (!(l->writer = connect_redis(l, &err))) {
            l->writer_retry_ms = now + RECONNECT_GAP_MS;
            return NULL;
        }
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(l->writer, fmt, ap);
    va_end(ap);
    if (!rep || l->writer->err) {
        if (rep) freeReplyObject(rep);
        redisFree(l->writer);
        l->writer = NULL;
        l->writer_retry_ms = ct_clock_mono_ms() + RECONNECT_GAP_MS;
        return NULL;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        freeReplyObject(rep);
        return NULL;
    }
    return rep;
}

size_t ct_rlog_ckpt_list(ct_rlog *l, char ids[][48], size_t max)
{
    redisReply *rep = wcmd(l, "ZREVRANGE %s:ckpts 0 %d", l->prefix, (int)max - 1);
    size_t n = 0;
    if (rep && rep->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < rep->elements && n < max; i++)
            if (rep->element[i]->type == REDIS_REPLY_STRING && rep->element[i]->len < 48)
                snprintf(ids[n++], 48, "%s", rep->element[i]->str);
    if (rep) freeReplyObject(rep);
    return n;
}

char *ct_rlog_ckpt_get(ct_rlog *l, const char *id, size_t *len)
{
    redisReply *rep = wcmd(l, "GET %s:ckpt:%s", l->prefix, id);
    char *text = NULL;
    if (rep && rep->type == REDIS_REPLY_STRING && (text = malloc(rep->len + 1))) {
        memcpy(text, rep->str, rep->len);
        text[rep->len] = '\0';
        *len = rep->len;
    }
    if (rep) freeReplyObject(rep);
    return text;
}

uint64_t ct_rlog_ckpt_newest_index(ct_rlog *l)
{
    redisReply *rep = wcmd(l, "ZREVRANGE %s:ckpts 0 0 WITHSCORES", l->prefix);
    uint64_t index = UINT64_MAX; /* unreachable: as if one were there (nothing to write now) */
    if (rep && rep->type == REDIS_REPLY_ARRAY) {
        index = 0;
        if (rep->elements == 2 && rep->element[1]->type == REDIS_REPLY_STRING)
            index = strtoull(rep->element[1]->str, NULL, 10);
    }
    if (rep) freeReplyObject(rep);
    return index;
}

bool ct_rlog_ckpt_claim(ct_rlog *l, const char *id)
{
    redisReply *rep = wcmd(l, "SET %s:ckpt-claim:%s %s NX PX 60000", l->prefix, id, l->instance);
    bool mine = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep) freeReplyObject(rep);
    return mine;
}

ct_err ct_rlog_ckpt_put(ct_rlog *l, const char *id, uint64_t index, const char *text, size_t len,
                        size_t keep, ct_error *err)
{
    /* The data first, then its entry in the index: a listed checkpoint
     * always has its data. */
    redisReply *rep = wcmd(l, "SET %s:ckpt:%s %b", l->prefix, id, text, len);
    if (!rep) return ct_error_set(err, CT_EIO, "Redis did not take the checkpoint");
    freeReplyObject(rep);
    rep = wcmd(l, "ZADD %s:ckpts %llu %s", l->prefix, (unsigned long long)index, id);
    if (!rep) return ct_error_set(err, CT_EIO, "Redis did not index the checkpoint");
    freeReplyObject(rep);
    /* Keep the newest `keep`: the index first, so no reader lists one
     * whose data is about to go. */
    rep = wcmd(l, "ZRANGE %s:ckpts 0 %d", l->prefix, -(int)keep - 1);
    if (rep && rep->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < rep->elements; i++) {
            const redisReply *e = rep->element[i];
            if (e->type != REDIS_REPLY_STRING) continue;
            redisReply *x = wcmd(l, "ZREM %s:ckpts %s", l->prefix, e->str);
            if (x) freeReplyObject(x);
            x = wcmd(l, "DEL %s:ckpt:%s", l->prefix, e->str);
            if (x) freeReplyObject(x);
        }
    if (rep) freeReplyObject(rep);
    return CT_OK;
}

void ct_rlog_publish_position(ct_rlog *l, const char *pos, int ttl_ms)
{
    char v[96];
    snprintf(v, sizeof v, "%s %lld", pos, (long long)(ct_clock_wall_ms() + ttl_ms));
    redisReply *rep = wcmd(l, "HSET %s:relays %s %s", l->prefix, l->instance, v);
    if (rep) freeReplyObject(rep);
}

void ct_rlog_unpublish(ct_rlog *l)
{
    if (!l->writer) return; /* no reconnect just for this: the TTL clears it */
    redisReply *rep = wcmd(l, "HDEL %s:relays %s", l->prefix, l->instance);
    if (rep) freeReplyObject(rep);
}

int ct_rlog_trim(ct_rlog *l, char out[48])
{
    bool trimmed = false;
    /* One trimmer at a time: PREFIX:trimmed only ever grows. */
    redisReply *lock = wcmd(l, "SET %s:trim-lock %s NX PX 5000", l->prefix, l->instance);
    bool have = lock && lock->type == REDIS_REPLY_STATUS;
    bool busy = lock && lock->type == REDIS_REPLY_NIL;
    if (lock) freeReplyObject(lock);
    if (!have) return busy ? -1 : 0;
    char ckpts[8][48];
    size_t n_ck = ct_rlog_ckpt_list(l, ckpts, 8);
    const char *ck[8], *rl[256];
    char relays[256][48];
    size_t n_rl = 0;
    for (size_t i = 0; i < n_ck; i++) ck[i] = ckpts[i];
    redisReply *rep = n_ck ? wcmd(l, "HGETALL %s:relays", l->prefix) : NULL;
    int64_t now = ct_clock_wall_ms();
    bool complete = rep && rep->type == REDIS_REPLY_ARRAY;
    for (size_t i = 0; complete && i + 1 < rep->elements; i += 2) {
        const redisReply *f = rep->element[i], *v = rep->element[i + 1];
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) continue;
        char pos[48] = "";
        long long until = 0;
        if (sscanf(v->str, "%47s %lld", pos, &until) != 2) continue;
        if (until < now) {
            /* Gone quiet (stopped, or paused past its TTL): no longer
             * waited for; if it comes back behind the trim it stops. */
            redisReply *x = wcmd(l, "HDEL %s:relays %s", l->prefix, f->str);
            if (x) freeReplyObject(x);
            continue;
        }
        if (n_rl == 256) {
            complete = false; /* more readers than we can weigh: trim nothing */
            break;
        }
        snprintf(relays[n_rl], 48, "%s", pos);
        rl[n_rl] = relays[n_rl];
        n_rl++;
    }
    if (rep) freeReplyObject(rep);
    char minid[48];
    if (complete && ct_ckpt_trim_point(ck, n_ck, rl, n_rl, minid)) {
        redisReply *old = wcmd(l, "GET %s:trimmed", l->prefix);
        bool newer =
            old && (old->type != REDIS_REPLY_STRING || ct_ckpt_id_cmp(minid, old->str) > 0);
        if (old) freeReplyObject(old);
        redisReply *x = newer ? wcmd(l, "SET %s:trimmed %s", l->prefix, minid) : NULL;
        if (x) {
            freeReplyObject(x);
            x = wcmd(l, "XTRIM %s MINID %s", l->key, minid);
            if (x) {
                freeReplyObject(x);
                snprintf(out, 48, "%s", minid);
                trimmed = true;
            }
        }
    }
    rep = wcmd(l, "DEL %s:trim-lock", l->prefix);
    if (rep) freeReplyObject(rep);
    return trimmed ? 1 : 0;
}

const char *ct_rlog_stream_id(const ct_rlog *l)
{
    return l->stream_id;
}

uint64_t ct_rlog_seq_base(const ct_rlog *l)
{
    return l->seq_base;
}

ct_err ct_rlog_append(ct_rlog *l, int64_t t_ms, const char *body, size_t len, char *id_out,
                      ct_error *err)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!l->writer) {
            int64_t now = ct_clock_mono_ms();
            if (now < l->writer_retry_ms) return ct_error_set(err, CT_EIO, "Redis unreachable");
            l->writer = connect_redis(l, err);
            if (!l->writer) {
                l->writer_retry_ms = now + RECONNECT_GAP_MS;
                return CT_EIO;
            }
        }
        char t[24];
        snprintf(t, sizeof t, "%lld", (long long)t_ms);
        redisReply *rep = redisCommand(l->writer, "XADD %s * t %s b %b", l->key, t, body, len);
        if (rep && rep->type == REDIS_REPLY_STRING && rep->len < 48) {
            memcpy(id_out, rep->str, rep->len);
            id_out[rep->len] = '\0';
            freeReplyObject(rep);
            return CT_OK;
        }
        bool broken = !rep || l->writer->err;
        const char *why = rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "no answer";
        ct_error_set(err, CT_EIO, "Redis refused the append: %.120s", why);
        if (rep) freeReplyObject(rep);
        if (!broken) return CT_EIO; /* e.g. out of memory in Redis: a retry would not help */
        /* A connection that broke since the last webhook (Redis restarted):
         * one fresh connection is worth a try. The XADD either reached Redis
         * or not; if it did and the answer was lost, the sender's retry is a
         * duplicate delivery, which the merge already ignores. */
        redisFree(l->writer);
        l->writer = NULL;
        l->writer_retry_ms = 0;
        if (attempt == 1) l->writer_retry_ms = ct_clock_mono_ms() + RECONNECT_GAP_MS;
    }
    return CT_EIO;
}

ct_rlog_entry *ct_rlog_take(ct_rlog *l)
{
    pthread_mutex_lock(&l->lock);
    ct_rlog_entry *e = l->head;
    l->head = l->tail = NULL;
    l->queued = 0;
    pthread_cond_signal(&l->room);
    pthread_mutex_unlock(&l->lock);
    return e;
}

void ct_rlog_entries_free(ct_rlog_entry *e)
{
    while (e) {
        ct_rlog_entry *n = e->next;
        free(e->body);
        free(e);
        e = n;
    }
}

bool ct_rlog_reader_up(ct_rlog *l)
{
    return atomic_load(&l->reader_up);
}

bool ct_rlog_caught_up(ct_rlog *l)
{
    return atomic_load(&l->reader_up) && atomic_load(&l->caught_up) && !atomic_load(&l->gap);
}

bool ct_rlog_gap(ct_rlog *l)
{
    return atomic_load(&l->gap);
}

bool ct_rlog_writer_check(ct_rlog *l)
{
    if (!l->writer) {
        int64_t now = ct_clock_mono_ms();
        if (now < l->writer_retry_ms) return false;
        ct_error err;
        ct_error_clear(&err);
        l->writer = connect_redis(l, &err);
        if (!l->writer) {
            l->writer_retry_ms = now + RECONNECT_GAP_MS;
            return false;
        }
    }
    redisReply *rep = redisCommand(l->writer, "PING");
    bool ok = rep && rep->type != REDIS_REPLY_ERROR && !l->writer->err;
    if (rep) freeReplyObject(rep);
    if (!ok && l->writer->err) {
        redisFree(l->writer);
        l->writer = NULL;
        l->writer_retry_ms = ct_clock_mono_ms() + RECONNECT_GAP_MS;
    }
    return ok;
}

void ct_rlog_close(ct_rlog *l)
{
    if (!l) return;
    atomic_store(&l->stop, true);
    if (l->thread_started) {
        pthread_mutex_lock(&l->lock);
        pthread_cond_signal(&l->room);
        pthread_mutex_unlock(&l->lock);
        pthread_join(l->thread, NULL);
    }
    if (l->writer) redisFree(l->writer);
    ct_rlog_entries_free(l->head);
    if (l->password) {
        memset(l->password, 0, strlen(l->password));
        free(l->password);
    }
    pthread_cond_destroy(&l->room);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
