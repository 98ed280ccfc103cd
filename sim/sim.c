/* sim.c — ct_sim_start / ct_sim_stop: the simulator's life cycle and clock.
 *
 * ct_sim_start() builds everything in the caller's thread — the lws context
 * (so the listening socket exists and the port is known before it returns),
 * the engine with its history, the webhook sender — and only then starts
 * the service thread, so a caller can connect the moment it returns.
 * ct_sim_stop() flags the thread, wakes lws with lws_cancel_service(),
 * joins, and only then destroys the context (no thread uses it any more). */
#include "server.h"
#include "calltop/lws_bind.h"
#include "calltop/clock.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void ct_sim_options_init(ct_sim_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->seed = 1;
    opt->calls = 6;
    opt->rate = 0.5;
    opt->history = 200;
    opt->speed = 1.0;
}

int64_t sim_virtual_now(const struct ct_sim *s)
{
    return s->t0 + (int64_t)((double)(ct_clock_mono_ms() - s->mono0) * s->speed);
}

void sim_sync_engine(struct ct_sim *s)
{
    sim_engine_step(s->engine, sim_virtual_now(s));
    sim_event *ev;
    size_t n = sim_engine_take_events(s->engine, &ev);
    int64_t mono = ct_clock_mono_ms();
    for (size_t i = 0; i < n; i++) {
        if (s->webhooks) sim_webhooks_push(s->webhooks, ev[i].json, mono);
        else free(ev[i].json);
    }
    free(ev);
    atomic_store(&s->calls_n, s->engine->n_calls);
    atomic_store(&s->live_n, s->engine->n_live);
}

static void *service(void *arg)
{
    struct ct_sim *s = arg;
    sim_http_arm_tick(s);
    while (!atomic_load(&s->stop))
        if (lws_service(s->ctx, 0) < 0) break;
    /* The context is destroyed by ct_sim_stop() after the join: ctx must
     * stay valid for its lws_cancel_service() whatever this thread does. */
    return NULL;
}

static char *dup_or_null(const char *v, bool *oom)
{
    if (!v) return NULL;
    char *p = strdup(v);
    if (!p) *oom = true;
    return p;
}

static void sim_free(struct ct_sim *s)
{
    if (!s) return;
    if (s->webhooks) {
        sim_webhooks_stop(s->webhooks);
        curl_global_cleanup();
    }
    sim_engine_free(s->engine);
    pthread_mutex_destroy(&s->log_lock);
    free(s->log);
    free(s->host);
    free(s->api_key);
    free(s->webhook_url);
    free(s->webhook_secret);
    free(s->error_route);
    free(s);
}

static bool rate_ok(double r)
{
    return r >= 0.0 && r <= 1.0;
}

ct_sim *ct_sim_start(const ct_sim_options *opt, ct_error *err)
{
    ct_error_clear(err);
    if (!opt) {
        ct_error_set(err, CT_EINVAL, "ct_sim_start: options are required");
        return NULL;
    }
    if (opt->port < 0 || opt->port > 65535 || opt->calls < 0 || opt->history < 0 || opt->rate < 0 ||
        opt->speed < 0 || opt->latency_ms < 0 || opt->drip_ms < 0 || opt->webhook_queue < 0 ||
        !rate_ok(opt->error_rate) || !rate_ok(opt->rate_limit_rate) ||
        !rate_ok(opt->malformed_rate) || !rate_ok(opt->reset_rate) ||
        !rate_ok(opt->webhook_dup_rate) || !rate_ok(opt->webhook_reorder_rate) ||
        opt->list_window < CT_SIM_WINDOW_OVERLAP || opt->list_window > CT_SIM_WINDOW_ENDED ||
        opt->max_page_size < 0 || opt->history_span_ms < 0 || opt->rate_limit_from < 0 ||
        opt->rate_limit_count < 0) {
        ct_error_set(err, CT_EINVAL,
                     "simulator options out of range (rates are 0..1; counts, port, speed and "
                     "delays must not be negative)");
        return NULL;
    }
    struct ct_sim *s = calloc(1, sizeof *s);
    if (!s) {
        ct_error_set(err, CT_ENOMEM, "out of memory starting the simulator");
        return NULL;
    }
    pthread_mutex_init(&s->log_lock, NULL);
    bool oom = false;
    s->opt = *opt;
    /* lws wants an address or an interface name; "localhost" is neither. */
    const char *host =
        opt->host && *opt->host && strcmp(opt->host, "localhost") != 0 ? opt->host : "127.0.0.1";
    s->host = dup_or_null(host, &oom);
    s->api_key = dup_or_null(opt->api_key ? opt->api_key : "demo-key", &oom);
    s->webhook_url =
        dup_or_null(opt->webhook_url && *opt->webhook_url ? opt->webhook_url : NULL, &oom);
    s->webhook_secret = dup_or_null(opt->webhook_secret, &oom);
    s->error_route =
        dup_or_null(opt->error_route && *opt->error_route ? opt->error_route : NULL, &oom);
    s->opt.host = s->host;
    s->opt.api_key = s->api_key;
    s->opt.webhook_url = s->webhook_url;
    s->opt.webhook_secret = s->webhook_secret;
    s->opt.error_route = s->error_route;
    s->speed = opt->speed > 0 ? opt->speed : 1.0;
    if (oom) {
        sim_free(s);
        ct_error_set(err, CT_ENOMEM, "out of memory starting the simulator");
        return NULL;
    }

    int berr = ct_lws_bind_probe(s->host, opt->port);
    if (berr) {
        ct_error_set(err, CT_EIO, "cannot listen on %s:%d: %s", s->host, opt->port, strerror(berr));
        sim_free(s);
        return NULL;
    }

    /* lws's log level is the program's choice (calltop/lws_log.h) */
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = opt->port;
    info.iface = s->host;
    info.protocols = sim_http_protocols;
    info.user = s;
    info.gid = -1;
    info.uid = -1;
    info.max_http_header_data = 4096;
    /* Idle keep-alive connections are closed after this many seconds. */
    info.keepalive_timeout = 30;
    info.timeout_secs = 30;
    if (!strchr(s->host, ':')) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        ct_error_set(err, CT_EIO, "cannot listen on %s:%d (address in use or not local?)", s->host,
                     opt->port);
        sim_free(s);
        return NULL;
    }
    s->port = lws_get_vhost_listen_port(lws_get_vhost_by_name(s->ctx, "default"));
    if (s->port <= 0) {
        lws_context_destroy(s->ctx);
        ct_error_set(err, CT_EIO, "the simulator's listening port is unknown");
        sim_free(s);
        return NULL;
    }
    snprintf(s->base_url, sizeof s->base_url, "http://%s%s%s:%d", strchr(s->host, ':') ? "[" : "",
             s->host, strchr(s->host, ':') ? "]" : "", s->port);

    s->t0 = opt->start_ms > 0 ? opt->start_ms : ct_clock_wall_ms();
    s->mono0 = ct_clock_mono_ms();
    sim_engine_config ec = {
        .seed = opt->seed,
        .t0 = s->t0,
        .live_target = opt->calls,
        .rate = opt->rate,
        .history = opt->history,
        .events = s->webhook_url != NULL,
        .base_url = s->base_url,
        .list_oldest_first = opt->list_oldest_first,
        .list_window = opt->list_window,
        .max_page_size = opt->max_page_size,
        .clamp_page_size = opt->clamp_page_size,
        .status_completed = opt->status_completed,
        .history_span_ms = opt->history_span_ms,
    };
    s->engine = sim_engine_new(&ec);
    s->faults.error_rate = opt->error_rate;
    s->faults.rate_limit_rate = opt->rate_limit_rate;
    s->faults.malformed_rate = opt->malformed_rate;
    s->faults.reset_rate = opt->reset_rate;
    s->faults.error_route = s->error_route;
    if (opt->rate_limit_count > 0) {
        s->faults.storm_from = (unsigned long)(opt->rate_limit_from > 0 ? opt->rate_limit_from : 1);
        s->faults.storm_count = (unsigned long)opt->rate_limit_count;
    }
    sim_rng_seed(&s->faults.rng, opt->seed ^ 0xfa017ULL);
    if (s->engine && s->webhook_url) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        s->webhooks = sim_webhooks_start(s->webhook_url, s->webhook_secret,
                                         (size_t)opt->webhook_queue, opt->webhook_dup_rate,
                                         opt->webhook_reorder_rate, opt->seed, opt->verbose);
        if (!s->webhooks) curl_global_cleanup();
    }
    if (!s->engine || (s->webhook_url && !s->webhooks)) {
        lws_context_destroy(s->ctx);
        ct_error_set(err, CT_ENOMEM, "cannot start the simulator's engine or webhook sender");
        sim_free(s);
        return NULL;
    }
    atomic_store(&s->calls_n, s->engine->n_calls);
    atomic_store(&s->live_n, s->engine->n_live);
    if (pthread_create(&s->thread, NULL, service, s) != 0) {
        lws_context_destroy(s->ctx);
        ct_error_set(err, CT_EIO, "cannot start the simulator thread");
        sim_free(s);
        return NULL;
    }
    return s;
}

int ct_sim_port(const ct_sim *s)
{
    return s ? s->port : -1;
}

const char *ct_sim_base_url(const ct_sim *s)
{
    return s ? s->base_url : "";
}

void ct_sim_get_stats(ct_sim *s, ct_sim_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!s) return;
    out->requests = atomic_load(&s->requests);
    out->faults = atomic_load(&s->faults_n);
    out->calls = atomic_load(&s->calls_n);
    out->live_calls = atomic_load(&s->live_n);
    sim_webhooks_stats w;
    sim_webhooks_get_stats(s->webhooks, &w);
    out->webhooks_queued = w.queued;
    out->webhooks_sent = w.sent;
    out->webhooks_failed = w.failed;
    out->webhooks_dropped = w.dropped;
}

#define SIM_LOG_MAX 100000

void sim_log_request(struct ct_sim *s, int status, bool list)
{
    pthread_mutex_lock(&s->log_lock);
    if (s->n_log == s->cap_log && s->cap_log < SIM_LOG_MAX) {
        size_t cap = s->cap_log ? s->cap_log * 2 : 256;
        if (cap > SIM_LOG_MAX) cap = SIM_LOG_MAX;
        ct_sim_request_stamp *l = realloc(s->log, cap * sizeof *l);
        if (l) {
            s->log = l;
            s->cap_log = cap;
        }
    }
    if (s->n_log < s->cap_log)
        s->log[s->n_log++] = (ct_sim_request_stamp){ct_clock_mono_ms(), status, list};
    pthread_mutex_unlock(&s->log_lock);
}

size_t ct_sim_request_log(ct_sim *s, ct_sim_request_stamp *out, size_t cap)
{
    if (!s) return 0;
    pthread_mutex_lock(&s->log_lock);
    size_t n = s->n_log;
    if (out) memcpy(out, s->log, (n < cap ? n : cap) * sizeof *out);
    pthread_mutex_unlock(&s->log_lock);
    return n;
}

void ct_sim_stop(ct_sim *s)
{
    if (!s) return;
    atomic_store(&s->stop, true);
    lws_cancel_service(s->ctx);
    pthread_join(s->thread, NULL);
    lws_context_destroy(s->ctx);
    sim_free(s);
}
