/* Layering probe (tests/layering/check.sh): a core file including core
 * headers must compile with core's include paths. The control case: it
 * proves the probes compile at all, so a failing probe fails for its
 * include and nothing else. */
#include "calltop/event.h"
#include "calltop/store.h"
int ct_layering_probe_core(void)
{
    return (int)sizeof(ct_event);
}
