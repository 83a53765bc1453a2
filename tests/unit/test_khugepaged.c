/* test_khugepaged.c: the simulated clock and khugepaged (src/mm/clock.c, src/mm/khugepaged.c).
 *
 * Expected values are worked out by hand from mm/khugepaged.c (6.18): each wake-up does
 * pages_to_scan units of work, 1 for entering an mm, 1 per VMA passed over, 512 per 2 MiB block
 * looked at; a collapse attempt ends the work in that mm for the round (the kernel drops
 * mmap_lock), the next round coming back to the same mm. Sleeps are whole jiffies at HZ=250
 * (4 ms). Each process here has two VMAs: the mapping under test, below its [stack].
 *
 * A 2 MiB multiple of anonymous memory is 2 MiB aligned (thp_get_unmapped_area), so a 4 MiB
 * mapping holds exactly two blocks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <string.h>

#define KB   1024ull
#define MB   (1024ull * 1024)
#define PG   4096ull
#define MS   1000000ull
#define SEC  1000000000ull
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

/* 512 MiB, one node, one CPU, madvise mode, the khugepaged settings given as FILE=VALUE
 * pairs (NULL-terminated). */
static struct vml_sim *new_sim_thp(const char *const *kv, uint64_t hugetlb_2m)
{
    /* test_alloc_failure's pool takes every free block: no OOM killer. */
    return live = fixture_sim_oom(512 * MB, kv, hugetlb_2m, false);
}

static void advance(struct vml_sim *sim, uint64_t ns)
{
    assert_int_equal(vml_sim_advance(sim, ns), 0);
    fixture_check(sim);
}

static int spawn(struct vml_sim *sim)
{
    int pid = 0;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    return pid;
}

/* An anonymous mapping of len bytes whose every 2 MiB block has its first n pages written,
 * 4 KiB pages all (the advice comes after), then advised MADV_HUGEPAGE. */
static uint64_t sparse_region(struct vml_sim *sim, int pid, uint64_t len, uint64_t n)
{
    uint64_t a;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, len, RW, ANON, -1, 0, &a), 0);
    assert_int_equal(a & (2 * MB - 1), 0);
    struct vml_sim_access res;
    for (uint64_t b = a; b < a + len; b += 2 * MB)
        assert_int_equal(vml_sim_touch(sim, pid, b, b + n * PG, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, a, len, VML_MADV_HUGEPAGE), 0);
    fixture_check(sim);
    return a;
}

static uint64_t anon_huge_kb(const struct vml_sim *sim, int pid)
{
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_rollup(sim, pid, &c), 0);
    return c.anon_huge_pages;
}

static uint64_t rss_kb(const struct vml_sim *sim, int pid)
{
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_rollup(sim, pid, &c), 0);
    return c.rss;
}

static struct vml_khugepaged_stats kstats(const struct vml_sim *sim)
{
    struct vml_khugepaged_stats k;
    vml_sim_khugepaged(sim, &k);
    return k;
}

static uint64_t vmstat(const struct vml_sim *sim, enum vml_vmstat_item i)
{
    struct vml_vmstat v;
    vml_sim_vmstat(sim, &v);
    return v.v[i];
}

/* ---- the clock ------------------------------------------------------------------------------ */

static char order[8];
static size_t n_order;

static int fire_a(struct vml_sim *sim, struct sim_timer *t)
{
    (void)t;
    (void)sim;
    order[n_order++] = 'a';
    return 0;
}

static int fire_b(struct vml_sim *sim, struct sim_timer *t)
{
    order[n_order++] = 'b';
    /* Re-armed from its own run, 5 ns on: it runs again within the same advance. */
    if (n_order < 3)
        sim_timer_arm(sim, t, vml_sim_now(sim) + 5);
    return 0;
}

static int fire_c(struct vml_sim *sim, struct sim_timer *t)
{
    (void)t;
    assert_int_equal(vml_sim_now(sim), 30); /* the clock stands at the timer's instant */
    order[n_order++] = 'c';
    return 0;
}

static void test_clock_order(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(NULL, 0);
    assert_int_equal(vml_sim_now(sim), 0);
    static struct sim_timer a, b, c;
    assert_int_equal(sim_timer_add(sim, &c, fire_c), 0);
    assert_int_equal(sim_timer_add(sim, &b, fire_b), 0);
    assert_int_equal(sim_timer_add(sim, &a, fire_a), 0);
    sim_timer_arm(sim, &c, 30);
    sim_timer_arm(sim, &b, 10); /* armed before a, due at the same instant: runs first */
    sim_timer_arm(sim, &a, 10);
    n_order = 0;
    advance(sim, 12);
    assert_int_equal(vml_sim_now(sim), 12);
    assert_memory_equal(order, "ba", 2); /* b at 10, a at 10; b again at 15 is not due */
    assert_int_equal(n_order, 2);
    advance(sim, 100);
    /* b at 15 (its third run does not re-arm), c at 30. */
    assert_int_equal(n_order, 4);
    assert_memory_equal(order, "babc", 4);
    assert_int_equal(vml_sim_now(sim), 112);
    /* Nothing armed: time just passes; past 2^64 - 1 ns it refuses. */
    assert_int_equal(vml_sim_advance(sim, UINT64_MAX - 112), 0);
    assert_int_equal(vml_sim_now(sim), UINT64_MAX);
    assert_int_equal(vml_sim_advance(sim, 1), VML_EINVAL);
    /* A cancelled timer does not run. */
    teardown(NULL);
    sim = new_sim_thp(NULL, 0);
    assert_int_equal(sim_timer_add(sim, &a, fire_a), 0);
    sim_timer_arm(sim, &a, 5);
    sim_timer_cancel(&a);
    n_order = 0;
    advance(sim, 10);
    assert_int_equal(n_order, 0);
}

/* ---- khugepaged ------------------------------------------------------------------------------ */

/* 100 pages written in each of two blocks: 412 empty entries each. max_ptes_none 511 (the
 * default) lets both collapse at the wake-up the registration causes; the thread, idle since
 * boot, scans at once (__khugepaged_enter wakes it when the list was empty). */
static void test_sparse_collapse(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(NULL, 0);
    int pid = spawn(sim);
    sparse_region(sim, pid, 4 * MB, 100);
    assert_int_equal(rss_kb(sim, pid), 2 * 100 * 4);
    assert_int_equal(anon_huge_kb(sim, pid), 0); /* nothing runs until time is let pass */
    advance(sim, 0);
    /* Wake-up at 0 (pages_to_scan 4096): enter the mm (1) + block 0 (512), collapse: the round
     * ends; again: 1 + block 1 (512), collapse; again: 1 + [stack] passed over (1), every VMA
     * seen: the cursor leaves the list's end, one full scan. 1029 < 4096, but the next round
     * would pass the head a second time: the wake-up ends. */
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    assert_int_equal(rss_kb(sim, pid), 4096);
    assert_int_equal(kstats(sim).pages_collapsed, 2);
    assert_int_equal(kstats(sim).full_scans, 1);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc), 2);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc_failed), 0);
    /* The next wake-up, scan_sleep_millisecs (10000) later, finds both PMD-mapped. */
    advance(sim, 10 * SEC - 1);
    assert_int_equal(kstats(sim).full_scans, 1);
    advance(sim, 1);
    assert_int_equal(kstats(sim).full_scans, 2);
    assert_int_equal(kstats(sim).pages_collapsed, 2);
}

/* max_ptes_none: a block collapses when its empty entries are at most the limit. 100 pages
 * written leave 412 empty: 411 refuses (thp_scan_exceed_none_pte, once per block per scan),
 * 412 collapses. */
static void test_max_ptes_none(void **state)
{
    (void)state;
    static const char *const lim411[] = { "khugepaged/max_ptes_none", "411", NULL };
    struct vml_sim *sim = new_sim_thp(lim411, 0);
    int pid = spawn(sim);
    sparse_region(sim, pid, 4 * MB, 100);
    advance(sim, 0);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    assert_int_equal(kstats(sim).pages_collapsed, 0);
    /* No attempt: one round covers both blocks and the stack, 1 + 512 + 512 + 1. */
    assert_int_equal(kstats(sim).full_scans, 1);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_scan_exceed_none_pte), 2);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc), 0);
    /* 400, as the example: no collapse either, at the next wake-up. */
    int f = vml_thp_find("khugepaged/max_ptes_none");
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "400", 3, NULL), 0);
    advance(sim, 10 * SEC);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_scan_exceed_none_pte), 4);
    /* 412: the limit takes effect at the next wake-up, 10 s on. */
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "412", 3, NULL), 0);
    advance(sim, 10 * SEC - 1);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    advance(sim, 1);
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    assert_int_equal(kstats(sim).pages_collapsed, 2);
}

/* pages_to_scan 512, scan_sleep_millisecs 100 (25 jiffies): every wake-up's work ends in the
 * first block it looks at (1 + 512 >= 512), so block N of four collapses at N * 100 ms. */
static void test_scan_pace(void **state)
{
    (void)state;
    static const char *const kv[] = { "khugepaged/pages_to_scan", "512",
                                      "khugepaged/scan_sleep_millisecs", "100", NULL };
    struct vml_sim *sim = new_sim_thp(kv, 0);
    int pid = spawn(sim);
    sparse_region(sim, pid, 8 * MB, 100);
    advance(sim, 0);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    advance(sim, 99 * MS);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    advance(sim, 1 * MS); /* 100 ms */
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    advance(sim, 200 * MS); /* 200 ms and 300 ms */
    assert_int_equal(anon_huge_kb(sim, pid), 8192);
    assert_int_equal(kstats(sim).pages_collapsed, 4);
    assert_int_equal(kstats(sim).full_scans, 0);
    advance(sim, 100 * MS); /* 400 ms: 1 + the stack: the end of the list */
    assert_int_equal(kstats(sim).full_scans, 1);
}

/* A sleep is msecs_to_jiffies' whole jiffies, rounded up: 10 ms at HZ=250 is 3 jiffies, 12 ms.
 * A write to scan_sleep_millisecs wakes the thread at once (khugepaged_sleep_expire = 0). */
static void test_sleep_jiffies(void **state)
{
    (void)state;
    static const char *const kv[] = { "khugepaged/pages_to_scan", "512",
                                      "khugepaged/scan_sleep_millisecs", "10", NULL };
    struct vml_sim *sim = new_sim_thp(kv, 0);
    int pid = spawn(sim);
    sparse_region(sim, pid, 8 * MB, 100);
    advance(sim, 0);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    advance(sim, 11 * MS);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    advance(sim, 1 * MS); /* 12 ms */
    assert_int_equal(anon_huge_kb(sim, pid), 4096);
    /* At 12 ms the thread sleeps until 24 ms; writing 10000 wakes it now, then 10 s. */
    int f = vml_thp_find("khugepaged/scan_sleep_millisecs");
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "10000", 5, NULL), 0);
    advance(sim, 0);
    assert_int_equal(anon_huge_kb(sim, pid), 6144);
    advance(sim, 10 * SEC - 1);
    assert_int_equal(anon_huge_kb(sim, pid), 6144);
    advance(sim, 1);
    assert_int_equal(anon_huge_kb(sim, pid), 8192);
}

/* No free 2 MiB block (the hugetlb pool took them all): the allocation fails
 * (thp_collapse_alloc_failed), the thread sleeps alloc_sleep_millisecs (60000) inside its scan,
 * finishes the round after it, and sleeps scan_sleep_millisecs (10000) before the next try. */
static void test_alloc_failure(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(NULL, 1000);
    struct vml_sim_hugepages hp;
    assert_int_equal(vml_sim_hugepages(sim, VML_HUGE_2M, &hp), 0);
    assert_true(hp.nr > 200); /* every free 2 MiB block of 512 MiB but the first's */
    int pid = spawn(sim);
    sparse_region(sim, pid, 2 * MB, 100);
    advance(sim, 0);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc_failed), 1);
    assert_int_equal(kstats(sim).full_scans, 0);
    advance(sim, 60 * SEC - 1);
    assert_int_equal(kstats(sim).full_scans, 0);
    advance(sim, 1); /* 60 s: the round goes on: 1 + the stack, the list's end */
    assert_int_equal(kstats(sim).full_scans, 1);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc_failed), 1);
    advance(sim, 10 * SEC); /* 70 s: tries again, fails again */
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc_failed), 2);
    /* The pool given back: the try after the next allocation sleep (130 s) and scan sleep
     * (140 s) succeeds. */
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 0, NULL), 0);
    advance(sim, 70 * SEC - 1);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    advance(sim, 1);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_collapse_alloc), 1);
    assert_int_equal(kstats(sim).pages_collapsed, 1);
}

/* Pages a fork shares count against max_ptes_shared (256): 300 shared refuse
 * (thp_scan_exceed_share_pte, in the parent and in the child, which fork registered). Fork
 * also write-protects both sides, and a block with no writable entry is refused too
 * (SCAN_PAGE_RO), after the whole table was looked at. */
static void test_max_ptes_shared(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(NULL, 0);
    int pid = spawn(sim);
    uint64_t a = sparse_region(sim, pid, 2 * MB, 300);
    int child;
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    advance(sim, 0);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    assert_int_equal(anon_huge_kb(sim, child), 0);
    /* Parent, then child (registered behind it): each refused once; the pass ends. */
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_scan_exceed_share_pte), 2);
    assert_int_equal(kstats(sim).full_scans, 1);
    /* The parent writes its first page: a copy of its own, writable; 299 pages stay shared.
     * A limit of 298 still refuses the parent (at its 299th shared page) and the child (whose
     * first page is now its alone: 299 shared too). */
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, a, a + 1, PG, VML_WRITE, &res), 0);
    assert_int_equal(res.minor, 1);
    int f = vml_thp_find("khugepaged/max_ptes_shared");
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "298", 3, NULL), 0);
    advance(sim, 10 * SEC);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_scan_exceed_share_pte), 4);
    assert_int_equal(anon_huge_kb(sim, pid), 0);
    /* 299: the parent collapses. The child's pages are then mapped once, none shared, but
     * every entry of its table is read-only: SCAN_PAGE_RO. */
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "299", 3, NULL), 0);
    advance(sim, 10 * SEC);
    assert_int_equal(anon_huge_kb(sim, pid), 2048);
    assert_int_equal(anon_huge_kb(sim, child), 0);
    assert_int_equal(vmstat(sim, VML_VMSTAT_thp_scan_exceed_share_pte), 4);
    assert_int_equal(kstats(sim).pages_collapsed, 1);
}

/* An mm that exits leaves the list (at once, or when the cursor reaches it); enabled=never
 * stops the thread, and enabling again starts one that scans at once. */
static void test_exit_and_stop(void **state)
{
    (void)state;
    static const char *const kv[] = { "khugepaged/pages_to_scan", "512", NULL };
    struct vml_sim *sim = new_sim_thp(kv, 0);
    int a = spawn(sim), b = spawn(sim);
    sparse_region(sim, a, 4 * MB, 100);
    sparse_region(sim, b, 2 * MB, 100);
    advance(sim, 0); /* a's block 0: the cursor stays on a */
    assert_int_equal(anon_huge_kb(sim, a), 2048);
    assert_int_equal(vml_sim_exit(sim, a), 0); /* under the cursor: freed by the scan */
    fixture_check(sim);
    advance(sim, 10 * SEC); /* 1 for a's gone mm, the cursor moves to b: 1 + block: collapse */
    assert_int_equal(anon_huge_kb(sim, b), 2048);
    assert_int_equal(sim->khugepaged.head->mm != NULL, 1);
    assert_null(sim->khugepaged.head->next);
    int f = vml_thp_find("enabled");
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "never", 5, NULL), 0);
    uint64_t scans = kstats(sim).full_scans;
    advance(sim, 100 * SEC);
    assert_int_equal(kstats(sim).full_scans, scans); /* no thread */
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "madvise", 7, NULL), 0);
    advance(sim, 0); /* the new thread: 1 + block (PMD-mapped) = 513: its work is done */
    /* 10 s on: 1 + the stack: the list's end; the cursor back at the head in the same
     * wake-up (its first pass through the head): 1 + the block again: the work is done, the
     * cursor on b. */
    advance(sim, 10 * SEC);
    assert_int_equal(kstats(sim).full_scans, scans + 1);
    assert_int_equal(vml_sim_exit(sim, b), 0);
    assert_non_null(sim->khugepaged.head); /* under the cursor: left for the scan */
    assert_null(sim->khugepaged.head->mm);
    advance(sim, 10 * SEC); /* collect_mm_slot; the list empty, the thread waits for work */
    assert_null(sim->khugepaged.head);
    assert_int_equal(kstats(sim).full_scans, scans + 2);
    assert_int_equal(sim->khugepaged.state, KHUGEPAGED_IDLE);
}

/* What the simulation cannot take effect with is refused; the rest of khugepaged/ is taken. */
static void test_settings(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(NULL, 0);
    struct vml_diag d = { 0 };
    int f = vml_thp_find("khugepaged/scan_sleep_millisecs");
    assert_int_equal(vml_sim_thp_store(sim, (size_t)f, "0", 1, &d), VML_ENOTSUP);
    assert_non_null(strstr(d.msg, "scan without pause"));
    static const char *const taken[][2] = {
        { "khugepaged/pages_to_scan", "1" },
        { "khugepaged/alloc_sleep_millisecs", "0" },
        { "khugepaged/max_ptes_none", "0" },
        { "khugepaged/max_ptes_swap", "0" },
        { "khugepaged/max_ptes_shared", "511" },
        { "khugepaged/scan_sleep_millisecs", "1" },
        { "khugepaged/defrag", "0" }, /* collapse allocations then never compact */
    };
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++) {
        f = vml_thp_find(taken[i][0]);
        assert_int_equal(vml_sim_thp_store(sim, (size_t)f, taken[i][1], strlen(taken[i][1]), &d),
                         0);
    }
    assert_int_equal(vml_sim_thp(sim)->max_ptes_shared, 511);
    assert_false(vml_sim_thp(sim)->khugepaged_defrag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_clock_order, teardown),
        cmocka_unit_test_teardown(test_sparse_collapse, teardown),
        cmocka_unit_test_teardown(test_max_ptes_none, teardown),
        cmocka_unit_test_teardown(test_scan_pace, teardown),
        cmocka_unit_test_teardown(test_sleep_jiffies, teardown),
        cmocka_unit_test_teardown(test_alloc_failure, teardown),
        cmocka_unit_test_teardown(test_max_ptes_shared, teardown),
        cmocka_unit_test_teardown(test_exit_and_stop, teardown),
        cmocka_unit_test_teardown(test_settings, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
