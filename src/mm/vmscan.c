/* mm/vmscan.c: page reclaim as Linux 6.18 does it without the multi-generation LRU: kswapd and
 * direct reclaim, get_scan_count's balance of anon against file by swappiness,
 * shrink_active_list and shrink_inactive_list, and shrink_folio_list's decision for each folio
 * (activate, keep, reclaim). Swap writes complete on the swap device's clock (mm/blockdev.c);
 * a folio written for reclaim goes to its list's tail when its write ends
 * (folio_rotate_reclaimable) and is freed when reclaim finds it there again.
 *
 * Where the simulation departs (docs/reclaim.md):
 *   - Reclaim runs at reclaim points: the start of each page fault and of each read(2) or
 *     write(2) call, where the allocations the operation is about to make are known. Direct
 *     reclaim happens there when free memory would fall below the min watermark, instead of
 *     inside the allocator; kswapd's batches due by then run there too (kswapd is a thread on
 *     the simulated clock: each batch takes simulated time on its own CPU).
 *   - The watermarks are checked per node (the sum of its zones'), not per zone.
 *   - Isolated folios are processed one at a time from the list's tail, not as a batch of 32.
 *   - A large anonymous folio swapped whole is kept in the swap cache as single pages
 * (swap_out_whole). Dirty file folios are not written by reclaim (only kswapd may, and only after
 * the flusher failed); they are activated and marked for immediate reclaim, as shrink_folio_list
 * does.
 */
#include "mm/blockdev.h"
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

#define SWAP_CLUSTER_MAX      32u
#define MAX_RECLAIM_RETRIES   16u
#define THROTTLE_WRITEBACK_NS 100000000ull /* reclaim_throttle's HZ/10 */
#define DEF_PRIORITY          12
#define MAX_SWAPPINESS        200u
#define DEACTIVATE_ANON       1u
#define DEACTIVATE_FILE       2u

/* What one reclaim pass does (struct scan_control). */
struct scan_control {
    uint64_t nr_to_reclaim, nr_reclaimed, nr_scanned;
    uint64_t nr_pageout; /* pages whose write reclaim started (they come back when it ends) */
    int priority;
    bool kswapd;
    unsigned node;
    unsigned target;        /* target_mem_cgroup: whose limit reclaim works for, 0 = global */
    unsigned memcg;         /* the cgroup whose lists are being shrunk */
    struct lruvec *lruvec;  /* its lists on node */
    bool may_swap;          /* MEMCG_RECLAIM_MAY_SWAP (always, for global reclaim) */
    bool memcg_low_reclaim; /* memory.low no longer protects (a first pass found nothing else) */
    bool memcg_low_skipped; /* some cgroup was skipped for its memory.low */
    unsigned may_deactivate;
    bool cache_trim_mode, file_is_tiny;
    uint64_t anon_cost, file_cost;
};

/* The outcome of shrink_folio_list for a batch (struct reclaim_stat). */
struct reclaim_stat {
    uint64_t nr_reclaimed, nr_activate[2], nr_pageout, nr_dirty, nr_writeback;
    uint64_t nr_taken;          /* pages of the folios taken (a page-cache folio's all) */
    uint64_t nr_unqueued_dirty; /* of them, page-cache pages dirty and not under writeback */
    uint64_t nr_pageout_zero;   /* pageouts of zero-filled pages: freed at once, nothing written */
    uint64_t nr_demoted;        /* pages migrated to a lower tier (they count as reclaimed) */
    bool demote;                /* do_demote_pass: can_demote for the node (memory_tiers.c) */
    bool kswapd;                /* the reclaimer, for pgdemote_kswapd or _direct */
    unsigned node;              /* the node reclaimed */
};

static bool is_file_lru(enum lru_list l)
{
    return l == LRU_INACTIVE_FILE || l == LRU_ACTIVE_FILE;
}

static uint64_t int_sqrt(uint64_t x)
{
    uint64_t r = 0;
    for (uint64_t b = 1ull << 62; b; b >>= 2) {
        if (x >= r + b) {
            x -= r + b;
            r = (r >> 1) + b;
        } else {
            r >>= 1;
        }
    }
    return r;
}

/* vml_phys_usage's free count, summed here: reclaim asks at every fault. */
uint64_t node_free(const struct vml_sim *sim, unsigned node)
{
    uint64_t free = 0;
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        free += sim->phys->nodes[node].zones[z].free_pages;
    return free;
}

void node_watermarks(const struct vml_sim *sim, unsigned node, uint64_t *min, uint64_t *low,
                     uint64_t *high)
{
    /* The populated zones' marks summed, kept by setup_wmarks (watermark.c) */
    const uint64_t *nm = wmark_state(sim)->node_mark[node];
    *min = nm[0];
    *low = nm[1];
    *high = nm[2];
}

/* ---- swap write completion ---------------------------------------------------------------- */

static int swap_wb_push(struct vml_sim *sim, uint64_t pfn, uint64_t done)
{
    /* The queue is swap_wb[0, nr_swap_wb), where swap_writeback_complete left it in its
     * buffer: it moves back to the buffer's start when the ended writes before it are as many
     * as the writes queued, and the buffer grows when it cannot. */
    size_t off = sim->swap_wb_buf ? (size_t)(sim->swap_wb - sim->swap_wb_buf) : 0;
    if (off + sim->nr_swap_wb == sim->cap_swap_wb) {
        if (off > 0 && off >= sim->nr_swap_wb) {
            memmove(sim->swap_wb_buf, sim->swap_wb, sim->nr_swap_wb * sizeof(*sim->swap_wb));
            sim->swap_wb = sim->swap_wb_buf;
        } else {
            size_t cap = sim->cap_swap_wb ? sim->cap_swap_wb * 2 : 64;
            struct swap_wb *n = realloc(sim->swap_wb_buf, cap * sizeof(*n));
            if (!n)
                return VML_EHOST;
            sim->swap_wb_buf = n;
            sim->swap_wb = n + off;
            sim->cap_swap_wb = cap;
        }
    }
    if (sim->nr_swap_wb && done < sim->swap_wb[sim->nr_swap_wb - 1].done)
        sim->swap_wb_unsorted = true;
    sim->swap_wb[sim->nr_swap_wb++] = (struct swap_wb){ pfn, done };
    if (done < sim->swap_wb_soonest)
        sim->swap_wb_soonest = done;
    return 0;
}

/* end_swap_bio_write -> folio_end_writeback for one write that has ended. */
static void swap_wb_end(struct vml_sim *sim, struct swap_wb w)
{
    struct frame *f = sim_frame(sim, w.pfn);
    f->flags &= ~PGF_SWAPWB;
    if (!(f->flags & PGF_RECLAIM))
        return;
    folio_rotate_reclaimable(sim, w.pfn, f);
    /* A page unmapped and dropped while its write was in flight goes now. */
    if (f->mapcount == 0 && (f->flags & PGF_SWAPCACHE) && swap_count(sim, f->priv) == 0 &&
        f->refcount == 1) {
        swap_cache_del(sim, w.pfn);
        page_put(sim, w.pfn);
    }
}

void swap_writeback_complete(struct vml_sim *sim)
{
    /* end_swap_bio_write -> folio_end_writeback: PG_writeback clears; a folio written for
     * reclaim (PG_reclaim) goes to the tail of the inactive list, from the active one if
     * reclaim activated it meanwhile, when clean and evictable (folio_rotate_reclaimable,
     * PGROTATED). Writes end in submission order on
     * one device, so while each write queued ends no earlier than the one before it, the
     * ended ones are the queue's first; otherwise (devices of different speeds) the queue is
     * scanned whole. Either way, only once one has ended. */
    if (sim->swap_wb_soonest > sim_op_now(sim))
        return;
    if (!sim->swap_wb_unsorted) {
        size_t i = 0;
        while (i < sim->nr_swap_wb && sim->swap_wb[i].done <= sim_op_now(sim))
            swap_wb_end(sim, sim->swap_wb[i++]);
        sim->swap_wb += i;
        sim->nr_swap_wb -= i;
        if (!sim->nr_swap_wb)
            sim->swap_wb = sim->swap_wb_buf;
        sim->swap_wb_soonest = sim->nr_swap_wb ? sim->swap_wb[0].done : UINT64_MAX;
        return;
    }
    size_t k = 0;
    uint64_t soonest = UINT64_MAX;
    for (size_t i = 0; i < sim->nr_swap_wb; i++) {
        struct swap_wb w = sim->swap_wb[i];
        if (w.done > sim_op_now(sim)) {
            sim->swap_wb[k++] = w;
            if (w.done < soonest)
                soonest = w.done;
            continue;
        }
        swap_wb_end(sim, w);
    }
    sim->nr_swap_wb = k;
    sim->swap_wb_soonest = soonest;
    if (!k) {
        sim->swap_wb = sim->swap_wb_buf;
        sim->swap_wb_unsorted = false;
    }
}

/* ---- one folio ---------------------------------------------------------------------------- */

enum folio_references {
    FOLIOREF_RECLAIM,
    FOLIOREF_RECLAIM_CLEAN,
    FOLIOREF_KEEP,
    FOLIOREF_ACTIVATE
};

/* The pages of the folio pfn belongs to, from its first: a page-cache folio's pages are frames
 * of their own (pagecache.c), an anonymous one is one head frame. */
static uint64_t folio_span(const struct vml_sim *sim, uint64_t pfn, struct sim_file **file,
                           uint64_t *first_index)
{
    const struct frame *f = sim_frame(sim, pfn);
    *file = NULL;
    if (!(f->flags & PGF_CACHE))
        return folio_nr_pages(f);
    *file = cache_file_of(sim, pfn);
    if (!*file || (*file)->shmem)
        return 1;
    uint64_t nr = 1ull << cache_order(*file, f->index);
    *first_index = f->index & ~(nr - 1);
    return nr;
}

static uint64_t folio_page_pfn(const struct sim_file *file, uint64_t first_index, uint64_t i,
                               uint64_t pfn)
{
    if (!file || file->shmem)
        return pfn + i;
    uint64_t p;
    return cache_lookup(file, first_index + i, &p) ? p : UINT64_MAX;
}

/* folio_check_references. Inlined into each caller: shrink_anon_page's constant arguments
 * (one page, no file) leave none of its loops. */
static inline __attribute__((always_inline)) enum folio_references
check_references(struct vml_sim *sim, uint64_t pfn, struct frame *pf, bool file_lru, uint64_t nr,
                 const struct sim_file *file, uint64_t first, struct rmap_found *found)
{
    /* pf is pfn's frame, at hand in the callers: not looked up again for it. */
    int young = 0;
    uint64_t vm_flags = 0;
    bool referenced = false;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t p = folio_page_pfn(file, first, i, pfn);
        if (p == UINT64_MAX)
            continue;
        uint64_t fl = 0;
        struct frame *f = p == pfn ? pf : sim_frame(sim, p);
        /* A single page nothing maps (reclaim's visit to a page whose swap write has ended)
         * has no mapping for the walk to find: folio_referenced_found's answer, without the
         * call. */
        if (found && (f->flags & (PGF_HEAD | PGF_LARGE | PGF_CACHE)) == PGF_HEAD && !f->mapcount)
            found->n = 0;
        else
            young +=
                found ? folio_referenced_found(sim, p, &fl, found) : folio_referenced(sim, p, &fl);
        vm_flags |= fl;
        if (f->flags & PGF_REFERENCED) {
            referenced = true;
            f->flags &= ~PGF_REFERENCED; /* folio_test_clear_referenced */
        }
    }
    if (vm_flags & VM_LOCKED)
        return FOLIOREF_ACTIVATE;
    if (young) {
        for (uint64_t i = 0; i < nr; i++) {
            uint64_t p = folio_page_pfn(file, first, i, pfn);
            if (p != UINT64_MAX) {
                struct frame *pg = p == pfn ? pf : sim_frame(sim, p);
                pg->flags |= PGF_REFERENCED; /* folio_set_referenced */
            }
        }
        /* Mapped and used twice (a young PTE now and PG_referenced from the last pass, or two
         * young PTEs): active. Executable file pages get one more chance. */
        if (referenced || young > 1)
            return FOLIOREF_ACTIVATE;
        if ((vm_flags & VM_EXEC) && file_lru)
            return FOLIOREF_ACTIVATE;
        return FOLIOREF_KEEP;
    }
    if (referenced && file_lru)
        return FOLIOREF_RECLAIM_CLEAN;
    return FOLIOREF_RECLAIM;
}

/* Puts the folio whose page pfn is off its list back, every page with flags set: pfn at the head
 * of its list, the folio's other pages (on their lists) moved there too. */
static void folio_putback(struct vml_sim *sim, uint64_t pfn, uint64_t nr,
                          const struct sim_file *file, uint64_t first, uint32_t set)
{
    sim_frame(sim, pfn)->flags |= set;
    lru_add(sim, pfn);
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t p = folio_page_pfn(file, first, i, pfn);
        if (p == UINT64_MAX || p == pfn)
            continue;
        lru_del(sim, p);
        sim_frame(sim, p)->flags |= set;
        lru_add(sim, p);
    }
}

/* Drops a clean, unmapped page-cache folio from its file (__remove_mapping,
 * filemap_remove_folio): the pages go free. */
static int evict_file_folio(struct vml_sim *sim, struct sim_file *file, uint64_t first, uint64_t nr)
{
    /* __remove_mapping(reclaimed): the folio's slots keep its shadow (workingset_eviction). */
    uint64_t head = folio_page_pfn(file, first, 0, UINT64_MAX);
    if (head != UINT64_MAX) {
        int r = workingset_cache_evict(file, first, nr, workingset_eviction(sim, head, nr));
        if (r)
            return r;
    }
    if (nr == 1u << VML_THP_PMD_ORDER)
        sim->nr_file_thps--;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t p;
        if (!cache_lookup(file, first + i, &p))
            continue;
        *radix_slot(&file->pages, first + i) = 0;
        file->nr_cached--;
        page_put(sim, p);
    }
    return 0;
}

/* The shmem object whose page cache holds pfn. */
static struct sim_file *file_of_shmem(const struct vml_sim *sim, uint64_t pfn)
{
    return cache_file_of(sim, pfn);
}

/* pageout -> writeout -> swap_writeout for an anonymous folio in the swap cache. A page of
 * zeros is not written (is_folio_zero_filled): its slot's zeromap bit is set
 * (swap_zeromap_folio_set, swpout_zero), and without PG_writeback it is clean and free to go at
 * once (shrink_folio_list, PAGE_SUCCESS: neither writeback nor dirty). Otherwise the slot's
 * zeromap bit is cleared (swap_zeromap_folio_clear) and its data go to the slot, the write
 * ending later on the device's clock. Both count nr_vmscan_write. Returns 1 for a page of
 * zeros, 0 for a write started. */
static int swap_writepage(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    sim->events[VML_VMSTAT_nr_vmscan_write]++;
    if (f->flags & PGF_ZEROFILL) {
        swap_zeromap_set(sim, f->priv, true);
        f->flags &= ~PGF_DIRTY; /* folio_clear_dirty_for_io; PG_reclaim cleared again */
        sim->events[VML_VMSTAT_swpout_zero]++;
        memcg_count(sim, f->memcg, MEV_SWPOUT_ZERO, 1);
        return 1;
    }
    swap_zeromap_set(sim, f->priv, false);
    struct bdev *d = swap_bdev(sim, f->priv);
    uint64_t done =
        bdev_submit_queued(d, sim_op_now(sim), true, swp_offset(f->priv) * PAGE_SIZE, PAGE_SIZE);
    sim->events[VML_VMSTAT_pgpgout] += PAGE_SIZE >> 10; /* submit_bio, in KiB */
    int r = swap_wb_push(sim, pfn, done);
    if (r)
        return r;
    f->flags &= ~PGF_DIRTY;
    f->flags |= PGF_SWAPWB | PGF_RECLAIM;
    sim->events[VML_VMSTAT_pswpout]++;
    sim_event(sim, &(struct vml_event){
                       .kind = VML_EV_SWAP_OUT, .pid = sim->current, .n = 1, .pfn = pfn });
    memcg_count(sim, f->memcg, MEV_PSWPOUT, 1);
    return 0;
}

/* ---- large anonymous folios (shrink_folio_list, 6.18) -------------------------------------- */

static int shrink_folio(struct vml_sim *sim, uint64_t pfn, bool ignore_references, bool listed,
                        struct reclaim_stat *st, uint64_t *freed);

/* try_to_unmap's TTU_SPLIT_HUGE_PMD (and split_folio's unmap of a PMD-mapped folio): every
 * PMD that maps the folio at head is split into PTEs first (thp_split_pmd each). An anonymous
 * folio sits at the address its index names in each address space (rmap.c). */
int split_pmd_maps(struct vml_sim *sim, uint64_t head)
{
    const struct frame *h = sim_frame(sim, head);
    uint64_t va = h->index << PAGE_SHIFT;
    for (size_t i = 0; i < sim->nr_tasks && folio_large(sim, h)->entire_mapcount > 0; i++) {
        struct sim_task *t = &sim->tasks[i];
        if (!t->alive || !t->mm)
            continue;
        struct vma *v = vma_find(t->mm->vmas, va);
        struct vml_pt_leaf leaf;
        if (!v || v->start > va || v->file || vml_pt_lookup(t->mm->pt, va, &leaf) != 0 ||
            leaf.level != 2 || vml_pte_pfn(leaf.entry) != head)
            continue;
        int r = split_huge_pmd(sim, t->mm, v, va);
        if (r)
            return r;
    }
    return 0;
}

/* split_folio_to_list(folio, folio_list): the folio becomes single pages (the PMD mappings
 * split first), the pages nobody maps are freed, and every page goes through the rest of
 * shrink_folio_list in this same pass, the first without a second look at its references (the
 * folio's were looked at), the others with the caller's choice. */
static int split_and_shrink(struct vml_sim *sim, uint64_t head, bool ignore_references,
                            struct reclaim_stat *st, uint64_t *freed)
{
    uint64_t nr = folio_nr_pages(sim_frame(sim, head));
    int r = split_pmd_maps(sim, head);
    if (r)
        return r;
    lru_add(sim, head); /* the caller took it off its list; the split takes it off again */
    *freed = folio_split(sim, head);
    for (uint64_t i = 0; i < nr; i++) {
        struct frame *p = sim_frame(sim, head + i);
        if (!(p->flags & PGF_ANON) || p->refcount <= 0)
            continue; /* freed by the split */
        lru_del(sim, head + i);
        uint64_t got;
        r = shrink_folio(sim, head + i, i == 0 || ignore_references, false, st, &got);
        if (r)
            return r;
        *freed += got;
    }
    return 0;
}

/* The folio at head, 2^order pages, got 2^order slots from entry on (a partition): it is
 * unmapped (each PTE a swap entry for its page's slot) and written in one request, counted as
 * count_swpout_vm_event does (thp_swpout for a PMD-sized folio, the size's swpout, pswpout by
 * the page). The simulation then holds it in the swap cache as single pages, not split
 * (docs/design.md): each page leaves the cache on its own when reclaim finds it written. */
static int swap_out_whole(struct vml_sim *sim, uint64_t head, uint64_t entry,
                          struct reclaim_stat *st)
{
    const struct frame *h = sim_frame(sim, head);
    unsigned order = h->order;
    uint64_t nr = 1ull << order;
    int r = split_pmd_maps(sim, head);
    if (r)
        return r;
    lru_add(sim, head); /* as in split_and_shrink */
    folio_split_counted(sim, head, false);
    bool unmapped = true;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t p = head + i;
        struct frame *f = sim_frame(sim, p);
        if (!(f->flags & PGF_ANON) || f->refcount <= 0) {
            /* Freed by the split (no PTE mapped it): its slot goes unused. */
            swap_slot_unused(sim, entry + i);
            continue;
        }
        lru_del(sim, p);
        if ((r = swap_cache_add(sim, p, entry + i)))
            return r;
        f->flags |= PGF_DIRTY;
        if (page_mapcount(sim, p) > 0 && !try_to_unmap(sim, p))
            unmapped = false;
    }
    if (!unmapped) {
        /* try_to_unmap failed (an mlocked VMA): activate_locked, the whole folio. */
        for (uint64_t i = 0; i < nr; i++) {
            struct frame *f = sim_frame(sim, head + i);
            if (!(f->flags & PGF_ANON) || f->refcount <= 0)
                continue;
            f->flags |= PGF_ACTIVE;
            lru_add(sim, head + i);
            st->nr_activate[0]++;
            sim->events[VML_VMSTAT_pgactivate]++;
            memcg_count(sim, f->memcg, MEV_PGACTIVATE, 1);
        }
        return 0;
    }
    /* swap_writeout -> __swap_writepage: one bio for the folio. */
    struct bdev *d = swap_bdev(sim, entry);
    uint64_t done =
        bdev_submit_queued(d, sim_op_now(sim), true, swp_offset(entry) * PAGE_SIZE, nr * PAGE_SIZE);
    sim->events[VML_VMSTAT_pgpgout] += nr * (PAGE_SIZE >> 10); /* submit_bio, in KiB */
    uint64_t written = 0;
    for (uint64_t i = 0; i < nr; i++) {
        struct frame *f = sim_frame(sim, head + i);
        if (!(f->flags & PGF_ANON) || f->refcount <= 0 || !(f->flags & PGF_SWAPCACHE))
            continue;
        if ((r = swap_wb_push(sim, head + i, done)))
            return r;
        f->flags &= ~PGF_DIRTY;
        f->flags |= PGF_SWAPWB | PGF_RECLAIM;
        lru_add(sim, head + i); /* keep_locked: back on the inactive list, under writeback */
        written++;
    }
    unsigned memcg = sim_frame(sim, head)->memcg;
    if (order >= VML_THP_PMD_ORDER) {
        sim->events[VML_VMSTAT_thp_swpout]++;
        memcg_count(sim, memcg, MEV_THP_SWPOUT, 1);
    }
    sim->thp_stats[order][VML_THP_STAT_swpout]++;
    sim->events[VML_VMSTAT_pswpout] += written;
    sim_event(sim, &(struct vml_event){
                       .kind = VML_EV_SWAP_OUT, .pid = sim->current, .n = written, .pfn = head });
    memcg_count(sim, memcg, MEV_PSWPOUT, written);
    st->nr_pageout += written;
    return 0;
}

/* shrink_folio_list's anonymous large folio, not yet in the swap cache: a partially mapped one
 * is split at once (its unmapped pages freed without I/O); else folio_alloc_swap asks for
 * 2^order slots in a row, which only a partition gives: swapped whole; otherwise it is split
 * and swapped page by page (thp_swpout_fallback for a PMD-sized folio, the size's
 * swpout_fallback). */
static int shrink_large_anon(struct vml_sim *sim, uint64_t head, bool ignore_references,
                             struct reclaim_stat *st, uint64_t *freed)
{
    const struct frame *h = sim_frame(sim, head);
    unsigned order = h->order;
    const struct large_folio *lf = folio_large(sim, h);
    *freed = 0;
    if (lf->partially_mapped && lf->entire_mapcount == 0)
        return split_and_shrink(sim, head, ignore_references, st, freed);
    uint64_t entry;
    if (swap_alloc_large(sim, order, &entry)) {
        /* mem_cgroup_try_charge_swap: the cgroup's memory.swap.max may refuse the slots. */
        if (memcg_try_charge_swap(sim, h->memcg, 1ull << order)) {
            swap_set_memcg(sim, entry, 1ull << order, h->memcg);
            return swap_out_whole(sim, head, entry, st);
        }
        for (uint64_t i = 0; i < (1ull << order); i++)
            swap_slot_unused(sim, entry + i);
    }
    if (order >= VML_THP_PMD_ORDER) {
        sim->events[VML_VMSTAT_thp_swpout_fallback]++;
        memcg_count(sim, h->memcg, MEV_THP_SWPOUT_FALLBACK, 1);
    }
    sim->thp_stats[order][VML_THP_STAT_swpout_fallback]++;
    return split_and_shrink(sim, head, ignore_references, st, freed);
}

/* add_to_swap for an anonymous folio of one page not yet in the swap cache: a slot, the swap
 * cache, and dirty (its data are not on disk). 0; 1 when the folio is to be activated instead
 * (swap full: activate_locked_split; or past memory.swap.max); or VML_E*. */
static int add_to_swap(struct vml_sim *sim, uint64_t pfn, struct frame *f)
{
    uint64_t entry;
    if (!swap_alloc(sim, &entry))
        return 1;
    if (!memcg_try_charge_swap(sim, f->memcg, 1)) {
        swap_slot_unused(sim, entry);
        return 1;
    }
    swap_set_memcg(sim, entry, 1, f->memcg);
    int r = swap_cache_add(sim, pfn, entry);
    if (r)
        return r;
    f->flags |= PGF_DIRTY;
    return 0;
}

/* shrink_folio_list's activate_locked for the isolated folio at pfn (frame f; nr pages, of a
 * file at first when file_lru): a swap-cache folio gives up its slot when swap is filling up
 * (and no page table refers to it); then active, unless mlocked. */
static void activate_locked(struct vml_sim *sim, uint64_t pfn, struct frame *f, bool file_lru,
                            uint64_t nr, const struct sim_file *file, uint64_t first,
                            struct reclaim_stat *st)
{
    if ((f->flags & PGF_SWAPCACHE) && vm_swap_full(sim) && swap_count(sim, f->priv) == 0 &&
        !(f->flags & PGF_SWAPWB) && f->refcount > 1) {
        swap_free_folio(sim, pfn);
        f->refcount--;
    }
    if (f->flags & PGF_MLOCKED) {
        lru_add(sim, pfn);
        return;
    }
    st->nr_activate[file_lru] += nr;
    sim->events[VML_VMSTAT_pgactivate] += nr;
    memcg_count(sim, f->memcg, MEV_PGACTIVATE, nr);
    folio_putback(sim, pfn, file_lru ? nr : 1, file, first, PGF_ACTIVE);
    /* move_folios_to_lru: an active folio going back ages the non-resident ones. */
    workingset_age_nonresident(sim, f->node, nr);
}

/* Whether shrink_anon_page may take the folio at f: an order-0 anonymous page, not shmem, not
 * mlocked, with no lower tier to demote it to. */
static bool anon_page_fast(const struct frame *f, const struct reclaim_stat *st)
{
    return (f->flags & (PGF_ANON | PGF_CACHE | PGF_LARGE | PGF_SHMEMPG | PGF_MLOCKED)) ==
               PGF_ANON &&
           !st->demote;
}

/* shrink_folio for the folio reclaim meets most (anon_page_fast), still at the tail of its
 * inactive list: shrink_folio's steps for that case, in its order, without its folio-wide loops
 * and file cases, which cost a third of reclaim's own instructions. Its reference check never
 * answers FOLIOREF_RECLAIM_CLEAN (a file folio's); the mapping it finds is what the unmap takes
 * (see shrink_folio). */
static int shrink_anon_page(struct vml_sim *sim, uint64_t pfn, struct frame *f,
                            struct reclaim_stat *st, uint64_t *freed)
{
    *freed = 0;
    st->nr_taken++;
    if (f->flags & PGF_SWAPWB) {
        lru_del(sim, pfn);
        f->flags |= PGF_RECLAIM;
        st->nr_writeback++;
        activate_locked(sim, pfn, f, false, 1, NULL, 0, st);
        return 0;
    }
    struct rmap_found found;
    enum folio_references ref = check_references(sim, pfn, f, false, 1, NULL, 0, &found);
    /* The kernel isolates the folio (off its list, out of its counts) before this and puts it
     * back at the head of the same list when it is kept, its write started or not. Nothing
     * between reads a list or its counts (the reference check, the swap slot and cache, the
     * unmap, the write's submission), so the page stays linked at the tail until the outcome
     * is known: kept, it moves to the head (lru_move_head, the same links and counts as
     * lru_del then lru_add); otherwise it is taken off then. */
    int r = 0;
    if (ref == FOLIOREF_KEEP)
        goto keep;
    if (ref == FOLIOREF_ACTIVATE)
        goto activate;
    if (!(f->flags & PGF_SWAPCACHE) && (r = add_to_swap(sim, pfn, f)) != 0)
        goto activate; /* or fail, r < 0 */
    /* The unmap's page_put leaves the swap cache's reference: the page is not freed here. */
    if (found.n == 1 && f->mapcount == 1) {
        if (!rmap_found_unmap(sim, &found))
            goto activate;
    } else if (f->mapcount > 0 && !try_to_unmap(sim, pfn)) {
        goto activate;
    }
    if (f->flags & PGF_DIRTY) {
        r = swap_writepage(sim, pfn);
        if (r < 0)
            goto activate; /* to fail */
        if (r == 0) {
            st->nr_pageout++;
            goto keep; /* under writeback now */
        }
        st->nr_pageout_zero++;
    }
    if (f->refcount != 1 || !(f->flags & PGF_SWAPCACHE))
        goto keep;
    lru_del(sim, pfn);
    swap_cache_evict(sim, pfn, workingset_eviction(sim, pfn, 1));
    page_put_isolated(sim, pfn);
    *freed = 1;
    return 0;
keep:
    lru_move_head(sim, pfn, f);
    return 0;
activate:
    lru_del(sim, pfn);
    if (r < 0)
        return r;
    activate_locked(sim, pfn, f, false, 1, NULL, 0, st);
    return 0;
}

/* shrink_folio_list for the folio at pfn, taken off its list (the caller put it back nowhere
 * yet) or, with listed, still at the tail of its inactive list, to be taken off here
 * (isolate_lru_folios). Returns its pages freed. */
static int shrink_folio(struct vml_sim *sim, uint64_t pfn, bool ignore_references, bool listed,
                        struct reclaim_stat *st, uint64_t *freed)
{
    struct frame *f = sim_frame(sim, pfn);
    struct sim_file *file;
    uint64_t first = 0;
    uint64_t nr = folio_span(sim, pfn, &file, &first);
    bool file_lru = (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG);
    *freed = 0;
    /* folio_check_dirty_writeback, before anything else looks at the folio: a page-cache
     * folio dirty and not yet under writeback is one the flusher has not queued. */
    st->nr_taken += nr;
    if (file_lru && (f->flags & (PGF_DIRTY | PGF_WRITEBACK)) == PGF_DIRTY)
        st->nr_unqueued_dirty += nr;
    /* Under writeback, to swap or (a page-cache folio) to its file: never freed while its
     * write is in flight; activated, to be reclaimed when its write ends (cases 1 and 2). */
    if (f->flags & (PGF_SWAPWB | PGF_WRITEBACK)) {
        if (listed)
            lru_del(sim, pfn);
        for (uint64_t i = 0; i < (file_lru ? nr : 1); i++) {
            uint64_t p = file_lru ? folio_page_pfn(file, first, i, pfn) : pfn;
            if (p != UINT64_MAX)
                sim_frame(sim, p)->flags |= PGF_RECLAIM;
        }
        st->nr_writeback += nr;
        goto activate;
    }
    /* An order-0 anonymous page: the mapping the reference check's walk finds is the one the
     * unmap below would walk to again, if the walk found one mapping and cleared no accessed
     * bit (it is reclaimed only then: not young), as nothing between them touches page tables,
     * VMAs or tasks (a swap slot and the swap cache). One walk instead of two per page. */
    struct rmap_found found = { 0 };
    bool memo = !ignore_references && (f->flags & (PGF_ANON | PGF_CACHE | PGF_LARGE)) == PGF_ANON;
    enum folio_references ref = ignore_references
                                    ? FOLIOREF_RECLAIM
                                    : check_references(sim, pfn, f, file_lru, file_lru ? nr : 1,
                                                       file, first, memo ? &found : NULL);
    /* Kept: isolated and put back at the head of the same list, which is a move (the counts
     * go down and up again with nothing between that reads them: the reference check reads
     * page tables and VMAs only). */
    if (listed && ref == FOLIOREF_KEEP) {
        lru_move_head(sim, pfn, f);
        return 0;
    }
    if (listed)
        lru_del(sim, pfn);
    if (ref == FOLIOREF_ACTIVATE)
        goto activate;
    if (ref == FOLIOREF_KEEP)
        goto keep;
    /* What the simulation does not reclaim yet (see the header): to the active list. */
    if (f->flags & PGF_MLOCKED)
        goto activate;
    /* Before reclaiming the folio, its contents go to a lower tier if they can
     * (do_demote_pass: demote_folio_list). One that cannot be migrated is reclaimed in the same
     * pass, as the kernel's retry without demotion does. */
    if (st->demote) {
        int64_t d = demote_folio(sim, pfn, st->node, st->kswapd);
        if (d < 0)
            return (int)d;
        if (d > 0) {
            st->nr_demoted += (uint64_t)d;
            *freed = (uint64_t)d;
            return 0;
        }
    }
    if (f->flags & PGF_LARGE)
        return shrink_large_anon(sim, pfn, ignore_references, st, freed);
    if ((f->flags & PGF_ANON) && !(f->flags & PGF_SWAPCACHE)) {
        int r = add_to_swap(sim, pfn, f);
        if (r < 0)
            return r;
        if (r)
            goto activate;
    }
    /* try_to_unmap: every PTE (swap entries for anonymous pages); the dirty bits move to the
     * folio. */
    if (memo && found.n == 1 && page_mapcount(sim, pfn) == 1) {
        if (!rmap_found_unmap(sim, &found))
            goto activate;
    } else {
        for (uint64_t i = 0; i < (file_lru ? nr : 1); i++) {
            uint64_t p = folio_page_pfn(file, first, i, pfn);
            if (p != UINT64_MAX && page_mapcount(sim, p) > 0 && !try_to_unmap(sim, p))
                goto activate;
        }
    }
    bool dirty = false;
    for (uint64_t i = 0; i < (file_lru ? nr : 1); i++) {
        uint64_t p = folio_page_pfn(file, first, i, pfn);
        if (p != UINT64_MAX && (sim_frame(sim, p)->flags & PGF_DIRTY))
            dirty = true;
    }
    if (dirty) {
        if (file_lru) {
            /* Only kswapd may write file folios, and it leaves them to the flusher: activated
             * and marked for reclaim as soon as their writeback ends. */
            st->nr_dirty += nr;
            for (uint64_t i = 0; i < nr; i++) {
                uint64_t p = folio_page_pfn(file, first, i, pfn);
                if (p != UINT64_MAX)
                    sim_frame(sim, p)->flags |= PGF_RECLAIM;
            }
            goto activate;
        }
        if (ref == FOLIOREF_RECLAIM_CLEAN)
            goto keep;
        if (f->flags & PGF_SHMEMPG) {
            /* pageout -> shmem_writeout: into the swap cache, then written as anon is. */
            bool act;
            int r = shmem_writeout(sim, file_of_shmem(sim, pfn), pfn, &act);
            if (r)
                return r;
            if (act)
                goto activate;
        }
        int r = swap_writepage(sim, pfn);
        if (r < 0)
            return r;
        if (r == 0) {
            st->nr_pageout += nr;
            goto keep; /* under writeback now */
        }
        st->nr_pageout_zero += nr; /* written nowhere: freed below like a clean page */
    }
    /* Clean: it goes, if nothing but its cache holds it (__remove_mapping's refcount test). */
    if (file_lru) {
        for (uint64_t i = 0; i < nr; i++) {
            uint64_t p = folio_page_pfn(file, first, i, pfn);
            if (p != UINT64_MAX && sim_frame(sim, p)->refcount != 1)
                goto keep;
        }
        lru_add(sim, pfn); /* page_put takes each page off its list as it frees it */
        int r = evict_file_folio(sim, file, first, nr);
        if (r)
            return r;
        *freed = nr;
        return 0;
    }
    if (f->flags & PGF_SHMEMPG) {
        /* A clean shmem page (never written: zeroes) leaves the page cache like a file page
         * (__remove_mapping); the object reads as a hole there again. */
        if (f->refcount != 1)
            goto keep;
        struct sim_file *sf = file_of_shmem(sim, pfn);
        lru_add(sim, pfn);
        *freed = cache_remove_folio(sim, sf, f->index);
        return 0;
    }
    if (f->refcount != 1 || !(f->flags & PGF_SWAPCACHE))
        goto keep;
    /* Still isolated: freed without a trip through its list (neither call reads the lists). */
    swap_cache_evict(sim, pfn, workingset_eviction(sim, pfn, nr));
    page_put_isolated(sim, pfn);
    *freed = nr;
    return 0;

activate:
    activate_locked(sim, pfn, f, file_lru, nr, file, first, st);
    return 0;
keep:
    lru_add(sim, pfn);
    return 0;
}

/* ---- the lists ---------------------------------------------------------------------------- */

/* The pages on each list of memcg's lruvec on node with its subtree's (lruvec_page_state, which
 * memcg's statistics keep hierarchically); the root's are the node's. */
static void lruvec_sizes(const struct vml_sim *sim, unsigned memcg, unsigned node,
                         uint64_t out[NR_LRU_LISTS])
{
    if (memcg == 0) {
        memcpy(out, sim->node[node].lru, sizeof(sim->node[node].lru));
        return;
    }
    memset(out, 0, sizeof(uint64_t) * NR_LRU_LISTS);
    unsigned ids[MEMCG_MAX_GROUPS];
    unsigned n = memcg_subtree(sim, memcg, ids);
    for (unsigned k = 0; k < n; k++)
        for (unsigned l = 0; l < NR_LRU_LISTS; l++)
            out[l] += memcg_of(sim, ids[k])->lruvec[node].nr[l];
}

/* lru_note_cost: what reclaiming from one type cost (I/O and rotations), charged to the lruvec
 * and each of its ancestors', each halved as it ages against its own lists' size. */
void lru_note_cost(struct vml_sim *sim, unsigned memcg, unsigned node, bool file, uint64_t nr_io,
                   uint64_t nr_rotated)
{
    uint64_t cost = nr_io * SWAP_CLUSTER_MAX + nr_rotated;
    for (const struct mem_cgroup *m = memcg_of(sim, memcg);;) {
        struct lruvec *lv = &memcg_of(sim, m->id)->lruvec[node];
        if (file)
            lv->file_cost += cost;
        else
            lv->anon_cost += cost;
        uint64_t sz[NR_LRU_LISTS];
        lruvec_sizes(sim, m->id, node, sz);
        uint64_t lrusize = sz[LRU_INACTIVE_ANON] + sz[LRU_ACTIVE_ANON] + sz[LRU_INACTIVE_FILE] +
                           sz[LRU_ACTIVE_FILE];
        if (lv->file_cost + lv->anon_cost > lrusize / 4) {
            lv->file_cost /= 2;
            lv->anon_cost /= 2;
        }
        if (m->id == 0)
            break;
        m = memcg_of(sim, m->parent);
    }
}

/* The reclaim events of a list's scan: the machine's (pgscan_kswapd and _direct only for
 * global reclaim: a cgroup's limit reclaim is not the machine's) and the cgroup's. */
static void count_scan(struct vml_sim *sim, const struct scan_control *sc, bool file,
                       uint64_t scanned, uint64_t reclaimed)
{
    if (!sc->target) {
        sim->events[sc->kswapd ? VML_VMSTAT_pgscan_kswapd : VML_VMSTAT_pgscan_direct] += scanned;
        sim->events[sc->kswapd ? VML_VMSTAT_pgsteal_kswapd : VML_VMSTAT_pgsteal_direct] +=
            reclaimed;
    }
    memcg_count(sim, sc->memcg, sc->kswapd ? MEV_PGSCAN_KSWAPD : MEV_PGSCAN_DIRECT, scanned);
    memcg_count(sim, sc->memcg, sc->kswapd ? MEV_PGSTEAL_KSWAPD : MEV_PGSTEAL_DIRECT, reclaimed);
    sim->events[file ? VML_VMSTAT_pgscan_file : VML_VMSTAT_pgscan_anon] += scanned;
    sim->events[file ? VML_VMSTAT_pgsteal_file : VML_VMSTAT_pgsteal_anon] += reclaimed;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_RECLAIM,
                                        .n = scanned,
                                        .n2 = reclaimed,
                                        .kswapd = sc->kswapd,
                                        .file = file });
}

static uint64_t shrink_inactive_list(struct vml_sim *sim, struct scan_control *sc,
                                     uint64_t nr_to_scan, enum lru_list lru)
{
    struct lruvec *lv = sc->lruvec;
    bool file = is_file_lru(lru);
    struct reclaim_stat st;
    memset(&st, 0, sizeof(st));
    st.demote = can_demote(sim, sc->node);
    st.kswapd = sc->kswapd;
    st.node = sc->node;
    uint64_t scanned = 0, budget = lv->nr[lru];
    while (scanned < nr_to_scan && scanned < budget && lv->tail[lru]) {
        uint64_t pfn = lv->tail[lru] - 1;
        struct frame *f = sim_frame(sim, pfn);
        uint64_t nr = folio_nr_pages(f);
        scanned += nr;
        uint64_t freed;
        int r = anon_page_fast(f, &st) ? shrink_anon_page(sim, pfn, f, &st, &freed)
                                       : shrink_folio(sim, pfn, false, true, &st, &freed);
        if (r != 0)
            break;
        st.nr_reclaimed += freed;
        /* A page-cache folio's other pages, frames of their own on the lists, went with it:
         * the kernel isolates and counts the folio whole. */
        if (freed > nr)
            scanned += freed - nr;
    }
    /* Every file folio taken was dirty and not queued for its write: the flusher is behind,
     * so it is woken to write everything dirty (shrink_inactive_list's nr_unqueued_dirty ==
     * nr_taken -> wakeup_flusher_threads(WB_REASON_VMSCAN)). Its writes end on the disk's
     * time; the pages they clean come back to the inactive tail then
     * (folio_rotate_reclaimable). A host allocation failure leaves them dirty, as a write
     * not started would. */
    if (file && st.nr_unqueued_dirty && st.nr_unqueued_dirty == st.nr_taken)
        (void)wakeup_flusher_threads(sim);
    count_scan(sim, sc, file, scanned, st.nr_reclaimed);
    sc->nr_scanned += scanned;
    sc->nr_pageout += st.nr_pageout;
    /* The kernel's nr_pageout counts the zero-filled pages too (PAGE_SUCCESS). */
    lru_note_cost(sim, sc->memcg, sc->node, file, st.nr_pageout + st.nr_pageout_zero,
                  scanned > st.nr_reclaimed ? scanned - st.nr_reclaimed : 0);
    sim_charge_kernel(sim, sc->kswapd, scanned * COST_RECLAIM_SCAN_NS);
    return st.nr_reclaimed;
}

static void shrink_active_list(struct vml_sim *sim, struct scan_control *sc, uint64_t nr_to_scan,
                               enum lru_list lru)
{
    struct lruvec *lv = sc->lruvec;
    bool file = is_file_lru(lru);
    uint64_t scanned = 0, deactivated = 0, budget = lv->nr[lru];
    /* Taken off the tail; the ones staying active go back to the head after the rest (as
     * move_folios_to_lru does with l_active), so the scan never meets them again. */
    uint64_t keep[SWAP_CLUSTER_MAX * 4];
    size_t nkeep = 0;
    while (scanned < nr_to_scan && scanned < budget && lv->tail[lru]) {
        uint64_t pfn = lv->tail[lru] - 1;
        struct frame *f = sim_frame(sim, pfn);
        uint64_t nr = folio_nr_pages(f);
        lru_del(sim, pfn);
        scanned += nr;
        uint64_t vm_flags = 0;
        if (folio_referenced(sim, pfn, &vm_flags) && (vm_flags & VM_EXEC) && file &&
            nkeep < sizeof(keep) / sizeof(keep[0])) {
            /* Executable file pages that are used stay active. */
            keep[nkeep++] = pfn;
            continue;
        }
        f->flags &= ~PGF_ACTIVE;
        f->flags |= PGF_WORKINGSET;
        lru_add(sim, pfn);
        deactivated += nr;
    }
    for (size_t i = 0; i < nkeep; i++) {
        lru_add(sim, keep[i]);
        /* move_folios_to_lru: active folios put back age the non-resident ones. */
        workingset_age_nonresident(sim, sim_frame(sim, keep[i])->node,
                                   folio_nr_pages(sim_frame(sim, keep[i])));
    }
    sim->events[VML_VMSTAT_pgrefill] += scanned;
    sim->events[VML_VMSTAT_pgdeactivate] += deactivated;
    memcg_count(sim, sc->memcg, MEV_PGREFILL, scanned);
    memcg_count(sim, sc->memcg, MEV_PGDEACTIVATE, deactivated);
    sc->nr_scanned += scanned;
    sim_charge_kernel(sim, sc->kswapd, scanned * COST_RECLAIM_SCAN_NS);
}

/* inactive_is_low: the inactive list is short against the active one (by the ratio that
 * grows with the square root of the lists' size in GiB), in lists of a cgroup's subtree. */
static bool inactive_is_low(const uint64_t *lru, enum lru_list inactive)
{
    uint64_t in = lru[inactive], act = lru[inactive + 1];
    uint64_t gb = (in + act) >> (30 - PAGE_SHIFT);
    uint64_t ratio = gb ? int_sqrt(10 * gb) : 1;
    return in * ratio < act;
}

/* can_reclaim_anon_pages: swap space left, within the cgroup's memory.swap.max too, or else a
 * lower tier to demote the node's pages to (can_demote). */
static bool can_reclaim_anon(const struct vml_sim *sim, unsigned memcg, unsigned node)
{
    return memcg_nr_swap_pages(sim, memcg) > 0 || can_demote(sim, node);
}

/* get_scan_count: how many pages to scan on each list of the lruvec at this priority. */
static void get_scan_count(struct vml_sim *sim, struct scan_control *sc, uint64_t nr[NR_LRU_LISTS])
{
    const struct lruvec *lv = sc->lruvec;
    enum { SCAN_EQUAL, SCAN_FRACT, SCAN_ANON, SCAN_FILE } balance;
    uint64_t fraction[2] = { 0, 0 }, denominator = 1;
    unsigned swappiness = sim->vm.swappiness;
    if (!sc->may_swap || !can_reclaim_anon(sim, sc->memcg, sc->node))
        balance = SCAN_FILE;
    else if (sc->target && !swappiness)
        balance = SCAN_FILE; /* a cgroup's reclaim leaves anon alone at swappiness 0 */
    else if (!sc->priority && swappiness)
        balance = SCAN_EQUAL; /* about to go OOM: everything, equally */
    else if (sc->file_is_tiny)
        balance = SCAN_ANON;
    else if (sc->cache_trim_mode)
        balance = SCAN_FILE;
    else {
        /* The cost of each type's reclaim so far weighs the swappiness. */
        uint64_t total = sc->anon_cost + sc->file_cost;
        uint64_t anon_cost = total + sc->anon_cost, file_cost = total + sc->file_cost;
        total = anon_cost + file_cost;
        uint64_t ap = swappiness * (total + 1) / (anon_cost + 1);
        uint64_t fp = (MAX_SWAPPINESS - swappiness) * (total + 1) / (file_cost + 1);
        fraction[0] = ap;
        fraction[1] = fp;
        denominator = ap + fp;
        balance = SCAN_FRACT;
    }
    uint64_t min, low;
    uint64_t cgroup_size = memcg_protection(sim, sc->target, sc->memcg, &min, &low);
    for (unsigned l = 0; l < LRU_UNEVICTABLE; l++) {
        bool file = is_file_lru((enum lru_list)l);
        uint64_t size = lv->nr[l], scan = size;
        /* apply_proportional_protection: a cgroup above its protection is scanned in
         * proportion to its excess over it; at least SWAP_CLUSTER_MAX. */
        if (min || low) {
            uint64_t protection;
            if (!sc->memcg_low_reclaim && low > min) {
                protection = low;
                sc->memcg_low_skipped = true;
            } else {
                protection = min;
            }
            if (cgroup_size < protection)
                cgroup_size = protection;
            scan -= scan * protection / (cgroup_size + 1);
            if (scan < SWAP_CLUSTER_MAX)
                scan = SWAP_CLUSTER_MAX;
        }
        scan >>= sc->priority;
        switch (balance) {
        case SCAN_EQUAL: break;
        case SCAN_FRACT:
            /* mult_frac, rounded up (DIV64_U64_ROUND_UP) so a small list still gets one. */
            scan = denominator ? (scan * fraction[file] + denominator - 1) / denominator : 0;
            break;
        case SCAN_FILE:
        case SCAN_ANON:
            if ((balance == SCAN_FILE) != file)
                scan = 0;
            break;
        }
        nr[l] = scan;
    }
}

/* shrink_lruvec. */
static void shrink_lruvec(struct vml_sim *sim, struct scan_control *sc)
{
    uint64_t nr[NR_LRU_LISTS] = { 0 }, targets[NR_LRU_LISTS];
    get_scan_count(sim, sc, nr);
    memcpy(targets, nr, sizeof(nr));
    /* Direct reclaim at the first priority scans everything it was given (proportional
     * reclaim); otherwise it stops once it has its pages and adjusts the rest. */
    bool proportional = !sc->kswapd && !sc->target && sc->priority == DEF_PRIORITY;
    uint64_t reclaimed = 0, pageout = sc->nr_pageout;
    while (nr[LRU_INACTIVE_ANON] || nr[LRU_ACTIVE_FILE] || nr[LRU_INACTIVE_FILE]) {
        for (unsigned l = 0; l < LRU_UNEVICTABLE; l++) {
            if (!nr[l])
                continue;
            uint64_t n = nr[l] < SWAP_CLUSTER_MAX ? nr[l] : SWAP_CLUSTER_MAX;
            nr[l] -= n;
            bool file = is_file_lru((enum lru_list)l);
            if (l == LRU_ACTIVE_ANON || l == LRU_ACTIVE_FILE) {
                if (sc->may_deactivate & (file ? DEACTIVATE_FILE : DEACTIVATE_ANON))
                    shrink_active_list(sim, sc, n, (enum lru_list)l);
            } else {
                reclaimed += shrink_inactive_list(sim, sc, n, (enum lru_list)l);
            }
        }
        /* Pages whose swap write started count as reclaimed, as in do_try_to_free_pages: the
         * kernel's device ends those writes within microseconds, and folio_end_writeback
         * rotates each folio to the inactive tail (PG_reclaim), where the next batch frees it.
         * Without them a pass that only started writes would go on scanning the other lists,
         * deactivating a whole active file list at priority 0 where the kernel moves a batch. */
        if (reclaimed + (sc->nr_pageout - pageout) < sc->nr_to_reclaim || proportional)
            continue;
        /* Enough: scale the larger type's remaining scan down to the share the smaller one
         * reached, and stop the smaller. The next round scans one more batch of the larger and
         * stops here, the smaller being 0: one nudge towards proportionality, not the rest of
         * the larger's target (the kernel's fix of overreclaim and swap floods, 6.0, dropped
         * the scan_adjusted flag that kept the loop going). */
        uint64_t nr_file = nr[LRU_INACTIVE_FILE] + nr[LRU_ACTIVE_FILE];
        uint64_t nr_anon = nr[LRU_INACTIVE_ANON] + nr[LRU_ACTIVE_ANON];
        if (!nr_file || !nr_anon)
            break;
        unsigned lru, other;
        uint64_t percentage;
        if (nr_file > nr_anon) {
            uint64_t target = targets[LRU_INACTIVE_ANON] + targets[LRU_ACTIVE_ANON] + 1;
            percentage = nr_anon * 100 / target;
            lru = LRU_INACTIVE_ANON;
            other = LRU_INACTIVE_FILE;
        } else {
            uint64_t target = targets[LRU_INACTIVE_FILE] + targets[LRU_ACTIVE_FILE] + 1;
            percentage = nr_file * 100 / target;
            lru = LRU_INACTIVE_FILE;
            other = LRU_INACTIVE_ANON;
        }
        nr[lru] = nr[lru + 1] = 0;
        for (unsigned k = other; k <= other + 1; k++) {
            uint64_t done = targets[k] - nr[k];
            nr[k] = targets[k] * (100 - percentage) / 100;
            nr[k] -= nr[k] < done ? nr[k] : done;
        }
    }
    sc->nr_reclaimed += reclaimed;
    /* Keep the inactive anon list fed even when anon was not the target. */
    uint64_t sz[NR_LRU_LISTS];
    lruvec_sizes(sim, sc->memcg, sc->node, sz);
    if (can_reclaim_anon(sim, sc->memcg, sc->node) && inactive_is_low(sz, LRU_INACTIVE_ANON))
        shrink_active_list(sim, sc, SWAP_CLUSTER_MAX, LRU_ACTIVE_ANON);
}

/* shrink_node_memcgs: every cgroup of the target's subtree, the target first, each above its
 * protection (memory.min always holds; memory.low only until nothing else is left:
 * memcg_low_reclaim), its lists then (the root's) the slab shrinkers. */
static void shrink_node_memcgs(struct vml_sim *sim, struct scan_control *sc)
{
    unsigned ids[MEMCG_MAX_GROUPS];
    unsigned n = memcg_subtree(sim, sc->target, ids);
    for (unsigned k = 0; k < n; k++) {
        unsigned id = ids[k];
        memcg_calculate_protection(sim, sc->target, id);
        if (memcg_below_min(sim, sc->target, id))
            continue;
        if (memcg_below_low(sim, sc->target, id)) {
            if (!sc->memcg_low_reclaim) {
                sc->memcg_low_skipped = true;
                continue;
            }
            memcg_event(sim, id, MEMCG_LOW);
        }
        sc->memcg = id;
        sc->lruvec = &memcg_of(sim, id)->lruvec[sc->node];
        shrink_lruvec(sim, sc);
        if (id == 0) {
            /* The slab pages the shrinkers free count as reclaimed (flush_reclaim_state);
             * the simulation's dentries and inodes are all the root's. */
            uint64_t slab = slab_reclaimable_pages(sim);
            shrink_slab(sim, sc->node, sc->priority);
            uint64_t left = slab_reclaimable_pages(sim);
            sc->nr_reclaimed += slab > left ? slab - left : 0;
        }
    }
}

/* prepare_scan_control and shrink_node, against the target cgroup's lruvec on the node. */
static void shrink_node(struct vml_sim *sim, struct scan_control *sc)
{
    const struct lruvec *target = &memcg_of(sim, sc->target)->lruvec[sc->node];
    uint64_t sz[NR_LRU_LISTS];
    lruvec_sizes(sim, sc->target, sc->node, sz);
    sc->anon_cost = target->anon_cost;
    sc->file_cost = target->file_cost;
    /* No refaults are detected yet, so only a short inactive list asks for deactivation. */
    sc->may_deactivate = 0;
    if (inactive_is_low(sz, LRU_INACTIVE_ANON))
        sc->may_deactivate |= DEACTIVATE_ANON;
    if (inactive_is_low(sz, LRU_INACTIVE_FILE))
        sc->may_deactivate |= DEACTIVATE_FILE;
    /* Plenty of inactive file pages that are not thrashing: those first. */
    sc->cache_trim_mode =
        (sz[LRU_INACTIVE_FILE] >> sc->priority) && !(sc->may_deactivate & DEACTIVATE_FILE);
    /* The cache trap (global reclaim only): too little file and free memory to stay above the
     * high watermark. */
    sc->file_is_tiny = false;
    if (!sc->target) {
        uint64_t min, low, high;
        node_watermarks(sim, sc->node, &min, &low, &high);
        uint64_t cache = sz[LRU_ACTIVE_FILE] + sz[LRU_INACTIVE_FILE];
        sc->file_is_tiny = cache + node_free(sim, sc->node) <= high &&
                           !(sc->may_deactivate & DEACTIVATE_ANON) &&
                           (sz[LRU_INACTIVE_ANON] >> sc->priority);
    }
    shrink_node_memcgs(sim, sc);
}

/* ---- direct reclaim and kswapd --------------------------------------------------------------- */

/* do_try_to_free_pages: priorities from DEF_PRIORITY down until nr_to_reclaim pages came
 * back, or are on their way back: pages whose swap write started count (the kernel's lower
 * priorities would throttle on that writeback instead, reclaim_throttle; the caller waits for
 * it). A pass that skipped cgroups for their memory.low and reclaimed nothing runs again with
 * memory.low ignored. Returns the pages reclaimed. */
static uint64_t do_try_to_free_pages(struct vml_sim *sim, struct scan_control *sc,
                                     unsigned first_node, bool all_nodes)
{
    unsigned nodes = all_nodes ? vml_phys_nr_nodes(sim->phys) : 1;
    for (;;) {
        for (sc->priority = DEF_PRIORITY; sc->priority >= 0; sc->priority--) {
            /* shrink_zones: each node of the zonelist once, the allocating node's first. */
            for (unsigned i = 0; i < nodes; i++) {
                sc->node = (first_node + i) % vml_phys_nr_nodes(sim->phys);
                shrink_node(sim, sc);
            }
            if (sc->nr_reclaimed + sc->nr_pageout >= sc->nr_to_reclaim)
                break;
        }
        if (sc->nr_reclaimed || !sc->memcg_low_skipped || sc->memcg_low_reclaim)
            return sc->nr_reclaimed;
        sc->memcg_low_reclaim = true;
        sc->memcg_low_skipped = false;
    }
}

static uint64_t try_to_free_pages(struct vml_sim *sim, unsigned node)
{
    struct scan_control sc = { .nr_to_reclaim = SWAP_CLUSTER_MAX, .node = node, .may_swap = true };
    /* __perform_reclaim counts an allocation stall in the highest zone the request may use:
     * user pages are GFP_HIGHUSER_MOVABLE (ZONE_MOVABLE). */
    sim->events[VML_VMSTAT_allocstall_movable]++;
    return do_try_to_free_pages(sim, &sc, node, false);
}

uint64_t try_to_free_mem_cgroup_pages(struct vml_sim *sim, unsigned id, unsigned node, uint64_t nr,
                                      bool may_swap)
{
    struct scan_control sc = { .nr_to_reclaim = nr > SWAP_CLUSTER_MAX ? nr : SWAP_CLUSTER_MAX,
                               .target = id,
                               .may_swap = may_swap };
    if (sim->nr_swap_wb)
        swap_writeback_complete(sim);
    uint64_t stall = sim->work_ns;
    uint64_t got = do_try_to_free_pages(sim, &sc, node, true);
    sim->reclaim_ns += sim->work_ns - stall;
    return got;
}

static bool node_balanced(const struct vml_sim *sim, unsigned node)
{
    uint64_t min, low, high;
    node_watermarks(sim, node, &min, &low, &high);
    return node_free(sim, node) > high;
}

bool pgdat_balanced(const struct vml_sim *sim, unsigned node, unsigned order)
{
    /* Order 0 per node on a machine of one (see the header); with several nodes zone by zone,
     * as the allocator's walk counts each zone's reserve (a node whose free pages are its DMA
     * zone's reserve is not balanced for a user page). */
    if (order == 0 && vml_phys_nr_nodes(sim->phys) == 1)
        return node_balanced(sim, node);
    /* A zone that passes zone_watermark_ok_safe at its high watermark for order: free pages
     * beyond the order's own (__zone_watermark_unusable_free) above the mark and the
     * lowmem_reserve a user page's allocation (highest zone ZONE_MOVABLE) respects, and a free
     * block of the order or larger (pages carry no migratetype: any free list). */
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        const struct phys_zone *zone = &sim->phys->nodes[node].zones[z];
        if (zone->end == zone->start)
            continue;
        uint64_t min, low, high;
        zone_watermarks(sim, node, z, &min, &low, &high);
        uint64_t unusable = (1ull << order) - 1;
        uint64_t mark = high + zone_wmark(sim, node, z)->lowmem_reserve[WZ_MOVABLE];
        if (zone->free_pages <= unusable || zone->free_pages - unusable <= mark)
            continue;
        for (unsigned o = order; o <= PHYS_TOP_ORDER; o++)
            if (zone->free_area[o].nr_free)
                return true;
    }
    return false;
}

/* One balance_pgdat pass of a node's kswapd for order: priorities down until the node is
 * balanced for the order asked; the time it took goes to kswapd, not to the task. Once it has
 * reclaimed twice the order's pages (compact_gap) it balances for order 0 only
 * (kswapd_shrink_node): fragmentation is kcompactd's to fix. Returns the order it finished at;
 * *done is false when the batch stopped with the node still short (it goes on in the next
 * batch, at that order). */
static unsigned kswapd_balance(struct vml_sim *sim, unsigned node, unsigned order, bool *done,
                               uint64_t *progress)
{
    struct scan_control sc = { .node = node, .kswapd = true, .may_swap = true };
    uint64_t min, low, high;
    node_watermarks(sim, node, &min, &low, &high);
    sim->events[VML_VMSTAT_pageoutrun]++;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_KSWAPD, .n = 1, .n3 = order, .node = node });
    *done = true;
    for (sc.priority = DEF_PRIORITY; sc.priority >= 1;) {
        if (pgdat_balanced(sim, node, order))
            break;
        /* kswapd_shrink_node: at least the high watermark per zone. */
        sc.nr_to_reclaim = high > SWAP_CLUSTER_MAX ? high : SWAP_CLUSTER_MAX;
        uint64_t before = sc.nr_reclaimed + sc.nr_pageout;
        shrink_node(sim, &sc);
        uint64_t got = sc.nr_reclaimed + sc.nr_pageout - before;
        if (order && sim->kswapd[node].balance_reclaimed + sc.nr_reclaimed >= (2ull << order))
            order = 0;
        if (got >= sc.nr_to_reclaim || sim->nr_swap_wb >= SWAP_CLUSTER_MAX) {
            /* enough done, or throttled on its writeback until the next batch */
            *done = pgdat_balanced(sim, node, order);
            break;
        }
        if (!got || got < sc.nr_to_reclaim)
            sc.priority--;
    }
    *progress = sc.nr_reclaimed + sc.nr_pageout;
    /* sc.nr_reclaimed is the whole balance_pgdat's: the next batch of this one adds to it. */
    sim->kswapd[node].balance_reclaimed =
        *done ? 0 : sim->kswapd[node].balance_reclaimed + sc.nr_reclaimed;
    return order;
}

/* One kswapd batch on node at the timer's instant; the thread runs again when the batch's time
 * is up if the node is still short, else it sleeps. Its CPU is its own: its work delays its
 * next batch, never a task's fault.
 *
 * As kswapd(): the order is the one wakeups left (pgdat->kswapd_order, read and reset); when
 * balance_pgdat finishes at a lower order than asked (it fell back to order 0) kswapd tries to
 * sleep at once, with that request; otherwise it tries with the order wakeups left since (none:
 * a batch is one instant here). kswapd_try_to_sleep: prepare_kswapd_sleep (a hopeless node, or
 * one balanced for the order it reclaimed at) wakes kcompactd for the order asked, then sleeps;
 * the nap of HZ/10 before the full sleep is not modelled. */
static void kswapd_run(struct vml_sim *sim, unsigned node)
{
    struct kswapd *k = &sim->kswapd[node];
    uint64_t at = k->timer.when;
    k->timer.armed = false;
    sim->kswapd_work_ns = 0;
    unsigned alloc_order, reclaim_order;
    if (k->balancing) {
        alloc_order = k->balance_alloc;
        reclaim_order = k->balance_order;
    } else {
        alloc_order = reclaim_order = k->order;
        k->order = 0;
    }
    bool done;
    uint64_t progress;
    reclaim_order = kswapd_balance(sim, node, reclaim_order, &done, &progress);
    /* A node kswapd failed to balance MAX_RECLAIM_RETRIES (16) passes in a row is hopeless:
     * kswapd sleeps until direct reclaim makes progress there again (kswapd_failures). */
    if (progress || sim->nr_swap_wb)
        k->failures = 0;
    else
        k->failures++;
    uint64_t spent = sim->kswapd_work_ns ? sim->kswapd_work_ns : COST_RECLAIM_SCAN_NS;
    k->balancing = !done;
    if (!done) {
        /* Still inside balance_pgdat: the next batch goes on at the order it reached, for the
         * order asked; wake-ups meanwhile wait in k->order until it returns. */
        k->balance_alloc = alloc_order;
        k->balance_order = reclaim_order;
        sim_timer_arm(sim, &k->timer, at + spent);
        return;
    }
    if (reclaim_order >= alloc_order)
        alloc_order = reclaim_order = k->order;
    if (k->failures >= 16 || pgdat_balanced(sim, node, reclaim_order)) {
        k->awake = false;
        wakeup_kcompactd(sim, node, alloc_order, at + spent);
    } else {
        sim_timer_arm(sim, &k->timer, at + spent);
    }
}

static int kswapd_fn(struct vml_sim *sim, struct sim_timer *t)
{
    unsigned node = 0;
    while (&sim->kswapd[node].timer != t)
        node++;
    sim->kswapd[node].timer.armed = true; /* the clock disarmed it; kswapd_run does */
    kswapd_run(sim, node);
    if (sim->nr_swap_wb)
        swap_writeback_complete(sim);
    return 0;
}

int kswapd_init(struct vml_sim *sim)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        int r = sim_timer_add(sim, &sim->kswapd[n].timer, kswapd_fn);
        if (r)
            return r;
    }
    return 0;
}

void sim_charge_kernel(struct vml_sim *sim, bool kswapd, uint64_t ns)
{
    if (kswapd)
        sim->kswapd_work_ns += ns;
    else
        sim_charge(sim, ns);
}

void wakeup_kswapd(struct vml_sim *sim, unsigned node, unsigned order, bool direct_reclaim)
{
    struct kswapd *k = &sim->kswapd[node];
    if (k->order < order)
        k->order = order;
    if (k->awake)
        return; /* !waitqueue_active: it reads the order when its batch is done */
    /* A hopeless node, or one already balanced for the order (a high-order request only: the
     * order-0 wake comes from a reclaim point that found the node below its low watermark):
     * the memory may be there in pieces; kcompactd is woken for a request that cannot compact
     * by itself, and relies on compaction_suitable to decide. */
    if (k->failures >= 16 || (order > 0 && pgdat_balanced(sim, node, order))) {
        if (!direct_reclaim)
            wakeup_kcompactd(sim, node, order, sim_op_now(sim));
        return;
    }
    k->awake = true;
    sim_timer_arm(sim, &k->timer, sim_op_now(sim));
}

/* Runs the kswapd batches due by now (another CPU ran them while the task worked). */
static void kswapd_catch_up(struct vml_sim *sim)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct kswapd *k = &sim->kswapd[n];
        while (k->timer.armed && k->timer.when <= sim_op_now(sim)) {
            kswapd_run(sim, n);
            if (sim->nr_swap_wb)
                swap_writeback_complete(sim);
        }
    }
}

void swap_writeback_wait(struct vml_sim *sim, uint64_t pfn)
{
    /* folio_wait_writeback: the operation's time reaches the write's end. */
    for (size_t i = 0; i < sim->nr_swap_wb; i++)
        if (sim->swap_wb[i].pfn == pfn && sim->swap_wb[i].done > sim_op_now(sim))
            sim_charge(sim, sim->swap_wb[i].done - sim_op_now(sim));
    swap_writeback_complete(sim);
}

/* The operation waits until the first swap write in flight ends, and completes what ended. */
static void wait_swap_writeback(struct vml_sim *sim)
{
    uint64_t soonest = UINT64_MAX;
    for (size_t i = 0; i < sim->nr_swap_wb; i++)
        if (sim->swap_wb[i].done < soonest)
            soonest = sim->swap_wb[i].done;
    if (soonest != UINT64_MAX && soonest > sim_op_now(sim))
        sim_charge(sim, soonest - sim_op_now(sim));
    swap_writeback_complete(sim);
}

/* Free pages short of the min watermark on every node, with OOM_NEED to spare: an order-0
 * allocation and the page tables to map it would fail everywhere in the zonelist. */
#define OOM_NEED 5
static bool out_of_room(struct vml_sim *sim)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        uint64_t min, low, high;
        node_watermarks(sim, n, &min, &low, &high);
        if (node_free(sim, n) >= min + OOM_NEED)
            return false;
    }
    return true;
}

/* The nodes the allocation a reclaim point stands before may use, on a machine of several
 * nodes (mpol_alloc_scope): the first its zonelist walk tries, and the nodemask. */
struct reclaim_scope {
    unsigned first;
    uint32_t mask;
};

static int reclaim_once(struct vml_sim *sim, unsigned node, uint64_t need,
                        const struct reclaim_scope *sc);
static int reclaim_point_scope(struct vml_sim *sim, unsigned node, uint64_t need,
                               uint64_t memcg_need, const struct reclaim_scope *sc);

int reclaim_point(struct vml_sim *sim, unsigned node, uint64_t need)
{
    return reclaim_point_memcg(sim, node, need, need);
}

int reclaim_point_memcg(struct vml_sim *sim, unsigned node, uint64_t need, uint64_t memcg_need)
{
    struct reclaim_scope sc;
    const struct sim_task *t =
        vml_phys_nr_nodes(sim->phys) > 1 ? sim_task(sim, sim->current) : NULL;
    if (t)
        sc.mask = mpol_alloc_scope(sim, t, NULL, &sc.first);
    return reclaim_point_scope(sim, node, need, memcg_need, t ? &sc : NULL);
}

int reclaim_point_fault(struct vml_sim *sim, const struct sim_task *t, uint64_t va, unsigned node,
                        uint64_t need)
{
    if (vml_phys_nr_nodes(sim->phys) == 1)
        return reclaim_point_scope(sim, node, need, need, NULL);
    const struct vma *v = vma_find(t->mm->vmas, va);
    struct reclaim_scope sc;
    sc.mask = mpol_alloc_scope(sim, t, v && v->start <= va ? v : NULL, &sc.first);
    return reclaim_point_scope(sim, node, need, need, &sc);
}

static int reclaim_point_scope(struct vml_sim *sim, unsigned node, uint64_t need,
                               uint64_t memcg_need, const struct reclaim_scope *sc)
{
    if (sim->panicked)
        return VML_EPANIC;
    /* __alloc_pages_may_oom: when reclaim gave up (should_reclaim_retry) and an order-0
     * allocation would still fail, the OOM killer frees a process's memory and the allocation
     * is tried again; each round kills one process, so the loop ends. A larger need (a THP,
     * a readahead window) does not invoke it: those allocations fall back to smaller ones. */
    /* A cgroup's limit first: try_charge_memcg's reclaim and OOM for the current cgroup. */
    int mr = memcg_reclaim_point(sim, node, memcg_need);
    if (mr)
        return mr; /* VML_ENOMEM: the cgroup has no room and nothing it may kill */
    for (;;) {
        reclaim_once(sim, node, need, sc);
        if (!out_of_room(sim))
            return 0;
        int r = out_of_memory(sim, node);
        if (r == VML_ENOMEM)
            return 0; /* nobody to act for: the allocation itself fails */
        if (r)
            return r;
    }
}

/* Whether a node of sc can give need pages above watermark mark (0 min, 1 low). */
static bool scope_has_room(const struct vml_sim *sim, const struct reclaim_scope *sc, uint64_t need,
                           unsigned mark)
{
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
        if ((sc->mask & (1u << n)) && node_has_room(sim, n, need, mark))
            return true;
    return false;
}

static int reclaim_once(struct vml_sim *sim, unsigned node, uint64_t need,
                        const struct reclaim_scope *sc)
{
    if (sim->nr_swap_wb)
        swap_writeback_complete(sim);
    kswapd_catch_up(sim);
    kcompactd_catch_up(sim);
    if (sc) {
        /* Several nodes: the allocation goes on along its zonelist (get_page_from_freelist),
         * so nothing reclaims while a node it may use is above its low watermark (the fast
         * path). Below every low, the kswapds of those nodes wake (wake_all_kswapds), and a
         * node above its min still serves it (ALLOC_WMARK_MIN). Below every min the task
         * reclaims, here from the first node of its zonelist (the kernel's shrink_zones goes
         * over each zone of it). */
        if (scope_has_room(sim, sc, need, 1))
            return 0;
        for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
            if (sc->mask & (1u << n))
                wakeup_kswapd(sim, n, 0, true);
        if (scope_has_room(sim, sc, need, 0))
            return 0;
        node = sc->first;
    }
    uint64_t min, low, high;
    node_watermarks(sim, node, &min, &low, &high);
    uint64_t free = node_free(sim, node);
    /* The allocation fast path wants the low watermark; below it kswapd is woken. */
    if (!sc && free < low + need)
        wakeup_kswapd(sim, node, 0, true);
    /* Below min, the allocating task reclaims itself until there is room or nothing more
     * comes back (should_reclaim_retry gives up after no progress: the OOM path follows).
     * With a batch of its swap writes in flight it waits for the first to end instead of
     * starting more (reclaim_throttle, VMSCAN_THROTTLE_WRITEBACK). */
    uint64_t stall = sim->work_ns;
    bool stalled = false;
    unsigned no_progress = 0;
    /* (Several nodes: the zones' lowmem reserves count too, as the allocator's walk counts
     * them. One node keeps the summed min alone, as docs/reclaim.md says.) */
    while (sc ? !node_has_room(sim, node, need, 0) : node_free(sim, node) < min + need) {
        stalled = true;
        if (sim->nr_swap_wb >= SWAP_CLUSTER_MAX) {
            wait_swap_writeback(sim);
            continue;
        }
        uint64_t got = try_to_free_pages(sim, node);
        if (got)
            sim->kswapd[node].failures = 0;
        if (got == 0 &&
            (sc ? !node_has_room(sim, node, need, 0) : node_free(sim, node) < min + need)) {
            if (sim->nr_swap_wb) {
                wait_swap_writeback(sim);
                continue;
            }
            /* should_reclaim_retry: no progress, but page-cache writes in flight (the
             * flusher's, woken above when reclaim found dirty pages) will give pages back:
             * the task waits for the first to end, at most HZ/10 (reclaim_throttle,
             * VMSCAN_THROTTLE_WRITEBACK), and tries again, MAX_RECLAIM_RETRIES times at most
             * before the OOM path. */
            if (++no_progress > MAX_RECLAIM_RETRIES ||
                !writeback_wait_next(sim, sim_op_now(sim) + THROTTLE_WRITEBACK_NS))
                break;
        }
    }
    if (stalled)
        sim->reclaim_ns += sim->work_ns - stall;
    return 0;
}

/* ---- madvise(MADV_COLD, MADV_PAGEOUT) -------------------------------------------------------- */

struct cold_walk {
    struct vml_sim *sim;
    struct sim_mm *mm;
    uint64_t start, end; /* the part of the current VMA advised */
    bool pageout;
    uint64_t *list; /* pfns isolated for reclaim_pages */
    size_t n, cap;
    int err;
    uint64_t young_cleared, deactivated; /* for the event stream (VML_EV_DEACTIVATE) */
};

/* A large anonymous folio the walk meets at leaf (its PMD, or the PTE of its first page) that
 * the advice covers whole and that one address space maps once per page: advised whole
 * (madvise_cold_or_pageout_huge_pmd; madvise_cold_or_pageout_pte_range with folio_pte_batch).
 * The kernel splits a folio the range cuts and advises its pages; the simulation leaves such a
 * folio alone (docs/design.md). */
static bool cold_large_whole(const struct cold_walk *w, const struct vml_pt_leaf *leaf,
                             uint64_t pfn)
{
    struct vml_sim *sim = w->sim;
    const struct frame *h = sim_frame(sim, pfn);
    if (!(h->flags & PGF_LARGE) || folio_head(sim, pfn) != pfn)
        return false;
    uint64_t nr = folio_nr_pages(h);
    const struct large_folio *lf = folio_large(sim, h);
    if (leaf->va < w->start || leaf->va + nr * PAGE_SIZE > w->end ||
        leaf->va != h->index << PAGE_SHIFT || lf->mm_id[1] || lf->maybe_shared)
        return false;
    if (leaf->level == 2)
        return lf->entire_mapcount == 1 && lf->large_mapcount == 1;
    return lf->entire_mapcount == 0 && lf->large_mapcount == (int32_t)nr && lf->nr_mapped == nr;
}

static int cold_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct cold_walk *w = arg;
    struct vml_sim *sim = w->sim;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    bool large = false;
    if (leaf->level == 2) {
        if (is_huge_zero_pfn(sim, pfn) || !cold_large_whole(w, leaf, pfn))
            return 0;
        large = true;
    } else if (leaf->level != 1 || !pte_normal_page(sim, leaf->entry)) {
        return 0;
    }
    struct frame *f = sim_frame(sim, pfn);
    if (!large && (f->flags & PGF_LARGE) && cold_large_whole(w, leaf, pfn))
        large = true;
    if (!large && leaf->level == 1 && !(f->flags & PGF_HUGETLB) &&
        (sim_frame(sim, folio_head(sim, pfn))->flags & PGF_LARGE)) {
        /* A PTE-mapped large folio the range cuts: split (madvise_cold_or_pageout_pte_range's
         * split_folio) when one address space maps it and no PMD does; its pages, single now,
         * are advised one by one from this one on. */
        uint64_t head = folio_head(sim, pfn);
        const struct frame *h = sim_frame(sim, head);
        const struct large_folio *lf = folio_large(sim, h);
        uint64_t hva = h->index << PAGE_SHIFT;
        if (hva >= w->start && hva + folio_nr_pages(h) * PAGE_SIZE <= w->end)
            return 0; /* covered whole: advised at its first page */
        if (lf->entire_mapcount || lf->mm_id[1] || lf->maybe_shared ||
            (sim_frame(sim, head)->flags & PGF_MLOCKED))
            return 0;
        folio_split(sim, head);
    }
    /* Another mapping's page too, or a large folio not advised whole: left alone. */
    if (!large &&
        ((f->flags & (PGF_LARGE | PGF_HUGETLB)) || folio_head(sim, pfn) != pfn || f->mapcount != 1))
        return 0;
    /* MADV_COLD clears the young bit (and flushes it); both clear PG_referenced. File pages
     * pass pageout_anon_only_filter: a scenario's process may write its files. */
    uint64_t nr = large ? folio_nr_pages(f) : 1;
    if (!w->pageout && (large || (leaf->entry & VML_PTE_A))) {
        vml_pt_protect(w->mm->pt, leaf->va, leaf->va + nr * PAGE_SIZE, 0, VML_PTE_A, NULL, NULL);
        sim_flush_range(sim, w->mm, leaf->va, leaf->va + nr * PAGE_SIZE);
        w->young_cleared += large && leaf->level == 2 ? 1 : nr;
    }
    f->flags &= ~PGF_REFERENCED;
    if (f->flags & PGF_ACTIVE)
        f->flags |= PGF_WORKINGSET;
    if (f->flags & PGF_MLOCKED)
        return 0;
    if (!w->pageout) {
        /* folio_deactivate: an active folio to the inactive list's head. */
        if (f->flags & PGF_ACTIVE) {
            lru_del(sim, pfn);
            f->flags &= ~PGF_ACTIVE;
            lru_add(sim, pfn);
            sim->events[VML_VMSTAT_pgdeactivate] += nr;
            w->deactivated += nr;
        }
        return 0;
    }
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 256;
        uint64_t *l = realloc(w->list, cap * sizeof(*l));
        if (!l) {
            w->err = VML_EHOST;
            return 1;
        }
        w->list = l;
        w->cap = cap;
    }
    w->list[w->n++] = pfn;
    return 0;
}

int madvise_cold_or_pageout(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end,
                            bool pageout)
{
    struct sim_mm *mm = t->mm;
    struct cold_walk w = { .sim = sim, .mm = mm, .pageout = pageout };
    uint64_t cur = start;
    int r = 0;
    uint64_t flushes = sim->stats.tlb_flushes, shootdowns = sim->stats.tlb_shootdowns;
    for (struct vma *v = vma_find_next(mm->vmas, start); v && v->start < end; v = vma_next(v)) {
        /* can_madv_lru_vma: neither locked nor hugetlb. */
        if (v->flags & (VM_LOCKED | VM_HUGETLB)) {
            r = VML_EINVAL;
            break;
        }
        uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
        if (s > cur)
            r = VML_ENOMEM; /* a hole: the rest is still advised, ENOMEM at the end */
        w.start = s;
        w.end = e;
        vml_pt_for_each(mm->pt, s, e, cold_leaf, &w);
        if (w.err) {
            r = w.err;
            break;
        }
        cur = e;
    }
    if (r == 0 && cur < end)
        r = VML_ENOMEM;
    if (w.deactivated || w.young_cleared || w.n)
        sim_event(sim,
                  &(struct vml_event){ .kind = VML_EV_DEACTIVATE,
                                       .pid = t->pid,
                                       .addr = start,
                                       .n = w.deactivated,
                                       .n2 = w.young_cleared,
                                       .n3 = w.n,
                                       .tlb_flushes = sim->stats.tlb_flushes - flushes,
                                       .tlb_shootdowns = sim->stats.tlb_shootdowns - shootdowns });
    /* reclaim_pages: the isolated folios through shrink_folio_list, references ignored; what
     * stays goes back to its list. A page-cache folio's pages go together, so a later one of
     * the list may be gone already. */
    struct reclaim_stat st;
    memset(&st, 0, sizeof(st));
    for (size_t i = 0; i < w.n && r != VML_EHOST && r != VML_EINVAL; i++) {
        uint64_t pfn = w.list[i];
        struct frame *f = sim_frame(sim, pfn);
        if (f->refcount <= 0 || !(f->flags & (PGF_ANON | PGF_CACHE)) ||
            (!(f->flags & PGF_LARGE) && f->mapcount != 1))
            continue;
        lru_del(sim, pfn);
        uint64_t freed;
        int e = shrink_folio(sim, pfn, true, false, &st, &freed);
        if (e)
            r = e;
    }
    free(w.list);
    return r;
}
