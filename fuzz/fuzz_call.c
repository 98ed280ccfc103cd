/* fuzz_call.c — libFuzzer target: the call decoder (Get Call / Connect
 * response). Any input must decode or fail cleanly; a decoded call must
 * survive encode -> decode, copy and merge unchanged, and sanitize clean. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ct_call c;
    ct_error err;
    ct_error_clear(&err);
    ct_err rc = ct_call_decode((const char *)data, size, &c, &err);
    if (rc == CT_OK) {
        FUZZ_CHECK(c.present & CT_F_ID);
        fuzz_call_invariants(&c);
        ct_call_clear(&c);
    } else {
        FUZZ_CHECK(c.id == NULL && c.messages == NULL);
        FUZZ_CHECK(memchr(err.detail, '\0', sizeof err.detail) != NULL);
    }
    return 0;
}
