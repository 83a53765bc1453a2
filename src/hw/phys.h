/* hw/phys.h: internal view of simulated physical memory (struct frame, sections, zones).
 *
 * Layout of the allocator (phys.c):
 *   - RAM is cut into sections of 2^SECTION_ORDER frames (128 MiB, as Linux's SPARSEMEM).
 *     A section's frame metadata (struct frame[32768]) is calloc'd the first time any block
 *     smaller than a section is carved out of it, or a block covering it is allocated.
 *   - Free blocks of order >= SECTION_ORDER are linked through the section table (always
 *     present, 24 bytes a section), so a 1 TiB machine costs no frame metadata while free.
 *   - Free blocks of order < SECTION_ORDER are linked through their head frame's lru links
 *     (PGF_BUDDY set, order holds the order), as Linux links free pages through page->lru.
 *   - Allocated blocks tag only their head frame (use, order, PGF_HEAD); tails stay zero.
 *   - Free blocks merge up to PHYS_TOP_ORDER (1 GiB), past Linux's MAX_PAGE_ORDER (10): a free
 *     aligned 2^k frames, k > 10, is one block here and 2^(k-10) order-10 blocks in Linux's
 *     lists. Everything public shows Linux's view (vml_phys_nr_free(), buddyinfo); why the two
 *     agree is in docs/design.md, "hw/phys".
 */
#ifndef VMLAB_HW_PHYS_H
#define VMLAB_HW_PHYS_H

#include "util/hostmem.h"
#include "vmlab/phys.h"

#define FRAME_NONE     UINT32_MAX /* no pfn: end of a list */
#define SECTION_ORDER  15u        /* 2^15 frames = 128 MiB */
#define SECTION_FRAMES (1u << SECTION_ORDER)
#define SECTION_NONE   UINT32_MAX
#define PHYS_TOP_ORDER 18u /* largest free block kept: VML_GIGANTIC_ORDER */
#define PHYS_NR_ORDERS (PHYS_TOP_ORDER + 1)

/* frame flags */
#define PGF_BUDDY (1u << 0) /* head of a free block of order < SECTION_ORDER */
#define PGF_HEAD  (1u << 1) /* head of an allocated block */

/* Frame metadata, 64 bytes: hw uses flags..data, the simulated kernel (mm/) the rest. */
struct frame {
    uint32_t flags;    /* PGF_* */
    uint8_t order;     /* order of the block this frame heads (free or allocated) */
    uint8_t node;      /* NUMA node */
    uint8_t zone;      /* enum vml_zone */
    uint8_t use;       /* enum vml_frame_use of the block (head only) */
    int32_t refcount;  /* references (mm/) */
    int32_t mapcount;  /* leaf entries mapping the frame (mm/) */
    uint32_t lru_prev; /* pfn; buddy free list while free, LRU list while allocated */
    uint32_t lru_next; /* pfn */
    uint16_t aux;      /* page tables: number of non-zero entries (at most 512); user pages: the
                        * VM_LOCKED mappings (mm/) */
    uint16_t memcg;    /* the memory cgroup charged for the folio or table (mm/memcontrol.c:
                        * folio->memcg_data), by id; 0 = the root cgroup */
    uint32_t aux2;     /* spare, 0 */
    uint64_t *data;    /* 4 KiB of content (page tables), or NULL */
    uint64_t mapping;  /* owner: anon lineage or file (mm/) */
    uint64_t index;    /* page offset in the owner (mm/) */
    uint64_t priv;     /* swap entry and other private data (mm/) */
};

struct phys_section {
    struct frame *frames; /* SECTION_FRAMES entries, or NULL until needed */
    uint32_t free_prev;   /* section index: section-level free list links */
    uint32_t free_next;
    uint8_t free_order; /* order of the free block this section heads (>= SECTION_ORDER), or 0xff */
};

struct phys_free_area {
    uint64_t head;    /* pfn of the first free block (frame- or section-linked), or FRAME_NONE */
    uint64_t nr_free; /* free blocks of this order */
};

struct phys_zone {
    uint64_t start, end; /* pfn range [start, end); start == end: empty */
    uint64_t free_pages;
    struct phys_free_area free_area[PHYS_NR_ORDERS]; /* by internal order, 0..PHYS_TOP_ORDER */
};

struct phys_node {
    uint64_t start, pages; /* pfn range */
    struct phys_zone zones[VML_NR_ZONES];
    uint64_t used[VML_NR_USES];             /* allocated frames by use */
    uint64_t allocated[VML_NR_ZONES];       /* frames ever allocated from each zone (pgalloc_*) */
    uint64_t allocated_by_use[VML_NR_USES]; /* frames ever allocated, by use */
    uint64_t freed;                         /* frames ever freed (pgfree) */
};

struct vml_phys {
    unsigned nr_nodes;
    uint64_t total_pages;
    struct phys_node nodes[VML_MAX_NODES];
    uint8_t distance[VML_MAX_NODES][VML_MAX_NODES];
    struct phys_section *sections;
    uint32_t nr_sections;
    uint64_t host_bytes; /* bytes allocated from the host (metadata, contents) */
    uint64_t data_gen;   /* bumped whenever content is freed: a pfn -> content pointer cached
                          * under an older value may dangle */
    void *data_pool;     /* content chunks with a free 4 KiB block (phys.c) */
    void *data_chunks;   /* content chunks with every block in use (phys.c) */
    struct hostmem_pool data_host; /* where chunks come from: 2 MiB host huge-page arenas */
};

/* Metadata of a pfn, or NULL if its section has none (the frame is free in a large block). */
static inline struct frame *phys_frame(const struct vml_phys *phys, uint64_t pfn)
{
    const struct phys_section *s = &phys->sections[pfn >> SECTION_ORDER];
    return s->frames ? &s->frames[pfn & (SECTION_FRAMES - 1)] : NULL;
}

/* Content of a frame (page tables), or NULL if it has none. */
static inline uint64_t *phys_data(const struct vml_phys *phys, uint64_t pfn)
{
    const struct frame *f = phys_frame(phys, pfn);
    return f ? f->data : NULL;
}

/* Allocates an order-0 frame tagged VML_USE_PGTABLE with 4 KiB of zeroed content, on node
 * (falling back to no other node). VML_ENOMEM, VML_EHOST; nothing changed on failure. */
int phys_alloc_table(struct vml_phys *phys, unsigned node, uint64_t *pfn);
/* vml_phys_alloc and phys_alloc_table from the zones whose bit (1u << enum vml_zone) is set in
 * zones only (the page allocator's watermark checks choose them, mm/page.c). */
#define PHYS_ALL_ZONES ((1u << VML_NR_ZONES) - 1)
int phys_alloc_zones(struct vml_phys *phys, unsigned node, unsigned order, enum vml_frame_use use,
                     unsigned zones, uint64_t *pfn);
int phys_alloc_table_zones(struct vml_phys *phys, unsigned node, unsigned zones, uint64_t *pfn);

/* Attaches 4 KiB of zeroed content to an allocated frame that has none. VML_EHOST. */
int phys_attach_data(struct vml_phys *phys, uint64_t pfn);

/* The block, free or allocated, that holds pfn: what a scanner walking physical memory sees
 * there (compaction's PageBuddy / buddy_order / compound_order tests). */
struct phys_block {
    uint64_t head;  /* its first pfn */
    unsigned order; /* its order (internal: free blocks merge up to PHYS_TOP_ORDER) */
    bool free;      /* in the buddy allocator */
};
void phys_block_at(const struct vml_phys *phys, uint64_t pfn, struct phys_block *out);

/* Takes the free frames [pfn, pfn + 2^order) (pfn aligned to the order) off the buddy allocator
 * as one block of use: the free block holding them is split around them, the other pieces
 * staying free (isolate_freepages_block taking a buddy page, compaction_alloc splitting it to
 * the size asked). Counts no pgalloc event. VML_EINVAL if they are not one free block's part,
 * VML_EHOST (nothing changed). */
int phys_take_free(struct vml_phys *phys, uint64_t pfn, unsigned order, enum vml_frame_use use);

#endif
