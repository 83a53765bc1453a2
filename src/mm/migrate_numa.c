/* mm/migrate.c and mm/mempolicy.c: page migration between nodes, as the system calls ask it:
 * move_pages (do_pages_move, add_page_for_migration, do_pages_stat), migrate_pages
 * (do_migrate_pages, migrate_to_node) and mbind with MPOL_MF_MOVE (do_mbind,
 * queue_pages_range). Each page goes through migrate_page, which rewrites every PTE mapping it
 * (rmap walk), flushes each from every CPU that may cache it, and moves the folio's LRU place,
 * node counters and memcg charge to the new frame.
 *
 * Order-0 folios and PMD-mapped anonymous THPs (whole: thp_migration_success) move; a range
 * holding an mTHP, a PMD-mapped file folio or a hugetlb page is refused as not modelled.
 * Departure: a page the kernel would wait for (writeback, a swap-cache reference) is not waited
 * for: it fails (-EBUSY in move_pages' status, where the kernel leaves the status unwritten and
 * returns the count of failures).
 */
#include "mm/sim_internal.h"

#include "util/diag.h"

#include <errno.h>

/* The page at va of t as add_page_for_migration finds it: 0 with its pfn (a THP's head), a
 * negative Linux errno for move_pages' status, or VML_ENOTSUP for a folio not modelled. */
static int page_at(const struct vml_sim *sim, const struct sim_task *t, uint64_t va, uint64_t *pfn)
{
    const struct vma *v = vma_find(t->mm->vmas, va);
    /* vma_lookup, vma_migratable: no VMA, or a special mapping, is EFAULT. */
    if (!v || v->start > va || (v->flags & (VM_IO | VM_PFNMAP)))
        return -EFAULT;
    if (v->flags & VM_HUGETLB)
        return VML_ENOTSUP;
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(t->mm->pt, va, &leaf) || !pte_present(leaf.entry))
        return -ENOENT; /* folio_walk_start found nothing (a swap entry is not followed) */
    *pfn = vml_pte_pfn(leaf.entry);
    if (leaf.level == VML_PT_PD) {
        /* A PMD-mapped THP: its head stands for it (the folio moves whole); the huge zero
         * folio is the zero page's EFAULT. */
        *pfn &= ~((1ull << VML_THP_PMD_ORDER) - 1);
        const struct frame *h = sim_frame(sim, *pfn);
        if (is_huge_zero_pfn(sim, *pfn))
            return -EFAULT;
        return (h->flags & PGF_ANON) && folio_large(sim, h) ? 0 : VML_ENOTSUP;
    }
    if (leaf.level != VML_PT_PT)
        return VML_ENOTSUP;
    if (*pfn == sim->zero_pfn)
        return -EFAULT; /* is_zero_folio */
    if (folio_large(sim, sim_frame(sim, folio_head(sim, *pfn))))
        return VML_ENOTSUP; /* an mTHP: migrated whole by the kernel */
    return 0;
}

static int not_modelled(struct vml_diag *diag, uint64_t va)
{
    diag_set(diag, 0, 0,
             "migrating the large folio at %#llx is not modelled (order-0 pages and PMD-mapped "
             "anonymous THPs move; not mTHPs, file folios or hugetlb pages)",
             (unsigned long long)va);
    return VML_ENOTSUP;
}

/* One migrate_pages call (mm/migrate.c, MIGRATE_SYNC, MR_SYSCALL or MR_MEMPOLICY_MBIND) over
 * a list of folios, fed one folio at a time in the list's order. The kernel allocates the new
 * folios in that order too (migrate_pages_batch's unmap pass, a batch of at most
 * NR_MAX_BATCHED_MIGRATION pages, then the pages of a THP it split right after the THP, which
 * ends its batch), so moving each folio as it comes takes the same frames. */
struct mig_call {
    uint64_t failed; /* folios given up, a split THP as one: migrate_pages' positive return */
    bool left;       /* a folio or split page stayed: else the call returns 0 */
    bool enomem;     /* an allocation failed: the rest of the list is not tried (-ENOMEM) */
};

static void count_fail(struct vml_sim *sim, uint64_t pages)
{
    sim->events[VML_VMSTAT_pgmigrate_fail] += pages;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = pages });
}

/* The Linux errnos a migration gives up with; any other failure is the host's (VML_EHOST). */
static bool given_up(int r)
{
    return r == -ENOMEM || r == -EBUSY;
}

/* An order-0 folio moved to a frame rq allows: 0, -ENOMEM, -EBUSY, or a VML_E* of the host. */
static int migrate_small(struct vml_sim *sim, uint64_t pfn, const struct alloc_req *rq)
{
    const struct frame *f = sim_frame(sim, pfn);
    /* folio_isolate_lru and folio_expected_refs: a page with a reference beyond its mappings
     * and the page cache stays (move_to_new_folio's -EAGAIN, retried and given up). */
    if (!page_movable(sim, pfn, 1) || (f->flags & PGF_WRITEBACK))
        return -EBUSY;
    uint64_t new;
    int r = page_alloc_migrate(sim, rq, 0, f->use, &new);
    if (r)
        return r == VML_ENOMEM ? -ENOMEM : r;
    if (migrate_page(sim, pfn, new) == 0)
        return 0; /* pgmigrate_success counted there */
    vml_phys_free(sim->phys, new, 0);
    return -EBUSY;
}

/* migrate_pages_batch's -ENOMEM for a THP outside NUMA balancing: try_split_folio, counted as
 * a failed THP and a split one (thp_migration_fail, thp_migration_split; migrate_pages_sync
 * counts the split as the failure) and one folio not migrated; then its pages, one async pass
 * (migrate_pages_batch with nr_pass 1, its result ignored): the first that finds no frame ends
 * the pass, the pages after it stay untried, and the call goes on with its list. */
static int split_and_migrate(struct vml_sim *sim, uint64_t head, const struct alloc_req *rq,
                             struct mig_call *mc)
{
    int r = split_pmd_maps(sim, head);
    if (r)
        return r;
    folio_split(sim, head); /* thp_split_page */
    sim->events[VML_VMSTAT_thp_migration_fail]++;
    sim->events[VML_VMSTAT_thp_migration_split]++;
    mc->failed++;
    for (uint64_t i = 0; i < (1ull << VML_THP_PMD_ORDER); i++) {
        const struct frame *p = sim_frame(sim, head + i);
        if (!(p->flags & PGF_ANON) || p->refcount <= 0)
            continue; /* nobody mapped it: freed by the split */
        r = migrate_small(sim, head + i, rq);
        if (r && !given_up(r))
            return r;
        if (r) {
            count_fail(sim, 1);
            mc->left = true;
            if (r == -ENOMEM)
                return 0;
        }
    }
    return 0;
}

/* One folio of the call's list (the head of a THP): 0 moved, a negative Linux errno given up
 * (counted), or a VML_E* of the host. */
static int migrate_one(struct vml_sim *sim, uint64_t pfn, const struct alloc_req *rq,
                       struct mig_call *mc)
{
    if (mc->enomem) {
        mc->left = true; /* untried: put back, not counted */
        return -ENOMEM;
    }
    const struct frame *f = sim_frame(sim, pfn);
    if (!(f->flags & PGF_LARGE)) {
        int r = migrate_small(sim, pfn, rq);
        if (r && !given_up(r))
            return r;
        if (r) {
            count_fail(sim, 1);
            mc->failed++;
            mc->left = true;
            mc->enomem = r == -ENOMEM;
        }
        return r;
    }
    /* A THP moves whole: 512 pages counted, thp_migration_success. One whose new folio cannot
     * be allocated is split and its pages moved one by one; one that cannot move (a reference
     * beyond its mappings, mapped by PTEs too) is given up. */
    int r = -EBUSY;
    if (thp_movable(sim, pfn)) {
        uint64_t new;
        r = page_alloc_migrate(sim, rq, VML_THP_PMD_ORDER, VML_USE_ANON, &new);
        if (r == VML_ENOMEM)
            return split_and_migrate(sim, pfn, rq, mc);
        if (r)
            return r;
        if (migrate_thp(sim, pfn, new) == 0)
            return 0;
        vml_phys_free(sim->phys, new, VML_THP_PMD_ORDER);
        r = -EBUSY;
    }
    count_fail(sim, 1ull << VML_THP_PMD_ORDER);
    sim->events[VML_VMSTAT_thp_migration_fail]++;
    mc->failed++;
    mc->left = true;
    return r;
}

/* What migrate_pages returns at the end of the call: -ENOMEM, the folios not migrated, or 0
 * when every page ended on its target (a split THP whose pages all moved included). */
static int64_t mig_result(const struct mig_call *mc)
{
    if (mc->enomem)
        return VML_ENOMEM;
    return mc->left ? (int64_t)mc->failed : 0;
}

/* folio_maybe_mapped_shared: a folio others map too. */
static bool page_shared(const struct vml_sim *sim, uint64_t pfn)
{
    const struct frame *f = sim_frame(sim, pfn);
    const struct large_folio *lf = folio_large(sim, f);
    if (lf)
        return lf->maybe_shared || (lf->mm_mapcount[0] && lf->mm_mapcount[1]);
    return f->mapcount > 1;
}

/* do_pages_move's batch: the pages queued for one node since start (its pagelist), moved as
 * they are queued (struct mig_call). */
struct mp_batch {
    int node; /* NUMA_NO_NODE (-1): none open */
    size_t start, queued;
    uint64_t thp_va; /* the 2 MiB the batch's last THP is mapped at (isolated), or 1 */
    int host_err;    /* a VML_E* of the host (VML_EHOST), which ends the call */
    struct mig_call mc;
};

/* move_pages_and_store_status when page i comes (the batch ends before it): 0 with the batch's
 * statuses stored (its node), or what the call returns: -ENOMEM, or the folios not migrated
 * plus the pages not attempted (n - i), the batch's statuses left unwritten. */
static int64_t mp_flush(struct mp_batch *b, int *status, size_t i, size_t n)
{
    if (b->node < 0 || !b->queued)
        return 0;
    int64_t r = mig_result(&b->mc);
    if (r < 0)
        return r;
    if (r > 0)
        return r + (int64_t)(n - i);
    for (size_t k = b->start; k < i; k++)
        status[k] = b->node;
    return 0;
}

/* add_folio_for_migration for the page at va of t: 1 queued (and moved, or given up), 0 on
 * the node already, or the negative errno stored as its status. */
static int mp_queue(struct vml_sim *sim, struct sim_task *t, uint64_t va, unsigned flags,
                    struct mp_batch *b)
{
    uint64_t pfn;
    int r = page_at(sim, t, va, &pfn);
    if (r)
        return r;
    /* The page of a THP this batch queued finds it isolated (folio_isolate_lru fails). */
    if ((va & ~((PAGE_SIZE << VML_THP_PMD_ORDER) - 1)) == b->thp_va)
        return -EBUSY;
    if (sim_frame(sim, pfn)->node == (unsigned)b->node)
        return 0;
    if (page_shared(sim, pfn) && !(flags & VML_MPOL_MF_MOVE_ALL))
        return -EACCES;
    struct alloc_req rq = { .nid = (unsigned)b->node,
                            .local = task_node(sim, t),
                            .thisnode = true };
    if (sim_frame(sim, pfn)->flags & PGF_LARGE)
        b->thp_va = va & ~((PAGE_SIZE << VML_THP_PMD_ORDER) - 1);
    b->queued++;
    r = migrate_one(sim, pfn, &rq, &b->mc);
    if (r && !given_up(r))
        b->host_err = r;
    return 1;
}

int vml_sim_move_pages(struct vml_sim *sim, int pid, size_t n, const uint64_t *addrs,
                       const int *nodes, int *status, unsigned flags, struct vml_diag *diag)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t || !t->mm)
        return VML_ENOENT;
    unsigned nr = vml_phys_nr_nodes(sim->phys);
    for (size_t i = 0; nodes && i < n; i++)
        if (nodes[i] < 0 || (unsigned)nodes[i] >= nr)
            return VML_EINVAL; /* do_pages_move: -EINVAL, or -ENODEV for a node without memory */
    /* A page walk of every address first, so that a refusal changes nothing. */
    for (size_t i = 0; i < n; i++) {
        uint64_t pfn;
        if (page_at(sim, t, addrs[i] & PAGE_MASK, &pfn) == VML_ENOTSUP)
            return not_modelled(diag, addrs[i]);
    }
    if (!nodes) {
        /* do_pages_stat: each page's node, or the errno. */
        for (size_t i = 0; i < n; i++) {
            uint64_t pfn;
            int r = page_at(sim, t, addrs[i] & PAGE_MASK, &pfn);
            status[i] = r ? r : (int)sim_frame(sim, pfn)->node;
        }
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        status[i] = VML_MOVE_PAGES_UNSET;
    /* do_pages_move: consecutive pages bound for one node make a batch; a page that is not
     * queued gets its status and ends the batch; a batch that fails ends the call. */
    struct mp_batch b = { .node = -1 };
    for (size_t i = 0; i < n; i++) {
        if (b.node >= 0 && nodes[i] != b.node) {
            int64_t e = mp_flush(&b, status, i, n);
            if (e)
                return (int)e;
            b.node = -1;
        }
        if (b.node < 0)
            b = (struct mp_batch){ .node = nodes[i], .start = i, .thp_va = 1 };
        int r = mp_queue(sim, t, addrs[i] & PAGE_MASK, flags, &b);
        if (b.host_err)
            return b.host_err;
        if (r == 1)
            continue;
        status[i] = r ? r : b.node;
        int64_t e = mp_flush(&b, status, i, n);
        if (e)
            return (int)(e > 0 ? e - 1 : e); /* page i has its status */
        b.node = -1;
    }
    return (int)mp_flush(&b, status, n, n);
}

static unsigned mask_weight(uint32_t m)
{
    unsigned w = 0;
    for (; m; m &= m - 1)
        w++;
    return w;
}

/* The n-th (0-based) node of m. */
static unsigned nth_node(uint32_t m, unsigned n)
{
    for (unsigned b = 0; b < 32; b++)
        if ((m & (1u << b)) && n-- == 0)
            return b;
    return 0;
}

/* node_remap (bitmap_bitremap): the node of to in the place s holds in from. */
static unsigned node_remap(unsigned s, uint32_t from, uint32_t to)
{
    if (!(from & (1u << s)) || !to)
        return s;
    unsigned ord = mask_weight(from & ((1u << s) - 1));
    return nth_node(to, ord % mask_weight(to));
}

/* migrate_to_node: every page of t's on node source moved to dest (__GFP_THISNODE), one
 * migrate_pages call: its result (-ENOMEM, or the folios not moved), or a VML_E* of the host. */
static int64_t migrate_to_node(struct vml_sim *sim, struct sim_task *t, unsigned source,
                               unsigned dest, unsigned flags)
{
    struct mig_call mc = { 0 };
    struct alloc_req rq = { .nid = dest, .local = task_node(sim, t), .thisnode = true };
    for (const struct vma *v = vma_first(t->mm->vmas); v; v = vma_next(v)) {
        if (v->flags & (VM_IO | VM_PFNMAP | VM_HUGETLB))
            continue;
        for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
            uint64_t pfn;
            if (page_at(sim, t, va, &pfn) || sim_frame(sim, pfn)->node != source)
                continue;
            if (page_shared(sim, pfn) && !(flags & VML_MPOL_MF_MOVE_ALL))
                continue; /* queue_folios_pte_range leaves it */
            bool large = sim_frame(sim, pfn)->flags & PGF_LARGE;
            int r = migrate_one(sim, pfn, &rq, &mc);
            if (r && !given_up(r))
                return r;
            if (large) /* the folio was queued whole: on to the next PMD */
                va = (va | ((PAGE_SIZE << VML_THP_PMD_ORDER) - 1)) + 1 - PAGE_SIZE;
        }
    }
    return mig_result(&mc);
}

/* VML_ENOTSUP (with diag) when [start, end) of t holds a page the walk cannot move. */
static int range_check(const struct vml_sim *sim, const struct sim_task *t, uint64_t start,
                       uint64_t end, struct vml_diag *diag)
{
    for (uint64_t va = start; va < end; va += PAGE_SIZE) {
        uint64_t pfn;
        if (page_at(sim, t, va, &pfn) == VML_ENOTSUP)
            return not_modelled(diag, va);
    }
    return 0;
}

int vml_sim_migrate_pages(struct vml_sim *sim, int pid, uint32_t from, uint32_t to, uint64_t *left,
                          struct vml_diag *diag)
{
    struct sim_task *t = sim_task(sim, pid);
    unsigned nr = vml_phys_nr_nodes(sim->phys);
    uint32_t all = nr >= 32 ? UINT32_MAX : (1u << nr) - 1;
    *left = 0;
    /* kernel_migrate_pages: the new nodes must have memory (-EINVAL); nodes beyond the
     * machine are refused here rather than dropped. */
    if (!from || !to || (from & ~all) || (to & ~all))
        return VML_EINVAL;
    if (!t || !t->mm)
        return VML_ENOENT;
    for (const struct vma *v = vma_first(t->mm->vmas); v; v = vma_next(v))
        if (!(v->flags & (VM_IO | VM_PFNMAP)) && range_check(sim, t, v->start, v->end, diag))
            return VML_ENOTSUP;
    /* do_migrate_pages: take a source node whose destination is not itself a source still to
     * do (so that pages are not moved twice), else the last pair found (a cycle); repeat. */
    uint32_t tmp = from;
    while (tmp) {
        int source = -1, dest = -1;
        for (unsigned s = 0; s < nr; s++) {
            if (!(tmp & (1u << s)))
                continue;
            if (mask_weight(from) != mask_weight(to) && (to & (1u << s)))
                continue;
            unsigned d = node_remap(s, from, to);
            if (s == d)
                continue;
            source = (int)s;
            dest = (int)d;
            if (!(tmp & (1u << d)))
                break;
        }
        if (source < 0)
            break;
        tmp &= ~(1u << source);
        /* do_migrate_pages: the folios not moved add up; an error ends the call with it. */
        int64_t r = migrate_to_node(sim, t, (unsigned)source, (unsigned)dest, VML_MPOL_MF_MOVE_ALL);
        if (r < 0)
            return (int)r;
        *left += (uint64_t)r;
    }
    return 0;
}

int vml_sim_mbind_flags(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len,
                        const struct vml_mpol *pol, unsigned flags, uint64_t *failed,
                        struct vml_diag *diag)
{
    if (failed)
        *failed = 0;
    if (!(flags & (VML_MPOL_MF_MOVE | VML_MPOL_MF_MOVE_ALL)))
        return vml_sim_mbind(sim, pid, addr, len, pol, diag);
    struct sim_task *t = sim_task(sim, pid);
    if (!t || !t->mm)
        return VML_ENOENT;
    uint64_t end = addr + ((len + PAGE_SIZE - 1) & PAGE_MASK);
    if (!(addr & ~PAGE_MASK) && end > addr) {
        int r = range_check(sim, t, addr, end, diag);
        if (r)
            return r;
    }
    int r = vml_sim_mbind(sim, pid, addr, len, pol, diag);
    if (r || end <= addr)
        return r;
    /* queue_pages_range: a page whose node is outside the policy's nodes is queued (default and
     * local have none: nothing moves); a shared one only with MPOL_MF_MOVE_ALL. */
    if (pol->mode == VML_MPOL_DEFAULT || pol->mode == VML_MPOL_LOCAL)
        return 0;
    struct mig_call mc = { 0 };
    for (uint64_t va = addr; va < end; va += PAGE_SIZE) {
        uint64_t pfn;
        if (page_at(sim, t, va, &pfn))
            continue;
        const struct vma *v = vma_find(t->mm->vmas, va);
        const struct sim_mpol *p = (const struct sim_mpol *)v->policy;
        if (!p || (p->nodes & (1u << sim_frame(sim, pfn)->node)))
            continue;
        if (page_shared(sim, pfn) && !(flags & VML_MPOL_MF_MOVE_ALL))
            continue;
        /* alloc_migration_target_by_mpol: where the policy would place a fault at va. */
        struct mpol_ctx c, *save;
        struct alloc_req rq;
        mpol_enter(sim, t, v, va, &c, &save);
        mpol_request(sim, c.local, VML_USE_ANON, 0, 0, &rq);
        mpol_leave(sim, save);
        bool large = sim_frame(sim, pfn)->flags & PGF_LARGE;
        r = migrate_one(sim, pfn, &rq, &mc);
        if (r && !given_up(r))
            return r;
        if (large)
            va = (va | ((PAGE_SIZE << VML_THP_PMD_ORDER) - 1)) + 1 - PAGE_SIZE;
    }
    /* do_mbind: without MPOL_MF_STRICT the call succeeds whatever did not move (-ENOMEM
     * included). */
    if (failed)
        *failed = mc.failed;
    return 0;
}
