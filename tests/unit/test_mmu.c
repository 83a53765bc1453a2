/* test_mmu.c: translation through TLBs, page-walk caches and the walk; faults; invalidation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/phys.h"
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define U  VML_PTE_US
#define RW VML_PTE_RW
#define NX VML_PTE_NX
/* Latencies of every preset: L1 1, STLB probe 8, walk 5, reference 24. */
#define COST_L1         1u
#define COST_STLB       9u
#define COST_WALK(refs) (1u + 8u + 5u + 24u * (refs))

struct fx {
    struct vml_phys *phys;
    struct vml_pt *pt;
    struct vml_cpu *cpu;
    char why[512];
};

static struct fx *setup_cpu(const char *spec, unsigned levels)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct vml_phys_config cfg = { .ram_bytes = 4 * VML_GiB, .nr_nodes = 1 };
    struct vml_cpu_model m;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_phys_create(&cfg, &f->phys, NULL), 0);
    assert_int_equal(vml_pt_create(f->phys, levels, 0, &f->pt), 0);
    if (vml_cpu_model_parse(spec, &m, &d) != 0)
        fail_msg("%s: %s", spec, d.msg);
    assert_int_equal(vml_cpu_create(&m, f->phys, &f->cpu), 0);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), levels, 1, false), 0);
    return f;
}

static const struct vml_pt *only_pt(unsigned pcid, void *ctx)
{
    struct fx *f = ctx;
    return pcid == 1 ? f->pt : NULL;
}

static void teardown(struct fx *f)
{
    vml_cpu_destroy(f->cpu);
    vml_pt_destroy(f->pt);
    vml_phys_destroy(f->phys);
    free(f);
}

static uint64_t map(struct fx *f, uint64_t va, enum vml_page_size ps, uint64_t flags)
{
    uint64_t pfn;
    int r = ps == VML_PS_1G ? vml_phys_alloc_contig(f->phys, 0, VML_USE_TEST, &pfn)
                            : vml_phys_alloc(f->phys, 0, 9 * (unsigned)ps, VML_USE_TEST, &pfn);
    assert_int_equal(r, 0);
    assert_int_equal(vml_pt_map(f->pt, va, pfn, ps, flags), 0);
    return pfn;
}

static struct vml_xlate xl(struct fx *f, uint64_t va, enum vml_access acc, bool user, int want)
{
    struct vml_xlate x;
    memset(&x, 0xee, sizeof(x));
    assert_int_equal(vml_mmu_translate(f->cpu, va, acc, user, &x), want);
    return x;
}

static uint64_t leaf_entry(struct fx *f, uint64_t va)
{
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(f->pt, va, &leaf), 0);
    return leaf.entry;
}

static void test_walk_then_hits(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    uint64_t pfn = map(f, 0x7ffd5e8a1000ull, VML_PS_4K, U | RW | NX);
    map(f, 0x7ffd5e8a2000ull, VML_PS_4K, U | RW | NX);

    struct vml_xlate x = xl(f, 0x7ffd5e8a1234ull, VML_READ, true, 0);
    assert_int_equal(x.pa, (pfn << 12) | 0x234);
    assert_int_equal(x.src, VML_SRC_WALK);
    assert_int_equal(x.walk_refs, 4);
    assert_int_equal(x.cycles, COST_WALK(4));
    assert_int_equal(x.ps, VML_PS_4K);
    /* The walk set A, not D. */
    assert_int_equal(leaf_entry(f, 0x7ffd5e8a1000ull) & (VML_PTE_A | VML_PTE_D), VML_PTE_A);

    x = xl(f, 0x7ffd5e8a1ff8ull, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    assert_int_equal(x.cycles, COST_L1);
    assert_int_equal(x.walk_refs, 0);

    /* Neighbouring page: the PDE cache holds the PT's address, one reference. */
    x = xl(f, 0x7ffd5e8a2000ull, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_WALK);
    assert_int_equal(x.walk_refs, 1);
    assert_int_equal(x.cycles, COST_WALK(1));

    const struct vml_mmu_stats *s = vml_cpu_stats(f->cpu);
    assert_int_equal(s->accesses[VML_READ], 3);
    assert_int_equal(s->tlb[VML_TLB_L1D].hits[VML_PS_4K], 1);
    assert_int_equal(s->tlb[VML_TLB_L1D].misses[VML_PS_4K], 2);
    assert_int_equal(s->tlb[VML_TLB_STLB].misses[VML_PS_4K], 2);
    assert_int_equal(s->walks, 2);
    assert_int_equal(s->walks_done[VML_PS_4K], 2);
    assert_int_equal(s->walk_refs, 5);
    assert_int_equal(s->pwc_hits[VML_PWC_PDE], 1);
    assert_int_equal(s->pwc_misses[VML_PWC_PDE], 1);
    assert_int_equal(s->ad_writes, 2); /* A in each leaf; upper entries already had A */
    assert_int_equal(s->cycles, COST_WALK(4) + COST_L1 + COST_WALK(1));
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), 0);
    teardown(f);
}

static void test_stlb_hit_refills_l1(void **state)
{
    (void)state;
    /* A 2-entry L1 dTLB: the third page evicts the first, which the STLB still holds. */
    struct fx *f = setup_cpu("skylake:l1d.4k=2xfull", 4);
    for (unsigned i = 0; i < 3; i++)
        map(f, 0x10000 + i * 4096ull, VML_PS_4K, U);
    for (unsigned i = 0; i < 3; i++)
        xl(f, 0x10000 + i * 4096ull, VML_READ, true, 0);
    struct vml_xlate x = xl(f, 0x10000, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L2);
    assert_int_equal(x.cycles, COST_STLB);
    x = xl(f, 0x10000, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    const struct vml_mmu_stats *s = vml_cpu_stats(f->cpu);
    assert_int_equal(s->tlb[VML_TLB_STLB].hits[VML_PS_4K], 1);
    assert_int_equal(s->tlb[VML_TLB_L1D].misses[VML_PS_4K], 4);
    teardown(f);
}

static void test_dirty_assist(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    map(f, 0x5000, VML_PS_4K, U | RW);
    xl(f, 0x5000, VML_READ, true, 0);
    /* The TLB entry has D clear: a write walks again (PDE cache: one reference) to set D. */
    struct vml_xlate x = xl(f, 0x5008, VML_WRITE, true, 0);
    assert_int_equal(x.src, VML_SRC_WALK);
    assert_int_equal(x.walk_refs, 1);
    assert_int_equal(x.cycles, COST_L1 + 5 + 24);
    assert_true(leaf_entry(f, 0x5000) & VML_PTE_D);
    x = xl(f, 0x5010, VML_WRITE, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    const struct vml_mmu_stats *s = vml_cpu_stats(f->cpu);
    assert_int_equal(s->dirty_assists, 1);
    assert_int_equal(s->tlb[VML_TLB_L1D].hits[VML_PS_4K], 2);
    assert_int_equal(s->tlb[VML_TLB_L1D].misses[VML_PS_4K], 1);
    teardown(f);
}

static void test_huge_pages_and_five_levels(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("icelake", 5);
    uint64_t p2 = map(f, 0x200000, VML_PS_2M, U | RW);
    uint64_t p1 = map(f, 0x40000000, VML_PS_1G, U | RW);
    uint64_t p4 = map(f, 0x0001000000000000ull, VML_PS_4K, U);
    struct vml_xlate x = xl(f, 0x2abcde, VML_READ, true, 0);
    assert_int_equal(x.pa, (p2 << 12) + 0xabcde);
    assert_int_equal(x.walk_refs, 4); /* PML5, PML4, PDPT, PD */
    assert_int_equal(x.ps, VML_PS_2M);
    x = xl(f, 0x40000000 + 0x3456789, VML_WRITE, true, 0);
    assert_int_equal(x.pa, (p1 << 12) + 0x3456789);
    assert_int_equal(x.ps, VML_PS_1G);
    assert_int_equal(x.walk_refs, 1); /* PML4E cache hit: read the PDPT entry only */
    x = xl(f, 0x0001000000000010ull, VML_READ, true, 0);
    assert_int_equal(x.pa, (p4 << 12) + 0x10);
    assert_int_equal(x.walk_refs, 5); /* another PML5 entry (bits 56:48 = 1): full walk */
    assert_int_equal(vml_cpu_stats(f->cpu)->walks_done[VML_PS_1G], 1);
    /* Non-canonical with 5 levels only above 56 bits. */
    x = xl(f, 0x0100000000000000ull, VML_READ, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NONCANONICAL);
    assert_int_equal(x.fault.error_code, 0);
    teardown(f);
}

static void test_fault_kinds_and_error_codes(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    map(f, 0x1000, VML_PS_4K, U);                 /* user read-only, executable */
    map(f, 0x2000, VML_PS_4K, U | RW | NX);       /* user data */
    map(f, 0xffff888000000000ull, VML_PS_4K, RW); /* supervisor */

    struct vml_xlate x = xl(f, 0x1000, VML_WRITE, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_WRITE);
    assert_int_equal(x.fault.level, 1);
    assert_int_equal(x.fault.error_code, VML_PF_PROT | VML_PF_WRITE | VML_PF_USER);
    assert_false(x.fault.from_tlb);
    x = xl(f, 0x2000, VML_EXEC, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NX);
    assert_int_equal(x.fault.error_code, VML_PF_PROT | VML_PF_USER | VML_PF_INSTR);
    x = xl(f, 0xffff888000000000ull, VML_READ, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_USER);
    assert_int_equal(x.fault.error_code, VML_PF_PROT | VML_PF_USER);
    x = xl(f, 0x2000, VML_READ, false, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_SMAP);
    assert_int_equal(x.fault.error_code, VML_PF_PROT);
    x = xl(f, 0x1000, VML_EXEC, false, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_SMEP);
    xl(f, 0xffff888000000000ull, VML_WRITE, false, 0); /* the kernel may */
    /* Not present: the PT exists, the entry is 0. */
    x = xl(f, 0x3000, VML_READ, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NOT_PRESENT);
    assert_int_equal(x.fault.level, 1);
    assert_int_equal(x.fault.error_code, VML_PF_USER);
    /* Not present higher up: no PD entry for 0x40000000's 1 GiB region... no PDPT entry. */
    x = xl(f, 0x40000000, VML_WRITE, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NOT_PRESENT);
    assert_int_equal(x.fault.level, 3);
    assert_int_equal(x.fault.error_code, VML_PF_WRITE | VML_PF_USER);
    x = xl(f, 0x0000800000000000ull, VML_READ, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NONCANONICAL);
    assert_int_equal(x.fault.level, 0);
    /* Reserved: PS in a PML4 entry. */
    uint64_t *root = phys_data(f->phys, vml_pt_root(f->pt));
    vml_mmu_flush_all(f->cpu, true);
    root[0] |= VML_PTE_PS;
    x = xl(f, 0x2000, VML_READ, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_RESERVED);
    assert_int_equal(x.fault.level, 4);
    assert_int_equal(x.fault.error_code, VML_PF_PROT | VML_PF_RSVD | VML_PF_USER);
    root[0] &= ~VML_PTE_PS;
    const struct vml_mmu_stats *s = vml_cpu_stats(f->cpu);
    assert_int_equal(s->faults[VML_FAULT_WRITE], 1);
    assert_int_equal(s->faults[VML_FAULT_NOT_PRESENT], 2);
    assert_int_equal(s->faults[VML_FAULT_NONCANONICAL], 1);
    teardown(f);
}

static void test_stale_entries_and_invlpg(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    map(f, 0x8000, VML_PS_4K, U | RW);
    map(f, 0x9000, VML_PS_4K, U | RW);
    xl(f, 0x8000, VML_WRITE, true, 0);
    /* Write-protect in the tables only: the TLB still allows the write (stale) ... */
    assert_int_equal(vml_pt_protect(f->pt, 0x8000, 0x9000, 0, RW, NULL, NULL), 1);
    xl(f, 0x8000, VML_WRITE, true, 0);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), -1);
    assert_non_null(strstr(f->why, "grants rights the tables no longer grant"));
    /* ... until INVLPG, which also drops the PCID's page-walk-cache entries. */
    vml_mmu_invlpg(f->cpu, 0x8000);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), 0);
    struct vml_xlate x = xl(f, 0x8000, VML_WRITE, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_WRITE);
    assert_int_equal(x.walk_refs, 4); /* no PWC entry survived */
    /* Unmapped without invalidation: stale; the checker names it. */
    xl(f, 0x9000, VML_READ, true, 0);
    assert_int_equal(vml_pt_unmap(f->pt, 0x9000, 0xa000, VML_PT_KEEP_TABLES, NULL, NULL), 1);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), -1);
    assert_non_null(strstr(f->why, "no longer mapped"));
    vml_mmu_invlpg(f->cpu, 0x9000);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), 0);
    teardown(f);
}

static void test_spurious_fault_from_tlb(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    map(f, 0x8000, VML_PS_4K, U);
    xl(f, 0x8000, VML_READ, true, 0);
    /* Made writable in the tables; the TLB still says read-only. Hardware faults from the
     * cached entry and drops it (Linux then finds the tables fine: a spurious fault). */
    assert_int_equal(vml_pt_protect(f->pt, 0x8000, 0x9000, RW, 0, NULL, NULL), 1);
    struct vml_xlate x = xl(f, 0x8000, VML_WRITE, true, 1);
    assert_int_equal(x.fault.kind, VML_FAULT_WRITE);
    assert_true(x.fault.from_tlb);
    x = xl(f, 0x8000, VML_WRITE, true, 0);
    assert_int_equal(x.src, VML_SRC_WALK);
    teardown(f);
}

static void test_pcid_switches(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    struct vml_pt *other;
    assert_int_equal(vml_pt_create(f->phys, 4, 0, &other), 0);
    uint64_t pa = map(f, 0x1000, VML_PS_4K, U);
    uint64_t pb;
    assert_int_equal(vml_phys_alloc(f->phys, 0, 0, VML_USE_TEST, &pb), 0);
    assert_int_equal(vml_pt_map(other, 0x1000, pb, VML_PS_4K, U), 0);
    xl(f, 0x1000, VML_READ, true, 0);
    /* Same address, other address space (PCID 2), no flush: its own translation. */
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(other), 4, 2, true), 0);
    struct vml_xlate x = xl(f, 0x1000, VML_READ, true, 0);
    assert_int_equal(x.pa >> 12, pb);
    assert_int_equal(x.src, VML_SRC_WALK);
    /* Back to PCID 1 without flush: still cached. */
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, true), 0);
    x = xl(f, 0x1000, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    assert_int_equal(x.pa >> 12, pa);
    /* With flush: gone. */
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, false), 0);
    x = xl(f, 0x1000, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_WALK);
    /* flush_pcid drops only that PCID. */
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(other), 4, 2, true), 0);
    xl(f, 0x1000, VML_READ, true, 0);
    vml_mmu_flush_pcid(f->cpu, 1);
    x = xl(f, 0x1000, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    /* Errors. */
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 5, 1, false), VML_EINVAL);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 4096, false), VML_EINVAL);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, pa, 4, 1, false), VML_EINVAL); /* not a table */
    vml_pt_destroy(other);
    teardown(f);
}

struct two_pts {
    const struct vml_pt *pt1, *pt2;
};

static const struct vml_pt *two_pt(unsigned pcid, void *ctx)
{
    const struct two_pts *t = ctx;
    return pcid == 1 ? t->pt1 : pcid == 2 ? t->pt2 : NULL;
}

/* INVLPG of an address space that is not running (reclaim's, for a process not on the CPU):
 * whatever the host skips (tlb_pcids), the entry the PCID still has goes, and a PCID whose
 * entries were all evicted, then made current again, has its new entry dropped too. */
static void test_invlpg_of_pcid_not_current(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    struct vml_pt *other;
    assert_int_equal(vml_pt_create(f->phys, 4, 0, &other), 0);
    struct two_pts pts = { f->pt, other };
    map(f, 0x1000, VML_PS_4K, U);
    /* Enough pages of PCID 2 to evict every entry of PCID 1: more than the STLB's 1,536 4K
     * entries and L1's 64, in consecutive pages (every set in turn). */
    enum { MANY = 2048 };
    const uint64_t base = 0x40000000;
    for (uint64_t i = 0; i < MANY; i++) {
        uint64_t pfn;
        assert_int_equal(vml_phys_alloc(f->phys, 0, 0, VML_USE_TEST, &pfn), 0);
        assert_int_equal(vml_pt_map(other, base + i * 4096, pfn, VML_PS_4K, U), 0);
    }
    uint64_t before = vml_cpu_stats(f->cpu)->invlpg;
    /* 1. Cached under PCID 1, invalidated while PCID 2 runs: the next use walks. */
    xl(f, 0x1000, VML_READ, true, 0);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(other), 4, 2, true), 0);
    for (unsigned k = 0; k < 40; k++) {
        vml_mmu_invlpg_pcid(f->cpu, 0x1000, 1);
        assert_int_equal(vml_cpu_check(f->cpu, two_pt, &pts, f->why, sizeof(f->why)), 0);
    }
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, true), 0);
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_WALK);
    /* 2. Cached again, then evicted by PCID 2's pages; the invalidations find nothing. */
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_L1);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(other), 4, 2, true), 0);
    for (uint64_t i = 0; i < MANY; i++)
        xl(f, base + i * 4096, VML_READ, true, 0);
    for (unsigned k = 0; k < 40; k++)
        vml_mmu_invlpg_pcid(f->cpu, 0x1000, 1);
    assert_int_equal(vml_cpu_check(f->cpu, two_pt, &pts, f->why, sizeof(f->why)), 0);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, true), 0);
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_WALK);
    /* 3. Current again, so cached again: one invalidation from PCID 2 drops it. */
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_L1);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(other), 4, 2, true), 0);
    vml_mmu_invlpg_pcid(f->cpu, 0x1000, 1);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, true), 0);
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_WALK);
    /* Every INVLPG counts, skipped probes or not. */
    assert_int_equal(vml_cpu_stats(f->cpu)->invlpg - before, 81);
    vml_pt_destroy(other);
    teardown(f);
}

static void test_no_pcid_flushes_on_switch(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake:pcid=off", 4);
    map(f, 0x1000, VML_PS_4K, U);
    map(f, 0x2000, VML_PS_4K, U | VML_PTE_G);
    xl(f, 0x1000, VML_READ, true, 0);
    xl(f, 0x2000, VML_READ, true, 0);
    assert_int_equal(vml_cpu_load_cr3(f->cpu, vml_pt_root(f->pt), 4, 1, true), 0);
    assert_int_equal(xl(f, 0x1000, VML_READ, true, 0).src, VML_SRC_WALK);
    assert_int_equal(xl(f, 0x2000, VML_READ, true, 0).src, VML_SRC_L1); /* global survives */
    vml_mmu_flush_all(f->cpu, false);
    assert_int_equal(xl(f, 0x2000, VML_READ, true, 0).src, VML_SRC_L1);
    vml_mmu_flush_all(f->cpu, true);
    assert_int_equal(xl(f, 0x2000, VML_READ, true, 0).src, VML_SRC_WALK);
    teardown(f);
}

static void test_splintered_1g_and_l2_itlb(void **state)
{
    (void)state;
    /* zen3: L1 dTLB and STLB hold 4K and 2M only, so a 1 GiB page is cached as 2M entries. */
    struct fx *f = setup_cpu("zen3", 4);
    uint64_t p1 = map(f, 0x40000000, VML_PS_1G, U | RW);
    struct vml_xlate x = xl(f, 0x40000000 + (5u << 21) + 0x123, VML_READ, true, 0);
    assert_int_equal(x.pa, (p1 << 12) + (5u << 21) + 0x123);
    assert_int_equal(x.ps, VML_PS_1G); /* the walk found a 1 GiB leaf */
    x = xl(f, 0x40000000 + (5u << 21) + 0x456, VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_L1);
    assert_int_equal(x.ps, VML_PS_2M); /* the entry that hit is a 2 MiB splinter */
    assert_int_equal(x.pa, (p1 << 12) + (5u << 21) + 0x456);
    /* Another 2 MiB of the same page misses and walks. */
    x = xl(f, 0x40000000 + (6u << 21), VML_READ, true, 0);
    assert_int_equal(x.src, VML_SRC_WALK);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), 0);
    /* Fetches use the L1 iTLB then AMD's L2 iTLB, not the STLB. */
    map(f, 0x400000, VML_PS_4K, U);
    xl(f, 0x400000, VML_EXEC, true, 0);
    const struct vml_mmu_stats *s = vml_cpu_stats(f->cpu);
    assert_int_equal(s->tlb[VML_TLB_L1I].misses[VML_PS_4K], 1);
    assert_int_equal(s->tlb[VML_TLB_L2I].misses[VML_PS_4K], 1);
    assert_int_equal(s->tlb[VML_TLB_STLB].misses[VML_PS_4K], 0);
    teardown(f);
}

static void test_no_cr3(void **state)
{
    (void)state;
    struct vml_phys_config cfg = { .ram_bytes = 64 * VML_MiB, .nr_nodes = 1 };
    struct vml_phys *phys;
    struct vml_cpu *cpu;
    assert_int_equal(vml_phys_create(&cfg, &phys, NULL), 0);
    assert_int_equal(vml_cpu_create(vml_cpu_preset_find("zen4"), phys, &cpu), 0);
    struct vml_xlate x;
    assert_int_equal(vml_mmu_translate(cpu, 0x1000, VML_READ, true, &x), 1);
    assert_int_equal(x.fault.kind, VML_FAULT_NOT_PRESENT);
    vml_cpu_destroy(cpu);
    vml_cpu_destroy(NULL);
    vml_phys_destroy(phys);
}

/* The frame of the leaf table (level 1) mapping va, read through the tables' content. */
static uint64_t leaf_table_pfn(struct fx *f, uint64_t va)
{
    uint64_t tbl = vml_pt_root(f->pt);
    for (unsigned level = 4; level > 1; level--) {
        const uint64_t *t = phys_data(f->phys, tbl);
        assert_non_null(t);
        uint64_t e = t[vml_level_index(va, level)];
        assert_true((e & VML_PTE_P) && !(e & VML_PTE_PS));
        tbl = vml_pte_pfn(e);
    }
    return tbl;
}

/* A walk remembers where it read a leaf table (a host hint for the next walk through the same
 * 2 MiB). Once that table is freed, a new leaf table in the same frame has other content: the
 * next walk must read the new content, not the one the hint remembers. */
static void test_leaf_table_freed_and_replaced(void **state)
{
    (void)state;
    struct fx *f = setup_cpu("skylake", 4);
    const uint64_t va = 0x7f0000201000ull, other = 0x7f0000a00000ull;
    map(f, va, VML_PS_4K, U | RW | NX);
    xl(f, va, VML_READ, true, 0); /* walks: the hint */
    uint64_t table = leaf_table_pfn(f, va), page, spare;
    const uint64_t *old_content = phys_data(f->phys, table);
    assert_int_equal(vml_phys_alloc(f->phys, 0, 0, VML_USE_TEST, &page), 0);

    /* Free the leaf table; lend its frame to a data page while another leaf table takes its
     * content block, then give the frame back for va's new leaf table. */
    vml_pt_unmap(f->pt, va, va + 4096, VML_PT_KEEP_TABLES, NULL, NULL);
    vml_mmu_invlpg(f->cpu, va);
    vml_pt_free_empty(f->pt, va & ~0x1fffffull, (va & ~0x1fffffull) + 0x200000);
    assert_int_equal(vml_phys_alloc(f->phys, 0, 0, VML_USE_TEST, &spare), 0);
    map(f, other, VML_PS_4K, U | RW | NX);
    vml_phys_free(f->phys, spare, 0);
    assert_int_equal(vml_pt_map(f->pt, va, page, VML_PS_4K, U | RW | NX), 0);
    /* The set-up this test is about: the same frame, other content. */
    assert_int_equal(spare, table);
    assert_int_equal(leaf_table_pfn(f, va), table);
    assert_ptr_not_equal(phys_data(f->phys, table), old_content);

    struct vml_xlate x = xl(f, va | 0x123, VML_READ, true, 0);
    assert_int_equal(x.pa, (page << 12) | 0x123);
    assert_int_equal(x.src, VML_SRC_WALK);
    assert_int_equal(vml_cpu_check(f->cpu, only_pt, f, f->why, sizeof(f->why)), 0);
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_then_hits),
        cmocka_unit_test(test_stlb_hit_refills_l1),
        cmocka_unit_test(test_dirty_assist),
        cmocka_unit_test(test_huge_pages_and_five_levels),
        cmocka_unit_test(test_fault_kinds_and_error_codes),
        cmocka_unit_test(test_stale_entries_and_invlpg),
        cmocka_unit_test(test_spurious_fault_from_tlb),
        cmocka_unit_test(test_pcid_switches),
        cmocka_unit_test(test_invlpg_of_pcid_not_current),
        cmocka_unit_test(test_no_pcid_flushes_on_switch),
        cmocka_unit_test(test_splintered_1g_and_l2_itlb),
        cmocka_unit_test(test_no_cr3),
        cmocka_unit_test(test_leaf_table_freed_and_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
