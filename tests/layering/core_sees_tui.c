/* Layering probe: core including a tui header must NOT compile. */
#include "board.h"
int ct_layering_probe_core_tui(void)
{
    return 0;
}
