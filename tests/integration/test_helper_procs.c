/* test_helper_procs.c — the child-process harness the Redis tests share
 * (helper_procs.h): what it promises about cleanup, environments and the
 * "listening on" line, checked with /bin/sh children (no Redis needed).
 *
 * Covers: a spawned child's port comes from its "listening on" line, and a
 * child that prints something else is reported (0, its line) and reaped;
 * hp_env adds, replaces and removes variables; hp_stop ends a child that
 * ignores SIGTERM with SIGKILL after its bound; hp_teardown kills what is
 * left by pid and removes the temp dirs; the port probe sees a listener. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper_procs.h"

extern char **environ;

/* True while pid exists (a reaped child does not). */
static bool alive(pid_t pid)
{
    return kill(pid, 0) == 0 || errno != ESRCH;
}

static void test_spawn_reads_listening_line(void **state)
{
    (void)state;
    char *const argv[] = {"sh", "-c", "echo 'listening on http://127.0.0.1:4321'; exec sleep 30",
                          NULL};
    char line[128];
    int port = 0;
    pid_t pid = hp_spawn_listening("/bin/sh", argv, environ, NULL, &port, line, sizeof line);
    assert_true(pid > 0);
    assert_int_equal(port, 4321);
    hp_stop(pid, SIGTERM);
    assert_false(alive(pid));
}

static void test_spawn_without_line_fails_and_reaps(void **state)
{
    (void)state;
    char *const argv[] = {"sh", "-c", "echo 'cannot bind'; exit 1", NULL};
    char line[128];
    int port = -1;
    pid_t pid = hp_spawn_listening("/bin/sh", argv, environ, NULL, &port, line, sizeof line);
    assert_int_equal(pid, 0);
    assert_int_equal(port, -1);
    assert_non_null(strstr(line, "cannot bind"));
}

static void test_env_set_replace_remove(void **state)
{
    (void)state;
    setenv("HP_TEST_KEEP", "k", 1);
    setenv("HP_TEST_REPLACE", "old", 1);
    setenv("HP_TEST_REMOVE", "gone", 1);
    static const char *const set[] = {"HP_TEST_NEW=n", "HP_TEST_REPLACE=new", "HP_TEST_REMOVE",
                                      NULL};
    char **env = hp_env(set);
    int keep = 0, replace_new = 0, replace_old = 0, removed = 0, added = 0;
    for (char **e = env; *e; e++) {
        keep += strcmp(*e, "HP_TEST_KEEP=k") == 0;
        replace_new += strcmp(*e, "HP_TEST_REPLACE=new") == 0;
        replace_old += strcmp(*e, "HP_TEST_REPLACE=old") == 0;
        removed += strncmp(*e, "HP_TEST_REMOVE", 14) == 0;
        added += strcmp(*e, "HP_TEST_NEW=n") == 0;
    }
    free(env);
    assert_int_equal(keep, 1);
    assert_int_equal(replace_new, 1);
    assert_int_equal(replace_old, 0);
    assert_int_equal(removed, 0);
    assert_int_equal(added, 1);
}

static void test_stop_kills_after_bound(void **state)
{
    (void)state;
    /* a child that ignores SIGTERM: only the SIGKILL after 5 s ends it */
    char *const argv[] = {"sh", "-c",
                          "trap '' TERM; echo 'listening on x:1'; while :; do sleep 1; done", NULL};
    char line[128];
    int port = 0;
    pid_t pid = hp_spawn_listening("/bin/sh", argv, environ, NULL, &port, line, sizeof line);
    assert_true(pid > 0);
    int64_t t0 = hp_now_ms();
    hp_stop(pid, SIGTERM);
    int64_t took = hp_now_ms() - t0;
    assert_false(alive(pid));
    assert_true(took >= 4900 && took < 8000);
}

static void test_teardown_kills_children_and_removes_dirs(void **state)
{
    (void)state;
    const char *dir = hp_temp_dir("/tmp/ct-hp-test-XXXXXX");
    char path[128];
    snprintf(path, sizeof path, "%s", dir);
    char *const argv[] = {"sh", "-c", "echo 'listening on x:2'; exec sleep 30", NULL};
    char line[128];
    int port = 0;
    pid_t pid = hp_spawn_listening("/bin/sh", argv, environ, NULL, &port, line, sizeof line);
    assert_true(pid > 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    hp_teardown(NULL);
    assert_false(alive(pid));
    assert_int_not_equal(stat(path, &st), 0);
}

static void test_port_probe(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    int port = ntohs(a.sin_port);
    assert_true(hp_port_open(port));
    close(fd);
    assert_false(hp_port_open(port));
    assert_true(hp_free_port() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_spawn_reads_listening_line, hp_teardown),
        cmocka_unit_test_teardown(test_spawn_without_line_fails_and_reaps, hp_teardown),
        cmocka_unit_test_teardown(test_env_set_replace_remove, hp_teardown),
        cmocka_unit_test_teardown(test_stop_kills_after_bound, hp_teardown),
        cmocka_unit_test_teardown(test_teardown_kills_children_and_removes_dirs, hp_teardown),
        cmocka_unit_test_teardown(test_port_probe, hp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
