/* mm/watermark.h: the page allocator's reserves as mm/page_alloc.c computes them, as arithmetic
 * on the zones' managed page counts (no simulator state), so that a test can feed it any
 * machine's zone layout, the running kernel's included:
 *   - calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16), clamped to [128, 262144];
 *   - set_recommended_min_free_kbytes (mm/khugepaged.c): THP's larger floor;
 *   - __setup_per_zone_wmarks: min, low, high and promo of each zone;
 *   - setup_per_zone_lowmem_reserve: lowmem_reserve[] ("protection" in /proc/zoneinfo);
 *   - calculate_totalreserve_pages: what si_mem_available keeps back.
 * Zones are those of x86-64 with ZONE_DEVICE (MAX_NR_ZONES 5), as /proc/zoneinfo lists them.
 */
#ifndef VMLAB_MM_WATERMARK_H
#define VMLAB_MM_WATERMARK_H

#include <stdint.h>

enum wmark_zone_type {
    WZ_DMA,
    WZ_DMA32,
    WZ_NORMAL,
    WZ_MOVABLE,
    WZ_DEVICE,
    WZ_NR /* MAX_NR_ZONES */
};

/* The zone names /proc/zoneinfo prints ("Node 0, zone %8s"). */
extern const char *const wmark_zone_name[WZ_NR];

/* sysctl_lowmem_reserve_ratio's defaults: 256 256 32 0 0. */
extern const unsigned wmark_default_lowmem_reserve_ratio[WZ_NR];

/* One zone's reserves, pages. */
struct wmark_zone {
    uint64_t min, low, high, promo; /* _watermark[WMARK_MIN..WMARK_PROMO] */
    uint64_t lowmem_reserve[WZ_NR]; /* protection against allocations for zone j */
};

struct wmark_params {
    uint64_t min_free_kbytes;
    unsigned watermark_scale_factor;      /* 1..3000 */
    unsigned lowmem_reserve_ratio[WZ_NR]; /* 0: no reserve */
};

/* int_sqrt (lib/math/int_sqrt.c): floor of the square root. */
uint64_t wmark_int_sqrt(uint64_t x);

/* nr_free_buffer_pages: over every node's zones up to ZONE_NORMAL (gfp_zone(GFP_USER)), the
 * managed pages above each zone's high watermark (out may be NULL: watermarks all 0, as before
 * the first setup at boot). */
uint64_t wmark_nr_free_buffer_pages(const uint64_t (*managed)[WZ_NR],
                                    const struct wmark_zone (*out)[WZ_NR], unsigned nr_nodes);

/* calculate_min_free_kbytes' value for nr_free_buffer_pages() = lowmem_pages (before the
 * comparison with user_min_free_kbytes). */
uint64_t wmark_sqrt_min_free_kbytes(uint64_t lowmem_pages);

/* set_recommended_min_free_kbytes' recommended_min, kB: 2 pageblocks per zone plus
 * MIGRATE_PCPTYPES^2 more, over the populated zones up to ZONE_NORMAL, at most 5% of
 * lowmem_pages (nr_free_buffer_pages). */
uint64_t wmark_thp_min_free_kbytes(unsigned nr_populated_lowmem_zones, uint64_t lowmem_pages);

/* __setup_per_zone_wmarks then setup_per_zone_lowmem_reserve for nr_nodes nodes of WZ_NR
 * zones each (managed pages per zone). */
void wmark_setup(const uint64_t (*managed)[WZ_NR], unsigned nr_nodes, const struct wmark_params *p,
                 struct wmark_zone (*out)[WZ_NR]);

/* calculate_totalreserve_pages: per zone, its high watermark plus its largest lowmem reserve,
 * at most its managed pages, summed. */
uint64_t wmark_totalreserve(const uint64_t (*managed)[WZ_NR], const struct wmark_zone (*z)[WZ_NR],
                            unsigned nr_nodes);

/* si_mem_available's wmark_low: the low watermarks of every zone (for_each_zone: empty ones
 * too, so an empty Movable zone adds its 32). */
uint64_t wmark_low_sum(const struct wmark_zone (*z)[WZ_NR], unsigned nr_nodes);

/* si_mem_available (mm/show_mem.c), pages: free - totalreserve + the page cache less what must
 * stay (min(half, wmark_low)) + reclaimable kernel memory likewise; never negative. */
uint64_t wmark_mem_available(uint64_t free, uint64_t totalreserve, uint64_t wmark_low,
                             uint64_t file_lru, uint64_t reclaimable);

#endif
