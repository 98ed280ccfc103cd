/* fuzz_common.h — shared checks for the libFuzzer targets (header only, so
 * each fuzz_*.c builds into its own binary). */
#ifndef CT_FUZZ_COMMON_H
#define CT_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"
#include "calltop/sanitize.h"

#define FUZZ_CHECK(cond)                                                             \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                 \
        }                                                                            \
    } while (0)

/* Strict UTF-8 without controls (newline allowed when nl). */
static inline bool fuzz_clean_utf8(const unsigned char *s, size_t n, bool nl)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && !(nl && c == '\n')) || c == 0x7f) return false;
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0xc2 || c > 0xf4 || i + len > n) return false;
        uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f) ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
            cp == 0x200f || cp == 0x61c)
            return false;
        i += len;
    }
    return true;
}

/* What the UI does with every decoded string. */
static inline void fuzz_sanitize_str(const char *s)
{
    if (!s) return;
    char *d = ct_sanitize_dup(s, true);
    FUZZ_CHECK(d != NULL);
    FUZZ_CHECK(fuzz_clean_utf8((const unsigned char *)d, strlen(d), true));
    free(d);
}

static inline void fuzz_sanitize_call(const ct_call *c)
{
    const char *s[] = {c->id,
                       c->team_id,
                       c->assistant_id,
                       c->phone_number_id,
                       c->call_type_text,
                       c->direction_text,
                       c->user_number,
                       c->assistant_number,
                       c->status_text,
                       c->phone_status_text,
                       c->phone_status_reason,
                       c->end_trigger_text,
                       c->control_url,
                       c->customer_name,
                       c->assistant_name,
                       c->metadata_json,
                       c->cost_json,
                       c->metrics_json,
                       c->recording_json,
                       c->analysis.summary,
                       c->analysis.success_evaluation,
                       c->analysis.outcome};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) fuzz_sanitize_str(s[i]);
    for (size_t i = 0; i < c->n_messages; i++) {
        fuzz_sanitize_str(c->messages[i].text);
        FUZZ_CHECK(c->messages[i].message_id != NULL);
    }
}

/* decode(encode(c)) == c, copy == c, merge into a copy keeps it equal. */
static inline void fuzz_call_invariants(const ct_call *c)
{
    cJSON *j = ct_call_to_json(c);
    FUZZ_CHECK(j != NULL);
    char *txt = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    FUZZ_CHECK(txt != NULL);
    cJSON *root = cJSON_Parse(txt);
    FUZZ_CHECK(root != NULL);
    ct_call back;
    ct_error err;
    ct_error_clear(&err);
    ct_err rc = ct_call_from_json(root, &back, NULL, &err);
    if (rc != CT_OK) {
        fprintf(stderr, "re-decode failed: %s\n%s\n", err.detail, txt);
        abort();
    }
    cJSON_Delete(root);
    if (!ct_call_equal(c, &back)) {
        fprintf(stderr, "round trip differs:\n%s\n", txt);
        abort();
    }
    ct_call copy;
    FUZZ_CHECK(ct_call_copy(&copy, c) == CT_OK);
    FUZZ_CHECK(ct_call_equal(c, &copy));
    FUZZ_CHECK(ct_call_merge(&copy, &back) == CT_OK);
    FUZZ_CHECK(ct_call_equal(c, &copy));
    (void)ct_call_is_live(c);
    (void)ct_call_is_failed_attempt(c);
    fuzz_sanitize_call(c);
    ct_call_clear(&copy);
    ct_call_clear(&back);
    free(txt);
}

#endif
