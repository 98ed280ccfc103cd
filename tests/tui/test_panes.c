/* test_panes.c — each board pane alone, through the pane interface only
 * (ct_pane_resize / ct_pane_draw / ct_pane_key), in a virtual terminal with
 * a fixed store and clock: the list, the details, the status bar, the
 * footer and the help screen. Screens are compared with
 * tests/tui/golden/pane_*.txt (CT_UPDATE_GOLDEN=1 rewrites them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include "board_fixture.h"
#include "../../tui/actions.h"
#include "../../tui/board.h"
#include "../../tui/theme.h"

static SCREEN *scr;
static FILE *t_in, *t_out;
static ct_store *store;
static ct_ui_ctx ctx;

static int setup(void **state)
{
    (void)state;
    setenv("LINES", "30", 1);
    setenv("COLUMNS", "90", 1);
    t_out = fopen("/dev/null", "w");
    t_in = fopen("/dev/null", "r");
    scr = newterm("xterm", t_out, t_in);
    assert_non_null(scr);
    set_term(scr);
    ct_theme_init(false, true);
    store = ct_store_new(NULL);
    fix_fill(store);
    ct_ui_ctx_init(&ctx);
    ctx.store = store;
    ctx.now = FIX_NOW;
    ctx.color = false;
    ctx.base_url = "https://api-prod.interactly.ai";
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    endwin();
    delscreen(scr);
    fclose(t_out);
    fclose(t_in);
    ct_store_free(store);
    return 0;
}

/* Draws one pane on a blank screen and compares the screen. */
static void golden_pane(ct_pane *p, const char *name)
{
    werase(stdscr);
    wnoutrefresh(stdscr);
    p->stale = true; /* the blank screen covered it: draw it whole */
    ct_pane_draw(p, &ctx);
    doupdate();
    char file[128], what[128];
    snprintf(file, sizeof file, "pane_%s", name);
    snprintf(what, sizeof what, "pane %s", name);
    fix_golden(__FILE__, file, what, ct_board_screen_text());
}

static void list_pane(void **state)
{
    (void)state;
    ct_pane *p = ct_list_pane_new(store);
    ct_pane_resize(p, 2, 3, 8, 70);
    p->focused = true;
    ct_listmodel_sync(ct_list_pane_model(p), ctx.selected_id, sizeof ctx.selected_id, ctx.now);
    golden_pane(p, "list_70x8");
    /* keys through the interface: down twice, then sort by duration */
    int fx = ct_pane_key(p, &ctx, 'j', NULL) | ct_pane_key(p, &ctx, KEY_DOWN, NULL);
    assert_true(fx & CT_FX_HANDLED);
    assert_true(fx & CT_FX_SELECT);
    assert_string_equal(ctx.selected_id, "CC-live-1");
    ct_pane_key(p, &ctx, '7', NULL);
    golden_pane(p, "list_70x8_by_duration");
    /* a key the list does not own is left to the board */
    assert_int_equal(ct_pane_key(p, &ctx, 'e', NULL), 0);
    ct_pane_free(p);
}

static void details_pane(void **state)
{
    (void)state;
    ct_ui_select(&ctx, "CC-live-1");
    ct_pane *p = ct_details_pane_new();
    ct_pane_resize(p, 0, 0, 14, 50);
    golden_pane(p, "details_50x14_tail");
    ct_pane_key(p, &ctx, 'g', NULL);
    golden_pane(p, "details_50x14_top");
    assert_false(ct_details_pane_following(p));
    ct_pane_free(p);
}

static void status_and_footer(void **state)
{
    (void)state;
    ct_board_status bs = {.monitor = CT_MON_RECONNECTING, .last_event_ms = FIX_NOW - 12000};
    ct_pane *sb = ct_status_pane_new(&bs);
    ct_pane_resize(sb, 0, 0, 1, 90);
    golden_pane(sb, "status_90");
    ct_pane *ft = ct_footer_pane_new();
    ct_pane_resize(ft, 1, 0, 1, 90);
    golden_pane(ft, "footer_hints_90");
    ct_ui_flash(&ctx, CT_FLASH_ERROR, "end failed: \x1b[31mHTTP 500\x1b[0m");
    golden_pane(ft, "footer_flash_90");
    ctx.now += CT_UI_FLASH_MS + 1; /* the flash expires: hints again */
    golden_pane(ft, "footer_hints_90");
    ct_pane_free(sb);
    ct_pane_free(ft);
}

/* With several relays the bar says which one the channel is on; with one
 * (or while polling) it says nothing of it. */
static void status_names_the_relay(void **state)
{
    (void)state;
    ct_board_status bs = {.monitor = CT_MON_LIVE, .relay_index = 2, .relay_count = 3};
    ct_pane *sb = ct_status_pane_new(&bs);
    ct_pane_resize(sb, 0, 0, 1, 90);
    werase(stdscr);
    sb->stale = true;
    ct_pane_draw(sb, &ctx);
    doupdate();
    char *got = ct_board_screen_text();
    assert_non_null(strstr(got, "LIVE relay 2/3"));
    free(got);
    bs.monitor = CT_MON_STALE;
    sb->stale = true;
    ct_pane_draw(sb, &ctx);
    doupdate();
    got = ct_board_screen_text();
    assert_non_null(strstr(got, "STALE relay 2/3"));
    free(got);
    /* the down banner tells a silent relay from one that says it is not
     * current (it lost its Redis log) */
    bs.have_relay = true;
    bs.monitor_since = ctx.now - 3000;
    ct_pane_resize(sb, 0, 0, 1, 160);
    sb->stale = true;
    ct_pane_draw(sb, &ctx);
    doupdate();
    got = ct_board_screen_text();
    assert_non_null(strstr(got, "RELAY SILENT"));
    free(got);
    bs.relay_not_live = true;
    sb->stale = true;
    ct_pane_draw(sb, &ctx);
    doupdate();
    got = ct_board_screen_text();
    assert_non_null(strstr(got, "RELAY NOT CURRENT"));
    assert_null(strstr(got, "RELAY SILENT"));
    free(got);
    bs.relay_not_live = false;
    bs.have_relay = false;
    ct_pane_resize(sb, 0, 0, 1, 90);
    bs.relay_count = 1;
    bs.relay_index = 1;
    sb->stale = true;
    ct_pane_draw(sb, &ctx);
    doupdate();
    got = ct_board_screen_text();
    assert_null(strstr(got, "relay 1/1"));
    assert_non_null(strstr(got, "STALE"));
    free(got);
    ct_pane_free(sb);
}

static void help_pane(void **state)
{
    (void)state;
    ct_pane *p = ct_help_pane_new(true); /* read-only: no write actions listed */
    ct_pane_resize(p, 0, 0, 30, 90);
    golden_pane(p, "help_read_only");
    /* narrow and short: the text wraps, never cut, and G scrolls to the end */
    ct_pane_resize(p, 0, 0, 12, 50);
    golden_pane(p, "help_50x12_top");
    ct_pane_key(p, &ctx, 'G', NULL);
    golden_pane(p, "help_50x12_end");
    char *s = ct_board_screen_text();
    /* the end is now the mouse paragraph (issue 13 item 5), whole */
    assert_non_null(strstr(s, "Mouse         click a call to select it; click"));
    assert_non_null(strstr(s, "under the pointer"));
    assert_null(strstr(s, "\u2026")); /* no ellipsis: nothing was cut */
    free(s);
    /* the legend names every status glyph the list draws */
    ct_pane_resize(p, 0, 0, 30, 100);
    ct_pane_key(p, &ctx, 'g', NULL);
    static char all[200000];
    all[0] = '\0';
    for (int page = 0; page < 6; page++) { /* the whole help, a page at a time */
        ct_pane_draw(p, &ctx);
        doupdate();
        char *pg = ct_board_screen_text();
        strncat(all, pg, sizeof all - strlen(all) - 1);
        free(pg);
        ct_pane_key(p, &ctx, KEY_NPAGE, NULL);
    }
    s = strdup(all);
    static const char *const legend[] = {
        "\u25CF             live: the call is in progress",
        "\u25CC             queued",
        "\u25D4             ringing",
        "\u21AA             forwarded",
        "\u2713             done",
        "\u2717             failed: busy, no answer",
        "\u2026             pending",
        "!             hang",
        "\u00B7             status not known",
        "Quit (asks when a request is still pending).",
    };
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++)
        if (!strstr(s, legend[i])) fail_msg("help lacks '%s':\n%s", legend[i], s);
    free(s);
    assert_true(ct_pane_key(p, &ctx, CT_KEY_ESC, NULL) & CT_FX_CLOSE);
    ct_pane_free(p);
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_pane, setup, teardown),
        cmocka_unit_test_setup_teardown(details_pane, setup, teardown),
        cmocka_unit_test_setup_teardown(status_and_footer, setup, teardown),
        cmocka_unit_test_setup_teardown(status_names_the_relay, setup, teardown),
        cmocka_unit_test_setup_teardown(help_pane, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
