/* export.c — CSV and transcript exports (see export.h). */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltop/sanitize.h"
#include "text.h"

/* A spreadsheet opening the CSV runs a cell starting with one of these as a
 * formula (OWASP "CSV injection"); a caller name or a transcript line is
 * server text anyone can choose. */
static bool formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void ct_csv_field(FILE *out, const char *s)
{
    if (!s || !*s) return;
    size_t n = strlen(s);
    bool defuse = formula_start(s[0]);
    bool quote = strpbrk(s, ",\"\r\n") != NULL || s[0] == ' ' || s[n - 1] == ' ';
    if (!quote) {
        if (defuse) fputc('\'', out);
        fputs(s, out);
        return;
    }
    fputc('"', out);
    if (defuse) fputc('\'', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"') fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

/* Sanitized (newlines kept: quoting carries them) then quoted. */
static void csv_text(FILE *out, const char *s)
{
    if (!s || !*s) return;
    char *clean = ct_sanitize_dup(s, true);
    ct_csv_field(out, clean ? clean : "");
    free(clean);
}

static void csv_time(FILE *out, ct_time_ms t)
{
    if (t == 0) return;
    char iso[40];
    ct_time_format_iso(t, iso, sizeof iso);
    fputs(iso, out);
}

/* The wire word for an enum, or the raw text for values we do not know. */
static const char *word(const char *name, const char *raw)
{
    if (name && *name) return name;
    return raw ? raw : "";
}

static const char *status_word(const ct_call *c)
{
    return word(ct_status_name(c->status), c->status_text);
}

ct_err ct_export_csv(FILE *out, ct_view *v, ct_time_ms now, size_t *rows, ct_error *err)
{
    fputs("id,status,direction,customer,assistant_number,assistant_id,phone_status,"
          "start,end,duration_s,last_activity,customer_name,assistant\r\n",
          out);
    size_t n = 0;
    if (v) {
        ct_view_refresh(v);
        n = ct_view_count(v);
        for (size_t i = 0; i < n; i++) {
            const ct_call_entry *e = ct_view_at(v, i);
            const ct_call *c = &e->call;
            csv_text(out, c->id);
            fputc(',', out);
            csv_text(out, status_word(c));
            fputc(',', out);
            csv_text(out, word(ct_direction_name(c->direction), c->direction_text));
            fputc(',', out);
            csv_text(out, c->user_number);
            fputc(',', out);
            csv_text(out, c->assistant_number);
            fputc(',', out);
            csv_text(out, c->assistant_id);
            fputc(',', out);
            csv_text(out, word(ct_phone_status_name(c->phone_status), c->phone_status_text));
            fputc(',', out);
            csv_time(out, c->start_at);
            fputc(',', out);
            csv_time(out, c->end_at);
            fputc(',', out);
            if (c->start_at) fprintf(out, "%lld", (long long)(ct_call_duration_ms(c, now) / 1000));
            fputc(',', out);
            csv_time(out, e->last_activity);
            fputc(',', out);
            /* names last: server text anyone can choose (defused, see ct_csv_field) */
            csv_text(out, c->customer_name);
            fputc(',', out);
            csv_text(out, c->assistant_name);
            fputs("\r\n", out);
        }
    }
    if (rows) *rows = n;
    if (fflush(out) != 0 || ferror(out))
        return ct_error_set(err, CT_EIO, "writing the CSV failed: %s", strerror(errno));
    return CT_OK;
}

/* "label: value" with the value sanitized onto one line; skipped when empty. */
static void header_line(FILE *out, const char *label, const char *value)
{
    if (!value || !*value) return;
    char *clean = ct_sanitize_dup(value, false);
    fprintf(out, "%-11s %s\n", label, clean ? clean : "");
    free(clean);
}

/* Writes text sanitized, its continuation lines indented by `indent`. */
static void indented_text(FILE *out, const char *text, int indent)
{
    char *clean = ct_sanitize_dup(text ? text : "", true);
    const char *s = clean ? clean : "";
    for (const char *p = s; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1]) fprintf(out, "%*s", indent, "");
    }
    fputc('\n', out);
    free(clean);
}

ct_err ct_export_transcript(FILE *out, const ct_call_entry *e, ct_time_ms now, ct_error *err)
{
    if (!e) return ct_error_set(err, CT_EINVAL, "no call selected");
    const ct_call *c = &e->call;
    char buf[256], t1[40], t2[40];

    header_line(out, "Call:", c->id);
    snprintf(buf, sizeof buf, "%s%s%s%s", status_word(c),
             c->phone_status != CT_PHONE_NONE ? " (phone: " : "",
             c->phone_status != CT_PHONE_NONE
                 ? word(ct_phone_status_name(c->phone_status), c->phone_status_text)
                 : "",
             c->phone_status != CT_PHONE_NONE ? ")" : "");
    header_line(out, "Status:", buf);
    header_line(out, "Direction:", word(ct_direction_name(c->direction), c->direction_text));
    header_line(out, "Type:", word(ct_call_type_name(c->call_type), c->call_type_text));
    if (c->user_number || c->customer_name) {
        snprintf(buf, sizeof buf, "%s%s%s%s", c->user_number ? c->user_number : "",
                 c->customer_name ? " (" : "", c->customer_name ? c->customer_name : "",
                 c->customer_name ? ")" : "");
        header_line(out, "Customer:", buf);
    }
    header_line(out, "Assistant:", c->assistant_name);
    header_line(out, "Asst. no.:", c->assistant_number);
    header_line(out, "Asst. id:", c->assistant_id);
    if (c->start_at) {
        ct_fmt_datetime(c->start_at, t1, sizeof t1);
        ct_time_format_iso(c->start_at, t2, sizeof t2);
        snprintf(buf, sizeof buf, "%s (%s)", t1, t2);
        header_line(out, "Started:", buf);
    }
    if (c->end_at) {
        ct_fmt_datetime(c->end_at, t1, sizeof t1);
        ct_time_format_iso(c->end_at, t2, sizeof t2);
        snprintf(buf, sizeof buf, "%s (%s)", t1, t2);
        header_line(out, "Ended:", buf);
    }
    if (c->start_at) {
        ct_fmt_duration(ct_call_duration_ms(c, now), t1, sizeof t1);
        header_line(out, "Duration:", t1);
    }
    header_line(out, "Ended by:", word(ct_trigger_name(c->end_trigger), c->end_trigger_text));
    header_line(out, "Reason:", c->phone_status_reason);
    if (e->dropped_messages) {
        snprintf(buf, sizeof buf, "%zu oldest lines not kept", e->dropped_messages);
        header_line(out, "Note:", buf);
    }
    fputc('\n', out);

    for (size_t i = 0; i < c->n_messages; i++) {
        const ct_message *m = &c->messages[i];
        ct_fmt_clock(m->timestamp, t1, sizeof t1);
        const char *role = word(ct_role_name(m->role), m->role_text);
        char *crole = ct_sanitize_dup(*role ? role : "?", false);
        fprintf(out, "[%s] %s: ", t1, crole ? crole : "?");
        free(crole);
        indented_text(out, m->text, 4);
    }
    if (c->n_messages == 0) fputs("(no transcript lines)\n", out);

    if (c->analysis.present && c->analysis.summary && *c->analysis.summary) {
        fputs("\nSummary: ", out);
        indented_text(out, c->analysis.summary, 4);
    }
    if (c->analysis.present && c->analysis.success_evaluation)
        header_line(out, "Evaluation:", c->analysis.success_evaluation);
    if (fflush(out) != 0 || ferror(out))
        return ct_error_set(err, CT_EIO, "writing the transcript failed: %s", strerror(errno));
    return CT_OK;
}

static char *export_dir; /* from the settings; NULL = default */

void ct_export_set_dir(const char *dir)
{
    free(export_dir);
    export_dir = dir && *dir ? strdup(dir) : NULL;
}

FILE *ct_export_open(const char *stem, const char *ext, ct_time_ms now, char *path, size_t cap,
                     ct_error *err)
{
    const char *dir = export_dir;
    if (!dir) dir = getenv("CALLTOP_EXPORT_DIR");
    if (!dir || !*dir) dir = getenv("HOME");
    if (!dir || !*dir) dir = ".";
    /* an absolute, resolved directory: "exported to ./x.csv" says too little */
    char abs[PATH_MAX];
    if (!realpath(dir, abs)) {
        ct_error_set(err, CT_EIO, "export directory %s: %s", dir, strerror(errno));
        if (cap) path[0] = '\0';
        return NULL;
    }
    dir = abs;
    time_t secs = (time_t)(now / 1000);
    struct tm tm;
    char ts[32] = "0";
    if (localtime_r(&secs, &tm)) strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", &tm);
    int last_errno = 0;
    for (int i = 0; i < 100; i++) {
        char suffix[16] = "";
        if (i) snprintf(suffix, sizeof suffix, "-%d", i);
        int n = snprintf(path, cap, "%s/%s-%s%s.%s", dir, stem, ts, suffix, ext);
        if (n < 0 || (size_t)n >= cap) {
            ct_error_set(err, CT_EIO, "export path too long under %s", dir);
            return NULL;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            FILE *f = fdopen(fd, "w");
            if (f) return f;
            last_errno = errno;
            close(fd);
            unlink(path);
            break;
        }
        last_errno = errno;
        if (errno != EEXIST) break;
    }
    ct_error_set(err, CT_EIO, "cannot create an export file in %s: %s", dir, strerror(last_errno));
    if (cap) path[0] = '\0';
    return NULL;
}

/* A filename-safe rendering of a call id (ids are opaque, may hold '/'). */
static void safe_id(const char *id, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = id ? id : ""; *p && n + 1 < cap && n < 40; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        out[n++] = ok ? ch : '_';
    }
    out[n] = '\0';
    if (n == 0) snprintf(out, cap, "call");
}

static ct_err finish_file(FILE *f, ct_err rc, const char *path, ct_error *err)
{
    if (fclose(f) != 0 && rc == CT_OK)
        rc = ct_error_set(err, CT_EIO, "closing %s failed: %s", path, strerror(errno));
    if (rc != CT_OK) unlink(path);
    return rc;
}

ct_err ct_export_view_to_file(ct_view *v, ct_time_ms now, char *path, size_t cap, size_t *rows,
                              ct_error *err)
{
    FILE *f = ct_export_open("calltop-export", "csv", now, path, cap, err);
    if (!f) return CT_EIO;
    return finish_file(f, ct_export_csv(f, v, now, rows, err), path, err);
}

ct_err ct_export_transcript_to_file(const ct_call_entry *e, ct_time_ms now, char *path, size_t cap,
                                    ct_error *err)
{
    if (!e) return ct_error_set(err, CT_EINVAL, "no call selected");
    char stem[64], id[48];
    safe_id(e->call.id, id, sizeof id);
    snprintf(stem, sizeof stem, "calltop-%s", id);
    FILE *f = ct_export_open(stem, "txt", now, path, cap, err);
    if (!f) return CT_EIO;
    return finish_file(f, ct_export_transcript(f, e, now, err), path, err);
}
