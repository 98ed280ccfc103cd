/* test_assistcache.c — the assistant-name cache: one fetch per id, names
 * by request, failures retried only after the interval, webhook names
 * learnt without a fetch, and a full cache evicting the least recently
 * used entry that is not waiting for an answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "calltop/assistcache.h"

#define T0    1780000000000LL
#define RETRY 60000

static void test_fetch_once_then_known(void **st)
{
    (void)st;
    ct_assist_cache c;
    assert_int_equal(ct_assist_cache_init(&c, 8, RETRY), 0);
    assert_null(ct_assist_cache_name(&c, "asst-1", T0));
    assert_true(ct_assist_cache_want(&c, "asst-1", T0));
    ct_assist_cache_sent(&c, "asst-1", 11, T0);
    /* while the request is out, nobody asks again */
    assert_false(ct_assist_cache_want(&c, "asst-1", T0 + 10));
    assert_false(ct_assist_cache_want(&c, "asst-1", T0 + RETRY - 1));
    assert_true(ct_assist_cache_owns(&c, 11));
    assert_false(ct_assist_cache_owns(&c, 12));
    /* someone else's answer is not ours */
    assert_null(ct_assist_cache_resolved(&c, 12, "Nope", T0 + 20));
    const char *id = ct_assist_cache_resolved(&c, 11, "Front desk", T0 + 20);
    assert_non_null(id);
    assert_string_equal(id, "asst-1");
    assert_string_equal(ct_assist_cache_name(&c, "asst-1", T0 + 30), "Front desk");
    /* known: never fetched again, however long it lives */
    assert_false(ct_assist_cache_want(&c, "asst-1", T0 + 100 * RETRY));
    assert_false(ct_assist_cache_owns(&c, 11));
    /* a nameless assistant is known, but has no name to show */
    assert_true(ct_assist_cache_want(&c, "asst-2", T0));
    ct_assist_cache_sent(&c, "asst-2", 13, T0);
    assert_non_null(ct_assist_cache_resolved(&c, 13, NULL, T0));
    assert_null(ct_assist_cache_name(&c, "asst-2", T0));
    assert_false(ct_assist_cache_want(&c, "asst-2", T0 + 2 * RETRY));
    /* empty / NULL ids are never fetched */
    assert_false(ct_assist_cache_want(&c, "", T0));
    assert_false(ct_assist_cache_want(&c, NULL, T0));
    ct_assist_cache_free(&c);
}

static void test_failure_retry_after(void **st)
{
    (void)st;
    ct_assist_cache c;
    assert_int_equal(ct_assist_cache_init(&c, 8, RETRY), 0);
    assert_true(ct_assist_cache_want(&c, "gone", T0));
    ct_assist_cache_sent(&c, "gone", 5, T0);
    assert_string_equal(ct_assist_cache_failed(&c, 5, T0 + 100), "gone");
    assert_null(ct_assist_cache_failed(&c, 5, T0 + 100)); /* answered once only */
    assert_false(ct_assist_cache_want(&c, "gone", T0 + 100));
    assert_false(ct_assist_cache_want(&c, "gone", T0 + 100 + RETRY - 1));
    assert_true(ct_assist_cache_want(&c, "gone", T0 + 100 + RETRY));
    /* could not even be sent: same as a failure */
    ct_assist_cache_sent(&c, "gone", 0, T0 + 200 + RETRY);
    assert_false(ct_assist_cache_want(&c, "gone", T0 + 201 + RETRY));
    assert_true(ct_assist_cache_want(&c, "gone", T0 + 200 + 2 * RETRY));
    /* a request never answered is retried after the interval, and its late
     * answer is then ignored (the new request owns the entry) */
    ct_assist_cache_sent(&c, "gone", 6, T0 + 200 + 2 * RETRY);
    assert_true(ct_assist_cache_want(&c, "gone", T0 + 200 + 3 * RETRY));
    ct_assist_cache_sent(&c, "gone", 7, T0 + 200 + 3 * RETRY);
    assert_null(ct_assist_cache_resolved(&c, 6, "Late", T0 + 200 + 3 * RETRY));
    assert_non_null(ct_assist_cache_resolved(&c, 7, "Back", T0 + 200 + 3 * RETRY));
    assert_string_equal(ct_assist_cache_name(&c, "gone", T0), "Back");
    ct_assist_cache_free(&c);
}

static void test_put_from_webhook(void **st)
{
    (void)st;
    ct_assist_cache c;
    assert_int_equal(ct_assist_cache_init(&c, 8, RETRY), 0);
    assert_true(ct_assist_cache_put(&c, "asst-9", "Sales", T0));
    assert_false(ct_assist_cache_put(&c, "asst-9", "Sales", T0 + 1)); /* no news */
    assert_string_equal(ct_assist_cache_name(&c, "asst-9", T0), "Sales");
    assert_false(ct_assist_cache_want(&c, "asst-9", T0));
    /* a webhook name beats a fetch in flight; the fetch's answer is ignored */
    assert_true(ct_assist_cache_want(&c, "asst-10", T0));
    ct_assist_cache_sent(&c, "asst-10", 21, T0);
    ct_assist_cache_put(&c, "asst-10", "Support", T0 + 1);
    assert_null(ct_assist_cache_resolved(&c, 21, "Other", T0 + 2));
    assert_string_equal(ct_assist_cache_name(&c, "asst-10", T0), "Support");
    /* renamed */
    assert_true(ct_assist_cache_put(&c, "asst-10", "Support 2", T0 + 3));
    assert_string_equal(ct_assist_cache_name(&c, "asst-10", T0), "Support 2");
    /* an empty name teaches nothing */
    assert_false(ct_assist_cache_put(&c, "asst-11", "", T0));
    assert_int_equal(ct_assist_cache_count(&c), 2);
    ct_assist_cache_free(&c);
}

static void test_bounded_lru(void **st)
{
    (void)st;
    ct_assist_cache c;
    assert_int_equal(ct_assist_cache_init(&c, 4, RETRY), 0);
    char id[32];
    for (int i = 0; i < 4; i++) {
        snprintf(id, sizeof id, "a%d", i);
        ct_assist_cache_put(&c, id, "n", T0 + i);
    }
    /* a0 used recently: a1 is the least recently used */
    assert_non_null(ct_assist_cache_name(&c, "a0", T0 + 10));
    ct_assist_cache_put(&c, "a4", "n4", T0 + 11);
    assert_int_equal(ct_assist_cache_count(&c), 4);
    assert_int_equal(c.evicted, 1);
    assert_null(ct_assist_cache_name(&c, "a1", T0 + 12));
    assert_non_null(ct_assist_cache_name(&c, "a0", T0 + 12));
    assert_string_equal(ct_assist_cache_name(&c, "a4", T0 + 12), "n4");
    /* pending entries are kept while anything else can go */
    ct_assist_cache c2;
    assert_int_equal(ct_assist_cache_init(&c2, 2, RETRY), 0);
    assert_true(ct_assist_cache_want(&c2, "p", T0));
    ct_assist_cache_sent(&c2, "p", 1, T0);
    ct_assist_cache_put(&c2, "k", "K", T0 + 5);
    ct_assist_cache_put(&c2, "k2", "K2", T0 + 6);
    assert_true(ct_assist_cache_owns(&c2, 1));
    assert_null(ct_assist_cache_name(&c2, "k", T0 + 7));
    /* 10000 distinct ids never grow it past its cap */
    for (int i = 0; i < 10000; i++) {
        snprintf(id, sizeof id, "bulk-%d", i);
        if (ct_assist_cache_want(&c, id, T0 + 100 + i))
            ct_assist_cache_sent(&c, id, 1000 + (uint64_t)i, T0);
    }
    assert_int_equal(ct_assist_cache_count(&c), 4);
    ct_assist_cache_free(&c);
    ct_assist_cache_free(&c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_once_then_known),
        cmocka_unit_test(test_failure_retry_after),
        cmocka_unit_test(test_put_from_webhook),
        cmocka_unit_test(test_bounded_lru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
