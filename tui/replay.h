/* replay.h — `calltop --replay FILE`: the board on a recording made with
 * --record (tui/recorder.h; the format: docs/recording.md), no network.
 *
 * The recording is read whole and checked line by line before the board
 * opens (a bad line is an error naming its line number). Each record is
 * fed through the same path as live: events through ct_board_event (the
 * reducer), the board's own reads through ct_reduce_own_read, at their
 * recorded times on the *recorded clock*: the board's ctx.now is that
 * clock, so durations and ages read as they did then.
 *
 * The recorded clock runs from an anchor: clock = anchor_clock +
 * (real - anchor_real) * speed while playing, frozen while paused. Seeking
 * back rebuilds the board's data from the start of the recording (the
 * store emptied, the reducer fresh), then applies up to the target.
 *
 * Keys (tui/actions.c rows, handled by ct_replay_action): space play/pause,
 * > and < double or halve the speed (1x..64x), . steps one event (and
 * pauses), : opens the seek prompt (HH:MM:SS on the recording's day, or
 * +N / -N seconds), which takes every key until Enter or Esc. */
#ifndef CALLTOP_TUI_REPLAY_H
#define CALLTOP_TUI_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "actions.h"
#include "board.h"
#include "calltop/err.h"

#define CT_REPLAY_MAX_SPEED 64
#define CT_REPLAY_MAX_FILE  (1024L * 1024 * 1024) /* what --replay reads at most */

typedef struct ct_replay_line {
    ct_time_ms at;
    size_t off, len; /* in buf */
    bool event;      /* an event (not one of the board's own reads) */
} ct_replay_line;

typedef struct ct_replay {
    char *buf;             /* the whole file */
    ct_replay_line *lines; /* the records after the header, in file order */
    size_t n;
    ct_time_ms start, end;   /* the recording's first and last times */
    size_t next;             /* the next record to apply */
    ct_time_ms anchor_clock; /* the recorded clock at anchor_real */
    int64_t anchor_real;     /* real (loop) ms */
    bool playing;
    int speed;      /* 1, 2, 4 ... CT_REPLAY_MAX_SPEED */
    bool prompting; /* the seek prompt takes the keys */
    char input[32];
    ct_board *board;  /* not owned */
    uint64_t applied; /* records applied (tests) */
} ct_replay;

/* Reads and checks path. err names the line of a bad record. */
ct_err ct_replay_load(ct_replay *R, const char *path, ct_error *err);
/* The same from memory (tests); buf is copied. */
ct_err ct_replay_load_buf(ct_replay *R, const char *buf, size_t len, const char *name,
                          ct_error *err);
void ct_replay_free(ct_replay *R);

/* Starts at the recording's start, paused or playing at 1x. */
void ct_replay_begin(ct_replay *R, ct_board *board, int64_t real, bool play);

/* The recorded clock at real time `real`. */
ct_time_ms ct_replay_clock(const ct_replay *R, int64_t real);
/* Applies every record due by now; sets the board's ctx.now to the
 * recorded clock. Pauses at the end. Returns the records applied. */
size_t ct_replay_advance(ct_replay *R, int64_t real);
/* Real ms until the next advance should run (the next record, or the next
 * recorded second for the clock on screen); -1 while paused. */
long ct_replay_due_in(const ct_replay *R, int64_t real);

void ct_replay_toggle(ct_replay *R, int64_t real);
void ct_replay_set_speed(ct_replay *R, int speed, int64_t real); /* clamped, power of two */
/* Applies the next event (own reads before it ride along) and pauses. */
void ct_replay_step(ct_replay *R, int64_t real);
/* Moves the clock to `target` (clamped to the recording), rebuilding the
 * board's data when it goes back. */
void ct_replay_seek(ct_replay *R, ct_time_ms target, int64_t real);

/* "HH:MM:SS" (local, the day of `clock`), "+N" or "-N" seconds. false when
 * it is neither. */
bool ct_replay_parse_seek(const char *s, ct_time_ms clock, ct_time_ms *out);

/* A replay key action (CT_A_REPLAY_*). Returns CT_FX_* flags. */
int ct_replay_action(ct_replay *R, ct_action_id id, int64_t real);
/* While prompting, every key comes here first; true when it was taken. */
bool ct_replay_prompt_key(ct_replay *R, int key, int64_t real);

/* The status bar's words: "REPLAY 4x 14:03:22" (+ " paused", " end"). */
void ct_replay_status(const ct_replay *R, int64_t real, char *buf, size_t cap);

#endif
