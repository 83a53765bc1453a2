/* hw/mmu_hit.h: the MMU's L1 hit path, inline (not part of the API).
 *
 * vml_mmu_translate is built on it, and trace replay inlines it into its record loop: a plain
 * L1 hit is most of a replay's work, and a call with its result struct costs about as much as
 * the hit itself. Everything else goes through mmu_translate_after, which takes over where the
 * probe stopped, so nothing is looked up twice.
 */
#ifndef VMLAB_HW_MMU_HIT_H
#define VMLAB_HW_MMU_HIT_H

#include "hw/assoc.h"
#include "hw/tlb.h"
#include "vmlab/mmu.h"

/* The MMU's miss path after a miss in the first L1 array's set block b1 (hw/mmu.c picks one
 * for the CPU's geometry): the rest of the translation, counted as vml_mmu_translate counts it
 * except for the access itself. It does not start loading the walk's leaf entry: the caller
 * has, or chose not to (vml_mmu_prefetch). */
typedef int (*mmu_miss_fn)(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                           struct vml_xlate *out, uint64_t *b1);

/* Where a walk read the leaf table for a 2 MiB of linear addresses (a host hint, not part of
 * the model: hw/mmu.c fills them, direct-mapped by lva >> 21). */
#define HINT_SIZE                                                                                  \
    8192u /* 16 GiB of linear addresses: a random walk over a research footprint keeps its hint */
struct leaf_hint {
    uint64_t tag;   /* lva >> 21; UINT64_MAX: none */
    uintptr_t data; /* the table's content when the walk read it */
    uint64_t pfn;   /* the table's frame */
    uint64_t gen;   /* phys->data_gen then: data is that frame's content while it is current */
};

/* Starts loading the leaf entry a walk for lva (va & TLB_VA_MASK) would read, if a walk read
 * that leaf table before: the host cache miss on it then overlaps the work before the walk
 * needs it. Nothing the model sees changes, and a stale hint only loads a useless line. */
static inline __attribute__((always_inline)) void leaf_hint_prefetch(const struct leaf_hint *hint,
                                                                     uint64_t lva)
{
    const struct leaf_hint *h = &hint[(lva >> 21) & (HINT_SIZE - 1)];
    if (h->tag == lva >> 21)
        __builtin_prefetch((const void *)(h->data + ((lva >> 9) & 0xff8u)));
}

/* What the hit path needs of an L1 level's first array, computed once (key_base again at every
 * CR3 load, for the PCID). Usable only when the array's sets are a power of two (or one) and it
 * keeps LRU stamps (every preset's first L1 array: 4 to 8 ways or fully associative). */
struct fast_probe {
    struct tlb_level *level; /* L1 dTLB or iTLB */
    struct assoc *a;         /* its first array, or NULL: no fast path */
    uint64_t key_base;       /* ASSOC_VALID | ps << 60 | current pcid */
    mmu_miss_fn miss;        /* where a miss in a goes when the plan allows it, else NULL */
    uint8_t shift;           /* page shift of the size probed first */
    uint8_t ps;              /* that size */
    bool on;                 /* a is set and a CR3 is loaded: the fast path may probe */
    uint8_t canon_shift;     /* va is canonical when sign-extending it from bit 63 - this
                              * (16 for 4 levels, 7 for 5) gives it back */
};
/* 40 bytes: the hit path indexes fast[] with two address computations. */
_Static_assert(sizeof(struct fast_probe) == 40, "struct fast_probe grew");

/* The first member of struct vml_cpu (hw/mmu.c), so the inline path reaches it without the
 * rest of the CPU's definition. */
struct mmu_hot {
    struct fast_probe fast[2];         /* [fetch] */
    uint64_t need[VML_NR_ACCESS][2];   /* [access][user]: bits a TLB entry must have */
    uint64_t forbid[VML_NR_ACCESS][2]; /* [access][user]: bits that forbid the access */
    uint32_t l1_hit;                   /* model.lat.l1_hit */
    const struct leaf_hint *hint;      /* the walk's leaf hints (in struct vml_cpu) */
    struct vml_mmu_stats stats;        /* the CPU's counters */
};

_Static_assert(VML_READ >> 1 == 0 && VML_WRITE >> 1 == 0 && VML_EXEC >> 1 == 1,
               "the hit path picks the side (data, fetch) as access >> 1");

/* How far mmu_hit got when it did not translate. */
enum mmu_probe {
    MMU_NOT_PROBED = -3, /* no fast path now (global entries, no CR3, not canonical...) */
    MMU_MISSED = -2,     /* the first array missed; *block is va's set in it */
    MMU_HIT_SLOW = -1,   /* hit, but the rights or a dirty assist need the general path */
};

/* Whether the hit path may probe fp's array for va: only the level's first array (4K on every
 * preset) is probed there, and only while the level holds no global entry; the general path
 * goes on from there, so no entry is looked up twice. */
static inline __attribute__((always_inline)) bool fast_probe_ok(const struct fast_probe *fp,
                                                                uint64_t va)
{
    return fp->on && !fp->level->nr_global &&
           (uint64_t)((int64_t)(va << fp->canon_shift) >> fp->canon_shift) == va;
}

/* The way of va in fp's array (UINT32_MAX: none), and in *block the set's block. */
static inline __attribute__((always_inline)) uint32_t fast_probe_find(const struct fast_probe *fp,
                                                                      uint64_t va, uint64_t **block)
{
    uint64_t vpn = (va & TLB_VA_MASK) >> fp->shift, key = fp->key_base | (vpn << 12);
    uint64_t *b = assoc_block(fp->a, (uint32_t)(vpn & fp->a->set_mask));
    uint32_t ways = fp->a->ways;
    *block = b;
    return ways == 4 ? assoc_find_unrolled(b, 4, key) : assoc_find(b, ways, key);
}

/* The L1 hit path of vml_mmu_translate, for callers that need no vml_xlate. A plain hit of
 * the level's first array is counted exactly as vml_mmu_translate counts it (access, hit,
 * cycles, LRU) and its size returned, the TLB entry in *entry when entry is not NULL (its
 * VML_PTE_PFN_MASK bits are the page's physical address). Otherwise returns an enum mmu_probe
 * having changed nothing; the caller then calls mmu_translate_after with it. */
static inline __attribute__((always_inline)) int mmu_hit(struct vml_cpu *cpu, uint64_t va,
                                                         enum vml_access access, bool user,
                                                         uint64_t **block, uint64_t *entry)
{
    struct mmu_hot *h = (struct mmu_hot *)(void *)cpu;
    unsigned side = (unsigned)access >> 1; /* VML_EXEC is the only kind with bit 1 */
    const struct fast_probe *fp = &h->fast[side];
    if (!fast_probe_ok(fp, va))
        return MMU_NOT_PROBED;
    uint32_t hit = fast_probe_find(fp, va, block);
    if (hit == UINT32_MAX)
        return MMU_MISSED;
    uint64_t *b = *block, ways = fp->a->ways, val = b[ways + hit];
    uint64_t need = h->need[access][user], forbid = h->forbid[access][user];
    if ((val & need) != need || (val & forbid))
        return MMU_HIT_SLOW;
    b[2 * ways + hit] = ++fp->a->clock; /* fast[].a keeps stamps */
    if (entry) /* the entry, for callers that need the frame (replay's NUMA counts) */
        *entry = val;
    h->stats.accesses[access]++;
    h->stats.tlb[side ? VML_TLB_L1I : VML_TLB_L1D].hits[fp->ps]++;
    h->stats.cycles += h->l1_hit;
    return (int)fp->ps;
}

/* vml_mmu_prefetch, inline: for replay's record loop, which prefetches ahead of every record
 * while most records walk. */
static inline __attribute__((always_inline)) void mmu_prefetch(const struct vml_cpu *cpu,
                                                               uint64_t va)
{
    leaf_hint_prefetch(((const struct mmu_hot *)(const void *)cpu)->hint, va & TLB_VA_MASK);
}

int mmu_translate_rest(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                       struct vml_xlate *out, int probe, uint64_t *block);

/* vml_mmu_translate after mmu_hit returned probe (< 0) for the same arguments; a miss goes
 * straight to the miss path, without the leaf prefetch vml_mmu_translate makes (the caller
 * prefetches with mmu_prefetch, ahead or not at all). */
static inline __attribute__((always_inline)) int
mmu_translate_after(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                    struct vml_xlate *out, int probe, uint64_t *block)
{
    struct mmu_hot *h = (struct mmu_hot *)(void *)cpu;
    const struct fast_probe *fp = &h->fast[(unsigned)access >> 1];
    if (probe == MMU_MISSED && fp->miss) {
        h->stats.accesses[access]++;
        return fp->miss(cpu, va, access, user, out, block);
    }
    return mmu_translate_rest(cpu, va, access, user, out, probe, block);
}

#endif
