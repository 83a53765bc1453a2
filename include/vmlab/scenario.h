/* scenario.h: the scenario language's front end: text in, a checked list of operations out.
 *
 * A scenario is line-oriented text, one operation per line (docs/scenario.md is the user's
 * specification). vml_scenario_parse() reads it, checks its syntax, its values and the names it
 * uses (a process must exist before it is used, a mapping must exist in that process, a file
 * must have been created), and returns the machine settings and the operations in order. It
 * executes nothing: the simulator and the Linux backend are the executors.
 *
 *   "a mmap buf 64M anon private rw"  ->  { VML_OP_MMAP, line 3, col 1, proc "a",
 *                                           .u.mmap = { "buf", 64 MiB, anon, private, r|w } }
 *
 * Every operation records the line and column of its first word so that an executor can
 * report "file:line: expect failed: ...". Names are copied into fixed buffers; the limits
 * below are part of the language and longer names are parse errors.
 */
#ifndef VMLAB_SCENARIO_H
#define VMLAB_SCENARIO_H

#include "vmlab/base.h"
#include "vmlab/mmu.h"
#include "vmlab/sim.h"
#include "vmlab/sysctl.h"
#include "vmlab/thp.h"
#include "vmlab/trace.h"

#define VML_SCN_NAME_MAX    32          /* process, mapping and memfd names: at most 31 bytes */
#define VML_SCN_FILE_MAX    64          /* file names: at most 63 bytes */
#define VML_SCN_FIELD_MAX   48          /* /proc field names in expect: at most 47 bytes */
#define VML_SCN_SHOW_FIELDS 16          /* fields one show may pick */
#define VML_SCN_WORD_MAX    256         /* any word of a line: at most 255 bytes */
#define VML_SCN_MAX_CPUS    256         /* machine cpus=N: 1..256 */
#define VML_SCN_LINE_MAX    (1u << 20)  /* a line: at most 1 MiB, its CR and LF not counted */
#define VML_SCN_TEXT_MAX    (16u << 20) /* a scenario: at most 16 MiB */
#define VML_SCN_VALUE_MAX   64          /* set PATH VALUE: a value of at most 63 bytes */
#define VML_SCN_CGROUP_MAX  63          /* cgroup statements in a scenario */

/* Machine defaults when the scenario has no machine line or leaves a key out. */
#define VML_SCN_DEFAULT_RAM (4ull << 30) /* 4 GiB */

/* Bits of vml_machine_cfg.given: which keys the machine line set. */
#define VML_MCFG_RAM        (1u << 0)
#define VML_MCFG_NODES      (1u << 1)
#define VML_MCFG_CPU        (1u << 2)
#define VML_MCFG_PAGING     (1u << 3)
#define VML_MCFG_CPUS       (1u << 4)
#define VML_MCFG_SEED       (1u << 5)
#define VML_MCFG_THP        (1u << 6) /* thp= or any thp.FILE= (thp_given says which) */
#define VML_MCFG_SWAP       (1u << 7)
#define VML_MCFG_ZERO_PAGE  (1u << 8)
#define VML_MCFG_HUGEPAGES  (1u << 9)
#define VML_MCFG_PT_RECLAIM (1u << 10)
#define VML_MCFG_READAHEAD  (1u << 11)
#define VML_MCFG_DISK       (1u << 12)
#define VML_MCFG_SWAPDEV    (1u << 13)
#define VML_MCFG_NODE_MEM   (1u << 14) /* node_mem=SIZE,SIZE... */
#define VML_MCFG_NODE_CPUS  (1u << 15) /* node_cpus=N,N... */
#define VML_MCFG_DISTANCE   (1u << 16) /* distance=D,D,... (the SLIT, row by row) */
#define VML_MCFG_NUMA       (1u << 17) /* numa=PRESET */
#define VML_MCFG_IL_WEIGHTS (1u << 18) /* il_weights=W,W... */
/* memcg=on|off: not an entry of the machine keys' table (a bit of its own, far from theirs). */
#define VML_MCFG_MEMCG (1u << 24)

/* swapon statements a scenario may have enabled at once (the kernel allows MAX_SWAPFILES, 32 less
 * what its configuration reserves; vmlab keeps to fewer). */
#define VML_SCN_SWAP_MAX   16
#define VML_MCFG_VM        (1u << 25) /* any vm.FILE= (vm_given says which) */
#define VML_MCFG_NUMAB     (1u << 26) /* kernel.numa_balancing= or sched.numa_balancing/FILE= */
#define VML_MCFG_DEMOTION  (1u << 28) /* numa.demotion_enabled= (/sys/kernel/mm/numa/) */
#define VML_MCFG_NODE_PERF (1u << 29) /* node_perf=PERF,PERF... (HMAT figures or dax, per node) */

/* The machine line's settings. Keys the line leaves out (or all, without a machine line) hold
 * the defaults noted here; given tells them apart, so that the Linux backend checks only what
 * the scenario asked for. */
struct vml_machine_cfg {
    uint64_t ram_bytes;         /* RAM, bytes: a multiple of 2 MiB, <= 8 TiB; VML_SCN_DEFAULT_RAM */
    unsigned nr_nodes;          /* NUMA nodes, 1..VML_MAX_NODES (8); 1 */
    char cpu[VML_SCN_WORD_MAX]; /* CPU spec as written (vml_cpu_model_parse); "" = default */
    unsigned paging_levels;     /* 4 (48-bit) or 5 (57-bit); 4 */
    unsigned nr_cpus;           /* simulated CPUs, 1..VML_SCN_MAX_CPUS; 1 */
    uint64_t seed;              /* seed of every pseudo-random choice; 0 */
    struct vml_thp_settings thp; /* every file of /sys/kernel/mm/transparent_hugepage/ (thp=
                                  * is thp.enabled); vml_thp_defaults for the files not given */
    uint64_t swap_bytes;         /* swap space, bytes, a multiple of 4 KiB; 0 = no swap */
    bool no_zero_page;           /* zero_page=off: reads of untouched anonymous memory allocate
                                  * (kernels that forbid the zero page); false */
    bool no_pt_reclaim;          /* pt_reclaim=off: MADV_DONTNEED keeps the PTE tables it empties
                                  * (kernels without CONFIG_PT_RECLAIM); false */
    /* Traits of the kernel vmlab diff compares with, which it sets (no machine key: they follow
     * the kernel, docs/fidelity.md); false: as this project's 6.18. */
    bool soft_dirty;        /* VMAs carry VM_SOFTDIRTY (CONFIG_MEM_SOFT_DIRTY) */
    bool no_anon_thp_align; /* anonymous mappings are not aligned to 2 MiB (before 6.7) */
    bool memcg; /* the Linux backend confines the scenario's processes to a memory cgroup sized as
                 * the simulated machine leaves to user pages (docs/pressure.md): memcg=on|off;
                 * without memcg=, on when the scenario has swap (swap= above 0, or a swapon) */
    uint64_t readahead_bytes; /* readahead=SIZE: the most the page cache reads ahead at once
                               * (the disk's read_ahead_kb), a multiple of 4K, 0 = none; 128K */
    unsigned disk;            /* disk=NAME: the files' disk, a device preset (vml_sim_disk_find);
                               * VML_SIM_DEFAULT_DISK */
    unsigned swapdev;         /* swapdev=NAME: the preset swap devices are made of; the disk's */
    uint64_t hugepages[VML_NR_HUGE_SIZES]; /* hugepages=2M:N,1G:N: hugetlb pool sizes, by
                                            * enum vml_huge_size; 0 */
    unsigned hugepages_given;              /* bit (1 << size): that size was written */
    unsigned given;                        /* VML_MCFG_* bits of the keys the machine line set */
    uint32_t thp_given;                 /* bit (1u << i): the line set THP file i (vml_thp_file) */
    unsigned thp_col[VML_THP_NR_FILES]; /* the column of each given THP key, for messages */
    struct vml_vm_sysctl vm; /* /proc/sys/vm/ (vm.FILE=VALUE, applied in the order written, so
                              * vm.dirty_bytes= zeroes dirty_ratio as the kernel's write does);
                              * vml_vm_sysctl_defaults for the files not given */
    uint32_t vm_given;       /* bit (1u << i): the line set /proc/sys/vm file i (vml_vm_file) */
    struct vml_numab_settings numab; /* NUMA balancing (kernel.numa_balancing=,
                                      * sched.numa_balancing/FILE=); vml_numab_defaults */
    uint32_t numab_given;            /* bit (1u << i): the line set file i (vml_numab_path) */
    /* NUMA topology (docs/numa.md): per-node RAM (all 0: ram split evenly), CPUs per node (all
     * 0: spread evenly), the SLIT (all 0: 10 local, 20 remote), the weighted interleave
     * weights (0: 1), and the preset named by numa= ("" none). */
    uint64_t node_bytes[VML_MAX_NODES];
    unsigned node_cpus[VML_MAX_NODES];
    uint8_t distance[VML_MAX_NODES][VML_MAX_NODES];
    uint8_t il_weight[VML_MAX_NODES];
    char numa_preset[16];
    bool demotion_enabled; /* numa.demotion_enabled=BOOL: /sys/kernel/mm/numa/demotion_enabled
                            * (kstrtobool's words); false */
    /* node_perf=: each node's HMAT performance (all 0: none) or dax/kmem memory; numa=cxl makes
     * its CPU-less node 1 dax unless node_perf= is given (docs/numa.md, "Demotion"). */
    struct vml_node_perf node_perf[VML_MAX_NODES];
    bool node_dax[VML_MAX_NODES];
};

enum vml_op_kind {
    VML_OP_PROC = 0,      /* proc NAME: proc is NAME */
    VML_OP_MMAP,          /* P mmap ...: u.mmap */
    VML_OP_MUNMAP,        /* P munmap RANGE: u.range */
    VML_OP_MPROTECT,      /* P mprotect RANGE PROT: u.mprotect */
    VML_OP_MADVISE,       /* P madvise RANGE ADVICE: u.madvise */
    VML_OP_MLOCK,         /* P mlock RANGE: u.range */
    VML_OP_MUNLOCK,       /* P munlock RANGE: u.range */
    VML_OP_TOUCH,         /* P touch RANGE ACCESS [stride=] [count=]: u.touch */
    VML_OP_FORK,          /* P fork CHILD: u.fork */
    VML_OP_EXIT,          /* P exit */
    VML_OP_BRK,           /* P brk +SIZE | -SIZE: u.brk */
    VML_OP_READ,          /* P read FILE[RANGE] [chunk=SIZE]: u.io, range.name is the file */
    VML_OP_WRITE,         /* P write FILE[RANGE] [chunk=SIZE]: u.io, range.name is the file */
    VML_OP_FILE_CREATE,   /* file create NAME SIZE: u.file; proc is "" */
    VML_OP_FILE_DELETE,   /* file delete NAME: u.file (size 0); proc is "" */
    VML_OP_CPU_RUN,       /* cpu N run P: u.cpu_run */
    VML_OP_SHOW,          /* show [P] FILE [MAP]: u.show; proc is "" for a system file */
    VML_OP_EXPECT,        /* expect ...: u.expect; proc is "" for a system file */
    VML_OP_REPLAY,        /* P replay TRACE [in MAP[START:END]] [format=F] [limit=N]: u.replay */
    VML_OP_SET,           /* set PATH VALUE: u.set; proc is "" */
    VML_OP_SHOW_THP,      /* show thp: the THP sysfs files; proc is "" */
    VML_OP_PRCTL,         /* P prctl thp_disable on|off: u.prctl */
    VML_OP_WAIT,          /* wait DURATION: u.wait; proc is "" */
    VML_OP_FSYNC,         /* P fsync FILE: u.range (name only), name is the file */
    VML_OP_MSYNC,         /* P msync MAP[RANGE]: u.range */
    VML_OP_SWAPON,        /* swapon NAME SIZE [prio=N]: u.swap; proc is "" */
    VML_OP_SWAPOFF,       /* swapoff NAME: u.swap (name only); proc is "" */
    VML_OP_SHOW_VM,       /* show vm: the /proc/sys/vm/ files; proc is "" */
    VML_OP_FDATASYNC,     /* P fdatasync FILE: u.range (name only), name is the file */
    VML_OP_FADVISE,       /* P fadvise FILE[RANGE] dontneed: u.range, name is the file */
    VML_OP_TRUNCATE,      /* P truncate FILE SIZE: u.file */
    VML_OP_FALLOCATE,     /* P fallocate FILE[RANGE] [keep_size|punch_hole]: u.fallocate */
    VML_OP_OOM_SCORE_ADJ, /* P oom_score_adj N: u.oom_adj */
    VML_OP_CGROUP,        /* cgroup PATH: u.cgroup (a new memory cgroup); proc is "" */
    VML_OP_CGROUP_ATTACH, /* P cgroup PATH: u.cgroup (P moves into it) */
    VML_OP_SET_MEMPOLICY, /* P set_mempolicy POLICY: u.mpol */
    VML_OP_MBIND,         /* P mbind MAP[RANGE] POLICY: u.mbind */
    VML_OP_AFFINITY,      /* P sched_setaffinity CPUS: u.affinity */
    VML_OP_MOVE_PAGES,    /* P move_pages MAP[RANGE] [nodes=N,N...] [all]: u.numa */
    VML_OP_MIGRATE_PAGES, /* P migrate_pages FROM TO: u.numa (from, to) */
    VML_OP_NR_KINDS,
};

/* mmap option bits (vml_op_mmap.flags). */
#define VML_MMAP_AT        (1u << 0) /* at=ADDR given: addr is a hint (or exact with FIXED) */
#define VML_MMAP_FIXED     (1u << 1) /* MAP_FIXED; implies AT */
#define VML_MMAP_NOREPLACE (1u << 2) /* MAP_FIXED_NOREPLACE; implies AT */
#define VML_MMAP_POPULATE  (1u << 3) /* MAP_POPULATE */
#define VML_MMAP_NORESERVE (1u << 4) /* MAP_NORESERVE */

/* What backs a mapping. */
enum vml_backing {
    VML_BACKING_ANON = 0, /* anonymous (MAP_ANONYMOUS; shmem when shared) */
    VML_BACKING_FILE,     /* a file made by 'file create' */
    VML_BACKING_MEMFD,    /* a memfd (shmem object), created at its first use by name */
};

/* madvise advice. */
enum vml_advice {
    VML_ADV_DONTNEED = 0, /* MADV_DONTNEED */
    VML_ADV_HUGEPAGE,     /* MADV_HUGEPAGE */
    VML_ADV_NOHUGEPAGE,   /* MADV_NOHUGEPAGE */
    VML_ADV_COLLAPSE,     /* MADV_COLLAPSE */
    VML_ADV_COLD,         /* MADV_COLD: deactivate (madvise_cold_or_pageout_pte_range) */
    VML_ADV_PAGEOUT,      /* MADV_PAGEOUT: reclaim now (reclaim_pages) */
    VML_NR_ADVICE,
};

/* fallocate(2) modes the scenario language has. */
enum vml_falloc_mode {
    VML_FALLOC_ALLOCATE = 0, /* mode 0: allocate blocks, i_size grows to cover the range */
    VML_FALLOC_KEEP_SIZE,    /* FALLOC_FL_KEEP_SIZE: allocate, i_size unchanged */
    VML_FALLOC_PUNCH_HOLE,   /* FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: free the range */
    VML_NR_FALLOC_MODES,
};

/* The directories of kernel setting files that set can write (the path table of
 * scenario/settings.c): a file is a directory and an index into its table. */
enum vml_setting_dir {
    VML_SETTING_THP = 0, /* /sys/kernel/mm/transparent_hugepage/: vml_thp_file's index */
    VML_SETTING_VM,      /* /proc/sys/vm/: vml_vm_file's index (include/vmlab/sysctl.h) */
    VML_SETTING_NUMA,    /* /sys/kernel/mm/numa/: demotion_enabled (0) */
    VML_SETTING_CGROUP,  /* /sys/fs/cgroup/PATH/: a memory cgroup's v2 file (vml_cgroup_file) */
    VML_SETTING_CGROUP1, /* /sys/fs/cgroup/memory/PATH/: its v1 file (memory.limit_in_bytes) */
    VML_SETTING_KERNEL,  /* /proc/sys/kernel/: numa_balancing (vml_numab_path's index 0) */
    VML_SETTING_SCHED,   /* /sys/kernel/debug/sched/: numa_balancing/ tunables (index 1..4) */
    VML_NR_SETTING_DIRS,
};

/* prctl options the scenario language has. */
enum vml_prctl_opt {
    VML_PRCTL_THP_DISABLE = 0, /* PR_SET_THP_DISABLE */
    VML_NR_PRCTL,
};

/* /proc files show and expect name. The first VML_PROCFILE_NR_PER_PROCESS are per process
 * (/proc/PID/...), the rest system-wide. */
enum vml_procfile {
    VML_PROCFILE_MAPS = 0,
    VML_PROCFILE_SMAPS,
    VML_PROCFILE_SMAPS_ROLLUP,
    VML_PROCFILE_STATUS,
    VML_PROCFILE_STATM,
    VML_PROCFILE_NUMA_MAPS,
    VML_PROCFILE_FAULTS,    /* vmlab's own: the process's faults and their modelled latency */
    VML_PROCFILE_LATENCY,   /* vmlab's own: its accesses' latency distribution (simulator only) */
    VML_PROCFILE_OOM_SCORE, /* one number: the OOM killer's ranking, 0..2000 */
    VML_PROCFILE_OOM_SCORE_ADJ, /* one number: what `P oom_score_adj N` set */
    VML_PROCFILE_MEMINFO,       /* first system file */
    VML_PROCFILE_VMSTAT,
    VML_PROCFILE_BUDDYINFO,
    VML_PROCFILE_ZONEINFO,
    VML_PROCFILE_NUMASTAT,
    VML_PROCFILE_SWAPS,
    VML_PROCFILE_DMESG,   /* the kernel log since the run began (the OOM killer's reports) */
    VML_PROCFILE_CGROUP,  /* a memory cgroup's file, v2 (show cgroup PATH FILE): cgroup, cgfile */
    VML_PROCFILE_CGROUP1, /* the same cgroup's file in the v1 hierarchy (show cgroup1 ...) */
    VML_PROCFILE_NUMA,    /* numactl --hardware's text (show numa) */
    VML_PROCFILE_NODE, /* /sys/devices/system/node/nodeN/FILE (show nodeN FILE): node, nodefile */
    VML_PROCFILE_MEMORY_TIERING, /* the memory tiers' nodelists and demotion_enabled, as
                                  * grep -r prints them (show memory_tiering) */
    VML_PROCFILE_COUNT,
};
#define VML_PROCFILE_NR_PER_PROCESS VML_PROCFILE_MEMINFO

/* A part of a mapping (or of a file, for read and write): NAME or NAME[START:END]. START and
 * END are byte offsets from the start of the mapping, END exclusive; an omitted bound means
 * the mapping's start or end. When both are given, start < end. Alignment is the executor's
 * to check. */
struct vml_range {
    char name[VML_SCN_FILE_MAX]; /* mapping name (file name for read/write) */
    uint64_t start;              /* bytes from the start, valid when has_start */
    uint64_t end;                /* bytes from the start, exclusive, valid when has_end */
    bool has_start, has_end;     /* which bounds were written */
    unsigned col;                /* column of the range's first byte in the line */
};

struct vml_op_mmap {
    char map[VML_SCN_NAME_MAX];    /* the mapping's name, unique among P's live mappings */
    uint64_t len;                  /* bytes, >= 1 (the executor rounds up to pages) */
    enum vml_backing backing;      /* anon, file or memfd */
    char object[VML_SCN_FILE_MAX]; /* file or memfd name; "" for anon */
    bool shared;                   /* MAP_SHARED, else MAP_PRIVATE */
    unsigned prot;                 /* VML_PROT_* bits */
    unsigned flags;                /* VML_MMAP_* bits */
    uint64_t addr;                 /* at= address, valid with VML_MMAP_AT, else 0 */
    uint64_t offset;               /* bytes into the file, a multiple of 4 KiB; 0 for anon */
    unsigned huge_shift;           /* huge=2M: 21, huge=1G: 30 (MAP_HUGETLB, anon only); 0 */
};

/* expect: a field compared with a value, or a process's state. */
enum vml_expect_kind {
    VML_EXPECT_FIELD = 0,  /* FIELD CMP VALUE in a /proc file */
    VML_EXPECT_ALIVE,      /* the process is running */
    VML_EXPECT_KILLED,     /* the process was killed (simulated SIGSEGV, OOM kill) */
    VML_EXPECT_KILLED_OOM, /* killed by oom: the OOM killer chose it */
    VML_EXPECT_FAIL,       /* expect fail ERRNO: the next statement fails so; the run goes on */
};

enum vml_cmp {
    VML_CMP_EQ = 0, /* == */
    VML_CMP_NE,     /* != */
    VML_CMP_LT,     /* < */
    VML_CMP_LE,     /* <= */
    VML_CMP_GT,     /* > */
    VML_CMP_GE,     /* >= */
};

/* How an expect value was written. Converting it to the unit the kernel prints the field in
 * (kB, pages, a count) is the executor's job. */
enum vml_unit {
    VML_UNIT_NONE = 0, /* a bare number: compared with the field as printed */
    VML_UNIT_BYTES,    /* a size (B, K, kB, M, G, T ...; kB = 1024): value is in bytes */
    VML_UNIT_PAGES,    /* "N pages": value is a number of 4 KiB pages */
    VML_UNIT_NS,       /* a duration (ns, us, ms, s): value is in nanoseconds */
};

struct vml_op_expect {
    enum vml_expect_kind kind;      /* FIELD, ALIVE or KILLED; the rest is for FIELD */
    enum vml_procfile file;         /* the file */
    char cgroup[VML_SCN_FILE_MAX];  /* CGROUP, CGROUP1: the cgroup's path ("" = the root) */
    char cgfile[VML_SCN_FIELD_MAX]; /* CGROUP, CGROUP1: its file (memory.stat) */
    char map[VML_SCN_NAME_MAX];     /* maps, smaps, numa_maps: one mapping; "" = all */
    unsigned node, nodefile;        /* NODE: the node and its enum vml_node_file */
    char field[VML_SCN_FIELD_MAX];  /* field name as the file prints it, no ':' */
    enum vml_cmp cmp;               /* comparison */
    uint64_t value;                 /* bytes for VML_UNIT_BYTES, ns for VML_UNIT_NS, else as
                                     * written */
    enum vml_unit unit;             /* how value was written */
    int err;                        /* FAIL: the VML_E* code the errno name stands for */
};

/* Memory cgroups: the v2 hierarchy's root as the scenario names it. */
#define VML_CGROUP_DIR "/sys/fs/cgroup/"
/* A cgroup file's path, /sys/fs/cgroup/PATH/FILE or (v1, *v1 set) /sys/fs/cgroup/memory/PATH/FILE,
 * split into PATH ("" for the root) and FILE: 0, or VML_ENOENT for another path. */
int vml_cgroup_path_split(const char *path, char *cg, size_t cglen, char *file, size_t flen,
                          bool *v1);
/* The i-th file `set` may write in a cgroup (v2, or v1's), NULL past the last. */
const char *vml_cgroup_file(bool v1, unsigned i);

/* The errno names `expect fail` takes, with the VML_E* code a failing call gives:
 * ENOMEM, EINVAL, EEXIST, EAGAIN, EFBIG, EOVERFLOW; NULL / 0 for others. */
const char *vml_errno_name(int err);

/* One operation. proc names the process the operation acts on ("" for file, show and expect
 * of system files). */
struct vml_op {
    enum vml_op_kind kind;
    unsigned line;               /* 1-based line of the operation */
    unsigned col;                /* 1-based column (byte) of its first word */
    char proc[VML_SCN_NAME_MAX]; /* the process, or "" */
    union {
        struct vml_op_mmap mmap; /* MMAP */
        struct vml_range range;  /* MUNMAP, MLOCK, MUNLOCK, FSYNC, MSYNC */
        struct {
            struct vml_range range; /* first: range.name is the file */
            uint64_t chunk;         /* bytes per read(2)/write(2) call, >= 1; default 64 KiB */
        } io;                       /* READ, WRITE */
        struct {
            struct vml_range range;
            unsigned prot; /* VML_PROT_* bits */
        } mprotect;        /* MPROTECT */
        struct {
            struct vml_range range;
            enum vml_advice advice;
        } madvise; /* MADVISE */
        struct {
            struct vml_range range;
            enum vml_access access; /* VML_READ, VML_WRITE or VML_EXEC */
            uint64_t stride;        /* bytes between accesses, >= 1; default 4 KiB */
            uint64_t count;         /* accesses at most, >= 1; 0 = as many as fit */
        } touch;                    /* TOUCH */
        struct {
            char child[VML_SCN_NAME_MAX];
        } fork; /* FORK */
        struct {
            uint64_t bytes; /* how much the heap grows or shrinks */
            bool shrink;    /* written -SIZE */
        } brk;              /* BRK */
        struct {
            char name[VML_SCN_FILE_MAX];
            uint64_t size; /* bytes (FILE_CREATE) */
        } file;            /* FILE_CREATE, FILE_DELETE, TRUNCATE */
        struct {
            struct vml_range range; /* range.name is the file; no end: the file's size */
            enum vml_falloc_mode mode;
        } fallocate; /* FALLOCATE */
        struct {
            unsigned cpu; /* 0..nr_cpus-1 */
        } cpu_run;        /* CPU_RUN */
        struct {
            enum vml_procfile file;
            char map[VML_SCN_NAME_MAX];     /* maps, smaps, numa_maps: one mapping; "" = all */
            unsigned node, nodefile;        /* NODE: the node and its enum vml_node_file */
            char cgroup[VML_SCN_FILE_MAX];  /* CGROUP, CGROUP1: the cgroup's path */
            char cgfile[VML_SCN_FIELD_MAX]; /* CGROUP, CGROUP1: its file */
            /* Only the lines of these fields, in the file's order (0: the whole file). */
            char fields[VML_SCN_SHOW_FIELDS][VML_SCN_FIELD_MAX];
            unsigned field_cols[VML_SCN_SHOW_FIELDS];
            unsigned nfields;
        } show;                      /* SHOW */
        struct vml_op_expect expect; /* EXPECT */
        struct {
            char trace[VML_SCN_WORD_MAX]; /* a trace file's path, or gen:SPEC */
            struct vml_range range;       /* with in: addresses are offsets into it */
            bool has_range;               /* in MAP was given */
            enum vml_trace_format format; /* format=, VML_TRACE_AUTO if not given */
            uint64_t limit;               /* records at most; 0 = all */
        } replay;                         /* REPLAY */
        struct {
            enum vml_setting_dir dir;      /* which table the file is in */
            unsigned file;                 /* its index there */
            char path[VML_SCN_WORD_MAX];   /* the absolute path as written */
            char value[VML_SCN_VALUE_MAX]; /* what is written, checked as the kernel does */
            unsigned value_col;            /* the value's column, for messages */
        } set;                             /* SET */
        struct {
            enum vml_prctl_opt opt;
            bool on;
        } prctl; /* PRCTL */
        struct {
            int adj; /* -1000..1000 */
        } oom_adj;   /* OOM_SCORE_ADJ */
        struct {
            char path[VML_SCN_FILE_MAX]; /* below the hierarchy's root: "box", "box/web"; "" is
                                          * the root (P cgroup / moves P back) */
        } cgroup;                        /* CGROUP, CGROUP_ATTACH */
        struct {
            uint64_t ns; /* how long, in nanoseconds */
        } wait;          /* WAIT */
#define VML_SCN_MOVE_NODES 64
        struct vml_op_numa {
            struct vml_mpol pol;           /* SET_MEMPOLICY, MBIND; PROC with has_pol */
            struct vml_range range;        /* MBIND */
            bool has_pol;                  /* PROC: a policy option was given */
            uint64_t cpus[4];              /* AFFINITY; PROC with has_cpus: physcpubind= */
            bool has_cpus;                 /* PROC: physcpubind= */
            uint32_t cpunodes;             /* PROC: cpunodebind= (the nodes' CPUs, at run time) */
            unsigned mf;                   /* MBIND, MOVE_PAGES: VML_MPOL_MF_* (move, move_all) */
            uint32_t from, to;             /* MIGRATE_PAGES: node masks */
            int nodes[VML_SCN_MOVE_NODES]; /* MOVE_PAGES: target per page (one: every page) */
            unsigned n_nodes;              /* MOVE_PAGES: 0 = only ask where (do_pages_stat) */
        } numa;                            /* SET_MEMPOLICY, MBIND, AFFINITY, PROC */
        struct {
            char name[VML_SCN_NAME_MAX]; /* the swap area's name in the scenario */
            uint64_t size;               /* SWAPON: bytes, a multiple of 4 KiB, >= 40 KiB */
            int prio;                    /* SWAPON: prio=N, 0..32767; -1 = the kernel's choice */
            bool partition;              /* SWAPON: a block-device area (SWP_BLKDEV), not a file */
        } swap;                          /* SWAPON, SWAPOFF */
    } u;
};

/* A parsed scenario. */
struct vml_scenario {
    struct vml_machine_cfg machine; /* settings (defaults without a machine line) */
    bool has_machine;               /* the scenario has a machine line */
    unsigned machine_line;          /* its line, 0 without one */
    struct vml_op *ops;             /* operations in file order */
    size_t n_ops;
    char *file; /* copy of the name given to vml_scenario_parse, or NULL */
};

/* Parses len bytes of scenario text (NUL bytes in it are errors; NULL text reads as empty).
 * file names the input in diagnostics and may be NULL. Returns 0 with *out set; VML_EPARSE
 * with diag filled (file, 1-based line and column, and a message saying what is wrong and how
 * to fix it); or VML_EHOST (diag says "host out of memory", column 0). On failure *out is
 * NULL. diag may be NULL. Time is linear in len, O(log n) per name look-up. */
int vml_scenario_parse(const char *text, size_t len, const char *file, struct vml_scenario **out,
                       struct vml_diag *diag);

/* Reads the scenario file at path ("-" for standard input) and parses it. Reading stops as soon
 * as a line passes VML_SCN_LINE_MAX bytes or the text VML_SCN_TEXT_MAX, so an endless input
 * (/dev/zero) costs at most the limits; the error is the one vml_scenario_parse gives for the
 * text read so far (file:line:col, the limit). Returns 0 with *out set; VML_EPARSE as
 * vml_scenario_parse; VML_ENOENT when the file cannot be opened or read (diag line 0, the message
 * the system's reason alone, e.g. "No such file or directory"); VML_EHOST. */
int vml_scenario_load(const char *path, struct vml_scenario **out, struct vml_diag *diag);

/* Frees a scenario; accepts NULL. */
void vml_scenario_free(struct vml_scenario *s);

/* The language's word for an operation ("mmap", "file create", "cpu run"), a /proc file
 * ("smaps_rollup"), a comparison ("<="), an advice ("hugepage"); "?" for values out of range. */
const char *vml_op_kind_name(enum vml_op_kind kind);
const char *vml_advice_name(enum vml_advice a);
const char *vml_procfile_name(enum vml_procfile f);
const char *vml_cmp_name(enum vml_cmp c);

/* A node or CPU list as numactl and sysfs write them: "0", "0-3", "0,2-5", "all" (every id
 * below max); ids below max (at most 256). Fills (max + 63) / 64 words of mask. VML_EPARSE with
 * diag's column inside s; what names the ids ("node", "CPU") in messages. */
int vml_list_parse(const char *s, size_t n, unsigned max, const char *what, uint64_t *mask,
                   struct vml_diag *diag);
/* A memory policy as numa_maps prints it: MODE[=static|relative][:NODES], MODE one of default,
 * local, bind, interleave, weighted_interleave, prefer (or preferred), preferred_many.
 * VML_EPARSE with diag's column. The kernel's own checks (an empty mask where one is needed)
 * are the simulator's (vml_sim_set_mempolicy). */
int vml_mpol_parse(const char *s, size_t n, struct vml_mpol *out, struct vml_diag *diag);

#endif
