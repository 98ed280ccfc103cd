/* test_args.c — the shared command-line parser (core/args.c) that calltop,
 * calltop-relay and calltop-sim all use: the rules, the messages, --help
 * and the man page from one table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calltop/args.h"

static const ct_setting rows[] = {
    {.key = "port",
     .flag = "port",
     .kind = CT_KIND_STRING,
     .metavar = "N",
     .def = "0",
     .help = "port to bind"},
    {.key = "verbose", .flag = "verbose", .kind = CT_KIND_BOOL, .help = "say more"},
    {.key = "token",
     .env = "TEST_TOKEN",
     .kind = CT_KIND_STRING,
     .secret = true,
     .help = "the token"},
    {.key = "help",
     .flag = "help",
     .short_flag = 'h',
     .kind = CT_KIND_ACTION,
     .help = "print this help and exit"},
    {.key = "version",
     .flag = "version",
     .short_flag = 'V',
     .kind = CT_KIND_ACTION,
     .help = "print the version and exit"},
    {.key = "help-man", .flag = "help-man", .kind = CT_KIND_ACTION},
};
static const ct_exit_doc exits[] = {{0, "fine"}, {2, "usage"}};
static const ct_program prog = {
    .name = "prog",
    .summary = "a test program",
    .description = "It tests.\n\nTwice.",
    .rows = rows,
    .n_rows = sizeof rows / sizeof rows[0],
    .exits = exits,
    .n_exits = 2,
};

static ct_err scan(ct_args *a, ct_error *err, int argc, ...)
{
    char *argv[16];
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) argv[i] = va_arg(ap, char *);
    va_end(ap);
    ct_error_clear(err);
    return ct_args_scan(&prog, argc, argv, a, err);
}

static void test_scan_rules(void **state)
{
    (void)state;
    ct_args a;
    ct_error err;
    assert_int_equal(scan(&a, &err, 4, "prog", "--port", "80", "--verbose"), CT_OK);
    assert_string_equal(a.value[0], "80");
    assert_string_equal(a.value[1], "true");
    assert_int_equal(a.first_operand, 4);
    assert_int_equal(scan(&a, &err, 3, "prog", "--port=81", "--verbose=no"), CT_OK);
    assert_string_equal(a.value[0], "81");
    assert_string_equal(a.value[1], "no");
    assert_int_equal(scan(&a, &err, 3, "prog", "-h", "rest"), CT_OK);
    assert_non_null(a.value[3]);
    assert_int_equal(a.first_operand, 2);
    assert_int_equal(scan(&a, &err, 3, "prog", "--", "--port"), CT_OK);
    assert_int_equal(a.first_operand, 2);
    assert_null(a.value[0]);
    /* misuse: exit 2 material, with the flag named */
    assert_int_equal(scan(&a, &err, 2, "prog", "--bogus=secretvalue"), CT_EUSAGE);
    assert_non_null(strstr(err.detail, "unknown option '--bogus' (see prog --help)"));
    assert_null(strstr(err.detail, "secretvalue"));
    assert_int_equal(scan(&a, &err, 2, "prog", "--port"), CT_EUSAGE);
    assert_non_null(strstr(err.detail, "needs a value (N)"));
    assert_int_equal(scan(&a, &err, 3, "prog", "--port", "--verbose"), CT_EUSAGE);
    assert_non_null(strstr(err.detail, "got the option '--verbose'"));
    assert_int_equal(scan(&a, &err, 2, "prog", "--verbose=maybe"), CT_EUSAGE);
    assert_non_null(strstr(err.detail, "is not a boolean"));
    assert_int_equal(scan(&a, &err, 2, "prog", "--help=1"), CT_EUSAGE);
    assert_int_equal(scan(&a, &err, 2, "prog", "-x"), CT_EUSAGE);
    /* a secret on argv: refused, and told where it goes */
    assert_int_equal(scan(&a, &err, 3, "prog", "--TOKEN", "abc"), CT_EUSAGE);
    assert_non_null(strstr(err.detail, "not accepted on the command line"));
    assert_non_null(strstr(err.detail, "TEST_TOKEN"));
    assert_null(strstr(err.detail, "abc"));
}

static void test_numbers(void **state)
{
    (void)state;
    ct_args a;
    ct_error err;
    long n = 7;
    assert_int_equal(scan(&a, &err, 1, "prog"), CT_OK);
    assert_int_equal(ct_args_long(&prog, &a, "port", 0, 65535, &n, &err), CT_OK);
    assert_int_equal(n, 7); /* not given: untouched */
    assert_int_equal(scan(&a, &err, 3, "prog", "--port", "70000"), CT_OK);
    assert_int_equal(ct_args_long(&prog, &a, "port", 0, 65535, &n, &err), CT_EUSAGE);
    assert_non_null(
        strstr(err.detail, "--port: invalid value '70000' (expected an integer 0..65535)"));
    assert_int_equal(scan(&a, &err, 3, "prog", "--port", "0x10"), CT_OK);
    assert_int_equal(ct_args_long(&prog, &a, "port", 0, 65535, &n, &err), CT_EUSAGE);
    double d = 0;
    assert_int_equal(scan(&a, &err, 3, "prog", "--port", "0.25"), CT_OK);
    assert_int_equal(ct_args_double(&prog, &a, "port", 0, 1, &d, &err), CT_OK);
    assert_true(d == 0.25);
}

static char *capture(void (*fn)(const ct_program *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fn(&prog, f);
    fclose(f);
    return buf;
}

static void test_help_and_page_from_one_table(void **state)
{
    (void)state;
    char *help = capture(ct_args_print_help);
    assert_non_null(strstr(help, "Usage: prog [OPTIONS]"));
    assert_non_null(strstr(help, "--port N"));
    assert_non_null(strstr(help, "(default 0)"));
    assert_non_null(strstr(help, "-h, --help"));
    assert_null(strstr(help, "help-man"));       /* hidden */
    assert_non_null(strstr(help, "TEST_TOKEN")); /* secrets: where they go */
    assert_non_null(strstr(help, "Exit status:"));
    free(help);
    char *man = capture(ct_args_print_man);
    assert_non_null(strstr(man, ".TH PROG 1"));
    assert_non_null(strstr(man, ".SH NAME\nprog \\- a test program\n"));
    assert_non_null(strstr(man, "\\fB\\-\\-port\\fR \\fIN\\fR"));
    assert_non_null(strstr(man, "It tests.\n.PP\nTwice."));
    assert_non_null(strstr(man, ".SH EXIT STATUS\n.TP\n.B 0\nfine.\n"));
    assert_null(strstr(man, "help\\-man"));
    free(man);
    /* ct_args_run: --version and an operand */
    char *argv[] = {"prog", "stray", NULL};
    ct_args a;
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(ct_args_run(&prog, 2, argv, &a, devnull, devnull), 2);
    char *argv2[] = {"prog", "-V", NULL};
    assert_int_equal(ct_args_run(&prog, 2, argv2, &a, devnull, devnull), 0);
    char *argv3[] = {"prog", "--port", "1", NULL};
    assert_int_equal(ct_args_run(&prog, 3, argv3, &a, devnull, devnull), -1);
    fclose(devnull);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_rules),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_help_and_page_from_one_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
