/* config.h — calltop's settings: one table drives flag parsing, --help, the
 * sample config file, `calltop config` and docs/calltop.1, so they cannot
 * drift. Precedence: flags, then environment, then the config file
 * ($XDG_CONFIG_HOME/calltop/config, default ~/.config/calltop/config, or
 * --config FILE), then built-in defaults. Secrets (api-key, relay-token)
 * come only from the environment or a config file that is not readable by
 * group or others; never from argv.
 *
 * Loading is split so the logic is testable without a real process
 * environment: ct_config_parse_args / ct_config_parse_text /
 * ct_config_apply_env are pure (text in, settings out); ct_config_load_ex
 * adds only the file reading and permission check; ct_config_load is the
 * same with getenv(). */
#ifndef CALLTOP_CONFIG_H
#define CALLTOP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "calltop/err.h"

#define CT_DEFAULT_BASE_URL "https://api-prod.interactly.ai"
/* A config file larger than this is refused: it is not a config file. */
#define CT_CONFIG_MAX_BYTES (64 * 1024)

typedef enum ct_setting_source {
    CT_SRC_DEFAULT = 0,
    CT_SRC_FILE,
    CT_SRC_ENV,
    CT_SRC_FLAG
} ct_setting_source;

typedef enum ct_setting_kind {
    CT_KIND_BOOL, /* true/false, yes/no, on/off, 1/0; a bare flag means true */
    CT_KIND_STRING,
    CT_KIND_PATH,
    CT_KIND_URL,    /* scheme checked: see ct_setting.schemes */
    CT_KIND_ACTION, /* --help, --version: not a setting, only a flag */
    CT_KIND_INT     /* a whole number in [min, max] (kept as text, checked by validate) */
} ct_setting_kind;

/* Index of each row of ct_settings[] (and of ct_config.sources[]). */
typedef enum ct_setting_id {
    CT_SET_BASE_URL = 0,
    CT_SET_RELAY_URL,
    CT_SET_API_KEY,
    CT_SET_RELAY_TOKEN,
    CT_SET_LOG,
    CT_SET_READ_ONLY,
    CT_SET_NO_COLOR,
    CT_SET_INSECURE,
    CT_SET_DEMO,
    CT_SET_CONFIG,
    CT_SET_HELP,
    CT_SET_VERSION,
    CT_SET_LIST_PARALLEL,
    CT_SET_CA_FILE,
    CT_SET_EXPORT_DIR,
    /* the attention rules (calltop/attention.h) */
    CT_SET_ALERT_HANG,
    CT_SET_ALERT_ERRORS,
    CT_SET_ALERT_LONG_CALL,
    CT_SET_ALERT_RINGING,
    CT_SET_ALERT_SILENCE,
    CT_SET_ALERT_KEYWORDS,
    CT_SET_ALERT_FAILED_COUNT,
    CT_SET_ALERT_FAILED_WINDOW,
    CT_SET_ALERT_UNREACHABLE,
    /* notifications outside the board (calltop/termnotify.h) */
    CT_SET_NOTIFY,
    CT_SET_NOTIFY_QUIET,
    CT_SET_NOTIFY_INTERVAL,
    CT_SET_RECORD,
    CT_SET_REPLAY,
    CT_SET_RECORD_MAX_BYTES,
    CT_SET_POLL_INTERVAL,
    CT_SET_FULL_REFRESH_INTERVAL,
    CT_SET_RECONCILE_INTERVAL,
    CT_SET__COUNT
} ct_setting_id;

typedef struct ct_setting {
    const char *key;   /* name in `calltop config` and the file */
    bool in_file;      /* may be set in the config file */
    const char *flag;  /* long flag without "--"; NULL = never on argv */
    char short_flag;   /* e.g. 'h'; 0 = none */
    const char *env;   /* environment variable; NULL = none */
    bool env_presence; /* env: any non-empty value means true (NO_COLOR) */
    ct_setting_kind kind;
    const char *metavar; /* "URL", "FILE": the flag's value in --help */
    const char *def;     /* default applied when nothing sets it; NULL = unset */
    const char *def_doc; /* default as documented when not `def` (computed ones) */
    const char *schemes; /* CT_KIND_URL: allowed schemes, space-separated */
    bool list;           /* CT_KIND_URL: a comma-separated list, each entry checked alone */
    const char *example; /* value shown in the sample config when there is no default */
    bool secret;         /* never on argv, redacted, file must be 0600 */
    const char *help;    /* one sentence, no trailing period */
    int min, max;        /* CT_KIND_INT: the accepted range */
} ct_setting;

extern const ct_setting ct_settings[CT_SET__COUNT];

/* The subcommands, for --help and the man page (one line each). */
typedef struct ct_command {
    const char *synopsis; /* "calls show ID" */
    const char *help;
} ct_command;
extern const ct_command ct_commands[];
extern const size_t ct_n_commands;

/* The options each command takes after its name, for `calltop calls list
 * --help` and the man page. `command` is the command's leading words as in
 * ct_commands ("calls list"); app/cli.c parses them. */
typedef struct ct_command_option {
    const char *command; /* "calls list" */
    const char *spell;   /* "--since DURATION" */
    const char *help;
} ct_command_option;
extern const ct_command_option ct_command_options[];
extern const size_t ct_n_command_options;
/* True when `synopsis` ("calls show ID") is the command `path` ("calls
 * show") or one below it ("calls" matches every calls command). */
bool ct_command_matches(const char *synopsis, const char *path);
/* Help for `path` ("calls", "calls list", "numbers", "config"): its
 * commands from ct_commands and their options. Returns how many commands
 * matched (0: nothing printed). */
int ct_config_print_command_help(const char *path, FILE *out);

/* Exit codes, documented in --help and EXIT STATUS. */
enum {
    CT_EXIT_OK = 0,
    CT_EXIT_OTHER = 1,
    CT_EXIT_USAGE = 2,
    CT_EXIT_REFUSED = 3,
    CT_EXIT_NETWORK = 4
};
typedef struct ct_exit_doc {
    int code;
    const char *help;
} ct_exit_doc;
extern const ct_exit_doc ct_exit_docs[];
extern const size_t ct_n_exit_docs;

typedef struct ct_config {
    char *base_url;    /* never NULL after load */
    char *relay_url;   /* NULL = no relay: poll; may be a comma-separated list (relay_urls.h) */
    char *api_key;     /* secret */
    char *relay_token; /* secret */
    char *log_path;    /* NULL = no log */
    char *ca_file;     /* PEM bundle trusted for the API and the relay; NULL = system store */
    char *export_dir;  /* where x / t write; NULL = $HOME */
    char *config_path; /* the file consulted (may not exist); NULL = none (no HOME) */
    bool config_found; /* config_path existed and was read */
    bool demo, no_color, read_only, insecure;
    bool want_help, want_version; /* --help / --version seen */
    /* the subcommand and its arguments, e.g. {"calls","list","--live"}; argv
     * pointers (not owned). n_rest = 0 for the board. */
    char **rest;
    int n_rest;
    char *list_parallel; /* list pages in flight; read it with ct_config_list_parallel() */
    bool alert_hang;     /* the attention rules' one boolean */
    /* String and number settings without a named field above (the alert-*
     * rows), by setting id; read with ct_config_value(). */
    char *extra[CT_SET__COUNT];
    char *record_path;      /* --record FILE: the board writes what it applies (NULL = no) */
    char *replay_path;      /* --replay FILE: the board plays a recording, no network */
    char *record_max_bytes; /* the recording's cap; read it with ct_config_record_max_bytes() */
    /* the board's read schedule (issue 11), in seconds; read with ct_config_int() */
    char *poll_interval, *full_refresh_interval, *reconcile_interval;
    int sources[CT_SET__COUNT]; /* ct_setting_source per setting */
    int lines[CT_SET__COUNT];   /* CT_SRC_FILE: 1-based line in config_path */
    bool quoted[CT_SET__COUNT]; /* CT_SRC_FILE: the value was written in quotes */
} ct_config;

/* Environment lookup: returns the value or NULL. Tests pass a fake. */
typedef const char *(*ct_getenv_fn)(const char *name, void *ud);

/* Sets every field to its default (base_url from the table). */
ct_err ct_config_init(ct_config *cfg);
void ct_config_clear(ct_config *cfg);

/* Pure stages. Each applies values with its own source; call them in
 * order of increasing precedence (text, env, flags) — ct_config_load_ex
 * does, after parsing argv first to find --config and usage errors. */

/* argv -> pending flag values kept in `flags` (not yet applied), plus
 * rest/n_rest and want_help/want_version in cfg. CT_EUSAGE on unknown flags,
 * missing values, bad booleans and any attempt to pass a secret. */
typedef struct ct_flag_values {
    const char *value[CT_SET__COUNT]; /* argv pointers, or "true" for bare bools */
} ct_flag_values;
ct_err ct_config_parse_args(ct_config *cfg, ct_flag_values *flags, int argc, char **argv,
                            ct_error *err);
/* Config-file text (need not be NUL-terminated). `path` names the file in
 * errors: "path:7: unknown key 'base_url' (did you mean 'base-url'?)".
 * *holds_secret (may be NULL) is set to the key of a non-empty secret the
 * text set, or NULL. CT_ECONFIG on any error. */
ct_err ct_config_parse_text(ct_config *cfg, const char *text, size_t len, const char *path,
                            const char **holds_secret, ct_error *err);
ct_err ct_config_apply_env(ct_config *cfg, ct_getenv_fn getenv_fn, void *ud, ct_error *err);
ct_err ct_config_apply_flags(ct_config *cfg, const ct_flag_values *flags, ct_error *err);
/* Scheme checks for URL settings, naming where the bad value came from. */
ct_err ct_config_validate(const ct_config *cfg, ct_error *err);
/* A string or number setting's effective value (NULL: unset). */
const char *ct_config_value(const ct_config *cfg, ct_setting_id id);
/* A CT_KIND_INT setting as a number: its value if valid, else its default. */
long ct_config_int(const ct_config *cfg, ct_setting_id id);
/* list-parallel as a number (validated; its default when unset). */
int ct_config_list_parallel(const ct_config *cfg);
long ct_config_record_max_bytes(const ct_config *cfg);

/* The default config path from XDG_CONFIG_HOME / HOME; NULL when neither
 * is usable. malloc'd. */
char *ct_config_default_path(ct_getenv_fn getenv_fn, void *ud);

/* Whole load: argv, then the file (checked: regular file, size cap, and
 * mode 0600-or-stricter when it holds a secret, as ssh does), env, flags,
 * validation. On failure returns CT_EUSAGE or CT_ECONFIG with err->detail
 * naming the file, line and key (or the flag); cfg->rest is still set when
 * argv parsed. --help / --version are printed to `out` and reported through
 * *exit_now (the file is not read then, so help works with a broken file). */
ct_err ct_config_load_ex(ct_config *cfg, int argc, char **argv, ct_getenv_fn getenv_fn, void *ud,
                         FILE *out, bool *exit_now, ct_error *err);
ct_err ct_config_load(ct_config *cfg, int argc, char **argv, FILE *out, bool *exit_now,
                      ct_error *err);

/* `calltop config`: every effective setting, its value (secrets redacted as
 * "(set, hidden)") and where it came from. */
void ct_config_print_effective(const ct_config *cfg, FILE *out);
void ct_config_print_help(FILE *out);
void ct_config_print_sample(FILE *out); /* a commented sample config file */
/* The one explanation of a missing API key (board and CLI alike): where a
 * key may come from, and the file's permission rule. `hint` is appended
 * when not NULL (e.g. "or try 'calltop --demo'"). */
void ct_config_explain_missing_key(const ct_config *cfg, const char *hint, FILE *out);
/* Loud warnings the user must see before anything runs (--insecure; an API
 * key sent over plain http to a non-loopback host; a value holding '#' that
 * looks like a comment glued to it, unless it was quoted in the file, named
 * by key and source, never shown for secrets). Returns how many. */
int ct_config_print_warnings(const ct_config *cfg, FILE *out);

/* "true"/"yes"/"on"/"1" -> 1, "false"/"no"/"off"/"0" -> 0 (any case), else -1. */
int ct_parse_bool(const char *s);

#endif
