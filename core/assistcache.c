/* assistcache.c — assistant id -> name cache with fetch bookkeeping (see
 * assistcache.h). A flat array: the board knows a handful of assistants,
 * and a hash compare per slot keeps even a full cache cheap to scan. */
#include "calltop/assistcache.h"
#include "calltop/hash.h"

#include <stdlib.h>
#include <string.h>

int ct_assist_cache_init(ct_assist_cache *c, size_t cap, int64_t retry_ms)
{
    memset(c, 0, sizeof *c);
    c->cap = cap ? cap : CT_ASSIST_CACHE_DEFAULT_CAP;
    c->retry_ms = retry_ms > 0 ? retry_ms : CT_ASSIST_RETRY_DEFAULT_MS;
    c->e = calloc(c->cap, sizeof *c->e);
    return c->e ? 0 : -1;
}

static void clear_entry(ct_assist_entry *e)
{
    free(e->id);
    free(e->name);
    memset(e, 0, sizeof *e);
}

void ct_assist_cache_free(ct_assist_cache *c)
{
    if (!c->e) return;
    for (size_t i = 0; i < c->cap; i++) clear_entry(&c->e[i]);
    free(c->e);
    c->e = NULL;
}

static ct_assist_entry *find(const ct_assist_cache *c, const char *id)
{
    if (!c->e || !id || !*id) return NULL;
    uint64_t h = ct_hash_str(id);
    for (size_t i = 0; i < c->cap; i++) {
        ct_assist_entry *e = &c->e[i];
        if (e->state != CT_AC_FREE && e->hash == h && strcmp(e->id, id) == 0) return e;
    }
    return NULL;
}

static ct_assist_entry *by_request(const ct_assist_cache *c, uint64_t request_id)
{
    if (!c->e || !request_id) return NULL;
    for (size_t i = 0; i < c->cap; i++)
        if (c->e[i].state == CT_AC_PENDING && c->e[i].request_id == request_id) return &c->e[i];
    return NULL;
}

/* A free slot, or the least recently used one that is not waiting for an
 * answer (else the least recently used of all), emptied. */
static ct_assist_entry *make_room(ct_assist_cache *c)
{
    ct_assist_entry *lru = NULL, *lru_pending = NULL;
    for (size_t i = 0; i < c->cap; i++) {
        ct_assist_entry *e = &c->e[i];
        if (e->state == CT_AC_FREE) return e;
        if (e->state == CT_AC_PENDING) {
            if (!lru_pending || e->used < lru_pending->used) lru_pending = e;
        } else if (!lru || e->used < lru->used) {
            lru = e;
        }
    }
    ct_assist_entry *victim = lru ? lru : lru_pending;
    clear_entry(victim);
    c->evicted++;
    return victim;
}

static ct_assist_entry *insert(ct_assist_cache *c, const char *id, ct_time_ms now)
{
    if (!c->e || !id || !*id) return NULL;
    char *copy = strdup(id);
    if (!copy) return NULL;
    ct_assist_entry *e = make_room(c);
    e->id = copy;
    e->hash = ct_hash_str(id);
    e->used = now;
    return e;
}

const char *ct_assist_cache_name(ct_assist_cache *c, const char *id, ct_time_ms now)
{
    ct_assist_entry *e = find(c, id);
    if (!e || e->state != CT_AC_KNOWN) return NULL;
    e->used = now;
    return e->name && *e->name ? e->name : NULL;
}

bool ct_assist_cache_want(ct_assist_cache *c, const char *id, ct_time_ms now)
{
    ct_assist_entry *e = find(c, id);
    if (!e) {
        if (!(e = insert(c, id, now))) return false;
    } else {
        e->used = now;
        if (e->state == CT_AC_KNOWN) return false;
        /* a failure, or a request never answered, waits out the interval */
        if (now - e->since < c->retry_ms) return false;
    }
    e->state = CT_AC_PENDING;
    e->request_id = 0;
    e->since = now;
    return true;
}

void ct_assist_cache_sent(ct_assist_cache *c, const char *id, uint64_t request_id, ct_time_ms now)
{
    ct_assist_entry *e = find(c, id);
    if (!e || e->state != CT_AC_PENDING) return;
    if (request_id) {
        e->request_id = request_id;
    } else {
        e->state = CT_AC_FAILED;
        e->since = now;
    }
}

static void set_known(ct_assist_entry *e, const char *name, ct_time_ms now)
{
    char *copy = strdup(name ? name : "");
    if (!copy) {
        /* no memory for the name: try again later rather than never */
        e->state = CT_AC_FAILED;
        e->since = now;
        return;
    }
    free(e->name);
    e->name = copy;
    e->state = CT_AC_KNOWN;
    e->request_id = 0;
    e->since = now;
    e->used = now;
}

bool ct_assist_cache_put(ct_assist_cache *c, const char *id, const char *name, ct_time_ms now)
{
    if (!name || !*name) return false;
    ct_assist_entry *e = find(c, id);
    if (e && e->state == CT_AC_KNOWN && e->name && strcmp(e->name, name) == 0) {
        e->used = now;
        return false;
    }
    if (!e && !(e = insert(c, id, now))) return false;
    set_known(e, name, now);
    return e->state == CT_AC_KNOWN;
}

const char *ct_assist_cache_resolved(ct_assist_cache *c, uint64_t request_id, const char *name,
                                     ct_time_ms now)
{
    ct_assist_entry *e = by_request(c, request_id);
    if (!e) return NULL;
    set_known(e, name, now);
    return e->state == CT_AC_KNOWN ? e->id : NULL;
}

const char *ct_assist_cache_failed(ct_assist_cache *c, uint64_t request_id, ct_time_ms now)
{
    ct_assist_entry *e = by_request(c, request_id);
    if (!e) return NULL;
    e->state = CT_AC_FAILED;
    e->request_id = 0;
    e->since = now;
    return e->id;
}

bool ct_assist_cache_owns(const ct_assist_cache *c, uint64_t request_id)
{
    return by_request(c, request_id) != NULL;
}

size_t ct_assist_cache_count(const ct_assist_cache *c)
{
    size_t n = 0;
    for (size_t i = 0; c->e && i < c->cap; i++) n += c->e[i].state != CT_AC_FREE;
    return n;
}
