/* test_host_probe.c: the kernel-trait probes (src/host/probe.c).
 *
 * The decisions are checked for both kinds of kernel from readings written out by hand (a
 * kernel that maps the shared zero page and one that does not, with and without reclaim of
 * empty page tables). The live measurements are checked on the running kernel with the trap
 * that fooled the first zero-page probe armed: a resident anonymous neighbour right where the
 * probe's mapping lands, which an unguarded mapping merges with. The expected answer comes from
 * an independent reading: this process's RssAnon before and after reading fresh pages.
 */
#define _GNU_SOURCE

#include "host/probe.h"
#include "vmlab/vmlab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#define PAGE 4096ull

/* ---- decisions, from readings written by hand ---------------------------------------------- */

static struct zp_reading reading(uint64_t rss, unsigned present, unsigned excl, unsigned pfns)
{
    struct zp_reading r = { 0x7f0000000000ull,
                            0x7f0000000000ull + PROBE_ZP_PAGES * PAGE,
                            rss,
                            PROBE_ZP_PAGES,
                            present,
                            excl,
                            pfns };
    return r;
}

static void test_zero_page_decide(void **state)
{
    (void)state;
    bool uses = false;
    /* Zero page (fs/proc/task_mmu.c counts only vm_normal_page pages; pagemap marks it present,
     * never exclusive; as root every page shows the one zero PFN). */
    struct zp_reading r = reading(0, 16, 0, 0);
    assert_int_equal(probe_zero_page_decide(&r, &uses), 0);
    assert_true(uses);
    r = reading(0, 16, 0, 1);
    uses = false;
    assert_int_equal(probe_zero_page_decide(&r, &uses), 0);
    assert_true(uses);
    /* No zero page: 16 private pages, 64 kB, each exclusive, 16 PFNs as root. */
    r = reading(64, 16, 16, 0);
    assert_int_equal(probe_zero_page_decide(&r, &uses), 0);
    assert_false(uses);
    r = reading(64, 16, 16, 16);
    uses = true;
    assert_int_equal(probe_zero_page_decide(&r, &uses), 0);
    assert_false(uses);
    /* Readings that fit neither: vmlab must not guess. A merged block (its end beyond the
     * region) is the old failure; so are Rss from a neighbour, pages not present, a mix. */
    r = reading(1088, 16, 16, 0);
    assert_int_equal(probe_zero_page_decide(&r, &uses), VML_EINVAL);
    r = reading(0, 16, 0, 0);
    r.vma_end += 1 << 20;
    assert_int_equal(probe_zero_page_decide(&r, &uses), VML_EINVAL);
    r = reading(0, 15, 0, 0);
    assert_int_equal(probe_zero_page_decide(&r, &uses), VML_EINVAL);
    r = reading(32, 16, 8, 0);
    assert_int_equal(probe_zero_page_decide(&r, &uses), VML_EINVAL);
    r = reading(0, 16, 0, 2);
    assert_int_equal(probe_zero_page_decide(&r, &uses), VML_EINVAL);
}

static void test_pt_reclaim_decide(void **state)
{
    (void)state;
    bool rec = false;
    /* A new 2 MiB region: PTE + PMD (+ PUD) tables appear; DONTNEED frees the PTE table. */
    struct ptr_reading r = { 100, 112, 108 };
    assert_int_equal(probe_pt_reclaim_decide(&r, &rec), 0);
    assert_true(rec);
    r = (struct ptr_reading){ 100, 104, 104 };
    assert_int_equal(probe_pt_reclaim_decide(&r, &rec), 0);
    assert_false(rec);
    r = (struct ptr_reading){ 100, 100, 100 }; /* the write made no table: cannot tell */
    assert_int_equal(probe_pt_reclaim_decide(&r, &rec), VML_EINVAL);
    r = (struct ptr_reading){ 100, 112, 100 }; /* upper tables freed too: not this kernel */
    assert_int_equal(probe_pt_reclaim_decide(&r, &rec), VML_EINVAL);
}

/* ---- live, with a resident neighbour -------------------------------------------------------- */

static long rss_anon_kb(void)
{
    char buf[4096];
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    long v = -1;
    while (fgets(buf, sizeof(buf), f))
        if (strncmp(buf, "RssAnon:", 8) == 0)
            v = strtol(buf + 8, NULL, 10);
    fclose(f);
    return v;
}

/* Whether an anonymous mapping just made at [p, p + len) has a VMA of its own: the smaps block
 * starting at p ends at p + len. */
static bool own_vma(void *p, size_t len)
{
    char line[512];
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    uintptr_t want = (uintptr_t)p, lo_hit = 0, hi_hit = 0;
    while (fgets(line, sizeof(line), f)) {
        char *rest;
        unsigned long long lo = strtoull(line, &rest, 16);
        if (rest == line || *rest != '-')
            continue;
        unsigned long long hi = strtoull(rest + 1, NULL, 16);
        if (lo <= want && want < hi) {
            lo_hit = lo;
            hi_hit = hi;
        }
    }
    fclose(f);
    return lo_hit == want && hi_hit == want + len;
}

/* A written anonymous region, and proof that a plain mapping of the probe's size made now lands
 * against it and merges with it: the trap is armed. */
static void *arm_trap(size_t *len)
{
    *len = 1 << 20;
    unsigned char *n = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(n != MAP_FAILED);
    memset(n, 1, *len);
    size_t plen = PROBE_ZP_PAGES * PAGE;
    void *t = mmap(NULL, plen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(t != MAP_FAILED);
    bool merged = !own_vma(t, plen);
    munmap(t, plen);
    if (!merged)
        print_message("note: the kernel placed the trial mapping away from the neighbour\n");
    return n;
}

static void test_zero_page_live(void **state)
{
    (void)state;
    size_t nlen;
    void *n = arm_trap(&nlen);
    struct zp_reading r;
    assert_int_equal(probe_zero_page_measure(&r), 0);
    /* The block measured is exactly the probe's region, whatever lies beside it. */
    assert_int_equal(r.vma_end - r.vma_start, PROBE_ZP_PAGES * PAGE);
    assert_true(r.rss_kb == 0 || r.rss_kb == PROBE_ZP_PAGES * 4);
    bool uses;
    assert_int_equal(probe_zero_page_decide(&r, &uses), 0);

    /* The independent answer: RssAnon grows by 4 kB a page read iff there is no zero page. */
    size_t len = 64 * PAGE;
    volatile unsigned char *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    madvise((void *)p, len, MADV_NOHUGEPAGE);
    long before = rss_anon_kb();
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += PAGE)
        sum += p[i];
    long grew = rss_anon_kb() - before;
    assert_int_equal(sum, 0);
    bool truth = grew < 64 * 4 / 2; /* reads of 64 pages: +256 kB without the zero page */
    print_message("kernel %s the zero page (RssAnon +%ld kB over 64 read pages)\n",
                  truth ? "maps" : "does not map", grew);
    assert_int_equal(uses, truth);
    bool via_api;
    assert_int_equal(vml_host_zero_page(&via_api), 0);
    assert_int_equal(via_api, truth);
    munmap((void *)p, len);
    munmap(n, nlen);
}

static void test_pt_reclaim_live(void **state)
{
    (void)state;
    size_t nlen;
    void *n = arm_trap(&nlen);
    struct ptr_reading r;
    assert_int_equal(probe_pt_reclaim_measure(&r), 0);
    bool rec;
    assert_int_equal(probe_pt_reclaim_decide(&r, &rec), 0);
    print_message("MADV_DONTNEED %s an emptied PTE table (VmPTE %llu -> %llu -> %llu kB)\n",
                  rec ? "frees" : "keeps", (unsigned long long)r.pte_before_kb,
                  (unsigned long long)r.pte_touched_kb, (unsigned long long)r.pte_after_kb);
    /* The independent answer, where the kernel shows its configuration: CONFIG_PT_RECLAIM. */
    FILE *cfg = popen("zcat /proc/config.gz 2>/dev/null", "r");
    char line[256];
    int built = -1;
    while (cfg && fgets(line, sizeof(line), cfg)) {
        if (strcmp(line, "CONFIG_PT_RECLAIM=y\n") == 0)
            built = 1;
        else if (built < 0 && strstr(line, "CONFIG_") == line)
            built = 0;
    }
    if (cfg)
        pclose(cfg);
    if (built >= 0)
        assert_int_equal(rec, built == 1);
    else
        print_message("no /proc/config.gz: the probe's answer is not cross-checked\n");
    munmap(n, nlen);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_page_decide),
        cmocka_unit_test(test_pt_reclaim_decide),
        cmocka_unit_test(test_zero_page_live),
        cmocka_unit_test(test_pt_reclaim_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
