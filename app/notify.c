/* notify.c — the board's notifications outside the board (app/notify.h). */
#include "notify.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "calltop/log.h"

ct_err ct_board_notifier_init(ct_board_notifier *n, const ct_config *cfg, ct_time_ms now, int fd,
                              bool in_tmux, ct_error *err)
{
    memset(n, 0, sizeof *n);
    ct_err rc = ct_notify_parse(ct_config_value(cfg, CT_SET_NOTIFY), &n->mask, err);
    if (rc != CT_OK) return rc;
    n->fd = fd;
    n->tmux = in_tmux;
    n->title_count = -1;
    ct_notify_gate_init(&n->gate, now, ct_config_int(cfg, CT_SET_NOTIFY_QUIET) * 1000,
                        ct_config_int(cfg, CT_SET_NOTIFY_INTERVAL) * 1000);
    return CT_OK;
}

void ct_board_notifier_item(void *ud, const ct_att_item *it, ct_time_ms now)
{
    ct_board_notifier *n = ud;
    if (!(n->mask & (CT_NOTIFY_BELL | CT_NOTIFY_OSC9 | CT_NOTIFY_OSC777))) return;
    unsigned held;
    if (!ct_notify_gate_pass(&n->gate, now, &held)) return;
    char body[CT_ATT_REASON_MAX + CT_CALL_ID_BUF + 48];
    char more[32] = "";
    if (held) snprintf(more, sizeof more, " (+%u more)", held);
    /* the call id's head tells calls apart; the reason says why */
    snprintf(body, sizeof body, "%.12s%s%s%s", it->call_id, it->call_id[0] ? " " : "", it->reason,
             more);
    char bytes[1024];
    size_t len = ct_notify_format(n->mask, n->tmux, "calltop", body, bytes, sizeof bytes);
    if (len && n->len + len < sizeof n->buf) {
        memcpy(n->buf + n->len, bytes, len);
        n->len += len;
        n->sent++;
    }
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            /* a notification is best effort: never stall the board for it */
            ct_log(CT_LOG_WARN, "notify: write failed: %s", w < 0 ? strerror(errno) : "short");
            return;
        }
        p += w;
        len -= (size_t)w;
    }
}

void ct_board_notifier_flush(ct_board_notifier *n, size_t open_count)
{
    if ((n->mask & CT_NOTIFY_TITLE) && (long)open_count != n->title_count) {
        char t[64];
        size_t len = ct_notify_title(open_count, t, sizeof t);
        if (len && n->len + len < sizeof n->buf) {
            memcpy(n->buf + n->len, t, len);
            n->len += len;
            n->title_count = (long)open_count;
        }
    }
    if (!n->len) return;
    write_all(n->fd, n->buf, n->len);
    n->len = 0;
}

void ct_board_notifier_finish(ct_board_notifier *n)
{
    if (n->mask & CT_NOTIFY_TITLE && n->title_count > 0) {
        n->len = 0;
        n->title_count = -1;
        ct_board_notifier_flush(n, 0);
    }
}
