/* completion.h — `calltop completion bash|zsh` (hidden): prints a shell
 * completion script generated from the settings and command tables, so the
 * installed completion cannot drift from the flags calltop accepts. */
#ifndef CALLTOP_APP_COMPLETION_H
#define CALLTOP_APP_COMPLETION_H

#include "calltop/config.h"

/* cfg->rest[0] is "completion"; rest[1] names the shell. Returns the exit code. */
int ct_completion_main(const ct_config *cfg);

/* Remembers the ids of a `calls list` for completing `calls show ID` and
 * friends: $XDG_CACHE_HOME/calltop/call-ids (else ~/.cache/calltop/...),
 * mode 0600, replaced atomically. Best effort: a failure is silent, since
 * the list itself succeeded. Ids that are not plain [A-Za-z0-9._-] words
 * are left out (they are server text, and end up in a shell). */
struct ct_call_list;
void ct_completion_cache_ids(const struct ct_call_list *l);

#endif
