/* host.h: the only part of libvmlab that touches the real operating system.
 *
 * The Linux backend runs a scenario's operations with real system calls in real processes: one
 * child process (an "agent") per scenario process, a scenario fork is a real fork, files live
 * in a private temporary directory and memfds are real memfds. show and expect read the
 * agents' real /proc files. The agents do nothing but what they are told: between requests they
 * wait on a socket and allocate nothing, so the scenario's mappings hold only what the
 * scenario put there (the agent's own memory, inherited from vmlab, lies outside them).
 */
#ifndef VMLAB_HOST_H
#define VMLAB_HOST_H

#include "vmlab/run.h"
#include "vmlab/trace.h"

#include <signal.h>

/* The running kernel as a backend. Machine settings that cannot apply (RAM, nodes, CPU model,
 * cpus, seed) are reported as not applied; the paging mode and swap are checked and reported.
 * The THP files the scenario sets (machine thp=, thp.FILE=, set) and the hugetlb pools are
 * written when vmlab may (root) and put back when the backend is destroyed, or when SIGINT,
 * SIGTERM, SIGHUP or SIGQUIT ends the process first (host/settings.h). The scenario's memory
 * cgroups are real cgroups under one parent cgroup of the run, translated to v1's files on a
 * cgroup v1 machine where v1 has them and refused where it has not, and removed the same way
 * (host/cgroups.h, docs/pressure.md). touch ... exec is not supported (the agents cannot
 * execute zeroed pages). */
int vml_backend_linux(struct vml_backend *out);

/* Whether the running kernel maps the shared zero page on reads of untouched anonymous memory
 * (some kernels are built or booted not to). Probed in this process on a region isolated by
 * guard pages, so the process's own memory cannot take part. 0, or VML_E* (VML_EINVAL: the
 * kernel did neither, and vmlab will not guess). */
int vml_host_zero_page(bool *uses);

/* Whether MADV_DONTNEED frees the page-table page it leaves empty (CONFIG_PT_RECLAIM, 6.14+ on
 * x86-64); probed like the zero page. 0, or VML_E*. */
int vml_host_pt_reclaim(bool *reclaims);

/* Whether new VMAs carry VM_SOFTDIRTY (CONFIG_MEM_SOFT_DIRTY: smaps VmFlags "sd"), probed on an
 * isolated page. 0, or VML_E*. */
int vml_host_soft_dirty(bool *has);

/* Whether an anonymous mmap without a hint, of a whole number of 2 MiB, is aligned to 2 MiB
 * (thp_get_unmapped_area_vmflags for anonymous mappings: Linux 6.7 and later). 0, or VML_E*. */
int vml_host_anon_thp_align(bool *aligns);

/* This kernel's THP settings: the files of /sys/kernel/mm/transparent_hugepage/ that vmlab
 * models (vml_thp_file), read into s; a file this kernel lacks keeps vml_thp_defaults' value,
 * and *have gets bit (1u << i) for each file read. 0; VML_ENOENT without the directory (a kernel
 * without THP); VML_EINVAL when a file holds what vml_thp_store refuses (diag names it). */
int vml_host_thp(struct vml_thp_settings *s, uint32_t *have, struct vml_diag *diag);

/* read_ahead_kb of the block device holding the directory dir, in bytes: how much the page
 * cache reads ahead at most. VML_EINVAL when dir is on no block device (tmpfs, overlay,
 * btrfs), VML_ENOENT when the device's queue cannot be read. */
int vml_host_readahead(const char *dir, uint64_t *bytes);

/* How vml_host_record writes. */
struct vml_record_config {
    enum vml_trace_compress compress; /* VML_TRACE_ZSTD or VML_TRACE_RAW */
    bool data_only;                   /* loads and stores only: instruction fetches dropped */
    /* Called after each batch with the records written so far; may be NULL. */
    void (*progress)(void *arg, uint64_t records);
    void *arg;
    /* When non-NULL and set non-zero (by a signal handler), the recording is abandoned: valgrind
     * is sent SIGTERM (if it still runs) and nothing is left at out. */
    volatile sig_atomic_t *stop;
    /* When non-NULL, valgrind's pid while it runs (else 0): a signal handler that sets *stop
     * should also kill() it, so that a program blocked without output cannot hold the
     * recording open. */
    volatile sig_atomic_t *child;
};

/* Runs argv (argv[0] found on PATH) under valgrind --tool=lackey --trace-mem=yes and writes its
 * memory accesses to out as a native trace; *records counts them, *status is the wait status of
 * valgrind, which exits as the program did. The program's own output goes where vmlab's goes.
 * The trace is written under a temporary name and renamed into place at the end, so a failed
 * or interrupted recording leaves no file at out. VML_ENOENT (valgrind or the program cannot be
 * run, or out cannot be created), VML_EPARSE (lackey printed something unreadable), VML_EHOST
 * (also: interrupted); diag says which. */
int vml_host_record(char *const argv[], const char *out, const struct vml_record_config *c,
                    uint64_t *records, int *status, struct vml_diag *diag);

#endif
