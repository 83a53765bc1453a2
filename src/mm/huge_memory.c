/* mm/huge_memory.c: anonymous transparent huge pages mapped by a PMD (mm/huge_memory.c):
 * eligibility (__thp_vma_allowable_orders), the fault (do_huge_pmd_anonymous_page), the huge
 * zero page, write faults (do_huge_pmd_wp_page), PMD split (__split_huge_pmd_locked), zap
 * (zap_huge_pmd) and fork (copy_huge_pmd).
 *
 * Every PMD-mapped THP has a PTE table deposited beside it (pgtable_trans_huge_deposit), counted
 * in VmPTE and PageTables, so that a split never needs memory: it becomes the table the 512
 * PTEs go into. The deposits of an mm live in mm->deposits, by 2 MiB block.
 */
#include "mm/sim_internal.h"

#include <string.h>

#define HPAGE_SIZE  (2ull << 20)
#define HPAGE_MASK  (~(HPAGE_SIZE - 1))
#define HPAGE_PAGES 512ull

/* ---- deposits ------------------------------------------------------------------------------ */

static int deposit(struct vml_sim *sim, struct sim_mm *mm, uint64_t haddr)
{
    uint64_t *slot, pfn;
    int r = radix_reserve(&mm->deposits, haddr >> 21, &slot);
    if (r)
        return r;
    if ((r = page_alloc_deposit(sim, mm->pt_node, &pfn)) != 0)
        return r;
    *slot = pfn + 1;
    mm->nr_deposited++; /* mm_inc_nr_ptes */
    return 0;
}

/* pgtable_trans_huge_withdraw: the table leaves the deposit (the caller uses or frees it). */
static uint64_t withdraw(struct sim_mm *mm, uint64_t haddr)
{
    uint64_t *slot = radix_slot(&mm->deposits, haddr >> 21);
    uint64_t pfn = slot && *slot ? *slot - 1 : 0;
    if (slot)
        *slot = 0;
    mm->nr_deposited--;
    return pfn;
}

static void free_table(struct vml_sim *sim, uint64_t pfn)
{
    memcg_uncharge_table(sim, pfn);
    vml_phys_free(sim->phys, pfn, 0);
}

static void drop_deposit(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pfn, void *unused)
{
    (void)mm;
    (void)unused;
    free_table(sim, pfn);
}

static void free_one(uint64_t index, uint64_t val, void *ctx)
{
    (void)index;
    drop_deposit(ctx, NULL, val - 1, NULL);
}

void thp_mm_destroy(struct vml_sim *sim, struct sim_mm *mm)
{
    radix_free(&mm->deposits, free_one, sim);
    mm->nr_deposited = 0;
}

/* ---- eligibility --------------------------------------------------------------------------- */

/* __thp_vma_allowable_orders' sysfs part for anonymous memory: hugepages-<N>kB/enabled per
 * order, "inherit" taking the top-level file (thp_vma_allowable_orders: huge_anon_orders_always,
 * _madvise with VM_HUGEPAGE, _inherit under hugepage_global_always, or with VM_HUGEPAGE under
 * hugepage_global_enabled). Returns a mask of orders 2..9. */
static unsigned policy_orders(const struct vml_thp_settings *s, const struct vma *v)
{
    bool advised = v->flags & VM_HUGEPAGE;
    bool inherit = s->enabled == VML_THP_ALWAYS || (advised && s->enabled == VML_THP_MADVISE);
    unsigned mask = 0;
    for (unsigned o = VML_MTHP_MIN_ORDER; o <= VML_THP_PMD_ORDER; o++) {
        enum vml_mthp_mode m = s->size_enabled[o];
        if (m == VML_MTHP_ALWAYS || (m == VML_MTHP_MADVISE && advised) ||
            (m == VML_MTHP_INHERIT && inherit))
            mask |= 1u << o;
    }
    return mask;
}

unsigned thp_vma_allowable_orders(const struct vml_sim *sim, const struct sim_mm *mm,
                                  const struct vma *v)
{
    /* vma_thp_disabled, then anonymous memory only (shmem and file THP are not simulated):
     * vma_is_anonymous, never hugetlb or special mappings. */
    if (mm->thp_disabled || (v->flags & (VM_NOHUGEPAGE | VM_HUGETLB | VM_SPECIAL)) || v->file)
        return 0;
    return policy_orders(&sim->thp, v);
}

bool thp_vma_allowable(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v)
{
    return thp_vma_allowable_orders(sim, mm, v) & (1u << VML_THP_PMD_ORDER);
}

bool thp_vma_suitable(const struct vma *v, uint64_t haddr)
{
    return haddr >= v->start && haddr + HPAGE_SIZE <= v->end;
}

bool thp_smaps_eligible(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v)
{
    /* Outside a fault each allowed order is checked at the VMA's last possible block: vm_end
     * minus the size, aligned down, must still lie inside (__thp_vma_allowable_orders, !in_pf);
     * THPeligible is 1 when any order, mTHP sizes included, passes. */
    unsigned orders = thp_vma_allowable_orders(sim, mm, v);
    for (unsigned o = VML_MTHP_MIN_ORDER; o <= VML_THP_PMD_ORDER; o++) {
        uint64_t size = PAGE_SIZE << o;
        if ((orders & (1u << o)) && v->end - v->start >= size &&
            ((v->end - size) & ~(size - 1)) >= v->start)
            return true;
    }
    return false;
}

/* ---- the fault ----------------------------------------------------------------------------- */

/* map_anon_folio_pmd and collapse_huge_page: maybe_pmd_mkwrite(pmd_mkdirty(entry)): dirty
 * always, even in a read-only VMA (smaps counts the THP Private_Dirty). */
static uint64_t pmd_flags(const struct vma *v, bool writable)
{
    return vma_pte_flags(v, writable) | VML_PTE_D;
}

/* mm_get_huge_zero_folio: allocated at first use (thp_zero_page_alloc); kept while the machine
 * lives, as the shrinker that frees an unused one runs only under memory pressure, which the
 * simulation does not create yet. */
static int huge_zero_pfn(struct vml_sim *sim, uint64_t *pfn)
{
    if (!sim->huge_zero_pfn) {
        uint64_t p;
        int r = vml_phys_alloc(sim->phys, 0, VML_THP_PMD_ORDER, VML_USE_ZERO, &p);
        if (r) {
            sim->events[VML_VMSTAT_thp_zero_page_alloc_failed]++;
            return r;
        }
        sim->events[VML_VMSTAT_thp_zero_page_alloc]++;
        sim->huge_zero_pfn = p + 1;
    }
    *pfn = sim->huge_zero_pfn - 1;
    return 0;
}

bool is_huge_zero_pfn(const struct vml_sim *sim, uint64_t pfn)
{
    return sim->huge_zero_pfn && pfn == sim->huge_zero_pfn - 1;
}

unsigned vma_thp_gfp_mask(const struct vml_sim *sim, const struct vma *v)
{
    /* mm/huge_memory.c: vma_thp_gfp_mask. always compacts directly (with __GFP_NORETRY outside
     * MADV_HUGEPAGE); defer never does, and kicks kswapd (then kcompactd) to fail at once;
     * defer+madvise compacts in MADV_HUGEPAGE regions and kicks kswapd elsewhere; madvise
     * compacts in MADV_HUGEPAGE regions only. */
    bool madvised = v->flags & VM_HUGEPAGE;
    switch (sim->thp.defrag) {
    case VML_DEFRAG_ALWAYS: return GFP_TRANSHUGE | (madvised ? 0 : GFP_NORETRY);
    case VML_DEFRAG_DEFER: return GFP_TRANSHUGE_LIGHT | GFP_KSWAPD_RECLAIM;
    case VML_DEFRAG_DEFER_MADVISE:
        return GFP_TRANSHUGE_LIGHT | (madvised ? GFP_DIRECT_RECLAIM : GFP_KSWAPD_RECLAIM);
    case VML_DEFRAG_MADVISE: return madvised ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT;
    default: return GFP_TRANSHUGE_LIGHT;
    }
}

int do_huge_pmd_anonymous_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                               bool write)
{
    struct sim_mm *mm = t->mm;
    uint64_t haddr = va & HPAGE_MASK;
    int r;
    if (!write && !sim->cfg.no_zero_page && sim->thp.use_zero_page) {
        /* A read maps the huge zero page, read-only, with a table deposited. */
        uint64_t zpfn;
        if (huge_zero_pfn(sim, &zpfn) != 0)
            return THP_FALLBACK;
        if ((r = deposit(sim, mm, haddr)) != 0)
            return r;
        r = vml_pt_map(mm->pt, haddr, zpfn, VML_PS_2M, vma_pte_flags(v, false) | VML_PTE_SPECIAL);
        if (r)
            drop_deposit(sim, mm, withdraw(mm, haddr), NULL);
        return r;
    }
    vma_anon_prepare(sim, v);
    uint64_t pfn;
    sim->memcg_charge_failed = false;
    r = page_alloc_thp(sim, task_node(sim, t), v->anon, haddr >> PAGE_SHIFT,
                       vma_thp_gfp_mask(sim, v), &pfn);
    if (r == VML_ENOMEM) {
        /* No free 2 MiB block, compaction (where defrag allows it) included, or the cgroup's
         * charge refused: the fault falls back to small pages. */
        sim->events[VML_VMSTAT_thp_fault_fallback]++;
        if (sim->memcg_charge_failed)
            sim->events[VML_VMSTAT_thp_fault_fallback_charge]++;
        sim->thp_stats[VML_THP_PMD_ORDER][VML_THP_STAT_anon_fault_fallback]++;
        return THP_FALLBACK;
    }
    if (r)
        return r;
    sim_charge(sim, COST_ALLOC_PAGE_NS + (COST_CLEAR_4K_NS << VML_THP_PMD_ORDER));
    if ((r = deposit(sim, mm, haddr)) != 0) {
        page_put(sim, pfn);
        return r;
    }
    /* map_anon_folio_pmd: dirty, and writable where the VMA is, even for a read. */
    bool w = v->flags & VM_WRITE;
    if ((r = vml_pt_map(mm->pt, haddr, pfn, VML_PS_2M, pmd_flags(v, w))) != 0) {
        drop_deposit(sim, mm, withdraw(mm, haddr), NULL);
        page_put(sim, pfn);
        return r;
    }
    page_add_pmd_map(sim, mm, pfn);
    page_put(sim, pfn); /* the mapping holds it now */
    mm->rss[MM_ANONPAGES] += HPAGE_PAGES;
    if (v->flags & VM_LOCKED)
        page_mlock(sim, pfn);
    sim->events[VML_VMSTAT_thp_fault_alloc]++;
    sim_event(sim,
              &(struct vml_event){
                  .kind = VML_EV_THP_FAULT, .pid = t->pid, .addr = haddr, .n = 1, .pfn = pfn });
    memcg_count(sim, sim_frame(sim, pfn)->memcg, MEV_THP_FAULT_ALLOC, 1);
    sim->thp_stats[VML_THP_PMD_ORDER][VML_THP_STAT_anon_fault_alloc]++;
    return 0;
}

/* ---- split --------------------------------------------------------------------------------- */

int split_huge_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t haddr)
{
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(mm->pt, haddr, &leaf) != 0 || leaf.level != 2 || (v->flags & VM_HUGETLB))
        return 0;
    uint64_t pfn = vml_pte_pfn(leaf.entry);
    if (sim_frame(sim, pfn)->flags & PGF_CACHE) {
        /* __split_huge_pmd_locked for a file PMD (6.18): counted as a split, but the PMD is
         * only cleared (pmdp_huge_clear_flush) and the folio's PMD mapping removed; the pages
         * are not mapped by PTEs: the next fault maps them again (observed: munmap of 4 KiB
         * inside takes FilePmdMapped down by 2048 kB and the rest of the 2 MiB from Rss). */
        sim->events[VML_VMSTAT_thp_split_pmd]++;
        zap_file_pmd(sim, mm, &leaf, (v->flags & VM_LOCKED) != 0);
        vml_pt_unmap(mm->pt, haddr, haddr + HPAGE_SIZE, VML_PT_KEEP_TABLES, NULL, NULL);
        sim_flush_range(sim, mm, haddr, haddr + HPAGE_SIZE);
        return 0;
    }
    if (pte_protnone(leaf.entry)) {
        /* A NUMA hinting PMD (numa_balancing.c): __split_huge_pmd_locked builds the PTEs from
         * vm_page_prot, with the old PMD's write (none), young (PAGE_NONE's A) and dirty bits,
         * so the 512 entries are present: the hint is dropped, not copied. */
        uint64_t keep = VML_PTE_PFN_MASK | VML_PTE_PWT | VML_PTE_PCD | VML_PTE_SPECIAL | VML_PTE_A |
                        VML_PTE_D | VML_PTE_PS;
        leaf.entry = (leaf.entry & keep) | vma_pte_flags(v, false) | VML_PTE_P;
        vml_pt_leaf_set(mm->pt, &leaf, leaf.entry);
    }
    uint64_t table = withdraw(mm, haddr);
    sim->events[VML_VMSTAT_thp_split_pmd]++;
    sim_event(
        sim,
        &(struct vml_event){
            .kind = VML_EV_SPLIT_PMD, .pid = sim->current, .addr = haddr, .n = 1, .pfn = pfn });
    if (is_huge_zero_pfn(sim, pfn)) {
        /* __split_huge_zero_page_pmd: 512 read-only entries of the small zero page, in the
         * deposited table (given back here and taken again by the first small entry). */
        free_table(sim, table);
        vml_pt_unmap(mm->pt, haddr, haddr + HPAGE_SIZE, VML_PT_KEEP_TABLES, NULL, NULL);
        sim_flush_range(sim, mm, haddr, haddr + HPAGE_SIZE);
        for (uint64_t a = haddr; a < haddr + HPAGE_SIZE; a += PAGE_SIZE) {
            int r = vml_pt_map(mm->pt, a, sim->zero_pfn, VML_PS_4K,
                               vma_pte_flags(v, false) | VML_PTE_SPECIAL);
            if (r)
                return r;
        }
        return 0;
    }
    /* The deposited table gets its content now that its entries are written
     * (page_alloc_deposit). */
    int r = phys_data(sim->phys, table) ? 0 : phys_attach_data(sim->phys, table);
    if (r == 0)
        r = vml_pt_split_huge(mm->pt, haddr, table, false);
    if (r)
        return r;
    /* The folio's PMD mapping becomes 512 PTE mappings (__split_huge_pmd_locked: each subpage's
     * mapcount rises before the entire mapcount falls, so no subpage looks unmapped). */
    for (uint64_t i = 0; i < HPAGE_PAGES; i++)
        page_add_map(sim, mm, pfn + i);
    page_remove_pmd_map(sim, mm, pfn);
    /* The 2 MiB TLB entry goes (flush_tlb_range over the PMD). */
    sim_flush_range(sim, mm, haddr, haddr + HPAGE_SIZE);
    return 0;
}

void thp_split_edges(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                     uint64_t end)
{
    /* A PMD that the range [start, end) cuts is split first (split_huge_pmd_address from
     * vma_adjust_trans_huge, zap_pmd_range, change_pmd_range). */
    if (start & ~HPAGE_MASK)
        split_huge_pmd(sim, mm, v, start & HPAGE_MASK);
    if (end & ~HPAGE_MASK)
        split_huge_pmd(sim, mm, v, end & HPAGE_MASK);
}

/* ---- zap ----------------------------------------------------------------------------------- */

void zap_huge_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vml_pt_leaf *leaf,
                  bool locked)
{
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (sim_frame(sim, pfn)->flags & PGF_CACHE) {
        zap_file_pmd(sim, mm, leaf, locked); /* no table was deposited for it */
        return;
    }
    free_table(sim, withdraw(mm, leaf->va));
    if (is_huge_zero_pfn(sim, pfn))
        return;
    mm->rss[MM_ANONPAGES] -= HPAGE_PAGES;
    if (locked)
        page_munlock(sim, pfn);
    page_remove_pmd_map(sim, mm, pfn);
}

/* ---- PMD mappings of page-cache folios ------------------------------------------------------ */

/* A file PMD maps the 512 frames of a PMD-sized page-cache folio, one physically contiguous
 * block (cache_add_folio). Each frame keeps its own mapcount and reference, so a PMD mapping
 * counts in every frame as 512 PTE mappings would (folio_precise_page_mapcount includes the
 * entire mapcount; NR_FILE_MAPPED counts the pages the first mapping maps), and the folio's
 * first frame counts the PMD mappings themselves (_entire_mapcount) in aux2: the first makes
 * the folio count in NR_FILE_PMDMAPPED (FilePmdMapped), the last takes it out. */

int do_set_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, struct sim_file *f,
               uint64_t va, uint64_t flags)
{
    uint64_t haddr = va & HPAGE_MASK;
    /* vma_thp_disabled (VM_NOHUGEPAGE, PR_SET_THP_DISABLE): the sysfs `enabled` setting is
     * not consulted (a file folio is large already). thp_vma_suitable_order for a file VMA:
     * the address and the file offset congruent modulo 2 MiB, the 2 MiB inside the VMA. */
    if (mm->thp_disabled || (v->flags & VM_NOHUGEPAGE) || !v->file || f->shmem)
        return THP_FALLBACK;
    if ((((v->start >> PAGE_SHIFT) - v->pgoff) & (HPAGE_PAGES - 1)) || !thp_vma_suitable(v, haddr))
        return THP_FALLBACK;
    uint64_t idx = v->pgoff + ((haddr - v->start) >> PAGE_SHIFT), head;
    if (!cache_lookup(f, idx, &head) || cache_order(f, idx) != VML_THP_PMD_ORDER ||
        (head & (HPAGE_PAGES - 1)) || !vml_pt_pmd_none(mm->pt, haddr))
        return THP_FALLBACK;
    /* Compaction moves a small folio's pages one by one (migrate.c): a folio that is no longer
     * one block cannot be mapped by one entry. */
    for (uint64_t i = 1; i < HPAGE_PAGES; i++) {
        uint64_t p;
        if (!cache_lookup(f, idx + i, &p) || p != head + i)
            return THP_FALLBACK;
    }
    int r = vml_pt_map(mm->pt, haddr, head, VML_PS_2M, flags);
    if (r)
        return r;
    /* folio_add_file_rmap_pmd, add_mm_counter(mm_counter_file, HPAGE_PMD_NR). */
    struct frame *h = sim_frame(sim, head);
    if (h->aux2++ == 0)
        sim->nr_file_pmdmapped++;
    for (uint64_t i = 0; i < HPAGE_PAGES; i++) {
        page_add_map(sim, mm, head + i);
        if (v->flags & VM_LOCKED)
            page_mlock(sim, head + i);
    }
    mm->rss[MM_FILEPAGES] += HPAGE_PAGES;
    sim->events[VML_VMSTAT_thp_file_mapped]++;
    return 0;
}

void zap_file_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vml_pt_leaf *leaf,
                  bool locked)
{
    /* zap_huge_pmd / __split_huge_pmd_locked for a file folio: a dirty PMD dirties the folio, a
     * young one marks it referenced; the rmap and the RSS lose the 512 pages. */
    uint64_t head = vml_pte_pfn(leaf->entry);
    struct frame *h = sim_frame(sim, head);
    if (leaf->entry & VML_PTE_D)
        cache_page_set_dirty(sim, head);
    if (leaf->entry & VML_PTE_A)
        h->flags |= PGF_REFERENCED;
    if (--h->aux2 == 0)
        sim->nr_file_pmdmapped--;
    mm->rss[MM_FILEPAGES] -= HPAGE_PAGES;
    for (uint64_t i = 0; i < HPAGE_PAGES; i++) {
        if (locked)
            page_munlock(sim, head + i);
        page_remove_map(sim, mm, head + i);
    }
}

/* ---- write faults -------------------------------------------------------------------------- */

int do_huge_pmd_wp_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                        const struct vml_pt_leaf *leaf)
{
    struct sim_mm *mm = t->mm;
    uint64_t haddr = leaf->va, pfn = vml_pte_pfn(leaf->entry);
    if (is_huge_zero_pfn(sim, pfn)) {
        /* do_huge_zero_wp_pmd (6.13+): a new THP replaces the zero PMD; only when none can be
         * had is the PMD split and the small page written as any zero-page PTE. */
        vma_anon_prepare(sim, v);
        uint64_t np;
        int r = page_alloc_thp(sim, task_node(sim, t), v->anon, haddr >> PAGE_SHIFT,
                               vma_thp_gfp_mask(sim, v), &np);
        if (r == 0) {
            sim_charge(sim, COST_ALLOC_PAGE_NS + (COST_CLEAR_4K_NS << VML_THP_PMD_ORDER));
            vml_pt_unmap(mm->pt, haddr, haddr + HPAGE_SIZE, VML_PT_KEEP_TABLES, NULL, NULL);
            sim_flush_range(sim, mm, haddr, haddr + HPAGE_SIZE);
            vml_pt_map(mm->pt, haddr, np, VML_PS_2M, pmd_flags(v, true));
            page_add_pmd_map(sim, mm, np);
            page_put(sim, np);
            mm->rss[MM_ANONPAGES] += HPAGE_PAGES;
            if (v->flags & VM_LOCKED)
                page_mlock(sim, np);
            sim->events[VML_VMSTAT_thp_fault_alloc]++;
            sim_event(
                sim,
                &(struct vml_event){
                    .kind = VML_EV_THP_FAULT, .pid = t->pid, .addr = haddr, .n = 1, .pfn = np });
            memcg_count(sim, sim_frame(sim, np)->memcg, MEV_THP_FAULT_ALLOC, 1);
            sim->thp_stats[VML_THP_PMD_ORDER][VML_THP_STAT_anon_fault_alloc]++;
            return 0;
        }
        if (r != VML_ENOMEM)
            return r;
        sim->events[VML_VMSTAT_thp_fault_fallback]++;
        sim->thp_stats[VML_THP_PMD_ORDER][VML_THP_STAT_anon_fault_fallback]++;
        split_huge_pmd(sim, mm, v, haddr);
        return THP_FALLBACK;
    }
    struct frame *f = sim_frame(sim, pfn);
    if (f->flags & PGF_CACHE) {
        /* do_huge_pmd_wp_page on a file PMD (a write to a read-only one: write-notify of a
         * shared mapping, COW of a private one): the PMD goes (__split_huge_pmd, a zap for a
         * file) and the fault starts again from the empty PMD (VM_FAULT_FALLBACK). */
        split_huge_pmd(sim, mm, v, haddr);
        return THP_FALLBACK;
    }
    /* Reuse when exclusive, or when this PMD holds the only reference (folio_ref_count == 1). */
    if ((f->flags & PGF_EXCLUSIVE) || f->refcount == 1) {
        f->flags |= PGF_EXCLUSIVE;
        vml_pt_protect(mm->pt, haddr, haddr + HPAGE_SIZE, VML_PTE_RW | VML_PTE_D | VML_PTE_A, 0,
                       NULL, NULL);
        return 0;
    }
    /* Shared: split the PMD and fall back to the small page's copy-on-write. */
    split_huge_pmd(sim, mm, v, haddr);
    (void)va;
    return THP_FALLBACK;
}

/* ---- fork ---------------------------------------------------------------------------------- */

int copy_huge_pmd(struct vml_sim *sim, struct sim_mm *child, const struct vma *v,
                  const struct vml_pt_leaf *leaf, bool cow)
{
    /* copy_huge_pmd: the child gets its own deposited table and the same PMD, write-protected
     * in both when the mapping is COW; the folio loses its exclusive mark. */
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    /* copy_huge_pmd: "Skip if can be re-fill on fault": a file PMD is not copied, the child
     * maps the folio again by its own fault (observed: the child's Rss is 0 until it reads). */
    if (!is_huge_zero_pfn(sim, pfn) && (sim_frame(sim, pfn)->flags & PGF_CACHE))
        return 0;
    int r = deposit(sim, child, leaf->va);
    if (r)
        return r;
    /* pmd_mkold: the child's entry is old (its smaps shows Referenced 0). */
    uint64_t flags =
        leaf->entry & (VML_PTE_RW | VML_PTE_US | VML_PTE_D | VML_PTE_SPECIAL | VML_PTE_NX);
    if (cow)
        flags &= ~VML_PTE_RW;
    if ((r = vml_pt_map(child->pt, leaf->va, pfn, VML_PS_2M, flags)) != 0) {
        drop_deposit(sim, child, withdraw(child, leaf->va), NULL);
        return r;
    }
    if (pte_protnone(leaf->entry)) {
        /* A NUMA hinting PMD is copied as it is, old (copy_huge_pmd's pmd_wrprotect and
         * pmd_mkold of the parent's entry): the child faults on it too. */
        struct vml_pt_leaf cl;
        if ((r = vml_pt_lookup(child->pt, leaf->va, &cl)) != 0 ||
            (r = vml_pt_leaf_set(child->pt, &cl, leaf->entry & ~VML_PTE_A)) != 0)
            return r;
    }
    if (is_huge_zero_pfn(sim, pfn))
        return 0;
    struct frame *f = sim_frame(sim, pfn);
    page_add_pmd_map(sim, child, pfn);
    f->flags &= ~PGF_EXCLUSIVE;
    child->rss[MM_ANONPAGES] += HPAGE_PAGES;
    (void)v;
    return 0;
}

/* ---- MADV_COLLAPSE ------------------------------------------------------------------------ */

struct collapse_scan {
    const struct vml_sim *sim;
    bool refuse; /* a page that collapse cannot take: not anonymous (a private file page) */
    uint64_t present;
};

static int collapse_scan_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct collapse_scan *c = arg;
    if (pte_is_swap(leaf->entry))
        c->refuse = true; /* the simulation does not swap pages in for a collapse */
    if (!pte_normal_page(c->sim, leaf->entry))
        return 0; /* the zero page counts as none: filled with zeroes */
    const struct frame *f = sim_frame(c->sim, folio_head(c->sim, vml_pte_pfn(leaf->entry)));
    if (!(f->flags & PGF_ANON))
        c->refuse = true;
    c->present++;
    return 0;
}

struct collapse_unmap {
    struct vml_sim *sim;
    struct sim_mm *mm;
    bool locked;
};

static void collapse_drop(const struct vml_pt_leaf *leaf, void *arg)
{
    struct collapse_unmap *u = arg;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (!pte_normal_page(u->sim, leaf->entry))
        return;
    u->mm->rss[MM_ANONPAGES]--;
    if (u->locked)
        page_munlock(u->sim, pfn);
    page_remove_map(u->sim, u->mm, pfn);
}

/* collapse_huge_page for one 2 MiB block mapped by a PTE table: a new THP takes the contents of
 * the present pages (holes and zero-page entries read as zeroes), the table leaves the tree and
 * becomes the THP's deposit. MADV_COLLAPSE and khugepaged (khugepaged.c) both end here. */
int thp_collapse_block(struct vml_sim *sim, struct sim_mm *mm, struct vma *v, uint64_t haddr,
                       unsigned node, unsigned gfp)
{
    struct collapse_scan sc = { .sim = sim };
    vml_pt_for_each(mm->pt, haddr, haddr + HPAGE_SIZE, collapse_scan_leaf, &sc);
    if (sc.refuse)
        return VML_EINVAL;
    vma_anon_prepare(sim, v);
    uint64_t pfn;
    /* alloc_charge_folio: charged to the mm's cgroup (its owner's), whoever collapses. */
    unsigned was = sim->memcg_cur;
    sim->memcg_cur = sim_task(sim, mm->owner) ? sim_task(sim, mm->owner)->memcg : was;
    int r = page_alloc_thp(sim, node, v->anon, haddr >> PAGE_SHIFT, gfp, &pfn);
    unsigned charged = sim->memcg_cur;
    sim->memcg_cur = was;
    if (r) {
        if (r == VML_ENOMEM)
            sim->events[VML_VMSTAT_thp_collapse_alloc_failed]++;
        return r;
    }
    sim->events[VML_VMSTAT_thp_collapse_alloc]++;
    memcg_count(sim, charged, MEV_THP_COLLAPSE_ALLOC, 1);
    sim_event(sim,
              &(struct vml_event){
                  .kind = VML_EV_COLLAPSE, .pid = mm->owner, .addr = haddr, .n = 1, .pfn = pfn });
    struct collapse_unmap u = { sim, mm, (v->flags & VM_LOCKED) != 0 };
    vml_pt_unmap(mm->pt, haddr, haddr + HPAGE_SIZE, VML_PT_KEEP_TABLES, collapse_drop, &u);
    uint64_t table;
    r = vml_pt_collapse_huge(mm->pt, haddr, pfn, pmd_flags(v, (v->flags & VM_WRITE) != 0), &table);
    if (r) {
        page_put(sim, pfn);
        return r;
    }
    uint64_t *slot;
    if ((r = radix_reserve(&mm->deposits, haddr >> 21, &slot)) != 0) {
        free_table(sim, table);
        return r;
    }
    *slot = table + 1;
    mm->nr_deposited++;
    sim_flush_range(sim, mm, haddr, haddr + HPAGE_SIZE);
    page_add_pmd_map(sim, mm, pfn);
    page_put(sim, pfn);
    mm->rss[MM_ANONPAGES] += HPAGE_PAGES;
    if (v->flags & VM_LOCKED)
        page_mlock(sim, pfn);
    return 0;
}

/* madvise_collapse for one VMA's part [start, end): its 2 MiB blocks in order, each scanned as
 * hpage_collapse_scan_pmd does (find_pmd_or_thp_or_none first). A PMD leaf, THP or huge zero
 * page (pmd_trans_huge), counts as done (SCAN_PMD_MAPPED); an empty PMD (SCAN_PMD_NONE) is not
 * among the results the loop continues past: the call ends with EINVAL, the blocks before it
 * collapsed, nothing faulted in. So does a failed allocation (SCAN_ALLOC_HUGE_PAGE_FAIL:
 * ENOMEM). A range holding no whole block with its start unaligned leaves hend below hstart,
 * which madvise_collapse's final count turns into EINVAL too (madvise_collapse_errno of
 * SCAN_FAIL); one ending at the block boundary collapses nothing and succeeds. The kernel goes on
 * past a block whose whole GiB has no PMD table (SCAN_PMD_NULL); here an absent table ends the
 * call as an empty PMD does, which differs only for a range crossing into another GiB. */
static int collapse_vma_range(struct vml_sim *sim, struct sim_task *t, struct vma *v,
                              uint64_t start, uint64_t end)
{
    struct sim_mm *mm = t->mm;
    uint64_t hstart = (start + HPAGE_SIZE - 1) & HPAGE_MASK, hend = end & HPAGE_MASK;
    if (hend < hstart)
        return VML_EINVAL;
    for (uint64_t h = hstart; h < hend; h += HPAGE_SIZE) {
        struct vml_pt_leaf leaf;
        if (vml_pt_lookup(mm->pt, h, &leaf) == 0 && leaf.level == 2)
            continue;
        if (vml_pt_pmd_none(mm->pt, h))
            return VML_EINVAL;
        /* madvise_collapse: hpage_collapse_scan_pmd with GFP_TRANSHUGE, whatever defrag says. */
        int r = thp_collapse_block(sim, mm, v, h, task_node(sim, t), GFP_TRANSHUGE);
        if (r)
            return r;
    }
    return 0;
}

int thp_madvise_collapse(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end)
{
    /* madvise_walk_vmas: each VMA in turn through madvise_collapse, which refuses a VMA THP may
     * not use regardless of the sysfs settings (TVA_FORCED_COLLAPSE: VM_NOHUGEPAGE and prctl
     * still forbid it) and ignores khugepaged's max_ptes_* limits; the walk stops at the first
     * VMA that fails, and a hole in the range is ENOMEM at the end. */
    struct sim_mm *mm = t->mm;
    bool hole = false;
    uint64_t cur = start;
    for (struct vma *v = vma_find_next(mm->vmas, start); v && v->start < end; v = vma_next(v)) {
        if (v->start > cur)
            hole = true;
        cur = v->end;
        if (mm->thp_disabled || (v->flags & (VM_NOHUGEPAGE | VM_HUGETLB | VM_SPECIAL)) || v->file)
            return VML_EINVAL;
        uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
        int r = collapse_vma_range(sim, t, v, s, e);
        if (r)
            return r;
    }
    return hole || cur < end ? VML_ENOMEM : 0;
}

/* ---- stats --------------------------------------------------------------------------------- */

int vml_sim_thp_stats(const struct vml_sim *sim, unsigned order, struct vml_thp_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (order < VML_MTHP_MIN_ORDER || order > VML_THP_PMD_ORDER)
        return VML_EINVAL;
    for (unsigned i = 0; i < VML_THP_STAT_NR; i++)
        out->ev[i] = sim->thp_stats[order][i];
    out->nr_anon = sim->thp_nr_anon[order];
    out->nr_anon_partially_mapped = sim->thp_nr_partially[order];
    return 0;
}
