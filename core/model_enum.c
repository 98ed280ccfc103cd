/* model_enum.c — wire text <-> enums for the call, message, webhook and
 * control vocabularies, and the E.164 / DTMF validators.
 *
 * Parsing never fails: unknown text maps to *_OTHER (the decoders keep the
 * raw text beside the enum). Matching is exact and case-sensitive, as the
 * API sends lowercase values; the one documented synonym is "completed"
 * for the call status "finished" (older documentation pages). */
#include "calltop/model.h"

#include <string.h>

struct name_map {
    const char *text;
    int value;
};

static int lookup(const struct name_map *m, const char *s, int none, int other)
{
    if (!s) return none;
    for (; m->text; m++)
        if (strcmp(m->text, s) == 0) return m->value;
    return other;
}

static const struct name_map status_map[] = {
    {"queued", CT_STATUS_QUEUED},       {"ongoing", CT_STATUS_ONGOING},
    {"forwarded", CT_STATUS_FORWARDED}, {"finished", CT_STATUS_FINISHED},
    {"completed", CT_STATUS_FINISHED},  {NULL, 0},
};
static const struct name_map phone_map[] = {
    {"trying", CT_PHONE_TRYING},
    {"early-media", CT_PHONE_EARLY_MEDIA},
    {"ringing", CT_PHONE_RINGING},
    {"in-progress", CT_PHONE_IN_PROGRESS},
    {"busy", CT_PHONE_BUSY},
    {"no-answer", CT_PHONE_NO_ANSWER},
    {"failed", CT_PHONE_FAILED},
    {"completed", CT_PHONE_COMPLETED},
    {NULL, 0},
};
static const struct name_map dir_map[] = {
    {"inbound", CT_DIR_INBOUND},
    {"outbound", CT_DIR_OUTBOUND},
    {NULL, 0},
};
static const struct name_map calltype_map[] = {
    {"web", CT_CALLTYPE_WEB},
    {"phone", CT_CALLTYPE_PHONE},
    {NULL, 0},
};
static const struct name_map role_map[] = {
    {"user", CT_ROLE_USER},
    {"assistant", CT_ROLE_ASSISTANT},
    {NULL, 0},
};
static const struct name_map trigger_map[] = {
    {"user", CT_TRIGGER_USER},
    {"assistant", CT_TRIGGER_ASSISTANT},
    {NULL, 0},
};
static const struct name_map webhook_map[] = {
    {"status-update", CT_WH_STATUS_UPDATE},
    {"conversation-update", CT_WH_CONVERSATION_UPDATE},
    {"end-of-call-report", CT_WH_END_OF_CALL_REPORT},
    {"hang", CT_WH_HANG},
    {"error", CT_WH_ERROR},
    {NULL, 0},
};

ct_status ct_status_parse(const char *s)
{
    return (ct_status)lookup(status_map, s, CT_STATUS_NONE, CT_STATUS_OTHER);
}
ct_phone_status ct_phone_status_parse(const char *s)
{
    return (ct_phone_status)lookup(phone_map, s, CT_PHONE_NONE, CT_PHONE_OTHER);
}
ct_direction ct_direction_parse(const char *s)
{
    return (ct_direction)lookup(dir_map, s, CT_DIR_NONE, CT_DIR_OTHER);
}
ct_call_type ct_call_type_parse(const char *s)
{
    return (ct_call_type)lookup(calltype_map, s, CT_CALLTYPE_NONE, CT_CALLTYPE_OTHER);
}
ct_role ct_role_parse(const char *s)
{
    return (ct_role)lookup(role_map, s, CT_ROLE_NONE, CT_ROLE_OTHER);
}
ct_trigger ct_trigger_parse(const char *s)
{
    return (ct_trigger)lookup(trigger_map, s, CT_TRIGGER_NONE, CT_TRIGGER_OTHER);
}
ct_webhook_type ct_webhook_type_parse(const char *s)
{
    return (ct_webhook_type)lookup(webhook_map, s, CT_WH_UNKNOWN, CT_WH_UNKNOWN);
}

const char *ct_status_name(ct_status v)
{
    switch (v) {
    case CT_STATUS_QUEUED: return "queued";
    case CT_STATUS_ONGOING: return "ongoing";
    case CT_STATUS_FORWARDED: return "forwarded";
    case CT_STATUS_FINISHED: return "finished";
    default: return "";
    }
}

const char *ct_phone_status_name(ct_phone_status v)
{
    switch (v) {
    case CT_PHONE_TRYING: return "trying";
    case CT_PHONE_EARLY_MEDIA: return "early-media";
    case CT_PHONE_RINGING: return "ringing";
    case CT_PHONE_IN_PROGRESS: return "in-progress";
    case CT_PHONE_BUSY: return "busy";
    case CT_PHONE_NO_ANSWER: return "no-answer";
    case CT_PHONE_FAILED: return "failed";
    case CT_PHONE_COMPLETED: return "completed";
    default: return "";
    }
}

const char *ct_direction_name(ct_direction v)
{
    switch (v) {
    case CT_DIR_INBOUND: return "inbound";
    case CT_DIR_OUTBOUND: return "outbound";
    default: return "";
    }
}

const char *ct_call_type_name(ct_call_type v)
{
    switch (v) {
    case CT_CALLTYPE_WEB: return "web";
    case CT_CALLTYPE_PHONE: return "phone";
    default: return "";
    }
}

const char *ct_role_name(ct_role v)
{
    switch (v) {
    case CT_ROLE_USER: return "user";
    case CT_ROLE_ASSISTANT: return "assistant";
    default: return "";
    }
}

const char *ct_trigger_name(ct_trigger v)
{
    switch (v) {
    case CT_TRIGGER_USER: return "user";
    case CT_TRIGGER_ASSISTANT: return "assistant";
    default: return "";
    }
}

const char *ct_webhook_type_name(ct_webhook_type t)
{
    switch (t) {
    case CT_WH_STATUS_UPDATE: return "status-update";
    case CT_WH_CONVERSATION_UPDATE: return "conversation-update";
    case CT_WH_END_OF_CALL_REPORT: return "end-of-call-report";
    case CT_WH_HANG: return "hang";
    case CT_WH_ERROR: return "error";
    default: return "";
    }
}

static const char *const action_names[CT_ACTION__COUNT] = {
    [CT_ACTION_SAY] = "say",   [CT_ACTION_END] = "end", [CT_ACTION_FORWARD] = "forward",
    [CT_ACTION_DTMF] = "dtmf", [CT_ACTION_SMS] = "sms",
};

bool ct_control_action_destructive(ct_control_action a)
{
    return a == CT_ACTION_END || a == CT_ACTION_FORWARD;
}

const char *ct_control_action_name(ct_control_action a)
{
    if ((int)a < 0 || a >= CT_ACTION__COUNT) return "";
    return action_names[a];
}

int ct_control_action_parse(const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < CT_ACTION__COUNT; i++)
        if (strcmp(action_names[i], s) == 0) return i;
    return -1;
}

bool ct_e164_valid(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
    size_t n = 0;
    for (const char *p = s + 1; *p; p++, n++)
        if (*p < '0' || *p > '9') return false;
    return n >= 2 && n <= 15;
}

bool ct_dtmf_valid(const char *s)
{
    if (!s || !*s) return false;
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789*#ABCD", *p)) return false;
    return true;
}
