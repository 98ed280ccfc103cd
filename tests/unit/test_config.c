/* test_config.c — settings loading: precedence of every source, config file
 * errors (file:line:key), the 0600 rule for secrets, secrets refused on
 * argv, flag spellings, NO_COLOR, and redaction in `calltop config`.
 *
 * The environment is a fake table passed to ct_config_load_ex, except in
 * the one test that checks ct_config_load really reads getenv(). Files live
 * in a mkdtemp directory removed at teardown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calltop/config.h"

/* ---- fixtures ----------------------------------------------------------- */

typedef struct fake_env {
    const char *name[16];
    const char *value[16];
    int n;
} fake_env;

static const char *fake_getenv(const char *name, void *ud)
{
    const fake_env *e = ud;
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->name[i], name) == 0) return e->value[i];
    return NULL;
}

static void env_set(fake_env *e, const char *name, const char *value)
{
    assert_true(e->n < 16);
    e->name[e->n] = name;
    e->value[e->n] = value;
    e->n++;
}

typedef struct fx {
    char dir[64];
    char cfgpath[256]; /* dir/calltop/config: the XDG default */
    fake_env env;
    ct_config cfg;
    ct_error err;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    if (!f) return -1;
    strcpy(f->dir, "/tmp/ct-test-config-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char sub[128];
    snprintf(sub, sizeof sub, "%s/calltop", f->dir);
    if (mkdir(sub, 0700) != 0) return -1;
    snprintf(f->cfgpath, sizeof f->cfgpath, "%s/config", sub);
    env_set(&f->env, "XDG_CONFIG_HOME", f->dir);
    env_set(&f->env, "HOME", "/nonexistent-home");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[200];
    ct_config_clear(&f->cfg);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
}

/* Runs a load with argv given as a NULL-terminated list after argv[0]. */
static ct_err load(fx *f, bool *exit_now, FILE *out, ...)
{
    static char *argv[32];
    va_list ap;
    int argc = 0;
    argv[argc++] = "calltop";
    va_start(ap, out);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    ct_config_clear(&f->cfg);
    bool dummy;
    FILE *sink = out ? out : fopen("/dev/null", "w");
    ct_err rc = ct_config_load_ex(&f->cfg, argc, argv, fake_getenv, &f->env, sink,
                                  exit_now ? exit_now : &dummy, &f->err);
    if (!out) fclose(sink);
    return rc;
}
#define LOAD(f, ...) load((f), NULL, NULL, __VA_ARGS__, (char *)NULL)

/* ---- defaults and precedence -------------------------------------------- */

static void test_defaults_without_file(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.base_url, CT_DEFAULT_BASE_URL);
    assert_null(f->cfg.relay_url);
    assert_null(f->cfg.api_key);
    assert_null(f->cfg.log_path);
    assert_false(f->cfg.read_only || f->cfg.no_color || f->cfg.insecure || f->cfg.demo);
    assert_string_equal(f->cfg.config_path, f->cfgpath);
    assert_false(f->cfg.config_found);
    for (int id = 0; id < CT_SET__COUNT; id++)
        if (id != CT_SET_CONFIG) assert_int_equal(f->cfg.sources[id], CT_SRC_DEFAULT);
}

static void test_file_then_env_then_flag(void **state)
{
    fx *f = *state;
    write_file(f->cfgpath,
               "# comment\n"
               "\n"
               "base-url = https://file.example\n"
               "relay-url = \"wss://relay.file.example/ws\"\n"
               "read-only = yes\n"
               "log = /tmp/from-file.log\n",
               0644);

    /* file only */
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_true(f->cfg.config_found);
    assert_string_equal(f->cfg.base_url, "https://file.example");
    assert_int_equal(f->cfg.sources[CT_SET_BASE_URL], CT_SRC_FILE);
    assert_int_equal(f->cfg.lines[CT_SET_BASE_URL], 3);
    assert_string_equal(f->cfg.relay_url, "wss://relay.file.example/ws");
    assert_int_equal(f->cfg.lines[CT_SET_RELAY_URL], 4);
    assert_true(f->cfg.read_only);
    assert_int_equal(f->cfg.sources[CT_SET_READ_ONLY], CT_SRC_FILE);

    /* env beats file */
    env_set(&f->env, "CALLTOP_BASE_URL", "https://env.example");
    env_set(&f->env, "CALLTOP_READ_ONLY", "false");
    env_set(&f->env, "CALLTOP_LOG", "/tmp/from-env.log");
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.base_url, "https://env.example");
    assert_int_equal(f->cfg.sources[CT_SET_BASE_URL], CT_SRC_ENV);
    assert_false(f->cfg.read_only);
    assert_int_equal(f->cfg.sources[CT_SET_READ_ONLY], CT_SRC_ENV);
    assert_string_equal(f->cfg.log_path, "/tmp/from-env.log");
    assert_string_equal(f->cfg.relay_url, "wss://relay.file.example/ws"); /* untouched */

    /* flag beats env */
    assert_int_equal(
        LOAD(f, "--base-url", "http://127.0.0.1:9", "--read-only", "--log=/tmp/flag.log", "config"),
        CT_OK);
    assert_string_equal(f->cfg.base_url, "http://127.0.0.1:9");
    assert_int_equal(f->cfg.sources[CT_SET_BASE_URL], CT_SRC_FLAG);
    assert_true(f->cfg.read_only);
    assert_int_equal(f->cfg.sources[CT_SET_READ_ONLY], CT_SRC_FLAG);
    assert_string_equal(f->cfg.log_path, "/tmp/flag.log");
    assert_int_equal(f->cfg.sources[CT_SET_LOG], CT_SRC_FLAG);
}

static void test_secrets_from_env_and_file(void **state)
{
    fx *f = *state;
    write_file(f->cfgpath, "api-key = file-key-123\nrelay-token = 'tok # not a comment'\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.api_key, "file-key-123");
    assert_string_equal(f->cfg.relay_token, "tok # not a comment");
    assert_int_equal(f->cfg.sources[CT_SET_API_KEY], CT_SRC_FILE);

    /* "~/" in a file path means HOME */
    write_file(f->cfgpath, "log = ~/calltop.log\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.log_path, "/nonexistent-home/calltop.log");

    write_file(f->cfgpath, "api-key = file-key-123\n", 0600);
    env_set(&f->env, "INTERACTLY_API_KEY", "env-key-456");
    env_set(&f->env, "CALLTOP_RELAY_TOKEN", "env-tok");
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.api_key, "env-key-456");
    assert_int_equal(f->cfg.sources[CT_SET_API_KEY], CT_SRC_ENV);
    assert_string_equal(f->cfg.relay_token, "env-tok");
    assert_int_equal(f->cfg.sources[CT_SET_RELAY_TOKEN], CT_SRC_ENV);
}

static void test_config_flag_and_xdg_paths(void **state)
{
    fx *f = *state;
    char other[300];
    snprintf(other, sizeof other, "%s/other.conf", f->dir);
    write_file(other, "base-url = https://other.example\n", 0600);
    assert_int_equal(LOAD(f, "--config", other, "config"), CT_OK);
    assert_string_equal(f->cfg.base_url, "https://other.example");
    assert_string_equal(f->cfg.config_path, other);
    assert_int_equal(f->cfg.sources[CT_SET_CONFIG], CT_SRC_FLAG);

    /* a missing --config file is an error; a missing default one is not */
    char missing[300];
    snprintf(missing, sizeof missing, "%s/nope.conf", f->dir);
    assert_int_equal(LOAD(f, "--config=", "config"), CT_EUSAGE);
    char arg[320];
    snprintf(arg, sizeof arg, "--config=%s", missing);
    assert_int_equal(LOAD(f, arg, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, missing));
    assert_non_null(strstr(f->err.detail, "No such file"));

    /* relative XDG_CONFIG_HOME is ignored (XDG spec): HOME is used */
    fake_env e = {.n = 0};
    env_set(&e, "XDG_CONFIG_HOME", "relative/dir");
    env_set(&e, "HOME", "/home/u");
    char *p = ct_config_default_path(fake_getenv, &e);
    assert_string_equal(p, "/home/u/.config/calltop/config");
    free(p);
    fake_env none = {.n = 0};
    assert_null(ct_config_default_path(fake_getenv, &none));
}

/* ct_config_load itself must read the process environment. */
static void test_real_getenv(void **state)
{
    fx *f = *state;
    write_file(f->cfgpath, "insecure = on\n", 0600);
    setenv("XDG_CONFIG_HOME", f->dir, 1);
    setenv("CALLTOP_RELAY_URL", "ws://127.0.0.1:1/", 1);
    char *argv[] = {"calltop", "config", NULL};
    bool exit_now = true;
    ct_config_clear(&f->cfg);
    assert_int_equal(ct_config_load(&f->cfg, 2, argv, stdout, &exit_now, &f->err), CT_OK);
    assert_false(exit_now);
    assert_true(f->cfg.insecure);
    assert_string_equal(f->cfg.relay_url, "ws://127.0.0.1:1/");
    unsetenv("CALLTOP_RELAY_URL");
    unsetenv("XDG_CONFIG_HOME");
}

/* ---- config file errors ------------------------------------------------- */

static void expect_text_error(const char *text, const char *want)
{
    ct_config cfg;
    ct_error err;
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    ct_err rc = ct_config_parse_text(&cfg, text, strlen(text), "/home/u/.config/calltop/config",
                                     NULL, &err);
    if (rc != CT_ECONFIG || strcmp(err.detail, want) != 0)
        fail_msg("text %s\n got rc %d '%s'\nwant '%s'", text, rc, err.detail, want);
    ct_config_clear(&cfg);
}

static void test_file_errors_name_file_line_key(void **state)
{
    (void)state;
    expect_text_error(
        "# c\n\nbase-url = https://a\n\n\n\nbase_url = x\n",
        "/home/u/.config/calltop/config:7: unknown key 'base_url' (did you mean 'base-url'?)");
    expect_text_error("colour = 1\n", "/home/u/.config/calltop/config:1: unknown key 'colour'");
    expect_text_error(
        "readonly = true\n",
        "/home/u/.config/calltop/config:1: unknown key 'readonly' (did you mean 'read-only'?)");
    expect_text_error("\nread-only = maybe\n",
                      "/home/u/.config/calltop/config:2: key 'read-only': 'maybe' is not a boolean "
                      "(use true/false, yes/no, on/off or 1/0)");
    expect_text_error(
        "log = /a\nlog = /b\n",
        "/home/u/.config/calltop/config:2: duplicate key 'log' (first set on line 1)");
    expect_text_error("api-key: sk-live-secret\n",
                      "/home/u/.config/calltop/config:1: expected 'key = value'");
    expect_text_error("api-key = \"sk-unterminated\n",
                      "/home/u/.config/calltop/config:1: key 'api-key': unterminated quoted value");
    expect_text_error(
        "api-key = \"sk\" trailing\n",
        "/home/u/.config/calltop/config:1: key 'api-key': unexpected text after the closing quote");
    expect_text_error(
        "demo = true\n",
        "/home/u/.config/calltop/config:1: key 'demo' cannot be set in the config file (use --demo)");
    expect_text_error(" = x\n", "/home/u/.config/calltop/config:1: missing key before '='");
}

static void test_file_syntax_accepted(void **state)
{
    (void)state;
    ct_config cfg;
    ct_error err;
    const char *secret = "x";
    const char text[] = "\xEF\xBB\xBF# BOM, CRLF, blanks, quotes\r\n"
                        "   \r\n"
                        "  no-color=YES \r\n"
                        "api-key = \"a \\\"quoted\\\" \\\\ key\"   # comment\n"
                        "base-url =https://x.example/#frag"; /* no final newline */
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    assert_int_equal(ct_config_parse_text(&cfg, text, sizeof text - 1, "f", &secret, &err), CT_OK);
    assert_true(cfg.no_color);
    assert_int_equal(cfg.lines[CT_SET_NO_COLOR], 3);
    assert_string_equal(cfg.api_key, "a \"quoted\" \\ key");
    assert_string_equal(cfg.base_url, "https://x.example/#frag");
    assert_string_equal(secret, "api-key");
    ct_config_clear(&cfg);

    /* an empty value unsets; it is not "holding a secret" */
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    assert_int_equal(ct_config_parse_text(&cfg, "api-key =\n", 10, "f", &secret, &err), CT_OK);
    assert_null(cfg.api_key);
    assert_null(secret);
    /* a NUL byte means this is not a text file */
    assert_int_equal(ct_config_parse_text(&cfg, "log = a\0b\n", 10, "f", NULL, &err), CT_ECONFIG);
    ct_config_clear(&cfg);
}

/* Garbage in: the parser answers OK or a file:line error, never crashes
 * (run under ASan by `make test`). Deterministic xorshift inputs built from
 * config-ish fragments so lines get past the first checks. */
static void test_parse_text_survives_garbage(void **state)
{
    (void)state;
    static const char *const bits[] = {
        "base-url",  "api-key",      "read-only", "log",      "=",
        " = ",       "\"",           "'",         "\\",       "#",
        "\n",        "\r\n",         "true",      "maybe",    "~/",
        "https://h", "\xEF\xBB\xBF", "\t",        "x",        "relay-url",
        "no-color",  "demo",         "help",      "base_url", "",
    };
    uint32_t seed = 2463534242u;
    char text[512];
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = 0;
        int parts = 1 + (int)(seed % 24);
        for (int k = 0; k < parts; k++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            const char *b = bits[seed % (sizeof bits / sizeof bits[0])];
            size_t bl = strlen(b);
            if (n + bl >= sizeof text) break;
            memcpy(text + n, b, bl);
            n += bl;
        }
        ct_config cfg;
        ct_error err;
        assert_int_equal(ct_config_init(&cfg), CT_OK);
        ct_err rc = ct_config_parse_text(&cfg, text, n, "F", NULL, &err);
        if (rc != CT_OK && (rc != CT_ECONFIG || strncmp(err.detail, "F:", 2) != 0))
            fail_msg("rc %d detail '%s' for '%.*s'", rc, err.detail, (int)n, text);
        ct_config_clear(&cfg);
    }
}

/* The sample config, uncommented, must load: it is generated from the table. */
static void test_sample_config_parses(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ct_config_print_sample(out);
    fclose(out);
    int keys = 0;
    for (int id = 0; id < CT_SET__COUNT; id++) {
        if (!ct_settings[id].in_file) continue;
        char needle[64];
        snprintf(needle, sizeof needle, "\n#%s = ", ct_settings[id].key);
        char *hit = strstr(buf, needle);
        assert_non_null(hit);
        hit[1] = ' '; /* uncomment the line */
        keys++;
    }
    assert_true(keys >= 8);
    ct_config cfg;
    ct_error err;
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    ct_err rc = ct_config_parse_text(&cfg, buf, len, "sample", NULL, &err);
    if (rc != CT_OK) fail_msg("sample: %s", err.detail);
    assert_int_equal(ct_config_validate(&cfg, &err), CT_OK);
    assert_string_equal(cfg.api_key, "your-interactly-api-key");
    /* the relay serves its WebSocket at /monitor only (anything else: 404) */
    size_t ulen = strlen(cfg.relay_url);
    assert_true(ulen > 8 && strcmp(cfg.relay_url + ulen - 8, "/monitor") == 0);
    ct_config_clear(&cfg);
    free(buf);
}

/* ---- the 0600 rule ------------------------------------------------------- */

static void test_secret_in_open_file_refused(void **state)
{
    fx *f = *state;
    write_file(f->cfgpath, "base-url = https://a.example\napi-key = sk-abc\n", 0644);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    char want[1024];
    snprintf(want, sizeof want,
             "Permissions 0644 for '%s' are too open. It is required that your calltop config "
             "file holding api-key is NOT accessible by others. Fix: chmod 600 '%s'",
             f->cfgpath, f->cfgpath);
    assert_string_equal(f->err.detail, want);
    assert_null(strstr(f->err.detail, "sk-abc"));

    /* group-readable is also too open; relay-token counts as a secret too */
    write_file(f->cfgpath, "relay-token = t0k3n\n", 0640);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "Permissions 0640"));
    assert_non_null(strstr(f->err.detail, "holding relay-token"));

    write_file(f->cfgpath, "base-url = https://a.example\napi-key = sk-abc\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_string_equal(f->cfg.api_key, "sk-abc");
    write_file(f->cfgpath, "api-key = sk-abc\n", 0400);
    assert_int_equal(LOAD(f, "config"), CT_OK);

    /* no secret: any mode is fine */
    write_file(f->cfgpath, "base-url = https://a.example\n", 0644);
    assert_int_equal(LOAD(f, "config"), CT_OK);
}

static void test_directory_as_config_refused(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "--config", f->dir, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "is a directory: it must be a regular file"));
}

/* Issue 13 item 12: a FIFO is refused at once (opening it used to wait
 * for a writer forever); a device is named as one. The ctest timeout is
 * the hang detector. */
static void test_fifo_and_device_as_config_refused(void **state)
{
    fx *f = *state;
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo.conf", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(10); /* a hang fails the test instead of stalling the suite */
    assert_int_equal(LOAD(f, "--config", fifo, "config"), CT_ECONFIG);
    alarm(0);
    assert_non_null(strstr(f->err.detail, "is a FIFO (named pipe): it must be a regular file"));
    assert_int_equal(LOAD(f, "--config", "/dev/null", "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "is a character device"));
}

/* Issue 13 item 11: '#' starts a comment at line start or after a blank;
 * glued to the value it is part of it; quoted values keep it. */
static void test_inline_comments(void **state)
{
    (void)state;
    ct_config cfg;
    ct_error err;
    const char text[] = "api-key = sk-live-123 # the prod key\n"
                        "relay-token = tok#1\t# glued '#' stays, tabbed one starts a comment\n"
                        "base-url = https://x.example/#frag\n"
                        "log = \"/tmp/a #b.log\"  # quoted keeps it\n"
                        "relay-url = wss://r.example/ #\n";
    assert_int_equal(ct_config_init(&cfg), CT_OK);
    assert_int_equal(ct_config_parse_text(&cfg, text, sizeof text - 1, "f", NULL, &err), CT_OK);
    assert_string_equal(cfg.api_key, "sk-live-123");
    assert_string_equal(cfg.relay_token, "tok#1");
    assert_string_equal(cfg.base_url, "https://x.example/#frag");
    assert_string_equal(cfg.log_path, "/tmp/a #b.log");
    assert_string_equal(cfg.relay_url, "wss://r.example/");
    assert_false(cfg.quoted[CT_SET_API_KEY]);
    assert_true(cfg.quoted[CT_SET_LOG]);
    ct_config_clear(&cfg);
}

/* `calltop config` (and every command) warns about a value that looks
 * like it swallowed a comment, naming the key and line, never the secret. */
static void test_comment_looking_value_warns(void **state)
{
    fx *f = *state;
    write_file(f->cfgpath, "api-key = sk-secret-9#comment\nlog = \"/tmp/x#y\"\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(ct_config_print_warnings(&f->cfg, out), 1); /* the quoted log is fine */
    fclose(out);
    assert_non_null(strstr(buf, "WARNING: api-key (from file "));
    assert_non_null(strstr(buf, ":1) contains '#'"));
    assert_null(strstr(buf, "sk-secret"));
    free(buf);
}

/* ---- argv ---------------------------------------------------------------- */

static void test_secrets_refused_on_argv(void **state)
{
    fx *f = *state;
    const char *forms[][2] = {
        {"--api-key", "sk-live-AAAA"},     {"--api-key=sk-live-AAAA", NULL},
        {"--relay-token", "sk-live-AAAA"}, {"--relay-token=sk-live-AAAA", NULL},
        {"--api_key=sk-live-AAAA", NULL},  {"--API-KEY", "sk-live-AAAA"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        ct_err rc = forms[i][1] ? LOAD(f, forms[i][0], forms[i][1], "config")
                                : LOAD(f, forms[i][0], "config");
        assert_int_equal(rc, CT_EUSAGE);
        assert_non_null(strstr(f->err.detail, "not accepted on the command line"));
        assert_non_null(strstr(f->err.detail, "chmod 600"));
        assert_null(strstr(f->err.detail, "sk-live"));
    }
    assert_int_equal(LOAD(f, "--api-key=x"), CT_EUSAGE);
    assert_non_null(strstr(f->err.detail, "INTERACTLY_API_KEY"));
    assert_int_equal(LOAD(f, "--relay-token=x"), CT_EUSAGE);
    assert_non_null(strstr(f->err.detail, "CALLTOP_RELAY_TOKEN"));
}

static void test_flag_forms(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "--relay-url=wss://r.example/", "--log", "/tmp/x.log",
                          "--no-color=false", "--insecure", "--demo", "--read-only=on"),
                     CT_OK);
    assert_string_equal(f->cfg.relay_url, "wss://r.example/");
    assert_string_equal(f->cfg.log_path, "/tmp/x.log");
    assert_false(f->cfg.no_color);
    assert_int_equal(f->cfg.sources[CT_SET_NO_COLOR], CT_SRC_FLAG);
    assert_true(f->cfg.insecure && f->cfg.demo && f->cfg.read_only);
    assert_int_equal(f->cfg.n_rest, 0);

    /* a flag value that is empty unsets what the file said */
    write_file(f->cfgpath, "relay-url = wss://file.example/\n", 0600);
    assert_int_equal(LOAD(f, "--relay-url="), CT_OK);
    assert_null(f->cfg.relay_url);

    assert_int_equal(LOAD(f, "--x"), CT_EUSAGE);
    assert_string_equal(f->err.detail, "unknown option '--x' (see calltop --help)");
    assert_int_equal(LOAD(f, "--bogus=hunter2"), CT_EUSAGE);
    assert_string_equal(f->err.detail, "unknown option '--bogus' (see calltop --help)");
    assert_int_equal(LOAD(f, "-q"), CT_EUSAGE);
    assert_int_equal(LOAD(f, "--base-url"), CT_EUSAGE);
    assert_string_equal(f->err.detail, "option '--base-url' needs a value (URL)");
    assert_int_equal(LOAD(f, "--log", "--demo"), CT_EUSAGE);
    assert_int_equal(LOAD(f, "--read-only=maybe"), CT_EUSAGE);
    assert_int_equal(LOAD(f, "--help=yes"), CT_EUSAGE);
}

static void test_subcommand_stops_flag_parsing(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "--demo", "calls", "list", "--live", "--x"), CT_OK);
    assert_int_equal(f->cfg.n_rest, 4);
    assert_string_equal(f->cfg.rest[0], "calls");
    assert_string_equal(f->cfg.rest[2], "--live");
    assert_int_equal(LOAD(f, "--", "numbers"), CT_OK);
    assert_int_equal(f->cfg.n_rest, 1);
    assert_string_equal(f->cfg.rest[0], "numbers");
    /* rest is set even when the file is broken, so main can still serve --sample */
    write_file(f->cfgpath, "nonsense\n", 0600);
    assert_int_equal(LOAD(f, "config", "--sample"), CT_ECONFIG);
    assert_int_equal(f->cfg.n_rest, 2);
}

static void test_help_and_version(void **state)
{
    fx *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    bool exit_now = false;
    write_file(f->cfgpath, "broken line\n", 0600); /* help must not read the file */
    assert_int_equal(load(f, &exit_now, out, "--help", (char *)NULL), CT_OK);
    fclose(out);
    assert_true(exit_now);
    for (int id = 0; id < CT_SET__COUNT; id++) {
        char needle[64];
        const ct_setting *s = &ct_settings[id];
        snprintf(needle, sizeof needle, "--%s", s->flag ? s->flag : "");
        if (s->flag) assert_non_null(strstr(buf, needle));
        if (s->env) assert_non_null(strstr(buf, s->env));
    }
    assert_non_null(strstr(buf, "Exit status"));
    free(buf);

    buf = NULL;
    out = open_memstream(&buf, &len);
    exit_now = false;
    assert_int_equal(load(f, &exit_now, out, "-V", (char *)NULL), CT_OK);
    fclose(out);
    assert_true(exit_now);
    assert_int_equal(strncmp(buf, "calltop ", 8), 0);
    free(buf);
}

/* ---- env ----------------------------------------------------------------- */

static void test_no_color_env(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_false(f->cfg.no_color);
    env_set(&f->env, "NO_COLOR", ""); /* empty: not set (no-color.org) */
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_false(f->cfg.no_color);
    f->env.value[f->env.n - 1] = "0"; /* any non-empty value, even "0" */
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_true(f->cfg.no_color);
    assert_int_equal(f->cfg.sources[CT_SET_NO_COLOR], CT_SRC_ENV);
    assert_int_equal(LOAD(f, "--no-color=no", "config"), CT_OK); /* the flag still wins */
    assert_false(f->cfg.no_color);
}

static void test_bad_env_boolean(void **state)
{
    fx *f = *state;
    env_set(&f->env, "CALLTOP_READ_ONLY", "sometimes");
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "CALLTOP_READ_ONLY='sometimes' is not a boolean"));
}

static void test_url_validation(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "--base-url", "ftp://x.example"), CT_ECONFIG);
    assert_string_equal(f->err.detail,
                        "base-url 'ftp://x.example' (from flag --base-url): must start "
                        "with https:// or http://");
    assert_int_equal(LOAD(f, "--relay-url", "https://r.example"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "wss:// or ws://"));
    assert_int_equal(LOAD(f, "--base-url", "https://"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "no host name"));
    assert_int_equal(LOAD(f, "--base-url="), CT_ECONFIG); /* base-url cannot be unset */
    assert_non_null(strstr(f->err.detail, "base-url is empty"));
    write_file(f->cfgpath, "\nrelay-url = relay.example\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "config:2)")); /* names file:line */
    /* a URL's password is never echoed */
    assert_int_equal(LOAD(f, "--base-url", "ftp://user:pa55word@h"), CT_ECONFIG);
    assert_null(strstr(f->err.detail, "pa55word"));
}

/* relay-url takes a comma-separated list: each entry is checked alone, a
 * refusal names the entry and its place, and `calltop config` shows the
 * list with every entry's password hidden. */
static void env_put(fake_env *e, const char *name, const char *value)
{
    for (int i = 0; i < e->n; i++)
        if (strcmp(e->name[i], name) == 0) {
            e->value[i] = value;
            return;
        }
    env_set(e, name, value);
}

static void test_relay_url_list(void **state)
{
    fx *f = *state;
    assert_int_equal(
        LOAD(f, "--relay-url", "ws://127.0.0.1:1/monitor, wss://b.example/monitor", "config"),
        CT_OK);
    assert_string_equal(f->cfg.relay_url, "ws://127.0.0.1:1/monitor, wss://b.example/monitor");
    assert_int_equal(LOAD(f, "--relay-url", "wss://a.example/monitor,https://b.example/monitor"),
                     CT_ECONFIG);
    assert_string_equal(f->err.detail,
                        "relay-url entry 2 of 2 'https://b.example/monitor' (from flag "
                        "--relay-url): must start with wss:// or ws://");
    assert_int_equal(LOAD(f, "--relay-url", "wss://a.example/monitor,,wss://c.example/"),
                     CT_ECONFIG);
    assert_non_null(
        strstr(f->err.detail, "relay-url (from flag --relay-url): entry 2 of 3 is empty"));
    env_put(&f->env, "CALLTOP_RELAY_URL", "wss://a.example/,wss://a.example/");
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "env CALLTOP_RELAY_URL"));
    assert_non_null(strstr(f->err.detail, "repeats entry 1"));
    write_file(f->cfgpath, "relay-url = wss://a.example/, ws://\n", 0600);
    env_put(&f->env, "CALLTOP_RELAY_URL", "wss://a.example/,wss://u:pa55@b.example/");
    assert_int_equal(LOAD(f, "config"), CT_OK); /* the environment beats the file */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ct_config_print_effective(&f->cfg, out);
    fclose(out);
    assert_non_null(strstr(buf, "wss://a.example/,wss://u:(hidden)@b.example/"));
    assert_null(strstr(buf, "pa55"));
    free(buf);
    env_put(&f->env, "CALLTOP_RELAY_URL", NULL);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "entry 2 of 2 'ws://'"));
    assert_non_null(strstr(f->err.detail, "no host name"));
}

/* list-parallel: a whole number 1..16 from any source, 4 by default. */
static void test_list_parallel(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_list_parallel(&f->cfg), 4);
    assert_int_equal(LOAD(f, "--list-parallel", "1", "config"), CT_OK);
    assert_int_equal(ct_config_list_parallel(&f->cfg), 1);
    assert_int_equal(LOAD(f, "--list-parallel=0", "config"), CT_ECONFIG);
    assert_string_equal(f->err.detail,
                        "list-parallel '0' (from flag --list-parallel): must be a "
                        "whole number from 1 to 16");
    assert_int_equal(LOAD(f, "--list-parallel", "17", "config"), CT_ECONFIG);
    assert_int_equal(LOAD(f, "--list-parallel", "4x", "config"), CT_ECONFIG);
    write_file(f->cfgpath, "list-parallel = -2\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "config:1)"));
    write_file(f->cfgpath, "list-parallel = 2\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_list_parallel(&f->cfg), 2);
    env_set(&f->env, "CALLTOP_LIST_PARALLEL", "8"); /* the environment beats the file */
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_list_parallel(&f->cfg), 8);
}

/* notify: an unknown word is refused by every command, naming the word
 * and where it came from (it used to pass `calltop config` and fail only
 * when a board started). */
static void test_notify_validated(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "--notify", "bell,title", "config"), CT_OK);
    assert_int_equal(LOAD(f, "--notify", "none", "config"), CT_OK);
    assert_int_equal(LOAD(f, "--notify", "bell,beep", "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "unknown 'beep'"));
    assert_non_null(strstr(f->err.detail, "(from flag --notify)"));
    write_file(f->cfgpath, "notify = osc9, chime\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_ECONFIG);
    assert_non_null(strstr(f->err.detail, "unknown 'chime'"));
    assert_non_null(strstr(f->err.detail, "config:1)"));
}

/* The board's read schedule (issue 11): seconds, validated, with defaults. */
static void test_read_schedule_settings(void **state)
{
    fx *f = *state;
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_POLL_INTERVAL), 3);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_FULL_REFRESH_INTERVAL), 600);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_RECONCILE_INTERVAL), 60);
    assert_int_equal(LOAD(f, "--poll-interval", "1", "--reconcile-interval=10", "config"), CT_OK);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_POLL_INTERVAL), 1);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_RECONCILE_INTERVAL), 10);
    assert_int_equal(LOAD(f, "--poll-interval", "0", "config"), CT_ECONFIG);
    assert_string_equal(f->err.detail,
                        "poll-interval '0' (from flag --poll-interval): must be a "
                        "whole number from 1 to 60");
    write_file(f->cfgpath, "full-refresh-interval = 120\n", 0600);
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_FULL_REFRESH_INTERVAL), 120);
    env_set(&f->env, "CALLTOP_RECONCILE_INTERVAL", "5");
    assert_int_equal(LOAD(f, "config"), CT_OK);
    assert_int_equal(ct_config_int(&f->cfg, CT_SET_RECONCILE_INTERVAL), 5);
}

/* ---- `calltop config` output ------------------------------------------- */

static void test_effective_output_redacts_secrets(void **state)
{
    fx *f = *state;
    const char *key = "sk-live-7f3a9c1e2b";
    write_file(f->cfgpath, "\n\nrelay-token = tok-SECRET-99\nread-only = true\n", 0600);
    env_set(&f->env, "INTERACTLY_API_KEY", key);
    assert_int_equal(LOAD(f, "--base-url=https://u:hunter2@h.example", "config"), CT_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    ct_config_print_effective(&f->cfg, out);
    fclose(out);
    assert_null(strstr(buf, key));
    assert_null(strstr(buf, "tok-SECRET-99"));
    assert_null(strstr(buf, "hunter2"));
    /* not even a prefix of the key leaks */
    char prefix[5];
    memcpy(prefix, key, 4);
    prefix[4] = '\0';
    assert_null(strstr(buf, prefix));
    assert_non_null(strstr(buf, "(set, hidden)"));
    assert_non_null(strstr(buf, "env INTERACTLY_API_KEY"));
    char where[400];
    snprintf(where, sizeof where, "file %s:3", f->cfgpath);
    assert_non_null(strstr(buf, where));
    snprintf(where, sizeof where, "file %s:4", f->cfgpath);
    assert_non_null(strstr(buf, where));
    assert_non_null(strstr(buf, "flag --base-url"));
    assert_non_null(strstr(buf, "default"));
    for (int id = 0; id < CT_SET__COUNT; id++)
        if (ct_settings[id].kind != CT_KIND_ACTION)
            assert_non_null(strstr(buf, ct_settings[id].key));
    free(buf);
}

static void test_warnings(void **state)
{
    fx *f = *state;
    char *buf = NULL;
    size_t len = 0;
    env_set(&f->env, "INTERACTLY_API_KEY", "k-1234");
    assert_int_equal(LOAD(f, "--insecure", "--base-url", "http://api.example.com"), CT_OK);
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(ct_config_print_warnings(&f->cfg, out), 2);
    fclose(out);
    assert_non_null(strstr(buf, "WARNING: --insecure disables TLS certificate verification"));
    free(buf);
    /* the relay token goes to every relay of a list: each remote ws:// one is named */
    env_put(&f->env, "CALLTOP_RELAY_TOKEN", "rt-1");
    assert_int_equal(LOAD(f, "--relay-url",
                          "ws://127.0.0.1:1/monitor,ws://b.example/monitor,wss://c.example/,"
                          "ws://d.example/monitor"),
                     CT_OK);
    out = open_memstream(&buf, &len);
    assert_int_equal(ct_config_print_warnings(&f->cfg, out), 2);
    fclose(out);
    assert_non_null(strstr(buf, "relay-url entry 2 of 4 (ws://b.example/monitor) is plain ws://"));
    assert_non_null(strstr(buf, "relay-url entry 4 of 4 (ws://d.example/monitor) is plain ws://"));
    assert_null(strstr(buf, "rt-1"));
    free(buf);
    env_put(&f->env, "CALLTOP_RELAY_TOKEN", NULL);
    /* loopback http (calltop-sim) is fine */
    assert_int_equal(LOAD(f, "--base-url", "http://127.0.0.1:8080"), CT_OK);
    out = open_memstream(&buf, &len);
    assert_int_equal(ct_config_print_warnings(&f->cfg, out), 0);
    fclose(out);
    free(buf);
}

/* The missing-key message names the environment variable that really
 * carries the key and the file that was consulted (the board once named a
 * variable calltop never reads). */
static void test_missing_key_explained(void **state)
{
    fx *f = *state;
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(LOAD(f, "--base-url", "http://127.0.0.1:9"), CT_OK);
    assert_null(f->cfg.api_key);
    FILE *out = open_memstream(&buf, &len);
    ct_config_explain_missing_key(&f->cfg, "or try 'calltop --demo'", out);
    fclose(out);
    assert_non_null(strstr(buf, "INTERACTLY_API_KEY"));
    assert_non_null(strstr(buf, f->cfgpath));
    assert_non_null(strstr(buf, "or try 'calltop --demo'"));
    for (int id = 0; id < CT_SET__COUNT; id++)
        if (ct_settings[id].secret && ct_settings[id].env)
            assert_true(strstr(buf, ct_settings[id].env) || strcmp(ct_settings[id].key, "api-key"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults_without_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_then_env_then_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_from_env_and_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_flag_and_xdg_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_getenv, setup, teardown),
        cmocka_unit_test(test_file_errors_name_file_line_key),
        cmocka_unit_test(test_file_syntax_accepted),
        cmocka_unit_test(test_parse_text_survives_garbage),
        cmocka_unit_test(test_sample_config_parses),
        cmocka_unit_test_setup_teardown(test_secret_in_open_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_as_config_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_and_device_as_config_refused, setup, teardown),
        cmocka_unit_test(test_inline_comments),
        cmocka_unit_test_setup_teardown(test_comment_looking_value_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets_refused_on_argv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flag_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subcommand_stops_flag_parsing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_and_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_color_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_env_boolean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_key_explained, setup, teardown),
        cmocka_unit_test_setup_teardown(test_url_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_schedule_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notify_validated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_relay_url_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_effective_output_redacts_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warnings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
