/* test_compaction.c: direct compaction and page migration (src/mm/compaction.c, migrate.c), and
 * what the defrag modes let a THP fault do (vma_thp_gfp_mask).
 *
 * The machine is fragmented the way example 20 does it, with a seeded random pattern: a fills
 * a region with 4 KiB pages, its child b writes a random half of them (copies elsewhere), c
 * takes memory until no free 2 MiB block is left, a exits. The expectations come from an
 * independent reference of mm/compaction.c's rules for an asynchronous direct compaction of
 * order 9, computed from the free lists and the frames before the fault:
 *   - the migrate scanner walks DMA32's pageblocks from the zone's start; in each, it
 *     isolates movable folios (mapped anonymous 4 KiB pages, and anonymous large folios below
 *     order 9: the 64 kB mTHPs f faults) and migrates them once 32 pages or more are
 *     isolated (COMPACT_CLUSTER_MAX); at a page that cannot move it drops what it isolated
 *     since the last batch and gives up the block (skip_on_failure); a block it gets through
 *     is free;
 *   - so the pages migrated are the 32-batches done in the blocks given up, plus every used
 *     page of the first block holding movable pages only, and the THP lands on that block;
 *     the pfns the migrate scanner looked at are those of each block given up up to the page
 *     that stopped it (a folio counted whole), and the whole block freed;
 *   - no free block of 64 kB is left anywhere, so each mTHP it isolates is split and its
 *     pages migrated one by one (migrate_pages_batch: try_split_folio on -ENOMEM), counted
 *     once as failed (pgmigrate_fail += 16) and once each as migrated.
 * Seeds are fixed and printed on failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define MB   (1024ull * 1024)
#define PG   4096ull
#define RW   (VML_PROT_READ | VML_PROT_WRITE)
#define ANON (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS)

static struct vml_sim *live;
static uint8_t *free_map;

static int teardown(void **state)
{
    (void)state;
    vml_sim_destroy(live);
    live = NULL;
    free(free_map);
    free_map = NULL;
    return 0;
}

/* 64 MiB, one node: DMA is pfns [0, 4096), DMA32 [4096, 16384), 24 pageblocks. */
static struct vml_sim *new_sim(const char *enabled, const char *defrag, bool mthp)
{
    const char *kv[] = {
        "enabled", enabled, "defrag", defrag, "hugepages-64kB/enabled", mthp ? "always" : "never",
        NULL
    };
    /* The fragmenting fill takes memory to its last pages: no OOM killer. */
    return live = fixture_sim_oom(64 * MB, kv, 0, false);
}

static uint64_t rss_kb(const struct vml_sim *sim, int pid)
{
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_rollup(sim, pid, &c), 0);
    return c.rss;
}

static bool free_block_at_least(const struct vml_sim *sim, unsigned order)
{
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        for (unsigned o = order; o <= VML_MAX_ORDER; o++)
            if (vml_phys_nr_free(sim->phys, 0, (enum vml_zone)z, o))
                return true;
    return false;
}

static uint64_t nr_anon_64k(const struct vml_sim *sim)
{
    struct vml_thp_stats st;
    assert_int_equal(vml_sim_thp_stats(sim, 4, &st), 0);
    return st.nr_anon;
}

static uint64_t rng, n_mthp;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The fragmented machine; returns b's pid. First e writes run pages in each of ten 2 MiB
 * blocks: each block's first fault allocates its page table, so the low pageblocks hold
 * unmovable tables after runs of movable pages (where a scanner has migrated 32-page batches
 * before it meets one). */
static int fragment(struct vml_sim *sim, uint64_t seed, uint64_t run)
{
    int a, b, c, e;
    uint64_t base, fill, eb;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "e", &e), 0);
    assert_int_equal(vml_sim_mmap(sim, e, 0, 20 * MB, RW, ANON, -1, 0, &eb), 0);
    assert_int_equal(vml_sim_madvise(sim, e, eb, 20 * MB, VML_MADV_NOHUGEPAGE), 0);
    for (uint64_t k = 0; k < 10; k++)
        assert_int_equal(
            vml_sim_touch(sim, e, eb + k * 2 * MB, eb + k * 2 * MB + run * PG, PG, VML_WRITE, &res),
            0);
    /* f: a 1 MiB region (too small for a PMD THP) in 64 kB mTHPs of order 4, one per aligned
     * 64 kB inside it (alloc_anon_folio), 4 KiB pages at the unaligned ends. */
    int f;
    uint64_t fb;
    assert_int_equal(vml_sim_spawn(sim, "f", &f), 0);
    assert_int_equal(vml_sim_mmap(sim, f, 0, 1 * MB, RW, ANON, -1, 0, &fb), 0);
    assert_int_equal(vml_sim_touch(sim, f, fb, fb + 1 * MB, PG, VML_WRITE, &res), 0);
    uint64_t k64 = 64 * 1024;
    n_mthp = ((fb + 1 * MB) / k64) - (fb + k64 - 1) / k64;
    if (vml_sim_thp(sim)->size_enabled[4] == VML_MTHP_NEVER)
        n_mthp = 0; /* without 64 kB mTHPs f has 4 KiB pages */
    assert_int_equal(nr_anon_64k(sim), n_mthp);
    assert_int_equal(vml_sim_spawn(sim, "a", &a), 0);
    assert_int_equal(vml_sim_mmap(sim, a, 0, 36 * MB, RW, ANON, -1, 0, &base), 0);
    assert_int_equal(vml_sim_madvise(sim, a, base, 36 * MB, VML_MADV_NOHUGEPAGE), 0);
    assert_int_equal(vml_sim_touch(sim, a, base, base + 36 * MB, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_fork(sim, a, &b), 0);
    rng = seed * 2654435761u + 1;
    for (uint64_t p = base; p < base + 36 * MB; p += PG)
        if (next_rand() & 1)
            assert_int_equal(vml_sim_touch(sim, b, p, p + PG, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_spawn(sim, "c", &c), 0);
    assert_int_equal(vml_sim_mmap(sim, c, 0, 16 * MB, RW, ANON, -1, 0, &fill), 0);
    assert_int_equal(vml_sim_madvise(sim, c, fill, 16 * MB, VML_MADV_NOHUGEPAGE), 0);
    /* c takes memory until no free block of 64 kB is left (so no 2 MiB one either): an mTHP
     * the scanner isolates then finds no free block of its order, and is split. */
    for (uint64_t p = fill; free_block_at_least(sim, 4); p += PG) {
        assert_true(p < fill + 16 * MB);
        assert_int_equal(vml_sim_touch(sim, c, p, p + PG, PG, VML_WRITE, &res), 0);
    }
    assert_int_equal(vml_sim_exit(sim, a), 0);
    assert_false(free_block_at_least(sim, 9));
    fixture_check(sim);
    return b;
}

/* Which pfns are free, from the buddy allocator's lists themselves. */
static void map_free(const struct vml_sim *sim)
{
    const struct vml_phys *ph = sim->phys;
    free(free_map);
    free_map = calloc(ph->total_pages, 1);
    assert_non_null(free_map);
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        const struct phys_zone *zone = &ph->nodes[0].zones[z];
        for (unsigned o = 0; o < PHYS_NR_ORDERS; o++) {
            uint64_t pfn = zone->free_area[o].head;
            while (pfn != FRAME_NONE) {
                memset(free_map + pfn, 1, 1ull << o);
                if (o < SECTION_ORDER) {
                    pfn = phys_frame(ph, pfn)->lru_next;
                } else {
                    uint32_t s = ph->sections[pfn >> SECTION_ORDER].free_next;
                    pfn = s == SECTION_NONE ? FRAME_NONE : (uint64_t)s << SECTION_ORDER;
                }
            }
        }
    }
}

/* The reference: pages the compaction of DMA32 migrates, the pageblock it frees, and how many
 * large folios it migrates. */
static void reference(const struct vml_sim *sim, uint64_t *migrated, uint64_t *block,
                      uint64_t *large, uint64_t *scanned)
{
    map_free(sim);
    const struct phys_zone *z = &sim->phys->nodes[0].zones[VML_ZONE_DMA32];
    *migrated = *large = *scanned = 0;
    for (uint64_t blk = z->start; blk < z->end; blk += 512) {
        uint64_t batch = 0, batch_large = 0;
        bool ok = true;
        for (uint64_t pfn = blk; pfn < blk + 512 && ok; pfn++) {
            if (free_map[pfn]) {
                ++*scanned;
                continue;
            }
            const struct frame *f = phys_frame(sim->phys, pfn);
            uint64_t n = 0;
            if (f->flags & PGF_LARGE) /* a large folio's head: the mTHPs are below order 9 */
                n = f->order < 9 ? 1ull << f->order : 0;
            else if (f->use == VML_USE_ANON && f->mapcount > 0)
                n = 1;
            if (!n) { /* scanned: the page, or the whole folio it heads; the block given up */
                *scanned += (f->flags & PGF_HEAD) ? 1ull << f->order : 1;
                ok = false;
                break;
            }
            *scanned += n;
            batch += n;
            batch_large += n > 1;
            pfn += n - 1;
            if (batch >= 32) {
                *migrated += batch;
                *large += batch_large;
                batch = batch_large = 0;
            }
        }
        if (ok) {
            *migrated += batch;
            *large += batch_large;
            *block = blk;
            return;
        }
    }
    fail_msg("no pageblock of DMA32 holds movable pages only");
}

static uint64_t pfn_at(const struct vml_sim *sim, int pid, uint64_t va)
{
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(sim_task(sim, pid)->mm->pt, va, &leaf), 0);
    return vml_pte_pfn(leaf.entry);
}

static void test_reference(void **state)
{
    (void)state;
    /* Runs of 20..120 pages put e's page tables at every kind of offset in the low
     * pageblocks, so that some scan gives up a block after one or more 32-page batches. */
    static const uint64_t seeds[] = { 1, 7, 42, 1234 };
    uint64_t large_moved = 0;
    for (size_t i = 0; i < 21; i++) {
        uint64_t seed = seeds[i % 4], run = 20 + 5 * i;
        print_message("seed %llu run %llu\n", (unsigned long long)seed, (unsigned long long)run);
        struct vml_sim *sim = new_sim("always", "always", true);
        int b = fragment(sim, seed, run);
        uint64_t want_migrated = 0, want_block = 0, want_large = 0, want_scanned = 0;
        reference(sim, &want_migrated, &want_block, &want_large, &want_scanned);
        large_moved += want_large;
        uint64_t b_rss = rss_kb(sim, b);
        int d;
        uint64_t addr;
        struct vml_sim_access res;
        assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
        assert_int_equal(vml_sim_mmap(sim, d, 0, 2 * MB, RW, ANON, -1, 0, &addr), 0);
        struct vml_thp_stats st0, st1;
        assert_int_equal(vml_sim_thp_stats(sim, 4, &st0), 0);
        assert_int_equal(vml_sim_touch(sim, d, addr, addr + PG, PG, VML_WRITE, &res), 0);
        assert_int_equal(vml_sim_thp_stats(sim, 4, &st1), 0);
        fixture_check(sim);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 16 * want_large);
        assert_int_equal(st1.ev[VML_THP_STAT_split] - st0.ev[VML_THP_STAT_split], want_large);
        assert_int_equal(st1.nr_anon, n_mthp - want_large);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), 1);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_success), 1);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), 1);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), want_migrated);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_migrate_scanned), want_scanned);
        assert_int_equal(pfn_at(sim, d, addr), want_block);
        assert_int_equal(rss_kb(sim, b), b_rss); /* every page moved is mapped as before */
        /* Every mapping of b still reads its own page: the index a page carries is its
         * address, and no two of b's addresses share a frame. */
        uint64_t base = 0;
        struct sim_mm *mm = sim_task(sim, b)->mm;
        for (const struct vma *v = vma_first(mm->vmas); v; v = vma_next(v))
            if (vma_pages(v) == 36 * MB / PG)
                base = v->start;
        assert_true(base != 0);
        for (uint64_t va = base; va < base + 36 * MB; va += PG) {
            const struct frame *f = sim_frame(sim, pfn_at(sim, b, va));
            assert_int_equal(f->index, va / PG);
        }
        teardown(NULL);
    }
    /* Some layouts put f's mTHPs where the scanner migrates them. */
    assert_true(large_moved > 0);
}

/* migrate_folio_large by itself: a 64 kB mTHP moved to a free 64 kB block keeps its state and
 * its mappings, now to the new frames (each PTE, in both processes after a fork). */
static void test_migrate_large(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim("always", "madvise", true);
    int f, g;
    uint64_t fb;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "f", &f), 0);
    assert_int_equal(vml_sim_mmap(sim, f, 0, 1 * MB, RW, ANON, -1, 0, &fb), 0);
    uint64_t va = (fb + 64 * 1024 - 1) & ~(64 * 1024 - 1); /* an aligned 64 kB inside */
    assert_int_equal(vml_sim_touch(sim, f, va, va + 64 * 1024, PG, VML_WRITE, &res), 0);
    assert_int_equal(nr_anon_64k(sim), 1);
    assert_int_equal(vml_sim_fork(sim, f, &g), 0);
    uint64_t old = pfn_at(sim, f, va);
    assert_int_equal(old & 15, 0);
    /* A free 64 kB block: the head of the zone's first free list of order 4 or more. */
    const struct phys_zone *z = &sim->phys->nodes[0].zones[VML_ZONE_DMA32];
    unsigned o = 4;
    while (z->free_area[o].nr_free == 0)
        o++;
    uint64_t target = z->free_area[o].head;
    uint64_t rss_f = rss_kb(sim, f), rss_g = rss_kb(sim, g);
    assert_int_equal(phys_take_free(sim->phys, target, 4, VML_USE_ANON), 0);
    assert_int_equal(migrate_folio_large(sim, old, target), 0);
    fixture_check(sim);
    for (uint64_t i = 0; i < 16; i++) {
        assert_int_equal(pfn_at(sim, f, va + i * PG), target + i);
        assert_int_equal(pfn_at(sim, g, va + i * PG), target + i);
    }
    assert_int_equal(nr_anon_64k(sim), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 16);
    assert_int_equal(rss_kb(sim, f), rss_f);
    assert_int_equal(rss_kb(sim, g), rss_g);
    map_free(sim);
    for (uint64_t i = 0; i < 16; i++)
        assert_true(free_map[old + i]); /* the old block went back */
    /* COW still works on the moved folio: g's write copies one page. */
    assert_int_equal(vml_sim_touch(sim, g, va, va + PG, PG, VML_WRITE, &res), 0);
    fixture_check(sim);
    assert_true(pfn_at(sim, g, va) != target);
    assert_int_equal(pfn_at(sim, f, va), target);
}

/* One THP fault on the fragmented machine under each defrag mode, in a plain and in a
 * MADV_HUGEPAGE region: whether it compacted (compact_stall) and got a THP. */
static void test_defrag_modes(void **state)
{
    (void)state;
    static const struct {
        const char *defrag;
        bool madvised, compacts, kicks; /* kicks: wakes kswapd for order 9 */
    } cases[] = {
        { "always", false, true, false },
        { "always", true, true, false },
        { "madvise", false, false, false },
        { "madvise", true, true, false },
        { "never", false, false, false },
        { "never", true, false, false },
        /* defer never compacts in the fault (GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM);
         * defer+madvise compacts in MADV_HUGEPAGE regions (__GFP_DIRECT_RECLAIM, as madvise)
         * and wakes kswapd elsewhere. */
        { "defer", false, false, true },
        { "defer", true, false, true },
        { "defer+madvise", false, false, true },
        { "defer+madvise", true, true, false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("defrag=%s madvised=%d\n", cases[i].defrag, cases[i].madvised);
        struct vml_sim *sim = new_sim("always", cases[i].defrag, false);
        fragment(sim, 3, 60);
        int d;
        uint64_t addr;
        struct vml_sim_access res;
        assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
        assert_int_equal(vml_sim_mmap(sim, d, 0, 2 * MB, RW, ANON, -1, 0, &addr), 0);
        if (cases[i].madvised)
            assert_int_equal(vml_sim_madvise(sim, d, addr, 2 * MB, VML_MADV_HUGEPAGE), 0);
        uint64_t t0 = vml_sim_now(sim);
        assert_int_equal(vml_sim_touch(sim, d, addr, addr + PG, PG, VML_WRITE, &res), 0);
        uint64_t took = vml_sim_now(sim) - t0;
        fixture_check(sim);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), cases[i].compacts);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), cases[i].compacts);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_fallback), !cases[i].compacts);
        /* wakeup_kswapd records the order before anything else (pgdat->kswapd_order); the
         * node is hopeless after fragment(), so kswapd stays asleep and kcompactd is woken in
         * its place. */
        assert_int_equal(sim->kswapd[0].order, cases[i].kicks ? 9 : 0);
        assert_int_equal(sim->kcompactd[0].timer.armed, cases[i].kicks);
        assert_false(sim->kswapd[0].awake);
        /* The fault's time by cost.h: a 4 KiB fault is 5,250 + 3,750 + 209 ns; a THP fault
         * 5,250 + 3,750 + 512 x 209 plus the compaction, at least one migration (1,500). */
        if (cases[i].compacts)
            assert_true(took >= 116008 + 1500);
        else
            assert_int_equal(took, 9209);
        teardown(NULL);
    }
}

/* khugepaged/defrag: khugepaged's collapse allocation compacts only when it is 1; MADV_COLLAPSE
 * always may, even under defrag=never. */
static void test_collapse_gfp(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        struct vml_sim *sim = new_sim("madvise", "never", false);
        fragment(sim, 5, 60);
        int f = vml_thp_find("khugepaged/defrag");
        struct vml_diag dg = { 0 };
        assert_int_equal(vml_sim_thp_store(sim, (size_t)f, k ? "1" : "0", 1, &dg), 0);
        int d;
        uint64_t addr;
        struct vml_sim_access res;
        assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
        assert_int_equal(vml_sim_mmap(sim, d, 0, 2 * MB, RW, ANON, -1, 0, &addr), 0);
        assert_int_equal(vml_sim_touch(sim, d, addr, addr + 64 * PG, PG, VML_WRITE, &res), 0);
        assert_int_equal(vml_sim_madvise(sim, d, addr, 2 * MB, VML_MADV_HUGEPAGE), 0);
        assert_int_equal(vml_sim_advance(sim, 0), 0); /* khugepaged scans at once */
        fixture_check(sim);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), k);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_collapse_alloc), k);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_collapse_alloc_failed), !k);
        teardown(NULL);
    }
    struct vml_sim *sim = new_sim("madvise", "never", false);
    fragment(sim, 5, 60);
    int d;
    uint64_t addr;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
    assert_int_equal(vml_sim_mmap(sim, d, 0, 2 * MB, RW, ANON, -1, 0, &addr), 0);
    assert_int_equal(vml_sim_touch(sim, d, addr, addr + 2 * MB, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, d, addr, 2 * MB, VML_MADV_COLLAPSE), 0);
    fixture_check(sim);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_collapse_alloc), 1);
}

/* migrate_page on a page-cache page of a 64 kB folio that two processes map shared: both PTEs
 * follow the page, the cache's slot holds the new frame and still the folio's order (4), the
 * page stays dirty, and the checker's page-cache rules hold. */
static void test_migrate_cache_page(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim("madvise", "madvise", false);
    int p, q, file;
    uint64_t a, b;
    assert_int_equal(vml_sim_file_create(sim, "f", 1 * MB, false, &file), 0);
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, p, file, 0, 1 * MB, 64 * 1024), 0);
    assert_int_equal(vml_sim_mmap(sim, p, 0, 1 * MB, RW, VML_MAP_SHARED, file, 0, &a), 0);
    assert_int_equal(vml_sim_spawn(sim, "q", &q), 0);
    assert_int_equal(vml_sim_mmap(sim, q, 0, 1 * MB, RW, VML_MAP_SHARED, file, 0, &b), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, p, a + 5 * PG, a + 6 * PG, PG, VML_READ, &res), 0);
    assert_int_equal(vml_sim_touch(sim, q, b + 5 * PG, b + 6 * PG, PG, VML_READ, &res), 0);
    struct sim_file *f = sim_file(sim, file);
    uint64_t old;
    assert_true(cache_lookup(f, 5, &old));
    assert_int_equal(cache_order(f, 5), 4);
    assert_int_equal(pfn_at(sim, p, a + 5 * PG), old);
    assert_true(page_movable(sim, old, 9));
    assert_false(page_movable(sim, old, 4)); /* a folio as large as the order asked stays */
    const struct phys_zone *z = &sim->phys->nodes[0].zones[VML_ZONE_DMA32];
    uint64_t target = z->free_area[0].nr_free ? z->free_area[0].head : z->free_area[1].head;
    assert_int_equal(phys_take_free(sim->phys, target, 0, VML_USE_FILE), 0);
    assert_int_equal(migrate_page(sim, old, target), 0);
    fixture_check(sim);
    uint64_t now;
    assert_true(cache_lookup(f, 5, &now));
    assert_int_equal(now, target);
    assert_int_equal(cache_order(f, 5), 4);
    assert_int_equal(pfn_at(sim, p, a + 5 * PG), target);
    assert_int_equal(pfn_at(sim, q, b + 5 * PG), target);
    assert_true(sim_frame(sim, target)->flags & PGF_DIRTY);
}

/* Only compaction's part of the reference for kcompactd (MIGRATE_SYNC_LIGHT, not direct: no
 * skip_on_failure): the migrate scanner goes through every pfn of each of DMA32's pageblocks
 * from the zone's start and migrates every movable page it finds, a page that cannot move
 * (a page table, the shared zero page) only keeping its block from being freed; compaction
 * ends at the end of the first block that held movable pages only (it is free then). */
static void reference_sync(const struct vml_sim *sim, uint64_t *migrated, uint64_t *block,
                           uint64_t *scanned)
{
    map_free(sim);
    const struct phys_zone *z = &sim->phys->nodes[0].zones[VML_ZONE_DMA32];
    *migrated = *scanned = 0;
    for (uint64_t blk = z->start; blk < z->end; blk += 512) {
        bool ok = true;
        for (uint64_t pfn = blk; pfn < blk + 512; pfn++) {
            if (free_map[pfn])
                continue;
            const struct frame *f = phys_frame(sim->phys, pfn);
            if (f->use == VML_USE_ANON && f->mapcount > 0 && !(f->flags & PGF_LARGE))
                ++*migrated;
            else
                ok = false;
        }
        *scanned += 512;
        if (ok) {
            *block = blk;
            return;
        }
    }
    fail_msg("no pageblock of DMA32 holds movable pages only");
}

/* An aligned 2 MiB inside a 6 MiB anonymous mapping of d: its n-th. */
static uint64_t aligned_2m(uint64_t addr, unsigned n)
{
    return ((addr + 2 * MB - 1) & ~(2 * MB - 1)) + n * 2 * MB;
}

/* The defer machine: khugepaged/max_ptes_none=0, so that khugepaged, which scans on the same
 * clock, does not collapse d's single pages (its collapse would compact directly). */
static struct vml_sim *new_defer_sim(void)
{
    const char *kv[] = { "enabled", "always", "defrag", "defer", "khugepaged/max_ptes_none",
                         "0",       NULL };
    return live = fixture_sim_oom(64 * MB, kv, 0, false); /* the fill reaches the last pages */
}

static uint64_t fault_max_ns(const struct vml_sim *sim, int pid)
{
    return sim_task(sim, pid)->lat.max_ns;
}

/* defrag=defer on the fragmented machine. fragment()'s c takes memory below the low watermark
 * with nothing reclaimable (anonymous pages, no swap, no page cache): each kswapd pass reclaims
 * nothing, and after 16 the node is hopeless (kswapd_failures = MAX_RECLAIM_RETRIES). A THP
 * fault then:
 *   - cannot reclaim or compact (GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM): it falls back at
 *     once, a 4 KiB fault's time, 5,250 + 3,750 + 209 = 9,209 ns (cost.h), no compact_stall;
 *   - wakeup_kswapd for order 9 finds the node hopeless and, as the request has no
 *     __GFP_DIRECT_RECLAIM, wakes kcompactd itself; kswapd does not run (pageoutrun stays);
 *   - kcompactd runs on the clock, on its own time: compact_daemon_wake 1, the scanners'
 *     counts in compact_daemon_*, none in compact_migrate_scanned or compact_stall;
 *   - a later fault in another aligned 2 MiB gets a THP on the block kcompactd freed, a THP
 *     fault's time and no more: 5,250 + 3,750 + 512 x 209 = 116,008 ns. */
static void test_defer_kcompactd(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 3, 11, 42 };
    for (size_t k = 0; k < 3; k++) {
        print_message("seed %llu\n", (unsigned long long)seeds[k]);
        struct vml_sim *sim = new_defer_sim();
        fragment(sim, seeds[k], 60);
        assert_int_equal(sim->kswapd[0].failures, 16);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pageoutrun), 16);
        int d;
        uint64_t addr;
        struct vml_sim_access res;
        assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
        assert_int_equal(vml_sim_mmap(sim, d, 0, 6 * MB, RW, ANON, -1, 0, &addr), 0);
        uint64_t va = aligned_2m(addr, 0);
        assert_int_equal(vml_sim_touch(sim, d, va, va + PG, PG, VML_WRITE, &res), 0);
        fixture_check(sim);
        assert_int_equal(fault_max_ns(sim, d), 9209);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_fallback), 1);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), 0);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), 0);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pageoutrun), 16);
        assert_int_equal(sim->kswapd[0].order, 9); /* recorded even though kswapd stays asleep */
        assert_true(sim->kcompactd[0].timer.armed);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_wake), 0);
        /* The reference, from the frames as kcompactd finds them. */
        uint64_t want_migrated = 0, want_block = 0, want_scanned = 0;
        reference_sync(sim, &want_migrated, &want_block, &want_scanned);
        uint64_t now = vml_sim_now(sim);
        assert_int_equal(vml_sim_advance(sim, 0), 0);
        fixture_check(sim);
        assert_int_equal(vml_sim_now(sim), now); /* its work takes its own CPU's time */
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_wake), 1);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_migrate_scanned),
                         want_scanned);
        assert_true(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_free_scanned) >= want_migrated);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), want_migrated);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_migrate_scanned), 0);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_stall), 0);
        assert_true(free_block_at_least(sim, 9));
        assert_int_equal(sim->kcompactd[0].max_order, 0);
        /* The next fault, in another aligned 2 MiB, gets the block. */
        va = aligned_2m(addr, 1);
        assert_int_equal(vml_sim_touch(sim, d, va, va + PG, PG, VML_WRITE, &res), 0);
        fixture_check(sim);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), 1);
        assert_int_equal(pfn_at(sim, d, va), want_block);
        assert_int_equal(fault_max_ns(sim, d), 116008);
        assert_int_equal(sim_task(sim, d)->lat.stalls, 0);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_wake), 1);
        /* kcompactd's work took it past the instant it started (busy_until): a wake-up before
         * then is one kcompactd_do_work sees at its end; for no larger an order it is cleared
         * (kcompactd_max_order <= cc.order), a larger one makes it run again at once. */
        uint64_t busy = sim->kcompactd[0].busy_until;
        assert_true(busy > now);
        wakeup_kcompactd(sim, 0, 9, now);
        assert_false(sim->kcompactd[0].timer.armed);
        wakeup_kcompactd(sim, 0, 10, now);
        assert_true(sim->kcompactd[0].timer.armed);
        assert_int_equal(sim->kcompactd[0].timer.when, busy);
        assert_int_equal(sim->kcompactd[0].max_order, 10);
        teardown(NULL);
    }
}

/* kswapd woken for order 9 on a node that is not hopeless (kswapd_failures cleared here, as
 * direct reclaim's progress would): with nothing to reclaim its balance_pgdat at order 9 goes
 * through every priority for nothing and returns order 9, the order it was asked; kswapd then
 * tries to sleep with the order wake-ups left since, 0, so wakeup_kcompactd(0) does nothing:
 * compact_daemon_wake stays 0 and kswapd_failures is 1. With 8 MiB of clean page cache on the
 * free pages instead, kswapd reclaims until it has compact_gap(9) = 1,024 pages, balances for
 * order 0 from then on (the node is above its high watermark: done), and going to sleep wakes
 * kcompactd for order 9: compact_daemon_wake 1, and the next fault gets a THP. */
static void test_defer_kswapd(void **state)
{
    (void)state;
    for (int cache = 0; cache < 2; cache++) {
        print_message("cache %d\n", cache);
        struct vml_sim *sim = new_defer_sim();
        fragment(sim, 3, 60);
        sim->kswapd[0].failures = 0;
        int d, file;
        uint64_t addr;
        struct vml_sim_access res;
        assert_int_equal(vml_sim_spawn(sim, "d", &d), 0);
        if (cache) {
            assert_int_equal(vml_sim_file_create(sim, "f", 8 * MB, false, &file), 0);
            assert_int_equal(vml_sim_file_read(sim, d, file, 0, 8 * MB), 0);
            assert_int_equal(vml_sim_advance(sim, 0), 0);
            assert_false(free_block_at_least(sim, 9));
        }
        uint64_t runs = fixture_vmstat(sim, VML_VMSTAT_pageoutrun);
        assert_int_equal(vml_sim_mmap(sim, d, 0, 6 * MB, RW, ANON, -1, 0, &addr), 0);
        uint64_t va = aligned_2m(addr, 0);
        assert_int_equal(vml_sim_touch(sim, d, va, va + PG, PG, VML_WRITE, &res), 0);
        assert_int_equal(fault_max_ns(sim, d), 9209);
        assert_true(sim->kswapd[0].awake);
        assert_false(sim->kcompactd[0].timer.armed);
        assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0);
        fixture_check(sim);
        assert_false(sim->kswapd[0].awake);
        assert_true(fixture_vmstat(sim, VML_VMSTAT_pageoutrun) > runs);
        if (!cache) {
            assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pageoutrun), runs + 1);
            assert_int_equal(sim->kswapd[0].failures, 1);
            assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_wake), 0);
            assert_false(free_block_at_least(sim, 9));
            teardown(NULL);
            continue;
        }
        assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_kswapd) >= 1024);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_wake), 1);
        assert_true(fixture_vmstat(sim, VML_VMSTAT_compact_daemon_migrate_scanned) > 0);
        assert_true(free_block_at_least(sim, 9));
        va = aligned_2m(addr, 1);
        assert_int_equal(vml_sim_touch(sim, d, va, va + PG, PG, VML_WRITE, &res), 0);
        fixture_check(sim);
        assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_fault_alloc), 1);
        assert_int_equal(fault_max_ns(sim, d), 116008);
        teardown(NULL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_reference, teardown),
        cmocka_unit_test_teardown(test_defrag_modes, teardown),
        cmocka_unit_test_teardown(test_defer_kcompactd, teardown),
        cmocka_unit_test_teardown(test_defer_kswapd, teardown),
        cmocka_unit_test_teardown(test_collapse_gfp, teardown),
        cmocka_unit_test_teardown(test_migrate_large, teardown),
        cmocka_unit_test_teardown(test_migrate_cache_page, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
