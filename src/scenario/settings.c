/* scenario/settings.c: the path table of `set` (settings.h). A row is a directory of setting
 * files: its path, how a file name is found in it, and the store checks of its kernel code
 * (for THP: the table of proc/thp_sysfs.c, which models mm/huge_memory.c and mm/khugepaged.c).
 */
#include "scenario/settings.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MSG 256

struct dir {
    const char *path; /* with its trailing slash */
    /* The file index of a name relative to path, or -1. */
    int (*find)(const char *name);
    int (*check)(unsigned file, const char *value, size_t len, struct vml_diag *d);
    const char *files;            /* what can be set in it, for messages */
    const char *const *read_only; /* files the kernel has there that no one may write */
};

static int thp_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    struct vml_thp_settings scratch;
    vml_thp_defaults(&scratch);
    return vml_thp_store(&scratch, file, value, len, d);
}

static int vm_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    return vml_vm_check(file, value, len, d);
}

/* /sys/kernel/mm/numa/: demotion_enabled (mm/memory-tiers.c), a kstrtobool. */
static int numa_find(const char *name)
{
    return strcmp(name, "demotion_enabled") == 0 ? 0 : -1;
}

static int numa_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    bool on;
    (void)file;
    if (vml_kstrtobool(value, len, &on) == 0)
        return 0;
    snprintf(d->msg, sizeof(d->msg),
             "demotion_enabled takes a boolean as kstrtobool reads one (true, false, 1, 0, y, n, "
             "on, off), not '%.*s' (EINVAL)",
             (int)(len < 40 ? len : 40), value);
    return VML_EINVAL;
}

/* ---- NUMA balancing: /proc/sys/kernel/numa_balancing and the debugfs tunables ---- */

static int kernel_find(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s%.100s", VML_KERNEL_SYSCTL_DIR, name);
    return vml_numab_find(path) == 0 ? 0 : -1;
}

static int sched_find(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "%s%.100s", VML_SCHED_DEBUG_DIR, name);
    int i = vml_numab_find(path);
    return i >= 1 ? i - 1 : -1;
}

static int kernel_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    return vml_numab_check(file, value, len, d);
}

static int sched_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    return vml_numab_check(file + 1, value, len, d);
}

#define SETTINGS_KERNEL_FILES "numa_balancing"
#define SETTINGS_SCHED_FILES                                                                       \
    "numa_balancing/scan_delay_ms, numa_balancing/scan_period_min_ms, "                            \
    "numa_balancing/scan_period_max_ms, numa_balancing/scan_size_mb"

/* ---- memory cgroups: /sys/fs/cgroup/PATH/FILE (v2) and /sys/fs/cgroup/memory/PATH/FILE (v1) */

static const char *const cgroup_files[] = {
    "memory.max",
    "memory.high",
    "memory.low",
    "memory.min",
    "memory.swap.max",
    "memory.swap.high",
    "memory.oom.group",
    "memory.peak",
    "memory.swap.peak",
    "memory.reclaim",
    NULL,
};
static const char *const cgroup1_files[] = { "memory.limit_in_bytes", NULL };

int vml_cgroup_path_split(const char *path, char *cg, size_t cglen, char *file, size_t flen,
                          bool *v1)
{
    size_t pl = strlen(VML_CGROUP_DIR);
    if (strncmp(path, VML_CGROUP_DIR, pl) != 0)
        return VML_ENOENT;
    const char *rest = path + pl;
    *v1 = strncmp(rest, "memory/", 7) == 0;
    if (*v1)
        rest += 7;
    const char *slash = strrchr(rest, '/');
    const char *name = slash ? slash + 1 : rest;
    size_t n = slash ? (size_t)(slash - rest) : 0;
    if (!*name || n >= cglen || strlen(name) >= flen)
        return VML_ENOENT;
    memcpy(cg, rest, n);
    cg[n] = 0;
    snprintf(file, flen, "%s", name);
    return 0;
}

static int name_index(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* The cgroup file's index in its table; the cgroup's existence is the parser's to check. */
static int cgroup_find(const char *name)
{
    return name_index(cgroup_files, name);
}

static int cgroup1_find(const char *name)
{
    return name_index(cgroup1_files, name);
}

const char *vml_cgroup_file(bool v1, unsigned i)
{
    const char *const *t = v1 ? cgroup1_files : cgroup_files;
    size_t n = 0;
    while (t[n])
        n++;
    return i < n ? t[i] : NULL;
}

/* page_counter_memparse (and memparse): "max" or a number with an optional K, M, G, T, P or E
 * suffix (binary; lower case too); memory.reclaim takes no "max"; memory.oom.group 0 or 1;
 * v1's memory.limit_in_bytes also -1, for no limit. */
static int cgroup_value_check(bool v1, unsigned file, const char *value, size_t len,
                              struct vml_diag *d)
{
    const char *name = vml_cgroup_file(v1, file);
    if (!v1 && strcmp(name, "memory.oom.group") == 0) {
        if (len == 1 && (value[0] == '0' || value[0] == '1'))
            return 0;
        snprintf(d->msg, sizeof(d->msg), "memory.oom.group takes 0 or 1, not '%.*s' (EINVAL)",
                 (int)(len < 40 ? len : 40), value);
        return VML_EINVAL;
    }
    if (!v1 && (strcmp(name, "memory.peak") == 0 || strcmp(name, "memory.swap.peak") == 0))
        return 0; /* any write resets it */
    if (len == 3 && memcmp(value, "max", 3) == 0 && strcmp(name, "memory.reclaim") != 0 && !v1)
        return 0;
    if (v1 && len == 2 && memcmp(value, "-1", 2) == 0)
        return 0;
    size_t i = 0;
    while (i < len && value[i] >= '0' && value[i] <= '9')
        i++;
    bool ok = i > 0 && i <= 19;
    if (ok && i < len)
        ok = i + 1 == len && strchr("kKmMgGtTpPeE", value[i]) != NULL;
    if (!ok) {
        snprintf(d->msg, sizeof(d->msg),
                 "%s takes a size in bytes (K, M, G, T suffixes allowed)%s, not '%.*s' (EINVAL)",
                 name, strcmp(name, "memory.reclaim") == 0 ? "" : (v1 ? " or -1" : " or max"),
                 (int)(len < 40 ? len : 40), value);
        return VML_EINVAL;
    }
    return 0;
}

static int cgroup_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    return cgroup_value_check(false, file, value, len, d);
}

static int cgroup1_check(unsigned file, const char *value, size_t len, struct vml_diag *d)
{
    return cgroup_value_check(true, file, value, len, d);
}

#define SETTINGS_CGROUP_FILES                                                                      \
    "memory.max, memory.high, memory.low, memory.min, memory.swap.max, memory.swap.high, "         \
    "memory.oom.group, memory.peak, memory.swap.peak, memory.reclaim (v2), or "                    \
    "memory/PATH/memory.limit_in_bytes (v1)"

/* Every file of /proc/sys/vm/ that vmlab knows can be written. */
static const char *const vm_read_only[] = { NULL };

static const char *const thp_read_only[] = { "hpage_pmd_size", "khugepaged/full_scans",
                                             "khugepaged/pages_collapsed", NULL };

static const struct dir dirs[VML_NR_SETTING_DIRS] = {
    [VML_SETTING_THP] = { VML_THP_SYSFS_DIR, vml_thp_find, thp_check, SETTINGS_THP_FILES,
                          thp_read_only },
    [VML_SETTING_VM] = { VML_VM_SYSCTL_DIR, vml_vm_find, vm_check, SETTINGS_VM_FILES,
                         vm_read_only },
    [VML_SETTING_NUMA] = { VML_NUMA_SYSFS_DIR, numa_find, numa_check, "demotion_enabled",
                           vm_read_only },
    [VML_SETTING_CGROUP] = { VML_CGROUP_DIR, cgroup_find, cgroup_check, SETTINGS_CGROUP_FILES,
                             vm_read_only },
    [VML_SETTING_CGROUP1] = { VML_CGROUP_DIR "memory/", cgroup1_find, cgroup1_check,
                              SETTINGS_CGROUP_FILES, vm_read_only },
    [VML_SETTING_KERNEL] = { VML_KERNEL_SYSCTL_DIR, kernel_find, kernel_check,
                             SETTINGS_KERNEL_FILES, vm_read_only },
    [VML_SETTING_SCHED] = { VML_SCHED_DEBUG_DIR, sched_find, sched_check, SETTINGS_SCHED_FILES,
                            vm_read_only },
};

const char *setting_vm_unmodelled(const char *name)
{
    /* mm/compaction.c: sysctl_compaction_proactiveness drives kcompactd's background work on
     * its 500 ms timeout, which the simulated kcompactd does not do. */
    if (strcmp(name, "compaction_proactiveness") == 0)
        return "proactive compaction is not modelled: the simulated kcompactd compacts only when "
               "kswapd or a failed allocation wakes it (docs/design.md)";
    return NULL;
}

int setting_find(const char *path, size_t n, enum vml_setting_dir *dir, unsigned *file, char *msg)
{
    char buf[VML_SCN_WORD_MAX];
    int shown = n < 60 ? (int)n : 60;
    const char *more = n > 60 ? "..." : "";
    if (n >= sizeof(buf)) {
        snprintf(msg, MSG, "cannot set '%.*s%s': no setting file has so long a path", shown, path,
                 more);
        return VML_ENOENT;
    }
    memcpy(buf, path, n);
    buf[n] = 0;
    if (strncmp(buf, VML_CGROUP_DIR, strlen(VML_CGROUP_DIR)) == 0) {
        char cg[VML_SCN_FILE_MAX], name[VML_SCN_FIELD_MAX];
        bool v1;
        int i = -1;
        if (vml_cgroup_path_split(buf, cg, sizeof(cg), name, sizeof(name), &v1) == 0)
            i = v1 ? cgroup1_find(name) : cgroup_find(name);
        if (i < 0) {
            snprintf(msg, MSG, "no settable cgroup file '%.*s%s' (vmlab sets %s)", shown, path,
                     more, SETTINGS_CGROUP_FILES);
            return VML_ENOENT;
        }
        *dir = v1 ? VML_SETTING_CGROUP1 : VML_SETTING_CGROUP;
        *file = (unsigned)i;
        (void)cg;
        return 0;
    }
    for (unsigned d = 0; d < VML_NR_SETTING_DIRS; d++) {
        if (d == VML_SETTING_CGROUP || d == VML_SETTING_CGROUP1)
            continue;
        const struct dir *t = &dirs[d];
        size_t pl = strlen(t->path);
        if (path[0] != '/' && t->find(buf) >= 0) {
            snprintf(msg, MSG, "set takes an absolute path: write %s%.60s", t->path, buf);
            return VML_ENOENT;
        }
        bool inside = strncmp(buf, t->path, pl) == 0;
        bool itself = n == pl - 1 && strncmp(buf, t->path, n) == 0;
        if (!inside && !itself)
            continue;
        int i = inside ? t->find(buf + pl) : -1;
        if (i >= 0) {
            *dir = (enum vml_setting_dir)d;
            *file = (unsigned)i;
            return 0;
        }
        for (size_t k = 0; t->read_only[k]; k++)
            if (n > pl && strcmp(buf + pl, t->read_only[k]) == 0) {
                snprintf(msg, MSG,
                         "%.80s is read-only: the kernel reports it ('show thp' lists the files "
                         "set writes)",
                         buf);
                return VML_ENOENT;
            }
        const char *why = d == VML_SETTING_VM && n > pl ? setting_vm_unmodelled(buf + pl) : NULL;
        if (why) {
            snprintf(msg, MSG, "%.80s: %s", buf, why);
            return VML_ENOENT;
        }
        snprintf(msg, MSG, "no settable file '%.*s%s' (in %s vmlab sets %s)", shown, path, more,
                 t->path, t->files);
        return VML_ENOENT;
    }
    snprintf(msg, MSG, "cannot set '%.*s%s': vmlab sets the files of %s, %s, %s, %s, %s and %s",
             shown, path, more, dirs[VML_SETTING_THP].path, dirs[VML_SETTING_VM].path,
             dirs[VML_SETTING_NUMA].path, VML_CGROUP_DIR, VML_KERNEL_SYSCTL_DIR "numa_balancing",
             VML_SCHED_DEBUG_DIR "numa_balancing/");
    return VML_ENOENT;
}

int setting_check(enum vml_setting_dir dir, unsigned file, const char *value, size_t len, char *msg)
{
    struct vml_diag d = { 0 };
    if ((unsigned)dir >= VML_NR_SETTING_DIRS)
        return VML_EINVAL;
    int r = dirs[dir].check(file, value, len, &d);
    if (r) {
        snprintf(msg, MSG, "%s", d.msg);
        return r;
    }
    if (len >= VML_SCN_VALUE_MAX) {
        snprintf(msg, MSG, "a value of %zu bytes is too long (at most %d)", len,
                 VML_SCN_VALUE_MAX - 1);
        return VML_EINVAL;
    }
    return 0;
}
