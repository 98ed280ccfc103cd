/* test_attention.c — the attention rules (core/attention.c) fed by the real
 * reducer and store, with a fake clock: every rule's threshold and
 * boundary, clock jumps both ways, acknowledgement, snooze expiry, dedup,
 * the keyword regex on non-ASCII and hostile text, and the settings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/attention.h"

/* 2023-11-14T22:13:20Z */
#define NOW       1700000000000LL
#define START_ISO "2023-11-14T22:13:20Z" /* == NOW */

typedef struct fixture {
    ct_store *store;
    ct_reducer r;
    ct_attention *a;
    ct_att_config cfg;
} fixture;

/* Everything off: each test turns on the rule it checks. */
static void cfg_off(ct_att_config *c)
{
    memset(c, 0, sizeof *c);
}

static fixture *make(const ct_att_config *c)
{
    fixture *f = calloc(1, sizeof *f);
    f->store = ct_store_new(NULL);
    ct_reducer_init(&f->r, f->store);
    f->cfg = *c;
    ct_error err;
    f->a = ct_attention_new(c, &err);
    assert_non_null(f->a);
    return f;
}

static void destroy(fixture *f)
{
    ct_attention_free(f->a);
    ct_reducer_free(&f->r);
    ct_store_free(f->store);
    free(f);
}

static ct_event *ev_json(ct_event_type t, const char *json)
{
    ct_event *ev = ct_event_new(t);
    ct_error err;
    assert_int_equal(ct_call_decode(json, strlen(json), &ev->call, &err), CT_OK);
    return ev;
}

static ct_event *ev_update(ct_webhook_type kind, ct_time_ms ts, const char *json)
{
    ct_event *ev = ev_json(CT_EV_MONITOR_UPDATE, json);
    ev->update_kind = kind;
    ev->last_event_ms = ts;
    return ev;
}

/* reducer, then the rules, then the event is freed; returns changes. */
static size_t feed(fixture *f, ct_event *ev, ct_time_ms now)
{
    const ct_effects *fx = ct_reduce_apply(&f->r, ev, now);
    ct_attention_observe(f->a, f->store, ev, fx, now);
    ct_event_free(ev);
    size_t n;
    ct_attention_changes(f->a, &n);
    return n;
}

static size_t tick(fixture *f, ct_time_ms now)
{
    ct_attention_tick(f->a, f->store, now);
    size_t n;
    ct_attention_changes(f->a, &n);
    return n;
}

static size_t n_rule(fixture *f, ct_att_rule rule)
{
    size_t n = 0;
    for (size_t i = 0; i < ct_attention_count(f->a); i++)
        n += ct_attention_at(f->a, i)->rule == rule;
    return n;
}

static const ct_att_item *first_rule(fixture *f, ct_att_rule rule)
{
    for (size_t i = 0; i < ct_attention_count(f->a); i++)
        if (ct_attention_at(f->a, i)->rule == rule) return ct_attention_at(f->a, i);
    return NULL;
}

#define LIVE_C1                                                                  \
    "{\"id\":\"c1\",\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\"," \
    "\"startAt\":\"" START_ISO "\"}"
#define ENDED_C1 "{\"id\":\"c1\",\"status\":\"finished\",\"endAt\":\"2023-11-14T23:00:00Z\"}"

/* ---- hang ------------------------------------------------------------------------------- */

static void test_hang_opens_once_and_ack(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.hang = true;
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    assert_int_equal(feed(f, ev_update(CT_WH_HANG, NOW + 1000, "{\"id\":\"c1\"}"), NOW + 1000), 1);
    const ct_att_item *it = first_rule(f, CT_ATT_HANG);
    assert_non_null(it);
    assert_string_equal(it->call_id, "c1");
    assert_int_equal(it->severity, CT_ATT_CRIT);
    assert_int_equal(it->opened_at, NOW + 1000);
    assert_int_equal(ct_attention_open_count(f->a), 1);
    assert_ptr_equal(ct_attention_for_call(f->a, "c1"), it);
    uint64_t id = it->id;
    /* dedup: a second hang (after someone spoke) does not open another */
    feed(f,
         ev_update(CT_WH_CONVERSATION_UPDATE, NOW + 2000,
                   "{\"id\":\"c1\",\"messages\":[{\"role\":\"user\",\"text\":\"hello\","
                   "\"timestamp\":1700000002000}]}"),
         NOW + 2000);
    feed(f, ev_update(CT_WH_HANG, NOW + 3000, "{\"id\":\"c1\"}"), NOW + 3000);
    assert_int_equal(n_rule(f, CT_ATT_HANG), 1);
    /* acknowledge: not open any more, still there, and not reopened */
    assert_true(ct_attention_ack(f->a, id, NOW + 4000));
    assert_false(ct_attention_ack(f->a, id, NOW + 4000));  /* twice: no */
    assert_false(ct_attention_ack(f->a, 999, NOW + 4000)); /* unknown */
    assert_int_equal(ct_attention_open_count(f->a), 0);
    assert_int_equal(ct_attention_find(f->a, id)->state, CT_ATT_ACKED);
    assert_null(ct_attention_for_call(f->a, "c1"));
    feed(f, ev_update(CT_WH_HANG, NOW + 5000, "{\"id\":\"c1\"}"), NOW + 5000);
    assert_int_equal(n_rule(f, CT_ATT_HANG), 1);
    destroy(f);
}

static void test_hang_off(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    feed(f, ev_update(CT_WH_HANG, NOW + 1000, "{\"id\":\"c1\"}"), NOW + 1000);
    assert_int_equal(ct_attention_count(f->a), 0);
    destroy(f);
}

/* ---- errors ----------------------------------------------------------------------------- */

static ct_event *ev_error(const char *id, const char *type, const char *msg, ct_time_ms ts)
{
    char json[256];
    snprintf(json, sizeof json, "{\"id\":\"%s\"}", id);
    ct_event *ev = ev_update(CT_WH_ERROR, ts, json);
    ev->call_error.present = true;
    ev->call_error.type = strdup(type);
    ev->call_error.message = strdup(msg);
    return ev;
}

static void test_error_by_type(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    snprintf(c.errors, sizeof c.errors, "stt_error, llm_error");
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    feed(f, ev_error("c1", "tts_error", "voice failed", NOW + 10), NOW + 10);
    assert_int_equal(ct_attention_count(f->a), 0); /* not in the list */
    feed(f, ev_error("c1", "llm_errorx", "x", NOW + 15), NOW + 15);
    assert_int_equal(ct_attention_count(f->a), 0); /* a prefix is not the type */
    feed(f, ev_error("c1", "LLM_ERROR", "model timed out", NOW + 20), NOW + 20);
    const ct_att_item *it = first_rule(f, CT_ATT_ERROR);
    assert_non_null(it);
    assert_string_equal(it->reason, "error: LLM_ERROR: model timed out");
    feed(f, ev_error("c1", "stt_error", "again", NOW + 30), NOW + 30);
    assert_int_equal(n_rule(f, CT_ATT_ERROR), 1); /* one per call */
    destroy(f);

    snprintf(c.errors, sizeof c.errors, "*");
    f = make(&c);
    feed(f, ev_error("c2", "anything", "x", NOW), NOW);
    assert_int_equal(n_rule(f, CT_ATT_ERROR), 1);
    destroy(f);

    c.errors[0] = '\0';
    f = make(&c);
    feed(f, ev_error("c2", "anything", "x", NOW), NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    destroy(f);
}

/* Network text in a reason cannot carry a control byte or an escape. */
static void test_reason_sanitized(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    snprintf(c.errors, sizeof c.errors, "*");
    fixture *f = make(&c);
    feed(f,
         ev_error("c1", "llm_error",
                  "bad\x07 \x1b]0;pwned\x1b\\ \xc2\x9b"
                  "31m \x9c end",
                  NOW),
         NOW);
    const ct_att_item *it = first_rule(f, CT_ATT_ERROR);
    assert_non_null(it);
    for (const unsigned char *p = (const unsigned char *)it->reason; *p; p++) {
        assert_true(*p >= 0x20 && *p != 0x7f);
        if (*p == 0xc2) assert_true(p[1] < 0x80 || p[1] > 0x9f); /* no C1 as UTF-8 */
    }
    assert_non_null(strstr(it->reason, "end"));
    destroy(f);
}

/* ---- long calls ------------------------------------------------------------------------- */

static void test_long_call_boundary_and_clock_jumps(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.long_call_ms = 30 * 60000;
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    assert_int_equal(tick(f, NOW + 30 * 60000 - 1), 0); /* one ms short */
    /* the clock jumps back a day: negative ages open nothing */
    assert_int_equal(tick(f, NOW - 86400000LL), 0);
    assert_int_equal(tick(f, NOW + 30 * 60000), 1); /* exactly the threshold */
    const ct_att_item *it = first_rule(f, CT_ATT_LONG_CALL);
    assert_non_null(it);
    assert_int_equal(it->severity, CT_ATT_INFO);
    assert_string_equal(it->reason, "live for 30 min");
    assert_int_equal(tick(f, NOW + 40 * 60000), 0); /* dedup */
    /* the call ends: the condition item resolves */
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW + 41 * 60000, ENDED_C1), NOW + 41 * 60000);
    assert_int_equal(tick(f, NOW + 41 * 60000), 1);
    assert_int_equal(first_rule(f, CT_ATT_LONG_CALL)->state, CT_ATT_RESOLVED);
    assert_int_equal(ct_attention_open_count(f->a), 0);
    destroy(f);

    /* a forward jump opens what the new time says */
    f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    assert_int_equal(tick(f, NOW + 1000), 0);
    assert_int_equal(tick(f, NOW + 3 * 3600000LL), 1);
    destroy(f);
}

/* ---- ringing ---------------------------------------------------------------------------- */

static void test_ringing(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.ringing_ms = 60000;
    fixture *f = make(&c);
    feed(f,
         ev_update(CT_WH_STATUS_UPDATE, NOW,
                   "{\"id\":\"r1\",\"status\":\"queued\",\"phoneCallStatus\":\"ringing\","
                   "\"startAt\":\"" START_ISO "\"}"),
         NOW);
    assert_int_equal(tick(f, NOW + 59999), 0);
    assert_int_equal(tick(f, NOW + 60000), 1);
    const ct_att_item *it = first_rule(f, CT_ATT_RINGING);
    assert_string_equal(it->reason, "queued for 60s");
    assert_int_equal(it->severity, CT_ATT_WARN);
    /* answered: resolves */
    feed(f,
         ev_update(CT_WH_STATUS_UPDATE, NOW + 61000,
                   "{\"id\":\"r1\",\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\"}"),
         NOW + 61000);
    assert_int_equal(tick(f, NOW + 61000), 1);
    assert_int_equal(first_rule(f, CT_ATT_RINGING)->state, CT_ATT_RESOLVED);
    destroy(f);

    /* no start time: counted from first sight */
    f = make(&c);
    feed(f,
         ev_update(CT_WH_STATUS_UPDATE, NOW + 5000,
                   "{\"id\":\"r2\",\"phoneCallStatus\":\"ringing\"}"),
         NOW + 5000);
    assert_int_equal(tick(f, NOW + 5000), 0);
    assert_int_equal(tick(f, NOW + 64999), 0);
    assert_int_equal(tick(f, NOW + 65000), 1);
    assert_string_equal(first_rule(f, CT_ATT_RINGING)->reason, "ringing for 60s");
    destroy(f);
}

/* ---- silence ---------------------------------------------------------------------------- */

static void test_silence(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.silence_ms = 45000;
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    feed(f,
         ev_update(CT_WH_CONVERSATION_UPDATE, NOW + 10000,
                   "{\"id\":\"c1\",\"messages\":[{\"role\":\"assistant\",\"text\":\"hi\","
                   "\"timestamp\":1700000010000}]}"),
         NOW + 10000);
    assert_int_equal(tick(f, NOW + 54999), 0); /* 44.999 s after the line */
    assert_int_equal(tick(f, NOW + 55000), 1);
    assert_string_equal(first_rule(f, CT_ATT_SILENCE)->reason, "no transcript line for 45s");
    /* a line arrives: resolved, and never a second item for this call */
    feed(f,
         ev_update(CT_WH_CONVERSATION_UPDATE, NOW + 56000,
                   "{\"id\":\"c1\",\"messages\":[{\"role\":\"user\",\"text\":\"yes\","
                   "\"timestamp\":1700000056000}]}"),
         NOW + 56000);
    assert_int_equal(tick(f, NOW + 56000), 1);
    assert_int_equal(first_rule(f, CT_ATT_SILENCE)->state, CT_ATT_RESOLVED);
    tick(f, NOW + 200000);
    assert_int_equal(n_rule(f, CT_ATT_SILENCE), 1);
    destroy(f);

    /* a ringing call is not silent: that is the ringing rule's */
    f = make(&c);
    feed(f,
         ev_update(CT_WH_STATUS_UPDATE, NOW,
                   "{\"id\":\"r1\",\"phoneCallStatus\":\"ringing\",\"startAt\":\"" START_ISO "\"}"),
         NOW);
    assert_int_equal(tick(f, NOW + 100000), 0);
    destroy(f);
}

/* ---- keywords --------------------------------------------------------------------------- */

static ct_event *ev_line(const char *id, const char *role, const char *mid, const char *text,
                         ct_time_ms ts)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"id\":\"%s\",\"status\":\"ongoing\",\"messages\":[{\"messageId\":\"%s\","
             "\"role\":\"%s\",\"text\":\"%s\",\"timestamp\":%lld}]}",
             id, mid, role, text, (long long)ts);
    return ev_update(CT_WH_CONVERSATION_UPDATE, ts, json);
}

static void test_keywords_default_list(void **state)
{
    (void)state;
    ct_att_config c;
    ct_att_config_defaults(&c);
    /* only the keyword rule, with the shipped default regex */
    char kw[sizeof c.keywords];
    memcpy(kw, c.keywords, sizeof kw);
    cfg_off(&c);
    memcpy(c.keywords, kw, sizeof kw);
    assert_true(c.keywords[0]);
    static const char *const hits[] = {
        "Can I SPEAK TO A HUMAN please", "let me talk with your manager", "I want a real person",
        "I'd like to cancel my order",   "this is a complaint",           "I need a supervisor now",
        "put me through to an agent"};
    static const char *const misses[] = {"thanks, that is all", "what time is it",
                                         "I would like to book a table"};
    for (size_t i = 0; i < sizeof hits / sizeof *hits; i++) {
        fixture *f = make(&c);
        feed(f, ev_line("k1", "user", "m1", hits[i], NOW), NOW);
        assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 1);
        destroy(f);
    }
    for (size_t i = 0; i < sizeof misses / sizeof *misses; i++) {
        fixture *f = make(&c);
        feed(f, ev_line("k1", "user", "m1", misses[i], NOW), NOW);
        assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 0);
        destroy(f);
    }
}

static void test_keywords_roles_dedup_non_ascii(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    snprintf(c.keywords, sizeof c.keywords, "réclamation|menschen|human");
    fixture *f = make(&c);
    /* the assistant saying it does not count: only the customer's lines */
    feed(f, ev_line("k1", "assistant", "a1", "I can get a human for you", NOW), NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    /* non-ASCII: bytes of UTF-8 match, case-insensitively on the ASCII */
    feed(f,
         ev_line("k1", "user", "u1",
                 "Je veux faire une r\xc3\xa9"
                 "clamation, MERCI",
                 NOW + 1),
         NOW + 1);
    const ct_att_item *it = first_rule(f, CT_ATT_KEYWORD);
    assert_non_null(it);
    assert_string_equal(it->reason,
                        "customer said \"r\xc3\xa9"
                        "clamation\"");
    /* dedup: another match on the same call opens nothing */
    feed(f, ev_line("k1", "user", "u2", "Ich will einen MENSCHEN", NOW + 2), NOW + 2);
    assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 1);
    /* another call: its own item */
    feed(f, ev_line("k2", "user", "u1", "Ich will einen MENSCHEN sprechen", NOW + 3), NOW + 3);
    assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 2);
    destroy(f);

    /* control bytes between the words are gone before matching; invalid
     * UTF-8 does not break the match or the reason */
    f = make(&c);
    feed(f, ev_line("k3", "user", "u1", "\\u001b[31mHUMAN\\u0007 \xff\xfe please", NOW), NOW);
    it = first_rule(f, CT_ATT_KEYWORD);
    assert_non_null(it);
    assert_string_equal(it->reason, "customer said \"HUMAN\"");
    destroy(f);

    /* a line seen once is not matched again: re-delivery of the whole
     * transcript does not re-open an acknowledged item */
    f = make(&c);
    feed(f, ev_line("k4", "user", "u1", "human please", NOW), NOW);
    assert_true(ct_attention_ack(f->a, first_rule(f, CT_ATT_KEYWORD)->id, NOW));
    feed(f, ev_line("k4", "user", "u1", "human please", NOW), NOW + 10);
    assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 1);
    destroy(f);

    /* a line delivered late, older than the ones seen, is still matched
     * (the walk from the end goes on until it has found every new line) */
    f = make(&c);
    feed(f, ev_line("k5", "user", "u2", "hello", NOW + 5000), NOW + 5000);
    feed(f, ev_line("k5", "assistant", "a3", "hi", NOW + 6000), NOW + 6000);
    feed(f, ev_line("k5", "user", "u1", "get me a human", NOW + 1000), NOW + 7000);
    assert_int_equal(n_rule(f, CT_ATT_KEYWORD), 1);
    destroy(f);

    /* a finished call is history: not scanned */
    f = make(&c);
    feed(f,
         ev_json(CT_EV_CALL_FETCHED,
                 "{\"id\":\"h1\",\"status\":\"finished\",\"endAt\":\"2023-11-14T20:00:00Z\","
                 "\"messages\":[{\"role\":\"user\",\"text\":\"human!\",\"timestamp\":1}]}"),
         NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    destroy(f);
}

static void test_bad_regex_is_config_error(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    snprintf(c.keywords, sizeof c.keywords, "(unclosed");
    ct_error err;
    assert_null(ct_attention_new(&c, &err));
    assert_int_equal(err.code, CT_ECONFIG);
    assert_non_null(strstr(err.detail, "alert-keywords"));
}

/* ---- failed outbound attempts ----------------------------------------------------------- */

static ct_event *ev_failed_attempt(const char *id, const char *end_iso)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"id\":\"%s\",\"direction\":\"outbound\",\"status\":\"finished\","
             "\"phoneCallStatus\":\"busy\",\"endAt\":\"%s\"}",
             id, end_iso);
    return ev_update(CT_WH_END_OF_CALL_REPORT, NOW, json);
}

static void test_failed_burst(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.failed_count = 3;
    c.failed_window_ms = 10 * 60000;
    fixture *f = make(&c);
    /* history: a failure 20 min ago never counts */
    feed(f, ev_failed_attempt("old", "2023-11-14T21:53:20Z"), NOW);
    feed(f, ev_failed_attempt("f1", "2023-11-14T22:05:00Z"), NOW); /* 8m20s ago */
    feed(f, ev_failed_attempt("f2", "2023-11-14T22:10:00Z"), NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    /* the same call reported again does not count twice */
    feed(f, ev_failed_attempt("f2", "2023-11-14T22:10:00Z"), NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    /* an inbound failure does not count */
    feed(f,
         ev_update(CT_WH_END_OF_CALL_REPORT, NOW,
                   "{\"id\":\"in1\",\"direction\":\"inbound\",\"status\":\"finished\","
                   "\"phoneCallStatus\":\"failed\",\"endAt\":\"" START_ISO "\"}"),
         NOW);
    assert_int_equal(ct_attention_count(f->a), 0);
    assert_int_equal(feed(f, ev_failed_attempt("f3", START_ISO), NOW), 1);
    const ct_att_item *it = first_rule(f, CT_ATT_FAILED);
    assert_string_equal(it->call_id, "");
    assert_string_equal(it->reason, "3 failed outbound attempts in 10 min");
    /* the window slides past f1 (22:05 + 10 min = 22:15:00): resolved */
    assert_int_equal(tick(f, NOW + 100000), 0); /* 22:15:00: still in */
    assert_int_equal(tick(f, NOW + 100001), 1);
    assert_int_equal(first_rule(f, CT_ATT_FAILED)->state, CT_ATT_RESOLVED);
    /* a new burst is a new item */
    feed(f, ev_failed_attempt("f4", "2023-11-14T22:15:00Z"), NOW + 100002);
    assert_int_equal(n_rule(f, CT_ATT_FAILED), 2);
    destroy(f);
}

/* ---- unreachable ------------------------------------------------------------------------ */

static void test_unreachable_api_and_relay(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.unreachable_ms = 60000;
    fixture *f = make(&c);
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 7, NULL);
    ct_event *ev = ct_event_new(CT_EV_REQUEST_FAILED);
    ev->request_id = 7;
    ev->request_kind = CT_REQ_LIST_CALLS;
    ct_error_set(&ev->error, CT_ECONNECT, "connection refused");
    feed(f, ev, NOW);
    assert_int_equal(tick(f, NOW + 59999), 0);
    assert_int_equal(tick(f, NOW - 5000), 0); /* a jump back: nothing */
    assert_int_equal(tick(f, NOW + 60000), 1);
    const ct_att_item *it = first_rule(f, CT_ATT_UNREACHABLE);
    assert_string_equal(it->reason, "API unreachable for 60s: connection refused");
    assert_int_equal(it->severity, CT_ATT_CRIT);
    assert_int_equal(tick(f, NOW + 90000), 0); /* one item per outage */
    /* a list read succeeds: resolved */
    ct_reduce_own_read(&f->r, CT_REQ_LIST_CALLS, 8, NULL);
    ev = ct_event_new(CT_EV_CALLS_LISTED);
    ev->request_id = 8;
    assert_int_equal(feed(f, ev, NOW + 91000), 1);
    assert_int_equal(first_rule(f, CT_ATT_UNREACHABLE)->state, CT_ATT_RESOLVED);

    /* the relay: RECONNECTING for a minute */
    ev = ct_event_new(CT_EV_MONITOR_STATE);
    ev->monitor_state = CT_MON_RECONNECTING;
    feed(f, ev, NOW + 100000);
    assert_int_equal(tick(f, NOW + 159999), 0);
    assert_int_equal(tick(f, NOW + 160000), 1);
    assert_int_equal(n_rule(f, CT_ATT_UNREACHABLE), 2);
    assert_string_equal(ct_attention_at(f->a, 1)->reason,
                        "relay unreachable for 60s (RECONNECTING)");
    /* acknowledged while down; LIVE again clears it, a later outage opens anew */
    assert_true(ct_attention_ack(f->a, ct_attention_at(f->a, 1)->id, NOW + 161000));
    ev = ct_event_new(CT_EV_MONITOR_STATE);
    ev->monitor_state = CT_MON_LIVE;
    feed(f, ev, NOW + 170000);
    ev = ct_event_new(CT_EV_MONITOR_STATE);
    ev->monitor_state = CT_MON_STALE;
    feed(f, ev, NOW + 180000);
    tick(f, NOW + 240000);
    assert_int_equal(n_rule(f, CT_ATT_UNREACHABLE), 3);
    destroy(f);
}

/* ---- snooze, order, gone ---------------------------------------------------------------- */

static void test_snooze_expiry_and_order(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.hang = true;
    c.long_call_ms = 60000;
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    tick(f, NOW + 60000); /* long call (info) */
    feed(f, ev_update(CT_WH_HANG, NOW + 70000, "{\"id\":\"c1\"}"), NOW + 70000); /* crit */
    const ct_att_item *v[4];
    assert_int_equal(ct_attention_sorted_open(f->a, v, 4), 2);
    assert_int_equal(v[0]->rule, CT_ATT_HANG); /* severity first */
    assert_int_equal(v[1]->rule, CT_ATT_LONG_CALL);
    uint64_t hang = v[0]->id;
    assert_false(ct_attention_snooze(f->a, hang, 0, NOW)); /* a duration is needed */
    assert_true(ct_attention_snooze(f->a, hang, 300000, NOW + 80000));
    assert_int_equal(ct_attention_open_count(f->a), 1);
    assert_int_equal(ct_attention_for_call(f->a, "c1")->rule, CT_ATT_LONG_CALL);
    assert_int_equal(tick(f, NOW + 379999), 0);  /* one ms before expiry */
    assert_int_equal(tick(f, NOW - 1000000), 0); /* a jump back keeps it snoozed */
    size_t n;
    assert_int_equal(tick(f, NOW + 380000), 1);
    assert_int_equal(ct_attention_changes(f->a, &n)[0].kind, CT_ATT_REOPENED);
    assert_int_equal(ct_attention_open_count(f->a), 2);
    /* a snoozed item can be acknowledged */
    assert_true(ct_attention_snooze(f->a, hang, 1000, NOW + 390000));
    assert_true(ct_attention_ack(f->a, hang, NOW + 390000));
    assert_int_equal(tick(f, NOW + 400000), 0); /* acked: no reopening */
    /* same severity: older first */
    destroy(f);
}

static void test_gone_drops_items(void **state)
{
    (void)state;
    ct_att_config c;
    cfg_off(&c);
    c.hang = true;
    fixture *f = make(&c);
    feed(f, ev_update(CT_WH_STATUS_UPDATE, NOW, LIVE_C1), NOW);
    feed(f, ev_update(CT_WH_HANG, NOW + 1, "{\"id\":\"c1\"}"), NOW + 1);
    assert_int_equal(ct_attention_count(f->a), 1);
    ct_reduce_own_read(&f->r, CT_REQ_GET_CALL, 9, "c1");
    ct_event *ev = ct_event_new(CT_EV_REQUEST_FAILED);
    ev->request_id = 9;
    ev->request_kind = CT_REQ_GET_CALL;
    ct_error_set(&ev->error, CT_ENOTFOUND, "HTTP 404");
    feed(f, ev, NOW + 2);
    assert_null(ct_store_get(f->store, "c1"));
    assert_int_equal(ct_attention_count(f->a), 0);
    destroy(f);
}

/* ---- settings --------------------------------------------------------------------------- */

static const char *no_env(const char *name, void *ud)
{
    (void)name;
    (void)ud;
    return NULL;
}

static void test_settings(void **state)
{
    (void)state;
    ct_config cfg;
    ct_error err;
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    ct_att_config c;
    assert_int_equal(ct_att_config_from_settings(&c, &cfg, &err), CT_OK);
    assert_true(c.hang);
    assert_string_equal(c.errors, "*");
    assert_int_equal(c.long_call_ms, 30 * 60000);
    assert_int_equal(c.ringing_ms, 60000);
    assert_int_equal(c.silence_ms, 60000);
    assert_int_equal(c.failed_count, 3);
    assert_int_equal(c.failed_window_ms, 10 * 60000);
    assert_int_equal(c.unreachable_ms, 60000);
    assert_non_null(strstr(c.keywords, "human"));
    const char *text = "alert-hang = no\nalert-long-call = 0\nalert-ringing = 15\n"
                       "alert-keywords = \"refund|chargeback\"\nalert-errors = llm_error\n";
    assert_int_equal(ct_config_parse_text(&cfg, text, strlen(text), "cfg", NULL, &err), CT_OK);
    assert_int_equal(ct_config_apply_env(&cfg, no_env, NULL, &err), CT_OK);
    assert_int_equal(ct_config_validate(&cfg, &err), CT_OK);
    assert_int_equal(ct_att_config_from_settings(&c, &cfg, &err), CT_OK);
    assert_false(c.hang);
    assert_int_equal(c.long_call_ms, 0);
    assert_int_equal(c.ringing_ms, 15000);
    assert_string_equal(c.keywords, "refund|chargeback");
    assert_string_equal(c.errors, "llm_error");
    ct_config_clear(&cfg);

    /* out of range: the validator names the setting */
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    text = "alert-ringing = 999999\n";
    assert_int_equal(ct_config_parse_text(&cfg, text, strlen(text), "cfg", NULL, &err), CT_OK);
    assert_int_not_equal(ct_config_validate(&cfg, &err), CT_OK);
    assert_non_null(strstr(err.detail, "alert-ringing"));
    ct_config_clear(&cfg);

    /* a bad regex is caught when the settings are read */
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    text = "alert-keywords = \"[oops\"\n";
    assert_int_equal(ct_config_parse_text(&cfg, text, strlen(text), "cfg", NULL, &err), CT_OK);
    assert_int_equal(ct_att_config_from_settings(&c, &cfg, &err), CT_ECONFIG);
    assert_non_null(strstr(err.detail, "alert-keywords"));
    ct_config_clear(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hang_opens_once_and_ack),
        cmocka_unit_test(test_hang_off),
        cmocka_unit_test(test_error_by_type),
        cmocka_unit_test(test_reason_sanitized),
        cmocka_unit_test(test_long_call_boundary_and_clock_jumps),
        cmocka_unit_test(test_ringing),
        cmocka_unit_test(test_silence),
        cmocka_unit_test(test_keywords_default_list),
        cmocka_unit_test(test_keywords_roles_dedup_non_ascii),
        cmocka_unit_test(test_bad_regex_is_config_error),
        cmocka_unit_test(test_failed_burst),
        cmocka_unit_test(test_unreachable_api_and_relay),
        cmocka_unit_test(test_snooze_expiry_and_order),
        cmocka_unit_test(test_gone_drops_items),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
