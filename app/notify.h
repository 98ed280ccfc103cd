/* notify.h — the board's notifications outside the board: for each
 * attention item opened, the bell / OSC 9 / OSC 777 bytes
 * (calltop/termnotify.h), and the window title with the open count. Bytes
 * are queued by the attention hook and written in one write(2) right after
 * the frame (ct_board_notifier_flush after ct_board_draw), never mid-frame. */
#ifndef CALLTOP_APP_NOTIFY_H
#define CALLTOP_APP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/attention.h"
#include "calltop/config.h"
#include "calltop/termnotify.h"

typedef struct ct_board_notifier {
    unsigned mask; /* CT_NOTIFY_* from the notify setting */
    bool tmux;     /* $TMUX set: wrap OSC 9 / 777 for passthrough */
    int fd;        /* the terminal */
    ct_notify_gate gate;
    char buf[4096]; /* queued bytes, written after the frame */
    size_t len;
    long title_count;   /* the open count the title shows (-1: not set yet) */
    unsigned long sent; /* notifications written (tests, log) */
} ct_board_notifier;

/* From the settings (notify, notify-quiet, notify-interval); now starts the
 * quiet period. CT_ECONFIG on a bad notify value. */
ct_err ct_board_notifier_init(ct_board_notifier *n, const ct_config *cfg, ct_time_ms now, int fd,
                              bool in_tmux, ct_error *err);
/* The board's attn_notify hook (ud = the notifier). */
void ct_board_notifier_item(void *ud, const ct_att_item *it, ct_time_ms now);
/* Writes what is queued, and the title when the open count changed. */
void ct_board_notifier_flush(ct_board_notifier *n, size_t open_count);
/* Leaving: the title says plain "calltop" again. */
void ct_board_notifier_finish(ct_board_notifier *n);

#endif
