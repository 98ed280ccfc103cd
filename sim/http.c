/* http.c — calltop-sim's HTTP/1.1 server on libwebsockets.
 *
 * One lws context, serviced by the simulator's own thread (sim.c). Each
 * request is collected (method, path, query, Authorization, body), handed to
 * the fault injector and then to routes.c, and the answer is written back
 * in chunks from LWS_CALLBACK_HTTP_WRITEABLE. Latency and slow drip use lws
 * timers (lws_sul), never sleeps, so one slow answer never stalls the
 * others. The engine clock is an lws timer too: everything that touches the
 * engine runs on this one thread, so the engine needs no lock. */
#include "server.h"
#include "calltop/clock.h"
#include "routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY    (1024 * 1024) /* larger request bodies get 413 */
#define MAX_ARGS    32
#define DRIP_CHUNK  256 /* bytes per slow-drip write */
#define WRITE_CHUNK 16384

struct pss {
    struct lws *wsi;
    struct ct_sim *sim;
    char method[8];
    char path[512];
    char *args[MAX_ARGS];
    size_t n_args;
    char *auth;
    char *body;
    size_t body_len, body_cap;
    bool body_too_big;
    /* the answer */
    sim_response rs;
    bool have_rs, ready, hdrs_sent;
    size_t sent;
    lws_sorted_usec_list_t sul; /* latency / drip */
};

static void pss_reset(struct pss *p)
{
    lws_sul_cancel(&p->sul);
    for (size_t i = 0; i < p->n_args; i++) free(p->args[i]);
    p->n_args = 0;
    free(p->auth);
    p->auth = NULL;
    free(p->body);
    p->body = NULL;
    p->body_len = p->body_cap = 0;
    p->body_too_big = false;
    free(p->rs.body);
    memset(&p->rs, 0, sizeof p->rs);
    p->have_rs = p->ready = p->hdrs_sent = false;
    p->sent = 0;
    p->method[0] = p->path[0] = '\0';
}

static void read_method(struct lws *wsi, struct pss *p)
{
    static const struct {
        enum lws_token_indexes tok;
        const char *name;
    } m[] = {
        {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
        {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
        {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
        {WSI_TOKEN_HEAD_URI, "HEAD"},
    };
    snprintf(p->method, sizeof p->method, "OTHER");
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (lws_hdr_total_length(wsi, m[i].tok) > 0) {
            snprintf(p->method, sizeof p->method, "%s", m[i].name);
            return;
        }
}

static void timer_writable(lws_sorted_usec_list_t *sul)
{
    struct pss *p = lws_container_of(sul, struct pss, sul);
    p->ready = true;
    lws_callback_on_writable(p->wsi);
}

/* Answers the collected request. Returns -1 to drop the connection. */
static int dispatch(struct pss *p)
{
    struct ct_sim *s = p->sim;
    /* lws may report BODY_COMPLETION for an empty body we already answered. */
    if (p->have_rs) return 0;
    atomic_fetch_add(&s->requests, 1);
    sim_fault f = sim_faults_decide(&s->faults, p->path);
    bool list = strcmp(p->method, "GET") == 0 && strcmp(p->path, "/calls/v1/conversations") == 0;
    if (f == SIM_FAULT_RESET) {
        sim_log_request(s, 0, list);
        /* Close with no response at all: clients see "empty reply". */
        atomic_store(&s->faults_n, s->faults.injected);
        if (s->opt.verbose)
            fprintf(stderr, "calltop-sim: %s %s -> reset (fault)\n", p->method, p->path);
        return -1;
    }
    if (f != SIM_FAULT_NONE) {
        sim_faults_respond(f, &p->rs);
    } else if (p->body_too_big) {
        sim_response_detail(&p->rs, 413, "Request body too large (limit 1 MiB)");
    } else {
        sim_sync_engine(s);
        sim_request rq = {
            .method = p->method,
            .path = p->path,
            .args = (const char *const *)p->args,
            .n_args = p->n_args,
            .auth = p->auth,
            .body = p->body,
            .body_len = p->body_len,
        };
        sim_route(s->engine, s->api_key, &rq, &p->rs);
        /* A connect or control may have produced webhooks: send them now. */
        sim_sync_engine(s);
        sim_faults_mangle(&s->faults, &p->rs);
    }
    atomic_store(&s->faults_n, s->faults.injected);
    if (!p->rs.body) {
        /* Out of memory in the handler: still answer something. */
        p->rs.body = strdup("{\"detail\":\"out of memory\"}");
        p->rs.status = 500;
        p->rs.body_len = p->rs.body ? strlen(p->rs.body) : 0;
    }
    sim_log_request(s, p->rs.status, list);
    if (s->opt.verbose)
        fprintf(stderr, "calltop-sim: %s %s -> %d (%zu bytes)\n", p->method, p->path, p->rs.status,
                p->rs.body_len);
    p->have_rs = true;
    if (s->opt.latency_ms > 0) {
        p->ready = false;
        lws_sul_schedule(s->ctx, 0, &p->sul, timer_writable, (lws_usec_t)s->opt.latency_ms * 1000);
    } else {
        p->ready = true;
        lws_callback_on_writable(p->wsi);
    }
    return 0;
}

static int write_headers(struct lws *wsi, struct pss *p)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *q = start, *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, (unsigned int)p->rs.status, "application/json",
                                    (lws_filepos_t)p->rs.body_len, &q, end))
        return -1;
    for (int i = 0; i < 2; i++)
        if (p->rs.hdr_name[i] &&
            lws_add_http_header_by_name(wsi, (const unsigned char *)p->rs.hdr_name[i],
                                        (const unsigned char *)p->rs.hdr_value[i],
                                        (int)strlen(p->rs.hdr_value[i]), &q, end))
            return -1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &q, end))
        return -1;
    if (lws_finalize_write_http_header(wsi, start, &q, end)) return -1;
    p->hdrs_sent = true;
    return 0;
}

/* Finishes the transaction; -1 when lws wants the connection closed. */
static int complete(struct lws *wsi, struct pss *p)
{
    pss_reset(p);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int on_writable(struct lws *wsi, struct pss *p)
{
    struct ct_sim *s = p->sim;
    if (!p->have_rs || !p->ready) return 0;
    if (!p->hdrs_sent) {
        if (write_headers(wsi, p)) return -1;
        /* HEAD gets the headers (with the GET body's length) and no body. */
        if (p->rs.body_len == 0 || strcmp(p->method, "HEAD") == 0) return complete(wsi, p);
        lws_callback_on_writable(wsi);
        return 0;
    }
    size_t left = p->rs.body_len - p->sent;
    size_t chunk = s->opt.drip_ms > 0 ? DRIP_CHUNK : WRITE_CHUNK;
    if (chunk > left) chunk = left;
    memcpy(s->wbuf + LWS_PRE, p->rs.body + p->sent, chunk);
    bool final = p->sent + chunk == p->rs.body_len;
    if (lws_write(wsi, s->wbuf + LWS_PRE, chunk, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) <
        (int)chunk)
        return -1;
    p->sent += chunk;
    if (final) return complete(wsi, p);
    if (s->opt.drip_ms > 0) {
        p->ready = false;
        lws_sul_schedule(s->ctx, 0, &p->sul, timer_writable, (lws_usec_t)s->opt.drip_ms * 1000);
    } else {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static int on_http(struct lws *wsi, struct pss *p, const char *uri)
{
    pss_reset(p);
    p->wsi = wsi;
    p->sim = lws_context_user(lws_get_context(wsi));
    read_method(wsi, p);
    snprintf(p->path, sizeof p->path, "%s", uri ? uri : "/");
    char frag[1024];
    for (int i = 0; p->n_args < MAX_ARGS; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0) break;
        char *a = strdup(frag);
        if (!a) return -1;
        p->args[p->n_args++] = a;
    }
    int alen = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (alen > 0) {
        p->auth = malloc((size_t)alen + 1);
        if (!p->auth || lws_hdr_copy(wsi, p->auth, alen + 1, WSI_TOKEN_HTTP_AUTHORIZATION) < 0)
            return -1;
    }
    /* A request with a body is answered at HTTP_BODY_COMPLETION. */
    char cl[24];
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && atol(cl) > 0)
        return 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) return 0;
    return dispatch(p);
}

static int on_body(struct pss *p, const void *in, size_t len)
{
    if (!len || !in) return 0;
    if (p->body_too_big || p->body_len + len > MAX_BODY) {
        p->body_too_big = true;
        return 0;
    }
    if (p->body_len + len + 1 > p->body_cap) {
        size_t cap = p->body_cap ? p->body_cap * 2 : 1024;
        while (cap < p->body_len + len + 1) cap *= 2;
        char *nb = realloc(p->body, cap);
        if (!nb) return -1;
        p->body = nb;
        p->body_cap = cap;
    }
    memcpy(p->body + p->body_len, in, len);
    p->body_len += len;
    p->body[p->body_len] = '\0';
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct pss *p = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: return on_http(wsi, p, in);
    case LWS_CALLBACK_HTTP_BODY: return on_body(p, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION: return dispatch(p);
    case LWS_CALLBACK_HTTP_WRITEABLE: return on_writable(wsi, p);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (p) pss_reset(p);
        break;
    default: break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

const struct lws_protocols sim_http_protocols[] = {
    {"http", callback, sizeof(struct pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* The scenario clock: 10 Hz of real time is smooth enough for a board that
 * redraws once a second, and cheap. */
static void tick(lws_sorted_usec_list_t *sul)
{
    struct ct_sim *s = lws_container_of(sul, struct ct_sim, tick);
    sim_sync_engine(s);
    sim_webhooks_tick(s->webhooks, ct_clock_mono_ms());
    sim_http_arm_tick(s);
}

void sim_http_arm_tick(struct ct_sim *s)
{
    lws_sul_schedule(s->ctx, 0, &s->tick, tick, 100 * LWS_US_PER_MS);
}
