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

/* One order-0 folio migrated to a frame rq allows (migrate_pages over a one-folio list): the
 * node it is on afterwards, or a negative Linux errno; pgmigrate_success or pgmigrate_fail. */
static int migrate_one(struct vml_sim *sim, uint64_t pfn, const struct alloc_req *rq)
{
    const struct frame *f = sim_frame(sim, pfn);
    uint64_t new;
    int r = -EBUSY;
    if (f->flags & PGF_LARGE) {
        /* A THP moves whole: 512 pages counted, thp_migration_success or _fail. The kernel
         * splits one it cannot allocate a THP for (thp_migration_split); here it fails. */
        if (thp_movable(sim, pfn)) {
            r = page_alloc_migrate(sim, rq, VML_THP_PMD_ORDER, VML_USE_ANON, &new);
            if (r == 0) {
                if (migrate_thp(sim, pfn, new) == 0)
                    return (int)sim_frame(sim, new)->node;
                vml_phys_free(sim->phys, new, VML_THP_PMD_ORDER);
                r = -EBUSY;
            } else {
                r = r == VML_ENOMEM ? -ENOMEM : r;
            }
        }
        if (r < 0 && r > -4096) {
            sim->events[VML_VMSTAT_pgmigrate_fail] += 1ull << VML_THP_PMD_ORDER;
            sim->events[VML_VMSTAT_thp_migration_fail]++;
            sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE,
                                                .n2 = 1ull << VML_THP_PMD_ORDER });
        }
        return r;
    }
    /* folio_isolate_lru and folio_expected_refs: a page with a reference beyond its mappings
     * and the page cache stays (move_to_new_folio's -EAGAIN, retried and given up). */
    if (page_movable(sim, pfn, 1) && !(f->flags & PGF_WRITEBACK)) {
        r = page_alloc_migrate(sim, rq, 0, f->use, &new);
        if (r == 0) {
            if (migrate_page(sim, pfn, new) == 0)
                return (int)sim_frame(sim, new)->node; /* pgmigrate_success counted there */
            vml_phys_free(sim->phys, new, 0);
            r = -EBUSY;
        } else {
            r = r == VML_ENOMEM ? -ENOMEM : r;
        }
    }
    if (r < 0 && r > -4096) {
        sim->events[VML_VMSTAT_pgmigrate_fail]++;
        sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = 1 });
    }
    return r;
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
    uint64_t queued_thp = 0; /* head + 1 of a THP the previous page queued and moved */
    for (size_t i = 0; i < n; i++) {
        uint64_t pfn;
        int r = page_at(sim, t, addrs[i] & PAGE_MASK, &pfn);
        uint64_t thp = queued_thp;
        queued_thp = 0;
        if (r) {
            status[i] = r;
            continue;
        }
        /* do_pages_move batches the pages bound for one node: the page after one that queued a
         * THP finds it isolated (folio_isolate_lru fails: -EBUSY), which flushes the batch; the
         * pages after that find it on its node. */
        if (nodes && thp == pfn + 1 && nodes[i] == nodes[i - 1]) {
            status[i] = -EBUSY;
            continue;
        }
        unsigned cur = sim_frame(sim, pfn)->node;
        if (!nodes || (unsigned)nodes[i] == cur) {
            status[i] = (int)cur; /* do_pages_stat; or already there: err 0, the node stored */
            continue;
        }
        if (page_shared(sim, pfn) && !(flags & VML_MPOL_MF_MOVE_ALL)) {
            status[i] = -EACCES;
            continue;
        }
        struct alloc_req rq = { .nid = (unsigned)nodes[i],
                                .local = task_node(sim, t),
                                .thisnode = true };
        bool large = sim_frame(sim, pfn)->flags & PGF_LARGE;
        status[i] = migrate_one(sim, pfn, &rq);
        uint64_t moved;
        if (large && status[i] >= 0 && page_at(sim, t, addrs[i] & PAGE_MASK, &moved) == 0)
            queued_thp = moved + 1;
    }
    return 0;
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

/* migrate_to_node: every page of t's on node source moved to dest (__GFP_THISNODE); the
 * pages left behind. */
static uint64_t migrate_to_node(struct vml_sim *sim, struct sim_task *t, unsigned source,
                                unsigned dest, unsigned flags)
{
    uint64_t left = 0;
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
            if (migrate_one(sim, pfn, &rq) < 0)
                left += large ? 1ull << VML_THP_PMD_ORDER : 1;
            if (large) /* the folio moved whole: on to the next PMD */
                va = (va | ((PAGE_SIZE << VML_THP_PMD_ORDER) - 1)) + 1 - PAGE_SIZE;
        }
    }
    return left;
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
        *left += migrate_to_node(sim, t, (unsigned)source, (unsigned)dest, VML_MPOL_MF_MOVE_ALL);
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
        if (migrate_one(sim, pfn, &rq) < 0 && failed)
            *failed += large ? 1ull << VML_THP_PMD_ORDER : 1;
        if (large)
            va = (va | ((PAGE_SIZE << VML_THP_PMD_ORDER) - 1)) + 1 - PAGE_SIZE;
    }
    return 0;
}
