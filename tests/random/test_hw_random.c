/* test_hw_random.c: randomized differential test of the hw layer against a reference map.
 *
 * Several address spaces (4- and 5-level, each with its own PCID) and several CPUs (a real
 * preset, a tiny TLB that evicts constantly, and a CPU that splinters 1 GiB pages) run a
 * random mix of map, unmap, protect, free-empty, reset and translate operations. Every
 * translation is compared with a plain reference map (va -> frame, size, rights); every
 * unmap/protect is followed by the invalidation Linux would do (INVLPG of each changed page, for
 * that PCID, on every CPU), after which no TLB or page-walk cache may hold anything the tables
 * no longer allow. Invariant checks run after every step: frames conserved per node, table
 * frames counted, reference frames counted, page tables consistent, no stale TLB/PWC entry.
 *
 * Fixed seeds; VMLAB_SEED and VMLAB_OPS override them. A failure prints the seed and the step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NR_AS      4
#define NR_CPUS    3
#define NR_WINDOWS 4
#define HASH_CAP   (1u << 16)
#define MAX_MAPS   12000u

/* ---- reference map: (page va, size) -> frame and rights ---------------------------------- */

struct ref {
    uint64_t key; /* va | ps, 0 = empty, 1 = tombstone */
    uint64_t pfn;
    uint64_t flags; /* RW, US, NX as given */
};

struct space {
    struct vml_pt *pt;
    unsigned levels;
    unsigned pcid;
    struct ref *refs; /* HASH_CAP slots */
    unsigned nr_refs;
    uint64_t windows[NR_WINDOWS];
    unsigned nr_windows;
};

struct world {
    uint64_t seed, rng;
    unsigned long step;
    struct vml_phys *phys;
    struct space as[NR_AS];
    struct vml_cpu *cpu[NR_CPUS];
    uint64_t cpu_root[NR_CPUS]; /* root each CPU's CR3 holds */
    uint64_t ref_frames;        /* frames the reference maps */
    char why[512];
    /* counters, to show the test exercised what it claims */
    unsigned long n_map, n_unmap, n_protect, n_xlate, n_fault, n_einval, n_eexist, n_reset;
};

#define FAIL(w, ...)                                                                               \
    do {                                                                                           \
        char msg_[768];                                                                            \
        snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                                 \
        fail_msg("seed %llu step %lu: %s", (unsigned long long)(w)->seed, (w)->step, msg_);        \
    } while (0)

static uint64_t rnd(struct world *w)
{
    /* splitmix64 */
    uint64_t z = (w->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t below(struct world *w, uint64_t n)
{
    return rnd(w) % n;
}

static uint64_t page_size(unsigned ps)
{
    return 1ull << vml_ps_shift((enum vml_page_size)ps);
}

static unsigned hash(uint64_t key)
{
    return (unsigned)((key * 0x9e3779b97f4a7c15ull) >> 48) & (HASH_CAP - 1);
}

static struct ref *ref_find(struct space *s, uint64_t va, unsigned ps)
{
    uint64_t key = va | ps | 4; /* bit 2 keeps keys away from 0 and 1 */
    for (unsigned i = hash(key), n = 0; n < HASH_CAP; i = (i + 1) & (HASH_CAP - 1), n++) {
        if (s->refs[i].key == key)
            return &s->refs[i];
        if (s->refs[i].key == 0)
            return NULL;
    }
    return NULL;
}

static void ref_add(struct space *s, uint64_t va, unsigned ps, uint64_t pfn, uint64_t flags)
{
    uint64_t key = va | ps | 4;
    unsigned i = hash(key);
    while (s->refs[i].key > 1)
        i = (i + 1) & (HASH_CAP - 1);
    s->refs[i] = (struct ref){ key, pfn, flags };
    s->nr_refs++;
}

static void ref_del(struct space *s, struct ref *r)
{
    r->key = 1;
    s->nr_refs--;
}

/* The reference mapping covering va, with its page size. */
static struct ref *ref_cover(struct space *s, uint64_t va, unsigned *ps)
{
    for (unsigned p = 0; p < VML_PS_COUNT; p++) {
        struct ref *r = ref_find(s, va & ~(page_size(p) - 1), p);
        if (r) {
            *ps = p;
            return r;
        }
    }
    return NULL;
}

/* ---- setup ------------------------------------------------------------------------------- */

static const struct vml_pt *pt_of(unsigned pcid, void *ctx)
{
    struct world *w = ctx;
    for (unsigned a = 0; a < NR_AS; a++)
        if (w->as[a].pcid == pcid)
            return w->as[a].pt;
    return NULL;
}

static void space_init(struct world *w, struct space *s, unsigned levels, unsigned pcid)
{
    s->levels = levels;
    s->pcid = pcid;
    s->refs = calloc(HASH_CAP, sizeof(struct ref));
    assert_non_null(s->refs);
    assert_int_equal(vml_pt_create(w->phys, levels, 0, &s->pt), 0);
    s->nr_windows = 0;
    s->windows[s->nr_windows++] = 0x0000000040000000ull;
    s->windows[s->nr_windows++] = 0x00007f0000000000ull;
    s->windows[s->nr_windows++] = levels == 5 ? 0xff11000000000000ull : 0xffff888000000000ull;
    if (levels == 5)
        s->windows[s->nr_windows++] = 0x0001000000000000ull; /* above 47 bits */
}

static void world_init(struct world *w, uint64_t seed)
{
    memset(w, 0, sizeof(*w));
    w->seed = w->rng = seed;
    struct vml_phys_config cfg = { .ram_bytes = 4 * VML_GiB, .nr_nodes = 2 };
    assert_int_equal(vml_phys_create(&cfg, &w->phys, NULL), 0);
    for (unsigned a = 0; a < NR_AS; a++)
        space_init(w, &w->as[a], a % 2 ? 5 : 4, a + 1);
    static const char *specs[NR_CPUS] = {
        "icelake",
        ("icelake:l1d.4k=8x2,l1d.2m=4x2,l1d.1g=2x2,l1i.4k=4x2,l1i.2m=2x2,stlb.4k+2m=16x4,"
         "stlb.1g=4x2,pwc.pd=4,pwc.pdpt=2,pwc.pml4=2,pwc.pml5=1"), /* one spec, two lines */
        "zen3:la57=on",
    };
    for (unsigned c = 0; c < NR_CPUS; c++) {
        struct vml_cpu_model m;
        struct vml_diag d = { 0 };
        if (vml_cpu_model_parse(specs[c], &m, &d) != 0)
            fail_msg("spec %s: %s", specs[c], d.msg);
        assert_int_equal(vml_cpu_create(&m, w->phys, &w->cpu[c]), 0);
    }
}

/* Frees a data page of size ps: 1 GiB pages go back to the contiguous-range allocator. */
static void page_free(struct world *w, uint64_t pfn, unsigned ps)
{
    if (ps == VML_PS_1G)
        vml_phys_free_contig(w->phys, pfn);
    else
        vml_phys_free(w->phys, pfn, 9 * ps);
}

static void free_leaf_frame(struct world *w, uint64_t pfn, unsigned ps)
{
    page_free(w, pfn, ps);
    w->ref_frames -= page_size(ps) >> 12;
}

static void world_fini(struct world *w)
{
    for (unsigned a = 0; a < NR_AS; a++) {
        struct space *s = &w->as[a];
        for (unsigned i = 0; i < HASH_CAP; i++)
            if (s->refs[i].key > 1)
                free_leaf_frame(w, s->refs[i].pfn, (unsigned)(s->refs[i].key & 3));
        vml_pt_destroy(s->pt);
        free(s->refs);
    }
    for (unsigned c = 0; c < NR_CPUS; c++)
        vml_cpu_destroy(w->cpu[c]);
    vml_phys_destroy(w->phys);
}

/* ---- invalidation: what Linux does after changing an entry ---------------------------------- */

static void shootdown(struct world *w, uint64_t va, unsigned pcid)
{
    for (unsigned c = 0; c < NR_CPUS; c++)
        vml_mmu_invlpg_pcid(w->cpu[c], va, pcid);
}

/* ---- operations -------------------------------------------------------------------------- */

static uint64_t random_va(struct world *w, struct space *s, unsigned ps)
{
    static const uint64_t spans[3] = { 64ull << 20, 1ull << 30, 4ull << 30 };
    uint64_t base = s->windows[below(w, s->nr_windows)];
    return base + (below(w, spans[ps]) & ~(page_size(ps) - 1));
}

static unsigned ref_count_range(struct space *s, uint64_t start, uint64_t end, bool *straddle);

/* Any mapping of any size inside [va, va+size) or covering va. */
static bool overlaps(struct space *s, uint64_t va, unsigned ps)
{
    unsigned cps;
    bool straddle;
    if (ref_cover(s, va, &cps))
        return true;
    if (ps == VML_PS_1G)
        return ref_count_range(s, va, va + page_size(ps), &straddle) > 0;
    for (unsigned p = 0; p < ps; p++)
        for (uint64_t a = va; a < va + page_size(ps); a += page_size(p))
            if (ref_find(s, a, p))
                return true;
    return false;
}

static void op_map(struct world *w, struct space *s)
{
    uint64_t roll = below(w, 100);
    unsigned ps = roll < 80 ? VML_PS_4K : roll < 97 ? VML_PS_2M : VML_PS_1G;
    if (s->nr_refs >= MAX_MAPS)
        return;
    uint64_t va = random_va(w, s, ps);
    uint64_t flags = VML_PTE_US;
    if (va >> 63)
        flags = below(w, 4) == 0 ? VML_PTE_US : 0; /* kernel half: mostly supervisor */
    if (below(w, 3))
        flags |= VML_PTE_RW;
    if (below(w, 2))
        flags |= VML_PTE_NX;
    uint64_t pfn;
    unsigned node = (unsigned)below(w, 2);
    int r = ps == VML_PS_1G ? vml_phys_alloc_contig(w->phys, node, VML_USE_TEST, &pfn)
                            : vml_phys_alloc(w->phys, node, 9 * ps, VML_USE_TEST, &pfn);
    if (r == VML_ENOMEM)
        return;
    if (r)
        FAIL(w, "alloc order %u: %s", 9 * ps, vml_strerror(r));
    bool expect_exist = overlaps(s, va, ps);
    r = vml_pt_map(s->pt, va, pfn, (enum vml_page_size)ps, flags);
    if (expect_exist) {
        /* An existing mapping, or an empty table kept in the way of a huge leaf. */
        if (r != VML_EEXIST)
            FAIL(w, "map over a mapping at 0x%llx: got %d, want EEXIST", (unsigned long long)va, r);
    }
    if (r == VML_EEXIST && !expect_exist) {
        /* Only a huge leaf can be refused for an empty table left in its way. */
        struct vml_pt_leaf leaf;
        if (ps == VML_PS_4K || vml_pt_lookup(s->pt, va, &leaf) == 0)
            FAIL(w, "map %s at 0x%llx: EEXIST with nothing mapped there",
                 vml_ps_name((enum vml_page_size)ps), (unsigned long long)va);
    }
    if (r == VML_EEXIST || r == VML_ENOMEM) {
        page_free(w, pfn, ps);
        w->n_eexist += r == VML_EEXIST;
        return;
    }
    if (r)
        FAIL(w, "map %s at 0x%llx: %s", vml_ps_name((enum vml_page_size)ps), (unsigned long long)va,
             vml_strerror(r));
    ref_add(s, va, ps, pfn, flags);
    w->ref_frames += page_size(ps) >> 12;
    w->n_map++;
}

struct change_ctx {
    struct world *w;
    struct space *s;
    bool unmap;
    uint64_t set, clear;
};

static void on_change(const struct vml_pt_leaf *leaf, void *arg)
{
    struct change_ctx *c = arg;
    unsigned ps = leaf->level - 1;
    struct ref *r = ref_find(c->s, leaf->va, ps);
    if (!r)
        FAIL(c->w, "tables had a %s leaf at 0x%llx the reference lacks",
             vml_ps_name((enum vml_page_size)ps), (unsigned long long)leaf->va);
    if (vml_pte_pfn(leaf->entry & ~(ps ? VML_PTE_PAT_LARGE : 0)) != r->pfn)
        FAIL(c->w, "leaf at 0x%llx maps pfn 0x%llx, reference 0x%llx", (unsigned long long)leaf->va,
             (unsigned long long)vml_pte_pfn(leaf->entry), (unsigned long long)r->pfn);
    if (c->unmap) {
        free_leaf_frame(c->w, r->pfn, ps);
        ref_del(c->s, r);
    } else {
        r->flags = (r->flags & ~c->clear) | c->set;
    }
    shootdown(c->w, leaf->va, c->s->pcid);
}

/* Reference leaves in [start, end) and whether a huge one crosses an end. */
static unsigned ref_count_range(struct space *s, uint64_t start, uint64_t end, bool *straddle)
{
    unsigned n = 0;
    *straddle = false;
    for (unsigned i = 0; i < HASH_CAP; i++) {
        if (s->refs[i].key <= 1)
            continue;
        uint64_t va = s->refs[i].key & ~0xfffull;
        uint64_t last = va + page_size((unsigned)(s->refs[i].key & 3)) - 1;
        if (last < start || va > end - 1)
            continue;
        if (va < start || last > end - 1)
            *straddle = true;
        n++;
    }
    return n;
}

static void random_range(struct world *w, struct space *s, uint64_t *start, uint64_t *end)
{
    unsigned ps = below(w, 10) < 8 ? VML_PS_4K : VML_PS_2M;
    *start = random_va(w, s, ps);
    uint64_t len = below(w, 4) == 0 ? (1 + below(w, 4)) * (2ull << 20) : (1 + below(w, 512)) * 4096;
    *end = *start + len;
}

static void op_unmap(struct world *w, struct space *s)
{
    uint64_t start, end;
    random_range(w, s, &start, &end);
    bool straddle;
    unsigned want = ref_count_range(s, start, end, &straddle);
    unsigned flags = below(w, 3) == 0 ? VML_PT_KEEP_TABLES : 0;
    struct change_ctx c = { .w = w, .s = s, .unmap = true };
    int64_t n = vml_pt_unmap(s->pt, start, end, flags, on_change, &c);
    if (straddle) {
        if (n != VML_EINVAL)
            FAIL(w, "unmap [0x%llx,0x%llx) cuts a huge page: got %lld, want EINVAL",
                 (unsigned long long)start, (unsigned long long)end, (long long)n);
        w->n_einval++;
        return;
    }
    if (n != (int64_t)want)
        FAIL(w, "unmap [0x%llx,0x%llx): %lld leaves, reference %u", (unsigned long long)start,
             (unsigned long long)end, (long long)n, want);
    w->n_unmap++;
}

static void op_protect(struct world *w, struct space *s)
{
    static const uint64_t bits[3] = { VML_PTE_RW, VML_PTE_NX, VML_PTE_US };
    uint64_t start, end, set = 0, clear = 0;
    random_range(w, s, &start, &end);
    for (unsigned b = 0; b < 3; b++) {
        uint64_t roll = below(w, 4);
        if (roll == 0)
            set |= bits[b];
        else if (roll == 1)
            clear |= bits[b];
    }
    clear &= ~set;
    bool straddle;
    ref_count_range(s, start, end, &straddle);
    struct change_ctx c = { .w = w, .s = s, .set = set, .clear = clear };
    int64_t n = vml_pt_protect(s->pt, start, end, set, clear, on_change, &c);
    if (straddle) {
        if (n != VML_EINVAL)
            FAIL(w, "protect cutting a huge page: got %lld, want EINVAL", (long long)n);
        w->n_einval++;
        return;
    }
    if (n < 0)
        FAIL(w, "protect: %s", vml_strerror((int)n));
    w->n_protect++;
}

/* What the reference says an access should do: a fault kind, or NONE with *pa set. */
static enum vml_fault_kind expect(struct space *s, uint64_t va, enum vml_access acc, bool user,
                                  uint64_t *pa)
{
    if (!vml_va_canonical(va, s->levels))
        return VML_FAULT_NONCANONICAL;
    unsigned ps;
    struct ref *r = ref_cover(s, va, &ps);
    if (!r)
        return VML_FAULT_NOT_PRESENT;
    bool us = r->flags & VML_PTE_US;
    if (user && !us)
        return VML_FAULT_USER;
    if (!user && us)
        return acc == VML_EXEC ? VML_FAULT_SMEP : VML_FAULT_SMAP; /* all CPUs here have both */
    if (acc == VML_WRITE && !(r->flags & VML_PTE_RW))
        return VML_FAULT_WRITE;
    if (acc == VML_EXEC && (r->flags & VML_PTE_NX))
        return VML_FAULT_NX;
    *pa = (r->pfn << 12) + (va & (page_size(ps) - 1));
    return VML_FAULT_NONE;
}

static uint64_t pick_va(struct world *w, struct space *s)
{
    uint64_t roll = below(w, 20);
    if (roll == 0)
        return s->levels == 4 ? 0x0000800000000000ull + below(w, 1ull << 40) * 8
                              : 0x0100000000000000ull + below(w, 1ull << 40) * 8;
    if (roll < 14 && s->nr_refs) {
        /* Somewhere in a mapped page: probe from a random slot to the next used one. */
        for (unsigned i = (unsigned)below(w, HASH_CAP), n = 0; n < HASH_CAP;
             i = (i + 1) & (HASH_CAP - 1), n++)
            if (s->refs[i].key > 1)
                return (s->refs[i].key & ~0xfffull) +
                       below(w, page_size((unsigned)(s->refs[i].key & 3)));
    }
    return random_va(w, s, VML_PS_4K) + below(w, 4096);
}

static void op_translate(struct world *w, unsigned a)
{
    struct space *s = &w->as[a];
    unsigned c = (unsigned)below(w, NR_CPUS);
    struct vml_cpu *cpu = w->cpu[c];
    if (w->cpu_root[c] != vml_pt_root(s->pt) || vml_cpu_pcid(cpu) != s->pcid) {
        int r = vml_cpu_load_cr3(cpu, vml_pt_root(s->pt), s->levels, s->pcid, true);
        if (r)
            FAIL(w, "load CR3: %s", vml_strerror(r));
        w->cpu_root[c] = vml_pt_root(s->pt);
    }
    for (unsigned k = 0; k < 8; k++) {
        uint64_t va = pick_va(w, s), pa = 0;
        enum vml_access acc = (enum vml_access)below(w, 3);
        bool user = below(w, 8) != 0;
        enum vml_fault_kind want = expect(s, va, acc, user, &pa);
        struct vml_xlate x;
        int r = vml_mmu_translate(cpu, va, acc, user, &x);
        enum vml_fault_kind got = r ? (enum vml_fault_kind)x.fault.kind : VML_FAULT_NONE;
        if (got != want)
            FAIL(w, "cpu %u AS %u %s %s 0x%llx: got %s, reference says %s", c, a,
                 user ? "user" : "kernel",
                 acc == VML_READ    ? "read"
                 : acc == VML_WRITE ? "write"
                                    : "exec",
                 (unsigned long long)va, vml_fault_name(got), vml_fault_name(want));
        w->n_xlate++;
        if (r) {
            w->n_fault++;
            continue;
        }
        if (x.pa != pa)
            FAIL(w, "0x%llx translated to 0x%llx, reference 0x%llx", (unsigned long long)va,
                 (unsigned long long)x.pa, (unsigned long long)pa);
        struct vml_pt_leaf leaf;
        assert_int_equal(vml_pt_lookup(s->pt, va, &leaf), 0);
        if (!(leaf.entry & VML_PTE_A) || (acc == VML_WRITE && !(leaf.entry & VML_PTE_D)))
            FAIL(w, "access to 0x%llx left entry 0x%llx without A%s", (unsigned long long)va,
                 (unsigned long long)leaf.entry, acc == VML_WRITE ? "/D" : "");
    }
}

/* Tears an address space down and builds a new one with the same PCID, as exit + exec do. */
static void op_reset(struct world *w, struct space *s)
{
    struct change_ctx c = { .w = w, .s = s, .unmap = true };
    for (unsigned i = 0; i < s->nr_windows; i++)
        if (vml_pt_unmap(s->pt, s->windows[i], s->windows[i] + (8ull << 30), 0, on_change, &c) < 0)
            FAIL(w, "reset: unmap failed");
    if (s->nr_refs != 0)
        FAIL(w, "reset: %u reference mappings left", s->nr_refs);
    for (unsigned k = 0; k < NR_CPUS; k++)
        vml_mmu_flush_pcid(w->cpu[k], s->pcid);
    vml_pt_destroy(s->pt);
    assert_int_equal(vml_pt_create(w->phys, s->levels, 0, &s->pt), 0);
    memset(s->refs, 0, HASH_CAP * sizeof(struct ref));
    w->n_reset++;
}

/* ---- invariants -------------------------------------------------------------------------- */

static void check_conservation(struct world *w)
{
    uint64_t tables = 0, test = 0, pgtable = 0;
    for (unsigned a = 0; a < NR_AS; a++) {
        struct vml_pt_stats st;
        vml_pt_stats(w->as[a].pt, &st);
        tables += st.nr_tables;
    }
    for (unsigned n = 0; n < vml_phys_nr_nodes(w->phys); n++) {
        struct vml_phys_usage u;
        vml_phys_usage(w->phys, n, &u);
        uint64_t used = 0;
        for (unsigned k = 0; k < VML_NR_USES; k++)
            used += u.used[k];
        if (u.free + used != u.total)
            FAIL(w, "node %u: free %llu + used %llu != total %llu", n, (unsigned long long)u.free,
                 (unsigned long long)used, (unsigned long long)u.total);
        test += u.used[VML_USE_TEST];
        pgtable += u.used[VML_USE_PGTABLE];
    }
    if (pgtable != tables)
        FAIL(w, "%llu page-table frames allocated, address spaces count %llu",
             (unsigned long long)pgtable, (unsigned long long)tables);
    if (test != w->ref_frames)
        FAIL(w, "%llu data frames allocated, reference maps %llu", (unsigned long long)test,
             (unsigned long long)w->ref_frames);
}

static void check_all(struct world *w, bool mutated, int touched_as)
{
    check_conservation(w);
    for (unsigned a = 0; a < NR_AS; a++)
        if ((int)a == touched_as || w->step % 128 == 0)
            if (vml_pt_check(w->as[a].pt, w->why, sizeof(w->why)))
                FAIL(w, "AS %u page tables: %s", a, w->why);
    if (mutated || w->step % 64 == 0)
        for (unsigned c = 0; c < NR_CPUS; c++)
            if (vml_cpu_check(w->cpu[c], pt_of, w, w->why, sizeof(w->why)))
                FAIL(w, "cpu %u: %s", c, w->why);
    if (w->step % 512 == 0 && vml_phys_check(w->phys, w->why, sizeof(w->why)))
        FAIL(w, "phys: %s", w->why);
}

static void run_seed(uint64_t seed, unsigned long ops)
{
    struct world *w = calloc(1, sizeof(*w));
    assert_non_null(w);
    world_init(w, seed);
    for (w->step = 1; w->step <= ops; w->step++) {
        unsigned a = (unsigned)below(w, NR_AS);
        struct space *s = &w->as[a];
        uint64_t roll = below(w, 1000);
        bool mutated = true;
        if (roll < 330)
            op_map(w, s);
        else if (roll < 440)
            op_unmap(w, s);
        else if (roll < 520)
            op_protect(w, s);
        else if (roll < 540) {
            uint64_t base = s->windows[below(w, s->nr_windows)];
            vml_pt_free_empty(s->pt, base, base + (8ull << 30));
        } else if (roll < 543)
            op_reset(w, s);
        else {
            op_translate(w, a);
            mutated = false;
        }
        check_all(w, mutated, (int)a);
    }
    if (vml_phys_check(w->phys, w->why, sizeof(w->why)))
        FAIL(w, "phys at the end: %s", w->why);
    printf("seed %llu: %lu steps: %lu maps, %lu unmaps, %lu protects, %lu resets, %lu EEXIST, "
           "%lu EINVAL, %lu translations (%lu faults)\n",
           (unsigned long long)seed, ops, w->n_map, w->n_unmap, w->n_protect, w->n_reset,
           w->n_eexist, w->n_einval, w->n_xlate, w->n_fault);
    /* The mix must really have exercised every path. */
    assert_true(w->n_map > ops / 5 && w->n_unmap > ops / 20 && w->n_protect > ops / 30);
    assert_true(w->n_fault > 0 && w->n_xlate > ops && w->n_einval > 0 && w->n_eexist > 0);
    world_fini(w);
    free(w);
}

static int run_one(uint64_t seed, unsigned long ops)
{
    run_seed(seed, ops);
    return 0; /* a failure stops the test in run_seed (cmocka) */
}

static void test_seeds(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 20261124, 0xdecafbad };
    run_seeds(run_one, seeds, sizeof(seeds) / sizeof(seeds[0]), 40000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
