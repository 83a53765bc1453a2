/* learn/prng.h: the exercises' and the random policy's pseudo-random numbers, the same on every
 * machine and compiler (C's rand() is neither): xoshiro256** (Blackman and Vigna, 2018), its
 * state filled from the seed by splitmix64, as its authors recommend. docs/learn.md gives the
 * procedure and src/learn/exercise.c the order of the draws, so another program can reproduce
 * a question set. */
#ifndef VMLAB_LEARN_PRNG_H
#define VMLAB_LEARN_PRNG_H

#include <stdint.h>

struct prng {
    uint64_t s[4];
};

/* One splitmix64 step: advances *x by the golden-ratio increment and returns its mix. */
uint64_t prng_splitmix64(uint64_t *x);
/* Seeds the generator: its four words are four splitmix64 outputs from seed. */
void prng_seed(struct prng *g, uint64_t seed);
/* The next 64-bit xoshiro256** output. */
uint64_t prng_next(struct prng *g);
/* Uniform in [0, n) for n >= 1, without modulo bias: outputs below 2^64 mod n are rejected
 * (Lemire's threshold), then the remainder taken. */
uint64_t prng_below(struct prng *g, uint64_t n);

#endif
