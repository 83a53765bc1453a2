/* test_thp.c: anonymous transparent huge pages in the simulated kernel, through the public API.
 *
 * Every expected figure is what Linux 6.18 gave on the project machine for the same steps
 * (/work/notes/thp-findings.md Q1..Q9, probes in /work/notes/thp-probes/; MADV_COLLAPSE from a
 * probe run for this file, its cases named A..P below) or, for the huge zero page that machine
 * does not map (pvm_no_zero_page), what mm/huge_memory.c does (do_huge_pmd_anonymous_page's
 * zero branch, do_huge_zero_wp_pmd). The arithmetic is written beside each assertion.
 * vml_sim_check (THP mapcounts, refcounts, deposits, deferred-split totals) runs after every
 * step.
 *
 * Mappings are placed with MAP_FIXED (map(): 64 MiB apart from LOW, so that they never merge);
 * a process's first one there needs a PUD and a PMD table (8 kB of VmPTE) besides its PTE
 * tables and deposits, as nothing else of it lies in that part of the address space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KB   1024ull
#define MB   (1024ull * 1024)
#define PG   4096ull
#define HP   (2 * MB)
#define RW   (VML_PROT_READ | VML_PROT_WRITE)
#define ANON (VML_MAP_PRIVATE | VML_MAP_ANONYMOUS)
#define FIX  (ANON | VML_MAP_FIXED)
#define LOW  0x200000000ull /* MAP_FIXED spot: a 2 MiB-aligned GiB of its own (PUD entry 8) */

/* ---- helpers ------------------------------------------------------------------------------ */

#define MAX_SIMS 2
static struct vml_sim *live[MAX_SIMS];

/* Mappings go to fixed, 2 MiB-aligned slots 64 MiB apart from LOW on, so that neighbours never
 * merge into one VMA (slot 0 of each machine first). */
#define SLOT (64 * MB)
static uint64_t next_slot;

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < MAX_SIMS; i++) {
        vml_sim_destroy(live[i]);
        live[i] = NULL;
    }
    return 0;
}

/* ram bytes, one node, one Skylake CPU, 4-level paging, no ASLR; THP settings s (NULL: the
 * defaults, enabled=madvise); zero_page: the machine maps the (huge) zero page on reads. */
static struct vml_sim *new_sim_thp(uint64_t ram, const struct vml_thp_settings *s, bool zero_page)
{
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = ram;
    cfg.phys.nr_nodes = 1;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    if (vml_cpu_model_parse("skylake", &cfg.cpu, &d) != 0)
        fail_msg("cpu: %s", d.msg);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.no_zero_page = !zero_page;
    cfg.thp = s;
    next_slot = 0;
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

/* The project machine: 512 MiB, enabled=madvise, no zero page. */
static struct vml_sim *new_sim(void)
{
    return new_sim_thp(512 * MB, NULL, false);
}

static struct vml_sim *new_sim_mode(enum vml_thp_mode mode)
{
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    s.enabled = mode;
    return new_sim_thp(512 * MB, &s, false);
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
    fixture_check(sim);
    return pid;
}

static int do_fork(struct vml_sim *sim, int pid)
{
    int child = 0;
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    fixture_check(sim);
    return child;
}

static uint64_t map_at(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned flags)
{
    uint64_t a = 0;
    int r = vml_sim_mmap(sim, pid, hint, len, RW, flags, -1, 0, &a);
    if (r)
        fail_msg("mmap(%#llx, %llu): %s", (unsigned long long)hint, (unsigned long long)len,
                 vml_strerror(r));
    fixture_check(sim);
    return a;
}

static uint64_t map(struct vml_sim *sim, int pid, uint64_t len)
{
    return map_at(sim, pid, LOW + SLOT * next_slot++, len, FIX);
}

static void madv(struct vml_sim *sim, int pid, uint64_t a, uint64_t len, int advice, int expect)
{
    assert_int_equal(vml_sim_madvise(sim, pid, a, len, advice), expect);
    fixture_check(sim);
}

/* Touches [start, end) every 4 KiB; returns the minor faults taken. */
static uint64_t touch(struct vml_sim *sim, int pid, uint64_t start, uint64_t end,
                      enum vml_access access)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, start, end, PG, access, &res), 0);
    assert_false(res.killed);
    assert_int_equal(res.major, 0);
    fixture_check(sim);
    return res.minor;
}

static uint64_t status(struct vml_sim *sim, int pid, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_STATUS, 0, 0, key);
}

static uint64_t meminfo(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_MEMINFO, 0, 0, key);
}

static uint64_t vmstat(struct vml_sim *sim, const char *key)
{
    return fixture_proc_field(sim, 0, VML_SIM_VMSTAT, 0, 0, key);
}

/* The smaps block of the VMA holding addr. */
static uint64_t smaps(struct vml_sim *sim, int pid, uint64_t addr, const char *key)
{
    return fixture_proc_field(sim, pid, VML_SIM_SMAPS, addr, addr + 1, key);
}

/* Whether the text of a /proc file (smaps: the VMA holding addr) has a line equal to line. */
static bool has_line(struct vml_sim *sim, int pid, enum vml_sim_file f, uint64_t addr,
                     const char *line)
{
    char *s = fixture_proc_text(sim, pid, f, addr, addr ? addr + 1 : 0);
    bool found = false;
    size_t n = strlen(line);
    for (const char *p = s; p && *p && !found;) {
        found = strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == 0);
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : NULL;
    }
    if (!found)
        print_error("no line \"%s\" in\n%s", line, s);
    free(s);
    return found;
}

/* Lines of /proc/PID/maps. */
static unsigned vmas(struct vml_sim *sim, int pid)
{
    char *s = fixture_proc_text(sim, pid, VML_SIM_MAPS, 0, 0);
    unsigned n = 0;
    for (const char *p = s; *p; p++)
        n += *p == '\n';
    free(s);
    return n;
}

static struct vml_thp_stats stats(const struct vml_sim *sim)
{
    struct vml_thp_stats st;
    assert_int_equal(vml_sim_thp_stats(sim, 9, &st), 0);
    return st;
}

static uint64_t minflt(const struct vml_sim *sim, int pid)
{
    uint64_t mn = 0, mj = 0;
    int pp = 0;
    assert_int_equal(vml_sim_task_info(sim, pid, &mn, &mj, &pp), 0);
    return mn;
}

/* The THP counters a test follows, to compare a step's changes with the kernel's. */
struct thp_snap {
    uint64_t fault_alloc, fault_fallback, split_pmd, deferred, collapse, collapse_failed;
    uint64_t zero_alloc, nr_thps, anon_fault_alloc, anon_fault_fallback, split_deferred;
    uint64_t nr_anon, partially;
};

static struct thp_snap snap(struct vml_sim *sim)
{
    struct vml_thp_stats st = stats(sim);
    struct thp_snap s = {
        .fault_alloc = vmstat(sim, "thp_fault_alloc"),
        .fault_fallback = vmstat(sim, "thp_fault_fallback"),
        .split_pmd = vmstat(sim, "thp_split_pmd"),
        .deferred = vmstat(sim, "thp_deferred_split_page"),
        .collapse = vmstat(sim, "thp_collapse_alloc"),
        .collapse_failed = vmstat(sim, "thp_collapse_alloc_failed"),
        .zero_alloc = vmstat(sim, "thp_zero_page_alloc"),
        .nr_thps = vmstat(sim, "nr_anon_transparent_hugepages"),
        .anon_fault_alloc = st.ev[VML_THP_STAT_anon_fault_alloc],
        .anon_fault_fallback = st.ev[VML_THP_STAT_anon_fault_fallback],
        .split_deferred = st.ev[VML_THP_STAT_split_deferred],
        .nr_anon = st.nr_anon,
        .partially = st.nr_anon_partially_mapped,
    };
    return s;
}

/* An aligned 2 MiB multiple with MADV_HUGEPAGE. */
static uint64_t huge_region(struct vml_sim *sim, int pid, uint64_t len)
{
    uint64_t a = map(sim, pid, len);
    assert_int_equal(a % HP, 0);
    madv(sim, pid, a, len, VML_MADV_HUGEPAGE, 0);
    return a;
}

/* ---- Q1: faults -------------------------------------------------------------------------- */

/* Aligned 8 MiB, MADV_HUGEPAGE, a write every 4 KiB: do_huge_pmd_anonymous_page once per 2 MiB,
 * each with a deposited PTE table (pgtable_trans_huge_deposit, mm_inc_nr_ptes). */
static void test_fault_aligned(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t pte0 = status(sim, p, "VmPTE"), rss0 = status(sim, p, "VmRSS");
    uint64_t a = huge_region(sim, p, 8 * MB);
    struct thp_snap s0 = snap(sim);
    assert_int_equal(touch(sim, p, a, a + 8 * MB, VML_WRITE), 4); /* 8 MiB / 2 MiB */
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.fault_alloc - s0.fault_alloc, 4);
    assert_int_equal(s1.anon_fault_alloc - s0.anon_fault_alloc, 4);
    assert_int_equal(s1.nr_anon - s0.nr_anon, 4);
    assert_int_equal(s1.nr_thps - s0.nr_thps, 4);
    assert_int_equal(s1.fault_fallback, 0);
    assert_int_equal(meminfo(sim, "AnonHugePages"), 4 * 2048);
    assert_int_equal(status(sim, p, "VmRSS") - rss0, 8192);
    assert_int_equal(status(sim, p, "RssAnon"), 8192);
    /* PUD + PMD table of the region (8 kB) + 4 deposited tables (4 x 4 kB); no PTE table. */
    assert_int_equal(status(sim, p, "VmPTE") - pte0, 8 + 16);
    const char *k8192[] = { "Size",          "Rss",        "Pss",       "Pss_Dirty",
                            "Private_Dirty", "Referenced", "Anonymous", "AnonHugePages" };
    for (size_t i = 0; i < sizeof(k8192) / sizeof(k8192[0]); i++)
        assert_int_equal(smaps(sim, p, a, k8192[i]), 8192);
    assert_int_equal(smaps(sim, p, a, "Shared_Dirty"), 0);
    assert_int_equal(smaps(sim, p, a, "KernelPageSize"), 4);
    assert_int_equal(smaps(sim, p, a, "MMUPageSize"), 4);
    assert_int_equal(smaps(sim, p, a, "Locked"), 0);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, a, "VmFlags: rd wr mr mw me ac hg "));
    /* Q7: numa_maps counts 4 KiB pages: 4 x 512. */
    char want[128];
    snprintf(want, sizeof(want),
             "%llx default anon=2048 dirty=2048 active=0 N0=2048 "
             "kernelpagesize_kB=4",
             (unsigned long long)a);
    assert_true(has_line(sim, p, VML_SIM_NUMA_MAPS, 0, want));
    done(sim);
}

/* [2 MiB k + 4 KiB, + 8 MiB + 4 KiB): only the 3 blocks wholly inside the VMA become THPs
 * (thp_vma_suitable_order); the 511-page head and the 2-page tail fault 4 KiB pages. */
static void test_fault_unaligned(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t pte0 = status(sim, p, "VmPTE");
    uint64_t a = map_at(sim, p, LOW + PG, 8 * MB + PG, FIX);
    madv(sim, p, a, 8 * MB + PG, VML_MADV_HUGEPAGE, 0);
    /* 3 THP faults + 511 head pages + 2 tail pages */
    assert_int_equal(touch(sim, p, a, a + 8 * MB + PG, VML_WRITE), 3 + 511 + 2);
    struct thp_snap s = snap(sim);
    assert_int_equal(s.fault_alloc, 3);
    assert_int_equal(s.anon_fault_alloc, 3);
    assert_int_equal(s.nr_anon, 3);
    assert_int_equal(smaps(sim, p, a, "Rss"), 8196); /* 8 MiB + 4 KiB */
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 3 * 2048);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    /* PUD + PMD table (8) + 3 deposits + the head's and the tail's PTE tables: 5 x 4 kB */
    assert_int_equal(status(sim, p, "VmPTE") - pte0, 8 + 5 * 4);
    done(sim);
}

/* ---- Q3/Q4: partial operations ---------------------------------------------------------- */

/* munmap of the 4 KiB page at +1 MiB of a PMD-mapped THP: the PMD is split
 * (__split_huge_pmd_locked: its deposited table takes the PTEs, VmPTE unchanged), the folio is
 * partially mapped (deferred_split_folio: thp_deferred_split_page, split_deferred,
 * nr_anon_partially_mapped) and stays one order-9 folio. Unmapping the rest frees it. */
static void test_munmap_4k(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    assert_int_equal(touch(sim, p, a, a + HP, VML_WRITE), 1);
    uint64_t pte1 = status(sim, p, "VmPTE");
    struct thp_snap s0 = snap(sim);
    assert_int_equal(vml_sim_munmap(sim, p, a + MB, PG), 0);
    fixture_check(sim);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.split_pmd - s0.split_pmd, 1);
    assert_int_equal(s1.deferred - s0.deferred, 1);
    assert_int_equal(s1.split_deferred - s0.split_deferred, 1);
    assert_int_equal(s1.partially, 1);
    assert_int_equal(s1.nr_anon, 1);              /* the folio lives on */
    assert_int_equal(s0.nr_thps - s1.nr_thps, 1); /* no longer PMD-mapped */
    assert_int_equal(meminfo(sim, "AnonHugePages"), 0);
    assert_int_equal(smaps(sim, p, a, "Rss"), 1024);           /* [a, a + 1 MiB) */
    assert_int_equal(smaps(sim, p, a + MB + PG, "Rss"), 1020); /* 1 MiB - 4 KiB */
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 0);
    assert_int_equal(smaps(sim, p, a + MB + PG, "THPeligible"), 0);
    assert_int_equal(status(sim, p, "VmPTE"), pte1);
    /* The rest goes: the folio is freed, off the deferred list; the PTE table too. */
    assert_int_equal(vml_sim_munmap(sim, p, a, HP), 0);
    fixture_check(sim);
    struct thp_snap s2 = snap(sim);
    assert_int_equal(s2.nr_anon, 0);
    assert_int_equal(s2.partially, 0);
    /* Its PTE table, and the PMD and PUD tables nothing else uses now (free_pgtables). */
    assert_int_equal(pte1 - status(sim, p, "VmPTE"), 4 + 8);
    done(sim);
}

/* MADV_DONTNEED of one 4 KiB page (zap_pmd_range splits the PMD): as munmap, one VMA kept,
 * still THPeligible; rewriting the hole is one 4 KiB fault and the folio stays partially
 * mapped. */
static void test_dontneed_4k(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    uint64_t pte1 = status(sim, p, "VmPTE");
    unsigned n = vmas(sim, p);
    madv(sim, p, a + MB, PG, VML_MADV_DONTNEED, 0);
    struct thp_snap s = snap(sim);
    assert_int_equal(s.split_pmd, 1);
    assert_int_equal(s.deferred, 1);
    assert_int_equal(s.split_deferred, 1);
    assert_int_equal(s.partially, 1);
    assert_int_equal(s.nr_thps, 0);
    assert_int_equal(smaps(sim, p, a, "Rss"), 2044); /* 2048 - 4 */
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    assert_int_equal(vmas(sim, p), n);
    assert_int_equal(status(sim, p, "VmPTE"), pte1);
    uint64_t f0 = minflt(sim, p);
    assert_int_equal(touch(sim, p, a + MB, a + MB + PG, VML_WRITE), 1);
    assert_int_equal(minflt(sim, p) - f0, 1);
    assert_int_equal(smaps(sim, p, a, "Rss"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(stats(sim).nr_anon_partially_mapped, 1);
    /* Q7: 511 pages of the folio + the new one; before the rewrite 511. */
    char want[128];
    snprintf(want, sizeof(want),
             "%llx default anon=512 dirty=512 active=0 N0=512 "
             "kernelpagesize_kB=4",
             (unsigned long long)a);
    assert_true(has_line(sim, p, VML_SIM_NUMA_MAPS, 0, want));
    done(sim);
}

/* mprotect of one 4 KiB page: the PMD is split (change_pmd_range / vma_adjust_trans_huge) but
 * every page stays mapped: no deferred split. Back to RW the VMAs merge, the mapping stays
 * PTE-mapped, and the page's PTE is writable again (no fault on a write). */
static void test_mprotect_4k(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    unsigned n = vmas(sim, p);
    uint64_t pte1 = status(sim, p, "VmPTE");
    assert_int_equal(vml_sim_mprotect(sim, p, a + MB, PG, VML_PROT_READ), 0);
    fixture_check(sim);
    struct thp_snap s = snap(sim);
    assert_int_equal(s.split_pmd, 1);
    assert_int_equal(s.deferred, 0);
    assert_int_equal(s.split_deferred, 0);
    assert_int_equal(s.partially, 0);
    assert_int_equal(vmas(sim, p), n + 2); /* 1024 rw, 4 r--, 1020 rw */
    assert_int_equal(smaps(sim, p, a, "Rss"), 1024);
    assert_int_equal(smaps(sim, p, a + MB, "Rss"), 4);
    assert_int_equal(smaps(sim, p, a + MB + PG, "Rss"), 1020);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 0);
    assert_int_equal(meminfo(sim, "AnonHugePages"), 0);
    assert_int_equal(status(sim, p, "VmPTE"), pte1);
    assert_int_equal(vml_sim_mprotect(sim, p, a + MB, PG, RW), 0);
    fixture_check(sim);
    assert_int_equal(vmas(sim, p), n);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(touch(sim, p, a + MB, a + MB + PG, VML_WRITE), 0);
    done(sim);
}

/* munmap of exactly one aligned THP of a 4 MiB VMA: zap_huge_pmd, no split; the deposit goes
 * (VmPTE -4); the other THP and its eligibility stay. */
static void test_munmap_whole_thp(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, 2 * HP);
    touch(sim, p, a, a + 2 * HP, VML_WRITE);
    uint64_t pte1 = status(sim, p, "VmPTE");
    struct thp_snap s0 = snap(sim);
    assert_int_equal(vml_sim_munmap(sim, p, a + HP, HP), 0);
    fixture_check(sim);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.split_pmd, s0.split_pmd);
    assert_int_equal(s0.nr_thps - s1.nr_thps, 1);
    assert_int_equal(s0.nr_anon - s1.nr_anon, 1);
    assert_int_equal(meminfo(sim, "AnonHugePages"), 2048);
    assert_int_equal(status(sim, p, "RssAnon"), 2048);
    assert_int_equal(pte1 - status(sim, p, "VmPTE"), 4);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    done(sim);
}

/* ---- Q5: fork ------------------------------------------------------------------------------ */

/* copy_huge_pmd: both PMDs write-protected, the child's old, each mm with its own deposit;
 * Pss halves. A child's write splits its PMD (do_huge_pmd_wp_page: shared) and copies one
 * 4 KiB page (wp_page_copy): subpage 0 is then mapped by the parent alone, so each side has
 * Pss 4 + 511 x 4 / 2 = 1026. After the child exits the parent's write reuses the THP. */
static void test_fork_child_writes(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    int c = do_fork(sim, p);
    assert_int_equal(status(sim, c, "VmPTE"), status(sim, p, "VmPTE"));
    for (int i = 0; i < 2; i++) {
        int q = i ? c : p;
        assert_int_equal(smaps(sim, q, a, "Rss"), 2048);
        assert_int_equal(smaps(sim, q, a, "Pss"), 1024);
        assert_int_equal(smaps(sim, q, a, "Pss_Dirty"), 1024);
        assert_int_equal(smaps(sim, q, a, "Shared_Dirty"), 2048);
        assert_int_equal(smaps(sim, q, a, "Private_Dirty"), 0);
        assert_int_equal(smaps(sim, q, a, "AnonHugePages"), 2048);
    }
    assert_int_equal(smaps(sim, p, a, "Referenced"), 2048);
    assert_int_equal(smaps(sim, c, a, "Referenced"), 0); /* pmd_mkold in the child */
    struct thp_snap s0 = snap(sim);
    uint64_t f0 = minflt(sim, c);
    assert_int_equal(touch(sim, c, a, a + 1, VML_WRITE), 1);
    assert_int_equal(minflt(sim, c) - f0, 1);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.split_pmd - s0.split_pmd, 1);
    assert_int_equal(s1.deferred, s0.deferred);
    assert_int_equal(s1.fault_alloc, s0.fault_alloc);
    assert_int_equal(s1.nr_thps, s0.nr_thps); /* the parent still PMD-maps it */
    assert_int_equal(smaps(sim, c, a, "Rss"), 2048);
    assert_int_equal(smaps(sim, c, a, "Pss"), 1026);
    assert_int_equal(smaps(sim, c, a, "Shared_Dirty"), 2044);
    assert_int_equal(smaps(sim, c, a, "Private_Dirty"), 4);
    assert_int_equal(smaps(sim, c, a, "Referenced"), 4);
    assert_int_equal(smaps(sim, c, a, "AnonHugePages"), 0);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, p, a, "Pss"), 1026);
    assert_int_equal(smaps(sim, p, a, "Shared_Dirty"), 2044);
    assert_int_equal(smaps(sim, p, a, "Private_Dirty"), 4);
    assert_int_equal(status(sim, c, "VmPTE"), status(sim, p, "VmPTE"));
    /* The child (511 PTEs of the folio) exits: nothing counted; the parent's alone again. */
    assert_int_equal(vml_sim_exit(sim, c), 0);
    fixture_check(sim);
    struct thp_snap s2 = snap(sim);
    assert_int_equal(s2.deferred, s1.deferred);
    assert_int_equal(s2.split_pmd, s1.split_pmd);
    assert_int_equal(smaps(sim, p, a, "Pss"), 2048);
    assert_int_equal(smaps(sim, p, a, "Private_Dirty"), 2048);
    /* do_huge_pmd_wp_page reuse branch: one fault, the PMD kept, nothing else counted. */
    f0 = minflt(sim, p);
    assert_int_equal(touch(sim, p, a, a + 1, VML_WRITE), 1);
    assert_int_equal(minflt(sim, p) - f0, 1);
    struct thp_snap s3 = snap(sim);
    assert_int_equal(memcmp(&s3, &s2, sizeof(s3)), 0);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(touch(sim, p, a, a + HP, VML_WRITE), 0);
    done(sim);
}

/* The mirror case: the parent writes while the child lives; when the child, the last PMD
 * mapper, exits, the folio is left partially mapped (thp_deferred_split_page, split_deferred,
 * nr_anon_partially_mapped) and no longer PMD-mapped. */
static void test_fork_parent_writes(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    int c = do_fork(sim, p);
    struct thp_snap s0 = snap(sim);
    assert_int_equal(touch(sim, p, a, a + 1, VML_WRITE), 1);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.split_pmd - s0.split_pmd, 1);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(smaps(sim, p, a, "Pss"), 1026);
    assert_int_equal(smaps(sim, p, a, "Shared_Dirty"), 2044);
    assert_int_equal(smaps(sim, p, a, "Private_Dirty"), 4);
    assert_int_equal(smaps(sim, c, a, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, c, a, "Pss"), 1026);
    assert_int_equal(vml_sim_exit(sim, c), 0);
    fixture_check(sim);
    struct thp_snap s2 = snap(sim);
    assert_int_equal(s2.deferred - s1.deferred, 1);
    assert_int_equal(s2.split_deferred - s1.split_deferred, 1);
    assert_int_equal(s2.partially - s1.partially, 1);
    assert_int_equal(s1.nr_thps - s2.nr_thps, 1);
    assert_int_equal(smaps(sim, p, a, "Pss"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    done(sim);
}

/* Three mms map one THP: the folio tracks two (folio_add_large_mapcount's mm ids) and is
 * maybe shared. When a tracked mm unmaps it, the untracked one still maps it, so it stays
 * maybe shared (folio_sub_large_mapcount clears that only if one slot holds every mapping);
 * vml_sim_check compares the slots with the mappings. The last mapper's write reuses the THP
 * (do_huge_pmd_wp_page: folio_ref_count 1). */
static void test_fork_three_mms(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    int c1 = do_fork(sim, p), c2 = do_fork(sim, p);
    assert_int_equal(smaps(sim, c2, a, "Pss"), 682); /* 2048 / 3, truncated */
    assert_int_equal(vml_sim_munmap(sim, p, a, HP), 0);
    fixture_check(sim);
    assert_int_equal(smaps(sim, c1, a, "Pss"), 1024);
    assert_int_equal(vml_sim_exit(sim, c1), 0);
    fixture_check(sim);
    struct thp_snap s0 = snap(sim);
    assert_int_equal(touch(sim, c2, a, a + 1, VML_WRITE), 1);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(memcmp(&s0, &s1, sizeof(s0)), 0);
    assert_int_equal(smaps(sim, c2, a, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, c2, a, "Pss"), 2048);
    done(sim);
}

/* hugepage_madvise on a hugetlb mapping: madvise_update_vma may split it only at its huge
 * pages (hugetlb_vm_op_split), else EINVAL (probe on this kernel: MADV_HUGEPAGE of 4 KiB at
 * +4 KiB of a 4 MiB MAP_HUGETLB mapping EINVAL, of its first 2 MiB 0 with the VMA split and
 * "ht hg" in VmFlags; MADV_NOHUGEPAGE of 4 KiB at +2 MiB + 4 KiB EINVAL). */
static void test_hugepage_advice_hugetlb(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = map_at(sim, p, LOW, 2 * HP, FIX | VML_MAP_HUGETLB | VML_MAP_NORESERVE);
    unsigned n = vmas(sim, p);
    madv(sim, p, a + PG, PG, VML_MADV_HUGEPAGE, VML_EINVAL);
    assert_int_equal(vmas(sim, p), n);
    madv(sim, p, a, HP, VML_MADV_HUGEPAGE, 0);
    assert_int_equal(vmas(sim, p), n + 1);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, a, "VmFlags: rd wr mr mw me de nr ht hg "));
    madv(sim, p, a + HP + PG, PG, VML_MADV_NOHUGEPAGE, VML_EINVAL);
    assert_int_equal(vmas(sim, p), n + 1);
    done(sim);
}

/* ---- Q6: mlock ------------------------------------------------------------------------------ */

/* mlock_folio counts the whole folio (folio_nr_pages: 512). */
static void test_mlock(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    touch(sim, p, a, a + HP, VML_WRITE);
    uint64_t f0 = minflt(sim, p);
    assert_int_equal(vml_sim_mlock(sim, p, a, HP), 0);
    fixture_check(sim);
    assert_int_equal(minflt(sim, p), f0);
    assert_int_equal(vmstat(sim, "nr_mlock"), 512);
    assert_int_equal(vmstat(sim, "nr_unevictable"), 512);
    assert_int_equal(vmstat(sim, "unevictable_pgs_mlocked"), 512);
    assert_int_equal(vmstat(sim, "unevictable_pgs_culled"), 512);
    assert_int_equal(meminfo(sim, "Mlocked"), 2048);
    assert_int_equal(meminfo(sim, "Unevictable"), 2048);
    assert_int_equal(status(sim, p, "VmLck"), 2048);
    assert_int_equal(smaps(sim, p, a, "Locked"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, a, "VmFlags: rd wr mr mw me lo ac hg "));
    assert_int_equal(vml_sim_munlock(sim, p, a, HP), 0);
    fixture_check(sim);
    assert_int_equal(vmstat(sim, "nr_mlock"), 0);
    assert_int_equal(vmstat(sim, "unevictable_pgs_munlocked"), 512);
    assert_int_equal(vmstat(sim, "unevictable_pgs_rescued"), 512);
    assert_int_equal(meminfo(sim, "Mlocked"), 0);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048); /* the PMD stays */
    done(sim);
}

/* mlock before any fault populates (__mm_populate): one THP fault, then all of the above;
 * munmap gives everything back. */
static void test_mlock_populates(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t pte0 = status(sim, p, "VmPTE");
    uint64_t a = huge_region(sim, p, HP);
    uint64_t f0 = minflt(sim, p);
    assert_int_equal(vml_sim_mlock(sim, p, a, HP), 0);
    fixture_check(sim);
    assert_int_equal(minflt(sim, p) - f0, 1);
    struct thp_snap s = snap(sim);
    assert_int_equal(s.fault_alloc, 1);
    assert_int_equal(s.anon_fault_alloc, 1);
    assert_int_equal(vmstat(sim, "nr_mlock"), 512);
    assert_int_equal(vmstat(sim, "unevictable_pgs_mlocked"), 512);
    assert_int_equal(meminfo(sim, "Mlocked"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(status(sim, p, "VmPTE") - pte0, 8 + 4); /* PUD + PMD, one deposit */
    assert_int_equal(vml_sim_munmap(sim, p, a, HP), 0);
    fixture_check(sim);
    assert_int_equal(vmstat(sim, "nr_mlock"), 0);
    assert_int_equal(meminfo(sim, "Mlocked"), 0);
    assert_int_equal(meminfo(sim, "Unevictable"), 0);
    assert_int_equal(stats(sim).nr_anon, 0);
    done(sim);
}

/* ---- Q8/Q9: eligibility -------------------------------------------------------------------- */

/* smaps THPeligible (thp_vma_allowable_order with the VMA's last block): aligned and
 * MADV_HUGEPAGE 1; a region with no whole aligned block 0; MADV_NOHUGEPAGE 0 ("nh"); not
 * advised under enabled=madvise 0; prctl(PR_SET_THP_DISABLE) 0 with "hg" still shown and
 * THP_enabled 0, inherited by fork; cleared, all back. */
static void test_eligible(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = huge_region(sim, p, HP);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    /* 3 MiB at 512 KiB past a block start, as the kernel placed it in Q9: [512K, 3.5M) holds
     * no whole aligned 2 MiB block. */
    uint64_t u = map_at(sim, p, LOW + SLOT * next_slot++ + 512 * KB, 3 * MB, FIX);
    madv(sim, p, u, 3 * MB, VML_MADV_HUGEPAGE, 0);
    assert_int_equal(smaps(sim, p, u, "THPeligible"), 0);
    uint64_t n = map(sim, p, HP);
    assert_int_equal(smaps(sim, p, n, "THPeligible"), 0); /* not advised */
    madv(sim, p, n, HP, VML_MADV_NOHUGEPAGE, 0);
    assert_int_equal(smaps(sim, p, n, "THPeligible"), 0);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, n, "VmFlags: rd wr mr mw me ac nh "));
    assert_int_equal(touch(sim, p, n, n + HP, VML_WRITE), 512);
    assert_int_equal(status(sim, p, "THP_enabled"), 1);
    assert_int_equal(vml_sim_set_thp_disable(sim, p, true), 0);
    fixture_check(sim);
    assert_int_equal(status(sim, p, "THP_enabled"), 0);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 0);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, a, "VmFlags: rd wr mr mw me ac hg "));
    /* Q8: the MADV_HUGEPAGE region faults 512 small pages, no THP counter moves. */
    struct thp_snap s0 = snap(sim);
    int c = do_fork(sim, p);
    assert_int_equal(status(sim, c, "THP_enabled"), 0);
    assert_int_equal(touch(sim, c, a, a + HP, VML_WRITE), 512);
    assert_int_equal(touch(sim, p, a, a + HP, VML_WRITE), 512);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(memcmp(&s0, &s1, sizeof(s0)), 0);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(vml_sim_set_thp_disable(sim, p, false), 0);
    fixture_check(sim);
    assert_int_equal(status(sim, p, "THP_enabled"), 1);
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    assert_int_equal(status(sim, c, "THP_enabled"), 0); /* the child's own mm flag */
    uint64_t b = huge_region(sim, p, HP);
    assert_int_equal(touch(sim, p, b, b + HP, VML_WRITE), 1);
    assert_int_equal(smaps(sim, p, b, "AnonHugePages"), 2048);
    done(sim);
}

/* enabled=always: every aligned block of anonymous memory, advised or not (no "hg");
 * MADV_NOHUGEPAGE still refuses. */
static void test_always(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_mode(VML_THP_ALWAYS);
    int p = spawn(sim);
    uint64_t a = map_at(sim, p, 0, 4 * MB, ANON);
    assert_int_equal(a % HP, 0); /* thp_get_unmapped_area */
    assert_int_equal(smaps(sim, p, a, "THPeligible"), 1);
    assert_true(has_line(sim, p, VML_SIM_SMAPS, a, "VmFlags: rd wr mr mw me ac "));
    assert_int_equal(touch(sim, p, a, a + 4 * MB, VML_WRITE), 2);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 4096);
    uint64_t n = map(sim, p, 4 * MB);
    madv(sim, p, n, 4 * MB, VML_MADV_NOHUGEPAGE, 0);
    assert_int_equal(smaps(sim, p, n, "THPeligible"), 0);
    assert_int_equal(touch(sim, p, n, n + 4 * MB, VML_WRITE), 1024);
    /* enabled=never: nothing, even advised. */
    struct vml_sim *nv = new_sim_mode(VML_THP_NEVER);
    int q = spawn(nv);
    uint64_t h = huge_region(nv, q, HP);
    assert_int_equal(smaps(nv, q, h, "THPeligible"), 0);
    assert_int_equal(touch(nv, q, h, h + HP, VML_WRITE), 512);
    assert_int_equal(snap(nv).fault_alloc, 0);
    done(nv);
    done(sim);
}

/* ---- MADV_COLLAPSE -------------------------------------------------------------------------- */

/* madvise_collapse on this kernel (enabled=madvise, regions not advised so faults are 4 KiB);
 * each case is the probe's. A collapse allocates a THP (thp_collapse_alloc, nr_anon), copies
 * the present pages and zeroes the rest (Rss becomes 2048 per block), and keeps the PTE table
 * as the deposit (VmPTE unchanged). */
static void test_collapse(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t a = map(sim, p, 8 * MB);
    assert_int_equal(a % HP, 0);
    /* A: nothing faulted: an empty PMD ends the call, EINVAL, nothing allocated. */
    madv(sim, p, a, 8 * MB, VML_MADV_COLLAPSE, VML_EINVAL);
    struct thp_snap s = snap(sim);
    assert_int_equal(s.collapse, 0);
    assert_int_equal(s.fault_alloc, 0);
    assert_int_equal(smaps(sim, p, a, "Rss"), 0);
    /* B: one page written in block 0. */
    assert_int_equal(touch(sim, p, a, a + PG, VML_WRITE), 1);
    uint64_t pte = status(sim, p, "VmPTE");
    madv(sim, p, a, HP, VML_MADV_COLLAPSE, 0);
    s = snap(sim);
    assert_int_equal(s.collapse, 1);
    assert_int_equal(s.nr_anon, 1);
    assert_int_equal(s.nr_thps, 1);
    assert_int_equal(smaps(sim, p, a, "Rss"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(status(sim, p, "VmPTE"), pte);
    /* H: [THP, empty]: EINVAL; I: [THP, 3 pages]: 0, one more collapse. */
    madv(sim, p, a, 2 * HP, VML_MADV_COLLAPSE, VML_EINVAL);
    assert_int_equal(snap(sim).collapse, 1);
    touch(sim, p, a + HP, a + HP + PG, VML_WRITE);
    touch(sim, p, a + HP + 2 * PG, a + HP + 3 * PG, VML_WRITE);
    touch(sim, p, a + HP + 10 * PG, a + HP + 11 * PG, VML_WRITE);
    madv(sim, p, a, 2 * HP, VML_MADV_COLLAPSE, 0);
    assert_int_equal(snap(sim).collapse, 2);
    assert_int_equal(smaps(sim, p, a, "Rss"), 4096);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 4096);
    /* J: [+4K, +8K) of block 2 holds no block and starts unaligned: EINVAL (hend < hstart);
     * J2: [block 2 + 4K, block 3 + 4K) holds none either but hend == hstart: 0. */
    touch(sim, p, a + 2 * HP, a + 2 * HP + PG, VML_WRITE);
    madv(sim, p, a + 2 * HP + PG, PG, VML_MADV_COLLAPSE, VML_EINVAL);
    madv(sim, p, a + 2 * HP + PG, HP, VML_MADV_COLLAPSE, 0);
    assert_int_equal(snap(sim).collapse, 2);
    /* M: [empty block 3 ... ] before a populated block: EINVAL, nothing collapsed. */
    uint64_t m = map(sim, p, 2 * HP);
    touch(sim, p, m + HP, m + HP + PG, VML_WRITE);
    madv(sim, p, m, 2 * HP, VML_MADV_COLLAPSE, VML_EINVAL);
    assert_int_equal(snap(sim).collapse, 2);
    assert_int_equal(smaps(sim, p, m, "Rss"), 4);
    /* N: [1 page, empty, 1 page]: the first collapses, the walk stops at the empty one. */
    uint64_t n = map(sim, p, 3 * HP + HP); /* 8 MiB, aligned: blocks 0..3 */
    touch(sim, p, n, n + PG, VML_WRITE);
    touch(sim, p, n + 2 * HP, n + 2 * HP + PG, VML_WRITE);
    madv(sim, p, n, 3 * HP, VML_MADV_COLLAPSE, VML_EINVAL);
    assert_int_equal(snap(sim).collapse, 3);
    assert_int_equal(smaps(sim, p, n, "Rss"), 2048 + 4);
    /* O: a block emptied by DONTNEED lost its PTE table (CONFIG_PT_RECLAIM): an empty PMD.
     * P: a block whose table is there with no page in it collapses to a zeroed THP. */
    uint64_t o = map(sim, p, 2 * HP);
    touch(sim, p, o, o + 2 * PG, VML_WRITE);
    touch(sim, p, o + HP, o + HP + PG, VML_WRITE);
    madv(sim, p, o, HP, VML_MADV_DONTNEED, 0);
    madv(sim, p, o, 2 * HP, VML_MADV_COLLAPSE, VML_EINVAL);
    assert_int_equal(snap(sim).collapse, 3);
    madv(sim, p, o + HP, PG, VML_MADV_DONTNEED, 0);
    touch(sim, p, o + HP + PG, o + HP + 2 * PG, VML_WRITE);
    touch(sim, p, o, o + PG, VML_WRITE);
    madv(sim, p, o, PG, VML_MADV_DONTNEED, 0); /* block 0: a table, no page */
    assert_int_equal(smaps(sim, p, o, "Rss"), 4);
    madv(sim, p, o, 2 * HP, VML_MADV_COLLAPSE, 0);
    assert_int_equal(snap(sim).collapse, 5);
    assert_int_equal(smaps(sim, p, o, "Rss"), 4096);
    done(sim);
}

/* D, E, F, G, L of the probe: a read-only block and a block shared with a child after fork
 * collapse (madvise_collapse asks for no writable PTE); VM_NOHUGEPAGE and prctl refuse with
 * EINVAL; a hole in the range is ENOMEM after the blocks around it collapsed. */
static void test_collapse_cases(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim();
    int p = spawn(sim);
    uint64_t d = map(sim, p, HP);
    touch(sim, p, d, d + HP, VML_WRITE);
    assert_int_equal(vml_sim_mprotect(sim, p, d, HP, VML_PROT_READ), 0);
    fixture_check(sim);
    madv(sim, p, d, HP, VML_MADV_COLLAPSE, 0);
    assert_int_equal(smaps(sim, p, d, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, p, d, "Rss"), 2048);
    /* E: 64 pages shared with a child: the parent gets its own THP, the child keeps its. */
    uint64_t e = map(sim, p, HP);
    touch(sim, p, e, e + 64 * PG, VML_WRITE);
    int c = do_fork(sim, p);
    assert_int_equal(smaps(sim, p, e, "Pss"), 128); /* 64 x 4 / 2 */
    madv(sim, p, e, HP, VML_MADV_COLLAPSE, 0);
    assert_int_equal(smaps(sim, p, e, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, p, e, "Rss"), 2048);
    assert_int_equal(smaps(sim, p, e, "Pss"), 2048);
    assert_int_equal(smaps(sim, c, e, "Rss"), 256);
    assert_int_equal(smaps(sim, c, e, "Pss"), 256);
    assert_int_equal(touch(sim, p, e + 100 * PG, e + 101 * PG, VML_WRITE), 0);
    assert_int_equal(snap(sim).collapse, 2);
    /* F, G */
    uint64_t f = map(sim, p, HP);
    madv(sim, p, f, HP, VML_MADV_NOHUGEPAGE, 0);
    touch(sim, p, f, f + PG, VML_WRITE);
    madv(sim, p, f, HP, VML_MADV_COLLAPSE, VML_EINVAL);
    uint64_t g = map(sim, p, HP);
    touch(sim, p, g, g + PG, VML_WRITE);
    assert_int_equal(vml_sim_set_thp_disable(sim, p, true), 0);
    madv(sim, p, g, HP, VML_MADV_COLLAPSE, VML_EINVAL);
    assert_int_equal(vml_sim_set_thp_disable(sim, p, false), 0);
    assert_int_equal(snap(sim).collapse, 2);
    /* L: [block, hole, block, block], every page written. */
    uint64_t l = map(sim, p, 4 * HP);
    touch(sim, p, l, l + 4 * HP, VML_WRITE);
    assert_int_equal(vml_sim_munmap(sim, p, l + HP, HP), 0);
    fixture_check(sim);
    madv(sim, p, l, 4 * HP, VML_MADV_COLLAPSE, VML_ENOMEM);
    assert_int_equal(snap(sim).collapse, 5);
    assert_int_equal(smaps(sim, p, l, "AnonHugePages"), 2048);
    assert_int_equal(smaps(sim, p, l + 2 * HP, "AnonHugePages"), 4096);
    done(sim);
}

/* ---- no free 2 MiB block --------------------------------------------------------------------- */

/* Whether /proc/buddyinfo shows a free block of order 9 or 10 (columns 10 and 11 of a zone). */
static bool free_order9(struct vml_sim *sim)
{
    char *s = fixture_proc_text(sim, 0, VML_SIM_BUDDYINFO, 0, 0);
    bool any = false;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
        char *z = strstr(line, "zone");
        if (!z)
            continue;
        z += 4;
        z += strspn(z, " ");
        z += strcspn(z, " "); /* the zone's name */
        unsigned long v[11] = { 0 };
        for (int i = 0; i < 11; i++)
            v[i] = strtoul(z, &z, 10);
        any |= v[9] != 0 || v[10] != 0;
    }
    free(s);
    return any;
}

/* A 64 MiB machine filled with 4 KiB pages until less than 2 MiB is free, then every other
 * page given back: about half the memory free, no block of order 9. A THP fault then falls back
 * (vma_alloc_anon_folio_pmd: thp_fault_fallback, anon_fault_fallback) to 512 small faults,
 * counted once: the PMD holds a PTE table after the first. MADV_COLLAPSE fails to allocate
 * (thp_collapse_alloc_failed, ENOMEM). */
static void test_fallback_fragmented(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(64 * MB, NULL, false);
    int p = spawn(sim);
    uint64_t len = 64 * MB, a = map_at(sim, p, LOW, len, FIX | VML_MAP_NORESERVE), at = a;
    while (meminfo(sim, "MemFree") >= 3072 && at + MB <= a + len) {
        touch(sim, p, at, at + MB, VML_WRITE);
        at += MB;
    }
    while (meminfo(sim, "MemFree") >= 2048 && at < a + len) {
        touch(sim, p, at, at + PG, VML_WRITE);
        at += PG;
    }
    assert_true(meminfo(sim, "MemFree") < 2048);
    for (uint64_t x = a; x < at; x += 2 * PG)
        assert_int_equal(vml_sim_madvise(sim, p, x, PG, VML_MADV_DONTNEED), 0);
    fixture_check(sim);
    assert_true(meminfo(sim, "MemFree") > 16 * 1024);
    assert_false(free_order9(sim));
    int q = spawn(sim);
    uint64_t h = huge_region(sim, q, HP);
    struct thp_snap s0 = snap(sim);
    assert_int_equal(touch(sim, q, h, h + HP, VML_WRITE), 512);
    struct thp_snap s1 = snap(sim);
    assert_int_equal(s1.fault_fallback - s0.fault_fallback, 1);
    assert_int_equal(s1.anon_fault_fallback - s0.anon_fault_fallback, 1);
    assert_int_equal(s1.fault_alloc, s0.fault_alloc);
    assert_int_equal(smaps(sim, q, h, "Rss"), 2048);
    assert_int_equal(smaps(sim, q, h, "AnonHugePages"), 0);
    madv(sim, q, h, HP, VML_MADV_COLLAPSE, VML_ENOMEM);
    struct thp_snap s2 = snap(sim);
    assert_int_equal(s2.collapse_failed - s1.collapse_failed, 1);
    assert_int_equal(s2.collapse, s1.collapse);
    done(sim);
}

/* ---- the huge zero page (machines that map zero pages) -------------------------------------- */

/* do_huge_pmd_anonymous_page, read, use_zero_page=1: the huge zero folio, allocated once per
 * machine (thp_zero_page_alloc), mapped read-only with a deposited table, counted in no RSS.
 * A write replaces it with a new THP (do_huge_zero_wp_pmd -> map_anon_folio_pmd:
 * thp_fault_alloc), the deposit kept. */
static void test_huge_zero_page(void **state)
{
    (void)state;
    struct vml_sim *sim = new_sim_thp(512 * MB, NULL, true);
    int p = spawn(sim), q = spawn(sim);
    uint64_t pte0 = status(sim, p, "VmPTE");
    uint64_t a = huge_region(sim, p, HP);
    assert_int_equal(touch(sim, p, a, a + HP, VML_READ), 1); /* one fault for 512 reads */
    struct thp_snap s = snap(sim);
    assert_int_equal(s.zero_alloc, 1);
    assert_int_equal(s.fault_alloc, 0);
    assert_int_equal(s.nr_anon, 0);
    assert_int_equal(s.nr_thps, 0);
    assert_int_equal(smaps(sim, p, a, "Rss"), 0);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 0);
    assert_int_equal(status(sim, p, "RssAnon"), 0);
    assert_int_equal(status(sim, p, "VmPTE") - pte0, 8 + 4); /* PUD + PMD, the deposit */
    /* Another process reads: the same folio, not allocated again. */
    uint64_t b = huge_region(sim, q, HP);
    assert_int_equal(touch(sim, q, b, b + PG, VML_READ), 1);
    assert_int_equal(snap(sim).zero_alloc, 1);
    /* A write: one fault, a THP in place of the zero PMD. */
    uint64_t f0 = minflt(sim, p), pte1 = status(sim, p, "VmPTE");
    assert_int_equal(touch(sim, p, a + MB, a + MB + 1, VML_WRITE), 1);
    assert_int_equal(minflt(sim, p) - f0, 1);
    s = snap(sim);
    assert_int_equal(s.fault_alloc, 1);
    assert_int_equal(s.anon_fault_alloc, 1);
    assert_int_equal(s.split_pmd, 0);
    assert_int_equal(s.zero_alloc, 1);
    assert_int_equal(s.nr_anon, 1);
    assert_int_equal(smaps(sim, p, a, "Rss"), 2048);
    assert_int_equal(smaps(sim, p, a, "AnonHugePages"), 2048);
    assert_int_equal(status(sim, p, "VmPTE"), pte1);
    assert_int_equal(touch(sim, p, a, a + HP, VML_WRITE), 0);
    /* use_zero_page=0: a read allocates a THP. */
    size_t f = (size_t)vml_thp_find("use_zero_page");
    assert_int_equal(vml_sim_thp_store(sim, f, "0", 1, NULL), 0);
    uint64_t c = huge_region(sim, q, HP);
    assert_int_equal(touch(sim, q, c, c + HP, VML_READ), 1);
    s = snap(sim);
    assert_int_equal(s.fault_alloc, 2);
    assert_int_equal(smaps(sim, q, c, "AnonHugePages"), 2048);
    done(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_fault_aligned, teardown),
        cmocka_unit_test_teardown(test_fault_unaligned, teardown),
        cmocka_unit_test_teardown(test_munmap_4k, teardown),
        cmocka_unit_test_teardown(test_dontneed_4k, teardown),
        cmocka_unit_test_teardown(test_mprotect_4k, teardown),
        cmocka_unit_test_teardown(test_munmap_whole_thp, teardown),
        cmocka_unit_test_teardown(test_fork_child_writes, teardown),
        cmocka_unit_test_teardown(test_fork_parent_writes, teardown),
        cmocka_unit_test_teardown(test_fork_three_mms, teardown),
        cmocka_unit_test_teardown(test_hugepage_advice_hugetlb, teardown),
        cmocka_unit_test_teardown(test_mlock, teardown),
        cmocka_unit_test_teardown(test_mlock_populates, teardown),
        cmocka_unit_test_teardown(test_eligible, teardown),
        cmocka_unit_test_teardown(test_always, teardown),
        cmocka_unit_test_teardown(test_collapse, teardown),
        cmocka_unit_test_teardown(test_collapse_cases, teardown),
        cmocka_unit_test_teardown(test_fallback_fragmented, teardown),
        cmocka_unit_test_teardown(test_huge_zero_page, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
