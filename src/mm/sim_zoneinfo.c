/* mm/sim_zoneinfo.c: /proc/zoneinfo of the simulated machine, line for line as mm/vmstat.c:
 * zoneinfo_show_print prints it on 6.18 x86-64 (five zones per node: DMA, DMA32, Normal,
 * Movable, Device; every zone, populated or not; the node's counters before its first
 * populated zone).
 *
 * Values the simulator has: free pages and free pages in pageblock-sized blocks (buddy
 * allocator), watermarks, lowmem reserves (watermark.c), spanned = present = managed (nothing
 * is reserved at boot), the LRU lists, dirty and mlocked pages per zone, NUMA events per zone,
 * the node's counters (from the node's own state where the simulator keeps it per node, the
 * machine-wide ones under node 0). Rules for what it does not model (docs/meminfo.md):
 *   - boost 0 (no watermark boosting on fragmentation);
 *   - pagesets: no per-CPU page lists, so count 0 and high 0, what a CPU that has not freed a
 *     page to the zone shows; batch, high_min and high_max are computed as the kernel does
 *     (zone_batchsize, zone_highsize with percpu_pagelist_high_fraction 0);
 *   - vm stats threshold: calculate_normal_threshold (kswapd's pressure threshold is not
 *     modelled);
 *   - node_unreclaimable 0 (kswapd_failures are not counted).
 */
#include "mm/sim_internal.h"
#include "util/text.h"

static unsigned fls32(uint64_t x)
{
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0;
}

/* zone_batchsize, then max(1, batch) (zone_set_pageset_high_and_batch). */
static uint64_t pcp_batch(uint64_t managed)
{
    uint64_t batch = managed >> 10 < 256 ? managed >> 10 : 256; /* SZ_1M / PAGE_SIZE */
    batch /= 4;
    if (batch < 1)
        batch = 1;
    uint64_t x = batch + batch / 2;
    batch = (1ull << (fls32(x) - 1)) - 1; /* rounddown_pow_of_two(x) - 1 */
    return batch < 1 ? 1 : batch;
}

/* zone_highsize: total split over the CPUs of the zone's node (all CPUs if it has none), at
 * least batch * 4. */
static uint64_t pcp_high(uint64_t total, uint64_t batch, unsigned split)
{
    uint64_t high = total / split;
    return high > batch << 2 ? high : batch << 2;
}

/* calculate_normal_threshold: 2 * fls(cpus) * (1 + fls(managed in 128 MiB units)), at most
 * 125. */
static unsigned stat_threshold(uint64_t managed, unsigned cpus)
{
    unsigned t = 2 * fls32(cpus) * (1 + fls32(managed >> (27 - PAGE_SHIFT)));
    return t < 125 ? t : 125;
}

/* The node items of vmstat for one node. */
void sim_node_vmstat(const struct vml_sim *sim, unsigned node, struct vml_vmstat *out)
{
    struct vml_vmstat all;
    vml_sim_vmstat(sim, &all);
    unsigned nr_nodes = vml_phys_nr_nodes(sim->phys);
    for (unsigned i = VML_VMSTAT_nr_inactive_anon; i <= VML_VMSTAT_nr_kernel_file_pages; i++)
        out->v[i] = node == 0 ? all.v[i] : 0;
    if (nr_nodes == 1)
        return;
    /* What the simulator keeps per node comes from the node; the rest stays machine-wide,
     * under node 0. */
    const struct node_stats *s = &sim->node[node];
    out->v[VML_VMSTAT_nr_inactive_anon] = s->lru[LRU_INACTIVE_ANON];
    out->v[VML_VMSTAT_nr_active_anon] = s->lru[LRU_ACTIVE_ANON];
    out->v[VML_VMSTAT_nr_inactive_file] = s->lru[LRU_INACTIVE_FILE];
    out->v[VML_VMSTAT_nr_active_file] = s->lru[LRU_ACTIVE_FILE];
    out->v[VML_VMSTAT_nr_unevictable] = s->lru[LRU_UNEVICTABLE];
    out->v[VML_VMSTAT_nr_anon_pages] = s->anon_mapped;
    out->v[VML_VMSTAT_nr_mapped] = s->file_mapped;
    out->v[VML_VMSTAT_nr_file_pages] = s->file_pages;
    out->v[VML_VMSTAT_nr_dirty] = s->dirty;
    out->v[VML_VMSTAT_nr_shmem] = s->shmem;
    out->v[VML_VMSTAT_nr_slab_reclaimable] = slab_node_reclaimable_pages(sim, node);
    struct vml_phys_usage u;
    vml_phys_usage(sim->phys, node, &u);
    out->v[VML_VMSTAT_nr_page_table_pages] = u.used[VML_USE_PGTABLE];
    memtier_node_vmstat(sim, node, out);
}

/* Dirty (NR_ZONE_WRITE_PENDING) and mlocked (NR_MLOCK) pages of a zone, from its frames. */
static void zone_flags(const struct vml_sim *sim, const struct phys_zone *z, uint64_t *dirty,
                       uint64_t *mlock)
{
    *dirty = *mlock = 0;
    for (uint64_t pfn = z->start; pfn < z->end;) {
        const struct frame *f = sim_frame(sim, pfn);
        if (!f) {
            pfn = (pfn | (SECTION_FRAMES - 1)) + 1; /* no metadata: free in a large block */
            continue;
        }
        uint64_t n = (f->flags & PGF_HEAD) && (f->flags & PGF_LARGE) ? 1ull << f->order : 1;
        if (f->flags & PGF_HEAD) {
            if (f->flags & PGF_DIRTY)
                *dirty += n;
            if (f->flags & PGF_MLOCKED)
                *mlock += n;
        }
        pfn += n;
    }
}

int sim_zoneinfo(const struct vml_sim *sim, struct vml_text *out)
{
    unsigned nr_nodes = vml_phys_nr_nodes(sim->phys), cpus = sim->cfg.nr_cpus;
    for (unsigned n = 0; n < nr_nodes; n++) {
        const struct phys_node *pn = &sim->phys->nodes[n];
        unsigned node_cpus = 0; /* the node's CPUs (mempolicy.c: numa_init) */
        for (unsigned c = 0; c < cpus; c++)
            node_cpus += sim->cpu_node[c] == n;
        bool first = true;
        for (unsigned zi = 0; zi < WZ_NR; zi++) {
            const struct phys_zone *z = zi < VML_NR_ZONES ? &pn->zones[zi] : NULL;
            uint64_t managed = z ? z->end - z->start : 0;
            const struct wmark_zone *w = zone_wmark(sim, n, zi);
            text_printf(out, "Node %u, zone %8s", n, wmark_zone_name[zi]);
            if (managed && first) {
                first = false;
                struct vml_vmstat v;
                sim_node_vmstat(sim, n, &v);
                text_printf(out, "\n  per-node stats");
                for (unsigned i = VML_VMSTAT_nr_inactive_anon; i <= VML_VMSTAT_nr_kernel_file_pages;
                     i++)
                    text_printf(out, "\n      %-12s %llu", vml_vmstat_name((enum vml_vmstat_item)i),
                                (unsigned long long)v.v[i]);
            }
            text_printf(out,
                        "\n  pages free     %llu\n        boost    0\n        min      %llu"
                        "\n        low      %llu\n        high     %llu\n        promo    %llu"
                        "\n        spanned  %llu\n        present  %llu\n        managed  %llu"
                        "\n        cma      0",
                        (unsigned long long)(z ? z->free_pages : 0), (unsigned long long)w->min,
                        (unsigned long long)w->low, (unsigned long long)w->high,
                        (unsigned long long)w->promo, (unsigned long long)managed,
                        (unsigned long long)managed, (unsigned long long)managed);
            text_printf(out, "\n        protection: (%llu",
                        (unsigned long long)w->lowmem_reserve[0]);
            for (unsigned j = 1; j < WZ_NR; j++)
                text_printf(out, ", %llu", (unsigned long long)w->lowmem_reserve[j]);
            text_printf(out, ")");
            if (!managed) { /* !populated_zone: nothing more */
                text_printf(out, "\n");
                continue;
            }
            /* The zone's counters (enum zone_stat_item), then its NUMA events. */
            uint64_t blocks = 0;
            for (unsigned o = 9; o < VML_NR_ORDERS; o++) /* order >= pageblock_order */
                blocks += vml_phys_nr_free(sim->phys, n, (enum vml_zone)zi, o) << o;
            uint64_t dirty, mlock;
            zone_flags(sim, z, &dirty, &mlock);
            const uint64_t *lru = sim->zone_lru[n][zi];
            const uint64_t *numa = sim->zone_numa[n][zi];
            uint64_t zs[VML_VMSTAT_numa_other + 1] = {
                [VML_VMSTAT_nr_free_pages] = z->free_pages,
                [VML_VMSTAT_nr_free_pages_blocks] = blocks,
                [VML_VMSTAT_nr_zone_inactive_anon] = lru[LRU_INACTIVE_ANON],
                [VML_VMSTAT_nr_zone_active_anon] = lru[LRU_ACTIVE_ANON],
                [VML_VMSTAT_nr_zone_inactive_file] = lru[LRU_INACTIVE_FILE],
                [VML_VMSTAT_nr_zone_active_file] = lru[LRU_ACTIVE_FILE],
                [VML_VMSTAT_nr_zone_unevictable] = lru[LRU_UNEVICTABLE],
                [VML_VMSTAT_nr_zone_write_pending] = dirty,
                [VML_VMSTAT_nr_mlock] = mlock,
                [VML_VMSTAT_numa_hit] = numa[0],
                [VML_VMSTAT_numa_miss] = numa[1],
                [VML_VMSTAT_numa_foreign] = numa[2],
                [VML_VMSTAT_numa_interleave] = numa[3],
                [VML_VMSTAT_numa_local] = numa[4],
                [VML_VMSTAT_numa_other] = numa[5],
            };
            for (unsigned i = VML_VMSTAT_nr_free_pages; i <= VML_VMSTAT_numa_other; i++)
                text_printf(out, "\n      %-12s %llu", vml_vmstat_name((enum vml_vmstat_item)i),
                            (unsigned long long)zs[i]);
            uint64_t batch = pcp_batch(managed);
            unsigned split = node_cpus ? node_cpus : cpus;
            uint64_t high_min = pcp_high(w->low, batch, split);
            uint64_t high_max = pcp_high(managed / 8, batch, split); /* fraction 8: MIN_PERCPU_
                                                                      * PAGELIST_HIGH_FRACTION */
            text_printf(out, "\n  pagesets");
            for (unsigned c = 0; c < cpus; c++)
                text_printf(out,
                            "\n    cpu: %u\n              count:    0\n              high:     0"
                            "\n              batch:    %llu\n              high_min: %llu"
                            "\n              high_max: %llu\n  vm stats threshold: %u",
                            c, (unsigned long long)batch, (unsigned long long)high_min,
                            (unsigned long long)high_max, stat_threshold(managed, cpus));
            text_printf(out, "\n  node_unreclaimable:  0\n  start_pfn:           %llu\n",
                        (unsigned long long)z->start);
        }
    }
    return text_status(out);
}
