/* detailmodel.c — one call as a list of display lines (see detailmodel.h).
 *
 * Every server string is sanitized here, once, before it is wrapped, so the
 * pane only copies finished lines into its window. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "report_fields.h"
#include "calltop/sanitize.h"
#include "calltop/hash.h"
#include "detailmodel.h"
#include "text.h"

#define LABEL_W 13

/* A growable run of lines: the document's head (d->lines) or the
 * transcript cache (d->tx). */
typedef struct dvec {
    ct_dline **v;
    size_t *n, *cap;
} dvec;

static int push_to(dvec o, ct_theme_role role, int indent, const char *s, size_t len)
{
    if (*o.n == *o.cap) {
        size_t nc = *o.cap ? *o.cap * 2 : 64;
        ct_dline *nl = realloc(*o.v, nc * sizeof *nl);
        if (!nl) return -1;
        *o.v = nl;
        *o.cap = nc;
    }
    char *t = malloc(len + 1);
    if (!t) return -1;
    memcpy(t, s, len);
    t[len] = '\0';
    (*o.v)[(*o.n)++] = (ct_dline){role, indent, t};
    return 0;
}

static dvec head_of(ct_detail_doc *d)
{
    return (dvec){&d->lines, &d->n, &d->cap};
}
static dvec tx_of(ct_detail_doc *d)
{
    return (dvec){&d->tx, &d->n_tx, &d->cap_tx};
}

static int push(ct_detail_doc *d, ct_theme_role role, int indent, const char *s, size_t len)
{
    return push_to(head_of(d), role, indent, s, len);
}

/* Wraps already-sanitized text into lines of width - indent. */
static int push_wrapped_to(dvec o, ct_theme_role role, int indent, int width, const char *s)
{
    int cols = width - indent;
    if (cols < 1) cols = 1;
    size_t n = ct_text_wrap(s, cols, NULL, 0);
    ct_span stack[16], *sp = n <= 16 ? stack : malloc(n * sizeof *sp);
    if (!sp) return -1;
    ct_text_wrap(s, cols, sp, n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = push_to(o, role, indent, s + sp[i].off, sp[i].len);
    if (sp != stack) free(sp);
    return rc;
}

static int push_wrapped(ct_detail_doc *d, ct_theme_role role, int indent, int width, const char *s)
{
    return push_wrapped_to(head_of(d), role, indent, width, s);
}

/* "label        value", the value wrapped under itself. */
static int field(ct_detail_doc *d, int width, const char *label, const char *raw,
                 ct_theme_role role)
{
    if (!raw || !*raw) return 0;
    char *clean = ct_sanitize_dup(raw, true);
    if (!clean) return -1;
    int rc;
    if (width < LABEL_W + 10) {
        /* narrow: label on its own line */
        rc = push(d, CT_TH_DIM, 0, label, strlen(label));
        if (rc == 0) rc = push_wrapped(d, role, 2, width, clean);
    } else {
        int cols = width - LABEL_W;
        size_t n = ct_text_wrap(clean, cols, NULL, 0);
        ct_span sp[1];
        ct_text_wrap(clean, cols, sp, 1);
        char first[1024];
        char lab[64];
        ct_text_pad(label, LABEL_W, CT_ALIGN_LEFT, lab, sizeof lab);
        snprintf(first, sizeof first, "%s%.*s", lab, (int)sp[0].len, clean + sp[0].off);
        rc = push(d, role, 0, first, strlen(first));
        if (rc == 0 && n > 1) {
            /* the rest, hanging under the value column */
            size_t skip = sp[0].off + sp[0].len;
            while (clean[skip] == ' ' || clean[skip] == '\n') skip++;
            rc = push_wrapped(d, role, LABEL_W, width, clean + skip);
        }
    }
    free(clean);
    return rc;
}

static int heading(ct_detail_doc *d, int width, const char *title)
{
    char buf[256];
    const char *rule = ct_locale_is_utf8() ? "─" : "-";
    size_t off = 0;
    off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s %s ", rule, rule, title);
    int w = ct_text_width(buf);
    while (w < width && off + 4 < sizeof buf) {
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s", rule);
        w++;
    }
    return push(d, CT_TH_HEADER, 0, buf, off);
}

static void fmt_time(ct_time_ms t, char *buf, size_t cap)
{
    if (!t) {
        buf[0] = '\0';
        return;
    }
    ct_fmt_datetime(t, buf, cap);
}

static void free_head(ct_detail_doc *d)
{
    for (size_t i = 0; i < d->n_head && i < d->n; i++) free(d->lines[i].text);
    d->n = d->n_head = 0;
}

/* Keeps the first `keep` messages' lines in the cache, frees the rest. */
static void tx_truncate(ct_detail_doc *d, size_t keep)
{
    if (keep >= d->n_keys) return;
    size_t from = d->keys[keep].first;
    for (size_t i = from; i < d->n_tx; i++) free(d->tx[i].text);
    d->n_tx = from;
    d->n_keys = keep;
}

/* Drops the first `drop` messages' lines (the store dropped them at its cap). */
static void tx_drop_front(ct_detail_doc *d, size_t drop)
{
    if (drop == 0) return;
    if (drop >= d->n_keys) {
        tx_truncate(d, 0);
        return;
    }
    size_t lines = d->keys[drop].first;
    for (size_t i = 0; i < lines; i++) free(d->tx[i].text);
    memmove(d->tx, d->tx + lines, (d->n_tx - lines) * sizeof *d->tx);
    d->n_tx -= lines;
    memmove(d->keys, d->keys + drop, (d->n_keys - drop) * sizeof *d->keys);
    d->n_keys -= drop;
    for (size_t i = 0; i < d->n_keys; i++) d->keys[i].first -= lines;
}

void ct_detail_doc_free(ct_detail_doc *doc)
{
    free_head(doc);
    tx_truncate(doc, 0);
    for (size_t i = 0; i < doc->n_tx; i++) free(doc->tx[i].text);
    free(doc->lines);
    free(doc->tx);
    free(doc->keys);
    memset(doc, 0, sizeof *doc);
}

static bool key_matches(const ct_dmsg_key *k, const ct_message *m)
{
    return k->id == (const void *)m->message_id && k->text == (const void *)m->text &&
        k->role_text == (const void *)m->role_text && k->role == (int)m->role &&
        k->timestamp == m->timestamp;
}

/* One message as "14:03:09 user  text…", continuation lines under the text. */
static int wrap_message(ct_detail_doc *d, const ct_message *m, int width)
{
    dvec o = tx_of(d);
    char clock[16], buf[512];
    ct_fmt_clock(m->timestamp, clock, sizeof clock);
    const char *who = m->role == CT_ROLE_USER ? "user"
        : m->role == CT_ROLE_ASSISTANT        ? "asst"
                                              : (m->role_text ? m->role_text : "?");
    char *whoc = ct_sanitize_dup(who, false);
    char *text = ct_sanitize_dup(m->text ? m->text : "", true);
    if (!whoc || !text) {
        free(whoc);
        free(text);
        return -1;
    }
    ct_theme_role role = m->role == CT_ROLE_USER ? CT_TH_USER : CT_TH_ASSISTANT;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s %-5.5s ", clock, whoc);
    int indent = ct_text_width(prefix);
    int rc = 0;
    if (width < indent + 10) {
        rc |= push_to(o, role, 0, prefix, strlen(prefix));
        rc |= push_wrapped_to(o, role, 2, width, text);
    } else {
        int cols = width - indent;
        size_t n = ct_text_wrap(text, cols, NULL, 0);
        ct_span *sp = malloc((n ? n : 1) * sizeof *sp);
        if (!sp) {
            free(whoc);
            free(text);
            return -1;
        }
        ct_text_wrap(text, cols, sp, n);
        for (size_t k = 0; k < n; k++) {
            if (k == 0) {
                snprintf(buf, sizeof buf, "%s%.*s", prefix, (int)sp[k].len, text + sp[k].off);
                rc |= push_to(o, role, 0, buf, strlen(buf));
            } else {
                rc |= push_to(o, role, indent, text + sp[k].off, sp[k].len);
            }
        }
        free(sp);
    }
    free(whoc);
    free(text);
    return rc;
}

/* Brings the transcript cache up to date with the call's messages: keeps
 * the longest unchanged prefix (after dropping what the store dropped at
 * the front) and wraps only the rest. */
static int tx_update(ct_detail_doc *d, const ct_call_entry *e, int width)
{
    const ct_call *c = &e->call;
    const char *id = c->id ? c->id : "";
    if (strcmp(d->tx_call, id) != 0 || d->tx_width != width) {
        tx_truncate(d, 0);
        snprintf(d->tx_call, sizeof d->tx_call, "%s", id);
        d->tx_width = width;
    }
    if (d->n_keys && c->n_messages && !key_matches(&d->keys[0], &c->messages[0])) {
        /* the store's cap dropped the oldest lines: find where we start now */
        size_t j = 1;
        while (j < d->n_keys && !key_matches(&d->keys[j], &c->messages[0])) j++;
        tx_drop_front(d, j);
    }
    size_t k = 0;
    while (k < d->n_keys && k < c->n_messages && key_matches(&d->keys[k], &c->messages[k])) k++;
    tx_truncate(d, k);
    if (c->n_messages > d->cap_keys) {
        size_t nc = d->cap_keys ? d->cap_keys : 64;
        while (nc < c->n_messages) nc *= 2;
        ct_dmsg_key *nk = realloc(d->keys, nc * sizeof *nk);
        if (!nk) return -1;
        d->keys = nk;
        d->cap_keys = nc;
    }
    d->rewrapped = c->n_messages - k;
    for (size_t i = k; i < c->n_messages; i++) {
        const ct_message *m = &c->messages[i];
        size_t first = d->n_tx;
        if (wrap_message(d, m, width) != 0) {
            /* keep the cache consistent: drop this message's partial lines */
            for (size_t l = first; l < d->n_tx; l++) free(d->tx[l].text);
            d->n_tx = first;
            return -1;
        }
        d->keys[d->n_keys++] =
            (ct_dmsg_key){m->message_id, m->text, m->role_text, (int)m->role, m->timestamp, first};
    }
    return 0;
}

/* successEvaluation is "success" in REST and Excellent/Good/Fair/Poor in
 * reports (or a boolean's text): a failed call must not look green. */
static ct_theme_role evaluation_role(const char *v)
{
    static const char *const good[] = {"success", "successful", "excellent",
                                       "good",    "true",       "pass"};
    static const char *const bad[] = {"failure", "failed", "fail", "poor", "false", "unsuccessful"};
    if (!v) return CT_TH_NORMAL;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (strcasecmp(v, good[i]) == 0) return CT_TH_OK;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (strcasecmp(v, bad[i]) == 0) return CT_TH_FAILED;
    return CT_TH_NORMAL;
}

/* The lines above the transcript: markers, fields, analysis, the
 * transcript heading. */
static int build_head(ct_detail_doc *d, const ct_call_entry *e, int width, ct_time_ms now)
{
    const ct_call *c = &e->call;
    char buf[512], t1[64];
    int rc = 0;

    /* Urgent markers first: they are why an operator opens a call. */
    if (e->hang)
        rc |= push_wrapped(d, CT_TH_HANG, 0, width,
                           "HANG: the assistant has been silent for 5 s or more");
    if (e->last_error.present) {
        snprintf(buf, sizeof buf, "ERROR %s%s%s: %s%s",
                 e->last_error.type ? e->last_error.type : "", e->last_error.code ? " " : "",
                 e->last_error.code ? e->last_error.code : "",
                 e->last_error.message ? e->last_error.message : "",
                 e->last_error.retryable ? " (retryable)" : "");
        char *clean = ct_sanitize_dup(buf, false);
        if (clean) {
            rc |= push_wrapped(d, CT_TH_ERROR, 0, width, clean);
            free(clean);
        }
    }

    if (e->not_visible)
        rc |= push_wrapped(d, CT_TH_WARN, 0, width,
                           "NOT VISIBLE to this API key: the API answers 404 for this call; "
                           "kept while the live channel reports it live");

    d->markers = d->n;

    const char *status =
        c->status_text && *c->status_text ? c->status_text : ct_status_name(c->status);
    const char *phone = c->phone_status_text && *c->phone_status_text
        ? c->phone_status_text
        : ct_phone_status_name(c->phone_status);
    snprintf(buf, sizeof buf, "%s%s%s%s", status, phone && *phone ? " / phone " : "",
             phone ? phone : "", ct_call_is_live(c) ? " (live)" : "");
    rc |= field(d, width, "status", buf, ct_theme_call_role(c));
    rc |= field(d, width, "reason", c->phone_status_reason, CT_TH_WARN);
    /* The status stays on screen with the markers: in a short pane the
     * transcript, following its tail, scrolled it away, and whether the
     * call is still live is what its transcript is read against. */
    d->pinned = d->n;
    rc |= field(d, width, "id", c->id, CT_TH_NORMAL);
    rc |= field(d, width, "direction",
                c->direction_text ? c->direction_text : ct_direction_name(c->direction),
                CT_TH_NORMAL);
    rc |= field(d, width, "call type",
                c->call_type_text ? c->call_type_text : ct_call_type_name(c->call_type),
                CT_TH_NORMAL);
    if (c->customer_name && *c->customer_name) {
        snprintf(buf, sizeof buf, "%s (%s)", c->user_number ? c->user_number : "-",
                 c->customer_name);
        rc |= field(d, width, "customer", buf, CT_TH_NORMAL);
    } else {
        rc |= field(d, width, "customer", c->user_number, CT_TH_NORMAL);
    }
    rc |= field(d, width, "asst number", c->assistant_number, CT_TH_NORMAL);
    rc |= field(d, width, "assistant", c->assistant_name, CT_TH_NORMAL);
    rc |= field(d, width, "assistant id", c->assistant_id, CT_TH_DIM);
    rc |= field(d, width, "number id", c->phone_number_id, CT_TH_DIM);
    rc |= field(d, width, "team", c->team_id, CT_TH_DIM);
    fmt_time(c->start_at, t1, sizeof t1);
    rc |= field(d, width, "started", t1, CT_TH_NORMAL);
    fmt_time(c->end_at, t1, sizeof t1);
    rc |= field(d, width, "ended", t1, CT_TH_NORMAL);
    if (c->start_at) {
        ct_fmt_duration(ct_call_duration_ms(c, now), t1, sizeof t1);
        rc |= field(d, width, "duration", t1, ct_call_is_live(c) ? CT_TH_LIVE : CT_TH_NORMAL);
    }
    fmt_time(c->created_at, t1, sizeof t1);
    rc |= field(d, width, "created", t1, CT_TH_DIM);
    fmt_time(c->updated_at, t1, sizeof t1);
    rc |= field(d, width, "updated", t1, CT_TH_DIM);
    rc |= field(d, width, "ended by",
                c->end_trigger_text ? c->end_trigger_text : ct_trigger_name(c->end_trigger),
                CT_TH_NORMAL);
    rc |= field(d, width, "control url", c->control_url, CT_TH_DIM);
    if (c->analysis.present) {
        rc |= heading(d, width, "Analysis");
        rc |= field(d, width, "summary", c->analysis.summary, CT_TH_NORMAL);
        rc |= field(d, width, "success", c->analysis.success_evaluation,
                    evaluation_role(c->analysis.success_evaluation));
        rc |= field(d, width, "outcome", c->analysis.outcome, CT_TH_NORMAL);
        rc |= field(d, width, "structured", c->analysis.structured_data_json, CT_TH_NORMAL);
        rc |= field(d, width, "guardrails", c->analysis.guardrails_json, CT_TH_NORMAL);
    }
    rc |= field(d, width, "metadata", c->metadata_json, CT_TH_NORMAL);
    /* the end-of-call report as fields, not raw JSON (issue 15) */
    ct_report_field rf[24];
    size_t nrf = ct_report_fields(c, rf, sizeof rf / sizeof rf[0]);
    if (nrf) rc |= heading(d, width, "End-of-call report");
    d->link_n = 0;
    d->link_url[0] = '\0';
    for (size_t i = 0; i < nrf; i++) {
        size_t before = d->n;
        rc |= field(d, width, rf[i].name, rf[i].value, rf[i].is_url ? CT_TH_NORMAL : CT_TH_DIM);
        if (rf[i].is_url && d->n > before && !d->link_n) {
            bool narrow = width < LABEL_W + 10; /* label on its own line */
            d->link_first = before + (narrow ? 1 : 0);
            d->link_n = d->n - d->link_first;
            d->link_skip0 = narrow ? 0 : LABEL_W;
            snprintf(d->link_url, sizeof d->link_url, "%s", rf[i].value);
        }
    }

    snprintf(buf, sizeof buf, "Transcript (%zu)", c->n_messages);
    d->transcript_start = d->n;
    rc |= heading(d, width, buf);
    if (e->dropped_messages) {
        snprintf(buf, sizeof buf, "(%zu older lines dropped by the memory cap)",
                 e->dropped_messages);
        rc |= push_wrapped(d, CT_TH_DIM, 0, width, buf);
    }
    if (c->n_messages == 0) rc |= push(d, CT_TH_DIM, 0, "(no transcript yet)", 19);
    return rc;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    if (!s) return ct_hash_mix(h, 0x9e3779b97f4a7c15ULL);
    for (; *s; s++) h = ct_hash_mix(h, (unsigned char)*s);
    return ct_hash_mix(h, 0xff);
}

/* Everything build_head reads, hashed: equal keys mean equal head lines,
 * so a transcript append does not rebuild ~25 field lines. */
static uint64_t head_key(const ct_call_entry *e, int width, ct_time_ms now)
{
    const ct_call *c = &e->call;
    uint64_t h = CT_HASH_INIT;
    const char *strs[] = {
        c->id,
        c->team_id,
        c->assistant_id,
        c->phone_number_id,
        c->call_type_text,
        c->direction_text,
        c->user_number,
        c->assistant_number,
        c->status_text,
        c->phone_status_text,
        c->phone_status_reason,
        c->end_trigger_text,
        c->control_url,
        c->customer_name,
        c->assistant_name,
        c->metadata_json,
        c->cost_json,
        c->metrics_json,
        c->recording_json,
        c->analysis.summary,
        c->analysis.success_evaluation,
        c->analysis.outcome,
        c->analysis.structured_data_json,
        c->analysis.guardrails_json,
        e->last_error.type,
        e->last_error.code,
        e->last_error.message,
    };
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) h = mix_str(h, strs[i]);
    const uint64_t nums[] = {
        (uint64_t)width,
        (uint64_t)c->call_type,
        (uint64_t)c->direction,
        (uint64_t)c->status,
        (uint64_t)c->phone_status,
        (uint64_t)c->end_trigger,
        (uint64_t)c->start_at,
        (uint64_t)c->end_at,
        (uint64_t)c->created_at,
        (uint64_t)c->updated_at,
        (uint64_t)c->analysis.present,
        (uint64_t)e->hang,
        (uint64_t)e->last_error.present,
        (uint64_t)e->not_visible,
        (uint64_t)e->last_error.retryable,
        (uint64_t)c->n_messages,
        (uint64_t)e->dropped_messages,
        (uint64_t)ct_call_is_live(c),
        (uint64_t)ct_locale_is_utf8(),
        /* the duration field, in the seconds it shows */
        c->start_at ? (uint64_t)(ct_call_duration_ms(c, now) / 1000) : 0,
    };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) h = ct_hash_mix(h, nums[i]);
    return h;
}

int ct_detail_build(ct_detail_doc *d, const ct_call_entry *e, int width, ct_time_ms now)
{
    d->n_messages = 0;
    if (width < 1) width = 1;
    if (!e) {
        free_head(d);
        d->transcript_start = 0;
        d->pinned = 0;
        d->markers = 0;
        d->head_valid = false;
        tx_truncate(d, 0);
        d->tx_call[0] = '\0';
        int r = push(d, CT_TH_DIM, 0, "No call selected.", 17);
        d->n_head = d->n;
        return r;
    }
    const ct_call *c = &e->call;
    int rc = 0;
    uint64_t hk = head_key(e, width, now);
    if (d->head_valid && d->head_key == hk && d->n_head) {
        d->n = d->n_head; /* the same head: keep its lines */
    } else {
        free_head(d);
        d->transcript_start = 0;
        d->pinned = 0;
        d->markers = 0;
        rc = build_head(d, e, width, now);
        d->head_key = hk;
        d->head_valid = rc == 0;
    }
    d->n_head = d->n;
    if (tx_update(d, e, width) != 0) rc = -1;
    if (d->n_tx) {
        /* the pane reads one array: append copies of the cached lines */
        if (d->cap < d->n + d->n_tx) {
            size_t nc = d->cap * 2 > d->n + d->n_tx ? d->cap * 2 : d->n + d->n_tx;
            ct_dline *nl = realloc(d->lines, nc * sizeof *nl);
            if (!nl) return -1;
            d->lines = nl;
            d->cap = nc;
        }
        memcpy(d->lines + d->n, d->tx, d->n_tx * sizeof *d->tx);
        d->n += d->n_tx;
    }
    d->n_messages = c->n_messages;
    return rc ? -1 : 0;
}
