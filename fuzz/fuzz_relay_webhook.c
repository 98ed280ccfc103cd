/* fuzz_relay_webhook.c — libFuzzer target: calltop-relay's webhook handler
 * below the socket: decode an untrusted POST body, merge it into the relay's
 * per-call state, and encode the event and a snapshot. The input is split
 * on "\n---\n" into several deliveries so duplicates, reordering and
 * partial updates of one call are explored together. Every event the state
 * emits must decode as a protocol event. */
#include "fuzz_common.h"

#include "calltop/protocol.h"
#include "../relay/relay_int.h"

static void check_frame(const char *buf, size_t len, ct_pmsg_type want)
{
    ct_pmsg m;
    ct_error err;
    ct_error_clear(&err);
    if (ct_pmsg_decode(buf, len, &m, &err) != CT_OK) {
        fprintf(stderr, "relay emitted an undecodable frame: %s\n%.*s\n", err.detail, (int)len,
                buf);
        abort();
    }
    FUZZ_CHECK(m.type == want);
    ct_pmsg_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n---\n";
    ct_rstate *st = ct_rstate_new(8); /* a small cap so eviction is exercised */
    FUZZ_CHECK(st != NULL);
    const char *p = (const char *)data, *end = p + size;
    uint64_t seq = 1;
    while (p <= end) {
        const char *q = memmem(p, (size_t)(end - p), sep, sizeof sep - 1);
        size_t len = q ? (size_t)(q - p) : (size_t)(end - p);
        ct_webhook w;
        ct_error err;
        ct_error_clear(&err);
        if (ct_webhook_decode(p, len, &w, &err) == CT_OK) {
            ct_rstate_result r;
            memset(&r, 0, sizeof r);
            if (ct_rstate_apply(st, &w, seq, 0, (int64_t)seq, &r, &err) == CT_OK && r.changed) {
                FUZZ_CHECK(r.frame != NULL);
                check_frame(r.frame, r.len, CT_PM_EVENT);
                seq++;
            }
            free(r.frame);
            ct_webhook_clear(&w);
        }
        FUZZ_CHECK(ct_rstate_count(st) <= 8);
        if (!q) break;
        p = q + sizeof sep - 1;
    }
    size_t slen = 0;
    char *snap = ct_rstate_snapshot(st, seq, 0, &slen);
    FUZZ_CHECK(snap != NULL);
    check_frame(snap, slen, CT_PM_SNAPSHOT);
    free(snap);
    ct_rstate_expire(st, INT64_MAX, 0);
    ct_rstate_free(st);
    return 0;
}
