/* test_demotion.c: memory tiers and demotion during reclaim (mm/memory-tiers.c, mm/vmscan.c),
 * expectations worked out by hand from the kernel's rules:
 *   - tiers: a node with CPUs has MEMTIER_ADISTANCE_DRAM (4 * 128 + 64 = 576: memory_tier4, 576
 *     >> 7), a CPU-less node the kmem/CXL default (5 * 576 = 2880: memory_tier22); the two-
 *     and four-socket presets have one tier, the CXL preset two;
 *   - targets (establish_demotion_targets): the next lower tier's nodes at the best distance,
 *     the kernel's own example 1 (two DRAM nodes, two PMEM nodes);
 *   - a reclaim pass on a full DRAM node whose pages are all cold: get_scan_count scans anon
 *     alone (file_is_tiny: no page cache, no free memory), size >> DEF_PRIORITY pages of the
 *     inactive anon list, every one of them reclaimable, and direct reclaim at DEF_PRIORITY
 *     scans all it was given (proportional reclaim). With demotion on and no swap each is
 *     migrated to the CXL node (pgdemote_direct, pgsteal_direct, pgmigrate_success), none is
 *     swapped; with demotion off and swap each is swapped out instead; with neither nothing
 *     is reclaimed (can_reclaim_anon_pages is false: file only, and there is no file);
 *   - tiers from HMAT figures (memory_tier_late_init with hmat_calculate_adistance, 6.10 on):
 *     576 * (latencies) / (DRAM's) * (DRAM's bandwidths) / (bandwidths), in integers left to
 *     right; a CPU-less node without figures stays DRAM; the figures count only when every
 *     node with CPUs has them within 10% of the first's (mt_set_default_dram_perf);
 *   - madvise(MADV_PAGEOUT) never demotes (reclaim_pages: no_demotion);
 *   - demotion_enabled parses as kstrtobool does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>

#include "../sim_fixture.h"
#include "mm/sim_internal.h"

#define MiB (1ull << 20)
#define PG  4096ull

/* A machine of nodes nodes of node_mb[n] MiB, cpus[n] CPUs on node n, the SLIT dist (NULL:
 * 10 local, 20 remote), swap_mb of swap, demotion as asked. */
static struct vml_sim *tier_sim(unsigned nodes, const uint64_t *node_mb, const unsigned *cpus,
                                const uint8_t (*dist)[VML_MAX_NODES], uint64_t swap_mb,
                                bool demotion)
{
    struct vml_sim_config cfg;
    uint64_t ram = 0;
    for (unsigned n = 0; n < nodes; n++)
        ram += node_mb[n] * MiB;
    fixture_cfg(&cfg, ram);
    cfg.phys.nr_nodes = nodes;
    cfg.nr_cpus = 0;
    for (unsigned n = 0; n < nodes; n++) {
        cfg.phys.node_bytes[n] = node_mb[n] * MiB;
        cfg.node_cpus[n] = cpus[n];
        cfg.nr_cpus += cpus[n];
        /* A CPU-less node here is CXL or PMEM memory that dax/kmem onlines (numa=cxl's node 1,
         * the kernel's examples' PMEM): MEMTIER_DEFAULT_DAX_ADISTANCE. */
        cfg.node_dax[n] = cpus[n] == 0;
    }
    if (dist)
        memcpy(cfg.phys.distance, dist, sizeof(cfg.phys.distance));
    cfg.swap_bytes = swap_mb * MiB;
    cfg.demotion_enabled = demotion;
    return fixture_create(&cfg);
}

static void test_tiers_of_presets(void **state)
{
    (void)state;
    unsigned ids[VML_MAX_NODES];
    uint32_t nodes[VML_MAX_NODES];
    /* numa=2socket: two nodes with CPUs, both DRAM: one tier, no demotion target. */
    uint64_t mb2[] = { 256, 256 };
    unsigned cpus2[] = { 2, 2 };
    struct vml_sim *sim = tier_sim(2, mb2, cpus2, NULL, 0, true);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 1);
    assert_int_equal(ids[0], 4);
    assert_int_equal(nodes[0], 0x3);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0);
    assert_int_equal(vml_sim_demotion_targets(sim, 1), 0);
    assert_false(can_demote(sim, 0));
    assert_true(node_is_toptier(sim, 0) && node_is_toptier(sim, 1));
    vml_sim_destroy(sim);
    /* numa=4socket: one tier of four nodes. */
    uint64_t mb4[] = { 128, 128, 128, 128 };
    unsigned cpus4[] = { 2, 2, 2, 2 };
    sim = tier_sim(4, mb4, cpus4, NULL, 0, true);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 1);
    assert_int_equal(ids[0], 4);
    assert_int_equal(nodes[0], 0xf);
    vml_sim_destroy(sim);
    /* numa=cxl: node 0 DRAM (memory_tier4), node 1 CPU-less (memory_tier22); node 0 demotes to
     * node 1, node 1 (the lowest tier) nowhere; node 1 is not top tier. */
    unsigned cpusc[] = { 2, 0 };
    sim = tier_sim(2, mb2, cpusc, NULL, 0, false);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 2);
    assert_int_equal(ids[0], 4);
    assert_int_equal(nodes[0], 0x1);
    assert_int_equal(ids[1], 22);
    assert_int_equal(nodes[1], 0x2);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0x2);
    assert_int_equal(vml_sim_demotion_targets(sim, 1), 0);
    assert_true(node_is_toptier(sim, 0));
    assert_false(node_is_toptier(sim, 1));
    /* demotion_enabled off: no demotion though there is a target. */
    assert_false(can_demote(sim, 0));
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_demotion_store(sim, "on", 2, &d), 0);
    assert_true(can_demote(sim, 0));
    assert_false(can_demote(sim, 1));
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_memory_tiering_text(sim, &t), 0);
    assert_string_equal(t.s, "/sys/devices/virtual/memory_tiering/memory_tier4/nodelist:0\n"
                             "/sys/devices/virtual/memory_tiering/memory_tier22/nodelist:1\n"
                             "/sys/kernel/mm/numa/demotion_enabled:true\n");
    vml_text_free(&t);
    vml_sim_destroy(sim);
}

static void test_one_node_as_captured(void **state)
{
    (void)state;
    /* A one-node machine's tiers and switch as this machine's 6.18 kernel shows them
     * (tests/fixtures/numa/memory_tiering): memory_tier4 holding node 0, demotion false. */
    char path[512];
    snprintf(path, sizeof(path), "%s/numa/memory_tiering", VMLAB_FIXTURES);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char want[512];
    size_t n = fread(want, 1, sizeof(want) - 1, f);
    fclose(f);
    want[n] = 0;
    struct vml_sim *sim = fixture_sim(256 * MiB, NULL, 0);
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_memory_tiering_text(sim, &t), 0);
    assert_string_equal(t.s, want);
    vml_text_free(&t);
    vml_sim_destroy(sim);
}

static void test_kernel_example_targets(void **state)
{
    (void)state;
    /* mm/memory-tiers.c's example 1: nodes 0 and 1 CPU + DRAM, 2 and 3 PMEM (CPU-less), the
     * SLIT below; node_demotion[0] = 2, [1] = 3, none for 2 and 3. */
    static const uint8_t slit[VML_MAX_NODES][VML_MAX_NODES] = {
        { 10, 20, 30, 40 }, { 20, 10, 40, 30 }, { 30, 40, 10, 40 }, { 40, 30, 40, 10 }
    };
    uint64_t mb[] = { 64, 64, 64, 64 };
    unsigned cpus[] = { 1, 1, 0, 0 };
    struct vml_sim *sim = tier_sim(4, mb, cpus, slit, 0, true);
    unsigned ids[VML_MAX_NODES];
    uint32_t nodes[VML_MAX_NODES];
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 2);
    assert_int_equal(nodes[0], 0x3);
    assert_int_equal(nodes[1], 0xc);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 1u << 2);
    assert_int_equal(vml_sim_demotion_targets(sim, 1), 1u << 3);
    assert_int_equal(vml_sim_demotion_targets(sim, 2), 0);
    assert_int_equal(vml_sim_demotion_targets(sim, 3), 0);
    vml_sim_destroy(sim);
    /* Two PMEM nodes at the same distance from node 0: both preferred. */
    static const uint8_t eq[VML_MAX_NODES][VML_MAX_NODES] = { { 10, 30, 30 },
                                                              { 30, 10, 40 },
                                                              { 30, 40, 10 } };
    uint64_t mb3[] = { 64, 64, 64 };
    unsigned cpus3[] = { 1, 0, 0 };
    sim = tier_sim(3, mb3, cpus3, eq, 0, true);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0x6);
    vml_sim_destroy(sim);
}

struct filled {
    struct vml_sim *sim;
    int pid;
    uint64_t addr, pages;
    uint64_t inactive0; /* node 0's inactive anon pages before the reclaim pass */
};

/* numa=cxl with node 0 of 1 GiB and node 1 of 2 GiB; a process on node 0 writes 1.5 GiB (node 0
 * fills, the rest falls back to node 1), then makes it all cold (MADV_COLD: no accessed bit,
 * no PG_referenced). Demotion is switched on only afterwards, so the fill itself demotes
 * nothing. */
static void fill(struct filled *x)
{
    uint64_t mb[] = { 1024, 2048 };
    unsigned cpus[] = { 1, 0 };
    x->sim = tier_sim(2, mb, cpus, NULL, 0, false);
    assert_int_equal(vml_sim_spawn(x->sim, "app", &x->pid), 0);
    x->pages = 1536 * MiB / PG;
    assert_int_equal(vml_sim_mmap(x->sim, x->pid, 0, x->pages * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &x->addr),
                     0);
    struct vml_sim_access res;
    assert_int_equal(
        vml_sim_touch(x->sim, x->pid, x->addr, x->addr + x->pages * PG, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(x->sim, x->pid, x->addr, x->pages * PG, VML_MADV_COLD), 0);
    x->inactive0 = x->sim->node[0].lru[LRU_INACTIVE_ANON];
    assert_int_equal(x->sim->node[0].lru[LRU_ACTIVE_ANON], 0);
    /* file_is_tiny: no page cache, and free memory at or below the high watermark. */
    uint64_t min, low, high, free = 0;
    node_watermarks(x->sim, 0, &min, &low, &high);
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        free += x->sim->phys->nodes[0].zones[z].free_pages;
    assert_true(free <= high);
    assert_int_equal(x->sim->node[0].file_pages, 0);
    /* One priority is enough: at least SWAP_CLUSTER_MAX pages at DEF_PRIORITY. */
    assert_true((x->inactive0 >> 12) >= 32);
}

static void test_direct_reclaim_demotes(void **state)
{
    (void)state;
    struct filled x;
    fill(&x);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_demotion_store(x.sim, "true", 4, &d), 0);
    uint64_t anon0 = x.sim->node[0].anon_mapped, anon1 = x.sim->node[1].anon_mapped;
    uint64_t in1 = x.sim->node[1].lru[LRU_INACTIVE_ANON];
    uint64_t expected = x.inactive0 >> 12; /* size >> DEF_PRIORITY, all of it demoted */
    uint64_t got = try_to_free_mem_cgroup_pages(x.sim, 0, 0, 32, true);
    assert_true(got >= expected); /* slab pages the shrinkers freed count too */
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgdemote_direct), expected);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgdemote_kswapd), 0);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgsteal_direct), expected);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgscan_direct), expected);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), expected);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pswpout), 0);
    /* The pages moved, mapped as before: node 0's anon count down, node 1's up, on node 1's
     * inactive list (folio_migrate_flags keeps a folio inactive). */
    assert_int_equal(x.sim->node[0].anon_mapped, anon0 - expected);
    assert_int_equal(x.sim->node[1].anon_mapped, anon1 + expected);
    assert_int_equal(x.sim->node[1].lru[LRU_INACTIVE_ANON], in1 + expected);
    assert_int_equal(x.sim->node[0].lru[LRU_INACTIVE_ANON], x.inactive0 - expected);
    /* Counted on the source node (mod_lruvec_state on the reclaimed lruvec). */
    struct vml_vmstat v0, v1;
    vml_sim_vmstat(x.sim, &v0);
    v1 = v0;
    sim_node_vmstat(x.sim, 0, &v0);
    sim_node_vmstat(x.sim, 1, &v1);
    assert_int_equal(v0.v[VML_VMSTAT_pgdemote_direct], expected);
    assert_int_equal(v1.v[VML_VMSTAT_pgdemote_direct], 0);
    /* And in the root cgroup's memory.stat (the folios' lruvec). */
    struct vml_text st = { 0 };
    assert_int_equal(vml_sim_cgroup_text(x.sim, "", "memory.stat", false, &st), 0);
    uint64_t n = 0;
    assert_true(fixture_text_field(st.s, "pgdemote_direct", &n));
    assert_int_equal(n, expected);
    vml_text_free(&st);
    /* Every byte still reads back: the process touches it all again without a fault that
     * allocates (the PTEs point at the new frames). */
    struct vml_sim_access res;
    uint64_t allocs = fixture_vmstat(x.sim, VML_VMSTAT_pgalloc_normal) +
                      fixture_vmstat(x.sim, VML_VMSTAT_pgalloc_dma32);
    assert_int_equal(vml_sim_touch(x.sim, x.pid, x.addr, x.addr + x.pages * PG, PG, VML_READ, &res),
                     0);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgalloc_normal) +
                         fixture_vmstat(x.sim, VML_VMSTAT_pgalloc_dma32),
                     allocs);
    fixture_check(x.sim);
    vml_sim_destroy(x.sim);
}

static void test_no_demotion_swaps_or_nothing(void **state)
{
    (void)state;
    /* Demotion off, swap on (after the fill, so that the fill swaps nothing): the same pages
     * go to swap instead. */
    struct filled x;
    fill(&x);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_swapon(x.sim, "/swapfile", 256 * MiB, 0, false, false, &d), 0);
    /* Node 0 as above: inactive0 >> 12 pages. With swap, node 1 (the same pass visits every
     * node) has anon to reclaim too, but plenty of free memory: no file_is_tiny, so
     * SCAN_FRACT with no reclaim cost yet: anon's share is swappiness 60 of 60 + 140, rounded
     * up. */
    uint64_t in1 = x.sim->node[1].lru[LRU_INACTIVE_ANON];
    uint64_t expected = (x.inactive0 >> 12) + ((in1 >> 12) * 60 + 199) / 200;
    try_to_free_mem_cgroup_pages(x.sim, 0, 0, 32, true);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgdemote_direct), 0);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pswpout) +
                         fixture_vmstat(x.sim, VML_VMSTAT_swpout_zero),
                     expected);
    fixture_check(x.sim);
    vml_sim_destroy(x.sim);
    /* Neither: anon cannot be reclaimed (get_scan_count scans file only), nothing moves. */
    fill(&x);
    try_to_free_mem_cgroup_pages(x.sim, 0, 0, 32, true);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgdemote_direct), 0);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgsteal_direct), 0);
    assert_int_equal(fixture_vmstat(x.sim, VML_VMSTAT_pgmigrate_success), 0);
    assert_int_equal(x.sim->node[0].lru[LRU_INACTIVE_ANON], x.inactive0);
    vml_sim_destroy(x.sim);
}

static void test_thp_demotes_whole(void **state)
{
    (void)state;
    /* The same pass over PMD-mapped THPs (thp enabled=always): each batch of
     * shrink_inactive_list asks for at most SWAP_CLUSTER_MAX pages and the first folio, 512
     * pages, fills it; the folio moves whole (thp_migration_success, 512 pgdemote_direct). So
     * the size >> 12 pages to scan take ceil(size >> 12, 32) batches, one THP each. */
    uint64_t mb[] = { 1024, 2048 };
    unsigned cpus[] = { 1, 0 };
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, 3072 * MiB);
    cfg.phys.nr_nodes = 2;
    cfg.phys.node_bytes[0] = mb[0] * MiB;
    cfg.phys.node_bytes[1] = mb[1] * MiB;
    cfg.node_cpus[0] = cpus[0];
    cfg.node_cpus[1] = cpus[1];
    cfg.node_dax[1] = true;
    struct vml_thp_settings thp;
    vml_thp_defaults(&thp);
    struct vml_diag d = { 0 };
    int f = vml_thp_find("enabled");
    assert_true(f >= 0);
    assert_int_equal(vml_thp_store(&thp, (size_t)f, "always", 6, &d), 0);
    cfg.thp = &thp;
    struct vml_sim *sim = fixture_create(&cfg);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    uint64_t addr, len = 1040 * MiB;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, len, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + len, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, addr, len, VML_MADV_COLD), 0);
    assert_int_equal(vml_sim_demotion_store(sim, "1", 1, &d), 0);
    uint64_t size = sim->node[0].lru[LRU_INACTIVE_ANON];
    assert_true((size >> 12) >= 32);
    /* The list's tail (the oldest folio) is a THP. */
    uint64_t tail = sim->memcgs[0]->lruvec[0].tail[LRU_INACTIVE_ANON];
    assert_true(tail != 0 && (sim_frame(sim, tail - 1)->flags & PGF_LARGE));
    uint64_t thps = ((size >> 12) + 31) / 32;
    try_to_free_mem_cgroup_pages(sim, 0, 0, 32, true);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_thp_migration_success), thps);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgdemote_direct), thps * 512);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), thps * 512);
    fixture_check(sim);
    vml_sim_destroy(sim);
}

static void test_pageout_never_demotes(void **state)
{
    (void)state;
    /* madvise(MADV_PAGEOUT) reclaims with no_demotion: with demotion on and no swap an
     * anonymous page stays where it is. */
    uint64_t mb[] = { 256, 256 };
    unsigned cpus[] = { 1, 0 };
    struct vml_sim *sim = tier_sim(2, mb, cpus, NULL, 0, true);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "app", &pid), 0);
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, 64 * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + 64 * PG, PG, VML_WRITE, &res), 0);
    assert_int_equal(vml_sim_madvise(sim, pid, addr, 64 * PG, VML_MADV_PAGEOUT), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgdemote_direct), 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 0);
    assert_int_equal(sim->node[1].anon_mapped, 0);
    vml_sim_destroy(sim);
}

static void test_kstrtobool(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int r;
        bool v;
    } cases[] = {
        { "1", 0, true },       { "0", 0, false },          { "y", 0, true },
        { "Yes", 0, true },     { "true", 0, true },        { "t", 0, true },
        { "false", 0, false },  { "N", 0, false },          { "on", 0, true },
        { "OFF", 0, false },    { "o", VML_EINVAL, 0 },     { "", VML_EINVAL, 0 },
        { "2", VML_EINVAL, 0 }, { "maybe", VML_EINVAL, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool v = !cases[i].v;
        int r = vml_kstrtobool(cases[i].s, strlen(cases[i].s), &v);
        if (r != cases[i].r || (r == 0 && v != cases[i].v))
            fail_msg("kstrtobool(%s): r=%d v=%d", cases[i].s, r, v);
    }
    /* The machine key and set: parsed, refused with the value's column. */
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    const char *ok = "machine ram=1G numa=cxl numa.demotion_enabled=yes\n"
                     "set /sys/kernel/mm/numa/demotion_enabled off\n";
    assert_int_equal(vml_scenario_parse(ok, strlen(ok), "t.vml", &s, &d), 0);
    assert_true(s->machine.demotion_enabled);
    assert_true(s->machine.given & VML_MCFG_DEMOTION);
    vml_scenario_free(s);
    const char *bad = "machine ram=1G numa=cxl numa.demotion_enabled=maybe\n";
    assert_int_equal(vml_scenario_parse(bad, strlen(bad), "t.vml", &s, &d), VML_EPARSE);
    assert_int_equal(d.col, 47);
    assert_non_null(strstr(d.msg, "numa.demotion_enabled takes a boolean"));
    const char *bad2 = "machine ram=1G\nset /sys/kernel/mm/numa/demotion_enabled 7\n";
    assert_int_equal(vml_scenario_parse(bad2, strlen(bad2), "t.vml", &s, &d), VML_EPARSE);
    assert_non_null(strstr(d.msg, "demotion_enabled takes a boolean"));
    const char *bad3 = "machine ram=1G numa.balancing=1\n";
    assert_int_equal(vml_scenario_parse(bad3, strlen(bad3), "t.vml", &s, &d), VML_EPARSE);
    assert_non_null(strstr(d.msg, "numa.FILE=VALUE takes demotion_enabled"));
}

/* A machine of three 64 MiB nodes (CPUs 1, 1, 0; distance 20) with the given figures. */
static struct vml_sim *perf_sim(const struct vml_node_perf *perf, int *err)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, 192 * MiB);
    cfg.phys.nr_nodes = 3;
    cfg.nr_cpus = 2;
    for (unsigned n = 0; n < 3; n++) {
        cfg.phys.node_bytes[n] = 64 * MiB;
        cfg.node_cpus[n] = n < 2;
        cfg.node_perf[n] = perf[n];
    }
    struct vml_sim *sim = NULL;
    struct vml_diag d = { 0 };
    *err = vml_sim_create(&cfg, &sim, &d);
    return sim;
}

#define PERF(l, b)                                                                                 \
    {                                                                                              \
        (l), (l), (b), (b)                                                                         \
    }

static void test_hmat_tiers(void **state)
{
    (void)state;
    unsigned ids[VML_MAX_NODES];
    uint32_t nodes[VML_MAX_NODES];
    int adist[VML_MAX_NODES], err;
    /* The qemu guest's machine (docs/fidelity.md): DRAM 10 ns and 20480 MB/s, node 2 40 ns and
     * 5120 MB/s: 576 * 80 / 20 = 2304, 2304 * 40960 / 10240 = 9216, memory_tier72 (9216 >> 7);
     * both DRAM nodes demote to it. */
    const struct vml_node_perf guest[3] = { PERF(10, 20480), PERF(10, 20480), PERF(40, 5120) };
    struct vml_sim *sim = perf_sim(guest, &err);
    assert_int_equal(err, 0);
    assert_int_equal(vml_sim_memory_adistance(sim, adist), 3);
    assert_int_equal(adist[0], 576);
    assert_int_equal(adist[1], 576);
    assert_int_equal(adist[2], 9216);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 2);
    assert_int_equal(ids[0], 4);
    assert_int_equal(nodes[0], 0x3);
    assert_int_equal(ids[1], 72);
    assert_int_equal(nodes[1], 0x4);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0x4);
    assert_int_equal(vml_sim_demotion_targets(sim, 1), 0x4);
    assert_int_equal(vml_sim_demotion_targets(sim, 2), 0);
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_memory_tiering_text(sim, &t), 0);
    assert_string_equal(t.s, "/sys/devices/virtual/memory_tiering/memory_tier4/nodelist:0-1\n"
                             "/sys/devices/virtual/memory_tiering/memory_tier72/nodelist:2\n"
                             "/sys/kernel/mm/numa/demotion_enabled:false\n");
    vml_text_free(&t);
    vml_sim_destroy(sim);
    /* No figures for node 2 (mt_perf_to_adistance: -EINVAL): DRAM, one tier, no target. */
    const struct vml_node_perf none2[3] = { PERF(10, 20480), PERF(10, 20480), PERF(0, 0) };
    sim = perf_sim(none2, &err);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 1);
    assert_int_equal(nodes[0], 0x7);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0);
    vml_sim_destroy(sim);
    /* Node 1 (CPUs) without figures: hmat_set_default_dram_perf fails, no algorithm, node 2
     * stays DRAM whatever its figures. */
    const struct vml_node_perf none1[3] = { PERF(10, 20480), PERF(0, 0), PERF(40, 5120) };
    sim = perf_sim(none1, &err);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 1);
    vml_sim_destroy(sim);
    /* Node 1 more than 10% off node 0 (latency 12: |12 - 10| * 10 = 20 > 10):
     * default_dram_perf_error, one tier. */
    const struct vml_node_perf off[3] = { PERF(10, 20480), PERF(12, 20480), PERF(40, 5120) };
    sim = perf_sim(off, &err);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 1);
    vml_sim_destroy(sim);
    /* Node 1 just within 10% (latency 11: 1 * 10 = 10, not above 10; bandwidth 18432: 2048 * 10
     * = 20480, not above 20480) gets its own distance: 576 * 22 / 20 = 633, 633 * 40960 / 36864
     * = 703 (703.3): memory_tier5, below node 0's tier; node 0 demotes to node 1, node 1 to 2. */
    const struct vml_node_perf near[3] = { PERF(10, 20480), PERF(11, 18432), PERF(40, 5120) };
    sim = perf_sim(near, &err);
    assert_int_equal(err, 0);
    vml_sim_memory_adistance(sim, adist);
    assert_int_equal(adist[1], 703);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 3);
    assert_int_equal(ids[0], 4);
    assert_int_equal(ids[1], 5);
    assert_int_equal(ids[2], 72);
    assert_int_equal(vml_sim_demotion_targets(sim, 0), 0x2);
    assert_int_equal(vml_sim_demotion_targets(sim, 1), 0x4);
    vml_sim_destroy(sim);
    /* A faster CPU-less node (HBM: 5 ns, 40960 MB/s): 576 * 10 / 20 = 288, 288 * 40960 / 81920
     * = 144, memory_tier1 above DRAM; it demotes to both DRAM nodes (distance 20 each), and it
     * is top tier (at or above the lowest tier with CPUs: 512 + 127). */
    const struct vml_node_perf hbm[3] = { PERF(10, 20480), PERF(10, 20480), PERF(5, 40960) };
    sim = perf_sim(hbm, &err);
    assert_int_equal(vml_sim_memory_tiers(sim, ids, nodes), 2);
    assert_int_equal(ids[0], 1);
    assert_int_equal(nodes[0], 0x4);
    assert_int_equal(vml_sim_demotion_targets(sim, 2), 0x3);
    assert_true(node_is_toptier(sim, 2));
    vml_sim_destroy(sim);
    /* Figures the kernel's 32-bit arithmetic would wrap on: refused. */
    const struct vml_node_perf wrap[3] = { PERF(10, 20480), PERF(10, 20480), PERF(100000000, 1) };
    sim = perf_sim(wrap, &err);
    assert_int_equal(err, VML_EINVAL);
    assert_null(sim);
}

static void test_perf_adistance_arithmetic(void **state)
{
    (void)state;
    /* Integers, left to right: 13 ns and 10000 MB/s against 10 ns and 20480 MB/s is
     * 576 * 26 / 20 = 748 (748.8), 748 * 40960 / 20000 = 1531 (1531.9), where the real ratio
     * gives 1533.5. Read and write apart: 50 + 150 ns and 8000 + 2000 MB/s give
     * 576 * 200 / 20 = 5760, 5760 * 40960 / 10000 = 23592 (memory_tier184). */
    const struct vml_node_perf dram = PERF(10, 20480), p13 = PERF(13, 10000),
                               rw = { 50, 150, 8000, 2000 }, zero_bw = { 10, 10, 0, 0 };
    int a = -1;
    assert_int_equal(vml_memtier_perf_adistance(&dram, &p13, &a), 0);
    assert_int_equal(a, 1531);
    assert_int_equal(vml_memtier_perf_adistance(&dram, &rw, &a), 0);
    assert_int_equal(a, 23592);
    assert_int_equal(vml_memtier_perf_adistance(&dram, &dram, &a), 0);
    assert_int_equal(a, 576);
    assert_int_equal(vml_memtier_perf_adistance(&dram, &zero_bw, &a), VML_EINVAL);
}

static void test_node_perf_parse(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    const char *ok = "machine node_mem=1G,1G,1G node_cpus=1,1,0 node_perf=10/20480,10/20480,"
                     "50/150/8000/2000\n";
    assert_int_equal(vml_scenario_parse(ok, strlen(ok), "t.vml", &s, &d), 0);
    assert_int_equal(s->machine.node_perf[0].read_latency, 10);
    assert_int_equal(s->machine.node_perf[0].write_bandwidth, 20480);
    assert_int_equal(s->machine.node_perf[2].read_latency, 50);
    assert_int_equal(s->machine.node_perf[2].write_latency, 150);
    assert_int_equal(s->machine.node_perf[2].read_bandwidth, 8000);
    assert_int_equal(s->machine.node_perf[2].write_bandwidth, 2000);
    assert_false(s->machine.node_dax[2]);
    vml_scenario_free(s);
    /* numa=cxl: node 1 is dax/kmem memory unless node_perf= says otherwise. */
    const char *cxl = "machine ram=1G numa=cxl\n";
    assert_int_equal(vml_scenario_parse(cxl, strlen(cxl), "t.vml", &s, &d), 0);
    assert_true(s->machine.node_dax[1]);
    vml_scenario_free(s);
    const char *cxl2 = "machine ram=1G numa=cxl node_perf=-,-\n";
    assert_int_equal(vml_scenario_parse(cxl2, strlen(cxl2), "t.vml", &s, &d), 0);
    assert_false(s->machine.node_dax[1]);
    vml_scenario_free(s);
    static const struct {
        const char *text;
        unsigned col;
        const char *msg;
    } bad[] = {
        { "machine node_mem=1G,1G node_perf=10/x,-\n", 37, "bandwidth 'x' is not a decimal" },
        { "machine node_mem=1G,1G node_perf=1/2/3,-\n", 34, "write -, dax, LAT/BW" },
        { "machine node_mem=1G,1G node_perf=-\n", 34, "node_perf describes 1 node of 2" },
        { "machine node_mem=1G,1G node_perf=-,0/0/5/5\n", 36, "latencies are 0" },
        { "machine node_mem=1G,1G node_perf=-,5/5/0/0\n", 40, "bandwidths are 0" },
        { "machine node_mem=1G,1G node_perf=dax,-\n", 34, "node 0 has CPUs" },
        { "machine node_mem=1G,1G node_perf=-,100000001/1\n", 36, "is above 100000000" },
        { "machine node_mem=1G,1G node_perf=-,-,-,-,-,-,-,-,-\n", 50, "more than 8 values" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        d = (struct vml_diag){ 0 };
        assert_int_equal(vml_scenario_parse(bad[i].text, strlen(bad[i].text), "t.vml", &s, &d),
                         VML_EPARSE);
        if (d.line != 1 || d.col != bad[i].col || !strstr(d.msg, bad[i].msg))
            fail_msg("%s: %u:%u %s", bad[i].text, d.line, d.col, d.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiers_of_presets),
        cmocka_unit_test(test_one_node_as_captured),
        cmocka_unit_test(test_kernel_example_targets),
        cmocka_unit_test(test_direct_reclaim_demotes),
        cmocka_unit_test(test_no_demotion_swaps_or_nothing),
        cmocka_unit_test(test_thp_demotes_whole),
        cmocka_unit_test(test_pageout_never_demotes),
        cmocka_unit_test(test_kstrtobool),
        cmocka_unit_test(test_hmat_tiers),
        cmocka_unit_test(test_perf_adistance_arithmetic),
        cmocka_unit_test(test_node_perf_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
