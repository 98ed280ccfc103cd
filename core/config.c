/* config.c — loading calltop's settings from argv, the environment and the
 * config file, and printing them back (help, sample, `calltop config`).
 *
 * Everything is driven by ct_settings[] (settings.c). The stages are pure
 * functions over text so tests can feed them directly; only read_file()
 * touches the file system. Values are applied in order of increasing
 * precedence (defaults, file, env, flags), each one overwriting the last
 * and recording its source, which is what `calltop config` reports. */
#include "calltop/config.h"
#include "calltop/args.h"
#include "calltop/relay_urls.h"
#include "calltop/termnotify.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef CALLTOP_VERSION
#define CALLTOP_VERSION "unknown"
#endif

#define BOOL_HINT "use true/false, yes/no, on/off or 1/0"

/* ------------------------------------------------------------------------ */
/* Small helpers */

int ct_parse_bool(const char *s)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    if (!s) return -1;
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return 1;
        if (strcasecmp(s, no[i]) == 0) return 0;
    }
    return -1;
}

static char **str_slot(ct_config *c, int id)
{
    switch (id) {
    case CT_SET_BASE_URL: return &c->base_url;
    case CT_SET_RELAY_URL: return &c->relay_url;
    case CT_SET_API_KEY: return &c->api_key;
    case CT_SET_RELAY_TOKEN: return &c->relay_token;
    case CT_SET_LOG: return &c->log_path;
    case CT_SET_CA_FILE: return &c->ca_file;
    case CT_SET_EXPORT_DIR: return &c->export_dir;
    case CT_SET_CONFIG: return &c->config_path;
    case CT_SET_LIST_PARALLEL: return &c->list_parallel;
    case CT_SET_POLL_INTERVAL: return &c->poll_interval;
    case CT_SET_FULL_REFRESH_INTERVAL: return &c->full_refresh_interval;
    case CT_SET_RECONCILE_INTERVAL: return &c->reconcile_interval;
    case CT_SET_RECORD: return &c->record_path;
    case CT_SET_REPLAY: return &c->replay_path;
    case CT_SET_RECORD_MAX_BYTES: return &c->record_max_bytes;
    default:
        /* the rows without a named field: strings and numbers only */
        if (ct_settings[id].kind != CT_KIND_BOOL && ct_settings[id].kind != CT_KIND_ACTION)
            return &c->extra[id];
        return NULL;
    }
}

static bool *bool_slot(ct_config *c, int id)
{
    switch (id) {
    case CT_SET_READ_ONLY: return &c->read_only;
    case CT_SET_NO_COLOR: return &c->no_color;
    case CT_SET_INSECURE: return &c->insecure;
    case CT_SET_DEMO: return &c->demo;
    case CT_SET_HELP: return &c->want_help;
    case CT_SET_VERSION: return &c->want_version;
    case CT_SET_ALERT_HANG: return &c->alert_hang;
    default: return NULL;
    }
}

static const char *str_value(const ct_config *c, int id)
{
    char **p = str_slot((ct_config *)c, id);
    return p ? *p : NULL;
}

/* Stores one value. An empty string unsets a string setting, so a flag or
 * env var can cancel what the file said. Returns CT_EVALUE for a bad
 * boolean (the caller words the message: it knows where the value came
 * from). */
static ct_err assign(ct_config *c, int id, const char *value, ct_setting_source src, int line)
{
    const ct_setting *s = &ct_settings[id];
    if (s->kind == CT_KIND_BOOL || s->kind == CT_KIND_ACTION) {
        int b = ct_parse_bool(value);
        if (b < 0) return CT_EVALUE;
        *bool_slot(c, id) = b;
    } else {
        char **slot = str_slot(c, id);
        char *copy = NULL;
        if (value && *value && !(copy = strdup(value))) return CT_ENOMEM;
        free(*slot);
        *slot = copy;
    }
    c->sources[id] = src;
    c->lines[id] = line;
    return CT_OK;
}

/* Copies s into buf with control bytes replaced, so a value from a file or
 * the environment cannot drive the terminal when printed. A URL's
 * password (user:pass@host) is hidden. */
static void display(char *buf, size_t cap, const char *s, bool is_url)
{
    size_t o = 0;
    const char *hide_from = NULL, *hide_to = NULL;
    if (is_url) {
        const char *auth = strstr(s, "://");
        if (auth) {
            auth += 3;
            size_t alen = strcspn(auth, "/?#");
            const char *at = memrchr(auth, '@', alen);
            const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
            if (colon) {
                hide_from = colon + 1;
                hide_to = at;
            }
        }
    }
    for (const char *p = s; *p && o + 1 < cap; p++) {
        if (p == hide_from) {
            const char *mask = "(hidden)";
            for (; *mask && o + 1 < cap; mask++) buf[o++] = *mask;
            p = hide_to - 1;
            continue;
        }
        unsigned char ch = (unsigned char)*p;
        buf[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    buf[o] = '\0';
}

/* "default", "file PATH:LINE", "env NAME" or "flag --name". */
static void describe_source(const ct_config *c, int id, char *buf, size_t cap)
{
    const ct_setting *s = &ct_settings[id];
    switch (c->sources[id]) {
    case CT_SRC_FILE: {
        char path[1024];
        display(path, sizeof path, c->config_path ? c->config_path : "?", false);
        snprintf(buf, cap, "file %s:%d", path, c->lines[id]);
        break;
    }
    case CT_SRC_ENV: snprintf(buf, cap, "env %s", s->env); break;
    case CT_SRC_FLAG: snprintf(buf, cap, "flag --%s", s->flag); break;
    default: snprintf(buf, cap, "default"); break;
    }
}

static size_t levenshtein(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40) return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost =
                tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The file key closest to an unknown one ("base_url" -> "base-url"), or NULL. */
static const char *suggest_key(const char *key)
{
    char norm[64];
    size_t n = 0;
    for (; key[n] && n + 1 < sizeof norm; n++)
        norm[n] = key[n] == '_' ? '-' : (char)tolower((unsigned char)key[n]);
    norm[n] = '\0';
    const char *best = NULL;
    size_t best_d = 3; /* suggest only within two edits */
    for (int id = 0; id < CT_SET__COUNT; id++) {
        if (!ct_settings[id].in_file) continue;
        size_t d = levenshtein(norm, ct_settings[id].key);
        if (d < best_d) {
            best_d = d;
            best = ct_settings[id].key;
        }
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* Stages */

ct_err ct_config_init(ct_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const char *def = ct_settings[id].def;
        if (def && assign(cfg, id, def, CT_SRC_DEFAULT, 0) != CT_OK) {
            ct_config_clear(cfg);
            return CT_ENOMEM;
        }
    }
    return CT_OK;
}

void ct_config_clear(ct_config *cfg)
{
    if (!cfg) return;
    for (int id = 0; id < CT_SET__COUNT; id++) {
        char **slot = str_slot(cfg, id);
        if (slot && *slot) {
            /* secrets: wipe before free so a later heap dump holds less */
            if (ct_settings[id].secret) memset(*slot, 0, strlen(*slot));
            free(*slot);
        }
    }
    memset(cfg, 0, sizeof *cfg);
}

/* calltop's rows as a program for the shared parser (core/args.c). */
static const ct_program calltop_program = {
    .name = "calltop",
    .rows = ct_settings,
    .n_rows = CT_SET__COUNT,
    .config_hint = "~/.config/calltop/config",
};

ct_err ct_config_parse_args(ct_config *cfg, ct_flag_values *flags, int argc, char **argv,
                            ct_error *err)
{
    memset(flags, 0, sizeof *flags);
    cfg->rest = NULL;
    cfg->n_rest = 0;
    /* The one parser of the three programs; what is calltop's own is the
     * subcommand after the options and the --help/--version slots. */
    ct_args a;
    ct_err rc = ct_args_scan(&calltop_program, argc, argv, &a, err);
    if (rc != CT_OK) return rc;
    for (int id = 0; id < CT_SET__COUNT; id++) {
        flags->value[id] = a.value[id];
        if (a.value[id] && ct_settings[id].kind == CT_KIND_ACTION) *bool_slot(cfg, id) = true;
    }
    if (a.first_operand < argc) {
        cfg->rest = &argv[a.first_operand];
        cfg->n_rest = argc - a.first_operand;
    }
    return CT_OK;
}

/* Trims [*b, *e) of spaces and tabs. */
static void trim(const char **b, const char **e)
{
    while (*b < *e && (**b == ' ' || **b == '\t')) (*b)++;
    while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r')) (*e)--;
}

/* Unquotes "..." (with \" and \\) or '...' (literal) into out. The one
 * comment rule (README, --sample and the man page say the same): '#' starts
 * a comment at the start of a line or after a blank (space or tab); a '#'
 * glued to the text before it is part of the value (a URL fragment, a key
 * holding '#'), and a quoted value keeps everything between its quotes.
 * After a closing quote only blanks or a # comment may follow. *quoted says
 * whether the value was quoted. */
static int unquote(const char *b, const char *e, char *out, size_t cap, bool *quoted)
{
    *quoted = b < e && (*b == '"' || *b == '\'');
    size_t o = 0;
    if (b < e && (*b == '"' || *b == '\'')) {
        char q = *b++;
        for (;;) {
            if (b >= e) return -1; /* unterminated */
            char ch = *b++;
            if (ch == q) break;
            if (q == '"' && ch == '\\' && b < e && (*b == '"' || *b == '\\')) ch = *b++;
            if (o + 1 >= cap) return -2;
            out[o++] = ch;
        }
        while (b < e && (*b == ' ' || *b == '\t')) b++;
        if (b < e && *b != '#') return -3; /* junk after the quote */
    } else {
        for (const char *p = b; p < e; p++) {
            if (*p == '#' && p > b && (p[-1] == ' ' || p[-1] == '\t')) break; /* comment */
            if (o + 1 >= cap) return -2;
            out[o++] = *p;
        }
        while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t')) o--;
    }
    out[o] = '\0';
    return 0;
}

ct_err ct_config_parse_text(ct_config *cfg, const char *text, size_t len, const char *path,
                            const char **holds_secret, ct_error *err)
{
    int first_line[CT_SET__COUNT] = {0};
    const char *secret = NULL;
    if (holds_secret) *holds_secret = NULL;
    if (memchr(text, '\0', len))
        return ct_error_set(err, CT_ECONFIG, "%s: contains a NUL byte: not a text file", path);

    char *value = malloc(len + 1);
    if (!value) return ct_error_set(err, CT_ENOMEM, "out of memory reading %s", path);
    ct_err rc = CT_OK;
    const char *p = text, *end = text + len;
    for (int line = 1; p < end && rc == CT_OK; line++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *b = p, *e = nl ? nl : end;
        p = nl ? nl + 1 : end;
        if (line == 1 && e - b >= 3 && memcmp(b, "\xEF\xBB\xBF", 3) == 0) b += 3; /* BOM */
        trim(&b, &e);
        if (b == e || *b == '#') continue;

        /* The line may hold a secret in a broken form ("api-key: sk-…"):
         * errors below never echo a value we have not identified as safe. */
        const char *eqs = memchr(b, '=', (size_t)(e - b));
        if (!eqs) {
            rc = ct_error_set(err, CT_ECONFIG, "%s:%d: expected 'key = value'", path, line);
            break;
        }
        const char *kb = b, *ke = eqs, *vb = eqs + 1, *ve = e;
        trim(&kb, &ke);
        trim(&vb, &ve);
        char key[64];
        size_t klen = (size_t)(ke - kb);
        if (klen == 0) {
            rc = ct_error_set(err, CT_ECONFIG, "%s:%d: missing key before '='", path, line);
            break;
        }
        display(key, klen + 1 < sizeof key ? klen + 1 : sizeof key, kb, false);
        int id = -1;
        for (int k = 0; k < CT_SET__COUNT; k++)
            if (strlen(ct_settings[k].key) == klen && memcmp(ct_settings[k].key, kb, klen) == 0)
                id = k;
        if (id < 0) {
            const char *hint = suggest_key(key);
            if (hint)
                rc = ct_error_set(err, CT_ECONFIG, "%s:%d: unknown key '%s' (did you mean '%s'?)",
                                  path, line, key, hint);
            else rc = ct_error_set(err, CT_ECONFIG, "%s:%d: unknown key '%s'", path, line, key);
            break;
        }
        const ct_setting *s = &ct_settings[id];
        if (!s->in_file) {
            if (s->kind == CT_KIND_ACTION)
                rc = ct_error_set(err, CT_ECONFIG, "%s:%d: unknown key '%s'", path, line, key);
            else
                rc = ct_error_set(err, CT_ECONFIG,
                                  "%s:%d: key '%s' cannot be set in the config file (use --%s)",
                                  path, line, key, s->flag);
            break;
        }
        if (first_line[id]) {
            rc = ct_error_set(err, CT_ECONFIG, "%s:%d: duplicate key '%s' (first set on line %d)",
                              path, line, key, first_line[id]);
            break;
        }
        first_line[id] = line;
        bool quoted = false;
        int u = unquote(vb, ve, value, len + 1, &quoted);
        if (u == -1) {
            rc = ct_error_set(err, CT_ECONFIG, "%s:%d: key '%s': unterminated quoted value", path,
                              line, key);
            break;
        }
        if (u < 0) {
            rc = ct_error_set(err, CT_ECONFIG,
                              "%s:%d: key '%s': unexpected text after the closing quote", path,
                              line, key);
            break;
        }
        ct_err a = assign(cfg, id, value, CT_SRC_FILE, line);
        if (a == CT_EVALUE) {
            char shown[64];
            display(shown, sizeof shown, value, false);
            rc = ct_error_set(err, CT_ECONFIG, "%s:%d: key '%s': '%s' is not a boolean (%s)", path,
                              line, key, shown, BOOL_HINT);
        } else if (a != CT_OK) {
            rc = ct_error_set(err, a, "out of memory reading %s", path);
        } else {
            cfg->quoted[id] = quoted;
            if (s->secret && value[0] && !secret) secret = s->key;
        }
    }
    if (len) memset(value, 0, len + 1); /* it may have held a secret */
    free(value);
    if (rc == CT_OK && holds_secret) *holds_secret = secret;
    return rc;
}

ct_err ct_config_apply_env(ct_config *cfg, ct_getenv_fn getenv_fn, void *ud, ct_error *err)
{
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (!s->env) continue;
        const char *v = getenv_fn(s->env, ud);
        if (!v || !*v) continue; /* empty = unset, as most tools treat it */
        ct_err a = assign(cfg, id, s->env_presence ? "true" : v, CT_SRC_ENV, 0);
        if (a == CT_EVALUE) {
            char shown[64];
            display(shown, sizeof shown, v, false);
            return ct_error_set(err, CT_ECONFIG,
                                "environment variable %s='%s' is not a boolean (%s)", s->env, shown,
                                BOOL_HINT);
        }
        if (a != CT_OK) return ct_error_set(err, a, "out of memory");
    }
    return CT_OK;
}

ct_err ct_config_apply_flags(ct_config *cfg, const ct_flag_values *flags, ct_error *err)
{
    for (int id = 0; id < CT_SET__COUNT; id++) {
        if (!flags->value[id] || ct_settings[id].kind == CT_KIND_ACTION) continue;
        ct_err a = assign(cfg, id, flags->value[id], CT_SRC_FLAG, 0);
        if (a == CT_EVALUE) /* parse_args already checked; defensive */
            return ct_error_set(err, CT_EUSAGE, "option '--%s': not a boolean",
                                ct_settings[id].flag);
        if (a != CT_OK) return ct_error_set(err, a, "out of memory");
    }
    return CT_OK;
}

/* A CT_KIND_INT value: digits only, within [min, max]. */
static bool int_in_range(const ct_setting *s, const char *v, long *out)
{
    if (!v || !*v || strlen(v) > 9 || strspn(v, "0123456789") != strlen(v)) return false;
    long n = strtol(v, NULL, 10);
    if (n < s->min || n > s->max) return false;
    *out = n;
    return true;
}

const char *ct_config_value(const ct_config *cfg, ct_setting_id id)
{
    return id >= 0 && id < CT_SET__COUNT ? str_value(cfg, id) : NULL;
}

long ct_config_int(const ct_config *cfg, ct_setting_id id)
{
    const ct_setting *s = &ct_settings[id];
    long n;
    if (int_in_range(s, str_value(cfg, id), &n) || int_in_range(s, s->def, &n)) return n;
    return 0;
}

int ct_config_list_parallel(const ct_config *cfg)
{
    const ct_setting *s = &ct_settings[CT_SET_LIST_PARALLEL];
    long n;
    if (int_in_range(s, cfg->list_parallel, &n) || int_in_range(s, s->def, &n)) return (int)n;
    return 1;
}

long ct_config_record_max_bytes(const ct_config *cfg)
{
    const ct_setting *s = &ct_settings[CT_SET_RECORD_MAX_BYTES];
    long n;
    if (int_in_range(s, cfg->record_max_bytes, &n) || int_in_range(s, s->def, &n)) return n;
    return s->min;
}

ct_err ct_config_validate(const ct_config *cfg, ct_error *err)
{
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (s->kind == CT_KIND_INT) {
            const char *v = str_value(cfg, id);
            long parsed;
            if (v && !int_in_range(s, v, &parsed)) {
                char src[1100], shown[64];
                describe_source(cfg, id, src, sizeof src);
                display(shown, sizeof shown, v, false);
                return ct_error_set(err, CT_ECONFIG,
                                    "%s '%s' (from %s): must be a whole number "
                                    "from %d to %d",
                                    s->key, shown, src, s->min, s->max);
            }
            continue;
        }
        if (id == CT_SET_NOTIFY) {
            /* A word list only the board reads: checked here too, so a typo
             * is named (with where it came from) by `calltop config` and
             * every command, not only when a board starts. */
            const char *v = str_value(cfg, id);
            unsigned mask;
            ct_error nerr;
            ct_error_clear(&nerr);
            if (v && ct_notify_parse(v, &mask, &nerr) != CT_OK) {
                char src[1100];
                describe_source(cfg, id, src, sizeof src);
                return ct_error_set(err, CT_ECONFIG, "%s (from %s)", nerr.detail, src);
            }
            continue;
        }
        if (s->kind != CT_KIND_URL) continue;
        const char *v = str_value(cfg, id);
        char src[1100];
        describe_source(cfg, id, src, sizeof src);
        if (!v) {
            if (s->def) return ct_error_set(err, CT_ECONFIG, "%s is empty (from %s)", s->key, src);
            continue;
        }
        char why[128], shown[256];
        if (!s->list) {
            display(shown, sizeof shown, v, true);
            if (!ct_url_check(v, s->schemes, why, sizeof why))
                return ct_error_set(err, CT_ECONFIG, "%s '%s' (from %s): %s", s->key, shown, src,
                                    why);
            continue;
        }
        /* a list (relay-url): each entry is checked alone and named by its
         * place, so "entry 2 of 3" points at the one to fix */
        ct_relay_urls urls;
        ct_error lerr;
        ct_error_clear(&lerr);
        if (ct_relay_urls_split(v, &urls, &lerr) != CT_OK)
            return ct_error_set(err, lerr.code, "%s (from %s): %s", s->key, src, lerr.detail);
        for (int i = 0; i < urls.n; i++) {
            if (ct_url_check(urls.url[i], s->schemes, why, sizeof why)) continue;
            display(shown, sizeof shown, urls.url[i], true);
            if (urls.n == 1)
                ct_error_set(err, CT_ECONFIG, "%s '%s' (from %s): %s", s->key, shown, src, why);
            else
                ct_error_set(err, CT_ECONFIG, "%s entry %d of %d '%s' (from %s): %s", s->key, i + 1,
                             urls.n, shown, src, why);
            ct_relay_urls_free(&urls);
            return CT_ECONFIG;
        }
        ct_relay_urls_free(&urls);
    }
    return CT_OK;
}

char *ct_config_default_path(ct_getenv_fn getenv_fn, void *ud)
{
    const char *xdg = getenv_fn("XDG_CONFIG_HOME", ud);
    const char *home = getenv_fn("HOME", ud);
    char *path = NULL;
    int n;
    /* XDG: a relative XDG_CONFIG_HOME is invalid and must be ignored. */
    if (xdg && xdg[0] == '/') n = asprintf(&path, "%s/calltop/config", xdg);
    else if (home && home[0]) n = asprintf(&path, "%s/.config/calltop/config", home);
    else return NULL;
    return n < 0 ? NULL : path;
}

/* The one function that touches the file system. The checks run on the
 * open descriptor, so the file checked is the file read. */
static ct_err read_file(ct_config *cfg, const char *path, bool explicit_path, ct_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; the type is
     * checked on the descriptor before anything is read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT && !explicit_path) return CT_OK; /* no file: defaults */
        return ct_error_set(err, CT_ECONFIG, "cannot read config file '%s': %s", path,
                            strerror(errno));
    }
    struct stat st;
    ct_err rc = CT_OK;
    char *buf = NULL;
    size_t n = 0;
    if (fstat(fd, &st) != 0) {
        rc = ct_error_set(err, CT_ECONFIG, "cannot stat config file '%s': %s", path,
                          strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *what = S_ISDIR(st.st_mode) ? "a directory"
            : S_ISFIFO(st.st_mode)             ? "a FIFO (named pipe)"
            : S_ISCHR(st.st_mode)              ? "a character device"
            : S_ISBLK(st.st_mode)              ? "a block device"
            : S_ISSOCK(st.st_mode)             ? "a socket"
                                               : "not a regular file";
        rc = ct_error_set(err, CT_ECONFIG, "config file '%s' is %s: it must be a regular file",
                          path, what);
        goto out;
    }
    /* a regular file: blocking reads again (O_NONBLOCK changes nothing for
     * regular files, but the descriptor should say what it is) */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (st.st_size > CT_CONFIG_MAX_BYTES) {
        rc = ct_error_set(err, CT_ECONFIG, "config file '%s' is too large (%lld bytes, limit %d)",
                          path, (long long)st.st_size, CT_CONFIG_MAX_BYTES);
        goto out;
    }
    if (!(buf = malloc(CT_CONFIG_MAX_BYTES + 1))) {
        rc = ct_error_set(err, CT_ENOMEM, "out of memory reading %s", path);
        goto out;
    }
    for (;;) { /* read to EOF: the size may have changed since fstat */
        ssize_t r = read(fd, buf + n, CT_CONFIG_MAX_BYTES + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = ct_error_set(err, CT_ECONFIG, "cannot read config file '%s': %s", path,
                              strerror(errno));
            goto out;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > CT_CONFIG_MAX_BYTES) {
            rc = ct_error_set(err, CT_ECONFIG, "config file '%s' is too large (limit %d bytes)",
                              path, CT_CONFIG_MAX_BYTES);
            goto out;
        }
    }
    const char *secret = NULL;
    rc = ct_config_parse_text(cfg, buf, n, path, &secret, err);
    if (rc != CT_OK) goto out;
    /* As ssh does for private keys: a secret in a file others can read is
     * already leaked, and silently using it would hide that. */
    if (secret && (st.st_mode & 077)) {
        rc = ct_error_set(
            err, CT_ECONFIG,
            "Permissions %04o for '%s' are too open. It is required that your calltop config "
            "file holding %s is NOT accessible by others. Fix: chmod 600 '%s'",
            (unsigned)(st.st_mode & 07777), path, secret, path);
        goto out;
    }
    if (secret && st.st_uid != geteuid() && st.st_uid != 0) {
        rc = ct_error_set(
            err, CT_ECONFIG,
            "config file '%s' holding %s is owned by uid %u, not by you (uid %u): refusing it",
            path, secret, (unsigned)st.st_uid, (unsigned)geteuid());
        goto out;
    }
    cfg->config_found = true;
out:
    if (buf) {
        memset(buf, 0, n);
        free(buf);
    }
    close(fd);
    return rc;
}

/* "~/x" in the file means $HOME/x, as users expect from a dotfile; the shell
 * already did it for flags and env. Other paths are taken as written. */
static ct_err expand_home(ct_config *cfg, ct_getenv_fn getenv_fn, void *ud, ct_error *err)
{
    for (int id = 0; id < CT_SET__COUNT; id++) {
        char **slot = str_slot(cfg, id);
        if (ct_settings[id].kind != CT_KIND_PATH || cfg->sources[id] != CT_SRC_FILE || !*slot)
            continue;
        const char *v = *slot;
        if (v[0] != '~' || (v[1] != '/' && v[1] != '\0')) continue;
        const char *home = getenv_fn("HOME", ud);
        if (!home || !*home)
            return ct_error_set(err, CT_ECONFIG,
                                "%s:%d: key '%s': cannot expand '~': HOME is not set",
                                cfg->config_path, cfg->lines[id], ct_settings[id].key);
        char *full;
        if (asprintf(&full, "%s%s", home, v + 1) < 0)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
        free(*slot);
        *slot = full;
    }
    return CT_OK;
}

ct_err ct_config_load_ex(ct_config *cfg, int argc, char **argv, ct_getenv_fn getenv_fn, void *ud,
                         FILE *out, bool *exit_now, ct_error *err)
{
    ct_flag_values flags;
    bool dummy;
    if (!exit_now) exit_now = &dummy;
    *exit_now = false;
    ct_error_clear(err);
    ct_err rc = ct_config_init(cfg);
    if (rc != CT_OK) return ct_error_set(err, rc, "out of memory");
    if ((rc = ct_config_parse_args(cfg, &flags, argc, argv, err)) != CT_OK) return rc;
    if (cfg->want_help) {
        ct_config_print_help(out);
        *exit_now = true;
        return CT_OK;
    }
    if (cfg->want_version) {
        fprintf(out, "calltop %s\n", CALLTOP_VERSION);
        *exit_now = true;
        return CT_OK;
    }
    const char *explicit_path = flags.value[CT_SET_CONFIG];
    if (explicit_path) {
        if (!*explicit_path)
            return ct_error_set(err, CT_EUSAGE, "option '--config' needs a value (FILE)");
        if ((rc = assign(cfg, CT_SET_CONFIG, explicit_path, CT_SRC_FLAG, 0)) != CT_OK)
            return ct_error_set(err, rc, "out of memory");
    } else {
        cfg->config_path = ct_config_default_path(getenv_fn, ud);
    }
    if (cfg->config_path &&
        (rc = read_file(cfg, cfg->config_path, explicit_path != NULL, err)) != CT_OK)
        return rc;
    if ((rc = expand_home(cfg, getenv_fn, ud, err)) != CT_OK) return rc;
    if ((rc = ct_config_apply_env(cfg, getenv_fn, ud, err)) != CT_OK) return rc;
    if ((rc = ct_config_apply_flags(cfg, &flags, err)) != CT_OK) return rc;
    return ct_config_validate(cfg, err);
}

static const char *real_getenv(const char *name, void *ud)
{
    (void)ud;
    return getenv(name);
}

ct_err ct_config_load(ct_config *cfg, int argc, char **argv, FILE *out, bool *exit_now,
                      ct_error *err)
{
    return ct_config_load_ex(cfg, argc, argv, real_getenv, NULL, out, exit_now, err);
}

/* ------------------------------------------------------------------------ */
/* Printing */

/* A URL list shown entry by entry, so each entry's password is hidden,
 * not only the first one's. */
static void display_list(char *buf, size_t cap, const char *v)
{
    ct_relay_urls urls;
    ct_error e;
    ct_error_clear(&e);
    if (ct_relay_urls_split(v, &urls, &e) != CT_OK) {
        display(buf, cap, v, true);
        return;
    }
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < urls.n && o + 1 < cap; i++) {
        if (i) buf[o++] = ',';
        buf[o] = '\0';
        display(buf + o, cap - o, urls.url[i], true);
        o += strlen(buf + o);
    }
    ct_relay_urls_free(&urls);
}

void ct_config_print_effective(const ct_config *cfg, FILE *out)
{
    fprintf(out, "%-19s %-40s %s\n", "SETTING", "VALUE", "SOURCE");
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        char value[512], src[1100];
        if (s->kind == CT_KIND_ACTION) continue;
        describe_source(cfg, id, src, sizeof src);
        if (s->kind == CT_KIND_BOOL) {
            snprintf(value, sizeof value, "%s",
                     *bool_slot((ct_config *)cfg, id) ? "true" : "false");
        } else {
            const char *v = str_value(cfg, id);
            if (!v)
                snprintf(value, sizeof value, "%s",
                         id == CT_SET_CONFIG ? "(none: HOME unset)" : "(unset)");
            else if (s->secret) /* never a character of it, not even its length */
                snprintf(value, sizeof value, "(set, hidden)");
            else if (s->list) display_list(value, sizeof value, v);
            else display(value, sizeof value, v, s->kind == CT_KIND_URL);
            if (id == CT_SET_CONFIG && v && !cfg->config_found)
                strncat(value, " (not found)", sizeof value - strlen(value) - 1);
        }
        fprintf(out, "%-19s %-40s %s\n", s->key, value, src);
    }
}

#define HELP_WIDTH  79
#define HELP_INDENT 27

/* Prints `label` in a 24-column gutter, then `text` word-wrapped to
 * HELP_WIDTH with continuation lines indented: --help stays readable in an
 * 80-column terminal. */
static void print_item(FILE *out, const char *label, const char *text)
{
    int col = HELP_INDENT;
    if (strlen(label) > HELP_INDENT - 3) /* too long for the gutter: own line */
        fprintf(out, "  %s\n%*s", label, HELP_INDENT, "");
    else fprintf(out, "  %-24s ", label);
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ");
        if (!w) break;
        if (!first && col + 1 + (int)w > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
            first = true;
        }
        col += fprintf(out, "%s%.*s", first ? "" : " ", (int)w, p);
        first = false;
        p += w;
    }
    fputc('\n', out);
}

void ct_config_print_help(FILE *out)
{
    fputs("Usage: calltop [OPTIONS] [COMMAND [ARGS...]]\n\n"
          "A terminal board for the live calls of an Interactly voice-AI account.\n"
          "Without a COMMAND it opens the board; options go before the COMMAND.\n"
          "'calltop COMMAND --help' shows a command's own options.\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < ct_n_commands; i++)
        print_item(out, ct_commands[i].synopsis, ct_commands[i].help);
    fputs("\nOptions (each also accepts --option=value):\n", out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (!s->flag) continue;
        char spell[64], text[512];
        snprintf(spell, sizeof spell, "%c%c%c --%s%s%s", s->short_flag ? '-' : ' ',
                 s->short_flag ? s->short_flag : ' ', s->short_flag ? ',' : ' ', s->flag,
                 s->metavar ? " " : "", s->metavar ? s->metavar : "");
        const char *def = s->def_doc ? s->def_doc : s->def;
        int n = snprintf(text, sizeof text, "%s", s->help);
        if (s->env || def) {
            n +=
                snprintf(text + n, sizeof text - (size_t)n, " (%s%s%s%s%s%s)", s->env ? "env " : "",
                         s->env ? s->env : "", s->env_presence ? " non-empty" : "",
                         s->env && def ? "; " : "", def ? "default " : "", def ? def : "");
        }
        print_item(out, spell, text);
    }
    fputs("\nSecrets (never accepted on the command line):\n", out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        char text[512];
        if (!s->secret) continue;
        snprintf(text, sizeof text, "%s (env %s, or '%s = ...' in the config file, chmod 600)",
                 s->help, s->env, s->key);
        print_item(out, s->key, text);
    }
    fputs("\nConfig file: $XDG_CONFIG_HOME/calltop/config, else ~/.config/calltop/config.\n"
          "  'key = value' lines; # starts a comment at line start or after a blank.\n"
          "  Keys:",
          out);
    int col = 7;
    for (int id = 0; id < CT_SET__COUNT; id++) {
        if (!ct_settings[id].in_file) continue;
        if (col + 1 + (int)strlen(ct_settings[id].key) > HELP_WIDTH)
            col = fprintf(out, "\n   ") - 1;
        col += fprintf(out, " %s", ct_settings[id].key);
    }
    fputs(".\n  Precedence: flags, then environment, then the config file, then defaults.\n"
          "  'calltop config --sample' prints a commented example.\n\n"
          "Exit status:\n",
          out);
    for (size_t i = 0; i < ct_n_exit_docs; i++)
        fprintf(out, "  %d  %s\n", ct_exit_docs[i].code, ct_exit_docs[i].help);
}

bool ct_command_matches(const char *synopsis, const char *path)
{
    size_t n = strlen(path);
    return n && strncmp(synopsis, path, n) == 0 && (synopsis[n] == ' ' || synopsis[n] == '\0');
}

int ct_config_print_command_help(const char *path, FILE *out)
{
    int matched = 0;
    for (size_t i = 0; i < ct_n_commands; i++)
        if (ct_command_matches(ct_commands[i].synopsis, path) && matched++ == 0)
            fprintf(out, "Usage: calltop [OPTIONS] %s%s\n\nCommands:\n", path,
                    strchr(path, ' ') || strcmp(path, "calls") != 0 ? " [ARGS...]"
                                                                    : " COMMAND [ARGS...]");
    if (!matched) return 0;
    for (size_t i = 0; i < ct_n_commands; i++)
        if (ct_command_matches(ct_commands[i].synopsis, path))
            print_item(out, ct_commands[i].synopsis, ct_commands[i].help);
    /* Options of every command under path: "calls" lists each command's own. */
    const char *last = NULL;
    for (size_t i = 0; i < ct_n_command_options; i++) {
        const ct_command_option *o = &ct_command_options[i];
        if (!ct_command_matches(o->command, path) && !ct_command_matches(path, o->command))
            continue;
        if (!last || strcmp(last, o->command) != 0)
            fprintf(out,
                    "\nOptions of %s (after the command; each also accepts "
                    "--option=value):\n",
                    o->command);
        last = o->command;
        print_item(out, o->spell, o->help);
    }
    fputs("\nOptions for every command (--base-url, --config, --read-only, ...) go before\n"
          "the command: see calltop --help.\n\nExit status:\n",
          out);
    for (size_t i = 0; i < ct_n_exit_docs; i++)
        fprintf(out, "  %d  %s\n", ct_exit_docs[i].code, ct_exit_docs[i].help);
    return matched;
}

void ct_config_explain_missing_key(const ct_config *cfg, const char *hint, FILE *out)
{
    fprintf(out,
            "calltop: no API key: set INTERACTLY_API_KEY in the environment, or "
            "api-key = ... in %s (which must not be readable by group or others)%s%s\n",
            cfg && cfg->config_path ? cfg->config_path : "~/.config/calltop/config",
            hint ? "; " : "", hint ? hint : "");
}

void ct_config_print_sample(FILE *out)
{
    fputs("# calltop config: $XDG_CONFIG_HOME/calltop/config (default ~/.config/calltop/config)\n"
          "#\n"
          "# Format: one 'key = value' per line. '#' starts a comment at the start of a\n"
          "# line or after a blank: 'api-key = abc  # prod' sets abc. A '#' glued to the\n"
          "# text before it is part of the value (https://x/#frag). Values may be quoted\n"
          "# \"like this\" to keep ' #' in them (\\\" and \\\\ escape inside quotes).\n"
          "# Booleans: true/false, yes/no, on/off, 1/0.\n"
          "# Precedence: command-line flags, then environment, then this file, then defaults.\n"
          "# When this file holds api-key or relay-token it must be private: chmod 600.\n",
          out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (!s->in_file) continue;
        fprintf(out, "\n# %s.\n# ", s->help);
        if (s->env) fprintf(out, "Environment: %s. ", s->env);
        if (s->flag) fprintf(out, "Flag: --%s.", s->flag);
        else fputs("Never a flag: it would show in ps and shell history.", out);
        const char *v = s->def ? s->def : s->example;
        fprintf(out, "\n#%s = %s\n", s->key, v ? v : "");
    }
}

/* True for 127.0.0.0/8, ::1 and localhost: plain http there stays on the machine. */
static bool loopback_url(const char *url)
{
    return ct_url_is_loopback(url);
}

int ct_config_print_warnings(const ct_config *cfg, FILE *out)
{
    int n = 0;
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        const char *v = str_value(cfg, id);
        if (!v || !strchr(v, '#') || cfg->sources[id] == CT_SRC_DEFAULT ||
            (cfg->sources[id] == CT_SRC_FILE && cfg->quoted[id]))
            continue;
        char src[1100];
        describe_source(cfg, id, src, sizeof src);
        /* a secret's characters are never printed, not even around the '#' */
        fprintf(out,
                "WARNING: %s (from %s) contains '#', which is sent as part of the value. "
                "A comment needs a blank before the '#'; if the '#' belongs to the value, "
                "quote it (\"...\") to silence this warning.\n",
                s->key, src);
        n++;
    }
    if (cfg->insecure) {
        fputs("WARNING: --insecure disables TLS certificate verification: anyone on the network "
              "path can impersonate the server and read your API key and relay token. Use it "
              "only against a test server.\n",
              out);
        n++;
    }
    if (cfg->base_url && cfg->api_key && strncasecmp(cfg->base_url, "http://", 7) == 0 &&
        !loopback_url(cfg->base_url)) {
        fputs("WARNING: base-url is plain http:// to a remote host: the API key travels "
              "unencrypted. Use https://.\n",
              out);
        n++;
    }
    ct_relay_urls urls = {0};
    ct_error uerr;
    ct_error_clear(&uerr);
    if (cfg->relay_url && cfg->relay_token &&
        ct_relay_urls_split(cfg->relay_url, &urls, &uerr) == CT_OK) {
        /* the token goes to every relay of the list: each cleartext one is a leak */
        for (int i = 0; i < urls.n; i++) {
            if (strncasecmp(urls.url[i], "ws://", 5) != 0 || loopback_url(urls.url[i])) continue;
            if (urls.n == 1) {
                fputs("WARNING: relay-url is plain ws:// to a remote host: the relay token travels "
                      "unencrypted. Use wss://.\n",
                      out);
            } else {
                char shown[256];
                display(shown, sizeof shown, urls.url[i], true);
                fprintf(out,
                        "WARNING: relay-url entry %d of %d (%s) is plain ws:// to a remote host: "
                        "the relay token travels unencrypted. Use wss://.\n",
                        i + 1, urls.n, shown);
            }
            n++;
        }
        ct_relay_urls_free(&urls);
    }
    return n;
}
