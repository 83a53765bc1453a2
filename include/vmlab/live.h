/* live.h: the real machine's processes, read from /proc (host/live.c).
 *
 * One scan reads, for every process, /proc/PID/smaps_rollup (or smaps when the kernel has no
 * rollup), statm or status, cmdline, comm, oom_score and oom_score_adj, through the proc/
 * parsers. A process that exits during the scan, or whose files cannot be read, stays in the
 * result with a flag saying why: nothing is dropped silently. Each figure is either read
 * (a bit in ->have) or absent: never a 0 standing for "unknown". Kernel threads and zombies
 * (no address space) are flagged too.
 */
#ifndef VMLAB_LIVE_H
#define VMLAB_LIVE_H

#include "vmlab/proc.h"

enum vml_live_state {
    VML_LIVE_OK = 0,     /* every file read */
    VML_LIVE_GONE = 1,   /* exited during the scan */
    VML_LIVE_DENIED = 2, /* a file could not be read (permission) */
    VML_LIVE_KERNEL = 3, /* a kernel thread: no address space */
    VML_LIVE_BAD = 4,    /* a file did not parse (message in error) */
    VML_LIVE_ZOMBIE = 5, /* exited, not yet reaped by its parent: no address space */
};
#define VML_LIVE_NSTATES 6

/* Bits of vml_live_proc.have: which figures were read. */
#define VML_LIVE_HAVE_SIZE   1u  /* vsz and rss (statm, or status) */
#define VML_LIVE_HAVE_SMAPS  2u  /* pss, uss, swap, swap_pss, anon_huge, hugetlb */
#define VML_LIVE_HAVE_OOM    4u  /* oom_score */
#define VML_LIVE_HAVE_ADJ    8u  /* oom_score_adj */
#define VML_LIVE_HAVE_STATUS 16u /* ->status */
#define VML_LIVE_HAVE_SPLIT  32u /* uss_anon, uss_file, uss_shmem (else split_why says why) */

struct vml_live_proc {
    int pid;
    unsigned uid;  /* owner of /proc/PID (real uid from status with VML_LIVE_STATUS) */
    char comm[64]; /* the kernel's name (status Name, or the comm file); may be empty */
    char *cmdline; /* arguments joined by spaces (owned; may be empty) */
    enum vml_live_state state;
    unsigned have;         /* VML_LIVE_HAVE_* */
    char error[96];        /* the first file that could not be read or parsed, and why */
    const char *split_why; /* without VML_LIVE_HAVE_SPLIT (and HAVE_SMAPS): why (static) */
    /* bytes */
    uint64_t vsz, rss, pss, uss, swap, swap_pss, anon_huge, hugetlb;
    /* USS by kind of page: anonymous pages (freed when it dies), page cache pages of files
     * (they stay cached), shmem (freed only with the last reference to the object). */
    uint64_t uss_anon, uss_file, uss_shmem;
    struct vml_status_mem status; /* with VML_LIVE_STATUS: the status memory lines (kB) */
    int oom_score, oom_score_adj;
};

struct vml_live_scan {
    struct vml_live_proc *procs; /* by pid */
    size_t n;
    size_t n_state[VML_LIVE_NSTATES]; /* processes by enum vml_live_state */
};

/* Read smaps and add up its blocks' printed values instead of reading smaps_rollup: PSS then
 * comes out as smem and ps_mem compute it, a little below the rollup's (which the kernel
 * rounds once, not per mapping); slower. */
#define VML_LIVE_PER_MAPPING 1u
/* Also read status (an expensive file): comm, real uid and the RSS breakdown in ->status, as
 * vmlab oom needs. Without it, VmSize comes from statm, the uid from the /proc/PID owner and
 * the name from cmdline (comm when there are no arguments). */
#define VML_LIVE_STATUS 2u
/* Do not read smaps_rollup or smaps (vmlab oom needs only status and the oom files). */
#define VML_LIVE_NO_SMAPS 4u

/* Whether proc_root is a /proc tree: a directory with a meminfo file or PID directories. 0,
 * or VML_ENOENT (VML_EHOST when it cannot be read) with *why saying what is wrong. */
int vml_live_root_check(const char *proc_root, const char **why);

/* Scans the processes under proc_root ("/proc", or a copy of one for tests). Returns 0, or
 * VML_ENOENT if proc_root cannot be listed, VML_EHOST. threads > 1 reads with that many
 * threads (results do not depend on it). flags: VML_LIVE_*. */
int vml_live_scan(const char *proc_root, unsigned threads, unsigned flags,
                  struct vml_live_scan *out);
void vml_live_scan_free(struct vml_live_scan *scan);

/* Reads proc_root/meminfo. 0, VML_ENOENT, VML_EPARSE (diag says where). */
int vml_live_meminfo(const char *proc_root, struct vml_meminfo *out, struct vml_diag *diag);

/* Reads the file name under dir (a /proc or /sys directory) into out. 0, VML_ENOENT when it
 * cannot be read, VML_EHOST. */
int vml_live_read(const char *dir, const char *name, struct vml_text *out);

/* The user name of a uid (the uid in decimal when it has none); returns buf. */
const char *vml_live_user(unsigned uid, char *buf, size_t n);

/* ---- NUMA (host/numa.c) ----------------------------------------------------------------------
 *
 * The nodes of sys_root/devices/system/node, and a process's memory per node from its
 * /proc/PID/numa_maps, in the classes numastat(8) -p shows: Huge (hugetlbfs mappings), Heap,
 * Stack, and Private (every other mapping, file mappings included). */

/* The node numbers of the directories nodeN under sys_root/devices/system/node, ascending,
 * into nodes[0..*n) (at most max). 0; VML_ENOENT when that directory cannot be listed or holds
 * no node (diag says which); VML_EINVAL when there are more than max. */
int vml_numa_nodes(const char *sys_root, unsigned *nodes, unsigned max, unsigned *n,
                   struct vml_diag *diag);

enum vml_numa_class {
    VML_NUMA_HUGE,
    VML_NUMA_HEAP,
    VML_NUMA_STACK,
    VML_NUMA_PRIVATE,
    VML_NUMA_NCLASS
};
/* "Huge", "Heap", "Stack", "Private" (numastat's row labels). */
const char *vml_numa_class_name(enum vml_numa_class c);

struct vml_numa_usage {
    uint64_t bytes[VML_NUMA_NCLASS][VML_NUMA_MAX_NODES]; /* pages x kernelpagesize_kB */
    unsigned maps;                                       /* lines of numa_maps read */
    char file[4200]; /* the numa_maps path (diag->file points here) */
};

/* Reads proc_root/PID/numa_maps into *out (zeroed first). Each N<node>= count is of the
 * mapping's kernel pages (kernelpagesize_kB: base pages for THPs, huge pages for hugetlbfs),
 * so bytes are exact where numastat multiplies hugetlbfs counts by the default huge page size.
 * 0; VML_ENOENT when there is no such process (diag says so); VML_EINVAL when the file cannot
 * be read (diag: why, e.g. permission); VML_EPARSE (diag: file, line, column); VML_EHOST. */
int vml_numa_process(const char *proc_root, int pid, struct vml_numa_usage *out,
                     struct vml_diag *diag);

/* The process's name as numastat shows it: status's Name (the comm file when status has
 * none); "" when neither can be read. Returns buf. */
const char *vml_numa_proc_name(const char *proc_root, int pid, char *buf, size_t n);

/* The processes under proc_root whose name and command line (its arguments joined by spaces)
 * contain pattern, as numastat -p PATTERN matches them (a substring, case-sensitive), but
 * skip_pid; ascending, into a malloc'ed *pids (free it). 0, VML_ENOENT when proc_root cannot
 * be listed, VML_EHOST. */
int vml_numa_match(const char *proc_root, const char *pattern, int skip_pid, int **pids, size_t *n);

/* ---- memory cgroups (host/memcg.c) ----------------------------------------------------------
 *
 * The memory controller's hierarchy under sys_root/fs/cgroup: cgroup v2 when that directory's
 * cgroup.controllers lists memory, else v1's sys_root/fs/cgroup/memory. Each group's files are
 * read through the proc/ parsers; a file that cannot be read or parsed leaves its figures
 * absent (a bit of ->have unset) with the reason in ->error, never a 0. */
#define VML_MEMCG_UNLIMITED UINT64_MAX

#define VML_MEMCG_HAVE_USAGE   1u  /* usage: v2 memory.current, v1 memory.usage_in_bytes */
#define VML_MEMCG_HAVE_LIMIT   2u  /* limit: v2 memory.max, v1 memory.limit_in_bytes */
#define VML_MEMCG_HAVE_SWAP    4u  /* swap_limit: v2 memory.swap.max, v1 memsw.limit_in_bytes */
#define VML_MEMCG_HAVE_FAILCNT 8u  /* failcnt: v1 memory.failcnt */
#define VML_MEMCG_HAVE_SWAPPY  16u /* swappiness: v1 memory.swappiness */
#define VML_MEMCG_HAVE_FILES   32u /* the group has memory files at all */

/* Counters of memory.events (v2) and memory.oom_control (v1: oom_kill only), by bit of
 * ->have_ev. */
enum vml_memcg_event {
    VML_MEMCG_EV_LOW,
    VML_MEMCG_EV_HIGH,
    VML_MEMCG_EV_MAX,
    VML_MEMCG_EV_OOM,
    VML_MEMCG_EV_OOM_KILL,
    VML_MEMCG_EV_OOM_GROUP_KILL,
    VML_MEMCG_NEV
};

struct vml_memcg {
    char *path;                        /* "/" for the root, else "/a/b" below the mount (owned) */
    unsigned depth;                    /* 0 for the root */
    unsigned have;                     /* VML_MEMCG_HAVE_* */
    unsigned have_ev;                  /* 1u << enum vml_memcg_event */
    uint64_t usage, limit, swap_limit; /* bytes; limits VML_MEMCG_UNLIMITED when none */
    uint64_t failcnt, swappiness;
    uint64_t ev[VML_MEMCG_NEV];
    int *pids; /* its own cgroup.procs, ascending (owned) */
    size_t npids;
    char error[192]; /* the first file that could not be read or parsed, and why */
};

struct vml_memcg_tree {
    int version;         /* 1 or 2 */
    char mount[4096];    /* the hierarchy's directory */
    struct vml_memcg *g; /* pre-order: each group before its children, siblings by name; a
                            group's descendants are the groups after it of greater depth */
    size_t n;
};

/* Reads the memory cgroup hierarchy under sys_root. 0; VML_ENOENT when there is no memory
 * controller there (diag says where it looked); VML_EHOST when out of memory. */
int vml_memcg_scan(const char *sys_root, struct vml_memcg_tree *out, struct vml_diag *diag);
void vml_memcg_tree_free(struct vml_memcg_tree *t);
/* The group whose path is path ("/a/b", "a/b/" alike; "/" is the root), or -1. */
long vml_memcg_find(const struct vml_memcg_tree *t, const char *path);

/* ---- one group in detail (vmlab cgroup) --------------------------------------------------- */

/* Bits of vml_memcg_detail.have: the optional files that were there. */
#define VML_MCD_HIGH          1u   /* v2 memory.high */
#define VML_MCD_LOW           2u   /* v2 memory.low */
#define VML_MCD_MIN           4u   /* v2 memory.min */
#define VML_MCD_SWAP_CURRENT  8u   /* v2 memory.swap.current */
#define VML_MCD_SOFT_LIMIT    16u  /* v1 memory.soft_limit_in_bytes */
#define VML_MCD_MEMSW_USAGE   32u  /* v1 memory.memsw.usage_in_bytes */
#define VML_MCD_KMEM_USAGE    64u  /* v1 memory.kmem.usage_in_bytes */
#define VML_MCD_MEMSW_FAILCNT 128u /* v1 memory.memsw.failcnt */
#define VML_MCD_OOM_CONTROL   256u /* v1 memory.oom_control: oom_kill_disable, under_oom */

#define VML_MCD_MAX_EVENTS 16

struct vml_memcg_detail {
    struct vml_memcg_stat stat; /* memory.stat */
    unsigned have;              /* VML_MCD_* */
    /* bytes (limits VML_MEMCG_UNLIMITED when none, v1's PAGE_COUNTER_MAX too) */
    uint64_t high, low, min, swap_current, soft_limit, memsw_usage, kmem_usage;
    uint64_t memsw_failcnt, oom_kill_disable, under_oom;
    struct {
        char name[32];
        uint64_t value;
    } events[VML_MCD_MAX_EVENTS]; /* v2 memory.events, every line in order */
    size_t nevents;
    char file[4096]; /* the file a diag names (diag->file points here) */
};

/* Reads group g's memory.stat and the files around it that vml_memcg_scan does not: v2
 * memory.high, low, min, swap.current and every line of memory.events; v1
 * soft_limit_in_bytes, memsw.usage_in_bytes, kmem.usage_in_bytes, memsw.failcnt,
 * oom_control. v1's hierarchical_memory_limit and hierarchical_memsw_limit in ->stat are
 * VML_MEMCG_UNLIMITED when the kernel printed PAGE_COUNTER_MAX. 0; VML_ENOENT when memory.stat
 * cannot be read; VML_EPARSE when a file does not parse (diag: the file, line and column);
 * VML_EHOST. A missing optional file leaves its bit of ->have unset. */
int vml_memcg_detail_read(const struct vml_memcg_tree *t, const struct vml_memcg *g,
                          struct vml_memcg_detail *out, struct vml_diag *diag);

/* The swap the group's anonymous pages may be reclaimed to, bytes: mm/memcontrol.c
 * mem_cgroup_get_nr_swap_pages. v2: free swap, capped by swap.max - swap.current of the group
 * and of every ancestor below the root; v1: free swap alone (memsw limits memory + swap
 * together, not swap). swap_free is the machine's (SwapFree). */
uint64_t vml_memcg_swap_room(const struct vml_memcg_tree *t, size_t gi, uint64_t swap_free);

#endif
