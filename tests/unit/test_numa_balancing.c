/* test_numa_balancing.c: automatic NUMA balancing (mm/numa_balancing.c, docs/numa.md).
 *
 * The expectations are worked out by hand in the comments from the kernel's rules
 * (kernel/sched/fair.c: task_tick_numa, task_numa_work, task_numa_placement,
 * update_task_scan_period, should_numa_migrate_memory; mm/mprotect.c: change_prot_numa,
 * change_pmd_range; mm/memory.c: do_numa_page, numa_migrate_check; mm/huge_memory.c:
 * change_huge_pmd, do_huge_pmd_numa_page, copy_huge_pmd, __split_huge_pmd_locked; mm/migrate.c:
 * migrate_misplaced_folio_prepare, migrate_misplaced_folio), never from the simulator's own
 * output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h" /* the zones' free pages and watermarks, to fill a node */
#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <string.h>

#define MiB   (1ull << 20)
#define PG    4096ull
#define MS    1000000ull
#define PAGES 4096ull /* 16 MiB */

/* Node 0 of 1 GiB and node 1 of node1_mb MiB, CPUs 0-1 on node 0 and 2-3 on node 1, THP
 * enabled as thp says, NUMA balancing as s says. */
static struct vml_sim *machine(const struct vml_numab_settings *s, const char *thp_enabled,
                               uint64_t node1_mb)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, (1024 + node1_mb) * MiB);
    cfg.phys.nr_nodes = 2;
    cfg.phys.node_bytes[0] = 1024 * MiB;
    cfg.phys.node_bytes[1] = node1_mb * MiB;
    cfg.node_cpus[0] = cfg.node_cpus[1] = 2;
    cfg.nr_cpus = 4;
    struct vml_thp_settings thp;
    vml_thp_defaults(&thp);
    struct vml_diag d = { 0 };
    assert_int_equal(
        vml_thp_store(&thp, (size_t)vml_thp_find("enabled"), thp_enabled, strlen(thp_enabled), &d),
        0);
    cfg.thp = &thp;
    cfg.numab = s;
    return fixture_create(&cfg);
}

/* Two nodes of 1 GiB, no THP. */
static struct vml_sim *two_nodes(const struct vml_numab_settings *s)
{
    return machine(s, "never", 1024);
}

static void on_cpu(struct vml_sim *sim, int pid, unsigned cpu)
{
    uint64_t mask = 1ull << cpu;
    assert_int_equal(vml_sim_set_affinity(sim, pid, &mask, 1), 0);
    assert_int_equal(vml_sim_run_on(sim, cpu, pid), 0);
}

/* The node of every page of [addr, addr + n pages), all the same: that node, else -1. */
static int node_of_all(struct vml_sim *sim, int pid, uint64_t addr, uint64_t n)
{
    static uint64_t addrs[PAGES];
    static int status[PAGES];
    struct vml_diag d = { 0 };
    for (uint64_t i = 0; i < n; i++)
        addrs[i] = addr + i * PG;
    assert_int_equal(vml_sim_move_pages(sim, pid, n, addrs, NULL, status, 0, &d), 0);
    for (uint64_t i = 1; i < n; i++)
        if (status[i] != status[0])
            return -1;
    return status[0];
}

static uint64_t pte_at(struct vml_sim *sim, int pid, uint64_t va)
{
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(vml_sim_pagetable(sim, pid), va, &leaf), 0);
    assert_int_equal(leaf.level, 1);
    return leaf.entry;
}

static void touch(struct vml_sim *sim, int pid, uint64_t addr, enum vml_access a)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + PAGES * PG, PG, a, &res), 0);
    assert_false(res.killed);
}

/* Moves the clock to the instant at (ns since boot). */
static void advance_to(struct vml_sim *sim, uint64_t at)
{
    assert_true(vml_sim_now(sim) <= at);
    assert_int_equal(vml_sim_advance(sim, at - vml_sim_now(sim)), 0);
}

/*
 * A task on CPU 2 (node 1) whose 16 MiB (4096 pages, no THP) were first placed on node 0 by a
 * bind policy, then reset to the default policy. The defaults: scan_delay 1000 ms, period min
 * 1000, max 60000, scan_size 256 MB. The task is created at t = 0.
 *
 * - init_numa_balancing: numa_scan_period = scan_delay = 1000, node_stamp 0, the mm's
 *   numa_next_scan = 1000 ms. Before 1 s nothing is marked.
 * - 1000 ms: the first tick (runtime > node_stamp + 1000): numa_scan_period = task_scan_start =
 *   max(1000 / (2560 / 256), 1000 / nr_scan_windows) = max(100, 1000 / 1) = 1000 (RSS 4096
 *   pages < 65536 pages of scan size: one window); node_stamp = 1000 ms; next_scan is due:
 *   task_numa_work marks every present PTE not on node 1 (target_node: the task runs there):
 *   the 4096 data pages. numa_pte_updates = 4096, numa_huge_pte_updates = 0. The whole address
 *   space fits the 65536-page budget: numa_scan_seq 0 -> 1. numa_next_scan = 2000 ms.
 * - Each marked entry is x86's PROT_NONE: P clear, _PAGE_PROTNONE (bit 8) set, A set, the same
 *   frame; no RW, US or NX (PAGE_NONE).
 * - 1500 ms, a read of every page: 4096 hinting faults, none local (the pages are on node 0,
 *   the CPU on node 1). mpol_misplaced: the default policy, page not on the CPU's node;
 *   should_numa_migrate_memory: no preferred node and last_cpupid unset -> migrate. 4096 pages
 *   migrated (numa_pages_migrated, pgmigrate_success), all now on node 1; each entry present
 *   again, read-only (the migration entry of a PROT_NONE PTE is not writable).
 *   The first fault runs task_numa_placement (p->numa_scan_seq 0 != 1): no faults recorded yet
 *   (local + shared = 0) -> the period doubles to 2000 ms and numa_next_scan = 1500 + 2000 =
 *   3500 ms.
 * - A write of every page then: no hinting fault (write faults on read-only entries).
 * - 1800 ms: the task moves to CPU 0 (node 0): its pages are now remote.
 * - Ticks: node_stamp 1000 + period 2000 -> 3000 ms: next_scan (3500) not due: nothing.
 *   node_stamp 3000 -> next tick at 5000 ms: due: all 4096 pages (node 1, target node 0)
 *   marked: numa_pte_updates 8192 after 5 s, still 4096 at 4.9 s. (Without the adapted
 *   period the scan would have come at 2 s.) numa_next_scan = 5000 + 2000 = 7000 ms.
 * - 5500 ms, a read of every page: 4096 more hinting faults (8192), none local;
 *   should_numa_migrate_memory: preferred node still none (the first placement had no faults),
 *   last_cpupid this task's -> migrate: 8192 migrated, all pages back on node 0. The first
 *   fault's placement (seq 1 != 2) folds the 4096 private faults on node 1: preferred node 1;
 *   locality remote 4096, local 0, shared 0: local + shared = 0 again -> period 4000 ms,
 *   numa_next_scan = 5500 + 4000 = 9500 ms.
 */
static void test_balancing_moves_pages_to_the_task(void **state)
{
    (void)state;
    struct vml_numab_settings s;
    vml_numab_defaults(&s);
    s.mode = 1;
    struct vml_sim *sim = two_nodes(&s);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 2);
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, PAGES * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    struct vml_mpol bind0 = { VML_MPOL_BIND, 0, 1u }, dflt = { VML_MPOL_DEFAULT, 0, 0 };
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &bind0), 0);
    touch(sim, pid, addr, VML_WRITE);
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &dflt), 0);
    assert_int_equal(node_of_all(sim, pid, addr, PAGES), 0);
    assert_true(vml_sim_now(sim) < 900 * MS); /* the faults took less than the scan delay */
    uint64_t before = pte_at(sim, pid, addr);
    assert_true(before & VML_PTE_P);

    advance_to(sim, 999 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 0);
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 0);
    uint64_t marked = pte_at(sim, pid, addr);
    assert_false(marked & VML_PTE_P);
    assert_true(marked & VML_PTE_G); /* _PAGE_PROTNONE */
    assert_true(marked & VML_PTE_A);
    assert_false(marked & (VML_PTE_RW | VML_PTE_US | VML_PTE_NX));
    assert_int_equal(vml_pte_pfn(marked), vml_pte_pfn(before));
    assert_true(marked & VML_PTE_D); /* written: dirty kept (_PAGE_CHG_MASK) */
    fixture_check(sim);

    advance_to(sim, 1500 * MS);
    uint64_t pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch(sim, pid, addr, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 0);
    assert_int_equal(node_of_all(sim, pid, addr, PAGES), 1);
    uint64_t restored = pte_at(sim, pid, addr);
    assert_true(restored & VML_PTE_P);
    assert_false(restored & (VML_PTE_G | VML_PTE_RW));
    assert_true(restored & VML_PTE_US);
    fixture_check(sim);

    pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch(sim, pid, addr, VML_WRITE);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, PAGES); /* write faults */
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), PAGES);

    advance_to(sim, 1800 * MS);
    on_cpu(sim, pid, 0);
    advance_to(sim, 4900 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), PAGES);
    advance_to(sim, 5000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 2 * PAGES);

    advance_to(sim, 5500 * MS);
    touch(sim, pid, addr, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2 * PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 2 * PAGES);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 2 * PAGES);
    assert_int_equal(node_of_all(sim, pid, addr, PAGES), 0);
    /* The period is 4000 ms now and the next scan due at 9500 ms; the pages are local, so it
     * marks nothing: numa_pte_updates stays 8192 through 20 s. */
    advance_to(sim, 20000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 2 * PAGES);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/*
 * Local pages and the skips: a task on CPU 0 (node 0) with 16 MiB written on node 0 (first
 * touch) is scanned at 1 s, but change_pte_range's target_node leaves pages already on the
 * node the task runs on: numa_pte_updates stays 0. A read-only private file mapping (a shared
 * library's text) and a shmem mapping are never scanned (task_numa_work: shared_ro;
 * vma_policy_mof: shmem has no MPOL_F_MOF), nor memory under a non-default task policy. With
 * kernel.numa_balancing=0 nothing is scanned at all.
 */
static void test_balancing_skips(void **state)
{
    (void)state;
    struct vml_numab_settings s;
    vml_numab_defaults(&s);
    s.mode = 1;
    struct vml_sim *sim = two_nodes(&s);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 0);
    uint64_t addr, shm;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, PAGES * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, PAGES * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED | VML_MAP_ANONYMOUS, -1, 0, &shm),
                     0);
    touch(sim, pid, addr, VML_WRITE);
    /* The shared mapping's pages on node 1 (bind), then the default policy back: shmem is not
     * scanned whatever its pages' node. */
    struct vml_mpol bind1 = { VML_MPOL_BIND, 0, 2u }, dflt = { VML_MPOL_DEFAULT, 0, 0 };
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &bind1), 0);
    touch(sim, pid, shm, VML_WRITE);
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &dflt), 0);
    assert_int_equal(node_of_all(sim, pid, shm, PAGES), 1);
    advance_to(sim, 3000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 0);

    /* Off: a second machine, the same pages remote (task on node 1), never scanned. */
    struct vml_numab_settings off;
    vml_numab_defaults(&off);
    struct vml_sim *sim2 = two_nodes(&off);
    assert_int_equal(vml_sim_spawn(sim2, "app", &pid), 0);
    on_cpu(sim2, pid, 2);
    assert_int_equal(vml_sim_mmap(sim2, pid, 0, PAGES * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    struct vml_mpol bind0 = { VML_MPOL_BIND, 0, 1u };
    assert_int_equal(vml_sim_set_mempolicy(sim2, pid, &bind0), 0);
    touch(sim2, pid, addr, VML_WRITE);
    advance_to(sim2, 3000 * MS);
    assert_int_equal(fixture_vmstat(sim2, VML_VMSTAT_numa_pte_updates), 0);
    /* ... and under the bind policy, turned on: still nothing (no MPOL_F_MOF). */
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_numab_store(sim2, 0, "1", 1, &d), 0);
    advance_to(sim2, 10000 * MS);
    assert_int_equal(fixture_vmstat(sim2, VML_VMSTAT_numa_pte_updates), 0);
    /* The default policy back: the next scan (a tick is due every period of runtime; the
     * mm's next scan passed long ago) marks the 4096 remote pages. */
    assert_int_equal(vml_sim_set_mempolicy(sim2, pid, &dflt), 0);
    advance_to(sim2, 20000 * MS);
    assert_int_equal(fixture_vmstat(sim2, VML_VMSTAT_numa_pte_updates), PAGES);
    fixture_check(sim2);
    vml_sim_destroy(sim2);
    vml_sim_destroy(sim);
}

/*
 * fork copies a hinting entry as it is (copy_present_pte): 16 pages written on node 0 by a task
 * on node 1, marked at 1 s (numa_pte_updates 16). The child, on node 1 too, reads them: 16
 * hinting faults, none local; each page (mapped by both, movable: no reference beyond the two
 * mappings) moves to node 1 (16 migrated), the rmap walk rewriting the parent's entry too, which
 * stays a hinting entry. The parent's reads then fault 16 more times, all local (the pages are
 * on its node now), and move nothing.
 */
static void test_fork_keeps_hinting_entries(void **state)
{
    (void)state;
    struct vml_numab_settings s;
    vml_numab_defaults(&s);
    s.mode = 1;
    struct vml_sim *sim = two_nodes(&s);
    int pid, kid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 2);
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 16 * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    struct vml_mpol bind0 = { VML_MPOL_BIND, 0, 1u }, dflt = { VML_MPOL_DEFAULT, 0, 0 };
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &bind0), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 16 * PG, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &dflt), 0);
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 16);
    assert_int_equal(vml_sim_fork(sim, pid, &kid), 0);
    uint64_t e = pte_at(sim, kid, addr);
    assert_false(e & VML_PTE_P);
    assert_true(e & VML_PTE_G);
    fixture_check(sim);
    on_cpu(sim, kid, 3);
    assert_int_equal(vml_sim_touch(sim, kid, addr, addr + 16 * PG, PG, VML_READ, &res), 0);
    assert_false(res.killed);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 16);
    assert_int_equal(node_of_all(sim, pid, addr, 16), 1);
    assert_int_equal(node_of_all(sim, kid, addr, 16), 1);
    e = pte_at(sim, pid, addr);
    assert_false(e & VML_PTE_P);
    fixture_check(sim);
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 16 * PG, PG, VML_READ, &res), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 32);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 16);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* ---- PMD-mapped THPs (mm/huge_memory.c: change_huge_pmd, do_huge_pmd_numa_page) ---- */

#define THP_AT    0x7f0000000000ull /* 2 MiB aligned */
#define THP_BYTES (4 * MiB)         /* two THPs */
#define THP_PAGES 1024ull

/* The PMD leaf mapping va (a level-2 leaf: still PMD-mapped). */
static uint64_t pmd_at(struct vml_sim *sim, int pid, uint64_t va)
{
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(vml_sim_pagetable(sim, pid), va, &leaf), 0);
    assert_int_equal(leaf.level, 2);
    return leaf.entry;
}

static void touch_n(struct vml_sim *sim, int pid, uint64_t addr, uint64_t pages, enum vml_access a)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + pages * PG, PG, a, &res), 0);
    assert_false(res.killed);
}

/* pid's 4 MiB at THP_AT, advised MADV_HUGEPAGE (THP enabled=madvise), written under the task
 * policy pol (NULL: the default) and the default policy back: two THPs. */
static void thp_buffer(struct vml_sim *sim, int pid, const struct vml_mpol *pol)
{
    uint64_t addr, thps = fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc);
    assert_int_equal(vml_sim_mmap(sim, pid, THP_AT, THP_BYTES, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0,
                                  &addr),
                     0);
    assert_int_equal(addr, THP_AT);
    assert_int_equal(vml_sim_madvise(sim, pid, THP_AT, THP_BYTES, VML_MADV_HUGEPAGE), 0);
    struct vml_mpol dflt = { VML_MPOL_DEFAULT, 0, 0 };
    if (pol)
        assert_int_equal(vml_sim_set_mempolicy(sim, pid, pol), 0);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_WRITE);
    if (pol)
        assert_int_equal(vml_sim_set_mempolicy(sim, pid, &dflt), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc) - thps, 2);
}

static uint64_t anon_huge_kb(struct vml_sim *sim, int pid)
{
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_smaps_sum(sim, pid, &c), 0);
    return c.anon_huge_pages;
}

/* The marking both THP tests check at 1 s: each PMD x86's PROT_NONE huge entry (pmd_modify
 * with PAGE_NONE: P clear, _PAGE_PROTNONE (bit 8) set, PSE kept, A set, D kept: a THP's PMD is
 * made dirty), the same frame, no RW, US or NX. */
static void assert_hinting_pmd(uint64_t marked, uint64_t before)
{
    assert_false(marked & VML_PTE_P);
    assert_true(marked & VML_PTE_G);
    assert_true(marked & VML_PTE_PS);
    assert_true(marked & VML_PTE_A);
    assert_true(marked & VML_PTE_D);
    assert_false(marked & (VML_PTE_RW | VML_PTE_US | VML_PTE_NX));
    assert_int_equal(vml_pte_pfn(marked), vml_pte_pfn(before));
}

/* The THP tests' machine: balancing on (mode 1; scan_size_mb MiB a scan, 0 the default), THP
 * enabled=madvise, node 1 of node1_mb MiB. */
static struct vml_sim *thp_machine(unsigned scan_size_mb, uint64_t node1_mb)
{
    struct vml_numab_settings s;
    vml_numab_defaults(&s);
    s.mode = 1;
    if (scan_size_mb)
        s.scan_size_mb = scan_size_mb;
    return machine(&s, "madvise", node1_mb);
}

/* app on CPU 2 (node 1) with its two THPs bound to node 0: misplaced. */
static int thp_app_misplaced(struct vml_sim *sim)
{
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 2);
    struct vml_mpol bind0 = { VML_MPOL_BIND, 0, 1u };
    thp_buffer(sim, pid, &bind0);
    return pid;
}

/*
 * Two THPs on the wrong node. app runs on CPU 2 (node 1); its 4 MiB at a 2 MiB boundary,
 * advised MADV_HUGEPAGE, are written under bind:0: two THPs on node 0, then the default policy
 * back. The scan's timing is the first test's (RSS 1024 pages: one scan window, period 1000).
 * - 1000 ms, the first scan: change_pmd_range meets two huge PMDs the range covers whole;
 *   change_huge_pmd marks each (6.18 has no target-node test for a PMD): numa_huge_pte_updates
 *   2, and numa_pte_updates 2 x 512 = 1024 (change_protection counts HPAGE_PMD_NR for a PMD).
 *   The budget: 256 MB = 65536 pages; the 4 MiB range takes 1024 of them (it changed
 *   something): the whole space fits one scan.
 * - 1500 ms, a read every 4 KiB (1024 reads): the first read of each 2 MiB faults on its PMD,
 *   the 511 others find it present again: pgfault +2. numa_hint_faults 2 (one a fault, not 512),
 *   none local. mpol_misplaced under the default policy: the THP is not on node 1;
 *   should_numa_migrate_memory: no preferred node, last_cpupid unset: migrate. Node 1 (1 GiB,
 *   nearly empty) stays above its high watermark with 512 pages more taken. Each THP moves
 *   whole: numa_pages_migrated 2 x 512 = 1024, pgmigrate_success 1024, thp_migration_success 2,
 *   pgmigrate_fail 0, no split (thp_split_pmd 0). Still PMD-mapped: a level-2 leaf, present,
 *   user, read-only (the PROT_NONE PMD had no write bit), on a new frame. Every page on node 1,
 *   smaps' AnonHugePages still 4096 kB, numa_maps N1=1024.
 * - A write of every page: the first of each THP is a write fault on the read-only PMD, which
 *   reuses the exclusive THP in place: pgfault +2, numa_hint_faults still 2.
 */
static void test_thp_moves_whole(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(0, 1024);
    int pid = thp_app_misplaced(sim);
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 0);
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    assert_true(vml_sim_now(sim) < 900 * MS);
    uint64_t before[2] = { pmd_at(sim, pid, THP_AT), pmd_at(sim, pid, THP_AT + 2 * MiB) };

    advance_to(sim, 999 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 0);
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    assert_hinting_pmd(pmd_at(sim, pid, THP_AT), before[0]);
    assert_hinting_pmd(pmd_at(sim, pid, THP_AT + 2 * MiB), before[1]);
    assert_int_equal(anon_huge_kb(sim, pid), 4096); /* a hinting PMD is pmd_present */
    fixture_check(sim);

    advance_to(sim, 1500 * MS);
    uint64_t pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_success), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_fail), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 0);
    for (int k = 0; k < 2; k++) {
        uint64_t e = pmd_at(sim, pid, THP_AT + (uint64_t)k * 2 * MiB);
        assert_true(e & VML_PTE_P);
        assert_true(e & VML_PTE_PS);
        assert_true(e & VML_PTE_US);
        assert_false(e & (VML_PTE_G | VML_PTE_RW));
        assert_int_not_equal(vml_pte_pfn(e), vml_pte_pfn(before[k]));
    }
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 1);
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    struct vml_text nm = { 0 };
    assert_int_equal(
        vml_sim_proc_text(sim, pid, VML_SIM_NUMA_MAPS, THP_AT, THP_AT + THP_BYTES, &nm), 0);
    assert_non_null(nm.s);
    assert_non_null(strstr(nm.s, "anon=1024 dirty=1024"));
    assert_non_null(strstr(nm.s, " N1=1024 "));
    assert_null(strstr(nm.s, "N0="));
    vml_text_free(&nm);
    fixture_check(sim);

    pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_WRITE);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2);
    assert_true(pmd_at(sim, pid, THP_AT) & VML_PTE_RW);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/*
 * Two THPs already on the right node: app on CPU 0 (node 0) writes them under the default
 * policy, so both are on node 0. Small pages there would not be marked (change_pte_range's
 * target_node), but change_huge_pmd in 6.18 has no such test: at 1 s both PMDs are marked
 * (numa_pte_updates 1024, numa_huge_pte_updates 2). The reads at 1.5 s take 2 hinting faults,
 * both local (numa_hint_faults_local 2); mpol_misplaced: the THP is on the faulting CPU's node,
 * no target: nothing migrated. The PMD is restored in place (pmd_modify with vm_page_prot),
 * young, and writable: can_change_pmd_writable, an exclusive anonymous THP in a writable
 * private VMA. So a write of every page afterwards takes no fault at all.
 */
static void test_thp_local_hint(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(0, 1024);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 0);
    thp_buffer(sim, pid, NULL);
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 0);
    uint64_t before = pmd_at(sim, pid, THP_AT);
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    assert_hinting_pmd(pmd_at(sim, pid, THP_AT), before);

    advance_to(sim, 1500 * MS);
    uint64_t pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 0);
    uint64_t e = pmd_at(sim, pid, THP_AT);
    assert_int_equal(vml_pte_pfn(e), vml_pte_pfn(before));
    assert_true((e & (VML_PTE_P | VML_PTE_PS | VML_PTE_US | VML_PTE_RW | VML_PTE_A)) ==
                (VML_PTE_P | VML_PTE_PS | VML_PTE_US | VML_PTE_RW | VML_PTE_A));
    assert_false(e & VML_PTE_G);
    pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_WRITE);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 0);
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/*
 * fork and split of hinting PMDs. As in test_thp_moves_whole up to the scan at 1 s: app on node
 * 1, its two THPs on node 0, both PMDs marked.
 * - fork: copy_huge_pmd copies each hinting PMD as it is, made old (pmd_mkold): the child's PMD
 *   is PROT_NONE too (P clear, _PAGE_PROTNONE and PSE set), its A bit clear; the parent's keeps
 *   A. Each THP is now mapped by two PMDs.
 * - The child, on CPU 3 (node 1), reads its first 2 MiB: one hinting fault, not local; the THP
 *   (two PMD mappings, no other reference) moves whole to node 1: numa_pages_migrated 512,
 *   thp_migration_success 1. The rmap walk rewrites the parent's PMD to the new frame too, and
 *   it stays a hinting entry (only the faulting process's is made present).
 * - The parent unmaps 4 KiB of its second THP: the PMD is split (thp_split_pmd 1), and
 *   __split_huge_pmd_locked builds the 511 PTEs left from vm_page_prot with the old PMD's
 *   young and dirty bits: present, no _PAGE_PROTNONE: the hint is dropped. So the parent's
 *   reads of the rest of that 2 MiB take no fault at all.
 */
static void test_thp_fork_and_split(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(0, 1024);
    int pid = thp_app_misplaced(sim), kid;
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    uint64_t marked = pmd_at(sim, pid, THP_AT);

    assert_int_equal(vml_sim_fork(sim, pid, &kid), 0);
    uint64_t e = pmd_at(sim, kid, THP_AT);
    assert_int_equal(e, marked & ~VML_PTE_A);
    assert_true(pmd_at(sim, pid, THP_AT) & VML_PTE_A);
    fixture_check(sim);

    on_cpu(sim, kid, 3);
    uint64_t pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, kid, THP_AT, 512, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 512);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_success), 1);
    assert_int_equal(node_of_all(sim, kid, THP_AT, 512), 1);
    assert_int_equal(node_of_all(sim, pid, THP_AT, 512), 1);
    e = pmd_at(sim, pid, THP_AT);
    assert_false(e & VML_PTE_P);
    assert_true(e & VML_PTE_G);
    assert_int_equal(vml_pte_pfn(e), vml_pte_pfn(pmd_at(sim, kid, THP_AT)));
    assert_true(pmd_at(sim, kid, THP_AT) & VML_PTE_P);
    fixture_check(sim);

    uint64_t second = THP_AT + 2 * MiB;
    assert_int_equal(vml_sim_munmap(sim, pid, second, PG), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 1);
    e = pte_at(sim, pid, second + PG);
    uint64_t want = VML_PTE_P | VML_PTE_US | VML_PTE_A | VML_PTE_D;
    assert_true((e & want) == want);
    assert_false(e & (VML_PTE_G | VML_PTE_RW));
    fixture_check(sim);
    pgfault = fixture_vmstat(sim, VML_VMSTAT_pgfault);
    touch_n(sim, pid, second + PG, 511, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgfault) - pgfault, 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 1);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* migrate_balanced_pgdat(node, nr): some zone of the node above its high watermark with nr
 * pages more taken. */
static bool node_takes(struct vml_sim *sim, unsigned node, uint64_t nr)
{
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        const struct phys_zone *pz = &sim->phys->nodes[node].zones[z];
        if (pz->end != pz->start && pz->free_pages > zone_wmark(sim, node, z)->high + nr)
            return true;
    }
    return false;
}

/*
 * A THP whose target node has no room. Node 1 has 128 MiB. app runs on CPU 2 (node 1), its two
 * THPs written on node 0 (bind:0). A second task, filler, on CPU 3 and bound to node 1 (so never
 * scanned: no MPOL_F_MOF), writes small pages until no zone of node 1 would stay above its high
 * watermark with 512 more pages taken; it stops there, above the low watermark (high + 512 >
 * low), so kswapd is not woken.
 * - 1000 ms: both PMDs marked (numa_huge_pte_updates 2, numa_pte_updates 1024).
 * - 1500 ms, the reads: 2 hinting faults, none local; mpol_misplaced targets node 1, but
 *   migrate_misplaced_folio_prepare refuses (migrate_balanced_pgdat, -EAGAIN) before any
 *   migration is tried: TNF_MIGRATE_FAIL, and no migration counter moves (numa_pages_migrated,
 *   pgmigrate_success, pgmigrate_fail, thp_migration_fail all 0). do_huge_pmd_numa_page
 *   restores the PMD where it is, never splitting it (thp_split_pmd 0): present, writable (an
 *   exclusive THP), the same frame; every page still on node 0, AnonHugePages 4096 kB.
 */
static void test_thp_target_full(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(0, 128);
    int pid, filler;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    on_cpu(sim, pid, 2);
    assert_int_equal(vml_sim_spawn(sim, "filler", &filler), 0);
    on_cpu(sim, filler, 3);
    struct vml_mpol bind0 = { VML_MPOL_BIND, 0, 1u }, bind1 = { VML_MPOL_BIND, 0, 2u };
    thp_buffer(sim, pid, &bind0);
    uint64_t before = pmd_at(sim, pid, THP_AT);
    uint64_t fill;
    assert_int_equal(vml_sim_mmap(sim, filler, 0, 128 * MiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &fill),
                     0);
    assert_int_equal(vml_sim_set_mempolicy(sim, filler, &bind1), 0);
    uint64_t n = 0, kswapd = fixture_vmstat(sim, VML_VMSTAT_pageoutrun);
    while (node_takes(sim, 1, 512)) {
        assert_true(n < 128 * MiB / PG);
        touch_n(sim, filler, fill + n * PG, 1, VML_WRITE);
        n++;
    }
    assert_true(n > 20000); /* most of the 32768 pages of node 1 */
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pageoutrun), kswapd);
    assert_true(vml_sim_now(sim) < 900 * MS);

    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    advance_to(sim, 1500 * MS);
    assert_false(node_takes(sim, 1, 512));
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_fail), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 0);
    uint64_t e = pmd_at(sim, pid, THP_AT);
    assert_int_equal(vml_pte_pfn(e), vml_pte_pfn(before));
    assert_true((e & (VML_PTE_P | VML_PTE_PS | VML_PTE_RW)) ==
                (VML_PTE_P | VML_PTE_PS | VML_PTE_RW));
    assert_false(e & VML_PTE_G);
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 0);
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/*
 * A THP whose target node has room but no free 2 MiB block. Node 1 has 128 MiB. app on CPU 2
 * (node 1), its two THPs on node 0 (bind:0). Then every free frame of node 1 is taken from the
 * buddy allocator one by one and the odd ones given back: about half of node 1 is free, far above
 * its high watermark + 512 (migrate_balanced_pgdat passes), but each free frame's buddy is taken,
 * so no block larger than one frame can form.
 * - 1500 ms, the reads: 2 hinting faults, none local; migrate_misplaced_folio_prepare accepts;
 *   migrate_pages' alloc_misplaced_dst_folio (GFP_TRANSHUGE_LIGHT | __GFP_THISNODE: no
 *   compaction, no reclaim, no other node) finds no 2 MiB block: -ENOMEM, and MR_NUMA_MISPLACED
 *   does not split the THP to retry. Each failure counts its 512 pages in pgmigrate_fail and
 *   one thp_migration_fail: 1024 and 2. Nothing migrated (numa_pages_migrated and
 *   pgmigrate_success 0, thp_migration_success 0), no split, no compaction (compact_stall 0).
 *   Each PMD is restored in place: present, writable, the same frame on node 0.
 */
static void test_thp_no_free_block(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(0, 128);
    int pid = thp_app_misplaced(sim);
    uint64_t before = pmd_at(sim, pid, THP_AT);
    static uint64_t taken[128 * MiB / PG];
    size_t n = 0, kept = 0;
    uint64_t p;
    while (vml_phys_alloc(sim->phys, 1, 0, VML_USE_KERNEL, &p) == 0) {
        assert_true(n < sizeof(taken) / sizeof(taken[0]));
        taken[n++] = p;
    }
    assert_true(n > 30000);
    for (size_t i = 0; i < n; i++) {
        if (taken[i] & 1)
            vml_phys_free(sim->phys, taken[i], 0);
        else
            taken[kept++] = taken[i];
    }
    assert_true(node_takes(sim, 1, 512));
    uint64_t new;
    assert_int_equal(vml_phys_alloc(sim->phys, 1, VML_THP_PMD_ORDER, VML_USE_ANON, &new),
                     VML_ENOMEM);

    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    advance_to(sim, 1500 * MS);
    touch_n(sim, pid, THP_AT, THP_PAGES, VML_READ);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_hint_faults_local), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_fail), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pages_migrated), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_success), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), 0);
    uint64_t e = pmd_at(sim, pid, THP_AT);
    assert_int_equal(vml_pte_pfn(e), vml_pte_pfn(before));
    assert_true((e & (VML_PTE_P | VML_PTE_PS | VML_PTE_RW)) ==
                (VML_PTE_P | VML_PTE_PS | VML_PTE_RW));
    assert_int_equal(node_of_all(sim, pid, THP_AT, THP_PAGES), 0);
    for (size_t i = 0; i < kept; i++)
        vml_phys_free(sim->phys, taken[i], 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/*
 * The scan budget counts a THP as the 512 pages of address space it covers (task_numa_work:
 * pages -= (end - start) >> PAGE_SHIFT when change_prot_numa changed anything). scan_size_mb 2:
 * 512 pages a scan. app on node 1, its two THPs on node 0; RSS 1024 pages, so two scan windows
 * (task_nr_scan_windows: 1024 / 512), and task_scan_start = max(1000 / (2560 / 2), 1000 / 2) =
 * 500 ms.
 * - 1000 ms, the first tick (the period still scan_delay's 1000 ms), the period set to 500:
 *   the range is [start, ALIGN(start + 512 pages, 2 MiB)) = the first THP alone. It is marked
 *   (numa_huge_pte_updates 1, numa_pte_updates 512) and takes the whole budget: the scan stops
 *   there, at the second THP.
 * - 1500 ms (node_stamp 1000 + 500): the next scan resumes there and marks the second THP
 *   (numa_huge_pte_updates 2, numa_pte_updates 1024). Had a THP counted as one page, the first
 *   scan would have marked both.
 */
static void test_thp_scan_budget(void **state)
{
    (void)state;
    struct vml_sim *sim = thp_machine(2, 1024);
    int pid = thp_app_misplaced(sim);
    advance_to(sim, 1000 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 512);
    assert_false(pmd_at(sim, pid, THP_AT) & VML_PTE_P);
    assert_true(pmd_at(sim, pid, THP_AT + 2 * MiB) & VML_PTE_P);
    advance_to(sim, 1499 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 1);
    advance_to(sim, 1500 * MS);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_huge_pte_updates), 2);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_numa_pte_updates), 1024);
    assert_false(pmd_at(sim, pid, THP_AT + 2 * MiB) & VML_PTE_P);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The settings' checks: numa_balancing 0..4 as proc_dointvec_minmax takes them, 2 and 3
 * (memory tiering) and 4 refused as not modelled, 5 and -1 refused as the kernel's EINVAL; a
 * debugfs u32 takes any decimal number but scan_size_mb 0 (not modelled: task_scan_min would
 * divide by it). */
static void test_settings(void **state)
{
    (void)state;
    struct vml_numab_settings s;
    vml_numab_defaults(&s);
    assert_int_equal(s.mode, 0);
    assert_int_equal(s.scan_delay_ms, 1000);
    assert_int_equal(s.scan_period_min_ms, 1000);
    assert_int_equal(s.scan_period_max_ms, 60000);
    assert_int_equal(s.scan_size_mb, 256);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_numab_find("/proc/sys/kernel/numa_balancing"), 0);
    assert_int_equal(vml_numab_find("/sys/kernel/debug/sched/numa_balancing/scan_size_mb"), 4);
    assert_int_equal(vml_numab_find("/proc/sys/kernel/numa_balancing_scan_delay_ms"), -1);
    assert_int_equal(vml_numab_store(&s, 0, "1\n", 2, &d), 0);
    assert_int_equal(s.mode, 1);
    assert_int_equal(vml_numab_store(&s, 0, "2", 1, &d), VML_ENOTSUP);
    assert_non_null(strstr(d.msg, "MEMORY_TIERING"));
    assert_non_null(strstr(d.msg, "not modelled"));
    assert_int_equal(vml_numab_store(&s, 0, "3", 1, &d), VML_ENOTSUP);
    assert_int_equal(vml_numab_store(&s, 0, "4", 1, &d), VML_ENOTSUP);
    assert_int_equal(vml_numab_store(&s, 0, "5", 1, &d), VML_EINVAL);
    assert_int_equal(vml_numab_store(&s, 0, "-1", 2, &d), VML_EINVAL);
    assert_int_equal(vml_numab_store(&s, 0, "x", 1, &d), VML_EINVAL);
    assert_int_equal(s.mode, 1);
    assert_int_equal(vml_numab_store(&s, 1, "250", 3, &d), 0);
    assert_int_equal(s.scan_delay_ms, 250);
    assert_int_equal(vml_numab_store(&s, 4, "0", 1, &d), VML_ENOTSUP);
    assert_int_equal(vml_numab_store(&s, 4, "4294967296", 10, &d), VML_EINVAL);
    assert_int_equal(s.scan_size_mb, 256);
    char buf[16];
    vml_numab_value(&s, 1, buf, sizeof(buf));
    assert_string_equal(buf, "250");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_balancing_moves_pages_to_the_task),
        cmocka_unit_test(test_balancing_skips),
        cmocka_unit_test(test_fork_keeps_hinting_entries),
        cmocka_unit_test(test_thp_moves_whole),
        cmocka_unit_test(test_thp_local_hint),
        cmocka_unit_test(test_thp_target_full),
        cmocka_unit_test(test_thp_no_free_block),
        cmocka_unit_test(test_thp_scan_budget),
        cmocka_unit_test(test_thp_fork_and_split),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
