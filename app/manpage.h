/* manpage.h — docs/calltop.1 generated from the settings table. */
#ifndef CALLTOP_MANPAGE_H
#define CALLTOP_MANPAGE_H

#include <stdio.h>

/* Writes the whole roff page to `out` (`calltop help-man > docs/calltop.1`).
 * Deterministic: no dates, so the committed page can be compared. */
void ct_manpage_write(FILE *out);

#endif
