/* mm/vma.h: an address space's VMAs (struct vma_set) and mmap placement (struct mmap_layout).
 *
 * A pure data-structure module for the simulated kernel: it knows address ranges and their
 * attributes, never page tables or frames. The caller does the page-table work around each call
 * (zap and free tables for the pieces vma_unmap_range hands back, change PTE rights for the
 * range vma_change reports as done).
 *
 * Rules modelled on Linux 6.18 (each cited where implemented):
 *   - merging a new range with its neighbours (mm/vma.c: vma_merge_new_range),
 *   - merging after a change of attributes, else splitting (mm/vma.c: vma_modify,
 *     vma_merge_existing_range), __split_vma's pgoff arithmetic,
 *   - munmap's splits and vm.max_map_count (mm/vma.c: vms_gather_munmap_vmas),
 *   - top-down placement from mmap_base, hints, MAP_FIXED(_NOREPLACE), THP alignment
 *     (arch/x86/kernel/sys_x86_64.c, mm/mmap.c, mm/huge_memory.c; see mmap_layout.c).
 *
 * Ownership: the set owns its struct vma objects; pointers to them stay valid until a mutating
 * call merges, unmaps or destroys them (every mutating call says which VMA survives). Strings
 * (name, anon_name) and the objects behind file and policy are borrowed: they must outlive every
 * VMA that points at them. String literals or vma_set_intern() strings (owned by the set, freed
 * with it) satisfy this.
 *
 * Fields of struct vma are read-only for callers except name, priv, anon and anon_forked: start,
 * end and flags feed the tree's ordering and gap bookkeeping and must change through this API.
 * anon may go from 0 to a lineage at the first fault (vma_anon_reusable() or a new one), and
 * anon_forked is set only on fork copies; other edits can break the merge invariant.
 */
#ifndef VMLAB_MM_VMA_H
#define VMLAB_MM_VMA_H

#include "vmlab/base.h"

#define VMA_PAGE_SHIFT 12
#define VMA_PAGE_SIZE  (1ull << VMA_PAGE_SHIFT)

/* vm_flags: Linux's VM_* bits with their values (include/linux/mm.h). Only some have meaning
 * here (noted); the others are carried for the simulated kernel and compared when merging. */
#define VM_NONE        0x00000000ull
#define VM_READ        0x00000001ull
#define VM_WRITE       0x00000002ull
#define VM_EXEC        0x00000004ull
#define VM_SHARED      0x00000008ull
#define VM_MAYREAD     0x00000010ull
#define VM_MAYWRITE    0x00000020ull
#define VM_MAYEXEC     0x00000040ull
#define VM_MAYSHARE    0x00000080ull
#define VM_GROWSDOWN   0x00000100ull /* stack: placement keeps stack_guard_gap below it */
#define VM_PFNMAP      0x00000400ull /* special: never merged */
#define VM_LOCKED      0x00002000ull
#define VM_IO          0x00004000ull /* special: never merged */
#define VM_SEQ_READ    0x00008000ull
#define VM_RAND_READ   0x00010000ull
#define VM_DONTCOPY    0x00020000ull
#define VM_DONTEXPAND  0x00040000ull /* special: never merged */
#define VM_LOCKONFAULT 0x00080000ull
#define VM_ACCOUNT     0x00100000ull
#define VM_NORESERVE   0x00200000ull
#define VM_HUGETLB     0x00400000ull
#define VM_WIPEONFORK  0x02000000ull
#define VM_DONTDUMP    0x04000000ull
#define VM_SOFTDIRTY   0x08000000ull /* ignored when comparing flags for a merge */
#define VM_MIXEDMAP    0x10000000ull /* special: never merged */
#define VM_HUGEPAGE    0x20000000ull
#define VM_NOHUGEPAGE  0x40000000ull
#define VM_MERGEABLE   0x80000000ull

#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_SPECIAL      (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_STACK        VM_GROWSDOWN
/* x86 VM_DATA_DEFAULT_FLAGS without READ_IMPLIES_EXEC: brk and the stack get these. */
#define VM_DATA_DEFAULT_FLAGS (VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC)
/* include/linux/mm.h: VM_STACK_FLAGS, as setup_arg_pages gives the initial stack. */
#define VM_STACK_FLAGS (VM_STACK | VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT)

/* include/linux/mm.h: DEFAULT_MAX_MAP_COUNT (USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN). */
#define VMA_DEFAULT_MAX_MAP_COUNT 65530u
/* mm/mmap.c: stack_guard_gap, 256 pages. */
#define VMA_DEFAULT_STACK_GUARD_GAP (256ull << VMA_PAGE_SHIFT)

enum vma_kind {
    VMA_ANON = 0, /* private anonymous (incl. brk and the stack): file is NULL */
    VMA_FILE = 1, /* file-backed, shared or private: file is the file object */
    VMA_SHMEM = 2 /* shmem/tmpfs, incl. MAP_SHARED|MAP_ANONYMOUS: file is the shmem object */
};

/* Automatic NUMA balancing's state of a VMA (struct vma_numab_state, kept by mm/numa_balancing.c):
 * zero until the scanner first sees it. The one task of the mm stands for the pid bits. */
struct vma_numab {
    bool init;           /* vma->numab_state allocated */
    int start_scan_seq;  /* the mm's scan sequence when first seen */
    int prev_scan_seq;   /* the sequence in which it was last scanned whole */
    uint64_t next_scan;  /* ns: not scanned before (scan_delay after it was first seen) */
    uint64_t pids_reset; /* ns: when pids_active ages next */
    bool pids_active[2]; /* the task took a hinting fault in it: before, in this window */
};

/* Tree links and gap bookkeeping: private to vma.c. */
struct vma_node {
    struct vma *left, *right, *parent; /* AVL tree keyed by start */
    struct vma *prev, *next;           /* address order */
    uint64_t gap;                      /* free bytes below this VMA (see vma.c) */
    uint64_t max_gap;                  /* largest gap in this subtree */
    int height;
};

struct vma {
    uint64_t start, end;   /* [start, end), page aligned, start < end */
    uint64_t flags;        /* VM_* */
    enum vma_kind kind;    /* anon, file, shmem */
    void *file;            /* backing object (file, shmem), NULL for anon; borrowed; identity
                            * is what merging compares */
    uint64_t pgoff;        /* offset in pages: into file for file/shmem; start >> 12 for anon,
                            * as do_mmap sets it (merges need contiguous pgoff for both) */
    uint64_t anon;         /* anon_vma lineage (which anon_vma the VMA's anon pages belong to);
                            * 0 = none yet (anon_vma_prepare happens at the first fault) */
    bool anon_forked;      /* the anon_vma_chain has more than one link: the VMA was copied by
                            * fork from one with an anon_vma (mm/vma.c: vma_is_fork_child) */
    const void *policy;    /* NUMA policy object, NULL = the task's; compared by identity, so
                            * equal policies must be one object; borrowed */
    const char *name;      /* what /proc/PID/maps shows: a path, "[heap]", "[stack]", or NULL.
                            * A label only: Linux derives [heap]/[stack] from brk and
                            * start_stack, so it is not compared when merging (a merged VMA
                            * keeps the survivor's label, or takes the other's if it had none) */
    const char *anon_name; /* prctl(PR_SET_VMA_ANON_NAME) name, shown as [anon:NAME]; compared
                            * by content when merging (anon_vma_name_eq); NULL = none */
    void *priv;            /* the caller's; copied to both halves on a split. mm/ keeps the
                            * open file (its readahead state) of a regular file VMA here and
                            * a hugetlb VMA's reserve map; merging compares it outside hugetlb */
    uint64_t swap_ra;      /* swap_readahead_info: the last swap fault's address, window and
                            * readahead hits (swapin.c; 0 = none yet) */
    bool copied;           /* placed by vma_insert (fork's dup_mmap): Linux never merges such a
                            * copy with its neighbours until a change to it tries, so the
                            * checker does not expect pairs involving it to have merged */
    struct vma_node n;     /* private */

    /* NUMA balancing's state (mm/numa_balancing.c); copied to both halves on a split. */
    struct vma_numab numab;
};

/* Next and previous VMA in address order, or NULL. */
static inline struct vma *vma_next(const struct vma *v)
{
    return v->n.next;
}

static inline struct vma *vma_prev(const struct vma *v)
{
    return v->n.prev;
}

static inline uint64_t vma_pages(const struct vma *v)
{
    return (v->end - v->start) >> VMA_PAGE_SHIFT;
}

/* Page offset (as pgoff) of addr inside v. */
static inline uint64_t vma_pgoff_at(const struct vma *v, uint64_t addr)
{
    return v->pgoff + ((addr - v->start) >> VMA_PAGE_SHIFT);
}

/* Hooks the set calls so the caller can keep priv consistent; any may be NULL. */
struct vma_set_ops {
    /* piece was cut off orig by a split (all fields copied, priv included); like vm_ops->open */
    void (*split)(void *ctx, struct vma *orig, struct vma *piece);
    /* v leaves the set and is freed right after: merged into a neighbour, unmapped (after the
     * unmap callback), or the set is destroyed */
    void (*release)(void *ctx, struct vma *v);
    /* An attribute change is about to give v a boundary at addr, inside it (split or merge
     * alike); like vma_adjust_trans_huge. May be NULL. */
    void (*boundary)(void *ctx, struct vma *v, uint64_t addr);
};

struct vma_set_config {
    uint32_t max_map_count;   /* vm.max_map_count; 0 = VMA_DEFAULT_MAX_MAP_COUNT */
    uint64_t stack_guard_gap; /* bytes; 0 = VMA_DEFAULT_STACK_GUARD_GAP (page aligned) */
    const struct vma_set_ops *ops;
    void *ops_ctx;
};

struct vma_set;

/* A new empty set; cfg may be NULL for the defaults. VML_EINVAL (guard gap not page aligned),
 * VML_EHOST. */
int vma_set_create(const struct vma_set_config *cfg, struct vma_set **out);
/* Releases (ops->release) and frees every VMA, then the set; accepts NULL. */
void vma_set_destroy(struct vma_set *set);

size_t vma_set_count(const struct vma_set *set);
uint32_t vma_set_max_map_count(const struct vma_set *set);
uint64_t vma_set_stack_guard_gap(const struct vma_set *set);

/* A copy of s owned by the set (equal strings share one copy), or NULL if the host is out of
 * memory. For name and anon_name. */
const char *vma_set_intern(struct vma_set *set, const char *s);

/* Lookups, O(log n). */
struct vma *vma_first(const struct vma_set *set);
struct vma *vma_last(const struct vma_set *set);
/* The VMA containing addr, or NULL (vma_lookup). */
struct vma *vma_find(const struct vma_set *set, uint64_t addr);
/* The first VMA ending above addr: the one containing it or the next one (find_vma). */
struct vma *vma_find_next(const struct vma_set *set, uint64_t addr);
/* The last VMA starting below addr, or NULL (with vma_find_next: find_vma_prev). */
struct vma *vma_find_prev(const struct vma_set *set, uint64_t addr);
/* The first VMA intersecting [start, end), or NULL (find_vma_intersection). */
struct vma *vma_find_intersection(const struct vma_set *set, uint64_t start, uint64_t end);

/* start minus the stack guard gap for VM_GROWSDOWN VMAs, floored at 0 (vm_start_gap). */
uint64_t vma_start_gap(const struct vma_set *set, const struct vma *v);

/* Could a (directly below b, a->end == b->start) and b be one VMA? The merge rules of
 * mm/vma.c: same flags (but VM_SOFTDIRTY), neither special, same kind, file and policy, equal
 * anon names, contiguous pgoff, and compatible anon lineages: equal, or one has none and the
 * other was not forked (is_mergeable_anon_vma). */
bool vma_can_merge(const struct vma *a, const struct vma *b);

/* The anon lineage a fault in v may adopt from a neighbour instead of starting a new one, or 0
 * (mm/rmap.c: find_mergeable_anon_vma). */
uint64_t vma_anon_reusable(const struct vma *v);

/* A mapping to create. */
struct vma_desc {
    uint64_t start, end; /* page aligned, start < end */
    uint64_t flags;
    enum vma_kind kind;
    void *file;
    uint64_t pgoff; /* ignored for VMA_ANON in vma_map (start >> 12 is used) */
    uint64_t anon;
    bool anon_forked;
    const void *policy;
    const char *name;
    const char *anon_name;
    void *priv; /* for a VMA created; unused when the range merges into a neighbour */
};

/* mmap_region: adds [start, end), which must be free (VML_EEXIST otherwise: for MAP_FIXED the
 * caller unmaps first), merging with the neighbours when the rules allow
 * (mm/vma.c: vma_merge_new_range). *out (may be NULL) is the VMA now covering the range: a new
 * one, or a neighbour that grew (whose priv, name and anon lineage it keeps; the neighbour above
 * is freed when both merge). Fails with VML_ENOMEM when the set already holds more than
 * max_map_count VMAs (do_mmap's check, which lets mmap reach max_map_count + 1), VML_EINVAL for
 * a bad range or a kind/file/flags mismatch (anon with VM_SHARED, file without object),
 * VML_EHOST. Nothing changes on failure. */
int vma_map(struct vma_set *set, const struct vma_desc *d, struct vma **out);

/* Adds [start, end) as its own VMA without merging or the map-count limit, with d->pgoff as
 * given: for copies (fork's dup_mmap, mremap's copy_vma). Same errors as vma_map otherwise. */
int vma_insert(struct vma_set *set, const struct vma_desc *d, struct vma **out);

/* split_vma: cuts v at addr (v->start < addr < v->end, page aligned). The new VMA (*piece, may
 * be NULL) is the part below addr if new_below, else the part above; v keeps the other part.
 * The upper part's pgoff advances by the pages below it (__split_vma). VML_EINVAL,
 * VML_ENOMEM (the set holds max_map_count VMAs or more), VML_EHOST; nothing changes on
 * failure. */
int vma_split(struct vma_set *set, struct vma *v, uint64_t addr, bool new_below,
              struct vma **piece);

/* Called once per removed piece, in address order, after the set has reached its final state
 * (so neighbours can be looked up, e.g. for free_pgtables' floor and ceiling). The piece is
 * detached; it is released and freed when the callback returns. */
typedef void (*vma_unmap_fn)(void *ctx, struct vma *piece);

/* munmap of [start, end) (page aligned, start < end; VML_EINVAL otherwise): splits the VMAs
 * straddling start and end and removes everything inside, calling fn (may be NULL) for each
 * removed piece. The parts outside the range stay in the original VMAs; removed pieces cut off a
 * straddling VMA are new. An empty range is not an error. VML_ENOMEM when one VMA strictly
 * contains the range and the set holds max_map_count VMAs or more
 * (mm/vma.c: vms_gather_munmap_vmas), VML_EHOST; nothing changes on failure. */
int vma_unmap_range(struct vma_set *set, uint64_t start, uint64_t end, vma_unmap_fn fn, void *ctx);

/* What a range change does about unmapped holes in the range. */
enum vma_holes {
    VMA_HOLES_STOP = 0, /* mprotect, mlock, munlock: stop at the first hole with VML_ENOMEM;
                         * the VMAs before it keep their change (do_mprotect_pkey,
                         * apply_vma_lock_flags) */
    VMA_HOLES_SKIP,     /* madvise: change every mapped part, then VML_ENOMEM if there was a
                         * hole (madvise_walk_vmas) */
    VMA_HOLES_IGNORE    /* change every mapped part, holes are no error */
};

/* Computes a piece's new flags: *flags holds (old & ~clear) | set and may be edited (e.g.
 * mprotect's VM_ACCOUNT rule); a negative return stops the change with that error. Called
 * before anything changes for the piece [start, end) of v. */
typedef int (*vma_flags_fn)(void *ctx, const struct vma *v, uint64_t start, uint64_t end,
                            uint64_t *flags);

struct vma_change {
    uint64_t clear, set; /* new flags = (old & ~clear) | set */
    bool change_anon_name;
    const char *anon_name; /* with change_anon_name: prctl(PR_SET_VMA_ANON_NAME) */
    bool change_policy;
    const void *policy; /* with change_policy: mbind */
    enum vma_holes holes;
    vma_flags_fn fn; /* optional */
    void *ctx;
};

/* Changes flags, anon name or policy of [start, end) (page aligned, start < end), VMA by VMA
 * in address order, as mprotect/mlock/madvise/mbind do (mm/vma.c: vma_modify): a piece whose
 * attributes do not change is left alone; otherwise it merges into a neighbour when the rules
 * allow (vma_merge_existing_range), else its VMA is split at the range ends and the VMA in the
 * middle (the original) takes the change. *done (may be NULL) is where processing stopped: end
 * on success, else the start of the hole or of the piece that failed; everything in
 * [start, *done) that is mapped has changed, nothing from *done on has. Errors: VML_EINVAL,
 * VML_ENOMEM for holes (per ch->holes) or a split beyond max_map_count, VML_EHOST, or the
 * callback's error. Each piece changes entirely or not at all (a departure: Linux can fail
 * its second split after the first, leaving a VMA split but unchanged). */
int vma_change(struct vma_set *set, uint64_t start, uint64_t end, const struct vma_change *ch,
               uint64_t *done);

/* vma_change with only flags: new flags = (old & ~clear) | set. */
int vma_change_flags(struct vma_set *set, uint64_t start, uint64_t end, uint64_t clear,
                     uint64_t set_bits, enum vma_holes holes, uint64_t *done);

/* expand_downwards: grows a VM_GROWSDOWN VMA down to addr (rounded down to a page; nothing to
 * do if it is not below v->start). VML_EINVAL if v does not grow down or addr lies inside the
 * previous VMA, VML_ENOMEM if addr comes within the stack guard gap of an accessible previous
 * VMA that does not grow down. The caller checks RLIMIT_STACK, mmap_min_addr and accounting. */
int vma_expand_down(struct vma_set *set, struct vma *v, uint64_t addr);

/* Checks the set's invariants: tree shape (AVL balance, parent links, heights, gap values),
 * address order, alignment, start < end, no overlap, kind/file consistency, the count, and no
 * two adjacent VMAs that Linux would have merged (pairs involving VM_GROWSDOWN are exempt:
 * expand_downwards never merges). Returns 0, or -1 with a reason in why. */
int vma_set_check(const struct vma_set *set, char *why, size_t n);

/* Test hook: the nth host allocation from now (1 = the next) fails as if the host were out of
 * memory; 0 disarms. */
void vma_set_fail_alloc(struct vma_set *set, unsigned nth);

/* Free-range search, O(log n), over the gaps between VMAs as vm_unmapped_area sees them (a
 * VM_GROWSDOWN VMA's gap ends stack_guard_gap below it). vma_gap_highest finds the highest range
 * of len bytes inside [low, high) and returns the end of the gap holding it, clipped to high
 * (mm/vma.c: unmapped_area_topdown); vma_gap_lowest the lowest, returning the start of the gap,
 * raised to low (unmapped_area). 0 or VML_ENOMEM. */
int vma_gap_highest(const struct vma_set *set, uint64_t low, uint64_t high, uint64_t len,
                    uint64_t *end);
int vma_gap_lowest(const struct vma_set *set, uint64_t low, uint64_t high, uint64_t len,
                   uint64_t *start);

/* ---- placement: mm/mmap_layout.c ----------------------------------------------------------- */

/* arch/x86/include/asm/page_64_types.h and page_64.h */
#define MMAP_TASK_SIZE_4LEVEL      ((1ull << 47) - VMA_PAGE_SIZE) /* TASK_SIZE_MAX, 4-level */
#define MMAP_TASK_SIZE_5LEVEL      ((1ull << 56) - VMA_PAGE_SIZE) /* TASK_SIZE_MAX, 5-level */
#define MMAP_DEFAULT_MAP_WINDOW    ((1ull << 47) - VMA_PAGE_SIZE) /* both modes */
#define MMAP_DEFAULT_MMAP_MIN_ADDR 65536ull                       /* vm.mmap_min_addr */
#define MMAP_PMD_SIZE              (2ull << 20)

/* How the process was exec'd. mmap_layout_config_default() fills the Linux defaults. */
struct mmap_layout_config {
    unsigned paging_levels;   /* 4 or 5 */
    bool aslr;                /* randomize_va_space=2 and no ADDR_NO_RANDOMIZE (setarch -R) */
    uint64_t seed;            /* with aslr: the "random" offsets are drawn from this seed */
    unsigned mmap_rnd_bits;   /* vm.mmap_rnd_bits, 28..32 */
    uint64_t rlimit_stack;    /* RLIMIT_STACK soft limit, bytes */
    uint64_t stack_guard_gap; /* must equal the set's */
    uint64_t mmap_min_addr;   /* vm.mmap_min_addr */
    bool legacy;              /* legacy bottom-up layout (vm.legacy_va_layout, ADDR_COMPAT) */
    uint64_t image_bytes;     /* the program from its load address to the end of its bss */
    uint64_t stack_arg_bytes; /* argument and environment pages at exec (rounded up to pages) */
    bool no_anon_thp_align;   /* a kernel before 6.7: anonymous mappings are not THP-aligned */
};

/* The numbers placement and exec use. */
struct mmap_layout {
    unsigned levels;
    uint64_t task_size;        /* TASK_SIZE_MAX: (1 << 47 or 56) - 4096 */
    uint64_t map_window;       /* DEFAULT_MAP_WINDOW: (1 << 47) - 4096 */
    uint64_t mmap_base;        /* top of the top-down search */
    uint64_t mmap_legacy_base; /* bottom of the bottom-up search */
    bool topdown;              /* MMF_TOPDOWN */
    uint64_t mmap_min_addr;
    uint64_t stack_guard_gap;
    uint64_t stack_start, stack_end; /* the initial [stack] VMA */
    uint64_t elf_base;               /* program load address (PIE) */
    uint64_t end_data;               /* end of the program's bss */
    uint64_t start_brk;              /* mm->start_brk, where [heap] begins */
    bool no_anon_thp_align;          /* from mmap_layout_config */
};

void mmap_layout_config_default(struct mmap_layout_config *cfg);

/* Computes the layout (arch/x86/mm/mmap.c: arch_pick_mmap_layout, fs/binfmt_elf.c,
 * fs/exec.c: setup_arg_pages). VML_EINVAL for a bad configuration. */
int mmap_layout_init(struct mmap_layout *l, const struct mmap_layout_config *cfg);

/* mmap flags for placement. */
#define MMAP_FIXED           0x1u  /* MAP_FIXED: the address as given (the caller unmaps) */
#define MMAP_FIXED_NOREPLACE 0x2u  /* MAP_FIXED_NOREPLACE: VML_EEXIST if anything is there */
#define MMAP_SHARED          0x4u  /* MAP_SHARED: shared anonymous memory is shmem */
#define MMAP_FILE            0x8u  /* file-backed (not MAP_ANONYMOUS) */
#define MMAP_FILE_THP        0x10u /* the file's get_unmapped_area is thp_get_unmapped_area */
#define MMAP_HUGE_2M         0x20u /* a hugetlbfs file of 2 MiB pages (hugetlb_get_unmapped_area) */
#define MMAP_HUGE_1G         0x40u /* a hugetlbfs file of 1 GiB pages */

/* get_unmapped_area: where a mapping of len bytes (page aligned, > 0) goes.
 * Without MMAP_FIXED: a hint (rounded down to a page, raised to mmap_min_addr) is used as-is if
 * the range is free, clear of a stack's guard gap and valid (below TASK_SIZE, not straddling the
 * 47-bit window); otherwise the highest free range below mmap_base that fits, searched from
 * mmap_base + (TASK_SIZE - DEFAULT_MAP_WINDOW) when the hint lies above the window (5-level
 * only: the increment is 0 with 4-level paging), and bottom-up from mmap_legacy_base if that
 * fails or the layout is legacy. Anonymous private mappings with no hint and a length that is a
 * multiple of 2 MiB are placed 2 MiB-aligned. With MMAP_FIXED the address is checked only
 * (VML_ENOMEM beyond TASK_SIZE, VML_EINVAL misaligned or below mmap_min_addr).
 * With MMAP_HUGE_2M or _1G (hugetlbfs): len must be a multiple of the huge page size and a
 * MMAP_FIXED address aligned to it (VML_EINVAL); a hint is rounded up to it and a searched
 * range aligned to it (vm_unmapped_area's align_mask).
 * pgoff (pages) matters only with MMAP_FILE_THP. Errors: VML_EINVAL, VML_ENOMEM (no room),
 * VML_EEXIST (MMAP_FIXED_NOREPLACE over a VMA). */
int mmap_get_unmapped_area(const struct vma_set *set, const struct mmap_layout *l, uint64_t hint,
                           uint64_t len, uint64_t pgoff, unsigned flags, uint64_t *addr);

/* Maps the initial [stack] VMA (VM_STACK_FLAGS) at [stack_start, stack_end). As vma_map. */
int mmap_map_stack(struct vma_set *set, const struct mmap_layout *l, struct vma **out);

#endif
