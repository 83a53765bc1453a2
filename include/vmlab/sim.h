/* sim.h: the simulated kernel: processes, their address spaces, faults, fork, files, /proc.
 *
 * A vml_sim is one simulated machine (physical memory, CPUs) running a small Linux memory
 * manager: processes with VMAs and page tables, demand paging with the shared zero page,
 * fork with copy-on-write, a page cache for simulated files, shmem, hugetlb pools of 2 MiB and
 * 1 GiB pages, and the /proc files that describe it all in the kernel's text format. Each rule
 * follows the kernel function named in the source (see ../shared/reference/linux-vm-semantics.md).
 *
 * Calls mirror system calls: they return 0 or a negative VML_E* code that plays the errno's
 * part (VML_EINVAL for EINVAL, VML_ENOMEM for ENOMEM, VML_EEXIST for EEXIST, VML_ENOENT for
 * ESRCH/ENOENT), and leave the state unchanged on failure. An access that Linux answers with
 * SIGSEGV is not a library error: it kills the simulated process and is reported in the
 * access result.
 */
#ifndef VMLAB_SIM_H
#define VMLAB_SIM_H

#include "vmlab/base.h"
#include "vmlab/cpu.h"
#include "vmlab/mmu.h"
#include "vmlab/phys.h"
#include "vmlab/proc.h"
#include "vmlab/sysctl.h"
#include "vmlab/thp.h"

#define VML_SIM_MAX_CPUS 256

/* Where a process's memory goes with ASLR off (seed 0), as after exec of a program with no file
 * mappings under setarch -R: mmap's top-down search starts at VML_SIM_MMAP_BASE
 * (DEFAULT_MAP_WINDOW - 128 MiB) and the heap at VML_SIM_START_BRK (the program at 2/3 of the
 * window plus its 64 KiB image). The Linux backend lays the real processes' scenario memory out
 * at the same offsets. */
#define VML_SIM_MMAP_BASE 0x7ffff7fff000ull
#define VML_SIM_START_BRK 0x555555564000ull

/* Huge page sizes of the hugetlb pools (/sys/kernel/mm/hugepages/hugepages-NkB). 1 GiB pages
 * exist only on CPUs with pdpe1gb. */
enum vml_huge_size {
    VML_HUGE_2M = 0, /* hugepages-2048kB, the default size (meminfo's HugePages_* lines) */
    VML_HUGE_1G = 1, /* hugepages-1048576kB */
    VML_NR_HUGE_SIZES = 2,
};

/* Linux's read_ahead_kb unless a device says otherwise (VM_READAHEAD_PAGES): 128 KiB. */
#define VML_SIM_DEFAULT_READAHEAD (128ull << 10)

/* A node's memory performance as the ACPI HMAT gives it to the kernel (struct access_coordinate
 * of its best CPU initiator, /sys/devices/system/node/nodeN/access1/initiators/): latencies in
 * ns, bandwidths in MB/s. A pair (latencies, bandwidths) summing to 0 is no data. */
struct vml_node_perf {
    uint32_t read_latency, write_latency, read_bandwidth, write_bandwidth;
};

struct vml_sim_config {
    struct vml_phys_config phys; /* RAM and nodes */
    struct vml_cpu_model cpu;    /* every simulated CPU's model */
    unsigned nr_cpus;            /* 1..VML_SIM_MAX_CPUS */
    unsigned paging;             /* 4 or 5 (5 needs cpu.la57) */
    uint64_t seed;               /* address-space randomisation; 0 = off, as under setarch -R */
    bool no_zero_page;           /* anonymous read faults allocate a page instead of mapping the
                                  * zero page (mm_forbids_zeropage; some kernels are built so) */
    bool no_pt_reclaim;          /* MADV_DONTNEED keeps the PTE tables it empties, as kernels
                                  * without CONFIG_PT_RECLAIM do (x86-64 6.18 has it) */
    bool soft_dirty;             /* every VMA carries VM_SOFTDIRTY (smaps "sd"), as on kernels
                                  * with CONFIG_MEM_SOFT_DIRTY (6.18's here has not) */
    bool no_anon_thp_align;      /* anonymous mappings of whole 2 MiB units are not aligned to
                                  * 2 MiB (kernels before 6.7: no thp_get_unmapped_area_vmflags
                                  * for them) */
    uint64_t readahead;          /* the most the page cache reads ahead in one window, bytes (the
                                  * disk's read_ahead_kb); 0 = VML_SIM_DEFAULT_READAHEAD */
    bool no_readahead;           /* read_ahead_kb=0: only the pages asked for are read */
    bool oom_killer_disabled;    /* as the kernel's oom_killer_disable() (suspend): an allocation
                                  * reclaim cannot serve fails (VML_ENOMEM, after using the
                                  * reserves) instead of killing a process */
    unsigned disk;               /* the disk under the files: a device preset (vml_sim_disk_find)
                                  * when disk_set, else VML_SIM_DEFAULT_DISK (docs/latency.md) */
    bool disk_set;
    unsigned swapdev; /* the preset swap devices are made of (machine swapdev=), when
                       * swapdev_set; else the disk's */
    bool swapdev_set;
    unsigned pid_max; /* kernel.pid_max: no pid reaches it (fork and spawn fail with VML_EAGAIN);
                       * 0 = the kernel's default for nr_cpus, vml_sim_default_pid_max */
    const struct vml_thp_settings *thp;     /* transparent huge pages; NULL = the kernel's
                                             * defaults (vml_thp_defaults). Checked as
                                             * vml_sim_thp_store checks a write */
    const struct vml_vm_sysctl *vm;         /* /proc/sys/vm/; NULL = the kernel's defaults
                                             * (vml_vm_sysctl_defaults) */
    const struct vml_numab_settings *numab; /* kernel.numa_balancing and its tunables; NULL =
                                             * vml_numab_defaults (off) */
    uint64_t swap_bytes; /* a swap file of this size (a multiple of 4 KiB) enabled at boot as
                          * /swapfile; 0 = no swap */
    uint64_t nr_hugepages[VML_NR_HUGE_SIZES]; /* hugetlb pools taken from the buddy allocator
                                               * at creation, as boot-time hugepages=N; as
                                               * many as fit (vml_sim_hugepages says how many) */
    unsigned node_cpus[VML_MAX_NODES];        /* CPUs of each node, numbered node by node (node 0's
                                               * first); all 0 = spread evenly, CPU i on node
                                               * i * nodes / nr_cpus. A node may have none (a memory
                                               * node, CXL-style); the counts must sum to nr_cpus */
    uint8_t il_weight[VML_MAX_NODES];         /* /sys/kernel/mm/mempolicy/weighted_interleave/nodeN,
                                               * 1..255; 0 = 1 (the default without HMAT data) */
    bool demotion_enabled; /* /sys/kernel/mm/numa/demotion_enabled (false, the kernel's default):
                            * reclaim demotes to a lower memory tier (docs/numa.md) */
    /* Each node's memory as firmware and drivers describe it, which decides its memory tier
     * (docs/numa.md, "Demotion"): its ACPI HMAT performance from its best CPU initiator (all 0:
     * none), or node_dax: onlined by dax/kmem or the CXL driver (no CPUs). */
    struct vml_node_perf node_perf[VML_MAX_NODES];
    bool node_dax[VML_MAX_NODES];
};

struct vml_sim;

/* Block device presets (docs/latency.md): a request's service time, seek and transfer rate.
 * Their names: "nvme", "sata", "hdd" and "virtio" (this VM's disk, measured; the default). */
#define VML_SIM_DEFAULT_DISK 3u /* virtio */
/* The preset named by s (n bytes): 0 with *kind set, or VML_EINVAL. */
int vml_sim_disk_find(const char *s, size_t n, unsigned *kind);
const char *vml_sim_disk_name(unsigned kind); /* "?" for none */

#define VML_SIM_PID_MAX_LIMIT 4194304u /* PID_MAX_LIMIT on 64-bit (include/linux/threads.h) */
/* The kernel's pid_max at boot for a machine of nr_cpus CPUs (pid_idr_init). */
unsigned vml_sim_default_pid_max(unsigned nr_cpus);

/* Creates a machine with nothing running. VML_EINVAL (diag says which value; may be NULL),
 * VML_EHOST. */
int vml_sim_create(const struct vml_sim_config *cfg, struct vml_sim **out, struct vml_diag *diag);
void vml_sim_destroy(struct vml_sim *sim); /* accepts NULL */

/* ---- processes -------------------------------------------------------------------------- */

/* Starts a process named comm (at most 15 characters are kept, as TASK_COMM_LEN) with an empty
 * heap and a stack VMA, as after exec of a static program with no file mappings. */
int vml_sim_spawn(struct vml_sim *sim, const char *comm, int *pid);
struct vml_mpol;
/* vml_sim_spawn as numactl launches a program: with the policy pol (NULL: default) and the CPUs
 * of cpus (nwords words, bit c of cpus[c / 64]; NULL: every CPU) in force from the start, as
 * set_mempolicy and sched_setaffinity before exec. VML_EINVAL as vml_sim_set_mempolicy, or no
 * CPU of the machine in cpus. */
int vml_sim_spawn_numa(struct vml_sim *sim, const char *comm, const struct vml_mpol *pol,
                       const uint64_t *cpus, unsigned nwords, int *pid);
/* fork(2): the child gets a copy of the address space, private pages shared copy-on-write.
 * Both fail with VML_EAGAIN when the next pid would reach pid_max (pids are not reused). */
int vml_sim_fork(struct vml_sim *sim, int pid, int *child);
/* ---- swap --------------------------------------------------------------------------------- */

/* swapon(2): a swap file, or with partition a block device's area (SWP_BLKDEV: the only kind
 * that gives large folios contiguous slots, so they are swapped whole), at path of bytes (a
 * multiple of 4 KiB, at least two pages: the first holds the header), with priority prio, or
 * when prio_set is false the next default (-2, -3 ... as the kernel gives them). VML_EINVAL with
 * diag's message (a path already on, too small, too many areas), VML_EHOST. */
int vml_sim_swapon(struct vml_sim *sim, const char *path, uint64_t bytes, int prio, bool prio_set,
                   bool partition, struct vml_diag *diag);

/* swapoff(2): every page of the area comes back into memory (try_to_unuse) and the area goes.
 * VML_EINVAL (not a swap area), VML_ENOMEM (memory ran out: the area stays on); diag says
 * which. */
int vml_sim_swapoff(struct vml_sim *sim, const char *path, struct vml_diag *diag);

/* ---- settings ---------------------------------------------------------------------------- */

/* The THP settings in force. */
const struct vml_thp_settings *vml_sim_thp(const struct vml_sim *sim);
/* A write to /sys/kernel/mm/transparent_hugepage/FILE (file: vml_thp_find's index), with the
 * kernel's checks. A value the simulation does not model yet (diag says which and why) is
 * refused with VML_ENOTSUP rather than accepted and ignored. */
int vml_sim_thp_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                      struct vml_diag *diag);
/* Whether the simulation models every value of s: 0, or VML_ENOTSUP with diag's message naming
 * the file and what to write instead (the check vml_sim_create and vml_sim_thp_store make). */
int vml_sim_thp_check(const struct vml_thp_settings *s, struct vml_diag *diag);

/* The /proc/sys/vm/ settings in force. */
const struct vml_vm_sysctl *vml_sim_vm(const struct vml_sim *sim);
/* A write to /proc/sys/vm/FILE (vml_vm_find's index) with the kernel's checks and effects
 * (drop_caches drops, a new dirty_writeback_centisecs wakes the flusher). A value the simulation
 * does not model yet is refused with VML_ENOTSUP and diag's reason. */
int vml_sim_vm_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                     struct vml_diag *diag);
/* A write to automatic NUMA balancing's file (vml_numab_path's index) as the kernel takes it;
 * VML_EINVAL or VML_ENOTSUP with diag's reason. Turning it on starts the tasks' scans. */
int vml_sim_numab_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                        struct vml_diag *diag);
const struct vml_numab_settings *vml_sim_numab(const struct vml_sim *sim);
/* Whether the simulation models every value of s: 0 or VML_ENOTSUP (diag says why). */
int vml_sim_vm_check(const struct vml_vm_sysctl *s, struct vml_diag *diag);

/* khugepaged/pages_collapsed and khugepaged/full_scans. */
struct vml_khugepaged_stats {
    uint64_t pages_collapsed; /* 2 MiB blocks khugepaged collapsed into THPs */
    uint64_t full_scans;      /* passes of its cursor over the whole list of address spaces */
};
void vml_sim_khugepaged(const struct vml_sim *sim, struct vml_khugepaged_stats *out);
/* What /proc/sys/vm/min_free_kbytes reads now: the boot value (calculate_min_free_kbytes,
 * raised by THP), as later THP writes and vm.min_free_kbytes writes changed it
 * (docs/meminfo.md). */
uint64_t vml_sim_min_free_kbytes(const struct vml_sim *sim);

/* hugepages-<4 << order>kB/stats/ (order 2..9): VML_EINVAL for another order. */
int vml_sim_thp_stats(const struct vml_sim *sim, unsigned order, struct vml_thp_stats *out);
/* prctl(PR_SET_THP_DISABLE, on): no THP for the process's mappings (MMF_DISABLE_THP), inherited
 * by fork; status shows THP_enabled: 0. */
int vml_sim_set_thp_disable(struct vml_sim *sim, int pid, bool on);
/* exit: the address space is torn down; the pid is no longer valid. */
int vml_sim_exit(struct vml_sim *sim, int pid);
/* prctl(PR_SET_NAME): the name /proc shows (at most 15 characters kept). */
int vml_sim_set_comm(struct vml_sim *sim, int pid, const char *comm);
/* Schedules pid on a CPU (CR3 load with the process's PCID). */
int vml_sim_run_on(struct vml_sim *sim, unsigned cpu, int pid);

/* How a process ended, for processes killed by the simulation. */
struct vml_sim_death {
    bool killed;   /* by a simulated SIGSEGV or SIGBUS, or SIGKILL from the OOM killer */
    int si_code;   /* VML_SEGV_MAPERR, VML_SEGV_ACCERR, VML_BUS_ADRERR, VML_SI_KERNEL or
                    * VML_SI_OOM */
    uint64_t addr; /* faulting address (0 for an OOM kill) */
    uint64_t seq;  /* the kill's place among the machine's kills, from 1 */
};
#define VML_SEGV_MAPERR 1 /* no mapping at the address */
#define VML_SEGV_ACCERR 2 /* the mapping forbids the access */
#define VML_BUS_ADRERR                                                                             \
    3 /* SIGBUS: a file mapping touched beyond the end of its file, or a                           \
       * hugetlb fault the pool cannot serve */
#define VML_SI_KERNEL                                                                              \
    0x80 /* SIGSEGV from a general-protection fault: a non-canonical address                       \
          * (the signal's address is 0, as Linux reports it) */
#define VML_SI_OOM                                                                                 \
    0x100 /* not a si_code: SIGKILL sent by the OOM killer (mm/oom_kill.c: __oom_kill_process) */

/* Whether pid is alive (0) or was killed (VML_ENOENT with *death filled when known). */
int vml_sim_status_of(const struct vml_sim *sim, int pid, struct vml_sim_death *death);
/* How many processes the machine has killed so far (every death's seq is at most this). */
uint64_t vml_sim_kills(const struct vml_sim *sim);

/* /proc/PID/oom_score_adj: -1000 (never chosen) .. 1000, inherited by fork's children. The
 * simulated processes are root's (CAP_SYS_RESOURCE): lowering it is allowed. VML_EINVAL out of
 * range (diag-less: the kernel's EINVAL). */
int vml_sim_set_oom_score_adj(struct vml_sim *sim, int pid, int adj);

/* Memory cgroups, the v2 hierarchy at /sys/fs/cgroup (docs/cgroups.md). A path is relative to
 * the hierarchy's root ("box", "box/web"); "" or "/" is the root.
 * create: mkdir of a new cgroup (VML_EINVAL for a bad name, VML_EEXIST, VML_ENOENT without its
 * parent, VML_ENOTSUP past 63 cgroups). find: its id, or VML_ENOENT. attach: pid written to its
 * cgroup.procs (VML_EBUSY for a cgroup with children). write: value written to one of its
 * files as an administrator's echo would (memory.max, .high, .low, .min, .swap.max,
 * .swap.high, .oom.group, .peak, .reclaim, and v1's memory.limit_in_bytes; VML_EINVAL for a
 * value the file refuses, VML_ENOENT for a file it does not have, VML_EBUSY, VML_EAGAIN);
 * node is where the writer runs. text: a file's content as the kernel prints it, the v2 file or
 * with v1 the v1 hierarchy's file of that name (VML_EINVAL for a file the cgroup lacks). */
int vml_sim_cgroup_create(struct vml_sim *sim, const char *path);
int vml_sim_cgroup_find(const struct vml_sim *sim, const char *path);
int vml_sim_cgroup_attach(struct vml_sim *sim, int pid, const char *path);
int vml_sim_cgroup_write(struct vml_sim *sim, const char *path, const char *file, const char *value,
                         unsigned node);
int vml_sim_cgroup_text(const struct vml_sim *sim, const char *path, const char *file, bool v1,
                        struct vml_text *out);
/* The i-th file vml_sim_cgroup_text serves (v2's: the first two are also the root's; or v1's),
 * NULL past the last. */
const char *vml_sim_cgroup_file_name(bool v1, unsigned i);
/* Whether the last allocation that failed (VML_ENOMEM) failed because a cgroup was at its
 * memory.max with nothing its OOM killer may kill (every process there at oom_score_adj
 * -1000): 1 with its path ("/box") and limit, else 0. Linux would retry such a fault forever. */
int vml_sim_nomem_cgroup(const struct vml_sim *sim, char *path, size_t len, uint64_t *max_bytes);
int vml_sim_oom_score_adj(const struct vml_sim *sim, int pid, int *adj);
/* The path of the cgroup with this id (as vml_sim_cgroup_find returns it) into buf, "" for the
 * root. Ids run from 0, the root, in creation order, a parent before its children: list them
 * by asking for 0, 1, 2 ... until VML_ENOENT. VML_EINVAL for the id of a cgroup that was
 * removed (go on to the next), VML_EOVERFLOW when the path does not fit in len bytes. */
int vml_sim_cgroup_path(const struct vml_sim *sim, unsigned id, char *buf, size_t len);

/* ---- memory system calls (Linux's flag values) -------------------------------------------- */

#define VML_MAP_SHARED          0x01
#define VML_MAP_PRIVATE         0x02
#define VML_MAP_FIXED           0x10
#define VML_MAP_ANONYMOUS       0x20
#define VML_MAP_NORESERVE       0x4000
#define VML_MAP_POPULATE        0x8000
#define VML_MAP_FIXED_NOREPLACE 0x100000
#define VML_MAP_HUGETLB         0x40000 /* anonymous memory from a hugetlb pool */
#define VML_MAP_HUGE_SHIFT      26      /* with MAP_HUGETLB: log2 of the page size, bits 26..31 */
#define VML_MAP_HUGE_MASK       0x3fu
#define VML_MAP_HUGE_2MB        (21u << VML_MAP_HUGE_SHIFT)
#define VML_MAP_HUGE_1GB        (30u << VML_MAP_HUGE_SHIFT)

#define VML_MADV_DONTNEED   4
#define VML_MADV_HUGEPAGE   14 /* VM_HUGEPAGE: THP under enabled=madvise (madvise_vma_behavior) */
#define VML_MADV_NOHUGEPAGE 15 /* VM_NOHUGEPAGE: never THP */
#define VML_MADV_COLLAPSE   25 /* synchronous collapse into THPs (madvise_collapse) */
#define VML_MADV_COLD       20 /* deactivate the range's pages (madvise_cold) */
#define VML_MADV_PAGEOUT    21 /* reclaim the range's pages now (madvise_pageout) */

/* mmap(2). file is a simulated file's id (vml_sim_file_create) or -1 with MAP_ANONYMOUS;
 * off is the file offset (page aligned). The address is stored in *addr.
 * MAP_ANONYMOUS|MAP_HUGETLB maps huge pages of the size MAP_HUGE_2MB or MAP_HUGE_1GB names (2 MiB
 * without one): len is rounded up to the size, a MAP_FIXED address must be aligned to it
 * (VML_EINVAL), and the whole range is reserved from the pool now unless MAP_NORESERVE
 * (VML_ENOMEM when the pool's unreserved free pages cannot cover it). munmap, mprotect and
 * madvise fail with VML_EINVAL where they would split a huge page. */
int vml_sim_mmap(struct vml_sim *sim, int pid, uint64_t hint, uint64_t len, unsigned prot,
                 unsigned flags, int file, uint64_t off, uint64_t *addr);
int vml_sim_munmap(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len);
int vml_sim_mprotect(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, unsigned prot);
int vml_sim_madvise(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len, int advice);
int vml_sim_mlock(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len);
int vml_sim_munlock(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len);
/* brk(2): moves the program break to brk (0: just report it); the break is stored in *out.
 * As the kernel, a refused move leaves the break where it was and still succeeds. */
int vml_sim_brk(struct vml_sim *sim, int pid, uint64_t brk, uint64_t *out);

/* ---- accesses ------------------------------------------------------------------------------ */

struct vml_sim_access {
    uint64_t accesses;     /* accesses made */
    uint64_t minor, major; /* page faults taken (minor, major) */
    bool killed;           /* the process was killed (SIGSEGV, SIGBUS); the rest was not run */
    int si_code;           /* VML_SEGV_*, VML_BUS_ADRERR or VML_SI_KERNEL when killed */
    uint64_t addr;         /* address accessed when killed */
};

/* Accesses [start, end) every stride bytes (the first byte of each step) from user mode on the
 * CPU the process runs on (its first allowed CPU if it runs nowhere yet), through the MMU, taking
 * page faults as Linux does. */
int vml_sim_touch(struct vml_sim *sim, int pid, uint64_t start, uint64_t end, uint64_t stride,
                  enum vml_access access, struct vml_sim_access *res);

/* For callers that drive translations themselves (trace replay): vml_sim_enter makes pid's
 * address space current on the CPU it runs on (CPU 0 if it runs nowhere yet), as
 * vml_sim_touch does first, and stores that CPU's index; vml_sim_cpu gives a CPU (NULL if
 * none) to pass to vml_mmu_translate, user mode only. A translation that faults goes to
 * vml_sim_fault, which handles it as the kernel does (counted in res->minor or res->major,
 * or the process killed: res->killed, si_code, addr); the access is then retried. Any fault
 * may change TLB contents on every CPU. */
int vml_sim_enter(struct vml_sim *sim, int pid, unsigned *cpu);
struct vml_cpu *vml_sim_cpu(struct vml_sim *sim, unsigned cpu);
int vml_sim_fault(struct vml_sim *sim, int pid, uint64_t va, enum vml_access access,
                  const struct vml_fault *fault, struct vml_sim_access *res);
/* For the same callers: a store made at va that did not fault (or its retry after the fault),
 * which the caller reports when vml_sim_tracks_stores says the simulation needs them: a page
 * written is no longer zero-filled, which decides whether swapping it out writes it
 * (docs/reclaim.md, "Zero-filled pages"). vml_sim_touch reports its own. VML_ENOENT for a pid
 * that is not running. */
bool vml_sim_tracks_stores(const struct vml_sim *sim);
int vml_sim_stored(struct vml_sim *sim, int pid, uint64_t va);

/* Page-table frames of pid's address space, per level. */
struct vml_pt_stats;
int vml_sim_pt_stats(const struct vml_sim *sim, int pid, struct vml_pt_stats *out);

/* ---- files ----------------------------------------------------------------------------------- */

/* The largest size of a regular file (ext4 with 4 KiB blocks and extents: ext4_max_size, 2^32 - 1
 * blocks) and of a shmem object or any file offset (MAX_LFS_FILESIZE). */
#define VML_SIM_EXT4_MAX_BYTES   ((1ull << 44) - 4096)
#define VML_SIM_MAX_LFS_FILESIZE ((1ull << 63) - 1)

/* Creates a regular file of size bytes (contents not cached) or, with shmem, a memfd-like shmem
 * object. Regular files' names are unique (VML_EEXIST), memfd names need not be. The id is
 * stored in *file. A size above the file's largest (VML_SIM_EXT4_MAX_BYTES, or
 * VML_SIM_MAX_LFS_FILESIZE for shmem) is VML_EFBIG, as ftruncate says (inode_newsize_ok); one of
 * 2^63 or more VML_EINVAL (a negative off_t). */
int vml_sim_file_create(struct vml_sim *sim, const char *name, uint64_t size, bool shmem,
                        int *file);
int vml_sim_file_find(const struct vml_sim *sim, const char *name); /* id or VML_ENOENT */
/* Extends a file to at least size bytes (ftruncate upwards; the limits of file_create). */
int vml_sim_file_grow(struct vml_sim *sim, int file, uint64_t size);
uint64_t vml_sim_file_size(const struct vml_sim *sim, int file); /* 0 for no such file */
/* unlink(2): the name goes; the file lives on while mapped. */
int vml_sim_file_delete(struct vml_sim *sim, int file);
/* read(2)/write(2) of [off, off + len) through the page cache; counted for pid (its RSS does
 * not change). Reads stop at the end of the file; writes past it extend the file. A write
 * starting at or past the file's largest size is VML_EFBIG; one crossing it is cut there (the
 * kernel's short write, generic_write_check_limits). */
int vml_sim_file_read(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len);
int vml_sim_file_write(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len);
/* The same through one open file in calls of chunk bytes each (the last may be shorter): the
 * calls share the file's readahead state, and each write(2) sizes the folios it creates by
 * what is left of it (docs/pagecache.md). VML_EINVAL for chunk 0. */
int vml_sim_file_read_chunked(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                              uint64_t chunk);
int vml_sim_file_write_chunked(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                               uint64_t chunk);
/* fsync(2): writes back the file's dirty folios (Dirty drops; shared mappings' PTEs are cleaned
 * and write-protected, folio_mkclean). A shmem object has nothing to write. VML_EINVAL. */
int vml_sim_file_fsync(struct vml_sim *sim, int file);
/* fsync(2) (datasync false) or fdatasync(2) by pid (0: no process; else the wait for the disk
 * is recorded in its fault record): the file's dirty folios are written and waited for, the
 * clock moving to the disk's last completion. VML_EINVAL. */
int vml_sim_fsync(struct vml_sim *sim, int pid, int file, bool datasync);
/* posix_fadvise(fd, off, len, POSIX_FADV_DONTNEED) (len 0: to the end): the dirty folios' writes
 * start (not waited for), then the clean unmapped folios wholly inside the range go (the last
 * partial page stays unless it ends the file). VML_EINVAL, VML_ENOENT. */
int vml_sim_fadvise_dontneed(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len);
/* ftruncate(2) by pid (0: none) to size bytes: growing adds a hole; shrinking unmaps the pages
 * past the new end from every mapping (private copies too), splits the folio the new end cuts
 * and drops every cached page past it, dirty or not (after its writeback completes). A later
 * access past the end is SIGBUS. VML_EINVAL (no such file, hugetlbfs), VML_EFBIG, VML_ENOENT. */
int vml_sim_truncate(struct vml_sim *sim, int pid, int file, uint64_t size);
/* fallocate(2) modes (the kernel's FALLOC_FL_* values). */
#define VML_SIM_FALLOC_KEEP_SIZE  0x01u /* FALLOC_FL_KEEP_SIZE */
#define VML_SIM_FALLOC_PUNCH_HOLE 0x02u /* FALLOC_FL_PUNCH_HOLE (needs KEEP_SIZE) */
/* fallocate(fd, mode, off, len) on a regular (ext4) file by pid (0: none). Mode 0 allocates
 * blocks and grows the file to off + len if it is shorter; KEEP_SIZE leaves the size; neither
 * touches the page cache (the simulated disk keeps no blocks). PUNCH_HOLE|KEEP_SIZE (clipped to
 * the page holding the end of the file): every page mapping of the whole pages in the range goes
 * from every mapping (the private COW copies stay), the cached folios wholly inside leave the
 * cache, dirty or not, once their writeback completes, and a cached page the range cuts at
 * either edge is zeroed there and dirtied (ext4_zero_partial_blocks). VML_EINVAL (len 0, no such
 * file, hugetlbfs, mode unknown), VML_ENOTSUP (PUNCH_HOLE without KEEP_SIZE: EOPNOTSUPP; a shmem
 * object: shmem_fallocate is not modelled), VML_EFBIG (off + len past the largest file),
 * VML_ENOENT (no such process). */
int vml_sim_fallocate(struct vml_sim *sim, int pid, int file, uint64_t off, uint64_t len,
                      unsigned mode);
/* echo what > /proc/sys/vm/drop_caches: bit 1 drops every regular file's clean unmapped folios
 * (tmpfs keeps its own); bit 2 the slab caches (none simulated yet). Returns the pages dropped. */
uint64_t vml_sim_drop_caches(struct vml_sim *sim, unsigned what);
/* msync(addr, len, MS_SYNC): the same for the file ranges the shared file mappings in
 * [addr, addr + len) map. VML_EINVAL (addr not page aligned), VML_ENOMEM (part of the range
 * unmapped; the mapped parts are still synced), VML_ENOENT (no such process). */
int vml_sim_msync(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len);

/* ---- hugetlb pools -----------------------------------------------------------------------------
 */

/* One pool's counters, in huge pages (/sys/kernel/mm/hugepages/hugepages-NkB/). */
struct vml_sim_hugepages {
    uint64_t nr;      /* nr_hugepages: persistent pages (total - surplus) */
    uint64_t total;   /* HugePages_Total: pages in the pool, free or in use */
    uint64_t free;    /* HugePages_Free: not mapped or cached (reserved ones included) */
    uint64_t resv;    /* HugePages_Rsvd: promised to mappings, not faulted yet */
    uint64_t surplus; /* HugePages_Surp: in use beyond nr_hugepages, freed when released */
};

/* Writing nr_hugepages (set_max_huge_pages): the pool grows from the buddy allocator, node by
 * node in turn, as far as memory allows (counting htlb_buddy_alloc_success/_fail), or shrinks by
 * freeing free pages that are not reserved; pages still in use beyond count become surplus.
 * *nr (may be NULL) gets the resulting nr_hugepages. VML_EINVAL for a size the CPU lacks. */
int vml_sim_set_nr_hugepages(struct vml_sim *sim, enum vml_huge_size size, uint64_t count,
                             uint64_t *nr);
/* A pool's counters; VML_EINVAL for a size the CPU lacks. */
int vml_sim_hugepages(const struct vml_sim *sim, enum vml_huge_size size,
                      struct vml_sim_hugepages *out);

/* ---- NUMA: topology, memory policies (mm/mempolicy.c), node files ---------------------------
 *
 * Policies are the kernel's modes with its numbers (include/uapi/linux/mempolicy.h); a nodemask
 * is a bit per node. docs/numa.md says what is modelled. */
enum vml_mpol_mode {
    VML_MPOL_DEFAULT = 0,
    VML_MPOL_PREFERRED = 1,
    VML_MPOL_BIND = 2,
    VML_MPOL_INTERLEAVE = 3,
    VML_MPOL_LOCAL = 4,
    VML_MPOL_PREFERRED_MANY = 5,
    VML_MPOL_WEIGHTED_INTERLEAVE = 6,
    VML_MPOL_NR_MODES = 7,
};
#define VML_MPOL_F_STATIC_NODES   (1u << 15)
#define VML_MPOL_F_RELATIVE_NODES (1u << 14)

struct vml_mpol {
    unsigned mode;  /* enum vml_mpol_mode */
    unsigned flags; /* VML_MPOL_F_* */
    uint32_t nodes; /* the nodemask as the caller gives it (bit n: node n) */
};

/* set_mempolicy(2) for pid: VML_EINVAL as the kernel refuses (mpol_new, mpol_set_nodemask: an
 * empty mask where one is needed, nodes for default/local, both mode flags, no memory node
 * left in the mask), checked before the pid; VML_ENOENT for no such process (pid -1 checks a
 * policy alone). */
int vml_sim_set_mempolicy(struct vml_sim *sim, int pid, const struct vml_mpol *pol);
/* mbind(2) of [addr, addr + len) in pid (addr page aligned): VMAs split at the ends and merged
 * where their policies become equal (mbind_range). VML_EINVAL (as set_mempolicy, or addr not
 * page aligned), VML_EFAULT for a hole in the range (the kernel's EFAULT), VML_ENOTSUP with
 * diag for a mapping whose policy the simulation does not model (shmem's shared policy,
 * hugetlb). */
int vml_sim_mbind(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len,
                  const struct vml_mpol *pol, struct vml_diag *diag);
/* Page migration between nodes (docs/numa.md), the flags of mbind(2) and move_pages(2):
 * MPOL_MF_MOVE moves pages only the caller maps, MPOL_MF_MOVE_ALL shared ones too (the kernel
 * asks CAP_SYS_NICE; the simulated caller has it). */
#define VML_MPOL_MF_MOVE     (1u << 1)
#define VML_MPOL_MF_MOVE_ALL (1u << 2)
/* mbind(2) with flags: vml_sim_mbind, then every page of the range on a node outside the new
 * policy's nodes moved to where the policy allocates it (do_mbind: queue_pages_range,
 * migrate_pages with alloc_migration_target_by_mpol). flags 0 is vml_sim_mbind. *failed (may
 * be NULL): the folios given up (a THP split to move its pages counts as one); without
 * MPOL_MF_STRICT the call succeeds all the same. VML_ENOTSUP with diag for an mTHP or hugetlb
 * page in the range (their migration is not modelled). */
int vml_sim_mbind_flags(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len,
                        const struct vml_mpol *pol, unsigned flags, uint64_t *failed,
                        struct vml_diag *diag);
/* move_pages(2) for the n pages at addrs of pid: with nodes NULL, where each is
 * (do_pages_stat); else each moved to nodes[i] (do_pages_move), consecutive pages bound for one
 * node moved as a batch. status[i]: the page's node afterwards, or a negative Linux errno:
 * -ENOENT no page there, -EFAULT no VMA or the zero page, -EACCES a page others map too
 * without VML_MPOL_MF_MOVE_ALL, -EBUSY a page of a THP the batch already holds; or
 * VML_MOVE_PAGES_UNSET where the kernel stores nothing (a batch that failed, and every page
 * after it). Returns 0; or, when a batch failed (a page that cannot be moved: pinned, in the
 * swap cache, under writeback), the folios not moved plus the pages not attempted, as the
 * syscall does; VML_ENOMEM when a batch found no free frame on the node (the syscall's
 * ENOMEM; the batch's pages before that one moved); VML_EINVAL for a node the machine lacks,
 * VML_ENOTSUP with diag for an mTHP or hugetlb page. A THP whose new THP cannot be allocated
 * is split and its pages moved one by one (thp_migration_split). */
#define VML_MOVE_PAGES_UNSET (-0x7fffffff - 1) /* INT_MIN */
int vml_sim_move_pages(struct vml_sim *sim, int pid, size_t n, const uint64_t *addrs,
                       const int *nodes, int *status, unsigned flags, struct vml_diag *diag);
/* migrate_pages(2): pid's pages on the nodes of from moved to those of to (do_migrate_pages,
 * node_remap pairing, MPOL_MF_MOVE_ALL). *left: the folios that could not be moved (the
 * syscall's return; a THP split to move its pages counts as one). VML_EINVAL for an empty
 * mask or a node the machine lacks; VML_ENOMEM when a destination had no free frame (the
 * syscall's ENOMEM: the pages before moved, the rest not tried). */
int vml_sim_migrate_pages(struct vml_sim *sim, int pid, uint32_t from, uint32_t to, uint64_t *left,
                          struct vml_diag *diag);
/* sched_setaffinity(2): the CPUs pid may run on (bit c of mask[c / 64]); a task running on a
 * CPU outside them moves to the first allowed one. VML_EINVAL when no allowed CPU exists. */
int vml_sim_set_affinity(struct vml_sim *sim, int pid, const uint64_t *mask, unsigned nwords);
/* The modelled latency of a memory access from a CPU of node from to memory of node to: 80 ns
 * at the local distance (10), 200 ns at the default remote distance (20), linear in the SLIT
 * distance between (80 + 12 * (distance - 10) ns: 212 ns at 21). */
#define VML_NUMA_LOCAL_NS  80u
#define VML_NUMA_REMOTE_NS 200u
unsigned vml_sim_numa_latency_ns(const struct vml_sim *sim, unsigned from, unsigned to);
/* The physical address where a node's memory ends (nodes are contiguous, node 0 first). */
uint64_t vml_sim_node_end(const struct vml_sim *sim, unsigned node);
/* The machine's NUMA nodes and CPUs. */
unsigned vml_sim_nr_nodes(const struct vml_sim *sim);
unsigned vml_sim_nr_cpus(const struct vml_sim *sim);
/* The node CPU cpu belongs to. */
unsigned vml_sim_cpu_node(const struct vml_sim *sim, unsigned cpu);
/* The node a task allocates from by default (numa_node_id() where it runs). */
int vml_sim_task_node(const struct vml_sim *sim, int pid, unsigned *node);

/* /sys/devices/system/node/nodeN/ files. */
enum vml_node_file {
    VML_NODE_MEMINFO,
    VML_NODE_NUMASTAT,
    VML_NODE_VMSTAT,
    VML_NODE_DISTANCE,
    VML_NODE_CPULIST,
    VML_NODE_NR_FILES,
};
const char *vml_node_file_name(enum vml_node_file f); /* "meminfo" ... */
/* A node file's text, appended to out. VML_EINVAL for a node the machine has not. */
int vml_sim_node_text(const struct vml_sim *sim, unsigned node, enum vml_node_file f,
                      struct vml_text *out);
/* The node's numastat counters. */
int vml_sim_numastat(const struct vml_sim *sim, unsigned node, struct vml_numastat *out);
/* numastat(8) without options: the table of every node's counters, in pages. */
int vml_sim_numastat_table(const struct vml_sim *sim, struct vml_text *out);
/* numactl --hardware: nodes, their CPUs, size and free memory, the distance table. */
int vml_sim_numactl_hardware(const struct vml_sim *sim, struct vml_text *out);

/* Memory tiers (mm/memory-tiers.c, docs/numa.md "Demotion"). */
#define VML_NUMA_SYSFS_DIR "/sys/kernel/mm/numa/"
#define VML_MEMTIER_DIR    "/sys/devices/virtual/memory_tiering/"
/* kstrtobool, as demotion_enabled_store parses a write: 0 with *out, or VML_EINVAL. */
int vml_kstrtobool(const char *s, size_t len, bool *out);
/* A write to /sys/kernel/mm/numa/demotion_enabled; VML_EINVAL with diag for a value kstrtobool
 * refuses. */
int vml_sim_demotion_store(struct vml_sim *sim, const char *value, size_t len,
                           struct vml_diag *diag);
bool vml_sim_demotion_enabled(const struct vml_sim *sim);
/* mt_perf_to_adistance: the abstract distance of memory of performance perf against the default
 * DRAM's (dram), in the kernel's unsigned 32-bit arithmetic, left to right:
 * 576 * (perf latencies) / (dram latencies) * (dram bandwidths) / (perf bandwidths). 0 with
 * *adist; VML_EINVAL when either's latencies or bandwidths sum to 0 (no data: the kernel's
 * -EINVAL); VML_EOVERFLOW when a step leaves 32 bits or the result an int (the kernel would
 * wrap: refused rather than modelled). */
int vml_memtier_perf_adistance(const struct vml_node_perf *dram, const struct vml_node_perf *perf,
                               int *adist);
/* Each node's abstract distance as memory_tier_late_init gave it (adist[node], nodes of the
 * machine); the number of nodes. */
unsigned vml_sim_memory_adistance(const struct vml_sim *sim, int *adist);
/* The memory tiers, fastest first: each tier's id (memory_tierN) and nodes (a bit per node);
 * the number of tiers. */
unsigned vml_sim_memory_tiers(const struct vml_sim *sim, unsigned *ids, uint32_t *nodes);
/* The node reclaim on node demotes to (next_demotion_node's preferred set: a bit per node; 0
 * for a node of the lowest tier). */
uint32_t vml_sim_demotion_targets(const struct vml_sim *sim, unsigned node);
/* The memory_tiering sysfs files and demotion_enabled, one "PATH:VALUE" line each (as grep -r
 * prints them), for show memory_tiering. */
int vml_sim_memory_tiering_text(const struct vml_sim *sim, struct vml_text *out);

/* ---- /proc ------------------------------------------------------------------------------------
 */

enum vml_sim_file {
    VML_SIM_MAPS,
    VML_SIM_SMAPS,
    VML_SIM_SMAPS_ROLLUP,
    VML_SIM_STATUS,
    VML_SIM_STATM,
    VML_SIM_NUMA_MAPS,
    VML_SIM_MEMINFO,
    VML_SIM_VMSTAT,
    VML_SIM_BUDDYINFO,
    VML_SIM_ZONEINFO,
    VML_SIM_FAULTS,        /* vmlab's own, per process: faults and their modelled latency */
    VML_SIM_LATENCY,       /* vmlab's own, per process: its accesses' latency distribution */
    VML_SIM_SWAPS,         /* /proc/swaps */
    VML_SIM_OOM_SCORE,     /* per process: /proc/PID/oom_score */
    VML_SIM_OOM_SCORE_ADJ, /* per process: /proc/PID/oom_score_adj */
    VML_SIM_DMESG,         /* the kernel log (dmesg): what the OOM killer reported */
    VML_SIM_NR_FILES,
};

/* The /proc path suffix of a file: "maps", "smaps_rollup", "meminfo" ... */
const char *vml_sim_file_name(enum vml_sim_file f);

/* Appends the text of a /proc file. Per-process files need a live pid; system files ignore it.
 * For smaps, [start, end) other than 0, 0 selects the VMAs overlapping that range. */
int vml_sim_proc_text(struct vml_sim *sim, int pid, enum vml_sim_file f, uint64_t start,
                      uint64_t end, struct vml_text *out);

/* Records behind the text, for programs. */
int vml_sim_status_mem(const struct vml_sim *sim, int pid, struct vml_status_mem *out);
int vml_sim_rollup(const struct vml_sim *sim, int pid, struct vml_smaps_counts *out);
/* The sum of the smaps blocks' printed values (what smem and similar tools add up; PSS can be
 * a few kB below smaps_rollup's, which truncates once). */
int vml_sim_smaps_sum(const struct vml_sim *sim, int pid, struct vml_smaps_counts *out);
void vml_sim_meminfo(const struct vml_sim *sim, struct vml_meminfo *out);
void vml_sim_vmstat(const struct vml_sim *sim, struct vml_vmstat *out);

/* The latency record of a process's accesses (`latency`: all zero before its first access). */
int vml_sim_latency(const struct vml_sim *sim, int pid, struct vml_latency_record *out);

/* Page faults a process took (min_flt, maj_flt of /proc/PID/stat) and its parent's pid. */
int vml_sim_task_info(const struct vml_sim *sim, int pid, uint64_t *min_flt, uint64_t *maj_flt,
                      int *ppid);

/* Live pids in creation order: fills up to n, returns how many there are. */
size_t vml_sim_pids(const struct vml_sim *sim, int *pids, size_t n);
const char *vml_sim_comm(const struct vml_sim *sim, int pid); /* NULL if no such process */

/* ---- the event stream ---------------------------------------------------------------------
 *
 * The simulated kernel's state changes that vmstat counts, reported as they are counted: each
 * event is the counting itself (the counter moves by n in the same call that reports it), so
 * a reader of the stream (vmlab run --explain, the HTML explorer) cannot disagree with the
 * counters. A hook is optional; without one the counting costs one predictable branch more.
 * Events of one page fault come before its VML_EV_FAULT, which ends it. */
enum vml_event_kind {
    VML_EV_FAULT,     /* pgfault (n 1; pgmajfault too when major): a fault handled */
    VML_EV_COW_COPY,  /* a write to a shared or zero page made a private copy (no counter) */
    VML_EV_COW_REUSE, /* pgreuse: a write to a page only this mm maps, made writable */
    VML_EV_THP_FAULT, /* thp_fault_alloc: a 2 MiB page mapped by one PMD */
    VML_EV_SPLIT_PMD, /* thp_split_pmd: a PMD mapping split into 512 PTEs */
    VML_EV_SWAP_OUT,  /* pswpout (n pages) */
    VML_EV_RECLAIM,   /* pgscan_* / pgsteal_*: n scanned, n2 reclaimed, by kswapd or direct */
    VML_EV_OOM_KILL,  /* oom_kill: pid killed */
    /* fork's copy_page_range (no counter): n entries copied, n2 of them write-protected for
     * COW in both mms, n3 anonymous pages now shared; tables: page-table pages of the child
     * (nr_page_table_pages), tlb_flushes: the parent's flush (flush_tlb_mm). */
    VML_EV_FORK,
    /* zap_pte_range over a range (munmap, MADV_DONTNEED, exit; no counter): n pages unmapped
     * (RSS), n2 frames freed (pgfree, page-table pages apart), n3 swap entries dropped; tables:
     * page-table pages freed; tlb_flushes and tlb_shootdowns: the flushes and IPIs it made. */
    VML_EV_ZAP,
    /* mprotect's change_protection (no counter): n entries changed; TLB as for VML_EV_ZAP. */
    VML_EV_MPROTECT,
    /* swap_read_folio and the swap readahead (mm/swap_state.c): n pages read from the device
     * (pswpin), n2 filled with zeros from the zeromap (swpin_zero), n3 read ahead (swap_ra). */
    VML_EV_SWAP_IN,
    /* migrate_pages (mm/migrate.c): n pages moved (pgmigrate_success), n2 failed
     * (pgmigrate_fail), n3 THPs moved whole (thp_migration_success); pfn: the new frame. */
    VML_EV_MIGRATE,
    /* khugepaged's collapse_huge_page: a 2 MiB page allocated (thp_collapse_alloc) at addr. */
    VML_EV_COLLAPSE,
    /* __alloc_pages_direct_compact: n 1 (compact_stall), n2 1 when it succeeded
     * (compact_success), n3 the order asked for. */
    VML_EV_COMPACT,
    /* kcompactd_do_work on node for order n3 (compact_daemon_wake). */
    VML_EV_KCOMPACTD,
    /* kswapd's balance_pgdat pass on node (pageoutrun). */
    VML_EV_KSWAPD,
    /* workingset_refault: n pages refaulted (workingset_refault_*), n2 of them activated
     * (workingset_activate_*), n3 restored (workingset_restore_*); file: the file LRU. */
    VML_EV_REFAULT,
    /* folio_end_writeback: n pages written back (nr_written). */
    VML_EV_WRITEBACK,
    /* read_pages: one read of n file pages from the disk into the page cache (a fault's page,
     * or a readahead window: page_cache_ra_unbounded), n3 1 when the process waits for it (no
     * counter: the simulator does not count file reads in pgpgin). */
    VML_EV_FILE_READ,
    /* madvise(MADV_COLD / MADV_PAGEOUT) (madvise_cold_or_pageout_pte_range): n pages moved to
     * the inactive list (pgdeactivate), n2 accessed bits cleared (MADV_COLD), n3 pages
     * isolated to be reclaimed at once (MADV_PAGEOUT: their reclaim reports itself); TLB as
     * for VML_EV_ZAP, over the walk. */
    VML_EV_DEACTIVATE,
    VML_EV_NR
};

/* Values of vml_event.kind_of_fault: which handler a fault ended in. */
enum vml_fault_path {
    VML_FP_ANON,     /* do_anonymous_page: a new zeroed page, or the zero page for a read */
    VML_FP_FILE,     /* do_fault: a file or shmem page (read, COW or shared) */
    VML_FP_SWAP,     /* do_swap_page: a swap entry */
    VML_FP_WP,       /* do_wp_page / wp_huge_pmd: a write to a present read-only entry */
    VML_FP_HUGETLB,  /* hugetlb_fault */
    VML_FP_SPURIOUS, /* present and allowed already: nothing to do */
    VML_FP_NUMA,     /* do_numa_page, do_huge_pmd_numa_page: a NUMA hinting (PROT_NONE) PTE
                      * or PMD made present again, its folio perhaps migrated to the faulting
                      * CPU's node */
};

struct vml_event {
    enum vml_event_kind kind;
    int pid;        /* the process (the victim for VML_EV_OOM_KILL; 0 for reclaim) */
    uint64_t addr;  /* page address (faults, COW, THP, split) */
    uint64_t n, n2; /* pages (swap-out: written; reclaim: scanned, reclaimed); COW: mapcount */
    /* VML_EV_FAULT only. */
    enum vml_access access;
    enum vml_fault_path path;
    int result;          /* 0, or the fault's error (VML_SEGV_*, VML_ENOMEM ...) */
    bool major, present; /* a major fault; the entry was present before it */
    bool vma_file, vma_shared, vma_anon_thp;
    uint64_t pfn;   /* the frame mapped at addr after it (0: none) */
    unsigned node;  /* that frame's NUMA node */
    uint64_t entry; /* the page-table entry after it, and where it is */
    uint64_t table_pfn;
    unsigned level;       /* 1 PTE, 2 PMD, 3 PUD; 0 none */
    bool zero_page;       /* the frame is the shared zero page (or the huge zero page) */
    int64_t rss_pages;    /* the mm's RSS change over the fault */
    uint64_t tlb_flushes; /* TLB invalidations the fault made */
    bool kswapd;          /* VML_EV_RECLAIM: by kswapd (else direct) */
    bool file;            /* VML_EV_RECLAIM: the file LRU (else anon) */
    /* The kinds after VML_EV_OOM_KILL: see each kind. */
    uint64_t n3, tables, tlb_shootdowns;
};

typedef void (*vml_event_fn)(void *ctx, const struct vml_event *e);
/* Sets (fn non-NULL) or clears the machine's one event hook. */
void vml_sim_set_event_hook(struct vml_sim *sim, vml_event_fn fn, void *ctx);

/* For inspectors (vmlab run --html): a live process's page tables (NULL if none) and the
 * machine's physical memory (its CPUs: vml_sim_nr_cpus above). */
const struct vml_pt *vml_sim_pagetable(const struct vml_sim *sim, int pid);
const struct vml_phys *vml_sim_phys(const struct vml_sim *sim);

/* Counters of the simulated kernel's own work. */
struct vml_sim_stats {
    uint64_t tlb_flushes;    /* TLB invalidations of a range or an address space */
    uint64_t tlb_shootdowns; /* IPIs to other CPUs running the same address space */
};
const struct vml_sim_stats *vml_sim_stats(const struct vml_sim *sim);
/* A CPU's MMU counters (TLB hits and misses, walks, cycles), or NULL for no such CPU. */
const struct vml_mmu_stats *vml_sim_cpu_stats(const struct vml_sim *sim, unsigned cpu);

/* ---- time -------------------------------------------------------------------------------------
 */

/* The simulated clock, in nanoseconds since the machine was made. Operations take no simulated
 * time yet; only vml_sim_advance moves it. */
uint64_t vml_sim_now(const struct vml_sim *sim);
/* Lets ns nanoseconds pass: the kernel's periodic work (khugepaged) due by then runs in time
 * order, work due at the same instant in the order it was scheduled. vml_sim_advance(sim, 0)
 * runs the work that is due now (an operation may have woken a thread). VML_EINVAL when the
 * clock would pass 2^64 - 1 ns; VML_EHOST. */
int vml_sim_advance(struct vml_sim *sim, uint64_t ns);

/* ---- checking ----------------------------------------------------------------------------------
 */

/* The invariants of ARCHITECTURE.md: frames conserved per node; mapcount equals the present
 * leaf entries pointing at each frame over all address spaces and refcount is at least it;
 * each process's RSS counters equal what its page tables map and VmPTE its table frames; no
 * TLB or page-walk cache holds a translation the tables no longer allow; PSS sums to the
 * mapped frames; hugetlb pools and reservations agree with what maps and caches huge pages.
 * Returns 0, or -1 with why filled. Cost: a walk of every table. */
int vml_sim_check(const struct vml_sim *sim, char *why, size_t len);

#endif
