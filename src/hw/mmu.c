/* hw/mmu.c: a simulated CPU's address translation (see vmlab/mmu.h for the steps).
 *
 * Models the x86-64 MMU of the Intel SDM vol. 3A ch. 4 (4.5 paging, 4.6 access rights, 4.7
 * page-fault error codes, 4.8 accessed and dirty flags, 4.10 TLBs and paging-structure caches).
 * The page walk reads entries from the tables' simulated frames, one counted memory reference
 * each, and writes A and D back into them. The TLB hit path allocates nothing.
 */
#include "vmlab/mmu.h"

#include "hw/assoc.h"
#include "hw/mmu_hit.h"
#include "hw/mmu_internal.h"
#include "hw/phys.h"
#include "hw/tlb.h"
#include "vmlab/pgtable.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RIGHTS (VML_PTE_RW | VML_PTE_US | VML_PTE_NX)
#define VA57   ((1ull << 57) - 1)

struct vml_cpu;
/* A miss path (translate_miss or a specialised copy). */
typedef mmu_miss_fn miss_fn; /* hw/mmu_hit.h */

/* A direct-mapped cache of table frames' content pointers, so a walk does not go through the
 * frame metadata (a host cache miss per level). An entry is valid only under the phys content
 * generation it was filled in: freeing any content invalidates them all. */
#define TCACHE_SIZE 8192u /* the leaf tables of 16 GiB */
struct tcache_entry {
    uint64_t pfn;   /* UINT64_MAX: empty */
    uint64_t gen;   /* phys->data_gen when filled */
    uint64_t *data; /* content, never NULL */
};

/* A page-walk cache the walk probes, in probe order (PDE first, up to the top of the paging
 * mode): computed at CR3 load, enabled caches only. */
struct pwc_plan {
    struct assoc *a;
    uint64_t *slots;   /* a->slots */
    uint32_t stride;   /* words per set block: 3 * ways */
    uint32_t set_mask; /* sets - 1 when a power of two (or one set) */
    uint32_t ways;     /* a->ways */
    bool pow2;         /* sets is a power of two (or one) */
    uint8_t p;         /* VML_PWC_* */
    uint8_t shift;     /* va bits below the tag: vml_level_shift of the entries' level */
    uint32_t memo;     /* way of the last hit: checked first (keys are unique in a set, so a
                        * match there is the scan's answer); a hint, never stale in effect */
};

/* What the miss path needs of the array caching one page size in a TLB level. */
struct miss_arr {
    struct assoc *a;   /* NULL: the level has no array for the size */
    uint64_t *slots;   /* a->slots */
    uint32_t stride;   /* words per set block: 3 * ways */
    uint64_t key_base; /* ASSOC_VALID | ps << 60 | current pcid (tlb_key of va 0) */
    uint32_t set_mask; /* sets - 1 (a power of two, or one set) */
    uint8_t shift;     /* page shift */
    uint8_t array;     /* index in the level's arr[] */
};

/* The miss path of an access kind (data, fetch): the common case after the fast path's probe
 * missed, precomputed at creation (keys at CR3 load). ok when both levels exist and every
 * array has a power-of-two number of sets and none is hashed (assoc.h); otherwise
 * translate_slow does everything. */
struct miss_plan {
    bool ok;
    uint8_t l1, l2;                    /* TLB levels */
    uint8_t fps;                       /* the size the fast path probes in L1 */
    bool quick4k;                      /* both levels have a 4K array (miss_leaf_4k) */
    uint32_t l2_cycles;                /* cost of an L1 miss: l1_hit + stlb_hit */
    uint32_t walk_cycles;              /* a walk's cost but its references: l2_cycles + walk */
    struct tlb_level *t1, *t2;         /* &cpu->tlb[l1], &cpu->tlb[l2] */
    struct vml_tlb_counts *c1, *c2;    /* their counters */
    struct miss_arr l1a[VML_PS_COUNT]; /* by page size */
    struct miss_arr l2a[VML_PS_COUNT];
};

struct vml_cpu {
    struct mmu_hot hot;         /* the L1 hit path's fields: first (see hw/mmu_hit.h) */
    struct vml_cpu_model model; /* copied at creation */
    struct vml_phys *phys;      /* where page tables are read from (borrowed) */
    struct tlb_level tlb[VML_TLB_NR_LEVELS];
    struct assoc pwc[VML_PWC_NR];
    bool pwc_on[VML_PWC_NR];
    unsigned l2_exec; /* second level for fetches: L2I if present, else STLB */
    uint64_t root;    /* CR3: pfn of the top table */
    unsigned levels;  /* 4 or 5; 0 until a CR3 is loaded */
    unsigned pcid;    /* current PCID (0 without PCID support) */
    struct tcache_entry tcache[TCACHE_SIZE];
    /* The walk's plan (after the L1 hit path's fields, which keep their places). */
    struct pwc_plan pwc_plan[VML_PWC_NR];
    unsigned nr_pwc_plan;
    uint64_t pwc_key_base;           /* ASSOC_VALID | current pcid */
    uint32_t pwc_stride[VML_PWC_NR]; /* words per set block of each cache: 3 * ways */
    uint32_t pwc_memo[VML_PWC_NR];   /* the miss path's: way of each cache's last hit, checked
                                      * first (keys are unique in a set, so a match there is the
                                      * scan's answer); a hint, never stale in effect */
    struct miss_plan miss[2];        /* [fetch] */
    /* Host hints, not part of the model: where the last walk through each 2 MiB of linear
     * addresses (lva >> 21; direct-mapped) read its leaf table. The prefetch uses one whatever
     * its age (a stale hint costs a useless prefetch, nothing else); the walk uses its content
     * pointer only for the same table under the same content generation. */
    struct leaf_hint hint[HINT_SIZE];
    /* Host shortcut: bit p set = the page-walk caches may hold entries of PCID p. Walks fill
     * them under the current PCID only (pwc_key_base), so a PCID's bit is set while it is
     * current, and cleared when a flush of that PCID emptied them of it after it stopped being
     * current: a later flush of it has nothing to remove and skips the scan. */
    uint64_t pwc_pcids[4096 / 64];
    /* The same for the TLB levels' non-global entries: fills are tagged with the current PCID
     * only, so a PCID's bit is set while it is current, and cleared once it is not current and
     * none of its entries is left (a flush of it, or a scan that found none): an INVLPG of it
     * then removes nothing (with no global entry anywhere) and skips the probes. Reclaim
     * unmapping a page of a process not running makes one such INVLPG per page. */
    uint64_t tlb_pcids[4096 / 64];
    /* INVLPGs of a PCID not current whose bit was set before a scan looks for its entries,
     * doubling after each scan that found some (tlb_pcid_scan_every), so that a PCID whose
     * entries stay costs few scans. */
    uint32_t tlb_pcid_scan_in, tlb_pcid_scan_every;
    /* NUMA, at the end so that nothing above moves: the nodes the walk counts its references
     * by, the machine's (from phys at creation; nodes never change), or 1 when it does not
     * count them (one node, or vml_cpu_count_walk_nodes off): one predictable test per
     * reference. Where each node starts, and the counts (vml_cpu_walk_refs_node). */
    unsigned walk_nodes;
    uint64_t node_start[VML_MAX_NODES]; /* pfn */
    uint64_t walk_refs_node[VML_MAX_NODES];
};

/* Content of table frame pfn, or NULL if it has none (the walk then reads zeros). gen is
 * phys->data_gen. A frame without content is not cached: content may be attached later without
 * a generation change. */
static inline uint64_t *table_data(struct vml_cpu *cpu, uint64_t pfn, uint64_t gen)
{
    struct tcache_entry *e = &cpu->tcache[pfn & (TCACHE_SIZE - 1)];
    if (e->pfn == pfn && e->gen == gen)
        return e->data;
    if (pfn >= cpu->phys->total_pages) /* a corrupt entry: nothing there */
        return NULL;
    uint64_t *d = phys_data(cpu->phys, pfn);
    if (d)
        *e = (struct tcache_entry){ .pfn = pfn, .gen = gen, .data = d };
    return d;
}

/* A walk's read of an entry of table frame pfn, counted by the frame's node on a machine of
 * several nodes (nodes are contiguous pfn ranges, node 0 first: vml_phys_pfn_node's rule). The
 * NUMA cost of the read is charged by whoever reads the counts (the replay, the simulated
 * touch), from the CPU's node and this one: nothing per reference but the count. */
static inline __attribute__((always_inline)) void count_ref(struct vml_cpu *cpu, uint64_t pfn)
{
    if (__builtin_expect(cpu->walk_nodes > 1, 0)) {
        unsigned n = 0;
        while (n + 1 < cpu->walk_nodes && pfn >= cpu->node_start[n + 1])
            n++;
        cpu->walk_refs_node[n]++;
    }
}

/* Level of the table entries a page-walk cache holds: PML5E 5 ... PDE 2. */
static unsigned pwc_entry_level(unsigned p)
{
    return 5u - p;
}

/* A PWC tag is the linear address above the bits the cached entry's level translates. */
static uint64_t pwc_tag(uint64_t va, unsigned p)
{
    return (va & VA57) >> vml_level_shift(pwc_entry_level(p));
}

static uint64_t pwc_key(uint64_t va, unsigned p, unsigned pcid)
{
    return ASSOC_VALID | (pwc_tag(va, p) << 12) | (pcid & 0xfffu);
}

const char *vml_fault_name(enum vml_fault_kind k)
{
    static const char *names[VML_NR_FAULT_KINDS] = {
        "none", "not-present", "write", "nx", "user", "smep", "smap", "reserved", "non-canonical",
    };
    return (unsigned)k < VML_NR_FAULT_KINDS ? names[k] : "?";
}

/* Folds the current PCID into the fast probes' key base, and the paging mode and PCID into the
 * walk's page-walk-cache plan. */
static void set_fast_pcid(struct vml_cpu *cpu)
{
    for (unsigned f = 0; f < 2; f++) {
        cpu->hot.fast[f].key_base = tlb_key(0, cpu->hot.fast[f].ps, cpu->pcid, false);
        cpu->hot.fast[f].on = cpu->hot.fast[f].a && cpu->levels != 0;
        cpu->hot.fast[f].canon_shift = (uint8_t)(cpu->levels == 5 ? 63u - 56u : 63u - 47u);
    }
    unsigned top = cpu->levels == 5 ? VML_PWC_PML5E : VML_PWC_PML4E;
    cpu->nr_pwc_plan = 0;
    for (unsigned p = VML_PWC_PDE + 1; p-- > top;)
        if (cpu->pwc_on[p])
            cpu->pwc_plan[cpu->nr_pwc_plan++] = (struct pwc_plan){
                .a = &cpu->pwc[p],
                .slots = cpu->pwc[p].slots,
                .stride = 3 * cpu->pwc[p].ways,
                .set_mask = cpu->pwc[p].set_mask,
                .ways = cpu->pwc[p].ways,
                .pow2 = cpu->pwc[p].set_mask != 0 || cpu->pwc[p].sets == 1,
                .p = (uint8_t)p,
                .shift = (uint8_t)vml_level_shift(pwc_entry_level(p)),
            };
    cpu->pwc_key_base = pwc_key(0, 0, cpu->pcid);
    cpu->pwc_pcids[cpu->pcid / 64] |= 1ull << (cpu->pcid % 64);
    cpu->tlb_pcids[cpu->pcid / 64] |= 1ull << (cpu->pcid % 64);
    for (unsigned f = 0; f < 2; f++)
        for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
            cpu->miss[f].l1a[ps].key_base = tlb_key(0, ps, cpu->pcid, false);
            cpu->miss[f].l2a[ps].key_base = tlb_key(0, ps, cpu->pcid, false);
        }
}

/* The miss path's view of level t's array for each page size; false if an array's sets are
 * not a power of two, or it is hashed (the miss path scans blocks and writes LRU state). */
static bool plan_level(struct tlb_level *t, struct miss_arr *x)
{
    bool ok = true;
    for (unsigned ps = 0; ps < VML_PS_COUNT; ps++) {
        memset(&x[ps], 0, sizeof(x[ps]));
        if (t->array_of[ps] < 0)
            continue;
        struct assoc *a = &t->arr[t->array_of[ps]];
        ok &= (a->set_mask != 0 || a->sets == 1) && !a->hash;
        x[ps] = (struct miss_arr){ .a = a,
                                   .slots = a->slots,
                                   .stride = 3 * a->ways,
                                   .set_mask = a->set_mask,
                                   .shift = (uint8_t)vml_ps_shift((enum vml_page_size)ps),
                                   .array = (uint8_t)t->array_of[ps] };
    }
    return ok;
}

void mmu_force_general(struct vml_cpu *cpu)
{
    for (unsigned f = 0; f < 2; f++) {
        cpu->miss[f].ok = false;
        cpu->hot.fast[f].miss = NULL;
    }
}

static miss_fn pick_miss(const struct vml_cpu *cpu, unsigned f); /* with the miss paths */

static void plan_misses(struct vml_cpu *cpu)
{
    for (unsigned f = 0; f < 2; f++) {
        struct miss_plan *m = &cpu->miss[f];
        m->l1 = f ? VML_TLB_L1I : VML_TLB_L1D;
        m->l2 = (uint8_t)(f ? cpu->l2_exec : VML_TLB_STLB);
        m->t1 = &cpu->tlb[m->l1];
        m->t2 = &cpu->tlb[m->l2];
        m->c1 = &cpu->hot.stats.tlb[m->l1];
        m->c2 = &cpu->hot.stats.tlb[m->l2];
        bool ok1 = plan_level(&cpu->tlb[m->l1], m->l1a);
        bool ok2 = plan_level(&cpu->tlb[m->l2], m->l2a);
        bool pwc_ok = true;
        for (unsigned p = 0; p < VML_PWC_NR; p++)
            pwc_ok &= !cpu->pwc_on[p] ||
                      ((cpu->pwc[p].set_mask != 0 || cpu->pwc[p].sets == 1) && !cpu->pwc[p].hash);
        m->ok = ok1 && ok2 && pwc_ok && cpu->hot.fast[f].a && cpu->tlb[m->l2].nr_arrays > 0;
        m->fps = (uint8_t)cpu->hot.fast[f].ps;
        m->quick4k = m->l1a[VML_PS_4K].a && m->l2a[VML_PS_4K].a;
        m->l2_cycles = cpu->model.lat.l1_hit + cpu->model.lat.stlb_hit;
        m->walk_cycles = m->l2_cycles + cpu->model.lat.walk;
        cpu->hot.fast[f].miss = m->ok ? pick_miss(cpu, f) : NULL;
    }
}

/* The fast path's rights test (the same rules as rights_fault, plus D for writes, so that a
 * write to a clean entry takes the slow path's dirty assist). */
static void set_rights_masks(struct vml_cpu *cpu)
{
    for (unsigned a = 0; a < VML_NR_ACCESS; a++) {
        for (unsigned u = 0; u < 2; u++) {
            uint64_t need = VML_PTE_P, forbid = 0;
            if (u)
                need |= VML_PTE_US;
            else if ((a == VML_EXEC && cpu->model.smep) || (a != VML_EXEC && cpu->model.smap))
                forbid |= VML_PTE_US;
            if (a == VML_WRITE)
                need |= VML_PTE_RW | VML_PTE_D;
            if (a == VML_EXEC)
                forbid |= VML_PTE_NX;
            cpu->hot.need[a][u] = need;
            cpu->hot.forbid[a][u] = forbid;
        }
    }
}

int vml_cpu_create(const struct vml_cpu_model *model, struct vml_phys *phys, struct vml_cpu **out)
{
    int r = vml_cpu_model_validate(model, NULL);
    if (r)
        return r;
    struct vml_cpu *cpu = calloc(1, sizeof(*cpu));
    if (!cpu)
        return VML_EHOST;
    cpu->model = *model;
    cpu->phys = phys;
    cpu->walk_nodes = phys->nr_nodes;
    for (unsigned n = 0; n < phys->nr_nodes; n++)
        cpu->node_start[n] = phys->nodes[n].start;
    for (unsigned i = 0; i < TCACHE_SIZE; i++)
        cpu->tcache[i].pfn = UINT64_MAX;
    for (unsigned i = 0; i < HINT_SIZE; i++)
        cpu->hint[i].tag = UINT64_MAX;
    cpu->hot.hint = cpu->hint;
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS && r == 0; l++)
        r = tlb_level_init(&cpu->tlb[l], &model->tlb[l]);
    for (unsigned p = 0; p < VML_PWC_NR && r == 0; p++) {
        uint32_t n = model->pwc_entries[p], w = model->pwc_ways[p] ? model->pwc_ways[p] : n;
        cpu->pwc_on[p] = n > 0;
        if (cpu->pwc_on[p] && assoc_init(&cpu->pwc[p], n / w, w) != 0)
            r = VML_EHOST;
        cpu->pwc_stride[p] = 3 * w;
    }
    if (r) {
        vml_cpu_destroy(cpu);
        return r;
    }
    cpu->l2_exec = model->tlb[VML_TLB_L2I].nr_arrays ? VML_TLB_L2I : VML_TLB_STLB;
    set_rights_masks(cpu);
    for (unsigned f = 0; f < 2; f++) {
        struct tlb_level *t = &cpu->tlb[f ? VML_TLB_L1I : VML_TLB_L1D];
        struct assoc *a = t->nr_probes ? &t->arr[t->probes[0].array] : NULL;
        cpu->hot.fast[f].level = t;
        /* Not a hashed array: the fast path scans its block and stamps the way itself. */
        cpu->hot.fast[f].a = a && (a->set_mask || a->sets == 1) && !a->hash ? a : NULL;
        /* Its hits are the hot path: one store each with stamps. */
        if (cpu->hot.fast[f].a)
            assoc_use_stamps(cpu->hot.fast[f].a);
        cpu->hot.fast[f].ps = (uint8_t)(t->nr_probes ? t->probes[0].ps : 0);
        cpu->hot.fast[f].shift = (uint8_t)vml_ps_shift((enum vml_page_size)cpu->hot.fast[f].ps);
    }
    cpu->hot.l1_hit = cpu->model.lat.l1_hit;
    plan_misses(cpu);
    set_fast_pcid(cpu);
    *out = cpu;
    return 0;
}

void vml_cpu_destroy(struct vml_cpu *cpu)
{
    if (!cpu)
        return;
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
        tlb_level_fini(&cpu->tlb[l]);
    for (unsigned p = 0; p < VML_PWC_NR; p++)
        if (cpu->pwc_on[p])
            assoc_fini(&cpu->pwc[p]);
    free(cpu);
}

const struct vml_mmu_stats *vml_cpu_stats(const struct vml_cpu *cpu)
{
    return &cpu->hot.stats;
}

void vml_cpu_reset_stats(struct vml_cpu *cpu)
{
    memset(&cpu->hot.stats, 0, sizeof(cpu->hot.stats));
    memset(cpu->walk_refs_node, 0, sizeof(cpu->walk_refs_node));
}

const uint64_t *vml_cpu_walk_refs_node(const struct vml_cpu *cpu)
{
    return cpu->walk_refs_node;
}

void vml_cpu_count_walk_nodes(struct vml_cpu *cpu, bool on)
{
    cpu->walk_nodes = on ? cpu->phys->nr_nodes : 1;
}

const struct vml_cpu_model *vml_cpu_model(const struct vml_cpu *cpu)
{
    return &cpu->model;
}

unsigned vml_cpu_pcid(const struct vml_cpu *cpu)
{
    return cpu->pcid;
}

/* ---- invalidation ----------------------------------------------------------------------- */

static bool pwc_key_has_pcid(uint64_t key, uint64_t val, void *ctx)
{
    (void)val;
    return (key & 0xfffu) == *(const unsigned *)ctx;
}

/* Removes pcid's entries from every page-walk cache; a PCID not current then has none. */
static void pwc_remove_pcid(struct vml_cpu *cpu, unsigned pcid)
{
    for (unsigned p = 0; p < VML_PWC_NR; p++)
        if (cpu->pwc_on[p])
            assoc_remove_if(&cpu->pwc[p], pwc_key_has_pcid, &pcid);
    if (pcid != cpu->pcid)
        cpu->pwc_pcids[pcid / 64] &= ~(1ull << (pcid % 64));
}

/* Inline for its test: reclaim's INVLPG of each page it unmaps, in a PCID not current, finds
 * the bit clear nearly every time. */
static inline void pwc_flush_pcid(struct vml_cpu *cpu, unsigned pcid)
{
    if (pcid > 0xfff || !(cpu->pwc_pcids[pcid / 64] & (1ull << (pcid % 64))))
        return; /* none of its entries can be there (pwc_pcids) */
    pwc_remove_pcid(cpu, pcid);
}

/* Drops the TLB entries covering va in every level, without touching the PWCs. missed: the
 * levels (bit l) where a look-up of va for pcid has just missed, whose probes would find
 * nothing (a fault after the walk: the probes the drop would repeat are a fifth of a fault's
 * host instructions). */
static void tlb_drop_va(struct vml_cpu *cpu, uint64_t va, unsigned pcid, unsigned missed)
{
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        struct tlb_level *t = &cpu->tlb[l];
        if (!t->live && !t->splinters)
            continue; /* no array holds anything to probe (tlb_invlpg would return 0) */
        if (missed & (1u << l))
            tlb_invlpg_missed(t, va, pcid);
        else
            tlb_invlpg(t, va, pcid);
    }
}

/* INVLPGs of PCIDs whose entries may remain between the first scans for them (tlb_pcids). */
#define TLB_PCID_SCAN_FIRST 32u

static int tlb_entry_of_pcid(unsigned pcid, bool global, uint64_t va, unsigned ps, uint64_t val,
                             void *ctx)
{
    (void)va, (void)ps, (void)val;
    return !global && pcid == *(const unsigned *)ctx;
}

/* Whether pcid (not current) may still have non-global entries in a TLB level, per tlb_pcids;
 * now and then a scan finds that it has none any more and clears its bit. */
static bool tlb_may_hold_pcid(struct vml_cpu *cpu, unsigned pcid)
{
    uint64_t bit = 1ull << (pcid % 64);
    if (!(cpu->tlb_pcids[pcid / 64] & bit))
        return false;
    if (cpu->tlb_pcid_scan_in > 1) {
        cpu->tlb_pcid_scan_in--;
        return true;
    }
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
        if (tlb_for_each(&cpu->tlb[l], tlb_entry_of_pcid, &pcid)) {
            uint32_t every = cpu->tlb_pcid_scan_every;
            cpu->tlb_pcid_scan_every = !every         ? TLB_PCID_SCAN_FIRST
                                       : every < 4096 ? 2 * every
                                                      : every;
            cpu->tlb_pcid_scan_in = cpu->tlb_pcid_scan_every;
            return true;
        }
    cpu->tlb_pcids[pcid / 64] &= ~bit;
    cpu->tlb_pcid_scan_every = TLB_PCID_SCAN_FIRST;
    cpu->tlb_pcid_scan_in = TLB_PCID_SCAN_FIRST;
    return false;
}

void vml_mmu_invlpg_pcid(struct vml_cpu *cpu, uint64_t va, unsigned pcid)
{
    if (!cpu->model.pcid)
        pcid = 0;
    cpu->hot.stats.invlpg++;
    /* A PCID not current with no entry left drops nothing (nor do the levels' global entries,
     * when there are none): only its page-walk-cache entries may go. */
    unsigned p = pcid & 0xfffu;
    if (p == cpu->pcid || tlb_may_hold_pcid(cpu, p) || cpu->tlb[0].nr_global ||
        cpu->tlb[1].nr_global || cpu->tlb[2].nr_global || cpu->tlb[3].nr_global)
        tlb_drop_va(cpu, va, pcid, 0);
    /* SDM 4.10.4.1: INVLPG drops every paging-structure-cache entry of the PCID, whatever
     * address it is for. */
    pwc_flush_pcid(cpu, pcid);
}

void vml_mmu_invlpg(struct vml_cpu *cpu, uint64_t va)
{
    vml_mmu_invlpg_pcid(cpu, va, cpu->pcid);
}

void vml_mmu_flush_pcid(struct vml_cpu *cpu, unsigned pcid)
{
    if (!cpu->model.pcid)
        pcid = 0;
    cpu->hot.stats.flush_pcid++;
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
        tlb_flush_pcid(&cpu->tlb[l], pcid);
    pwc_flush_pcid(cpu, pcid);
    if ((pcid & 0xfffu) != cpu->pcid) /* none of its entries is left */
        cpu->tlb_pcids[(pcid & 0xfffu) / 64] &= ~(1ull << (pcid % 64));
}

void vml_mmu_flush_all(struct vml_cpu *cpu, bool with_global)
{
    cpu->hot.stats.flush_all++;
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
        tlb_flush_all(&cpu->tlb[l], with_global);
    for (unsigned p = 0; p < VML_PWC_NR; p++)
        if (cpu->pwc_on[p])
            assoc_clear(&cpu->pwc[p]);
    memset(cpu->pwc_pcids, 0, sizeof(cpu->pwc_pcids));
    cpu->pwc_pcids[cpu->pcid / 64] |= 1ull << (cpu->pcid % 64);
    /* Every non-global entry went, with or without the global ones. */
    memset(cpu->tlb_pcids, 0, sizeof(cpu->tlb_pcids));
    cpu->tlb_pcids[cpu->pcid / 64] |= 1ull << (cpu->pcid % 64);
}

int vml_cpu_load_cr3(struct vml_cpu *cpu, uint64_t root_pfn, unsigned levels, unsigned pcid,
                     bool noflush)
{
    if ((levels != 4 && levels != 5) || (levels == 5 && !cpu->model.la57) || pcid > 0xfff)
        return VML_EINVAL;
    if (root_pfn >= vml_phys_total_pages(cpu->phys))
        return VML_EINVAL;
    const struct frame *f = phys_frame(cpu->phys, root_pfn);
    if (!f || f->use != VML_USE_PGTABLE || !f->data)
        return VML_EINVAL;
    cpu->hot.stats.cr3_loads++;
    cpu->root = root_pfn;
    cpu->levels = levels;
    cpu->pcid = cpu->model.pcid ? pcid : 0;
    set_fast_pcid(cpu);
    /* Without PCIDs every CR3 load drops the non-global entries (all are tagged 0). */
    if (!noflush || !cpu->model.pcid) {
        for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++)
            tlb_flush_pcid(&cpu->tlb[l], cpu->pcid);
        pwc_flush_pcid(cpu, cpu->pcid);
    }
    return 0;
}

/* ---- translation ------------------------------------------------------------------------ */

/* SDM 4.6: the fault an access would take with these combined rights, or VML_FAULT_NONE.
 * Checked in this order: user/supervisor, write, execute. */
static inline enum vml_fault_kind rights_fault(const struct vml_cpu *cpu, uint64_t rights,
                                               enum vml_access access, bool user)
{
    bool us = rights & VML_PTE_US;
    if (user && !us)
        return VML_FAULT_USER;
    if (!user && us) {
        if (access == VML_EXEC && cpu->model.smep)
            return VML_FAULT_SMEP;
        if (access != VML_EXEC && cpu->model.smap)
            return VML_FAULT_SMAP;
    }
    if (access == VML_WRITE && !(rights & VML_PTE_RW))
        return VML_FAULT_WRITE; /* CR0.WP = 1: supervisors too */
    if (access == VML_EXEC && (rights & VML_PTE_NX))
        return VML_FAULT_NX;
    return VML_FAULT_NONE;
}

/* Fills out->fault and counts it. */
/* missed: the TLB levels (bit l) where va has just been looked up and missed, for
 * tlb_drop_va. */
static int fault(struct vml_cpu *cpu, struct vml_xlate *out, uint64_t va, enum vml_fault_kind k,
                 unsigned level, uint64_t entry, enum vml_access access, bool user, bool from_tlb,
                 unsigned missed)
{
    uint32_t ec = 0;
    if (k != VML_FAULT_NONCANONICAL) {
        if (k != VML_FAULT_NOT_PRESENT)
            ec |= VML_PF_PROT;
        if (k == VML_FAULT_RESERVED)
            ec |= VML_PF_RSVD;
        if (access == VML_WRITE)
            ec |= VML_PF_WRITE;
        if (user)
            ec |= VML_PF_USER;
        if (access == VML_EXEC)
            ec |= VML_PF_INSTR;
    }
    out->fault.va = va;
    out->fault.entry = entry;
    out->fault.error_code = ec;
    out->fault.kind = (uint8_t)k;
    out->fault.level = (uint8_t)level;
    out->fault.from_tlb = from_tlb;
    out->src = VML_SRC_FAULT;
    cpu->hot.stats.faults[k]++;
    /* SDM 4.10.4.1: a page fault drops the TLB entries for the faulting address. */
    if (k != VML_FAULT_NONCANONICAL)
        tlb_drop_va(cpu, va, cpu->pcid, missed);
    return 1;
}

/* Reserved-bit violations of a present entry at a level (SDM 4.5.4, table 4-20..4-22). */
static bool reserved_bits(const struct vml_cpu *cpu, uint64_t e, unsigned level)
{
    if (level == 1 || !(e & VML_PTE_PS))
        return false;
    if (level >= 4 || (level == 3 && !cpu->model.pdpe1gb))
        return true;
    /* A huge leaf's frame number must be aligned; bit 12 is its PAT bit. */
    uint64_t frame = vml_pte_pfn(e & ~VML_PTE_PAT_LARGE);
    return (frame & ((1ull << (9 * (level - 1))) - 1)) != 0;
}

/* One entry read by a walk, for setting A afterwards and filling the PWCs. */
struct walk_step {
    uint64_t *e;     /* the entry, in its table's content */
    uint64_t rights; /* RW/US/NX combined down to and including this entry */
};

/* Step 4: the longest PWC match for va. Sets *tbl, *level (of the next table to read) and
 * *rights when one hits; otherwise leaves them as the root's. The block of each cache that
 * missed goes to blk[], for the fill of that cache after the walk. */
static inline __attribute__((always_inline)) void pwc_probe(struct vml_cpu *cpu, uint64_t va,
                                                            uint64_t *tbl, unsigned *level,
                                                            uint64_t *rights, uint64_t **blk)
{
    for (unsigned i = 0; i < cpu->nr_pwc_plan; i++) {
        struct pwc_plan *pp = &cpu->pwc_plan[i];
        struct assoc *a = pp->a;
        uint64_t tag = (va & VA57) >> pp->shift, key = cpu->pwc_key_base | (tag << 12);
        uint64_t set = pp->pow2 ? tag & pp->set_mask : tag % a->sets;
        uint64_t *b = pp->slots + set * pp->stride;
        uint32_t hit = b[pp->memo] == key ? pp->memo : assoc_find_in(a, b, key);
        if (hit != UINT32_MAX) {
            pp->memo = hit;
            assoc_touch(a, b, hit);
            uint64_t val = b[a->ways + hit];
            cpu->hot.stats.pwc_hits[pp->p]++;
            *tbl = vml_pte_pfn(val);
            *level = pwc_entry_level(pp->p) - 1;
            *rights = val & RIGHTS;
            return;
        }
        cpu->hot.stats.pwc_misses[pp->p]++;
        blk[pp->p] = b;
    }
}

/* Step 6: A in every entry used (path[0] at level top), D in the leaf on a write; PWC entries
 * for the upper levels, into the blocks where pwc_probe missed them. */
static inline __attribute__((always_inline)) void
walk_commit(struct vml_cpu *cpu, uint64_t va, const struct walk_step *path, unsigned n,
            unsigned top, enum vml_access access, uint64_t *const *blk)
{
    for (unsigned i = 0; i + 1 < n; i++) {
        uint64_t *e = path[i].e;
        if (!(*e & VML_PTE_A)) {
            *e |= VML_PTE_A;
            cpu->hot.stats.ad_writes++;
        }
        /* A non-leaf entry is at level 2 or above; every enabled cache of such a level was
         * probed (the walk started below the level that hit) and missed: the key is absent. */
        unsigned level = top - i, p = 5u - level;
        if (cpu->pwc_on[p]) {
            uint64_t tag = (va & VA57) >> vml_level_shift(level);
            assoc_insert_absent_in(&cpu->pwc[p], blk[p], cpu->pwc_key_base | (tag << 12),
                                   (*e & VML_PTE_PFN_MASK) | path[i].rights, NULL);
        }
    }
    uint64_t *leaf = path[n - 1].e;
    uint64_t want = access == VML_WRITE ? VML_PTE_A | VML_PTE_D : VML_PTE_A;
    if ((*leaf & want) != want) {
        *leaf |= want;
        cpu->hot.stats.ad_writes++;
    }
}

/* Steps 4-6: walks the tables for va. On success returns 0 with the TLB-format value of the
 * translation in *val and its page size in *ps; on a fault returns 1 with out->fault set.
 * missed: the TLB levels where va was just looked up and missed (fault's).
 * Inline in the miss path; walk() for the others. */
static inline __attribute__((always_inline)) int walk_inline(struct vml_cpu *cpu, uint64_t va,
                                                             enum vml_access access, bool user,
                                                             struct vml_xlate *out, uint64_t *val,
                                                             unsigned *ps, unsigned missed)
{
    struct vml_mmu_stats *st = &cpu->hot.stats;
    uint64_t tbl = cpu->root, rights = VML_PTE_RW | VML_PTE_US;
    unsigned level = cpu->levels, n = 0;
    struct walk_step path[5];
    uint64_t *blk[VML_PWC_NR];
    st->walks++;
    pwc_probe(cpu, va, &tbl, &level, &rights, blk);
    unsigned top = level;
    uint64_t e, gen = cpu->phys->data_gen;
    enum vml_fault_kind k = VML_FAULT_NONE;
    for (;; level--) {
        /* Step 5: one memory reference per entry. A frame without table content reads as
         * zeros: not present. */
        uint64_t *t = table_data(cpu, tbl, gen);
        uint64_t *ep = t ? t + vml_level_index(va, level) : NULL;
        e = ep ? *ep : 0;
        n++;
        count_ref(cpu, tbl);
        if (!(e & VML_PTE_P)) {
            k = VML_FAULT_NOT_PRESENT;
            break;
        }
        rights &= e | ~(VML_PTE_RW | VML_PTE_US);
        rights |= e & VML_PTE_NX;
        path[n - 1] = (struct walk_step){ ep, rights };
        if (level == 1)
            break;
        if (e & VML_PTE_PS) {
            if (reserved_bits(cpu, e, level))
                k = VML_FAULT_RESERVED;
            break;
        }
        tbl = vml_pte_pfn(e);
    }
    out->walk_refs = (uint8_t)n;
    st->walk_refs += n;
    if (k == VML_FAULT_NONE)
        k = rights_fault(cpu, rights, access, user);
    if (k != VML_FAULT_NONE)
        return fault(cpu, out, va, k, level, e, access, user, false, missed);
    walk_commit(cpu, va, path, n, top, access, blk);
    e = *path[n - 1].e;
    *ps = level - 1;
    st->walks_done[*ps]++;
    uint64_t frame = e & VML_PTE_PFN_MASK & ~(level > 1 ? VML_PTE_PAT_LARGE : 0);
    *val = frame | rights | VML_PTE_P | VML_PTE_A | (e & (VML_PTE_D | VML_PTE_G));
    return 0;
}

static __attribute__((noinline)) int walk(struct vml_cpu *cpu, uint64_t va, enum vml_access access,
                                          bool user, struct vml_xlate *out, uint64_t *val,
                                          unsigned *ps, unsigned missed)
{
    return walk_inline(cpu, va, access, user, out, val, ps, missed);
}

static inline void success(struct vml_xlate *out, uint64_t va, uint64_t val, unsigned ps,
                           unsigned src)
{
    uint64_t mask = (1ull << vml_ps_shift((enum vml_page_size)ps)) - 1;
    out->pa = (val & VML_PTE_PFN_MASK) + (va & mask);
    out->ps = (uint8_t)ps;
    out->src = (uint8_t)src;
}

#define HIT_DIRTY_ASSIST 2

/* A TLB hit (L1 or second level) outside the fast path: 1 with a fault from the cached rights,
 * 0 when the access may proceed, HIT_DIRTY_ASSIST for a write to an entry whose D is clear,
 * which must walk to set it. */
static int tlb_hit(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                   struct vml_xlate *out, uint64_t val, unsigned ps, unsigned src)
{
    enum vml_fault_kind k = rights_fault(cpu, val, access, user);
    if (k == VML_FAULT_NONE && access == VML_WRITE && !(val & VML_PTE_D)) {
        cpu->hot.stats.dirty_assists++;
        return HIT_DIRTY_ASSIST;
    }
    cpu->hot.stats.cycles += out->cycles;
    if (k != VML_FAULT_NONE)
        return fault(cpu, out, va, k, ps + 1, val, access, user, true, 0);
    success(out, va, val, ps, src);
    return 0;
}

/* Steps 4-6 of a dirty assist: walk to set D, then refresh the entries of both levels. */
static int walk_refresh(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                        struct vml_xlate *out, unsigned l1, unsigned l2)
{
    uint64_t val;
    unsigned ps;
    int r = walk(cpu, va, access, user, out, &val, &ps, 0); /* after a hit */
    out->cycles += cpu->model.lat.walk + cpu->model.lat.ref * out->walk_refs;
    cpu->hot.stats.cycles += out->cycles;
    if (r)
        return r;
    tlb_fill(&cpu->tlb[l2], va, cpu->pcid, ps, val);
    tlb_fill(&cpu->tlb[l1], va, cpu->pcid, ps, val);
    success(out, va, val, ps, VML_SRC_WALK);
    return 0;
}

/* How far the fast path got with L1 before handing over. */
enum l1_state {
    L1_NOT_PROBED,   /* L1 was not looked at (no fast path, global entries, not canonical) */
    L1_FIRST_MISSED, /* the first array missed; the others are still to probe */
    L1_HIT,          /* hit (val, ps), but the rights or D need the slow path */
};

/* Everything but a plain L1 hit, in general: the rest of L1, the second level, the walk,
 * faults and dirty assists. */
static __attribute__((noinline)) int translate_general(struct vml_cpu *cpu, uint64_t va,
                                                       enum vml_access access, bool user,
                                                       struct vml_xlate *out, enum l1_state l1s,
                                                       uint64_t val, unsigned ps)
{
    struct vml_mmu_stats *st = &cpu->hot.stats;
    const struct vml_latency *lat = &cpu->model.lat;
    unsigned l1 = access == VML_EXEC ? VML_TLB_L1I : VML_TLB_L1D;
    unsigned l2 = access == VML_EXEC ? cpu->l2_exec : VML_TLB_STLB;
    int r;
    out->walk_refs = 0;
    out->cycles = 0;

    /* Step 1: canonical check (no CR3 loaded: nothing is mapped). The fast path only probes
     * after both checks passed. */
    if (l1s == L1_NOT_PROBED) {
        if (cpu->levels == 0)
            return fault(cpu, out, va, VML_FAULT_NOT_PRESENT, 0, 0, access, user, false, 0);
        if (!vml_va_canonical(va, cpu->levels))
            return fault(cpu, out, va, VML_FAULT_NONCANONICAL, 0, 0, access, user, false, 0);
    }

    /* Step 2: L1 (the fast path probed its first array, and the block it missed in is the
     * one the fill will use). */
    out->cycles = lat->l1_hit;
    struct tlb_miss m1, m2; /* only the sizes in probed have a block */
    m1.probed = m2.probed = 0;
    if (l1s == L1_FIRST_MISSED) {
        const struct fast_probe *fp = &cpu->hot.fast[access == VML_EXEC];
        uint64_t vpn = (va & TLB_VA_MASK) >> fp->shift;
        m1.probed = (uint8_t)VML_PS_BIT(fp->ps);
        m1.blk[fp->ps] = assoc_block(fp->a, (uint32_t)(vpn & fp->a->set_mask));
    }
    bool l1_hit = l1s == L1_HIT || tlb_lookup_from(&cpu->tlb[l1], l1s == L1_FIRST_MISSED ? 1 : 0,
                                                   va, cpu->pcid, &val, &ps, &m1);
    if (l1_hit) {
        st->tlb[l1].hits[ps]++;
        r = tlb_hit(cpu, va, access, user, out, val, ps, VML_SRC_L1);
        return r == HIT_DIRTY_ASSIST ? walk_refresh(cpu, va, access, user, out, l1, l2) : r;
    }

    /* Step 3: second level. */
    if (cpu->tlb[l2].nr_arrays) {
        out->cycles += lat->stlb_hit;
        if (tlb_lookup_from(&cpu->tlb[l2], 0, va, cpu->pcid, &val, &ps, &m2)) {
            st->tlb[l2].hits[ps]++;
            st->tlb[l1].misses[ps]++;
            r = tlb_hit(cpu, va, access, user, out, val, ps, VML_SRC_L2);
            if (r == 0)
                tlb_fill_absent(&cpu->tlb[l1], va, cpu->pcid, ps, val, &m1);
            return r == HIT_DIRTY_ASSIST ? walk_refresh(cpu, va, access, user, out, l1, l2) : r;
        }
    }

    /* Steps 4-6: walk, then fill the second level and L1. */
    r = walk(cpu, va, access, user, out, &val, &ps, (1u << l1) | (1u << l2)); /* both missed */
    out->cycles += lat->walk + lat->ref * out->walk_refs;
    st->cycles += out->cycles;
    unsigned slot = r ? VML_PS_COUNT : ps;
    st->tlb[l1].misses[slot]++;
    if (cpu->tlb[l2].nr_arrays)
        st->tlb[l2].misses[slot]++;
    if (r)
        return r;
    /* After a miss in both levels the key is absent from both. */
    tlb_fill_absent(&cpu->tlb[l2], va, cpu->pcid, ps, val, &m2);
    tlb_fill_absent(&cpu->tlb[l1], va, cpu->pcid, ps, val, &m1);
    success(out, va, val, ps, VML_SRC_WALK);
    return 0;
}

/* Everything but a plain L1 hit and the planned miss path: translate_general, called from the
 * fast path through these small functions (six arguments, so the fast path jumps to them and
 * keeps no frame). translate_slow: L1 not probed, or its first array missed. */
static __attribute__((noinline)) int translate_slow(struct vml_cpu *cpu, uint64_t va,
                                                    enum vml_access access, bool user,
                                                    struct vml_xlate *out, enum l1_state l1s)
{
    return translate_general(cpu, va, access, user, out, l1s, 0, 0);
}

/* An L1 hit of the fast path's probe (value val) whose rights or D need the general code. */
static __attribute__((noinline)) int translate_hit_slow(struct vml_cpu *cpu, uint64_t va,
                                                        enum vml_access access, bool user,
                                                        struct vml_xlate *out, uint64_t val)
{
    return translate_general(cpu, va, access, user, out, L1_HIT, val,
                             cpu->hot.fast[access == VML_EXEC].ps);
}

/* The set blocks the miss path's probes missed in, by page size (NULL: not probed there), for
 * the fills after the walk: no set is computed or searched twice. */
struct miss_blocks {
    uint64_t *l1[VML_PS_COUNT];
    uint64_t *l2[VML_PS_COUNT];
};

/* Fills level t (the miss plan's arrays x[], by page size) after a miss in it, as
 * tlb_fill_absent would, into the block the probe for the size missed in (blk[ps]; NULL: not
 * probed, computed here). b_fast is the fast path's block: its array was probed without a look
 * at what it holds, so, as for one not probed, tlb_hold must note the size; a block from the
 * miss path's probes means the array holds the size and has entries (tlb_hold would change
 * nothing). The level holds no global entry (the miss path's precondition), so none is
 * evicted. */
static inline __attribute__((always_inline)) void
miss_fill_level(struct vml_cpu *cpu, struct tlb_level *t, const struct miss_arr *x, unsigned ps,
                uint64_t *const *blk, const uint64_t *b_fast, uint64_t va, uint64_t lva,
                uint64_t val)
{
    const struct miss_arr *xa = &x[ps];
    /* No array of the size (fill_ps[ps] != ps: splintered or not cached) or a global entry. */
    if (!xa->a || (val & VML_PTE_G)) {
        tlb_fill_general(t, va, cpu->pcid, ps, val, true);
        return;
    }
    assert(t->nr_global == 0 && t->fill_ps[ps] == (int8_t)ps);
    uint64_t vpn = lva >> xa->shift, *b = blk[ps];
    if (!b || b == b_fast) {
        if (!b)
            b = xa->slots + (size_t)(vpn & xa->set_mask) * xa->stride;
        tlb_hold(t, xa->array, ps);
    }
    assoc_insert_absent_any(xa->a, b, xa->key_base | (vpn << 12), val);
}

/* Looks lva up in the arrays x[] (by page size) of level t for the probes in `live` (bits of
 * t->probes). Returns the page size of a hit (the way marked most recently used, its value in
 * *val), or VML_PS_COUNT with the blocks probed in blk[]. W4K: the 4K array's way count when the
 * caller is specialised for it (see translate_miss), else 0. */
static inline __attribute__((always_inline)) unsigned
miss_probe(const struct tlb_level *t, const struct miss_arr *x, unsigned live, uint64_t lva,
           uint64_t *val, uint64_t **blk, uint32_t W4K)
{
    for (; live; live &= live - 1) {
        unsigned p = t->probes[__builtin_ctz(live)].ps;
        struct assoc *a = x[p].a;
        if (a->nr_valid == 0)
            continue;
        uint64_t vpn = lva >> x[p].shift, key = x[p].key_base | (vpn << 12);
        uint64_t *b = x[p].slots + (size_t)(vpn & x[p].set_mask) * x[p].stride;
        uint32_t w = assoc_find_w(a, b, key, p == VML_PS_4K ? W4K : 0);
        if (w != UINT32_MAX) {
            assoc_touch(a, b, w);
            *val = b[a->ways + w];
            return p;
        }
        blk[p] = b;
    }
    return VML_PS_COUNT;
}

/* The miss path's probe of page-walk cache p (sets a power of two) for lva: on a hit marks the
 * way used and returns true with the cached entry in *e, else returns false with the block it
 * missed in in *blk (for the fill after the walk). Counts either. W: the cache's way count when
 * the caller is specialised for it (then it keeps a recency order), else 0. */
static inline __attribute__((always_inline)) bool
pwc_find(struct vml_cpu *cpu, unsigned p, uint64_t lva, uint64_t **blk, uint64_t *e, uint32_t W)
{
    struct assoc *a = &cpu->pwc[p];
    uint64_t tag = lva >> vml_level_shift(pwc_entry_level(p));
    uint64_t key = cpu->pwc_key_base | (tag << 12);
    uint64_t *b = a->slots + (size_t)(tag & a->set_mask) * cpu->pwc_stride[p];
    uint32_t w = cpu->pwc_memo[p];
    if (b[w] != key) {
        w = assoc_find_w(a, b, key, W);
        if (w == UINT32_MAX) {
            cpu->hot.stats.pwc_misses[p]++;
            *blk = b;
            return false;
        }
        cpu->pwc_memo[p] = w;
    }
    /* A hit on the most recent way changes no order (the common case: an upper-level cache
     * hit for every walk of a stream). */
    uint32_t n = W ? W : a->ways;
    if (!(W || a->order) || (b[2 * n] & 15u) != w)
        assoc_touch_w(a, b, w, W, true);
    cpu->hot.stats.pwc_hits[p]++;
    *e = b[n + w];
    return true;
}

/* The entries a walk read, by level, for setting A and filling the page-walk caches. */
struct walk_path {
    uint64_t *e[6];     /* the entry in its table's content */
    uint64_t rights[6]; /* RW/US/NX combined down to and including it */
};

/* Step 5 at level L (a constant once inlined): reads the entry for va from table *tbl. Returns
 * true when the walk goes on to level L - 1 (*tbl then its table), false when it stopped here:
 * at a leaf, or with *k set to the fault. A frame without table content reads as zeros. */
static inline __attribute__((always_inline)) bool
walk_step(struct vml_cpu *cpu, uint64_t va, uint64_t lva, unsigned L, uint64_t gen, uint64_t *tbl,
          uint64_t *rights, uint64_t *e, enum vml_fault_kind *k, struct walk_path *path)
{
    count_ref(cpu, *tbl); /* one reference, whatever it finds (miss_walk counts top - level + 1) */
    uint64_t *t = table_data(cpu, *tbl, gen);
    if (!t) {
        *e = 0;
        *k = VML_FAULT_NOT_PRESENT;
        return false;
    }
    if (L == 1)
        cpu->hint[(lva >> 21) & (HINT_SIZE - 1)] =
            (struct leaf_hint){ .tag = lva >> 21, .data = (uintptr_t)t, .pfn = *tbl, .gen = gen };
    uint64_t *ep = t + vml_level_index(va, L);
    *e = *ep;
    if (!(*e & VML_PTE_P)) {
        *k = VML_FAULT_NOT_PRESENT;
        return false;
    }
    *rights &= *e | ~(VML_PTE_RW | VML_PTE_US);
    *rights |= *e & VML_PTE_NX;
    path->e[L] = ep;
    path->rights[L] = *rights;
    if (L == 1)
        return false;
    if (*e & VML_PTE_PS) {
        if (reserved_bits(cpu, *e, L))
            *k = VML_FAULT_RESERVED;
        return false;
    }
    *tbl = vml_pte_pfn(*e);
    return true;
}

/* Step 6 for a non-leaf entry of level L (a constant once inlined): sets A, and fills the
 * page-walk cache of the level, which the walk probed and missed (the key is absent). */
static inline __attribute__((always_inline)) void walk_commit_upper(struct vml_cpu *cpu,
                                                                    uint64_t lva, unsigned L,
                                                                    const struct walk_path *path,
                                                                    uint64_t *const *blk)
{
    uint64_t *ep = path->e[L];
    if (!(*ep & VML_PTE_A)) {
        *ep |= VML_PTE_A;
        cpu->hot.stats.ad_writes++;
    }
    unsigned p = 5u - L;
    if (cpu->pwc_on[p])
        assoc_insert_absent_any(&cpu->pwc[p], blk[p],
                                cpu->pwc_key_base | ((lva >> vml_level_shift(L)) << 12),
                                (*ep & VML_PTE_PFN_MASK) | path->rights[L]);
}

/* miss_walk's result when it did the whole translation, fills included, and its own result
 * (0 or 1) is r: WALK_DONE + r. */
#define WALK_DONE 2

/* The end of a walk whose last read is a 4K leaf (level 1 of table tbl), with both TLB levels
 * holding 4K entries in arrays of their own size (the plan's quick4k): the leaf is read last,
 * after everything that does not need it (the counts, the ways the fills take and their new
 * LRU state), so that little work waits for it. Read at random over much memory it is a host
 * cache miss, and the fewer instructions queue behind it, the sooner the host starts the next
 * translation, whose own miss then overlaps this one. Returns 0 (translated) or 1 (fault),
 * *out set, or -1 when the leaf table has no content (nothing changed: the caller walks on). */
static inline __attribute__((always_inline)) int
miss_leaf_4k(struct vml_cpu *cpu, uint64_t va, uint64_t lva, enum vml_access access, bool user,
             struct vml_xlate *out, const struct miss_plan *mp, const struct miss_blocks *mb,
             const uint64_t *b_fast, uint64_t tbl, uint64_t gen, unsigned top, uint64_t rights,
             struct walk_path *path, uint64_t *const *pwc_blk, uint32_t W1, uint32_t W2,
             uint32_t WP)
{
    /* The leaf table's content: the hint's if it is for this table and still current (the
     * prefetch just read it), else the table cache's. */
    struct leaf_hint *h = &cpu->hint[(lva >> 21) & (HINT_SIZE - 1)];
    uint64_t *t;
    if (h->pfn == tbl && h->gen == gen) {
        t = (uint64_t *)h->data;
    } else {
        t = table_data(cpu, tbl, gen);
        if (!t)
            return -1;
        *h = (struct leaf_hint){ .tag = lva >> 21, .data = (uintptr_t)t, .pfn = tbl, .gen = gen };
    }
    count_ref(cpu, tbl); /* the leaf's read (the levels above counted theirs in walk_step) */
    struct vml_mmu_stats *st = &cpu->hot.stats;
    /* The counts a walk makes whether it faults or not. */
    out->walk_refs = (uint8_t)top;
    out->cycles = mp->walk_cycles + cpu->model.lat.ref * top;
    st->walk_refs += top;
    st->cycles += out->cycles;
    /* The fills of both levels and of the PDE cache (when the walk read the PDE): their ways
     * and LRU state, chosen now, stored once the leaf allows the access. */
    const struct miss_arr *x2 = &mp->l2a[VML_PS_4K], *x1 = &mp->l1a[VML_PS_4K];
    uint64_t vpn = lva >> 12;
    uint64_t *b2 = mb->l2[VML_PS_4K], *b1 = mb->l1[VML_PS_4K];
    bool hold2 = !b2, hold1 = !b1 || b1 == b_fast;
    if (!b2)
        b2 = x2->slots + (size_t)(vpn & x2->set_mask) * x2->stride;
    if (!b1)
        b1 = x1->slots + (size_t)(vpn & x1->set_mask) * x1->stride;
    struct assoc_fill f2, f1, fpde = { .a = NULL }; /* for -Wmaybe-uninitialized */
    assoc_fill_prepare_w(&f2, x2->a, b2, x2->key_base | (vpn << 12), W2, true);
    assoc_fill_prepare_w(&f1, x1->a, b1, x1->key_base | (vpn << 12), W1, false);
    bool pde = top >= 2 && cpu->pwc_on[VML_PWC_PDE];
    if (pde)
        assoc_fill_prepare_w(&fpde, &cpu->pwc[VML_PWC_PDE], pwc_blk[VML_PWC_PDE],
                             cpu->pwc_key_base | ((lva >> 21) << 12), WP, true);
    uint64_t need = cpu->hot.need[access][user], forbid = cpu->hot.forbid[access][user];
    uint64_t *ep = t + vml_level_index(va, 1);
    uint64_t e = *ep;
    rights &= e | ~(VML_PTE_RW | VML_PTE_US);
    rights |= e & VML_PTE_NX;
    /* Present and allowed (the fast path's masks, D aside: the walk sets it)? */
    uint64_t r = rights | VML_PTE_P | VML_PTE_D;
    if (!(e & VML_PTE_P) || (r & need) != need || (r & forbid)) {
        enum vml_fault_kind k =
            e & VML_PTE_P ? rights_fault(cpu, rights, access, user) : VML_FAULT_NOT_PRESENT;
        mp->c1->misses[VML_PS_COUNT]++;
        mp->c2->misses[VML_PS_COUNT]++;
        return fault(cpu, out, va, k, 1, e, access, user, false,
                     (1u << mp->l1) | (1u << mp->l2)); /* both levels probed, missed */
    }
    /* Step 6: A in the entries used (D in the leaf on a write), the page-walk caches. */
    for (unsigned L = top; L > 2; L--)
        walk_commit_upper(cpu, lva, L, path, pwc_blk);
    if (top >= 2) {
        uint64_t *pe = path->e[2];
        if (!(*pe & VML_PTE_A)) {
            *pe |= VML_PTE_A;
            st->ad_writes++;
        }
        if (pde)
            assoc_fill_commit_w(&fpde, (*pe & VML_PTE_PFN_MASK) | path->rights[2], WP, true);
    }
    uint64_t want = access == VML_WRITE ? VML_PTE_A | VML_PTE_D : VML_PTE_A;
    if ((e & want) != want) {
        e |= want;
        *ep = e;
        st->ad_writes++;
    }
    st->walks_done[VML_PS_4K]++;
    mp->c1->misses[VML_PS_4K]++;
    mp->c2->misses[VML_PS_4K]++;
    uint64_t val =
        (e & VML_PTE_PFN_MASK) | rights | VML_PTE_P | VML_PTE_A | (e & (VML_PTE_D | VML_PTE_G));
    if (val & VML_PTE_G) {
        tlb_fill_general(mp->t2, va, cpu->pcid, VML_PS_4K, val, true);
        tlb_fill_general(mp->t1, va, cpu->pcid, VML_PS_4K, val, true);
    } else {
        if (hold2)
            tlb_hold(mp->t2, x2->array, VML_PS_4K);
        if (hold1)
            tlb_hold(mp->t1, x1->array, VML_PS_4K);
        assoc_fill_commit_w(&f2, val, W2, true);
        assoc_fill_commit_w(&f1, val, W1, false);
    }
    out->pa = (val & VML_PTE_PFN_MASK) + (va & 0xfffu);
    out->ps = VML_PS_4K;
    out->src = VML_SRC_WALK;
    return 0;
}

/* Steps 4-6 for the miss path: walk_inline's steps and effects, with every level's step
 * unrolled (its shifts and cache constant), for page-walk caches whose sets are a power of
 * two; the rights test is the fast path's masks (the exact fault is classified only when it
 * fails). */
static inline __attribute__((always_inline)) int
miss_walk(struct vml_cpu *cpu, uint64_t va, uint64_t lva, enum vml_access access, bool user,
          struct vml_xlate *out, const struct miss_plan *mp, const struct miss_blocks *mb,
          const uint64_t *b_fast, uint64_t *valp, unsigned *psp, uint32_t W1, uint32_t W2,
          uint32_t WP)
{
    const uint32_t walk_cycles = mp->walk_cycles;
    struct vml_mmu_stats *st = &cpu->hot.stats;
    uint64_t tbl = cpu->root, rights = VML_PTE_RW | VML_PTE_US, e = 0;
    unsigned level = cpu->levels;
    uint64_t *blk[VML_PWC_NR];
    st->walks++;
    /* Step 4: the longest page-walk-cache match, PDE first, up to the top of the paging mode;
     * top is the level of the first table to read. */
    unsigned top = level;
    if (cpu->pwc_on[VML_PWC_PDE] && pwc_find(cpu, VML_PWC_PDE, lva, &blk[VML_PWC_PDE], &e, WP))
        top = 1;
    else if (cpu->pwc_on[VML_PWC_PDPTE] &&
             pwc_find(cpu, VML_PWC_PDPTE, lva, &blk[VML_PWC_PDPTE], &e, 0))
        top = 2;
    else if (cpu->pwc_on[VML_PWC_PML4E] &&
             pwc_find(cpu, VML_PWC_PML4E, lva, &blk[VML_PWC_PML4E], &e, 0))
        top = 3;
    else if (level == 5 && cpu->pwc_on[VML_PWC_PML5E] &&
             pwc_find(cpu, VML_PWC_PML5E, lva, &blk[VML_PWC_PML5E], &e, 0))
        top = 4;
    if (top != level) {
        tbl = vml_pte_pfn(e);
        rights = e & RIGHTS;
    }
    /* Step 5: one memory reference per entry, from top down; level is where the walk stops. */
    const uint64_t gen = cpu->phys->data_gen;
    enum vml_fault_kind k = VML_FAULT_NONE;
    struct walk_path path;
    level = top;
    if (level == 5 && walk_step(cpu, va, lva, 5, gen, &tbl, &rights, &e, &k, &path))
        level = 4;
    if (level == 4 && walk_step(cpu, va, lva, 4, gen, &tbl, &rights, &e, &k, &path))
        level = 3;
    if (level == 3 && walk_step(cpu, va, lva, 3, gen, &tbl, &rights, &e, &k, &path))
        level = 2;
    if (level == 2 && walk_step(cpu, va, lva, 2, gen, &tbl, &rights, &e, &k, &path))
        level = 1;
    if (level == 1 && mp->quick4k) {
        int r = miss_leaf_4k(cpu, va, lva, access, user, out, mp, mb, b_fast, tbl, gen, top, rights,
                             &path, blk, W1, W2, WP);
        if (r >= 0)
            return WALK_DONE + r;
    }
    if (level == 1)
        walk_step(cpu, va, lva, 1, gen, &tbl, &rights, &e, &k, &path);
    unsigned n = top - level + 1;
    out->walk_refs = (uint8_t)n;
    out->cycles = walk_cycles + cpu->model.lat.ref * n;
    st->walk_refs += n;
    st->cycles += out->cycles;
    if (k == VML_FAULT_NONE) {
        /* The fast path's masks, D aside (the walk sets it). */
        uint64_t r = rights | VML_PTE_P | VML_PTE_D;
        uint64_t need = cpu->hot.need[access][user], forbid = cpu->hot.forbid[access][user];
        if ((r & need) != need || (r & forbid))
            k = rights_fault(cpu, rights, access, user);
    }
    if (k != VML_FAULT_NONE)
        return fault(cpu, out, va, k, level, e, access, user, false,
                     (1u << mp->l1) | (1u << mp->l2)); /* both levels probed, missed */
    /* Step 6: A in every entry used, D in the leaf on a write; the page-walk caches of the
     * levels above the leaf, which were probed and missed. */
    for (unsigned L = top; L > level; L--)
        walk_commit_upper(cpu, lva, L, &path, blk);
    uint64_t *leaf = path.e[level];
    uint64_t want = access == VML_WRITE ? VML_PTE_A | VML_PTE_D : VML_PTE_A;
    e = *leaf;
    if ((e & want) != want) {
        e |= want;
        *leaf = e;
        st->ad_writes++;
    }
    *psp = level - 1;
    st->walks_done[level - 1]++;
    uint64_t frame = e & VML_PTE_PFN_MASK & ~(level > 1 ? VML_PTE_PAT_LARGE : 0);
    *valp = frame | rights | VML_PTE_P | VML_PTE_A | (e & (VML_PTE_D | VML_PTE_G));
    return 0;
}

/* leaf_hint_prefetch with the CPU's own hints (no load of hot.hint). */
static inline __attribute__((always_inline)) void prefetch_leaf(const struct vml_cpu *cpu,
                                                                uint64_t lva)
{
    leaf_hint_prefetch(cpu->hint, lva);
}

/* The work after the fast path's probe missed in block b1, for a plan that allows it: the same
 * steps and effects as translate_general, with the arrays' geometry and keys precomputed, the
 * set blocks of the lookups kept for the fills, and the rare cases (a hit in the rest of L1,
 * global entries in the second level, a dirty assist) handed to the general code before they
 * change anything it would change again. W1, W2, WP: the way counts of L1's 4K array (stamps),
 * the second level's 4K array and the PDE cache (orders) when the caller is specialised for
 * them, else 0 (see translate_miss). SIDE: the miss plan's side (0 data, 1 fetch) when the
 * caller is specialised for it, else 2 (access >> 1). */
static inline __attribute__((always_inline)) int
miss_body(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
          struct vml_xlate *out, uint64_t *b1, uint32_t W1, uint32_t W2, uint32_t WP, unsigned SIDE)
{
    assert(SIDE == 2 || SIDE == (unsigned)access >> 1);
    const struct miss_plan *mp = &cpu->miss[SIDE == 2 ? (unsigned)access >> 1 : SIDE];
    const uint64_t lva = va & TLB_VA_MASK;
    struct miss_blocks mb = { { NULL, NULL, NULL }, { NULL, NULL, NULL } };
    uint64_t val = 0; /* 0: for -Wmaybe-uninitialized */
    unsigned ps;
    mb.l1[mp->fps] = b1;
    /* Step 2: the rest of L1 (only sizes it holds). A hit there is the general code's L1 hit. */
    unsigned live = mp->t1->live & ~1u;
    if (live) {
        ps = miss_probe(mp->t1, mp->l1a, live, lva, &val, mb.l1, 0);
        if (ps != VML_PS_COUNT)
            return translate_general(cpu, va, access, user, out, L1_HIT, val, ps);
    }
    /* Global entries in the second level need the global probes of the general lookup (the
     * misses above changed nothing). */
    if (mp->t2->nr_global)
        return translate_general(cpu, va, access, user, out, L1_FIRST_MISSED, 0, 0);

    /* Step 3: second level, the sizes it holds, 4K first. */
    ps = miss_probe(mp->t2, mp->l2a, mp->t2->live, lva, &val, mb.l2, W2);
    if (ps != VML_PS_COUNT) {
        out->walk_refs = 0;
        out->cycles = mp->l2_cycles;
        mp->c2->hits[ps]++;
        mp->c1->misses[ps]++;
        int r = tlb_hit(cpu, va, access, user, out, val, ps, VML_SRC_L2);
        if (r == HIT_DIRTY_ASSIST)
            return walk_refresh(cpu, va, access, user, out, mp->l1, mp->l2);
        if (r == 0)
            miss_fill_level(cpu, mp->t1, mp->l1a, ps, mb.l1, b1, va, lva, val);
        return r;
    }

    /* Steps 4-6: walk, then fill the second level and L1. */
    int r = miss_walk(cpu, va, lva, access, user, out, mp, &mb, b1, &val, &ps, W1, W2, WP);
    if (r >= WALK_DONE)
        return r - WALK_DONE;
    unsigned slot = r ? VML_PS_COUNT : ps;
    mp->c1->misses[slot]++;
    mp->c2->misses[slot]++;
    if (r)
        return r;
    miss_fill_level(cpu, mp->t2, mp->l2a, ps, mb.l2, NULL, va, lva, val);
    miss_fill_level(cpu, mp->t1, mp->l1a, ps, mb.l1, b1, va, lva, val);
    success(out, va, val, ps, VML_SRC_WALK);
    return 0;
}

/* translate_miss: miss_body for any geometry. The presets' usual ones get copies of their own,
 * their way counts constant (no switch on ways, the LRU masks folded) and one per side (the
 * miss plan at a constant place): about seventy host instructions fewer a walk. plan_misses
 * picks one per side (fast_probe.miss). */
static __attribute__((noinline)) int translate_miss(struct vml_cpu *cpu, uint64_t va,
                                                    enum vml_access access, bool user,
                                                    struct vml_xlate *out, uint64_t *b1)
{
    return miss_body(cpu, va, access, user, out, b1, 0, 0, 0, 2);
}

/* MISS_VARIANT(W1, W2, WP, SIDE, NAME): a copy for L1's 4K array W1-way (stamps), the second
 * level's W2-way and the PDE cache WP-way (orders), side SIDE. */
#define MISS_VARIANT(W1, W2, WP, SIDE, NAME)                                                       \
    static __attribute__((noinline)) int NAME(struct vml_cpu *cpu, uint64_t va,                    \
                                              enum vml_access access, bool user,                   \
                                              struct vml_xlate *out, uint64_t *b1)                 \
    {                                                                                              \
        return miss_body(cpu, va, access, user, out, b1, W1, W2, WP, SIDE);                        \
    }
/* Skylake and Zen 4 (STLB 12-way), Ice Lake (16-way); data and fetch sides. */
MISS_VARIANT(4, 12, 4, 0, translate_miss_4_12_4_d)
MISS_VARIANT(4, 12, 4, 1, translate_miss_4_12_4_i)
MISS_VARIANT(4, 16, 4, 0, translate_miss_4_16_4_d)
MISS_VARIANT(4, 16, 4, 1, translate_miss_4_16_4_i)

static const struct miss_variant {
    miss_fn fn[2]; /* [side] */
    uint32_t w1, w2, wp;
} miss_variants[] = {
    { { translate_miss_4_12_4_d, translate_miss_4_12_4_i }, 4, 12, 4 },
    { { translate_miss_4_16_4_d, translate_miss_4_16_4_i }, 4, 16, 4 },
};

/* The miss function for access kind f: a specialised copy when the geometry is one's (its
 * arrays' kinds as miss_body assumes them), else translate_miss. */
static miss_fn pick_miss(const struct vml_cpu *cpu, unsigned f)
{
    const struct miss_plan *mp = &cpu->miss[f];
    const struct assoc *a1 = mp->l1a[VML_PS_4K].a, *a2 = mp->l2a[VML_PS_4K].a;
    const struct assoc *pde = cpu->pwc_on[VML_PWC_PDE] ? &cpu->pwc[VML_PWC_PDE] : NULL;
    for (size_t i = 0; i < sizeof(miss_variants) / sizeof(miss_variants[0]); i++) {
        const struct miss_variant *v = &miss_variants[i];
        if (a1 && !a1->order && a1->ways == v->w1 && a2 && a2->order && a2->ways == v->w2 && pde &&
            pde->order && pde->ways == v->wp)
            return v->fn[f];
    }
    return translate_miss;
}

/* After mmu_hit, what the inline mmu_translate_after does not take: a miss of the first L1
 * array without a planned miss path goes to the general one, and a hit that needs more than
 * the masks' test too, with its LRU stamp made as for any hit. */
int mmu_translate_rest(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                       struct vml_xlate *out, int probe, uint64_t *block)
{
    cpu->hot.stats.accesses[access]++;
    const struct fast_probe *fp = &cpu->hot.fast[(unsigned)access >> 1];
    if (probe == MMU_MISSED) {
        if (fp->miss)
            return fp->miss(cpu, va, access, user, out, block);
        return translate_slow(cpu, va, access, user, out, L1_FIRST_MISSED);
    }
    if (probe == MMU_HIT_SLOW) {
        uint32_t hit = fast_probe_find(fp, va, &block), ways = fp->a->ways;
        block[2 * ways + hit] = ++fp->a->clock;
        return translate_hit_slow(cpu, va, access, user, out, block[ways + hit]);
    }
    return translate_slow(cpu, va, access, user, out, L1_NOT_PROBED);
}

/* vml_mmu_translate's miss: the walk's leaf starts loading now, to overlap the probes before
 * it. Out of line, so that the hit path carries none of its code. */
static __attribute__((noinline)) int miss_prefetched(struct vml_cpu *cpu, uint64_t va,
                                                     enum vml_access access, bool user,
                                                     struct vml_xlate *out, uint64_t *b1)
{
    prefetch_leaf(cpu, va & TLB_VA_MASK);
    return cpu->hot.fast[(unsigned)access >> 1].miss(cpu, va, access, user, out, b1);
}

/* The hot path: an L1 hit whose cached rights (and D, for a write) allow the access. Its rights
 * test is the need/forbid masks computed at creation; anything else goes to translate_slow,
 * which classifies faults exactly. The same steps as mmu_hit, in the order that compiles best
 * with a vml_xlate to fill. */
int vml_mmu_translate(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                      struct vml_xlate *out)
{
    assert((unsigned)access < VML_NR_ACCESS && "vml_mmu_translate: access is not a vml_access");
    unsigned side = (unsigned)access >> 1; /* VML_EXEC is the only kind with bit 1 */
    const struct fast_probe *fp = &cpu->hot.fast[side];
    cpu->hot.stats.accesses[access]++;
    if (!fast_probe_ok(fp, va))
        return translate_slow(cpu, va, access, user, out, L1_NOT_PROBED);
    uint64_t *b;
    uint32_t hit = fast_probe_find(fp, va, &b), ways = fp->a->ways;
    if (hit == UINT32_MAX) {
        if (fp->miss)
            return miss_prefetched(cpu, va, access, user, out, b);
        return translate_slow(cpu, va, access, user, out, L1_FIRST_MISSED);
    }
    b[2 * ways + hit] = ++fp->a->clock; /* fast[].a keeps stamps */
    uint64_t val = b[ways + hit];
    uint64_t need = cpu->hot.need[access][user], forbid = cpu->hot.forbid[access][user];
    if ((val & need) != need || (val & forbid))
        return translate_hit_slow(cpu, va, access, user, out, val);
    cpu->hot.stats.tlb[side ? VML_TLB_L1I : VML_TLB_L1D].hits[fp->ps]++;
    cpu->hot.stats.cycles += cpu->model.lat.l1_hit;
    out->cycles = cpu->model.lat.l1_hit;
    out->walk_refs = 0;
    success(out, va, val, fp->ps, VML_SRC_L1);
    return 0;
}

/* ---- invariant checker ------------------------------------------------------------------ */

/* Walks the tables under root for va without side effects, down to stop_level or a leaf.
 * Returns the entry reached (0 if the walk hit a non-present entry) with its level and the
 * rights combined down to it. */
static uint64_t peek(const struct vml_phys *phys, uint64_t root, unsigned levels, uint64_t va,
                     unsigned stop_level, unsigned *level_out, uint64_t *rights)
{
    uint64_t tbl = root;
    *rights = VML_PTE_RW | VML_PTE_US;
    for (unsigned level = levels;; level--) {
        const uint64_t *t = phys_data(phys, tbl);
        uint64_t e = t ? t[vml_level_index(va, level)] : 0;
        *level_out = level;
        if (!(e & VML_PTE_P))
            return 0;
        *rights &= e | ~(VML_PTE_RW | VML_PTE_US);
        *rights |= e & VML_PTE_NX;
        if (level == stop_level || level == 1 || (e & VML_PTE_PS))
            return e;
        tbl = vml_pte_pfn(e);
    }
}

/* True when cached rights grant nothing the tables' rights do not. */
static bool rights_within(uint64_t cached, uint64_t actual)
{
    if ((cached & VML_PTE_RW) && !(actual & VML_PTE_RW))
        return false;
    if ((cached & VML_PTE_US) && !(actual & VML_PTE_US))
        return false;
    return (cached & VML_PTE_NX) || !(actual & VML_PTE_NX);
}

struct check_ctx {
    const struct vml_cpu *cpu;
    vml_pt_of_pcid_fn pt_of;
    void *ctx;
    const char *where; /* level or cache name */
    unsigned pwc;      /* PWC being checked */
    char *why;
    size_t len;
};

static int check_tlb_entry(unsigned pcid, bool global, uint64_t va, unsigned ps, uint64_t val,
                           void *arg)
{
    struct check_ctx *c = arg;
    /* vml_mmu_invlpg_pcid skips a PCID whose bit is clear: none of its entries may be here. */
    if (!global && !(c->cpu->tlb_pcids[pcid / 64] & (1ull << (pcid % 64)))) {
        snprintf(c->why, c->len, "%s: entry for va 0x%llx PCID %u, which tlb_pcids says has none",
                 c->where, (unsigned long long)va, pcid);
        return -1;
    }
    const struct vml_pt *pt = c->pt_of(global ? c->cpu->pcid : pcid, c->ctx);
    if (!pt) {
        snprintf(c->why, c->len, "%s: entry for va 0x%llx tagged PCID %u, which has no tables",
                 c->where, (unsigned long long)va, pcid);
        return -1;
    }
    unsigned level;
    uint64_t rights;
    uint64_t e = peek(c->cpu->phys, vml_pt_root(pt), vml_pt_levels(pt), va, 1, &level, &rights);
    uint64_t page = 1ull << vml_level_shift(level);
    uint64_t frame = (e & VML_PTE_PFN_MASK & ~(level > 1 ? VML_PTE_PAT_LARGE : 0)) +
                     ((va & (page - 1)) & ~0xfffull);
    const char *bad = NULL;
    if (!e)
        bad = "the page is no longer mapped";
    else if ((unsigned)ps + 1 > level)
        bad = "the TLB entry is larger than the page";
    else if ((val & VML_PTE_PFN_MASK) != frame)
        bad = "the page now maps another frame";
    else if (!rights_within(val, rights))
        bad = "the TLB grants rights the tables no longer grant";
    else if ((val & VML_PTE_D) && !(e & VML_PTE_D))
        bad = "the TLB entry is dirty, the page-table entry clean";
    if (bad) {
        snprintf(c->why, c->len,
                 "%s: stale %s entry for va 0x%llx PCID %u (cached 0x%llx, tables 0x%llx): %s",
                 c->where, vml_ps_name((enum vml_page_size)ps), (unsigned long long)va, pcid,
                 (unsigned long long)val, (unsigned long long)e, bad);
        return -1;
    }
    return 0;
}

static int check_pwc_entry(uint64_t key, uint64_t val, void *arg)
{
    struct check_ctx *c = arg;
    unsigned pcid = (unsigned)(key & 0xfffu);
    unsigned elevel = pwc_entry_level(c->pwc);
    uint64_t lin = ((key & ~ASSOC_VALID) >> 12) << vml_level_shift(elevel);
    uint64_t va = (uint64_t)((int64_t)(lin << 7) >> 7); /* sign-extend from bit 56 */
    /* pwc_flush_pcid skips a PCID whose bit is clear: none of its entries may be here. */
    if (!(c->cpu->pwc_pcids[pcid / 64] & (1ull << (pcid % 64)))) {
        snprintf(c->why, c->len, "%s cache: entry for PCID %u, which pwc_pcids says has none",
                 vml_pwc_name((enum vml_pwc_level)c->pwc), pcid);
        return -1;
    }
    const struct vml_pt *pt = c->pt_of(pcid, c->ctx);
    unsigned level = 0;
    uint64_t rights = 0;
    uint64_t e =
        pt ? peek(c->cpu->phys, vml_pt_root(pt), vml_pt_levels(pt), va, elevel, &level, &rights)
           : 0;
    if (!pt || !e || level != elevel || (e & VML_PTE_PS) || vml_pte_pfn(e) != vml_pte_pfn(val) ||
        !rights_within(val, rights)) {
        snprintf(c->why, c->len,
                 "%s cache: stale entry for va 0x%llx PCID %u (cached 0x%llx, tables 0x%llx)",
                 vml_pwc_name((enum vml_pwc_level)c->pwc), (unsigned long long)va, pcid,
                 (unsigned long long)val, (unsigned long long)e);
        return -1;
    }
    return 0;
}

int vml_cpu_check(const struct vml_cpu *cpu, vml_pt_of_pcid_fn pt_of, void *ctx, char *why,
                  size_t len)
{
    struct check_ctx c = { .cpu = cpu, .pt_of = pt_of, .ctx = ctx, .why = why, .len = len };
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        c.where = vml_tlb_level_name((enum vml_tlb_level)l);
        if (tlb_for_each(&cpu->tlb[l], check_tlb_entry, &c))
            return -1;
    }
    for (unsigned p = 0; p < VML_PWC_NR; p++) {
        c.pwc = p;
        if (cpu->pwc_on[p] && assoc_for_each(&cpu->pwc[p], check_pwc_entry, &c))
            return -1;
    }
    return 0;
}

/* ---- host prefetch ---------------------------------------------------------------------- */

void vml_mmu_prefetch(struct vml_cpu *cpu, uint64_t va)
{
    /* The walk's own leaf hint: a table a walk read before (a first walk through a 2 MiB region
     * has nothing to overlap with anyway). Looking the upper levels up here instead costs the
     * table cache misses the hint exists to avoid. */
    prefetch_leaf(cpu, va & TLB_VA_MASK);
}

struct tlb_visit {
    unsigned level;
    vml_tlb_entry_fn fn;
    void *ctx;
};

static int tlb_visit_one(unsigned pcid, bool global, uint64_t va, unsigned ps, uint64_t val,
                         void *ctx)
{
    const struct tlb_visit *v = ctx;
    return v->fn(v->level, pcid, global, va, ps, vml_pte_pfn(val), v->ctx);
}

int vml_cpu_tlb_for_each(const struct vml_cpu *cpu, vml_tlb_entry_fn fn, void *ctx)
{
    for (unsigned l = 0; l < VML_TLB_NR_LEVELS; l++) {
        struct tlb_visit v = { l, fn, ctx };
        int r = tlb_for_each(&cpu->tlb[l], tlb_visit_one, &v);
        if (r)
            return r;
    }
    return 0;
}
