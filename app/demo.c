/* demo.c — `calltop --demo` (see demo.h). The relay starts first so the
 * simulator's very first webhooks have somewhere to go. Secrets are fresh
 * random hex for each run and never leave this process except as the
 * loopback headers they are meant for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "demo.h"

static void random_hex(char *out, size_t cap)
{
    unsigned char raw[20];
    size_t n = (cap - 1) / 2;
    if (n > sizeof raw) n = sizeof raw;
    if (getrandom(raw, n, 0) != (ssize_t)n) {
        /* getrandom on Linux does not fail for <= 256 bytes once seeded;
         * a fixed value would be worse than an obvious abort */
        perror("getrandom");
        abort();
    }
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, cap - 2 * i, "%02x", raw[i]);
}

ct_err ct_demo_start(ct_demo *d, ct_error *err)
{
    memset(d, 0, sizeof *d);
    random_hex(d->api_key, sizeof d->api_key);
    random_hex(d->token, sizeof d->token);
    random_hex(d->secret, sizeof d->secret);

    ct_relay_options ro;
    memset(&ro, 0, sizeof ro);
    ro.host = "127.0.0.1";
    ro.port = 0;
    ro.webhook_secret = d->secret;
    ro.client_token = d->token;
    d->relay = ct_relay_start(&ro, err);
    if (!d->relay) return err ? err->code : CT_EIO;
    int rport = ct_relay_port(d->relay);
    snprintf(d->relay_url, sizeof d->relay_url, "ws://127.0.0.1:%d/monitor", rport);

    char webhook[96];
    snprintf(webhook, sizeof webhook, "http://127.0.0.1:%d/webhook", rport);
    ct_sim_options so;
    ct_sim_options_init(&so);
    so.host = "127.0.0.1";
    so.port = 0;
    so.api_key = d->api_key;
    /* a different board each run */
    if (getrandom(&so.seed, sizeof so.seed, 0) != (ssize_t)sizeof so.seed) so.seed = 1;
    so.calls = 6;
    so.rate = 0.5;
    so.history = 60;
    so.webhook_url = webhook;
    so.webhook_secret = d->secret;
    d->sim = ct_sim_start(&so, err);
    if (!d->sim) {
        ct_relay_stop(d->relay);
        d->relay = NULL;
        return err ? err->code : CT_EIO;
    }
    snprintf(d->base_url, sizeof d->base_url, "http://127.0.0.1:%d", ct_sim_port(d->sim));
    return CT_OK;
}

void ct_demo_stop(ct_demo *d)
{
    /* the sim first: it posts to the relay */
    ct_sim_stop(d->sim);
    ct_relay_stop(d->relay);
    d->sim = NULL;
    d->relay = NULL;
    memset(d->api_key, 0, sizeof d->api_key);
    memset(d->token, 0, sizeof d->token);
    memset(d->secret, 0, sizeof d->secret);
}
