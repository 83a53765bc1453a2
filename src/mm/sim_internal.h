/* mm/sim_internal.h: the simulated kernel's state, shared by the files of mm/ and the /proc
 * views (mm/sim_view.c). Names follow Linux: mm, vma, task, page cache, rmap counts.
 */
#ifndef VMLAB_MM_SIM_INTERNAL_H
#define VMLAB_MM_SIM_INTERNAL_H

#include "hw/phys.h"
#include "mm/blockdev.h"
#include "mm/vma.h"
#include "mm/watermark.h"
#include "util/radix.h"
#include "vmlab/mmu.h"
#include "vmlab/pgtable.h"
#include "vmlab/sim.h"

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/* struct frame flags owned by mm/; hw uses bits 0..7. */
#define PGF_HW_MASK    0xffu
#define PGF_ANON       (1u << 8)  /* anonymous page (mapping = anon lineage) */
#define PGF_EXCLUSIVE  (1u << 9)  /* PageAnonExclusive: mapped by one process only */
#define PGF_DIRTY      (1u << 10) /* folio dirty (file pages: to be written back) */
#define PGF_CACHE      (1u << 11) /* in a file's page cache (mapping = the file's ino) */
#define PGF_SHMEMPG    (1u << 12) /* swap-backed page of a shmem object */
#define PGF_MLOCKED    (1u << 13) /* on the unevictable list because an mlocked VMA maps it */
#define PGF_ACTIVE     (1u << 14) /* on an active LRU list */
#define PGF_REFERENCED (1u << 15) /* PG_referenced: read or written through the page cache */
#define PGF_HUGETLB    (1u << 16) /* head of a hugetlb folio (pool page, free or in use) */
#define PGF_RESTORE                                                                                \
    (1u << 17) /* hugetlb: gives its reservation back when freed                                   \
                * (folio_test_hugetlb_restore_reserve) */
#define PGF_READAHEAD                                                                              \
    (1u << 18)                    /* PG_readahead: reaching it reads the next window (a            \
                                   * page-cache folio's, kept on its first page) */
#define PGF_LARGE      (1u << 20) /* head of an anonymous large folio (a THP): state in sim->folios */
#define PGF_SWAPCACHE  (1u << 22) /* in the swap cache: priv holds its swap entry (swp_entry) */
#define PGF_SWAPWB     (1u << 23) /* PG_writeback for a swap write: on sim->swap_wb until done */
#define PGF_RECLAIM    (1u << 24) /* PG_reclaim: written for reclaim, to the list's tail when done */
#define PGF_WORKINGSET (1u << 25) /* PG_workingset: was active once (folio_set_workingset) */
#define PGF_ZEROFILL                                                                               \
    (1u << 26) /* an order-0 anonymous page known to hold only zeros (nothing stored in it since   \
                * it was zeroed): swap-out takes it without I/O (zeromap.c) */
#define PGF_SHMEMSWAP (1u << 28) /* a shmem page in the swap cache (swap-backed, not anon) */
#define PGF_WRITEBACK                                                                              \
    (1u << 27) /* PG_writeback: a page-cache page whose write to the disk has been submitted and   \
                * has not completed (writeback.c); counted in NR_WRITEBACK */

/* LRU lists, in the kernel's order (enum lru_list). */
enum lru_list {
    LRU_INACTIVE_ANON,
    LRU_ACTIVE_ANON,
    LRU_INACTIVE_FILE,
    LRU_ACTIVE_FILE,
    LRU_UNEVICTABLE,
    NR_LRU_LISTS,
};

/* What Linux keeps in a large folio's struct folio beyond a page's: the mapcounts and the
 * deferred-split state (include/linux/mm_types.h: _entire_mapcount, _large_mapcount, _mm_id,
 * _deferred_list). The head frame's aux2 holds its index + 1 in sim->folios; each subpage's own
 * PTE mapcount stays in its frame's mapcount (page->_mapcount), zero in unmapped tail frames, so
 * a THP costs the allocator one head frame, not 512. */
struct large_folio {
    int32_t entire_mapcount; /* PMD mappings */
    int32_t large_mapcount;  /* every mapping: a PMD counts 1, each PTE 1 */
    uint32_t nr_mapped;      /* subpages mapped by at least one PTE */
    uint64_t mm_id[2];       /* the (at most two) address spaces mapping it, by ctx_id */
    int32_t mm_mapcount[2];  /* their mapping counts */
    bool maybe_shared;       /* a third mm mapped it once (folio_maybe_mapped_shared) */
    bool partially_mapped;   /* queued for deferred split (folio_test_partially_mapped) */
    uint32_t next_free;      /* free slots: index + 1 of the next, 0 = none */
    uint64_t head;           /* the head frame's pfn + 1; 0 while the slot is free */
};

/* A hugetlb pool (struct hstate): counts in huge pages, free pages on per-node LIFO lists linked
 * through their head frames' lru_next. */
struct hstate {
    bool exists;                      /* the CPU supports the size */
    unsigned order;                   /* 9 (2 MiB) or 18 (1 GiB) */
    uint64_t nr, free, resv, surplus; /* nr_huge_pages, free_, resv_ (may wrap below 0 for a
                                       * while, as Linux's does), surplus_huge_pages */
    uint64_t nr_node[VML_MAX_NODES], free_node[VML_MAX_NODES], surplus_node[VML_MAX_NODES];
    uint64_t free_head[VML_MAX_NODES]; /* pfn + 1 of the first free page, 0 = none */
    unsigned next_nid_to_alloc, next_nid_to_free;
};

/* One memory cgroup's LRU lists on one node (struct lruvec): folio heads linked through their
 * frames' lru_prev and lru_next, the most recently added at the head; reclaim takes from the
 * tail. Every folio is on its own cgroup's lists (folio_lruvec), the root cgroup's without a
 * cgroup of its own. */
struct lruvec {
    uint64_t nr[NR_LRU_LISTS];                       /* pages on each list (lru_zone_size) */
    uint64_t head[NR_LRU_LISTS], tail[NR_LRU_LISTS]; /* pfn + 1, 0 = empty */
    uint64_t anon_cost, file_cost; /* lruvec->anon_cost, file_cost (lru_note_cost) */
};

/* Per-node page state counters (the node_stat_item subset the simulation keeps), pages. lru[]
 * counts every cgroup's lists of the node (NR_LRU_BASE + lru). */
struct node_stats {
    uint64_t lru[NR_LRU_LISTS];
    uint64_t swapcache;   /* NR_SWAPCACHE */
    uint64_t anon_mapped; /* NR_ANON_MAPPED: anon pages mapped at least once */
    uint64_t file_mapped; /* NR_FILE_MAPPED: page-cache pages (incl. shmem) mapped at least once */
    uint64_t file_pages;  /* NR_FILE_PAGES: page cache incl. shmem */
    uint64_t shmem;       /* NR_SHMEM */
    uint64_t dirty;       /* NR_FILE_DIRTY */
    uint64_t writeback;   /* NR_WRITEBACK: pages under writeback (writeback.c) */
    uint64_t mlock;       /* NR_MLOCK */
    uint64_t nonresident_age; /* lruvec->nonresident_age: evictions and activations so far
                               * (workingset.c) */
};

/* Memory tiers and demotion (memory_tiers.c). */
struct memtier_state {
    unsigned nr_tiers;
    int adistance_start[VML_MAX_NODES]; /* each tier's, fastest (smallest) first */
    uint32_t tier_nodes[VML_MAX_NODES]; /* the nodes of each tier */
    uint32_t lower_mask[VML_MAX_NODES]; /* memtier->lower_tier_mask, by tier */
    int node_tier[VML_MAX_NODES];       /* each node's tier (an index above) */
    int adist[VML_MAX_NODES];           /* each node's abstract distance (its memory type's) */
    uint32_t preferred[VML_MAX_NODES];  /* node_demotion[node].preferred */
    unsigned next_pick[VML_MAX_NODES];  /* the preferred target taken in turn (node_random) */
    int top_tier_adistance;
    bool enabled; /* numa_demotion_enabled */
    /* pgdemote_kswapd .. pgdemote_proactive of each source node (mod_lruvec_state) */
    uint64_t demoted[VML_MAX_NODES][4];
};

/* An asynchronous read of file pages [start, end) that completes at done_at (disk_io.c): its
 * folios are not uptodate before (PG_uptodate is set at the read's end_io). */
struct file_inflight {
    uint64_t start, end, done_at;
};
#define SIM_FILE_INFLIGHT 4 /* a file's asynchronous reads remembered at once */

/* A simulated file (inode) and its page cache. */
struct sim_file {
    char name[64];
    uint64_t ino;
    uint64_t size;    /* bytes */
    bool shmem;       /* memfd / shared anonymous object (swap-backed, in Shmem) */
    bool anon_shm;    /* created for a MAP_SHARED|MAP_ANONYMOUS mapping: unnamed, freed with it */
    bool deleted;     /* unlinked: lives on while mapped, "(deleted)" in maps */
    uint64_t charged; /* pages charged to Committed_AS while it lives (shared anonymous) */
    bool acct_blocks; /* shmem charged page by page as they are allocated, not for its size
                       * (VM_NORESERVE: a memfd, MAP_SHARED|MAP_ANONYMOUS|MAP_NORESERVE) */
    unsigned hstate;  /* hugetlbfs inode (MAP_HUGETLB): its pool's enum vml_huge_size + 1;
                       * its cache is indexed by huge page, freed with its last mapping */
    bool resv_all;    /* hugetlb, shared: [resv_from, resv_to) huge pages were reserved at mmap */
    uint64_t resv_from, resv_to;
    unsigned refs;        /* VMAs mapping it, plus 1 while it has a name */
    struct radix pages;   /* page index -> pfn + 1 (0 = not cached) */
    struct radix shadows; /* page index -> shadow entry of a folio reclaim evicted (workingset.c;
                           * the kernel keeps them in i_pages itself, where no page is) */
    uint64_t nr_shadows;
    uint64_t nr_cached;
    struct radix swap;   /* shmem: page index -> swap entry + 1 of a page swapped out (shmem.c;
                          * the kernel keeps them in i_pages as value entries) */
    uint64_t nr_swapped; /* shmem: entries in swap (info->swapped) */
    /* Its dentry and inode in the slab model (slab.c): cached or not, LRU links. */
    bool d_cached, i_cached, d_referenced, d_on_lru, i_on_list;
    unsigned slab_node;
    struct sim_file *d_prev, *d_next, *i_prev, *i_next;
    struct file_inflight inflight[SIM_FILE_INFLIGHT]; /* its reads in flight (disk_io.c) */
    bool inode_dirty;      /* I_DIRTY_PAGES: on the flusher's dirty list (writeback.c) */
    uint64_t dirtied_when; /* inode->dirtied_when, ns: when it last went from clean to dirty */
};

/* A zone's compaction state (struct zone's compact_* fields). */
struct zone_compact {
    bool init;               /* positions set (reset_cached_positions at first use) */
    uint64_t migrate_pfn[2]; /* compact_cached_migrate_pfn: asynchronous, synchronous */
    uint64_t free_pfn;       /* compact_cached_free_pfn: a pageblock's first pfn */
    unsigned considered, defer_shift, order_failed; /* compact_considered, _defer_shift,
                                                     * _order_failed */
};

/* Per-mm counters (include/linux/mm_types.h) and layout. */
enum { MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* Dynamic ASIDs per CPU (arch/x86/include/asm/tlbflush.h: TLB_NR_DYN_ASIDS). */
#define SIM_NR_DYN_ASIDS 6

struct khugepaged_slot;

/* ---- swap areas (swapfile.c) ---- */
#define SWAP_MAX_AREAS   16      /* swapon refuses more (the kernel's MAX_SWAPFILES is larger) */
#define SWAPFILE_CLUSTER 512u    /* slots per cluster (HPAGE_PMD_NR with THP) */
#define SWAP_HAS_CACHE   0x8000u /* swap_map: the slot's page is in the swap cache */
#define SWAP_COUNT_MASK  0x7fffu /* swap_map: references from page-table entries */
#define SWAP_MAP_BAD     SWAP_COUNT_MASK /* the header's slot (offset 0), never given out */

/* A swap area (struct swap_info_struct): slot 0 holds the header, slots 1..pages usable. */
struct swap_area {
    bool used;
    bool writeok;         /* SWP_WRITEOK: slots may be given out (not while swapoff runs) */
    char name[128];       /* the path /proc/swaps prints */
    bool partition;       /* "partition" rather than "file" */
    int prio;             /* higher first; equal ones take turns */
    uint64_t max;         /* slots, the header's included (si->max) */
    uint64_t pages;       /* usable slots (si->pages): max - 1 */
    uint64_t inuse;       /* slots holding a page or a reference (swap_usage_in_pages) */
    uint16_t *map;        /* swap_map: per slot, SWAP_HAS_CACHE | references */
    uint64_t *zeromap;    /* si->zeromap: per slot, a bit for a page swapped out all zeros */
    uint16_t *memcg;      /* swap_cgroup: per slot, the cgroup charged for it (0 = root) */
    uint32_t nr_clusters; /* ceil(max / SWAPFILE_CLUSTER) */
    uint16_t *cl_count;   /* slots in use per cluster */
    uint32_t *cl_next;    /* the free and the nonfull cluster lists, linked by index */
    uint8_t *cl_list;     /* which list a cluster is on: 0 none, 1 free, 2 nonfull */
    uint8_t *cl_order;    /* the folio order a cluster serves (ci->order), 0 while free */
    uint32_t free_head, free_tail, nonfull_head, nonfull_tail; /* UINT32_MAX = empty */
    uint64_t next; /* the next slot to try in the current cluster, 0 = none
                    * (percpu_cluster->next[0]) */
    uint64_t order_next[VML_THP_PMD_ORDER + 1]; /* per order above 0: the next slot to try
                                                 * in that order's current cluster, 0 = none
                                                 * (percpu_swap_cluster.offset[order]) */
    uint64_t **table;        /* the swap cache, as 6.18's swap table (mm/swap_table.h): per cluster,
                              * NULL until a slot of it is cached, then SWAPFILE_CLUSTER values, each
                              * pfn + 1 of the cached page, a shadow (WS_SHADOW), or 0 */
    unsigned dev_kind;       /* enum bdev_kind of its device */
    struct sim_file *header; /* a swap file's own page cache, holding the header page that
                              * swapon read (read_swap_header); NULL for a partition */
    void *dev;               /* struct bdev *, owned */
};

/* ---- memory cgroups (memcontrol.c) ---- */
#define MEMCG_MAX_GROUPS 64 /* cgroups a machine may have, the root's included */
/* Pages a charge takes at once, the rest kept in the CPU's stock. */
#define MEMCG_CHARGE_BATCH 64u
#define NR_MEMCG_STOCK     7 /* cgroups a CPU's stock holds charges for (NR_MEMCG_STOCK) */
#define PAGE_COUNTER_MAX   (INT64_MAX / (int64_t)PAGE_SIZE) /* "max" (PAGE_COUNTER_MAX) */

/* A hierarchical counter of pages with its limits (struct page_counter). */
struct page_counter {
    uint64_t usage, watermark, failcnt;
    uint64_t max, high, low, min; /* pages; PAGE_COUNTER_MAX = "max" (low and min: 0) */
    uint64_t emin, elow;          /* effective protection (page_counter_calculate_protection) */
    uint64_t children_min_usage, children_low_usage; /* the children's protected usage */
};

/* memory.events items, in the file's order (enum memcg_memory_event). */
enum memcg_event {
    MEMCG_LOW,
    MEMCG_HIGH,
    MEMCG_MAX,
    MEMCG_OOM,
    MEMCG_OOM_KILL,
    MEMCG_OOM_GROUP_KILL,
    MEMCG_SWAP_HIGH,
    MEMCG_SWAP_MAX,
    MEMCG_SWAP_FAIL,
    MEMCG_NR_EVENTS
};

/* The vm events a cgroup counts for memory.stat (memcg_vm_event_stat), by vmstat index. */
enum memcg_vm_event {
    MEV_PGPGIN,
    MEV_PGPGOUT,
    MEV_PSWPIN,
    MEV_PSWPOUT,
    MEV_PGSCAN_KSWAPD,
    MEV_PGSCAN_DIRECT,
    MEV_PGSTEAL_KSWAPD,
    MEV_PGSTEAL_DIRECT,
    MEV_PGFAULT,
    MEV_PGMAJFAULT,
    MEV_PGREFILL,
    MEV_PGACTIVATE,
    MEV_PGDEACTIVATE,
    MEV_SWPIN_ZERO,
    MEV_SWPOUT_ZERO,
    MEV_THP_FAULT_ALLOC,
    MEV_THP_COLLAPSE_ALLOC,
    MEV_THP_SWPOUT,
    MEV_THP_SWPOUT_FALLBACK,
    MEV_WS_REFAULT_ANON,
    MEV_WS_REFAULT_FILE,
    MEV_WS_ACTIVATE_ANON,
    MEV_WS_ACTIVATE_FILE,
    MEV_WS_RESTORE_ANON,
    MEV_WS_RESTORE_FILE,
    MEV_PGDEMOTE_KSWAPD, /* memory_tiers.c: the reclaimed lruvec's (mod_lruvec_state) */
    MEV_PGDEMOTE_DIRECT,
    MEV_NR
};

/* A memory cgroup (struct mem_cgroup): a directory of the v2 hierarchy at /sys/fs/cgroup. */
struct mem_cgroup {
    char path[128];  /* below the hierarchy's root, "" for the root itself ("a/b") */
    unsigned id;     /* its index in sim->memcgs (mem_cgroup_id) */
    unsigned parent; /* the parent's id (the root's is its own) */
    unsigned depth;  /* 0 for the root */
    bool online;     /* not removed */
    struct page_counter memory, swap;
    bool oom_group;                         /* memory.oom.group */
    uint64_t swap_high;                     /* memory.swap.high, pages */
    uint64_t events[MEMCG_NR_EVENTS];       /* memory.events: this cgroup's and its subtree's */
    uint64_t events_local[MEMCG_NR_EVENTS]; /* memory.events.local */
    uint64_t vm_events[MEV_NR];             /* its own (memory.stat sums the subtree) */
    uint64_t pagetables;                    /* its page-table pages (NR_PAGETABLE), own */
    uint64_t peak_reset;                    /* the watermark a write to memory.peak left */
    struct lruvec lruvec[VML_MAX_NODES];
};

/* A CPU's stock of pre-charged pages (struct memcg_stock_pcp): per cached cgroup (by id + 1, 0 =
 * empty slot), pages charged to its counters but not yet to a folio. */
struct memcg_stock {
    uint16_t cached[NR_MEMCG_STOCK];
    uint8_t nr_pages[NR_MEMCG_STOCK];
};

struct sim_mm {
    struct vml_sim *sim; /* the machine whose memory its page tables take */
    unsigned pt_node;    /* node new page tables prefer: that of the CPU running the task that
                          * changes the mm (the task itself, or the parent copying at fork) */
    struct vml_pt *pt;
    struct vma_set *vmas;
    struct mmap_layout layout;
    uint64_t rss[NR_MM_COUNTERS];                             /* pages */
    uint64_t total_vm, locked_vm, data_vm, exec_vm, stack_vm; /* pages */
    uint64_t hiwater_rss, hiwater_vm;                         /* pages */
    uint64_t start_brk, brk;                                  /* heap */
    uint64_t start_stack;
    uint64_t hugetlb_usage; /* base pages mapped by hugetlb entries (HugetlbPages) */
    uint64_t ctx_id;        /* never reused (arch/x86 mm->context.ctx_id): names the mm in the CPUs'
                             * ASID slots, which a freed and reallocated sim_mm must not match */
    int owner;              /* pid of the process whose address space it is */
    bool thp_disabled;      /* MMF_DISABLE_THP: prctl(PR_SET_THP_DISABLE) */
    struct radix deposits;  /* 2 MiB block -> pfn + 1 of the PTE table deposited with its THP */
    uint64_t nr_deposited;  /* those tables (in VmPTE: mm_inc_nr_ptes) */
    struct khugepaged_slot *khugepaged; /* its slot on khugepaged's list, NULL when it has none
                                         * (MMF_VM_HUGEPAGE clear) */
};

/* A memory policy (struct mempolicy): interned per machine (mpol_intern), so that equal
 * policies are one object, as VMA merging compares them by identity. */
struct sim_mpol {
    unsigned mode;       /* enum vml_mpol_mode */
    unsigned flags;      /* VML_MPOL_F_STATIC_NODES, VML_MPOL_F_RELATIVE_NODES */
    uint32_t nodes;      /* pol->nodes: the mask in force (mpol_set_nodemask) */
    uint32_t user_nodes; /* w.user_nodemask: as the caller gave it */
    struct sim_mpol *next;
};

/* What an allocation's policy decided (alloc_pages_mpol, policy_nodemask): the preferred node
 * whose zonelist is walked, the nodes allowed (0: any), and how. */
struct alloc_req {
    unsigned nid;    /* preferred node: its zonelist is walked */
    unsigned local;  /* numa_node_id() of the allocating CPU (local_node/other_node) */
    uint32_t mask;   /* allowed nodes; 0 = no nodemask */
    bool thisnode;   /* __GFP_THISNODE: nid only */
    bool interleave; /* an interleave policy chose nid (interleave_hit) */
    bool many;       /* MPOL_PREFERRED_MANY: the mask first, without reclaim, then any */
    bool thp_local;  /* a PMD-order folio tries nid alone first (alloc_pages_mpol) */
    bool no_point;   /* no reclaim point came before (a migration's new page): on a machine of
                      * several nodes it stops at the min watermarks, as __GFP_THISNODE does */
};

/* The allocation context of the task at work (current, its VMA and address): set around a
 * fault or a system call that allocates, NULL for the kernel's own threads. */
struct mpol_ctx {
    const struct sim_mpol *task_pol; /* current->mempolicy; NULL = default */
    unsigned *il_prev, *il_weight;   /* current->il_prev, il_weight */
    unsigned local;                  /* numa_node_id() */
    const struct vma *vma;           /* the faulting VMA, or NULL */
    uint64_t addr;                   /* the faulting address */
};

#define SIM_CPU_WORDS (VML_SIM_MAX_CPUS / 64)
/* A task's automatic NUMA balancing state (numa_balancing.c): what Linux keeps in its
 * mm_struct (numa_next_scan, numa_scan_offset, numa_scan_seq) and task_struct (numa_scan_period,
 * node_stamp, numa_faults ...); one task per mm here. Times in ns, periods in ms. */
struct numab_task {
    uint64_t next_scan;     /* mm->numa_next_scan */
    uint64_t stamp;         /* node_stamp, as an instant: runtime is the time since creation */
    uint64_t last_tick;     /* the instant of the last tick that fired (0: none yet) */
    uint64_t scan_offset;   /* mm->numa_scan_offset */
    int scan_seq;           /* mm->numa_scan_seq */
    int task_seq;           /* p->numa_scan_seq (task_numa_placement's last) */
    unsigned scan_period;   /* p->numa_scan_period */
    bool started;           /* node_stamp set: the first tick has come */
    int preferred_nid;      /* p->numa_preferred_nid, -1 = NUMA_NO_NODE */
    uint64_t migrate_retry; /* p->numa_migrate_retry */
    uint64_t locality[3];   /* numa_faults_locality: remote, local, failed migrations */
    uint64_t faults[VML_MAX_NODES][2];     /* numa_faults NUMA_MEM, by node, shared/private */
    uint64_t faults_buf[VML_MAX_NODES][2]; /* NUMA_MEMBUF: this period's, folded at placement */
    bool has_faults;                       /* p->numa_faults allocated */
    uint64_t pages_migrated;               /* p->numa_pages_migrated */
};

struct sim_task {
    int pid, ppid;
    char comm[16];
    bool alive;
    struct vml_sim_death death;
    struct sim_mm *mm;
    int cpu; /* CPU it runs on, -1 none */
    uint64_t min_flt, maj_flt;
    struct vml_fault_record lat;      /* its faults' simulated time (cost.h): `show P faults` */
    struct vml_latency_record *acc;   /* its accesses' time, `show P latency`: made at the first
                                       * access, freed with the machine (sim.c: task_access) */
    int oom_score_adj;                /* signal->oom_score_adj: -1000..1000, inherited by fork */
    unsigned memcg;                   /* the memory cgroup it belongs to (its css_set's), by id */
    const struct sim_mpol *mempolicy; /* set_mempolicy's; NULL = default; inherited by fork */
    unsigned il_prev, il_weight;      /* the interleave cursor of allocations without a VMA */
    uint64_t cpus_allowed[SIM_CPU_WORDS]; /* sched_setaffinity's mask; inherited by fork */
    struct numab_task numab;              /* NUMA balancing (numa_balancing.c) */
};

/* A timer on the simulated clock (clock.c): fn runs when the clock reaches when; it returns 0
 * or a VML_E*. */
struct sim_timer;
typedef int (*sim_timer_fn)(struct vml_sim *sim, struct sim_timer *t);
struct sim_timer {
    uint64_t when; /* ns */
    uint64_t seq;  /* arming order: breaks ties between timers due at the same instant */
    bool armed;
    sim_timer_fn fn;
};
#define SIM_MAX_TIMERS                                                                             \
    (4 + 2 * VML_MAX_NODES) /* one per simulated kernel thread (khugepaged, the flusher, the       \
                             * disk's completions, kswapd and kcompactd per node) and NUMA         \
                             * balancing's scanner */

/* khugepaged's mm list (mm/khugepaged.c: struct khugepaged_mm_slot on khugepaged_scan.mm_head). */
struct khugepaged_slot {
    struct sim_mm *mm; /* NULL once the mm has exited (hpage_collapse_test_exit) */
    struct khugepaged_slot *next;
};

/* The khugepaged thread: where it is in its loop, its scan cursor and its counters. */
enum khugepaged_state {
    KHUGEPAGED_STOPPED,     /* no thread: no PMD size enabled (start_stop_khugepaged) */
    KHUGEPAGED_IDLE,        /* waiting for an mm to be registered (khugepaged_wait_event) */
    KHUGEPAGED_SCAN_SLEEP,  /* between scans, the timer at the end of scan_sleep_millisecs */
    KHUGEPAGED_ALLOC_SLEEP, /* in a scan, after a failed allocation (khugepaged_alloc_sleep) */
    KHUGEPAGED_WOKEN,       /* about to scan, the timer at the instant it was woken */
};

/* The slab model (slab.c): caches, their slabs per node, the superblock's LRU lists. */
enum slab_cache_id { SLAB_DENTRY, SLAB_EXT4_INODE, SLAB_NR_CACHES };
struct slab_geometry {
    const char *name;
    unsigned objsize, objperslab, order; /* /proc/slabinfo: objsize, objperslab, pagesperslab */
};
extern const struct slab_geometry slab_geometry[SLAB_NR_CACHES];
struct slab_cache_node {
    uint64_t objects; /* allocated objects */
    uint64_t *slabs;  /* first pfn of each slab */
    size_t nr_slabs, cap;
};
struct slab_lru {
    struct sim_file *head, *tail; /* oldest first */
    uint64_t count;
};
struct slab_state {
    struct slab_cache_node cache[SLAB_NR_CACHES][VML_MAX_NODES];
    struct slab_lru dentry_lru[VML_MAX_NODES]; /* sb->s_dentry_lru */
    struct slab_lru inode_list[VML_MAX_NODES]; /* inodes without a dentry (sb->s_inode_lru) */
    int64_t nr_deferred[VML_MAX_NODES];        /* the shrinker's deferred scan count */
    uint64_t pages[VML_MAX_NODES];             /* slab pages (all SLAB_RECLAIM_ACCOUNT) */
};

/* The page allocator's reserves (watermark.c). */
struct wmark_state {
    int64_t min_free_kbytes;      /* the kernel's min_free_kbytes */
    int64_t user_min_free_kbytes; /* -1 until written (min_free_kbytes_sysctl_handler) */
    int64_t vm_min_free;          /* sim->vm.min_free_kbytes when last applied */
    unsigned vm_scale;            /* sim->vm.watermark_scale_factor when last applied */
    struct wmark_zone z[VML_MAX_NODES][WZ_NR];
    uint64_t totalreserve, low_sum;       /* totalreserve_pages; the low watermarks summed */
    uint64_t node_mark[VML_MAX_NODES][3]; /* min, low, high summed over each node's populated
                                           * zones (node_watermarks, asked at every fault) */
};

struct khugepaged {
    enum khugepaged_state state;
    struct sim_timer timer;
    struct khugepaged_slot *head, *tail; /* the list, in registration order */
    struct khugepaged_slot *cursor;      /* khugepaged_scan.mm_slot, NULL = start at the head */
    uint64_t address;                    /* khugepaged_scan.address */
    /* A scan suspended in the allocation sleep (khugepaged_do_scan's locals). */
    uint32_t pages, progress, pass_through_head;
    uint64_t pages_collapsed, full_scans; /* khugepaged/pages_collapsed, full_scans */
};

/* A swap write in flight (PG_writeback until done). */
struct swap_wb {
    uint64_t pfn, done;
};

/* A node's kswapd thread. */
struct kswapd {
    struct sim_timer timer; /* armed while it has work: the instant of its next batch */
    bool awake;
    unsigned failures; /* pgdat->kswapd_failures: passes in a row that reclaimed nothing */
    unsigned order;    /* pgdat->kswapd_order: the largest order woken for since it last read it */
    /* The balance_pgdat under way across batches: the order asked (alloc_order), the order it
     * balances for now and what it reclaimed so far (its sc.order and sc.nr_reclaimed). */
    bool balancing;
    unsigned balance_alloc, balance_order;
    uint64_t balance_reclaimed;
};

/* A node's kcompactd thread (mm/compaction.c: pgdat->kcompactd_*). */
struct kcompactd {
    struct sim_timer timer; /* armed from its wake-up until its work has run */
    unsigned max_order;     /* kcompactd_max_order: the largest order woken for, 0: none */
    uint64_t busy_until;    /* when its last work ended (ns): until then it is awake */
    unsigned serving;       /* the order that work was for */
};

/* One write request in flight on the disk: a folio under writeback (writeback.c). */
struct wb_io {
    uint64_t done_at; /* ns: when the disk completes it */
    uint64_t pfn, nr; /* the folio's first page and its pages */
    uint64_t ino;     /* the file it belongs to (its pages may be gone by completion) */
    uint64_t index;   /* the first page's index */
};

/* The flusher of the one disk's bdi_writeback (struct bdi_writeback, fs/fs-writeback.c) and the
 * requests it has in flight. */
struct writeback {
    struct sim_timer flusher;    /* wb->dwork: wb_workfn's next run */
    struct sim_timer completion; /* the disk's next completion (end_bio -> folio_end_writeback) */
    uint64_t last_old_flush;     /* wb->last_old_flush, ns */
    bool background;             /* a background flush is queued (wb_start_background_writeback) */
    struct wb_io *io;            /* in flight, in completion order (the disk's queue is FIFO) */
    size_t io_head, io_len, io_cap;
};

struct vml_sim {
    struct vml_sim_config cfg;
    struct vml_phys *phys;
    const struct phys_section *sections; /* phys->sections, fixed at creation: sim_frame, asked
                                          * dozens of times a fault, saves a load */
    struct vml_cpu *cpus[VML_SIM_MAX_CPUS];
    int running[VML_SIM_MAX_CPUS];                 /* pid on each CPU, 0 = idle */
    const struct sim_mm *loaded[VML_SIM_MAX_CPUS]; /* address space in each CPU's CR3 */
    uint64_t zero_pfn;
    struct sim_task *tasks; /* every task ever created, by creation order */
    size_t nr_tasks, cap_tasks;
    int next_pid;
    unsigned pid_max;        /* pids are below it (kernel.pid_max) */
    struct sim_file **files; /* by id; NULL once freed */
    size_t nr_files, cap_files;
    struct sim_ra **ras; /* every open file's readahead state, freed with the machine */
    size_t nr_ras, cap_ras;
    uint64_t next_ino;
    uint64_t next_anon;   /* anon lineage ids */
    size_t rmap_hint;     /* rmap.c: the task whose mm held the last anonymous page an rmap walk
                           * found mapped once (a guess, checked before it is used) */
    uint64_t last_ctx_id; /* last ctx_id given (last_mm_ctx_id) */
    /* Per CPU, the address spaces its dynamic ASIDs belong to (cpu_tlbstate.ctxs[].ctx_id; 0 =
     * none) and the next slot to recycle (cpu_tlbstate.next_asid). PCID = ASID + 1. */
    uint64_t asid_ctx[VML_SIM_MAX_CPUS][SIM_NR_DYN_ASIDS];
    uint8_t next_asid[VML_SIM_MAX_CPUS];
    struct node_stats node[VML_MAX_NODES];
    /* Per zone: the LRU lists' pages (NR_ZONE_LRU_BASE + lru) and the NUMA allocation events
     * (numa_hit .. numa_other, the order of enum numa_stat_item), for /proc/zoneinfo. */
    uint64_t zone_lru[VML_MAX_NODES][VML_NR_ZONES][NR_LRU_LISTS];
    uint64_t zone_numa[VML_MAX_NODES][VML_NR_ZONES][6];
    unsigned cpu_node[VML_SIM_MAX_CPUS];             /* the node of each CPU */
    unsigned zonelist[VML_MAX_NODES][VML_MAX_NODES]; /* each node's fallback order of nodes
                                                      * (build_zonelists) */
    struct sim_mpol *mpols;                          /* interned policies */
    struct mpol_ctx *mctx;                           /* the allocating task's context */
    uint64_t events[VML_VMSTAT_NR];                  /* vmstat event counters (pgfault ...) */
    uint64_t committed;                              /* pages charged to Committed_AS */
    struct hstate hstates[VML_NR_HUGE_SIZES];
    struct vml_sim_stats stats;            /* TLB flushes and shootdowns */
    struct vml_thp_settings thp;           /* /sys/kernel/mm/transparent_hugepage/ */
    struct vml_vm_sysctl vm;               /* /proc/sys/vm/ */
    struct wmark_state wmark;              /* watermarks, lowmem reserves (watermark.c) */
    struct memtier_state memtier;          /* memory tiers, demotion (memory_tiers.c) */
    struct slab_state slab;                /* dentry and inode caches (slab.c) */
    struct swap_area swap[SWAP_MAX_AREAS]; /* by type (the index a swap entry names) */
    uint32_t swap_writable; /* bit t: swap[t] is used and writeok (swap_alloc reads this at each
                             * page swapped out instead of every area) */
    uint32_t swap_hdd;      /* bit t: swap[t] is used and on a rotational disk (what
                             * swap_use_vma_readahead asks at every swap-in) */
    int least_priority;     /* the priority the next swapon without one gets
                             * (least_priority, -1 at boot, decremented) */
    unsigned swap_rotor;    /* equal priorities take turns from here */
    uint64_t nr_swap_pages, total_swap_pages; /* free and usable slots over every area */
    bool track_zerofill;        /* pages' zero-filled state is kept (PGF_ZEROFILL): from the first
                                 * swapon on, the only time it matters (zeromap.c) */
    struct large_folio *folios; /* by index; slots reused through free_folio */
    uint32_t nr_folios, cap_folios, free_folio;
    uint64_t nr_anon_thps;      /* PMD-mapped anonymous THPs (NR_ANON_THPS), folios */
    uint64_t nr_file_thps;      /* PMD-order folios in regular files' caches (NR_FILE_THPS) */
    uint64_t nr_file_pmdmapped; /* of them, mapped by a PMD somewhere (NR_FILE_PMDMAPPED) */
    /* hugepages-<4 << order>kB/stats/, by folio order (2..9; 0 and 1 unused): nr_anon (large
     * anonymous folios alive), nr_anon_partially_mapped, and the event counters. */
    uint64_t thp_nr_anon[VML_THP_PMD_ORDER + 1];
    uint64_t thp_nr_partially[VML_THP_PMD_ORDER + 1];
    uint64_t thp_stats[VML_THP_PMD_ORDER + 1][VML_THP_STAT_NR];
    uint64_t huge_zero_pfn;                   /* the huge zero folio's head + 1, 0 until used */
    uint64_t now_ns;                          /* the clock (clock.c) */
    uint64_t timer_seq;                       /* timers armed so far */
    struct sim_timer *timers[SIM_MAX_TIMERS]; /* every timer, armed or not */
    unsigned nr_timers;
    struct khugepaged khugepaged;
    struct zone_compact compact[VML_MAX_NODES][VML_NR_ZONES];
    struct writeback wb; /* the flusher and the writes in flight (writeback.c) */
    uint64_t work_ns;    /* simulated time the work of the current fault has taken (cost.h) */
    uint64_t compact_ns; /* the part of it spent compacting */
    bool compacted;      /* the current fault ran direct compaction */
    uint64_t reclaim_ns; /* the part of it spent in direct reclaim */
    struct kswapd kswapd[VML_MAX_NODES];
    uint64_t kswapd_work_ns; /* the current kswapd batch's time */
    struct kcompactd kcompactd[VML_MAX_NODES];
    struct vml_numab_settings numab; /* kernel.numa_balancing and its tunables */
    struct sim_timer numab_timer;    /* the next task_numa_work due (numa_balancing.c) */
    struct radix numab_cpupid;       /* pfn -> last_cpupid + 1 of a folio a hinting fault saw
                                      * (folio->_last_cpupid; 0 = unset, as a new page's) */
    bool numab_cpupids;              /* numab_cpupid holds any (frees look it up only then) */
    struct swap_wb *swap_wb; /* swap writes in flight, in submission order (in swap_wb_buf) */
    size_t nr_swap_wb, cap_swap_wb;
    struct swap_wb *swap_wb_buf; /* the allocation, cap_swap_wb entries */
    uint64_t swap_wb_soonest;    /* at most the earliest done of swap_wb: none ends before it */
    bool swap_wb_unsorted;       /* a write was queued ending before the one queued before it */
    struct bdev disk; /* the disk under the files (machine disk=): page-cache reads, writeback */
    uint64_t io_ns;   /* the part of work_ns spent waiting for the disk (sim_charge_io) */
    struct {
        uint64_t first, end, nr; /* the pages the readahead call under way added (readahead.c) */
    } ra_io;
    /* swap_cluster_readahead's machine-wide state (swapin_nr_pages: swapin_readahead_hits,
     * prev_offset, last_readahead_pages). */
    uint64_t swapin_ra_hits, swapin_prev_offset;
    unsigned swapin_last_ra;
    int current;          /* pid of the task the kernel works for now (current), 0 = none */
    uint64_t kills;       /* processes killed so far (struct vml_sim_death.seq) */
    bool panicked;        /* the kernel panicked: only reading is left */
    struct vml_text kmsg; /* the kernel log: the OOM killer's reports (oom_kill.c) */
    /* Memory cgroups (memcontrol.c): the root always (id 0, embedded), the others allocated
     * by `cgroup` statements; a removed one's slot stays taken. */
    struct mem_cgroup root_memcg;
    struct mem_cgroup *memcgs[MEMCG_MAX_GROUPS];
    unsigned nr_memcgs;
    unsigned memcg_cur; /* the cgroup the current operation charges (current's, or the one the
                         * kernel acts for: active_memcg), by id */
    struct memcg_stock stock[VML_SIM_MAX_CPUS];
    uint64_t memcg_high_ns;   /* memory.high throttling the current operation slept (ns) */
    uint64_t memcg_over_high; /* pages charged past memory.high since the last return to user
                               * space (current->memcg_nr_pages_over_high) */
    bool memcg_charge_failed; /* the last failed allocation failed its cgroup charge */
    unsigned memcg_nomem;     /* the cgroup whose full limit and unkillable processes failed the
                               * last reclaim point (VML_ENOMEM), 0 = none */
    struct {
        uint64_t begin; /* ns the current interval began */
        unsigned printed, missed;
        bool started;
    } oom_rs; /* oom_kill_process's ratelimit of its header (DEFINE_RATELIMIT_STATE oom_rs) */
    /* The event stream's one reader (vml_sim_set_event_hook), or NULL: see sim_event. */
    vml_event_fn event_fn;
    void *event_ctx;
};

/* ---- the OOM killer (oom_kill.c) ---- */
/* out_of_memory for an allocation on node that reclaim could not satisfy: panics (VML_EPANIC)
 * as panic_on_oom says or when nothing can be killed, else kills a process (the allocating one
 * under oom_kill_allocating_task, else select_bad_process's choice) and frees its memory at once
 * (the OOM reaper's and exit's work). 0 when another process was killed, VML_EKILLED when the
 * victim is current (sim->current), VML_ENOMEM when there is no current task to act for (a
 * kernel-side allocation: the caller fails it). */
int out_of_memory(struct vml_sim *sim, unsigned node);
/* /proc/PID/oom_score (fs/proc/base.c: proc_oom_score). */
unsigned long oom_score(const struct vml_sim *sim, const struct sim_task *t);
/* Kills t as a signal would (SIGSEGV, SIGBUS, or SIGKILL with VML_SI_OOM): exit_mmap, and the
 * death recorded with its place among the kills. */
void sim_kill(struct vml_sim *sim, struct sim_task *t, int si_code, uint64_t addr);
/* mm_pgtables_bytes: the PTE, PMD and PUD tables and deposited tables, in bytes (VmPTE). */
uint64_t mm_pgtables_bytes(const struct sim_mm *mm);

/* ---- overcommit (overcommit.c) ---- */
/* init_admin_reserve, init_user_reserve: the reserves a machine boots with, from its free
 * memory, unless the configuration gave them. */
void overcommit_init(struct vml_sim *sim);
/* __vm_enough_memory: charges pages to Committed_AS when the overcommit policy allows them, or
 * returns VML_ENOMEM charging nothing. mm is the process asking (NULL for none); the simulated
 * processes have CAP_SYS_ADMIN (root): the admin reserve is not held back from them. */
int vm_enough_memory(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pages);
/* totalram_pages: the machine's RAM in pages (every node's), and its free pages into *free
 * when free is not NULL. */
uint64_t totalram_pages(const struct vml_sim *sim, uint64_t *free);
/* Committed_AS in pages: what was charged, and the pages of the shmem objects charged page by
 * page (shmem_acct_blocks: those in the page cache or in swap, info->alloced). */
uint64_t committed_as(const struct vml_sim *sim);
/* vm_commit_limit: CommitLimit in pages. */
uint64_t vm_commit_limit(const struct vml_sim *sim);

/* ---- memory cgroups (memcontrol.c) ---- */
void memcg_init(struct vml_sim *sim);
void memcg_destroy(struct vml_sim *sim);
struct mem_cgroup *memcg_of(const struct vml_sim *sim, unsigned id);
bool memcg_is_descendant(const struct vml_sim *sim, unsigned id, unsigned ancestor);
/* The live subtree of root, root first, in pre-order; returns its size. */
unsigned memcg_subtree(const struct vml_sim *sim, unsigned root, unsigned out[MEMCG_MAX_GROUPS]);
/* The current operation charges t's cgroup (root for NULL) from now on; returns the one it
 * charged before, to put back with sim->memcg_cur = old. */
unsigned memcg_use(struct vml_sim *sim, const struct sim_task *t);
/* memcg_memory_event and count_memcg_events (inline: several per page reclaimed). */
void memcg_event(struct vml_sim *sim, unsigned id, enum memcg_event e);
static inline void memcg_count(struct vml_sim *sim, unsigned id, enum memcg_vm_event e, uint64_t n)
{
    sim->memcgs[id]->vm_events[e] += n;
}
/* Charges nr pages of a folio about to be allocated to sim->memcg_cur: 0, or VML_ENOMEM when a
 * limit refuses them (the allocation then fails, as a failed mem_cgroup_charge makes it). After
 * the allocation, memcg_commit records the cgroup in the folio's head; memcg_uncharge gives the
 * charge back when the folio is freed. */
int memcg_charge(struct vml_sim *sim, uint64_t nr);
void memcg_commit(struct vml_sim *sim, uint64_t pfn, uint64_t nr);
void memcg_uncharge(struct vml_sim *sim, struct frame *f, uint64_t nr);
/* A page-table page allocated at pfn: charged as kernel memory (0 or VML_ENOMEM); and freed. */
int memcg_charge_table(struct vml_sim *sim, uint64_t pfn);
void memcg_uncharge_table(struct vml_sim *sim, uint64_t pfn);
/* Swap slots (swap_cgroup): what a cgroup may still take (mem_cgroup_get_nr_swap_pages), a
 * charge (false past memory.swap.max) and its return when the slots are freed. */
uint64_t memcg_nr_swap_pages(const struct vml_sim *sim, unsigned id);
bool memcg_try_charge_swap(struct vml_sim *sim, unsigned id, uint64_t nr);
void memcg_uncharge_swap(struct vml_sim *sim, unsigned id, uint64_t nr);
/* Protection for reclaim of target's subtree (mem_cgroup_calculate_protection, called
 * top-down), and its tests. memcg_protection gives the effective min and low and returns the
 * cgroup's usage. */
void memcg_calculate_protection(struct vml_sim *sim, unsigned target, unsigned id);
bool memcg_below_min(const struct vml_sim *sim, unsigned target, unsigned id);
bool memcg_below_low(const struct vml_sim *sim, unsigned target, unsigned id);
uint64_t memcg_protection(const struct vml_sim *sim, unsigned target, unsigned id, uint64_t *min,
                          uint64_t *low);
/* try_charge_memcg's slow path at a reclaim point: makes room for need pages in the current
 * cgroup and its ancestors by reclaim, then the cgroup OOM killer. 0, VML_ENOMEM (no room and
 * nothing to kill), VML_EKILLED or VML_EPANIC. */
int memcg_reclaim_point(struct vml_sim *sim, unsigned node, uint64_t need);
/* A readahead folio of nr pages is about to be charged (readahead_gfp_mask has
 * __GFP_NORETRY): room made by at most two rounds of the cgroup's reclaim, never its OOM
 * killer; VML_ENOMEM ends the readahead. */
int memcg_ra_room(struct vml_sim *sim, unsigned node, uint64_t nr);
/* mem_cgroup_handle_over_high at the end of an operation that charged past memory.high. */
void memcg_handle_over_high(struct vml_sim *sim, unsigned node);
/* Usage equals what the cgroups' lists, tables and stocks hold. */
int memcg_check(const struct vml_sim *sim, char *why, size_t len);
/* try_to_free_mem_cgroup_pages: reclaim of at least nr pages (SWAP_CLUSTER_MAX at least) from
 * the subtree of id, nodes from node on. Returns the pages reclaimed. */
uint64_t try_to_free_mem_cgroup_pages(struct vml_sim *sim, unsigned id, unsigned node, uint64_t nr,
                                      bool may_swap);
/* mem_cgroup_out_of_memory (oom_kill.c): the OOM killer inside the subtree of id. 0 when it
 * killed (the charge is retried), VML_EKILLED when current was the victim, VML_ENOMEM when
 * nothing could be killed, VML_EPANIC (panic_on_oom 2). */
int mem_cgroup_out_of_memory(struct vml_sim *sim, unsigned id);

/* ---- automatic NUMA balancing (numa_balancing.c) ---- */
/* Registers the scanner's timer (the machine is being made); frees its state. */
int numab_init(struct vml_sim *sim);
void numab_destroy(struct vml_sim *sim);
/* init_numa_balancing for a task with a new address space. */
void numab_task_start(struct vml_sim *sim, struct sim_task *t);
/* A folio's last_cpupid: reset when its frame is freed, moved when it migrates. */
void numab_page_freed(struct vml_sim *sim, uint64_t pfn);
void numab_page_migrated(struct vml_sim *sim, uint64_t old, uint64_t new);
/* do_numa_page: the hinting fault on the PROT_NONE entry leaf at va of v. 0 or a VML_E*. */
int do_numa_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                 const struct vml_pt_leaf *leaf);
/* alloc_misplaced_dst_folio: 2^order frames on rq's node alone, without reclaim. */
int page_alloc_misplaced(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                         enum vml_frame_use use, uint64_t *pfn);
/* do_huge_pmd_numa_page: the hinting fault on the PROT_NONE PMD leaf at va of v. 0 or a
 * VML_E*. */
int do_huge_pmd_numa_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                          const struct vml_pt_leaf *leaf);

/* ---- the clock (clock.c) ---- */
/* Registers t (disarmed) with its function, once per machine; VML_EHOST past SIM_MAX_TIMERS. */
int sim_timer_add(struct vml_sim *sim, struct sim_timer *t, sim_timer_fn fn);
/* Arms t, again if it was, for the instant when (now if that has passed). */
void sim_timer_arm(struct vml_sim *sim, struct sim_timer *t, uint64_t when);
void sim_timer_cancel(struct sim_timer *t);

/* ---- swap (swapfile.c) ---- */
/* Swap entries: the architecture-independent value (swp_entry_t: type in the top 5 bits) and
 * the x86-64 PTE that holds one (arch/x86/include/asm/pgtable_64.h: not present, the type in
 * bits 59..63, the offset inverted in bits 9..58, _PAGE_SWP_EXCLUSIVE in bit 7). */
#define SWP_TYPE_SHIFT    59
#define SWP_OFFSET_SHIFT  14 /* SWP_OFFSET_FIRST_BIT (9) + SWP_TYPE_BITS (5) */
#define PTE_SWP_EXCLUSIVE VML_PTE_PS
/* Reports an event to the hook, if any (include/vmlab/sim.h: the event stream). Called at the
 * counting sites, so what the stream says and what vmstat counts are one act. A macro, so that
 * the event (most sites pass a compound literal) is built only when a hook is set: passed to an
 * inline function, the literal's 144 bytes were zeroed and filled before its test, a rep stos
 * at every page swapped out, every reclaim batch and every swap-in with no hook to read it. */
#define sim_event(sim, ...)                                                                        \
    do {                                                                                           \
        if ((sim)->event_fn)                                                                       \
            (sim)->event_fn((sim)->event_ctx, __VA_ARGS__);                                        \
    } while (0)

static inline uint64_t swp_entry(unsigned type, uint64_t offset)
{
    return ((uint64_t)type << SWP_TYPE_SHIFT) | offset;
}
static inline unsigned swp_type(uint64_t e)
{
    return (unsigned)(e >> SWP_TYPE_SHIFT);
}
static inline uint64_t swp_offset(uint64_t e)
{
    return e & ((1ull << SWP_TYPE_SHIFT) - 1);
}
static inline uint64_t swp_entry_to_pte(uint64_t e)
{
    return (~swp_offset(e) << SWP_OFFSET_SHIFT >> 5) | ((uint64_t)swp_type(e) << SWP_TYPE_SHIFT);
}
static inline uint64_t pte_to_swp_entry(uint64_t pte)
{
    return swp_entry((unsigned)(pte >> SWP_TYPE_SHIFT), ~pte << 5 >> SWP_OFFSET_SHIFT);
}
/* _PAGE_PROTNONE (arch/x86/include/asm/pgtable_types.h): the global bit, which means "present
 * to the kernel" in an entry whose P bit is clear. NUMA balancing's hinting entries are such
 * PROT_NONE entries (numa_balancing.c): not present to the MMU, which faults on them, but
 * mapping their page for every walk of the kernel's (pte_present). Swap entries never set it
 * (their offset starts at bit 9). */
#define PTE_PROTNONE VML_PTE_G
static inline bool pte_protnone(uint64_t pte)
{
    return (pte & (VML_PTE_P | PTE_PROTNONE)) == PTE_PROTNONE;
}
/* pte_present: the MMU's present bit, or a PROT_NONE entry. */
static inline bool pte_present(uint64_t pte)
{
    return (pte & (VML_PTE_P | PTE_PROTNONE)) != 0;
}
/* is_swap_pte: a non-empty entry that is not present. */
static inline bool pte_is_swap(uint64_t pte)
{
    return pte != 0 && !pte_present(pte);
}
/* swapon: a new area of bytes (a multiple of 4 KiB, at least two pages) named name, at prio
 * (prio_set false: the next default, -2, -3 ...), on a device of kind. VML_EINVAL (diag says
 * why), VML_EHOST. */
int swap_on(struct vml_sim *sim, const char *name, uint64_t bytes, bool partition, int prio,
            bool prio_set, unsigned dev_kind, struct vml_diag *diag);
/* /proc/swaps. */
int swaps_show(const struct vml_sim *sim, struct vml_text *out);
/* Frees every area (the machine goes). */
void swap_destroy(struct vml_sim *sim);
/* folio_alloc_swap for one page: a free slot of the highest-priority area with one, its
 * swap_map SWAP_HAS_CACHE; false when swap is full or absent. */
bool swap_alloc(struct vml_sim *sim, uint64_t *entry);
/* folio_alloc_swap for a folio of 2^order pages (order >= 1): 2^order free slots in a row,
 * naturally aligned, in a cluster serving that order, of the first area by priority that has
 * them; only a partition can (cluster_alloc_swap_entry: "Swapfile is not block device"). The
 * slots get SWAP_HAS_CACHE; *entry names the first. false: the caller splits the folio. */
bool swap_alloc_large(struct vml_sim *sim, unsigned order, uint64_t *entry);
/* A slot swap_alloc_large gave that no page came to use: its SWAP_HAS_CACHE goes, and the slot
 * with it (put_swap_folio). */
void swap_slot_unused(struct vml_sim *sim, uint64_t entry);
/* swap_cgroup: the cgroup charged for entry's slot (lookup_swap_cgroup_id), and the record of
 * the nr slots from entry on charged to id (swap_cgroup_record). */
unsigned swap_memcg(const struct vml_sim *sim, uint64_t entry);
void swap_set_memcg(struct vml_sim *sim, uint64_t entry, uint64_t nr, unsigned id);
/* swap_duplicate: one more page-table reference to the slot. */
void swap_dup(struct vml_sim *sim, uint64_t entry);
/* A page-table reference goes (free_swap_and_cache): the slot is freed when nothing else holds
 * it; a cached page nobody maps leaves the swap cache and is freed with it. */
void swap_put(struct vml_sim *sim, uint64_t entry);
/* References from page tables to the slot (swp_swapcount). */
unsigned swap_count(const struct vml_sim *sim, uint64_t entry);
/* The swap cache: the page holding entry (pfn), or false. */
bool swap_cache_lookup(const struct vml_sim *sim, uint64_t entry, uint64_t *pfn);
/* add_to_swap_cache: pfn (an anonymous page, refcount taken here) caches entry. */
int swap_cache_add(struct vml_sim *sim, uint64_t pfn, uint64_t entry);
/* delete_from_swap_cache: the page leaves the cache (its reference dropped by the caller); the
 * slot is freed if no page table refers to it. */
void swap_cache_del(struct vml_sim *sim, uint64_t pfn);
/* folio_free_swap once its checks passed: the page leaves the swap cache, freeing its slot,
 * and is marked dirty (folio_set_dirty: its only copy is in memory now, so swapping it out
 * again must write it). The swap cache's reference is the caller's to drop. */
void swap_free_folio(struct vml_sim *sim, uint64_t pfn);
/* __remove_mapping of a swap-cache page reclaim evicts: as swap_cache_del, but its slot in the
 * swap cache (6.18: the cluster's swap table) keeps the shadow (workingset_eviction's). */
void swap_cache_evict(struct vml_sim *sim, uint64_t pfn, uint64_t shadow);
/* The shadow the swap cache holds for entry, 0 if none (a page, or nothing). */
uint64_t swap_cache_shadow(const struct vml_sim *sim, uint64_t entry);
/* vm_swap_full: more than half the swap space is in use. */
bool vm_swap_full(const struct vml_sim *sim);
/* The block device of a swap area. */
struct bdev *swap_bdev(struct vml_sim *sim, uint64_t entry);
/* The slot's zeromap bit: its page was swapped out all zeros (swap_zeromap_folio_set); set or
 * cleared when a page is written to it; cleared when the slot is freed (swap_range_free). */
bool swap_zeromap_test(const struct vml_sim *sim, uint64_t entry);
void swap_zeromap_set(struct vml_sim *sim, uint64_t entry, bool zero);

/* ---- zero-filled pages (zeromap.c) ---- */
/* A new order-0 anonymous page holds only zeros (a fresh zeroed page, or one filled from a
 * zeromap slot): marked, while the simulation keeps track (sim->track_zerofill). */
void page_mark_zerofill(struct vml_sim *sim, uint64_t pfn);
/* A store to the page at pfn: its contents are no longer all zeros. */
void page_stored(struct vml_sim *sim, uint64_t pfn);

/* ---- swap-in (swapin.c) ---- */
#define SWAP_FAULT_WP 101 /* do_swap_page mapped the page read-only: do_wp_page follows */
/* do_swap_page for the swap entry pte at va (a 4 KiB entry of an anonymous VMA): 0,
 * SWAP_FAULT_WP, or an error; *major when the page was read from the swap area. */
int do_swap_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va, uint64_t pte,
                 bool write, bool *major);
/* swap_cache_get_folio for the entry a PTE at va of v holds (v NULL: no VMA), with the
 * readahead bookkeeping of a hit (swap_update_readahead): true and *pfn if cached. */
bool swapin_cache_lookup(struct vml_sim *sim, struct vma *v, uint64_t va, uint64_t entry,
                         uint64_t *pfn);
/* swapin_readahead for that entry, not cached: its page and the window's are read into the swap
 * cache (pswpin, swap_ra) and the operation waits for the reads. */
int swapin_readahead(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                     uint64_t entry, uint64_t *pfn);
/* The most pages one swap-in may read (its window). */
unsigned swapin_max_pages(const struct vml_sim *sim);
/* The swap entry at va becomes a present PTE of pfn with flags (and P): the page gains the
 * mapping, exclusive or not, RSS moves from MM_SWAPENTS to MM_ANONPAGES, mlocked in a locked
 * VMA. The slot's reference is the caller's to drop (swap_put). */
int swap_map_page(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t va,
                  uint64_t pfn, uint64_t flags, bool exclusive);
/* free_swap_cache: a swap-cache page whose last mapping went and whose slot no entry refers to
 * leaves the cache and is freed. */
void free_swap_cache(struct vml_sim *sim, uint64_t pfn);

/* ---- reclaim (vmscan.c) ---- */
/* A node's watermarks, the sums of its zones' (pages). */
void node_watermarks(const struct vml_sim *sim, unsigned node, uint64_t *min, uint64_t *low,
                     uint64_t *high);
/* A node's free pages, its zones' summed. */
uint64_t node_free(const struct vml_sim *sim, unsigned node);
/* Whether node can give pages more pages for a user allocation and stay above watermark mark
 * (0 min, 1 low): what each zone has beyond its mark and its lowmem reserve against ZONE_MOVABLE
 * (gfp_zone(GFP_HIGHUSER_MOVABLE)), summed: __zone_watermark_ok's free - pages + 1 > mark +
 * lowmem_reserve, zone by zone, for a node whose zones the simulation fills in its own order
 * (docs/reclaim.md). */
bool node_has_room(const struct vml_sim *sim, unsigned node, uint64_t pages, unsigned mark);
/* Registers every node's kswapd timer (the machine is being made). */
int kswapd_init(struct vml_sim *sim);
/* A reclaim point: an operation on node is about to allocate up to need pages. Swap writes that
 * have ended complete, kswapd's batches due run, kswapd is woken below the low watermark, and
 * below min the task reclaims directly (its time is charged to the operation). 0, or an
 * error from the host. */
int reclaim_point(struct vml_sim *sim, unsigned node, uint64_t need);
/* The reclaim point of t's fault at va: on a machine of several nodes, what reclaims depends on
 * the nodes the fault's allocation may use (its VMA's policy, else the task's), as the
 * kernel's zonelist walk does (reclaim_once). */
int reclaim_point_fault(struct vml_sim *sim, const struct sim_task *t, uint64_t va, unsigned node,
                        uint64_t need);
/* The same where the current cgroup needs room for memcg_need pages only (a read whose
 * readahead charges its folios one by one, each making its own room: memcg_ra_room). */
int reclaim_point_memcg(struct vml_sim *sim, unsigned node, uint64_t need, uint64_t memcg_need);
/* madvise(MADV_COLD or MADV_PAGEOUT) over [start, end) (madvise_cold_or_pageout_pte_range):
 * each page this mm alone maps loses its referenced state; cold moves active ones to the
 * inactive list, pageout reclaims them at once (reclaim_pages, references ignored). 0,
 * VML_EINVAL (a locked or hugetlb VMA), VML_ENOMEM (a hole, after the rest). */
int madvise_cold_or_pageout(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end,
                            bool pageout);
/* Completes the swap writes that have ended by now. */
void swap_writeback_wait(struct vml_sim *sim, uint64_t pfn);
void swap_writeback_complete(struct vml_sim *sim);
/* Reclaim work's time: kswapd's own, or the current operation's. */
void sim_charge_kernel(struct vml_sim *sim, bool kswapd, uint64_t ns);
/* wakeup_kswapd: an allocation of order on node failed (or found the node below its low
 * watermark); direct_reclaim: the allocation may reclaim and compact itself (its gfp has
 * __GFP_DIRECT_RECLAIM), so a node kswapd cannot help is not handed to kcompactd. */
void wakeup_kswapd(struct vml_sim *sim, unsigned node, unsigned order, bool direct_reclaim);
/* pgdat_balanced: whether node is above its high watermark, for order a zone with a free block
 * of that order too. */
bool pgdat_balanced(const struct vml_sim *sim, unsigned node, unsigned order);

/* lru_note_cost: what reclaiming nr_io pages with I/O and nr_rotated pages put back cost a
 * cgroup's anon or file lists on node, and its ancestors' (lru_note_cost_refault too). */
void lru_note_cost(struct vml_sim *sim, unsigned memcg, unsigned node, bool file, uint64_t nr_io,
                   uint64_t nr_rotated);

/* ---- refault detection (workingset.c) ---- */
/* A shadow entry is a value with this bit set (xa_mk_value's tag), never a pfn + 1. */
#define WS_SHADOW (1ull << 63)
/* workingset_age_nonresident: the node's inactive lists aged by nr pages. */
void workingset_age_nonresident(struct vml_sim *sim, unsigned node, uint64_t nr);
/* workingset_eviction of the folio at pfn (nr pages): its shadow; the node ages by nr. */
uint64_t workingset_eviction(struct vml_sim *sim, uint64_t pfn, uint64_t nr);
/* workingset_refault for the folio at pfn (nr pages, not yet active) coming back where shadow
 * was: counts the refault; true when it is recent enough to start active (*workingset: it
 * had been active before eviction; the caller sets the flags). */
bool workingset_refault(struct vml_sim *sim, uint64_t pfn, uint64_t nr, uint64_t shadow,
                        bool *workingset);
/* A page-cache folio of nr pages just added at index: the shadows of its range go, and the
 * last one is evaluated unless the folio was added for a write (filemap_add_folio). */
void workingset_cache_add(struct vml_sim *sim, struct sim_file *f, uint64_t index, uint64_t nr,
                          bool write);
/* Reclaim evicted the folio at index (nr pages): its slots keep shadow. 0 or VML_EHOST. */
int workingset_cache_evict(struct sim_file *f, uint64_t index, uint64_t nr, uint64_t shadow);
/* Truncation: the shadows at and past index from go (truncate_inode_pages_range). */
void workingset_cache_truncate(struct sim_file *f, uint64_t from);
/* A swap-in page at pfn, just added to the swap cache and its inactive list, where shadow was
 * (0: none): the refault is evaluated and the page activated if recent. */
void workingset_swapin(struct vml_sim *sim, uint64_t pfn, uint64_t shadow);

/* ---- the reverse map (rmap.c) ---- */
/* Called for each present 4 KiB entry mapping the page; non-zero stops the walk. */
typedef int (*rmap_fn)(struct vml_sim *sim, struct sim_mm *mm, struct vma *v,
                       const struct vml_pt_leaf *leaf, void *ctx);
/* rmap_walk over the page pfn's mappings (by PTE; PMD mappings are not walked). */
int rmap_walk(struct vml_sim *sim, uint64_t pfn, rmap_fn fn, void *ctx);
/* folio_referenced: the folio's young PTEs, their accessed bits cleared; *vm_flags gets the
 * flags of the VMAs seen (VM_LOCKED: an mlocked VMA maps it; the walk stopped there). */
int folio_referenced(struct vml_sim *sim, uint64_t head, uint64_t *vm_flags);
/* The one mapping a walk found, for a walk that would find the same (rmap_found_unmap). */
struct rmap_found {
    unsigned n; /* mappings the walk visited: the fields are the first's */
    struct sim_mm *mm;
    struct vma *v;
    struct vml_pt_leaf leaf;
};
/* folio_referenced of an order-0 page that also reports the mappings it visited in *found. */
int folio_referenced_found(struct vml_sim *sim, uint64_t pfn, uint64_t *vm_flags,
                           struct rmap_found *found);
/* try_to_unmap: every PTE of the folio goes; an anonymous folio's become swap entries of the
 * folio's swap cache entry. false when an mlocked VMA maps it (nothing after it unmapped). */
bool try_to_unmap(struct vml_sim *sim, uint64_t head);
/* try_to_unmap of an order-0 page whose one mapping found names, page tables, VMAs and tasks
 * unchanged since the walk that found it (and that walk cleared no accessed bit): the walk
 * try_to_unmap would make finds that mapping, so it is not made again. */
bool rmap_found_unmap(struct vml_sim *sim, const struct rmap_found *found);

/* ---- the cost model (cost.h) ---- */
#include "mm/cost.h"
/* Adds ns of work to the current operation (sim->work_ns). */
static inline void sim_charge(struct vml_sim *sim, uint64_t ns)
{
    sim->work_ns += ns;
}
/* The instant the current operation has reached: it began at the clock's reading and has
 * worked work_ns since (the clock moves on when it ends). */
static inline uint64_t sim_op_now(const struct vml_sim *sim)
{
    return sim->now_ns + sim->work_ns;
}
/* The current operation waits for a device completion at done_at (bdev_submit's answer): its
 * time reaches done_at, the wait counted in io_ns. Nothing when done_at has passed. */
static inline void sim_charge_io(struct vml_sim *sim, uint64_t done_at)
{
    uint64_t at = sim_op_now(sim);
    if (done_at > at) {
        sim->work_ns += done_at - at;
        sim->io_ns += done_at - at;
    }
}

/* ---- compaction (compaction.c) and migration (migrate.c) ---- */
/* enum compact_result, in the kernel's order (include/linux/compaction.h): callers keep the
 * largest. */
enum compact_result {
    COMPACT_NOT_SUITABLE_ZONE,
    COMPACT_SKIPPED,
    COMPACT_DEFERRED,
    COMPACT_NO_SUITABLE_PAGE,
    COMPACT_CONTINUE,
    COMPACT_COMPLETE,
    COMPACT_PARTIAL_SKIPPED,
    COMPACT_CONTENDED,
    COMPACT_SUCCESS,
};
enum compact_mode { COMPACT_ASYNC, COMPACT_SYNC_LIGHT }; /* MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT */
struct compact_totals {
    uint64_t migrate_scanned, free_scanned;
    unsigned node, zone; /* where it succeeded */
};
/* try_to_compact_pages for an allocation of order preferring node: every zone of the zonelist
 * until one has a free block of the order. direct: an allocation's own compaction. The
 * scanners' counts are added to tot (the caller counts them in vmstat). */
enum compact_result try_to_compact_pages(struct vml_sim *sim, unsigned node, unsigned order,
                                         enum compact_mode mode, bool direct,
                                         struct compact_totals *tot);
/* compaction_defer_reset after the allocation compaction made room for succeeded. */
void compaction_alloc_succeeded(struct vml_sim *sim, uint64_t pfn, unsigned order);
/* kcompactd_node_suitable: some zone of node would compact for order (not already able to
 * allocate it, room for targets, failing from fragmentation). */
bool kcompactd_node_suitable(struct vml_sim *sim, unsigned node, unsigned order);
/* kcompactd_do_work's zone loop: every zone of node, lowest first, compacted for order in
 * MIGRATE_SYNC_LIGHT unless deferred or unsuitable; the scanners' counts go to tot. */
void kcompactd_compact_node(struct vml_sim *sim, unsigned node, unsigned order,
                            struct compact_totals *tot);
/* ---- kcompactd (kcompactd.c) ---- */
/* Registers every node's kcompactd timer (the machine is being made). */
int kcompactd_init(struct vml_sim *sim);
/* wakeup_kcompactd: compaction for order on node is wanted from the instant when (the waker's
 * time: kswapd's batch end, or the operation's). */
void wakeup_kcompactd(struct vml_sim *sim, unsigned node, unsigned order, uint64_t when);
/* Runs the kcompactd work due by the operation's instant (another CPU ran it meanwhile). */
void kcompactd_catch_up(struct vml_sim *sim);
/* Whether compaction may migrate the page at pfn: an order-0 anonymous or page-cache page on
 * an LRU with no reference beyond its mappings and the cache. */
bool page_movable(const struct vml_sim *sim, uint64_t pfn, unsigned below);
/* Moves the page at old to the free frame new (taken for it): every mapping, the page-cache
 * slot and the page's state; old is freed. VML_EAGAIN when not every mapping was found. */
int migrate_page(struct vml_sim *sim, uint64_t old, uint64_t new);
/* A block of 2^order frames to migrate a folio of use into, as rq asks
 * (alloc_migration_target: __GFP_THISNODE for move_pages and migrate_pages, the VMA policy's
 * request for mbind). */
int page_alloc_migrate(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                       enum vml_frame_use use, uint64_t *pfn);
/* A PMD-mapped anonymous THP (mapped by PMDs only, not partially) moved whole to the block at
 * new of the same order (migrate_folio with remove_migration_pmd): every PMD rewritten and
 * flushed, the folio's state, LRU place and node counters moved. VML_EAGAIN when it is pinned
 * or a mapping is not found (nothing changed). */
bool thp_movable(const struct vml_sim *sim, uint64_t head);
int migrate_thp(struct vml_sim *sim, uint64_t old, uint64_t new);
/* Whether compaction working for order below may migrate the large folio headed at head: an
 * anonymous folio of a smaller order, mapped by PTEs only, unpinned. */
bool folio_movable_large(const struct vml_sim *sim, uint64_t head, unsigned below);
/* migrate_page for such a folio: new heads a free block of the same order taken for it. */
int migrate_folio_large(struct vml_sim *sim, uint64_t old, uint64_t new);
/* ---- the slab model (slab.c) ---- */
/* A statement creates or opens a regular file: its inode and dentry are allocated if they are
 * not cached (VML_ENOMEM when no slab page can be had). */
int slab_file_open(struct vml_sim *sim, struct sim_file *f);
/* The statement's last reference goes (dput): an unused dentry goes on the dentry LRU, or is
 * marked referenced there. Also called when the last mapping of a named file goes. */
void slab_file_close(struct vml_sim *sim, struct sim_file *f);
/* open then close: what read, write, fsync and the like do to the file's objects. */
int slab_file_touch(struct vml_sim *sim, struct sim_file *f);
/* The file dies: its objects are freed. */
void slab_file_free(struct vml_sim *sim, struct sim_file *f);
/* shrink_slab (mm/shrinker.c) for node at reclaim priority (sc->priority, DEF_PRIORITY 12 .. 0):
 * do_shrink_slab on the file system's superblock shrinker, the one shrinker of this model;
 * returns the objects freed. 6.18 scales the scan by priority (freeable >> priority), not by
 * the LRU pages scanned / eligible as kernels before 4.16 did. */
uint64_t shrink_slab(struct vml_sim *sim, unsigned node, int priority);
/* drop_caches 2: drop_slab (counts the drop_slab event). */
void slab_drop(struct vml_sim *sim);
/* Slab pages, all reclaimable (SReclaimable, nr_slab_reclaimable): total and per node. */
uint64_t slab_reclaimable_pages(const struct vml_sim *sim);
uint64_t slab_node_reclaimable_pages(const struct vml_sim *sim, unsigned node);
/* Objects allocated in a cache (slabinfo's active_objs). */
uint64_t slab_objects(const struct vml_sim *sim, enum slab_cache_id c);
void slab_destroy(struct vml_sim *sim);
/* A slab of 2^order pages for a cache (allocate_slab), VML_USE_KERNEL. */
int page_alloc_slab(struct vml_sim *sim, unsigned node, unsigned order, uint64_t *pfn);

/* ---- /proc/zoneinfo (sim_zoneinfo.c) ---- */
int sim_zoneinfo(const struct vml_sim *sim, struct vml_text *out);

/* ---- reserves (watermark.c) ---- */
/* A zone's watermarks, pages (__setup_per_zone_wmarks, from sim->wmark). */
void zone_watermarks(const struct vml_sim *sim, unsigned node, unsigned zone, uint64_t *min,
                     uint64_t *low, uint64_t *high);
/* A zone's watermarks and lowmem_reserve[] (zone: enum vml_zone, or WZ_MOVABLE, WZ_DEVICE). */
const struct wmark_zone *zone_wmark(const struct vml_sim *sim, unsigned node, unsigned zone);
/* totalreserve_pages; the low watermarks of every zone summed (si_mem_available's wmark_low). */
uint64_t totalreserve_pages(const struct vml_sim *sim);
uint64_t wmark_low_pages(const struct vml_sim *sim);
/* The kernel's min_free_kbytes now (what /proc/sys/vm/min_free_kbytes reads). */
uint64_t sim_min_free_kbytes(const struct vml_sim *sim);
/* Boot: init_per_zone_wmark_min, then hugepage_init's set_recommended_min_free_kbytes. */
void wmark_init(struct vml_sim *sim);
/* After a store to sim->vm.min_free_kbytes (min_free_kbytes true) or watermark_scale_factor:
 * their sysctl handlers (user_min_free_kbytes, setup_per_zone_wmarks). */
void wmark_vm_written(struct vml_sim *sim, bool min_free_kbytes);
/* After a write to a THP enabled file: start_stop_khugepaged's set_recommended_min_free_kbytes. */
void wmark_thp_written(struct vml_sim *sim);
/* The state, brought up to date with sim->vm. */
const struct wmark_state *wmark_state(const struct vml_sim *sim);

/* ---- khugepaged (khugepaged.c) ---- */
/* The thread at boot: started when a PMD THP mode is enabled. VML_EHOST. */
int khugepaged_init(struct vml_sim *sim);
void khugepaged_destroy(struct vml_sim *sim);
/* khugepaged_enter_vma: registers the mm when the VMA, with its flags now, is one khugepaged
 * may collapse in. As in the kernel, a slot that cannot be allocated leaves the mm out. */
void khugepaged_enter_vma(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v);
/* khugepaged_fork: the child is registered when the parent is. */
void khugepaged_fork(struct vml_sim *sim, struct sim_mm *child, const struct sim_mm *parent);
/* khugepaged_exit, from exit_mmap. */
void khugepaged_exit(struct vml_sim *sim, struct sim_mm *mm);
/* What a sysfs write was to, for its side effects on the thread. */
enum khugepaged_write {
    KHUGEPAGED_WRITE_OTHER,   /* no effect until the next scan reads it */
    KHUGEPAGED_WRITE_ENABLED, /* enabled or hugepages-2048kB/enabled: start_stop_khugepaged */
    KHUGEPAGED_WRITE_SLEEP,   /* scan_ or alloc_sleep_millisecs: the thread wakes at once */
};
/* A sysfs write changed the settings from old to sim->thp. */
void khugepaged_settings_changed(struct vml_sim *sim, const struct vml_thp_settings *old,
                                 enum khugepaged_write what);

/* ---- tasks (sim.c) ---- */
struct sim_task *sim_task(const struct vml_sim *sim, int pid); /* live task or NULL */
/* The node of the CPU a task runs on (CPU 0's when it runs nowhere): where its pages go under
 * the default policy (local allocation). */
unsigned task_node(const struct vml_sim *sim, const struct sim_task *t);

/* ---- NUMA (mempolicy.c) ---- */
/* Builds the CPU-to-node table and every node's zonelist; VML_EINVAL with diag. */
int numa_init(struct vml_sim *sim, struct vml_diag *diag);
void numa_destroy(struct vml_sim *sim);
/* The allocating task's context for t (fault at addr in v, or v NULL: a system call); the
 * previous one goes in *save and comes back with mpol_leave. */
void mpol_enter(struct vml_sim *sim, struct sim_task *t, const struct vma *v, uint64_t addr,
                struct mpol_ctx *ctx, struct mpol_ctx **save);
void mpol_leave(struct vml_sim *sim, struct mpol_ctx *save);
/* What an allocation of 2^order frames for use may do under the current context: node is the
 * caller's preferred node when no task is at work; ilx the shmem index (ino + index >> order)
 * for VML_USE_SHMEM, else ignored. */
#define MPOL_NO_ILX UINT64_MAX
void mpol_request(struct vml_sim *sim, unsigned node, enum vml_frame_use use, unsigned order,
                  uint64_t ilx, struct alloc_req *rq);
/* The nodes an allocation of t's for a page of v (NULL: the page cache, a system call) may
 * reach without reclaim: its policy's nodemask under bind, every node otherwise (preferred,
 * interleave and local go on along the zonelist); *first, the node the zonelist walk starts
 * at (preferred's node, bind's first allowed along the local zonelist, else the local node). */
uint32_t mpol_alloc_scope(const struct vml_sim *sim, const struct sim_task *t, const struct vma *v,
                          unsigned *first);
/* mpol_new with mpol_set_nodemask: the interned policy, NULL for default; VML_EINVAL. */
int mpol_create(struct vml_sim *sim, const struct vml_mpol *in, const struct sim_mpol **out);
/* mpol_to_str: the policy text numa_maps prints. */
void mpol_to_str(const struct sim_mpol *pol, char *buf, size_t n);
/* Whether the CPU may run t. */
bool task_cpu_allowed(const struct sim_task *t, unsigned cpu);
/* Fork: the child's copy of the parent's policy, cursor and CPUs (copy_process). */
void mpol_fork(const struct sim_task *parent, struct sim_task *child);
void task_numa_init(const struct vml_sim *sim, struct sim_task *t);
/* find_next_best_node over the nodes not in *used (each pick added to it); node_load as
 * build_zonelists left it. -1 when none is left. */
int find_next_best_node(const struct vml_sim *sim, unsigned node, uint32_t *used,
                        const unsigned *node_load);

/* ---- memory tiers and demotion (memory_tiers.c) ---- */
/* memory_tier_late_init and establish_demotion_targets, from the topology numa_init built
 * (node_load as build_zonelists left it). VML_EINVAL with diag for node performance or a dax
 * node the kernel could not have (docs/numa.md, "Demotion"). */
int memory_tiers_init(struct vml_sim *sim, const unsigned *node_load, struct vml_diag *diag);
/* can_demote: demotion enabled and node has a target. */
bool can_demote(const struct vml_sim *sim, unsigned node);
/* node_is_toptier (for NUMA balancing's promotion). */
bool node_is_toptier(const struct vml_sim *sim, unsigned node);
/* demote_folio_list for one isolated folio (off its list) of node: migrated to a lower tier
 * (alloc_demote_folio: the target alone without reclaim, then the lower tiers), counted as
 * pgdemote_kswapd or _direct on node. The pages moved, 0 when it could not be (it stays
 * isolated, for reclaim to take), or a negative VML_E* error. */
int64_t demote_folio(struct vml_sim *sim, uint64_t pfn, unsigned node, bool kswapd);
/* The per-node pgdemote_* into a node's vmstat (sim_zoneinfo.c). */
void memtier_node_vmstat(const struct vml_sim *sim, unsigned node, struct vml_vmstat *out);
/* A block for a demoted folio (alloc_demote_folio: no direct reclaim, kswapd woken). */
int page_alloc_demote(struct vml_sim *sim, const struct alloc_req *rq, unsigned order,
                      enum vml_frame_use use, uint64_t *pfn);

/* The node items of vmstat for one node (sim_zoneinfo.c). */
void sim_node_vmstat(const struct vml_sim *sim, unsigned node, struct vml_vmstat *out);
/* The PCID an address space has on a CPU (its ASID + 1), or 0 if it holds no ASID there (so the
 * CPU caches nothing of it). Without PCID support: 0, the only tag. */
unsigned sim_pcid_on(const struct vml_sim *sim, unsigned cpu, const struct sim_mm *mm);
/* The live address space whose ASID on a CPU is pcid - 1, or NULL. */
const struct sim_mm *sim_mm_of_pcid(const struct vml_sim *sim, unsigned cpu, unsigned pcid);
/* Drops pcid's translations from every CPU for [start, end) (0, 0: everything). */
void sim_flush_range(struct vml_sim *sim, const struct sim_mm *mm, uint64_t start, uint64_t end);
/* The same for the one 4 KiB page at va (reclaim's unmap of each page it swaps out). */
void sim_flush_page(struct vml_sim *sim, const struct sim_mm *mm, uint64_t va);
/* The same with a stride of 1 << shift bytes (flush_tlb_mm_range's stride_shift): huge pages
 * are invalidated one INVLPG each, up to the same ceiling. */
void sim_flush_range_shift(struct vml_sim *sim, const struct sim_mm *mm, uint64_t start,
                           uint64_t end, unsigned shift);

/* ---- pages (page.c) ---- */
/* What an allocation may do when no block is free: the gfp bits the simulation models. */
#define GFP_DIRECT_RECLAIM 1u /* __GFP_DIRECT_RECLAIM: shrinkers and direct compaction */
#define GFP_NORETRY        2u /* __GFP_NORETRY */
#define GFP_KSWAPD_RECLAIM                                                                         \
    4u                         /* __GFP_KSWAPD_RECLAIM: a failure wakes kswapd (wake_all_kswapds)  \
                                */
#define GFP_TRANSHUGE_LIGHT 0u /* THP: fail at once */
#define GFP_TRANSHUGE       GFP_DIRECT_RECLAIM /* THP: compact and reclaim first */
static inline struct frame *sim_frame(const struct vml_sim *sim, uint64_t pfn)
{
    /* phys_frame's look-up, from the section table's address kept in sim */
    const struct phys_section *sec = &sim->sections[pfn >> SECTION_ORDER];
    return sec->frames ? &sec->frames[pfn & (SECTION_FRAMES - 1)] : NULL;
}
static inline unsigned sim_node(const struct vml_sim *sim, uint64_t pfn)
{
    return sim_frame(sim, pfn)->node;
}
/* vm_normal_page: whether a present entry maps a page that is accounted (not the zero page or
 * another special mapping). */
static inline bool pte_normal_page(const struct vml_sim *sim, uint64_t entry)
{
    return pte_present(entry) && !(entry & VML_PTE_SPECIAL) && vml_pte_pfn(entry) != sim->zero_pfn;
}
/* A new zeroed anonymous page on node (falling back to other nodes), refcount 1, mapcount 0,
 * on the inactive anon LRU. VML_ENOMEM when memory is exhausted. */
int page_alloc_anon(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                    uint64_t *pfn);
/* A page-table frame (zeroed content) on node, falling back to other nodes as any page does.
 * VML_ENOMEM when memory is exhausted. */
int page_alloc_table(struct vml_sim *sim, unsigned node, uint64_t *pfn);
/* A PTE table to deposit beside a THP: without content until split_huge_pmd gives it some. */
int page_alloc_deposit(struct vml_sim *sim, unsigned node, uint64_t *pfn);
/* A new page for a file's cache (refcount 1 held by the cache), on the file or anon LRU. */
int page_alloc_cache(struct vml_sim *sim, unsigned node, struct sim_file *f, uint64_t index,
                     uint64_t *pfn);
/* The pages [index, index + 2^order) of a regular file's large folio: one block of that order
 * from the buddy allocator (__GFP_NORETRY), made 2^order cache pages as page_alloc_cache makes
 * one. VML_ENOMEM when no block of the order can be had. *pfn: the first. */
int page_alloc_cache_block(struct vml_sim *sim, unsigned node, struct sim_file *f, uint64_t index,
                           unsigned order, uint64_t *pfn);
/* A page gains / loses a PTE mapping in mm (rmap): mapcount and refcount, NR_*_MAPPED. A
 * subpage of a large folio counts in the folio (its head). */
void page_add_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pfn);
void page_remove_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pfn);
/* An anonymous THP (order 9, zeroed, exclusive, refcount 1, unmapped, on the inactive anon
 * LRU), or VML_ENOMEM when no node has a free 2 MiB block. */
int page_alloc_thp(struct vml_sim *sim, unsigned node, uint64_t lineage, uint64_t index,
                   unsigned gfp, uint64_t *pfn);
/* A large anonymous folio of any order 2..9 (mTHP below 9), as page_alloc_thp. */
int page_alloc_large(struct vml_sim *sim, unsigned node, unsigned order, uint64_t lineage,
                     uint64_t index, unsigned gfp, uint64_t *pfn);
/* A THP gains / loses a PMD mapping in mm (head: its first frame). */
void page_add_pmd_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t head);
void page_remove_pmd_map(struct vml_sim *sim, const struct sim_mm *mm, uint64_t head);
/* The head frame of the folio holding pfn (pfn itself for a single page). Inline, as the next
 * two: reclaim asks them several times for every page it scans. */
uint64_t folio_head_of_tail(const struct vml_sim *sim, uint64_t pfn);
static inline uint64_t folio_head(const struct vml_sim *sim, uint64_t pfn)
{
    return (sim_frame(sim, pfn)->flags & PGF_HEAD) ? pfn : folio_head_of_tail(sim, pfn);
}
/* A head frame's large-folio state, or NULL for a single page. */
static inline struct large_folio *folio_large(const struct vml_sim *sim, const struct frame *head)
{
    return (head->flags & PGF_LARGE) ? &sim->folios[head->aux2 - 1] : NULL;
}
/* folio_precise_page_mapcount: the subpage's PTE mappings plus the folio's PMD ones. */
static inline int page_mapcount(const struct vml_sim *sim, uint64_t pfn)
{
    const struct frame *f = sim_frame(sim, pfn);
    const struct large_folio *lf = folio_large(sim, sim_frame(sim, folio_head(sim, pfn)));
    return f->mapcount + (lf ? lf->entire_mapcount : 0);
}
/* folio_mapcount: every mapping of the folio. */
int folio_mapcount(const struct vml_sim *sim, const struct frame *head);
/* Whether every mapping of the folio belongs to mm (folio_maybe_mapped_shared is false and the
 * mm's count is the whole count). */
bool folio_mapped_by_one_mm(const struct vml_sim *sim, const struct frame *head,
                            const struct sim_mm *mm);
/* deferred_split_scan, run when an allocation finds no free block (the simulation's memory
 * pressure, until reclaim exists): every queued folio that no PMD maps and that is not mlocked
 * is split into 4 KiB pages and its unmapped pages are freed (thp_split_page, stats split).
 * Returns the pages freed. */
uint64_t deferred_split_shrink(struct vml_sim *sim);
/* split_folio for an anonymous large folio mapped by PTEs only, not mlocked: its pages become
 * 4 KiB folios with its state (stats split, thp_split_page for a THP), the unmapped ones freed.
 * Returns the pages freed. */
uint64_t folio_split(struct vml_sim *sim, uint64_t head);
/* The same, counted as a split (thp_split_page, the size's split) only with count: reclaim
 * keeps a large folio it swaps whole in the swap cache as single pages (vmscan.c), which the
 * kernel does not split. */
uint64_t folio_split_counted(struct vml_sim *sim, uint64_t head, bool count);
/* Before a PMD-mapped anonymous folio at head is split (vmscan.c): every PMD mapping it is
 * split into PTEs (try_to_unmap's TTU_SPLIT_HUGE_PMD; thp_split_pmd each). 0 or VML_E*. */
int split_pmd_maps(struct vml_sim *sim, uint64_t head);
/* deferred_split_folio: a large folio left partly mapped is queued (counted once). */
void folio_deferred_split(struct vml_sim *sim, struct frame *head);
/* Drops a reference; the page is freed (and leaves its LRU) at zero. */
void page_put(struct vml_sim *sim, uint64_t pfn);
/* page_put of a single page (not a large folio's) that is on no LRU list: reclaim's, which
 * isolated it (putting it back only for page_put to take it off again cost two list updates
 * and a neighbour's cache line for each page freed). */
void page_put_isolated(struct vml_sim *sim, uint64_t pfn);
void page_set_dirty(struct vml_sim *sim, uint64_t pfn);
/* mm/swap.c: folio_mark_accessed: the first access sets PG_referenced, the second moves the
 * page to the active list and clears it. */
void page_mark_accessed(struct vml_sim *sim, uint64_t pfn);
/* A VM_LOCKED mapping of the page comes or goes (frame->aux counts them): the page is on the
 * unevictable list while any does. */
void page_mlock(struct vml_sim *sim, uint64_t pfn);
void page_munlock(struct vml_sim *sim, uint64_t pfn);
/* PSS of one mapping of a 4 KiB page, in bytes << PSS_SHIFT (fs/proc/task_mmu.c:
 * smaps_account): whole when the page has one reference, else split by its mapcount. */
#define PSS_SHIFT 12
static inline uint64_t page_pss(const struct frame *f)
{
    uint64_t whole = PAGE_SIZE << PSS_SHIFT;
    if (f->refcount == 1 || f->mapcount < 2)
        return whole;
    return whole / (uint64_t)f->mapcount;
}
/* Which LRU list a page is on. */
static inline enum lru_list page_lru(const struct frame *f)
{
    if (f->flags & PGF_MLOCKED)
        return LRU_UNEVICTABLE;
    /* Shmem is swap-backed: it lives on the anon lists (folio_is_file_lru). */
    bool file = (f->flags & PGF_CACHE) && !(f->flags & PGF_SHMEMPG);
    return (enum lru_list)((file ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON) +
                           ((f->flags & PGF_ACTIVE) ? 1 : 0));
}

/* ---- LRU lists (lru.c) ---- */
/* The lists a folio is on: its cgroup's on its node (folio_lruvec). */
static inline struct lruvec *folio_lruvec(const struct vml_sim *sim, const struct frame *f)
{
    return &sim->memcgs[f->memcg]->lruvec[f->node];
}
/* A folio's pages (folio_nr_pages): 2^order for an anonymous large folio, else 1. */
static inline uint64_t folio_nr_pages(const struct frame *f)
{
    return (f->flags & PGF_LARGE) ? 1ull << f->order : 1;
}
/* The folio headed at pfn joins the list its flags name, at the head (lruvec_add_folio) or the
 * tail (lruvec_add_folio_tail), or leaves it (lruvec_del_folio). Flags that choose the list
 * change only while the folio is off it. */
void lru_add(struct vml_sim *sim, uint64_t pfn);
void lru_add_tail(struct vml_sim *sim, uint64_t pfn);
void lru_del(struct vml_sim *sim, uint64_t pfn);
/* The folio headed at pfn (frame f, which the callers have at hand), on its list, moves to the
 * head or the tail of it (lru_del then lru_add or lru_add_tail without a change of flags: the
 * counts stay; lru_move_tail is the kernel's lru_move_tail, folio_rotate_reclaimable's move). */
void lru_move_head(struct vml_sim *sim, uint64_t pfn, struct frame *f);
void lru_move_tail(struct vml_sim *sim, uint64_t pfn, struct frame *f);
/* folio_end_writeback's PG_reclaim step for the folio headed at pfn, on a list: PG_reclaim
 * clears, and a clean evictable folio goes to the tail of its inactive list, leaving the
 * active one if it was there (folio_rotate_reclaimable, lru_move_tail: PGROTATED). */
void folio_rotate_reclaimable(struct vml_sim *sim, uint64_t pfn, struct frame *f);
/* The free frame new takes old's place on its list (migration, same node). */
void lru_replace(struct vml_sim *sim, uint64_t old, uint64_t new);

/* ---- files (pagecache.c) ---- */
struct sim_file *sim_file(const struct vml_sim *sim, int id);
int file_id_of(const struct vml_sim *sim, const struct sim_file *f);
/* The cached page at index, or 0 (pfn + 1 encoding hidden). */
uint64_t cache_lookup(const struct sim_file *f, uint64_t index, uint64_t *pfn);
/* Finds or brings in the page at index; *major is set when a regular file's page was not
 * cached (filemap_fault's VM_FAULT_MAJOR; every miss is a hole, zero-filled: pagecache.c). */
int cache_get(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned node, uint64_t *pfn,
              bool *major);
/* A cache slot holds pfn + 1 in its low bits and the order of the folio the page belongs to
 * above CACHE_ORDER_SHIFT (page-cache folios are naturally aligned: the folio of index starts
 * at index rounded down to its size). */
#define CACHE_ORDER_SHIFT 58
#define CACHE_PFN_MASK    ((1ull << CACHE_ORDER_SHIFT) - 1)
/* The order of the folio caching index (0 when not cached). */
unsigned cache_order(const struct sim_file *f, uint64_t index);
/* No page of [index, index + nr) is cached. */
bool cache_range_empty(const struct sim_file *f, uint64_t index, uint64_t nr);
/* filemap_add_folio: a new folio of 2^order pages at index (aligned, range empty); write: added
 * to be written (__GFP_WRITE: a refault there is not evaluated, workingset.c). A regular file's
 * folio of order 1 or more is one physically contiguous block (VML_ENOMEM when the allocator
 * has none of that order: the callers fall back to smaller folios, as the kernel's do). */
int cache_add_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned order,
                    unsigned node, bool write, uint64_t *head);
/* The pfn of the first page of the folio caching index (which must be cached). */
uint64_t cache_folio_pfn(const struct sim_file *f, uint64_t index);
/* folio_mark_dirty: the whole folio caching index. */
void cache_folio_set_dirty(struct vml_sim *sim, struct sim_file *f, uint64_t index);
/* folio_mkclean: every shared mapping of the folio of nr pages at start write-protected and
 * cleaned, so that the next store faults and dirties it again (write-notify). */
void cache_folio_mkclean(struct vml_sim *sim, struct sim_file *f, uint64_t start, uint64_t nr);
/* filemap_remove_folio of the (unmapped) folio starting at index: its pages leave the cache and
 * are freed. Returns its pages. */
uint64_t cache_remove_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index);
/* The file whose cache holds pfn, or NULL. */
struct sim_file *cache_file_of(const struct vml_sim *sim, uint64_t pfn);
/* set_page_dirty for a mapped page: a regular file's whole folio, else the page. */
void cache_page_set_dirty(struct vml_sim *sim, uint64_t pfn);
/* Makes room in the index for index (VML_EHOST), then stores a page there. */
int cache_reserve(struct sim_file *f, uint64_t index);
void cache_add(struct sim_file *f, uint64_t index, uint64_t pfn);
void file_get(struct sim_file *f);
void file_put(struct vml_sim *sim, struct sim_file *f);
/* A new unnamed shmem object for a MAP_SHARED|MAP_ANONYMOUS mapping. */
int file_create_anon_shm(struct vml_sim *sim, uint64_t size, struct sim_file **out);
/* A swap file's own inode and page cache, with the header page swapon reads through it
 * (read_swap_header -> read_mapping_folio: Cached +4 kB while the file exists). Unnamed:
 * nothing of the scenario can open it. Freed by file_put. */
int file_create_swap_header(struct vml_sim *sim, uint64_t size, struct sim_file **out);
/* A new unlinked hugetlbfs inode of size bytes for a MAP_HUGETLB mapping (hstate: its pool's
 * enum vml_huge_size + 1). */
int file_create_hugetlb(struct vml_sim *sim, unsigned hstate, uint64_t size, struct sim_file **out);
void files_destroy(struct vml_sim *sim);

/* ---- reading file pages from the disk (disk_io.c) ---- */
/* The pages [first, end) of a regular file were just added to its cache by a miss or a
 * readahead window, nr of them new (the rest were cached): they are read from sim->disk as one
 * request at the byte position of first. sync: the current operation waits for it (a miss);
 * else it is in flight and the pages are uptodate when it completes (asynchronous readahead). */
void disk_read_pages(struct vml_sim *sim, struct sim_file *f, uint64_t first, uint64_t end,
                     uint64_t nr, bool sync);
/* A cached page the current operation uses: if an asynchronous read still brings it in, the
 * operation waits for its completion (folio_wait_locked in filemap_fault and filemap_read). */
void disk_wait_page(struct vml_sim *sim, struct sim_file *f, uint64_t index);
/* ---- shmem swap (shmem.c) ---- */
/* Whether the shmem object's page at index is swapped out; *entry (may be NULL) its entry. */
bool shmem_swapped_at(const struct sim_file *f, uint64_t index, uint64_t *entry);
/* shmem_writeout for the dirty, unmapped shmem page pfn of f (off its list): a slot, the page
 * from the page cache into the swap cache, the entry in its place, dirty for the write that
 * follows. *activate: no slot (or no swap, or mlocked): the caller activates it instead. */
int shmem_writeout(struct vml_sim *sim, struct sim_file *f, uint64_t pfn, bool *activate);
/* shmem_swapin_folio for the swapped page at index: from the swap cache if it is still there,
 * else read from the device (*major); back in the page cache, dirty, the slot freed.
 * VML_ENOENT when the index holds no swap entry. */
int shmem_swapin(struct vml_sim *sim, struct sim_file *f, uint64_t index, unsigned node,
                 uint64_t *pfn, bool *major);
/* shmem_free_swap over pages [from, to): the entries' slots are released. VML_EHOST. */
int shmem_free_swap_range(struct vml_sim *sim, struct sim_file *f, uint64_t from, uint64_t to);
/* smaps Swap of a shmem VMA: the object's swapped pages in its range that no PTE maps. */
uint64_t shmem_swapped_pages(const struct vml_sim *sim, const struct sim_mm *mm,
                             const struct vma *v);
/* shmem_unuse at swapoff: every shmem page swapped to area type comes back. */
int shmem_unuse(struct vml_sim *sim, unsigned type);
/* ---- writeback (writeback.c) ---- */
/* The flusher's timers, at machine creation; VML_EHOST. */
int writeback_init(struct vml_sim *sim);
void writeback_destroy(struct vml_sim *sim);
/* global_dirty_limits: the background and the hard dirty thresholds, pages, from the
 * dirtyable memory (global_dirtyable_memory) and the vm.dirty_* settings (domain_dirty_limits). */
void global_dirty_limits(const struct vml_sim *sim, uint64_t *bg_thresh, uint64_t *thresh);
/* global_dirtyable_memory: free pages above the reserve plus the file LRU pages, plus 1. */
uint64_t global_dirtyable_memory(const struct vml_sim *sim);
/* wakeup_flusher_threads (WB_REASON_VMSCAN, and a new dirty_writeback_centisecs): the flusher
 * starts writing every dirty page now. 0 or VML_E*. */
int wakeup_flusher_threads(struct vml_sim *sim);
/* reclaim_throttle(VMSCAN_THROTTLE_WRITEBACK) for the current operation: it waits until the
 * first page-cache write in flight ends, or until limit (an instant), whichever is sooner, and
 * the writes ended by then complete. False when no write is in flight. */
bool writeback_wait_next(struct vml_sim *sim, uint64_t limit);
/* __mark_inode_dirty(I_DIRTY_PAGES): a regular file got its first dirty page; it joins the
 * flusher's list, whose first entry wakes the flusher dirty_writeback_centisecs later. */
void writeback_inode_dirtied(struct vml_sim *sim, struct sim_file *f);
/* folio_wait_writeback: if the page at index of f is under writeback, t (may be NULL) waits for
 * its write to complete (the clock moves there, the wait recorded in t's fault record). */
int writeback_folio_wait(struct vml_sim *sim, struct sim_task *t, struct sim_file *f,
                         uint64_t index);
/* Writes back the dirty folio caching index of f (folio_clear_dirty_for_io, then
 * folio_start_writeback and the disk request); sync: the caller waits for the disk (the clock
 * moves to the completion). 0 when the folio was clean or is now under writeback. */
int writeback_folio(struct vml_sim *sim, struct sim_file *f, uint64_t index, bool sync);
/* file_write_and_wait_range over pages [from, to): every dirty folio written, then every folio
 * under writeback there waited for (the clock moves to the last completion; the wait is
 * recorded in t's fault record when t is not NULL). */
int writeback_range_wait(struct vml_sim *sim, struct sim_task *t, struct sim_file *f, uint64_t from,
                         uint64_t to);
/* balance_dirty_pages_ratelimited after task t dirtied pages: starts background writeback above
 * the background threshold and pauses t above the freerun ceiling (the pause is simulated time
 * the operation takes, recorded in t's fault record). */
int balance_dirty_pages_ratelimited(struct vml_sim *sim, struct sim_task *t);
/* invalidate_mapping_pages over pages [from, to): drops the clean, unmapped, unlocked folios not
 * under writeback; returns the pages dropped. */
uint64_t invalidate_mapping_pages(struct vml_sim *sim, struct sim_file *f, uint64_t from,
                                  uint64_t to);

/* ---- readahead (readahead.c) ---- */
/* struct file_ra_state, in pages: the window [start, start + size), its last async_size pages
 * lookahead; mmap_miss counts mmap misses not made up by hits; prev_pos the byte after the
 * last read(2), UINT64_MAX when none. One per open file: a mapping's (shared by the VMAs
 * split from it and the children that inherit it) or one read(2)/write(2)'s. */
struct sim_ra {
    uint64_t start, size, async_size;
    unsigned order; /* ra->order: the folio order of the last window */
    unsigned mmap_miss;
    uint64_t prev_pos;
};
/* bdi->ra_pages: the most one window reads; 0 = no readahead. */
uint64_t ra_pages(const struct vml_sim *sim);
void ra_init(struct sim_ra *ra);
/* A new state owned by the machine (a mapping's open file). VML_EHOST. */
int ra_new(struct vml_sim *sim, struct sim_ra **out);
void ras_destroy(struct vml_sim *sim);
/* page_cache_sync_ra: a read(2) of req pages from index found index missing. */
int ra_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t index,
            uint64_t req, unsigned node);
/* page_cache_async_ra: a read(2) reached the marked page pfn at index. */
int ra_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t pfn,
             uint64_t index, uint64_t req, unsigned node);
/* do_sync_mmap_readahead: a fault on a mapping with flags vm_flags, which maps file pages
 * [vma_pgoff, vma_end), missed index. */
int ra_mmap_sync(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                 uint64_t vma_pgoff, uint64_t vma_end, uint64_t index, unsigned node);
/* do_async_mmap_readahead: a fault found index cached; *submitted when its folio was the
 * mark and the next window was read (the fault is then retried). */
int ra_mmap_async(struct vml_sim *sim, struct sim_file *f, struct sim_ra *ra, uint64_t vm_flags,
                  uint64_t index, unsigned node, bool *submitted);

/* ---- address spaces (mm.c, mmap.c, fault.c, fork.c) ---- */
/* A process's first address space: layout, [stack] VMA, empty heap. node: that of the CPU
 * the creating task runs on, where its page tables go first. */
int mm_create(struct vml_sim *sim, unsigned node, struct sim_mm **out);
/* An address space with no VMA and the given layout (fork's child). */
int mm_create_empty(struct vml_sim *sim, const struct mmap_layout *layout, unsigned node,
                    struct sim_mm **out);
/* vm_stat_account: total_vm and the data/exec/stack counts, by sign. */
void vm_stat_account(struct sim_mm *mm, uint64_t flags, uint64_t pages, int sign);
void mm_destroy(struct vml_sim *sim, struct sim_mm *mm);
/* Handles a page fault at va for an access; 0 when resolved, else VML_SEGV_MAPERR/ACCERR
 * (positive) or a negative VML_E* (simulated memory exhausted: OOM). */
int handle_mm_fault(struct vml_sim *sim, struct sim_task *t, uint64_t va, enum vml_access access,
                    bool *major);
/* fork's copy; node: that of the CPU the parent runs on (copy_page_range runs in the parent,
 * so the child's first tables are allocated there). */
int mm_fork(struct vml_sim *sim, struct sim_mm *parent, unsigned node, struct sim_mm **child);
/* The leaf PTE flags of a VMA's protection (vm_get_page_prot): writable only when asked. */
uint64_t vma_pte_flags(const struct vma *v, bool writable);
/* Unmaps the pages of [start, end) inside v (zap_page_range_single): rmap and RSS updated.
 * reclaim_pt (zap_details.reclaim_pt, set by MADV_DONTNEED): the PTE tables the range covers
 * whole are freed too, when the machine has CONFIG_PT_RECLAIM. */
void zap_range(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
               uint64_t end, bool reclaim_pt);
/* RSS counter of a mapped page: MM_ANONPAGES, MM_FILEPAGES or MM_SHMEMPAGES. */
int mm_counter_of(const struct frame *f);
void mm_update_hiwater(struct sim_mm *mm);
/* anon_vma_prepare: the VMA's anonymous lineage, made at its first anonymous page. */
void vma_anon_prepare(struct vml_sim *sim, struct vma *v);

/* ---- transparent huge pages (thp.c) ---- */
/* VML_ENOTSUP with diag's message when s holds a value the simulation does not model yet. */
int thp_settings_check(const struct vml_thp_settings *s, struct vml_diag *diag);

/* ---- PMD-mapped THP (huge_memory.c) ---- */
#define THP_FALLBACK 100 /* VM_FAULT_FALLBACK: handle the fault with small pages */
/* Whether the mm and the VMA allow a PMD THP under the settings (thp_vma_allowable_order
 * without the size check) and whether [haddr, haddr + 2 MiB) lies in the VMA. */
bool thp_vma_allowable(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v);
bool thp_vma_suitable(const struct vma *v, uint64_t haddr);
/* smaps' THPeligible. */
/* The orders (bit o for order o, 2..9) THP and mTHP faults may use in v. */
unsigned thp_vma_allowable_orders(const struct vml_sim *sim, const struct sim_mm *mm,
                                  const struct vma *v);
bool thp_smaps_eligible(const struct vml_sim *sim, const struct sim_mm *mm, const struct vma *v);
bool is_huge_zero_pfn(const struct vml_sim *sim, uint64_t pfn);
/* do_huge_pmd_anonymous_page: 0, THP_FALLBACK, or an error. */
int do_huge_pmd_anonymous_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                               bool write);
/* A write to a read-only PMD: 0 (done) or THP_FALLBACK (the PMD was split: the small page's
 * write fault follows), or an error. */
int do_huge_pmd_wp_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                        const struct vml_pt_leaf *leaf);
/* Splits the PMD at haddr into 512 PTEs if it maps a THP (thp_split_pmd); 0 when there is none. */
int split_huge_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t haddr);
/* Splits the PMDs that [start, end) cuts. */
void thp_split_edges(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                     uint64_t end);
/* zap_huge_pmd for a 2 MiB leaf being unmapped (the caller clears the entry). */
void zap_huge_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vml_pt_leaf *leaf,
                  bool locked);
/* do_set_pmd: maps the PMD-sized page-cache folio of f that v's 2 MiB block around va holds
 * with one PMD entry of the given flags, when the VMA, the alignment, the folio and an empty
 * PMD allow it: 0, THP_FALLBACK, or an error. */
int do_set_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, struct sim_file *f,
               uint64_t va, uint64_t flags);
/* A file PMD leaf goes: rmap, RSS, dirty and referenced to the folio (the caller clears the
 * entry). */
void zap_file_pmd(struct vml_sim *sim, struct sim_mm *mm, const struct vml_pt_leaf *leaf,
                  bool locked);
/* copy_huge_pmd: fork's copy of a PMD leaf into child. */
int copy_huge_pmd(struct vml_sim *sim, struct sim_mm *child, const struct vma *v,
                  const struct vml_pt_leaf *leaf, bool cow);
/* collapse_huge_page's work once a 2 MiB block mapped by a PTE table has passed the scan: a
 * new THP on node (falling back to other nodes) takes the present pages' contents, holes and
 * zero-page entries reading as zeroes, and the table becomes its deposit. Counts
 * thp_collapse_alloc or _failed. 0, VML_EINVAL (a page collapse cannot take), VML_ENOMEM (no
 * free 2 MiB block) or VML_EHOST. */
int thp_collapse_block(struct vml_sim *sim, struct sim_mm *mm, struct vma *v, uint64_t haddr,
                       unsigned node, unsigned gfp);
/* vma_thp_gfp_mask: what a THP or mTHP fault's allocation may do, by defrag and VM_HUGEPAGE. */
unsigned vma_thp_gfp_mask(const struct vml_sim *sim, const struct vma *v);
/* MADV_COLLAPSE over [start, end): 0, VML_EINVAL (a VMA that cannot have THPs, an empty PMD, a
 * part of a VMA holding no whole block, or a page collapse cannot take), VML_ENOMEM (no 2 MiB
 * block free, or a hole in the range). */
int thp_madvise_collapse(struct vml_sim *sim, struct sim_task *t, uint64_t start, uint64_t end);
/* Frees the mm's deposited tables (exit). */
void thp_mm_destroy(struct vml_sim *sim, struct sim_mm *mm);

/* ---- hugetlb (hugetlb.c) ---- */
struct hugetlb_resv; /* a private mapping's reserve map */
/* Sets up the pools the CPU supports and fills them as boot-time hugepages= would. */
int hugetlb_init(struct vml_sim *sim);
/* The pool of MAP_HUGE_* bits in mmap flags (0: the default, 2 MiB), or NULL if there is none
 * of that size. */
struct hstate *hugetlb_hstate_of_flags(struct vml_sim *sim, unsigned flags);
static inline uint64_t hstate_size(const struct hstate *h)
{
    return PAGE_SIZE << h->order;
}
static inline unsigned hstate_shift(const struct hstate *h)
{
    return PAGE_SHIFT + h->order;
}
struct hstate *vma_hstate(const struct vml_sim *sim, const struct vma *v);
/* mmap of a MAP_HUGETLB range: the hugetlbfs inode, and the reservation (hugetlb_reserve_pages)
 * unless noreserve. hugetlb_mmap_check says whether the reservation would succeed
 * (VML_ENOMEM), changing nothing. *priv gets what the VMA must carry (the private reserve map),
 * *f the new file (no reference held). On failure nothing is left. */
int hugetlb_mmap_check(const struct hstate *h, uint64_t len, bool noreserve);
int hugetlb_mmap(struct vml_sim *sim, struct hstate *h, uint64_t len, uint64_t off, bool shared,
                 bool noreserve, bool writable, struct sim_file **f, void **priv);
/* Undoes hugetlb_mmap when the VMA could not be made. */
void hugetlb_mmap_abort(struct vml_sim *sim, struct sim_file *f, void *priv);
/* The page fault in a hugetlb VMA (hugetlb_fault): 0, VML_BUS_ADRERR (SIGBUS) or an error. */
int hugetlb_fault(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va, bool write);
/* Unmaps the huge pages of [start, end) inside v (__unmap_hugepage_range) and flushes them. */
void hugetlb_zap(struct vml_sim *sim, struct sim_mm *mm, const struct vma *v, uint64_t start,
                 uint64_t end);
/* fork: copies v's entries into child (copy_hugetlb_page_range). */
int hugetlb_copy(struct vml_sim *sim, const struct sim_mm *parent, struct sim_mm *child,
                 const struct vma *v);
/* Whether v may be split at addr (hugetlb_vm_op_split): VML_EINVAL if not huge aligned. */
int hugetlb_may_split(const struct vml_sim *sim, const struct vma *v, uint64_t addr);
/* vm_ops->open on a split piece, vm_ops->close on a VMA that goes. */
void hugetlb_vma_open(struct vma *v);
void hugetlb_vma_close(struct vml_sim *sim, struct vma *v);
/* The hugetlbfs inode dies: its cached pages and unused reservations go back. */
void hugetlb_file_free(struct vml_sim *sim, struct sim_file *f);
/* The huge page index of va in v (vma_hugecache_offset). */
uint64_t hugetlb_index(const struct hstate *h, const struct vma *v, uint64_t va);
/* The private reserve map a VMA owns, or NULL (not the owner, shared, or noreserve). */
const struct hugetlb_resv *hugetlb_vma_resv(const struct vma *v);
/* Whether the owner's map records idx as consumed (faulted), for the checker. */
bool hugetlb_resv_consumed(const struct hugetlb_resv *r, uint64_t idx);
void hugetlb_resv_range(const struct hugetlb_resv *r, uint64_t *first, uint64_t *n);

#endif
