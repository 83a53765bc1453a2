/* learn/learn_int.h: the exercises as data, so that tests can check every answer against their
 * own computation. vml_learn_write builds one of these and prints it. */
#ifndef VMLAB_LEARN_INT_H
#define VMLAB_LEARN_INT_H

#include "learn/prng.h"
#include "learn/toy.h"

#define LEARN_MAX_Q 100

/* Linear and multi-level translation: a machine with its tables in memory, and addresses. */
struct learn_translate {
    struct toy toy;
    unsigned n;
    uint64_t va[LEARN_MAX_Q];
    bool ok[LEARN_MAX_Q]; /* the answers: translated, to pa; else a fault */
    uint64_t pa[LEARN_MAX_Q];
};

/* TLB: a fully associative TLB of `entries` entries, LRU, empty at first. */
struct learn_tlb {
    uint64_t page_size;
    unsigned entries, elem, n;
    uint64_t base; /* the array's first byte */
    uint64_t va[LEARN_MAX_Q];
    bool hit[LEARN_MAX_Q]; /* the answers */
};

/* Page replacement: a reference string and a policy, frames empty at first. */
struct learn_policy {
    enum vml_policy policy;
    unsigned frames, n;
    uint64_t page[LEARN_MAX_Q];
    bool hit[LEARN_MAX_Q]; /* the answers */
    uint64_t hits, misses;
};

/* The generator of one kind's exercise for a seed: xoshiro256** seeded by splitmix64 from
 * seed + the kind's number (0 linear, 1 multilevel, 2 tlb, 3 policy), so that one kind's
 * questions do not depend on which other kinds are asked. */
void learn_prng(struct prng *g, enum vml_learn_kind kind, uint64_t seed);

/* Builds an exercise (count already defaulted). VML_EINVAL with diag, VML_EHOST. */
int learn_make_translate(enum vml_learn_kind kind, const struct vml_toy_config *cfg, uint64_t seed,
                         unsigned count, struct learn_translate *out, struct vml_diag *diag);
void learn_translate_free(struct learn_translate *x);
int learn_make_tlb(const struct vml_toy_config *cfg, uint64_t seed, unsigned count,
                   struct learn_tlb *out, struct vml_diag *diag);
int learn_make_policy(uint64_t seed, unsigned count, struct learn_policy *out,
                      struct vml_diag *diag);

/* The default machine of each kind. */
extern const struct vml_toy_config learn_default_machine[VML_NR_LEARN];

#endif
