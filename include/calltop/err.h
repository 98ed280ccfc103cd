/* err.h — calltop's one error taxonomy (curl's CURLcode style).
 *
 * Every layer reports failures as a ct_err code plus, where useful, a
 * ct_error with a human sentence naming what went wrong ("startAt: expected
 * a string or a number, got an object"). ct_strerror() gives the fixed text
 * a support person sees for each code; it never contains secrets. */
#ifndef CALLTOP_ERR_H
#define CALLTOP_ERR_H

#include <stdarg.h>

typedef enum ct_err {
    CT_OK = 0,
    CT_ENOMEM,  /* out of memory */
    CT_EINVAL,  /* a caller passed something invalid (bug or bad user input) */
    CT_EUSAGE,  /* bad command-line usage */
    CT_ECONFIG, /* configuration file or environment is wrong */
    CT_EIO,     /* local file or socket I/O failed */
    /* decoding (model / protocol) */
    CT_EJSON,    /* not JSON at all, or truncated */
    CT_ETYPE,    /* a field has the wrong JSON type */
    CT_EMISSING, /* a required field is absent */
    CT_EVALUE,   /* a field has an impossible value (bad E.164, bad date) */
    /* API outcomes */
    CT_EAUTH,       /* 401/403: the API key was refused */
    CT_ENOTFOUND,   /* 404: the call (or other object) does not exist */
    CT_EVALIDATION, /* 422 (or 400): the server rejected the request's fields */
    CT_ERATELIMIT,  /* 429: rate limited (honour Retry-After) */
    CT_ESERVER,     /* 5xx */
    CT_EHTTP,       /* any other unexpected HTTP status */
    CT_ETIMEOUT,    /* connect or total timeout */
    CT_ETLS,        /* TLS handshake or certificate verification failed */
    CT_EDNS,        /* host name could not be resolved */
    CT_ECONNECT,    /* connection refused / reset / unreachable */
    CT_EMALFORMED,  /* the server's response could not be decoded */
    CT_ETOOBIG,     /* the response exceeded the size cap */
    CT_ECANCELLED,  /* the request was cancelled by the user or at shutdown */
    CT_EREADONLY,   /* refused: calltop runs with --read-only */
    CT_EPROTOCOL,   /* relay protocol violation */
    CT_ERR__COUNT
} ct_err;

/* Fixed, secret-free text for a code. Never NULL. */
const char *ct_strerror(ct_err code);

/* True for failures worth retrying for an idempotent request. */
int ct_err_is_transient(ct_err code);

/* A code plus a specific sentence. `detail` is always NUL-terminated. */
typedef struct ct_error {
    ct_err code;
    int http_status;   /* 0 when not an HTTP outcome */
    int retry_after_s; /* from Retry-After, -1 when absent */
    char field[64];    /* the field a validation error concerns, "" if none */
    char detail[512];
} ct_error;

void ct_error_clear(ct_error *e);
/* Sets code and a printf-formatted detail; returns code so callers can
 * `return ct_error_set(err, CT_ETYPE, "...")`. `e` may be NULL. */
ct_err ct_error_set(ct_error *e, ct_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ct_err ct_error_setv(ct_error *e, ct_err code, const char *fmt, va_list ap);

#endif
