/* mm/fork.c: fork's copy of an address space (kernel/fork.c: dup_mmap; mm/memory.c:
 * copy_page_range, vma_needs_copy, __copy_present_ptes; mm/rmap.c:
 * folio_try_dup_anon_rmap_ptes).
 */
#include "mm/sim_internal.h"

#include <string.h>

struct copy_ctx {
    struct vml_sim *sim;
    struct sim_mm *parent, *child;
    const struct vma *v;
    bool cow;
    int err;
    /* For the event stream: entries copied, write-protected, anonymous pages shared. */
    uint64_t copied, wrprotected, shared;
};

/* is_cow_mapping: private and may become writable. */
static bool is_cow_mapping(uint64_t flags)
{
    return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
}

/* __copy_present_ptes for one entry: the child's PTE is old, clean if shared, read-only if
 * COW; the page gains a mapping and loses its exclusive mark. */
static int copy_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct copy_ctx *c = arg;
    c->copied++;
    /* __copy_present_ptes: ptep_set_wrprotect on the parent's writable entry of a COW mapping */
    c->wrprotected += c->cow && (leaf->entry & VML_PTE_P) && (leaf->entry & VML_PTE_RW);
    if (leaf->level == 2) {
        if ((c->err = copy_huge_pmd(c->sim, c->child, c->v, leaf, c->cow)) != 0)
            return 1;
        return 0;
    }
    uint64_t e = leaf->entry;
    uint64_t pfn = vml_pte_pfn(e);
    if (pte_is_swap(e)) {
        /* copy_nonpresent_pte: the slot gains the child's reference and neither side's entry
         * is exclusive any more. */
        uint64_t entry = pte_to_swp_entry(e);
        int r = vml_pt_set_pte(c->child->pt, leaf->va, e & ~PTE_SWP_EXCLUSIVE);
        if (r) {
            c->err = r;
            return 1;
        }
        swap_dup(c->sim, entry);
        if (e & PTE_SWP_EXCLUSIVE)
            vml_pt_set_pte(c->parent->pt, leaf->va, e & ~PTE_SWP_EXCLUSIVE);
        c->child->rss[MM_SWAPENTS]++;
        return 0;
    }
    uint64_t flags = e & (VML_PTE_RW | VML_PTE_US | VML_PTE_D | VML_PTE_SPECIAL | VML_PTE_NX);
    if (pte_protnone(e)) {
        /* copy_present_pte copies a NUMA hinting entry as it is (it has no write bit to take
         * away): the child faults on it too. */
        int r =
            vml_pt_set_pte(c->child->pt, leaf->va, c->v->flags & VM_SHARED ? e & ~VML_PTE_D : e);
        if (r) {
            c->err = r;
            return 1;
        }
        struct frame *f = sim_frame(c->sim, folio_head(c->sim, pfn));
        page_add_map(c->sim, c->child, pfn);
        f->flags &= ~PGF_EXCLUSIVE;
        c->child->rss[mm_counter_of(f)]++;
        return 0;
    }
    if (c->cow)
        flags &= ~VML_PTE_RW;
    if (c->v->flags & VM_SHARED)
        flags &= ~VML_PTE_D;
    int r = vml_pt_map(c->child->pt, leaf->va, pfn, VML_PS_4K, flags);
    if (r) {
        c->err = r;
        return 1;
    }
    if (pfn == c->sim->zero_pfn)
        return 0; /* copied verbatim: no refcount, no RSS */
    struct frame *f = sim_frame(c->sim, folio_head(c->sim, pfn));
    page_add_map(c->sim, c->child, pfn);
    f->flags &= ~PGF_EXCLUSIVE;
    c->child->rss[mm_counter_of(f)]++;
    c->shared += (f->flags & PGF_ANON) != 0;
    return 0;
}

int mm_fork(struct vml_sim *sim, struct sim_mm *parent, unsigned node, struct sim_mm **out)
{
    struct sim_mm *child;
    int r = mm_create_empty(sim, &parent->layout, node, &child);
    if (r)
        return r;
    child->start_brk = parent->start_brk;
    child->brk = parent->brk;
    child->start_stack = parent->start_stack;
    child->thp_disabled = parent->thp_disabled; /* MMF_DISABLE_THP is in MMF_INIT_MASK */
    bool wrprotected = false;
    struct vml_event ev = { .kind = VML_EV_FORK, .pid = parent->owner };
    ev.tlb_flushes = sim->stats.tlb_flushes;
    for (struct vma *v = vma_first(parent->vmas); v; v = vma_next(v)) {
        /* dup_mmap: the child's VMA, sharing the anon lineage; mlock is not inherited. */
        struct vma_desc d = {
            .start = v->start,
            .end = v->end,
            .flags = v->flags & ~(VM_LOCKED | VM_LOCKONFAULT),
            .kind = v->kind,
            .file = v->file,
            .pgoff = v->pgoff,
            .anon = v->anon,
            .anon_forked = v->anon != 0,
            .policy = v->policy,
            .name = v->name,
            .anon_name = v->anon_name,
            /* The child shares the parent's open file, readahead state and all (get_file);
             * a hugetlb VMA's priv is its reserve map, which the child does not inherit. */
            .priv = (v->flags & VM_HUGETLB) ? NULL : v->priv,
        };
        struct vma *nv;
        /* dup_mmap: an accounted VMA is charged again for the child, as the overcommit policy
         * allows (security_vm_enough_memory_mm on the parent's mm): fork fails with ENOMEM. */
        uint64_t charge = (v->flags & VM_ACCOUNT) ? vma_pages(v) : 0;
        if (charge && (r = vm_enough_memory(sim, parent, charge)) != 0)
            break;
        if ((r = vma_insert(child->vmas, &d, &nv)) != 0) {
            sim->committed -= charge;
            break;
        }
        if (nv->file)
            file_get(nv->file);
        vm_stat_account(child, nv->flags, vma_pages(nv), +1);
        /* vma_needs_copy: only VMAs with anonymous pages; the rest refault lazily. */
        if (v->anon == 0)
            continue;
        if (v->flags & VM_HUGETLB) {
            if ((r = hugetlb_copy(sim, parent, child, v)) != 0)
                break;
            wrprotected |= is_cow_mapping(v->flags);
            continue;
        }
        struct copy_ctx c = {
            .sim = sim, .parent = parent, .child = child, .v = v, .cow = is_cow_mapping(v->flags)
        };
        vml_pt_for_each(parent->pt, v->start, v->end, copy_leaf, &c);
        ev.n += c.copied, ev.n2 += c.wrprotected, ev.n3 += c.shared;
        if ((r = c.err) != 0)
            break;
        if (c.cow) {
            vml_pt_protect(parent->pt, v->start, v->end, 0, VML_PTE_RW, NULL, NULL);
            wrprotected = true;
        }
    }
    /* flush_tlb_mm: the parent's writable entries just became read-only. */
    if (wrprotected)
        sim_flush_range(sim, parent, 0, 0);
    if (r) {
        mm_destroy(sim, child);
        return r;
    }
    child->hiwater_vm = child->total_vm;
    khugepaged_fork(sim, child, parent); /* dup_mmap */
    struct vml_pt_stats st;
    vml_pt_stats(child->pt, &st);
    ev.tables = st.nr_tables;
    ev.tlb_flushes = sim->stats.tlb_flushes - ev.tlb_flushes;
    sim_event(sim, &ev);
    *out = child;
    return 0;
}
