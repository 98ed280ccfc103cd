/* test_sim_api.c — calltop-sim's REST routes over real loopback sockets:
 * every documented route, every error path (401, 422 variants, 404, 405,
 * 409), the connect -> ringing -> ongoing progression, and transcripts that
 * grow while a call is live. The simulator runs in-process (ct_sim_start)
 * with no generated live calls, so the only live calls are the tests' own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calltop/sim.h"
#include "helper_http.h"

#define KEY  "test-key-123"
#define WIDE "startDate=2000-01-01T00:00:00.000Z&endDate=2100-01-01T00:00:00.000Z"

static ct_sim *sim;
static char base[128];

static int setup(void **state)
{
    (void)state;
    ct_sim_options o;
    ct_sim_options_init(&o);
    o.api_key = KEY;
    o.calls = 0;
    o.rate = 0;
    o.history = 50;
    o.seed = 42;
    o.speed = 20; /* 20 virtual seconds per real second: calls progress fast */
    ct_error err;
    sim = ct_sim_start(&o, &err);
    if (!sim) {
        fprintf(stderr, "ct_sim_start: %s\n", err.detail);
        return -1;
    }
    snprintf(base, sizeof base, "%s", ct_sim_base_url(sim));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ct_sim_stop(sim);
    sim = NULL;
    return 0;
}

static void url(char *buf, size_t len, const char *fmt, ...)
{
    int n = snprintf(buf, len, "%s", base);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, len - (size_t)n, fmt, ap);
    va_end(ap);
}

/* GET with the right key; parses the body (caller deletes). */
static cJSON *get_json(const char *path, long want_status)
{
    char u[512];
    url(u, sizeof u, "%s", path);
    th_response r;
    assert_int_equal(th_get(u, KEY, &r), 0);
    if (r.status != want_status) fprintf(stderr, "GET %s -> %ld %s\n", path, r.status, r.body);
    assert_int_equal(r.status, want_status);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(j);
    th_response_free(&r);
    return j;
}

static cJSON *post_json(const char *path, const char *body, long want_status)
{
    char u[512];
    url(u, sizeof u, "%s", path);
    th_response r;
    assert_int_equal(th_post_json(u, KEY, body, &r), 0);
    if (r.status != want_status)
        fprintf(stderr, "POST %s %s -> %ld %s\n", path, body, r.status, r.body);
    assert_int_equal(r.status, want_status);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(j);
    th_response_free(&r);
    return j;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Asserts a 422 body whose first detail names `loc` (a JSON array text). */
static void assert_detail_loc(const cJSON *j, const char *loc_json)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "detail");
    assert_true(cJSON_IsArray(d));
    bool found = false;
    const cJSON *item;
    cJSON_ArrayForEach(item, d)
    {
        char *loc = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(item, "loc"));
        if (loc && strcmp(loc, loc_json) == 0) found = true;
        free(loc);
        assert_non_null(str(item, "msg"));
        assert_non_null(str(item, "type"));
    }
    if (!found) {
        char *all = cJSON_PrintUnformatted(j);
        fprintf(stderr, "wanted loc %s in %s\n", loc_json, all);
        free(all);
    }
    assert_true(found);
}

/* The number with `label` from List Numbers (its _id copied to out). */
static void number_id(const char *label, char *out, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "/assistants/v1/numbers?label=%s", label);
    cJSON *arr = get_json(path, 200);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    snprintf(out, len, "%s", str(cJSON_GetArrayItem(arr, 0), "_id"));
    cJSON_Delete(arr);
}

/* Places a call via Connect; returns its id (malloc'd). */
static char *connect_call(void)
{
    char nid[64], body[256];
    number_id("support", nid, sizeof nid);
    snprintf(body, sizeof body,
             "{\"direction\":\"outbound\",\"phoneNumberId\":\"%s\",\"customer\":{\"number\":"
             "\"+14155550123\",\"name\":\"Zoë\"},\"metadata\":{\"ticket\":\"T-1\"}}",
             nid);
    cJSON *j = post_json("/calls/v1/conversations/connect", body, 200);
    char *id = strdup(str(j, "id"));
    cJSON_Delete(j);
    return id;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Polls Get Call until `field` equals `want` (bounded: 8 s). */
static bool wait_field(const char *id, const char *field, const char *want)
{
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s", id);
    for (int i = 0; i < 160; i++) {
        cJSON *j = get_json(path, 200);
        const char *v = str(j, field);
        bool ok = v && strcmp(v, want) == 0;
        cJSON_Delete(j);
        if (ok) return true;
        sleep_ms(50);
    }
    return false;
}

/* ---- auth ---------------------------------------------------------------- */

static void test_auth(void **state)
{
    (void)state;
    char u[512];
    url(u, sizeof u, "/assistants/v1/numbers");
    th_response r;
    assert_int_equal(th_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    cJSON *j = cJSON_Parse(r.body);
    assert_non_null(str(j, "detail"));
    cJSON_Delete(j);
    th_response_free(&r);

    assert_int_equal(th_get(u, "wrong-key", &r), 0);
    assert_int_equal(r.status, 401);
    th_response_free(&r);
    /* A prefix of the key is not the key. */
    assert_int_equal(th_get(u, "test-key-12", &r), 0);
    assert_int_equal(r.status, 401);
    th_response_free(&r);

    const char *basic[] = {"Authorization: Basic dGVzdC1rZXktMTIz", NULL};
    assert_int_equal(th_request("GET", u, basic, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    th_response_free(&r);

    const char *lower[] = {"Authorization: bearer " KEY, NULL};
    assert_int_equal(th_request("GET", u, lower, NULL, &r), 0);
    assert_int_equal(r.status, 200);
    th_response_free(&r);

    /* Every route wants the key, the POSTs too. */
    url(u, sizeof u, "/calls/v1/conversations/connect");
    assert_int_equal(th_post_json(u, NULL, "{}", &r), 0);
    assert_int_equal(r.status, 401);
    th_response_free(&r);
    url(u, sizeof u, "/calls/v1/conversations?" WIDE);
    assert_int_equal(th_get(u, NULL, &r), 0);
    assert_int_equal(r.status, 401);
    th_response_free(&r);
}

/* ---- list ---------------------------------------------------------------- */

static void test_list_validation(void **state)
{
    (void)state;
    char u[512];
    url(u, sizeof u, "/calls/v1/conversations?endDate=2100-01-01T00:00:00.000Z");
    th_response r;
    assert_int_equal(th_get(u, KEY, &r), 0);
    assert_int_equal(r.status, 422);
    assert_string_equal(r.body,
                        "{\"detail\":[{\"loc\":[\"query\",\"startDate\"],\"msg\":\"field "
                        "required\",\"type\":\"value_error.missing\"}]}");
    th_response_free(&r);

    cJSON *j =
        get_json("/calls/v1/conversations?startDate=yesterday&endDate=2100-01-01T00:00:00Z", 422);
    assert_detail_loc(j, "[\"query\",\"startDate\"]");
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?startDate=2000-01-01T00:00:00Z", 422);
    assert_detail_loc(j, "[\"query\",\"endDate\"]");
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?" WIDE "&size=101", 422);
    assert_detail_loc(j, "[\"query\",\"size\"]");
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?" WIDE "&page=0", 422);
    assert_detail_loc(j, "[\"query\",\"page\"]");
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?" WIDE "&sort=duration", 422);
    assert_detail_loc(j, "[\"query\",\"sort\"]");
    cJSON_Delete(j);
}

static void test_list_paging_and_sort(void **state)
{
    (void)state;
    cJSON *all = get_json("/calls/v1/conversations?" WIDE "&size=100&sort=conversationId", 200);
    int total = cJSON_GetObjectItemCaseSensitive(all, "totalCount")->valueint;
    assert_true(total >= 50);
    const cJSON *convs = cJSON_GetObjectItemCaseSensitive(all, "conversations");
    assert_int_equal(cJSON_GetArraySize(convs), total > 100 ? 100 : total);
    /* sort=conversationId is ascending by id; list items carry no messages */
    const char *prev = "";
    const cJSON *c;
    int web = 0, cc = 0, plain = 0;
    cJSON_ArrayForEach(c, convs)
    {
        assert_true(strcmp(prev, str(c, "id")) < 0);
        prev = str(c, "id");
        assert_null(cJSON_GetObjectItemCaseSensitive(c, "messages"));
        assert_non_null(str(c, "startAt"));
        web += strncmp(prev, "WC-", 3) == 0;
        cc += strncmp(prev, "CC-", 3) == 0;
        plain += prev[2] != '-';
    }
    /* all three id formats occur */
    assert_true(web > 0 && cc > 0 && plain > 0);

    /* pages of 20 partition the default (startAt, newest first) order */
    char seen[200][48];
    int n_seen = 0;
    int64_t last_start = INT64_MAX;
    for (int page = 1; page <= (total + 19) / 20 && page <= 10; page++) {
        char path[256];
        snprintf(path, sizeof path, "/calls/v1/conversations?" WIDE "&size=20&page=%d", page);
        cJSON *j = get_json(path, 200);
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "totalCount")->valueint, total);
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "conversations"))
        {
            for (int k = 0; k < n_seen; k++) assert_string_not_equal(seen[k], str(c, "id"));
            assert_true(n_seen < 200);
            snprintf(seen[n_seen++], 48, "%s", str(c, "id"));
            /* ISO timestamps sort as text */
            char ts[32];
            snprintf(ts, sizeof ts, "%s", str(c, "startAt"));
            int64_t key = 0;
            for (char *p = ts; *p; p++)
                if (*p >= '0' && *p <= '9') key = key * 10 + (*p - '0');
            assert_true(key <= last_start);
            last_start = key;
        }
        cJSON_Delete(j);
    }
    assert_int_equal(n_seen, total < 200 ? total : n_seen);
    /* a page past the end is empty, not an error */
    cJSON *j = get_json("/calls/v1/conversations?" WIDE "&size=100&page=99", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "conversations")), 0);
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?" WIDE "&sort=endAt&size=5", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "conversations")), 5);
    cJSON_Delete(j);
    j = get_json("/calls/v1/conversations?" WIDE "&sort=status&size=5", 200);
    cJSON_Delete(j);
    /* a listed item is the call without messages, served the same from the
     * cache (ended calls are printed once) as fresh */
    char u[512];
    url(u, sizeof u, "/calls/v1/conversations?" WIDE "&size=30&page=2");
    th_response r1, r2;
    assert_int_equal(th_get(u, KEY, &r1), 0);
    assert_int_equal(th_get(u, KEY, &r2), 0);
    assert_string_equal(r1.body, r2.body);
    cJSON *page2 = cJSON_Parse(r1.body);
    th_response_free(&r1);
    th_response_free(&r2);
    const cJSON *item =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(page2, "conversations"), 3);
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s", str(item, "id"));
    cJSON *full = get_json(path, 200);
    cJSON_DeleteItemFromObjectCaseSensitive(full, "messages");
    assert_true(cJSON_Compare(item, full, true));
    cJSON_Delete(full);
    cJSON_Delete(page2);
    /* default size is 10 */
    j = get_json("/calls/v1/conversations?" WIDE, 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "conversations")), 10);
    cJSON_Delete(j);
    cJSON_Delete(all);
}

static void test_list_window_includes_live(void **state)
{
    (void)state;
    cJSON *j = get_json(
        "/calls/v1/conversations?startDate=2001-01-01T00:00:00Z&endDate=2001-01-02T00:00:00Z", 200);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "totalCount")->valueint, 0);
    cJSON_Delete(j);

    char *id = connect_call();
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s", id);
    j = get_json(path, 200);
    struct tm tm = {0};
    int ms = 0;
    assert_int_equal(sscanf(str(j, "startAt"), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon,
                            &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms),
                     7);
    cJSON_Delete(j);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    long long start_ms = (long long)timegm(&tm) * 1000 + ms;
    /* A window that opens after the call began and covers now: the live call
     * (no endAt) is in it. Epoch-ms bounds are accepted as well as ISO. */
    snprintf(path, sizeof path, "/calls/v1/conversations?startDate=%lld&endDate=%lld&size=100",
             start_ms + 1, start_ms + 86400000LL);
    j = get_json(path, 200);
    bool found = false;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(j, "conversations"))
    {
        if (strcmp(str(c, "id"), id) == 0) found = true;
        else assert_null(str(c, "endAt")); /* finished calls ended before the window */
    }
    assert_true(found);
    cJSON_Delete(j);
    free(id);
}

/* ---- get ----------------------------------------------------------------- */

static void test_get_call(void **state)
{
    (void)state;
    cJSON *j = get_json("/calls/v1/conversations/no-such-call", 404);
    assert_non_null(str(j, "detail"));
    cJSON_Delete(j);

    cJSON *list = get_json("/calls/v1/conversations?" WIDE "&sort=endAt&size=100", 200);
    const cJSON *c;
    int checked = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(list, "conversations"))
    {
        if (!str(c, "endAt") ||
            strcmp(str(c, "phoneCallStatus") ? str(c, "phoneCallStatus") : "completed",
                   "completed"))
            continue;
        char path[256];
        snprintf(path, sizeof path, "/calls/v1/conversations/%s", str(c, "id"));
        cJSON *call = get_json(path, 200);
        assert_string_equal(str(call, "status"), "finished");
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(call, "analysis");
        assert_non_null(str(a, "summary"));
        assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(a, "structuredData")));
        const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(call, "messages");
        assert_true(cJSON_GetArraySize(msgs) >= 4);
        const cJSON *m = cJSON_GetArrayItem(msgs, 0);
        assert_non_null(str(m, "messageId"));
        assert_non_null(str(m, "text"));
        const char *ts = str(m, "timestamp"); /* ISO in REST */
        assert_non_null(ts);
        assert_int_equal(strlen(ts), 24);
        assert_int_equal(ts[10], 'T');
        assert_int_equal(ts[23], 'Z');
        cJSON_Delete(call);
        if (++checked == 3) break;
    }
    assert_int_equal(checked, 3);
    cJSON_Delete(list);
}

/* ---- connect / create ---------------------------------------------------- */

static void test_connect_progress_and_growth(void **state)
{
    (void)state;
    char nid[64], body[256];
    number_id("uk-support", nid, sizeof nid);
    snprintf(body, sizeof body,
             "{\"phoneNumberId\":\"%s\",\"customer\":{\"number\":\"+447700900123\"}}", nid);
    cJSON *j = post_json("/calls/v1/conversations/connect", body, 200);
    assert_true(strncmp(str(j, "id"), "CC-", 3) == 0);
    assert_string_equal(str(j, "status"), "queued");
    assert_string_equal(str(j, "direction"), "outbound");
    assert_string_equal(str(j, "phoneNumberId"), nid);
    assert_non_null(str(j, "createdAt"));
    assert_non_null(str(j, "updatedAt"));
    assert_non_null(str(j, "teamId"));
    const char *ctl = str(cJSON_GetObjectItemCaseSensitive(j, "monitor"), "controlUrl");
    assert_non_null(strstr(ctl, str(j, "id")));
    assert_non_null(strstr(ctl, "/control"));
    char *id = strdup(str(j, "id"));
    cJSON_Delete(j);

    assert_true(wait_field(id, "phoneCallStatus", "ringing"));
    assert_true(wait_field(id, "status", "ongoing"));
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s", id);
    /* messages grow while the call is live */
    int first = -1, grown = 0;
    for (int i = 0; i < 100 && !grown; i++) {
        j = get_json(path, 200);
        int n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "messages"));
        if (first < 0 && n > 0) first = n;
        else if (first > 0 && n > first) grown = 1;
        cJSON_Delete(j);
        sleep_ms(50);
    }
    assert_true(grown);
    free(id);
}

static void test_connect_validation(void **state)
{
    (void)state;
    const char *P = "/calls/v1/conversations/connect";
    char sup[64], inbound_only[64], body[256];
    number_id("support", sup, sizeof sup);
    number_id("inbound-only", inbound_only, sizeof inbound_only);

    cJSON *j = post_json(P, "{\"customer\":{\"number\":\"+14155550123\"}}", 422);
    assert_detail_loc(j, "[\"body\",\"phoneNumberId\"]");
    cJSON_Delete(j);
    j = post_json(
        P,
        "{\"phoneNumberId\":\"000000000000000000000000\",\"customer\":{\"number\":\"+14155550123\"}}",
        422);
    assert_detail_loc(j, "[\"body\",\"phoneNumberId\"]");
    cJSON_Delete(j);
    snprintf(body, sizeof body,
             "{\"phoneNumberId\":\"%s\",\"customer\":{\"number\":\"+14155550123\"}}", inbound_only);
    j = post_json(P, body, 422);
    assert_detail_loc(j, "[\"body\",\"phoneNumberId\"]");
    cJSON_Delete(j);
    snprintf(body, sizeof body,
             "{\"phoneNumberId\":\"%s\",\"customer\":{\"number\":\"0044 20 7946\"}}", sup);
    j = post_json(P, body, 422);
    assert_detail_loc(j, "[\"body\",\"customer\",\"number\"]");
    cJSON_Delete(j);
    snprintf(body, sizeof body, "{\"phoneNumberId\":\"%s\",\"customer\":{\"name\":\"x\"}}", sup);
    j = post_json(P, body, 422);
    assert_detail_loc(j, "[\"body\",\"customer\",\"number\"]");
    cJSON_Delete(j);
    snprintf(body, sizeof body, "{\"phoneNumberId\":\"%s\"}", sup);
    j = post_json(P, body, 422);
    assert_detail_loc(j, "[\"body\",\"customer\"]");
    cJSON_Delete(j);
    snprintf(
        body, sizeof body,
        "{\"phoneNumberId\":\"%s\",\"customer\":{\"number\":\"+14155550123\"},\"assistantId\":\"nope\"}",
        sup);
    j = post_json(P, body, 422);
    assert_detail_loc(j, "[\"body\",\"assistantId\"]");
    cJSON_Delete(j);
    j = post_json(P, "{\"phoneNumberId\": ", 422);
    assert_detail_loc(j, "[\"body\"]");
    cJSON_Delete(j);
    j = post_json(P, "[1,2]", 422);
    assert_detail_loc(j, "[\"body\"]");
    cJSON_Delete(j);
    j = post_json(P, "", 422);
    assert_detail_loc(j, "[\"body\"]");
    cJSON_Delete(j);
}

static void test_create_call(void **state)
{
    (void)state;
    const char *P = "/calls/v1/conversations";
    cJSON *j = post_json(
        P,
        "{\"userNumber\":\"+4915112345678\",\"assistantNumber\":\"+14155550100\",\"metadata\":{\"a\":1}}",
        200);
    const char *id = str(j, "id");
    assert_int_equal(strlen(id), 36); /* a plain UUID */
    assert_string_equal(str(j, "userNumber"), "+4915112345678");
    assert_string_equal(str(j, "status"), "queued");
    assert_non_null(str(j, "phoneNumberId")); /* +14155550100 is the account's */
    cJSON_Delete(j);
    j = post_json(P, "{\"userNumber\":\"12345\",\"assistantNumber\":\"+14155550100\"}", 422);
    assert_detail_loc(j, "[\"body\",\"userNumber\"]");
    cJSON_Delete(j);
    j = post_json(P, "{\"userNumber\":\"+4915112345678\"}", 422);
    assert_detail_loc(j, "[\"body\",\"assistantNumber\"]");
    cJSON_Delete(j);
}

/* ---- control ------------------------------------------------------------- */

static void control(const char *id, const char *body, long want)
{
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s/control", id);
    cJSON *j = post_json(path, body, want);
    if (want == 200) {
        assert_string_equal(str(j, "message"), "Call controlled successfully.");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(j, "data"), "success")));
    } else {
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "detail"));
    }
    cJSON_Delete(j);
}

static bool has_text(const cJSON *call, const char *role, const char *needle)
{
    const cJSON *m;
    cJSON_ArrayForEach(m,
                       cJSON_GetObjectItemCaseSensitive(
                           call, "messages")) if (strcmp(str(m, "role"), role) == 0 &&
                                                  strstr(str(m, "text"), needle)) return true;
    return false;
}

static void test_control(void **state)
{
    (void)state;
    char *id = connect_call();
    char path[256];
    snprintf(path, sizeof path, "/calls/v1/conversations/%s", id);

    control(id, "{\"type\":\"say\",\"message\":\"Operator here, one moment.\"}", 200);
    control(id, "{\"type\":\"dtmf\",\"message\":\"12#\"}", 200);
    control(id, "{\"type\":\"sms\",\"message\":\"Your ticket is T-1\"}", 200);
    cJSON *j = get_json(path, 200);
    assert_true(has_text(j, "assistant", "Operator here, one moment."));
    assert_true(has_text(j, "assistant", "[dtmf] 12#"));
    assert_true(has_text(j, "assistant", "Your ticket is T-1"));
    const cJSON *ctl = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(j, "metadata"), "controls");
    assert_int_equal(cJSON_GetArraySize(ctl), 2); /* dtmf + sms */
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(j, "metadata"), "ticket"), "T-1");
    cJSON_Delete(j);

    control(id, "{\"type\":\"dance\",\"message\":\"x\"}", 422);
    control(id, "{\"message\":\"x\"}", 422);
    control(id, "{\"type\":\"say\"}", 422);
    control(id, "{\"type\":\"say\",\"message\":\"\"}", 422);
    control(id, "{\"type\":\"dtmf\",\"message\":\"12x\"}", 422);
    control(id, "{\"type\":\"forward\",\"message\":\"not a number\"}", 422);
    control(id, "{not json", 422);
    control("no-such-call", "{\"type\":\"say\",\"message\":\"x\"}", 404);

    /* forward keeps the call live under status forwarded */
    control(id, "{\"type\":\"forward\",\"message\":\"+14155550999\"}", 200);
    j = get_json(path, 200);
    assert_string_equal(str(j, "status"), "forwarded");
    assert_null(str(j, "endAt"));
    cJSON_Delete(j);

    j = get_json("/calls/v1/conversations?" WIDE "&size=1", 200); /* still listed while forwarded */
    cJSON_Delete(j);

    /* end: finished, endAt, trigger, analysis; then 409 */
    control(id, "{\"type\":\"end\",\"message\":\"Goodbye!\"}", 200);
    j = get_json(path, 200);
    assert_string_equal(str(j, "status"), "finished");
    assert_non_null(str(j, "endAt"));
    assert_string_equal(str(j, "callEndTriggerBy"), "assistant");
    assert_non_null(
        strstr(str(cJSON_GetObjectItemCaseSensitive(j, "analysis"), "summary"), "+14155550999"));
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(j, "analysis"), "outcome"),
                        "forwarded");
    assert_true(has_text(j, "assistant", "Goodbye!"));
    cJSON_Delete(j);
    control(id, "{\"type\":\"say\",\"message\":\"hello?\"}", 409);
    control(id, "{\"type\":\"end\",\"message\":\"\"}", 409);
    /* an unknown type is a 422 even on a finished call */
    control(id, "{\"type\":\"dance\",\"message\":\"\"}", 422);
    free(id);

    /* end without a message is accepted (no closing line) */
    id = connect_call();
    control(id, "{\"type\":\"end\"}", 200);
    free(id);
}

/* ---- numbers, assistants, routing --------------------------------------- */

static void test_numbers_and_assistant(void **state)
{
    (void)state;
    cJSON *arr = get_json("/assistants/v1/numbers", 200);
    assert_true(cJSON_IsArray(arr));
    int no_out = 0;
    const cJSON *n;
    cJSON_ArrayForEach(n, arr)
    {
        assert_non_null(str(n, "_id"));
        assert_non_null(str(n, "teamId"));
        assert_int_equal(str(n, "number")[0], '+');
        assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(n, "provider"), "name"), "twilio");
        assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(n, "inboundEnabled")));
        no_out += cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(n, "outboundEnabled"));
    }
    assert_true(no_out >= 1);
    char path[256];
    snprintf(path, sizeof path, "/assistants/v1/assistants/%s",
             str(cJSON_GetArrayItem(arr, 0), "assistantId"));
    cJSON *a = get_json(path, 200);
    assert_string_equal(str(a, "id"), str(cJSON_GetArrayItem(arr, 0), "assistantId"));
    assert_non_null(str(a, "name"));
    cJSON_Delete(a);
    cJSON_Delete(arr);
    arr = get_json("/assistants/v1/numbers?label=nothing-has-this", 200);
    assert_int_equal(cJSON_GetArraySize(arr), 0);
    cJSON_Delete(arr);
    a = get_json("/assistants/v1/assistants/unknown", 404);
    cJSON_Delete(a);
}

static void test_routing(void **state)
{
    (void)state;
    char u[512];
    th_response r;
    const char *auth[] = {"Authorization: Bearer " KEY, NULL};
    url(u, sizeof u, "/no/such/route");
    assert_int_equal(th_get(u, KEY, &r), 0);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "detail"));
    th_response_free(&r);
    url(u, sizeof u, "/calls/v1/conversations/x/y");
    assert_int_equal(th_get(u, KEY, &r), 0);
    assert_int_equal(r.status, 404);
    th_response_free(&r);

    url(u, sizeof u, "/calls/v1/conversations");
    assert_int_equal(th_request("DELETE", u, auth, NULL, &r), 0);
    assert_int_equal(r.status, 405);
    char allow[64];
    assert_true(th_header(&r, "Allow", allow, sizeof allow));
    assert_string_equal(allow, "GET, POST");
    th_response_free(&r);
    url(u, sizeof u, "/calls/v1/conversations/connect");
    assert_int_equal(th_get(u, KEY, &r), 0);
    assert_int_equal(r.status, 405);
    th_response_free(&r);
    url(u, sizeof u, "/assistants/v1/numbers");
    assert_int_equal(th_request("PUT", u, auth, "{}", &r), 0);
    assert_int_equal(r.status, 405);
    th_response_free(&r);

    /* keep-alive: several requests over one connection */
    th_client *c = th_client_new();
    for (int i = 0; i < 5; i++) {
        assert_int_equal(th_client_request(c, "GET", u, auth, NULL, &r), 0);
        assert_int_equal(r.status, 200);
        th_response_free(&r);
    }
    th_client_free(c);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_list_validation),
        cmocka_unit_test(test_list_paging_and_sort),
        cmocka_unit_test(test_list_window_includes_live),
        cmocka_unit_test(test_get_call),
        cmocka_unit_test(test_connect_progress_and_growth),
        cmocka_unit_test(test_connect_validation),
        cmocka_unit_test(test_create_call),
        cmocka_unit_test(test_control),
        cmocka_unit_test(test_numbers_and_assistant),
        cmocka_unit_test(test_routing),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
