/* routes.c — what calltop-sim answers on each documented route.
 *
 * Interactly is a FastAPI service (its documented 422 body is pydantic's),
 * so undocumented corners follow FastAPI: route matching first (404 for an
 * unknown path, 405 with Allow for a known path and the wrong method), then
 * the bearer key (401), then validation (422 with a detail list naming the
 * field by its `loc`), then the handler (404/409 with {"detail": "..."}).
 * docs/simulator.md lists every decision made here. */
#include "routes.h"
#include "calltop/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- responses ----------------------------------------------------------- */

static void respond_json(sim_response *rs, int status, cJSON *root)
{
    rs->status = status;
    rs->body = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!rs->body) {
        /* cJSON ran out of memory: a fixed body still tells the client. */
        rs->status = 500;
        rs->body = strdup("{\"detail\":\"out of memory\"}");
    }
    rs->body_len = rs->body ? strlen(rs->body) : 0;
}

void sim_response_detail(sim_response *rs, int status, const char *detail)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "detail", detail);
    respond_json(rs, status, root);
}

/* One pydantic-style validation error: loc is a NULL-terminated path. */
static void detail_add(cJSON *list, const char *const *loc, const char *msg, const char *type)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *l = cJSON_AddArrayToObject(o, "loc");
    for (size_t i = 0; loc[i]; i++) cJSON_AddItemToArray(l, cJSON_CreateString(loc[i]));
    cJSON_AddStringToObject(o, "msg", msg);
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddItemToArray(list, o);
}

#define LOC(...) ((const char *const[]){__VA_ARGS__, NULL})

static bool respond_if_invalid(sim_response *rs, cJSON *details)
{
    if (cJSON_GetArraySize(details) == 0) {
        cJSON_Delete(details);
        return false;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "detail", details);
    respond_json(rs, 422, root);
    return true;
}

int sim_secure_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* Walk the longer length so timing depends on lengths only. */
    size_t n = la > lb ? la : lb;
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < n; i++) {
        unsigned char x = i < la ? (unsigned char)a[i] : 0;
        unsigned char y = i < lb ? (unsigned char)b[i] : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

static bool authorized(const char *api_key, const char *auth)
{
    if (!auth) return false;
    /* RFC 7235: the scheme is case-insensitive. */
    if (strncasecmp(auth, "Bearer ", 7) != 0) return false;
    const char *tok = auth + 7;
    while (*tok == ' ') tok++;
    return sim_secure_equal(tok, api_key);
}

static const char *arg(const sim_request *rq, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < rq->n_args; i++)
        if (strncmp(rq->args[i], name, n) == 0 && rq->args[i][n] == '=') return rq->args[i] + n + 1;
    return NULL;
}

/* Parses a positive decimal integer; false on anything else. */
static bool parse_int(const char *s, long *out)
{
    if (!s || !*s || strlen(s) > 9 || strspn(s, "0123456789") != strlen(s)) return false;
    *out = strtol(s, NULL, 10);
    return true;
}

/* ---- GET /calls/v1/conversations ---------------------------------------- */

/* A growable response body; a failed allocation sticks. */
typedef struct outbuf {
    char *p;
    size_t len, cap;
    bool failed;
} outbuf;

static void out_add(outbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static int cmp_start_desc(const void *a, const void *b)
{
    const sim_call *x = *(sim_call *const *)a, *y = *(sim_call *const *)b;
    if (x->start_at != y->start_at) return x->start_at > y->start_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int cmp_end_desc(const void *a, const void *b)
{
    const sim_call *x = *(sim_call *const *)a, *y = *(sim_call *const *)b;
    /* Live calls (no endAt) first: they "end" in the future. */
    int64_t ex = x->end_at ? x->end_at : INT64_MAX, ey = y->end_at ? y->end_at : INT64_MAX;
    if (ex != ey) return ex > ey ? -1 : 1;
    return cmp_start_desc(a, b);
}

static int cmp_status(const void *a, const void *b)
{
    const sim_call *x = *(sim_call *const *)a, *y = *(sim_call *const *)b;
    /* Alphabetical by wire name: finished < forwarded < ongoing < queued. */
    static const char *const rank_name[] = {"queued", "ongoing", "forwarded", "finished"};
    int c = strcmp(rank_name[x->status], rank_name[y->status]);
    return c ? c : cmp_start_desc(a, b);
}

static int cmp_id(const void *a, const void *b)
{
    const sim_call *x = *(sim_call *const *)a, *y = *(sim_call *const *)b;
    return strcmp(x->id, y->id);
}

static void list_calls(sim_engine *e, const sim_request *rq, sim_response *rs)
{
    cJSON *details = cJSON_CreateArray();
    const char *sd = arg(rq, "startDate"), *ed = arg(rq, "endDate");
    int64_t start = 0, end = 0;
    if (!sd)
        detail_add(details, LOC("query", "startDate"), "field required", "value_error.missing");
    else if (!sim_iso_parse(sd, &start))
        detail_add(details, LOC("query", "startDate"), "invalid datetime format",
                   "value_error.datetime");
    if (!ed) detail_add(details, LOC("query", "endDate"), "field required", "value_error.missing");
    else if (!sim_iso_parse(ed, &end))
        detail_add(details, LOC("query", "endDate"), "invalid datetime format",
                   "value_error.datetime");
    long page = 1, size = 10;
    const char *ps = arg(rq, "page"), *ss = arg(rq, "size"), *sort = arg(rq, "sort");
    if (ps && (!parse_int(ps, &page) || page < 1))
        detail_add(details, LOC("query", "page"), "ensure this value is greater than or equal to 1",
                   "value_error.number.not_ge");
    if (ss && (!parse_int(ss, &size) || size < 1))
        detail_add(details, LOC("query", "size"), "ensure this value is greater than or equal to 1",
                   "value_error.number.not_ge");
    else if (size > (e->cfg.max_page_size > 0 ? e->cfg.max_page_size : SIM_LIST_MAX_SIZE) &&
             e->cfg.clamp_page_size)
        size = e->cfg.max_page_size > 0 ? e->cfg.max_page_size : SIM_LIST_MAX_SIZE;
    else if (size > (e->cfg.max_page_size > 0 ? e->cfg.max_page_size : SIM_LIST_MAX_SIZE)) {
        char msg[64];
        snprintf(msg, sizeof msg, "ensure this value is less than or equal to %d",
                 e->cfg.max_page_size > 0 ? e->cfg.max_page_size : SIM_LIST_MAX_SIZE);
        detail_add(details, LOC("query", "size"), msg, "value_error.number.not_le");
    }
    int (*cmp)(const void *, const void *) = cmp_start_desc;
    if (sort && *sort) {
        if (strcmp(sort, "startAt") == 0) cmp = cmp_start_desc;
        else if (strcmp(sort, "endAt") == 0) cmp = cmp_end_desc;
        else if (strcmp(sort, "status") == 0) cmp = cmp_status;
        else if (strcmp(sort, "conversationId") == 0) cmp = cmp_id;
        else
            detail_add(details, LOC("query", "sort"),
                       "value is not a valid enumeration member; permitted: 'startAt', 'endAt', "
                       "'status', 'conversationId'",
                       "type_error.enum");
    }
    if (respond_if_invalid(rs, details)) return;

    /* A call matches when [startAt, endAt] overlaps the window; a live call
     * has an open end, so it is in every window that reaches its start.
     * Collected newest first: e->calls is in start order, so for the default
     * sort an insertion sort only fixes the odd tie (linear time). */
    sim_call **hits = malloc((e->n_calls ? e->n_calls : 1) * sizeof *hits);
    if (!hits) {
        sim_response_detail(rs, 500, "out of memory");
        return;
    }
    size_t n = 0;
    for (size_t i = e->n_calls; i-- > 0;) {
        sim_call *c = e->calls[i];
        int64_t c_end = c->end_at ? c->end_at : INT64_MAX;
        bool match;
        switch (e->cfg.list_window) {
        case CT_SIM_WINDOW_STARTED: match = c->start_at >= start && c->start_at <= end; break;
        case CT_SIM_WINDOW_ENDED:
            match = c->end_at && c->end_at >= start && c->end_at <= end;
            break;
        default: match = c->start_at <= end && c_end >= start; break;
        }
        if (match) hits[n++] = c;
    }
    if (cmp == cmp_start_desc) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && cmp(&hits[j - 1], &hits[j]) > 0; j--) {
                sim_call *t = hits[j];
                hits[j] = hits[j - 1];
                hits[j - 1] = t;
            }
    } else {
        qsort(hits, n, sizeof *hits, cmp);
    }
    /* --list-oldest-first: the time sorts run the other way (ties still by id
     * reversed, which keeps pages stable). */
    if (e->cfg.list_oldest_first && (cmp == cmp_start_desc || cmp == cmp_end_desc))
        for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
            sim_call *t = hits[i];
            hits[i] = hits[j];
            hits[j] = t;
        }
    /* The body is assembled from printed items; ended calls keep theirs. */
    outbuf out = {0};
    char head[64];
    int hl = snprintf(head, sizeof head, "{\"totalCount\":%zu,\"conversations\":[", n);
    out_add(&out, head, (size_t)hl);
    size_t first = (size_t)(page - 1) * (size_t)size;
    size_t stop = first + (size_t)size < n ? first + (size_t)size : n;
    for (size_t i = first; i < stop && !out.failed; i++) {
        sim_call *c = hits[i];
        if (i > first) out_add(&out, ",", 1);
        if (c->list_json) {
            out_add(&out, c->list_json, c->list_json_len);
            continue;
        }
        cJSON *j = sim_call_json(e, c, false);
        char *item = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        if (!item) {
            out.failed = true;
            break;
        }
        size_t il = strlen(item);
        out_add(&out, item, il);
        if (c->end_at) {
            c->list_json = item;
            c->list_json_len = il;
        } else {
            free(item);
        }
    }
    out_add(&out, "]}", 2);
    free(hits);
    if (out.failed) {
        free(out.p);
        sim_response_detail(rs, 500, "out of memory");
        return;
    }
    rs->status = 200;
    rs->body = out.p;
    rs->body_len = out.len;
}

/* ---- POST connect / create ---------------------------------------------- */

/* Parses a JSON object body or answers 422 and returns NULL. */
static cJSON *parse_body(const sim_request *rq, sim_response *rs)
{
    cJSON *root = rq->body && rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
    cJSON *details = cJSON_CreateArray();
    if (!root) {
        detail_add(details, LOC("body"),
                   rq->body_len ? "JSON decode error: the body is not valid JSON"
                                : "field required (the request has no body)",
                   rq->body_len ? "value_error.jsondecode" : "value_error.missing");
    } else if (!cJSON_IsObject(root)) {
        detail_add(details, LOC("body"), "value is not a valid dict", "type_error.dict");
    }
    if (respond_if_invalid(rs, details)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* Reads an optional string field; records a type error when it is not one. */
static const char *opt_string(const cJSON *obj, const char *key, cJSON *details,
                              const char *const *loc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return NULL;
    if (!cJSON_IsString(v)) {
        detail_add(details, loc, "str type expected", "type_error.str");
        return NULL;
    }
    return v->valuestring;
}

static const cJSON *opt_object(const cJSON *obj, const char *key, cJSON *details,
                               const char *const *loc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return NULL;
    if (!cJSON_IsObject(v)) {
        detail_add(details, loc, "value is not a valid dict", "type_error.dict");
        return NULL;
    }
    return v;
}

static void missing(cJSON *details, const char *const *loc)
{
    detail_add(details, loc, "field required", "value_error.missing");
}

static const sim_assistant *check_assistant(sim_engine *e, const cJSON *body, cJSON *details)
{
    const char *aid = opt_string(body, "assistantId", details, LOC("body", "assistantId"));
    if (!aid) return NULL;
    const sim_assistant *a = sim_engine_find_assistant(e, aid);
    if (!a)
        detail_add(details, LOC("body", "assistantId"), "assistant not found",
                   "value_error.not_found");
    return a;
}

static void connect_call(sim_engine *e, const sim_request *rq, sim_response *rs)
{
    cJSON *body = parse_body(rq, rs);
    if (!body) return;
    cJSON *details = cJSON_CreateArray();
    bool outbound = true;
    const char *dir = opt_string(body, "direction", details, LOC("body", "direction"));
    if (dir && strcmp(dir, "outbound") != 0) {
        if (strcmp(dir, "inbound") == 0) outbound = false;
        else
            detail_add(details, LOC("body", "direction"),
                       "value is not a valid enumeration member; permitted: 'inbound', 'outbound'",
                       "type_error.enum");
    }
    const sim_number *num = NULL;
    const char *pid = opt_string(body, "phoneNumberId", details, LOC("body", "phoneNumberId"));
    if (!cJSON_GetObjectItemCaseSensitive(body, "phoneNumberId")) {
        missing(details, LOC("body", "phoneNumberId"));
    } else if (pid) {
        num = sim_engine_find_number(e, pid);
        if (!num)
            detail_add(details, LOC("body", "phoneNumberId"), "phone number not found",
                       "value_error.not_found");
        else if (outbound && !num->outbound_enabled)
            detail_add(details, LOC("body", "phoneNumberId"),
                       "phone number is not enabled for outbound calls",
                       "value_error.outbound_disabled");
    }
    const char *cnum = NULL, *cname = NULL;
    const cJSON *cust = opt_object(body, "customer", details, LOC("body", "customer"));
    if (!cJSON_GetObjectItemCaseSensitive(body, "customer")) {
        missing(details, LOC("body", "customer"));
    } else if (cust) {
        cnum = opt_string(cust, "number", details, LOC("body", "customer", "number"));
        if (!cJSON_GetObjectItemCaseSensitive(cust, "number"))
            missing(details, LOC("body", "customer", "number"));
        else if (cnum && !ct_e164_valid(cnum))
            detail_add(details, LOC("body", "customer", "number"),
                       "value is not a valid E.164 phone number (+ then 2-15 digits)",
                       "value_error.phone");
        cname = opt_string(cust, "name", details, LOC("body", "customer", "name"));
    }
    /* An inline `assistant` wins over assistantId (documented); the sim has no
     * inline assistants, so the number's default one runs it. */
    const cJSON *inline_asst = opt_object(body, "assistant", details, LOC("body", "assistant"));
    const sim_assistant *asst = inline_asst ? NULL : check_assistant(e, body, details);
    const cJSON *meta = opt_object(body, "metadata", details, LOC("body", "metadata"));
    const cJSON *ov =
        opt_object(body, "assistantOverrides", details, LOC("body", "assistantOverrides"));
    const char *first = ov
        ? opt_string(ov, "firstMessage", details, LOC("body", "assistantOverrides", "firstMessage"))
        : NULL;
    if (respond_if_invalid(rs, details)) {
        cJSON_Delete(body);
        return;
    }
    sim_call *c = sim_engine_connect(e, num, cnum, cname, asst, outbound, meta);
    sim_engine_set_first_message(c, first);
    cJSON_Delete(body);
    respond_json(rs, 200, sim_call_json(e, c, false));
}

static void create_call(sim_engine *e, const sim_request *rq, sim_response *rs)
{
    cJSON *body = parse_body(rq, rs);
    if (!body) return;
    cJSON *details = cJSON_CreateArray();
    const char *un = opt_string(body, "userNumber", details, LOC("body", "userNumber"));
    const char *an = opt_string(body, "assistantNumber", details, LOC("body", "assistantNumber"));
    if (!cJSON_GetObjectItemCaseSensitive(body, "userNumber"))
        missing(details, LOC("body", "userNumber"));
    else if (un && !ct_e164_valid(un))
        detail_add(details, LOC("body", "userNumber"),
                   "value is not a valid E.164 phone number (+ then 2-15 digits)",
                   "value_error.phone");
    if (!cJSON_GetObjectItemCaseSensitive(body, "assistantNumber"))
        missing(details, LOC("body", "assistantNumber"));
    else if (an && !ct_e164_valid(an))
        detail_add(details, LOC("body", "assistantNumber"),
                   "value is not a valid E.164 phone number (+ then 2-15 digits)",
                   "value_error.phone");
    const cJSON *inline_asst = opt_object(body, "assistant", details, LOC("body", "assistant"));
    const sim_assistant *asst = inline_asst ? NULL : check_assistant(e, body, details);
    const cJSON *meta = opt_object(body, "metadata", details, LOC("body", "metadata"));
    if (respond_if_invalid(rs, details)) {
        cJSON_Delete(body);
        return;
    }
    sim_call *c = sim_engine_create(e, un, an, asst, meta);
    cJSON_Delete(body);
    respond_json(rs, 200, sim_call_json(e, c, false));
}

/* ---- control ------------------------------------------------------------- */

static void control_call(sim_engine *e, sim_call *c, const sim_request *rq, sim_response *rs)
{
    cJSON *body = parse_body(rq, rs);
    if (!body) return;
    cJSON *details = cJSON_CreateArray();
    const char *type = opt_string(body, "type", details, LOC("body", "type"));
    const char *message = opt_string(body, "message", details, LOC("body", "message"));
    if (!cJSON_GetObjectItemCaseSensitive(body, "type")) missing(details, LOC("body", "type"));
    /* `message` is documented as required; for `end` its absence means no
     * closing line, which is what calltop's encoder may send. */
    bool has_msg = cJSON_GetObjectItemCaseSensitive(body, "message") != NULL;
    if (!has_msg && type && strcmp(type, "end") == 0) message = "";
    if (respond_if_invalid(rs, details)) {
        cJSON_Delete(body);
        return;
    }
    if (!type) {
        cJSON_Delete(body);
        sim_response_detail(rs, 422, "type is required");
        return;
    }
    const char *why = NULL;
    sim_ctl_result r = sim_engine_control(e, c, type, message, &why);
    details = cJSON_CreateArray();
    switch (r) {
    case SIM_CTL_OK: {
        cJSON_Delete(details);
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "message", "Call controlled successfully.");
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(root, "data"), "success", true);
        respond_json(rs, 200, root);
        break;
    }
    case SIM_CTL_BAD_TYPE:
        detail_add(details, LOC("body", "type"), why, "type_error.enum");
        respond_if_invalid(rs, details);
        break;
    case SIM_CTL_BAD_MESSAGE:
        if (has_msg || strcmp(type, "end") == 0)
            detail_add(details, LOC("body", "message"), why, "value_error");
        else missing(details, LOC("body", "message"));
        respond_if_invalid(rs, details);
        break;
    case SIM_CTL_ENDED: {
        cJSON_Delete(details);
        char buf[160];
        snprintf(buf, sizeof buf, "Call %s has already ended; it cannot be controlled.", c->id);
        sim_response_detail(rs, 409, buf);
        break;
    }
    }
    cJSON_Delete(body);
}

/* ---- numbers and assistants --------------------------------------------- */

static void list_numbers(sim_engine *e, const sim_request *rq, sim_response *rs)
{
    const char *label = arg(rq, "label");
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < e->n_numbers; i++)
        if (!label || !*label || strcmp(label, e->numbers[i].label) == 0)
            cJSON_AddItemToArray(arr, sim_number_json(e, &e->numbers[i]));
    respond_json(rs, 200, arr);
}

/* ---- the router ---------------------------------------------------------- */

enum route { R_NONE, R_CONVERSATIONS, R_CONNECT, R_CALL, R_CONTROL, R_NUMBERS, R_ASSISTANT };

/* Splits the path; `id` receives the {id} segment for R_CALL/R_CONTROL/R_ASSISTANT. */
static enum route match(const char *path, char *id, size_t idlen)
{
    static const char conv[] = "/calls/v1/conversations";
    static const char asst[] = "/assistants/v1/assistants/";
    id[0] = '\0';
    if (strcmp(path, "/assistants/v1/numbers") == 0) return R_NUMBERS;
    if (strncmp(path, asst, sizeof asst - 1) == 0) {
        const char *rest = path + sizeof asst - 1;
        if (!*rest || strchr(rest, '/') || strlen(rest) >= idlen) return R_NONE;
        snprintf(id, idlen, "%s", rest);
        return R_ASSISTANT;
    }
    if (strncmp(path, conv, sizeof conv - 1) != 0) return R_NONE;
    const char *rest = path + sizeof conv - 1;
    if (!*rest) return R_CONVERSATIONS;
    if (*rest != '/' || !rest[1]) return R_NONE;
    rest++;
    if (strcmp(rest, "connect") == 0) return R_CONNECT;
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    if (n >= idlen) return R_NONE;
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!slash) return R_CALL;
    return strcmp(slash, "/control") == 0 ? R_CONTROL : R_NONE;
}

void sim_route(sim_engine *e, const char *api_key, const sim_request *rq, sim_response *rs)
{
    memset(rs, 0, sizeof *rs);
    char id[128];
    enum route r = match(rq->path, id, sizeof id);
    if (r == R_NONE) {
        sim_response_detail(rs, 404, "Not Found");
        return;
    }
    const char *allowed = r == R_CONVERSATIONS ? "GET, POST"
        : (r == R_CONNECT || r == R_CONTROL)   ? "POST"
                                               : "GET";
    bool method_ok = strcmp(rq->method, "GET") == 0 ? strstr(allowed, "GET") != NULL
        : strcmp(rq->method, "POST") == 0           ? strstr(allowed, "POST") != NULL
                                                    : false;
    if (!method_ok) {
        sim_response_detail(rs, 405, "Method Not Allowed");
        rs->hdr_name[0] = "allow:";
        rs->hdr_value[0] = allowed;
        return;
    }
    if (!authorized(api_key, rq->auth)) {
        sim_response_detail(
            rs, 401, rq->auth ? "Invalid API key" : "Not authenticated: missing bearer token");
        rs->hdr_name[0] = "www-authenticate:";
        rs->hdr_value[0] = "Bearer";
        return;
    }
    bool post = strcmp(rq->method, "POST") == 0;
    switch (r) {
    case R_CONVERSATIONS:
        if (post) create_call(e, rq, rs);
        else list_calls(e, rq, rs);
        break;
    case R_CONNECT: connect_call(e, rq, rs); break;
    case R_CALL:
    case R_CONTROL: {
        sim_call *c = sim_engine_find(e, id);
        if (!c) {
            sim_response_detail(rs, 404, "Conversation not found");
            break;
        }
        if (r == R_CALL) respond_json(rs, 200, sim_call_json(e, c, true));
        else control_call(e, c, rq, rs);
        break;
    }
    case R_NUMBERS: list_numbers(e, rq, rs); break;
    case R_ASSISTANT: {
        const sim_assistant *a = sim_engine_find_assistant(e, id);
        if (!a) sim_response_detail(rs, 404, "Assistant not found");
        else respond_json(rs, 200, sim_assistant_json(e, a));
        break;
    }
    case R_NONE: break;
    }
}
