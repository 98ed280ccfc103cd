/* soak_common.h — what the soak tests share (tests/soak/test_*.c):
 * clocks, the at-least-once webhook forwarder between the simulator and
 * the relay(s), simulator rounds, and the check of a store against a
 * finished round's truth (the simulator's REST API).
 *
 * Test code: a failed check fails the running cmocka test (fail_msg). */
#ifndef CALLTOP_SOAK_COMMON_H
#define CALLTOP_SOAK_COMMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltop/sim.h"
#include "calltop/store.h"

/* The webhook secret every soak relay is started with. */
#define SOAK_SECRET "soak-wh-secret"

/* One round: this many calls live at once, at this clock speed. With calls
 * of 30-60 virtual seconds and an utterance every 1.5-4 s, 150 calls at x30
 * make 500-600 webhooks per second on a 2-core machine (duplicates
 * included); a round lasts about two seconds. */
#define ROUND_CALLS 150
#define ROUND_SPEED 30

int64_t mono_ms(void);
int64_t wall_ms(void);
void sleep_ms(int ms);
/* A positive integer from the environment, else dflt. */
long env_long(const char *name, long dflt);

/* ---- the forwarder: an at-least-once webhook sender in front of the relays ----
 *
 * The simulator delivers each webhook at most once; the forwarder accepts
 * it (200 at once) and re-POSTs it until a relay answers 2xx. Webhooks go
 * round-robin over the relays; after a failure (refused or cut connection,
 * 5xx such as a 503 from a relay whose log is down) the same webhook goes
 * to the NEXT relay, pausing 10 ms each time every relay has failed it.
 * With one relay that is the plain retry loop. A 4xx is the relay judging
 * the webhook itself, which retrying would hide: counted in `rejected`
 * and not retried. */

#define FWD_MAX_RELAYS 4

typedef struct fwd_item {
    char *body;
    struct fwd_item *next;
} fwd_item;

typedef struct forwarder {
    int lfd, port; /* where the simulator POSTs */
    int relay_ports[FWD_MAX_RELAYS];
    size_t n_relays;
    pthread_t rx, tx;
    atomic_bool stop;
    pthread_mutex_t mu; /* guards everything below */
    pthread_cond_t cv;
    fwd_item *head, *tail;
    size_t queued; /* in the list */
    bool busy;     /* tx holds an item it has not delivered yet */
    uint64_t received, delivered, retries, rejected;
    uint64_t moved;                        /* deliveries that needed another relay */
    uint64_t delivered_to[FWD_MAX_RELAYS]; /* 2xx answers per relay */
} forwarder;

forwarder *fwd_start(const int *relay_ports, size_t n_relays);
/* True when nothing is queued or in flight; *received = webhooks taken. */
bool fwd_idle(forwarder *fw, uint64_t *received);
void fwd_stop(forwarder *fw);

/* ---- the truth: one simulator round ------------------------------------------- */

/* Every call id any round produced, hashed (8 bytes each keeps the test's
 * own growth negligible next to a memory bound). */
typedef struct idset {
    uint64_t *h;
    size_t n, cap;
} idset;

void idset_add(idset *s, const char *id);
/* Sorts the set for count_strays. */
void idset_sort(idset *s);

typedef struct totals {
    size_t calls, lines, pre_ended;
} totals;

/* A fresh simulator round (seeded by `round`) with ROUND_CALLS warm-started
 * calls and no arrivals, its webhooks (20 % duplicated, 20 % reordered)
 * POSTed to `hook`. *t0 is where its virtual clock starts: after every
 * virtual time the previous round reached (raised to now when behind), so
 * a newer round's calls always end later than an older round's (a store's
 * cap evicts the oldest end first). */
ct_sim *start_round(int round, const char *hook, int64_t *t0);

/* Lists every call of a finished round (t0: its virtual start) from the
 * simulator's REST API and checks each against `store`: present, same
 * status and phone status, the same transcript message ids with none twice.
 * Calls that ended before the round began (they sent no webhook) are
 * counted in t->pre_ended, not checked. Adds the ids to `ids`; returns how
 * many calls the simulator listed. */
size_t check_round(const ct_store *store, ct_sim *sim, int64_t t0, idset *ids, totals *t);

/* Calls `store` holds that no round made (each is printed); `ids` sorted. */
size_t count_strays(const ct_store *store, const idset *ids);

#endif
