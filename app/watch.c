/* watch.c — `calltop watch`: the board's live path without a terminal UI.
 *
 * The same sources (calltop-relay through net/monitor.c when relay-url and
 * a token are set, else polling the list through the fetcher every 5 s, and
 * also while the monitor reports POLLING), the same reducer
 * (calltop/reduce.h) and the same attention rules (calltop/attention.h);
 * one line per event or attention item on stdout, as text or JSON lines
 * (docs/cli.md "calltop watch" lists the fields). The first list read and
 * the relay's first snapshot are the state at start, not events: they are
 * applied without lines (attention items they open are printed).
 *
 * Exits 0 on SIGINT / SIGTERM and when stdout is closed (EPIPE: `| head`);
 * 2 on usage; 3 when the API refuses the key on the first read; 1 on any
 * other output error. */
#include <errno.h>
#include <poll.h>
#include <stdio_ext.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "calltop/json_util.h"
#include "calltop/attention.h"
#include "calltop/clock.h"
#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/log.h"
#include "calltop/monitor.h"
#include "calltop/reduce.h"
#include "calltop/sanitize.h"
#include "calltop/store.h"

#define WATCH_POLL_MS   5000
#define WATCH_WINDOW_MS (24LL * 3600 * 1000)
#define WATCH_MARGIN_MS (5LL * 60 * 1000)

typedef struct watch_opts {
    bool json, alerts_only;
    const char *call;   /* --call ID: only this call's lines */
    const char *status; /* --status S: only calls in this status ("live" too) */
} watch_opts;

typedef struct watch {
    watch_opts o;
    ct_store *store;
    ct_reducer r;
    ct_attention *att;
    ct_inbox *inbox;
    ct_fetcher *fetcher;
    ct_monitor *monitor;
    bool primed;            /* the start-up state has been read */
    int64_t next_poll_mono; /* 0 = not polling */
    int out_error;          /* errno of a failed write (EPIPE: the reader left) */
} watch;

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;
    if (sig_pipe[1] >= 0) (void)!write(sig_pipe[1], &b, 1);
    errno = saved;
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "calltop: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, " (see calltop watch --help)\n");
    return CT_EXIT_USAGE;
}

static void help(void)
{
    ct_config_print_command_help("watch", stdout);
}

static int parse(const ct_config *cfg, watch_opts *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < cfg->n_rest; i++) {
        const char *a = cfg->rest[i];
        const char *v = i + 1 < cfg->n_rest ? cfg->rest[i + 1] : NULL;
        /* --option=value, as every command accepts */
        char name[32];
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        bool inline_value = false;
        if (eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            a = name;
            v = eq + 1;
            inline_value = true;
        }
        if (inline_value &&
            (strcmp(a, "--json") == 0 || strcmp(a, "--alerts-only") == 0 ||
             strcmp(a, "--help") == 0))
            return usage("option '%s' takes no value", a);
        /* a value given inline is not the next argument: do not skip that */
        if (inline_value) i--;
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (!v) return usage("option '%s' needs a value: text or json", a);
            if (strcmp(v, "json") == 0) o->json = true;
            else if (strcmp(v, "text") == 0) o->json = false;
            else return usage("unknown output format '%.32s' (use text or json)", v);
            i++;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--alerts-only") == 0) {
            o->alerts_only = true;
        } else if (strcmp(a, "--call") == 0) {
            if (!v || !*v) return usage("option '%s' needs a call id", a);
            if (strlen(v) > CT_CALL_ID_MAX) return usage("call id longer than %s bytes", "127");
            o->call = v;
            i++;
        } else if (strcmp(a, "--status") == 0) {
            if (!v) return usage("option '%s' needs a status", a);
            if (strcmp(v, "live") != 0 && ct_status_parse(v) == CT_STATUS_OTHER)
                return usage("unknown status '%.32s' (use live, queued, ongoing, forwarded or "
                             "finished)",
                             v);
            o->status = v;
            i++;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help();
            return -1;
        } else {
            return usage("unknown argument '%.64s'", a);
        }
    }
    return 0;
}

/* ---- output ---------------------------------------------------------------------------- */

static bool call_passes(const watch *w, const char *call_id)
{
    if (w->o.call && (!call_id || strcmp(w->o.call, call_id) != 0)) return false;
    if (w->o.status && call_id && call_id[0]) {
        const ct_call_entry *e = ct_store_get(w->store, call_id);
        if (!e) return false;
        if (strcmp(w->o.status, "live") == 0) return ct_call_is_live(&e->call);
        return e->call.status == ct_status_parse(w->o.status);
    }
    return true;
}

/* Writes one line; a failed write is remembered (the loop then ends). */
static void emit(watch *w, const char *line)
{
    if (w->out_error) return;
    if (fputs(line, stdout) == EOF || fputc('\n', stdout) == EOF || fflush(stdout) == EOF)
        w->out_error = errno ? errno : EIO;
}

/* A JSON line with C1 controls escaped, as `calls --json` does
 * (ct_json_escape_c1). */
static void emit_json(watch *w, const char *json)
{
    char *buf = ct_json_escape_c1(json);
    if (!buf) {
        w->out_error = ENOMEM;
        return;
    }
    emit(w, buf);
    free(buf);
}

static void iso(ct_time_ms t, char *buf, size_t cap)
{
    ct_time_format_iso(t, buf, cap);
}

/* One call event: "call.live" etc. */
static void call_line(watch *w, const char *kind, const char *call_id, const char *text,
                      ct_time_ms now)
{
    if (w->o.alerts_only || !w->primed || !call_passes(w, call_id)) return;
    const ct_call_entry *e = call_id ? ct_store_get(w->store, call_id) : NULL;
    char t[32];
    iso(now, t, sizeof t);
    if (w->o.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", t);
        cJSON_AddStringToObject(o, "kind", kind);
        cJSON_AddStringToObject(o, "call_id", call_id ? call_id : "");
        if (e) {
            cJSON_AddStringToObject(o, "status", ct_status_name(e->call.status));
            cJSON_AddStringToObject(o, "phone_status", ct_phone_status_name(e->call.phone_status));
            cJSON_AddStringToObject(o, "direction", ct_direction_name(e->call.direction));
            cJSON_AddBoolToObject(o, "live", ct_call_is_live(&e->call));
        }
        if (text) cJSON_AddStringToObject(o, "text", text);
        char *s = cJSON_PrintUnformatted(o);
        if (s) emit_json(w, s);
        free(s);
        cJSON_Delete(o);
        return;
    }
    char line[1024], clean_id[CT_CALL_ID_BUF * 2], clean_text[512] = "";
    ct_sanitize(call_id ? call_id : "", call_id ? strlen(call_id) : 0, clean_id, sizeof clean_id,
                false);
    if (text) ct_sanitize(text, strlen(text), clean_text, sizeof clean_text, false);
    snprintf(line, sizeof line, "%s %-13s %s%s%s%s%s", t, kind, clean_id, e ? " status=" : "",
             e ? ct_status_name(e->call.status) : "", text ? " " : "", clean_text);
    emit(w, line);
}

/* The channel's state, why (the monitor's words, or the relay's own
 * reason for RELAY NOT CURRENT: network text, sanitised) and, when
 * relay-url lists several, which relay: a pager script can tell a
 * failover from an outage. */
static void channel_line(watch *w, const ct_effect *f, ct_time_ms now)
{
    if (w->o.alerts_only || w->o.call) return;
    const char *state = ct_monitor_state_name(f->monitor);
    char t[32], why[400] = "";
    iso(now, t, sizeof t);
    if (f->text) ct_sanitize(f->text, strlen(f->text), why, sizeof why, false);
    bool several = w->r.relay_count > 1;
    if (w->o.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", t);
        cJSON_AddStringToObject(o, "kind", "channel");
        cJSON_AddStringToObject(o, "state", state);
        if (several) {
            cJSON_AddNumberToObject(o, "relay", w->r.relay_index);
            cJSON_AddNumberToObject(o, "relays", w->r.relay_count);
        }
        if (why[0]) cJSON_AddStringToObject(o, "reason", why);
        char *js = cJSON_PrintUnformatted(o);
        if (js) emit_json(w, js);
        free(js);
        cJSON_Delete(o);
        return;
    }
    char which[32] = "", line[600];
    if (several) snprintf(which, sizeof which, " relay %d/%d", w->r.relay_index, w->r.relay_count);
    snprintf(line, sizeof line, "%s %-13s %s%s%s%s", t, "channel", state, which,
             why[0] ? " - " : "", why);
    emit(w, line);
}

static void attention_line(watch *w, const char *kind, const ct_att_item *it, ct_time_ms now)
{
    if (it->call_id[0] ? !call_passes(w, it->call_id) : w->o.call != NULL) return;
    char t[32], opened[32];
    iso(now, t, sizeof t);
    iso(it->opened_at, opened, sizeof opened);
    if (w->o.json) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "time", t);
        cJSON_AddStringToObject(o, "kind", kind);
        cJSON_AddNumberToObject(o, "item", (double)it->id);
        cJSON_AddStringToObject(o, "rule", ct_att_rule_name(it->rule));
        cJSON_AddStringToObject(o, "severity", ct_att_severity_name(it->severity));
        cJSON_AddStringToObject(o, "call_id", it->call_id);
        cJSON_AddStringToObject(o, "reason", it->reason);
        cJSON_AddStringToObject(o, "opened_at", opened);
        char *s = cJSON_PrintUnformatted(o);
        if (s) emit_json(w, s);
        free(s);
        cJSON_Delete(o);
        return;
    }
    char line[1024], clean_id[CT_CALL_ID_BUF * 2];
    ct_sanitize(it->call_id, strlen(it->call_id), clean_id, sizeof clean_id, false);
    snprintf(line, sizeof line, "%s %-13s #%llu %s %s %s %s", t, kind, (unsigned long long)it->id,
             ct_att_severity_name(it->severity), ct_att_rule_name(it->rule),
             clean_id[0] ? clean_id : "-", it->reason);
    emit(w, line);
}

static void attention_changes(watch *w, ct_time_ms now)
{
    size_t n;
    const ct_att_change *ch = ct_attention_changes(w->att, &n);
    for (size_t i = 0; i < n; i++) {
        const ct_att_item *it = ct_attention_find(w->att, ch[i].item_id);
        if (!it) continue;
        if (ch[i].kind == CT_ATT_OPENED) attention_line(w, "attention.open", it, now);
        else if (ch[i].kind == CT_ATT_REOPENED) attention_line(w, "attention.open", it, now);
        else if (ch[i].kind == CT_ATT_CLOSED) attention_line(w, "attention.resolved", it, now);
    }
}

/* ---- the loop -------------------------------------------------------------------------- */

static void fetch_list(watch *w, ct_time_ms now)
{
    if (w->r.list_req) return;
    ct_error err;
    uint64_t rid =
        ct_fetch_list_calls(w->fetcher, now - WATCH_WINDOW_MS, now + WATCH_MARGIN_MS, false, &err);
    if (!rid) ct_log(CT_LOG_WARN, "watch: list calls: %s", err.detail);
    ct_reduce_own_read(&w->r, CT_REQ_LIST_CALLS, rid, NULL);
}

static bool polling(const watch *w)
{
    return !w->monitor || (*w->r.chan.monitor) == CT_MON_POLLING;
}

/* Applies one event. Returns an exit code to stop with, or -1 to go on. */
static int apply(watch *w, ct_event *ev, ct_time_ms now)
{
    bool own_list = ev->request_id && ev->request_id == w->r.list_req;
    bool start_state = !w->primed && (own_list || ev->type == CT_EV_MONITOR_SNAPSHOT);
    /* the key refused on the first read: nothing will ever work */
    if (!w->primed && own_list && ev->type == CT_EV_REQUEST_FAILED && ev->error.code == CT_EAUTH) {
        char *d = ct_sanitize_dup(ev->error.detail, false);
        fprintf(stderr, "calltop: %s: %s\n", ct_strerror(ev->error.code), d ? d : "");
        free(d);
        return CT_EXIT_REFUSED;
    }
    const ct_effects *fx = ct_reduce_apply(&w->r, ev, now);
    for (size_t i = 0; i < fx->n; i++) {
        const ct_effect *f = &fx->v[i];
        switch (f->kind) {
        case CT_EFF_CALL_NEW: call_line(w, "call.new", f->call_id, NULL, now); break;
        case CT_EFF_CALL_LIVE: call_line(w, "call.live", f->call_id, NULL, now); break;
        case CT_EFF_CALL_ENDED: call_line(w, "call.ended", f->call_id, NULL, now); break;
        case CT_EFF_CALL_HUNG: call_line(w, "call.hang", f->call_id, NULL, now); break;
        case CT_EFF_CALL_ERRORED: call_line(w, "call.error", f->call_id, f->text, now); break;
        case CT_EFF_CALL_GONE: call_line(w, "call.gone", f->call_id, NULL, now); break;
        case CT_EFF_MONITOR: channel_line(w, f, now); break;
        case CT_EFF_RESYNC: fetch_list(w, now); break;
        case CT_EFF_LIST_ERROR:
            if (f->error && !w->o.alerts_only && !w->o.call) {
                char t[32], line[700], clean[512];
                iso(now, t, sizeof t);
                ct_sanitize(f->error->detail, strlen(f->error->detail), clean, sizeof clean, false);
                if (w->o.json) {
                    cJSON *o = cJSON_CreateObject();
                    cJSON_AddStringToObject(o, "time", t);
                    cJSON_AddStringToObject(o, "kind", "api.error");
                    cJSON_AddStringToObject(o, "text", clean);
                    char *s = cJSON_PrintUnformatted(o);
                    if (s) emit_json(w, s);
                    free(s);
                    cJSON_Delete(o);
                } else {
                    snprintf(line, sizeof line, "%s %-13s %s", t, "api.error", clean);
                    emit(w, line);
                }
            }
            break;
        default: break;
        }
    }
    ct_attention_observe(w->att, w->store, ev, fx, now);
    ct_reducer_trim(&w->r);
    attention_changes(w, now);
    if (start_state) w->primed = true;
    return -1;
}

static int run(watch *w)
{
    int64_t mono = ct_clock_mono_ms();
    fetch_list(w, ct_clock_wall_ms());
    if (polling(w)) w->next_poll_mono = mono + WATCH_POLL_MS;
    ct_time_ms att_due = 0;
    for (;;) {
        if (w->out_error) return w->out_error == EPIPE ? CT_EXIT_OK : CT_EXIT_OTHER;
        ct_time_ms now = ct_clock_wall_ms();
        mono = ct_clock_mono_ms();
        /* the timeout: the next poll or the rules' next time check */
        long timeout = -1;
        if (w->next_poll_mono)
            timeout = (long)(w->next_poll_mono > mono ? w->next_poll_mono - mono : 0);
        att_due = ct_attention_next_due(w->att, w->store, now);
        if (att_due) {
            long t = (long)(att_due > now ? att_due - now : 0);
            if (timeout < 0 || t < timeout) timeout = t;
        }
        struct pollfd pfd[2] = {{.fd = sig_pipe[0], .events = POLLIN},
                                {.fd = ct_inbox_fd(w->inbox), .events = POLLIN}};
        int rc = poll(pfd, 2, (int)(timeout > 60000 ? 60000 : timeout));
        if (rc < 0 && errno != EINTR) return CT_EXIT_OTHER;
        if (rc > 0 && (pfd[0].revents & POLLIN)) {
            unsigned char sig = 0;
            (void)!read(sig_pipe[0], &sig, 1);
            ct_log(CT_LOG_INFO, "watch: signal %d, leaving", sig);
            return CT_EXIT_OK;
        }
        now = ct_clock_wall_ms();
        for (ct_event *ev = ct_inbox_drain(w->inbox); ev;) {
            ct_event *next = ev->next;
            ev->next = NULL;
            int code = w->out_error ? -1 : apply(w, ev, now);
            ct_event_free(ev);
            ev = next;
            if (code >= 0) {
                while (ev) {
                    next = ev->next;
                    ct_event_free(ev);
                    ev = next;
                }
                return code;
            }
        }
        /* time rules */
        if (att_due && now >= att_due) {
            ct_attention_tick(w->att, w->store, now);
            attention_changes(w, now);
        }
        /* the polling schedule follows the channel */
        mono = ct_clock_mono_ms();
        if (!polling(w)) w->next_poll_mono = 0;
        else if (!w->next_poll_mono) w->next_poll_mono = mono + WATCH_POLL_MS;
        else if (mono >= w->next_poll_mono) {
            fetch_list(w, now);
            w->next_poll_mono = mono + WATCH_POLL_MS;
        }
        *w->r.chan.polling = polling(w);
    }
}

int ct_watch_main(const ct_config *cfg)
{
    watch w;
    memset(&w, 0, sizeof w);
    int pc = parse(cfg, &w.o);
    if (pc < 0) return CT_EXIT_OK; /* --help */
    if (pc > 0) return pc;
    if (!cfg->api_key || !*cfg->api_key) {
        ct_config_explain_missing_key(cfg, NULL, stderr);
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    ct_att_config acfg;
    if (ct_att_config_from_settings(&acfg, cfg, &err) != CT_OK ||
        !(w.att = ct_attention_new(&acfg, &err))) {
        fprintf(stderr, "calltop: %s\n", err.detail);
        return err.code == CT_ENOMEM ? CT_EXIT_OTHER : CT_EXIT_USAGE;
    }
    int code = CT_EXIT_OTHER;
    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    w.store = ct_store_new(NULL);
    w.inbox = ct_inbox_new();
    if (!w.store || !w.inbox || pipe(sig_pipe) != 0) {
        fprintf(stderr, "calltop: out of memory or file descriptors\n");
        goto out;
    }
    ct_reducer_init(&w.r, w.store);
    /* a closed reader is a normal end (`calltop watch | head`): EPIPE, not a signal */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    ct_fetcher_options fo;
    memset(&fo, 0, sizeof fo);
    fo.base_url = cfg->base_url;
    fo.api_key = cfg->api_key;
    fo.insecure = cfg->insecure;
    fo.ca_file = cfg->ca_file;
    fo.max_retries = -1;
    fo.list_parallel = ct_config_list_parallel(cfg);
    w.fetcher = ct_fetcher_start(&fo, w.inbox, &err);
    if (!w.fetcher) {
        fprintf(stderr, "calltop: %s\n", err.detail);
        goto restore;
    }
    if (cfg->relay_url && cfg->relay_token && *cfg->relay_token) {
        ct_monitor_options mo;
        memset(&mo, 0, sizeof mo);
        mo.relay_url = cfg->relay_url;
        mo.token = cfg->relay_token;
        mo.insecure = cfg->insecure;
        mo.ca_file = cfg->ca_file;
        w.monitor = ct_monitor_start(&mo, w.inbox, &err);
        if (!w.monitor) ct_log(CT_LOG_WARN, "watch: monitor: %s; polling instead", err.detail);
        else *w.r.chan.monitor = CT_MON_CONNECTING;
    } else if (cfg->relay_url) {
        fprintf(stderr, "calltop: no relay token: polling the API every %d s\n",
                WATCH_POLL_MS / 1000);
    }
    code = run(&w);
restore:
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
out:
    if (w.monitor) ct_monitor_stop(w.monitor);
    if (w.fetcher) ct_fetcher_stop(w.fetcher);
    if (w.inbox) ct_inbox_free(w.inbox);
    if (w.store) ct_reducer_free(&w.r);
    if (w.store) ct_store_free(w.store);
    ct_attention_free(w.att);
    for (int i = 0; i < 2; i++)
        if (sig_pipe[i] >= 0) {
            close(sig_pipe[i]);
            sig_pipe[i] = -1;
        }
    /* stdout already failed with EPIPE: main must not report it again */
    if (code == CT_EXIT_OK && w.out_error == EPIPE) {
        __fpurge(stdout);
        clearerr(stdout);
    }
    return code;
}
