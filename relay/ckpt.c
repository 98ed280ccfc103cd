/* ckpt.c — checkpoint text, stream-id order, trim point; see ckpt.h. */
#include "ckpt.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/json_util.h"

char *ct_ckpt_encode(const ct_ckpt_meta *m, ct_rstate *s, size_t *len)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *calls = ct_rstate_export(s);
    bool ok = o && calls && cJSON_AddNumberToObject(o, "v", CT_CKPT_VERSION) &&
        cJSON_AddStringToObject(o, "stream", m->stream) &&
        cJSON_AddStringToObject(o, "pos", m->pos) && ct_json_add_u64(o, "index", m->index) &&
        ct_json_add_u64(o, "seq", m->seq) && ct_json_add_i64(o, "logExpireMs", m->log_expire_ms);
    if (ok && cJSON_AddItemToObject(o, "calls", calls)) calls = NULL;
    else ok = false;
    char *text = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(calls);
    cJSON_Delete(o);
    if (text && len) *len = strlen(text);
    return text;
}

/* A member that must be a non-negative integer (seq, index). */
static ct_err get_u64(const cJSON *o, const char *key, uint64_t *out, ct_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) return ct_error_set(err, CT_EMISSING, "checkpoint: %s: missing", key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return ct_error_set(err, CT_ETYPE, "checkpoint: %s: expected a non-negative integer", key);
    *out = (uint64_t)v->valuedouble;
    return CT_OK;
}

ct_err ct_ckpt_decode(const char *text, size_t len, ct_ckpt_meta *m, ct_rstate *into, ct_error *err)
{
    memset(m, 0, sizeof *m);
    cJSON *o;
    ct_err rc = ct_json_parse(text, len, &o, err);
    if (rc != CT_OK) return rc;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "v");
    const cJSON *stream = cJSON_GetObjectItemCaseSensitive(o, "stream");
    const cJSON *pos = cJSON_GetObjectItemCaseSensitive(o, "pos");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(o, "logExpireMs");
    uint64_t a, b;
    if (!cJSON_IsObject(o)) rc = ct_error_set(err, CT_ETYPE, "checkpoint: not an object");
    else if (!cJSON_IsNumber(v) || v->valueint != CT_CKPT_VERSION)
        rc = ct_error_set(err, CT_EVALUE, "checkpoint: version %s, this relay reads %d",
                          cJSON_IsNumber(v) ? "other" : "missing", CT_CKPT_VERSION);
    else if (!cJSON_IsString(stream) || strlen(stream->valuestring) != 16)
        rc = ct_error_set(err, CT_ETYPE, "checkpoint: stream: expected 16 hex digits");
    else if (!cJSON_IsString(pos) || strlen(pos->valuestring) >= sizeof m->pos ||
             !ct_ckpt_id_parse(pos->valuestring, &a, &b))
        rc = ct_error_set(err, CT_EVALUE, "checkpoint: pos: expected a stream id");
    else if (!cJSON_IsNumber(exp))
        rc = ct_error_set(err, CT_EMISSING, "checkpoint: logExpireMs: missing");
    else if ((rc = get_u64(o, "index", &m->index, err)) == CT_OK &&
             (rc = get_u64(o, "seq", &m->seq, err)) == CT_OK) {
        snprintf(m->stream, sizeof m->stream, "%s", stream->valuestring);
        snprintf(m->pos, sizeof m->pos, "%s", pos->valuestring);
        m->log_expire_ms = (int64_t)exp->valuedouble;
        rc = ct_rstate_import(into, cJSON_GetObjectItemCaseSensitive(o, "calls"), err);
    }
    cJSON_Delete(o);
    return rc;
}

bool ct_ckpt_id_parse(const char *id, uint64_t *ms, uint64_t *seq)
{
    if (!id || *id < '0' || *id > '9') return false;
    char *end;
    errno = 0;
    unsigned long long a = strtoull(id, &end, 10), b = 0;
    if (errno) return false;
    if (*end == '-') {
        const char *s = end + 1;
        if (*s < '0' || *s > '9') return false;
        b = strtoull(s, &end, 10);
        if (errno) return false;
    }
    if (*end) return false;
    *ms = a;
    *seq = b;
    return true;
}

int ct_ckpt_id_cmp(const char *a, const char *b)
{
    uint64_t am = 0, as = 0, bm = 0, bs = 0;
    bool ga = ct_ckpt_id_parse(a, &am, &as), gb = ct_ckpt_id_parse(b, &bm, &bs);
    if (!ga || !gb) return (int)ga - (int)gb;
    if (am != bm) return am < bm ? -1 : 1;
    return (as > bs) - (as < bs);
}

bool ct_ckpt_trim_point(const char *const *checkpoints, size_t n_checkpoints,
                        const char *const *relays, size_t n_relays, char out[48])
{
    const char *min = NULL;
    /* The oldest checkpoint kept: a relay that starts now may load it. */
    for (size_t i = 0; i < n_checkpoints; i++)
        if (!min || ct_ckpt_id_cmp(checkpoints[i], min) < 0) min = checkpoints[i];
    if (!min) return false;
    /* A relay still reading needs every entry after its position. One whose
     * position does not parse is treated as at the start: trim nothing. */
    for (size_t i = 0; i < n_relays; i++)
        if (ct_ckpt_id_cmp(relays[i], min) < 0) min = relays[i];
    uint64_t ms, seq;
    if (!ct_ckpt_id_parse(min, &ms, &seq) || (ms == 0 && seq == 0)) return false;
    snprintf(out, 48, "%s", min);
    return true;
}
