/* test_shmem_swap.c: shmem pages going to swap and back (mm/shmem.c of the simulator:
 * shmem_writeout, shmem_swapin_folio, shmem_swap_usage, shmem_unuse), against figures worked
 * out here by hand from the kernel's rules: a dirty shmem page leaves the object's page cache
 * for the swap cache (Shmem and Cached fall, SwapCached and the used swap rise), the mapping
 * keeps no swap entry in its page table (VmSwap and SwapPss stay 0, smaps Swap counts the
 * object's entries in the mapping's range), a clean one is simply dropped, and a fault brings a
 * page back from the swap cache (minor) or from the device (major, pswpin). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"

#define KiB 1024ull
#define MiB (1ull << 20)

static uint64_t meminfo(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t smaps(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_SMAPS, addr, addr + len, key);
}

static struct vml_sim *machine(void)
{
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    struct vml_diag d = { 0 };
    if (vml_sim_swapon(sim, "s1", 64 * MiB, -1, false, false, &d))
        fail_msg("swapon: %s", d.msg);
    return sim;
}

/* A 1 MiB memfd (256 pages) written with write(2) (dirty), mapped shared whole (m) and its
 * second half again (h), read through m; MADV_PAGEOUT over m: 256 pages to swap. Shmem and
 * Cached 1024 -> 0 kB, SwapCached 1024 kB, 1024 kB of the 65,532 kB swap used, pswpout 256;
 * m: Rss 0, Swap 1024 kB, SwapPss 0; h: Swap 512 kB (its range of the object); VmSwap 0 and
 * RssShmem 0. A read of m brings the pages back from the swap cache: 256 minor faults, no
 * major one, Shmem 1024 kB, swap all free, SwapCached 0. */
static void test_memfd_out_and_back(void **state)
{
    (void)state;
    struct vml_sim *sim = machine();
    int pid, f;
    uint64_t m, h;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "mf", MiB, true, &f), 0);
    assert_int_equal(vml_sim_file_write(sim, pid, f, 0, MiB), 0);
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, MiB, VML_PROT_READ | VML_PROT_WRITE, VML_MAP_SHARED, f, 0, &m),
        0);
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, 512 * KiB, VML_PROT_READ, VML_MAP_SHARED, f, 512 * KiB, &h), 0);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 1024);
    uint64_t cached0 = meminfo(sim, "Cached");
    uint64_t swpout0 = fixture_vmstat(sim, VML_VMSTAT_pswpout);
    assert_int_equal(vml_sim_madvise(sim, pid, m, MiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 0);
    assert_int_equal(cached0 - meminfo(sim, "Cached"), 1024);
    assert_int_equal(meminfo(sim, "SwapCached"), 1024);
    assert_int_equal(meminfo(sim, "SwapTotal") - meminfo(sim, "SwapFree"), 1024);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpout) - swpout0, 256);
    assert_int_equal(smaps(sim, pid, m, MiB, "Rss"), 0);
    assert_int_equal(smaps(sim, pid, m, MiB, "Swap"), 1024);
    assert_int_equal(smaps(sim, pid, m, MiB, "SwapPss"), 0);
    assert_int_equal(smaps(sim, pid, h, 512 * KiB, "Swap"), 512);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "VmSwap"), 0);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, "RssShmem"), 0);
    fixture_check(sim);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + MiB, 4096, VML_READ, &res), 0);
    assert_int_equal(res.minor, 256);
    assert_int_equal(res.major, 0);
    assert_int_equal(meminfo(sim, "Shmem"), 1024);
    assert_int_equal(meminfo(sim, "SwapCached"), 0);
    assert_int_equal(meminfo(sim, "SwapTotal"), meminfo(sim, "SwapFree"));
    assert_int_equal(smaps(sim, pid, m, MiB, "Swap"), 0);
    assert_int_equal(smaps(sim, pid, h, 512 * KiB, "Swap"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The swap-cache pages evicted once their writes ended (as reclaim does: swap_cache_evict and
 * the cache's reference dropped): a read then reads each page from the device, a major fault
 * and a pswpin each: 16 pages of a 64 KiB shared anonymous mapping written by the process. */
static void test_read_back(void **state)
{
    (void)state;
    struct vml_sim *sim = machine();
    int pid;
    uint64_t m;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 * KiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED | VML_MAP_ANONYMOUS, -1, 0, &m),
                     0);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + 64 * KiB, 4096, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, m, 64 * KiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0); /* the writes end */
    for (unsigned t = 0; t < SWAP_MAX_AREAS; t++) {
        struct swap_area *a = &sim->swap[t];
        for (uint64_t o = 1; a->used && o < a->max; o++) {
            uint64_t pfn;
            if (swap_cache_lookup(sim, swp_entry(t, o), &pfn)) {
                lru_del(sim, pfn);
                lru_add(sim, pfn);
                swap_cache_evict(sim, pfn, 0);
                page_put(sim, pfn);
            }
        }
    }
    assert_int_equal(meminfo(sim, "SwapCached"), 0);
    assert_int_equal(meminfo(sim, "SwapTotal") - meminfo(sim, "SwapFree"), 64);
    assert_int_equal(smaps(sim, pid, m, 64 * KiB, "Swap"), 64);
    fixture_check(sim);
    uint64_t in0 = fixture_vmstat(sim, VML_VMSTAT_pswpin);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + 64 * KiB, 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpin) - in0, 16);
    assert_int_equal(meminfo(sim, "Shmem"), 64);
    assert_int_equal(meminfo(sim, "SwapTotal"), meminfo(sim, "SwapFree"));
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A page only read (never written) is clean: reclaim drops it instead of swapping it (its
 * data are zeroes): 16 pages read, paged out: Shmem 64 -> 0, no swap used, pswpout 0. Pages
 * written, paged out, then the object truncated to half: the 8 slots of the second half are
 * freed with it (32 kB); swapoff brings the other 8 back: Shmem 32 kB. */
static void test_clean_truncate_swapoff(void **state)
{
    (void)state;
    struct vml_sim *sim = machine();
    int pid, f;
    uint64_t m;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "mf", 64 * KiB, true, &f), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 * KiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED, f, 0, &m),
                     0);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + 64 * KiB, 4096, VML_READ, &res), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 64);
    assert_int_equal(vml_sim_madvise(sim, pid, m, 64 * KiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 0);
    assert_int_equal(meminfo(sim, "SwapTotal"), meminfo(sim, "SwapFree"));
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpout), 0);
    fixture_check(sim);

    assert_int_equal(vml_sim_touch(sim, pid, m, m + 64 * KiB, 4096, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, m, 64 * KiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(meminfo(sim, "SwapTotal") - meminfo(sim, "SwapFree"), 64);
    assert_int_equal(vml_sim_advance(sim, 1000000000ull), 0);
    assert_int_equal(vml_sim_munmap(sim, pid, m, 64 * KiB), 0);
    assert_int_equal(vml_sim_truncate(sim, pid, f, 32 * KiB), 0);
    assert_int_equal(meminfo(sim, "SwapTotal") - meminfo(sim, "SwapFree"), 32);
    fixture_check(sim);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_swapoff(sim, "s1", &d), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 32);
    assert_int_equal(meminfo(sim, "SwapTotal"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* No swap at all: a dirty shmem page has nowhere to go (shmem_writeout redirties it and it is
 * activated), a clean one is still dropped. 32 pages read and 32 written in a 256 KiB shared
 * anonymous mapping, paged out: Shmem 256 -> 128 kB; all 64 unmapped (Rss 0) on the way. */
static void test_no_swap(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    int pid;
    uint64_t m;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 256 * KiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED | VML_MAP_ANONYMOUS, -1, 0, &m),
                     0);
    assert_int_equal(vml_sim_touch(sim, pid, m, m + 128 * KiB, 4096, VML_READ, &res), 0);
    assert_int_equal(vml_sim_touch(sim, pid, m + 128 * KiB, m + 256 * KiB, 4096, VML_WRITE, &res),
                     0);
    assert_int_equal(meminfo(sim, "Shmem"), 256);
    assert_int_equal(vml_sim_madvise(sim, pid, m, 256 * KiB, VML_MADV_PAGEOUT), 0);
    assert_int_equal(meminfo(sim, "Shmem"), 128);
    assert_int_equal(smaps(sim, pid, m, 256 * KiB, "Rss"), 0);
    assert_int_equal(smaps(sim, pid, m, 256 * KiB, "Swap"), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pswpout), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memfd_out_and_back),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_clean_truncate_swapoff),
        cmocka_unit_test(test_no_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
