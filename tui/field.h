/* field.h — a one-line UTF-8 text input, the editing core shared by the
 * new-call form and the action dialogs.
 *
 * Pure (no drawing): keys are the ints of pane.h. Editing keys: printable
 * characters insert at the cursor; Backspace / Delete remove one character;
 * Left / Right move by one character; Home / End and Ctrl-A / Ctrl-E jump;
 * Ctrl-U deletes to the start, Ctrl-K to the end, Ctrl-W the word before
 * the cursor. The buffer always holds valid UTF-8 and never more than
 * CT_FIELD_MAX - 1 bytes; input that would overflow is refused whole. */
#ifndef CALLTOP_TUI_FIELD_H
#define CALLTOP_TUI_FIELD_H

#include <stdbool.h>
#include <stddef.h>

#define CT_FIELD_MAX 512

typedef struct ct_field {
    char buf[CT_FIELD_MAX];
    size_t len;   /* bytes */
    size_t cur;   /* cursor, a byte offset on a character boundary */
    size_t limit; /* max bytes (0 = CT_FIELD_MAX - 1) */
} ct_field;

typedef enum {
    CT_FIELD_IGNORED = 0, /* not an editing key */
    CT_FIELD_MOVED,       /* the cursor moved (redraw) */
    CT_FIELD_CHANGED,     /* the text changed */
    CT_FIELD_REFUSED,     /* an editing key that could not apply (full, at an edge) */
} ct_field_result;

void ct_field_init(ct_field *f, size_t limit);
/* Replaces the text (cut to the limit at a character boundary); cursor at
 * the end. NULL = "". */
void ct_field_set(ct_field *f, const char *s);
const char *ct_field_text(const ct_field *f);
bool ct_field_empty(const ct_field *f);
ct_field_result ct_field_key(ct_field *f, int key);

/* Horizontal scrolling for a box `cols` wide: adjusts *scroll (a byte
 * offset, kept across draws) so the cursor is visible, and returns the
 * cursor's column inside the box. */
int ct_field_view(const ct_field *f, int cols, size_t *scroll);

#endif
