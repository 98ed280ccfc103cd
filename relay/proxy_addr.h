/* proxy_addr.h — calltop-relay behind a reverse proxy, the pure part:
 * the --trusted-proxy list (IPv4/IPv6 addresses and CIDR ranges) and the
 * client address a request really comes from, by the right-to-left walk of
 * X-Forwarded-For.
 *
 * The failed-auth throttle, the per-peer connection cap and the notices key
 * on the client address. Behind nginx every TCP peer is the proxy, so
 * without this one guesser would get the proxy (and every real sender
 * behind it) blocked. X-Forwarded-For is believed only from a trusted TCP
 * peer: anyone else could write any address into it. No I/O here. */
#ifndef CALLTOP_RELAY_PROXY_ADDR_H
#define CALLTOP_RELAY_PROXY_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calltop/err.h"

/* Room for any address text this module writes (an IPv6 literal). */
#define CT_PROXY_ADDR_MAX 46

/* One trusted network. IPv4 (and IPv4-mapped IPv6, ::ffff:a.b.c.d) is kept
 * as IPv4, so 127.0.0.1 matches a peer the dual-stack socket reports as
 * ::ffff:127.0.0.1. */
typedef struct ct_proxy_net {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network bytes; 4 used for AF_INET */
    unsigned prefix;  /* 0..32 or 0..128 */
} ct_proxy_net;

typedef struct ct_proxy_list {
    ct_proxy_net *nets;
    size_t n;
} ct_proxy_list;

/* "127.0.0.1,::1,10.0.0.0/8": entries separated by commas, blanks around
 * them ignored. CT_EUSAGE and a message naming the first bad entry (an
 * address that does not parse, a prefix out of range, an empty entry) on
 * error; `out` is then empty. NULL or "" gives an empty list (nothing
 * trusted). Host bits set below the prefix are allowed (10.1.2.3/8 is
 * 10.0.0.0/8), as ip(8) does. */
ct_err ct_proxy_list_parse(const char *text, ct_proxy_list *out, ct_error *err);
void ct_proxy_list_free(ct_proxy_list *l);

/* Is this address text (an IP literal, as from inet_ntop) in the list? */
bool ct_proxy_trusted(const ct_proxy_list *l, const char *addr);

typedef enum ct_xff_result {
    CT_XFF_PEER,      /* the peer itself: untrusted, or no header */
    CT_XFF_CLIENT,    /* taken from X-Forwarded-For */
    CT_XFF_MALFORMED, /* the walk met an entry that is not an address: the peer */
} ct_xff_result;

/* The client address of a request from TCP peer `peer` (an IP literal)
 * that carried X-Forwarded-For `xff` (NULL when absent; several headers
 * joined with commas). When the peer is trusted the entries are walked
 * from the right, skipping trusted proxies; the first untrusted one is the
 * client (when all are trusted, the leftmost). Entries may carry a port
 * (1.2.3.4:5, [::1]:5) and blanks. The result, canonical text (so
 * "203.0.113.5:80" and "203.0.113.5" are one client; v4-mapped IPv6 as
 * IPv4), goes to `out` (at least CT_PROXY_ADDR_MAX bytes). */
ct_xff_result ct_proxy_client(const ct_proxy_list *l, const char *peer, const char *xff, char *out,
                              size_t outlen);

#endif
