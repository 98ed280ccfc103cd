/* form_model.c — New-call form state, validation and error placement (see
 * form_model.h). The stop list is derived from the state on every call
 * rather than stored, so adding or removing a metadata row can never leave
 * focus pointing at a stop that no longer exists. */
#include "form_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/sanitize.h"
#include "pane.h"
#include "text.h"

#define MAX_STOPS (7 + 3 * CT_FORM_MAX_META + 3)

void ct_form_model_init(ct_form_model *m)
{
    memset(m, 0, sizeof *m);
    m->caller = -1;
    ct_field_init(&m->customer, 32);
    ct_field_init(&m->name, 200);
    ct_field_init(&m->assistant, 128);
    ct_field_init(&m->first_message, CT_FORM_FIRST_MSG_MAX);
    ct_field_init(&m->variables, CT_FORM_VARS_TEXT_MAX);
    ct_field_init(&m->assistant_file, 400);
}

static void free_numbers(ct_form_model *m)
{
    for (size_t i = 0; i < m->n_numbers; i++) {
        free(m->numbers[i].id);
        free(m->numbers[i].number);
        free(m->numbers[i].label);
    }
    free(m->numbers);
    m->numbers = NULL;
    m->n_numbers = 0;
}

void ct_form_model_clear(ct_form_model *m)
{
    free(m->assistant_json);
    free(m->preview);
    free_numbers(m);
    ct_form_model_init(m);
}

void ct_form_model_set_numbers(ct_form_model *m, const ct_number_list *nl)
{
    char *keep = (m->caller >= 0 && (size_t)m->caller < m->n_numbers)
        ? strdup(m->numbers[m->caller].id)
        : NULL;
    free_numbers(m);
    m->caller = -1;
    m->numbers_loaded = nl != NULL;
    m->n_numbers_all = nl ? nl->n : 0;
    if (nl && nl->n) m->numbers = calloc(nl->n, sizeof *m->numbers);
    if (nl && nl->n && !m->numbers) {
        m->numbers_loaded = false; /* OOM: looks like "still loading", never a crash */
        free(keep);
        return;
    }
    for (size_t i = 0; nl && i < nl->n; i++) {
        const ct_number *n = &nl->items[i];
        if (!n->outbound_enabled || !n->id || !*n->id) continue;
        ct_form_number *d = &m->numbers[m->n_numbers];
        d->id = strdup(n->id);
        d->number = ct_sanitize_dup(n->number, false);
        d->label = ct_sanitize_dup(n->label, false);
        if (!d->id || !d->number || !d->label) {
            free(d->id);
            free(d->number);
            free(d->label);
            memset(d, 0, sizeof *d);
            continue;
        }
        if (keep && strcmp(keep, d->id) == 0) m->caller = (int)m->n_numbers;
        m->n_numbers++;
    }
    if (m->caller < 0 && m->n_numbers > 0) m->caller = 0;
    free(keep);
    if (m->caller >= 0) m->error[CT_FSLOT_CALLER][0] = '\0';
}

size_t ct_form_model_stops(const ct_form_model *m, ct_form_stop *out, size_t max)
{
    size_t n = 0;
#define PUSH(k, r)             \
    do {                       \
        if (n < max) {         \
            out[n].kind = (k); \
            out[n].row = (r);  \
        }                      \
        n++;                   \
    } while (0)
    PUSH(CT_FS_CALLER, 0);
    PUSH(CT_FS_CUSTOMER, 0);
    PUSH(CT_FS_NAME, 0);
    PUSH(CT_FS_ASSISTANT, 0);
    PUSH(CT_FS_FIRST_MSG, 0);
    PUSH(CT_FS_VARIABLES, 0);
    PUSH(CT_FS_ASSISTANT_FILE, 0);
    for (size_t i = 0; i < m->n_meta; i++) {
        PUSH(CT_FS_META_KEY, (int)i);
        PUSH(CT_FS_META_VALUE, (int)i);
        PUSH(CT_FS_META_DEL, (int)i);
    }
    if (m->n_meta < CT_FORM_MAX_META) PUSH(CT_FS_META_ADD, 0);
    PUSH(CT_FS_SUBMIT, 0);
    PUSH(CT_FS_CANCEL, 0);
#undef PUSH
    return n;
}

ct_form_stop ct_form_model_focus(const ct_form_model *m)
{
    ct_form_stop s[MAX_STOPS];
    size_t n = ct_form_model_stops(m, s, MAX_STOPS);
    return s[m->focus < n ? m->focus : n - 1];
}

void ct_form_model_set_focus(ct_form_model *m, ct_form_stop_kind kind, int row)
{
    ct_form_stop s[MAX_STOPS];
    size_t n = ct_form_model_stops(m, s, MAX_STOPS);
    for (size_t i = 0; i < n; i++)
        if (s[i].kind == kind && s[i].row == row) {
            m->focus = i;
            return;
        }
}

ct_field *ct_form_model_field(ct_form_model *m, ct_form_stop s)
{
    switch (s.kind) {
    case CT_FS_CUSTOMER: return &m->customer;
    case CT_FS_NAME: return &m->name;
    case CT_FS_ASSISTANT: return &m->assistant;
    case CT_FS_FIRST_MSG: return &m->first_message;
    case CT_FS_VARIABLES: return &m->variables;
    case CT_FS_ASSISTANT_FILE: return &m->assistant_file;
    case CT_FS_META_KEY:
        return s.row >= 0 && (size_t)s.row < m->n_meta ? &m->meta[s.row].key : NULL;
    case CT_FS_META_VALUE:
        return s.row >= 0 && (size_t)s.row < m->n_meta ? &m->meta[s.row].value : NULL;
    default: return NULL;
    }
}

const char *ct_form_customer_hint(const char *s)
{
    if (!s || !*s) return "";
    if (s[0] != '+') return "must start with +";
    size_t digits = 0;
    for (const char *p = s + 1; *p; p++) {
        if (*p < '0' || *p > '9') return "digits only after +";
        digits++;
    }
    if (digits == 0) return "too short";
    if (s[1] == '0') return "country code cannot start with 0";
    if (digits < 2) return "too short";
    if (digits > 15) return "too long (max 15 digits)";
    /* The core's rule is the authority; this only explains it. */
    return ct_e164_valid(s) ? NULL : "not an E.164 number";
}

static void set_err(char *slot, const char *fmt, const char *arg)
{
    snprintf(slot, CT_FORM_ERR_MAX, fmt, arg);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies one unescaped piece of text[*i..] up to an unescaped ',' or (when
 * stop_at_eq) '=', trimming blanks; returns where it starts in buf. */
static char *take_piece(const char *text, size_t *i, char *buf, size_t *o, bool stop_at_eq)
{
    while (is_blank(text[*i])) (*i)++;
    char *start = buf + *o;
    size_t keep = *o; /* end of the last non-blank (or escaped) character */
    while (text[*i] && text[*i] != ',' && !(stop_at_eq && text[*i] == '=')) {
        char c = text[*i];
        if (c == '\\' && (text[*i + 1] == ',' || text[*i + 1] == '\\')) {
            buf[(*o)++] = text[*i + 1];
            *i += 2;
            keep = *o; /* an escaped character is never trimmed */
            continue;
        }
        buf[(*o)++] = c;
        (*i)++;
        if (!is_blank(c)) keep = *o;
    }
    *o = keep;
    buf[(*o)++] = '\0';
    return start;
}

bool ct_form_parse_variables(const char *text, char *buf, size_t bufsz, ct_kv *kv, size_t max,
                             size_t *n, char *err, size_t errsz)
{
    *n = 0;
    if (err && errsz) err[0] = '\0';
    if (!text) text = "";
    /* Output bytes never exceed input bytes; on top come two NULs per item
     * and there are at most strlen + 1 items. */
    if (bufsz < 3 * strlen(text) + 3) {
        if (err) snprintf(err, errsz, "too long");
        return false;
    }
    size_t i = 0, o = 0;
    for (int item = 1;; item++) {
        size_t item_start = i;
        char *key = take_piece(text, &i, buf, &o, true);
        bool has_eq = text[i] == '=';
        char *value = NULL;
        if (has_eq) {
            i++;
            value = take_piece(text, &i, buf, &o, false);
        }
        if (!has_eq && *key) {
            if (err) {
                /* Show the item as typed (up to 40 bytes) so it can be found. */
                int len = (int)(i - item_start);
                while (len > 0 && is_blank(text[item_start])) item_start++, len--;
                snprintf(err, errsz, "item %d \"%.*s\": expected KEY=VALUE", item,
                         len > 40 ? 40 : len, text + item_start);
            }
            return false;
        }
        if (has_eq && !*key) {
            if (err) snprintf(err, errsz, "item %d: empty key before '='", item);
            return false;
        }
        if (has_eq) {
            for (size_t j = 0; j < *n; j++)
                if (strcmp(kv[j].key, key) == 0) {
                    if (err) snprintf(err, errsz, "duplicate key \"%.60s\"", key);
                    return false;
                }
            if (*n >= max) {
                if (err) snprintf(err, errsz, "more than %zu variables", max);
                return false;
            }
            kv[*n].key = key;
            kv[*n].value = value;
            (*n)++;
        }
        if (!text[i]) break;
        i++; /* the ',' */
    }
    return true;
}

bool ct_form_model_validate(ct_form_model *m)
{
    for (int i = 0; i < CT_FSLOT__COUNT; i++) m->error[i][0] = '\0';
    for (size_t i = 0; i < m->n_meta; i++) m->meta[i].error[0] = '\0';
    m->submitted_once = true;
    ct_form_stop first = {CT_FS_SUBMIT, 0};
    bool ok = true;
#define BAD(k_, r_)            \
    do {                       \
        if (ok) {              \
            first.kind = (k_); \
            first.row = (r_);  \
        }                      \
        ok = false;            \
    } while (0)
    if (m->caller < 0 || (size_t)m->caller >= m->n_numbers) {
        if (!m->numbers_loaded)
            set_err(m->error[CT_FSLOT_CALLER], "%snumbers are still loading", "");
        else if (m->n_numbers_all > 0)
            set_err(m->error[CT_FSLOT_CALLER],
                    "%snone of the account's numbers allows outbound calls", "");
        else set_err(m->error[CT_FSLOT_CALLER], "%sthe account has no phone numbers", "");
        BAD(CT_FS_CALLER, 0);
    }
    const char *hint = ct_form_customer_hint(ct_field_text(&m->customer));
    if (hint) {
        set_err(m->error[CT_FSLOT_CUSTOMER], "%s", *hint ? hint : "required");
        BAD(CT_FS_CUSTOMER, 0);
    }
    char verr[CT_FORM_ERR_MAX];
    if (!ct_form_parse_variables(ct_field_text(&m->variables), m->vars_buf, sizeof m->vars_buf,
                                 m->vars, CT_FORM_MAX_VARS, &m->n_vars, verr, sizeof verr)) {
        m->n_vars = 0;
        set_err(m->error[CT_FSLOT_VARIABLES], "%s", verr);
        BAD(CT_FS_VARIABLES, 0);
    }
    free(m->assistant_json);
    m->assistant_json = NULL;
    if (!ct_field_empty(&m->assistant_file)) {
        ct_error rerr;
        ct_error_clear(&rerr);
        if (!m->read_file) {
            set_err(m->error[CT_FSLOT_ASSISTANT_FILE], "%sfiles cannot be read here", "");
            BAD(CT_FS_ASSISTANT_FILE, 0);
        } else if (m->read_file(ct_field_text(&m->assistant_file), &m->assistant_json, &rerr) !=
                   CT_OK) {
            m->assistant_json = NULL;
            /* cut to the slot (the detail may be long, e.g. a strerror) */
            ct_text_truncate(rerr.detail[0] ? rerr.detail : "cannot read it", CT_FORM_ERR_MAX,
                             m->error[CT_FSLOT_ASSISTANT_FILE], CT_FORM_ERR_MAX);
            BAD(CT_FS_ASSISTANT_FILE, 0);
        }
    }
    for (size_t i = 0; i < m->n_meta; i++) {
        const char *k = ct_field_text(&m->meta[i].key);
        if (!*k) {
            if (ct_field_empty(&m->meta[i].value)) continue; /* blank row: ignored */
            set_err(m->meta[i].error, "%skey required", "");
            BAD(CT_FS_META_KEY, (int)i);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(k, ct_field_text(&m->meta[j].key)) == 0) {
                set_err(m->meta[i].error, "duplicate key \"%s\"", k);
                BAD(CT_FS_META_KEY, (int)i);
                break;
            }
        }
    }
#undef BAD
    if (!ok) ct_form_model_set_focus(m, first.kind, first.row);
    return ok;
}

void ct_form_model_request(const ct_form_model *m, ct_connect_request *out, ct_kv *kv)
{
    memset(out, 0, sizeof *out);
    if (m->caller >= 0 && (size_t)m->caller < m->n_numbers)
        out->phone_number_id = m->numbers[m->caller].id;
    out->customer_number = ct_field_text(&m->customer);
    out->customer_name = ct_field_empty(&m->name) ? NULL : ct_field_text(&m->name);
    out->assistant_id = ct_field_empty(&m->assistant) ? NULL : ct_field_text(&m->assistant);
    size_t n = 0;
    for (size_t i = 0; i < m->n_meta; i++) {
        if (ct_field_empty(&m->meta[i].key)) continue;
        /* ct_kv is not const-qualified; the encoder only reads it. */
        kv[n].key = (char *)ct_field_text(&m->meta[i].key);
        kv[n].value = (char *)ct_field_text(&m->meta[i].value);
        n++;
    }
    out->metadata = n ? kv : NULL;
    out->n_metadata = n;
    out->first_message =
        ct_field_empty(&m->first_message) ? NULL : ct_field_text(&m->first_message);
    out->variables = m->n_vars ? m->vars : NULL;
    out->n_variables = m->n_vars;
    out->assistant_json = m->assistant_json;
}

static void drop_preview(ct_form_model *m)
{
    free(m->preview);
    m->preview = NULL;
    m->confirm_on_place = false;
}

void ct_form_model_sent(ct_form_model *m, uint64_t request_id)
{
    drop_preview(m);
    m->state = CT_FORM_PENDING;
    m->request_id = request_id;
    m->error[CT_FSLOT_FORM][0] = '\0';
}

bool ct_form_model_owns(const ct_form_model *m, uint64_t request_id)
{
    return m->state == CT_FORM_PENDING && request_id != 0 && request_id == m->request_id;
}

ct_form_slot ct_form_slot_for_field(const ct_form_model *m, const char *field, int *meta_row)
{
    if (meta_row) *meta_row = -1;
    if (!field || !*field) return CT_FSLOT_FORM;
    /* A 422's loc often starts with "body". */
    if (strncmp(field, "body.", 5) == 0) field += 5;
    if (strcmp(field, "customer.number") == 0 || strcmp(field, "customer") == 0 ||
        strcmp(field, "userNumber") == 0)
        return CT_FSLOT_CUSTOMER;
    if (strcmp(field, "customer.name") == 0) return CT_FSLOT_NAME;
    if (strcmp(field, "phoneNumberId") == 0) return CT_FSLOT_CALLER;
    /* "assistant" is the inline assistant when a file was given (the
     * encoder's verdict on its JSON), else the id. */
    if (strcmp(field, "assistant") == 0 && !ct_field_empty(&m->assistant_file))
        return CT_FSLOT_ASSISTANT_FILE;
    if (strcmp(field, "assistantId") == 0 || strcmp(field, "assistant") == 0)
        return CT_FSLOT_ASSISTANT;
    if (strcmp(field, "assistantOverrides.firstMessage") == 0) return CT_FSLOT_FIRST_MSG;
    if (strncmp(field, "assistantOverrides.variableValues", 33) == 0 &&
        (field[33] == '\0' || field[33] == '.'))
        return CT_FSLOT_VARIABLES;
    if (strncmp(field, "metadata", 8) == 0 && (field[8] == '\0' || field[8] == '.')) {
        if (field[8] == '.' && meta_row) {
            for (size_t i = 0; i < m->n_meta; i++)
                if (strcmp(field + 9, ct_field_text(&m->meta[i].key)) == 0) {
                    *meta_row = (int)i;
                    break;
                }
        }
        return CT_FSLOT_META;
    }
    return CT_FSLOT_FORM;
}

void ct_form_model_failed(ct_form_model *m, const ct_error *err)
{
    drop_preview(m);
    m->state = CT_FORM_EDITING;
    m->request_id = 0;
    int row;
    ct_form_slot slot = ct_form_slot_for_field(m, err ? err->field : NULL, &row);
    char msg[sizeof err->detail + 128];
    ct_err code = err ? err->code : CT_EINVAL;
    const char *detail = err && err->detail[0] ? err->detail : NULL;
    if (slot == CT_FSLOT_FORM)
        snprintf(msg, sizeof msg, "%s%s%s", ct_strerror(code), detail ? ": " : "",
                 detail ? detail : "");
    else snprintf(msg, sizeof msg, "%s", detail ? detail : ct_strerror(code));
    /* Server text goes on screen: make it one safe line. */
    char *clean = ct_sanitize_dup(msg, false);
    const char *shown = clean ? clean : "request failed";
    switch (slot) {
    case CT_FSLOT_CALLER: ct_form_model_set_focus(m, CT_FS_CALLER, 0); break;
    case CT_FSLOT_CUSTOMER: ct_form_model_set_focus(m, CT_FS_CUSTOMER, 0); break;
    case CT_FSLOT_NAME: ct_form_model_set_focus(m, CT_FS_NAME, 0); break;
    case CT_FSLOT_ASSISTANT: ct_form_model_set_focus(m, CT_FS_ASSISTANT, 0); break;
    case CT_FSLOT_FIRST_MSG: ct_form_model_set_focus(m, CT_FS_FIRST_MSG, 0); break;
    case CT_FSLOT_VARIABLES: ct_form_model_set_focus(m, CT_FS_VARIABLES, 0); break;
    case CT_FSLOT_ASSISTANT_FILE: ct_form_model_set_focus(m, CT_FS_ASSISTANT_FILE, 0); break;
    default: break;
    }
    if (slot == CT_FSLOT_META && row >= 0) {
        ct_text_truncate(shown, CT_FORM_ERR_MAX, m->meta[row].error, CT_FORM_ERR_MAX);
        ct_form_model_set_focus(m, CT_FS_META_KEY, row);
    } else {
        ct_text_truncate(shown, CT_FORM_ERR_MAX, m->error[slot], CT_FORM_ERR_MAX);
    }
    free(clean);
}

/* ---- keys ----------------------------------------------------------------- */

static void move_focus(ct_form_model *m, int delta)
{
    ct_form_stop s[MAX_STOPS];
    size_t n = ct_form_model_stops(m, s, MAX_STOPS);
    m->focus = (m->focus + n + (size_t)(delta < 0 ? n - 1 : 1)) % n;
}

/* The fields Enter walks through. The override fields (first message,
 * variables) are not among them: Enter there goes on to the next of these
 * or submits, so "n, number, Enter x3" is the same with or without them. */
static bool is_text_stop(ct_form_stop_kind k)
{
    return k == CT_FS_CUSTOMER || k == CT_FS_NAME || k == CT_FS_ASSISTANT || k == CT_FS_META_KEY ||
        k == CT_FS_META_VALUE;
}

/* Enter on a text field: the next text field, or submit from the last. */
static int enter_on_text(ct_form_model *m)
{
    ct_form_stop s[MAX_STOPS];
    size_t n = ct_form_model_stops(m, s, MAX_STOPS);
    for (size_t i = m->focus + 1; i < n; i++)
        if (is_text_stop(s[i].kind)) {
            m->focus = i;
            return CT_FORM_R_REDRAW;
        }
    return -1; /* the last text field */
}

/* Valid: encode the body exactly as the fetcher will and ask first. */
static int try_submit(ct_form_model *m)
{
    if (!ct_form_model_validate(m)) return CT_FORM_R_REDRAW;
    ct_connect_request rq;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(m, &rq, kv);
    ct_error err;
    ct_error_clear(&err);
    char *body = NULL;
    if (ct_connect_request_encode(&rq, &body, &err) != CT_OK) {
        ct_form_model_failed(m, &err);
        return CT_FORM_R_REDRAW;
    }
    drop_preview(m);
    m->preview = body;
    m->state = CT_FORM_CONFIRM_SEND;
    return CT_FORM_R_REDRAW;
}

static int confirm_key(ct_form_model *m, int key)
{
    if (key == CT_KEY_ESC || (ct_key_is_enter(key) && !m->confirm_on_place)) {
        drop_preview(m);
        m->state = CT_FORM_EDITING; /* back to the filled form */
        return CT_FORM_R_REDRAW;
    }
    if (ct_key_is_enter(key)) return CT_FORM_R_SUBMIT | CT_FORM_R_REDRAW;
    if (key == '\t' || key == KEY_BTAB || key == KEY_LEFT || key == KEY_RIGHT || key == KEY_UP ||
        key == KEY_DOWN) {
        m->confirm_on_place = !m->confirm_on_place;
        return CT_FORM_R_REDRAW;
    }
    return CT_FORM_R_NONE;
}

static void add_meta_row(ct_form_model *m)
{
    if (m->n_meta >= CT_FORM_MAX_META) return;
    ct_form_meta *r = &m->meta[m->n_meta++];
    memset(r, 0, sizeof *r);
    ct_field_init(&r->key, 64);
    ct_field_init(&r->value, 256);
    m->dirty = true;
    ct_form_model_set_focus(m, CT_FS_META_KEY, (int)m->n_meta - 1);
}

static void remove_meta_row(ct_form_model *m, int row)
{
    if (row < 0 || (size_t)row >= m->n_meta) return;
    memmove(&m->meta[row], &m->meta[row + 1], (m->n_meta - (size_t)row - 1) * sizeof m->meta[0]);
    m->n_meta--;
    m->dirty = true;
    /* Focus the next row's key, or [+ metadata] when it was the last row. */
    if ((size_t)row < m->n_meta) ct_form_model_set_focus(m, CT_FS_META_KEY, row);
    else ct_form_model_set_focus(m, CT_FS_META_ADD, 0);
}

static void cycle_caller(ct_form_model *m, int delta)
{
    if (m->n_numbers == 0) return;
    int n = (int)m->n_numbers;
    m->caller = ((m->caller < 0 ? 0 : m->caller) + delta + n) % n;
    m->dirty = true;
    m->error[CT_FSLOT_CALLER][0] = '\0';
}

int ct_form_model_key(ct_form_model *m, int key)
{
    if (m->state == CT_FORM_PENDING) {
        /* Input is frozen while the server decides; Esc only hides the form
         * (the outcome still reaches the message log). Never resubmits. */
        return key == CT_KEY_ESC ? CT_FORM_R_CLOSE : CT_FORM_R_NONE;
    }
    if (m->state == CT_FORM_CONFIRM_SEND) return confirm_key(m, key);
    if (m->state == CT_FORM_CONFIRM_DISCARD) {
        if (key == 'y' || key == 'Y') return CT_FORM_R_CLOSE;
        m->state = CT_FORM_EDITING;
        return CT_FORM_R_REDRAW;
    }
    ct_form_stop f = ct_form_model_focus(m);
    if (key == CT_KEY_ESC) {
        if (!m->dirty) return CT_FORM_R_CLOSE;
        m->state = CT_FORM_CONFIRM_DISCARD;
        return CT_FORM_R_REDRAW;
    }
    if (key == '\t' || key == KEY_DOWN) {
        move_focus(m, 1);
        return CT_FORM_R_REDRAW;
    }
    if (key == KEY_BTAB || key == KEY_UP) {
        move_focus(m, -1);
        return CT_FORM_R_REDRAW;
    }
    if (ct_key_is_enter(key)) {
        switch (f.kind) {
        case CT_FS_CALLER: move_focus(m, 1); return CT_FORM_R_REDRAW;
        case CT_FS_META_DEL: remove_meta_row(m, f.row); return CT_FORM_R_REDRAW;
        case CT_FS_META_ADD: add_meta_row(m); return CT_FORM_R_REDRAW;
        case CT_FS_SUBMIT: return try_submit(m);
        case CT_FS_CANCEL:
            if (!m->dirty) return CT_FORM_R_CLOSE;
            m->state = CT_FORM_CONFIRM_DISCARD;
            return CT_FORM_R_REDRAW;
        default: {
            int r = enter_on_text(m);
            return r >= 0 ? r : try_submit(m);
        }
        }
    }
    if (f.kind == CT_FS_CALLER) {
        if (key == KEY_RIGHT || key == ' ') {
            cycle_caller(m, 1);
            return CT_FORM_R_REDRAW;
        }
        if (key == KEY_LEFT) {
            cycle_caller(m, -1);
            return CT_FORM_R_REDRAW;
        }
        return CT_FORM_R_NONE;
    }
    if (f.kind == CT_FS_META_DEL || f.kind == CT_FS_META_ADD || f.kind == CT_FS_SUBMIT ||
        f.kind == CT_FS_CANCEL) {
        /* Buttons: Left/Right walk along the button row. */
        if (key == KEY_RIGHT) {
            move_focus(m, 1);
            return CT_FORM_R_REDRAW;
        }
        if (key == KEY_LEFT) {
            move_focus(m, -1);
            return CT_FORM_R_REDRAW;
        }
        return CT_FORM_R_NONE;
    }
    ct_field *fld = ct_form_model_field(m, f);
    if (!fld) return CT_FORM_R_NONE;
    switch (ct_field_key(fld, key)) {
    case CT_FIELD_CHANGED:
        m->dirty = true;
        /* The server's (or the last submit's) complaint about this field
         * no longer applies once it is edited. */
        if (f.kind == CT_FS_CUSTOMER) m->error[CT_FSLOT_CUSTOMER][0] = '\0';
        else if (f.kind == CT_FS_NAME) m->error[CT_FSLOT_NAME][0] = '\0';
        else if (f.kind == CT_FS_ASSISTANT) m->error[CT_FSLOT_ASSISTANT][0] = '\0';
        else if (f.kind == CT_FS_FIRST_MSG) m->error[CT_FSLOT_FIRST_MSG][0] = '\0';
        else if (f.kind == CT_FS_VARIABLES) {
            m->error[CT_FSLOT_VARIABLES][0] = '\0';
            m->n_vars = 0; /* the parse no longer matches the text */
        } else if (f.kind == CT_FS_ASSISTANT_FILE) {
            m->error[CT_FSLOT_ASSISTANT_FILE][0] = '\0';
            free(m->assistant_json); /* read again on the next submit */
            m->assistant_json = NULL;
        } else m->meta[f.row].error[0] = '\0';
        return CT_FORM_R_REDRAW;
    case CT_FIELD_MOVED: return CT_FORM_R_REDRAW;
    case CT_FIELD_REFUSED: return CT_FORM_R_NONE;
    default: return CT_FORM_R_NONE;
    }
}
