/* run.h: running a parsed scenario on a backend: the simulator, or the real kernel (host.h).
 *
 * Operations run in order. show appends the /proc file's text to out; expect compares a field
 * and, when it fails, appends a line naming the scenario line and both values to report. A
 * process killed by SIGSEGV or SIGBUS is reported in out and the run goes on. A system call
 * that fails, a range outside its mapping or a field that does not exist stops the run: diag
 * names the line, column and reason.
 *
 * A backend is a table of operations that mirror the scenario's statements; the executor keeps
 * the names (processes, mappings, files) and resolves ranges, the backend does the work.
 * Backend calls return 0 or a negative VML_E*; they may explain a failure in msg (NUL-terminated,
 * at most VML_BACKEND_MSG bytes), which the executor adds to its diagnostic.
 */
#ifndef VMLAB_RUN_H
#define VMLAB_RUN_H

#include "vmlab/scenario.h"
#include "vmlab/sim.h"

#define VML_RUN_CHECK   1u /* run the backend's invariant checker after every operation */
#define VML_RUN_MEASURE 2u /* measure each operation (faults, meminfo) into the snapshot */
#define VML_BACKEND_MSG 200

struct vml_backend {
    const char *name; /* "sim", "linux" */
    void *ctx;
    /* Sets the machine up from the scenario's settings; may append notes (settings not applied,
     * settings checked) to notes. A failure that one key of the machine line causes sets *col to
     * that key's column (it is 0 otherwise: the line). */
    int (*start)(void *ctx, const struct vml_machine_cfg *m, struct vml_text *notes, unsigned *col,
                 char *msg);
    void (*destroy)(void *ctx);
    int (*spawn)(void *ctx, const char *name, int *pid, char *msg);
    int (*fork)(void *ctx, int pid, const char *child_name, int *child, char *msg);
    int (*exit)(void *ctx, int pid, char *msg);
    int (*mmap)(void *ctx, int pid, uint64_t hint, uint64_t len, unsigned prot, unsigned flags,
                int file, uint64_t off, uint64_t *addr, char *msg);
    int (*munmap)(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg);
    int (*mprotect)(void *ctx, int pid, uint64_t addr, uint64_t len, unsigned prot, char *msg);
    int (*madvise)(void *ctx, int pid, uint64_t addr, uint64_t len, int advice, char *msg);
    int (*mlock)(void *ctx, int pid, uint64_t addr, uint64_t len, bool lock, char *msg);
    /* Moves the break by delta bytes; *brk is the new break. VML_ENOMEM when refused. */
    int (*brk)(void *ctx, int pid, int64_t delta, uint64_t *brk, char *msg);
    int (*touch)(void *ctx, int pid, uint64_t start, uint64_t end, uint64_t stride,
                 enum vml_access access, struct vml_sim_access *res, char *msg);
    /* A trace replay by pid: begin, then feed batches (addresses final; *done records made;
     * res->killed when one killed the process, which ends it), then end, which appends what
     * the backend measured to report (the simulator: its MMU report). */
    int (*replay_begin)(void *ctx, int pid, char *msg);
    int (*replay_feed)(void *ctx, const struct vml_trace_rec *recs, size_t n, size_t *done,
                       struct vml_sim_access *res, char *msg);
    int (*replay_end)(void *ctx, struct vml_text *report);
    /* Files: ids are the backend's. memfd_get finds or creates the memfd called name, at least
     * size bytes long. */
    int (*file_create)(void *ctx, const char *name, uint64_t size, int *file, char *msg);
    int (*file_delete)(void *ctx, int file, char *msg);
    int (*memfd_get)(void *ctx, const char *name, uint64_t size, int *file, char *msg);
    uint64_t (*file_size)(void *ctx, int file);
    /* file_io: read(2)s or write(2)s of chunk bytes each over [off, off + len), through one
     * open file. fsync: fsync(2) of the file in pid. msync: msync(addr, len, MS_SYNC). */
    int (*file_io)(void *ctx, int pid, int file, uint64_t off, uint64_t len, uint64_t chunk,
                   bool write, char *msg);
    int (*fsync)(void *ctx, int pid, int file, char *msg);
    int (*msync)(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg);
    /* fdatasync(2) of the file in pid; posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED) (len 0:
     * to the end of the file). Either may be NULL (the run then says the backend lacks it). */
    int (*fdatasync)(void *ctx, int pid, int file, char *msg);
    int (*fadvise_dontneed)(void *ctx, int pid, int file, uint64_t off, uint64_t len, char *msg);
    /* truncate(2) of the file to size bytes, in pid; may be NULL. */
    int (*truncate)(void *ctx, int pid, int file, uint64_t size, char *msg);
    /* fallocate(2) of [off, off + len) of the file, in pid, mode VML_SIM_FALLOC_* bits; may be
     * NULL. */
    int (*fallocate)(void *ctx, int pid, int file, uint64_t off, uint64_t len, unsigned mode,
                     char *msg);
    int (*cpu_run)(void *ctx, unsigned cpu, int pid, char *msg);
    /* Kernel settings. set: a write of value to path (a file of the scenario's path table,
     * absolute, the value checked as the kernel checks it), as an administrator's
     * echo VALUE > PATH, for the rest of the run; it may append a note (what the file held).
     * thp_text: every THP file as `grep -r . /sys/kernel/mm/transparent_hugepage/` prints it,
     * "FILE:CONTENT" (FILE relative to that directory), in vml_thp_file's order; a file this
     * machine lacks is left out. thp_disable: prctl(PR_SET_THP_DISABLE, on) in pid. */
    int (*set)(void *ctx, const char *path, const char *value, struct vml_text *notes, char *msg);
    int (*thp_text)(void *ctx, struct vml_text *out, char *msg);
    /* vm_text: every readable file of /proc/sys/vm/ that vmlab knows (vml_vm_file's order,
     * drop_caches left out), "FILE:CONTENT" as thp_text; may be NULL. */
    int (*vm_text)(void *ctx, struct vml_text *out, char *msg);
    int (*thp_disable)(void *ctx, int pid, bool on, char *msg);
    /* A write of adj (-1000..1000) to /proc/PID/oom_score_adj; may be NULL. */
    int (*oom_score_adj)(void *ctx, int pid, int adj, char *msg);
    /* Memory cgroups (docs/cgroups.md); all NULL when the backend has none. Paths are below the
     * run's hierarchy root ("box", "box/web"; "" the root itself). cgroup_create: a new cgroup
     * (its parent exists). cgroup_attach: pid written to path's cgroup.procs. cgroup_text: the
     * content of file in path's directory as the kernel prints it, of the v2 hierarchy, or with
     * v1 of the v1 hierarchy's memory controller; VML_EINVAL with msg when the backend cannot
     * show that file (a v1 file on a v2-only kernel, and the reverse). The limit files are
     * written through set(), with the absolute path the scenario wrote:
     * /sys/fs/cgroup/PATH/FILE (v2) or /sys/fs/cgroup/memory/PATH/FILE (v1). */
    int (*cgroup_create)(void *ctx, const char *path, char *msg);
    int (*cgroup_attach)(void *ctx, int pid, const char *path, char *msg);
    int (*cgroup_text)(void *ctx, const char *path, const char *file, bool v1, struct vml_text *out,
                       char *msg);
    /* NUMA (docs/numa.md); each may be NULL (the statement is then refused). spawn_numa: spawn
     * with numactl's options (o->has_pol: o->pol; o->has_cpus: o->cpus; o->cpunodes: the CPUs
     * of those nodes). set_mempolicy, mbind and set_affinity: the system calls. node_text:
     * /sys/devices/system/node/nodeN/FILE (file: enum vml_node_file). */
    int (*spawn_numa)(void *ctx, const char *name, const struct vml_op_numa *o, int *pid,
                      char *msg);
    int (*set_mempolicy)(void *ctx, int pid, const struct vml_mpol *pol, char *msg);
    int (*mbind)(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                 char *msg);
    int (*set_affinity)(void *ctx, int pid, const uint64_t *cpus, char *msg);
    /* Page migration (docs/numa.md; NULL: refused): mbind with VML_MPOL_MF_* flags (mf);
     * move_pages of n pages (nodes NULL: where they are), status per page as the syscall's;
     * migrate_pages, *left the pages not moved. */
    int (*mbind_move)(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                      unsigned mf, char *msg);
    int (*move_pages)(void *ctx, int pid, size_t n, const uint64_t *addrs, const int *nodes,
                      int *status, unsigned mf, char *msg);
    int (*migrate_pages)(void *ctx, int pid, uint32_t from, uint32_t to, uint64_t *left, char *msg);
    int (*node_text)(void *ctx, unsigned node, unsigned file, struct vml_text *out, char *msg);
    /* Swap areas (swapon NAME SIZE [prio=N] [partition], swapoff NAME): swapon makes a swap
     * area of size bytes called name (a block device's with partition, else a file's) and
     * enables it with priority prio (-1: the kernel's choice, as swapon(2) without
     * SWAP_FLAG_PREFER); swapoff disables it, bringing its pages back, and removes it.
     * NULL: the backend has no swap. */
    int (*swapon)(void *ctx, const char *name, uint64_t size, int prio, bool partition, char *msg);
    int (*swapoff)(void *ctx, const char *name, char *msg);
    /* Lets ns nanoseconds pass (wait DURATION): the simulator runs the kernel work due by then
     * (vml_sim_advance), the Linux backend sleeps while the kernel's own threads work. The
     * executor also calls it with 0 after every operation, so that work an operation made due
     * at once (a kernel thread it woke) runs before the next one, as the kernel's does. */
    int (*wait)(void *ctx, uint64_t ns, char *msg);
    /* A /proc file: per process (pid) or system (pid 0); for maps, smaps and numa_maps,
     * [start, end) other than 0, 0 selects the VMAs overlapping it. VML_EINVAL (with msg) for a
     * file the backend does not have. */
    int (*proc_text)(void *ctx, int pid, enum vml_procfile f, uint64_t start, uint64_t end,
                     struct vml_text *out, char *msg);
    /* 0 alive, else VML_ENOENT with *death filled. */
    int (*status_of)(void *ctx, int pid, struct vml_sim_death *death);
    /* How many processes have been killed so far (a count that only grows; the Linux backend
     * looks for agents that died meanwhile first): the executor asks status_of of every
     * process only when it moved. May be NULL (then it always asks). */
    uint64_t (*kills)(void *ctx);
    /* Invariant checker (NULL if the backend has none): 0, or -1 with why filled. */
    int (*check)(void *ctx, char *why, size_t len);
    /* The simulated machine behind the backend, or NULL. */
    struct vml_sim *(*sim)(void *ctx);
    /* For comparisons (VML_RUN_MEASURE); each may be NULL. faults: the page faults (minor,
     * major) pid has taken in the operations it was asked to make, as the backend counts them
     * (the Linux backend counts the operations themselves, not its agent's own work). meminfo:
     * /proc/meminfo with the kernel's per-CPU batches and counters settled, or VML_E* with msg
     * saying why it cannot be read so. pte_why_not: why pid's VmPTE cannot be compared with
     * the simulator's, or NULL when it can. */
    int (*faults)(void *ctx, int pid, uint64_t *minor, uint64_t *major);
    int (*meminfo)(void *ctx, struct vml_meminfo *m, char *msg);
    const char *(*pte_why_not)(void *ctx, int pid);
    /* How many of pid's faults the backend counts inexactly, and why (the simulator's on pages
     * Linux holds in large folios); a change across an operation makes its faults not
     * comparable. */
    int (*faults_inexact)(void *ctx, int pid, uint64_t *n, const char **why);
    /* For expect (each may be NULL). own_text: a process-wide file (status, statm,
     * smaps_rollup) of the memory pid had of its own, not the scenario's, as the backend's
     * process was created (the Linux backend: its agent's runtime; a fork child: its copy of
     * the parent's), which expect subtracts; VML_ENOENT when there is none (the simulator's
     * processes start empty). why_unchecked: why field of file f (pid 0: a system file) cannot
     * be held to a scenario's figure on this backend, or NULL when it can. */
    int (*own_text)(void *ctx, int pid, enum vml_procfile f, struct vml_text *out);
    const char *(*why_unchecked)(void *ctx, int pid, enum vml_procfile f, const char *field);
};

/* The simulator as a backend. Free with backend->destroy(backend->ctx); or keep the machine
 * (backend->sim(ctx)) and free only the backend with vml_backend_sim_release. */
int vml_backend_sim(struct vml_backend *out);
void vml_backend_sim_release(struct vml_backend *b);

struct vml_run_result {
    unsigned expects; /* expect lines evaluated */
    unsigned failed;  /* of which failed */
    unsigned skipped; /* of which the backend cannot check (why_unchecked): reported, not failed */
};

/* What a run leaves for comparison (vmlab diff): per process, its status memory lines when it
 * was created and at the end, and per named live mapping the smaps counters summed over the
 * VMAs overlapping it; the hugetlb pool when the scenario sizes it; what each show thp read. */
struct vml_snap_map {
    char name[VML_SCN_NAME_MAX];
    uint64_t start, len;
    unsigned vmas;             /* VMAs overlapping the mapping */
    bool spills;               /* a VMA reaches beyond the mapping (merged with a neighbour) */
    struct vml_smaps_counts c; /* kB, summed over those VMAs */
    uint64_t size;             /* kB, summed Size */
    char vm_flags[256];        /* each VMA's VmFlags, in address order, separated by " | " */
    char thp_eligible[64];     /* each VMA's THPeligible digit, in address order */
    /* numa_maps' N<node>=pages summed over those VMAs (mapped pages per node, a huge page
     * counted once); has_nodes when the backend could show numa_maps. */
    bool has_nodes;
    uint64_t nodes[VML_MAX_NODES];
    /* numa_maps' policy of each of those VMAs (mpol_to_str), in address order, separated by
     * " | "; has_policy when it was read (results recorded before it was kept lack it). */
    bool has_policy;
    char policy[256];
};

struct vml_snap_proc {
    char name[VML_SCN_NAME_MAX];
    int pid;
    bool alive;
    struct vml_sim_death death;
    struct vml_status_mem first, last; /* at creation and at the end */
    struct vml_snap_map *maps;
    size_t n_maps;
    char pte_why_not[128]; /* why VmPTE cannot be compared ("" when it can) */
    bool has_oom;          /* oom_score and oom_score_adj were read at the end */
    long oom_score;        /* /proc/PID/oom_score */
    int oom_score_adj;     /* /proc/PID/oom_score_adj */
};

/* The meminfo lines an operation's change of is compared (VML_RUN_MEASURE). */
enum vml_snap_mem {
    VML_SNAP_ANON_PAGES,
    VML_SNAP_MAPPED,
    VML_SNAP_SHMEM,
    VML_SNAP_MLOCKED,
    VML_SNAP_UNEVICTABLE,
    VML_SNAP_CACHED,
    VML_SNAP_DIRTY,
    VML_SNAP_MEM_FIELDS
};

/* One measured operation: the page faults its process took, and the change of meminfo lines
 * across it (kB). A measurement that cannot be compared says why instead. */
struct vml_snap_op {
    unsigned line;
    char what[96];   /* "a touch buf" */
    bool has_faults; /* minor, major measured */
    uint64_t minor, major;
    char faults_why_not[160];
    bool has_mem; /* mem measured */
    int64_t mem[VML_SNAP_MEM_FIELDS];
    char mem_why_not[VML_BACKEND_MSG];
    /* Committed_AS's change (kB), measured apart from mem (it moves with every other
     * program's mmap, brk and exit, so its noise must not cost the other lines). */
    bool has_commit;
    int64_t commit;
    char commit_why_not[VML_BACKEND_MSG];
    /* A fork's: the parent's accounted VMAs at the fork (smaps VmFlags "ac" without "dc"), kB,
     * which dup_mmap charges again for the child; Committed_AS's change must equal it. */
    bool has_copy;
    int64_t copy;
    /* The kernel's oom_kill count's change across the operation (/proc/vmstat). */
    bool has_oom_kill;
    uint64_t oom_kill;
    /* /proc/vmstat's NUMA counters (zone_statistics: numa_hit ... numa_other), their change
     * across the operation, the whole machine's (enum vml_snap_numa); has_numa when read. */
    bool has_numa;
    int64_t numa[6];
    /* /proc/vmstat's migration counters across the operation (enum vml_snap_migrate), the
     * whole machine's; has_migrate when read. */
    bool has_migrate;
    int64_t migrate[3];
    /* Each node's MemFree (/sys/devices/system/node/nodeN/meminfo, in pages) just before the
     * operation, on a machine of several nodes; has_free when every node's was read. The
     * fallback rule of diff (compare_fill) bounds the filled node's pages by it. */
    bool has_free;
    int64_t free[VML_MAX_NODES];
    /* And the pages in the CPUs' per-CPU lists of each node's zones then (/proc/zoneinfo's
     * pagesets): not in MemFree, yet the filling CPU's own list gives pages (0 on the
     * simulator, which has none); has_pcp when read. */
    bool has_pcp;
    int64_t pcp[VML_MAX_NODES];
    /* /proc/vmstat's automatic NUMA balancing counters across the operation (enum
     * vml_snap_balance), the whole machine's; has_balance when read (CONFIG_NUMA_BALANCING). */
    bool has_balance;
    int64_t balance[4];
    /* What a migration call returned (move_pages' status array, migrate_pages' count of pages
     * not moved), as text with runs of one value written VALUE*COUNT; "" for other calls. */
    char result[512];
    /* meminfo's SwapCached change across the operation (kB), from the same settled readings
     * as mem; has_swapcache when measured. The run's swap area is the machine's only one
     * (docs/pressure.md), so it is the scenario's swap cache: vmlab diff's AnonPages rule under
     * a cgroup's limit (scenario/diff.c, limit_anon). */
    bool has_swapcache;
    int64_t swapcache;
};

/* The migration counters of struct vml_snap_op. */
enum vml_snap_migrate {
    VML_SNAP_PGMIGRATE_SUCCESS,
    VML_SNAP_PGMIGRATE_FAIL,
    VML_SNAP_THP_MIGRATION_SUCCESS,
    VML_SNAP_MIGRATE_FIELDS
};

/* The NUMA balancing counters of struct vml_snap_op, /proc/vmstat's order. */
enum vml_snap_balance {
    VML_SNAP_NUMA_PTE_UPDATES,
    VML_SNAP_NUMA_HINT_FAULTS,
    VML_SNAP_NUMA_HINT_FAULTS_LOCAL,
    VML_SNAP_NUMA_PAGES_MIGRATED,
    VML_SNAP_BALANCE_FIELDS
};

/* The NUMA counters of struct vml_snap_op, /proc/vmstat's order. */
enum vml_snap_numa {
    VML_SNAP_NUMA_HIT,
    VML_SNAP_NUMA_MISS,
    VML_SNAP_NUMA_FOREIGN,
    VML_SNAP_NUMA_INTERLEAVE,
    VML_SNAP_NUMA_LOCAL,
    VML_SNAP_NUMA_OTHER,
    VML_SNAP_NUMA_FIELDS
};

/* The default (2 MiB) hugetlb pool at the end, as meminfo's HugePages_* lines count it; taken
 * only when the scenario sizes the pools (machine hugepages=), which then belong to the run. */
struct vml_snap_pool {
    bool taken;
    uint64_t total, free, rsvd, surp;
};

/* What a `show thp` printed (thp_text), or a `show vm` (vm_text), at its line: the settings in
 * force then; or a whole `show memory_tiering` (the memory tiers and demotion_enabled). */
struct vml_snap_text {
    unsigned line;
    char *text;   /* NUL-terminated, owned */
    bool vm;      /* a show vm's /proc/sys/vm/ files, not the THP ones */
    bool tiering; /* a show memory_tiering's lines */
};

/* A memory cgroup's own figures at the end of a run, kB, from its memory.stat (v2's names;
 * v1's total_ lines where only v1 is mounted): anon is NR_ANON_MAPPED (v1 rss), file
 * NR_FILE_PAGES (v1 cache), file_mapped NR_FILE_MAPPED (v1 mapped_file), shmem, swapcached
 * NR_SWAPCACHE, and the LRU lists (lru_anon inactive + active anon, lru_file likewise,
 * unevictable): every user page charged to the cgroup is on one of them. */
struct vml_snap_memcg {
    uint64_t anon, file, file_mapped, shmem, swapcached, lru_anon, lru_file, unevictable;
};
#define VML_SNAP_MEMCG_FIELDS 8

struct vml_snapshot {
    struct vml_snap_proc *procs;
    size_t n_procs;
    struct vml_snap_pool pool;
    struct vml_snap_text *thp; /* each show thp, show vm and show memory_tiering, in order */
    size_t n_thp;
    struct vml_snap_op *ops; /* with VML_RUN_MEASURE, in order */
    size_t n_ops;
    bool confined; /* the processes ran in a memory cgroup (machine memcg=on, on Linux) */
    /* The scenario's machine's NUMA nodes (machine nodes=): diff compares the NUMA counters
     * only with several (not in results files; the simulator's side says it). */
    unsigned nodes;
    /* Each node's MemFree in pages when the scenario's first operation began (after the
     * machine was set up), of the run whose end state this is; has_start_free when read (a
     * machine of several nodes). diff's fallback rule (compare_fill) bounds a filled node's
     * pages per mapping by it. */
    bool has_start_free;
    int64_t start_free[VML_MAX_NODES];
    bool has_start_pcp; /* and the per-CPU lists' pages then, as struct vml_snap_op's pcp */
    int64_t start_pcp[VML_MAX_NODES];
    /* The scenario turns automatic NUMA balancing on (machine kernel.numa_balancing=1): diff
     * compares by its balancing rule (compare_balancing). Not in results files; the
     * simulator's side says it, as with nodes. */
    bool numa_balancing;
    /* The largest memory limit a `set` of the scenario writes to a cgroup's memory.max or
     * memory.limit_in_bytes, in kB; 0 when it writes none, or writes "max" or -1 (no limit).
     * A property of the scenario, the same on both sides: vmlab diff's bound for what a process
     * in such a cgroup keeps resident (scenario/diff.c). */
    uint64_t memcg_max_kb;
    /* The limited cgroup's memory.stat at the end (the one whose limit is memcg_max_kb), read
     * after the kernel's periodic statistics flush; has_limit_stat when read (results recorded
     * before it was kept lack it). vmlab diff's resident bound adds what the cgroup holds that
     * no process maps (page cache, unmapped swap cache): scenario/diff.c, limit_unmapped. */
    bool has_limit_stat;
    struct vml_snap_memcg limit_stat;
    /* RAM and swap pages at the end (MemTotal + SwapTotal): the totalpages proc_oom_score
     * divides by; 0 when meminfo could not be read. */
    uint64_t totalpages;
    /* Why this side's status RSS lines are not comparable (vml_kernel_rss_why_not), or "". Set
     * by whoever knows the kernel the snapshot comes from (vmlab diff); not in results files,
     * which carry the kernel's name instead. */
    char rss_why_not[200];
    /* This side's kernel answers -EFAULT in move_pages' status for a page never faulted in an
     * anonymous mapping, where 6.18 answers -ENOENT (vml_kernel_move_pages_efault). Set like
     * rss_why_not. */
    bool enoent_is_efault;
};

/* The meminfo label of a VML_SNAP_* line ("AnonPages"). */
const char *vml_snap_mem_name(enum vml_snap_mem f);

void vml_snapshot_free(struct vml_snapshot *snap);

/* System-wide meminfo moves with everything else the machine does, so one run's per-operation
 * changes can hold another program's too. A scenario's own change is the same on every run and
 * noise is not, so: given n runs of one scenario on one backend, writes to ops (runs[0].n_ops
 * records, starting as copies of runs[0].ops) each operation's meminfo change and fault counts
 * as at least two runs measured them; an operation on which no two runs agree is marked not
 * comparable, with the values measured. Returns how many operations lack an agreed change
 * (another run may settle them). */
unsigned vml_snapshot_vote(const struct vml_snapshot *runs, unsigned n, struct vml_snap_op *ops);

/* Compares a simulated and a real end state field by field (rules in scenario/diff.c and
 * docs/fidelity.md), appending a table to out. Returns the number of fields that differ;
 * *compared counts the fields compared, *skipped the fields, measurements and mappings that
 * could not be (the table says why). */
unsigned vml_diff_snapshots(const struct vml_snapshot *sim, const struct vml_snapshot *real,
                            struct vml_text *out, unsigned *compared, unsigned *skipped);

/* What vmlab diff follows of the kernel its Linux side ran on, since it changes the figures
 * compared: the THP settings, whether the shared zero page is mapped, whether MADV_DONTNEED
 * frees emptied page tables (CONFIG_PT_RECLAIM), the read_ahead_kb of $TMPDIR's disk. Probed on
 * this machine (host.h), or recorded on another with the Linux side's results (below). Each
 * *_err is 0 or the VML_E* its probe returned (the value is then meaningless). */
struct vml_kernel_traits {
    char kernel[160]; /* uname's release and version: "6.1.0-57-amd64 #1 SMP ... Debian ..." */
    int thp_err;
    char thp_msg[256]; /* the probe's diagnostic when thp_err */
    struct vml_thp_settings thp;
    uint32_t thp_have; /* bit (1u << i): this kernel has THP file i (vml_thp_file) */
    int zero_err;
    bool zero_page;
    int pt_reclaim_err;
    bool pt_reclaim;
    int readahead_err;
    uint64_t readahead_bytes;
    char tmpdir[256]; /* where the run's files went ($TMPDIR or /tmp) */
    int soft_dirty_err;
    bool soft_dirty; /* new VMAs carry VM_SOFTDIRTY (CONFIG_MEM_SOFT_DIRTY) */
    int anon_align_err;
    bool anon_align; /* anonymous mappings of whole 2 MiB units are 2 MiB-aligned (6.7+) */
};

/* Why the RSS lines of a process's status (VmRSS, RssAnon, RssFile, RssShmem) cannot be compared
 * exactly on the kernel named (uname's release first, as in vml_kernel_traits), or NULL when
 * they can: before 6.2 each task counts its own RSS changes and adds them to the mm's counters
 * only every TASK_RSS_EVENTS_THRESH faults (SPLIT_RSS_COUNTING, add_mm_counter_fast and
 * check_sync_rss_stat), so another process reads them late; 6.2 made them per-CPU counters
 * summed on read. */
const char *vml_kernel_rss_why_not(const char *kernel);

/* Whether the kernel named (uname's release first) stores -EFAULT in move_pages' status for a
 * page never faulted in an anonymous mapping: before 6.12, add_page_for_migration and
 * do_pages_stat_array looked pages up with follow_page(FOLL_DUMP), which answers -EFAULT where
 * an anonymous VMA has no page (no_page_table); 6.12's folio_walk_start finds no folio and
 * the status is -ENOENT. Measured: 6.1 -EFAULT, 6.18 -ENOENT (the boundary between them is
 * the conversion's release, not measured). */
bool vml_kernel_move_pages_efault(const char *kernel);

/* The Linux side of a vmlab diff, recorded on one machine (vmlab diff --record-linux) to be
 * compared on another (vmlab diff --linux-results): a guest kernel under qemu, say, whose
 * results the host's simulator, or a later vmlab's, can be compared with without booting it
 * again. The scenario is named and hashed so that results are never held against another
 * text. */
struct vml_linux_results {
    char scenario[256]; /* the scenario's file name as given */
    uint64_t hash;      /* vml_results_hash of the scenario's text */
    unsigned runs;      /* runs on the kernel that the vote took (vml_snapshot_vote) */
    struct vml_kernel_traits k;
    struct vml_snapshot snap; /* voted */
};

/* FNV-1a (64 bits) of a scenario's text. */
uint64_t vml_results_hash(const char *text, size_t len);

/* The results as a text file ("vmlab-linux-results 1" then one record a line; strings with
 * \\ and \n escaped), which vml_results_parse reads back unchanged. 0 or VML_EHOST. */
int vml_results_format(const struct vml_linux_results *r, struct vml_text *out);

/* Reads a file vml_results_format wrote into r (zeroed first; free with vml_results_free even
 * after a failure). VML_EPARSE with diag's line and column on anything else, VML_EHOST when out
 * of memory. */
int vml_results_parse(const char *text, size_t len, struct vml_linux_results *r,
                      struct vml_diag *diag);
void vml_results_free(struct vml_linux_results *r);

/* Runs s on backend b (started by the run, destroyed by the caller). snap (may be NULL) gets
 * the end state. Returns 0 when every operation ran (expects may still have failed: see res),
 * or a negative VML_E* with diag filled. */
int vml_run(const struct vml_scenario *s, struct vml_backend *b, unsigned flags,
            struct vml_text *out, struct vml_text *report, struct vml_run_result *res,
            struct vml_snapshot *snap, struct vml_diag *diag);

/* Watching a run operation by operation (vmlab run --explain, --html): before_op is called
 * before each operation of s->ops (index i) runs, after_op after it and the kernel work it
 * made due (the backend's wait 0) ran, with the backend (b->sim(b->ctx) is the machine, once
 * it is built) and the run's output, to which after_op may append; err is the operation's
 * result (non-zero: the run stops after this call). Either may be NULL. */
struct vml_run_hooks {
    void *ctx;
    void (*before_op)(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b);
    void (*after_op)(void *ctx, size_t i, const struct vml_op *op, struct vml_backend *b, int err,
                     struct vml_text *out);
};

/* vml_run with hooks (NULL: none). */
int vml_run_hooked(const struct vml_scenario *s, struct vml_backend *b, unsigned flags,
                   struct vml_text *out, struct vml_text *report, struct vml_run_result *res,
                   struct vml_snapshot *snap, const struct vml_run_hooks *hooks,
                   struct vml_diag *diag);

/* vml_run on a new simulator backend; when sim is not NULL the machine is kept and returned in
 * *sim (also after a failure, if it was built), for the caller to inspect and destroy. */
int vml_run_scenario(const struct vml_scenario *s, unsigned flags, struct vml_text *out,
                     struct vml_text *report, struct vml_run_result *res, struct vml_sim **sim,
                     struct vml_diag *diag);

#endif
