/* test_thp_fidelity.c: THP results that `vmlab diff` of the fidelity scenarios
 * tests/fidelity/51-thp-*.vml ... found wrong in the simulator, each checked against the 6.18
 * source and this machine's kernel (docs/thp.md lists them). Expected values are hand arithmetic
 * written beside each assertion; each test ends with vml_sim_check() == 0.
 *
 * Layout with ASLR off: mmap_base 0x7ffff7fff000; an anonymous mapping whose length is a
 * multiple of 2 MiB is placed 2 MiB aligned (thp_get_unmapped_area_vmflags).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB   (1024ull * 1024)
#define PG   4096ull
#define HP   (2 * MB)
#define RW   (VML_PROT_READ | VML_PROT_WRITE)
#define ANON (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS)

static struct vml_sim *live;

static int teardown(void **state)
{
    (void)state;
    vml_sim_destroy(live);
    live = NULL;
    return 0;
}

/* 512 MiB, one node, one Skylake CPU, the kernel's THP defaults (enabled=madvise). */
static struct vml_sim *new_sim(void)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 512 * MB;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    if (vml_cpu_model_parse("skylake", &cfg.cpu, &d) != 0)
        fail_msg("cpu: %s", d.msg);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    int r = vml_sim_create(&cfg, &live, &d);
    if (r)
        fail_msg("vml_sim_create: %s (%s)", vml_strerror(r), d.msg);
    return live;
}

static uint64_t ev(const struct vml_sim *sim, enum vml_vmstat_item item)
{
    struct vml_vmstat vs;
    vml_sim_vmstat(sim, &vs);
    return vs.v[item];
}

static struct vml_thp_stats pmd_stats(const struct vml_sim *sim)
{
    struct vml_thp_stats st;
    assert_int_equal(vml_sim_thp_stats(sim, VML_THP_PMD_ORDER, &st), 0);
    return st;
}

/* A process with one 2 MiB MADV_HUGEPAGE mapping written whole: one PMD-mapped THP. */
static uint64_t one_thp(struct vml_sim *sim, int *pid)
{
    assert_int_equal(vml_sim_spawn(sim, "t", pid), 0);
    uint64_t a = 0;
    assert_int_equal(vml_sim_mmap(sim, *pid, 0, HP, RW, ANON, -1, 0, &a), 0);
    assert_int_equal(a & (HP - 1), 0);
    assert_int_equal(vml_sim_madvise(sim, *pid, a, HP, VML_MADV_HUGEPAGE), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, *pid, a, a + HP, PG, VML_WRITE, &res), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_fault_alloc), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_nr_anon_transparent_hugepages), 1);
    return a;
}

/* mprotect of the 4 KiB page at +1 MiB of a PMD-mapped THP: the PMD is split (the VMA split
 * cuts it: vma_adjust_trans_huge), all 512 pages are then PTE-mapped, so the PMD's removal
 * unmaps none of them (__folio_remove_rmap: nr = 512 - 512 = 0) and the folio is not partially
 * mapped: thp_split_pmd 1, thp_deferred_split_page 0 (measured: thp-findings Q3). Unmapping
 * that page afterwards leaves 511 of 512 mapped: now it is queued, once. */
static void test_mprotect_split_queues_no_deferred_split(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int pid;
    uint64_t a = one_thp(sim, &pid);
    assert_int_equal(vml_sim_mprotect(sim, pid, a + MB, PG, VML_PROT_READ), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_deferred_split_page), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_nr_anon_transparent_hugepages), 0);
    struct vml_thp_stats st = pmd_stats(sim);
    assert_int_equal(st.ev[VML_THP_STAT_split_deferred], 0);
    assert_int_equal(st.nr_anon_partially_mapped, 0);
    assert_int_equal(st.nr_anon, 1); /* the folio is still one order-9 folio */
    fixture_check(sim);
    /* mprotect back: 3 VMAs merge, the PTEs stay (nothing collapses), still nothing queued. */
    assert_int_equal(vml_sim_mprotect(sim, pid, a + MB, PG, RW), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_deferred_split_page), 0);
    fixture_check(sim);
    /* The page goes: 511 of 512 mapped, partially mapped. */
    assert_int_equal(vml_sim_munmap(sim, pid, a + MB, PG), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_deferred_split_page), 1);
    st = pmd_stats(sim);
    assert_int_equal(st.ev[VML_THP_STAT_split_deferred], 1);
    assert_int_equal(st.nr_anon_partially_mapped, 1);
    fixture_check(sim);
}

/* A THP split into 512 PTEs (mprotect of 4 KiB and back), fork, the child exits, the parent
 * writes every page. fork write-protects the 512 PTEs (copy_present_ptes), so each write
 * faults; the folio is mapped by the parent alone again (the child's exit took its 512 mappings
 * off the folio's per-mm counts: folio_sub_large_mapcount), so do_wp_page reuses each page in
 * place (wp_can_reuse_anon_folio -> __wp_can_reuse_large_anon_folio): 512 faults, pgreuse 512,
 * no new page, nothing unmapped, no deferred split. Measured on this kernel: minflt +512,
 * pgreuse +512, the same PFNs before and after. The child's mm must be named in the folio's
 * per-mm counts from fork on (mm_init gives it its id before dup_mmap), else its exit leaves
 * them counting it and the parent copies all 512 pages. */
static void test_reuse_pte_mapped_thp_after_child_exit(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int pid, child;
    uint64_t a = one_thp(sim, &pid);
    assert_int_equal(vml_sim_mprotect(sim, pid, a + MB, PG, VML_PROT_READ), 0);
    assert_int_equal(vml_sim_mprotect(sim, pid, a + MB, PG, RW), 0);
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    fixture_check(sim);
    assert_int_equal(vml_sim_exit(sim, child), 0);
    fixture_check(sim);
    uint64_t faults = ev(sim, VML_VMSTAT_pgfault), reuse = ev(sim, VML_VMSTAT_pgreuse);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, a, a + HP, PG, VML_WRITE, &res), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pgfault) - faults, 512);
    assert_int_equal(ev(sim, VML_VMSTAT_pgreuse) - reuse, 512);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_deferred_split_page), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_fault_alloc), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_nr_anon_pages), 512); /* the folio's pages, no copy */
    struct vml_thp_stats st = pmd_stats(sim);
    assert_int_equal(st.nr_anon, 1);
    assert_int_equal(st.nr_anon_partially_mapped, 0);
    fixture_check(sim);
}

/* A VMA edge that a merge (not a split) moves into a THP splits the PMD too: vma_modify ->
 * commit_merge -> vma_adjust_trans_huge. Below the THP's VMA [a, a + 2M) lies an empty VMA
 * advised MADV_NOHUGEPAGE; MADV_NOHUGEPAGE of [a, a + 512K) gives that piece the flags of the
 * VMA below, so it merges into it (vma_merge_existing_range, the left neighbour extended): the
 * boundary moves from a to a + 512K without any VMA split. Expected as the kernel: thp_split_pmd
 * 1, the 512 pages now mapped by PTEs (AnonHugePages 0, Rss still 2048 kB), no deferred split
 * (nothing unmapped), and the page tables agree with the VMAs (vml_sim_check). */
static void test_merge_moves_edge_into_thp(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int pid;
    uint64_t a = one_thp(sim, &pid);
    uint64_t below = 0;
    assert_int_equal(vml_sim_mmap(sim, pid, a - HP, HP, RW, ANON | VML_MAP_FIXED, -1, 0, &below),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, below, HP, VML_MADV_NOHUGEPAGE), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, a, MB / 2, VML_MADV_NOHUGEPAGE), 0);
    /* A merge: the mapping below now ends at a + 512K (a split would have made a third VMA). */
    struct vml_text maps = { 0 };
    assert_int_equal(vml_sim_proc_text(sim, pid, VML_SIM_MAPS, 0, 0, &maps), 0);
    char want[64];
    snprintf(want, sizeof(want), "%llx-%llx ", (unsigned long long)below,
             (unsigned long long)(a + MB / 2));
    assert_non_null(maps.s);
    assert_non_null(strstr(maps.s, want));
    free(maps.s);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_split_pmd), 1);
    assert_int_equal(ev(sim, VML_VMSTAT_nr_anon_transparent_hugepages), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_thp_deferred_split_page), 0);
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_smaps_sum(sim, pid, &c), 0);
    assert_int_equal(c.rss, 2048);
    assert_int_equal(c.anon_huge_pages, 0);
    fixture_check(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_mprotect_split_queues_no_deferred_split, teardown),
        cmocka_unit_test_teardown(test_reuse_pte_mapped_thp_after_child_exit, teardown),
        cmocka_unit_test_teardown(test_merge_moves_edge_into_thp, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
