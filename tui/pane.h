/* pane.h — the one small interface every board pane implements.
 *
 * A pane is a rectangle of the screen with its own WINDOW: the call list,
 * the details pane, the status bar, and the modal panes (new-call form,
 * action dialogs, help, message log). The board (app/board_main.c) owns the
 * panes, lays them out, and routes keys: the top modal pane gets every key;
 * otherwise the focused pane gets it first and, if it does not return
 * CT_FX_HANDLED, the board looks the key up in the action table
 * (tui/actions.h). Panes never call doupdate()/refresh(): draw() ends with
 * wnoutrefresh(p->win) and the board does one doupdate() per frame.
 *
 * Panes read the world through ct_ui_ctx (the store, the selected call, the
 * clock, the flags) and act on it only through the ct_ui_* functions below
 * (submit a request, flash a message), so a pane can be tested alone with a
 * store, a fixed clock and a submit hook, without a fetcher or a terminal.
 *
 * Threading: UI thread only, like ncurses and the store. */
#ifndef CALLTOP_TUI_PANE_H
#define CALLTOP_TUI_PANE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <ncursesw/curses.h>
#include "calltop/err.h"
#include "calltop/event.h"
#include "calltop/model.h"
#include "calltop/store.h"
#include "pending.h"

/* ---- keys -----------------------------------------------------------------
 * Keys are ints as read with wget_wch(): function keys are ncurses KEY_*
 * codes (KEY_UP, KEY_RESIZE, KEY_MOUSE, ...). Characters below KEY_MIN are
 * passed as themselves ('q', '\n', '\t', 27 for Esc, 12 for Ctrl-L). A
 * character at or above KEY_MIN (most non-ASCII text, which would collide
 * with KEY_* codes) is passed as CT_KEY_WCHAR(wc); use ct_key_char() to get a
 * character back from any key (-1 for function keys). */
#define CT_KEY_WCHAR_FLAG 0x40000000
#define CT_KEY_WCHAR(wc)  ((int)(CT_KEY_WCHAR_FLAG | (int)(wc)))
#define CT_KEY_ESC        27
#define CT_KEY_CTRL(c)    ((c)&0x1f)
/* The character a key stands for (printable or control), or -1 for a
 * function key. */
static inline long ct_key_char(int key)
{
    if (key & CT_KEY_WCHAR_FLAG) return key & ~CT_KEY_WCHAR_FLAG;
    if (key >= 0 && key < KEY_MIN) return key;
    return -1;
}
/* Enter in its three spellings. */
static inline bool ct_key_is_enter(int key)
{
    return key == '\n' || key == '\r' || key == KEY_ENTER;
}
/* Backspace in its three spellings. */
static inline bool ct_key_is_backspace(int key)
{
    return key == KEY_BACKSPACE || key == 127 || key == 8;
}

/* ---- effects: what handle_key / on_event ask the board to do -------------- */
enum {
    CT_FX_NONE = 0,
    CT_FX_HANDLED = 1 << 0,    /* the key was consumed (board skips the action table) */
    CT_FX_REDRAW = 1 << 1,     /* this pane needs drawing */
    CT_FX_REDRAW_ALL = 1 << 2, /* every pane needs drawing (selection moved, ...) */
    CT_FX_QUIT = 1 << 3,       /* leave the board (after asking, if something is pending) */
    CT_FX_QUIT_NOW = 1 << 4,   /* leave without asking (the quit confirmation said yes) */
    CT_FX_CLOSE = 1 << 5,      /* close this modal pane (the board destroys it) */
    CT_FX_SUBMIT = 1 << 6,     /* a request was submitted (pending state changed) */
    CT_FX_SELECT = 1 << 7,     /* ctx->selected_id changed */
    CT_FX_FOCUS_NEXT = 1 << 8, /* move focus to the next pane (Tab) */
    CT_FX_UNFOLLOW = 1 << 9,   /* the user navigated: follow-newest goes off */
};

/* ---- the context panes share ------------------------------------------- */
typedef enum ct_flash_level {
    CT_FLASH_INFO = 0,
    CT_FLASH_OK,
    CT_FLASH_WARN,
    CT_FLASH_ERROR
} ct_flash_level;

/* One request a pane wants sent. Only the members for `kind` are read. */
typedef struct ct_ui_request {
    ct_request_kind kind;       /* CT_REQ_CONNECT, CT_REQ_CREATE, CT_REQ_CONTROL,
                                      CT_REQ_GET_CALL, CT_REQ_NUMBERS */
    const char *call_id;        /* CONTROL, GET_CALL */
    ct_control_request control; /* CONTROL */
    ct_connect_request connect; /* CONNECT */
    ct_create_request create;   /* CREATE */
} ct_ui_request;

/* A request in flight, for routing its outcome back to the pane that sent
 * it. The per-call pending marks ("… end" beside a call) are ctx->marks
 * (tui/pending.h): they outlive the request until the call's next update. */
#define CT_UI_MAX_PENDING 32
typedef struct ct_ui_pending {
    uint64_t request_id; /* 0 = free slot */
    ct_request_kind kind;
    ct_control_action action;     /* CONTROL */
    char call_id[CT_CALL_ID_BUF]; /* CONTROL / GET_CALL; "" otherwise */
    ct_time_ms since;
    struct ct_pane *owner; /* pane to give the outcome to (NULL = none) */
} ct_ui_pending;

typedef struct ct_ui_ctx ct_ui_ctx;
typedef uint64_t (*ct_ui_submit_fn)(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err);
typedef void (*ct_ui_log_fn)(void *ud, ct_flash_level lvl, ct_time_ms t, const char *text);

struct ct_ui_ctx {
    ct_store *store;                  /* the UI thread's store; panes only read it */
    ct_view *view;                    /* the call list's current view (export, details) */
    char selected_id[CT_CALL_ID_BUF]; /* the selected call's id, "" = none */
    ct_time_ms now;                   /* the clock for this frame (fixed in tests) */
    bool read_only;                   /* --read-only: refuse every write request */
    bool color;                       /* false with NO_COLOR / --no-color */
    const ct_number_list *numbers;    /* List Numbers result for the new-call form; may be NULL */
    const char *base_url;             /* shown in the status bar; not a secret */
    /* Why the last read of the call list failed ("" after one succeeded):
     * an empty list says so instead of "No calls yet." */
    char list_error[512];
    ct_err list_error_code;

    /* How requests leave: the board sets submit_hook to hand them to the
     * fetcher (app/board_main.c); tests set their own. NULL = offline. */
    void *submit_ud; /* the hook's data (the board: its fetcher); panes do not use it */
    ct_ui_submit_fn submit_hook;

    /* Flash line: the newest message, shown until flash_until. Every flash
     * also goes to log_hook (the message log) when set. */
    char flash[256];
    ct_flash_level flash_level;
    ct_time_ms flash_until;
    ct_ui_log_fn log_hook;
    void *log_ud;

    ct_ui_pending pending[CT_UI_MAX_PENDING];
    /* Control actions per call: SENT -> ACCEPTED (CT_EV_CONTROL_DONE) ->
     * gone at the call's next update; ct_ui_submit adds, the board moves. */
    ct_pending marks;

    void *board; /* the board's private state; panes leave it alone */
    /* The attention rules' items (calltop/attention.h; tui/attnpane.h):
     * the list marks rows from it, the attention view acts on it. Not
     * owned; NULL = no attention rules. */
    struct ct_attention *attention;
    /* The rows' freshness rule (ct_reduce_unconfirmed): the board's reducer;
     * NULL = rows are not judged. */
    const struct ct_reducer *freshness;
};

/* Initialises ctx to a zeroed, usable state (no store, now = 0). */
void ct_ui_ctx_init(ct_ui_ctx *ctx);

/* Sends a request on behalf of `owner` (may be NULL). Refuses write requests
 * (connect, create, control) with CT_EREADONLY when ctx->read_only. On
 * success returns the request id (> 0) and records it as pending; the
 * outcome (CT_EV_CALL_PLACED / CT_EV_CONTROL_DONE / CT_EV_REQUEST_FAILED with
 * that request_id) is later given to owner->ops->on_event. Returns 0 with
 * *err set on failure (err may be NULL). */
uint64_t ct_ui_submit(ct_ui_ctx *ctx, const ct_ui_request *rq, struct ct_pane *owner,
                      ct_error *err);
/* The pending request with this id, or NULL. */
ct_ui_pending *ct_ui_pending_find(ct_ui_ctx *ctx, uint64_t request_id);
/* What quitting would abandon: control marks not yet confirmed by the
 * call's next update, plus connect/create requests still in flight. */
size_t ct_ui_pending_count(const ct_ui_ctx *ctx);
void ct_ui_pending_done(ct_ui_ctx *ctx, uint64_t request_id);
/* Forgets `owner` in every pending entry (called when a pane closes). */
void ct_ui_pending_disown(ct_ui_ctx *ctx, const struct ct_pane *owner);

/* Shows a message on the flash line for a few seconds and logs it. */
void ct_ui_flash(ct_ui_ctx *ctx, ct_flash_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ct_ui_flashv(ct_ui_ctx *ctx, ct_flash_level lvl, const char *fmt, va_list ap);
#define CT_UI_FLASH_MS 4000

/* The selected call's entry, or NULL. */
const ct_call_entry *ct_ui_selected(const ct_ui_ctx *ctx);
void ct_ui_select(ct_ui_ctx *ctx, const char *call_id);

/* ---- the pane ------------------------------------------------------------ */
typedef struct ct_pane ct_pane;

typedef struct ct_pane_ops {
    const char *name; /* "list", "details", "form", ... (tests, logs) */
    /* Draws the whole pane into p->win and ends with wnoutrefresh(p->win).
     * Must cope with any size, including h or w of 1. */
    void (*draw)(ct_pane *p, const ct_ui_ctx *ctx);
    /* Takes a new rectangle. Implementations call ct_pane_place() and then
     * recompute what depends on the size. */
    void (*resize)(ct_pane *p, int y, int x, int h, int w);
    /* A key (see "keys" above); mouse is non-NULL only for KEY_MOUSE, with
     * screen coordinates (use wmouse_trafo / ct_pane_mouse_local). Returns
     * CT_FX_* flags; 0 means "not mine". */
    int (*handle_key)(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse);
    /* Optional (may be NULL): the outcome of a request this pane submitted
     * (CT_EV_CALL_PLACED, CT_EV_CONTROL_DONE, CT_EV_REQUEST_FAILED), so a form
     * can close on success or keep its fields and show a 422's message. */
    int (*on_event)(ct_pane *p, ct_ui_ctx *ctx, const ct_event *ev);
    /* Frees p->state (not p->win, not p). May be NULL. */
    void (*destroy)(ct_pane *p);
} ct_pane_ops;

struct ct_pane {
    const ct_pane_ops *ops;
    WINDOW *win; /* owned; made by ct_pane_place */
    int y, x, h, w;
    bool focused; /* draw a highlighted border/title when true */
    bool modal;   /* dialogs and forms: drawn on top, take every key */
    /* The window no longer shows what the pane last drew (new place or
     * size, covered, a key changed the pane's state): the next draw must
     * repaint in full. Panes that skip unchanged frames (the board's) read
     * it; ct_pane_place sets it, ct_pane_draw clears it after drawing. */
    bool stale;
    void *state; /* the pane's own data */
};

/* Allocates a pane with ops and state (not yet placed: win NULL). */
ct_pane *ct_pane_new(const ct_pane_ops *ops, void *state);
/* Calls ops->destroy, deletes the window, frees the pane. NULL is fine. */
void ct_pane_free(ct_pane *p);
/* Creates or moves/resizes p->win to the rectangle (clipped to the screen,
 * at least 1x1) and records it. Returns 0, or -1 when ncurses refused. */
int ct_pane_place(ct_pane *p, int y, int x, int h, int w);
/* Convenience wrappers that tolerate NULL ops members. */
void ct_pane_draw(ct_pane *p, const ct_ui_ctx *ctx);
void ct_pane_resize(ct_pane *p, int y, int x, int h, int w);
int ct_pane_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse);
/* A centred rectangle of at most want_h x want_w inside scr_h x scr_w
 * (for modal panes). */
void ct_pane_center(int scr_h, int scr_w, int want_h, int want_w, int *y, int *x, int *h, int *w);
/* Mouse position relative to the pane; false when outside it. */
bool ct_pane_mouse_local(const ct_pane *p, const MEVENT *m, int *row, int *col);

/* ---- what the board expects from the modal-pane modules -----------------
 * (tui/form*.c, tui/dialog*.c; listed here so both sides build against the
 * same names. Each returns a modal pane, NOT yet placed: the board calls
 * ops->resize with a rectangle from ct_pane_center and closes the pane when
 * handle_key / on_event return CT_FX_CLOSE.)
 *
 *   ct_pane *ct_form_new_call(ct_ui_ctx *ctx);
 *       'n': customer number, name, caller-id from ctx->numbers (outbound
 *       only), assistant id, metadata; submits CT_REQ_CONNECT via
 *       ct_ui_submit; stays open, filled, on CT_EV_REQUEST_FAILED (422 shows
 *       ev->error.field / detail); closes on CT_EV_CALL_PLACED.
 *   ct_pane *ct_dialog_action(ct_ui_ctx *ctx, ct_control_action a, const char *call_id);
 *       e/f/s/d/m: asks for the argument when the action has one, then a
 *       confirmation whose default button is Cancel; submits CT_REQ_CONTROL.
 *   ct_pane *ct_dialog_confirm(const char *title, const char *question, int yes_fx);
 *       Yes returns yes_fx | CT_FX_CLOSE (e.g. CT_FX_QUIT_NOW), No/Esc CT_FX_CLOSE.
 */

#endif
