/* proc.h: /proc records and the kernel's text formats for them, byte for byte.
 *
 * One record type per /proc file, holding the values as the kernel prints them (kB for sizes,
 * pages for statm, counts for HugePages_*). The simulator fills records from its state, the
 * Linux backend's parsers fill them from real /proc text, and both meet here; the formatters
 * write what Linux 6.18 writes (fs/proc/meminfo.c, fs/proc/task_mmu.c, fs/proc/array.c), as
 * checked against captures from a real kernel in tests/fixtures/proc/.
 */
#ifndef VMLAB_PROC_H
#define VMLAB_PROC_H

#include "vmlab/base.h"
#include "vmlab/vmstat_items.h"

/* /proc/meminfo, every line of Linux 6.18 in the kernel's order. kB, except hugepages_* (huge
 * pages, counts). Lines of subsystems a simulation does not model are printed as 0. */
struct vml_meminfo {
    uint64_t mem_total, mem_free, mem_available, buffers, cached, swap_cached;
    uint64_t active, inactive, active_anon, inactive_anon, active_file, inactive_file;
    uint64_t unevictable, mlocked, swap_total, swap_free, zswap, zswapped;
    uint64_t dirty, writeback, anon_pages, mapped, shmem;
    uint64_t kreclaimable, slab, sreclaimable, sunreclaim, kernel_stack, page_tables;
    uint64_t sec_page_tables, nfs_unstable, bounce, writeback_tmp, commit_limit, committed_as;
    uint64_t vmalloc_total, vmalloc_used, vmalloc_chunk, percpu;
    uint64_t anon_huge_pages, shmem_huge_pages, shmem_pmd_mapped, file_huge_pages;
    uint64_t file_pmd_mapped, balloon;
    uint64_t hugepages_total, hugepages_free, hugepages_rsvd, hugepages_surp; /* counts */
    uint64_t hugepagesize, hugetlb, direct_map_4k, direct_map_2m, direct_map_1g;
};

/* The header line of a mapping, as /proc/PID/maps prints it. */
struct vml_vma_header {
    uint64_t start, end; /* addresses */
    char perms[5];       /* "rw-p": r/-, w/-, x/-, s (may share) or p */
    uint64_t offset;     /* bytes into the file (vm_pgoff << 12), 0 for anonymous memory */
    unsigned dev_major;  /* device of the file, 0:0 for anonymous memory */
    unsigned dev_minor;
    uint64_t inode;   /* 0 for anonymous memory */
    const char *name; /* path or [heap], [stack], [vdso] ...; NULL or "" for none (borrowed) */
};

/* The counters of an smaps block or of smaps_rollup, kB. pss_anon, pss_file and pss_shmem are
 * printed only in smaps_rollup. */
struct vml_smaps_counts {
    uint64_t rss, pss, pss_dirty, pss_anon, pss_file, pss_shmem;
    uint64_t shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous;
    uint64_t ksm, lazyfree, anon_huge_pages, shmem_pmd_mapped, file_pmd_mapped;
    uint64_t shared_hugetlb, private_hugetlb, swap, swap_pss, locked;
};

/* One block of /proc/PID/smaps. */
struct vml_smaps {
    struct vml_vma_header hdr;
    uint64_t size;             /* kB */
    uint64_t kernel_page_size; /* kB */
    uint64_t mmu_page_size;    /* kB */
    struct vml_smaps_counts c;
    unsigned thp_eligible; /* 0 or 1 */
    const char *vm_flags;  /* two-letter flags separated by spaces, e.g. "rd wr mr mw me ac"
                            * (borrowed) */
};

/* The memory lines of /proc/PID/status (VmPeak ... VmSwap, then HugetlbPages), kB. */
struct vml_status_mem {
    uint64_t vm_peak, vm_size, vm_lck, vm_pin, vm_hwm, vm_rss;
    uint64_t rss_anon, rss_file, rss_shmem, vm_data, vm_stk, vm_exe, vm_lib, vm_pte, vm_swap;
    uint64_t hugetlb_pages;
};

/* /proc/PID/statm, pages: "size resident shared text 0 data 0". */
struct vml_statm {
    uint64_t size, resident, shared, text, data;
};

/* /sys/devices/system/node/nodeN/meminfo, kB except the huge-page counts. */
struct vml_node_meminfo {
    uint64_t mem_total, mem_free, mem_used, swap_cached, active, inactive;
    uint64_t active_anon, inactive_anon, active_file, inactive_file, unevictable, mlocked;
    uint64_t dirty, writeback, file_pages, mapped, anon_pages, shmem, kernel_stack, page_tables;
    uint64_t sec_page_tables, nfs_unstable, bounce, writeback_tmp, kreclaimable, slab;
    uint64_t sreclaimable, sunreclaim, anon_huge_pages, shmem_huge_pages, shmem_pmd_mapped;
    uint64_t file_huge_pages, file_pmd_mapped;
    uint64_t hugepages_total, hugepages_free, hugepages_surp; /* counts */
};

/* /sys/devices/system/node/nodeN/numastat. */
struct vml_numastat {
    uint64_t numa_hit, numa_miss, numa_foreign, interleave_hit, local_node, other_node;
};

/* /proc/vmstat items, named after their keys: VML_VMSTAT_pgfault ... (see vmstat_items.h). */
enum vml_vmstat_item {
#define VML_VMSTAT_ENUM(name) VML_VMSTAT_##name,
    VML_VMSTAT_ITEMS(VML_VMSTAT_ENUM)
#undef VML_VMSTAT_ENUM
        VML_VMSTAT_NR
};

/* /proc/vmstat: one value per item, as printed (pages, THP gauges in huge pages, events). */
struct vml_vmstat {
    uint64_t v[VML_VMSTAT_NR];
};

/* The key of an item ("pgfault"), or NULL for a value out of range. */
const char *vml_vmstat_name(enum vml_vmstat_item item);

/* vmlab's own per-process fault record (`show P faults`; no kernel file): the faults a process
 * took and how long the timed ones took, in ns, with a histogram by powers of two (bucket k:
 * [2^k, 2^(k+1)) ns). The simulator times every fault by its cost model and knows which ran
 * direct compaction (has_stalls); the Linux backend times the faults of its accesses. */
#define VML_FAULT_LAT_BUCKETS 32
struct vml_fault_record {
    uint64_t faults, major;
    uint64_t timed; /* faults whose time is in the figures below */
    uint64_t total_ns, max_ns, max_addr;
    bool has_stalls;           /* the next three are known (the simulator's) */
    uint64_t stalls, stall_ns; /* faults that ran direct compaction, and its share */
    uint64_t io_ns;            /* the share spent waiting for the disk (major faults' reads) */
    /* The process's waits on writeback (mm/writeback.c): balance_dirty_pages
     * pauses of its writes and shared-mapping stores, and fsync/fdatasync/msync waits for the
     * disk. Simulated time, not part of the fault latencies above. */
    uint64_t throttles, throttle_ns, io_waits, io_wait_ns;
    uint64_t hist[VML_FAULT_LAT_BUCKETS];
    const char *note; /* a last comment line, or NULL */
};
/* Adds one fault of ns at addr to r's timing (not to its counts). */
void vml_fault_record_add(struct vml_fault_record *r, uint64_t ns, uint64_t addr);
/* Adds b's timing to a's (counts too). */
void vml_fault_record_merge(struct vml_fault_record *a, const struct vml_fault_record *b);

/* vmlab's own per-process access latency (`show P latency`; no kernel file, docs/latency.md):
 * the time of every access a process made through `touch` and `replay`, in a log-bucketed
 * histogram of fixed size (HdrHistogram's layout with 3 sub-bucket bits: values below 16 ns
 * exact, then 8 buckets per power of two, so a bucket is at most 1/8 of its lower bound wide;
 * from 2^40 ns on, one last bucket), and the major faults over simulated time in
 * VML_LAT_SLOTS slots from the first access, 1 ms wide at first and doubled (neighbours merged)
 * whenever time runs past the last. */
#define VML_LAT_SUB_BITS  3
#define VML_LAT_EXACT     16u  /* 2 << VML_LAT_SUB_BITS */
#define VML_LAT_TOP_SHIFT 40u  /* values from 2^40 ns share the last bucket */
#define VML_LAT_BUCKETS   304u /* 16 + (40 - 4) * 8 */
#define VML_LAT_SLOTS     64u
#define VML_LAT_SLOT_NS   1000000ull /* the first slot width: 1 ms */
struct vml_latency_record {
    uint64_t count, total_ns, max_ns;
    uint64_t hist[VML_LAT_BUCKETS];
    uint64_t start_ns, last_ns; /* the first and the last access's instants */
    uint64_t slot_ns;           /* the slots' width (0 until the first access) */
    uint64_t majors;
    uint64_t majflt[VML_LAT_SLOTS];
    const char *note; /* a last comment line, or NULL */
    /* NUMA (a machine of several nodes): the accesses to memory of the CPU's own node and of
     * others, and their modelled memory latency summed (docs/numa.md: 80 ns local, 200 ns at
     * SLIT distance 20, linear in the distance), apart from the translation times above. */
    bool numa;
    uint64_t numa_local, numa_remote, numa_mem_ns;
    /* The page-walk references those accesses made (the entries read from memory after the
     * page-walk caches, the walks of faulting tries included) to tables on the CPU's node and
     * on others, and their modelled memory latency summed by the same law. */
    uint64_t numa_walk_local, numa_walk_remote, numa_walk_ns;
};
/* One access at instant at_ns that took ns; major: it took a major fault. */
void vml_latency_add(struct vml_latency_record *r, uint64_t at_ns, uint64_t ns, bool major);
/* The bucket of a value, and the values a bucket holds: [low, high) (high UINT64_MAX for the
 * last). */
unsigned vml_latency_bucket(uint64_t ns);
uint64_t vml_latency_bucket_low(unsigned b);
uint64_t vml_latency_bucket_high(unsigned b);
/* The value at quantile q / 100000 (50000 = the median): the largest value of the bucket
 * holding the ceil(q * count / 100000)-th smallest access, at most max_ns; 0 with no access. */
uint64_t vml_latency_quantile(const struct vml_latency_record *r, uint64_t q);

/* Each formatter appends to out and returns 0, or VML_EHOST if the host ran out of memory. */
int vml_proc_format_latency(const struct vml_latency_record *r, struct vml_text *out);
int vml_proc_format_faults(const struct vml_fault_record *r, struct vml_text *out);
int vml_proc_format_meminfo(const struct vml_meminfo *m, struct vml_text *out);
int vml_proc_format_maps_line(const struct vml_vma_header *h, struct vml_text *out);
int vml_proc_format_smaps(const struct vml_smaps *s, struct vml_text *out);
/* smaps_rollup: the header spans [start, end) of all mappings, then the counters. */
int vml_proc_format_smaps_rollup(uint64_t start, uint64_t end, const struct vml_smaps_counts *c,
                                 struct vml_text *out);
int vml_proc_format_status_mem(const struct vml_status_mem *s, struct vml_text *out);
int vml_proc_format_statm(const struct vml_statm *s, struct vml_text *out);
int vml_proc_format_vmstat(const struct vml_vmstat *s, struct vml_text *out);
int vml_proc_format_node_meminfo(unsigned node, const struct vml_node_meminfo *m,
                                 struct vml_text *out);
int vml_proc_format_numastat(const struct vml_numastat *s, struct vml_text *out);
/* nodeN/distance: the node's row of the SLIT, n values separated by spaces. */
int vml_proc_format_distance(const unsigned *row, unsigned n, struct vml_text *out);

/* ---- parsers: real /proc text into the same records ----------------------------------------
 *
 * Each takes the whole file's text (not necessarily NUL-terminated) and returns 0, or VML_EPARSE
 * with diag (may be NULL) naming the line, column and what was expected. Lines a parser does
 * not know are skipped (newer kernels add some); fields that never appear stay 0. Numbers larger
 * than 2^64-1 are an error. For maps and smaps, fn is called once per mapping, in order, with a
 * record whose strings live until fn returns; a non-zero return from fn stops the parse and is
 * returned. */
int vml_proc_parse_meminfo(const char *text, size_t len, struct vml_meminfo *out,
                           struct vml_diag *diag);
int vml_proc_parse_status_mem(const char *text, size_t len, struct vml_status_mem *out,
                              struct vml_diag *diag);
int vml_proc_parse_statm(const char *text, size_t len, struct vml_statm *out,
                         struct vml_diag *diag);
typedef int (*vml_vma_header_fn)(const struct vml_vma_header *h, void *ctx);
int vml_proc_parse_maps(const char *text, size_t len, vml_vma_header_fn fn, void *ctx,
                        struct vml_diag *diag);
typedef int (*vml_smaps_fn)(const struct vml_smaps *s, void *ctx);
int vml_proc_parse_smaps(const char *text, size_t len, vml_smaps_fn fn, void *ctx,
                         struct vml_diag *diag);
int vml_proc_parse_vmstat(const char *text, size_t len, struct vml_vmstat *out,
                          struct vml_diag *diag);
/* Every line must name the same node ("Node N ..."); it is stored in *node. */
int vml_proc_parse_node_meminfo(const char *text, size_t len, unsigned *node,
                                struct vml_node_meminfo *out, struct vml_diag *diag);
int vml_proc_parse_numastat(const char *text, size_t len, struct vml_numastat *out,
                            struct vml_diag *diag);
/* smaps_rollup: the header's range into *start, *end and the counters into *out. */
int vml_proc_parse_smaps_rollup(const char *text, size_t len, uint64_t *start, uint64_t *end,
                                struct vml_smaps_counts *out, struct vml_diag *diag);

/* ---- NUMA: /proc/PID/numa_maps and the node files (proc/numa.c) ----------------------------
 *
 * numa_maps (fs/proc/task_mmu.c: show_numa_map) has one line per mapping: its start address
 * (%08lx), its memory policy as mpol_to_str prints it ("default", "bind:0-1",
 * "interleave=static:0,2", "weighted interleave:0-1", "prefer (many):1-2", "local" ...), then
 * file=PATH (escaped by seq_path: no space, tab, newline or '=' in it), heap or stack, huge
 * (hugetlbfs), and for a mapping with pages: anon=, dirty=, mapped=, mapmax=, swapcache=,
 * active=, writeback=, N<node>= per node, kernelpagesize_kB=. Counts are of kernel pages of
 * the mapping: base pages for a THP, huge pages for hugetlbfs (kernelpagesize_kB=2048). */
#define VML_NUMA_MAX_NODES 1024 /* MAX_NUMNODES with the largest CONFIG_NODES_SHIFT (10) */

/* Bits of vml_numa_map.have: which key=value fields the line printed. */
#define VML_NM_ANON      1u
#define VML_NM_DIRTY     2u
#define VML_NM_MAPPED    4u
#define VML_NM_MAPMAX    8u
#define VML_NM_SWAPCACHE 16u
#define VML_NM_ACTIVE    32u
#define VML_NM_WRITEBACK 64u
#define VML_NM_PAGESIZE  128u /* kernelpagesize_kB */

struct vml_numa_map {
    uint64_t start;
    char policy[64];  /* as printed */
    const char *file; /* the path as printed (escaped), or NULL (borrowed) */
    bool heap, stack, huge;
    unsigned have; /* VML_NM_* */
    uint64_t anon, dirty, mapped, mapmax, swapcache, active, writeback, kernelpagesize_kb;
    unsigned nnodes; /* N<node>= fields, in the line's order */
    struct {
        unsigned node;
        uint64_t pages;
    } nodes[VML_NUMA_MAX_NODES];
};

/* Calls fn once per line of numa_maps text with a record valid until fn returns (a non-zero
 * return stops the parse and is returned). Strict about what it reads (a hex address, a known
 * key's decimal value, a node number below VML_NUMA_MAX_NODES given once, N<node>= only with
 * kernelpagesize_kB), lenient about what it skips (a key=value or word a newer kernel adds).
 * 0, VML_EPARSE (line and column in diag), VML_EHOST. */
typedef int (*vml_numa_map_fn)(const struct vml_numa_map *m, void *ctx);
int vml_proc_parse_numa_maps(const char *text, size_t len, vml_numa_map_fn fn, void *ctx,
                             struct vml_diag *diag);
/* One numa_maps line as show_numa_map prints it (the fields of ->have, nodes in order). */
int vml_proc_format_numa_map(const struct vml_numa_map *m, struct vml_text *out);

/* Every line of nodeN/meminfo (drivers/base/node.c: node_read_meminfo), in order, new ones
 * too: fn gets the key ("MemTotal", "HugePages_Total": keylen bytes, not NUL-terminated), the
 * value and whether it is in kB (else a count). All lines must name one node (*node). A
 * non-zero return from fn stops the parse and is returned. 0, or VML_EPARSE with diag. */
typedef int (*vml_node_line_fn)(const char *key, size_t keylen, uint64_t value, bool kb, void *ctx);
int vml_proc_parse_node_meminfo_lines(const char *text, size_t len, unsigned *node,
                                      vml_node_line_fn fn, void *ctx, struct vml_diag *diag);

/* One zone of /proc/zoneinfo: the numbers the kernel's reserves and MemAvailable use, pages. */
#define VML_ZONEINFO_MAX_PROT 8
struct vml_zoneinfo {
    unsigned node;
    char zone[16]; /* "DMA", "DMA32", "Normal", "Movable" ... */
    uint64_t free, min, low, high, spanned, present, managed;
    uint64_t protection[VML_ZONEINFO_MAX_PROT]; /* lowmem_reserve, one per zone type */
    unsigned nr_protection;
    /* The pages in the CPUs' per-CPU lists of the zone (the pagesets' "count:" lines summed):
     * taken from the buddy allocator, so not in free (NR_FREE_PAGES), yet not in use. */
    uint64_t pcp_count;
};

/* Calls fn for every zone of /proc/zoneinfo text, in order (a non-zero return stops the parse
 * and is returned). Lines it does not need are skipped; numbers it needs are strict. */
typedef int (*vml_zoneinfo_fn)(const struct vml_zoneinfo *z, void *ctx);
int vml_proc_parse_zoneinfo(const char *text, size_t len, vml_zoneinfo_fn fn, void *ctx,
                            struct vml_diag *diag);

/* ---- memory cgroup files (mm/memcontrol.c, mm/memcontrol-v1.c) ----------------------------
 *
 * memory.events, memory.stat (v2 and v1) and memory.oom_control (v1) are "KEY VALUE" lines,
 * one decimal value each. fn is called once per line, in order, with the key (not
 * NUL-terminated: keylen bytes) and its value; a non-zero return stops the parse and is
 * returned. A line that is not a key, one space and a decimal number is an error (line and
 * column in diag); an empty file has no lines. */
typedef int (*vml_memcg_kv_fn)(const char *key, size_t keylen, uint64_t value, void *ctx);
int vml_proc_parse_memcg_kv(const char *text, size_t len, vml_memcg_kv_fn fn, void *ctx,
                            struct vml_diag *diag);
/* A one-value file: memory.max, memory.swap.max, memory.current (v2) or
 * memory.limit_in_bytes, memory.usage_in_bytes, memory.failcnt, memory.swappiness (v1): a
 * decimal number, or "max" (v2's unlimited: *out = UINT64_MAX), then an optional newline. */
int vml_proc_parse_memcg_value(const char *text, size_t len, uint64_t *out, struct vml_diag *diag);

/* memory.stat, both versions (mm/memcontrol.c: memcg_stat_format for v2, mm/memcontrol-v1.c:
 * memcg1_stat_format for v1). The keys vmlab explains, by name; a key of neither list (a newer
 * kernel's, a debug kernel's anon_cost) is skipped, as the kernel may add lines. Sizes are bytes
 * as printed, events counts. v1 prints the group's own figures and then the hierarchical ones
 * (total_*, which memory.usage_in_bytes counts); v2 prints only hierarchical ones. */
/* clang-format off */
#define VML_MEMCG_STAT_KEYS(X)                                                        \
    /* v2 (and the names v1 shares: shmem, swapcached, the LRU lists, pgfault ...) */ \
    X(ANON, "anon")                                                                   \
    X(FILE, "file")                                                                   \
    X(KERNEL, "kernel")                                                               \
    X(KERNEL_STACK, "kernel_stack")                                                   \
    X(PAGETABLES, "pagetables")                                                       \
    X(SEC_PAGETABLES, "sec_pagetables")                                               \
    X(PERCPU, "percpu")                                                               \
    X(SOCK, "sock")                                                                   \
    X(VMALLOC, "vmalloc")                                                             \
    X(SHMEM, "shmem")                                                                 \
    X(ZSWAP, "zswap")                                                                 \
    X(FILE_MAPPED, "file_mapped")                                                     \
    X(FILE_DIRTY, "file_dirty")                                                       \
    X(FILE_WRITEBACK, "file_writeback")                                               \
    X(SWAPCACHED, "swapcached")                                                       \
    X(ANON_THP, "anon_thp")                                                           \
    X(FILE_THP, "file_thp")                                                           \
    X(SHMEM_THP, "shmem_thp")                                                         \
    X(INACTIVE_ANON, "inactive_anon")                                                 \
    X(ACTIVE_ANON, "active_anon")                                                     \
    X(INACTIVE_FILE, "inactive_file")                                                 \
    X(ACTIVE_FILE, "active_file")                                                     \
    X(UNEVICTABLE, "unevictable")                                                     \
    X(SLAB_RECLAIMABLE, "slab_reclaimable")                                           \
    X(SLAB_UNRECLAIMABLE, "slab_unreclaimable")                                       \
    X(HUGETLB, "hugetlb")                                                             \
    X(WS_REFAULT_ANON, "workingset_refault_anon")                                     \
    X(WS_REFAULT_FILE, "workingset_refault_file")                                     \
    X(PGSCAN, "pgscan")                                                               \
    X(PGSTEAL, "pgsteal")                                                             \
    X(PGFAULT, "pgfault")                                                             \
    X(PGMAJFAULT, "pgmajfault")                                                       \
    /* v1 only */                                                                     \
    X(CACHE, "cache")                                                                 \
    X(RSS, "rss")                                                                     \
    X(RSS_HUGE, "rss_huge")                                                           \
    X(MAPPED_FILE, "mapped_file")                                                     \
    X(DIRTY, "dirty")                                                                 \
    X(WRITEBACK, "writeback")                                                         \
    X(SWAP, "swap")                                                                   \
    X(H_MEMORY_LIMIT, "hierarchical_memory_limit")                                    \
    X(H_MEMSW_LIMIT, "hierarchical_memsw_limit")                                      \
    X(T_CACHE, "total_cache")                                                         \
    X(T_RSS, "total_rss")                                                             \
    X(T_RSS_HUGE, "total_rss_huge")                                                   \
    X(T_SHMEM, "total_shmem")                                                         \
    X(T_MAPPED_FILE, "total_mapped_file")                                             \
    X(T_DIRTY, "total_dirty")                                                         \
    X(T_WRITEBACK, "total_writeback")                                                 \
    X(T_SWAP, "total_swap")                                                           \
    X(T_SWAPCACHED, "total_swapcached")                                               \
    X(T_INACTIVE_ANON, "total_inactive_anon")                                         \
    X(T_ACTIVE_ANON, "total_active_anon")                                             \
    X(T_INACTIVE_FILE, "total_inactive_file")                                         \
    X(T_ACTIVE_FILE, "total_active_file")                                             \
    X(T_UNEVICTABLE, "total_unevictable")                                             \
    X(T_WS_REFAULT_ANON, "total_workingset_refault_anon")                             \
    X(T_WS_REFAULT_FILE, "total_workingset_refault_file")                             \
    X(T_PGFAULT, "total_pgfault")                                                     \
    X(T_PGMAJFAULT, "total_pgmajfault")
/* clang-format on */

#define VML_MCS_ENUM(id, name) VML_MCS_##id,
enum vml_memcg_stat_key { VML_MEMCG_STAT_KEYS(VML_MCS_ENUM) VML_MCS_N };
#undef VML_MCS_ENUM

struct vml_memcg_stat {
    uint64_t v[VML_MCS_N]; /* by enum vml_memcg_stat_key; 0 when absent */
    uint64_t have;         /* 1ull << key: the line was there */
};

/* The key's name as memory.stat prints it. */
const char *vml_memcg_stat_name(enum vml_memcg_stat_key k);
/* Parses memory.stat text into out: lines as vml_proc_parse_memcg_kv takes them; a key of the
 * list twice is an error (the kernel prints each once), with its line; keys of neither version
 * are skipped. 0, or VML_EPARSE with line and column in diag. */
int vml_proc_parse_memcg_stat(const char *text, size_t len, struct vml_memcg_stat *out,
                              struct vml_diag *diag);

#endif
