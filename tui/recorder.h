/* recorder.h — `calltop --record FILE`: the board's events, as it applies
 * them, written to FILE as JSON lines (calltop/record_codec.h; the format:
 * docs/recording.md).
 *
 * The UI thread writes each inbox event just before the reducer applies it
 * (app/board_main.c's drain), and each of the board's own reads as it is
 * sent, so `calltop --replay FILE` rebuilds the same board. The file is
 * created 0600 and must not exist (O_EXCL: a recording is never appended
 * to, nor written through a planted symlink). Writing stops for good at the
 * size cap (record-max-bytes) or on a write error, with a flash line and a
 * log line saying why; the board goes on. */
#ifndef CALLTOP_TUI_RECORDER_H
#define CALLTOP_TUI_RECORDER_H

#include <stdbool.h>
#include <stdint.h>
#include "calltop/err.h"
#include "calltop/event.h"
#include "pane.h"

typedef struct ct_recorder ct_recorder;

/* Creates path (0600, O_EXCL) and writes the header line. flash_ctx (may be
 * NULL) gets the flash line when recording stops. NULL with err set: the
 * file exists, or cannot be created. */
ct_recorder *ct_recorder_open(const char *path, long max_bytes, ct_time_ms now,
                              ct_ui_ctx *flash_ctx, ct_error *err);
void ct_recorder_close(ct_recorder *r);

/* Each returns false once recording has stopped (nothing written). */
bool ct_recorder_event(ct_recorder *r, const ct_event *ev, ct_time_ms at);
bool ct_recorder_own_read(ct_recorder *r, ct_request_kind kind, uint64_t request_id,
                          const char *call_id, ct_time_ms at);

bool ct_recorder_stopped(const ct_recorder *r);
uint64_t ct_recorder_bytes(const ct_recorder *r);

#endif
