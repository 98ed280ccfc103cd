/* test_tiles.c — pinned calls, tiled (issue 15 item 1): the pure model
 * (pins, focus, the plan of where tiles go at a size, the status line)
 * and the board's tiled view as golden screens at 160x45 and 80x24, with
 * actions going to the focused tile. Golden files are in tests/tui/golden/
 * (CT_UPDATE_GOLDEN=1 rewrites them; review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include "board_fixture.h"
#include "../../tui/actions.h"
#include "../../tui/board.h"
#include "../../tui/refusal.h"
#include "../../tui/theme.h"
#include "../../tui/tiles.h"

/* ---- the model ------------------------------------------------------------- */

static void pin_toggle_and_focus(void **state)
{
    (void)state;
    ct_tiles_model m;
    ct_tiles_init(&m);
    assert_string_equal(ct_tiles_focused_id(&m), "");
    assert_int_equal(ct_tiles_toggle_pin(&m, "A"), CT_PIN_ADDED);
    assert_int_equal(ct_tiles_toggle_pin(&m, "B"), CT_PIN_ADDED);
    assert_int_equal(ct_tiles_toggle_pin(&m, "C"), CT_PIN_ADDED);
    /* the call just pinned has the focus */
    assert_string_equal(ct_tiles_focused_id(&m), "C");
    ct_tiles_focus_step(&m, 1);
    assert_string_equal(ct_tiles_focused_id(&m), "A"); /* wraps */
    ct_tiles_focus_step(&m, -1);
    assert_string_equal(ct_tiles_focused_id(&m), "C");
    ct_tiles_focus_step(&m, -1);
    assert_string_equal(ct_tiles_focused_id(&m), "B");
    /* unpinning one before the focus keeps the focus on the same call */
    assert_int_equal(ct_tiles_toggle_pin(&m, "A"), CT_PIN_REMOVED);
    assert_int_equal(m.n, 2);
    assert_string_equal(ct_tiles_focused_id(&m), "B");
    assert_false(ct_tiles_is_pinned(&m, "A"));
    assert_true(ct_tiles_is_pinned(&m, "C"));
    /* unpinning the last one moves the focus back onto a pinned call */
    ct_tiles_focus_step(&m, 1);
    assert_string_equal(ct_tiles_focused_id(&m), "C");
    assert_int_equal(ct_tiles_toggle_pin(&m, "C"), CT_PIN_REMOVED);
    assert_string_equal(ct_tiles_focused_id(&m), "B");
    assert_int_equal(ct_tiles_toggle_pin(&m, "B"), CT_PIN_REMOVED);
    assert_int_equal(m.n, 0);
    assert_string_equal(ct_tiles_focused_id(&m), "");
    ct_tiles_focus_step(&m, 1); /* nothing pinned: no crash, no focus */
    assert_int_equal(m.focus, 0);
}

static void pin_limits(void **state)
{
    (void)state;
    ct_tiles_model m;
    ct_tiles_init(&m);
    char id[16];
    for (int i = 0; i < CT_TILES_MAX_PINNED; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_int_equal(ct_tiles_toggle_pin(&m, id), CT_PIN_ADDED);
    }
    assert_int_equal(ct_tiles_toggle_pin(&m, "one-too-many"), CT_PIN_FULL);
    assert_int_equal(m.n, CT_TILES_MAX_PINNED);
    assert_int_equal(ct_tiles_toggle_pin(&m, ""), CT_PIN_INVALID);
    assert_int_equal(ct_tiles_toggle_pin(&m, NULL), CT_PIN_INVALID);
    char longid[CT_CALL_ID_BUF + 8];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    ct_tiles_init(&m);
    assert_int_equal(ct_tiles_toggle_pin(&m, longid), CT_PIN_INVALID);
    assert_int_equal(m.n, 0);
}

static ct_tiles_model pinned(int n, ct_tiles_arrangement a)
{
    ct_tiles_model m;
    ct_tiles_init(&m);
    char id[16];
    for (int i = 0; i < n; i++) {
        snprintf(id, sizeof id, "c%d", i);
        ct_tiles_toggle_pin(&m, id);
    }
    m.focus = 0;
    m.arrangement = a;
    return m;
}

/* Tiles cover the rectangle without overlap, and each is at least the
 * minimum size. */
static void assert_plan_sane(const ct_tiles_plan *p, int h, int w)
{
    for (int i = 0; i < p->n_shown; i++) {
        const ct_tile_rect *t = &p->tile[i];
        assert_true(t->h >= CT_TILES_MIN_H && t->w >= CT_TILES_MIN_W);
        assert_true(t->y >= 0 && t->x >= 0 && t->y + t->h <= h && t->x + t->w <= w);
        for (int j = 0; j < i; j++) {
            const ct_tile_rect *u = &p->tile[j];
            bool apart = t->x >= u->x + u->w || u->x >= t->x + t->w || t->y >= u->y + u->h ||
                u->y >= t->y + t->h;
            assert_true(apart);
        }
        if (p->note_y >= 0) assert_true(t->y + t->h <= p->note_y);
    }
}

static void plan_sizes(void **state)
{
    (void)state;
    ct_tiles_plan p;
    /* 160x45 (body 43 rows): 4 side by side, 40 columns each */
    ct_tiles_model m = pinned(4, CT_TILES_SIDE);
    ct_tiles_plan_for(&m, 43, 160, &p);
    assert_int_equal(p.n_shown, 4);
    assert_int_equal(p.hidden, 0);
    assert_int_equal(p.note_y, -1);
    assert_int_equal(p.tile[3].x, 120);
    assert_int_equal(p.tile[3].w, 40);
    assert_plan_sane(&p, 43, 160);
    /* 80x24 (body 22 rows): side by side fits 2, and says 2 more */
    ct_tiles_plan_for(&m, 22, 80, &p);
    assert_int_equal(p.n_shown, 2);
    assert_int_equal(p.hidden, 2);
    assert_int_equal(p.note_y, 21);
    assert_plan_sane(&p, 22, 80);
    /* stacked at 80x24: 4 rows of 5 */
    m.arrangement = CT_TILES_STACKED;
    ct_tiles_plan_for(&m, 22, 80, &p);
    assert_int_equal(p.n_shown, 4);
    assert_int_equal(p.tile[3].y + p.tile[3].h, 22);
    assert_plan_sane(&p, 22, 80);
    /* grid at 80x24: 2 x 2 of 40 x 11 */
    m.arrangement = CT_TILES_GRID;
    ct_tiles_plan_for(&m, 22, 80, &p);
    assert_int_equal(p.n_shown, 4);
    assert_int_equal(p.tile[3].x, 40);
    assert_int_equal(p.tile[3].y, 11);
    assert_plan_sane(&p, 22, 80);
    /* grid with 3: the lone last tile spans the row */
    m = pinned(3, CT_TILES_GRID);
    ct_tiles_plan_for(&m, 22, 80, &p);
    assert_int_equal(p.n_shown, 3);
    assert_int_equal(p.tile[2].w, 80);
    assert_plan_sane(&p, 22, 80);
    /* 40x8 (the smallest board): one tile and a note */
    m = pinned(3, CT_TILES_SIDE);
    ct_tiles_plan_for(&m, 8, 40, &p);
    assert_int_equal(p.n_shown, 1);
    assert_int_equal(p.hidden, 2);
    assert_plan_sane(&p, 8, 40);
    /* too small for any tile: nothing shown, all hidden */
    ct_tiles_plan_for(&m, 4, 20, &p);
    assert_int_equal(p.n_shown, 0);
    assert_int_equal(p.hidden, 3);
    /* more pins than tiles: the window follows the focus */
    m = pinned(6, CT_TILES_SIDE);
    m.focus = 5;
    ct_tiles_plan_for(&m, 43, 160, &p);
    assert_int_equal(p.n_shown, 4);
    assert_int_equal(p.tile[0].pin, 2);
    assert_int_equal(p.tile[3].pin, 5);
    assert_int_equal(p.hidden, 2);
    /* nothing pinned */
    m = pinned(0, CT_TILES_SIDE);
    ct_tiles_plan_for(&m, 43, 160, &p);
    assert_int_equal(p.n_shown, 0);
    assert_int_equal(p.hidden, 0);
}

static void status_line(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    fix_fill(s);
    ct_theme_init(false, false); /* ASCII glyphs */
    char buf[256];
    const ct_call_entry *e = ct_store_get(s, "CC-live-1");
    ct_tiles_status_line(buf, sizeof buf, "CC-live-1", e, FIX_NOW, 0);
    /* started 20:20:00, now 20:26:40 */
    assert_string_equal(buf, "CC-live-1  * live  6:40");
    ct_tiles_status_line(buf, sizeof buf, "gone", NULL, FIX_NOW, 0);
    assert_string_equal(buf, "gone  (not in the store)");
    /* in 30 columns the status sits at the right edge */
    ct_tiles_status_line(buf, sizeof buf, "CC-live-1", e, FIX_NOW, 30);
    assert_string_equal(buf,
                        "CC-live-1"
                        "         "
                        "* live  6:40");
    assert_int_equal(strlen(buf), 30);
    /* a long id gives way to the status */
    const char *uuid = "a12f9c88-c155-461f-9771-4d240cdc9a04";
    ct_tiles_status_line(buf, sizeof buf, uuid, e, FIX_NOW, 30);
    assert_string_equal(buf, "a12f9c88-c155-4…  * live  6:40");
    ct_tiles_status_line(buf, 6, "CC-live-1", e, FIX_NOW, 0);
    assert_string_equal(buf, "CC-li");
    ct_store_free(s);
}

/* ---- the board's tiled view (golden screens) ---------------------------------- */

static SCREEN *scr;
static FILE *t_in, *t_out;
static ct_store *store;
static ct_board board;
static ct_ui_request last_rq;
static char last_call[CT_CALL_ID_BUF];

static uint64_t submit_hook(ct_ui_ctx *ctx, const ct_ui_request *rq, ct_error *err)
{
    (void)ctx;
    (void)err;
    last_rq = *rq;
    snprintf(last_call, sizeof last_call, "%s", rq->call_id ? rq->call_id : "");
    return 77;
}

static void term_open(int h, int w)
{
    char hs[16], ws[16];
    snprintf(hs, sizeof hs, "%d", h);
    snprintf(ws, sizeof ws, "%d", w);
    setenv("LINES", hs, 1);
    setenv("COLUMNS", ws, 1);
    t_out = fopen("/dev/null", "w");
    t_in = fopen("/dev/null", "r");
    scr = newterm("xterm", t_out, t_in);
    assert_non_null(scr);
    set_term(scr);
    ct_theme_init(false, true);
}

static int setup(void **state)
{
    (void)state;
    store = ct_store_new(NULL);
    fix_fill(store);
    term_open(24, 80);
    assert_int_equal(ct_board_init(&board, store, false, false), 0);
    board.ctx.now = FIX_NOW;
    board.ctx.base_url = "http://127.0.0.1:8080";
    board.ctx.submit_hook = submit_hook;
    board.status.monitor = CT_MON_LIVE;
    board.status.last_event_ms = FIX_NOW - 2000;
    ct_board_layout(&board);
    last_call[0] = '\0';
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_board_free(&board);
    endwin();
    delscreen(scr);
    fclose(t_out);
    fclose(t_in);
    ct_store_free(store);
    return 0;
}

static void resize(int h, int w)
{
    resize_term(h, w);
    ct_board_key(&board, KEY_RESIZE, NULL);
}

static void keys(const char *s)
{
    for (; *s; s++) ct_board_key(&board, (unsigned char)*s, NULL);
}

static char *screen(void)
{
    ct_board_draw(&board);
    return ct_board_screen_text();
}

static void golden(const char *name)
{
    char what[128];
    snprintf(what, sizeof what, "screen %s", name);
    fix_golden(__FILE__, name, what, screen());
}

/* draws a frame without keeping its text */
static void draw(void)
{
    free(screen());
}

static bool screen_has(const char *needle)
{
    char *s = screen();
    bool r = strstr(s, needle) != NULL;
    if (getenv("CT_SHOW_SCREENS")) fprintf(stderr, "screen (%s):\n%s", needle, s);
    free(s);
    return r;
}

/* Pins the first four rows of the list (two live calls among them). */
static void pin_four(void)
{
    draw(); /* the list selects its first row */
    keys("p");
    keys("jp");
    keys("jp");
    keys("jp");
    assert_int_equal(board.tiles.n, 4);
}

static void tiles_160x45(void **state)
{
    (void)state;
    resize(45, 160);
    pin_four();
    keys("w");
    assert_true(board.tiled);
    golden("tiles_160x45_side");
    keys("w");
    assert_int_equal(board.tiles.arrangement, CT_TILES_STACKED);
    golden("tiles_160x45_stacked");
    keys("w");
    assert_int_equal(board.tiles.arrangement, CT_TILES_GRID);
    golden("tiles_160x45_grid");
    keys("w"); /* back to the board */
    assert_false(board.tiled);
    assert_true(screen_has("Details"));
}

static void tiles_80x24(void **state)
{
    (void)state;
    pin_four();
    keys("w");
    /* side by side does not fit 4 at 80 columns: 2 and a note */
    golden("tiles_80x24_side");
    assert_true(screen_has("2 more pinned"));
    keys("w");
    golden("tiles_80x24_stacked");
    /* the smallest board: one tile and the rest counted */
    resize(10, 40);
    assert_true(screen_has("3 more pinned"));
    resize(24, 80);
    ct_board_key(&board, CT_KEY_ESC, NULL); /* Esc leaves the tiles */
    assert_false(board.tiled);
}

/* Tab moves the focus; e/f/s/d/m act on the focused tile's call. */
static void tiles_actions_go_to_focused(void **state)
{
    (void)state;
    resize(45, 160);
    pin_four();
    keys("w");
    /* focus is on the last pinned; Tab wraps to the first */
    const char *last = board.tiles.pinned[3];
    assert_string_equal(ct_tiles_focused_id(&board.tiles), last);
    keys("\t");
    assert_string_equal(ct_tiles_focused_id(&board.tiles), board.tiles.pinned[0]);
    assert_string_equal(board.ctx.selected_id, board.tiles.pinned[0]);
    /* find a live tile and end its call through the dialog */
    int live = -1;
    for (int i = 0; i < board.tiles.n && live < 0; i++) {
        const ct_call_entry *e = ct_store_get(store, board.tiles.pinned[i]);
        if (e && ct_call_is_live(&e->call) && strcmp(e->call.id, "CC-live-1") == 0) live = i;
    }
    assert_true(live >= 0);
    while (board.tiles.focus != live) keys("\t");
    /* the list's selection moving elsewhere must not redirect the action */
    ct_ui_select(&board.ctx, "CC-done-4");
    keys("e");
    assert_int_equal(board.n_modals, 1);
    assert_false(ct_refusal_is(board.modals[0]));
    assert_true(screen_has("CC-live-1"));
    /* the default button is Cancel: Left moves to Send, Enter sends */
    ct_board_key(&board, KEY_LEFT, NULL);
    ct_board_key(&board, '\n', NULL);
    assert_string_equal(last_call, "CC-live-1");
    /* p in the tiled view unpins the focused tile */
    while (board.n_modals) ct_board_close_modal(&board);
    keys("p");
    assert_int_equal(board.tiles.n, 3);
    assert_false(ct_tiles_is_pinned(&board.tiles, "CC-live-1"));
}

/* A pinned call the store no longer holds keeps its tile, marked. */
static void tiles_nothing_and_gone(void **state)
{
    (void)state;
    keys("w");
    assert_true(screen_has("nothing pinned"));
    keys("www");
    assert_false(board.tiled);
    ct_tiles_toggle_pin(&board.tiles, "CC-evicted-9");
    keys("w");
    assert_true(screen_has("CC-evicted-9"));
    assert_true(screen_has("(not in the store)"));
    keys("e"); /* no such call: refused, not sent */
    assert_int_equal(board.n_modals, 1);
    assert_true(ct_refusal_is(board.modals[0]));
    assert_string_equal(last_call, "");
}

/* A live tile's duration ticks: the board's timer says when. */
static void tiles_timer(void **state)
{
    (void)state;
    pin_four();
    keys("w");
    draw();
    board.ctx.now = FIX_NOW + 400;
    ct_board_timers t;
    ct_board_get_timers(&board, &t);
    assert_int_equal(t.details_tick, 600);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "UTC", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_toggle_and_focus),
        cmocka_unit_test(pin_limits),
        cmocka_unit_test(plan_sizes),
        cmocka_unit_test(status_line),
        cmocka_unit_test_setup_teardown(tiles_160x45, setup, teardown),
        cmocka_unit_test_setup_teardown(tiles_80x24, setup, teardown),
        cmocka_unit_test_setup_teardown(tiles_actions_go_to_focused, setup, teardown),
        cmocka_unit_test_setup_teardown(tiles_nothing_and_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(tiles_timer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
