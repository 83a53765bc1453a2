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

/* Every file of /proc/sys/vm/ that vmlab knows can be written. */
static const char *const vm_read_only[] = { NULL };

static const char *const thp_read_only[] = { "hpage_pmd_size", "khugepaged/full_scans",
                                             "khugepaged/pages_collapsed", NULL };

static const struct dir dirs[VML_NR_SETTING_DIRS] = {
    [VML_SETTING_THP] = { VML_THP_SYSFS_DIR, vml_thp_find, thp_check, SETTINGS_THP_FILES,
                          thp_read_only },
    [VML_SETTING_VM] = { VML_VM_SYSCTL_DIR, vml_vm_find, vm_check, SETTINGS_VM_FILES,
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
    for (unsigned d = 0; d < VML_NR_SETTING_DIRS; d++) {
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
    snprintf(msg, MSG, "cannot set '%.*s%s': vmlab sets the files of %s and %s", shown, path, more,
             dirs[VML_SETTING_THP].path, dirs[VML_SETTING_VM].path);
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
