/* hw/tlb.h: one TLB level (L1 dTLB, L1 iTLB, L2 iTLB or STLB) made of per-page-size arrays.
 *
 * Entry format, in an assoc cache of the level's array for that size:
 *   key = ASSOC_VALID | TLB_KEY_GLOBAL? | ps << 60 | vpn << 12 | pcid
 *         (vpn = va bits 56..shift, at most 45 bits; global entries carry pcid 0)
 *   val = PTE-format: pfn of the cached page's first frame << 12 | P | RW | US | A | D | G | NX
 *         with RW/US/NX already combined over all levels of the walk.
 * A page size the level has no array for is cached splintered, as entries of the largest smaller
 * size it has (fill_ps), or not at all (fill_ps = -1).
 */
#ifndef VMLAB_HW_TLB_H
#define VMLAB_HW_TLB_H

#include "hw/assoc.h"
#include "vmlab/cpu.h"
#include "vmlab/pgtable.h"

#define TLB_KEY_GLOBAL   (1ull << 62)
#define TLB_KEY_PS_SHIFT 60
#define TLB_VA_MASK      ((1ull << 57) - 1) /* keys hold va bits 56..12; va is sign-extended back */

struct tlb_probe {
    uint8_t array; /* index into arr[] */
    uint8_t ps;    /* page size probed */
};

struct tlb_level {
    unsigned nr_arrays;
    struct assoc arr[VML_TLB_MAX_ARRAYS];
    uint8_t sizes[VML_TLB_MAX_ARRAYS]; /* VML_PS_BIT mask per array */
    int8_t array_of[VML_PS_COUNT];     /* array holding each size, -1 none */
    int8_t fill_ps[VML_PS_COUNT];      /* size an entry of each page size is cached as, -1 none */
    unsigned nr_probes;                /* lookup order: 4K, 2M, 1G among held sizes */
    struct tlb_probe probes[VML_PS_COUNT];
    uint8_t live; /* bit i: probe i's size is in held[] of its array (the probes worth making);
                   * here, in padding, so the L1 hit path's offsets stay */
    uint32_t nr_global;               /* global entries present (0: skip the global probe) */
    bool splinters;                   /* splintered fills since last emptied: invlpg sweeps */
    uint8_t held[VML_TLB_MAX_ARRAYS]; /* sizes filled into each array since it was last empty:
                                       * a probe for another size cannot hit, so it is skipped */
};

/* The set blocks a lookup probed and missed in, by page size, so that the fill after the walk
 * neither recomputes the set nor searches it again. Valid until the level next changes. */
struct tlb_miss {
    uint8_t probed; /* VML_PS_BIT of the sizes whose block is in blk[] */
    uint64_t *blk[VML_PS_COUNT];
};

/* Virtual page number of va for a page size: the set index and the key's tag come from it. */
static inline uint64_t tlb_vpn(uint64_t va, unsigned ps)
{
    return (va & TLB_VA_MASK) >> vml_ps_shift((enum vml_page_size)ps);
}

static inline uint64_t tlb_key(uint64_t va, unsigned ps, unsigned pcid, bool global)
{
    uint64_t vpn = tlb_vpn(va, ps);
    return ASSOC_VALID | (global ? TLB_KEY_GLOBAL : 0) | ((uint64_t)ps << TLB_KEY_PS_SHIFT) |
           (vpn << 12) | (global ? 0 : (pcid & 0xfffu));
}

/* Builds a level from its geometry (validated by vml_cpu_model_validate). An absent level
 * (nr_arrays 0) is valid and never hits. Returns 0, VML_EINVAL for a geometry validate would
 * reject, or VML_EHOST; on failure *t is left empty (fini is safe). */
int tlb_level_init(struct tlb_level *t, const struct vml_tlb_level_geom *g);
void tlb_level_fini(struct tlb_level *t);

/* Probes the i-th (array, size) pair of the level for va; on a hit stores the value, on a miss
 * records the set's block in *m. */
static inline __attribute__((always_inline)) bool tlb_probe_one(struct tlb_level *t, unsigned i,
                                                                uint64_t va, unsigned pcid,
                                                                uint64_t *val, struct tlb_miss *m)
{
    struct tlb_probe p = t->probes[i];
    struct assoc *a = &t->arr[p.array];
    if (a->nr_valid == 0)
        return false;
    uint64_t *b = assoc_block(a, assoc_set(a, tlb_vpn(va, p.ps)));
    if (assoc_lookup_in(a, b, tlb_key(va, p.ps, pcid, false), val) ||
        (t->nr_global && assoc_lookup_in(a, b, tlb_key(va, p.ps, 0, true), val)))
        return true;
    m->probed |= (uint8_t)VML_PS_BIT(p.ps);
    m->blk[p.ps] = b;
    return false;
}

/* Looks up va for pcid (and global entries), probing the held sizes from probe `from` on (0 for
 * all). On a hit stores the entry's value and page size and returns true; on a miss *m holds
 * the blocks probed (m->probed must be initialised). Inline: this is the MMU's hot path. */
static inline __attribute__((always_inline)) bool tlb_lookup_from(struct tlb_level *t,
                                                                  unsigned from, uint64_t va,
                                                                  unsigned pcid, uint64_t *val,
                                                                  unsigned *ps, struct tlb_miss *m)
{
    /* Only probes whose size the array holds can hit: the others are not even looked at. */
    for (unsigned live = (unsigned)t->live >> from << from; live; live &= live - 1) {
        unsigned i = (unsigned)__builtin_ctz(live);
        if (tlb_probe_one(t, i, va, pcid, val, m)) {
            *ps = t->probes[i].ps;
            return true;
        }
    }
    return false;
}

static inline __attribute__((always_inline)) bool
tlb_lookup(struct tlb_level *t, uint64_t va, unsigned pcid, uint64_t *val, unsigned *ps)
{
    struct tlb_miss m = { 0 };
    return tlb_lookup_from(t, 0, va, pcid, val, ps, &m);
}

/* Recomputes t->live from held[] (when held changes, which is rare). */
void tlb_set_live(struct tlb_level *t);

/* Notes that array i is about to receive an entry of size ps. Sizes held only grow while the
 * array has entries; an emptied array starts afresh. */
static inline void tlb_hold(struct tlb_level *t, unsigned i, unsigned ps)
{
    if ((t->held[i] & VML_PS_BIT(ps)) && t->arr[i].nr_valid)
        return; /* the usual case: nothing changes */
    uint8_t h = (uint8_t)((t->arr[i].nr_valid ? t->held[i] : 0) | VML_PS_BIT(ps));
    if (h != t->held[i]) {
        t->held[i] = h;
        tlb_set_live(t);
    }
}

/* Caches a translation of a page of size ps containing va. val is PTE-format with the pfn of
 * the page's first frame; when the entry is splintered to a smaller size the pfn is adjusted to
 * the sub-page containing va. Does nothing if the level cannot hold the size. */
void tlb_fill(struct tlb_level *t, uint64_t va, unsigned pcid, unsigned ps, uint64_t val);
/* tlb_fill's work; absent: the caller has just looked va up in this level and missed. */
void tlb_fill_general(struct tlb_level *t, uint64_t va, unsigned pcid, unsigned ps, uint64_t val,
                      bool absent);

/* As tlb_fill when the caller has just looked va up in this level and missed, with the blocks
 * that lookup recorded in *m (NULL: none). Inline for the common case, a non-global entry of a
 * size the level holds; the rest is tlb_fill_general. */
static inline __attribute__((always_inline)) void tlb_fill_absent(struct tlb_level *t, uint64_t va,
                                                                  unsigned pcid, unsigned ps,
                                                                  uint64_t val,
                                                                  const struct tlb_miss *m)
{
    if (ps >= VML_PS_COUNT || t->fill_ps[ps] != (int8_t)ps || (val & VML_PTE_G)) {
        tlb_fill_general(t, va, pcid, ps, val, true);
        return;
    }
    unsigned i = (unsigned)t->array_of[ps];
    struct assoc *a = &t->arr[i];
    /* A size not probed (its array held none of it) gets its block computed here. */
    uint64_t *b = m && (m->probed & VML_PS_BIT(ps)) ? m->blk[ps]
                                                    : assoc_block(a, assoc_set(a, tlb_vpn(va, ps)));
    tlb_hold(t, i, ps);
    uint64_t old_key = 0;
    if (assoc_insert_absent_in(a, b, tlb_key(va, ps, pcid, false), val, &old_key) &&
        (old_key & TLB_KEY_GLOBAL))
        t->nr_global--;
}

/* Drops every entry (any size) covering va that is tagged pcid or global. Returns how many.
 * Where the level holds a larger page splintered, every entry of the splinter size inside the
 * larger page containing va goes too (SDM 4.10.2.3: INVLPG invalidates all the smaller
 * entries cached for a page); genuine small pages there cannot be told apart and go as well,
 * which is allowed (a TLB may drop any entry at any time). */
unsigned tlb_invlpg(struct tlb_level *t, uint64_t va, unsigned pcid);
/* tlb_invlpg on a level where a look-up of va for pcid (and global entries) has just missed:
 * what it would drop then, the splinters of a larger page around va, without the probes that
 * cannot find anything. Returns how many. */
unsigned tlb_invlpg_missed(struct tlb_level *t, uint64_t va, unsigned pcid);
/* Drops every non-global entry tagged pcid. */
void tlb_flush_pcid(struct tlb_level *t, unsigned pcid);
/* Drops every entry, global ones only when with_global. */
void tlb_flush_all(struct tlb_level *t, bool with_global);

/* Calls fn for every entry: its pcid (0 for global), whether global, the first virtual address
 * it covers, its page size and value. Stops when fn returns non-zero and returns that. */
typedef int (*tlb_entry_fn)(unsigned pcid, bool global, uint64_t va, unsigned ps, uint64_t val,
                            void *ctx);
int tlb_for_each(const struct tlb_level *t, tlb_entry_fn fn, void *ctx);

/* Number of valid entries in the level. */
size_t tlb_count(const struct tlb_level *t);

#endif
