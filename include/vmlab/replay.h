/* replay.h: trace replay through the simulated MMU and kernel.
 *
 * Records (vmlab/trace.h) are translated in user mode on the CPU they name, through the L1
 * TLBs, second-level TLB, page-walk caches and the walk; a fault goes to the simulated kernel
 * as a page fault would, and the access is retried. Two ways to run:
 *   standalone (vml_replay_create): a fresh machine with one process whose memory appears on
 *       demand: the first fault in an unmapped 1 GiB region maps it (anonymous, private,
 *       read/write/execute) with the chosen page size, falling back to smaller regions where
 *       something is mapped already (the process's stack) or the region would end past user
 *       space, and to smaller pages (1G, then 2M, then 4K) where a huge page cannot go or
 *       the hugetlb pool cannot grow; with thp, the regions are of 4 KiB pages and their
 *       faults go through the kernel's THP path under the transparent_hugepage/enabled mode
 *       given (under madvise each region is advised MADV_HUGEPAGE, as a program would);
 *   attached (vml_replay_attach): a process of an existing simulation, whose mappings apply;
 *       an access outside them kills it as Linux would (SIGSEGV), which ends the replay.
 * An access spanning two pages of the size it was translated with translates both.
 *
 * Same-page shortcut: an access whose predecessor on the same CPU (same instruction/data
 * side) left this page's entry in the L1 TLB, with nothing in between that can change a TLB,
 * is an L1 hit that changes no replacement state; it is counted as one without asking the
 * MMU. The counts are exactly those of translating it (test_replay checks both ways).
 */
#ifndef VMLAB_REPLAY_H
#define VMLAB_REPLAY_H

#include "vmlab/base.h"
#include "vmlab/cpu.h"
#include "vmlab/mmu.h"
#include "vmlab/thp.h"
#include "vmlab/trace.h"

struct vml_sim;

struct vml_replay_config {
    struct vml_cpu_model cpu; /* every CPU's model */
    unsigned paging;          /* 4 or 5 */
    unsigned nr_cpus;         /* CPUs records may name (cpu field), 1..VML_SIM_MAX_CPUS */
    enum vml_page_size pages; /* page size of demand-mapped memory (2M, 1G: hugetlb) */
    bool thp;                 /* transparent huge pages (needs pages 4K): the machine's
                               * transparent_hugepage/enabled is thp_enabled, and under madvise
                               * every demand-mapped region is advised MADV_HUGEPAGE. Without
                               * it, the kernel's defaults (enabled=madvise) and no advice */
    enum vml_thp_mode thp_enabled;
    uint64_t ram;      /* simulated RAM in bytes (host memory follows what is touched) */
    bool no_zero_page; /* read faults allocate instead of mapping the zero page */
    bool no_shortcut;  /* translate every access (for checking the shortcut) */
    unsigned nr_nodes; /* NUMA nodes, RAM split evenly, CPUs spread evenly (0: 1) */
    bool no_numa_cost; /* on several nodes, do not count accesses by node (docs/numa.md) */
};

/* Fills cfg with the defaults: skylake, 4-level paging, 1 CPU, 4K pages, 1 TiB of RAM. */
void vml_replay_defaults(struct vml_replay_config *cfg);

struct vml_replay;

/* A standalone replay. VML_EINVAL with diag (which value) for a bad configuration. */
int vml_replay_create(const struct vml_replay_config *cfg, struct vml_replay **out,
                      struct vml_diag *diag);
/* A replay of pid's accesses in sim, on the CPU pid runs on; records' cpu fields are ignored.
 * The sim must outlive the replay; nothing else may use the sim while the replay is fed. */
int vml_replay_attach(struct vml_sim *sim, int pid, bool no_shortcut, struct vml_replay **out);
void vml_replay_destroy(struct vml_replay *r); /* accepts NULL; an attached sim stays */

/* Replays records. Returns 0; or, with diag saying why and *done (may be NULL) the records
 * fully replayed: VML_ENOMEM (simulated RAM exhausted where the OOM killer could not help; when
 * it can, it kills the process, which ends the replay as any kill does), VML_EPANIC (the OOM
 * made the simulated kernel panic),
 * VML_EINVAL (a record names a CPU the replay does not have or an access kind that is not
 * one; a region could not be mapped on demand), VML_EHOST. A process killed by an access
 * ends the replay without error: vml_replay_stats says so; later records are not replayed. */
int vml_replay_feed(struct vml_replay *r, const struct vml_trace_rec *recs, size_t n, size_t *done,
                    struct vml_diag *diag);

struct vml_replay_stats {
    uint64_t records;           /* records replayed (those with a skipped access included) */
    uint64_t spanning;          /* records that spanned two pages (two translations) */
    uint64_t shortcut;          /* translations counted by the same-page shortcut */
    struct vml_mmu_stats mmu;   /* summed over the CPUs, shortcut included; each access once:
                                 * one that faulted is counted by its first translation (its
                                 * misses in the fault column), not by its retries */
    struct vml_mmu_stats retry; /* the translations retried after the kernel handled a fault,
                                 * counted apart from mmu */
    uint64_t minor_faults, major_faults;
    uint64_t regions_mapped;       /* standalone: demand mappings made */
    uint64_t mapped[VML_PS_COUNT]; /* standalone: bytes demand-mapped per page size */
    uint64_t skipped;              /* standalone: accesses to addresses no process can map,
                                    * counted as faults and then skipped */
    uint64_t skipped_low;          /* of those, below vm.mmap_min_addr (64 KiB); the rest are
                                    * above user space (kernel half, non-canonical) */
    uint64_t first_skipped;        /* the address of the first of them */
    bool thp;                      /* standalone with thp (the report shows what follows) */
    enum vml_thp_mode thp_enabled; /* the machine's transparent_hugepage/enabled */
    uint64_t thp_fault_alloc;      /* faults that mapped a new THP (vmstat thp_fault_alloc) */
    uint64_t thp_fault_fallback;   /* THP faults that fell back to 4 KiB pages */
    uint64_t anon_4k, anon_thp;    /* standalone: anonymous memory resident in 4 KiB pages and
                                    * in 2 MiB THPs, bytes (the zero pages not included) */
    uint64_t pt_tables[6]; /* page-table frames per level (1 = PT ... 5 = PML5), root included */
    uint64_t pt_bytes;     /* page-table memory */
    /* NUMA (several nodes, unless no_numa_cost): translations of accesses to memory of the
     * CPU's node and of others, and their modelled memory latency summed
     * (vml_sim_numa_latency_ns). */
    bool numa;
    uint64_t numa_local, numa_remote, numa_mem_ns;
    /* NUMA: page-walk references (the entries walks read from memory, after the page-walk
     * caches, retries' walks included) of tables on the CPU's node and on others, and their
     * modelled memory latency summed, by the same law: the full memory latency each, an upper
     * bound (docs/numa.md, "Cost"). */
    uint64_t numa_walk_local, numa_walk_remote, numa_walk_ns;
    bool killed; /* the process was killed: later records are not replayed */
    int si_code; /* then: VML_SEGV_MAPERR ... or VML_SI_OOM (the OOM killer's SIGKILL) */
    uint64_t kill_addr;
};

/* Counters so far (cheap enough to call every interval). */
void vml_replay_stats(const struct vml_replay *r, struct vml_replay_stats *out);
/* The simulation a replay runs on (standalone: its own), and the replayed pid. */
struct vml_sim *vml_replay_sim(const struct vml_replay *r);
int vml_replay_pid(const struct vml_replay *r);

/* Parses a page-size policy: "4k", "2m", "1g" (any case). "thp" is refused: VML_EINVAL with
 * diag saying THP is not simulated yet. */
int vml_replay_pages_parse(const char *s, enum vml_page_size *out, struct vml_diag *diag);

/* ---- reports ---------------------------------------------------------------------------- */

/* The MMU counters as an aligned table (TLB hits and misses per level and page size, walks,
 * page-table references, page-walk caches, faults, modeled cycles), appended to out. */
void vml_mmu_stats_text(const struct vml_cpu_model *m, const struct vml_mmu_stats *s,
                        struct vml_text *out);
/* A replay's report: the MMU table, then records, page faults, page tables, skipped accesses. */
void vml_replay_report_text(const struct vml_replay_stats *s, const struct vml_cpu_model *m,
                            struct vml_text *out);
/* The same as one JSON object (no trailing newline); levels the model lacks are left out. */
void vml_replay_report_json(const struct vml_replay_stats *s, const struct vml_cpu_model *m,
                            struct vml_text *out);
/* A time series: the header line, then one line per interval with the counts between two
 * snapshots (records and page-table bytes as totals). */
void vml_replay_csv_header(struct vml_text *out);
void vml_replay_csv_row(const struct vml_replay_stats *prev, const struct vml_replay_stats *cur,
                        struct vml_text *out);

#endif
