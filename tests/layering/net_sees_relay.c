/* Layering probe: net including the relay's header must NOT compile. */
#include "calltop/relay.h"
int ct_layering_probe_net_relay(void)
{
    return 0;
}
