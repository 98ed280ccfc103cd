/* test_pending.c — per-call pending marks: sent -> accepted -> resolved by
 * the call's next update; failure removes at once; expiry; bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/pending.h"

static void test_lifecycle(void **st)
{
    (void)st;
    ct_pending p;
    ct_pending_init(&p);
    assert_int_equal(ct_pending_count(&p), 0);
    assert_null(ct_pending_for_call(&p, "CC-1"));
    assert_true(ct_pending_add(&p, "CC-1", CT_ACTION_SAY, 10, 1000));
    assert_true(ct_pending_add(&p, "CC-1", CT_ACTION_END, 11, 1100));
    assert_true(ct_pending_add(&p, "CC-2", CT_ACTION_DTMF, 12, 1200));
    assert_int_equal(ct_pending_count(&p), 3);
    assert_int_equal(ct_pending_count_unanswered(&p), 3);
    /* oldest first for a call */
    const ct_pending_action *e = ct_pending_for_call(&p, "CC-1");
    assert_non_null(e);
    assert_int_equal(e->action, CT_ACTION_SAY);
    /* an update before the acceptance does not clear a SENT mark */
    assert_int_equal(ct_pending_call_updated(&p, "CC-1"), 0);
    assert_int_equal(ct_pending_count(&p), 3);
    /* accepted: still marked until the call's next update */
    e = ct_pending_accepted(&p, 10, 2000);
    assert_non_null(e);
    assert_int_equal(e->state, CT_PEND_ACCEPTED);
    assert_null(ct_pending_accepted(&p, 99, 2000));
    assert_int_equal(ct_pending_count_unanswered(&p), 2);
    assert_int_equal(ct_pending_call_updated(&p, "CC-1"), 1);
    e = ct_pending_for_call(&p, "CC-1");
    assert_non_null(e);
    assert_int_equal(e->action, CT_ACTION_END); /* still SENT */
    /* failure removes at once and reports what failed */
    ct_pending_action out;
    assert_true(ct_pending_failed(&p, 11, &out));
    assert_int_equal(out.action, CT_ACTION_END);
    assert_string_equal(out.call_id, "CC-1");
    assert_false(ct_pending_failed(&p, 11, &out));
    assert_null(ct_pending_for_call(&p, "CC-1"));
    assert_int_equal(ct_pending_count(&p), 1);
}

static void test_expiry_and_bounds(void **st)
{
    (void)st;
    ct_pending p;
    ct_pending_init(&p);
    assert_false(ct_pending_add(&p, "", CT_ACTION_SAY, 1, 0));
    assert_false(ct_pending_add(&p, NULL, CT_ACTION_SAY, 1, 0));
    assert_false(ct_pending_add(&p, "CC-1", CT_ACTION_SAY, 0, 0));
    char longid[200];
    memset(longid, 'a', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    assert_false(ct_pending_add(&p, longid, CT_ACTION_SAY, 1, 0));
    for (uint64_t i = 1; i <= CT_PENDING_MAX; i++) {
        char id[16];
        snprintf(id, sizeof id, "CC-%d", (int)i);
        assert_true(ct_pending_add(&p, id, CT_ACTION_SAY, i, 0));
    }
    assert_false(ct_pending_add(&p, "CC-x", CT_ACTION_SAY, 1000, 0));
    assert_int_equal(ct_pending_count(&p), CT_PENDING_MAX);
    ct_pending_accepted(&p, 1, 1000);
    ct_pending_accepted(&p, 2, 5000);
    /* SENT entries never expire (the fetcher always answers); ACCEPTED do */
    assert_int_equal(ct_pending_expire(&p, 30999, 30000), 0);
    assert_int_equal(ct_pending_expire(&p, 31000, 30000), 1);
    assert_int_equal(ct_pending_expire(&p, 40000, 30000), 1);
    assert_int_equal(ct_pending_count(&p), CT_PENDING_MAX - 2);
    assert_true(ct_pending_add(&p, "CC-x", CT_ACTION_SAY, 1000, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_expiry_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
