/* test_sim_engine.c — calltop-sim's scenario engine without sockets: the
 * same seed gives byte-identical calls and webhooks, however often it is
 * stepped; the scenario contains what the brief promises (id formats,
 * non-ASCII names, failed attempts, hang and error episodes, a report for
 * every finished call); and the small parsers (ISO time, E.164, DTMF).
 * (Lives in tests/integration because it links calltop_sim.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../sim/engine.h"

#define T0 1772700000000LL /* 2026-03-05T08:40:00Z */

static sim_engine *make(uint64_t seed)
{
    sim_engine_config cfg = {.seed = seed,
                             .t0 = T0,
                             .live_target = 8,
                             .rate = 0.5,
                             .history = 300,
                             .events = true,
                             .base_url = "http://127.0.0.1:1"};
    sim_engine *e = sim_engine_new(&cfg);
    assert_non_null(e);
    return e;
}

/* Every call with its transcript, as one JSON text. */
static char *dump(const sim_engine *e)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < e->n_calls; i++)
        cJSON_AddItemToArray(arr, sim_call_json(e, e->calls[i], true));
    char *s = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return s;
}

/* All events taken so far, concatenated. */
static char *drain(sim_engine *e, size_t *count)
{
    sim_event *ev;
    size_t n = sim_engine_take_events(e, &ev);
    size_t len = 1;
    for (size_t i = 0; i < n; i++) len += strlen(ev[i].json) + 1;
    char *s = malloc(len);
    assert_non_null(s);
    s[0] = '\0';
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(ev[i].json);
        memcpy(s + off, ev[i].json, l);
        s[off + l] = '\n';
        off += l + 1;
        free(ev[i].json);
    }
    s[off] = '\0';
    free(ev);
    if (count) *count = n;
    return s;
}

static void test_same_seed_same_everything(void **state)
{
    (void)state;
    sim_engine *a = make(7), *b = make(7);
    char *ea = NULL, *eb = NULL;
    for (int64_t t = T0; t <= T0 + 300000; t += 250) {
        sim_engine_step(a, t);
        sim_engine_step(b, t);
    }
    size_t na, nb;
    ea = drain(a, &na);
    eb = drain(b, &nb);
    assert_true(na > 100);
    assert_int_equal(na, nb);
    assert_string_equal(ea, eb);
    char *da = dump(a), *db = dump(b);
    assert_string_equal(da, db);
    free(ea);
    free(eb);
    free(da);
    free(db);
    sim_engine_free(a);
    sim_engine_free(b);
}

static void test_step_granularity_does_not_matter(void **state)
{
    (void)state;
    sim_engine *a = make(11), *b = make(11);
    sim_engine_step(a, T0 + 120000);                /* one big step */
    for (int64_t t = T0; t <= T0 + 120000; t += 37) /* many small ones */
        sim_engine_step(b, t);
    sim_engine_step(b, T0 + 120000);
    char *ea = drain(a, NULL), *eb = drain(b, NULL);
    assert_string_equal(ea, eb);
    char *da = dump(a), *db = dump(b);
    assert_string_equal(da, db);
    free(ea);
    free(eb);
    free(da);
    free(db);
    sim_engine_free(a);
    sim_engine_free(b);
}

static void test_other_seed_differs(void **state)
{
    (void)state;
    sim_engine *a = make(1), *b = make(2);
    char *da = dump(a), *db = dump(b);
    assert_string_not_equal(da, db);
    free(da);
    free(db);
    sim_engine_free(a);
    sim_engine_free(b);
}

static bool has_event(const char *all, const char *type)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\"type\":\"%s\"", type);
    return strstr(all, needle) != NULL;
}

static void test_scenario_content(void **state)
{
    (void)state;
    sim_engine *e = make(3);
    for (int64_t t = T0; t <= T0 + 600000; t += 1000) sim_engine_step(e, t);
    char *ev = drain(e, NULL);
    assert_true(has_event(ev, "status-update"));
    assert_true(has_event(ev, "conversation-update"));
    assert_true(has_event(ev, "end-of-call-report"));
    assert_true(has_event(ev, "hang"));
    assert_true(has_event(ev, "error"));
    assert_non_null(strstr(ev, "\"llm_error\""));
    assert_non_null(strstr(ev, "\"stt_error\""));
    assert_non_null(strstr(ev, "\"phoneCallStatus\":\"early-media\""));
    free(ev);

    int web = 0, cc = 0, uuid = 0, busy = 0, noans = 0, failed = 0, inbound = 0, outbound = 0;
    int live = 0, finished = 0, reports_ok = 0, intl = 0;
    int grades[4] = {0};
    bool names[4] = {false};
    const char *want_names[4] = {"José Müller", "Zoë Adams", "Łukasz Nowak", "王芳"};
    for (size_t i = 0; i < e->n_calls; i++) {
        const sim_call *c = e->calls[i];
        web += strncmp(c->id, "WC-", 3) == 0;
        cc += strncmp(c->id, "CC-", 3) == 0;
        uuid += strlen(c->id) == 36;
        busy += c->phone == SIM_PH_BUSY;
        if (c->outbound && !sim_call_is_live(c) && c->n_msgs == 0) assert_true(c->fail_kind != 0);
        noans += c->phone == SIM_PH_NO_ANSWER;
        failed += c->phone == SIM_PH_FAILED;
        inbound += !c->outbound;
        outbound += c->outbound;
        intl += strncmp(c->user_number, "+1", 2) != 0 && c->user_number[0] == '+';
        for (int k = 0; k < 4; k++)
            if (c->customer_name && strcmp(c->customer_name, want_names[k]) == 0) names[k] = true;
        if (sim_call_is_live(c)) {
            live++;
            continue;
        }
        finished++;
        /* every finished call has an analysis with a summary and an outcome */
        if (c->analysed && c->summary && *c->summary && c->outcome && *c->outcome) reports_ok++;
        grades[c->grade]++;
        assert_true(c->end_at >= c->start_at);
        for (size_t m = 1; m < c->n_msgs; m++) assert_true(c->msgs[m].ts >= c->msgs[m - 1].ts);
    }
    assert_true(web > 0 && cc > 0 && uuid > 0);
    assert_true(busy > 0 && noans > 0 && failed > 0);
    assert_true(inbound > 0 && outbound > 0 && intl > 0);
    for (int k = 0; k < 4; k++) assert_true(names[k]);
    for (int g = 0; g < 4; g++) assert_true(grades[g] > 0);
    assert_int_equal(reports_ok, finished);
    assert_true(live > 0 && live <= 8);
    sim_engine_free(e);
}

/* conversation-update carries the full history with epoch-ms timestamps. */
static void test_conversation_update_full_history(void **state)
{
    (void)state;
    sim_engine_config cfg = {
        .seed = 5, .t0 = T0, .live_target = 0, .rate = 0, .history = 0, .events = true};
    sim_engine *e = sim_engine_new(&cfg);
    assert_int_equal(e->n_calls, 0);
    sim_call *c = sim_engine_create(e, "+4915112345678", "+14155550100", NULL, NULL);
    assert_non_null(c);
    sim_engine_step(e, T0 + 200000);
    assert_false(sim_call_is_live(c));
    sim_event *ev;
    size_t n = sim_engine_take_events(e, &ev);
    int last = 0, updates = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *j = cJSON_Parse(ev[i].json);
        cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "timestamp")));
        assert_true(cJSON_GetObjectItemCaseSensitive(m, "timestamp")->valuedouble ==
                    (double)ev[i].at);
        const char *type = cJSON_GetObjectItemCaseSensitive(m, "type")->valuestring;
        if (strcmp(type, "conversation-update") == 0) {
            cJSON *msgs = cJSON_GetObjectItemCaseSensitive(m, "messages");
            int k = cJSON_GetArraySize(msgs);
            assert_int_equal(k, last + 1); /* one more utterance, the rest repeated */
            last = k;
            updates++;
            cJSON *first = cJSON_GetArrayItem(msgs, 0);
            assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(first, "timestamp")));
            assert_true(cJSON_GetObjectItemCaseSensitive(first, "timestamp")->valuedouble > 1e12);
        }
        cJSON_Delete(j);
        free(ev[i].json);
    }
    free(ev);
    assert_true(updates >= 6);
    sim_engine_free(e);
}

static void test_parsers(void **state)
{
    (void)state;
    int64_t t;
    char buf[32];
    assert_true(sim_iso_parse("2020-10-05T00:00:00.000Z", &t));
    assert_int_equal(t, 1601856000000LL);
    sim_iso_format(t, buf);
    assert_string_equal(buf, "2020-10-05T00:00:00.000Z");
    assert_true(sim_iso_parse("2020-10-05T02:00:00+02:00", &t));
    assert_int_equal(t, 1601856000000LL);
    assert_true(sim_iso_parse("2020-10-05T02:00:00 02:00", &t)); /* form-decoded '+' */
    assert_int_equal(t, 1601856000000LL);
    assert_true(sim_iso_parse("2020-10-05T00:00:00.5Z", &t));
    assert_int_equal(t, 1601856000500LL);
    assert_true(sim_iso_parse("1601856000000", &t));
    assert_int_equal(t, 1601856000000LL);
    assert_true(sim_iso_parse("2020-10-05", &t));
    assert_false(sim_iso_parse("2020-13-05T00:00:00Z", &t));
    assert_false(sim_iso_parse("yesterday", &t));
    assert_false(sim_iso_parse("2020-10-05T00:00:00Zjunk", &t));
    assert_false(sim_iso_parse("", &t));

    assert_true(ct_e164_valid("+14155550100"));
    assert_true(ct_e164_valid("+44"));
    assert_false(ct_e164_valid("+4"));
    assert_false(ct_e164_valid("14155550100"));
    assert_false(ct_e164_valid("+04155550100"));
    assert_false(ct_e164_valid("+1415555010012345"));
    assert_false(ct_e164_valid("+1 415 555"));
    assert_true(sim_dtmf_valid("0123456789*#ABCD"));
    assert_false(sim_dtmf_valid(""));
    assert_false(sim_dtmf_valid("12e"));
    char long_dtmf[SIM_DTMF_MAX + 2];
    memset(long_dtmf, '1', SIM_DTMF_MAX);
    long_dtmf[SIM_DTMF_MAX] = '\0';
    assert_true(sim_dtmf_valid(long_dtmf));
    long_dtmf[SIM_DTMF_MAX] = '1';
    long_dtmf[SIM_DTMF_MAX + 1] = '\0';
    assert_false(sim_dtmf_valid(long_dtmf)); /* the simulator's cap, over core's digits */

    sim_rng r1, r2;
    sim_rng_seed(&r1, 99);
    sim_rng_seed(&r2, 99);
    for (int i = 0; i < 100; i++) assert_true(sim_rng_next(&r1) == sim_rng_next(&r2));
    char u[37];
    sim_rng_uuid(&r1, u);
    assert_int_equal(strlen(u), 36);
    assert_int_equal(u[14], '4');
    for (int i = 0; i < 1000; i++) {
        double d = sim_rng_unit(&r1);
        assert_true(d >= 0.0 && d < 1.0);
        int64_t v = sim_rng_range(&r1, -3, 3);
        assert_true(v >= -3 && v <= 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_everything),
        cmocka_unit_test(test_step_granularity_does_not_matter),
        cmocka_unit_test(test_other_seed_differs),
        cmocka_unit_test(test_scenario_content),
        cmocka_unit_test(test_conversation_update_full_history),
        cmocka_unit_test(test_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
