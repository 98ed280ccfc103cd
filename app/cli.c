/* cli.c — `calltop calls ...` and `calltop numbers`: the scripting client.
 *
 * It is the board's data path without the screen: the same fetcher thread,
 * the same inbox, the same typed events. Each command parses its arguments
 * (usage errors never touch the network), refuses mutations under
 * --read-only, submits one or two requests and waits on the inbox's fd for
 * the result carrying its request id. Human output is an aligned table of
 * sanitized server text; --json prints the API objects as JSON.
 *
 * Exit codes (docs/cli.md): 0 ok, 2 usage (also --read-only refusals and a
 * missing API key), 3 the API refused (4xx), 4 network or server trouble. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "completion.h"
#include "calltop/clock.h"
#include "calltop/api.h"
#include "calltop/json_util.h"
#include "calltop/fetcher.h"
#include "calltop/inbox.h"
#include "calltop/model.h"
#include "calltop/sanitize.h"
#include "../tui/bulk_model.h"
#include "../tui/export.h"
#include "../tui/report_fields.h"

/* How long the CLI waits for one result. The fetcher always answers (its
 * own timeouts and retry caps end every request); this only guards a bug. */
#define CLI_WAIT_MS (10 * 60 * 1000)

/* ---- errors and exit codes ----------------------------------------------- */

static int exit_code_for(const ct_error *e)
{
    switch (e->code) {
    case CT_OK: return CT_EXIT_OK;
    case CT_EUSAGE:
    case CT_EINVAL:
    case CT_ECONFIG:
    case CT_EVALUE:
    case CT_EREADONLY:
    case CT_ETYPE:
    case CT_EMISSING: return CT_EXIT_USAGE;
    case CT_EAUTH:
    case CT_ENOTFOUND:
    case CT_EVALIDATION:
    case CT_ERATELIMIT: return CT_EXIT_REFUSED;
    case CT_EHTTP:
        return e->http_status >= 400 && e->http_status < 500 ? CT_EXIT_REFUSED : CT_EXIT_NETWORK;
    case CT_ESERVER:
    case CT_ETIMEOUT:
    case CT_ETLS:
    case CT_EDNS:
    case CT_ECONNECT:
    case CT_EMALFORMED:
    case CT_ETOOBIG:
    case CT_EJSON: return CT_EXIT_NETWORK;
    default: return CT_EXIT_OTHER;
    }
}

/* "calltop: <strerror>: <detail>", server text made safe for a terminal. */
static int report(const ct_error *e)
{
    char *d = ct_sanitize_dup(e->detail, false);
    if (d && *d && strcmp(d, ct_strerror(e->code)) != 0)
        fprintf(stderr, "calltop: %s: %s\n", ct_strerror(e->code), d);
    else fprintf(stderr, "calltop: %s\n", ct_strerror(e->code));
    free(d);
    return exit_code_for(e);
}

/* The command being run ("calls list"), so a usage error points at the
 * help an installed user has: `calltop calls list --help`. */
static const char *help_path = "calls";

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "calltop: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, " (see calltop %s --help)\n", help_path);
    return CT_EXIT_USAGE;
}

/* An id is refused before any request is built or sent (issue 13). */
static int check_id(const char *id)
{
    ct_error e;
    ct_error_clear(&e);
    if (ct_api_check_id("call id", id, &e) == CT_OK) return 0;
    return usage("%s", e.detail);
}

/* ---- argument parsing ---------------------------------------------------- */

/* The words after the subcommand, split into flags and positionals. Flags
 * take "--name value" or "--name=value"; "--" ends the flags. */
typedef enum out_format { OUT_TABLE = 0, OUT_JSON, OUT_CSV } out_format;

typedef struct cli_args {
    const char *pos[16];
    int n_pos;
    bool json, live;
    bool dry_run, yes;  /* bulk end/say: preview only; send without asking */
    const char *filter; /* bulk end/say: VIEW[/SEARCH] (tui/bulk_model.h) */
    out_format out;     /* -o/--output, or --json */
    const char *output; /* as given, for messages */
    const char *since, *from, *to, *name, *assistant, *message;
    const char *meta[32];
    int n_meta;
    /* connect (issue 15): assistantOverrides and an inline assistant file */
    const char *first_message, *assistant_json;
    const char *vars[32];
    int n_vars;
} cli_args;

/* Returns 0, or an exit code after printing a usage message. `allowed` is a
 * space-separated list of the flag names this command takes. */
static int parse_args(char **argv, int argc, const char *allowed, cli_args *a)
{
    memset(a, 0, sizeof *a);
    bool flags_done = false;
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        /* -o FORMAT is the one short option: the spelling scripts expect */
        /* (only where -o is an option: "say ID -ok" still says "-ok") */
        if (!flags_done && strstr(allowed, "output") && strncmp(w, "-o", 2) == 0) {
            if (w[2]) a->output = w + 2;
            else if (i + 1 < argc) a->output = argv[++i];
            else return usage("option '-o' needs a value (table, json or csv)%s", "");
            continue;
        }
        if (flags_done || strncmp(w, "--", 2) != 0 || w[2] == '\0') {
            if (!flags_done && strcmp(w, "--") == 0) {
                flags_done = true;
                continue;
            }
            if (a->n_pos >= (int)(sizeof a->pos / sizeof a->pos[0]))
                return usage("too many arguments%s", "");
            a->pos[a->n_pos++] = w;
            continue;
        }
        char name[32];
        const char *eq = strchr(w + 2, '='), *val = NULL;
        size_t nl = eq ? (size_t)(eq - (w + 2)) : strlen(w + 2);
        if (nl >= sizeof name) return usage("unknown option '%s'", w);
        memcpy(name, w + 2, nl);
        name[nl] = '\0';
        /* the allowed list is "json live since": match a whole word */
        const char *hit = strstr(allowed, name);
        while (hit && ((hit != allowed && hit[-1] != ' ') || (hit[nl] && hit[nl] != ' ')))
            hit = strstr(hit + 1, name);
        if (!hit) return usage("unknown option '%s'", w);
        bool is_bool = strcmp(name, "json") == 0 || strcmp(name, "live") == 0 ||
            strcmp(name, "dry-run") == 0 || strcmp(name, "yes") == 0;
        if (is_bool) {
            if (eq) return usage("option '--%s' takes no value", name);
            if (strcmp(name, "json") == 0) a->json = true;
            else if (strcmp(name, "dry-run") == 0) a->dry_run = true;
            else if (strcmp(name, "yes") == 0) a->yes = true;
            else a->live = true;
            continue;
        }
        if (eq) val = eq + 1;
        else if (i + 1 < argc) val = argv[++i];
        else return usage("option '--%s' needs a value", name);
        if (strcmp(name, "since") == 0) a->since = val;
        else if (strcmp(name, "from") == 0) a->from = val;
        else if (strcmp(name, "to") == 0) a->to = val;
        else if (strcmp(name, "name") == 0) a->name = val;
        else if (strcmp(name, "assistant") == 0) a->assistant = val;
        else if (strcmp(name, "message") == 0) a->message = val;
        else if (strcmp(name, "output") == 0) a->output = val;
        else if (strcmp(name, "filter") == 0) a->filter = val;
        else if (strcmp(name, "first-message") == 0) a->first_message = val;
        else if (strcmp(name, "assistant-json") == 0) a->assistant_json = val;
        else if (strcmp(name, "var") == 0) {
            if (a->n_vars >= (int)(sizeof a->vars / sizeof a->vars[0]))
                return usage("too many --var options%s", "");
            if (!strchr(val, '=') || val[0] == '=')
                return usage("--var wants KEY=VALUE, got '%s'", val);
            a->vars[a->n_vars++] = val;
        } else if (strcmp(name, "meta") == 0) {
            if (a->n_meta >= (int)(sizeof a->meta / sizeof a->meta[0]))
                return usage("too many --meta options%s", "");
            if (!strchr(val, '=') || val[0] == '=')
                return usage("--meta wants KEY=VALUE, got '%s'", val);
            a->meta[a->n_meta++] = val;
        }
    }
    if (a->output) {
        out_format f;
        if (strcmp(a->output, "table") == 0) f = OUT_TABLE;
        else if (strcmp(a->output, "json") == 0) f = OUT_JSON;
        else if (strcmp(a->output, "csv") == 0) f = OUT_CSV;
        else return usage("-o: '%s' is not a format (table, json or csv)", a->output);
        if (a->json && f != OUT_JSON)
            return usage("--json and -o %s disagree: give one of them", a->output);
        a->out = f;
    } else if (a->json) {
        a->out = OUT_JSON;
    }
    a->json = a->out == OUT_JSON;
    return 0;
}

/* Commands that print one object have no CSV form. */
static int no_csv(const cli_args *a)
{
    return a->out == OUT_CSV ? usage("-o csv is for lists (calls list, numbers); "
                                     "use table or json here%s",
                                     "")
                             : 0;
}

/* Positionals from index `from` joined with spaces: `calls say ID hello
 * there` says "hello there". Caller frees. */
static char *join_from(const cli_args *a, int from)
{
    size_t n = 1;
    for (int i = from; i < a->n_pos; i++) n += strlen(a->pos[i]) + 1;
    char *s = calloc(1, n);
    if (!s) return NULL;
    for (int i = from; i < a->n_pos; i++) {
        if (i > from) strcat(s, " ");
        strcat(s, a->pos[i]);
    }
    return s;
}

/* ---- the session: fetcher + inbox ---------------------------------------- */

typedef struct session {
    ct_inbox *inbox;
    ct_fetcher *fetcher;
} session;

static int session_open(const ct_config *cfg, session *s)
{
    memset(s, 0, sizeof *s);
    if (!cfg->api_key || !*cfg->api_key) {
        ct_config_explain_missing_key(cfg, NULL, stderr);
        return CT_EXIT_USAGE;
    }
    ct_error err;
    ct_error_clear(&err);
    s->inbox = ct_inbox_new();
    if (!s->inbox) {
        ct_error_set(&err, CT_ENOMEM, "could not create the inbox");
        return report(&err);
    }
    ct_fetcher_options opt = {
        .base_url = cfg->base_url,
        .api_key = cfg->api_key,
        .insecure = cfg->insecure,
        .ca_file = cfg->ca_file,
        .max_retries = -1,
        .keep_raw_json = true, /* --json prints what the server sent */
        .list_parallel = ct_config_list_parallel(cfg),
    };
    s->fetcher = ct_fetcher_start(&opt, s->inbox, &err);
    if (!s->fetcher) {
        ct_inbox_free(s->inbox);
        s->inbox = NULL;
        return report(&err);
    }
    return 0;
}

static void session_close(session *s)
{
    ct_fetcher_stop(s->fetcher);
    ct_inbox_free(s->inbox);
}

/* Waits on the inbox fd for the event answering `id`; other events are
 * dropped (the CLI has one request in flight). NULL on a wait timeout. */
static ct_event *wait_for(session *s, uint64_t id)
{
    int64_t t0 = ct_clock_mono_ms();
    for (;;) {
        ct_event *ev = ct_inbox_drain(s->inbox), *found = NULL;
        while (ev) {
            ct_event *next = ev->next;
            ev->next = NULL;
            if (!found && ev->request_id == id) found = ev;
            else ct_event_free(ev);
            ev = next;
        }
        if (found) return found;
        int64_t waited = ct_clock_mono_ms() - t0;
        if (waited >= CLI_WAIT_MS) return NULL;
        struct pollfd pfd = {.fd = ct_inbox_fd(s->inbox), .events = POLLIN};
        if (poll(&pfd, 1, (int)(CLI_WAIT_MS - waited)) < 0 && errno != EINTR) return NULL;
    }
}

/* Submits nothing itself: takes the id a ct_fetch_* call returned (0 with
 * err set when the request was invalid) and returns the answer, or NULL
 * after printing the failure and storing the exit code in *code. */
static ct_event *await(session *s, uint64_t id, const ct_error *submit_err, int *code)
{
    if (id == 0) {
        *code = report(submit_err);
        return NULL;
    }
    ct_event *ev = wait_for(s, id);
    if (!ev) {
        ct_error e;
        ct_error_clear(&e);
        ct_error_set(&e, CT_ETIMEOUT, "no result from the fetcher");
        *code = report(&e);
        return NULL;
    }
    if (ev->type == CT_EV_REQUEST_FAILED) {
        *code = report(&ev->error);
        ct_event_free(ev);
        return NULL;
    }
    *code = CT_EXIT_OK;
    return ev;
}

/* ---- output helpers ------------------------------------------------------ */

/* JSON text with C1 controls escaped (ct_json_escape_c1). */
static void put_json_text(const char *s, FILE *out)
{
    char *e = ct_json_escape_c1(s);
    if (e) fputs(e, out);
    else fputs("calltop: out of memory writing JSON\n", stderr); /* never the raw C1 bytes */
    free(e);
}

static void print_json(cJSON *j)
{
    char *s = j ? cJSON_Print(j) : NULL;
    if (s) {
        put_json_text(s, stdout);
        putchar('\n');
    }
    free(s);
    cJSON_Delete(j);
}

/* --json prints the server's own JSON (every field, known to calltop or
 * not), pretty-printed; false when there is none, and the caller prints the
 * object re-encoded from the model instead. */
static bool print_raw_json(const char *raw)
{
    cJSON *j = raw ? cJSON_Parse(raw) : NULL;
    if (!j) return false;
    print_json(j);
    return true;
}

/* Display width of sanitized UTF-8 text: one column per code point (good
 * for the text calls carry; wide CJK glyphs would misalign a little). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

#define MAX_COLS 10
typedef struct table {
    int ncols;
    const char *head[MAX_COLS];
    char **cells; /* rows * ncols, sanitized copies */
    size_t rows, cap;
} table;

static void table_row(table *t, const char *const *vals)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char **c = realloc(t->cells, cap * (size_t)t->ncols * sizeof *c);
        if (!c) return;
        t->cells = c;
        t->cap = cap;
    }
    for (int i = 0; i < t->ncols; i++) {
        char *v = ct_sanitize_dup(vals[i] ? vals[i] : "", false);
        t->cells[t->rows * (size_t)t->ncols + (size_t)i] = v ? v : strdup("");
    }
    t->rows++;
}

static void table_print(table *t, FILE *out)
{
    size_t w[MAX_COLS];
    for (int i = 0; i < t->ncols; i++) {
        w[i] = strlen(t->head[i]);
        for (size_t r = 0; r < t->rows; r++) {
            const char *c = t->cells[r * (size_t)t->ncols + (size_t)i];
            size_t cw = c ? text_width(c) : 0;
            if (cw > w[i]) w[i] = cw;
        }
    }
    for (size_t r = 0; r <= t->rows; r++) {
        for (int i = 0; i < t->ncols; i++) {
            const char *c = r == 0 ? t->head[i] : t->cells[(r - 1) * (size_t)t->ncols + (size_t)i];
            if (!c) c = "";
            bool last = i == t->ncols - 1;
            fputs(c, out);
            if (!last)
                for (size_t pad = text_width(c); pad < w[i] + 2; pad++) fputc(' ', out);
        }
        fputc('\n', out);
    }
    for (size_t k = 0; k < t->rows * (size_t)t->ncols; k++) free(t->cells[k]);
    free(t->cells);
}

/* -o csv: the table's header (lower case) and cells as RFC 4180 rows, CRLF
 * line ends, formula-looking cells defused as in the board's export (the
 * one CSV writer, tui/export.c). Frees the cells like table_print. */
static void table_csv(table *t, FILE *out)
{
    for (int i = 0; i < t->ncols; i++) {
        char h[32];
        size_t n = 0;
        for (; t->head[i][n] && n + 1 < sizeof h; n++)
            h[n] = (char)tolower((unsigned char)t->head[i][n]);
        h[n] = '\0';
        if (i) fputc(',', out);
        ct_csv_field(out, h);
    }
    fputs("\r\n", out);
    for (size_t r = 0; r < t->rows; r++) {
        for (int i = 0; i < t->ncols; i++) {
            if (i) fputc(',', out);
            ct_csv_field(out, t->cells[r * (size_t)t->ncols + (size_t)i]);
        }
        fputs("\r\n", out);
    }
    for (size_t k = 0; k < t->rows * (size_t)t->ncols; k++) free(t->cells[k]);
    free(t->cells);
}

/* Table, CSV, or (no rows, table) nothing but the summary on stderr. */
static void table_emit(table *t, out_format f)
{
    if (f == OUT_CSV) table_csv(t, stdout);
    else if (t->rows) table_print(t, stdout);
    else free(t->cells);
}

static void fmt_time(ct_time_ms t, char *buf, size_t cap)
{
    if (t <= 0) {
        snprintf(buf, cap, "-");
        return;
    }
    time_t s = (time_t)(t / 1000);
    struct tm tm;
    localtime_r(&s, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static void fmt_duration(long long ms, char *buf, size_t cap)
{
    if (ms < 0) {
        snprintf(buf, cap, "-");
        return;
    }
    long long s = ms / 1000;
    if (s >= 3600) snprintf(buf, cap, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    else if (s >= 60) snprintf(buf, cap, "%lldm%02llds", s / 60, s % 60);
    else snprintf(buf, cap, "%llds", s);
}

static void call_duration(const ct_call *c, char *buf, size_t cap)
{
    if (c->start_at <= 0) snprintf(buf, cap, "-");
    else if (c->end_at > 0) fmt_duration(c->end_at - c->start_at, buf, cap);
    else if (ct_call_is_live(c)) fmt_duration(ct_clock_wall_ms() - c->start_at, buf, cap);
    else snprintf(buf, cap, "-");
}

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static const char *status_text(const ct_call *c)
{
    return or_dash(c->status_text ? c->status_text : ct_status_name(c->status));
}

static const char *phone_text(const ct_call *c)
{
    return or_dash(c->phone_status_text ? c->phone_status_text
                                        : ct_phone_status_name(c->phone_status));
}

/* ---- calls list ---------------------------------------------------------- */

/* Live calls first, then newest first. */
static int by_live_then_start(const void *pa, const void *pb)
{
    const ct_call *a = pa, *b = pb;
    bool la = ct_call_is_live(a), lb = ct_call_is_live(b);
    if (la != lb) return la ? -1 : 1;
    if (a->start_at != b->start_at) return a->start_at > b->start_at ? -1 : 1;
    return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

/* A call and the server's object for it, sorted together. */
typedef struct listed {
    ct_call call;
    cJSON *raw;
} listed;

static int listed_order(const void *pa, const void *pb)
{
    return by_live_then_start(&((const listed *)pa)->call, &((const listed *)pb)->call);
}

/* {"conversations": [...], "totalCount": N}: the server's call objects (the
 * fetcher aligned raw[i] with l->calls[i]), in the table's order; N is the
 * number printed. */
static void print_list_json(const ct_call_list *l, const char *raw_json)
{
    cJSON *raw = raw_json ? cJSON_Parse(raw_json) : NULL;
    if (raw && (!cJSON_IsArray(raw) || (size_t)cJSON_GetArraySize(raw) != l->n_calls)) {
        cJSON_Delete(raw);
        raw = NULL;
    }
    listed *v = l->n_calls ? calloc(l->n_calls, sizeof *v) : NULL;
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "conversations");
    cJSON_AddNumberToObject(o, "totalCount", (double)l->n_calls);
    cJSON *item = raw ? raw->child : NULL;
    for (size_t i = 0; v && i < l->n_calls; i++, item = item ? item->next : NULL)
        v[i] = (listed){l->calls[i], item};
    if (v) qsort(v, l->n_calls, sizeof *v, listed_order);
    for (size_t i = 0; v && i < l->n_calls; i++)
        cJSON_AddItemToArray(
            arr, v[i].raw ? cJSON_Duplicate(v[i].raw, true) : ct_call_to_json(&v[i].call));
    free(v);
    cJSON_Delete(raw);
    print_json(o);
}

/* --live: a list is a snapshot taken page by page, and a window may not
 * list a running call at all, so a call the list calls live is printed as
 * live only after a direct GET says it still is. That GET's version
 * replaces the list's (the server's object too, without its transcript);
 * a call the GET no longer finds is dropped. A call whose GET failed
 * otherwise is kept as listed, with a warning: it is unconfirmed. */
static void confirm_live(session *s, ct_event *ev)
{
    ct_call_list *l = &ev->calls;
    cJSON *raw = ev->raw_json ? cJSON_Parse(ev->raw_json) : NULL;
    if (raw && (!cJSON_IsArray(raw) || (size_t)cJSON_GetArraySize(raw) != l->n_calls)) {
        cJSON_Delete(raw);
        raw = NULL;
    }
    size_t n = 0;
    const char **ids = calloc(l->n_calls + 1, sizeof *ids);
    size_t *at = calloc(l->n_calls + 1, sizeof *at);
    uint64_t *req = calloc(l->n_calls + 1, sizeof *req);
    bool *keep = calloc(l->n_calls + 1, sizeof *keep);
    if (!ids || !at || !req || !keep) goto done;
    for (size_t i = 0; i < l->n_calls; i++)
        if (ct_call_is_live(&l->calls[i]) && l->calls[i].id) {
            at[n] = i;
            ids[n++] = l->calls[i].id;
        }
    ct_fetch_recheck(s->fetcher, ids, n, req);
    size_t unconfirmed = 0, answered = 0;
    int64_t t0 = ct_clock_mono_ms();
    for (size_t k = 0; k < n; k++)
        if (!req[k]) {
            keep[at[k]] = true;
            unconfirmed++;
            answered++;
        }
    while (answered < n && ct_clock_mono_ms() - t0 < CLI_WAIT_MS) {
        struct pollfd pfd = {.fd = ct_inbox_fd(s->inbox), .events = POLLIN};
        if (poll(&pfd, 1, 200) < 0 && errno != EINTR) break;
        for (ct_event *e = ct_inbox_drain(s->inbox), *next; e; e = next) {
            next = e->next;
            for (size_t k = 0; k < n; k++) {
                if (!req[k] || e->request_id != req[k]) continue;
                size_t i = at[k];
                req[k] = 0;
                answered++;
                if (e->type == CT_EV_CALL_FETCHED) {
                    ct_call_clear(&l->calls[i]);
                    l->calls[i] = e->call;
                    memset(&e->call, 0, sizeof e->call);
                    keep[i] = ct_call_is_live(&l->calls[i]);
                    cJSON *obj = e->raw_json ? cJSON_Parse(e->raw_json) : NULL;
                    if (raw && cJSON_IsObject(obj)) {
                        cJSON_DeleteItemFromObjectCaseSensitive(obj, "messages");
                        cJSON_ReplaceItemInArray(raw, (int)i, obj);
                    } else {
                        cJSON_Delete(obj);
                    }
                } else if (e->error.code != CT_ENOTFOUND) {
                    keep[i] = true;
                    unconfirmed++;
                }
                break;
            }
            ct_event_free(e);
        }
    }
    for (size_t k = 0; k < n; k++)
        if (req[k]) { /* no answer in time */
            keep[at[k]] = true;
            unconfirmed++;
        }
    /* keep only the calls still live, with their raw objects aligned */
    size_t w = 0;
    for (size_t i = 0; i < l->n_calls; i++) {
        if (!keep[i] || !ct_call_is_live(&l->calls[i])) {
            ct_call_clear(&l->calls[i]);
            if (raw) cJSON_DeleteItemFromArray(raw, (int)w);
            continue;
        }
        l->calls[w++] = l->calls[i];
    }
    l->n_calls = w;
    if (raw) {
        char *text = cJSON_PrintUnformatted(raw);
        if (text) {
            free(ev->raw_json);
            ev->raw_json = text;
        }
    }
    if (unconfirmed)
        fprintf(stderr,
                "calltop: warning: %zu live call(s) could not be re-checked and are shown "
                "as the list had them\n",
                unconfirmed);
done:
    cJSON_Delete(raw);
    free(ids);
    free(at);
    free(req);
    free(keep);
}

static int cmd_list(const ct_config *cfg, const cli_args *a)
{
    if (a->n_pos != 0) return usage("calls list takes no arguments, got '%s'", a->pos[0]);
    ct_time_ms since = 24LL * 3600 * 1000;
    ct_error err;
    ct_error_clear(&err);
    if (a->since && ct_api_parse_duration(a->since, &since, &err) != CT_OK)
        return usage("--since: %s", err.detail);

    session s;
    int code = session_open(cfg, &s);
    if (code) return code;
    ct_time_ms now = ct_clock_wall_ms();
    uint64_t id = ct_fetch_list_calls(s.fetcher, now - since, now, false, &err);
    ct_event *ev = await(&s, id, &err, &code);
    if (ev && a->live) confirm_live(&s, ev);
    if (ev) {
        ct_call_list *l = &ev->calls;
        ct_completion_cache_ids(l); /* for `calltop calls show <TAB>` */
        if (a->json) {
            print_list_json(l, ev->raw_json);
        } else {
            qsort(l->calls, l->n_calls, sizeof *l->calls, by_live_then_start);
            table t = {.ncols = 9,
                       .head = {"ID", "STATUS", "PHONE", "DIR", "TYPE", "USER", "ASSISTANT#",
                                "STARTED", "DURATION"}};
            for (size_t i = 0; i < l->n_calls; i++) {
                const ct_call *c = &l->calls[i];
                char start[32], dur[32];
                fmt_time(c->start_at, start, sizeof start);
                call_duration(c, dur, sizeof dur);
                const char *row[] = {
                    or_dash(c->id),
                    status_text(c),
                    phone_text(c),
                    or_dash(c->direction_text ? c->direction_text
                                              : ct_direction_name(c->direction)),
                    or_dash(c->call_type_text ? c->call_type_text
                                              : ct_call_type_name(c->call_type)),
                    or_dash(c->user_number),
                    or_dash(c->assistant_number),
                    start,
                    dur,
                };
                table_row(&t, row);
            }
            table_emit(&t, a->out);
            /* a summary, not data: stderr keeps pipes and CSV clean */
            fprintf(stderr, "%zu %scall%s in the last %s\n", l->n_calls, a->live ? "live " : "",
                    l->n_calls == 1 ? "" : "s", a->since ? a->since : "24h");
        }
        if (l->n_skipped)
            fprintf(stderr,
                    "calltop: warning: %zu call(s) could not be read and were skipped "
                    "(%s)\n",
                    l->n_skipped, l->first_skip.detail);
        if (ev->text) {
            char *t = ct_sanitize_dup(ev->text, false);
            fprintf(stderr, "calltop: warning: %s\n", t ? t : "");
            free(t);
        }
        ct_event_free(ev);
    }
    session_close(&s);
    return code;
}

/* ---- calls show ---------------------------------------------------------- */

static void field(const char *name, const char *value)
{
    if (!value || !*value) return;
    char *v = ct_sanitize_dup(value, false);
    printf("%-17s %s\n", name, v ? v : "");
    free(v);
}

static int cmd_show(const ct_config *cfg, const cli_args *a)
{
    if (a->n_pos != 1) return usage("usage: calltop calls show ID [-o table|json]%s", "");
    int bad = no_csv(a);
    if (!bad) bad = check_id(a->pos[0]);
    if (bad) return bad;
    session s;
    int code = session_open(cfg, &s);
    if (code) return code;
    ct_error err;
    ct_error_clear(&err);
    ct_event *ev = await(&s, ct_fetch_get_call(s.fetcher, a->pos[0], &err), &err, &code);
    if (ev) {
        const ct_call *c = &ev->call;
        if (a->json) {
            if (!print_raw_json(ev->raw_json)) print_json(ct_call_to_json(c));
        } else {
            char t1[32], t2[32], dur[32];
            fmt_time(c->start_at, t1, sizeof t1);
            fmt_time(c->end_at, t2, sizeof t2);
            call_duration(c, dur, sizeof dur);
            field("id:", c->id);
            field("status:", status_text(c));
            field("phone status:", c->present & CT_F_PHONE_STATUS ? phone_text(c) : NULL);
            field("status reason:", c->phone_status_reason);
            field("live:", ct_call_is_live(c) ? "yes" : "no");
            field("direction:",
                  c->direction_text ? c->direction_text : ct_direction_name(c->direction));
            field("type:", c->call_type_text ? c->call_type_text : ct_call_type_name(c->call_type));
            field("user number:", c->user_number);
            field("customer name:", c->customer_name);
            field("assistant number:", c->assistant_number);
            field("assistant id:", c->assistant_id);
            field("phone number id:", c->phone_number_id);
            field("started:", c->start_at > 0 ? t1 : NULL);
            field("ended:", c->end_at > 0 ? t2 : NULL);
            field("duration:", dur[0] != '-' ? dur : NULL);
            field("ended by:",
                  c->end_trigger_text ? c->end_trigger_text : ct_trigger_name(c->end_trigger));
            if (c->analysis.present) {
                field("summary:", c->analysis.summary);
                field("success:", c->analysis.success_evaluation);
                field("outcome:", c->analysis.outcome);
                field("structured data:", c->analysis.structured_data_json);
            }
            field("metadata:", c->metadata_json);
            /* the end-of-call report's recording, cost and metrics, when the
             * API's object carries them, as fields (the board's own names) */
            ct_report_field rf[24];
            size_t nrf = ct_report_fields(c, rf, sizeof rf / sizeof rf[0]);
            for (size_t i = 0; i < nrf; i++) {
                char label[40];
                snprintf(label, sizeof label, "%s:", rf[i].name);
                field(label, rf[i].value);
            }
            printf("transcript:%s\n", c->n_messages ? "" : " (none)");
            for (size_t i = 0; i < c->n_messages; i++) {
                const ct_message *m = &c->messages[i];
                char ts[32] = "";
                if (m->timestamp > 0) {
                    time_t sec = (time_t)(m->timestamp / 1000);
                    struct tm tm;
                    localtime_r(&sec, &tm);
                    strftime(ts, sizeof ts, "%H:%M:%S", &tm);
                }
                char *role =
                    ct_sanitize_dup(m->role_text ? m->role_text : ct_role_name(m->role), false);
                char *text = ct_sanitize_dup(m->text, false);
                printf("  [%s] %-9s %s\n", ts[0] ? ts : "--:--:--", role ? role : "",
                       text ? text : "");
                free(role);
                free(text);
            }
        }
        ct_event_free(ev);
    }
    session_close(&s);
    return code;
}

/* ---- numbers ------------------------------------------------------------- */

static void print_numbers(const ct_number_list *l, out_format f, const char *raw_json)
{
    bool json = f == OUT_JSON;
    if (json && print_raw_json(raw_json)) return;
    if (json) {
        cJSON *arr = cJSON_CreateArray();
        for (size_t i = 0; i < l->n; i++)
            cJSON_AddItemToArray(arr, ct_number_to_json(&l->items[i]));
        print_json(arr);
        return;
    }
    table t = {.ncols = 7,
               .head = {"ID", "NUMBER", "LABEL", "INBOUND", "OUTBOUND", "PROVIDER", "ASSISTANT"}};
    for (size_t i = 0; i < l->n; i++) {
        const ct_number *n = &l->items[i];
        const char *row[] = {or_dash(n->id),
                             or_dash(n->number),
                             or_dash(n->label),
                             n->inbound_enabled ? "yes" : "no",
                             n->outbound_enabled ? "yes" : "no",
                             or_dash(n->provider_name),
                             or_dash(n->assistant_id)};
        table_row(&t, row);
    }
    table_emit(&t, f);
    fprintf(stderr, "%zu number%s\n", l->n, l->n == 1 ? "" : "s");
}

static int cmd_numbers(const ct_config *cfg, const cli_args *a)
{
    if (a->n_pos != 0) return usage("numbers takes no arguments, got '%s'", a->pos[0]);
    session s;
    int code = session_open(cfg, &s);
    if (code) return code;
    ct_error err;
    ct_error_clear(&err);
    ct_event *ev = await(&s, ct_fetch_numbers(s.fetcher, &err), &err, &code);
    if (ev) {
        print_numbers(&ev->numbers, a->out, ev->raw_json);
        ct_event_free(ev);
    }
    session_close(&s);
    return code;
}

/* ---- calls connect ------------------------------------------------------- */

/* --from as an E.164 number: find its _id through List Numbers, and say
 * plainly when it cannot place calls. Returns 0 and a malloc'ed id. */
static int resolve_from(session *s, const char *number, char **id_out)
{
    ct_error err;
    ct_error_clear(&err);
    int code;
    ct_event *ev = await(s, ct_fetch_numbers(s->fetcher, &err), &err, &code);
    if (!ev) return code;
    const ct_number *hit = NULL;
    for (size_t i = 0; i < ev->numbers.n; i++)
        if (ev->numbers.items[i].number && strcmp(ev->numbers.items[i].number, number) == 0) {
            hit = &ev->numbers.items[i];
            if (hit->outbound_enabled) break;
        }
    if (!hit || !hit->outbound_enabled || !hit->id) {
        if (!hit) fprintf(stderr, "calltop: %s is not one of this account's numbers\n", number);
        else
            fprintf(stderr,
                    "calltop: %s cannot dial out (outboundEnabled is false for number "
                    "id %s)\n",
                    number, or_dash(hit->id));
        size_t n_out = 0;
        for (size_t i = 0; i < ev->numbers.n; i++)
            if (ev->numbers.items[i].outbound_enabled && ev->numbers.items[i].number) {
                char *num = ct_sanitize_dup(ev->numbers.items[i].number, false);
                fprintf(stderr, "%s%s",
                        n_out++ ? ", " : "calltop: numbers that can dial out: ", num ? num : "");
                free(num);
            }
        fprintf(stderr, n_out ? "\n" : "calltop: no number on this account can dial out\n");
        ct_event_free(ev);
        return CT_EXIT_REFUSED;
    }
    *id_out = strdup(hit->id);
    ct_event_free(ev);
    return *id_out ? 0 : CT_EXIT_OTHER;
}

/* Reads a small text file (an inline assistant: at most 1 MiB) whole. */
static ct_err read_small_file(const char *path, char **out, ct_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ct_error_set(err, CT_EUSAGE, "cannot read it: %s", strerror(errno));
    size_t cap = 1u << 20, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return ct_error_set(err, CT_ENOMEM, "no memory to read it");
    }
    n = fread(buf, 1, cap + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > cap) {
        free(buf);
        return ct_error_set(err, CT_EUSAGE, bad ? "cannot read it" : "larger than 1 MiB");
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return ct_error_set(err, CT_EUSAGE, "contains a NUL byte: not JSON text");
    }
    *out = buf;
    return CT_OK;
}

static int cmd_connect(const ct_config *cfg, const cli_args *in)
{
    /* `calls connect FROM TO` (the --help synopsis) is shorthand for
     * `--from FROM --to TO`. */
    cli_args pos_form, *a = &pos_form;
    *a = *in;
    if (a->n_pos == 2 && !a->from && !a->to) {
        a->from = a->pos[0];
        a->to = a->pos[1];
        a->n_pos = 0;
    }
    if (a->n_pos != 0 || !a->from || !a->to)
        return usage("usage: calltop calls connect --from NUMBER|NUMBER_ID --to +E164 "
                     "[--name NAME] [--assistant ID] [--meta KEY=VALUE]...%s",
                     "");
    if (!ct_e164_valid(a->to))
        return usage("--to: '%s' is not an E.164 number (+ then 2 to 15 digits)", a->to);
    if (no_csv(a)) return CT_EXIT_USAGE;
    if (a->from[0] != '+' && check_id(a->from)) return CT_EXIT_USAGE;
    if (a->dry_run && a->json)
        return usage("--dry-run prints the request, not a call: drop -o json%s", "");
    /* --assistant-json FILE: read and checked (a JSON object) before any
     * request, by the same encoder that builds the body */
    char *asst_json = NULL;
    if (a->assistant_json) {
        ct_error rerr;
        ct_error_clear(&rerr);
        if (read_small_file(a->assistant_json, &asst_json, &rerr) != CT_OK) {
            fprintf(stderr, "calltop: --assistant-json %s: %s\n", a->assistant_json, rerr.detail);
            return CT_EXIT_USAGE;
        }
    }
    ct_kv meta[32], vars[32];
    for (int i = 0; i < a->n_meta; i++) {
        const char *eq = strchr(a->meta[i], '=');
        meta[i].key = strndup(a->meta[i], (size_t)(eq - a->meta[i]));
        meta[i].value = (char *)eq + 1;
    }
    for (int i = 0; i < a->n_vars; i++) {
        const char *eq = strchr(a->vars[i], '=');
        vars[i].key = strndup(a->vars[i], (size_t)(eq - a->vars[i]));
        vars[i].value = (char *)eq + 1;
    }
    ct_connect_request probe = {
        .phone_number_id = "check",
        .customer_number = a->to,
        .first_message = a->first_message,
        .variables = vars,
        .n_variables = (size_t)a->n_vars,
        .assistant_json = asst_json,
        .metadata = meta,
        .n_metadata = (size_t)a->n_meta,
    };
    char *probe_body = NULL;
    ct_error perr;
    ct_error_clear(&perr);
    int code = 0;
    if (ct_connect_request_encode(&probe, &probe_body, &perr) != CT_OK) {
        if (a->assistant_json && strcmp(perr.field, "assistant") == 0)
            fprintf(stderr, "calltop: --assistant-json %s: %s\n", a->assistant_json, perr.detail);
        else fprintf(stderr, "calltop: %s\n", perr.detail);
        code = CT_EXIT_USAGE;
    }
    free(probe_body);
    session s;
    memset(&s, 0, sizeof s);
    if (!code) code = session_open(cfg, &s);
    char *from_id = NULL;
    if (!code) {
        if (a->from[0] == '+') code = resolve_from(&s, a->from, &from_id);
        else if (!(from_id = strdup(a->from))) code = CT_EXIT_OTHER;
    }
    if (!code) {
        ct_connect_request r = {
            .phone_number_id = from_id,
            .customer_number = a->to,
            .customer_name = a->name,
            .assistant_id = a->assistant,
            .metadata = meta,
            .n_metadata = (size_t)a->n_meta,
            .first_message = a->first_message,
            .variables = vars,
            .n_variables = (size_t)a->n_vars,
            .assistant_json = asst_json,
        };
        ct_error err;
        ct_error_clear(&err);
        ct_event *ev = NULL;
        if (a->dry_run) {
            /* the exact request, from the same builder the fetcher uses */
            ct_api_request req;
            memset(&req, 0, sizeof req);
            if (ct_api_connect(cfg->base_url, &r, &req, &err) == CT_OK) {
                char *body = ct_sanitize_dup(req.body, false);
                printf("POST %s\n%s\n", req.url, body ? body : "");
                free(body);
                fprintf(stderr, "dry run: nothing sent\n");
            } else {
                code = report(&err);
            }
            ct_api_request_clear(&req);
        } else {
            ev = await(&s, ct_fetch_connect(s.fetcher, &r, &err), &err, &code);
        }
        if (ev) {
            if (a->json) {
                if (!print_raw_json(ev->raw_json)) print_json(ct_call_to_json(&ev->call));
            } else {
                char *cid = ct_sanitize_dup(or_dash(ev->call.id), false);
                printf("placed call %s to %s (status %s)\n", cid ? cid : "-", a->to,
                       status_text(&ev->call));
                free(cid);
            }
            ct_event_free(ev);
        }
    }
    if (s.fetcher) session_close(&s);
    free(from_id);
    free(asst_json);
    for (int i = 0; i < a->n_meta; i++) free(meta[i].key);
    for (int i = 0; i < a->n_vars; i++) free(vars[i].key);
    return code;
}

/* ---- control actions ----------------------------------------------------- */

static int cmd_control(const ct_config *cfg, ct_control_action act, const cli_args *a)
{
    const char *name = ct_control_action_name(act);
    char *arg = NULL;
    if (a->n_pos >= 1 && check_id(a->pos[0])) return CT_EXIT_USAGE;
    switch (act) {
    case CT_ACTION_END:
        if (a->n_pos != 1) return usage("usage: calltop calls end ID [--message TEXT]%s", "");
        arg = strdup(a->message ? a->message : "");
        break;
    case CT_ACTION_FORWARD:
        if (a->n_pos != 2) return usage("usage: calltop calls forward ID +E164%s", "");
        if (!ct_e164_valid(a->pos[1]))
            return usage("forward: '%s' is not an E.164 number (+ then 2 to 15 digits)", a->pos[1]);
        arg = strdup(a->pos[1]);
        break;
    case CT_ACTION_DTMF:
        if (a->n_pos != 2) return usage("usage: calltop calls dtmf ID DIGITS%s", "");
        if (!ct_dtmf_valid(a->pos[1]))
            return usage("dtmf: '%s' is not a DTMF sequence (0-9 * # A-D)", a->pos[1]);
        arg = strdup(a->pos[1]);
        break;
    default: /* say, sms: the rest of the words are the text */
        if (act == CT_ACTION_SAY && a->message && a->n_pos == 1) {
            arg = strdup(a->message); /* the spelling bulk say uses */
            break;
        }
        if (a->n_pos < 2 || a->message) return usage("usage: calltop calls %s ID TEXT", name);
        arg = join_from(a, 1);
        break;
    }
    if (!arg) return CT_EXIT_OTHER;
    session s;
    int code = session_open(cfg, &s);
    if (!code) {
        ct_control_request r = {.action = act, .argument = arg};
        ct_error err;
        ct_error_clear(&err);
        ct_event *ev = await(&s, ct_fetch_control(s.fetcher, a->pos[0], &r, &err), &err, &code);
        if (ev) {
            char *cid = ct_sanitize_dup(a->pos[0], false);
            printf("%s: done on call %s\n", name, cid ? cid : "");
            free(cid);
            ct_event_free(ev);
        }
        session_close(&s);
    }
    free(arg);
    return code;
}

/* ---- bulk end / say ------------------------------------------------------ */

/* Reads one line from the terminal: the count typed back. */
static bool read_confirmation(const ct_bulk_plan *p)
{
    fprintf(stderr, "Type %zu to %s %zu call%s (anything else cancels): ", p->n,
            ct_control_action_name(p->action), p->n, p->n == 1 ? "" : "s");
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return false;
    return ct_bulk_confirm_ok(p, line);
}

/* Sends every item once (no retries: the fetcher never retries a POST) and
 * records each answer; an answer that never comes is "failed". */
static void bulk_send(session *s, ct_bulk_plan *p, const char *argument)
{
    size_t waiting = 0;
    for (size_t i = 0; i < p->n; i++) {
        ct_control_request rq = {.action = p->action, .argument = argument};
        ct_error err;
        ct_error_clear(&err);
        p->items[i].request_id = ct_fetch_control(s->fetcher, p->items[i].call_id, &rq, &err);
        if (!p->items[i].request_id) ct_bulk_record(p, i, &err);
        else waiting++;
    }
    int64_t t0 = ct_clock_mono_ms();
    while (waiting && ct_clock_mono_ms() - t0 < CLI_WAIT_MS) {
        struct pollfd pfd = {.fd = ct_inbox_fd(s->inbox), .events = POLLIN};
        if (poll(&pfd, 1, 200) < 0 && errno != EINTR) break;
        for (ct_event *e = ct_inbox_drain(s->inbox), *next; e; e = next) {
            next = e->next;
            long i = ct_bulk_find_request(p, e->request_id);
            if (i >= 0 &&
                ct_bulk_record(p, (size_t)i, e->type == CT_EV_REQUEST_FAILED ? &e->error : NULL))
                waiting--;
            ct_event_free(e);
        }
    }
    ct_error late;
    ct_error_clear(&late);
    ct_error_set(&late, CT_ETIMEOUT, "no answer from the fetcher");
    for (size_t i = 0; i < p->n; i++) ct_bulk_record(p, i, &late); /* only the ones still pending */
}

/* `calls end --filter EXPR [--dry-run] [--yes] [--message TEXT] [--since D]`
 * and `calls say --filter EXPR --message TEXT ...`: lists the calls of the
 * window, re-checks the live ones (as list --live), builds the plan over
 * the filter's view (tui/bulk_model.c, the board's own), prints each call
 * and the exact request, then sends only when --yes is given or the count
 * is typed back on a terminal. Exit 0 when every call was sent (or on a dry
 * run), 3 when any was refused, 4 when any failed. */
static int cmd_bulk(const ct_config *cfg, ct_control_action act, const cli_args *a)
{
    const char *name = ct_control_action_name(act);
    if (a->n_pos != 0)
        return usage(
            act == CT_ACTION_SAY
                ? "usage: calltop calls say --filter EXPR --message TEXT [--dry-run|--yes]%s"
                : "usage: calltop calls end --filter EXPR [--message TEXT] [--dry-run|--yes]%s",
            "");
    if (act == CT_ACTION_SAY && (!a->message || !*a->message))
        return usage("bulk say needs --message TEXT%s", "");
    if (a->dry_run && a->yes)
        return usage("--dry-run sends nothing and --yes sends: give one of them%s", "");
    ct_error err;
    ct_error_clear(&err);
    ct_view_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.descending = true; /* newest first, as the board lists */
    if (ct_bulk_filter_parse(a->filter, &spec, &err) != CT_OK) return usage("%s", err.detail);
    ct_time_ms since = 24LL * 3600 * 1000;
    if (a->since && ct_api_parse_duration(a->since, &since, &err) != CT_OK)
        return usage("--since: %s", err.detail);
    /* without --yes, only a person at a terminal can confirm */
    if (!a->dry_run && !a->yes && !isatty(STDIN_FILENO))
        return usage("bulk %s: stdin is not a terminal to type the count on; preview with "
                     "--dry-run, then send with --yes",
                     name);

    session s;
    int code = session_open(cfg, &s);
    if (code) return code;
    ct_time_ms now = ct_clock_wall_ms();
    ct_event *ev =
        await(&s, ct_fetch_list_calls(s.fetcher, now - since, now, false, &err), &err, &code);
    ct_store *store = NULL;
    ct_view *view = NULL;
    ct_bulk_plan plan;
    memset(&plan, 0, sizeof plan);
    if (!ev) goto out;
    confirm_live(&s, ev);
    store = ct_store_new(NULL);
    if (!store) {
        ct_error_set(&err, CT_ENOMEM, "no memory for the calls");
        code = report(&err);
        goto out;
    }
    for (size_t i = 0; i < ev->calls.n_calls; i++)
        ct_store_apply_call(store, &ev->calls.calls[i], 1);
    view = ct_view_new(store, &spec);
    if (!view ||
        ct_bulk_plan_build(&plan, view, cfg->base_url, act,
                           act == CT_ACTION_SAY ? a->message : (a->message ? a->message : ""),
                           &err) != CT_OK) {
        if (!view) ct_error_set(&err, CT_ENOMEM, "no memory for the view");
        code = report(&err);
        goto out;
    }
    char line[2048];
    for (size_t i = 0; i < plan.n; i++) {
        ct_bulk_preview_line(&plan, i, line, sizeof line);
        printf("%s\n", line);
    }
    fflush(stdout);
    char *f = ct_sanitize_dup(a->filter, false);
    fprintf(stderr, "%zu live call%s match%s --filter '%s'%s\n", plan.n, plan.n == 1 ? "" : "s",
            plan.n == 1 ? "es" : "", f ? f : "", a->dry_run ? " (dry run: nothing sent)" : "");
    free(f);
    if (a->dry_run || plan.n == 0) goto out;
    if (!a->yes && !read_confirmation(&plan)) {
        fprintf(stderr, "calltop: cancelled: nothing sent\n");
        code = CT_EXIT_USAGE;
        goto out;
    }
    if (!ct_bulk_start(&plan)) goto out;
    bulk_send(&s, &plan, act == CT_ACTION_SAY ? a->message : (a->message ? a->message : ""));
    for (size_t i = 0; i < plan.n; i++) {
        ct_bulk_result_line(&plan, i, line, sizeof line);
        printf("%s\n", line);
    }
    ct_bulk_summary(&plan, line, sizeof line);
    fprintf(stderr, "%s\n", line);
    size_t counts[CT_BULK__COUNT];
    ct_bulk_counts(&plan, counts);
    code = counts[CT_BULK_FAILED] ? CT_EXIT_NETWORK
        : counts[CT_BULK_REFUSED] ? CT_EXIT_REFUSED
                                  : CT_EXIT_OK;
out:
    ct_bulk_plan_free(&plan);
    ct_view_free(view);
    ct_store_free(store);
    ct_event_free(ev);
    session_close(&s);
    return code;
}

/* ---- dispatch ------------------------------------------------------------ */

static const struct subcmd {
    const char *name;
    const char *flags;
    bool mutates;
    int action; /* ct_control_action for control commands, else -1 */
} subcmds[] = {
    {"list", "json output live since", false, -1},
    {"show", "json output", false, -1},
    {"connect", "from to name assistant meta json output first-message var assistant-json dry-run",
     true, -1},
    {"end", "message filter dry-run yes since", true, CT_ACTION_END},
    {"forward", "", true, CT_ACTION_FORWARD},
    {"say", "message filter dry-run yes since", true, CT_ACTION_SAY},
    {"dtmf", "", true, CT_ACTION_DTMF},
    {"sms", "", true, CT_ACTION_SMS},
};

bool ct_cli_wants_help(const ct_config *cfg)
{
    for (int i = 1; i < cfg->n_rest; i++) {
        if (strcmp(cfg->rest[i], "--") == 0) return false;
        if (strcmp(cfg->rest[i], "--help") == 0 || strcmp(cfg->rest[i], "-h") == 0) return true;
    }
    return false;
}

/* `calltop calls --help`, `calltop calls list --help`, `calltop numbers
 * --help`: the tables behind the man page, exit 0. */
static int print_help(const ct_config *cfg)
{
    char path[96];
    snprintf(path, sizeof path, "%.40s", cfg->rest[0]);
    if (cfg->n_rest >= 2 && cfg->rest[1][0] != '-') {
        char sub[96];
        snprintf(sub, sizeof sub, "%s %.40s", cfg->rest[0], cfg->rest[1]);
        bool known = false;
        for (size_t i = 0; i < ct_n_commands; i++)
            known = known || ct_command_matches(ct_commands[i].synopsis, sub);
        if (!known) return usage("unknown command '%s'", sub);
        snprintf(path, sizeof path, "%s", sub);
    }
    return ct_config_print_command_help(path, stdout) ? CT_EXIT_OK
                                                      : usage("no help for '%s'", path);
}

int ct_cli_main(const ct_config *cfg)
{
    if (cfg->n_rest < 1) return usage("no command%s", "");
    help_path = strcmp(cfg->rest[0], "numbers") == 0 ? "numbers" : "calls";
    if (ct_cli_wants_help(cfg)) return print_help(cfg);
    cli_args a;
    int code;
    if (strcmp(cfg->rest[0], "numbers") == 0) {
        if ((code = parse_args(cfg->rest + 1, cfg->n_rest - 1, "json output", &a))) return code;
        return cmd_numbers(cfg, &a);
    }
    if (strcmp(cfg->rest[0], "calls") != 0) return usage("unknown command '%s'", cfg->rest[0]);
    if (cfg->n_rest < 2)
        return usage("usage: calltop calls list|show|connect|end|forward|say|dtmf|sms ...%s", "");
    const char *sub = cfg->rest[1];
    for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
        const struct subcmd *sc = &subcmds[i];
        if (strcmp(sub, sc->name) != 0) continue;
        static char path[32];
        snprintf(path, sizeof path, "calls %s", sc->name);
        help_path = path;
        if ((code = parse_args(cfg->rest + 2, cfg->n_rest - 2, sc->flags, &a))) return code;
        /* a bulk dry run only reads: it is the way to see what a bulk
         * action would do, so --read-only allows it */
        bool reads_only = a.dry_run && (a.filter || strcmp(sub, "connect") == 0);
        if (sc->mutates && cfg->read_only && !reads_only) {
            fprintf(stderr, "calltop: refused: --read-only (calls %s would change a call)\n",
                    sc->name);
            return CT_EXIT_USAGE;
        }
        if (strcmp(sub, "list") == 0) return cmd_list(cfg, &a);
        if (strcmp(sub, "show") == 0) return cmd_show(cfg, &a);
        if (strcmp(sub, "connect") == 0) return cmd_connect(cfg, &a);
        if (a.filter) return cmd_bulk(cfg, (ct_control_action)sc->action, &a);
        if (a.dry_run || a.yes || a.since)
            return usage("--dry-run, --yes and --since go with --filter (bulk %s)", sc->name);
        return cmd_control(cfg, (ct_control_action)sc->action, &a);
    }
    return usage("unknown calls command '%s' (list, show, connect, end, forward, say, dtmf, "
                 "sms)",
                 sub);
}
