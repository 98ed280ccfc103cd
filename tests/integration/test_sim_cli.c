/* test_sim_cli.c — the calltop-sim executable: `--port 0` prints exactly one
 * "listening on http://127.0.0.1:PORT" line once it accepts connections,
 * SIGTERM and SIGINT stop it with exit 0, bad usage exits 2 with a message
 * on stderr, --help exits 0. Every child is killed by pid on every path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_http.h"

#define SIM_BIN CT_BIN_DIR "/sim/calltop-sim"

typedef struct child {
    pid_t pid;
    int out, err;
} child;

static child spawn(const char *const *argv)
{
    int o[2], e[2];
    assert_int_equal(pipe(o), 0);
    assert_int_equal(pipe(e), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(o[0]);
        close(o[1]);
        close(e[0]);
        close(e[1]);
        execv(SIM_BIN, (char *const *)argv);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    return (child){pid, o[0], e[0]};
}

/* Reads what the fd has until EOF or `ms` elapse. */
static size_t read_for(int fd, char *buf, size_t cap, int ms, bool stop_at_newline)
{
    size_t len = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long left = ms - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || len + 1 >= cap) break;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)left) <= 0) break;
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n <= 0) break;
        len += (size_t)n;
        buf[len] = '\0';
        if (stop_at_newline && memchr(buf, '\n', len)) break;
    }
    buf[len] = '\0';
    return len;
}

/* Waits up to `ms` for exit; kills it if still running. Returns the status. */
static int reap(child *c, int ms)
{
    int st = -1;
    for (int i = 0; i < ms / 10; i++) {
        pid_t r = waitpid(c->pid, &st, WNOHANG);
        if (r == c->pid) goto done;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, &st, 0);
    st = -1;
done:
    close(c->out);
    close(c->err);
    return st;
}

static void run_and_stop(int sig)
{
    const char *argv[] = {SIM_BIN, "--port", "0", "--history", "5", "--seed", "9", NULL};
    child c = spawn(argv);
    char line[256];
    read_for(c.out, line, sizeof line, 5000, true);
    int port = 0;
    char tail = 0;
    int ok = sscanf(line, "listening on http://127.0.0.1:%d%c", &port, &tail);
    if (ok != 2) {
        kill(c.pid, SIGKILL);
        reap(&c, 1000);
        fail_msg("unexpected first line: '%s'", line);
    }
    assert_int_equal(tail, '\n');
    assert_true(port > 0 && port < 65536);
    /* ready means ready: no retry loop */
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/assistants/v1/numbers", port);
    th_response r;
    th_get(u, "demo-key", &r);
    long status = r.status;
    th_response_free(&r);
    kill(c.pid, sig);
    char more[256];
    size_t extra = read_for(c.out, more, sizeof more, 3000, false);
    int st = reap(&c, 5000);
    assert_int_equal(status, 200);
    assert_int_equal(extra, 0); /* exactly one line on stdout */
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_sigterm(void **state)
{
    (void)state;
    run_and_stop(SIGTERM);
}
static void test_sigint(void **state)
{
    (void)state;
    run_and_stop(SIGINT);
}

static void usage_case(const char *const *argv, int want_rc, const char *want_err)
{
    child c = spawn(argv);
    char out[8192], err[1024];
    read_for(c.out, out, sizeof out, 3000, false);
    read_for(c.err, err, sizeof err, 1000, false);
    int st = reap(&c, 3000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), want_rc);
    if (want_err) {
        if (!strstr(err, want_err)) fail_msg("stderr '%s' lacks '%s'", err, want_err);
    } else {
        assert_non_null(strstr(out, "--api-key"));
        assert_non_null(strstr(out, "--reset-rate"));
    }
}

static void test_usage(void **state)
{
    (void)state;
    const char *a1[] = {SIM_BIN, "--bogus", NULL};
    usage_case(a1, 2, "unknown option '--bogus'");
    const char *a2[] = {SIM_BIN, "--rate", "fast", NULL};
    usage_case(a2, 2, "--rate");
    const char *a3[] = {SIM_BIN, "--error-rate", "2", NULL};
    usage_case(a3, 2, "--error-rate");
    const char *a4[] = {SIM_BIN, "--port", NULL};
    usage_case(a4, 2, "needs a value");
    const char *a5[] = {SIM_BIN, "stray", NULL};
    usage_case(a5, 2, "unexpected argument");
    const char *a6[] = {SIM_BIN, "--help", NULL};
    usage_case(a6, 0, NULL);
    /* the list-behaviour switches name what they accept */
    const char *a7[] = {SIM_BIN, "--list-order", "sideways", NULL};
    usage_case(a7, 2, "expected newest-first or oldest-first");
    const char *a8[] = {SIM_BIN, "--list-window", "inside", NULL};
    usage_case(a8, 2, "expected overlapping, started-in or ended-in");
    const char *a9[] = {SIM_BIN, "--max-page-size", "0", NULL};
    usage_case(a9, 2, "--max-page-size");
    const char *a10[] = {SIM_BIN, "--history-span", "24", NULL};
    usage_case(a10, 2, "a duration such as 90s, 30m, 24h or 7d");
    const char *a11[] = {SIM_BIN, "--rate-limit-storm", "3", NULL};
    usage_case(a11, 2, "N:M, two positive integers");
    /* --version, like calltop and calltop-relay */
    const char *a12[] = {SIM_BIN, "--version", NULL};
    child c = spawn(a12);
    char out[256];
    read_for(c.out, out, sizeof out, 3000, false);
    int st = reap(&c, 3000);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_non_null(strstr(out, "calltop-sim " CALLTOP_VERSION));
}

/* A taken port: exit 1 with the reason, no "listening" line. */
static void test_port_in_use(void **state)
{
    (void)state;
    const char *argv[] = {SIM_BIN, "--port", "0", "--history", "0", NULL};
    child first = spawn(argv);
    char line[256];
    read_for(first.out, line, sizeof line, 5000, true);
    int port = 0;
    bool ok = sscanf(line, "listening on http://127.0.0.1:%d", &port) == 1;
    char pbuf[16];
    snprintf(pbuf, sizeof pbuf, "%d", port);
    const char *argv2[] = {SIM_BIN, "--port", pbuf, NULL};
    child second = spawn(argv2);
    char out[256], err[512];
    read_for(second.out, out, sizeof out, 3000, false);
    read_for(second.err, err, sizeof err, 1000, false);
    int st = reap(&second, 3000);
    kill(first.pid, SIGTERM);
    int st1 = reap(&first, 5000);
    assert_true(ok);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, "cannot listen"));
    assert_true(WIFEXITED(st1));
    assert_int_equal(WEXITSTATUS(st1), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm),
        cmocka_unit_test(test_sigint),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_port_in_use),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
