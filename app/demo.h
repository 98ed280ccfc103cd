/* demo.h — `calltop --demo`: the simulator and the relay in-process on
 * loopback ephemeral ports, wired together with random secrets, so the
 * board has something lively to show without an account. */
#ifndef CALLTOP_APP_DEMO_H
#define CALLTOP_APP_DEMO_H

#include "calltop/err.h"
#include "calltop/relay.h"
#include "calltop/sim.h"

typedef struct ct_demo {
    ct_sim *sim;
    ct_relay *relay;
    char base_url[64];  /* http://127.0.0.1:PORT of the simulator */
    char relay_url[96]; /* ws://127.0.0.1:PORT/monitor */
    char api_key[48];   /* random, for the simulator */
    char token[48];     /* random, relay client token */
    char secret[48];    /* random, webhook secret between sim and relay */
} ct_demo;

/* Starts the relay, then the simulator posting its webhooks to it. */
ct_err ct_demo_start(ct_demo *d, ct_error *err);
void ct_demo_stop(ct_demo *d);

#endif
