/* test_fallocate.c: fallocate(2) on a simulated ext4 file (mm/fallocate.c) against figures
 * worked out here by hand from the rules docs/probes/fallocate_probe.out shows on Linux 6.18:
 * a punched hole drops and unmaps the whole pages inside it (a private mapping's COW copies
 * stay), dirties the cached pages it cuts at its edges, and writes nothing; allocating touches
 * no cached page and grows the file unless KEEP_SIZE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim_fixture.h"

#define KiB 1024ull

static uint64_t meminfo_kb(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t smaps_kb(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_SMAPS, addr, addr + len, key);
}

/* A 256 KiB file (64 pages) written 4 KiB at a time (64 order-0 folios) and fsynced; a shared
 * mapping reads it whole, a private one reads pages 0-15 and writes 16-31 (16 COW copies). The
 * hole [6000, 70000) cuts page 1 (4096-8191) and page 17 (69632-73727) and holds pages 2-16
 * whole (8192 <= 15 pages < 69632): 15 pages go. Cached 64 - 15 = 49 pages = 196 kB; the two
 * cut pages dirty: 8 kB; the shared mapping keeps 49 pages (196 kB); the private one keeps
 * pages 0, 1 (file) and its 16 copies (page 16's copy too, though page 16 is in the hole):
 * 18 pages = 72 kB, 64 kB of them anonymous. No write starts (Writeback stays 0). */
static void test_punch_hole(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    int pid, f;
    uint64_t s, q;
    struct vml_sim_access res;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 256 * KiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, f, 0, 256 * KiB, 4096), 0);
    assert_int_equal(vml_sim_fsync(sim, pid, f, false), 0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 256 * KiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED, f, 0, &s),
                     0);
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 128 * KiB, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE, f, 0, &q),
                     0);
    assert_int_equal(vml_sim_touch(sim, pid, s, s + 256 * KiB, 4096, VML_READ, &res), 0);
    assert_int_equal(vml_sim_touch(sim, pid, q, q + 64 * KiB, 4096, VML_READ, &res), 0);
    assert_int_equal(vml_sim_touch(sim, pid, q + 64 * KiB, q + 128 * KiB, 4096, VML_WRITE, &res),
                     0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 256);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 0);
    assert_int_equal(smaps_kb(sim, pid, q, 128 * KiB, "Rss"), 128);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 6000, 64000,
                                       VML_SIM_FALLOC_PUNCH_HOLE | VML_SIM_FALLOC_KEEP_SIZE),
                     0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 196);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 8);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    assert_int_equal(smaps_kb(sim, pid, s, 256 * KiB, "Rss"), 196);
    assert_int_equal(smaps_kb(sim, pid, q, 128 * KiB, "Rss"), 72);
    assert_int_equal(smaps_kb(sim, pid, q, 128 * KiB, "Anonymous"), 64);
    assert_int_equal(vml_sim_file_size(sim, f), 256 * KiB);
    fixture_check(sim);
    /* A hole inside one page (page 40: 163840-167935) only dirties it: 4 kB more. */
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 164000, 100,
                                       VML_SIM_FALLOC_PUNCH_HOLE | VML_SIM_FALLOC_KEEP_SIZE),
                     0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 12);
    assert_int_equal(meminfo_kb(sim, "Cached"), 196);
    /* Dirty pages in a hole go unwritten: pages 48-55 written (32 kB dirty), then
     * [192K, 1M) punched: clipped to the end of the file (256K), pages 48-63 go (16 pages). */
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, f, 192 * KiB, 32 * KiB, 4096), 0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 44);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 192 * KiB, 832 * KiB,
                                       VML_SIM_FALLOC_PUNCH_HOLE | VML_SIM_FALLOC_KEEP_SIZE),
                     0);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 12);
    assert_int_equal(meminfo_kb(sim, "Writeback"), 0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 196 - 64);
    assert_int_equal(vml_sim_file_size(sim, f), 256 * KiB);
    /* A hole starting past the end changes nothing. */
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 256 * KiB, 4096,
                                       VML_SIM_FALLOC_PUNCH_HOLE | VML_SIM_FALLOC_KEEP_SIZE),
                     0);
    assert_int_equal(meminfo_kb(sim, "Cached"), 132);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Allocation: mode 0 grows 256 KiB to 512 KiB + 4 KiB (the range's end), nothing cached moves;
 * KEEP_SIZE leaves the size; an allocation inside the file changes nothing. */
static void test_allocate(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    int pid, f;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 256 * KiB, false, &f), 0);
    assert_int_equal(vml_sim_file_write_chunked(sim, pid, f, 0, 256 * KiB, 4096), 0);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 512 * KiB, 4096, 0), 0);
    assert_int_equal(vml_sim_file_size(sim, f), 516 * KiB);
    assert_int_equal(meminfo_kb(sim, "Cached"), 256);
    assert_int_equal(meminfo_kb(sim, "Dirty"), 256);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 1024 * KiB, 4096, VML_SIM_FALLOC_KEEP_SIZE), 0);
    assert_int_equal(vml_sim_file_size(sim, f), 516 * KiB);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 0, 64 * KiB, 0), 0);
    assert_int_equal(vml_sim_file_size(sim, f), 516 * KiB);
    assert_int_equal(meminfo_kb(sim, "Cached"), 256);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* vfs_fallocate's refusals: a length of 0 (EINVAL), a hole without KEEP_SIZE (EOPNOTSUPP), a
 * range ending past 16 TiB - 4 KiB (EFBIG), an unknown mode bit; a shmem object is not
 * modelled; no such process. */
static void test_refusals(void **state)
{
    (void)state;
    struct vml_sim *sim = fixture_sim_disk("nvme", 0);
    int pid, f, m;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 256 * KiB, false, &f), 0);
    assert_int_equal(vml_sim_file_create(sim, "m", 256 * KiB, true, &m), 0);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 0, 0, 0), VML_EINVAL);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 0, 4096, VML_SIM_FALLOC_PUNCH_HOLE),
                     VML_ENOTSUP);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, (1ull << 44) - 8192, 4096, 0), 0);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, (1ull << 44) - 8192, 4097, 0), VML_EFBIG);
    assert_int_equal(vml_sim_fallocate(sim, pid, f, 0, 4096, 0x10), VML_EINVAL);
    assert_int_equal(vml_sim_fallocate(sim, pid, m, 0, 4096, 0), VML_ENOTSUP);
    assert_int_equal(vml_sim_fallocate(sim, pid + 100, f, 0, 4096, 0), VML_ENOENT);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_punch_hole),
        cmocka_unit_test(test_allocate),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
