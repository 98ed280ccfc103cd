/* actions.c — the action table and everything generated from it: key
 * lookup, the key-hint line and the man page's KEYS section. Adding a key
 * is one row here; help, hints and docs follow. */
#include <string.h>
#include "calltop/args.h"
#include "actions.h"
#include "calltop/model.h"
#include "pane.h"
#include "theme.h"

#define NAV  0u
#define HINT CT_AF_HINT
#define W    (CT_AF_WRITE | CT_AF_HINT)

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_action ct_actions[] = {
    {CT_A_UP, {'k', KEY_UP}, "k/↑", "k, Up", "up", "Move the selection (or the transcript) up one line.", NAV},
    {CT_A_DOWN, {'j', KEY_DOWN}, "j/↓", "j, Down", "down", "Move the selection (or the transcript) down one line.", NAV},
    {CT_A_PGUP, {KEY_PPAGE, CT_KEY_CTRL('b')}, "PgUp", "PgUp, Ctrl-B", "page up", "Move up one page.", NAV},
    {CT_A_PGDN, {KEY_NPAGE, CT_KEY_CTRL('f')}, "PgDn", "PgDn, Ctrl-F", "page down", "Move down one page.", NAV},
    {CT_A_TOP, {'g', KEY_HOME}, "g/Home", "g, Home", "top", "Go to the first row (or the start of the transcript).", NAV},
    {CT_A_BOTTOM, {'G', KEY_END}, "G/End", "G, End", "bottom", "Go to the last row (or follow the transcript's tail again).", NAV},
    {CT_A_FOCUS_NEXT, {'\t', KEY_BTAB}, "Tab", "Tab", "pane", "Move the focus between the call list and the details pane.", NAV},
    {CT_A_OPEN, {'\n', '\r', KEY_ENTER}, "Enter", "Enter", "open", "Show the selected call in the details pane (single-pane layout: switch to it).", NAV},
    {CT_A_BACK, {CT_KEY_ESC}, "Esc", "Esc", "back", "Close a dialog, clear the search, or go back to the list.", NAV},
    {CT_A_SEARCH, {'/'}, "/", "/", "search", "Incremental search over ids, numbers, assistant and customer names; Enter keeps it, Esc clears it.", HINT},
    {CT_A_FILTER, {'v'}, "v", "v", "filter", "Cycle the filter: live, all, failed attempts, inbound, outbound, then each status.", HINT},
    {CT_A_SORT_NEXT, {'o'}, "o", "o", "sort", "Sort by the next column.", HINT},
    {CT_A_SORT_REVERSE, {'O'}, "O", "O", "reverse", "Reverse the sort order.", NAV},
    {CT_A_SORT_COLUMN, {'1', '2', '3', '4', '5', '6', '7', '8'}, "1-8", "1 to 8", "sort by", "Sort by column N; press again to reverse.", NAV},
    {CT_A_FOLLOW, {'F'}, "F", "F", "follow", "Toggle follow-newest: keep the newest call selected (moving the selection turns it off).", HINT},
    {CT_A_PIN, {'p'}, "p", "p", "pin", "Pin or unpin the selected call (the focused tile) for tiles.", CT_AF_NEEDS_CALL},
    {CT_A_TILES, {'w'}, "w", "w", "tiles", "Tiles: side by side, stacked, grid, then the board again.", NAV},
    {CT_A_PICK_ASSISTANT, {'A'}, "A", "A", "assistant", "Filter by an assistant picked from those seen.", NAV},
    {CT_A_PICK_NUMBER, {'N'}, "N", "N", "our number", "Filter by a number of ours picked from those seen.", NAV},
    {CT_A_NEW_CALL, {'n'}, "n", "n", "new", "Place an outbound call (the new-call form).", W},
    {CT_A_END, {'e'}, "e", "e", "end", "End the selected live call (asks first).", W | CT_AF_NEEDS_CALL | CT_AF_NEEDS_LIVE},
    {CT_A_FORWARD, {'f'}, "f", "f", "fwd", "Forward the selected live call to a number (asks first).", W | CT_AF_NEEDS_CALL | CT_AF_NEEDS_LIVE},
    {CT_A_SAY, {'s'}, "s", "s", "say", "Make the assistant say a sentence on the selected live call.", W | CT_AF_NEEDS_CALL | CT_AF_NEEDS_LIVE},
    {CT_A_DTMF, {'d'}, "d", "d", "dtmf", "Send DTMF digits on the selected live call.", W | CT_AF_NEEDS_CALL | CT_AF_NEEDS_LIVE},
    {CT_A_SMS, {'m'}, "m", "m", "sms", "Send an SMS to the selected call's customer.", W | CT_AF_NEEDS_CALL | CT_AF_NEEDS_LIVE},
    {CT_A_EXPORT_CSV, {'x'}, "x", "x", "csv", "Export the view as CSV; formula-like cells get a leading '.", NAV},
    {CT_A_EXPORT_TEXT, {'t'}, "t", "t", "text", "Export the selected call's transcript as text.", CT_AF_NEEDS_CALL},
    {CT_A_MSGLOG, {'L'}, "L", "L", "log", "Show the message log (every flash message and request outcome).", NAV},
    {CT_A_REFRESH, {'r'}, "r", "r", "refresh", "Fetch the call list (and the selected call) again now.", NAV},
    {CT_A_REDRAW, {CT_KEY_CTRL('l')}, "^L", "Ctrl-L", "redraw", "Repaint the whole screen.", NAV},
    {CT_A_HELP, {'?', KEY_F(1)}, "?", "?, F1", "help", "Show this help.", HINT},
    {CT_A_QUIT, {'q'}, "q", "q", "quit", "Quit (asks when a request is still pending).", HINT},
    {CT_A_ATTENTION, {'!'}, "!", "!", "attention", "Show the attention view: open items (hang, error, long call, ringing, silence, keywords, failed attempts, unreachable) by severity, then age; Enter opens the call.", NAV},
    {CT_A_ACK, {'a'}, "a", "a", "ack", "Acknowledge the selected call's attention items (in the attention view: the highlighted item); the message log keeps them.", NAV},
    {CT_A_SNOOZE, {'z'}, "z", "z", "snooze", "Snooze the selected call's attention items for 15 minutes (in the attention view: the highlighted item).", NAV},
    {CT_A_BULK_END, {'E'}, "E", "E", "end all", "End every live call of the current view: a preview lists each call and the exact request; type the count to send.", CT_AF_WRITE},
    {CT_A_COPY_ID, {'y'}, "y", "y", "copy id", "Copy the selected call's id to the clipboard (OSC 52; works over SSH, and in tmux through its passthrough).", CT_AF_NEEDS_CALL},
    {CT_A_BULK_SAY, {'S'}, "S", "S", "say all", "Say a sentence on every live call of the current view (preview, then type the count).", CT_AF_WRITE},
    {CT_A_REPLAY_PLAY, {' '}, "Space", "Space", "play", "With --replay: play or pause the recording.", CT_AF_REPLAY},
    {CT_A_REPLAY_FASTER, {'>'}, ">", ">", "faster", "With --replay: double the speed (up to 64x).", CT_AF_REPLAY},
    {CT_A_REPLAY_SLOWER, {'<'}, "<", "<", "slower", "With --replay: halve the speed (down to 1x).", CT_AF_REPLAY},
    {CT_A_REPLAY_STEP, {'.'}, ".", ".", "step", "With --replay: apply the next recorded event, then pause.", CT_AF_REPLAY},
    {CT_A_REPLAY_SEEK, {':'}, ":", ":", "seek", "With --replay: seek to a time: HH:MM:SS on the recording's day, or +N / -N seconds; Enter goes, Esc cancels.", CT_AF_REPLAY},
};
/* clang-format on */
const size_t ct_actions_count = sizeof ct_actions / sizeof ct_actions[0];

ct_action_id ct_action_for_key(int key)
{
    if (key == 0) return CT_A_NONE;
    for (size_t i = 0; i < ct_actions_count; i++)
        for (int k = 0; k < CT_ACTION_MAX_KEYS && ct_actions[i].keys[k]; k++)
            if (ct_actions[i].keys[k] == key) return ct_actions[i].id;
    return CT_A_NONE;
}

const ct_action *ct_action_get(ct_action_id id)
{
    for (size_t i = 0; i < ct_actions_count; i++)
        if (ct_actions[i].id == id) return &ct_actions[i];
    return NULL;
}

bool ct_action_allowed(const ct_action *a, bool read_only)
{
    return a && !(read_only && (a->flags & CT_AF_WRITE));
}

int ct_action_control(ct_action_id id)
{
    switch (id) {
    case CT_A_END: return CT_ACTION_END;
    case CT_A_FORWARD: return CT_ACTION_FORWARD;
    case CT_A_SAY: return CT_ACTION_SAY;
    case CT_A_DTMF: return CT_ACTION_DTMF;
    case CT_A_SMS: return CT_ACTION_SMS;
    default: return -1;
    }
}

size_t ct_action_hint_line(char *buf, size_t cap, int width, bool read_only)
{
    size_t len = 0;
    if (cap == 0) return 0;
    buf[0] = '\0';
    /* quit and help first: they must survive a narrow terminal */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ct_actions_count; i++) {
            const ct_action *a = &ct_actions[i];
            bool first = a->id == CT_A_QUIT || a->id == CT_A_HELP;
            if (first != (pass == 0)) continue;
            if (!(a->flags & CT_AF_HINT) || !ct_action_allowed(a, read_only)) continue;
            /* hinted keys have ASCII labels, so bytes == cells */
            char item[48];
            int n = snprintf(item, sizeof item, "%s%s %s", len ? "  " : "", a->key_label, a->name);
            if (n < 0 || (size_t)n >= sizeof item) continue;
            if ((int)(len + (size_t)n) > width || len + (size_t)n + 1 > cap) continue;
            memcpy(buf + len, item, (size_t)n + 1);
            len += (size_t)n;
        }
    }
    return len;
}

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_help_note ct_help_notes[] = {
    { -1, 0, NULL, "Status", "what the glyph before each call in the STATUS column means" },
    { CT_GLYPH_LIVE, 0x25CF, "*", NULL, "live: the call is in progress" },
    { CT_GLYPH_RINGING, 0x25D4, "~", NULL, "ringing: the phone rings or the call is being set up" },
    { CT_GLYPH_QUEUED, 0x25CC, ".", NULL, "queued: the call waits to start" },
    { CT_GLYPH_FORWARDED, 0x21AA, ">", NULL, "forwarded to another number" },
    { CT_GLYPH_FINISHED, 0x2713, "v", NULL, "done: the call ended" },
    { CT_GLYPH_FAILED, 0x2717, "x", NULL, "failed: busy, no answer, or it could not be placed" },
    { CT_GLYPH_PENDING, 0x2026, "?", NULL, "pending: an action was sent, no answer from the server yet" },
    { CT_GLYPH_HANG, '!', "!", NULL, "hang: the assistant went silent (a hang event, nothing said since)" },
    { CT_GLYPH_UNKNOWN, 0x00B7, "-", NULL, "status not known yet" },
    { CT_GLYPH_UNCONFIRMED, 0x25CB, "o", NULL, "unconfirmed: shown live, but nothing confirmed it "
                                                "in time (\"live?\", a ~ duration is an estimate)" },
    { -1, 0, NULL, "Mouse", "click a call to select it; click a column title to sort by it (again "
                            "to reverse); the wheel scrolls the list or the details under the pointer" },
};
/* clang-format on */
const size_t ct_help_notes_count = sizeof ct_help_notes / sizeof ct_help_notes[0];

void ct_action_write_roff(FILE *out)
{
    for (size_t i = 0; i < ct_actions_count; i++) {
        const ct_action *a = &ct_actions[i];
        fputs(".TP\n.B ", out);
        ct_roff(out, a->key_label_ascii);
        fputc('\n', out);
        ct_roff(out, a->help);
        if (a->flags & CT_AF_WRITE)
            fputs(" Hidden and refused with \\fB\\-\\-read\\-only\\fR.", out);
        /* tui/refusal.h: typed-ahead text must not become board commands */
        if (a->flags & CT_AF_WRITE)
            fputs(" When refused, a box says why and takes every key until Enter or Esc.", out);
        if (ct_action_destructive(a)) fputs(" The confirmation defaults to Cancel.", out);
        fputc('\n', out);
    }
    for (size_t i = 0; i < ct_help_notes_count; i++) {
        const ct_help_note *n = &ct_help_notes[i];
        fputs(".TP\n", out);
        if (n->glyph < 0) {
            fputs(".B ", out);
            ct_roff(out, n->label);
        } else if (n->ucs < 0x80) {
            fprintf(out, ".B %s", n->ascii);
        } else {
            fprintf(out, "\\[u%04X] (\\fB", n->ucs);
            ct_roff(out, n->ascii);
            fputs("\\fR without UTF\\-8)", out);
        }
        fputc('\n', out);
        ct_roff(out, n->text);
        fputs(".\n", out);
    }
}

bool ct_action_destructive(const ct_action *a)
{
    int c = a ? ct_action_control(a->id) : -1;
    return c >= 0 && ct_control_action_destructive((ct_control_action)c);
}
