/* doctor_eval.h — the pure decisions behind `calltop doctor` (app/doctor.c
 * does the I/O): where a relay's HTTP routes are, how a list page is
 * ordered, what it says about live calls and end states, and how much
 * clock skew is too much. No network, no clock: unit-tested. */
#ifndef CALLTOP_DOCTOR_EVAL_H
#define CALLTOP_DOCTOR_EVAL_H

#include <stdbool.h>
#include <stddef.h>

#include "calltop/model.h"

/* http(s)://host[:port]/prefix/ from a relay URL ws(s)://host[:port]/prefix/monitor
 * (http(s):// accepted too). No path, or "/", means the relay's root (the
 * monitor thread then uses /monitor). False when the scheme is not one of
 * those, the path does not end in /monitor, or `out` is too small. */
bool ct_doctor_relay_http_base(const char *relay_url, char *out, size_t cap);

typedef enum {
    CT_ORDER_UNKNOWN = 0, /* fewer than two distinct start times */
    CT_ORDER_NEWEST_FIRST,
    CT_ORDER_OLDEST_FIRST,
    CT_ORDER_MIXED
} ct_list_order;
/* The order of the page's startAt values (calls without one are skipped). */
ct_list_order ct_doctor_list_order(const ct_call_list *l);
const char *ct_list_order_name(ct_list_order o);

typedef struct ct_list_census {
    size_t live, live_without_end; /* ct_call_is_live; of those, no endAt */
    size_t finished, completed;    /* status spelled exactly so */
} ct_list_census;
ct_list_census ct_doctor_census(const ct_call_list *l);

typedef enum { CT_SKEW_OK = 0, CT_SKEW_WARN, CT_SKEW_FAIL } ct_skew_verdict;
#define CT_SKEW_WARN_S 5  /* beyond this (plus the request's own time): warn */
#define CT_SKEW_FAIL_S 60 /* beyond this: fail */
/* skew_s = local time - the server's Date; request_ms = how long the request
 * took (the Date was stamped somewhere inside it, to the second). */
ct_skew_verdict ct_doctor_skew_verdict(long skew_s, long request_ms);

#endif
