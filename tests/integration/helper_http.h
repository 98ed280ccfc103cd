/* helper_http.h — a tiny libcurl HTTP client for integration tests.
 *
 * Usage:
 *     th_response r;
 *     th_get("http://127.0.0.1:8080/assistants/v1/numbers", "demo-key", &r);
 *     assert_int_equal(r.status, 200);    // r.body is NUL-terminated JSON
 *     th_response_free(&r);
 *
 * Every function returns the CURLcode (0 when a response arrived, whatever
 * its status); on failure r.status is 0 and r.curl_code says why (7 refused,
 * 18 partial body, 28 timeout, 52 empty reply). Requests time out after
 * 10 s by default so a test can never hang. Call curl_global_init() once in
 * the test's main() (or let the first call here do it, not thread-safe). */
#ifndef CALLTOP_TEST_HELPER_HTTP_H
#define CALLTOP_TEST_HELPER_HTTP_H

#include <stddef.h>

typedef struct th_response {
    long status;   /* HTTP status; 0 when no response */
    int curl_code; /* CURLcode; 0 = ok */
    char *headers; /* raw header block of the final response, NUL-terminated */
    char *body;    /* NUL-terminated (may contain NULs if the server sent them) */
    size_t body_len;
    double seconds; /* total time of the request */
} th_response;

/* A client keeps its connection alive between requests (keep-alive). */
typedef struct th_client th_client;
th_client *th_client_new(void);
void th_client_free(th_client *c);
void th_client_set_timeout_ms(th_client *c, long ms);

/* `method` "GET"/"POST"/...; `headers` a NULL-terminated array of
 * "Name: value" strings or NULL; `body` NULL for none (sent as is). */
int th_client_request(th_client *c, const char *method, const char *url, const char *const *headers,
                      const char *body, th_response *out);

/* One-shot conveniences (fresh connection each time). `bearer` NULL = no
 * Authorization header. th_post_json adds Content-Type: application/json. */
int th_request(const char *method, const char *url, const char *const *headers, const char *body,
               th_response *out);
int th_get(const char *url, const char *bearer, th_response *out);
int th_post_json(const char *url, const char *bearer, const char *json, th_response *out);

/* Copies header `name`'s value (case-insensitive, trimmed) into buf;
 * returns 1 when present, 0 otherwise. */
int th_header(const th_response *r, const char *name, char *buf, size_t len);
void th_response_free(th_response *r);

#endif
