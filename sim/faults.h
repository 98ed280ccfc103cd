/* faults.h — calltop-sim's fault injection: per-request decisions (reset,
 * 500, 429, malformed body) drawn from a seeded PRNG, and the body mangling
 * for "malformed". Latency and slow drip are timing, applied by http.c. */
#ifndef CALLTOP_SIM_FAULTS_H
#define CALLTOP_SIM_FAULTS_H

#include <stdbool.h>
#include "engine.h"
#include "routes.h"

typedef struct sim_faults {
    double error_rate, rate_limit_rate, malformed_rate, reset_rate;
    const char *error_route; /* only paths with this prefix get 500s; NULL = all */
    sim_rng rng;
    unsigned long injected;                /* how many requests got a fault */
    unsigned long seen;                    /* requests decided so far */
    unsigned long storm_from, storm_count; /* requests from..from+count-1 get 429 */
} sim_faults;

typedef enum {
    SIM_FAULT_NONE = 0,
    SIM_FAULT_RESET,
    SIM_FAULT_RATE_LIMIT,
    SIM_FAULT_ERROR
} sim_fault;

/* The fault (if any) that replaces this request's normal answer. One draw per
 * kind, in a fixed order, so a given seed gives a repeatable fault pattern. */
sim_fault sim_faults_decide(sim_faults *f, const char *path);
/* Fills rs with the canned 429 / 500 answer for `fault`. */
void sim_faults_respond(sim_fault fault, sim_response *rs);
/* With probability malformed_rate, damages rs->body (truncation or a
 * non-JSON proxy page); returns true when it did. */
bool sim_faults_mangle(sim_faults *f, sim_response *rs);

#endif
