/* test_store.c — the store's calls: lookup, versions, status rules, the five
 * webhook types, the generation counter, caps and eviction, counters.
 * Transcript merging is in test_store_transcript.c, views in
 * test_store_view.c. */
#include "test_store_util.h"

static ct_store *store_with(size_t max_calls, size_t max_msgs)
{
    ct_store_limits lim = {.max_calls = max_calls, .max_messages_per_call = max_msgs};
    ct_store *s = ct_store_new(&lim);
    assert_non_null(s);
    return s;
}

static void upsert_status(ct_store *s, const char *id, ct_status st, uint64_t v)
{
    ct_call c = call_new(id);
    call_status(&c, st);
    apply_and_free(s, &c, v);
}

static void test_basic_upsert_and_get(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    assert_non_null(s);
    assert_int_equal(ct_store_count(s), 0);
    assert_null(ct_store_get(s, "nope"));

    ct_call c = call_new("CC-1f0e");
    call_status(&c, CT_STATUS_ONGOING);
    call_str(&c, &c.user_number, CT_F_USER_NUMBER, "+15550001");
    call_start(&c, 1000);
    apply_and_free(s, &c, 1000);

    const ct_call_entry *e = ct_store_get(s, "CC-1f0e");
    assert_non_null(e);
    assert_string_equal(e->call.id, "CC-1f0e");
    assert_int_equal(e->call.status, CT_STATUS_ONGOING);
    assert_string_equal(e->call.user_number, "+15550001");
    assert_int_equal(e->version, 1000);
    assert_int_equal(ct_store_count(s), 1);
    assert_int_equal(ct_store_live_count(s), 1);
    assert_true(e->created_gen > 0);
    assert_int_equal(e->created_gen, e->changed_gen);

    /* A partial update keeps fields it does not carry. */
    ct_call p = call_new("CC-1f0e");
    call_str(&p, &p.customer_name, CT_F_CUSTOMER_NAME, "Ada");
    apply_and_free(s, &p, 1001);
    e = ct_store_get(s, "CC-1f0e");
    assert_string_equal(e->call.user_number, "+15550001");
    assert_string_equal(e->call.customer_name, "Ada");
    assert_true(e->changed_gen > e->created_gen);

    /* Ids are opaque and exact: no prefix or case folding. */
    assert_null(ct_store_get(s, "cc-1f0e"));
    assert_null(ct_store_get(s, "CC-1f0"));

    ct_call noid;
    memset(&noid, 0, sizeof noid);
    assert_int_equal(ct_store_apply_call(s, &noid, 1), CT_EINVAL);
    assert_int_equal(ct_store_count(s), 1);
    ct_store_free(s);
}

/* Many ids, removals in the middle of probe chains (backward shift), then
 * every lookup still right. */
static void test_many_calls_lookup_remove(void **state)
{
    (void)state;
    enum { N = 6000 };
    ct_store *s = ct_store_new(NULL);
    char id[64];
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "%s-%08x-4c1d-9771-%012d", (i % 3) ? "CC" : "WC", i * 2654435761u,
                 i);
        ct_call c = call_new(id);
        call_start(&c, i);
        apply_and_free(s, &c, 1);
    }
    assert_int_equal(ct_store_count(s), N);
    for (int i = 0; i < N; i += 3) {
        snprintf(id, sizeof id, "%s-%08x-4c1d-9771-%012d", (i % 3) ? "CC" : "WC", i * 2654435761u,
                 i);
        assert_true(ct_store_remove(s, id));
        assert_false(ct_store_remove(s, id));
    }
    for (int i = 0; i < N; i++) {
        snprintf(id, sizeof id, "%s-%08x-4c1d-9771-%012d", (i % 3) ? "CC" : "WC", i * 2654435761u,
                 i);
        const ct_call_entry *e = ct_store_get(s, id);
        if (i % 3 == 0) {
            assert_null(e);
        } else {
            assert_non_null(e);
            assert_int_equal(e->call.start_at, i);
        }
    }
    assert_int_equal(ct_store_count(s), N - N / 3);
    ct_store_free(s);
}

static void test_pointers_stable_and_after_remove(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    upsert_status(s, "a", CT_STATUS_ONGOING, 1);
    upsert_status(s, "b", CT_STATUS_ONGOING, 1);
    upsert_status(s, "c", CT_STATUS_FINISHED, 1);
    const ct_call_entry *a = ct_store_get(s, "a"), *c = ct_store_get(s, "c");

    uint64_t g = ct_store_generation(s);
    assert_true(ct_store_remove(s, "b"));
    assert_true(ct_store_generation(s) > g);
    assert_null(ct_store_get(s, "b"));
    assert_ptr_equal(ct_store_get(s, "a"), a);
    assert_ptr_equal(ct_store_get(s, "c"), c);
    assert_string_equal(a->call.id, "a");
    assert_string_equal(c->call.id, "c");

    /* Growing the table many times over does not move entries. */
    char id[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "grow-%d", i);
        upsert_status(s, id, CT_STATUS_QUEUED, 1);
    }
    assert_ptr_equal(ct_store_get(s, "a"), a);
    assert_ptr_equal(ct_store_get(s, "c"), c);
    assert_int_equal(c->call.status, CT_STATUS_FINISHED);

    /* Removing an unknown call changes nothing. */
    g = ct_store_generation(s);
    assert_false(ct_store_remove(s, "b"));
    assert_int_equal(ct_store_generation(s), g);
    ct_store_free(s);
}

static void test_stale_version_does_not_overwrite(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_call c = call_new("x");
    call_status(&c, CT_STATUS_ONGOING);
    call_str(&c, &c.user_number, CT_F_USER_NUMBER, "+15550002");
    apply_and_free(s, &c, 200);

    /* Older: its fields lose, but it fills what the entry lacks and its
     * lines merge. */
    ct_call old = call_new("x");
    call_str(&old, &old.user_number, CT_F_USER_NUMBER, "+19990000");
    call_str(&old, &old.customer_name, CT_F_CUSTOMER_NAME, "Grace");
    call_status(&old, CT_STATUS_QUEUED);
    call_add_msg(&old, msg_make("m1", CT_ROLE_USER, "hello", 150));
    apply_and_free(s, &old, 100);

    const ct_call_entry *e = ct_store_get(s, "x");
    assert_string_equal(e->call.user_number, "+15550002");
    assert_int_equal(e->call.status, CT_STATUS_ONGOING);
    assert_string_equal(e->call.customer_name, "Grace");
    assert_int_equal(e->call.n_messages, 1);
    assert_int_equal(e->version, 200);

    /* Equal version applies (a re-fetch of the same state may add fields). */
    ct_call same = call_new("x");
    call_str(&same, &same.user_number, CT_F_USER_NUMBER, "+15550003");
    apply_and_free(s, &same, 200);
    assert_string_equal(e->call.user_number, "+15550003");

    ct_call newer = call_new("x");
    call_str(&newer, &newer.user_number, CT_F_USER_NUMBER, "+15550004");
    apply_and_free(s, &newer, 300);
    assert_string_equal(e->call.user_number, "+15550004");
    assert_int_equal(e->version, 300);
    ct_store_free(s);
}

static void test_no_resurrection(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    upsert_status(s, "r", CT_STATUS_ONGOING, 100);
    assert_int_equal(ct_store_live_count(s), 1);
    ct_call fin = call_new("r");
    call_status(&fin, CT_STATUS_FINISHED);
    call_phone(&fin, CT_PHONE_COMPLETED);
    call_end(&fin, 5000);
    apply_and_free(s, &fin, 300);
    assert_int_equal(ct_store_live_count(s), 0);

    /* Late (older) and even newer-stamped live updates cannot revive it. */
    uint64_t g = ct_store_generation(s);
    ct_call late = call_new("r");
    call_status(&late, CT_STATUS_ONGOING);
    call_phone(&late, CT_PHONE_IN_PROGRESS);
    apply_and_free(s, &late, 200);
    ct_call odd = call_new("r");
    call_status(&odd, CT_STATUS_QUEUED);
    call_phone(&odd, CT_PHONE_RINGING);
    apply_and_free(s, &odd, 400);

    const ct_call_entry *e = ct_store_get(s, "r");
    assert_int_equal(e->call.status, CT_STATUS_FINISHED);
    assert_int_equal(e->call.phone_status, CT_PHONE_COMPLETED);
    assert_int_equal(e->call.end_at, 5000);
    assert_int_equal(ct_store_live_count(s), 0);
    assert_int_equal(ct_store_generation(s), g);

    /* end_at once set is kept: an explicit empty end does not clear it. */
    ct_call blank = call_new("r");
    call_end(&blank, 0);
    apply_and_free(s, &blank, 500);
    assert_int_equal(e->call.end_at, 5000);

    /* Nor can an unknown status text take "finished" away. */
    ct_call other = call_new("r");
    other.status = CT_STATUS_OTHER;
    call_str(&other, &other.status_text, CT_F_STATUS, "paused");
    apply_and_free(s, &other, 600);
    assert_int_equal(e->call.status, CT_STATUS_FINISHED);

    /* A call with an end time is over, whatever status arrives later. */
    ct_call leg = call_new("leg");
    call_phone(&leg, CT_PHONE_COMPLETED);
    call_end(&leg, 900);
    apply_and_free(s, &leg, 100);
    upsert_status(s, "leg", CT_STATUS_ONGOING, 200);
    assert_int_equal(ct_store_live_count(s), 0);
    ct_view_spec live = {.filter = CT_FILTER_LIVE};
    ct_view *v = ct_view_new(s, &live);
    assert_int_equal(ct_view_count(v), 0);
    ct_view_free(v);

    /* Status only moves forward: a late "queued" after "ongoing" loses. */
    upsert_status(s, "q", CT_STATUS_ONGOING, 100);
    upsert_status(s, "q", CT_STATUS_QUEUED, 50);
    assert_int_equal(ct_store_get(s, "q")->call.status, CT_STATUS_ONGOING);
    /* ...and a stale "finished" still wins: the max rank converges. */
    upsert_status(s, "q", CT_STATUS_FINISHED, 60);
    assert_int_equal(ct_store_get(s, "q")->call.status, CT_STATUS_FINISHED);
    ct_store_free(s);
}

static void test_finished_with_stale_phone_is_not_live(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_call c = call_new("p");
    call_status(&c, CT_STATUS_ONGOING);
    call_phone(&c, CT_PHONE_IN_PROGRESS);
    apply_and_free(s, &c, 10);
    assert_int_equal(ct_store_live_count(s), 1);
    upsert_status(s, "p", CT_STATUS_FINISHED, 20);
    assert_int_equal(ct_store_live_count(s), 0);
    ct_store_free(s);
}

static void test_webhook_status_update(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_webhook w = hook_new(CT_WH_STATUS_UPDATE, "WC-9", 1772702480032);
    call_status(&w.call, CT_STATUS_ONGOING);
    call_phone(&w.call, CT_PHONE_RINGING);
    call_str(&w.call, &w.call.phone_status_reason, CT_F_PHONE_STATUS_REASON, "dialing");
    hook_apply_and_free(s, &w);

    const ct_call_entry *e = ct_store_get(s, "WC-9");
    assert_non_null(e);
    assert_int_equal(e->call.status, CT_STATUS_ONGOING);
    assert_int_equal(e->call.phone_status, CT_PHONE_RINGING);
    assert_string_equal(e->call.phone_status_reason, "dialing");
    assert_int_equal(e->version, 1772702480032);
    assert_int_equal(e->last_activity, 1772702480032);

    /* An earlier status-update delivered late is ignored. */
    ct_webhook late = hook_new(CT_WH_STATUS_UPDATE, "WC-9", 1772702470000);
    call_phone(&late.call, CT_PHONE_TRYING);
    hook_apply_and_free(s, &late);
    assert_int_equal(e->call.phone_status, CT_PHONE_RINGING);
    assert_int_equal(e->last_activity, 1772702480032);

    ct_webhook wc = {.type = CT_WH_STATUS_UPDATE};
    assert_int_equal(ct_store_apply_webhook(s, &wc), CT_EINVAL);
    ct_store_free(s);
}

static void test_webhook_end_of_call_report(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_webhook w = hook_new(CT_WH_STATUS_UPDATE, "CC-r", 1000);
    call_status(&w.call, CT_STATUS_ONGOING);
    hook_apply_and_free(s, &w);
    assert_int_equal(ct_store_live_count(s), 1);

    ct_webhook r = hook_new(CT_WH_END_OF_CALL_REPORT, "CC-r", 9000);
    call_end(&r.call, 8500);
    r.call.present |= CT_F_ANALYSIS | CT_F_COST | CT_F_METRICS | CT_F_RECORDING;
    r.call.analysis.present = true;
    r.call.analysis.summary = xstrdup("caller booked a slot");
    r.call.analysis.success_evaluation = xstrdup("Good");
    r.call.cost_json = xstrdup("{\"total\":0.12}");
    r.call.metrics_json = xstrdup("{\"turns\":4}");
    r.call.recording_json = xstrdup("{\"url\":\"x\"}");
    call_add_msg(&r.call, msg_make("m1", CT_ROLE_ASSISTANT, "hi", 1500));
    call_add_msg(&r.call, msg_make("m2", CT_ROLE_USER, "bye", 8000));
    hook_apply_and_free(s, &r);

    const ct_call_entry *e = ct_store_get(s, "CC-r");
    assert_int_equal(e->call.status, CT_STATUS_FINISHED); /* the report lacked a status */
    assert_int_equal(e->call.end_at, 8500);
    assert_string_equal(e->call.analysis.summary, "caller booked a slot");
    assert_string_equal(e->call.analysis.success_evaluation, "Good");
    assert_string_equal(e->call.cost_json, "{\"total\":0.12}");
    assert_string_equal(e->call.metrics_json, "{\"turns\":4}");
    assert_string_equal(e->call.recording_json, "{\"url\":\"x\"}");
    assert_int_equal(e->call.n_messages, 2);
    assert_int_equal(e->last_activity, 9000);
    assert_int_equal(ct_store_live_count(s), 0);

    /* A report for an unknown call creates it, already finished. */
    ct_webhook r2 = hook_new(CT_WH_END_OF_CALL_REPORT, "CC-new", 50);
    hook_apply_and_free(s, &r2);
    assert_int_equal(ct_store_get(s, "CC-new")->call.status, CT_STATUS_FINISHED);

    /* A report older than the last status update still lands its results. */
    ct_webhook st = hook_new(CT_WH_STATUS_UPDATE, "CC-o", 7000);
    call_status(&st.call, CT_STATUS_ONGOING);
    hook_apply_and_free(s, &st);
    ct_webhook r3 = hook_new(CT_WH_END_OF_CALL_REPORT, "CC-o", 6990);
    call_end(&r3.call, 6980);
    r3.call.present |= CT_F_COST;
    r3.call.cost_json = xstrdup("{}");
    hook_apply_and_free(s, &r3);
    e = ct_store_get(s, "CC-o");
    assert_int_equal(e->call.status, CT_STATUS_FINISHED);
    assert_int_equal(e->call.end_at, 6980);
    assert_string_equal(e->call.cost_json, "{}");
    ct_store_free(s);
}

static void test_webhook_hang_and_error(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_webhook c = hook_new(CT_WH_CONVERSATION_UPDATE, "h", 1000);
    call_status(&c.call, CT_STATUS_ONGOING);
    call_add_msg(&c.call, msg_make("m1", CT_ROLE_ASSISTANT, "hello", 1000));
    hook_apply_and_free(s, &c);
    const ct_call_entry *e = ct_store_get(s, "h");
    assert_false(e->hang);

    ct_webhook h = hook_new(CT_WH_HANG, "h", 7000);
    call_add_msg(&h.call, msg_make("m1", CT_ROLE_ASSISTANT, "hello", 1000));
    hook_apply_and_free(s, &h);
    assert_true(e->hang);

    /* An older utterance delivered late does not clear it... */
    assert_int_equal(
        ct_store_merge_messages(
            s, "h",
            (ct_message[]){
                {.message_id = "m0", .role = CT_ROLE_USER, .text = "early", .timestamp = 900}},
            1),
        CT_OK);
    assert_true(e->hang);
    /* ...a newer one does. */
    ct_webhook c2 = hook_new(CT_WH_CONVERSATION_UPDATE, "h", 7500);
    call_add_msg(&c2.call, msg_make("m2", CT_ROLE_USER, "are you there?", 7400));
    hook_apply_and_free(s, &c2);
    assert_false(e->hang);

    /* A hang delivered after a newer utterance never sets the flag. */
    ct_webhook late = hook_new(CT_WH_HANG, "h", 7200);
    hook_apply_and_free(s, &late);
    assert_false(e->hang);

    ct_webhook er = hook_new(CT_WH_ERROR, "h", 8000);
    er.error.present = true;
    er.error.type = xstrdup("llm_error");
    er.error.code = xstrdup("429");
    er.error.message = xstrdup("rate limited upstream");
    er.error.provider = xstrdup("openai");
    er.error.retryable = true;
    hook_apply_and_free(s, &er);
    assert_true(e->last_error.present);
    assert_string_equal(e->last_error.type, "llm_error");
    assert_string_equal(e->last_error.message, "rate limited upstream");
    assert_true(e->last_error.retryable);

    /* An older error arriving late does not replace the newer one. */
    ct_webhook er0 = hook_new(CT_WH_ERROR, "h", 7900);
    er0.error.present = true;
    er0.error.type = xstrdup("stt_error");
    hook_apply_and_free(s, &er0);
    assert_string_equal(e->last_error.type, "llm_error");
    ct_store_free(s);
}

/* The renderer skips work when the generation did not move: a duplicate
 * delivery of any webhook type must leave it alone. */
static void test_generation_noop_on_duplicates(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_webhook_type types[] = {CT_WH_STATUS_UPDATE, CT_WH_CONVERSATION_UPDATE, CT_WH_HANG,
                               CT_WH_ERROR, CT_WH_END_OF_CALL_REPORT};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        for (int round = 0; round < 2; round++) {
            ct_webhook w = hook_new(types[t], "dup", 1000 + (ct_time_ms)t);
            call_status(&w.call,
                        types[t] == CT_WH_END_OF_CALL_REPORT ? CT_STATUS_FINISHED
                                                             : CT_STATUS_ONGOING);
            call_str(&w.call, &w.call.user_number, CT_F_USER_NUMBER, "+15550100");
            call_add_msg(&w.call, msg_make("m1", CT_ROLE_ASSISTANT, "hello", 900));
            call_add_msg(&w.call, msg_make("m2", CT_ROLE_USER, "hi", 950));
            if (types[t] == CT_WH_ERROR) {
                w.error.present = true;
                w.error.type = xstrdup("stt_error");
                w.error.message = xstrdup("deepgram timeout");
            }
            if (types[t] == CT_WH_END_OF_CALL_REPORT) {
                call_end(&w.call, 990);
                w.call.present |= CT_F_ANALYSIS;
                w.call.analysis.present = true;
                w.call.analysis.summary = xstrdup("short call");
            }
            uint64_t g = ct_store_generation(s);
            hook_apply_and_free(s, &w);
            if (round == 0) assert_true(ct_store_generation(s) > g);
            else assert_int_equal(ct_store_generation(s), g);
        }
    }
    /* The same for a REST upsert and a transcript merge. */
    uint64_t g = ct_store_generation(s);
    ct_call c = call_new("dup");
    call_str(&c, &c.user_number, CT_F_USER_NUMBER, "+15550100");
    apply_and_free(s, &c, 2000);
    ct_message m = {.message_id = "m2",
                    .role = CT_ROLE_USER,
                    .role_text = "user",
                    .text = "hi",
                    .timestamp = 950};
    assert_int_equal(ct_store_merge_messages(s, "dup", &m, 1), CT_OK);
    assert_int_equal(ct_store_generation(s), g);
    assert_int_equal(ct_store_merge_messages(s, "unknown", &m, 1), CT_ENOTFOUND);
    assert_int_equal(ct_store_generation(s), g);
    /* A real change moves it and stamps the entry. */
    upsert_status(s, "dup", CT_STATUS_FINISHED, 3000);
    m.text = "hi!";
    assert_int_equal(ct_store_merge_messages(s, "dup", &m, 1), CT_OK);
    assert_true(ct_store_generation(s) > g);
    assert_int_equal(ct_store_get(s, "dup")->changed_gen, ct_store_generation(s));
    ct_store_free(s);
}

static void add_finished(ct_store *s, const char *id, ct_time_ms end)
{
    ct_call c = call_new(id);
    call_status(&c, CT_STATUS_FINISHED);
    call_start(&c, end - 100);
    call_end(&c, end);
    apply_and_free(s, &c, 1);
}

static void add_live(ct_store *s, const char *id, ct_time_ms start)
{
    ct_call c = call_new(id);
    call_status(&c, CT_STATUS_ONGOING);
    call_start(&c, start);
    apply_and_free(s, &c, 1);
}

static void test_eviction_order(void **state)
{
    (void)state;
    ct_store *s = store_with(4, 0);
    add_finished(s, "f300", 300);
    add_live(s, "live1", 10); /* older than every finished call */
    add_finished(s, "f100", 100);
    add_finished(s, "f200", 200);
    assert_false(ct_store_cap_reached(s));
    assert_int_equal(ct_store_evicted(s), 0);

    add_live(s, "live2", 20);
    assert_true(ct_store_cap_reached(s));
    assert_int_equal(ct_store_evicted(s), 1);
    assert_null(ct_store_get(s, "f100"));
    add_live(s, "live3", 30);
    assert_null(ct_store_get(s, "f200"));
    add_live(s, "live4", 40);
    assert_null(ct_store_get(s, "f300"));
    /* Only live calls left: the least recently active goes. */
    add_live(s, "live5", 50);
    assert_null(ct_store_get(s, "live1"));
    assert_non_null(ct_store_get(s, "live2"));
    assert_non_null(ct_store_get(s, "live5"));
    assert_int_equal(ct_store_count(s), 4);
    assert_int_equal(ct_store_evicted(s), 4);
    assert_int_equal(ct_store_live_count(s), 4);

    /* Updating a known call at the cap evicts nothing. */
    upsert_status(s, "live5", CT_STATUS_FINISHED, 2);
    assert_int_equal(ct_store_evicted(s), 4);
    ct_store_free(s);
}

/* Brute-force victim: ended before live, then oldest end / activity / start,
 * then smallest id. */
typedef struct victim_search {
    const ct_call_entry *best;
} victim_search;

static ct_time_ms age_of(const ct_call_entry *e)
{
    return e->call.end_at ? e->call.end_at : e->last_activity ? e->last_activity : e->call.start_at;
}

static bool victim_cb(const ct_call_entry *e, void *ud)
{
    victim_search *v = ud;
    const ct_call_entry *b = v->best;
    bool el = ct_call_is_live(&e->call) && !e->call.end_at;
    if (!b) {
        v->best = e;
        return true;
    }
    bool bl = ct_call_is_live(&b->call) && !b->call.end_at;
    if (el != bl) {
        if (!el) v->best = e;
        return true;
    }
    if (age_of(e) != age_of(b)) {
        if (age_of(e) < age_of(b)) v->best = e;
        return true;
    }
    if (strcmp(e->call.id, b->call.id) < 0) v->best = e;
    return true;
}

static unsigned rng_state = 4242u;
static unsigned rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random updates and inserts into a small full store: every eviction takes
 * exactly the call the brute-force rule picks. */
static void test_eviction_matches_brute_force(void **state)
{
    (void)state;
    enum { CAP = 30, OPS = 3000 };
    ct_store *s = store_with(CAP, 0);
    char id[32], victim[32];
    for (int i = 0; i < OPS; i++) {
        snprintf(id, sizeof id, "id-%u", rnd() % 200);
        bool is_new = ct_store_get(s, id) == NULL;
        victim[0] = '\0';
        if (is_new && ct_store_count(s) == CAP) {
            victim_search v = {NULL};
            ct_store_foreach(s, victim_cb, &v);
            snprintf(victim, sizeof victim, "%s", v.best->call.id);
        }
        ct_call c = call_new(id);
        if (rnd() % 2) call_status(&c, (ct_status)(rnd() % (CT_STATUS_OTHER + 1)));
        if (rnd() % 3 == 0) call_phone(&c, (ct_phone_status)(rnd() % (CT_PHONE_OTHER + 1)));
        if (rnd() % 2) call_start(&c, (ct_time_ms)(rnd() % 50) * 100);
        if (rnd() % 4 == 0) call_end(&c, (ct_time_ms)(rnd() % 50) * 100 + 5000);
        size_t evicted = ct_store_evicted(s);
        apply_and_free(s, &c, (uint64_t)i);
        if (victim[0]) {
            assert_int_equal(ct_store_evicted(s), evicted + 1);
            assert_null(ct_store_get(s, victim));
        } else {
            assert_int_equal(ct_store_evicted(s), evicted);
        }
        assert_non_null(ct_store_get(s, id));
        assert_true(ct_store_count(s) <= CAP);
    }
    assert_true(ct_store_cap_reached(s));
    ct_store_free(s);
}

static bool count_cb(const ct_call_entry *e, void *ud)
{
    size_t *n = ud;
    assert_non_null(e->call.id);
    return ++*n < 3; /* stop after three */
}

static bool all_cb(const ct_call_entry *e, void *ud)
{
    size_t *n = ud;
    (void)e;
    ++*n;
    return true;
}

static void test_counts_and_foreach(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    upsert_status(s, "a", CT_STATUS_QUEUED, 1);
    upsert_status(s, "b", CT_STATUS_ONGOING, 1);
    upsert_status(s, "c", CT_STATUS_ONGOING, 1);
    upsert_status(s, "d", CT_STATUS_FINISHED, 1);
    upsert_status(s, "e", CT_STATUS_FORWARDED, 1);
    ct_call busy = call_new("f");
    call_phone(&busy, CT_PHONE_BUSY);
    apply_and_free(s, &busy, 1);
    ct_call other = call_new("g");
    other.status = CT_STATUS_OTHER;
    call_str(&other, &other.status_text, CT_F_STATUS, "paused");
    apply_and_free(s, &other, 1);

    size_t counts[CT_STATUS_OTHER + 1];
    ct_store_status_counts(s, counts);
    assert_int_equal(counts[CT_STATUS_NONE], 1);
    assert_int_equal(counts[CT_STATUS_QUEUED], 1);
    assert_int_equal(counts[CT_STATUS_ONGOING], 2);
    assert_int_equal(counts[CT_STATUS_FORWARDED], 1);
    assert_int_equal(counts[CT_STATUS_FINISHED], 1);
    assert_int_equal(counts[CT_STATUS_OTHER], 1);
    assert_int_equal(ct_store_live_count(s), 4); /* queued, 2 ongoing, forwarded */

    upsert_status(s, "b", CT_STATUS_FINISHED, 2);
    assert_true(ct_store_remove(s, "a"));
    ct_store_status_counts(s, counts);
    assert_int_equal(counts[CT_STATUS_QUEUED], 0);
    assert_int_equal(counts[CT_STATUS_ONGOING], 1);
    assert_int_equal(counts[CT_STATUS_FINISHED], 2);
    assert_int_equal(ct_store_live_count(s), 2);

    size_t n = 0;
    ct_store_foreach(s, count_cb, &n);
    assert_int_equal(n, 3);
    n = 0;
    ct_store_foreach(s, all_cb, &n);
    assert_int_equal(n, ct_store_count(s));
    ct_store_free(s);
}

static void test_last_activity(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    ct_call c = call_new("la");
    call_start(&c, 1000);
    apply_and_free(s, &c, 1);
    const ct_call_entry *e = ct_store_get(s, "la");
    assert_int_equal(e->last_activity, 1000);
    ct_message m = {.message_id = "x", .role = CT_ROLE_USER, .text = "t", .timestamp = 4000};
    assert_int_equal(ct_store_merge_messages(s, "la", &m, 1), CT_OK);
    assert_int_equal(e->last_activity, 4000);
    ct_webhook w = hook_new(CT_WH_STATUS_UPDATE, "la", 3000); /* older event: no move back */
    hook_apply_and_free(s, &w);
    assert_int_equal(e->last_activity, 4000);
    ct_webhook w2 = hook_new(CT_WH_STATUS_UPDATE, "la", 5000);
    hook_apply_and_free(s, &w2);
    assert_int_equal(e->last_activity, 5000);
    ct_call end = call_new("la");
    call_end(&end, 6000);
    apply_and_free(s, &end, 2);
    assert_int_equal(e->last_activity, 6000);
    ct_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_upsert_and_get),
        cmocka_unit_test(test_many_calls_lookup_remove),
        cmocka_unit_test(test_pointers_stable_and_after_remove),
        cmocka_unit_test(test_stale_version_does_not_overwrite),
        cmocka_unit_test(test_no_resurrection),
        cmocka_unit_test(test_finished_with_stale_phone_is_not_live),
        cmocka_unit_test(test_webhook_status_update),
        cmocka_unit_test(test_webhook_end_of_call_report),
        cmocka_unit_test(test_webhook_hang_and_error),
        cmocka_unit_test(test_generation_noop_on_duplicates),
        cmocka_unit_test(test_eviction_order),
        cmocka_unit_test(test_eviction_matches_brute_force),
        cmocka_unit_test(test_counts_and_foreach),
        cmocka_unit_test(test_last_activity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
