/* mm/hugetlb.c: hugetlb pools and MAP_HUGETLB mappings (mm/hugetlb.c, fs/hugetlbfs/inode.c).
 *
 * One pool (struct hstate) per huge page size. Pages enter a pool from the buddy allocator
 * (set_max_huge_pages, boot-time hugepages=) and stay there, free or in use, until the pool
 * shrinks. A MAP_HUGETLB mapping is backed by an unnamed hugetlbfs inode ("/anon_hugepage
 * (deleted)") and reserves its pages at mmap time (hugetlb_reserve_pages):
 *
 *   shared   the inode's reserve map: [resv_from, resv_to) reserved; its pages live in the
 *            inode's cache (indexed by huge page) until the inode dies with its last mapping
 *   private  the mapping's own reserve map (struct hugetlb_resv), owned by the VMA that called
 *            mmap and the pieces it splits into: it records which pages were faulted, i.e.
 *            whose reservation was consumed. Children of fork get no reserve map
 *            (hugetlb_dup_vma_private): their faults need unreserved free pages.
 *
 * A fault takes a whole huge page (a read fault too: there is no zero page) and maps a PD or
 * PDPT leaf; a private write to a shared page copies it (hugetlb_wp), and when the owner cannot
 * get a page it takes the old one back from its children, which get SIGBUS at their next fault
 * in that VMA (unmap_ref_private, HPAGE_RESV_UNMAPPED). Counters follow Linux's arithmetic
 * exactly, including resv_huge_pages wrapping below zero for a while when an owner unmaps a page
 * a child still maps (observed on 6.18: HugePages_Rsvd 18446744073709551615).
 *
 * Departures: no surplus pages from nr_overcommit_hugepages (it is 0; surplus arises only when
 * the pool shrinks below what is in use); no subpools, cgroups, PMD sharing or mremap; a pool
 * grows only from free buddy blocks (no compaction or reclaim); 1 GiB pages come from a free
 * 1 GiB buddy block (Linux's alloc_contig_pages may also migrate pages out of the way).
 */
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

/* A private mapping's reserve map (struct resv_map of a MAP_PRIVATE owner): which huge pages of
 * [first, first + n) have been faulted. Shared by the pieces of a split VMA. */
struct hugetlb_resv {
    unsigned refs;
    uint64_t first, n;
    uint64_t *consumed; /* bitmap of n bits */
};

/* The priv of a non-owner VMA whose page its owner took back (HPAGE_RESV_UNMAPPED). */
static struct hugetlb_resv unmapped_mark;

const struct hugetlb_resv *hugetlb_vma_resv(const struct vma *v)
{
    if (!(v->flags & VM_HUGETLB) || (v->flags & VM_MAYSHARE) || !v->priv ||
        v->priv == &unmapped_mark)
        return NULL;
    return v->priv;
}

static struct hugetlb_resv *vma_resv(const struct vma *v)
{
    return (struct hugetlb_resv *)hugetlb_vma_resv(v);
}

bool hugetlb_resv_consumed(const struct hugetlb_resv *r, uint64_t idx)
{
    if (idx < r->first || idx - r->first >= r->n)
        return false;
    uint64_t i = idx - r->first;
    return (r->consumed[i / 64] >> (i % 64)) & 1;
}

static void resv_set(struct hugetlb_resv *r, uint64_t idx, bool consumed)
{
    if (idx < r->first || idx - r->first >= r->n)
        return;
    uint64_t i = idx - r->first, bit = 1ull << (i % 64);
    if (consumed)
        r->consumed[i / 64] |= bit;
    else
        r->consumed[i / 64] &= ~bit;
}

void hugetlb_resv_range(const struct hugetlb_resv *r, uint64_t *first, uint64_t *n)
{
    *first = r->first;
    *n = r->n;
}

static void resv_put(struct hugetlb_resv *r)
{
    if (--r->refs > 0)
        return;
    free(r->consumed);
    free(r);
}

struct hstate *vma_hstate(const struct vml_sim *sim, const struct vma *v)
{
    const struct sim_file *f = v->file;
    return (struct hstate *)&sim->hstates[f->hstate - 1];
}

uint64_t hugetlb_index(const struct hstate *h, const struct vma *v, uint64_t va)
{
    return ((va - v->start) >> hstate_shift(h)) + (v->pgoff >> h->order);
}

/* ---- the pool ------------------------------------------------------------------------------ */

/* enqueue_hugetlb_folio: to the head of its node's free list. */
static void enqueue_free(struct vml_sim *sim, struct hstate *h, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    unsigned nid = f->node;
    f->lru_next = h->free_head[nid] ? (uint32_t)(h->free_head[nid] - 1) : UINT32_MAX;
    h->free_head[nid] = pfn + 1;
    h->free++;
    h->free_node[nid]++;
}

/* dequeue_hugetlb_folio_node_exact: the head of a node's free list. */
static bool dequeue_node(struct vml_sim *sim, struct hstate *h, unsigned nid, uint64_t *pfn)
{
    if (!h->free_head[nid])
        return false;
    *pfn = h->free_head[nid] - 1;
    struct frame *f = sim_frame(sim, *pfn);
    h->free_head[nid] = f->lru_next == UINT32_MAX ? 0 : (uint64_t)f->lru_next + 1;
    f->lru_next = 0;
    h->free--;
    h->free_node[nid]--;
    return true;
}

/* The allocating node first, then the others by distance (the zonelist order). */
static bool dequeue_nearest(struct vml_sim *sim, struct hstate *h, unsigned node, uint64_t *pfn)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    bool tried[VML_MAX_NODES] = { false };
    for (unsigned k = 0; k < n; k++) {
        unsigned best = n;
        for (unsigned c = 0; c < n; c++)
            if (!tried[c] && (best == n || vml_phys_distance(sim->phys, node, c) <
                                               vml_phys_distance(sim->phys, node, best)))
                best = c;
        tried[best] = true;
        if (dequeue_node(sim, h, best, pfn))
            return true;
    }
    return false;
}

/* hstate_is_gigantic: larger than the page allocator serves (MAX_PAGE_ORDER). */
static bool gigantic(const struct hstate *h)
{
    return h->order > VML_MAX_ORDER;
}

/* alloc_pool_huge_folio: a fresh page, trying each node in turn from next_nid_to_alloc
 * (__GFP_THISNODE). 2 MiB pages come from the page allocator (alloc_buddy_hugetlb_folio:
 * htlb_buddy_alloc_*, pgalloc_*, numa_*); 1 GiB pages from a fully free aligned GiB of the node
 * (alloc_gigantic_folio -> alloc_contig_pages), which counts none of these. */
static int pool_grow_one(struct vml_sim *sim, struct hstate *h)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    for (unsigned k = 0; k < n; k++) {
        unsigned nid = h->next_nid_to_alloc % n;
        h->next_nid_to_alloc = (nid + 1) % n;
        uint64_t pfn;
        int r = gigantic(h) ? vml_phys_alloc_contig(sim->phys, nid, VML_USE_HUGETLB, &pfn)
                            : vml_phys_alloc(sim->phys, nid, h->order, VML_USE_HUGETLB, &pfn);
        if (r == VML_EHOST)
            return r;
        if (r) {
            if (!gigantic(h))
                sim->events[VML_VMSTAT_htlb_buddy_alloc_fail]++;
            continue;
        }
        struct frame *f = sim_frame(sim, pfn);
        if (!gigantic(h)) {
            sim->events[VML_VMSTAT_htlb_buddy_alloc_success]++;
            /* zone_statistics: the preferred node is nid; the writer runs on CPU 0's node. */
            sim->events[VML_VMSTAT_numa_hit]++;
            sim->events[nid == 0 ? VML_VMSTAT_numa_local : VML_VMSTAT_numa_other]++;
        }
        f->flags |= PGF_HUGETLB;
        f->refcount = 0;
        f->mapcount = 0;
        h->nr++;
        h->nr_node[nid]++;
        enqueue_free(sim, h, pfn);
        return 0;
    }
    return VML_ENOMEM;
}

/* update_and_free_hugetlb_folio: a page leaves the pool for the buddy allocator. */
static void pool_release(struct vml_sim *sim, struct hstate *h, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    h->nr--;
    h->nr_node[f->node]--;
    f->flags &= PGF_HW_MASK;
    f->mapping = 0;
    f->index = 0;
    f->lru_next = 0;
    if (gigantic(h))
        vml_phys_free_contig(sim->phys, pfn);
    else
        vml_phys_free(sim->phys, pfn, h->order);
}

/* remove_pool_hugetlb_folio: a free page of the next node in turn that has one (and surplus
 * pages there when acct_surplus). */
static bool pool_remove_free(struct vml_sim *sim, struct hstate *h, bool acct_surplus,
                             uint64_t *pfn)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    for (unsigned k = 0; k < n; k++) {
        unsigned nid = h->next_nid_to_free % n;
        h->next_nid_to_free = (nid + 1) % n;
        if ((!acct_surplus || h->surplus_node[nid]) && dequeue_node(sim, h, nid, pfn)) {
            if (acct_surplus) {
                h->surplus--;
                h->surplus_node[nid]--;
            }
            return true;
        }
    }
    return false;
}

/* adjust_pool_surplus: one page more (delta 1) or less (-1) counted as surplus. */
static bool adjust_surplus(struct hstate *h, unsigned nr_nodes, int delta)
{
    for (unsigned k = 0; k < nr_nodes; k++) {
        unsigned *next = delta < 0 ? &h->next_nid_to_alloc : &h->next_nid_to_free;
        unsigned nid = *next % nr_nodes;
        *next = (nid + 1) % nr_nodes;
        if (delta < 0 ? h->surplus_node[nid] > 0 : h->surplus_node[nid] < h->nr_node[nid]) {
            h->surplus = delta < 0 ? h->surplus - 1 : h->surplus + 1;
            h->surplus_node[nid] = delta < 0 ? h->surplus_node[nid] - 1 : h->surplus_node[nid] + 1;
            return true;
        }
    }
    return false;
}

static uint64_t persistent(const struct hstate *h)
{
    return h->nr - h->surplus;
}

/* set_max_huge_pages for all nodes. */
static int set_max_huge_pages(struct vml_sim *sim, struct hstate *h, uint64_t count)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    while (h->surplus && count > persistent(h))
        if (!adjust_surplus(h, n, -1))
            break;
    while (count > persistent(h)) {
        int r = pool_grow_one(sim, h);
        if (r == VML_EHOST)
            return r;
        if (r)
            return 0; /* as far as memory allows */
    }
    /* Keep enough free pages for the reservations; pages in use become surplus. */
    uint64_t free_persistent = h->free;
    if (h->free > persistent(h))
        free_persistent = h->free > h->surplus ? h->free - h->surplus : 0;
    uint64_t min_count = h->resv + persistent(h) - free_persistent;
    if (count > min_count)
        min_count = count;
    uint64_t pfn;
    while (min_count < persistent(h) && pool_remove_free(sim, h, false, &pfn))
        pool_release(sim, h, pfn);
    while (count < persistent(h))
        if (!adjust_surplus(h, n, 1))
            break;
    return 0;
}

/* return_unused_surplus_pages (hugetlb_acct_memory with a negative delta): reservations given
 * back, and as many free surplus pages released. */
static void unreserve(struct vml_sim *sim, struct hstate *h, uint64_t pages)
{
    h->resv -= pages;
    uint64_t nr = pages < h->surplus ? pages : h->surplus;
    uint64_t pfn;
    while (nr-- > 0 && pool_remove_free(sim, h, true, &pfn))
        pool_release(sim, h, pfn);
}

/* free_huge_folio: the last reference went. */
static void folio_free(struct vml_sim *sim, struct hstate *h, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->flags & PGF_RESTORE)
        h->resv++;
    f->flags = (f->flags & PGF_HW_MASK) | PGF_HUGETLB;
    f->mapping = 0;
    f->index = 0;
    f->mapcount = 0;
    if (h->surplus_node[f->node]) {
        h->surplus--;
        h->surplus_node[f->node]--;
        pool_release(sim, h, pfn);
        return;
    }
    enqueue_free(sim, h, pfn);
}

static void folio_put(struct vml_sim *sim, struct hstate *h, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (--f->refcount == 0)
        folio_free(sim, h, pfn);
}

int hugetlb_init(struct vml_sim *sim)
{
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++) {
        struct hstate *h = &sim->hstates[i];
        h->order = i == VML_HUGE_2M ? 9 : 18;
        h->exists = i == VML_HUGE_2M || sim->cfg.cpu.pdpe1gb;
        if (sim->cfg.nr_hugepages[i] && !h->exists)
            return VML_EINVAL;
    }
    /* Gigantic pages are set aside first at boot (memblock), then the 2 MiB pool. */
    for (unsigned i = VML_NR_HUGE_SIZES; i-- > 0;) {
        int r = set_max_huge_pages(sim, &sim->hstates[i], sim->cfg.nr_hugepages[i]);
        if (r)
            return r;
    }
    return 0;
}

int vml_sim_set_nr_hugepages(struct vml_sim *sim, enum vml_huge_size size, uint64_t count,
                             uint64_t *nr)
{
    if ((unsigned)size >= VML_NR_HUGE_SIZES || !sim->hstates[size].exists)
        return VML_EINVAL;
    struct hstate *h = &sim->hstates[size];
    int r = set_max_huge_pages(sim, h, count);
    if (nr)
        *nr = persistent(h);
    return r;
}

int vml_sim_hugepages(const struct vml_sim *sim, enum vml_huge_size size,
                      struct vml_sim_hugepages *out)
{
    if ((unsigned)size >= VML_NR_HUGE_SIZES || !sim->hstates[size].exists)
        return VML_EINVAL;
    const struct hstate *h = &sim->hstates[size];
    *out = (struct vml_sim_hugepages){
        .nr = persistent(h), .total = h->nr, .free = h->free, .resv = h->resv, .surplus = h->surplus
    };
    return 0;
}

struct hstate *hugetlb_hstate_of_flags(struct vml_sim *sim, unsigned flags)
{
    unsigned log = (flags >> VML_MAP_HUGE_SHIFT) & VML_MAP_HUGE_MASK;
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++) {
        struct hstate *h = &sim->hstates[i];
        if (h->exists && (log == 0 ? i == VML_HUGE_2M : log == hstate_shift(h)))
            return h;
    }
    return NULL;
}

/* ---- mmap ---------------------------------------------------------------------------------- */

/* gather_surplus_pages with nr_overcommit_hugepages 0: the request fits in the unreserved free
 * pages or fails. Computed in Linux's types: resv may have wrapped. */
int hugetlb_mmap_check(const struct hstate *h, uint64_t len, bool noreserve)
{
    if (noreserve)
        return 0;
    uint64_t delta = len >> hstate_shift(h);
    int64_t needed = (int64_t)(h->resv + delta - h->free);
    return needed > 0 ? VML_ENOMEM : 0;
}

int hugetlb_mmap(struct vml_sim *sim, struct hstate *h, uint64_t len, uint64_t off, bool shared,
                 bool noreserve, bool writable, struct sim_file **out, void **priv)
{
    int r = hugetlb_mmap_check(h, len, noreserve);
    if (r)
        return r;
    *priv = NULL;
    uint64_t from = off >> hstate_shift(h), n = len >> hstate_shift(h);
    struct hugetlb_resv *rv = NULL;
    if (!shared && !noreserve) {
        rv = calloc(1, sizeof(*rv));
        if (rv)
            rv->consumed = calloc((n + 63) / 64, sizeof(uint64_t));
        if (!rv || !rv->consumed) {
            free(rv);
            return VML_EHOST;
        }
        rv->refs = 1;
        rv->first = from;
        rv->n = n;
    }
    /* hugetlb_file_setup: an unlinked inode of the mapping's size; hugetlbfs_file_mmap makes it
     * cover the offset too when the mapping is writable. */
    r = file_create_hugetlb(sim, (unsigned)(h - sim->hstates) + 1,
                            off && writable ? len + off : len, out);
    if (r) {
        if (rv)
            resv_put(rv);
        return r;
    }
    if (!noreserve) {
        h->resv += n;
        if (shared) {
            (*out)->resv_all = true;
            (*out)->resv_from = from;
            (*out)->resv_to = from + n;
        }
    }
    *priv = rv;
    return 0;
}

void hugetlb_mmap_abort(struct vml_sim *sim, struct sim_file *f, void *priv)
{
    struct hugetlb_resv *rv = priv;
    struct hstate *h = &sim->hstates[f->hstate - 1];
    if (rv) {
        unreserve(sim, h, rv->n);
        resv_put(rv);
    }
    /* A shared inode gives its reservations back as it dies. */
    file_get(f);
    file_put(sim, f);
}

void hugetlb_vma_open(struct vma *v)
{
    struct hugetlb_resv *rv = vma_resv(v);
    if (rv)
        rv->refs++;
}

/* hugetlb_vm_op_close: the owner gives back the reservations of the pages it never faulted. */
void hugetlb_vma_close(struct vml_sim *sim, struct vma *v)
{
    struct hugetlb_resv *rv = vma_resv(v);
    if (!rv)
        return;
    struct hstate *h = vma_hstate(sim, v);
    uint64_t start = hugetlb_index(h, v, v->start), end = hugetlb_index(h, v, v->end);
    uint64_t reserve = 0;
    for (uint64_t i = start; i < end; i++)
        reserve += !hugetlb_resv_consumed(rv, i);
    if (reserve)
        unreserve(sim, h, reserve);
    resv_put(rv);
    v->priv = NULL;
}

void hugetlb_file_free(struct vml_sim *sim, struct sim_file *f)
{
    /* remove_inode_hugepages, then hugetlb_unreserve_pages(chg - freed). */
    struct hstate *h = &sim->hstates[f->hstate - 1];
    uint64_t in_range = 0;
    for (uint64_t idx = 0; f->nr_cached && idx < (f->size >> hstate_shift(h)); idx++) {
        uint64_t pfn;
        if (!cache_lookup(f, idx, &pfn))
            continue;
        in_range += f->resv_all && idx >= f->resv_from && idx < f->resv_to;
        folio_put(sim, h, pfn);
    }
    if (f->resv_all)
        unreserve(sim, h, f->resv_to - f->resv_from - in_range);
}

int hugetlb_may_split(const struct vml_sim *sim, const struct vma *v, uint64_t addr)
{
    if (!(v->flags & VM_HUGETLB) || addr <= v->start || addr >= v->end)
        return 0;
    return addr & (hstate_size(vma_hstate(sim, v)) - 1) ? VML_EINVAL : 0;
}

/* ---- faults -------------------------------------------------------------------------------- */

/* vma_needs_reservation: false when idx has a reservation to consume. */
static bool needs_reservation(const struct vma *v, const struct sim_file *f, uint64_t idx)
{
    if (v->flags & VM_MAYSHARE)
        return !(f->resv_all && idx >= f->resv_from && idx < f->resv_to);
    const struct hugetlb_resv *rv = hugetlb_vma_resv(v);
    return !rv || hugetlb_resv_consumed(rv, idx);
}

/* alloc_hugetlb_folio: a page for idx, consuming its reservation if it has one; cow_from_owner
 * (the owner copying a page its children share) never uses one. VML_BUS_ADRERR when the pool
 * has no page it may take (vmf_error(-ENOSPC) is VM_FAULT_SIGBUS). The page has one reference. */
static int alloc_folio(struct vml_sim *sim, struct hstate *h, struct vma *v, uint64_t idx,
                       bool cow_from_owner, unsigned node, uint64_t *pfn)
{
    bool chg = cow_from_owner || needs_reservation(v, v->file, idx);
    /* dequeue_hugetlb_folio_vma: without a reservation only unreserved pages may go. */
    if (chg && h->free - h->resv == 0)
        return VML_BUS_ADRERR;
    if (!dequeue_nearest(sim, h, node, pfn))
        return VML_BUS_ADRERR; /* no surplus pages: nr_overcommit_hugepages is 0 */
    if (!chg)
        h->resv--;
    /* vma_commit_reservation: the owner's map records the page as faulted. */
    struct hugetlb_resv *rv = vma_resv(v);
    if (!cow_from_owner && rv)
        resv_set(rv, idx, true);
    struct frame *f = sim_frame(sim, *pfn);
    f->refcount = 1;
    f->mapcount = 0;
    return 0;
}

/* make_huge_pte: young; writable and dirty only where asked. */
static uint64_t huge_pte_flags(const struct vma *v, bool writable)
{
    return vma_pte_flags(v, writable) | (writable ? VML_PTE_D : 0);
}

static enum vml_page_size hstate_ps(const struct hstate *h)
{
    return h->order == 9 ? VML_PS_2M : VML_PS_1G;
}

static int map_folio(struct vml_sim *sim, struct sim_mm *mm, const struct hstate *h, uint64_t va,
                     uint64_t pfn, uint64_t flags)
{
    int r = vml_pt_map(mm->pt, va, pfn, hstate_ps(h), flags);
    if (r)
        return r;
    struct frame *f = sim_frame(sim, pfn);
    f->mapcount++;
    f->refcount++;
    mm->hugetlb_usage += 1ull << h->order;
    return 0;
}

struct zap_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
    const struct vma *v;
    struct hstate *h;
};

/* __unmap_hugepage_range for one entry. The owner's anonymous page gets its reservation back
 * when it is freed (unless there are surplus pages), and its index counts as reserved again. */
static void zap_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct zap_ctx *z = arg;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    struct frame *f = sim_frame(z->sim, pfn);
    z->mm->hugetlb_usage -= 1ull << z->h->order;
    struct hugetlb_resv *rv = vma_resv(z->v);
    if (!z->h->surplus && rv && (f->flags & PGF_ANON)) {
        f->flags |= PGF_RESTORE;
        resv_set(rv, hugetlb_index(z->h, z->v, leaf->va), false);
    }
    f->mapcount--;
    folio_put(z->sim, z->h, pfn);
}

void hugetlb_zap(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                 uint64_t end)
{
    struct zap_ctx z = { sim, mm, v, vma_hstate(sim, v) };
    vml_pt_unmap(mm->pt, start, end, VML_PT_KEEP_TABLES, zap_leaf, &z);
    sim_flush_range_shift(sim, mm, start, end, hstate_shift(z.h));
}

/* unmap_ref_private: the owner takes page pfn back from every other private mapping of the
 * inode that maps it at haddr; those VMAs are marked so that their next fault is SIGBUS. */
static void unmap_ref_private(struct vml_sim *sim, const struct vma *owner, uint64_t haddr,
                              uint64_t pfn)
{
    struct hstate *h = vma_hstate(sim, owner);
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *t = &sim->tasks[i];
        if (!t->alive)
            continue;
        struct vma *v = vma_find(t->mm->vmas, haddr);
        if (!v || v == owner || v->file != owner->file || (v->flags & VM_MAYSHARE) ||
            hugetlb_vma_resv(v))
            continue;
        struct vml_pt_leaf leaf;
        if (vml_pt_lookup(t->mm->pt, haddr, &leaf) != 0 || vml_pte_pfn(leaf.entry) != pfn)
            continue;
        v->priv = &unmapped_mark;
        struct zap_ctx z = { sim, t->mm, v, h };
        vml_pt_unmap(t->mm->pt, haddr, haddr + hstate_size(h), VML_PT_KEEP_TABLES, zap_leaf, &z);
        sim_flush_range_shift(sim, t->mm, haddr, haddr + hstate_size(h), hstate_shift(h));
    }
}

/* hugetlb_wp: a write to a read-only entry of a writable VMA. */
static int hugetlb_wp(struct vml_sim *sim, struct sim_task *t, struct vma *v, struct hstate *h,
                      uint64_t haddr, uint64_t entry)
{
    struct sim_mm *mm = t->mm;
    uint64_t old = vml_pte_pfn(entry), size = hstate_size(h);
    struct frame *of = sim_frame(sim, old);
    if (v->flags & VM_MAYSHARE) {
        vml_pt_protect(mm->pt, haddr, haddr + size, VML_PTE_RW | VML_PTE_D, 0, NULL, NULL);
        return 0;
    }
    for (int pass = 0; pass < 2; pass++) {
        if (of->mapcount == 1 && (of->flags & PGF_ANON)) {
            /* Only this mapping holds it: reuse (no pgreuse event for hugetlb). */
            of->flags |= PGF_EXCLUSIVE;
            vml_pt_protect(mm->pt, haddr, haddr + size, VML_PTE_RW | VML_PTE_D, 0, NULL, NULL);
            return 0;
        }
        if (pass)
            break;
        bool cow_from_owner = hugetlb_vma_resv(v) && (of->flags & PGF_ANON);
        uint64_t copy;
        int r = alloc_folio(sim, h, v, hugetlb_index(h, v, haddr), cow_from_owner,
                            task_node(sim, t), &copy);
        if (r == 0) {
            struct frame *cf = sim_frame(sim, copy);
            cf->flags |= PGF_ANON | PGF_EXCLUSIVE;
            cf->mapping = v->anon;
            cf->index = hugetlb_index(h, v, haddr);
            vml_pt_unmap(mm->pt, haddr, haddr + size, VML_PT_KEEP_TABLES, NULL, NULL);
            sim_flush_range_shift(sim, mm, haddr, haddr + size, hstate_shift(h));
            of->mapcount--;
            mm->hugetlb_usage -= 1ull << h->order;
            folio_put(sim, h, old);
            r = map_folio(sim, mm, h, haddr, copy, huge_pte_flags(v, true));
            folio_put(sim, h, copy); /* the mapping holds it now */
            return r;
        }
        if (!cow_from_owner)
            return r;
        unmap_ref_private(sim, v, haddr, old);
    }
    return VML_BUS_ADRERR;
}

/* hugetlb_no_page: nothing mapped at haddr yet. */
static int hugetlb_no_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, struct hstate *h,
                           uint64_t haddr, bool write)
{
    struct sim_mm *mm = t->mm;
    struct sim_file *f = v->file;
    /* The owner took a page back from this mapping: it is killed at its next fault. */
    if (v->priv == &unmapped_mark)
        return VML_BUS_ADRERR;
    uint64_t idx = hugetlb_index(h, v, haddr), pfn;
    if (idx >= f->size >> hstate_shift(h))
        return VML_BUS_ADRERR;
    int r;
    if (v->flags & VM_MAYSHARE) {
        if (!cache_lookup(f, idx, &pfn)) {
            if ((r = cache_reserve(f, idx)) != 0)
                return r;
            if ((r = alloc_folio(sim, h, v, idx, false, task_node(sim, t), &pfn)) != 0)
                return r;
            /* hugetlb_add_to_page_cache: the cache holds the reference; marked dirty so that
             * nothing but hugetlbfs drops it. */
            struct frame *fr = sim_frame(sim, pfn);
            fr->flags |= PGF_DIRTY;
            fr->mapping = f->ino;
            fr->index = idx;
            cache_add(f, idx, pfn);
        }
        return map_folio(sim, mm, h, haddr, pfn, huge_pte_flags(v, (v->flags & VM_WRITE) != 0));
    }
    vma_anon_prepare(sim, v);
    if ((r = alloc_folio(sim, h, v, idx, false, task_node(sim, t), &pfn)) != 0)
        return r;
    struct frame *fr = sim_frame(sim, pfn);
    fr->flags |= PGF_ANON | PGF_EXCLUSIVE;
    fr->mapping = v->anon;
    fr->index = idx;
    r = map_folio(sim, mm, h, haddr, pfn, huge_pte_flags(v, false));
    folio_put(sim, h, pfn); /* the mapping holds it now */
    if (r || !write)
        return r;
    /* A private write breaks COW in the same fault: the new page is reused in place. */
    struct vml_pt_leaf leaf;
    vml_pt_lookup(mm->pt, haddr, &leaf);
    return hugetlb_wp(sim, t, v, h, haddr, leaf.entry);
}

int hugetlb_fault(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va, bool write)
{
    struct hstate *h = vma_hstate(sim, v);
    uint64_t haddr = va & ~(hstate_size(h) - 1);
    struct vml_pt_leaf leaf;
    if (vml_pt_lookup(t->mm->pt, haddr, &leaf) != 0)
        return hugetlb_no_page(sim, t, v, h, haddr, write);
    if (write && !(leaf.entry & VML_PTE_RW))
        return hugetlb_wp(sim, t, v, h, haddr, leaf.entry);
    return 0; /* spurious: a stale TLB entry was dropped */
}

/* ---- fork ---------------------------------------------------------------------------------- */

struct copy_ctx {
    struct vml_sim *sim;
    struct sim_mm *child;
    const struct hstate *h;
    bool cow;
    int err;
};

/* copy_hugetlb_page_range for one entry: copied as it is (young and dirty kept), read-only in
 * both for a COW mapping; the page gains a mapping and loses its exclusive mark. */
static int copy_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct copy_ctx *c = arg;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    uint64_t flags = leaf->entry & (VML_PTE_RW | VML_PTE_US | VML_PTE_A | VML_PTE_D | VML_PTE_NX);
    if (c->cow)
        flags &= ~VML_PTE_RW;
    int r = map_folio(c->sim, c->child, c->h, leaf->va, pfn, flags);
    if (r) {
        c->err = r;
        return 1;
    }
    sim_frame(c->sim, pfn)->flags &= ~PGF_EXCLUSIVE;
    return 0;
}

int hugetlb_copy(struct vml_sim *sim, const struct sim_mm *parent, struct sim_mm *child,
                 const struct vma *v)
{
    struct copy_ctx c = { sim, child, vma_hstate(sim, v),
                          (v->flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE, 0 };
    vml_pt_for_each(parent->pt, v->start, v->end, copy_leaf, &c);
    if (c.err == 0 && c.cow)
        vml_pt_protect(parent->pt, v->start, v->end, 0, VML_PTE_RW, NULL, NULL);
    return c.err;
}
