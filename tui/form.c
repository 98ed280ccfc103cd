/* form.c — the New-call form pane ('n'): draws form_model.c's state and
 * turns its "submit" into one CT_REQ_CONNECT through ct_ui_submit.
 *
 * The form is laid out as a list of virtual rows (a field, its error line,
 * metadata rows, buttons) and scrolled so the focused row is visible, so it
 * works in a short terminal and with any number of metadata rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "draw.h"
#include "form_model.h"
#include "modal_draw.h"
#include "pane.h"
#include "text.h"
#include "theme.h"

#define LABEL_W  11
#define N_SCROLL (6 + 2 * CT_FORM_MAX_META)

typedef struct form_pane {
    ct_form_model m;
    const ct_number_list *numbers_src; /* what set_numbers last saw */
    const ct_number *numbers_items;
    size_t numbers_n;
    size_t scroll[N_SCROLL]; /* per text field, horizontal */
    int top;                 /* first virtual row shown */
} form_pane;

/* Re-reads ctx->numbers when the board replaced it (List Numbers arrived
 * after the form opened). */
static void sync_numbers(form_pane *st, const ct_ui_ctx *ctx)
{
    const ct_number_list *nl = ctx->numbers;
    if (nl == st->numbers_src &&
        (!nl || (nl->items == st->numbers_items && nl->n == st->numbers_n)))
        return;
    ct_form_model_set_numbers(&st->m, nl);
    st->numbers_src = nl;
    st->numbers_items = nl ? nl->items : NULL;
    st->numbers_n = nl ? nl->n : 0;
}

static size_t *scroll_for(form_pane *st, ct_form_stop s)
{
    switch (s.kind) {
    case CT_FS_CUSTOMER: return &st->scroll[0];
    case CT_FS_NAME: return &st->scroll[1];
    case CT_FS_ASSISTANT: return &st->scroll[2];
    case CT_FS_FIRST_MSG: return &st->scroll[3];
    case CT_FS_VARIABLES: return &st->scroll[4];
    case CT_FS_ASSISTANT_FILE: return &st->scroll[5];
    case CT_FS_META_KEY: return &st->scroll[6 + 2 * s.row];
    case CT_FS_META_VALUE: return &st->scroll[7 + 2 * s.row];
    default: return &st->scroll[0];
    }
}

/* ---- layout: virtual rows ------------------------------------------------- */
typedef enum {
    ROW_CALLER,
    ROW_CUSTOMER,
    ROW_NAME,
    ROW_ASSISTANT,
    ROW_FIRST_MSG,
    ROW_VARIABLES,
    ROW_ASSISTANT_FILE,
    ROW_ERROR,
    ROW_META_TITLE,
    ROW_META,
    ROW_META_ADD,
    ROW_BLANK,
    ROW_STATUS,
    ROW_BUTTONS,
    ROW_HINT
} row_kind;

typedef struct vrow {
    row_kind kind;
    int meta;
    const char *text;
    size_t len; /* ROW_STATUS: bytes of text on this row (0: all of it) */
    ct_theme_role role;
} vrow;

/* A form-level error (the server's answer) wraps onto this many rows: its
 * end says whether the call may have been placed anyway, and a one-row
 * status cut exactly that off. */
#define STATUS_ROWS 4
#define MAX_VROWS   (22 + STATUS_ROWS + 2 * CT_FORM_MAX_META)

static size_t layout(const form_pane *st, vrow *r, int cols)
{
    const ct_form_model *m = &st->m;
    size_t n = 0;
#define ROW(k, i, t, ro)  \
    do {                  \
        r[n].kind = (k);  \
        r[n].meta = (i);  \
        r[n].text = (t);  \
        r[n].len = 0;     \
        r[n].role = (ro); \
        n++;              \
    } while (0)
#define FERR(slot)                                                              \
    do {                                                                        \
        if (m->error[slot][0]) ROW(ROW_ERROR, -1, m->error[slot], CT_TH_ERROR); \
    } while (0)
    ROW(ROW_CALLER, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_CALLER);
    ROW(ROW_CUSTOMER, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_CUSTOMER);
    ROW(ROW_NAME, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_NAME);
    ROW(ROW_ASSISTANT, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_ASSISTANT);
    ROW(ROW_FIRST_MSG, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_FIRST_MSG);
    ROW(ROW_VARIABLES, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_VARIABLES);
    ROW(ROW_ASSISTANT_FILE, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_ASSISTANT_FILE);
    ROW(ROW_META_TITLE, -1, NULL, CT_TH_NORMAL);
    FERR(CT_FSLOT_META);
    for (size_t i = 0; i < m->n_meta; i++) {
        ROW(ROW_META, (int)i, NULL, CT_TH_NORMAL);
        if (m->meta[i].error[0]) ROW(ROW_ERROR, (int)i, m->meta[i].error, CT_TH_ERROR);
    }
    if (m->n_meta < CT_FORM_MAX_META) ROW(ROW_META_ADD, -1, NULL, CT_TH_NORMAL);
    ROW(ROW_BLANK, -1, NULL, CT_TH_NORMAL);
    if (m->state == CT_FORM_PENDING)
        ROW(ROW_STATUS, -1, "Placing the call... waiting for the server (Esc hides this form)",
            CT_TH_PENDING);
    else if (m->state == CT_FORM_CONFIRM_DISCARD)
        ROW(ROW_STATUS, -1, "Discard this new call? y = discard, any other key = keep editing",
            CT_TH_WARN);
    else if (m->error[CT_FSLOT_FORM][0]) {
        const char *e = m->error[CT_FSLOT_FORM];
        ct_span sp[STATUS_ROWS];
        size_t k = ct_text_wrap(e, cols > 0 ? cols : 1, sp, STATUS_ROWS);
        if (k > STATUS_ROWS) { /* the last row runs on and is cut with an ellipsis */
            k = STATUS_ROWS;
            sp[k - 1].len = strlen(e) - sp[k - 1].off;
        }
        for (size_t j = 0; j < k; j++) {
            if (!sp[j].len) continue; /* an empty line: nothing to show */
            ROW(ROW_STATUS, -1, e + sp[j].off, CT_TH_ERROR);
            r[n - 1].len = sp[j].len;
        }
    }
    ROW(ROW_BUTTONS, -1, NULL, CT_TH_NORMAL);
    ROW(ROW_HINT, -1, "Tab/\xE2\x86\x91\xE2\x86\x93 move  Enter next/submit  Esc cancel",
        CT_TH_DIM);
#undef ROW
#undef FERR
    return n;
}

/* The virtual row holding the focused stop. */
static int focus_row(const form_pane *st, const vrow *r, size_t n)
{
    ct_form_stop f = ct_form_model_focus(&st->m);
    for (size_t i = 0; i < n; i++) {
        switch (f.kind) {
        case CT_FS_CALLER:
            if (r[i].kind == ROW_CALLER) return (int)i;
            break;
        case CT_FS_CUSTOMER:
            if (r[i].kind == ROW_CUSTOMER) return (int)i;
            break;
        case CT_FS_NAME:
            if (r[i].kind == ROW_NAME) return (int)i;
            break;
        case CT_FS_ASSISTANT:
            if (r[i].kind == ROW_ASSISTANT) return (int)i;
            break;
        case CT_FS_FIRST_MSG:
            if (r[i].kind == ROW_FIRST_MSG) return (int)i;
            break;
        case CT_FS_VARIABLES:
            if (r[i].kind == ROW_VARIABLES) return (int)i;
            break;
        case CT_FS_ASSISTANT_FILE:
            if (r[i].kind == ROW_ASSISTANT_FILE) return (int)i;
            break;
        case CT_FS_META_KEY:
        case CT_FS_META_VALUE:
        case CT_FS_META_DEL:
            if (r[i].kind == ROW_META && r[i].meta == f.row) return (int)i;
            break;
        case CT_FS_META_ADD:
            if (r[i].kind == ROW_META_ADD) return (int)i;
            break;
        case CT_FS_SUBMIT:
        case CT_FS_CANCEL:
            if (r[i].kind == ROW_BUTTONS) return (int)i;
            break;
        }
    }
    return 0;
}

static bool focused_on(const ct_form_model *m, ct_form_stop_kind k, int row)
{
    ct_form_stop f = ct_form_model_focus(m);
    return m->state == CT_FORM_EDITING && f.kind == k && (row < 0 || f.row == row);
}

static void draw_label(WINDOW *w, int y, int x, const char *label, bool focused)
{
    ct_draw_cell(w, y, x, LABEL_W, label, CT_ALIGN_LEFT,
                 ct_theme_attr(focused ? CT_TH_HEADER : CT_TH_NORMAL), true);
}

static void draw_text_row(form_pane *st, WINDOW *w, int y, int x, int cols, const char *label,
                          ct_form_stop_kind kind, ct_field *f, const char *note,
                          ct_theme_role note_role)
{
    bool foc = focused_on(&st->m, kind, -1);
    draw_label(w, y, x, label, foc);
    int fw = cols - LABEL_W;
    int note_w = note && *note ? ct_text_width(note) + 1 : 0;
    if (note_w && fw - note_w >= 12) fw -= note_w;
    else note_w = 0;
    if (kind == CT_FS_CUSTOMER && fw > 22 && note_w) fw = 22;
    ct_form_stop s = {kind, 0};
    ct_modal_field(w, y, x + LABEL_W, fw, f, scroll_for(st, s), foc);
    if (note_w) ct_modal_text(w, y, x + LABEL_W + fw + 1, cols - LABEL_W - fw - 1, note, note_role);
}

/* The confirmation before a real call is placed: who calls whom, the exact
 * endpoint and JSON body, [Cancel] (the default) and [Place call]. The
 * buttons are placed from the bottom first so a long body never hides them. */
static void draw_confirm(const form_pane *st, WINDOW *w, int y0, int x0, int H, int W)
{
    const ct_form_model *m = &st->m;
    int bottom = y0 + H, buttons_y = bottom - (H >= 8 ? 2 : 1), y = y0;
    char buf[300];
    if (m->caller >= 0) {
        snprintf(buf, sizeof buf, "From      %s", m->numbers[m->caller].number);
        if (y < buttons_y) ct_modal_text(w, y, x0, W, buf, CT_TH_NORMAL);
        y++;
    }
    snprintf(buf, sizeof buf, "To        %s", ct_field_text(&m->customer));
    if (y < buttons_y) ct_modal_text(w, y, x0, W, buf, CT_TH_NORMAL);
    y++;
    snprintf(buf, sizeof buf, "%s This places a real phone call.", ct_theme_glyph(CT_GLYPH_FAILED));
    if (y < buttons_y) ct_modal_text(w, y, x0, W, buf, CT_TH_DESTRUCTIVE);
    y += 2;
    y = ct_modal_wrapped(w, y, buttons_y, x0, W, "Will send: POST " CT_FORM_CONNECT_PATH,
                         CT_TH_DIM);
    if (m->preview)
        ct_modal_wrapped(w, y, buttons_y, x0 + 2, W - 2 > 0 ? W - 2 : 1, m->preview, CT_TH_NORMAL);
    int used = ct_modal_button(w, buttons_y, x0, W, "Cancel", !m->confirm_on_place, false);
    ct_modal_button(w, buttons_y, x0 + used + 2, W - used - 2, "Place call", m->confirm_on_place,
                    true);
    if (H >= 8)
        ct_modal_text(w, bottom - 1, x0, W,
                      "Tab/\xE2\x86\x90\xE2\x86\x92 choose  Enter confirm  Esc back to the form",
                      CT_TH_DIM);
}

static void form_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    form_pane *st = p->state;
    ct_form_model *m = &st->m;
    sync_numbers(st, ctx);
    WINDOW *w = p->win;
    int y0, x0, H, W;
    ct_modal_frame(w, m->state == CT_FORM_CONFIRM_SEND ? "New call: confirm" : "New call",
                   m->state == CT_FORM_CONFIRM_SEND ? CT_TH_DESTRUCTIVE : CT_TH_HEADER, true, &y0,
                   &x0, &H, &W);
    if (H < 1 || W < 1) {
        wnoutrefresh(w);
        return;
    }
    if (m->state == CT_FORM_CONFIRM_SEND) {
        draw_confirm(st, w, y0, x0, H, W);
        wnoutrefresh(w);
        return;
    }

    vrow rows[MAX_VROWS];
    size_t n = layout(st, rows, W);
    int fr = focus_row(st, rows, n);
    /* Keep the focused row, and the status line when there is one, visible. */
    if (fr < st->top) st->top = fr;
    if (fr >= st->top + H) st->top = fr - H + 1;
    if (st->top < 0) st->top = 0;
    if ((size_t)st->top + (size_t)H > n) st->top = n > (size_t)H ? (int)(n - (size_t)H) : 0;

    char buf[256];
    for (int i = 0; i < H && (size_t)(st->top + i) < n; i++) {
        const vrow *r = &rows[st->top + i];
        int y = y0 + i, x = x0;
        switch (r->kind) {
        case ROW_CALLER: {
            bool foc = focused_on(m, CT_FS_CALLER, -1);
            draw_label(w, y, x, "Caller", foc);
            if (m->caller >= 0) {
                const ct_form_number *num = &m->numbers[m->caller];
                snprintf(buf, sizeof buf, "%s %s%s%s %s (%d/%zu)", m->n_numbers > 1 ? "<" : " ",
                         num->number, *num->label ? "  " : "", num->label,
                         m->n_numbers > 1 ? ">" : " ", m->caller + 1, m->n_numbers);
                ct_draw_cell(w, y, x + LABEL_W, W - LABEL_W, buf, CT_ALIGN_LEFT,
                             ct_theme_attr(foc ? CT_TH_FIELD_FOCUS : CT_TH_NORMAL), false);
            } else {
                ct_modal_text(w, y, x + LABEL_W, W - LABEL_W,
                              !m->numbers_loaded ? "loading numbers..." : "no outbound number",
                              CT_TH_DIM);
            }
            break;
        }
        case ROW_CUSTOMER: {
            const char *hint = ct_form_customer_hint(ct_field_text(&m->customer));
            const char *note = NULL;
            ct_theme_role role = CT_TH_OK;
            if (!hint) {
                snprintf(buf, sizeof buf, "%s ok", ct_theme_glyph(CT_GLYPH_FINISHED));
                note = buf;
            } else if (*hint) {
                snprintf(buf, sizeof buf, "%s %s", ct_theme_glyph(CT_GLYPH_FAILED), hint);
                note = buf;
                role = CT_TH_WARN;
            } else {
                note = "+ and digits, e.g. +14155550100";
                role = CT_TH_DIM;
            }
            draw_text_row(st, w, y, x, W, "Customer", CT_FS_CUSTOMER, &m->customer, note, role);
            break;
        }
        case ROW_NAME:
            draw_text_row(st, w, y, x, W, "Name", CT_FS_NAME, &m->name, "optional", CT_TH_DIM);
            break;
        case ROW_ASSISTANT:
            draw_text_row(st, w, y, x, W, "Assistant", CT_FS_ASSISTANT, &m->assistant,
                          "id, optional", CT_TH_DIM);
            break;
        case ROW_FIRST_MSG:
            draw_text_row(st, w, y, x, W, "First msg", CT_FS_FIRST_MSG, &m->first_message,
                          "optional", CT_TH_DIM);
            break;
        case ROW_VARIABLES:
            draw_text_row(st, w, y, x, W, "Variables", CT_FS_VARIABLES, &m->variables,
                          "K=V, K=V  optional", CT_TH_DIM);
            break;
        case ROW_ASSISTANT_FILE:
            draw_text_row(st, w, y, x, W, "Asst JSON", CT_FS_ASSISTANT_FILE, &m->assistant_file,
                          "file path, optional", CT_TH_DIM);
            break;
        case ROW_ERROR:
            snprintf(buf, sizeof buf, "%s ", ct_theme_glyph(CT_GLYPH_FAILED));
            ct_modal_text(w, y, x + LABEL_W, 2, buf, CT_TH_ERROR);
            ct_modal_text(w, y, x + LABEL_W + 2, W - LABEL_W - 2, r->text, CT_TH_ERROR);
            break;
        case ROW_META_TITLE:
            ct_modal_text(w, y, x, W, m->n_meta ? "Metadata (key = value)" : "Metadata: none",
                          CT_TH_NORMAL);
            break;
        case ROW_META: {
            int i2 = r->meta;
            int avail = W - 11; /* indent 2, " = ", a space, "[ x ]" */
            int kw = avail / 3, vw = avail - kw;
            if (kw < 1 || vw < 1) break;
            ct_form_stop ks = {CT_FS_META_KEY, i2}, vs = {CT_FS_META_VALUE, i2};
            ct_modal_field(w, y, x + 2, kw, &m->meta[i2].key, scroll_for(st, ks),
                           focused_on(m, CT_FS_META_KEY, i2));
            ct_modal_text(w, y, x + 2 + kw, 3, " = ", CT_TH_NORMAL);
            ct_modal_field(w, y, x + 5 + kw, vw, &m->meta[i2].value, scroll_for(st, vs),
                           focused_on(m, CT_FS_META_VALUE, i2));
            ct_modal_button(w, y, x + 6 + kw + vw, 5, "x", focused_on(m, CT_FS_META_DEL, i2),
                            false);
            break;
        }
        case ROW_META_ADD:
            ct_modal_button(w, y, x + 2, W - 2, "+ metadata", focused_on(m, CT_FS_META_ADD, -1),
                            false);
            break;
        case ROW_STATUS:
            if (r->len) { /* one wrapped piece of a longer text */
                char piece[CT_FORM_ERR_MAX + 1];
                size_t len = r->len < sizeof piece - 1 ? r->len : sizeof piece - 1;
                memcpy(piece, r->text, len);
                piece[len] = '\0';
                ct_modal_text(w, y, x, W, piece, r->role);
            } else {
                ct_modal_text(w, y, x, W, r->text, r->role);
            }
            break;
        case ROW_BUTTONS: {
            int used =
                ct_modal_button(w, y, x, W, "Place call", focused_on(m, CT_FS_SUBMIT, -1), false);
            ct_modal_button(w, y, x + used + 2, W - used - 2, "Cancel",
                            focused_on(m, CT_FS_CANCEL, -1), false);
            break;
        }
        case ROW_HINT: ct_modal_text(w, y, x, W, r->text, r->role); break;
        case ROW_BLANK: break;
        }
    }
    wnoutrefresh(w);
}

/* Sends the validated form; a refusal before sending is shown like a
 * server error (same field mapping). */
static int submit(ct_pane *p, ct_ui_ctx *ctx)
{
    form_pane *st = p->state;
    ct_ui_request rq;
    memset(&rq, 0, sizeof rq);
    rq.kind = CT_REQ_CONNECT;
    ct_kv kv[CT_FORM_MAX_META];
    ct_form_model_request(&st->m, &rq.connect, kv);
    ct_error err;
    ct_error_clear(&err);
    uint64_t id = ct_ui_submit(ctx, &rq, p, &err);
    if (id == 0) {
        ct_form_model_failed(&st->m, &err);
        ct_ui_flash(ctx, CT_FLASH_ERROR, "new call not sent: %s",
                    err.detail[0] ? err.detail : ct_strerror(err.code));
        return CT_FX_HANDLED | CT_FX_REDRAW_ALL;
    }
    ct_form_model_sent(&st->m, id);
    ct_ui_flash(ctx, CT_FLASH_INFO, "placing a call to %s", ct_field_text(&st->m.customer));
    return CT_FX_HANDLED | CT_FX_SUBMIT | CT_FX_REDRAW_ALL;
}

static int form_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)mouse;
    form_pane *st = p->state;
    if (key == KEY_RESIZE || key == KEY_MOUSE) return 0;
    sync_numbers(st, ctx);
    bool was_pending = st->m.state == CT_FORM_PENDING;
    int r = ct_form_model_key(&st->m, key);
    if (r & CT_FORM_R_CLOSE) {
        if (was_pending)
            ct_ui_flash(ctx, CT_FLASH_INFO,
                        "the new call is still being placed; its outcome "
                        "will show here and in the message log");
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    }
    if (r & CT_FORM_R_SUBMIT) {
        /* ct_ui_submit enforces --read-only too; checked here so the form
         * never even builds a request in that mode. */
        if (ctx->read_only) {
            ct_error err;
            ct_error_set(&err, CT_EREADONLY, "calltop runs with --read-only");
            ct_form_model_failed(&st->m, &err);
            return CT_FX_HANDLED | CT_FX_REDRAW;
        }
        return submit(p, ctx);
    }
    /* Modal: every key is ours, even the ones that do nothing. */
    return CT_FX_HANDLED | ((r & CT_FORM_R_REDRAW) ? CT_FX_REDRAW : 0);
}

static int form_event(ct_pane *p, ct_ui_ctx *ctx, const ct_event *ev)
{
    (void)ctx;
    form_pane *st = p->state;
    if (!ct_form_model_owns(&st->m, ev->request_id)) return 0;
    if (ev->type == CT_EV_CALL_PLACED) {
        /* the board applied the call and selected it; the form is done */
        ct_form_model_sent(&st->m, 0);
        return CT_FX_CLOSE | CT_FX_SELECT | CT_FX_REDRAW_ALL;
    }
    if (ev->type == CT_EV_REQUEST_FAILED) {
        ct_form_model_failed(&st->m, &ev->error);
        return CT_FX_REDRAW;
    }
    return 0;
}

static void form_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void form_destroy(ct_pane *p)
{
    form_pane *st = p->state;
    if (!st) return;
    ct_form_model_clear(&st->m);
    free(st);
    p->state = NULL;
}

static const ct_pane_ops form_ops = {
    .name = "form",
    .draw = form_draw,
    .resize = form_resize,
    .handle_key = form_key,
    .on_event = form_event,
    .destroy = form_destroy,
};

/* The model's file reader for the assistant JSON field: the whole file, at
 * most 1 MiB, text without NUL bytes (the encoder then checks it is a JSON
 * object). Same limits as `calls connect --assistant-json`. */
static ct_err read_assistant_file(const char *path, char **out, ct_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ct_error_set(err, CT_EUSAGE, "cannot read it: %s", strerror(errno));
    size_t cap = 1u << 20;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return ct_error_set(err, CT_ENOMEM, "no memory to read it%s", "");
    }
    size_t n = fread(buf, 1, cap + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > cap) {
        free(buf);
        return ct_error_set(err, CT_EUSAGE, "%s", bad ? "cannot read it" : "larger than 1 MiB");
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return ct_error_set(err, CT_EUSAGE, "contains a NUL byte: not JSON text%s", "");
    }
    *out = buf;
    return CT_OK;
}

ct_pane *ct_form_new_call(ct_ui_ctx *ctx)
{
    if (ctx->read_only) {
        ct_ui_flash(ctx, CT_FLASH_WARN, "new call refused: calltop runs with --read-only");
        return NULL;
    }
    form_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    ct_form_model_init(&st->m);
    st->m.read_file = read_assistant_file;
    sync_numbers(st, ctx);
    if (st->m.numbers_loaded && st->m.n_numbers > 0)
        ct_form_model_set_focus(&st->m, CT_FS_CUSTOMER, 0); /* the caller is pre-chosen */
    ct_pane *p = ct_pane_new(&form_ops, st);
    if (!p) {
        form_destroy(&(ct_pane){.state = st});
        return NULL;
    }
    p->modal = true;
    return p;
}
