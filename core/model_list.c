/* model_list.c — the List Calls response {"totalCount", "conversations": [...]}.
 *
 * One odd call must never hide the board: an item that fails to decode (or
 * has no id, so the store could not key it) is skipped and counted, and the
 * first reason is kept for the status bar. Only whole-document problems
 * fail the decode. */
#include "calltop/model.h"
#include "calltop/json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ct_call_list_clear(ct_call_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n_calls; i++) ct_call_clear(&l->calls[i]);
    free(l->calls);
    memset(l, 0, sizeof *l);
    l->total_count = -1;
    ct_error_clear(&l->first_skip);
}

ct_err ct_call_list_decode(const char *json, size_t len, ct_call_list *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    out->total_count = -1;
    ct_error_clear(&out->first_skip);

    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    if (!cJSON_IsObject(root)) {
        rc = ct_json_type_error(err, "", "object", root);
        goto done;
    }
    const cJSON *tc = ct_json_member(root, "totalCount");
    if (tc) {
        if (!cJSON_IsNumber(tc)) {
            rc = ct_json_type_error(err, "totalCount", "number", tc);
            goto done;
        }
        double d = tc->valuedouble;
        if (isnan(d) || d < 0 || d > 9.0e15 || d != floor(d)) {
            rc = ct_json_field_error(err, CT_EVALUE, "totalCount",
                                     "not a count (a non-negative integer)");
            goto done;
        }
        out->total_count = (long)d;
    }
    const cJSON *arr = ct_json_member(root, "conversations");
    if (!arr) {
        rc = ct_json_field_error(err, CT_EMISSING, "conversations", "missing");
        goto done;
    }
    if (!cJSON_IsArray(arr)) {
        rc = ct_json_type_error(err, "conversations", "array", arr);
        goto done;
    }
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n > 0 && !(out->calls = calloc(n, sizeof *out->calls))) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
        goto done;
    }
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        char p[CT_JSON_PATH_MAX];
        ct_error why;
        ct_error_clear(&why);
        ct_json_path_index(p, sizeof p, "conversations", i++);
        ct_call *c = &out->calls[out->n_calls];
        ct_err irc = ct_call_from_json(item, c, p, &why);
        if (irc == CT_ENOMEM) {
            rc = ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
            goto done;
        }
        if (irc == CT_OK && !(c->present & CT_F_ID)) {
            ct_call_clear(c);
            char idp[CT_JSON_PATH_MAX + 8];
            snprintf(idp, sizeof idp, "%s.id", p);
            irc = ct_json_field_error(&why, CT_EMISSING, idp, "missing (a call needs an id)");
        }
        if (irc != CT_OK) {
            if (out->n_skipped++ == 0) out->first_skip = why;
            continue;
        }
        out->n_calls++;
    }
done:
    cJSON_Delete(root);
    if (rc != CT_OK) ct_call_list_clear(out);
    return rc;
}
