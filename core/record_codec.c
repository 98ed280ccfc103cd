/* record_codec.c — recorded board events <-> JSON lines (calltop/record_codec.h).
 * Calls and numbers use the model's own JSON forms (ct_call_to_json /
 * ct_call_from_json), so a recorded call reads back exactly as decoded. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calltop/record_codec.h"
#include "calltop/relay_urls.h"

/* Event types by name, in the order of ct_event_type (index = type - 1). */
static const char *const event_names[] = {
    "calls_listed", "call_fetched",   "call_placed",   "control_done",     "numbers",
    "assistant",    "request_failed", "monitor_state", "monitor_snapshot", "monitor_update",
    "log",          "rate_limited",
};
#define N_EVENT_NAMES (sizeof event_names / sizeof *event_names)

const char *ct_record_event_name(ct_event_type t)
{
    return t >= 1 && (size_t)t <= N_EVENT_NAMES ? event_names[t - 1] : NULL;
}

static int event_type_parse(const char *s)
{
    for (size_t i = 0; i < N_EVENT_NAMES; i++)
        if (strcmp(s, event_names[i]) == 0) return (int)i + 1;
    return -1;
}

static int monitor_state_parse(const char *s)
{
    for (int m = CT_MON_OFF; m <= CT_MON_POLLING; m++)
        if (strcmp(s, ct_monitor_state_name((ct_monitor_state)m)) == 0) return m;
    return -1;
}

/* ---- encoding --------------------------------------------------------------------------- */

static char *finish(cJSON *o, bool ok, ct_error *err, ct_err *rc)
{
    char *line = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    *rc = line ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory encoding a recorded event");
    return line;
}

static bool add_str(cJSON *o, const char *k, const char *v)
{
    return !v || cJSON_AddStringToObject(o, k, v) != NULL;
}

static bool add_num(cJSON *o, const char *k, double v)
{
    return cJSON_AddNumberToObject(o, k, v) != NULL;
}

static bool add_calls(cJSON *o, const ct_call_list *l)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "calls");
    if (!arr || !add_num(o, "total_count", (double)l->total_count)) return false;
    /* items the decoder skipped: the board flashes how many and why */
    if (l->n_skipped &&
        (!add_num(o, "skipped", (double)l->n_skipped) ||
         !add_str(o, "skip_reason", l->first_skip.detail)))
        return false;
    for (size_t i = 0; i < l->n_calls; i++) {
        cJSON *c = ct_call_to_json(&l->calls[i]);
        if (!c || !cJSON_AddItemToArray(arr, c)) {
            cJSON_Delete(c);
            return false;
        }
    }
    return true;
}

static bool add_call(cJSON *o, const char *k, const ct_call *c)
{
    cJSON *j = ct_call_to_json(c);
    if (!j || !cJSON_AddItemToObject(o, k, j)) {
        cJSON_Delete(j);
        return false;
    }
    return true;
}

static bool add_error(cJSON *o, const ct_error *e)
{
    cJSON *j = cJSON_AddObjectToObject(o, "error");
    return j && add_num(j, "code", e->code) && add_num(j, "http_status", e->http_status) &&
        add_num(j, "retry_after_s", e->retry_after_s) && add_str(j, "field", e->field) &&
        add_str(j, "detail", e->detail);
}

static bool add_call_error(cJSON *o, const ct_call_error *e)
{
    if (!e->present) return true;
    cJSON *j = cJSON_AddObjectToObject(o, "call_error");
    return j && add_str(j, "type", e->type) && add_str(j, "code", e->code) &&
        add_str(j, "message", e->message) && add_str(j, "provider", e->provider) &&
        cJSON_AddBoolToObject(j, "retryable", e->retryable);
}

static bool add_numbers(cJSON *o, const ct_number_list *l)
{
    cJSON *arr = cJSON_AddArrayToObject(o, "numbers");
    if (!arr) return false;
    for (size_t i = 0; i < l->n; i++) {
        cJSON *n = ct_number_to_json(&l->items[i]);
        if (!n || !cJSON_AddItemToArray(arr, n)) {
            cJSON_Delete(n);
            return false;
        }
    }
    return true;
}

ct_err ct_record_encode_header(ct_time_ms at, char **out, ct_error *err)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_str(o, "calltop", "recording") && add_num(o, "version", CT_RECORD_VERSION) &&
        add_num(o, "t", (double)at);
    ct_err rc;
    *out = finish(o, ok, err, &rc);
    return rc;
}

ct_err ct_record_encode_own_read(ct_request_kind kind, uint64_t request_id, const char *call_id,
                                 ct_time_ms at, char **out, ct_error *err)
{
    *out = NULL;
    if (kind != CT_REQ_LIST_CALLS && kind != CT_REQ_GET_CALL)
        return ct_error_set(err, CT_EINVAL, "own read of kind %d cannot be recorded", (int)kind);
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_num(o, "t", (double)at) &&
        add_str(o, "own_read", kind == CT_REQ_LIST_CALLS ? "list" : "get") &&
        add_num(o, "request_id", (double)request_id) &&
        (kind == CT_REQ_LIST_CALLS || add_str(o, "call_id", call_id ? call_id : ""));
    ct_err rc;
    *out = finish(o, ok, err, &rc);
    return rc;
}

ct_err ct_record_encode_event(const ct_event *ev, ct_time_ms at, char **out, ct_error *err)
{
    *out = NULL;
    const char *name = ct_record_event_name(ev->type);
    if (!name)
        return ct_error_set(err, CT_EINVAL, "event type %d cannot be recorded", (int)ev->type);
    cJSON *o = cJSON_CreateObject();
    bool ok = o && add_num(o, "t", (double)at) && add_str(o, "ev", name);
    if (ok && ev->request_id) ok = add_num(o, "request_id", (double)ev->request_id);
    if (ok && ev->request_kind) ok = add_num(o, "request_kind", ev->request_kind);
    if (ok && ev->seq) ok = add_num(o, "seq", (double)ev->seq);
    /* the webhook's time (MONITOR_UPDATE) or the last relay event (MONITOR_STATE) */
    if (ok && ev->last_event_ms) ok = add_num(o, "last_event_ms", (double)ev->last_event_ms);
    if (ok && ev->call_id) ok = add_str(o, "call_id", ev->call_id);
    switch (ev->type) {
    case CT_EV_CALLS_LISTED:
    case CT_EV_MONITOR_SNAPSHOT: ok = ok && add_calls(o, &ev->calls); break;
    case CT_EV_MONITOR_UPDATE:
        ok = ok && add_str(o, "update_kind", ct_webhook_type_name(ev->update_kind)) &&
            add_call_error(o, &ev->call_error) && add_call(o, "call", &ev->call);
        break;
    case CT_EV_CALL_FETCHED:
    case CT_EV_CALL_PLACED: ok = ok && add_call(o, "call", &ev->call); break;
    case CT_EV_CONTROL_DONE:
        ok = ok && add_str(o, "action", ct_control_action_name(ev->action));
        break;
    case CT_EV_NUMBERS: ok = ok && add_numbers(o, &ev->numbers); break;
    case CT_EV_ASSISTANT: {
        cJSON *a = ok ? cJSON_AddObjectToObject(o, "assistant") : NULL;
        ok = a && add_str(a, "id", ev->assistant.id) && add_str(a, "name", ev->assistant.name);
        break;
    }
    case CT_EV_REQUEST_FAILED: ok = ok && add_error(o, &ev->error); break;
    case CT_EV_MONITOR_STATE:
        ok = ok && add_str(o, "state", ct_monitor_state_name(ev->monitor_state)) &&
            cJSON_AddBoolToObject(o, "resumed", ev->resumed) != NULL;
        /* which relay of relay-url's list, and whether it said it is not
         * current: a replay shows "relay 2/3" and RELAY NOT CURRENT as the
         * board did (recordings without them replay as one relay) */
        if (ok && ev->relay_count)
            ok = add_num(o, "relay", ev->relay_index) && add_num(o, "relays", ev->relay_count);
        if (ok && ev->relay_not_live) ok = cJSON_AddBoolToObject(o, "relay_not_live", true) != NULL;
        break;
    case CT_EV_RATE_LIMITED: ok = ok && add_num(o, "until", (double)ev->rate_limited_until); break;
    case CT_EV_LOG: break;
    }
    if (ok) ok = add_str(o, "text", ev->text);
    ct_err rc;
    *out = finish(o, ok, err, &rc);
    return rc;
}

/* ---- decoding ----------------------------------------------------------------------------- */

/* A whole number in [lo, hi], or the default when absent. */
static ct_err get_int(const cJSON *o, const char *k, double lo, double hi, double def, double *v,
                      ct_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!j) {
        *v = def;
        return CT_OK;
    }
    if (!cJSON_IsNumber(j))
        return ct_error_set(err, CT_ETYPE, "recording: `%s` must be a number", k);
    double d = j->valuedouble;
    if (!isfinite(d) || d != floor(d) || d < lo || d > hi)
        return ct_error_set(err, CT_EVALUE, "recording: `%s` is out of range", k);
    *v = d;
    return CT_OK;
}

/* A string or absent (*v NULL); the pointer is into o. */
static ct_err get_str(const cJSON *o, const char *k, const char **v, ct_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    *v = NULL;
    if (!j) return CT_OK;
    if (!cJSON_IsString(j) || !j->valuestring)
        return ct_error_set(err, CT_ETYPE, "recording: `%s` must be a string", k);
    *v = j->valuestring;
    return CT_OK;
}

static ct_err dup_str(const cJSON *o, const char *k, char **dst, ct_error *err)
{
    const char *s;
    ct_err rc = get_str(o, k, &s, err);
    if (rc != CT_OK || !s) return rc;
    if (!(*dst = strdup(s))) return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
}

#define MAX_MS 9007199254740991.0 /* 2^53 - 1: a JSON number's exact integers */

static ct_err decode_calls(const cJSON *o, ct_call_list *l, ct_error *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "calls");
    if (!cJSON_IsArray(arr))
        return ct_error_set(err, CT_EMISSING, "recording: `calls` must be an array");
    double total;
    ct_err rc = get_int(o, "total_count", -1, MAX_MS, -1, &total, err);
    if (rc != CT_OK) return rc;
    l->total_count = (long)total;
    double skipped;
    const char *why;
    if ((rc = get_int(o, "skipped", 0, MAX_MS, 0, &skipped, err)) != CT_OK ||
        (rc = get_str(o, "skip_reason", &why, err)) != CT_OK)
        return rc;
    l->n_skipped = (size_t)skipped;
    if (why) snprintf(l->first_skip.detail, sizeof l->first_skip.detail, "%s", why);
    int n = cJSON_GetArraySize(arr);
    if (n > 0 && !(l->calls = calloc((size_t)n, sizeof *l->calls)))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    const cJSON *c;
    cJSON_ArrayForEach(c, arr)
    {
        rc = ct_call_from_json(c, &l->calls[l->n_calls], "calls[]", err);
        if (rc != CT_OK) return rc;
        l->n_calls++;
        /* the store keys calls by id: one without is not a call */
        if (!(l->calls[l->n_calls - 1].present & CT_F_ID))
            return ct_error_set(err, CT_EMISSING, "recording: a call in `calls` has no id");
    }
    return CT_OK;
}

static ct_err decode_call(const cJSON *o, ct_call *c, ct_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "call");
    if (!cJSON_IsObject(j))
        return ct_error_set(err, CT_EMISSING, "recording: `call` must be an object");
    ct_err rc = ct_call_from_json(j, c, "call", err);
    if (rc == CT_OK && !(c->present & CT_F_ID))
        return ct_error_set(err, CT_EMISSING, "recording: `call` has no id");
    return rc;
}

static ct_err decode_numbers(const cJSON *o, ct_number_list *l, ct_error *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "numbers");
    if (!cJSON_IsArray(arr))
        return ct_error_set(err, CT_EMISSING, "recording: `numbers` must be an array");
    int n = cJSON_GetArraySize(arr);
    if (n > 0 && !(l->items = calloc((size_t)n, sizeof *l->items)))
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    const cJSON *j;
    cJSON_ArrayForEach(j, arr)
    {
        ct_err rc = ct_number_from_json(j, &l->items[l->n], "numbers[]", err);
        if (rc != CT_OK) return rc;
        l->n++;
    }
    return CT_OK;
}

static ct_err decode_error(const cJSON *o, ct_error *e, ct_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "error");
    if (!cJSON_IsObject(j))
        return ct_error_set(err, CT_EMISSING, "recording: `error` must be an object");
    double code, http, retry;
    const char *field, *detail;
    ct_err rc;
    if ((rc = get_int(j, "code", 0, CT_ERR__COUNT - 1, CT_EIO, &code, err)) != CT_OK ||
        (rc = get_int(j, "http_status", 0, 999, 0, &http, err)) != CT_OK ||
        (rc = get_int(j, "retry_after_s", -1, 1e9, -1, &retry, err)) != CT_OK ||
        (rc = get_str(j, "field", &field, err)) != CT_OK ||
        (rc = get_str(j, "detail", &detail, err)) != CT_OK)
        return rc;
    e->code = (ct_err)code;
    e->http_status = (int)http;
    e->retry_after_s = (int)retry;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
    return CT_OK;
}

static ct_err decode_call_error(const cJSON *o, ct_call_error *e, ct_error *err)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "call_error");
    if (!j) return CT_OK;
    if (!cJSON_IsObject(j))
        return ct_error_set(err, CT_ETYPE, "recording: `call_error` must be an object");
    e->present = true;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(j, "retryable");
    e->retryable = cJSON_IsTrue(r);
    ct_err rc;
    if ((rc = dup_str(j, "type", &e->type, err)) != CT_OK ||
        (rc = dup_str(j, "code", &e->code, err)) != CT_OK ||
        (rc = dup_str(j, "message", &e->message, err)) != CT_OK)
        return rc;
    return dup_str(j, "provider", &e->provider, err);
}

static ct_err decode_event(const cJSON *o, int type, ct_event *ev, ct_error *err)
{
    double rid, rkind, seq, d;
    ct_err rc;
    if ((rc = get_int(o, "request_id", 0, MAX_MS, 0, &rid, err)) != CT_OK ||
        (rc = get_int(o, "request_kind", 0, CT_REQ_ASSISTANT, 0, &rkind, err)) != CT_OK ||
        (rc = get_int(o, "seq", 0, MAX_MS, 0, &seq, err)) != CT_OK ||
        (rc = get_int(o, "last_event_ms", 0, MAX_MS, 0, &d, err)) != CT_OK ||
        (rc = dup_str(o, "call_id", &ev->call_id, err)) != CT_OK ||
        (rc = dup_str(o, "text", &ev->text, err)) != CT_OK)
        return rc;
    ev->last_event_ms = (ct_time_ms)d;
    ev->request_id = (uint64_t)rid;
    ev->request_kind = (int)rkind;
    ev->seq = (uint64_t)seq;
    const char *s;
    switch ((ct_event_type)type) {
    case CT_EV_CALLS_LISTED:
    case CT_EV_MONITOR_SNAPSHOT: return decode_calls(o, &ev->calls, err);
    case CT_EV_MONITOR_UPDATE:
        if ((rc = get_str(o, "update_kind", &s, err)) != CT_OK) return rc;
        ev->update_kind = s ? ct_webhook_type_parse(s) : CT_WH_UNKNOWN;
        if ((rc = decode_call_error(o, &ev->call_error, err)) != CT_OK) return rc;
        return decode_call(o, &ev->call, err);
    case CT_EV_CALL_FETCHED:
    case CT_EV_CALL_PLACED: return decode_call(o, &ev->call, err);
    case CT_EV_CONTROL_DONE: {
        if ((rc = get_str(o, "action", &s, err)) != CT_OK) return rc;
        int a = s ? ct_control_action_parse(s) : -1;
        if (a < 0)
            return ct_error_set(err, CT_EVALUE, "recording: `action` is not a control action");
        ev->action = (ct_control_action)a;
        return CT_OK;
    }
    case CT_EV_NUMBERS: return decode_numbers(o, &ev->numbers, err);
    case CT_EV_ASSISTANT: {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "assistant");
        if (!cJSON_IsObject(a))
            return ct_error_set(err, CT_EMISSING, "recording: `assistant` must be an object");
        if ((rc = dup_str(a, "id", &ev->assistant.id, err)) != CT_OK) return rc;
        return dup_str(a, "name", &ev->assistant.name, err);
    }
    case CT_EV_REQUEST_FAILED: return decode_error(o, &ev->error, err);
    case CT_EV_MONITOR_STATE: {
        if ((rc = get_str(o, "state", &s, err)) != CT_OK) return rc;
        int m = s ? monitor_state_parse(s) : -1;
        if (m < 0) return ct_error_set(err, CT_EVALUE, "recording: `state` is not a monitor state");
        ev->monitor_state = (ct_monitor_state)m;
        ev->resumed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "resumed"));
        ev->relay_not_live = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "relay_not_live"));
        if ((rc = get_int(o, "relays", 0, CT_RELAY_URLS_MAX, 0, &d, err)) != CT_OK) return rc;
        ev->relay_count = (int)d;
        if ((rc = get_int(o, "relay", 0, ev->relay_count, 0, &d, err)) != CT_OK) return rc;
        ev->relay_index = (int)d;
        if (ev->relay_count && !ev->relay_index)
            return ct_error_set(err, CT_EMISSING, "recording: `relays` without `relay`");
        return CT_OK;
    }
    case CT_EV_RATE_LIMITED:
        if ((rc = get_int(o, "until", 0, MAX_MS, 0, &d, err)) != CT_OK) return rc;
        ev->rate_limited_until = (ct_time_ms)d;
        return CT_OK;
    case CT_EV_LOG: return CT_OK;
    }
    return ct_error_set(err, CT_EVALUE, "recording: unknown event type");
}

static ct_err decode_object(const cJSON *o, ct_record *out, ct_error *err)
{
    if (!cJSON_IsObject(o))
        return ct_error_set(err, CT_ETYPE, "recording: a line must be a JSON object");
    double t;
    ct_err rc = get_int(o, "t", 0, MAX_MS, -1, &t, err);
    if (rc != CT_OK) return rc;
    if (t < 0) return ct_error_set(err, CT_EMISSING, "recording: `t` (the time) is missing");
    out->at = (ct_time_ms)t;
    const char *s;
    if ((rc = get_str(o, "calltop", &s, err)) != CT_OK) return rc;
    if (s) {
        double v;
        if (strcmp(s, "recording") != 0)
            return ct_error_set(err, CT_EVALUE, "recording: not a calltop recording");
        if ((rc = get_int(o, "version", 0, 1e9, 0, &v, err)) != CT_OK) return rc;
        if (v != CT_RECORD_VERSION)
            return ct_error_set(err, CT_EVALUE,
                                "recording: format version %.0f, this calltop reads %d", v,
                                CT_RECORD_VERSION);
        out->kind = CT_REC_HEADER;
        return CT_OK;
    }
    if ((rc = get_str(o, "own_read", &s, err)) != CT_OK) return rc;
    if (s) {
        double rid;
        const char *id;
        if (strcmp(s, "list") == 0) out->read_kind = CT_REQ_LIST_CALLS;
        else if (strcmp(s, "get") == 0) out->read_kind = CT_REQ_GET_CALL;
        else return ct_error_set(err, CT_EVALUE, "recording: `own_read` must be list or get");
        if ((rc = get_int(o, "request_id", 0, MAX_MS, 0, &rid, err)) != CT_OK ||
            (rc = get_str(o, "call_id", &id, err)) != CT_OK)
            return rc;
        if (id && strlen(id) > CT_CALL_ID_MAX)
            return ct_error_set(err, CT_EVALUE, "recording: `call_id` is too long");
        out->request_id = (uint64_t)rid;
        snprintf(out->call_id, sizeof out->call_id, "%s", id ? id : "");
        out->kind = CT_REC_OWN_READ;
        return CT_OK;
    }
    if ((rc = get_str(o, "ev", &s, err)) != CT_OK) return rc;
    if (!s)
        return ct_error_set(err, CT_EMISSING,
                            "recording: a line needs `ev`, `own_read` or `calltop`");
    int type = event_type_parse(s);
    if (type < 0) return ct_error_set(err, CT_EVALUE, "recording: unknown event `%.40s`", s);
    ct_event *ev = ct_event_new((ct_event_type)type);
    if (!ev) return ct_error_set(err, CT_ENOMEM, "out of memory");
    if ((rc = decode_event(o, type, ev, err)) != CT_OK) {
        ct_event_free(ev);
        return rc;
    }
    out->kind = CT_REC_EVENT;
    out->ev = ev;
    return CT_OK;
}

ct_err ct_record_decode(const char *line, size_t len, ct_record *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *o = cJSON_ParseWithLength(line, len);
    if (!o) return ct_error_set(err, CT_EJSON, "recording: a line is not JSON");
    ct_err rc = decode_object(o, out, err);
    cJSON_Delete(o);
    if (rc != CT_OK) ct_record_clear(out);
    return rc;
}

void ct_record_clear(ct_record *r)
{
    if (r->ev) ct_event_free(r->ev);
    memset(r, 0, sizeof *r);
}
