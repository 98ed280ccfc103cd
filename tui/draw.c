/* draw.c — width-exact, sanitized text cells for the board panes.
 *
 * Widths come from text.c (wcwidth), so a cell never spills into the next
 * column even with wide or combining characters, and a window's last
 * column is never overrun (which would wrap or scroll in ncurses). */
#include <string.h>
#include "calltop/sanitize.h"
#include "draw.h"
#include "theme.h"

int ct_draw_cell(WINDOW *w, int y, int x, int cols, const char *s, ct_align al, attr_t a,
                 bool trusted)
{
    char clean[1024], drawable[1200], out[1400];
    int maxx = getmaxx(w);
    if (cols <= 0 || x >= maxx || y < 0 || y >= getmaxy(w)) return 0;
    if (x + cols > maxx) cols = maxx - x;
    if (!s) s = "";
    if (!trusted) {
        ct_sanitize(s, strlen(s), clean, sizeof clean, false);
        s = clean;
    }
    /* what wcwidth cannot measure would not take the one cell counted */
    ct_text_drawable(s, drawable, sizeof drawable);
    s = drawable;
    int width = ct_text_pad(s, cols, al, out, sizeof out);
    wattrset(w, a);
    mvwaddstr(w, y, x, out);
    wattrset(w, A_NORMAL);
    return width;
}

void ct_draw_fill(WINDOW *w, int y, int x, int cols, attr_t a)
{
    int maxx = getmaxx(w);
    if (x + cols > maxx) cols = maxx - x;
    if (cols <= 0 || y < 0 || y >= getmaxy(w)) return;
    wattrset(w, a);
    mvwhline(w, y, x, ' ', cols);
    wattrset(w, A_NORMAL);
}

void ct_draw_hline(WINDOW *w, int y, int x, int cols, attr_t a)
{
    int maxx = getmaxx(w);
    if (x + cols > maxx) cols = maxx - x;
    if (cols <= 0 || y < 0 || y >= getmaxy(w)) return;
    wattrset(w, a);
    if (ct_theme_is_utf8()) mvwhline_set(w, y, x, WACS_HLINE, cols);
    else mvwhline(w, y, x, '-', cols);
    wattrset(w, A_NORMAL);
}
