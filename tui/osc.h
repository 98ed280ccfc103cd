/* osc.h — terminal escape sequences the board emits beside ncurses' own:
 * OSC 52 (put text on the clipboard: works over SSH, and in tmux through
 * the DCS passthrough) and OSC 8 (a hyperlink around text). Pure: each
 * builds bytes into a buffer; the board hands them to the terminal. */
#ifndef CALLTOP_TUI_OSC_H
#define CALLTOP_TUI_OSC_H

#include <stdbool.h>
#include <stddef.h>

/* ESC ] 52 ; c ; BASE64(text) BEL. Inside tmux (in_tmux: $TMUX is set) the
 * sequence is wrapped as ESC P tmux; <sequence, each ESC doubled> ESC \ so
 * tmux passes it to the outer terminal. Returns the length written (NUL
 * terminated), or 0 when it does not fit in cap (nothing usable written). */
size_t ct_osc52_encode(const char *text, bool in_tmux, char *out, size_t cap);

/* ESC ] 8 ; ; URL ESC \ (open) or ESC ] 8 ; ; ESC \ (close, url NULL). The
 * URL is sanitized: only printable ASCII other than ';' survives (a control
 * byte would end the sequence early and let the server's text drive the
 * terminal); 0 when it does not fit. */
size_t ct_osc8_encode(const char *url, char *out, size_t cap);

#endif
