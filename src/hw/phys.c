/* hw/phys.c: simulated physical memory: NUMA nodes, zones and one buddy allocator per zone.
 *
 * Models the page allocator of mm/page_alloc.c. Allocation is __rmqueue_smallest(): take the
 * head of the smallest order's list that has a free block, then expand(): keep the lower half,
 * queue the upper halves at the heads of the lists of decreasing order. Freeing is
 * __free_one_page(): merge with the buddy (buddy_pfn = pfn ^ (1 << order)) while it is a free
 * block of the same order in the same zone, then queue the result at the head of its list.
 * Boot carves each zone into the largest naturally aligned blocks that fit and queues them at
 * the tails in ascending order, as memblock_free_all() does (FPI_TO_TAIL), so a fresh machine
 * hands out low addresses first. /proc/buddyinfo is mm/vmstat.c's frag_show_print().
 * Deterministic: nothing depends on randomness or on host addresses.
 *
 * Orders: callers allocate 0..VML_MAX_ORDER (MAX_PAGE_ORDER, 10) as from Linux's buddy
 * allocator, and 1 GiB ranges through vml_phys_alloc_contig() (alloc_contig_pages()). Inside,
 * free blocks merge on up to PHYS_TOP_ORDER (18) so that free memory needs no frame metadata;
 * Linux never merges past order 10, so every count shown folds a free block of order k > 10
 * into 2^(k-10) order-10 blocks (linux_nr_free()). docs/design.md, "hw/phys", has the argument
 * that counts then match a buddy allocator capped at order 10, case by case.
 *
 * Host memory follows what is used (layout in hw/phys.h):
 *   sections[]  always present, 24 bytes per 128 MiB; links free blocks of order >= 15.
 *   frames      struct frame[2^15] per section, mapped (mmap) the first time a block smaller
 *               than a section is carved from it or an allocated block covers it. Never freed
 *               before vml_phys_destroy(): host memory is the high-water mark of what was
 *               touched. The host zero-fills its pages lazily, so frames never written cost no
 *               resident memory (frames_map).
 *   content     4 KiB zeroed blocks for page tables, carved from 256 KiB chunks aligned to their
 *               size, so a block finds its chunk by masking its address. A chunk's free blocks
 *               are reused first; a chunk whose last block is freed goes back to the machine's
 *               host pool (util/hostmem.c), which takes chunks from 2 MiB arenas advised
 *               MADV_HUGEPAGE: a walk over gigabytes reads its tables at random, and on 4 KiB
 *               host pages each of those reads also missed the host's TLB. The arenas go back
 *               to the host with the machine; host_bytes counts the chunks in use.
 *
 *     chunk (CHUNK_BYTES, aligned to CHUNK_BYTES)
 *     +--------+---------+---------+-----+----------+
 *     | header | block 1 | block 2 | ... | block 63 |   header: lists, free blocks, counts
 *     +--------+---------+---------+-----+----------+
 *
 * Callers: mm/ through the public API; the page tables and the MMU through phys_frame(),
 * phys_data() and phys_alloc_table().
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include "hw/phys.h"
#include "util/diag.h"
#include "util/hostmem.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

_Static_assert(sizeof(struct frame) <= 64, "struct frame must stay within 64 bytes");
_Static_assert((VML_PHYS_MAX >> 12) < FRAME_NONE, "every pfn must fit the 32-bit frame links");
_Static_assert(PHYS_TOP_ORDER == VML_GIGANTIC_ORDER && PHYS_TOP_ORDER >= SECTION_ORDER,
               "a free 1 GiB range must be one block, linked through the section table");

#define PAGE_BYTES    4096u
#define DMA_END_PFN   ((16ull << 20) >> 12) /* ZONE_DMA ends at 16 MiB */
#define DMA32_END_PFN ((4ull << 30) >> 12)  /* ZONE_DMA32 ends at 4 GiB */
#define NO_ORDER      0xffu                 /* phys_section.free_order: heads no free block */
#define CHUNK_BLOCKS  64u                   /* 4 KiB blocks per content chunk, header included */
#define CHUNK_BYTES   ((size_t)CHUNK_BLOCKS * PAGE_BYTES)
#define POISON_BYTE   0x6b /* freed content in debug builds, as xv6's kfree() */
#define FRAMES_BYTES  ((size_t)SECTION_FRAMES * sizeof(struct frame)) /* a section's frames */

static const char *const zone_names[VML_NR_ZONES] = { "DMA", "DMA32", "Normal" };
static const uint64_t zone_end_pfn[VML_NR_ZONES] = { DMA_END_PFN, DMA32_END_PFN, UINT64_MAX };
static const char *const use_names[VML_NR_USES] = {
    "free", "kernel", "pgtable", "anon", "file", "shmem", "hugetlb", "swapcache", "zero", "test"
};

/* Header of a content chunk, stored in its block 0. A chunk is on exactly one list:
 * phys->data_pool while it has a free block, phys->data_chunks while all its blocks are used. */
struct data_chunk {
    struct data_chunk *prev, *next; /* neighbours on its list */
    void *free_blocks;              /* freed blocks, linked through their first word */
    unsigned nr_used;               /* blocks handed out */
    unsigned nr_carved;             /* blocks carved so far, the header's block 0 included */
};

/* ---- configuration ------------------------------------------------------------------------ */

/* Fills sizes[] from node_bytes (all nodes past nr_nodes must be 0). */
static int sizes_given(const struct vml_phys_config *cfg, uint64_t *sizes, struct vml_diag *diag)
{
    char buf[32];
    for (unsigned i = cfg->nr_nodes; i < VML_MAX_NODES; i++) {
        if (cfg->node_bytes[i] != 0) {
            diag_set(diag, 0, 0,
                     "node_bytes[%u] is %s but nr_nodes is %u: sizes past nr_nodes must be 0", i,
                     vml_format_size(cfg->node_bytes[i], buf, sizeof(buf)), cfg->nr_nodes);
            return VML_EINVAL;
        }
    }
    memcpy(sizes, cfg->node_bytes, sizeof(cfg->node_bytes));
    return 0;
}

/* Fills sizes[] by splitting ram_bytes: every node but the last gets ram_bytes / nr_nodes
 * rounded down to 2 MiB, the last the rest. */
static int sizes_split(const struct vml_phys_config *cfg, uint64_t *sizes, struct vml_diag *diag)
{
    char buf[32], max[32];
    uint64_t ram = cfg->ram_bytes;
    unsigned n = cfg->nr_nodes;
    const char *what = NULL;
    if (ram > VML_PHYS_MAX)
        what = "exceeds the maximum of";
    else if (ram % VML_PHYS_ALIGN != 0)
        what = "is not a multiple of";
    if (what) {
        uint64_t limit = ram > VML_PHYS_MAX ? VML_PHYS_MAX : VML_PHYS_ALIGN;
        diag_set(diag, 0, 0, "ram_bytes %s %s %s", vml_format_size(ram, buf, sizeof(buf)), what,
                 vml_format_size(limit, max, sizeof(max)));
        return VML_EINVAL;
    }
    uint64_t per = ram / n / VML_PHYS_ALIGN * VML_PHYS_ALIGN;
    if (per < VML_PHYS_ALIGN) {
        diag_set(diag, 0, 0,
                 "ram_bytes %s is too small for %u nodes: every node needs at least 2 MiB",
                 vml_format_size(ram, buf, sizeof(buf)), n);
        return VML_EINVAL;
    }
    for (unsigned i = 0; i + 1 < n; i++)
        sizes[i] = per;
    sizes[n - 1] = ram - per * (n - 1);
    return 0;
}

/* Checks every node size (>= 2 MiB, a multiple of 2 MiB) and the total (<= 8 TiB). */
static int sizes_check(const uint64_t *sizes, unsigned n, struct vml_diag *diag)
{
    char buf[32], max[32];
    uint64_t total = 0;
    vml_format_size(VML_PHYS_MAX, max, sizeof(max));
    for (unsigned i = 0; i < n; i++) {
        const char *what = NULL;
        if (sizes[i] < VML_PHYS_ALIGN)
            what = "is below the minimum of 2 MiB";
        else if (sizes[i] % VML_PHYS_ALIGN != 0)
            what = "is not a multiple of 2 MiB";
        else if (sizes[i] > VML_PHYS_MAX)
            what = "exceeds the maximum of 8 TiB";
        if (what) {
            diag_set(diag, 0, 0, "node %u size %s %s", i,
                     vml_format_size(sizes[i], buf, sizeof(buf)), what);
            return VML_EINVAL;
        }
        total += sizes[i]; /* at most 8 nodes of at most 8 TiB: no overflow */
    }
    if (total > VML_PHYS_MAX) {
        diag_set(diag, 0, 0, "total RAM %s exceeds the maximum of %s",
                 vml_format_size(total, buf, sizeof(buf)), max);
        return VML_EINVAL;
    }
    return 0;
}

/* Node sizes from cfg. Returns 0, or VML_EINVAL with diag naming the bad value. */
static int config_sizes(const struct vml_phys_config *cfg, uint64_t *sizes, struct vml_diag *diag)
{
    unsigned n = cfg->nr_nodes;
    if (n < 1 || n > VML_MAX_NODES) {
        diag_set(diag, 0, 0, "nr_nodes %u is out of range: accepted 1..%d", n, VML_MAX_NODES);
        return VML_EINVAL;
    }
    bool given = false;
    for (unsigned i = 0; i < VML_MAX_NODES; i++)
        given = given || cfg->node_bytes[i] != 0;
    int rc = given ? sizes_given(cfg, sizes, diag) : sizes_split(cfg, sizes, diag);
    return rc ? rc : sizes_check(sizes, n, diag);
}

/* Distance table from cfg: all zero means 10 local and 20 remote, otherwise it must be a valid
 * SLIT (10 on the diagonal, more than 10 elsewhere, as drivers/acpi/numa/srat.c slit_valid()).
 * Returns 0, or VML_EINVAL with diag naming the bad entry. */
static int config_distance(const struct vml_phys_config *cfg,
                           uint8_t dist[VML_MAX_NODES][VML_MAX_NODES], struct vml_diag *diag)
{
    unsigned n = cfg->nr_nodes;
    bool given = false;
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            given = given || cfg->distance[i][j] != 0;
    for (unsigned i = 0; i < n; i++) {
        for (unsigned j = 0; j < n; j++) {
            unsigned d =
                given ? cfg->distance[i][j] : (i == j ? VML_LOCAL_DISTANCE : VML_REMOTE_DISTANCE);
            if (i == j && d != VML_LOCAL_DISTANCE) {
                diag_set(diag, 0, 0, "distance[%u][%u] is %u: the local distance must be %d", i, j,
                         d, VML_LOCAL_DISTANCE);
                return VML_EINVAL;
            }
            if (i != j && d <= VML_LOCAL_DISTANCE) {
                diag_set(diag, 0, 0,
                         "distance[%u][%u] is %u: a remote distance must be greater than %d", i, j,
                         d, VML_LOCAL_DISTANCE);
                return VML_EINVAL;
            }
            dist[i][j] = (uint8_t)d;
        }
    }
    return 0;
}

/* ---- frame metadata and free lists --------------------------------------------------------- */

/* Gives frame metadata to every section that [pfn, pfn + 2^order) touches. Returns 0, or
 * VML_EHOST; sections that got metadata before the failure keep it (zeroed, so harmless). */
/* A section's frames, zero: mapped from the host directly, so that its pages are zero-filled
 * by the host when first touched and those never touched cost nothing. calloc would do the
 * same from a fresh mmap, but once glibc's dynamic mmap threshold has grown past 2 MiB (after
 * a machine is destroyed) it serves the section from its heap and zeroes all of it: 16 MiB
 * written per GiB of simulated memory whatever is used of it, which made a THP fault, whose
 * block touches a few of its 512 frames, cost 32 times a 4 KiB fault on the host. */
static struct frame *frames_map(void)
{
    /* FRAMES_BYTES more than needed, then the unaligned ends given back: aligned to its size,
     * so that one host huge page can hold it all. */
    char *p =
        mmap(NULL, 2 * FRAMES_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t a = ((uintptr_t)p + FRAMES_BYTES - 1) & ~(uintptr_t)(FRAMES_BYTES - 1);
    char *q = (char *)a;
    if (q > p)
        munmap(p, (size_t)(q - p));
    if (q + FRAMES_BYTES < p + 2 * FRAMES_BYTES)
        munmap(q + FRAMES_BYTES, (size_t)(p + 2 * FRAMES_BYTES - (q + FRAMES_BYTES)));
    madvise(q, FRAMES_BYTES, MADV_HUGEPAGE);
    return (struct frame *)q;
}

static int materialize(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    uint64_t last = (pfn + (1ull << order) - 1) >> SECTION_ORDER;
    for (uint64_t s = pfn >> SECTION_ORDER; s <= last; s++) {
        struct phys_section *sec = &phys->sections[s];
        if (sec->frames)
            continue;
        sec->frames = frames_map();
        if (!sec->frames)
            return VML_EHOST;
        phys->host_bytes += FRAMES_BYTES;
    }
    return 0;
}

/* Metadata of a pfn whose section is known to have some (part of an allocated block, or the
 * head of a free block below SECTION_ORDER). */
static struct frame *frame_at(const struct vml_phys *phys, uint64_t pfn)
{
    struct frame *frames = phys->sections[pfn >> SECTION_ORDER].frames;
    assert(frames);
    return &frames[pfn & (SECTION_FRAMES - 1)];
}

static uint32_t pfn_to_section(uint64_t pfn)
{
    return pfn == FRAME_NONE ? SECTION_NONE : (uint32_t)(pfn >> SECTION_ORDER);
}

static uint64_t section_to_pfn(uint32_t s)
{
    return s == SECTION_NONE ? FRAME_NONE : (uint64_t)s << SECTION_ORDER;
}

/* Links of a free block: in its head frame below SECTION_ORDER, in the section table above. */
static uint64_t link_next(const struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    if (order < SECTION_ORDER)
        return frame_at(phys, pfn)->lru_next;
    return section_to_pfn(phys->sections[pfn >> SECTION_ORDER].free_next);
}

static uint64_t link_prev(const struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    if (order < SECTION_ORDER)
        return frame_at(phys, pfn)->lru_prev;
    return section_to_pfn(phys->sections[pfn >> SECTION_ORDER].free_prev);
}

static void set_next(struct vml_phys *phys, uint64_t pfn, unsigned order, uint64_t next)
{
    if (order < SECTION_ORDER)
        frame_at(phys, pfn)->lru_next = (uint32_t)next;
    else
        phys->sections[pfn >> SECTION_ORDER].free_next = pfn_to_section(next);
}

static void set_prev(struct vml_phys *phys, uint64_t pfn, unsigned order, uint64_t prev)
{
    if (order < SECTION_ORDER)
        frame_at(phys, pfn)->lru_prev = (uint32_t)prev;
    else
        phys->sections[pfn >> SECTION_ORDER].free_prev = pfn_to_section(prev);
}

/* Flags a block as free at order (PG_buddy and page order in Linux). */
static void mark_free(struct vml_phys *phys, uint64_t pfn, unsigned order, unsigned nid,
                      unsigned zid)
{
    if (order >= SECTION_ORDER) {
        phys->sections[pfn >> SECTION_ORDER].free_order = (uint8_t)order;
        return;
    }
    struct frame *f = frame_at(phys, pfn);
    f->flags = PGF_BUDDY;
    f->order = (uint8_t)order;
    f->node = (uint8_t)nid;
    f->zone = (uint8_t)zid;
}

/* Clears what mark_free() and the list links set. */
static void mark_taken(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    if (order >= SECTION_ORDER) {
        struct phys_section *s = &phys->sections[pfn >> SECTION_ORDER];
        s->free_order = NO_ORDER;
        s->free_prev = s->free_next = SECTION_NONE;
        return;
    }
    struct frame *f = frame_at(phys, pfn);
    f->flags &= ~PGF_BUDDY;
    f->order = 0;
    f->lru_prev = f->lru_next = 0;
}

/* Links a free block between prev and next (FRAME_NONE: list head / end) on its order's list
 * and counts it free. */
static void free_list_insert(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn,
                             unsigned order, uint64_t prev, uint64_t next)
{
    struct phys_zone *z = &phys->nodes[nid].zones[zid];
    struct phys_free_area *a = &z->free_area[order];
    mark_free(phys, pfn, order, nid, zid);
    set_prev(phys, pfn, order, prev);
    set_next(phys, pfn, order, next);
    if (prev == FRAME_NONE)
        a->head = pfn;
    else
        set_next(phys, prev, order, pfn);
    if (next != FRAME_NONE)
        set_prev(phys, next, order, pfn);
    a->nr_free++;
    z->free_pages += 1ull << order;
}

/* Queues a free block at the head of its list (what the allocator takes first). */
static void free_list_add(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn,
                          unsigned order)
{
    uint64_t head = phys->nodes[nid].zones[zid].free_area[order].head;
    free_list_insert(phys, nid, zid, pfn, order, FRAME_NONE, head);
}

/* Unlinks a free block from its list and counts it no longer free. */
static void free_list_del(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn,
                          unsigned order)
{
    struct phys_zone *z = &phys->nodes[nid].zones[zid];
    struct phys_free_area *a = &z->free_area[order];
    uint64_t prev = link_prev(phys, pfn, order);
    uint64_t next = link_next(phys, pfn, order);
    if (prev == FRAME_NONE)
        a->head = next;
    else
        set_next(phys, prev, order, next);
    if (next != FRAME_NONE)
        set_prev(phys, next, order, prev);
    mark_taken(phys, pfn, order);
    a->nr_free--;
    z->free_pages -= 1ull << order;
}

/* True if buddy heads a free block of exactly order inside zone z (page_is_buddy()). */
static bool buddy_is_free(const struct vml_phys *phys, const struct phys_zone *z, uint64_t buddy,
                          unsigned order)
{
    if (buddy < z->start || buddy + (1ull << order) > z->end)
        return false;
    if (order >= SECTION_ORDER)
        return phys->sections[buddy >> SECTION_ORDER].free_order == order;
    const struct frame *f = phys_frame(phys, buddy);
    return f && (f->flags & PGF_BUDDY) && f->order == order;
}

/* ---- boot ------------------------------------------------------------------------------ */

/* Sets every node's pfn range and its zones (x86-64 zone limits intersected with the node). */
static void layout_nodes(struct vml_phys *phys, const uint64_t *sizes)
{
    uint64_t start = 0;
    for (unsigned nid = 0; nid < phys->nr_nodes; nid++) {
        struct phys_node *n = &phys->nodes[nid];
        n->start = start;
        n->pages = sizes[nid] >> 12;
        start += n->pages;
        for (unsigned zid = 0; zid < VML_NR_ZONES; zid++) {
            struct phys_zone *z = &n->zones[zid];
            uint64_t lo = zid ? zone_end_pfn[zid - 1] : 0;
            z->start = n->start > lo ? n->start : lo;
            z->end = start < zone_end_pfn[zid] ? start : zone_end_pfn[zid];
            if (z->start >= z->end)
                z->start = z->end = n->start; /* empty zone */
            for (unsigned o = 0; o < PHYS_NR_ORDERS; o++)
                z->free_area[o].head = FRAME_NONE;
        }
    }
    phys->total_pages = start;
}

/* Allocates the section table, every section without frame metadata and heading no block. */
static int sections_init(struct vml_phys *phys)
{
    uint64_t n = (phys->total_pages + SECTION_FRAMES - 1) >> SECTION_ORDER;
    phys->sections = calloc(n, sizeof(struct phys_section));
    if (!phys->sections)
        return VML_EHOST;
    phys->nr_sections = (uint32_t)n;
    phys->host_bytes += n * sizeof(struct phys_section);
    for (uint64_t s = 0; s < n; s++) {
        phys->sections[s].free_order = NO_ORDER;
        phys->sections[s].free_prev = phys->sections[s].free_next = SECTION_NONE;
    }
    return 0;
}

/* Largest order whose naturally aligned block starts at pfn and fits in left frames. Linux's
 * __free_pages_memory() stops at MAX_PAGE_ORDER; merging on, as free_one_block() would, gives
 * the same free ranges. */
static unsigned fit_order(uint64_t pfn, uint64_t left)
{
    unsigned order = PHYS_TOP_ORDER;
    while (order > 0 && ((pfn & ((1ull << order) - 1)) != 0 || (1ull << order) > left))
        order--;
    return order;
}

/* Puts a zone's frames on its free lists as the largest aligned blocks that fit, queued at the
 * tails in ascending order (memblock_free_all() frees with FPI_TO_TAIL). VML_EHOST. */
static int zone_carve(struct vml_phys *phys, unsigned nid, unsigned zid)
{
    const struct phys_zone *z = &phys->nodes[nid].zones[zid];
    uint64_t tail[PHYS_NR_ORDERS];
    for (unsigned o = 0; o < PHYS_NR_ORDERS; o++)
        tail[o] = FRAME_NONE;
    for (uint64_t pfn = z->start; pfn < z->end;) {
        unsigned order = fit_order(pfn, z->end - pfn);
        if (order < SECTION_ORDER && materialize(phys, pfn, order) != 0)
            return VML_EHOST;
        free_list_insert(phys, nid, zid, pfn, order, tail[order], FRAME_NONE);
        tail[order] = pfn;
        pfn += 1ull << order;
    }
    return 0;
}

int vml_phys_create(const struct vml_phys_config *cfg, struct vml_phys **out, struct vml_diag *diag)
{
    uint64_t sizes[VML_MAX_NODES] = { 0 };
    uint8_t dist[VML_MAX_NODES][VML_MAX_NODES] = { { 0 } };
    *out = NULL;
    int rc = config_sizes(cfg, sizes, diag);
    if (rc == 0)
        rc = config_distance(cfg, dist, diag);
    if (rc != 0)
        return rc;
    struct vml_phys *phys = calloc(1, sizeof(*phys));
    if (!phys)
        return VML_EHOST;
    phys->host_bytes = sizeof(*phys);
    phys->data_host.block = CHUNK_BYTES;
    phys->nr_nodes = cfg->nr_nodes;
    memcpy(phys->distance, dist, sizeof(dist));
    layout_nodes(phys, sizes);
    rc = sections_init(phys);
    for (unsigned nid = 0; rc == 0 && nid < phys->nr_nodes; nid++)
        for (unsigned zid = 0; rc == 0 && zid < VML_NR_ZONES; zid++)
            rc = zone_carve(phys, nid, zid);
    if (rc != 0) {
        vml_phys_destroy(phys);
        diag_set(diag, 0, 0, "the host is out of memory");
        return VML_EHOST;
    }
    *out = phys;
    return 0;
}

/* Frees a list of content chunks. */
void vml_phys_destroy(struct vml_phys *phys)
{
    if (!phys)
        return;
    for (uint32_t s = 0; phys->sections && s < phys->nr_sections; s++)
        if (phys->sections[s].frames)
            munmap(phys->sections[s].frames, FRAMES_BYTES);
    free(phys->sections);
    hostmem_destroy(&phys->data_host); /* every chunk, in use or not */
    free(phys);
}

/* ---- content blocks ------------------------------------------------------------------------- */

static void chunk_unlink(void **list, struct data_chunk *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        *list = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void chunk_push(void **list, struct data_chunk *c)
{
    c->prev = NULL;
    c->next = *list;
    if (c->next)
        c->next->prev = c;
    *list = c;
}

/* Returns a zeroed 4 KiB block: a freed one of the first chunk in the pool, else a new one
 * carved from it, else from a new chunk. NULL if the host is out of memory. */
static uint64_t *data_get(struct vml_phys *phys)
{
    struct data_chunk *c = phys->data_pool;
    if (!c) {
        c = hostmem_get(&phys->data_host);
        if (!c)
            return NULL;
        memset(c, 0, sizeof(*c));
        c->nr_carved = 1; /* block 0 holds the header */
        chunk_push(&phys->data_pool, c);
        phys->host_bytes += CHUNK_BYTES;
    }
    void *b = c->free_blocks;
    if (b)
        memcpy(&c->free_blocks, b, sizeof(void *));
    else
        b = (char *)c + (size_t)c->nr_carved++ * PAGE_BYTES;
    if (++c->nr_used == CHUNK_BLOCKS - 1) {
        chunk_unlink(&phys->data_pool, c);
        chunk_push(&phys->data_chunks, c);
    }
    memset(b, 0, PAGE_BYTES);
    return b;
}

/* Gives a block back to its chunk (poisoned first in debug builds); frees the chunk when it
 * has no block in use left. */
static void data_put(struct vml_phys *phys, uint64_t *data)
{
    phys->data_gen++; /* caches of content pointers (the MMU's) are now stale */
    struct data_chunk *c = (struct data_chunk *)((uintptr_t)data & ~(uintptr_t)(CHUNK_BYTES - 1));
#ifndef NDEBUG
    memset(data, POISON_BYTE, PAGE_BYTES);
#endif
    memcpy(data, &c->free_blocks, sizeof(void *));
    c->free_blocks = data;
    if (c->nr_used-- == CHUNK_BLOCKS - 1) {
        chunk_unlink(&phys->data_chunks, c);
        chunk_push(&phys->data_pool, c);
    }
    if (c->nr_used == 0) {
        chunk_unlink(&phys->data_pool, c);
        hostmem_put(&phys->data_host, c);
        phys->host_bytes -= CHUNK_BYTES;
    }
}

int phys_attach_data(struct vml_phys *phys, uint64_t pfn)
{
    assert(pfn < phys->total_pages);
    struct frame *f = frame_at(phys, pfn);
    assert(f && !(f->flags & PGF_BUDDY) && !f->data);
    uint64_t *data = data_get(phys);
    if (!data)
        return VML_EHOST;
    f->data = data;
    return 0;
}

int phys_alloc_table(struct vml_phys *phys, unsigned node, uint64_t *pfn)
{
    return phys_alloc_table_zones(phys, node, PHYS_ALL_ZONES, pfn);
}

int phys_alloc_table_zones(struct vml_phys *phys, unsigned node, unsigned zones, uint64_t *pfn)
{
    /* Content first: giving it back undoes everything, freeing a frame might not. */
    uint64_t *data = data_get(phys);
    if (!data)
        return VML_EHOST;
    uint64_t p;
    int rc = phys_alloc_zones(phys, node, 0, VML_USE_PGTABLE, zones, &p);
    if (rc != 0) {
        data_put(phys, data);
        return rc;
    }
    frame_at(phys, p)->data = data;
    *pfn = p;
    return 0;
}

/* ---- allocation and free ------------------------------------------------------------------ */

/* Models expand(): splits the free block of order high at pfn down to order low, keeping the
 * lower half each time and queueing the upper half at the head of its order's list. */
static void expand(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn, unsigned low,
                   unsigned high)
{
    while (high > low) {
        high--;
        free_list_add(phys, nid, zid, pfn + (1ull << high), high);
    }
}

/* Zones in the order an allocation tries them: a node's zonelist, highest zone first. */
static const unsigned zone_fallback[VML_NR_ZONES] = { VML_ZONE_NORMAL, VML_ZONE_DMA32,
                                                      VML_ZONE_DMA };

/* Tags the head of a block just taken off the free lists (prep_new_page()); tails stay
 * untouched. Counts its frames in use. */
static void tag_head(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn,
                     unsigned order, enum vml_frame_use use)
{
    struct frame *f = frame_at(phys, pfn);
    memset(f, 0, sizeof(*f));
    f->flags = PGF_HEAD;
    f->order = (uint8_t)order;
    f->node = (uint8_t)nid;
    f->zone = (uint8_t)zid;
    f->use = (uint8_t)use;
    phys->nodes[nid].used[use] += 1ull << order;
}

/* Allocates from one zone (__rmqueue_smallest()). The search runs past VML_MAX_ORDER into the
 * blocks kept merged above it: in Linux's lists they are order-10 blocks, and taking the lowest
 * 2^10 frames of the smallest one leaves exactly what taking an order-10 block would, folded.
 * Returns 0, VML_ENOMEM if no free block of order or larger, VML_EHOST if frame metadata could
 * not be allocated (nothing changed). */
static int zone_alloc(struct vml_phys *phys, unsigned nid, unsigned zid, unsigned order,
                      enum vml_frame_use use, uint64_t *out)
{
    struct phys_zone *z = &phys->nodes[nid].zones[zid];
    /* Fewer free pages than the block: no free block of its order or larger either (an empty
     * zone, tried first in every zonelist of a small machine, skips the scan of its lists). */
    if (z->free_pages < 1ull << order)
        return VML_ENOMEM;
    unsigned high = order;
    while (high <= PHYS_TOP_ORDER && z->free_area[high].nr_free == 0)
        high++;
    if (high > PHYS_TOP_ORDER)
        return VML_ENOMEM;
    uint64_t pfn = z->free_area[high].head;
    /* Step 1: metadata for the block (split remainders below a section share its section). */
    if (materialize(phys, pfn, order) != 0)
        return VML_EHOST;
    /* Step 2: take the block and split it; step 3: tag it and count the pgalloc event. */
    free_list_del(phys, nid, zid, pfn, high);
    expand(phys, nid, zid, pfn, order, high);
    tag_head(phys, nid, zid, pfn, order, use);
    phys->nodes[nid].allocated[zid] += 1ull << order;
    phys->nodes[nid].allocated_by_use[use] += 1ull << order;
    *out = pfn;
    return 0;
}

int vml_phys_alloc(struct vml_phys *phys, unsigned node, unsigned order, enum vml_frame_use use,
                   uint64_t *pfn)
{
    return phys_alloc_zones(phys, node, order, use, PHYS_ALL_ZONES, pfn);
}

int phys_alloc_zones(struct vml_phys *phys, unsigned node, unsigned order, enum vml_frame_use use,
                     unsigned zones, uint64_t *pfn)
{
    if (node >= phys->nr_nodes || order > VML_MAX_ORDER || use == VML_USE_FREE ||
        (unsigned)use >= VML_NR_USES)
        return VML_EINVAL;
    for (unsigned i = 0; i < VML_NR_ZONES; i++) {
        if (!(zones & (1u << zone_fallback[i])))
            continue;
        int rc = zone_alloc(phys, node, zone_fallback[i], order, use, pfn);
        if (rc != VML_ENOMEM)
            return rc;
    }
    return VML_ENOMEM;
}

/* Lowest pfn at or above pfn aligned to 2^order. */
static uint64_t align_up(uint64_t pfn, unsigned order)
{
    uint64_t mask = (1ull << order) - 1;
    return (pfn + mask) & ~mask;
}

/* alloc_contig_pages() for a gigantic page, without migration: in each zone of the node's
 * zonelist, the candidates are the aligned ranges from ALIGN(zone_start_pfn, nr_pages) up that
 * the zone spans whole (zone_spans_last_pfn()); the first one pfn_range_valid_contig() would
 * accept with nothing to migrate (every frame free, every frame in the zone) is taken. A free
 * aligned GiB inside one zone is always one free block of PHYS_TOP_ORDER here (merging is
 * maximal), so a candidate is free exactly when its section heads such a block. */
int vml_phys_alloc_contig(struct vml_phys *phys, unsigned node, enum vml_frame_use use,
                          uint64_t *pfn)
{
    const unsigned order = VML_GIGANTIC_ORDER;
    if (node >= phys->nr_nodes || use == VML_USE_FREE || (unsigned)use >= VML_NR_USES)
        return VML_EINVAL;
    for (unsigned i = 0; i < VML_NR_ZONES; i++) {
        const unsigned zid = zone_fallback[i];
        const struct phys_zone *z = &phys->nodes[node].zones[zid];
        for (uint64_t p = align_up(z->start, order); p < z->end && z->end - p >= 1ull << order;
             p += 1ull << order) {
            if (!buddy_is_free(phys, z, p, order))
                continue;
            if (materialize(phys, p, order) != 0)
                return VML_EHOST;
            /* isolate_freepages_range(): off the free lists, no pgalloc event. */
            free_list_del(phys, node, zid, p, order);
            tag_head(phys, node, zid, p, order, use);
            *pfn = p;
            return 0;
        }
    }
    return VML_ENOMEM;
}

void phys_block_at(const struct vml_phys *phys, uint64_t pfn, struct phys_block *out)
{
    /* Blocks are naturally aligned: the one holding pfn is headed at pfn rounded down to its
     * order, the smallest order at which a head is found whose block reaches pfn. */
    for (unsigned k = 0; k <= PHYS_TOP_ORDER; k++) {
        uint64_t h = pfn & ~((1ull << k) - 1);
        if (k >= SECTION_ORDER && phys->sections[h >> SECTION_ORDER].free_order == k) {
            *out = (struct phys_block){ .head = h, .order = k, .free = true };
            return;
        }
        const struct frame *f = phys_frame(phys, h);
        if (!f || !(f->flags & (PGF_BUDDY | PGF_HEAD)) || pfn - h >= 1ull << f->order)
            continue;
        *out = (struct phys_block){ .head = h, .order = f->order, .free = f->flags & PGF_BUDDY };
        return;
    }
    assert(0 && "pfn in no block");
    *out = (struct phys_block){ .head = pfn, .order = 0, .free = false };
}

int phys_take_free(struct vml_phys *phys, uint64_t pfn, unsigned order, enum vml_frame_use use)
{
    struct phys_block b;
    phys_block_at(phys, pfn, &b);
    if (!b.free || order > b.order || (pfn & ((1ull << order) - 1)))
        return VML_EINVAL;
    if (materialize(phys, pfn, 0) != 0)
        return VML_EHOST;
    unsigned nid = vml_phys_pfn_node(phys, pfn), zid = VML_NR_ZONES;
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        const struct phys_zone *zone = &phys->nodes[nid].zones[z];
        if (pfn >= zone->start && pfn < zone->end)
            zid = z;
    }
    assert(zid < VML_NR_ZONES);
    /* Every piece below a section's size lies in pfn's section, now materialized; larger
     * pieces are linked through the section table. */
    free_list_del(phys, nid, zid, b.head, b.order);
    /* Halve around pfn down to the order: the half without it goes back free each time. */
    uint64_t head = b.head;
    for (unsigned o = b.order; o > order; o--) {
        uint64_t half = 1ull << (o - 1);
        if (pfn >= head + half) {
            free_list_add(phys, nid, zid, head, o - 1);
            head += half;
        } else {
            free_list_add(phys, nid, zid, head + half, o - 1);
        }
    }
    tag_head(phys, nid, zid, pfn, order, use);
    return 0;
}

/* Frees the content of every frame of a block that has some. */
static void free_block_data(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    uint64_t end = pfn + (1ull << order);
    for (uint64_t p = pfn; p < end; p++) {
        struct frame *f = frame_at(phys, p);
        if (f->data) {
            data_put(phys, f->data);
            f->data = NULL;
        }
    }
}

/* Models __free_one_page(): merges the block with its buddy while that is free at the same
 * order in the same zone, then queues the result at the head of its list. Linux stops at
 * MAX_PAGE_ORDER; merging on to PHYS_TOP_ORDER changes no folded count (linux_nr_free()). */
static void free_one_block(struct vml_phys *phys, unsigned nid, unsigned zid, uint64_t pfn,
                           unsigned order)
{
    const struct phys_zone *z = &phys->nodes[nid].zones[zid];
    while (order < PHYS_TOP_ORDER) {
        uint64_t buddy = pfn ^ (1ull << order);
        if (!buddy_is_free(phys, z, buddy, order))
            break;
        free_list_del(phys, nid, zid, buddy, order);
        pfn &= buddy;
        order++;
    }
    free_list_add(phys, nid, zid, pfn, order);
}

/* Frees an allocated block of either kind. */
static void free_block(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    assert(pfn < phys->total_pages && (pfn & ((1ull << order) - 1)) == 0);
    struct frame *f = phys_frame(phys, pfn);
    assert(f && (f->flags & PGF_HEAD) && !(f->flags & PGF_BUDDY) && f->order == order);
    assert(f->node < phys->nr_nodes && f->zone < VML_NR_ZONES && f->use < VML_NR_USES);
    unsigned nid = f->node, zid = f->zone;
    assert(phys->nodes[nid].used[f->use] >= 1ull << order);
    phys->nodes[nid].used[f->use] -= 1ull << order;
    phys->nodes[nid].freed += 1ull << order;
    if (order == 0) { /* free_block_data of one frame: the one at hand (reclaim's frees) */
        if (f->data)
            data_put(phys, f->data);
    } else {
        free_block_data(phys, pfn, order);
    }
    memset(f, 0, sizeof(*f));
    free_one_block(phys, nid, zid, pfn, order);
}

void vml_phys_split(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    /* split_page(): each frame of the allocated block heads an order-0 block of its own, with
     * the head's node, zone and use; the owner's fields (mm/) are left as they are. */
    struct frame *h = phys_frame(phys, pfn);
    assert(h && (h->flags & PGF_HEAD) && h->order == order && order <= VML_MAX_ORDER);
    for (uint64_t i = 1; i < (1ull << order); i++) {
        struct frame *f = phys_frame(phys, pfn + i);
        f->flags |= PGF_HEAD;
        f->order = 0;
        f->node = h->node;
        f->zone = h->zone;
        f->use = h->use;
    }
    h->order = 0;
}

void vml_phys_free(struct vml_phys *phys, uint64_t pfn, unsigned order)
{
    assert(order <= VML_MAX_ORDER);
    free_block(phys, pfn, order);
}

/* Linux frees a gigantic folio through free_one_page(): split_large_buddy() hands it to
 * __free_one_page() a pageblock at a time, each merging up to order 10 with its free
 * neighbours; one block of PHYS_TOP_ORDER is the same free memory, folded. */
void vml_phys_free_contig(struct vml_phys *phys, uint64_t pfn)
{
    free_block(phys, pfn, VML_GIGANTIC_ORDER);
}

/* ---- getters -------------------------------------------------------------------------------- */

unsigned vml_phys_nr_nodes(const struct vml_phys *phys)
{
    return phys->nr_nodes;
}

uint64_t vml_phys_total_pages(const struct vml_phys *phys)
{
    return phys->total_pages;
}

/* First pfn of a node; 0 for a node that does not exist. */
uint64_t vml_phys_node_start(const struct vml_phys *phys, unsigned node)
{
    return node < phys->nr_nodes ? phys->nodes[node].start : 0;
}

/* Frames of a node; 0 for a node that does not exist. */
uint64_t vml_phys_node_pages(const struct vml_phys *phys, unsigned node)
{
    return node < phys->nr_nodes ? phys->nodes[node].pages : 0;
}

unsigned vml_phys_pfn_node(const struct vml_phys *phys, uint64_t pfn)
{
    assert(pfn < phys->total_pages);
    unsigned nid = 0;
    while (nid + 1 < phys->nr_nodes && pfn >= phys->nodes[nid + 1].start)
        nid++;
    return nid;
}

/* SLIT distance; 0 if either node does not exist. */
unsigned vml_phys_distance(const struct vml_phys *phys, unsigned from, unsigned to)
{
    if (from >= phys->nr_nodes || to >= phys->nr_nodes)
        return 0;
    return phys->distance[from][to];
}

/* Use counts of a node, O(1); all zero for a node that does not exist. */
void vml_phys_usage(const struct vml_phys *phys, unsigned node, struct vml_phys_usage *out)
{
    memset(out, 0, sizeof(*out));
    if (node >= phys->nr_nodes)
        return;
    const struct phys_node *n = &phys->nodes[node];
    out->total = n->pages;
    for (unsigned zid = 0; zid < VML_NR_ZONES; zid++)
        out->free += n->zones[zid].free_pages;
    memcpy(out->used, n->used, sizeof(out->used));
    memcpy(out->allocated, n->allocated, sizeof(out->allocated));
    memcpy(out->allocated_by_use, n->allocated_by_use, sizeof(out->allocated_by_use));
    out->freed = n->freed;
}

/* zone->free_area[order].nr_free as Linux has it, order 0..VML_MAX_ORDER: below 10 the block
 * counts are the same; at 10, each free block of order k >= 10 here counts 2^(k-10), the
 * order-10 blocks Linux keeps of the same frames. */
static uint64_t linux_nr_free(const struct phys_zone *z, unsigned order)
{
    if (order < VML_MAX_ORDER)
        return z->free_area[order].nr_free;
    uint64_t n = 0;
    for (unsigned k = VML_MAX_ORDER; k <= PHYS_TOP_ORDER; k++)
        n += z->free_area[k].nr_free << (k - VML_MAX_ORDER);
    return n;
}

/* Free blocks of an order in a zone, Linux's count; 0 for arguments out of range. */
uint64_t vml_phys_nr_free(const struct vml_phys *phys, unsigned node, enum vml_zone zone,
                          unsigned order)
{
    if (node >= phys->nr_nodes || (unsigned)zone >= VML_NR_ZONES || order > VML_MAX_ORDER)
        return 0;
    return linux_nr_free(&phys->nodes[node].zones[zone], order);
}

/* Bytes one buddyinfo line needs at most: header, 11 columns of up to 20 digits, newline. */
#define BUDDYINFO_LINE (32u + VML_NR_ORDERS * 21u + 2u)

char *vml_phys_buddyinfo(const struct vml_phys *phys)
{
    size_t cap = (size_t)phys->nr_nodes * VML_NR_ZONES * BUDDYINFO_LINE + 1;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned nid = 0; nid < phys->nr_nodes; nid++) {
        for (unsigned zid = 0; zid < VML_NR_ZONES; zid++) {
            const struct phys_zone *z = &phys->nodes[nid].zones[zid];
            if (z->start == z->end)
                continue; /* walk_zones_in_node() shows populated zones only */
            len +=
                (size_t)snprintf(buf + len, cap - len, "Node %u, zone %8s ", nid, zone_names[zid]);
            for (unsigned o = 0; o < VML_NR_ORDERS; o++)
                len += (size_t)snprintf(buf + len, cap - len, "%6llu ",
                                        (unsigned long long)linux_nr_free(z, o));
            len += (size_t)snprintf(buf + len, cap - len, "\n");
        }
    }
    return buf;
}

uint64_t vml_phys_host_bytes(const struct vml_phys *phys)
{
    return phys->host_bytes;
}

/* ---- invariant checker ---------------------------------------------------------------------- */

/* A free block found on a free list. */
struct free_ref {
    uint64_t pfn;
    unsigned order;
};

/* State of one vml_phys_check() run; nid and zid name the zone being checked. */
struct check {
    const struct vml_phys *phys;
    char *why;                  /* first problem, or NULL */
    size_t len;                 /* bytes at why */
    unsigned nid, zid;          /* zone under check */
    struct free_ref *refs;      /* the zone's listed free blocks, sorted by pfn after the lists */
    size_t nr_refs, cap;        /* entries used and allocated */
    uint64_t used[VML_NR_USES]; /* frames of the node's allocated blocks, by their head's use */
};

/* Writes the first problem into why; returns -1. */
static int fail(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct check *c, const char *fmt, ...)
{
    if (c->why && c->len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const struct phys_zone *check_zone_of(const struct check *c)
{
    return &c->phys->nodes[c->nid].zones[c->zid];
}

/* Checks one block met on the list of order: inside the zone, aligned, flagged free at this
 * order, back link to prev. Returns 0 or -1. */
static int check_listed(struct check *c, unsigned order, uint64_t pfn, uint64_t prev)
{
    const struct phys_zone *z = check_zone_of(c);
    unsigned long long p = pfn;
    const char *zn = zone_names[c->zid];
    if (pfn < z->start || pfn >= z->end || z->end - pfn < (1ull << order))
        return fail(
            c, "node %u zone %s order %u: block at pfn 0x%llx outside the zone [0x%llx, 0x%llx)",
            c->nid, zn, order, p, (unsigned long long)z->start, (unsigned long long)z->end);
    if (pfn & ((1ull << order) - 1))
        return fail(c, "node %u zone %s order %u: block at pfn 0x%llx not aligned", c->nid, zn,
                    order, p);
    if (order >= SECTION_ORDER) {
        unsigned fo = c->phys->sections[pfn >> SECTION_ORDER].free_order;
        if (fo != order)
            return fail(c,
                        "node %u zone %s order %u: block at pfn 0x%llx not flagged free (section "
                        "free_order %u)",
                        c->nid, zn, order, p, fo);
    } else {
        const struct frame *f = phys_frame(c->phys, pfn);
        if (!f || (f->flags & (PGF_BUDDY | PGF_HEAD)) != PGF_BUDDY || f->order != order)
            return fail(c,
                        "node %u zone %s order %u: block at pfn 0x%llx not flagged free (flags "
                        "0x%x, order %u)",
                        c->nid, zn, order, p, f ? f->flags : 0u, f ? f->order : 0u);
    }
    uint64_t back = link_prev(c->phys, pfn, order);
    if (back != prev)
        return fail(
            c, "node %u zone %s order %u: block at pfn 0x%llx links back to 0x%llx, not 0x%llx",
            c->nid, zn, order, p, (unsigned long long)back, (unsigned long long)prev);
    return 0;
}

/* Walks the list of one order, checking every block and recording it in refs; the walk stops
 * past nr_free blocks, so a cycle cannot hang it. Returns 0 or -1. */
static int check_list(struct check *c, unsigned order)
{
    const struct phys_free_area *a = &check_zone_of(c)->free_area[order];
    uint64_t prev = FRAME_NONE, n = 0;
    for (uint64_t pfn = a->head; pfn != FRAME_NONE; pfn = link_next(c->phys, pfn, order)) {
        if (n == a->nr_free)
            return fail(c, "node %u zone %s order %u: the list is longer than nr_free %llu", c->nid,
                        zone_names[c->zid], order, (unsigned long long)a->nr_free);
        if (check_listed(c, order, pfn, prev) != 0)
            return -1;
        c->refs[c->nr_refs++] = (struct free_ref){ .pfn = pfn, .order = order };
        prev = pfn;
        n++;
    }
    if (n != a->nr_free)
        return fail(c, "node %u zone %s order %u: nr_free %llu but the list holds %llu blocks",
                    c->nid, zone_names[c->zid], order, (unsigned long long)a->nr_free,
                    (unsigned long long)n);
    return 0;
}

static int ref_cmp(const void *a, const void *b)
{
    uint64_t x = ((const struct free_ref *)a)->pfn, y = ((const struct free_ref *)b)->pfn;
    return (x > y) - (x < y);
}

/* Checks every list of the zone and free_pages, then sorts the listed blocks by pfn and
 * rejects a block listed twice. Returns 0 or -1. */
static int check_lists(struct check *c)
{
    const struct phys_zone *z = check_zone_of(c);
    uint64_t blocks = 0, pages = 0;
    for (unsigned o = 0; o < PHYS_NR_ORDERS; o++) {
        const uint64_t nr = z->free_area[o].nr_free;
        if (nr > ((z->end - z->start) >> o))
            return fail(c, "node %u zone %s order %u: nr_free %llu exceeds what the zone can hold",
                        c->nid, zone_names[c->zid], o, (unsigned long long)nr);
        blocks += nr;
        pages += nr << o;
    }
    if (pages != z->free_pages)
        return fail(c, "node %u zone %s: free_pages %llu but the free lists hold %llu", c->nid,
                    zone_names[c->zid], (unsigned long long)z->free_pages,
                    (unsigned long long)pages);
    if (blocks > c->cap) {
        struct free_ref *r = realloc(c->refs, blocks * sizeof(*r));
        if (!r)
            return fail(c, "the host is out of memory for the check");
        c->refs = r;
        c->cap = blocks;
    }
    c->nr_refs = 0;
    for (unsigned o = 0; o < PHYS_NR_ORDERS; o++)
        if (check_list(c, o) != 0)
            return -1;
    if (c->nr_refs > 1) /* refs is NULL while no zone had a free block */
        qsort(c->refs, c->nr_refs, sizeof(*c->refs), ref_cmp);
    for (size_t i = 1; i < c->nr_refs; i++)
        if (c->refs[i].pfn == c->refs[i - 1].pfn)
            return fail(c, "node %u zone %s: pfn 0x%llx is on two free lists", c->nid,
                        zone_names[c->zid], (unsigned long long)c->refs[i].pfn);
    return 0;
}

/* Checks an allocated block's head tags and counts its frames for its use. Its order is that of
 * a buddy allocation (0..VML_MAX_ORDER) or of a contiguous one (VML_GIGANTIC_ORDER). */
static int check_head(struct check *c, uint64_t pfn, const struct frame *f)
{
    unsigned long long p = pfn;
    if ((f->order > VML_MAX_ORDER && f->order != VML_GIGANTIC_ORDER) ||
        (pfn & ((1ull << f->order) - 1)))
        return fail(c, "node %u zone %s: allocated block at pfn 0x%llx has a bad order %u", c->nid,
                    zone_names[c->zid], p, f->order);
    if (f->use == VML_USE_FREE || f->use >= VML_NR_USES)
        return fail(c, "node %u zone %s: allocated block at pfn 0x%llx has a bad use %u", c->nid,
                    zone_names[c->zid], p, f->use);
    if (f->node != c->nid || f->zone != c->zid)
        return fail(c, "node %u zone %s: allocated block at pfn 0x%llx is tagged node %u zone %u",
                    c->nid, zone_names[c->zid], p, f->node, f->zone);
    c->used[f->use] += 1ull << f->order;
    return 0;
}

/* Classifies the block starting at pfn: free (section table or PGF_BUDDY) or allocated
 * (PGF_HEAD, checked and counted). Returns 0 with its order, or -1. */
static int check_block_at(struct check *c, uint64_t pfn, unsigned *order, bool *is_free)
{
    const struct phys_section *s = &c->phys->sections[pfn >> SECTION_ORDER];
    const struct frame *f = phys_frame(c->phys, pfn);
    unsigned long long p = pfn;
    if ((pfn & (SECTION_FRAMES - 1)) == 0 && s->free_order != NO_ORDER) {
        if (s->free_order < SECTION_ORDER || s->free_order > PHYS_TOP_ORDER || (f && f->flags))
            return fail(c,
                        "node %u zone %s: section block at pfn 0x%llx has free_order %u and frame "
                        "flags 0x%x",
                        c->nid, zone_names[c->zid], p, s->free_order, f ? f->flags : 0u);
        *order = s->free_order;
        *is_free = true;
        return 0;
    }
    if (!f)
        return fail(c, "node %u zone %s: pfn 0x%llx is in no block (its section has no frames)",
                    c->nid, zone_names[c->zid], p);
    unsigned kind = f->flags & (PGF_BUDDY | PGF_HEAD);
    *order = f->order;
    *is_free = kind == PGF_BUDDY;
    if (kind == PGF_BUDDY && f->order < SECTION_ORDER)
        return 0;
    if (kind == PGF_HEAD)
        return check_head(c, pfn, f);
    return fail(c, "node %u zone %s: pfn 0x%llx heads no valid block (flags 0x%x, order %u)",
                c->nid, zone_names[c->zid], p, f->flags, f->order);
}

/* Walks the zone block by block from its start: the blocks must tile it exactly, and the free
 * ones met must be exactly the listed ones (refs, sorted). Returns 0 or -1. */
static int check_tiling(struct check *c)
{
    const struct phys_zone *z = check_zone_of(c);
    const char *zn = zone_names[c->zid];
    size_t next = 0;
    for (uint64_t pfn = z->start; pfn < z->end;) {
        unsigned order = 0;
        bool is_free = false;
        if (check_block_at(c, pfn, &order, &is_free) != 0)
            return -1;
        unsigned long long p = pfn;
        if (z->end - pfn < (1ull << order))
            return fail(c, "node %u zone %s: block at pfn 0x%llx order %u crosses the zone end",
                        c->nid, zn, p, order);
        if (is_free && next < c->nr_refs && c->refs[next].pfn < pfn)
            break; /* a listed block was skipped: reported below */
        if (is_free && (next == c->nr_refs || c->refs[next].pfn != pfn))
            return fail(c, "node %u zone %s: free block at pfn 0x%llx order %u is on no free list",
                        c->nid, zn, p, order);
        next += is_free;
        pfn += 1ull << order;
    }
    if (next != c->nr_refs)
        return fail(
            c, "node %u zone %s order %u: listed block at pfn 0x%llx lies inside another block",
            c->nid, zn, c->refs[next].order, (unsigned long long)c->refs[next].pfn);
    return 0;
}

/* Every free block's buddy must not be free at the same order (merging is maximal). */
static int check_merged(struct check *c)
{
    const struct phys_zone *z = check_zone_of(c);
    for (size_t i = 0; i < c->nr_refs; i++) {
        uint64_t pfn = c->refs[i].pfn;
        unsigned order = c->refs[i].order;
        uint64_t buddy = pfn ^ (1ull << order);
        if (order < PHYS_TOP_ORDER && buddy_is_free(c->phys, z, buddy, order))
            return fail(
                c,
                "node %u zone %s order %u: free buddies at pfn 0x%llx and 0x%llx were not merged",
                c->nid, zone_names[c->zid], order, (unsigned long long)pfn,
                (unsigned long long)buddy);
    }
    return 0;
}

/* Checks a node's zones, then its use counts and conservation. Returns 0 or -1. */
static int check_node(struct check *c, unsigned nid)
{
    const struct phys_node *n = &c->phys->nodes[nid];
    uint64_t free = 0, used = 0;
    memset(c->used, 0, sizeof(c->used));
    c->nid = nid;
    for (c->zid = 0; c->zid < VML_NR_ZONES; c->zid++) {
        if (check_lists(c) != 0 || check_tiling(c) != 0 || check_merged(c) != 0)
            return -1;
        free += n->zones[c->zid].free_pages;
    }
    for (unsigned u = 0; u < VML_NR_USES; u++) {
        if (n->used[u] != c->used[u])
            return fail(c, "node %u: used[%s] is %llu but allocated blocks hold %llu frames", nid,
                        use_names[u], (unsigned long long)n->used[u],
                        (unsigned long long)c->used[u]);
        used += n->used[u];
    }
    if (free + used != n->pages)
        return fail(c, "node %u: free %llu + used %llu != total %llu", nid,
                    (unsigned long long)free, (unsigned long long)used,
                    (unsigned long long)n->pages);
    return 0;
}

int vml_phys_check(const struct vml_phys *phys, char *why, size_t len)
{
    struct check c = { .phys = phys, .why = why, .len = len };
    int rc = 0;
    if (why && len)
        why[0] = '\0';
    for (unsigned nid = 0; rc == 0 && nid < phys->nr_nodes; nid++)
        rc = check_node(&c, nid);
    free(c.refs);
    return rc;
}

enum vml_frame_use vml_phys_frame_use(const struct vml_phys *phys, uint64_t pfn)
{
    struct phys_block b;
    phys_block_at(phys, pfn, &b);
    return b.free ? VML_USE_FREE : (enum vml_frame_use)phys_frame(phys, b.head)->use;
}
