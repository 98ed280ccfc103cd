/* picker.h — choose a filter from a list (issue 15 item 4): the assistants
 * or the numbers of ours (assistantNumber) seen in the store, each with its
 * call count, "(any)" first to clear the choice. Enter applies, Esc
 * cancels. The model is pure (tests/tui/test_picker.c); the pane is a modal
 * that applies the choice to the call list's model. */
#ifndef CALLTOP_TUI_PICKER_H
#define CALLTOP_TUI_PICKER_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/store.h"
#include "listmodel.h"
#include "pane.h"

typedef enum ct_pick_kind { CT_PICK_ASSISTANT = 0, CT_PICK_NUMBER } ct_pick_kind;

typedef struct ct_pick_item {
    char value[128]; /* the assistant id or the number; "" = any */
    char label[200]; /* "Ava (Support)  asst-42" (unsanitized) */
    size_t calls;    /* calls in the store with it */
} ct_pick_item;

typedef struct ct_picker_model {
    ct_pick_kind kind;
    ct_pick_item *items; /* items[0] is "(any)"; the rest by label */
    size_t n, cap;
    size_t sel;
    size_t top; /* first row shown (the pane keeps sel visible) */
} ct_picker_model;

/* Lists the distinct values in the store; sel starts on `current` (or on
 * "(any)" when it is "" or no longer seen, in which case it is still
 * listed, with 0 calls, so the choice in force is never hidden). -1 on no
 * memory. */
int ct_picker_build(ct_picker_model *m, ct_pick_kind kind, const ct_store *s, const char *current);
void ct_picker_free(ct_picker_model *m);

typedef enum ct_pick_result {
    CT_PICK_R_NONE = 0,
    CT_PICK_R_MOVED,
    CT_PICK_R_APPLY,
    CT_PICK_R_CANCEL
} ct_pick_result;
/* Up/Down/j/k, PgUp/PgDn, g/G/Home/End move; Enter applies; Esc (and q) cancel.
 * page: rows visible (for PgUp/PgDn). */
ct_pick_result ct_picker_key(ct_picker_model *m, int key, int page);
/* The selected value ("" = any). */
const char *ct_picker_value(const ct_picker_model *m);

/* The modal pane: on Enter it sets lm's assistant or number filter. */
ct_pane *ct_picker_pane_new(ct_pick_kind kind, const ct_store *s, ct_listmodel *lm);

#endif
