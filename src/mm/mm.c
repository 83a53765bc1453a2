/* mm/mm.c: address spaces: creation as exec leaves them, teardown (exit_mmap), the VMA
 * bookkeeping shared by the system calls (vm_stat_account) and zapping pages (zap_pte_range).
 */
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

/* The set calls these so that every VMA holding a file holds a reference to it. */
static void on_split(void *ctx, struct vma *orig, struct vma *piece)
{
    struct sim_mm *mm = ctx;
    /* __split_vma -> vma_adjust_trans_huge: a PMD across the new boundary is split. */
    uint64_t at = piece->end == orig->start ? orig->start : orig->end;
    if (!(orig->flags & VM_HUGETLB) && (at & ((2ull << 20) - 1)))
        split_huge_pmd(mm->sim, mm, orig, at & ~((2ull << 20) - 1));
    if (piece->flags & VM_HUGETLB)
        hugetlb_vma_open(piece);
    if (piece->file)
        file_get(piece->file);
}

/* vma_modify -> vma_adjust_trans_huge: a PMD that a new boundary would cut is split first,
 * whether the change then splits the VMA or moves a neighbour's edge (a merge). */
static void on_boundary(void *ctx, struct vma *v, uint64_t addr)
{
    struct sim_mm *mm = ctx;
    if (!(v->flags & VM_HUGETLB) && (addr & ((2ull << 20) - 1)))
        split_huge_pmd(mm->sim, mm, v, addr & ~((2ull << 20) - 1));
}

/* remove_vma: vm_ops->close, then the file reference. */
static void on_release(void *ctx, struct vma *v)
{
    struct sim_mm *mm = ctx;
    if (v->flags & VM_HUGETLB)
        hugetlb_vma_close(mm->sim, v);
    if (v->file)
        file_put(mm->sim, v->file);
}

static const struct vma_set_ops vma_ops = { .split = on_split,
                                            .release = on_release,
                                            .boundary = on_boundary };

/* Page tables (pgd_alloc, __pud_alloc ... -> pagetable_alloc) come from the buddy allocator as
 * any page: the preferred node is the CPU's of the task at work, with zonelist fallback. */
static int mm_alloc_table(void *ctx, uint64_t *pfn)
{
    struct sim_mm *mm = ctx;
    return page_alloc_table(mm->sim, mm->pt_node, pfn);
}

/* A table freed: its charge goes back to the cgroup that made it (memcg_kmem_uncharge_page). */
static void mm_free_table(void *ctx, uint64_t pfn)
{
    struct sim_mm *mm = ctx;
    memcg_uncharge_table(mm->sim, pfn);
    vml_phys_free(mm->sim->phys, pfn, 0);
}

int mm_create_empty(struct vml_sim *sim, const struct mmap_layout *layout, unsigned node,
                    struct sim_mm **out)
{
    struct sim_mm *mm = calloc(1, sizeof(*mm));
    if (!mm)
        return VML_EHOST;
    mm->sim = sim;
    mm->pt_node = node;
    struct vma_set_config vc = { .ops = &vma_ops,
                                 .ops_ctx = mm,
                                 .stack_guard_gap = layout->stack_guard_gap };
    int r = vma_set_create(&vc, &mm->vmas);
    if (r == 0)
        r = vml_pt_create_alloc(sim->phys, layout->levels, mm_alloc_table, mm, &mm->pt);
    if (r == 0)
        vml_pt_set_free(mm->pt, mm_free_table);
    if (r) {
        vma_set_destroy(mm->vmas);
        free(mm);
        return r;
    }
    mm->layout = *layout;
    /* mm_init gives the mm its ids (init_new_context's ctx_id, mm_alloc_id's mm_id) before
     * dup_mmap copies the parent's mappings: a fork child's rmap entries of large folios must
     * name it from the first one on (a context id never given before: last_mm_ctx_id). */
    mm->ctx_id = ++sim->last_ctx_id;
    *out = mm;
    return 0;
}

int mm_create(struct vml_sim *sim, unsigned node, struct sim_mm **out)
{
    struct mmap_layout_config lc;
    mmap_layout_config_default(&lc);
    lc.paging_levels = sim->cfg.paging;
    lc.aslr = sim->cfg.seed != 0;
    lc.seed = sim->cfg.seed;
    lc.no_anon_thp_align = sim->cfg.no_anon_thp_align;
    struct mmap_layout layout;
    int r = mmap_layout_init(&layout, &lc);
    if (r)
        return r;
    struct sim_mm *mm;
    if ((r = mm_create_empty(sim, &layout, node, &mm)) != 0)
        return r;
    struct vma *stack;
    if ((r = mmap_map_stack(mm->vmas, &mm->layout, &stack)) != 0) {
        mm_destroy(sim, mm);
        return r;
    }
    vm_stat_account(mm, stack->flags, vma_pages(stack), +1);
    sim->committed += vma_pages(stack);
    mm->start_stack = layout.stack_end - 8;
    mm->start_brk = mm->brk = layout.start_brk;
    mm->hiwater_vm = mm->total_vm;
    *out = mm;
    return 0;
}

void vm_stat_account(struct sim_mm *mm, uint64_t flags, uint64_t pages, int sign)
{
    /* mm/vma.c: vm_stat_account with is_exec_mapping, is_stack_mapping, is_data_mapping. */
    uint64_t *counts[4] = { &mm->total_vm, NULL, NULL, NULL };
    if ((flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC)
        counts[1] = &mm->exec_vm;
    else if (flags & VM_STACK)
        counts[1] = &mm->stack_vm;
    else if ((flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE)
        counts[1] = &mm->data_vm;
    if (sign < 0 && mm->total_vm > mm->hiwater_vm)
        mm->hiwater_vm = mm->total_vm; /* update_hiwater_vm before it shrinks */
    for (int i = 0; i < 2; i++) {
        if (!counts[i])
            continue;
        if (sign > 0)
            *counts[i] += pages;
        else
            *counts[i] -= pages;
    }
}

struct zap_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
    bool locked; /* the VMA is VM_LOCKED: its mappings hold the pages mlocked */
};

/* zap_present_ptes for one entry: RSS, rmap, and a dirty PTE dirties a file page. */
static void zap_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct zap_ctx *z = arg;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (pte_is_swap(leaf->entry)) {
        /* zap_nonpresent_ptes: the slot loses a reference (free_swap_and_cache). */
        z->mm->rss[MM_SWAPENTS]--;
        swap_put(z->sim, pte_to_swp_entry(leaf->entry));
        return;
    }
    if (leaf->level == 2) {
        zap_huge_pmd(z->sim, z->mm, leaf, z->locked);
        return;
    }
    if (!pte_normal_page(z->sim, leaf->entry))
        return;
    struct frame *f = sim_frame(z->sim, folio_head(z->sim, pfn));
    if ((leaf->entry & VML_PTE_D) && !(f->flags & PGF_ANON))
        cache_page_set_dirty(z->sim, pfn); /* folio_mark_dirty: the whole folio */
    z->mm->rss[mm_counter_of(f)]--;
    if (z->locked)
        page_munlock(z->sim, pfn);
    page_remove_map(z->sim, z->mm, pfn);
    free_swap_cache(z->sim, pfn);
}

/* The figures a zap changes, for its event (read only when a hook is set): RSS, swap entries,
 * frames freed (pgfree), page-table pages, TLB flushes and IPIs. */
struct zap_snap {
    uint64_t rss, swapents, freed, tables, flushes, shootdowns;
};

static void zap_snap(const struct vml_sim *sim, const struct sim_mm *mm, struct zap_snap *z)
{
    z->rss = mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES];
    z->swapents = mm->rss[MM_SWAPENTS];
    z->freed = 0;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, n, &u);
        z->freed += u.freed;
    }
    struct vml_pt_stats st;
    vml_pt_stats(mm->pt, &st);
    z->tables = st.nr_tables;
    z->flushes = sim->stats.tlb_flushes;
    z->shootdowns = sim->stats.tlb_shootdowns;
}

static void zap_pages(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                      uint64_t end, bool reclaim_pt);

/* unmap_page_range's work for the event stream: Linux counts none of it, so the event carries
 * what the zap changed, measured around it (VML_EV_ZAP). */
void zap_range(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
               uint64_t end, bool reclaim_pt)
{
    if (!sim->event_fn) {
        zap_pages(sim, mm, v, start, end, reclaim_pt);
        return;
    }
    struct zap_snap a, b;
    zap_snap(sim, mm, &a);
    zap_pages(sim, mm, v, start, end, reclaim_pt);
    zap_snap(sim, mm, &b);
    uint64_t tables = a.tables - b.tables;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_ZAP,
                                        .pid = mm->owner,
                                        .addr = start,
                                        .n = a.rss - b.rss,
                                        .n2 = b.freed - a.freed - tables,
                                        .n3 = a.swapents - b.swapents,
                                        .tables = tables,
                                        .tlb_flushes = b.flushes - a.flushes,
                                        .tlb_shootdowns = b.shootdowns - a.shootdowns });
}

static void zap_pages(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                      uint64_t end, bool reclaim_pt)
{
    mm_update_hiwater(mm);
    if (v->flags & VM_HUGETLB) {
        hugetlb_zap(sim, mm, v, start, end); /* __unmap_hugepage_range: no PTE tables to free */
        return;
    }
    struct zap_ctx z = { sim, mm, (v->flags & VM_LOCKED) != 0 };
    thp_split_edges(sim, mm, v, start, end); /* zap_pmd_range: a PMD cut by the range */
    /* zap_pte_range runs once per PMD entry over [addr, pmd_addr_end(addr, end)), the range
     * already clipped to the VMA; with reclaim_pt and a whole PMD_SIZE of it
     * (reclaim_pt_is_enabled in mm/pt_reclaim.c), the table, every entry now none, is cleared
     * from the PMD and freed (try_get_and_clear_pmd / try_to_free_pte, then free_pte:
     * mm_dec_nr_ptes). Zapping clears every entry here (nothing is skipped: no uffd-wp
     * markers), so exactly the PTE tables whose 2 MiB lies inside [start, end) go; PMD and
     * upper tables stay. */
    unsigned flags = VML_PT_KEEP_TABLES;
    if (reclaim_pt && !sim->cfg.no_pt_reclaim)
        flags |= VML_PT_FREE_PT;
    vml_pt_unmap(mm->pt, start, end, flags, zap_leaf, &z);
    sim_flush_range(sim, mm, start, end);
}

void mm_destroy(struct vml_sim *sim, struct sim_mm *mm)
{
    if (!mm)
        return;
    khugepaged_exit(sim, mm);
    /* exit_mmap: unmap every VMA, then free the tables and the VMAs. */
    for (struct vma *v = vma_first(mm->vmas); v; v = vma_next(v)) {
        zap_range(sim, mm, v, v->start, v->end, false);
        if (v->flags & VM_ACCOUNT)
            sim->committed -= vma_pages(v);
    }
    thp_mm_destroy(sim, mm);
    if (sim->event_fn) { /* free_pgtables over the whole address space: every table goes */
        struct vml_pt_stats st;
        vml_pt_stats(mm->pt, &st);
        sim_event(sim, &(struct vml_event){
                           .kind = VML_EV_ZAP, .pid = mm->owner, .tables = st.nr_tables });
    }
    vml_pt_destroy(mm->pt);
    vma_set_destroy(mm->vmas);
    free(mm);
}
