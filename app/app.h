/* app.h — the entry points main() dispatches to, one per mode. */
#ifndef CALLTOP_APP_H
#define CALLTOP_APP_H

#include <stdio.h>
#include "calltop/config.h"

/* `calltop calls ...` / `calltop numbers ...` (app/cli.c). cfg->rest[0] is
 * "calls" or "numbers". Returns the process exit code (0 ok, 2 usage,
 * 3 API refused (4xx), 4 network or server). */
int ct_cli_main(const ct_config *cfg);
/* `calls ... --help` / `numbers -h`: answered without settings or network. */
bool ct_cli_wants_help(const ct_config *cfg);
/* The board, including --demo (app/board_main.c). Returns the exit code. */
int ct_board_main(const ct_config *cfg);
/* `calltop watch` (app/watch.c): events and attention items as lines. */
int ct_watch_main(const ct_config *cfg);
/* The KEYS section of docs/calltop.1, from the board's action table. */
void ct_manpage_keys(FILE *out);

#endif
