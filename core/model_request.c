/* model_request.c — request bodies calltop sends (Connect, Create, Control),
 * validated before encoding, and the decoders the simulator uses to read
 * them back.
 *
 * Validation failures are CT_EVALUE with err->field naming the wire field,
 * so the form can put the cursor on it. Bodies are compact JSON, key order
 * as in docs/interactly-api.md; absent optionals are omitted. */
#include "calltop/model.h"
#include "calltop/json_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The offending value goes into the detail, which is shown and logged:
 * keep printable ASCII only (others become '?') and at most 40 bytes. */
static ct_err invalid(ct_error *err, const char *field, const char *fmt, const char *arg)
{
    char shown[48];
    size_t n = 0;
    for (const char *p = arg ? arg : ""; *p && n < 40; p++)
        shown[n++] = (*p >= 0x20 && *p <= 0x7e) ? *p : '?';
    if (arg && strlen(arg) > 40) {
        memcpy(shown + n, "...", 3);
        n += 3;
    }
    shown[n] = '\0';
    return ct_json_field_error(err, CT_EVALUE, field, fmt, shown);
}

static ct_err oom(ct_error *err)
{
    return ct_error_set(err, CT_ENOMEM, "out of memory while encoding");
}

static bool empty(const char *s)
{
    return !s || !*s;
}

/* metadata: a flat object of strings (a NULL value becomes JSON null). A
 * repeated key keeps its last value. */
static ct_err check_metadata(const ct_kv *kv, size_t n, ct_error *err)
{
    if (n > 0 && !kv) return invalid(err, "metadata", "entries missing%s", "");
    for (size_t i = 0; i < n; i++)
        if (empty(kv[i].key)) return invalid(err, "metadata", "entry has an empty key%s", "");
    return CT_OK;
}

static bool add_metadata(cJSON *o, const ct_kv *kv, size_t n)
{
    if (n == 0) return true;
    cJSON *md = cJSON_AddObjectToObject(o, "metadata");
    if (!md) return false;
    for (size_t i = 0; i < n; i++) {
        cJSON *v = kv[i].value ? cJSON_CreateString(kv[i].value) : cJSON_CreateNull();
        if (!v) return false;
        if (cJSON_GetObjectItemCaseSensitive(md, kv[i].key)) {
            cJSON_ReplaceItemInObjectCaseSensitive(md, kv[i].key, v);
        } else if (!cJSON_AddItemToObject(md, kv[i].key, v)) {
            cJSON_Delete(v);
            return false;
        }
    }
    return true;
}

static ct_err finish(cJSON *o, bool ok, char **body, ct_error *err)
{
    char *txt = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!txt) return oom(err);
    *body = txt;
    return CT_OK;
}

/* assistantOverrides: {"firstMessage": ..., "variableValues": {...}}, only
 * the members given; nothing at all when neither is. */
static bool add_overrides(cJSON *o, const ct_connect_request *r)
{
    if (empty(r->first_message) && r->n_variables == 0) return true;
    cJSON *ov = cJSON_AddObjectToObject(o, "assistantOverrides");
    if (!ov) return false;
    if (!empty(r->first_message) && !cJSON_AddStringToObject(ov, "firstMessage", r->first_message))
        return false;
    if (r->n_variables == 0) return true;
    cJSON *vv = cJSON_AddObjectToObject(ov, "variableValues");
    if (!vv) return false;
    for (size_t i = 0; i < r->n_variables; i++) {
        cJSON *v = cJSON_CreateString(r->variables[i].value ? r->variables[i].value : "");
        if (!v) return false;
        if (cJSON_GetObjectItemCaseSensitive(vv, r->variables[i].key))
            cJSON_ReplaceItemInObjectCaseSensitive(vv, r->variables[i].key, v);
        else if (!cJSON_AddItemToObject(vv, r->variables[i].key, v)) {
            cJSON_Delete(v);
            return false;
        }
    }
    return true;
}

/* The inline assistant: parsed from its JSON text, refused unless it is an
 * object (an array or a string would be sent as a malformed document). */
static ct_err parse_inline_assistant(const char *json, cJSON **out, ct_error *err)
{
    *out = NULL;
    if (!json) return CT_OK;
    const char *end = NULL;
    cJSON *a = cJSON_ParseWithOpts(json, &end, true);
    if (!a) {
        char at[24];
        snprintf(at, sizeof at, "%zu", end && end >= json ? (size_t)(end - json) : (size_t)0);
        return invalid(err, "assistant", "not valid JSON (near byte %s)", at);
    }
    if (!cJSON_IsObject(a)) {
        cJSON_Delete(a);
        return invalid(err, "assistant", "must be a JSON object {...}, not another JSON value%s",
                       "");
    }
    *out = a;
    return CT_OK;
}

ct_err ct_connect_request_encode(const ct_connect_request *r, char **body, ct_error *err)
{
    if (!body) return ct_error_set(err, CT_EINVAL, "no output buffer");
    *body = NULL;
    if (!r) return ct_error_set(err, CT_EINVAL, "no request");
    if (empty(r->phone_number_id))
        return invalid(err, "phoneNumberId", "required (pick a caller number)%s", "");
    if (!ct_e164_valid(r->customer_number))
        return invalid(err, "customer.number",
                       "\"%s\" is not an E.164 number (+ then 2 to 15 digits)", r->customer_number);
    ct_err rc = check_metadata(r->metadata, r->n_metadata, err);
    if (rc != CT_OK) return rc;
    if (r->n_variables > 0 && !r->variables)
        return invalid(err, "assistantOverrides.variableValues", "entries missing%s", "");
    for (size_t i = 0; i < r->n_variables; i++)
        if (empty(r->variables[i].key))
            return invalid(err, "assistantOverrides.variableValues", "entry has an empty key%s",
                           "");
    cJSON *inline_asst = NULL;
    if ((rc = parse_inline_assistant(r->assistant_json, &inline_asst, err)) != CT_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    if (!o) {
        cJSON_Delete(inline_asst);
        return oom(err);
    }
    cJSON *cust = NULL;
    bool ok = cJSON_AddStringToObject(o, "direction", "outbound") &&
        cJSON_AddStringToObject(o, "phoneNumberId", r->phone_number_id) &&
        (cust = cJSON_AddObjectToObject(o, "customer")) &&
        cJSON_AddStringToObject(cust, "number", r->customer_number) &&
        (empty(r->customer_name) || cJSON_AddStringToObject(cust, "name", r->customer_name)) &&
        add_metadata(o, r->metadata, r->n_metadata) &&
        (empty(r->assistant_id) || cJSON_AddStringToObject(o, "assistantId", r->assistant_id)) &&
        add_overrides(o, r);
    if (ok && inline_asst) {
        ok = cJSON_AddItemToObject(o, "assistant", inline_asst);
        if (ok) inline_asst = NULL; /* o owns it now */
    }
    cJSON_Delete(inline_asst);
    return finish(o, ok, body, err);
}

ct_err ct_create_request_encode(const ct_create_request *r, char **body, ct_error *err)
{
    if (!body) return ct_error_set(err, CT_EINVAL, "no output buffer");
    *body = NULL;
    if (!r) return ct_error_set(err, CT_EINVAL, "no request");
    if (!ct_e164_valid(r->user_number))
        return invalid(err, "userNumber", "\"%s\" is not an E.164 number (+ then 2 to 15 digits)",
                       r->user_number);
    if (!ct_e164_valid(r->assistant_number))
        return invalid(err, "assistantNumber",
                       "\"%s\" is not an E.164 number (+ then 2 to 15 digits)",
                       r->assistant_number);
    ct_err rc = check_metadata(r->metadata, r->n_metadata, err);
    if (rc != CT_OK) return rc;
    cJSON *o = cJSON_CreateObject();
    if (!o) return oom(err);
    bool ok = cJSON_AddStringToObject(o, "userNumber", r->user_number) &&
        cJSON_AddStringToObject(o, "assistantNumber", r->assistant_number) &&
        add_metadata(o, r->metadata, r->n_metadata) &&
        (empty(r->assistant_id) || cJSON_AddStringToObject(o, "assistantId", r->assistant_id));
    return finish(o, ok, body, err);
}

/* THE action -> payload mapping (docs/interactly-api.md, "Control call").
 *
 * The API documents only {"type": <action>, "message": <string>}, both
 * required; which field carries a forward destination, DTMF digits or SMS
 * text is undocumented. calltop's decision, kept here and nowhere else:
 *   say      message = the text to speak           (non-empty)
 *   end      message = optional closing line       (NULL -> "")
 *   forward  message = destination, E.164          (validated)
 *   dtmf     message = digits [0-9*#A-D]+          (validated)
 *   sms      message = the text, sent to the call's userNumber (non-empty)
 * When the vendor documents dedicated fields, change this switch only. */
ct_err ct_control_request_encode(const ct_control_request *r, char **body, ct_error *err)
{
    if (!body) return ct_error_set(err, CT_EINVAL, "no output buffer");
    *body = NULL;
    if (!r) return ct_error_set(err, CT_EINVAL, "no request");
    const char *message = r->argument;
    switch (r->action) {
    case CT_ACTION_SAY:
        if (empty(message)) return invalid(err, "message", "say needs the text to speak%s", "");
        break;
    case CT_ACTION_END:
        if (!message) message = "";
        break;
    case CT_ACTION_FORWARD:
        if (!ct_e164_valid(message))
            return invalid(err, "message", "forward needs an E.164 destination, got \"%s\"",
                           message);
        break;
    case CT_ACTION_DTMF:
        if (!ct_dtmf_valid(message))
            return invalid(err, "message", "dtmf needs digits 0-9 * # A-D, got \"%s\"", message);
        break;
    case CT_ACTION_SMS:
        if (empty(message)) return invalid(err, "message", "sms needs the text to send%s", "");
        break;
    default:
        return ct_json_field_error(err, CT_EVALUE, "type", "unknown control action %d",
                                   (int)r->action);
    }
    cJSON *o = cJSON_CreateObject();
    if (!o) return oom(err);
    bool ok = cJSON_AddStringToObject(o, "type", ct_control_action_name(r->action)) &&
        cJSON_AddStringToObject(o, "message", message);
    return finish(o, ok, body, err);
}

/* Reads a Connect Call body back (the simulator's side) and checks what
 * calltop itself requires: phoneNumberId, customer.number in E.164, and a
 * direction of inbound/outbound when given. */
ct_err ct_connect_request_decode(const char *json, size_t len, cJSON **out, ct_error *err)
{
    *out = NULL;
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    const cJSON *v, *cust;
    if (!cJSON_IsObject(root)) {
        rc = ct_json_type_error(err, "", "object", root);
        goto fail;
    }
    v = ct_json_member(root, "phoneNumberId");
    if (!v) {
        rc = ct_json_field_error(err, CT_EMISSING, "phoneNumberId", "missing");
        goto fail;
    }
    if (!cJSON_IsString(v)) {
        rc = ct_json_type_error(err, "phoneNumberId", "string", v);
        goto fail;
    }
    if (!*v->valuestring) {
        rc = ct_json_field_error(err, CT_EVALUE, "phoneNumberId", "empty");
        goto fail;
    }
    v = ct_json_member(root, "direction");
    if (v && !cJSON_IsString(v)) {
        rc = ct_json_type_error(err, "direction", "string", v);
        goto fail;
    }
    if (v && ct_direction_parse(v->valuestring) == CT_DIR_OTHER) {
        rc = ct_json_field_error(err, CT_EVALUE, "direction", "must be inbound or outbound");
        goto fail;
    }
    if ((rc = ct_json_get_object(root, "customer", NULL, &cust, err))) goto fail;
    if (!cust) {
        rc = ct_json_field_error(err, CT_EMISSING, "customer", "missing");
        goto fail;
    }
    v = ct_json_member(cust, "number");
    if (!v) {
        rc = ct_json_field_error(err, CT_EMISSING, "customer.number", "missing");
        goto fail;
    }
    if (!cJSON_IsString(v)) {
        rc = ct_json_type_error(err, "customer.number", "string", v);
        goto fail;
    }
    if (!ct_e164_valid(v->valuestring)) {
        rc = ct_json_field_error(err, CT_EVALUE, "customer.number", "not an E.164 number");
        goto fail;
    }
    if ((v = ct_json_member(cust, "name")) && !cJSON_IsString(v)) {
        rc = ct_json_type_error(err, "customer.name", "string", v);
        goto fail;
    }
    if ((v = ct_json_member(root, "assistantId")) && !cJSON_IsString(v)) {
        rc = ct_json_type_error(err, "assistantId", "string", v);
        goto fail;
    }
    if ((v = ct_json_member(root, "metadata")) && !cJSON_IsObject(v)) {
        rc = ct_json_type_error(err, "metadata", "object", v);
        goto fail;
    }
    *out = root;
    return CT_OK;
fail:
    cJSON_Delete(root);
    return rc;
}

/* Reads a Control body back: type must be a known action and message a
 * string (absent means "" only for end). The argument rules are the same
 * as ct_control_request_encode's. */
ct_err ct_control_request_decode(const char *json, size_t len, ct_control_action *action,
                                 char **message, ct_error *err)
{
    *message = NULL;
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    const cJSON *t, *m;
    if (!cJSON_IsObject(root)) {
        rc = ct_json_type_error(err, "", "object", root);
        goto done;
    }
    t = ct_json_member(root, "type");
    if (!t) {
        rc = ct_json_field_error(err, CT_EMISSING, "type", "missing");
        goto done;
    }
    if (!cJSON_IsString(t)) {
        rc = ct_json_type_error(err, "type", "string", t);
        goto done;
    }
    int a = ct_control_action_parse(t->valuestring);
    if (a < 0) {
        rc = ct_json_field_error(err, CT_EVALUE, "type", "unknown control action");
        goto done;
    }
    m = ct_json_member(root, "message");
    if (m && !cJSON_IsString(m)) {
        rc = ct_json_type_error(err, "message", "string", m);
        goto done;
    }
    /* Re-run the encoder's validation so both sides agree on the rules. */
    ct_control_request req = {(ct_control_action)a, m ? m->valuestring : NULL};
    char *body = NULL;
    if ((rc = ct_control_request_encode(&req, &body, err))) goto done;
    free(body);
    if (!(*message = strdup(m ? m->valuestring : ""))) {
        rc = oom(err);
        goto done;
    }
    *action = (ct_control_action)a;
done:
    cJSON_Delete(root);
    return rc;
}
