/* test_pagecache_sparse.c: a file's page cache costs host memory for the pages cached, not for
 * the highest offset written (the kernel indexes i_pages with an xarray, whose height grows with
 * the largest index and whose nodes exist only where entries are).
 *
 * One page written near the end of the largest ext4 file (16 TiB - 8 KiB) and one in a shmem
 * object at 2^62 must each take well under a megabyte of host memory and a fraction of a second.
 * A flat index sized by the offset would need 2^32 (ext4) and 2^50 (shmem) slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

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

/* This process's resident set in kB (/proc/self/status VmRSS). */
static uint64_t host_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    unsigned long long kb = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
            break;
    fclose(f);
    assert_true(kb > 0);
    return kb;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void write_far(bool shmem, uint64_t off)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 256 * MB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_sim_create(&cfg, &sim_live, &d), 0);
    struct vml_sim *sim = sim_live;
    int pid = 0, file = -1;
    assert_int_equal(vml_sim_spawn(sim, "w", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "far", 0, shmem, &file), 0);
    struct vml_meminfo before, after;
    vml_sim_meminfo(sim, &before);

    uint64_t rss0 = host_rss_kb();
    double t0 = now();
    assert_int_equal(vml_sim_file_write(sim, pid, file, off, PG), 0);
    double secs = now() - t0;
    uint64_t grew = host_rss_kb() - rss0;

    vml_sim_meminfo(sim, &after);
    assert_int_equal(vml_sim_file_size(sim, file), off + PG);
    /* One page cached: Cached (or Shmem, which is part of Cached) grows by 4 kB. */
    assert_int_equal(after.cached - before.cached, 4);
    if (grew > 1024 || secs > 0.5)
        print_error("write at %#llx: host RSS +%llu kB, %.3f s\n", (unsigned long long)off,
                    (unsigned long long)grew, secs);
    assert_true(grew <= 1024);
    assert_true(secs <= 0.5);
    vml_sim_destroy(sim);
    sim_live = NULL;
}

static void test_ext4_far_page(void **state)
{
    (void)state;
    write_far(false, VML_SIM_EXT4_MAX_BYTES - PG); /* the last page ext4 can hold */
}

static void test_shmem_far_page(void **state)
{
    (void)state;
    write_far(true, 1ull << 62);
}

/* The edges of a file's size, as ext4 (s_maxbytes 2^44 - 4 KiB) and shmem (MAX_LFS_FILESIZE,
 * 2^63 - 1) give them: generic_write_check_limits cuts a write crossing s_maxbytes short and
 * refuses one at or past it (EFBIG); ftruncate refuses a size above it (EFBIG) and a negative
 * one (EINVAL). Expected values by hand from those limits. */
static struct vml_sim *edge_sim(int *pid)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 256 * MB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_sim_create(&cfg, &sim_live, &d), 0);
    assert_int_equal(vml_sim_spawn(sim_live, "w", pid), 0);
    return sim_live;
}

static void test_ext4_short_write(void **state)
{
    (void)state;
    int pid, file;
    struct vml_sim *sim = edge_sim(&pid);
    const uint64_t max = (1ull << 44) - 4096; /* ext4_max_size with 4 KiB blocks */
    assert_int_equal(vml_sim_file_create(sim, "edge", 0, false, &file), 0);
    struct vml_meminfo before, after;
    vml_sim_meminfo(sim, &before);
    /* 12 KiB asked from max - 4 KiB: only the last 4 KiB page fits. */
    assert_int_equal(vml_sim_file_write(sim, pid, file, max - PG, 3 * PG), 0);
    vml_sim_meminfo(sim, &after);
    assert_int_equal(vml_sim_file_size(sim, file), max);
    assert_int_equal(after.cached - before.cached, 4);
    /* At the limit, and past it: nothing can be written. */
    assert_int_equal(vml_sim_file_write(sim, pid, file, max, PG), VML_EFBIG);
    assert_int_equal(vml_sim_file_write(sim, pid, file, max + 5 * PG, PG), VML_EFBIG);
    assert_int_equal(vml_sim_file_size(sim, file), max);
    /* ftruncate: the limit itself is a valid size, one byte more is not. */
    int big;
    assert_int_equal(vml_sim_file_create(sim, "at-max", max, false, &big), 0);
    assert_int_equal(vml_sim_file_create(sim, "past-max", max + 1, false, &big), VML_EFBIG);
    assert_int_equal(vml_sim_file_grow(sim, file, max + 1), VML_EFBIG);
}

static void test_memfd_limit(void **state)
{
    (void)state;
    int pid, file;
    struct vml_sim *sim = edge_sim(&pid);
    const uint64_t lfs = (1ull << 63) - 1; /* MAX_LFS_FILESIZE on 64-bit */
    /* A memfd may be as large as MAX_LFS_FILESIZE; 2^63 is a negative off_t (EINVAL). */
    assert_int_equal(vml_sim_file_create(sim, "m", lfs, true, &file), 0);
    assert_int_equal(vml_sim_file_size(sim, file), lfs);
    int other;
    assert_int_equal(vml_sim_file_create(sim, "m", lfs + 1, true, &other), VML_EINVAL);
    /* Larger than any ext4 file: the ext4 limit does not apply to shmem. */
    assert_int_equal(vml_sim_file_create(sim, "m2", (1ull << 44), true, &other), 0);
    /* A write ending past the limit is cut short at it: the last whole page below 2^63 - 1
     * starts at 2^63 - 4096, and a write there of 8 KiB stores its first 4095 bytes. */
    struct vml_meminfo before, after;
    vml_sim_meminfo(sim, &before);
    assert_int_equal(vml_sim_file_write(sim, pid, other, (1ull << 63) - PG, 2 * PG), 0);
    vml_sim_meminfo(sim, &after);
    assert_int_equal(vml_sim_file_size(sim, other), lfs);
    assert_int_equal(after.cached - before.cached, 4);
    assert_int_equal(vml_sim_file_write(sim, pid, other, lfs, 1), VML_EFBIG);
}

int main(void)
{
    /* This process's own heap in 4 KiB pages: with THP at "always" on the host, one touched
     * byte of a fresh 2 MiB heap area would count 2 MiB of RSS, which is the host kernel's
     * doing, not vmlab's memory use. */
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ext4_far_page, teardown),
        cmocka_unit_test_teardown(test_shmem_far_page, teardown),
        cmocka_unit_test_teardown(test_ext4_short_write, teardown),
        cmocka_unit_test_teardown(test_memfd_limit, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
