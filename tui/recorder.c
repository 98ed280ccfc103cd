/* recorder.c — see recorder.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "calltop/log.h"
#include "calltop/record_codec.h"
#include "recorder.h"

struct ct_recorder {
    int fd;
    char *path;
    uint64_t max_bytes, written;
    ct_time_ms last_at; /* stamps never go back, and none is at or before the header's */
    bool stopped;
    ct_ui_ctx *flash_ctx;
};

/* Stops for good, saying why on the flash line and in the log. */
static void stop(ct_recorder *r, ct_flash_level lvl, const char *why)
{
    r->stopped = true;
    ct_log(lvl == CT_FLASH_ERROR ? CT_LOG_ERROR : CT_LOG_WARN, "record: %s", why);
    if (r->flash_ctx) ct_ui_flash(r->flash_ctx, lvl, "%s", why);
}

/* One whole line or nothing: a line that would pass the cap is not
 * started, so the file always ends with a complete line. */
static bool put_line(ct_recorder *r, char *line)
{
    if (r->stopped) {
        free(line);
        return false;
    }
    size_t len = strlen(line);
    if (r->written + len + 1 > r->max_bytes) {
        char why[600];
        snprintf(why, sizeof why, "recording stopped: %.400s reached record-max-bytes (%llu bytes)",
                 r->path, (unsigned long long)r->max_bytes);
        free(line);
        stop(r, CT_FLASH_WARN, why);
        return false;
    }
    /* the newline goes with the line in one buffer: one write per line */
    char *buf = realloc(line, len + 2);
    if (!buf) {
        free(line);
        stop(r, CT_FLASH_ERROR, "recording stopped: out of memory");
        return false;
    }
    buf[len] = '\n';
    size_t off = 0;
    while (off < len + 1) {
        ssize_t k = write(r->fd, buf + off, len + 1 - off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            char why[600];
            snprintf(why, sizeof why, "recording stopped: write %.400s: %s", r->path,
                     k < 0 ? strerror(errno) : "nothing written");
            free(buf);
            stop(r, CT_FLASH_ERROR, why);
            return false;
        }
        off += (size_t)k;
    }
    r->written += len + 1;
    free(buf);
    return true;
}

/* The board's clock for a drain can be a loop turn older than the header's
 * (taken when the file was opened): a replay paused at the start must show
 * nothing applied, so every record is stamped after the header and no
 * record before the one written ahead of it. */
static ct_time_ms stamp(ct_recorder *r, ct_time_ms at)
{
    if (at < r->last_at) at = r->last_at;
    r->last_at = at;
    return at;
}

ct_recorder *ct_recorder_open(const char *path, long max_bytes, ct_time_ms now,
                              ct_ui_ctx *flash_ctx, ct_error *err)
{
    ct_recorder *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(path))) {
        free(r);
        ct_error_set(err, CT_ENOMEM, "out of memory");
        return NULL;
    }
    r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (r->fd < 0) {
        ct_error_set(err, CT_EIO, "--record %s: %s%s", path, strerror(errno),
                     errno == EEXIST ? " (a recording is never overwritten: pick a new name)" : "");
        free(r->path);
        free(r);
        return NULL;
    }
    /* the umask may only narrow 0600; make sure nothing widened it */
    (void)fchmod(r->fd, 0600);
    r->max_bytes = max_bytes > 0 ? (uint64_t)max_bytes : UINT64_MAX;
    r->flash_ctx = flash_ctx;
    char *line = NULL;
    r->last_at = now + 1;
    if (ct_record_encode_header(now, &line, err) != CT_OK || !put_line(r, line)) {
        if (!err->detail[0])
            ct_error_set(err, CT_EIO, "--record %s: the header could not be written", path);
        ct_recorder_close(r);
        return NULL;
    }
    ct_log(CT_LOG_INFO, "record: writing %s (at most %llu bytes)", path,
           (unsigned long long)r->max_bytes);
    return r;
}

void ct_recorder_close(ct_recorder *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    free(r->path);
    free(r);
}

bool ct_recorder_event(ct_recorder *r, const ct_event *ev, ct_time_ms at)
{
    if (!r || r->stopped) return false;
    char *line = NULL;
    ct_error err;
    ct_error_clear(&err);
    at = stamp(r, at);
    if (ct_record_encode_event(ev, at, &line, &err) != CT_OK) {
        char why[600];
        snprintf(why, sizeof why, "recording stopped: %s", err.detail);
        stop(r, CT_FLASH_ERROR, why);
        return false;
    }
    return put_line(r, line);
}

bool ct_recorder_own_read(ct_recorder *r, ct_request_kind kind, uint64_t request_id,
                          const char *call_id, ct_time_ms at)
{
    if (!r || r->stopped || !request_id) return !r || !r->stopped;
    char *line = NULL;
    ct_error err;
    ct_error_clear(&err);
    at = stamp(r, at);
    if (ct_record_encode_own_read(kind, request_id, call_id, at, &line, &err) != CT_OK) return true;
    return put_line(r, line);
}

bool ct_recorder_stopped(const ct_recorder *r)
{
    return r && r->stopped;
}
uint64_t ct_recorder_bytes(const ct_recorder *r)
{
    return r ? r->written : 0;
}
