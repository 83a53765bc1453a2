/* test_miss_paths.c: the planned miss path (translate_miss) against the general slow path,
 * vml_mmu_translate against the inline hit path replay uses (mmu_hit, mmu_translate_after), and
 * hashed fully associative arrays (hw/assoc_hash.c) against linear ones.
 *
 * Five identical worlds (same RAM, address spaces and CPU models, so the same pfns) run the
 * same random sequence of map, unmap, protect, INVLPG, CR3 load, flush and translate
 * operations; the CPUs of the second world are forced onto the general path, the third
 * translates as replay does, the fourth never hashes an array (however wide) and the fifth
 * hashes every fully associative one (however narrow; assoc_set_hash_min_ways). Every
 * translation's result and fault, every CPU's counters and, at the end, every page-table entry
 * (A and D bits included) must be equal: the miss path, the inline hit path and the hashed
 * index are optimisations, not models. The models cover the three kinds of LRU state,
 * power-of-two and other set counts (the latter fall back to the general path), splintering,
 * an L2 iTLB, 5-level paging, no PCIDs, no page-walk caches, and arrays wide enough to be
 * hashed in every place: L1 (no fast path then), second level, L2 iTLB, page-walk caches.
 *
 * Fixed seed; VMLAB_SEED and VMLAB_OPS override it. A failure prints the seed and the step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"

#include "hw/mmu_hit.h"
#include "hw/mmu_internal.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NSP  3   /* address spaces: 4-level, 4-level, 5-level */
#define NREC 256 /* recently mapped addresses, where most translations go */
#define NW   5   /* worlds */

static const char *const specs[] = {
    "skylake",
    "icelake",
    "zen3:la57=on",
    ("icelake:l1d.4k=8x2,l1d.2m=4x2,l1d.1g=2x2,l1i.4k=4x2,l1i.2m=2x2,stlb.4k+2m=16x4,"
     "stlb.1g=4x2,pwc.pd=4,pwc.pdpt=2,pwc.pml4=2,pwc.pml5=1"), /* one spec, two lines */
    "skylake:l1d.4k=12x4,stlb.4k+2m=1200x12,pwc.pd=16,pwc.pdpt=12x3,pwc.pml4=0",
    "skylake:pcid=off,smep=off,smap=off,1g=off,pwc.pd=0,pwc.pdpt=0,pwc.pml4=0",
    "zen3:l1d.all=64xfull,stlb.4k+2m=64x16,pwc.pd=64x8,la57=on",
    "skylake:stlb.4k=576x9,stlb.2m=32x4,pwc.pd=32x16",
    ("skylake:l1d.4k=256xfull,l1i.4k=128xfull,stlb.4k+2m=4096xfull,stlb.1g=160xfull,"
     "pwc.pd=512xfull,pwc.pdpt=128xfull"),
    "zen3:stlb.4k+2m=2048xfull,l2i.4k+2m=512xfull,la57=on",
};
#define NCPU (sizeof(specs) / sizeof(specs[0]))

static const uint64_t windows[] = { 0x7f0000000000ull, 0x7f0040000000ull, 0x400000ull,
                                    0xffff888000000000ull };
#define NWIN (sizeof(windows) / sizeof(windows[0]))

struct world {
    struct vml_phys *phys;
    struct vml_pt *sp[NSP];
    struct vml_cpu *cpu[NCPU];
};

static const unsigned sp_levels[NSP] = { 4, 4, 5 };

struct run {
    uint64_t seed, rng;
    unsigned long step;
    uint64_t rec[NREC];
    unsigned nrec;
    struct world w[NW]; /* [1]: general path only; [2]: translates through mmu_hit; [3]: no
                         * hashed array; [4]: every fully associative array hashed */
};

#define FAIL(r, ...)                                                                               \
    do {                                                                                           \
        char msg_[256];                                                                            \
        snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                                 \
        fail_msg("seed %llu step %lu: %s", (unsigned long long)(r)->seed, (r)->step, msg_);        \
    } while (0)

static uint64_t rnd(struct run *r)
{
    /* splitmix64 */
    uint64_t z = (r->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(struct run *r, uint64_t n)
{
    return rnd(r) % n;
}

/* The hashing threshold (assoc_set_hash_min_ways) of each world's arrays. */
static uint32_t world_hash_min(unsigned w)
{
    return w == 3 ? UINT32_MAX : w == 4 ? 1 : ASSOC_HASH_MIN_WAYS;
}

static void world_init(struct world *w, bool general, uint32_t hash_min)
{
    uint32_t old_min = assoc_set_hash_min_ways(hash_min);
    /* Two nodes, the second address space's tables on node 1, so that the walks' counts of
     * references by table node (walk_refs_node) are compared too. */
    struct vml_phys_config cfg = { .ram_bytes = 16 * VML_GiB, .nr_nodes = 2 };
    assert_int_equal(vml_phys_create(&cfg, &w->phys, NULL), 0);
    for (unsigned s = 0; s < NSP; s++)
        assert_int_equal(vml_pt_create(w->phys, sp_levels[s], s % 2, &w->sp[s]), 0);
    for (unsigned c = 0; c < NCPU; c++) {
        struct vml_cpu_model m;
        struct vml_diag d = { 0 };
        if (vml_cpu_model_parse(specs[c], &m, &d) != 0)
            fail_msg("spec %s: %s", specs[c], d.msg);
        assert_int_equal(vml_cpu_create(&m, w->phys, &w->cpu[c]), 0);
        if (general)
            mmu_force_general(w->cpu[c]);
        unsigned s = c % NSP;
        if (sp_levels[s] == 5 && !m.la57)
            s = 0;
        assert_int_equal(
            vml_cpu_load_cr3(w->cpu[c], vml_pt_root(w->sp[s]), sp_levels[s], s + 1, false), 0);
    }
    assoc_set_hash_min_ways(old_min);
}

static void world_fini(struct world *w)
{
    for (unsigned c = 0; c < NCPU; c++)
        vml_cpu_destroy(w->cpu[c]);
    for (unsigned s = 0; s < NSP; s++)
        vml_pt_destroy(w->sp[s]);
    vml_phys_destroy(w->phys);
}

/* A data page of size ps (0 4K, 1 2M, 2 1G): 1 GiB pages come from the contiguous-range
 * allocator, the others from the buddy allocator. */
static int page_alloc(struct vml_phys *phys, unsigned ps, uint64_t *pfn)
{
    return ps == VML_PS_1G ? vml_phys_alloc_contig(phys, 0, VML_USE_TEST, pfn)
                           : vml_phys_alloc(phys, 0, 9 * ps, VML_USE_TEST, pfn);
}

static void page_free(struct vml_phys *phys, uint64_t pfn, unsigned ps)
{
    if (ps == VML_PS_1G)
        vml_phys_free_contig(phys, pfn);
    else
        vml_phys_free(phys, pfn, 9 * ps);
}

static void free_leaf(const struct vml_pt_leaf *l, void *ctx)
{
    unsigned ps = l->level - 1, order = 9 * ps;
    page_free(ctx, vml_pte_pfn(l->entry) & ~((1ull << order) - 1), ps);
}

static uint64_t rand_flags(struct run *r)
{
    uint64_t f = 0;
    f |= below(r, 4) ? VML_PTE_RW : 0;
    f |= below(r, 4) ? VML_PTE_US : 0;
    f |= below(r, 3) == 0 ? VML_PTE_NX : 0;
    f |= below(r, 8) == 0 ? VML_PTE_G : 0;
    f |= below(r, 4) == 0 ? VML_PTE_A : 0;
    f |= below(r, 6) == 0 ? VML_PTE_D : 0;
    return f;
}

/* An address: mostly a recently mapped page (or a few pages past it), else anywhere in a
 * window. pct: percentage of the first kind. */
static uint64_t rand_va(struct run *r, unsigned pct)
{
    if (r->nrec && below(r, 100) < pct) {
        unsigned hot = r->nrec < 40 ? r->nrec : 40;
        uint64_t v = r->rec[below(r, below(r, 2) ? hot : r->nrec)];
        return below(r, 4) ? v : v + (below(r, 16) << 12);
    }
    unsigned k = (unsigned)below(r, 10);
    uint64_t span = k < 6 ? 1ull << 24 : k < 9 ? 1ull << 30 : 1ull << 32;
    return windows[below(r, NWIN)] + (below(r, span) & ~0xfffull);
}

static void check_stats(struct run *r)
{
    for (unsigned c = 0; c < NCPU; c++) {
        /* Every reference is counted by node, once. */
        const struct vml_mmu_stats *st = vml_cpu_stats(r->w[0].cpu[c]);
        const uint64_t *wn = vml_cpu_walk_refs_node(r->w[0].cpu[c]);
        uint64_t by_node = 0;
        for (unsigned n = 0; n < VML_MAX_NODES; n++)
            by_node += wn[n];
        if (by_node != st->walk_refs)
            FAIL(r, "CPU %s: %llu walk references, %llu by node", specs[c],
                 (unsigned long long)st->walk_refs, (unsigned long long)by_node);
        for (unsigned w = 1; w < NW; w++)
            if (memcmp(wn, vml_cpu_walk_refs_node(r->w[w].cpu[c]),
                       VML_MAX_NODES * sizeof(uint64_t)) != 0)
                FAIL(r, "CPU %s: walk references by node differ between world 0 and %u", specs[c],
                     w);
    }
    for (unsigned c = 0; c < NCPU; c++)
        for (unsigned w = 1; w < NW; w++)
            if (memcmp(vml_cpu_stats(r->w[0].cpu[c]), vml_cpu_stats(r->w[w].cpu[c]),
                       sizeof(struct vml_mmu_stats)) != 0)
                FAIL(r, "CPU %s: counters differ between the miss path and the %s", specs[c],
                     w == 1   ? "general path"
                     : w == 2 ? "inline hit path"
                     : w == 3 ? "world without hashed arrays"
                              : "world with every fully associative array hashed");
}

static void op_translate(struct run *r)
{
    uint64_t va = rand_va(r, 85) | (below(r, 4096) & ~7ull);
    if (below(r, 50) == 0)
        va ^= 1ull << 50; /* not canonical */
    enum vml_access acc = (enum vml_access)below(r, 3);
    bool user = below(r, 3) != 0;
    unsigned reps = below(r, 4) == 0 ? 4 : 1;
    for (unsigned rep = 0; rep < reps; rep++)
        for (unsigned c = 0; c < NCPU; c++) {
            struct vml_xlate x[NW];
            int ret[NW];
            for (unsigned k = 0; k < NW; k++) {
                if (k == 2)
                    continue; /* below */
                memset(&x[k], 0, sizeof(x[k]));
                ret[k] = vml_mmu_translate(r->w[k].cpu[c], va, acc, user, &x[k]);
            }
            for (unsigned k = 1; k < NW; k++)
                if (k != 2 &&
                    (ret[0] != ret[k] || x[0].cycles != x[k].cycles || x[0].src != x[k].src ||
                     x[0].walk_refs != x[k].walk_refs ||
                     (ret[0] == 0 && (x[0].pa != x[k].pa || x[0].ps != x[k].ps)) ||
                     (ret[0] != 0 && memcmp(&x[0].fault, &x[k].fault, sizeof(x[0].fault)) != 0)))
                    FAIL(r,
                         "CPU %s: translation of 0x%llx differs in world %u (%d src %u, %d src %u)",
                         specs[c], (unsigned long long)va, k, ret[0], x[0].src, ret[k], x[k].src);
            /* As replay translates: a plain L1 hit inline (its size only), the rest after. */
            uint64_t *block = NULL;
            memset(&x[2], 0, sizeof(x[2]));
            uint64_t entry = 0;
            int ps = mmu_hit(r->w[2].cpu[c], va, acc, user, &block, &entry);
            if (ps >= 0) {
                ret[2] = 0;
                x[2].ps = (uint8_t)ps;
                if (ret[0] != 0 || x[0].src != VML_SRC_L1)
                    FAIL(r, "CPU %s: mmu_hit hit 0x%llx, vml_mmu_translate %d src %u", specs[c],
                         (unsigned long long)va, ret[0], x[0].src);
                /* The entry it returns holds the page's frame (replay's NUMA counts). */
                uint64_t page = x[0].pa & ~((1ull << vml_ps_shift((enum vml_page_size)ps)) - 1);
                if ((entry & VML_PTE_PFN_MASK) != page)
                    FAIL(r, "CPU %s: mmu_hit's entry for 0x%llx is 0x%llx, not the page 0x%llx",
                         specs[c], (unsigned long long)va,
                         (unsigned long long)(entry & VML_PTE_PFN_MASK), (unsigned long long)page);
            } else {
                ret[2] = mmu_translate_after(r->w[2].cpu[c], va, acc, user, &x[2], ps, block);
                if (ret[2] == 0 && x[2].pa != x[0].pa)
                    FAIL(r, "CPU %s: 0x%llx: pa differs after mmu_hit", specs[c],
                         (unsigned long long)va);
            }
            if (ret[0] != ret[2] || (ret[0] == 0 && x[0].ps != x[2].ps) ||
                (ret[0] != 0 && memcmp(&x[0].fault, &x[2].fault, sizeof(x[0].fault)) != 0))
                FAIL(r, "CPU %s: translation of 0x%llx differs on the inline hit path (%d, %d)",
                     specs[c], (unsigned long long)va, ret[0], ret[2]);
        }
}

static void op_map(struct run *r)
{
    unsigned k = (unsigned)below(r, 1000);
    unsigned ps = k < 940 ? 0 : k < 998 ? 1 : 2;
    uint64_t size = 1ull << (12 + 9 * ps);
    uint64_t va = rand_va(r, 15) & ~(size - 1), flags = rand_flags(r);
    for (unsigned s = 0; s < NSP; s++) {
        uint64_t f = below(r, 4) ? flags : rand_flags(r);
        int ret[NW];
        for (unsigned w = 0; w < NW; w++) {
            uint64_t pfn;
            ret[w] = page_alloc(r->w[w].phys, ps, &pfn);
            if (ret[w] == 0) {
                ret[w] = vml_pt_map(r->w[w].sp[s], va, pfn, (enum vml_page_size)ps, f);
                if (ret[w])
                    page_free(r->w[w].phys, pfn, ps);
            }
        }
        for (unsigned w = 1; w < NW; w++)
            if (ret[0] != ret[w])
                FAIL(r, "map differs in world %u: %d, %d", w, ret[0], ret[w]);
        if (ret[0] == 0 && s == 0)
            r->rec[r->nrec < NREC ? r->nrec++ : below(r, NREC)] = va;
    }
}

static void step(struct run *r)
{
    unsigned op = (unsigned)below(r, 1000), s = (unsigned)below(r, NSP);
    unsigned c = (unsigned)below(r, NCPU);
    if (op < 850) {
        op_translate(r);
    } else if (op < 920) {
        op_map(r);
    } else if (op < 940) {
        uint64_t len = below(r, 20) < 19 ? 1ull << 12 : 1ull << 21;
        uint64_t start = rand_va(r, 30) & ~(len - 1), end = start + len * (1 + below(r, 4));
        unsigned flags = below(r, 2) ? VML_PT_KEEP_TABLES : 0;
        for (unsigned w = 0; w < NW; w++)
            vml_pt_unmap(r->w[w].sp[s], start, end, flags, free_leaf, r->w[w].phys);
    } else if (op < 960) {
        uint64_t len = 1ull << (12 + 9 * below(r, 3));
        uint64_t start = rand_va(r, 85) & ~(len - 1), end = start + len * (1 + below(r, 4));
        uint64_t set = rand_flags(r), clear = rand_flags(r) & ~VML_PTE_D;
        for (unsigned w = 0; w < NW; w++)
            vml_pt_protect(r->w[w].sp[s], start, end, set, clear, NULL, NULL);
    } else if (op < 975) {
        uint64_t va = rand_va(r, 85);
        unsigned pcid = 1 + (unsigned)below(r, NSP);
        bool own = below(r, 2);
        for (unsigned w = 0; w < NW; w++) {
            if (own)
                vml_mmu_invlpg(r->w[w].cpu[c], va);
            else
                vml_mmu_invlpg_pcid(r->w[w].cpu[c], va, pcid);
        }
    } else if (op < 990) {
        bool noflush = below(r, 3) != 0;
        if (sp_levels[s] == 5 && !vml_cpu_model(r->w[0].cpu[c])->la57)
            s = 0;
        for (unsigned w = 0; w < NW; w++)
            vml_cpu_load_cr3(r->w[w].cpu[c], vml_pt_root(r->w[w].sp[s]), sp_levels[s], s + 1,
                             noflush);
    } else if (op < 995) {
        for (unsigned w = 0; w < NW; w++)
            vml_mmu_flush_pcid(r->w[w].cpu[c], s + 1);
    } else if (op < 998) {
        bool global = below(r, 2);
        for (unsigned w = 0; w < NW; w++)
            vml_mmu_flush_all(r->w[w].cpu[c], global);
    } else {
        uint64_t start = rand_va(r, 85) & ~((1ull << 30) - 1);
        for (unsigned w = 0; w < NW; w++)
            vml_pt_free_empty(r->w[w].sp[s], start, start + (1ull << 30));
    }
}

/* Collects a space's leaf entries (address and raw entry, A and D included). */
struct leaves {
    uint64_t *v;
    size_t n, cap;
};

static int collect(const struct vml_pt_leaf *l, void *ctx)
{
    struct leaves *ls = ctx;
    if (ls->n + 2 > ls->cap) {
        ls->cap = ls->cap ? 2 * ls->cap : 4096;
        ls->v = realloc(ls->v, ls->cap * sizeof(uint64_t));
        assert_non_null(ls->v);
    }
    ls->v[ls->n++] = l->va;
    ls->v[ls->n++] = l->entry;
    return 0;
}

static void check_tables(struct run *r)
{
    for (unsigned s = 0; s < NSP; s++) {
        struct leaves ls[NW];
        memset(ls, 0, sizeof(ls));
        for (unsigned w = 0; w < NW; w++)
            vml_pt_for_each(r->w[w].sp[s], 0, ~0ull, collect, &ls[w]);
        for (unsigned w = 1; w < NW; w++)
            if (ls[0].n != ls[w].n ||
                (ls[0].n && memcmp(ls[0].v, ls[w].v, ls[0].n * sizeof(uint64_t)) != 0))
                FAIL(r, "space %u: page-table entries differ in world %u (A/D bits?)", s, w);
        for (unsigned w = 0; w < NW; w++)
            free(ls[w].v);
    }
}

static int run_seed(uint64_t seed, unsigned long n)
{
    struct run *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    r->seed = r->rng = seed;
    for (unsigned w = 0; w < NW; w++)
        world_init(&r->w[w], w == 1, world_hash_min(w));
    unsigned long walks = 0;
    for (r->step = 0; r->step < n; r->step++) {
        step(r);
        if (r->step % 64 == 0)
            check_stats(r);
    }
    check_stats(r);
    check_tables(r);
    for (unsigned c = 0; c < NCPU; c++)
        walks += vml_cpu_stats(r->w[0].cpu[c])->walks_done[0];
    assert_true(walks > 1000); /* the sequence did reach the walk */
    for (unsigned w = 0; w < NW; w++)
        world_fini(&r->w[w]);
    free(r);
    return 0; /* a difference stops the test in check_* (cmocka) */
}

static void test_miss_path_matches_general(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 20261124 };
    run_seeds(run_seed, seeds, 1, 40000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miss_path_matches_general),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
