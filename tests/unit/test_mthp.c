/* test_mthp.c: anonymous mTHP (multi-size THP, orders 2..8) as Linux 6.18 makes them.
 *
 * The rules (mm/memory.c: do_anonymous_page -> alloc_anon_folio; mm/huge_memory.c:
 * thp_vma_allowable_orders): a fault takes the largest order enabled in
 * hugepages-<N>kB/enabled whose naturally aligned range lies inside the VMA and has no PTE yet,
 * maps all its pages in that one fault, and falls back order by order (counting
 * anon_fault_fallback for an order the allocator could not give) down to 4 KiB. The expected
 * figures below are worked out by hand from those rules and agree with what the 6.18 kernel
 * showed for the same steps (tests/fidelity/80..88-mthp-*.vml).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define KB 1024ull
#define MB (1024ull * 1024)
#define PG 4096ull

static struct vml_sim *sim_live; /* destroyed by teardown when an assertion ends a test */

static int teardown(void **state)
{
    (void)state;
    vml_sim_destroy(sim_live);
    sim_live = NULL;
    return 0;
}

/* A machine whose sizes (kB) in enabled[] are "always"; enabled=madvise at the top. */
static struct vml_sim *machine(uint64_t ram, const unsigned *sizes_kb, int *pid)
{
    struct vml_thp_settings thp;
    vml_thp_defaults(&thp);
    for (; *sizes_kb; sizes_kb++) {
        unsigned order = 0;
        while ((4u << order) < *sizes_kb)
            order++;
        thp.size_enabled[order] = VML_MTHP_ALWAYS;
    }
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = ram;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.no_zero_page = true;
    cfg.oom_killer_disabled = true; /* test_allocator_fallback fills memory to the last page */
    cfg.thp = &thp;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_sim_create(&cfg, &sim_live, &d), 0);
    assert_int_equal(vml_sim_spawn(sim_live, "p", pid), 0);
    return sim_live;
}

static uint64_t map2m(struct vml_sim *sim, int pid)
{
    uint64_t a;
    /* A 2 MiB anonymous mapping is 2 MiB aligned (thp_get_unmapped_area), so the 16 and 64 KiB
     * ranges inside are aligned too. */
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 2 * MB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &a),
                     0);
    assert_int_equal(a % (2 * MB), 0);
    return a;
}

static uint64_t touch(struct vml_sim *sim, int pid, uint64_t start, uint64_t end)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, start, end, PG, VML_WRITE, &res), 0);
    assert_false(res.killed);
    return res.minor;
}

static struct vml_smaps_counts sums(struct vml_sim *sim, int pid)
{
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_smaps_sum(sim, pid, &c), 0);
    return c;
}

static struct vml_thp_stats stats(struct vml_sim *sim, unsigned order)
{
    struct vml_thp_stats s;
    assert_int_equal(vml_sim_thp_stats(sim, order, &s), 0);
    return s;
}

static void test_fault_maps_whole_folio(void **state)
{
    (void)state;
    int pid;
    static const unsigned k64[] = { 64, 0 };
    struct vml_sim *sim = machine(256 * MB, k64, &pid);
    uint64_t a = map2m(sim, pid);
    /* One fault maps 16 pages. */
    assert_int_equal(touch(sim, pid, a + 128 * KB, a + 132 * KB), 1);
    assert_int_equal(sums(sim, pid).rss, 64);
    assert_int_equal(sums(sim, pid).anon_huge_pages, 0); /* PMD-mapped THPs only */
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_anon_fault_alloc], 1);
    assert_int_equal(stats(sim, 4).nr_anon, 1);
    assert_int_equal(stats(sim, VML_THP_PMD_ORDER).nr_anon, 0);
    fixture_check(sim);
    /* The first MiB: 16 folios of 64 KiB, one already there: 15 more faults. */
    assert_int_equal(touch(sim, pid, a, a + MB), 15);
    assert_int_equal(sums(sim, pid).rss, 1024);
    assert_int_equal(stats(sim, 4).nr_anon, 16);
    fixture_check(sim);
    /* munmap of 4 KiB inside a folio: 15 pages stay mapped, the folio is partially mapped
     * (deferred split queued once, split_deferred counted once). */
    assert_int_equal(vml_sim_munmap(sim, pid, a + 4 * KB, PG), 0);
    assert_int_equal(sums(sim, pid).rss, 1020);
    assert_int_equal(stats(sim, 4).nr_anon_partially_mapped, 1);
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_split_deferred], 1);
    fixture_check(sim);
    /* Unmapping the rest of that folio frees it: nr_anon 15, nothing partially mapped. */
    assert_int_equal(vml_sim_munmap(sim, pid, a, 64 * KB), 0);
    assert_int_equal(stats(sim, 4).nr_anon, 15);
    assert_int_equal(stats(sim, 4).nr_anon_partially_mapped, 0);
    fixture_check(sim);
}

static void test_order_by_order(void **state)
{
    (void)state;
    int pid;
    static const unsigned k16[] = { 16, 0 };
    struct vml_sim *sim = machine(256 * MB, k16, &pid);
    uint64_t a = map2m(sim, pid);
    assert_int_equal(touch(sim, pid, a + 64 * KB, a + 68 * KB), 1);
    assert_int_equal(sums(sim, pid).rss, 16);
    /* An admin enables 64 kB: [64K, 128K) already has PTEs, so 16 kB at [96K, 112K). */
    int f = vml_thp_find("hugepages-64kB/enabled");
    assert_true(f >= 0);
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "always", 6, NULL), 0);
    assert_int_equal(touch(sim, pid, a + 96 * KB, a + 100 * KB), 1);
    assert_int_equal(sums(sim, pid).rss, 32);
    assert_int_equal(stats(sim, 2).ev[VML_THP_STAT_anon_fault_alloc], 2);
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_anon_fault_alloc], 0);
    /* An empty 64 KiB range takes 64 kB. */
    assert_int_equal(touch(sim, pid, a + 256 * KB, a + 260 * KB), 1);
    assert_int_equal(sums(sim, pid).rss, 96);
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_anon_fault_alloc], 1);
    fixture_check(sim);
}

static void test_allocator_fallback(void **state)
{
    (void)state;
    int pid;
    static const unsigned k64[] = { 64, 0 };
    struct vml_sim *sim = machine(64 * MB, k64, &pid);
    /* Fill the machine with 4 KiB pages (MADV_NOHUGEPAGE keeps mTHPs out), until the
     * allocator has nothing left. */
    uint64_t a;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 * MB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_NORESERVE, -1, 0,
                                  &a),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, a, 64 * MB, VML_MADV_NOHUGEPAGE), 0);
    uint64_t end = a;
    for (; end < a + 64 * MB; end += PG) {
        struct vml_sim_access res;
        if (vml_sim_touch(sim, pid, end, end + PG, PG, VML_WRITE, &res) != 0 || res.killed)
            break;
    }
    assert_true(end > a + 32 * MB && end < a + 64 * MB);
    /* Give back one page in every 64 KiB: each freed page's buddy stays in use, so no block of
     * order 1 or more forms, and every order-4 allocation fails. */
    uint64_t freed = 0;
    for (uint64_t p = a; p + 64 * KB <= end; p += 64 * KB, freed++)
        assert_int_equal(vml_sim_munmap(sim, pid, p + 8 * KB, PG), 0);
    assert_true(freed > 8);
    uint64_t b;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 2 * MB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &b),
                     0);
    struct vml_smaps_counts before = sums(sim, pid);
    assert_int_equal(touch(sim, pid, b, b + PG), 1);
    /* alloc_anon_folio: order 4 fails (anon_fault_fallback), order 0 succeeds. */
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_anon_fault_fallback], 1);
    assert_int_equal(stats(sim, 4).ev[VML_THP_STAT_anon_fault_alloc], 0);
    assert_int_equal(sums(sim, pid).rss - before.rss, 4);
    fixture_check(sim);
}

static void test_fork_cow(void **state)
{
    (void)state;
    int pid, child;
    static const unsigned k64[] = { 64, 0 };
    struct vml_sim *sim = machine(256 * MB, k64, &pid);
    uint64_t a = map2m(sim, pid);
    touch(sim, pid, a, a + 64 * KB);
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    /* 16 pages shared by two: Pss 64 / 2 = 32 kB each, all Shared_Dirty. */
    assert_int_equal(sums(sim, pid).pss, 32);
    assert_int_equal(sums(sim, child).shared_dirty, 64);
    fixture_check(sim);
    /* The child's write copies one 4 KiB page (wp_page_copy): 15 shared pages (2 kB each) and
     * one private (4 kB) = 34 kB; the parent's page no longer shared is private: 34 kB. */
    assert_int_equal(touch(sim, child, a + 4 * KB, a + 8 * KB), 1);
    assert_int_equal(sums(sim, child).pss, 34);
    assert_int_equal(sums(sim, child).private_dirty, 4);
    assert_int_equal(sums(sim, pid).pss, 34);
    assert_int_equal(sums(sim, pid).private_dirty, 4);
    fixture_check(sim);
    /* The child exits: the parent's next write reuses its page in place (one mm maps the folio,
     * each mapping holds its only reference): one fault, no copy, Rss 64 all private. */
    assert_int_equal(vml_sim_exit(sim, child), 0);
    assert_int_equal(touch(sim, pid, a + 8 * KB, a + 12 * KB), 1);
    assert_int_equal(sums(sim, pid).rss, 64);
    assert_int_equal(sums(sim, pid).private_dirty, 64);
    fixture_check(sim);
}

static bool eligible(struct vml_sim *sim, int pid, uint64_t addr)
{
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_proc_text(sim, pid, VML_SIM_SMAPS, addr, addr + 1, &t), 0);
    bool yes = t.s && strstr(t.s, "THPeligible:           1");
    free(t.s);
    return yes;
}

static void test_thp_eligible(void **state)
{
    (void)state;
    int pid;
    static const unsigned k64[] = { 64, 0 };
    struct vml_sim *sim = machine(256 * MB, k64, &pid);
    uint64_t small, big;
    /* 60 KiB cannot hold an aligned 64 KiB range wherever it lies: not eligible. */
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 60 * KB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &small),
                     0);
    assert_false(eligible(sim, pid, small));
    /* 128 KiB always holds one, whatever its alignment: eligible with no advice. */
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 128 * KB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &big),
                     0);
    assert_true(eligible(sim, pid, big));
    /* MADV_NOHUGEPAGE and prctl(PR_SET_THP_DISABLE) turn every order off. */
    assert_int_equal(vml_sim_madvise(sim, pid, big, 128 * KB, VML_MADV_NOHUGEPAGE), 0);
    assert_false(eligible(sim, pid, big));
    assert_int_equal(vml_sim_madvise(sim, pid, big, 128 * KB, VML_MADV_HUGEPAGE), 0);
    assert_true(eligible(sim, pid, big));
    assert_int_equal(vml_sim_set_thp_disable(sim, pid, true), 0);
    assert_false(eligible(sim, pid, big));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fault_maps_whole_folio, teardown),
        cmocka_unit_test_teardown(test_order_by_order, teardown),
        cmocka_unit_test_teardown(test_allocator_fallback, teardown),
        cmocka_unit_test_teardown(test_fork_cow, teardown),
        cmocka_unit_test_teardown(test_thp_eligible, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
