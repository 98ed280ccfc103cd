/* event.c — the shared events' life cycle (calltop/event.h) and the live
 * channel states' display names, used by the monitor thread (logs) and the
 * status bar. */
#include "calltop/event.h"

#include <stdlib.h>

ct_event *ct_event_new(ct_event_type type)
{
    ct_event *ev = calloc(1, sizeof *ev);
    if (ev) {
        ev->type = type;
        ct_error_clear(&ev->error);
        ev->calls.total_count = -1;
    }
    return ev;
}

void ct_event_free(ct_event *ev)
{
    if (!ev) return;
    ct_call_list_clear(&ev->calls);
    ct_call_clear(&ev->call);
    ct_call_error_clear(&ev->call_error);
    ct_number_list_clear(&ev->numbers);
    ct_assistant_clear(&ev->assistant);
    free(ev->call_id);
    free(ev->text);
    free(ev->raw_json);
    free(ev);
}

const char *ct_monitor_state_name(ct_monitor_state s)
{
    switch (s) {
    case CT_MON_OFF: return "OFF";
    case CT_MON_CONNECTING: return "CONNECTING";
    case CT_MON_LIVE: return "LIVE";
    case CT_MON_STALE: return "STALE";
    case CT_MON_RECONNECTING: return "RECONNECTING";
    case CT_MON_POLLING: return "POLLING";
    }
    return "?";
}
