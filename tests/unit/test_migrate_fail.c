/* test_migrate_fail.c: migrations that fail (mm/migrate.c: do_pages_move,
 * move_pages_and_store_status, migrate_pages_batch, migrate_pages; mm/mempolicy.c:
 * do_migrate_pages, do_mbind), expectations worked out by hand from the kernel's rules:
 *   - an order-0 allocation on a node succeeds while its free pages stay above the min
 *     watermark (__zone_watermark_ok: free - (1 << order) + 1 > min + lowmem_reserve, the
 *     reserve 0 for the node's highest zone; __GFP_THISNODE: no other node, and reclaim finds
 *     nothing without swap or page cache). So with F free pages and watermark M, a batch of n > F
 *     - M pages moves its first F - M and fails at the next: -ENOMEM, pgmigrate_fail 1 (the
 *     page that failed; the pages after it are put back untried, not counted);
 *   - move_pages stores no status for the batch that failed nor for any page after it (the
 *     call ends), and returns -ENOMEM; an earlier batch's statuses were stored;
 *   - migrate_pages(2) ends with the -ENOMEM too; mbind with MPOL_MF_MOVE and without
 *     MPOL_MF_STRICT succeeds whatever did not move;
 *   - a THP whose new THP cannot be allocated is split (thp_split_page, thp_split_pmd for its
 *     PMD) and counted a failed and a split THP (thp_migration_fail, thp_migration_split);
 *     its 512 pages then move one by one (pgmigrate_success 512), and since every page of the
 *     call moved, the call returns 0 (migrate_pages: "all split folios ... migrated"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"

#define PG  4096ull
#define MiB (1024ull * 1024)

/* Two nodes of one CPU each: node 0 of n0 MiB, node 1 of n1 MiB. */
static struct vml_sim *two_nodes(uint64_t n0, uint64_t n1)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, (n0 + n1) * MiB);
    cfg.phys.nr_nodes = 2;
    cfg.phys.node_bytes[0] = n0 * MiB;
    cfg.phys.node_bytes[1] = n1 * MiB;
    cfg.nr_cpus = 2;
    cfg.node_cpus[0] = 1;
    cfg.node_cpus[1] = 1;
    return fixture_create(&cfg);
}

/* bytes of anonymous memory written, at at (0: anywhere); THP-eligible with huge (THP is
 * enabled=madvise here). */
static uint64_t map_write(struct vml_sim *sim, int pid, uint64_t bytes, uint64_t at, bool huge)
{
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, at, bytes, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | (at ? VML_MAP_FIXED : 0),
                                  -1, 0, &addr),
                     0);
    if (huge)
        assert_int_equal(vml_sim_madvise(sim, pid, addr, bytes, VML_MADV_HUGEPAGE), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + bytes, PG, VML_WRITE, &res), 0);
    assert_false(res.killed);
    return addr;
}

static uint64_t free_pages(const struct vml_sim *sim, unsigned node)
{
    uint64_t free = 0;
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        free += sim->phys->nodes[node].zones[z].free_pages;
    return free;
}

/* The node each page of [addr, addr + n pages) of pid is on (do_pages_stat). */
static void nodes_of(struct vml_sim *sim, int pid, uint64_t addr, size_t n, int *node)
{
    uint64_t addrs[128];
    assert_true(n <= 128);
    for (size_t i = 0; i < n; i++)
        addrs[i] = addr + i * PG;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_move_pages(sim, pid, n, addrs, NULL, node, 0, &d), 0);
}

/* Node 1 filled by b (preferred=1 writing more than it holds: node 1 first, then node 0),
 * then 40 of b's pages there given back (MADV_DONTNEED of its first 40, node 1's); a on CPU 0
 * with 70 pages on node 0. What a __GFP_THISNODE allocation may then take on node 1 (room)
 * lies between 1 and 40 + the low watermark - min < 64: the walk's first page allocated after
 * the last of the room fails. */
struct full {
    struct vml_sim *sim;
    int a, b;
    uint64_t addr;
    uint64_t free1; /* node 1's free pages before the call */
};

static void fill_node1(struct full *x)
{
    x->sim = two_nodes(64, 16);
    assert_int_equal(vml_sim_spawn(x->sim, "b", &x->b), 0);
    struct vml_mpol pol = { .mode = VML_MPOL_PREFERRED, .nodes = 0x2 };
    assert_int_equal(vml_sim_set_mempolicy(x->sim, x->b, &pol), 0);
    uint64_t fill = map_write(x->sim, x->b, 24 * MiB, 0, false);
    int where[40];
    nodes_of(x->sim, x->b, fill, 40, where);
    for (int i = 0; i < 40; i++)
        assert_int_equal(where[i], 1);
    assert_int_equal(vml_sim_madvise(x->sim, x->b, fill, 40 * PG, VML_MADV_DONTNEED), 0);
    assert_int_equal(vml_sim_spawn(x->sim, "a", &x->a), 0);
    x->addr = map_write(x->sim, x->a, 70 * PG, 0, false);
    x->free1 = free_pages(x->sim, 1);
}

/* How many of a's pages from first on moved to node 1 (the walk moves them in order: every
 * page after the last moved stayed on node 0), checked against the frames node 1 gave. */
static uint64_t moved_run(struct full *x, int first, int n)
{
    int where[70];
    nodes_of(x->sim, x->a, x->addr, 70, where);
    int k = 0;
    while (k < n && where[first + k] == 1)
        k++;
    for (int i = first + k; i < 70; i++)
        assert_int_equal(where[i], 0);
    assert_true(k > 0 && k < 64);
    assert_int_equal(x->free1 - free_pages(x->sim, 1), (uint64_t)k);
    return (uint64_t)k;
}

static void test_move_pages_enomem(void **state)
{
    (void)state;
    struct full x;
    fill_node1(&x);
    /* Pages 0-1 to node 0 (there already: status 0, no batch), 2-65 to node 1 (one batch of 64,
     * more than the room), 66-69 to node 0 (never reached). */
    uint64_t addrs[70];
    int nodes[70], status[70];
    for (int i = 0; i < 70; i++) {
        addrs[i] = x.addr + (uint64_t)i * PG;
        nodes[i] = i >= 2 && i < 66 ? 1 : 0;
    }
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_move_pages(x.sim, x.a, 70, addrs, nodes, status, 0, &d), VML_ENOMEM);
    assert_int_equal(status[0], 0);
    assert_int_equal(status[1], 0);
    for (int i = 2; i < 70; i++)
        assert_int_equal(status[i], VML_MOVE_PAGES_UNSET);
    /* The batch's first pages moved, in order, until node 1 had no room; one failed. */
    uint64_t k = moved_run(&x, 2, 64);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), k);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_fail), 1);
    vml_sim_destroy(x.sim);
}

/* A batch that fits, then one that fails: the first batch's statuses are stored. */
static void test_move_pages_earlier_batch_stored(void **state)
{
    (void)state;
    struct full x;
    fill_node1(&x);
    uint64_t addrs[66];
    int nodes[66], status[66];
    for (int i = 0; i < 66; i++) {
        addrs[i] = x.addr + (uint64_t)i * PG;
        nodes[i] = i == 1 ? 0 : 1; /* page 0 alone to node 1, page 1 to node 0, then 2-65 */
    }
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_move_pages(x.sim, x.a, 66, addrs, nodes, status, 0, &d), VML_ENOMEM);
    /* Page 0's batch ends at page 1 (another node) and moves: status 1. Page 1 is on node 0
     * already: 0. Pages 2-65: one batch, some moved, then -ENOMEM. */
    assert_int_equal(status[0], 1);
    assert_int_equal(status[1], 0);
    for (int i = 2; i < 66; i++)
        assert_int_equal(status[i], VML_MOVE_PAGES_UNSET);
    int where[70];
    nodes_of(x.sim, x.a, x.addr, 70, where);
    assert_int_equal(where[0], 1);
    assert_int_equal(where[1], 0);
    x.free1 -= 1; /* page 0's frame */
    uint64_t k = moved_run(&x, 2, 64);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), 1 + k);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_fail), 1);
    vml_sim_destroy(x.sim);
}

static void test_migrate_pages_and_mbind_enomem(void **state)
{
    (void)state;
    struct full x;
    fill_node1(&x);
    uint64_t left = 99;
    struct vml_diag d = { 0 };
    /* a's 70 pages and its stack's on node 0: more than the room. */
    assert_int_equal(vml_sim_migrate_pages(x.sim, x.a, 0x1, 0x2, &left, &d), VML_ENOMEM);
    uint64_t moved = x.free1 - free_pages(x.sim, 1);
    assert_true(moved > 0 && moved < 64);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), moved);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_fail), 1);
    vml_sim_destroy(x.sim);

    fill_node1(&x);
    struct vml_mpol bind1 = { .mode = VML_MPOL_BIND, .nodes = 0x2 };
    uint64_t failed = 99;
    assert_int_equal(
        vml_sim_mbind_flags(x.sim, x.a, x.addr, 70 * PG, &bind1, VML_MPOL_MF_MOVE, &failed, &d), 0);
    assert_int_equal(failed, 1); /* the page that found no frame; the rest untried */
    uint64_t k = moved_run(&x, 0, 70);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), k);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_fail), 1);
    vml_sim_destroy(x.sim);
}

/* A THP on node 0 moved to node 1, which has free pages but no free 2 MiB block: b
 * (preferred=1) fills node 1 and gives back every other page of its first 6 MiB, 768 single
 * pages that cannot merge. Compaction cannot make a block (compaction_suitable wants twice the
 * block free above the watermark: 1024 pages more), so the THP is split and its 512 pages move
 * one by one into those pages. */
static void test_thp_split_to_move(void **state)
{
    (void)state;
    struct vml_sim *sim = two_nodes(64, 16);
    int a, b;
    assert_int_equal(vml_sim_spawn(sim, "b", &b), 0);
    struct vml_mpol pref1 = { .mode = VML_MPOL_PREFERRED, .nodes = 0x2 };
    assert_int_equal(vml_sim_set_mempolicy(sim, b, &pref1), 0);
    uint64_t fill = map_write(sim, b, 24 * MiB, 0, false);
    for (uint64_t p = 0; p < 6 * MiB / PG; p += 2)
        assert_int_equal(vml_sim_madvise(sim, b, fill + p * PG, PG, VML_MADV_DONTNEED), 0);
    assert_int_equal(vml_sim_spawn(sim, "a", &a), 0);
    uint64_t addr = map_write(sim, a, 2 * MiB, 0x7f0000000000ull, true);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), 1);
    uint64_t split_pmd0 = fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd);
    int node = 1, status = 0;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_move_pages(sim, a, 1, &addr, &node, &status, 0, &d), 0);
    assert_int_equal(status, 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_success), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_fail), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_split), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_page), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_split_pmd) - split_pmd0, 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 512);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 0);
    int where[128];
    for (uint64_t k = 0; k < 512; k += 128) {
        nodes_of(sim, a, addr + k * PG, 128, where);
        for (int i = 0; i < 128; i++)
            assert_int_equal(where[i], 1);
    }
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_move_pages_enomem),
        cmocka_unit_test(test_move_pages_earlier_batch_stored),
        cmocka_unit_test(test_migrate_pages_and_mbind_enomem),
        cmocka_unit_test(test_thp_split_to_move),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
