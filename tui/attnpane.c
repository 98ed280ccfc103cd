/* attnpane.c — the attention view and the board's side of the attention
 * rules (tui/attnpane.h). */
#include "attnpane.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "draw.h"
#include "text.h"
#include "theme.h"

#define MAX_SHOWN 256 /* rows the view lists; more open items are counted, not shown */

typedef struct attn_pane {
    int sel;  /* the highlighted row */
    int top;  /* first row shown */
    int page; /* rows at the last draw */
} attn_pane;

/* The open items, most urgent first. */
static size_t open_items(const ct_ui_ctx *ctx, const ct_att_item **v, size_t cap)
{
    if (!ctx->attention) return 0;
    size_t n = ct_attention_sorted_open(ctx->attention, v, cap);
    return n < cap ? n : cap;
}

static ct_theme_role severity_role(ct_att_severity s)
{
    return s == CT_ATT_CRIT ? CT_TH_ERROR : s == CT_ATT_WARN ? CT_TH_WARN : CT_TH_INFO;
}

static void attn_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    attn_pane *st = p->state;
    WINDOW *w = p->win;
    werase(w);
    wattrset(w, ct_theme_attr(CT_TH_BORDER));
    if (p->h >= 3 && p->w >= 4) box(w, 0, 0);
    int top = p->h >= 3 ? 1 : 0, left = p->w >= 4 ? 1 : 0;
    int rows = p->h - 2 * top - (p->h >= 5 ? 1 : 0);
    int cols = p->w - 2 * left;
    if (rows < 1 || cols < 1) {
        wnoutrefresh(w);
        return;
    }
    st->page = rows;

    static const ct_att_item *v[MAX_SHOWN];
    size_t n = open_items(ctx, v, MAX_SHOWN);
    size_t total = ctx->attention ? ct_attention_open_count(ctx->attention) : 0;
    if (st->sel >= (int)n) st->sel = n ? (int)n - 1 : 0;
    if (st->sel < st->top) st->top = st->sel;
    if (st->sel >= st->top + rows) st->top = st->sel - rows + 1;

    char title[96], cut[512];
    snprintf(title, sizeof title, " Attention: %zu open ", total);
    ct_text_truncate(title, cols, cut, sizeof cut);
    wattrset(w, ct_theme_attr(CT_TH_HEADER));
    mvwaddstr(w, 0, left, cut);
    for (int r = 0; r < rows && (size_t)(st->top + r) < n; r++) {
        const ct_att_item *it = v[st->top + r];
        char age[16], line[512];
        ct_fmt_age(ctx->now > it->opened_at ? ctx->now - it->opened_at : 0, age, sizeof age);
        /* the severity is a word as well as a colour: readable in monochrome */
        snprintf(line, sizeof line, "! %-4s %5s  %-14.14s %s", ct_att_severity_name(it->severity),
                 age, it->call_id[0] ? it->call_id : "(all calls)", it->reason);
        attr_t a = st->top + r == st->sel ? ct_theme_attr(CT_TH_SELECTED)
                                          : ct_theme_attr(severity_role(it->severity));
        ct_draw_fill(w, top + r, left, cols, a);
        ct_draw_cell(w, top + r, left, cols, line, CT_ALIGN_LEFT, a, true);
    }
    if (n == 0) {
        wattrset(w, ct_theme_attr(CT_TH_DIM));
        mvwaddstr(w, top, left,
                  ctx->attention ? "Nothing needs attention." : "(attention rules off)");
    }
    if (p->h >= 5) {
        ct_text_truncate("j/k move  Enter open call  a acknowledge  z snooze 15m  Esc close", cols,
                         cut, sizeof cut);
        wattrset(w, ct_theme_attr(CT_TH_DIM));
        mvwaddstr(w, p->h - 2, left, cut);
    }
    wattrset(w, A_NORMAL);
    wnoutrefresh(w);
}

static void log_line(ct_ui_ctx *ctx, ct_flash_level lvl, const char *verb, const ct_att_item *it)
{
    if (!ctx->log_hook) return;
    char line[CT_ATT_REASON_MAX + CT_CALL_ID_BUF + 64];
    snprintf(line, sizeof line, "attention %s: %s%s%s%s", verb, it->call_id[0] ? "call " : "",
             it->call_id, it->call_id[0] ? ": " : "", it->reason);
    ctx->log_hook(ctx->log_ud, lvl, ctx->now, line);
}

static int attn_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)mouse;
    attn_pane *st = p->state;
    if (key == KEY_RESIZE) return 0;
    static const ct_att_item *v[MAX_SHOWN];
    size_t n = open_items(ctx, v, MAX_SHOWN);
    const ct_att_item *it = st->sel >= 0 && (size_t)st->sel < n ? v[st->sel] : NULL;
    int page = st->page > 1 ? st->page - 1 : 1;
    switch (ct_action_for_key(key)) {
    case CT_A_UP: st->sel--; break;
    case CT_A_DOWN: st->sel++; break;
    case CT_A_PGUP: st->sel -= page; break;
    case CT_A_PGDN: st->sel += page; break;
    case CT_A_TOP: st->sel = 0; break;
    case CT_A_BOTTOM: st->sel = n ? (int)n - 1 : 0; break;
    case CT_A_OPEN:
        if (it && it->call_id[0]) {
            ct_ui_select(ctx, it->call_id);
            return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_SELECT | CT_FX_UNFOLLOW | CT_FX_REDRAW_ALL;
        }
        return CT_FX_HANDLED;
    case CT_A_ACK:
        if (it) {
            uint64_t id = it->id;
            if (ct_attention_ack(ctx->attention, id, ctx->now))
                log_line(ctx, CT_FLASH_OK, "acknowledged", ct_attention_find(ctx->attention, id));
        }
        break;
    case CT_A_SNOOZE:
        if (it) {
            uint64_t id = it->id;
            if (ct_attention_snooze(ctx->attention, id, CT_ATTN_SNOOZE_MS, ctx->now))
                log_line(ctx, CT_FLASH_INFO, "snoozed 15m", ct_attention_find(ctx->attention, id));
        }
        break;
    case CT_A_BACK:
    case CT_A_QUIT:
    case CT_A_ATTENTION: return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    default: return CT_FX_HANDLED; /* modal: nothing leaks to the list */
    }
    n = open_items(ctx, v, MAX_SHOWN); /* ack / snooze took one out */
    if (st->sel >= (int)n) st->sel = (int)n - 1;
    if (st->sel < 0) st->sel = 0;
    return CT_FX_HANDLED | CT_FX_REDRAW_ALL;
}

static void attn_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}
static void attn_destroy(ct_pane *p)
{
    free(p->state);
    p->state = NULL;
}

static const ct_pane_ops attn_ops = {
    .name = "attention",
    .draw = attn_draw,
    .resize = attn_resize,
    .handle_key = attn_key,
    .on_event = NULL,
    .destroy = attn_destroy,
};

ct_pane *ct_attn_pane_new(void)
{
    attn_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    ct_pane *p = ct_pane_new(&attn_ops, st);
    if (!p) {
        free(st);
        return NULL;
    }
    p->modal = true;
    return p;
}

size_t ct_attn_render_changes(ct_ui_ctx *ctx, ct_attn_notify_fn notify, void *ud)
{
    if (!ctx->attention) return 0;
    size_t n;
    const ct_att_change *ch = ct_attention_changes(ctx->attention, &n);
    for (size_t i = 0; i < n; i++) {
        const ct_att_item *it = ct_attention_find(ctx->attention, ch[i].item_id);
        if (!it) continue;
        switch (ch[i].kind) {
        case CT_ATT_OPENED:
            log_line(ctx, it->severity == CT_ATT_CRIT ? CT_FLASH_ERROR : CT_FLASH_WARN, "opened",
                     it);
            if (notify) notify(ud, it, ctx->now);
            break;
        case CT_ATT_REOPENED:
            log_line(ctx, CT_FLASH_WARN, "snooze over", it);
            if (notify) notify(ud, it, ctx->now);
            break;
        case CT_ATT_CLOSED: log_line(ctx, CT_FLASH_INFO, "resolved", it); break;
        default: break;
        }
    }
    return n;
}

static size_t act_selected(ct_ui_ctx *ctx, bool ack)
{
    if (!ctx->attention || !ctx->selected_id[0]) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "select a call first");
        return 0;
    }
    size_t done = 0;
    const ct_att_item *it;
    while ((it = ct_attention_for_call(ctx->attention, ctx->selected_id))) {
        uint64_t id = it->id;
        bool ok = ack ? ct_attention_ack(ctx->attention, id, ctx->now)
                      : ct_attention_snooze(ctx->attention, id, CT_ATTN_SNOOZE_MS, ctx->now);
        if (!ok) break;
        log_line(ctx, ack ? CT_FLASH_OK : CT_FLASH_INFO, ack ? "acknowledged" : "snoozed 15m",
                 ct_attention_find(ctx->attention, id));
        done++;
    }
    if (!done) ct_ui_flash(ctx, CT_FLASH_INFO, "nothing needs attention on this call");
    else
        ct_ui_flash(ctx, CT_FLASH_OK, "%s %zu attention item%s", ack ? "acknowledged" : "snoozed",
                    done, done == 1 ? "" : "s");
    return done;
}

size_t ct_attn_ack_selected(ct_ui_ctx *ctx)
{
    return act_selected(ctx, true);
}
size_t ct_attn_snooze_selected(ct_ui_ctx *ctx)
{
    return act_selected(ctx, false);
}

const char *ct_attn_row_mark(const ct_ui_ctx *ctx, const char *call_id, char *buf, size_t cap)
{
    if (!ctx->attention || !call_id) return NULL;
    const ct_att_item *it = ct_attention_for_call(ctx->attention, call_id);
    if (!it) return NULL;
    /* the status column is 8 cells after the glyph: short words */
    static const char *const label[CT_ATT__COUNT] = {"hang",   "error",   "long",   "ringing",
                                                     "silent", "keyword", "failed", "down"};
    snprintf(buf, cap, "%s", it->rule < CT_ATT__COUNT ? label[it->rule] : "?");
    return buf;
}
