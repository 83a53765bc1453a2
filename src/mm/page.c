/* mm/page.c: pages as the simulated kernel sees them: allocation with node fallback, LRU
 * membership, rmap counts (mapcount, refcount) and the node counters they drive.
 *
 * Folios are single pages except anonymous THPs (order 9): their head frame carries the folio's
 * flags, refcount and LRU membership, a struct large_folio its mapcounts, and each subpage's
 * frame its own PTE mapcount (folio_head finds the head of any subpage).
 *
 * Departures from Linux, on purpose: pages enter the inactive list and are never aged (there is no
 * reclaim yet), so Active(anon)/Active(file) stay 0; per-CPU LRU batches do not exist.
 */
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

/* NUMA counters of an allocation, page tables included (pgalloc_* and pgfree are counted by
 * phys, for every frame). mm/vmstat.c zone_statistics, once per allocation whatever its order
 * (rmqueue passes 1): hit or miss in the zone the frame came from, against the preferred zone
 * (the first of the zonelist the nodemask allows); foreign in the preferred zone on a miss;
 * local or other against the allocating CPU's node. interleave_hit when an interleave policy
 * got the node it chose (alloc_pages_mpol). */
static void count_alloc(struct vml_sim *sim, const struct frame *f, unsigned preferred,
                        const struct alloc_req *rq)
{
    uint64_t *z = sim->zone_numa[f->node][f->zone];
    if (f->node == preferred) {
        sim->events[VML_VMSTAT_numa_hit]++;
        z[0]++;
    } else {
        sim->events[VML_VMSTAT_numa_miss]++;
        sim->events[VML_VMSTAT_numa_foreign]++;
        z[1]++;
        /* The preferred zone: the highest populated one of the preferred node. */
        unsigned pz = VML_NR_ZONES - 1;
        while (pz > 0 && sim->phys->nodes[preferred].zones[pz].end ==
                             sim->phys->nodes[preferred].zones[pz].start)
            pz--;
        sim->zone_numa[preferred][pz][2]++;
    }
    bool local = f->node == rq->local;
    sim->events[local ? VML_VMSTAT_numa_local : VML_VMSTAT_numa_other]++;
    z[local ? 4 : 5]++;
    if (rq->interleave && f->node == rq->nid) {
        sim->events[VML_VMSTAT_numa_interleave]++;
        z[3]++;
    }
}

/* What zone z of node keeps back from a user allocation at watermark mark (0 min, 1 low): the
 * mark and its lowmem reserve against ZONE_MOVABLE (gfp_zone(GFP_HIGHUSER_MOVABLE)). */
static uint64_t zone_keep(const struct vml_sim *sim, unsigned node, unsigned z, unsigned mark)
{
    const struct wmark_zone *wz = &wmark_state(sim)->z[node][z];
    return (mark ? wz->low : wz->min) + wz->lowmem_reserve[WZ_MOVABLE];
}

/* The zones of node that can give a block of pages pages and stay above what they keep
 * (__zone_watermark_ok: free - pages + 1 > mark + lowmem_reserve), as a mask of 1u << zone. */
static unsigned zones_with_room(const struct vml_sim *sim, unsigned node, uint64_t pages,
                                unsigned mark)
{
    const struct phys_node *pn = &sim->phys->nodes[node];
    unsigned m = 0;
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        if (pn->zones[z].free_pages >= zone_keep(sim, node, z, mark) + pages)
            m |= 1u << z;
    return m;
}

bool node_has_room(const struct vml_sim *sim, unsigned node, uint64_t pages, unsigned mark)
{
    const struct phys_node *pn = &sim->phys->nodes[node];
    uint64_t usable = 0;
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        uint64_t keep = zone_keep(sim, node, z, mark);
        if (pn->zones[z].free_pages > keep)
            usable += pn->zones[z].free_pages - keep;
    }
    return usable >= pages;
}

/* Allocates one block on a node of rq->nid's zonelist (build_zonelists: by distance) that the
 * nodemask allows (get_page_from_freelist), or on rq->nid only with __GFP_THISNODE. On a machine
 * of several nodes the walk is the kernel's: the first node above its low watermark
 * (ALLOC_WMARK_LOW, the fast path), else, with every kswapd of the zonelist woken
 * (wake_all_kswapds), the first above its min (ALLOC_WMARK_MIN, the slow path). Below every
 * min the kernel reclaims, which the simulation did at the reclaim point before the allocation
 * (docs/reclaim.md), so the walk then takes the first node with a free block; except with
 * __GFP_THISNODE, or for a migration's new page (no reclaim point before it), where the
 * kernel's allocation fails. One node is served by that last walk
 * alone: its reclaim point keeps it above min, and the node is the same either way. Page-table
 * frames get their content too (phys_alloc_table) when content is true. */
static int alloc_frame_nodes(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                             enum vml_frame_use use, bool content, uint64_t *pfn)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    const unsigned *zl = sim->zonelist[rq->nid];
    unsigned preferred = rq->nid;
    if (!rq->thisnode && rq->mask) {
        unsigned k = 0;
        while (k < n && !(rq->mask & (1u << zl[k])))
            k++;
        if (k == n)
            return VML_ENOMEM;
        preferred = zl[k];
    }
    /* pass 0: above low, 1: above min, 2: any free block (one node: that pass alone). */
    for (unsigned pass = n > 1 ? 0 : 2; pass < 3; pass++) {
        if (pass == 2 && n > 1 && (rq->thisnode || rq->no_point))
            break;
        for (unsigned k = 0; k < (rq->thisnode ? 1 : n); k++) {
            unsigned node = rq->thisnode ? rq->nid : zl[k];
            if (rq->mask && !rq->thisnode && !(rq->mask & (1u << node)))
                continue;
            unsigned zones =
                pass < 2 ? zones_with_room(sim, node, 1ull << order, 1 - pass) : PHYS_ALL_ZONES;
            if (!zones)
                continue;
            int r = content ? phys_alloc_table_zones(sim->phys, node, zones, pfn)
                            : phys_alloc_zones(sim->phys, node, order, use, zones, pfn);
            if (r == 0) {
                count_alloc(sim, sim_frame(sim, *pfn), preferred, rq);
                return 0;
            }
            if (r != VML_ENOMEM)
                return r; /* the host is out of memory: no node would do better */
        }
        for (unsigned k = 0; pass == 0 && k < (rq->thisnode ? 1 : n); k++) {
            unsigned node = rq->thisnode ? rq->nid : zl[k];
            if (!rq->mask || rq->thisnode || (rq->mask & (1u << node)))
                wakeup_kswapd(sim, node, order, false);
        }
    }
    return VML_ENOMEM;
}

static int alloc_frame_order_once(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                                  enum vml_frame_use use, uint64_t *pfn)
{
    return alloc_frame_nodes(sim, rq, order, use, use == VML_USE_PGTABLE, pfn);
}

/* __alloc_pages_direct_compact: compaction, then the allocation it made room for. Counts
 * compact_stall and its outcome unless every zone was skipped; the time goes to the fault. */
static enum compact_result direct_compact(struct vml_sim *sim, const struct alloc_req *rq,
                                          unsigned order, enum vml_frame_use use, uint64_t *pfn,
                                          int *r)
{
    struct compact_totals tot = { 0 };
    uint64_t before = sim->work_ns;
    enum compact_result res = try_to_compact_pages(sim, rq->nid, order, COMPACT_ASYNC, true, &tot);
    sim->events[VML_VMSTAT_compact_migrate_scanned] += tot.migrate_scanned;
    sim->events[VML_VMSTAT_compact_free_scanned] += tot.free_scanned;
    sim->compact_ns += sim->work_ns - before;
    *r = VML_ENOMEM;
    if (res == COMPACT_SKIPPED)
        return res;
    sim->compacted = true;
    sim->events[VML_VMSTAT_compact_stall]++;
    *r = alloc_frame_order_once(sim, rq, order, use, pfn);
    if (*r == 0) {
        compaction_alloc_succeeded(sim, *pfn, order);
        sim->events[VML_VMSTAT_compact_success]++;
    } else if (*r == VML_ENOMEM) {
        sim->events[VML_VMSTAT_compact_fail]++;
    }
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_COMPACT,
                                        .pid = sim->current,
                                        .n = 1,
                                        .n2 = *r == 0,
                                        .n3 = order,
                                        .node = rq->nid });
    return res;
}

/* The allocator's slow path (__alloc_pages_slowpath), as far as the simulation has one. With
 * __GFP_DIRECT_RECLAIM, a request that finds no free block compacts (orders above 0,
 * asynchronously: INIT_COMPACT_PRIORITY), then reclaims (the deferred-split shrinker is the
 * only reclaimable memory until reclaim exists: shrink_slab) and tries again, then compacts
 * once more; a costly order stops there (it is not __GFP_RETRY_MAYFAIL), and a
 * __GFP_NORETRY one already after the first compaction if that was skipped or deferred.
 * Without it, the request fails at once, having woken kswapd if __GFP_KSWAPD_RECLAIM. */
static int alloc_frame_order_rq(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                                enum vml_frame_use use, unsigned gfp, uint64_t *pfn)
{
    int r = alloc_frame_order_once(sim, rq, order, use, pfn);
    if (r != VML_ENOMEM)
        return r;
    /* wake_all_kswapds (ALLOC_KSWAPD): the preferred node's kswapd, for the order; the retry
     * that follows finds nothing more. */
    if (gfp & GFP_KSWAPD_RECLAIM)
        wakeup_kswapd(sim, rq->nid, order, gfp & GFP_DIRECT_RECLAIM);
    if (!(gfp & GFP_DIRECT_RECLAIM))
        return r;
    if (order > 0) {
        enum compact_result res = direct_compact(sim, rq, order, use, pfn, &r);
        if (r != VML_ENOMEM)
            return r;
        if (order > 3 && (gfp & GFP_NORETRY) && (res == COMPACT_SKIPPED || res == COMPACT_DEFERRED))
            return r;
    }
    if (deferred_split_shrink(sim) &&
        (r = alloc_frame_order_once(sim, rq, order, use, pfn)) != VML_ENOMEM)
        return r;
    if (order > 0)
        direct_compact(sim, rq, order, use, pfn, &r);
    return r;
}

/* alloc_pages_mpol: the policy's request (mpol_request), with preferred-many's two tries
 * (alloc_pages_preferred_many: the nodemask without direct reclaim, then any node) and a
 * PMD-sized folio's local try first (__GFP_THISNODE | __GFP_NORETRY; then the whole zonelist
 * only if the request may reclaim directly). ilx: shmem's interleave index, else ignored. */
static int alloc_frame_order_ilx(struct vml_sim *sim, unsigned node, unsigned order,
                                 enum vml_frame_use use, unsigned gfp, uint64_t ilx, uint64_t *pfn)
{
    struct alloc_req rq;
    mpol_request(sim, node, use, order, ilx, &rq);
    if (rq.many) {
        int r = alloc_frame_order_rq(sim, &rq, order, use, gfp & ~GFP_DIRECT_RECLAIM, pfn);
        if (r != VML_ENOMEM)
            return r;
        rq.mask = 0;
        rq.many = false;
        return alloc_frame_order_rq(sim, &rq, order, use, gfp, pfn);
    }
    if (rq.thp_local) {
        struct alloc_req local = rq;
        local.thisnode = true;
        int r = alloc_frame_order_rq(sim, &local, order, use, gfp | GFP_NORETRY, pfn);
        if (r != VML_ENOMEM || !(gfp & GFP_DIRECT_RECLAIM))
            return r;
    }
    return alloc_frame_order_rq(sim, &rq, order, use, gfp, pfn);
}

static int alloc_frame_order(struct vml_sim *sim, unsigned node, unsigned order,
                             enum vml_frame_use use, unsigned gfp, uint64_t *pfn)
{
    return alloc_frame_order_ilx(sim, node, order, use, gfp, MPOL_NO_ILX, pfn);
}

static int alloc_frame(struct vml_sim *sim, unsigned node, enum vml_frame_use use, uint64_t *pfn)
{
    return alloc_frame_order(sim, node, 0, use, GFP_DIRECT_RECLAIM, pfn);
}

int page_alloc_migrate(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                       enum vml_frame_use use, uint64_t *pfn)
{
    /* alloc_migration_target: GFP_HIGHUSER_MOVABLE (direct reclaim, kswapd), counted by
     * zone_statistics as any allocation; the folio's memcg charge moves, no new one is made. */
    struct alloc_req r = *rq;
    r.no_point = true;
    return alloc_frame_order_rq(sim, &r, order, use, GFP_DIRECT_RECLAIM | GFP_KSWAPD_RECLAIM, pfn);
}

int page_alloc_demote(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                      enum vml_frame_use use, uint64_t *pfn)
{
    /* alloc_demote_folio: GFP_HIGHUSER_MOVABLE without __GFP_RECLAIM, plus GFP_NOWAIT (kswapd
     * may be woken, nothing reclaims or compacts here). */
    struct alloc_req r = *rq;
    r.no_point = true;
    return alloc_frame_order_rq(sim, &r, order, use, GFP_KSWAPD_RECLAIM, pfn);
}

int page_alloc_misplaced(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                         enum vml_frame_use use, uint64_t *pfn)
{
    /* alloc_misplaced_dst_folio: __GFP_THISNODE, and no __GFP_RECLAIM at either order (an
     * order-0 page drops it from GFP_HIGHUSER_MOVABLE; GFP_TRANSHUGE_LIGHT for a THP has none):
     * no reclaim, no compaction, no kswapd. */
    struct alloc_req r = *rq;
    r.no_point = true;
    return alloc_frame_order_rq(sim, &r, order, use, GFP_TRANSHUGE_LIGHT, pfn);
}

int page_alloc_slab(struct vml_sim *sim, unsigned node, unsigned order, uint64_t *pfn)
{
    /* allocate_slab -> alloc_slab_page: GFP_KERNEL, so direct reclaim. Departure: SLUB tries
     * the cache's order without retrying, then its minimum order; here the order only. */
    return alloc_frame_order(sim, node, order, VML_USE_KERNEL, GFP_DIRECT_RECLAIM, pfn);
}

/* A new folio of 2^order frames at pfn gets its charge (mem_cgroup_charge after the
 * allocation); a refused charge frees it again: VML_ENOMEM, as a failed charge is. */
static int charge_new(struct vml_sim *sim, uint64_t pfn, unsigned order)
{
    if (memcg_charge(sim, 1ull << order)) {
        vml_phys_free(sim->phys, pfn, order);
        return VML_ENOMEM;
    }
    memcg_commit(sim, pfn, 1ull << order);
    return 0;
}

int page_alloc_table(struct vml_sim *sim, unsigned node, uint64_t *pfn)
{
    /* pagetable_alloc -> alloc_pages_noprof: GFP_PGTABLE_USER under the task's policy, so the
     * same zonelist fallback as any other page; __GFP_ACCOUNT charges it to the cgroup. */
    int r = alloc_frame(sim, node, VML_USE_PGTABLE, pfn);
    if (r == 0 && memcg_charge_table(sim, *pfn)) {
        vml_phys_free(sim->phys, *pfn, 0);
        return VML_ENOMEM;
    }
    return r;
}

/* A PTE table deposited beside a THP (pgtable_trans_huge_deposit): a page-table page like any
 * other, but its 4 KiB of content are zero until a split fills them, so the simulation gives
 * it content only then (split_huge_pmd): a THP fault costs the host no page of its own for
 * a table that most THPs never use. */
int page_alloc_deposit(struct vml_sim *sim, unsigned node, uint64_t *pfn)
{
    struct alloc_req rq;
    mpol_request(sim, node, VML_USE_PGTABLE, 0, MPOL_NO_ILX, &rq);
    int r = alloc_frame_nodes(sim, &rq, 0, VML_USE_PGTABLE, false, pfn);
    if (r == 0 && memcg_charge_table(sim, *pfn)) {
        vml_phys_free(sim->phys, *pfn, 0);
        return VML_ENOMEM;
    }
    return r;
}

uint64_t folio_head_of_tail(const struct vml_sim *sim, uint64_t pfn)
{
    /* A tail: large folios are naturally aligned blocks of order 2..9, so the head is the first
     * aligned frame above which a block of that order covers pfn. */
    for (unsigned k = 1; k <= VML_THP_PMD_ORDER; k++) {
        uint64_t h = pfn & ~((1ull << k) - 1);
        const struct frame *hf = sim_frame(sim, h);
        if ((hf->flags & PGF_HEAD) && hf->order >= k)
            return h;
    }
    return pfn;
}

int folio_mapcount(const struct vml_sim *sim, const struct frame *head)
{
    const struct large_folio *lf = folio_large(sim, head);
    return lf ? lf->large_mapcount : head->mapcount;
}

int page_alloc_thp(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                   unsigned gfp, uint64_t *pfn)
{
    return page_alloc_large(sim, node, VML_THP_PMD_ORDER, lineage, index, gfp, pfn);
}

int page_alloc_large(struct vml_sim *sim, unsigned node, unsigned order, uint64_t lineage,
                     uint64_t index, unsigned gfp, uint64_t *pfn)
{
    /* The frames first: their slow path may split queued folios and free their slots. */
    int r = alloc_frame_order(sim, node, order, VML_USE_ANON, gfp, pfn);
    if (r)
        return r;
    if ((r = charge_new(sim, *pfn, order)) != 0)
        return r;
    uint32_t slot;
    if (sim->free_folio) {
        slot = sim->free_folio - 1;
        sim->free_folio = sim->folios[slot].next_free;
    } else {
        if (sim->nr_folios == sim->cap_folios) {
            uint32_t cap = sim->cap_folios ? sim->cap_folios * 2 : 64;
            struct large_folio *n = realloc(sim->folios, cap * sizeof(*n));
            if (!n) {
                memcg_uncharge(sim, sim_frame(sim, *pfn), 1ull << order);
                vml_phys_free(sim->phys, *pfn, order);
                return VML_EHOST;
            }
            sim->folios = n;
            sim->cap_folios = cap;
        }
        slot = sim->nr_folios++;
    }
    memset(&sim->folios[slot], 0, sizeof(sim->folios[slot]));
    sim->folios[slot].head = *pfn + 1;
    struct frame *f = sim_frame(sim, *pfn);
    f->flags |= PGF_ANON | PGF_EXCLUSIVE | PGF_LARGE;
    f->aux2 = slot + 1;
    f->refcount = 1;
    f->mapcount = 0;
    f->mapping = lineage;
    f->index = index;
    lru_add(sim, *pfn);
    sim->thp_nr_anon[order]++;
    return 0;
}

/* The address space's slot in a large folio's mm tracking (folio_add_large_mapcount with
 * CONFIG_MM_ID): two ids with their counts; a third mapper marks it maybe shared. */
static void large_mm_add(struct large_folio *lf, const struct sim_mm *mm, int n)
{
    for (int i = 0; i < 2; i++) {
        if (lf->mm_mapcount[i] && lf->mm_id[i] == mm->ctx_id) {
            lf->mm_mapcount[i] += n;
            return;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (!lf->mm_mapcount[i]) {
            lf->mm_id[i] = mm->ctx_id;
            lf->mm_mapcount[i] = n;
            if (lf->mm_mapcount[1 - i])
                lf->maybe_shared = true;
            return;
        }
    }
    lf->maybe_shared = true;
}

static void large_mm_sub(struct large_folio *lf, const struct sim_mm *mm, int n)
{
    /* folio_sub_large_mapcount (the caller has lowered large_mapcount): only when this mm's
     * slot becomes free is the folio exclusive again, and only if one slot holds every
     * mapping; a third mm's mappings, in no slot, keep it maybe shared. */
    for (int i = 0; i < 2; i++) {
        if (lf->mm_mapcount[i] && lf->mm_id[i] == mm->ctx_id) {
            lf->mm_mapcount[i] -= n;
            if (!lf->mm_mapcount[i] && (lf->mm_mapcount[0] == lf->large_mapcount ||
                                        lf->mm_mapcount[1] == lf->large_mapcount))
                lf->maybe_shared = false;
            return;
        }
    }
}

bool folio_mapped_by_one_mm(const struct vml_sim *sim, const struct frame *head,
                            const struct sim_mm *mm)
{
    const struct large_folio *lf = folio_large(sim, head);
    if (!lf)
        return head->mapcount <= 1;
    if (lf->maybe_shared)
        return false;
    for (int i = 0; i < 2; i++)
        if (lf->mm_mapcount[i] && lf->mm_id[i] == mm->ctx_id)
            return lf->mm_mapcount[i] == lf->large_mapcount;
    return false;
}

void page_add_pmd_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t head)
{
    /* __folio_add_rmap, RMAP_LEVEL_PMD: the first entire mapping maps every subpage not yet
     * mapped by a PTE (NR_ANON_MAPPED) and makes the folio PMD-mapped (NR_ANON_THPS). */
    struct frame *f = sim_frame(sim, head);
    struct large_folio *lf = folio_large(sim, f);
    if (lf->entire_mapcount++ == 0) {
        sim->node[f->node].anon_mapped += (1ull << f->order) - lf->nr_mapped;
        sim->nr_anon_thps++;
    }
    lf->large_mapcount++;
    large_mm_add(lf, mm, 1);
    f->refcount++;
}

void page_remove_pmd_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t head)
{
    struct frame *f = sim_frame(sim, head);
    struct large_folio *lf = folio_large(sim, f);
    lf->large_mapcount--;
    large_mm_sub(lf, mm, 1);
    if (--lf->entire_mapcount == 0) {
        /* __folio_remove_rmap, RMAP_LEVEL_PMD: subpages mapped by no PTE are unmapped now
         * (nr); the folio is partially mapped, queued for deferred split, only when some are
         * (nr > 0) and some stay mapped (nr < nr_pmdmapped). A PMD split maps all 512 by PTEs
         * first, so it unmaps none and queues nothing (mprotect of 4 KiB inside a THP). */
        uint64_t unmapped = (1ull << f->order) - lf->nr_mapped;
        sim->node[f->node].anon_mapped -= unmapped;
        sim->nr_anon_thps--;
        if (unmapped && lf->nr_mapped)
            folio_deferred_split(sim, f);
    }
    page_put(sim, head);
}

/* split_folio_to_list for a folio no PMD maps: each page becomes a folio of its own that its
 * PTEs keep (refcount = its mapcount), on the folio's LRU list; the pages no PTE maps are
 * freed. Returns those. */
uint64_t folio_split(struct vml_sim *sim, uint64_t head)
{
    return folio_split_counted(sim, head, true);
}

uint64_t folio_split_counted(struct vml_sim *sim, uint64_t head, bool count)
{
    struct frame *h = sim_frame(sim, head);
    struct large_folio *lf = folio_large(sim, h);
    unsigned order = h->order;
    uint32_t keep = h->flags & (PGF_ACTIVE | PGF_REFERENCED);
    uint64_t lineage = h->mapping, index = h->index;
    uint16_t memcg = h->memcg; /* split_page_memcg: every page keeps the folio's cgroup */
    lru_del(sim, head);
    if (lf->partially_mapped)
        sim->thp_nr_partially[order]--;
    sim->thp_nr_anon[order]--;
    if (count && order == VML_THP_PMD_ORDER)
        sim->events[VML_VMSTAT_thp_split_page]++; /* folio_test_pmd_mappable only */
    if (count)
        sim->thp_stats[order][VML_THP_STAT_split]++;
    lf->next_free = sim->free_folio;
    lf->head = 0;
    sim->free_folio = h->aux2;
    vml_phys_split(sim->phys, head, order);
    uint64_t freed = 0;
    for (uint64_t i = 0; i < (1ull << order); i++) {
        struct frame *f = sim_frame(sim, head + i);
        f->flags = (f->flags & PGF_HW_MASK) | PGF_ANON | keep;
        f->aux2 = 0;
        f->mapping = lineage;
        f->index = index + i;
        f->refcount = f->mapcount;
        f->memcg = memcg;
        if (f->mapcount) {
            lru_add(sim, head + i);
            continue;
        }
        memcg_uncharge(sim, f, 1);
        f->flags &= PGF_HW_MASK;
        f->mapping = 0;
        f->index = 0;
        vml_phys_free(sim->phys, head + i, 0);
        freed++;
    }
    return freed;
}

uint64_t deferred_split_shrink(struct vml_sim *sim)
{
    /* deferred_split_scan: the queue is the partially mapped folios; one that a PMD still maps
     * somewhere (a fork sibling's) or that is mlocked is left queued here, where Linux would
     * unmap and split it too. */
    uint64_t freed = 0;
    for (uint32_t i = 0; i < sim->nr_folios; i++) {
        struct large_folio *lf = &sim->folios[i];
        if (!lf->head || !lf->partially_mapped || lf->entire_mapcount)
            continue;
        const struct frame *h = sim_frame(sim, lf->head - 1);
        if (h->flags & PGF_MLOCKED)
            continue;
        freed += folio_split(sim, lf->head - 1);
    }
    return freed;
}

void folio_deferred_split(struct vml_sim *sim, struct frame *head)
{
    /* deferred_split_folio: queued once, counted once (thp_deferred_split_page, split_deferred,
     * nr_anon_partially_mapped). */
    struct large_folio *lf = folio_large(sim, head);
    if (lf->partially_mapped)
        return;
    lf->partially_mapped = true;
    if (head->order == VML_THP_PMD_ORDER)
        sim->events[VML_VMSTAT_thp_deferred_split_page]++; /* folio_test_pmd_mappable only */
    sim->thp_stats[head->order][VML_THP_STAT_split_deferred]++;
    sim->thp_nr_partially[head->order]++;
}

int page_alloc_anon(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                    uint64_t *pfn)
{
    int r = alloc_frame(sim, node, VML_USE_ANON, pfn);
    if (r || (r = charge_new(sim, *pfn, 0)) != 0)
        return r;
    struct frame *f = sim_frame(sim, *pfn);
    f->flags |= PGF_ANON | PGF_EXCLUSIVE;
    f->refcount = 1;
    f->mapcount = 0;
    f->mapping = lineage;
    f->index = index;
    /* New anonymous folios start on the inactive list (mm/swap.c: lru_add). */
    lru_add(sim, *pfn);
    return 0;
}

/* A page-cache page's state once its frame is allocated and charged. */
static void cache_page_init(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t pfn)
{
    struct frame *fr = sim_frame(sim, pfn);
    fr->flags |= PGF_CACHE | (f->shmem ? PGF_SHMEMPG : 0);
    fr->refcount = 1; /* the page cache's reference */
    fr->mapcount = 0;
    fr->aux2 = 0; /* the folio's PMD mappings, on its first page (huge_memory.c) */
    fr->mapping = f->ino;
    fr->index = index;
    struct node_stats *ns = &sim->node[fr->node];
    ns->file_pages++;
    if (f->shmem)
        ns->shmem++;
    lru_add(sim, pfn);
}

int page_alloc_cache(struct vml_sim *sim, unsigned node, struct sim_file *f, uint64_t index,
                     uint64_t *pfn)
{
    /* shmem_alloc_folio: shmem interleaves by inode number plus index (shmem_get_pgoff_policy);
     * the page cache's folios are alloc_pages' (no interleave index). */
    int r = alloc_frame_order_ilx(sim, node, 0, f->shmem ? VML_USE_SHMEM : VML_USE_FILE,
                                  GFP_DIRECT_RECLAIM, f->shmem ? f->ino + index : MPOL_NO_ILX, pfn);
    if (r || (r = charge_new(sim, *pfn, 0)) != 0)
        return r;
    cache_page_init(sim, f, index, *pfn);
    return 0;
}

int page_alloc_cache_block(struct vml_sim *sim, unsigned node, struct sim_file *f, uint64_t index,
                           unsigned order, uint64_t *pfn)
{
    /* filemap_alloc_folio of a large folio: one naturally aligned block from the buddy
     * allocator, asked for with __GFP_NORETRY (readahead_gfp_mask, and __filemap_get_folio
     * for any order above the mapping's minimum): direct compaction once, no retries. */
    int r = alloc_frame_order(sim, node, order, VML_USE_FILE,
                              GFP_DIRECT_RECLAIM | GFP_NORETRY | GFP_KSWAPD_RECLAIM, pfn);
    if (r)
        return r;
    /* The folio's pages stay frames of their own (pagecache.c), physically one block: the
     * block becomes 2^order order-0 allocations, each charged, listed and freed alone. */
    vml_phys_split(sim->phys, *pfn, order);
    uint64_t nr = 1ull << order;
    for (uint64_t i = 0; i < nr; i++) {
        if ((r = charge_new(sim, *pfn + i, 0)) != 0) {
            for (uint64_t k = 0; k < i; k++)
                page_put(sim, *pfn + k);
            for (uint64_t k = i + 1; k < nr; k++)
                vml_phys_free(sim->phys, *pfn + k, 0);
            return r;
        }
        cache_page_init(sim, f, index + i, *pfn + i);
    }
    return 0;
}

void page_add_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    struct frame *h = sim_frame(sim, folio_head(sim, pfn));
    struct large_folio *lf = folio_large(sim, h);
    if (lf) {
        /* RMAP_LEVEL_PTE on a large folio: a subpage's first PTE maps it unless a PMD does. */
        if (f->mapcount++ == 0) {
            lf->nr_mapped++;
            if (!lf->entire_mapcount)
                sim->node[h->node].anon_mapped++;
        }
        lf->large_mapcount++;
        large_mm_add(lf, mm, 1);
        h->refcount++;
        return;
    }
    if (f->mapcount++ == 0) {
        struct node_stats *ns = &sim->node[f->node];
        if (f->flags & PGF_ANON)
            ns->anon_mapped++;
        else
            ns->file_mapped++;
    }
    f->refcount++;
}

void page_remove_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    uint64_t head = folio_head(sim, pfn);
    struct frame *h = sim_frame(sim, head);
    struct large_folio *lf = folio_large(sim, h);
    if (lf) {
        lf->large_mapcount--;
        large_mm_sub(lf, mm, 1);
        if (--f->mapcount == 0) {
            lf->nr_mapped--;
            if (!lf->entire_mapcount) {
                sim->node[h->node].anon_mapped--;
                /* Still mapped elsewhere: partially mapped (deferred_split_folio). */
                if (lf->nr_mapped)
                    folio_deferred_split(sim, h);
            }
        }
        page_put(sim, head);
        return;
    }
    if (--f->mapcount == 0) {
        struct node_stats *ns = &sim->node[f->node];
        if (f->flags & PGF_ANON)
            ns->anon_mapped--;
        else
            ns->file_mapped--;
    }
    page_put(sim, pfn);
}

static void page_free_single(struct vml_sim *sim, uint64_t pfn, struct frame *f, bool listed);

void page_put_isolated(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (--f->refcount > 0)
        return;
    page_free_single(sim, pfn, f, false);
}

void page_put(struct vml_sim *sim, uint64_t pfn)
{
    pfn = folio_head(sim, pfn);
    struct frame *f = sim_frame(sim, pfn);
    if (--f->refcount > 0)
        return;
    if (sim->numab_cpupids)
        numab_page_freed(sim, pfn); /* page_cpupid_reset_last */
    struct large_folio *lf = folio_large(sim, f);
    if (lf) {
        /* The whole folio goes back (free_unref_folios): off the deferred list first. */
        unsigned order = f->order;
        if (lf->partially_mapped)
            sim->thp_nr_partially[order]--;
        sim->thp_nr_anon[order]--;
        lf->next_free = sim->free_folio;
        lf->head = 0;
        sim->free_folio = f->aux2;
        lru_del(sim, pfn);
        memcg_uncharge(sim, f, 1ull << order);
        f->flags &= PGF_HW_MASK;
        f->aux2 = 0;
        f->aux = 0;
        f->mapping = 0;
        f->index = 0;
        f->mapcount = 0;
        vml_phys_free(sim->phys, pfn, order);
        return;
    }
    page_free_single(sim, pfn, f, true);
}

/* The last reference to a single page went: off its list (if listed), uncharged, freed. */
static void page_free_single(struct vml_sim *sim, uint64_t pfn, struct frame *f, bool listed)
{
    struct node_stats *ns = &sim->node[f->node];
    if (listed)
        lru_del(sim, pfn);
    memcg_uncharge(sim, f, 1);
    if (f->flags & PGF_CACHE) {
        ns->file_pages--;
        if (f->flags & PGF_SHMEMPG)
            ns->shmem--;
    }
    if ((f->flags & PGF_DIRTY) && (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG))
        ns->dirty--;
    if (f->flags & PGF_WRITEBACK)
        ns->writeback--;
    f->flags &= PGF_HW_MASK; /* hw/phys keeps its own bits (PGF_HEAD) */
    f->mapping = 0;
    f->index = 0;
    f->mapcount = 0;
    vml_phys_free(sim->phys, pfn, 0);
}

void page_mark_accessed(struct vml_sim *sim, uint64_t pfn)
{
    pfn = folio_head(sim, pfn);
    struct frame *f = sim_frame(sim, pfn);
    if (!(f->flags & PGF_REFERENCED)) {
        f->flags |= PGF_REFERENCED;
        return;
    }
    if (f->flags & PGF_ACTIVE)
        return;
    /* Second access: to the active list (not the unevictable one), referenced cleared. */
    if (!(f->flags & PGF_MLOCKED)) {
        lru_del(sim, pfn);
        f->flags |= PGF_ACTIVE;
        lru_add(sim, pfn);
        sim->events[VML_VMSTAT_pgactivate]++;
        memcg_count(sim, f->memcg, MEV_PGACTIVATE, 1);
    }
    f->flags &= ~PGF_REFERENCED;
    /* workingset_activation: the inactive list aged by the folio. */
    workingset_age_nonresident(sim, f->node, folio_nr_pages(f));
}

void page_set_dirty(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, folio_head(sim, pfn));
    if (f->flags & PGF_DIRTY)
        return;
    f->flags |= PGF_DIRTY;
    /* Only file pages count as Dirty (folio_account_dirtied); shmem and anon never do. */
    if ((f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG)) {
        sim->node[f->node].dirty++;
        sim->events[VML_VMSTAT_nr_dirtied]++;
    }
}

/* mm/mlock.c: a page is on the unevictable list while at least one VM_LOCKED mapping maps it;
 * frame->aux counts them (mlock_count), as folio->mlock_count does. */
void page_mlock(struct vml_sim *sim, uint64_t pfn)
{
    /* mlock_folio: the whole folio, counted in pages (folio_nr_pages). */
    pfn = folio_head(sim, pfn);
    struct frame *f = sim_frame(sim, pfn);
    if (f->aux++ > 0)
        return;
    uint64_t n = folio_nr_pages(f);
    lru_del(sim, pfn);
    f->flags |= PGF_MLOCKED;
    lru_add(sim, pfn);
    sim->node[f->node].mlock += n;
    sim->events[VML_VMSTAT_unevictable_pgs_mlocked] += n;
    sim->events[VML_VMSTAT_unevictable_pgs_culled] += n;
}

void page_munlock(struct vml_sim *sim, uint64_t pfn)
{
    pfn = folio_head(sim, pfn);
    struct frame *f = sim_frame(sim, pfn);
    if (f->aux == 0 || --f->aux > 0)
        return;
    uint64_t n = folio_nr_pages(f);
    lru_del(sim, pfn);
    f->flags &= ~PGF_MLOCKED;
    lru_add(sim, pfn);
    sim->node[f->node].mlock -= n;
    sim->events[VML_VMSTAT_unevictable_pgs_munlocked] += n;
    sim->events[VML_VMSTAT_unevictable_pgs_rescued] += n;
}
