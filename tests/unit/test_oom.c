/* The OOM killer (mm/oom_kill.c of 6.18), each expectation worked by hand from the kernel's
 * rules:
 *   - oom_badness = RSS + swap entries + page-table pages + oom_score_adj * (totalpages / 1000),
 *     totalpages = RAM pages + swap pages; -1000 is never chosen;
 *   - /proc/PID/oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3, 0 for -1000;
 *   - select_bad_process: the highest badness, a later process winning a tie;
 *   - oom_kill_allocating_task kills the faulting process; panic_on_oom panics; nothing
 *     killable panics ("System is deadlocked on memory").
 * A process's 64 MiB at a 1 GiB-aligned address takes 32 PTE tables, one PMD and one PUD table:
 * 34 page-table pages (pgtables_bytes counts neither the PGD nor a P4D). A spawned process also
 * has its 132 KiB stack VMA (VmStk 132 kB: 33 pages of total_vm, none touched).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../sim_fixture.h"

#define MiB  (1ull << 20)
#define BASE 0x40000000ull

/* The machines here have no shared zero page: a read fault allocates. */
static struct vml_sim *machine_oom(uint64_t ram, const char *const *vm, bool oom_killer)
{
    return fixture_sim_vm(ram, vm, false, oom_killer);
}

static struct vml_sim *machine(uint64_t ram, const char *const *vm)
{
    return machine_oom(ram, vm, true);
}

/* A process called comm with len bytes of private anonymous memory at addr. */
static int proc_with(struct vml_sim *sim, const char *comm, uint64_t addr, uint64_t len)
{
    int pid;
    assert_int_equal(vml_sim_spawn(sim, comm, &pid), 0);
    uint64_t got;
    assert_int_equal(vml_sim_mmap(sim, pid, addr, len, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0, &got),
                     0);
    return pid;
}

static void write_all(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len,
                      struct vml_sim_access *a)
{
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, 4096, VML_WRITE, a), 0);
}

static uint64_t totalpages(struct vml_sim *sim)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemTotal") / 4 +
           fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "SwapTotal") / 4;
}

static uint64_t score(struct vml_sim *sim, int pid)
{
    char *s = fixture_proc_text(sim, pid, VML_SIM_OOM_SCORE, 0, 0);
    uint64_t v = strtoull(s, NULL, 10);
    assert_non_null(strchr(s, '\n'));
    free(s);
    return v;
}

static bool dead_by_oom(struct vml_sim *sim, int pid)
{
    struct vml_sim_death d;
    return vml_sim_status_of(sim, pid, &d) == VML_ENOENT && d.killed && d.si_code == VML_SI_OOM;
}

static char *dmesg(struct vml_sim *sim)
{
    return fixture_proc_text(sim, 0, VML_SIM_DMESG, 0, 0);
}

static void test_score(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB, NULL);
    int a = proc_with(sim, "a", BASE, 64 * MiB);
    struct vml_sim_access acc;
    write_all(sim, a, BASE, 64 * MiB, &acc);
    long long t = (long long)totalpages(sim), badness = 16384 + 34;
    assert_int_equal(score(sim, a), (1000 + badness * 1000 / t) * 2 / 3);
    char *s = fixture_proc_text(sim, a, VML_SIM_OOM_SCORE_ADJ, 0, 0);
    assert_string_equal(s, "0\n");
    free(s);
    /* adj 500: a thousandth of totalpages, truncated first, times 500. */
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, 500), 0);
    assert_int_equal(score(sim, a), (1000 + (badness + 500 * (t / 1000)) * 1000 / t) * 2 / 3);
    /* adj -999: a negative badness divides toward zero. */
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, -999), 0);
    long long neg = badness - 999 * (t / 1000);
    assert_true(neg < 0);
    assert_int_equal(score(sim, a), (1000 + neg * 1000 / t) * 2 / 3);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, -1000), 0);
    assert_int_equal(score(sim, a), 0);
    s = fixture_proc_text(sim, a, VML_SIM_OOM_SCORE_ADJ, 0, 0);
    assert_string_equal(s, "-1000\n");
    free(s);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, 1001), VML_EINVAL);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, -1001), VML_EINVAL);
    /* fork: the child has the parent's value (copy_signal). */
    int c;
    assert_int_equal(vml_sim_set_oom_score_adj(sim, a, 300), 0);
    assert_int_equal(vml_sim_fork(sim, a, &c), 0);
    int adj;
    assert_int_equal(vml_sim_oom_score_adj(sim, c, &adj), 0);
    assert_int_equal(adj, 300);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* 128 MiB of RAM, no swap: hog holds 64 MiB; grower writes 80 MiB, which cannot all fit. The
 * OOM killer takes hog (the most pages), grower goes on and finishes. */
static void test_kill_worst(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(128 * MiB, NULL);
    int hog = proc_with(sim, "hog", BASE, 64 * MiB);
    assert_int_equal(fixture_proc_field(sim, hog, VML_SIM_STATUS, 0, 0, "VmStk"), 132);
    struct vml_sim_access acc;
    write_all(sim, hog, BASE, 64 * MiB, &acc);
    int grower = proc_with(sim, "grower", 2 * BASE, 80 * MiB);
    uint64_t free_before = fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemFree");
    write_all(sim, grower, 2 * BASE, 80 * MiB, &acc);
    assert_false(acc.killed);
    assert_true(dead_by_oom(sim, hog));
    assert_int_equal(vml_sim_kills(sim), 1);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_oom_kill), 1);
    /* hog's 16384 pages, its 34 tables and its PGD came back: grower's 20480 pages and its
     * 40 + 1 + 1 tables were taken out of what was free plus them. */
    uint64_t free_after = fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, "MemFree");
    assert_int_equal(free_after, free_before + (16384 + 34 + 1) * 4 - (20480 + 42) * 4);
    char *log = dmesg(sim);
    assert_non_null(strstr(log, "] grower invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_"
                                "MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0\n"));
    assert_non_null(strstr(log, "] Tasks state (memory values in pages):\n"));
    /* dump_tasks' row of hog: "[%7d] %5d %5d %8lu %8lu %8lu %8lu %9lu %8ld %8lu         %5hd %s".
     */
    assert_non_null(strstr(log, "] [   1000]     0  1000    16417    16384    16384        0   "
                                "      0   139264        0             0 hog\n"));
    assert_non_null(strstr(log,
                           "] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,"
                           "mems_allowed=0,global_oom,task_memcg=/,task=hog,pid=1000,uid=0\n"));
    assert_non_null(strstr(log, "] Out of memory: Killed process 1000 (hog) total-vm:65668kB, "
                                "anon-rss:65536kB, file-rss:0kB, shmem-rss:0kB, UID:0 "
                                "pgtables:136kB oom_score_adj:0\n"));
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Two equal processes: select_bad_process keeps the later of a tie. The grower is immune. */
static void test_tie_later_wins(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(128 * MiB, NULL);
    struct vml_sim_access acc;
    int first = proc_with(sim, "first", BASE, 40 * MiB);
    write_all(sim, first, BASE, 40 * MiB, &acc);
    int second = proc_with(sim, "second", 2 * BASE, 40 * MiB);
    write_all(sim, second, 2 * BASE, 40 * MiB, &acc);
    int grower = proc_with(sim, "grower", 3 * BASE, 60 * MiB);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, grower, -1000), 0);
    write_all(sim, grower, 3 * BASE, 60 * MiB, &acc);
    assert_false(acc.killed);
    assert_true(dead_by_oom(sim, second));
    struct vml_sim_death d;
    assert_int_equal(vml_sim_status_of(sim, first, &d), 0);
    assert_int_equal(vml_sim_kills(sim), 1);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* oom_kill_allocating_task: the faulting process goes, though hog is bigger. */
static void test_allocating_task(void **state)
{
    (void)state;
    const char *const vm[] = { "oom_kill_allocating_task", "1", NULL };
    struct vml_sim *sim = machine(128 * MiB, vm);
    struct vml_sim_access acc;
    int hog = proc_with(sim, "hog", BASE, 80 * MiB);
    write_all(sim, hog, BASE, 80 * MiB, &acc);
    int small = proc_with(sim, "small", 2 * BASE, 60 * MiB);
    write_all(sim, small, 2 * BASE, 60 * MiB, &acc);
    assert_true(acc.killed);
    assert_int_equal(acc.si_code, VML_SI_OOM);
    assert_true(dead_by_oom(sim, small));
    struct vml_sim_death d;
    assert_int_equal(vml_sim_status_of(sim, hog, &d), 0);
    char *log = dmesg(sim);
    assert_non_null(strstr(log, "] Out of memory (oom_kill_allocating_task): Killed process 1001 "
                                "(small) total-vm:61572kB"));
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Fills a 128 MiB machine: a writes 100 MiB, then b (as immune as a when immune) 60 MiB. */
static int fill_machine(struct vml_sim *sim, bool immune, int *b)
{
    struct vml_sim_access acc;
    int a = proc_with(sim, "a", BASE, 100 * MiB);
    *b = proc_with(sim, "b", 2 * BASE, 60 * MiB);
    if (immune) {
        assert_int_equal(vml_sim_set_oom_score_adj(sim, a, -1000), 0);
        assert_int_equal(vml_sim_set_oom_score_adj(sim, *b, -1000), 0);
    }
    write_all(sim, a, BASE, 100 * MiB, &acc);
    return vml_sim_touch(sim, *b, 2 * BASE, 2 * BASE + 60 * MiB, 4096, VML_WRITE, &acc);
}

static void test_panic(void **state)
{
    (void)state;
    const char *const vm[] = { "panic_on_oom", "1", NULL };
    struct vml_sim *sim = machine(128 * MiB, vm);
    int b;
    assert_int_equal(fill_machine(sim, false, &b), VML_EPANIC);
    char *log = dmesg(sim);
    assert_non_null(strstr(log, "] Kernel panic - not syncing: Out of memory: system-wide "
                                "panic_on_oom is enabled\n"));
    assert_null(strstr(log, "Killed process"));
    free(log);
    assert_int_equal(vml_sim_kills(sim), 0);
    /* A panicked machine takes no more work. */
    struct vml_sim_access acc;
    uint64_t last = 2 * BASE + 60 * MiB - 4096; /* not reached before the panic */
    assert_int_equal(vml_sim_touch(sim, b, last, last + 4096, 4096, VML_WRITE, &acc), VML_EPANIC);
    vml_sim_destroy(sim);

    /* Nothing killable: every process is immune. */
    sim = machine(128 * MiB, NULL);
    assert_int_equal(fill_machine(sim, true, &b), VML_EPANIC);
    log = dmesg(sim);
    assert_non_null(strstr(log, "] Out of memory and no killable processes...\n"));
    assert_non_null(strstr(log, "] Kernel panic - not syncing: System is deadlocked on memory\n"));
    free(log);
    vml_sim_destroy(sim);
}

/* The sysctl files: ranges as this kernel's (probed: panic_on_oom refuses -1 and 3, the other
 * two take any int and read it back). */
static void test_sysctls(void **state)
{
    (void)state;
    struct vml_vm_sysctl s;
    vml_vm_sysctl_defaults(&s);
    struct vml_diag d = { 0 };
    int pan = vml_vm_find("panic_on_oom"), kat = vml_vm_find("oom_kill_allocating_task"),
        dump = vml_vm_find("/proc/sys/vm/oom_dump_tasks");
    assert_true(pan >= 0 && kat >= 0 && dump >= 0);
    char buf[VML_VM_SHOW_MAX];
    vml_vm_show(&s, (size_t)dump, buf);
    assert_string_equal(buf, "1\n");
    assert_int_equal(vml_vm_store(&s, (size_t)pan, "3", 1, NULL, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "from 0 to 2"));
    assert_int_equal(vml_vm_store(&s, (size_t)pan, "-1", 2, NULL, &d), VML_EINVAL);
    assert_int_equal(vml_vm_store(&s, (size_t)pan, "2", 1, NULL, &d), 0);
    assert_int_equal(vml_vm_store(&s, (size_t)kat, "-1", 2, NULL, &d), 0);
    vml_vm_show(&s, (size_t)kat, buf);
    assert_string_equal(buf, "-1\n");
    assert_int_equal(s.oom_kill_allocating_task, -1);
    /* oom_dump_tasks 0: the report keeps its lines but the task table. */
    const char *const vm[] = { "oom_dump_tasks", "0", NULL };
    struct vml_sim *sim = machine(128 * MiB, vm);
    struct vml_sim_access acc;
    int hog = proc_with(sim, "hog", BASE, 64 * MiB);
    write_all(sim, hog, BASE, 64 * MiB, &acc);
    int g = proc_with(sim, "g", 2 * BASE, 80 * MiB);
    write_all(sim, g, 2 * BASE, 80 * MiB, &acc);
    char *log = dmesg(sim);
    assert_null(strstr(log, "Tasks state"));
    assert_non_null(strstr(log, "Killed process 1000 (hog)"));
    free(log);
    vml_sim_destroy(sim);
}

static unsigned count(const char *s, const char *what)
{
    unsigned n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p++)
        n++;
    return n;
}

/* The report's header is ratelimited as the kernel's (oom_rs: 10 per 5 s): an immune grower
 * takes 16 processes of 4 MiB one after another within far less than 5 simulated seconds; every
 * kill has its "Killed process" line, only the first 10 their header. The 17th kill, after 5 s,
 * says how many headers were left out. */
static void test_report_ratelimit(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(128 * MiB, NULL);
    struct vml_sim_access acc;
    int small[16];
    char name[16];
    for (int i = 0; i < 16; i++) {
        snprintf(name, sizeof(name), "s%d", i);
        small[i] = proc_with(sim, name, BASE, 4 * MiB);
        write_all(sim, small[i], BASE, 4 * MiB, &acc);
    }
    int g = proc_with(sim, "g", 2 * BASE, 124 * MiB);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, g, -1000), 0);
    /* 64 MiB beyond what fits with the 16 alive: they all go (and a last 4 MiB stays short). */
    uint64_t want = 128 * MiB - 16 * 4 * MiB;
    assert_int_equal(
        vml_sim_touch(sim, g, 2 * BASE, 2 * BASE + want + 60 * MiB, 4096, VML_WRITE, &acc), 0);
    assert_false(acc.killed);
    for (int i = 0; i < 16; i++)
        assert_true(dead_by_oom(sim, small[i]));
    assert_true(vml_sim_now(sim) < 5000000000ull);
    char *log = dmesg(sim);
    assert_int_equal(count(log, "Killed process"), 16);
    assert_int_equal(count(log, "invoked oom-killer"), 10);
    assert_int_equal(count(log, "] oom-kill:constraint"), 10);
    assert_null(strstr(log, "suppressed"));
    free(log);
    /* 5 s on, one more: a new interval, the six left out said. g gives 16 MiB back; last
     * writes 4 MiB, then, 5 s later, 60 MiB more than there is room for: it goes itself. */
    assert_int_equal(vml_sim_munmap(sim, g, 2 * BASE, 16 * MiB), 0);
    int last = proc_with(sim, "last", BASE, 64 * MiB);
    write_all(sim, last, BASE, 4 * MiB, &acc);
    assert_int_equal(vml_sim_advance(sim, 5000000000ull), 0);
    write_all(sim, last, BASE + 4 * MiB, 60 * MiB, &acc);
    assert_true(acc.killed);
    log = dmesg(sim);
    assert_non_null(strstr(log, "] oom_kill_process: 6 callbacks suppressed\n"));
    assert_int_equal(count(log, "invoked oom-killer"), 11);
    free(log);
    vml_sim_destroy(sim);
}

/* oom_killer_disable(): the allocation fails, nobody is killed. */
static void test_disabled(void **state)
{
    (void)state;
    struct vml_sim *sim = machine_oom(128 * MiB, NULL, false);
    struct vml_sim_access acc;
    int hog = proc_with(sim, "hog", BASE, 64 * MiB);
    write_all(sim, hog, BASE, 64 * MiB, &acc);
    int g = proc_with(sim, "g", 2 * BASE, 80 * MiB);
    assert_int_equal(vml_sim_touch(sim, g, 2 * BASE, 2 * BASE + 80 * MiB, 4096, VML_WRITE, &acc),
                     VML_ENOMEM);
    assert_false(acc.killed);
    assert_int_equal(vml_sim_kills(sim), 0);
    char *log = dmesg(sim);
    assert_string_equal(log, "");
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score),          cmocka_unit_test(test_kill_worst),
        cmocka_unit_test(test_tie_later_wins), cmocka_unit_test(test_allocating_task),
        cmocka_unit_test(test_panic),          cmocka_unit_test(test_sysctls),
        cmocka_unit_test(test_disabled),       cmocka_unit_test(test_report_ratelimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
