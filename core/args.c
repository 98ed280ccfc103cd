/* args.c — the one command-line parser, --help and man-page writer of the
 * three programs (see args.h). calltop's ct_config_parse_args scans with
 * it; calltop-relay and calltop-sim run it from main(). */
#include "calltop/args.h"
#include "calltop/sanitize.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef CALLTOP_VERSION
#define CALLTOP_VERSION "unknown"
#endif

#define BOOL_HINT   "use true/false, yes/no, on/off or 1/0"
#define HELP_INDENT 28
#define HELP_WIDTH  79

int ct_args_row(const ct_program *p, const char *key)
{
    for (size_t i = 0; i < p->n_rows; i++)
        if (!strcmp(p->rows[i].key, key)) return (int)i;
    return -1;
}

static int find_flag(const ct_program *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->n_rows; i++) {
        const char *f = p->rows[i].flag;
        if (f && strlen(f) == len && memcmp(f, name, len) == 0) return (int)i;
    }
    return -1;
}

/* A flag that tries to pass a secret: the secret's key, spelled with - or _. */
static int find_secret_flag(const ct_program *p, const char *name, size_t len)
{
    for (size_t id = 0; id < p->n_rows; id++) {
        const ct_setting *s = &p->rows[id];
        if (!s->secret || s->flag || strlen(s->key) != len) continue;
        size_t i = 0;
        for (; i < len; i++) {
            char c = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
            if (c != s->key[i]) break;
        }
        if (i == len) return (int)id;
    }
    return -1;
}

ct_err ct_args_scan(const ct_program *p, int argc, char **argv, ct_args *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    out->first_operand = argc;
    if (p->n_rows > CT_ARGS_MAX_ROWS)
        return ct_error_set(err, CT_EINVAL, "%s: too many option rows", p->name);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') { /* the first operand (a subcommand) */
            out->first_operand = i;
            break;
        }
        if (strcmp(a, "--") == 0) {
            out->first_operand = i + 1;
            break;
        }
        int id = -1;
        const char *name, *eq = NULL;
        size_t nlen;
        if (a[1] != '-') { /* -h, -V */
            if (a[2] == '\0')
                for (size_t k = 0; k < p->n_rows; k++)
                    if (p->rows[k].short_flag == a[1]) id = (int)k;
            if (id < 0)
                return ct_error_set(err, CT_EUSAGE, "unknown option '%.64s' (see %s --help)", a,
                                    p->name);
            name = p->rows[id].flag;
            nlen = strlen(name);
        } else {
            name = a + 2;
            eq = strchr(name, '=');
            nlen = eq ? (size_t)(eq - name) : strlen(name);
            id = find_flag(p, name, nlen);
        }
        if (id < 0) {
            int sid = find_secret_flag(p, name, nlen);
            if (sid >= 0) {
                const ct_setting *s = &p->rows[sid];
                char where[256] = "";
                if (p->config_hint && s->in_file)
                    snprintf(where, sizeof where,
                             ", or put '%s = ...' in your config file (%s) and chmod 600 it",
                             s->key, p->config_hint);
                return ct_error_set(
                    err, CT_EUSAGE,
                    "--%s is not accepted on the command line: other users can read a process's "
                    "arguments (ps, /proc/PID/cmdline) and shells keep them in their history. "
                    "Set %s in the environment%s.",
                    s->key, s->env ? s->env : "it", where);
            }
            /* Only the name is echoed: a mistyped flag's value may be a secret. */
            return ct_error_set(err, CT_EUSAGE, "unknown option '--%.*s' (see %s --help)",
                                (int)(nlen > 64 ? 64 : nlen), name, p->name);
        }
        const ct_setting *s = &p->rows[id];
        const char *value;
        if (s->kind == CT_KIND_ACTION) {
            if (eq) return ct_error_set(err, CT_EUSAGE, "option '--%s' takes no value", s->flag);
            value = "true";
        } else if (s->kind == CT_KIND_BOOL) {
            value = eq ? eq + 1 : "true";
            if (ct_parse_bool(value) < 0)
                return ct_error_set(err, CT_EUSAGE, "option '--%s': '%.64s' is not a boolean (%s)",
                                    s->flag, value, BOOL_HINT);
        } else if (eq) {
            value = eq + 1;
        } else {
            if (i + 1 >= argc)
                return ct_error_set(err, CT_EUSAGE, "option '--%s' needs a value (%s)", s->flag,
                                    s->metavar ? s->metavar : "VALUE");
            value = argv[++i];
            /* "--log --demo" is a forgotten value, not a file named --demo. */
            if (value[0] == '-' && value[1] == '-')
                return ct_error_set(
                    err, CT_EUSAGE,
                    "option '--%s' needs a value (%s), got the option '%.64s' (write --%s=%.64s "
                    "if you mean it)",
                    s->flag, s->metavar ? s->metavar : "VALUE", value, s->flag, value);
        }
        out->value[id] = value;
    }
    return CT_OK;
}

static bool action(const ct_program *p, const ct_args *a, const char *key)
{
    int id = ct_args_row(p, key);
    return id >= 0 && p->rows[id].kind == CT_KIND_ACTION && a->value[id];
}

int ct_args_run(const ct_program *p, int argc, char **argv, ct_args *a, FILE *out, FILE *errout)
{
    ct_error err;
    ct_error_clear(&err);
    if (ct_args_scan(p, argc, argv, a, &err) != CT_OK) {
        /* argv may hold escape sequences: never echo them to a terminal */
        char clean[sizeof err.detail];
        ct_sanitize(err.detail, strlen(err.detail), clean, sizeof clean, false);
        fprintf(errout, "%s: %s\n", p->name, clean);
        return 2;
    }
    if (action(p, a, "help")) {
        ct_args_print_help(p, out);
        return 0;
    }
    if (action(p, a, "version")) {
        fprintf(out, "%s %s\n", p->name, CALLTOP_VERSION);
        return 0;
    }
    if (action(p, a, "help-man")) {
        ct_args_print_man(p, out);
        return 0;
    }
    if (a->first_operand < argc) {
        /* Only the position is named: it may be a secret typed in the wrong place. */
        fprintf(errout,
                "%s: unexpected argument %d (this program takes options only; "
                "see %s --help)\n",
                p->name, a->first_operand, p->name);
        return 2;
    }
    return -1;
}

ct_err ct_args_long(const ct_program *p, const ct_args *a, const char *key, long min, long max,
                    long *out, ct_error *err)
{
    int id = ct_args_row(p, key);
    if (id < 0 || !a->value[id]) return CT_OK;
    const char *v = a->value[id];
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return ct_error_set(err, CT_EUSAGE,
                            "--%s: invalid value '%.64s' (expected an integer "
                            "%ld..%ld)",
                            p->rows[id].flag, v, min, max);
    *out = n;
    return CT_OK;
}

ct_err ct_args_double(const ct_program *p, const ct_args *a, const char *key, double min,
                      double max, double *out, ct_error *err)
{
    int id = ct_args_row(p, key);
    if (id < 0 || !a->value[id]) return CT_OK;
    const char *v = a->value[id];
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= min && d <= max))
        return ct_error_set(err, CT_EUSAGE,
                            "--%s: invalid value '%.64s' (expected a number "
                            "%g..%g)",
                            p->rows[id].flag, v, min, max);
    *out = d;
    return CT_OK;
}

/* ---- --help ------------------------------------------------------------------ */

/* "  label   text wrapped at HELP_WIDTH under HELP_INDENT" (calltop's layout). */
static void print_item(FILE *out, const char *label, const char *text)
{
    int col = HELP_INDENT;
    if (strlen(label) > HELP_INDENT - 3) fprintf(out, "  %s\n%*s", label, HELP_INDENT, "");
    else fprintf(out, "  %-24s ", label);
    const char *q = text;
    bool first = true;
    while (*q) {
        while (*q == ' ') q++;
        size_t w = strcspn(q, " ");
        if (!w) break;
        if (!first && col + 1 + (int)w > HELP_WIDTH) {
            fprintf(out, "\n%*s", HELP_INDENT, "");
            col = HELP_INDENT;
            first = true;
        }
        col += fprintf(out, "%s%.*s", first ? "" : " ", (int)w, q);
        first = false;
        q += w;
    }
    fputc('\n', out);
}

/* Plain text wrapped at HELP_WIDTH, paragraphs ("\n\n") kept. */
static void print_wrapped(FILE *out, const char *text, int indent)
{
    int col = indent;
    fprintf(out, "%*s", indent, "");
    for (const char *q = text; *q;) {
        if (q[0] == '\n' && q[1] == '\n') {
            fprintf(out, "\n\n%*s", indent, "");
            col = indent;
            q += 2;
            continue;
        }
        while (*q == ' ' || (*q == '\n' && q[1] != '\n')) q++;
        size_t w = strcspn(q, " \n");
        if (!w) continue;
        if (col > indent && col + 1 + (int)w > HELP_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            col = indent;
        }
        col += fprintf(out, "%s%.*s", col > indent ? " " : "", (int)w, q);
        q += w;
    }
    fputc('\n', out);
}

static bool hidden(const ct_setting *s)
{
    return s->kind == CT_KIND_ACTION && !s->help;
}

void ct_args_print_help(const ct_program *p, FILE *out)
{
    fprintf(out, "Usage: %s [OPTIONS]\n\n", p->name);
    print_wrapped(out, p->summary, 0);
    if (p->description) {
        fputc('\n', out);
        print_wrapped(out, p->description, 0);
    }
    fputs("\nOptions (each also accepts --option=value):\n", out);
    for (size_t id = 0; id < p->n_rows; id++) {
        const ct_setting *s = &p->rows[id];
        if (!s->flag || hidden(s)) continue;
        char spell[80], text[768];
        snprintf(spell, sizeof spell, "%c%c%c --%s%s%s", s->short_flag ? '-' : ' ',
                 s->short_flag ? s->short_flag : ' ', s->short_flag ? ',' : ' ', s->flag,
                 s->metavar ? " " : "", s->metavar ? s->metavar : "");
        const char *def = s->def_doc ? s->def_doc : s->def;
        int n = snprintf(text, sizeof text, "%s", s->help);
        if (s->env || def)
            snprintf(text + n, sizeof text - (size_t)n, " (%s%s%s%s%s)", s->env ? "env " : "",
                     s->env ? s->env : "", s->env && def ? "; " : "", def ? "default " : "",
                     def ? def : "");
        print_item(out, spell, text);
    }
    bool any_secret = false;
    for (size_t id = 0; id < p->n_rows; id++) any_secret |= p->rows[id].secret && !p->rows[id].flag;
    if (any_secret) {
        fputs("\nSecrets (never accepted on the command line):\n", out);
        for (size_t id = 0; id < p->n_rows; id++) {
            const ct_setting *s = &p->rows[id];
            if (!s->secret || s->flag) continue;
            char text[512];
            snprintf(text, sizeof text, "%s (env %s)", s->help, s->env ? s->env : "-");
            print_item(out, s->key, text);
        }
    }
    for (size_t i = 0; p->notes && p->notes[i]; i++) {
        fputc('\n', out);
        print_wrapped(out, p->notes[i], 0);
    }
    if (p->n_exits) {
        fputs("\nExit status:\n", out);
        for (size_t i = 0; i < p->n_exits; i++) {
            char code[8];
            snprintf(code, sizeof code, "%d", p->exits[i].code);
            print_item(out, code, p->exits[i].help);
        }
    }
}

/* ---- the man page ------------------------------------------------------------ */

/* Escapes text for roff; a leading '.' or '\'' would be read as a request. */
void ct_roff(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'') fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", out);
        else if (*s == '-') fputs("\\-", out);
        else if (*s == '|') fputs("|\\:", out); /* a break point: long regexes fit the line */
        else if (*s == '\n' && s[1] == '\n') {
            fputs("\n.PP\n", out);
            s++;
            if (s[1] == '.' || s[1] == '\'') fputs("\\&", out);
        } else fputc(*s, out);
    }
}

void ct_roff_option(FILE *out, const ct_setting *s)
{
    fputs(".TP\n", out);
    if (s->short_flag) fprintf(out, "\\fB\\-%c\\fR, ", s->short_flag);
    fputs("\\fB\\-\\-", out);
    ct_roff(out, s->flag);
    fputs("\\fR", out);
    if (s->metavar) {
        fputs(" \\fI", out);
        ct_roff(out, s->metavar);
        fputs("\\fR", out);
    }
    fputs("\n", out);
    ct_roff(out, s->help);
    fputs(".", out);
    if (s->env) {
        fputs(" Environment: \\fB", out);
        ct_roff(out, s->env);
        fputs(s->env_presence ? "\\fR (any non-empty value)." : "\\fR.", out);
    }
    if (s->in_file) {
        fputs(" Config file: \\fB", out);
        ct_roff(out, s->key);
        fputs("\\fR.", out);
    }
    const char *def = s->def_doc ? s->def_doc : s->def;
    if (def) {
        fputs(" Default: ", out);
        ct_roff(out, def);
        fputs(".", out);
    }
    fputs("\n", out);
}

static void upper(FILE *out, const char *s)
{
    for (; *s; s++) fputc(toupper((unsigned char)*s), out);
}

void ct_args_print_man(const ct_program *p, FILE *out)
{
    fprintf(out,
            ".\\\" Generated by '%s --help-man' from its option table: do not edit.\n"
            ".\\\" Regenerate with the built binary: %s --help-man > docs/%s.1\n",
            p->name, p->name, p->name);
    fputs(".TH ", out);
    upper(out, p->name);
    fprintf(out, " 1 \"\" \"%s %s\" \"User Commands\"\n", p->name, CALLTOP_VERSION);
    fputs(".SH NAME\n", out);
    ct_roff(out, p->name);
    fputs(" \\- ", out);
    ct_roff(out, p->summary);
    fputs("\n.SH SYNOPSIS\n.B ", out);
    ct_roff(out, p->name);
    fputs("\n[\\fIOPTIONS\\fR]\n", out);
    if (p->description) {
        fputs(".SH DESCRIPTION\n", out);
        ct_roff(out, p->description);
        fputs("\n", out);
    }
    fputs(".SH OPTIONS\nEvery option taking a value also accepts \\fB\\-\\-option=value\\fR.\n",
          out);
    for (size_t id = 0; id < p->n_rows; id++) {
        const ct_setting *s = &p->rows[id];
        if (!s->flag || hidden(s)) continue;
        ct_roff_option(out, s);
    }
    bool any_env = false;
    for (size_t id = 0; id < p->n_rows; id++) any_env |= p->rows[id].env != NULL;
    if (any_env) {
        fputs(".SH ENVIRONMENT\n", out);
        for (size_t id = 0; id < p->n_rows; id++) {
            const ct_setting *s = &p->rows[id];
            if (!s->env) continue;
            fputs(".TP\n.B ", out);
            ct_roff(out, s->env);
            fputs("\n", out);
            ct_roff(out, s->help);
            if (s->secret && !s->flag) fputs(" (secret: never accepted as a flag)", out);
            if (s->flag) {
                fputs("; overridden by \\fB\\-\\-", out);
                ct_roff(out, s->flag);
                fputs("\\fR", out);
            }
            fputs(".\n", out);
        }
    }
    if (p->notes && p->notes[0]) {
        fputs(".SH NOTES\n", out);
        for (size_t i = 0; p->notes[i]; i++) {
            if (i) fputs(".PP\n", out);
            ct_roff(out, p->notes[i]);
            fputs("\n", out);
        }
    }
    if (p->n_exits) {
        fputs(".SH EXIT STATUS\n", out);
        for (size_t i = 0; i < p->n_exits; i++) {
            fprintf(out, ".TP\n.B %d\n", p->exits[i].code);
            ct_roff(out, p->exits[i].help);
            fputs(".\n", out);
        }
    }
    if (p->see_also) {
        fputs(".SH SEE ALSO\n", out);
        ct_roff(out, p->see_also);
        fputs("\n", out);
    }
}
