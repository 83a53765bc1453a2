/* mm/compaction.c: direct compaction, as a THP allocation that finds no free 2 MiB block runs
 * it (__alloc_pages_direct_compact -> try_to_compact_pages -> compact_zone).
 *
 * Per zone, a migrate scanner climbs from the zone's start a pageblock (2 MiB) at a time,
 * isolating movable folios (anonymous and page-cache 4 KiB pages on an LRU, and anonymous
 * large folios smaller than the order asked, all unpinned: skip_isolation_on_order), until
 * COMPACT_CLUSTER_MAX pages are isolated; a free scanner comes down from the zone's end taking free
 * pages as migration targets; each isolated page is migrated (migrate.c) and its old frame freed,
 * merging with its free buddies. Compaction succeeds as soon as the zone has a free block of
 * the order asked, at a pageblock boundary of the migrate scanner (__compact_finished), and
 * completes (fails) when the scanners meet. Where the scanners stopped is kept per zone
 * (compact_cached_migrate_pfn / _free_pfn) so the next attempt resumes there, and put back to
 * the zone's ends when they meet (reset_cached_positions).
 *
 * As the kernel, a direct asynchronous compaction for an order gives up on an order-aligned
 * block at its first page that cannot be isolated or migrated (skip_on_failure): the block
 * could not become free anyway. Compaction is not tried where the order-0 watermark leaves no
 * room for migration targets or where the failure is from lack of memory rather than
 * fragmentation (compaction_suitable: fragmentation index at most extfrag_threshold, 500).
 *
 * Departures, on purpose: pages carry no migratetype and pageblocks no skip hints, so the
 * scanners are the linear ones (no fast_find_migrateblock / fast_isolate_freepages) and every
 * pageblock is a candidate source; a page-cache folio's pages, frames of their own here, move
 * one by one (migrate.c). The work is
 * charged to the simulated clock with the costs of cost.h.
 */
#include "mm/sim_internal.h"

#define PAGEBLOCK_ORDER     VML_THP_PMD_ORDER /* pageblock_order on x86-64 */
#define PAGEBLOCK_PAGES     (1ull << PAGEBLOCK_ORDER)
#define COMPACT_CLUSTER_MAX 32u /* SWAP_CLUSTER_MAX */
#define EXTFRAG_THRESHOLD   500 /* vm.extfrag_threshold default */
#define COMPACT_MAX_DEFER   6u  /* COMPACT_MAX_DEFER_SHIFT */
#define COSTLY_ORDER        3u  /* PAGE_ALLOC_COSTLY_ORDER */

static uint64_t pageblock_start(uint64_t pfn)
{
    return pfn & ~(PAGEBLOCK_PAGES - 1);
}

/* One compaction run over a zone (struct compact_control). */
struct compact_control {
    struct vml_sim *sim;
    const struct phys_zone *zone;
    unsigned node, zid, order;
    enum compact_mode mode;
    bool direct;     /* an allocation's own (not kcompactd's) */
    bool whole_zone; /* started at both ends */
    uint64_t migrate_pfn;
    uint64_t free_block, free_next;        /* the free scanner: its pageblock and next pfn in it */
    uint64_t migrate[COMPACT_CLUSTER_MAX]; /* isolated folios' heads */
    unsigned nr_migrate;                   /* folios */
    uint64_t nr_pages;                     /* their pages (cc->nr_migratepages) */
    uint64_t migrate_scanned, free_scanned;
};

static struct zone_compact *zone_state(struct vml_sim *sim, unsigned node, unsigned zid)
{
    struct zone_compact *zc = &sim->compact[node][zid];
    const struct phys_zone *z = &sim->phys->nodes[node].zones[zid];
    if (!zc->init) {
        /* reset_cached_positions at boot */
        zc->init = true;
        zc->migrate_pfn[0] = zc->migrate_pfn[1] = z->start;
        zc->free_pfn = pageblock_start(z->end - 1);
    }
    return zc;
}

static void reset_cached_positions(struct zone_compact *zc, const struct phys_zone *z)
{
    zc->migrate_pfn[0] = zc->migrate_pfn[1] = z->start;
    zc->free_pfn = pageblock_start(z->end - 1);
}

/* defer_compaction / compaction_deferred / compaction_defer_reset. */
static void defer_compaction(struct zone_compact *zc, unsigned order)
{
    zc->considered = 0;
    if (zc->defer_shift < COMPACT_MAX_DEFER)
        zc->defer_shift++;
    if (order < zc->order_failed)
        zc->order_failed = order;
}

static bool compaction_deferred(struct zone_compact *zc, unsigned order)
{
    unsigned limit = 1u << zc->defer_shift;
    if (order < zc->order_failed)
        return false;
    if (++zc->considered >= limit) {
        zc->considered = limit;
        return false;
    }
    return true;
}

static void compaction_defer_reset(struct zone_compact *zc, unsigned order, bool alloc_success)
{
    if (alloc_success) {
        zc->considered = 0;
        zc->defer_shift = 0;
    }
    if (order >= zc->order_failed)
        zc->order_failed = order + 1;
}

/* Whether the zone has a free block of order or larger (what the allocation would take). */
static bool zone_has_free_block(const struct phys_zone *z, unsigned order)
{
    for (unsigned o = order; o <= PHYS_TOP_ORDER; o++)
        if (z->free_area[o].nr_free)
            return true;
    return false;
}

/* fragmentation_index (mm/vmstat.c: __fragmentation_index), over Linux's orders 0..10:
 * -1000 when a block of the order is free, else 0 (failure from lack of memory) to 1000
 * (failure from fragmentation). */
static int fragmentation_index(const struct vml_sim *sim, unsigned node, unsigned zid,
                               unsigned order)
{
    uint64_t free_pages = 0, blocks = 0, suitable = 0;
    for (unsigned o = 0; o <= VML_MAX_ORDER; o++) {
        uint64_t n = vml_phys_nr_free(sim->phys, node, (enum vml_zone)zid, o);
        blocks += n;
        free_pages += n << o;
        if (o >= order)
            suitable += n << (o - order);
    }
    if (!blocks)
        return 0;
    if (suitable)
        return -1000;
    uint64_t requested = 1ull << order;
    return 1000 - (int)((1000 + free_pages * 1000 / requested) / blocks);
}

/* compaction_suit_allocation_order and compaction_suitable: SUCCESS when the allocation would
 * already succeed, SKIPPED when the order-0 watermark (min, as the slow path allocates at,
 * plus compact_gap: twice the request) leaves no room for targets, NOT_SUITABLE when a costly
 * order fails for lack of memory rather than fragmentation, else CONTINUE. */
static enum compact_result zone_suitable(const struct vml_sim *sim, unsigned node, unsigned zid,
                                         unsigned order)
{
    const struct phys_zone *z = &sim->phys->nodes[node].zones[zid];
    uint64_t min, low, high;
    zone_watermarks(sim, node, zid, &min, &low, &high);
    if (zone_has_free_block(z, order) && z->free_pages > min + (1ull << order) - 1)
        return COMPACT_SUCCESS;
    if (z->free_pages <= min + (2ull << order))
        return COMPACT_SKIPPED;
    if (order > COSTLY_ORDER) {
        int fragindex = fragmentation_index(sim, node, zid, order);
        if (fragindex >= 0 && fragindex <= EXTFRAG_THRESHOLD)
            return COMPACT_NOT_SUITABLE_ZONE;
    }
    return COMPACT_CONTINUE;
}

static bool scanners_met(const struct compact_control *cc)
{
    return (cc->free_block >> PAGEBLOCK_ORDER) <= (cc->migrate_pfn >> PAGEBLOCK_ORDER);
}

/* __compact_finished. */
static enum compact_result compact_finished(struct compact_control *cc, struct zone_compact *zc)
{
    if (scanners_met(cc)) {
        reset_cached_positions(zc, cc->zone);
        return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
    }
    /* A pageblock is finished before the free lists are looked at. */
    if (cc->migrate_pfn & (PAGEBLOCK_PAGES - 1))
        return COMPACT_CONTINUE;
    return zone_has_free_block(cc->zone, cc->order) ? COMPACT_SUCCESS : COMPACT_CONTINUE;
}

/* isolate_migratepages + isolate_migratepages_block over the migrate scanner's pageblock:
 * movable folios into cc->migrate until COMPACT_CLUSTER_MAX pages; the scanner moves past what
 * it saw. */
static void isolate_migratepages(struct compact_control *cc, struct zone_compact *zc)
{
    struct vml_sim *sim = cc->sim;
    uint64_t pfn = cc->migrate_pfn;
    uint64_t end = pageblock_start(pfn) + PAGEBLOCK_PAGES;
    if (end > cc->zone->end)
        end = cc->zone->end;
    bool skip_on_failure = cc->direct && cc->mode == COMPACT_ASYNC;
    uint64_t order_block = 1ull << cc->order;
    uint64_t next_skip = (pfn & ~(order_block - 1)) + order_block;
    cc->nr_migrate = 0;
    cc->nr_pages = 0;
    while (pfn < end) {
        if (skip_on_failure && pfn >= next_skip) {
            if (cc->nr_migrate)
                break; /* a whole order-aligned block isolated: migrate it now */
            next_skip = (pfn & ~(order_block - 1)) + order_block;
        }
        struct phys_block b;
        phys_block_at(sim->phys, pfn, &b);
        uint64_t span = (b.head + (1ull << b.order)) - pfn; /* what is left of the block */
        if (b.free) {
            cc->migrate_scanned += span;
            pfn += span;
            continue;
        }
        cc->migrate_scanned += span;
        if ((b.order == 0 && page_movable(sim, pfn, cc->order)) ||
            (b.order > 0 && b.head == pfn && folio_movable_large(sim, pfn, cc->order))) {
            cc->migrate[cc->nr_migrate++] = pfn;
            cc->nr_pages += span;
            pfn += span;
            if (cc->nr_pages >= COMPACT_CLUSTER_MAX)
                break;
            continue;
        }
        pfn += span;
        if (!skip_on_failure)
            continue;
        /* isolate_fail: the block cannot become free; what it isolated goes back. */
        cc->nr_migrate = 0;
        cc->nr_pages = 0;
        if (pfn < next_skip)
            pfn = next_skip;
        next_skip += order_block;
    }
    cc->migrate_pfn = pfn > end ? end : pfn;
    /* update_cached_migrate: the next attempt resumes past this pageblock once it is done. */
    uint64_t cached = pageblock_start(cc->migrate_pfn - 1) + PAGEBLOCK_PAGES;
    if (cc->migrate_pfn == end && cached > zc->migrate_pfn[0])
        zc->migrate_pfn[0] = cached;
    if (cc->migrate_pfn == end && cc->mode != COMPACT_ASYNC && cached > zc->migrate_pfn[1])
        zc->migrate_pfn[1] = cached;
    sim->events[VML_VMSTAT_compact_isolated] += cc->nr_pages;
}

/* compaction_alloc -> isolate_freepages: the next free 2^order frames (aligned) below the
 * zone's end and above the migrate scanner's pageblock, pageblocks from the top down, pages
 * from each one's start up. False when there are none: for a single page the scanners have
 * then met; for a large folio (compaction_alloc finding no free block of its order after one
 * isolate_freepages round) the search looked at the free scanner's pageblock and the one
 * below only, and the free scanner stays where it was. */
static bool next_free_page(struct compact_control *cc, unsigned order, uint64_t *out)
{
    struct vml_sim *sim = cc->sim;
    uint64_t low = pageblock_start(cc->migrate_pfn) + PAGEBLOCK_PAGES;
    uint64_t block = cc->free_block, next = cc->free_next;
    unsigned blocks = 0;
    while (block >= low && block >= pageblock_start(cc->zone->start) &&
           (order == 0 || blocks++ < 2)) {
        uint64_t end = block + PAGEBLOCK_PAGES;
        if (end > cc->zone->end)
            end = cc->zone->end;
        uint64_t pfn = next < cc->zone->start ? cc->zone->start : next;
        while (pfn < end) {
            struct phys_block b;
            phys_block_at(sim->phys, pfn, &b);
            cc->free_scanned++;
            uint64_t size = 1ull << order, at = (pfn + size - 1) & ~(size - 1);
            if (b.free && b.order >= order && at + size <= b.head + (1ull << b.order)) {
                cc->free_block = block;
                cc->free_next = at + size;
                *out = at;
                return true;
            }
            pfn = b.head + (1ull << b.order);
        }
        if (block < PAGEBLOCK_PAGES)
            break;
        block -= PAGEBLOCK_PAGES;
        next = block;
    }
    if (order == 0)
        cc->free_block = pageblock_start(cc->migrate_pfn); /* met */
    return false;
}

/* Migrates one order-0 page to the next free page: false when there is none. */
static bool migrate_small(struct compact_control *cc, uint64_t old, bool *failed)
{
    struct vml_sim *sim = cc->sim;
    uint64_t target;
    if (!next_free_page(cc, 0, &target))
        return false;
    if (phys_take_free(sim->phys, target, 0, (enum vml_frame_use)sim_frame(sim, old)->use) != 0)
        return false;
    sim->events[VML_VMSTAT_compact_isolated]++;
    sim_charge(sim, COST_MIGRATE_PAGE_NS);
    if (migrate_page(sim, old, target) != 0) {
        vml_phys_free(sim->phys, target, 0);
        sim->events[VML_VMSTAT_pgmigrate_fail]++;
        sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = 1 });
        *failed = true;
    }
    return true;
}

/* migrate_pages over the isolated list; false when the free scanner ran out (-ENOMEM). A large
 * folio with no free block of its order is split (migrate_pages_batch: try_split_folio on
 * -ENOMEM, counted failed once) and its pages migrated one by one. */
static bool migrate_isolated(struct compact_control *cc, bool *failed)
{
    struct vml_sim *sim = cc->sim;
    *failed = false;
    for (unsigned i = 0; i < cc->nr_migrate; i++) {
        uint64_t old = cc->migrate[i], target;
        const struct frame *of = sim_frame(sim, old);
        unsigned order = of->order;
        if (order == 0) {
            if (!migrate_small(cc, old, failed))
                return false;
            continue;
        }
        uint64_t nr = 1ull << order;
        if (!next_free_page(cc, order, &target)) {
            sim->events[VML_VMSTAT_pgmigrate_fail] += nr;
            sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = nr });
            if (of->flags & PGF_MLOCKED) {
                *failed = true; /* not split here: it stays, the block with it */
                continue;
            }
            folio_split(sim, old);
            for (uint64_t k = 0; k < nr; k++) {
                const struct frame *f = sim_frame(sim, old + k);
                if ((f->flags & PGF_HEAD) && f->refcount > 0 && !migrate_small(cc, old + k, failed))
                    return false;
            }
            continue;
        }
        if (phys_take_free(sim->phys, target, order, (enum vml_frame_use)of->use) != 0)
            return false;
        sim->events[VML_VMSTAT_compact_isolated] += nr;
        sim_charge(sim, (uint64_t)COST_MIGRATE_PAGE_NS << order);
        if (migrate_folio_large(sim, old, target) != 0) {
            vml_phys_free(sim->phys, target, order);
            sim->events[VML_VMSTAT_pgmigrate_fail] += nr;
            sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = nr });
            *failed = true;
        }
    }
    return true;
}

/* compact_zone for one zone and order. */
static enum compact_result compact_zone(struct vml_sim *sim, unsigned node, unsigned zid,
                                        unsigned order, enum compact_mode mode, bool direct,
                                        struct compact_totals *tot)
{
    struct zone_compact *zc = zone_state(sim, node, zid);
    const struct phys_zone *z = &sim->phys->nodes[node].zones[zid];
    enum compact_result ret = zone_suitable(sim, node, zid, order);
    if (ret != COMPACT_CONTINUE)
        return ret;
    struct compact_control cc = {
        .sim = sim,
        .zone = z,
        .node = node,
        .zid = zid,
        .order = order,
        .mode = mode,
        .direct = direct,
    };
    cc.migrate_pfn = zc->migrate_pfn[mode != COMPACT_ASYNC];
    cc.free_block = zc->free_pfn;
    if (cc.free_block < z->start || cc.free_block >= z->end)
        cc.free_block = pageblock_start(z->end - 1);
    if (cc.migrate_pfn < z->start || cc.migrate_pfn >= z->end)
        cc.migrate_pfn = z->start;
    cc.free_next = cc.free_block;
    cc.whole_zone = cc.migrate_pfn == z->start && cc.free_block == pageblock_start(z->end - 1);
    while ((ret = compact_finished(&cc, zc)) == COMPACT_CONTINUE) {
        isolate_migratepages(&cc, zc);
        if (!cc.nr_migrate)
            continue;
        bool failed;
        if (!migrate_isolated(&cc, &failed)) {
            if (!scanners_met(&cc)) {
                ret = COMPACT_CONTENDED;
                break;
            }
            continue;
        }
        /* A page of the order-aligned block stayed: the rest of the block is skipped. */
        if (failed && cc.direct && cc.mode == COMPACT_ASYNC) {
            uint64_t ob = 1ull << order;
            cc.migrate_pfn = ((cc.migrate_pfn - 1) & ~(ob - 1)) + ob;
        }
    }
    /* Where the free scanner restarts next time, unless the scanners met and reset it. */
    if (ret != COMPACT_COMPLETE && ret != COMPACT_PARTIAL_SKIPPED)
        zc->free_pfn = cc.free_block;
    tot->migrate_scanned += cc.migrate_scanned;
    tot->free_scanned += cc.free_scanned;
    sim_charge(sim, (cc.migrate_scanned + cc.free_scanned) * COST_COMPACT_SCAN_NS);
    return ret;
}

enum compact_result try_to_compact_pages(struct vml_sim *sim, unsigned node, unsigned order,
                                         enum compact_mode mode, bool direct,
                                         struct compact_totals *tot)
{
    /* The zonelist of the preferred node, then the others by distance, highest zone first
     * (the order page_alloc.c tries them). */
    enum compact_result rc = COMPACT_SKIPPED;
    unsigned n = vml_phys_nr_nodes(sim->phys);
    bool tried[VML_MAX_NODES] = { false };
    for (unsigned k = 0; k < n; k++) {
        unsigned nid = n;
        for (unsigned c = 0; c < n; c++)
            if (!tried[c] && (nid == n || vml_phys_distance(sim->phys, node, c) <
                                              vml_phys_distance(sim->phys, node, nid)))
                nid = c;
        tried[nid] = true;
        for (int zid = VML_NR_ZONES - 1; zid >= 0; zid--) {
            const struct phys_zone *z = &sim->phys->nodes[nid].zones[zid];
            if (z->start == z->end)
                continue;
            struct zone_compact *zc = zone_state(sim, nid, (unsigned)zid);
            if (mode == COMPACT_ASYNC && compaction_deferred(zc, order)) {
                if (rc < COMPACT_DEFERRED)
                    rc = COMPACT_DEFERRED;
                continue;
            }
            enum compact_result st =
                compact_zone(sim, nid, (unsigned)zid, order, mode, direct, tot);
            if (st > rc)
                rc = st;
            if (st == COMPACT_SUCCESS) {
                compaction_defer_reset(zc, order, false);
                tot->node = nid;
                tot->zone = (unsigned)zid;
                return rc;
            }
            if (mode != COMPACT_ASYNC && (st == COMPACT_COMPLETE || st == COMPACT_PARTIAL_SKIPPED))
                defer_compaction(zc, order);
        }
    }
    return rc;
}

void compaction_alloc_succeeded(struct vml_sim *sim, uint64_t pfn, unsigned order)
{
    const struct frame *f = sim_frame(sim, pfn);
    compaction_defer_reset(zone_state(sim, f->node, f->zone), order, true);
}

bool kcompactd_node_suitable(struct vml_sim *sim, unsigned node, unsigned order)
{
    /* compaction_suit_allocation_order at the min watermark, per zone (every zone is eligible
     * for the user pages that wake it: kcompactd_highest_zoneidx is the top one). */
    for (unsigned zid = 0; zid < VML_NR_ZONES; zid++) {
        const struct phys_zone *z = &sim->phys->nodes[node].zones[zid];
        if (z->start != z->end && zone_suitable(sim, node, zid, order) == COMPACT_CONTINUE)
            return true;
    }
    return false;
}

void kcompactd_compact_node(struct vml_sim *sim, unsigned node, unsigned order,
                            struct compact_totals *tot)
{
    /* kcompactd_do_work: zones from the lowest up, each compacted on its own (a success in one
     * does not end the loop); MIGRATE_SYNC_LIGHT, not direct, so no skip_on_failure; deferred
     * like synchronous direct compaction. */
    for (unsigned zid = 0; zid < VML_NR_ZONES; zid++) {
        const struct phys_zone *z = &sim->phys->nodes[node].zones[zid];
        if (z->start == z->end)
            continue;
        struct zone_compact *zc = zone_state(sim, node, zid);
        if (compaction_deferred(zc, order))
            continue;
        if (zone_suitable(sim, node, zid, order) != COMPACT_CONTINUE)
            continue;
        enum compact_result st =
            compact_zone(sim, node, zid, order, COMPACT_SYNC_LIGHT, false, tot);
        if (st == COMPACT_SUCCESS)
            compaction_defer_reset(zc, order, false);
        else if (st == COMPACT_COMPLETE || st == COMPACT_PARTIAL_SKIPPED)
            defer_compaction(zc, order);
    }
}
