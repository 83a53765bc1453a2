/* mm/shmem.c: shmem pages going to swap and coming back (mm/shmem.c of 6.18: shmem_writeout,
 * shmem_swapin_folio, shmem_swap_usage, shmem_unuse, and the swap entries freed with the
 * object, shmem_free_swap).
 *
 * Reclaim hands an unmapped shmem page to shmem_writeout, which gives it a swap slot, takes it
 * out of the object's page cache (Shmem and Cached fall) into the swap cache (SwapCached), and
 * leaves the slot's swap entry in the object's index where the page was; the entry holds a
 * reference to the slot (swap_shmem_alloc). The page is then written like an anonymous one
 * and freed when reclaim finds it written. A fault or a write(2) at that index finds the entry
 * (shmem_get_folio_gfp -> shmem_swapin_folio): the page still in the swap cache comes back into
 * the page cache as it is, else a new page is read from the device (a major fault, pswpin);
 * either way the slot is freed and the page is dirty. Page tables never hold shmem swap
 * entries: VmSwap does not count them, smaps shows them as Swap of the mappings whose range
 * holds them (shmem_swap_usage).
 *
 * Not modelled: swap readahead for shmem (shmem_swapin_cluster), large shmem folios (shmem's
 * pages are single pages here), the workingset shadows of shmem swap entries, and SHM_LOCK.
 */
#include "mm/blockdev.h"
#include "mm/sim_internal.h"

#include <stdlib.h>

bool shmem_swapped_at(const struct sim_file *f, uint64_t index, uint64_t *entry)
{
    uint64_t *slot = radix_slot((struct radix *)&f->swap, index);
    if (!slot || !*slot)
        return false;
    if (entry)
        *entry = *slot - 1;
    return true;
}

static void swap_slot_clear(struct sim_file *f, uint64_t index)
{
    uint64_t *slot = radix_slot(&f->swap, index);
    if (slot && *slot) {
        *slot = 0;
        f->nr_swapped--;
    }
}

int shmem_writeout(struct vml_sim *sim, struct sim_file *f, uint64_t pfn, bool *activate)
{
    struct frame *fr = sim_frame(sim, pfn);
    uint64_t index = fr->index, entry;
    *activate = false;
    /* shmem_writeout: no swap at all, or an mlocked page, is redirtied and activated. */
    if (!sim->total_swap_pages || (fr->flags & PGF_MLOCKED) || !swap_alloc(sim, &entry)) {
        *activate = true;
        return 0;
    }
    if (!memcg_try_charge_swap(sim, fr->memcg, 1)) {
        swap_slot_unused(sim, entry); /* past memory.swap.max: kept, as without swap */
        *activate = true;
        return 0;
    }
    swap_set_memcg(sim, entry, 1, fr->memcg);
    uint64_t *slot;
    if (radix_reserve(&f->swap, index, &slot))
        return VML_EHOST;
    /* shmem_delete_from_page_cache: out of the object's index (NR_FILE_PAGES, NR_SHMEM), the
     * swap entry in its place; swap_shmem_alloc: the index's reference to the slot. */
    *radix_slot(&f->pages, index) = 0;
    f->nr_cached--;
    struct node_stats *ns = &sim->node[fr->node];
    ns->file_pages--;
    ns->shmem--;
    fr->flags &= ~(PGF_CACHE | PGF_SHMEMPG);
    fr->flags |= PGF_SHMEMSWAP;
    fr->mapping = 0;
    *slot = entry + 1;
    f->nr_swapped++;
    int r = swap_cache_add(sim, pfn, entry);
    if (r)
        return r;
    page_put(sim, pfn); /* the page cache's reference became the swap cache's */
    swap_dup(sim, entry);
    fr->flags |= PGF_DIRTY; /* swap_writeout writes it (its data are nowhere else) */
    return 0;
}

int shmem_swapin(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned node,
                 uint64_t *pfn, bool *major)
{
    uint64_t entry;
    *major = false;
    if (!shmem_swapped_at(f, index, &entry))
        return VML_ENOENT;
    uint64_t *slot;
    int r = radix_reserve(&f->pages, index, &slot);
    if (r)
        return r;
    if (swap_cache_lookup(sim, entry, pfn)) {
        /* The page is still in the swap cache: it comes back as it is, once its write, if one
         * is in flight, has ended (folio_wait_writeback); the swap cache's reference passes to
         * the page cache. */
        if (sim_frame(sim, *pfn)->flags & PGF_SWAPWB)
            swap_writeback_wait(sim, *pfn);
        swap_cache_del(sim, *pfn);
        struct frame *fr = sim_frame(sim, *pfn);
        lru_del(sim, *pfn);
        fr->flags &= ~PGF_SHMEMSWAP;
        fr->flags |= PGF_CACHE | PGF_SHMEMPG;
        fr->mapping = f->ino;
        fr->index = index;
        struct node_stats *ns = &sim->node[fr->node];
        ns->file_pages++;
        ns->shmem++;
        lru_add(sim, *pfn);
    } else {
        /* shmem_swap_alloc_folio / a one-page swap_cluster_readahead: read, waited for, and
         * a major fault for the faulting task (shmem_swapin_folio's VM_FAULT_MAJOR). */
        unsigned was = sim->memcg_cur, rec = swap_memcg(sim, entry);
        if (rec && memcg_of(sim, rec)->online)
            sim->memcg_cur = rec; /* mem_cgroup_swapin_charge_folio: the slot's cgroup */
        r = page_alloc_cache(sim, node, f, index, pfn);
        sim->memcg_cur = was;
        if (r)
            return r;
        uint64_t done = bdev_submit(swap_bdev(sim, entry), sim_op_now(sim), false,
                                    swp_offset(entry) * PAGE_SIZE, PAGE_SIZE);
        sim->events[VML_VMSTAT_pgpgin] += PAGE_SIZE >> 10; /* submit_bio, in KiB */
        sim_charge_io(sim, done);
        sim->events[VML_VMSTAT_pswpin]++;
        memcg_count(sim, sim_frame(sim, *pfn)->memcg, MEV_PSWPIN, 1);
        *major = true;
    }
    /* shmem_add_to_page_cache, then swap_free_nr: the index holds the page again, the slot's
     * last reference goes with it. The page is dirty (folio_mark_dirty). */
    *slot = *pfn + 1;
    f->nr_cached++;
    page_set_dirty(sim, *pfn);
    swap_slot_clear(f, index);
    swap_put(sim, entry);
    return 0;
}

struct swap_range {
    uint64_t from, to;
    uint64_t *idx;
    size_t n, cap;
    bool oom;
};

static void collect(uint64_t index, uint64_t val, void *ctx)
{
    struct swap_range *c = ctx;
    if (!val || index < c->from || index >= c->to || c->oom)
        return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        uint64_t *n = realloc(c->idx, cap * sizeof(*n));
        if (!n) {
            c->oom = true;
            return;
        }
        c->idx = n;
        c->cap = cap;
    }
    c->idx[c->n++] = index;
}

int shmem_free_swap_range(struct vml_sim *sim, struct sim_file *f, uint64_t from, uint64_t to)
{
    /* shmem_undo_range -> shmem_free_swap: each entry's reference to its slot goes (a page
     * still in the swap cache for it is freed when nothing holds it). */
    struct swap_range c = { .from = from, .to = to };
    /* The swap writes due by now end first: a page still under writeback keeps its slot
     * (folio_free_swap refuses it) until reclaim finds it written. */
    if (sim->nr_swap_wb)
        swap_writeback_complete(sim);
    radix_for_each(&f->swap, collect, &c);
    for (size_t i = 0; i < c.n; i++) {
        uint64_t entry;
        if (!shmem_swapped_at(f, c.idx[i], &entry))
            continue;
        swap_slot_clear(f, c.idx[i]);
        swap_put(sim, entry);
    }
    free(c.idx);
    return c.oom ? VML_EHOST : 0;
}

uint64_t shmem_swapped_pages(const struct vml_sim *sim, const struct sim_mm *mm,
                             const struct vma *v)
{
    const struct sim_file *f = v->file;
    if (!f || !f->shmem || !f->nr_swapped)
        return 0;
    /* shmem_swap_usage / smaps_pte_hole's shmem_partial_swap_usage: the entries in the index
     * over the VMA's range, where no PTE maps a page. */
    uint64_t n = 0;
    (void)sim;
    for (uint64_t i = 0; i < vma_pages(v); i++) {
        if (!shmem_swapped_at(f, v->pgoff + i, NULL))
            continue;
        struct vml_pt_leaf leaf;
        uint64_t va = v->start + (i << PAGE_SHIFT);
        if (vml_pt_lookup(mm->pt, va, &leaf) == 0 && pte_present(leaf.entry))
            continue;
        n++;
    }
    return n;
}

int shmem_unuse(struct vml_sim *sim, unsigned type)
{
    /* shmem_unuse: every shmem object's entries in the area come back into its page cache. */
    for (size_t i = 0; i < sim->nr_files; i++) {
        struct sim_file *f = sim->files[i];
        if (!f || !f->shmem || !f->nr_swapped)
            continue;
        uint64_t size_pages = (f->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
        for (uint64_t idx = 0; idx < size_pages && f->nr_swapped; idx++) {
            uint64_t entry, pfn;
            bool major;
            if (!shmem_swapped_at(f, idx, &entry) || swp_type(entry) != type)
                continue;
            int r = shmem_swapin(sim, f, idx, 0, &pfn, &major);
            if (r)
                return r;
        }
    }
    return 0;
}
