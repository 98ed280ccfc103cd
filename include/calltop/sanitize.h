/* sanitize.h — make server text safe to draw in a terminal.
 *
 * Every string that came from the network passes through here before it
 * reaches ncurses: escape sequences (CSI, OSC, DCS, ...), C0/C1 control
 * characters and DEL are removed (tab becomes a space; newlines become a
 * space unless keep_newlines), invalid UTF-8 bytes become U+FFFD, and
 * bidi overrides are dropped. Output is valid UTF-8. Pure. */
#ifndef CALLTOP_SANITIZE_H
#define CALLTOP_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes at most cap-1 bytes + NUL into out (never splits a character);
 * returns the length written. */
size_t ct_sanitize(const char *in, size_t in_len, char *out, size_t cap, bool keep_newlines);
/* Allocating variant (free()); NULL in -> "". */
char *ct_sanitize_dup(const char *in, bool keep_newlines);

/* Every invalid UTF-8 subsequence of in[0..len) replaced by U+FFFD (as
 * ct_sanitize counts them), nothing else touched: JSON stays JSON, since
 * its structure is ASCII. Returns a malloc'd, NUL-terminated copy and its
 * length when something was repaired (*repairs > 0); NULL with *repairs = 0
 * when the text is valid already, or NULL with *repairs > 0 on OOM. */
char *ct_utf8_repair(const char *in, size_t len, size_t *out_len, size_t *repairs);

/* One field of a log line, made unable to forge another field or line:
 * every byte outside printable ASCII 0x21..0x7E, and '\\', '"' and '=',
 * written as \\xHH. NULL in -> "-". Truncates at cap (never mid-escape);
 * returns out. */
char *ct_escape_field(const char *in, char *out, size_t cap);

#endif
