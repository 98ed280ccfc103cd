/* args.h — the one command-line parser of calltop, calltop-relay and
 * calltop-sim, driven by a table of ct_setting rows (the same row type as
 * calltop's settings table, core/settings.c). The table also writes each
 * program's --help and its man page, so flags, help and page cannot drift.
 *
 * Rules, the same for the three programs: long flags (--name VALUE or
 * --name=VALUE), the rows' short flags (-h), bare booleans mean true, a
 * value that looks like a flag is refused ("--log --demo"), an unknown flag
 * or a missing value is a usage error (exit 2), and a secret row (one with
 * `secret` set and no `flag`) named on argv is refused with a message that
 * says where the secret goes instead. Pure: no I/O but the FILE given. */
#ifndef CALLTOP_ARGS_H
#define CALLTOP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "calltop/config.h"
#include "calltop/err.h"

#define CT_ARGS_MAX_ROWS 64

/* A program: its rows, and the words around them in --help and the page. */
typedef struct ct_program {
    const char *name;        /* "calltop-relay" */
    const char *summary;     /* one line: the NAME section and --help's first line */
    const char *description; /* plain text; "\n\n" separates paragraphs */
    const ct_setting *rows;
    size_t n_rows; /* <= CT_ARGS_MAX_ROWS */
    const ct_exit_doc *exits;
    size_t n_exits;
    const char *const *notes; /* NULL-terminated plain paragraphs: --help's end, the page's NOTES */
    const char *see_also;     /* "calltop(1), calltop-sim(1)" */
    const char *config_hint;  /* where a secret row may go besides the environment
                                  ("~/.config/calltop/config"), or NULL */
} ct_program;

/* What argv said: value[i] for row i (an argv pointer, or "true" for a
 * bare boolean or an action), NULL when not given; operands start at
 * argv[first_operand] (argc when none). */
typedef struct ct_args {
    const char *value[CT_ARGS_MAX_ROWS];
    int first_operand;
} ct_args;

/* Scans argv up to the first operand (or "--"). CT_EUSAGE with err->detail
 * naming the flag on any misuse; a flag's value is never echoed (it may be
 * a secret typed in the wrong place). */
ct_err ct_args_scan(const ct_program *p, int argc, char **argv, ct_args *out, ct_error *err);

/* The usual start of a main() for a program without operands: scans argv;
 * prints --help / --version / the man page (a row with key "help",
 * "version" or "help-man" and kind CT_KIND_ACTION) to `out`, or a usage
 * error (and any operand, which these programs do not take) to `errout`.
 * Returns -1 to go on, else the exit status (0 or 2). */
int ct_args_run(const ct_program *p, int argc, char **argv, ct_args *a, FILE *out, FILE *errout);

/* Row index by key; -1 when absent. */
int ct_args_row(const ct_program *p, const char *key);

/* Numeric values of row `key` (untouched *out when not given). CT_EUSAGE,
 * naming the flag, the bad value and the range, when out of range. */
ct_err ct_args_long(const ct_program *p, const ct_args *a, const char *key, long min, long max,
                    long *out, ct_error *err);
ct_err ct_args_double(const ct_program *p, const ct_args *a, const char *key, double min,
                      double max, double *out, ct_error *err);

void ct_args_print_help(const ct_program *p, FILE *out);
/* The man page (roff), section 1. */
void ct_args_print_man(const ct_program *p, FILE *out);

/* The roff the three man pages share: text escaped (a leading '.', '\\',
 * '-', a break point after '|', a blank line as .PP), and one option's .TP
 * entry from its setting row (flag, metavar, help, environment, config key,
 * default). app/manpage.c writes calltop.1 with them. */
void ct_roff(FILE *out, const char *s);
void ct_roff_option(FILE *out, const ct_setting *s);

#endif
