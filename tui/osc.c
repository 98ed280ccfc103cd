/* osc.c — OSC 52 and OSC 8 byte builders (see osc.h). */
#include "osc.h"

#include <string.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Appends n bytes; false when they do not fit with the final NUL. */
static bool put(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n + 1 > cap) return false;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return true;
}

size_t ct_osc52_encode(const char *text, bool in_tmux, char *out, size_t cap)
{
    if (!out || cap == 0) return 0;
    out[0] = '\0';
    if (!text) text = "";
    size_t len = 0, n = strlen(text);
    /* inside the passthrough every ESC of the inner sequence is doubled */
    const char *esc = in_tmux ? "\033\033" : "\033";
    bool ok = (!in_tmux || put(out, cap, &len, "\033Ptmux;", 7)) &&
        put(out, cap, &len, esc, strlen(esc)) && put(out, cap, &len, "]52;c;", 6);
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; ok && i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
            (i + 2 < n ? p[i + 2] : 0);
        char q[4] = {b64[v >> 18 & 63], b64[v >> 12 & 63], i + 1 < n ? b64[v >> 6 & 63] : '=',
                     i + 2 < n ? b64[v & 63] : '='};
        ok = put(out, cap, &len, q, 4);
    }
    ok = ok && put(out, cap, &len, "\a", 1) && (!in_tmux || put(out, cap, &len, "\033\\", 2));
    if (!ok) {
        out[0] = '\0';
        return 0;
    }
    return len;
}

size_t ct_osc8_encode(const char *url, char *out, size_t cap)
{
    if (!out || cap == 0) return 0;
    out[0] = '\0';
    size_t len = 0;
    bool ok = put(out, cap, &len, "\033]8;;", 5);
    for (const char *p = url; ok && p && *p; p++)
        if (*p > 0x20 && *p < 0x7f && *p != ';') ok = put(out, cap, &len, p, 1);
    ok = ok && put(out, cap, &len, "\033\\", 2);
    if (!ok) {
        out[0] = '\0';
        return 0;
    }
    return len;
}
