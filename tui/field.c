/* field.c — one-line UTF-8 text input (see field.h). */
#include "field.h"

#include <string.h>

#include "pane.h"
#include "text.h"

static size_t field_limit(const ct_field *f)
{
    return f->limit && f->limit < CT_FIELD_MAX - 1 ? f->limit : CT_FIELD_MAX - 1;
}

void ct_field_init(ct_field *f, size_t limit)
{
    memset(f, 0, sizeof *f);
    f->limit = limit;
}

void ct_field_set(ct_field *f, const char *s)
{
    if (!s) s = "";
    size_t n = strlen(s), lim = field_limit(f);
    if (n > lim) {
        n = lim;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    memcpy(f->buf, s, n);
    f->buf[n] = '\0';
    f->len = f->cur = n;
}

const char *ct_field_text(const ct_field *f)
{
    return f->buf;
}
bool ct_field_empty(const ct_field *f)
{
    return f->len == 0;
}

static size_t prev_char(const ct_field *f, size_t at)
{
    if (at == 0) return 0;
    at--;
    while (at > 0 && ((unsigned char)f->buf[at] & 0xC0) == 0x80) at--;
    return at;
}

static size_t next_char(const ct_field *f, size_t at)
{
    if (at >= f->len) return f->len;
    uint32_t cp;
    return at + ct_utf8_next(f->buf + at, f->len - at, &cp);
}

static void cut(ct_field *f, size_t from, size_t to)
{
    memmove(f->buf + from, f->buf + to, f->len - to + 1);
    f->len -= to - from;
    f->cur = from;
}

ct_field_result ct_field_key(ct_field *f, int key)
{
    if (ct_key_is_backspace(key)) {
        if (f->cur == 0) return CT_FIELD_REFUSED;
        cut(f, prev_char(f, f->cur), f->cur);
        return CT_FIELD_CHANGED;
    }
    switch (key) {
    case KEY_DC:
        if (f->cur >= f->len) return CT_FIELD_REFUSED;
        cut(f, f->cur, next_char(f, f->cur));
        return CT_FIELD_CHANGED;
    case KEY_LEFT:
        if (f->cur == 0) return CT_FIELD_REFUSED;
        f->cur = prev_char(f, f->cur);
        return CT_FIELD_MOVED;
    case KEY_RIGHT:
        if (f->cur >= f->len) return CT_FIELD_REFUSED;
        f->cur = next_char(f, f->cur);
        return CT_FIELD_MOVED;
    case KEY_HOME:
    case CT_KEY_CTRL('a'): f->cur = 0; return CT_FIELD_MOVED;
    case KEY_END:
    case CT_KEY_CTRL('e'): f->cur = f->len; return CT_FIELD_MOVED;
    case CT_KEY_CTRL('u'):
        if (f->cur == 0) return CT_FIELD_REFUSED;
        cut(f, 0, f->cur);
        return CT_FIELD_CHANGED;
    case CT_KEY_CTRL('k'):
        if (f->cur >= f->len) return CT_FIELD_REFUSED;
        f->buf[f->cur] = '\0';
        f->len = f->cur;
        return CT_FIELD_CHANGED;
    case CT_KEY_CTRL('w'): {
        if (f->cur == 0) return CT_FIELD_REFUSED;
        size_t at = f->cur;
        while (at > 0 && f->buf[at - 1] == ' ') at--;
        while (at > 0 && f->buf[at - 1] != ' ') at--;
        cut(f, at, f->cur);
        return CT_FIELD_CHANGED;
    }
    default: break;
    }
    long ch = ct_key_char(key);
    /* Printable only: C0, DEL and C1 controls never enter a field. */
    if (ch < 0x20 || ch == 0x7F || (ch >= 0x80 && ch < 0xA0)) return CT_FIELD_IGNORED;
    char enc[4];
    size_t n = ct_utf8_encode((uint32_t)ch, enc);
    if (n == 0) return CT_FIELD_IGNORED;
    if (f->len + n > field_limit(f)) return CT_FIELD_REFUSED;
    memmove(f->buf + f->cur + n, f->buf + f->cur, f->len - f->cur + 1);
    memcpy(f->buf + f->cur, enc, n);
    f->len += n;
    f->cur += n;
    return CT_FIELD_CHANGED;
}

int ct_field_view(const ct_field *f, int cols, size_t *scroll)
{
    if (cols < 1) cols = 1;
    if (*scroll > f->cur) *scroll = f->cur;
    while (*scroll > 0 && ((unsigned char)f->buf[*scroll] & 0xC0) == 0x80) (*scroll)--;
    /* Keep one column free for the cursor after the last character. */
    int w = ct_text_width_n(f->buf + *scroll, f->cur - *scroll);
    while (w > cols - 1 && *scroll < f->cur) {
        size_t nx = next_char(f, *scroll);
        w -= ct_text_width_n(f->buf + *scroll, nx - *scroll);
        *scroll = nx;
    }
    return w;
}
