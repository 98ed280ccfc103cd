/* detailmodel.h — the details pane's content as wrapped, sanitized lines,
 * built without ncurses: every call field, metadata, analysis, the
 * phoneCallStatusReason, hang / error markers, then the transcript with
 * role, time and wrapped text. The pane scrolls over these lines. */
#ifndef CALLTOP_TUI_DETAILMODEL_H
#define CALLTOP_TUI_DETAILMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/store.h"
#include "theme.h"

typedef struct ct_dline {
    ct_theme_role role; /* how the line is drawn */
    int indent;         /* leading cells (wrapped continuation lines) */
    char *text;         /* sanitized UTF-8, fits width - indent */
} ct_dline;

/* The transcript's cache: which store message each run of wrapped lines
 * came from (the message's string pointers, role and time: the store
 * replaces a changed text by a new allocation made before the old one is
 * freed, so a changed line never keeps its pointer). */
typedef struct ct_dmsg_key {
    const void *id, *text, *role_text;
    int role;
    ct_time_ms timestamp;
    size_t first; /* its first line in tx */
} ct_dmsg_key;

typedef struct ct_detail_doc {
    ct_dline *lines; /* lines[0..n_head) own their text; the rest are
                                copies of tx's lines (borrowed text) */
    size_t n, cap;
    size_t n_head;
    size_t pinned;           /* leading lines (hang / error markers, the status and its
                                reason) the pane keeps on screen while the rest scrolls */
    size_t markers;          /* of those, the hang / error / not-visible markers (a tile
                                shows its status in its own title line) */
    size_t transcript_start; /* index of the transcript heading */
    size_t n_messages;
    /* Incremental transcript: the wrapped lines of each message, kept
     * between builds for one call id at one width. A build re-wraps only
     * the messages after the first one that changed (an append wraps only
     * the new lines); lines dropped at the front by the store's cap are
     * dropped from the cache. */
    ct_dline *tx;
    size_t n_tx, cap_tx;
    ct_dmsg_key *keys;
    size_t n_keys, cap_keys;
    char tx_call[CT_CALL_ID_BUF];
    int tx_width;
    size_t rewrapped;  /* messages wrapped by the last build (tests, bench) */
    uint64_t head_key; /* hash of what the lines above the transcript show */
    bool head_valid;   /* lines[0..n_head) were built for head_key */
    /* The recording URL's lines (issue 15: drawn as an OSC 8 hyperlink):
     * lines [link_first, link_first + link_n) show it; the first of them
     * starts with link_skip0 bytes (= cells, ASCII) of label. */
    size_t link_first, link_n, link_skip0;
    char link_url[512];
} ct_detail_doc;

/* Builds the document for a call at a width (>= 1); replaces doc's lines.
 * doc must start zeroed; the transcript part is reused from the previous
 * build where the call's messages did not change. */
int ct_detail_build(ct_detail_doc *doc, const ct_call_entry *e, int width, ct_time_ms now);
void ct_detail_doc_free(ct_detail_doc *doc);

#endif
