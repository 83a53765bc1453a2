/* sysctl.h: the /proc/sys/vm/ settings the simulated kernel reads (vm.swappiness and the others
 * below), as one struct with the kernel's defaults. A table of their files (names, ranges, the
 * kernel's checks and text) lives beside the THP one; the simulator, the scenario language
 * (`machine ... vm.NAME=`, `set /proc/sys/vm/NAME VALUE`) and the Linux backend go through it.
 */
#ifndef VMLAB_SYSCTL_H
#define VMLAB_SYSCTL_H

#include "vmlab/base.h"

#include <stdbool.h>
#include <stdint.h>

struct vml_vm_sysctl {
    unsigned swappiness;                /* 60; 0..200 (mm/vmscan.c: vm_swappiness) */
    int64_t min_free_kbytes;            /* -1: the boot-time value for the machine's RAM
                                         * (calculate_min_free_kbytes, raised by THP's
                                         * set_recommended_min_free_kbytes); else what was written */
    unsigned watermark_scale_factor;    /* 10; 1..3000 */
    unsigned watermark_boost_factor;    /* 15000 */
    unsigned dirty_ratio;               /* 20 (percent of dirtyable memory) */
    unsigned dirty_background_ratio;    /* 10 */
    uint64_t dirty_bytes;               /* 0: dirty_ratio applies (writing one zeroes the other) */
    uint64_t dirty_background_bytes;    /* 0: dirty_background_ratio applies */
    unsigned dirty_expire_centisecs;    /* 3000: a dirty inode older than this is written back */
    unsigned dirty_writeback_centisecs; /* 500: the flusher's period; 0 = no periodic writeback */
    unsigned page_cluster;              /* 3: swap readahead of 2^page_cluster pages */
    unsigned vfs_cache_pressure;        /* 100: dentry and inode cache reclaim weight */
    unsigned panic_on_oom;              /* 0; 0..2: 1 panics on an unconstrained OOM, 2 on any
                                         * (mm/oom_kill.c: check_panic_on_oom) */
    int oom_kill_allocating_task;       /* 0; non-zero kills the task that ran out instead of
                                         * the worst one (any int, as proc_dointvec takes) */
    int oom_dump_tasks;                 /* 1; non-zero prints the task table in the report */
    unsigned overcommit_memory;         /* 0 (guess), 1 (always), 2 (never): mm/util.c
                                         * __vm_enough_memory */
    unsigned overcommit_ratio;          /* 50: percent of RAM in CommitLimit (writing it zeroes
                                         * overcommit_kbytes) */
    uint64_t overcommit_kbytes;         /* 0: overcommit_ratio applies (writing it zeroes the
                                         * ratio) */
    int64_t admin_reserve_kbytes;       /* -1: the boot-time value, min(free / 32, 8 MiB)
                                         * (init_admin_reserve); else what was written */
    int64_t user_reserve_kbytes;        /* -1: the boot-time value, min(free / 32, 128 MiB)
                                         * (init_user_reserve); else what was written */
};

/* The kernel's defaults (6.18, x86-64). */
void vml_vm_sysctl_defaults(struct vml_vm_sysctl *s);

/* The directory of the files, with its trailing slash. */
#define VML_VM_SYSCTL_DIR "/proc/sys/vm/"

/* The files vmlab knows, by index 0..VML_VM_NR_FILES-1, named relative to VML_VM_SYSCTL_DIR
 * ("swappiness", "page-cluster"). The last, drop_caches, is a write-only action (mode 0200:
 * reading it is refused even to root), not a setting: it holds nothing and `show vm` leaves it
 * out. */
#define VML_VM_NR_FILES    21
#define VML_VM_DROP_CACHES 20 /* drop_caches' index */
const char *vml_vm_file(size_t i);
/* The index of a file name (relative, or the absolute /proc/sys/vm/ path), or -1. */
int vml_vm_find(const char *name);
/* Whether the file is a setting that can be read back (all but drop_caches). */
bool vml_vm_readable(size_t i);

/* The file's content as the kernel shows it ("60\n"), into buf (at least VML_VM_SHOW_MAX
 * bytes); "" for drop_caches. vml_vm_value: the same without the newline (what a write of it
 * would store back). */
#define VML_VM_SHOW_MAX 32
void vml_vm_show(const struct vml_vm_sysctl *s, size_t i, char *buf);
void vml_vm_value(const struct vml_vm_sysctl *s, size_t i, char *buf);

/* A write of value (len bytes) to the file as the kernel's proc handler takes it
 * (proc_dointvec_minmax, proc_doulongvec_minmax and the handlers of mm/page-writeback.c,
 * mm/page_alloc.c, mm/vmscan.c, mm/swap.c, fs/dcache.c, fs/drop_caches.c: leading and trailing
 * blanks allowed, one number, no '+', the file's range). VML_EINVAL with diag's message naming
 * the file, the value and the range (the kernel's -EINVAL). vml_vm_check only checks;
 * vml_vm_store stores into s too, as the kernel's handler does: a dirty_bytes write zeroes
 * dirty_ratio and a dirty_ratio write zeroes dirty_bytes (dirty_bytes_handler,
 * dirty_ratio_handler), and the same for the background pair; a write to drop_caches stores
 * nothing (the caller performs the action: *action gets the number written, 0 for the other
 * files; action may be NULL). A value the kernel takes but struct vml_vm_sysctl cannot hold (a
 * negative dirty_writeback_centisecs) is VML_ENOTSUP with the reason. Nothing changes on
 * error. */
int vml_vm_check(size_t i, const char *value, size_t len, struct vml_diag *diag);
int vml_vm_store(struct vml_vm_sysctl *s, size_t i, const char *value, size_t len, unsigned *action,
                 struct vml_diag *diag);

/* Automatic NUMA balancing (kernel/sched/fair.c): kernel.numa_balancing, the one sysctl, in
 * /proc/sys/kernel/, and the scanner's tunables, which 6.18 keeps in debugfs under
 * /sys/kernel/debug/sched/numa_balancing/ (the kernel.numa_balancing_scan_* sysctls moved there
 * in 5.13). One table of five files, named by their full paths; the scenario language writes
 * them as `kernel.numa_balancing=` and `sched.numa_balancing/FILE=` on the machine line, or with
 * `set PATH VALUE`. */
struct vml_numab_settings {
    unsigned mode;               /* sysctl_numa_balancing_mode: 0 off, 1 NUMA_BALANCING_NORMAL
                                  * (2, MEMORY_TIERING, is refused as not modelled) */
    unsigned scan_delay_ms;      /* 1000: a new task's first scan comes after it */
    unsigned scan_period_min_ms; /* 1000 */
    unsigned scan_period_max_ms; /* 60000 */
    unsigned scan_size_mb;       /* 256: what one scan marks */
};
void vml_numab_defaults(struct vml_numab_settings *s);
#define VML_KERNEL_SYSCTL_DIR "/proc/sys/kernel/"
#define VML_SCHED_DEBUG_DIR   "/sys/kernel/debug/sched/"
#define VML_NUMAB_NR_FILES    5
/* File i's full path (0: /proc/sys/kernel/numa_balancing), NULL past the last. */
const char *vml_numab_path(size_t i);
/* The index of a full path, or -1. */
int vml_numab_find(const char *path);
/* The value as the file shows it, without the newline ("1000"). */
void vml_numab_value(const struct vml_numab_settings *s, size_t i, char *buf, size_t len);
/* A write of value (len bytes) to file i as the kernel takes it (numa_balancing: proc_dointvec_
 * minmax 0..4; the debugfs files: debugfs_create_u32, a decimal number here). VML_EINVAL with
 * diag naming the file and the value; VML_ENOTSUP for what the simulator does not model
 * (memory tiering, mode bits beyond NUMA_BALANCING_NORMAL, a scan size of 0). vml_numab_store
 * stores it too; nothing changes on error. */
int vml_numab_check(size_t i, const char *value, size_t len, struct vml_diag *diag);
int vml_numab_store(struct vml_numab_settings *s, size_t i, const char *value, size_t len,
                    struct vml_diag *diag);

#endif
