/* routes.h — calltop-sim's REST surface as a pure function: a parsed
 * request in, a status and JSON body out. http.c does the sockets; this
 * file's counterpart does what Interactly would answer. */
#ifndef CALLTOP_SIM_ROUTES_H
#define CALLTOP_SIM_ROUTES_H

#include <stddef.h>
#include "engine.h"

typedef struct sim_request {
    const char *method;      /* "GET", "POST", ... */
    const char *path;        /* URL-decoded path, no query */
    const char *const *args; /* "name=value", URL-decoded */
    size_t n_args;
    const char *auth; /* Authorization header or NULL */
    const char *body; /* may be NULL */
    size_t body_len;
} sim_request;

typedef struct sim_response {
    int status;
    char *body; /* malloc'd JSON, NUL-terminated */
    size_t body_len;
    const char *hdr_name[2]; /* extra headers ("allow:", "www-authenticate:") */
    const char *hdr_value[2];
} sim_response;

/* Fills `rs` (caller frees rs->body). `api_key` is the only key accepted. */
void sim_route(sim_engine *e, const char *api_key, const sim_request *rq, sim_response *rs);

/* Constant-time string equality (length leaks, content does not). */
int sim_secure_equal(const char *a, const char *b);

/* Sets rs to `status` with {"detail": detail}. */
void sim_response_detail(sim_response *rs, int status, const char *detail);

#define SIM_LIST_MAX_SIZE 100

#endif
