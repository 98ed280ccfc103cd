/* test_export.c — RFC 4180 CSV of a store view (quoting of commas, quotes,
 * newlines, non-ASCII; escape sequences removed), the transcript text
 * export, and non-clobbering file creation under $CALLTOP_EXPORT_DIR. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../tui/export.h"

#define T0 1601856000000LL /* 2020-10-05T00:00:00.000Z */

static char *capture_csv(ct_view *v, ct_time_ms now, size_t *rows)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_export_csv(f, v, now, rows, &err), CT_OK);
    fclose(f);
    return buf;
}

static char *field_str(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ct_csv_field(f, s);
    fclose(f);
    return buf;
}

static void test_csv_field(void **st)
{
    (void)st;
    struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {NULL, ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\rlf", "\"cr\rlf\""},
        {" padded", "\" padded\""},
        {"Zoë 中文", "Zoë 中文"},
        /* formula starters are defused with a leading ' (CSV injection) */
        {"+14155550100", "'+14155550100"},
        {"=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""},
        {"-2+3", "'-2+3"},
        {"@SUM(A1)", "'@SUM(A1)"},
        {"\tcmd", "'\tcmd"},
        {"\rcmd", "\"'\rcmd\""},
        {"a=1", "a=1"},
        {"'quoted", "'quoted"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = field_str(cases[i].in);
        assert_string_equal(got, cases[i].out);
        free(got);
    }
}

static void add_call(ct_store *s, const char *id, ct_status status, const char *customer,
                     ct_time_ms start, ct_time_ms end)
{
    ct_call c;
    memset(&c, 0, sizeof c);
    c.id = (char *)id;
    c.present = CT_F_ID | CT_F_STATUS | CT_F_USER_NUMBER | CT_F_START | CT_F_DIRECTION |
        CT_F_ASSISTANT_NUMBER | CT_F_ASSISTANT_ID | CT_F_PHONE_STATUS;
    c.status = status;
    c.direction = CT_DIR_OUTBOUND;
    c.user_number = (char *)customer;
    c.assistant_number = (char *)"+19867543211";
    c.assistant_id = (char *)"asst,1";
    c.phone_status = status == CT_STATUS_ONGOING ? CT_PHONE_IN_PROGRESS : CT_PHONE_COMPLETED;
    c.start_at = start;
    if (end) {
        c.end_at = end;
        c.present |= CT_F_END;
    }
    assert_int_equal(ct_store_apply_call(s, &c, 1), CT_OK);
}

static void test_csv_view(void **st)
{
    (void)st;
    ct_store *s = ct_store_new(NULL);
    add_call(s, "CC-1", CT_STATUS_FINISHED, "+14155550100", T0, T0 + 65000);
    add_call(s, "id \"quoted\",\nx\x1b[31m", CT_STATUS_ONGOING, "Zoë 中文", T0 + 1000, 0);
    /* names anyone can choose: a formula in the customer's name is defused */
    ct_call named;
    memset(&named, 0, sizeof named);
    named.id = (char *)"CC-1";
    named.customer_name = (char *)"=cmd|' /C calc'!A0";
    named.assistant_name = (char *)"Front Desk";
    named.present = CT_F_ID | CT_F_CUSTOMER_NAME | CT_F_ASSISTANT_NAME;
    assert_int_equal(ct_store_apply_call(s, &named, 2), CT_OK);
    ct_view_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.filter = CT_FILTER_ALL;
    spec.sort = CT_SORT_START;
    spec.now = T0 + 121000;
    ct_view *v = ct_view_new(s, &spec);
    size_t rows = 99;
    char *csv = capture_csv(v, T0 + 121000, &rows);
    assert_int_equal(rows, 2);
    const char *header = "id,status,direction,customer,assistant_number,assistant_id,"
                         "phone_status,start,end,duration_s,last_activity,customer_name,"
                         "assistant\r\n";
    assert_int_equal(strncmp(csv, header, strlen(header)), 0);
    assert_non_null(strstr(csv,
                           "CC-1,finished,outbound,'+14155550100,'+19867543211,\"asst,1\","
                           "completed,2020-10-05T00:00:00.000Z,2020-10-05T00:01:05.000Z,65,"));
    assert_non_null(strstr(csv, ",'=cmd|' /C calc'!A0,Front Desk\r\n"));
    /* quotes doubled, newline kept inside quotes, escape sequence removed */
    assert_non_null(strstr(csv, "\"id \"\"quoted\"\",\nx\",ongoing,outbound,Zoë 中文,"));
    assert_null(strchr(csv, '\x1b'));
    /* live call: duration up to `now` (120 s), no end */
    assert_non_null(strstr(csv, ",in-progress,2020-10-05T00:00:01.000Z,,120,"));
    /* exactly three CRLF record ends (the embedded \n is inside quotes) */
    int crlf = 0;
    for (const char *p = csv; (p = strstr(p, "\r\n")); p += 2) crlf++;
    assert_int_equal(crlf, 3);
    free(csv);

    /* an empty view is just the header */
    spec.filter = CT_FILTER_FAILED;
    ct_view_set_spec(v, &spec);
    csv = capture_csv(v, T0, &rows);
    assert_int_equal(rows, 0);
    assert_string_equal(csv, header);
    free(csv);
    ct_view_free(v);
    ct_store_free(s);
}

static void test_transcript(void **st)
{
    (void)st;
    setenv("TZ", "UTC", 1);
    tzset();
    ct_store *s = ct_store_new(NULL);
    add_call(s, "CC-9", CT_STATUS_ONGOING, "+14155550100", T0, 0);
    ct_message msgs[3];
    memset(msgs, 0, sizeof msgs);
    msgs[0].message_id = (char *)"m1";
    msgs[0].role = CT_ROLE_ASSISTANT;
    msgs[0].text = (char *)"Hello, how can I help?";
    msgs[0].timestamp = T0 + 2000;
    msgs[1].message_id = (char *)"m2";
    msgs[1].role = CT_ROLE_USER;
    msgs[1].text = (char *)"My order\nis late\x1b]0;pwned\x07";
    msgs[1].timestamp = T0 + 5000;
    msgs[2].message_id = (char *)"m3";
    msgs[2].role = CT_ROLE_OTHER;
    msgs[2].role_text = (char *)"tool";
    msgs[2].text = (char *)"中文 ok";
    msgs[2].timestamp = T0 + 3723000;
    assert_int_equal(ct_store_merge_messages(s, "CC-9", msgs, 3), CT_OK);
    const ct_call_entry *e = ct_store_get(s, "CC-9");
    assert_non_null(e);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ct_error err;
    ct_error_clear(&err);
    assert_int_equal(ct_export_transcript(f, e, T0 + 3725000, &err), CT_OK);
    fclose(f);
    assert_non_null(strstr(buf, "Call:       CC-9\n"));
    assert_non_null(strstr(buf, "Status:     ongoing (phone: in-progress)\n"));
    assert_non_null(strstr(buf, "Customer:   +14155550100\n"));
    assert_non_null(strstr(buf, "Started:    2020-10-05 00:00:00 (2020-10-05T00:00:00.000Z)\n"));
    assert_non_null(strstr(buf, "Duration:   1:02:05\n"));
    assert_null(strstr(buf, "Ended:"));
    assert_non_null(strstr(buf,
                           "\n[00:00:02] assistant: Hello, how can I help?\n"
                           "[00:00:05] user: My order\n    is late\n"
                           "[01:02:03] tool: 中文 ok\n"));
    assert_null(strchr(buf, '\x1b'));
    assert_null(strstr(buf, "pwned"));
    free(buf);

    /* no call: refused */
    f = open_memstream(&buf, &len);
    assert_int_equal(ct_export_transcript(f, NULL, T0, &err), CT_EINVAL);
    fclose(f);
    free(buf);
    ct_store_free(s);
}

static void test_files_never_clobber(void **st)
{
    (void)st;
    char dir[] = "/tmp/ct-export-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    setenv("CALLTOP_EXPORT_DIR", dir, 1);
    setenv("TZ", "UTC", 1);
    tzset();
    ct_store *s = ct_store_new(NULL);
    add_call(s, "CC/../x", CT_STATUS_FINISHED, "+14155550100", T0, T0 + 1000);
    ct_view_spec spec;
    memset(&spec, 0, sizeof spec);
    ct_view *v = ct_view_new(s, &spec);
    char p1[512], p2[512], p3[512];
    ct_error err;
    ct_error_clear(&err);
    size_t rows = 0;
    assert_int_equal(ct_export_view_to_file(v, T0, p1, sizeof p1, &rows, &err), CT_OK);
    assert_int_equal(rows, 1);
    assert_int_equal(ct_export_view_to_file(v, T0, p2, sizeof p2, &rows, &err), CT_OK);
    char want[600];
    snprintf(want, sizeof want, "%s/calltop-export-20201005-000000.csv", dir);
    assert_string_equal(p1, want);
    snprintf(want, sizeof want, "%s/calltop-export-20201005-000000-1.csv", dir);
    assert_string_equal(p2, want);
    struct stat sb;
    assert_int_equal(stat(p1, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_true(sb.st_size > 100);

    assert_int_equal(
        ct_export_transcript_to_file(ct_store_get(s, "CC/../x"), T0, p3, sizeof p3, &err), CT_OK);
    snprintf(want, sizeof want, "%s/calltop-CC____x-20201005-000000.txt", dir);
    assert_string_equal(p3, want);

    /* an unwritable directory gives CT_EIO and a sentence naming it */
    setenv("CALLTOP_EXPORT_DIR", "/nonexistent-dir-for-calltop", 1);
    assert_int_equal(ct_export_view_to_file(v, T0, p1, sizeof p1, &rows, &err), CT_EIO);
    assert_non_null(strstr(err.detail, "/nonexistent-dir-for-calltop"));
    unsetenv("CALLTOP_EXPORT_DIR");

    /* issue 13 item 6: the export-dir setting wins, and a relative one is
     * written (and flashed) as its absolute path */
    char sub[128], cwd[512], p4[512];
    snprintf(sub, sizeof sub, "%s/exports", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    setenv("CALLTOP_EXPORT_DIR", "/nonexistent-dir-for-calltop", 1); /* overridden */
    ct_export_set_dir("./exports/../exports");
    assert_int_equal(ct_export_view_to_file(v, T0, p4, sizeof p4, &rows, &err), CT_OK);
    snprintf(want, sizeof want, "%s/calltop-export-20201005-000000.csv", sub);
    assert_string_equal(p4, want);
    assert_int_equal(p4[0], '/');
    assert_int_equal(stat(p4, &sb), 0);
    unlink(p4);
    ct_export_set_dir(NULL);
    unsetenv("CALLTOP_EXPORT_DIR");
    assert_int_equal(chdir(cwd), 0);
    rmdir(sub);

    unlink(p1);
    unlink(p2);
    unlink(p3);
    snprintf(want, sizeof want, "%s/calltop-export-20201005-000000.csv", dir);
    unlink(want);
    rmdir(dir);
    ct_view_free(v);
    ct_store_free(s);
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_csv_view),
        cmocka_unit_test(test_transcript),
        cmocka_unit_test(test_files_never_clobber),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
