/* bench_store.c — what the store costs on the UI thread.
 *
 * Method: every figure is the median over 5 runs of (wall time of a run /
 * operations in the run), timed with CLOCK_MONOTONIC. Inputs are built
 * before the clock starts (decoded structs, as the inbox delivers them), so
 * only the store is measured. Data are synthetic but shaped like the real
 * thing: UUID-style ids, E.164 numbers, ~20% live calls, names for half the
 * customers. Whole run: a few seconds.
 *
 *   status-update     a status-update webhook for a random known call among
 *                     10,000, alternating statuses so each one is a real change
 *   full history      a conversation-update carrying the call's whole history
 *                     (1,000 known lines + 1 new), the common live case
 *   duplicate         the same status-updates re-delivered (no-op path)
 *   insert at cap     a new call into a full 20,000-call store (one eviction)
 *   view rebuild      a full rebuild of a view over all calls for each sort key
 *                     (forced by flipping the direction), at 10,000 and 50,000
 *   search rebuild    a rebuild with a search string over numbers/ids/names
 *   refresh unchanged ct_view_refresh when nothing changed (a frame's cost) */
#include "calltop/reduce.h"
#include "calltop/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof *v, cmp_double);
    return v[RUNS / 2];
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "bench_store: out of memory\n");
        exit(1);
    }
    return d;
}

static void make_id(char *buf, size_t len, unsigned i)
{
    snprintf(buf, len, "CC-%08x-%04x-4%03x-9%03x-%012u", rnd(), rnd() & 0xffff, rnd() & 0xfff,
             rnd() & 0xfff, i);
}

static const char *const first_names[] = {"Ada", "Grace",  "Alan",     "Edsger", "Barbara",
                                          "Ken", "Dennis", "Margaret", "Linus",  "Radia"};
static const char *const assistants[] = {"Front Desk", "Booking", "Sales Qualifier",
                                         "Support Tier 1", "Collections"};

/* Fills a store with n calls; ids are written to ids[] (n * 64 bytes). */
static void fill(ct_store *s, size_t n, char (*ids)[64])
{
    for (size_t i = 0; i < n; i++) {
        ct_call c = {0};
        make_id(ids[i], 64, (unsigned)i);
        char num[24], name[48]; /* read by apply_call below: keep in scope */
        snprintf(num, sizeof num, "+1555%07u", rnd() % 10000000);
        c.id = ids[i];
        c.user_number = num;
        c.assistant_number = "+15550000000";
        c.assistant_id = "66f1c0ffee0000000000abcd";
        c.assistant_name = (char *)assistants[rnd() % 5];
        if (i % 2) {
            snprintf(name, sizeof name, "%s %u", first_names[rnd() % 10], (unsigned)i);
            c.customer_name = name;
            c.present |= CT_F_CUSTOMER_NAME;
        }
        bool live = rnd() % 5 == 0;
        c.status = live ? CT_STATUS_ONGOING : CT_STATUS_FINISHED;
        c.status_text = (char *)ct_status_name(c.status);
        c.direction = (rnd() % 2) ? CT_DIR_INBOUND : CT_DIR_OUTBOUND;
        c.direction_text = (char *)ct_direction_name(c.direction);
        c.phone_status = live ? CT_PHONE_IN_PROGRESS : CT_PHONE_COMPLETED;
        c.phone_status_text = (char *)ct_phone_status_name(c.phone_status);
        c.start_at = 1772700000000LL + (ct_time_ms)(rnd() % 86400000);
        if (!live) c.end_at = c.start_at + 1000 * (ct_time_ms)(5 + rnd() % 900);
        c.present |= CT_F_ID | CT_F_USER_NUMBER | CT_F_ASSISTANT_NUMBER | CT_F_ASSISTANT_ID |
            CT_F_ASSISTANT_NAME | CT_F_STATUS | CT_F_DIRECTION | CT_F_PHONE_STATUS | CT_F_START |
            (live ? 0 : CT_F_END);
        if (ct_store_apply_call(s, &c, 1) != CT_OK) {
            fprintf(stderr, "bench_store: apply failed\n");
            exit(1);
        }
    }
}

static ct_store *new_store(size_t max_calls)
{
    ct_store_limits lim = {.max_calls = max_calls};
    ct_store *s = ct_store_new(&lim);
    if (!s) {
        fprintf(stderr, "bench_store: out of memory\n");
        exit(1);
    }
    return s;
}

static void bench_status_updates(void)
{
    enum { N = 10000, OPS = 10000 };
    ct_store *s = new_store(0);
    char(*ids)[64] = malloc(N * sizeof *ids);
    ct_webhook *w = calloc(OPS, sizeof *w);
    if (!ids || !w) exit(1);
    fill(s, N, ids);
    double per[RUNS];
    ct_time_ms ts = 1772800000000LL;
    for (int r = 0; r < RUNS; r++) {
        for (int i = 0; i < OPS; i++) { /* shallow structs pointing at static text */
            memset(&w[i], 0, sizeof w[i]);
            w[i].type = CT_WH_STATUS_UPDATE;
            w[i].timestamp = ts++;
            w[i].call.id = ids[rnd() % N];
            w[i].call.status = (i % 2) ? CT_STATUS_ONGOING : CT_STATUS_FORWARDED;
            w[i].call.status_text = (char *)ct_status_name(w[i].call.status);
            w[i].call.phone_status = CT_PHONE_IN_PROGRESS;
            w[i].call.phone_status_text = "in-progress";
            w[i].call.present = CT_F_ID | CT_F_STATUS | CT_F_PHONE_STATUS;
        }
        uint64_t g0 = ct_store_generation(s);
        double t0 = now_s();
        for (int i = 0; i < OPS; i++) ct_store_apply_webhook(s, &w[i]);
        per[r] = (now_s() - t0) / OPS;
        if (ct_store_generation(s) == g0) fprintf(stderr, "bench_store: no change applied?\n");
    }
    printf("store.apply_status_update       %6d calls  %8.3f us/op  (median of %d runs x %d ops)\n",
           N, median(per) * 1e6, RUNS, OPS);

    /* The same events again: duplicates the relay may re-deliver. */
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        for (int i = 0; i < OPS; i++) ct_store_apply_webhook(s, &w[i]);
        per[r] = (now_s() - t0) / OPS;
    }
    printf("store.apply_duplicate_update    %6d calls  %8.3f us/op  (median of %d runs x %d ops)\n",
           N, median(per) * 1e6, RUNS, OPS);
    free(w);
    free(ids);
    ct_store_free(s);
}

static void bench_full_history(void)
{
    enum { N = 10000, BASE = 1000, OPS = 200 };
    ct_store *s = new_store(0);
    char(*ids)[64] = malloc(N * sizeof *ids);
    ct_message *lines = calloc(BASE + OPS, sizeof *lines);
    if (!ids || !lines) exit(1);
    fill(s, N, ids);
    for (int i = 0; i < BASE + OPS; i++) {
        char id[48], text[160];
        snprintf(id, sizeof id, "msg-%08x-%06d", rnd(), i);
        snprintf(text, sizeof text,
                 "%s line %d: sure, I can move your appointment to Thursday "
                 "at 3 pm; is there anything else?",
                 (i % 2) ? "user" : "assistant", i);
        lines[i].message_id = dup_or_die(id);
        lines[i].role = (i % 2) ? CT_ROLE_USER : CT_ROLE_ASSISTANT;
        lines[i].role_text = dup_or_die((i % 2) ? "user" : "assistant");
        lines[i].text = dup_or_die(text);
        lines[i].timestamp = 1772800000000LL + i * 1500;
    }
    double per[RUNS];
    for (int r = 0; r < RUNS; r++) {
        /* A fresh call per run that already knows the first 1,000 lines. */
        const char *id = ids[r];
        if (ct_store_merge_messages(s, id, lines, BASE) != CT_OK) exit(1);
        double t0 = now_s();
        for (int k = 0; k < OPS; k++) {
            ct_webhook w = {0};
            w.type = CT_WH_CONVERSATION_UPDATE;
            w.timestamp = lines[BASE + k].timestamp;
            w.call.id = (char *)id;
            w.call.present = CT_F_ID | CT_F_MESSAGES;
            w.call.messages = lines;
            w.call.n_messages = (size_t)(BASE + k + 1);
            ct_store_apply_webhook(s, &w);
        }
        per[r] = (now_s() - t0) / OPS;
        if (ct_store_get(s, id)->call.n_messages != BASE + OPS)
            fprintf(stderr, "bench_store: merge lost lines\n");
    }
    printf(
        "store.apply_full_history       %6d lines  %8.3f us/op  (median of %d runs x %d ops; 1,000 known + 1 new each)\n",
        BASE, median(per) * 1e6, RUNS, OPS);
    ct_messages_free(lines, BASE + OPS);
    free(ids);
    ct_store_free(s);
}

static void bench_views(size_t n)
{
    ct_store *s = new_store(n + 1);
    char(*ids)[64] = malloc(n * sizeof *ids);
    if (!ids) exit(1);
    fill(s, n, ids);
    int ops = n > 20000 ? 4 : 16;
    double per[RUNS];
    ct_view_spec sp = {0};
    sp.now = 1772800000000LL;
    ct_view *v = ct_view_new(s, &sp);
    for (int k = 0; k < CT_SORT__COUNT; k++) {
        sp.sort = (ct_sort_key)k;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now_s();
            for (int i = 0; i < ops; i++) {
                sp.descending = !sp.descending; /* a new spec forces the rebuild */
                ct_view_set_spec(v, &sp);
                ct_view_refresh(v);
            }
            per[r] = (now_s() - t0) / ops;
        }
        char label[64];
        snprintf(label, sizeof label, "store.view_rebuild.%s", ct_sort_key_name((ct_sort_key)k));
        printf("%-31s %6zu calls  %8.3f ms/op  (median of %d runs x %d rebuilds)\n", label, n,
               median(per) * 1e3, RUNS, ops);
    }
    /* Search: a digit run that matches ~1% of numbers, then a name. */
    const char *needles[] = {"55512", "grace"};
    for (int q = 0; q < 2; q++) {
        sp.sort = CT_SORT_START;
        snprintf(sp.search, sizeof sp.search, "%s", needles[q]);
        size_t hits = 0;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now_s();
            for (int i = 0; i < ops; i++) {
                sp.descending = !sp.descending;
                ct_view_set_spec(v, &sp);
                ct_view_refresh(v);
            }
            per[r] = (now_s() - t0) / ops;
            hits = ct_view_count(v);
        }
        char label[64];
        snprintf(label, sizeof label, "store.search_rebuild.\"%s\"", needles[q]);
        printf("%-31s %6zu calls  %8.3f ms/op  (median of %d runs x %d rebuilds; %zu hits)\n",
               label, n, median(per) * 1e3, RUNS, ops, hits);
    }
    /* Nothing changed: what a frame costs when the store is idle. */
    for (int r = 0; r < RUNS; r++) {
        double t0 = now_s();
        for (int i = 0; i < 100000; i++) ct_view_refresh(v);
        per[r] = (now_s() - t0) / 100000;
    }
    printf("%-31s %6zu calls  %8.3f us/op  (median of %d runs x 100000 calls)\n",
           "store.view_refresh_unchanged", n, median(per) * 1e6, RUNS);
    ct_view_free(v);
    free(ids);
    ct_store_free(s);
}

/* A new call into a full store evicts one (an O(n) scan for the oldest
 * ended call): what a flood of new calls costs at the default cap. */
static void bench_insert_at_cap(void)
{
    enum { N = 20000, OPS = 2000 };
    ct_store *s = new_store(N);
    char(*ids)[64] = malloc((N + RUNS * OPS) * sizeof *ids);
    if (!ids) exit(1);
    fill(s, N, ids);
    double per[RUNS];
    for (int r = 0; r < RUNS; r++) {
        char(*fresh)[64] = ids + N + r * OPS;
        for (int i = 0; i < OPS; i++) make_id(fresh[i], 64, (unsigned)(N + r * OPS + i));
        double t0 = now_s();
        for (int i = 0; i < OPS; i++) {
            ct_call c = {0};
            c.id = fresh[i];
            c.status = CT_STATUS_QUEUED;
            c.status_text = "queued";
            c.present = CT_F_ID | CT_F_STATUS;
            ct_store_apply_call(s, &c, 1);
        }
        per[r] = (now_s() - t0) / OPS;
    }
    printf(
        "store.insert_at_cap             %6d calls  %8.3f us/op  (median of %d runs x %d ops; evicts one each)\n",
        N, median(per) * 1e6, RUNS, OPS);
    if (ct_store_count(s) != N || !ct_store_cap_reached(s))
        fprintf(stderr, "bench_store: cap not held\n");
    free(ids);
    ct_store_free(s);
}

/* The reducer's cost over the bare merge: one CALLS_LISTED event of N new
 * calls applied with ct_reduce_apply (transitions, confirmed_at, one
 * CALL_NEW effect per call) against the same calls through
 * ct_store_apply_call alone, each into a fresh store. */
static void bench_reduce_list(size_t n)
{
    ct_event *ev = ct_event_new(CT_EV_CALLS_LISTED);
    ev->calls.calls = calloc(n, sizeof *ev->calls.calls);
    if (!ev->calls.calls) exit(1);
    for (size_t i = 0; i < n; i++) {
        char id[64];
        make_id(id, sizeof id, (unsigned)i);
        ct_call *c = &ev->calls.calls[i];
        c->id = dup_or_die(id);
        c->status = i % 5 ? CT_STATUS_FINISHED : CT_STATUS_ONGOING;
        c->status_text = dup_or_die(ct_status_name(c->status));
        c->start_at = 1772700000000LL + (ct_time_ms)i * 1000;
        if (c->status == CT_STATUS_FINISHED) c->end_at = c->start_at + 60000;
        c->present = CT_F_ID | CT_F_STATUS | CT_F_START | (c->end_at ? CT_F_END : 0);
    }
    ev->calls.n_calls = n;
    double bare[RUNS], reduced[RUNS];
    for (int r = 0; r < RUNS; r++) {
        ct_store *s = new_store(n);
        double t0 = now_s();
        for (size_t i = 0; i < n; i++)
            ct_store_apply_call(s, &ev->calls.calls[i],
                                ct_reduce_rest_version(&ev->calls.calls[i], 1));
        bare[r] = now_s() - t0;
        ct_store_free(s);
        s = new_store(n);
        ct_reducer red;
        if (ct_reducer_init(&red, s) != 0) exit(1);
        t0 = now_s();
        const ct_effects *fx = ct_reduce_apply(&red, ev, 1);
        reduced[r] = now_s() - t0;
        if (fx->n < n) fprintf(stderr, "bench_store: %zu effects for %zu new calls\n", fx->n, n);
        ct_reducer_free(&red);
        ct_store_free(s);
    }
    printf(
        "reduce.list_new_calls           %6zu calls  %8.3f ms/op  (median of %d runs; the bare merge of the same calls: %.3f ms)\n",
        n, median(reduced) * 1e3, RUNS, median(bare) * 1e3);
    ct_event_free(ev);
}

int main(void)
{
    double t0 = now_s();
    bench_status_updates();
    bench_full_history();
    bench_insert_at_cap();
    bench_views(10000);
    bench_views(50000);
    bench_reduce_list(50000);
    printf("bench_store total %.1f s\n", now_s() - t0);
    return 0;
}
