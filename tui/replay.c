/* replay.c — see replay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "calltop/log.h"
#include "calltop/record_codec.h"
#include "replay.h"
#include "text.h"

/* ---- loading ------------------------------------------------------------------------------ */

ct_err ct_replay_load_buf(ct_replay *R, const char *buf, size_t len, const char *name,
                          ct_error *err)
{
    memset(R, 0, sizeof *R);
    R->speed = 1;
    if (!(R->buf = malloc(len + 1))) return ct_error_set(err, CT_ENOMEM, "out of memory");
    memcpy(R->buf, buf, len);
    R->buf[len] = '\0';
    size_t cap = 0, lineno = 0;
    bool header = false;
    ct_time_ms last = 0;
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(R->buf + off, '\n', len - off);
        size_t l = nl ? (size_t)(nl - (R->buf + off)) : len - off;
        lineno++;
        if (l == 0) {
            off += 1;
            continue;
        } /* a blank line is allowed */
        ct_record rec;
        ct_error e;
        ct_error_clear(&e);
        if (ct_record_decode(R->buf + off, l, &rec, &e) != CT_OK) {
            ct_replay_free(R);
            return ct_error_set(err, CT_EVALUE, "%s line %zu: %s", name, lineno, e.detail);
        }
        if (rec.kind == CT_REC_HEADER) {
            if (lineno != 1 || header) {
                ct_record_clear(&rec);
                ct_replay_free(R);
                return ct_error_set(err, CT_EVALUE, "%s line %zu: a header after the first line",
                                    name, lineno);
            }
            header = true;
            R->start = rec.at;
            last = rec.at;
        } else {
            if (!header) {
                ct_record_clear(&rec);
                ct_replay_free(R);
                return ct_error_set(err, CT_EVALUE,
                                    "%s: not a calltop recording (no header line; "
                                    "make one with calltop --record)",
                                    name);
            }
            if (R->n == cap) {
                cap = cap ? cap * 2 : 256;
                ct_replay_line *v = realloc(R->lines, cap * sizeof *v);
                if (!v) {
                    ct_record_clear(&rec);
                    ct_replay_free(R);
                    return ct_error_set(err, CT_ENOMEM, "out of memory");
                }
                R->lines = v;
            }
            /* the wall clock may step back (NTP): keep the order of the file */
            ct_time_ms at = rec.at < last ? last : rec.at;
            last = at;
            R->lines[R->n++] = (ct_replay_line){at, off, l, rec.kind == CT_REC_EVENT};
        }
        ct_record_clear(&rec);
        off += l + (nl ? 1 : 0);
    }
    if (!header) {
        ct_replay_free(R);
        return ct_error_set(err, CT_EVALUE, "%s: empty, not a calltop recording", name);
    }
    R->end = last;
    return CT_OK;
}

ct_err ct_replay_load(ct_replay *R, const char *path, ct_error *err)
{
    memset(R, 0, sizeof *R);
    FILE *f = fopen(path, "rb");
    if (!f) return ct_error_set(err, CT_EIO, "--replay %s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= (size_t)CT_REPLAY_MAX_FILE) {
                free(buf);
                fclose(f);
                return ct_error_set(err, CT_ETOOBIG, "--replay %s: larger than %ld bytes", path,
                                    CT_REPLAY_MAX_FILE);
            }
            cap = cap ? cap * 2 : 65536;
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                return ct_error_set(err, CT_ENOMEM, "out of memory");
            }
            buf = b;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0) break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ct_error_set(err, CT_EIO, "--replay %s: read error", path);
    }
    ct_err rc = ct_replay_load_buf(R, buf ? buf : "", len, path, err);
    free(buf);
    return rc;
}

void ct_replay_free(ct_replay *R)
{
    free(R->buf);
    free(R->lines);
    memset(R, 0, sizeof *R);
}

/* ---- the clock ------------------------------------------------------------------------------ */

ct_time_ms ct_replay_clock(const ct_replay *R, int64_t real)
{
    if (!R->playing) return R->anchor_clock;
    ct_time_ms t = R->anchor_clock + (real - R->anchor_real) * R->speed;
    return t > R->end ? R->end : t;
}

static void anchor(ct_replay *R, ct_time_ms clock, int64_t real)
{
    R->anchor_clock = clock;
    R->anchor_real = real;
}

void ct_replay_begin(ct_replay *R, ct_board *board, int64_t real, bool play)
{
    R->board = board;
    R->next = 0;
    R->playing = play;
    anchor(R, R->start, real);
    board->ctx.now = R->start;
}

/* Feeds one record through the live path. */
static void apply(ct_replay *R, size_t i)
{
    const ct_replay_line *ln = &R->lines[i];
    ct_record rec;
    ct_error err;
    /* checked at load: a failure here is out of memory */
    if (ct_record_decode(R->buf + ln->off, ln->len, &rec, &err) != CT_OK) {
        ct_log(CT_LOG_WARN, "replay: record %zu: %s", i + 1, err.detail);
        return;
    }
    R->board->ctx.now = ln->at;
    if (rec.kind == CT_REC_OWN_READ)
        ct_reduce_own_read(&R->board->reduce, rec.read_kind, rec.request_id,
                           rec.read_kind == CT_REQ_GET_CALL ? rec.call_id : NULL);
    else if (rec.kind == CT_REC_EVENT) ct_board_event(R->board, rec.ev);
    ct_record_clear(&rec);
    R->applied++;
}

static size_t apply_until(ct_replay *R, ct_time_ms t)
{
    size_t k = 0;
    while (R->next < R->n && R->lines[R->next].at <= t) {
        apply(R, R->next++);
        k++;
    }
    R->board->ctx.now = t;
    return k;
}

/* Playing past the last record stops there and says so, at once: a seek to
 * the end says it before any later flash (a bad seek's) can be overwritten. */
static void stop_at_end(ct_replay *R, ct_time_ms t, int64_t real)
{
    if (R->playing && t >= R->end && R->next >= R->n) {
        anchor(R, R->end, real);
        R->playing = false;
        ct_ui_flash(&R->board->ctx, CT_FLASH_INFO,
                    "end of the recording: : seeks, space plays again");
    }
}

size_t ct_replay_advance(ct_replay *R, int64_t real)
{
    ct_time_ms t = ct_replay_clock(R, real);
    size_t k = apply_until(R, t);
    stop_at_end(R, t, real);
    return k;
}

long ct_replay_due_in(const ct_replay *R, int64_t real)
{
    if (!R->playing) return -1;
    ct_time_ms now = ct_replay_clock(R, real);
    /* the status bar's recorded clock shows seconds */
    ct_time_ms due = (now / 1000 + 1) * 1000;
    if (R->next < R->n && R->lines[R->next].at < due) due = R->lines[R->next].at;
    if (due > R->end) due = R->end;
    long ms = (long)((due - now + R->speed - 1) / R->speed);
    return ms < 0 ? 0 : ms;
}

void ct_replay_toggle(ct_replay *R, int64_t real)
{
    ct_time_ms t = ct_replay_clock(R, real);
    if (!R->playing && t >= R->end && R->next >= R->n) {
        /* at the end, play starts over */
        ct_replay_seek(R, R->start, real);
        t = R->start;
    }
    R->playing = !R->playing;
    anchor(R, t, real);
}

void ct_replay_set_speed(ct_replay *R, int speed, int64_t real)
{
    anchor(R, ct_replay_clock(R, real), real);
    int s = 1;
    while (s < speed && s < CT_REPLAY_MAX_SPEED) s *= 2;
    R->speed = s;
}

void ct_replay_step(ct_replay *R, int64_t real)
{
    ct_time_ms t = ct_replay_clock(R, real);
    R->playing = false;
    apply_until(R, t);
    /* own reads are bookkeeping: a step shows one event */
    while (R->next < R->n) {
        const ct_replay_line *ln = &R->lines[R->next];
        apply(R, R->next++);
        t = ln->at;
        if (ln->event) break;
    }
    R->board->ctx.now = t;
    anchor(R, t, real);
}

typedef struct id_list {
    char **v;
    size_t n, cap;
} id_list;

static bool collect_id(const ct_call_entry *e, void *ud)
{
    id_list *x = ud;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        char **v = realloc(x->v, cap * sizeof *v);
        if (!v) return false;
        x->v = v;
        x->cap = cap;
    }
    if ((x->v[x->n] = strdup(e->call.id))) x->n++;
    return true;
}

/* The board's data back to empty: the store's calls, the reducer, the
 * channel state, the flash and pending marks. Panes, selection, filter
 * and sort stay as the user set them. Returns false when out of memory. */
static bool rebuild(ct_replay *R)
{
    ct_board *b = R->board;
    id_list x = {0};
    ct_store_foreach(b->store, collect_id, &x);
    for (size_t i = 0; i < x.n; i++) {
        ct_store_remove(b->store, x.v[i]);
        free(x.v[i]);
    }
    free(x.v);
    ct_reducer_free(&b->reduce);
    if (ct_reducer_init(&b->reduce, b->store) != 0) return false;
    b->status.monitor = CT_MON_OFF;
    b->status.last_event_ms = 0;
    b->status.polling = false;
    ct_reducer_bind_channel(&b->reduce, &b->status.monitor, &b->status.last_event_ms,
                            &b->status.polling);
    ct_board_set_list_error(b, NULL);
    b->ctx.flash[0] = '\0';
    ct_board_stale(b);
    R->next = 0;
    return true;
}

void ct_replay_seek(ct_replay *R, ct_time_ms target, int64_t real)
{
    if (target > R->end) target = R->end;
    if (target <= R->start) {
        /* The recording's start is before its first record, whatever that
         * record's stamp says (the board's clock for a drain can be a turn
         * older than the header's): nothing applied yet. */
        if (!rebuild(R)) {
            ct_ui_flash(&R->board->ctx, CT_FLASH_ERROR, "seek: out of memory");
            return;
        }
        anchor(R, R->start, real);
        return;
    }
    ct_time_ms now = ct_replay_clock(R, real);
    /* records at the target time that were applied already stay applied */
    bool back = target < now || (R->next > 0 && R->lines[R->next - 1].at > target);
    if (back && !rebuild(R)) {
        ct_ui_flash(&R->board->ctx, CT_FLASH_ERROR, "seek: out of memory");
        return;
    }
    apply_until(R, target);
    anchor(R, target, real);
    stop_at_end(R, target, real);
}

bool ct_replay_parse_seek(const char *s, ct_time_ms clock, ct_time_ms *out)
{
    while (*s == ' ') s++;
    if (*s == '+' || *s == '-') {
        char *end;
        errno = 0;
        long long n = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || errno || n > 100LL * 365 * 86400) return false;
        *out = clock + (*s == '+' ? 1 : -1) * n * 1000;
        return true;
    }
    int h, m, sec;
    char tail;
    if (sscanf(s, "%2d:%2d:%2d%c", &h, &m, &sec, &tail) != 3 || h > 23 || m > 59 || sec > 59 ||
        h < 0 || m < 0 || sec < 0)
        return false;
    time_t t = (time_t)(clock / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm)) return false;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t at = mktime(&tm);
    if (at == (time_t)-1) return false;
    *out = (ct_time_ms)at * 1000;
    return true;
}

static void show_prompt(ct_replay *R)
{
    ct_ui_ctx *ctx = &R->board->ctx;
    ct_ui_flash(ctx, CT_FLASH_INFO, "seek to (HH:MM:SS or +/-seconds, Enter/Esc): %s_", R->input);
    /* stays while the prompt is open: a year of recorded time (a bound,
     * not INT64_MAX: the flash timer adds it to the loop's clock) */
    ctx->flash_until = ctx->now + 365LL * 24 * 3600 * 1000;
}

int ct_replay_action(ct_replay *R, ct_action_id id, int64_t real)
{
    switch (id) {
    case CT_A_REPLAY_PLAY: ct_replay_toggle(R, real); break;
    case CT_A_REPLAY_FASTER: ct_replay_set_speed(R, R->speed * 2, real); break;
    case CT_A_REPLAY_SLOWER: ct_replay_set_speed(R, R->speed / 2, real); break;
    case CT_A_REPLAY_STEP: ct_replay_step(R, real); break;
    case CT_A_REPLAY_SEEK:
        R->prompting = true;
        R->input[0] = '\0';
        show_prompt(R);
        break;
    default: return 0;
    }
    return CT_FX_REDRAW_ALL;
}

bool ct_replay_prompt_key(ct_replay *R, int key, int64_t real)
{
    /* a resize still lays the board out (the prompt stays open) */
    if (!R->prompting || key == KEY_RESIZE) return false;
    ct_ui_ctx *ctx = &R->board->ctx;
    size_t n = strlen(R->input);
    if (key == CT_KEY_ESC) {
        R->prompting = false;
        ctx->flash[0] = '\0';
    } else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
        R->prompting = false;
        ct_time_ms t;
        if (ct_replay_parse_seek(R->input, ct_replay_clock(R, real), &t)) {
            ctx->flash[0] = '\0';
            ct_replay_seek(R, t, real);
        } else {
            ct_ui_flash(ctx, CT_FLASH_WARN, "seek: '%s' is not HH:MM:SS or +/-seconds", R->input);
        }
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (n) R->input[n - 1] = '\0';
        show_prompt(R);
    } else if (key >= 0x20 && key < 0x7f && strchr("0123456789:+- ", key) &&
               n + 1 < sizeof R->input) {
        R->input[n] = (char)key;
        R->input[n + 1] = '\0';
        show_prompt(R);
    } else {
        show_prompt(R); /* anything else is swallowed: it is not a board command now */
    }
    ct_board_stale(R->board);
    return true;
}

void ct_replay_status(const ct_replay *R, int64_t real, char *buf, size_t cap)
{
    char clock[16];
    ct_time_ms t = ct_replay_clock(R, real);
    ct_fmt_clock(t, clock, sizeof clock);
    bool at_end = R->next >= R->n && t >= R->end;
    snprintf(buf, cap, "REPLAY %dx %s%s", R->speed, clock,
             at_end           ? " end"
                 : R->playing ? ""
                              : " paused");
}
