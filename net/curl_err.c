/* curl_err.c — a libcurl result code -> one ct_error a support person can
 * act on. It lives in net because it needs libcurl's CURLcode values;
 * core's api.c maps HTTP statuses and bodies, which need no library. */
#include "calltop/curl_err.h"

#include <curl/curl.h>
#include "calltop/api.h"

ct_err ct_curl_map_error(int curl_code, const char *curl_errbuf, ct_error *err)
{
    ct_err code;
    const char *what;
    switch ((CURLcode)curl_code) {
    case CURLE_OK:
        if (err) ct_error_clear(err);
        return CT_OK;
    case CURLE_OPERATION_TIMEDOUT:
        code = CT_ETIMEOUT;
        what = "no answer in time";
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        code = CT_EDNS;
        what = "the host name did not resolve";
        break;
    case CURLE_COULDNT_CONNECT:
        code = CT_ECONNECT;
        what = "the connection was refused or unreachable";
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        code = CT_ECONNECT;
        what = "the connection broke mid-request";
        break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        code = CT_ETLS;
        what = "the TLS handshake or certificate check failed";
        break;
    case CURLE_FILESIZE_EXCEEDED:
        code = CT_ETOOBIG;
        what = "the response is larger than the size cap";
        break;
    case CURLE_ABORTED_BY_CALLBACK:
        code = CT_ECANCELLED;
        what = "the transfer was aborted";
        break;
    case CURLE_OUT_OF_MEMORY:
        code = CT_ENOMEM;
        what = "out of memory";
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        code = CT_ECONFIG;
        what = "the base URL is not a usable http(s) URL";
        break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_BAD_CONTENT_ENCODING:
        code = CT_EMALFORMED;
        what = "the server's reply is not valid HTTP";
        break;
    case CURLE_TOO_MANY_REDIRECTS:
        code = CT_EHTTP;
        what = "too many redirects";
        break;
    default:
        code = CT_ECONNECT;
        what = "the transfer failed";
        break;
    }
    if (curl_errbuf && *curl_errbuf) {
        char clean[256];
        ct_api_clean_copy(clean, sizeof clean, curl_errbuf, sizeof clean - 1);
        return ct_error_set(err, code, "%s (%s)", what, clean);
    }
    return ct_error_set(err, code, "%s (curl code %d)", what, curl_code);
}
