/* test_slab.c: the slab model (mm/slab.c) against hand arithmetic: slab pages from this
 * kernel's geometry (dentry 21 objects per 1-page slab, ext4_inode_cache 14 per 4-page slab),
 * meminfo and vmstat, the LRUs, do_shrink_slab's batches and drop_caches 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"

#include <stdio.h>

#define GiB (1ull << 30)

static int make_files(struct vml_sim *sim, unsigned n, const char *prefix)
{
    int first = -1;
    for (unsigned i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof(name), "%s%u", prefix, i);
        int id;
        assert_int_equal(vml_sim_file_create(sim, name, 0, false, &id), 0);
        if (first < 0)
            first = id;
    }
    return first;
}

static uint64_t meminfo(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

/* 100 new files: 100 dentries in ceil(100 / 21) = 5 one-page slabs, 100 inodes in
 * ceil(100 / 14) = 8 four-page slabs: 5 + 32 = 37 pages = 148 kB, all SReclaimable, taken
 * from free memory. Deleting them gives every page back. */
static void test_create_delete(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0); /* its page tables, before the count */
    uint64_t free0 = meminfo(sim, "MemFree");
    int first = make_files(sim, 100, "f");
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 100);
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 100);
    assert_int_equal(meminfo(sim, "SReclaimable"), 148);
    assert_int_equal(meminfo(sim, "Slab"), 148);
    assert_int_equal(meminfo(sim, "KReclaimable"), 148);
    assert_int_equal(meminfo(sim, "SUnreclaim"), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_nr_slab_reclaimable), 37);
    assert_int_equal(free0 - meminfo(sim, "MemFree"), 148);
    fixture_check(sim);
    /* Opening again allocates nothing: the objects are cached. */
    assert_int_equal(vml_sim_file_read(sim, pid, first, 0, 4096), 0);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(vml_sim_file_delete(sim, first + i), 0);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 0);
    assert_int_equal(meminfo(sim, "Slab"), 0);
    assert_int_equal(meminfo(sim, "MemFree"), free0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* do_shrink_slab with 1000 unused files (no pages), vfs_cache_pressure 100:
 *   priority 12: freeable 1000, delta (1000 >> 12) * 4 / 2 = 0, total_scan 0 < freeable: no
 *   scan; nothing deferred.
 *   priority 0: delta 2000, total_scan min(2000, 2 * 1000) = 2000; one batch of 1024:
 *     super_cache_scan: dentries 1000, inodes 0, total 1001: dentries mult_frac(1024, 1000,
 *     1001) = 1022, so prune_dcache walks 1023 and frees all 1000 dentries (their inodes go on
 *     the inode LRU), prune_icache walks 0 + 1 = 1 inode and frees it: 1001 freed.
 *     total_scan 976 is below both 1024 and freeable: stop. slabs_scanned += 1024, deferred
 *     1000... next_deferred = 0 + 2000 - 1024 = 976.
 *   priority 0 again: freeable 999 inodes, nr 976, delta 1998, total_scan min(2974, 1998) =
 *     1998; a batch of 1024: inodes mult_frac(1024, 999, 1000) = 1022, walk 1023: all 999
 *     freed; 974 left, below 999: stop. */
static void test_shrink_arithmetic(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    make_files(sim, 1000, "f");
    assert_int_equal(shrink_slab(sim, 0, 12), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_slabs_scanned), 0);
    assert_int_equal(shrink_slab(sim, 0, 0), 1001);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 0);
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 999);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_slabs_scanned), 1024);
    assert_int_equal(sim->slab.nr_deferred[0], 976);
    assert_int_equal(shrink_slab(sim, 0, 0), 999);
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 0);
    assert_int_equal(meminfo(sim, "Slab"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* vfs_cache_pressure scales what the shrinker counts: at 0 nothing is ever freed (freeable
 * 0); at 200, 100 files count 200 at priority 0: delta 400, total_scan min(400, 400) = 400,
 * one batch of 400 (>= freeable): dentries mult_frac(400, 100, 101) = 396, all 100 freed, 1
 * inode; 0 left. */
static void test_vfs_cache_pressure(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    make_files(sim, 100, "f");
    sim->vm.vfs_cache_pressure = 0;
    assert_int_equal(shrink_slab(sim, 0, 0), 0);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 100);
    sim->vm.vfs_cache_pressure = 200;
    assert_int_equal(shrink_slab(sim, 0, 0), 101);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_slabs_scanned), 400);
    vml_sim_destroy(sim);
}

/* drop_caches 2 frees every unused dentry and every inode without pages; an inode whose file
 * has cached pages stays (mapping_shrinkable), a mapped file keeps both. */
static void test_drop_slab(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    make_files(sim, 50, "e");
    int cached, mapped;
    assert_int_equal(vml_sim_file_create(sim, "cached", 1 << 20, false, &cached), 0);
    assert_int_equal(vml_sim_file_write(sim, pid, cached, 0, 64 << 10), 0);
    assert_int_equal(vml_sim_file_create(sim, "mapped", 1 << 20, false, &mapped), 0);
    uint64_t addr;
    assert_int_equal(
        vml_sim_mmap(sim, pid, 0, 1 << 20, VML_PROT_READ, VML_MAP_SHARED, mapped, 0, &addr), 0);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 52);
    uint64_t before = fixture_vmstat(sim, VML_VMSTAT_drop_slab);
    slab_drop(sim);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_drop_slab), before + 1);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 1);     /* the mapped file's */
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 2); /* mapped, and cached's pages */
    /* 1 dentry slab + 1 inode slab: 4 + 16 kB. */
    assert_int_equal(meminfo(sim, "SReclaimable"), 20);
    /* Unmapped, the mapped file's dentry is unused: the next drop frees it and its inode. */
    assert_int_equal(vml_sim_munmap(sim, pid, addr, 1 << 20), 0);
    slab_drop(sim);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 0);
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 1);
    /* Touched again, the cached file gets a dentry back: one object, no new inode. */
    assert_int_equal(vml_sim_file_read(sim, pid, cached, 0, 4096), 0);
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 1);
    assert_int_equal(slab_objects(sim, SLAB_EXT4_INODE), 1);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A dentry used again while on the LRU is referenced: the walk rotates it once. Three files
 * a, b, c created in order; a read again. At priority 0 with 3 dentries: freeable 3, delta 6,
 * total_scan 6, one batch of 6: dentries mult_frac(6, 3, 4) = 4, walk 5: a rotates (its
 * reference cleared), b and c are freed, then a is freed: 3 dentries. */
static void test_referenced_rotates(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim(4 * GiB, NULL, 0);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    int a = make_files(sim, 3, "x");
    assert_int_equal(vml_sim_file_read(sim, pid, a, 0, 1), 0);
    assert_true(sim_file(sim, a)->d_referenced);
    assert_ptr_equal(sim->slab.dentry_lru[0].head, sim_file(sim, a));
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 3);
    assert_int_equal(shrink_slab(sim, 0, 0), 4); /* 3 dentries, then 1 inode */
    assert_int_equal(slab_objects(sim, SLAB_DENTRY), 0);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_delete),      cmocka_unit_test(test_shrink_arithmetic),
        cmocka_unit_test(test_vfs_cache_pressure), cmocka_unit_test(test_drop_slab),
        cmocka_unit_test(test_referenced_rotates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
