/* mm/rmap.c: the reverse map walk (rmap_walk) and what reclaim does through it:
 * folio_referenced (harvest and clear the accessed bits) and try_to_unmap.
 *
 * The simulated kernel keeps no anon_vma or i_mmap trees; the walk answers as they would: an
 * anonymous page lives at the address its index names in every address space that maps it
 * (fork keeps addresses and vmlab has no mremap), a page-cache page at its file offset in
 * every VMA of its file.
 */
#include "mm/sim_internal.h"

/* A host shortcut, not the kernel's: an anonymous page mapped once is in one address space
 * only, and reclaim's LRU order keeps meeting pages of the same one. The task whose mm held the
 * last such page is tried first; if its entry at the page's address (index) maps this page, that
 * is the one mapping rmap_walk's loop would find (whichever task it reached it by: fn sees only
 * the mm), and the other tasks need no table walks. True with the mapping in *mm, *v, *leaf. */
static inline bool rmap_hint_find(struct vml_sim *sim, uint64_t pfn, uint64_t index,
                                  struct sim_mm **mm, struct vma **v, struct vml_pt_leaf *leaf)
{
    if (sim->rmap_hint >= sim->nr_tasks)
        return false;
    const struct sim_task *t = &sim->tasks[sim->rmap_hint];
    uint64_t va = index << PAGE_SHIFT;
    if (!t->alive || !t->mm || !(*v = vma_find(t->mm->vmas, va)) || (*v)->start > va ||
        (*v)->file || vml_pt_lookup(t->mm->pt, va, leaf) != 0 || leaf->level != 1 ||
        !pte_present(leaf->entry) || vml_pte_pfn(leaf->entry) != pfn)
        return false;
    *mm = t->mm;
    return true;
}

int rmap_walk(struct vml_sim *sim, uint64_t pfn, rmap_fn fn, void *ctx)
{
    const struct frame *f = sim_frame(sim, pfn);
    uint64_t index;
    const struct sim_file *file = NULL;
    int left;
    if ((f->flags & (PGF_HEAD | PGF_LARGE | PGF_CACHE)) == PGF_HEAD) {
        /* A single anonymous page (what reclaim walks for most): its own head, no PMD maps. */
        index = f->index;
        left = f->mapcount;
    } else {
        uint64_t head = folio_head(sim, pfn);
        index = sim_frame(sim, head)->index + (pfn - head);
        if (f->flags & PGF_CACHE) {
            file = cache_file_of(sim, pfn);
            index = f->index;
        }
        left = page_mapcount(sim, pfn);
    }
    if (!file && left == 1) {
        struct sim_mm *mm;
        struct vma *v;
        struct vml_pt_leaf leaf;
        if (rmap_hint_find(sim, pfn, index, &mm, &v, &leaf))
            return fn(sim, mm, v, &leaf, ctx);
    }
    for (size_t i = 0; i < sim->nr_tasks && left > 0; i++) {
        struct sim_task *t = &sim->tasks[i];
        if (!t->alive || !t->mm)
            continue;
        struct sim_mm *mm = t->mm;
        struct vml_pt_leaf leaf;
        if (!file) {
            uint64_t va = index << PAGE_SHIFT;
            struct vma *v = vma_find(mm->vmas, va);
            if (v && v->start <= va && !v->file && vml_pt_lookup(mm->pt, va, &leaf) == 0 &&
                leaf.level == 1 && pte_present(leaf.entry) && vml_pte_pfn(leaf.entry) == pfn) {
                left--;
                sim->rmap_hint = i;
                int r = fn(sim, mm, v, &leaf, ctx);
                if (r)
                    return r;
            }
            continue;
        }
        for (struct vma *v = vma_first(mm->vmas); v && left > 0; v = vma_next(v)) {
            if (v->file != file || index < v->pgoff || index - v->pgoff >= vma_pages(v))
                continue;
            uint64_t va = v->start + ((index - v->pgoff) << PAGE_SHIFT);
            /* A PMD-mapped folio's page is found through its PMD (page_vma_mapped_walk's
             * pvmw.pte NULL): the leaf maps pfn at its offset in the 2 MiB. */
            if (vml_pt_lookup(mm->pt, va, &leaf) == 0 && (leaf.level == 1 || leaf.level == 2) &&
                pte_present(leaf.entry) &&
                vml_pte_pfn(leaf.entry) + (leaf.level == 2 ? (va - leaf.va) >> PAGE_SHIFT : 0) ==
                    pfn) {
                left--;
                int r = fn(sim, mm, v, &leaf, ctx);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

struct referenced {
    int young;
    uint64_t vm_flags;
    struct rmap_found *found; /* NULL: not asked */
};

/* folio_referenced_one's work on one mapping of the page. */
static inline int referenced_mapping(struct referenced *r, struct sim_mm *mm, const struct vma *v,
                                     const struct vml_pt_leaf *leaf)
{
    /* folio_referenced_one: an mlocked VMA ends the walk (the folio is culled to the
     * unevictable list). */
    if (v->flags & VM_LOCKED) {
        r->vm_flags |= VM_LOCKED;
        return 1;
    }
    /* ptep_clear_flush_young on x86 clears the accessed bit without a TLB flush
     * (arch/x86/mm/pgtable.c): a CPU holding the translation keeps using it and sets
     * nothing until its entry is evicted and walked again. */
    if (leaf->entry & VML_PTE_A) {
        vml_pt_leaf_set(mm->pt, leaf, leaf->entry & ~VML_PTE_A);
        r->young++;
    }
    r->vm_flags |= v->flags;
    return 0;
}

static int referenced_one(struct vml_sim *sim, struct sim_mm *mm, struct vma *v,
                          const struct vml_pt_leaf *leaf, void *ctx)
{
    struct referenced *r = ctx;
    (void)sim;
    if (r->found && r->found->n++ == 0) {
        r->found->mm = mm;
        r->found->v = v;
        r->found->leaf = *leaf;
    }
    return referenced_mapping(r, mm, v, leaf);
}

int folio_referenced_found(struct vml_sim *sim, uint64_t pfn, uint64_t *vm_flags,
                           struct rmap_found *found)
{
    struct referenced r = { 0, 0, found };
    found->n = 0;
    /* A single anonymous page mapped once (reclaim's usual page): rmap_walk's first try, found
     * straight into *found, and referenced_one's work on it without the walk's pointer. */
    const struct frame *f = sim_frame(sim, pfn);
    if ((f->flags & (PGF_HEAD | PGF_LARGE | PGF_CACHE)) == PGF_HEAD && f->mapcount == 1 &&
        rmap_hint_find(sim, pfn, f->index, &found->mm, &found->v, &found->leaf)) {
        found->n = 1;
        referenced_mapping(&r, found->mm, found->v, &found->leaf);
    } else if (page_mapcount(sim, pfn) > 0)
        rmap_walk(sim, pfn, referenced_one, &r);
    *vm_flags = r.vm_flags;
    return r.young;
}

int folio_referenced(struct vml_sim *sim, uint64_t head, uint64_t *vm_flags)
{
    struct referenced r = { 0, 0, NULL };
    const struct frame *h = sim_frame(sim, head);
    uint64_t nr = folio_nr_pages(h);
    for (uint64_t i = 0; i < nr && !(r.vm_flags & VM_LOCKED); i++)
        if (page_mapcount(sim, head + i) > 0)
            rmap_walk(sim, head + i, referenced_one, &r);
    *vm_flags = r.vm_flags;
    return r.young;
}

struct unmap {
    bool failed;
};

static int unmap_one(struct vml_sim *sim, struct sim_mm *mm, struct vma *v,
                     const struct vml_pt_leaf *leaf, void *ctx)
{
    struct unmap *u = ctx;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    struct frame *f = sim_frame(sim, pfn);
    /* try_to_unmap_one: never from an mlocked VMA. */
    if (v->flags & VM_LOCKED) {
        u->failed = true;
        return 1;
    }
    if (leaf->level == 2) {
        /* A file PMD (try_to_unmap with TTU_SPLIT_HUGE_PMD, as shrink_folio_list asks for a
         * PMD-mappable folio): split_huge_pmd_locked, which for a file PMD zaps it whole. */
        split_huge_pmd(sim, mm, v, leaf->va);
        return 0;
    }
    /* The dirty bit moves to the folio (folio_mark_dirty) before the entry goes. */
    if (leaf->entry & VML_PTE_D) {
        if (f->flags & PGF_CACHE)
            cache_page_set_dirty(sim, pfn);
        else
            page_set_dirty(sim, pfn);
    }
    if (f->flags & PGF_ANON) {
        /* An anonymous page leaves a swap entry behind: one more reference to its slot, the
         * exclusive mark kept (set_pte_at(swp_pte), swap_duplicate). */
        uint64_t entry = sim_frame(sim, folio_head(sim, pfn))->priv;
        uint64_t pte = swp_entry_to_pte(entry);
        if (f->flags & PGF_EXCLUSIVE)
            pte |= PTE_SWP_EXCLUSIVE;
        swap_dup(sim, entry);
        vml_pt_leaf_set(mm->pt, leaf, pte);
        mm->rss[MM_ANONPAGES]--;
        mm->rss[MM_SWAPENTS]++;
    } else {
        vml_pt_unmap(mm->pt, leaf->va, leaf->va + PAGE_SIZE, VML_PT_KEEP_TABLES, NULL, NULL);
        mm->rss[mm_counter_of(f)]--;
    }
    sim_flush_page(sim, mm, leaf->va);
    page_remove_map(sim, mm, pfn);
    return 0;
}

bool try_to_unmap(struct vml_sim *sim, uint64_t head)
{
    struct unmap u = { false };
    const struct frame *h = sim_frame(sim, head);
    uint64_t nr = folio_nr_pages(h);
    /* The folio's reference keeps it alive while its mappings go (the caller holds one). */
    for (uint64_t i = 0; i < nr && !u.failed; i++)
        if (page_mapcount(sim, head + i) > 0)
            rmap_walk(sim, head + i, unmap_one, &u);
    return !u.failed;
}

bool rmap_found_unmap(struct vml_sim *sim, const struct rmap_found *found)
{
    struct unmap u = { false };
    unmap_one(sim, found->mm, found->v, &found->leaf, &u);
    return !u.failed;
}
