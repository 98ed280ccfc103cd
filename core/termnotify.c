/* termnotify.c — terminal notification bytes and the storm gate
 * (calltop/termnotify.h). */
#include "calltop/termnotify.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "calltop/sanitize.h"

ct_err ct_notify_parse(const char *spec, unsigned *mask, ct_error *err)
{
    *mask = 0;
    if (!spec) return CT_OK;
    static const struct {
        const char *word;
        unsigned bit;
    } words[] = {
        {"bell", CT_NOTIFY_BELL},
        {"osc9", CT_NOTIFY_OSC9},
        {"osc777", CT_NOTIFY_OSC777},
        {"title", CT_NOTIFY_TITLE},
        {"none", 0},
    };
    for (const char *p = spec; *p;) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ", ");
        if (!n) break;
        size_t i;
        for (i = 0; i < sizeof words / sizeof *words; i++)
            if (strlen(words[i].word) == n && strncasecmp(words[i].word, p, n) == 0) break;
        if (i == sizeof words / sizeof *words)
            return ct_error_set(err, CT_ECONFIG,
                                "setting 'notify': unknown '%.*s' (use bell, "
                                "osc9, osc777, title, or none)",
                                (int)(n > 40 ? 40 : n), p);
        *mask |= words[i].bit;
        p += n;
    }
    return CT_OK;
}

size_t ct_notify_clean(const char *in, char *out, size_t cap)
{
    if (!cap) return 0;
    char clean[4 * CT_NOTIFY_TEXT_MAX];
    size_t n = ct_sanitize(in ? in : "", in ? strlen(in) : 0, clean, sizeof clean, false);
    size_t limit = cap - 1 < CT_NOTIFY_TEXT_MAX ? cap - 1 : CT_NOTIFY_TEXT_MAX;
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)clean[i];
        /* the length of this UTF-8 character (sanitized: valid) */
        size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        if (i + k > n) break;
        const char *put = clean + i;
        size_t plen = k;
        /* belt and braces after the sanitizer: nothing that could end or
         * start a sequence, and no field separator (OSC 777 splits on ';') */
        if (c < 0x20 || c == 0x7f) {
            put = " ";
            plen = 1;
        } else if (c == ';') {
            put = ",";
            plen = 1;
        } else if (c == 0xC2 && (unsigned char)clean[i + 1] < 0xA0) {
            put = "";
            plen = 0;
        } /* C1 */
        if (len + plen > limit) break;
        memcpy(out + len, put, plen);
        len += plen;
        i += k;
    }
    out[len] = '\0';
    return len;
}

/* Appends s (len bytes) to out, doubling each ESC when wrapping for tmux. */
static bool put_bytes(char *out, size_t cap, size_t *len, const char *s, size_t n, bool double_esc)
{
    for (size_t i = 0; i < n; i++) {
        size_t need = (double_esc && s[i] == '\x1b') ? 2 : 1;
        if (*len + need >= cap) return false;
        if (need == 2) out[(*len)++] = '\x1b';
        out[(*len)++] = s[i];
    }
    out[*len] = '\0';
    return true;
}

/* One OSC (text ends with BEL), wrapped for tmux when asked. */
static bool put_osc(char *out, size_t cap, size_t *len, const char *osc, bool tmux)
{
    if (tmux && !put_bytes(out, cap, len, "\x1bPtmux;", 7, false)) return false;
    if (!put_bytes(out, cap, len, osc, strlen(osc), tmux)) return false;
    if (tmux && !put_bytes(out, cap, len, "\x1b\\", 2, false)) return false;
    return true;
}

size_t ct_notify_format(unsigned mask, bool in_tmux, const char *title, const char *body, char *out,
                        size_t cap)
{
    if (!cap) return 0;
    out[0] = '\0';
    char t[CT_NOTIFY_TEXT_MAX + 1], b[CT_NOTIFY_TEXT_MAX + 1], osc[3 * CT_NOTIFY_TEXT_MAX];
    ct_notify_clean(title, t, sizeof t);
    ct_notify_clean(body, b, sizeof b);
    size_t len = 0;
    bool ok = true;
    /* the bell needs no passthrough: tmux rings (and flags the window) itself */
    if (mask & CT_NOTIFY_BELL) ok = ok && put_bytes(out, cap, &len, "\a", 1, false);
    if (mask & CT_NOTIFY_OSC9) {
        snprintf(osc, sizeof osc, "\x1b]9;%s: %s\a", t, b);
        ok = ok && put_osc(out, cap, &len, osc, in_tmux);
    }
    if (mask & CT_NOTIFY_OSC777) {
        snprintf(osc, sizeof osc, "\x1b]777;notify;%s;%s\a", t, b);
        ok = ok && put_osc(out, cap, &len, osc, in_tmux);
    }
    if (!ok) {
        out[0] = '\0';
        return 0;
    }
    return len;
}

size_t ct_notify_title(size_t open_items, char *out, size_t cap)
{
    int n = open_items ? snprintf(out, cap, "\x1b]2;calltop (%zu!)\a", open_items)
                       : snprintf(out, cap, "\x1b]2;calltop\a");
    if (n < 0 || (size_t)n >= cap) {
        if (cap) out[0] = '\0';
        return 0;
    }
    return (size_t)n;
}

void ct_notify_gate_init(ct_notify_gate *g, int64_t start_ms, int64_t quiet_ms, int64_t min_gap_ms)
{
    memset(g, 0, sizeof *g);
    g->start_ms = start_ms;
    g->quiet_ms = quiet_ms;
    g->min_gap_ms = min_gap_ms;
}

bool ct_notify_gate_pass(ct_notify_gate *g, int64_t now, unsigned *held_before)
{
    if (held_before) *held_before = 0;
    /* quiet period: what opens now is what the first reads found */
    if (now - g->start_ms < g->quiet_ms && now >= g->start_ms) return false;
    /* a clock that went back does not stall the gate for as long */
    if (g->last_ms && now >= g->last_ms && now - g->last_ms < g->min_gap_ms) {
        g->held++;
        return false;
    }
    if (held_before) *held_before = g->held;
    g->held = 0;
    g->last_ms = now;
    return true;
}
