/* helper_http.c — the integration tests' libcurl client (see helper_http.h). */
#include "helper_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "calltop/lws_log.h"

struct th_client {
    CURL *curl;
    long timeout_ms;
};

typedef struct tbuf {
    char *p;
    size_t len;
} tbuf;

/* Test programs choose lws's log once per process, as the real programs
 * do (calltop/lws_log.h): off, so sockets the tests break on purpose do
 * not fill the output with lws's warnings. */
__attribute__((constructor)) static void quiet_lws(void)
{
    ct_lws_log_init(CT_LWS_LOG_OFF);
}

static int buf_add(tbuf *b, const char *s, size_t n)
{
    char *np = realloc(b->p, b->len + n + 1);
    if (!np) return -1;
    b->p = np;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    return buf_add(u, p, sz * n) ? 0 : sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    tbuf *b = u;
    /* A new status line starts a new response (after 100 Continue, redirects). */
    if (sz * n >= 5 && strncmp(p, "HTTP/", 5) == 0) b->len = 0;
    return buf_add(b, p, sz * n) ? 0 : sz * n;
}

th_client *th_client_new(void)
{
    th_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->curl = curl_easy_init();
    c->timeout_ms = 10000;
    if (!c->curl) {
        free(c);
        return NULL;
    }
    return c;
}

void th_client_free(th_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c);
}

void th_client_set_timeout_ms(th_client *c, long ms)
{
    c->timeout_ms = ms;
}

int th_client_request(th_client *c, const char *method, const char *url, const char *const *headers,
                      const char *body, th_response *out)
{
    memset(out, 0, sizeof *out);
    tbuf hb = {0}, bb = {0};
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++) hl = curl_slist_append(hl, headers[i]);
    /* curl adds "Expect: 100-continue" for big bodies; the tests want one round trip. */
    hl = curl_slist_append(hl, "Expect:");
    CURL *h = c->curl;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &bb);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hb);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    curl_easy_setopt(h, CURLOPT_NOBODY, 0L);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    else if (strcmp(method, body ? "POST" : "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hl);
    out->curl_code = (int)rc;
    if (rc == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &out->seconds);
    out->headers = hb.p ? hb.p : calloc(1, 1);
    out->body = bb.p ? bb.p : calloc(1, 1);
    out->body_len = bb.len;
    /* Reset the write targets: they point into this stack frame. */
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    return (int)rc;
}

int th_request(const char *method, const char *url, const char *const *headers, const char *body,
               th_response *out)
{
    th_client *c = th_client_new();
    if (!c) {
        memset(out, 0, sizeof *out);
        out->curl_code = CURLE_OUT_OF_MEMORY;
        return CURLE_OUT_OF_MEMORY;
    }
    int rc = th_client_request(c, method, url, headers, body, out);
    th_client_free(c);
    return rc;
}

static void auth_header(char *buf, size_t len, const char *bearer)
{
    snprintf(buf, len, "Authorization: Bearer %s", bearer);
}

int th_get(const char *url, const char *bearer, th_response *out)
{
    char auth[512];
    const char *h[2] = {NULL, NULL};
    if (bearer) {
        auth_header(auth, sizeof auth, bearer);
        h[0] = auth;
    }
    return th_request("GET", url, h, NULL, out);
}

int th_post_json(const char *url, const char *bearer, const char *json, th_response *out)
{
    char auth[512];
    const char *h[3] = {"Content-Type: application/json", NULL, NULL};
    if (bearer) {
        auth_header(auth, sizeof auth, bearer);
        h[1] = auth;
    }
    return th_request("POST", url, h, json ? json : "", out);
}

int th_header(const th_response *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *line = r->headers; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        if (ll > n && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = (size_t)(line + ll - v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) vl--;
            if (len) snprintf(buf, len, "%.*s", (int)vl, v);
            return 1;
        }
        line = eol ? eol + 1 : NULL;
    }
    return 0;
}

void th_response_free(th_response *r)
{
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}
