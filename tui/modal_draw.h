/* modal_draw.h — drawing pieces the form and dialog panes share: the framed
 * window with a title, an input field with its cursor, and buttons. Every
 * call clips to the window, so any size (even 1x1) is safe. */
#ifndef CALLTOP_TUI_MODAL_DRAW_H
#define CALLTOP_TUI_MODAL_DRAW_H

#include <stdbool.h>
#include <ncursesw/curses.h>
#include "field.h"
#include "theme.h"

/* Clears the window, draws a box (when at least 3x4) and the title on the
 * top border. Returns the inner origin/size via y0/x0/h/w. */
void ct_modal_frame(WINDOW *win, const char *title, ct_theme_role title_role, bool focused, int *y0,
                    int *x0, int *h, int *w);
/* Draws an input field `cols` wide: the text scrolled so the cursor shows,
 * padded in the field attribute; when focused, the cursor cell is drawn in
 * reverse (the terminal cursor may be hidden). */
void ct_modal_field(WINDOW *win, int y, int x, int cols, const ct_field *f, size_t *scroll,
                    bool focused);
/* "[ label ]" at (y, x); returns the cells used (0 when it does not fit). */
int ct_modal_button(WINDOW *win, int y, int x, int max_cols, const char *label, bool focused,
                    bool destructive);
/* Draws trusted or untrusted text (sanitized) cut to cols; returns cells. */
int ct_modal_text(WINDOW *win, int y, int x, int cols, const char *s, ct_theme_role role);
/* Draws `text` word-wrapped to `cols` from row y, stopping before row
 * `stop` (at most 32 rows); returns the row after the last one written. */
int ct_modal_wrapped(WINDOW *win, int y, int stop, int x, int cols, const char *text,
                     ct_theme_role role);

#endif
