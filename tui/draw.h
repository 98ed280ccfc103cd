/* draw.h — the few ncurses drawing primitives every board pane shares:
 * sanitized, width-exact text cells. Every server string goes through
 * ct_sanitize here (or in the view model) before it reaches a window. */
#ifndef CALLTOP_TUI_DRAW_H
#define CALLTOP_TUI_DRAW_H

#include <ncursesw/curses.h>
#include "text.h"

/* Draws `s` at (y, x) in exactly `cols` cells (truncated with an ellipsis
 * or padded), with attributes `a`. `s` is sanitized first unless trusted
 * (our own literals). Returns the cells drawn. */
int ct_draw_cell(WINDOW *w, int y, int x, int cols, const char *s, ct_align al, attr_t a,
                 bool trusted);
/* Fills `cols` cells from (y, x) with spaces in attributes `a`. */
void ct_draw_fill(WINDOW *w, int y, int x, int cols, attr_t a);
/* Draws a horizontal rule of `cols` cells (─ or -). */
void ct_draw_hline(WINDOW *w, int y, int x, int cols, attr_t a);

#endif
