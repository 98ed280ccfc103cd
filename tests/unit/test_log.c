/* test_log.c — the diagnostic log: nothing without a file, line format
 * (ISO timestamp, level, thread name), Bearer and secret redaction, and
 * whole lines when several threads log at once. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calltop/log.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/ct-test-log-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/calltop.log", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_log_close();
    unlink(path);
    rmdir(dir);
    return 0;
}

static char *slurp(const char *p)
{
    FILE *fp = fopen(p, "r");
    if (!fp) return NULL;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

static void test_redact_bearer(void **state)
{
    (void)state;
    char line[256];
    strcpy(line, "GET /calls Authorization: Bearer sk-live-123abc, next");
    ct_log_redact(line, sizeof line, false);
    assert_string_equal(line, "GET /calls Authorization: Bearer [redacted], next");

    strcpy(line, "{\"authorization\":\"bearer abc\"} and BEARER   xyz");
    ct_log_redact(line, sizeof line, false);
    assert_string_equal(line, "{\"authorization\":\"bearer [redacted]\"} and BEARER   [redacted]");

    strcpy(line, "no token here; Bearer");
    size_t n = ct_log_redact(line, sizeof line, false);
    assert_string_equal(line, "no token here; Bearer");
    assert_int_equal(n, strlen(line));

    /* a short buffer is cut, never overflowed, and never keeps the token */
    char small[24];
    strcpy(small, "x Bearer ab more text");
    ct_log_redact(small, sizeof small, false);
    assert_null(strstr(small, "ab more"));
    assert_true(strlen(small) < sizeof small);
}

static void test_nothing_without_a_log(void **state)
{
    (void)state;
    assert_false(ct_log_enabled());
    ct_log(CT_LOG_ERROR, "this goes nowhere"); /* must not crash or print */
    assert_int_equal(access(path, F_OK), -1);
}

static void test_line_format_and_mode(void **state)
{
    (void)state;
    ct_error err;
    assert_int_equal(ct_log_open(path, &err), CT_OK);
    assert_true(ct_log_enabled());
    ct_log_set_thread_name("ui");
    ct_log_add_secret("sk-secret-abcdef");
    ct_log(CT_LOG_WARN, "request failed: %s code %d\nsecond", "Bearer qwerty", 42);
    ct_log(CT_LOG_INFO, "key was sk-secret-abcdef!");
    ct_log_close();
    ct_log(CT_LOG_INFO, "after close");

    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *text = slurp(path);
    assert_non_null(text);
    regex_t re;
    assert_int_equal(
        regcomp(&re,
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z WARN  \\[ui\\] "
                "request failed: Bearer \\[redacted\\] code 42 second\n"
                "[0-9T:.-]+Z INFO  \\[ui\\] key was \\[redacted\\]!\n$",
                REG_EXTENDED),
        0);
    if (regexec(&re, text, 0, NULL, 0) != 0) fail_msg("log was:\n%s", text);
    regfree(&re);
    assert_null(strstr(text, "qwerty"));
    assert_null(strstr(text, "after close"));
}

static void test_open_failure_reported(void **state)
{
    (void)state;
    ct_error err;
    assert_int_equal(ct_log_open("/nonexistent-dir/x.log", &err), CT_EIO);
    assert_non_null(strstr(err.detail, "/nonexistent-dir/x.log"));
    assert_false(ct_log_enabled());
}

#define THREADS 4
#define LINES   300

static void *writer(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "w%d", (int)(intptr_t)arg);
    ct_log_set_thread_name(name);
    for (int i = 0; i < LINES; i++)
        ct_log(CT_LOG_DEBUG, "%s line %d %s", name, i, "payload-payload-payload-payload");
    return NULL;
}

static void test_threads_write_whole_lines(void **state)
{
    (void)state;
    ct_error err;
    assert_int_equal(ct_log_open(path, &err), CT_OK);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, writer, (void *)(intptr_t)i), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    ct_log_close();

    char *text = slurp(path);
    int count[THREADS] = {0};
    int lines = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        int w = -1, w2 = -1, n = -1;
        char tail[64];
        /* each line names its thread twice: in [..] and in the text */
        int got = sscanf(strstr(l, "[w") ? strstr(l, "[w") : "", "[w%d] w%d line %d %63s", &w, &w2,
                         &n, tail);
        if (got != 4 || w != w2 || w < 0 || w >= THREADS ||
            strcmp(tail, "payload-payload-payload-payload"))
            fail_msg("mangled line: %s", l);
        assert_int_equal(n, count[w]); /* in order per thread */
        count[w]++;
        lines++;
    }
    assert_int_equal(lines, THREADS * LINES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact_bearer),
        cmocka_unit_test_setup_teardown(test_nothing_without_a_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_line_format_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failure_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threads_write_whole_lines, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
