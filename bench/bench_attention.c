/* bench_attention.c — what the attention rules (core/attention.c) cost on
 * the UI thread, per event, at 1,000 events/s.
 *
 * Method: a store of 10,000 calls (200 live, each with a 40-line
 * transcript already seen by the rules), then a stream of relay updates
 * shaped like a busy account: 60% conversation-updates adding one customer
 * line to a live call (the keyword regex runs on it: the default list),
 * 30% status-updates, 5% hangs, 5% errors. Each event goes through the real
 * reducer first (not timed), then ct_attention_observe is timed alone; the
 * once-a-second ct_attention_tick (every live call: long call, ringing,
 * silence) is timed separately over the same store. Figures are the median
 * of 5 runs of 20,000 events (CLOCK_MONOTONIC, wall time / events). The
 * CPU share at 1,000 events/s is (1,000 x observe + 1 x tick) per second. */
#include "calltop/attention.h"
#include "calltop/reduce.h"
#include "calltop/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS   5
#define EVENTS 20000
#define CALLS  10000
#define LIVE   200
#define LINES  40
#define NOW    1780000000000LL

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

static uint32_t rng = 4242;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static const char *const customer_lines[] = {
    "I would like to move my appointment to Thursday afternoon, if that is possible.",
    "My internet has been down since this morning and I work from home.",
    "Can you tell me why my last bill was higher than usual?",
    "Yes, the order number is 4411-2290, it was placed on Monday.",
    "Merci, c'est parfait. Und noch eine Frage zur Rechnung, bitte.",
    "I already restarted the router twice, it still does not work.",
};

static void call_id(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "CC-bench-%06d", i);
}

static ct_event *status_event(int i, bool live, ct_time_ms ts)
{
    ct_event *ev = ct_event_new(CT_EV_MONITOR_UPDATE);
    char id[32];
    call_id(i, id, sizeof id);
    ev->update_kind = CT_WH_STATUS_UPDATE;
    ev->last_event_ms = ts;
    ev->call.id = strdup(id);
    ev->call.present = CT_F_ID | CT_F_STATUS | CT_F_PHONE_STATUS | CT_F_START | CT_F_DIRECTION;
    ev->call.status = live ? CT_STATUS_ONGOING : CT_STATUS_FINISHED;
    ev->call.phone_status = live ? CT_PHONE_IN_PROGRESS : CT_PHONE_COMPLETED;
    ev->call.direction = CT_DIR_INBOUND;
    ev->call.start_at = NOW - 120000;
    return ev;
}

static ct_event *line_event(int i, int n, ct_time_ms ts)
{
    ct_event *ev = ct_event_new(CT_EV_MONITOR_UPDATE);
    char id[32], mid[48];
    call_id(i, id, sizeof id);
    snprintf(mid, sizeof mid, "m-%d-%d", i, n);
    ev->update_kind = CT_WH_CONVERSATION_UPDATE;
    ev->last_event_ms = ts;
    ev->call.id = strdup(id);
    ev->call.present = CT_F_ID | CT_F_MESSAGES;
    ev->call.messages = calloc(1, sizeof *ev->call.messages);
    ev->call.n_messages = 1;
    ev->call.messages[0].message_id = strdup(mid);
    ev->call.messages[0].role = (n % 2) ? CT_ROLE_USER : CT_ROLE_ASSISTANT;
    ev->call.messages[0].text = strdup(customer_lines[rnd() % 6]);
    ev->call.messages[0].timestamp = ts;
    return ev;
}

int main(void)
{
    double observe_ns[RUNS], tick_us[RUNS], reduce_ns[RUNS];
    for (int run = 0; run < RUNS; run++) {
        ct_store_limits lim = {.max_calls = 20000};
        ct_store *s = ct_store_new(&lim);
        ct_reducer r;
        ct_reducer_init(&r, s);
        ct_att_config c;
        ct_att_config_defaults(&c);
        c.silence_ms = 0; /* timestamps here are synthetic; the tick still walks every call */
        ct_error err;
        ct_attention *a = ct_attention_new(&c, &err);
        if (!a) {
            fprintf(stderr, "%s\n", err.detail);
            return 1;
        }
        ct_time_ms t = NOW - 600000;
        /* the store: finished calls, then live calls with their transcripts */
        for (int i = 0; i < CALLS; i++) {
            ct_event *ev = status_event(i, i < LIVE, t);
            ct_attention_observe(a, s, ev, ct_reduce_apply(&r, ev, t), t);
            ct_event_free(ev);
        }
        int lines[LIVE] = {0};
        for (int i = 0; i < LIVE; i++)
            for (int n = 0; n < LINES; n++) {
                ct_event *ev = line_event(i, lines[i]++, t);
                ct_attention_observe(a, s, ev, ct_reduce_apply(&r, ev, t), t);
                ct_event_free(ev);
            }
        /* the stream */
        double in_observe = 0, in_reduce = 0;
        for (int k = 0; k < EVENTS; k++) {
            t += 1; /* 1,000 events/s */
            int i = (int)(rnd() % LIVE);
            uint32_t kind = rnd() % 100;
            ct_event *ev;
            if (kind < 60) {
                ev = line_event(i, lines[i]++, t);
            } else if (kind < 90) {
                ev = status_event(i, true, t);
            } else if (kind < 95) {
                char id[32];
                call_id(i, id, sizeof id);
                ev = ct_event_new(CT_EV_MONITOR_UPDATE);
                ev->update_kind = CT_WH_HANG;
                ev->last_event_ms = t;
                ev->call.id = strdup(id);
                ev->call.present = CT_F_ID;
            } else {
                char id[32];
                call_id(i, id, sizeof id);
                ev = ct_event_new(CT_EV_MONITOR_UPDATE);
                ev->update_kind = CT_WH_ERROR;
                ev->last_event_ms = t;
                ev->call.id = strdup(id);
                ev->call.present = CT_F_ID;
                ev->call_error.present = true;
                ev->call_error.type = strdup("llm_error");
                ev->call_error.message = strdup("model timed out");
            }
            double t0 = now_s();
            const ct_effects *fx = ct_reduce_apply(&r, ev, t);
            double t1 = now_s();
            ct_attention_observe(a, s, ev, fx, t);
            double t2 = now_s();
            in_reduce += t1 - t0;
            in_observe += t2 - t1;
            ct_reducer_trim(&r);
            ct_event_free(ev);
        }
        double t0 = now_s();
        for (int k = 0; k < 20; k++) ct_attention_tick(a, s, t + 1000 * k);
        tick_us[run] = (now_s() - t0) / 20 * 1e6;
        observe_ns[run] = in_observe / EVENTS * 1e9;
        reduce_ns[run] = in_reduce / EVENTS * 1e9;
        if (run == 0)
            printf("attention: %zu items after the stream (%zu open)\n", ct_attention_count(a),
                   ct_attention_open_count(a));
        ct_attention_free(a);
        ct_reducer_free(&r);
        ct_store_free(s);
    }
    /* one call's transcript growing 0 -> 1,000 lines (bench_board's
     * board.cpu.events_200_per_s stream): the cost must not grow with it */
    double growing_ns[RUNS];
    for (int run = 0; run < RUNS; run++) {
        ct_store *s = ct_store_new(NULL);
        ct_reducer r;
        ct_reducer_init(&r, s);
        ct_att_config c;
        ct_att_config_defaults(&c);
        ct_error err;
        ct_attention *a = ct_attention_new(&c, &err);
        ct_time_ms t = NOW;
        ct_event *ev = status_event(0, true, t);
        ct_attention_observe(a, s, ev, ct_reduce_apply(&r, ev, t), t);
        ct_event_free(ev);
        double in_observe = 0;
        for (int n = 0; n < 1000; n++) {
            t += 5;
            ev = line_event(0, n, t);
            const ct_effects *fx = ct_reduce_apply(&r, ev, t);
            double t0 = now_s();
            ct_attention_observe(a, s, ev, fx, t);
            in_observe += now_s() - t0;
            ct_event_free(ev);
        }
        growing_ns[run] = in_observe / 1000 * 1e9;
        ct_attention_free(a);
        ct_reducer_free(&r);
        ct_store_free(s);
    }
    qsort(growing_ns, RUNS, sizeof *growing_ns, cmp_double);
    printf("attention.observe_ns_one_call_0_to_1000_lines %8.0f\n", growing_ns[RUNS / 2]);
    qsort(observe_ns, RUNS, sizeof *observe_ns, cmp_double);
    qsort(tick_us, RUNS, sizeof *tick_us, cmp_double);
    qsort(reduce_ns, RUNS, sizeof *reduce_ns, cmp_double);
    double obs = observe_ns[RUNS / 2], tick = tick_us[RUNS / 2], red = reduce_ns[RUNS / 2];
    printf("attention.observe_ns_per_event      %8.0f   (reducer alone: %.0f ns)\n", obs, red);
    printf("attention.tick_us_%d_calls_%d_live %8.1f\n", CALLS, LIVE, tick);
    printf("attention.cpu_percent_at_1000_ev_s  %8.3f   (1000 x observe + 1 tick per second)\n",
           (obs * 1000 + tick * 1000) / 1e9 * 100);
    return 0;
}
