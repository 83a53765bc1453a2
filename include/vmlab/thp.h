/* thp.h: the transparent-huge-page settings, as the files of /sys/kernel/mm/transparent_hugepage/
 * that a sysadmin reads and writes.
 *
 * One struct holds every setting; a table names each file (relative to that directory, e.g.
 * "enabled", "hugepages-64kB/enabled", "khugepaged/max_ptes_none"), prints it as the kernel's
 * show method does ("always [madvise] never") and parses a write as its store method does. The
 * simulator, the scenario language (`machine ... thp=`, `set FILE VALUE`, `show thp`) and the
 * Linux backend (which reads and, as root, writes the real files) all go through this table.
 */
#ifndef VMLAB_THP_H
#define VMLAB_THP_H

#include "vmlab/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* transparent_hugepage/enabled (enum transparent_hugepage_flag's two bits), in the order the
 * kernel prints them: the store keeps the index of the word written. */
enum vml_thp_mode {
    VML_THP_ALWAYS = 0,
    VML_THP_MADVISE = 1, /* the default of this machine class (TRANSPARENT_HUGEPAGE_MADVISE) */
    VML_THP_NEVER = 2,
};

/* transparent_hugepage/defrag, in the order the kernel prints them. */
enum vml_thp_defrag {
    VML_DEFRAG_ALWAYS,
    VML_DEFRAG_DEFER,
    VML_DEFRAG_DEFER_MADVISE,
    VML_DEFRAG_MADVISE, /* the default */
    VML_DEFRAG_NEVER,
};

/* hugepages-<N>kB/enabled: a size's own policy, or the top-level one (inherit). */
enum vml_mthp_mode {
    VML_MTHP_ALWAYS,
    VML_MTHP_INHERIT,
    VML_MTHP_MADVISE,
    VML_MTHP_NEVER,
};

/* transparent_hugepage/shmem_enabled. */
enum vml_shmem_thp {
    VML_SHMEM_THP_ALWAYS,
    VML_SHMEM_THP_WITHIN_SIZE,
    VML_SHMEM_THP_ADVISE,
    VML_SHMEM_THP_NEVER, /* the default */
    VML_SHMEM_THP_DENY,
    VML_SHMEM_THP_FORCE,
};

#define VML_THP_PMD_ORDER 9u /* 2 MiB */
#define VML_MTHP_MIN_ORDER                                                                         \
    2u /* 16 kB: the smallest anonymous mTHP (order 1 is file-only,                                \
        * THP_ORDERS_ALL_ANON) */

struct vml_thp_settings {
    enum vml_thp_mode enabled;
    enum vml_thp_defrag defrag;
    bool use_zero_page;
    enum vml_shmem_thp shmem_enabled;
    /* hugepages-<4 << order>kB/enabled for order VML_MTHP_MIN_ORDER..VML_THP_PMD_ORDER (index
     * by order; 2048kB defaults to inherit, the others to never). */
    enum vml_mthp_mode size_enabled[VML_THP_PMD_ORDER + 1];
    /* khugepaged/ */
    uint32_t pages_to_scan;         /* PTEs per wake-up; 4096 */
    uint32_t scan_sleep_millisecs;  /* 10000 */
    uint32_t alloc_sleep_millisecs; /* after a failed allocation; 60000 */
    uint32_t max_ptes_none;         /* 511 */
    uint32_t max_ptes_swap;         /* 64 */
    uint32_t max_ptes_shared;       /* 256 */
    bool khugepaged_defrag;         /* 1 */
};

/* hugepages-<N>kB/stats/: the event counters (mm/huge_memory.c: enum mthp_stat_item), by file
 * name, in the kernel's order; nr_anon and nr_anon_partially_mapped are gauges beside them. */
#define VML_THP_STAT_ITEMS(X)                                                                      \
    X(anon_fault_alloc)                                                                            \
    X(anon_fault_fallback)                                                                         \
    X(anon_fault_fallback_charge)                                                                  \
    X(zswpout)                                                                                     \
    X(swpin)                                                                                       \
    X(swpin_fallback)                                                                              \
    X(swpin_fallback_charge)                                                                       \
    X(swpout)                                                                                      \
    X(swpout_fallback)                                                                             \
    X(shmem_alloc)                                                                                 \
    X(shmem_fallback)                                                                              \
    X(shmem_fallback_charge)                                                                       \
    X(split)                                                                                       \
    X(split_failed)                                                                                \
    X(split_deferred)

enum vml_thp_stat {
#define VML_THP_STAT_ENUM(name) VML_THP_STAT_##name,
    VML_THP_STAT_ITEMS(VML_THP_STAT_ENUM)
#undef VML_THP_STAT_ENUM
        VML_THP_STAT_NR
};

struct vml_thp_stats {
    uint64_t ev[VML_THP_STAT_NR];
    uint64_t nr_anon, nr_anon_partially_mapped;
};

/* The kernel's defaults (those of this machine class's config). */
void vml_thp_defaults(struct vml_thp_settings *s);

/* The directory the files are in, with its trailing slash. */
#define VML_THP_SYSFS_DIR "/sys/kernel/mm/transparent_hugepage/"

/* The settable files, by index 0..vml_thp_nr_files()-1 (VML_THP_NR_FILES), as paths relative to
 * VML_THP_SYSFS_DIR. */
#define VML_THP_NR_FILES 19
size_t vml_thp_nr_files(void);
const char *vml_thp_file(size_t i);
/* The index of a file name (relative, or the absolute sysfs path), or -1. */
int vml_thp_find(const char *name);

/* The read-only counters under the directory that `show thp` lists after the settings, by index
 * 0..VML_THP_NR_COUNTERS-1: khugepaged/pages_collapsed, then khugepaged/full_scans (NULL
 * beyond). The kernel's count the whole machine's work since boot. */
#define VML_THP_NR_COUNTERS 2
const char *vml_thp_counter_file(size_t i);

/* The file's content as the kernel shows it, newline included, into buf (at least
 * VML_THP_SHOW_MAX bytes). */
#define VML_THP_SHOW_MAX 96
void vml_thp_show(const struct vml_thp_settings *s, size_t i, char *buf);
/* The file's value as one would write it to the file ("madvise", "511", "1"), NUL-terminated,
 * into buf (at least VML_THP_SHOW_MAX bytes): vml_thp_store takes it back unchanged. */
void vml_thp_value(const struct vml_thp_settings *s, size_t i, char *buf);
/* A write of value (one trailing newline allowed, as `echo` writes) to the file, with the
 * kernel's checks (the store method's -EINVAL): VML_EINVAL and diag's message name the value and
 * what the file accepts. Nothing changes on error. */
int vml_thp_store(struct vml_thp_settings *s, size_t i, const char *value, size_t len,
                  struct vml_diag *diag);

#endif
