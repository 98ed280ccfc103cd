/* model_number.c — List Numbers (a bare array of phone numbers) and the
 * assistant object (GET /assistants/v1/assistants/{id}).
 *
 * A number that fails to decode is skipped and counted (n_skipped), like a
 * bad call in the list: the caller-id picker should still offer the good
 * ones. A number without `outboundEnabled` cannot dial out (false). */
#include "calltop/model.h"
#include "calltop/json_util.h"

#include <stdlib.h>
#include <string.h>

void ct_number_clear(ct_number *n)
{
    if (!n) return;
    free(n->id);
    free(n->team_id);
    free(n->number);
    free(n->provider_name);
    free(n->assistant_id);
    free(n->label);
    memset(n, 0, sizeof *n);
}

void ct_number_list_clear(ct_number_list *l)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) ct_number_clear(&l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
    ct_error_clear(&l->first_skip);
}

ct_err ct_number_from_json(const cJSON *obj, ct_number *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return ct_json_type_error(err, path, "object", obj);
    ct_number n = {0};
    ct_err rc;
    const cJSON *prov;
    char p[CT_JSON_PATH_MAX];
    if ((rc = ct_json_get_string(obj, "_id", path, &n.id, err)) ||
        (rc = ct_json_get_string(obj, "teamId", path, &n.team_id, err)) ||
        (rc = ct_json_get_string(obj, "number", path, &n.number, err)) ||
        (rc = ct_json_get_string(obj, "assistantId", path, &n.assistant_id, err)) ||
        (rc = ct_json_get_string(obj, "label", path, &n.label, err)) ||
        (rc = ct_json_get_bool(obj, "inboundEnabled", path, &n.inbound_enabled, NULL, err)) ||
        (rc = ct_json_get_bool(obj, "outboundEnabled", path, &n.outbound_enabled, NULL, err)) ||
        (rc = ct_json_get_object(obj, "provider", path, &prov, err)))
        goto fail;
    if (prov &&
        (rc = ct_json_get_string(prov, "name", ct_json_path(p, sizeof p, path, "provider"),
                                 &n.provider_name, err)))
        goto fail;
    *out = n;
    return CT_OK;
fail:
    ct_number_clear(&n);
    return rc;
}

ct_err ct_number_list_decode(const char *json, size_t len, ct_number_list *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    ct_error_clear(&out->first_skip);
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    if (!cJSON_IsArray(root)) {
        rc = ct_json_type_error(err, "", "array", root);
        goto done;
    }
    size_t cnt = (size_t)cJSON_GetArraySize(root);
    if (cnt > 0 && !(out->items = calloc(cnt, sizeof *out->items))) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
        goto done;
    }
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root)
    {
        char p[CT_JSON_PATH_MAX];
        ct_error why;
        ct_error_clear(&why);
        ct_err irc = ct_number_from_json(item, &out->items[out->n],
                                         ct_json_path_index(p, sizeof p, "", i++), &why);
        if (irc == CT_ENOMEM) {
            rc = ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
            goto done;
        }
        if (irc != CT_OK) {
            if (out->n_skipped++ == 0) out->first_skip = why;
            continue;
        }
        out->n++;
    }
done:
    cJSON_Delete(root);
    if (rc != CT_OK) ct_number_list_clear(out);
    return rc;
}

cJSON *ct_number_to_json(const ct_number *n)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool ok = ct_json_add_string(o, "_id", n->id) && ct_json_add_string(o, "teamId", n->team_id) &&
        ct_json_add_string(o, "number", n->number);
    if (ok && n->provider_name) {
        cJSON *prov = cJSON_AddObjectToObject(o, "provider");
        ok = prov && ct_json_add_string(prov, "name", n->provider_name);
    }
    ok = ok && ct_json_add_string(o, "assistantId", n->assistant_id) &&
        cJSON_AddBoolToObject(o, "inboundEnabled", n->inbound_enabled) &&
        cJSON_AddBoolToObject(o, "outboundEnabled", n->outbound_enabled) &&
        ct_json_add_string(o, "label", n->label);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

void ct_assistant_clear(ct_assistant *a)
{
    if (!a) return;
    free(a->id);
    free(a->name);
    free(a->raw_json);
    memset(a, 0, sizeof *a);
}

/* The assistant's shape is undocumented beyond its id and name: keep the
 * whole object as compact JSON for the detail pane. The id may come as
 * `id` or as a Mongo-style `_id` (numbers use `_id`); `id` wins. */
ct_err ct_assistant_decode(const char *json, size_t len, ct_assistant *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    ct_assistant a = {0};
    if (!cJSON_IsObject(root)) {
        rc = ct_json_type_error(err, "", "object", root);
        goto done;
    }
    if ((rc = ct_json_get_string(root, "_id", NULL, &a.id, err)) ||
        (rc = ct_json_get_string(root, "id", NULL, &a.id, err)) ||
        (rc = ct_json_get_string(root, "name", NULL, &a.name, err)))
        goto done;
    if (!(a.raw_json = cJSON_PrintUnformatted(root))) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
        goto done;
    }
    *out = a;
    memset(&a, 0, sizeof a);
done:
    ct_assistant_clear(&a);
    cJSON_Delete(root);
    return rc;
}
