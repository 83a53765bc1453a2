/* phys.h: simulated physical memory: NUMA nodes, zones, a buddy allocator, frame use.
 *
 * Models the page allocator of mm/page_alloc.c at the level the rest of vmlab needs: every
 * node is a contiguous range of frames split into zones (DMA below 16 MiB, DMA32 below 4 GiB,
 * Normal above, as on x86-64), each zone has a buddy allocator with orders 0..VML_MAX_ORDER
 * (MAX_PAGE_ORDER), and 1 GiB pages come from a contiguous-range allocator beside it, as
 * alloc_contig_pages() serves hugetlb's gigantic pages. Frames are named by pfn. Frame
 * metadata is allocated lazily, one 128 MiB section at a time, so host memory follows what is
 * used, not the simulated RAM size.
 *
 *   node 0                                  node 1
 *   [DMA 0-16M][DMA32 16M-4G][Normal 4G-..] [Normal ..................]
 */
#ifndef VMLAB_PHYS_H
#define VMLAB_PHYS_H

#include "vmlab/base.h"

#define VML_MAX_NODES       8
#define VML_MAX_ORDER       10 /* MAX_PAGE_ORDER on x86-64: largest buddy block, 4 MiB */
#define VML_NR_ORDERS       (VML_MAX_ORDER + 1) /* NR_PAGE_ORDERS: /proc/buddyinfo's columns */
#define VML_GIGANTIC_ORDER  18 /* a 1 GiB page: 2^18 frames, from vml_phys_alloc_contig() */
#define VML_PHYS_MAX        (8ull << 40) /* largest simulated RAM: 8 TiB */
#define VML_PHYS_ALIGN      (2ull << 20) /* node sizes are multiples of 2 MiB */
#define VML_LOCAL_DISTANCE  10
#define VML_REMOTE_DISTANCE 20

enum vml_zone {
    VML_ZONE_DMA = 0,    /* [0, 16 MiB) */
    VML_ZONE_DMA32 = 1,  /* [16 MiB, 4 GiB) */
    VML_ZONE_NORMAL = 2, /* [4 GiB, ...) */
    VML_NR_ZONES = 3,
};

/* What an allocated frame is used for; phys counts frames per use and node so that the
 * conservation invariant (free + sum of uses = total) can be checked. */
enum vml_frame_use {
    VML_USE_FREE = 0,  /* in the buddy allocator */
    VML_USE_KERNEL,    /* reserved/kernel memory */
    VML_USE_PGTABLE,   /* a page table (carries 4 KiB of content) */
    VML_USE_ANON,      /* anonymous memory */
    VML_USE_FILE,      /* page cache */
    VML_USE_SHMEM,     /* shmem/tmpfs */
    VML_USE_HUGETLB,   /* hugetlbfs pool */
    VML_USE_SWAPCACHE, /* swap cache */
    VML_USE_ZERO,      /* the shared zero page(s) */
    VML_USE_TEST,      /* frames allocated by tests and demos */
    VML_NR_USES,
};

struct vml_phys_config {
    uint64_t ram_bytes;                 /* total RAM, bytes; ignored if node_bytes set */
    unsigned nr_nodes;                  /* 1..VML_MAX_NODES */
    uint64_t node_bytes[VML_MAX_NODES]; /* per-node RAM; all 0 = split ram_bytes evenly */
    uint8_t distance[VML_MAX_NODES][VML_MAX_NODES]; /* SLIT; all 0 = 10 local, 20 remote */
};

/* Frames of one node, counted by use; total = free + sum of used[]. */
struct vml_phys_usage {
    uint64_t total;             /* frames in the node */
    uint64_t free;              /* frames in the buddy allocator */
    uint64_t used[VML_NR_USES]; /* allocated frames by use (used[VML_USE_FREE] is 0) */
    /* Since creation (the kernel's pgalloc_* and pgfree events): */
    uint64_t allocated[VML_NR_ZONES];       /* frames allocated from each zone */
    uint64_t allocated_by_use[VML_NR_USES]; /* frames allocated, by use */
    uint64_t freed;                         /* frames freed */
};

struct vml_phys;

/* Creates a machine's physical memory, all of it free. Even split: each node but the last gets
 * ram_bytes / nr_nodes rounded down to 2 MiB, the last the rest. Returns VML_EINVAL (diag says
 * which value is wrong; diag may be NULL) or VML_EHOST. */
int vml_phys_create(const struct vml_phys_config *cfg, struct vml_phys **out,
                    struct vml_diag *diag);

/* Frees everything; accepts NULL. */
void vml_phys_destroy(struct vml_phys *phys);

/* Allocates a block of 2^order frames, order 0..VML_MAX_ORDER, on a node, trying zones Normal,
 * DMA32, DMA in that order (no other node: fallback across nodes is policy, see mm/). The block
 * is aligned to its size. Counts as allocated (pgalloc_*). Returns VML_ENOMEM when the node has
 * no free block of that order, VML_EINVAL for a bad node, order or use, VML_EHOST if frame
 * metadata could not be allocated. */
int vml_phys_alloc(struct vml_phys *phys, unsigned node, unsigned order, enum vml_frame_use use,
                   uint64_t *pfn);

/* Returns a block from vml_phys_alloc() to the buddy allocator, merging it with free buddies.
 * pfn and order must be exactly those of the allocation (asserted). Any content attached to its
 * frames is freed. */
void vml_phys_free(struct vml_phys *phys, uint64_t pfn, unsigned order);
/* Makes an allocated block of order (at most VML_MAX_ORDER) 2^order allocated order-0 blocks
 * (split_page), each freed on its own afterwards. */
void vml_phys_split(struct vml_phys *phys, uint64_t pfn, unsigned order);

/* Allocates 1 GiB (2^VML_GIGANTIC_ORDER frames, aligned to its size) on a node as
 * alloc_contig_pages() does for a gigantic page: zones Normal, DMA32, DMA, in each the lowest
 * aligned range whose frames are all free and all in that zone. Nothing is migrated to make
 * room. Not counted as allocated (alloc_contig_range() takes frames off the free lists without
 * the page allocator's pgalloc events). Returns VML_ENOMEM when no such range exists,
 * VML_EINVAL for a bad node or use, VML_EHOST if frame metadata could not be allocated. */
int vml_phys_alloc_contig(struct vml_phys *phys, unsigned node, enum vml_frame_use use,
                          uint64_t *pfn);

/* Returns a range from vml_phys_alloc_contig() to the buddy allocator (counted as freed, as
 * freeing a gigantic folio counts pgfree). pfn must be exactly that of the allocation
 * (asserted). Any content attached to its frames is freed. */
void vml_phys_free_contig(struct vml_phys *phys, uint64_t pfn);

/* What the block holding pfn is used for (VML_USE_FREE when free). */
enum vml_frame_use vml_phys_frame_use(const struct vml_phys *phys, uint64_t pfn);
unsigned vml_phys_nr_nodes(const struct vml_phys *phys);
uint64_t vml_phys_total_pages(const struct vml_phys *phys);
/* First pfn and number of frames of a node. */
uint64_t vml_phys_node_start(const struct vml_phys *phys, unsigned node);
uint64_t vml_phys_node_pages(const struct vml_phys *phys, unsigned node);
/* Node of a pfn (the pfn must be below vml_phys_total_pages). */
unsigned vml_phys_pfn_node(const struct vml_phys *phys, uint64_t pfn);
/* SLIT distance between two nodes. */
unsigned vml_phys_distance(const struct vml_phys *phys, unsigned from, unsigned to);

/* Fills the use counts of one node. */
void vml_phys_usage(const struct vml_phys *phys, unsigned node, struct vml_phys_usage *out);

/* Number of free blocks of an order 0..VML_MAX_ORDER in a node's zone, as the kernel counts
 * them (0 for an empty zone or an order out of range). */
uint64_t vml_phys_nr_free(const struct vml_phys *phys, unsigned node, enum vml_zone zone,
                          unsigned order);

/* Returns /proc/buddyinfo text for every populated zone ("Node 0, zone   Normal" then one
 * "%6lu " column per order 0..VML_MAX_ORDER, vml_phys_nr_free()'s counts), malloc'd; the caller
 * frees it. NULL if the host is out of memory. */
char *vml_phys_buddyinfo(const struct vml_phys *phys);

/* Host bytes this object holds (frame metadata, page contents, bookkeeping), as allocated. */
uint64_t vml_phys_host_bytes(const struct vml_phys *phys);

/* Invariant checker: free lists well formed, blocks aligned and not overlapping, buddies of
 * free blocks not both free at the same order, counts per use equal to the frames' tags, free +
 * used = total per node. Returns 0, or -1 with a description in why. */
int vml_phys_check(const struct vml_phys *phys, char *why, size_t len);

#endif
