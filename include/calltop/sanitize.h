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

#endif
