/* engine.c — the simulator's scenario engine (see engine.h).
 *
 * Every call runs a small script: dial/ring (with busy, no-answer and failed
 * outcomes for outbound calls), answer, a support-desk dialogue from text.c
 * (with the odd silent "hang" and stt/llm error), then the end with an
 * analysis. Each call draws from its own PRNG stream, seeded from the
 * engine's when the call is born, so its content does not depend on how
 * other calls interleave; the engine's stream drives arrivals and ids.
 * Status changes and utterances are rendered into webhook envelopes at the
 * moment they happen, because rendering later would show a newer state. */
#include "engine.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double sim_rng_unit(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

uint32_t sim_rng_below(sim_rng *r, uint32_t n)
{
    /* Modulo bias is ~n/2^64: irrelevant for a simulator. */
    return (uint32_t)(sim_rng_next(r) % n);
}

int64_t sim_rng_range(sim_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo) return lo;
    return lo + (int64_t)(sim_rng_next(r) % (uint64_t)(hi - lo + 1));
}

void sim_rng_hex(sim_rng *r, char *out, int n)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        if (i % 16 == 0) v = sim_rng_next(r);
        out[i] = hex[v & 15];
        v >>= 4;
    }
    out[n] = '\0';
}

void sim_rng_uuid(sim_rng *r, char out[37])
{
    char h[33];
    sim_rng_hex(r, h, 32);
    h[12] = '4';                         /* version 4 */
    h[16] = "89ab"[sim_rng_below(r, 4)]; /* RFC 4122 variant */
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* ---- time and validation helpers ----------------------------------------
 * Core's codecs (calltop/model.h), so the simulator writes and reads
 * timestamps and numbers exactly as the client does; what is added here is
 * only what a query string or the simulator's own policy needs. */

void sim_iso_format(int64_t ms, char out[32])
{
    ct_time_format_iso(ms, out, 32);
}

bool sim_iso_parse(const char *s, int64_t *out)
{
    if (!s || !*s) return false;
    size_t len = strlen(s);
    /* Bare epoch milliseconds, the webhook form: accepted here too. */
    if (strspn(s, "0123456789") == len) {
        if (len > 15) return false;
        *out = strtoll(s, NULL, 10);
        return true;
    }
    /* A '+' offset that went through form decoding arrives as ' ':
     * "2020-10-05T02:00:00 02:00". Put it back before core parses it. */
    char buf[64];
    if (len >= sizeof buf) return false;
    memcpy(buf, s, len + 1);
    /* A date alone means its midnight, UTC. */
    if (len == 10) memcpy(buf + 10, "T00:00:00Z", 11);
    char *sp = strrchr(buf, ' ');
    if (sp && sp > buf + 10 && strchr(buf, 'T') && strchr(buf, 'T') < sp) *sp = '+';
    ct_time_ms t;
    if (ct_time_parse_iso(buf, &t) != CT_OK) return false;
    *out = t;
    return true;
}

bool sim_dtmf_valid(const char *s)
{
    /* core's digits, and the simulator's length cap (docs/simulator.md) */
    return ct_dtmf_valid(s) && strlen(s) <= SIM_DTMF_MAX;
}

/* ---- names of things ----------------------------------------------------- */

/* The end state has two documented spellings; --status-completed picks the
 * Connect Call page's. */
static const char *status_name(const sim_engine *e, enum sim_status s)
{
    const char *ended = e->cfg.status_completed ? "completed" : "finished";
    switch (s) {
    case SIM_ST_QUEUED: return "queued";
    case SIM_ST_ONGOING: return "ongoing";
    case SIM_ST_FORWARDED: return "forwarded";
    case SIM_ST_FINISHED: return ended;
    }
    return ended;
}

static const char *phone_name(enum sim_phone p)
{
    switch (p) {
    case SIM_PH_NONE: return NULL;
    case SIM_PH_TRYING: return "trying";
    case SIM_PH_RINGING: return "ringing";
    case SIM_PH_IN_PROGRESS: return "in-progress";
    case SIM_PH_BUSY: return "busy";
    case SIM_PH_NO_ANSWER: return "no-answer";
    case SIM_PH_FAILED: return "failed";
    case SIM_PH_COMPLETED: return "completed";
    case SIM_PH_EARLY_MEDIA: return "early-media";
    }
    return NULL;
}

static const char *grade_name(enum sim_grade g)
{
    static const char *const n[] = {"Excellent", "Good", "Fair", "Poor"};
    return n[g];
}

/* ---- call bookkeeping ---------------------------------------------------- */

enum phase { P_NONE, P_DIAL, P_RING, P_TALK, P_HANG, P_ERROR, P_END, P_FAR_LEG };
/* what metadata.simEpisode asks of an API call (episode_of) */
enum sim_episode {
    EP_NONE = 0,
    EP_HANG,
    EP_ERROR,
    EP_HUMAN,
    EP_RINGING,
    EP_BUSY,
    EP_NO_ANSWER,
    EP_FAILED
};

bool sim_call_is_live(const sim_call *c)
{
    return c->end_at == 0;
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) n *= 2;
    void *np = realloc(*p, n * elem);
    if (!np) return false;
    *p = np;
    *cap = n;
    return true;
}

static void live_add(sim_engine *e, sim_call *c)
{
    if (c->live) return;
    if (!grow((void **)&e->live, &e->cap_live, e->n_live + 1, sizeof *e->live)) abort();
    e->live[e->n_live++] = c;
    c->live = true;
}

static void live_remove(sim_engine *e, sim_call *c)
{
    if (!c->live) return;
    for (size_t i = 0; i < e->n_live; i++) {
        if (e->live[i] == c) {
            /* Keep order: the live array's order is the tie-break between
             * simultaneous events, part of what makes runs reproducible. */
            memmove(&e->live[i], &e->live[i + 1], (e->n_live - i - 1) * sizeof *e->live);
            e->n_live--;
            break;
        }
    }
    c->live = false;
}

static void call_free(sim_call *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n_msgs; i++) free(c->msgs[i].text);
    free(c->msgs);
    free(c->customer_name);
    free(c->first_message);
    free(c->summary);
    free(c->list_json);
    cJSON_Delete(c->metadata);
    free(c);
}

/* Out-of-memory inside the engine has no sensible partial outcome; the
 * simulator is a test tool, so it aborts loudly instead of limping on. */
static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n, sz);
    if (!p) abort();
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p) abort();
    return p;
}

static sim_call *call_new(sim_engine *e, int64_t at)
{
    sim_call *c = xcalloc(1, sizeof *c);
    sim_rng_seed(&c->rng, sim_rng_next(&e->rng));
    c->created_at = c->start_at = c->updated_at = at;
    c->number = -1;
    c->hang_line = c->error_line = SIZE_MAX;
    c->order_no = (int)sim_rng_range(&c->rng, 100000, 999999);
    c->amount_cents = (int)sim_rng_range(&c->rng, 999, 24999);
    c->day = (int)sim_rng_below(&c->rng, 6);
    c->hour = (int)sim_rng_range(&c->rng, 9, 17);
    if (!grow((void **)&e->calls, &e->cap_calls, e->n_calls + 1, sizeof *e->calls)) abort();
    e->calls[e->n_calls++] = c;
    return c;
}

static const char *agent_name(const sim_engine *e, const sim_call *c)
{
    return e->assistants[c->assistant].name;
}

static void add_msg(sim_call *c, char role, char *text /* owned */, int64_t ts)
{
    if (!grow((void **)&c->msgs, &c->cap_msgs, c->n_msgs + 1, sizeof *c->msgs)) abort();
    sim_msg *m = &c->msgs[c->n_msgs++];
    sim_rng_uuid(&c->rng, m->id);
    m->role = role;
    m->text = text;
    m->ts = ts;
    c->updated_at = ts;
}

/* ---- JSON ---------------------------------------------------------------- */

static void add_iso(cJSON *o, const char *k, int64_t ms)
{
    char buf[32];
    sim_iso_format(ms, buf);
    cJSON_AddStringToObject(o, k, buf);
}

static cJSON *messages_json(const sim_call *c, bool epoch_ms)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < c->n_msgs; i++) {
        const sim_msg *m = &c->msgs[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "messageId", m->id);
        cJSON_AddStringToObject(o, "role", m->role == 'u' ? "user" : "assistant");
        cJSON_AddStringToObject(o, "text", m->text);
        if (epoch_ms) cJSON_AddNumberToObject(o, "timestamp", (double)m->ts);
        else add_iso(o, "timestamp", m->ts);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *structured_json(const sim_call *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "topic", c->topic ? c->topic->key : "none");
    if (c->customer_name) cJSON_AddStringToObject(o, "customerName", c->customer_name);
    cJSON_AddBoolToObject(o, "resolved", c->resolved);
    if (c->topic) {
        char buf[16];
        snprintf(buf, sizeof buf, "NW-%06d", c->order_no);
        cJSON_AddStringToObject(o, "orderNumber", buf);
    }
    return o;
}

/* `report`: the end-of-call-report form (grade words and guardrails) rather
 * than REST's success/failure. */
static cJSON *analysis_json(const sim_call *c, bool report)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "summary", c->summary ? c->summary : "");
    if (report) cJSON_AddStringToObject(a, "successEvaluation", grade_name(c->grade));
    else
        cJSON_AddStringToObject(a, "successEvaluation",
                                c->grade <= SIM_GRADE_GOOD ? "success" : "failure");
    cJSON_AddItemToObject(a, "structuredData", structured_json(c));
    cJSON_AddStringToObject(a, "outcome", c->outcome ? c->outcome : "");
    if (report) {
        cJSON *g = cJSON_AddObjectToObject(a, "guardrails");
        cJSON_AddBoolToObject(g, "piiRedacted", true);
        cJSON_AddBoolToObject(g, "escalationRequired", c->grade == SIM_GRADE_POOR);
    }
    return a;
}

cJSON *sim_call_json(const sim_engine *e, const sim_call *c, bool with_messages)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", c->id);
    cJSON_AddStringToObject(o, "teamId", e->team_id);
    cJSON_AddStringToObject(o, "assistantId", e->assistants[c->assistant].id);
    if (c->number >= 0) cJSON_AddStringToObject(o, "phoneNumberId", e->numbers[c->number].id);
    cJSON_AddStringToObject(o, "callType", c->web ? "web" : "phone");
    cJSON_AddStringToObject(o, "direction", c->outbound ? "outbound" : "inbound");
    add_iso(o, "startAt", c->start_at);
    if (c->end_at) add_iso(o, "endAt", c->end_at);
    add_iso(o, "createdAt", c->created_at);
    add_iso(o, "updatedAt", c->updated_at);
    cJSON_AddStringToObject(o, "userNumber", c->user_number);
    cJSON_AddStringToObject(o, "assistantNumber", c->assistant_number);
    cJSON_AddStringToObject(o, "status", status_name(e, c->status));
    if (phone_name(c->phone)) cJSON_AddStringToObject(o, "phoneCallStatus", phone_name(c->phone));
    if (c->phone_reason) cJSON_AddStringToObject(o, "phoneCallStatusReason", c->phone_reason);
    if (c->trigger != SIM_TR_NONE)
        cJSON_AddStringToObject(o, "callEndTriggerBy",
                                c->trigger == SIM_TR_USER ? "user" : "assistant");
    cJSON *mon = cJSON_AddObjectToObject(o, "monitor");
    char url[256];
    snprintf(url, sizeof url, "%s/calls/v1/conversations/%s/control", e->base_url, c->id);
    cJSON_AddStringToObject(mon, "controlUrl", url);
    cJSON *cust = cJSON_AddObjectToObject(o, "customer");
    cJSON_AddStringToObject(cust, "number", c->user_number);
    if (c->customer_name) cJSON_AddStringToObject(cust, "name", c->customer_name);
    if (c->analysed) cJSON_AddItemToObject(o, "analysis", analysis_json(c, false));
    if (c->metadata) cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(c->metadata, true));
    if (with_messages) cJSON_AddItemToObject(o, "messages", messages_json(c, false));
    return o;
}

cJSON *sim_number_json(const sim_engine *e, const sim_number *n)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "_id", n->id);
    cJSON_AddStringToObject(o, "teamId", e->team_id);
    cJSON_AddStringToObject(o, "number", n->number);
    cJSON *p = cJSON_AddObjectToObject(o, "provider");
    cJSON_AddStringToObject(p, "name", "twilio");
    cJSON_AddStringToObject(o, "assistantId", e->assistants[n->assistant].id);
    cJSON_AddBoolToObject(o, "inboundEnabled", n->inbound_enabled);
    cJSON_AddBoolToObject(o, "outboundEnabled", n->outbound_enabled);
    cJSON_AddStringToObject(o, "label", n->label);
    return o;
}

cJSON *sim_assistant_json(const sim_engine *e, const sim_assistant *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "teamId", e->team_id);
    cJSON_AddStringToObject(o, "name", a->name);
    cJSON *m = cJSON_AddObjectToObject(o, "model");
    cJSON_AddStringToObject(m, "provider", "openai");
    cJSON_AddStringToObject(m, "model", "gpt-4o-mini");
    cJSON *v = cJSON_AddObjectToObject(o, "voice");
    cJSON_AddStringToObject(v, "provider", "elevenlabs");
    cJSON_AddStringToObject(o, "firstMessage", "Thank you for calling Northwind Telecom.");
    return o;
}

/* ---- webhook envelopes --------------------------------------------------- */

enum ev { EV_STATUS, EV_CONVERSATION, EV_REPORT, EV_HANG, EV_ERROR };

static void emit(sim_engine *e, sim_call *c, enum ev type, const char *err_type)
{
    if (e->quiet || !e->cfg.events) return;
    static const char *const names[] = {"status-update", "conversation-update",
                                        "end-of-call-report", "hang", "error"};
    cJSON *root = cJSON_CreateObject();
    cJSON *m = cJSON_AddObjectToObject(root, "message");
    cJSON_AddNumberToObject(m, "timestamp", (double)e->now);
    cJSON_AddStringToObject(m, "type", names[type]);
    if (type == EV_STATUS) cJSON_AddStringToObject(m, "status", status_name(e, c->status));
    cJSON_AddItemToObject(m, "call", sim_call_json(e, c, false));
    cJSON_AddItemToObject(m, "assistant", sim_assistant_json(e, &e->assistants[c->assistant]));
    if (c->number >= 0) {
        cJSON_AddItemToObject(m, "phone", sim_number_json(e, &e->numbers[c->number]));
    } else {
        cJSON *p = cJSON_AddObjectToObject(m, "phone");
        cJSON_AddStringToObject(p, "number", c->assistant_number);
    }
    cJSON *cust = cJSON_AddObjectToObject(m, "customer");
    cJSON_AddStringToObject(cust, "number", c->user_number);
    if (c->customer_name) cJSON_AddStringToObject(cust, "name", c->customer_name);
    if (type == EV_CONVERSATION || type == EV_REPORT || type == EV_HANG)
        cJSON_AddItemToObject(m, "messages", messages_json(c, true));
    if (type == EV_REPORT) {
        int64_t dur = (c->end_at > c->start_at ? c->end_at - c->start_at : 0);
        cJSON_AddItemToObject(m, "analysis", analysis_json(c, true));
        cJSON *cost = cJSON_AddObjectToObject(m, "cost");
        double total = (double)dur / 60000.0 * 0.09;
        cJSON_AddNumberToObject(cost, "total", floor(total * 10000.0 + 0.5) / 10000.0);
        cJSON_AddStringToObject(cost, "currency", "USD");
        cJSON *met = cJSON_AddObjectToObject(m, "metrics");
        cJSON_AddNumberToObject(met, "durationMs", (double)dur);
        size_t u = 0;
        for (size_t i = 0; i < c->n_msgs; i++) u += c->msgs[i].role == 'u';
        cJSON_AddNumberToObject(met, "userTurns", (double)u);
        cJSON_AddNumberToObject(met, "assistantTurns", (double)(c->n_msgs - u));
        cJSON_AddNumberToObject(met, "avgLatencyMs", (double)(600 + c->order_no % 500));
        cJSON *rec = cJSON_AddObjectToObject(m, "recording");
        char url[160];
        snprintf(url, sizeof url, "https://recordings.interactly.invalid/%s.mp3", c->id);
        cJSON_AddStringToObject(rec, "url", url);
        cJSON_AddNumberToObject(rec, "durationMs", (double)dur);
    }
    if (type == EV_ERROR) {
        bool llm = strcmp(err_type, "llm_error") == 0;
        cJSON *er = cJSON_AddObjectToObject(m, "error");
        cJSON_AddStringToObject(er, "type", err_type);
        cJSON_AddStringToObject(er, "code", llm ? "rate_limit_exceeded" : "stream_timeout");
        cJSON_AddStringToObject(er, "message",
                                llm ? "The model provider returned 429; retrying."
                                    : "Speech-to-text stream stalled for 3 s.");
        cJSON_AddStringToObject(er, "provider", llm ? "openai" : "deepgram");
        cJSON_AddBoolToObject(er, "retryable", true);
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) abort();
    if (!grow((void **)&e->out, &e->cap_out, e->n_out + 1, sizeof *e->out)) abort();
    e->out[e->n_out].at = e->now;
    e->out[e->n_out].json = json;
    e->n_out++;
    e->events_total++;
}

size_t sim_engine_take_events(sim_engine *e, sim_event **out)
{
    size_t n = e->n_out;
    *out = e->out;
    e->out = NULL;
    e->n_out = e->cap_out = 0;
    return n;
}

/* ---- the script ---------------------------------------------------------- */

static void set_state(sim_engine *e, sim_call *c, enum sim_status st, enum sim_phone ph,
                      const char *reason)
{
    c->status = st;
    if (!c->web) c->phone = ph;
    c->phone_reason = reason;
    c->updated_at = e->now;
    emit(e, c, EV_STATUS, NULL);
}

static void analyse(sim_engine *e, sim_call *c, bool complete)
{
    c->analysed = true;
    free(c->summary);
    if (c->fail_kind) {
        static const char *const what[] = {[SIM_PH_BUSY] = "the line was busy",
                                           [SIM_PH_NO_ANSWER] = "nobody answered",
                                           [SIM_PH_FAILED] = "the carrier rejected the call"};
        char buf[160];
        snprintf(buf, sizeof buf, "Outbound call to %s did not connect: %s.", c->user_number,
                 what[c->fail_kind]);
        c->summary = xstrdup(buf);
        c->grade = SIM_GRADE_POOR;
        c->outcome = phone_name((enum sim_phone)c->fail_kind);
        c->resolved = false;
    } else if (c->forward_to[0]) {
        char *who = sim_text_expand("{name}", c, agent_name(e, c));
        char buf[256];
        snprintf(buf, sizeof buf, "%s called about %s; the call was forwarded to %s.",
                 who ? who : "The caller", c->topic ? c->topic->key : "an issue", c->forward_to);
        free(who);
        c->summary = xstrdup(buf);
        c->grade = SIM_GRADE_GOOD;
        c->outcome = "forwarded";
        c->resolved = false;
    } else if (!complete || !c->topic) {
        char *who = sim_text_expand("{name}", c, agent_name(e, c));
        char buf[256];
        snprintf(buf, sizeof buf,
                 "%s called about %s; the call ended before the issue was settled.",
                 who ? who : "The caller", c->topic ? c->topic->key : "an unknown issue");
        free(who);
        c->summary = xstrdup(buf);
        c->grade = SIM_GRADE_FAIR;
        c->outcome = "ended-early";
        c->resolved = false;
    } else {
        c->summary = sim_text_expand(c->topic->summary, c, agent_name(e, c));
        if (!c->summary) abort();
        uint32_t r = sim_rng_below(&c->rng, 100);
        c->grade = r < 35 ? SIM_GRADE_EXCELLENT
            : r < 70      ? SIM_GRADE_GOOD
            : r < 90      ? SIM_GRADE_FAIR
                          : SIM_GRADE_POOR;
        c->outcome = c->topic->outcome;
        c->resolved =
            strcmp(c->outcome, "escalated") != 0 && strcmp(c->outcome, "callback-requested") != 0;
    }
}

static void finish(sim_engine *e, sim_call *c, enum sim_status st, enum sim_phone ph,
                   const char *reason, enum sim_trigger trig, bool complete)
{
    c->end_at = e->now;
    c->trigger = trig;
    c->phase = P_NONE;
    c->next_at = 0;
    analyse(e, c, complete);
    set_state(e, c, st, ph, reason);
    emit(e, c, EV_REPORT, NULL);
    live_remove(e, c);
}

static void schedule_line(sim_call *c, int64_t now)
{
    const sim_line *ln = &c->topic->lines[c->line];
    int64_t gap = sim_rng_range(&c->rng, 1500, 4000);
    if (c->line == c->hang_line && ln->role == 'a') {
        /* The assistant goes quiet long enough for a hang webhook. */
        c->phase = P_HANG;
        c->next_at = now + 5000;
        return;
    }
    if (c->line == c->error_line) {
        c->phase = P_ERROR;
        c->next_at = now + gap / 2;
        return;
    }
    c->phase = P_TALK;
    c->next_at = now + gap;
}

static void say_line(sim_engine *e, sim_call *c)
{
    const sim_line *ln = &c->topic->lines[c->line];
    char *text;
    if (ln->role == 'a' && c->first_message) {
        /* the caller's override replaces the script's first assistant line */
        text = c->first_message;
        c->first_message = NULL;
    } else {
        text = sim_text_expand(ln->text, c, agent_name(e, c));
    }
    if (!text) abort();
    if (c->episode == EP_HUMAN && ln->role == 'u') {
        /* the episode's customer wants a person, on their first line */
        free(text);
        text = xstrdup("This is not working. I want to speak to a human agent, please.");
        c->episode = 0;
    }
    add_msg(c, ln->role, text, e->now);
    emit(e, c, EV_CONVERSATION, NULL);
    c->line++;
    if (c->line >= c->topic->n_lines) {
        c->phase = P_END;
        c->next_at = e->now + sim_rng_range(&c->rng, 600, 1500);
    } else {
        schedule_line(c, e->now);
    }
}

/* Runs the call's event that is due at c->next_at (== e->now). */
static void advance(sim_engine *e, sim_call *c)
{
    switch (c->phase) {
    case P_DIAL:
        /* Some carriers play early media (a recorded message, a ringback
         * tone) before ringing; generated calls show it now and then. */
        if (!c->via_api && c->phone == SIM_PH_TRYING && sim_rng_unit(&c->rng) < 0.3) {
            set_state(e, c, SIM_ST_QUEUED, SIM_PH_EARLY_MEDIA, NULL);
            c->next_at = e->now + sim_rng_range(&c->rng, 300, 900);
            break;
        }
        set_state(e, c, SIM_ST_QUEUED, SIM_PH_RINGING, NULL);
        c->phase = P_RING;
        c->next_at = e->now +
            (c->via_api ? sim_rng_range(&c->rng, 1500, 2500) : sim_rng_range(&c->rng, 2000, 8000));
        /* stuck ringing: an hour, or until ended through the API */
        if (c->episode == EP_RINGING) c->next_at = e->now + 3600 * 1000;
        break;
    case P_RING:
        if (c->fail_kind) {
            static const char *const why[] = {[SIM_PH_BUSY] = "The callee's line was busy.",
                                              [SIM_PH_NO_ANSWER] = "No answer within 30 seconds.",
                                              [SIM_PH_FAILED] =
                                                  "Carrier error: 503 Service Unavailable."};
            finish(e, c, SIM_ST_FINISHED, (enum sim_phone)c->fail_kind, why[c->fail_kind],
                   SIM_TR_NONE, false);
            break;
        }
        set_state(e, c, SIM_ST_ONGOING, SIM_PH_IN_PROGRESS, NULL);
        c->phase = P_TALK;
        c->next_at = e->now + sim_rng_range(&c->rng, 300, 900);
        break;
    case P_TALK: say_line(e, c); break;
    case P_HANG:
        emit(e, c, EV_HANG, NULL);
        c->hang_line = SIZE_MAX;
        c->phase = P_TALK;
        c->next_at = e->now + sim_rng_range(&c->rng, 1000, 4000);
        break;
    case P_ERROR: {
        const char *t = c->topic->lines[c->line].role == 'u' ? "stt_error" : "llm_error";
        emit(e, c, EV_ERROR, t);
        c->error_line = SIZE_MAX;
        c->phase = P_TALK;
        c->next_at = e->now + sim_rng_range(&c->rng, 800, 2500);
        break;
    }
    case P_END: {
        bool user = c->n_msgs && c->msgs[c->n_msgs - 1].role == 'u';
        finish(e, c, SIM_ST_FINISHED, SIM_PH_COMPLETED,
               user ? "customer-ended-call" : "assistant-ended-call",
               user ? SIM_TR_USER : SIM_TR_ASSISTANT, true);
        break;
    }
    case P_FAR_LEG:
        /* The forwarded leg hangs up; the call stays `forwarded`. */
        finish(e, c, SIM_ST_FORWARDED, c->web ? SIM_PH_NONE : SIM_PH_COMPLETED,
               "forwarded-call-ended", SIM_TR_USER, false);
        break;
    default:
        c->next_at = 0;
        live_remove(e, c);
        break;
    }
}

static void plan_dialogue(sim_call *c)
{
    c->topic = sim_topic_get(sim_rng_below(&c->rng, (uint32_t)sim_topic_count()));
    c->line = 0;
    if (sim_rng_unit(&c->rng) < 0.15) {
        /* An assistant line after the greeting. */
        size_t n = c->topic->n_lines;
        for (size_t tries = 0; tries < 8; tries++) {
            size_t i = 2 + sim_rng_below(&c->rng, (uint32_t)(n - 2));
            if (c->topic->lines[i].role == 'a') {
                c->hang_line = i;
                break;
            }
        }
    }
    if (sim_rng_unit(&c->rng) < 0.08)
        c->error_line = 1 + sim_rng_below(&c->rng, (uint32_t)(c->topic->n_lines - 1));
}

static void random_number(sim_rng *r, char *out, size_t len)
{
    static const struct {
        const char *prefix;
        int digits;
    } fmt[] = {
        {"+1415555", 4}, {"+1212555", 4}, {"+4420", 8}, {"+4930", 8}, {"+3314", 8}, {"+9198", 8},
        {"+813", 8},     {"+8610", 8},    {"+4822", 7}, {"+3491", 7}, {"+5511", 9}, {"+61291", 6},
    };
    size_t k = sim_rng_below(r, sizeof fmt / sizeof fmt[0]);
    size_t n = (size_t)snprintf(out, len, "%s", fmt[k].prefix);
    for (int i = 0; i < fmt[k].digits && n + 1 < len; i++)
        out[n++] = (char)('0' + sim_rng_below(r, 10));
    out[n] = '\0';
}

/* A call the engine invents (history, initial and arriving live calls). */
static sim_call *spawn_generated(sim_engine *e, int64_t at)
{
    sim_call *c = call_new(e, at);
    uint32_t kind = sim_rng_below(&c->rng, 100);
    char uuid[37];
    sim_rng_uuid(&e->rng, uuid);
    c->customer_name = xstrdup(sim_name_get(sim_rng_below(&c->rng, (uint32_t)sim_name_count())));
    plan_dialogue(c);
    if (kind < 20) {
        c->web = true;
        snprintf(c->id, sizeof c->id, "WC-%s", uuid);
        c->assistant = (int)sim_rng_below(&c->rng, (uint32_t)e->n_assistants);
        char h[13];
        sim_rng_hex(&c->rng, h, 12);
        snprintf(c->user_number, sizeof c->user_number, "web-%s", h);
        snprintf(c->assistant_number, sizeof c->assistant_number, "web-widget");
        c->status = SIM_ST_QUEUED;
        c->phase = P_RING;
        c->next_at = at + sim_rng_range(&c->rng, 400, 1200);
    } else {
        c->outbound = kind >= 60;
        /* Inbound numbers only; outbound ones must be outbound-enabled. */
        size_t idx;
        do idx = sim_rng_below(&c->rng, (uint32_t)e->n_numbers);
        while (c->outbound ? !e->numbers[idx].outbound_enabled : !e->numbers[idx].inbound_enabled);
        c->number = (int)idx;
        c->assistant = e->numbers[idx].assistant;
        snprintf(c->assistant_number, sizeof c->assistant_number, "%s", e->numbers[idx].number);
        random_number(&c->rng, c->user_number, sizeof c->user_number);
        c->status = SIM_ST_QUEUED;
        if (c->outbound) {
            snprintf(c->id, sizeof c->id, "CC-%s", uuid);
            uint32_t f = sim_rng_below(&c->rng, 100);
            c->fail_kind = f < 8 ? SIM_PH_BUSY
                : f < 16         ? SIM_PH_NO_ANSWER
                : f < 20         ? SIM_PH_FAILED
                                 : 0;
            c->phone = SIM_PH_TRYING;
            c->phase = P_DIAL;
            c->next_at = at + sim_rng_range(&c->rng, 300, 1200);
        } else {
            snprintf(c->id, sizeof c->id, "%s", uuid);
            c->phone = SIM_PH_RINGING;
            c->phase = P_RING;
            c->next_at = at + sim_rng_range(&c->rng, 1000, 3000);
        }
    }
    live_add(e, c);
    if (!e->quiet) emit(e, c, EV_STATUS, NULL);
    return c;
}

/* Runs one call on its own up to `limit` (history and warm-up only). */
static void run_call_until(sim_engine *e, sim_call *c, int64_t limit)
{
    while (c->live && c->next_at && c->next_at <= limit) {
        e->now = c->next_at;
        advance(e, c);
    }
}

static int generated_live(const sim_engine *e)
{
    int n = 0;
    for (size_t i = 0; i < e->n_live; i++) n += !e->live[i]->via_api;
    return n;
}

static int64_t exp_gap_ms(sim_rng *r, double rate)
{
    double u = sim_rng_unit(r);
    double g = -log(1.0 - u) / rate * 1000.0;
    if (g < 1) g = 1;
    if (g > 3600e3) g = 3600e3;
    return (int64_t)g;
}

/* ---- engine lifecycle ---------------------------------------------------- */

sim_engine *sim_engine_new(const sim_engine_config *cfg)
{
    sim_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->cfg = *cfg;
    snprintf(e->base_url, sizeof e->base_url, "%s",
             cfg->base_url ? cfg->base_url : "http://127.0.0.1");
    e->cfg.base_url = e->base_url;
    sim_rng_seed(&e->rng, cfg->seed);
    sim_rng_hex(&e->rng, e->team_id, 24);

    static const char *const anames[] = {"Ava (Support)", "Billing Assistant", "Émile — Sales",
                                         "After-hours Bot"};
    e->n_assistants = 4;
    for (size_t i = 0; i < e->n_assistants; i++) {
        sim_rng_uuid(&e->rng, e->assistants[i].id);
        e->assistants[i].name = anames[i];
    }
    static const struct {
        const char *num, *label;
        int asst;
        bool in, out;
    } nums[] = {
        {"+14155550100", "support", 0, true, true},
        {"+442071838750", "uk-support", 0, true, true},
        {"+4930120045678", "de-billing", 1, true, true},
        {"+918067001234", "in-sales", 2, true, true},
        {"+13125550199", "inbound-only", 3, true, false},
        {"+815012345678", "jp-desk", 0, true, true},
    };
    e->n_numbers = 6;
    for (size_t i = 0; i < e->n_numbers; i++) {
        sim_number *n = &e->numbers[i];
        sim_rng_hex(&e->rng, n->id, 24);
        snprintf(n->number, sizeof n->number, "%s", nums[i].num);
        snprintf(n->label, sizeof n->label, "%s", nums[i].label);
        n->assistant = nums[i].asst;
        n->inbound_enabled = nums[i].in;
        n->outbound_enabled = nums[i].out;
    }

    /* History: start times going back from t0 (a call roughly every 90 s),
     * generated oldest first so creation order is chronological. */
    e->quiet = true;
    int64_t t0 = cfg->t0;
    if (cfg->history > 0) {
        int64_t *starts = malloc((size_t)cfg->history * sizeof *starts);
        if (!starts) {
            free(e);
            return NULL;
        }
        int64_t t = t0 - 180000;
        /* With a span, evenly spaced (plus jitter) so any count fits it. */
        int64_t gap = cfg->history_span_ms > 0 ? cfg->history_span_ms / cfg->history : 0;
        for (int i = cfg->history - 1; i >= 0; i--) {
            starts[i] = t;
            t -= gap > 0 ? gap / 2 + sim_rng_range(&e->rng, 0, gap)
                         : sim_rng_range(&e->rng, 20000, 160000);
        }
        for (int i = 0; i < cfg->history; i++) {
            sim_call *c = spawn_generated(e, starts[i]);
            run_call_until(e, c, t0);
        }
        free(starts);
    }
    /* Live calls already under way when the simulator starts, oldest first
     * so e->calls stays in start order (List Calls relies on it for speed). */
    int n_warm = cfg->live_target > 0 ? cfg->live_target : 0;
    int64_t *ages = malloc(((size_t)n_warm + 1) * sizeof *ages);
    if (!ages) {
        sim_engine_free(e);
        return NULL;
    }
    for (int i = 0; i < n_warm; i++) ages[i] = sim_rng_range(&e->rng, 0, 25000);
    for (int i = 1; i < n_warm; i++) /* insertion sort, descending age */
        for (int j = i; j > 0 && ages[j] > ages[j - 1]; j--) {
            int64_t t = ages[j];
            ages[j] = ages[j - 1];
            ages[j - 1] = t;
        }
    for (int i = 0; i < n_warm; i++) {
        sim_call *c = spawn_generated(e, t0 - ages[i]);
        run_call_until(e, c, t0);
    }
    free(ages);
    e->quiet = false;
    e->now = t0;
    if (cfg->rate > 0) e->next_arrival = t0 + exp_gap_ms(&e->rng, cfg->rate);
    return e;
}

void sim_engine_free(sim_engine *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n_calls; i++) call_free(e->calls[i]);
    free(e->calls);
    free(e->live);
    for (size_t i = 0; i < e->n_out; i++) free(e->out[i].json);
    free(e->out);
    free(e);
}

void sim_engine_step(sim_engine *e, int64_t now)
{
    if (now < e->now) now = e->now;
    for (;;) {
        sim_call *due = NULL;
        for (size_t i = 0; i < e->n_live; i++) {
            sim_call *c = e->live[i];
            if (c->next_at && (!due || c->next_at < due->next_at)) due = c;
        }
        int64_t due_at = due ? due->next_at : INT64_MAX;
        if (e->next_arrival && e->next_arrival <= now && e->next_arrival <= due_at) {
            e->now = e->next_arrival;
            if (generated_live(e) < e->cfg.live_target) spawn_generated(e, e->now);
            e->next_arrival = e->now + exp_gap_ms(&e->rng, e->cfg.rate);
            continue;
        }
        if (!due || due_at > now) break;
        e->now = due_at;
        advance(e, due);
    }
    e->now = now;
}

/* ---- lookups ------------------------------------------------------------- */

sim_call *sim_engine_find(const sim_engine *e, const char *id)
{
    /* Newest first: the calls people ask about are usually recent. */
    for (size_t i = e->n_calls; i-- > 0;)
        if (strcmp(e->calls[i]->id, id) == 0) return e->calls[i];
    return NULL;
}

const sim_number *sim_engine_find_number(const sim_engine *e, const char *id)
{
    for (size_t i = 0; i < e->n_numbers; i++)
        if (strcmp(e->numbers[i].id, id) == 0) return &e->numbers[i];
    return NULL;
}

const sim_assistant *sim_engine_find_assistant(const sim_engine *e, const char *id)
{
    for (size_t i = 0; i < e->n_assistants; i++)
        if (strcmp(e->assistants[i].id, id) == 0) return &e->assistants[i];
    return NULL;
}

/* ---- API-created calls --------------------------------------------------- */

/* Situations on demand (docs/simulator.md "Episodes on demand"): an API call
 * whose metadata has simEpisode gets it for sure, so a test can drive each
 * attention rule of calltop end to end. */
static int episode_of(const cJSON *metadata)
{
    const cJSON *v = metadata ? cJSON_GetObjectItemCaseSensitive(metadata, "simEpisode") : NULL;
    if (!cJSON_IsString(v)) return 0;
    static const struct {
        const char *name;
        int ep;
    } eps[] = {
        {"hang", EP_HANG},       {"error", EP_ERROR}, {"human", EP_HUMAN},
        {"ringing", EP_RINGING}, {"busy", EP_BUSY},   {"no-answer", EP_NO_ANSWER},
        {"failed", EP_FAILED},
    };
    for (size_t i = 0; i < sizeof eps / sizeof *eps; i++)
        if (strcmp(v->valuestring, eps[i].name) == 0) return eps[i].ep;
    return 0;
}

static void apply_episode(sim_call *c)
{
    switch (c->episode) {
    case EP_HANG:
        /* the assistant goes quiet before its first line after the greeting */
        for (size_t i = 1; i < c->topic->n_lines; i++)
            if (c->topic->lines[i].role == 'a') {
                c->hang_line = i;
                break;
            }
        break;
    case EP_ERROR: c->error_line = 1; break;
    case EP_BUSY: c->fail_kind = SIM_PH_BUSY; break;
    case EP_NO_ANSWER: c->fail_kind = SIM_PH_NO_ANSWER; break;
    case EP_FAILED: c->fail_kind = SIM_PH_FAILED; break;
    default: break;
    }
}

/* API calls always get answered (busy/no-answer come from generated calls
 * only) so clients and tests can rely on queued -> ringing -> ongoing. */
static sim_call *spawn_api(sim_engine *e, bool outbound, const sim_assistant *asst,
                           const cJSON *metadata, const char *id_prefix)
{
    sim_call *c = call_new(e, e->now);
    char uuid[37];
    sim_rng_uuid(&e->rng, uuid);
    snprintf(c->id, sizeof c->id, "%s%s", id_prefix, uuid);
    c->via_api = true;
    c->outbound = outbound;
    c->assistant = asst ? (int)(asst - e->assistants) : 0;
    if (metadata && cJSON_IsObject(metadata)) c->metadata = cJSON_Duplicate(metadata, true);
    plan_dialogue(c);
    c->episode = episode_of(metadata);
    apply_episode(c);
    c->status = SIM_ST_QUEUED;
    c->phone = SIM_PH_TRYING;
    c->phase = P_DIAL;
    c->next_at = e->now + sim_rng_range(&c->rng, 800, 1200);
    live_add(e, c);
    return c;
}

sim_call *sim_engine_connect(sim_engine *e, const sim_number *num, const char *customer_number,
                             const char *customer_name, const sim_assistant *asst, bool outbound,
                             const cJSON *metadata)
{
    if (!asst) asst = &e->assistants[num->assistant];
    sim_call *c = spawn_api(e, outbound, asst, metadata, "CC-");
    c->number = (int)(num - e->numbers);
    snprintf(c->assistant_number, sizeof c->assistant_number, "%s", num->number);
    snprintf(c->user_number, sizeof c->user_number, "%s", customer_number);
    if (customer_name && *customer_name) c->customer_name = xstrdup(customer_name);
    emit(e, c, EV_STATUS, NULL);
    return c;
}

void sim_engine_set_first_message(sim_call *c, const char *text)
{
    free(c->first_message);
    c->first_message = text && *text ? xstrdup(text) : NULL;
}

sim_call *sim_engine_create(sim_engine *e, const char *user_number, const char *assistant_number,
                            const sim_assistant *asst, const cJSON *metadata)
{
    sim_call *c = spawn_api(e, true, asst, metadata, "");
    snprintf(c->assistant_number, sizeof c->assistant_number, "%s", assistant_number);
    snprintf(c->user_number, sizeof c->user_number, "%s", user_number);
    /* A raw number the account owns gets linked to it. */
    for (size_t i = 0; i < e->n_numbers; i++)
        if (strcmp(e->numbers[i].number, assistant_number) == 0) c->number = (int)i;
    emit(e, c, EV_STATUS, NULL);
    return c;
}

/* ---- control ------------------------------------------------------------- */

static void control_log(sim_call *c, const char *type, const char *message, int64_t at)
{
    if (!c->metadata) c->metadata = cJSON_CreateObject();
    cJSON *log = cJSON_GetObjectItemCaseSensitive(c->metadata, "controls");
    if (!cJSON_IsArray(log)) {
        cJSON_DeleteItemFromObjectCaseSensitive(c->metadata, "controls");
        log = cJSON_AddArrayToObject(c->metadata, "controls");
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", type);
    cJSON_AddStringToObject(o, "message", message ? message : "");
    add_iso(o, "at", at);
    cJSON_AddItemToArray(log, o);
}

static char *fmt_dup(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + strlen(b) + 1;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, fmt, a, b);
    return p;
}

sim_ctl_result sim_engine_control(sim_engine *e, sim_call *c, const char *type, const char *message,
                                  const char **why)
{
    static const char *const types[] = {"say", "end", "forward", "dtmf", "sms"};
    int t = -1;
    for (int i = 0; i < 5 && type; i++)
        if (strcmp(type, types[i]) == 0) t = i;
    *why = NULL;
    if (t < 0) {
        *why =
            "value is not a valid enumeration member; permitted: 'say', 'end', 'forward', 'dtmf', 'sms'";
        return SIM_CTL_BAD_TYPE;
    }
    if (!message) {
        *why = "field required";
        return SIM_CTL_BAD_MESSAGE;
    }
    switch (t) {
    case 0:
    case 4:
        if (!*message) {
            *why = "message must not be empty";
            return SIM_CTL_BAD_MESSAGE;
        }
        break;
    case 2:
        if (!ct_e164_valid(message)) {
            *why = "forward destination must be an E.164 number (+ and 2-15 digits)";
            return SIM_CTL_BAD_MESSAGE;
        }
        break;
    case 3:
        if (!sim_dtmf_valid(message)) {
            *why = "DTMF digits must be 1-64 of 0-9 * # A-D";
            return SIM_CTL_BAD_MESSAGE;
        }
        break;
    default: break;
    }
    if (!sim_call_is_live(c)) {
        *why = "call has already ended";
        return SIM_CTL_ENDED;
    }
    switch (t) {
    case 0: /* say: an assistant line, now */
        add_msg(c, 'a', xstrdup(message), e->now);
        emit(e, c, EV_CONVERSATION, NULL);
        break;
    case 1: /* end: optional closing line, then the assistant side hangs up */
        if (*message) {
            add_msg(c, 'a', xstrdup(message), e->now);
            emit(e, c, EV_CONVERSATION, NULL);
        }
        finish(e, c, SIM_ST_FINISHED, c->web ? SIM_PH_NONE : SIM_PH_COMPLETED,
               "assistant-ended-call", SIM_TR_ASSISTANT, c->topic && c->line >= c->topic->n_lines);
        break;
    case 2: /* forward: the AI leaves, the far leg talks on for a while */
        snprintf(c->forward_to, sizeof c->forward_to, "%s", message);
        add_msg(c, 'a', fmt_dup("Transferring you to %s now.%s", message, ""), e->now);
        control_log(c, "forward", message, e->now);
        emit(e, c, EV_CONVERSATION, NULL);
        set_state(e, c, SIM_ST_FORWARDED,
                  c->phone == SIM_PH_NONE ? SIM_PH_NONE : SIM_PH_IN_PROGRESS, "call-forwarded");
        c->phase = P_FAR_LEG;
        c->next_at = e->now + sim_rng_range(&c->rng, 15000, 40000);
        break;
    case 3: /* dtmf and sms: recorded in the transcript and metadata.controls */
        add_msg(c, 'a', fmt_dup("[dtmf] %s%s", message, ""), e->now);
        control_log(c, "dtmf", message, e->now);
        emit(e, c, EV_CONVERSATION, NULL);
        break;
    case 4:
        add_msg(c, 'a', fmt_dup("[sms to %s] %s", c->user_number, message), e->now);
        control_log(c, "sms", message, e->now);
        emit(e, c, EV_CONVERSATION, NULL);
        break;
    }
    return SIM_CTL_OK;
}
