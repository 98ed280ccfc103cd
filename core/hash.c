/* hash.c — see hash.h. */
#include "calltop/hash.h"

uint64_t ct_hash_str(const char *s)
{
    uint64_t h = CT_HASH_INIT;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        h = ct_hash_mix(h, *p);
    return h;
}
