/* mm/page.c: pages as the simulated kernel sees them: allocation with node fallback, LRU
 * membership, rmap counts (mapcount, refcount) and the node counters they drive.
 *
 * Departures from Linux, on purpose: folios are single pages (no large folios outside huge
 * pages); pages enter the inactive list and are never aged (there is no reclaim yet), so
 * Active(anon)/Active(file) stay 0; per-CPU LRU batches do not exist.
 */
#include "mm/sim_internal.h"

#include <string.h>

enum lru_list page_lru(const struct frame *f)
{
    if (f->flags & PGF_MLOCKED)
        return LRU_UNEVICTABLE;
    /* Shmem is swap-backed: it lives on the anon lists (folio_is_file_lru). */
    bool file = (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG);
    return (enum lru_list)((file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) +
                           ((f->flags & PGF_ACTIVE) ? 1 : 0));
}

/* NUMA counters of an allocation, page tables included (pgalloc_* and pgfree are counted by
 * phys, for every frame). */
static void count_alloc(struct vml_sim *sim, const struct frame *f, unsigned preferred)
{
    /* mm/vmstat.c zone_statistics: hit/miss against the preferred node, foreign on it. */
    if (f->node == preferred) {
        sim->events[VML_VMSTAT_numa_hit]++;
    } else {
        sim->events[VML_VMSTAT_numa_miss]++;
        sim->events[VML_VMSTAT_numa_foreign]++;
    }
    sim->events[f->node == preferred ? VML_VMSTAT_numa_local : VML_VMSTAT_numa_other]++;
}

/* Allocates one frame on node or, failing that, the nearest node with memory (the zonelist
 * order of build_zonelists: by distance, then node number). Page-table frames get their
 * content too (phys_alloc_table). */
static int alloc_frame(struct vml_sim *sim, unsigned node, enum vml_frame_use use, uint64_t *pfn)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    bool tried[VML_MAX_NODES] = { false };
    for (unsigned k = 0; k < n; k++) {
        unsigned best = n;
        for (unsigned c = 0; c < n; c++) {
            if (tried[c])
                continue;
            if (best == n ||
                vml_phys_distance(sim->phys, node, c) < vml_phys_distance(sim->phys, node, best))
                best = c;
        }
        tried[best] = true;
        int r = use == VML_USE_PGTABLE ? phys_alloc_table(sim->phys, best, pfn)
                                       : vml_phys_alloc(sim->phys, best, 0, use, pfn);
        if (r == 0) {
            count_alloc(sim, sim_frame(sim, *pfn), node);
            return 0;
        }
        if (r != VML_ENOMEM)
            return r; /* the host is out of memory: no node would do better */
    }
    return VML_ENOMEM;
}

int page_alloc_table(struct vml_sim *sim, unsigned node, uint64_t *pfn)
{
    /* pagetable_alloc -> alloc_pages_noprof: GFP_PGTABLE_USER under the task's policy, so the
     * same zonelist fallback as any other page. */
    return alloc_frame(sim, node, VML_USE_PGTABLE, pfn);
}

static void lru_add(struct vml_sim *sim, struct frame *f)
{
    sim->node[f->node].lru[page_lru(f)]++;
}

static void lru_del(struct vml_sim *sim, struct frame *f)
{
    sim->node[f->node].lru[page_lru(f)]--;
}

int page_alloc_anon(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                    uint64_t *pfn)
{
    int r = alloc_frame(sim, node, VML_USE_ANON, pfn);
    if (r)
        return r;
    struct frame *f = sim_frame(sim, *pfn);
    f->flags |= PGF_ANON | PGF_EXCLUSIVE;
    f->refcount = 1;
    f->mapcount = 0;
    f->mapping = lineage;
    f->index = index;
    /* New anonymous folios start on the inactive list (mm/swap.c: lru_add). */
    lru_add(sim, f);
    return 0;
}

int page_alloc_cache(struct vml_sim *sim, unsigned node, struct sim_file *f, uint64_t index,
                     uint64_t *pfn)
{
    int r = alloc_frame(sim, node, f->shmem ? VML_USE_SHMEM : VML_USE_FILE, pfn);
    if (r)
        return r;
    struct frame *fr = sim_frame(sim, *pfn);
    fr->flags |= PGF_CACHE | (f->shmem ? PGF_SHMEMPG : 0);
    fr->refcount = 1; /* the page cache's reference */
    fr->mapcount = 0;
    fr->mapping = f->ino;
    fr->index = index;
    struct node_stats *ns = &sim->node[fr->node];
    ns->file_pages++;
    if (f->shmem)
        ns->shmem++;
    lru_add(sim, fr);
    return 0;
}

void page_add_map(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->mapcount++ == 0) {
        struct node_stats *ns = &sim->node[f->node];
        if (f->flags & PGF_ANON)
            ns->anon_mapped++;
        else
            ns->file_mapped++;
    }
    f->refcount++;
}

void page_remove_map(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (--f->mapcount == 0) {
        struct node_stats *ns = &sim->node[f->node];
        if (f->flags & PGF_ANON)
            ns->anon_mapped--;
        else
            ns->file_mapped--;
    }
    page_put(sim, pfn);
}

void page_put(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (--f->refcount > 0)
        return;
    struct node_stats *ns = &sim->node[f->node];
    lru_del(sim, f);
    if (f->flags & PGF_CACHE) {
        ns->file_pages--;
        if (f->flags & PGF_SHMEMPG)
            ns->shmem--;
    }
    if ((f->flags & PGF_DIRTY) && (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG))
        ns->dirty--;
    f->flags &= PGF_HW_MASK; /* hw/phys keeps its own bits (PGF_HEAD) */
    f->mapping = 0;
    f->index = 0;
    f->mapcount = 0;
    vml_phys_free(sim->phys, pfn, 0);
}

void page_mark_accessed(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (!(f->flags & PGF_REFERENCED)) {
        f->flags |= PGF_REFERENCED;
        return;
    }
    if (f->flags & PGF_ACTIVE)
        return;
    /* Second access: to the active list (not the unevictable one), referenced cleared. */
    if (!(f->flags & PGF_MLOCKED)) {
        lru_del(sim, f);
        f->flags |= PGF_ACTIVE;
        lru_add(sim, f);
        sim->events[VML_VMSTAT_pgactivate]++;
    }
    f->flags &= ~PGF_REFERENCED;
}

void page_set_dirty(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->flags & PGF_DIRTY)
        return;
    f->flags |= PGF_DIRTY;
    /* Only file pages count as Dirty (folio_account_dirtied); shmem and anon never do. */
    if ((f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG)) {
        sim->node[f->node].dirty++;
        sim->events[VML_VMSTAT_nr_dirtied]++;
    }
}

/* mm/mlock.c: a page is on the unevictable list while at least one VM_LOCKED mapping maps it;
 * frame->aux counts them (mlock_count), as folio->mlock_count does. */
void page_mlock(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->aux++ > 0)
        return;
    lru_del(sim, f);
    f->flags |= PGF_MLOCKED;
    lru_add(sim, f);
    sim->node[f->node].mlock++;
    sim->events[VML_VMSTAT_unevictable_pgs_mlocked]++;
    sim->events[VML_VMSTAT_unevictable_pgs_culled]++;
}

void page_munlock(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    if (f->aux == 0 || --f->aux > 0)
        return;
    lru_del(sim, f);
    f->flags &= ~PGF_MLOCKED;
    lru_add(sim, f);
    sim->node[f->node].mlock--;
    sim->events[VML_VMSTAT_unevictable_pgs_munlocked]++;
    sim->events[VML_VMSTAT_unevictable_pgs_rescued]++;
}
