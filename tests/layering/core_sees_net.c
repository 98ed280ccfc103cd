/* Layering probe: core including a net header must NOT compile. */
#include "calltop/inbox.h"
int ct_layering_probe_core_net(void)
{
    return 0;
}
