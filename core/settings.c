/* settings.c — the one table of calltop's settings, subcommands and exit
 * codes. Flag parsing, --help, the sample config, `calltop config` and the
 * man page all read these rows, so adding a setting here is the whole job
 * (plus the field in ct_config and its case in config.c's slot()). */
#include "calltop/config.h"

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_setting ct_settings[CT_SET__COUNT] = {
    [CT_SET_BASE_URL] = {
        .key = "base-url", .in_file = true, .flag = "base-url", .env = "CALLTOP_BASE_URL",
        .kind = CT_KIND_URL, .metavar = "URL", .def = CT_DEFAULT_BASE_URL,
        .schemes = "https http",
        .help = "Interactly API base URL; https://api-qa.interactly.ai for QA, "
                "http://127.0.0.1:PORT for calltop-sim" },
    [CT_SET_RELAY_URL] = {
        .key = "relay-url", .in_file = true, .flag = "relay-url", .env = "CALLTOP_RELAY_URL",
        .kind = CT_KIND_URL, .metavar = "URL[,URL...]", .schemes = "wss ws", .list = true,
        .example = "wss://relay.example.com:8787/monitor",
        .help = "calltop-relay WebSocket URL for live events (without it calltop polls the API), "
                "or several relays sharing one Redis log, separated by commas: calltop follows "
                "one and moves to the next when it loses it" },
    [CT_SET_API_KEY] = {
        .key = "api-key", .in_file = true, .env = "INTERACTLY_API_KEY",
        .kind = CT_KIND_STRING, .secret = true, .example = "\"your-interactly-api-key\"",
        .help = "Interactly API key, sent as a Bearer token" },
    [CT_SET_RELAY_TOKEN] = {
        .key = "relay-token", .in_file = true, .env = "CALLTOP_RELAY_TOKEN",
        .kind = CT_KIND_STRING, .secret = true, .example = "\"your-relay-token\"",
        .help = "bearer token calltop-relay expects from its clients" },
    [CT_SET_LOG] = {
        .key = "log", .in_file = true, .flag = "log", .env = "CALLTOP_LOG",
        .kind = CT_KIND_PATH, .metavar = "FILE", .example = "/home/you/.cache/calltop.log",
        .help = "append a diagnostic log to FILE (created 0600); nothing is logged without it" },
    [CT_SET_READ_ONLY] = {
        .key = "read-only", .in_file = true, .flag = "read-only", .env = "CALLTOP_READ_ONLY",
        .kind = CT_KIND_BOOL, .def = "false",
        .help = "refuse every action that changes a call (connect, end, forward, say, dtmf, sms)" },
    [CT_SET_NO_COLOR] = {
        .key = "no-color", .in_file = true, .flag = "no-color", .env = "NO_COLOR",
        .env_presence = true, .kind = CT_KIND_BOOL, .def = "false",
        .help = "draw without colour (also when NO_COLOR is set to any non-empty value)" },
    [CT_SET_INSECURE] = {
        .key = "insecure", .in_file = true, .flag = "insecure",
        .kind = CT_KIND_BOOL, .def = "false",
        .help = "skip TLS certificate verification (testing only; prints a warning)" },
    [CT_SET_DEMO] = {
        .key = "demo", .flag = "demo", .kind = CT_KIND_BOOL, .def = "false",
        .help = "run the board against a built-in simulator: no account, no network" },
    [CT_SET_CONFIG] = {
        .key = "config", .flag = "config", .kind = CT_KIND_PATH, .metavar = "FILE",
        .def_doc = "$XDG_CONFIG_HOME/calltop/config, else ~/.config/calltop/config",
        .help = "read settings from FILE instead of the default config file (it must exist)" },
    [CT_SET_HELP] = {
        .key = "help", .flag = "help", .short_flag = 'h', .kind = CT_KIND_ACTION,
        .help = "print this help and exit" },
    [CT_SET_VERSION] = {
        .key = "version", .flag = "version", .short_flag = 'V', .kind = CT_KIND_ACTION,
        .help = "print the version and exit" },
    [CT_SET_LIST_PARALLEL] = {
        .key = "list-parallel", .in_file = true, .flag = "list-parallel",
        .env = "CALLTOP_LIST_PARALLEL", .kind = CT_KIND_INT, .metavar = "N", .def = "4",
        .min = 1, .max = 16,
        .help = "how many pages of the call list to fetch at the same time after the first "
                "(1 = one after another)" },
    [CT_SET_CA_FILE] = {
        .key = "ca-file", .in_file = true, .flag = "ca-file", .env = "CALLTOP_CA_FILE",
        .kind = CT_KIND_PATH, .metavar = "FILE", .example = "/etc/ssl/private-ca.pem",
        .help = "trust the CA certificates in this PEM file for the API and the relay "
                "(a private CA or a self-signed server) instead of the system store" },
    [CT_SET_EXPORT_DIR] = {
        .key = "export-dir", .in_file = true, .flag = "export-dir", .env = "CALLTOP_EXPORT_DIR",
        .kind = CT_KIND_PATH, .metavar = "DIR", .def_doc = "$HOME",
        .example = "~/calltop-exports",
        .help = "directory the board's exports go to (x: the call list as CSV, t: a transcript); "
                "the flash line shows the full path written" },
    /* The attention rules (core/attention.c; README "Attention"). 0 turns a
     * threshold rule off. */
    [CT_SET_ALERT_HANG] = {
        .key = "alert-hang", .in_file = true, .flag = "alert-hang", .env = "CALLTOP_ALERT_HANG",
        .kind = CT_KIND_BOOL, .def = "true",
        .help = "attention when the assistant hangs on a live call (a hang event, nobody spoke since)" },
    [CT_SET_ALERT_ERRORS] = {
        .key = "alert-errors", .in_file = true, .flag = "alert-errors", .env = "CALLTOP_ALERT_ERRORS",
        .kind = CT_KIND_STRING, .metavar = "TYPES", .def = "*",
        .help = "attention on a call's error events of these types (comma-separated, e.g. "
                "llm_error,stt_error; * = every type; empty = none)" },
    [CT_SET_ALERT_LONG_CALL] = {
        .key = "alert-long-call", .in_file = true, .flag = "alert-long-call",
        .env = "CALLTOP_ALERT_LONG_CALL", .kind = CT_KIND_INT, .metavar = "MINUTES", .def = "30",
        .min = 0, .max = 1440,
        .help = "attention when a call has been live this many minutes (0 = off)" },
    [CT_SET_ALERT_RINGING] = {
        .key = "alert-ringing", .in_file = true, .flag = "alert-ringing",
        .env = "CALLTOP_ALERT_RINGING", .kind = CT_KIND_INT, .metavar = "SECONDS", .def = "60",
        .min = 0, .max = 86400,
        .help = "attention when a call stays queued or ringing this many seconds (0 = off)" },
    [CT_SET_ALERT_SILENCE] = {
        .key = "alert-silence", .in_file = true, .flag = "alert-silence",
        .env = "CALLTOP_ALERT_SILENCE", .kind = CT_KIND_INT, .metavar = "SECONDS", .def = "60",
        .min = 0, .max = 86400,
        .help = "attention when a live call has no new transcript line for this many seconds "
                "(0 = off)" },
    [CT_SET_ALERT_KEYWORDS] = {
        .key = "alert-keywords", .in_file = true, .flag = "alert-keywords",
        .env = "CALLTOP_ALERT_KEYWORDS", .kind = CT_KIND_STRING, .metavar = "REGEX",
        .def = "(speak|talk|transfer me|put me through) (to|with) ((a|an|the|your|some) )?"
               "(real )?(human|person|agent|representative|supervisor|manager)|"
               "(want|need) (a|an|the) (real )?(human|person|agent|supervisor|manager)|"
               "cancel|complain|unacceptable|ridiculous",
        .help = "attention when a customer's line on a live call matches this POSIX extended "
                "regex (case-insensitive, on the sanitized UTF-8 text; empty = off)" },
    [CT_SET_ALERT_FAILED_COUNT] = {
        .key = "alert-failed-count", .in_file = true, .flag = "alert-failed-count",
        .env = "CALLTOP_ALERT_FAILED_COUNT", .kind = CT_KIND_INT, .metavar = "N", .def = "3",
        .min = 0, .max = 10000,
        .help = "attention when this many outbound attempts failed (busy, no answer, failed) "
                "within alert-failed-window (0 = off)" },
    [CT_SET_ALERT_FAILED_WINDOW] = {
        .key = "alert-failed-window", .in_file = true, .flag = "alert-failed-window",
        .env = "CALLTOP_ALERT_FAILED_WINDOW", .kind = CT_KIND_INT, .metavar = "MINUTES",
        .def = "10", .min = 1, .max = 1440,
        .help = "the window alert-failed-count counts failed outbound attempts in" },
    [CT_SET_ALERT_UNREACHABLE] = {
        .key = "alert-unreachable", .in_file = true, .flag = "alert-unreachable",
        .env = "CALLTOP_ALERT_UNREACHABLE", .kind = CT_KIND_INT, .metavar = "SECONDS",
        .def = "60", .min = 0, .max = 86400,
        .help = "attention when the API or the relay has been unreachable this many seconds "
                "(0 = off)" },
    [CT_SET_NOTIFY] = {
        .key = "notify", .in_file = true, .flag = "notify", .env = "CALLTOP_NOTIFY",
        .kind = CT_KIND_STRING, .metavar = "LIST", .def = "bell,osc9,title",
        .help = "how the board reaches you when an attention item opens, through the terminal "
                "(works over SSH; inside tmux OSC 9/777 use its passthrough): any of bell, osc9, "
                "osc777 (desktop notifications), title (the open count in the window title), "
                "or none" },
    [CT_SET_NOTIFY_QUIET] = {
        .key = "notify-quiet", .in_file = true, .flag = "notify-quiet",
        .env = "CALLTOP_NOTIFY_QUIET", .kind = CT_KIND_INT, .metavar = "SECONDS", .def = "10",
        .min = 0, .max = 3600,
        .help = "no notification for this many seconds after start-up, so what the first reads "
                "find does not ring" },
    [CT_SET_NOTIFY_INTERVAL] = {
        .key = "notify-interval", .in_file = true, .flag = "notify-interval",
        .env = "CALLTOP_NOTIFY_INTERVAL", .kind = CT_KIND_INT, .metavar = "SECONDS", .def = "5",
        .min = 0, .max = 3600,
        .help = "at most one notification per this many seconds; the next one counts those held "
                "back (\"+2 more\")" },
    [CT_SET_RECORD] = {
        .key = "record", .flag = "record", .kind = CT_KIND_PATH, .metavar = "FILE",
        .help = "write every event the board applies to FILE (JSON lines, created 0600, must not "
                "exist; never the API key or relay token) for --replay" },
    [CT_SET_REPLAY] = {
        .key = "replay", .flag = "replay", .kind = CT_KIND_PATH, .metavar = "FILE",
        .help = "open the board on a recording made with --record: no network, nothing sent; "
                "space plays/pauses, < > speed, . steps, : seeks" },
    [CT_SET_RECORD_MAX_BYTES] = {
        .key = "record-max-bytes", .in_file = true, .flag = "record-max-bytes",
        .env = "CALLTOP_RECORD_MAX_BYTES", .kind = CT_KIND_INT, .metavar = "N",
        .def = "100000000", .min = 65536, .max = 999999999,
        .help = "stop --record once the file reaches N bytes (a flash line and a log line say so)" },
    [CT_SET_POLL_INTERVAL] = {
        .key = "poll-interval", .in_file = true, .flag = "poll-interval",
        .env = "CALLTOP_POLL_INTERVAL", .kind = CT_KIND_INT, .metavar = "SECONDS", .def = "3",
        .min = 1, .max = 60,
        .help = "without a LIVE relay, re-read the hot window (live and recently ended calls) "
                "this often" },
    [CT_SET_FULL_REFRESH_INTERVAL] = {
        .key = "full-refresh-interval", .in_file = true, .flag = "full-refresh-interval",
        .env = "CALLTOP_FULL_REFRESH_INTERVAL", .kind = CT_KIND_INT, .metavar = "SECONDS",
        .def = "600", .min = 1, .max = 86400,
        .help = "without a LIVE relay, re-read the whole 24-hour list this often (and on r)" },
    [CT_SET_RECONCILE_INTERVAL] = {
        .key = "reconcile-interval", .in_file = true, .flag = "reconcile-interval",
        .env = "CALLTOP_RECONCILE_INTERVAL", .kind = CT_KIND_INT, .metavar = "SECONDS",
        .def = "60", .min = 1, .max = 3600,
        .help = "while the relay is LIVE, check the hot window over the API this often, so a "
                "lost webhook is corrected" },
};
/* clang-format on */

/* One line each; the CLI (app/cli.c) is the authority on the arguments. */
/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_command ct_commands[] = {
    { "config", "print every effective setting, its value and where it came from" },
    { "config --sample", "print a commented sample config file" },
    { "calls list", "list calls (live ones first)" },
    { "calls show ID", "show one call with its transcript" },
    { "calls connect NUMBER_ID +E164", "place an outbound call from one of your numbers" },
    { "calls end ID", "end a live call" },
    { "calls forward ID +E164", "forward a live call to a phone number" },
    { "calls say ID TEXT", "make the assistant say TEXT on a live call" },
    { "calls end --filter EXPR", "end every live call of the view EXPR (VIEW[/SEARCH]): "
                                 "--dry-run previews, --yes or the typed count sends" },
    { "calls say --filter EXPR --message TEXT", "say TEXT on every live call of the view EXPR" },
    { "calls dtmf ID DIGITS", "send DTMF digits (0-9 * # A-D) on a live call" },
    { "calls sms ID TEXT", "send an SMS to the caller of a live call" },
    { "numbers", "list the account's phone numbers and their ids" },
    { "watch", "follow the live calls without a board: one line per event or attention item "
               "(relay, else polling), for a chat bridge or a pager script" },
    { "doctor [-o json]", "check the config, API key, clock, numbers, list behaviour, relay and "
                          "webhook path, with a fix for each failure; changes nothing" },
};
/* clang-format on */
const size_t ct_n_commands = sizeof ct_commands / sizeof ct_commands[0];

#define OUTPUT_HELP "table (the default, aligned for reading), json (the API's own objects)"
/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_command_option ct_command_options[] = {
    { "calls list", "--live", "only the calls that are live now" },
    { "calls list", "--since DURATION", "how far back to look: 90s, 30m, 24h, 7d (default 24h)" },
    { "calls list", "-o, --output FORMAT", OUTPUT_HELP " or csv (RFC 4180)" },
    { "calls list", "--json", "the same as -o json" },
    { "calls show", "-o, --output FORMAT", OUTPUT_HELP },
    { "calls show", "--json", "the same as -o json" },
    { "calls connect", "--from NUMBER|NUMBER_ID", "the account's number to call from: +E164 "
      "(looked up with numbers) or its id (also the first positional argument)" },
    { "calls connect", "--to +E164", "the number to call (also the second positional argument)" },
    { "calls connect", "--name NAME", "the customer's name, given to the assistant" },
    { "calls connect", "--assistant ID", "the assistant to use instead of the number's own" },
    { "calls connect", "--meta KEY=VALUE", "call metadata; repeat for more keys" },
    { "calls connect", "--first-message TEXT", "the assistant's first line for this call "
      "(assistantOverrides.firstMessage)" },
    { "calls connect", "--var KEY=VALUE", "a variable value for the assistant "
      "(assistantOverrides.variableValues); repeat for more" },
    { "calls connect", "--assistant-json FILE", "a one-off inline assistant: FILE holds a JSON "
      "object, checked before sending; it wins over --assistant" },
    { "calls connect", "--dry-run", "print the exact request (endpoint and body); place nothing" },
    { "calls connect", "-o, --output FORMAT", OUTPUT_HELP },
    { "calls connect", "--json", "the same as -o json" },
    { "calls end", "--message TEXT", "a closing line the assistant says before hanging up" },
    { "calls end", "--filter EXPR", "bulk: every live call of the view VIEW[/SEARCH] (views: all "
      "live failed inbound outbound queued ongoing forwarded finished)" },
    { "calls end", "--dry-run", "bulk: print each call and the exact request; send nothing" },
    { "calls end", "--yes", "bulk: send without typing the count (scripts)" },
    { "calls end", "--since DURATION", "bulk: how far back to look for live calls (default 24h)" },
    { "calls say", "--filter EXPR", "bulk, as calls end --filter" },
    { "calls say", "--message TEXT", "the text to say (bulk; or as words after the id)" },
    { "calls say", "--dry-run", "bulk: print each call and the exact request; send nothing" },
    { "calls say", "--yes", "bulk: send without typing the count (scripts)" },
    { "numbers", "-o, --output FORMAT", OUTPUT_HELP " or csv (RFC 4180)" },
    { "numbers", "--json", "the same as -o json" },
    { "watch", "-o, --output FORMAT", "text (the default: time, kind, call, details) or json "
      "(one object a line: time, kind, call_id, status, phone_status, direction, live, text; "
      "attention items: item, rule, severity, reason, opened_at)" },
    { "watch", "--json", "the same as -o json" },
    { "watch", "--alerts-only", "only attention items (attention.open, attention.resolved)" },
    { "watch", "--call ID", "only this call's lines" },
    { "watch", "--status STATUS", "only calls in this status: live, queued, ongoing, forwarded "
      "or finished (items not about one call still print)" },
};
/* clang-format on */
const size_t ct_n_command_options = sizeof ct_command_options / sizeof ct_command_options[0];

/* A table aligned by hand for reading: clang-format leaves it. */
/* clang-format off */
const ct_exit_doc ct_exit_docs[] = {
    { CT_EXIT_OK, "success" },
    { CT_EXIT_OTHER, "any other failure, including an output write error (a full disk)" },
    { CT_EXIT_USAGE, "usage or configuration error (bad flag, config file or environment)" },
    { CT_EXIT_REFUSED, "the API refused the request (4xx: bad key, unknown call, invalid input)" },
    { CT_EXIT_NETWORK, "network or server failure (5xx, timeout, connection, TLS)" },
};
/* clang-format on */
const size_t ct_n_exit_docs = sizeof ct_exit_docs / sizeof ct_exit_docs[0];
