/* tiles.c — the pinned set and the tile plan (see tiles.h). Pure: no
 * ncurses calls, so tests/tui/test_tiles.c checks it without a terminal. */
#include <stdio.h>
#include <string.h>
#include "text.h"
#include "theme.h"
#include "tiles.h"

void ct_tiles_init(ct_tiles_model *m)
{
    memset(m, 0, sizeof *m);
}

static int find(const ct_tiles_model *m, const char *id)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->pinned[i], id) == 0) return i;
    return -1;
}

bool ct_tiles_is_pinned(const ct_tiles_model *m, const char *id)
{
    return id && find(m, id) >= 0;
}

ct_pin_result ct_tiles_toggle_pin(ct_tiles_model *m, const char *id)
{
    if (!id || !id[0] || strlen(id) >= CT_CALL_ID_BUF) return CT_PIN_INVALID;
    int i = find(m, id);
    if (i >= 0) {
        memmove(m->pinned[i], m->pinned[i + 1], (size_t)(m->n - i - 1) * sizeof m->pinned[0]);
        m->n--;
        /* the focus stays on the same call when it was after the removed one */
        if (m->focus > i || m->focus >= m->n) m->focus = m->focus > 0 ? m->focus - 1 : 0;
        return CT_PIN_REMOVED;
    }
    if (m->n == CT_TILES_MAX_PINNED) return CT_PIN_FULL;
    snprintf(m->pinned[m->n], sizeof m->pinned[0], "%s", id);
    m->focus = m->n++; /* the call just pinned is the one the user looks at */
    return CT_PIN_ADDED;
}

const char *ct_tiles_focused_id(const ct_tiles_model *m)
{
    return m->n ? m->pinned[m->focus] : "";
}

void ct_tiles_focus_step(ct_tiles_model *m, int dir)
{
    if (!m->n) return;
    m->focus = ((m->focus + (dir < 0 ? -1 : 1)) % m->n + m->n) % m->n;
}

void ct_tiles_next_arrangement(ct_tiles_model *m)
{
    m->arrangement = (ct_tiles_arrangement)((m->arrangement + 1) % CT_TILES__ARR_COUNT);
}

const char *ct_tiles_arrangement_name(ct_tiles_arrangement a)
{
    switch (a) {
    case CT_TILES_SIDE: return "side by side";
    case CT_TILES_STACKED: return "stacked";
    case CT_TILES_GRID: return "grid";
    default: return "?";
    }
}

/* Columns and rows of the grid for n tiles in an arrangement. */
static void grid_of(ct_tiles_arrangement a, int n, int *cols, int *rows)
{
    switch (a) {
    case CT_TILES_STACKED:
        *cols = 1;
        *rows = n;
        break;
    case CT_TILES_GRID:
        *cols = n > 1 ? 2 : 1;
        *rows = (n + *cols - 1) / *cols;
        break;
    default:
        *cols = n;
        *rows = 1;
        break;
    }
}

void ct_tiles_plan_for(const ct_tiles_model *m, int h, int w, ct_tiles_plan *out)
{
    memset(out, 0, sizeof *out);
    out->note_y = -1;
    int want = m->n < CT_TILES_MAX_SHOWN ? m->n : CT_TILES_MAX_SHOWN;
    for (int n = want; n >= 1; n--) {
        /* a row for "N more pinned" when some pins are left out */
        int note = n < m->n ? 1 : 0, cols, rows;
        grid_of(m->arrangement, n, &cols, &rows);
        int th = (h - note) / rows, tw = w / cols;
        if (th < CT_TILES_MIN_H || tw < CT_TILES_MIN_W) continue;
        /* the window of pins shown holds the focused one */
        int first = m->focus < n ? 0 : m->focus - n + 1;
        out->n_shown = n;
        out->hidden = m->n - n;
        out->note_y = note ? h - 1 : -1;
        for (int i = 0; i < n; i++) {
            int c = i % cols, r = i / cols;
            ct_tile_rect *t = &out->tile[i];
            t->pin = first + i;
            t->y = r * th;
            t->x = c * tw;
            /* the last row and column take the rounding remainder */
            t->h = r == rows - 1 ? h - note - t->y : th;
            t->w = c == cols - 1 ? w - t->x : tw;
            /* a lone tile in the grid's last row spans it */
            if (i == n - 1 && c < cols - 1) t->w = w - t->x;
        }
        return;
    }
    out->hidden = m->n;
}

size_t ct_tiles_status_line(char *buf, size_t cap, const char *id, const ct_call_entry *e,
                            ct_time_ms now, int cols)
{
    if (cap == 0) return 0;
    char right[96];
    if (!e) {
        snprintf(right, sizeof right, "(not in the store)");
    } else {
        const ct_call *c = &e->call;
        char dur[32] = "-";
        if (c->start_at) ct_fmt_duration(ct_call_duration_ms(c, now), dur, sizeof dur);
        snprintf(right, sizeof right, "%s%s %s  %s", e->hang ? "HANG  " : "",
                 ct_theme_glyph(ct_theme_call_glyph_kind(c)), ct_theme_call_word(c), dur);
    }
    int n;
    if (cols <= 0) {
        n = snprintf(buf, cap, "%s  %s", id, right);
    } else {
        /* the id gives way to the status: at most what is left after it */
        int rw = ct_text_width(right), idw = cols - rw - 2;
        char idt[CT_CALL_ID_BUF + 8];
        if (idw < 1) idw = 1;
        int got = ct_text_truncate(id, idw, idt, sizeof idt);
        int pad = cols - got - rw;
        if (pad < 2) pad = 2;
        n = snprintf(buf, cap, "%s%*s%s", idt, pad, "", right);
    }
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}
