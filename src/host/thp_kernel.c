/* host/thp_kernel.c: reading this kernel's THP settings, the files of
 * /sys/kernel/mm/transparent_hugepage/ in vmlab's table (proc/thp_sysfs.c), and naming the ones
 * this kernel has beyond it (6.18 has anon_beside_full, shrink_underused, hpage_pmd_size, the
 * khugepaged counters, hugepages-8kB/ for file folios, per-size shmem_enabled and stats/). */
#include "host/settings.h"
#include "host/thp_kernel.h"
#include "util/text.h"
#include "vmlab/host.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void path_of(size_t i, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", VML_THP_SYSFS_DIR, vml_thp_file(i));
}

int vml_host_thp(struct vml_thp_settings *s, uint32_t *have, struct vml_diag *diag)
{
    struct stat st;
    vml_thp_defaults(s);
    *have = 0;
    if (stat(VML_THP_SYSFS_DIR, &st) != 0) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg), "%s: %s (a kernel without THP?)",
                     VML_THP_SYSFS_DIR, strerror(errno));
        return VML_ENOENT;
    }
    for (size_t i = 0; i < vml_thp_nr_files(); i++) {
        char path[SETTING_PATH_MAX], v[SETTING_VALUE_MAX];
        path_of(i, path, sizeof(path));
        if (host_setting_read(path, v, sizeof(v)) != 0)
            continue; /* a file this kernel lacks: the default stands */
        struct vml_diag d = { 0 };
        if (vml_thp_store(s, i, v, strlen(v), &d) != 0) {
            if (diag)
                snprintf(diag->msg, sizeof(diag->msg), "%s holds '%.40s', which vmlab cannot read",
                         path, v);
            return VML_EINVAL;
        }
        *have |= 1u << i;
    }
    return 0;
}

int host_thp_text(struct vml_text *out, char *msg)
{
    for (size_t i = 0; i < vml_thp_nr_files() + VML_THP_NR_COUNTERS; i++) {
        char path[SETTING_PATH_MAX], buf[256];
        const char *name =
            i < vml_thp_nr_files() ? vml_thp_file(i) : vml_thp_counter_file(i - vml_thp_nr_files());
        snprintf(path, sizeof(path), "%s%s", VML_THP_SYSFS_DIR, name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* grep -r prints only what is there */
        size_t k = fread(buf, 1, sizeof(buf) - 1, f);
        int bad = ferror(f);
        fclose(f);
        if (bad) {
            snprintf(msg, VML_BACKEND_MSG, "cannot read %s", path);
            return VML_EINVAL;
        }
        buf[k] = 0;
        text_printf(out, "%s:%s%s", name, buf, k && buf[k - 1] == '\n' ? "" : "\n");
    }
    return text_status(out);
}

void host_thp_note(struct vml_text *out)
{
    struct vml_thp_settings s, def;
    uint32_t have;
    if (vml_host_thp(&s, &have, NULL) != 0) {
        text_printf(out, "linux: THP: %s cannot be read\n", VML_THP_SYSFS_DIR);
        return;
    }
    vml_thp_defaults(&def);
    text_printf(out, "linux: THP (%s):", VML_THP_SYSFS_DIR);
    unsigned others = 0;
    for (size_t i = 0; i < vml_thp_nr_files(); i++) {
        char v[VML_THP_SHOW_MAX], d[VML_THP_SHOW_MAX];
        vml_thp_value(&s, i, v);
        vml_thp_value(&def, i, d);
        if (i < 3 || strcmp(v, d) != 0)
            text_printf(out, " %s=%s", vml_thp_file(i), have & (1u << i) ? v : "(absent)");
        else
            others++;
    }
    text_printf(out, "%s\n", others ? "; the other files at vmlab's defaults" : "");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of a directory's entries, sorted; NULL-terminated, or NULL. */
static char **entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof(*v));
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n + 1 >= cap) {
            char **w = realloc(v, (cap *= 2) * sizeof(*v));
            if (!w)
                break;
            v = w;
        }
        if (!(v[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (!v)
        return NULL;
    v[n] = NULL;
    qsort(v, n, sizeof(*v), by_name);
    return v;
}

static void free_entries(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether the table has a file in the subdirectory sub ("hugepages-64kB"). */
static bool table_has_dir(const char *sub)
{
    size_t n = strlen(sub);
    for (size_t i = 0; i < vml_thp_nr_files(); i++)
        if (strncmp(vml_thp_file(i), sub, n) == 0 && vml_thp_file(i)[n] == '/')
            return true;
    return false;
}

static void list_extras(struct vml_text *out)
{
    char **top = entries(VML_THP_SYSFS_DIR);
    if (!top)
        return;
    /* Per-size files are named once for every size ("hugepages-*" + "/shmem_enabled"). */
    char per_size[8][64];
    size_t n_per = 0, listed = 0;
    bool stats = false;
    for (size_t i = 0; top[i]; i++) {
        char path[SETTING_PATH_MAX], rel[SETTING_PATH_MAX];
        snprintf(path, sizeof(path), "%s%s", VML_THP_SYSFS_DIR, top[i]);
        if (!is_dir(path)) {
            if (vml_thp_find(top[i]) < 0)
                text_printf(out, "%s%s", listed++ ? ", " : "", top[i]);
            continue;
        }
        bool size_dir = strncmp(top[i], "hugepages-", 10) == 0;
        if (!table_has_dir(top[i])) {
            text_printf(out, "%s%s/", listed++ ? ", " : "", top[i]);
            continue;
        }
        char **sub = entries(path);
        for (size_t k = 0; sub && sub[k]; k++) {
            snprintf(rel, sizeof(rel), "%s/%s", top[i], sub[k]);
            if (vml_thp_find(rel) >= 0)
                continue;
            if (size_dir && strcmp(sub[k], "stats") == 0) {
                stats = true;
                continue;
            }
            if (!size_dir) {
                text_printf(out, "%s%s", listed++ ? ", " : "", rel);
                continue;
            }
            size_t j = 0;
            while (j < n_per && strcmp(per_size[j], sub[k]) != 0)
                j++;
            if (j == n_per && n_per < 8)
                snprintf(per_size[n_per++], sizeof(per_size[0]), "%s", sub[k]);
        }
        free_entries(sub);
    }
    free_entries(top);
    for (size_t j = 0; j < n_per; j++)
        text_printf(out, "%shugepages-*/%s", listed++ ? ", " : "", per_size[j]);
    if (stats)
        text_printf(out, "%shugepages-*/stats/", listed ? ", " : "");
}

void host_thp_extras(struct vml_text *out)
{
    struct vml_text t = { 0 };
    list_extras(&t);
    if (t.len)
        text_printf(out,
                    "linux: THP files of this kernel that vmlab does not model (not compared): "
                    "%s\n",
                    t.s);
    if (t.oom)
        out->oom = true;
    vml_text_free(&t);
}
