/* doctor.h — `calltop doctor`: checks a real deployment (config, API key,
 * clock, numbers, list endpoint behaviour, relay, webhook round trip) and
 * prints a checklist with a remedy for each failure. Read-only: it never
 * places, ends or changes a call. */
#ifndef CALLTOP_APP_DOCTOR_H
#define CALLTOP_APP_DOCTOR_H

#include "calltop/config.h"

/* cfg->rest[0] is "doctor"; rest[1..] are its flags (-o text|json).
 * load_err: why loading the settings failed (the doctor reports it as a
 * failed check and carries on with what it has), or NULL. Returns 0 when
 * every check passed, 1 when one failed, 2 on a usage error. */
int ct_doctor_main(const ct_config *cfg, const ct_error *load_err);

#endif
