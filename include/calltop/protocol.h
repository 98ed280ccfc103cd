/* protocol.h — the monitor protocol (calltop-relay <-> calltop), version 3
 * (versions 1 and 2 still spoken by the relay: 1 sends the snapshot as one
 * frame; 2 has no "status" message).
 *
 * Pure encode/decode of every message on the /monitor WebSocket; the relay
 * and the monitor thread both use it so the two ends cannot drift. The wire
 * format, with an example of each message, is docs/monitor-protocol.md.
 *
 * Every message is one JSON object in one text frame with a "type":
 *   client -> relay   hello, ping, pong
 *   relay  -> client  welcome, snapshot, event, ping, pong, error, status (3)
 *
 * Encoders return a malloc'd, NUL-terminated compact JSON text (NULL on
 * OOM). When `pre` is non-zero the text starts `pre` bytes into the buffer
 * (headroom for LWS_PRE) and the returned pointer is the start of the
 * allocation; `*len` (if not NULL) receives the text length without NUL. */
#ifndef CALLTOP_PROTOCOL_H
#define CALLTOP_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "calltop/err.h"
#include "calltop/model.h"

#define CT_PROTOCOL_VERSION          3
/* The oldest version the relay still serves (one-frame snapshots). */
#define CT_PROTOCOL_MIN_VERSION      1
/* The WebSocket subprotocol name (Sec-WebSocket-Protocol); optional for
 * clients, the relay's /monitor endpoint is its default protocol. */
#define CT_PROTOCOL_WS_NAME          "calltop-monitor"
/* Cap on one client->relay frame; bigger frames are a protocol error. */
#define CT_PROTOCOL_MAX_CLIENT_FRAME 4096

/* Close codes the relay uses (besides 1000 normal and 1001 going away). */
#define CT_CLOSE_TOO_SLOW     4000 /* "client too slow": send queue over its bound */
#define CT_CLOSE_BAD_MESSAGE  4001 /* undecodable or unexpected client message */
#define CT_CLOSE_BAD_PROTOCOL 4002 /* hello asked for an unsupported protocol */
#define CT_CLOSE_TIMEOUT      4003 /* nothing heard for the heartbeat timeout */

typedef enum ct_pmsg_type {
    CT_PM_UNKNOWN = 0,
    CT_PM_HELLO,    /* client: protocol, optional lastSeq and stream */
    CT_PM_WELCOME,  /* relay: protocol, stream, seq, mode (replay|snapshot) */
    CT_PM_SNAPSHOT, /* relay: seq + every call it knows, with transcripts */
    CT_PM_EVENT,    /* relay: seq, kind, whole call (no messages) + new messages */
    CT_PM_PING,     /* either side: t (sender's ms clock) */
    CT_PM_PONG,     /* either side: echoes t */
    CT_PM_ERROR,    /* relay: code + message; usually followed by a close */
    CT_PM_STATUS,   /* relay (protocol 3): live + reason: whether the relay's events are
                       current (false while a relay on Redis cannot read its log) */
} ct_pmsg_type;
#define CT_PM_LAST CT_PM_STATUS

const char *ct_pmsg_type_name(ct_pmsg_type t); /* "hello", ...; "" for UNKNOWN */

/* A decoded message. Only the members relevant to `type` are set; all
 * strings and arrays are owned and freed by ct_pmsg_clear. */
typedef struct ct_pmsg {
    ct_pmsg_type type;
    int protocol;         /* HELLO, WELCOME */
    bool has_last_seq;    /* HELLO */
    uint64_t last_seq;    /* HELLO */
    char *stream;         /* HELLO (optional), WELCOME: the relay's stream id */
    bool replay;          /* WELCOME: true = missed events follow, false = a snapshot follows */
    uint64_t seq;         /* WELCOME (relay's current seq), SNAPSHOT, EVENT */
    ct_call_list calls;   /* SNAPSHOT: calls with full transcripts (this part's) */
    uint64_t part;        /* SNAPSHOT (v2): 0, 1, ... within one snapshot (v1: 0) */
    bool last;            /* SNAPSHOT: the final part (v1: always true) */
    ct_webhook_type kind; /* EVENT: the webhook type that caused it */
    char *kind_text;      /* EVENT: raw "kind" */
    ct_time_ms ts;        /* EVENT: the webhook's message.timestamp (0 if absent) */
    ct_call call;         /* EVENT: whole call state; call.messages = the NEW lines only */
    bool hang;            /* EVENT: the call is in a hang (assistant silent) */
    ct_call_error error;  /* EVENT of kind "error" */
    int64_t t;            /* PING, PONG */
    char *code;           /* ERROR: machine code, e.g. "bad-hello" */
    char *message;        /* ERROR: human sentence */
    bool live;            /* STATUS: true = events are current, false = they may be missing */
    char *reason;         /* STATUS: human sentence (optional; why not live) */
} ct_pmsg;

void ct_pmsg_clear(ct_pmsg *m);

/* Decodes one frame. Errors: CT_EJSON (not JSON / not an object),
 * CT_EMISSING (no "type" or a required field), CT_ETYPE (wrong JSON type,
 * detail names the field), CT_EPROTOCOL (unknown "type"), CT_EVALUE (a
 * negative or non-integral seq). On error *out is left cleared. */
ct_err ct_pmsg_decode(const char *buf, size_t len, ct_pmsg *out, ct_error *err);

/* ---- encoders ------------------------------------------------------------ */
char *ct_proto_encode_hello(bool has_last_seq, uint64_t last_seq, const char *stream, size_t pre,
                            size_t *len);
char *ct_proto_encode_welcome(uint64_t seq, const char *stream, bool replay, size_t pre,
                              size_t *len);
/* The same, for a given protocol version (the relay answers in the
 * client's version, 1 or 2). */
char *ct_proto_encode_hello_v(int protocol, bool has_last_seq, uint64_t last_seq,
                              const char *stream, size_t pre, size_t *len);
char *ct_proto_encode_welcome_v(int protocol, uint64_t seq, const char *stream, bool replay,
                                size_t pre, size_t *len);
/* `calls` is an array of n pointers (each call's messages are included). */
char *ct_proto_encode_snapshot(uint64_t seq, const ct_call *const *calls, size_t n, size_t pre,
                               size_t *len);

/* Protocol 2: a snapshot in parts, each frame at most about `max_bytes`
 * (a single call larger than that gets a part of its own). Every part
 * carries the same seq, "part" 0..n-1 and "last" on the final one; a client
 * applies the calls of all parts together once the last arrives. Returns
 * the number of parts (>= 1, an empty snapshot is one empty part) with
 * *out a malloc'd array of malloc'd buffers (each `pre` bytes of headroom)
 * and *lens their text lengths; 0 on OOM. */
size_t ct_proto_encode_snapshot_parts(uint64_t seq, const ct_call *const *calls, size_t n,
                                      size_t max_bytes, size_t pre, char ***out, size_t **lens);
/* `call` is encoded without its messages; `msgs` are the new lines. `error`
 * may be NULL (encoded only when present). */
char *ct_proto_encode_event(uint64_t seq, ct_webhook_type kind, ct_time_ms ts, const ct_call *call,
                            const ct_message *msgs, size_t n_msgs, bool hang,
                            const ct_call_error *error, size_t pre, size_t *len);
char *ct_proto_encode_ping(int64_t t, size_t pre, size_t *len);
char *ct_proto_encode_pong(int64_t t, size_t pre, size_t *len);
char *ct_proto_encode_error(const char *code, const char *message, size_t pre, size_t *len);
/* Protocol 3 only: the relay tells its boards whether the events it sends
 * are current; `reason` (may be NULL) says why not. */
char *ct_proto_encode_status(bool live, const char *reason, size_t pre, size_t *len);

/* Constant-time comparison of a presented secret against the expected one
 * (time depends only on the expected length). NULL never matches. */
bool ct_secret_equal(const char *presented, size_t presented_len, const char *expected);

#endif
