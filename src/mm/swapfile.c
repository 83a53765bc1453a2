/* mm/swapfile.c: swap areas and their slots (mm/swapfile.c of 6.18: swapon, the cluster
 * allocator, swap_map counts, free_swap_and_cache) and the swap cache's index (mm/swap_state.c).
 *
 * Slots are given out by clusters of SWAPFILE_CLUSTER as cluster_alloc_swap_entry does: the
 * current cluster's next free slot (percpu_cluster->next; the simulation keeps one cursor per
 * area, as for one CPU), else the first cluster on the free list, else one on the nonfull
 * list. A cluster whose last slot is freed goes back to the free list's tail; a full one that
 * gets a slot back joins the nonfull list. Which slot a page gets shows nowhere in /proc (only
 * in pagemap's swap offsets); how many are used is SwapFree and /proc/swaps' Used. Discard,
 * the frag lists and per-order clusters (large folios are split before they are swapped here)
 * are not modelled.
 *
 * swap_map holds, per slot, the references page tables hold (swap_duplicate, up to
 * SWAP_COUNT_MASK: the kernel's continuation pages past SWAP_MAP_MAX are not needed at this
 * width) and SWAP_HAS_CACHE while a page in the swap cache holds the slot's data.
 *
 * The zeromap (si->zeromap, one bit a slot) marks slots whose page was all zeros when it was
 * swapped out: nothing was written there, and swap-in fills the page with zeros (mm/page_io.c,
 * zeromap.c). The bit is cleared when the slot is freed (swap_range_free) and when a page with
 * data is written to the slot (swap_zeromap_folio_clear).
 */
#include "mm/blockdev.h"
#include "mm/sim_internal.h"
#include "util/diag.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CL_NONE UINT32_MAX
enum { CL_ON_NONE, CL_ON_FREE, CL_ON_NONFULL };

static void cl_push(struct swap_area *a, uint32_t c, int list)
{
    uint32_t *head = list == CL_ON_FREE ? &a->free_head : &a->nonfull_head;
    uint32_t *tail = list == CL_ON_FREE ? &a->free_tail : &a->nonfull_tail;
    a->cl_next[c] = CL_NONE;
    if (*tail == CL_NONE)
        *head = c;
    else
        a->cl_next[*tail] = c;
    *tail = c;
    a->cl_list[c] = (uint8_t)list;
}

static uint32_t cl_pop(struct swap_area *a, int list)
{
    uint32_t *head = list == CL_ON_FREE ? &a->free_head : &a->nonfull_head;
    uint32_t *tail = list == CL_ON_FREE ? &a->free_tail : &a->nonfull_tail;
    uint32_t c = *head;
    if (c == CL_NONE)
        return c;
    *head = a->cl_next[c];
    if (*head == CL_NONE)
        *tail = CL_NONE;
    a->cl_list[c] = CL_ON_NONE;
    return c;
}

/* Takes c off whichever list holds it (a linear search: lists are short when it matters). */
static void cl_unlink(struct swap_area *a, uint32_t c)
{
    int list = a->cl_list[c];
    if (list == CL_ON_NONE)
        return;
    uint32_t *head = list == CL_ON_FREE ? &a->free_head : &a->nonfull_head;
    uint32_t *tail = list == CL_ON_FREE ? &a->free_tail : &a->nonfull_tail;
    uint32_t prev = CL_NONE;
    for (uint32_t x = *head; x != CL_NONE; prev = x, x = a->cl_next[x]) {
        if (x != c)
            continue;
        if (prev == CL_NONE)
            *head = a->cl_next[x];
        else
            a->cl_next[prev] = a->cl_next[x];
        if (*tail == x)
            *tail = prev;
        break;
    }
    a->cl_list[c] = CL_ON_NONE;
}

static uint32_t cl_size(const struct swap_area *a, uint32_t c)
{
    uint64_t end = ((uint64_t)c + 1) * SWAPFILE_CLUSTER;
    return (uint32_t)((end > a->max ? a->max : end) - (uint64_t)c * SWAPFILE_CLUSTER);
}

/* The swap-cache value of slot off (swap_table_get), or NULL while its cluster has no table.
 * A cluster's table, as the kernel's (swap_cluster_alloc_table), is a flat array reached in one
 * step from the slot's cluster: the radix tree it replaces cost a walk from the root at every
 * look-up (a few per page swapped out and in). */
static uint64_t *table_slot(const struct swap_area *a, uint64_t off)
{
    uint64_t *t = a->table[off / SWAPFILE_CLUSTER];
    return t ? &t[off % SWAPFILE_CLUSTER] : NULL;
}

static void area_free(struct swap_area *a)
{
    free(a->map);
    free(a->zeromap);
    free(a->memcg);
    free(a->cl_count);
    free(a->cl_next);
    free(a->cl_list);
    free(a->cl_order);
    if (a->table)
        for (uint32_t c = 0; c < a->nr_clusters; c++)
            free(a->table[c]);
    free(a->table);
    free(a->dev);
    memset(a, 0, sizeof(*a));
}

int swap_on(struct vml_sim *sim, const char *name, uint64_t bytes, bool partition, int prio,
            bool prio_set, unsigned dev_kind, struct vml_diag *diag)
{
    unsigned type = 0;
    for (; type < SWAP_MAX_AREAS && sim->swap[type].used; type++)
        if (strcmp(sim->swap[type].name, name) == 0) {
            diag_set(diag, 0, 0, "swapon %s: already a swap area (EBUSY)", name);
            return VML_EINVAL;
        }
    for (unsigned t = type; t < SWAP_MAX_AREAS; t++)
        if (sim->swap[t].used && strcmp(sim->swap[t].name, name) == 0) {
            diag_set(diag, 0, 0, "swapon %s: already a swap area (EBUSY)", name);
            return VML_EINVAL;
        }
    if (type == SWAP_MAX_AREAS) {
        diag_set(diag, 0, 0, "swapon %s: the simulation holds at most %u swap areas", name,
                 SWAP_MAX_AREAS);
        return VML_EINVAL;
    }
    uint64_t max = bytes / PAGE_SIZE;
    if (bytes % PAGE_SIZE || max < 2) {
        /* read_swap_header: a swap file needs its header page and at least one more. */
        diag_set(diag, 0, 0,
                 "swapon %s: %llu bytes is not a whole number of pages past the "
                 "header (at least 8K, a multiple of 4K)",
                 name, (unsigned long long)bytes);
        return VML_EINVAL;
    }
    if (max > (1ull << 32)) {
        diag_set(diag, 0, 0, "swapon %s: at most 16T of swap per area in the simulation", name);
        return VML_EINVAL;
    }
    struct swap_area *a = &sim->swap[type];
    memset(a, 0, sizeof(*a));
    a->nr_clusters = (uint32_t)((max + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER);
    a->map = calloc(max, sizeof(*a->map));
    a->zeromap = calloc((max + 63) / 64, sizeof(*a->zeromap));
    a->memcg = calloc(max, sizeof(*a->memcg));
    a->cl_count = calloc(a->nr_clusters, sizeof(*a->cl_count));
    a->cl_next = calloc(a->nr_clusters, sizeof(*a->cl_next));
    a->cl_list = calloc(a->nr_clusters, sizeof(*a->cl_list));
    a->cl_order = calloc(a->nr_clusters, sizeof(*a->cl_order));
    a->table = calloc(a->nr_clusters, sizeof(*a->table));
    a->dev = malloc(sizeof(struct bdev));
    if (!a->map || !a->zeromap || !a->memcg || !a->cl_count || !a->cl_next || !a->cl_list ||
        !a->cl_order || !a->table || !a->dev) {
        area_free(a);
        return VML_EHOST;
    }
    a->used = true;
    a->writeok = true;
    sim->swap_writable |= 1u << type;
    if (dev_kind == BDEV_HDD)
        sim->swap_hdd |= 1u << type;
    snprintf(a->name, sizeof(a->name), "%s", name);
    a->partition = partition;
    a->max = max;
    a->pages = max - 1;
    a->dev_kind = dev_kind;
    bdev_init(a->dev, (enum bdev_kind)dev_kind);
    /* setup_clusters: the header's slot is bad and its cluster starts nonfull. */
    a->free_head = a->free_tail = a->nonfull_head = a->nonfull_tail = CL_NONE;
    a->map[0] = SWAP_MAP_BAD;
    a->cl_count[0] = 1;
    for (uint32_t c = 0; c < a->nr_clusters; c++)
        cl_push(a, c, c == 0 && cl_size(a, 0) > 1 ? CL_ON_NONFULL : CL_ON_FREE);
    if (cl_size(a, 0) == 1)
        cl_unlink(a, 0);
    /* enable_swap_info: a priority given, or the next below the last default one. */
    if (prio_set) {
        a->prio = prio;
    } else {
        if (sim->least_priority == 0)
            sim->least_priority = -1;
        a->prio = --sim->least_priority;
    }
    sim->nr_swap_pages += a->pages;
    sim->total_swap_pages += a->pages;
    sim->track_zerofill = true; /* pages may be swapped from now on: keep their zero state */
    /* read_swap_header reads a swap file's first page through its page cache (Cached +4 kB on
     * the kernel while the file exists; measured by vmlab diff). */
    if (!partition && file_create_swap_header(sim, bytes, &a->header) != 0)
        a->header = NULL; /* no room for it: the area works without (a kernel swapon fails) */
    return 0;
}

void swap_destroy(struct vml_sim *sim)
{
    for (unsigned t = 0; t < SWAP_MAX_AREAS; t++)
        if (sim->swap[t].used)
            area_free(&sim->swap[t]);
}

/* alloc_swap_scan_cluster: the first free slot of cluster c from offset on. */
static uint64_t scan_cluster(struct swap_area *a, uint32_t c, uint64_t from)
{
    uint64_t end = (uint64_t)c * SWAPFILE_CLUSTER + cl_size(a, c);
    for (uint64_t o = from; o < end; o++)
        if (a->map[o] == 0)
            return o;
    return 0;
}

static void slot_take(struct vml_sim *sim, struct swap_area *a, uint64_t off)
{
    uint32_t c = (uint32_t)(off / SWAPFILE_CLUSTER);
    a->map[off] = SWAP_HAS_CACHE;
    a->inuse++;
    sim->nr_swap_pages--;
    if (++a->cl_count[c] == cl_size(a, c))
        cl_unlink(a, c); /* full: on no list */
    uint64_t next = off + 1;
    a->next = next < (uint64_t)c * SWAPFILE_CLUSTER + cl_size(a, c) ? next : 0;
    /* The cursor left the cluster: one with slots freed behind it is nonfull again
     * (relocate_cluster). */
    if (!a->next && a->cl_count[c] < cl_size(a, c) && a->cl_list[c] == CL_ON_NONE)
        cl_push(a, c, CL_ON_NONFULL);
}

static bool area_alloc(struct vml_sim *sim, struct swap_area *a, uint64_t *off)
{
    if (a->inuse == a->max - 1)
        return false;
    uint64_t o = 0;
    if (a->next) {
        uint32_t c = (uint32_t)(a->next / SWAPFILE_CLUSTER);
        o = scan_cluster(a, c, a->next);
        if (o && a->cl_list[c] != CL_ON_NONE)
            cl_unlink(a, c); /* the current cluster is on no list while it is used */
        if (!o) {
            a->next = 0;
            if (a->cl_count[c] < cl_size(a, c) && a->cl_list[c] == CL_ON_NONE)
                cl_push(a, c, CL_ON_NONFULL);
        }
    }
    for (int list = CL_ON_FREE; !o && list <= CL_ON_NONFULL; list++) {
        uint32_t c;
        while (!o && (c = cl_pop(a, list)) != CL_NONE)
            o = scan_cluster(a, c, (uint64_t)c * SWAPFILE_CLUSTER);
    }
    if (!o)
        return false;
    slot_take(sim, a, o);
    *off = o;
    return true;
}

bool swap_alloc(struct vml_sim *sim, uint64_t *entry)
{
    /* get_swap_pages over swap_avail_head: the highest priority first; areas of one priority
     * take turns (plist_requeue after each allocation). Only the writable areas' bits are
     * visited (the whole of SWAP_MAX_AREAS was, twice, at every page swapped out). */
    uint32_t w = sim->swap_writable;
    if (w && !(w & (w - 1))) {
        /* One writable area (the usual machine): the search below comes to it alone. */
        unsigned t = (unsigned)__builtin_ctz(w);
        struct swap_area *a = &sim->swap[t];
        uint64_t off;
        if (a->inuse >= a->max - 1 || !area_alloc(sim, a, &off))
            return false;
        sim->swap_rotor = t + 1;
        *entry = swp_entry(t, off);
        return true;
    }
    int best = 0;
    bool found = false;
    for (uint32_t m = sim->swap_writable; m; m &= m - 1) {
        const struct swap_area *a = &sim->swap[__builtin_ctz(m)];
        if (a->inuse < a->max - 1 && (!found || a->prio > best)) {
            best = a->prio;
            found = true;
        }
    }
    if (!found)
        return false;
    /* From the rotor on, wrapping: the writable areas at or above it, then those below. */
    unsigned rotor = sim->swap_rotor % SWAP_MAX_AREAS;
    uint32_t from = sim->swap_writable & ~((1u << rotor) - 1);
    uint32_t before = sim->swap_writable & ((1u << rotor) - 1);
    for (unsigned pass = 0; pass < 2; pass++)
        for (uint32_t m = pass ? before : from; m; m &= m - 1) {
            unsigned t = (unsigned)__builtin_ctz(m);
            struct swap_area *a = &sim->swap[t];
            if (a->prio != best)
                continue;
            uint64_t off;
            if (area_alloc(sim, a, &off)) {
                sim->swap_rotor = t + 1;
                *entry = swp_entry(t, off);
                return true;
            }
        }
    return false;
}

/* alloc_swap_scan_cluster for 2^order slots: the first naturally aligned free run of them in
 * cluster c at or after from (0: none). */
static uint64_t scan_cluster_run(const struct swap_area *a, uint32_t c, uint64_t from,
                                 unsigned order)
{
    uint64_t nr = 1ull << order, base = (uint64_t)c * SWAPFILE_CLUSTER;
    uint64_t end = base + cl_size(a, c);
    for (uint64_t o = (from + nr - 1) & ~(nr - 1); o + nr <= end; o += nr) {
        uint64_t i = 0;
        while (i < nr && a->map[o + i] == 0)
            i++;
        if (i == nr)
            return o;
    }
    return 0;
}

/* The 2^order slots from off are taken for a large folio in the swap cache; the order's cursor
 * moves past them (or off the cluster when it is full). */
static void run_take(struct vml_sim *sim, struct swap_area *a, uint64_t off, unsigned order)
{
    uint64_t nr = 1ull << order;
    uint32_t c = (uint32_t)(off / SWAPFILE_CLUSTER);
    for (uint64_t i = 0; i < nr; i++)
        a->map[off + i] = SWAP_HAS_CACHE;
    a->inuse += nr;
    sim->nr_swap_pages -= nr;
    a->cl_order[c] = (uint8_t)order;
    a->cl_count[c] = (uint16_t)(a->cl_count[c] + nr);
    cl_unlink(a, c); /* a cluster in use by a cursor, or full, is on no list */
    uint64_t next = off + nr, end = (uint64_t)c * SWAPFILE_CLUSTER + cl_size(a, c);
    a->order_next[order] = next < end ? next : 0;
}

/* cluster_alloc_swap_entry for order > 0 on one area (6.18, a solid-state device without
 * discard): the order's current cluster from its cursor, then the clusters of that order with
 * free slots (nonfull_clusters[order]), then a free cluster, which takes the order. */
static bool area_alloc_large(struct vml_sim *sim, struct swap_area *a, unsigned order,
                             uint64_t *off)
{
    /* "Swapfile is not block device so unable to allocate large entries." */
    if (!a->partition || a->pages - a->inuse < (1ull << order))
        return false;
    uint64_t o = 0;
    if (a->order_next[order]) {
        uint32_t c = (uint32_t)(a->order_next[order] / SWAPFILE_CLUSTER);
        if (a->cl_order[c] == order)
            o = scan_cluster_run(a, c, a->order_next[order], order);
        a->order_next[order] = 0;
    }
    for (uint32_t c = 0; !o && c < a->nr_clusters; c++)
        if (a->cl_order[c] == order && a->cl_count[c] > 0 && a->cl_count[c] < cl_size(a, c))
            o = scan_cluster_run(a, c, (uint64_t)c * SWAPFILE_CLUSTER, order);
    uint32_t c;
    while (!o && (c = cl_pop(a, CL_ON_FREE)) != CL_NONE) {
        o = scan_cluster_run(a, c, (uint64_t)c * SWAPFILE_CLUSTER, order);
        if (!o)
            cl_push(a, c, CL_ON_NONFULL); /* too small for the run (the last cluster) */
    }
    if (!o)
        return false;
    run_take(sim, a, o, order);
    *off = o;
    return true;
}

bool swap_alloc_large(struct vml_sim *sim, unsigned order, uint64_t *entry)
{
    /* swap_alloc_slow: every area in priority order (equal ones from the rotor), the first
     * that can give the run. */
    bool tried[SWAP_MAX_AREAS] = { false };
    for (;;) {
        int best = 0;
        bool found = false;
        for (unsigned t = 0; t < SWAP_MAX_AREAS; t++) {
            const struct swap_area *a = &sim->swap[t];
            if (a->used && a->writeok && !tried[t] && (!found || a->prio > best)) {
                best = a->prio;
                found = true;
            }
        }
        if (!found)
            return false;
        for (unsigned k = 0; k < SWAP_MAX_AREAS; k++) {
            unsigned t = (sim->swap_rotor + k) % SWAP_MAX_AREAS;
            struct swap_area *a = &sim->swap[t];
            if (!a->used || !a->writeok || a->prio != best || tried[t])
                continue;
            tried[t] = true;
            uint64_t off;
            if (area_alloc_large(sim, a, order, &off)) {
                sim->swap_rotor = t + 1;
                *entry = swp_entry(t, off);
                return true;
            }
        }
    }
}

static struct swap_area *area_of(const struct vml_sim *sim, uint64_t entry)
{
    return (struct swap_area *)&sim->swap[swp_type(entry)];
}

struct bdev *swap_bdev(struct vml_sim *sim, uint64_t entry)
{
    return area_of(sim, entry)->dev;
}

static void slot_free(struct vml_sim *sim, struct swap_area *a, uint64_t off)
{
    uint32_t c = (uint32_t)(off / SWAPFILE_CLUSTER);
    a->map[off] = 0;
    a->zeromap[off / 64] &= ~(1ull << (off % 64)); /* swap_range_free: clear_bit(zeromap) */
    /* swap_range_free -> mem_cgroup_uncharge_swap: the cgroup's swap charge goes. */
    if (a->memcg[off]) {
        memcg_uncharge_swap(sim, a->memcg[off], 1);
        a->memcg[off] = 0;
    }
    /* swap_entries_free: the slot's swap-table entry, a shadow perhaps, is cleared. */
    uint64_t *slot = table_slot(a, off);
    if (slot)
        *slot = 0;
    a->inuse--;
    sim->nr_swap_pages++;
    bool current = a->next && a->next / SWAPFILE_CLUSTER == c;
    if (a->cl_count[c]-- == cl_size(a, c) && !current) {
        cl_push(a, c, a->cl_count[c] ? CL_ON_NONFULL : CL_ON_FREE);
    } else if (a->cl_count[c] == 0 && !current) {
        cl_unlink(a, c);
        cl_push(a, c, CL_ON_FREE);
    }
    /* An empty cluster serves no order any more (free_cluster); a large order's cursor in it
     * stays valid (the run scan starts over from it). */
    if (a->cl_count[c] == 0)
        a->cl_order[c] = 0;
}

unsigned swap_memcg(const struct vml_sim *sim, uint64_t entry)
{
    return area_of(sim, entry)->memcg[swp_offset(entry)];
}

void swap_set_memcg(struct vml_sim *sim, uint64_t entry, uint64_t nr, unsigned id)
{
    struct swap_area *a = area_of(sim, entry);
    for (uint64_t i = 0; i < nr; i++)
        a->memcg[swp_offset(entry) + i] = (uint16_t)id;
}

void swap_slot_unused(struct vml_sim *sim, uint64_t entry)
{
    struct swap_area *a = area_of(sim, entry);
    uint64_t off = swp_offset(entry);
    a->map[off] &= (uint16_t)~SWAP_HAS_CACHE;
    if (a->map[off] == 0)
        slot_free(sim, a, off);
}

bool swap_zeromap_test(const struct vml_sim *sim, uint64_t entry)
{
    uint64_t off = swp_offset(entry);
    return (area_of(sim, entry)->zeromap[off / 64] >> (off % 64)) & 1;
}

void swap_zeromap_set(struct vml_sim *sim, uint64_t entry, bool zero)
{
    uint64_t off = swp_offset(entry), *w = &area_of(sim, entry)->zeromap[off / 64];
    if (zero)
        *w |= 1ull << (off % 64);
    else
        *w &= ~(1ull << (off % 64));
}

void swap_dup(struct vml_sim *sim, uint64_t entry)
{
    area_of(sim, entry)->map[swp_offset(entry)]++;
}

unsigned swap_count(const struct vml_sim *sim, uint64_t entry)
{
    return area_of(sim, entry)->map[swp_offset(entry)] & SWAP_COUNT_MASK;
}

bool swap_cache_lookup(const struct vml_sim *sim, uint64_t entry, uint64_t *pfn)
{
    const struct swap_area *a = area_of(sim, entry);
    uint64_t *slot = table_slot(a, swp_offset(entry));
    if (!slot || !*slot || (*slot & WS_SHADOW))
        return false;
    *pfn = *slot - 1;
    return true;
}

uint64_t swap_cache_shadow(const struct vml_sim *sim, uint64_t entry)
{
    const struct swap_area *a = area_of(sim, entry);
    uint64_t *slot = table_slot(a, swp_offset(entry));
    return slot && (*slot & WS_SHADOW) ? *slot : 0;
}

int swap_cache_add(struct vml_sim *sim, uint64_t pfn, uint64_t entry)
{
    struct swap_area *a = area_of(sim, entry);
    uint64_t **t = &a->table[swp_offset(entry) / SWAPFILE_CLUSTER];
    if (!*t && !(*t = calloc(SWAPFILE_CLUSTER, sizeof(**t))))
        return VML_EHOST;
    (*t)[swp_offset(entry) % SWAPFILE_CLUSTER] = pfn + 1;
    a->map[swp_offset(entry)] |= SWAP_HAS_CACHE;
    struct frame *f = sim_frame(sim, pfn);
    f->flags |= PGF_SWAPCACHE;
    f->priv = entry;
    f->refcount++; /* the swap cache's reference (folio_ref_add(folio, nr)) */
    sim->node[f->node].swapcache++;
    return 0;
}

void swap_cache_evict(struct vml_sim *sim, uint64_t pfn, uint64_t shadow)
{
    struct frame *f = sim_frame(sim, pfn);
    uint64_t entry = f->priv;
    struct swap_area *a = area_of(sim, entry);
    uint64_t off = swp_offset(entry);
    *table_slot(a, off) = shadow; /* __swap_cache_del_folio(..., shadow) */
    f->flags &= ~PGF_SWAPCACHE;
    f->priv = 0;
    sim->node[f->node].swapcache--;
    a->map[off] &= (uint16_t)~SWAP_HAS_CACHE;
    if (a->map[off] == 0)
        slot_free(sim, a, off);
}

void swap_cache_del(struct vml_sim *sim, uint64_t pfn)
{
    swap_cache_evict(sim, pfn, 0);
}

void swap_free_folio(struct vml_sim *sim, uint64_t pfn)
{
    swap_cache_del(sim, pfn);
    page_set_dirty(sim, pfn);
}

void swap_put(struct vml_sim *sim, uint64_t entry)
{
    struct swap_area *a = area_of(sim, entry);
    uint64_t off = swp_offset(entry);
    a->map[off]--;
    if (a->map[off] & SWAP_COUNT_MASK)
        return;
    if (!(a->map[off] & SWAP_HAS_CACHE)) {
        slot_free(sim, a, off);
        return;
    }
    /* __try_to_reclaim_swap: a cached page that nobody maps any more goes with its slot. */
    uint64_t pfn;
    if (swap_cache_lookup(sim, entry, &pfn)) {
        struct frame *f = sim_frame(sim, pfn);
        if (f->mapcount == 0 && !(f->flags & PGF_SWAPWB)) {
            swap_cache_del(sim, pfn);
            page_put(sim, pfn);
        }
    }
}

bool vm_swap_full(const struct vml_sim *sim)
{
    /* include/linux/swap.h: vm_swap_full: nr_swap_pages * 2 < total_swap_pages. */
    return sim->nr_swap_pages * 2 < sim->total_swap_pages;
}

int vml_sim_swapon(struct vml_sim *sim, const char *path, uint64_t bytes, int prio, bool prio_set,
                   bool partition, struct vml_diag *diag)
{
    /* The areas sit on the swapdev= preset, else on the files' disk. */
    unsigned kind = sim->cfg.swapdev_set ? sim->cfg.swapdev : (unsigned)sim->disk.kind;
    return swap_on(sim, path, bytes, partition, prio, prio_set, kind, diag);
}

int swaps_show(const struct vml_sim *sim, struct vml_text *out)
{
    /* swap_show: the header, then one line per area in the order swapon made them (type
     * order): the path padded to 40 columns, the type ("file" carries a tab of its own, so the
     * columns line up with "partition"), sizes in kB each followed by a second tab while
     * below 10000000. Checked against this kernel's file for a 64 MiB swap file:
     * "file\t\t65532\t\t0\t\t-2". */
    static const char header[] = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
    text_append(out, header, sizeof(header) - 1);
    for (unsigned t = 0; t < SWAP_MAX_AREAS; t++) {
        const struct swap_area *a = &sim->swap[t];
        if (!a->used)
            continue;
        uint64_t bytes = a->pages * 4, inuse = a->inuse * 4;
        size_t len = strlen(a->name);
        text_printf(out, "%s%*s%s\t%llu\t%s%llu\t%s%d\n", a->name, len < 40 ? (int)(40 - len) : 1,
                    " ", a->partition ? "partition" : "file\t", (unsigned long long)bytes,
                    bytes < 10000000 ? "\t" : "", (unsigned long long)inuse,
                    inuse < 10000000 ? "\t" : "", a->prio);
    }
    return text_status(out);
}

/* try_to_unuse's page-table part for one address space: every entry of area type comes back
 * as a present page (unuse_pte: old, read-only unless the VMA is shared, the exclusive mark
 * kept), read from the area unless the swap cache holds it. */
struct unuse_walk {
    unsigned type;
    uint64_t *va;
    size_t n, cap;
    bool nomem;
};

static int unuse_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct unuse_walk *w = arg;
    if (!pte_is_swap(leaf->entry) || swp_type(pte_to_swp_entry(leaf->entry)) != w->type)
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 256;
        uint64_t *v = realloc(w->va, cap * sizeof(*v));
        if (!v) {
            w->nomem = true;
            return 1;
        }
        w->va = v;
        w->cap = cap;
    }
    w->va[w->n++] = leaf->va;
    return 0;
}

static int unuse_mm(struct vml_sim *sim, struct sim_task *t, unsigned type)
{
    struct sim_mm *mm = t->mm;
    struct unuse_walk w = { .type = type };
    for (struct vma *v = vma_first(mm->vmas); v && !w.nomem; v = vma_next(v))
        if (!v->file && !(v->flags & VM_HUGETLB))
            vml_pt_for_each(mm->pt, v->start, v->end, unuse_leaf, &w);
    int r = w.nomem ? VML_EHOST : 0;
    for (size_t i = 0; i < w.n && r == 0; i++) {
        struct vml_pt_leaf leaf;
        if (vml_pt_lookup(mm->pt, w.va[i], &leaf) || !pte_is_swap(leaf.entry))
            continue;
        uint64_t entry = pte_to_swp_entry(leaf.entry), pfn;
        struct vma *v = vma_find(mm->vmas, w.va[i]);
        if (!swapin_cache_lookup(sim, v, w.va[i], entry, &pfn)) {
            /* unuse_pte_range: swapin_readahead, as a fault would. */
            if ((r = reclaim_point(sim, task_node(sim, t), 1 + swapin_max_pages(sim))) != 0 ||
                (r = swapin_readahead(sim, t, v, w.va[i], entry, &pfn)) != 0)
                break;
        }
        /* unuse_pte: old, read-only unless shared, the entry's exclusive mark kept. */
        uint64_t flags = vma_pte_flags(v, (v->flags & VM_SHARED) != 0) & ~VML_PTE_A;
        if ((r = swap_map_page(sim, mm, v, w.va[i], pfn, flags,
                               (leaf.entry & PTE_SWP_EXCLUSIVE) != 0)) != 0)
            break;
        swap_put(sim, entry);
    }
    free(w.va);
    return r;
}

int vml_sim_swapoff(struct vml_sim *sim, const char *path, struct vml_diag *diag)
{
    unsigned t = 0;
    while (t < SWAP_MAX_AREAS && !(sim->swap[t].used && strcmp(sim->swap[t].name, path) == 0))
        t++;
    if (t == SWAP_MAX_AREAS) {
        diag_set(diag, 0, 0, "swapoff %s: not a swap area in use (EINVAL)", path);
        return VML_EINVAL;
    }
    struct swap_area *a = &sim->swap[t];
    /* del_from_avail_list: no slot is given out from it now; its pages leave the totals, and
     * each slot freed from here on comes back to nr_swap_pages, so they end even. */
    a->writeok = false;
    sim->swap_writable &= ~(1u << t);
    sim->nr_swap_pages -= a->pages;
    sim->total_swap_pages -= a->pages;
    /* try_to_unuse: shmem's pages first (shmem_unuse), then each address space's. */
    int r = shmem_unuse(sim, t);
    for (size_t i = 0; i < sim->nr_tasks && r == 0; i++)
        if (sim->tasks[i].alive && sim->tasks[i].mm)
            r = unuse_mm(sim, &sim->tasks[i], t);
    /* What the swap cache still holds of it: pages every entry of which came back. */
    for (uint64_t o = 1; r == 0 && o < a->max; o++) {
        uint64_t pfn;
        if (!(a->map[o] & SWAP_HAS_CACHE) || !swap_cache_lookup(sim, swp_entry(t, o), &pfn))
            continue;
        struct frame *f = sim_frame(sim, pfn);
        if (f->flags & PGF_SWAPWB)
            swap_writeback_wait(sim, pfn);
        swap_free_folio(sim, pfn); /* try_to_unuse: folio_free_swap, so now dirty */
        page_put(sim, pfn);
    }
    if (r) {
        /* reinsert_swap_info: the area stays on, with its slots counted again. */
        a->writeok = true;
        sim->swap_writable |= 1u << t;
        sim->nr_swap_pages += a->pages;
        sim->total_swap_pages += a->pages;
        diag_set(diag, 0, 0, "swapoff %s: %s", path,
                 r == VML_ENOMEM ? "not enough memory to bring the pages back (ENOMEM)"
                                 : vml_strerror(r));
        return r;
    }
    if (a->header)
        file_put(sim, a->header); /* vmlab removes the swap file after swapoff */
    sim->swap_hdd &= ~(1u << t);
    area_free(a);
    return 0;
}
