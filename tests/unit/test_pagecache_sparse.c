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

int main(void)
{
    /* This process's own heap in 4 KiB pages: with THP at "always" on the host, one touched
     * byte of a fresh 2 MiB heap area would count 2 MiB of RSS, which is the host kernel's
     * doing, not vmlab's memory use. */
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_ext4_far_page, teardown),
        cmocka_unit_test_teardown(test_shmem_far_page, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
