/* theme.c — the theme table, colour-pair setup and status glyphs.
 *
 * Colour pairs are numbered role + 1 so a role's pair never depends on
 * initialisation order. In monochrome every role uses its mono_attr, picked
 * so the screen stays readable: statuses are told apart by glyph and word,
 * urgency by bold / reverse / underline. */
#include "theme.h"

#include <string.h>

static const ct_theme_entry table[CT_TH__COUNT] = {
    /* role               name          fg             bg          colour attrs          mono attrs */
    {CT_TH_NORMAL, "normal", -1, -1, A_NORMAL, A_NORMAL},
    {CT_TH_DIM, "dim", -1, -1, A_DIM, A_DIM},
    {CT_TH_HEADER, "header", COLOR_CYAN, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    {CT_TH_STATUSBAR, "statusbar", COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
    {CT_TH_SELECTED, "selected", COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE},
    {CT_TH_BORDER, "border", COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
    {CT_TH_LIVE, "live", COLOR_GREEN, -1, A_BOLD, A_BOLD},
    {CT_TH_QUEUED, "queued", COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    {CT_TH_FORWARDED, "forwarded", COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL},
    {CT_TH_FINISHED, "finished", -1, -1, A_DIM, A_DIM},
    {CT_TH_FAILED, "failed", COLOR_RED, -1, A_NORMAL, A_UNDERLINE},
    {CT_TH_NEW, "new", COLOR_CYAN, -1, A_BOLD, A_BOLD},
    {CT_TH_PENDING, "pending", COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    {CT_TH_HANG, "hang", COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE | A_BOLD},
    {CT_TH_INFO, "info", -1, -1, A_NORMAL, A_NORMAL},
    {CT_TH_WARN, "warn", COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    {CT_TH_ERROR, "error", COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    {CT_TH_OK, "ok", COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    {CT_TH_FIELD, "field", -1, -1, A_UNDERLINE, A_UNDERLINE},
    {CT_TH_FIELD_FOCUS, "field-focus", COLOR_BLACK, COLOR_WHITE, A_NORMAL, A_REVERSE},
    {CT_TH_BUTTON, "button", -1, -1, A_NORMAL, A_NORMAL},
    {CT_TH_BUTTON_FOCUS, "button-focus", COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE | A_BOLD},
    {CT_TH_DESTRUCTIVE, "destructive", COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    {CT_TH_USER, "user", COLOR_CYAN, -1, A_BOLD, A_BOLD},
    {CT_TH_ASSISTANT, "assistant", COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    {CT_TH_KEY, "key", COLOR_YELLOW, -1, A_BOLD, A_BOLD},
};

static const char *glyph_utf8[CT_GLYPH__COUNT] = {
    "\xE2\x97\x8F", /* ● live */
    "\xE2\x97\x8C", /* ◌ queued */
    "\xE2\x97\x94", /* ◔ ringing */
    "\xE2\x86\xAA", /* ↪ forwarded */
    "\xE2\x9C\x93", /* ✓ finished */
    "\xE2\x9C\x97", /* ✗ failed */
    "\xE2\x80\xA6", /* … pending */
    "!",            /* hang: a one-cell glyph that is never drawn wide */
    "\xC2\xB7",     /* · unknown */
    "\xE2\x97\x8B", /* ○ unconfirmed: a hollow "live" */
};
static const char *glyph_ascii[CT_GLYPH__COUNT] = {"*", ".", "~", ">", "v",
                                                   "x", "?", "!", "-", "o"};

static bool use_color = false, use_utf8 = false;

const ct_theme_entry *ct_theme_table(size_t *n)
{
    if (n) *n = CT_TH__COUNT;
    return table;
}

void ct_theme_init(bool color, bool utf8)
{
    use_utf8 = utf8;
    use_color = color && has_colors();
    if (!use_color) return;
    start_color();
    /* -1 (terminal default) needs use_default_colors(); without it fall
     * back to white on black. */
    bool defaults = use_default_colors() == OK;
    for (int i = 0; i < CT_TH__COUNT; i++) {
        short fg = table[i].fg, bg = table[i].bg;
        if (!defaults) {
            if (fg < 0) fg = COLOR_WHITE;
            if (bg < 0) bg = COLOR_BLACK;
        }
        init_pair((short)(i + 1), fg, bg);
    }
}

bool ct_theme_is_color(void)
{
    return use_color;
}
bool ct_theme_is_utf8(void)
{
    return use_utf8;
}

attr_t ct_theme_attr(ct_theme_role role)
{
    if ((int)role < 0 || role >= CT_TH__COUNT) role = CT_TH_NORMAL;
    if (!use_color) return table[role].mono_attr;
    return table[role].color_attr | COLOR_PAIR(role + 1);
}

const char *ct_theme_glyph(ct_glyph_kind k)
{
    if ((int)k < 0 || k >= CT_GLYPH__COUNT) k = CT_GLYPH_UNKNOWN;
    return use_utf8 ? glyph_utf8[k] : glyph_ascii[k];
}

ct_glyph_kind ct_theme_call_glyph_kind(const ct_call *c)
{
    if (!c) return CT_GLYPH_UNKNOWN;
    if (ct_call_is_failed_attempt(c)) return CT_GLYPH_FAILED;
    switch (c->status) {
    case CT_STATUS_FORWARDED: return CT_GLYPH_FORWARDED;
    case CT_STATUS_FINISHED: return CT_GLYPH_FINISHED;
    case CT_STATUS_QUEUED: return CT_GLYPH_QUEUED;
    case CT_STATUS_ONGOING:
        if (c->phone_status == CT_PHONE_RINGING || c->phone_status == CT_PHONE_TRYING ||
            c->phone_status == CT_PHONE_EARLY_MEDIA)
            return CT_GLYPH_RINGING;
        return CT_GLYPH_LIVE;
    default: break;
    }
    switch (c->phone_status) {
    case CT_PHONE_TRYING:
    case CT_PHONE_EARLY_MEDIA:
    case CT_PHONE_RINGING: return CT_GLYPH_RINGING;
    case CT_PHONE_IN_PROGRESS: return CT_GLYPH_LIVE;
    case CT_PHONE_COMPLETED: return CT_GLYPH_FINISHED;
    default: return CT_GLYPH_UNKNOWN;
    }
}

ct_theme_role ct_theme_call_role(const ct_call *c)
{
    switch (ct_theme_call_glyph_kind(c)) {
    case CT_GLYPH_LIVE: return CT_TH_LIVE;
    case CT_GLYPH_QUEUED:
    case CT_GLYPH_RINGING: return CT_TH_QUEUED;
    case CT_GLYPH_FORWARDED: return CT_TH_FORWARDED;
    case CT_GLYPH_FINISHED: return CT_TH_FINISHED;
    case CT_GLYPH_FAILED: return CT_TH_FAILED;
    default: return CT_TH_NORMAL;
    }
}

const char *ct_theme_call_word(const ct_call *c)
{
    switch (ct_theme_call_glyph_kind(c)) {
    case CT_GLYPH_LIVE: return "live";
    case CT_GLYPH_QUEUED: return "queued";
    case CT_GLYPH_RINGING: return "ringing";
    case CT_GLYPH_FORWARDED: return "fwd";
    case CT_GLYPH_FINISHED: return "done";
    case CT_GLYPH_FAILED: return "failed";
    default: break;
    }
    if (c && c->status_text && c->status_text[0]) return c->status_text;
    if (c && c->phone_status_text && c->phone_status_text[0]) return c->phone_status_text;
    return "?";
}
