/* report_fields.c — cost / metrics / recording as fields (report_fields.h). */
#include "report_fields.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>

/* A scalar as text: numbers without a trailing ".000000". */
static void scalar_text(const cJSON *v, char *buf, size_t cap)
{
    if (cJSON_IsString(v)) {
        snprintf(buf, cap, "%s", v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15) snprintf(buf, cap, "%.0f", d);
        else snprintf(buf, cap, "%.6g", d);
    } else if (cJSON_IsBool(v)) {
        snprintf(buf, cap, "%s", cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        snprintf(buf, cap, "null");
    } else {
        char *t = cJSON_PrintUnformatted(v);
        snprintf(buf, cap, "%s", t ? t : "");
        free(t);
    }
}

static bool add(ct_report_field *out, size_t cap, size_t *n, const char *name, const char *value,
                bool is_url)
{
    if (*n >= cap || !value || !*value) return false;
    snprintf(out[*n].name, sizeof out[*n].name, "%s", name);
    snprintf(out[*n].value, sizeof out[*n].value, "%s", value);
    out[*n].is_url = is_url;
    (*n)++;
    return true;
}

static bool is_http_url(const char *s)
{
    return s && (strncasecmp(s, "https://", 8) == 0 || strncasecmp(s, "http://", 7) == 0);
}

static const char *recording_url_in(const cJSON *rec)
{
    if (cJSON_IsString(rec)) return rec->valuestring;
    static const char *const keys[] = {"url", "recordingUrl", "stereoUrl", "mono"};
    for (size_t i = 0; cJSON_IsObject(rec) && i < sizeof keys / sizeof *keys; i++) {
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(rec, keys[i]);
        if (cJSON_IsString(u)) return u->valuestring;
    }
    return NULL;
}

void ct_report_recording_url(const ct_call *c, char *buf, size_t cap)
{
    buf[0] = '\0';
    cJSON *rec = c && c->recording_json ? cJSON_Parse(c->recording_json) : NULL;
    const char *u = recording_url_in(rec);
    if (is_http_url(u)) snprintf(buf, cap, "%s", u);
    cJSON_Delete(rec);
}

/* Every scalar member of obj as a field (skipping the names in `skip`). */
static void members(const cJSON *obj, const char *prefix, const char *const *skip,
                    ct_report_field *out, size_t cap, size_t *n)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        bool skipped = false;
        for (size_t i = 0; skip && skip[i]; i++)
            skipped = skipped || strcmp(m->string, skip[i]) == 0;
        if (skipped || !m->string) continue;
        char v[512], name[64];
        scalar_text(m, v, sizeof v);
        snprintf(name, sizeof name, "%s%s", prefix, m->string);
        add(out, cap, n, name, v, false);
    }
}

size_t ct_report_fields(const ct_call *c, ct_report_field *out, size_t cap)
{
    size_t n = 0;
    if (!c) return 0;
    char v[512];
    if (c->recording_json) {
        cJSON *rec = cJSON_Parse(c->recording_json);
        const char *u = recording_url_in(rec);
        if (u) {
            add(out, cap, &n, "recording", u, is_http_url(u));
            static const char *const skip[] = {"url", "recordingUrl", "stereoUrl", "mono", NULL};
            /* "rec. durationMs": not to be mistaken for the metrics' own */
            if (cJSON_IsObject(rec)) members(rec, "rec. ", skip, out, cap, &n);
        } else if (rec) {
            scalar_text(rec, v, sizeof v);
            add(out, cap, &n, "recording", v, false);
        } else {
            add(out, cap, &n, "recording", c->recording_json, false);
        }
        cJSON_Delete(rec);
    }
    if (c->cost_json) {
        cJSON *cost = cJSON_Parse(c->cost_json);
        const cJSON *total = cJSON_GetObjectItemCaseSensitive(cost, "total");
        const cJSON *cur = cJSON_GetObjectItemCaseSensitive(cost, "currency");
        if (cJSON_IsNumber(total)) {
            snprintf(v, sizeof v, "%.4f%s%s", total->valuedouble, cJSON_IsString(cur) ? " " : "",
                     cJSON_IsString(cur) ? cur->valuestring : "");
            add(out, cap, &n, "cost", v, false);
            static const char *const skip[] = {"total", "currency", NULL};
            members(cost, "cost ", skip, out, cap, &n);
        } else if (cost) {
            scalar_text(cost, v, sizeof v);
            add(out, cap, &n, "cost", v, false);
        } else {
            add(out, cap, &n, "cost", c->cost_json, false);
        }
        cJSON_Delete(cost);
    }
    if (c->metrics_json) {
        cJSON *met = cJSON_Parse(c->metrics_json);
        if (cJSON_IsObject(met)) {
            members(met, "", NULL, out, cap, &n);
        } else if (met) {
            scalar_text(met, v, sizeof v);
            add(out, cap, &n, "metrics", v, false);
        } else {
            add(out, cap, &n, "metrics", c->metrics_json, false);
        }
        cJSON_Delete(met);
    }
    return n;
}
