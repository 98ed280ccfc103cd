/* test_protocol.c — every monitor-protocol message round-trips through
 * core/protocol.c, and malformed frames fail with a clear, typed error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/protocol.h"

static ct_pmsg decode_ok(const char *text)
{
    ct_pmsg m;
    ct_error err;
    ct_error_clear(&err);
    ct_err rc = ct_pmsg_decode(text, strlen(text), &m, &err);
    if (rc != CT_OK) fail_msg("decode failed: %s (%s) for %s", ct_strerror(rc), err.detail, text);
    return m;
}

static ct_err decode_err(const char *text, ct_error *err)
{
    ct_pmsg m;
    ct_error_clear(err);
    ct_err rc = ct_pmsg_decode(text, strlen(text), &m, err);
    /* A failed decode leaves nothing to free. */
    assert_int_equal(m.type, CT_PM_UNKNOWN);
    assert_null(m.stream);
    assert_null(m.call.id);
    return rc;
}

static void test_hello_roundtrip(void **state)
{
    size_t len = 0;
    char *t = ct_proto_encode_hello(true, 1042, "abc123", 0, &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_HELLO);
    assert_int_equal(m.protocol, CT_PROTOCOL_VERSION);
    assert_true(m.has_last_seq);
    assert_int_equal(m.last_seq, 1042);
    assert_string_equal(m.stream, "abc123");
    ct_pmsg_clear(&m);
    free(t);

    t = ct_proto_encode_hello(false, 0, "ignored-without-lastSeq", 0, NULL);
    m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_HELLO);
    assert_false(m.has_last_seq);
    assert_null(m.stream);
    ct_pmsg_clear(&m);
    free(t);

    /* seq 0 is a real value, distinct from "no lastSeq" */
    m = decode_ok("{\"type\":\"hello\",\"protocol\":1,\"lastSeq\":0}");
    assert_true(m.has_last_seq);
    assert_int_equal(m.last_seq, 0);
    ct_pmsg_clear(&m);
}

static void test_headroom(void **state)
{
    size_t len = 0;
    char *t = ct_proto_encode_ping(77, 16, &len);
    assert_non_null(t);
    assert_int_equal(len, strlen(t + 16));
    ct_pmsg m = decode_ok(t + 16);
    assert_int_equal(m.type, CT_PM_PING);
    assert_int_equal(m.t, 77);
    ct_pmsg_clear(&m);
    free(t);
}

static void test_welcome_roundtrip(void **state)
{
    char *t = ct_proto_encode_welcome(1045, "s1", true, 0, NULL);
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_WELCOME);
    assert_int_equal(m.seq, 1045);
    assert_true(m.replay);
    assert_string_equal(m.stream, "s1");
    assert_int_equal(m.protocol, CT_PROTOCOL_VERSION);
    ct_pmsg_clear(&m);
    free(t);

    t = ct_proto_encode_welcome(0, "s1", false, 0, NULL);
    m = decode_ok(t);
    assert_false(m.replay);
    assert_int_equal(m.seq, 0);
    ct_pmsg_clear(&m);
    free(t);
}

static void fill_call(ct_call *c, const char *id, size_t n_msgs)
{
    memset(c, 0, sizeof *c);
    c->id = strdup(id);
    c->present = CT_F_ID | CT_F_STATUS | CT_F_PHONE_STATUS | CT_F_DIRECTION | CT_F_START;
    c->status = CT_STATUS_ONGOING;
    c->status_text = strdup("ongoing");
    c->phone_status = CT_PHONE_IN_PROGRESS;
    c->phone_status_text = strdup("in-progress");
    c->direction = CT_DIR_OUTBOUND;
    c->direction_text = strdup("outbound");
    c->start_at = 1764151200000;
    if (n_msgs) {
        c->messages = calloc(n_msgs, sizeof *c->messages);
        c->n_messages = n_msgs;
        c->present |= CT_F_MESSAGES;
        for (size_t i = 0; i < n_msgs; i++) {
            char buf[32];
            snprintf(buf, sizeof buf, "m-%zu", i + 1);
            c->messages[i].message_id = strdup(buf);
            c->messages[i].role = i % 2 ? CT_ROLE_USER : CT_ROLE_ASSISTANT;
            c->messages[i].role_text = strdup(i % 2 ? "user" : "assistant");
            snprintf(buf, sizeof buf, "line \"%zu\"\n", i + 1);
            c->messages[i].text = strdup(buf);
            c->messages[i].timestamp = 1764151201000 + (ct_time_ms)i * 1000;
        }
    }
}

static void test_snapshot_roundtrip(void **state)
{
    ct_call a, b;
    fill_call(&a, "CC-5b0f4c1e-8d55-4b7e-9c11-0e6f8a7c2d10", 3);
    fill_call(&b, "WC-1", 0);
    b.status = CT_STATUS_FINISHED;
    free(b.status_text);
    b.status_text = strdup("finished");
    const ct_call *calls[] = {&a, &b};
    char *t = ct_proto_encode_snapshot(99, calls, 2, 0, NULL);
    assert_non_null(t);
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_SNAPSHOT);
    assert_int_equal(m.seq, 99);
    assert_int_equal(m.calls.n_calls, 2);
    assert_int_equal(m.calls.n_skipped, 0);
    assert_string_equal(m.calls.calls[0].id, a.id);
    assert_int_equal(m.calls.calls[0].status, CT_STATUS_ONGOING);
    assert_int_equal(m.calls.calls[0].phone_status, CT_PHONE_IN_PROGRESS);
    assert_int_equal(m.calls.calls[0].start_at, a.start_at);
    assert_int_equal(m.calls.calls[0].n_messages, 3);
    assert_string_equal(m.calls.calls[0].messages[2].message_id, "m-3");
    assert_string_equal(m.calls.calls[0].messages[2].text, "line \"3\"\n");
    assert_int_equal(m.calls.calls[0].messages[2].timestamp, a.messages[2].timestamp);
    assert_int_equal(m.calls.calls[0].messages[1].role, CT_ROLE_USER);
    assert_string_equal(m.calls.calls[1].id, "WC-1");
    assert_int_equal(m.calls.calls[1].status, CT_STATUS_FINISHED);
    ct_pmsg_clear(&m);
    free(t);

    /* an empty relay */
    t = ct_proto_encode_snapshot(0, NULL, 0, 0, NULL);
    m = decode_ok(t);
    assert_int_equal(m.calls.n_calls, 0);
    ct_pmsg_clear(&m);
    free(t);

    /* one bad call is skipped and counted, the rest survive */
    m = decode_ok("{\"type\":\"snapshot\",\"seq\":5,\"calls\":[{\"id\":\"x\"},7,"
                  "{\"status\":\"ongoing\"},{\"id\":\"y\",\"startAt\":{}}]}");
    assert_int_equal(m.calls.n_calls, 1);
    assert_string_equal(m.calls.calls[0].id, "x");
    assert_int_equal(m.calls.n_skipped, 3);
    assert_non_null(strstr(m.calls.first_skip.detail, "calls[1]"));
    ct_pmsg_clear(&m);
    ct_call_clear(&a);
    ct_call_clear(&b);
}

static void test_event_roundtrip(void **state)
{
    ct_call c;
    fill_call(&c, "CC-1", 4);
    /* the event carries the call without messages, plus only the new lines */
    char *t = ct_proto_encode_event(1046, CT_WH_CONVERSATION_UPDATE, 1764151205000, &c,
                                    c.messages + 3, 1, false, NULL, 0, NULL);
    assert_non_null(t);
    assert_null(strstr(t, "m-1"));
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_EVENT);
    assert_int_equal(m.seq, 1046);
    assert_int_equal(m.kind, CT_WH_CONVERSATION_UPDATE);
    assert_string_equal(m.kind_text, "conversation-update");
    assert_int_equal(m.ts, 1764151205000);
    assert_string_equal(m.call.id, "CC-1");
    assert_int_equal(m.call.status, CT_STATUS_ONGOING);
    assert_int_equal(m.call.n_messages, 1);
    assert_true(m.call.present & CT_F_MESSAGES);
    assert_string_equal(m.call.messages[0].message_id, "m-4");
    assert_false(m.hang);
    assert_false(m.error.present);
    ct_pmsg_clear(&m);
    free(t);

    /* status change: no messages; hang flag */
    t = ct_proto_encode_event(7, CT_WH_HANG, 0, &c, NULL, 0, true, NULL, 0, NULL);
    m = decode_ok(t);
    assert_int_equal(m.kind, CT_WH_HANG);
    assert_int_equal(m.call.n_messages, 0);
    assert_true(m.hang);
    assert_int_equal(m.ts, 0);
    ct_pmsg_clear(&m);
    free(t);

    /* error kind carries the error object */
    ct_call_error e = {.present = true,
                       .type = "llm_error",
                       .code = "rate_limited",
                       .message = "Upstream LLM rate limit",
                       .provider = "openai",
                       .retryable = true};
    t = ct_proto_encode_event(8, CT_WH_ERROR, 5, &c, NULL, 0, false, &e, 0, NULL);
    m = decode_ok(t);
    assert_int_equal(m.kind, CT_WH_ERROR);
    assert_true(m.error.present);
    assert_string_equal(m.error.type, "llm_error");
    assert_string_equal(m.error.code, "rate_limited");
    assert_string_equal(m.error.provider, "openai");
    assert_true(m.error.retryable);
    ct_pmsg_clear(&m);
    free(t);

    /* the relay names a webhook type it does not know "other" */
    t = ct_proto_encode_event(10, CT_WH_UNKNOWN, 0, &c, NULL, 0, false, NULL, 0, NULL);
    m = decode_ok(t);
    assert_string_equal(m.kind_text, "other");
    assert_int_equal(m.kind, CT_WH_UNKNOWN);
    ct_pmsg_clear(&m);
    free(t);

    /* a kind this client does not know is kept as text */
    m = decode_ok("{\"type\":\"event\",\"seq\":9,\"kind\":\"transfer\",\"call\":{\"id\":\"z\"}}");
    assert_int_equal(m.kind, CT_WH_UNKNOWN);
    assert_string_equal(m.kind_text, "transfer");
    ct_pmsg_clear(&m);
    ct_call_clear(&c);
}

static void test_ping_pong_error(void **state)
{
    char *t = ct_proto_encode_pong(1764151210000, 0, NULL);
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_PONG);
    assert_int_equal(m.t, 1764151210000);
    ct_pmsg_clear(&m);
    free(t);

    m = decode_ok("{\"type\":\"pong\"}"); /* t is optional */
    assert_int_equal(m.type, CT_PM_PONG);
    ct_pmsg_clear(&m);

    t = ct_proto_encode_error("unsupported-protocol", "this relay speaks protocol 1", 0, NULL);
    m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_ERROR);
    assert_string_equal(m.code, "unsupported-protocol");
    assert_string_equal(m.message, "this relay speaks protocol 1");
    ct_pmsg_clear(&m);
    free(t);
}

/* Protocol 3's status message: live with no reason, not live with one; a
 * missing or non-boolean "live" is refused with what is wrong. */
static void test_status(void **state)
{
    (void)state;
    size_t len = 0;
    char *t = ct_proto_encode_status(false, "the relay cannot read its log (Redis)", 0, &len);
    assert_int_equal(len, strlen(t));
    assert_string_equal(t,
                        "{\"type\":\"status\",\"live\":false,"
                        "\"reason\":\"the relay cannot read its log (Redis)\"}");
    ct_pmsg m = decode_ok(t);
    assert_int_equal(m.type, CT_PM_STATUS);
    assert_false(m.live);
    assert_string_equal(m.reason, "the relay cannot read its log (Redis)");
    assert_string_equal(ct_pmsg_type_name(m.type), "status");
    ct_pmsg_clear(&m);
    free(t);

    t = ct_proto_encode_status(true, NULL, 0, NULL);
    assert_string_equal(t, "{\"type\":\"status\",\"live\":true}");
    m = decode_ok(t);
    assert_true(m.live);
    assert_null(m.reason);
    ct_pmsg_clear(&m);
    free(t);

    ct_error err;
    assert_int_equal(decode_err("{\"type\":\"status\"}", &err), CT_EMISSING);
    assert_non_null(strstr(err.detail, "live"));
    assert_int_equal(decode_err("{\"type\":\"status\",\"live\":1}", &err), CT_ETYPE);
    assert_non_null(strstr(err.detail, "boolean"));
}

static void test_malformed(void **state)
{
    ct_error err;
    assert_int_equal(decode_err("", &err), CT_EJSON);
    assert_int_equal(decode_err("{\"type\":\"hello\"", &err), CT_EJSON); /* truncated */
    assert_int_equal(decode_err("[1,2]", &err), CT_EJSON);
    assert_non_null(strstr(err.detail, "array"));
    assert_int_equal(decode_err("{}", &err), CT_EMISSING);
    assert_non_null(strstr(err.detail, "type"));
    assert_int_equal(decode_err("{\"type\":5}", &err), CT_ETYPE);
    assert_int_equal(decode_err("{\"type\":\"subscribe\"}", &err), CT_EPROTOCOL);
    assert_non_null(strstr(err.detail, "subscribe"));
    assert_int_equal(decode_err("{\"type\":\"hello\"}", &err), CT_EMISSING);
    assert_non_null(strstr(err.detail, "protocol"));
    assert_int_equal(decode_err("{\"type\":\"hello\",\"protocol\":1,\"lastSeq\":\"7\"}", &err),
                     CT_ETYPE);
    assert_non_null(strstr(err.detail, "lastSeq"));
    assert_int_equal(decode_err("{\"type\":\"hello\",\"protocol\":1,\"lastSeq\":-1}", &err),
                     CT_EVALUE);
    assert_int_equal(decode_err("{\"type\":\"hello\",\"protocol\":1,\"lastSeq\":1.5}", &err),
                     CT_EVALUE);
    assert_int_equal(
        decode_err("{\"type\":\"welcome\",\"protocol\":1,\"seq\":1,\"mode\":\"x\"}", &err),
        CT_EVALUE);
    assert_int_equal(decode_err("{\"type\":\"event\",\"seq\":1,\"kind\":\"hang\"}", &err),
                     CT_EMISSING);
    assert_non_null(strstr(err.detail, "call"));
    assert_int_equal(
        decode_err("{\"type\":\"event\",\"seq\":1,\"kind\":\"hang\",\"call\":{}}", &err),
        CT_EMISSING);
    assert_non_null(strstr(err.detail, "call.id"));
    assert_int_equal(decode_err("{\"type\":\"event\",\"seq\":1,\"kind\":\"hang\","
                                "\"call\":{\"id\":\"a\"},\"messages\":{}}",
                                &err),
                     CT_ETYPE);
    assert_non_null(strstr(err.detail, "messages"));
    assert_int_equal(decode_err("{\"type\":\"event\",\"seq\":1,\"kind\":\"error\","
                                "\"call\":{\"id\":\"a\"},\"error\":{\"retryable\":\"yes\"}}",
                                &err),
                     CT_ETYPE);
    assert_non_null(strstr(err.detail, "error.retryable"));
    assert_int_equal(decode_err("{\"type\":\"snapshot\",\"seq\":1,\"calls\":{}}", &err), CT_ETYPE);
    assert_int_equal(decode_err("{\"type\":\"snapshot\",\"calls\":[]}", &err), CT_EMISSING);
    assert_int_equal(decode_err("{\"type\":\"error\"}", &err), CT_EMISSING);
    assert_int_equal(decode_err("{\"type\":\"ping\",\"t\":\"now\"}", &err), CT_ETYPE);
}

/* Every prefix and many byte-flipped variants of valid frames: each either
 * decodes or fails with a typed error and nothing to free (ASan/UBSan
 * check the rest). Fixed seed: repeatable. */
static void test_mutations(void **state)
{
    ct_call c;
    fill_call(&c, "CC-mut", 2);
    const ct_call *calls[] = {&c};
    ct_call_error e = {.present = true, .type = "llm_error", .code = "x", .retryable = true};
    char *frames[] = {
        ct_proto_encode_hello(true, 99, "s", 0, NULL),
        ct_proto_encode_welcome(99, "s", true, 0, NULL),
        ct_proto_encode_snapshot(99, calls, 1, 0, NULL),
        ct_proto_encode_event(100, CT_WH_ERROR, 5, &c, c.messages, 2, true, &e, 0, NULL),
        ct_proto_encode_ping(1, 0, NULL),
        ct_proto_encode_error("bad-message", "x", 0, NULL),
    };
    unsigned seed = 7;
    size_t ok = 0, failed = 0;
    for (size_t f = 0; f < sizeof frames / sizeof *frames; f++) {
        size_t n = strlen(frames[f]);
        char *buf = malloc(n + 1);
        for (size_t cut = 0; cut <= n; cut++) {
            ct_pmsg m;
            ct_error err;
            ct_err rc = ct_pmsg_decode(frames[f], cut, &m, &err);
            if (rc == CT_OK) ok++;
            else {
                failed++;
                assert_true(rc == CT_EJSON || rc == CT_EMISSING || rc == CT_ETYPE ||
                            rc == CT_EVALUE || rc == CT_EPROTOCOL);
                assert_true(err.detail[0] != '\0');
            }
            ct_pmsg_clear(&m);
        }
        for (int k = 0; k < 400; k++) {
            memcpy(buf, frames[f], n + 1);
            for (int flips = 1 + (int)(rand_r(&seed) % 3); flips > 0; flips--)
                buf[rand_r(&seed) % n] = (char)(rand_r(&seed) % 256);
            ct_pmsg m;
            ct_error err;
            if (ct_pmsg_decode(buf, n, &m, &err) == CT_OK) ok++;
            else failed++;
            ct_pmsg_clear(&m);
        }
        free(buf);
        free(frames[f]);
    }
    assert_true(ok > 0);
    assert_true(failed > 0);
    ct_call_clear(&c);
}

static void test_secret_equal(void **state)
{
    assert_true(ct_secret_equal("s3cret", 6, "s3cret"));
    assert_false(ct_secret_equal("s3cre", 5, "s3cret"));
    assert_false(ct_secret_equal("s3cretX", 7, "s3cret"));
    assert_false(ct_secret_equal("s3creT", 6, "s3cret"));
    assert_false(ct_secret_equal("", 0, "")); /* an empty secret never matches */
    assert_false(ct_secret_equal(NULL, 0, "x"));
    assert_false(ct_secret_equal("x", 1, NULL));
    /* a presented value with an embedded NUL is compared by length, not C string */
    assert_false(ct_secret_equal("s3cret\0x", 8, "s3cret"));
}

/* Protocol 2 snapshot parts: bounded, numbered, the last marked, every
 * call exactly once, and each part a valid snapshot message. */
static void test_snapshot_parts(void **state)
{
    (void)state;
    enum { N = 25 };
    ct_call calls[N];
    const ct_call *ptrs[N];
    char ids[N][16];
    for (int i = 0; i < N; i++) {
        memset(&calls[i], 0, sizeof calls[i]);
        snprintf(ids[i], sizeof ids[i], "call-%02d", i);
        calls[i].id = ids[i];
        calls[i].present = CT_F_ID;
        ptrs[i] = &calls[i];
    }
    char **parts = NULL;
    size_t *lens = NULL;
    size_t n = ct_proto_encode_snapshot_parts(1796321249351450ULL, ptrs, N, 100, 16, &parts, &lens);
    assert_true(n > 1);
    int seen = 0;
    for (size_t k = 0; k < n; k++) {
        for (int z = 0; z < 16; z++) assert_int_equal(parts[k][z], 0); /* headroom */
        const char *t = parts[k] + 16;
        assert_int_equal(strlen(t), lens[k]);
        assert_true(lens[k] <= 100 + 64);
        ct_pmsg m = decode_ok(t);
        assert_int_equal(m.type, CT_PM_SNAPSHOT);
        assert_int_equal(m.seq, 1796321249351450ULL);
        assert_int_equal(m.part, k);
        assert_int_equal(m.last, k == n - 1);
        for (size_t i = 0; i < m.calls.n_calls; i++)
            assert_string_equal(m.calls.calls[i].id, ids[seen++]);
        ct_pmsg_clear(&m);
        free(parts[k]);
    }
    assert_int_equal(seen, N);
    free(parts);
    free(lens);
    /* empty: one empty last part */
    n = ct_proto_encode_snapshot_parts(7, NULL, 0, 100, 0, &parts, &lens);
    assert_int_equal(n, 1);
    assert_string_equal(parts[0],
                        "{\"type\":\"snapshot\",\"seq\":7,\"part\":0,\"calls\":[],\"last\":true}");
    free(parts[0]);
    free(parts);
    free(lens);
    /* a v1 snapshot (no part/last) decodes as one whole last part */
    ct_pmsg m = decode_ok("{\"type\":\"snapshot\",\"seq\":5,\"calls\":[]}");
    assert_true(m.last);
    assert_int_equal(m.part, 0);
    ct_pmsg_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_parts),
        cmocka_unit_test(test_hello_roundtrip),
        cmocka_unit_test(test_headroom),
        cmocka_unit_test(test_welcome_roundtrip),
        cmocka_unit_test(test_snapshot_roundtrip),
        cmocka_unit_test(test_event_roundtrip),
        cmocka_unit_test(test_ping_pong_error),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_secret_equal),
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
