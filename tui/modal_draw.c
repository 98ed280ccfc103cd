/* modal_draw.c — shared drawing for the form and dialog panes (see
 * modal_draw.h). Text is always cut by display width, never by bytes, so a
 * wide character can never push the frame out of line. */
#include "modal_draw.h"

#include <string.h>

#include "draw.h"
#include "text.h"

void ct_modal_frame(WINDOW *win, const char *title, ct_theme_role title_role, bool focused, int *y0,
                    int *x0, int *h, int *w)
{
    int H = getmaxy(win), W = getmaxx(win);
    werase(win);
    bool boxed = H >= 3 && W >= 4;
    if (boxed) {
        wattrset(win, ct_theme_attr(focused ? CT_TH_HEADER : CT_TH_BORDER));
        box(win, 0, 0);
        wattrset(win, A_NORMAL);
    }
    *y0 = boxed ? 1 : 0;
    *x0 = boxed ? 2 : 0;
    *h = boxed ? H - 2 : H;
    *w = boxed ? W - 4 : W;
    if (title && boxed && W > 6) {
        char t[160];
        snprintf(t, sizeof t, " %s ", title);
        ct_draw_cell(win, 0, 2, ct_text_width(t) < W - 4 ? ct_text_width(t) : W - 4, t,
                     CT_ALIGN_LEFT, ct_theme_attr(title_role), false);
    }
}

void ct_modal_field(WINDOW *win, int y, int x, int cols, const ct_field *f, size_t *scroll,
                    bool focused)
{
    int maxx = getmaxx(win);
    if (x + cols > maxx) cols = maxx - x;
    if (cols <= 0 || y < 0 || y >= getmaxy(win)) return;
    attr_t a = ct_theme_attr(focused ? CT_TH_FIELD_FOCUS : CT_TH_FIELD);
    ct_draw_fill(win, y, x, cols, a);
    int cur_col = ct_field_view(f, cols, scroll);
    /* Draw character by character from the scroll offset until the box is full. */
    const char *s = f->buf + *scroll;
    size_t len = f->len - *scroll, i = 0;
    int col = 0;
    wattrset(win, a);
    while (i < len) {
        uint32_t cp;
        size_t n = ct_utf8_next(s + i, len - i, &cp);
        int cw = ct_cp_width(cp);
        if (col + cw > cols) break;
        mvwaddnstr(win, y, x + col, s + i, (int)n);
        col += cw;
        i += n;
    }
    if (focused && cur_col < cols) {
        /* the cursor cell: the character under it, or a space at the end */
        size_t at = f->cur;
        wattrset(win, a ^ A_REVERSE);
        if (at < f->len) {
            uint32_t cp;
            size_t n = ct_utf8_next(f->buf + at, f->len - at, &cp);
            if (ct_cp_width(cp) > 0 && cur_col + ct_cp_width(cp) <= cols)
                mvwaddnstr(win, y, x + cur_col, f->buf + at, (int)n);
            else mvwaddch(win, y, x + cur_col, ' ');
        } else {
            mvwaddch(win, y, x + cur_col, ' ');
        }
        wmove(win, y, x + cur_col);
    }
    wattrset(win, A_NORMAL);
}

int ct_modal_button(WINDOW *win, int y, int x, int max_cols, const char *label, bool focused,
                    bool destructive)
{
    char b[96];
    snprintf(b, sizeof b, focused ? "[>%s<]" : "[ %s ]", label);
    int bw = ct_text_width(b);
    if (bw > max_cols || y < 0 || y >= getmaxy(win)) return 0;
    ct_theme_role r = focused ? CT_TH_BUTTON_FOCUS : destructive ? CT_TH_DESTRUCTIVE : CT_TH_BUTTON;
    attr_t a = ct_theme_attr(r);
    if (focused && destructive) a |= A_BOLD;
    return ct_draw_cell(win, y, x, bw, b, CT_ALIGN_LEFT, a, true);
}

int ct_modal_text(WINDOW *win, int y, int x, int cols, const char *s, ct_theme_role role)
{
    if (cols <= 0) return 0;
    int w = ct_text_width(s);
    return ct_draw_cell(win, y, x, w < cols ? w : cols, s, CT_ALIGN_LEFT, ct_theme_attr(role),
                        false);
}

int ct_modal_wrapped(WINDOW *win, int y, int stop, int x, int cols, const char *text,
                     ct_theme_role role)
{
    if (cols < 1) return y;
    ct_span sp[32];
    size_t nl = ct_text_wrap(text, cols, sp, 32);
    for (size_t i = 0; i < nl && i < 32 && y < stop; i++, y++) {
        char line[2100];
        size_t len = sp[i].len < sizeof line - 1 ? sp[i].len : sizeof line - 1;
        memcpy(line, text + sp[i].off, len);
        line[len] = '\0';
        ct_modal_text(win, y, x, cols, line, role);
    }
    return y;
}
