/* mm/check.c: the invariant checker of the simulated kernel (ARCHITECTURE.md, "Invariants").
 *
 * Recounts everything from the page tables and the page caches and compares with what the
 * kernel keeps incrementally: per-frame mapcounts, per-mm RSS counters, frame totals by use,
 * TLB contents, and the PSS identity.
 */
#include "mm/sim_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pfn -> mappings seen, open addressing. */
struct pfn_count {
    uint64_t *keys; /* pfn + 1, 0 = empty */
    uint32_t *counts;
    size_t cap, used;
};

static int pc_add(struct pfn_count *pc, uint64_t pfn)
{
    if (2 * (pc->used + 1) > pc->cap) {
        size_t ncap = pc->cap ? 2 * pc->cap : 1024;
        uint64_t *k = calloc(ncap, sizeof(*k));
        uint32_t *c = calloc(ncap, sizeof(*c));
        if (!k || !c) {
            free(k);
            free(c);
            return VML_EHOST;
        }
        for (size_t i = 0; i < pc->cap; i++) {
            if (!pc->keys[i])
                continue;
            size_t j = (pc->keys[i] * 0x9e3779b97f4a7c15ull) & (ncap - 1);
            while (k[j])
                j = (j + 1) & (ncap - 1);
            k[j] = pc->keys[i];
            c[j] = pc->counts[i];
        }
        free(pc->keys);
        free(pc->counts);
        pc->keys = k;
        pc->counts = c;
        pc->cap = ncap;
    }
    uint64_t key = pfn + 1;
    size_t j = (key * 0x9e3779b97f4a7c15ull) & (pc->cap - 1);
    while (pc->keys[j] && pc->keys[j] != key)
        j = (j + 1) & (pc->cap - 1);
    if (!pc->keys[j]) {
        pc->keys[j] = key;
        pc->used++;
    }
    pc->counts[j]++;
    return 0;
}

struct check_ctx {
    const struct vml_sim *sim;
    const struct sim_mm *mm; /* the address space whose entries are being counted */
    const struct vma *v;     /* the VMA whose entries are being counted */
    struct pfn_count pc;     /* 4 KiB entries: pfn -> PTEs mapping it */
    struct pfn_count pmd;    /* THP PMD entries: head pfn -> PMDs mapping it */
    struct pfn_count fpmd;   /* file PMD entries: first pfn of the folio -> PMDs mapping it */
    struct pfn_count large;  /* large folios mapped by a PTE or a PMD: head pfn (count unused) */
    struct pfn_count swp;    /* swap entries: entry -> PTEs holding it */
    uint64_t pmd_leaves;     /* the current mm's THP and huge-zero PMDs (each has a deposit) */
    uint64_t rss[NR_MM_COUNTERS];
    uint64_t hugetlb_usage; /* base pages the current mm maps with hugetlb entries */
    uint64_t pss;           /* bytes << PSS_SHIFT over all processes */
    bool oom;               /* a count table could not grow */
    int err;
    char *why;
    size_t len;
};

static int fail(struct check_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct check_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, c->len, fmt, ap);
    va_end(ap);
    c->err = -1;
    return -1;
}

/* A hugetlb VMA's entry: a leaf of its pool's size mapping a pool page; in a private mapping
 * writable only if it is an anonymous page mapped once. Not in RSS or PSS. */
static int count_huge_leaf(struct check_ctx *c, const struct vml_pt_leaf *leaf)
{
    unsigned long long va = leaf->va;
    const struct hstate *h = vma_hstate(c->sim, c->v);
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (vml_level_shift(leaf->level) != hstate_shift(h))
        return fail(c, "hugetlb VMA maps %#llx with a level-%u entry, not its pool's size", va,
                    leaf->level);
    const struct frame *f = sim_frame(c->sim, pfn);
    if (!f || !(f->flags & PGF_HUGETLB) || f->use != VML_USE_HUGETLB || f->order != h->order)
        return fail(c, "huge entry at %#llx maps pfn %#llx which is no page of its pool", va,
                    (unsigned long long)pfn);
    if ((leaf->entry & VML_PTE_RW) && !(c->v->flags & VM_SHARED) &&
        (!(f->flags & PGF_ANON) || f->mapcount != 1))
        return fail(c, "private huge entry at %#llx is writable but its page is mapped %d times",
                    va, f->mapcount);
    c->hugetlb_usage += 1ull << h->order;
    if (pc_add(&c->pc, pfn))
        return fail(c, "host out of memory");
    return 0;
}

/* PSS of one mapping of a subpage of a large folio (smaps_account: whole while the folio has
 * one reference, else split by the subpage's precise mapcount). */
static uint64_t subpage_pss(const struct vml_sim *sim, const struct frame *head, uint64_t pfn)
{
    uint64_t whole = PAGE_SIZE << PSS_SHIFT;
    int mc = page_mapcount(sim, pfn);
    if (head->refcount == 1 || mc < 2)
        return whole;
    return whole / (uint64_t)mc;
}

/* A PMD leaf outside hugetlb: a THP (mm/huge_memory.c) or the huge zero page, in a private
 * anonymous VMA, with a page table deposited beside it; writable only while nothing else maps
 * the folio (COW). */
static int count_thp_leaf(struct check_ctx *c, const struct vml_pt_leaf *leaf)
{
    unsigned long long va = leaf->va;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (leaf->level != 2 || c->v->file || (c->v->flags & (VM_SHARED | VM_SPECIAL)))
        return fail(c, "huge leaf at %#llx (level %u) in a VMA that cannot hold a THP", va,
                    leaf->level);
    if (!radix_slot(&c->mm->deposits, va >> 21) || !*radix_slot(&c->mm->deposits, va >> 21))
        return fail(c, "THP at %#llx has no page table deposited", va);
    c->pmd_leaves++;
    if (is_huge_zero_pfn(c->sim, pfn)) {
        if (leaf->entry & VML_PTE_RW)
            return fail(c, "huge zero page mapped writable at %#llx", va);
        return 0;
    }
    const struct frame *f = sim_frame(c->sim, pfn);
    const struct large_folio *lf = f ? folio_large(c->sim, f) : NULL;
    if (!lf || !(f->flags & PGF_ANON) || f->order != VML_THP_PMD_ORDER)
        return fail(c, "PMD at %#llx maps pfn %#llx which is no anonymous THP", va,
                    (unsigned long long)pfn);
    if ((leaf->entry & VML_PTE_RW) && lf->large_mapcount != 1)
        return fail(c, "private PMD at %#llx is writable but its THP has %d mappings", va,
                    lf->large_mapcount);
    c->rss[MM_ANONPAGES] += 1ull << VML_THP_PMD_ORDER;
    for (uint64_t i = 0; i < (1ull << VML_THP_PMD_ORDER); i++)
        c->pss += subpage_pss(c->sim, f, pfn + i);
    if (pc_add(&c->pmd, pfn) || pc_add(&c->large, pfn))
        return fail(c, "host out of memory");
    return 0;
}

/* A PMD leaf of a page-cache folio (do_set_pmd): a PMD-sized folio of the VMA's file at the
 * PMD's file offset, one block of frames, each of which counts the mapping (pc). */
static int count_file_pmd_leaf(struct check_ctx *c, const struct vml_pt_leaf *leaf)
{
    unsigned long long va = leaf->va;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    const struct sim_file *file = c->v->file;
    if (!file || file->shmem)
        return fail(c, "file PMD at %#llx in a VMA of no regular file", va);
    uint64_t idx = c->v->pgoff + ((leaf->va - c->v->start) >> PAGE_SHIFT);
    for (uint64_t i = 0; i < (1ull << VML_THP_PMD_ORDER); i++) {
        uint64_t p;
        if (!cache_lookup(file, idx + i, &p) || p != pfn + i ||
            cache_order(file, idx + i) != VML_THP_PMD_ORDER)
            return fail(c, "file PMD at %#llx: page %llu of its folio is not pfn %#llx", va,
                        (unsigned long long)i, (unsigned long long)(pfn + i));
        if (pc_add(&c->pc, pfn + i))
            return fail(c, "host out of memory");
        c->pss += page_pss(sim_frame(c->sim, pfn + i));
    }
    if ((leaf->entry & VML_PTE_RW) && !(c->v->flags & VM_SHARED))
        return fail(c, "private file PMD at %#llx is writable", va);
    c->rss[MM_FILEPAGES] += 1ull << VML_THP_PMD_ORDER;
    if (pc_add(&c->fpmd, pfn))
        return fail(c, "host out of memory");
    return 0;
}

static int count_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct check_ctx *c = arg;
    uint64_t pfn = vml_pte_pfn(leaf->entry);
    if (pte_is_swap(leaf->entry)) {
        uint64_t e = pte_to_swp_entry(leaf->entry);
        const struct swap_area *a = &c->sim->swap[swp_type(e)];
        if (leaf->level != 1 || swp_type(e) >= SWAP_MAX_AREAS || !a->used || swp_offset(e) == 0 ||
            swp_offset(e) >= a->max)
            return fail(c, "entry %#llx at %#llx is neither present nor a valid swap entry",
                        (unsigned long long)leaf->entry, (unsigned long long)leaf->va);
        if (c->v->file || (c->v->flags & VM_HUGETLB))
            return fail(c, "swap entry at %#llx in a mapping that is not anonymous",
                        (unsigned long long)leaf->va);
        c->rss[MM_SWAPENTS]++;
        if (pc_add(&c->swp, e))
            return fail(c, "host out of memory");
        return 0;
    }
    if (c->v->flags & VM_HUGETLB)
        return count_huge_leaf(c, leaf);
    if (leaf->level == 2 && !is_huge_zero_pfn(c->sim, pfn) &&
        (sim_frame(c->sim, pfn)->flags & PGF_CACHE))
        return count_file_pmd_leaf(c, leaf);
    if (leaf->level != 1)
        return count_thp_leaf(c, leaf);
    if (pfn == c->sim->zero_pfn) {
        if (leaf->entry & VML_PTE_RW)
            return fail(c, "zero page mapped writable at %#llx", (unsigned long long)leaf->va);
        return 0;
    }
    const struct frame *f = sim_frame(c->sim, pfn);
    const struct frame *head = f ? sim_frame(c->sim, folio_head(c->sim, pfn)) : NULL;
    if (head && folio_large(c->sim, head)) {
        /* A subpage of a PTE-mapped THP. */
        if (!(head->flags & PGF_ANON))
            return fail(c, "pte at %#llx maps a large folio that is not anonymous",
                        (unsigned long long)leaf->va);
        if ((leaf->entry & VML_PTE_RW) && !(c->v->flags & VM_SHARED) &&
            page_mapcount(c->sim, pfn) != 1)
            return fail(c,
                        "private pte at %#llx is writable but its THP subpage is mapped %d times",
                        (unsigned long long)leaf->va, page_mapcount(c->sim, pfn));
        c->rss[MM_ANONPAGES]++;
        c->pss += subpage_pss(c->sim, head, pfn);
        if (pc_add(&c->pc, pfn) || pc_add(&c->large, folio_head(c->sim, pfn)))
            return fail(c, "host out of memory");
        return 0;
    }
    if (!f || !(f->flags & (PGF_ANON | PGF_CACHE)))
        return fail(c, "pte at %#llx maps pfn %#llx which is neither anon nor page cache",
                    (unsigned long long)leaf->va, (unsigned long long)pfn);
    /* The reverse map (migrate.c) finds an anonymous page at the address its index names:
     * linear_page_index of where it was faulted, which fork keeps (vmlab has no mremap). */
    if ((f->flags & PGF_ANON) && f->index != leaf->va >> PAGE_SHIFT)
        return fail(c,
                    "anonymous page at %#llx has index %#llx: the reverse map looks for it at "
                    "%#llx",
                    (unsigned long long)leaf->va, (unsigned long long)f->index,
                    (unsigned long long)(f->index << PAGE_SHIFT));
    /* COW: in a private mapping only an anonymous page mapped once may be writable. */
    if ((leaf->entry & VML_PTE_RW) && !(c->v->flags & VM_SHARED) &&
        (!(f->flags & PGF_ANON) || f->mapcount != 1))
        return fail(c, "private pte at %#llx is writable but maps a %s page mapped %d times",
                    (unsigned long long)leaf->va, (f->flags & PGF_ANON) ? "anonymous" : "file",
                    f->mapcount);
    c->rss[mm_counter_of(f)]++;
    c->pss += page_pss(f);
    if (pc_add(&c->pc, pfn))
        return fail(c, "host out of memory");
    return 0;
}

static const struct vml_pt *pt_of_pcid(unsigned pcid, void *ctx)
{
    const struct vml_sim *sim = ((const void **)ctx)[0];
    const unsigned *cpu = ((const void **)ctx)[1];
    const struct sim_mm *mm =
        sim->cfg.cpu.pcid ? sim_mm_of_pcid(sim, *cpu, pcid) : sim->loaded[*cpu];
    return mm ? mm->pt : NULL;
}

static int stray_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    *(struct vml_pt_leaf *)arg = *leaf;
    return 1;
}

static int check_tasks(struct check_ctx *c)
{
    const struct vml_sim *sim = c->sim;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        const struct sim_task *t = &sim->tasks[i];
        if (!t->alive)
            continue;
        const struct sim_mm *mm = t->mm;
        char why[200];
        if (vml_pt_check(mm->pt, why, sizeof(why)))
            return fail(c, "pid %d page tables: %s", t->pid, why);
        if (vma_set_check(mm->vmas, why, sizeof(why)))
            return fail(c, "pid %d VMAs: %s", t->pid, why);
        /* Every present leaf lies inside a VMA. */
        uint64_t gap_start = 0;
        for (const struct vma *v = vma_first(mm->vmas);; v = vma_next(v)) {
            uint64_t gap_end = v ? v->start : mm->layout.task_size + PAGE_SIZE;
            struct vml_pt_leaf leaf;
            if (vml_pt_for_each(mm->pt, gap_start, gap_end, stray_leaf, &leaf))
                return fail(c, "pid %d: pte at %#llx lies outside every VMA", t->pid,
                            (unsigned long long)leaf.va);
            if (!v)
                break;
            gap_start = v->end;
        }
        memset(c->rss, 0, sizeof(c->rss));
        c->hugetlb_usage = 0;
        c->pmd_leaves = 0;
        c->mm = mm;
        for (const struct vma *v = vma_first(mm->vmas); v; v = vma_next(v)) {
            c->v = v;
            vml_pt_for_each(mm->pt, v->start, v->end, count_leaf, c);
            if (c->err)
                return c->err;
        }
        if (c->pmd_leaves != mm->nr_deposited)
            return fail(c, "pid %d: %llu page tables deposited but %llu THP PMDs", t->pid,
                        (unsigned long long)mm->nr_deposited, (unsigned long long)c->pmd_leaves);
        static const char *names[NR_MM_COUNTERS] = { "MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS",
                                                     "MM_SHMEMPAGES" };
        for (int k = 0; k < NR_MM_COUNTERS; k++)
            if (c->rss[k] != mm->rss[k])
                return fail(c, "pid %d: %s is %llu but the page tables map %llu", t->pid, names[k],
                            (unsigned long long)mm->rss[k], (unsigned long long)c->rss[k]);
        if (c->hugetlb_usage != mm->hugetlb_usage)
            return fail(c, "pid %d: hugetlb_usage is %llu pages but hugetlb entries map %llu",
                        t->pid, (unsigned long long)mm->hugetlb_usage,
                        (unsigned long long)c->hugetlb_usage);
    }
    return 0;
}

/* A pool: free lists, per-node sums, pages in use (mapped anonymous pages plus hugetlbfs
 * caches), frames by use, and resv_huge_pages recounted from the reserve maps. */
static int check_hstate(struct check_ctx *c, unsigned hi)
{
    const struct vml_sim *sim = c->sim;
    const struct hstate *h = &sim->hstates[hi];
    unsigned nodes = vml_phys_nr_nodes(sim->phys);
    uint64_t nr = 0, free = 0, surplus = 0;
    for (unsigned n = 0; n < nodes; n++) {
        uint64_t k = 0;
        for (uint64_t p = h->free_head[n]; p; k++) {
            const struct frame *f = sim_frame(sim, p - 1);
            if (k > h->free_node[n] || !(f->flags & PGF_HUGETLB) || f->use != VML_USE_HUGETLB ||
                f->order != h->order || f->node != n || f->refcount || f->mapcount ||
                (f->flags & (PGF_ANON | PGF_RESTORE)))
                return fail(c, "pool %u node %u: bad free list at pfn %#llx", hi, n,
                            (unsigned long long)(p - 1));
            p = f->lru_next == UINT32_MAX ? 0 : (uint64_t)f->lru_next + 1;
        }
        if (k != h->free_node[n])
            return fail(c, "pool %u node %u: free_huge_pages_node %llu but %llu on its list", hi, n,
                        (unsigned long long)h->free_node[n], (unsigned long long)k);
        if (h->surplus_node[n] > h->nr_node[n] || h->free_node[n] > h->nr_node[n])
            return fail(c, "pool %u node %u: counts out of range", hi, n);
        nr += h->nr_node[n];
        free += h->free_node[n];
        surplus += h->surplus_node[n];
    }
    if (nr != h->nr || free != h->free || surplus != h->surplus || (!h->exists && h->nr))
        return fail(c, "pool %u: totals disagree with the per-node counts", hi);
    /* In use: the anonymous pages mapped (each once in pc) and the hugetlbfs caches. */
    uint64_t in_use = 0, restoring = 0;
    for (size_t i = 0; i < c->pc.cap; i++) {
        if (!c->pc.keys[i])
            continue;
        const struct frame *f = sim_frame(sim, c->pc.keys[i] - 1);
        if (!(f->flags & PGF_HUGETLB) || f->order != h->order)
            continue;
        if (f->flags & PGF_ANON) {
            in_use++;
            restoring += (f->flags & PGF_RESTORE) != 0;
            if (f->refcount != f->mapcount)
                return fail(c, "hugetlb pfn %#llx: refcount %d, mapcount %d",
                            (unsigned long long)(c->pc.keys[i] - 1), f->refcount, f->mapcount);
        } else if (f->refcount != f->mapcount + 1) {
            return fail(c, "hugetlb cache pfn %#llx: refcount %d, mapcount %d",
                        (unsigned long long)(c->pc.keys[i] - 1), f->refcount, f->mapcount);
        }
    }
    uint64_t expect_resv = 0;
    for (size_t i = 0; i < sim->nr_files; i++) {
        const struct sim_file *f = sim->files[i];
        if (!f || f->hstate != hi + 1)
            continue;
        uint64_t cached_in_range = 0;
        for (uint64_t idx = 0; f->nr_cached && idx < (f->size >> hstate_shift(h)); idx++) {
            uint64_t pfn;
            if (!cache_lookup(f, idx, &pfn))
                continue;
            const struct frame *fr = sim_frame(sim, pfn);
            if (!(fr->flags & PGF_HUGETLB) || (fr->flags & PGF_ANON) || fr->refcount < 1 ||
                fr->order != h->order)
                return fail(c, "hugetlbfs inode %llu caches a bad page at %llu",
                            (unsigned long long)f->ino, (unsigned long long)idx);
            cached_in_range += f->resv_all && idx >= f->resv_from && idx < f->resv_to;
        }
        in_use += f->nr_cached;
        if (f->resv_all)
            expect_resv += f->resv_to - f->resv_from - cached_in_range;
    }
    if (in_use != h->nr - h->free)
        return fail(c, "pool %u: %llu pages in use but %llu mapped or cached", hi,
                    (unsigned long long)(h->nr - h->free), (unsigned long long)in_use);
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        if (!sim->tasks[i].alive)
            continue;
        for (const struct vma *v = vma_first(sim->tasks[i].mm->vmas); v; v = vma_next(v)) {
            const struct hugetlb_resv *rv = hugetlb_vma_resv(v);
            if (!rv || vma_hstate(sim, v) != h)
                continue;
            for (uint64_t a = v->start; a < v->end; a += hstate_size(h))
                expect_resv += !hugetlb_resv_consumed(rv, hugetlb_index(h, v, a));
        }
    }
    /* Pages an owner unmapped while others still map them give their reservation back when
     * freed: until then resv is short by one each (and may wrap, as Linux's does). */
    expect_resv -= restoring;
    if (expect_resv != h->resv)
        return fail(c, "pool %u: resv_huge_pages %llu but the reserve maps hold %llu", hi,
                    (unsigned long long)h->resv, (unsigned long long)expect_resv);
    return 0;
}

/* Every large folio mapped somewhere: its PMD and PTE mappings against the counts the rmap
 * keeps (entire, large and per-mm mapcounts, subpages mapped), its references, the deferred
 * split queue, and the machine's THP totals. Adds its frames to the anonymous pages seen and
 * its mapped subpages and their mappings to the PSS identity's sums. */
static uint32_t count_of(const struct pfn_count *pc, uint64_t pfn)
{
    if (!pc->cap)
        return 0;
    uint64_t key = pfn + 1;
    size_t j = (key * 0x9e3779b97f4a7c15ull) & (pc->cap - 1);
    while (pc->keys[j] && pc->keys[j] != key)
        j = (j + 1) & (pc->cap - 1);
    return pc->keys[j] ? pc->counts[j] : 0;
}

/* Whether id names the mm of a live task (a per-mm rmap count must name one). */
static bool mm_id_live(const struct vml_sim *sim, uint64_t id)
{
    for (size_t i = 0; i < sim->nr_tasks; i++)
        if (sim->tasks[i].alive && sim->tasks[i].mm->ctx_id == id)
            return true;
    return false;
}

static int check_large_folios(struct check_ctx *c, uint64_t *anon_seen, uint64_t *mapped_pages,
                              uint64_t *mappings)
{
    const struct vml_sim *sim = c->sim;
    uint64_t nr = 0, pmd_mapped = 0, partial = 0;
    for (size_t i = 0; i < c->large.cap; i++) {
        if (!c->large.keys[i])
            continue;
        uint64_t head = c->large.keys[i] - 1;
        const struct frame *h = sim_frame(sim, head);
        const struct large_folio *lf = folio_large(sim, h);
        uint32_t pmds = count_of(&c->pmd, head);
        int ptes = 0;
        uint32_t subpages_mapped = 0;
        for (uint64_t p = head; p < head + (1ull << h->order); p++) {
            int m = sim_frame(sim, p)->mapcount;
            ptes += m;
            subpages_mapped += m > 0;
            int precise = page_mapcount(sim, p);
            if (precise) {
                ++*mapped_pages;
                *mappings += (uint64_t)precise;
            }
        }
        /* The slot names its head back (the deferred-split shrinker and migration go by it). */
        if (lf->head != head + 1)
            return fail(c, "THP %#llx: its large_folio slot names head %#llx",
                        (unsigned long long)head, (unsigned long long)lf->head - 1);
        int mm_sum = lf->mm_mapcount[0] + lf->mm_mapcount[1];
        if ((uint32_t)lf->entire_mapcount != pmds || lf->large_mapcount != (int)pmds + ptes ||
            lf->nr_mapped != subpages_mapped || (!lf->maybe_shared && mm_sum != lf->large_mapcount))
            return fail(c,
                        "THP %#llx: entire %d, large %d, subpages %u, per-mm %d but %u PMDs and "
                        "%d PTEs map %u subpages",
                        (unsigned long long)head, lf->entire_mapcount, lf->large_mapcount,
                        lf->nr_mapped, mm_sum, pmds, ptes, subpages_mapped);
        for (int k = 0; k < 2; k++)
            if (lf->mm_mapcount[k] && !mm_id_live(sim, lf->mm_id[k]))
                return fail(c, "THP %#llx: %d mappings counted for mm %llu, which no live task has",
                            (unsigned long long)head, lf->mm_mapcount[k],
                            (unsigned long long)lf->mm_id[k]);
        if (h->refcount != lf->large_mapcount)
            return fail(c, "THP %#llx: refcount %d but %d mappings", (unsigned long long)head,
                        h->refcount, lf->large_mapcount);
        if (!lf->entire_mapcount && lf->nr_mapped < (1u << h->order) && !lf->partially_mapped)
            return fail(c, "THP %#llx: %u of %u subpages mapped but not queued for deferred split",
                        (unsigned long long)head, lf->nr_mapped, 1u << h->order);
        nr++;
        pmd_mapped += lf->entire_mapcount > 0;
        partial += lf->partially_mapped;
        *anon_seen += 1ull << h->order;
    }
    uint64_t want_nr = 0, want_partial = 0;
    for (unsigned o = VML_MTHP_MIN_ORDER; o <= VML_THP_PMD_ORDER; o++) {
        want_nr += sim->thp_nr_anon[o];
        want_partial += sim->thp_nr_partially[o];
    }
    if (nr != want_nr || pmd_mapped != sim->nr_anon_thps || partial != want_partial)
        return fail(c,
                    "THPs: nr_anon %llu, PMD-mapped %llu, partially mapped %llu but the page "
                    "tables show %llu, %llu, %llu",
                    (unsigned long long)want_nr, (unsigned long long)sim->nr_anon_thps,
                    (unsigned long long)want_partial, (unsigned long long)nr,
                    (unsigned long long)pmd_mapped, (unsigned long long)partial);
    return 0;
}

/* Page-cache folios of one file (docs/pagecache.md): a page's folio starts at its index
 * rounded down to the folio's size and every page of it is cached with the same order;
 * dirtiness is the folio's (all its pages or none); PG_readahead sits on a folio's first page
 * only; PMD-order folios are counted in NR_FILE_THPS. */
struct folio_check {
    const struct vml_sim *sim;
    const struct sim_file *f;
    uint64_t thps;
    char why[160];
};

static void check_cached(uint64_t index, uint64_t val, void *arg)
{
    struct folio_check *fc = arg;
    if (fc->why[0])
        return;
    unsigned order = (unsigned)(val >> CACHE_ORDER_SHIFT);
    uint64_t nr = 1ull << order, start = index & ~(nr - 1);
    const struct frame *fr = sim_frame(fc->sim, (val & CACHE_PFN_MASK) - 1);
    uint64_t hpfn;
    if (order > 9 || (fc->f->shmem && order) || !cache_lookup(fc->f, start, &hpfn)) {
        snprintf(fc->why, sizeof(fc->why), "file %s: page %llu in a folio of order %u at %llu",
                 fc->f->name, (unsigned long long)index, order, (unsigned long long)start);
        return;
    }
    const struct frame *head = sim_frame(fc->sim, hpfn);
    if (cache_order(fc->f, start) != order || fr->index != index ||
        ((fr->flags ^ head->flags) & PGF_DIRTY) || (index != start && (fr->flags & PGF_READAHEAD)))
        snprintf(fc->why, sizeof(fc->why),
                 "file %s: page %llu disagrees with its folio at %llu (order %u: order, "
                 "index, dirtiness or readahead mark)",
                 fc->f->name, (unsigned long long)index, (unsigned long long)start, order);
    if (order == 9 && index == start && !fc->f->shmem)
        fc->thps++;
}

static int check_file_folios(struct check_ctx *c)
{
    struct folio_check fc = { .sim = c->sim };
    for (size_t i = 0; i < c->sim->nr_files; i++) {
        const struct sim_file *f = c->sim->files[i];
        if (!f || f->hstate)
            continue;
        fc.f = f;
        radix_for_each(&f->pages, check_cached, &fc);
        if (fc.why[0])
            return fail(c, "%s", fc.why);
    }
    if (fc.thps != c->sim->nr_file_thps)
        return fail(c, "%llu PMD-order page-cache folios but NR_FILE_THPS is %llu",
                    (unsigned long long)fc.thps, (unsigned long long)c->sim->nr_file_thps);
    return 0;
}

/* Every slot's references are the swap entries in page tables; SWAP_HAS_CACHE is set exactly
 * for the slots the swap cache holds, each by an anonymous page that names it; the areas' use
 * counts add up. Also counts the swap-cache pages no PTE maps (anonymous frames the page tables
 * do not show). */
/* A shadow stays in a swap-cache slot only while the slot is in use and holds no page. */
struct shadow_walk {
    const struct swap_area *a;
    uint64_t bad; /* offset + 1 of the first wrong one */
};

static void check_shadow(uint64_t index, uint64_t val, void *ctx)
{
    struct shadow_walk *w = ctx;
    if (!w->bad && (val & WS_SHADOW) &&
        (index >= w->a->max || !w->a->map[index] || (w->a->map[index] & SWAP_HAS_CACHE)))
        w->bad = index + 1;
}

/* A shmem object's swapped page holds a reference to its slot (swap_shmem_alloc). */
static void shmem_swap_ref(uint64_t index, uint64_t val, void *ctx)
{
    (void)index;
    struct check_ctx *c = ctx;
    if (val && pc_add(&c->swp, val - 1))
        c->oom = true;
}

static int check_swap(struct check_ctx *c, uint64_t *unmapped_cached, uint64_t *shmem_cached)
{
    const struct vml_sim *sim = c->sim;
    uint64_t free = 0, total = 0;
    *unmapped_cached = 0;
    *shmem_cached = 0;
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && sim->files[i]->shmem && sim->files[i]->nr_swapped)
            radix_for_each(&sim->files[i]->swap, shmem_swap_ref, c);
    if (c->oom)
        return fail(c, "out of memory while checking");
    for (unsigned t = 0; t < SWAP_MAX_AREAS; t++) {
        const struct swap_area *a = &sim->swap[t];
        if (!a->used)
            continue;
        uint64_t inuse = 0;
        for (uint64_t o = 1; o < a->max; o++) {
            uint16_t m = a->map[o];
            if (!m)
                continue;
            inuse++;
            uint64_t e = swp_entry(t, o);
            uint32_t refs = 0;
            uint64_t key = e + 1;
            if (c->swp.cap) {
                size_t j = (key * 0x9e3779b97f4a7c15ull) & (c->swp.cap - 1);
                while (c->swp.keys[j] && c->swp.keys[j] != key)
                    j = (j + 1) & (c->swp.cap - 1);
                refs = c->swp.keys[j] ? c->swp.counts[j] : 0;
            }
            if ((m & SWAP_COUNT_MASK) != refs)
                return fail(c, "swap %u:%llu has %u references in swap_map but %u entries", t,
                            (unsigned long long)o, m & SWAP_COUNT_MASK, refs);
            uint64_t pfn;
            bool cached = swap_cache_lookup(sim, e, &pfn);
            if (cached != ((m & SWAP_HAS_CACHE) != 0))
                return fail(c, "swap %u:%llu: SWAP_HAS_CACHE %s but the cache %s a page", t,
                            (unsigned long long)o, (m & SWAP_HAS_CACHE) ? "set" : "clear",
                            cached ? "holds" : "has no");
            if (!cached)
                continue;
            const struct frame *f = sim_frame(sim, pfn);
            if (!(f->flags & PGF_SWAPCACHE) || !(f->flags & (PGF_ANON | PGF_SHMEMSWAP)) ||
                f->priv != e)
                return fail(c, "swap %u:%llu is cached by pfn %#llx, which does not name it", t,
                            (unsigned long long)o, (unsigned long long)pfn);
            if (f->refcount != f->mapcount + 1)
                return fail(c, "swap-cache pfn %#llx: refcount %d, mapcount %d",
                            (unsigned long long)pfn, f->refcount, f->mapcount);
            if (f->flags & PGF_SHMEMSWAP)
                (*shmem_cached)++; /* a shmem frame no file holds now */
            else if (f->mapcount == 0)
                (*unmapped_cached)++;
        }
        struct shadow_walk sw = { a, 0 };
        for (uint32_t cl = 0; cl < a->nr_clusters; cl++)
            for (uint32_t k = 0; a->table[cl] && k < SWAPFILE_CLUSTER; k++)
                if (a->table[cl][k])
                    check_shadow((uint64_t)cl * SWAPFILE_CLUSTER + k, a->table[cl][k], &sw);
        if (sw.bad)
            return fail(c, "swap %u:%llu holds a shadow but its slot is %s", t,
                        (unsigned long long)(sw.bad - 1),
                        a->map[sw.bad - 1] ? "in the swap cache" : "free");
        if (inuse != a->inuse)
            return fail(c, "swap area %u: %llu slots in use but inuse says %llu", t,
                        (unsigned long long)inuse, (unsigned long long)a->inuse);
        free += a->pages - inuse;
        total += a->pages;
    }
    if (free != sim->nr_swap_pages || total != sim->total_swap_pages)
        return fail(c, "swap: %llu of %llu slots free but the totals say %llu of %llu",
                    (unsigned long long)free, (unsigned long long)total,
                    (unsigned long long)sim->nr_swap_pages,
                    (unsigned long long)sim->total_swap_pages);
    return 0;
}

/* Each cgroup's LRU lists on each node link every folio on them once, in both directions,
 * each on the list its flags name and its cgroup's, and add up to the counts; the node's
 * counts are the sums over its cgroups. */
static int check_lru(struct check_ctx *c)
{
    const struct vml_sim *sim = c->sim;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        uint64_t node_pages[NR_LRU_LISTS] = { 0 };
        for (unsigned id = 0; id < sim->nr_memcgs; id++) {
            const struct mem_cgroup *m = sim->memcgs[id];
            if (!m)
                continue;
            const struct lruvec *lv = &m->lruvec[n];
            for (unsigned l = 0; l < NR_LRU_LISTS; l++) {
                uint64_t pages = 0, prev = FRAME_NONE, steps = 0;
                for (uint64_t p = lv->head[l]; p; steps++) {
                    uint64_t pfn = p - 1;
                    const struct frame *f = sim_frame(sim, pfn);
                    if (steps > vml_phys_total_pages(sim->phys) || !f)
                        return fail(c, "node %u cgroup %u list %u: loops or leaves memory", n, id,
                                    l);
                    if (f->lru_prev != prev)
                        return fail(c, "node %u list %u: pfn %#llx's prev link is wrong", n, l,
                                    (unsigned long long)pfn);
                    if ((unsigned)page_lru(f) != l)
                        return fail(c, "node %u: pfn %#llx is on list %u but its flags name %u", n,
                                    (unsigned long long)pfn, l, (unsigned)page_lru(f));
                    if (f->memcg != id)
                        return fail(c,
                                    "node %u: pfn %#llx is on cgroup %u's list but charged "
                                    "to %u",
                                    n, (unsigned long long)pfn, id, (unsigned)f->memcg);
                    pages += folio_nr_pages(f);
                    prev = pfn;
                    p = f->lru_next == FRAME_NONE ? 0 : (uint64_t)f->lru_next + 1;
                }
                if ((prev == FRAME_NONE ? 0 : prev + 1) != lv->tail[l])
                    return fail(c, "node %u list %u: the tail is not the last folio", n, l);
                if (pages != lv->nr[l])
                    return fail(c, "node %u cgroup %u list %u holds %llu pages but counts %llu", n,
                                id, l, (unsigned long long)pages, (unsigned long long)lv->nr[l]);
                node_pages[l] += pages;
            }
        }
        for (unsigned l = 0; l < NR_LRU_LISTS; l++)
            if (node_pages[l] != sim->node[n].lru[l])
                return fail(c, "node %u list %u holds %llu pages but counts %llu", n, l,
                            (unsigned long long)node_pages[l],
                            (unsigned long long)sim->node[n].lru[l]);
    }
    return memcg_check(sim, c->why, c->len);
}

int vml_sim_check(const struct vml_sim *sim, char *why, size_t len)
{
    struct check_ctx c = { .sim = sim, .why = why, .len = len };
    int r = -1;
    if (vml_phys_check(sim->phys, why, len))
        return -1;
    if (check_tasks(&c))
        goto out;
    /* mapcount == present leaves; refcount >= mapcount; anon pages are all mapped. */
    uint64_t anon_seen = 0, cache_mapped_seen = 0, mapped_pages = 0, mappings = 0;
    for (size_t i = 0; i < c.pc.cap; i++) {
        if (!c.pc.keys[i])
            continue;
        uint64_t pfn = c.pc.keys[i] - 1;
        const struct frame *f = sim_frame(sim, pfn);
        if ((uint64_t)f->mapcount != c.pc.counts[i]) {
            fail(&c, "pfn %#llx: mapcount %d but %u present mappings", (unsigned long long)pfn,
                 f->mapcount, c.pc.counts[i]);
            goto out;
        }
        if (folio_large(sim, sim_frame(sim, folio_head(sim, pfn))))
            continue; /* a THP subpage: its folio is checked whole below */
        if (f->refcount < f->mapcount) {
            fail(&c, "pfn %#llx: refcount %d below mapcount %d", (unsigned long long)pfn,
                 f->refcount, f->mapcount);
            goto out;
        }
        if (f->flags & PGF_HUGETLB)
            continue;
        if (f->flags & PGF_ANON)
            anon_seen++;
        else
            cache_mapped_seen++;
        mapped_pages++;
        mappings += c.pc.counts[i];
    }
    if (check_large_folios(&c, &anon_seen, &mapped_pages, &mappings))
        goto out;
    /* File PMDs: each folio's count of them (aux2 of its first frame), and NR_FILE_PMDMAPPED
     * the folios with any. */
    uint64_t file_pmd_folios = 0;
    for (size_t i = 0; i < c.fpmd.cap; i++) {
        if (!c.fpmd.keys[i])
            continue;
        const struct frame *h = sim_frame(sim, c.fpmd.keys[i] - 1);
        if (h->aux2 != c.fpmd.counts[i]) {
            fail(&c, "file folio %#llx: %u PMD mappings counted but %u PMDs map it",
                 (unsigned long long)(c.fpmd.keys[i] - 1), h->aux2, c.fpmd.counts[i]);
            goto out;
        }
        file_pmd_folios++;
    }
    if (file_pmd_folios != sim->nr_file_pmdmapped) {
        fail(&c, "nr_file_pmdmapped %llu but %llu folios are PMD-mapped",
             (unsigned long long)sim->nr_file_pmdmapped, (unsigned long long)file_pmd_folios);
        goto out;
    }
    uint64_t unmapped_cached, shmem_cached;
    if (check_swap(&c, &unmapped_cached, &shmem_cached) || check_lru(&c))
        goto out;
    anon_seen += unmapped_cached;
    uint64_t pool_frames[VML_MAX_NODES] = { 0 };
    for (unsigned hi = 0; hi < VML_NR_HUGE_SIZES; hi++) {
        if (check_hstate(&c, hi))
            goto out;
        for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
            pool_frames[n] += sim->hstates[hi].nr_node[n] << sim->hstates[hi].order;
    }
    /* Frames by use agree with what owns them. */
    uint64_t used_anon = 0, used_cache = 0, cached = 0;
    for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++) {
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, n, &u);
        used_anon += u.used[VML_USE_ANON];
        used_cache += u.used[VML_USE_FILE] + u.used[VML_USE_SHMEM];
        if (u.used[VML_USE_HUGETLB] != pool_frames[n]) {
            fail(&c, "node %u: %llu hugetlb frames allocated but the pools hold %llu", n,
                 (unsigned long long)u.used[VML_USE_HUGETLB], (unsigned long long)pool_frames[n]);
            goto out;
        }
    }
    for (size_t i = 0; i < sim->nr_files; i++)
        if (sim->files[i] && !sim->files[i]->hstate)
            cached += sim->files[i]->nr_cached;
    cached += shmem_cached;
    if (used_anon != anon_seen) {
        fail(&c, "%llu anonymous frames allocated but %llu mapped (leak or double free)",
             (unsigned long long)used_anon, (unsigned long long)anon_seen);
        goto out;
    }
    if (used_cache != cached) {
        fail(&c, "%llu page-cache frames allocated but the files hold %llu",
             (unsigned long long)used_cache, (unsigned long long)cached);
        goto out;
    }
    if (check_file_folios(&c))
        goto out;
    /* PSS: each mapped page's shares add up to its size, short by less than one unit per
     * mapping from the fixed-point division. */
    uint64_t whole = mapped_pages * (PAGE_SIZE << PSS_SHIFT);
    if (c.pss > whole || whole - c.pss >= (mappings ? mappings : 1)) {
        fail(&c, "PSS over all processes is %llu (fixed point) but the mapped pages make %llu",
             (unsigned long long)c.pss, (unsigned long long)whole);
        goto out;
    }
    for (unsigned cpu = 0; cpu < sim->cfg.nr_cpus; cpu++) {
        const void *ctx[2] = { sim, &cpu };
        char w[200];
        if (vml_cpu_check(sim->cpus[cpu], pt_of_pcid, ctx, w, sizeof(w))) {
            fail(&c, "cpu %u: %s", cpu, w);
            goto out;
        }
    }
    r = 0;
out:
    free(c.pc.keys);
    free(c.pc.counts);
    free(c.pmd.keys);
    free(c.pmd.counts);
    free(c.fpmd.keys);
    free(c.fpmd.counts);
    free(c.large.keys);
    free(c.large.counts);
    free(c.swp.keys);
    free(c.swp.counts);
    return r;
}
