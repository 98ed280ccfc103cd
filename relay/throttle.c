/* throttle.c — failed-authentication throttling per peer address.
 *
 * A fixed table (no allocation per peer, so a flood of addresses cannot
 * grow memory) remembers, per address, how many authentications failed in
 * the current window. Past `limit` failures the address is blocked: its
 * attempts are refused (429) without checking the secret, each one
 * extending the block, until it has been quiet for a whole window. Correct
 * clients never add a failure, so they are never slowed unless they share
 * an address with a guesser. When the table is full the entry heard from
 * least recently is reused. Pure: the caller passes the time. */
#include "relay_int.h"

#include <limits.h>
#include <stdlib.h>

#include "calltop/hash.h"

#define SLOTS 4096 /* power of two */
#define PROBE 8

typedef struct slot {
    uint64_t hash; /* 0 = free */
    int64_t window_start, last_fail;
    unsigned fails;
} slot;

struct ct_throttle {
    unsigned limit;
    int64_t window_ms;
    slot slots[SLOTS];
};

ct_throttle *ct_throttle_new(unsigned limit, int64_t window_ms)
{
    ct_throttle *t = calloc(1, sizeof *t);
    if (t) {
        t->limit = limit ? limit : 1;
        t->window_ms = window_ms > 0 ? window_ms : 1;
    }
    return t;
}

void ct_throttle_free(ct_throttle *t)
{
    free(t);
}

static uint64_t key(const char *addr)
{
    uint64_t h = ct_hash_str(addr ? addr : "");
    return h ? h : 1;
}

/* The slot of addr, or NULL when it has none (create: take one). */
static slot *find(ct_throttle *t, const char *addr, bool create)
{
    uint64_t h = key(addr);
    size_t at = (size_t)h & (SLOTS - 1);
    slot *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot *s = &t->slots[(at + i) & (SLOTS - 1)];
        if (s->hash == h) return s;
        /* prefer a free slot, else the one that failed least recently */
        if (s->hash == 0) {
            if (!victim || victim->hash != 0) victim = s;
        } else if (!victim || (victim->hash != 0 && s->last_fail < victim->last_fail)) {
            victim = s;
        }
    }
    if (!create) return NULL;
    victim->hash = h;
    victim->fails = 0;
    victim->window_start = victim->last_fail = 0;
    return victim;
}

bool ct_throttle_blocked(ct_throttle *t, const char *addr, int64_t now)
{
    slot *s = t ? find(t, addr, false) : NULL;
    return s && s->fails >= t->limit && now - s->last_fail < t->window_ms;
}

void ct_throttle_fail(ct_throttle *t, const char *addr, int64_t now)
{
    if (!t) return;
    slot *s = find(t, addr, true);
    bool blocked = s->fails >= t->limit && now - s->last_fail < t->window_ms;
    if (!blocked && now - s->window_start >= t->window_ms) {
        s->window_start = now;
        s->fails = 0;
    }
    if (s->fails < UINT_MAX) s->fails++;
    s->last_fail = now;
}
