/* mm/watermark.c: the zones' watermarks, lowmem reserves and totalreserve_pages, as
 * mm/page_alloc.c and mm/khugepaged.c set them at boot and after a write to
 * /proc/sys/vm/min_free_kbytes, watermark_scale_factor or a THP `enabled` file.
 *
 * min_free_kbytes is state in the kernel, not a function of RAM: boot computes it
 * (init_per_zone_wmark_min: calculate_min_free_kbytes), THP's start-up raises it
 * (hugepage_init -> start_stop_khugepaged -> set_recommended_min_free_kbytes), a write sets it
 * and makes it "user defined" (user_min_free_kbytes), and every later write to a THP enabled
 * file runs set_recommended_min_free_kbytes again: with a PMD THP mode on it raises the value
 * to THP's recommendation, with none it recomputes calculate_min_free_kbytes, which only takes
 * effect above user_min_free_kbytes. sim->wmark holds that state.
 *
 * Managed pages: the kernel's zone_managed_pages are the present pages less memblock
 * reservations (the kernel image, early allocations). The simulator reserves nothing at boot
 * (MemTotal is all of RAM), so a zone's managed pages are its frames: spanned = present =
 * managed. docs/meminfo.md says what this changes.
 */
#include "mm/sim_internal.h"

#include <string.h>

const char *const wmark_zone_name[WZ_NR] = { "DMA", "DMA32", "Normal", "Movable", "Device" };

/* mm/page_alloc.c: sysctl_lowmem_reserve_ratio[MAX_NR_ZONES] = { [ZONE_DMA] = 256,
 * [ZONE_DMA32] = 256, [ZONE_NORMAL] = 32, [ZONE_MOVABLE] = 0 }. */
const unsigned wmark_default_lowmem_reserve_ratio[WZ_NR] = { 256, 256, 32, 0, 0 };

#define PAGEBLOCK_NR_PAGES 512 /* pageblock_order = HPAGE_PMD_ORDER on x86-64 */
#define MIGRATE_PCPTYPES   3
#define SWAP_CLUSTER_MAX   32

uint64_t wmark_int_sqrt(uint64_t x)
{
    uint64_t r = 0, bit = 1ull << 62;
    while (bit > x)
        bit >>= 2;
    while (bit) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    return r;
}

uint64_t wmark_nr_free_buffer_pages(const uint64_t (*managed)[WZ_NR],
                                    const struct wmark_zone (*out)[WZ_NR], unsigned nr_nodes)
{
    /* nr_free_zone_pages(gfp_zone(GFP_USER)): the zonelist reaches every node's zones up to
     * ZONE_NORMAL; each adds what it manages above its high watermark. */
    uint64_t sum = 0;
    for (unsigned n = 0; n < nr_nodes; n++)
        for (unsigned z = WZ_DMA; z <= WZ_NORMAL; z++) {
            uint64_t high = out ? out[n][z].high : 0;
            if (managed[n][z] > high)
                sum += managed[n][z] - high;
        }
    return sum;
}

uint64_t wmark_sqrt_min_free_kbytes(uint64_t lowmem_pages)
{
    /* calculate_min_free_kbytes: new_min_free_kbytes = int_sqrt(lowmem_kbytes * 16), then
     * clamp(new_min_free_kbytes, 128, 262144). */
    uint64_t v = wmark_int_sqrt(lowmem_pages * 4 * 16);
    return v < 128 ? 128 : v > 262144 ? 262144 : v;
}

uint64_t wmark_thp_min_free_kbytes(unsigned nr_zones, uint64_t lowmem_pages)
{
    /* set_recommended_min_free_kbytes: 2 free pageblocks per zone for fragmentation avoidance,
     * plus MIGRATE_PCPTYPES^2 per zone for fallbacks; at most 5% of lowmem. */
    uint64_t rec = (uint64_t)PAGEBLOCK_NR_PAGES * nr_zones * 2;
    rec += (uint64_t)PAGEBLOCK_NR_PAGES * nr_zones * MIGRATE_PCPTYPES * MIGRATE_PCPTYPES;
    if (rec > lowmem_pages / 20)
        rec = lowmem_pages / 20;
    return rec * 4;
}

void wmark_setup(const uint64_t (*managed)[WZ_NR], unsigned nr_nodes, const struct wmark_params *p,
                 struct wmark_zone (*out)[WZ_NR])
{
    /* __setup_per_zone_wmarks */
    uint64_t pages_min = p->min_free_kbytes >> (PAGE_SHIFT - 10);
    uint64_t lowmem_pages = 0;
    for (unsigned n = 0; n < nr_nodes; n++)
        for (unsigned z = 0; z < WZ_NR; z++)
            if (z != WZ_MOVABLE) /* !is_highmem(zone) && zone_idx(zone) != ZONE_MOVABLE */
                lowmem_pages += managed[n][z];
    for (unsigned n = 0; n < nr_nodes; n++) {
        for (unsigned z = 0; z < WZ_NR; z++) {
            struct wmark_zone *w = &out[n][z];
            uint64_t m = managed[n][z];
            uint64_t tmp = lowmem_pages ? pages_min * m / lowmem_pages : 0;
            if (z == WZ_MOVABLE) {
                /* Movable (and highmem) zones: a small min, managed / 1024 within
                 * [SWAP_CLUSTER_MAX, 128], whatever min_free_kbytes is. */
                uint64_t mp = m / 1024;
                w->min = mp < SWAP_CLUSTER_MAX ? SWAP_CLUSTER_MAX : mp > 128 ? 128 : mp;
            } else {
                w->min = tmp;
            }
            /* The kswapd distances: max(tmp / 4, mult_frac(managed, watermark_scale_factor,
             * 10000)). */
            uint64_t frac = m / 10000 * p->watermark_scale_factor +
                            m % 10000 * p->watermark_scale_factor / 10000;
            uint64_t d = tmp >> 2 > frac ? tmp >> 2 : frac;
            w->low = w->min + d;
            w->high = w->low + d;
            w->promo = w->high + d;
        }
        /* setup_per_zone_lowmem_reserve: zone i keeps managed(i+1..j) / ratio[i] against an
         * allocation that may use zone j; none when the ratio is 0 or the zone manages
         * nothing. */
        for (unsigned i = 0; i < WZ_NR; i++) {
            struct wmark_zone *w = &out[n][i];
            memset(w->lowmem_reserve, 0, sizeof(w->lowmem_reserve));
            if (i == WZ_NR - 1)
                continue; /* the loop runs to MAX_NR_ZONES - 1 */
            unsigned ratio = p->lowmem_reserve_ratio[i];
            bool clear = !ratio || !managed[n][i];
            uint64_t upper = 0;
            for (unsigned j = i + 1; j < WZ_NR; j++) {
                upper += managed[n][j];
                w->lowmem_reserve[j] = clear ? 0 : upper / ratio;
            }
        }
    }
}

uint64_t wmark_totalreserve(const uint64_t (*managed)[WZ_NR], const struct wmark_zone (*z)[WZ_NR],
                            unsigned nr_nodes)
{
    uint64_t sum = 0;
    for (unsigned n = 0; n < nr_nodes; n++)
        for (unsigned i = 0; i < WZ_NR; i++) {
            uint64_t max = 0;
            for (unsigned j = i; j < WZ_NR; j++)
                if (z[n][i].lowmem_reserve[j] > max)
                    max = z[n][i].lowmem_reserve[j];
            max += z[n][i].high; /* "we treat the high watermark as reserved pages" */
            sum += max > managed[n][i] ? managed[n][i] : max;
        }
    return sum;
}

uint64_t wmark_low_sum(const struct wmark_zone (*z)[WZ_NR], unsigned nr_nodes)
{
    uint64_t sum = 0;
    for (unsigned n = 0; n < nr_nodes; n++)
        for (unsigned i = 0; i < WZ_NR; i++)
            sum += z[n][i].low;
    return sum;
}

uint64_t wmark_mem_available(uint64_t free, uint64_t totalreserve, uint64_t wmark_low,
                             uint64_t file_lru, uint64_t reclaimable)
{
    /* si_mem_available: signed arithmetic, clamped at 0 at the end. */
    int64_t avail = (int64_t)free - (int64_t)totalreserve;
    avail += (int64_t)(file_lru - (file_lru / 2 < wmark_low ? file_lru / 2 : wmark_low));
    avail += (int64_t)(reclaimable - (reclaimable / 2 < wmark_low ? reclaimable / 2 : wmark_low));
    return avail > 0 ? (uint64_t)avail : 0;
}

/* ---- the simulated machine's reserves ----------------------------------------------------- */

static unsigned nr_nodes(const struct vml_sim *sim)
{
    return vml_phys_nr_nodes(sim->phys);
}

static void managed_pages(const struct vml_sim *sim, uint64_t (*m)[WZ_NR])
{
    memset(m, 0, sizeof(uint64_t) * WZ_NR * VML_MAX_NODES);
    for (unsigned n = 0; n < nr_nodes(sim); n++)
        for (unsigned z = 0; z < VML_NR_ZONES; z++) {
            const struct phys_zone *pz = &sim->phys->nodes[n].zones[z];
            m[n][z] = pz->end - pz->start;
        }
}

/* setup_per_zone_wmarks (and the lowmem reserves and totalreserve_pages with it). */
static void setup_wmarks(struct vml_sim *sim)
{
    struct wmark_state *w = &sim->wmark;
    uint64_t m[VML_MAX_NODES][WZ_NR];
    managed_pages(sim, m);
    struct wmark_params p = { .min_free_kbytes = (uint64_t)w->min_free_kbytes,
                              .watermark_scale_factor = sim->vm.watermark_scale_factor };
    memcpy(p.lowmem_reserve_ratio, wmark_default_lowmem_reserve_ratio,
           sizeof(p.lowmem_reserve_ratio));
    wmark_setup((const uint64_t(*)[WZ_NR])m, nr_nodes(sim), &p, w->z);
    w->totalreserve = wmark_totalreserve((const uint64_t(*)[WZ_NR])m,
                                         (const struct wmark_zone(*)[WZ_NR])w->z, nr_nodes(sim));
    w->low_sum = wmark_low_sum((const struct wmark_zone(*)[WZ_NR])w->z, nr_nodes(sim));
    /* Reclaim compares per node (vmscan.c): the sums of the populated zones' marks, which
     * change only here (the zones' spans are fixed at boot). */
    for (unsigned n = 0; n < nr_nodes(sim); n++) {
        uint64_t *nm = w->node_mark[n];
        nm[0] = nm[1] = nm[2] = 0;
        for (unsigned z = 0; z < VML_NR_ZONES; z++) {
            const struct phys_zone *pz = &sim->phys->nodes[n].zones[z];
            if (pz->end == pz->start)
                continue;
            nm[0] += w->z[n][z].min;
            nm[1] += w->z[n][z].low;
            nm[2] += w->z[n][z].high;
        }
    }
    w->vm_min_free = sim->vm.min_free_kbytes;
    w->vm_scale = sim->vm.watermark_scale_factor;
}

static uint64_t free_buffer_pages(const struct vml_sim *sim)
{
    uint64_t m[VML_MAX_NODES][WZ_NR];
    managed_pages(sim, m);
    return wmark_nr_free_buffer_pages((const uint64_t(*)[WZ_NR])m,
                                      (const struct wmark_zone(*)[WZ_NR])sim->wmark.z,
                                      nr_nodes(sim));
}

/* calculate_min_free_kbytes: a recomputed value replaces min_free_kbytes only above the
 * user's ("min_free_kbytes is not updated to %d because user defined value %d is
 * preferred"). */
static void calculate_min_free_kbytes(struct vml_sim *sim)
{
    int64_t v = (int64_t)wmark_sqrt_min_free_kbytes(free_buffer_pages(sim));
    if (v > sim->wmark.user_min_free_kbytes)
        sim->wmark.min_free_kbytes = v;
}

/* hugepage_pmd_enabled (mm/khugepaged.c): an anonymous PMD mode (hugepages-2048kB/enabled, or
 * inherit with the top-level enabled not never), or shmem_hpage_pmd_enabled (2048kB's
 * shmem_enabled inherits the top-level shmem_enabled, which is on unless never or deny).
 * Probe on this kernel: with enabled=never, writing shmem_enabled=always starts khugepaged and
 * never or deny stops it. */
static bool thp_pmd_enabled(const struct vml_thp_settings *s)
{
    enum vml_mthp_mode m = s->size_enabled[VML_THP_PMD_ORDER];
    if (m == VML_MTHP_ALWAYS || m == VML_MTHP_MADVISE ||
        (m == VML_MTHP_INHERIT && s->enabled != VML_THP_NEVER))
        return true;
    return s->shmem_enabled != VML_SHMEM_THP_NEVER && s->shmem_enabled != VML_SHMEM_THP_DENY;
}

/* set_recommended_min_free_kbytes, then setup_per_zone_wmarks. */
static void set_recommended_min_free_kbytes(struct vml_sim *sim)
{
    if (!thp_pmd_enabled(&sim->thp)) {
        calculate_min_free_kbytes(sim);
    } else {
        unsigned nr_zones = 0; /* for_each_populated_zone up to gfp_zone(GFP_USER) */
        for (unsigned n = 0; n < nr_nodes(sim); n++)
            for (unsigned z = 0; z < VML_NR_ZONES; z++)
                nr_zones += sim->phys->nodes[n].zones[z].end > sim->phys->nodes[n].zones[z].start;
        int64_t rec = (int64_t)wmark_thp_min_free_kbytes(nr_zones, free_buffer_pages(sim));
        if (rec > sim->wmark.min_free_kbytes)
            sim->wmark.min_free_kbytes = rec;
    }
    setup_wmarks(sim);
}

void wmark_init(struct vml_sim *sim)
{
    struct wmark_state *w = &sim->wmark;
    memset(w, 0, sizeof(*w));
    w->user_min_free_kbytes = -1;
    /* init_per_zone_wmark_min (core_initcall): every watermark still 0. */
    calculate_min_free_kbytes(sim);
    setup_wmarks(sim);
    /* hugepage_init (subsys_initcall) -> start_stop_khugepaged, with the boot THP settings;
     * below 512 MiB of RAM it returns before (THP off on small systems). */
    if (vml_phys_total_pages(sim->phys) >= (512ull << 20) / PAGE_SIZE)
        set_recommended_min_free_kbytes(sim);
    /* A machine line's vm.min_free_kbytes= is written after boot, as sysctl.conf is. */
    if (sim->vm.min_free_kbytes >= 0)
        wmark_vm_written(sim, true);
}

void wmark_vm_written(struct vml_sim *sim, bool min_free_kbytes)
{
    /* min_free_kbytes_sysctl_handler: user_min_free_kbytes = min_free_kbytes, then
     * setup_per_zone_wmarks; watermark_scale_factor_sysctl_handler: setup_per_zone_wmarks. */
    if (min_free_kbytes && sim->vm.min_free_kbytes >= 0)
        sim->wmark.min_free_kbytes = sim->wmark.user_min_free_kbytes = sim->vm.min_free_kbytes;
    setup_wmarks(sim);
}

void wmark_thp_written(struct vml_sim *sim)
{
    set_recommended_min_free_kbytes(sim);
}

const struct wmark_state *wmark_state(const struct vml_sim *sim)
{
    const struct wmark_state *w = &sim->wmark;
    if (w->vm_min_free != sim->vm.min_free_kbytes ||
        w->vm_scale != sim->vm.watermark_scale_factor) {
        /* A store changed sim->vm without calling wmark_vm_written: apply it now, as the
         * sysctl handler would have (the machine is not const; only this view of it is). */
        struct vml_sim *s = (struct vml_sim *)sim;
        wmark_vm_written(s, w->vm_min_free != sim->vm.min_free_kbytes);
    }
    return w;
}

uint64_t sim_min_free_kbytes(const struct vml_sim *sim)
{
    return (uint64_t)wmark_state(sim)->min_free_kbytes;
}

uint64_t vml_sim_min_free_kbytes(const struct vml_sim *sim)
{
    return sim_min_free_kbytes(sim);
}

const struct wmark_zone *zone_wmark(const struct vml_sim *sim, unsigned node, unsigned zone)
{
    return &wmark_state(sim)->z[node][zone];
}

void zone_watermarks(const struct vml_sim *sim, unsigned node, unsigned zone, uint64_t *min,
                     uint64_t *low, uint64_t *high)
{
    const struct wmark_zone *w = zone_wmark(sim, node, zone);
    *min = w->min;
    *low = w->low;
    *high = w->high;
}

uint64_t totalreserve_pages(const struct vml_sim *sim)
{
    return wmark_state(sim)->totalreserve;
}

uint64_t wmark_low_pages(const struct vml_sim *sim)
{
    return wmark_state(sim)->low_sum;
}
