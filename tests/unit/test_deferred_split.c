/* test_deferred_split.c: the deferred-split shrinker under memory pressure.
 *
 * A THP left partially mapped (a 4 KiB..1 MiB munmap inside it) keeps all 512 pages until memory
 * runs short; then deferred_split_scan (mm/huge_memory.c) splits it and the pages no PTE maps
 * go back to the allocator (thp_split_page, hugepages-2048kB/stats/split). The simulation's
 * memory pressure is an allocation that finds no free block (there is no reclaim yet).
 *
 * Independent expectation: two machines alike but for how the first half of a 2 MiB range was
 * faulted, a THP (then split by the shrinker) or 512 pages of 4 KiB (freed at munmap), must fit
 * exactly as many more 4 KiB pages before memory runs out: the 256 pages come back either way,
 * and the PTE table is the same one (the THP's deposit becomes it at the PMD split).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

#define MB (1024ull * 1024)
#define PG 4096ull

static struct vml_sim *sim_live;

static int teardown(void **state)
{
    (void)state;
    vml_sim_destroy(sim_live);
    sim_live = NULL;
    return 0;
}

static uint64_t vmstat(struct vml_sim *sim, const char *name)
{
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_proc_text(sim, 0, VML_SIM_VMSTAT, 0, 0, &t), 0);
    size_t n = strlen(name);
    unsigned long long v = ~0ull;
    for (const char *p = t.s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ')
            v = strtoull(p + n + 1, NULL, 10);
    free(t.s);
    assert_true(v != ~0ull);
    return v;
}

/* Fills a 64 MiB machine after leaving the first half of a 2 MiB range mapped, faulted as a
 * THP or as 4 KiB pages; returns how many more 4 KiB pages fit. */
static uint64_t fill_after_half(bool thp, struct vml_thp_stats *st, uint64_t *split_pages)
{
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    s.enabled = VML_THP_ALWAYS;
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = 64 * MB;
    cfg.phys.nr_nodes = 1;
    assert_int_equal(vml_cpu_model_parse("skylake", &cfg.cpu, NULL), 0);
    cfg.nr_cpus = 1;
    cfg.paging = 4;
    cfg.no_zero_page = true;
    cfg.oom_killer_disabled = true; /* the fill goes to the last page */
    cfg.thp = &s;
    assert_int_equal(vml_sim_create(&cfg, &sim_live, NULL), 0);
    struct vml_sim *sim = sim_live;
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "p", &pid), 0);
    uint64_t a, b;
    const unsigned rw = VML_PROT_READ | VML_PROT_WRITE;
    const unsigned anon = VML_MAP_PRIVATE | VML_MAP_ANONYMOUS;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 2 * MB, rw, anon, -1, 0, &a), 0);
    if (!thp)
        assert_int_equal(vml_sim_madvise(sim, pid, a, 2 * MB, VML_MADV_NOHUGEPAGE), 0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, a, a + 2 * MB, PG, VML_WRITE, &res), 0);
    assert_int_equal(res.minor, thp ? 1 : 512);
    assert_int_equal(vml_sim_munmap(sim, pid, a + MB, MB), 0);
    fixture_check(sim);
    assert_int_equal(vmstat(sim, "thp_split_page"), 0); /* no pressure yet: kept whole */
    /* The rest of RAM, a page at a time, until a fault finds nothing. */
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 * MB, rw, anon | VML_MAP_NORESERVE, -1, 0, &b),
                     0);
    assert_int_equal(vml_sim_madvise(sim, pid, b, 64 * MB, VML_MADV_NOHUGEPAGE), 0);
    uint64_t n = 0;
    for (uint64_t p = b; p < b + 64 * MB; p += PG, n++)
        if (vml_sim_touch(sim, pid, p, p + PG, PG, VML_WRITE, &res) != 0 || res.killed)
            break;
    assert_true(n > 8192 && n < 16384);
    struct vml_smaps_counts c;
    assert_int_equal(vml_sim_smaps_sum(sim, pid, &c), 0);
    assert_int_equal(c.rss, 1024 + n * 4); /* the half still mapped, and the fill */
    assert_int_equal(vml_sim_thp_stats(sim, VML_THP_PMD_ORDER, st), 0);
    *split_pages = vmstat(sim, "thp_split_page");
    fixture_check(sim);
    return n;
}

static void test_shrinker_frees_unmapped_half(void **state)
{
    (void)state;
    struct vml_thp_stats st4k, stthp;
    uint64_t split4k, splitthp;
    uint64_t n4k = fill_after_half(false, &st4k, &split4k);
    vml_sim_destroy(sim_live);
    sim_live = NULL;
    uint64_t nthp = fill_after_half(true, &stthp, &splitthp);
    assert_int_equal(nthp, n4k);
    /* The THP machine split its one queued THP when memory ran out, and only it. */
    assert_int_equal(splitthp, 1);
    assert_int_equal(stthp.ev[VML_THP_STAT_split], 1);
    assert_int_equal(stthp.ev[VML_THP_STAT_split_deferred], 1);
    assert_int_equal(stthp.nr_anon, 0);
    assert_int_equal(stthp.nr_anon_partially_mapped, 0);
    assert_int_equal(split4k, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_shrinker_frees_unmapped_half, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
