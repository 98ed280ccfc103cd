/* form_model.h — the New-call form as pure state: fields, focus, live
 * validation, the Connect Call request it builds, and how a server error
 * lands next to the field it concerns. form.c draws it and sends the
 * request; this file does no I/O and no drawing, so it is tested alone.
 *
 * Focus stops, in Tab order:
 *   caller number (picker over outbound-enabled numbers; Left/Right/Space)
 *   customer number (E.164, validated as you type)
 *   customer name, assistant id (optional)
 *   first message, variables (optional assistantOverrides), assistant
 *     JSON file (optional inline assistant, read through m->read_file);
 *     reached by Tab/Down only — Enter's "next field" chain skips them,
 *     so the quick "n, number, Enter x3" flow is unchanged
 *   metadata rows: key, value, [x] (remove)   — repeated
 *   [+ metadata]  [Submit]  [Cancel]
 * Tab / Down go forward, Shift-Tab / Up back (wrapping). Enter moves to the
 * next text field, submits from the last text field or on [Submit], and
 * presses the focused button. Esc cancels, asking first when anything was
 * edited. A submit is never repeated by the model: after a failure the user
 * presses Enter again. */
#ifndef CALLTOP_TUI_FORM_MODEL_H
#define CALLTOP_TUI_FORM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"
#include "field.h"

#define CT_FORM_MAX_META      16
#define CT_FORM_ERR_MAX       200
#define CT_FORM_MAX_VARS      32
/* Byte limits of the override fields (the variables text is parsed into a
 * buffer of this size + 1). */
#define CT_FORM_FIRST_MSG_MAX 500
#define CT_FORM_VARS_TEXT_MAX 500

typedef enum ct_form_stop_kind {
    CT_FS_CALLER = 0,
    CT_FS_CUSTOMER,
    CT_FS_NAME,
    CT_FS_ASSISTANT,
    CT_FS_FIRST_MSG,      /* assistantOverrides.firstMessage */
    CT_FS_VARIABLES,      /* assistantOverrides.variableValues, "K=V, K=V" */
    CT_FS_ASSISTANT_FILE, /* a JSON file sent inline as "assistant" */
    CT_FS_META_KEY,
    CT_FS_META_VALUE,
    CT_FS_META_DEL,
    CT_FS_META_ADD,
    CT_FS_SUBMIT,
    CT_FS_CANCEL
} ct_form_stop_kind;

typedef struct ct_form_stop {
    ct_form_stop_kind kind;
    int row; /* metadata row */
} ct_form_stop;

/* Where an error is shown. */
typedef enum ct_form_slot {
    CT_FSLOT_CALLER = 0,
    CT_FSLOT_CUSTOMER,
    CT_FSLOT_NAME,
    CT_FSLOT_ASSISTANT,
    CT_FSLOT_FIRST_MSG,
    CT_FSLOT_VARIABLES,
    CT_FSLOT_ASSISTANT_FILE,
    CT_FSLOT_META, /* metadata as a whole */
    CT_FSLOT_FORM, /* the form-level line (network, auth, unknown field) */
    CT_FSLOT__COUNT
} ct_form_slot;

typedef enum ct_form_state {
    CT_FORM_EDITING = 0,
    CT_FORM_CONFIRM_DISCARD, /* "Discard this call? y/N" */
    CT_FORM_PENDING,         /* submitted; waiting for CALL_PLACED / REQUEST_FAILED */
    CT_FORM_CONFIRM_SEND,    /* valid: showing the exact request, focus on Cancel */
} ct_form_state;

/* What the caller of ct_form_model_key must do. */
enum {
    CT_FORM_R_NONE = 0,
    CT_FORM_R_REDRAW = 1 << 0,
    CT_FORM_R_SUBMIT = 1 << 1, /* validation passed: build the request and send it */
    CT_FORM_R_CLOSE = 1 << 2,  /* cancelled (or closed while pending) */
};

typedef struct ct_form_number {
    char *id;     /* phoneNumberId */
    char *number; /* sanitized for display */
    char *label;  /* sanitized, may be "" */
} ct_form_number;

typedef struct ct_form_meta {
    ct_field key, value;
    char error[CT_FORM_ERR_MAX];
} ct_form_meta;

typedef struct ct_form_model {
    ct_form_number *numbers; /* outbound-enabled only */
    size_t n_numbers;
    size_t n_numbers_all; /* before the outbound filter (for the hint) */
    bool numbers_loaded;
    int caller; /* index into numbers, -1 = none */

    ct_field customer, name, assistant;
    ct_field first_message, variables, assistant_file;
    /* Reads the assistant JSON file (set by the pane, which owns the I/O;
     * NULL: the field is refused). *out is malloc'd, NUL-terminated; on
     * failure err->detail says why in a few words. */
    ct_err (*read_file)(const char *path, char **out, ct_error *err);
    /* The file's text as the last ct_form_model_validate read it (owned;
     * dropped when the path is edited). */
    char *assistant_json;
    /* The variables field parsed by the last ct_form_model_validate (keys
     * and values point into vars_buf); dropped when the field is edited. */
    char vars_buf[3 * CT_FORM_VARS_TEXT_MAX + 3];
    ct_kv vars[CT_FORM_MAX_VARS];
    size_t n_vars;
    ct_form_meta meta[CT_FORM_MAX_META];
    size_t n_meta;

    size_t focus; /* index into the current stop list */
    ct_form_state state;
    uint64_t request_id; /* while PENDING */
    bool dirty;          /* something was edited (Esc asks) */
    bool submitted_once; /* show "required" errors only after a try */
    char error[CT_FSLOT__COUNT][CT_FORM_ERR_MAX];
    /* CONFIRM_SEND: the JSON body that will be POSTed to
     * CT_FORM_CONNECT_PATH (from the encoder the fetcher uses), and whether
     * focus is on [Place call] (false: on [Cancel], the default). */
    char *preview;
    bool confirm_on_place;
} ct_form_model;

/* The endpoint the form posts to, shown in the confirmation. */
#define CT_FORM_CONNECT_PATH "/calls/v1/conversations/connect"

void ct_form_model_init(ct_form_model *m);
void ct_form_model_clear(ct_form_model *m); /* frees; leaves an initialised model */

/* Offers the outbound-enabled numbers of a List Numbers result (NULL = not
 * loaded yet). Keeps the current choice when its id is still offered. */
void ct_form_model_set_numbers(ct_form_model *m, const ct_number_list *nl);

size_t ct_form_model_stops(const ct_form_model *m, ct_form_stop *out, size_t max);
ct_form_stop ct_form_model_focus(const ct_form_model *m);
/* Puts focus on a stop (no-op if it does not exist). */
void ct_form_model_set_focus(ct_form_model *m, ct_form_stop_kind kind, int row);
/* The text field behind a stop, NULL for the picker and buttons. */
ct_field *ct_form_model_field(ct_form_model *m, ct_form_stop s);

/* One key (pane.h codes). Returns CT_FORM_R_* flags. */
int ct_form_model_key(ct_form_model *m, int key);

/* The customer number's live verdict: NULL when valid, "" when empty (no
 * complaint yet), else a short reason ("must start with +", "digits only",
 * "too short", "too long", "country code cannot start with 0"). */
const char *ct_form_customer_hint(const char *s);

/* Parses the Variables field: "KEY=VALUE, KEY=VALUE" (items split on ',',
 * blanks around keys and values trimmed, an empty item — e.g. a trailing
 * comma — ignored; a value may be empty; "\," puts a comma in a value and
 * "\\" a backslash). buf (bufsz >= 3 * strlen(text) + 3) receives the
 * unescaped pieces, kv[0..*n) point into it. On a bad item returns false
 * with a one-line reason in err ("item 2 \"x\": expected KEY=VALUE",
 * "item 1: empty key", "duplicate key \"k\"", "more than N variables"). */
bool ct_form_parse_variables(const char *text, char *buf, size_t bufsz, ct_kv *kv, size_t max,
                             size_t *n, char *err, size_t errsz);

/* Checks every field, fills the error slots, moves focus to the first bad
 * field. True when the form can be sent. A non-empty assistant JSON path is
 * read here through m->read_file (its JSON is checked by the encoder on
 * submit; an encoder complaint about "assistant" lands on this field). */
bool ct_form_model_validate(ct_form_model *m);

/* Builds the request; pointers refer into m (valid until the next edit).
 * kv must hold CT_FORM_MAX_META entries. Empty metadata rows are skipped.
 * The variables are the ones the last ct_form_model_validate parsed (a
 * submit always validates first). */
void ct_form_model_request(const ct_form_model *m, ct_connect_request *out, ct_kv *kv);

/* A valid submit does not send: it opens the confirmation (state
 * CONFIRM_SEND, like the e/f dialogs) showing "POST CT_FORM_CONNECT_PATH"
 * and m->preview, with focus on [Cancel]. There Tab / arrows move between
 * [Cancel] and [Place call]; Enter on [Cancel] or Esc goes back to the
 * filled form; Enter on [Place call] returns CT_FORM_R_SUBMIT; every other
 * key is swallowed (typed-ahead text never places a call). */

/* The request left with this id: state PENDING. */
void ct_form_model_sent(ct_form_model *m, uint64_t request_id);
/* The request failed (before sending: request_id 0, or later): back to
 * EDITING with every field kept and the error placed by err->field. */
void ct_form_model_failed(ct_form_model *m, const ct_error *err);
/* Which slot an API field name belongs to ("customer.number" ->
 * CUSTOMER, "body.phoneNumberId" -> CALLER, "metadata.foo" -> META, unknown
 * -> FORM); *meta_row gets the metadata row a "metadata.<key>" names, or -1. */
ct_form_slot ct_form_slot_for_field(const ct_form_model *m, const char *field, int *meta_row);
/* Outcome routing: true when request_id is this form's pending request. */
bool ct_form_model_owns(const ct_form_model *m, uint64_t request_id);

#endif
