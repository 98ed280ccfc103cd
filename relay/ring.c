/* ring.c — refcounted frames and the replay ring of recent events.
 *
 * A frame is encoded once and shared by the ring and every client queue
 * that still has to send it; the last unref frees it. The ring holds the
 * newest `cap` events, contiguous in seq, so "is seq N still here" is one
 * subtraction. */
#include "relay_int.h"

#include <stdlib.h>

ct_frame *ct_frame_wrap(char *buf, size_t len, uint64_t seq)
{
    if (!buf) return NULL;
    ct_frame *f = malloc(sizeof *f);
    if (!f) {
        free(buf);
        return NULL;
    }
    f->refs = 1;
    f->shared = false;
    f->seq = seq;
    f->born_us = 0;
    f->len = len;
    f->buf = buf;
    return f;
}

ct_frame *ct_frame_ref(ct_frame *f)
{
    f->refs++;
    return f;
}

void ct_frame_unref(ct_frame *f)
{
    if (f && --f->refs == 0) {
        free(f->buf);
        free(f);
    }
}

bool ct_ring_init(ct_ring *r, size_t cap)
{
    r->slots = calloc(cap ? cap : 1, sizeof *r->slots);
    r->cap = cap ? cap : 1;
    r->head = r->count = 0;
    r->bytes = r->max_bytes = 0;
    return r->slots != NULL;
}

void ct_ring_free(ct_ring *r)
{
    for (size_t i = 0; i < r->count; i++) ct_frame_unref(r->slots[(r->head + i) % r->cap]);
    free(r->slots);
    r->slots = NULL;
    r->count = 0;
}

void ct_ring_clear(ct_ring *r)
{
    for (size_t i = 0; i < r->count; i++) ct_frame_unref(r->slots[(r->head + i) % r->cap]);
    r->head = r->count = 0;
    r->bytes = 0;
}

static void drop_oldest(ct_ring *r)
{
    ct_frame *old = r->slots[r->head];
    r->bytes -= old->len;
    ct_frame_unref(old);
    r->head = (r->head + 1) % r->cap;
    r->count--;
}

void ct_ring_push(ct_ring *r, ct_frame *f)
{
    if (r->count == r->cap) drop_oldest(r);
    while (r->max_bytes && r->count && r->bytes + f->len > r->max_bytes) drop_oldest(r);
    r->slots[(r->head + r->count) % r->cap] = ct_frame_ref(f);
    r->count++;
    r->bytes += f->len;
}

uint64_t ct_ring_oldest(const ct_ring *r)
{
    return r->count ? r->slots[r->head]->seq : 0;
}

ct_frame *ct_ring_get(const ct_ring *r, uint64_t seq)
{
    uint64_t oldest = ct_ring_oldest(r);
    if (!r->count || seq < oldest || seq - oldest >= r->count) return NULL;
    return r->slots[(r->head + (size_t)(seq - oldest)) % r->cap];
}
