/* board.c — the board's panes, layout, key dispatch and event application.
 *
 * Layouts by terminal size:
 *   >= 150 x 24: list | details side by side
 *   >= 80 x 24:  list above details
 *   >= 40 x 10:  one pane at a time (Enter / Tab / Esc switch)
 *   smaller:     "terminal too small" and nothing else
 * The status bar is the first row and the footer (flash line or key hints)
 * the last, in every usable layout.
 *
 * Keys: the top modal pane takes every key; otherwise the focused pane gets
 * the key first, then the action table decides (tui/actions.h). A refused
 * action that would have opened a dialog opens the refusal box instead
 * (tui/refusal.h), so typed-ahead text never runs board commands.
 *
 * Events: besides applying them to the store, the board keeps the per-call
 * pending marks (ctx->marks, tui/pending.h: sent -> accepted -> cleared by
 * the call's next update) and names the assistants of calls that carry only
 * an id (tui/assistcache.h: one GET per id, names from webhooks too). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include "actions.h"
#include "calltop/hash.h"
#include "board.h"
#include "bulk_dialog.h"
#include "osc.h"
#include "dialog.h"
#include "draw.h"
#include "export.h"
#include "msglog.h"
#include "picker.h"
#include "refusal.h"
#include "attnpane.h"
#include "theme.h"

int ct_board_init(ct_board *b, ct_store *store, bool read_only, bool color)
{
    memset(b, 0, sizeof *b);
    ct_ui_ctx_init(&b->ctx);
    b->store = store;
    b->ctx.store = store;
    b->ctx.read_only = read_only;
    b->ctx.color = color;
    b->ctx.board = b;
    b->status.monitor = CT_MON_OFF;
    b->status_bar = ct_status_pane_new(&b->status);
    b->list = ct_list_pane_new(store);
    b->details = ct_details_pane_new();
    b->footer = ct_footer_pane_new();
    ct_tiles_init(&b->tiles);
    b->tiles_pane = ct_tiles_pane_new(&b->tiles);
    if (!b->status_bar || !b->list || !b->details || !b->footer || !b->tiles_pane) {
        ct_board_free(b);
        return -1;
    }
    if (ct_reducer_init(&b->reduce, store) != 0) {
        ct_board_free(b);
        return -1;
    }
    /* one copy of the channel state: the one the status bar shows */
    ct_reducer_bind_channel(&b->reduce, &b->status.monitor, &b->status.last_event_ms,
                            &b->status.polling);
    b->ctx.freshness = &b->reduce;
    b->ctx.view = ct_list_pane_model(b->list)->view;
    b->list->focused = true;
    return 0;
}

void ct_board_free(ct_board *b)
{
    while (b->n_modals) ct_board_close_modal(b);
    ct_pane_free(b->status_bar);
    ct_pane_free(b->list);
    ct_pane_free(b->details);
    ct_pane_free(b->footer);
    ct_pane_free(b->tiles_pane);
    b->status_bar = b->list = b->details = b->footer = b->tiles_pane = NULL;
    ct_reducer_free(&b->reduce);
}

static void place_modal(ct_board *b, ct_pane *p)
{
    int y, x, h, w;
    /* forms and dialogs size themselves within a 20 x 76 box; help lists
     * the whole action table and its sentences */
    bool help = p->ops->name && strcmp(p->ops->name, "help") == 0;
    ct_pane_center(LINES, COLS, help ? (int)ct_actions_count + 2 : 20, help ? 100 : 76, &y, &x, &h,
                   &w);
    if (p->ops->name && strcmp(p->ops->name, CT_BULK_PANE_NAME) == 0) /* a list of requests */
        ct_pane_center(LINES, COLS, 40, 130, &y, &x, &h, &w);
    if (ct_refusal_is(p)) /* a few lines: the board stays visible around it */
        ct_pane_center(LINES, COLS, CT_REFUSAL_H, CT_REFUSAL_W, &y, &x, &h, &w);
    ct_pane_resize(p, y, x, h, w);
    (void)b;
}

static void hide(ct_pane *p)
{
    /* a pane not shown in this layout keeps a 1x1 window off to the side;
     * its draw is skipped */
    p->h = 0;
}

void ct_board_layout(ct_board *b)
{
    int H = LINES, W = COLS;
    if (H < CT_BOARD_MIN_H || W < CT_BOARD_MIN_W) {
        b->layout = CT_LAYOUT_TOO_SMALL;
        b->full_redraw = true;
        return;
    }
    int body_y = 1, body_h = H - 2;
    ct_pane_resize(b->status_bar, 0, 0, 1, W);
    ct_pane_resize(b->footer, H - 1, 0, 1, W);
    if (W >= CT_BOARD_SIDE_W && H >= CT_BOARD_FULL_H) {
        b->layout = CT_LAYOUT_SIDE;
        int lw = W * 55 / 100;
        ct_pane_resize(b->list, body_y, 0, body_h, lw);
        ct_pane_resize(b->details, body_y, lw, body_h, W - lw);
    } else if (W >= CT_BOARD_FULL_W && H >= CT_BOARD_FULL_H) {
        b->layout = CT_LAYOUT_STACKED;
        int lh = body_h * 45 / 100;
        if (lh < 5) lh = 5;
        ct_pane_resize(b->list, body_y, 0, lh, W);
        ct_pane_resize(b->details, body_y + lh, 0, body_h - lh, W);
    } else {
        b->layout = CT_LAYOUT_SINGLE;
        ct_pane_resize(b->list, body_y, 0, body_h, W);
        ct_pane_resize(b->details, body_y, 0, body_h, W);
        if (b->single_details) hide(b->list);
        else hide(b->details);
    }
    /* the tiled view takes the whole body in every layout */
    if (b->tiled) {
        ct_pane_resize(b->tiles_pane, body_y, 0, body_h, W);
        hide(b->list);
        hide(b->details);
    } else {
        hide(b->tiles_pane);
    }
    for (int i = 0; i < b->n_modals; i++) place_modal(b, b->modals[i]);
    b->full_redraw = true;
}

static ct_pane *focused_pane(ct_board *b)
{
    if (b->tiled) return b->tiles_pane;
    if (b->layout == CT_LAYOUT_SINGLE) return b->single_details ? b->details : b->list;
    return b->focus ? b->details : b->list;
}

static void set_focus(ct_board *b, int focus)
{
    b->focus = focus;
    b->list->focused = focus == 0;
    b->details->focused = focus == 1;
}

static void show_single(ct_board *b, bool details)
{
    b->single_details = details;
    set_focus(b, details ? 1 : 0);
    ct_board_layout(b);
}

bool ct_board_push_modal(ct_board *b, ct_pane *p)
{
    if (!p) return false;
    if (b->n_modals == CT_BOARD_MAX_MODALS) {
        ct_pane_free(p);
        return false;
    }
    p->modal = true;
    b->modals[b->n_modals++] = p;
    place_modal(b, p);
    b->full_redraw = true;
    return true;
}

void ct_board_close_modal(ct_board *b)
{
    if (!b->n_modals) return;
    ct_pane *p = b->modals[--b->n_modals];
    ct_ui_pending_disown(&b->ctx, p);
    ct_pane_free(p);
    /* what the modal covered must be repainted */
    b->full_redraw = true;
}

static void sync_list(ct_board *b)
{
    ct_listmodel *lm = ct_list_pane_model(b->list);
    ct_listmodel_sync(lm, b->ctx.selected_id, sizeof b->ctx.selected_id, b->ctx.now);
}

static void draw_too_small(const ct_board *b)
{
    erase();
    const char *msg = "terminal too small";
    char need[64];
    snprintf(need, sizeof need, "need %dx%d, have %dx%d", CT_BOARD_MIN_W, CT_BOARD_MIN_H, COLS,
             LINES);
    int y = LINES / 2 - 1;
    if (y < 0) y = 0;
    mvaddnstr(y, 0, msg, COLS);
    if (LINES > 1) mvaddnstr(y + 1, 0, need, COLS);
    size_t pending = ct_ui_pending_count(&b->ctx);
    char q[64] = "q quits";
    if (pending && b->quit_armed) snprintf(q, sizeof q, "%zu pending: q again quits", pending);
    else if (pending) snprintf(q, sizeof q, "%zu pending: q q quits", pending);
    if (LINES > 2) mvaddnstr(y + 2, 0, q, COLS);
    wnoutrefresh(stdscr);
}

/* An accepted action whose call never updates (the relay is down and
 * nothing polls it) must not keep its mark, or q's question, forever. */
static void expire_marks(ct_board *b)
{
    size_t n = ct_pending_expire(&b->ctx.marks, b->ctx.now, CT_BOARD_MARK_EXPIRE_MS);
    if (n && b->ctx.log_hook)
        b->ctx.log_hook(b->ctx.log_ud, CT_FLASH_WARN, b->ctx.now,
                        "an accepted action saw no update of its call in 30 s; mark dropped");
}

/* ---- dirty tracking ----------------------------------------------------------
 * Most frames come from one event (a transcript line, a status change) or
 * a timer tick and change one pane, often one row: a pane whose inputs did
 * not move since its last draw is not drawn at all (its window, and
 * ncurses' copy of the screen, still hold what it showed). Keys, resizes
 * and closed modals make every pane stale, so only the event and timer
 * paths rely on these checks. */

static uint64_t marks_sig(const ct_pending *m)
{
    uint64_t h = CT_HASH_INIT;
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        const ct_pending_action *a = &m->a[i];
        uint64_t v[4] = {(uint64_t)a->state, a->request_id, (uint64_t)a->action,
                         (uint64_t)a->since};
        for (size_t k = 0; k < 4; k++) h = ct_hash_mix(h, v[k]);
    }
    return h;
}

static size_t list_visible(ct_listmodel *lm)
{
    size_t n = ct_listmodel_count(lm);
    size_t rows = lm->rows > 0 ? (size_t)lm->rows : 0;
    return lm->top < n ? (n - lm->top < rows ? n - lm->top : rows) : 0;
}

static bool list_changed(ct_board *b, uint64_t gen)
{
    const struct ct_board_drawn *d = &b->drawn;
    ct_listmodel *lm = ct_list_pane_model(b->list);
    if (d->list_due && b->ctx.now >= d->list_due) return true;
    /* the channel's state decides which live rows are unconfirmed */
    if (d->list_fresh != (int)b->status.monitor * 2 + b->status.polling) return true;
    if (lm->top != d->list_top || lm->sel != d->list_sel || lm->follow != d->list_follow)
        return true;
    if (gen == d->list_gen) return false;
    if (ct_listmodel_count(lm) != d->list_count || ct_store_count(b->store) != d->store_count)
        return true;
    size_t rows = list_visible(lm);
    if (rows != (size_t)d->n_rows || rows > sizeof d->rows / sizeof *d->rows) return true;
    for (size_t r = 0; r < rows; r++) {
        const ct_call_entry *e = ct_listmodel_row(lm, lm->top + r);
        if (e != d->rows[r] || !e || e->changed_gen > d->list_gen) return true;
    }
    return false;
}

static void list_drawn(ct_board *b, uint64_t gen)
{
    struct ct_board_drawn *d = &b->drawn;
    ct_listmodel *lm = ct_list_pane_model(b->list);
    d->list_gen = gen;
    d->list_fresh = (int)b->status.monitor * 2 + b->status.polling;
    d->list_top = lm->top;
    d->list_sel = lm->sel;
    d->list_follow = lm->follow;
    d->list_count = ct_listmodel_count(lm);
    d->store_count = ct_store_count(b->store);
    size_t rows = list_visible(lm), max = sizeof d->rows / sizeof *d->rows;
    d->n_rows = (int)rows;
    for (size_t r = 0; r < rows && r < max; r++) d->rows[r] = ct_listmodel_row(lm, lm->top + r);
    long t = ct_list_pane_timer_ms(b->list, b->ctx.now);
    d->list_due = t >= 0 ? b->ctx.now + t : 0;
}

static uint64_t details_gen(const ct_call_entry *e)
{
    return e ? e->changed_gen + 1 : 0;
}

static bool details_changed(ct_board *b)
{
    const struct ct_board_drawn *d = &b->drawn;
    if (strcmp(d->det_id, b->ctx.selected_id) != 0) return true;
    if (details_gen(ct_ui_selected(&b->ctx)) != d->det_gen) return true;
    return d->det_due && b->ctx.now >= d->det_due;
}

static void details_drawn(ct_board *b)
{
    struct ct_board_drawn *d = &b->drawn;
    snprintf(d->det_id, sizeof d->det_id, "%s", b->ctx.selected_id);
    d->det_gen = details_gen(ct_ui_selected(&b->ctx));
    long t = ct_details_pane_timer_ms(b->details, &b->ctx);
    d->det_due = t >= 0 ? b->ctx.now + t : 0;
}

void ct_board_stale(ct_board *b)
{
    b->status_bar->stale = b->list->stale = b->details->stale = b->footer->stale = true;
    b->tiles_pane->stale = true;
}

void ct_board_set_list_error(ct_board *b, const ct_error *e)
{
    char text[sizeof b->ctx.list_error];
    snprintf(text, sizeof text, "%s", e ? (e->detail[0] ? e->detail : ct_strerror(e->code)) : "");
    ct_err code = e ? e->code : CT_OK;
    if (strcmp(text, b->ctx.list_error) == 0 && code == b->ctx.list_error_code) return;
    memcpy(b->ctx.list_error, text, sizeof text);
    b->ctx.list_error_code = code;
    b->list->stale = true;
}

/* The recording URL in the details pane as an OSC 8 hyperlink: after the
 * frame, its cells are written again between the OSC 8 open and close,
 * inside DECSC / DECRC so ncurses' cursor and attributes stay as it left
 * them. Not while a modal covers the board (the text would draw over it);
 * every frame, as ncurses may have rewritten those cells plain. */
static void emit_links(ct_board *b)
{
    if (b->n_modals || !b->details->h || b->layout == CT_LAYOUT_TOO_SMALL) return;
    ct_screen_link links[8];
    const char *url = NULL;
    size_t n = ct_details_pane_links(b->details, links, 8, &url);
    char open[600], out[4096];
    if (!n || !ct_osc8_encode(url, open, sizeof open)) return;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + len, sizeof out - len, "\0337\033[%d;%dH%s%s\033]8;;\033\\\0338",
                         links[i].y + 1, links[i].x + 1, open, links[i].text);
        if (w < 0 || (size_t)w >= sizeof out - len) return; /* too long: no link at all */
        len += (size_t)w;
    }
    if (write(STDOUT_FILENO, out, len) < 0) return; /* a link is a nicety: nothing to do */
}

void ct_board_draw(ct_board *b)
{
    if (b->full_redraw) {
        /* After a resize or a closed modal, blank what no pane covers; the
         * panes redraw over it and doupdate still sends only the cells that
         * differ from the terminal. Only Ctrl-L (repaint) clears it. */
        werase(stdscr);
        wnoutrefresh(stdscr);
        b->full_redraw = false;
        ct_board_stale(b);
        if (b->repaint) {
            clearok(curscr, TRUE);
            b->repaint = false;
        }
    }
    expire_marks(b);
    /* the rows' freshness (ct_reduce_unconfirmed) reads the channel state
     * the loop may have changed since the last event: the reducer's channel
     * is bound to the status bar's (ct_reducer_bind_channel), one copy */
    if (b->reduce.hot_ms > 0) /* the loop judges the API's health (tests may set it) */
        b->status.api_down_since =
            ct_reduce_api_down_since(&b->reduce, b->ctx.now, &b->status.api_silent);
    if (b->layout == CT_LAYOUT_TOO_SMALL) {
        draw_too_small(b);
        doupdate();
        return;
    }
    sync_list(b);
    uint64_t gen = ct_store_generation(b->store);
    uint64_t msig = marks_sig(&b->ctx.marks);
    bool marks_moved = msig != b->drawn.marks_sig;
    b->drawn.marks_sig = msig;
    ct_pane_draw(b->status_bar, &b->ctx);
    if (b->list->h) {
        if (b->list->stale || marks_moved || list_changed(b, gen)) {
            ct_pane_draw(b->list, &b->ctx);
            list_drawn(b, gen);
            b->panes_drawn++;
        } else {
            b->panes_skipped++;
        }
    }
    if (b->details->h) {
        if (b->details->stale || marks_moved || details_changed(b)) {
            ct_pane_draw(b->details, &b->ctx);
            details_drawn(b);
            b->panes_drawn++;
        } else {
            b->panes_skipped++;
        }
    }
    if (b->tiled && b->tiles_pane->h) ct_pane_draw(b->tiles_pane, &b->ctx);
    ct_pane_draw(b->footer, &b->ctx);
    for (int i = 0; i < b->n_modals; i++) {
        /* modals overlap the panes: touch so they repaint over them */
        touchwin(b->modals[i]->win);
        ct_pane_draw(b->modals[i], &b->ctx);
    }
    b->drawn_gen = gen;
    doupdate();
    emit_links(b);
}

void ct_board_get_timers(ct_board *b, ct_board_timers *t)
{
    t->list_tick = t->details_tick = t->status_age = t->marks_expiry = t->clock_minute =
        t->flash_expiry = -1;
    if (b->layout == CT_LAYOUT_TOO_SMALL) return;
    if (b->list->h) t->list_tick = ct_list_pane_timer_ms(b->list, b->ctx.now);
    if (b->details->h) t->details_tick = ct_details_pane_timer_ms(b->details, &b->ctx);
    /* the tiled view hides the details: its durations tick instead */
    if (b->tiled && b->tiles_pane->h)
        t->details_tick = ct_tiles_pane_timer_ms(b->tiles_pane, &b->ctx);
    /* the status bar: the age of the last event (while LIVE in minutes,
     * which change with the HH:MM clock below), and the clock */
    if (b->status.last_event_ms && !(b->status.monitor == CT_MON_LIVE && !b->status.polling))
        t->status_age = ct_age_next_change_at(b->ctx.now, b->status.last_event_ms);
    /* the down banner counts its ages (and a rate-limit pause) in seconds */
    const ct_board_status *bs = &b->status;
    bool relay_down = bs->have_relay &&
        (bs->monitor == CT_MON_STALE || bs->monitor == CT_MON_RECONNECTING ||
         bs->monitor == CT_MON_POLLING);
    if (bs->api_down_since || bs->rate_limited_until > b->ctx.now ||
        (relay_down && bs->monitor_since)) {
        long tick = 1000 - (long)(b->ctx.now % 1000);
        if (t->status_age < 0 || tick < t->status_age) t->status_age = tick;
    }
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        const ct_pending_action *a = &b->ctx.marks.a[i];
        if (a->state != CT_PEND_ACCEPTED) continue;
        long d = (long)(a->since + CT_BOARD_MARK_EXPIRE_MS - b->ctx.now);
        if (d < 0) d = 0;
        if (t->marks_expiry < 0 || d < t->marks_expiry) t->marks_expiry = d;
    }
    t->clock_minute = 60000 - (long)(b->ctx.now % 60000);
    if (b->ctx.flash[0] && b->ctx.flash_until > b->ctx.now)
        t->flash_expiry = (long)(b->ctx.flash_until - b->ctx.now);
    t->attention = -1;
    if (b->ctx.attention && b->attn_due)
        t->attention = b->attn_due > b->ctx.now ? (long)(b->attn_due - b->ctx.now) : 0;
}

/* The attention rules' changes: log, notify, and redraw the marks. */
static void attention_changed(ct_board *b)
{
    if (ct_attn_render_changes(&b->ctx, b->attn_notify, b->attn_notify_ud)) ct_board_stale(b);
    /* an event may bring the next check closer (a new live call, a snooze) */
    ct_time_ms due = ct_attention_next_due(b->ctx.attention, b->store, b->ctx.now);
    if (due && (!b->attn_due || due < b->attn_due)) b->attn_due = due;
}

void ct_board_attention_tick(ct_board *b)
{
    if (!b->ctx.attention) return;
    bool went_back = b->ctx.now < b->attn_last;
    if (!went_back && (!b->attn_due || b->ctx.now < b->attn_due)) return;
    b->attn_last = b->ctx.now;
    b->attn_due = 0;
    ct_attention_tick(b->ctx.attention, b->store, b->ctx.now);
    attention_changed(b);
}

long ct_board_timer_ms(ct_board *b)
{
    ct_board_timers t;
    ct_board_get_timers(b, &t);
    long all[] = {t.list_tick,    t.details_tick, t.status_age, t.marks_expiry,
                  t.clock_minute, t.flash_expiry, t.attention};
    long due = -1;
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        if (all[i] >= 0 && (due < 0 || all[i] < due)) due = all[i];
    return due;
}

/* ---- actions ---------------------------------------------------------------- */

/* Refuses an action whose key would have opened a dialog (n e f s d m).
 * The user is probably typing ahead into that dialog, and on the bare
 * board those letters are commands (n: new call, x: a CSV, 1-8: sort, q:
 * quit). So the refusal is modal (tui/refusal.h): keys already buffered
 * are dropped and a box that swallows every key stays until Enter or Esc.
 * The reason is flashed too, which puts it in the message log. */
static void refuse(ct_board *b, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse(ct_board *b, const char *action, const char *fmt, ...)
{
    char reason[256], title[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    snprintf(title, sizeof title, "%s refused", action);
    ct_ui_flash(&b->ctx, CT_FLASH_WARN, "%s", reason);
    flushinp();
    ct_board_push_modal(b, ct_refusal_new(title, reason));
}

/* Opens a dialog pane, or refuses with the reason its constructor flashed
 * (NULL means it said no, or had no memory). */
static void open_or_refuse(ct_board *b, const char *action, ct_pane *p)
{
    if (p) {
        ct_board_push_modal(b, p);
        return;
    }
    refuse(b, action, "%s", b->ctx.flash[0] ? b->ctx.flash : "the dialog could not open");
}

static void open_control(ct_board *b, ct_action_id id)
{
    const ct_action *a = ct_action_get(id);
    if (!ct_action_allowed(a, b->ctx.read_only)) {
        refuse(b, a->name, "%s refused: calltop runs with --read-only", a->name);
        return;
    }
    /* in the tiled view, actions go to the focused tile */
    const ct_call_entry *e =
        b->tiled ? ct_store_get(b->store, ct_tiles_focused_id(&b->tiles)) : ct_ui_selected(&b->ctx);
    if (!e) {
        refuse(b, a->name, "%s: select a call first", a->name);
        return;
    }
    if (!ct_call_is_live(&e->call)) {
        refuse(b, a->name, "%s: the call is not live", a->name);
        return;
    }
    b->ctx.flash[0] = '\0'; /* so a NULL below reports its own reason */
    open_or_refuse(b, a->name,
                   ct_dialog_action(&b->ctx, (ct_control_action)ct_action_control(id), e->call.id));
}

/* Leaves the tiled view (w after the grid, Esc) or enters it / moves to
 * the next arrangement (w). */
static int tiles_view(ct_board *b, bool leave)
{
    if (leave || (b->tiled && b->tiles.arrangement == CT_TILES__ARR_COUNT - 1)) {
        b->tiled = false;
        b->tiles.arrangement = CT_TILES_SIDE;
    } else if (b->tiled) {
        ct_tiles_next_arrangement(&b->tiles);
    } else {
        b->tiled = true;
    }
    /* the focused tile is the selected call, as Tab keeps it */
    if (b->tiled && b->tiles.n) ct_ui_select(&b->ctx, ct_tiles_focused_id(&b->tiles));
    if (b->tiled)
        ct_ui_flash(&b->ctx, CT_FLASH_INFO, "tiles: %s (%d pinned)",
                    ct_tiles_arrangement_name(b->tiles.arrangement), b->tiles.n);
    ct_board_layout(b);
    return CT_FX_REDRAW_ALL;
}

/* p: pins the selected call, or in the tiled view unpins the focused tile. */
static int tiles_pin(ct_board *b)
{
    const char *call = b->tiled ? ct_tiles_focused_id(&b->tiles) : b->ctx.selected_id;
    if (!call[0]) {
        ct_ui_flash(&b->ctx, CT_FLASH_WARN, "pin: select a call first");
        return CT_FX_REDRAW;
    }
    char id_copy[CT_CALL_ID_BUF];
    snprintf(id_copy, sizeof id_copy, "%s", call);
    switch (ct_tiles_toggle_pin(&b->tiles, id_copy)) {
    case CT_PIN_ADDED:
        ct_ui_flash(&b->ctx, CT_FLASH_OK, "pinned %s (%d pinned; w shows the tiles)", id_copy,
                    b->tiles.n);
        break;
    case CT_PIN_REMOVED:
        ct_ui_flash(&b->ctx, CT_FLASH_INFO, "unpinned %s (%d pinned)", id_copy, b->tiles.n);
        if (b->tiled && b->tiles.n) ct_ui_select(&b->ctx, ct_tiles_focused_id(&b->tiles));
        break;
    case CT_PIN_FULL:
        ct_ui_flash(&b->ctx, CT_FLASH_WARN, "pin: %d calls are pinned already; unpin one first",
                    CT_TILES_MAX_PINNED);
        break;
    default: ct_ui_flash(&b->ctx, CT_FLASH_WARN, "pin: this call id cannot be pinned"); break;
    }
    return CT_FX_REDRAW_ALL;
}

static int do_action(ct_board *b, ct_action_id id, int key, const MEVENT *mouse)
{
    switch (id) {
    case CT_A_QUIT:
        if (ct_ui_pending_count(&b->ctx)) {
            ct_board_push_modal(b,
                                ct_dialog_confirm("Quit",
                                                  "A request is still pending. Quit anyway?",
                                                  CT_FX_QUIT_NOW));
            return CT_FX_REDRAW_ALL;
        }
        b->quit = true;
        return CT_FX_QUIT;
    case CT_A_HELP:
        ct_board_push_modal(b, ct_help_pane_new_replay(b->ctx.read_only, b->replay_action != NULL));
        return CT_FX_REDRAW_ALL;
    case CT_A_FOCUS_NEXT:
        if (b->layout == CT_LAYOUT_SINGLE) show_single(b, !b->single_details);
        else set_focus(b, !b->focus);
        return CT_FX_REDRAW_ALL;
    case CT_A_OPEN:
        if (b->layout == CT_LAYOUT_SINGLE) show_single(b, true);
        else set_focus(b, 1);
        return CT_FX_REDRAW_ALL;
    case CT_A_PIN: return tiles_pin(b);
    case CT_A_TILES: /* board -> side by side -> stacked -> grid -> board */
        return tiles_view(b, false);
    case CT_A_PICK_ASSISTANT:
    case CT_A_PICK_NUMBER:
        ct_board_push_modal(
            b,
            ct_picker_pane_new(id == CT_A_PICK_ASSISTANT ? CT_PICK_ASSISTANT : CT_PICK_NUMBER,
                               b->store, ct_list_pane_model(b->list)));
        return CT_FX_REDRAW_ALL;
    case CT_A_BACK:
        if (b->tiled) return tiles_view(b, true);
        if (b->layout == CT_LAYOUT_SINGLE && b->single_details) show_single(b, false);
        else set_focus(b, 0);
        return CT_FX_REDRAW_ALL;
    case CT_A_NEW_CALL:
        if (b->ctx.read_only) {
            refuse(b, "new call", "new call refused: calltop runs with --read-only");
            return CT_FX_REDRAW_ALL;
        }
        b->ctx.flash[0] = '\0';
        open_or_refuse(b, "new call", ct_form_new_call(&b->ctx));
        return CT_FX_REDRAW_ALL;
    case CT_A_END:
    case CT_A_FORWARD:
    case CT_A_SAY:
    case CT_A_DTMF:
    case CT_A_SMS: open_control(b, id); return CT_FX_REDRAW_ALL;
    case CT_A_COPY_ID: {
        const ct_call_entry *e = ct_ui_selected(&b->ctx);
        if (!e || !e->call.id) {
            ct_ui_flash(&b->ctx, CT_FLASH_WARN, "select a call first");
            return CT_FX_REDRAW;
        }
        /* straight to the terminal: the sequence moves no cursor and draws
         * no cell, so ncurses' idea of the screen stays true */
        const char *tmux = getenv("TMUX");
        char seq[CT_CALL_ID_BUF * 2 + 64];
        size_t n = ct_osc52_encode(e->call.id, tmux && *tmux, seq, sizeof seq);
        if (n && write(STDOUT_FILENO, seq, n) != (ssize_t)n)
            ct_ui_flash(&b->ctx, CT_FLASH_WARN, "the copy sequence could not be written");
        else
            ct_ui_flash(&b->ctx, CT_FLASH_OK, "copied the call id %s (OSC 52)", b->ctx.selected_id);
        return CT_FX_REDRAW;
    }
    case CT_A_BULK_END:
    case CT_A_BULK_SAY: {
        const char *what = id == CT_A_BULK_END ? "bulk end" : "bulk say";
        if (b->ctx.read_only) {
            refuse(b, what, "%s refused: calltop runs with --read-only", what);
            return CT_FX_REDRAW_ALL;
        }
        b->ctx.flash[0] = '\0';
        open_or_refuse(
            b, what,
            ct_bulk_dialog_new(&b->ctx, id == CT_A_BULK_END ? CT_ACTION_END : CT_ACTION_SAY));
        return CT_FX_REDRAW_ALL;
    }
    case CT_A_EXPORT_CSV: {
        char path[512];
        size_t rows = 0;
        ct_error err;
        ct_error_clear(&err);
        if (ct_export_view_to_file(ct_list_pane_model(b->list)->view, b->ctx.now, path, sizeof path,
                                   &rows, &err) == CT_OK)
            ct_ui_flash(&b->ctx, CT_FLASH_OK, "exported %zu calls to %s", rows, path);
        else ct_ui_flash(&b->ctx, CT_FLASH_ERROR, "export failed: %s", err.detail);
        return CT_FX_REDRAW;
    }
    case CT_A_EXPORT_TEXT: {
        const ct_call_entry *e = ct_ui_selected(&b->ctx);
        char path[512];
        ct_error err;
        ct_error_clear(&err);
        if (!e) {
            ct_ui_flash(&b->ctx, CT_FLASH_WARN, "select a call first");
            return CT_FX_REDRAW;
        }
        if (ct_export_transcript_to_file(e, b->ctx.now, path, sizeof path, &err) == CT_OK)
            ct_ui_flash(&b->ctx, CT_FLASH_OK, "transcript saved to %s", path);
        else ct_ui_flash(&b->ctx, CT_FLASH_ERROR, "export failed: %s", err.detail);
        return CT_FX_REDRAW;
    }
    case CT_A_ATTENTION: ct_board_push_modal(b, ct_attn_pane_new()); return CT_FX_REDRAW_ALL;
    case CT_A_ACK: ct_attn_ack_selected(&b->ctx); return CT_FX_REDRAW_ALL;
    case CT_A_SNOOZE: ct_attn_snooze_selected(&b->ctx); return CT_FX_REDRAW_ALL;
    case CT_A_MSGLOG:
        if (!b->msglog) return 0;
        ct_board_push_modal(b, ct_msglog_pane_new(b->msglog));
        return CT_FX_REDRAW_ALL;
    case CT_A_REFRESH:
        b->want_refresh = true;
        ct_ui_flash(&b->ctx, CT_FLASH_INFO, "refreshing the call list");
        return CT_FX_REDRAW;
    case CT_A_REDRAW:
        b->full_redraw = true;
        b->repaint = true;
        return CT_FX_REDRAW_ALL;
    case CT_A_SEARCH:
    case CT_A_FILTER:
    case CT_A_SORT_NEXT:
    case CT_A_SORT_REVERSE:
    case CT_A_SORT_COLUMN:
    case CT_A_FOLLOW:
        /* list commands work whichever pane has the focus */
        return ct_pane_key(b->list, &b->ctx, key, mouse);
    case CT_A_REPLAY_PLAY:
    case CT_A_REPLAY_FASTER:
    case CT_A_REPLAY_SLOWER:
    case CT_A_REPLAY_STEP:
    case CT_A_REPLAY_SEEK: return b->replay_action ? b->replay_action(b->replay_ud, id) : 0;
    case CT_A_NONE:
        /* A typed letter that does nothing says so, instead of nothing at
         * all (mouse, resize and other non-printing codes stay silent). */
        if (key >= 0x20 && key < 0x7f && !mouse) {
            ct_ui_flash(&b->ctx, CT_FLASH_INFO, "'%c' does nothing here: ? lists the keys",
                        (char)key);
            return CT_FX_REDRAW_ALL;
        }
        return 0;
    default: return 0;
    }
}

static int after_modal_fx(ct_board *b, int fx)
{
    if (fx & CT_FX_QUIT_NOW) {
        b->quit = true;
        return fx | CT_FX_QUIT;
    }
    if (fx & CT_FX_CLOSE) ct_board_close_modal(b);
    /* a modal chose a call (the attention view's Enter): show it, stop following */
    if (fx & CT_FX_SELECT) ct_list_pane_model(b->list)->follow = false;
    return fx;
}

int ct_board_key(ct_board *b, int key, const MEVENT *mouse)
{
    /* a key may move anything (selection, scroll, focus, search): the
     * next frame draws every pane */
    ct_board_stale(b);
    if (key == KEY_RESIZE) {
        ct_board_layout(b);
        return CT_FX_REDRAW_ALL;
    }
    if (b->layout == CT_LAYOUT_TOO_SMALL) {
        /* no room for the quit question: with something pending, q must
         * be pressed twice (the screen says so) */
        if (key != 'q') {
            b->quit_armed = false;
            return 0;
        }
        if (ct_ui_pending_count(&b->ctx) && !b->quit_armed) {
            b->quit_armed = true;
            return CT_FX_REDRAW_ALL;
        }
        b->quit = true;
        return CT_FX_QUIT;
    }
    if (b->n_modals) {
        ct_pane *top = b->modals[b->n_modals - 1];
        int fx = ct_pane_key(top, &b->ctx, key, mouse);
        if (!fx && key == CT_KEY_ESC) fx = CT_FX_CLOSE; /* a modal always closes on Esc */
        return after_modal_fx(b, fx) | CT_FX_REDRAW_ALL;
    }
    if (key == KEY_MOUSE && mouse) {
        /* click or wheel over a pane focuses it and goes to it */
        ct_pane *target = NULL;
        int r, c;
        if (b->list->h && ct_pane_mouse_local(b->list, mouse, &r, &c)) target = b->list;
        else if (b->details->h && ct_pane_mouse_local(b->details, mouse, &r, &c))
            target = b->details;
        if (!target) return 0;
        if (b->layout != CT_LAYOUT_SINGLE) set_focus(b, target == b->details);
        return ct_pane_key(target, &b->ctx, key, mouse) | CT_FX_REDRAW_ALL;
    }
    int fx = ct_pane_key(focused_pane(b), &b->ctx, key, mouse);
    if (fx & CT_FX_HANDLED) return fx;
    return do_action(b, ct_action_for_key(key), key, mouse) | fx;
}

/* ---- events ------------------------------------------------------------------ */

static void route_to_owner(ct_board *b, const ct_event *ev)
{
    ct_ui_pending *pend = ct_ui_pending_find(&b->ctx, ev->request_id);
    if (!pend) return;
    ct_pane *owner = pend->owner;
    ct_control_action action = pend->action;
    ct_request_kind kind = pend->kind;
    ct_ui_pending_done(&b->ctx, ev->request_id);
    if (ev->type == CT_EV_CONTROL_DONE)
        ct_ui_flash(&b->ctx, CT_FLASH_OK, "%s accepted", ct_control_action_name(action));
    else if (ev->type == CT_EV_REQUEST_FAILED && kind == CT_REQ_CONTROL)
        ct_ui_flash(&b->ctx, CT_FLASH_ERROR, "%s failed: %s", ct_control_action_name(action),
                    ev->error.detail[0] ? ev->error.detail : ct_strerror(ev->error.code));
    else if (ev->type == CT_EV_CALL_PLACED)
        ct_ui_flash(&b->ctx, CT_FLASH_OK, "call placed: %s", ev->call.id ? ev->call.id : "");
    else if (ev->type == CT_EV_REQUEST_FAILED)
        ct_ui_flash(&b->ctx, CT_FLASH_ERROR, "request failed: %s",
                    ev->error.detail[0] ? ev->error.detail : ct_strerror(ev->error.code));
    for (int i = b->n_modals - 1; owner && i >= 0; i--) {
        if (b->modals[i] != owner) continue;
        if (owner->ops->on_event) {
            int fx = owner->ops->on_event(owner, &b->ctx, ev);
            if ((fx & CT_FX_CLOSE) && i == b->n_modals - 1) ct_board_close_modal(b);
        }
        break;
    }
}

/* The relay's update can beat the control request's HTTP answer: the call
 * may already show an end or a forward when the acceptance arrives, and no
 * further update would come to confirm it. say / dtmf / sms leave no state
 * to look at; their next update confirms them. */
static bool effect_visible(ct_control_action action, const ct_call_entry *e)
{
    if (!e) return false;
    switch (action) {
    case CT_ACTION_END: return !ct_call_is_live(&e->call);
    case CT_ACTION_FORWARD:
        return e->call.status == CT_STATUS_FORWARDED || !ct_call_is_live(&e->call);
    default: return false;
    }
}

/* An accepted action's mark goes when the store changed its call after the
 * acceptance (gen0: the store generation before this event's changes). */
static void confirm_marks(ct_board *b, uint64_t gen0)
{
    for (size_t i = 0; i < CT_PENDING_MAX; i++) {
        const ct_pending_action *a = &b->ctx.marks.a[i];
        if (a->state != CT_PEND_ACCEPTED) continue;
        const ct_call_entry *e = ct_store_get(b->store, a->call_id);
        if (e && e->changed_gen > gen0) ct_pending_call_updated(&b->ctx.marks, a->call_id);
    }
}

/* A request a pane or the loop sent (not one of the reducer's own reads)
 * failed: its mark, a flash unless its pane will say it, its pane. */
static void request_failed(ct_board *b, const ct_event *ev)
{
    ct_pending_failed(&b->ctx.marks, ev->request_id, NULL);
    if (!ct_ui_pending_find(&b->ctx, ev->request_id) && ev->error.code != CT_ECANCELLED)
        ct_ui_flash(&b->ctx, CT_FLASH_ERROR, "%s",
                    ev->error.detail[0] ? ev->error.detail : ct_strerror(ev->error.code));
    route_to_owner(b, ev);
}

static void request_done(ct_board *b, const ct_event *ev)
{
    /* the mark stays after acceptance until the call's next update */
    if (ev->type == CT_EV_CONTROL_DONE) {
        const ct_pending_action *a = ct_pending_accepted(&b->ctx.marks, ev->request_id, b->ctx.now);
        if (a && effect_visible(a->action, ct_store_get(b->store, a->call_id)))
            ct_pending_call_updated(&b->ctx.marks, a->call_id);
    }
    route_to_owner(b, ev);
}

_Static_assert((int)CT_FXL_INFO == (int)CT_FLASH_INFO && (int)CT_FXL_OK == (int)CT_FLASH_OK &&
                   (int)CT_FXL_WARN == (int)CT_FLASH_WARN &&
                   (int)CT_FXL_ERROR == (int)CT_FLASH_ERROR,
               "the reducer's flash levels are the flash line's");

/* Renders one effect of the reducer (calltop/reduce.h). Effects about calls
 * need nothing here: the panes redraw from the store's generation. */
static void render_effect(ct_board *b, const ct_event *ev, const ct_effect *fx)
{
    ct_ui_ctx *ctx = &b->ctx;
    switch (fx->kind) {
    case CT_EFF_FLASH: ct_ui_flash(ctx, (ct_flash_level)fx->level, "%s", fx->text); break;
    case CT_EFF_LOG:
        if (ctx->log_hook)
            ctx->log_hook(ctx->log_ud, (ct_flash_level)fx->level, ctx->now, fx->text);
        break;
    case CT_EFF_SELECT:
        ct_ui_select(ctx, fx->call_id);
        ct_list_pane_model(b->list)->follow = false;
        break;
    case CT_EFF_RESYNC: b->want_refresh = true; break;
    case CT_EFF_RECONCILE: b->want_reconcile = true; break;
    case CT_EFF_RECHECK:
        if (b->n_recheck < CT_REDUCE_MAX_RECHECKS)
            snprintf(b->recheck_ids[b->n_recheck++], CT_CALL_ID_BUF, "%s", fx->call_id);
        break;
    case CT_EFF_NUMBERS: ctx->numbers = &b->reduce.numbers; break;
    case CT_EFF_LIST_ERROR: ct_board_set_list_error(b, fx->error); break;
    case CT_EFF_REQUEST_DONE: request_done(b, ev); break;
    case CT_EFF_REQUEST_FAILED: request_failed(b, ev); break;
    case CT_EFF_FETCH_ASSISTANT: {
        ct_error err;
        ct_error_clear(&err);
        uint64_t rid = b->fetch_assistant ? b->fetch_assistant(b->fetch_ud, fx->text, &err) : 0;
        ct_reduce_assistant_sent(&b->reduce, fx->text, rid, ctx->now);
        break;
    }
    case CT_EFF_CALL_NOT_VISIBLE:
        if (ctx->log_hook) {
            char line[256];
            snprintf(line, sizeof line,
                     "call %.64s: 404 from the API, kept: the live channel reports it",
                     fx->call_id);
            ctx->log_hook(ctx->log_ud, CT_FLASH_WARN, ctx->now, line);
        }
        break;
    default: break;
    }
}

void ct_board_event(ct_board *b, ct_event *ev)
{
    ct_time_ms now = b->ctx.now;
    uint64_t gen0 = ct_store_generation(b->store);
    /* the channel state the reducer updates is the status bar's (bound) */
    const ct_effects *fx = ct_reduce_apply(&b->reduce, ev, now);
    b->status.monitor_since = b->reduce.monitor_since;
    b->status.relay_index = b->reduce.relay_index;
    b->status.relay_count = b->reduce.relay_count;
    b->status.relay_not_live = b->reduce.relay_not_live;
    b->status.api_last_ok = b->reduce.api_last_ok;
    b->status.rate_limited_until = b->reduce.rate_limited_until;
    for (size_t i = 0; i < fx->n; i++) render_effect(b, ev, &fx->v[i]);
    if (b->ctx.attention) {
        /* the rules read the same effects, before they are trimmed */
        ct_attention_observe(b->ctx.attention, b->store, ev, fx, now);
        attention_changed(b);
    }
    ct_reducer_trim(&b->reduce); /* fx is gone from here on */
    /* only the server's data confirms an action: these events carry it */
    if ((ev->type == CT_EV_CALLS_LISTED || ev->type == CT_EV_MONITOR_SNAPSHOT ||
         ev->type == CT_EV_CALL_FETCHED || ev->type == CT_EV_MONITOR_UPDATE) &&
        ct_store_generation(b->store) != gen0)
        confirm_marks(b, gen0);
}

char *ct_board_screen_text(void)
{
    size_t cap = (size_t)(LINES * (COLS * 4 + 1) + 1), len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    wchar_t *wbuf = malloc(((size_t)COLS + 1) * sizeof *wbuf);
    if (!wbuf) {
        free(out);
        return NULL;
    }
    for (int y = 0; y < LINES; y++) {
        int n = mvwinnwstr(curscr, y, 0, wbuf, COLS);
        if (n < 0) n = 0;
        wbuf[n] = L'\0';
        char line[4096];
        size_t m = wcstombs(line, wbuf, sizeof line - 1);
        if (m == (size_t)-1) m = 0;
        line[m] = '\0';
        while (m > 0 && line[m - 1] == ' ') line[--m] = '\0';
        if (len + m + 2 > cap) break;
        memcpy(out + len, line, m);
        len += m;
        out[len++] = '\n';
    }
    out[len] = '\0';
    free(wbuf);
    return out;
}
