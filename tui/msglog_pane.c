/* msglog_pane.c — the scrollable modal pane over the message log.
 *
 * Each line is word-wrapped under a "time level" prefix column and rows are
 * counted from the bottom, so following the tail is simply scroll == 0. */
#include "msglog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "text.h"
#include "theme.h"

typedef struct msglog_pane {
    ct_msglog *log;
    int scroll; /* rows scrolled up from the bottom; 0 = follow the tail */
    int page;   /* content rows at the last draw (for PgUp/PgDn) */
} msglog_pane;

#define PREFIX_W 15 /* "14:03:09 error " */

static ct_theme_role level_role(ct_flash_level lvl)
{
    switch (lvl) {
    case CT_FLASH_OK: return CT_TH_OK;
    case CT_FLASH_WARN: return CT_TH_WARN;
    case CT_FLASH_ERROR: return CT_TH_ERROR;
    default: return CT_TH_INFO;
    }
}

/* Text columns after the prefix (the whole width when the pane is too
 * narrow for a prefix column). */
static int text_cols(int cols)
{
    return cols > PREFIX_W + 10 ? cols - PREFIX_W : cols;
}

static void msglog_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    (void)ctx;
    msglog_pane *st = p->state;
    WINDOW *w = p->win;
    werase(w);
    wattrset(w, ct_theme_attr(CT_TH_BORDER));
    if (p->h >= 3 && p->w >= 4) box(w, 0, 0);
    int top = p->h >= 3 ? 1 : 0, left = p->w >= 4 ? 1 : 0;
    int rows = p->h - 2 * top - (p->h >= 5 ? 1 : 0); /* last inner row: key hint */
    int cols = p->w - 2 * left;
    if (rows < 1) rows = p->h >= 3 ? p->h - 2 : p->h;
    if (rows < 1 || cols < 1) {
        wnoutrefresh(w);
        return;
    }
    st->page = rows;

    size_t n = ct_msglog_count(st->log);
    int tc = text_cols(cols);
    bool prefix = tc != cols;

    /* Clamp the scroll against the rows the whole log needs. */
    long total_rows = 0;
    for (size_t i = 0; i < n; i++)
        total_rows +=
            (long)ct_text_wrap(ct_msglog_at(st->log, i)->text, tc, NULL, 0) + (prefix ? 0 : 1);
    long max_scroll = total_rows > rows ? total_rows - rows : 0;
    if (st->scroll > max_scroll) st->scroll = (int)max_scroll;
    if (st->scroll < 0) st->scroll = 0;

    char title[96];
    snprintf(title, sizeof title, " Message log: %zu lines%s ", n,
             ct_msglog_total(st->log) > n ? " (older dropped)" : "");
    char tbuf[96];
    ct_text_truncate(title, cols, tbuf, sizeof tbuf);
    wattrset(w, ct_theme_attr(CT_TH_HEADER));
    mvwaddstr(w, 0, left, tbuf);

    /* Walk newest to oldest, counting rows from the bottom (g). */
    long g = 0;
    ct_span spans[64];
    for (size_t k = n; k-- > 0 && g < st->scroll + rows;) {
        const ct_msglog_line *ln = ct_msglog_at(st->log, k);
        size_t nl = ct_text_wrap(ln->text, tc, spans, 64);
        if (nl > 64) nl = 64; /* a line this long is cut; the log caps lines anyway */
        long entry_rows = (long)nl + (prefix ? 0 : 1);
        for (long r = entry_rows - 1; r >= 0; r--, g++) {
            if (g < st->scroll || g >= st->scroll + rows) continue;
            int y = top + rows - 1 - (int)(g - st->scroll);
            if (r == 0) { /* the prefix shares row 0 with text, or has its own */
                char clock[16], pre[32];
                ct_fmt_clock(ln->t, clock, sizeof clock);
                snprintf(pre, sizeof pre, "%s %-5s", clock, ct_msglog_level_name(ln->level));
                wattrset(w, ct_theme_attr(level_role(ln->level)));
                char cut[64];
                ct_text_truncate(pre, cols, cut, sizeof cut);
                mvwaddstr(w, y, left, cut);
                if (!prefix) continue;
            }
            long tr = prefix ? r : r - 1;
            wattrset(w, ct_theme_attr(CT_TH_NORMAL));
            const ct_span *sp = &spans[tr];
            mvwaddnstr(w, y, left + (prefix ? PREFIX_W : 0), ln->text + sp->off, (int)sp->len);
        }
    }
    if (n == 0) {
        wattrset(w, ct_theme_attr(CT_TH_DIM));
        mvwaddstr(w, top, left, "(no messages yet)");
    }
    if (p->h >= 5) {
        char hint[128];
        snprintf(hint, sizeof hint, "%s",
                 st->scroll ? "j/k scroll  G follow  Esc close"
                            : "j/k scroll  (following)  Esc close");
        char cut[128];
        ct_text_truncate(hint, cols, cut, sizeof cut);
        wattrset(w, ct_theme_attr(CT_TH_DIM));
        mvwaddstr(w, p->h - 2, left, cut);
    }
    wattrset(w, A_NORMAL);
    wnoutrefresh(w);
}

static int msglog_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)ctx;
    msglog_pane *st = p->state;
    int page = st->page > 1 ? st->page - 1 : 1;
    if (key == KEY_RESIZE) return 0; /* the board lays out again */
    if (key == KEY_MOUSE && mouse) {
        if (mouse->bstate & BUTTON4_PRESSED) st->scroll += 3;
#ifdef BUTTON5_PRESSED
        else if (mouse->bstate & BUTTON5_PRESSED) st->scroll -= 3;
#endif
        if (st->scroll < 0) st->scroll = 0;
        return CT_FX_HANDLED | CT_FX_REDRAW;
    }
    switch (ct_action_for_key(key)) {
    case CT_A_UP: st->scroll += 1; break;
    case CT_A_DOWN: st->scroll -= 1; break;
    case CT_A_PGUP: st->scroll += page; break;
    case CT_A_PGDN: st->scroll -= page; break;
    case CT_A_TOP: st->scroll = 1 << 30; break; /* clamped at draw */
    case CT_A_BOTTOM: st->scroll = 0; break;
    case CT_A_BACK:
    case CT_A_QUIT:
    case CT_A_MSGLOG: return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    default:
        /* Modal: swallow everything else so keys never leak to the list. */
        return CT_FX_HANDLED;
    }
    if (st->scroll < 0) st->scroll = 0;
    return CT_FX_HANDLED | CT_FX_REDRAW;
}

static void msglog_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}
static void msglog_destroy(ct_pane *p)
{
    free(p->state);
    p->state = NULL;
}

static const ct_pane_ops msglog_ops = {
    .name = "msglog",
    .draw = msglog_draw,
    .resize = msglog_resize,
    .handle_key = msglog_key,
    .on_event = NULL,
    .destroy = msglog_destroy,
};

ct_pane *ct_msglog_pane_new(ct_msglog *log)
{
    msglog_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->log = log;
    ct_pane *p = ct_pane_new(&msglog_ops, st);
    if (!p) {
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}
