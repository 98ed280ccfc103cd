/* reduce.c — one event -> the store, the reducer's state, and typed effects.
 * The rules and their reasons are listed in include/calltop/reduce.h; this
 * file is their only implementation. */
#include "calltop/reduce.h"

#include "calltop/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the effects buffer --------------------------------------------------
 * Strings go to one arena; an effect first records offsets (the arena may
 * move while it grows) and the pointers are set once the event is done. */

#define NO_STR ((size_t)-1)

static void fx_reset(ct_effects *fx)
{
    fx->n = 0;
    fx->arena_len = 0;
    fx->oom = false;
}

/* Offsets ride in the pointer members until fx_finish turns them into
 * pointers: (const char *)(offset + 1), NULL for none. */
static const char *off_ptr(size_t off)
{
    return off == NO_STR ? NULL : (const char *)(uintptr_t)(off + 1);
}

static size_t arena_put(ct_effects *fx, const char *s, size_t len)
{
    if (!s) return NO_STR;
    if (fx->arena_len + len + 1 > fx->arena_cap) {
        size_t cap = fx->arena_cap ? fx->arena_cap : 1024;
        while (cap < fx->arena_len + len + 1) cap *= 2;
        char *a = realloc(fx->arena, cap);
        if (!a) {
            fx->oom = true;
            return NO_STR;
        }
        fx->arena = a;
        fx->arena_cap = cap;
    }
    size_t off = fx->arena_len;
    memcpy(fx->arena + off, s, len);
    fx->arena[off + len] = '\0';
    fx->arena_len += len + 1;
    return off;
}

static ct_effect *fx_push(ct_effects *fx, ct_effect_kind kind, const char *call_id)
{
    if (fx->n == fx->cap) {
        size_t cap = fx->cap ? fx->cap * 2 : 16;
        ct_effect *v = realloc(fx->v, cap * sizeof *v);
        if (!v) {
            fx->oom = true;
            return NULL;
        }
        fx->v = v;
        fx->cap = cap;
    }
    ct_effect *e = &fx->v[fx->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->call_id = off_ptr(call_id ? arena_put(fx, call_id, strlen(call_id)) : NO_STR);
    return e;
}

static void fx_text(ct_effects *fx, ct_effect *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fx_text(ct_effects *fx, ct_effect *e, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = (int)sizeof buf - 1;
    e->text = off_ptr(arena_put(fx, buf, (size_t)n));
}

static void fx_finish(ct_effects *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        ct_effect *e = &fx->v[i];
        if (e->call_id) e->call_id = fx->arena + ((uintptr_t)e->call_id - 1);
        if (e->text) e->text = fx->arena + ((uintptr_t)e->text - 1);
    }
}

static void flash(ct_reducer *r, ct_fx_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void flash(ct_reducer *r, ct_fx_level lvl, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ct_effect *e = fx_push(&r->fx, CT_EFF_FLASH, NULL);
    if (!e) return;
    e->level = lvl;
    fx_text(&r->fx, e, "%s", buf);
}

static void log_line(ct_reducer *r, ct_fx_level lvl, const char *text)
{
    ct_effect *e = fx_push(&r->fx, CT_EFF_LOG, NULL);
    if (!e) return;
    e->level = lvl;
    fx_text(&r->fx, e, "%s", text);
}

static const char *why(const ct_error *e)
{
    return e->detail[0] ? e->detail : ct_strerror(e->code);
}

/* ---- life cycle ------------------------------------------------------------ */

int ct_reducer_init(ct_reducer *r, ct_store *store)
{
    memset(r, 0, sizeof *r);
    r->store = store;
    if (ct_assist_cache_init(&r->assistants, 0, 0) != 0) return -1;
    r->own_chan.monitor = CT_MON_OFF;
    ct_reducer_bind_channel(r, &r->own_chan.monitor, &r->own_chan.last_event_ms,
                            &r->own_chan.polling);
    return 0;
}

void ct_reducer_bind_channel(ct_reducer *r, ct_monitor_state *monitor, ct_time_ms *last_event_ms,
                             bool *polling)
{
    r->chan.monitor = monitor;
    r->chan.last_event_ms = last_event_ms;
    r->chan.polling = polling;
}

void ct_reducer_free(ct_reducer *r)
{
    ct_number_list_clear(&r->numbers);
    ct_assist_cache_free(&r->assistants);
    free(r->fx.v);
    free(r->fx.arena);
    memset(&r->fx, 0, sizeof r->fx);
}

void ct_reducer_trim(ct_reducer *r)
{
    /* what a few hundred effects need stays allocated */
    if (r->fx.cap > 256) {
        free(r->fx.v);
        r->fx.v = NULL;
        r->fx.cap = r->fx.n = 0;
    }
    if (r->fx.arena_cap > 16384) {
        free(r->fx.arena);
        r->fx.arena = NULL;
        r->fx.arena_cap = r->fx.arena_len = 0;
    }
}

void ct_reduce_own_read(ct_reducer *r, ct_request_kind kind, uint64_t request_id,
                        const char *call_id)
{
    if (!request_id) return;
    if (kind == CT_REQ_LIST_CALLS) {
        r->list_req = request_id;
    } else if (kind == CT_REQ_GET_CALL) {
        r->get_req = request_id;
        snprintf(r->get_id, sizeof r->get_id, "%s", call_id ? call_id : "");
    }
}

uint64_t ct_reduce_rest_version(const ct_call *c, ct_time_ms now)
{
    /* REST carries no sequence: updatedAt orders it among webhooks (whose
     * version is their timestamp); without it, the fetch time does. */
    return (uint64_t)(c->updated_at ? c->updated_at : now);
}

/* ---- one call in, its transitions out ------------------------------------------ */

typedef struct before {
    bool known, live, hang;
} before;

static bool entry_live(const ct_call_entry *e)
{
    return e && ct_call_is_live(&e->call);
}

static before look(const ct_reducer *r, const char *id)
{
    const ct_call_entry *e = ct_store_get(r->store, id);
    before b = {.known = e != NULL, .live = entry_live(e), .hang = e && e->hang};
    return b;
}

/* After a merge: what changed for the call, and who confirmed it. */
static void after(ct_reducer *r, const char *id, before b, ct_time_ms now, bool by_channel)
{
    ct_call_entry *e = ct_store_get_mut(r->store, id);
    if (!e) return; /* evicted by the cap at once */
    bool live = entry_live(e);
    e->confirmed_at = now > e->confirmed_at ? now : e->confirmed_at;
    e->confirmed_by_channel = by_channel;
    if (by_channel) e->channel_live = live;
    if (!by_channel && e->not_visible) {
        /* REST sees the call after all */
        e->not_visible = false;
        ct_store_touch(r->store, e);
    }
    ct_effect *fx = NULL;
    if (!b.known) {
        if ((fx = fx_push(&r->fx, CT_EFF_CALL_NEW, id))) fx->live = live;
    } else if (live && !b.live) {
        fx_push(&r->fx, CT_EFF_CALL_LIVE, id);
    } else if (!live && b.live) {
        fx_push(&r->fx, CT_EFF_CALL_ENDED, id);
    }
    if (e->hang && !b.hang) fx_push(&r->fx, CT_EFF_CALL_HUNG, id);
}

/* The store could not take an update (out of memory): say so, count it. */
static void store_failed(ct_reducer *r, const char *id)
{
    r->store_errors++;
    flash(r, CT_FXL_ERROR, "out of memory: an update of call %.64s was not applied", id);
}

static void apply_rest_call(ct_reducer *r, const ct_call *c, uint64_t version, ct_time_ms now,
                            bool by_channel)
{
    if (!c->id) return;
    before b = look(r, c->id);
    if (ct_store_apply_call(r->store, c, version) != CT_OK) {
        store_failed(r, c->id);
        return;
    }
    after(r, c->id, b, now, by_channel);
}

/* ---- the 404 rule ------------------------------------------------------------------ */

/* A GET for call_id answered 404. The channel is the better witness of a
 * live call than a key that may not see every call of the account. */
static void not_found(ct_reducer *r, const char *call_id, bool flash_it)
{
    ct_call_entry *e = ct_store_get_mut(r->store, call_id);
    if (!e) return;
    char id[CT_CALL_ID_BUF]; /* removal frees the entry's strings */
    snprintf(id, sizeof id, "%s", call_id);
    if (e->channel_live && *r->chan.monitor == CT_MON_LIVE) {
        if (!e->not_visible) {
            e->not_visible = true;
            ct_store_touch(r->store, e);
        }
        fx_push(&r->fx, CT_EFF_CALL_NOT_VISIBLE, id);
        if (flash_it)
            flash(r, CT_FXL_WARN,
                  "call %.64s: the API answers 404 (not visible to this API key);"
                  " kept while the live channel reports it",
                  id);
        return;
    }
    ct_store_remove(r->store, id);
    fx_push(&r->fx, CT_EFF_CALL_GONE, id);
    /* the call vanished on the server: drop it rather than show it forever */
    if (flash_it) flash(r, CT_FXL_WARN, "call %.64s no longer exists (404)", id);
}

/* ---- the board's own reads ------------------------------------------------------------ */

/* Takes the re-check answered by request_id out of the in-flight set;
 * returns its slot's id in buf ("" when it was not a re-check). */
static bool take_recheck(ct_reducer *r, uint64_t request_id, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!request_id) return false;
    for (size_t i = 0; i < CT_REDUCE_MAX_RECHECKS; i++) {
        if (r->recheck_req[i] != request_id) continue;
        snprintf(buf, cap, "%s", r->recheck_id[i]);
        r->recheck_req[i] = 0;
        r->recheck_id[i][0] = '\0';
        return true;
    }
    return false;
}

/* Returns true when the event is consumed (a failed own read). */
static bool own_read(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    bool list = ev->request_id && ev->request_id == r->list_req;
    bool get = ev->request_id && ev->request_id == r->get_req;
    char recheck_id[CT_CALL_ID_BUF];
    bool recheck = take_recheck(r, ev->request_id, recheck_id, sizeof recheck_id);
    if (!list && !get && !recheck) return false;
    if (list) r->list_req = 0;
    if (get) r->get_req = 0;
    bool failed = ev->type == CT_EV_REQUEST_FAILED;
    if (list && !failed) fx_push(&r->fx, CT_EFF_LIST_ERROR, NULL); /* error NULL: read */
    if (list && failed && ev->error.code != CT_ECANCELLED) {
        ct_effect *e = fx_push(&r->fx, CT_EFF_LIST_ERROR, NULL);
        if (e) e->error = &ev->error;
    }
    if (!failed) {
        /* a server outage ended: say so once */
        if (r->fail_streak) flash(r, CT_FXL_OK, "the API answers again");
        r->fail_streak = 0;
        r->api_down_since = 0;
        r->api_last_ok = now;
        return false; /* the data is applied as any other */
    }
    if (get && ev->error.code == CT_ENOTFOUND && r->get_id[0]) {
        not_found(r, r->get_id, true);
        return true;
    }
    if (recheck && ev->error.code == CT_ENOTFOUND) {
        /* the API answered: the call is gone (settled, not a ghost) */
        r->fail_streak = 0;
        r->api_down_since = 0;
        r->api_last_ok = now;
        not_found(r, recheck_id, false);
        return true;
    }
    if (ev->error.code == CT_ECANCELLED) return true;
    if (!r->api_down_since) r->api_down_since = now;
    /* A failure streak is flashed once and logged each time, so an outage
     * does not bury the key hints under a flash every 1.5 s. */
    if (r->fail_streak++ == 0) flash(r, CT_FXL_ERROR, "%s", why(&ev->error));
    else log_line(r, CT_FXL_ERROR, why(&ev->error));
    return true;
}

/* ---- the live channel ------------------------------------------------------------------ */

typedef struct id_list {
    char **v;
    size_t n, cap;
} id_list;

static bool collect_channel_live(const ct_call_entry *e, void *ud)
{
    id_list *x = ud;
    if (!e->channel_live) return true;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        char **v = realloc(x->v, cap * sizeof *v);
        if (!v) return false;
        x->v = v;
        x->cap = cap;
    }
    if ((x->v[x->n] = strdup(e->call.id))) x->n++;
    return true;
}

/* A snapshot is the channel's whole word: a call it reported live before
 * and does not hold now is no longer reported; if REST could not see it
 * either (not visible), nothing vouches for it any more. */
static void apply_snapshot(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    id_list before_live = {0};
    ct_store_foreach(r->store, collect_channel_live, &before_live);
    for (size_t i = 0; i < before_live.n; i++) {
        ct_call_entry *e = ct_store_get_mut(r->store, before_live.v[i]);
        if (e) e->channel_live = false;
    }
    for (size_t i = 0; i < ev->calls.n_calls; i++) {
        const ct_call *c = &ev->calls.calls[i];
        uint64_t v = c->updated_at == 0 ? (uint64_t)now : ct_reduce_rest_version(c, now);
        apply_rest_call(r, c, v, now, true);
    }
    for (size_t i = 0; i < before_live.n; i++) {
        const ct_call_entry *e = ct_store_get(r->store, before_live.v[i]);
        if (e && !e->channel_live && e->not_visible) {
            ct_store_remove(r->store, before_live.v[i]);
            fx_push(&r->fx, CT_EFF_CALL_GONE, before_live.v[i]);
        }
        free(before_live.v[i]);
    }
    free(before_live.v);
    *r->chan.last_event_ms = now;
}

static void apply_update(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    /* a webhook-derived update: the relay's timestamp orders it */
    ct_webhook w;
    memset(&w, 0, sizeof w);
    w.type = ev->update_kind;
    w.timestamp = ev->last_event_ms ? ev->last_event_ms : now;
    w.call = ev->call; /* borrowed, not freed here */
    w.error = ev->call_error;
    *r->chan.last_event_ms = now;
    if (!w.call.id) return;
    before b = look(r, w.call.id);
    if (ct_store_apply_webhook(r->store, &w) != CT_OK) {
        store_failed(r, w.call.id);
        return;
    }
    after(r, w.call.id, b, now, true);
    if (ev->update_kind == CT_WH_ERROR && ev->call_error.present) {
        ct_effect *e = fx_push(&r->fx, CT_EFF_CALL_ERRORED, w.call.id);
        if (e)
            fx_text(&r->fx, e, "%s%s%s", ev->call_error.type ? ev->call_error.type : "error",
                    ev->call_error.message ? ": " : "",
                    ev->call_error.message ? ev->call_error.message : "");
    }
}

static void monitor_state(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    if (ev->monitor_state != *r->chan.monitor) {
        flash(r, ev->monitor_state == CT_MON_LIVE ? CT_FXL_OK : CT_FXL_WARN, "live channel: %s%s%s",
              ct_monitor_state_name(ev->monitor_state), ev->text ? " - " : "",
              ev->text ? ev->text : "");
        ct_effect *e = fx_push(&r->fx, CT_EFF_MONITOR, NULL);
        if (e) e->monitor = ev->monitor_state;
        if (e && ev->text) fx_text(&r->fx, e, "%s", ev->text); /* why, for `watch` */
    }
    /* Back on the live channel after a break the relay could not replay
     * (it restarted, or we were gone longer than its ring): webhooks sent
     * meanwhile never reached it, so a call that ended then would stay
     * live here. Read the list and the selected call again, as 'r' does.
     * The first LIVE follows the start-up read; a resume lost nothing. */
    if (ev->monitor_state == CT_MON_LIVE) {
        if (r->was_live && !ev->resumed) fx_push(&r->fx, CT_EFF_RESYNC, NULL);
        /* a replay holds only what reached the relay: verify over REST */
        else if (r->was_live) fx_push(&r->fx, CT_EFF_RECONCILE, NULL);
        r->was_live = true;
    }
    if (ev->monitor_state != *r->chan.monitor) r->monitor_since = now;
    *r->chan.monitor = ev->monitor_state;
    r->relay_not_live = ev->monitor_state == CT_MON_STALE && ev->relay_not_live;
    if (ev->relay_count) {
        r->relay_index = ev->relay_index;
        r->relay_count = ev->relay_count;
    }
    if (ev->last_event_ms) *r->chan.last_event_ms = ev->last_event_ms;
}

/* ---- assistant names -------------------------------------------------------------------- */

/* Gives the call its assistant's name without touching what the server
 * said: version 0 fills only a name the call lacks, and a webhook's name
 * (any newer version) still wins. */
static void apply_assistant_name(ct_reducer *r, const char *call_id, const char *name)
{
    ct_call c;
    memset(&c, 0, sizeof c);
    c.id = (char *)call_id;
    c.assistant_name = (char *)name;
    c.present = CT_F_ID | CT_F_ASSISTANT_NAME;
    ct_store_apply_call(r->store, &c, 0);
}

typedef struct named_calls {
    const char *aid;
    char (*ids)[CT_CALL_ID_BUF];
    size_t n, cap;
} named_calls;

static bool collect_unnamed(const ct_call_entry *e, void *ud)
{
    named_calls *nc = ud;
    if (!e->call.assistant_id || strcmp(e->call.assistant_id, nc->aid) != 0) return true;
    if (e->call.assistant_name && e->call.assistant_name[0]) return true;
    if (nc->n == nc->cap) {
        size_t cap = nc->cap ? nc->cap * 2 : 64;
        char(*ids)[CT_CALL_ID_BUF] = realloc(nc->ids, cap * sizeof *ids);
        if (!ids) return false;
        nc->ids = ids;
        nc->cap = cap;
    }
    snprintf(nc->ids[nc->n++], CT_CALL_ID_BUF, "%s", e->call.id);
    return true;
}

/* An assistant's name arrived: every call of that assistant shows it. */
static void name_arrived(ct_reducer *r, const char *aid, const char *name)
{
    if (!aid || !name || !*name) return;
    named_calls nc = {.aid = aid};
    ct_store_foreach(r->store, collect_unnamed, &nc);
    for (size_t i = 0; i < nc.n; i++) apply_assistant_name(r, nc.ids[i], name);
    free(nc.ids);
}

/* A call the store just took: learn its assistant's name if it brought
 * one (and give it to the calls listed before it came), or give it the
 * cached name, or ask for one fetch per assistant id. */
static void resolve_assistant(ct_reducer *r, const char *call_id, ct_time_ms now)
{
    const ct_call_entry *e = call_id ? ct_store_get(r->store, call_id) : NULL;
    if (!e || !e->call.assistant_id || !e->call.assistant_id[0]) return;
    const char *aid = e->call.assistant_id;
    if (e->call.assistant_name && e->call.assistant_name[0]) {
        if (ct_assist_cache_put(&r->assistants, aid, e->call.assistant_name, now)) {
            /* copies: naming other calls may move this entry's strings */
            char *id = strdup(aid), *name = strdup(e->call.assistant_name);
            if (id && name) name_arrived(r, id, name);
            free(id);
            free(name);
        }
        return;
    }
    const char *name = ct_assist_cache_name(&r->assistants, aid, now);
    if (name) {
        char id[CT_CALL_ID_BUF]; /* the store may move e's strings while applying */
        snprintf(id, sizeof id, "%s", call_id);
        apply_assistant_name(r, id, name);
        return;
    }
    if (!ct_assist_cache_want(&r->assistants, aid, now)) return;
    ct_effect *fx = fx_push(&r->fx, CT_EFF_FETCH_ASSISTANT, NULL);
    if (fx) fx_text(&r->fx, fx, "%s", aid);
}

void ct_reduce_assistant_sent(ct_reducer *r, const char *assistant_id, uint64_t request_id,
                              ct_time_ms now)
{
    ct_assist_cache_sent(&r->assistants, assistant_id, request_id, now);
}

/* The calls an event carries, for their assistants' names. */
static void resolve_event_calls(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    switch (ev->type) {
    case CT_EV_CALLS_LISTED:
    case CT_EV_MONITOR_SNAPSHOT:
        for (size_t i = 0; i < ev->calls.n_calls; i++)
            resolve_assistant(r, ev->calls.calls[i].id, now);
        break;
    case CT_EV_CALL_FETCHED:
    case CT_EV_CALL_PLACED:
    case CT_EV_MONITOR_UPDATE: resolve_assistant(r, ev->call.id, now); break;
    default: break;
    }
}

/* An assistant fetch's outcome. Returns true when the event was one. */
static bool assistant_answer(ct_reducer *r, const ct_event *ev, ct_time_ms now)
{
    if (ev->type == CT_EV_ASSISTANT) {
        name_arrived(
            r, ct_assist_cache_resolved(&r->assistants, ev->request_id, ev->assistant.name, now),
            ev->assistant.name);
        return true;
    }
    if (ev->type != CT_EV_REQUEST_FAILED || !ct_assist_cache_owns(&r->assistants, ev->request_id))
        return false;
    /* a name is a nicety: log why, show the id, retry much later */
    const char *aid = ct_assist_cache_failed(&r->assistants, ev->request_id, now);
    char line[256];
    snprintf(line, sizeof line, "assistant %.64s: no name (%.160s)", aid ? aid : "?",
             why(&ev->error));
    log_line(r, CT_FXL_WARN, line);
    return true;
}

/* ---- freshness and re-checks ---------------------------------------------------------------- */

typedef struct live_ids {
    const char **v;
    size_t n, cap;
} live_ids;

static bool collect_live(const ct_call_entry *e, void *ud)
{
    live_ids *x = ud;
    /* a call REST cannot see (404, kept for the channel) is not re-read */
    if (!ct_call_is_live(&e->call) || e->not_visible || !e->call.id) return true;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        const char **v = realloc(x->v, cap * sizeof *v);
        if (!v) return false;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n++] = e->call.id;
    return true;
}

/* One of the board's own list reads arrived (already applied): every
 * call the store holds as live that it did not mention is re-read. */
static void recheck_unmentioned(ct_reducer *r, const ct_event *ev)
{
    live_ids live = {0};
    ct_store_foreach(r->store, collect_live, &live);
    size_t *idx = live.n ? malloc(live.n * sizeof *idx) : NULL;
    size_t n = idx ? ct_list_unmentioned(&ev->calls, live.v, live.n, idx) : 0;
    /* the ids point into the store: copy each into the effects first */
    for (size_t i = 0; i < n; i++)
        if (!ct_reduce_recheck_pending(r, live.v[idx[i]]))
            fx_push(&r->fx, CT_EFF_RECHECK, live.v[idx[i]]);
    free(idx);
    free(live.v);
}

size_t ct_reduce_own_rechecks(ct_reducer *r, const char *const *call_ids, const uint64_t *req,
                              size_t n)
{
    size_t kept = 0, slot = 0;
    for (size_t i = 0; i < n; i++) {
        if (!req[i] || !call_ids[i]) continue;
        while (slot < CT_REDUCE_MAX_RECHECKS && r->recheck_req[slot]) slot++;
        if (slot == CT_REDUCE_MAX_RECHECKS) break;
        r->recheck_req[slot] = req[i];
        snprintf(r->recheck_id[slot], CT_CALL_ID_BUF, "%s", call_ids[i]);
        kept++;
    }
    return kept;
}

bool ct_reduce_recheck_pending(const ct_reducer *r, const char *call_id)
{
    for (size_t i = 0; call_id && i < CT_REDUCE_MAX_RECHECKS; i++)
        if (r->recheck_req[i] && strcmp(r->recheck_id[i], call_id) == 0) return true;
    return false;
}

bool ct_reduce_unconfirmed(const ct_reducer *r, const ct_call_entry *e, ct_time_ms now)
{
    if (!r || r->hot_ms <= 0 || !e || !ct_call_is_live(&e->call)) return false;
    bool channel_live = *r->chan.monitor == CT_MON_LIVE && !*r->chan.polling;
    /* the LIVE channel's heartbeat vouches for what it last reported */
    if (channel_live && e->channel_live) return false;
    ct_time_ms allow = 2 * (ct_time_ms)r->hot_ms + 1000;
    if (channel_live) allow += r->reconcile_ms;
    return now - e->confirmed_at > allow;
}

ct_time_ms ct_reduce_api_down_since(const ct_reducer *r, ct_time_ms now, bool *silent)
{
    if (silent) *silent = false;
    if (r->api_down_since) return r->api_down_since;
    if (r->hot_ms > 0 && r->list_req && r->list_sent_at &&
        now - r->list_sent_at > 2 * (ct_time_ms)r->hot_ms + 1000) {
        if (silent) *silent = true;
        return r->list_sent_at;
    }
    return 0;
}

typedef struct unconf_scan {
    const ct_reducer *r;
    ct_time_ms now;
    char (*out)[CT_CALL_ID_BUF];
    size_t n, cap;
} unconf_scan;

static bool collect_unconfirmed(const ct_call_entry *e, void *ud)
{
    unconf_scan *u = ud;
    if (u->n == u->cap) return false;
    if (!e->not_visible && ct_reduce_unconfirmed(u->r, e, u->now) &&
        !ct_reduce_recheck_pending(u->r, e->call.id))
        snprintf(u->out[u->n++], CT_CALL_ID_BUF, "%s", e->call.id);
    return true;
}

size_t ct_reduce_unconfirmed_ids(const ct_reducer *r, ct_time_ms now, char (*out)[CT_CALL_ID_BUF],
                                 size_t cap)
{
    unconf_scan u = {.r = r, .now = now, .out = out, .cap = cap};
    if (r->hot_ms > 0) ct_store_foreach(r->store, collect_unconfirmed, &u);
    return u.n;
}

bool ct_reduce_settled(const ct_call_entry *e)
{
    return e && !ct_call_is_live(&e->call) && (e->call.present & CT_F_ANALYSIS);
}

typedef struct hot_scan {
    ct_time_ms now, settle, oldest;
} hot_scan;

static bool hot_one(const ct_call_entry *e, void *ud)
{
    hot_scan *h = ud;
    /* one call at a time through the fetch half's rule (no margin) */
    ct_time_ms t = ct_list_hot_start(&e->call, 1, h->now, h->settle, 0);
    if (t < h->oldest) h->oldest = t;
    return true;
}

ct_time_ms ct_reduce_hot_start(const ct_reducer *r, ct_time_ms now, ct_time_ms settle_ms,
                               ct_time_ms margin_ms)
{
    hot_scan h = {.now = now, .settle = settle_ms, .oldest = now};
    ct_store_foreach(r->store, hot_one, &h);
    return h.oldest - margin_ms;
}

/* ---- the reducer ------------------------------------------------------------------------ */

const ct_effects *ct_reduce_apply(ct_reducer *r, ct_event *ev, ct_time_ms now)
{
    fx_reset(&r->fx);
    bool own_list =
        ev->type == CT_EV_CALLS_LISTED && ev->request_id && ev->request_id == r->list_req;
    if (assistant_answer(r, ev, now) || own_read(r, ev, now)) {
        fx_finish(&r->fx);
        return &r->fx;
    }
    switch (ev->type) {
    case CT_EV_CALLS_LISTED:
        for (size_t i = 0; i < ev->calls.n_calls; i++) {
            const ct_call *c = &ev->calls.calls[i];
            apply_rest_call(r, c, ct_reduce_rest_version(c, now), now, false);
        }
        if (*r->chan.polling) *r->chan.last_event_ms = now;
        if (own_list) recheck_unmentioned(r, ev);
        if (ev->calls.n_skipped)
            flash(r, CT_FXL_WARN, "%zu calls could not be read: %s", ev->calls.n_skipped,
                  ev->calls.first_skip.detail);
        break;
    case CT_EV_MONITOR_SNAPSHOT: apply_snapshot(r, ev, now); break;
    case CT_EV_CALL_FETCHED:
        apply_rest_call(r, &ev->call, ct_reduce_rest_version(&ev->call, now), now, false);
        break;
    case CT_EV_CALL_PLACED: {
        if (ev->call.id) {
            apply_rest_call(r, &ev->call, ct_reduce_rest_version(&ev->call, now), now, false);
            /* show the call just placed */
            fx_push(&r->fx, CT_EFF_SELECT, ev->call.id);
        }
        ct_effect *e = fx_push(&r->fx, CT_EFF_REQUEST_DONE, NULL);
        if (e) e->request_id = ev->request_id;
        break;
    }
    case CT_EV_MONITOR_UPDATE: apply_update(r, ev, now); break;
    case CT_EV_CONTROL_DONE: {
        ct_effect *e = fx_push(&r->fx, CT_EFF_REQUEST_DONE, NULL);
        if (e) e->request_id = ev->request_id;
        break;
    }
    case CT_EV_REQUEST_FAILED: {
        if (ev->error.code == CT_ENOTFOUND && ev->request_kind == CT_REQ_GET_CALL && ev->call_id)
            not_found(r, ev->call_id, false);
        ct_effect *e = fx_push(&r->fx, CT_EFF_REQUEST_FAILED, NULL);
        if (e) {
            e->request_id = ev->request_id;
            e->error = &ev->error;
        }
        break;
    }
    case CT_EV_NUMBERS:
        /* the one copy, for the new-call form: take it from the event */
        ct_number_list_clear(&r->numbers);
        r->numbers = ev->numbers;
        memset(&ev->numbers, 0, sizeof ev->numbers);
        fx_push(&r->fx, CT_EFF_NUMBERS, NULL);
        break;
    case CT_EV_MONITOR_STATE: monitor_state(r, ev, now); break;
    case CT_EV_LOG:
        if (ev->text) log_line(r, CT_FXL_INFO, ev->text);
        break;
    case CT_EV_RATE_LIMITED:
        /* one shared pause (the fetcher's): the status bar counts it down */
        if (ev->rate_limited_until && !r->rate_limited_until && ev->text)
            log_line(r, CT_FXL_WARN, ev->text);
        r->rate_limited_until = ev->rate_limited_until;
        break;
    case CT_EV_ASSISTANT:
    default: break;
    }
    resolve_event_calls(r, ev, now);
    fx_finish(&r->fx);
    return &r->fx;
}

const char *ct_effect_kind_name(ct_effect_kind k)
{
    switch (k) {
    case CT_EFF_FLASH: return "FLASH";
    case CT_EFF_LOG: return "LOG";
    case CT_EFF_SELECT: return "SELECT";
    case CT_EFF_CALL_NEW: return "CALL_NEW";
    case CT_EFF_CALL_LIVE: return "CALL_LIVE";
    case CT_EFF_CALL_ENDED: return "CALL_ENDED";
    case CT_EFF_CALL_HUNG: return "CALL_HUNG";
    case CT_EFF_CALL_ERRORED: return "CALL_ERRORED";
    case CT_EFF_CALL_GONE: return "CALL_GONE";
    case CT_EFF_CALL_NOT_VISIBLE: return "CALL_NOT_VISIBLE";
    case CT_EFF_RESYNC: return "RESYNC";
    case CT_EFF_NUMBERS: return "NUMBERS";
    case CT_EFF_MONITOR: return "MONITOR";
    case CT_EFF_LIST_ERROR: return "LIST_ERROR";
    case CT_EFF_REQUEST_DONE: return "REQUEST_DONE";
    case CT_EFF_REQUEST_FAILED: return "REQUEST_FAILED";
    case CT_EFF_FETCH_ASSISTANT: return "FETCH_ASSISTANT";
    case CT_EFF_RECHECK: return "RECHECK";
    case CT_EFF_RECONCILE: return "RECONCILE";
    }
    return "?";
}
