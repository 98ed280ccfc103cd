/* log.c — the diagnostic log file (see log.h).
 *
 * One mutex guards the FILE and the secret list; a line is formatted and
 * redacted on the caller's stack first, so the lock is held only for one
 * fputs + fflush. The file is flushed per line: the log exists to explain
 * a crash or a hang after the fact. */
#include "calltop/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECRETS    8
#define LINE_MAX_BYTES 4096
#define MASK           "[redacted]"

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static char *secrets[MAX_SECRETS];
static _Thread_local char thread_name[16];

ct_err ct_log_open(const char *path, ct_error *err)
{
    /* O_APPEND so several calltop runs can share one log; 0600 because a
     * log describes the account's calls even when it holds no secret. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd < 0)
        return ct_error_set(err, CT_EIO, "cannot open log file '%s': %s", path, strerror(errno));
    FILE *fp = fdopen(fd, "a");
    if (!fp) {
        close(fd);
        return ct_error_set(err, CT_EIO, "cannot open log file '%s': %s", path, strerror(errno));
    }
    pthread_mutex_lock(&log_mu);
    FILE *old = log_fp;
    log_fp = fp;
    pthread_mutex_unlock(&log_mu);
    if (old) fclose(old);
    return CT_OK;
}

void ct_log_close(void)
{
    pthread_mutex_lock(&log_mu);
    FILE *old = log_fp;
    log_fp = NULL;
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (secrets[i]) {
            memset(secrets[i], 0, strlen(secrets[i]));
            free(secrets[i]);
            secrets[i] = NULL;
        }
    }
    pthread_mutex_unlock(&log_mu);
    if (old) fclose(old);
}

bool ct_log_enabled(void)
{
    pthread_mutex_lock(&log_mu);
    bool on = log_fp != NULL;
    pthread_mutex_unlock(&log_mu);
    return on;
}

void ct_log_set_thread_name(const char *name)
{
    snprintf(thread_name, sizeof thread_name, "%s", name ? name : "");
}

void ct_log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 4) return;
    pthread_mutex_lock(&log_mu);
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (secrets[i] && strcmp(secrets[i], secret) == 0) break;
        if (!secrets[i]) {
            secrets[i] = strdup(secret);
            break;
        }
    }
    pthread_mutex_unlock(&log_mu);
}

/* Replaces line[at, at+len) with MASK, cutting the tail if cap is short. */
static size_t splice_mask(char *line, size_t n, size_t cap, size_t at, size_t len)
{
    size_t mlen = strlen(MASK);
    size_t tail = n - at - len;
    if (at + mlen + tail + 1 > cap) {
        if (at + mlen + 1 > cap) { /* not even the mask fits: cut at the secret */
            line[at] = '\0';
            return at;
        }
        tail = cap - 1 - at - mlen;
    }
    memmove(line + at + mlen, line + at + len, tail);
    memcpy(line + at, MASK, mlen);
    line[at + mlen + tail] = '\0';
    return at + mlen + tail;
}

static bool token_char(char c)
{
    return c && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"' && c != '\'' &&
        c != ',' && c != ';';
}

/* Caller holds log_mu when with_secrets (the list is shared). */
static size_t redact_locked(char *line, size_t cap, bool with_secrets)
{
    size_t n = strlen(line);
    for (size_t i = 0; i + 7 <= n; i++) {
        if (strncasecmp(line + i, "bearer ", 7) != 0) continue;
        size_t at = i + 7;
        while (line[at] == ' ') at++;
        size_t len = 0;
        while (token_char(line[at + len])) len++;
        if (len == 0 || (len == strlen(MASK) && memcmp(line + at, MASK, len) == 0)) continue;
        n = splice_mask(line, n, cap, at, len);
        i = at;
    }
    for (int s = 0; with_secrets && s < MAX_SECRETS; s++) {
        if (!secrets[s]) continue;
        size_t slen = strlen(secrets[s]);
        char *hit;
        size_t from = 0;
        while (from < n && (hit = strstr(line + from, secrets[s])) != NULL) {
            size_t at = (size_t)(hit - line);
            n = splice_mask(line, n, cap, at, slen);
            from = at + strlen(MASK);
        }
    }
    return n;
}

size_t ct_log_redact(char *line, size_t cap, bool with_secrets)
{
    if (!line || cap == 0) return 0;
    if (!with_secrets) return redact_locked(line, cap, false);
    pthread_mutex_lock(&log_mu);
    size_t n = redact_locked(line, cap, true);
    pthread_mutex_unlock(&log_mu);
    return n;
}

void ct_log(ct_log_level level, const char *fmt, ...)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (!ct_log_enabled()) return; /* cheap exit: no log configured */

    char line[LINE_MAX_BYTES];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char name[16];
    if (thread_name[0]) snprintf(name, sizeof name, "%s", thread_name);
    else if (pthread_getname_np(pthread_self(), name, sizeof name) != 0)
        snprintf(name, sizeof name, "?");
    int head =
        snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000L, names[(unsigned)level < 4 ? level : CT_LOG_ERROR], name);
    if (head < 0 || (size_t)head >= sizeof line) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + head, sizeof line - (size_t)head, fmt, ap);
    va_end(ap);
    /* One record per line, and no terminal control bytes if someone
     * cats the log: server text may end up in a message. */
    for (char *p = line + head; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';

    pthread_mutex_lock(&log_mu);
    size_t n = redact_locked(line, sizeof line - 1, true);
    if (log_fp) {
        line[n] = '\n';
        fwrite(line, 1, n + 1, log_fp);
        fflush(log_fp);
    }
    pthread_mutex_unlock(&log_mu);
}
