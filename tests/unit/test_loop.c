/* test_loop.c — the event loop module (app/loop.c) over pipes: named timers
 * fire earliest first and once per arming, fds dispatch when ready and
 * never while disabled, the before-sleep hook runs before every poll, and
 * the poll timeout is the earliest timer (none armed: none). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calltop/clock.h"
#include "loop.h"

typedef struct rec {
    char log[512];
    ct_loop_ms fake_now;
    int stop_on;       /* timer id whose callback stops the loop (-1 none) */
    int rearm;         /* timer id that re-arms itself for now (-1 none) */
    int disarm_victim; /* timer the first callback disarms (-1 none) */
    int read_fd;
} rec;

static ct_loop_ms fake_clock(void *ud)
{
    return ((rec *)ud)->fake_now;
}

static void note(rec *r, const char *what)
{
    size_t n = strlen(r->log);
    snprintf(r->log + n, sizeof r->log - n, "%s%s", n ? " " : "", what);
}

static void on_timer(ct_loop *l, int t, void *ud)
{
    rec *r = ud;
    note(r, ct_loop_timer_name(l, t));
    if (t == r->stop_on) ct_loop_stop(l, 7);
    if (t == r->rearm) ct_loop_arm(l, t, ct_loop_now(l));
    if (r->disarm_victim >= 0) {
        ct_loop_disarm(l, r->disarm_victim);
        r->disarm_victim = -1;
    }
}

static void on_fd(ct_loop *l, int fd, short revents, void *ud)
{
    rec *r = ud;
    (void)l;
    char b[16];
    assert_true(revents & POLLIN);
    ssize_t k = read(fd, b, sizeof b);
    assert_true(k > 0);
    note(r, "fd");
}

static void hook(ct_loop *l, void *ud)
{
    (void)l;
    note(ud, "hook");
}

static void rec_init(rec *r)
{
    memset(r, 0, sizeof *r);
    r->fake_now = 1000;
    r->stop_on = r->rearm = r->disarm_victim = -1;
}

static void test_timers_fire_earliest_first_once(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    ct_loop *l = ct_loop_new(fake_clock, &r);
    int a = ct_loop_add_timer(l, "a", on_timer, &r);
    int b = ct_loop_add_timer(l, "b", on_timer, &r);
    int c = ct_loop_add_timer(l, "c", on_timer, &r);
    int d = ct_loop_add_timer(l, "d", on_timer, &r);
    int later = ct_loop_add_timer(l, "later", on_timer, &r);
    ct_loop_arm(l, a, 990);
    ct_loop_arm(l, b, 970);
    ct_loop_arm(l, c, 980);
    ct_loop_arm(l, d, 980);         /* tie with c: registration order */
    ct_loop_arm(l, later, 1000000); /* not due */
    assert_int_equal(ct_loop_next(l), b);
    ct_loop_set_before_sleep(l, hook, &r);
    assert_int_equal(ct_loop_turn(l), 4);
    assert_string_equal(r.log, "hook b c d a");
    assert_false(ct_loop_armed(l, a)); /* once per arming */
    assert_true(ct_loop_armed(l, later));
    assert_int_equal(ct_loop_next(l), later);
    assert_string_equal(ct_loop_timer_name(l, later), "later");
    assert_int_equal(ct_loop_timer_fires(l), 4);
    ct_loop_free(l);
}

static void test_rearm_and_disarm_within_a_turn(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    ct_loop *l = ct_loop_new(fake_clock, &r);
    int a = ct_loop_add_timer(l, "a", on_timer, &r);
    int b = ct_loop_add_timer(l, "b", on_timer, &r);
    ct_loop_arm(l, a, 900);
    ct_loop_arm(l, b, 950);
    r.rearm = a;         /* a re-arms itself for "now": next turn, not a spin */
    r.disarm_victim = b; /* a's callback disarms b: b must not fire */
    assert_int_equal(ct_loop_turn(l), 1);
    assert_string_equal(r.log, "a");
    assert_true(ct_loop_armed(l, a));
    assert_false(ct_loop_armed(l, b));
    assert_int_equal(ct_loop_turn(l), 1);
    assert_string_equal(r.log, "a a");
    ct_loop_free(l);
}

static void test_fd_ready_and_disabled(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    ct_loop *l = ct_loop_new(fake_clock, &r);
    int h = ct_loop_add_fd(l, p[0], POLLIN, on_fd, &r);
    int t = ct_loop_add_timer(l, "t", on_timer, &r);
    assert_int_equal(write(p[1], "x", 1), 1);
    ct_loop_arm(l, t, 500); /* due too: the fd is dispatched first */
    assert_int_equal(ct_loop_turn(l), 2);
    assert_string_equal(r.log, "fd t");

    /* disabled: the byte waits; the due timer alone ends the turn */
    r.log[0] = '\0';
    assert_int_equal(write(p[1], "y", 1), 1);
    ct_loop_fd_enable(l, h, false);
    assert_false(ct_loop_fd_enabled(l, h));
    ct_loop_arm(l, t, 500);
    assert_int_equal(ct_loop_turn(l), 1);
    assert_string_equal(r.log, "t");
    ct_loop_fd_enable(l, h, true);
    ct_loop_arm(l, t, 500);
    assert_int_equal(ct_loop_turn(l), 2);
    assert_string_equal(r.log, "t fd t");
    ct_loop_free(l);
    close(p[0]);
    close(p[1]);
}

/* The timeout is the earliest timer's: with the real clock, a 30 ms timer
 * makes poll() sleep about that long, in one wakeup. */
static void test_poll_waits_for_the_timer(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    ct_loop *l = ct_loop_new(NULL, NULL);
    int t = ct_loop_add_timer(l, "tick", on_timer, &r);
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    ct_loop_add_fd(l, p[0], POLLIN, on_fd, &r); /* never ready */
    int64_t t0 = ct_clock_mono_ms();
    ct_loop_arm_in(l, t, 30);
    assert_int_equal(ct_loop_turn(l), 1);
    int64_t took = ct_clock_mono_ms() - t0;
    assert_true(took >= 29);
    assert_true(took < 1000);
    assert_string_equal(r.log, "tick");
    assert_int_equal(ct_loop_wakeups(l), 1);
    ct_loop_arm_in(l, t, -1); /* a negative delay disarms */
    assert_int_equal(ct_loop_next(l), -1);
    ct_loop_free(l);
    close(p[0]);
    close(p[1]);
}

static void arm_zero(ct_loop *l, void *ud)
{
    rec *r = ud;
    note(r, "hook");
    ct_loop_arm_in(l, 0, 0);
}

/* The hook runs before the poll: what it arms counts for this turn's
 * timeout (a frame due now is drawn without sleeping). Stop ends run. */
static void test_hook_then_stop(void **state)
{
    (void)state;
    rec r;
    rec_init(&r);
    ct_loop *l = ct_loop_new(NULL, NULL);
    int t = ct_loop_add_timer(l, "frame", on_timer, &r);
    assert_int_equal(t, 0);
    r.stop_on = t;
    ct_loop_set_before_sleep(l, arm_zero, &r);
    assert_int_equal(ct_loop_run(l), 7);
    assert_string_equal(r.log, "hook frame");
    assert_true(ct_loop_stopped(l));
    ct_loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_fire_earliest_first_once),
        cmocka_unit_test(test_rearm_and_disarm_within_a_turn),
        cmocka_unit_test(test_fd_ready_and_disabled),
        cmocka_unit_test(test_poll_waits_for_the_timer),
        cmocka_unit_test(test_hook_then_stop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
