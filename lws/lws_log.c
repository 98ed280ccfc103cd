/* lws_log.c — the one bridge from libwebsockets' log to calltop's. */
#include "calltop/lws_log.h"

#include <libwebsockets.h>
#include <string.h>
#include "calltop/log.h"
#include "calltop/sanitize.h"

static void lws_to_log(int level, const char *line)
{
    /* lws lines end with a newline; ct_log adds its own. */
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    /* lws lines can quote what a peer sent: control bytes and escape
     * sequences go (newlines too), so one line stays one line. */
    char clean[1024];
    ct_sanitize(line, n, clean, sizeof clean, false);
    ct_log(level & LLL_ERR ? CT_LOG_ERROR : CT_LOG_WARN, "lws: %s", clean);
}

void ct_lws_log_init(ct_lws_log_mode mode)
{
    switch (mode) {
    case CT_LWS_LOG_TO_LOG: lws_set_log_level(LLL_ERR | LLL_WARN, lws_to_log); break;
    case CT_LWS_LOG_STDERR:
        lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
        break; /* lws's own emitter */
    case CT_LWS_LOG_OFF:
    default: lws_set_log_level(0, NULL); break;
    }
}
