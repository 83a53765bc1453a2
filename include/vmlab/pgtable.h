/* pgtable.h: x86-64 page tables in their real bit format, stored in simulated frames.
 *
 * Models arch/x86/include/asm/pgtable_types.h (entry bits) and the table operations of
 * mm/memory.c at the hardware level: one address space = a root table (what CR3 points to)
 * and a paging mode (4-level, 48-bit; or 5-level, 57-bit). Every table is a frame from phys
 * with 4 KiB of content holding 512 little 64-bit entries, so table memory is counted.
 *
 *  63 62..59 58..52 51 ................................ 12 11..9 8 7  6 5 4   3   2  1  0
 * +--+------+------+------------------------------------+-----+-+--+-+-+---+---+--+--+-+
 * |NX| PKEY |  SW  |            PFN (4 KiB frame)       | SW  |G|PS|D|A|PCD|PWT|US|RW|P|
 * +--+------+------+------------------------------------+-----+-+--+-+-+---+---+--+--+-+
 *  PS = 1 in a PD entry: 2 MiB leaf (PFN bits 21..51, bit 12 is PAT); in a PDPT entry: 1 GiB.
 *
 * Levels are numbered as the walk meets them: 5 = PML5, 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT.
 */
#ifndef VMLAB_PGTABLE_H
#define VMLAB_PGTABLE_H

#include "vmlab/base.h"

#define VML_PTE_P         (1ull << 0)           /* present */
#define VML_PTE_RW        (1ull << 1)           /* writable */
#define VML_PTE_US        (1ull << 2)           /* user accessible */
#define VML_PTE_PWT       (1ull << 3)           /* write-through */
#define VML_PTE_PCD       (1ull << 4)           /* cache disable */
#define VML_PTE_A         (1ull << 5)           /* accessed: set by the walk */
#define VML_PTE_D         (1ull << 6)           /* dirty: set by the walk on write (leaves) */
#define VML_PTE_PS        (1ull << 7)           /* page size: leaf in a PD or PDPT entry */
#define VML_PTE_PAT       (1ull << 7)           /* PAT bit of a 4 KiB PT entry */
#define VML_PTE_G         (1ull << 8)           /* global: survives CR3 loads */
#define VML_PTE_SPECIAL   (1ull << 9)           /* software bit 1: Linux _PAGE_SPECIAL */
#define VML_PTE_PAT_LARGE (1ull << 12)          /* PAT bit of a 2 MiB / 1 GiB leaf */
#define VML_PTE_NX        (1ull << 63)          /* no execute */
#define VML_PTE_PFN_MASK  0x000ffffffffff000ull /* bits 12..51 */

/* Entry <-> frame number. */
static inline uint64_t vml_pte_pfn(uint64_t e)
{
    return (e & VML_PTE_PFN_MASK) >> 12;
}

enum vml_pt_level {
    VML_PT_PT = 1,   /* 4 KiB leaves */
    VML_PT_PD = 2,   /* 2 MiB leaves or pointers to PTs */
    VML_PT_PDPT = 3, /* 1 GiB leaves or pointers to PDs */
    VML_PT_PML4 = 4,
    VML_PT_PML5 = 5,
};

/* Bits of virtual address one entry at a level covers: 12, 21, 30, 39, 48. */
static inline unsigned vml_level_shift(unsigned level)
{
    return 12u + 9u * (level - 1u);
}

/* Table index of va at a level (0..511). */
static inline unsigned vml_level_index(uint64_t va, unsigned level)
{
    return (unsigned)((va >> vml_level_shift(level)) & 511u);
}

/* True when bits 63..(47 or 56) of va are all equal (levels = 4 or 5). */
static inline bool vml_va_canonical(uint64_t va, unsigned levels)
{
    unsigned top = levels == 5 ? 56u : 47u;
    int64_t s = (int64_t)(va << (63u - top)) >> (63u - top);
    return (uint64_t)s == va;
}

/* A leaf entry found by lookup or iteration. */
struct vml_pt_leaf {
    uint64_t va;        /* first virtual address the entry maps */
    uint64_t entry;     /* the raw entry */
    uint64_t table_pfn; /* frame of the table holding it */
    unsigned index;     /* its index in that table */
    unsigned level;     /* 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB) */
};

struct vml_pt_stats {
    uint64_t tables[6]; /* tables per level, index 1..5 (root included at its level) */
    uint64_t nr_tables; /* all table frames, root included */
};

struct vml_pt;
struct vml_phys;

/* Creates an empty address space: allocates the root table on node, and every later table
 * there too. levels is 4 or 5. VML_EINVAL, VML_ENOMEM, VML_EHOST. */
int vml_pt_create(struct vml_phys *phys, unsigned levels, unsigned node, struct vml_pt **out);

/* A source of table frames: stores the pfn of a new order-0 frame of phys tagged
 * VML_USE_PGTABLE with 4 KiB of zeroed content (what hw/phys.h's phys_alloc_table gives), or
 * returns VML_ENOMEM / VML_EHOST having changed nothing. */
typedef int (*vml_pt_alloc_fn)(void *ctx, uint64_t *pfn);

/* The same, with every table frame, root included, taken from alloc (called with ctx): the
 * simulated kernel's allocator chooses the node and falls back to others. */
int vml_pt_create_alloc(struct vml_phys *phys, unsigned levels, vml_pt_alloc_fn alloc, void *ctx,
                        struct vml_pt **out);

/* Where the table frames go when freed: free(ctx, pfn) instead of back to phys (the owner's
 * allocator accounts them; ctx is create_alloc's). NULL: back to phys. */
typedef void (*vml_pt_free_fn)(void *ctx, uint64_t pfn);
void vml_pt_set_free(struct vml_pt *pt, vml_pt_free_fn free_fn);

/* Frees every table frame, root included; the frames leaves point to are the caller's.
 * Accepts NULL. */
void vml_pt_destroy(struct vml_pt *pt);

uint64_t vml_pt_root(const struct vml_pt *pt); /* pfn of the root table (CR3) */
unsigned vml_pt_levels(const struct vml_pt *pt);

/* Maps one page of size ps at va to the frame pfn (page-aligned for that size). flags: any of
 * RW, US, PWT, PCD, A, D, G, SPECIAL, NX; P (and PS for 2M/1G) are added. Tables are allocated
 * as needed, where the address space takes its frames from. Errors (state unchanged, tables
 * allocated by the call freed): VML_ENONCANON; VML_EINVAL for misalignment, bad flags or a pfn
 * beyond RAM; VML_EEXIST if any entry already maps part of [va, va+size); VML_ENOMEM / VML_EHOST if
 * a table frame cannot be had. */
int vml_pt_map(struct vml_pt *pt, uint64_t va, uint64_t pfn, enum vml_page_size ps, uint64_t flags);

/* pmd_none: no PT table and no 2 MiB leaf covers va (its PD entry is empty or missing). */
bool vml_pt_pmd_none(const struct vml_pt *pt, uint64_t va);
/* Replaces the 2 MiB leaf at va (2 MiB aligned) by a PT table, table_pfn: an empty table frame
 * the caller allocated (a THP's deposited table). Its 512 entries map the huge page's frames in
 * order, or all the same frame when same_pfn (a huge zero page split into the small zero page),
 * with the leaf's flags. VML_EINVAL when va holds no 2 MiB leaf or the table is not an empty
 * table frame; VML_ENOENT when va's tables do not reach level 2. */
int vml_pt_split_huge(struct vml_pt *pt, uint64_t va, uint64_t table_pfn, bool same_pfn);
/* The reverse: the PT table under va's PMD entry is replaced by a 2 MiB leaf of pfn (aligned)
 * with flags (as vml_pt_map takes them); the table, its entries cleared, leaves the tree and
 * its pfn is stored in *table_pfn for the caller to keep (deposit) or free. The caller has
 * dropped the small entries' pages. VML_EINVAL when va's PMD entry is not a table. */
int vml_pt_collapse_huge(struct vml_pt *pt, uint64_t va, uint64_t pfn, uint64_t flags,
                         uint64_t *table_pfn);

/* Called once per leaf removed or changed; the leaf holds the entry as it was. */
typedef void (*vml_pt_leaf_fn)(const struct vml_pt_leaf *leaf, void *ctx);

#define VML_PT_KEEP_TABLES 1u /* unmap: leave emptied tables in place (Linux's zap path) */
/* unmap with KEEP_TABLES: still free every PT (level 1) table whose whole 2 MiB lies in the
 * range (CONFIG_PT_RECLAIM's zap) */
#define VML_PT_FREE_PT 2u

/* Clears every leaf entry in [start, end) (page-aligned), calling fn (may be NULL) for each.
 * Tables left empty are freed, bottom up, unless VML_PT_KEEP_TABLES (then only the PT tables
 * VML_PT_FREE_PT asks for, each empty once its range is cleared). A 2 MiB or 1 GiB leaf
 * that straddles start or end is an error: VML_EINVAL before anything changes (split it first).
 * Returns the number of leaves cleared, or a negative error. */
int64_t vml_pt_unmap(struct vml_pt *pt, uint64_t start, uint64_t end, unsigned flags,
                     vml_pt_leaf_fn fn, void *ctx);

/* Frees the tables in [start, end) that hold no entry (models free_pgtables() after munmap,
 * where zap left tables in place). Returns the number of tables freed. */
uint64_t vml_pt_free_empty(struct vml_pt *pt, uint64_t start, uint64_t end);

/* For every present leaf in [start, end): entry = (entry & ~clear) | set, calling fn (may be
 * NULL) with the old entry of each leaf whose value changed. set and clear may hold RW, US, PWT,
 * PCD, A, D, G, NX only. A straddling huge leaf is VML_EINVAL before anything changes.
 * Returns the number of entries changed, or a negative error. */
int64_t vml_pt_protect(struct vml_pt *pt, uint64_t start, uint64_t end, uint64_t set,
                       uint64_t clear, vml_pt_leaf_fn fn, void *ctx);

/* Points the 4 KiB leaf mapping va at frame pfn, every flag kept (what page migration's
 * remove_migration_pte leaves). VML_ENOENT when no 4 KiB leaf maps va; VML_EINVAL for a pfn
 * beyond RAM. */
int vml_pt_remap(struct vml_pt *pt, uint64_t va, uint64_t pfn);

/* Writes the raw 4 KiB entry at va (non-zero: present, or a swap entry the MMU faults on),
 * replacing whatever 4 KiB entry is there and allocating the tables down to it (what the
 * kernel's set_pte_at does for swap entries: try_to_unmap, copy_nonpresent_pte). VML_EINVAL for a
 * zero entry, an unaligned va or a present entry's pfn beyond RAM; VML_EEXIST when a huge leaf
 * covers va; VML_ENOMEM / VML_EHOST for a table (nothing changed). */
int vml_pt_set_pte(struct vml_pt *pt, uint64_t va, uint64_t entry);

/* Finds the leaf entry mapping va. Returns 0, VML_ENOENT (nothing there) or VML_ENONCANON. */
int vml_pt_lookup(const struct vml_pt *pt, uint64_t va, struct vml_pt_leaf *out);

/* Writes entry (non-zero) where leaf is: the leaf vml_pt_lookup found, no table having changed
 * since (as the kernel writes through the PTE pointer its walk left it: set_pte_at,
 * ptep_test_and_clear_young). What vml_pt_set_pte or vml_pt_protect would write there, without
 * walking the tables again. VML_EINVAL for a zero entry or a present entry's pfn beyond RAM. */
int vml_pt_leaf_set(struct vml_pt *pt, const struct vml_pt_leaf *leaf, uint64_t entry);

/* Calls fn for every non-zero leaf entry overlapping [start, end), in address order; stops and
 * returns fn's value as soon as it is non-zero; 0 when all were visited. */
typedef int (*vml_pt_visit_fn)(const struct vml_pt_leaf *leaf, void *ctx);
int vml_pt_for_each(const struct vml_pt *pt, uint64_t start, uint64_t end, vml_pt_visit_fn fn,
                    void *ctx);

/* Entry index (0..511) of the table in frame table_pfn, which must be one of pt's tables (an
 * inspector's read: vmlab run --html shows the tree). */
uint64_t vml_pt_entry(const struct vml_pt *pt, uint64_t table_pfn, unsigned index);
void vml_pt_stats(const struct vml_pt *pt, struct vml_pt_stats *out);

/* Invariant checker: every table frame is tagged VML_USE_PGTABLE, each table's count of
 * non-zero entries is right, non-leaf entries point at table frames, no PS bit at levels
 * 4/5, huge leaves aligned, per-level counts agree. Returns 0, or -1 with why filled. */
int vml_pt_check(const struct vml_pt *pt, char *why, size_t len);

#endif
