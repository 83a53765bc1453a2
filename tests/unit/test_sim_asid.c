/* test_sim_asid.c: how many processes the simulated machine holds, and the TLB tags it gives
 * them.
 *
 * Linux tags TLB entries with one of TLB_NR_DYN_ASIDS = 6 dynamic ASIDs per CPU (PCID = ASID +
 * 1), recycled round-robin by choose_new_asid (arch/x86/mm/tlb.c), with a flush of the recycled
 * PCID; the number of processes is bounded by pid_max (kernel/pid.c: alloc_pid fails with
 * EAGAIN) and memory, not by the 4095 PCIDs. Expected values are the kernel's rules worked by
 * hand in each test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <string.h>

#define MB   (1024ull * 1024)
#define PG   4096ull
#define RW   (VML_PROT_READ | VML_PROT_WRITE)
#define ANON (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS)
#define X    0x10000000ull /* a free address every test process maps its page at */

static struct vml_sim *sim_live; /* destroyed by teardown when an assertion ends a test */

static int teardown(void **state)
{
    (void)state;
    vml_sim_destroy(sim_live);
    sim_live = NULL;
    return 0;
}

static struct vml_sim *new_sim(unsigned cpus, const char *cpu, unsigned pid_max)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 512 * MB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse(cpu, &cfg.cpu, NULL), 0);
    cfg.nr_cpus = cpus;
    cfg.paging = 4;
    cfg.pid_max = pid_max;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_sim_create(&cfg, &sim_live, &d), 0);
    return sim_live;
}

static void check(const struct vml_sim *sim)
{
    char why[512] = "";
    int r = vml_sim_check(sim, why, sizeof(why));
    if (r)
        print_error("vml_sim_check: %s\n", why);
    assert_int_equal(r, 0);
}

static int spawn(struct vml_sim *sim)
{
    int pid = 0;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    return pid;
}

/* Maps one anonymous page at X in pid. */
static void map_x(struct vml_sim *sim, int pid)
{
    uint64_t a = 0;
    assert_int_equal(vml_sim_mmap(sim, pid, X, PG, RW, ANON, -1, 0, &a), 0);
    assert_int_equal(a, X);
}

/* Writes X in pid (on the CPU it runs on) and returns how many faults that took. */
static uint64_t write_x(struct vml_sim *sim, int pid)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, X, X + 1, PG, VML_WRITE, &res), 0);
    assert_false(res.killed);
    return res.minor + res.major;
}

/* The translation of X on a CPU, straight through its MMU: 0 and the physical address, or 1
 * (a fault: nothing in the TLB and nothing in the loaded tables). */
static int xlate_x(struct vml_sim *sim, unsigned cpu, uint64_t *pa)
{
    struct vml_xlate x;
    int r = vml_mmu_translate(vml_sim_cpu(sim, cpu), X, VML_READ, true, &x);
    *pa = r == 0 ? x.pa : 0;
    return r;
}

/* More live processes than there are PCIDs (4095), each with a page of its own that it writes
 * on CPU 0: every one is created and gets its own page, and nothing stale is left in the TLB.
 * 5000 processes with 5 pages each (PGD, PUD, PMD, PTE table, the page) take 98 MiB of 512. */
static void test_more_processes_than_pcids(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(1, "skylake", 0);
    enum { N = 5000 };
    static int pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = spawn(sim);
        assert_int_equal(pids[i], 1000 + i); /* pids from 1000, in creation order */
        map_x(sim, pids[i]);
        assert_int_equal(vml_sim_run_on(sim, 0, pids[i]), 0);
        assert_int_equal(write_x(sim, pids[i]), 1);
        /* CR3 loads use ASIDs 1, 2, ... 5, 0, 1 ... on this CPU (next_asid starts at 0 here:
         * the machine has run nothing before), so PCID = (i mod 6) + 1. */
        assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 0)), (unsigned)(i % 6) + 1);
    }
    int live[N + 1];
    assert_int_equal(vml_sim_pids(sim, live, N + 1), N);
    check(sim);
    /* The first process again: a recycled ASID, a walk of its own tables, no fault. */
    assert_int_equal(vml_sim_run_on(sim, 0, pids[0]), 0);
    assert_int_equal(write_x(sim, pids[0]), 0);
    check(sim);
    for (int i = 0; i < N; i++)
        assert_int_equal(vml_sim_exit(sim, pids[i]), 0);
    check(sim);
}

/* A recycled ASID never hits the translations of the address space that held it before. */
static void test_recycled_asid_is_flushed(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(1, "skylake", 0);
    int a = spawn(sim);
    map_x(sim, a);
    assert_int_equal(vml_sim_run_on(sim, 0, a), 0);
    assert_int_equal(write_x(sim, a), 1);
    uint64_t pa_a;
    assert_int_equal(xlate_x(sim, 0, &pa_a), 0);
    assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 0)), 1); /* ASID 0 */
    /* Five more address spaces take ASIDs 1..5; the sixth, g, recycles ASID 0 (PCID 1). */
    for (int i = 0; i < 5; i++)
        assert_int_equal(vml_sim_run_on(sim, 0, spawn(sim)), 0);
    int g = spawn(sim);
    map_x(sim, g);
    assert_int_equal(vml_sim_run_on(sim, 0, g), 0);
    assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 0)), 1);
    /* g has not touched X: its tables have no PTE there, so the MMU must fault; a hit would be
     * a's translation under the same PCID. */
    uint64_t pa;
    assert_int_equal(xlate_x(sim, 0, &pa), 1);
    assert_int_equal(write_x(sim, g), 1);
    uint64_t pa_g;
    assert_int_equal(xlate_x(sim, 0, &pa_g), 0);
    assert_true(pa_g != pa_a);
    check(sim);
    /* a again: it recycles ASID 1 (PCID 2) and sees its own page, not g's. */
    assert_int_equal(vml_sim_run_on(sim, 0, a), 0);
    assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 0)), 2);
    assert_int_equal(xlate_x(sim, 0, &pa), 0);
    assert_int_equal(pa, pa_a);
    check(sim);
}

/* An address space holds different ASIDs on different CPUs: a change made while it runs on one
 * is flushed on the other under the PCID it has there. */
static void test_flush_uses_each_cpus_asid(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(2, "skylake", 0);
    int a = spawn(sim), b = spawn(sim);
    assert_int_equal(vml_sim_run_on(sim, 1, b), 0); /* b: ASID 0 on CPU 1 */
    map_x(sim, a);
    assert_int_equal(vml_sim_run_on(sim, 1, a), 0); /* a: ASID 1 on CPU 1 (PCID 2) */
    assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 1)), 2);
    assert_int_equal(write_x(sim, a), 1);
    assert_int_equal(vml_sim_run_on(sim, 0, a), 0); /* a: ASID 0 on CPU 0 (PCID 1) */
    assert_int_equal(vml_sim_run_on(sim, 1, b), 0); /* CPU 1 keeps a's PCID 2 entries */
    uint64_t pa;
    /* a's translation of X is cached on CPU 1 under PCID 2; unmapping X while a runs on CPU 0
     * must drop it there (the checker compares every entry with its PCID's tables). */
    assert_int_equal(vml_sim_munmap(sim, a, X, PG), 0);
    check(sim);
    assert_int_equal(vml_sim_run_on(sim, 1, a), 0);
    assert_int_equal(vml_cpu_pcid(vml_sim_cpu(sim, 1)), 2); /* its slot, kept: no flush */
    assert_int_equal(xlate_x(sim, 1, &pa), 1);
    check(sim);
}

/* pid_max: the kernel's default (pid_idr_init: PID_MAX_DEFAULT 32768, at least 1024 per CPU,
 * at most PID_MAX_LIMIT 4194304), and fork and spawn's EAGAIN when no pid is left below it. */
static void test_pid_max(void **state)
{
    (void)state;
    assert_int_equal(vml_sim_default_pid_max(1), 32768);
    assert_int_equal(vml_sim_default_pid_max(2), 32768); /* this machine: 2 CPUs, 32768 */
    assert_int_equal(vml_sim_default_pid_max(32), 32768);
    assert_int_equal(vml_sim_default_pid_max(64), 65536);
    assert_int_equal(vml_sim_default_pid_max(256), 262144);
    /* pid_max 1003: pids 1000, 1001, 1002, then nothing. */
    struct vml_sim *sim = new_sim(1, "skylake", 1003);
    int p = spawn(sim);
    assert_int_equal(p, 1000);
    int child = 0;
    assert_int_equal(vml_sim_fork(sim, p, &child), 0);
    assert_int_equal(child, 1001);
    assert_int_equal(spawn(sim), 1002);
    int pid = 0;
    assert_int_equal(vml_sim_spawn(sim, "q", &pid), VML_EAGAIN);
    assert_int_equal(vml_sim_fork(sim, p, &pid), VML_EAGAIN);
    /* Nothing was leaked or half made: three processes, the invariants hold. */
    int pids[4];
    assert_int_equal(vml_sim_pids(sim, pids, 4), 3);
    check(sim);
    vml_sim_destroy(sim);
    sim_live = NULL;
    /* Out of range settings are refused, naming the value. */
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 64 * MB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    cfg.pid_max = 4194305;
    struct vml_sim *bad = NULL;
    assert_int_equal(vml_sim_create(&cfg, &bad, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "pid_max=4194305"));
    cfg.pid_max = 1000;
    assert_int_equal(vml_sim_create(&cfg, &bad, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "pid_max=1000"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_more_processes_than_pcids, teardown),
        cmocka_unit_test_teardown(test_recycled_asid_is_flushed, teardown),
        cmocka_unit_test_teardown(test_flush_uses_each_cpus_asid, teardown),
        cmocka_unit_test_teardown(test_pid_max, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
