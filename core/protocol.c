/* protocol.c — encode/decode of the monitor protocol (docs/monitor-protocol.md).
 *
 * Pure: cJSON in, cJSON out. Calls and messages reuse the model codecs
 * (ct_call_to_json / ct_call_from_json ...) so a call looks the same on the
 * monitor channel as in Interactly's REST API. Decoding is strict about the
 * envelope (type, seq) and as tolerant as the model about the call itself. */
#include "calltop/protocol.h"
#include "calltop/json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest integer a JSON number (a double) carries exactly. */
#define SEQ_MAX 9007199254740992.0

static const char *const type_names[] = {
    [CT_PM_UNKNOWN] = "",          [CT_PM_HELLO] = "hello", [CT_PM_WELCOME] = "welcome",
    [CT_PM_SNAPSHOT] = "snapshot", [CT_PM_EVENT] = "event", [CT_PM_PING] = "ping",
    [CT_PM_PONG] = "pong",         [CT_PM_ERROR] = "error", [CT_PM_STATUS] = "status",
};

const char *ct_pmsg_type_name(ct_pmsg_type t)
{
    if ((unsigned)t >= sizeof type_names / sizeof type_names[0]) return "";
    return type_names[t];
}

void ct_pmsg_clear(ct_pmsg *m)
{
    if (!m) return;
    free(m->stream);
    ct_call_list_clear(&m->calls);
    free(m->kind_text);
    ct_call_clear(&m->call);
    ct_call_error_clear(&m->error);
    free(m->code);
    free(m->message);
    free(m->reason);
    memset(m, 0, sizeof *m);
    m->calls.total_count = -1;
}

/* ---- decoding helpers ---------------------------------------------------- */

/* A non-negative integral number that fits a double exactly. */
static ct_err get_u64(const cJSON *obj, const char *name, bool required, bool *has, uint64_t *out,
                      ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (has) *has = false;
    if (!v || cJSON_IsNull(v)) {
        if (required) return ct_error_set(err, CT_EMISSING, "%s: required", name);
        return CT_OK;
    }
    if (!cJSON_IsNumber(v))
        return ct_error_set(err, CT_ETYPE, "%s: expected a number, got %s", name,
                            ct_json_type_name(v));
    double d = v->valuedouble;
    if (!(d >= 0) || d > SEQ_MAX || floor(d) != d)
        return ct_error_set(err, CT_EVALUE, "%s: expected a non-negative integer", name);
    *out = (uint64_t)d;
    if (has) *has = true;
    return CT_OK;
}

static ct_err get_i64(const cJSON *obj, const char *name, int64_t *out, ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v || cJSON_IsNull(v)) return CT_OK;
    if (!cJSON_IsNumber(v))
        return ct_error_set(err, CT_ETYPE, "%s: expected a number, got %s", name,
                            ct_json_type_name(v));
    if (!(fabs(v->valuedouble) <= SEQ_MAX))
        return ct_error_set(err, CT_EVALUE, "%s: number out of range", name);
    *out = (int64_t)v->valuedouble;
    return CT_OK;
}

/* Optional string member, copied. `path` prefixes the field in details. */
static ct_err get_str(const cJSON *obj, const char *path, const char *name, bool required,
                      char **out, ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!v || cJSON_IsNull(v)) {
        if (required) return ct_error_set(err, CT_EMISSING, "%s%s: required", path, name);
        return CT_OK;
    }
    if (!cJSON_IsString(v))
        return ct_error_set(err, CT_ETYPE, "%s%s: expected a string, got %s", path, name,
                            ct_json_type_name(v));
    free(*out);
    *out = strdup(v->valuestring);
    return *out ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
}

static ct_err decode_call_error(const cJSON *obj, ct_call_error *out, ct_error *err)
{
    if (!cJSON_IsObject(obj))
        return ct_error_set(err, CT_ETYPE, "error: expected an object, got %s",
                            ct_json_type_name(obj));
    ct_err rc;
    if ((rc = get_str(obj, "error.", "type", false, &out->type, err)) ||
        (rc = get_str(obj, "error.", "code", false, &out->code, err)) ||
        (rc = get_str(obj, "error.", "message", false, &out->message, err)) ||
        (rc = get_str(obj, "error.", "provider", false, &out->provider, err)))
        return rc;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(obj, "retryable");
    if (r && !cJSON_IsNull(r)) {
        if (!cJSON_IsBool(r))
            return ct_error_set(err, CT_ETYPE, "error.retryable: expected a boolean, got %s",
                                ct_json_type_name(r));
        out->retryable = cJSON_IsTrue(r);
    }
    out->present = true;
    return CT_OK;
}

static ct_err decode_snapshot(const cJSON *root, ct_pmsg *m, ct_error *err)
{
    ct_err rc = get_u64(root, "seq", true, NULL, &m->seq, err);
    if (rc) return rc;
    /* v2 parts; a v1 snapshot (no "part"/"last") is one whole part */
    if ((rc = get_u64(root, "part", false, NULL, &m->part, err))) return rc;
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(root, "last");
    if (last && !cJSON_IsBool(last))
        return ct_error_set(err, CT_ETYPE, "last: expected a boolean, got %s",
                            ct_json_type_name(last));
    m->last = !last || cJSON_IsTrue(last);
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "calls");
    if (!arr) return ct_error_set(err, CT_EMISSING, "calls: required");
    if (!cJSON_IsArray(arr))
        return ct_error_set(err, CT_ETYPE, "calls: expected an array, got %s",
                            ct_json_type_name(arr));
    int n = cJSON_GetArraySize(arr);
    m->calls.calls = n ? calloc((size_t)n, sizeof *m->calls.calls) : NULL;
    if (n && !m->calls.calls) return ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_error_clear(&m->calls.first_skip);
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        char path[32];
        snprintf(path, sizeof path, "calls[%d]", i++);
        ct_call *c = &m->calls.calls[m->calls.n_calls];
        ct_error e;
        ct_error_clear(&e);
        /* One undecodable call is skipped and counted, like a REST list page,
         * so one odd call never hides the board. A call without id is useless. */
        if (!cJSON_IsObject(item))
            ct_error_set(&e, CT_ETYPE, "%s: expected an object, got %s", path,
                         ct_json_type_name(item));
        else if (ct_call_from_json(item, c, path, &e) == CT_OK && !c->id)
            ct_error_set(&e, CT_EMISSING, "%s.id: required", path);
        if (e.code == CT_ENOMEM) {
            ct_call_clear(c);
            *err = e;
            return CT_ENOMEM;
        }
        if (e.code != CT_OK) {
            ct_call_clear(c);
            if (m->calls.n_skipped++ == 0) m->calls.first_skip = e;
            continue;
        }
        m->calls.n_calls++;
    }
    m->calls.total_count = (long)m->calls.n_calls;
    return CT_OK;
}

static ct_err decode_event(const cJSON *root, ct_pmsg *m, ct_error *err)
{
    ct_err rc = get_u64(root, "seq", true, NULL, &m->seq, err);
    if (rc || (rc = get_str(root, "", "kind", true, &m->kind_text, err))) return rc;
    m->kind = ct_webhook_type_parse(m->kind_text);
    uint64_t ts = 0;
    if ((rc = get_u64(root, "ts", false, NULL, &ts, err))) return rc;
    m->ts = (ct_time_ms)ts;

    const cJSON *call = cJSON_GetObjectItemCaseSensitive(root, "call");
    if (!call) return ct_error_set(err, CT_EMISSING, "call: required");
    if (!cJSON_IsObject(call))
        return ct_error_set(err, CT_ETYPE, "call: expected an object, got %s",
                            ct_json_type_name(call));
    if ((rc = ct_call_from_json(call, &m->call, "call", err))) return rc;
    if (!m->call.id) return ct_error_set(err, CT_EMISSING, "call.id: required");

    /* The new lines travel beside the call, never inside it. */
    ct_messages_free(m->call.messages, m->call.n_messages);
    m->call.messages = NULL;
    m->call.n_messages = 0;
    m->call.present &= ~(uint32_t)CT_F_MESSAGES;
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (msgs && !cJSON_IsNull(msgs)) {
        if (!cJSON_IsArray(msgs))
            return ct_error_set(err, CT_ETYPE, "messages: expected an array, got %s",
                                ct_json_type_name(msgs));
        if ((rc = ct_messages_from_json(msgs, &m->call.messages, &m->call.n_messages, "messages",
                                        err)))
            return rc;
        m->call.present |= CT_F_MESSAGES;
    }

    const cJSON *hang = cJSON_GetObjectItemCaseSensitive(root, "hang");
    if (hang && !cJSON_IsNull(hang)) {
        if (!cJSON_IsBool(hang))
            return ct_error_set(err, CT_ETYPE, "hang: expected a boolean, got %s",
                                ct_json_type_name(hang));
        m->hang = cJSON_IsTrue(hang);
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
    if (e && !cJSON_IsNull(e) && (rc = decode_call_error(e, &m->error, err))) return rc;
    return CT_OK;
}

static ct_err decode_root(const cJSON *root, ct_pmsg *m, ct_error *err)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    if (!type) return ct_error_set(err, CT_EMISSING, "type: required");
    if (!cJSON_IsString(type))
        return ct_error_set(err, CT_ETYPE, "type: expected a string, got %s",
                            ct_json_type_name(type));
    for (int t = CT_PM_HELLO; t <= CT_PM_LAST; t++)
        if (strcmp(type->valuestring, type_names[t]) == 0) m->type = (ct_pmsg_type)t;
    if (m->type == CT_PM_UNKNOWN)
        return ct_error_set(err, CT_EPROTOCOL, "type: unknown message type \"%.64s\"",
                            type->valuestring);

    ct_err rc = CT_OK;
    uint64_t proto = 0;
    switch (m->type) {
    case CT_PM_HELLO:
        if ((rc = get_u64(root, "protocol", true, NULL, &proto, err))) return rc;
        m->protocol = proto > 1000000 ? 1000000 : (int)proto;
        if ((rc = get_u64(root, "lastSeq", false, &m->has_last_seq, &m->last_seq, err))) return rc;
        return get_str(root, "", "stream", false, &m->stream, err);
    case CT_PM_WELCOME: {
        if ((rc = get_u64(root, "protocol", true, NULL, &proto, err)) ||
            (rc = get_u64(root, "seq", true, NULL, &m->seq, err)))
            return rc;
        m->protocol = proto > 1000000 ? 1000000 : (int)proto;
        if ((rc = get_str(root, "", "stream", false, &m->stream, err))) return rc;
        char *mode = NULL;
        if ((rc = get_str(root, "", "mode", true, &mode, err))) return rc;
        bool ok = true;
        if (strcmp(mode, "replay") == 0) m->replay = true;
        else if (strcmp(mode, "snapshot") == 0) m->replay = false;
        else ok = false;
        free(mode);
        if (!ok) return ct_error_set(err, CT_EVALUE, "mode: expected \"replay\" or \"snapshot\"");
        return CT_OK;
    }
    case CT_PM_SNAPSHOT: return decode_snapshot(root, m, err);
    case CT_PM_EVENT: return decode_event(root, m, err);
    case CT_PM_PING:
    case CT_PM_PONG: return get_i64(root, "t", &m->t, err);
    case CT_PM_ERROR:
        if ((rc = get_str(root, "", "code", true, &m->code, err))) return rc;
        return get_str(root, "", "message", false, &m->message, err);
    case CT_PM_STATUS: {
        const cJSON *live = cJSON_GetObjectItemCaseSensitive(root, "live");
        if (!live) return ct_error_set(err, CT_EMISSING, "live: required");
        if (!cJSON_IsBool(live))
            return ct_error_set(err, CT_ETYPE, "live: expected a boolean, got %s",
                                ct_json_type_name(live));
        m->live = cJSON_IsTrue(live);
        return get_str(root, "", "reason", false, &m->reason, err);
    }
    case CT_PM_UNKNOWN: break;
    }
    return rc;
}

ct_err ct_pmsg_decode(const char *buf, size_t len, ct_pmsg *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    out->calls.total_count = -1;
    if (!buf || len == 0) return ct_error_set(err, CT_EJSON, "empty frame");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
    if (!root)
        return ct_error_set(err, CT_EJSON, "not JSON (error near byte %ld)",
                            end ? (long)(end - buf) : 0L);
    ct_err rc;
    if (!cJSON_IsObject(root))
        rc = ct_error_set(err, CT_EJSON, "expected a JSON object, got %s", ct_json_type_name(root));
    else rc = decode_root(root, out, err);
    cJSON_Delete(root);
    if (rc != CT_OK) ct_pmsg_clear(out);
    return rc;
}

/* ---- encoding ------------------------------------------------------------ */

/* Prints `root` (and frees it) into a buffer with `pre` bytes of headroom. */
static char *finish(cJSON *root, size_t pre, size_t *len)
{
    if (!root) return NULL;
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text) return NULL;
    size_t n = strlen(text);
    if (len) *len = n;
    if (pre == 0) return text;
    char *buf = malloc(pre + n + 1);
    if (buf) {
        memset(buf, 0, pre);
        memcpy(buf + pre, text, n + 1);
    }
    free(text);
    return buf;
}

/* Starts an object with its "type"; NULL on OOM. */
static cJSON *start(ct_pmsg_type t)
{
    cJSON *root = cJSON_CreateObject();
    if (root && !cJSON_AddStringToObject(root, "type", type_names[t])) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* cJSON_Add* return NULL on OOM; `ok` accumulates so encoders stay linear. */
#define ADD(expr)                \
    do {                         \
        if (!(expr)) ok = false; \
    } while (0)

char *ct_proto_encode_hello(bool has_last_seq, uint64_t last_seq, const char *stream, size_t pre,
                            size_t *len)
{
    return ct_proto_encode_hello_v(CT_PROTOCOL_VERSION, has_last_seq, last_seq, stream, pre, len);
}

char *ct_proto_encode_hello_v(int protocol, bool has_last_seq, uint64_t last_seq,
                              const char *stream, size_t pre, size_t *len)
{
    cJSON *root = start(CT_PM_HELLO);
    bool ok = root != NULL;
    if (ok) {
        ADD(cJSON_AddNumberToObject(root, "protocol", protocol));
        if (has_last_seq) ADD(ct_json_add_u64(root, "lastSeq", last_seq));
        if (has_last_seq && stream) ADD(cJSON_AddStringToObject(root, "stream", stream));
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

char *ct_proto_encode_welcome(uint64_t seq, const char *stream, bool replay, size_t pre,
                              size_t *len)
{
    return ct_proto_encode_welcome_v(CT_PROTOCOL_VERSION, seq, stream, replay, pre, len);
}

char *ct_proto_encode_welcome_v(int protocol, uint64_t seq, const char *stream, bool replay,
                                size_t pre, size_t *len)
{
    cJSON *root = start(CT_PM_WELCOME);
    bool ok = root != NULL;
    if (ok) {
        ADD(cJSON_AddNumberToObject(root, "protocol", protocol));
        if (stream) ADD(cJSON_AddStringToObject(root, "stream", stream));
        ADD(ct_json_add_u64(root, "seq", seq));
        ADD(cJSON_AddStringToObject(root, "mode", replay ? "replay" : "snapshot"));
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

char *ct_proto_encode_snapshot(uint64_t seq, const ct_call *const *calls, size_t n, size_t pre,
                               size_t *len)
{
    cJSON *root = start(CT_PM_SNAPSHOT);
    bool ok = root != NULL;
    cJSON *arr = NULL;
    if (ok) {
        ADD(ct_json_add_u64(root, "seq", seq));
        ADD(arr = cJSON_AddArrayToObject(root, "calls"));
    }
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *c = ct_call_to_json(calls[i]);
        ADD(c);
        if (c) cJSON_AddItemToArray(arr, c);
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

/* Appends text to a growing buffer; false on OOM. */
static bool sb_add(char **buf, size_t *len, size_t *cap, const char *text, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (*len + n + 1 > c) c *= 2;
        char *b = realloc(*buf, c);
        if (!b) return false;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, text, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

/* Closes the part in *buf (pre bytes of headroom already reserved) and
 * stores it as part k. */
static bool part_finish(char **buf, size_t *len, size_t *cap, bool last, size_t pre, char ***out,
                        size_t **lens, size_t *n_parts, size_t *parts_cap)
{
    const char *tail = last ? "],\"last\":true}" : "],\"last\":false}";
    if (!sb_add(buf, len, cap, tail, strlen(tail))) return false;
    if (*n_parts == *parts_cap) {
        size_t c = *parts_cap ? *parts_cap * 2 : 8;
        char **o = realloc(*out, c * sizeof *o);
        if (!o) return false;
        *out = o;
        size_t *l = realloc(*lens, c * sizeof *l);
        if (!l) return false;
        *lens = l;
        *parts_cap = c;
    }
    (*out)[*n_parts] = *buf;
    (*lens)[*n_parts] = *len - pre;
    (*n_parts)++;
    *buf = NULL;
    *len = *cap = 0;
    return true;
}

size_t ct_proto_encode_snapshot_parts(uint64_t seq, const ct_call *const *calls, size_t n,
                                      size_t max_bytes, size_t pre, char ***out, size_t **lens)
{
    *out = NULL;
    *lens = NULL;
    size_t n_parts = 0, parts_cap = 0;
    char *buf = NULL;
    size_t len = 0, cap = 0, in_part = 0;
    bool ok = true;
    /* Each call is printed on its own and spliced in: the whole snapshot
     * never exists as one cJSON tree or one string. */
    for (size_t i = 0; ok && i <= n; i++) {
        char *text = NULL;
        size_t tlen = 0;
        if (i < n) {
            cJSON *c = ct_call_to_json(calls[i]);
            text = c ? cJSON_PrintUnformatted(c) : NULL;
            cJSON_Delete(c);
            if (!text) {
                ok = false;
                break;
            }
            tlen = strlen(text);
        }
        /* close the current part when this call would overflow it */
        if (buf && (i == n || (in_part && len - pre + tlen + 32 > max_bytes))) {
            ok = part_finish(&buf, &len, &cap, i == n, pre, out, lens, &n_parts, &parts_cap);
            in_part = 0;
        }
        if (ok && !buf && (i < n || n_parts == 0)) {
            char head[96];
            int h = snprintf(head, sizeof head,
                             "{\"type\":\"snapshot\",\"seq\":%llu,\"part\":%zu,\"calls\":[",
                             (unsigned long long)seq, n_parts);
            char zeros[64] = {0};
            for (size_t z = 0; ok && z < pre; z += sizeof zeros)
                ok = sb_add(&buf, &len, &cap, zeros,
                            pre - z < sizeof zeros ? pre - z : sizeof zeros);
            ok = ok && sb_add(&buf, &len, &cap, head, (size_t)h);
            if (ok && i == n) /* an empty snapshot: one empty, last part */
                ok = part_finish(&buf, &len, &cap, true, pre, out, lens, &n_parts, &parts_cap);
        }
        if (ok && text) {
            ok = (!in_part || sb_add(&buf, &len, &cap, ",", 1)) &&
                sb_add(&buf, &len, &cap, text, tlen);
            in_part++;
        }
        free(text);
    }
    if (!ok) {
        free(buf);
        for (size_t k = 0; k < n_parts; k++) free((*out)[k]);
        free(*out);
        free(*lens);
        *out = NULL;
        *lens = NULL;
        return 0;
    }
    return n_parts;
}

static cJSON *call_error_to_json(const ct_call_error *e)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL;
    if (ok) {
        if (e->type) ADD(cJSON_AddStringToObject(o, "type", e->type));
        if (e->code) ADD(cJSON_AddStringToObject(o, "code", e->code));
        if (e->message) ADD(cJSON_AddStringToObject(o, "message", e->message));
        if (e->provider) ADD(cJSON_AddStringToObject(o, "provider", e->provider));
        ADD(cJSON_AddBoolToObject(o, "retryable", e->retryable));
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *ct_proto_encode_event(uint64_t seq, ct_webhook_type kind, ct_time_ms ts, const ct_call *call,
                            const ct_message *msgs, size_t n_msgs, bool hang,
                            const ct_call_error *error, size_t pre, size_t *len)
{
    if (!call) return NULL;
    cJSON *root = start(CT_PM_EVENT);
    bool ok = root != NULL;
    if (ok) {
        ADD(ct_json_add_u64(root, "seq", seq));
        /* A webhook type calltop does not know still merges its call fields. */
        const char *kind_name = ct_webhook_type_name(kind);
        ADD(cJSON_AddStringToObject(root, "kind", *kind_name ? kind_name : "other"));
        if (ts > 0) ADD(ct_json_add_i64(root, "ts", ts));
        /* The call without its transcript: a shallow copy with the messages
         * bit cleared, so the model encoder leaves them out. */
        ct_call bare = *call;
        bare.present &= ~(uint32_t)CT_F_MESSAGES;
        bare.messages = NULL;
        bare.n_messages = 0;
        cJSON *c = ct_call_to_json(&bare);
        ADD(c);
        if (c) {
            cJSON_DeleteItemFromObjectCaseSensitive(c, "messages");
            cJSON_AddItemToObject(root, "call", c);
        }
        cJSON *arr = cJSON_AddArrayToObject(root, "messages");
        ADD(arr);
        for (size_t i = 0; arr && i < n_msgs; i++) {
            cJSON *m = ct_message_to_json(&msgs[i], false);
            ADD(m);
            if (m) cJSON_AddItemToArray(arr, m);
        }
        if (hang) ADD(cJSON_AddBoolToObject(root, "hang", true));
        if (error && error->present) {
            cJSON *e = call_error_to_json(error);
            ADD(e);
            if (e) cJSON_AddItemToObject(root, "error", e);
        }
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

static char *encode_t(ct_pmsg_type type, int64_t t, size_t pre, size_t *len)
{
    cJSON *root = start(type);
    if (root && !ct_json_add_i64(root, "t", t)) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

char *ct_proto_encode_ping(int64_t t, size_t pre, size_t *len)
{
    return encode_t(CT_PM_PING, t, pre, len);
}

char *ct_proto_encode_pong(int64_t t, size_t pre, size_t *len)
{
    return encode_t(CT_PM_PONG, t, pre, len);
}

char *ct_proto_encode_error(const char *code, const char *message, size_t pre, size_t *len)
{
    cJSON *root = start(CT_PM_ERROR);
    bool ok = root != NULL;
    if (ok) {
        ADD(cJSON_AddStringToObject(root, "code", code ? code : "error"));
        if (message) ADD(cJSON_AddStringToObject(root, "message", message));
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

char *ct_proto_encode_status(bool live, const char *reason, size_t pre, size_t *len)
{
    cJSON *root = start(CT_PM_STATUS);
    bool ok = root != NULL;
    if (ok) {
        ADD(cJSON_AddBoolToObject(root, "live", live));
        if (reason) ADD(cJSON_AddStringToObject(root, "reason", reason));
    }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return finish(root, pre, len);
}

bool ct_secret_equal(const char *presented, size_t presented_len, const char *expected)
{
    if (!presented || !expected) return false;
    size_t n = strlen(expected);
    /* Walk the expected secret in full whatever was presented; only its
     * length (not the guess) shapes the timing. */
    volatile unsigned char diff = (unsigned char)(presented_len != n);
    for (size_t i = 0; i < n; i++) {
        unsigned char p = i < presented_len ? (unsigned char)presented[i] : 0;
        diff |= (unsigned char)(p ^ (unsigned char)expected[i]);
    }
    return n > 0 && diff == 0;
}
