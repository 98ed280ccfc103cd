/* helper_ws.c — a minimal raw WebSocket client for the relay tests
 * (helper_ws.h). Assertions are cmocka's: a broken handshake fails the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "helper_procs.h"
#include "helper_ws.h"

static int tcp_connect(int port, int rcvbuf)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Reads more bytes into c->in; false on EOF/timeout. */
bool ws_fill(wsc *c, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->in_len == sizeof c->in || poll(&p, 1, timeout_ms) <= 0) return false;
    ssize_t n = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
    if (n <= 0) return false;
    c->in_len += (size_t)n;
    return true;
}

/* Opens /monitor (or `path`) with an optional bearer token; returns the
 * handshake status (101 on success) in c->status. */
void ws_open(wsc *c, int port, const char *path, const char *token, int rcvbuf)
{
    memset(c, 0, sizeof *c);
    c->fd = tcp_connect(port, rcvbuf);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
                     path, port, token ? "Authorization: Bearer " : "", token ? token : "",
                     token ? "\r\n" : "");
    assert_int_equal(write(c->fd, req, (size_t)n), n);
    char *end = NULL;
    int64_t deadline = hp_now_ms() + 3000;
    while (!(end = memmem(c->in, c->in_len, "\r\n\r\n", 4)) && hp_now_ms() < deadline)
        if (!ws_fill(c, 200) && !memmem(c->in, c->in_len, "\r\n\r\n", 4)) break;
    assert_non_null(end);
    assert_true(sscanf(c->in, "HTTP/%*d.%*d %d", &c->status) == 1);
    size_t used = (size_t)(end + 4 - c->in);
    memmove(c->in, c->in + used, c->in_len - used);
    c->in_len -= used;
}

void ws_close_fd(wsc *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

void ws_send(wsc *c, const char *text)
{
    size_t len = strlen(text);
    unsigned char hdr[14];
    size_t h = 0;
    hdr[h++] = 0x81;
    if (len < 126) {
        hdr[h++] = 0x80 | (unsigned char)len;
    } else {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (unsigned char)(len >> 8);
        hdr[h++] = (unsigned char)len;
    }
    unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(hdr + h, mask, 4);
    h += 4;
    unsigned char *out = malloc(h + len);
    memcpy(out, hdr, h);
    for (size_t i = 0; i < len; i++) out[h + i] = (unsigned char)text[i] ^ mask[i % 4];
    assert_int_equal(write(c->fd, out, h + len), (ssize_t)(h + len));
    free(out);
}

/* Next frame: returns its opcode (1 text, 8 close) and a malloc'd payload,
 * or -1 on timeout/EOF. */
int ws_recv(wsc *c, char **payload, size_t *plen, int timeout_ms)
{
    int64_t deadline = hp_now_ms() + timeout_ms;
    for (;;) {
        if (c->in_len >= 2) {
            unsigned char *b = (unsigned char *)c->in;
            size_t len = b[1] & 0x7f, h = 2;
            if (len == 126 && c->in_len >= 4) {
                len = ((size_t)b[2] << 8) | b[3];
                h = 4;
            } else if (len == 127 && c->in_len >= 10) {
                len = 0;
                for (int i = 0; i < 8; i++) len = (len << 8) | b[2 + i];
                h = 10;
            } else if (len >= 126) {
                h = 0;
            }
            if (h && c->in_len >= h + len) {
                int op = b[0] & 0x0f;
                *payload = malloc(len + 1);
                memcpy(*payload, c->in + h, len);
                (*payload)[len] = 0;
                *plen = len;
                memmove(c->in, c->in + h + len, c->in_len - h - len);
                c->in_len -= h + len;
                return op;
            }
        }
        int left = (int)(deadline - hp_now_ms());
        if (left <= 0 || !ws_fill(c, left)) return -1;
    }
}

/* Nothing more within `ms` (no text frame other than pings). */
void ws_expect_quiet(wsc *c, int ms)
{
    char *p = NULL;
    size_t n;
    int64_t end = hp_now_ms() + ms;
    for (;;) {
        int left = (int)(end - hp_now_ms());
        if (left <= 0) return;
        int op = ws_recv(c, &p, &n, left);
        if (op < 0) return;
        bool ping = op == 1 && strstr(p, "\"ping\"");
        if (!ping) fail_msg("unexpected frame op=%d: %.200s", op, p);
        free(p);
    }
}
