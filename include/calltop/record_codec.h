/* record_codec.h — one recorded board event <-> one JSON line.
 *
 * `calltop --record FILE` writes what the board applied, in order, one
 * JSON object per line; `calltop --replay FILE` reads it back and feeds the
 * same reducer. This is the pure half: no files, no clock. The format is
 * documented in docs/recording.md.
 *
 * A line is a record:
 *   - a header (the first line): {"calltop":"recording","version":1,"t":ms}
 *   - an event the board applied: {"t":ms,"ev":"calls_listed",...}
 *   - one of the board's own reads being sent (the reducer judges its
 *     outcome: failure streak, 404 rule): {"t":ms,"own_read":"list",...}
 * Events carry decoded data only (calls, numbers, errors); nothing in an
 * event holds the API key or the relay token, and the encoder writes
 * nothing else.
 *
 * The decoder takes any bytes: a bad line fails with a specific message
 * naming the field, never crashes (fuzz/fuzz_record.c). */
#ifndef CALLTOP_RECORD_CODEC_H
#define CALLTOP_RECORD_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include "calltop/err.h"
#include "calltop/event.h"

#define CT_RECORD_VERSION 1

typedef enum ct_record_kind {
    CT_REC_HEADER = 1, /* at = when the recording started */
    CT_REC_EVENT,      /* ev */
    CT_REC_OWN_READ,   /* read_kind, request_id, call_id */
} ct_record_kind;

typedef struct ct_record {
    ct_record_kind kind;
    ct_time_ms at;                /* wall clock (epoch ms) the board applied it */
    ct_event *ev;                 /* EVENT: owned */
    ct_request_kind read_kind;    /* OWN_READ: CT_REQ_LIST_CALLS or CT_REQ_GET_CALL */
    uint64_t request_id;          /* OWN_READ */
    char call_id[CT_CALL_ID_BUF]; /* OWN_READ of a call ("" for the list) */
} ct_record;

/* Each encoder returns a malloc'd line without its '\n' (*out), or an error
 * (CT_ENOMEM; CT_EINVAL for an event type it does not know). */
ct_err ct_record_encode_header(ct_time_ms at, char **out, ct_error *err);
ct_err ct_record_encode_event(const ct_event *ev, ct_time_ms at, char **out, ct_error *err);
ct_err ct_record_encode_own_read(ct_request_kind kind, uint64_t request_id, const char *call_id,
                                 ct_time_ms at, char **out, ct_error *err);

/* Decodes one line (len bytes, no '\n' needed). On success *out is filled
 * (free with ct_record_clear); on failure *out is left empty and err says
 * which field is wrong. */
ct_err ct_record_decode(const char *line, size_t len, ct_record *out, ct_error *err);
void ct_record_clear(ct_record *r);

const char *ct_record_event_name(ct_event_type t); /* "calls_listed", ...; NULL if unknown */

#endif
