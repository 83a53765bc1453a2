/* util/xoshiro.h: the project's pseudo-random numbers, the same on every machine and compiler:
 * xoshiro256** (Blackman and Vigna, 2018) with its state seeded by splitmix64, as its authors
 * recommend; both reimplemented from their published definitions. Inline, because the trace
 * generator draws one per record. Users: trace/gen.c and learn/prng.c. */
#ifndef VMLAB_UTIL_XOSHIRO_H
#define VMLAB_UTIL_XOSHIRO_H

#include <stdint.h>

/* One splitmix64 step: advances *x by the golden-ratio increment and returns its mix. */
static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t xoshiro_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* The next xoshiro256** output of state s. */
static inline uint64_t xoshiro256ss(uint64_t s[4])
{
    uint64_t result = xoshiro_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = xoshiro_rotl(s[3], 45);
    return result;
}

#endif
