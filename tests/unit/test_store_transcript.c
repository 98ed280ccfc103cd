/* test_store_transcript.c — transcript merge by messageId: full histories,
 * duplicates, out-of-order delivery, re-delivered text, lines without ids,
 * the per-call cap, and convergence over random delivery orders. */
#include "test_store_util.h"

static ct_store *store_msgs(size_t cap)
{
    ct_store_limits lim = {.max_messages_per_call = cap};
    ct_store *s = ct_store_new(&lim);
    assert_non_null(s);
    return s;
}

/* Delivers lines [from, to) of the conversation as one conversation-update. */
static void deliver(ct_store *s, const char *id, int from, int to, ct_time_ms ts)
{
    ct_webhook w = hook_new(CT_WH_CONVERSATION_UPDATE, id, ts);
    for (int i = from; i < to; i++) call_add_msg(&w.call, line(i, 1000));
    hook_apply_and_free(s, &w);
}

/* The transcript is exactly lines [from, to) in order. */
static void expect_lines(const ct_store *s, const char *id, int from, int to)
{
    const ct_call_entry *e = ct_store_get(s, id);
    assert_non_null(e);
    assert_int_equal(e->call.n_messages, (size_t)(to - from));
    char want[32];
    for (int i = from; i < to; i++) {
        snprintf(want, sizeof want, "m%d", i);
        assert_string_equal(e->call.messages[i - from].message_id, want);
        assert_int_equal(e->call.messages[i - from].timestamp, 1000 + i);
    }
}

static void test_full_history_growth(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    for (int n = 1; n <= 20; n++) deliver(s, "c", 0, n, 5000 + n);
    expect_lines(s, "c", 0, 20);
    /* Duplicates of the whole history and of single lines change nothing. */
    uint64_t g = ct_store_generation(s);
    deliver(s, "c", 0, 20, 5020);
    deliver(s, "c", 7, 8, 5020);
    expect_lines(s, "c", 0, 20);
    assert_int_equal(ct_store_generation(s), g);
    ct_store_free(s);
}

static void test_out_of_order(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    deliver(s, "c", 5, 6, 1);
    deliver(s, "c", 0, 3, 2);
    deliver(s, "c", 8, 10, 3);
    deliver(s, "c", 2, 9, 4); /* overlaps both sides */
    expect_lines(s, "c", 0, 10);
    ct_store_free(s);
}

static void test_same_timestamp_keeps_first_seen_order(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    ct_call c = call_new("t");
    call_add_msg(&c, msg_make("b", CT_ROLE_USER, "first seen", 100));
    apply_and_free(s, &c, 1);
    ct_call d = call_new("t");
    call_add_msg(&d, msg_make("z", CT_ROLE_USER, "early", 50));
    call_add_msg(&d, msg_make("a", CT_ROLE_ASSISTANT, "second seen", 100));
    call_add_msg(&d, msg_make("b", CT_ROLE_USER, "first seen", 100));
    apply_and_free(s, &d, 2);
    const ct_call_entry *e = ct_store_get(s, "t");
    assert_int_equal(e->call.n_messages, 3);
    assert_string_equal(e->call.messages[0].message_id, "z");
    assert_string_equal(e->call.messages[1].message_id, "b");
    assert_string_equal(e->call.messages[2].message_id, "a");
    ct_store_free(s);
}

static void test_redelivered_text_replaces(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    deliver(s, "c", 0, 3, 10);
    ct_webhook w = hook_new(CT_WH_CONVERSATION_UPDATE, "c", 20);
    call_add_msg(&w.call, line(0, 1000));
    call_add_msg(&w.call, msg_make("m1", CT_ROLE_USER, "line 1 (corrected)", 1001));
    call_add_msg(&w.call, line(2, 1000));
    uint64_t g = ct_store_generation(s);
    hook_apply_and_free(s, &w);
    assert_true(ct_store_generation(s) > g);
    const ct_call_entry *e = ct_store_get(s, "c");
    assert_int_equal(e->call.n_messages, 3);
    assert_string_equal(e->call.messages[1].text, "line 1 (corrected)");

    /* A stale update (older version) adds lines but never rewrites known ones. */
    ct_call old = call_new("c");
    call_add_msg(&old, msg_make("m1", CT_ROLE_USER, "line 1", 1001));
    call_add_msg(&old, line(3, 1000));
    apply_and_free(s, &old, 5);
    assert_int_equal(e->call.n_messages, 4);
    assert_string_equal(e->call.messages[1].text, "line 1 (corrected)");
    assert_string_equal(e->call.messages[3].message_id, "m3");

    /* A later timestamp for a known line moves it. */
    ct_message moved = msg_make("m0", CT_ROLE_ASSISTANT, "line 0", 9999);
    assert_int_equal(ct_store_merge_messages(s, "c", &moved, 1), CT_OK);
    ct_message_clear(&moved);
    assert_string_equal(e->call.messages[3].message_id, "m0");
    assert_string_equal(e->call.messages[0].message_id, "m1");
    ct_store_free(s);
}

static void test_lines_without_ids_deduplicate(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    ct_call c = call_new("n");
    apply_and_free(s, &c, 1);
    ct_message m[2] = {
        {.role = CT_ROLE_USER, .role_text = "user", .text = "hello", .timestamp = 10},
        {.role = CT_ROLE_ASSISTANT, .role_text = "assistant", .text = "hi", .timestamp = 20},
    };
    for (int i = 0; i < 3; i++) assert_int_equal(ct_store_merge_messages(s, "n", m, 2), CT_OK);
    const ct_call_entry *e = ct_store_get(s, "n");
    assert_int_equal(e->call.n_messages, 2);
    assert_non_null(e->call.messages[0].message_id);
    assert_string_equal(e->call.messages[1].text, "hi");
    ct_store_free(s);
}

static void test_message_cap(void **state)
{
    (void)state;
    ct_store *s = store_msgs(5);
    deliver(s, "c", 0, 8, 1);
    expect_lines(s, "c", 3, 8);
    const ct_call_entry *e = ct_store_get(s, "c");
    assert_int_equal(e->dropped_messages, 3);

    /* Re-delivering the full history does not bring dropped lines back. */
    uint64_t g = ct_store_generation(s);
    deliver(s, "c", 0, 8, 1);
    expect_lines(s, "c", 3, 8);
    assert_int_equal(e->dropped_messages, 3);
    assert_int_equal(ct_store_generation(s), g);

    /* A growing history scrolls through the cap one line at a time, and the
     * index keeps deduplicating after many drops. */
    for (int n = 9; n <= 300; n++) deliver(s, "c", n > 50 ? n - 50 : 0, n, 1 + n);
    expect_lines(s, "c", 295, 300);
    assert_int_equal(e->dropped_messages, 295);
    g = ct_store_generation(s);
    deliver(s, "c", 250, 300, 400);
    deliver(s, "c", 296, 297, 400);
    assert_int_equal(ct_store_generation(s), g);
    expect_lines(s, "c", 295, 300);
    ct_store_free(s);
}

/* The common live case at scale: a 1,000-line history re-delivered with one
 * new line each time stays linear and exact. */
static void test_long_history(void **state)
{
    (void)state;
    ct_store *s = store_msgs(0);
    deliver(s, "big", 0, 1000, 1);
    for (int n = 1001; n <= 1200; n++) deliver(s, "big", 0, n, n);
    expect_lines(s, "big", 0, 1200);
    ct_store_free(s);
}

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Every delivery order, chunking and duplication of the same 60 lines ends
 * in the same transcript. */
static void test_random_orders_converge(void **state)
{
    (void)state;
    enum { N = 60, TRIALS = 40 };
    rng_state = 0x9e3779b9u;
    for (int t = 0; t < TRIALS; t++) {
        ct_store *s = store_msgs(0);
        int order[N];
        for (int i = 0; i < N; i++) order[i] = i;
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(rnd() % (uint32_t)(i + 1));
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int pos = 0;
        while (pos < N) {
            int chunk = 1 + (int)(rnd() % 7);
            ct_call c = call_new("conv");
            for (int k = 0; k < chunk && pos + k < N; k++) {
                call_add_msg(&c, line(order[pos + k], 1000));
                if (rnd() % 4 == 0) call_add_msg(&c, line(order[rnd() % N], 1000)); /* duplicate */
            }
            /* Sometimes a full prefix history, as conversation-update sends. */
            if (rnd() % 5 == 0)
                for (int k = 0; k < order[pos]; k++) call_add_msg(&c, line(k, 1000));
            apply_and_free(s, &c, rnd() % 100);
            pos += chunk;
        }
        const ct_call_entry *e = ct_store_get(s, "conv");
        assert_non_null(e);
        for (size_t i = 1; i < e->call.n_messages; i++)
            assert_true(e->call.messages[i - 1].timestamp <= e->call.messages[i].timestamp);
        expect_lines(s, "conv", 0, N);
        ct_store_free(s);
    }
}

/* With a cap, any order of the same lines keeps exactly the newest ones,
 * and the index stays exact through drops and re-sorts. */
static void test_random_orders_with_cap(void **state)
{
    (void)state;
    enum { N = 60, CAP = 20, TRIALS = 40 };
    rng_state = 0x51u;
    for (int t = 0; t < TRIALS; t++) {
        ct_store *s = store_msgs(CAP);
        int order[N];
        for (int i = 0; i < N; i++) order[i] = i;
        for (int i = N - 1; i > 0; i--) {
            int j = (int)(rnd() % (uint32_t)(i + 1));
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        ct_call first = call_new("capped");
        apply_and_free(s, &first, 1);
        for (int pos = 0; pos < N;) {
            int chunk = 1 + (int)(rnd() % 9);
            ct_call c = call_new("capped");
            for (int k = 0; k < chunk && pos + k < N; k++)
                call_add_msg(&c, line(order[pos + k], 1000));
            apply_and_free(s, &c, 1);
            pos += chunk;
        }
        expect_lines(s, "capped", N - CAP, N);
        const ct_call_entry *e = ct_store_get(s, "capped");
        /* Each line is dropped at most once; a line arriving older than a
         * full transcript's oldest is ignored, not counted (see store.h). */
        assert_true(e->dropped_messages > 0 && e->dropped_messages <= N - CAP);
        uint64_t g = ct_store_generation(s);
        deliver(s, "capped", 0, N, 0);
        assert_int_equal(ct_store_generation(s), g);
        ct_store_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_history_growth),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_same_timestamp_keeps_first_seen_order),
        cmocka_unit_test(test_redelivered_text_replaces),
        cmocka_unit_test(test_lines_without_ids_deduplicate),
        cmocka_unit_test(test_message_cap),
        cmocka_unit_test(test_long_history),
        cmocka_unit_test(test_random_orders_converge),
        cmocka_unit_test(test_random_orders_with_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
