/* inbox.c — the one channel from network threads to the UI thread.
 * A mutex-guarded FIFO plus an eventfd: producers append and write the fd,
 * the UI thread polls the fd and drains everything in one go. */
#include "calltop/inbox.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct ct_inbox {
    pthread_mutex_t lock;
    ct_event *head, *tail;
    int fd;
};

ct_inbox *ct_inbox_new(void)
{
    ct_inbox *in = calloc(1, sizeof *in);
    if (!in) return NULL;
    in->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->fd < 0) {
        free(in);
        return NULL;
    }
    pthread_mutex_init(&in->lock, NULL);
    return in;
}

void ct_inbox_free(ct_inbox *in)
{
    if (!in) return;
    ct_event *ev = ct_inbox_drain(in);
    while (ev) {
        ct_event *next = ev->next;
        ct_event_free(ev);
        ev = next;
    }
    close(in->fd);
    pthread_mutex_destroy(&in->lock);
    free(in);
}

int ct_inbox_fd(const ct_inbox *in)
{
    return in->fd;
}

void ct_inbox_post(ct_inbox *in, ct_event *ev)
{
    if (!ev) return;
    ev->next = NULL;
    pthread_mutex_lock(&in->lock);
    if (in->tail) in->tail->next = ev;
    else in->head = ev;
    in->tail = ev;
    pthread_mutex_unlock(&in->lock);
    uint64_t one = 1;
    /* EAGAIN means the counter is saturated: the reader is already woken. */
    while (write(in->fd, &one, sizeof one) < 0 && errno == EINTR)
        ;
}

ct_event *ct_inbox_drain(ct_inbox *in)
{
    uint64_t n;
    while (read(in->fd, &n, sizeof n) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&in->lock);
    ct_event *head = in->head;
    in->head = in->tail = NULL;
    pthread_mutex_unlock(&in->lock);
    return head;
}
