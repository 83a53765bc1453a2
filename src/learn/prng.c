/* learn/prng.c: the exercises' generator over util/xoshiro.h (splitmix64 seeding, xoshiro256**). */
#include "learn/prng.h"

#include "util/xoshiro.h"

uint64_t prng_splitmix64(uint64_t *x)
{
    return splitmix64(x);
}

void prng_seed(struct prng *g, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        g->s[i] = prng_splitmix64(&x);
}

uint64_t prng_next(struct prng *g)
{
    return xoshiro256ss(g->s);
}

uint64_t prng_below(struct prng *g, uint64_t n)
{
    uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
    for (;;) {
        uint64_t r = prng_next(g);
        if (r >= threshold)
            return r % n;
    }
}
