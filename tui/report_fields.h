/* report_fields.h — the end-of-call report's cost, metrics and recording
 * (kept by the model as JSON text: their shapes are undocumented) turned
 * into named fields for the details pane, instead of raw JSON. Pure. */
#ifndef CALLTOP_TUI_REPORT_FIELDS_H
#define CALLTOP_TUI_REPORT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include "calltop/model.h"

typedef struct ct_report_field {
    char name[24];   /* "recording", "cost", "avgLatencyMs" */
    char value[512]; /* unsanitized: the caller sanitizes when drawing */
    bool is_url;     /* value is the recording URL (drawn as a hyperlink) */
} ct_report_field;

/* Fills up to cap fields: recording (recording.url, or the recording as a
 * string) and its length, cost ("0.0123 USD" from total + currency, then
 * any other scalar members), then each scalar metric; an object or array
 * member is shown as compact JSON. Text that is not JSON is shown as it is.
 * Returns how many were written. */
size_t ct_report_fields(const ct_call *c, ct_report_field *out, size_t cap);

/* The recording URL alone (http:// or https:// only), or "" . */
void ct_report_recording_url(const ct_call *c, char *buf, size_t cap);

#endif
