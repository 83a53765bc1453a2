/* Swap readahead (mm/swap_state.c: swap_vma_readahead) and refault detection (mm/workingset.c),
 * each expectation worked by hand from the kernel's rules:
 *   - swap_vma_ra_win: a window of hits + 2 pages rounded up to a power of two (at least 4),
 *     capped at 2^page-cluster = 8, never below half the last one; it starts at a fault that
 *     follows the last one, ends at one that precedes it, is centred otherwise; clipped to
 *     the VMA and to the 2 MiB the faulting page table covers. A VMA starts with 4 hits.
 *   - workingset_test_recent: a refault is recent when the pages aged since the eviction are no
 *     more than the active file list (plus the anon lists when swap has room).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"
#include "mm/blockdev.h"
#include "mm/sim_internal.h"

#define MiB  (1ull << 20)
#define BASE 0x200000000ull /* PMD-aligned, so the window clipping below is known */

static struct vml_sim *machine(uint64_t swap, unsigned page_cluster, const char *disk)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 256 * MiB;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, &d), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.swap_bytes = swap;
    struct vml_vm_sysctl vm;
    vml_vm_sysctl_defaults(&vm);
    vm.page_cluster = page_cluster;
    cfg.vm = &vm;
    if (disk) {
        enum bdev_kind k;
        assert_true(bdev_kind_find(disk, (unsigned)strlen(disk), &k));
        cfg.swapdev = k;
        cfg.swapdev_set = true;
    }
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

/* A process with len bytes of anonymous memory at BASE, written, then paged out and its swap
 * cache emptied: every page's PTE holds a swap entry and no page is cached (the first pageout
 * starts the writes, a touch maps the cached pages again once written, the second pageout
 * frees them clean, leaving shadows). */
static int swapped_out(struct vml_sim *sim, uint64_t len)
{
    int pid;
    uint64_t addr;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, BASE, len, 3,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0,
                                  &addr),
                     0);
    assert_int_equal(addr, BASE);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, len, VML_MADV_NOHUGEPAGE), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + len, 4096, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, len, VML_MADV_PAGEOUT), 0);
    assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0);
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + len, 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 0); /* all still in the swap cache */
    assert_int_equal(vml_sim_madvise(sim, pid, BASE, len, VML_MADV_PAGEOUT), 0);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapCached"), 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"), len >> 10);
    return pid;
}

/* One PMD's worth (512 pages) read in order. The first fault (at the VMA's start, no last
 * address: centred) reads pages 0..4 (left = -3 clipped to 0, right = 5); the next faults
 * follow the last hit, 4 hits then 7: windows of 8 from the fault, 63 of them to page 508,
 * and the last 3 pages (509..511) in a window cut at the page table's end. 1 + 63 + 1 = 65
 * major faults, 512 - 65 = 447 read ahead, every one then hit. */
static void test_sequential_window(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 3, NULL);
    int pid = swapped_out(sim, 2 * MiB);
    uint64_t in0 = ev(sim, VML_VMSTAT_pswpin), ra0 = ev(sim, VML_VMSTAT_swap_ra);
    uint64_t hit0 = ev(sim, VML_VMSTAT_swap_ra_hit);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + 2 * MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 65);
    assert_int_equal(res.minor, 447);
    assert_int_equal(ev(sim, VML_VMSTAT_pswpin) - in0, 512);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 447);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra_hit) - hit0, 447);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The same pages read backwards: the first fault (page 511, centred) reads 508..511 (right
 * clipped at 512); the next ones precede the last hit, so each window of 8 ends at its fault:
 * 500..507, ..., 4..11 (63 windows), then 0..3 (left clipped at the VMA). 65 faults again. */
static void test_backward_window(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 3, NULL);
    int pid = swapped_out(sim, 2 * MiB);
    uint64_t maj0 = ev(sim, VML_VMSTAT_pgmajfault), ra0 = ev(sim, VML_VMSTAT_swap_ra);
    struct vml_sim_access res;
    for (uint64_t i = 512; i-- > 0;)
        assert_int_equal(
            vml_sim_touch(sim, pid, BASE + i * 4096, BASE + (i + 1) * 4096, 4096, VML_READ, &res),
            0);
    assert_int_equal(ev(sim, VML_VMSTAT_pgmajfault) - maj0, 65);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 447);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* vm.page-cluster = 0: a window of one page, every page its own major fault. */
static void test_page_cluster_zero(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 0, NULL);
    int pid = swapped_out(sim, 2 * MiB);
    uint64_t ra0 = ev(sim, VML_VMSTAT_swap_ra);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + 2 * MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 512);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 0);
    vml_sim_destroy(sim);
}

/* Swap on a rotational disk (hdd): the slot-aligned cluster readahead instead
 * (swap_cluster_readahead). The pages went out in order into the first free cluster (the
 * header's cluster, slots 0..511, is only nonfull, and a free one is taken first): page i in
 * slot 512 + i, checked in its PTE. The fault at page 0 (slot 512; 4 hits to start: a window
 * of 8) reads the block of slots 512..519, pages 0..7; its 7 hits make the next window 8
 * again (7 + 2 rounded up to 16, capped at 8), and so on: 512 / 8 = 64 faults, 448 read
 * ahead. */
static void test_cluster_readahead_hdd(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 3, "hdd");
    int pid = swapped_out(sim, 2 * MiB);
    struct vml_pt_leaf leaf;
    assert_int_equal(vml_pt_lookup(sim_task(sim, pid)->mm->pt, BASE, &leaf), 0);
    assert_true(pte_is_swap(leaf.entry));
    assert_int_equal(swp_offset(pte_to_swp_entry(leaf.entry)), 512);
    uint64_t maj0 = ev(sim, VML_VMSTAT_pgmajfault), ra0 = ev(sim, VML_VMSTAT_swap_ra);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + 2 * MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_pgmajfault) - maj0, 64);
    assert_int_equal(ev(sim, VML_VMSTAT_swap_ra) - ra0, 448);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Anonymous refaults: the 512 pages' shadows were left by the second pageout, and every
 * swap-in finds one (workingset_refault_anon counts all 512). The workingset they compete with
 * (active file + inactive file + active anon, swap having room) is one page here: the swap
 * file's header, which swapon read into the page cache (read_swap_header). Each eviction aged
 * the node by one page, so page i (evicted i-th of 512) refaults at distance 512 - i: only the
 * last one's, 1, is within the workingset: one activated. */
static void test_anon_refault_counts(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 3, NULL);
    int pid = swapped_out(sim, 2 * MiB);
    uint64_t rf0 = ev(sim, VML_VMSTAT_workingset_refault_anon);
    uint64_t ac0 = ev(sim, VML_VMSTAT_workingset_activate_anon);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, BASE, BASE + 2 * MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_refault_anon) - rf0, 512);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_activate_anon) - ac0, 1);
    vml_sim_destroy(sim);
}

/* File refaults. 1 MiB of file G is read twice (folio_mark_accessed twice: 256 active file
 * pages, the second access of each aging the node by one). 64 KiB of file F, mapped and read,
 * is paged out: 16 clean pages evicted, each leaving a shadow and aging the node by one. Read
 * again: page k (0-based) was evicted when 15 - k more evictions were still to come, and each
 * earlier refault in the read ages the node once more by its activation, so its distance is
 * (16 - k) + k = 16 <= 256 active file pages: all 16 are recent and start active; none had
 * been active before (no restore). Then F is truncated to nothing and written again: the
 * truncation took the shadows, so no refault is counted. */
static void test_file_refault(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(0, 3, NULL);
    int pid, g, f;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "g", MiB, false, &g), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 64 << 10, false, &f), 0);
    assert_int_equal(vml_sim_file_read(sim, pid, g, 0, MiB), 0);
    assert_int_equal(vml_sim_file_read(sim, pid, g, 0, MiB), 0);
    uint64_t active_file = fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "Active(file)");
    assert_true(active_file >= 1024);
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 << 10, 1, VML_MAP_SHARED, f, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + (64 << 10), 4096, VML_READ, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, addr, 64 << 10, VML_MADV_PAGEOUT), 0);
    assert_int_equal(sim_file(sim, f)->nr_cached, 0);
    assert_int_equal(sim_file(sim, f)->nr_shadows, 16);
    uint64_t rf0 = ev(sim, VML_VMSTAT_workingset_refault_file);
    uint64_t ac0 = ev(sim, VML_VMSTAT_workingset_activate_file);
    uint64_t rs0 = ev(sim, VML_VMSTAT_workingset_restore_file);
    uint64_t act0 = fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "Active(file)");
    assert_int_equal(vml_sim_file_read(sim, pid, f, 0, 64 << 10), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_refault_file) - rf0, 16);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_activate_file) - ac0, 16);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_restore_file) - rs0, 0);
    assert_int_equal(fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "Active(file)") - act0, 64);
    assert_int_equal(sim_file(sim, f)->nr_shadows, 0);
    /* Evicted again, then truncated: the shadows go with the pages' range. */
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + (64 << 10), 4096, VML_READ, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, addr, 64 << 10, VML_MADV_PAGEOUT), 0);
    assert_int_equal(sim_file(sim, f)->nr_shadows, 16);
    assert_int_equal(vml_sim_munmap(sim, pid, addr, 64 << 10), 0);
    assert_int_equal(vml_sim_truncate(sim, pid, f, 0), 0);
    assert_int_equal(sim_file(sim, f)->nr_shadows, 0);
    rf0 = ev(sim, VML_VMSTAT_workingset_refault_file);
    assert_int_equal(vml_sim_file_write(sim, pid, f, 0, 64 << 10), 0);
    assert_int_equal(ev(sim, VML_VMSTAT_workingset_refault_file), rf0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_window),   cmocka_unit_test(test_backward_window),
        cmocka_unit_test(test_page_cluster_zero),   cmocka_unit_test(test_cluster_readahead_hdd),
        cmocka_unit_test(test_anon_refault_counts), cmocka_unit_test(test_file_refault),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
