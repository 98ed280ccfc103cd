/* sanitize.c — server text -> text that is safe to draw in a terminal.
 *
 * One pass over the input, one decision per character:
 *  - escape sequences are swallowed whole: CSI (ESC [ params final), the
 *    string controls OSC/DCS/SOS/PM/APC (ESC ] P X ^ _ ... up to BEL or ST),
 *    and two-byte ESC sequences (ESC intermediates* final); their 8-bit C1
 *    forms (U+009B CSI, U+009D OSC, ...) likewise;
 *  - other C0 controls, DEL and C1 controls are dropped; tab becomes a
 *    space; newline is kept only with keep_newlines (else a space);
 *  - bidi embedding/override/isolate marks are dropped, so a transcript
 *    cannot reorder what is drawn after it;
 *  - invalid UTF-8 becomes U+FFFD, one per maximal invalid subsequence
 *    (Unicode's "substitution of maximal subparts" practice);
 *  - widths (issue 13): what survives must take on screen the cells that
 *    wcwidth() — and so ncurses — counts. Terminals merge some sequences
 *    into one glyph that wcwidth counts piece by piece (a ZWJ family is 6
 *    cells to wcwidth and 2 on screen; VS16 widens a 1-cell symbol to 2; a
 *    skin tone merges into its emoji), and every cell of difference leaves
 *    stale text behind. So the joiners and selectors are dropped and every
 *    part is drawn on its own: ZWJ/ZWNJ/ZWSP/word joiner/BOM, soft hyphen,
 *    invisible operators, variation selectors, emoji modifiers, tag
 *    characters, Hangul fillers; regional indicators become their ASCII
 *    letters (a flag reads "DE"); a combining mark with no base before it
 *    (at the start, or after a space or newline) is dropped. What wcwidth()
 *    itself cannot measure (unassigned, noncharacters) depends on the
 *    locale, so the board replaces it when drawing (tui/text.c).
 * Output never splits a character at the cap and is always valid UTF-8. */
#include "calltop/sanitize.h"
#include <stdbool.h>
#include <stdio.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"

/* Decodes one UTF-8 character at s[0..n). Returns its length and sets *cp;
 * for an invalid sequence returns the length of the maximal invalid
 * subsequence (>= 1) and sets *cp = -1. */
static size_t utf8_next(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* valid range of the 2nd byte */
    int32_t v;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        v = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        v = b & 0x0F;
        if (b == 0xE0) lo = 0xA0; /* overlong */
        if (b == 0xED) hi = 0x9F; /* surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        v = b & 0x07;
        if (b == 0xF0) lo = 0x90; /* overlong */
        if (b == 0xF4) hi = 0x8F; /* > U+10FFFF */
    } else {
        *cp = -1; /* 80..C1, F5..FF */
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        unsigned char lo_i = i == 1 ? lo : 0x80, hi_i = i == 1 ? hi : 0xBF;
        if (i >= n || s[i] < lo_i || s[i] > hi_i) {
            *cp = -1;
            return i;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return need + 1;
}

static int is_bidi_control(int32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
        cp == 0x200F || cp == 0x061C;
}

/* Length of a control string's body starting at s (after its introducer),
 * including its terminator: BEL, ESC \, or ST as 8-bit U+009C (C2 9C). An
 * unterminated string runs to the end, as a terminal would swallow it. */
static size_t skip_string(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0x07) return i + 1;
        if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\') return i + 2;
        if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x9C) return i + 2;
    }
    return n;
}

/* Length of a CSI's parameters + intermediates + final byte starting at s
 * (after ESC [ or U+009B). A byte outside the grammar ends the sequence
 * without being consumed, so the text after a broken sequence survives. */
static size_t skip_csi(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] >= 0x20 && s[i] <= 0x3F) /* params, intermediates */
        i++;
    while (i < n && s[i] >= 0x20 && s[i] <= 0x2F) /* intermediates after params */
        i++;
    if (i < n && s[i] >= 0x40 && s[i] <= 0x7E) /* final */
        i++;
    return i;
}

/* Length of what follows an ESC (not counting the ESC). */
static size_t skip_escape(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    switch (s[0]) {
    case '[': return 1 + skip_csi(s + 1, n - 1);
    case ']':
    case 'P':
    case 'X':
    case '^':
    case '_': return 1 + skip_string(s + 1, n - 1);
    default: break;
    }
    size_t i = 0;
    while (i < n && s[i] >= 0x20 && s[i] <= 0x2F) /* intermediates: ESC ( B */
        i++;
    if (i < n && s[i] >= 0x30 && s[i] <= 0x7E) /* final: ESC 7, ESC c */
        return i + 1;
    return i; /* lone ESC: drop only it */
}

/* Invisible or joining code points whose width terminals and wcwidth()
 * disagree on (see the top of this file): dropped. */
static int is_width_trap(int32_t cp)
{
    return cp == 0x00AD ||                  /* soft hyphen */
        cp == 0x115F || cp == 0x1160 ||     /* Hangul choseong/jungseong fillers */
        cp == 0x180E ||                     /* Mongolian vowel separator */
        (cp >= 0x200B && cp <= 0x200D) ||   /* ZWSP, ZWNJ, ZWJ */
        (cp >= 0x2060 && cp <= 0x2064) ||   /* word joiner, invisible operators */
        cp == 0x3164 || cp == 0xFFA0 ||     /* Hangul fillers */
        (cp >= 0xFE00 && cp <= 0xFE0F) ||   /* variation selectors (VS16: emoji) */
        cp == 0xFEFF ||                     /* BOM / zero-width no-break space */
        (cp >= 0x1F3FB && cp <= 0x1F3FF) || /* emoji skin-tone modifiers */
        (cp >= 0xE0000 && cp <= 0xE007F) || /* tag characters (flag subdivisions) */
        (cp >= 0xE0100 && cp <= 0xE01EF);   /* variation selectors supplement */
}

/* Combining marks that need a base character (the common diacritic
 * blocks): without one a terminal puts them on whatever cell is left of
 * the cursor. */
static int is_combining(int32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
        (cp >= 0x0591 && cp <= 0x05BD) || (cp >= 0x0610 && cp <= 0x061A) ||
        (cp >= 0x064B && cp <= 0x065F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
        (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
        (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0x3099 || cp == 0x309A;
}

size_t ct_sanitize(const char *in, size_t in_len, char *out, size_t cap, bool keep_newlines)
{
    if (!out || cap == 0) return 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    size_t n = in ? in_len : 0;
    size_t o = 0, limit = cap - 1;
    size_t i = 0;
    char ri[2];
    while (i < n) {
        unsigned char b = s[i];
        const char *emit = NULL;
        size_t emit_len = 0;
        if (b < 0x80) {
            i++;
            if (b == 0x1B) {
                i += skip_escape(s + i, n - i);
                continue;
            }
            if (b == '\t' || (b == '\n' && !keep_newlines)) {
                emit = " ";
            } else if (b == '\n') {
                emit = "\n";
            } else if (b < 0x20 || b == 0x7F) {
                continue;
            } else {
                emit = (const char *)&s[i - 1];
            }
            emit_len = 1;
        } else {
            int32_t cp;
            size_t len = utf8_next(s + i, n - i, &cp);
            i += len;
            if (cp < 0) {
                emit = REPLACEMENT;
                emit_len = 3;
            } else if (cp >= 0x80 && cp <= 0x9F) {
                if (cp == 0x9B) i += skip_csi(s + i, n - i);
                else if (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F)
                    i += skip_string(s + i, n - i);
                continue;
            } else if (is_bidi_control(cp) || is_width_trap(cp)) {
                continue;
            } else if (is_combining(cp) && (o == 0 || out[o - 1] == ' ' || out[o - 1] == '\n')) {
                continue; /* no base to sit on */
            } else if (cp >= 0x1F1E6 && cp <= 0x1F1FF) {
                ri[0] = (char)('A' + (cp - 0x1F1E6)); /* regional indicator -> letter */
                emit = ri;
                emit_len = 1;
            } else {
                emit = (const char *)&s[i - len];
                emit_len = len;
            }
        }
        if (o + emit_len > limit) break;
        memcpy(out + o, emit, emit_len);
        o += emit_len;
    }
    out[o] = '\0';
    return o;
}

char *ct_sanitize_dup(const char *in, bool keep_newlines)
{
    if (!in) return strdup("");
    size_t n = strlen(in);
    /* Worst case: every byte becomes a 3-byte U+FFFD. */
    if (n > (SIZE_MAX - 1) / 3) return NULL;
    char *out = malloc(n * 3 + 1);
    if (!out) return NULL;
    size_t len = ct_sanitize(in, n, out, n * 3 + 1, keep_newlines);
    char *shrunk = realloc(out, len + 1);
    return shrunk ? shrunk : out;
}

char *ct_utf8_repair(const char *in, size_t len, size_t *out_len, size_t *repairs)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t bad = 0, i = 0;
    int32_t cp;
    while (i < len) {
        size_t n = utf8_next(s + i, len - i, &cp);
        bad += cp < 0;
        i += n;
    }
    *repairs = bad;
    if (!bad) return NULL;
    /* Each invalid subsequence (>= 1 byte) becomes 3 bytes at most. */
    char *out = malloc(len + 2 * bad + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (i = 0; i < len;) {
        size_t n = utf8_next(s + i, len - i, &cp);
        if (cp < 0) {
            memcpy(out + o, REPLACEMENT, 3);
            o += 3;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    if (out_len) *out_len = o;
    return out;
}

char *ct_escape_field(const char *in, char *out, size_t cap)
{
    if (!cap) return out;
    if (!in) in = "-";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        bool plain = *p > 0x20 && *p < 0x7F && *p != '\\' && *p != '"' && *p != '=';
        size_t need = plain ? 1 : 4;
        if (o + need >= cap) break;
        if (plain) out[o++] = (char)*p;
        else o += (size_t)snprintf(out + o, cap - o, "\\x%02X", *p);
    }
    out[o] = '\0';
    return out;
}
