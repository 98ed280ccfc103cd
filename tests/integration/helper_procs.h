/* helper_procs.h — child processes for integration and soak tests:
 * redis-server and calltop-relay run as real processes on loopback, so a
 * test can kill one with SIGKILL, stop and restart Redis, and so on.
 *
 * Contract:
 *  - every process started here is registered by pid; hp_teardown (use it
 *    as the cmocka teardown, or call it from yours) SIGKILLs and reaps what
 *    is still registered and removes every temp dir made by hp_temp_dir, so
 *    a failed assertion (a jump out of the test) leaves nothing behind;
 *  - hp_stop(pid, sig) sends sig, waits up to 5 s for the exit, then
 *    SIGKILLs; the pid is reaped and unregistered. SIGTERM lets redis-server
 *    write its AOF out; SIGKILL is the "kill -9" of a failover test;
 *  - children close every inherited descriptor above stderr and get the
 *    default SIGPIPE action before exec (the test's sockets and its ignored
 *    SIGPIPE are not theirs); between fork and exec only async-signal-safe
 *    calls are made, so tests with threads may start processes;
 *  - failures to set up (no port, fork failed, Redis did not open its port
 *    within 5 s) fail the current cmocka test with a message saying which. */
#ifndef CALLTOP_TEST_HELPER_PROCS_H
#define CALLTOP_TEST_HELPER_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC milliseconds, and a sleep. */
int64_t hp_now_ms(void);
void hp_nap(int ms);

/* A loopback TCP port that was free a moment ago (bind port 0, close). */
int hp_free_port(void);
/* True when something accepts a connection on 127.0.0.1:port. */
bool hp_port_open(int port);

/* Registers pid for hp_teardown (fails the test when 16 are registered). */
void hp_child_started(pid_t pid);
/* sig, then at most 5 s for the exit, then SIGKILL; reaped, unregistered.
 * pid <= 0 does nothing. */
void hp_stop(pid_t pid, int sig);
/* A new directory from a mkdtemp template ("/tmp/ct-x-XXXXXX"), removed by
 * hp_teardown; the returned name is valid until then. */
const char *hp_temp_dir(const char *tmpl);
/* cmocka teardown: SIGKILL + reap every registered child, remove the temp
 * dirs. Returns 0; state is unused (NULL is fine). */
int hp_teardown(void **state);

/* True when an executable redis-server is on PATH. */
bool hp_have_redis_server(void);
/* True (after printing why to stderr) when a Redis test cannot run: the
 * relay was built without hiredis, or redis-server is not installed. */
bool hp_skip_without_redis(void);

typedef enum hp_persist {
    HP_PERSIST_NONE, /* no RDB, no AOF: a restart starts empty */
    HP_PERSIST_AOF,  /* appendonly yes, appendfsync everysec, no RDB */
} hp_persist;

typedef struct hp_redis {
    pid_t pid;               /* 0 while stopped */
    int port;                /* chosen at the first start, kept across restarts */
    char dir[64];            /* its --dir; made (hp_temp_dir) when empty at the first start */
    hp_persist persist;      /* set before the first start */
    const char *requirepass; /* NULL = no AUTH */
} hp_redis;

/* redis-server on 127.0.0.1:s->port in s->dir (stdout to /dev/null);
 * returns once the port accepts connections. Starting again after
 * hp_redis_stop reuses the port and the dir (the AOF). */
void hp_redis_start(hp_redis *s);
/* SIGTERM (then SIGKILL after 5 s), reaped; s->pid = 0. */
void hp_redis_stop(hp_redis *s);

/* An environment for a child: the test's own (environ) with `set` applied.
 * Each entry of `set` (NULL-terminated) is "NAME=value" (added, replacing
 * NAME) or "NAME" (removed). The array is malloc'd (free() it); its strings
 * are environ's and set's, not copies. Build it before forking. */
char **hp_env(const char *const *set);

/* Starts argv[0]=... with execve(path, argv, envp), its stdout a pipe and
 * its stderr appended to stderr_path (NULL: the test's stderr); waits up to
 * 5 s for the first line, which must read "... listening on HOST:PORT" (as
 * calltop-relay prints it). Returns the pid and sets *port; returns 0 (the
 * child stopped and reaped) when no such line came, `line` then holding
 * what did come. */
pid_t hp_spawn_listening(const char *path, char *const argv[], char *const envp[],
                         const char *stderr_path, int *port, char *line, size_t line_len);

#endif
