/* loop.h — a small event loop in the spirit of redis's `ae`: registered
 * file descriptors, a list of named timers, and a before-sleep hook.
 *
 * One turn of ct_loop_run:
 *   1. the before-sleep hook (the board draws here, or arms its frame timer)
 *   2. poll() on the enabled fds, with the time to the earliest armed timer
 *      as the timeout (-1: no timer armed; an idle loop never wakes)
 *   3. the ready fds' callbacks, in registration order
 *   4. the due timers' callbacks, earliest first (ties: registration order)
 * A timer fires once per arming: it is disarmed before its callback runs,
 * which may arm it again. Any callback may stop the loop; the turn then
 * ends at once. No callback is ever called for a disabled fd.
 *
 * Single-threaded; fds and timers are few (fixed capacities below). */
#ifndef CALLTOP_APP_LOOP_H
#define CALLTOP_APP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define CT_LOOP_MAX_FDS    8
#define CT_LOOP_MAX_TIMERS 16

typedef struct ct_loop ct_loop;
typedef int64_t ct_loop_ms; /* the loop clock's milliseconds */

typedef void (*ct_loop_fd_fn)(ct_loop *l, int fd, short revents, void *ud);
typedef void (*ct_loop_timer_fn)(ct_loop *l, int timer, void *ud);
typedef void (*ct_loop_hook_fn)(ct_loop *l, void *ud);
typedef ct_loop_ms (*ct_loop_clock_fn)(void *ud);

/* clock NULL = the wall clock (ct_clock_wall_ms: the board's timers are
 * aligned on wall-clock seconds and minutes). NULL on OOM. */
ct_loop *ct_loop_new(ct_loop_clock_fn clock, void *clock_ud);
void ct_loop_free(ct_loop *l);
ct_loop_ms ct_loop_now(const ct_loop *l);

/* Watches fd for `events` (POLLIN...); returns a handle >= 0, -1 when full. */
int ct_loop_add_fd(ct_loop *l, int fd, short events, ct_loop_fd_fn fn, void *ud);
/* A disabled fd is left out of poll() (its readiness waits). */
void ct_loop_fd_enable(ct_loop *l, int handle, bool on);
bool ct_loop_fd_enabled(const ct_loop *l, int handle);

/* A named timer, disarmed; returns its id >= 0, -1 when full. The name is
 * for logs, tests and ct_loop_next (not copied: a literal). */
int ct_loop_add_timer(ct_loop *l, const char *name, ct_loop_timer_fn fn, void *ud);
void ct_loop_arm(ct_loop *l, int timer, ct_loop_ms at); /* absolute, loop clock */
void ct_loop_arm_in(ct_loop *l, int timer, long ms);    /* ms < 0: disarm */
void ct_loop_disarm(ct_loop *l, int timer);
bool ct_loop_armed(const ct_loop *l, int timer);
ct_loop_ms ct_loop_due(const ct_loop *l, int timer); /* 0 when disarmed */
const char *ct_loop_timer_name(const ct_loop *l, int timer);
/* The earliest armed timer (-1: none). */
int ct_loop_next(const ct_loop *l);

void ct_loop_set_before_sleep(ct_loop *l, ct_loop_hook_fn fn, void *ud);

/* Ends the loop after the running callback; ct_loop_run returns code. */
void ct_loop_stop(ct_loop *l, int code);
bool ct_loop_stopped(const ct_loop *l);

/* Runs turns until stopped. Returns the stop code, or -1 with errno set
 * when poll() fails (other than EINTR). */
int ct_loop_run(ct_loop *l);
/* One turn (tests). Returns the number of callbacks called, -1 on a poll
 * error. */
int ct_loop_turn(ct_loop *l);

/* Counters: turns whose poll() returned (wakeups), and timer firings. */
uint64_t ct_loop_wakeups(const ct_loop *l);
uint64_t ct_loop_timer_fires(const ct_loop *l);

#endif
