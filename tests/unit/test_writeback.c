/* test_writeback.c: the /proc/sys/vm/ table and page-cache writeback (mm/writeback.c), against
 * numbers worked out by hand here from the kernel's formulas (mm/page-writeback.c
 * domain_dirty_limits, fs/fs-writeback.c wb_check_old_data_flush) and the disk preset's figures
 * (mm/blockdev.c: NVMe writes 20 us + bytes at 2 GB/s). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_fixture.h"

#define MiB (1ull << 20)

/* A 64 KiB request on the NVMe preset: 20,000 ns + 65,536 B / 2e9 B/s = 32,768 ns. */
#define NVME_64K_NS 52768ull

static void vm_set(struct vml_sim *sim, const char *file, const char *value)
{
    struct vml_diag d = { 0 };
    int i = vml_vm_find(file);
    assert_true(i >= 0);
    int r = vml_sim_vm_store(sim, (size_t)i, value, strlen(value), &d);
    if (r)
        fail_msg("%s=%s: %s", file, value, d.msg);
}

static uint64_t meminfo_kb(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

/* The table's checks and effects, as the probes found them (docs/probes/sysctl_vm_ranges.out). */
static void test_table(void **state)
{
    (void)state;
    struct vml_vm_sysctl s;
    vml_vm_sysctl_defaults(&s);
    struct vml_diag d = { 0 };
    char buf[VML_VM_SHOW_MAX];
    int sw = vml_vm_find("/proc/sys/vm/swappiness");
    assert_int_equal(sw, vml_vm_find("swappiness"));
    vml_vm_show(&s, (size_t)sw, buf);
    assert_string_equal(buf, "60\n");
    assert_int_equal(vml_vm_store(&s, (size_t)sw, " 61 \n", 5, NULL, &d), 0);
    assert_int_equal(s.swappiness, 61);
    assert_int_equal(vml_vm_store(&s, (size_t)sw, "61 62", 5, NULL, &d), 0); /* one value */
    assert_int_equal(vml_vm_store(&s, (size_t)sw, "201", 3, NULL, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "from 0 to 200"));
    assert_int_equal(vml_vm_store(&s, (size_t)sw, "+61", 3, NULL, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, (size_t)sw, "61x", 3, NULL, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, (size_t)sw, "", 0, NULL, &d), 0); /* changes nothing */
    assert_int_equal(s.swappiness, 61);

    /* dirty_bytes: at least two pages; writing it zeroes dirty_ratio, and back. */
    size_t db = (size_t)vml_vm_find("dirty_bytes"), dr = (size_t)vml_vm_find("dirty_ratio");
    assert_int_equal(vml_vm_store(&s, db, "8191", 4, NULL, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, db, "0", 1, NULL, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, db, "8192", 4, NULL, &d), 0);
    assert_int_equal(s.dirty_bytes, 8192);
    assert_int_equal(s.dirty_ratio, 0);
    assert_int_equal(vml_vm_store(&s, dr, "30", 2, NULL, &d), 0);
    assert_int_equal(s.dirty_ratio, 30);
    assert_int_equal(s.dirty_bytes, 0);
    assert_int_equal(vml_vm_store(&s, dr, "101", 3, NULL, &d), VML_EINVAL);
    size_t bb = (size_t)vml_vm_find("dirty_background_bytes");
    assert_int_equal(vml_vm_store(&s, bb, "1", 1, NULL, &d), 0);
    assert_int_equal(s.dirty_background_ratio, 0);
    assert_int_equal(vml_vm_store(&s, bb, "-1", 2, NULL, &d), VML_EINVAL); /* unsigned long */

    /* dirty_writeback_centisecs is a plain int: the kernel takes -1, the model cannot. */
    size_t wc = (size_t)vml_vm_find("dirty_writeback_centisecs");
    assert_int_equal(vml_vm_check(wc, "-1", 2, &d), 0);
    assert_int_equal(vml_vm_store(&s, wc, "-1", 2, NULL, &d), VML_ENOTSUP);
    assert_int_equal(vml_vm_check(wc, "2147483648", 10, &d), VML_EINVAL);
    assert_int_equal(vml_vm_check((size_t)vml_vm_find("page-cluster"), "32", 2, &d), VML_EINVAL);
    assert_int_equal(vml_vm_check((size_t)vml_vm_find("watermark_scale_factor"), "0", 1, &d),
                     VML_EINVAL);

    /* drop_caches: write-only, 1 and up (5 is taken), an action. */
    unsigned action = 0;
    assert_false(vml_vm_readable(VML_VM_DROP_CACHES));
    assert_int_equal(vml_vm_store(&s, VML_VM_DROP_CACHES, "0", 1, &action, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, VML_VM_DROP_CACHES, "5", 1, &action, &d), 0);
    assert_int_equal(action, 5);
}

/* nr_dirty_threshold and nr_dirty_background_threshold: domain_dirty_limits on
 * global_dirtyable_memory, by hand. A 1 GiB machine has ZONE_DMA [0, 16 MiB) = 4096 pages and
 * ZONE_DMA32 the other 258,048. THP (enabled=madvise) raises min_free_kbytes to its
 * recommendation (set_recommended_min_free_kbytes: 512-page pageblocks x 2 zones x (2 + 3 x 3)
 * = 11,264 pages), shared by size: DMA min 176, DMA32 min 11,088; the gap between watermarks is
 * max(managed * 10 / 10000, min / 4): 44 and 2,772; so the high watermarks are 264 and 16,632.
 * DMA keeps DMA32's 258,048 / 256 = 1,008 pages from higher zones' allocations
 * (lowmem_reserve_ratio 256), so totalreserve_pages is 264 + 1,008 + 16,632 = 17,904. */
static void test_thresholds(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    uint64_t free = fixture_vmstat(sim, VML_VMSTAT_nr_free_pages);
    uint64_t dirtyable = free - 17904 + 0 + 1; /* no file pages yet */
    /* 20% and 10% are 819/4096 and 409/4096 (the ratio in parts of PAGE_SIZE first). */
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_threshold), dirtyable * 819 / 4096);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_background_threshold),
                     dirtyable * 409 / 4096);
    /* The byte forms, rounded up to pages. */
    vm_set(sim, "dirty_bytes", "1048577");
    vm_set(sim, "dirty_background_bytes", "409600");
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_threshold), 257);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_background_threshold), 100);
    /* A background threshold at or above the hard one is half of it. */
    vm_set(sim, "dirty_background_bytes", "2097152");
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_background_threshold), 257 / 2);
    /* Back to ratios: dirty_ratio 0 makes both 0. */
    vm_set(sim, "dirty_ratio", "0");
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_threshold), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirty_background_threshold), 0);
    vml_sim_destroy(sim);
}

/* The flusher: a 64 KiB write at 0 makes one inode dirty at 0. The flusher first runs 5 s later
 * (dirty_writeback_centisecs 500), then every 5 s; the inode is old enough at 30 s
 * (dirty_expire_centisecs 3000): written then, under writeback for one 64 KiB request. */
static void test_flusher_timing(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "w", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", MiB, false, &file), 0);
    assert_int_equal(vml_sim_file_write(sim, pid, file, 0, 64 << 10), 0);
    assert_int_equal(vml_sim_now(sim), 0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 64);
    assert_int_equal(vml_sim_advance(sim, 29999999999ull), 0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 64);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    assert_int_equal(vml_sim_advance(sim, 1), 0); /* 30 s */
    assert_int_equal(meminfo_kb(sim, "Dirty"), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 64);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_writeback), 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_zone_write_pending), 16);
    assert_int_equal(vml_sim_advance(sim, NVME_64K_NS - 1), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 64);
    assert_int_equal(vml_sim_advance(sim, 1), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_written), 16);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_dirtied), 16);
    fixture_check(sim);

    /* dirty_writeback_centisecs 0: no periodic writeback at all. */
    vm_set(sim, "dirty_writeback_centisecs", "0");
    assert_int_equal(vml_sim_file_write(sim, pid, file, 0, 64 << 10), 0);
    assert_int_equal(vml_sim_advance(sim, 600000000000ull), 0); /* 10 minutes */
    assert_int_equal(meminfo_kb(sim, "Dirty"), 64);
    /* A new non-zero period wakes the flusher at once: everything dirty is written. */
    vm_set(sim, "dirty_writeback_centisecs", "100");
    assert_int_equal(meminfo_kb(sim, "Dirty"), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 64);
    vml_sim_destroy(sim);
}

/* fsync: 1 MiB written in 64 KiB calls is 16 folios of 16 pages; fsync submits 16 sequential
 * 64 KiB requests to the idle disk, which serves them one after the other, and waits for the
 * last: 16 x 52,768 ns. fdatasync and msync the same; fadvise(DONTNEED) then drops the clean
 * pages, drop_caches too. */
static void test_fsync_device_time(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "w", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", MiB, false, &file), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, file, 0, MiB, 64 << 10), 0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 1024);
    assert_int_equal(meminfo_kb(sim, "Cached"), 1024);
    assert_int_equal(vml_sim_fsync(sim, pid, file, false), 0);
    assert_int_equal(vml_sim_now(sim), 16 * NVME_64K_NS);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_written), 256);
    /* submit_bio counts the writes' sectors in pgpgout, which /proc/vmstat shows in KiB: the
     * 256 pages are 1024 KiB. */
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgpgout), 1024);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_FAULTS, 0, 0, "Writeback_wait_ns"),
                     16 * NVME_64K_NS);
    assert_int_equal(fixture_proc_field(sim, pid, VML_SIM_FAULTS, 0, 0, "Writeback_waits"), 1);

    /* fadvise over [4K, 64K + 1): the whole pages inside are [1, 16], but the folio of pages
     * 0..15 straddles the start and the one of 16..31 the end: nothing goes. Over [0, 128K):
     * two folios, 32 pages. */
    assert_int_equal(vml_sim_fadvise_dontneed(sim, pid, file, 4096, 65537), 0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 1024);
    assert_int_equal(vml_sim_fadvise_dontneed(sim, pid, file, 0, 128 << 10), 0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 1024 - 128);

    /* A dirty folio is written, not dropped (its writeback is in flight when the invalidation
     * looks): fadvise over the whole file after dirtying 64 KiB keeps those 16 pages. */
    uint64_t t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_write(sim, pid, file, 512 << 10, 64 << 10), 0);
    assert_int_equal(vml_sim_fadvise_dontneed(sim, pid, file, 0, 0), 0);
    assert_int_equal(vml_sim_now(sim), t0); /* it does not wait */
    assert_int_equal(meminfo_kb(sim, "Cached"), 64);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 64);
    assert_int_equal(vml_sim_advance(sim, NVME_64K_NS), 0);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    /* drop_caches 1: the clean unmapped pages go, those mapped stay. */
    uint64_t addr;
    assert_int_equal(vml_sim_file_read(sim, pid, file, 0, 64 << 10), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, MiB, VML_PROT_READ, VML_MAP_SHARED, file, 0, &addr),
                     0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 4096, 4096, VML_READ, &res), 0);
    uint64_t mapped = meminfo_kb(sim, "Mapped");
    assert_true(mapped > 0);
    vm_set(sim, "drop_caches", "1");
    assert_int_equal(meminfo_kb(sim, "Cached"), mapped);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* balance_dirty_pages: with dirty_bytes 1 MiB (256 pages) and dirty_background_bytes 256 KiB
 * (64 pages) the freerun ceiling is (64 + 256) / 2 = 160 pages and the setpoint
 * (160 + 256) / 2 = 208. A 4 MiB write in 64 KiB calls: background writeback starts once 64
 * pages are dirty; the writer is paused when dirty + writeback pass 160, until the disk's
 * completions bring them to 208 at most, so it never runs ahead of the disk by more than the
 * limit and its pauses add up to at least the disk time of what it wrote beyond the ceiling. */
static void test_throttle(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    vm_set(sim, "dirty_bytes", "1048576");
    vm_set(sim, "dirty_background_bytes", "262144");
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "w", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 4 * MiB, false, &file), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, file, 0, 4 * MiB, 64 << 10), 0);
    uint64_t stalled = fixture_proc_field(sim, pid, VML_SIM_FAULTS, 0, 0, "Dirty_throttle_ns");
    uint64_t pauses = fixture_proc_field(sim, pid, VML_SIM_FAULTS, 0, 0, "Dirty_throttles");
    assert_true(pauses > 0);
    /* 4 MiB is 64 requests of 64 KiB; at most 160 pages (10 requests) may be outstanding
     * unthrottled, and each pause ends at a completion: at least 64 - 10 - 1 - 3 (the last
     * call's own 16 pages, up to the setpoint's 48 pages) requests' time was waited. */
    assert_true(stalled >= (64 - 14) * NVME_64K_NS);
    assert_int_equal(vml_sim_now(sim), stalled);
    uint64_t dirty = meminfo_kb(sim, "Dirty") / 4, wb = meminfo_kb(sim, "Writeback") / 4;
    assert_true(dirty + wb <= 208);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The simulator refuses what it does not model, with the reason. */
static void test_refusals(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    struct vml_diag d = { 0 };
    size_t wb = (size_t)vml_vm_find("watermark_boost_factor");
    assert_int_equal(vml_sim_vm_store(sim, wb, "100", 3, &d), VML_ENOTSUP);
    assert_non_null(strstr(d.msg, "watermark boosting is not simulated"));
    assert_int_equal(vml_sim_vm_store(sim, wb, "0", 1, &d), 0);
    /* The settings other owners model are stored (read from sim->vm). */
    assert_int_equal(vml_sim_vm_store(sim, (size_t)vml_vm_find("swappiness"), "200", 3, &d), 0);
    assert_int_equal(vml_sim_vm(sim)->swappiness, 200);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_flusher_timing), cmocka_unit_test(test_fsync_device_time),
        cmocka_unit_test(test_throttle),       cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
