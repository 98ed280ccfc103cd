/* completion.h — `calltop completion bash|zsh` (hidden): prints a shell
 * completion script generated from the settings and command tables, so the
 * installed completion cannot drift from the flags calltop accepts. */
#ifndef CALLTOP_APP_COMPLETION_H
#define CALLTOP_APP_COMPLETION_H

#include "calltop/config.h"

/* cfg->rest[0] is "completion"; rest[1] names the shell. Returns the exit code. */
int ct_completion_main(const ct_config *cfg);

#endif
