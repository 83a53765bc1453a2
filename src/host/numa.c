/* host/numa.c: the real machine's NUMA nodes and a process's memory per node (see
 * vmlab/live.h), read through the proc/ parsers.
 *
 * The classes are numastat's (numactl's numastat.c, show_process_info): a numa_maps line with
 * the word huge (a hugetlbfs mapping) is Huge, heap is Heap, stack is Stack, and everything else
 * (anonymous and file mappings alike) Private.
 */
#include "vmlab/live.h"

#include "util/diag.h"
#include "util/text.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_unsigned(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    return x < y ? -1 : x > y;
}

int vml_numa_nodes(const char *sys_root, unsigned *nodes, unsigned max, unsigned *n,
                   struct vml_diag *diag)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/devices/system/node", sys_root);
    DIR *d = opendir(path);
    *n = 0;
    if (!d) {
        diag_set(diag, 0, 0, "%s cannot be listed: %s", path, strerror(errno));
        return VML_ENOENT;
    }
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d)) != NULL) {
        const char *s = de->d_name;
        /* "node" and digits only (numastat's node_and_digits): not "node_online" etc. */
        if (strncmp(s, "node", 4) != 0 || !s[4] || strspn(s + 4, "0123456789") != strlen(s + 4) ||
            strlen(s + 4) > 4)
            continue;
        unsigned v = (unsigned)atoi(s + 4);
        if (v >= VML_NUMA_MAX_NODES)
            continue;
        if (*n == max) {
            diag_set(diag, 0, 0, "%s holds more than %u nodes", path, max);
            r = VML_EINVAL;
            break;
        }
        nodes[(*n)++] = v;
    }
    closedir(d);
    if (r)
        return r;
    if (*n == 0) {
        diag_set(diag, 0, 0, "%s holds no nodeN directory", path);
        return VML_ENOENT;
    }
    qsort(nodes, *n, sizeof(*nodes), cmp_unsigned);
    return 0;
}

const char *vml_numa_class_name(enum vml_numa_class c)
{
    static const char *const names[] = { "Huge", "Heap", "Stack", "Private" };
    return (unsigned)c < VML_NUMA_NCLASS ? names[c] : "?";
}

/* Reads a whole file; 0 or an errno. */
static int slurp(const char *path, struct vml_text *t)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return errno;
    char buf[16384];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        text_append(t, buf, got);
    int e = ferror(f) ? errno : 0;
    fclose(f);
    if (e == 0 && t->oom)
        e = ENOMEM;
    return e ? e : 0;
}

static int add_map(const struct vml_numa_map *m, void *ctx)
{
    struct vml_numa_usage *u = ctx;
    enum vml_numa_class c = m->huge    ? VML_NUMA_HUGE
                            : m->heap  ? VML_NUMA_HEAP
                            : m->stack ? VML_NUMA_STACK
                                       : VML_NUMA_PRIVATE;
    uint64_t page = m->kernelpagesize_kb << 10;
    for (unsigned i = 0; i < m->nnodes; i++)
        u->bytes[c][m->nodes[i].node] += m->nodes[i].pages * page;
    u->maps++;
    return 0;
}

int vml_numa_process(const char *proc_root, int pid, struct vml_numa_usage *out,
                     struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->file, sizeof(out->file), "%s/%d/numa_maps", proc_root, pid);
    if (diag)
        diag->file = out->file;
    struct vml_text t = { 0 };
    int e = slurp(out->file, &t);
    if (e) {
        vml_text_free(&t);
        if (e == ENOMEM)
            return VML_EHOST;
        /* ESRCH: the process exited between open and read. */
        diag_set(diag, 0, 0, "%s", e == ENOENT || e == ESRCH ? "no such process" : strerror(e));
        return e == ENOENT || e == ESRCH ? VML_ENOENT : VML_EINVAL;
    }
    int r = vml_proc_parse_numa_maps(t.s ? t.s : "", t.len, add_map, out, diag);
    vml_text_free(&t);
    return r;
}

const char *vml_numa_proc_name(const char *proc_root, int pid, char *buf, size_t n)
{
    char path[4200];
    struct vml_text t = { 0 };
    buf[0] = 0;
    snprintf(path, sizeof(path), "%s/%d/status", proc_root, pid);
    if (slurp(path, &t) == 0 && t.len) {
        for (const char *l = t.s; l && l < t.s + t.len; l = strchr(l, '\n'), l = l ? l + 1 : l) {
            if (strncmp(l, "Name:", 5) != 0)
                continue;
            const char *v = l + 5;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t len = strcspn(v, "\n");
            snprintf(buf, n, "%.*s", (int)len, v);
            break;
        }
    }
    vml_text_free(&t);
    if (buf[0])
        return buf;
    snprintf(path, sizeof(path), "%s/%d/comm", proc_root, pid);
    if (slurp(path, &t) == 0 && t.len)
        snprintf(buf, n, "%.*s", (int)strcspn(t.s, "\n"), t.s);
    vml_text_free(&t);
    return buf;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

int vml_numa_match(const char *proc_root, const char *pattern, int skip_pid, int **pids, size_t *n)
{
    DIR *d = opendir(proc_root);
    *pids = NULL;
    *n = 0;
    if (!d)
        return VML_ENOENT;
    size_t cap = 0;
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)de->d_name[0]) ||
            strspn(de->d_name, "0123456789") != strlen(de->d_name) || strlen(de->d_name) > 9)
            continue;
        int pid = atoi(de->d_name);
        if (pid == skip_pid)
            continue;
        /* numastat's text: the name, a space, then cmdline with its NULs as spaces. */
        char name[256], path[4200];
        struct vml_text t = { 0 }, c = { 0 };
        vml_numa_proc_name(proc_root, pid, name, sizeof(name));
        text_printf(&t, "%s ", name);
        snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, pid);
        if (slurp(path, &c) == 0 && c.len) {
            for (size_t i = 0; i < c.len; i++)
                if (c.s[i] == 0)
                    c.s[i] = ' ';
            text_append(&t, c.s, c.len);
        }
        vml_text_free(&c);
        text_append(&t, "", 0);
        bool hit = !t.oom && t.s && strstr(t.s, pattern) != NULL;
        if (t.oom)
            r = VML_EHOST;
        vml_text_free(&t);
        if (r)
            break;
        if (!hit)
            continue;
        if (*n == cap) {
            size_t nc = cap ? 2 * cap : 32;
            int *p = realloc(*pids, nc * sizeof(int));
            if (!p) {
                r = VML_EHOST;
                break;
            }
            *pids = p;
            cap = nc;
        }
        (*pids)[(*n)++] = pid;
    }
    closedir(d);
    if (r) {
        free(*pids);
        *pids = NULL;
        *n = 0;
        return r;
    }
    if (*n)
        qsort(*pids, *n, sizeof(int), cmp_int);
    return 0;
}
