/* relay_urls.h — relay-url as a list: "ws://a:8787/monitor,ws://b:8787/monitor".
 *
 * calltop follows one relay at a time and moves to the next entry (round
 * robin) when it loses the one it is on (net/monitor.c). This module is the
 * pure half: split the list, check each entry, say which entry is wrong and
 * where it stands in the list. No I/O, no allocation beyond the copies. */
#ifndef CALLTOP_RELAY_URLS_H
#define CALLTOP_RELAY_URLS_H

#include <stdbool.h>
#include <stddef.h>

#include "calltop/err.h"

/* More relays than this behind one board is a load balancer's job. */
#define CT_RELAY_URLS_MAX 8

typedef struct ct_relay_urls {
    int n;
    char *url[CT_RELAY_URLS_MAX]; /* each trimmed of the blanks around it (owned) */
} ct_relay_urls;

/* Splits `list` at commas; blanks around an entry are dropped. Refuses an
 * empty entry ("a,,b", a trailing comma), more than CT_RELAY_URLS_MAX
 * entries and an entry that repeats an earlier one; the message names the
 * entry's position ("entry 2 of 3"). Entries are not judged here (see
 * ct_url_check). On error *out is empty. */
ct_err ct_relay_urls_split(const char *list, ct_relay_urls *out, ct_error *err);
void ct_relay_urls_free(ct_relay_urls *u);

/* Checks one URL: its scheme is one of `schemes` (space-separated, e.g.
 * "wss ws"; case-insensitive), it names a host and holds no blank. True
 * when fine; otherwise `why` gets the reason ("must start with wss:// or
 * ws://", "no host name", "contains blanks"). */
bool ct_url_check(const char *url, const char *schemes, char *why, size_t cap);

/* Copies `url` for a message: control characters become '?', and the
 * password of a user:password@ part becomes "(hidden)". */
void ct_url_display(char *buf, size_t cap, const char *url);

/* ct_relay_urls_split, then ct_url_check(entry, "wss ws") for each: what the
 * monitor accepts. Messages: "relay URL 2 of 3 'ftp://b': must start with
 * wss:// or ws://" ("relay URL 'x': ..." for a list of one). */
ct_err ct_relay_urls_parse(const char *list, ct_relay_urls *out, ct_error *err);

/* True for 127.0.0.0/8, [::1] and localhost: cleartext there stays on the machine. */
bool ct_url_is_loopback(const char *url);

#endif
