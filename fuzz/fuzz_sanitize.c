/* fuzz_sanitize.c — libFuzzer target: the display sanitizer at every cap,
 * and the ISO-8601 parser. The first input byte picks the cap and the
 * newline mode; the output must be NUL-terminated, under the cap, clean
 * UTF-8 and a prefix of the uncapped output (no split characters). An ISO
 * string that parses must format and parse back to the same instant's
 * millisecond. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    bool nl = data[0] & 0x80;
    size_t cap = (size_t)(data[0] & 0x7f);
    const char *in = (const char *)data + 1;
    size_t n = size - 1;

    size_t full_cap = n * 3 + 1;
    char *full = malloc(full_cap);
    FUZZ_CHECK(full != NULL);
    size_t full_len = ct_sanitize(in, n, full, full_cap, nl);
    FUZZ_CHECK(full_len < full_cap && full[full_len] == '\0');
    FUZZ_CHECK(fuzz_clean_utf8((const unsigned char *)full, full_len, nl));

    char *out = malloc(cap + 1);
    FUZZ_CHECK(out != NULL);
    out[cap] = 'Z'; /* canary just past the cap */
    size_t len = ct_sanitize(in, n, out, cap, nl);
    FUZZ_CHECK(out[cap] == 'Z');
    if (cap == 0) {
        FUZZ_CHECK(len == 0);
    } else {
        FUZZ_CHECK(len < cap && out[len] == '\0');
        FUZZ_CHECK(len <= full_len && memcmp(out, full, len) == 0);
        FUZZ_CHECK(fuzz_clean_utf8((const unsigned char *)out, len, nl));
        /* the cap was honoured greedily: the next character would not fit */
        if (len < full_len) {
            size_t next = 1;
            while (len + next < full_len && ((unsigned char)full[len + next] & 0xc0) == 0x80)
                next++;
            FUZZ_CHECK(len + next > cap - 1);
        }
    }
    free(out);
    free(full);

    char *s = malloc(n + 1);
    FUZZ_CHECK(s != NULL);
    memcpy(s, in, n);
    s[n] = '\0';
    ct_time_ms t;
    if (ct_time_parse_iso(s, &t) == CT_OK) {
        FUZZ_CHECK(t >= 0 && t <= CT_TIME_MAX_MS);
        char buf[32];
        ct_time_ms back;
        ct_time_format_iso(t, buf, sizeof buf);
        FUZZ_CHECK(ct_time_parse_iso(buf, &back) == CT_OK && back == t);
    }
    free(s);
    return 0;
}
