/* loop.c — registered fds, named timers, a before-sleep hook (loop.h). */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include "calltop/clock.h"

typedef struct loop_fd {
    int fd;
    short events;
    bool enabled;
    ct_loop_fd_fn fn;
    void *ud;
} loop_fd;

typedef struct loop_timer {
    const char *name;
    ct_loop_ms at; /* 0 = disarmed */
    ct_loop_timer_fn fn;
    void *ud;
} loop_timer;

struct ct_loop {
    ct_loop_clock_fn clock;
    void *clock_ud;
    loop_fd fds[CT_LOOP_MAX_FDS];
    int n_fds;
    loop_timer timers[CT_LOOP_MAX_TIMERS];
    int n_timers;
    ct_loop_hook_fn before_sleep;
    void *before_sleep_ud;
    bool stopped;
    int code;
    uint64_t wakeups, fires;
};

static ct_loop_ms wall_clock(void *ud)
{
    (void)ud;
    return ct_clock_wall_ms();
}

ct_loop *ct_loop_new(ct_loop_clock_fn clock, void *clock_ud)
{
    ct_loop *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->clock = clock ? clock : wall_clock;
    l->clock_ud = clock_ud;
    return l;
}

void ct_loop_free(ct_loop *l)
{
    free(l);
}

ct_loop_ms ct_loop_now(const ct_loop *l)
{
    return l->clock(l->clock_ud);
}

int ct_loop_add_fd(ct_loop *l, int fd, short events, ct_loop_fd_fn fn, void *ud)
{
    if (l->n_fds == CT_LOOP_MAX_FDS || fd < 0 || !fn) return -1;
    l->fds[l->n_fds] = (loop_fd){.fd = fd, .events = events, .enabled = true, .fn = fn, .ud = ud};
    return l->n_fds++;
}

void ct_loop_fd_enable(ct_loop *l, int handle, bool on)
{
    if (handle >= 0 && handle < l->n_fds) l->fds[handle].enabled = on;
}

bool ct_loop_fd_enabled(const ct_loop *l, int handle)
{
    return handle >= 0 && handle < l->n_fds && l->fds[handle].enabled;
}

int ct_loop_add_timer(ct_loop *l, const char *name, ct_loop_timer_fn fn, void *ud)
{
    if (l->n_timers == CT_LOOP_MAX_TIMERS || !fn) return -1;
    l->timers[l->n_timers] = (loop_timer){.name = name ? name : "?", .fn = fn, .ud = ud};
    return l->n_timers++;
}

static loop_timer *timer(const ct_loop *l, int id)
{
    return id >= 0 && id < l->n_timers ? (loop_timer *)&l->timers[id] : NULL;
}

void ct_loop_arm(ct_loop *l, int id, ct_loop_ms at)
{
    loop_timer *t = timer(l, id);
    /* 0 means disarmed: a deadline at the epoch is as due as any past one */
    if (t) t->at = at > 0 ? at : 1;
}

void ct_loop_arm_in(ct_loop *l, int id, long ms)
{
    if (ms < 0) ct_loop_disarm(l, id);
    else ct_loop_arm(l, id, ct_loop_now(l) + ms);
}

void ct_loop_disarm(ct_loop *l, int id)
{
    loop_timer *t = timer(l, id);
    if (t) t->at = 0;
}

bool ct_loop_armed(const ct_loop *l, int id)
{
    loop_timer *t = timer(l, id);
    return t && t->at;
}

ct_loop_ms ct_loop_due(const ct_loop *l, int id)
{
    loop_timer *t = timer(l, id);
    return t ? t->at : 0;
}

const char *ct_loop_timer_name(const ct_loop *l, int id)
{
    loop_timer *t = timer(l, id);
    return t ? t->name : NULL;
}

int ct_loop_next(const ct_loop *l)
{
    int best = -1;
    for (int i = 0; i < l->n_timers; i++) {
        if (!l->timers[i].at) continue;
        if (best < 0 || l->timers[i].at < l->timers[best].at) best = i;
    }
    return best;
}

void ct_loop_set_before_sleep(ct_loop *l, ct_loop_hook_fn fn, void *ud)
{
    l->before_sleep = fn;
    l->before_sleep_ud = ud;
}

void ct_loop_stop(ct_loop *l, int code)
{
    l->stopped = true;
    l->code = code;
}

bool ct_loop_stopped(const ct_loop *l)
{
    return l->stopped;
}
uint64_t ct_loop_wakeups(const ct_loop *l)
{
    return l->wakeups;
}
uint64_t ct_loop_timer_fires(const ct_loop *l)
{
    return l->fires;
}

/* Fires every timer due at `now`, earliest first. A callback may arm
 * timers again (even for now, e.g. a zero delay): those wait for the next
 * turn, so a timer that re-arms itself cannot spin this one forever. */
static int run_timers(ct_loop *l, ct_loop_ms now)
{
    bool due[CT_LOOP_MAX_TIMERS] = {false};
    ct_loop_ms at[CT_LOOP_MAX_TIMERS];
    for (int i = 0; i < l->n_timers; i++) {
        due[i] = l->timers[i].at && l->timers[i].at <= now;
        at[i] = l->timers[i].at;
    }
    int called = 0;
    for (;;) {
        int next = -1;
        for (int i = 0; i < l->n_timers; i++)
            if (due[i] && (next < 0 || at[i] < at[next])) next = i;
        if (next < 0) break;
        due[next] = false;
        loop_timer *t = &l->timers[next];
        if (t->at != at[next]) continue; /* re-armed or disarmed by an earlier callback */
        t->at = 0;
        l->fires++;
        called++;
        t->fn(l, next, t->ud);
        if (l->stopped) break;
    }
    return called;
}

int ct_loop_turn(ct_loop *l)
{
    if (l->before_sleep) l->before_sleep(l, l->before_sleep_ud);
    if (l->stopped) return 0;

    struct pollfd pfd[CT_LOOP_MAX_FDS];
    int map[CT_LOOP_MAX_FDS], n = 0;
    for (int i = 0; i < l->n_fds; i++) {
        if (!l->fds[i].enabled) continue;
        pfd[n] = (struct pollfd){.fd = l->fds[i].fd, .events = l->fds[i].events};
        map[n++] = i;
    }
    int timeout = -1;
    int next = ct_loop_next(l);
    if (next >= 0) {
        ct_loop_ms wait = l->timers[next].at - ct_loop_now(l);
        timeout = wait <= 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait;
    }
    int r = poll(pfd, (nfds_t)n, timeout);
    if (r < 0) {
        if (errno != EINTR) return -1;
        r = 0;
    }
    l->wakeups++;
    int called = 0;
    for (int k = 0; k < n && r > 0; k++) {
        if (!pfd[k].revents) continue;
        loop_fd *f = &l->fds[map[k]];
        if (!f->enabled) continue; /* disabled by an earlier callback this turn */
        called++;
        f->fn(l, f->fd, pfd[k].revents, f->ud);
        if (l->stopped) return called;
    }
    return called + run_timers(l, ct_loop_now(l));
}

int ct_loop_run(ct_loop *l)
{
    while (!l->stopped)
        if (ct_loop_turn(l) < 0) return -1;
    return l->code;
}
