/* hash.h — one string hash (64-bit FNV-1a) for every table and signature in
 * calltop, so no module carries its own copy of the constants. Not for
 * anything an attacker could exploit beyond slowing a table down. */
#ifndef CALLTOP_HASH_H
#define CALLTOP_HASH_H

#include <stdint.h>

#define CT_HASH_INIT  14695981039346656037ULL /* FNV-1a 64 offset basis */
#define CT_HASH_PRIME 1099511628211ULL

/* FNV-1a 64 of a NUL-terminated string; NULL hashes like "". */
uint64_t ct_hash_str(const char *s);

/* Folds one more 64-bit value into a running hash (start from CT_HASH_INIT). */
static inline uint64_t ct_hash_mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * CT_HASH_PRIME;
}

#endif
