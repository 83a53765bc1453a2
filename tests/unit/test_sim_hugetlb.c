/* test_sim_hugetlb.c: hugetlb pools and MAP_HUGETLB mappings in the simulated kernel.
 *
 * Expected values are what Linux 6.18 printed for the same steps: the reference probe
 * (shared/reference/probes/hugetlb_probe.out) and probes run on the project machine's kernel
 * while this was built (docs/design.md, "mm: hugetlb", lists what they showed). Each test ends
 * with vml_sim_check() == 0, which recounts the pools and the reservations.
 *
 * Layout with ASLR off: mmap_base 0x7ffff7fff000, so the first 2 MiB-aligned huge mapping of
 * N MiB ends at 0x7ffff7e00000.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mm/sim_internal.h"
#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB      1024ull
#define MB      (1024ull * 1024)
#define GB      (1024ull * MB)
#define PG      4096ull
#define HP      (2 * MB)
#define RW      (VML_PROT_READ | VML_PROT_WRITE)
#define HUGE    (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_HUGETLB)
#define SHHUGE  (VML_MAP_SHARED | VML_MAP_ANONYMOUS | VML_MAP_HUGETLB)
#define TOP_END 0x7ffff7e00000ull /* end of the first 2 MiB-aligned mapping */

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_SIMS 2
static struct vml_sim *live[MAX_SIMS];

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAX_SIMS; i++) {
        vml_sim_destroy(live[i]);
        live[i] = NULL;
    }
    return 0;
}

static struct vml_sim *new_sim_pools(uint64_t ram, const char *cpu, uint64_t n2m, uint64_t n1g)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = ram;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    if (vml_cpu_model_parse(cpu, &cfg.cpu, &d) != 0)
        fail_msg("cpu %s: %s", cpu, d.msg);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.nr_hugepages[VML_HUGE_2M] = n2m;
    cfg.nr_hugepages[VML_HUGE_1G] = n1g;
    struct vml_sim *sim = NULL;
    int r = vml_sim_create(&cfg, &sim, &d);
    if (r)
        fail_msg("vml_sim_create: %s (%s)", vml_strerror(r), d.msg);
    for (size_t i = 0; i < MAX_SIMS; i++) {
        if (!live[i]) {
            live[i] = sim;
            return sim;
        }
    }
    vml_sim_destroy(sim);
    fail_msg("more than %d machines at once", MAX_SIMS);
    return NULL;
}

/* 512 MiB, one Skylake CPU, a pool of n 2 MiB pages. */
static struct vml_sim *new_sim(uint64_t n)
{
    return new_sim_pools(512 * MB, "skylake", n, 0);
}

static void done(struct vml_sim *sim)
{
    fixture_check(sim);
    for (size_t i = 0; i < MAX_SIMS; i++)
        if (live[i] == sim)
            live[i] = NULL;
    vml_sim_destroy(sim);
}

static int spawn(struct vml_sim *sim)
{
    int pid = 0;
    assert_int_equal(vml_sim_spawn(sim, "t", &pid), 0);
    return pid;
}

static int do_fork(struct vml_sim *sim, int pid)
{
    int child = 0;
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    return child;
}

static uint64_t map(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned flags)
{
    uint64_t a = 0;
    int r = vml_sim_mmap(sim, pid, hint, len, RW, flags, -1, 0, &a);
    if (r)
        fail_msg("mmap(%#llx, %llu): %s", (unsigned long long)hint, (unsigned long long)len,
                 vml_strerror(r));
    return a;
}

static int map_err(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned flags)
{
    uint64_t a = 0;
    return vml_sim_mmap(sim, pid, hint, len, RW, flags, -1, 0, &a);
}

/* One access at each of [start, end) every stride bytes; returns the result. */
static struct vml_sim_access touch(struct vml_sim *sim, int pid, uint64_t start, uint64_t end,
                                   uint64_t stride, enum vml_access access)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, start, end, stride, access, &res), 0);
    fixture_check(sim);
    return res;
}

/* One access at addr that must not kill; faults taken. */
static uint64_t poke(struct vml_sim *sim, int pid, uint64_t addr, enum vml_access access)
{
    struct vml_sim_access res = touch(sim, pid, addr, addr + 1, PG, access);
    assert_false(res.killed);
    return res.minor;
}

static uint64_t meminfo(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t vmstat(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_VMSTAT, 0, 0, key);
}

static uint64_t status(struct vml_sim *sim, int pid, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, key);
}

static uint64_t smaps(struct vml_sim *sim, int pid, uint64_t addr, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_SMAPS, addr, addr + 1, key);
}

/* HugePages_Total, _Free, _Rsvd, _Surp of the 2 MiB pool, as meminfo prints them. */
static void expect_pool(struct vml_sim *sim, uint64_t total, uint64_t free, uint64_t rsvd,
                        uint64_t surp)
{
    uint64_t t = meminfo(sim, "HugePages_Total"), f = meminfo(sim, "HugePages_Free");
    uint64_t r = meminfo(sim, "HugePages_Rsvd"), s = meminfo(sim, "HugePages_Surp");
    if (t != total || f != free || r != rsvd || s != surp)
        fail_msg("pool Total=%llu Free=%llu Rsvd=%llu Surp=%llu, want %llu %llu %llu %llu",
                 (unsigned long long)t, (unsigned long long)f, (unsigned long long)r,
                 (unsigned long long)s, (unsigned long long)total, (unsigned long long)free,
                 (unsigned long long)rsvd, (unsigned long long)surp);
}

static bool killed(struct vml_sim *sim, int pid, int *si_code, uint64_t *addr)
{
    struct vml_sim_death d;
    if (vml_sim_status_of(sim, pid, &d) == 0)
        return false;
    *si_code = d.si_code;
    *addr = d.addr;
    return d.killed;
}

/* ---- tests -------------------------------------------------------------------------------- */

/* hugetlb_probe.out, step by step: reservation at mmap, a fault consumes one, ENOMEM when the
 * unreserved free pages cannot cover a mapping, MAP_NORESERVE takes only unreserved pages and
 * gets SIGBUS when there are none, munmap gives everything back. */
static void test_reservations(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(0);
    int a = spawn(sim);
    expect_pool(sim, 0, 0, 0, 0);
    assert_int_equal(map_err(sim, a, 0, HP, HUGE), VML_ENOMEM); /* empty pool */
    uint64_t nr = 0;
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 4, &nr), 0);
    assert_int_equal(nr, 4);
    expect_pool(sim, 4, 4, 0, 0);
    assert_int_equal(meminfo(sim, "Hugetlb"), 8192);
    uint64_t p = map(sim, a, 0, 3 * HP, HUGE);
    expect_pool(sim, 4, 4, 3, 0);
    char *text = fixture_proc_text(sim, 0, VML_SIM_MEMINFO, 0, 0);
    assert_non_null(strstr(text, "\nHugePages_Total:       4\nHugePages_Free:        4\n"
                                 "HugePages_Rsvd:        3\nHugePages_Surp:        0\n"
                                 "Hugepagesize:       2048 kB\nHugetlb:            8192 kB\n"));
    free(text);
    assert_int_equal(status(sim, a, "HugetlbPages"), 0);
    assert_int_equal(poke(sim, a, p, VML_WRITE), 1);
    expect_pool(sim, 4, 3, 2, 0);
    assert_int_equal(status(sim, a, "HugetlbPages"), 2048);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 2048);
    assert_int_equal(map_err(sim, a, 0, 2 * HP, HUGE), VML_ENOMEM);
    /* NORESERVE in a second process, so that its SIGBUS leaves the first running. */
    int b = spawn(sim);
    uint64_t n = map(sim, b, 0, 2 * HP, HUGE | VML_MAP_NORESERVE);
    expect_pool(sim, 4, 3, 2, 0);
    assert_int_equal(poke(sim, b, n, VML_WRITE), 1);
    expect_pool(sim, 4, 2, 2, 0); /* took the last unreserved page */
    assert_int_equal(status(sim, b, "HugetlbPages"), 2048);
    struct vml_sim_access res = touch(sim, b, n + HP, n + HP + 1, PG, VML_WRITE);
    assert_true(res.killed);
    assert_int_equal(res.si_code, VML_BUS_ADRERR);
    assert_int_equal(res.addr, n + HP);
    expect_pool(sim, 4, 3, 2, 0); /* its page went back when it died */
    assert_int_equal(vml_sim_munmap(sim, a, p, 3 * HP), 0);
    expect_pool(sim, 4, 4, 0, 0);
    assert_int_equal(status(sim, a, "HugetlbPages"), 0);
    done(sim);
}

/* The pool comes from the buddy allocator: MemFree, CommitLimit, vmstat and buddyinfo follow
 * (probe: nr_hugepages=8 gave htlb_buddy_alloc_success +8, pgalloc +4096, CommitLimit -8192 kB).
 * Shrinking below what is in use leaves surplus pages, freed as they are released. */
static void test_pool_sizing(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(0);
    uint64_t free0 = meminfo(sim, "MemFree"), limit0 = meminfo(sim, "CommitLimit");
    uint64_t alloc0 = vmstat(sim, "pgalloc_dma32"), hit0 = vmstat(sim, "numa_hit");
    assert_int_equal(limit0, 512 * MB / KB / 2);
    uint64_t nr = 0;
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 8, &nr), 0);
    assert_int_equal(nr, 8);
    assert_int_equal(meminfo(sim, "MemFree"), free0 - 16384);
    assert_int_equal(meminfo(sim, "CommitLimit"), limit0 - 8192);
    assert_int_equal(meminfo(sim, "Hugetlb"), 16384);
    assert_int_equal(vmstat(sim, "htlb_buddy_alloc_success"), 8);
    assert_int_equal(vmstat(sim, "pgalloc_dma32") - alloc0, 8 * 512);
    assert_int_equal(vmstat(sim, "numa_hit") - hit0, 8);
    /* The pool's pages left the buddy allocator's free lists: buddyinfo sums to MemFree. */
    char *bi = fixture_proc_text(sim, 0, VML_SIM_BUDDYINFO, 0, 0);
    uint64_t buddy_kb = 0;
    for (char *line = strtok(bi, "\n"); line; line = strtok(NULL, "\n")) {
        char *q = strstr(line, "zone");
        q = q ? q + 4 + strspn(q + 4, " ") : NULL;
        q = q ? q + strcspn(q, " ") : NULL;
        for (unsigned order = 0; q && *q; order++) {
            char *end;
            uint64_t n = strtoull(q, &end, 10);
            if (end == q)
                break;
            buddy_kb += n * (4ull << order);
            q = end;
        }
    }
    free(bi);
    assert_int_equal(buddy_kb, meminfo(sim, "MemFree"));
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 4 * HP, HUGE);
    touch(sim, a, p, p + 4 * HP, HP, VML_WRITE);
    expect_pool(sim, 8, 4, 0, 0);
    uint64_t pgfree0 = vmstat(sim, "pgfree");
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 2, &nr), 0);
    assert_int_equal(nr, 2);
    expect_pool(sim, 4, 0, 0, 2);
    assert_int_equal(vmstat(sim, "pgfree") - pgfree0, 4 * 512);
    fixture_check(sim);
    assert_int_equal(vml_sim_munmap(sim, a, p, 2 * HP), 0);
    expect_pool(sim, 2, 0, 0, 0);
    assert_int_equal(vml_sim_munmap(sim, a, p + 2 * HP, 2 * HP), 0);
    expect_pool(sim, 2, 2, 0, 0);
    /* Growing while there is surplus turns it persistent first. */
    p = map(sim, a, 0, 2 * HP, HUGE);
    touch(sim, a, p, p + 2 * HP, HP, VML_WRITE);
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 0, &nr), 0);
    expect_pool(sim, 2, 0, 0, 2);
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 3, &nr), 0);
    assert_int_equal(nr, 3);
    expect_pool(sim, 3, 1, 0, 0);
    /* Reserved free pages are kept, though counted as surplus (as 6.18 showed: Surp 3 of 3);
     * the reservation's end releases one. */
    uint64_t q = map(sim, a, 0, HP, HUGE);
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 0, &nr), 0);
    expect_pool(sim, 3, 1, 1, 3);
    assert_int_equal(nr, 0);
    assert_int_equal(vml_sim_munmap(sim, a, q, HP), 0);
    expect_pool(sim, 2, 0, 0, 2);
    /* As far as memory allows: 512 MiB hold 256 pages, less the zero page's block. */
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_2M, 1000, &nr), 0);
    assert_true(nr < 256 && nr > 240);
    assert_true(vmstat(sim, "htlb_buddy_alloc_fail") >= 1);
    done(sim);
}

/* The smaps block, status line and numa_maps line of the reference probe, byte for byte. */
static void test_proc_text(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(4);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 3 * HP, HUGE);
    assert_int_equal(p, TOP_END - 3 * HP);
    poke(sim, a, p, VML_WRITE);
    char *s = fixture_proc_text(sim, a, VML_SIM_SMAPS, p, p + 1);
    assert_string_equal(s,
                        "7ffff7800000-7ffff7e00000 rw-p 00000000 00:11 1000                       "
                        "/anon_hugepage (deleted)\n"
                        "Size:               6144 kB\n"
                        "KernelPageSize:     2048 kB\n"
                        "MMUPageSize:        2048 kB\n"
                        "Rss:                   0 kB\n"
                        "Pss:                   0 kB\n"
                        "Pss_Dirty:             0 kB\n"
                        "Shared_Clean:          0 kB\n"
                        "Shared_Dirty:          0 kB\n"
                        "Private_Clean:         0 kB\n"
                        "Private_Dirty:         0 kB\n"
                        "Referenced:            0 kB\n"
                        "Anonymous:             0 kB\n"
                        "KSM:                   0 kB\n"
                        "LazyFree:              0 kB\n"
                        "AnonHugePages:         0 kB\n"
                        "ShmemPmdMapped:        0 kB\n"
                        "FilePmdMapped:         0 kB\n"
                        "Shared_Hugetlb:        0 kB\n"
                        "Private_Hugetlb:    2048 kB\n"
                        "Swap:                  0 kB\n"
                        "SwapPss:               0 kB\n"
                        "Locked:                0 kB\n"
                        "THPeligible:           0\n"
                        "VmFlags: rd wr mr mw me de ht \n");
    free(s);
    s = fixture_proc_text(sim, a, VML_SIM_NUMA_MAPS, p, p + 1);
    assert_string_equal(s, "7ffff7800000 default file=/anon_hugepage\\040(deleted) huge anon=1 "
                           "dirty=1 N0=1 kernelpagesize_kB=2048\n");
    free(s);
    /* Not in RSS, statm or Committed_AS; in VmData (private writable) and HugetlbPages. */
    assert_int_equal(status(sim, a, "VmRSS"), 0);
    assert_int_equal(status(sim, a, "VmData"), 6144);
    assert_int_equal(status(sim, a, "HugetlbPages"), 2048);
    assert_int_equal(meminfo(sim, "Committed_AS"), 132); /* the stack only */
    s = fixture_proc_text(sim, a, VML_SIM_SMAPS_ROLLUP, 0, 0);
    assert_non_null(strstr(s, "\nRss:                   0 kB\n"));
    assert_non_null(strstr(s, "\nPrivate_Hugetlb:    2048 kB\n"));
    free(s);
    /* A read fault allocates too (no zero page), mapped read-only: a write faults again. */
    assert_int_equal(poke(sim, a, p + HP, VML_READ), 1);
    expect_pool(sim, 4, 2, 1, 0);
    assert_int_equal(poke(sim, a, p + HP + 4 * KB, VML_WRITE), 1);
    assert_int_equal(poke(sim, a, p + HP + 8 * KB, VML_WRITE), 0);
    s = fixture_proc_text(sim, a, VML_SIM_NUMA_MAPS, p, p + 1);
    assert_string_equal(s, "7ffff7800000 default file=/anon_hugepage\\040(deleted) huge anon=2 "
                           "dirty=2 N0=2 kernelpagesize_kB=2048\n");
    free(s);
    /* Shared: rw-s, in the inode's cache (dirty), Private_Hugetlb while mapped once. */
    int b = spawn(sim);
    uint64_t q = map(sim, b, 0, HP, SHHUGE);
    poke(sim, b, q, VML_READ);
    s = fixture_proc_text(sim, b, VML_SIM_MAPS, q, q + 1);
    assert_string_equal(s,
                        "7ffff7c00000-7ffff7e00000 rw-s 00000000 00:11 1001                       "
                        "/anon_hugepage (deleted)\n");
    free(s);
    s = fixture_proc_text(sim, b, VML_SIM_NUMA_MAPS, q, q + 1);
    assert_string_equal(s, "7ffff7c00000 default file=/anon_hugepage\\040(deleted) huge dirty=1 "
                           "N0=1 kernelpagesize_kB=2048\n");
    free(s);
    assert_int_equal(smaps(sim, b, q, "Private_Hugetlb"), 2048);
    done(sim);
}

/* Probe, fork with free pages: the child shares the parent's pages (Shared_Hugetlb), copies
 * the one it writes from the unreserved pool, and its read of a page the parent never touched
 * allocates one too (the parent keeps that page's reservation). */
static void test_fork_cow(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(6);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 3 * HP, HUGE);
    poke(sim, a, p, VML_WRITE);
    poke(sim, a, p + HP, VML_WRITE);
    expect_pool(sim, 6, 4, 1, 0);
    int c = do_fork(sim, a);
    fixture_check(sim);
    assert_int_equal(status(sim, c, "HugetlbPages"), 4096);
    assert_int_equal(smaps(sim, c, p, "Shared_Hugetlb"), 4096);
    assert_int_equal(smaps(sim, a, p, "Shared_Hugetlb"), 4096);
    char *s = fixture_proc_text(sim, c, VML_SIM_NUMA_MAPS, p, p + 1);
    assert_string_equal(s, "7ffff7800000 default file=/anon_hugepage\\040(deleted) huge anon=2 "
                           "dirty=2 mapmax=2 N0=2 kernelpagesize_kB=2048\n");
    free(s);
    assert_int_equal(poke(sim, c, p, VML_WRITE), 1);
    expect_pool(sim, 6, 3, 1, 0);
    assert_int_equal(smaps(sim, c, p, "Shared_Hugetlb"), 2048);
    assert_int_equal(smaps(sim, c, p, "Private_Hugetlb"), 2048);
    poke(sim, c, p + 2 * HP, VML_READ);
    expect_pool(sim, 6, 2, 1, 0);
    assert_int_equal(status(sim, c, "HugetlbPages"), 6144);
    assert_int_equal(vml_sim_exit(sim, c), 0);
    expect_pool(sim, 6, 4, 1, 0);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 4096);
    /* fork write-protected the parent's entries: its next write reuses the page it alone
     * maps now. */
    assert_int_equal(poke(sim, a, p, VML_WRITE), 1);
    expect_pool(sim, 6, 4, 1, 0);
    done(sim);
}

/* Probe, fork with an empty pool: the parent (the reservation's owner) takes its page back
 * from the child, whose next fault anywhere in the mapping is SIGBUS; a child's own COW with
 * an empty pool is SIGBUS. */
static void test_fork_empty_pool(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(3);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 3 * HP, HUGE);
    poke(sim, a, p, VML_WRITE);
    poke(sim, a, p + HP, VML_WRITE);
    expect_pool(sim, 3, 1, 1, 0); /* the free page is reserved for page 2 */
    int c = do_fork(sim, a);
    assert_int_equal(poke(sim, a, p, VML_WRITE), 1);
    expect_pool(sim, 3, 1, 1, 0);
    assert_int_equal(smaps(sim, a, p, "Shared_Hugetlb"), 2048);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 2048);
    assert_int_equal(smaps(sim, c, p, "Shared_Hugetlb"), 2048);
    assert_int_equal(smaps(sim, c, p, "Private_Hugetlb"), 0);
    assert_int_equal(status(sim, c, "HugetlbPages"), 2048);
    assert_int_equal(poke(sim, c, p + HP, VML_READ), 0); /* still mapped */
    struct vml_sim_access res = touch(sim, c, p + 2 * HP, p + 2 * HP + 1, PG, VML_READ);
    assert_true(res.killed);
    assert_int_equal(res.si_code, VML_BUS_ADRERR);
    int code;
    uint64_t addr;
    assert_true(killed(sim, c, &code, &addr));
    assert_int_equal(addr, p + 2 * HP);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 4096);
    assert_int_equal(vml_sim_munmap(sim, a, p, 3 * HP), 0);
    expect_pool(sim, 3, 3, 0, 0);
    /* The child's COW with nothing unreserved left. */
    p = map(sim, a, 0, 3 * HP, HUGE);
    touch(sim, a, p, p + 3 * HP, HP, VML_WRITE);
    c = do_fork(sim, a);
    res = touch(sim, c, p + HP, p + HP + 1, PG, VML_WRITE);
    assert_true(res.killed);
    assert_int_equal(res.si_code, VML_BUS_ADRERR);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 6144);
    done(sim);
}

/* Probe: what must be huge aligned and what is rounded. */
static void test_alignment(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(8);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 3 * HP / 2, HUGE | VML_MAP_HUGE_2MB); /* 3M: 4M */
    assert_int_equal(p, TOP_END - 2 * HP);
    expect_pool(sim, 8, 8, 2, 0);
    assert_int_equal(smaps(sim, a, p, "Size"), 4096);
    /* A hint is rounded up to a huge page; MAP_FIXED must be aligned. */
    uint64_t b = map(sim, a, p - 5 * HP + 12345, HP, HUGE);
    assert_int_equal(b, p - 4 * HP);
    assert_int_equal(vml_sim_munmap(sim, a, b, HP), 0);
    assert_int_equal(map_err(sim, a, p - 8 * HP + PG, HP, HUGE | VML_MAP_FIXED), VML_EINVAL);
    assert_int_equal(map_err(sim, a, p - 8 * HP + PG, HP, HUGE | VML_MAP_FIXED_NOREPLACE),
                     VML_EINVAL);
    assert_int_equal(map_err(sim, a, 0, HP, HUGE | (22u << VML_MAP_HUGE_SHIFT)), VML_EINVAL);
    uint64_t x;
    assert_int_equal(vml_sim_mmap(sim, a, 0, HP, RW, HUGE & ~VML_MAP_ANONYMOUS, 0, 0, &x),
                     VML_EINVAL);
    touch(sim, a, p, p + 4 * HP / 2, HP, VML_WRITE);
    expect_pool(sim, 8, 6, 0, 0);
    /* Splitting inside a huge page is refused before anything changes. */
    assert_int_equal(vml_sim_munmap(sim, a, p, PG), VML_EINVAL);
    assert_int_equal(vml_sim_munmap(sim, a, p + PG, PG), VML_EINVAL);
    assert_int_equal(vml_sim_munmap(sim, a, p + HP, 1), VML_EINVAL);
    assert_int_equal(vml_sim_munmap(sim, a, p, 3 * HP / 2), VML_EINVAL);
    assert_int_equal(vml_sim_mprotect(sim, a, p, PG, VML_PROT_READ), VML_EINVAL);
    assert_int_equal(vml_sim_mprotect(sim, a, p + PG, PG, VML_PROT_READ), VML_EINVAL);
    assert_int_equal(vml_sim_mprotect(sim, a, p + HP / 2, 3 * HP / 2, VML_PROT_READ), VML_EINVAL);
    assert_int_equal(vml_sim_mprotect(sim, a, p, 3 * HP / 2, VML_PROT_READ), VML_EINVAL);
    assert_int_equal(vml_sim_mprotect(sim, a, p + PG, PG, RW), 0); /* nothing to change */
    assert_int_equal(status(sim, a, "HugetlbPages"), 4096);
    /* madvise: the start must be aligned, the end is rounded down; the owner's pages get their
     * reservations back. */
    assert_int_equal(vml_sim_madvise(sim, a, p + PG, PG, VML_MADV_DONTNEED), VML_EINVAL);
    assert_int_equal(vml_sim_madvise(sim, a, p, PG, VML_MADV_DONTNEED), 0);
    expect_pool(sim, 8, 6, 0, 0);
    assert_int_equal(vml_sim_madvise(sim, a, p, 3 * HP / 2, VML_MADV_DONTNEED), 0);
    expect_pool(sim, 8, 7, 1, 0);
    assert_int_equal(vml_sim_madvise(sim, a, p + HP, HP + PG, VML_MADV_DONTNEED), VML_ENOMEM);
    expect_pool(sim, 8, 8, 2, 0);
    assert_int_equal(status(sim, a, "HugetlbPages"), 0);
    /* Aligned splits work; the piece that goes gives its reservation back. */
    assert_int_equal(vml_sim_munmap(sim, a, p + HP, HP), 0);
    expect_pool(sim, 8, 8, 1, 0);
    assert_int_equal(vml_sim_mprotect(sim, a, p, HP, VML_PROT_READ), 0);
    char *s = fixture_proc_text(sim, a, VML_SIM_SMAPS, p, p + 1);
    assert_non_null(strstr(s, "VmFlags: rd mr mw me de ht \n"));
    free(s);
    /* A read-only private mapping faults read-only; writing is SIGSEGV. */
    poke(sim, a, p, VML_READ);
    struct vml_sim_access res = touch(sim, a, p, p + 1, PG, VML_WRITE);
    assert_true(res.killed);
    assert_int_equal(res.si_code, VML_SEGV_ACCERR);
    expect_pool(sim, 8, 8, 0, 0);
    done(sim);
}

/* Probe: mlock faults hugetlb pages in without locking them; MAP_POPULATE with nothing to take
 * leaves the mapping empty without a signal; the shared inode keeps its pages until it dies. */
static void test_populate_mlock_shared(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(8);
    int a = spawn(sim);
    uint64_t m = map(sim, a, 0, 2 * HP, HUGE);
    expect_pool(sim, 8, 8, 2, 0);
    assert_int_equal(vml_sim_mlock(sim, a, m, 2 * HP), 0);
    expect_pool(sim, 8, 6, 0, 0);
    assert_int_equal(status(sim, a, "VmLck"), 0);
    assert_int_equal(status(sim, a, "HugetlbPages"), 4096);
    assert_int_equal(vml_sim_munmap(sim, a, m, 2 * HP), 0);
    uint64_t big = map(sim, a, 0, 8 * HP, HUGE);
    expect_pool(sim, 8, 8, 8, 0);
    uint64_t nr = map(sim, a, 0, 2 * HP, HUGE | VML_MAP_NORESERVE | VML_MAP_POPULATE);
    expect_pool(sim, 8, 8, 8, 0);
    char *s = fixture_proc_text(sim, a, VML_SIM_SMAPS, nr, nr + 1);
    assert_non_null(strstr(s, "VmFlags: rd wr mr mw me de nr ht \n"));
    free(s);
    assert_int_equal(vml_sim_munmap(sim, a, nr, 2 * HP), 0);
    assert_int_equal(vml_sim_munmap(sim, a, big, 8 * HP), 0);
    uint64_t q = map(sim, a, 0, 2 * HP, SHHUGE);
    expect_pool(sim, 8, 8, 2, 0);
    poke(sim, a, q, VML_READ);
    expect_pool(sim, 8, 7, 1, 0);
    poke(sim, a, q + HP, VML_WRITE);
    expect_pool(sim, 8, 6, 0, 0);
    assert_int_equal(vml_sim_madvise(sim, a, q, 2 * HP, VML_MADV_DONTNEED), 0);
    expect_pool(sim, 8, 6, 0, 0);
    assert_int_equal(status(sim, a, "HugetlbPages"), 0);
    assert_int_equal(vml_sim_munmap(sim, a, q + HP, HP), 0);
    expect_pool(sim, 8, 6, 0, 0);
    /* A fork child maps the shared page again from the cache (no copy at fork). */
    int c = do_fork(sim, a);
    assert_int_equal(status(sim, c, "HugetlbPages"), 0);
    poke(sim, c, q, VML_WRITE);
    poke(sim, a, q, VML_READ);
    expect_pool(sim, 8, 6, 0, 0);
    assert_int_equal(smaps(sim, c, q, "Shared_Hugetlb"), 2048);
    assert_int_equal(vml_sim_exit(sim, c), 0);
    assert_int_equal(vml_sim_munmap(sim, a, q, HP), 0);
    expect_pool(sim, 8, 8, 0, 0);
    done(sim);
}

/* Observed on 6.18: an owner that unmaps a page its child still maps gives the page's
 * reservation back only when the page is freed, so HugePages_Rsvd wraps below zero meanwhile. */
static void test_resv_wraps(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim(2);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, HP, HUGE);
    poke(sim, a, p, VML_WRITE);
    expect_pool(sim, 2, 1, 0, 0);
    int c = do_fork(sim, a);
    assert_int_equal(vml_sim_madvise(sim, a, p, HP, VML_MADV_DONTNEED), 0);
    expect_pool(sim, 2, 1, 0, 0);
    assert_int_equal(vml_sim_munmap(sim, a, p, HP), 0);
    expect_pool(sim, 2, 1, UINT64_MAX, 0);
    fixture_check(sim);
    assert_int_equal(vml_sim_exit(sim, c), 0);
    expect_pool(sim, 2, 2, 0, 0);
    done(sim);
}

/* 1 GiB pages: a PDPT leaf, their own pool (not meminfo's HugePages_* lines, which are the
 * default size's, but Hugetlb), and no pgalloc events (alloc_contig_pages). */
static void test_gigantic(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_pools(4 * GB, "skylake", 2, 1);
    uint64_t alloc = vmstat(sim, "pgalloc_dma32") + vmstat(sim, "pgalloc_normal");
    assert_int_equal(alloc, 2 * 512); /* the 2 MiB pool only */
    struct vml_sim_hugepages hp;
    assert_int_equal(vml_sim_hugepages(sim, VML_HUGE_1G, &hp), 0);
    assert_int_equal(hp.total, 1);
    assert_int_equal(meminfo(sim, "Hugetlb"), 1048576 + 4096);
    expect_pool(sim, 2, 2, 0, 0);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, GB, HUGE | VML_MAP_HUGE_1GB);
    assert_int_equal(p & (GB - 1), 0);
    assert_int_equal(vml_sim_hugepages(sim, VML_HUGE_1G, &hp), 0);
    assert_int_equal(hp.resv, 1);
    struct vml_sim_access res = touch(sim, a, p, p + GB, 256 * MB, VML_WRITE);
    assert_int_equal(res.minor, 1);
    struct vml_pt_leaf leaf;
    struct sim_task *t = sim_task(sim, a);
    assert_int_equal(vml_pt_lookup(t->mm->pt, p + 5 * MB, &leaf), 0);
    assert_int_equal(leaf.level, VML_PT_PDPT);
    assert_int_equal(smaps(sim, a, p, "KernelPageSize"), 1048576);
    assert_int_equal(smaps(sim, a, p, "Private_Hugetlb"), 1048576);
    assert_int_equal(status(sim, a, "HugetlbPages"), 1048576);
    assert_int_equal(map_err(sim, a, 0, GB, HUGE | VML_MAP_HUGE_1GB), VML_ENOMEM);
    assert_int_equal(vml_sim_munmap(sim, a, p, 2 * MB), VML_EINVAL);
    assert_int_equal(vml_sim_munmap(sim, a, p, GB), 0);
    uint64_t nr = 9;
    assert_int_equal(vml_sim_set_nr_hugepages(sim, VML_HUGE_1G, 0, &nr), 0);
    assert_int_equal(nr, 0);
    assert_int_equal(meminfo(sim, "Hugetlb"), 4096);
    done(sim);
    /* Without 1 GiB pages in the CPU there is no such pool. */
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 4 * GB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake:1g=off", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    struct vml_sim *s2 = NULL;
    assert_int_equal(vml_sim_create(&cfg, &s2, NULL), 0);
    live[0] = s2;
    assert_int_equal(vml_sim_set_nr_hugepages(s2, VML_HUGE_1G, 1, NULL), VML_EINVAL);
    int b = spawn(s2);
    assert_int_equal(map_err(s2, b, 0, GB, HUGE | VML_MAP_HUGE_1GB), VML_EINVAL);
    done(s2);
    cfg.nr_hugepages[VML_HUGE_1G] = 1;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_sim_create(&cfg, &s2, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "1 GiB"));
}

/* The huge TLB entry goes on unmap, COW and mprotect (the checker looks at every TLB). */
static void test_tlb(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_pools(512 * MB, "skylake", 4, 0);
    int a = spawn(sim);
    uint64_t p = map(sim, a, 0, 2 * HP, HUGE);
    touch(sim, a, p, p + 2 * HP, PG, VML_WRITE);
    const struct vml_mmu_stats *st = vml_sim_cpu_stats(sim, 0);
    assert_non_null(st);
    int c = do_fork(sim, a);
    fixture_check(sim);
    touch(sim, a, p, p + 2 * HP, PG, VML_WRITE); /* COW of both, each one fault */
    assert_int_equal(vml_sim_mprotect(sim, a, p, HP, VML_PROT_READ), 0);
    fixture_check(sim);
    struct vml_sim_access res = touch(sim, a, p, p + 1, PG, VML_WRITE);
    assert_true(res.killed);
    touch(sim, c, p, p + 2 * HP, PG, VML_READ);
    assert_int_equal(vml_sim_munmap(sim, c, p, HP), 0);
    done(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_reservations, teardown),
        cmocka_unit_test_teardown(test_pool_sizing, teardown),
        cmocka_unit_test_teardown(test_proc_text, teardown),
        cmocka_unit_test_teardown(test_fork_cow, teardown),
        cmocka_unit_test_teardown(test_fork_empty_pool, teardown),
        cmocka_unit_test_teardown(test_alignment, teardown),
        cmocka_unit_test_teardown(test_populate_mlock_shared, teardown),
        cmocka_unit_test_teardown(test_resv_wraps, teardown),
        cmocka_unit_test_teardown(test_gigantic, teardown),
        cmocka_unit_test_teardown(test_tlb, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
