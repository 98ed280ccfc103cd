/* test_listmodel.c — the call list's and the details pane's view models
 * without a terminal: selection kept by id while rows move, follow-newest,
 * filters, search, new-row highlight timing, cells, the action table and
 * the details document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "board_fixture.h"
#include "../../tui/actions.h"
#include "../../tui/detailmodel.h"
#include "../../tui/listmodel.h"
#include "../../tui/text.h"

static ct_store *store;
static ct_listmodel lm;
static char sel[128];

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_fill(store);
    assert_int_equal(ct_listmodel_init(&lm, store), 0);
    lm.rows = 3;
    sel[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_listmodel_free(&lm);
    ct_store_free(store);
    return 0;
}

static void selection_kept_by_id(void **state)
{
    (void)state;
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_equal(sel, "a12f9c88-c155-461f-9771-4d240cdc9a04"); /* newest first */
    ct_listmodel_move(&lm, 2, -1, sel, sizeof sel);
    assert_string_equal(sel, "CC-live-1");
    assert_int_equal(lm.sel, 2);
    /* two newer calls push it down two rows; it stays selected */
    fix_add_call(store,
                 "{\"id\":\"N1\",\"startAt\":\"2026-05-28T20:26:35.000Z\",\"status\":\"ongoing\"}",
                 2);
    fix_add_call(store,
                 "{\"id\":\"N2\",\"startAt\":\"2026-05-28T20:26:36.000Z\",\"status\":\"ongoing\"}",
                 2);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_equal(sel, "CC-live-1");
    assert_int_equal(lm.sel, 4);
    /* and the scroll keeps it on screen (3 rows) */
    assert_true(lm.top <= 4 && 4 < lm.top + 3);
}

static void selection_when_call_leaves_view(void **state)
{
    (void)state;
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    ct_listmodel_move(&lm, 0, 3, sel, sizeof sel);
    assert_string_equal(sel, "CC-done-4");
    ct_listmodel_set_filter_step(&lm, 1); /* live only: CC-done-4 leaves */
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_int_equal(ct_listmodel_count(&lm), 3);
    assert_int_equal(lm.sel, 2); /* the last row took its place */
    assert_string_equal(sel, "CC-live-1");
}

static void follow_newest(void **state)
{
    (void)state;
    ct_listmodel_sort_column(&lm, CT_COL_CUSTOMER); /* newest is not row 0 */
    lm.follow = true;
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_equal(sel, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    fix_add_call(
        store,
        "{\"id\":\"N9\",\"startAt\":\"2026-05-28T20:26:39.000Z\",\"userNumber\":\"+1\",\"status\":\"ongoing\"}",
        2);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_equal(sel, "N9");
    /* navigating switches follow off */
    ct_listmodel_move(&lm, 1, -1, sel, sizeof sel);
    assert_false(lm.follow);
    fix_add_call(store,
                 "{\"id\":\"N10\",\"startAt\":\"2026-05-28T20:26:39.500Z\",\"status\":\"ongoing\"}",
                 2);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_not_equal(sel, "N10");
}

static void filters_and_search(void **state)
{
    (void)state;
    static const size_t want[CT_FILTER_STEPS] = {5, 3, 1, 2, 3, 1, 2, 0, 2};
    for (int step = 0; step < CT_FILTER_STEPS; step++) {
        ct_listmodel_set_filter_step(&lm, step);
        ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
        if (ct_listmodel_count(&lm) != want[step])
            fail_msg("filter %s: %zu rows, want %zu", ct_filter_step_name(step),
                     ct_listmodel_count(&lm), want[step]);
    }
    ct_listmodel_filter_next(&lm);
    assert_int_equal(lm.filter_step, 0);
    ct_listmodel_search_append(&lm, "asst-7");
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_int_equal(ct_listmodel_count(&lm), 2);
    ct_listmodel_search_backspace(&lm);
    assert_string_equal(lm.spec.search, "asst-");
    ct_listmodel_set_search(&lm, "é");
    ct_listmodel_search_backspace(&lm); /* a 2-byte character goes whole */
    assert_string_equal(lm.spec.search, "");
}

static void new_rows_highlight_briefly(void **state)
{
    (void)state;
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    const ct_call_entry *old = ct_store_get(store, "CC-live-1");
    assert_false(ct_listmodel_is_new(&lm, old, FIX_NOW)); /* the first fill is not new */
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW + 1000);
    fix_add_call(store,
                 "{\"id\":\"N1\",\"startAt\":\"2026-05-28T20:26:39.000Z\",\"status\":\"ongoing\"}",
                 2);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW + 2000);
    const ct_call_entry *e = ct_store_get(store, "N1");
    assert_true(ct_listmodel_is_new(&lm, e, FIX_NOW + 2000));
    assert_true(ct_listmodel_is_new(&lm, e, FIX_NOW + 4500));
    assert_false(ct_listmodel_is_new(&lm, e, FIX_NOW + 2000 + CT_NEW_ROW_MS + 100));
    assert_false(ct_listmodel_is_new(&lm, old, FIX_NOW + 2000));
}

static void cells(void **state)
{
    (void)state;
    char buf[64];
    const ct_call_entry *e = ct_store_get(store, "CC-done-4");
    ct_listmodel_cell(e, CT_COL_DURATION, FIX_NOW, buf, sizeof buf);
    assert_string_equal(buf, "4:05");
    ct_listmodel_cell(e, CT_COL_DIRECTION, FIX_NOW, buf, sizeof buf);
    assert_string_equal(buf, "in");
    e = ct_store_get(store, "CC-live-1");
    ct_listmodel_cell(e, CT_COL_DURATION, FIX_NOW, buf, sizeof buf);
    assert_string_equal(buf, "6:40");
    ct_listmodel_cell(e, CT_COL_DURATION, FIX_NOW + 1000, buf, sizeof buf);
    assert_string_equal(buf, "6:41"); /* live calls tick */
    ct_listmodel_cell(e, CT_COL_PHONE, FIX_NOW, buf, sizeof buf);
    assert_string_equal(buf, "in-progress");
}

static void age_changes(void **state)
{
    (void)state;
    assert_int_equal(ct_age_next_change_ms(0), 1000);
    assert_int_equal(ct_age_next_change_ms(59500), 500);
    assert_int_equal(ct_age_next_change_ms(60000), 60000);
    assert_int_equal(ct_age_next_change_ms(3599000), 1000);
    assert_int_equal(ct_age_next_change_ms(3600000), 3600000);
    assert_int_equal(ct_age_next_change_ms(90000000), 86400000 - 3600000);
    assert_true(ct_age_next_change_ms(-5000) > 5000);

    /* ages on wall-clock boundaries (FIX_NOW is 20:26:40.000 UTC) */
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW), 0);
    assert_int_equal(ct_age_shown_ms(FIX_NOW + 999, FIX_NOW), 0);
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW - 500), 1000); /* another second */
    assert_int_equal(ct_age_next_change_at(FIX_NOW + 300, FIX_NOW - 500), 700);
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW - 59000), 59000);
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW - 65000), 60000);       /* 20:25:35: 1m */
    assert_int_equal(ct_age_next_change_at(FIX_NOW, FIX_NOW - 65000), 20000); /* at 20:27 */
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW - 7200000), 7200000);
    assert_int_equal(ct_age_next_change_at(FIX_NOW, FIX_NOW - 7200000), 2000000); /* 21:00 */
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW - 3 * 86400000LL), 3 * 86400000LL);
    assert_int_equal(ct_age_shown_ms(FIX_NOW, FIX_NOW + 5000), 0); /* skew */
    char buf[16];
    ct_age_coarse(FIX_NOW, FIX_NOW - 40000, buf, sizeof buf); /* 20:26:00 */
    assert_string_equal(buf, "<1m");
    ct_age_coarse(FIX_NOW, FIX_NOW - 41000, buf, sizeof buf); /* 20:25:59 */
    assert_string_equal(buf, "1m");
    ct_age_coarse(FIX_NOW, FIX_NOW - 3 * 60000, buf, sizeof buf);
    assert_string_equal(buf, "3m");
    ct_age_coarse(FIX_NOW, FIX_NOW - 2 * 3600000, buf, sizeof buf);
    assert_string_equal(buf, "2h");
}

/* Every column sorts by what it shows, and the indicator lands on it:
 * ASST NUMBER by the assistant number (not the assistant's name). */
static void sort_each_column_by_what_it_shows(void **state)
{
    (void)state;
    for (int c = 0; c < CT_COL__COUNT; c++) {
        ct_listmodel_sort_column(&lm, (ct_col)c);
        assert_int_equal(ct_listmodel_sort_col(&lm), c);
    }
    ct_listmodel_sort_column(&lm, CT_COL_ASSISTANT_NUMBER);
    if (lm.spec.descending) ct_listmodel_sort_reverse(&lm);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    const char *prev = "";
    for (size_t i = 0; i < ct_listmodel_count(&lm); i++) {
        const char *n = ct_listmodel_row(&lm, i)->call.assistant_number;
        assert_true(strcmp(prev, n) <= 0);
        prev = n;
    }
    /* +18005550100 (WC-live-2, CC-busy-5) before +18005550199 */
    assert_string_equal(ct_listmodel_row(&lm, 0)->call.assistant_number, "+18005550100");
}

static void sort_toggles(void **state)
{
    (void)state;
    ct_listmodel_sort_column(&lm, CT_COL_DURATION);
    assert_int_equal(lm.spec.sort, CT_SORT_DURATION);
    assert_true(lm.spec.descending);
    ct_listmodel_sort_column(&lm, CT_COL_DURATION);
    assert_false(lm.spec.descending);
    ct_listmodel_sync(&lm, sel, sizeof sel, FIX_NOW);
    assert_string_equal(ct_listmodel_row(&lm, 0)->call.id, "a12f9c88-c155-461f-9771-4d240cdc9a04");
    assert_int_equal(ct_listmodel_sort_col(&lm), CT_COL_DURATION);
}

static void action_table(void **state)
{
    (void)state;
    assert_int_equal(ct_action_for_key('q'), CT_A_QUIT);
    assert_int_equal(ct_action_for_key(KEY_DOWN), CT_A_DOWN);
    assert_int_equal(ct_action_for_key('j'), CT_A_DOWN);
    assert_int_equal(ct_action_for_key('5'), CT_A_SORT_COLUMN);
    assert_int_equal(ct_action_for_key('Z'), CT_A_NONE);
    /* no key means two things */
    for (size_t i = 0; i < ct_actions_count; i++)
        for (int k = 0; k < CT_ACTION_MAX_KEYS && ct_actions[i].keys[k]; k++)
            assert_int_equal(ct_action_for_key(ct_actions[i].keys[k]), ct_actions[i].id);
    char hint[256];
    ct_action_hint_line(hint, sizeof hint, 200, false);
    assert_non_null(strstr(hint, "e end"));
    ct_action_hint_line(hint, sizeof hint, 200, true);
    assert_null(strstr(hint, "e end"));
    assert_null(strstr(hint, "n new"));
    ct_action_hint_line(hint, sizeof hint, 16, false);
    assert_string_equal(hint, "? help  q quit");
    assert_true(ct_action_destructive(ct_action_get(CT_A_END)));
    assert_true(ct_action_destructive(ct_action_get(CT_A_FORWARD)));
    assert_false(ct_action_destructive(ct_action_get(CT_A_SAY)));
    assert_false(ct_action_destructive(ct_action_get(CT_A_QUIT)));
    assert_false(ct_action_allowed(ct_action_get(CT_A_SMS), true));
    /* the man page lists every action */
    char *roff = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&roff, &len);
    ct_action_write_roff(f);
    fclose(f);
    size_t tp = 0;
    for (char *p = roff; (p = strstr(p, ".TP\n")); p++) tp++;
    /* every action, then the status legend and the mouse notes (issue 13) */
    assert_int_equal(tp, ct_actions_count + ct_help_notes_count);
    assert_non_null(
        strstr(roff, "\\[u25CF] (\\fB*\\fR without UTF\\-8)\nlive: the call is in progress."));
    assert_non_null(strstr(roff, ".B Mouse\nclick a call to select it"));
    assert_non_null(strstr(roff, "\\-\\-read\\-only"));
    free(roff);
}

static void details_document(void **state)
{
    (void)state;
    ct_detail_doc doc;
    memset(&doc, 0, sizeof doc);
    const ct_call_entry *e = ct_store_get(store, "CC-live-1");
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW), 0);
    bool wrapped = false, heading = false;
    for (size_t i = 0; i < doc.n; i++) {
        assert_true(ct_text_width(doc.lines[i].text) + doc.lines[i].indent <= 60);
        if (strstr(doc.lines[i].text, "Transcript (3)")) heading = true;
        if (doc.lines[i].indent > 0 && strstr(doc.lines[i].text, "possible")) wrapped = true;
    }
    assert_true(heading);
    assert_true(wrapped);
    /* analysis and reason of another call; a 1-column width still works */
    e = ct_store_get(store, "CC-done-4");
    assert_int_equal(ct_detail_build(&doc, e, 80, FIX_NOW), 0);
    bool summary = false;
    for (size_t i = 0; i < doc.n; i++)
        if (strstr(doc.lines[i].text, "Customer rescheduled.")) summary = true;
    assert_true(summary);
    assert_int_equal(ct_detail_build(&doc, e, 1, FIX_NOW), 0);
    assert_int_equal(ct_detail_build(&doc, NULL, 40, FIX_NOW), 0);
    assert_string_equal(doc.lines[0].text, "No call selected.");
    ct_detail_doc_free(&doc);
}

/* The success evaluation is coloured by its value: a failed call's
 * "failure" / "Poor" is not drawn as OK. */
static ct_theme_role success_role(const char *value)
{
    char json[256];
    snprintf(json, sizeof json,
             "{\"id\":\"CC-eval\",\"status\":\"finished\","
             "\"analysis\":{\"summary\":\"x\",\"successEvaluation\":\"%s\"}}",
             value);
    fix_add_call(store, json, 100);
    ct_detail_doc doc;
    memset(&doc, 0, sizeof doc);
    assert_int_equal(ct_detail_build(&doc, ct_store_get(store, "CC-eval"), 80, FIX_NOW), 0);
    ct_theme_role role = CT_TH__COUNT;
    for (size_t i = 0; i < doc.n; i++)
        if (strncmp(doc.lines[i].text, "success ", 8) == 0) role = doc.lines[i].role;
    ct_detail_doc_free(&doc);
    ct_store_remove(store, "CC-eval");
    return role;
}

static void details_success_colour(void **state)
{
    (void)state;
    assert_int_equal(success_role("success"), CT_TH_OK);
    assert_int_equal(success_role("Excellent"), CT_TH_OK);
    assert_int_equal(success_role("failure"), CT_TH_FAILED);
    assert_int_equal(success_role("Poor"), CT_TH_FAILED);
    assert_int_equal(success_role("Fair"), CT_TH_NORMAL);
}

/* Two documents hold the same lines (text, role, indent). */
static void assert_same_doc(const ct_detail_doc *a, const ct_detail_doc *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->lines[i].text, b->lines[i].text);
        assert_int_equal(a->lines[i].role, b->lines[i].role);
        assert_int_equal(a->lines[i].indent, b->lines[i].indent);
    }
}

static void add_line(const char *id, const char *text, ct_time_ms t)
{
    ct_message m;
    memset(&m, 0, sizeof m);
    m.message_id = (char *)id;
    m.role = CT_ROLE_USER;
    m.role_text = (char *)"user";
    m.text = (char *)text;
    m.timestamp = t;
    assert_int_equal(ct_store_merge_messages(store, "CC-live-1", &m, 1), CT_OK);
}

/* The transcript is wrapped incrementally: an append wraps only the new
 * line, a changed line re-wraps from it on, a new width re-wraps all; the
 * result is always the document a fresh build gives. */
static void details_incremental(void **state)
{
    (void)state;
    ct_detail_doc doc, fresh;
    memset(&doc, 0, sizeof doc);
    assert_int_equal(ct_detail_build(&doc, ct_store_get(store, "CC-live-1"), 60, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 3);
    assert_int_equal(ct_detail_build(&doc, ct_store_get(store, "CC-live-1"), 60, FIX_NOW + 1000),
                     0);
    assert_int_equal(doc.rewrapped, 0);

    add_line("m4", "A fourth line, long enough to wrap over two rows at this width of sixty.",
             1779999630000);
    const ct_call_entry *e = ct_store_get(store, "CC-live-1");
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 1);
    memset(&fresh, 0, sizeof fresh);
    assert_int_equal(ct_detail_build(&fresh, e, 60, FIX_NOW), 0);
    assert_same_doc(&doc, &fresh);
    assert_non_null(strstr(doc.lines[doc.n - 1].text, "sixty."));

    /* the second line changes its text: it and the lines after it re-wrap */
    add_line("m2", "Changed my mind.", 1779999610000);
    e = ct_store_get(store, "CC-live-1");
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 3);
    ct_detail_doc_free(&fresh);
    assert_int_equal(ct_detail_build(&fresh, e, 60, FIX_NOW), 0);
    assert_same_doc(&doc, &fresh);
    bool changed = false;
    for (size_t i = 0; i < doc.n; i++)
        if (strstr(doc.lines[i].text, "Changed my mind.")) changed = true;
    assert_true(changed);

    /* a field changes with the transcript unchanged: the head is rebuilt */
    fix_add_call(store,
                 "{\"id\":\"CC-live-1\",\"status\":\"forwarded\","
                 "\"phoneCallStatusReason\":\"to a human\"}",
                 50);
    e = ct_store_get(store, "CC-live-1");
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 0);
    ct_detail_doc_free(&fresh);
    assert_int_equal(ct_detail_build(&fresh, e, 60, FIX_NOW), 0);
    assert_same_doc(&doc, &fresh);
    bool reason = false;
    for (size_t i = 0; i < doc.n; i++)
        if (strstr(doc.lines[i].text, "to a human")) reason = true;
    assert_true(reason);
    /* the live duration field follows the clock */
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW + 5000), 0);
    ct_detail_doc_free(&fresh);
    assert_int_equal(ct_detail_build(&fresh, e, 60, FIX_NOW + 5000), 0);
    assert_same_doc(&doc, &fresh);

    /* another width, another call, no call: full rebuilds, no stale lines */
    assert_int_equal(ct_detail_build(&doc, e, 40, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 4);
    assert_int_equal(ct_detail_build(&doc, ct_store_get(store, "CC-done-4"), 40, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 0);
    assert_int_equal(doc.n_tx, 0);
    assert_int_equal(ct_detail_build(&doc, NULL, 40, FIX_NOW), 0);
    assert_int_equal(ct_detail_build(&doc, e, 40, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 4);
    ct_detail_doc_free(&doc);
    ct_detail_doc_free(&fresh);
}

/* The store's cap drops the oldest lines: the cache drops them too and
 * wraps only the new one. */
static void details_incremental_cap(void **state)
{
    (void)state;
    ct_store_limits lim = {.max_messages_per_call = 3};
    ct_store *capped = ct_store_new(&lim);
    ct_store *saved = store;
    store = capped;
    fix_fill(store);
    ct_detail_doc doc, fresh;
    memset(&doc, 0, sizeof doc);
    memset(&fresh, 0, sizeof fresh);
    assert_int_equal(ct_detail_build(&doc, ct_store_get(store, "CC-live-1"), 60, FIX_NOW), 0);
    add_line("m4", "fourth", 1779999630000);
    const ct_call_entry *e = ct_store_get(store, "CC-live-1");
    assert_int_equal(e->dropped_messages, 1);
    assert_int_equal(ct_detail_build(&doc, e, 60, FIX_NOW), 0);
    assert_int_equal(doc.rewrapped, 1);
    assert_int_equal(ct_detail_build(&fresh, e, 60, FIX_NOW), 0);
    assert_same_doc(&doc, &fresh);
    ct_detail_doc_free(&doc);
    ct_detail_doc_free(&fresh);
    store = saved;
    ct_store_free(capped);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(selection_kept_by_id, setup, teardown),
        cmocka_unit_test_setup_teardown(selection_when_call_leaves_view, setup, teardown),
        cmocka_unit_test_setup_teardown(follow_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(filters_and_search, setup, teardown),
        cmocka_unit_test_setup_teardown(new_rows_highlight_briefly, setup, teardown),
        cmocka_unit_test_setup_teardown(cells, setup, teardown),
        cmocka_unit_test_setup_teardown(sort_toggles, setup, teardown),
        cmocka_unit_test_setup_teardown(details_success_colour, setup, teardown),
        cmocka_unit_test_setup_teardown(sort_each_column_by_what_it_shows, setup, teardown),
        cmocka_unit_test_setup_teardown(age_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(action_table, setup, teardown),
        cmocka_unit_test_setup_teardown(details_document, setup, teardown),
        cmocka_unit_test_setup_teardown(details_incremental, setup, teardown),
        cmocka_unit_test_setup_teardown(details_incremental_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
