/* theme.h — the one table of how things look: every UI role maps to a colour
 * pair plus attributes, and to monochrome attributes used under NO_COLOR /
 * --no-color or on a terminal without colours. Status glyphs have an ASCII
 * fallback for non-UTF-8 locales. Meaning never rests on colour alone: each
 * status also has a glyph, and urgent roles are bold or reverse.
 *
 * Panes ask for attributes by role (ct_theme_attr) and never call
 * init_pair/COLOR_PAIR themselves. */
#ifndef CALLTOP_TUI_THEME_H
#define CALLTOP_TUI_THEME_H

#include <stdbool.h>
#include <curses.h>
#include "calltop/model.h"

typedef enum ct_theme_role {
    CT_TH_NORMAL = 0,
    CT_TH_DIM,       /* secondary text: ids, timestamps */
    CT_TH_HEADER,    /* column headers, pane titles */
    CT_TH_STATUSBAR, /* the bottom/top status bar */
    CT_TH_SELECTED,  /* the selected row */
    CT_TH_BORDER,
    CT_TH_LIVE,   /* ongoing calls */
    CT_TH_QUEUED, /* queued / ringing */
    CT_TH_FORWARDED,
    CT_TH_FINISHED,
    CT_TH_FAILED,  /* busy / no-answer / failed attempts */
    CT_TH_NEW,     /* a row that just appeared */
    CT_TH_PENDING, /* an action was sent and is not confirmed yet */
    CT_TH_HANG,    /* the assistant went silent: an operator should look */
    CT_TH_INFO,
    CT_TH_WARN,
    CT_TH_ERROR,
    CT_TH_OK,
    CT_TH_FIELD,       /* an input field */
    CT_TH_FIELD_FOCUS, /* the focused input field */
    CT_TH_BUTTON,
    CT_TH_BUTTON_FOCUS,
    CT_TH_DESTRUCTIVE, /* marks end/forward: cannot be undone */
    CT_TH_USER,        /* transcript: the caller */
    CT_TH_ASSISTANT,   /* transcript: the AI assistant */
    CT_TH_KEY,         /* a key name in help / hints */
    CT_TH__COUNT
} ct_theme_role;

/* One row of the theme table (exposed for the help screen and tests). */
typedef struct ct_theme_entry {
    ct_theme_role role;
    const char *name;  /* "live", "error", ... */
    short fg, bg;      /* curses COLOR_*; -1 = terminal default */
    attr_t color_attr; /* extra attributes in colour mode */
    attr_t mono_attr;  /* attributes in monochrome mode */
} ct_theme_entry;

const ct_theme_entry *ct_theme_table(size_t *n);

/* Call after initscr(). color=false (NO_COLOR, --no-color) or a terminal
 * without colours selects monochrome; utf8=false selects ASCII glyphs.
 * Safe to call again (e.g. to toggle). */
void ct_theme_init(bool color, bool utf8);
bool ct_theme_is_color(void);
bool ct_theme_is_utf8(void);
/* Attributes (colour pair included when in colour mode) for a role. Valid
 * before ct_theme_init (monochrome, ASCII). */
attr_t ct_theme_attr(ct_theme_role role);

/* Status glyphs. */
typedef enum ct_glyph_kind {
    CT_GLYPH_LIVE = 0,    /* ● / * */
    CT_GLYPH_QUEUED,      /* ◌ / . */
    CT_GLYPH_RINGING,     /* ◔ / ~ */
    CT_GLYPH_FORWARDED,   /* ↪ / > */
    CT_GLYPH_FINISHED,    /* ✓ / v */
    CT_GLYPH_FAILED,      /* ✗ / x */
    CT_GLYPH_PENDING,     /* … / ? */
    CT_GLYPH_HANG,        /* ! (⚠ may draw 2 cells wide) */
    CT_GLYPH_UNKNOWN,     /* · / - */
    CT_GLYPH_UNCONFIRMED, /* ○ / o: live, but not confirmed within its channel's cadence */
    CT_GLYPH__COUNT
} ct_glyph_kind;

/* Always one terminal column wide. */
const char *ct_theme_glyph(ct_glyph_kind k);
/* Which glyph / role a call shows (failed attempts win over status; a
 * forwarded call is forwarded; ringing phones are "ringing"). Pure. */
ct_glyph_kind ct_theme_call_glyph_kind(const ct_call *c);
ct_theme_role ct_theme_call_role(const ct_call *c);
/* Short word for the status column ("live", "queued", "ringing", "fwd",
 * "done", "failed", or the raw status text). */
const char *ct_theme_call_word(const ct_call *c);

#endif
