/* engine.h — calltop-sim's scenario engine: the pure half of the simulator.
 *
 * The engine owns every call (history, live, and the ones created through
 * the REST API), the account's phone numbers and assistants, and produces
 * the webhook envelopes those calls would cause. It does no I/O and reads no
 * clock: time is whatever the caller passes to sim_engine_step(), in epoch
 * milliseconds ("virtual time"). All randomness comes from a seeded
 * xoshiro256** generator, so a given seed plus a given sequence of calls
 * into the engine produces byte-identical JSON. Events are processed in
 * global time order, so how often step() is called does not change what
 * happens, only when the caller gets to see it.
 *
 * Threading: none. The HTTP layer calls the engine from its service thread
 * only. */
#ifndef CALLTOP_SIM_ENGINE_H
#define CALLTOP_SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "calltop/model.h" /* core's time, E.164 and DTMF codecs */

/* ---- PRNG: splitmix64 seeding, xoshiro256** output ---------------------- */
typedef struct sim_rng {
    uint64_t s[4];
} sim_rng;
void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r);
double sim_rng_unit(sim_rng *r);                           /* [0, 1) */
uint32_t sim_rng_below(sim_rng *r, uint32_t n);            /* [0, n), n > 0 */
int64_t sim_rng_range(sim_rng *r, int64_t lo, int64_t hi); /* [lo, hi] */
/* Writes a v4-shaped UUID (36 chars + NUL). */
void sim_rng_uuid(sim_rng *r, char out[37]);
/* Writes `n` lowercase hex digits + NUL (ObjectId-style ids: n = 24). */
void sim_rng_hex(sim_rng *r, char *out, int n);

/* ---- utterance corpus (text.c) ------------------------------------------ */
typedef struct sim_line {
    char role; /* 'u' user, 'a' assistant */
    const char *text;
} sim_line;
typedef struct sim_topic {
    const char *key;     /* structuredData.topic */
    const char *summary; /* template, same placeholders as lines */
    const char *outcome;
    const sim_line *lines;
    size_t n_lines;
} sim_topic;
size_t sim_topic_count(void);
const sim_topic *sim_topic_get(size_t i);
size_t sim_name_count(void);
const char *sim_name_get(size_t i);
/* Expands {name} {first} {agent} {company} {order} {amount} {day} {time} in
 * `tmpl` into a malloc'd string. Values come from the call. */
struct sim_call;
char *sim_text_expand(const char *tmpl, const struct sim_call *c, const char *agent);

/* ---- objects ------------------------------------------------------------ */
enum sim_status { SIM_ST_QUEUED, SIM_ST_ONGOING, SIM_ST_FORWARDED, SIM_ST_FINISHED };
enum sim_phone {
    SIM_PH_NONE,
    SIM_PH_TRYING,
    SIM_PH_RINGING,
    SIM_PH_IN_PROGRESS,
    SIM_PH_BUSY,
    SIM_PH_NO_ANSWER,
    SIM_PH_FAILED,
    SIM_PH_COMPLETED,
    SIM_PH_EARLY_MEDIA
};
enum sim_trigger { SIM_TR_NONE, SIM_TR_USER, SIM_TR_ASSISTANT };
enum sim_grade { SIM_GRADE_EXCELLENT, SIM_GRADE_GOOD, SIM_GRADE_FAIR, SIM_GRADE_POOR };

typedef struct sim_number {
    char id[25];
    char number[20];
    char label[24];
    int assistant; /* index into assistants */
    bool inbound_enabled, outbound_enabled;
} sim_number;

typedef struct sim_assistant {
    char id[37];
    const char *name;
} sim_assistant;

typedef struct sim_msg {
    char id[37];
    char role; /* 'u' or 'a' */
    char *text;
    int64_t ts;
} sim_msg;

typedef struct sim_call {
    char id[40];
    sim_rng rng; /* per-call stream: a call's content is independent of the others */
    bool web, outbound, via_api;
    int assistant; /* index */
    int number;    /* index into numbers, -1 for raw-number calls */
    char user_number[24], assistant_number[24];
    char *customer_name; /* may be NULL (create-call without a name) */
    char *first_message; /* assistantOverrides.firstMessage: the assistant's first
                                 line instead of the script's; NULL once said or none */
    int64_t created_at, start_at, end_at, updated_at; /* end_at 0 while live */
    enum sim_status status;
    enum sim_phone phone;
    const char *phone_reason; /* static text or NULL */
    enum sim_trigger trigger;
    sim_msg *msgs;
    size_t n_msgs, cap_msgs;
    cJSON *metadata; /* owned object, NULL when none */
    /* analysis, set when the call ends */
    bool analysed;
    char *summary;
    enum sim_grade grade;
    const char *outcome;
    bool resolved;
    /* script state */
    int phase;       /* engine.c's enum */
    int64_t next_at; /* when the next scripted event is due (0 = none) */
    const sim_topic *topic;
    size_t line;       /* next line of the topic */
    size_t hang_line;  /* before this line the assistant goes silent; SIZE_MAX = never */
    size_t error_line; /* an stt/llm error fires before this line; SIZE_MAX = never */
    int fail_kind;     /* outbound only: 0 answered, else a SIM_PH_* failure */
    int episode;       /* API calls: the situation metadata.simEpisode asked for
                                 (engine.c's enum sim_episode; 0 = none) */
    int order_no, amount_cents, day, hour;
    char forward_to[24];
    bool live; /* in engine->live[] */
    /* List Calls item, printed once the call has ended (it cannot change
     * after that: control answers 409). Owned; NULL until first listed. */
    char *list_json;
    size_t list_json_len;
} sim_call;

/* A webhook envelope, already rendered (rendering later would show a state
 * that moved on). */
typedef struct sim_event {
    int64_t at;
    char *json;
} sim_event;

typedef struct sim_engine_config {
    uint64_t seed;
    int64_t t0;           /* virtual time at creation, epoch ms */
    int live_target;      /* keep up to this many engine-generated calls live */
    double rate;          /* arrivals per virtual second (0 = none) */
    int history;          /* finished calls generated before t0 */
    bool events;          /* render webhook envelopes into the outbox */
    const char *base_url; /* for monitor.controlUrl, e.g. http://127.0.0.1:8080 */
    /* undocumented vendor behaviours (ct_sim_options has the meaning) */
    bool list_oldest_first;
    int list_window;      /* ct_sim_list_window */
    int max_page_size;    /* 0 = SIM_LIST_MAX_SIZE */
    bool clamp_page_size; /* serve a larger size at the cap instead of 422 */
    bool status_completed;
    int64_t history_span_ms; /* 0 = one call per ~90 s */
} sim_engine_config;

typedef struct sim_engine {
    sim_engine_config cfg;
    char base_url[128];
    sim_rng rng; /* arrivals and ids of generated calls */
    int64_t now;
    char team_id[25];
    sim_number numbers[6];
    size_t n_numbers;
    sim_assistant assistants[4];
    size_t n_assistants;
    sim_call **calls;
    size_t n_calls, cap_calls; /* creation order */
    sim_call **live;
    size_t n_live, cap_live; /* calls with a pending scripted event */
    int64_t next_arrival;    /* 0 = no arrivals */
    bool quiet;              /* true while generating history: no events */
    sim_event *out;
    size_t n_out, cap_out;
    uint64_t events_total;
} sim_engine;

sim_engine *sim_engine_new(const sim_engine_config *cfg);
void sim_engine_free(sim_engine *e);
/* Advances virtual time to `now` (never backwards), running every due
 * event in time order. */
void sim_engine_step(sim_engine *e, int64_t now);
/* Takes the rendered webhook envelopes produced so far (caller frees each
 * json and the array). Returns the count. */
size_t sim_engine_take_events(sim_engine *e, sim_event **out);

sim_call *sim_engine_find(const sim_engine *e, const char *id);
const sim_number *sim_engine_find_number(const sim_engine *e, const char *id);
const sim_assistant *sim_engine_find_assistant(const sim_engine *e, const char *id);

/* Creation through the API; all validation is the caller's (routes.c).
 * Return the new call (owned by the engine). */
sim_call *sim_engine_connect(sim_engine *e, const sim_number *num, const char *customer_number,
                             const char *customer_name, const sim_assistant *asst, bool outbound,
                             const cJSON *metadata);
/* Connect Call's assistantOverrides.firstMessage: the call's first assistant
 * line will be exactly `text` (NULL or "" = the script's own). */
void sim_engine_set_first_message(sim_call *c, const char *text);
sim_call *sim_engine_create(sim_engine *e, const char *user_number, const char *assistant_number,
                            const sim_assistant *asst, const cJSON *metadata);

/* Control. The action names are the documented `type` values. */
typedef enum {
    SIM_CTL_OK = 0,
    SIM_CTL_ENDED,
    SIM_CTL_BAD_TYPE,
    SIM_CTL_BAD_MESSAGE
} sim_ctl_result;
sim_ctl_result sim_engine_control(sim_engine *e, sim_call *c, const char *type, const char *message,
                                  const char **why);

bool sim_call_is_live(const sim_call *c);

/* ---- JSON (engine.c) ---------------------------------------------------- */
/* The REST call object; with_messages for Get Call. */
cJSON *sim_call_json(const sim_engine *e, const sim_call *c, bool with_messages);
cJSON *sim_number_json(const sim_engine *e, const sim_number *n);
cJSON *sim_assistant_json(const sim_engine *e, const sim_assistant *a);

/* Validation helpers shared with routes.c. */
/* DTMF for the control route: core's ct_dtmf_valid digits, at most SIM_DTMF_MAX. */
#define SIM_DTMF_MAX 64
bool sim_dtmf_valid(const char *s);
void sim_iso_format(int64_t ms, char out[32]);
/* ISO 8601 (Z, ±hh:mm, or a space where a form-decoded '+' was) or bare epoch ms. */
bool sim_iso_parse(const char *s, int64_t *out);

#endif
