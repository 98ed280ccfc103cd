/* proxy_addr.c — the --trusted-proxy list and the X-Forwarded-For walk
 * (proxy_addr.h). Addresses are parsed with inet_pton only: no name
 * lookups, nothing a header can make slow. */
#include "proxy_addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* An IP literal -> family and bytes; IPv4-mapped IPv6 becomes IPv4 (a
 * dual-stack socket reports IPv4 peers that way). */
static bool addr_parse(const char *s, int *family, uint8_t bytes[16])
{
    if (inet_pton(AF_INET, s, bytes) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, bytes) != 1) return false;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (!memcmp(bytes, mapped, sizeof mapped)) {
        memmove(bytes, bytes + 12, 4);
        *family = AF_INET;
    } else *family = AF_INET6;
    return true;
}

static bool net_match(const ct_proxy_net *n, int family, const uint8_t *bytes)
{
    if (n->family != family) return false;
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, bytes, full)) return false;
    if (!rest) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (n->addr[full] & mask) == (bytes[full] & mask);
}

/* Copies s[0..n) without surrounding blanks into buf; false when too long. */
static bool trimmed(const char *s, size_t n, char *buf, size_t len)
{
    while (n && isspace((unsigned char)*s)) s++, n--;
    while (n && isspace((unsigned char)s[n - 1])) n--;
    if (n >= len) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return true;
}

static bool entry_parse(const char *e, ct_proxy_net *n)
{
    char a[64];
    const char *slash = strchr(e, '/');
    size_t alen = slash ? (size_t)(slash - e) : strlen(e);
    if (!alen || alen >= sizeof a) return false;
    memcpy(a, e, alen);
    a[alen] = '\0';
    bool v6_text = strchr(a, ':') != NULL;
    if (!addr_parse(a, &n->family, n->addr)) return false;
    unsigned max = n->family == AF_INET ? 32 : 128;
    if (!slash) {
        n->prefix = max;
        return true;
    }
    const char *p = slash + 1;
    if (!*p || strlen(p) > 3) return false;
    unsigned v = 0;
    for (; *p; p++) {
        if (!isdigit((unsigned char)*p)) return false;
        v = v * 10 + (unsigned)(*p - '0');
    }
    /* ::ffff:10.0.0.0/104 is 10.0.0.0/8: a prefix written for the mapped
     * form counts its 96 leading bits. */
    if (v6_text && n->family == AF_INET) {
        if (v < 96 || v > 128) return false;
        v -= 96;
    }
    if (v > max) return false;
    n->prefix = v;
    return true;
}

ct_err ct_proxy_list_parse(const char *text, ct_proxy_list *out, ct_error *err)
{
    out->nets = NULL;
    out->n = 0;
    if (!text || !*text) return CT_OK;
    size_t cap = 1;
    for (const char *p = text; *p; p++) cap += *p == ',';
    out->nets = calloc(cap, sizeof *out->nets);
    if (!out->nets) return ct_error_set(err, CT_ENOMEM, "--trusted-proxy: out of memory");
    const char *s = text;
    for (size_t i = 1;; i++) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char e[80];
        bool fits = trimmed(s, len, e, sizeof e);
        if (!fits || !*e || !entry_parse(e, &out->nets[out->n])) {
            ct_proxy_list_free(out);
            if (!fits || !*e)
                return ct_error_set(err, CT_EUSAGE,
                                    "--trusted-proxy: entry %zu is %s: expected an IPv4 or "
                                    "IPv6 address or CIDR range, e.g. 10.0.0.0/8",
                                    i, fits ? "empty" : "too long");
            return ct_error_set(err, CT_EUSAGE,
                                "--trusted-proxy: entry %zu \"%s\" is not an IPv4 or IPv6 "
                                "address or CIDR range (e.g. 127.0.0.1, ::1, 10.0.0.0/8)",
                                i, e);
        }
        out->n++;
        if (!comma) break;
        s = comma + 1;
    }
    return CT_OK;
}

void ct_proxy_list_free(ct_proxy_list *l)
{
    free(l->nets);
    l->nets = NULL;
    l->n = 0;
}

static bool trusted_bytes(const ct_proxy_list *l, int family, const uint8_t *bytes)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (net_match(&l->nets[i], family, bytes)) return true;
    return false;
}

bool ct_proxy_trusted(const ct_proxy_list *l, const char *addr)
{
    int family;
    uint8_t b[16];
    return addr && addr_parse(addr, &family, b) && trusted_bytes(l, family, b);
}

/* One X-Forwarded-For entry -> family and bytes. Forms: 1.2.3.4,
 * 1.2.3.4:80, 2001:db8::1, [2001:db8::1], [2001:db8::1]:80. */
static bool xff_entry(const char *s, size_t n, int *family, uint8_t b[16])
{
    char e[64];
    if (!trimmed(s, n, e, sizeof e) || !*e) return false;
    char *a = e;
    if (*a == '[') {
        char *close = strchr(a, ']');
        if (!close) return false;
        if (close[1] && (close[1] != ':' || !close[2])) return false;
        *close = '\0';
        a++;
    } else {
        char *colon = strchr(a, ':');
        /* One colon: IPv4 with a port; more: a bare IPv6 literal. */
        if (colon && !strchr(colon + 1, ':')) {
            if (!colon[1]) return false;
            *colon = '\0';
        }
    }
    return addr_parse(a, family, b);
}

static void addr_text(int family, const uint8_t *b, char *out, size_t outlen)
{
    if (!inet_ntop(family, b, out, (socklen_t)outlen)) snprintf(out, outlen, "?");
}

ct_xff_result ct_proxy_client(const ct_proxy_list *l, const char *peer, const char *xff, char *out,
                              size_t outlen)
{
    int family;
    uint8_t b[16];
    bool peer_ok = peer && addr_parse(peer, &family, b);
    if (peer_ok) addr_text(family, b, out, outlen);
    else snprintf(out, outlen, "%s", peer ? peer : "?");
    if (!peer_ok || !xff || !trusted_bytes(l, family, b)) return CT_XFF_PEER;
    /* From the right: each hop appended the address it saw. */
    size_t end = strlen(xff);
    int last_family = 0;
    uint8_t last[16];
    for (;;) {
        size_t start = end;
        while (start && xff[start - 1] != ',') start--;
        /* Garbage, or an empty entry: the chain cannot be followed further,
         * and an address left of it could be anyone's. */
        if (!xff_entry(xff + start, end - start, &family, b)) return CT_XFF_MALFORMED;
        last_family = family;
        memcpy(last, b, sizeof last);
        if (!trusted_bytes(l, family, b)) {
            addr_text(family, b, out, outlen);
            return CT_XFF_CLIENT;
        }
        if (!start) break;
        end = start - 1;
    }
    /* Every hop is a trusted proxy: the leftmost is the best we know. */
    addr_text(last_family, last, out, outlen);
    return CT_XFF_CLIENT;
}
