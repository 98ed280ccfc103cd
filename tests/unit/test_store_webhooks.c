/* test_store_webhooks.c — the store fed by real webhook JSON, decoded by the
 * model exactly as the relay/monitor path does: the documented corpus
 * envelopes, and a whole call lifecycle delivered in hundreds of shuffled,
 * duplicated orders that must all converge to the in-order result. */
#include "test_store_util.h"

static void decode_or_fail(const char *json, ct_webhook *w)
{
    ct_error err;
    ct_error_clear(&err);
    ct_err rc = ct_webhook_decode(json, strlen(json), w, &err);
    if (rc != CT_OK) fail_msg("decode failed: %s (%s)", err.detail, json);
}

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/webhook/%s", CT_CORPUS_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    assert_true(n > 0);
    return buf;
}

static void apply_file(ct_store *s, const char *name)
{
    char *json = slurp(name);
    ct_webhook w;
    decode_or_fail(json, &w);
    hook_apply_and_free(s, &w);
    free(json);
}

/* The documented envelopes, in the order a call produces them. */
static void test_corpus_envelopes(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    const char *id = "CC-897ee2d4-1b2c-4d5e-8f90-a1b2c3d4e5f6";
    apply_file(s, "status_update.json");
    const ct_call_entry *e = ct_store_get(s, id);
    assert_non_null(e);
    assert_int_equal(e->call.status, CT_STATUS_ONGOING);
    assert_int_equal(e->call.phone_status, CT_PHONE_IN_PROGRESS);
    assert_int_equal(ct_store_live_count(s), 1);

    apply_file(s, "conversation_update.json");
    assert_int_equal(e->call.n_messages, 2);
    uint64_t g = ct_store_generation(s);
    apply_file(s, "conversation_update_old.json"); /* same two lines under call.messages */
    assert_int_equal(ct_store_generation(s), g);
    apply_file(s, "conversation_update_both.json"); /* message.messages wins: three lines */
    assert_int_equal(e->call.n_messages, 3);
    assert_string_equal(e->call.messages[2].text, "Ava from Acme.");

    apply_file(s, "hang.json");
    /* Same timestamp as the newest line: the assistant has said nothing since. */
    assert_true(e->hang);
    apply_file(s, "error.json");
    assert_true(e->last_error.present);
    assert_string_equal(e->last_error.code, "rate_limit");

    apply_file(s, "end_of_call_report.json");
    assert_int_equal(e->call.status, CT_STATUS_FINISHED);
    assert_true(e->call.end_at > 0);
    assert_non_null(e->call.analysis.summary);
    assert_non_null(e->call.cost_json);
    assert_non_null(e->call.recording_json);
    assert_int_equal(e->call.n_messages, 3); /* the report's two lines are known */
    assert_int_equal(ct_store_live_count(s), 0);

    /* The old page shape: status on `message`, "completed" means finished. */
    apply_file(s, "status_update_old.json");
    const ct_call_entry *old = ct_store_get(s, "CC-old-1");
    assert_non_null(old);
    assert_int_equal(old->call.status, CT_STATUS_FINISHED);
    assert_int_equal(ct_store_live_count(s), 0);
    ct_store_free(s);
}

/* One call's life, each event with its own timestamp. */
static const char *const lifecycle[] = {
    "{\"message\":{\"timestamp\":1000,\"type\":\"status-update\",\"call\":{\"id\":\"WC-life\","
    "\"status\":\"queued\",\"phoneCallStatus\":\"ringing\",\"direction\":\"inbound\","
    "\"startAt\":\"1970-01-01T00:00:00.900Z\",\"userNumber\":\"+14155550100\"}}}",

    "{\"message\":{\"timestamp\":2000,\"type\":\"status-update\",\"call\":{\"id\":\"WC-life\","
    "\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\"},\"customer\":{\"name\":\"Dana\"},"
    "\"assistant\":{\"name\":\"Ava\"}}}",

    "{\"message\":{\"timestamp\":3000,\"type\":\"conversation-update\",\"call\":{\"id\":\"WC-life\"},"
    "\"messages\":[{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello!\",\"timestamp\":2500},"
    "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"Hi, who is thsi?\",\"timestamp\":2900}]}}",

    "{\"message\":{\"timestamp\":9000,\"type\":\"hang\",\"call\":{\"id\":\"WC-life\"},"
    "\"messages\":[{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello!\",\"timestamp\":2500},"
    "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"Hi, who is thsi?\",\"timestamp\":2900}]}}",

    "{\"message\":{\"timestamp\":9500,\"type\":\"conversation-update\",\"call\":{\"id\":\"WC-life\"},"
    "\"messages\":[{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello!\",\"timestamp\":2500},"
    "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"Hi, who is thsi?\",\"timestamp\":2900},"
    "{\"messageId\":\"m3\",\"role\":\"user\",\"text\":\"Hello?\",\"timestamp\":9400}]}}",

    "{\"message\":{\"timestamp\":9600,\"type\":\"error\",\"call\":{\"id\":\"WC-life\"},"
    "\"error\":{\"type\":\"llm_error\",\"code\":\"timeout\",\"message\":\"LLM timed out\","
    "\"provider\":\"openai\",\"retryable\":true}}}",

    "{\"message\":{\"timestamp\":9800,\"type\":\"conversation-update\",\"call\":{\"id\":\"WC-life\"},"
    "\"messages\":[{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello!\",\"timestamp\":2500},"
    "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"Hi, who is this?\",\"timestamp\":2900},"
    "{\"messageId\":\"m3\",\"role\":\"user\",\"text\":\"Hello?\",\"timestamp\":9400},"
    "{\"messageId\":\"m4\",\"role\":\"assistant\",\"text\":\"Sorry, I am here.\",\"timestamp\":9700}]}}",

    "{\"message\":{\"timestamp\":11000,\"type\":\"status-update\",\"call\":{\"id\":\"WC-life\","
    "\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\"}}}",

    "{\"message\":{\"timestamp\":12000,\"type\":\"end-of-call-report\",\"call\":{\"id\":\"WC-life\","
    "\"endAt\":\"1970-01-01T00:00:11.500Z\"},"
    "\"messages\":[{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello!\",\"timestamp\":2500},"
    "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"Hi, who is this?\",\"timestamp\":2900},"
    "{\"messageId\":\"m3\",\"role\":\"user\",\"text\":\"Hello?\",\"timestamp\":9400},"
    "{\"messageId\":\"m4\",\"role\":\"assistant\",\"text\":\"Sorry, I am here.\",\"timestamp\":9700}],"
    "\"analysis\":{\"summary\":\"Short identification call.\",\"successEvaluation\":\"Fair\"},"
    "\"cost\":{\"total\":0.01},\"recording\":{\"url\":\"https://rec.example/2.wav\"}}}",

    /* The relay's later REST refresh adds what webhooks never carry. */
    "{\"message\":{\"timestamp\":12500,\"type\":\"status-update\",\"call\":{\"id\":\"WC-life\","
    "\"status\":\"finished\",\"callEndTriggerBy\":\"user\"}}}",
};
#define N_LIFE (sizeof lifecycle / sizeof *lifecycle)

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void expect_same_entry(const ct_call_entry *a, const ct_call_entry *b)
{
    if (!ct_call_equal(&a->call, &b->call)) {
        cJSON *ja = ct_call_to_json(&a->call), *jb = ct_call_to_json(&b->call);
        char *ta = cJSON_PrintUnformatted(ja), *tb = cJSON_PrintUnformatted(jb);
        print_error("got  %s\nwant %s\n", ta, tb);
        free(ta);
        free(tb);
        cJSON_Delete(ja);
        cJSON_Delete(jb);
        fail();
    }
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->last_activity, b->last_activity);
    assert_int_equal(a->hang, b->hang);
    assert_int_equal(a->last_error.present, b->last_error.present);
    if (a->last_error.present) {
        assert_string_equal(a->last_error.type, b->last_error.type);
        assert_string_equal(a->last_error.message, b->last_error.message);
    }
    assert_int_equal(a->dropped_messages, b->dropped_messages);
}

static void test_lifecycle_converges(void **state)
{
    (void)state;
    ct_webhook hooks[N_LIFE];
    for (size_t i = 0; i < N_LIFE; i++) decode_or_fail(lifecycle[i], &hooks[i]);

    ct_store *ref = ct_store_new(NULL);
    for (size_t i = 0; i < N_LIFE; i++) {
        assert_int_equal(ct_store_apply_webhook(ref, &hooks[i]), CT_OK);
        const ct_call_entry *e = ct_store_get(ref, "WC-life");
        if (i == 3) assert_true(e->hang);
        if (i == 4) assert_false(e->hang);
    }
    const ct_call_entry *want = ct_store_get(ref, "WC-life");
    assert_int_equal(want->call.status, CT_STATUS_FINISHED);
    assert_int_equal(want->call.end_at, 11500);
    assert_int_equal(want->call.n_messages, 4);
    assert_string_equal(want->call.messages[1].text, "Hi, who is this?");
    assert_string_equal(want->call.customer_name, "Dana");
    assert_string_equal(want->call.assistant_name, "Ava");
    assert_string_equal(want->call.analysis.summary, "Short identification call.");
    assert_int_equal(want->call.end_trigger, CT_TRIGGER_USER);
    assert_false(want->hang);
    assert_string_equal(want->last_error.code, "timeout");
    assert_int_equal(want->version, 12500);
    assert_int_equal(want->last_activity, 12500);
    assert_int_equal(ct_store_live_count(ref), 0);

    rng_state = 0xC0FFEEu;
    for (int trial = 0; trial < 400; trial++) {
        size_t order[N_LIFE * 2];
        size_t n = 0;
        for (size_t i = 0; i < N_LIFE; i++) {
            order[n++] = i;
            if (rnd() % 3 == 0) order[n++] = i; /* a re-delivery */
        }
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rnd() % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        ct_store *s = ct_store_new(NULL);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(ct_store_apply_webhook(s, &hooks[order[i]]), CT_OK);
        const ct_call_entry *got = ct_store_get(s, "WC-life");
        assert_non_null(got);
        expect_same_entry(got, want);
        assert_int_equal(ct_store_live_count(s), 0);
        ct_store_free(s);
    }
    for (size_t i = 0; i < N_LIFE; i++) ct_webhook_clear(&hooks[i]);
    ct_store_free(ref);
}

/* A report's analysis arrives piecemeal: members merge one by one, and a
 * re-delivered partial analysis is a no-op. */
static void test_analysis_members_merge(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_webhook a, b, a2;
    decode_or_fail("{\"message\":{\"timestamp\":10,\"type\":\"end-of-call-report\","
                   "\"call\":{\"id\":\"an\"},\"analysis\":{\"summary\":\"S\"}}}",
                   &a);
    decode_or_fail("{\"message\":{\"timestamp\":20,\"type\":\"end-of-call-report\","
                   "\"call\":{\"id\":\"an\"},\"analysis\":{\"successEvaluation\":\"Poor\"}}}",
                   &b);
    decode_or_fail("{\"message\":{\"timestamp\":20,\"type\":\"end-of-call-report\","
                   "\"call\":{\"id\":\"an\"},\"analysis\":{\"summary\":\"S\"}}}",
                   &a2);
    hook_apply_and_free(s, &a);
    hook_apply_and_free(s, &b);
    const ct_call_entry *e = ct_store_get(s, "an");
    assert_string_equal(e->call.analysis.summary, "S");
    assert_string_equal(e->call.analysis.success_evaluation, "Poor");
    uint64_t g = ct_store_generation(s);
    hook_apply_and_free(s, &a2);
    assert_int_equal(ct_store_generation(s), g);
    ct_store_free(s);
}

/* A random event with a unique timestamp for one of a few calls. Lines have
 * a fixed time per id (their text varies between deliveries), so any order
 * of the same events has one right answer. */
static ct_webhook random_event(ct_time_ms ts)
{
    static const char *const ids[] = {"CC-a", "CC-b", "WC-c"};
    static const char *const texts[] = {"hello", "hallo", "hello.", "bye"};
    ct_webhook w = hook_new((ct_webhook_type)(1 + rnd() % 5), ids[rnd() % 3], ts);
    ct_call *c = &w.call;
    if (rnd() % 2) call_status(c, (ct_status)(rnd() % (CT_STATUS_OTHER + 1)));
    if (rnd() % 2) call_phone(c, (ct_phone_status)(rnd() % (CT_PHONE_OTHER + 1)));
    if (rnd() % 3 == 0) call_start(c, (ct_time_ms)(rnd() % 5) * 1000);
    if (rnd() % 5 == 0) call_end(c, (rnd() % 3) ? 90000 + (ct_time_ms)(rnd() % 3) : 0);
    if (rnd() % 3 == 0) call_str(c, &c->customer_name, CT_F_CUSTOMER_NAME, texts[rnd() % 4]);
    if (rnd() % 4 == 0)
        call_str(c, &c->user_number, CT_F_USER_NUMBER, (rnd() % 2) ? "+15550100" : NULL);
    if (rnd() % 4 == 0) {
        c->present |= CT_F_ANALYSIS;
        c->analysis.present = true;
        if (rnd() % 2) c->analysis.summary = xstrdup(texts[rnd() % 4]);
        if (rnd() % 2) c->analysis.success_evaluation = xstrdup((rnd() % 2) ? "Good" : "Poor");
        if (rnd() % 3 == 0) c->analysis.outcome = xstrdup("resolved");
    }
    unsigned lines = rnd() % 4;
    for (unsigned k = 0; k < lines; k++) {
        unsigned m = rnd() % 12;
        char id[8];
        snprintf(id, sizeof id, "m%u", m);
        call_add_msg(c,
                     msg_make(id, (m % 2) ? CT_ROLE_USER : CT_ROLE_ASSISTANT, texts[rnd() % 4],
                              500 + (ct_time_ms)m * 1000));
    }
    if (w.type == CT_WH_ERROR) {
        w.error.present = true;
        w.error.type = xstrdup((rnd() % 2) ? "llm_error" : "stt_error");
        w.error.message = xstrdup(texts[rnd() % 4]);
        w.error.retryable = rnd() % 2;
    }
    return w;
}

static bool compare_cb(const ct_call_entry *e, void *ud)
{
    const ct_store *other = ud;
    const ct_call_entry *o = ct_store_get(other, e->call.id);
    assert_non_null(o);
    expect_same_entry(e, o);
    return true;
}

/* Property: the same events in any order (with re-deliveries) give the
 * same store, and the same counters. */
static void test_random_events_converge(void **state)
{
    (void)state;
    enum { EVENTS = 120, TRIALS = 60 };
    rng_state = 777u;
    for (int trial = 0; trial < TRIALS; trial++) {
        ct_webhook ev[EVENTS];
        for (int i = 0; i < EVENTS; i++) ev[i] = random_event(1000 + (ct_time_ms)i * 10);
        /* Shuffle the timestamps so delivery order is unrelated to them. */
        for (int i = EVENTS - 1; i > 0; i--) {
            int j = (int)(rnd() % (unsigned)(i + 1));
            ct_time_ms t = ev[i].timestamp;
            ev[i].timestamp = ev[j].timestamp;
            ev[j].timestamp = t;
        }
        ct_store *a = ct_store_new(NULL), *b = ct_store_new(NULL);
        for (int i = 0; i < EVENTS; i++) assert_int_equal(ct_store_apply_webhook(a, &ev[i]), CT_OK);
        for (int i = EVENTS - 1; i >= 0; i--) {
            assert_int_equal(ct_store_apply_webhook(b, &ev[i]), CT_OK);
            if (rnd() % 4 == 0)
                assert_int_equal(ct_store_apply_webhook(b, &ev[rnd() % EVENTS]), CT_OK);
        }
        assert_int_equal(ct_store_count(a), ct_store_count(b));
        ct_store_foreach(a, compare_cb, b);
        assert_int_equal(ct_store_live_count(a), ct_store_live_count(b));
        size_t ca[CT_STATUS_OTHER + 1], cb[CT_STATUS_OTHER + 1];
        ct_store_status_counts(a, ca);
        ct_store_status_counts(b, cb);
        assert_memory_equal(ca, cb, sizeof ca);
        ct_store_free(a);
        ct_store_free(b);
        for (int i = 0; i < EVENTS; i++) ct_webhook_clear(&ev[i]);
    }
}

/* The merge reports what it changed: created, field bits, hang, error and
 * the range of new lines (in transcript order, whatever the arrival order). */
static void test_merge_reports_changes(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_store_change ch;
    ct_webhook w;
    decode_or_fail("{\"message\":{\"type\":\"status-update\",\"timestamp\":100,"
                   "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    assert_true(ch.created);
    assert_true(ch.fields & CT_F_STATUS);
    assert_int_equal(ch.lines_to, ch.lines_from);
    assert_true(ct_store_change_visible(&ch));
    /* the same again: nothing */
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    assert_false(ct_store_change_visible(&ch));
    ct_webhook_clear(&w);
    /* two lines, the later one listed first; then a re-delivery with one more */
    decode_or_fail(
        "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":200,"
        "\"call\":{\"id\":\"c\"},\"messages\":["
        "{\"messageId\":\"b\",\"role\":\"user\",\"text\":\"B\",\"timestamp\":20},"
        "{\"messageId\":\"a\",\"role\":\"assistant\",\"text\":\"A\",\"timestamp\":10}]}}",
        &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_false(ch.created);
    assert_int_equal(ch.fields, 0);
    assert_int_equal(ch.lines_to - ch.lines_from, 2);
    ct_message lines[4];
    assert_int_equal(ct_store_new_lines(s, "c", ch.lines_from, ch.lines_to, lines, 4), 2);
    assert_string_equal(lines[0].message_id, "a");
    assert_string_equal(lines[1].message_id, "b");
    decode_or_fail("{\"message\":{\"type\":\"conversation-update\",\"timestamp\":300,"
                   "\"call\":{\"id\":\"c\"},\"messages\":["
                   "{\"messageId\":\"a\",\"role\":\"assistant\",\"text\":\"A\",\"timestamp\":10},"
                   "{\"messageId\":\"c0\",\"role\":\"user\",\"text\":\"C\",\"timestamp\":15},"
                   "{\"messageId\":\"b\",\"role\":\"user\",\"text\":\"B\",\"timestamp\":20}]}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_int_equal(ct_store_new_lines(s, "c", ch.lines_from, ch.lines_to, lines, 4), 1);
    assert_string_equal(lines[0].message_id, "c0");
    /* hang flips, error replaces */
    decode_or_fail("{\"message\":{\"type\":\"hang\",\"timestamp\":400,\"call\":{\"id\":\"c\"}}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_true(ch.hang_changed);
    assert_int_equal(ch.fields, 0);
    decode_or_fail("{\"message\":{\"type\":\"error\",\"timestamp\":500,\"call\":{\"id\":\"c\"},"
                   "\"error\":{\"type\":\"t\",\"code\":\"x\",\"message\":\"m\"}}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_true(ch.error_changed);
    assert_false(ch.hang_changed);
    /* a stale status (older version, lower rank) changes nothing */
    decode_or_fail("{\"message\":{\"type\":\"status-update\",\"timestamp\":600,"
                   "\"call\":{\"id\":\"c\",\"status\":\"finished\"}}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_int_equal(ch.fields, CT_F_STATUS);
    decode_or_fail("{\"message\":{\"type\":\"status-update\",\"timestamp\":50,"
                   "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
                   &w);
    assert_int_equal(ct_store_apply_webhook_change(s, &w, &ch), CT_OK);
    ct_webhook_clear(&w);
    assert_false(ct_store_change_visible(&ch));
    ct_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_envelopes),
        cmocka_unit_test(test_lifecycle_converges),
        cmocka_unit_test(test_analysis_members_merge),
        cmocka_unit_test(test_random_events_converge),
        cmocka_unit_test(test_merge_reports_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
