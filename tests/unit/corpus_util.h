/* corpus_util.h — reads tests/corpus/<name> for the model tests (header
 * only: tests/unit globs test_*.c, so helpers live in headers). */
#ifndef CT_TEST_CORPUS_UTIL_H
#define CT_TEST_CORPUS_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* Returns a malloc'd, NUL-terminated copy of the file; fails the test when
 * it cannot be read. */
static inline char *corpus_load(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", CT_CORPUS_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open corpus file %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    assert_int_equal(got, (size_t)n);
    buf[n] = '\0';
    if (len) *len = (size_t)n;
    return buf;
}

#endif
