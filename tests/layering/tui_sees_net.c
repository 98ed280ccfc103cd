/* Layering probe: tui (core + its own folder) including a net header
 * must NOT compile: panes never talk to the network threads. */
#include "calltop/fetcher.h"
int ct_layering_probe_tui_net(void)
{
    return 0;
}
