/* lws_log.h — libwebsockets' log, set once per process by the program.
 *
 * lws keeps one process-wide log level and emitter. Library start
 * functions (the monitor, the relay, the simulator) used to set it each,
 * so whichever started last won: under `calltop --demo` the simulator's
 * start silenced the monitor's and the relay's lines. Now each program's
 * main() chooses once, before starting anything. */
#ifndef CALLTOP_LWS_LOG_H
#define CALLTOP_LWS_LOG_H

typedef enum ct_lws_log_mode {
    CT_LWS_LOG_OFF = 0, /* nothing */
    CT_LWS_LOG_TO_LOG, /* errors and warnings to calltop's log (ct_log: redacted, never the terminal) */
    CT_LWS_LOG_STDERR, /* errors and warnings to stderr (calltop-sim --verbose) */
} ct_lws_log_mode;

void ct_lws_log_init(ct_lws_log_mode mode);

#endif
