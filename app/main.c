/* main.c — the calltop executable: load the settings, open the log, then
 * dispatch to a mode: the board (no command), the CLI (calls, numbers),
 * `config`, or the hidden `help-man` that prints docs/calltop.1.
 *
 * The terminal belongs to ncurses once the board starts, so no library may
 * print to it: libwebsockets' own logger is pointed at ct_log() here
 * (ct_lws_log_init), before any thread exists, and libcurl prints nothing
 * unless asked to. */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "calltop/lws_log.h"

#include "app.h"
#include "calltop/config.h"
#include "calltop/log.h"
#include "completion.h"
#include "doctor.h"
#include "manpage.h"
#include "../tui/export.h"

/* Commands that need no settings still work when the config is broken:
 * that is when a user needs --sample most. */
static bool needs_no_settings(const ct_config *cfg)
{
    if (cfg->n_rest < 1) return false;
    const char *cmd = cfg->rest[0];
    if ((strcmp(cmd, "calls") == 0 || strcmp(cmd, "numbers") == 0 || strcmp(cmd, "config") == 0) &&
        ct_cli_wants_help(cfg))
        return true;
    return strcmp(cmd, "help-man") == 0 || strcmp(cmd, "help") == 0 ||
        strcmp(cmd, "completion") == 0 || strcmp(cmd, "doctor") == 0 ||
        (strcmp(cmd, "config") == 0 && cfg->n_rest == 2 && strcmp(cfg->rest[1], "--sample") == 0);
}

static int cmd_config(const ct_config *cfg)
{
    if (ct_cli_wants_help(cfg)) {
        ct_config_print_command_help("config", stdout);
        return CT_EXIT_OK;
    }
    if (cfg->n_rest == 1) {
        ct_config_print_effective(cfg, stdout);
        return CT_EXIT_OK;
    }
    if (cfg->n_rest == 2 && strcmp(cfg->rest[1], "--sample") == 0) {
        ct_config_print_sample(stdout);
        return CT_EXIT_OK;
    }
    fprintf(stderr, "calltop: usage: calltop config [--sample] (see calltop config --help)\n");
    return CT_EXIT_USAGE;
}

static int dispatch(const ct_config *cfg)
{
    if (cfg->n_rest == 0) return ct_board_main(cfg);
    const char *cmd = cfg->rest[0];
    if (strcmp(cmd, "config") == 0) return cmd_config(cfg);
    if (strcmp(cmd, "calls") == 0 || strcmp(cmd, "numbers") == 0) return ct_cli_main(cfg);
    if (strcmp(cmd, "watch") == 0) return ct_watch_main(cfg);
    if (strcmp(cmd, "help") == 0) {
        ct_config_print_help(stdout);
        return CT_EXIT_OK;
    }
    if (strcmp(cmd, "help-man") == 0) { /* hidden: regenerates docs/calltop.1 */
        ct_manpage_write(stdout);
        return CT_EXIT_OK;
    }
    if (strcmp(cmd, "completion") == 0)
        return ct_completion_main(cfg); /* hidden: the build installs it */
    fprintf(stderr, "calltop: unknown command '%.64s' (see calltop --help)\n", cmd);
    return CT_EXIT_USAGE;
}

/* Every byte calltop prints is flushed and checked before it exits: output
 * that silently went nowhere (`> /dev/full`, a full disk) must not look like
 * success to a script. A command that already failed keeps its own code. */
static int finish_output(int code)
{
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int saved = errno;
    if (!bad) return code;
    fprintf(stderr, "calltop: error writing the output: %s\n",
            saved ? strerror(saved) : "write failed");
    return code == CT_EXIT_OK ? CT_EXIT_OTHER : code;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Before anything can create an lws context: its default logger
     * writes to stderr, under the board. lws lines (the monitor, and the
     * relay and simulator under --demo) go to calltop's log (which redacts
     * bearer tokens). Once, for the whole process. */
    ct_lws_log_init(CT_LWS_LOG_TO_LOG);

    ct_config cfg;
    ct_error err;
    bool exit_now = false;
    ct_err rc = ct_config_load(&cfg, argc, argv, stdout, &exit_now, &err);
    if (rc != CT_OK && !needs_no_settings(&cfg)) {
        fprintf(stderr, "calltop: %s\n", err.detail);
        ct_config_clear(&cfg);
        return rc == CT_EUSAGE || rc == CT_ECONFIG ? CT_EXIT_USAGE : CT_EXIT_OTHER;
    }
    if (exit_now) {
        ct_config_clear(&cfg);
        return finish_output(CT_EXIT_OK);
    }
    if (rc == CT_OK && !needs_no_settings(&cfg)) {
        ct_config_print_warnings(&cfg, stderr);
        if (cfg.log_path) {
            /* Secrets first, so not even the first line could carry them. */
            ct_log_add_secret(cfg.api_key);
            ct_log_add_secret(cfg.relay_token);
            if (ct_log_open(cfg.log_path, &err) != CT_OK) {
                fprintf(stderr, "calltop: %s\n", err.detail);
                ct_config_clear(&cfg);
                return CT_EXIT_OTHER;
            }
            ct_log_set_thread_name("main");
            ct_log(CT_LOG_INFO, "calltop %s starting: %s, base-url %s, relay %s%s", CALLTOP_VERSION,
                   cfg.n_rest ? cfg.rest[0] : "board", cfg.base_url,
                   cfg.relay_url ? cfg.relay_url : "none (polling)",
                   cfg.read_only ? ", read-only" : "");
        }
    }
    ct_export_set_dir(cfg.export_dir); /* the board's x / t */
    /* The doctor reports a broken config as a failed check, so it gets the error. */
    int code = finish_output(cfg.n_rest && strcmp(cfg.rest[0], "doctor") == 0
                                 ? ct_doctor_main(&cfg, rc == CT_OK ? NULL : &err)
                                 : dispatch(&cfg));
    ct_export_set_dir(NULL);
    ct_log(CT_LOG_INFO, "calltop exiting with status %d", code);
    ct_log_close();
    ct_config_clear(&cfg);
    return code;
}
