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
};

/* The kernel's defaults (6.18, x86-64). */
void vml_vm_sysctl_defaults(struct vml_vm_sysctl *s);

#endif
