/* boardstate.c — the remembered board state as text (see boardstate.h).
 * Pure: no files, no ncurses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boardstate.h"
#include "listmodel.h"

static const char *const sort_names[CT_SORT__COUNT] = {
    [CT_SORT_START] = "start",
    [CT_SORT_DURATION] = "duration",
    [CT_SORT_STATUS] = "status",
    [CT_SORT_DIRECTION] = "direction",
    [CT_SORT_CUSTOMER] = "customer",
    [CT_SORT_ASSISTANT] = "assistant",
    [CT_SORT_PHONE_STATUS] = "phone-status",
    [CT_SORT_LAST_ACTIVITY] = "last-activity",
    [CT_SORT_ASSISTANT_NUMBER] = "assistant-number",
};
static const char *const view_names[] = {"board", "tiles-side", "tiles-stacked", "tiles-grid"};
_Static_assert(sizeof view_names / sizeof *view_names == 1 + CT_TILES__ARR_COUNT,
               "one view name per tiles arrangement, after the board");

const char *ct_board_state_sort_name(ct_sort_key k)
{
    return k >= 0 && k < CT_SORT__COUNT ? sort_names[k] : "start";
}

void ct_board_state_defaults(ct_board_state *s)
{
    memset(s, 0, sizeof *s);
    s->sort = CT_SORT_START;
    s->descending = true; /* listmodel.c: newest first */
    s->filter_step = 0;
    s->arrangement = CT_TILES_SIDE;
}

/* A pin is written as one line: an id with a control character (a server
 * could send one) would break the file, so it is not remembered. */
static bool pin_writable(const char *id)
{
    if (!id[0]) return false;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return false;
    return true;
}

size_t ct_board_state_encode(const ct_board_state *s, char *buf, size_t cap)
{
    size_t len = 0;
    int n = snprintf(buf, cap,
                     "# calltop board state; written on exit, safe to delete\n"
                     "version=%d\nsort=%s\ndescending=%d\nfilter=%s\nview=%s\n",
                     CT_BOARD_STATE_VERSION, ct_board_state_sort_name(s->sort),
                     s->descending ? 1 : 0, ct_filter_step_name(s->filter_step),
                     view_names[s->tiled ? 1 + (int)s->arrangement % CT_TILES__ARR_COUNT : 0]);
    if (n < 0 || (size_t)n >= cap) return 0;
    len = (size_t)n;
    if (s->assistant_id[0] && pin_writable(s->assistant_id)) {
        n = snprintf(buf + len, cap - len, "assistant=%s\n", s->assistant_id);
        if (n < 0 || (size_t)n >= cap - len) return 0;
        len += (size_t)n;
    }
    if (s->our_number[0] && pin_writable(s->our_number)) {
        n = snprintf(buf + len, cap - len, "number=%s\n", s->our_number);
        if (n < 0 || (size_t)n >= cap - len) return 0;
        len += (size_t)n;
    }
    for (int i = 0; i < s->n_pins && i < CT_TILES_MAX_PINNED; i++) {
        if (!pin_writable(s->pins[i])) continue;
        n = snprintf(buf + len, cap - len, "pin=%s\n", s->pins[i]);
        if (n < 0 || (size_t)n >= cap - len) return 0;
        len += (size_t)n;
    }
    return len;
}

static int name_index(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(v, names[i]) == 0) return i;
    return -1;
}

/* One "key=value" line; 0, or -1 with err set. */
static int decode_line(ct_board_state *s, const char *key, const char *v, int lineno,
                       bool *saw_version, ct_error *err)
{
    if (strcmp(key, "version") == 0) {
        if (strcmp(v, "1") != 0) {
            ct_error_set(err, CT_ECONFIG,
                         "line %d: version %.32s is not one this calltop reads (1)", lineno, v);
            return -1;
        }
        *saw_version = true;
    } else if (strcmp(key, "sort") == 0) {
        int k = name_index(v, sort_names, CT_SORT__COUNT);
        if (k < 0) {
            ct_error_set(err, CT_ECONFIG, "line %d: unknown sort '%.32s'", lineno, v);
            return -1;
        }
        s->sort = (ct_sort_key)k;
    } else if (strcmp(key, "descending") == 0) {
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            ct_error_set(err, CT_ECONFIG, "line %d: descending must be 0 or 1, not '%.32s'", lineno,
                         v);
            return -1;
        }
        s->descending = v[0] == '1';
    } else if (strcmp(key, "filter") == 0) {
        int step = -1;
        for (int i = 0; i < CT_FILTER_STEPS && step < 0; i++)
            if (strcmp(v, ct_filter_step_name(i)) == 0) step = i;
        if (step < 0) {
            ct_error_set(err, CT_ECONFIG, "line %d: unknown filter '%.32s'", lineno, v);
            return -1;
        }
        s->filter_step = step;
    } else if (strcmp(key, "view") == 0) {
        int k = name_index(v, view_names, (int)(sizeof view_names / sizeof *view_names));
        if (k < 0) {
            ct_error_set(err, CT_ECONFIG, "line %d: unknown view '%.32s'", lineno, v);
            return -1;
        }
        s->tiled = k > 0;
        s->arrangement = k > 0 ? (ct_tiles_arrangement)(k - 1) : CT_TILES_SIDE;
    } else if (strcmp(key, "assistant") == 0 || strcmp(key, "number") == 0) {
        bool asst = key[0] == 'a';
        char *dst = asst ? s->assistant_id : s->our_number;
        size_t cap = asst ? sizeof s->assistant_id : sizeof s->our_number;
        if (strlen(v) >= cap) {
            ct_error_set(err, CT_ECONFIG, "line %d: %s longer than %zu bytes", lineno, key,
                         cap - 1);
            return -1;
        }
        snprintf(dst, cap, "%s", v);
    } else if (strcmp(key, "pin") == 0) {
        if (!v[0] || strlen(v) >= CT_CALL_ID_BUF) {
            ct_error_set(err, CT_ECONFIG, "line %d: a pinned call id must be 1 to %d bytes", lineno,
                         CT_CALL_ID_BUF - 1);
            return -1;
        }
        for (int i = 0; i < s->n_pins; i++)
            if (strcmp(s->pins[i], v) == 0) return 0; /* a repeat changes nothing */
        if (s->n_pins == CT_TILES_MAX_PINNED) {
            ct_error_set(err, CT_ECONFIG, "line %d: more than %d pinned calls", lineno,
                         CT_TILES_MAX_PINNED);
            return -1;
        }
        snprintf(s->pins[s->n_pins++], CT_CALL_ID_BUF, "%s", v);
    }
    /* other keys: from a newer calltop; skipped */
    return 0;
}

ct_err ct_board_state_decode(const char *text, size_t len, ct_board_state *out, ct_error *err)
{
    ct_board_state s;
    ct_board_state_defaults(&s);
    ct_board_state_defaults(out);
    bool saw_version = false;
    int lineno = 0;
    size_t i = 0;
    while (i < len) {
        size_t end = i;
        while (end < len && text[end] != '\n') end++;
        lineno++;
        char line[CT_CALL_ID_BUF + 64];
        size_t n = end - i;
        if (n && text[i + n - 1] == '\r') n--;
        if (n >= sizeof line)
            return ct_error_set(err, CT_ECONFIG, "line %d: longer than %zu bytes", lineno,
                                sizeof line - 1);
        memcpy(line, text + i, n);
        line[n] = '\0';
        i = end + 1;
        if (memchr(line, '\0', n))
            return ct_error_set(err, CT_ECONFIG, "line %d: a NUL byte (not a text file)", lineno);
        if (!line[0] || line[0] == '#') continue;
        char *eq = strchr(line, '=');
        if (!eq) return ct_error_set(err, CT_ECONFIG, "line %d: expected key=value", lineno);
        *eq = '\0';
        if (decode_line(&s, line, eq + 1, lineno, &saw_version, err) != 0)
            return err ? err->code : CT_ECONFIG;
    }
    if (!saw_version)
        return ct_error_set(err, CT_ECONFIG, "no version line: not a calltop state file");
    *out = s;
    return CT_OK;
}
