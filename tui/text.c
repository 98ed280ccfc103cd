/* text.c — display widths, truncation, wrapping and formatting of UTF-8
 * text for the panes. See text.h for the contract.
 *
 * We decode UTF-8 ourselves instead of using mbrtowc() so the result does
 * not depend on the locale's codeset and malformed input can never make a
 * loop stall; only the width of a decoded code point asks wcwidth(). */
#include "text.h"
#include "calltop/clock.h"

#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

size_t ct_utf8_next(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0) {
        *cp = 0;
        return 0;
    }
    unsigned char c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t need;
    uint32_t v, min;
    if ((c & 0xE0) == 0xC0) {
        need = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (len < need) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and out-of-range values are malformed. */
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = v;
    return need;
}

size_t ct_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp > 0x10FFFF) return 0;
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int ct_cp_width(uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7F) return 1; /* should be sanitized away; be safe */
    if (cp < 0x7F) return 1;
    int w = wcwidth((wchar_t)cp);
    if (w >= 0) return w > 2 ? 2 : w;
    /* wcwidth() refuses in a non-UTF-8 locale or for unassigned points:
     * the terminal draws something, one cell is the best guess. */
    return 1;
}

size_t ct_text_drawable(const char *s, char *out, size_t cap)
{
    size_t o = 0, len = s ? strlen(s) : 0, i = 0;
    if (!cap) return 0;
    bool utf8 = ct_locale_is_utf8();
    while (i < len) {
        uint32_t cp;
        size_t n = ct_utf8_next(s + i, len - i, &cp);
        if (cp == 0) break;
        const char *src = s + i;
        size_t sn = n;
        int w = cp >= 0x80 ? wcwidth((wchar_t)cp) : 1;
        if (w < 0) {
            src = utf8 ? "\xEF\xBF\xBD" : "?";
            sn = utf8 ? 3 : 1;
        } else if (w == 0 && (o == 0 || out[o - 1] == ' ')) {
            i += n;   /* zero width with no base in this cell: ncurses would put it on */
            continue; /* the cell to the left, outside the one being drawn */
        }
        if (o + sn >= cap) break;
        memcpy(out + o, src, sn);
        o += sn;
        i += n;
    }
    out[o] = '\0';
    return o;
}

int ct_text_width_n(const char *s, size_t len)
{
    int w = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = ct_utf8_next(s + i, len - i, &cp);
        if (cp == 0) break;
        w += ct_cp_width(cp);
        i += n;
    }
    return w;
}

int ct_text_width(const char *s)
{
    return s ? ct_text_width_n(s, strlen(s)) : 0;
}

char *ct_text_clean_line(char *s)
{
    if (!s) return s;
    size_t len = strlen(s), r = 0, w = 0;
    while (r < len) {
        uint32_t cp;
        size_t n = ct_utf8_next(s + r, len - r, &cp);
        bool bad = cp == 0xFFFD && !(n == 3 && (unsigned char)s[r] == 0xEF);
        if (bad) {
            s[w++] = '?';
        } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
            s[w++] = ' ';
        } else if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
            /* dropped: would reorder what follows on screen */
        } else {
            memmove(s + w, s + r, n);
            w += n;
        }
        r += n;
    }
    s[w] = '\0';
    return s;
}

bool ct_locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

const char *ct_text_ellipsis(void)
{
    return ct_locale_is_utf8() ? "\xE2\x80\xA6" : "~";
}

/* Length in bytes of the longest prefix of s[0..len) whose width is at most
 * cols, keeping zero-width characters with their base; *w gets its width. */
static size_t fit_prefix(const char *s, size_t len, int cols, int *w)
{
    size_t i = 0;
    int acc = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = ct_utf8_next(s + i, len - i, &cp);
        int cw = ct_cp_width(cp);
        if (acc + cw > cols) break;
        acc += cw;
        i += n;
    }
    *w = acc;
    return i;
}

/* Copies n bytes into out with a NUL, never splitting a character when the
 * buffer is too small. Returns the bytes copied. */
static size_t copy_chars(char *out, size_t cap, const char *s, size_t n)
{
    if (cap == 0) return 0;
    if (n > cap - 1) {
        n = cap - 1;
        /* step back to a character boundary */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return n;
}

int ct_text_truncate(const char *s, int cols, char *out, size_t cap)
{
    if (cap == 0) return 0;
    out[0] = '\0';
    if (!s || cols <= 0) return 0;
    size_t len = strlen(s);
    int w;
    size_t n = fit_prefix(s, len, cols, &w);
    if (n == len) {
        size_t c = copy_chars(out, cap, s, n);
        return c == n ? w : ct_text_width_n(out, c);
    }
    const char *ell = ct_text_ellipsis();
    size_t ell_len = strlen(ell);
    n = fit_prefix(s, len, cols - 1, &w);
    size_t c = copy_chars(out, cap, s, n);
    if (c == n && c + ell_len < cap) {
        memcpy(out + c, ell, ell_len + 1);
        return w + 1;
    }
    return ct_text_width_n(out, c);
}

int ct_text_pad(const char *s, int cols, ct_align align, char *out, size_t cap)
{
    if (cap == 0) return 0;
    char tmp[1024];
    int w = ct_text_truncate(s ? s : "", cols, tmp, sizeof tmp);
    size_t tl = strlen(tmp);
    int pad = cols > w ? cols - w : 0;
    if (tl + (size_t)pad + 1 > cap) {
        /* Too small for the padded text: fall back to what fits. */
        copy_chars(out, cap, tmp, tl);
        return ct_text_width(out);
    }
    char *p = out;
    if (align == CT_ALIGN_RIGHT) {
        memset(p, ' ', (size_t)pad);
        p += pad;
    }
    memcpy(p, tmp, tl);
    p += tl;
    if (align == CT_ALIGN_LEFT) {
        memset(p, ' ', (size_t)pad);
        p += pad;
    }
    *p = '\0';
    return w + pad;
}

size_t ct_text_wrap(const char *s, int cols, ct_span *out, size_t max)
{
    if (!s) s = "";
    if (cols < 1) cols = 1;
    size_t len = strlen(s), nlines = 0, i = 0;
    for (;;) {
        /* One line starting at i: remember the last break opportunity. */
        size_t start = i, brk = (size_t)-1, after_brk = 0;
        int w = 0, brk_w = 0;
        bool hard = false;
        while (i < len) {
            uint32_t cp;
            size_t n = ct_utf8_next(s + i, len - i, &cp);
            if (cp == '\n') {
                hard = true;
                break;
            }
            int cw = ct_cp_width(cp);
            if (w + cw > cols && i > start) break;
            if (cp == ' ') {
                brk = i;
                brk_w = w;
                after_brk = i + n;
            }
            w += cw;
            i += n;
        }
        size_t end = i, next = i;
        int lw = w;
        if (hard) {
            next = i + 1;
        } else if (i < len) {
            uint32_t cp;
            ct_utf8_next(s + i, len - i, &cp);
            if (cp == ' ') {
                /* Break exactly at a space: drop it. */
                next = i + 1;
            } else if (brk != (size_t)-1 && brk > start) {
                end = brk;
                lw = brk_w;
                next = after_brk;
            }
            /* else: a word longer than the line, split where it stopped */
        }
        if (nlines < max) {
            out[nlines].off = start;
            out[nlines].len = end - start;
            out[nlines].width = lw;
        }
        nlines++;
        i = next;
        if (i >= len && !hard) break;
        if (i >= len && hard) {
            /* a trailing newline ends the text with one empty line */
            if (nlines < max) {
                out[nlines].off = len;
                out[nlines].len = 0;
                out[nlines].width = 0;
            }
            nlines++;
            break;
        }
    }
    return nlines;
}

void ct_fmt_duration(int64_t ms, char *buf, size_t len)
{
    if (ms < 0) ms = 0;
    int64_t s = ms / 1000;
    if (s >= 3600)
        snprintf(buf, len, "%lld:%02d:%02d", (long long)(s / 3600), (int)(s / 60 % 60),
                 (int)(s % 60));
    else snprintf(buf, len, "%d:%02d", (int)(s / 60), (int)(s % 60));
}

void ct_fmt_age(int64_t ms, char *buf, size_t len)
{
    if (ms < 0) ms = 0;
    int64_t s = ms / 1000;
    if (s < 60) snprintf(buf, len, "%llds", (long long)s);
    else if (s < 3600) snprintf(buf, len, "%lldm", (long long)(s / 60));
    else if (s < 86400) snprintf(buf, len, "%lldh", (long long)(s / 3600));
    else snprintf(buf, len, "%lldd", (long long)(s / 86400));
}

static bool local_tm(ct_time_ms t, struct tm *tm)
{
    time_t secs = (time_t)(t / 1000);
    return localtime_r(&secs, tm) != NULL;
}

void ct_fmt_clock(ct_time_ms t, char *buf, size_t len)
{
    struct tm tm;
    if (t == 0 || !local_tm(t, &tm)) {
        snprintf(buf, len, "--:--:--");
        return;
    }
    snprintf(buf, len, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void ct_fmt_datetime(ct_time_ms t, char *buf, size_t len)
{
    struct tm tm;
    if (t == 0 || !local_tm(t, &tm)) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

ct_time_ms ct_now_ms(void)
{
    return ct_clock_wall_ms();
}
