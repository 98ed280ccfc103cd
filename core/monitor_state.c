/* monitor_state.c — the live channel states' display names, shared by the
 * monitor thread (logs) and the status bar. Declared in inbox.h. */
#include "calltop/inbox.h"

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
