/* picker.c — the filter pickers' model and modal pane (see picker.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actions.h"
#include "draw.h"
#include "modal_draw.h"
#include "picker.h"
#include "theme.h"

static ct_pick_item *find_item(ct_picker_model *m, const char *value)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->items[i].value, value) == 0) return &m->items[i];
    return NULL;
}

static ct_pick_item *add_item(ct_picker_model *m, const char *value)
{
    if (m->n == m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        ct_pick_item *ni = realloc(m->items, nc * sizeof *ni);
        if (!ni) return NULL;
        m->items = ni;
        m->cap = nc;
    }
    ct_pick_item *it = &m->items[m->n++];
    memset(it, 0, sizeof *it);
    snprintf(it->value, sizeof it->value, "%s", value);
    snprintf(it->label, sizeof it->label, "%s", value);
    return it;
}

typedef struct collect {
    ct_picker_model *m;
    bool oom;
} collect;

static bool collect_one(const ct_call_entry *e, void *ud)
{
    collect *c = ud;
    const ct_call *call = &e->call;
    const char *v = c->m->kind == CT_PICK_ASSISTANT ? call->assistant_id : call->assistant_number;
    if (!v || !v[0] || strlen(v) >= sizeof c->m->items[0].value) return true;
    ct_pick_item *it = find_item(c->m, v);
    if (!it && !(it = add_item(c->m, v))) {
        c->oom = true;
        return false;
    }
    it->calls++;
    /* an assistant is shown by name when some call carries it */
    if (c->m->kind == CT_PICK_ASSISTANT && call->assistant_name && call->assistant_name[0] &&
        strcmp(it->label, it->value) == 0)
        snprintf(it->label, sizeof it->label, "%.60s  %.120s", call->assistant_name, it->value);
    return true;
}

static int by_label(const void *a, const void *b)
{
    const ct_pick_item *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    return c ? c : strcmp(x->value, y->value);
}

int ct_picker_build(ct_picker_model *m, ct_pick_kind kind, const ct_store *s, const char *current)
{
    memset(m, 0, sizeof *m);
    m->kind = kind;
    ct_pick_item *any = add_item(m, "");
    if (!any) return -1;
    snprintf(any->label, sizeof any->label, "(any)");
    collect c = {m, false};
    ct_store_foreach(s, collect_one, &c);
    if (c.oom) {
        ct_picker_free(m);
        return -1;
    }
    if (current && current[0] && !find_item(m, current) && !add_item(m, current)) {
        ct_picker_free(m);
        return -1;
    }
    if (m->n > 1) qsort(m->items + 1, m->n - 1, sizeof *m->items, by_label);
    m->items[0].calls = ct_store_count(s);
    m->sel = 0;
    for (size_t i = 0; current && current[0] && i < m->n; i++)
        if (strcmp(m->items[i].value, current) == 0) m->sel = i;
    return 0;
}

void ct_picker_free(ct_picker_model *m)
{
    free(m->items);
    m->items = NULL;
    m->n = m->cap = 0;
}

ct_pick_result ct_picker_key(ct_picker_model *m, int key, int page)
{
    if (ct_key_is_enter(key)) return CT_PICK_R_APPLY;
    if (key == CT_KEY_ESC || key == 'q') return CT_PICK_R_CANCEL;
    if (!m->n) return CT_PICK_R_NONE;
    long sel = (long)m->sel, last = (long)m->n - 1;
    if (page < 1) page = 1;
    switch (ct_action_for_key(key)) {
    case CT_A_UP: sel--; break;
    case CT_A_DOWN: sel++; break;
    case CT_A_PGUP: sel -= page; break;
    case CT_A_PGDN: sel += page; break;
    case CT_A_TOP: sel = 0; break;
    case CT_A_BOTTOM: sel = last; break;
    default: return CT_PICK_R_NONE;
    }
    if (sel < 0) sel = 0;
    if (sel > last) sel = last;
    m->sel = (size_t)sel;
    return CT_PICK_R_MOVED;
}

const char *ct_picker_value(const ct_picker_model *m)
{
    return m->n ? m->items[m->sel].value : "";
}

/* ---- the pane ----------------------------------------------------------------- */

typedef struct picker_pane {
    ct_picker_model m;
    ct_listmodel *lm; /* the call list's; not owned */
    int page;
} picker_pane;

static void picker_resize(ct_pane *p, int y, int x, int h, int w)
{
    ct_pane_place(p, y, x, h, w);
}

static void picker_draw(ct_pane *p, const ct_ui_ctx *ctx)
{
    (void)ctx;
    picker_pane *st = p->state;
    WINDOW *w = p->win;
    int top, left, inner_h, cols;
    ct_modal_frame(w,
                   st->m.kind == CT_PICK_ASSISTANT ? "Filter by assistant" : "Filter by our number",
                   CT_TH_HEADER, true, &top, &left, &inner_h, &cols);
    int rows = inner_h - 1; /* the last inner row: the key hint */
    if (rows < 1 || cols < 1) {
        wnoutrefresh(w);
        return;
    }
    st->page = rows;
    if (st->m.sel < st->m.top) st->m.top = st->m.sel;
    if (st->m.sel >= st->m.top + (size_t)rows) st->m.top = st->m.sel - (size_t)rows + 1;
    for (int r = 0; r < rows && st->m.top + (size_t)r < st->m.n; r++) {
        size_t i = st->m.top + (size_t)r;
        const ct_pick_item *it = &st->m.items[i];
        char count[32];
        snprintf(count, sizeof count, "%zu call%s", it->calls, it->calls == 1 ? "" : "s");
        int cw = (int)strlen(count) + 1, lw = cols - cw - 2;
        attr_t a = i == st->m.sel ? ct_theme_attr(CT_TH_SELECTED) | A_REVERSE : A_NORMAL;
        ct_draw_cell(w, top + r, left, 2, i == st->m.sel ? "> " : "  ", CT_ALIGN_LEFT, a, true);
        /* labels are the server's text: sanitized when drawn */
        if (lw > 0) ct_draw_cell(w, top + r, left + 2, lw, it->label, CT_ALIGN_LEFT, a, i == 0);
        if (cols - 2 - lw > 0)
            ct_draw_cell(w, top + r, left + 2 + (lw > 0 ? lw : 0), cols - 2 - (lw > 0 ? lw : 0),
                         count, CT_ALIGN_RIGHT, a, true);
    }
    ct_draw_cell(w, top + inner_h - 1, left, cols, "Enter apply  Esc cancel  j/k move",
                 CT_ALIGN_LEFT, ct_theme_attr(CT_TH_DIM), true);
    wnoutrefresh(w);
}

static int picker_key(ct_pane *p, ct_ui_ctx *ctx, int key, const MEVENT *mouse)
{
    (void)mouse;
    picker_pane *st = p->state;
    if (key == KEY_RESIZE || key == KEY_MOUSE) return 0;
    switch (ct_picker_key(&st->m, key, st->page)) {
    case CT_PICK_R_APPLY: {
        const char *v = ct_picker_value(&st->m);
        if (st->m.kind == CT_PICK_ASSISTANT)
            ct_listmodel_set_picks(st->lm, v, st->lm->spec.our_number);
        else ct_listmodel_set_picks(st->lm, st->lm->spec.assistant_id, v);
        ct_ui_flash(ctx, CT_FLASH_INFO, "%s: %s",
                    st->m.kind == CT_PICK_ASSISTANT ? "assistant" : "our number",
                    v[0] ? st->m.items[st->m.sel].label : "any");
        return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    }
    case CT_PICK_R_CANCEL: return CT_FX_HANDLED | CT_FX_CLOSE | CT_FX_REDRAW_ALL;
    case CT_PICK_R_MOVED: return CT_FX_HANDLED | CT_FX_REDRAW;
    default: return CT_FX_HANDLED; /* a modal: nothing falls through to the board */
    }
}

static void picker_destroy(ct_pane *p)
{
    picker_pane *st = p->state;
    ct_picker_free(&st->m);
    free(st);
}

static const ct_pane_ops picker_ops = {
    .name = "picker",
    .draw = picker_draw,
    .resize = picker_resize,
    .handle_key = picker_key,
    .destroy = picker_destroy,
};

ct_pane *ct_picker_pane_new(ct_pick_kind kind, const ct_store *s, ct_listmodel *lm)
{
    picker_pane *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->lm = lm;
    st->page = 1;
    const char *current = kind == CT_PICK_ASSISTANT ? lm->spec.assistant_id : lm->spec.our_number;
    if (ct_picker_build(&st->m, kind, s, current) != 0) {
        free(st);
        return NULL;
    }
    ct_pane *p = ct_pane_new(&picker_ops, st);
    if (!p) {
        ct_picker_free(&st->m);
        free(st);
    }
    return p;
}
