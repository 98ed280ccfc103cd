/* board_fixture.h — a fixed store, clock and virtual terminal for the
 * board's golden-screen and view-model tests. Header-only so each test
 * file stays one executable (tests/tui globs test_*.c). */
#ifndef CALLTOP_TEST_BOARD_FIXTURE_H
#define CALLTOP_TEST_BOARD_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libgen.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calltop/model.h"
#include "calltop/store.h"

/* Compares a screen text with tests/tui/golden/<file>.txt beside `src`
 * (the test's __FILE__), rewriting the file first when CT_UPDATE_GOLDEN is
 * set; `what` names the screen in the failure. Frees got. */
static inline void fix_golden(const char *src, const char *file, const char *what, char *got)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s", src);
    snprintf(path, sizeof path, "%s/golden/%s.txt", dirname(dir), file);
    if (getenv("CT_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
    }
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("missing golden file %s (run with CT_UPDATE_GOLDEN=1)", path);
    static char want[200000];
    size_t n = fread(want, 1, sizeof want - 1, f);
    want[n] = '\0';
    fclose(f);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "---- %s differs; got:\n%s---- want:\n%s", what, got, want);
        fail_msg("golden %s differs", file);
    }
    free(got);
}

/* 2026-05-28T20:26:40Z: every test's "now". */
#define FIX_NOW 1780000000000LL

static inline void fix_add_call(ct_store *s, const char *json, uint64_t version)
{
    ct_call c;
    ct_error err;
    memset(&c, 0, sizeof c);
    if (ct_call_decode(json, strlen(json), &c, &err) != CT_OK) {
        fprintf(stderr, "fixture call does not decode: %s\n%s\n", err.detail, json);
        abort();
    }
    if (ct_store_apply_call(s, &c, version) != CT_OK) abort();
    ct_call_clear(&c);
}

/* Five calls: two live (one with a transcript), a ringing one, a finished
 * one with analysis, and a failed attempt. */
static inline void fix_fill(ct_store *s)
{
    fix_add_call(
        s,
        "{\"id\":\"CC-live-1\",\"assistantId\":\"asst-42\",\"direction\":\"inbound\","
        "\"callType\":\"phone\",\"startAt\":\"2026-05-28T20:20:00.000Z\","
        "\"userNumber\":\"+14155550101\",\"assistantNumber\":\"+18005550199\","
        "\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\","
        "\"messages\":["
        "{\"messageId\":\"m1\",\"role\":\"assistant\",\"text\":\"Hello, thanks for calling Acme. How can I help?\",\"timestamp\":1779999601000},"
        "{\"messageId\":\"m2\",\"role\":\"user\",\"text\":\"I would like to move my appointment to Thursday afternoon, if that is possible at all.\",\"timestamp\":1779999610000},"
        "{\"messageId\":\"m3\",\"role\":\"assistant\",\"text\":\"Sure. Thursday at 3 pm is free.\",\"timestamp\":1779999620000}]}",
        1);
    fix_add_call(s,
                 "{\"id\":\"WC-live-2\",\"assistantId\":\"asst-7\",\"direction\":\"outbound\","
                 "\"callType\":\"web\",\"startAt\":\"2026-05-28T20:25:00.000Z\","
                 "\"userNumber\":\"+442079460000\",\"assistantNumber\":\"+18005550100\","
                 "\"status\":\"ongoing\",\"phoneCallStatus\":\"in-progress\"}",
                 1);
    fix_add_call(s,
                 "{\"id\":\"a12f9c88-c155-461f-9771-4d240cdc9a04\",\"assistantId\":\"asst-42\","
                 "\"direction\":\"outbound\",\"startAt\":\"2026-05-28T20:26:30.000Z\","
                 "\"userNumber\":\"+14155550123\",\"assistantNumber\":\"+18005550199\","
                 "\"status\":\"queued\",\"phoneCallStatus\":\"ringing\"}",
                 1);
    fix_add_call(
        s,
        "{\"id\":\"CC-done-4\",\"assistantId\":\"asst-42\",\"direction\":\"inbound\","
        "\"startAt\":\"2026-05-28T19:00:00.000Z\",\"endAt\":\"2026-05-28T19:04:05.000Z\","
        "\"userNumber\":\"+14155550999\",\"assistantNumber\":\"+18005550199\","
        "\"status\":\"finished\",\"phoneCallStatus\":\"completed\",\"callEndTriggerBy\":\"user\","
        "\"analysis\":{\"summary\":\"Customer rescheduled.\",\"successEvaluation\":\"success\"}}",
        1);
    fix_add_call(s,
                 "{\"id\":\"CC-busy-5\",\"assistantId\":\"asst-7\",\"direction\":\"outbound\","
                 "\"startAt\":\"2026-05-28T18:00:00.000Z\",\"endAt\":\"2026-05-28T18:00:20.000Z\","
                 "\"userNumber\":\"+4915100000\",\"assistantNumber\":\"+18005550100\","
                 "\"status\":\"finished\",\"phoneCallStatus\":\"busy\"}",
                 1);
}

#endif
