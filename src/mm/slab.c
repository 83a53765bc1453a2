/* mm/slab.c: a small slab model: the dentry and ext4 inode objects of the simulated files, the
 * slab pages that hold them (SReclaimable, nr_slab_reclaimable), and the superblock shrinker
 * that frees unused ones (fs/super.c: super_cache_count, super_cache_scan; fs/dcache.c:
 * prune_dcache_sb; fs/inode.c: prune_icache_sb) as mm/shrinker.c: do_shrink_slab drives it.
 *
 * Objects: a regular (ext4) file has a dentry and an inode in memory from the statement that
 * creates or first opens it (d_alloc + ext4_new_inode / ext4_iget) until a shrinker frees them
 * or the file dies (unlink: the dentry is killed and the inode evicted with its last
 * reference). memfd/shmem, hugetlbfs and unnamed objects are not modelled (tmpfs inodes are
 * not reclaimable anyway: shmem_inode_cache is not SLAB_RECLAIM_ACCOUNT, tmpfs dentries are
 * pinned).
 *
 * Geometry: this kernel's /proc/slabinfo (6.18, x86-64, SLUB): dentry 192-byte objects, 21 per
 * one-page slab; ext4_inode_cache 1128-byte objects, 14 per four-page (order-2) slab. Both
 * caches are SLAB_RECLAIM_ACCOUNT, so every page of them counts as SReclaimable, in use or
 * not. Slabs are modelled packed: a cache of n objects holds ceil(n / per-slab) slabs
 * (SLUB's partial slabs after frees and the empty slabs it keeps, min_partial, are not);
 * docs/probes/slabcost.c measures what creating files costs on the kernel (docs/meminfo.md).
 *
 * LRUs (list_lru, per node, oldest first): an unused dentry is on the dentry LRU (dput of the
 * last reference: d_lru_add; a later dput while it is there sets DCACHE_REFERENCED, which
 * buys it one rotation). A dentry in use when the walk meets it is taken off the LRU
 * (LRU_REMOVED). Freeing a dentry drops its inode's last reference: iput_final puts the
 * inode on the inode LRU, where it is reclaimable while it has no cached pages, is not dirty
 * and is not mapped (inode_lru_isolate, mapping_shrinkable); a file touched again takes its
 * inode back off that list at once (the kernel does it lazily at the next walk).
 */
#include "mm/sim_internal.h"

#include <stdlib.h>
#include <string.h>

const struct slab_geometry slab_geometry[SLAB_NR_CACHES] = {
    [SLAB_DENTRY] = { "dentry", 192, 21, 0 },
    [SLAB_EXT4_INODE] = { "ext4_inode_cache", 1128, 14, 2 },
};

#define SHRINK_BATCH_SB 1024 /* alloc_super: s_shrink->batch */
#define DEFAULT_SEEKS   2

static bool modelled(const struct sim_file *f)
{
    return !f->shmem && !f->anon_shm && !f->hstate;
}

static uint64_t slabs_for(enum slab_cache_id c, uint64_t objects)
{
    unsigned per = slab_geometry[c].objperslab;
    return (objects + per - 1) / per;
}

/* Frees slabs the cache no longer needs (discard_slab of an empty slab). */
static void trim(struct vml_sim *sim, enum slab_cache_id c, unsigned node)
{
    struct slab_cache_node *cn = &sim->slab.cache[c][node];
    while (cn->nr_slabs > slabs_for(c, cn->objects)) {
        vml_phys_free(sim->phys, cn->slabs[--cn->nr_slabs], slab_geometry[c].order);
        sim->slab.pages[node] -= 1ull << slab_geometry[c].order;
    }
}

/* kmem_cache_alloc: one object, a new slab when every slab is full (allocate_slab). */
static int obj_alloc(struct vml_sim *sim, enum slab_cache_id c, unsigned node)
{
    struct slab_cache_node *cn = &sim->slab.cache[c][node];
    while (cn->objects + 1 > cn->nr_slabs * slab_geometry[c].objperslab) {
        if (cn->nr_slabs == cn->cap) {
            size_t n = cn->cap ? 2 * cn->cap : 16;
            uint64_t *p = realloc(cn->slabs, n * sizeof(*p));
            if (!p)
                return VML_EHOST;
            cn->slabs = p;
            cn->cap = n;
        }
        uint64_t pfn;
        /* The allocation may reclaim, and reclaim may shrink this cache: the loop checks
         * again. */
        int r = page_alloc_slab(sim, node, slab_geometry[c].order, &pfn);
        if (r)
            return r;
        cn->slabs[cn->nr_slabs++] = pfn;
        sim->slab.pages[node] += 1ull << slab_geometry[c].order;
    }
    cn->objects++;
    trim(sim, c, node);
    return 0;
}

static void obj_free(struct vml_sim *sim, enum slab_cache_id c, unsigned node)
{
    sim->slab.cache[c][node].objects--;
    trim(sim, c, node);
}

/* ---- the LRU lists ---- */

static void d_lru_del(struct vml_sim *sim, struct sim_file *f)
{
    struct slab_lru *l = &sim->slab.dentry_lru[f->slab_node];
    *(f->d_prev ? &f->d_prev->d_next : &l->head) = f->d_next;
    *(f->d_next ? &f->d_next->d_prev : &l->tail) = f->d_prev;
    f->d_prev = f->d_next = NULL;
    f->d_on_lru = false;
    l->count--;
}

static void d_lru_add(struct vml_sim *sim, struct sim_file *f)
{
    struct slab_lru *l = &sim->slab.dentry_lru[f->slab_node];
    f->d_next = NULL;
    f->d_prev = l->tail;
    *(l->tail ? &l->tail->d_next : &l->head) = f;
    l->tail = f;
    f->d_on_lru = true;
    l->count++;
}

static void i_list_del(struct vml_sim *sim, struct sim_file *f)
{
    struct slab_lru *l = &sim->slab.inode_list[f->slab_node];
    *(f->i_prev ? &f->i_prev->i_next : &l->head) = f->i_next;
    *(f->i_next ? &f->i_next->i_prev : &l->tail) = f->i_prev;
    f->i_prev = f->i_next = NULL;
    f->i_on_list = false;
    l->count--;
}

static void i_list_add(struct vml_sim *sim, struct sim_file *f)
{
    struct slab_lru *l = &sim->slab.inode_list[f->slab_node];
    f->i_next = NULL;
    f->i_prev = l->tail;
    *(l->tail ? &l->tail->i_next : &l->head) = f;
    l->tail = f;
    f->i_on_list = true;
    l->count++;
}

/* Whether the dentry is referenced beyond the LRU: a mapping holds the file open. */
static bool dentry_in_use(const struct sim_file *f)
{
    return f->refs > 1 || f->deleted;
}

/* inode_lru_isolate's keep conditions: i_count (a dentry or a mapping), dirty state, and
 * mapping_shrinkable (cached pages keep an inode off the LRU). */
static bool inode_reclaimable(const struct sim_file *f)
{
    return !f->d_cached && !dentry_in_use(f) && f->nr_cached == 0;
}

/* ---- files ---- */

int slab_file_open(struct vml_sim *sim, struct sim_file *f)
{
    if (!modelled(f))
        return 0;
    if (!f->i_cached && !f->d_cached)
        f->slab_node = 0; /* the simulated file system's objects live on node 0 */
    if (f->i_on_list)
        i_list_del(sim, f); /* in use again: off the inode LRU before anything can reclaim */
    int r;
    if (!f->i_cached) {
        /* ext4_iget / ext4_new_inode: alloc_inode from ext4_inode_cachep */
        if ((r = obj_alloc(sim, SLAB_EXT4_INODE, f->slab_node)) != 0)
            return r;
        f->i_cached = true;
    }
    if (!f->d_cached) {
        /* d_alloc in the lookup (or create), then d_splice_alias / d_instantiate */
        if ((r = obj_alloc(sim, SLAB_DENTRY, f->slab_node)) != 0) {
            if (f->i_cached && !f->i_on_list && inode_reclaimable(f))
                i_list_add(sim, f);
            return r;
        }
        f->d_cached = true;
        f->d_referenced = false;
    }
    return 0;
}

void slab_file_close(struct vml_sim *sim, struct sim_file *f)
{
    /* dput of the last reference (fast_dput / retain_dentry): a dentry already on the LRU is
     * marked referenced, another is added at the tail. */
    if (!modelled(f) || !f->d_cached || dentry_in_use(f))
        return;
    if (f->d_on_lru)
        f->d_referenced = true;
    else
        d_lru_add(sim, f);
}

int slab_file_touch(struct vml_sim *sim, struct sim_file *f)
{
    int r = slab_file_open(sim, f);
    if (r == 0)
        slab_file_close(sim, f);
    return r;
}

void slab_file_free(struct vml_sim *sim, struct sim_file *f)
{
    /* The file dies (unlinked, last reference gone): dentry_kill, then evict + destroy_inode. */
    if (f->d_on_lru)
        d_lru_del(sim, f);
    if (f->i_on_list)
        i_list_del(sim, f);
    if (f->d_cached)
        obj_free(sim, SLAB_DENTRY, f->slab_node);
    if (f->i_cached)
        obj_free(sim, SLAB_EXT4_INODE, f->slab_node);
    f->d_cached = f->i_cached = false;
}

/* ---- the superblock shrinker ---- */

/* Inodes on the inode LRU of a node: those of the list that inode_lru_isolate would not just
 * take off it (the list is short: dentry-less inodes). */
static uint64_t inode_lru_count(const struct vml_sim *sim, unsigned node)
{
    uint64_t n = 0;
    for (const struct sim_file *f = sim->slab.inode_list[node].head; f; f = f->i_next)
        n += inode_reclaimable(f);
    return n;
}

/* prune_dcache_sb: walks nr_to_scan dentries from the LRU's head. Returns the dentries taken
 * off it (freed, or removed because in use), as list_lru_shrink_walk counts them. */
static uint64_t prune_dcache(struct vml_sim *sim, unsigned node, uint64_t nr_to_scan)
{
    struct slab_lru *l = &sim->slab.dentry_lru[node];
    uint64_t removed = 0;
    while (nr_to_scan-- > 0 && l->head) {
        struct sim_file *f = l->head;
        d_lru_del(sim, f);
        if (dentry_in_use(f)) {
            removed++; /* d_lockref.count: off the LRU, not freed */
        } else if (f->d_referenced) {
            f->d_referenced = false; /* LRU_ROTATE */
            d_lru_add(sim, f);
        } else {
            /* shrink_dentry_list -> __dentry_kill: the dentry goes, and iput_final puts the
             * inode on the inode LRU. */
            obj_free(sim, SLAB_DENTRY, node);
            f->d_cached = false;
            if (!f->i_on_list)
                i_list_add(sim, f);
            removed++;
        }
    }
    return removed;
}

/* prune_icache_sb: walks nr_to_scan inodes; pinned ones leave the list (LRU_REMOVED). */
static uint64_t prune_icache(struct vml_sim *sim, unsigned node, uint64_t nr_to_scan)
{
    struct slab_lru *l = &sim->slab.inode_list[node];
    uint64_t removed = 0;
    struct sim_file *f = l->head;
    while (nr_to_scan > 0 && f) {
        struct sim_file *next = f->i_next;
        if (inode_reclaimable(f)) {
            nr_to_scan--;
            i_list_del(sim, f);
            obj_free(sim, SLAB_EXT4_INODE, node); /* dispose_list -> evict -> destroy_inode */
            f->i_cached = false;
            removed++;
        }
        /* Inodes with cached pages or in use are not on the kernel's LRU at all (mapping_
         * shrinkable, i_count): they stay on this list, unseen by the walk. */
        f = next;
    }
    return removed;
}

static uint64_t mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
    return x / d * n + x % d * n / d;
}

/* super_cache_count: the LRUs' lengths times vfs_cache_pressure / 100 (vfs_pressure_ratio;
 * vfs_cache_pressure_denom is 100). */
static uint64_t super_cache_count(const struct vml_sim *sim, unsigned node)
{
    uint64_t total = sim->slab.dentry_lru[node].count + inode_lru_count(sim, node);
    return mult_frac(total, sim->vm.vfs_cache_pressure, 100);
}

/* super_cache_scan: nr_to_scan shared between the caches by their sizes, dentries first (they
 * pin the inodes), each at least one. */
static uint64_t super_cache_scan(struct vml_sim *sim, unsigned node, uint64_t nr_to_scan)
{
    uint64_t dentries = sim->slab.dentry_lru[node].count;
    uint64_t inodes = inode_lru_count(sim, node);
    uint64_t total = dentries + inodes + 1;
    dentries = mult_frac(nr_to_scan, dentries, total);
    inodes = mult_frac(nr_to_scan, inodes, total);
    uint64_t freed = prune_dcache(sim, node, dentries + 1);
    freed += prune_icache(sim, node, inodes + 1);
    return freed;
}

uint64_t shrink_slab(struct vml_sim *sim, unsigned node, int priority)
{
    /* do_shrink_slab for the superblock's shrinker (seeks DEFAULT_SEEKS, batch 1024, NUMA
     * aware: the deferred work is per node). */
    if (node >= vml_phys_nr_nodes(sim->phys) || priority < 0 || priority > 12)
        return 0; /* no such node; sc->priority runs DEF_PRIORITY (12) .. 0 */
    uint64_t freeable = super_cache_count(sim, node);
    if (freeable == 0)
        return 0;
    int64_t nr = sim->slab.nr_deferred[node];
    sim->slab.nr_deferred[node] = 0; /* xchg_nr_deferred */
    uint64_t delta = (freeable >> priority) * 4 / DEFAULT_SEEKS;
    uint64_t total_scan = ((uint64_t)nr >> priority) + delta;
    if (total_scan > 2 * freeable)
        total_scan = 2 * freeable;
    uint64_t freed = 0, scanned = 0;
    while (total_scan >= SHRINK_BATCH_SB || total_scan >= freeable) {
        uint64_t nr_to_scan = total_scan < SHRINK_BATCH_SB ? total_scan : SHRINK_BATCH_SB;
        freed += super_cache_scan(sim, node, nr_to_scan);
        sim->events[VML_VMSTAT_slabs_scanned] += nr_to_scan;
        total_scan -= nr_to_scan;
        scanned += nr_to_scan;
    }
    int64_t next = (int64_t)(nr + (int64_t)delta - (int64_t)scanned);
    if (next < 0)
        next = 0;
    if ((uint64_t)next > 2 * freeable)
        next = (int64_t)(2 * freeable);
    sim->slab.nr_deferred[node] += next; /* add_nr_deferred */
    return freed;
}

void slab_drop(struct vml_sim *sim)
{
    /* drop_caches 2: drop_slab, until a round frees (almost) nothing; the caller's
     * drop_caches_sysctl_handler counts DROP_SLAB, counted here. */
    unsigned shift = 0;
    uint64_t freed;
    do {
        freed = 0;
        for (unsigned n = 0; n < vml_phys_nr_nodes(sim->phys); n++)
            freed += shrink_slab(sim, n, 0);
    } while ((freed >> shift++) > 1);
    sim->events[VML_VMSTAT_drop_slab]++;
}

uint64_t slab_reclaimable_pages(const struct vml_sim *sim)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < VML_MAX_NODES; i++)
        n += sim->slab.pages[i];
    return n;
}

uint64_t slab_node_reclaimable_pages(const struct vml_sim *sim, unsigned node)
{
    return sim->slab.pages[node];
}

uint64_t slab_objects(const struct vml_sim *sim, enum slab_cache_id c)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < VML_MAX_NODES; i++)
        n += sim->slab.cache[c][i].objects;
    return n;
}

void slab_destroy(struct vml_sim *sim)
{
    for (unsigned c = 0; c < SLAB_NR_CACHES; c++)
        for (unsigned n = 0; n < VML_MAX_NODES; n++)
            free(sim->slab.cache[c][n].slabs);
}
