/* test_disk_io.c: the block device model (src/mm/blockdev.c), page-cache reads charged with
 * disk time (src/mm/disk_io.c, readahead.c) and `machine disk=` / `swapdev=`.
 *
 * Every expected time is worked out by hand below from the presets' figures, written out here
 * (not read back from the model): a request costs its service time, a seek unless it starts
 * where the last one ended, and bytes * 10^9 / rate ns (rounded down), after the requests
 * queued before it.
 *   hdd:  service 200,000 ns, seek 12,670,000 ns, 180,000,000 B/s
 *         128 KiB: 131,072 * 10^9 / 180,000,000 = 728,177.7 -> 728,177 ns
 *         4 KiB:     4,096 * 10^9 / 180,000,000 =  22,755.5 ->  22,755 ns
 *   nvme: read 80,000 ns, write 20,000 ns, 3,000,000,000 B/s read, 2,000,000,000 B/s write
 *         128 KiB read: 131,072 / 3 = 43,690.6 -> 43,690 ns; 4 KiB write: 2,048 ns
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"

#include <stdio.h>

#define HDD_SERVICE 200000ull
#define HDD_SEEK    12670000ull
#define HDD_128K    728177ull
#define HDD_4K      22755ull
#define NVME_READ   80000ull
#define NVME_128K   43690ull

static void test_bdev_hdd_arithmetic(void **state)
{
    (void)state;
    struct bdev d;
    bdev_init(&d, BDEV_HDD);
    /* The first request seeks (the head is nowhere yet). */
    uint64_t t1 = bdev_submit(&d, 0, false, 0, 128 << 10);
    assert_int_equal(t1, HDD_SEEK + HDD_SERVICE + HDD_128K);
    /* Submitted at 0 too: it queues behind the first and follows it on the disk: no seek. */
    uint64_t t2 = bdev_submit(&d, 0, false, 128 << 10, 128 << 10);
    assert_int_equal(t2, t1 + HDD_SERVICE + HDD_128K);
    /* Later, elsewhere, with the queue idle: starts at once and seeks. */
    uint64_t t3 = bdev_submit(&d, 20000000, false, 8ull << 20, 4096);
    assert_int_equal(t3, 20000000 + HDD_SEEK + HDD_SERVICE + HDD_4K);
    /* Right after it, at the byte it ended on, before it completes: queued, sequential. */
    uint64_t t4 = bdev_submit(&d, 20000001, false, (8ull << 20) + 4096, 4096);
    assert_int_equal(t4, t3 + HDD_SERVICE + HDD_4K);
    /* Going back to a position already read is a seek again. */
    uint64_t t5 = bdev_submit(&d, t4, false, 0, 4096);
    assert_int_equal(t5, t4 + HDD_SEEK + HDD_SERVICE + HDD_4K);
    assert_int_equal(d.reads, 5);
    assert_int_equal(d.read_bytes, 2 * (128 << 10) + 3 * 4096);
    assert_int_equal(d.writes, 0);
}

static void test_bdev_ssd_no_seek(void **state)
{
    (void)state;
    struct bdev d;
    bdev_init(&d, BDEV_NVME);
    uint64_t t1 = bdev_submit(&d, 1000, false, 1ull << 30, 128 << 10);
    assert_int_equal(t1, 1000 + NVME_READ + NVME_128K);
    /* A random write queued behind it: no seek on flash; write service 20 us, 2 GB/s. */
    uint64_t t2 = bdev_submit(&d, 1000, true, 7ull << 20, 4096);
    assert_int_equal(t2, t1 + 20000 + 2048);
    assert_int_equal(d.writes, 1);
    assert_int_equal(d.write_bytes, 4096);
    /* A large transfer: 3 GB at 3 GB/s is one second. */
    uint64_t t3 = bdev_submit(&d, t2, false, 0, 3000000000ull);
    assert_int_equal(t3, t2 + NVME_READ + 1000000000ull);
}

/* This VM's disk (docs/latency.md: medians of 9 runs of docs/probes/disklat.c): reads 61,000 ns
 * and 2.59 GB/s, writes 60,500 ns and 3.25 GB/s, no seek. A 4 KiB read: 61,000 + 4,096 / 2.59
 * = 61,000 + 1,581 (1,581.4) = 62,581; 128 KiB: 61,000 + 50,606 (50,606.9); a 4 KiB write
 * 60,500 + 1,260 (1,260.3). */
static void test_bdev_virtio(void **state)
{
    (void)state;
    struct bdev d;
    bdev_init(&d, BDEV_VIRTIO);
    assert_int_equal(bdev_submit(&d, 0, false, 1 << 20, 4096), 62581);
    assert_int_equal(bdev_submit(&d, 0, false, 0, 128 << 10), 62581 + 111606);
    assert_int_equal(bdev_submit(&d, 500000, true, 4096, 4096), 500000 + 61760);
}

static void test_bdev_names(void **state)
{
    (void)state;
    static const char *const names[] = { "nvme", "sata", "hdd", "virtio" };
    for (unsigned k = 0; k < 4; k++) {
        unsigned got = 99;
        assert_int_equal(vml_sim_disk_find(names[k], strlen(names[k]), &got), 0);
        assert_int_equal(got, k);
        assert_string_equal(vml_sim_disk_name(k), names[k]);
    }
    unsigned got = 99;
    assert_int_equal(vml_sim_disk_find("nvm", 3, &got), VML_EINVAL);
    assert_int_equal(vml_sim_disk_find("hdd2", 4, &got), VML_EINVAL);
    assert_int_equal(got, 99);
    assert_string_equal(vml_sim_disk_name(4), "?");
    /* Only the disks with heads seek. */
    for (unsigned k = 0; k < BDEV_NR_KINDS; k++) {
        struct bdev d;
        bdev_init(&d, (enum bdev_kind)k);
        assert_true(d.read_ns > 0 && d.read_bps > 0 && d.write_bps > 0);
        assert_int_equal(d.seek_ns != 0, k == BDEV_HDD);
    }
}

/* read(2) of a cold 1 MiB file in 64 KiB calls with 128 KiB readahead: the first call's window
 * [0, 32) pages is synchronous (it seeks: the disk's first request); each later window (8 in
 * all, the last [224, 256)) is read asynchronously when the previous one's mark is reached, at
 * the instant the caller is at, and queues behind the window in flight; the caller waits only
 * for the pages it needs. The disk is never idle after the first request, and each window
 * follows the last: the read takes one seek plus 8 x (service + 128 KiB transfer). */
static void test_read_sequential_hdd(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("hdd", 128 << 10);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "r", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    uint64_t t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read_chunked(sim, pid, file, 0, 1 << 20, 64 << 10), 0);
    assert_int_equal(vml_sim_now(sim) - t0, HDD_SEEK + 8 * (HDD_SERVICE + HDD_128K));
    assert_int_equal(sim->disk.reads, 8);
    assert_int_equal(sim->disk.read_bytes, 1 << 20);
    /* Read again: every page is cached, nothing is read, no time passes. */
    uint64_t t1 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read_chunked(sim, pid, file, 0, 1 << 20, 64 << 10), 0);
    assert_int_equal(vml_sim_now(sim), t1);
    assert_int_equal(sim->disk.reads, 8);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* The same on nvme: no seek, 8 x (80 us + 43,690 ns). */
static void test_read_sequential_nvme(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 128 << 10);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "r", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    uint64_t t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read_chunked(sim, pid, file, 0, 1 << 20, 64 << 10), 0);
    assert_int_equal(vml_sim_now(sim) - t0, 8 * (NVME_READ + NVME_128K));
    vml_sim_destroy(sim);
}

/* One read(2) of the whole 1 MiB (a request beyond ra_pages): page_cache_sync_ra reads a first
 * window of ra_pages (32 pages), synchronously; its mark is its first page (async_size = size
 * for an oversized read), reached at once: the next window is read asynchronously and the
 * call waits for each. The same 8 sequential windows: the same time as above. A read without
 * readahead (readahead=0) reads page by page, synchronously: 256 requests of 4 KiB, the first
 * seeking: 12.67 ms + 256 x (200 us + 22,755 ns). */
static void test_read_whole_and_no_readahead(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("hdd", 128 << 10);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "r", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    uint64_t t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read(sim, pid, file, 0, 1 << 20), 0);
    assert_int_equal(vml_sim_now(sim) - t0, HDD_SEEK + 8 * (HDD_SERVICE + HDD_128K));
    vml_sim_destroy(sim);

    sim = fixture_sim_disk("hdd", 128 << 10);
    sim->cfg.no_readahead = true;
    assert_int_equal(vml_sim_spawn(sim, "r", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read(sim, pid, file, 0, 1 << 20), 0);
    assert_int_equal(vml_sim_now(sim) - t0, HDD_SEEK + 256 * (HDD_SERVICE + HDD_4K));
    assert_int_equal(sim->disk.reads, 256);
    vml_sim_destroy(sim);
}

/* The value of a "Name:\tvalue" line of a text. */
static uint64_t field_of(const char *text, const char *name)
{
    char key[64];
    snprintf(key, sizeof(key), "\n%s:\t", name);
    const char *p = strstr(text, key);
    if (!p)
        fail_msg("no %s in:\n%s", name, text);
    return strtoull(p + strlen(key), NULL, 10);
}

/* A read fault on a cold file mapping: read-around of 32 pages centred on the fault
 * (do_sync_mmap_readahead, [0, 32) at page 0), synchronous: the fault is major and waits for
 * it; `faults` shows the wait (IO_wait_ns) and the fault's time includes it. The fault starts
 * its I/O after its fixed part (COST_FAULT_NS), so the disk's completion is that much later. */
static void test_major_fault_waits(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("hdd", 128 << 10);
    int pid, file;
    uint64_t addr;
    assert_int_equal(vml_sim_spawn(sim, "m", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 1 << 20, false, &file), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 1 << 20, 1, VML_MAP_PRIVATE, file, 0, &addr), 0);
    uint64_t t0 = vml_sim_now(sim);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 1, 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 1);
    uint64_t io = HDD_SEEK + HDD_SERVICE + HDD_128K;
    char *t = fixture_proc_text(sim, pid, VML_SIM_FAULTS, 0, 0);
    assert_int_equal(field_of(t, "Faults_major"), 1);
    assert_int_equal(field_of(t, "IO_wait_ns"), io);
    uint64_t total = field_of(t, "Latency_total_ns");
    assert_int_equal(total, COST_FAULT_NS + io); /* a file read fault's only other cost */
    assert_int_equal(vml_sim_now(sim) - t0, total);
    assert_int_equal(sim->disk.busy_until, t0 + COST_FAULT_NS + io);
    free(t);
    /* The next 15 pages were mapped by fault-around, the rest of the window is cached: touching
     * them reads nothing more until the mark (page 24) starts the next window, asynchronously:
     * the fault at the mark does not wait. */
    uint64_t reads = sim->disk.reads;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + (24 << 12), 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 0);
    assert_int_equal(sim->disk.reads, reads);
    t = fixture_proc_text(sim, pid, VML_SIM_FAULTS, 0, 0);
    assert_int_equal(field_of(t, "IO_wait_ns"), io);
    free(t);
    uint64_t before = vml_sim_now(sim);
    assert_int_equal(
        vml_sim_touch(sim, pid, addr + (24 << 12), addr + (25 << 12), 4096, VML_READ, &res), 0);
    assert_int_equal(sim->disk.reads, reads + 1);
    uint64_t w2 = sim->disk.busy_until; /* [32, 64): sequential, no seek */
    assert_int_equal(w2, before + COST_FAULT_NS + HDD_SERVICE + HDD_128K);
    t = fixture_proc_text(sim, pid, VML_SIM_FAULTS, 0, 0);
    assert_int_equal(field_of(t, "IO_wait_ns"), io); /* asynchronous: no wait */
    free(t);
    /* At once, the fault on page 32 (in flight) waits for the window's completion. */
    assert_true(vml_sim_now(sim) < w2);
    assert_int_equal(
        vml_sim_touch(sim, pid, addr + (32 << 12), addr + (33 << 12), 4096, VML_READ, &res), 0);
    assert_int_equal(res.major, 0); /* found cached: a minor fault that waited */
    assert_true(vml_sim_now(sim) >= w2);
    t = fixture_proc_text(sim, pid, VML_SIM_FAULTS, 0, 0);
    assert_true(field_of(t, "IO_wait_ns") > io);
    free(t);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A shmem object has no disk under it: its misses take no disk time. */
static void test_shmem_no_io(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("hdd", 0);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "s", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "m", 1 << 20, true, &file), 0);
    uint64_t t0 = vml_sim_now(sim);
    assert_int_equal(vml_sim_file_read(sim, pid, file, 0, 1 << 20), 0);
    assert_int_equal(vml_sim_now(sim), t0);
    assert_int_equal(sim->disk.reads, 0);
    vml_sim_destroy(sim);
}

static void test_config_checked(void **state)
{
    (void)state;
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 64ull << 20;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, &d), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_sim *sim = NULL;
    /* Without disk_set: this VM's disk. */
    assert_int_equal(vml_sim_create(&cfg, &sim, &d), 0);
    assert_int_equal(sim->disk.kind, BDEV_VIRTIO);
    vml_sim_destroy(sim);
    cfg.disk = 4;
    cfg.disk_set = true;
    assert_int_equal(vml_sim_create(&cfg, &sim, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "disk=4"));
    cfg.disk = BDEV_SATA_SSD;
    cfg.swapdev = 7;
    cfg.swapdev_set = true;
    assert_int_equal(vml_sim_create(&cfg, &sim, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "swapdev=7"));
    cfg.swapdev = BDEV_HDD;
    assert_int_equal(vml_sim_create(&cfg, &sim, &d), 0);
    assert_int_equal(sim->disk.kind, BDEV_SATA_SSD);
    assert_int_equal(sim->cfg.swapdev, BDEV_HDD);
    assert_true(sim->cfg.swapdev_set);
    vml_sim_destroy(sim);
}

static void parse_bad(const char *text, unsigned col, const char *frag)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), VML_EPARSE);
    assert_null(s);
    if (d.line != 1 || d.col != col || !strstr(d.msg, frag))
        fail_msg("got %u:%u %s; want 1:%u %s", d.line, d.col, d.msg, col, frag);
}

static void test_machine_keys(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    const char *text = "machine ram=1G disk=hdd swapdev=nvme\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), 0);
    assert_int_equal(s->machine.disk, BDEV_HDD);
    assert_int_equal(s->machine.swapdev, BDEV_NVME);
    assert_true(s->machine.given & VML_MCFG_DISK);
    assert_true(s->machine.given & VML_MCFG_SWAPDEV);
    vml_scenario_free(s);
    text = "machine ram=1G\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), 0);
    assert_int_equal(s->machine.disk, BDEV_VIRTIO);
    assert_false(s->machine.given & (VML_MCFG_DISK | VML_MCFG_SWAPDEV));
    vml_scenario_free(s);
    parse_bad("machine ram=1G disk=floppy", 21, "disk=floppy: unknown device");
    parse_bad("machine ram=1G swapdev=", 24, "swapdev=: unknown device");
    parse_bad("machine disk=hdd ram=1G disk=sata", 25, "machine setting 'disk' given twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bdev_hdd_arithmetic),
        cmocka_unit_test(test_bdev_ssd_no_seek),
        cmocka_unit_test(test_bdev_virtio),
        cmocka_unit_test(test_bdev_names),
        cmocka_unit_test(test_read_sequential_hdd),
        cmocka_unit_test(test_read_sequential_nvme),
        cmocka_unit_test(test_read_whole_and_no_readahead),
        cmocka_unit_test(test_major_fault_waits),
        cmocka_unit_test(test_shmem_no_io),
        cmocka_unit_test(test_config_checked),
        cmocka_unit_test(test_machine_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
