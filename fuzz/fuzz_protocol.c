/* fuzz_protocol.c — libFuzzer target: the monitor-protocol decoder (what
 * calltop's monitor thread feeds with frames from the relay). A decoded
 * event or snapshot must survive encode -> decode with the same seq, kind
 * and calls; every string in it must sanitize to clean UTF-8. */
#include "fuzz_common.h"

#include "calltop/protocol.h"

static void check_event_round_trip(const ct_pmsg *m)
{
    size_t len = 0;
    const ct_call_error *e = m->error.present ? &m->error : NULL;
    char *buf = ct_proto_encode_event(m->seq, m->kind, m->ts, &m->call, m->call.messages,
                                      m->call.n_messages, m->hang, e, 0, &len);
    FUZZ_CHECK(buf != NULL);
    ct_pmsg back;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode(buf, len, &back, &err) != CT_OK) {
        fprintf(stderr, "re-decode failed: %s\n%.*s\n", err.detail, (int)len, buf);
        abort();
    }
    FUZZ_CHECK(back.type == CT_PM_EVENT && back.seq == m->seq && back.kind == m->kind);
    /* An event always carries a (possibly empty) "messages" array, so a frame
     * that had none comes back with an empty one: the same content. */
    if (m->call.n_messages == 0 && back.call.n_messages == 0)
        back.call.present =
            (back.call.present & ~(uint32_t)CT_F_MESSAGES) | (m->call.present & CT_F_MESSAGES);
    FUZZ_CHECK(back.hang == m->hang && ct_call_equal(&back.call, &m->call));
    ct_pmsg_clear(&back);
    free(buf);
}

static void check_snapshot_round_trip(const ct_pmsg *m)
{
    size_t n = m->calls.n_calls, len = 0;
    const ct_call **calls = (const ct_call **)calloc(n ? n : 1, sizeof *calls);
    FUZZ_CHECK(calls != NULL);
    for (size_t i = 0; i < n; i++) calls[i] = &m->calls.calls[i];
    char *buf = ct_proto_encode_snapshot(m->seq, (const ct_call *const *)calls, n, 0, &len);
    free(calls);
    FUZZ_CHECK(buf != NULL);
    ct_pmsg back;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode(buf, len, &back, &err) != CT_OK) {
        fprintf(stderr, "snapshot re-decode failed: %s\n", err.detail);
        abort();
    }
    FUZZ_CHECK(back.type == CT_PM_SNAPSHOT && back.seq == m->seq && back.calls.n_calls == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(ct_call_equal(&back.calls.calls[i], &m->calls.calls[i]));
    ct_pmsg_clear(&back);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_pmsg m;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode((const char *)data, size, &m, &err) != CT_OK) {
        FUZZ_CHECK(err.code != CT_OK && err.detail[0] != '\0');
        return 0;
    }
    if (m.type == CT_PM_EVENT) {
        check_event_round_trip(&m);
        fuzz_sanitize_call(&m.call);
    } else if (m.type == CT_PM_SNAPSHOT) {
        check_snapshot_round_trip(&m);
        for (size_t i = 0; i < m.calls.n_calls; i++) fuzz_sanitize_call(&m.calls.calls[i]);
    }
    fuzz_sanitize_str(m.message);
    ct_pmsg_clear(&m);
    return 0;
}
