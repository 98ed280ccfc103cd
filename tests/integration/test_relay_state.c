/* test_relay_state.c — the relay's pure pieces without sockets: the replay
 * ring (wrap-around, lookup by seq, refcounts) and the per-call state that
 * decides whether a webhook is an event and which transcript lines are new.
 * (An integration test only because these live in libcalltop_relay.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../relay/relay_int.h"
#include "calltop/protocol.h"

static ct_frame *frame(uint64_t seq)
{
    char *b = malloc(8);
    snprintf(b, 8, "f%llu", (unsigned long long)(seq % 1000));
    return ct_frame_wrap(b, strlen(b), seq);
}

static void test_ring(void **state)
{
    ct_ring r;
    assert_true(ct_ring_init(&r, 4));
    assert_int_equal(ct_ring_oldest(&r), 0);
    assert_null(ct_ring_get(&r, 1));
    uint64_t base = 1000000;
    ct_frame *kept = NULL;
    for (uint64_t s = base + 1; s <= base + 10; s++) {
        ct_frame *f = frame(s);
        ct_ring_push(&r, f);
        if (s == base + 7) kept = ct_frame_ref(f); /* a client queue still holds it */
        ct_frame_unref(f);
    }
    assert_int_equal(ct_ring_oldest(&r), base + 7);
    assert_null(ct_ring_get(&r, base + 6));
    for (uint64_t s = base + 7; s <= base + 10; s++) assert_int_equal(ct_ring_get(&r, s)->seq, s);
    assert_null(ct_ring_get(&r, base + 11));
    ct_ring_free(&r);
    /* the ring's reference is gone, the queue's is not */
    assert_int_equal(kept->refs, 1);
    assert_string_equal(kept->buf, "f7");
    ct_frame_unref(kept);
}

/* Applies one webhook JSON; returns the decoded event (type UNKNOWN if none). */
static ct_pmsg apply(ct_rstate *s, uint64_t seq, const char *json, bool *changed)
{
    ct_webhook w;
    ct_error err;
    if (ct_webhook_decode(json, strlen(json), &w, &err) != CT_OK)
        fail_msg("decode: %s", err.detail);
    ct_rstate_result res;
    /* heard at seq x 100 ms on the relay's clock */
    assert_int_equal(ct_rstate_apply(s, &w, seq, 0, (int64_t)seq * 100, &res, &err), CT_OK);
    ct_webhook_clear(&w);
    *changed = res.changed;
    ct_pmsg m;
    memset(&m, 0, sizeof m);
    if (res.changed) {
        assert_non_null(res.frame);
        assert_int_equal(ct_pmsg_decode(res.frame, res.len, &m, &err), CT_OK);
        free(res.frame);
    } else {
        assert_null(res.frame);
    }
    return m;
}

static void test_state_events(void **state)
{
    ct_rstate *s = ct_rstate_new(100);
    bool ch;
    ct_pmsg m = apply(s, 1,
                      "{\"message\":{\"type\":\"status-update\",\"timestamp\":10,"
                      "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
                      &ch);
    assert_true(ch);
    assert_int_equal(m.seq, 1);
    assert_int_equal(m.call.status, CT_STATUS_ONGOING);
    ct_pmsg_clear(&m);
    /* same again: nothing */
    m = apply(s, 2,
              "{\"message\":{\"type\":\"status-update\",\"timestamp\":10,"
              "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
              &ch);
    assert_false(ch);
    /* history b, a (out of order in the array): both new, in time order */
    m = apply(s, 2,
              "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":20,"
              "\"call\":{\"id\":\"c\"},\"messages\":["
              "{\"messageId\":\"b\",\"role\":\"user\",\"text\":\"2\",\"timestamp\":200},"
              "{\"messageId\":\"a\",\"role\":\"assistant\",\"text\":\"1\",\"timestamp\":100}]}}",
              &ch);
    assert_true(ch);
    assert_int_equal(m.call.n_messages, 2);
    assert_string_equal(m.call.messages[0].message_id, "a");
    assert_string_equal(m.call.messages[1].message_id, "b");
    assert_int_equal(m.call.status, CT_STATUS_ONGOING); /* whole call, not the webhook's */
    ct_pmsg_clear(&m);
    /* full history a, b, c: only c is new */
    m = apply(s, 3,
              "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":30,"
              "\"call\":{\"id\":\"c\"},\"messages\":["
              "{\"messageId\":\"a\",\"role\":\"assistant\",\"text\":\"1\",\"timestamp\":100},"
              "{\"messageId\":\"b\",\"role\":\"user\",\"text\":\"2\",\"timestamp\":200},"
              "{\"messageId\":\"c\",\"role\":\"assistant\",\"text\":\"3\",\"timestamp\":300}]}}",
              &ch);
    assert_true(ch);
    assert_int_equal(m.call.n_messages, 1);
    assert_string_equal(m.call.messages[0].message_id, "c");
    ct_pmsg_clear(&m);
    /* a shorter, older history: nothing */
    m = apply(s, 4,
              "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":15,"
              "\"call\":{\"id\":\"c\"},\"messages\":["
              "{\"messageId\":\"a\",\"role\":\"assistant\",\"text\":\"1\",\"timestamp\":100}]}}",
              &ch);
    assert_false(ch);
    /* finished, then a late "ongoing": the late one is nothing */
    m = apply(s, 4,
              "{\"message\":{\"type\":\"status-update\",\"timestamp\":50,"
              "\"call\":{\"id\":\"c\",\"status\":\"finished\"}}}",
              &ch);
    assert_true(ch);
    assert_int_equal(m.call.status, CT_STATUS_FINISHED);
    ct_pmsg_clear(&m);
    m = apply(s, 5,
              "{\"message\":{\"type\":\"status-update\",\"timestamp\":40,"
              "\"call\":{\"id\":\"c\",\"status\":\"ongoing\"}}}",
              &ch);
    assert_false(ch);

    /* snapshot holds the whole transcript */
    size_t len = 0;
    char *snap = ct_rstate_snapshot(s, 4, 0, &len);
    ct_error err;
    assert_int_equal(ct_pmsg_decode(snap, len, &m, &err), CT_OK);
    free(snap);
    assert_int_equal(m.calls.n_calls, 1);
    assert_int_equal(m.calls.calls[0].n_messages, 3);
    ct_pmsg_clear(&m);

    /* expiry: the finished call (last activity at t=300 ms) goes, a live one stays */
    m = apply(s, 5,
              "{\"message\":{\"type\":\"status-update\",\"timestamp\":60,"
              "\"call\":{\"id\":\"live\",\"status\":\"ongoing\"}}}",
              &ch);
    ct_pmsg_clear(&m);
    assert_int_equal(ct_rstate_count(s), 2);
    assert_int_equal(ct_rstate_expire(s, 1000, 10000), 0); /* not old enough yet */
    assert_int_equal(ct_rstate_expire(s, 100000, 10000), 1);
    assert_int_equal(ct_rstate_count(s), 1);
    /* a finished call stamped long ago by the sender, but heard just now
     * (seq 2000 -> 200000 ms), stays until the relay has not heard of it
     * for max_age: expiry never trusts the sender's clock */
    m = apply(s, 2000,
              "{\"message\":{\"type\":\"status-update\",\"timestamp\":1,"
              "\"call\":{\"id\":\"late\",\"status\":\"finished\"}}}",
              &ch);
    ct_pmsg_clear(&m);
    assert_int_equal(ct_rstate_expire(s, 205000, 10000), 0);
    assert_int_equal(ct_rstate_expire(s, 210001, 10000), 1);
    assert_int_equal(ct_rstate_count(s), 1);
    ct_rstate_free(s);
}

static void test_state_cap(void **state)
{
    ct_rstate *s = ct_rstate_new(3);
    for (int i = 0; i < 10; i++) {
        char j[256];
        snprintf(j, sizeof j,
                 "{\"message\":{\"type\":\"status-update\",\"timestamp\":%d,"
                 "\"call\":{\"id\":\"c%d\",\"status\":\"finished\"}}}",
                 100 + i, i);
        bool ch;
        ct_pmsg m = apply(s, (uint64_t)i + 1, j, &ch);
        ct_pmsg_clear(&m);
    }
    assert_true(ct_rstate_count(s) <= 3);
    ct_rstate_free(s);
}

static void test_throttle(void **state)
{
    (void)state;
    ct_throttle *t = ct_throttle_new(3, 100);
    assert_non_null(t);
    for (int i = 0; i < 3; i++) {
        assert_false(ct_throttle_blocked(t, "10.0.0.1", i));
        ct_throttle_fail(t, "10.0.0.1", i);
    }
    assert_true(ct_throttle_blocked(t, "10.0.0.1", 3));
    assert_false(ct_throttle_blocked(t, "10.0.0.2", 3)); /* others unaffected */
    ct_throttle_fail(t, "10.0.0.1", 50);                 /* guessing on extends it */
    assert_true(ct_throttle_blocked(t, "10.0.0.1", 149));
    assert_false(ct_throttle_blocked(t, "10.0.0.1", 151));
    /* after the block, a new window: two more failures do not block */
    ct_throttle_fail(t, "10.0.0.1", 200);
    ct_throttle_fail(t, "10.0.0.1", 201);
    assert_false(ct_throttle_blocked(t, "10.0.0.1", 202));
    /* a flood of addresses: fixed memory, the table recycles, no crash */
    char a[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(a, sizeof a, "192.168.%d.%d", i / 256, i % 256);
        ct_throttle_fail(t, a, 1000 + i);
    }
    ct_throttle_free(t);
}

/* The ring is bounded in bytes as well as in events. */
static void test_ring_bytes(void **state)
{
    (void)state;
    ct_ring r;
    assert_true(ct_ring_init(&r, 100));
    r.max_bytes = 1000;
    for (uint64_t s = 1; s <= 20; s++) {
        char *buf = malloc(301);
        memset(buf, 'e', 300);
        buf[300] = 0;
        ct_frame *f = ct_frame_wrap(buf, 300, s);
        ct_ring_push(&r, f);
        ct_frame_unref(f);
        assert_true(r.bytes <= 1000);
    }
    assert_int_equal(r.count, 3);
    assert_int_equal(ct_ring_oldest(&r), 18);
    assert_null(ct_ring_get(&r, 17));
    /* one frame bigger than the bound still stays (the newest always does) */
    char *big = malloc(5000);
    memset(big, 'b', 4999);
    big[4999] = 0;
    ct_frame *f = ct_frame_wrap(big, 4999, 21);
    ct_ring_push(&r, f);
    ct_frame_unref(f);
    assert_int_equal(r.count, 1);
    assert_non_null(ct_ring_get(&r, 21));
    ct_ring_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring),       cmocka_unit_test(test_state_events),
        cmocka_unit_test(test_state_cap),  cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_ring_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
