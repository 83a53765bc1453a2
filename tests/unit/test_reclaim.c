/* test_reclaim.c: LRU reclaim and swap of the simulated kernel (mm/vmscan.c, mm/swapfile.c,
 * mm/swapin.c), checked against hand arithmetic and the kernel's formats:
 *   - the x86-64 swap PTE encoding (arch/x86/include/asm/pgtable_64.h), worked by hand;
 *   - /proc/swaps of a fresh swap file: Size is the file less its header page;
 *   - anonymous memory past RAM goes to swap: every touched page is either resident or a swap
 *     entry, SwapFree falls by the slots used, pswpout counts them, and touching the pages
 *     again reads back exactly the pages that were out (pswpin == major faults);
 *   - clean page cache is dropped before anything is swapped when swappiness is 0;
 *   - without swap, anonymous memory stays and file pages go;
 *   - fork shares swap entries (SwapPss halves), exit gives every slot back;
 *   - a page written for reclaim comes back to the inactive tail when its write ends, from the
 *     active list too (folio_rotate_reclaimable), and dirty page cache kswapd left to the
 *     flusher is rotated so once written;
 *   - dirty page cache does not bring an early OOM, on the machine or in a cgroup: reclaim wakes
 *     the flusher and waits for its writes.
 * Every test runs the invariant checker, which recounts swap_map references from the page
 * tables and walks the LRU lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"

#define MiB (1ull << 20)

static struct vml_sim *machine_dirty(uint64_t ram, uint64_t swap, unsigned swappiness,
                                     unsigned dirty_ratio, unsigned background_ratio)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = ram;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, &d), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.swap_bytes = swap;
    struct vml_vm_sysctl vm;
    vml_vm_sysctl_defaults(&vm);
    vm.swappiness = swappiness;
    if (dirty_ratio) {
        vm.dirty_ratio = dirty_ratio;
        vm.dirty_background_ratio = background_ratio;
    }
    cfg.vm = &vm;
    struct vml_sim *sim = NULL;
    int r = vml_sim_create(&cfg, &sim, &d);
    if (r)
        fail_msg("vml_sim_create: %s (%s)", vml_strerror(r), d.msg);
    return sim;
}

static struct vml_sim *machine(uint64_t ram, uint64_t swap, unsigned swappiness)
{
    return machine_dirty(ram, swap, swappiness, 0, 0);
}

static uint64_t meminfo(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t status(struct vml_sim *sim, int pid, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, key);
}

static void test_swap_pte_encoding(void **state)
{
    (void)state;
    /* Type 0, offset 1: ~1 is ...11110; << 14 leaves bits 15..63 set and bit 14 clear; >> 5
     * moves that to bits 10..58: 0x07fffffffffffc00. Not present (bit 0 clear). */
    uint64_t pte = swp_entry_to_pte(swp_entry(0, 1));
    assert_true(pte == 0x07fffffffffffc00ull);
    assert_false(pte & VML_PTE_P);
    /* Type 3, offset 0x1234: the type in bits 59..63; the offset comes back. */
    uint64_t e = swp_entry(3, 0x1234);
    pte = swp_entry_to_pte(e);
    assert_true(pte >> 59 == 3);
    assert_true(pte_to_swp_entry(pte) == e);
    assert_true(pte_to_swp_entry(pte | PTE_SWP_EXCLUSIVE) == e);
    assert_true(pte_is_swap(pte));
    assert_false(pte_is_swap(0));
}

static void test_proc_swaps(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 64 * MiB, 60);
    char *s = fixture_proc_text(sim, 0, VML_SIM_SWAPS, 0, 0);
    /* 64 MiB = 16384 pages, one the header: 16383 pages = 65532 kB; the first swapon without a
     * priority gets -2. The path is padded to 40 columns. */
    assert_string_equal(s, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
                           "/swapfile                               file\t\t65532\t\t0\t\t-2\n");
    free(s);
    assert_int_equal(meminfo(sim, "SwapTotal"), 65532);
    assert_int_equal(meminfo(sim, "SwapFree"), 65532);
    vml_sim_destroy(sim);
}

static void test_anon_past_ram_swaps(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 128 * MiB, 60);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t base = status(sim, pid, "RssAnon");
    uint64_t addr, len = 96 * MiB, pages = len >> 12;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, &res), 0);
    assert_false(res.killed);
    assert_int_equal(res.minor, pages);
    fixture_check(sim);
    /* Each of the 24576 pages is resident or a swap entry. */
    uint64_t rss = status(sim, pid, "RssAnon"), swapped = status(sim, pid, "VmSwap");
    assert_int_equal(rss + swapped, base + len / 1024);
    assert_true(swapped >= 32 * 1024); /* 96 MiB in 64 MiB of RAM: at least 32 MiB out */
    /* The slots in use are the entries' plus those of cached pages mapped again, so between
     * VmSwap and VmSwap + SwapCached; every entry's page was written once. */
    uint64_t out = fixture_vmstat(sim, VML_VMSTAT_pswpout);
    uint64_t used = meminfo(sim, "SwapTotal") - meminfo(sim, "SwapFree");
    assert_true(used >= swapped);
    assert_true(used <= swapped + meminfo(sim, "SwapCached"));
    assert_true(out * 4 >= swapped);
    /* Touching it all again reads back the pages that were out: each read is a major fault's
     * own page or one its readahead window brought (swap_ra), a window at most 2^page-cluster
     * = 8 pages, so at least one major fault per 8 reads. */
    uint64_t maj0 = fixture_vmstat(sim, VML_VMSTAT_pgmajfault);
    uint64_t in0 = fixture_vmstat(sim, VML_VMSTAT_pswpin);
    uint64_t ra0 = fixture_vmstat(sim, VML_VMSTAT_swap_ra);
    uint64_t out_pages = swapped / 4;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_READ, &res), 0);
    uint64_t maj = fixture_vmstat(sim, VML_VMSTAT_pgmajfault) - maj0;
    uint64_t in = fixture_vmstat(sim, VML_VMSTAT_pswpin) - in0;
    uint64_t ra = fixture_vmstat(sim, VML_VMSTAT_swap_ra) - ra0;
    assert_int_equal(maj + ra, in);
    assert_true(maj * 8 >= in);
    assert_true(ra > 0);
    assert_int_equal(res.major, maj);
    /* Every page that was out faults; pages still resident when the pass began may be
     * pushed out before it reaches them, so at least that many. */
    assert_true(res.major + res.minor >= out_pages);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_exit_frees_slots(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(32 * MiB, 64 * MiB, 60);
    int pid, child;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t addr, len = 48 * MiB;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, &res), 0);
    uint64_t swapped = status(sim, pid, "VmSwap");
    assert_true(swapped > 0);
    /* fork: the child's entries are the parent's, each slot referenced twice, so both
     * processes' SwapPss is half their Swap. */
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    fixture_check(sim);
    assert_int_equal(status(sim, child, "VmSwap"), swapped);
    uint64_t pss = fixture_proc_field(sim, child, VML_SIM_SMAPS_ROLLUP, 0, 0, "SwapPss");
    assert_int_equal(pss, swapped / 2);
    assert_int_equal(vml_sim_exit(sim, child), 0);
    fixture_check(sim);
    pss = fixture_proc_field(sim, pid, VML_SIM_SMAPS_ROLLUP, 0, 0, "SwapPss");
    assert_int_equal(pss, status(sim, pid, "VmSwap"));
    assert_int_equal(vml_sim_exit(sim, pid), 0);
    fixture_check(sim);
    /* Every slot back; nothing left in the swap cache once its writes are done. */
    assert_int_equal(meminfo(sim, "SwapFree") + meminfo(sim, "SwapCached"),
                     meminfo(sim, "SwapTotal"));
    vml_sim_destroy(sim);
}

/* Reads a file of size bytes into the page cache. */
static int cache_file(struct vml_sim *sim, int pid, uint64_t size)
{
    int f;
    assert_int_equal(vml_sim_file_create(sim, "data", size, false, &f), 0);
    assert_int_equal(vml_sim_file_read_chunked(sim, pid, f, 0, size, 1 << 20), 0);
    return f;
}

static void test_no_swap_drops_cache(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(64 * MiB, 0, 60);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    cache_file(sim, pid, 32 * MiB);
    assert_true(meminfo(sim, "Cached") >= 32 * 1024);
    /* 48 MiB of anonymous memory does not fit beside 32 MiB of cache in 64 MiB: the cache
     * goes, anonymous memory is never scanned (no swap: get_scan_count's SCAN_FILE). */
    uint64_t addr, len = 48 * MiB;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, &res), 0);
    assert_false(res.killed);
    fixture_check(sim);
    assert_true(status(sim, pid, "RssAnon") >= len / 1024);
    assert_true(meminfo(sim, "Cached") < 16 * 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgscan_anon), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) >= 16 * 256);
    vml_sim_destroy(sim);
}

/* A file read twice (its pages active: folio_mark_accessed twice), then anonymous memory
 * that does not fit beside it, at a swappiness. */
static struct vml_sim *active_cache_then_anon(unsigned swappiness, int *pid)
{
    struct vml_sim *sim = machine(64 * MiB, 64 * MiB, swappiness);
    assert_int_equal(vml_sim_spawn(sim, "a", pid), 0);
    int f = cache_file(sim, *pid, 24 * MiB);
    assert_int_equal(vml_sim_file_read_chunked(sim, *pid, f, 0, 24 * MiB, 1 << 20), 0);
    assert_true(meminfo(sim, "Active(file)") >= 24 * 1024 - 64);
    uint64_t addr, len = 56 * MiB;
    assert_int_equal(
        vml_sim_mmap(sim, *pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, *pid, addr, addr + len, 4096, VML_WRITE, &res), 0);
    assert_false(res.killed);
    fixture_check(sim);
    return sim;
}

/* Every frame of the machine with PG_reclaim whose write is over (neither PG_writeback nor a
 * swap write in flight): folio_end_writeback clears the flag, so there is none. */
static uint64_t reclaim_flag_left(const struct vml_sim *sim)
{
    uint64_t n = 0;
    const struct phys_node *node = &sim->phys->nodes[0];
    for (uint64_t pfn = node->start; pfn < node->start + node->pages; pfn++) {
        const struct frame *f = sim_frame(sim, pfn);
        if (f && (f->flags & PGF_RECLAIM) && !(f->flags & (PGF_WRITEBACK | PGF_SWAPWB)))
            n++;
    }
    return n;
}

static void test_rotate_after_writeback(void **state)
{
    (void)state;
    /* folio_rotate_reclaimable by hand: a page reclaim activated (its write in flight) and
     * marked PG_reclaim moves, once clean, from the active list to the inactive tail, and
     * PGROTATED counts it; a dirty one stays where it is and only loses the flag. */
    struct vml_sim *sim = machine(64 * MiB, 64 * MiB, 60);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t addr;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, 3 * 4096, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
        0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 3 * 4096, 4096, VML_WRITE, &res), 0);
    uint64_t p[2];
    struct frame *f[2];
    for (int i = 0; i < 2; i++) {
        struct vml_pt_leaf leaf;
        assert_int_equal(
            vml_pt_lookup(sim_task(sim, pid)->mm->pt, addr + 4096u * (unsigned)i, &leaf), 0);
        p[i] = vml_pte_pfn(leaf.entry);
        f[i] = sim_frame(sim, p[i]);
        /* as activate_locked leaves it: on the active list, PG_reclaim set */
        lru_del(sim, p[i]);
        f[i]->flags |= PGF_ACTIVE | PGF_RECLAIM;
        lru_add(sim, p[i]);
    }
    struct lruvec *lv = folio_lruvec(sim, f[0]);
    uint64_t act = lv->nr[LRU_ACTIVE_ANON], inact = lv->nr[LRU_INACTIVE_ANON];
    uint64_t rot = fixture_vmstat(sim, VML_VMSTAT_pgrotated);
    folio_rotate_reclaimable(sim, p[0], f[0]);
    assert_int_equal(f[0]->flags & (PGF_ACTIVE | PGF_RECLAIM), 0);
    assert_true(lv->tail[LRU_INACTIVE_ANON] == p[0] + 1);
    assert_int_equal(lv->nr[LRU_ACTIVE_ANON], act - 1);
    assert_int_equal(lv->nr[LRU_INACTIVE_ANON], inact + 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgrotated), rot + 1);
    /* dirty again (written while its write was in flight): not rotated */
    uint64_t was_dirty = f[1]->flags & PGF_DIRTY;
    f[1]->flags |= PGF_DIRTY;
    folio_rotate_reclaimable(sim, p[1], f[1]);
    assert_int_equal(f[1]->flags & PGF_RECLAIM, 0);
    assert_true(f[1]->flags & PGF_ACTIVE);
    assert_true(lv->head[LRU_ACTIVE_ANON] == p[1] + 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgrotated), rot + 1);
    f[1]->flags = (f[1]->flags & ~PGF_DIRTY) | (uint32_t)was_dirty;
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A 40 MiB file written on a machine of ram bytes without swap, with dirty limits high enough
 * (90% and 80%) that the flusher leaves it all dirty for 30 s (dirty_expire_centisecs): nothing
 * written yet; then len bytes of anonymous memory written at once by the same process. With a
 * limit, the process runs in a cgroup "box" of that memory.max. */
static struct vml_sim *dirty_cache_then_anon(uint64_t ram, const char *limit, uint64_t len,
                                             struct vml_sim_access *res)
{
    struct vml_sim *sim = machine_dirty(ram, 0, 60, 90, 80);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    if (limit) {
        assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
        assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", limit, 0), 0);
        assert_int_equal(vml_sim_cgroup_attach(sim, pid, "box"), 0);
    }
    int file;
    assert_int_equal(vml_sim_file_create(sim, "f", 40 * MiB, false, &file), 0);
    assert_int_equal(vml_sim_file_write(sim, pid, file, 0, 40 * MiB), 0);
    assert_int_equal(meminfo(sim, "Dirty"), 40 * 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_written), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgrotated), 0);
    uint64_t addr;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, res), 0);
    return sim;
}

static void test_dirty_cache_rotated(void **state)
{
    (void)state;
    /* 22.75 MiB of anonymous memory after the dirty file: enough to wake kswapd (24 MiB of RAM
     * were free) but not to have the task reclaim. kswapd meets page-cache pages the flusher
     * has not written yet, marks them PG_reclaim and activates them (shrink_folio_list leaves
     * file writes to the flusher, which it wakes). When their writes end,
     * folio_end_writeback rotates each to the inactive tail: PGROTATED counts them, and no
     * page keeps PG_reclaim. */
    struct vml_sim_access res;
    struct vml_sim *sim = dirty_cache_then_anon(64 * MiB, NULL, 22 * MiB + 768 * 1024, &res);
    assert_false(res.killed);
    assert_int_equal(vml_sim_advance(sim, 120000000000ull), 0); /* 2 minutes: all written */
    assert_int_equal(meminfo(sim, "Dirty"), 0);
    assert_int_equal(meminfo(sim, "Writeback"), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgrotated) > 0);
    assert_int_equal(reclaim_flag_left(sim), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_dirty_cache_no_early_oom(void **state)
{
    (void)state;
    /* 24 MiB of anonymous memory after the dirty file: 24 MiB of RAM were free, so reclaim
     * must take page cache, and all of it is dirty. The kernel does not kill: reclaim that
     * takes only dirty pages not yet queued wakes the flusher to write everything
     * (shrink_inactive_list -> wakeup_flusher_threads), and an allocation that made no
     * progress while writes are pending waits for them (should_reclaim_retry ->
     * reclaim_throttle) before it gives up. So every anonymous page is written, nothing is
     * killed, and the page cache that went was written first. */
    uint64_t len = 24 * MiB;
    struct vml_sim_access res;
    struct vml_sim *sim = dirty_cache_then_anon(64 * MiB, NULL, len, &res);
    assert_false(res.killed);
    assert_int_equal(res.minor, len >> 12);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_oom_kill), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_nr_written) > 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) > 0);
    /* each stolen page-cache page had been written: the file lost only clean pages */
    assert_true(fixture_vmstat(sim, VML_VMSTAT_nr_written) >=
                fixture_vmstat(sim, VML_VMSTAT_pgsteal_file));
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_memcg_dirty_cache_no_oom(void **state)
{
    (void)state;
    /* The same in a 48 MiB cgroup on a 1 GiB machine (tests/fidelity/pending/176, where the
     * kernel keeps the process): the charges of 24 MiB of anonymous memory over the limit
     * reclaim box's page cache, all of it dirty; reclaim wakes the flusher, and each charge
     * waits for the writes (cgroup v1: folio_wait_writeback in shrink_folio_list) before it
     * counts a retry toward the cgroup's OOM killer. */
    uint64_t len = 24 * MiB;
    struct vml_sim_access res;
    struct vml_sim *sim = dirty_cache_then_anon(1024 * MiB, "48M", len, &res);
    assert_false(res.killed);
    assert_int_equal(res.minor, len >> 12);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_oom_kill), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_nr_written) > 0);
    /* 24 MiB of anonymous memory and what is left of the 40 MiB in 48 MiB: at least 16 MiB
     * of the file went, each page written first */
    assert_true(meminfo(sim, "Cached") <= 24 * 1024);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_nr_written) >= 16 * MiB / 4096);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_swappiness_balance(void **state)
{
    (void)state;
    /* The inactive file list is short against the active one (inactive_is_low), so there is
     * no cache-trim mode and get_scan_count weighs the types by swappiness: anon's share is
     * swappiness, file's 200 - swappiness. At 0 nothing anonymous is scanned; at 200 nothing
     * of the file. */
    int pid;
    struct vml_sim *sim = active_cache_then_anon(0, &pid);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgscan_anon), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpout), 0);
    assert_int_equal(status(sim, pid, "VmSwap"), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) > 0);
    vml_sim_destroy(sim);

    sim = active_cache_then_anon(200, &pid);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pswpout) > 0);
    assert_true(status(sim, pid, "VmSwap") > 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgscan_file), 0);
    assert_true(meminfo(sim, "Active(file)") + meminfo(sim, "Inactive(file)") >= 24 * 1024 - 64);
    vml_sim_destroy(sim);
}

static void test_cache_trim_mode(void **state)
{
    (void)state;
    /* A file read once sits on the inactive list: plenty of inactive file pages that are not
     * thrashing put reclaim in cache-trim mode (prepare_scan_control), so even at swappiness
     * 200 the cache goes first and nothing is swapped. */
    struct vml_sim *sim = machine(64 * MiB, 64 * MiB, 200);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t addr, len = 24 * MiB;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, len, 3, VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, &res), 0);
    cache_file(sim, pid, 56 * MiB);
    fixture_check(sim);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpout), 0);
    assert_int_equal(status(sim, pid, "VmSwap"), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) > 0);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_swap_pte_encoding),
        cmocka_unit_test(test_proc_swaps),
        cmocka_unit_test(test_anon_past_ram_swaps),
        cmocka_unit_test(test_exit_frees_slots),
        cmocka_unit_test(test_no_swap_drops_cache),
        cmocka_unit_test(test_swappiness_balance),
        cmocka_unit_test(test_cache_trim_mode),
        cmocka_unit_test(test_rotate_after_writeback),
        cmocka_unit_test(test_dirty_cache_rotated),
        cmocka_unit_test(test_dirty_cache_no_early_oom),
        cmocka_unit_test(test_memcg_dirty_cache_no_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
