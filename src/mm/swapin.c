/* mm/swapin.c: the page fault on a swap entry (mm/memory.c: do_swap_page) and the read from
 * swap it may take (mm/swap_state.c: swap_cache_get_folio, read_swap_cache_async).
 *
 * A page still in the swap cache is mapped again at once: a minor fault. Otherwise a new page
 * joins the swap cache, is read from the swap area's device (the fault waits for it: a major
 * fault, pswpin) and goes on the inactive anon list. The page-table reference moves from the
 * slot to the page (swap_free_nr); the page leaves the swap cache, freeing its slot, when swap
 * is more than half full, the VMA is mlocked, or a write fault finds no one else using it
 * (should_try_to_free_swap). It is mapped writable when it is exclusive (the entry's
 * _PAGE_SWP_EXCLUSIVE, or a page read just now) and the VMA allows writing; dirty when the
 * fault writes.
 *
 * Swap readahead (swap_vma_readahead, page-cluster) is not modelled yet: each swapped page is
 * read by its own fault.
 */
#include "mm/blockdev.h"
#include "mm/sim_internal.h"

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

int swap_read_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                   uint64_t entry, uint64_t *pfn)
{
    /* __read_swap_cache_async: a new page, in the swap cache, read from the area (the
     * operation waits for the device). */
    vma_anon_prepare(sim, v);
    int r = page_alloc_anon(sim, task_node(sim, t), v->anon, va >> PAGE_SHIFT, pfn);
    if (r)
        return r;
    r = swap_cache_add(sim, *pfn, entry);
    page_put(sim, *pfn); /* the swap cache's reference keeps it, or it goes */
    if (r)
        return r;
    sim_charge(sim, COST_ALLOC_PAGE_NS);
    sim_charge_io(sim, bdev_submit(swap_bdev(sim, entry), sim_op_now(sim), false,
                                   swp_offset(entry) * PAGE_SIZE, PAGE_SIZE));
    sim->events[VML_VMSTAT_pswpin]++;
    return 0;
}

int swap_map_page(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t va,
                  uint64_t pfn, uint64_t flags, bool exclusive)
{
    int r = vml_pt_set_pte(mm->pt, va, (pfn << PAGE_SHIFT) | flags | VML_PTE_P);
    if (r)
        return r;
    struct frame *f = sim_frame(sim, pfn);
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
    if (!swap_cache_lookup(sim, entry, &pfn)) {
        int r = swap_read_page(sim, t, v, va, entry, &pfn); /* swapin_readahead */
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
        swap_cache_del(sim, pfn);
        f->refcount--;
    }
    /* A write the exclusive mapping could not take: the copy-on-write path follows. */
    return write && !writable ? SWAP_FAULT_WP : 0;
}
