/* log.h — calltop's diagnostic log.
 *
 * Lines go ONLY to the file given by --log / CALLTOP_LOG / `log =`; with no
 * log configured ct_log() does nothing, and nothing ever goes to the
 * terminal (it belongs to ncurses). Each line carries an ISO 8601 UTC
 * timestamp with milliseconds, the level and the thread's name. Every line
 * is passed through ct_log_redact() first, so "Bearer <token>" and any
 * registered secret never reach the file. Thread-safe (one mutex). */
#ifndef CALLTOP_LOG_H
#define CALLTOP_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/err.h"

typedef enum ct_log_level { CT_LOG_DEBUG, CT_LOG_INFO, CT_LOG_WARN, CT_LOG_ERROR } ct_log_level;

/* Opens (appending; created 0600) the log file. A second call switches files. */
ct_err ct_log_open(const char *path, ct_error *err);
void ct_log_close(void);
bool ct_log_enabled(void);

void ct_log(ct_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The name shown for the calling thread ("ui", "fetcher", "monitor"); at most
 * 15 bytes are kept. Threads that never call it show their pthread name. */
void ct_log_set_thread_name(const char *name);

/* Registers a secret (API key, relay token) to mask in every later line;
 * values shorter than 4 bytes are ignored (they would mask ordinary text).
 * Keeps a copy; ct_log_close() forgets them all. */
void ct_log_add_secret(const char *secret);

/* In place: the token after "Bearer " (any case) becomes "[redacted]",
 * and with `with_secrets` so does every registered secret. `cap` is the
 * buffer size; a line that would outgrow it is cut, never overflowed.
 * Returns the new length. */
size_t ct_log_redact(char *line, size_t cap, bool with_secrets);

#endif
