/* manpage.c — writes docs/calltop.1 (roff) from the same tables that drive
 * flag parsing and --help (core/settings.c), plus the board's key table
 * (ct_manpage_keys). tests/e2e/test_manpage.sh fails when the committed
 * page differs from this output, so the page cannot go stale. */
#include "manpage.h"

#include <stdbool.h>
#include <string.h>

#include "app.h"
#include "calltop/config.h"

#ifndef CALLTOP_VERSION
#define CALLTOP_VERSION "unknown"
#endif

/* Escapes text for roff; a leading '.' or '\'' would be read as a request. */
static void roff(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'') fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", out);
        else if (*s == '-') fputs("\\-", out);
        else if (*s == '|') fputs("|\\:", out); /* a break point: long regexes fit the line */
        else fputc(*s, out);
    }
}

static void options(FILE *out)
{
    fputs(".SH OPTIONS\nOptions go before the command. Every option taking a value also "
          "accepts \\fB\\-\\-option=value\\fR.\n",
          out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (!s->flag) continue;
        fputs(".TP\n", out);
        if (s->short_flag) fprintf(out, "\\fB\\-%c\\fR, ", s->short_flag);
        fputs("\\fB\\-\\-", out);
        roff(out, s->flag);
        fputs("\\fR", out);
        if (s->metavar) {
            fputs(" \\fI", out);
            roff(out, s->metavar);
            fputs("\\fR", out);
        }
        fputs("\n", out);
        roff(out, s->help);
        fputs(".", out);
        const char *def = s->def_doc ? s->def_doc : s->def;
        if (s->env) {
            fputs(" Environment: \\fB", out);
            roff(out, s->env);
            fputs(s->env_presence ? "\\fR (any non-empty value)." : "\\fR.", out);
        }
        if (s->in_file) {
            fputs(" Config file: \\fB", out);
            roff(out, s->key);
            fputs("\\fR.", out);
        }
        if (def) {
            fputs(" Default: ", out);
            roff(out, def);
            fputs(".", out);
        }
        fputs("\n", out);
    }
}

/* The options of ct_commands[i], unless an earlier row is the same command
 * ("config" and "config --sample"): each command's options appear once. */
static void command_options(FILE *out, size_t i)
{
    for (size_t j = 0; j < i; j++)
        for (size_t k = 0; k < ct_n_command_options; k++)
            if (ct_command_matches(ct_commands[i].synopsis, ct_command_options[k].command) &&
                ct_command_matches(ct_commands[j].synopsis, ct_command_options[k].command))
                return;
    bool any = false;
    for (size_t k = 0; k < ct_n_command_options; k++) {
        const ct_command_option *o = &ct_command_options[k];
        if (!ct_command_matches(ct_commands[i].synopsis, o->command)) continue;
        fputs(any ? ".TP\n\\fB" : ".RS\n.TP\n\\fB", out);
        any = true;
        roff(out, o->spell);
        fputs("\\fR\n", out);
        roff(out, o->help);
        fputs(".\n", out);
    }
    if (any) fputs(".RE\n", out);
}

static void environment(FILE *out)
{
    fputs(".SH ENVIRONMENT\n", out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        const ct_setting *s = &ct_settings[id];
        if (!s->env) continue;
        fputs(".TP\n.B ", out);
        roff(out, s->env);
        fputs("\n", out);
        roff(out, s->help);
        if (s->secret) fputs(" (secret: never accepted as a flag)", out);
        if (s->flag) {
            fputs("; overridden by \\fB\\-\\-", out);
            roff(out, s->flag);
            fputs("\\fR", out);
        }
        fputs(".\n", out);
    }
    fputs(".TP\n.B XDG_CONFIG_HOME\nwhere the config file is looked for "
          "(\\fI$XDG_CONFIG_HOME/calltop/config\\fR); ignored unless an absolute path.\n"
          ".TP\n.B HOME\nthe config file is \\fI~/.config/calltop/config\\fR when "
          "XDG_CONFIG_HOME is not set.\n",
          out);
}

/* The attention rules: what opens an item, and the alert-* settings that
 * tune each (their rows come from the settings table). */
static void attention(FILE *out)
{
    fputs(".SH ATTENTION\n"
          "calltop watches every call for situations that need a person and opens an "
          "\\fIattention item\\fR (a call, a rule, a severity, a reason, the time it opened) for "
          "each. A rule opens at most one item per call; acknowledging an item keeps it (so it "
          "does not open again) but no longer counts it; snoozing hides it until the snooze ends. "
          "Rules about a condition (long call, ringing, silence, failed attempts, unreachable) "
          "resolve by themselves when it clears. Each rule is a setting (flag, environment "
          "variable, or a \\fIkey\\fR = \\fIvalue\\fR line in the config file); 0 (or an empty "
          "value) turns it off:\n",
          out);
    for (int id = CT_SET_ALERT_HANG; id <= CT_SET_ALERT_UNREACHABLE; id++) {
        const ct_setting *s = &ct_settings[id];
        fputs(".TP\n.B ", out);
        roff(out, s->key);
        fputs("\n", out);
        roff(out, s->help);
        if (s->def) {
            fputs(" (default \\fB", out);
            roff(out, s->def);
            fputs("\\fR)", out);
        }
        fputs(".\n", out);
    }
    fputs(".PP\nThe keyword rule matches each new line the customer says on a live call, once, "
          "after control characters and escape sequences are removed and invalid UTF\\-8 is "
          "replaced; the regex is POSIX extended and case\\-insensitive, so a list of phrases is "
          "written as alternatives: \\fBalert\\-keywords = \"refund|chargeback|speak to a "
          "human\"\\fR. Error types are the error event's \\fItype\\fR "
          "(\\fBllm_error\\fR, \\fBstt_error\\fR, ...). Silence and ringing are measured "
          "on this machine's clock against the call's times; a clock that jumps back opens "
          "nothing.\n",
          out);
}

void ct_manpage_write(FILE *out)
{
    fputs(".\\\" Generated by 'calltop help-man' from core/settings.c: do not edit.\n"
          ".\\\" Regenerate: ./build/calltop help-man > docs/calltop.1\n",
          out);
    fprintf(out, ".TH CALLTOP 1 \"\" \"calltop %s\" \"User Commands\"\n", CALLTOP_VERSION);
    fputs(".SH NAME\ncalltop \\- a terminal board for the live calls of an Interactly "
          "voice\\-AI account\n"
          ".SH SYNOPSIS\n.B calltop\n[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR [\\fIARGS\\fR...]]\n"
          ".SH DESCRIPTION\n"
          "Without a command, \\fBcalltop\\fR opens a live board of the account's calls: "
          "their state, transcript and analysis, updated from \\fBcalltop\\-relay\\fR "
          "(webhooks turned into a WebSocket stream) or, without a relay, by polling the "
          "Interactly API. From the board you can place calls and act on live ones. "
          "The commands below do the same from a script.\n"
          ".PP\n"
          "Settings come from, in order of precedence: command\\-line flags, the "
          "environment, the config file, built\\-in defaults. "
          "\\fBcalltop config\\fR shows each effective value and where it came from.\n",
          out);
    options(out);
    fputs(".SH SUBCOMMANDS\n", out);
    for (size_t i = 0; i < ct_n_commands; i++) {
        fputs(".TP\n.B calltop ", out);
        roff(out, ct_commands[i].synopsis);
        fputs("\n", out);
        roff(out, ct_commands[i].help);
        fputs(".\n", out);
        command_options(out, i);
    }
    fputs(".PP\nEach command answers \\fB\\-\\-help\\fR (for example "
          "\\fBcalltop calls list \\-\\-help\\fR) from these same tables.\n",
          out);
    fputs(".SH KEYS\n", out);
    ct_manpage_keys(out);
    attention(out);
    environment(out);
    fputs(".SH FILES\n.TP\n.I ~/.config/calltop/config\n"
          "(or \\fI$XDG_CONFIG_HOME/calltop/config\\fR, or \\fB\\-\\-config\\fR \\fIFILE\\fR) "
          "\\fIkey\\fR = \\fIvalue\\fR lines. # starts a comment at the start of a line or after "
          "a blank (space or tab); a # glued to the text before it is part of the value "
          "(https://x/#frag); values may be quoted \"like this\" to keep \" #\" in them. "
          "\\fBcalltop config\\fR warns about an unquoted value holding #. "
          "The file must be a regular file (a FIFO, directory or device is refused). "
          "A missing default file is fine; a missing "
          "\\fB\\-\\-config\\fR file is an error, and so is an unknown key, a bad boolean or "
          "a duplicate key (the message names the file, line and key). Keys:",
          out);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        if (!ct_settings[id].in_file) continue;
        fputs(" \\fB", out);
        roff(out, ct_settings[id].key);
        fputs("\\fR", out);
    }
    fputs(". \\fBcalltop config \\-\\-sample\\fR prints a commented example.\n", out);
    fputs(".TP\n.I ~/.cache/calltop/call\\-ids\n"
          "(or \\fI$XDG_CACHE_HOME/calltop/call\\-ids\\fR) the ids of the last "
          "\\fBcalltop calls list\\fR, one a line, mode 0600, read by the shell completion "
          "to complete call ids; safe to delete.\n",
          out);
    fputs(".TP\n.I ~/.local/state/calltop/state\n"
          "(or \\fI$XDG_STATE_HOME/calltop/state\\fR when that is an absolute path) what the "
          "board remembers between runs: the list's sort and filter, the view (the board, or "
          "the tiles and their arrangement) and the pinned calls; \\fIkey\\fR=\\fIvalue\\fR "
          "lines, written on exit, mode 0600 in a 0700 directory. A file that cannot be read "
          "is reported in the message log and replaced with the defaults; safe to delete. "
          "\\fB\\-\\-demo\\fR keeps its own, \\fIstate\\-demo\\fR.\n",
          out);
    fputs(".SH EXIT STATUS\n", out);
    for (size_t i = 0; i < ct_n_exit_docs; i++) {
        fprintf(out, ".TP\n.B %d\n", ct_exit_docs[i].code);
        roff(out, ct_exit_docs[i].help);
        fputs(".\n", out);
    }
    fputs(".SH SECURITY\n"
          "The API key and the relay token are never accepted on the command line, where "
          "other users could read them (\\fBps\\fR, \\fI/proc\\fR) and the shell would keep "
          "them in its history: \\fB\\-\\-api\\-key\\fR and \\fB\\-\\-relay\\-token\\fR exit "
          "with status 2. Set \\fBINTERACTLY_API_KEY\\fR and \\fBCALLTOP_RELAY_TOKEN\\fR, or "
          "put \\fBapi\\-key\\fR and \\fBrelay\\-token\\fR in the config file.\n"
          ".PP\n"
          "Like \\fBssh\\fR(1) with private keys, calltop refuses a config file that holds a "
          "secret and is readable by group or others, and says how to fix it: "
          "\\fBchmod 600\\fR \\fIFILE\\fR.\n"
          ".PP\n"
          "\\fBcalltop config\\fR prints secrets as \"(set, hidden)\". The log "
          "(\\fB\\-\\-log\\fR) is created mode 0600, written only when asked for, and masks "
          "bearer tokens and the configured secrets. Text received from the network is "
          "stripped of terminal control sequences before it is drawn.\n"
          ".PP\n"
          "\\fB\\-\\-insecure\\fR turns off TLS certificate verification and prints a warning; "
          "a plain http:// base URL to a non\\-loopback host with an API key also warns.\n",
          out);
}
