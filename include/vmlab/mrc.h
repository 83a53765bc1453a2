/* mrc.h: TLB miss-ratio curves in one pass over a trace (vmlab mrc, docs/mrc.md).
 *
 * An LRU TLB of N entries hits exactly the accesses whose stack distance (the number of
 * distinct pages touched since the page's previous access, Mattson et al. 1970) is below N,
 * so one pass that records every access's distance gives the misses of every size at once:
 *   fully associative (sets 1): distances over all keys, O(log n) per access: a Fenwick tree
 *       over access times counts the pages whose latest access is after the page's previous
 *       one (a hash map keeps each page's latest access time);
 *   set associative (sets S): one LRU stack per set, kept to max_ways deep: the misses of
 *       every associativity from 1 to max_ways (entries S x ways), with set = vpn mod S as
 *       replay's TLB arrays index them;
 *   two-level: the CPU model's L1 TLBs (L1 dTLB and L1 iTLB, the real TLB code of replay) are
 *       simulated exactly and their misses form the stream: the curve is the STLB's misses
 *       as it grows. Replay's hierarchy is non-inclusive (neither inclusive nor exclusive):
 *       an L1 miss probes the STLB, which changes LRU state only on that probe and on the
 *       fill after a walk; L1 evictions do not touch the STLB and STLB evictions do not
 *       invalidate L1. So the STLB sees exactly the L1's miss stream.
 * Each access's page size is the one replay would translate it with: a shadow replay of the
 * same configuration maps memory on demand exactly as `vmlab replay` does (4K, 2M or 1G
 * hugetlb pages with their fallbacks, or THPs), asked once per 2 MiB region (and again when a
 * write may change a huge zero page); with 4K pages and no THP every mappable access is 4K.
 * Keys are (page size, virtual page number): the "all" curve is one TLB array holding every
 * size (e.g. zen4's L1 dTLB), the per-size curves one array per size (skylake's), each fed
 * only the accesses of its size.
 *
 * SHARDS (Waldspurger et al., FAST '15): spatial sampling of the keys whose hash falls below a
 * threshold, at a fixed rate R or at a fixed number of sampled keys (the threshold lowered as
 * keys are evicted, largest hash first); a sampled reuse at sample distance d counts 1/R
 * references at distance (d + 1) / R - 1, and misses are divided by the exact number of
 * references (SHARDS-adj's correction). Approximate: docs/mrc.md gives the measured error.
 *
 * Distances below 65536 are counted one by one (every size up to 65536 entries is exact);
 * larger ones in 8 buckets per doubling, exact at the bucket bounds vml_mrc_points lists.
 */
#ifndef VMLAB_MRC_H
#define VMLAB_MRC_H

#include "vmlab/base.h"
#include "vmlab/replay.h"

/* Which accesses form a single-level stream. */
enum vml_mrc_side {
    VML_MRC_DATA = 0, /* reads and writes: the L1 dTLB's stream (default) */
    VML_MRC_EXEC = 1, /* instruction fetches: the L1 iTLB's */
    VML_MRC_ALL = 2,  /* every access, as one unified TLB would see them */
};

enum vml_mrc_shards {
    VML_MRC_EXACT = 0,
    VML_MRC_SHARDS_RATE = 1, /* sample keys at rate shards_rate */
    VML_MRC_SHARDS_SIZE = 2, /* keep at most shards_max sampled keys */
};

struct vml_mrc_config {
    struct vml_replay_config replay; /* the machine: page sizes come from its mappings; cpu
                                      * gives the L1 geometry of two_level; nr_cpus must be 1
                                      * (records' cpu fields are ignored: one TLB) */
    enum vml_mrc_side side;          /* single level: the stream */
    bool two_level;                  /* the stream is the L1 TLBs' misses (both sides; fetches
                                      * only where the model has no L2 iTLB) */
    uint32_t sets;                   /* 1: fully associative; else per-set stacks */
    uint32_t max_ways;               /* sets > 1: the deepest associativity (1..4096) */
    enum vml_mrc_shards shards;
    double shards_rate;  /* VML_MRC_SHARDS_RATE: 0 < R <= 1 */
    uint64_t shards_max; /* VML_MRC_SHARDS_SIZE: sampled keys kept, >= 16 */
};

/* Defaults: replay's defaults (skylake, 4-level, 4K pages), data side, fully associative,
 * max_ways 64, exact. */
void vml_mrc_defaults(struct vml_mrc_config *cfg);

struct vml_mrc;

/* VML_EINVAL with diag for a bad configuration; VML_EHOST. */
int vml_mrc_create(const struct vml_mrc_config *cfg, struct vml_mrc **out, struct vml_diag *diag);
void vml_mrc_destroy(struct vml_mrc *m); /* accepts NULL */

/* Adds records. Returns 0, or VML_EINVAL / VML_ENOMEM / VML_EHOST with diag (the shadow
 * replay's reasons: a record replay would stop at), *done (may be NULL) the records taken. */
int vml_mrc_feed(struct vml_mrc *m, const struct vml_trace_rec *recs, size_t n, size_t *done,
                 struct vml_diag *diag);

/* The curves: VML_PS_4K, VML_PS_2M, VML_PS_1G for the per-size arrays, VML_MRC_ALL_SIZES for
 * one array holding every size. */
#define VML_MRC_ALL_SIZES VML_PS_COUNT
#define VML_MRC_CURVES    (VML_PS_COUNT + 1)

struct vml_mrc_summary {
    uint64_t records;                  /* records fed */
    uint64_t translations;             /* translations of the stream's side(s) (a record spanning
                                        * two pages makes two), skipped ones included */
    uint64_t refs[VML_MRC_CURVES];     /* references each curve's TLB receives (two-level: the L1
                                        * misses, skipped accesses in ALL_SIZES only) */
    uint64_t distinct[VML_MRC_CURVES]; /* distinct keys seen (sampled, when SHARDS) */
    uint64_t skipped;                  /* translations of addresses no process can map: misses at
                                        * every size, in the ALL_SIZES curve */
    uint64_t l1_misses;       /* two-level: the L1 TLBs' misses (the stream), skipped incl. */
    uint64_t read_then_write; /* pages written after a read left their TLB entry without
                               * write permission or dirty bit: replay takes a copy-on-write
                               * fault or a dirty assist, whose uncounted refill makes the
                               * page the STLB's most recent; two-level curves model it */
    uint64_t size_changes;    /* regions whose page size changed (a huge zero page split) */
    uint64_t flushes;         /* whole-TLB flushes the shadow replay's kernel made (a huge
                               * zero page replaced): the curves forget every page there */
    double shards_rate;       /* the final sampling rate (1 when exact) */
    uint64_t shards_sampled;  /* references sampled */
};

void vml_mrc_summary(const struct vml_mrc *m, struct vml_mrc_summary *out);

/* Misses of a TLB of `entries` entries (sets x ways when sets > 1: entries must be a multiple
 * of sets, up to sets x max_ways; else any size >= 1) for curve c. Exact counts are integers;
 * SHARDS estimates are rounded to the nearest. UINT64_MAX for an entries value the curve does
 * not cover. */
uint64_t vml_mrc_misses(const struct vml_mrc *m, unsigned c, uint64_t entries);
/* The size beyond which the curve is flat (distinct keys; sets x max_ways when sets > 1). */
uint64_t vml_mrc_max_entries(const struct vml_mrc *m, unsigned c);

/* The sizes the reports list: every size up to 64, then about 8 per doubling (from 65536 on
 * the bucket bounds), up to the flat part (sets > 1: sets x 1 .. sets x max_ways). Returns how
 * many (at most len). */
size_t vml_mrc_points(const struct vml_mrc *m, unsigned c, uint64_t *out, size_t len);

/* Reports: CSV (header "curve,page_size,entries,sets,ways,reach_bytes,refs,misses,
 * miss_ratio"; miss_ratio over the stream's translations) and one JSON object. Curves
 * without references are left out. */
void vml_mrc_csv(const struct vml_mrc *m, struct vml_text *out);
void vml_mrc_json(const struct vml_mrc *m, struct vml_text *out);

#endif
