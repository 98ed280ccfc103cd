/* relay_urls.c — relay-url as a comma-separated list (see relay_urls.h). */
#include "calltop/relay_urls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ct_relay_urls_free(ct_relay_urls *u)
{
    if (!u) return;
    for (int i = 0; i < u->n; i++) free(u->url[i]);
    memset(u, 0, sizeof *u);
}

void ct_url_display(char *buf, size_t cap, const char *url)
{
    if (!cap) return;
    size_t o = 0;
    const char *hide_from = NULL, *hide_to = NULL;
    const char *auth = strstr(url, "://");
    if (auth) {
        auth += 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = NULL;
        for (size_t i = 0; i < alen; i++)
            if (auth[i] == '@') at = auth + i; /* the last '@' ends the user part */
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            hide_from = colon + 1;
            hide_to = at;
        }
    }
    for (const char *p = url; *p && o + 1 < cap; p++) {
        if (p == hide_from) {
            for (const char *mask = "(hidden)"; *mask && o + 1 < cap; mask++) buf[o++] = *mask;
            p = hide_to - 1;
            continue;
        }
        unsigned char ch = (unsigned char)*p;
        buf[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    buf[o] = '\0';
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

ct_err ct_relay_urls_split(const char *list, ct_relay_urls *out, ct_error *err)
{
    memset(out, 0, sizeof *out);
    if (!list) return ct_error_set(err, CT_EINVAL, "no relay URL");
    /* count first, so every message can say "of N" */
    int total = 1;
    for (const char *p = list; *p; p++) total += *p == ',';
    if (total > CT_RELAY_URLS_MAX)
        return ct_error_set(err, CT_ECONFIG, "%d relay URLs: at most %d are supported", total,
                            CT_RELAY_URLS_MAX);
    const char *p = list;
    for (int pos = 1; pos <= total; pos++) {
        size_t len = strcspn(p, ",");
        const char *b = p, *e = p + len;
        while (b < e && is_blank(*b)) b++;
        while (e > b && is_blank(e[-1])) e--;
        if (b == e) {
            ct_relay_urls_free(out);
            if (total == 1) return ct_error_set(err, CT_ECONFIG, "the relay URL is empty");
            return ct_error_set(err, CT_ECONFIG,
                                "entry %d of %d is empty (two commas in a row, or one at an end)",
                                pos, total);
        }
        char *copy = strndup(b, (size_t)(e - b));
        if (!copy) {
            ct_relay_urls_free(out);
            return ct_error_set(err, CT_ENOMEM, "out of memory");
        }
        for (int i = 0; i < out->n; i++) {
            if (strcmp(out->url[i], copy) == 0) {
                char shown[256];
                ct_url_display(shown, sizeof shown, copy);
                free(copy);
                ct_relay_urls_free(out);
                return ct_error_set(err, CT_ECONFIG, "entry %d of %d '%s' repeats entry %d", pos,
                                    total, shown, i + 1);
            }
        }
        out->url[out->n++] = copy;
        p += len;
        if (*p == ',') p++;
    }
    return CT_OK;
}

bool ct_url_check(const char *url, const char *schemes, char *why, size_t cap)
{
    const char *sep = strstr(url, "://");
    bool ok = false;
    if (sep && sep > url) {
        size_t slen = (size_t)(sep - url);
        for (const char *sc = schemes; *sc;) {
            size_t n = strcspn(sc, " ");
            if (n == slen && strncasecmp(sc, url, n) == 0) ok = true;
            sc += n;
            while (*sc == ' ') sc++;
        }
    }
    if (!ok) {
        char allowed[64] = ""; /* "https http" -> "https:// or http://" */
        for (const char *sc = schemes; *sc;) {
            size_t n = strcspn(sc, " ");
            size_t used = strlen(allowed);
            snprintf(allowed + used, sizeof allowed - used, "%s%.*s://", used ? " or " : "", (int)n,
                     sc);
            sc += n;
            while (*sc == ' ') sc++;
        }
        snprintf(why, cap, "must start with %s", allowed);
        return false;
    }
    const char *host = sep + 3;
    size_t auth_len = strcspn(host, "/?#");
    for (size_t i = 0; i < auth_len; i++)
        if (sep[3 + i] == '@') host = sep + 3 + i + 1;
    if (strcspn(host, ":/?#") == 0) {
        snprintf(why, cap, "no host name");
        return false;
    }
    if (strpbrk(url, " \t\r\n")) {
        snprintf(why, cap, "contains blanks");
        return false;
    }
    return true;
}

ct_err ct_relay_urls_parse(const char *list, ct_relay_urls *out, ct_error *err)
{
    ct_err rc = ct_relay_urls_split(list, out, err);
    if (rc != CT_OK) return rc;
    for (int i = 0; i < out->n; i++) {
        char why[128], shown[256];
        if (ct_url_check(out->url[i], "wss ws", why, sizeof why)) continue;
        ct_url_display(shown, sizeof shown, out->url[i]);
        if (out->n == 1) rc = ct_error_set(err, CT_ECONFIG, "relay URL '%s': %s", shown, why);
        else
            rc = ct_error_set(err, CT_ECONFIG, "relay URL %d of %d '%s': %s", i + 1, out->n, shown,
                              why);
        ct_relay_urls_free(out);
        return rc;
    }
    return CT_OK;
}

bool ct_url_is_loopback(const char *url)
{
    const char *h = strstr(url, "://");
    if (!h) return false;
    h += 3;
    size_t alen = strcspn(h, "/?#");
    for (size_t i = alen; i > 0; i--) { /* past the last '@' of the user part */
        if (h[i - 1] == '@') {
            h += i;
            break;
        }
    }
    size_t n = strcspn(h, ":/?#");
    if (h[0] == '[') return strncmp(h, "[::1]", 5) == 0;
    return (n == 9 && strncasecmp(h, "localhost", 9) == 0) || strncmp(h, "127.", 4) == 0;
}
