/* test_relay_ckpt.c — calltop-relay's checkpoints, the pure parts: the
 * store's whole-state export/import (ct_store_export / ct_store_import),
 * the checkpoint codec (relay/ckpt.c), stream-id order and the trim point.
 *
 * The property that matters: a relay that loads a checkpoint and applies
 * the rest of the log emits the same events, byte for byte, as one that
 * applied the whole log — including for late, stale and re-delivered
 * webhooks whose fate depends on the bookkeeping a checkpoint carries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"
#include "calltop/store.h"
#include "../../relay/ckpt.h"

/* A small deterministic generator: the same "log" on every run. */
static uint32_t rnd_state;
static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1664525u + 1013904223u;
    return rnd_state >> 8;
}

/* The i-th webhook of a messy log: 6 calls, every kind, timestamps that
 * go backwards now and then (stale deliveries), full and partial
 * transcripts re-delivered out of order with edited text. */
static void webhook(int i, char *buf, size_t len)
{
    static const char *const st[] = {"queued", "in-progress", "forwarded", "ended"};
    int call = (int)(rnd() % 6);
    long long ts = 1764151200000LL + i * 100 - (rnd() % 4 == 0 ? 5000 : 0);
    int kind = (int)(rnd() % 6);
    int n = 0;
    n += snprintf(buf + n, len - (size_t)n, "{\"message\":{\"timestamp\":%lld,", ts);
    switch (kind) {
    case 0:
    case 1:
        n += snprintf(buf + n, len - (size_t)n,
                      "\"type\":\"status-update\",\"call\":{\"id\":\"c%d\",\"status\":\"%s\","
                      "\"direction\":\"outbound\",\"customer\":{\"name\":\"N%u\"}}}}",
                      call, st[rnd() % 4], rnd() % 3);
        break;
    case 2: {
        n += snprintf(buf + n, len - (size_t)n,
                      "\"type\":\"conversation-update\",\"call\":{\"id\":\"c%d\"},"
                      "\"messages\":[",
                      call);
        int from = (int)(rnd() % 8), to = from + 1 + (int)(rnd() % 6);
        for (int k = from; k < to; k++)
            n += snprintf(buf + n, len - (size_t)n,
                          "%s{\"messageId\":\"m%d\",\"role\":\"%s\",\"text\":\"line %d v%u\","
                          "\"timestamp\":%lld}",
                          k > from ? "," : "", k, k % 2 ? "user" : "assistant", k, rnd() % 2,
                          1764151200000LL + k * 10 + (k == 5 ? 500 : 0));
        n += snprintf(buf + n, len - (size_t)n, "]}}");
        break;
    }
    case 3:
        n += snprintf(buf + n, len - (size_t)n, "\"type\":\"hang\",\"call\":{\"id\":\"c%d\"}}}",
                      call);
        break;
    case 4:
        n += snprintf(buf + n, len - (size_t)n,
                      "\"type\":\"error\",\"call\":{\"id\":\"c%d\"},\"error\":{\"type\":"
                      "\"llm_error\",\"code\":\"E%u\",\"message\":\"boom\",\"provider\":\"p\","
                      "\"retryable\":true}}}",
                      call, rnd() % 3);
        break;
    default:
        n += snprintf(buf + n, len - (size_t)n,
                      "\"type\":\"end-of-call-report\",\"call\":{\"id\":\"c%d\",\"endAt\":"
                      "\"2025-11-26T10:0%u:00.000Z\"},\"analysis\":{\"summary\":\"s%u\"}}}",
                      call, rnd() % 5, rnd() % 3);
        break;
    }
}

static char *export_text(ct_rstate *s)
{
    cJSON *a = ct_rstate_export(s);
    assert_non_null(a);
    char *t = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return t;
}

/* Applies webhook i to s (with seq) and returns its event frame or NULL. */
static char *apply(ct_rstate *s, int i, uint64_t seq, const char *body)
{
    ct_webhook w;
    ct_error err;
    memset(&w, 0, sizeof w);
    if (ct_webhook_decode(body, strlen(body), &w, &err) != CT_OK)
        fail_msg("webhook %d does not decode: %s: %s", i, err.detail, body);
    ct_rstate_result res;
    assert_int_equal(ct_rstate_apply(s, &w, seq, 0, 1000 + i, &res, &err), CT_OK);
    ct_webhook_clear(&w);
    return res.changed ? res.frame : NULL;
}

/* A relay that starts from a checkpoint taken after entry `cut` and one
 * that applied everything emit identical events and end identical. */
static void test_checkpoint_then_replay_equals_full_replay(void **state)
{
    (void)state;
    enum { N = 600 };
    static char bodies[N][2048];
    rnd_state = 42;
    for (int i = 0; i < N; i++) webhook(i, bodies[i], sizeof bodies[i]);
    int cuts[] = {0, 1, 77, 300, 599};
    for (size_t ci = 0; ci < sizeof cuts / sizeof cuts[0]; ci++) {
        int cut = cuts[ci];
        ct_rstate *full = ct_rstate_new(100);
        uint64_t seq = 1000;
        for (int i = 0; i <= cut; i++) {
            char *f = apply(full, i, seq + 1, bodies[i]);
            if (f) seq++;
            free(f);
        }
        ct_ckpt_meta m = {.index = (uint64_t)cut + 1, .seq = seq, .log_expire_ms = 12345};
        snprintf(m.stream, sizeof m.stream, "0123456789abcdef");
        snprintf(m.pos, sizeof m.pos, "1764151200000-%d", cut);
        size_t len = 0;
        char *text = ct_ckpt_encode(&m, full, &len);
        assert_non_null(text);
        assert_int_equal(strlen(text), len);

        ct_rstate *loaded = ct_rstate_new(100);
        ct_ckpt_meta back;
        ct_error err;
        assert_int_equal(ct_ckpt_decode(text, len, &back, loaded, &err), CT_OK);
        assert_string_equal(back.stream, m.stream);
        assert_string_equal(back.pos, m.pos);
        assert_int_equal(back.index, m.index);
        assert_int_equal(back.seq, m.seq);
        assert_int_equal(back.log_expire_ms, m.log_expire_ms);
        /* A checkpoint of the loaded state is the same checkpoint. */
        size_t len2 = 0;
        char *again = ct_ckpt_encode(&back, loaded, &len2);
        assert_string_equal(again, text);
        free(again);
        free(text);

        uint64_t seq_b = seq;
        for (int i = cut + 1; i < N; i++) {
            char *a = apply(full, i, seq + 1, bodies[i]);
            char *b = apply(loaded, i, seq_b + 1, bodies[i]);
            if (!a != !b) fail_msg("cut %d, webhook %d: an event on one side only", cut, i);
            if (a) {
                assert_string_equal(a, b);
                seq++;
                seq_b++;
            }
            free(a);
            free(b);
            if (i % 50 == 0) { /* expiry and the byte bound, at the same log time */
                assert_int_equal(ct_rstate_expire(full, 1000 + i, 100),
                                 ct_rstate_expire(loaded, 1000 + i, 100));
                assert_int_equal(ct_rstate_trim(full, 4000), ct_rstate_trim(loaded, 4000));
            }
        }
        char *ea = export_text(full), *eb = export_text(loaded);
        assert_string_equal(ea, eb);
        char *sa = ct_rstate_snapshot(full, seq, 0, NULL),
             *sb = ct_rstate_snapshot(loaded, seq, 0, NULL);
        assert_string_equal(sa, sb);
        free(sa);
        free(sb);
        free(ea);
        free(eb);
        ct_rstate_free(full);
        ct_rstate_free(loaded);
    }
}

/* What a checkpoint without the bookkeeping would get wrong: a stale
 * status (older version) must still lose after a load. */
static void test_versions_survive_a_load(void **state)
{
    (void)state;
    ct_rstate *s = ct_rstate_new(10);
    const char *newer = "{\"message\":{\"type\":\"status-update\",\"timestamp\":2000,"
                        "\"call\":{\"id\":\"x\",\"status\":\"in-progress\","
                        "\"userNumber\":\"+15550001\"}}}";
    const char *older = "{\"message\":{\"type\":\"status-update\",\"timestamp\":1000,"
                        "\"call\":{\"id\":\"x\",\"status\":\"in-progress\","
                        "\"userNumber\":\"+15550002\"}}}";
    free(apply(s, 0, 1, newer));
    ct_ckpt_meta m = {.index = 1, .seq = 1};
    snprintf(m.stream, sizeof m.stream, "0123456789abcdef");
    snprintf(m.pos, sizeof m.pos, "1-0");
    size_t len;
    char *text = ct_ckpt_encode(&m, s, &len);
    ct_rstate *l = ct_rstate_new(10);
    ct_error err;
    assert_int_equal(ct_ckpt_decode(text, len, &m, l, &err), CT_OK);
    char *f = apply(l, 1, 2, older);
    assert_null(f); /* stale: no event, the newer number stays */
    char *snap = ct_rstate_snapshot(l, 2, 0, NULL);
    assert_non_null(strstr(snap, "+15550001"));
    free(snap);
    free(text);
    ct_rstate_free(s);
    ct_rstate_free(l);
}

/* Bad checkpoints are refused with a reason, never half-trusted. */
static void test_bad_checkpoints(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{\"v\":2,\"stream\":\"0123456789abcdef\",\"pos\":\"1-0\",\"index\":1,\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":[]}",
        "{\"v\":1,\"stream\":\"short\",\"pos\":\"1-0\",\"index\":1,\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":[]}",
        "{\"v\":1,\"stream\":\"0123456789abcdef\",\"pos\":\"x-0\",\"index\":1,\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":[]}",
        "{\"v\":1,\"stream\":\"0123456789abcdef\",\"pos\":\"1-0\",\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":[]}",
        "{\"v\":1,\"stream\":\"0123456789abcdef\",\"pos\":\"1-0\",\"index\":1,\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":{}}",
        "{\"v\":1,\"stream\":\"0123456789abcdef\",\"pos\":\"1-0\",\"index\":1,\"seq\":1,"
        "\"logExpireMs\":0,\"calls\":[{\"call\":{\"id\":\"a\"}}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ct_rstate *s = ct_rstate_new(10);
        ct_ckpt_meta m;
        ct_error err;
        ct_error_clear(&err);
        assert_int_not_equal(ct_ckpt_decode(bad[i], strlen(bad[i]), &m, s, &err), CT_OK);
        assert_true(err.detail[0] != '\0');
        ct_rstate_free(s);
    }
}

static void test_stream_id_order(void **state)
{
    (void)state;
    uint64_t ms, seq;
    assert_true(ct_ckpt_id_parse("1764151200000-12", &ms, &seq));
    assert_int_equal(ms, 1764151200000ULL);
    assert_int_equal(seq, 12);
    assert_true(ct_ckpt_id_parse("5", &ms, &seq));
    assert_int_equal(seq, 0);
    assert_false(ct_ckpt_id_parse("", &ms, &seq));
    assert_false(ct_ckpt_id_parse("1-", &ms, &seq));
    assert_false(ct_ckpt_id_parse("1-2-3", &ms, &seq));
    assert_false(ct_ckpt_id_parse("-1", &ms, &seq));
    /* Numeric, not lexical: "9-0" < "10-0", "10-9" < "10-10". */
    assert_true(ct_ckpt_id_cmp("9-0", "10-0") < 0);
    assert_true(ct_ckpt_id_cmp("10-9", "10-10") < 0);
    assert_int_equal(ct_ckpt_id_cmp("10-10", "10-10"), 0);
    assert_true(ct_ckpt_id_cmp("11-0", "10-99") > 0);
    assert_true(ct_ckpt_id_cmp("junk", "0-0") < 0);
}

static void test_trim_point(void **state)
{
    (void)state;
    char out[48];
    const char *ck[] = {"300-0", "100-5", "200-0"};
    /* No checkpoint: nothing may go (a starting relay replays from 0). */
    assert_false(ct_ckpt_trim_point(NULL, 0, NULL, 0, out));
    /* Only checkpoints: behind the oldest kept one. */
    assert_true(ct_ckpt_trim_point(ck, 3, NULL, 0, out));
    assert_string_equal(out, "100-5");
    /* Relays ahead of it change nothing; one behind holds the trim back. */
    const char *ahead[] = {"400-0", "300-1"};
    assert_true(ct_ckpt_trim_point(ck, 3, ahead, 2, out));
    assert_string_equal(out, "100-5");
    const char *lagging[] = {"400-0", "90-7", "100-4"};
    assert_true(ct_ckpt_trim_point(ck, 3, lagging, 3, out));
    assert_string_equal(out, "90-7");
    /* A relay at the very start (or with an unreadable position): none. */
    const char *fresh[] = {"400-0", "0-0"};
    assert_false(ct_ckpt_trim_point(ck, 3, fresh, 2, out));
    const char *junk[] = {"garbage"};
    assert_false(ct_ckpt_trim_point(ck, 3, junk, 1, out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checkpoint_then_replay_equals_full_replay),
        cmocka_unit_test(test_versions_survive_a_load),
        cmocka_unit_test(test_bad_checkpoints),
        cmocka_unit_test(test_stream_id_order),
        cmocka_unit_test(test_trim_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
