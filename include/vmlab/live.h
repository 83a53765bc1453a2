/* live.h: the real machine's processes, read from /proc (host/live.c).
 *
 * One scan reads, for every process, /proc/PID/smaps_rollup (or smaps when the kernel has no
 * rollup), status, cmdline, oom_score and oom_score_adj, through the proc/ parsers. A process
 * that exits during the scan, or whose files cannot be read, stays in the result with a flag
 * saying why: nothing is dropped silently. Kernel threads (no address space) are flagged too.
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
};

struct vml_live_proc {
    int pid;
    unsigned uid;  /* owner of /proc/PID (real uid from status with VML_LIVE_STATUS) */
    char comm[64]; /* Name: from status, or comm when there are no arguments; may be empty */
    char *cmdline; /* arguments joined by spaces (owned; may be empty) */
    enum vml_live_state state;
    char error[96]; /* for VML_LIVE_BAD and VML_LIVE_DENIED: which file and why */
    /* bytes */
    uint64_t vsz, rss, pss, uss, swap, swap_pss, anon_huge, hugetlb;
    struct vml_status_mem status; /* with VML_LIVE_STATUS: the status memory lines (kB) */
    int oom_score, oom_score_adj;
};

struct vml_live_scan {
    struct vml_live_proc *procs; /* by pid */
    size_t n;
    size_t n_state[5]; /* processes by enum vml_live_state */
};

/* Read smaps and add up its blocks' printed values instead of reading smaps_rollup: PSS then
 * comes out as smem and ps_mem compute it, a little below the rollup's (which the kernel
 * rounds once, not per mapping); slower. */
#define VML_LIVE_PER_MAPPING 1u
/* Also read status (an expensive file): comm, real uid and the RSS breakdown in ->status, as
 * vmlab oom needs. Without it, VmSize comes from statm, the uid from the /proc/PID owner and
 * the name from cmdline (comm when there are no arguments). */
#define VML_LIVE_STATUS 2u

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

#endif
