/* json_util.c — typed cJSON getters with path-naming errors (see json_util.h).
 *
 * The model decoders are written as a sequence of these calls so that every
 * wrong-type case reports the same way and nothing dereferences a member of
 * the wrong type. */
#include "calltop/json_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ct_json_type_name(const cJSON *v)
{
    if (!v) return "nothing";
    if (cJSON_IsObject(v)) return "object";
    if (cJSON_IsArray(v)) return "array";
    if (cJSON_IsString(v)) return "string";
    if (cJSON_IsNumber(v)) return "number";
    if (cJSON_IsBool(v)) return "boolean";
    if (cJSON_IsNull(v)) return "null";
    return "raw";
}

const cJSON *ct_json_member(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj)) return NULL;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return NULL;
    return v;
}

const char *ct_json_path(char *buf, size_t len, const char *path, const char *key)
{
    if (path && *path) snprintf(buf, len, "%s.%s", path, key);
    else snprintf(buf, len, "%s", key);
    return buf;
}

const char *ct_json_path_index(char *buf, size_t len, const char *path, size_t i)
{
    snprintf(buf, len, "%s[%zu]", path ? path : "", i);
    return buf;
}

ct_err ct_json_field_error(ct_error *err, ct_err code, const char *fullpath, const char *fmt, ...)
{
    if (!err) return code;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *p = (fullpath && *fullpath) ? fullpath : "(document)";
    ct_error_set(err, code, "%s: %s", p, msg);
    snprintf(err->field, sizeof err->field, "%s", fullpath ? fullpath : "");
    return code;
}

ct_err ct_json_type_error(ct_error *err, const char *fullpath, const char *expected,
                          const cJSON *got)
{
    return ct_json_field_error(err, CT_ETYPE, fullpath, "expected %s, got %s", expected,
                               ct_json_type_name(got));
}

ct_err ct_json_parse(const char *json, size_t len, cJSON **out, ct_error *err)
{
    *out = NULL;
    if (!json || len == 0) return ct_error_set(err, CT_EJSON, "not JSON: empty document");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        size_t at = (end && end >= json && end <= json + len) ? (size_t)(end - json) : 0;
        return ct_error_set(err, CT_EJSON,
                            "not JSON: syntax error or truncated document near byte %zu", at);
    }
    /* cJSON stops after the first value; anything but blanks after it is
     * a second document or garbage, which we refuse. */
    const char *p = end ? end : json + len;
    while (p < json + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\0'))
        p++;
    if (p < json + len) {
        cJSON_Delete(root);
        return ct_error_set(err, CT_EJSON, "not JSON: trailing data at byte %zu",
                            (size_t)(p - json));
    }
    *out = root;
    return CT_OK;
}

char *ct_strdup_or_null(const char *s, bool *oom)
{
    if (!s) return NULL;
    char *d = strdup(s);
    if (!d && oom) *oom = true;
    return d;
}

int ct_strcmp_null(const char *a, const char *b)
{
    if (a == b) return 0;
    if (!a) return -1;
    if (!b) return 1;
    return strcmp(a, b);
}

static ct_err oom(ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
}

static ct_err replace_str(char **out, const char *s, ct_error *err)
{
    char *d = strdup(s);
    if (!d) return oom(err);
    free(*out);
    *out = d;
    return CT_OK;
}

ct_err ct_json_get_string(const cJSON *obj, const char *key, const char *path, char **out,
                          ct_error *err)
{
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (!cJSON_IsString(v) || !v->valuestring) {
        char p[CT_JSON_PATH_MAX];
        return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key), "string", v);
    }
    return replace_str(out, v->valuestring, err);
}

static ct_err print_compact(const cJSON *v, char **out, ct_error *err)
{
    char *txt = cJSON_PrintUnformatted(v);
    if (!txt) return oom(err);
    free(*out);
    *out = txt;
    return CT_OK;
}

ct_err ct_json_get_scalar_text(const cJSON *obj, const char *key, const char *path, char **out,
                               ct_error *err)
{
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (cJSON_IsString(v) && v->valuestring) return replace_str(out, v->valuestring, err);
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
        return CT_OK; /* prints as null: absent, as in ct_json_get_raw */
    if (cJSON_IsNumber(v) || cJSON_IsBool(v)) return print_compact(v, out, err);
    char p[CT_JSON_PATH_MAX];
    return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key),
                              "string, number or boolean", v);
}

ct_err ct_json_get_raw(const cJSON *obj, const char *key, const char *path, char **out,
                       ct_error *err)
{
    (void)path;
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    /* A number too large for a double (1e999) is infinite, which cJSON
     * prints as null: treat it like null, i.e. absent, so that the field
     * does not come back as "null" text that re-encodes to nothing. */
    if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) return CT_OK;
    return print_compact(v, out, err);
}

ct_err ct_json_get_object_text(const cJSON *obj, const char *key, const char *path, char **out,
                               ct_error *err)
{
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (!cJSON_IsObject(v)) {
        char p[CT_JSON_PATH_MAX];
        return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key), "object", v);
    }
    return print_compact(v, out, err);
}

ct_err ct_json_get_bool(const cJSON *obj, const char *key, const char *path, bool *out,
                        bool *present, ct_error *err)
{
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (!cJSON_IsBool(v)) {
        char p[CT_JSON_PATH_MAX];
        return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key), "boolean", v);
    }
    *out = cJSON_IsTrue(v);
    if (present) *present = true;
    return CT_OK;
}

/* Validates an epoch-ms double: finite, not negative, not past 9999. */
static ct_err epoch_ms_value(double d, const char *fullpath, ct_time_ms *out, ct_error *err)
{
    if (isnan(d) || isinf(d))
        return ct_json_field_error(err, CT_EVALUE, fullpath, "timestamp is not a finite number");
    if (d < 0)
        return ct_json_field_error(err, CT_EVALUE, fullpath, "timestamp %.0f is before 1970", d);
    if (d > (double)CT_TIME_MAX_MS)
        return ct_json_field_error(err, CT_EVALUE, fullpath,
                                   "timestamp %.0f is past year 9999 (epoch milliseconds expected)",
                                   d);
    *out = (ct_time_ms)d; /* a fractional millisecond is truncated */
    return CT_OK;
}

ct_err ct_json_time_value(const cJSON *v, const char *fullpath, ct_time_ms *out, ct_error *err)
{
    if (cJSON_IsNumber(v)) return epoch_ms_value(v->valuedouble, fullpath, out, err);
    if (!cJSON_IsString(v) || !v->valuestring)
        return ct_json_type_error(err, fullpath, "string or number", v);
    const char *s = v->valuestring;
    /* Some producers quote epoch milliseconds; accept a plain digit run. */
    size_t n = strlen(s);
    if (n > 0 && n <= 15 && strspn(s, "0123456789") == n)
        return epoch_ms_value(strtod(s, NULL), fullpath, out, err);
    ct_time_ms t;
    if (ct_time_parse_iso(s, &t) != CT_OK) {
        char shown[48];
        snprintf(shown, sizeof shown, "%s", s);
        /* The offending text may contain control bytes; show only ASCII
         * printables so the detail itself is safe to print. */
        for (char *c = shown; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
        return ct_json_field_error(err, CT_EVALUE, fullpath, "not an ISO-8601 timestamp: \"%s\"",
                                   shown);
    }
    *out = t;
    return CT_OK;
}

ct_err ct_json_get_time(const cJSON *obj, const char *key, const char *path, ct_time_ms *out,
                        bool *present, ct_error *err)
{
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    char p[CT_JSON_PATH_MAX];
    ct_time_ms t = 0;
    ct_err rc = ct_json_time_value(v, ct_json_path(p, sizeof p, path, key), &t, err);
    if (rc != CT_OK) return rc;
    *out = t;
    if (present) *present = true;
    return CT_OK;
}

ct_err ct_json_get_object(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                          ct_error *err)
{
    *out = NULL;
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (!cJSON_IsObject(v)) {
        char p[CT_JSON_PATH_MAX];
        return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key), "object", v);
    }
    *out = v;
    return CT_OK;
}

ct_err ct_json_get_array(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                         ct_error *err)
{
    *out = NULL;
    const cJSON *v = ct_json_member(obj, key);
    if (!v) return CT_OK;
    if (!cJSON_IsArray(v)) {
        char p[CT_JSON_PATH_MAX];
        return ct_json_type_error(err, ct_json_path(p, sizeof p, path, key), "array", v);
    }
    *out = v;
    return CT_OK;
}

bool ct_json_add_string(cJSON *obj, const char *key, const char *s)
{
    if (!s) return true;
    return cJSON_AddStringToObject(obj, key, s) != NULL;
}

bool ct_json_add_raw(cJSON *obj, const char *key, const char *text)
{
    if (!text) return true;
    cJSON *v = cJSON_Parse(text);
    if (!v) return cJSON_AddStringToObject(obj, key, text) != NULL;
    if (!cJSON_AddItemToObject(obj, key, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

bool ct_json_add_text_or_json(cJSON *obj, const char *key, const char *text)
{
    if (!text) return true;
    cJSON *v = cJSON_Parse(text);
    bool as_json = false;
    if (v && !cJSON_IsNull(v) && !cJSON_IsString(v)) {
        char *back = cJSON_PrintUnformatted(v);
        as_json = back && strcmp(back, text) == 0;
        free(back);
    }
    if (!as_json) {
        cJSON_Delete(v);
        return cJSON_AddStringToObject(obj, key, text) != NULL;
    }
    if (!cJSON_AddItemToObject(obj, key, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

/* A raw item holds its exact text; cJSON prints it as is. */
bool ct_json_add_i64(cJSON *obj, const char *key, int64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)v);
    return cJSON_AddRawToObject(obj, key, text) != NULL;
}

bool ct_json_add_u64(cJSON *obj, const char *key, uint64_t v)
{
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    return cJSON_AddRawToObject(obj, key, text) != NULL;
}

char *ct_json_escape_c1(const char *json)
{
    size_t n = strlen(json);
    char *buf = malloc(n * 6 + 1); /* DEL (1 byte) becomes 6: at most 6x */
    if (!buf) return NULL;
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)json; *p; p++) {
        if (*p == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            k += (size_t)sprintf(buf + k, "\\u%04x", p[1]);
            p++;
        } else if (*p == 0x7F) {
            memcpy(buf + k, "\\u007f", 6);
            k += 6;
        } else {
            buf[k++] = (char)*p;
        }
    }
    buf[k] = '\0';
    return buf;
}
