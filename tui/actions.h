/* actions.h — the board's one action table.
 *
 * Every key the board understands is a row here: its id, the keys that
 * trigger it, a short name (key-hint line), a one-line help (help screen,
 * man page) and flags. Key dispatch, the help screen (?), the key-hint line
 * and the KEYS section of docs/calltop.1 (ct_manpage_keys) are all generated
 * from this table, so they cannot drift. Panes ask ct_action_for_key() what a
 * key means instead of hard-coding letters. */
#ifndef CALLTOP_TUI_ACTIONS_H
#define CALLTOP_TUI_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum ct_action_id {
    CT_A_NONE = 0,
    /* navigation (list and details) */
    CT_A_UP,
    CT_A_DOWN,
    CT_A_PGUP,
    CT_A_PGDN,
    CT_A_TOP,
    CT_A_BOTTOM,
    CT_A_FOCUS_NEXT, /* Tab: list <-> details */
    CT_A_OPEN,       /* Enter: open the selected call in the details pane */
    CT_A_BACK,       /* Esc: close / clear search / back to the list */
    /* the list */
    CT_A_SEARCH,       /* '/': incremental search */
    CT_A_FILTER,       /* cycle live / all / failed / inbound / outbound / by status */
    CT_A_SORT_NEXT,    /* next sort column */
    CT_A_SORT_REVERSE, /* flip ascending / descending */
    CT_A_SORT_COLUMN,  /* 1..8: sort by that column (again: reverse) */
    CT_A_FOLLOW,       /* follow-newest toggle */
    /* pinned calls, tiled (tui/tiles.h) */
    CT_A_PIN,            /* 'p': pin / unpin the selected call (the focused tile) */
    CT_A_TILES,          /* 'w': board -> tiles side by side -> stacked -> grid -> board */
    CT_A_PICK_ASSISTANT, /* 'A': filter by an assistant chosen from a list */
    CT_A_PICK_NUMBER,    /* 'N': filter by a number of ours chosen from a list */
    /* requests (hidden and refused with --read-only) */
    CT_A_NEW_CALL, /* 'n': the new-call form */
    CT_A_END,
    CT_A_FORWARD,
    CT_A_SAY,
    CT_A_DTMF,
    CT_A_SMS,
    /* local */
    CT_A_EXPORT_CSV,  /* the current view as CSV */
    CT_A_EXPORT_TEXT, /* the selected call's transcript as text */
    CT_A_MSGLOG,      /* the message log */
    CT_A_REFRESH,     /* refetch the list now */
    CT_A_REDRAW,      /* Ctrl-L: repaint the whole screen */
    CT_A_HELP,        /* '?' */
    CT_A_QUIT,        /* 'q' (asks when a request is pending) */
    CT_A_ATTENTION,   /* '!': the attention view */
    CT_A_ACK,         /* 'a': acknowledge attention items */
    CT_A_SNOOZE,      /* 'z': snooze attention items */
    CT_A_BULK_END,    /* 'E': end every live call of the view (tui/bulk_dialog.c) */
    CT_A_BULK_SAY,    /* 'S': say a sentence on every live call of the view */
    CT_A_COPY_ID,     /* 'y': the selected call's id to the clipboard (OSC 52) */
    /* --replay only (tui/replay.h); nothing without --replay */
    CT_A_REPLAY_PLAY,
    CT_A_REPLAY_FASTER,
    CT_A_REPLAY_SLOWER,
    CT_A_REPLAY_STEP,
    CT_A_REPLAY_SEEK,
    CT_A__COUNT
} ct_action_id;

/* Flags of an action. */
enum {
    CT_AF_WRITE = 1u << 0, /* sends a request that changes something: refused and
                                     hidden with --read-only */
    /* 1u << 1 was CT_AF_DESTRUCTIVE: see ct_action_destructive */
    CT_AF_NEEDS_CALL = 1u << 2, /* needs a selected call */
    CT_AF_NEEDS_LIVE = 1u << 3, /* needs the selected call to be live */
    CT_AF_HINT = 1u << 4,       /* shown on the key-hint line */
    CT_AF_REPLAY = 1u << 5,     /* --replay only: in the help only then (always in the man page) */
};

#define CT_ACTION_MAX_KEYS 9

typedef struct ct_action {
    ct_action_id id;
    int keys[CT_ACTION_MAX_KEYS]; /* key codes as in pane.h; 0 ends the list */
    const char *key_label;        /* how keys are written in help: "j/↓" */
    const char *key_label_ascii;  /* the same in ASCII for the man page: "j, Down" */
    const char *name;             /* short verb for the hint line: "end" */
    const char *help;             /* one sentence for the help screen and man page */
    unsigned flags;               /* CT_AF_* */
} ct_action;

/* The table, in help-screen order. */
extern const ct_action ct_actions[];
extern const size_t ct_actions_count;

/* The action a key triggers, CT_A_NONE when none. */
ct_action_id ct_action_for_key(int key);
/* The row for an id (never NULL for a valid id; NULL otherwise). */
const ct_action *ct_action_get(ct_action_id id);
/* Hidden with --read-only? */
bool ct_action_allowed(const ct_action *a, bool read_only);
/* The control action an action id maps to (CT_A_END -> CT_ACTION_END ...),
 * or -1 for non-control actions. */
int ct_action_control(ct_action_id id);
/* Its control action is destructive (ct_control_action_destructive). */
bool ct_action_destructive(const ct_action *a);

/* Writes the key-hint line ("q quit  ? help  / search ...") for a width,
 * dropping actions that do not fit; returns the length. */
size_t ct_action_hint_line(char *buf, size_t cap, int width, bool read_only);
/* After the keys, the help screen and the man page explain the status
 * glyphs and the mouse (issue 13) from this one table. */
typedef struct ct_help_note {
    int glyph;         /* ct_glyph_kind (theme.h), or -1 for a titled row */
    unsigned ucs;      /* the glyph's code point, for the man page */
    const char *ascii; /* the glyph without UTF-8 */
    const char *label; /* the title when glyph is -1 ("Mouse") */
    const char *text;
} ct_help_note;
extern const ct_help_note ct_help_notes[];
extern const size_t ct_help_notes_count;

/* Writes the KEYS section body of the man page (roff) from the tables. */
void ct_action_write_roff(FILE *out);

#endif
