/* inbox.h — typed events from the network threads to the UI thread.
 *
 * Multi-producer, single-consumer: a mutex-protected FIFO plus an eventfd
 * the UI thread includes in its poll() set. Producers never block on the
 * consumer and never touch ncurses or the store; the UI thread drains the
 * inbox, applies events to the store, and frees them. The events
 * themselves are core's (calltop/event.h); this header is only the queue. */
#ifndef CALLTOP_INBOX_H
#define CALLTOP_INBOX_H

#include "calltop/event.h"

typedef struct ct_inbox ct_inbox;
ct_inbox *ct_inbox_new(void);
void ct_inbox_free(ct_inbox *in);               /* frees queued events */
int ct_inbox_fd(const ct_inbox *in);            /* readable when events wait */
void ct_inbox_post(ct_inbox *in, ct_event *ev); /* takes ownership; thread-safe */
/* Takes every queued event in FIFO order (a linked list via ->next) and
 * resets the fd. NULL when empty. */
ct_event *ct_inbox_drain(ct_inbox *in);

#endif
