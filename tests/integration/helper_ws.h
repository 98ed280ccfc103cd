/* helper_ws.h — a minimal raw WebSocket client for the relay tests: it
 * speaks the wire format by hand (masked client frames, 16/64-bit lengths)
 * so a test sees exactly what calltop-relay sends, frame by frame.
 *
 *     wsc c;
 *     ws_open(&c, port, "/monitor", token, 0);   // c.status: 101 on success
 *     ws_send(&c, "{\"type\":\"hello\",\"protocol\":3}");
 *     char *p; size_t n;
 *     int op = ws_recv(&c, &p, &n, 2000);         // 1 text, 8 close, -1 timeout
 *     free(p);
 *     ws_close_fd(&c);
 *
 * Every wait is bounded; failures are cmocka assertions. */
#ifndef CALLTOP_TEST_HELPER_WS_H
#define CALLTOP_TEST_HELPER_WS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wsc {
    int fd;
    int status; /* handshake HTTP status */
    char in[1 << 16];
    size_t in_len;
} wsc;

/* Reads more bytes into c->in; false on EOF/timeout. */
bool ws_fill(wsc *c, int timeout_ms);
/* Opens `path` on 127.0.0.1:port with an optional bearer token (rcvbuf:
 * SO_RCVBUF, 0 = default); the handshake's HTTP status is in c->status. */
void ws_open(wsc *c, int port, const char *path, const char *token, int rcvbuf);
void ws_close_fd(wsc *c);
/* One masked text frame. */
void ws_send(wsc *c, const char *text);
/* Next frame: its opcode (1 text, 8 close) and a malloc'd payload, or -1
 * on timeout/EOF. */
int ws_recv(wsc *c, char **payload, size_t *plen, int timeout_ms);
/* Fails on any frame but a ping within `ms`. */
void ws_expect_quiet(wsc *c, int ms);

#endif
