/* mm/workingset.c: refault detection with shadow entries (the classic LRU's, CONFIG_LRU_GEN off).
 *
 * When reclaim evicts a folio, the slot it leaves in its page cache (a file's, or the swap
 * cache's: in 6.18 the swap table's) keeps a shadow entry: the node's nonresident_age at that
 * moment and whether the folio had been active (PG_workingset). nonresident_age counts what has
 * aged the inactive lists since: evictions, activations (folio_mark_accessed's second access,
 * refault activations, and every folio reclaim puts back active: move_folios_to_lru). When the
 * folio comes back (a page-cache miss not made by a write, a swap-in), the difference is its
 * refault distance: how many pages the lists aged while it was out. If that is no more than
 * the workingset the inactive list competes with (active file; plus inactive file for anon;
 * plus active anon, and inactive anon for file, when swap has free slots), the folio would
 * have stayed had the inactive list been that much longer, so it starts active
 * (workingset_activate_*), and one that had been active before counts as restored
 * (workingset_restore_*) and charges its type's reclaim cost (lru_note_cost_refault).
 *
 * Only reclaim leaves shadows (__remove_mapping with reclaimed set): truncation, invalidation
 * (fadvise DONTNEED, drop_caches) and freed swap slots leave none, and truncation removes
 * those past the new end. Not modelled: the shadow-node shrinker (count_shadow_nodes keeps up
 * to a node's present pages / 8 xarray nodes of shadows, about 1.8% of memory, before it frees
 * any: the simulation keeps every shadow) and the workingset_nodes count of those nodes
 * (docs/reclaim.md). */
#include "mm/sim_internal.h"

/* A shadow as stored: the eviction age, the node, PG_workingset; WS_SHADOW marks it a value (as
 * xa_mk_value does), so a slot holding one is never mistaken for a page. With no memcg below
 * the root and bucket_order 0 (the age fits in EVICTION_BITS on any machine the simulation
 * makes) pack_shadow keeps exactly these. */
#define WS_NODE_BITS 6

static uint64_t pack_shadow(uint64_t eviction, unsigned node, bool workingset)
{
    return WS_SHADOW | (eviction << (WS_NODE_BITS + 1)) | ((uint64_t)node << 1) |
           (workingset ? 1 : 0);
}

void workingset_age_nonresident(struct vml_sim *sim, unsigned node, uint64_t nr)
{
    sim->node[node].nonresident_age += nr;
}

uint64_t workingset_eviction(struct vml_sim *sim, uint64_t pfn, uint64_t nr)
{
    const struct frame *f = sim_frame(sim, pfn);
    uint64_t eviction = sim->node[f->node].nonresident_age;
    workingset_age_nonresident(sim, f->node, nr);
    return pack_shadow(eviction, f->node, (f->flags & PGF_WORKINGSET) != 0);
}

/* workingset_test_recent. */
static bool test_recent(const struct vml_sim *sim, uint64_t shadow, bool file, bool *workingset)
{
    unsigned node = (unsigned)(shadow >> 1) & ((1u << WS_NODE_BITS) - 1);
    uint64_t eviction = (shadow & ~WS_SHADOW) >> (WS_NODE_BITS + 1);
    const struct node_stats *ns = &sim->node[node];
    *workingset = shadow & 1;
    uint64_t distance = ns->nonresident_age - eviction;
    uint64_t size = ns->lru[LRU_ACTIVE_FILE];
    if (!file)
        size += ns->lru[LRU_INACTIVE_FILE];
    /* mem_cgroup_get_nr_swap_pages: the root's, the free slots of every area. */
    if (sim->nr_swap_pages > 0) {
        size += ns->lru[LRU_ACTIVE_ANON];
        if (file)
            size += ns->lru[LRU_INACTIVE_ANON];
    }
    return distance <= size;
}

bool workingset_refault(struct vml_sim *sim, uint64_t pfn, uint64_t nr, uint64_t shadow,
                        bool *workingset)
{
    const struct frame *f = sim_frame(sim, pfn);
    bool file = (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG);
    *workingset = false;
    sim->events[file ? VML_VMSTAT_workingset_refault_file : VML_VMSTAT_workingset_refault_anon] +=
        nr;
    memcg_count(sim, f->memcg, file ? MEV_WS_REFAULT_FILE : MEV_WS_REFAULT_ANON, nr);
    bool recent = test_recent(sim, shadow, file, workingset);
    /* One event for the refault and what follows from it (activation, restore, below). */
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_REFAULT,
                                        .pid = sim->current,
                                        .n = nr,
                                        .n2 = recent ? nr : 0,
                                        .n3 = recent && *workingset ? nr : 0,
                                        .pfn = pfn,
                                        .file = file });
    if (!recent) {
        *workingset = false;
        return false;
    }
    workingset_age_nonresident(sim, f->node, nr);
    sim->events[file ? VML_VMSTAT_workingset_activate_file : VML_VMSTAT_workingset_activate_anon] +=
        nr;
    memcg_count(sim, f->memcg, file ? MEV_WS_ACTIVATE_FILE : MEV_WS_ACTIVATE_ANON, nr);
    if (*workingset) {
        lru_note_cost(sim, f->memcg, f->node, file, nr, 0); /* lru_note_cost_refault */
        memcg_count(sim, f->memcg, file ? MEV_WS_RESTORE_FILE : MEV_WS_RESTORE_ANON, nr);
        sim->events[file ? VML_VMSTAT_workingset_restore_file
                         : VML_VMSTAT_workingset_restore_anon] += nr;
    }
    return true;
}

/* Moves the page at pfn, just added to its inactive list, to the active one with what the
 * refault decided (folio_set_active, folio_set_workingset before folio_add_lru). */
static void refault_activate(struct vml_sim *sim, uint64_t pfn, bool workingset)
{
    struct frame *f = sim_frame(sim, pfn);
    lru_del(sim, pfn);
    f->flags |= PGF_ACTIVE | (workingset ? PGF_WORKINGSET : 0);
    lru_add(sim, pfn);
}

void workingset_cache_add(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t nr,
                          bool write)
{
    /* __filemap_add_folio hands back a shadow the folio's range held (the last it met) and
     * the folio's entry replaces them all; filemap_add_folio evaluates it unless the folio is
     * being added to be written over (__GFP_WRITE: caching data about to be replaced is not
     * a sign of a working set). */
    uint64_t shadow = 0;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t *slot = radix_slot(&f->shadows, index + i);
        if (slot && *slot) {
            shadow = *slot;
            *slot = 0;
            f->nr_shadows--;
        }
    }
    if (!shadow || write)
        return;
    uint64_t first;
    if (!cache_lookup(f, index, &first))
        return;
    bool workingset;
    if (!workingset_refault(sim, first, nr, shadow, &workingset))
        return;
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t p;
        if (cache_lookup(f, index + i, &p) && !(sim_frame(sim, p)->flags & PGF_MLOCKED))
            refault_activate(sim, p, workingset);
    }
}

int workingset_cache_evict(struct sim_file *f, uint64_t index, uint64_t nr, uint64_t shadow)
{
    for (uint64_t i = 0; i < nr; i++) {
        uint64_t *slot;
        if (radix_reserve(&f->shadows, index + i, &slot))
            return VML_EHOST;
        if (!*slot)
            f->nr_shadows++;
        *slot = shadow;
    }
    return 0;
}

struct truncate_walk {
    struct sim_file *f;
    uint64_t from;
};

static void clear_past(uint64_t index, uint64_t val, void *ctx)
{
    struct truncate_walk *w = ctx;
    if (val && index >= w->from) {
        *radix_slot(&w->f->shadows, index) = 0;
        w->f->nr_shadows--;
    }
}

void workingset_cache_truncate(struct sim_file *f, uint64_t from)
{
    if (!f->nr_shadows)
        return;
    struct truncate_walk w = { f, from };
    radix_for_each(&f->shadows, clear_past, &w);
}

void workingset_swapin(struct vml_sim *sim, uint64_t pfn, uint64_t shadow)
{
    bool workingset;
    if (shadow && workingset_refault(sim, pfn, 1, shadow, &workingset) &&
        !(sim_frame(sim, pfn)->flags & PGF_MLOCKED))
        refault_activate(sim, pfn, workingset);
}
