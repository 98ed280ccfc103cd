/* model_call.c — the call object, its transcript messages and analysis:
 * lifetime (clear/copy/merge), liveness, and the JSON codecs.
 *
 * Decoding is field by field through json_util's typed getters, so each
 * wrong-type member fails with its full path and nothing else is read from
 * it. Present bits record what the JSON carried; encoders emit exactly the
 * present fields, which makes decode(encode(x)) == x. */
#include "calltop/hash.h"
#include "calltop/model.h"
#include "calltop/json_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ------------------------------------------------------------ */

void ct_message_clear(ct_message *m)
{
    if (!m) return;
    free(m->message_id);
    free(m->role_text);
    free(m->text);
    memset(m, 0, sizeof *m);
}

ct_err ct_message_copy(ct_message *dst, const ct_message *src)
{
    bool oom = false;
    ct_message m = {
        .message_id = ct_strdup_or_null(src->message_id, &oom),
        .role = src->role,
        .role_text = ct_strdup_or_null(src->role_text, &oom),
        .text = ct_strdup_or_null(src->text, &oom),
        .timestamp = src->timestamp,
    };
    if (oom) {
        ct_message_clear(&m);
        return CT_ENOMEM;
    }
    *dst = m;
    return CT_OK;
}

void ct_messages_free(ct_message *msgs, size_t n)
{
    if (!msgs) return;
    for (size_t i = 0; i < n; i++) ct_message_clear(&msgs[i]);
    free(msgs);
}

/* The id a message without `messageId` gets: built only from what every
 * re-delivery of the same utterance repeats, so full-history updates still
 * deduplicate in the store. */
static char *synth_message_id(const ct_message *m)
{
    char buf[128];
    snprintf(buf, sizeof buf, "~%" PRId64 "-%.32s-%016" PRIx64, (int64_t)m->timestamp,
             m->role_text ? m->role_text : "", ct_hash_str(m->text));
    return strdup(buf);
}

ct_err ct_message_from_json(const cJSON *obj, ct_message *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return ct_json_type_error(err, path, "object", obj);
    ct_message m = {0};
    ct_err rc;
    if ((rc = ct_json_get_string(obj, "messageId", path, &m.message_id, err)) ||
        (rc = ct_json_get_string(obj, "role", path, &m.role_text, err)) ||
        (rc = ct_json_get_string(obj, "text", path, &m.text, err)) ||
        (rc = ct_json_get_time(obj, "timestamp", path, &m.timestamp, NULL, err))) {
        ct_message_clear(&m);
        return rc;
    }
    m.role = ct_role_parse(m.role_text);
    if (!m.message_id && !(m.message_id = synth_message_id(&m))) {
        ct_message_clear(&m);
        return ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
    }
    *out = m;
    return CT_OK;
}

ct_err ct_messages_from_json(const cJSON *arr, ct_message **out, size_t *n, const char *path,
                             ct_error *err)
{
    *out = NULL;
    *n = 0;
    if (!cJSON_IsArray(arr)) return ct_json_type_error(err, path, "array", arr);
    size_t count = (size_t)cJSON_GetArraySize(arr);
    if (count == 0) return CT_OK;
    ct_message *msgs = calloc(count, sizeof *msgs);
    if (!msgs) return ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        char p[CT_JSON_PATH_MAX];
        ct_err rc =
            ct_message_from_json(item, &msgs[i], ct_json_path_index(p, sizeof p, path, i), err);
        if (rc != CT_OK) {
            ct_messages_free(msgs, i);
            return rc;
        }
        i++;
    }
    *out = msgs;
    *n = i;
    return CT_OK;
}

cJSON *ct_message_to_json(const ct_message *m, bool epoch_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool ok = ct_json_add_string(o, "messageId", m->message_id);
    const char *role =
        m->role_text ? m->role_text : (m->role != CT_ROLE_NONE ? ct_role_name(m->role) : NULL);
    ok = ok && ct_json_add_string(o, "role", role);
    ok = ok && ct_json_add_string(o, "text", m->text);
    if (ok && m->timestamp) {
        if (epoch_ms) {
            ok = cJSON_AddNumberToObject(o, "timestamp", (double)m->timestamp) != NULL;
        } else {
            char iso[32];
            ct_time_format_iso(m->timestamp, iso, sizeof iso);
            ok = cJSON_AddStringToObject(o, "timestamp", iso) != NULL;
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool ct_message_equal(const ct_message *a, const ct_message *b)
{
    return ct_strcmp_null(a->message_id, b->message_id) == 0 && a->role == b->role &&
        ct_strcmp_null(a->role_text, b->role_text) == 0 && ct_strcmp_null(a->text, b->text) == 0 &&
        a->timestamp == b->timestamp;
}

/* ---- analysis ------------------------------------------------------------ */

void ct_analysis_clear(ct_analysis *a)
{
    if (!a) return;
    free(a->summary);
    free(a->success_evaluation);
    free(a->structured_data_json);
    free(a->outcome);
    free(a->guardrails_json);
    memset(a, 0, sizeof *a);
}

ct_err ct_analysis_copy(ct_analysis *dst, const ct_analysis *src)
{
    bool oom = false;
    ct_analysis a = {
        .present = src->present,
        .summary = ct_strdup_or_null(src->summary, &oom),
        .success_evaluation = ct_strdup_or_null(src->success_evaluation, &oom),
        .structured_data_json = ct_strdup_or_null(src->structured_data_json, &oom),
        .outcome = ct_strdup_or_null(src->outcome, &oom),
        .guardrails_json = ct_strdup_or_null(src->guardrails_json, &oom),
    };
    if (oom) {
        ct_analysis_clear(&a);
        return CT_ENOMEM;
    }
    *dst = a;
    return CT_OK;
}

/* Decodes an `analysis` object. successEvaluation is documented as a string
 * but evaluators elsewhere emit booleans or scores: scalars are kept as
 * their JSON text. structuredData/guardrails are free-form JSON. */
ct_err ct_analysis_from_json(const cJSON *obj, ct_analysis *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return ct_json_type_error(err, path, "object", obj);
    ct_analysis a = {.present = true};
    ct_err rc;
    if ((rc = ct_json_get_string(obj, "summary", path, &a.summary, err)) ||
        (rc =
             ct_json_get_scalar_text(obj, "successEvaluation", path, &a.success_evaluation, err)) ||
        (rc = ct_json_get_raw(obj, "structuredData", path, &a.structured_data_json, err)) ||
        (rc = ct_json_get_raw(obj, "outcome", path, &a.outcome, err)) ||
        (rc = ct_json_get_raw(obj, "guardrails", path, &a.guardrails_json, err))) {
        ct_analysis_clear(&a);
        return rc;
    }
    /* outcome: a string is kept as is, anything else as JSON text. */
    const cJSON *oc = ct_json_member(obj, "outcome");
    if (cJSON_IsString(oc) && oc->valuestring) {
        free(a.outcome);
        if (!(a.outcome = strdup(oc->valuestring))) {
            ct_analysis_clear(&a);
            return ct_error_set(err, CT_ENOMEM, "out of memory while decoding");
        }
    }
    *out = a;
    return CT_OK;
}

cJSON *ct_analysis_to_json(const ct_analysis *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    bool ok = ct_json_add_string(o, "summary", a->summary);
    /* A non-string successEvaluation / outcome was kept as its JSON text;
     * it goes back out as that JSON value. */
    ok = ok && ct_json_add_text_or_json(o, "successEvaluation", a->success_evaluation);
    ok = ok && ct_json_add_raw(o, "structuredData", a->structured_data_json);
    ok = ok && ct_json_add_text_or_json(o, "outcome", a->outcome);
    ok = ok && ct_json_add_raw(o, "guardrails", a->guardrails_json);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

bool ct_analysis_equal(const ct_analysis *a, const ct_analysis *b)
{
    return a->present == b->present && ct_strcmp_null(a->summary, b->summary) == 0 &&
        ct_strcmp_null(a->success_evaluation, b->success_evaluation) == 0 &&
        ct_strcmp_null(a->structured_data_json, b->structured_data_json) == 0 &&
        ct_strcmp_null(a->outcome, b->outcome) == 0 &&
        ct_strcmp_null(a->guardrails_json, b->guardrails_json) == 0;
}

/* ---- the call ------------------------------------------------------------ */

void ct_call_clear(ct_call *c)
{
    if (!c) return;
    free(c->id);
    free(c->team_id);
    free(c->assistant_id);
    free(c->phone_number_id);
    free(c->call_type_text);
    free(c->direction_text);
    free(c->user_number);
    free(c->assistant_number);
    free(c->status_text);
    free(c->phone_status_text);
    free(c->phone_status_reason);
    free(c->end_trigger_text);
    free(c->control_url);
    free(c->customer_name);
    free(c->assistant_name);
    ct_analysis_clear(&c->analysis);
    free(c->metadata_json);
    free(c->cost_json);
    free(c->metrics_json);
    free(c->recording_json);
    ct_messages_free(c->messages, c->n_messages);
    memset(c, 0, sizeof *c);
}

/* Replaces *dst with a copy of src (NULL src leaves NULL). */
static bool set_str(char **dst, const char *src)
{
    char *d = NULL;
    if (src && !(d = strdup(src))) return false;
    free(*dst);
    *dst = d;
    return true;
}

static bool copy_messages(ct_message **dst, size_t *dn, const ct_message *src, size_t n)
{
    *dst = NULL;
    *dn = 0;
    if (n == 0 || !src) return true;
    ct_message *m = calloc(n, sizeof *m);
    if (!m) return false;
    for (size_t i = 0; i < n; i++)
        if (ct_message_copy(&m[i], &src[i]) != CT_OK) {
            ct_messages_free(m, i);
            return false;
        }
    *dst = m;
    *dn = n;
    return true;
}

ct_err ct_call_copy(ct_call *dst, const ct_call *src)
{
    ct_call c = {0};
    bool ok = true;
    c.present = src->present;
    c.call_type = src->call_type;
    c.direction = src->direction;
    c.start_at = src->start_at;
    c.end_at = src->end_at;
    c.created_at = src->created_at;
    c.updated_at = src->updated_at;
    c.status = src->status;
    c.phone_status = src->phone_status;
    c.end_trigger = src->end_trigger;
    ok = ok && set_str(&c.id, src->id) && set_str(&c.team_id, src->team_id) &&
        set_str(&c.assistant_id, src->assistant_id) &&
        set_str(&c.phone_number_id, src->phone_number_id) &&
        set_str(&c.call_type_text, src->call_type_text) &&
        set_str(&c.direction_text, src->direction_text) &&
        set_str(&c.user_number, src->user_number) &&
        set_str(&c.assistant_number, src->assistant_number) &&
        set_str(&c.status_text, src->status_text) &&
        set_str(&c.phone_status_text, src->phone_status_text) &&
        set_str(&c.phone_status_reason, src->phone_status_reason) &&
        set_str(&c.end_trigger_text, src->end_trigger_text) &&
        set_str(&c.control_url, src->control_url) &&
        set_str(&c.customer_name, src->customer_name) &&
        set_str(&c.assistant_name, src->assistant_name) &&
        set_str(&c.metadata_json, src->metadata_json) && set_str(&c.cost_json, src->cost_json) &&
        set_str(&c.metrics_json, src->metrics_json) &&
        set_str(&c.recording_json, src->recording_json) &&
        ct_analysis_copy(&c.analysis, &src->analysis) == CT_OK &&
        copy_messages(&c.messages, &c.n_messages, src->messages, src->n_messages);
    if (!ok) {
        ct_call_clear(&c);
        return CT_ENOMEM;
    }
    *dst = c;
    return CT_OK;
}

ct_err ct_call_merge(ct_call *dst, const ct_call *src)
{
    uint32_t p = src->present;
    bool ok = true;
#define MERGE_STR(bit, field) \
    if (ok && (p & (bit))) ok = set_str(&dst->field, src->field)
    MERGE_STR(CT_F_ID, id);
    MERGE_STR(CT_F_TEAM, team_id);
    MERGE_STR(CT_F_ASSISTANT_ID, assistant_id);
    MERGE_STR(CT_F_PHONE_NUMBER_ID, phone_number_id);
    MERGE_STR(CT_F_CALL_TYPE, call_type_text);
    MERGE_STR(CT_F_DIRECTION, direction_text);
    MERGE_STR(CT_F_USER_NUMBER, user_number);
    MERGE_STR(CT_F_ASSISTANT_NUMBER, assistant_number);
    MERGE_STR(CT_F_STATUS, status_text);
    MERGE_STR(CT_F_PHONE_STATUS, phone_status_text);
    MERGE_STR(CT_F_PHONE_STATUS_REASON, phone_status_reason);
    MERGE_STR(CT_F_END_TRIGGER, end_trigger_text);
    MERGE_STR(CT_F_CONTROL_URL, control_url);
    MERGE_STR(CT_F_CUSTOMER_NAME, customer_name);
    MERGE_STR(CT_F_ASSISTANT_NAME, assistant_name);
    MERGE_STR(CT_F_METADATA, metadata_json);
    MERGE_STR(CT_F_COST, cost_json);
    MERGE_STR(CT_F_METRICS, metrics_json);
    MERGE_STR(CT_F_RECORDING, recording_json);
#undef MERGE_STR
    /* Analysis arrives piecemeal too (a report may carry only a summary):
     * merge it member by member. */
    if (ok && (p & CT_F_ANALYSIS)) {
        const ct_analysis *sa = &src->analysis;
        ct_analysis *da = &dst->analysis;
        da->present = true;
        if (sa->summary) ok = ok && set_str(&da->summary, sa->summary);
        if (sa->success_evaluation)
            ok = ok && set_str(&da->success_evaluation, sa->success_evaluation);
        if (sa->structured_data_json)
            ok = ok && set_str(&da->structured_data_json, sa->structured_data_json);
        if (sa->outcome) ok = ok && set_str(&da->outcome, sa->outcome);
        if (sa->guardrails_json) ok = ok && set_str(&da->guardrails_json, sa->guardrails_json);
    }
    if (!ok) return CT_ENOMEM;
    if (p & CT_F_CALL_TYPE) dst->call_type = src->call_type;
    if (p & CT_F_DIRECTION) dst->direction = src->direction;
    if (p & CT_F_START) dst->start_at = src->start_at;
    if (p & CT_F_END) dst->end_at = src->end_at;
    if (p & CT_F_CREATED) dst->created_at = src->created_at;
    if (p & CT_F_UPDATED) dst->updated_at = src->updated_at;
    if (p & CT_F_STATUS) dst->status = src->status;
    if (p & CT_F_PHONE_STATUS) dst->phone_status = src->phone_status;
    if (p & CT_F_END_TRIGGER) dst->end_trigger = src->end_trigger;
    /* Messages are the store's business (merge by messageId), so their bit
     * is not carried over either: dst's transcript is left as it was. */
    dst->present |= p & ~(uint32_t)CT_F_MESSAGES;
    return CT_OK;
}

bool ct_call_is_live(const ct_call *c)
{
    /* A finished call is over whatever a stale phoneCallStatus says. */
    if (c->status == CT_STATUS_FINISHED) return false;
    if (c->status == CT_STATUS_QUEUED || c->status == CT_STATUS_ONGOING) return true;
    if (c->status == CT_STATUS_FORWARDED && !(c->present & CT_F_END)) return true;
    switch (c->phone_status) {
    case CT_PHONE_TRYING:
    case CT_PHONE_EARLY_MEDIA:
    case CT_PHONE_RINGING:
    case CT_PHONE_IN_PROGRESS: return true;
    default: return false;
    }
}

bool ct_call_is_failed_attempt(const ct_call *c)
{
    return c->phone_status == CT_PHONE_BUSY || c->phone_status == CT_PHONE_NO_ANSWER ||
        c->phone_status == CT_PHONE_FAILED;
}

bool ct_call_equal(const ct_call *a, const ct_call *b)
{
    if (a->present != b->present || a->call_type != b->call_type || a->direction != b->direction ||
        a->start_at != b->start_at || a->end_at != b->end_at || a->created_at != b->created_at ||
        a->updated_at != b->updated_at || a->status != b->status ||
        a->phone_status != b->phone_status || a->end_trigger != b->end_trigger ||
        a->n_messages != b->n_messages)
        return false;
    const char *sa[] = {a->id,
                        a->team_id,
                        a->assistant_id,
                        a->phone_number_id,
                        a->call_type_text,
                        a->direction_text,
                        a->user_number,
                        a->assistant_number,
                        a->status_text,
                        a->phone_status_text,
                        a->phone_status_reason,
                        a->end_trigger_text,
                        a->control_url,
                        a->customer_name,
                        a->assistant_name,
                        a->metadata_json,
                        a->cost_json,
                        a->metrics_json,
                        a->recording_json};
    const char *sb[] = {b->id,
                        b->team_id,
                        b->assistant_id,
                        b->phone_number_id,
                        b->call_type_text,
                        b->direction_text,
                        b->user_number,
                        b->assistant_number,
                        b->status_text,
                        b->phone_status_text,
                        b->phone_status_reason,
                        b->end_trigger_text,
                        b->control_url,
                        b->customer_name,
                        b->assistant_name,
                        b->metadata_json,
                        b->cost_json,
                        b->metrics_json,
                        b->recording_json};
    for (size_t i = 0; i < sizeof sa / sizeof sa[0]; i++)
        if (ct_strcmp_null(sa[i], sb[i]) != 0) return false;
    if (!ct_analysis_equal(&a->analysis, &b->analysis)) return false;
    for (size_t i = 0; i < a->n_messages; i++)
        if (!ct_message_equal(&a->messages[i], &b->messages[i])) return false;
    return true;
}

/* String member -> field + present bit. */
#define GET_STR(key, field, bit)                                                 \
    do {                                                                         \
        if ((rc = ct_json_get_string(obj, key, path, &c.field, err))) goto fail; \
        if (c.field) c.present |= (bit);                                         \
    } while (0)
#define GET_TIME(key, field, bit)                                                     \
    do {                                                                              \
        bool has_ = false;                                                            \
        if ((rc = ct_json_get_time(obj, key, path, &c.field, &has_, err))) goto fail; \
        if (has_) c.present |= (bit);                                                 \
    } while (0)

ct_err ct_call_from_json(const cJSON *obj, ct_call *out, const char *path, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj)) return ct_json_type_error(err, path, "object", obj);
    ct_call c = {0};
    ct_err rc = CT_OK;
    char p[CT_JSON_PATH_MAX];
    const cJSON *sub;

    GET_STR("id", id, CT_F_ID);
    if (c.id && strlen(c.id) > CT_CALL_ID_MAX) {
        rc = ct_json_field_error(err, CT_EVALUE, ct_json_path(p, sizeof p, path, "id"),
                                 "%zu bytes long; a call id has at most %d", strlen(c.id),
                                 CT_CALL_ID_MAX);
        goto fail;
    }
    GET_STR("teamId", team_id, CT_F_TEAM);
    GET_STR("assistantId", assistant_id, CT_F_ASSISTANT_ID);
    GET_STR("phoneNumberId", phone_number_id, CT_F_PHONE_NUMBER_ID);
    GET_STR("callType", call_type_text, CT_F_CALL_TYPE);
    GET_STR("direction", direction_text, CT_F_DIRECTION);
    GET_TIME("startAt", start_at, CT_F_START);
    GET_TIME("endAt", end_at, CT_F_END);
    GET_TIME("createdAt", created_at, CT_F_CREATED);
    GET_TIME("updatedAt", updated_at, CT_F_UPDATED);
    GET_STR("userNumber", user_number, CT_F_USER_NUMBER);
    GET_STR("assistantNumber", assistant_number, CT_F_ASSISTANT_NUMBER);
    GET_STR("status", status_text, CT_F_STATUS);
    GET_STR("phoneCallStatus", phone_status_text, CT_F_PHONE_STATUS);
    GET_STR("phoneCallStatusReason", phone_status_reason, CT_F_PHONE_STATUS_REASON);
    GET_STR("callEndTriggerBy", end_trigger_text, CT_F_END_TRIGGER);
    c.call_type = ct_call_type_parse(c.call_type_text);
    c.direction = ct_direction_parse(c.direction_text);
    c.status = ct_status_parse(c.status_text);
    c.phone_status = ct_phone_status_parse(c.phone_status_text);
    c.end_trigger = ct_trigger_parse(c.end_trigger_text);

    if ((rc = ct_json_get_object(obj, "monitor", path, &sub, err))) goto fail;
    if (sub) {
        ct_json_path(p, sizeof p, path, "monitor");
        if ((rc = ct_json_get_string(sub, "controlUrl", p, &c.control_url, err))) goto fail;
        if (c.control_url) c.present |= CT_F_CONTROL_URL;
    }
    if ((rc = ct_json_get_object(obj, "customer", path, &sub, err))) goto fail;
    if (sub) {
        ct_json_path(p, sizeof p, path, "customer");
        if ((rc = ct_json_get_string(sub, "name", p, &c.customer_name, err))) goto fail;
        if (c.customer_name) c.present |= CT_F_CUSTOMER_NAME;
    }
    if ((rc = ct_json_get_object(obj, "assistant", path, &sub, err))) goto fail;
    if (sub) {
        ct_json_path(p, sizeof p, path, "assistant");
        if ((rc = ct_json_get_string(sub, "name", p, &c.assistant_name, err))) goto fail;
        if (c.assistant_name) c.present |= CT_F_ASSISTANT_NAME;
    }
    if ((rc = ct_json_get_object(obj, "analysis", path, &sub, err))) goto fail;
    if (sub) {
        if ((rc = ct_analysis_from_json(sub, &c.analysis,
                                        ct_json_path(p, sizeof p, path, "analysis"), err)))
            goto fail;
        c.present |= CT_F_ANALYSIS;
    }
    if ((rc = ct_json_get_object_text(obj, "metadata", path, &c.metadata_json, err))) goto fail;
    if (c.metadata_json) c.present |= CT_F_METADATA;
    if ((rc = ct_json_get_raw(obj, "cost", path, &c.cost_json, err))) goto fail;
    if (c.cost_json) c.present |= CT_F_COST;
    if ((rc = ct_json_get_raw(obj, "metrics", path, &c.metrics_json, err))) goto fail;
    if (c.metrics_json) c.present |= CT_F_METRICS;
    if ((rc = ct_json_get_raw(obj, "recording", path, &c.recording_json, err))) goto fail;
    if (c.recording_json) c.present |= CT_F_RECORDING;
    if ((rc = ct_json_get_array(obj, "messages", path, &sub, err))) goto fail;
    if (sub) {
        if ((rc = ct_messages_from_json(sub, &c.messages, &c.n_messages,
                                        ct_json_path(p, sizeof p, path, "messages"), err)))
            goto fail;
        c.present |= CT_F_MESSAGES;
    }
    *out = c;
    return CT_OK;
fail:
    ct_call_clear(&c);
    return rc;
}
#undef GET_STR
#undef GET_TIME

ct_err ct_call_decode(const char *json, size_t len, ct_call *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    cJSON *root;
    ct_err rc = ct_json_parse(json, len, &root, err);
    if (rc != CT_OK) return rc;
    rc = ct_call_from_json(root, out, NULL, err);
    cJSON_Delete(root);
    if (rc == CT_OK && !(out->present & CT_F_ID)) {
        ct_call_clear(out);
        rc = ct_json_field_error(err, CT_EMISSING, "id", "missing (a call needs an id)");
    }
    return rc;
}

static bool add_time(cJSON *o, const char *key, ct_time_ms t)
{
    char iso[32];
    ct_time_format_iso(t, iso, sizeof iso);
    return cJSON_AddStringToObject(o, key, iso) != NULL;
}

/* Wire text of an enum field: the raw text when we kept it, else the
 * canonical name. */
static const char *enum_text(const char *raw, const char *name)
{
    return raw ? raw : name;
}

static bool add_named_object(cJSON *o, const char *key, const char *member, const char *value)
{
    cJSON *sub = cJSON_AddObjectToObject(o, key);
    return sub && cJSON_AddStringToObject(sub, member, value) != NULL;
}

cJSON *ct_call_to_json(const ct_call *c)
{
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    uint32_t p = c->present;
    bool ok = true;
#define ADD_STR(bit, key, val) \
    if (ok && (p & (bit)) && (val)) ok = cJSON_AddStringToObject(o, key, val) != NULL
#define ADD_TIME(bit, key, val) \
    if (ok && (p & (bit))) ok = add_time(o, key, val)
    ADD_STR(CT_F_ID, "id", c->id);
    ADD_STR(CT_F_TEAM, "teamId", c->team_id);
    ADD_STR(CT_F_ASSISTANT_ID, "assistantId", c->assistant_id);
    ADD_STR(CT_F_PHONE_NUMBER_ID, "phoneNumberId", c->phone_number_id);
    ADD_STR(CT_F_CALL_TYPE, "callType",
            enum_text(c->call_type_text, ct_call_type_name(c->call_type)));
    ADD_STR(CT_F_DIRECTION, "direction",
            enum_text(c->direction_text, ct_direction_name(c->direction)));
    ADD_TIME(CT_F_START, "startAt", c->start_at);
    ADD_TIME(CT_F_END, "endAt", c->end_at);
    ADD_TIME(CT_F_CREATED, "createdAt", c->created_at);
    ADD_TIME(CT_F_UPDATED, "updatedAt", c->updated_at);
    ADD_STR(CT_F_USER_NUMBER, "userNumber", c->user_number);
    ADD_STR(CT_F_ASSISTANT_NUMBER, "assistantNumber", c->assistant_number);
    ADD_STR(CT_F_STATUS, "status", enum_text(c->status_text, ct_status_name(c->status)));
    ADD_STR(CT_F_PHONE_STATUS, "phoneCallStatus",
            enum_text(c->phone_status_text, ct_phone_status_name(c->phone_status)));
    ADD_STR(CT_F_PHONE_STATUS_REASON, "phoneCallStatusReason", c->phone_status_reason);
    ADD_STR(CT_F_END_TRIGGER, "callEndTriggerBy",
            enum_text(c->end_trigger_text, ct_trigger_name(c->end_trigger)));
#undef ADD_STR
#undef ADD_TIME
    if (ok && (p & CT_F_CONTROL_URL) && c->control_url)
        ok = add_named_object(o, "monitor", "controlUrl", c->control_url);
    if (ok && (p & CT_F_CUSTOMER_NAME) && c->customer_name)
        ok = add_named_object(o, "customer", "name", c->customer_name);
    if (ok && (p & CT_F_ASSISTANT_NAME) && c->assistant_name)
        ok = add_named_object(o, "assistant", "name", c->assistant_name);
    if (ok && (p & CT_F_ANALYSIS)) {
        cJSON *a = ct_analysis_to_json(&c->analysis);
        ok = a && cJSON_AddItemToObject(o, "analysis", a);
        if (!ok) cJSON_Delete(a);
    }
    if (ok && (p & CT_F_METADATA)) ok = ct_json_add_raw(o, "metadata", c->metadata_json);
    if (ok && (p & CT_F_COST)) ok = ct_json_add_raw(o, "cost", c->cost_json);
    if (ok && (p & CT_F_METRICS)) ok = ct_json_add_raw(o, "metrics", c->metrics_json);
    if (ok && (p & CT_F_RECORDING)) ok = ct_json_add_raw(o, "recording", c->recording_json);
    if (ok && (p & CT_F_MESSAGES)) {
        cJSON *arr = cJSON_AddArrayToObject(o, "messages");
        ok = arr != NULL;
        for (size_t i = 0; ok && i < c->n_messages; i++) {
            cJSON *m = ct_message_to_json(&c->messages[i], false);
            ok = m && cJSON_AddItemToArray(arr, m);
            if (!ok) cJSON_Delete(m);
        }
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
