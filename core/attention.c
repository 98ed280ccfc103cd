/* attention.c — the attention rules: effects + store + clock -> items.
 * The contract, and the rules, are in calltop/attention.h. */
#include "calltop/attention.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calltop/hash.h"
#include "calltop/sanitize.h"

/* Beyond this many items the oldest closed (else oldest) ones are dropped:
 * a board left open for weeks must not grow without bound. */
#define MAX_ITEMS    2000
/* Failed attempts remembered (the window's count is capped by it). */
#define MAX_FAILURES 4096

/* What the engine remembers about one call. Made only for calls that need
 * it: live ones (first sight, scanned lines), counted failures, items. */
typedef struct call_rec {
    char *id;
    uint64_t hash;
    ct_time_ms first_seen;
    uint64_t item[CT_ATT__COUNT]; /* the rule's item id for this call, 0 = none yet */
    bool failure_counted;
    /* transcript lines already matched against the keywords, by the hash
     * of their messageId (an open-addressing set; 0 marks a free slot) */
    uint64_t *seen;
    size_t seen_n, seen_cap;
} call_rec;

#define TOMB ((call_rec *)(uintptr_t)1)

struct ct_attention {
    ct_att_config cfg;
    regex_t re;
    bool have_re;
    /* calls by id (open addressing, linear probing, tombstones) */
    call_rec **slots;
    size_t cap, used; /* used counts live records and tombstones */
    /* items in id order */
    ct_att_item *items;
    size_t n_items, items_cap;
    uint64_t next_id;
    /* the global rules' current item (0 = none) */
    uint64_t global_item[CT_ATT__COUNT];
    ct_time_ms api_down_since, relay_down_since; /* 0 = up */
    char api_why[96];
    ct_monitor_state relay_state;
    ct_time_ms failures[MAX_FAILURES];
    size_t n_failures;
    ct_att_change *changes;
    size_t n_changes, changes_cap;
};

/* ---- names ------------------------------------------------------------------------------ */

const char *ct_att_rule_name(ct_att_rule r)
{
    static const char *const names[CT_ATT__COUNT] = {
        "hang",    "error",   "long-call",       "ringing",
        "silence", "keyword", "failed-attempts", "unreachable"};
    return r >= 0 && r < CT_ATT__COUNT ? names[r] : "?";
}

const char *ct_att_severity_name(ct_att_severity s)
{
    switch (s) {
    case CT_ATT_INFO: return "info";
    case CT_ATT_WARN: return "warn";
    case CT_ATT_CRIT: return "crit";
    }
    return "?";
}

const char *ct_att_state_name(ct_att_state s)
{
    switch (s) {
    case CT_ATT_OPEN: return "open";
    case CT_ATT_SNOOZED: return "snoozed";
    case CT_ATT_ACKED: return "acked";
    case CT_ATT_RESOLVED: return "resolved";
    }
    return "?";
}

/* ---- configuration ---------------------------------------------------------------------- */

void ct_att_config_defaults(ct_att_config *c)
{
    ct_config cfg;
    if (ct_config_init(&cfg) != CT_OK) {
        memset(c, 0, sizeof *c);
        return;
    }
    ct_error err;
    if (ct_att_config_from_settings(c, &cfg, &err) != CT_OK) memset(c, 0, sizeof *c);
    ct_config_clear(&cfg);
}

ct_err ct_att_config_from_settings(ct_att_config *c, const ct_config *cfg, ct_error *err)
{
    memset(c, 0, sizeof *c);
    c->hang = cfg->alert_hang;
    const char *errors = ct_config_value(cfg, CT_SET_ALERT_ERRORS);
    const char *kw = ct_config_value(cfg, CT_SET_ALERT_KEYWORDS);
    if ((errors && strlen(errors) >= sizeof c->errors) || (kw && strlen(kw) >= sizeof c->keywords))
        return ct_error_set(err, CT_ECONFIG, "setting '%s': longer than %zu bytes",
                            errors && strlen(errors) >= sizeof c->errors ? "alert-errors"
                                                                         : "alert-keywords",
                            errors && strlen(errors) >= sizeof c->errors ? sizeof c->errors - 1
                                                                         : sizeof c->keywords - 1);
    snprintf(c->errors, sizeof c->errors, "%s", errors ? errors : "");
    snprintf(c->keywords, sizeof c->keywords, "%s", kw ? kw : "");
    c->long_call_ms = ct_config_int(cfg, CT_SET_ALERT_LONG_CALL) * 60000;
    c->ringing_ms = ct_config_int(cfg, CT_SET_ALERT_RINGING) * 1000;
    c->silence_ms = ct_config_int(cfg, CT_SET_ALERT_SILENCE) * 1000;
    c->failed_count = (int)ct_config_int(cfg, CT_SET_ALERT_FAILED_COUNT);
    c->failed_window_ms = ct_config_int(cfg, CT_SET_ALERT_FAILED_WINDOW) * 60000;
    c->unreachable_ms = ct_config_int(cfg, CT_SET_ALERT_UNREACHABLE) * 1000;
    /* compile once here so a bad regex is a configuration error up front */
    if (c->keywords[0]) {
        regex_t re;
        int rc = regcomp(&re, c->keywords, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &re, why, sizeof why);
            return ct_error_set(err, CT_ECONFIG,
                                "setting 'alert-keywords': not a POSIX extended "
                                "regular expression: %s",
                                why);
        }
        regfree(&re);
    }
    return CT_OK;
}

/* ---- life cycle ------------------------------------------------------------------------- */

ct_attention *ct_attention_new(const ct_att_config *c, ct_error *err)
{
    ct_attention *a = calloc(1, sizeof *a);
    if (!a) {
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    a->cfg = *c;
    a->next_id = 1;
    if (c->keywords[0]) {
        /* not REG_NOSUB: the match is quoted in the reason */
        int rc = regcomp(&a->re, c->keywords, REG_EXTENDED | REG_ICASE);
        if (rc != 0) {
            char why[128];
            regerror(rc, &a->re, why, sizeof why);
            ct_error_set(err, CT_ECONFIG,
                         "setting 'alert-keywords': not a POSIX extended "
                         "regular expression: %s",
                         why);
            free(a);
            return NULL;
        }
        a->have_re = true;
    }
    return a;
}

static void rec_free(call_rec *r)
{
    if (!r || r == TOMB) return;
    free(r->id);
    free(r->seen);
    free(r);
}

void ct_attention_free(ct_attention *a)
{
    if (!a) return;
    for (size_t i = 0; i < a->cap; i++) rec_free(a->slots[i]);
    free(a->slots);
    free(a->items);
    free(a->changes);
    if (a->have_re) regfree(&a->re);
    free(a);
}

/* ---- call records ----------------------------------------------------------------------- */

static call_rec *rec_find(const ct_attention *a, const char *id)
{
    if (!a->cap || !id) return NULL;
    uint64_t h = ct_hash_str(id);
    for (size_t i = h & (a->cap - 1), n = 0; n < a->cap; i = (i + 1) & (a->cap - 1), n++) {
        call_rec *r = a->slots[i];
        if (!r) return NULL;
        if (r != TOMB && r->hash == h && strcmp(r->id, id) == 0) return r;
    }
    return NULL;
}

static bool rec_grow(ct_attention *a)
{
    size_t cap = a->cap ? a->cap * 2 : 64;
    size_t live = 0;
    for (size_t i = 0; i < a->cap; i++) live += a->slots[i] && a->slots[i] != TOMB;
    if (live * 2 < a->cap) cap = a->cap; /* mostly tombstones: rehash in place */
    call_rec **slots = calloc(cap, sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < a->cap; i++) {
        call_rec *r = a->slots[i];
        if (!r || r == TOMB) continue;
        size_t j = r->hash & (cap - 1);
        while (slots[j]) j = (j + 1) & (cap - 1);
        slots[j] = r;
    }
    free(a->slots);
    a->slots = slots;
    a->cap = cap;
    a->used = live;
    return true;
}

static call_rec *rec_get(ct_attention *a, const char *id, ct_time_ms now)
{
    call_rec *r = rec_find(a, id);
    if (r) return r;
    if ((a->used + 1) * 4 > a->cap * 3 && !rec_grow(a)) return NULL;
    if (!(r = calloc(1, sizeof *r)) || !(r->id = strdup(id))) {
        free(r);
        return NULL;
    }
    r->hash = ct_hash_str(id);
    r->first_seen = now;
    size_t i = r->hash & (a->cap - 1);
    while (a->slots[i] && a->slots[i] != TOMB) i = (i + 1) & (a->cap - 1);
    if (!a->slots[i]) a->used++;
    a->slots[i] = r;
    return r;
}

static void rec_remove(ct_attention *a, const char *id)
{
    if (!a->cap) return;
    uint64_t h = ct_hash_str(id);
    for (size_t i = h & (a->cap - 1), n = 0; n < a->cap; i = (i + 1) & (a->cap - 1), n++) {
        call_rec *r = a->slots[i];
        if (!r) return;
        if (r != TOMB && r->hash == h && strcmp(r->id, id) == 0) {
            rec_free(r);
            a->slots[i] = TOMB;
            return;
        }
    }
}

/* Adds a message hash to the call's set; false when it was there. */
static bool seen_add(call_rec *r, uint64_t h)
{
    if (!h) h = 1; /* 0 marks a free slot */
    if ((r->seen_n + 1) * 2 > r->seen_cap) {
        size_t cap = r->seen_cap ? r->seen_cap * 2 : 32;
        uint64_t *v = calloc(cap, sizeof *v);
        if (!v) return true; /* out of memory: scan it (a repeat alert is deduplicated anyway) */
        for (size_t i = 0; i < r->seen_cap; i++) {
            if (!r->seen[i]) continue;
            size_t j = r->seen[i] & (cap - 1);
            while (v[j]) j = (j + 1) & (cap - 1);
            v[j] = r->seen[i];
        }
        free(r->seen);
        r->seen = v;
        r->seen_cap = cap;
    }
    size_t j = h & (r->seen_cap - 1);
    while (r->seen[j]) {
        if (r->seen[j] == h) return false;
        j = (j + 1) & (r->seen_cap - 1);
    }
    r->seen[j] = h;
    r->seen_n++;
    return true;
}

/* ---- items ------------------------------------------------------------------------------ */

static void note(ct_attention *a, ct_att_change_kind kind, uint64_t id)
{
    if (a->n_changes == a->changes_cap) {
        size_t cap = a->changes_cap ? a->changes_cap * 2 : 16;
        ct_att_change *v = realloc(a->changes, cap * sizeof *v);
        if (!v) return;
        a->changes = v;
        a->changes_cap = cap;
    }
    a->changes[a->n_changes++] = (ct_att_change){kind, id};
}

static ct_att_item *item_find(ct_attention *a, uint64_t id)
{
    size_t lo = 0, hi = a->n_items;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->items[mid].id == id) return &a->items[mid];
        if (a->items[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

static void item_remove_at(ct_attention *a, size_t i)
{
    memmove(&a->items[i], &a->items[i + 1], (a->n_items - i - 1) * sizeof *a->items);
    a->n_items--;
}

static void items_cap(ct_attention *a)
{
    while (a->n_items > MAX_ITEMS) {
        size_t victim = 0;
        for (size_t i = 0; i < a->n_items; i++)
            if (a->items[i].state == CT_ATT_ACKED || a->items[i].state == CT_ATT_RESOLVED) {
                victim = i;
                break;
            }
        item_remove_at(a, victim);
    }
}

static ct_att_severity rule_severity(ct_att_rule r)
{
    switch (r) {
    case CT_ATT_HANG:
    case CT_ATT_ERROR:
    case CT_ATT_UNREACHABLE: return CT_ATT_CRIT;
    case CT_ATT_LONG_CALL: return CT_ATT_INFO;
    default: return CT_ATT_WARN;
    }
}

/* Opens an item; returns its id (0: out of memory). */
static uint64_t item_open(ct_attention *a, const char *call_id, ct_att_rule rule, ct_time_ms now,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static uint64_t item_open(ct_attention *a, const char *call_id, ct_att_rule rule, ct_time_ms now,
                          const char *fmt, ...)
{
    if (a->n_items == a->items_cap) {
        size_t cap = a->items_cap ? a->items_cap * 2 : 16;
        ct_att_item *v = realloc(a->items, cap * sizeof *v);
        if (!v) return 0;
        a->items = v;
        a->items_cap = cap;
    }
    ct_att_item *it = &a->items[a->n_items++];
    memset(it, 0, sizeof *it);
    it->id = a->next_id++;
    snprintf(it->call_id, sizeof it->call_id, "%s", call_id ? call_id : "");
    it->rule = rule;
    it->severity = rule_severity(rule);
    it->state = CT_ATT_OPEN;
    it->opened_at = now;
    char raw[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    /* network text went into it: make it one safe line */
    ct_sanitize(raw, strlen(raw), it->reason, sizeof it->reason, false);
    uint64_t id = it->id;
    note(a, CT_ATT_OPENED, id);
    items_cap(a);
    return id;
}

/* A condition cleared: OPEN / SNOOZED -> RESOLVED. */
static void item_resolve(ct_attention *a, uint64_t id)
{
    ct_att_item *it = item_find(a, id);
    if (!it || (it->state != CT_ATT_OPEN && it->state != CT_ATT_SNOOZED)) return;
    it->state = CT_ATT_RESOLVED;
    note(a, CT_ATT_CLOSED, id);
}

static void open_for_call(ct_attention *a, call_rec *r, ct_att_rule rule, ct_time_ms now,
                          const char *reason)
{
    if (!r || r->item[rule]) return; /* one item per call and rule */
    r->item[rule] = item_open(a, r->id, rule, now, "%s", reason);
}

/* ---- the rules -------------------------------------------------------------------------- */

static bool error_type_alerts(const ct_att_config *c, const char *text)
{
    if (!c->errors[0]) return false;
    if (strcmp(c->errors, "*") == 0) return true;
    /* CALL_ERRORED's text is "type: message" (or "type") */
    size_t tlen = text ? strcspn(text, ":") : 0;
    for (const char *p = c->errors; *p;) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m && p[m - 1] == ' ') m--;
        if (m && m == tlen && strncasecmp(p, text, m) == 0) return true;
        p += n;
    }
    return false;
}

static bool entry_live(const ct_call_entry *e)
{
    return e && ct_call_is_live(&e->call) && !((e->call.present & CT_F_END) && e->call.end_at);
}

static bool entry_ringing(const ct_call_entry *e)
{
    const ct_call *c = &e->call;
    if (c->phone_status == CT_PHONE_IN_PROGRESS) return false;
    return c->status == CT_STATUS_QUEUED || c->phone_status == CT_PHONE_TRYING ||
        c->phone_status == CT_PHONE_EARLY_MEDIA || c->phone_status == CT_PHONE_RINGING;
}

/* Elapsed since `since`, never negative: a clock that jumped back opens nothing. */
static int64_t since_ms(ct_time_ms now, ct_time_ms since)
{
    return since && now > since ? now - since : 0;
}

static ct_time_ms call_basis(const ct_call_entry *e, const call_rec *r)
{
    if (e->call.start_at) return e->call.start_at;
    if (e->call.created_at) return e->call.created_at;
    return r ? r->first_seen : 0;
}

/* The keyword rule over the lines of a call not yet matched. Every line
 * already looked at is in the call's set, so the new ones number
 * n_messages - seen_n; they are almost always the last ones (the transcript
 * is in time order), so the walk goes backwards and stops when it has found
 * them all: O(new lines) per event, not O(transcript). Once the store's cap
 * dropped lines that count no longer holds, and the whole transcript is
 * walked. */
static void scan_lines(ct_attention *a, call_rec *r, const ct_call_entry *e, ct_time_ms now)
{
    const ct_call *c = &e->call;
    if (r->item[CT_ATT_KEYWORD]) return;
    bool capped = e->dropped_messages > 0;
    size_t want = c->n_messages > r->seen_n ? c->n_messages - r->seen_n : 0;
    if (!want && !capped) return;
    size_t found = 0;
    for (size_t i = c->n_messages; i-- > 0 && (capped || found < want);) {
        const ct_message *m = &c->messages[i];
        if (!seen_add(r, ct_hash_str(m->message_id))) continue;
        found++;
        if (m->role != CT_ROLE_USER || !m->text) continue;
        char clean[1024];
        ct_sanitize(m->text, strlen(m->text), clean, sizeof clean, false);
        regmatch_t mt[1];
        if (regexec(&a->re, clean, 1, mt, 0) != 0) continue;
        char reason[CT_ATT_REASON_MAX + 64];
        int len = (int)(mt[0].rm_eo - mt[0].rm_so);
        if (len > 60) len = 60;
        snprintf(reason, sizeof reason, "customer said \"%.*s\"", len, clean + mt[0].rm_so);
        open_for_call(a, r, CT_ATT_KEYWORD, now, reason);
        return;
    }
}

/* A call an event carried, or an effect named: new lines, failed attempts. */
static void touch(ct_attention *a, const ct_store *s, const char *id, ct_time_ms now)
{
    const ct_call_entry *e = ct_store_get(s, id);
    if (!e) return;
    bool live = entry_live(e);
    if (!live && a->cfg.failed_count > 0 && e->call.direction == CT_DIR_OUTBOUND &&
        ct_call_is_failed_attempt(&e->call)) {
        call_rec *r = rec_get(a, id, now);
        if (r && !r->failure_counted) {
            r->failure_counted = true;
            ct_time_ms t = e->call.end_at ? e->call.end_at
                : e->call.updated_at      ? e->call.updated_at
                                          : now;
            /* an attempt older than the window never counts (history) */
            if (now - t <= a->cfg.failed_window_ms) {
                if (a->n_failures == MAX_FAILURES) {
                    memmove(a->failures, a->failures + 1, (MAX_FAILURES - 1) * sizeof *a->failures);
                    a->n_failures--;
                }
                a->failures[a->n_failures++] = t;
            }
        }
    }
    if (live && a->have_re) {
        call_rec *r = rec_get(a, id, now);
        if (r) scan_lines(a, r, e, now);
    }
}

static void forget_call(ct_attention *a, const char *id)
{
    for (size_t i = a->n_items; i-- > 0;)
        if (strcmp(a->items[i].call_id, id) == 0) item_remove_at(a, i);
    rec_remove(a, id);
}

/* The rules about no single call: an outage, a burst of failed attempts. */
static void check_global(ct_attention *a, ct_time_ms now)
{
    /* unreachable */
    ct_time_ms since = a->api_down_since;
    if (a->relay_down_since && (!since || a->relay_down_since < since)) since = a->relay_down_since;
    uint64_t *g = &a->global_item[CT_ATT_UNREACHABLE];
    if (since && a->cfg.unreachable_ms > 0 && !*g &&
        since_ms(now, since) >= a->cfg.unreachable_ms) {
        if (since == a->api_down_since)
            *g = item_open(a, "", CT_ATT_UNREACHABLE, now, "API unreachable for %llds: %s",
                           (long long)(since_ms(now, since) / 1000), a->api_why);
        else
            *g = item_open(a, "", CT_ATT_UNREACHABLE, now, "relay unreachable for %llds (%s)",
                           (long long)(since_ms(now, since) / 1000),
                           ct_monitor_state_name(a->relay_state));
    } else if (!since && *g) {
        item_resolve(a, *g);
        *g = 0;
    }
    /* failed outbound attempts within the window */
    size_t keep = 0;
    for (size_t i = 0; i < a->n_failures; i++)
        if (now - a->failures[i] <= a->cfg.failed_window_ms) a->failures[keep++] = a->failures[i];
    a->n_failures = keep;
    g = &a->global_item[CT_ATT_FAILED];
    bool burst = a->cfg.failed_count > 0 && a->n_failures >= (size_t)a->cfg.failed_count;
    if (burst && !*g)
        *g = item_open(a, "", CT_ATT_FAILED, now, "%zu failed outbound attempts in %lld min",
                       a->n_failures, (long long)(a->cfg.failed_window_ms / 60000));
    else if (!burst && *g) {
        item_resolve(a, *g);
        *g = 0;
    }
}

void ct_attention_observe(ct_attention *a, const ct_store *s, const ct_event *ev,
                          const ct_effects *fx, ct_time_ms now)
{
    a->n_changes = 0;
    for (size_t i = 0; fx && i < fx->n; i++) {
        const ct_effect *f = &fx->v[i];
        switch (f->kind) {
        case CT_EFF_CALL_HUNG:
            if (a->cfg.hang)
                open_for_call(a, rec_get(a, f->call_id, now), CT_ATT_HANG, now,
                              "assistant hung: nobody has spoken since");
            break;
        case CT_EFF_CALL_ERRORED:
            if (error_type_alerts(&a->cfg, f->text)) {
                char reason[CT_ATT_REASON_MAX];
                snprintf(reason, sizeof reason, "error: %s", f->text ? f->text : "");
                open_for_call(a, rec_get(a, f->call_id, now), CT_ATT_ERROR, now, reason);
            }
            break;
        case CT_EFF_CALL_GONE: forget_call(a, f->call_id); break;
        case CT_EFF_MONITOR:
            a->relay_state = f->monitor;
            if (f->monitor == CT_MON_LIVE || f->monitor == CT_MON_OFF) a->relay_down_since = 0;
            else if (!a->relay_down_since) a->relay_down_since = now;
            break;
        case CT_EFF_LIST_ERROR:
            if (!f->error) {
                a->api_down_since = 0;
            } else {
                if (!a->api_down_since) a->api_down_since = now;
                const char *why =
                    f->error->detail[0] ? f->error->detail : ct_strerror(f->error->code);
                size_t n = strlen(why);
                if (n >= sizeof a->api_why) n = sizeof a->api_why - 1; /* a reason, not a log */
                memcpy(a->api_why, why, n);
                a->api_why[n] = '\0';
            }
            break;
        case CT_EFF_CALL_NEW:
        case CT_EFF_CALL_LIVE:
        case CT_EFF_CALL_ENDED:
            if (f->call_id) touch(a, s, f->call_id, now);
            break;
        default: break;
        }
    }
    if (ev) {
        if (ev->call.id) touch(a, s, ev->call.id, now);
        for (size_t i = 0; i < ev->calls.n_calls; i++)
            if (ev->calls.calls[i].id) touch(a, s, ev->calls.calls[i].id, now);
    }
    check_global(a, now);
}

typedef struct tick_ctx {
    ct_attention *a;
    ct_time_ms now;
} tick_ctx;

static bool tick_call(const ct_call_entry *e, void *ud)
{
    tick_ctx *t = ud;
    ct_attention *a = t->a;
    if (!entry_live(e)) return true;
    call_rec *r = rec_get(a, e->call.id, t->now);
    if (!r) return true;
    int64_t age = since_ms(t->now, call_basis(e, r));
    char reason[CT_ATT_REASON_MAX];
    if (a->cfg.long_call_ms > 0 && age >= a->cfg.long_call_ms && !r->item[CT_ATT_LONG_CALL]) {
        snprintf(reason, sizeof reason, "live for %lld min", (long long)(age / 60000));
        open_for_call(a, r, CT_ATT_LONG_CALL, t->now, reason);
    }
    if (entry_ringing(e)) {
        if (a->cfg.ringing_ms > 0 && age >= a->cfg.ringing_ms && !r->item[CT_ATT_RINGING]) {
            snprintf(reason, sizeof reason, "%s for %llds",
                     e->call.status == CT_STATUS_QUEUED ? "queued" : "ringing",
                     (long long)(age / 1000));
            open_for_call(a, r, CT_ATT_RINGING, t->now, reason);
        }
    } else if (a->cfg.silence_ms > 0 && !r->item[CT_ATT_SILENCE] && e->confirmed_by_channel) {
        /* only a call the live channel reports has its transcript here as it
         * happens: polled list items carry no lines, so silence would be a guess */
        ct_time_ms last = call_basis(e, r);
        for (size_t i = 0; i < e->call.n_messages; i++)
            if (e->call.messages[i].timestamp > last) last = e->call.messages[i].timestamp;
        int64_t quiet = since_ms(t->now, last);
        if (quiet >= a->cfg.silence_ms) {
            snprintf(reason, sizeof reason, "no transcript line for %llds",
                     (long long)(quiet / 1000));
            open_for_call(a, r, CT_ATT_SILENCE, t->now, reason);
        }
    }
    return true;
}

/* Does the condition behind a LONG_CALL / RINGING / SILENCE item still hold? */
static bool condition_holds(const ct_attention *a, const ct_call_entry *e, const call_rec *r,
                            ct_att_rule rule, ct_time_ms now)
{
    if (!entry_live(e)) return false;
    switch (rule) {
    case CT_ATT_LONG_CALL: return true; /* only the end clears it */
    case CT_ATT_RINGING: return entry_ringing(e);
    case CT_ATT_SILENCE: {
        if (entry_ringing(e)) return false;
        ct_time_ms last = call_basis(e, r);
        for (size_t i = 0; i < e->call.n_messages; i++)
            if (e->call.messages[i].timestamp > last) last = e->call.messages[i].timestamp;
        return since_ms(now, last) >= a->cfg.silence_ms;
    }
    default: return true;
    }
}

void ct_attention_tick(ct_attention *a, const ct_store *s, ct_time_ms now)
{
    a->n_changes = 0;
    /* resolve what cleared, and drop records of calls the store let go */
    static const ct_att_rule conditions[] = {CT_ATT_LONG_CALL, CT_ATT_RINGING, CT_ATT_SILENCE};
    for (size_t i = 0; i < a->cap; i++) {
        call_rec *r = a->slots[i];
        if (!r || r == TOMB) continue;
        const ct_call_entry *e = ct_store_get(s, r->id);
        if (!e) {
            /* evicted by the store's cap (not CALL_GONE): keep its items */
            rec_free(r);
            a->slots[i] = TOMB;
            continue;
        }
        for (size_t k = 0; k < sizeof conditions / sizeof *conditions; k++) {
            ct_att_rule rule = conditions[k];
            if (r->item[rule] && !condition_holds(a, e, r, rule, now))
                item_resolve(a, r->item[rule]);
        }
    }
    tick_ctx t = {a, now};
    ct_store_foreach(s, tick_call, &t);
    for (size_t i = 0; i < a->n_items; i++) {
        ct_att_item *it = &a->items[i];
        if (it->state == CT_ATT_SNOOZED && now >= it->snooze_until) {
            it->state = CT_ATT_OPEN;
            note(a, CT_ATT_REOPENED, it->id);
        }
    }
    check_global(a, now);
}

ct_time_ms ct_attention_next_due(const ct_attention *a, const ct_store *s, ct_time_ms now)
{
    ct_time_ms due = 0;
    for (size_t i = 0; i < a->n_items; i++)
        if (a->items[i].state == CT_ATT_SNOOZED && (!due || a->items[i].snooze_until < due))
            due = a->items[i].snooze_until;
    /* the time rules: once a second while anything could cross a threshold */
    if (ct_store_live_count(s) || a->api_down_since || a->relay_down_since || a->n_failures) {
        ct_time_ms next = (now / 1000 + 1) * 1000;
        if (!due || next < due) due = next;
    }
    return due;
}

/* ---- reading and acting ----------------------------------------------------------------- */

const ct_att_change *ct_attention_changes(const ct_attention *a, size_t *n)
{
    *n = a->n_changes;
    return a->changes;
}

size_t ct_attention_count(const ct_attention *a)
{
    return a->n_items;
}

const ct_att_item *ct_attention_at(const ct_attention *a, size_t i)
{
    return i < a->n_items ? &a->items[i] : NULL;
}

const ct_att_item *ct_attention_find(const ct_attention *a, uint64_t id)
{
    return item_find((ct_attention *)a, id);
}

size_t ct_attention_open_count(const ct_attention *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_items; i++) n += a->items[i].state == CT_ATT_OPEN;
    return n;
}

static int by_urgency(const void *pa, const void *pb)
{
    const ct_att_item *x = *(const ct_att_item *const *)pa, *y = *(const ct_att_item *const *)pb;
    if (x->severity != y->severity) return x->severity > y->severity ? -1 : 1;
    if (x->opened_at != y->opened_at) return x->opened_at < y->opened_at ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

size_t ct_attention_sorted_open(const ct_attention *a, const ct_att_item **out, size_t cap)
{
    size_t n = ct_attention_open_count(a);
    const ct_att_item **all = n ? malloc(n * sizeof *all) : NULL;
    if (n && !all) return 0;
    size_t k = 0;
    for (size_t i = 0; i < a->n_items; i++)
        if (a->items[i].state == CT_ATT_OPEN) all[k++] = &a->items[i];
    if (k) qsort(all, k, sizeof *all, by_urgency);
    for (size_t i = 0; i < k && i < cap; i++) out[i] = all[i];
    free(all);
    return k;
}

const ct_att_item *ct_attention_for_call(const ct_attention *a, const char *call_id)
{
    const ct_att_item *best = NULL;
    for (size_t i = 0; i < a->n_items; i++) {
        const ct_att_item *it = &a->items[i];
        if (it->state != CT_ATT_OPEN || strcmp(it->call_id, call_id) != 0) continue;
        if (!best || it->severity > best->severity) best = it;
    }
    return best;
}

bool ct_attention_ack(ct_attention *a, uint64_t id, ct_time_ms now)
{
    (void)now;
    a->n_changes = 0;
    ct_att_item *it = item_find(a, id);
    if (!it || (it->state != CT_ATT_OPEN && it->state != CT_ATT_SNOOZED)) return false;
    it->state = CT_ATT_ACKED;
    note(a, CT_ATT_ACKNOWLEDGED, id);
    return true;
}

bool ct_attention_snooze(ct_attention *a, uint64_t id, int64_t for_ms, ct_time_ms now)
{
    a->n_changes = 0;
    ct_att_item *it = item_find(a, id);
    if (!it || for_ms <= 0 || it->state != CT_ATT_OPEN) return false;
    it->state = CT_ATT_SNOOZED;
    it->snooze_until = now + for_ms;
    note(a, CT_ATT_SNOOZE_SET, id);
    return true;
}
