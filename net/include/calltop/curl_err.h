/* curl_err.h — libcurl's transfer results in the project's error taxonomy
 * (net layer: only code that links libcurl needs it). */
#ifndef CALLTOP_CURL_ERR_H
#define CALLTOP_CURL_ERR_H

#include "calltop/err.h"

/* Maps a libcurl result code (a CURLcode, as int so callers need not
 * include curl.h) and curl's error buffer text (may be NULL) to err.
 * CURLE_OK clears err and returns CT_OK. */
ct_err ct_curl_map_error(int curl_code, const char *curl_errbuf, ct_error *err);

#endif
