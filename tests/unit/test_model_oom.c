/* test_model_oom.c — allocation failure at every point of every codec.
 *
 * This binary replaces malloc/calloc/realloc/free (glibc allows it; the
 * real ones are __libc_*) to make the k-th allocation fail, for k = 0, 1,
 * ... until a run completes without reaching k. Each run must report the
 * failure (CT_ENOMEM, or CT_EJSON when it hit inside cJSON's parser, which
 * cannot tell the two apart; NULL from encoders), never crash, and leave no
 * live allocation behind: the wrapper counts them. Under ASan the allocator
 * belongs to the sanitizer, so the test skips itself there. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/model.h"
#include "calltop/sanitize.h"

#include "corpus_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define OOM_AVAILABLE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_AVAILABLE 0
#endif
#endif
#ifndef OOM_AVAILABLE
#define OOM_AVAILABLE 1
#endif

#if OOM_AVAILABLE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long fail_countdown = -1; /* allocations left before the failure; -1 = never */
static bool failed;              /* the injected failure happened in this run */
static bool counting;
static long live; /* allocations made and not freed during the run */

static bool inject(void)
{
    if (fail_countdown < 0) return false;
    if (fail_countdown-- == 0) {
        failed = true;
        return true;
    }
    return false;
}

void *malloc(size_t n)
{
    if (inject()) return NULL;
    void *p = __libc_malloc(n);
    if (p && counting) live++;
    return p;
}

void *calloc(size_t n, size_t m)
{
    if (inject()) return NULL;
    void *p = __libc_calloc(n, m);
    if (p && counting) live++;
    return p;
}

void *realloc(void *old, size_t n)
{
    if (!old) return malloc(n);
    if (n == 0) {
        free(old);
        return NULL;
    }
    if (inject()) return NULL;
    return __libc_realloc(old, n);
}

void free(void *p)
{
    if (p && counting) live--;
    __libc_free(p);
}
#endif

/* A scenario runs one codec end to end, frees everything it made, and
 * returns true when it completed normally, false when it reported OOM. */
typedef bool (*scenario_fn)(const char *doc, size_t len);

static bool oom_code(ct_err rc)
{
    if (rc == CT_OK) return true;
    if (rc != CT_ENOMEM && rc != CT_EJSON)
        fail_msg("unexpected error %d under allocation failure", rc);
    return false;
}

static bool sc_call(const char *doc, size_t len)
{
    ct_call c;
    ct_error err;
    if (!oom_code(ct_call_decode(doc, len, &c, &err))) return false;
    bool ok = true;
    cJSON *j = ct_call_to_json(&c);
    char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
    ok = txt != NULL;
    cJSON_Delete(j);
    free(txt);
    ct_call d = {0}, e = {0};
    if (ok && ct_call_copy(&d, &c) != CT_OK) ok = false;
    if (ok && ct_call_merge(&e, &c) != CT_OK) ok = false;
    char *s = ok ? ct_sanitize_dup(c.messages ? c.messages[0].text : c.id, false) : NULL;
    if (ok && !s) ok = false;
    free(s);
    ct_call_clear(&d);
    ct_call_clear(&e);
    ct_call_clear(&c);
    return ok;
}

static bool sc_list(const char *doc, size_t len)
{
    ct_call_list l;
    ct_error err;
    if (!oom_code(ct_call_list_decode(doc, len, &l, &err))) return false;
    ct_call_list_clear(&l);
    return true;
}

static bool sc_numbers(const char *doc, size_t len)
{
    ct_number_list nl;
    ct_error err;
    if (!oom_code(ct_number_list_decode(doc, len, &nl, &err))) return false;
    bool ok = true;
    for (size_t i = 0; ok && i < nl.n; i++) {
        cJSON *j = ct_number_to_json(&nl.items[i]);
        ok = j != NULL;
        cJSON_Delete(j);
    }
    ct_number_list_clear(&nl);
    return ok;
}

static bool sc_webhook(const char *doc, size_t len)
{
    ct_webhook w;
    ct_error err;
    if (!oom_code(ct_webhook_decode(doc, len, &w, &err))) return false;
    cJSON *j = ct_webhook_to_json(&w);
    bool ok = j != NULL;
    cJSON_Delete(j);
    ct_webhook_clear(&w);
    return ok;
}

static bool sc_assistant(const char *doc, size_t len)
{
    ct_assistant a;
    ct_error err;
    if (!oom_code(ct_assistant_decode(doc, len, &a, &err))) return false;
    ct_assistant_clear(&a);
    return true;
}

static bool sc_requests(const char *doc, size_t len)
{
    (void)doc;
    (void)len;
    ct_error err;
    char *body = NULL;
    ct_kv md[] = {{"a", "1"}, {"b", NULL}, {"a", "2"}};
    ct_connect_request cr = {.phone_number_id = "p",
                             .customer_number = "+14155550123",
                             .customer_name = "Dana",
                             .assistant_id = "x",
                             .metadata = md,
                             .n_metadata = 3};
    if (!oom_code(ct_connect_request_encode(&cr, &body, &err))) return false;
    cJSON *j = NULL;
    ct_err rc = ct_connect_request_decode(body, strlen(body), &j, &err);
    free(body);
    if (!oom_code(rc)) return false;
    cJSON_Delete(j);
    ct_create_request kr = {
        .user_number = "+12", .assistant_number = "+13", .metadata = md, .n_metadata = 1};
    if (!oom_code(ct_create_request_encode(&kr, &body, &err))) return false;
    free(body);
    ct_control_request r = {CT_ACTION_DTMF, "12#"};
    if (!oom_code(ct_control_request_encode(&r, &body, &err))) return false;
    ct_control_action a;
    char *msg = NULL;
    rc = ct_control_request_decode(body, strlen(body), &a, &msg, &err);
    free(body);
    if (!oom_code(rc)) return false;
    free(msg);
    return true;
}

static void run_all_failure_points(scenario_fn fn, const char *corpus_name)
{
#if OOM_AVAILABLE
    size_t len = 0;
    char *doc = corpus_name ? corpus_load(corpus_name, &len) : NULL;
    long k;
    for (k = 0; k < 100000; k++) {
        failed = false;
        live = 0;
        counting = true;
        fail_countdown = k;
        bool ok = fn(doc, len);
        fail_countdown = -1;
        counting = false;
        if (live != 0)
            fail_msg("%s: failure at allocation %ld leaked %ld allocation(s)",
                     corpus_name ? corpus_name : "requests", k, live);
        if (!failed) {
            assert_true(ok); /* nothing failed: the run must have succeeded */
            break;
        }
        if (ok && k == 0) fail_msg("first allocation failed yet the run reported success");
    }
    assert_true(k > 3); /* the scenario did allocate */
    free(doc);
#else
    (void)fn;
    (void)corpus_name;
    skip();
#endif
}

static void test_oom_get_call(void **s)
{
    (void)s;
    run_all_failure_points(sc_call, "api/get_call.json");
}
static void test_oom_get_call_old(void **s)
{
    (void)s;
    run_all_failure_points(sc_call, "api/get_call_old.json");
}
static void test_oom_list(void **s)
{
    (void)s;
    run_all_failure_points(sc_list, "api/list_calls_variants.json");
}
static void test_oom_list_bad(void **s)
{
    (void)s;
    run_all_failure_points(sc_list, "bad/wrong_types.json");
}
static void test_oom_numbers(void **s)
{
    (void)s;
    run_all_failure_points(sc_numbers, "api/numbers.json");
}
static void test_oom_report(void **s)
{
    (void)s;
    run_all_failure_points(sc_webhook, "webhook/end_of_call_report.json");
}
static void test_oom_old_status(void **s)
{
    (void)s;
    run_all_failure_points(sc_webhook, "webhook/status_update_old.json");
}
static void test_oom_error(void **s)
{
    (void)s;
    run_all_failure_points(sc_webhook, "webhook/error.json");
}
static void test_oom_assistant(void **s)
{
    (void)s;
    run_all_failure_points(sc_assistant, "api/assistant.json");
}
static void test_oom_requests(void **s)
{
    (void)s;
    run_all_failure_points(sc_requests, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_get_call),   cmocka_unit_test(test_oom_get_call_old),
        cmocka_unit_test(test_oom_list),       cmocka_unit_test(test_oom_list_bad),
        cmocka_unit_test(test_oom_numbers),    cmocka_unit_test(test_oom_report),
        cmocka_unit_test(test_oom_old_status), cmocka_unit_test(test_oom_error),
        cmocka_unit_test(test_oom_assistant),  cmocka_unit_test(test_oom_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
