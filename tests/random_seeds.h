/* random_seeds.h: how every randomized test picks its seeds and length: fixed seeds, unless
 * VMLAB_SEED names one (to replay a failure) and VMLAB_OPS sets the operations per seed. */
#ifndef VMLAB_TESTS_RANDOM_SEEDS_H
#define VMLAB_TESTS_RANDOM_SEEDS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Calls run(seed, ops) for each seed (or VMLAB_SEED's); returns how many returned non-zero. */
static inline int run_seeds(int (*run)(uint64_t seed, unsigned long ops), const uint64_t *seeds,
                            size_t n, unsigned long default_ops)
{
    const char *s = getenv("VMLAB_SEED"), *o = getenv("VMLAB_OPS");
    unsigned long ops = o ? strtoul(o, NULL, 0) : default_ops;
    if (s)
        return run(strtoull(s, NULL, 0), ops) != 0;
    int bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += run(seeds[i], ops) != 0;
    return bad;
}

#endif
