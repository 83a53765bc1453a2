/* Overcommit (mm/util.c: __vm_enough_memory, vm_commit_limit), each figure by hand:
 *   - CommitLimit = (RAM pages - hugetlb pages) * overcommit_ratio / 100 + swap pages, or
 *     overcommit_kbytes / 4 + swap pages when that is set;
 *   - mode 0 refuses one request larger than RAM + swap, mode 1 nothing, mode 2 a request that
 *     takes Committed_AS to CommitLimit - min(total_vm / 32, user_reserve) or beyond;
 *   - MAP_NORESERVE escapes accounting except in mode 2; read-only and shared file mappings
 *     are never charged; fork charges the accounted VMAs again; brk and mprotect ask too.
 * A spawned process has a 132 KiB stack (33 pages, charged: Committed_AS 132 kB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../sim_fixture.h"

#define MiB  (1ull << 20)
#define RW   (VML_PROT_READ | VML_PROT_WRITE)
#define ANON (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS)

static struct vml_sim *machine(uint64_t ram, const char *const *vm)
{
    return fixture_sim_vm(ram, vm, true, true);
}

static uint64_t mi(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static int map(struct vml_sim *sim, int pid, uint64_t len, unsigned prot, unsigned flags)
{
    uint64_t a;
    return vml_sim_mmap(sim, pid, 0, len, prot, flags, -1, 0, &a);
}

static void test_commit_limit(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(1024 * MiB, NULL);
    /* ratio 50 of 262144 pages: 131072 pages, 524288 kB. */
    assert_int_equal(mi(sim, "CommitLimit"), 524288);
    vml_sim_destroy(sim);
    const char *const r80[] = { "overcommit_ratio", "80", NULL };
    sim = machine(1024 * MiB, r80);
    assert_int_equal(mi(sim, "CommitLimit"), 262144 * 80 / 100 * 4);
    vml_sim_destroy(sim);
    const char *const kb[] = { "overcommit_kbytes", "300000", NULL };
    sim = machine(1024 * MiB, kb);
    assert_int_equal(mi(sim, "CommitLimit"), 300000);
    /* The pair: writing the kbytes form zeroed the ratio (overcommit_kbytes_handler). */
    struct vml_vm_sysctl s = *vml_sim_vm(sim);
    assert_int_equal(s.overcommit_ratio, 0);
    vml_sim_destroy(sim);
}

/* Mode 0: only one request larger than RAM + swap (262144 pages) fails, whatever is committed. */
static void test_guess(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(1024 * MiB, NULL);
    int p;
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(mi(sim, "Committed_AS"), 132);
    assert_int_equal(map(sim, p, 1024 * MiB + 4096, RW, ANON), VML_ENOMEM);
    assert_int_equal(map(sim, p, 1024 * MiB + 4096, RW, ANON | VML_MAP_NORESERVE), 0);
    assert_int_equal(map(sim, p, 1024 * MiB, RW, ANON), 0);
    assert_int_equal(map(sim, p, 1024 * MiB, RW, ANON), 0);
    assert_int_equal(mi(sim, "Committed_AS"), 132 + 2 * 1048576);
    assert_int_equal(map(sim, p, 2048 * MiB, VML_PROT_READ, ANON), 0); /* read-only: free */
    assert_int_equal(mi(sim, "Committed_AS"), 132 + 2 * 1048576);
    vml_sim_destroy(sim);
    const char *const always[] = { "overcommit_memory", "1", NULL };
    sim = machine(1024 * MiB, always);
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(map(sim, p, 64ull << 30, RW, ANON), 0);
    assert_int_equal(mi(sim, "Committed_AS"), 132 + (64ull << 20));
    vml_sim_destroy(sim);
}

/* Mode 2 on 1 GiB: CommitLimit 131072 pages; the user reserve is min(total_vm / 32, boot
 * free / 32 kB). With 400 MiB mapped (total_vm 102433 pages: 3201 pages of reserve), 200 MiB
 * more would reach 33 + 102400 + 51200 = 153633 >= 131072 - 3201: refused, nothing charged. */
static void test_never(void **state)
{
    (void)state;
    const char *const never[] = { "overcommit_memory", "2", NULL };
    struct vml_sim *sim = machine(1024 * MiB, never);
    int p;
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(map(sim, p, 400 * MiB, RW, ANON), 0);
    assert_int_equal(mi(sim, "Committed_AS"), 132 + 409600);
    assert_int_equal(map(sim, p, 200 * MiB, RW, ANON), VML_ENOMEM);
    assert_int_equal(mi(sim, "Committed_AS"), 132 + 409600);
    /* Up to the edge: committed + new < 131072 - 3201 = 127871 pages: 102433 + 25437 fits,
     * one page more does not (the reserve is taken at the request: total_vm before it). */
    assert_int_equal(map(sim, p, 25438ull * 4096, RW, ANON | VML_MAP_NORESERVE), VML_ENOMEM);
    assert_int_equal(map(sim, p, 25437ull * 4096, RW, ANON | VML_MAP_NORESERVE), 0);
    assert_int_equal(mi(sim, "Committed_AS"), (33 + 102400 + 25437) * 4);
    /* brk asks too: refused, the break stays. */
    uint64_t brk0, brk1;
    assert_int_equal(vml_sim_brk(sim, p, 0, &brk0), 0);
    assert_int_equal(vml_sim_brk(sim, p, brk0 + 1 * MiB, &brk1), 0);
    assert_int_equal(brk1, brk0);
    /* mprotect of a read-only private mapping to writable asks for its pages. */
    uint64_t ro;
    assert_int_equal(vml_sim_mmap(sim, p, 0, 8 * MiB, VML_PROT_READ, ANON, -1, 0, &ro), 0);
    assert_int_equal(vml_sim_mprotect(sim, p, ro, 8 * MiB, RW), VML_ENOMEM);
    /* fork charges the accounted VMAs again: far beyond the limit. */
    int c;
    assert_int_equal(vml_sim_fork(sim, p, &c), VML_ENOMEM);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_limit),
        cmocka_unit_test(test_guess),
        cmocka_unit_test(test_never),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
