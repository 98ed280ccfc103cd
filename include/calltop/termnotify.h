/* termnotify.h — notifications through the terminal, as bytes: the bell,
 * OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal...), OSC 777 (rxvt-unicode,
 * foot, VTE), and the window title with the open attention count. They
 * travel in the terminal stream, so they work over SSH; inside tmux ($TMUX
 * set) OSC 9 / 777 are wrapped in tmux's DCS passthrough
 * (ESC P tmux; ... ESC \, every inner ESC doubled), which tmux forwards to
 * the outer terminal when allow-passthrough is on.
 *
 * Pure: formatting and the storm gate only; the board writes the bytes
 * right after a frame (app/notify.c). Text from the network is cleaned by
 * ct_notify_clean: after it no byte can end the sequence or start another
 * (no C0, DEL, C1 in any encoding, ESC, BEL, ST, ';'), and it is short. */
#ifndef CALLTOP_TERMNOTIFY_H
#define CALLTOP_TERMNOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/err.h"

enum {
    CT_NOTIFY_BELL = 1u << 0,
    CT_NOTIFY_OSC9 = 1u << 1,
    CT_NOTIFY_OSC777 = 1u << 2,
    CT_NOTIFY_TITLE = 1u << 3,
};

/* Longest cleaned text, bytes (a notification is a glance, not a log). */
#define CT_NOTIFY_TEXT_MAX 96

/* "bell,osc9,osc777,title" (any order, commas and spaces), "none" or ""
 * -> a mask. CT_ECONFIG naming the unknown word. */
ct_err ct_notify_parse(const char *spec, unsigned *mask, ct_error *err);

/* Network text -> text safe inside an OSC string: sanitized UTF-8
 * (calltop/sanitize.h), then anything below 0x20, DEL, U+0080..U+009F and
 * ';' replaced or dropped, cut at CT_NOTIFY_TEXT_MAX bytes on a character
 * boundary. Returns the length. */
size_t ct_notify_clean(const char *in, char *out, size_t cap);

/* The bytes for one notification (title and body are cleaned here): BEL,
 * then OSC 9 and OSC 777 as the mask says, wrapped for tmux when in_tmux.
 * Returns the length (0 when the mask asks for none of them, or cap is too
 * small: nothing partial is ever written). */
size_t ct_notify_format(unsigned mask, bool in_tmux, const char *title, const char *body, char *out,
                        size_t cap);

/* OSC 2 setting the window title to "calltop" or "calltop (N!)" with N open
 * items. Not wrapped inside tmux: there it sets the pane title, which
 * tmux shows (set-titles) as the window's. Returns the length. */
size_t ct_notify_title(size_t open_items, char *out, size_t cap);

/* The storm gate: nothing during the quiet period after start (history),
 * then at most one notification per min_gap_ms; what the gate holds back
 * is counted, and the next notification says "+N more". */
typedef struct ct_notify_gate {
    int64_t start_ms, quiet_ms, min_gap_ms;
    int64_t last_ms; /* the last notification let through (0 = none) */
    unsigned held;   /* held back since then */
} ct_notify_gate;

void ct_notify_gate_init(ct_notify_gate *g, int64_t start_ms, int64_t quiet_ms, int64_t min_gap_ms);
/* True: send now (and *held_before gets how many were held back since the
 * last one, then the count restarts). False: held back (counted, unless
 * still in the quiet period: history is not news). */
bool ct_notify_gate_pass(ct_notify_gate *g, int64_t now, unsigned *held_before);

#endif
