/* mm/memory-tiers.c: memory tiers by abstract distance, the demotion targets reclaim uses, and
 * the migration of a folio reclaim demotes (mm/vmscan.c: demote_folio_list,
 * alloc_demote_folio), as Linux 6.18 does them.
 *
 * Each node with memory gets an abstract distance (memory_tier_late_init, set_node_memory_tier,
 * mt_calc_adistance), as a machine whose firmware describes its memory in the ACPI SRAT and HMAT
 * gets them (drivers/acpi/numa/hmat.c):
 *   - MEMTIER_ADISTANCE_DRAM (4.5 chunks of 128: 576) unless an algorithm says otherwise;
 *   - the HMAT algorithm (hmat_calculate_adistance) is there only when every node with CPUs has
 *     HMAT performance and they agree within 10% (hmat_set_default_dram_perf,
 *     mt_set_default_dram_perf: the first such node is the reference, the default DRAM
 *     performance); it then gives every node with performance data mt_perf_to_adistance of it
 *     (576 for the reference itself), and leaves a node without at 576: a CPU-less node that
 *     firmware describes without HMAT data is DRAM, in the DRAM tier;
 *   - memory onlined by dax/kmem or the CXL driver (node_dax) starts from
 *     MEMTIER_DEFAULT_DAX_ADISTANCE (five times DRAM's: 2880; dev_dax_kmem_probe), which stands
 *     when no HMAT data describes it.
 * A tier covers one chunk of 128 (its id is the chunk's number: memory_tier4 for DRAM,
 * memory_tier22 for dax/kmem memory); tiers are kept fastest first.
 */
#include "mm/sim_internal.h"

#include "util/diag.h"
#include "util/text.h"

#include <string.h>

#define MEMTIER_CHUNK_BITS            7
#define MEMTIER_CHUNK_SIZE            (1 << MEMTIER_CHUNK_BITS)
#define MEMTIER_ADISTANCE_DRAM        ((4 * MEMTIER_CHUNK_SIZE) + (MEMTIER_CHUNK_SIZE >> 1))
#define MEMTIER_DEFAULT_DAX_ADISTANCE (MEMTIER_ADISTANCE_DRAM * 5)

/* Node performance above this (ns or MB/s) is refused: it keeps mt_set_default_dram_perf's
 * comparison (abs() of the difference, times 10) within the kernel's int. */
#define MEMTIER_PERF_MAX 100000000u

static unsigned nodes_of(const struct vml_sim *sim)
{
    return vml_phys_nr_nodes(sim->phys);
}

static bool has_cpus(const struct vml_sim *sim, unsigned node)
{
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
        if (sim->cpu_node[c] == node)
            return true;
    return false;
}

int vml_memtier_perf_adistance(const struct vml_node_perf *dram, const struct vml_node_perf *perf,
                               int *adist)
{
    uint64_t lat = (uint64_t)perf->read_latency + perf->write_latency;
    uint64_t bw = (uint64_t)perf->read_bandwidth + perf->write_bandwidth;
    uint64_t dlat = (uint64_t)dram->read_latency + dram->write_latency;
    uint64_t dbw = (uint64_t)dram->read_bandwidth + dram->write_bandwidth;
    if (lat == 0 || bw == 0 || dlat == 0 || dbw == 0)
        return VML_EINVAL;
    /* The access_coordinate fields are unsigned int: each step is 32-bit unsigned. */
    if (lat > UINT32_MAX || bw > UINT32_MAX || dlat > UINT32_MAX || dbw > UINT32_MAX)
        return VML_EOVERFLOW;
    uint64_t a = (uint64_t)MEMTIER_ADISTANCE_DRAM * lat;
    if (a > UINT32_MAX)
        return VML_EOVERFLOW;
    a = a / dlat * dbw;
    if (a > UINT32_MAX)
        return VML_EOVERFLOW;
    a /= bw;
    if (a > INT32_MAX)
        return VML_EOVERFLOW;
    *adist = (int)a;
    return 0;
}

static bool perf_given(const struct vml_node_perf *p)
{
    return (p->read_latency || p->write_latency) && (p->read_bandwidth || p->write_bandwidth);
}

/* mt_set_default_dram_perf's check of a further DRAM node against the reference: each of the
 * four values within 10% of the reference's (abs(difference) * 10 <= reference). */
static bool perf_close(const struct vml_node_perf *ref, const struct vml_node_perf *p)
{
    const uint32_t a[4] = { ref->read_latency, ref->write_latency, ref->read_bandwidth,
                            ref->write_bandwidth };
    const uint32_t b[4] = { p->read_latency, p->write_latency, p->read_bandwidth,
                            p->write_bandwidth };
    for (unsigned i = 0; i < 4; i++) {
        uint64_t d = a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
        if (d * 10 > a[i])
            return false;
    }
    return true;
}

/* Each node's abstract distance (set_node_memory_tier). VML_EINVAL with diag for what the
 * kernel's tables could not say. */
static int node_adistances(struct vml_sim *sim, int *adist, struct vml_diag *diag)
{
    const struct vml_sim_config *c = &sim->cfg;
    unsigned nodes = nodes_of(sim);
    for (unsigned n = 0; n < VML_MAX_NODES; n++) {
        const struct vml_node_perf *p = &c->node_perf[n];
        const uint32_t v[4] = { p->read_latency, p->write_latency, p->read_bandwidth,
                                p->write_bandwidth };
        bool any = v[0] || v[1] || v[2] || v[3];
        if ((any || c->node_dax[n]) && n >= nodes) {
            diag_set(diag, 0, 0, "node_perf: node %u is described but the machine has %u nodes", n,
                     nodes);
            return VML_EINVAL;
        }
        for (unsigned i = 0; i < 4; i++)
            if (v[i] > MEMTIER_PERF_MAX) {
                diag_set(diag, 0, 0, "node_perf: node %u's %u is above %u", n, v[i],
                         MEMTIER_PERF_MAX);
                return VML_EINVAL;
            }
        if (any && !perf_given(p)) {
            diag_set(diag, 0, 0,
                     "node_perf: node %u has %s but no %s (the kernel takes that as no data)", n,
                     v[0] || v[1] ? "latencies" : "bandwidths",
                     v[0] || v[1] ? "bandwidth" : "latency");
            return VML_EINVAL;
        }
        if (c->node_dax[n] && (any || (n < nodes && has_cpus(sim, n)))) {
            diag_set(diag, 0, 0,
                     "node_perf: node %u is dax/kmem memory, which has no CPUs and no HMAT "
                     "figures here",
                     n);
            return VML_EINVAL;
        }
    }
    /* hmat_set_default_dram_perf: the nodes with memory and CPUs (default_dram_nodes), in
     * order; the first is the reference, a node without data (-EINVAL) or one more than 10% off
     * the reference (default_dram_perf_error) leaves the HMAT algorithm unregistered. */
    int ref = -1;
    bool algorithm = true;
    for (unsigned n = 0; n < nodes && algorithm; n++) {
        if (!has_cpus(sim, n))
            continue;
        if (!perf_given(&c->node_perf[n]))
            algorithm = false;
        else if (ref < 0)
            ref = (int)n;
        else if (!perf_close(&c->node_perf[ref], &c->node_perf[n]))
            algorithm = false;
    }
    algorithm = algorithm && ref >= 0;
    for (unsigned n = 0; n < nodes; n++) {
        adist[n] = c->node_dax[n] ? MEMTIER_DEFAULT_DAX_ADISTANCE : MEMTIER_ADISTANCE_DRAM;
        /* mt_calc_adistance: hmat_calculate_adistance's answer (NOTIFY_STOP) when it has one;
         * mt_perf_to_adistance's -EINVAL for a node without data keeps the default. */
        if (!algorithm || !perf_given(&c->node_perf[n]))
            continue;
        int r = vml_memtier_perf_adistance(&c->node_perf[ref], &c->node_perf[n], &adist[n]);
        if (r == VML_EOVERFLOW) {
            diag_set(diag, 0, 0,
                     "node_perf: node %u's figures against node %u's overflow "
                     "mt_perf_to_adistance's 32-bit arithmetic",
                     n, (unsigned)ref);
            return VML_EINVAL;
        }
    }
    return 0;
}

int memory_tiers_init(struct vml_sim *sim, const unsigned *node_load, struct vml_diag *diag)
{
    struct memtier_state *mt = &sim->memtier;
    memset(mt, 0, sizeof(*mt));
    mt->enabled = sim->cfg.demotion_enabled;
    unsigned nodes = nodes_of(sim);
    int r = node_adistances(sim, mt->adist, diag);
    if (r)
        return r;
    /* find_create_memory_tier: each node's tier found or made in order of adistance_start (the
     * adistance rounded down to a chunk). */
    for (unsigned n = 0; n < nodes; n++) {
        int adist = mt->adist[n];
        int start = adist & ~(MEMTIER_CHUNK_SIZE - 1);
        unsigned t = 0;
        while (t < mt->nr_tiers && mt->adistance_start[t] < start)
            t++;
        if (t == mt->nr_tiers || mt->adistance_start[t] != start) {
            memmove(&mt->adistance_start[t + 1], &mt->adistance_start[t],
                    (mt->nr_tiers - t) * sizeof(mt->adistance_start[0]));
            memmove(&mt->tier_nodes[t + 1], &mt->tier_nodes[t],
                    (mt->nr_tiers - t) * sizeof(mt->tier_nodes[0]));
            mt->adistance_start[t] = start;
            mt->tier_nodes[t] = 0;
            mt->nr_tiers++;
        }
        mt->tier_nodes[t] |= 1u << n;
    }
    for (unsigned t = 0; t < mt->nr_tiers; t++)
        for (unsigned n = 0; n < nodes; n++)
            if (mt->tier_nodes[t] & (1u << n))
                mt->node_tier[n] = (int)t;
    /* establish_demotion_targets: each node's preferred targets are the nodes of the next lower
     * tier that find_next_best_node reaches first, with every further one at the same distance
     * (a node of the lowest tier has none). */
    uint32_t all = nodes >= 32 ? UINT32_MAX : (1u << nodes) - 1;
    for (unsigned n = 0; n < nodes; n++) {
        unsigned t = (unsigned)mt->node_tier[n];
        if (t + 1 >= mt->nr_tiers)
            continue;
        uint32_t used = all & ~mt->tier_nodes[t + 1];
        int best = -1;
        for (;;) {
            int target = find_next_best_node(sim, n, &used, node_load);
            if (target < 0)
                break;
            int d = (int)vml_phys_distance(sim->phys, n, (unsigned)target);
            if (best != -1 && d != best)
                break;
            best = d;
            mt->preferred[n] |= 1u << target;
        }
    }
    /* The top tier is the lowest one with a node that has CPUs; everything at or above it is
     * top tier (node_is_toptier). */
    mt->top_tier_adistance = MEMTIER_ADISTANCE_DRAM | (MEMTIER_CHUNK_SIZE - 1);
    for (unsigned t = mt->nr_tiers; t-- > 0;) {
        bool cpus = false;
        for (unsigned n = 0; n < nodes; n++)
            cpus |= (mt->tier_nodes[t] & (1u << n)) && has_cpus(sim, n);
        if (cpus) {
            mt->top_tier_adistance = mt->adistance_start[t] + MEMTIER_CHUNK_SIZE - 1;
            break;
        }
    }
    /* Each tier's lower_tier_mask: the nodes of every tier below it. */
    uint32_t lower = all;
    for (unsigned t = 0; t < mt->nr_tiers; t++) {
        lower &= ~mt->tier_nodes[t];
        mt->lower_mask[t] = lower;
    }
    return 0;
}

bool node_is_toptier(const struct vml_sim *sim, unsigned node)
{
    const struct memtier_state *mt = &sim->memtier;
    if (node >= nodes_of(sim))
        return true;
    return mt->adistance_start[mt->node_tier[node]] <= mt->top_tier_adistance;
}

/* next_demotion_node: one of the preferred targets. The kernel picks one at random
 * (node_random); the simulation takes them in turn, which spreads the pages alike and keeps a
 * run reproducible. -1 for none. */
static int next_demotion_node(struct vml_sim *sim, unsigned node)
{
    struct memtier_state *mt = &sim->memtier;
    uint32_t pref = mt->preferred[node];
    if (!pref)
        return -1;
    unsigned count = 0;
    for (uint32_t m = pref; m; m &= m - 1)
        count++;
    unsigned k = mt->next_pick[node]++ % count;
    for (unsigned n = 0;; n++)
        if ((pref & (1u << n)) && k-- == 0)
            return (int)n;
}

bool can_demote(const struct vml_sim *sim, unsigned node)
{
    /* can_demote: numa_demotion_enabled and a target (no cpusets here to filter it by). */
    return sim->memtier.enabled && node < nodes_of(sim) && sim->memtier.preferred[node] != 0;
}

static uint64_t free_pages(const struct vml_sim *sim, unsigned node)
{
    uint64_t free = 0;
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        free += sim->phys->nodes[node].zones[z].free_pages;
    return free;
}

/* alloc_migration_target on one node as alloc_demote_folio asks it (GFP_NOWAIT, no
 * __GFP_RECLAIM): the fast path at the low watermark; below it kswapd of the node is woken and
 * the slow path takes a block only above the min watermark, with no reclaim or compaction. The
 * watermarks are the node's zones' summed, as reclaim compares them. */
static int alloc_on(struct vml_sim *sim, unsigned node, unsigned from, unsigned order,
                    enum vml_frame_use use, uint64_t *pfn)
{
    uint64_t min, low, high, free = free_pages(sim, node), need = 1ull << order;
    node_watermarks(sim, node, &min, &low, &high);
    if (free < need || free - need + 1 <= low) {
        wakeup_kswapd(sim, node, order, false);
        if (free < need || free - need + 1 <= min)
            return VML_ENOMEM;
    }
    /* Counted by zone_statistics as the migration target's allocation; the CPU is the
     * reclaimer's, on the source node (kswapd runs on its node's CPUs). */
    struct alloc_req rq = { .nid = node, .local = from, .thisnode = true };
    return page_alloc_demote(sim, &rq, order, use, pfn);
}

int64_t demote_folio(struct vml_sim *sim, uint64_t pfn, unsigned node, bool kswapd)
{
    struct frame *f = sim_frame(sim, pfn);
    bool thp = (f->flags & PGF_LARGE) != 0;
    /* What migrate_pages takes here: an order-0 page with no reference beyond its mappings and
     * the page cache (one in the swap cache or under writeback holds one more), or a
     * PMD-mapped anonymous THP (thp_migration_supported). Others (mTHPs, large page-cache
     * folios) are not migrated by the simulation: reclaim takes them instead. */
    if (thp ? !thp_movable(sim, pfn)
            : !page_movable(sim, pfn, 1) || (f->flags & (PGF_WRITEBACK | PGF_SWAPWB)))
        return 0;
    int target = next_demotion_node(sim, node);
    if (target < 0)
        return 0;
    unsigned order = thp ? VML_THP_PMD_ORDER : 0;
    enum vml_frame_use use = thp ? VML_USE_ANON : f->use;
    uint64_t new;
    /* alloc_demote_folio: the target alone first (__GFP_THISNODE), so that its kswapd demotes
     * or reclaims before a lower tier fills; then the nodes of every lower tier
     * (lower_tier_mask), the target's zonelist order. */
    int r = alloc_on(sim, (unsigned)target, node, order, use, &new);
    if (r == VML_ENOMEM) {
        uint32_t allowed = sim->memtier.lower_mask[sim->memtier.node_tier[node]];
        for (unsigned k = 0; k < nodes_of(sim) && r == VML_ENOMEM; k++) {
            unsigned n = sim->zonelist[target][k];
            if (n != (unsigned)target && (allowed & (1u << n)))
                r = alloc_on(sim, n, node, order, use, &new);
        }
    }
    if (r == VML_ENOMEM) {
        /* migrate_pages' failure: the folio goes back to reclaim. */
        sim->events[VML_VMSTAT_pgmigrate_fail] += 1ull << order;
        if (thp)
            sim->events[VML_VMSTAT_thp_migration_fail]++;
        return 0;
    }
    if (r)
        return r;
    /* The migration takes the folio off its list and puts the new one at the head of the
     * target node's list (folio_migrate_flags keeps it inactive): relinked first. */
    lru_add(sim, pfn);
    r = thp ? migrate_thp(sim, pfn, new) : migrate_page(sim, pfn, new);
    if (r) {
        lru_del(sim, pfn);
        vml_phys_free(sim->phys, new, order);
        if (r != VML_EAGAIN)
            return r;
        sim->events[VML_VMSTAT_pgmigrate_fail] += 1ull << order;
        return 0;
    }
    /* shrink_inactive_list: mod_lruvec_state(PGDEMOTE_KSWAPD + reclaimer_offset) on the source
     * node's lruvec. */
    uint64_t nr = 1ull << order;
    memcg_count(sim, sim_frame(sim, new)->memcg, kswapd ? MEV_PGDEMOTE_KSWAPD : MEV_PGDEMOTE_DIRECT,
                nr);
    sim->memtier.demoted[node][kswapd ? 0 : 1] += nr;
    sim->events[kswapd ? VML_VMSTAT_pgdemote_kswapd : VML_VMSTAT_pgdemote_direct] += nr;
    return (int64_t)nr;
}

void memtier_node_vmstat(const struct vml_sim *sim, unsigned node, struct vml_vmstat *out)
{
    for (unsigned i = 0; i < 4; i++)
        out->v[VML_VMSTAT_pgdemote_kswapd + i] = sim->memtier.demoted[node][i];
}

/* ---- the public side --------------------------------------------------------------------- */

int vml_kstrtobool(const char *s, size_t len, bool *out)
{
    if (len == 0)
        return VML_EINVAL;
    switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1': *out = true; return 0;
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0': *out = false; return 0;
    case 'o':
    case 'O':
        if (len > 1 && (s[1] == 'n' || s[1] == 'N')) {
            *out = true;
            return 0;
        }
        if (len > 1 && (s[1] == 'f' || s[1] == 'F')) {
            *out = false;
            return 0;
        }
        return VML_EINVAL;
    default: return VML_EINVAL;
    }
}

int vml_sim_demotion_store(struct vml_sim *sim, const char *value, size_t len,
                           struct vml_diag *diag)
{
    bool on;
    if (vml_kstrtobool(value, len, &on)) {
        diag_set(diag, 0, 0,
                 "demotion_enabled: '%.*s' is not a boolean (kstrtobool takes y, n, t, f, 1, 0, "
                 "on or off: EINVAL)",
                 (int)(len < 40 ? len : 40), value);
        return VML_EINVAL;
    }
    sim->memtier.enabled = on;
    return 0;
}

bool vml_sim_demotion_enabled(const struct vml_sim *sim)
{
    return sim->memtier.enabled;
}

unsigned vml_sim_memory_tiers(const struct vml_sim *sim, unsigned *ids, uint32_t *nodes)
{
    const struct memtier_state *mt = &sim->memtier;
    for (unsigned t = 0; t < mt->nr_tiers; t++) {
        ids[t] = (unsigned)mt->adistance_start[t] >> MEMTIER_CHUNK_BITS;
        nodes[t] = mt->tier_nodes[t];
    }
    return mt->nr_tiers;
}

unsigned vml_sim_memory_adistance(const struct vml_sim *sim, int *adist)
{
    unsigned nodes = nodes_of(sim);
    memcpy(adist, sim->memtier.adist, nodes * sizeof(*adist));
    return nodes;
}

uint32_t vml_sim_demotion_targets(const struct vml_sim *sim, unsigned node)
{
    return node < nodes_of(sim) ? sim->memtier.preferred[node] : 0;
}

/* %*pbl: ranges of set bits, "0-1,3". */
static void nodelist(struct vml_text *out, uint32_t mask)
{
    bool first = true;
    for (unsigned a = 0; a < 32;) {
        if (!(mask & (1u << a))) {
            a++;
            continue;
        }
        unsigned b = a;
        while (b + 1 < 32 && (mask & (1u << (b + 1))))
            b++;
        text_printf(out, b > a ? "%s%u-%u" : "%s%u", first ? "" : ",", a, b);
        first = false;
        a = b + 1;
    }
}

int vml_sim_memory_tiering_text(const struct vml_sim *sim, struct vml_text *out)
{
    /* The tiers as their devices are listed (memory_tierN in order of id), then the switch:
     * demotion_enabled_show prints str_true_false. */
    unsigned ids[VML_MAX_NODES];
    uint32_t nodes[VML_MAX_NODES];
    unsigned n = vml_sim_memory_tiers(sim, ids, nodes);
    for (unsigned t = 0; t < n; t++) {
        text_printf(out, VML_MEMTIER_DIR "memory_tier%u/nodelist:", ids[t]);
        nodelist(out, nodes[t]);
        text_printf(out, "\n");
    }
    text_printf(out, VML_NUMA_SYSFS_DIR "demotion_enabled:%s\n",
                sim->memtier.enabled ? "true" : "false");
    return 0;
}
