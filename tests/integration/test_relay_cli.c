/* test_relay_cli.c — the calltop-relay command as a user runs it: --help,
 * usage errors (exit 2), secrets only from the environment or 0600 files,
 * exactly one "listening on" line, webhooks and /healthz against the real
 * process, an event log without transcript text, clean exit on SIGTERM;
 * and TLS end to end (relay with --cert/--key, monitor over wss://). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calltop/inbox.h"
#include "calltop/monitor.h"
#include "calltop/relay.h"
#include "helper_http.h"

/* Under LeakSanitizer: libwebsockets 4.1.6's TLS client leaves OpenSSL's
 * certificate store allocated after lws_context_destroy (about 700 KB, once
 * or twice per process however many connections were made — measured with
 * 1..5 reconnects). It is all inside libcrypto; nothing of calltop's is
 * suppressed by this. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libcrypto.so\n";
}

static char relay_bin[1024];
static char tmpdir[256];

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct proc {
    pid_t pid;
    int out, err; /* read ends */
    char obuf[4096], ebuf[4096];
    size_t olen, elen;
} proc;

/* Starts calltop-relay with argv and extra environment ("K=V" strings,
 * NULL-terminated; they replace the secrets in the inherited env). */
static void spawn(proc *p, const char *const *args, const char *const *env)
{
    memset(p, 0, sizeof *p);
    int o[2], e[2];
    assert_int_equal(pipe(o), 0);
    assert_int_equal(pipe(e), 0);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        dup2(o[1], 1);
        dup2(e[1], 2);
        close(o[0]);
        close(e[0]);
        unsetenv("CALLTOP_WEBHOOK_SECRET");
        unsetenv("CALLTOP_RELAY_TOKEN");
        for (int i = 0; env && env[i]; i++) putenv((char *)env[i]);
        char *argv[32];
        int n = 0;
        argv[n++] = relay_bin;
        for (int i = 0; args && args[i] && n < 31; i++) argv[n++] = (char *)args[i];
        argv[n] = NULL;
        execv(relay_bin, argv);
        _exit(127);
    }
    close(o[1]);
    close(e[1]);
    p->out = o[0];
    p->err = e[0];
    fcntl(p->out, F_SETFL, O_NONBLOCK);
    fcntl(p->err, F_SETFL, O_NONBLOCK);
}

static void slurp(proc *p)
{
    ssize_t n;
    while (p->olen < sizeof p->obuf - 1 &&
           (n = read(p->out, p->obuf + p->olen, sizeof p->obuf - 1 - p->olen)) > 0)
        p->olen += (size_t)n;
    while (p->elen < sizeof p->ebuf - 1 &&
           (n = read(p->err, p->ebuf + p->elen, sizeof p->ebuf - 1 - p->elen)) > 0)
        p->elen += (size_t)n;
    p->obuf[p->olen] = p->ebuf[p->elen] = 0;
}

/* Waits (bounded) for exit; returns the exit status, or -1 if killed. */
static int wait_exit(proc *p, int timeout_ms)
{
    int64_t end = now_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        slurp(p);
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) break;
        if (now_ms() > end) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            fail_msg("calltop-relay did not exit in %d ms", timeout_ms);
        }
        usleep(10000);
    }
    slurp(p);
    close(p->out);
    close(p->err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *const *args, const char *const *env, proc *p)
{
    spawn(p, args, env);
    return wait_exit(p, 5000);
}

/* Reads stdout until the listening line; returns the port. */
static int wait_listening(proc *p, bool tls)
{
    int64_t end = now_ms() + 5000;
    while (!strchr(p->obuf, '\n') && now_ms() < end) {
        struct pollfd f = {.fd = p->out, .events = POLLIN};
        poll(&f, 1, 50);
        slurp(p);
    }
    int port = 0;
    char tail[8] = "";
    const char *fmt =
        tls ? "listening on https://127.0.0.1:%d%1s" : "listening on http://127.0.0.1:%d%1s";
    if (sscanf(p->obuf, fmt, &port, tail) < 1)
        fail_msg("no listening line; stdout: %s; stderr: %s", p->obuf, p->ebuf);
    return port;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

static void test_help_and_usage(void **state)
{
    proc p;
    const char *help[] = {"--help", NULL};
    assert_int_equal(run(help, NULL, &p), 0);
    assert_non_null(strstr(p.obuf, "Usage: calltop-relay")); /* as calltop --help */
    assert_non_null(strstr(p.obuf, "--listen"));
    const char *bogus[] = {"--bogus", NULL};
    assert_int_equal(run(bogus, NULL, &p), 2);
    assert_non_null(strstr(p.ebuf, "--bogus"));
    const char *noval[] = {"--listen", NULL};
    assert_int_equal(run(noval, NULL, &p), 2);
    const char *badlisten[] = {"--listen", "127.0.0.1:99999", NULL};
    assert_int_equal(run(badlisten, NULL, &p), 2);
    const char *secret_in_argv[] = {"--secret", "x", NULL}; /* there is no such flag */
    assert_int_equal(run(secret_in_argv, NULL, &p), 2);
    /* an escape sequence in a bad flag does not reach the terminal */
    const char *esc_flag[] = {"--\x1b]0;owned\x07x", NULL};
    assert_int_equal(run(esc_flag, NULL, &p), 2);
    assert_null(strchr(p.ebuf, '\x1b'));
    /* a bad --trusted-proxy entry is named (and cleaned), before any secret is read */
    const char *badproxy[] = {"--trusted-proxy", "127.0.0.1, 10.0.0.0/33", NULL};
    assert_int_equal(run(badproxy, NULL, &p), 2);
    assert_non_null(strstr(p.ebuf, "--trusted-proxy: entry 2 \"10.0.0.0/33\""));
    const char *escproxy[] = {"--trusted-proxy", "\x1b]0;owned\x07", NULL};
    assert_int_equal(run(escproxy, NULL, &p), 2);
    assert_null(strchr(p.ebuf, '\x1b'));
    const char *version[] = {"--version", NULL};
    assert_int_equal(run(version, NULL, &p), 0);
    assert_non_null(strstr(p.obuf, "calltop-relay " CALLTOP_VERSION));
}

/* "address in use" and "bad TLS file" are different failures, told apart. */
static void test_start_errors_named(void **state)
{
    const char *env[] = {"CALLTOP_WEBHOOK_SECRET=s-err", "CALLTOP_RELAY_TOKEN=t-err", NULL};
    proc p, q;
    const char *args[] = {"--listen", "127.0.0.1:0", NULL};
    spawn(&p, args, env);
    int port = wait_listening(&p, false);
    char listen[64];
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    const char *again[] = {"--listen", listen, NULL};
    assert_int_equal(run(again, env, &q), 1);
    assert_non_null(strstr(q.ebuf, "address already in use"));
    assert_null(strstr(q.ebuf, "TLS"));
    kill(p.pid, SIGTERM);
    assert_int_equal(wait_exit(&p, 5000), 0);

    char cert[512], key[512];
    snprintf(cert, sizeof cert, "%s/missing-cert.pem", tmpdir);
    snprintf(key, sizeof key, "%s/not-a-key.pem", tmpdir);
    write_file(key, "hello\n", 0600);
    const char *tls_missing[] = {"--listen", "127.0.0.1:0", "--cert", cert, "--key", key, NULL};
    assert_int_equal(run(tls_missing, env, &q), 1);
    assert_non_null(strstr(q.ebuf, "cannot read the TLS certificate"));
    assert_null(strstr(q.ebuf, "in use"));
    write_file(cert, "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n", 0600);
    assert_int_equal(run(tls_missing, env, &q), 1);
    assert_non_null(strstr(q.ebuf, "TLS key"));
    assert_non_null(strstr(q.ebuf, "not a PEM file"));
}

/* SIGHUP reopens --event-log (logrotate) and the relay keeps running;
 * rejected peers get one rate-limited stderr line per class, no secrets. */
static void test_sighup_and_notices(void **state)
{
    char log[512], rotated[512];
    snprintf(log, sizeof log, "%s/rot.log", tmpdir);
    snprintf(rotated, sizeof rotated, "%s/rot.log.1", tmpdir);
    const char *args[] = {"--listen", "127.0.0.1:0", "--event-log", log, NULL};
    const char *env[] = {"CALLTOP_WEBHOOK_SECRET=hup-secret-1", "CALLTOP_RELAY_TOKEN=hup-token-1",
                         NULL};
    proc p;
    spawn(&p, args, env);
    int port = wait_listening(&p, false);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    const char *hdr[] = {"X-Calltop-Secret: hup-secret-1", "Content-Type: application/json", NULL};
    th_response r;
    th_request("POST", url, hdr,
               "{\"message\":{\"type\":\"status-update\","
               "\"call\":{\"id\":\"before-hup\",\"status\":\"ongoing\"}}}",
               &r);
    assert_int_equal(r.status, 200);
    th_response_free(&r);
    assert_int_equal(rename(log, rotated), 0);
    kill(p.pid, SIGHUP);
    /* the reopen is asynchronous: wait (bounded) for the new file */
    int64_t end = now_ms() + 3000;
    while (access(log, F_OK) != 0 && now_ms() < end) usleep(20000);
    assert_int_equal(access(log, F_OK), 0);
    th_request("POST", url, hdr,
               "{\"message\":{\"type\":\"status-update\","
               "\"call\":{\"id\":\"after-hup\",\"status\":\"ongoing\"}}}",
               &r);
    assert_int_equal(r.status, 200);
    th_response_free(&r);

    /* 30 wrong secrets: one line for the class, not 30 */
    const char *bad[] = {"X-Calltop-Secret: guess-hup-secret", NULL};
    for (int i = 0; i < 30; i++) {
        th_request("POST", url, bad, "{}", &r);
        assert_true(r.status == 401 || r.status == 429);
        th_response_free(&r);
    }
    kill(p.pid, SIGTERM);
    assert_int_equal(wait_exit(&p, 5000), 0);

    char text[4096];
    FILE *f = fopen(rotated, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(text, "call=before-hup"));
    assert_null(strstr(text, "call=after-hup"));
    f = fopen(log, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = 0;
    fclose(f);
    assert_non_null(strstr(text, "call=after-hup"));

    int lines = 0;
    for (const char *q = p.ebuf; (q = strstr(q, "wrong or missing secret")); q++) lines++;
    assert_int_equal(lines, 1);
    assert_non_null(strstr(p.ebuf, "from 127.0.0.1"));
    assert_null(strstr(p.ebuf, "guess-hup-secret"));
    assert_null(strstr(p.ebuf, "hup-secret-1"));
}

static void test_secrets_required_and_0600(void **state)
{
    proc p;
    /* a missing or unusable secret is a configuration error: exit 2 */
    const char *args[] = {"--listen", "127.0.0.1:0", NULL};
    assert_int_equal(run(args, NULL, &p), 2);
    assert_non_null(strstr(p.ebuf, "CALLTOP_WEBHOOK_SECRET"));
    const char *only_secret[] = {"CALLTOP_WEBHOOK_SECRET=s1-secret", NULL};
    assert_int_equal(run(args, only_secret, &p), 2);
    assert_non_null(strstr(p.ebuf, "CALLTOP_RELAY_TOKEN"));

    char sf[512], tf[512];
    snprintf(sf, sizeof sf, "%s/secret", tmpdir);
    snprintf(tf, sizeof tf, "%s/token", tmpdir);
    write_file(sf, "file-secret-1\n", 0644);
    write_file(tf, "file-token-1\n", 0600);
    const char *files[] = {"--listen", "127.0.0.1:0", "--secret-file", sf, "--token-file",
                           tf,         NULL};
    assert_int_equal(run(files, NULL, &p), 2);
    assert_non_null(strstr(p.ebuf, "too open"));
    assert_null(strstr(p.ebuf, "file-secret-1"));

    /* 0600 files work */
    chmod(sf, 0600);
    spawn(&p, files, NULL);
    int port = wait_listening(&p, false);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook/file-secret-1", port);
    th_response r;
    th_post_json(url, NULL, "{\"message\":{\"type\":\"status-update\",\"call\":{\"id\":\"f1\"}}}",
                 &r);
    assert_int_equal(r.status, 200);
    th_response_free(&r);
    kill(p.pid, SIGTERM);
    assert_int_equal(wait_exit(&p, 5000), 0);
}

static void test_run_log_and_sigterm(void **state)
{
    char log[512];
    snprintf(log, sizeof log, "%s/events.log", tmpdir);
    const char *args[] = {"--listen",   "127.0.0.1:0", "--event-log", log,
                          "--max-body", "2048",        NULL};
    const char *env[] = {"CALLTOP_WEBHOOK_SECRET=cli-secret-42", "CALLTOP_RELAY_TOKEN=cli-token-42",
                         NULL};
    proc p;
    spawn(&p, args, env);
    int port = wait_listening(&p, false);
    assert_true(port > 0);

    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/webhook", port);
    const char *hdr[] = {"X-Calltop-Secret: cli-secret-42", "Content-Type: application/json", NULL};
    th_response r;
    th_request("POST", url, hdr,
               "{\"message\":{\"type\":\"conversation-update\",\"timestamp\":1764151200000,"
               "\"call\":{\"id\":\"CC-cli\",\"status\":\"ongoing\"},\"messages\":[{\"messageId\":"
               "\"m1\",\"role\":\"user\",\"text\":\"my card number is PRIVATE-TRANSCRIPT\","
               "\"timestamp\":1764151200000}]}}",
               &r);
    assert_int_equal(r.status, 200);
    th_response_free(&r);
    const char *bad_hdr[] = {"X-Calltop-Secret: nope", NULL};
    th_request("POST", url, bad_hdr, "{}", &r);
    assert_int_equal(r.status, 401);
    th_response_free(&r);

    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", port);
    th_get(url, NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"calls\":1"));
    assert_non_null(strstr(r.body, "\"webhooksUnauthorized\":1"));
    th_response_free(&r);

    kill(p.pid, SIGTERM);
    assert_int_equal(wait_exit(&p, 5000), 0);
    /* exactly one line on stdout, no secrets anywhere */
    assert_int_equal(strchr(p.obuf, '\n') - p.obuf + 1, (long)p.olen);
    assert_null(strstr(p.obuf, "cli-secret-42"));
    assert_null(strstr(p.ebuf, "cli-secret-42"));
    assert_null(strstr(p.ebuf, "cli-token-42"));

    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert_non_null(strstr(text, "kind=conversation-update call=CC-cli"));
    assert_non_null(strstr(text, "new_messages=1"));
    assert_null(strstr(text, "PRIVATE-TRANSCRIPT"));
    struct stat st;
    assert_int_equal(stat(log, &st), 0);
    assert_int_equal(st.st_mode & 077, 0);

    /* SIGINT works too */
    spawn(&p, args, env);
    wait_listening(&p, false);
    kill(p.pid, SIGINT);
    assert_int_equal(wait_exit(&p, 5000), 0);
}

static void test_tls_monitor(void **state)
{
    char cert[512], key[512], cmd[2048];
    snprintf(cert, sizeof cert, "%s/cert.pem", tmpdir);
    snprintf(key, sizeof key, "%s/key.pem", tmpdir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
             "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    if (system(cmd) != 0) {
        print_message("openssl unavailable: TLS test skipped\n");
        skip();
    }
    ct_relay_options ro = {.host = "127.0.0.1",
                           .webhook_secret = "tls-secret",
                           .client_token = "tls-token",
                           .cert_path = cert,
                           .key_path = key};
    ct_error err;
    ct_relay *relay = ct_relay_start(&ro, &err);
    if (!relay) fail_msg("relay with TLS: %s", err.detail);
    int port = ct_relay_port(relay);

    /* plain HTTP to the TLS port fails; HTTPS with the secret works */
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/healthz", port);
    const char *ins[] = {NULL};
    th_response r;
    /* helper_http verifies certificates: a self-signed one must be refused */
    th_request("GET", url, ins, NULL, &r);
    assert_int_equal(r.status, 0);
    th_response_free(&r);

    char ws[128];
    snprintf(ws, sizeof ws, "wss://127.0.0.1:%d/monitor", port);
    /* three ways in: --insecure; verified against the cert as CA; and
     * verified against the system store, which must fail (POLLING) */
    for (int mode = 0; mode < 3; mode++) {
        ct_inbox *inbox = ct_inbox_new();
        ct_monitor_options mo = {.relay_url = ws,
                                 .token = "tls-token",
                                 .insecure = mode == 0,
                                 .ca_file = mode == 1 ? cert : NULL,
                                 .backoff_initial_ms = 20,
                                 .backoff_max_ms = 60,
                                 .polling_after_failures = 2};
        ct_monitor *mon = ct_monitor_start(&mo, inbox, &err);
        assert_non_null(mon);
        bool live = false, snap = false, polling = false;
        int64_t end = now_ms() + 5000;
        while (!(live && snap) && !polling && now_ms() < end) {
            struct pollfd f = {.fd = ct_inbox_fd(inbox), .events = POLLIN};
            poll(&f, 1, 50);
            for (ct_event *ev = ct_inbox_drain(inbox), *next; ev; ev = next) {
                next = ev->next;
                live |= ev->type == CT_EV_MONITOR_STATE && ev->monitor_state == CT_MON_LIVE;
                polling |= ev->type == CT_EV_MONITOR_STATE && ev->monitor_state == CT_MON_POLLING;
                snap |= ev->type == CT_EV_MONITOR_SNAPSHOT;
                ct_event_free(ev);
            }
        }
        if (mode < 2) {
            assert_true(live);
            assert_true(snap);
        } else {
            assert_true(polling);
            assert_false(live);
        }
        ct_monitor_stop(mon);
        ct_inbox_free(inbox);
    }
    ct_relay_stop(relay);
}

static int setup(void **state)
{
    snprintf(relay_bin, sizeof relay_bin, "%s/relay/calltop-relay", CT_BIN_DIR);
    if (access(relay_bin, X_OK) != 0)
        snprintf(relay_bin, sizeof relay_bin, "%s/calltop-relay", CT_BIN_DIR);
    if (access(relay_bin, X_OK) != 0) {
        fprintf(stderr, "calltop-relay not built under %s\n", CT_BIN_DIR);
        return -1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ct-relay-cli-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_secrets_required_and_0600),
        cmocka_unit_test(test_start_errors_named),
        cmocka_unit_test(test_sighup_and_notices),
        cmocka_unit_test(test_run_log_and_sigterm),
        cmocka_unit_test(test_tls_monitor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
