/* helper_procs.c — child processes for tests (contract in helper_procs.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helper_procs.h"

extern char **environ;

#define STOP_LIMIT_MS  5000 /* SIGTERM gets this long (Redis writes its AOF out) */
#define START_LIMIT_MS 5000 /* a process must be up within this */

int64_t hp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hp_nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int hp_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

bool hp_port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* ---- the registry ------------------------------------------------------------ */

static pid_t children[16];
static char temp_dirs[4][64];

void hp_child_started(pid_t pid)
{
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++)
        if (!children[i]) {
            children[i] = pid;
            return;
        }
    fail_msg("too many children");
}

void hp_stop(pid_t pid, int sig)
{
    if (pid <= 0) return;
    kill(pid, sig);
    int64_t end = hp_now_ms() + STOP_LIMIT_MS;
    while (waitpid(pid, NULL, WNOHANG) == 0) {
        if (hp_now_ms() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            break;
        }
        hp_nap(10);
    }
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++)
        if (children[i] == pid) children[i] = 0;
}

const char *hp_temp_dir(const char *tmpl)
{
    for (size_t i = 0; i < sizeof temp_dirs / sizeof temp_dirs[0]; i++)
        if (!temp_dirs[i][0]) {
            snprintf(temp_dirs[i], sizeof temp_dirs[i], "%s", tmpl);
            if (!mkdtemp(temp_dirs[i])) {
                temp_dirs[i][0] = 0;
                fail_msg("mkdtemp %s failed", tmpl);
            }
            return temp_dirs[i];
        }
    fail_msg("too many temp dirs");
    return NULL;
}

int hp_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++)
        if (children[i] > 0) {
            kill(children[i], SIGKILL);
            waitpid(children[i], NULL, 0);
            children[i] = 0;
        }
    for (size_t i = 0; i < sizeof temp_dirs / sizeof temp_dirs[0]; i++)
        if (temp_dirs[i][0]) {
            char cmd[300];
            snprintf(cmd, sizeof cmd, "rm -rf '%s'", temp_dirs[i]);
            if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", temp_dirs[i]);
            temp_dirs[i][0] = 0;
        }
    return 0;
}

/* In a child before exec (async-signal-safe only): none of the test's
 * descriptors may outlive their owner in it, and the test's ignored
 * SIGPIPE is not the program's. */
static void child_prepare(void)
{
    for (int fd = 3; fd < 1024; fd++) close(fd);
    signal(SIGPIPE, SIG_DFL);
}

/* ---- redis-server ------------------------------------------------------------ */

bool hp_have_redis_server(void)
{
    const char *path = getenv("PATH");
    if (!path) return false;
    char *dup = strdup(path), *save = NULL;
    bool found = false;
    for (char *d = strtok_r(dup, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char f[1024];
        snprintf(f, sizeof f, "%s/redis-server", d);
        found = access(f, X_OK) == 0;
    }
    free(dup);
    return found;
}

bool hp_skip_without_redis(void)
{
#ifndef CT_HAVE_REDIS
    fprintf(stderr, "SKIP: calltop-relay was built without hiredis (install libhiredis-dev)\n");
    return true;
#else
    if (!hp_have_redis_server()) {
        fprintf(stderr, "SKIP: redis-server is not installed (apt-get install redis-server)\n");
        return true;
    }
    return false;
#endif
}

void hp_redis_start(hp_redis *s)
{
    if (!s->dir[0]) snprintf(s->dir, sizeof s->dir, "%s", hp_temp_dir("/tmp/ct-redis-XXXXXX"));
    if (!s->port) s->port = hp_free_port();
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    /* built before the fork: the child only execs */
    const char *argv[20] = {"redis-server", "--port", port,     "--bind", "127.0.0.1",
                            "--dir",        s->dir,   "--save", ""};
    size_t n = 9;
    if (s->persist == HP_PERSIST_AOF) {
        argv[n++] = "--appendonly";
        argv[n++] = "yes";
        argv[n++] = "--appendfsync";
        argv[n++] = "everysec";
    } else {
        argv[n++] = "--appendonly";
        argv[n++] = "no";
    }
    if (s->requirepass) {
        argv[n++] = "--requirepass";
        argv[n++] = s->requirepass;
    }
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        child_prepare();
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    hp_child_started(s->pid);
    int64_t end = hp_now_ms() + START_LIMIT_MS;
    while (!hp_port_open(s->port)) {
        if (hp_now_ms() > end) fail_msg("redis-server did not open port %d", s->port);
        hp_nap(20);
    }
}

void hp_redis_stop(hp_redis *s)
{
    hp_stop(s->pid, SIGTERM);
    s->pid = 0;
}

/* ---- other children ------------------------------------------------------------ */

char **hp_env(const char *const *set)
{
    size_t n = 0, k = 0, m = 0;
    while (environ[n]) n++;
    while (set && set[m]) m++;
    char **env = calloc(n + m + 1, sizeof *env);
    assert_non_null(env);
    for (size_t i = 0; i < m; i++)
        if (strchr(set[i], '=')) env[k++] = (char *)set[i];
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < m && !replaced; j++) {
            size_t name_len = strcspn(set[j], "=");
            replaced = strncmp(environ[i], set[j], name_len) == 0 && environ[i][name_len] == '=';
        }
        if (!replaced) env[k++] = environ[i];
    }
    env[k] = NULL;
    return env;
}

pid_t hp_spawn_listening(const char *path, char *const argv[], char *const envp[],
                         const char *stderr_path, int *port, char *line, size_t line_len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Only async-signal-safe calls here: the test may have threads. */
        dup2(fds[1], 1);
        if (stderr_path) {
            int logfd = open(stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
            if (logfd >= 0) dup2(logfd, 2);
        }
        child_prepare();
        execve(path, argv, envp);
        _exit(127);
    }
    hp_child_started(pid);
    close(fds[1]);
    size_t n = 0;
    line[0] = 0;
    int64_t end = hp_now_ms() + START_LIMIT_MS;
    while (!strchr(line, '\n') && hp_now_ms() < end && n < line_len - 1) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t got = read(fds[0], line + n, line_len - 1 - n);
        if (got <= 0) break; /* it exited */
        n += (size_t)got;
        line[n] = 0;
    }
    close(fds[0]);
    const char *colon = strrchr(line, ':');
    if (!strstr(line, "listening on") || !colon) {
        hp_stop(pid, SIGKILL);
        return 0;
    }
    *port = atoi(colon + 1);
    return pid;
}
