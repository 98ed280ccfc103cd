/* model_webhook.c — Interactly's webhook envelope {"message": {...}} for
 * status-update, conversation-update, end-of-call-report, hang and error.
 *
 * The decoder normalises the documented variants into one ct_call:
 *  - messages: `message.messages` wins over `call.messages` (older pages);
 *  - status / phoneCallStatus / phoneCallStatusReason directly on `message`
 *    (older pages) fill the call's when the call lacks them;
 *  - analysis, cost, metrics, recording, customer.name and assistant.name
 *    on `message` override the same members of `call`.
 * The message object is decoded with the call decoder itself (it is, in
 * effect, a partial call), so wrong types there fail the same way.
 * An unknown type decodes as CT_WH_UNKNOWN with its text kept, so the relay
 * can still forward the call fields. */
#include "calltop/model.h"
#include "calltop/json_util.h"

#include <stdlib.h>
#include <string.h>

void ct_call_error_clear(ct_call_error *e)
{
    free(e->type);
    free(e->code);
    free(e->message);
    free(e->provider);
    memset(e, 0, sizeof *e);
}

ct_err ct_call_error_copy(ct_call_error *dst, const ct_call_error *src)
{
    ct_call_error n = {.present = src->present, .retryable = src->retryable};
    const char *from[4] = {src->type, src->code, src->message, src->provider};
    char **to[4] = {&n.type, &n.code, &n.message, &n.provider};
    for (int i = 0; i < 4; i++) {
        if (from[i] && !(*to[i] = strdup(from[i]))) {
            ct_call_error_clear(&n);
            return CT_ENOMEM;
        }
    }
    ct_call_error_clear(dst);
    *dst = n;
    return CT_OK;
}

void ct_webhook_clear(ct_webhook *w)
{
    if (!w) return;
    free(w->type_text);
    ct_call_clear(&w->call);
    ct_call_error_clear(&w->error);
    memset(w, 0, sizeof *w);
}

static ct_err call_error_from_json(const cJSON *obj, ct_call_error *out, ct_error *err)
{
    const char *path = "message.error";
    ct_call_error e = {.present = true};
    ct_err rc;
    if ((rc = ct_json_get_string(obj, "type", path, &e.type, err)) ||
        (rc = ct_json_get_scalar_text(obj, "code", path, &e.code, err)) ||
        (rc = ct_json_get_string(obj, "message", path, &e.message, err)) ||
        (rc = ct_json_get_string(obj, "provider", path, &e.provider, err)) ||
        (rc = ct_json_get_bool(obj, "retryable", path, &e.retryable, NULL, err))) {
        ct_call_error_clear(&e);
        return rc;
    }
    *out = e;
    return CT_OK;
}

/* Moves a string from a side decode into the call, setting its bit. */
static void take_str(ct_call *c, char **field, char **from, uint32_t bit)
{
    if (!*from) return;
    free(*field);
    *field = *from;
    *from = NULL;
    c->present |= bit;
}

ct_err ct_webhook_decode(const char *json, size_t len, ct_webhook *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    ct_webhook w = {0};
    /* The message object itself, decoded as a partial call: its status /
     * phoneCallStatus / messages / analysis / cost / metrics / recording /
     * customer / assistant members use the call decoder's rules and error
     * paths ("message.messages[2].text: ..."). Members a call does not
     * have (type, timestamp, phone, error) are ignored by it. */
    ct_call side = {0};
    const cJSON *msg, *call;
    if (!cJSON_IsObject(root)) {
        rc = ct_json_type_error(err, "", "object", root);
        goto fail;
    }
    if ((rc = ct_json_get_object(root, "message", NULL, &msg, err))) goto fail;
    if (!msg) {
        rc = ct_json_field_error(err, CT_EMISSING, "message", "missing (not a webhook envelope)");
        goto fail;
    }
    if ((rc = ct_json_get_string(msg, "type", "message", &w.type_text, err))) goto fail;
    if (!w.type_text) {
        rc = ct_json_field_error(err, CT_EMISSING, "message.type", "missing");
        goto fail;
    }
    w.type = ct_webhook_type_parse(w.type_text);
    if ((rc = ct_json_get_time(msg, "timestamp", "message", &w.timestamp, NULL, err))) goto fail;

    if ((rc = ct_json_get_object(msg, "call", "message", &call, err))) goto fail;
    if (!call) {
        rc = ct_json_field_error(err, CT_EMISSING, "message.call.id", "missing (no call object)");
        goto fail;
    }
    if ((rc = ct_call_from_json(call, &w.call, "message.call", err))) goto fail;
    if (!(w.call.present & CT_F_ID)) {
        rc = ct_json_field_error(err, CT_EMISSING, "message.call.id", "missing");
        goto fail;
    }
    if ((rc = ct_call_from_json(msg, &side, "message", err))) goto fail;

    ct_call *c = &w.call;
    /* Older pages: status fields directly on message, used when the call
     * lacks them. */
    if (!(c->present & CT_F_STATUS) && (side.present & CT_F_STATUS)) {
        take_str(c, &c->status_text, &side.status_text, CT_F_STATUS);
        c->status = side.status;
    }
    if (!(c->present & CT_F_PHONE_STATUS) && (side.present & CT_F_PHONE_STATUS)) {
        take_str(c, &c->phone_status_text, &side.phone_status_text, CT_F_PHONE_STATUS);
        c->phone_status = side.phone_status;
    }
    if (!(c->present & CT_F_PHONE_STATUS_REASON))
        take_str(c, &c->phone_status_reason, &side.phone_status_reason, CT_F_PHONE_STATUS_REASON);
    /* message.messages wins over call.messages (older pages). */
    if (side.present & CT_F_MESSAGES) {
        ct_messages_free(c->messages, c->n_messages);
        c->messages = side.messages;
        c->n_messages = side.n_messages;
        side.messages = NULL;
        side.n_messages = 0;
        c->present |= CT_F_MESSAGES;
    }
    /* The report's members live on message and override the call's. */
    if (side.present & CT_F_ANALYSIS) {
        ct_analysis_clear(&c->analysis);
        c->analysis = side.analysis;
        memset(&side.analysis, 0, sizeof side.analysis);
        c->present |= CT_F_ANALYSIS;
    }
    take_str(c, &c->cost_json, &side.cost_json, CT_F_COST);
    take_str(c, &c->metrics_json, &side.metrics_json, CT_F_METRICS);
    take_str(c, &c->recording_json, &side.recording_json, CT_F_RECORDING);
    take_str(c, &c->customer_name, &side.customer_name, CT_F_CUSTOMER_NAME);
    take_str(c, &c->assistant_name, &side.assistant_name, CT_F_ASSISTANT_NAME);
    ct_call_clear(&side);

    if (w.type == CT_WH_ERROR) {
        const cJSON *eobj;
        if ((rc = ct_json_get_object(msg, "error", "message", &eobj, err))) goto fail;
        if (eobj && (rc = call_error_from_json(eobj, &w.error, err))) goto fail;
    }
    cJSON_Delete(root);
    *out = w;
    return CT_OK;
fail:
    ct_call_clear(&side);
    ct_webhook_clear(&w);
    cJSON_Delete(root);
    return rc;
}

/* Moves `key` from the encoded call up to the message level. */
static void lift(cJSON *msg, cJSON *call, const char *key)
{
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(call, key);
    if (v && !cJSON_AddItemToObject(msg, key, v)) cJSON_Delete(v);
}

/* Member order follows docs/interactly-api.md: timestamp, type, call, messages,
 * analysis (+ cost, metrics, recording), error, customer, assistant. */
cJSON *ct_webhook_to_json(const ct_webhook *w)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *msg = root ? cJSON_AddObjectToObject(root, "message") : NULL;
    if (!msg) goto fail;
    if (w->timestamp && !cJSON_AddNumberToObject(msg, "timestamp", (double)w->timestamp)) goto fail;
    const char *type = w->type_text ? w->type_text : ct_webhook_type_name(w->type);
    if (!cJSON_AddStringToObject(msg, "type", type)) goto fail;
    /* Encode the call without its transcript, then lift the members the
     * documented envelope carries on `message`. */
    ct_call shallow = w->call;
    shallow.present &= ~(uint32_t)CT_F_MESSAGES;
    cJSON *call = ct_call_to_json(&shallow);
    if (!call) goto fail;
    if (!cJSON_AddItemToObject(msg, "call", call)) {
        cJSON_Delete(call);
        goto fail;
    }
    if (w->call.present & CT_F_MESSAGES) {
        cJSON *arr = cJSON_AddArrayToObject(msg, "messages");
        if (!arr) goto fail;
        for (size_t i = 0; i < w->call.n_messages; i++) {
            cJSON *m = ct_message_to_json(&w->call.messages[i], true);
            if (!m || !cJSON_AddItemToArray(arr, m)) {
                cJSON_Delete(m);
                goto fail;
            }
        }
    }
    lift(msg, call, "analysis");
    lift(msg, call, "cost");
    lift(msg, call, "metrics");
    lift(msg, call, "recording");
    if (w->type == CT_WH_ERROR && w->error.present) {
        cJSON *e = cJSON_AddObjectToObject(msg, "error");
        if (!e || !ct_json_add_string(e, "type", w->error.type) ||
            !ct_json_add_text_or_json(e, "code", w->error.code) ||
            !ct_json_add_string(e, "message", w->error.message) ||
            !ct_json_add_string(e, "provider", w->error.provider) ||
            !cJSON_AddBoolToObject(e, "retryable", w->error.retryable))
            goto fail;
    }
    lift(msg, call, "customer");
    lift(msg, call, "assistant");
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}
