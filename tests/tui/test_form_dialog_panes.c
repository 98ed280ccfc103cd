/* test_form_dialog_panes.c — the New-call form, the action dialogs and the
 * yes/no confirmation as panes: drawn into an off-screen terminal (newterm
 * on /dev/null, 80x24) and read back, with requests captured by the
 * context's submit hook (no fetcher, no network). Checks what reaches the
 * wire, that nothing is sent without an explicit confirm, that a failure
 * keeps the form filled, and that --read-only refuses to open. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../tui/dialog.h"
#include "../../tui/text.h"

/* ---- off-screen terminal -------------------------------------------------- */
static SCREEN *scr;
static FILE *scr_out, *scr_in;

static int term_setup(void **st)
{
    (void)st;
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TERM", "xterm-256color", 1);
    setenv("LINES", "24", 1);
    setenv("COLUMNS", "80", 1);
    scr_out = fopen("/dev/null", "w");
    scr_in = fopen("/dev/null", "r");
    scr = newterm(NULL, scr_out, scr_in);
    return scr ? 0 : -1;
}

static int term_teardown(void **st)
{
    (void)st;
    endwin();
    delscreen(scr);
    fclose(scr_out);
    fclose(scr_in);
    return 0;
}

static const char *row(WINDOW *w, int y)
{
    static char buf[512];
    mvwinnstr(w, y, 0, buf, (int)sizeof buf - 1); /* n counts bytes */
    return buf;
}

static bool screen_has(WINDOW *w, const char *needle)
{
    for (int y = 0; y < getmaxy(w); y++)
        if (strstr(row(w, y), needle)) return true;
    return false;
}

/* ---- a context with a store, numbers and a capturing submit hook ---------- */
static struct {
    int calls;
    ct_request_kind kind;
    char body[1024];
    char call_id[128];
    uint64_t next_id;
    ct_err fail_with; /* refuse before sending */
} sent;

static uint64_t hook(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err)
{
    (void)ctx;
    sent.calls++;
    sent.kind = rq->kind;
    char *body = NULL;
    ct_error e2;
    ct_error_clear(&e2);
    if (rq->kind == CT_REQ_CONNECT) ct_connect_request_encode(&rq->connect, &body, &e2);
    if (rq->kind == CT_REQ_CONTROL) ct_control_request_encode(&rq->control, &body, &e2);
    snprintf(sent.body, sizeof sent.body, "%s", body ? body : "");
    snprintf(sent.call_id, sizeof sent.call_id, "%s", rq->call_id ? rq->call_id : "");
    free(body);
    if (sent.fail_with) {
        ct_error_set(err, sent.fail_with, "connection refused by test");
        return 0;
    }
    return ++sent.next_id;
}

static ct_store *store;
static ct_number_list numbers;
static ct_ui_ctx ctx;

static void add_call(const char *json)
{
    ct_call c;
    ct_error err;
    memset(&c, 0, sizeof c);
    assert_int_equal(ct_call_decode(json, strlen(json), &c, &err), CT_OK);
    assert_int_equal(ct_store_apply_call(store, &c, 1), CT_OK);
    ct_call_clear(&c);
}

static int world_setup(void **st)
{
    if (term_setup(st)) return -1;
    memset(&sent, 0, sizeof sent);
    store = ct_store_new(NULL);
    add_call("{\"id\":\"CC-live-1\",\"status\":\"ongoing\",\"userNumber\":\"+14155550101\"}");
    add_call("{\"id\":\"CC-done-2\",\"status\":\"finished\",\"userNumber\":\"+14155550102\","
             "\"startAt\":\"2026-05-28T19:00:00.000Z\",\"endAt\":\"2026-05-28T19:01:00.000Z\"}");
    const char *nj = "[{\"_id\":\"n-in\",\"number\":\"+15550000001\",\"inboundEnabled\":true,"
                     "\"outboundEnabled\":false,\"label\":\"In\"},"
                     "{\"_id\":\"n-out\",\"number\":\"+15550000002\",\"inboundEnabled\":true,"
                     "\"outboundEnabled\":true,\"label\":\"Support line\"}]";
    ct_error err;
    assert_int_equal(ct_number_list_decode(nj, strlen(nj), &numbers, &err), CT_OK);
    ct_ui_ctx_init(&ctx);
    ctx.store = store;
    ctx.numbers = &numbers;
    ctx.submit_hook = hook;
    ctx.now = 1780000000000LL;
    return 0;
}

static int world_teardown(void **st)
{
    ct_number_list_clear(&numbers);
    ct_store_free(store);
    return term_teardown(st);
}

static void keys(ct_pane *p, const char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += ct_utf8_next(s + i, len - i, &cp);
        ct_pane_key(p, &ctx, cp < 0x80 ? (int)cp : CT_KEY_WCHAR(cp), NULL);
    }
}

static void place(ct_pane *p, int h, int w)
{
    int y, x, hh, ww;
    ct_pane_center(LINES, COLS, h, w, &y, &x, &hh, &ww);
    ct_pane_resize(p, y, x, hh, ww);
}

/* ---- the form ------------------------------------------------------------- */

static void test_form_submit_fail_keep_retry_close(void **st)
{
    (void)st;
    ct_pane *p = ct_form_new_call(&ctx);
    assert_non_null(p);
    assert_true(p->modal);
    place(p, 20, 76);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "New call"));
    assert_true(screen_has(p->win, "+15550000002  Support line")); /* outbound only */
    assert_false(screen_has(p->win, "+15550000001"));
    /* the caller is pre-chosen, so typing starts in the customer field */
    keys(p, "4155");
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "must start with +"));
    ct_pane_key(p, &ctx, KEY_HOME, NULL);
    keys(p, "+1");
    ct_pane_key(p, &ctx, KEY_END, NULL);
    keys(p, "550100");
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "+14155550100"));
    assert_true(screen_has(p->win, " ok"));
    keys(p, "\tAda Lovelace\t");
    assert_int_equal(sent.calls, 0);
    /* Enter on the last text field shows the exact request, focus on Cancel */
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_false(fx & CT_FX_SUBMIT);
    assert_int_equal(sent.calls, 0);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Will send: POST /calls/v1/conversations/connect"));
    assert_true(screen_has(p->win, "{\"direction\":\"outbound\",\"phoneNumberId\":\"n-out\""));
    assert_true(screen_has(p->win, "14155550100\",\"name\":\"Ada Lovelace\"}}"));
    assert_true(screen_has(p->win, "[>Cancel<]"));
    /* ... and it is sent once, from [Place call] */
    ct_pane_key(p, &ctx, '\t', NULL);
    fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_true(fx & CT_FX_SUBMIT);
    assert_int_equal(sent.calls, 1);
    assert_int_equal(sent.kind, CT_REQ_CONNECT);
    assert_string_equal(sent.body,
                        "{\"direction\":\"outbound\",\"phoneNumberId\":\"n-out\","
                        "\"customer\":{\"number\":\"+14155550100\",\"name\":\"Ada Lovelace\"}}");
    uint64_t id = sent.next_id;
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Placing the call"));
    /* keys while pending never resubmit */
    ct_pane_key(p, &ctx, '\n', NULL);
    assert_int_equal(sent.calls, 1);

    /* a 422 on customer.number: fields kept, error beside the customer */
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_REQUEST_FAILED;
    ev.request_id = id + 100; /* not ours: ignored */
    assert_int_equal(p->ops->on_event(p, &ctx, &ev), 0);
    ev.request_id = id;
    ev.error.code = CT_EVALIDATION;
    snprintf(ev.error.field, sizeof ev.error.field, "customer.number");
    snprintf(ev.error.detail, sizeof ev.error.detail, "number is blocked");
    assert_true(p->ops->on_event(p, &ctx, &ev) & CT_FX_REDRAW);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "number is blocked"));
    assert_true(screen_has(p->win, "+14155550100"));
    assert_true(screen_has(p->win, "Ada Lovelace"));
    assert_false(screen_has(p->win, "Placing the call"));
    assert_int_equal(sent.calls, 1); /* never resubmitted by itself */

    /* the user presses Enter on "Place call": a second, explicit submit */
    /* customer -> name -> assistant -> first msg -> variables -> asst JSON -> [+]
     * -> [Place call] */
    for (int i = 0; i < 7; i++) ct_pane_key(p, &ctx, '\t', NULL);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "[>Place call<]"));
    ct_pane_key(p, &ctx, '\n', NULL);
    assert_int_equal(sent.calls, 1); /* the confirmation first */
    ct_pane_key(p, &ctx, KEY_RIGHT, NULL);
    ct_pane_key(p, &ctx, '\n', NULL);
    assert_int_equal(sent.calls, 2);
    ev.type = CT_EV_CALL_PLACED;
    ev.request_id = sent.next_id;
    assert_true(p->ops->on_event(p, &ctx, &ev) & CT_FX_CLOSE);
    ct_pane_free(p);
}

static void test_form_refused_before_sending(void **st)
{
    (void)st;
    ct_pane *p = ct_form_new_call(&ctx);
    place(p, 20, 76);
    keys(p, "+14155550100\t\t"); /* customer -> name -> assistant (last text field) */
    sent.fail_with = CT_ECONNECT;
    ct_pane_key(p, &ctx, '\n', NULL); /* the confirmation */
    ct_pane_key(p, &ctx, '\t', NULL); /* [Place call] */
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_false(fx & CT_FX_SUBMIT);
    assert_false(fx & CT_FX_CLOSE);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "connection refused by test"));
    assert_true(screen_has(p->win, "+14155550100"));
    assert_non_null(strstr(ctx.flash, "new call not sent"));
    sent.fail_with = CT_OK;
    /* Esc asks first because fields were edited */
    fx = ct_pane_key(p, &ctx, CT_KEY_ESC, NULL);
    assert_false(fx & CT_FX_CLOSE);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Discard this new call?"));
    assert_true(ct_pane_key(p, &ctx, 'y', NULL) & CT_FX_CLOSE);
    ct_pane_free(p);
}

/* A 5xx to the connect: the server's words and, at their end, that the
 * call may have been placed anyway — wrapped over the form's rows, never
 * cut off at one row's width (found placing a call under 500s in tmux). */
static void test_form_server_error_shown_whole(void **st)
{
    (void)st;
    ct_pane *p = ct_form_new_call(&ctx);
    place(p, 24, 60);
    keys(p, "+14155550100\t\t");
    ct_pane_key(p, &ctx, '\n', NULL); /* the confirmation */
    ct_pane_key(p, &ctx, '\t', NULL); /* [Place call] */
    assert_true(ct_pane_key(p, &ctx, '\n', NULL) & CT_FX_SUBMIT);
    ct_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = CT_EV_REQUEST_FAILED;
    ev.request_id = sent.next_id;
    ev.error.code = CT_ESERVER;
    ev.error.http_status = 500;
    snprintf(ev.error.detail, sizeof ev.error.detail,
             "connect call +14155550100: HTTP 500: Internal Server Error (the server may have "
             "acted on it before failing; not retried)");
    assert_true(p->ops->on_event(p, &ctx, &ev) & CT_FX_REDRAW);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "the server failed (5xx)"));
    assert_true(screen_has(p->win, "before failing; not retried)"));
    assert_true(screen_has(p->win, "+14155550100"));
    assert_true(screen_has(p->win, "Place call"));
    ct_pane_free(p);
}

static void test_form_numbers_arrive_late(void **st)
{
    (void)st;
    ctx.numbers = NULL;
    ct_pane *p = ct_form_new_call(&ctx);
    place(p, 20, 76);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "loading numbers"));
    ctx.numbers = &numbers;
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Support line"));
    ct_pane_free(p);
}

static void test_form_scrolls_to_focus(void **st)
{
    (void)st;
    ct_pane *p = ct_form_new_call(&ctx);
    place(p, 12, 60);
    /* customer -> name -> assistant -> first msg -> variables -> asst JSON ->
     * [+ metadata], then add 10 rows */
    keys(p, "\t\t\t\t\t\t");
    for (int i = 0; i < 10; i++) {
        ct_pane_key(p, &ctx, '\n', NULL); /* [+] adds a row and focuses its key */
        char k[8];
        snprintf(k, sizeof k, "key%d", i);
        keys(p, k);
        keys(p, "\t\t\t"); /* value, [x], then [+] again */
    }
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "key9"));
    assert_false(screen_has(p->win, "Caller")); /* scrolled past the top */
    assert_true(screen_has(p->win, "[>+ metadata<]"));
    assert_int_equal(sent.calls, 0);
    /* [+] is stop 7 + 3 * 10 = 37: 37 x Up reaches the caller picker */
    for (int i = 0; i < 37; i++) ct_pane_key(p, &ctx, KEY_UP, NULL);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Caller"));
    assert_false(screen_has(p->win, "key9"));
    ct_pane_free(p);
}

static void test_read_only_refuses(void **st)
{
    (void)st;
    ctx.read_only = true;
    ctx.flash[0] = '\0';
    assert_null(ct_form_new_call(&ctx));
    assert_non_null(strstr(ctx.flash, "read-only"));
    ctx.flash[0] = '\0';
    assert_null(ct_dialog_action(&ctx, CT_ACTION_END, "CC-live-1"));
    assert_non_null(strstr(ctx.flash, "read-only"));
    ctx.read_only = false;
    assert_int_equal(sent.calls, 0);
}

/* ---- action dialogs ------------------------------------------------------- */

static void test_dialog_say(void **st)
{
    (void)st;
    ct_pane *p = ct_dialog_action(&ctx, CT_ACTION_SAY, "CC-live-1");
    assert_non_null(p);
    place(p, 20, 76);
    keys(p, "One moment \"please\"");
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Say on call"));
    assert_true(screen_has(p->win, "CC-live-1"));
    assert_true(screen_has(p->win, "+14155550101"));
    assert_true(screen_has(p->win, "{\"type\":\"say\",\"message\":\"One moment \\\"please\\\"\"}"));
    /* Enter in the field lands on Cancel; Enter there closes, nothing sent */
    ct_pane_key(p, &ctx, '\n', NULL);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "[>Cancel<]"));
    assert_true(ct_pane_key(p, &ctx, '\n', NULL) & CT_FX_CLOSE);
    assert_int_equal(sent.calls, 0);
    ct_pane_free(p);

    p = ct_dialog_action(&ctx, CT_ACTION_SAY, "CC-live-1");
    place(p, 20, 76);
    keys(p, "hello\t\t");
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_true(fx & CT_FX_SUBMIT);
    assert_true(fx & CT_FX_CLOSE);
    assert_int_equal(sent.calls, 1);
    assert_int_equal(sent.kind, CT_REQ_CONTROL);
    assert_string_equal(sent.call_id, "CC-live-1");
    assert_string_equal(sent.body, "{\"type\":\"say\",\"message\":\"hello\"}");
    ct_pane_free(p);
}

static void test_dialog_end_is_marked_and_defaults_to_cancel(void **st)
{
    (void)st;
    ct_pane *p = ct_dialog_action(&ctx, CT_ACTION_END, "CC-live-1");
    place(p, 20, 76);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "End call"));
    assert_true(screen_has(p->win, "cannot be undone"));
    assert_true(screen_has(p->win, "[>Cancel<]"));
    assert_true(screen_has(p->win, "{\"type\":\"end\",\"message\":\"\"}"));
    assert_true(ct_pane_key(p, &ctx, '\n', NULL) & CT_FX_CLOSE); /* a stray Enter cancels */
    assert_int_equal(sent.calls, 0);
    ct_pane_free(p);

    /* forward on an ended call: nothing is sent */
    p = ct_dialog_action(&ctx, CT_ACTION_FORWARD, "CC-done-2");
    place(p, 20, 76);
    keys(p, "+442079460000\t\t");
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_false(fx & CT_FX_SUBMIT);
    assert_int_equal(sent.calls, 0);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "not live"));
    ct_pane_free(p);
}

/* Issue 13 item 7: a dialog for an id the store does not hold (gone, or
 * cut short on its way from the list) never sends. */
static void test_dialog_unknown_call_never_sends(void **st)
{
    (void)st;
    ct_pane *p = ct_dialog_action(&ctx, CT_ACTION_SAY, "CC-not-on-the-board");
    assert_non_null(p);
    place(p, 20, 76);
    keys(p, "hello\t\t");
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_false(fx & CT_FX_SUBMIT);
    assert_int_equal(sent.calls, 0);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "this call is not on the board"));
    ct_pane_free(p);
}

static void test_dialog_dtmf_invalid_never_sends(void **st)
{
    (void)st;
    ct_pane *p = ct_dialog_action(&ctx, CT_ACTION_DTMF, "CC-live-1");
    place(p, 20, 76);
    keys(p, "12x\t\t");
    ct_pane_key(p, &ctx, '\n', NULL);
    assert_int_equal(sent.calls, 0);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "only 0-9 * # A-D"));
    /* tiny windows never crash */
    ct_pane_resize(p, 0, 0, 1, 1);
    ct_pane_draw(p, &ctx);
    ct_pane_resize(p, 0, 0, 4, 10);
    ct_pane_draw(p, &ctx);
    ct_pane_free(p);

    ct_pane *f = ct_form_new_call(&ctx);
    ct_pane_resize(f, 0, 0, 3, 7);
    ct_pane_draw(f, &ctx);
    ct_pane_resize(f, 0, 0, 6, 30);
    ct_pane_draw(f, &ctx);
    ct_pane_free(f);
}

static void test_confirm(void **st)
{
    (void)st;
    ct_pane *p =
        ct_dialog_confirm("Quit", "A request is still pending. Quit anyway?", CT_FX_QUIT_NOW);
    place(p, 8, 50);
    ct_pane_draw(p, &ctx);
    assert_true(screen_has(p->win, "Quit anyway?"));
    assert_true(screen_has(p->win, "[>No<]"));
    int fx = ct_pane_key(p, &ctx, '\n', NULL);
    assert_true(fx & CT_FX_CLOSE);
    assert_false(fx & CT_FX_QUIT_NOW);
    ct_pane_key(p, &ctx, KEY_RIGHT, NULL);
    assert_true(ct_pane_key(p, &ctx, '\n', NULL) & CT_FX_QUIT_NOW);
    assert_true(ct_pane_key(p, &ctx, 'y', NULL) & CT_FX_QUIT_NOW);
    assert_false(ct_pane_key(p, &ctx, CT_KEY_ESC, NULL) & CT_FX_QUIT_NOW);
    ct_pane_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dialog_unknown_call_never_sends, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_form_submit_fail_keep_retry_close, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_form_refused_before_sending, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_form_server_error_shown_whole, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_form_numbers_arrive_late, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_form_scrolls_to_focus, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_refuses, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_dialog_say, world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_dialog_end_is_marked_and_defaults_to_cancel,
                                        world_setup, world_teardown),
        cmocka_unit_test_setup_teardown(test_dialog_dtmf_invalid_never_sends, world_setup,
                                        world_teardown),
        cmocka_unit_test_setup_teardown(test_confirm, world_setup, world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
