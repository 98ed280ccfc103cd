/* test_store_view.c — filtered, sorted views: each filter and sort key, the
 * search, lazy rebuilds, index_of, and a randomized comparison against a
 * brute-force filter + sort oracle over thousands of store operations. */
#include "test_store_util.h"

#include <ctype.h>

static ct_view_spec spec_of(ct_filter_kind f, ct_sort_key k, bool desc)
{
    ct_view_spec sp;
    memset(&sp, 0, sizeof sp);
    sp.filter = f;
    sp.sort = k;
    sp.descending = desc;
    sp.now = 100000;
    return sp;
}

static void add(ct_store *s, const char *id, ct_status st, ct_phone_status ph, ct_direction d,
                ct_time_ms start, ct_time_ms end, const char *customer, const char *number)
{
    ct_call c = call_new(id);
    if (st) call_status(&c, st);
    if (ph) call_phone(&c, ph);
    if (d) call_direction(&c, d);
    if (start) call_start(&c, start);
    if (end) call_end(&c, end);
    if (customer) call_str(&c, &c.customer_name, CT_F_CUSTOMER_NAME, customer);
    if (number) call_str(&c, &c.user_number, CT_F_USER_NUMBER, number);
    apply_and_free(s, &c, 1);
}

static void expect_ids(ct_view *v, const char *const *ids, size_t n)
{
    assert_int_equal(ct_view_count(v), n);
    for (size_t i = 0; i < n; i++) {
        const ct_call_entry *e = ct_view_at(v, i);
        assert_non_null(e);
        assert_string_equal(e->call.id, ids[i]);
        assert_int_equal(ct_view_index_of(v, ids[i]), (long)i);
    }
    assert_null(ct_view_at(v, n));
}
#define EXPECT(v, ...)                                     \
    do {                                                   \
        const char *const ids_[] = {__VA_ARGS__};          \
        expect_ids((v), ids_, sizeof ids_ / sizeof *ids_); \
    } while (0)

static ct_store *sample(void)
{
    ct_store *s = ct_store_new(NULL);
    add(s, "c1", CT_STATUS_ONGOING, CT_PHONE_IN_PROGRESS, CT_DIR_INBOUND, 1000, 0, "Zoe",
        "+15550001");
    add(s, "c2", CT_STATUS_FINISHED, CT_PHONE_COMPLETED, CT_DIR_OUTBOUND, 2000, 2600, "adam",
        "+15550002");
    add(s, "c3", CT_STATUS_QUEUED, 0, CT_DIR_OUTBOUND, 3000, 0, NULL, "+447700900123");
    add(s, "c4", 0, CT_PHONE_BUSY, CT_DIR_OUTBOUND, 4000, 4010, "Bob", "+15550004");
    add(s, "c5", CT_STATUS_FINISHED, CT_PHONE_NO_ANSWER, CT_DIR_INBOUND, 1000, 1500, "Ann", NULL);
    return s;
}

static void test_filters(void **state)
{
    (void)state;
    ct_store *s = sample();
    ct_view_spec sp = spec_of(CT_FILTER_ALL, CT_SORT_START, false);
    ct_view *v = ct_view_new(s, &sp);
    EXPECT(v, "c1", "c5", "c2", "c3", "c4");
    sp.filter = CT_FILTER_LIVE;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1", "c3");
    sp.filter = CT_FILTER_STATUS;
    sp.status = CT_STATUS_FINISHED;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c5", "c2");
    sp.filter = CT_FILTER_DIRECTION;
    sp.direction = CT_DIR_OUTBOUND;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c2", "c3", "c4");
    sp.filter = CT_FILTER_FAILED;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c5", "c4");
    assert_int_equal(ct_view_index_of(v, "c1"), -1);
    assert_int_equal(ct_view_index_of(v, "nope"), -1);
    assert_int_equal(ct_view_spec_get(v)->filter, CT_FILTER_FAILED);
    /* A field the current filter ignores is still stored, for a later switch. */
    sp.status = CT_STATUS_QUEUED;
    ct_view_set_spec(v, &sp);
    assert_int_equal(ct_view_spec_get(v)->status, CT_STATUS_QUEUED);
    EXPECT(v, "c5", "c4");
    sp.filter = CT_FILTER_STATUS;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3");
    ct_view_free(v);
    ct_store_free(s);
}

static void test_sort_keys(void **state)
{
    (void)state;
    ct_store *s = sample();
    ct_view_spec sp = spec_of(CT_FILTER_ALL, CT_SORT_START, true);
    ct_view *v = ct_view_new(s, &sp);
    /* Equal start times (c1, c5) stay in id order in both directions. */
    EXPECT(v, "c4", "c3", "c2", "c1", "c5");

    sp.sort = CT_SORT_DURATION; /* now = 100000: c1 99000, c3 97000, c2 600, c5 500, c4 10 */
    sp.descending = false;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c4", "c5", "c2", "c3", "c1");

    sp.sort = CT_SORT_STATUS; /* none, queued, ongoing, finished x2 */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c4", "c3", "c1", "c2", "c5");

    sp.sort = CT_SORT_DIRECTION; /* within a direction: newest start first, then id */
    sp.descending = true;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c4", "c3", "c2", "c1", "c5");

    sp.sort = CT_SORT_CUSTOMER; /* names case-insensitively, the number when nameless */
    sp.descending = false;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3", "c2", "c5", "c4", "c1");

    sp.sort = CT_SORT_PHONE_STATUS;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3", "c1", "c4", "c5", "c2");

    sp.sort = CT_SORT_LAST_ACTIVITY;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1", "c5", "c2", "c3", "c4");
    ct_view_free(v);

    ct_call a = call_new("c2");
    call_str(&a, &a.assistant_name, CT_F_ASSISTANT_NAME, "booking bot");
    apply_and_free(s, &a, 2);
    ct_call b = call_new("c4");
    call_str(&b, &b.assistant_id, CT_F_ASSISTANT_ID, "3f7b");
    apply_and_free(s, &b, 2);
    sp.sort = CT_SORT_ASSISTANT;
    sp.descending = true;
    v = ct_view_new(s, &sp);
    EXPECT(v, "c2", "c4", "c1", "c3", "c5");
    ct_view_free(v);

    assert_string_equal(ct_sort_key_name(CT_SORT_START), "start");
    assert_string_equal(ct_sort_key_name(CT_SORT_LAST_ACTIVITY), "activity");
    assert_string_equal(ct_sort_key_name(CT_SORT__COUNT), "");
    ct_store_free(s);
}

/* Issue 13 item 5: sorting by STATUS orders each status group by start
 * time (newest first), not by id, in both directions. */
static void test_status_sort_by_start_within(void **state)
{
    (void)state;
    ct_store *s = ct_store_new(NULL);
    add(s, "a-old", CT_STATUS_FINISHED, CT_PHONE_COMPLETED, CT_DIR_INBOUND, 1000, 1100, NULL, NULL);
    add(s, "b-new", CT_STATUS_FINISHED, CT_PHONE_BUSY, CT_DIR_INBOUND, 5000, 5010, NULL, NULL);
    add(s, "c-mid", CT_STATUS_FINISHED, CT_PHONE_COMPLETED, CT_DIR_INBOUND, 3000, 3100, NULL, NULL);
    add(s, "d-live", CT_STATUS_ONGOING, CT_PHONE_IN_PROGRESS, CT_DIR_INBOUND, 2000, 0, NULL, NULL);
    ct_view_spec sp = spec_of(CT_FILTER_ALL, CT_SORT_STATUS, false);
    ct_view *v = ct_view_new(s, &sp);
    EXPECT(v, "d-live", "b-new", "c-mid", "a-old");
    sp.descending = true;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "b-new", "c-mid", "a-old", "d-live");
    ct_view_free(v);
    ct_store_free(s);
}

static void test_search(void **state)
{
    (void)state;
    ct_store *s = sample();
    ct_call a = call_new("c3");
    call_str(&a, &a.assistant_name, CT_F_ASSISTANT_NAME, "Front Desk");
    call_str(&a, &a.assistant_id, CT_F_ASSISTANT_ID, "AB12cd");
    apply_and_free(s, &a, 2);
    ct_view_spec sp = spec_of(CT_FILTER_ALL, CT_SORT_START, false);
    ct_view *v = ct_view_new(s, &sp);

    snprintf(sp.search, sizeof sp.search, "ZOE"); /* customer, case-insensitive */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1");
    snprintf(sp.search, sizeof sp.search, "4477"); /* a number */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3");
    snprintf(sp.search, sizeof sp.search, "front d"); /* assistant name */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3");
    snprintf(sp.search, sizeof sp.search, "b12C"); /* assistant id */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3");
    snprintf(sp.search, sizeof sp.search, "C5"); /* call id */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c5");
    snprintf(sp.search, sizeof sp.search, "+1555000"); /* several, then filtered */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1", "c2", "c4");
    sp.filter = CT_FILTER_LIVE;
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1");
    snprintf(sp.search, sizeof sp.search, "nothing-matches");
    ct_view_set_spec(v, &sp);
    assert_int_equal(ct_view_count(v), 0);
    ct_view_free(v);
    ct_store_free(s);
}

/* Issue 15: the pickers' exact filters by assistant and by our number,
 * combined with the filter kind and the search. */
static void test_assistant_and_number_filters(void **state)
{
    (void)state;
    ct_store *s = sample();
    const char *asst[] = {"A1", "A2", "A1", NULL, "A1"},
               *ours[] = {"+1800", "+1800", NULL, "+1900", "+1900"};
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "c%d", i + 1);
        ct_call c = call_new(id);
        if (asst[i]) call_str(&c, &c.assistant_id, CT_F_ASSISTANT_ID, asst[i]);
        if (ours[i]) call_str(&c, &c.assistant_number, CT_F_ASSISTANT_NUMBER, ours[i]);
        apply_and_free(s, &c, 2);
    }
    ct_view_spec sp = spec_of(CT_FILTER_ALL, CT_SORT_START, false);
    ct_view *v = ct_view_new(s, &sp);
    snprintf(sp.assistant_id, sizeof sp.assistant_id, "A1");
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c1", "c5", "c3");
    snprintf(sp.assistant_id, sizeof sp.assistant_id, "A"); /* exact, not a substring */
    ct_view_set_spec(v, &sp);
    assert_int_equal(ct_view_count(v), 0);
    sp.assistant_id[0] = '\0';
    snprintf(sp.our_number, sizeof sp.our_number, "+1900");
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c5", "c4");
    snprintf(sp.assistant_id, sizeof sp.assistant_id, "A1"); /* both */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c5");
    sp.filter = CT_FILTER_LIVE; /* and the filter kind */
    ct_view_set_spec(v, &sp);
    assert_int_equal(ct_view_count(v), 0);
    sp.filter = CT_FILTER_ALL;
    sp.assistant_id[0] = sp.our_number[0] = '\0';
    ct_view_set_spec(v, &sp);
    assert_int_equal(ct_view_count(v), 5);
    ct_view_free(v);
    ct_store_free(s);
}

static void test_lazy_refresh_and_removal(void **state)
{
    (void)state;
    ct_store *s = sample();
    ct_view_spec sp = spec_of(CT_FILTER_LIVE, CT_SORT_START, false);
    ct_view *v = ct_view_new(s, &sp);
    EXPECT(v, "c1", "c3");
    /* The view follows the store without being told. */
    add(s, "c6", CT_STATUS_ONGOING, 0, 0, 500, 0, NULL, NULL);
    EXPECT(v, "c6", "c1", "c3");
    ct_call fin = call_new("c1");
    call_status(&fin, CT_STATUS_FINISHED);
    apply_and_free(s, &fin, 9);
    EXPECT(v, "c6", "c3");
    /* After a removal the view never hands out the removed entry. */
    assert_true(ct_store_remove(s, "c6"));
    EXPECT(v, "c3");
    /* Setting an identical spec keeps the built rows. */
    ct_view_set_spec(v, &sp);
    EXPECT(v, "c3");
    ct_view_free(v);
    ct_store_free(s);
}

static void test_duration(void **state)
{
    (void)state;
    ct_call c = call_new("d");
    assert_int_equal(ct_call_duration_ms(&c, 5000), 0); /* no start */
    call_start(&c, 1000);
    assert_int_equal(ct_call_duration_ms(&c, 5000), 0); /* not live, no end */
    call_status(&c, CT_STATUS_ONGOING);
    assert_int_equal(ct_call_duration_ms(&c, 5000), 4000);
    assert_int_equal(ct_call_duration_ms(&c, 500), 0); /* clock skew: never negative */
    assert_true(ct_call_duration_ms(&c, 0) > 0);       /* wall clock */
    call_end(&c, 2500);
    assert_int_equal(ct_call_duration_ms(&c, 5000), 1500);
    ct_call_clear(&c);
}

/* ---- the oracle ----------------------------------------------------------- */

static uint32_t rng_state;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Names sharing long prefixes exercise the sort's text tie-breaks. */
static const char *const names[] = {"Ann",
                                    "ann",
                                    "Bob",
                                    "bob marley",
                                    "Zoe",
                                    "Émile",
                                    "",
                                    "Carol",
                                    "dave",
                                    "Bartholomew Jones",
                                    "bartholomew jones",
                                    "Bartholomew Jones-Smith",
                                    "BARTHOLOMEW JONES-SMYTHE",
                                    "Bartholome"};
static const char *const searches[] = {"",   "an", "BOB", "555", "cc-1", "wc",
                                       "44", "a1", "zz",  "É",   "desk"};

static ct_time_ms oracle_now;
static ct_view_spec oracle_spec;

/* Live as the store documents it: the model's rule, and no end time. */
static bool is_live(const ct_call_entry *e)
{
    return ct_call_is_live(&e->call) && !e->call.end_at;
}

static bool icontains(const char *hay, const char *needle)
{
    if (!hay) return false;
    size_t hl = strlen(hay), nl = strlen(needle);
    for (size_t i = 0; i + nl <= hl; i++) {
        size_t k = 0;
        while (k < nl && tolower((unsigned char)hay[i + k]) == tolower((unsigned char)needle[k]))
            k++;
        if (k == nl) return true;
    }
    return false;
}

static bool oracle_match(const ct_call_entry *e)
{
    const ct_view_spec *sp = &oracle_spec;
    const ct_call *c = &e->call;
    if (sp->filter == CT_FILTER_LIVE && !is_live(e)) return false;
    if (sp->filter == CT_FILTER_STATUS && c->status != sp->status) return false;
    if (sp->filter == CT_FILTER_DIRECTION && c->direction != sp->direction) return false;
    if (sp->filter == CT_FILTER_FAILED &&
        !(c->phone_status == CT_PHONE_BUSY || c->phone_status == CT_PHONE_NO_ANSWER ||
          c->phone_status == CT_PHONE_FAILED))
        return false;
    if (!sp->search[0]) return true;
    return icontains(c->id, sp->search) || icontains(c->user_number, sp->search) ||
        icontains(c->assistant_number, sp->search) || icontains(c->assistant_id, sp->search) ||
        icontains(c->assistant_name, sp->search) || icontains(c->customer_name, sp->search);
}

static int64_t oracle_duration(const ct_call_entry *e)
{
    const ct_call *c = &e->call;
    if (!c->start_at) return 0;
    int64_t d = c->end_at ? c->end_at - c->start_at : is_live(e) ? oracle_now - c->start_at : 0;
    return d < 0 ? 0 : d;
}

static int icmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = tolower((unsigned char)*a), y = tolower((unsigned char)*b);
        if (x != y || !x) return x - y;
    }
}

static int sign(long long v)
{
    return (v > 0) - (v < 0);
}

static int oracle_cmp(const void *pa, const void *pb)
{
    const ct_call_entry *a = *(const ct_call_entry *const *)pa;
    const ct_call_entry *b = *(const ct_call_entry *const *)pb;
    int c = 0;
    switch (oracle_spec.sort) {
    case CT_SORT_START: c = sign(a->call.start_at - b->call.start_at); break;
    case CT_SORT_DURATION: c = sign(oracle_duration(a) - oracle_duration(b)); break;
    case CT_SORT_STATUS: c = sign((long long)a->call.status - (long long)b->call.status); break;
    case CT_SORT_DIRECTION:
        c = sign((long long)a->call.direction - (long long)b->call.direction);
        break;
    case CT_SORT_PHONE_STATUS:
        c = sign((long long)a->call.phone_status - (long long)b->call.phone_status);
        break;
    case CT_SORT_LAST_ACTIVITY: c = sign(a->last_activity - b->last_activity); break;
    case CT_SORT_CUSTOMER: {
        const char *x = a->call.customer_name ? a->call.customer_name : a->call.user_number;
        const char *y = b->call.customer_name ? b->call.customer_name : b->call.user_number;
        c = sign(icmp(x ? x : "", y ? y : ""));
        break;
    }
    case CT_SORT_ASSISTANT: {
        const char *x = a->call.assistant_name ? a->call.assistant_name : a->call.assistant_id;
        const char *y = b->call.assistant_name ? b->call.assistant_name : b->call.assistant_id;
        c = sign(icmp(x ? x : "", y ? y : ""));
        break;
    }
    case CT_SORT_ASSISTANT_NUMBER: {
        const char *x = a->call.assistant_number, *y = b->call.assistant_number;
        c = sign(icmp(x ? x : "", y ? y : ""));
        break;
    }
    default: break;
    }
    if (oracle_spec.descending) c = -c;
    if (!c &&
        (oracle_spec.sort == CT_SORT_STATUS || oracle_spec.sort == CT_SORT_DIRECTION ||
         oracle_spec.sort == CT_SORT_PHONE_STATUS))
        c = sign(b->call.start_at - a->call.start_at); /* newest first, either direction */
    return c ? c : strcmp(a->call.id, b->call.id);
}

typedef struct collect {
    const ct_call_entry **items;
    size_t n;
} collect;

static bool collect_cb(const ct_call_entry *e, void *ud)
{
    collect *c = ud;
    if (oracle_match(e)) c->items[c->n++] = e;
    return true;
}

static void check_view(ct_store *s, ct_view *v, const ct_view_spec *sp)
{
    oracle_spec = *sp;
    oracle_now = sp->now;
    ct_view_set_spec(v, sp);
    collect c = {calloc(ct_store_count(s) + 1, sizeof *c.items), 0};
    assert_non_null(c.items);
    ct_store_foreach(s, collect_cb, &c);
    qsort(c.items, c.n, sizeof *c.items, oracle_cmp);
    assert_int_equal(ct_view_count(v), c.n);
    for (size_t i = 0; i < c.n; i++) {
        assert_ptr_equal(ct_view_at(v, i), c.items[i]);
        if (i % 7 == 0) assert_int_equal(ct_view_index_of(v, c.items[i]->call.id), (long)i);
    }
    free(c.items);
}

static void random_spec(ct_view_spec *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->filter = (ct_filter_kind)(rnd() % 5);
    sp->status = (ct_status)(rnd() % (CT_STATUS_OTHER + 1));
    sp->direction = (ct_direction)(rnd() % 4);
    sp->sort = (ct_sort_key)(rnd() % CT_SORT__COUNT);
    sp->descending = rnd() % 2;
    sp->now = 50000 + (ct_time_ms)(rnd() % 1000);
    if (rnd() % 3 == 0)
        snprintf(sp->search, sizeof sp->search, "%s",
                 searches[rnd() % (sizeof searches / sizeof *searches)]);
}

static void random_id(char *buf, size_t len)
{
    unsigned k = rnd() % 400;
    snprintf(buf, len, "%s-%04x-%u", (k % 3) ? "CC" : "WC", k * 7919u % 65536u, k);
}

static void random_op(ct_store *s)
{
    char id[64];
    random_id(id, sizeof id);
    unsigned op = rnd() % 10;
    if (op == 0) {
        ct_store_remove(s, id);
        return;
    }
    if (op <= 2) {
        ct_webhook w =
            hook_new((ct_webhook_type)(1 + rnd() % 5), id, 1000 + (ct_time_ms)(rnd() % 60000));
        if (rnd() % 2) call_status(&w.call, (ct_status)(rnd() % (CT_STATUS_OTHER + 1)));
        if (rnd() % 2) call_phone(&w.call, (ct_phone_status)(rnd() % (CT_PHONE_OTHER + 1)));
        if (rnd() % 3 == 0) {
            char mid[16];
            snprintf(mid, sizeof mid, "m%u", rnd() % 20);
            call_add_msg(&w.call, msg_make(mid, CT_ROLE_USER, "x", (ct_time_ms)(rnd() % 70000)));
        }
        if (w.type == CT_WH_ERROR) {
            w.error.present = true;
            w.error.type = xstrdup("llm_error");
        }
        hook_apply_and_free(s, &w);
        return;
    }
    ct_call c = call_new(id);
    if (rnd() % 2) call_status(&c, (ct_status)(rnd() % (CT_STATUS_OTHER + 1)));
    if (rnd() % 2) call_phone(&c, (ct_phone_status)(rnd() % (CT_PHONE_OTHER + 1)));
    if (rnd() % 2) call_direction(&c, (ct_direction)(rnd() % 4));
    if (rnd() % 2) call_start(&c, (ct_time_ms)(rnd() % 40000));
    if (rnd() % 4 == 0) call_end(&c, 40000 + (ct_time_ms)(rnd() % 20000));
    if (rnd() % 3 == 0)
        call_str(&c, &c.customer_name, CT_F_CUSTOMER_NAME,
                 names[rnd() % (sizeof names / sizeof *names)]);
    if (rnd() % 3 == 0) {
        char num[24];
        snprintf(num, sizeof num, "+%s%07u", (rnd() % 2) ? "1555" : "44", rnd() % 10000000);
        call_str(&c, &c.user_number, CT_F_USER_NUMBER, num);
    }
    if (rnd() % 5 == 0)
        call_str(&c, &c.assistant_name, CT_F_ASSISTANT_NAME,
                 names[rnd() % (sizeof names / sizeof *names)]);
    if (rnd() % 5 == 0)
        call_str(&c, &c.assistant_id, CT_F_ASSISTANT_ID, (rnd() % 2) ? "a1b2" : "ZZ9");
    apply_and_free(s, &c, rnd() % 1000);
}

static bool tally_cb(const ct_call_entry *e, void *ud)
{
    size_t *t = ud;
    t[e->call.status <= CT_STATUS_OTHER ? e->call.status : CT_STATUS_OTHER]++;
    if (is_live(e)) t[CT_STATUS_OTHER + 1]++;
    return true;
}

static void test_random_against_oracle(void **state)
{
    (void)state;
    enum { OPS = 5000 };
    rng_state = 20261126u;
    ct_store_limits lim = {.max_calls = 250}; /* evictions happen too */
    ct_store *s = ct_store_new(&lim);
    ct_view_spec sp;
    random_spec(&sp);
    ct_view *kept = ct_view_new(s, &sp); /* one view that lives across all ops */
    ct_view *v = ct_view_new(s, NULL);
    for (int i = 0; i < OPS; i++) {
        random_op(s);
        check_view(s, kept, &sp);
        ct_view_spec other;
        random_spec(&other);
        check_view(s, v, &other);
        if (i % 500 == 0) {
            random_spec(&sp);
            for (int k = 0; k < CT_SORT__COUNT; k++) {
                other.sort = (ct_sort_key)k;
                check_view(s, v, &other);
            }
        }
        /* Counters agree with a recount. */
        size_t t[CT_STATUS_OTHER + 2] = {0}, counts[CT_STATUS_OTHER + 1];
        ct_store_foreach(s, tally_cb, t);
        ct_store_status_counts(s, counts);
        for (int k = 0; k <= CT_STATUS_OTHER; k++) assert_int_equal(counts[k], t[k]);
        assert_int_equal(ct_store_live_count(s), t[CT_STATUS_OTHER + 1]);
        assert_true(ct_store_count(s) <= 250);
    }
    assert_true(ct_store_cap_reached(s));
    ct_view_free(kept);
    ct_view_free(v);
    ct_store_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_sort_keys),
        cmocka_unit_test(test_status_sort_by_start_within),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_assistant_and_number_filters),
        cmocka_unit_test(test_lazy_refresh_and_removal),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_random_against_oracle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
