/* clock.h — the two clocks every layer needs, in one place.
 * Monotonic for timeouts, backoff and latency; wall clock (UTC epoch ms)
 * for anything compared with server timestamps. */
#ifndef CALLTOP_CLOCK_H
#define CALLTOP_CLOCK_H

#include <stdint.h>

int64_t ct_clock_mono_ms(void); /* CLOCK_MONOTONIC, ms; never goes back */
int64_t ct_clock_wall_ms(void); /* CLOCK_REALTIME, ms since the Unix epoch */

#endif
