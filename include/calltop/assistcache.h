/* assistcache.h — assistant id -> name, for calls loaded over REST.
 *
 * List Calls gives only `assistantId`; names arrive with webhooks, or from
 * GET /assistants/v1/assistants/{id}. The reducer asks this cache before
 * fetching, so each id is requested at most once per retry interval: an
 * entry is PENDING while its request is out, KNOWN with a name, or FAILED
 * until retry_ms has passed (a PENDING entry whose answer never came is
 * also retried after retry_ms). Bounded: when full, the least recently used
 * entry that is not PENDING is dropped (an old PENDING one only if every
 * entry is pending). Pure and single-threaded (the UI thread); lookups
 * compare a 64-bit hash before the text, so a linear scan over a few
 * hundred entries stays cheap. */
#ifndef CALLTOP_ASSISTCACHE_H
#define CALLTOP_ASSISTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"

#define CT_ASSIST_CACHE_DEFAULT_CAP 256
#define CT_ASSIST_RETRY_DEFAULT_MS  (5LL * 60 * 1000)

typedef enum { CT_AC_FREE = 0, CT_AC_PENDING, CT_AC_KNOWN, CT_AC_FAILED } ct_ac_state;

typedef struct ct_assist_entry {
    ct_ac_state state;
    uint64_t hash; /* of id */
    char *id;
    char *name;          /* KNOWN only; may be "" (the assistant has no name) */
    uint64_t request_id; /* PENDING: the fetch in flight (0 = not yet sent) */
    ct_time_ms since;    /* PENDING/FAILED: when requested / when it failed */
    ct_time_ms used;     /* last lookup, for eviction */
} ct_assist_entry;

typedef struct ct_assist_cache {
    ct_assist_entry *e;
    size_t cap;
    int64_t retry_ms;
    size_t evicted; /* entries dropped because the cache was full */
} ct_assist_cache;

/* cap 0 = CT_ASSIST_CACHE_DEFAULT_CAP, retry_ms 0 = CT_ASSIST_RETRY_DEFAULT_MS.
 * Returns 0, or -1 when out of memory. */
int ct_assist_cache_init(ct_assist_cache *c, size_t cap, int64_t retry_ms);
void ct_assist_cache_free(ct_assist_cache *c);

/* The known name for id, or NULL (unknown, pending, failed, or "" name). */
const char *ct_assist_cache_name(ct_assist_cache *c, const char *id, ct_time_ms now);
/* True when the caller should fetch id now: it is unknown, or its failure
 * (or its unanswered request) is at least retry_ms old. The entry is then
 * PENDING; report the request with ct_assist_cache_sent. */
bool ct_assist_cache_want(ct_assist_cache *c, const char *id, ct_time_ms now);
/* The fetch for id got request_id; 0 means it could not be sent (FAILED). */
void ct_assist_cache_sent(ct_assist_cache *c, const char *id, uint64_t request_id, ct_time_ms now);
/* A name learnt elsewhere (a webhook's assistant.name): KNOWN at once (a
 * fetch in flight for it is then ignored). Returns true when this is news
 * (the id had no name, or another one), so the caller names its calls. */
bool ct_assist_cache_put(ct_assist_cache *c, const char *id, const char *name, ct_time_ms now);
/* The answer to request_id: KNOWN with name (NULL = ""). Returns the id it
 * concerned (owned by the cache), or NULL when the request is not ours. */
const char *ct_assist_cache_resolved(ct_assist_cache *c, uint64_t request_id, const char *name,
                                     ct_time_ms now);
/* request_id failed: FAILED until now + retry_ms. Returns the id or NULL. */
const char *ct_assist_cache_failed(ct_assist_cache *c, uint64_t request_id, ct_time_ms now);
/* True when request_id is a fetch this cache is waiting for. */
bool ct_assist_cache_owns(const ct_assist_cache *c, uint64_t request_id);
size_t ct_assist_cache_count(const ct_assist_cache *c);

#endif
