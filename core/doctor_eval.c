/* doctor_eval.c — the pure decisions behind `calltop doctor` (see
 * doctor_eval.h); the doctor itself (app/doctor.c) only fetches. */
#include "calltop/doctor_eval.h"

#include <stdio.h>
#include <string.h>

bool ct_doctor_relay_http_base(const char *relay_url, char *out, size_t cap)
{
    static const struct {
        const char *from, *to;
    } schemes[] = {
        {"wss://", "https://"},
        {"ws://", "http://"},
        {"https://", "https://"},
        {"http://", "http://"},
    };
    const char *scheme = NULL, *rest = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !scheme; i++) {
        size_t n = strlen(schemes[i].from);
        if (strncmp(relay_url, schemes[i].from, n) == 0) {
            scheme = schemes[i].to;
            rest = relay_url + n;
        }
    }
    if (!scheme) return false;
    const char *slash = strchr(rest, '/');
    size_t host_len = slash ? (size_t)(slash - rest) : strlen(rest);
    if (host_len == 0) return false;
    const char *path = slash ? slash : "/";
    size_t path_len = strlen(path);
    if (strcmp(path, "/") == 0) path_len = 1;
    else if (path_len >= 8 && strcmp(path + path_len - 8, "/monitor") == 0)
        path_len -= 7; /* keep the prefix and its '/' */
    else return false; /* the monitor would use this path as is: no sibling routes known */
    int n = snprintf(out, cap, "%s%.*s%.*s", scheme, (int)host_len, rest, (int)path_len, path);
    return n > 0 && (size_t)n < cap;
}

ct_list_order ct_doctor_list_order(const ct_call_list *l)
{
    size_t up = 0, down = 0;
    ct_time_ms prev = 0;
    for (size_t i = 0; i < l->n_calls; i++) {
        ct_time_ms t = l->calls[i].start_at;
        if (t <= 0) continue;
        if (prev > 0) {
            if (t > prev) up++;
            else if (t < prev) down++;
        }
        prev = t;
    }
    if (!up && !down) return CT_ORDER_UNKNOWN;
    if (down && !up) return CT_ORDER_NEWEST_FIRST;
    if (up && !down) return CT_ORDER_OLDEST_FIRST;
    return CT_ORDER_MIXED;
}

const char *ct_list_order_name(ct_list_order o)
{
    switch (o) {
    case CT_ORDER_NEWEST_FIRST: return "newest first";
    case CT_ORDER_OLDEST_FIRST: return "oldest first";
    case CT_ORDER_MIXED: return "no consistent order";
    default: return "cannot tell";
    }
}

ct_list_census ct_doctor_census(const ct_call_list *l)
{
    ct_list_census c = {0};
    for (size_t i = 0; i < l->n_calls; i++) {
        const ct_call *call = &l->calls[i];
        if (ct_call_is_live(call)) {
            c.live++;
            if (call->end_at <= 0) c.live_without_end++;
        }
        const char *s = call->status_text;
        if (s && strcmp(s, "finished") == 0) c.finished++;
        else if (s && strcmp(s, "completed") == 0) c.completed++;
    }
    return c;
}

ct_skew_verdict ct_doctor_skew_verdict(long skew_s, long request_ms)
{
    long a = skew_s < 0 ? -skew_s : skew_s;
    /* The Date has whole seconds and was stamped during the request. */
    long tolerance = (request_ms > 0 ? request_ms / 1000 : 0) + 1;
    if (a <= CT_SKEW_WARN_S + tolerance) return CT_SKEW_OK;
    return a <= CT_SKEW_FAIL_S ? CT_SKEW_WARN : CT_SKEW_FAIL;
}
