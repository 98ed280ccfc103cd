/* fuzz_record.c — libFuzzer target: the recording line decoder
 * (core/record_codec.c, what `calltop --replay FILE` reads). Any input must
 * decode or fail cleanly; a decoded event must encode, and that line must
 * decode and encode to itself. */
#include <stdlib.h>
#include "calltop/record_codec.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_record r;
    ct_error err;
    ct_error_clear(&err);
    if (ct_record_decode((const char *)data, size, &r, &err) != CT_OK) {
        FUZZ_CHECK(r.ev == NULL);
        FUZZ_CHECK(memchr(err.detail, '\0', sizeof err.detail) != NULL);
        return 0;
    }
    if (r.kind == CT_REC_EVENT) {
        char *a = NULL, *b = NULL;
        FUZZ_CHECK(ct_record_encode_event(r.ev, r.at, &a, &err) == CT_OK);
        ct_record back;
        FUZZ_CHECK(ct_record_decode(a, strlen(a), &back, &err) == CT_OK);
        FUZZ_CHECK(ct_record_encode_event(back.ev, back.at, &b, &err) == CT_OK);
        FUZZ_CHECK(strcmp(a, b) == 0);
        ct_record_clear(&back);
        free(a);
        free(b);
    }
    ct_record_clear(&r);
    return 0;
}
