/* test_replay.c: trace replay (include/vmlab/replay.h): counts computed by hand on a tiny TLB,
 * demand mapping, skipped and killing accesses, and the same-page shortcut against translating
 * every access (randomized, fixed seeds, three CPU models, 4K, 2M and 1G pages, THP).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/assoc.h" /* ASSOC_HASH_MIN_WAYS, assoc_set_hash_min_ways */
#include "random_seeds.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG 4096ull
#define RW (VML_PROT_READ | VML_PROT_WRITE)

static struct vml_trace_rec rec(uint64_t addr, unsigned kind, unsigned size)
{
    return (struct vml_trace_rec){ .addr = addr, .kind = (uint8_t)kind, .size = (uint16_t)size };
}

/* A machine with a tiny TLB and no page-walk caches: L1 dTLB 4K 2 entries, STLB 4 entries,
 * both fully associative LRU; a walk reads 4 entries. */
static struct vml_sim *tiny_sim(void)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 64ull << 20;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake:l1d.4k=2x2,stlb.4k+2m=4x4,pwc.pml4=0,pwc.pdpt=0,"
                                         "pwc.pd=0",
                                         &cfg.cpu, NULL),
                     0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_sim *sim;
    assert_int_equal(vml_sim_create(&cfg, &sim, NULL), 0);
    return sim;
}

/* Nine reads over five populated pages, worked out entry by entry (L1 and STLB contents after
 * each, most recent last):
 *   1 P0       L1 miss, STLB miss, walk      L1 P0        STLB P0
 *   2 P0+8     L1 hit (the shortcut)
 *   3 P1       miss, miss, walk              L1 P0 P1     STLB P0 P1
 *   4 P2       miss, miss, walk              L1 P1 P2     STLB P0 P1 P2
 *   5 P0       L1 miss, STLB hit             L1 P2 P0     STLB P1 P2 P0
 *   6 P3       miss, miss, walk              L1 P0 P3     STLB P1 P2 P0 P3
 *   7 P4       miss, miss, walk (evicts P1)  L1 P3 P4     STLB P2 P0 P3 P4
 *   8 P1       miss, miss, walk (evicts P2)  L1 P4 P1     STLB P0 P3 P4 P1
 *   9 P2+4095, 2 bytes: spans P2 and P3
 *     P2       miss, miss, walk (evicts P0)  L1 P1 P2     STLB P3 P4 P1 P2
 *     P3       L1 miss, STLB hit             L1 P2 P3     STLB P4 P1 P2 P3
 * Cycles: 1 L1 hit (1) + 2 STLB hits (1 + 8) + 7 walks (1 + 8 + 5 + 4 x 24) = 789. */
static void hand_counted_tiny_tlb(bool no_shortcut)
{
    struct vml_sim *sim = tiny_sim();
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 5 * PG, RW,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_POPULATE, -1, 0,
                                  &b),
                     0);
    struct vml_trace_rec t[] = {
        rec(b, VML_READ, 8),          rec(b + 8, VML_READ, 8),  rec(b + PG, VML_READ, 8),
        rec(b + 2 * PG, VML_READ, 8), rec(b, VML_READ, 8),      rec(b + 3 * PG, VML_READ, 8),
        rec(b + 4 * PG, VML_READ, 8), rec(b + PG, VML_READ, 8), rec(b + 3 * PG - 1, VML_READ, 2),
    };
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, no_shortcut, &r), 0);
    size_t done = 0;
    assert_int_equal(vml_replay_feed(r, t, 9, &done, NULL), 0);
    assert_int_equal(done, 9);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.records, 9);
    assert_int_equal(s.spanning, 1);
    assert_int_equal(s.shortcut, no_shortcut ? 0 : 1);
    assert_int_equal(s.mmu.accesses[VML_READ], 10);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_4K], 1);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].misses[VML_PS_4K], 9);
    assert_int_equal(s.mmu.tlb[VML_TLB_STLB].hits[VML_PS_4K], 2);
    assert_int_equal(s.mmu.tlb[VML_TLB_STLB].misses[VML_PS_4K], 7);
    assert_int_equal(s.mmu.walks, 7);
    assert_int_equal(s.mmu.walk_refs, 28);
    assert_int_equal(s.mmu.cycles, 789);
    assert_int_equal(s.minor_faults + s.major_faults, 0);
    assert_false(s.killed);
    vml_replay_destroy(r);
    char why[256];
    assert_int_equal(vml_sim_check(sim, why, sizeof(why)), 0);
    vml_sim_destroy(sim);
}

static void test_tiny_tlb(void **state)
{
    (void)state;
    hand_counted_tiny_tlb(false);
    hand_counted_tiny_tlb(true);
}

/* Three sequential passes, one read per page, over `pages` populated pages, on a machine whose
 * STLB is one fully associative LRU array of 4096 entries (hashed unless hash_min says
 * otherwise), with an L1 dTLB of one 2-way set and no page-walk caches; returns the stats. */
static struct vml_replay_stats fa_stlb_passes(unsigned pages, uint32_t hash_min)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 64ull << 20;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake:l1d.4k=2x2,stlb.4k+2m=4096xfull,pwc.pml4=0,"
                                         "pwc.pdpt=0,pwc.pd=0",
                                         &cfg.cpu, NULL),
                     0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_sim *sim;
    uint32_t old = assoc_set_hash_min_ways(hash_min);
    assert_int_equal(vml_sim_create(&cfg, &sim, NULL), 0);
    assoc_set_hash_min_ways(old);
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, pages * PG, RW,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_POPULATE, -1, 0,
                                  &b),
                     0);
    struct vml_trace_rec *t = calloc(3 * (size_t)pages, sizeof(*t));
    assert_non_null(t);
    for (size_t i = 0; i < 3 * (size_t)pages; i++)
        t[i] = rec(b + (i % pages) * PG, VML_READ, 8);
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    assert_int_equal(vml_replay_feed(r, t, 3 * (size_t)pages, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    vml_replay_destroy(r);
    char why[256];
    assert_int_equal(vml_sim_check(sim, why, sizeof(why)), 0);
    vml_sim_destroy(sim);
    free(t);
    return s;
}

/* A 4096-entry fully associative STLB, hashed and linear (the same geometry with hashing off),
 * counted by hand. The 2-entry L1 misses every read of a cycle over thousands of pages; a walk
 * reads 4 entries and costs 1 + 8 + 5 + 4 x 24 = 110 cycles, an STLB hit 1 + 8 = 9.
 * - 4096 pages: the first pass walks each page once and fills the STLB exactly; the next two
 *   hit it for every page: 8192 hits, 4096 walks, 4096 x 110 + 8192 x 9 = 524288 cycles.
 * - 4097 pages: one more than the STLB holds, so LRU always evicts the page the cycle reaches
 *   next: every read of every pass walks, 12291 walks, 12291 x 110 = 1352010 cycles. (A
 *   replacement other than LRU, most recently used or random, would keep some pages.) */
static void test_fa_stlb_hand_counted(void **state)
{
    (void)state;
    assert_true(ASSOC_HASH_MIN_WAYS <= 4096); /* the array is hashed by default */
    for (unsigned k = 0; k < 2; k++) {
        uint32_t hash_min = k ? UINT32_MAX : ASSOC_HASH_MIN_WAYS;
        struct vml_replay_stats s = fa_stlb_passes(4096, hash_min);
        assert_int_equal(s.records, 12288);
        assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_4K], 0);
        assert_int_equal(s.mmu.tlb[VML_TLB_L1D].misses[VML_PS_4K], 12288);
        assert_int_equal(s.mmu.tlb[VML_TLB_STLB].hits[VML_PS_4K], 8192);
        assert_int_equal(s.mmu.tlb[VML_TLB_STLB].misses[VML_PS_4K], 4096);
        assert_int_equal(s.mmu.walks, 4096);
        assert_int_equal(s.mmu.walk_refs, 4 * 4096);
        assert_int_equal(s.mmu.cycles, 524288);
        assert_int_equal(s.minor_faults + s.major_faults, 0);

        s = fa_stlb_passes(4097, hash_min);
        assert_int_equal(s.records, 12291);
        assert_int_equal(s.mmu.tlb[VML_TLB_STLB].hits[VML_PS_4K], 0);
        assert_int_equal(s.mmu.tlb[VML_TLB_STLB].misses[VML_PS_4K], 12291);
        assert_int_equal(s.mmu.walks, 12291);
        assert_int_equal(s.mmu.walk_refs, 4 * 12291);
        assert_int_equal(s.mmu.cycles, 1352010);
    }
}

/* A write after reads of the same page: the read left a clean entry, so the write is no
 * shortcut but a dirty assist (the page was populated by a write, D is already set in the
 * PTE, so no walk), after which the page's reads and writes are L1 hits. */
static void test_write_after_read(void **state)
{
    (void)state;
    struct vml_sim *sim = tiny_sim();
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, PG, RW,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_POPULATE, -1, 0,
                                  &b),
                     0);
    struct vml_trace_rec t[] = { rec(b, VML_READ, 8), rec(b + 8, VML_WRITE, 8),
                                 rec(b + 16, VML_READ, 8), rec(b + 24, VML_WRITE, 8) };
    struct vml_replay_stats s[2];
    for (int ns = 0; ns < 2; ns++) {
        struct vml_replay *r;
        assert_int_equal(vml_replay_attach(sim, pid, ns, &r), 0);
        vml_mmu_flush_all(vml_sim_cpu(sim, 0), true);
        assert_int_equal(vml_replay_feed(r, t, 4, NULL, NULL), 0);
        vml_replay_stats(r, &s[ns]);
        vml_replay_destroy(r);
    }
    assert_int_equal(s[0].shortcut, 2);
    s[0].shortcut = s[1].shortcut = 0;
    assert_memory_equal(&s[0], &s[1], sizeof(s[0]));
    assert_int_equal(s[0].mmu.tlb[VML_TLB_L1D].hits[VML_PS_4K], 3);
    assert_int_equal(s[0].mmu.tlb[VML_TLB_L1D].misses[VML_PS_4K], 1);
    vml_sim_destroy(sim);
}

/* Standalone: memory appears on demand, one region per touched GiB, one fault per page;
 * addresses no process can map are skipped and counted. */
static void test_demand_mapping(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[] = {
        rec(0x40000000, VML_WRITE, 8),       rec(0x40001000, VML_READ, 8),
        rec(0x40000008, VML_READ, 8),        rec(0x7f0000000000, VML_EXEC, 4),
        rec(0x7f0000000000, VML_READ, 8),    rec(0xffff888000000000ull, VML_READ, 8),
        rec(0x800000000000ull, VML_READ, 8), rec(0x1000, VML_READ, 8),
    };
    assert_int_equal(vml_replay_feed(r, t, 8, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.records, 8);
    assert_int_equal(s.regions_mapped, 2);
    /* Write fault, read fault (zero page), exec fault; the read after the fetch finds the
     * page mapped. */
    assert_int_equal(s.minor_faults, 3);
    assert_int_equal(s.skipped, 3);
    assert_int_equal(s.skipped_low, 1); /* 0x1000 */
    assert_int_equal(s.first_skipped, 0xffff888000000000ull);
    assert_false(s.killed);
    /* One PML4 (root), two PDPT, two PD, two PT tables. */
    assert_int_equal(s.pt_tables[4], 1);
    assert_int_equal(s.pt_tables[3], 2);
    assert_int_equal(s.pt_tables[2], 2);
    assert_int_equal(s.pt_tables[1], 2);
    assert_int_equal(s.pt_bytes, 7 * PG);
    char why[256];
    assert_int_equal(vml_sim_check(vml_replay_sim(r), why, sizeof(why)), 0);
    vml_replay_destroy(r);
}

/* With 2M pages the demand-mapped GiB is hugetlb memory from a pool grown for it: one fault
 * per 2 MiB page, no PT tables; below 2 MiB (nothing maps at 0) 4 KiB pages instead. */
static void test_huge_pages(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.pages = VML_PS_2M;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[] = {
        rec(0x40000000, VML_WRITE, 8),
        rec(0x401ff000, VML_READ, 8),
        rec(0x40200000, VML_READ, 8),
        rec(0x108000, VML_EXEC, 4),
    };
    assert_int_equal(vml_replay_feed(r, t, 4, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.minor_faults, 3);
    assert_int_equal(s.regions_mapped, 2);
    /* Each page's first access faults; its retry walks to the new page. */
    assert_int_equal(s.retry.walks_done[VML_PS_2M], 2);
    assert_int_equal(s.retry.walks_done[VML_PS_4K], 1);
    /* A GiB of 2M pages at 0x40000000; below 2 MiB, 4 KiB pages from mmap_min_addr. */
    assert_int_equal(s.mapped[VML_PS_2M], 1ull << 30);
    assert_int_equal(s.mapped[VML_PS_4K], (2ull << 20) - 0x10000);
    assert_int_equal(s.pt_tables[1], 1); /* the 4 KiB page at 0x108000 only */
    struct vml_sim_hugepages hp;
    assert_int_equal(vml_sim_hugepages(vml_replay_sim(r), VML_HUGE_2M, &hp), 0);
    assert_int_equal(hp.total, 512);
    assert_int_equal(hp.free, 510);
    char why[256];
    assert_int_equal(vml_sim_check(vml_replay_sim(r), why, sizeof(why)), 0);
    vml_replay_destroy(r);
}

/* Standalone with THP: the demand-mapped GiB at 0 is [64 KiB, 1 GiB) of 4K pages whose faults
 * go through the THP path. Five records, worked out by hand:
 *   0x12000 W   the PMD range [0, 2 MiB) starts below the VMA (thp_vma_suitable_order): a
 *               4 KiB page, its PT table allocated
 *   0x200000 W  a THP for [2, 4 MiB): thp_fault_alloc 1
 *   0x3ff000 R  inside it: an L1 dTLB hit on the 2M entry the retry left, no fault
 *   0x400000 R  a read of a new PMD range maps the huge zero page (use_zero_page=1), a 2M
 *               translation that no RSS counts
 *   0x400000 W  hits that read-only 2M entry in the L1 dTLB and faults on the permission; the
 *               write fault replaces the zero PMD with a new THP (do_huge_zero_wp_pmd):
 *               thp_fault_alloc 2
 * Four faults; two L1 dTLB hits on 2M entries; retries walk to 2M pages three times, to a 4K
 * page once; resident 4 MiB of
 * THPs and 4 KiB of 4K pages; one PT table in the tree (the deposited ones are not in it).
 * Under madvise, with the region advised MADV_HUGEPAGE, the same. Under never: 5 faults,
 * the read at 0x3ff000 and 0x400000 map the small zero page, the write copies: 3 pages of
 * 4 KiB resident, three PT tables (one per 2 MiB range touched), no THP counted. */
static void thp_standalone(enum vml_thp_mode mode)
{
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.thp = true;
    cfg.thp_enabled = mode;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    assert_int_equal(vml_sim_thp(vml_replay_sim(r))->enabled, mode);
    struct vml_trace_rec t[] = { rec(0x12000, VML_WRITE, 8), rec(0x200000, VML_WRITE, 8),
                                 rec(0x3ff000, VML_READ, 8), rec(0x400000, VML_READ, 8),
                                 rec(0x400000, VML_WRITE, 8) };
    assert_int_equal(vml_replay_feed(r, t, 5, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_true(s.thp);
    assert_int_equal(s.thp_enabled, mode);
    assert_int_equal(s.regions_mapped, 1);
    assert_int_equal(s.mapped[VML_PS_4K], (1ull << 30) - 0x10000);
    assert_int_equal(s.thp_fault_fallback, 0);
    /* PT tables for the 2 MiB ranges at 0, 2 and 4 MiB that map 4 KiB pages. */
    assert_int_equal(s.pt_tables[1], mode == VML_THP_NEVER ? 3 : 1);
    if (mode == VML_THP_NEVER) {
        assert_int_equal(s.minor_faults, 5);
        assert_int_equal(s.thp_fault_alloc, 0);
        assert_int_equal(s.anon_thp, 0);
        assert_int_equal(s.anon_4k, 3 * PG);
        assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_2M], 0);
    } else {
        assert_int_equal(s.minor_faults, 4);
        assert_int_equal(s.thp_fault_alloc, 2);
        assert_int_equal(s.anon_thp, 4ull << 20);
        assert_int_equal(s.anon_4k, PG);
        assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_2M], 2);
        assert_int_equal(s.retry.walks_done[VML_PS_2M], 3);
        assert_int_equal(s.retry.walks_done[VML_PS_4K], 1);
    }
    /* madvise advised the region, as a program would: smaps shows VmFlags hg. */
    struct vml_text txt = { 0 };
    assert_int_equal(vml_sim_proc_text(vml_replay_sim(r), vml_replay_pid(r), VML_SIM_SMAPS, 0x10000,
                                       0x10001, &txt),
                     0);
    assert_int_equal(strstr(txt.s, " hg") != NULL, mode == VML_THP_MADVISE);
    vml_text_free(&txt);
    char why[256];
    assert_int_equal(vml_sim_check(vml_replay_sim(r), why, sizeof(why)), 0);
    vml_replay_destroy(r);
}

static void test_thp_standalone(void **state)
{
    (void)state;
    thp_standalone(VML_THP_ALWAYS);
    thp_standalone(VML_THP_MADVISE);
    thp_standalone(VML_THP_NEVER);
    /* Without thp: the kernel's defaults (madvise) and no advice, so no THP. */
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t = rec(0x200000, VML_WRITE, 8);
    assert_int_equal(vml_replay_feed(r, &t, 1, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_false(s.thp);
    assert_int_equal(s.thp_fault_alloc, 0);
    assert_int_equal(s.anon_4k, PG);
    vml_replay_destroy(r);
    /* THP comes on 4K pages: not with hugetlb ones, nor with a mode that is none. */
    struct vml_diag d;
    cfg.thp = true;
    cfg.pages = VML_PS_2M;
    assert_int_equal(vml_replay_create(&cfg, &r, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "4K pages only"));
    cfg.pages = VML_PS_4K;
    cfg.thp_enabled = (enum vml_thp_mode)3;
    assert_int_equal(vml_replay_create(&cfg, &r, &d), VML_EINVAL);
}

/* Attached, as a scenario's replay: a mapping advised MADV_HUGEPAGE under the default
 * enabled=madvise gets THPs from the replay's faults, and its accesses 2M translations. 8 MiB
 * is 4 PMD ranges; one write in each of the first three (0, 2 MiB + 8, 4 MiB + 4096): three
 * THP faults; then a read in each: three L1 dTLB hits on 2M entries (skylake holds 32). The
 * last 2 MiB, advised too but only read, maps the huge zero page. */
static void test_attached_madv_hugepage(void **state)
{
    (void)state;
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 256ull << 20;
    cfg.phys.nr_nodes = 1;
    cfg.cpu = *vml_cpu_preset_find("skylake");
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_sim *sim;
    assert_int_equal(vml_sim_create(&cfg, &sim, NULL), 0);
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    /* A 2 MiB-aligned buffer: mapped at a fixed aligned address. */
    assert_int_equal(vml_sim_mmap(sim, pid, 0x40000000, 8ull << 20, RW,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0, &b),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, b, 8ull << 20, VML_MADV_HUGEPAGE), 0);
    const uint64_t M2 = 2ull << 20;
    struct vml_trace_rec t[] = {
        rec(b, VML_WRITE, 8),
        rec(b + M2 + 8, VML_WRITE, 8),
        rec(b + 2 * M2 + PG, VML_WRITE, 8),
        rec(b + 100, VML_READ, 8),
        rec(b + M2 + 5 * PG, VML_READ, 8),
        rec(b + 2 * M2 + 9 * PG, VML_READ, 8),
        rec(b + 3 * M2, VML_READ, 8),
    };
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    assert_int_equal(vml_replay_feed(r, t, 7, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_false(s.thp);
    assert_int_equal(s.thp_enabled, VML_THP_MADVISE);
    assert_int_equal(s.minor_faults, 4);
    assert_int_equal(s.thp_fault_alloc, 3);
    assert_int_equal(s.thp_fault_fallback, 0);
    assert_int_equal(s.retry.walks_done[VML_PS_2M], 4);
    assert_int_equal(s.retry.walks_done[VML_PS_4K], 0);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_2M], 3);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_4K], 0);
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_rollup(sim, pid, &c), 0);
    assert_int_equal(c.anon_huge_pages, 3 * 2048); /* kB */
    vml_replay_destroy(r);
    char why[256];
    assert_int_equal(vml_sim_check(sim, why, sizeof(why)), 0);
    vml_sim_destroy(sim);
}

/* Attached: the process's own mappings apply; an access outside them kills it (SIGSEGV,
 * SEGV_MAPERR) and ends the replay there. */
static void test_attached_segv(void **state)
{
    (void)state;
    struct vml_sim *sim = tiny_sim();
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, PG, RW, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &b), 0);
    struct vml_trace_rec t[] = { rec(b, VML_WRITE, 8), rec(0x10000000, VML_READ, 8),
                                 rec(b, VML_READ, 8) };
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    size_t done;
    assert_int_equal(vml_replay_feed(r, t, 3, &done, NULL), 0);
    assert_int_equal(done, 2);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_true(s.killed);
    assert_int_equal(s.si_code, VML_SEGV_MAPERR);
    assert_int_equal(s.kill_addr, 0x10000000);
    assert_int_equal(s.records, 2);
    assert_int_equal(s.minor_faults, 1);
    vml_replay_destroy(r);
    struct vml_sim_death d;
    assert_int_equal(vml_sim_status_of(sim, pid, &d), VML_ENOENT);
    assert_true(d.killed);
    vml_sim_destroy(sim);
}

static void test_bad_records(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.nr_cpus = 2;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[] = { rec(0x40000000, VML_READ, 8), rec(0x40000000, VML_READ, 8),
                                 rec(0x40000000, 3, 8) };
    t[1].cpu = 2;
    struct vml_diag d;
    size_t done;
    assert_int_equal(vml_replay_feed(r, t, 3, &done, &d), VML_EINVAL);
    assert_int_equal(done, 1);
    assert_non_null(strstr(d.msg, "CPU 2"));
    assert_int_equal(vml_replay_feed(r, t + 2, 1, &done, &d), VML_EINVAL);
    assert_int_equal(done, 0);
    assert_non_null(strstr(d.msg, "kind 3"));
    vml_replay_destroy(r);

    enum vml_page_size ps;
    assert_int_equal(vml_replay_pages_parse("2M", &ps, &d), 0);
    assert_int_equal(ps, VML_PS_2M);
    assert_int_equal(vml_replay_pages_parse("thp", &ps, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "(--thp)"));
    assert_int_equal(vml_replay_pages_parse("8k", &ps, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "\"8k\""));
}

/* vml_mmu_prefetch is a host hint: no counter, TLB entry or accessed bit changes, whatever the
 * address (mapped, unmapped, huge, non-canonical). */
static void test_prefetch_no_effect(void **state)
{
    (void)state;
    struct vml_sim *sim = tiny_sim();
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 4 * PG, RW,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_POPULATE, -1, 0,
                                  &b),
                     0);
    unsigned c;
    assert_int_equal(vml_sim_enter(sim, pid, &c), 0);
    struct vml_cpu *cpu = vml_sim_cpu(sim, c);
    struct vml_mmu_stats before = *vml_cpu_stats(cpu);
    struct vml_text t0 = { 0 }, t1 = { 0 };
    assert_int_equal(vml_sim_proc_text(sim, pid, VML_SIM_SMAPS, 0, 0, &t0), 0);
    const uint64_t addrs[] = { b, b + PG, b + 3 * PG + 8, 0x10000000, 0x800000000000ull, 0, ~0ull };
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
        vml_mmu_prefetch(cpu, addrs[i]);
    assert_memory_equal(&before, vml_cpu_stats(cpu), sizeof(before));
    assert_int_equal(vml_sim_proc_text(sim, pid, VML_SIM_SMAPS, 0, 0, &t1), 0);
    assert_int_equal(t0.len, t1.len);
    assert_memory_equal(t0.s, t1.s, t0.len);
    char why[256];
    assert_int_equal(vml_sim_check(sim, why, sizeof(why)), 0);
    vml_text_free(&t0);
    vml_text_free(&t1);
    vml_sim_destroy(sim);
}

/* ---- issue 13: what replay did, counted once, and where it stops -------------------------- */

/* An access that faults is one access: counted by its first translation (misses in the fault
 * column), its retry after the kernel's fix apart. Tiny TLB, no page-walk caches (a walk that
 * finds the page reads 4 entries), two pages mapped but not touched:
 *   1 W P0   L1 miss, STLB miss, walk -> not-present fault; retry: L1 miss, STLB miss, walk
 *   2 R P0+8 L1 hit (the write's entry allows reads)
 *   3 W P1   as 1
 *   4 R P0   L1 hit (L1 holds P0 and P1)
 * Main: 4 accesses, 2 L1 hits, 2 L1 and 2 STLB misses in the fault column, 2 walks, none
 * done. Retries: 2 writes, 2 L1 and 2 STLB misses at 4K, 2 walks done at 4K, 8 references,
 * 2 x (1 + 8 + 5 + 4 x 24) = 220 cycles. Before, the table counted 6 accesses. */
static void test_retries_apart(void **state)
{
    (void)state;
    struct vml_sim *sim = tiny_sim();
    int pid;
    uint64_t b;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, 2 * PG, RW, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &b), 0);
    struct vml_trace_rec t[] = { rec(b, VML_WRITE, 8), rec(b + 8, VML_READ, 8),
                                 rec(b + PG, VML_WRITE, 8), rec(b, VML_READ, 8) };
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    assert_int_equal(vml_replay_feed(r, t, 4, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.records, 4);
    assert_int_equal(s.minor_faults, 2);
    assert_int_equal(s.mmu.accesses[VML_READ] + s.mmu.accesses[VML_WRITE], 4);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].hits[VML_PS_4K], 2);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].misses[VML_PS_4K], 0);
    assert_int_equal(s.mmu.tlb[VML_TLB_L1D].misses[VML_PS_COUNT], 2);
    assert_int_equal(s.mmu.tlb[VML_TLB_STLB].misses[VML_PS_4K], 0);
    assert_int_equal(s.mmu.tlb[VML_TLB_STLB].misses[VML_PS_COUNT], 2);
    assert_int_equal(s.mmu.walks, 2);
    assert_int_equal(s.mmu.walks_done[VML_PS_4K], 0);
    assert_int_equal(s.mmu.faults[VML_FAULT_NOT_PRESENT], 2);
    assert_int_equal(s.retry.accesses[VML_WRITE], 2);
    assert_int_equal(s.retry.accesses[VML_READ], 0);
    assert_int_equal(s.retry.tlb[VML_TLB_L1D].misses[VML_PS_4K], 2);
    assert_int_equal(s.retry.tlb[VML_TLB_STLB].misses[VML_PS_4K], 2);
    assert_int_equal(s.retry.walks, 2);
    assert_int_equal(s.retry.walks_done[VML_PS_4K], 2);
    assert_int_equal(s.retry.walk_refs, 8);
    assert_int_equal(s.retry.cycles, 220);
    /* The JSON report carries the retries as a field of their own. */
    struct vml_text j = { 0 };
    vml_replay_report_json(&s, vml_cpu_model(vml_sim_cpu(sim, 0)), &j);
    assert_non_null(strstr(j.s, "\"translations\":4,"));
    assert_non_null(strstr(j.s, "\"retries\":{\"translations\":2,"));
    vml_text_free(&j);
    vml_replay_destroy(r);
    vml_sim_destroy(sim);
}

/* The top GiB of user space, where a stack without ASLR lives: the GiB cannot be mapped whole
 * (it would end past TASK_SIZE, 2^47 - 4 KiB, and the process's stack is there), so 2 MiB is;
 * the stack's page is the stack's; the last page, past TASK_SIZE, is skipped. Before, the
 * demand mapper asked for the GiB as it is and the replay failed at record 1 without a
 * reason. With 1G pages the same: no 1 GiB page fits there, a 2 MiB one does. */
static void test_top_of_user_space(void **state)
{
    (void)state;
    for (int ps = VML_PS_4K; ps <= VML_PS_1G; ps += 2) {
        struct vml_replay_config cfg;
        vml_replay_defaults(&cfg);
        cfg.pages = (enum vml_page_size)ps;
        struct vml_replay *r;
        assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
        struct vml_trace_rec t[] = { rec(0x7fffd0000000ull, VML_WRITE, 8),
                                     rec(0x7ffffffde000ull, VML_WRITE, 8),
                                     rec(0x7ffffffff000ull, VML_READ, 8) };
        struct vml_diag d = { 0 };
        size_t done = 0;
        assert_int_equal(vml_replay_feed(r, t, 3, &done, &d), 0);
        assert_int_equal(done, 3);
        struct vml_replay_stats s;
        vml_replay_stats(r, &s);
        assert_int_equal(s.minor_faults, 2);
        assert_int_equal(s.regions_mapped, 1);
        assert_int_equal(s.mapped[ps == VML_PS_1G ? VML_PS_2M : VML_PS_4K], 2ull << 20);
        assert_int_equal(s.skipped, 1);
        assert_int_equal(s.skipped_low, 0);
        assert_false(s.killed);
        vml_replay_destroy(r);
    }
}

/* Below mmap_min_addr nothing maps, however often it is touched: each access is skipped and
 * the trace goes on. Before, the second access to the same page took the "tried before"
 * answer for a mapping, the kernel killed the process and later records were dropped. */
static void test_below_min_addr(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[] = { rec(0x1000, VML_READ, 8), rec(0x1008, VML_READ, 8),
                                 rec(0x1000, VML_WRITE, 8), rec(0xfff8, VML_READ, 8),
                                 rec(0x40000000, VML_WRITE, 8) };
    size_t done = 0;
    assert_int_equal(vml_replay_feed(r, t, 5, &done, NULL), 0);
    assert_int_equal(done, 5);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_false(s.killed);
    assert_int_equal(s.records, 5);
    assert_int_equal(s.skipped, 4);
    assert_int_equal(s.skipped_low, 4);
    assert_int_equal(s.first_skipped, 0x1000);
    assert_int_equal(s.minor_faults, 1); /* the last record's page */
    vml_replay_destroy(r);
}

/* 2M pages in 1 GiB of RAM: a whole GiB of them (512 pages, all of RAM) cannot be had, so the
 * pool grows by one page per 2 MiB region touched. Before, record 1 failed. 32 records, one
 * per 2 MiB of 64 MiB: 32 faults, 32 regions, 64 MiB of 2M pages in a pool of 32. */
static void test_huge_pages_small_ram(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.pages = VML_PS_2M;
    cfg.ram = 1ull << 30;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[32];
    for (unsigned i = 0; i < 32; i++)
        t[i] = rec(0x40000000 + ((uint64_t)i << 21), VML_WRITE, 8);
    struct vml_diag d = { 0 };
    size_t done = 0;
    assert_int_equal(vml_replay_feed(r, t, 32, &done, &d), 0);
    assert_int_equal(done, 32);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.minor_faults, 32);
    assert_int_equal(s.regions_mapped, 32);
    assert_int_equal(s.mapped[VML_PS_2M], 64ull << 20);
    assert_int_equal(s.retry.walks_done[VML_PS_2M], 32);
    struct vml_sim_hugepages hp;
    assert_int_equal(vml_sim_hugepages(vml_replay_sim(r), VML_HUGE_2M, &hp), 0);
    assert_int_equal(hp.total, 32);
    vml_replay_destroy(r);
}

/* 1G pages fall back to 2M, then to 4K, where a bigger page cannot go:
 *   0x400000      the first GiB holds mmap_min_addr: a 2M page (2 MiB region)
 *   0x40000000    a 1G page (1 GiB region)
 *   0x7fffd0000000 the top GiB would end past TASK_SIZE: a 2M page
 *   0x12000       the first 2 MiB holds mmap_min_addr: 4K pages, [64 KiB, 2 MiB)
 * Before, everything but the 1G page was mapped with 4K pages, the report saying 1G. */
static void test_1g_fallback(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.pages = VML_PS_1G;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    struct vml_trace_rec t[] = { rec(0x400000, VML_READ, 8), rec(0x40000000, VML_WRITE, 8),
                                 rec(0x7fffd0000000ull, VML_WRITE, 8), rec(0x12000, VML_WRITE, 8) };
    assert_int_equal(vml_replay_feed(r, t, 4, NULL, NULL), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_int_equal(s.regions_mapped, 4);
    assert_int_equal(s.mapped[VML_PS_1G], 1ull << 30);
    assert_int_equal(s.mapped[VML_PS_2M], 4ull << 20);
    assert_int_equal(s.mapped[VML_PS_4K], (2ull << 20) - 0x10000);
    assert_int_equal(s.retry.walks_done[VML_PS_1G], 1);
    assert_int_equal(s.retry.walks_done[VML_PS_2M], 2);
    assert_int_equal(s.retry.walks_done[VML_PS_4K], 1);
    vml_replay_destroy(r);
}

/* Simulated RAM runs out: with no swap, reclaim finds nothing and the OOM killer kills the one
 * process, which ends the replay without an error (a kill, VML_SI_OOM). 64 MiB is 16384 pages;
 * a page a record, with no zero page, it cannot last 16384 records (the kernel's own pages and
 * the page tables come out of it too). */
static void test_ram_exhausted(void **state)
{
    (void)state;
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.ram = 64ull << 20;
    cfg.no_zero_page = true;
    struct vml_replay *r;
    assert_int_equal(vml_replay_create(&cfg, &r, NULL), 0);
    enum { N = 16384 };
    struct vml_trace_rec *t = calloc(N, sizeof(*t));
    assert_non_null(t);
    for (unsigned i = 0; i < N; i++)
        t[i] = rec(0x40000000 + (uint64_t)i * PG, VML_READ, 8);
    struct vml_diag d = { 0 };
    size_t done = N;
    assert_int_equal(vml_replay_feed(r, t, N, &done, &d), 0);
    struct vml_replay_stats s;
    vml_replay_stats(r, &s);
    assert_true(s.killed);
    assert_int_equal(s.si_code, VML_SI_OOM);
    assert_true(s.records < N);
    /* Every record before the one that was killed faulted once, minor. */
    assert_int_equal(s.minor_faults, s.records - 1);
    free(t);
    vml_replay_destroy(r);
}

/* ---- the shortcut against translating everything ----------------------------------------- */

static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Local, mixed traffic on several CPUs: runs of accesses within a page, jumps between a few
 * hot pages and a cold range, all kinds, sizes that span pages. */
static void random_trace(uint64_t seed, struct vml_trace_rec *t, size_t n, unsigned cpus)
{
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1, va = 0x40000000;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = next(&s);
        switch (x % 8) {
        case 0:
            va = 0x40000000 + (x >> 8) % (64 * PG); /* hot pages */
            break;
        case 1:
            va = 0x80000000 + ((x >> 8) % (1u << 30)); /* a cold GiB */
            break;
        case 2:
            va = 0x7f0000000000 + (x >> 8) % (8 * PG); /* another region */
            break;
        default:
            va += (x >> 8) % 64; /* within or just across the page */
            break;
        }
        unsigned kind = (unsigned)((x >> 40) % 5);
        t[i] = rec(va,
                   kind < 3    ? VML_READ
                   : kind == 3 ? VML_WRITE
                               : VML_EXEC,
                   (unsigned)(1u << ((x >> 50) % 4)));
        t[i].cpu = (uint32_t)((x >> 56) % cpus);
    }
}

static int shortcut_seed(uint64_t seed, unsigned long ops)
{
    static const char *const cpus[] = { "skylake", "zen4", "skylake:l1d.4k=4x2,stlb.4k+2m=16x4" };
    size_t n = (size_t)ops;
    struct vml_trace_rec *t = malloc(n * sizeof(*t));
    if (!t)
        return 1;
    int bad = 0;
    /* Per CPU model: 4K, 2M and 1G pages, and 4K pages with THP always (2M and 4K mixed, the
     * huge zero page's write faults flushing the TLB). */
    for (size_t c = 0; c < 12 && !bad; c++) {
        enum vml_page_size pages = (enum vml_page_size)(c % 4 == 3 ? 0 : c % 4);
        bool thp = c % 4 == 3;
        random_trace(seed + c, t, n, 2);
        struct vml_replay_stats s[2];
        for (int ns = 0; ns < 2; ns++) {
            struct vml_replay_config cfg;
            vml_replay_defaults(&cfg);
            cfg.nr_cpus = 2;
            cfg.no_shortcut = ns;
            cfg.pages = pages;
            cfg.thp = thp;
            cfg.thp_enabled = VML_THP_ALWAYS;
            if (vml_cpu_model_parse(cpus[c / 4], &cfg.cpu, NULL))
                return 1;
            struct vml_replay *r;
            if (vml_replay_create(&cfg, &r, NULL))
                return 1;
            for (size_t i = 0; i < n; i += 1000)
                if (vml_replay_feed(r, t + i, n - i < 1000 ? n - i : 1000, NULL, NULL))
                    bad = 1;
            vml_replay_stats(r, &s[ns]);
            char why[256];
            if (vml_sim_check(vml_replay_sim(r), why, sizeof(why))) {
                fprintf(stderr, "seed %llu cpu %s pages %s%s: %s\n", (unsigned long long)seed,
                        cpus[c / 4], vml_ps_name(pages), thp ? " thp" : "", why);
                bad = 1;
            }
            vml_replay_destroy(r);
        }
        if (s[0].shortcut == 0 || s[1].shortcut != 0)
            bad = 1;
        s[0].shortcut = s[1].shortcut = 0;
        if (memcmp(&s[0], &s[1], sizeof(s[0])) != 0)
            bad = 1;
        if (bad)
            fprintf(
                stderr,
                "seed %llu cpu %s pages %s%s: the shortcut changed the counts (VMLAB_SEED=%llu)\n",
                (unsigned long long)seed, cpus[c / 4], vml_ps_name(pages), thp ? " thp" : "",
                (unsigned long long)seed);
    }
    free(t);
    return bad;
}

static void test_shortcut_exact(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 2, 3 };
    assert_int_equal(run_seeds(shortcut_seed, seeds, 3, 60000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_tlb),
        cmocka_unit_test(test_write_after_read),
        cmocka_unit_test(test_demand_mapping),
        cmocka_unit_test(test_huge_pages),
        cmocka_unit_test(test_thp_standalone),
        cmocka_unit_test(test_attached_madv_hugepage),
        cmocka_unit_test(test_attached_segv),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_prefetch_no_effect),
        cmocka_unit_test(test_shortcut_exact),
        cmocka_unit_test(test_retries_apart),
        cmocka_unit_test(test_top_of_user_space),
        cmocka_unit_test(test_below_min_addr),
        cmocka_unit_test(test_huge_pages_small_ram),
        cmocka_unit_test(test_1g_fallback),
        cmocka_unit_test(test_ram_exhausted),
        cmocka_unit_test(test_fa_stlb_hand_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
