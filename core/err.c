/* err.c — the fixed texts behind ct_err, and ct_error helpers. */
#include "calltop/err.h"

#include <stdio.h>
#include <string.h>

static const char *const messages[CT_ERR__COUNT] = {
    [CT_OK] = "no error",
    [CT_ENOMEM] = "out of memory",
    [CT_EINVAL] = "invalid argument",
    [CT_EUSAGE] = "invalid command-line usage",
    [CT_ECONFIG] = "configuration error",
    [CT_EIO] = "input/output error",
    [CT_EJSON] = "malformed JSON",
    [CT_ETYPE] = "a field has the wrong type",
    [CT_EMISSING] = "a required field is missing",
    [CT_EVALUE] = "a field has an invalid value",
    [CT_EAUTH] = "the API key was refused (check INTERACTLY_API_KEY or api-key in the config file)",
    [CT_ENOTFOUND] = "not found (the call may have been deleted)",
    [CT_EVALIDATION] = "the server rejected the request",
    [CT_ERATELIMIT] = "rate limited by the server",
    [CT_ESERVER] = "the server failed (5xx)",
    [CT_EHTTP] = "unexpected HTTP status",
    [CT_ETIMEOUT] = "timed out",
    [CT_ETLS] = "TLS failure (certificate or handshake)",
    [CT_EDNS] = "could not resolve the host name",
    [CT_ECONNECT] = "could not connect to the server",
    [CT_EMALFORMED] = "the server sent a response calltop cannot read",
    [CT_ETOOBIG] = "the server's response is too large",
    [CT_ECANCELLED] = "cancelled",
    [CT_EREADONLY] = "refused: calltop is running read-only",
    [CT_EPROTOCOL] = "relay protocol error",
};

const char *ct_strerror(ct_err code)
{
    if ((int)code < 0 || code >= CT_ERR__COUNT || !messages[code]) return "unknown error";
    return messages[code];
}

int ct_err_is_transient(ct_err code)
{
    switch (code) {
    case CT_ERATELIMIT:
    case CT_ESERVER:
    case CT_ETIMEOUT:
    case CT_ECONNECT:
    case CT_EDNS:
    case CT_EMALFORMED: return 1;
    default: return 0;
    }
}

void ct_error_clear(ct_error *e)
{
    if (!e) return;
    memset(e, 0, sizeof *e);
    e->retry_after_s = -1;
}

ct_err ct_error_setv(ct_error *e, ct_err code, const char *fmt, va_list ap)
{
    if (!e) return code;
    e->code = code;
    if (fmt) vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    else snprintf(e->detail, sizeof e->detail, "%s", ct_strerror(code));
    return code;
}

ct_err ct_error_set(ct_error *e, ct_err code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ct_error_setv(e, code, fmt, ap);
    va_end(ap);
    return code;
}
