/* api.c — Interactly REST requests and outcomes, without I/O.
 *
 * The fetcher (net/fetcher.c) asks this file what to send and what a reply
 * means; keeping those decisions here makes them unit-testable: the URL and
 * escaping of every endpoint, the error taxonomy of HTTP statuses and curl
 * codes, Retry-After, the retry policy, the token's origin check and the
 * List Calls page walk. See include/calltop/api.h for the contracts. */
#include "calltop/hash.h"
#include "calltop/api.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <cjson/cJSON.h>

/* ---- URLs ---------------------------------------------------------------- */

static bool unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

char *ct_api_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s) s = "";
    size_t n = strlen(s);
    char *out = malloc(n * 3 + 1), *p = out;
    if (!out) return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (unreserved(*c)) {
            *p++ = (char)*c;
        } else {
            *p++ = '%';
            *p++ = hex[*c >> 4];
            *p++ = hex[*c & 15];
        }
    }
    *p = '\0';
    return out;
}

/* A tiny growable string; every append reports OOM through `ok`. */
typedef struct sbuf {
    char *s;
    size_t len, cap;
    bool ok;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    if (!b->ok) return;
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->ok = false;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static void sb_add_escaped(sbuf *b, const char *s)
{
    char *e = ct_api_escape(s);
    if (!e) {
        b->ok = false;
        return;
    }
    sb_add(b, e);
    free(e);
}

ct_err ct_api_url(const char *base, const char *path, const ct_query_param *q, size_t nq,
                  char **out, ct_error *err)
{
    *out = NULL;
    if (!base || !*base || !path || path[0] != '/')
        return ct_error_set(err, CT_EINVAL, "a request URL needs a base URL and a path");
    sbuf b = {.ok = true};
    sb_add(&b, base);
    while (b.ok && b.len > 0 && b.s[b.len - 1] == '/') b.s[--b.len] = '\0';
    sb_add(&b, path);
    char sep = '?';
    for (size_t i = 0; i < nq; i++) {
        if (!q[i].value) continue;
        char s[2] = {sep, 0};
        sb_add(&b, s);
        sb_add_escaped(&b, q[i].name);
        sb_add(&b, "=");
        sb_add_escaped(&b, q[i].value);
        sep = '&';
    }
    if (!b.ok) {
        free(b.s);
        return ct_error_set(err, CT_ENOMEM, "out of memory building a URL");
    }
    *out = b.s;
    return CT_OK;
}

/* Splits an absolute http(s) URL into its origin. Conservative on purpose:
 * anything unusual (userinfo, odd host characters, a bad port) makes it
 * unparsable, and an unparsable URL never gets the token. */
static bool parse_origin(const char *url, char *scheme, size_t scap, char *host, size_t hcap,
                         int *port)
{
    if (!url) return false;
    const char *sep = strstr(url, "://");
    if (!sep || (size_t)(sep - url) >= scap || sep == url) return false;
    size_t sl = (size_t)(sep - url);
    for (size_t i = 0; i < sl; i++) scheme[i] = (char)tolower((unsigned char)url[i]);
    scheme[sl] = '\0';
    int defport;
    if (strcmp(scheme, "http") == 0) defport = 80;
    else if (strcmp(scheme, "https") == 0) defport = 443;
    else return false;

    const char *a = sep + 3;
    size_t alen = strcspn(a, "/?#");
    if (alen == 0 || memchr(a, '@', alen)) return false;
    const char *h = a, *hend, *colon = NULL;
    if (*a == '[') {
        const char *rb = memchr(a, ']', alen);
        if (!rb) return false;
        hend = rb + 1;
        if (hend < a + alen) {
            if (*hend != ':') return false;
            colon = hend;
        }
    } else {
        colon = memchr(a, ':', alen);
        hend = colon ? colon : a + alen;
    }
    size_t hl = (size_t)(hend - h);
    if (hl == 0 || hl >= hcap) return false;
    for (size_t i = 0; i < hl; i++) {
        unsigned char c = (unsigned char)h[i];
        bool ok = isalnum(c) || c == '.' || c == '-' || c == '_' ||
            (*a == '[' && (c == '[' || c == ']' || c == ':'));
        if (!ok) return false;
        host[i] = (char)tolower(c);
    }
    host[hl] = '\0';

    *port = defport;
    if (colon) {
        const char *pe = a + alen, *pp = colon + 1;
        if (pp < pe) {
            long v = 0;
            for (; pp < pe; pp++) {
                if (!isdigit((unsigned char)*pp)) return false;
                v = v * 10 + (*pp - '0');
                if (v > 65535) return false;
            }
            if (v == 0) return false;
            *port = (int)v;
        }
    }
    return true;
}

bool ct_api_same_origin(const char *url, const char *base)
{
    char s1[8], s2[8], h1[256], h2[256];
    int p1, p2;
    if (!parse_origin(url, s1, sizeof s1, h1, sizeof h1, &p1) ||
        !parse_origin(base, s2, sizeof s2, h2, sizeof h2, &p2))
        return false;
    return strcmp(s1, s2) == 0 && strcmp(h1, h2) == 0 && p1 == p2;
}

/* ---- requests ------------------------------------------------------------ */

void ct_api_request_clear(ct_api_request *r)
{
    if (!r) return;
    free(r->url);
    free(r->body);
    memset(r, 0, sizeof *r);
}

const char *ct_api_kind_name(int kind)
{
    switch (kind) {
    case CT_API_LIST_CALLS: return "list calls";
    case CT_API_GET_CALL: return "get call";
    case CT_API_CONNECT: return "connect call";
    case CT_API_CREATE: return "create call";
    case CT_API_CONTROL: return "control call";
    case CT_API_NUMBERS: return "list numbers";
    case CT_API_ASSISTANT: return "get assistant";
    }
    return "request";
}

static void req_init(ct_api_request *out, int kind, bool post)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    out->post = post;
    out->idempotent = !post;
}

#define CT_STR2(x) #x
#define CT_STR(x)  CT_STR2(x)

/* Why an id may not be used as a path segment, or NULL when it may. */
static const char *id_problem(const char *id)
{
    if (!id || !*id) return "an id is required";
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return "'.' and '..' are not ids (they would change the request's path)";
    size_t n = strlen(id);
    if (n > CT_CALL_ID_MAX)
        return "the id is too long: an id has at most " CT_STR(CT_CALL_ID_MAX) " bytes";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (c == '/' || c == '\\') return "an id may not contain '/' or '\\'";
        if (c < 0x20 || c == 0x7f) return "an id may not contain control characters";
        /* C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 */
        if (c == 0xC2 && i + 1 < n && (unsigned char)id[i + 1] >= 0x80 &&
            (unsigned char)id[i + 1] <= 0x9F)
            return "an id may not contain control characters";
    }
    return NULL;
}

bool ct_api_call_id_valid(const char *id)
{
    return id_problem(id) == NULL;
}

ct_err ct_api_check_id(const char *what, const char *id, ct_error *err)
{
    const char *why = id_problem(id);
    if (!why) return CT_OK;
    return ct_error_set(err, CT_EINVAL, "%s: %s", what, why);
}

/* base + prefix + escaped(id) + suffix */
static ct_err id_url(const char *base, const char *prefix, const char *id, const char *suffix,
                     const char *what, char **out, ct_error *err)
{
    ct_err bad = ct_api_check_id(what, id, err);
    if (bad != CT_OK) return bad;
    sbuf p = {.ok = true};
    sb_add(&p, prefix);
    sb_add_escaped(&p, id);
    sb_add(&p, suffix);
    if (!p.ok) {
        free(p.s);
        return ct_error_set(err, CT_ENOMEM, "out of memory building a URL");
    }
    ct_err rc = ct_api_url(base, p.s, NULL, 0, out, err);
    free(p.s);
    return rc;
}

ct_err ct_api_list_calls(const char *base, ct_time_ms start, ct_time_ms end, int page, int size,
                         ct_api_request *out, ct_error *err)
{
    req_init(out, CT_API_LIST_CALLS, false);
    if (start <= 0 || end < start || page < 1 || size < 1)
        return ct_error_set(err, CT_EINVAL, "list calls: bad time window or page");
    char s[32], e[32], pg[16], sz[16];
    ct_time_format_iso(start, s, sizeof s);
    ct_time_format_iso(end, e, sizeof e);
    snprintf(pg, sizeof pg, "%d", page);
    snprintf(sz, sizeof sz, "%d", size);
    const ct_query_param q[] = {
        {"startDate", s}, {"endDate", e}, {"page", pg}, {"size", sz}, {"sort", "startAt"},
    };
    return ct_api_url(base, "/calls/v1/conversations", q, sizeof q / sizeof q[0], &out->url, err);
}

ct_err ct_api_get_call(const char *base, const char *call_id, ct_api_request *out, ct_error *err)
{
    req_init(out, CT_API_GET_CALL, false);
    return id_url(base, "/calls/v1/conversations/", call_id, "", "get call", &out->url, err);
}

ct_err ct_api_connect(const char *base, const ct_connect_request *r, ct_api_request *out,
                      ct_error *err)
{
    req_init(out, CT_API_CONNECT, true);
    ct_err rc = ct_connect_request_encode(r, &out->body, err);
    if (rc == CT_OK)
        rc = ct_api_url(base, "/calls/v1/conversations/connect", NULL, 0, &out->url, err);
    if (rc != CT_OK) ct_api_request_clear(out);
    return rc;
}

ct_err ct_api_create(const char *base, const ct_create_request *r, ct_api_request *out,
                     ct_error *err)
{
    req_init(out, CT_API_CREATE, true);
    ct_err rc = ct_create_request_encode(r, &out->body, err);
    if (rc == CT_OK) rc = ct_api_url(base, "/calls/v1/conversations", NULL, 0, &out->url, err);
    if (rc != CT_OK) ct_api_request_clear(out);
    return rc;
}

ct_err ct_api_control(const char *base, const char *call_id, const ct_control_request *r,
                      ct_api_request *out, ct_error *err)
{
    req_init(out, CT_API_CONTROL, true);
    ct_err rc = ct_control_request_encode(r, &out->body, err);
    if (rc == CT_OK)
        rc = id_url(base, "/calls/v1/conversations/", call_id, "/control", "control call",
                    &out->url, err);
    if (rc != CT_OK) ct_api_request_clear(out);
    return rc;
}

ct_err ct_api_numbers(const char *base, ct_api_request *out, ct_error *err)
{
    req_init(out, CT_API_NUMBERS, false);
    return ct_api_url(base, "/assistants/v1/numbers", NULL, 0, &out->url, err);
}

ct_err ct_api_assistant(const char *base, const char *assistant_id, ct_api_request *out,
                        ct_error *err)
{
    req_init(out, CT_API_ASSISTANT, false);
    return id_url(base, "/assistants/v1/assistants/", assistant_id, "", "get assistant", &out->url,
                  err);
}

/* ---- responses ----------------------------------------------------------- */

/* Copies server text into a detail: control characters become spaces and
 * the copy is cut at a UTF-8 character boundary. */
void ct_api_clean_copy(char *dst, size_t cap, const char *src, size_t max)
{
    size_t n = 0;
    if (cap == 0) return;
    if (max > cap - 1) max = cap - 1;
    for (; src && src[n] && n < max; n++) {
        unsigned char c = (unsigned char)src[n];
        dst[n] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    /* Cut before src[n]: if that byte continues a character, the character
     * began inside the copy, so drop its lead and continuation bytes too. */
    if (src && src[n])
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    dst[n] = '\0';
}

static void append(char *out, size_t cap, const char *s)
{
    size_t len = strlen(out);
    if (len + 1 >= cap) return;
    ct_api_clean_copy(out + len, cap - len, s, cap - len - 1);
}

/* One loc element as text: strings verbatim, numbers as integers. */
static void loc_part(const cJSON *it, char *buf, size_t cap)
{
    if (cJSON_IsString(it)) snprintf(buf, cap, "%s", it->valuestring);
    else if (cJSON_IsNumber(it)) snprintf(buf, cap, "%.0f", it->valuedouble);
    else snprintf(buf, cap, "?");
}

static bool is_loc_prefix(const char *s)
{
    return strcmp(s, "body") == 0 || strcmp(s, "query") == 0 || strcmp(s, "path") == 0 ||
        strcmp(s, "header") == 0;
}

static void format_loc(const cJSON *loc, char *out, size_t cap)
{
    out[0] = '\0';
    if (cJSON_IsString(loc)) {
        ct_api_clean_copy(out, cap, loc->valuestring, cap - 1);
        return;
    }
    if (!cJSON_IsArray(loc)) return;
    int n = cJSON_GetArraySize(loc), i = 0;
    const cJSON *first = cJSON_GetArrayItem(loc, 0);
    if (n > 1 && cJSON_IsString(first) && is_loc_prefix(first->valuestring)) i = 1;
    for (; i < n; i++) {
        char part[128];
        loc_part(cJSON_GetArrayItem(loc, i), part, sizeof part);
        if (out[0]) append(out, cap, ".");
        append(out, cap, part);
    }
}

static bool format_item(const cJSON *item, char *out, size_t cap, char *field, size_t fcap,
                        bool first)
{
    char loc[128];
    const cJSON *msg;
    if (cJSON_IsString(item)) {
        if (!first) append(out, cap, "; ");
        append(out, cap, item->valuestring);
        return true;
    }
    if (!cJSON_IsObject(item)) return false;
    format_loc(cJSON_GetObjectItemCaseSensitive(item, "loc"), loc, sizeof loc);
    msg = cJSON_GetObjectItemCaseSensitive(item, "msg");
    if (!cJSON_IsString(msg)) msg = cJSON_GetObjectItemCaseSensitive(item, "message");
    if (!loc[0] && !cJSON_IsString(msg)) return false;
    if (!first) append(out, cap, "; ");
    if (loc[0]) {
        append(out, cap, loc);
        if (cJSON_IsString(msg)) append(out, cap, ": ");
        if (first && field && fcap) ct_api_clean_copy(field, fcap, loc, fcap - 1);
    }
    append(out, cap, cJSON_IsString(msg) ? msg->valuestring : ": invalid");
    return true;
}

bool ct_api_format_validation(const char *body, size_t len, char *out, size_t cap, char *field,
                              size_t field_cap)
{
    if (cap) out[0] = '\0';
    if (field && field_cap) field[0] = '\0';
    if (!body || !cap) return false;
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc) return false;
    bool any = false;
    const cJSON *d = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "detail") : NULL;
    if (cJSON_IsArray(d)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, d) if (format_item(it, out, cap, field, field_cap, !any)) any = true;
    } else if (cJSON_IsString(d) || cJSON_IsObject(d)) {
        any = format_item(d, out, cap, field, field_cap, true);
    } else if (cJSON_IsObject(doc)) {
        /* no `detail`: a plain {"message": "..."} still says something */
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
        if (cJSON_IsString(m)) {
            append(out, cap, m->valuestring);
            any = true;
        }
    }
    cJSON_Delete(doc);
    if (!any && cap) out[0] = '\0';
    return any;
}

/* The server's own one-line reason, if the body is JSON that has one. */
static void server_reason(const char *body, size_t len, char *out, size_t cap)
{
    out[0] = '\0';
    if (!body || !len) return;
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return;
    }
    static const char *const keys[] = {"detail", "message", "error"};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);
        if (cJSON_IsString(v) && v->valuestring[0]) {
            ct_api_clean_copy(out, cap, v->valuestring, 200);
            break;
        }
    }
    cJSON_Delete(doc);
}

ct_err ct_api_map_http(int status, const char *body, size_t len, const char *retry_after,
                       time_t now, ct_error *err)
{
    ct_error tmp;
    if (!err) err = &tmp;
    ct_error_clear(err);
    err->http_status = status;
    if (status >= 200 && status < 300) return CT_OK;
    err->retry_after_s = ct_api_retry_after_parse(retry_after, now);

    char reason[256];
    if (status == 422 || status == 400) {
        char msg[sizeof err->detail - 16];
        if (ct_api_format_validation(body, len, msg, sizeof msg, err->field, sizeof err->field))
            return ct_error_set(err, CT_EVALIDATION, "%s", msg);
        return ct_error_set(err, CT_EVALIDATION, "HTTP %d", status);
    }
    ct_err code;
    if (status == 401 || status == 403) code = CT_EAUTH;
    else if (status == 404) code = CT_ENOTFOUND;
    else if (status == 408) code = CT_ETIMEOUT;
    else if (status == 429) code = CT_ERATELIMIT;
    else if (status >= 500 && status <= 599) code = CT_ESERVER;
    else code = CT_EHTTP;
    server_reason(body, len, reason, sizeof reason);
    const char *extra = "";
    if (status >= 300 && status < 400) extra = " (redirects are not followed)";
    if (reason[0]) ct_error_set(err, code, "HTTP %d%s: %s", status, extra, reason);
    else ct_error_set(err, code, "HTTP %d%s", status, extra);
    if (code == CT_ERATELIMIT && err->retry_after_s >= 0) {
        size_t l = strlen(err->detail);
        snprintf(err->detail + l, sizeof err->detail - l, " (retry after %d s)",
                 err->retry_after_s);
    }
    return code;
}

void ct_api_explain_not_found(int kind, const char *base, ct_error *err)
{
    if (!err || err->code != CT_ENOTFOUND || !base ||
        (kind != CT_API_LIST_CALLS && kind != CT_API_NUMBERS))
        return;
    /* scheme://host[:port]/path without user:pass@ and without ?query#frag */
    char shown[256];
    const char *sep = strstr(base, "://");
    const char *host = sep ? sep + 3 : base;
    size_t auth_len = strcspn(host, "/?#");
    const char *at = memrchr(host, '@', auth_len);
    size_t o = 0;
    for (const char *p = base; p < host && o + 1 < sizeof shown; p++) shown[o++] = *p;
    for (const char *p = at ? at + 1 : host; *p && *p != '?' && *p != '#' && o + 1 < sizeof shown;
         p++)
        shown[o++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    shown[o] = '\0';
    int status = err->http_status;
    ct_error_set(err, CT_ECONFIG,
                 "--base-url is probably wrong: %s answered HTTP %d to %s, "
                 "a path every Interactly API has",
                 shown, status, ct_api_kind_name(kind));
    err->http_status = status;
}

/* OpenSSL's X509_V_ERR_* values (stable ABI numbers), so core needs no
 * OpenSSL header. */
enum {
    X509_UNABLE_TO_GET_ISSUER = 2,
    X509_NOT_YET_VALID = 9,
    X509_EXPIRED = 10,
    X509_SELF_SIGNED = 18,
    X509_SELF_SIGNED_IN_CHAIN = 19,
    X509_ISSUER_LOCALLY = 20,
    X509_UNABLE_TO_VERIFY_LEAF = 21,
    X509_HOSTNAME_MISMATCH = 62,
    X509_IP_MISMATCH = 64,
};

const char *ct_api_tls_words(long verify, const char *text, bool have_ca_file)
{
    const char *t = text ? text : "";
    /* advice: where the trust comes from */
#define TRUST(x)                                                  \
    (have_ca_file ? x ": the ca-file given does not vouch for it" \
                  : x ": trust its CA with --ca-file FILE (or ca-file in the config)")
    if (verify == X509_SELF_SIGNED || strstr(t, "self-signed certificate") ||
        strstr(t, "self signed certificate"))
        return verify == X509_SELF_SIGNED_IN_CHAIN || strstr(t, "in certificate chain")
            ? TRUST("the server's certificate chain ends in a self-signed CA that is not trusted")
            : TRUST("the server's certificate is self-signed");
    if (verify == X509_SELF_SIGNED_IN_CHAIN)
        return TRUST("the server's certificate chain ends in a self-signed CA that is not trusted");
    if (verify == X509_ISSUER_LOCALLY || verify == X509_UNABLE_TO_GET_ISSUER ||
        verify == X509_UNABLE_TO_VERIFY_LEAF || strstr(t, "unable to get local issuer") ||
        strstr(t, "unable to get issuer"))
        return TRUST("the server's certificate is signed by an unknown CA");
    if (verify == X509_EXPIRED || strstr(t, "certificate has expired"))
        return "the server's certificate has expired (check the server, and this machine's clock)";
    if (verify == X509_NOT_YET_VALID || strstr(t, "certificate is not yet valid"))
        return "the server's certificate is not valid yet (check this machine's clock)";
    if (verify == X509_HOSTNAME_MISMATCH || verify == X509_IP_MISMATCH ||
        strstr(t, "does not match target host") || strstr(t, "subject name matches target host") ||
        strstr(t, "hostname mismatch") || strstr(t, "IP address mismatch"))
        return "hostname mismatch: the server's certificate is for another name than the one "
               "in the URL";
    if (strstr(t, "error setting certificate file") || strstr(t, "CAfile") ||
        strstr(t, "error reading CA"))
        return "the ca-file cannot be read as PEM certificates";
#undef TRUST
    return NULL;
}

void ct_api_explain_tls(long verify, const char *text, bool have_ca_file, ct_error *err)
{
    if (!err || err->code != CT_ETLS) return;
    const char *words = ct_api_tls_words(verify, text, have_ca_file);
    if (!words) return;
    char was[sizeof err->detail];
    snprintf(was, sizeof was, "%s", err->detail);
    int status = err->http_status;
    ct_error_set(err, CT_ETLS, "%s (%s)", words, was);
    err->http_status = status;
}

ct_err ct_api_control_result(const char *body, size_t len, ct_error *err)
{
    if (!body || len == 0) /* an empty 2xx: accepted */
        return CT_OK;
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc) return ct_error_set(err, CT_EMALFORMED, "control response is not JSON");
    ct_err rc = CT_OK;
    const cJSON *data = cJSON_IsObject(doc) ? cJSON_GetObjectItemCaseSensitive(doc, "data") : NULL;
    const cJSON *ok =
        cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "success") : NULL;
    if (cJSON_IsFalse(ok)) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(doc, "message");
        char msg[256] = "";
        if (cJSON_IsString(m)) ct_api_clean_copy(msg, sizeof msg, m->valuestring, 200);
        rc = ct_error_set(err, CT_EVALIDATION, "the server did not carry out the action%s%s",
                          msg[0] ? ": " : "", msg);
    }
    cJSON_Delete(doc);
    return rc;
}

/* ---- retries ------------------------------------------------------------- */

/* ---- HTTP dates ----------------------------------------------------------- */

/* A fixed parser for the three HTTP-date forms of RFC 9110 §5.6.7, with the
 * English day and month names the RFC mandates. Not strptime: calltop calls
 * setlocale(LC_ALL, ""), and %a/%b then follow the user's language; and
 * strptime + timegm accept dates that do not exist (31 Feb) by rolling them
 * over. Every field here has its fixed width and range. */
static const char *const wkday_short[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const wkday_long[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
static const char *const month_name[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* n decimal digits at *p (a leading space allowed when pad_space). */
static bool digits(const char **p, int n, bool pad_space, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (pad_space && i == 0 && n == 2 && c == ' ') continue;
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool lit(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n) != 0) return false;
    *p += n;
    return true;
}

static int name_index(const char **p, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (lit(p, names[i])) return i;
    return -1;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's algorithm). */
static long long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static bool valid_date(int y, int mon, int d, int h, int mi, int sec)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = mdays[mon] + (mon == 1 && leap);
    return y >= 1970 && d >= 1 && d <= dim && h <= 23 && mi <= 59 && sec <= 60;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT" or
 * "Sun Nov  6 08:49:37 1994" -> seconds since the epoch (UTC). */
static bool http_date_parse(const char *v, time_t *out)
{
    const char *p = v;
    int y, mon, d, h, mi, sec;
    if (name_index(&p, wkday_long, 7) >= 0) { /* RFC 850 */
        if (!lit(&p, ", ") || !digits(&p, 2, false, &d) || !lit(&p, "-") ||
            (mon = name_index(&p, month_name, 12)) < 0 || !lit(&p, "-") ||
            !digits(&p, 2, false, &y) || !lit(&p, " "))
            return false;
        y += y < 70 ? 2000 : 1900; /* two-digit year: RFC 9110 allows this reading */
    } else if (name_index(&p, wkday_short, 7) >= 0) {
        if (lit(&p, ", ")) { /* IMF-fixdate */
            if (!digits(&p, 2, false, &d) || !lit(&p, " ") ||
                (mon = name_index(&p, month_name, 12)) < 0 || !lit(&p, " ") ||
                !digits(&p, 4, false, &y) || !lit(&p, " "))
                return false;
        } else if (lit(&p, " ")) { /* asctime */
            if ((mon = name_index(&p, month_name, 12)) < 0 || !lit(&p, " ") ||
                !digits(&p, 2, true, &d) || !lit(&p, " "))
                return false;
            y = -1;
        } else {
            return false;
        }
    } else {
        return false;
    }
    if (!digits(&p, 2, false, &h) || !lit(&p, ":") || !digits(&p, 2, false, &mi) || !lit(&p, ":") ||
        !digits(&p, 2, false, &sec))
        return false;
    if (y < 0) {
        if (!lit(&p, " ") || !digits(&p, 4, false, &y)) return false;
    } else if (!lit(&p, " GMT")) {
        return false;
    }
    if (*p || !valid_date(y, mon, d, h, mi, sec)) return false;
    long long days = days_from_civil(y, mon + 1, d);
    *out = (time_t)(days * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 : sec));
    return true;
}

int ct_api_retry_after_parse(const char *value, time_t now)
{
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    size_t n = strlen(value);
    while (n > 0 &&
           (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
            value[n - 1] == '\n'))
        n--;
    if (n == 0 || n >= 64) return -1;
    char v[64];
    memcpy(v, value, n);
    v[n] = '\0';

    if (isdigit((unsigned char)v[0])) {
        long s = 0;
        for (const char *p = v; *p; p++) {
            if (!isdigit((unsigned char)*p)) return -1;
            if (s < INT_MAX / 10) s = s * 10 + (*p - '0');
            else s = INT_MAX;
        }
        return s > INT_MAX ? INT_MAX : (int)s;
    }
    time_t t;
    if (!http_date_parse(v, &t)) return -1;
    if (t <= now) return 0;
    double d = difftime(t, now);
    return d > INT_MAX ? INT_MAX : (int)d;
}

uint64_t ct_api_rand(uint64_t *rng)
{
    /* xorshift64*: plenty for jitter, and reproducible in tests. */
    uint64_t x = *rng ? *rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *rng = x;
    return x * 0x2545F4914F6CDD1Dull;
}

long ct_api_backoff_ms(int attempt, long base_ms, long cap_ms, uint64_t *rng)
{
    if (base_ms < 1) base_ms = 1;
    if (cap_ms < base_ms) cap_ms = base_ms;
    long ceil = cap_ms;
    if (attempt < 0) attempt = 0;
    if (attempt < 30 && base_ms <= (cap_ms >> attempt)) ceil = base_ms << attempt;
    return (long)(ct_api_rand(rng) % (uint64_t)(ceil + 1));
}

long ct_api_retry_delay_ms(const ct_error *e, bool idempotent, int attempt,
                           const ct_retry_policy *p, uint64_t *rng)
{
    if (!idempotent || !e || !ct_err_is_transient(e->code) || attempt >= p->max_retries) return -1;
    if ((e->code == CT_ERATELIMIT || e->code == CT_ESERVER) && e->retry_after_s >= 0) {
        if (e->retry_after_s > p->max_retry_after_s) return -1;
        return (long)e->retry_after_s * 1000;
    }
    return ct_api_backoff_ms(attempt, p->base_ms, p->cap_ms, rng);
}

/* ---- list calls page walk ------------------------------------------------ */

void ct_list_plan_init(ct_list_plan *p, ct_time_ms start, ct_time_ms end, ct_time_ms now,
                       ct_time_ms margin_ms, int page_size, int max_pages)
{
    memset(p, 0, sizeof *p);
    p->start = start;
    p->end = end < now + margin_ms ? now + margin_ms : end;
    p->page_size = page_size > 0 ? page_size : 100;
    p->max_pages = max_pages > 0 ? max_pages : 200;
    p->page = 1;
    p->total_count = -1;
}

int ct_list_plan_next(ct_list_plan *p, size_t n_items, long total_count)
{
    if (p->page == 0) return 0;
    p->seen += n_items;
    if (total_count >= 0) p->total_count = total_count;
    bool more;
    if (n_items == 0) more = false;
    else if (p->total_count >= 0) more = p->seen < (size_t)p->total_count;
    else more = n_items >= (size_t)p->page_size; /* no count: a full page hints at more */
    if (!more) {
        p->page = 0;
        return 0;
    }
    if (p->page >= p->max_pages) {
        p->truncated = true;
        p->page = 0;
        return 0;
    }
    return ++p->page;
}

struct ct_list_absorber {
    const char **slot; /* open addressing; borrows the ids acc's calls own */
    size_t cap, n;     /* slots (a power of two), ids held */
    size_t room;       /* calls acc->calls has room for */
};

ct_list_absorber *ct_list_absorber_new(void)
{
    return calloc(1, sizeof(ct_list_absorber));
}

void ct_list_absorber_free(ct_list_absorber *a)
{
    if (!a) return;
    free(a->slot);
    free(a);
}

/* Adds id to the set; false when it was already there. */
static bool set_add(const char **slot, size_t cap, const char *id)
{
    size_t h = (size_t)ct_hash_str(id) & (cap - 1);
    while (slot[h]) {
        if (strcmp(slot[h], id) == 0) return false;
        h = (h + 1) & (cap - 1);
    }
    slot[h] = id;
    return true;
}

/* Room for `more` ids at a load of at most one half. */
static bool set_reserve(ct_list_absorber *a, size_t more)
{
    size_t cap = a->cap ? a->cap : 16;
    while (cap < (a->n + more) * 2) cap *= 2;
    if (cap == a->cap) return true;
    const char **slot = calloc(cap, sizeof *slot);
    if (!slot) return false;
    for (size_t i = 0; i < a->cap; i++)
        if (a->slot[i]) set_add(slot, cap, a->slot[i]);
    free(a->slot);
    a->slot = slot;
    a->cap = cap;
    return true;
}

int ct_call_list_order(const ct_call_list *page)
{
    /* The first and last start times with a value: a page is sorted, so
     * comparing its ends is enough (ties say nothing). */
    ct_time_ms first = 0, last = 0;
    for (size_t i = 0; i < page->n_calls; i++)
        if (page->calls[i].present & CT_F_START) {
            if (!first) first = page->calls[i].start_at;
            last = page->calls[i].start_at;
        }
    if (!first || first == last) return 0;
    return first < last ? 1 : -1;
}

int ct_list_plan_rest(ct_list_plan *p, int order, int *out, int cap)
{
    if (p->total_count < 0 || p->page_size < 1) return 0;
    long pages = (p->total_count + p->page_size - 1) / p->page_size;
    long from = 2, to = pages;
    if (pages > p->max_pages) {
        p->truncated = true;
        if (order > 0) from = pages - p->max_pages + 1; /* page 1 (the oldest) is then dropped */
        else to = p->max_pages;
    }
    int n = 0;
    for (long pg = from; pg <= to && n < cap; pg++) out[n++] = (int)pg;
    return n;
}

int ct_list_plan_repair(const ct_list_plan *p, const int *pages, const long *totals, int n,
                        long max_total, int *out, int cap)
{
    int k = 0;
    long last = 0; /* the highest page in out: out stays ascending, without repeats */
    long size = p->page_size > 0 ? p->page_size : 1;
    for (int i = 0; i + 1 < n && k < cap; i++) {
        if (pages[i + 1] != pages[i] + 1 || totals[i] <= totals[i + 1]) continue;
        /* A call the next page missed was before the border when that page
         * was read; since then at most max_total - totals[i + 1] calls
         * arrived ahead of it, so it is now within that many places after
         * the border: read the pages covering them. */
        long span = max_total - totals[i + 1];
        long from = pages[i] + 1, to = pages[i] + (span + size - 1) / size;
        for (long pg = from > last ? from : last + 1; pg <= to && pg <= p->max_pages && k < cap;
             pg++)
            out[k++] = (int)(last = pg);
    }
    if (n > 0 && !p->truncated) {
        long needed = (max_total + size - 1) / size;
        long from = pages[n - 1] + 1;
        for (long pg = from > last ? from : last + 1; pg <= needed && pg <= p->max_pages && k < cap;
             pg++)
            out[k++] = (int)(last = pg);
    }
    return k;
}

int ct_list_smaller_size(const ct_error *e, int size)
{
    if (!e || e->code != CT_EVALIDATION || strcmp(e->field, "size") != 0 || size <= 1) return 0;
    /* pydantic says "ensure this value is less than or equal to 50" */
    static const char le[] = "less than or equal to ";
    const char *at = strstr(e->detail, le);
    if (at) {
        long cap = strtol(at + sizeof le - 1, NULL, 10);
        if (cap >= 1 && cap < size) return (int)cap;
    }
    return size / 2;
}

ct_time_ms ct_list_hot_start(const ct_call *calls, size_t n, ct_time_ms now, ct_time_ms settle_ms,
                             ct_time_ms margin_ms)
{
    ct_time_ms oldest = now;
    for (size_t i = 0; i < n; i++) {
        const ct_call *c = &calls[i];
        if (!(c->present & CT_F_START)) continue;
        bool unsettled = ct_call_is_live(c) ||
            ((c->present & CT_F_END) && !(c->present & CT_F_ANALYSIS) &&
             now - c->end_at < settle_ms);
        if (unsettled && c->start_at < oldest) oldest = c->start_at;
    }
    return oldest - margin_ms;
}

size_t ct_list_unmentioned(const ct_call_list *listed, const char *const *known_live,
                           size_t n_known, size_t *out_idx)
{
    /* A set of the listed ids, so this costs the list's size plus the
     * known ids', not their product. */
    size_t cap = 16, n_out = 0;
    while (cap < listed->n_calls * 2) cap *= 2;
    const char **slot = calloc(cap, sizeof *slot);
    for (size_t i = 0; slot && i < listed->n_calls; i++)
        if (listed->calls[i].id) set_add(slot, cap, listed->calls[i].id);
    for (size_t k = 0; k < n_known; k++) {
        if (!known_live[k]) continue;
        bool found = false;
        if (slot) {
            size_t h = (size_t)ct_hash_str(known_live[k]) & (cap - 1);
            for (; slot[h]; h = (h + 1) & (cap - 1))
                if (strcmp(slot[h], known_live[k]) == 0) {
                    found = true;
                    break;
                }
        } else { /* out of memory for the set: the slow way */
            for (size_t i = 0; i < listed->n_calls && !found; i++)
                found = listed->calls[i].id && strcmp(listed->calls[i].id, known_live[k]) == 0;
        }
        if (!found) out_idx[n_out++] = k;
    }
    free(slot);
    return n_out;
}

ct_err ct_call_list_absorb(ct_call_list *acc, ct_call_list *page, ct_list_absorber *a)
{
    if (page->n_calls == 0) goto done;
    /* Pages of a live list overlap when new calls push older ones onto the
     * next page: the absorber remembers every id taken so far, so each page
     * costs its own size, not the size of everything before it. */
    size_t total = acc->n_calls + page->n_calls;
    if (total > a->room) {
        size_t room = a->room ? a->room : 64;
        while (room < total) room *= 2;
        ct_call *grown = realloc(acc->calls, room * sizeof *grown);
        if (!grown) return CT_ENOMEM;
        acc->calls = grown;
        a->room = room;
    }
    if (!set_reserve(a, page->n_calls)) return CT_ENOMEM;
    for (size_t i = 0; i < page->n_calls; i++) {
        ct_call *c = &page->calls[i];
        /* a call without an id cannot be deduplicated: keep it */
        if (c->id) {
            if (!set_add(a->slot, a->cap, c->id)) {
                ct_call_clear(c);
                continue;
            }
            a->n++;
        }
        acc->calls[acc->n_calls++] = *c;
        memset(c, 0, sizeof *c);
    }
done:
    acc->n_skipped += page->n_skipped;
    if (acc->first_skip.code == CT_OK && page->first_skip.code != CT_OK)
        acc->first_skip = page->first_skip;
    if (page->total_count >= 0) acc->total_count = page->total_count;
    ct_call_list_clear(page);
    return CT_OK;
}

struct ct_raw_calls {
    cJSON *items; /* every page's call objects, in arrival order */
};

ct_raw_calls *ct_raw_calls_new(void)
{
    ct_raw_calls *r = calloc(1, sizeof *r);
    if (r && !(r->items = cJSON_CreateArray())) {
        free(r);
        return NULL;
    }
    return r;
}

void ct_raw_calls_free(ct_raw_calls *r)
{
    if (!r) return;
    cJSON_Delete(r->items);
    free(r);
}

ct_err ct_raw_calls_add_page(ct_raw_calls *r, const char *body, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength(body, len);
    if (!doc) return CT_OK; /* not JSON: the decoder names the problem */
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "conversations");
    if (cJSON_IsArray(arr)) {
        cJSON *item;
        while ((item = cJSON_DetachItemFromArray(arr, 0))) cJSON_AddItemToArray(r->items, item);
    }
    cJSON_Delete(doc);
    return CT_OK;
}

typedef struct raw_slot {
    const char *id;
    const cJSON *item;
} raw_slot;

/* The slot holding id, or the empty slot where it would go. */
static raw_slot *raw_find(raw_slot *slot, size_t cap, const char *id)
{
    size_t h = (size_t)ct_hash_str(id) & (cap - 1);
    while (slot[h].id && strcmp(slot[h].id, id) != 0) h = (h + 1) & (cap - 1);
    return &slot[h];
}

char *ct_raw_calls_pick(const ct_raw_calls *r, const ct_call_list *l)
{
    /* id -> first raw object: open addressing over a power-of-two table */
    size_t n_raw = (size_t)cJSON_GetArraySize(r->items), cap = 16;
    while (cap < n_raw * 2) cap *= 2;
    raw_slot *slot = calloc(cap, sizeof *slot);
    cJSON *out = cJSON_CreateArray();
    char *text = NULL;
    if (!slot || !out) goto done;
    const cJSON *item;
    cJSON_ArrayForEach(item, r->items)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "id"));
        if (!id) continue;
        raw_slot *s = raw_find(slot, cap, id);
        if (!s->id) *s = (raw_slot){id, item};
    }
    for (size_t i = 0; i < l->n_calls; i++) {
        const ct_call *c = &l->calls[i];
        const cJSON *raw = c->id ? raw_find(slot, cap, c->id)->item : NULL;
        cJSON *one = raw ? cJSON_Duplicate(raw, true) : ct_call_to_json(c);
        if (!one) goto done;
        cJSON_AddItemToArray(out, one);
    }
    text = cJSON_PrintUnformatted(out);
done:
    free(slot);
    cJSON_Delete(out);
    return text;
}

void ct_call_list_keep_live(ct_call_list *l)
{
    size_t w = 0;
    for (size_t r = 0; r < l->n_calls; r++) {
        if (ct_call_is_live(&l->calls[r])) l->calls[w++] = l->calls[r];
        else ct_call_clear(&l->calls[r]);
    }
    l->n_calls = w;
}

/* ---- durations ----------------------------------------------------------- */

ct_err ct_api_parse_duration(const char *s, ct_time_ms *out, ct_error *err)
{
    if (!s || !isdigit((unsigned char)*s))
        return ct_error_set(err, CT_EUSAGE, "bad duration '%s' (use e.g. 30m, 2h, 7d)", s ? s : "");
    long long v = 0;
    const char *p = s;
    for (; isdigit((unsigned char)*p); p++) {
        v = v * 10 + (*p - '0');
        if (v > 100000000) return ct_error_set(err, CT_EUSAGE, "duration '%s' is too long", s);
    }
    long long unit;
    switch (*p) {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 3600 * 1000; break;
    case 'd': unit = 86400LL * 1000; break;
    default: unit = 0; break;
    }
    if (!unit || p[1] != '\0' || v == 0)
        return ct_error_set(err, CT_EUSAGE, "bad duration '%s' (use e.g. 30m, 2h, 7d)", s);
    if (v * unit > 400LL * 86400 * 1000)
        return ct_error_set(err, CT_EUSAGE, "duration '%s' is too long (at most 400d)", s);
    *out = v * unit;
    return CT_OK;
}
