/* text.h — display-width utilities for sanitized UTF-8, and the small
 * formatters every pane shares (durations, ages, clock times).
 *
 * Pure (no ncurses). Widths come from wcwidth(), so the caller must have
 * called setlocale(LC_CTYPE, "") (the board) or a UTF-8 locale (tests).
 * Input is expected to be sanitized (see calltop/sanitize.h); malformed
 * bytes are still handled safely: each counts as one column (it will be
 * drawn as U+FFFD) and is never split or read past. Control characters and
 * other code points wcwidth() rejects count as one column too, so a width
 * is never negative and a loop over a string always advances. */
#ifndef CALLTOP_TUI_TEXT_H
#define CALLTOP_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/model.h"

/* Decodes one UTF-8 sequence at s (at most len bytes). Returns the bytes
 * consumed (>= 1 when len > 0, 0 when len == 0); a malformed or truncated
 * sequence consumes one byte and yields U+FFFD. */
size_t ct_utf8_next(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out (>= 4 bytes); returns the length (0 for an invalid
 * code point: surrogates, > U+10FFFF). */
size_t ct_utf8_encode(uint32_t cp, char out[4]);

/* Columns of one code point: 0 for combining marks / zero-width, 2 for wide
 * (CJK, most emoji), else 1. Never negative. */
int ct_cp_width(uint32_t cp);
/* Copies s into out (NUL-terminated, never splitting a character),
 * replacing each code point wcwidth() cannot measure in this locale
 * (unassigned, noncharacters; anything non-ASCII without a UTF-8 locale)
 * with U+FFFD ('?' without UTF-8): ncurses would draw those as several
 * cells ("~@"-style) while ct_cp_width counts one, leaving stale cells;
 * a zero-width code point with no base before it in s (first, or after a
 * space) is dropped, since ncurses attaches it to the cell left of s.
 * Returns the length written. */
size_t ct_text_drawable(const char *s, char *out, size_t cap);
int ct_text_width(const char *s);
int ct_text_width_n(const char *s, size_t len);

/* In place: makes s one safe line for drawing, for text that may not have
 * been through ct_sanitize (our own messages quoting a server's detail):
 * C0/C1 controls and DEL become spaces, malformed bytes become '?', bidi
 * overrides are removed. Never lengthens s. Returns s. */
char *ct_text_clean_line(char *s);

/* True when the current LC_CTYPE codeset is UTF-8. */
bool ct_locale_is_utf8(void);
/* "…" in a UTF-8 locale, "~" otherwise (always 1 column). */
const char *ct_text_ellipsis(void);

/* Copies the longest prefix of s that fits in `cols` columns into out (cap
 * bytes incl. NUL). When s does not fit, the prefix is shortened so the
 * ellipsis fits too and the ellipsis is appended. Zero-width characters stay
 * with the base character before them. Returns the width written. */
int ct_text_truncate(const char *s, int cols, char *out, size_t cap);

typedef enum { CT_ALIGN_LEFT = 0, CT_ALIGN_RIGHT } ct_align;
/* Truncates (with ellipsis) and pads with spaces to exactly `cols` columns
 * (fewer only when cap is too small). Returns the width written. */
int ct_text_pad(const char *s, int cols, ct_align align, char *out, size_t cap);

/* One wrapped line: a byte range of the input. */
typedef struct ct_span {
    size_t off, len;
    int width;
} ct_span;
/* Word-wraps s into lines of at most `cols` columns. Breaks at spaces (the
 * space at a break is dropped), at '\n' (always), and inside words longer
 * than a line (at character boundaries; a wide character that does not fit
 * moves to the next line). Every line holds at least one character, so a
 * width-2 character in a 1-column box still makes progress. Fills up to
 * `max` spans and returns how many lines the whole text needs (call with
 * max = 0 to size an array). An empty string is one empty line. */
size_t ct_text_wrap(const char *s, int cols, ct_span *out, size_t max);

/* "4:05" under an hour, "1:02:03" from an hour on; negative -> "0:00". */
void ct_fmt_duration(int64_t ms, char *buf, size_t len);
/* Relative age: "12s", "3m", "2h", "4d"; negative (clock skew) -> "0s". */
void ct_fmt_age(int64_t ms, char *buf, size_t len);
/* Local wall-clock time "14:03:09" of an epoch-ms time; "--:--:--" for 0. */
void ct_fmt_clock(ct_time_ms t, char *buf, size_t len);
/* Local "2026-11-26 14:03:09"; "-" for 0. */
void ct_fmt_datetime(ct_time_ms t, char *buf, size_t len);
/* Wall clock now, epoch ms. */
ct_time_ms ct_now_ms(void);

#endif
