/* msglog.c — the message log ring: a fixed array of `cap` slots written
 * round-robin, so memory stays bounded however chatty the session is. The
 * pane that shows it is msglog_pane.c. */
#include "msglog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct ct_msglog {
    ct_msglog_line *ring;
    size_t cap, head /* oldest */, count;
    uint64_t total;
};

ct_msglog *ct_msglog_new(size_t cap)
{
    if (cap == 0) cap = CT_MSGLOG_DEFAULT_CAP;
    ct_msglog *log = calloc(1, sizeof *log);
    if (!log) return NULL;
    log->ring = calloc(cap, sizeof *log->ring);
    if (!log->ring) {
        free(log);
        return NULL;
    }
    log->cap = cap;
    return log;
}

void ct_msglog_free(ct_msglog *log)
{
    if (!log) return;
    for (size_t i = 0; i < log->cap; i++) free(log->ring[i].text);
    free(log->ring);
    free(log);
}

void ct_msglog_add(ct_msglog *log, ct_flash_level lvl, ct_time_ms t, const char *text)
{
    if (!log) return;
    char buf[CT_MSGLOG_LINE_MAX];
    /* Cut at a character boundary so the stored text stays valid UTF-8. */
    ct_text_truncate(text ? text : "", CT_MSGLOG_LINE_MAX, buf, sizeof buf);
    ct_text_clean_line(buf);
    char *copy = strdup(buf);
    if (!copy) return; /* losing a log line beats aborting the board */
    size_t slot;
    if (log->count < log->cap) {
        slot = (log->head + log->count) % log->cap;
        log->count++;
    } else {
        slot = log->head;
        log->head = (log->head + 1) % log->cap;
        free(log->ring[slot].text);
    }
    log->ring[slot].t = t;
    log->ring[slot].level = lvl;
    log->ring[slot].text = copy;
    log->total++;
}

void ct_msglog_addf(ct_msglog *log, ct_flash_level lvl, ct_time_ms t, const char *fmt, ...)
{
    char buf[CT_MSGLOG_LINE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ct_msglog_add(log, lvl, t, buf);
}

size_t ct_msglog_count(const ct_msglog *log)
{
    return log ? log->count : 0;
}
uint64_t ct_msglog_total(const ct_msglog *log)
{
    return log ? log->total : 0;
}

const ct_msglog_line *ct_msglog_at(const ct_msglog *log, size_t i)
{
    if (!log || i >= log->count) return NULL;
    return &log->ring[(log->head + i) % log->cap];
}

const char *ct_msglog_level_name(ct_flash_level lvl)
{
    switch (lvl) {
    case CT_FLASH_OK: return "ok";
    case CT_FLASH_WARN: return "warn";
    case CT_FLASH_ERROR: return "error";
    default: return "info";
    }
}

void ct_msglog_hook(void *ud, ct_flash_level lvl, ct_time_ms t, const char *text)
{
    ct_msglog_add(ud, lvl, t ? t : ct_now_ms(), text);
}
