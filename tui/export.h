/* export.h — the current call list as CSV and one call's transcript as
 * text, for support staff to attach to a ticket.
 *
 * The writers are pure functions over a FILE* (tested with open_memstream);
 * ct_export_open picks a path that never overwrites anything. Server text is
 * sanitized (no escape sequences reach a file someone may `cat`). */
#ifndef CALLTOP_TUI_EXPORT_H
#define CALLTOP_TUI_EXPORT_H

#include <stdio.h>
#include "calltop/err.h"
#include "calltop/model.h"
#include "calltop/store.h"

/* One RFC 4180 field: quoted (with "" for ") when it holds a comma, quote,
 * CR, LF, or leading/trailing space; NULL writes an empty field. A field
 * starting with = + - @ TAB or CR gets a leading ' so a spreadsheet shows
 * it as text instead of running it as a formula (OWASP's advice). E.164
 * numbers therefore read '+1555...: spreadsheets hide the ' and keep the +,
 * which they would otherwise drop by evaluating the number. */
void ct_csv_field(FILE *out, const char *s);

/* Header row then one row per call of the view, in view order, CRLF line
 * ends. Columns: id, status, direction, customer, assistant_number,
 * assistant_id, phone_status, start, end, duration_s, last_activity,
 * customer_name, assistant (the assistant's name)
 * (times ISO 8601 UTC; empty when unknown). `now` gives live durations.
 * Returns CT_OK or CT_EIO. *rows gets the number of calls written (may be
 * NULL). */
ct_err ct_export_csv(FILE *out, ct_view *v, ct_time_ms now, size_t *rows, ct_error *err);

/* A header with the call's fields, then "[hh:mm:ss] role: text" lines
 * (local time; continuation lines of multi-line text indented), then the
 * analysis summary when there is one. */
ct_err ct_export_transcript(FILE *out, const ct_call_entry *e, ct_time_ms now, ct_error *err);

/* The export directory from the settings (export-dir: flag, env
 * CALLTOP_EXPORT_DIR or config); NULL = the default. Copied. */
void ct_export_set_dir(const char *dir);

/* Creates a new file (O_EXCL, mode 0600: transcripts hold customer data)
 * named <stem>-<YYYYmmdd-HHMMSS>[-N].<ext> in the export directory (set by
 * ct_export_set_dir, else $CALLTOP_EXPORT_DIR, else $HOME, else the current
 * directory), and returns it open for writing with its absolute path in
 * `path` (the flash line shows where the file really is). NULL with err
 * set (CT_EIO) when the directory does not exist or no name works. */
FILE *ct_export_open(const char *stem, const char *ext, ct_time_ms now, char *path, size_t cap,
                     ct_error *err);

/* What the board calls for `x` and `t`: open, write, close. On success the
 * path (for the flash line) is in `path`. A failed write removes the file. */
ct_err ct_export_view_to_file(ct_view *v, ct_time_ms now, char *path, size_t cap, size_t *rows,
                              ct_error *err);
ct_err ct_export_transcript_to_file(const ct_call_entry *e, ct_time_ms now, char *path, size_t cap,
                                    ct_error *err);

#endif
