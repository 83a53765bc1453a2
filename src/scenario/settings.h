/* scenario/settings.h: the kernel setting files that `set PATH VALUE` may write, as a table of
 * directories (each with its own file table and its kernel's checks). Today the table has
 * /sys/kernel/mm/transparent_hugepage/; the sysctls of /proc/sys/vm/ are meant to be another
 * row of it, with no change to the statement, the operation or the backends (which take the
 * path). */
#ifndef VMLAB_SCENARIO_SETTINGS_H
#define VMLAB_SCENARIO_SETTINGS_H

#include "vmlab/scenario.h"

/* The settable THP files, for messages (a full list does not fit one). */
#define SETTINGS_THP_FILES                                                                         \
    "enabled, defrag, use_zero_page, shmem_enabled, hugepages-<N>kB/enabled, khugepaged/<knob>; "  \
    "'show thp' lists them"

/* The file at path (n bytes, not NUL-terminated): 0 with *dir and *file, or VML_ENOENT with
 * msg (at least 256 bytes) saying why the path cannot be set and what can be. */
/* The settable /proc/sys/vm/ files, for messages. */
#define SETTINGS_VM_FILES                                                                          \
    "swappiness, min_free_kbytes, watermark_scale_factor, watermark_boost_factor, dirty_ratio, "   \
    "dirty_background_ratio, dirty_bytes, dirty_background_bytes, dirty_expire_centisecs, "        \
    "dirty_writeback_centisecs, page-cluster, vfs_cache_pressure, drop_caches"

int setting_find(const char *path, size_t n, enum vml_setting_dir *dir, unsigned *file, char *msg);
/* Why a /proc/sys/vm/ file the kernel has is not one vmlab sets (a behaviour it does not
 * model), or NULL. */
const char *setting_vm_unmodelled(const char *name);

/* A write of value to the file, checked as the kernel's store method checks it: 0, or
 * VML_EINVAL with msg (at least 256 bytes) giving the kernel's refusal and what the file takes.
 * Writes nothing anywhere. */
int setting_check(enum vml_setting_dir dir, unsigned file, const char *value, size_t len,
                  char *msg);

#endif
