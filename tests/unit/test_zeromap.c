/* Zero-filled anonymous pages and the swap zeromap (mm/page_io.c of 6.18: swap_writeout ->
 * is_folio_zero_filled, swap_zeromap_folio_set; swap_read_folio_zeromap; mm/swapfile.c:
 * swap_range_free clears the bit). Every figure is worked by hand below from those rules and
 * from swap_vma_readahead's windows (test_workingset.c gives the window rule):
 *   - a read fault on a machine without the shared zero page gives a fresh zeroed page; a
 *     store gives it data; a page read from a zeromap slot is zeros again;
 *   - swap-out of a page of zeros writes nothing (swpout_zero, no pswpout), sets the slot's
 *     bit and frees the page at once (no writeback to wait for: SwapCached does not keep it);
 *     swap-out of a page with data clears the bit and writes (pswpout);
 *   - swap-in of a zeromap slot reads nothing (swpin_zero, no pswpin) but is still a major
 *     fault (do_swap_page: the folio was not in the swap cache), and readahead takes zeromap
 *     slots like any other (swap_ra);
 *   - both kinds count nr_vmscan_write (pageout -> writeout).
 * The measured kernel figures for the same layout are in docs/probes/zeromap.out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"
#include "vmlab/replay.h"
#include "vmlab/trace.h"

#define MiB  (1ull << 20)
#define BASE 0x200000000ull /* PMD-aligned: no readahead window is cut by a page table's end */
#define PG   4096ull

static struct vml_sim *machine(bool zero_page)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 256 * MiB;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, &d), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.swap_bytes = 64 * MiB;
    cfg.no_zero_page = !zero_page;
    struct vml_vm_sysctl vm;
    vml_vm_sysctl_defaults(&vm);
    vm.page_cluster = 3;
    cfg.vm = &vm;
    struct vml_sim *sim = NULL;
    int r = vml_sim_create(&cfg, &sim, &d);
    if (r)
        fail_msg("vml_sim_create: %s (%s)", vml_strerror(r), d.msg);
    return sim;
}

static uint64_t ev(struct vml_sim *sim, enum vml_vmstat_item i)
{
    return fixture_vmstat(sim, i);
}

/* The first swap area's zeromap bits that are set. */
static uint64_t zeromap_bits(const struct vml_sim *sim)
{
    const struct swap_area *a = &sim->swap[0];
    uint64_t n = 0;
    for (uint64_t w = 0; w < (a->max + 63) / 64; w++)
        n += (uint64_t)__builtin_popcountll(a->zeromap[w]);
    return n;
}

/* A process with n pages of anonymous memory at BASE (no THP). */
static int region(struct vml_sim *sim, uint64_t n)
{
    int pid;
    uint64_t addr;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, BASE, n * PG, 3,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0,
                                  &addr),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, n * PG, VML_MADV_NOHUGEPAGE), 0);
    return pid;
}

static void touch(struct vml_sim *sim, int pid, uint64_t from, uint64_t to, enum vml_access a,
                  struct vml_sim_access *res)
{
    assert_int_equal(vml_sim_touch(sim, pid, BASE + from * PG, BASE + to * PG, PG, a, res), 0);
}

/* 150 pages: 0..99 read (fresh zeroed pages: no zero page), 100..149 written.
 * Pageout: 100 zero-filled pages go to the zeromap (swpout_zero 100), 50 are written (pswpout
 * 50) and stay in the swap cache under writeback (SwapCached 200 kB); VmSwap 600 kB.
 * Read again in order a second later (the writes ended): page 0's fault has a window of 8
 * (4 hits to start: 6, rounded up to 8) centred on it, 3 before (cut at the VMA's start) and
 * 4 after: pages 0..4. Then windows of 8 from each fault following the last: 5, 13, ..., 93
 * (12 of them), the last reaching page 100, which the swap cache holds (not read again).
 * Majors 1 + 12 = 13, read ahead 100 - 13 = 87, all hit; swpin_zero 100, pswpin 0; pages
 * 100..149 are swap-cache hits: minor. */
static void test_pageout_and_reread(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(false);
    int pid = region(sim, 150);
    struct vml_sim_access res;
    touch(sim, pid, 0, 100, VML_READ, &res);
    touch(sim, pid, 100, 150, VML_WRITE, &res);
    uint64_t out0 = ev(sim, VML_VMSTAT_pswpout), zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    uint64_t w0 = ev(sim, VML_VMSTAT_nr_vmscan_write);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 150 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 50);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 100);
    assert_int_equal(ev(sim, VML_VMSTAT_nr_vmscan_write) - w0, 150);
    assert_int_equal(zeromap_bits(sim), 100);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapCached"), 200);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"), 600);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmRSS") <
                         fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"),
                     true);
    assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0);

    uint64_t in0 = ev(sim, VML_VMSTAT_pswpin), zin0 = ev(sim, VML_VMSTAT_swpin_zero);
    uint64_t ra0 = ev(sim, VML_VMSTAT_swap_ra), hit0 = ev(sim, VML_VMSTAT_swap_ra_hit);
    touch(sim, pid, 0, 150, VML_READ, &res);
    assert_int_equal(res.major, 13);
    assert_int_equal(res.minor, 137);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpin) - in0, 0);
    assert_int_equal(ev(sim, VML_VMSTAT_swpin_zero) - zin0, 100);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 87);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra_hit) - hit0, 87);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Continuing: every page is now a clean swap-cache page (the zero ones still zeros). Pageout
 * frees them all without writing anything (pswpout +0, swpout_zero +0: only dirty folios are
 * written); the zeromap keeps its 100 bits. Read again: page 0's window is centred again
 * (the last address was page 149's), 6 hits from the last run give 8 pages: 0..4; then
 * windows of 8 at 5, 13, ..., 149 (19 of them, the last one page, cut at the VMA's end).
 * Majors 20, read ahead 130; pswpin 50 (the data slots 100..149), swpin_zero 100. */
static void test_clean_pageout_and_data_reads(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(false);
    int pid = region(sim, 150);
    struct vml_sim_access res;
    touch(sim, pid, 0, 100, VML_READ, &res);
    touch(sim, pid, 100, 150, VML_WRITE, &res);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 150 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0);
    touch(sim, pid, 0, 150, VML_READ, &res);

    uint64_t out0 = ev(sim, VML_VMSTAT_pswpout), zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 150 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 0);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 0);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapCached"), 0);
    assert_int_equal(zeromap_bits(sim), 100);

    uint64_t in0 = ev(sim, VML_VMSTAT_pswpin), zin0 = ev(sim, VML_VMSTAT_swpin_zero);
    uint64_t ra0 = ev(sim, VML_VMSTAT_swap_ra);
    touch(sim, pid, 0, 150, VML_READ, &res);
    assert_int_equal(res.major, 20);
    assert_int_equal(res.minor, 130);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpin) - in0, 50);
    assert_int_equal(ev(sim, VML_VMSTAT_swpin_zero) - zin0, 100);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 130);

    /* Every page written, then paged out: all hold data now, each is written to its slot
     * (still its own: the swap cache kept it) and the zeromap bits are cleared. */
    touch(sim, pid, 0, 150, VML_WRITE, &res);
    out0 = ev(sim, VML_VMSTAT_pswpout);
    zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 150 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 150);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 0);
    assert_int_equal(zeromap_bits(sim), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A zeromap slot freed clears its bit (swap_range_free): 8 read pages paged out (8 bits), then
 * written: each write fault on a swap entry reads the page (from the zeromap) and, being the
 * only user of an exclusive page, takes it out of the swap cache (should_try_to_free_swap:
 * a write fault, refcount 2), which frees the slot: 0 bits. */
static void test_slot_free_clears_bit(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(false);
    int pid = region(sim, 8);
    struct vml_sim_access res;
    touch(sim, pid, 0, 8, VML_READ, &res);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 8 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(zeromap_bits(sim), 8);
    for (uint64_t i = 0; i < 8; i++)
        touch(sim, pid, i, i + 1, VML_WRITE, &res);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapCached"), 0);
    assert_int_equal(zeromap_bits(sim), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* With the shared zero page, a read fault maps it and no page of its own: MADV_PAGEOUT skips
 * those entries (not a normal page), so only the 50 written pages go to swap, written. */
static void test_zero_page_host(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(true);
    int pid = region(sim, 150);
    struct vml_sim_access res;
    touch(sim, pid, 0, 100, VML_READ, &res);
    touch(sim, pid, 100, 150, VML_WRITE, &res);
    uint64_t out0 = ev(sim, VML_VMSTAT_pswpout), zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 150 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 50);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"), 200);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Stores reported by a caller that translates itself (replay): vml_sim_stored on 3 of 10 read
 * pages makes those 3 data (pswpout 3), the other 7 go to the zeromap. Not running: ENOENT. */
static void test_reported_stores(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(false);
    int pid = region(sim, 10);
    struct vml_sim_access res;
    touch(sim, pid, 0, 10, VML_READ, &res);
    assert_true(vml_sim_tracks_stores(sim));
    for (uint64_t i = 2; i < 5; i++)
        assert_int_equal(vml_sim_stored(sim, pid, BASE + i * PG + 100), 0);
    assert_int_equal(vml_sim_stored(sim, pid + 1000, BASE), VML_ENOENT);
    uint64_t out0 = ev(sim, VML_VMSTAT_pswpout), zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 10 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 3);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 7);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The same through trace replay (attached, with and without the memo shortcut): 10 pages read,
 * then pages 2, 3, 4 stored to, twice each (the second store to a page is a memo shortcut, the
 * first is reported), and one read of page 2 after them. Pageout: pswpout 3, swpout_zero 7. */
static void replay_stores(bool no_shortcut)
{
    struct vml_sim *sim = machine(false);
    int pid = region(sim, 10);
    struct vml_trace_rec t[10 + 7];
    memset(t, 0, sizeof(t));
    size_t n = 0;
    for (uint64_t i = 0; i < 10; i++)
        t[n++] = (struct vml_trace_rec){ .addr = BASE + i * PG, .size = 8, .kind = VML_READ };
    for (uint64_t i = 2; i < 5; i++)
        for (int k = 0; k < 2; k++)
            t[n++] = (struct vml_trace_rec){ .addr = BASE + i * PG + 64 * (uint64_t)k,
                                             .size = 8,
                                             .kind = VML_WRITE };
    t[n++] = (struct vml_trace_rec){ .addr = BASE + 2 * PG, .size = 8, .kind = VML_READ };
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, no_shortcut, &r), 0);
    size_t done = 0;
    assert_int_equal(vml_replay_feed(r, t, n, &done, NULL), 0);
    assert_int_equal(done, n);
    vml_replay_destroy(r);
    uint64_t out0 = ev(sim, VML_VMSTAT_pswpout), zout0 = ev(sim, VML_VMSTAT_swpout_zero);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, 10 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpout) - out0, 3);
    assert_int_equal(ev(sim, VML_VMSTAT_swpout_zero) - zout0, 7);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_replay_stores(void **state)
{
    (void)state;
    replay_stores(false);
    replay_stores(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pageout_and_reread),
        cmocka_unit_test(test_clean_pageout_and_data_reads),
        cmocka_unit_test(test_slot_free_clears_bit),
        cmocka_unit_test(test_zero_page_host),
        cmocka_unit_test(test_reported_stores),
        cmocka_unit_test(test_replay_stores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
