/* msglog.h — the message log: a bounded ring of timestamped lines (every
 * flash message, request failure, monitor state change, CT_EV_LOG text) and
 * the modal pane that shows it.
 *
 * The ring keeps the newest `cap` lines; older ones are dropped and counted.
 * Lines are stored cleaned (one line, no control characters) and capped in
 * length, so memory is bounded by cap * CT_MSGLOG_LINE_MAX. UI thread only. */
#ifndef CALLTOP_TUI_MSGLOG_H
#define CALLTOP_TUI_MSGLOG_H

#include <stddef.h>
#include <stdint.h>
#include "pane.h"

#define CT_MSGLOG_DEFAULT_CAP 1000
#define CT_MSGLOG_LINE_MAX    1024 /* bytes kept per line, incl. NUL */

typedef struct ct_msglog_line {
    ct_time_ms t;
    ct_flash_level level;
    char *text;
} ct_msglog_line;

typedef struct ct_msglog ct_msglog;

ct_msglog *ct_msglog_new(size_t cap); /* 0 = CT_MSGLOG_DEFAULT_CAP */
void ct_msglog_free(ct_msglog *log);
/* Appends a line (NULL text = ""); drops the oldest when full. */
void ct_msglog_add(ct_msglog *log, ct_flash_level lvl, ct_time_ms t, const char *text);
void ct_msglog_addf(ct_msglog *log, ct_flash_level lvl, ct_time_ms t, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
size_t ct_msglog_count(const ct_msglog *log);
/* i = 0 is the oldest line kept; NULL when i >= count. */
const ct_msglog_line *ct_msglog_at(const ct_msglog *log, size_t i);
/* Lines ever added (dropped = total - count). Also a change counter. */
uint64_t ct_msglog_total(const ct_msglog *log);
const char *ct_msglog_level_name(ct_flash_level lvl); /* "info", "ok", "warn", "error" */

/* A ct_ui_log_fn: set ctx->log_hook = ct_msglog_hook, ctx->log_ud = log so
 * every ct_ui_flash also lands in the log. */
void ct_msglog_hook(void *ud, ct_flash_level lvl, ct_time_ms t, const char *text);

/* The modal pane (not yet placed; the board resizes it, e.g. with
 * ct_pane_center). Shows the newest lines at the bottom, word-wrapped, and
 * sticks to the bottom until scrolled. Keys: Up/Down/k/j line, PgUp/PgDn
 * page, Home/g top, End/G bottom (and follow), Esc/q/L close. The log is
 * borrowed and must outlive the pane. */
ct_pane *ct_msglog_pane_new(ct_msglog *log);

#endif
