/* mm/migrate.c: moving a folio to other frames, as compaction asks (migrate_pages:
 * migrate_folio_unmap, move_to_new_folio, remove_migration_ptes): an order-0 anonymous or
 * page-cache page, or an anonymous large folio mapped by PTEs (an mTHP; 6.18 compaction
 * migrates folios smaller than the order it works for).
 *
 * The simulated kernel keeps no reverse map beside the page tables; the walk finds a page's
 * mappings the way rmap_walk's interval trees would answer: an anonymous page lives at the
 * same address in every address space that shares it (its index is its linear page index,
 * and fork keeps addresses; vmlab has no mremap), and a page-cache page at its file offset in
 * every VMA of that file. A page whose mappings the walk cannot all find, or that holds a
 * reference beyond its mappings and the page cache (folio_expected_refs), is not migrated.
 */
#include "mm/sim_internal.h"

#define MIGRATE_MAX_MAPS 64 /* mappings one page may have and still be migrated here */

/* The file whose page cache holds a page (its mapping is the inode number). */
static struct sim_file *file_of(const struct vml_sim *sim, const struct frame *f)
{
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && sim->files[i]->ino == f->mapping)
            return sim->files[i];
    return NULL;
}

struct rmap_hit {
    struct sim_mm *mm;
    uint64_t va;
};

/* Every PTE mapping pfn (rmap_walk), up to cap; the count found. f is the folio's head, index
 * the page's own index (the head's plus its offset in the folio). */
static size_t rmap_collect(const struct vml_sim *sim, const struct frame *f, uint64_t pfn,
                           uint64_t index, struct rmap_hit *hits, size_t cap)
{
    const struct sim_file *file = (f->flags & PGF_CACHE) ? file_of(sim, f) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < sim->nr_tasks && n <= cap; i++) {
        const struct sim_task *t = &sim->tasks[i];
        if (!t->alive || !t->mm)
            continue;
        struct sim_mm *mm = t->mm;
        struct vml_pt_leaf leaf;
        if (!file) {
            uint64_t va = index << PAGE_SHIFT;
            const struct vma *v = vma_find(mm->vmas, va);
            if (v && v->start <= va && vml_pt_lookup(mm->pt, va, &leaf) == 0 && leaf.level == 1 &&
                vml_pte_pfn(leaf.entry) == pfn) {
                if (n < cap)
                    hits[n] = (struct rmap_hit){ mm, va };
                n++;
            }
            continue;
        }
        for (const struct vma *v = vma_first(mm->vmas); v; v = vma_next(v)) {
            if (v->file != file || index < v->pgoff || index - v->pgoff >= vma_pages(v))
                continue;
            uint64_t va = v->start + ((index - v->pgoff) << PAGE_SHIFT);
            if (vml_pt_lookup(mm->pt, va, &leaf) == 0 && leaf.level == 1 &&
                vml_pte_pfn(leaf.entry) == pfn) {
                if (n < cap)
                    hits[n] = (struct rmap_hit){ mm, va };
                n++;
            }
        }
    }
    return n;
}

bool page_movable(const struct vml_sim *sim, uint64_t pfn, unsigned below)
{
    const struct frame *f = sim_frame(sim, pfn);
    /* A page-cache folio's pages are frames of their own here (pagecache.c), moved one by one
     * as the kernel moves the folio whole; one at least as large as the order compaction works
     * for is skipped (skip_isolation_on_order). */
    if (f->flags & PGF_CACHE) {
        const struct sim_file *file = file_of(sim, f);
        if (!file || cache_order(file, f->index) >= below)
            return false;
    }
    if (!(f->flags & PGF_HEAD) || f->order != 0 || (f->flags & (PGF_LARGE | PGF_HUGETLB)))
        return false;
    if (f->use != VML_USE_ANON && f->use != VML_USE_FILE && f->use != VML_USE_SHMEM)
        return false;
    if (pfn == sim->zero_pfn || f->refcount <= 0)
        return false;
    /* isolate_migratepages_block's pin test, and folio_expected_refs: the page cache holds
     * one reference, each mapping one. */
    return f->refcount == f->mapcount + ((f->flags & PGF_CACHE) ? 1 : 0);
}

/* The node counters an order-0 folio f holds, moved from node from to node to (a folio in the
 * swap cache or under writeback holds a reference more and is never movable here). */
static void node_stats_move(struct vml_sim *sim, const struct frame *f, unsigned from, unsigned to)
{
    struct node_stats *a = &sim->node[from], *b = &sim->node[to];
#define MOVE1(field)                                                                               \
    do {                                                                                           \
        a->field--;                                                                                \
        b->field++;                                                                                \
    } while (0)
    if (f->mapcount > 0) {
        if (f->flags & PGF_ANON)
            MOVE1(anon_mapped);
        else
            MOVE1(file_mapped);
    }
    if (f->flags & PGF_CACHE) {
        MOVE1(file_pages);
        if (f->flags & PGF_SHMEMPG)
            MOVE1(shmem);
        else if (f->flags & PGF_DIRTY)
            MOVE1(dirty);
    }
#undef MOVE1
}

int migrate_page(struct vml_sim *sim, uint64_t old, uint64_t new)
{
    struct rmap_hit hits[MIGRATE_MAX_MAPS];
    struct frame *of = sim_frame(sim, old);
    size_t n = rmap_collect(sim, of, old, of->index, hits, MIGRATE_MAX_MAPS);
    if (n != (size_t)of->mapcount || n > MIGRATE_MAX_MAPS)
        return VML_EAGAIN; /* try_to_migrate left mappings behind: the folio stays */
    for (size_t i = 0; i < n; i++) {
        /* try_to_migrate flushes the old entry; remove_migration_pte writes the new one with the
         * old one's access, dirty and write bits. */
        int r = vml_pt_remap(hits[i].mm->pt, hits[i].va, new);
        if (r)
            return r;
        sim_flush_range(sim, hits[i].mm, hits[i].va, hits[i].va + PAGE_SIZE);
    }
    /* folio_migrate_flags / folio_migrate_mapping: the new frame takes the folio's state and
     * its place on its LRU list (same node, same list). Across nodes the folio leaves the old
     * node's list and counters and is put back on the new node's list head (putback_lru_page),
     * its node counters following it (__folio_migrate_mapping moves NR_FILE_PAGES, NR_SHMEM,
     * NR_FILE_DIRTY and NR_SWAPCACHE; the rmap moves NR_*_MAPPED; mlock_folio NR_MLOCK). */
    struct frame *nf = sim_frame(sim, new);
    bool cross = nf->node != of->node;
    if (cross) {
        lru_del(sim, old);
        node_stats_move(sim, of, of->node, nf->node);
    }
    nf->flags = (nf->flags & PGF_HW_MASK) | (of->flags & ~PGF_HW_MASK);
    nf->refcount = of->refcount;
    nf->mapcount = of->mapcount;
    nf->aux = of->aux;
    nf->aux2 = of->aux2;
    nf->mapping = of->mapping;
    nf->index = of->index;
    nf->priv = of->priv;
    if (cross) {
        nf->memcg = of->memcg; /* mem_cgroup_migrate: the charge moves with the folio */
        lru_add(sim, new);
    } else {
        lru_replace(sim, old, new);
    }
    if (of->flags & PGF_CACHE) {
        /* folio_migrate_mapping: the page cache's slot now holds the new folio. */
        struct sim_file *file = file_of(sim, of);
        uint64_t *slot = radix_slot(&file->pages, of->index);
        *slot = (*slot & ~CACHE_PFN_MASK) | (new + 1); /* the folio's order stays recorded */
    }
    numab_page_migrated(sim, old, new);
    of->flags &= PGF_HW_MASK;
    of->refcount = of->mapcount = 0;
    of->aux = 0;
    of->aux2 = 0;
    of->memcg = 0;
    of->mapping = of->index = of->priv = 0;
    vml_phys_free(sim->phys, old, 0);
    sim->events[VML_VMSTAT_pgmigrate_success]++;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n = 1, .pfn = new });
    return 0;
}

bool folio_movable_large(const struct vml_sim *sim, uint64_t head, unsigned below)
{
    const struct frame *f = sim_frame(sim, head);
    const struct large_folio *lf = folio_large(sim, f);
    /* skip_isolation_on_order: only folios smaller than the order compaction works for; the
     * pin test against every mapping, and PMD mappings (THPs) are never migrated here. */
    return lf && (f->flags & PGF_HEAD) && (f->flags & PGF_ANON) && f->order < below &&
           !lf->entire_mapcount && lf->large_mapcount > 0 && f->refcount == lf->large_mapcount;
}

int migrate_folio_large(struct vml_sim *sim, uint64_t old, uint64_t new)
{
    struct frame *oh = sim_frame(sim, old);
    uint64_t nr = 1ull << oh->order;
    /* try_to_migrate: every subpage's mappings first; a folio with one not found stays. */
    size_t total = 0;
    for (uint64_t i = 0; i < nr; i++) {
        const struct frame *sf = sim_frame(sim, old + i);
        struct rmap_hit hits[MIGRATE_MAX_MAPS];
        size_t n = rmap_collect(sim, oh, old + i, oh->index + i, hits, MIGRATE_MAX_MAPS);
        if (n != (size_t)sf->mapcount || n > MIGRATE_MAX_MAPS)
            return VML_EAGAIN;
        total += n;
    }
    if (total != (size_t)folio_large(sim, oh)->large_mapcount)
        return VML_EAGAIN;
    for (uint64_t i = 0; i < nr; i++) {
        struct rmap_hit hits[MIGRATE_MAX_MAPS];
        size_t n = rmap_collect(sim, oh, old + i, oh->index + i, hits, MIGRATE_MAX_MAPS);
        for (size_t k = 0; k < n; k++) {
            int r = vml_pt_remap(hits[k].mm->pt, hits[k].va, new + i);
            if (r)
                return r;
            sim_flush_range(sim, hits[k].mm, hits[k].va, hits[k].va + PAGE_SIZE);
        }
        struct frame *of = sim_frame(sim, old + i), *nf = sim_frame(sim, new + i);
        nf->mapcount = of->mapcount;
        of->mapcount = 0;
    }
    /* The folio's state moves to the new head; its large_folio slot follows (aux2). */
    struct frame *nh = sim_frame(sim, new);
    nh->flags = (nh->flags & PGF_HW_MASK) | (oh->flags & ~PGF_HW_MASK);
    nh->refcount = oh->refcount;
    nh->aux = oh->aux;
    nh->aux2 = oh->aux2;
    nh->mapping = oh->mapping;
    nh->index = oh->index;
    nh->priv = oh->priv;
    lru_replace(sim, old, new);
    folio_large(sim, nh)->head = new + 1;
    oh->flags &= PGF_HW_MASK;
    oh->refcount = 0;
    oh->aux = 0;
    oh->aux2 = 0;
    oh->memcg = 0;
    oh->mapping = oh->index = oh->priv = 0;
    vml_phys_free(sim->phys, old, (unsigned)sim_frame(sim, old)->order);
    sim->events[VML_VMSTAT_pgmigrate_success] += nr;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n = nr, .pfn = new });
    return 0;
}

bool thp_movable(const struct vml_sim *sim, uint64_t head)
{
    const struct frame *f = sim_frame(sim, head);
    const struct large_folio *lf = folio_large(sim, f);
    /* Mapped by PMDs alone (no PTE maps a subpage), not queued for deferred split, no reference
     * beyond its mappings (folio_expected_refs), not in the swap cache. */
    return lf && (f->flags & PGF_HEAD) && (f->flags & PGF_ANON) && f->order == VML_THP_PMD_ORDER &&
           lf->entire_mapcount > 0 && !lf->nr_mapped && !lf->partially_mapped &&
           !(f->flags & (PGF_SWAPCACHE | PGF_WRITEBACK)) && f->refcount == lf->large_mapcount;
}

int migrate_thp(struct vml_sim *sim, uint64_t old, uint64_t new)
{
    struct frame *oh = sim_frame(sim, old);
    struct large_folio *lf = folio_large(sim, oh);
    uint64_t nr = 1ull << oh->order, va = oh->index << PAGE_SHIFT;
    /* try_to_migrate: the PMD of each address space at the folio's address (an anonymous
     * folio's linear index, which fork keeps). */
    struct sim_mm *mms[MIGRATE_MAX_MAPS];
    struct vml_pt_leaf leaves[MIGRATE_MAX_MAPS];
    size_t n = 0;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        const struct sim_task *t = &sim->tasks[i];
        struct vml_pt_leaf leaf;
        if (!t->alive || !t->mm || vml_pt_lookup(t->mm->pt, va, &leaf) || leaf.level != VML_PT_PD ||
            !pte_present(leaf.entry) || (vml_pte_pfn(leaf.entry) & ~(nr - 1)) != old)
            continue;
        bool seen = false; /* threads share an mm */
        for (size_t k = 0; k < n; k++)
            seen |= mms[k] == t->mm;
        if (seen)
            continue;
        if (n == MIGRATE_MAX_MAPS)
            return VML_EAGAIN;
        mms[n] = t->mm;
        leaves[n++] = leaf;
    }
    if (n != (size_t)lf->entire_mapcount)
        return VML_EAGAIN;
    for (size_t k = 0; k < n; k++) {
        /* remove_migration_pmd: the new folio's frame in the old entry, its bits kept. */
        uint64_t e = (leaves[k].entry & ~VML_PTE_PFN_MASK) | (new << PAGE_SHIFT) |
                     (leaves[k].entry & VML_PTE_PAT_LARGE);
        int r = vml_pt_leaf_set(mms[k]->pt, &leaves[k], e);
        if (r)
            return r;
        sim_flush_range_shift(sim, mms[k], va, va + (nr << PAGE_SHIFT), PAGE_SHIFT + oh->order);
    }
    struct frame *nh = sim_frame(sim, new);
    lru_del(sim, old);
    /* NR_ANON_MAPPED: the PMD mappings map all nr subpages (nr_mapped is 0). */
    sim->node[oh->node].anon_mapped -= nr;
    sim->node[nh->node].anon_mapped += nr;
    nh->flags = (nh->flags & PGF_HW_MASK) | (oh->flags & ~PGF_HW_MASK);
    nh->refcount = oh->refcount;
    nh->mapcount = oh->mapcount;
    nh->aux = oh->aux;
    nh->aux2 = oh->aux2;
    nh->mapping = oh->mapping;
    nh->index = oh->index;
    nh->priv = oh->priv;
    nh->memcg = oh->memcg; /* mem_cgroup_migrate */
    lf->head = new + 1;
    lru_add(sim, new);
    numab_page_migrated(sim, old, new);
    oh->flags &= PGF_HW_MASK;
    oh->refcount = oh->mapcount = 0;
    oh->aux = 0;
    oh->aux2 = 0;
    oh->memcg = 0;
    oh->mapping = oh->index = oh->priv = 0;
    vml_phys_free(sim->phys, old, (unsigned)sim_frame(sim, old)->order);
    sim->events[VML_VMSTAT_pgmigrate_success] += nr;
    sim->events[VML_VMSTAT_thp_migration_success]++;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n = nr, .n3 = 1, .pfn = new });
    return 0;
}
