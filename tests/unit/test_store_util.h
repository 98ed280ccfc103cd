/* test_store_util.h — builders shared by the store's unit tests
 * (test_store.c, test_store_transcript.c, test_store_view.c).
 *
 * Calls and messages are built by hand, field by field with their `present`
 * bits, so the store is tested without the JSON decoder in the way. Every
 * builder allocates exactly like the model does and is freed with the
 * model's own *_clear functions. */
#ifndef TEST_STORE_UTIL_H
#define TEST_STORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calltop/model.h"
#include "calltop/store.h"

static inline char *xstrdup(const char *s)
{
    if (!s) return NULL;
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static inline ct_call call_new(const char *id)
{
    ct_call c;
    memset(&c, 0, sizeof c);
    c.id = xstrdup(id);
    c.present = CT_F_ID;
    return c;
}

/* Sets a string field and its present bit (value NULL = present but null). */
static inline void call_str(ct_call *c, char **field, uint32_t bit, const char *v)
{
    free(*field);
    *field = xstrdup(v);
    c->present |= bit;
}

static inline void call_status(ct_call *c, ct_status st)
{
    c->status = st;
    call_str(c, &c->status_text, CT_F_STATUS, ct_status_name(st));
}

static inline void call_phone(ct_call *c, ct_phone_status p)
{
    c->phone_status = p;
    call_str(c, &c->phone_status_text, CT_F_PHONE_STATUS, ct_phone_status_name(p));
}

static inline void call_direction(ct_call *c, ct_direction d)
{
    c->direction = d;
    call_str(c, &c->direction_text, CT_F_DIRECTION, ct_direction_name(d));
}

static inline void call_start(ct_call *c, ct_time_ms t)
{
    c->start_at = t;
    c->present |= CT_F_START;
}
static inline void call_end(ct_call *c, ct_time_ms t)
{
    c->end_at = t;
    c->present |= CT_F_END;
}

static inline ct_message msg_make(const char *id, ct_role role, const char *text, ct_time_ms ts)
{
    ct_message m;
    memset(&m, 0, sizeof m);
    m.message_id = xstrdup(id);
    m.role = role;
    m.role_text = xstrdup(ct_role_name(role));
    m.text = xstrdup(text);
    m.timestamp = ts;
    return m;
}

/* Appends a copy of m to the call's messages. */
static inline void call_add_msg(ct_call *c, ct_message m)
{
    ct_message *a = realloc(c->messages, (c->n_messages + 1) * sizeof *a);
    assert_non_null(a);
    c->messages = a;
    c->messages[c->n_messages++] = m;
    c->present |= CT_F_MESSAGES;
}

/* A conversation line "m<i>" at time base + i, alternating roles. */
static inline ct_message line(int i, ct_time_ms base)
{
    char id[32], text[48];
    snprintf(id, sizeof id, "m%d", i);
    snprintf(text, sizeof text, "line %d", i);
    return msg_make(id, (i % 2) ? CT_ROLE_USER : CT_ROLE_ASSISTANT, text, base + i);
}

static inline ct_webhook hook_new(ct_webhook_type t, const char *id, ct_time_ms ts)
{
    ct_webhook w;
    memset(&w, 0, sizeof w);
    w.type = t;
    w.type_text = xstrdup(ct_webhook_type_name(t));
    w.timestamp = ts;
    w.call = call_new(id);
    return w;
}

/* Applies a call at a version and frees it. */
static inline void apply_and_free(ct_store *s, ct_call *c, uint64_t v)
{
    assert_int_equal(ct_store_apply_call(s, c, v), CT_OK);
    ct_call_clear(c);
}

static inline void hook_apply_and_free(ct_store *s, ct_webhook *w)
{
    assert_int_equal(ct_store_apply_webhook(s, w), CT_OK);
    ct_webhook_clear(w);
}

#endif
