/* test_swap_large.c: how reclaim swaps large anonymous folios (mm/vmscan.c shrink_folio_list,
 * mm/swapfile.c cluster_alloc_swap_entry in 6.18), against figures worked out here by hand:
 * on a swap file a large folio cannot get 2^order slots in a row ("Swapfile is not block
 * device"), so it is split and swapped page by page (thp_swpout_fallback for a PMD-sized one,
 * the size's swpout_fallback, a split each); on a partition it keeps its size: one run of
 * aligned slots in a cluster of its order, one write, thp_swpout or the size's swpout, no split.
 * MADV_PAGEOUT drives reclaim (reclaim_pages), so each case is exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"

#define MiB  (1ull << 20)
#define BASE 0x400000000ull

static struct vml_sim *machine(const char *mthp_file, const char *mthp_value, bool partition)
{
    const char *thp[] = { "enabled", "madvise", mthp_file, mthp_value, NULL };
    struct vml_sim *sim = fixture_sim(256 * MiB, mthp_file ? thp : thp + 2 + 2, 0);
    struct vml_diag d = { 0 };
    if (vml_sim_swapon(sim, "s1", 64 * MiB, -1, false, partition, &d))
        fail_msg("swapon: %s", d.msg);
    return sim;
}

static uint64_t ev(struct vml_sim *sim, enum vml_vmstat_item i)
{
    return fixture_vmstat(sim, i);
}

static uint64_t mthp(struct vml_sim *sim, unsigned order, unsigned item)
{
    struct vml_thp_stats s;
    assert_int_equal(vml_sim_thp_stats(sim, order, &s), 0);
    return s.ev[item];
}

/* The swap offset the PTE at va holds (it must be a swap entry). */
static uint64_t swap_offset_at(struct vml_sim *sim, int pid, uint64_t va)
{
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(sim_task(sim, pid)->mm->pt, va, &leaf), 0);
    assert_true(pte_is_swap(leaf.entry));
    return swp_offset(pte_to_swp_entry(leaf.entry));
}

/* A process with len bytes of anonymous memory at BASE, MADV_HUGEPAGE, written whole. */
static int writer(struct vml_sim *sim, uint64_t len)
{
    int pid;
    uint64_t addr;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, BASE, len, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0,
                                  &addr),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, len, VML_MADV_HUGEPAGE), 0);
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + len, 4096, VML_WRITE, &res), 0);
    return pid;
}

static uint64_t swaps_used_kb(struct vml_sim *sim)
{
    return (fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapTotal") -
            fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapFree"));
}

/* Two PMD THPs (4 MiB) paged out to a swap file: each falls back, split once (its PMD split
 * first: thp_split_pmd), 512 pages written one by one: 1024 pswpout, 4096 kB of swap used. */
static void test_pmd_file(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(NULL, NULL, false);
    int pid = writer(sim, 4 * MiB);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_fault_alloc), 2);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 4 * MiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout_fallback), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_page), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 1024);
    assert_int_equal(mthp(sim, 9, VML_THP_STAT_swpout_fallback), 2);
    assert_int_equal(mthp(sim, 9, VML_THP_STAT_swpout), 0);
    assert_int_equal(mthp(sim, 9, VML_THP_STAT_split), 2);
    assert_int_equal(swaps_used_kb(sim), 4096);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + 4 * MiB, "Swap"),
                     4096);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "AnonHugePages"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The same on a partition: each THP whole, in a cluster of its own. Cluster 0 holds the header
 * (slot 0), so the first free cluster is 1: slots 512-1023, then cluster 2: 1024-1535. The
 * PMDs are still split to be unmapped (TTU_SPLIT_HUGE_PMD): thp_split_pmd 2, thp_split_page 0. */
static void test_pmd_partition(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(NULL, NULL, true);
    int pid = writer(sim, 4 * MiB);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 4 * MiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout_fallback), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_page), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 1024);
    assert_int_equal(mthp(sim, 9, VML_THP_STAT_swpout), 2);
    assert_int_equal(mthp(sim, 9, VML_THP_STAT_split), 0);
    assert_int_equal(swap_offset_at(sim, pid, BASE), 512);
    assert_int_equal(swap_offset_at(sim, pid, BASE + 4096 * 511), 1023);
    assert_int_equal(swap_offset_at(sim, pid, BASE + 2 * MiB), 1024);
    assert_int_equal(swaps_used_kb(sim), 4096);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + 4 * MiB, "Swap"),
                     4096);
    fixture_check(sim);
    /* The pages come back one fault each (a swap device is not SWP_SYNCHRONOUS_IO, so no
     * large folio is read back): Swap 0 afterwards, Rss 4 MiB. */
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + 4 * MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + 4 * MiB, "Swap"), 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + 4 * MiB, "Rss"),
                     4096);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* 64 KiB mTHPs (order 4): 256 KiB is 4 folios. On a partition they get runs of 16 aligned slots
 * in one order-4 cluster, the cursor moving on: 512, 528, 544, 560; swpout 4 for 64 kB,
 * pswpout 64. On a file: swpout_fallback 4 and 4 splits, 64 pages written singly. */
static void test_mthp(void **state)
{
    (void)state;
    struct vml_sim *sim = machine("hugepages-64kB/enabled", "always", true);
    int pid = writer(sim, 256 << 10);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_anon_fault_alloc), 4);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 256 << 10, VML_MADV_PAGEOUT), 0);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_swpout), 4);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_swpout_fallback), 0);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_split), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout), 0); /* not PMD-sized */
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 64);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(swap_offset_at(sim, pid, BASE + i * (64 << 10)), 512 + 16 * i);
    assert_int_equal(swap_offset_at(sim, pid, BASE + 4096 * 63), 575);
    fixture_check(sim);
    vml_sim_destroy(sim);

    sim = machine("hugepages-64kB/enabled", "always", false);
    pid = writer(sim, 256 << 10);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 256 << 10, VML_MADV_PAGEOUT), 0);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_swpout), 0);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_swpout_fallback), 4);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_split), 4);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout_fallback), 0); /* not PMD-sized */
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 64);
    assert_int_equal(swaps_used_kb(sim), 256);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A partition too small for a run: 40 KiB is a header and 9 slots in one cluster (cluster 0,
 * never free), so an order-4 folio (16 slots) cannot get a run and falls back; its first 9
 * pages get slots, the other 7 find swap full and go back active (activate_locked_split). */
static void test_partition_full(void **state)
{
    (void)state;
    const char *thp[] = { "enabled", "madvise", "hugepages-64kB/enabled", "always", NULL };
    struct vml_sim *sim = fixture_sim(256 * MiB, thp, 0);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_swapon(sim, "p", 40 << 10, -1, false, true, &d), 0);
    int pid = writer(sim, 64 << 10);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 64 << 10, VML_MADV_PAGEOUT), 0);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_swpout_fallback), 1);
    assert_int_equal(mthp(sim, 4, VML_THP_STAT_split), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 9);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + (64 << 10), "Swap"),
                     36);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + (64 << 10), "Rss"),
                     28);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A THP with one page unmapped (munmap of [4K, 8K): its PMD split, the folio partially mapped)
 * and another whole, paged out over [8K, 4M) on a partition: the range cuts the first folio, so
 * madvise splits it (thp_split_page 1) and pages out its pages 2-511 singly (510 pswpout, page 0
 * outside the range stays: Rss 4 kB); the second goes whole (thp_swpout 1, 512 pswpout). PMD
 * splits: munmap's and the second folio's unmapping: 2. */
static void test_partial(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(NULL, NULL, true);
    int pid = writer(sim, 4 * MiB);
    assert_int_equal(vml_sim_munmap(sim, pid, BASE + 4096, 4096), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE + 8192, 4 * MiB - 8192, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_page), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_swpout_fallback), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 2);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout), 1022);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_SMAPS, BASE, BASE + 4096, "Rss"), 4);
    assert_int_equal(swaps_used_kb(sim), 1022 * 4);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pmd_file), cmocka_unit_test(test_pmd_partition),
        cmocka_unit_test(test_mthp),     cmocka_unit_test(test_partition_full),
        cmocka_unit_test(test_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
