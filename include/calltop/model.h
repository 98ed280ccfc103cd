/* model.h — Interactly's objects as plain C structs, and their JSON codecs.
 *
 * Pure: no I/O, no globals. Decoders are tolerant by design (Interactly's
 * documented examples vary): unknown fields are ignored, unknown enum
 * values are kept as text (the *_text members) with the enum set to *_OTHER,
 * missing fields stay absent (NULL / 0 / bit clear in `present`), timestamps
 * are accepted as ISO-8601 strings or epoch-millisecond numbers, ids are
 * opaque strings. A field with the wrong JSON type fails the decode with
 * CT_ETYPE and an error whose detail names the field path
 * ("conversations[3].startAt: expected string or number, got object").
 * Strings are copied verbatim (control characters and invalid UTF-8 are kept;
 * the UI sanitizes for display, see sanitize.h).
 *
 * Ownership: every struct owns its strings and arrays; free with the
 * matching *_free / *_clear function. *_clear leaves a zeroed struct. */
#ifndef CALLTOP_MODEL_H
#define CALLTOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "calltop/err.h"

/* Milliseconds since the Unix epoch, UTC. 0 means "absent". */
typedef int64_t ct_time_ms;
/* 9999-12-31T23:59:59.999Z: the largest timestamp decoders accept. */
#define CT_TIME_MAX_MS INT64_C(253402300799999)
/* The longest call id (bytes, without the NUL) anything accepts. Enforced
 * where ids enter: decoding a call (ct_call_from_json: a longer id is a
 * CT_EVALUE on "id") and building a request for an id (get, control), so a
 * buffer of CT_CALL_ID_BUF bytes always holds a whole id: a copy can never
 * cut one short and aim a control request at another call. Interactly's
 * ids are far shorter (24-36 characters). */
#define CT_CALL_ID_MAX 127
#define CT_CALL_ID_BUF (CT_CALL_ID_MAX + 1)

typedef enum {
    CT_STATUS_NONE = 0,
    CT_STATUS_QUEUED,
    CT_STATUS_ONGOING,
    CT_STATUS_FORWARDED,
    CT_STATUS_FINISHED /* also "completed" */,
    CT_STATUS_OTHER
} ct_status;
typedef enum {
    CT_PHONE_NONE = 0,
    CT_PHONE_TRYING,
    CT_PHONE_EARLY_MEDIA,
    CT_PHONE_RINGING,
    CT_PHONE_IN_PROGRESS,
    CT_PHONE_BUSY,
    CT_PHONE_NO_ANSWER,
    CT_PHONE_FAILED,
    CT_PHONE_COMPLETED,
    CT_PHONE_OTHER
} ct_phone_status;
typedef enum { CT_DIR_NONE = 0, CT_DIR_INBOUND, CT_DIR_OUTBOUND, CT_DIR_OTHER } ct_direction;
typedef enum {
    CT_CALLTYPE_NONE = 0,
    CT_CALLTYPE_WEB,
    CT_CALLTYPE_PHONE,
    CT_CALLTYPE_OTHER
} ct_call_type;
typedef enum { CT_ROLE_NONE = 0, CT_ROLE_USER, CT_ROLE_ASSISTANT, CT_ROLE_OTHER } ct_role;
typedef enum {
    CT_TRIGGER_NONE = 0,
    CT_TRIGGER_USER,
    CT_TRIGGER_ASSISTANT,
    CT_TRIGGER_OTHER
} ct_trigger;

/* Enum <-> wire text. *_parse never fails: unknown text gives *_OTHER,
 * NULL gives *_NONE. *_name gives the canonical wire text ("finished" for
 * CT_STATUS_FINISHED), or "" for NONE/OTHER. */
ct_status ct_status_parse(const char *s);
ct_phone_status ct_phone_status_parse(const char *s);
ct_direction ct_direction_parse(const char *s);
ct_call_type ct_call_type_parse(const char *s);
ct_role ct_role_parse(const char *s);
ct_trigger ct_trigger_parse(const char *s);
const char *ct_status_name(ct_status v);
const char *ct_phone_status_name(ct_phone_status v);
const char *ct_direction_name(ct_direction v);
const char *ct_call_type_name(ct_call_type v);
const char *ct_role_name(ct_role v);
const char *ct_trigger_name(ct_trigger v);

/* Timestamps: ISO-8601 ("2020-10-05T00:00:00.000Z", with or without
 * fraction, 'Z' or ±hh:mm offset) -> epoch ms. Returns CT_OK or CT_EVALUE.
 * Also accepted: 1-9 fraction digits (truncated to ms), ±hhmm / ±hh, 't' or
 * ' ' as separator, no zone at all (read as UTC). Rejected: impossible
 * dates/times, anything before 1970 or after CT_TIME_MAX_MS.
 * In JSON, a timestamp may also be a number or an all-digit string of epoch
 * ms (finite, >= 0, <= CT_TIME_MAX_MS; a fraction is truncated). */
ct_err ct_time_parse_iso(const char *s, ct_time_ms *out);
/* epoch ms -> "2020-10-05T00:00:00.000Z"; buf must hold >= 25 bytes. */
void ct_time_format_iso(ct_time_ms t, char *buf, size_t len);

/* ---- transcript ---------------------------------------------------------- */
typedef struct ct_message {
    char *message_id; /* from `messageId`; when absent the decoder synthesizes a
                             stable id "~<timestamp>-<role>-<fnv1a64(text) hex>" so
                             full-history re-deliveries still deduplicate */
    ct_role role;
    char *role_text; /* raw `role` */
    char *text;
    ct_time_ms timestamp; /* ISO or epoch ms on the wire */
} ct_message;

void ct_message_clear(ct_message *m);
ct_err ct_message_copy(ct_message *dst, const ct_message *src);
bool ct_message_equal(const ct_message *a, const ct_message *b);

/* ---- analysis ------------------------------------------------------------ */
typedef struct ct_analysis {
    bool present;
    char *summary;
    char *success_evaluation;   /* "success" (REST) or Excellent/Good/Fair/Poor (reports) */
    char *structured_data_json; /* compact JSON text of `structuredData`, NULL if absent */
    char *outcome;              /* string as is; any other JSON type as compact JSON text */
    char *guardrails_json;      /* compact JSON text, NULL if absent */
} ct_analysis;

void ct_analysis_clear(ct_analysis *a);
ct_err ct_analysis_copy(ct_analysis *dst, const ct_analysis *src);
bool ct_analysis_equal(const ct_analysis *a, const ct_analysis *b);
/* `analysis` object <-> struct. successEvaluation and outcome keep a string
 * as is and a number/boolean (outcome: any JSON) as its JSON text. */
ct_err ct_analysis_from_json(const cJSON *obj, ct_analysis *out, const char *path, ct_error *err);
cJSON *ct_analysis_to_json(const ct_analysis *a);

/* ---- the call ------------------------------------------------------------ */
/* Bits of ct_call.present: which fields the decoded JSON actually carried.
 * Merging (ct_call_merge, the store) copies only present fields, so a
 * partial webhook `call` object never blanks what an earlier event set. */
enum {
    CT_F_ID = 1u << 0,
    CT_F_TEAM = 1u << 1,
    CT_F_ASSISTANT_ID = 1u << 2,
    CT_F_PHONE_NUMBER_ID = 1u << 3,
    CT_F_CALL_TYPE = 1u << 4,
    CT_F_DIRECTION = 1u << 5,
    CT_F_START = 1u << 6,
    CT_F_END = 1u << 7,
    CT_F_CREATED = 1u << 8,
    CT_F_UPDATED = 1u << 9,
    CT_F_USER_NUMBER = 1u << 10,
    CT_F_ASSISTANT_NUMBER = 1u << 11,
    CT_F_STATUS = 1u << 12,
    CT_F_PHONE_STATUS = 1u << 13,
    CT_F_PHONE_STATUS_REASON = 1u << 14,
    CT_F_END_TRIGGER = 1u << 15,
    CT_F_CONTROL_URL = 1u << 16,
    CT_F_ANALYSIS = 1u << 17,
    CT_F_METADATA = 1u << 18,
    CT_F_COST = 1u << 19,
    CT_F_METRICS = 1u << 20,
    CT_F_RECORDING = 1u << 21,
    CT_F_MESSAGES = 1u << 22,
    CT_F_CUSTOMER_NAME = 1u << 23,
    CT_F_ASSISTANT_NAME = 1u << 24,
};

typedef struct ct_call {
    uint32_t present; /* CT_F_* bits */
    char *id;         /* opaque: UUID, CC-<uuid>, WC-<uuid> */
    char *team_id, *assistant_id, *phone_number_id;
    ct_call_type call_type;
    char *call_type_text;
    ct_direction direction;
    char *direction_text;
    ct_time_ms start_at, end_at, created_at, updated_at;
    char *user_number, *assistant_number;
    ct_status status;
    char *status_text;
    ct_phone_status phone_status;
    char *phone_status_text;
    char *phone_status_reason;
    ct_trigger end_trigger;
    char *end_trigger_text;
    char *control_url;    /* monitor.controlUrl — display only, never sent a token */
    char *customer_name;  /* customer.name (webhooks / connect echo) */
    char *assistant_name; /* assistant.name when an envelope carries it */
    ct_analysis analysis;
    char *metadata_json; /* compact JSON object text */
    char *cost_json, *metrics_json, *recording_json;
    ct_message *messages; /* in wire order; only with CT_F_MESSAGES */
    size_t n_messages;
} ct_call;

void ct_call_clear(ct_call *c);
ct_err ct_call_copy(ct_call *dst, const ct_call *src);
/* Copies every field present in src over dst (messages are NOT merged here;
 * the store merges transcripts by messageId) and ORs src's present bits into
 * dst's, except CT_F_MESSAGES. The analysis merges member by member (a
 * summary-only analysis keeps dst's outcome). */
ct_err ct_call_merge(ct_call *dst, const ct_call *src);
/* Field-by-field equality, messages included (tests, dedup). */
bool ct_call_equal(const ct_call *a, const ct_call *b);

/* Live: status queued/ongoing, or phone status trying/early-media/ringing/
 * in-progress. A forwarded call counts as live unless it has an end time.
 * A finished call is never live, whatever a stale phoneCallStatus says. */
bool ct_call_is_live(const ct_call *c);
/* busy / no-answer / failed. */
bool ct_call_is_failed_attempt(const ct_call *c);

/* Decoders. `path` prefixes field names in error details (may be NULL).
 * `metadata` must be an object; cost/metrics/recording may be any JSON.
 * ct_call_decode (Get Call / Connect response) also requires `id`
 * (CT_EMISSING); ct_call_from_json does not (partial webhook calls). */
ct_err ct_call_from_json(const cJSON *obj, ct_call *out, const char *path, ct_error *err);
ct_err ct_call_decode(const char *json, size_t len, ct_call *out, ct_error *err);
/* Encodes every present field with wire names (timestamps as ISO strings). */
cJSON *ct_call_to_json(const ct_call *c);

ct_err ct_message_from_json(const cJSON *obj, ct_message *out, const char *path, ct_error *err);
/* Decodes an array of messages. */
ct_err ct_messages_from_json(const cJSON *arr, ct_message **out, size_t *n, const char *path,
                             ct_error *err);
void ct_messages_free(ct_message *msgs, size_t n);
cJSON *ct_message_to_json(const ct_message *m, bool epoch_ms /* webhook form */);

/* ---- list calls response ------------------------------------------------- */
typedef struct ct_call_list {
    long total_count; /* `totalCount`, -1 when absent */
    ct_call *calls;
    size_t n_calls;
    size_t n_skipped;    /* items that failed to decode and were skipped */
    ct_error first_skip; /* why the first skipped item was skipped */
} ct_call_list;

/* A whole-document failure (not JSON, `conversations` not an array) is an
 * error; a bad item is skipped and counted so one odd call never hides the
 * board. */
ct_err ct_call_list_decode(const char *json, size_t len, ct_call_list *out, ct_error *err);
void ct_call_list_clear(ct_call_list *l);

/* ---- phone numbers ------------------------------------------------------- */
typedef struct ct_number {
    char *id; /* `_id` */
    char *team_id, *number, *provider_name, *assistant_id, *label;
    bool inbound_enabled, outbound_enabled;
} ct_number;

typedef struct ct_number_list {
    ct_number *items;
    size_t n;
    size_t n_skipped;    /* items that failed to decode and were skipped */
    ct_error first_skip; /* why the first skipped item was skipped */
} ct_number_list;
/* The document must be a JSON array (else CT_EJSON / CT_ETYPE); a bad item
 * is skipped and counted. Absent inbound/outboundEnabled read as false. */
ct_err ct_number_list_decode(const char *json, size_t len, ct_number_list *out, ct_error *err);
ct_err ct_number_from_json(const cJSON *obj, ct_number *out, const char *path, ct_error *err);
void ct_number_list_clear(ct_number_list *l);
void ct_number_clear(ct_number *n);
cJSON *ct_number_to_json(const ct_number *n);

/* ---- assistant (GET /assistants/v1/assistants/{id}) ---------------------- */
typedef struct ct_assistant {
    char *id;
    char *name;
    char *raw_json;
} ct_assistant;
ct_err ct_assistant_decode(const char *json, size_t len, ct_assistant *out, ct_error *err);
void ct_assistant_clear(ct_assistant *a);

/* ---- requests ------------------------------------------------------------ */
typedef struct ct_kv {
    char *key;
    char *value;
} ct_kv;

typedef struct ct_connect_request {
    const char *phone_number_id; /* required */
    const char *customer_number; /* required, E.164 */
    const char *customer_name;   /* optional */
    const char *assistant_id;    /* optional */
    const ct_kv *metadata;
    size_t n_metadata;
    /* Optional, issue 15: assistantOverrides.firstMessage and
     * assistantOverrides.variableValues (strings), and a one-off inline
     * `assistant` given as JSON text, which must be an object (the API:
     * when both are sent, `assistant` wins over assistantId). */
    const char *first_message;
    const ct_kv *variables;
    size_t n_variables;
    const char *assistant_json;
} ct_connect_request;

typedef struct ct_create_request {
    const char *user_number, *assistant_number; /* E.164, required */
    const char *assistant_id;                   /* optional */
    const ct_kv *metadata;
    size_t n_metadata;
} ct_create_request;

typedef enum {
    CT_ACTION_SAY = 0,
    CT_ACTION_END,
    CT_ACTION_FORWARD,
    CT_ACTION_DTMF,
    CT_ACTION_SMS,
    CT_ACTION__COUNT
} ct_control_action;

typedef struct ct_control_request {
    ct_control_action action;
    const char *argument; /* say/sms text, end closing line (may be NULL/""), forward
                              E.164, dtmf digits [0-9*#A-D] */
} ct_control_request;

const char *ct_control_action_name(ct_control_action a); /* "say", "end", ... */
/* The one definition of a destructive action: it ends the call or moves it
 * away (end, forward), and cannot be undone. Its confirmation defaults to
 * Cancel and it is drawn in the destructive colour (help, hints, dialogs). */
bool ct_control_action_destructive(ct_control_action a);
int ct_control_action_parse(const char *s); /* -1 when unknown */

/* E.164: '+' then 2..15 digits, first digit 1-9. */
bool ct_e164_valid(const char *s);
bool ct_dtmf_valid(const char *s);

/* Validate then encode to a compact JSON body (caller frees with free()).
 * Validation failures return CT_EVALUE with err->field set to the wire field
 * ("customer.number", "message", "phoneNumberId"). */
ct_err ct_connect_request_encode(const ct_connect_request *r, char **body, ct_error *err);
ct_err ct_create_request_encode(const ct_create_request *r, char **body, ct_error *err);
/* THE one place that maps an action to the documented control payload
 * {"type": ..., "message": ...} — see docs/interactly-api.md "Control call". */
ct_err ct_control_request_encode(const ct_control_request *r, char **body, ct_error *err);
/* Decoders for the same bodies (used by the simulator). */
ct_err ct_connect_request_decode(const char *json, size_t len, cJSON **out, ct_error *err);
/* Reads a Control body back with the same argument rules as the encoder;
 * *message is malloc'd ("" for an end without one). */
ct_err ct_control_request_decode(const char *json, size_t len, ct_control_action *action,
                                 char **message, ct_error *err);

/* ---- webhooks ------------------------------------------------------------ */
typedef enum {
    CT_WH_UNKNOWN = 0,
    CT_WH_STATUS_UPDATE,
    CT_WH_CONVERSATION_UPDATE,
    CT_WH_END_OF_CALL_REPORT,
    CT_WH_HANG,
    CT_WH_ERROR
} ct_webhook_type;

const char *ct_webhook_type_name(ct_webhook_type t);
ct_webhook_type ct_webhook_type_parse(const char *s);

typedef struct ct_call_error {
    bool present;
    char *type; /* "llm_error" | "stt_error" | other, as text */
    char *code, *message, *provider;
    bool retryable;
} ct_call_error;

void ct_call_error_clear(ct_call_error *e);
ct_err ct_call_error_copy(ct_call_error *dst, const ct_call_error *src);

typedef struct ct_webhook {
    ct_webhook_type type;
    char *type_text;
    ct_time_ms timestamp; /* message.timestamp */
    /* Normalised call: `message.call`, plus status from `message.status`
     * when the call lacks it, messages from `message.messages` or
     * `call.messages` (whichever is present; message.* wins), analysis from
     * `message.analysis`, cost/metrics/recording from `message.*`, customer
     * name from `message.customer.name`, assistant name from
     * `message.assistant.name`, and call.id from `message.call.id`. */
    ct_call call;
    ct_call_error error; /* only for CT_WH_ERROR */
} ct_webhook;

/* Fails with CT_EMISSING when there is no `message` object, no `type`, or no
 * call id; with CT_ETYPE naming the field for wrong types. */
ct_err ct_webhook_decode(const char *json, size_t len, ct_webhook *out, ct_error *err);
void ct_webhook_clear(ct_webhook *w);
/* Encodes the documented envelope {"message":{...}} (used by the simulator;
 * messages go under message.messages with epoch-ms timestamps). Member
 * order: timestamp (when non-zero), type, call, messages, analysis, cost,
 * metrics, recording, error (CT_WH_ERROR only), customer, assistant; each
 * only when present, whatever the type, so decode(encode(w)) == w. */
cJSON *ct_webhook_to_json(const ct_webhook *w);

#endif
