/* Memory cgroups (mm/memcontrol.c of 6.18), each expectation worked by hand from the kernel's
 * rules:
 *   - try_charge_memcg takes MEMCG_CHARGE_BATCH (64) pages from the counters at once and keeps
 *     what the folio does not use in the CPU's stock; uncharging goes to the counters, so an
 *     emptied cgroup keeps its stocked pages in memory.current;
 *   - a fault in a new address space at a 1 GiB-aligned address allocates a PUD, a PMD and a
 *     PTE table (3 page-table pages, charged to the faulting task's cgroup) and its page;
 *   - memory.max reclaims inside the cgroup, then its OOM killer picks among its processes
 *     (events oom and oom_kill), memory.oom.group takes the whole group but -1000;
 *   - memory.min keeps a cgroup out of global reclaim while its usage is below it;
 *   - v1's files show the same counters in bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "../sim_fixture.h"

#define KiB  1024ull
#define MiB  (1ull << 20)
#define PAGE 4096ull
#define BASE 0x40000000ull

static struct vml_sim *machine(uint64_t ram)
{
    return fixture_sim_vm(ram, NULL, false, true);
}

/* A process called comm in cgroup cg ("" = root) with len bytes of private anonymous memory at
 * BASE. */
static int proc_in(struct vml_sim *sim, const char *comm, const char *cg, uint64_t len)
{
    int pid;
    assert_int_equal(vml_sim_spawn(sim, comm, &pid), 0);
    if (cg[0])
        assert_int_equal(vml_sim_cgroup_attach(sim, pid, cg), 0);
    uint64_t got;
    if (len)
        assert_int_equal(vml_sim_mmap(sim, pid, BASE, len, VML_PROT_READ | VML_PROT_WRITE,
                                      VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED, -1, 0,
                                      &got),
                         0);
    return pid;
}

/* Writes every page of the range: 0, or VML_EKILLED when the process died on the way. */
static int write_range(struct vml_sim *sim, int pid, uint64_t off, uint64_t len)
{
    struct vml_sim_access a;
    memset(&a, 0, sizeof(a));
    int r = vml_sim_touch(sim, pid, BASE + off, BASE + off + len, PAGE, VML_WRITE, &a);
    if (r == 0 && vml_sim_status_of(sim, pid, NULL) != 0)
        return VML_EKILLED;
    return r;
}

static char *cg_text(struct vml_sim *sim, const char *cg, const char *file, bool v1)
{
    struct vml_text t = { 0 };
    int r = vml_sim_cgroup_text(sim, cg, file, v1, &t);
    if (r)
        fail_msg("cgroup %s %s: %s", cg, file, vml_strerror(r));
    char *s = malloc(t.len + 1);
    assert_non_null(s);
    memcpy(s, t.s ? t.s : "", t.len);
    s[t.len] = 0;
    vml_text_free(&t);
    return s;
}

/* A file of one number, or a "name value" line of a keyed one. */
static uint64_t cg_num(struct vml_sim *sim, const char *cg, const char *file, const char *key)
{
    char *s = cg_text(sim, cg, file, false);
    uint64_t v = 0;
    if (key) {
        if (!fixture_text_field(s, key, &v))
            fail_msg("no %s in %s of %s", key, file, cg);
    } else {
        v = strtoull(s, NULL, 10);
    }
    free(s);
    return v;
}

static uint64_t cg1_num(struct vml_sim *sim, const char *cg, const char *file)
{
    char *s = cg_text(sim, cg, file, true);
    uint64_t v = strtoull(s, NULL, 10);
    free(s);
    return v;
}

static bool dead_by_oom(struct vml_sim *sim, int pid)
{
    struct vml_sim_death d;
    return vml_sim_status_of(sim, pid, &d) == VML_ENOENT && d.killed && d.si_code == VML_SI_OOM;
}

/* Charges come in batches of 64 pages; the stock keeps the rest, also after the memory goes. */
static void test_charge_batches(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    int p = proc_in(sim, "p", "box", 1 * MiB);
    assert_int_equal(write_range(sim, p, 0, PAGE), 0);
    /* 3 tables + 1 page = 4 pages used of one 64-page batch. */
    assert_int_equal(cg_num(sim, "box", "memory.current", NULL), 64 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "anon"), 1 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "pagetables"), 3 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "kernel"), 3 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "pgfault"), 1);
    /* 100 pages and the 3 tables: 103 pages, two batches. */
    assert_int_equal(write_range(sim, p, PAGE, 99 * PAGE), 0);
    assert_int_equal(cg_num(sim, "box", "memory.current", NULL), 128 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.peak", NULL), 128 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "inactive_anon"), 100 * PAGE);
    fixture_check(sim);
    /* The process goes: its 103 pages are uncharged, the 25 stocked stay charged. */
    assert_int_equal(vml_sim_exit(sim, p), 0);
    assert_int_equal(cg_num(sim, "box", "memory.current", NULL), 25 * PAGE);
    assert_int_equal(cg_num(sim, "box", "memory.peak", NULL), 128 * PAGE);
    /* The root is not charged: it has no memory.current. */
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_cgroup_text(sim, "", "memory.current", false, &t), VML_EINVAL);
    vml_text_free(&t);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Anonymous memory past memory.max without swap: the cgroup's OOM killer, the rest of the
 * machine untouched. */
static void test_oom_inside(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    int outside = proc_in(sim, "outside", "", 8 * MiB);
    assert_int_equal(write_range(sim, outside, 0, 8 * MiB), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "1M", 0), 0);
    int p = proc_in(sim, "hog", "box", 4 * MiB);
    assert_int_equal(write_range(sim, p, 0, 4 * MiB), VML_EKILLED);
    assert_true(dead_by_oom(sim, p));
    assert_int_equal(vml_sim_status_of(sim, outside, NULL), 0);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom"), 1);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom_kill"), 1);
    assert_true(cg_num(sim, "box", "memory.events", "max") > 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_oom_kill), 1);
    /* Never past the limit; after the kill at most a batch stays stocked. */
    assert_true(cg_num(sim, "box", "memory.peak", NULL) <= 1 * MiB);
    assert_true(cg_num(sim, "box", "memory.current", NULL) <= 64 * PAGE);
    char *log = fixture_proc_text(sim, 0, VML_SIM_DMESG, 0, 0);
    assert_non_null(strstr(log, "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
                                "mems_allowed=0,oom_memcg=/box,task_memcg=/box,task=hog"));
    assert_non_null(strstr(log, "Memory cgroup out of memory: Killed process"));
    assert_non_null(strstr(log, "memory: usage "));
    assert_non_null(strstr(log, "kB, limit 1024kB, failcnt "));
    assert_non_null(strstr(log, "Memory cgroup stats for /box:"));
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* Page cache past memory.max is reclaimed inside the cgroup: no OOM. */
static void test_page_cache_reclaimed(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    int f;
    assert_int_equal(vml_sim_file_create(sim, "data", 8 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "1M", 0), 0);
    int p = proc_in(sim, "reader", "box", 0);
    assert_int_equal(vml_sim_file_read(sim, p, f, 0, 8 * MiB), 0);
    assert_int_equal(vml_sim_status_of(sim, p, NULL), 0);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom"), 0);
    assert_true(cg_num(sim, "box", "memory.events", "max") > 0);
    assert_true(cg_num(sim, "box", "memory.current", NULL) <= 1 * MiB);
    assert_true(cg_num(sim, "box", "memory.stat", "file") <= 1 * MiB);
    assert_true(cg_num(sim, "box", "memory.stat", "pgsteal") > 0);
    /* A cgroup's limit reclaim is not the machine's direct reclaim. */
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgsteal_direct), 0);
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) > 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A parent's limit covers its children: the OOM is the parent's, the kill its child's. */
static void test_hierarchy(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    assert_int_equal(vml_sim_cgroup_create(sim, "a/b"), VML_ENOENT);
    assert_int_equal(vml_sim_cgroup_create(sim, "a"), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "a"), VML_EEXIST);
    assert_int_equal(vml_sim_cgroup_create(sim, "a/b"), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "a/../b"), VML_EINVAL);
    assert_int_equal(vml_sim_cgroup_write(sim, "a", "memory.max", "1M", 0), 0);
    int p;
    assert_int_equal(vml_sim_spawn(sim, "p", &p), 0);
    assert_int_equal(vml_sim_cgroup_attach(sim, p, "a"), VML_EBUSY); /* no internal processes */
    assert_int_equal(vml_sim_exit(sim, p), 0);
    p = proc_in(sim, "hog", "a/b", 4 * MiB);
    assert_int_equal(write_range(sim, p, 0, 4 * MiB), VML_EKILLED);
    assert_true(dead_by_oom(sim, p));
    /* oom on the cgroup over its limit, oom_kill on the victim's; memory.events counts its
     * subtree's, memory.events.local its own. */
    assert_int_equal(cg_num(sim, "a", "memory.events.local", "oom"), 1);
    assert_int_equal(cg_num(sim, "a", "memory.events", "oom_kill"), 1);
    assert_int_equal(cg_num(sim, "a", "memory.events.local", "oom_kill"), 0);
    assert_int_equal(cg_num(sim, "a/b", "memory.events.local", "oom_kill"), 1);
    assert_int_equal(cg_num(sim, "a/b", "memory.events", "oom"), 0);
    char *log = fixture_proc_text(sim, 0, VML_SIM_DMESG, 0, 0);
    assert_non_null(strstr(log, "oom_memcg=/a,task_memcg=/a/b,task=hog"));
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* memory.oom.group: the victim's group goes whole, all but the -1000 member. */
static void test_oom_group(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "2M", 0), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.oom.group", "2", 0), VML_EINVAL);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.oom.group", "1", 0), 0);
    int a = proc_in(sim, "a", "box", 256 * KiB);
    int keep = proc_in(sim, "keep", "box", 256 * KiB);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, keep, -1000), 0);
    int hog = proc_in(sim, "hog", "box", 4 * MiB);
    assert_int_equal(write_range(sim, a, 0, 256 * KiB), 0);
    assert_int_equal(write_range(sim, keep, 0, 256 * KiB), 0);
    assert_int_equal(write_range(sim, hog, 0, 4 * MiB), VML_EKILLED);
    assert_true(dead_by_oom(sim, hog));
    assert_true(dead_by_oom(sim, a));
    assert_int_equal(vml_sim_status_of(sim, keep, NULL), 0);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom_group_kill"), 1);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom_kill"), 2);
    char *log = fixture_proc_text(sim, 0, VML_SIM_DMESG, 0, 0);
    assert_non_null(
        strstr(log, "Tasks in /box are going to be killed due to memory.oom.group set"));
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* memory.swap.max: with swap, a cgroup's anonymous memory goes to swap while its swap limit
 * lets it; at 0 the same load is an OOM. */
static void test_swap_max(void **state)
{
    (void)state;
    for (int limited = 0; limited < 2; limited++) {
        struct vml_sim_config cfg;
        fixture_cfg(&cfg, 256 * MiB);
        cfg.no_zero_page = true;
        cfg.swap_bytes = 64 * MiB;
        struct vml_sim *sim = fixture_create(&cfg);
        assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
        assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "1M", 0), 0);
        if (limited)
            assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.swap.max", "0", 0), 0);
        int p = proc_in(sim, "p", "box", 4 * MiB);
        int r = write_range(sim, p, 0, 4 * MiB);
        if (limited) {
            assert_int_equal(r, VML_EKILLED);
            assert_int_equal(cg_num(sim, "box", "memory.swap.current", NULL), 0);
            /* No swap room: reclaim never scans the anonymous lists (can_reclaim_anon_pages),
             * so no slot is even asked for. */
            assert_int_equal(cg_num(sim, "box", "memory.swap.events", "fail"), 0);
            assert_int_equal(cg_num(sim, "box", "memory.stat", "pgscan"), 0);
        } else {
            assert_int_equal(r, 0);
            /* What is not resident is in swap: 4 MiB of writes, at most 1 MiB resident. */
            uint64_t swapped = cg_num(sim, "box", "memory.swap.current", NULL);
            assert_true(swapped >= 3 * MiB - 64 * PAGE);
            assert_true(cg_num(sim, "box", "memory.stat", "pswpout") > 0);
            /* Swap I/O goes through submit_bio: pgpgout and pgpgin in KiB, 4 per page. */
            assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgpgout),
                             4 * fixture_vmstat(sim, VML_VMSTAT_pswpout));
            assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgpgin),
                             4 * fixture_vmstat(sim, VML_VMSTAT_pswpin));
            assert_int_equal(cg_num(sim, "box", "memory.events", "oom"), 0);
        }
        fixture_check(sim);
        vml_sim_destroy(sim);
    }
}

/* memory.min keeps a cgroup's page cache through the machine's reclaim. */
static void test_min_protection(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(128 * MiB);
    int small, big;
    assert_int_equal(vml_sim_file_create(sim, "small", 8 * MiB, false, &small), 0);
    assert_int_equal(vml_sim_file_create(sim, "big", 512 * MiB, false, &big), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "prot"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "prot", "memory.min", "16M", 0), 0);
    int p = proc_in(sim, "p", "prot", 0);
    assert_int_equal(vml_sim_file_read(sim, p, small, 0, 8 * MiB), 0);
    assert_int_equal(cg_num(sim, "prot", "memory.stat", "file"), 8 * MiB);
    int q = proc_in(sim, "q", "", 0);
    assert_int_equal(vml_sim_file_read(sim, q, big, 0, 512 * MiB), 0);
    /* The machine reclaimed much (512 MiB read through 128 MiB of RAM) but none of prot's. */
    assert_true(fixture_vmstat(sim, VML_VMSTAT_pgsteal_file) > 300 * MiB / PAGE);
    assert_int_equal(cg_num(sim, "prot", "memory.stat", "file"), 8 * MiB);
    assert_int_equal(cg_num(sim, "prot", "memory.stat", "pgscan"), 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* memory.low: protection while other memory can be reclaimed; once only the protected cgroup's
 * pages are left, reclaim takes them anyway and counts a low event (memcg_low_reclaim). */
static void test_low_protection(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(128 * MiB);
    int small, big;
    assert_int_equal(vml_sim_file_create(sim, "small", 8 * MiB, false, &small), 0);
    assert_int_equal(vml_sim_file_create(sim, "big", 512 * MiB, false, &big), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "prot"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "prot", "memory.low", "16M", 0), 0);
    int p = proc_in(sim, "p", "prot", 0);
    assert_int_equal(vml_sim_file_read(sim, p, small, 0, 8 * MiB), 0);
    int q = proc_in(sim, "q", "", 0);
    assert_int_equal(vml_sim_file_read(sim, q, big, 0, 512 * MiB), 0);
    /* The root's own cache was there to take: prot untouched, no low event. */
    assert_int_equal(cg_num(sim, "prot", "memory.stat", "file"), 8 * MiB);
    assert_int_equal(cg_num(sim, "prot", "memory.events", "low"), 0);
    /* Now anonymous memory without swap: the root's cache goes first, then only prot's is
     * reclaimable, and memory.low gives way. */
    int a = proc_in(sim, "a", "", 120 * MiB);
    assert_int_equal(write_range(sim, a, 0, 120 * MiB), 0);
    assert_true(cg_num(sim, "prot", "memory.stat", "file") < 8 * MiB);
    assert_true(cg_num(sim, "prot", "memory.events", "low") > 0);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* memory.high: the excess is reclaimed on the way back to user space and counted (high). */
static void test_high(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    int f;
    assert_int_equal(vml_sim_file_create(sim, "data", 8 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.high", "1M", 0), 0);
    int p = proc_in(sim, "reader", "box", 0);
    assert_int_equal(vml_sim_file_read_chunked(sim, p, f, 0, 8 * MiB, 64 * KiB), 0);
    assert_true(cg_num(sim, "box", "memory.events", "high") > 0);
    assert_int_equal(cg_num(sim, "box", "memory.events", "max"), 0);
    /* Each 64 KiB call charges at most one batch past high before its reclaim. */
    assert_true(cg_num(sim, "box", "memory.current", NULL) <= 1 * MiB + 64 * PAGE);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A memory.max below the usage reclaims at once; v1's limit refuses what it cannot reach. */
static void test_limit_writes_and_v1(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    int f;
    assert_int_equal(vml_sim_file_create(sim, "data", 4 * MiB, false, &f), 0);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    int p = proc_in(sim, "p", "box", 2 * MiB);
    assert_int_equal(vml_sim_file_read(sim, p, f, 0, 4 * MiB), 0);
    assert_int_equal(write_range(sim, p, 0, 2 * MiB), 0);
    assert_true(cg_num(sim, "box", "memory.current", NULL) >= 6 * MiB);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "3M", 0), 0);
    assert_true(cg_num(sim, "box", "memory.current", NULL) <= 3 * MiB);
    assert_int_equal(cg_num(sim, "box", "memory.stat", "anon"), 2 * MiB); /* no swap: kept */
    assert_int_equal(vml_sim_status_of(sim, p, NULL), 0);
    /* The v1 view: the same counters. */
    assert_int_equal(cg1_num(sim, "box", "memory.usage_in_bytes"),
                     cg_num(sim, "box", "memory.current", NULL));
    assert_int_equal(cg1_num(sim, "box", "memory.limit_in_bytes"), 3 * MiB);
    assert_int_equal(cg1_num(sim, "box", "memory.max_usage_in_bytes"),
                     cg_num(sim, "box", "memory.peak", NULL));
    /* v1's limit below the anonymous 2 MiB cannot be reached without swap: EBUSY, and the old
     * limit stays. */
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.limit_in_bytes", "1M", 0), VML_EBUSY);
    assert_int_equal(cg1_num(sim, "box", "memory.limit_in_bytes"), 3 * MiB);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "lots", 0), VML_EINVAL);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.nothing", "1", 0), VML_ENOENT);
    assert_int_equal(vml_sim_cgroup_write(sim, "", "memory.max", "1M", 0), VML_EINVAL);
    char *st = cg_text(sim, "box", "memory.stat", true);
    assert_non_null(strstr(st, "\nrss 2097152\n"));
    assert_non_null(strstr(st, "hierarchical_memory_limit 3145728\n"));
    free(st);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

/* A cgroup at its limit whose processes are all -1000: nothing to kill, the allocation fails
 * and the machine says which cgroup (Linux would retry the fault forever). */
static void test_nothing_to_kill(void **state)
{
    (void)state;
    struct vml_sim *sim = machine(256 * MiB);
    assert_int_equal(vml_sim_cgroup_create(sim, "box"), 0);
    assert_int_equal(vml_sim_cgroup_write(sim, "box", "memory.max", "1M", 0), 0);
    int p = proc_in(sim, "p", "box", 4 * MiB);
    assert_int_equal(vml_sim_set_oom_score_adj(sim, p, -1000), 0);
    assert_int_equal(write_range(sim, p, 0, 4 * MiB), VML_ENOMEM);
    char path[64];
    uint64_t max = 0;
    assert_int_equal(vml_sim_nomem_cgroup(sim, path, sizeof(path), &max), 1);
    assert_string_equal(path, "/box");
    assert_int_equal(max, 1 * MiB);
    assert_int_equal(vml_sim_status_of(sim, p, NULL), 0);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom"), 1);
    assert_int_equal(cg_num(sim, "box", "memory.events", "oom_kill"), 0);
    char *log = fixture_proc_text(sim, 0, VML_SIM_DMESG, 0, 0);
    assert_non_null(strstr(log, "Out of memory and no killable processes..."));
    assert_null(strstr(log, "Kernel panic")); /* a cgroup's OOM never panics for this */
    free(log);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_charge_batches),
        cmocka_unit_test(test_oom_inside),
        cmocka_unit_test(test_page_cache_reclaimed),
        cmocka_unit_test(test_hierarchy),
        cmocka_unit_test(test_oom_group),
        cmocka_unit_test(test_swap_max),
        cmocka_unit_test(test_min_protection),
        cmocka_unit_test(test_low_protection),
        cmocka_unit_test(test_high),
        cmocka_unit_test(test_limit_writes_and_v1),
        cmocka_unit_test(test_nothing_to_kill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
