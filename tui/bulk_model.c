/* bulk_model.c — the plan behind bulk end / say (see bulk_model.h). */
#include "bulk_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/api.h"
#include "calltop/sanitize.h"
#include "listmodel.h"

static const char *const state_names[CT_BULK__COUNT] = {"pending", "sent", "refused", "failed"};

const char *ct_bulk_state_name(ct_bulk_state s)
{
    return s >= 0 && s < CT_BULK__COUNT ? state_names[s] : "?";
}

ct_bulk_state ct_bulk_state_for(const ct_error *r)
{
    if (!r || r->code == CT_OK) return CT_BULK_SENT;
    switch (r->code) {
    case CT_EAUTH:
    case CT_ENOTFOUND:
    case CT_EVALIDATION:
    case CT_ERATELIMIT: return CT_BULK_REFUSED;
    case CT_EHTTP:
        return r->http_status >= 400 && r->http_status < 500 ? CT_BULK_REFUSED : CT_BULK_FAILED;
    default: return CT_BULK_FAILED;
    }
}

ct_err ct_bulk_filter_parse(const char *expr, ct_view_spec *spec, ct_error *err)
{
    if (!expr) expr = "";
    const char *slash = strchr(expr, '/');
    size_t vlen = slash ? (size_t)(slash - expr) : strlen(expr);
    const char *search = slash ? slash + 1 : "";
    int step = 0; /* "all" */
    if (vlen > 0) {
        step = -1;
        for (int i = 0; i < CT_FILTER_STEPS; i++) {
            const char *name = ct_filter_step_name(i);
            if (strlen(name) == vlen && strncmp(name, expr, vlen) == 0) step = i;
        }
        if (step < 0) {
            char view[40];
            snprintf(view, sizeof view, "%.*s", (int)(vlen < 32 ? vlen : 32), expr);
            char *safe = ct_sanitize_dup(view, false);
            ct_error_set(err, CT_EUSAGE,
                         "--filter: '%s' is not a view (all, live, failed, "
                         "inbound, outbound, queued, ongoing, forwarded, finished; then "
                         "optionally /SEARCH)",
                         safe ? safe : "");
            free(safe);
            return CT_EUSAGE;
        }
    }
    if (strlen(search) >= sizeof spec->search)
        return ct_error_set(err, CT_EUSAGE,
                            "--filter: the search after '/' is longer than "
                            "%zu bytes",
                            sizeof spec->search - 1);
    ct_filter_step_spec(step, spec);
    snprintf(spec->search, sizeof spec->search, "%s", search);
    return CT_OK;
}

void ct_bulk_filter_format(const ct_view_spec *spec, char *buf, size_t cap)
{
    const char *view = "all";
    for (int i = 0; spec && i < CT_FILTER_STEPS; i++) {
        ct_view_spec s = *spec;
        ct_filter_step_spec(i, &s);
        if (s.filter == spec->filter &&
            (s.filter != CT_FILTER_STATUS || s.status == spec->status) &&
            (s.filter != CT_FILTER_DIRECTION || s.direction == spec->direction)) {
            view = ct_filter_step_name(i);
            break;
        }
    }
    snprintf(buf, cap, "%s%s%s", view, spec && spec->search[0] ? "/" : "",
             spec ? spec->search : "");
}

void ct_bulk_plan_free(ct_bulk_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->items[i].call_id);
        free(p->items[i].label);
        free(p->items[i].url);
        free(p->items[i].body);
    }
    free(p->items);
    memset(p, 0, sizeof *p);
}

/* What the preview calls a call by: the customer's name or number. */
static char *label_for(const ct_call *c)
{
    const char *who = c->customer_name && *c->customer_name ? c->customer_name
        : c->user_number && *c->user_number                 ? c->user_number
                                                            : "-";
    return ct_sanitize_dup(who, false);
}

ct_err ct_bulk_plan_build(ct_bulk_plan *p, ct_view *view, const char *base_url,
                          ct_control_action action, const char *argument, ct_error *err)
{
    memset(p, 0, sizeof *p);
    if (action != CT_ACTION_END && action != CT_ACTION_SAY)
        return ct_error_set(err, CT_EUSAGE, "only end and say are bulk actions, not %s",
                            ct_control_action_name(action));
    p->action = action;
    size_t n = ct_view_count(view);
    p->items = calloc(n ? n : 1, sizeof *p->items);
    if (!p->items) return ct_error_set(err, CT_ENOMEM, "no memory for the bulk plan");
    for (size_t i = 0; i < n; i++) {
        const ct_call_entry *e = ct_view_at(view, i);
        if (!e || !ct_call_is_live(&e->call) || !e->call.id) continue;
        ct_control_request rq = {.action = action, .argument = argument};
        ct_api_request req;
        memset(&req, 0, sizeof req);
        ct_err rc = ct_api_control(base_url, e->call.id, &rq, &req, err);
        if (rc != CT_OK) {
            ct_bulk_plan_free(p);
            return rc;
        }
        ct_bulk_item *it = &p->items[p->n];
        it->call_id = ct_sanitize_dup(e->call.id, false);
        it->label = label_for(&e->call);
        it->url = req.url;
        it->body = req.body;
        req.url = req.body = NULL;
        ct_api_request_clear(&req);
        p->n++;
        if (!it->call_id || !it->label || !it->url || !it->body) {
            ct_bulk_plan_free(p);
            return ct_error_set(err, CT_ENOMEM, "no memory for the bulk plan");
        }
    }
    return CT_OK;
}

bool ct_bulk_confirm_ok(const ct_bulk_plan *p, const char *typed)
{
    if (!p || p->n == 0 || p->started || !typed) return false;
    while (*typed == ' ' || *typed == '\t') typed++;
    char want[32];
    int len = snprintf(want, sizeof want, "%zu", p->n);
    if (strncmp(typed, want, (size_t)len) != 0) return false;
    for (typed += len; *typed; typed++)
        if (*typed != ' ' && *typed != '\t' && *typed != '\n' && *typed != '\r') return false;
    return true;
}

bool ct_bulk_start(ct_bulk_plan *p)
{
    if (!p || p->started) return false;
    p->started = true;
    return true;
}

bool ct_bulk_record(ct_bulk_plan *p, size_t i, const ct_error *result)
{
    if (!p || i >= p->n || p->items[i].state != CT_BULK_PENDING) return false;
    ct_bulk_item *it = &p->items[i];
    it->state = ct_bulk_state_for(result);
    it->detail[0] = '\0';
    if (it->state != CT_BULK_SENT && result) {
        const char *why = result->detail[0] ? result->detail : ct_strerror(result->code);
        ct_sanitize(why, strlen(why), it->detail, sizeof it->detail, false);
    }
    return true;
}

long ct_bulk_find_request(const ct_bulk_plan *p, uint64_t request_id)
{
    for (size_t i = 0; p && request_id && i < p->n; i++)
        if (p->items[i].request_id == request_id) return (long)i;
    return -1;
}

void ct_bulk_counts(const ct_bulk_plan *p, size_t counts[CT_BULK__COUNT])
{
    memset(counts, 0, sizeof(size_t) * CT_BULK__COUNT);
    for (size_t i = 0; p && i < p->n; i++) counts[p->items[i].state]++;
}

bool ct_bulk_done(const ct_bulk_plan *p)
{
    size_t c[CT_BULK__COUNT];
    ct_bulk_counts(p, c);
    return c[CT_BULK_PENDING] == 0;
}

void ct_bulk_summary(const ct_bulk_plan *p, char *buf, size_t cap)
{
    size_t c[CT_BULK__COUNT];
    ct_bulk_counts(p, c);
    int w = snprintf(buf, cap, "%s: %zu sent, %zu refused, %zu failed",
                     ct_control_action_name(p->action), c[CT_BULK_SENT], c[CT_BULK_REFUSED],
                     c[CT_BULK_FAILED]);
    if (c[CT_BULK_PENDING] && w >= 0 && (size_t)w < cap)
        snprintf(buf + w, cap - (size_t)w, ", %zu pending", c[CT_BULK_PENDING]);
}

void ct_bulk_preview_line(const ct_bulk_plan *p, size_t i, char *buf, size_t cap)
{
    if (!p || i >= p->n) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    const ct_bulk_item *it = &p->items[i];
    /* the body carries typed text: cJSON leaves C1 controls raw, so the
     * line is made safe for a terminal as a whole */
    char raw[2048];
    snprintf(raw, sizeof raw, "%s  %s  POST %s  %s", it->call_id, it->label, it->url, it->body);
    ct_sanitize(raw, strlen(raw), buf, cap, false);
}

void ct_bulk_result_line(const ct_bulk_plan *p, size_t i, char *buf, size_t cap)
{
    if (!p || i >= p->n) {
        snprintf(buf, cap, "%s", "");
        return;
    }
    const ct_bulk_item *it = &p->items[i];
    snprintf(buf, cap, "%s  %s%s%s", it->call_id, ct_bulk_state_name(it->state),
             it->detail[0] ? ": " : "", it->detail);
}
