/* mm/swapin.c: the page fault on a swap entry (mm/memory.c: do_swap_page), the swap-in read
 * and its readahead (mm/swap_state.c: swap_cache_get_folio, swapin_readahead,
 * swap_vma_readahead, swap_cluster_readahead, __read_swap_cache_async).
 *
 * A page still in the swap cache is mapped again at once: a minor fault. Otherwise the fault
 * reads it from the swap area's device and waits (a major fault, pswpin), and reads ahead:
 * - VMA-based (swap_vma_readahead, the default): a window of up to 2^page-cluster pages (8)
 *   around the fault in the same VMA and page table, every swap entry in it read into the swap
 *   cache. The window (swap_vma_ra_win, __swapin_nr_pages) follows the VMA's readahead state:
 *   hits + 2 pages rounded up to a power of two (at least 4), one page after a miss with no
 *   hits unless the fault is next to the last one, never less than half the last window; it
 *   starts at the fault when the fault follows the last one, ends at it when it precedes it,
 *   and is centred otherwise. A VMA starts as if it had 4 hits.
 * - Cluster-based (swap_cluster_readahead) when a swap area is on a rotational disk (the hdd
 *   preset: nr_rotate_swap): the aligned block of 2^window slots around the faulting slot, with
 *   the same window rule kept machine-wide.
 * The pages read ahead go on the inactive anon list marked PG_readahead (swap_ra); a fault that
 * finds one counts swap_ra_hit and a hit for the next window. Reads of neighbouring slots are
 * one request (the block plug merges them); the fault waits for the requests of its window. A
 * page comes in where reclaim left a shadow: its refault is evaluated (workingset.c).
 *
 * The page-table reference moves from the slot to the page (swap_free_nr); the page leaves the
 * swap cache, freeing its slot, when swap is more than half full, the VMA is mlocked, or a
 * write fault finds no one else using it (should_try_to_free_swap). It is mapped writable when
 * it is exclusive (the entry's _PAGE_SWP_EXCLUSIVE, or a page read just now) and the VMA allows
 * writing; dirty when the fault writes.
 */
#include "mm/blockdev.h"
#include "mm/sim_internal.h"

/* include/linux/swap.h SWAP_RA_ORDER_CEILING, and the readahead state packed as
 * swap_readahead_info is (mm/swap_state.c SWAP_RA_VAL: address, window, hits). */
#define SWAP_RA_ORDER_CEILING 5
#define SWAP_RA_WIN_SHIFT     (PAGE_SHIFT / 2)
#define SWAP_RA_HITS_MASK     ((1ull << SWAP_RA_WIN_SHIFT) - 1)
#define SWAP_RA_WIN_MASK      (~PAGE_MASK & ~SWAP_RA_HITS_MASK)
#define SWAP_RA_VAL(addr, win, hits)                                                               \
    (((addr)&PAGE_MASK) | (((uint64_t)(win) << SWAP_RA_WIN_SHIFT) & SWAP_RA_WIN_MASK) |            \
     ((hits)&SWAP_RA_HITS_MASK))
#define SWAP_RA_MAX_WIN (1u << SWAP_RA_ORDER_CEILING)

static uint64_t ra_val(const struct vma *v)
{
    return v->swap_ra ? v->swap_ra : 4; /* GET_SWAP_RA_VAL: 4 hits to start with a window */
}

/* swap_use_vma_readahead: vma_ra_enabled (true) and no swap area on a rotational disk. */
static bool use_vma_readahead(const struct vml_sim *sim)
{
    return sim->swap_hdd == 0; /* kept where areas come and go, not read from each */
}

void free_swap_cache(struct vml_sim *sim, uint64_t pfn)
{
    /* free_pages_and_swap_cache -> free_swap_cache: a swap-cache page no page maps and no
     * swap entry refers to leaves the cache when its last mapping goes. */
    struct frame *f = sim_frame(sim, pfn);
    if ((f->flags & PGF_SWAPCACHE) && f->mapcount == 0 && !(f->flags & PGF_SWAPWB) &&
        f->refcount == 1 && swap_count(sim, f->priv) == 0) {
        swap_cache_del(sim, pfn);
        page_put(sim, pfn);
    }
}

bool swapin_cache_lookup(struct vml_sim *sim, struct vma *v, uint64_t va, uint64_t entry,
                         uint64_t *pfn)
{
    if (!swap_cache_lookup(sim, entry, pfn))
        return false;
    /* swap_cache_get_folio -> swap_update_readahead: a page read ahead counts a hit, and the
     * VMA remembers this address (and the hits) for its next window. */
    struct frame *f = sim_frame(sim, *pfn);
    bool readahead = (f->flags & PGF_READAHEAD) != 0;
    f->flags &= ~PGF_READAHEAD;
    bool vma_ra = use_vma_readahead(sim);
    if (v && vma_ra) {
        uint64_t val = ra_val(v), hits = val & SWAP_RA_HITS_MASK;
        if (readahead && hits < SWAP_RA_HITS_MASK)
            hits++;
        v->swap_ra = SWAP_RA_VAL(va, (val & SWAP_RA_WIN_MASK) >> SWAP_RA_WIN_SHIFT, hits);
    }
    if (readahead) {
        sim->events[VML_VMSTAT_swap_ra_hit]++;
        if (!v || !vma_ra)
            sim->swapin_ra_hits++;
    }
    return true;
}

/* __swapin_nr_pages. */
static unsigned swapin_nr_pages(uint64_t prev_offset, uint64_t offset, uint64_t hits,
                                unsigned max_pages, unsigned prev_win)
{
    unsigned pages = (unsigned)hits + 2;
    if (pages == 2) {
        /* No hits to judge by: one page unless this fault is next to the last one. */
        if (offset != prev_offset + 1 && offset != prev_offset - 1)
            pages = 1;
    } else {
        unsigned roundup = 4;
        while (roundup < pages)
            roundup <<= 1;
        pages = roundup;
    }
    if (pages > max_pages)
        pages = max_pages;
    if (pages < prev_win / 2) /* do not shrink readahead too fast */
        pages = prev_win / 2;
    return pages;
}

static unsigned max_window(const struct vml_sim *sim)
{
    unsigned pc = sim->vm.page_cluster;
    return 1u << (pc < SWAP_RA_ORDER_CEILING ? pc : SWAP_RA_ORDER_CEILING);
}

unsigned swapin_max_pages(const struct vml_sim *sim)
{
    /* swap_vma_readahead caps page-cluster at SWAP_RA_ORDER_CEILING; swapin_nr_pages (the
     * cluster mode) does not. */
    unsigned pc = sim->vm.page_cluster;
    /* The cheap test first: every fault asks, and use_vma_readahead reads every swap area. */
    if (pc <= SWAP_RA_ORDER_CEILING || use_vma_readahead(sim))
        return max_window(sim);
    return pc >= 31 ? 1u << 31 : 1u << pc;
}

/* __read_swap_cache_async + swap_read_folio for one slot: a new page in the swap cache, on
 * the inactive anon list (active if its refault is recent). A slot in the zeromap is not read:
 * the page is filled with zeros (swap_read_folio_zeromap: swpin_zero, no pswpin) and *io is
 * false; otherwise its read is to be submitted (pswpin) and *io true. *pfn: the page. */
static int read_swap_cache_async(struct vml_sim *sim, unsigned node, uint64_t lineage,
                                 uint64_t index, uint64_t entry, uint64_t *pfn, bool *io)
{
    uint64_t shadow = swap_cache_shadow(sim, entry);
    /* mem_cgroup_swapin_charge_folio: the cgroup the slot was charged to, while it lives. */
    unsigned was = sim->memcg_cur, rec = swap_memcg(sim, entry);
    if (rec && memcg_of(sim, rec)->online)
        sim->memcg_cur = rec;
    int r = page_alloc_anon(sim, node, lineage, index, pfn);
    sim->memcg_cur = was;
    if (r)
        return r;
    r = swap_cache_add(sim, *pfn, entry);
    page_put(sim, *pfn); /* the swap cache's reference keeps it, or it goes */
    if (r)
        return r;
    workingset_swapin(sim, *pfn, shadow);
    *io = !swap_zeromap_test(sim, entry);
    unsigned memcg = sim_frame(sim, *pfn)->memcg;
    if (*io) {
        sim->events[VML_VMSTAT_pswpin]++;
        memcg_count(sim, memcg, MEV_PSWPIN, 1);
    } else {
        sim->events[VML_VMSTAT_swpin_zero]++;
        memcg_count(sim, memcg, MEV_SWPIN_ZERO, 1);
        page_mark_zerofill(sim, *pfn);
        sim_charge(sim, COST_CLEAR_4K_NS); /* folio_zero_range */
    }
    sim_event(sim,
              &(struct vml_event){
                  .kind = VML_EV_SWAP_IN, .pid = sim->current, .n = *io, .n2 = !*io, .pfn = *pfn });
    return 0;
}

/* The reads of a readahead window: runs of neighbouring slots of one area are one request. */
struct ra_reads {
    uint64_t first, next; /* the run being gathered: first entry, entry after its last */
    uint64_t done;        /* when the latest request submitted ends */
};

static void ra_flush(struct vml_sim *sim, struct ra_reads *rr)
{
    if (rr->next == rr->first)
        return;
    uint64_t done =
        bdev_submit(swap_bdev(sim, rr->first), sim_op_now(sim), false,
                    swp_offset(rr->first) * PAGE_SIZE, (rr->next - rr->first) * PAGE_SIZE);
    /* submit_bio counts the bio's sectors in pgpgin; /proc/vmstat shows KiB. */
    sim->events[VML_VMSTAT_pgpgin] += (rr->next - rr->first) * (PAGE_SIZE >> 10);
    if (done > rr->done)
        rr->done = done;
    rr->first = rr->next;
}

static void ra_add(struct vml_sim *sim, struct ra_reads *rr, uint64_t entry)
{
    if (rr->next != entry)
        ra_flush(sim, rr);
    if (rr->next == rr->first)
        rr->first = entry;
    rr->next = entry + 1;
}

/* Reads the slot entry into the swap cache if it is in use and not cached yet (a readahead
 * page marked PG_readahead unless it is the target). A page the machine cannot give ends the
 * window quietly, except for the target. */
static int ra_read_one(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                       uint64_t entry, bool target, struct ra_reads *rr)
{
    uint64_t pfn;
    if (swap_cache_lookup(sim, entry, &pfn))
        return 0;
    if (!swap_count(sim, entry)) /* swap_entry_swapped: a free slot is not read */
        return 0;
    bool io;
    int r = read_swap_cache_async(sim, node, lineage, index, entry, &pfn, &io);
    if (r)
        return target ? r : 1;
    if (io) /* a zeromap slot has no bio: it breaks a run of neighbouring reads */
        ra_add(sim, rr, entry);
    if (!target) {
        sim_frame(sim, pfn)->flags |= PGF_READAHEAD;
        sim->events[VML_VMSTAT_swap_ra]++;
        sim_event(sim, &(struct vml_event){
                           .kind = VML_EV_SWAP_IN, .pid = sim->current, .n3 = 1, .pfn = pfn });
    }
    return 0;
}

/* swap_vma_ra_win: the window's pages, [*start, *end) around va within the VMA and the page
 * table (PMD) holding va. */
static unsigned vma_ra_win(const struct vml_sim *sim, struct vma *v, uint64_t va, uint64_t *start,
                           uint64_t *end)
{
    unsigned max_win = max_window(sim);
    if (max_win == 1)
        return 1;
    uint64_t val = ra_val(v), prev = val & PAGE_MASK;
    unsigned prev_win = (unsigned)((val & SWAP_RA_WIN_MASK) >> SWAP_RA_WIN_SHIFT);
    unsigned win = swapin_nr_pages(prev >> PAGE_SHIFT, va >> PAGE_SHIFT, val & SWAP_RA_HITS_MASK,
                                   max_win, prev_win);
    v->swap_ra = SWAP_RA_VAL(va, win, 0);
    if (win == 1)
        return 1;
    uint64_t left;
    if (va == prev + PAGE_SIZE)
        left = va;
    else if (prev == va + PAGE_SIZE)
        left = va + PAGE_SIZE - ((uint64_t)win << PAGE_SHIFT);
    else
        left = va - ((uint64_t)((win - 1) / 2) << PAGE_SHIFT);
    uint64_t right = left + ((uint64_t)win << PAGE_SHIFT);
    if ((int64_t)left < 0)
        left = 0;
    uint64_t pmd = va & ~((2ull << 20) - 1);
    *start = left > v->start ? left : v->start;
    if (*start < pmd)
        *start = pmd;
    *end = right < v->end ? right : v->end;
    if (*end > pmd + (2ull << 20))
        *end = pmd + (2ull << 20);
    return win;
}

/* swap_cluster_readahead's window: swapin_nr_pages with the machine-wide state. */
static unsigned cluster_ra_win(struct vml_sim *sim, uint64_t offset)
{
    unsigned max_pages = swapin_max_pages(sim);
    if (max_pages <= 1)
        return 1;
    uint64_t hits = sim->swapin_ra_hits;
    sim->swapin_ra_hits = 0;
    unsigned pages =
        swapin_nr_pages(sim->swapin_prev_offset, offset, hits, max_pages, sim->swapin_last_ra);
    if (!hits)
        sim->swapin_prev_offset = offset;
    sim->swapin_last_ra = pages;
    return pages;
}

int swapin_readahead(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                     uint64_t entry, uint64_t *pfn)
{
    vma_anon_prepare(sim, v);
    unsigned node = task_node(sim, t);
    struct ra_reads rr = { 0, 0, 0 };
    int r = 0;
    if (use_vma_readahead(sim)) {
        uint64_t start = 0, end = 0;
        if (vma_ra_win(sim, v, va, &start, &end) > 1) {
            for (uint64_t a = start; a < end && r == 0; a += PAGE_SIZE) {
                struct vml_pt_leaf leaf;
                if (vml_pt_lookup(t->mm->pt, a, &leaf) || !pte_is_swap(leaf.entry))
                    continue;
                r = ra_read_one(sim, node, v->anon, a >> PAGE_SHIFT, pte_to_swp_entry(leaf.entry),
                                a == va, &rr);
            }
        }
    } else {
        /* Slot 0 holds the area's header; the block ends at the area's last slot. */
        uint64_t mask = cluster_ra_win(sim, swp_offset(entry)) - 1, off = swp_offset(entry);
        uint64_t first = off & ~mask, last = off | mask, max = sim->swap[swp_type(entry)].max;
        if (mask) {
            if (first == 0)
                first = 1;
            if (last >= max)
                last = max - 1;
            for (uint64_t o = first; o <= last && r == 0; o++) {
                uint64_t e = swp_entry(swp_type(entry), o);
                /* Pages of other slots have no mapping until a fault maps them
                 * (__folio_set_anon then names it: swap_map_page). */
                r = e == entry ? ra_read_one(sim, node, v->anon, va >> PAGE_SHIFT, e, true, &rr)
                               : ra_read_one(sim, node, 0, 0, e, false, &rr);
            }
        }
    }
    ra_flush(sim, &rr);
    if (r < 0)
        return r;
    /* The target itself when the window did not take it (no window, or memory ran out). */
    if (!swap_cache_lookup(sim, entry, pfn)) {
        bool io;
        r = read_swap_cache_async(sim, node, v->anon, va >> PAGE_SHIFT, entry, pfn, &io);
        if (r)
            return r;
        if (io) {
            ra_add(sim, &rr, entry);
            ra_flush(sim, &rr);
        }
    }
    sim_charge(sim, COST_ALLOC_PAGE_NS);
    sim_charge_io(sim, rr.done);
    return 0;
}

int swap_map_page(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t va,
                  uint64_t pfn, uint64_t flags, bool exclusive)
{
    /* set_pte_at through the PTE the look-up finds (its last table remembered: no walk); the
     * walk that allocates tables only when there is no 4 KiB entry to replace. */
    uint64_t pte = (pfn << PAGE_SHIFT) | flags | VML_PTE_P;
    struct vml_pt_leaf leaf;
    int r = vml_pt_lookup(mm->pt, va, &leaf) == 0 && leaf.level == 1
                ? vml_pt_leaf_set(mm->pt, &leaf, pte)
                : vml_pt_set_pte(mm->pt, va, pte);
    if (r)
        return r;
    struct frame *f = sim_frame(sim, pfn);
    if (!f->mapping && !f->mapcount) {
        /* __folio_set_anon: a page read ahead from another slot takes this VMA's. */
        f->mapping = v->anon;
        f->index = va >> PAGE_SHIFT;
    }
    page_add_map(sim, mm, pfn);
    if (exclusive)
        f->flags |= PGF_EXCLUSIVE;
    else
        f->flags &= ~PGF_EXCLUSIVE;
    mm->rss[MM_SWAPENTS]--;
    mm->rss[MM_ANONPAGES]++;
    if (v->flags & VM_LOCKED)
        page_mlock(sim, pfn);
    return 0;
}

int do_swap_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va, uint64_t pte,
                 bool write, bool *major)
{
    struct sim_mm *mm = t->mm;
    uint64_t entry = pte_to_swp_entry(pte);
    bool exclusive = (pte & PTE_SWP_EXCLUSIVE) != 0;
    uint64_t pfn;
    bool fresh = false;
    if (!swapin_cache_lookup(sim, v, va, entry, &pfn)) {
        int r = swapin_readahead(sim, t, v, va, entry, &pfn);
        if (r)
            return r;
        *major = true;
        fresh = true;
    }
    struct frame *f = sim_frame(sim, pfn);
    /* A page read for this fault is exclusive; one found in the cache as the entry says. */
    if (fresh)
        exclusive = true;
    bool writable = exclusive && (v->flags & VM_WRITE);
    uint64_t flags = vma_pte_flags(v, writable) | (writable && write ? VML_PTE_D : 0);
    int r = swap_map_page(sim, mm, v, va, pfn, flags, exclusive);
    if (r)
        return r;
    if (writable && write)
        page_set_dirty(sim, pfn);
    /* swap_free_nr: the entry's reference goes (the page is mapped, so it stays cached). */
    swap_put(sim, entry);
    /* should_try_to_free_swap, then folio_free_swap if no other entry refers to the slot. */
    bool try_free = vm_swap_full(sim) || (v->flags & VM_LOCKED) || (f->flags & PGF_MLOCKED) ||
                    (write && f->refcount == 2);
    if (try_free && (f->flags & PGF_SWAPCACHE) && !(f->flags & PGF_SWAPWB) &&
        swap_count(sim, f->priv) == 0) {
        swap_free_folio(sim, pfn);
        f->refcount--;
    }
    /* A write the exclusive mapping could not take: the copy-on-write path follows. */
    return write && !writable ? SWAP_FAULT_WP : 0;
}
