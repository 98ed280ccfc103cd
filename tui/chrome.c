/* chrome.c — the board's frame: the status bar (account, live-channel state
 * and age of the last event, counts by status, memory cap, clock), the
 * footer (flash line or key hints, from the action table) and the help
 * screen (also from the action table). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actions.h"
#include "board.h"
#include "calltop/attention.h"
#include "draw.h"
#include "theme.h"

/* The bars are drawn every frame but write their window only when their
 * text changed (or the pane is stale): most frames change neither. */
typedef struct bar_state {
    const ct_board_status *bs; /* the status bar's input; NULL for the footer */
    char drawn[1024];          /* what the window shows, as a key */
} bar_state;

/* True (and remembers the key) when the bar must be written. */
static bool bar_changed(ct_pane *p, const char *key)
{
    bar_state *st = p->state;
    if (!p->stale && strcmp(st->drawn, key) == 0) return false;
    snprintf(st->drawn, sizeof st->drawn, "%s", key);
    return true;
}

/* ---- status bar ------------------------------------------------------------ */

/* What the status bar says, before it is fitted to the width. */
typedef struct status_text {
    bool demo, read_only, cap_reached;
    const char *host, *chan;
    const char *replay;  /* "" live */
    const char *down[2]; /* the down banner at two levels of detail ("" = all up) */
    size_t live, queued, fwd, done, kept, evicted, max_calls;
    size_t attention; /* open attention items (kept at every level) */
} status_text;

#define STATUS_LEVELS 4

/* The status bar's left part at a level of detail: 0 says everything; each
 * level gives up what an operator misses least at that width — the word
 * "calls" and spelled-out counts (1), where the cap is when it is not
 * reached (2), the API host (3), the program's name (4). The channel state,
 * the counts and a reached cap stay at every level. */
typedef struct sbuf {
    char *p;
    size_t cap, len;
} sbuf;

/* Appends to b, cutting at its end. */
static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0) b->len = (size_t)n < b->cap - b->len ? b->len + (size_t)n : b->cap - 1;
}

static void compose_status(const status_text *st, int level, char *out, size_t cap)
{
    sbuf b = {out, cap, 0};
#define PUT(...) put(&b, __VA_ARGS__)
    out[0] = '\0';
    if (level < 4) PUT(" calltop%s", st->demo ? " (demo)" : "");
    if (level < 3 && st->host[0]) PUT(" %s", st->host);
    if (st->replay[0]) PUT(" %s", st->replay); /* --replay: at every level */
    else if (st->read_only) PUT(" [read-only]");
    PUT("%s%s", level < 4 ? " | " : " ", st->chan);
    if (st->attention) PUT(level == 0 ? " | ! %zu attention" : " | !%zu", st->attention);
    if (st->down[0][0]) PUT(" | %s", st->down[level < 2 ? 0 : 1]);
    if (level == 0)
        PUT(" | live %zu  queued %zu  fwd %zu  done %zu", st->live, st->queued, st->fwd, st->done);
    else PUT(" | live %zu q %zu fwd %zu done %zu", st->live, st->queued, st->fwd, st->done);
    if (st->cap_reached) {
        if (level == 0) PUT(" | CAP: %zu calls kept, %zu evicted", st->kept, st->evicted);
        else PUT(" | CAP %zu, %zu evicted", st->kept, st->evicted);
    } else if (st->max_calls && level < 2) {
        /* memory is bounded by the call cap: say where the bound is */
        if (level == 0) PUT(" | max %zu calls", st->max_calls);
        else PUT(" | max %zu", st->max_calls);
    }
#undef PUT
}

/* The down banner (issue 11): what is down, since when, the last good
 * read; persistent while it lasts, "!!" so it reads without colour.
 * full: every detail; brief: what and for how long. */
static void compose_down(const ct_board_status *bs, ct_time_ms now, char *full, size_t fcap,
                         char *brief, size_t bcap)
{
    sbuf f = {full, fcap, 0}, b = {brief, bcap, 0};
    full[0] = brief[0] = '\0';
    char since[16], age[16], good[16];
    if (bs->api_down_since) {
        ct_fmt_clock(bs->api_down_since, since, sizeof since);
        ct_fmt_age(now - bs->api_down_since, age, sizeof age);
        if (bs->api_last_ok) ct_fmt_clock(bs->api_last_ok, good, sizeof good);
        else snprintf(good, sizeof good, "none");
        const char *what = bs->api_silent ? "API NOT ANSWERING" : "API DOWN";
        put(&f, "!! %s since %s (%s), last good read %s", what, since, age, good);
        put(&b, "!! %s %s", what, age);
    }
    bool relay_down = bs->have_relay &&
        (bs->monitor == CT_MON_STALE || bs->monitor == CT_MON_RECONNECTING ||
         bs->monitor == CT_MON_POLLING);
    if (relay_down) {
        /* A relay that says it cannot vouch for its events (it lost its
         * log) is not silent: say which, so nobody hunts a network fault. */
        const char *what = bs->monitor != CT_MON_STALE ? "RELAY DOWN"
            : bs->relay_not_live                       ? "RELAY NOT CURRENT"
                                                       : "RELAY SILENT";
        put(&f, "%s%s", f.len ? ", " : "!! ", what);
        put(&b, "%s%s", b.len ? ", " : "!! ", what);
        if (bs->monitor_since) {
            ct_fmt_clock(bs->monitor_since, since, sizeof since);
            ct_fmt_age(now - bs->monitor_since, age, sizeof age);
            put(&f, " since %s (%s)", since, age);
            put(&b, " %s", age);
        }
        if (bs->last_event_ms) {
            ct_fmt_clock(bs->last_event_ms, good, sizeof good);
            put(&f, ", last event %s", good);
        }
    }
    if (bs->rate_limited_until > now) {
        long secs = (long)((bs->rate_limited_until - now + 999) / 1000);
        put(&f, "%srate limited, resuming in %lds", f.len ? ", " : "!! ", secs);
        put(&b, "%srate limited %lds", b.len ? ", " : "!! ", secs);
    }
    if (f.len) put(&f, " !!");
    if (b.len) put(&b, " !!");
}

static void status_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    const ct_board_status *bs = ((bar_state *)p->state)->bs;
    char left[512], chan[96], age[16], clock[16];
    size_t counts[CT_STATUS_OTHER + 1] = {0};
    ct_store_status_counts(ctx->store, counts);

    const char *state = bs->polling ? "POLLING" : ct_monitor_state_name(bs->monitor);
    char which[48];
    if (bs->relay_count > 1 && !bs->polling) {
        /* several relays: say which one the channel is on */
        snprintf(which, sizeof which, "%s relay %d/%d", state, bs->relay_index, bs->relay_count);
        state = which;
    }
    if (bs->last_event_ms) {
        /* LIVE is the quiet state: a seconds age would wake an idle board
         * every second for a minute after each event, so it shows minutes
         * ("<1m", "3m"), changing with the HH:MM clock. The states an
         * operator watches (STALE, RECONNECTING, ...) keep seconds. */
        if (bs->monitor == CT_MON_LIVE && !bs->polling)
            ct_age_coarse(ctx->now, bs->last_event_ms, age, sizeof age);
        else ct_fmt_age(ct_age_shown_ms(ctx->now, bs->last_event_ms), age, sizeof age);
        snprintf(chan, sizeof chan, "%s %s", state, age);
    } else {
        snprintf(chan, sizeof chan, "%s", state);
    }
    /* HH:MM: a seconds clock would wake an idle board every second */
    ct_fmt_clock(ctx->now, clock, sizeof clock);
    clock[5] = '\0';
    int cw = (int)strlen(clock) + 2;
    int lw = p->w - cw > 0 ? p->w - cw : p->w;
    /* the account is the API origin: a key has no readable name */
    const char *host = ctx->base_url ? ctx->base_url : "";
    const char *scheme = strstr(host, "://");
    if (scheme) host = scheme + 3;
    char down_full[256], down_brief[96];
    compose_down(bs, ctx->now, down_full, sizeof down_full, down_brief, sizeof down_brief);
    status_text st = {
        .demo = bs->demo,
        .read_only = ctx->read_only,
        .host = host,
        .chan = chan,
        .replay = bs->replay,
        .down = {down_full, down_brief},
        .live = counts[CT_STATUS_ONGOING],
        .queued = counts[CT_STATUS_QUEUED],
        .fwd = counts[CT_STATUS_FORWARDED],
        .done = counts[CT_STATUS_FINISHED],
        .cap_reached = ct_store_cap_reached(ctx->store),
        .kept = ct_store_count(ctx->store),
        .evicted = ct_store_evicted(ctx->store),
        .max_calls = bs->max_calls,
        .attention = ctx->attention ? ct_attention_open_count(ctx->attention) : 0,
    };
    /* the most complete text that fits; the last level is cut if need be */
    for (int level = 0; level <= STATUS_LEVELS; level++) {
        compose_status(&st, level, left, sizeof left);
        if (ct_text_width(left) <= lw) break;
    }
    char key[1024];
    snprintf(key, sizeof key, "%s\x1f%s\x1f%d%d", left, clock, (int)bs->monitor, (int)bs->polling);
    if (!bar_changed(p, key)) return;

    attr_t bar = ct_theme_attr(CT_TH_STATUSBAR);
    werase(p->win);
    ct_draw_fill(p->win, 0, 0, p->w, bar);
    /* base_url comes from the user's config, but sanitize anyway */
    ct_draw_cell(p->win, 0, 0, lw, left, CT_ALIGN_LEFT, bar, false);
    if (p->w - cw > 10)
        ct_draw_cell(p->win, 0, p->w - cw + 1, cw - 1, clock, CT_ALIGN_LEFT, bar, true);
    /* The channel state is what an operator checks first: make it stand out
     * when it is not LIVE, by attribute as well as colour. */
    if (bs->monitor != CT_MON_LIVE || bs->polling) {
        char *at = strstr(left, chan);
        if (at) {
            int x = ct_text_width_n(left, (size_t)(at - left));
            ct_theme_role r = bs->monitor == CT_MON_RECONNECTING || bs->monitor == CT_MON_STALE
                ? CT_TH_WARN
                : CT_TH_INFO;
            if (x < lw)
                ct_draw_cell(p->win, 0, x,
                             ct_text_width(chan) < lw - x ? ct_text_width(chan) : lw - x, chan,
                             CT_ALIGN_LEFT, ct_theme_attr(r) | A_BOLD | A_REVERSE, true);
        }
    }
    /* the down banner stands out the most */
    for (int i = 0; i < 2 && down_full[0]; i++) {
        const char *d = st.down[i];
        char *at = strstr(left, d);
        if (!at) continue;
        int x = ct_text_width_n(left, (size_t)(at - left));
        if (x < lw)
            ct_draw_cell(p->win, 0, x, ct_text_width(d) < lw - x ? ct_text_width(d) : lw - x, d,
                         CT_ALIGN_LEFT, ct_theme_attr(CT_TH_ERROR) | A_BOLD | A_REVERSE, true);
        break;
    }
    wnoutrefresh(p->win);
}

/* One row; everything is computed at draw time. */
static void bar_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void bar_destroy(ct_pane *p)
{
    free(p->state);
}

static const ct_pane_ops status_ops = {
    .name = "status", .draw = status_draw, .resize = bar_resize, .destroy = bar_destroy};

static ct_pane *bar_new(const ct_pane_ops *ops, const ct_board_status *bs)
{
    bar_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->bs = bs;
    ct_pane *p = ct_pane_new(ops, st);
    if (!p) free(st);
    return p;
}

ct_pane *ct_status_pane_new(const ct_board_status *st)
{
    return bar_new(&status_ops, st);
}

/* ---- footer: flash line or key hints ------------------------------------- */

static void footer_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    size_t pending = ct_ui_pending_count(ctx);
    char right[32] = "";
    if (pending) snprintf(right, sizeof right, " %zu pending ", pending);
    bool flash = ctx->flash[0] && ctx->now < ctx->flash_until;
    char key[512];
    snprintf(key, sizeof key, "%s\x1f%d%d%s", right, (int)ctx->read_only,
             flash ? (int)ctx->flash_level : -1, flash ? ctx->flash : "");
    if (!bar_changed(p, key)) return;
    werase(p->win);
    int rw = (int)strlen(right);
    int lw = p->w - rw;
    if (lw < 1) {
        lw = p->w;
        rw = 0;
    }
    if (flash) {
        static const ct_theme_role roles[] = {CT_TH_INFO, CT_TH_OK, CT_TH_WARN, CT_TH_ERROR};
        /* flash text may quote a server message: not trusted */
        ct_draw_cell(p->win, 0, 0, lw, ctx->flash, CT_ALIGN_LEFT,
                     ct_theme_attr(roles[ctx->flash_level & 3]), false);
    } else {
        char hints[512];
        ct_action_hint_line(hints, sizeof hints, lw - 1, ctx->read_only);
        ct_draw_cell(p->win, 0, 1, lw - 1, hints, CT_ALIGN_LEFT, ct_theme_attr(CT_TH_KEY), true);
    }
    if (rw)
        ct_draw_cell(p->win, 0, lw, rw, right, CT_ALIGN_LEFT,
                     ct_theme_attr(CT_TH_PENDING) | A_REVERSE, true);
    wnoutrefresh(p->win);
}

static const ct_pane_ops footer_ops = {
    .name = "footer", .draw = footer_draw, .resize = bar_resize, .destroy = bar_destroy};

ct_pane *ct_footer_pane_new(void)
{
    return bar_new(&footer_ops, NULL);
}

/* ---- help ------------------------------------------------------------------ */

typedef struct help_state {
    bool read_only, replay;
    int top;
} help_state;

/* The help text's column: what is left of the box after the key column. */
static int help_text_cols(const ct_pane *p)
{
    return p->w - 18 > 1 ? p->w - 18 : 1;
}

/* After the keys, a blank row, then the notes of actions.c (status glyph
 * legend, mouse) with a blank row before the mouse. */
static const ct_theme_role glyph_roles[CT_GLYPH__COUNT] = {
    [CT_GLYPH_LIVE] = CT_TH_LIVE,         [CT_GLYPH_QUEUED] = CT_TH_QUEUED,
    [CT_GLYPH_RINGING] = CT_TH_QUEUED,    [CT_GLYPH_FORWARDED] = CT_TH_FORWARDED,
    [CT_GLYPH_FINISHED] = CT_TH_FINISHED, [CT_GLYPH_FAILED] = CT_TH_FAILED,
    [CT_GLYPH_PENDING] = CT_TH_PENDING,   [CT_GLYPH_HANG] = CT_TH_HANG,
    [CT_GLYPH_UNKNOWN] = CT_TH_NORMAL,    [CT_GLYPH_UNCONFIRMED] = CT_TH_LIVE,
};
#define N_HELP_EXTRAS (ct_help_notes_count + 2) /* + the blank rows */

/* Help item i (actions allowed in this mode, then the extras): its key
 * column, text and attribute. False past the end. */
static bool help_item(const help_state *hs, size_t i, const char **label, const char **text,
                      attr_t *attr, attr_t *label_attr)
{
    for (size_t k = 0; k < ct_actions_count; k++) {
        const ct_action *a = &ct_actions[k];
        if (!ct_action_allowed(a, hs->read_only)) continue;
        if ((a->flags & CT_AF_REPLAY) && !hs->replay) continue;
        if (i-- == 0) {
            *label = ct_theme_is_utf8() ? a->key_label : a->key_label_ascii;
            *text = a->help;
            *attr = ct_action_destructive(a) ? ct_theme_attr(CT_TH_DESTRUCTIVE) : A_NORMAL;
            *label_attr = ct_theme_attr(CT_TH_KEY);
            return true;
        }
    }
    if (i >= N_HELP_EXTRAS) return false;
    /* blank row before the legend and before the last note (the mouse) */
    if (i == 0 || i == ct_help_notes_count) {
        *label = *text = "";
        *attr = *label_attr = A_NORMAL;
        return true;
    }
    const ct_help_note *n = &ct_help_notes[i < ct_help_notes_count ? i - 1 : i - 2];
    *label = n->glyph >= 0 ? ct_theme_glyph((ct_glyph_kind)n->glyph) : n->label;
    *text = n->text;
    *attr = A_NORMAL;
    *label_attr = ct_theme_attr(n->glyph >= 0 ? glyph_roles[n->glyph] : CT_TH_HEADER);
    return true;
}

/* Screen lines of the help at this width: each item's text is wrapped,
 * never cut, so a narrow terminal shows all of it (scrolling with j/k). */
static int help_lines(const help_state *hs, int cols)
{
    int n = 0;
    const char *label, *text;
    attr_t attr, lattr;
    for (size_t i = 0; help_item(hs, i, &label, &text, &attr, &lattr); i++) {
        size_t w = ct_text_wrap(text, cols, NULL, 0);
        n += w ? (int)w : 1; /* a blank separator still takes a line */
    }
    return n;
}

static void help_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
    help_state *hs = p->state;
    int max_top = help_lines(hs, help_text_cols(p)) - (p->h - 2);
    if (hs->top > max_top) hs->top = max_top > 0 ? max_top : 0;
}

static void help_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    help_state *hs = p->state;
    werase(p->win);
    wattrset(p->win, ct_theme_attr(CT_TH_BORDER));
    if (ct_theme_is_utf8()) box_set(p->win, WACS_VLINE, WACS_HLINE);
    else box(p->win, '|', '-');
    wattrset(p->win, A_NORMAL);
    ct_draw_cell(p->win, 0, 2, p->w - 4, " Keys (Esc closes, j/k scroll) ", CT_ALIGN_LEFT,
                 ct_theme_attr(CT_TH_HEADER), true);
    int inner = p->h - 2, cols = help_text_cols(p), row = 0, line = 0;
    const char *label, *text;
    attr_t attr, lattr;
    for (size_t i = 0; row < inner && help_item(hs, i, &label, &text, &attr, &lattr); i++) {
        ct_span spans[16];
        size_t n = ct_text_wrap(text, cols, spans, 16);
        if (n > 16) n = 16;
        if (n == 0) { /* separator */
            if (line++ >= hs->top) row++;
            continue;
        }
        for (size_t k = 0; k < n && row < inner; k++, line++) {
            if (line < hs->top) continue;
            if (k == 0) ct_draw_cell(p->win, 1 + row, 2, 13, label, CT_ALIGN_LEFT, lattr, true);
            char buf[256];
            size_t len = spans[k].len < sizeof buf - 1 ? spans[k].len : sizeof buf - 1;
            memcpy(buf, text + spans[k].off, len);
            buf[len] = '\0';
            ct_draw_cell(p->win, 1 + row, 16, cols, buf, CT_ALIGN_LEFT, attr, true);
            row++;
        }
    }
    (void)ctx;
    wnoutrefresh(p->win);
}

static int help_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    help_state *hs = p->state;
    int max_top = help_lines(hs, help_text_cols(p)) - (p->h - 2);
    if (max_top < 0) max_top = 0;
    switch (ct_action_for_key(key)) {
    case CT_A_UP:
        if (hs->top > 0) hs->top--;
        break;
    case CT_A_DOWN:
        if (hs->top < max_top) hs->top++;
        break;
    case CT_A_PGUP: hs->top = hs->top > p->h - 2 ? hs->top - (p->h - 2) : 0; break;
    case CT_A_PGDN:
        hs->top = hs->top + (p->h - 2) < max_top ? hs->top + (p->h - 2) : max_top;
        break;
    case CT_A_TOP: hs->top = 0; break;
    case CT_A_BOTTOM: hs->top = max_top; break;
    case CT_A_BACK:
    case CT_A_HELP:
    case CT_A_QUIT:
    case CT_A_OPEN: return CT_FX_HANDLED | CT_FX_CLOSE;
    default: break;
    }
    (void)ctx;
    (void)mouse;
    return CT_FX_HANDLED | CT_FX_REDRAW;
}

static void help_destroy(ct_pane *p)
{
    free(p->state);
}

static const ct_pane_ops help_ops = {
    .name = "help",
    .draw = help_draw,
    .resize = help_resize,
    .handle_key = help_key,
    .destroy = help_destroy,
};

ct_pane *ct_help_pane_new(bool read_only)
{
    return ct_help_pane_new_replay(read_only, false);
}

ct_pane *ct_help_pane_new_replay(bool read_only, bool replay)
{
    help_state *hs = calloc(1, sizeof *hs);
    if (!hs) return NULL;
    hs->read_only = read_only;
    hs->replay = replay;
    ct_pane *p = ct_pane_new(&help_ops, hs);
    if (!p) {
        free(hs);
        return NULL;
    }
    p->modal = true;
    return p;
}
