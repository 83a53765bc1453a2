/* host/memcg.c: the live machine's memory cgroups (see vmlab/live.h).
 *
 * Walks the memory controller's hierarchy, v2 (mm/memcontrol.c's cftypes: memory.current,
 * memory.max, memory.swap.max, memory.events) or v1 (mm/memcontrol-v1.c: memory.usage_in_bytes,
 * memory.limit_in_bytes, memory.memsw.limit_in_bytes, memory.failcnt, memory.oom_control,
 * memory.swappiness), and each group's cgroup.procs. Children are visited in name order so that
 * the same tree always gives the same output.
 */
#include "vmlab/live.h"

#include "util/diag.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 64

/* v1 prints an unset limit as PAGE_COUNTER_MAX pages in bytes (LONG_MAX rounded down to a
 * page); anything from there up is "no limit". */
#define V1_UNLIMITED 0x7ffffffffffff000ull

struct walk {
    struct vml_memcg_tree *t;
    size_t cap;
    bool oom;
};

static int slurp(const char *dir, const char *name, struct vml_text *out)
{
    out->len = 0;
    return vml_live_read(dir, name, out);
}

static void note(struct vml_memcg *g, const char *file, const char *why)
{
    /* Bounded pieces (48 + 2 + 140 < 192): a file name is short, a reason is cut if long. */
    if (!g->error[0])
        snprintf(g->error, sizeof(g->error), "%.48s: %.140s", file, why);
}

/* A one-value file into *v (bytes as printed; "max" is VML_MEMCG_UNLIMITED). Returns whether
 * it was read; a missing file is silent when quiet, else noted. */
static bool value(struct vml_memcg *g, const char *dir, const char *name, uint64_t *v, bool quiet)
{
    struct vml_text t = { 0 };
    int r = slurp(dir, name, &t);
    bool ok = false;
    if (r == 0) {
        struct vml_diag d = { 0 };
        if (vml_proc_parse_memcg_value(t.s ? t.s : "", t.len, v, &d) == 0)
            ok = true;
        else
            note(g, name, d.msg);
    } else if (!quiet) {
        note(g, name, r == VML_EHOST ? "out of memory" : "cannot be read");
    }
    vml_text_free(&t);
    return ok;
}

struct ev_ctx {
    struct vml_memcg *g;
    bool v1;
};

static int on_event(const char *key, size_t n, uint64_t v, void *ctx)
{
    struct ev_ctx *c = ctx;
    static const char *const names[VML_MEMCG_NEV] = { "low", "high",     "max",
                                                      "oom", "oom_kill", "oom_group_kill" };
    for (int i = 0; i < VML_MEMCG_NEV; i++) {
        /* v1's oom_control has oom_kill (and oom_kill_disable, under_oom: not events). */
        if (c->v1 && i != VML_MEMCG_EV_OOM_KILL)
            continue;
        if (strlen(names[i]) == n && memcmp(names[i], key, n) == 0) {
            c->g->ev[i] = v;
            c->g->have_ev |= 1u << i;
        }
    }
    return 0;
}

static void events(struct vml_memcg *g, const char *dir, const char *name, bool v1)
{
    struct vml_text t = { 0 };
    int r = slurp(dir, name, &t);
    if (r == 0) {
        struct vml_diag d = { 0 };
        struct ev_ctx c = { g, v1 };
        unsigned before = g->have_ev;
        if (vml_proc_parse_memcg_kv(t.s ? t.s : "", t.len, on_event, &c, &d) != 0) {
            char why[320];
            snprintf(why, sizeof(why), "line %u column %u: %.280s", d.line, d.col, d.msg);
            note(g, name, why);
            g->have_ev = before; /* a file that did not parse: none of its counters */
            for (int i = 0; i < VML_MEMCG_NEV; i++)
                if (!(before & (1u << i)))
                    g->ev[i] = 0;
        }
    } else {
        note(g, name, r == VML_EHOST ? "out of memory" : "cannot be read");
    }
    vml_text_free(&t);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* cgroup.procs: one pid per line. */
static void procs(struct vml_memcg *g, const char *dir, struct walk *w)
{
    struct vml_text t = { 0 };
    int r = slurp(dir, "cgroup.procs", &t);
    if (r != 0) {
        note(g, "cgroup.procs", r == VML_EHOST ? "out of memory" : "cannot be read");
        vml_text_free(&t);
        return;
    }
    size_t cap = 0;
    for (const char *p = t.s, *end = t.s + t.len; p && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
        long v = 0;
        const char *q = p;
        while (q < le && *q >= '0' && *q <= '9' && v < 100000000)
            v = v * 10 + (*q++ - '0');
        if (q == p || q != le || v <= 0 || v >= 100000000) {
            note(g, "cgroup.procs", "a line is not a process id");
            break;
        }
        if (g->npids == cap) {
            cap = cap ? 2 * cap : 16;
            int *n = realloc(g->pids, cap * sizeof(int));
            if (!n) {
                w->oom = true;
                break;
            }
            g->pids = n;
        }
        g->pids[g->npids++] = (int)v;
        p = nl ? nl + 1 : end;
    }
    if (g->npids)
        qsort(g->pids, g->npids, sizeof(int), cmp_int);
    vml_text_free(&t);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void visit(struct walk *w, const char *dir, const char *path, unsigned depth)
{
    struct vml_memcg_tree *t = w->t;
    if (w->oom)
        return;
    if (t->n == w->cap) {
        size_t c = w->cap ? 2 * w->cap : 32;
        struct vml_memcg *n = realloc(t->g, c * sizeof(*n));
        if (!n) {
            w->oom = true;
            return;
        }
        t->g = n;
        w->cap = c;
    }
    size_t gi = t->n++;
    struct vml_memcg *g = &t->g[gi];
    memset(g, 0, sizeof(*g));
    g->depth = depth;
    g->limit = g->swap_limit = VML_MEMCG_UNLIMITED;
    g->path = strdup(path);
    if (!g->path) {
        w->oom = true;
        return;
    }
    bool v1 = t->version == 1;
    struct vml_text probe = { 0 };
    bool files = slurp(dir, v1 ? "memory.usage_in_bytes" : "memory.stat", &probe) == 0;
    vml_text_free(&probe);
    if (files) {
        g->have |= VML_MEMCG_HAVE_FILES;
        bool root = depth == 0;
        /* The v2 root has no memory.current, memory.max, swap.max or events (the cftypes are
         * CFTYPE_NOT_ON_ROOT). */
        if (!v1 && root)
            g->have |= VML_MEMCG_HAVE_LIMIT; /* the root is never limited: "max" */
        if (v1 || !root) {
            if (value(g, dir, v1 ? "memory.usage_in_bytes" : "memory.current", &g->usage, false))
                g->have |= VML_MEMCG_HAVE_USAGE;
            if (value(g, dir, v1 ? "memory.limit_in_bytes" : "memory.max", &g->limit, false))
                g->have |= VML_MEMCG_HAVE_LIMIT;
            /* memsw files exist only with swap accounting; swap.max only with swap support. */
            if (value(g, dir, v1 ? "memory.memsw.limit_in_bytes" : "memory.swap.max",
                      &g->swap_limit, true))
                g->have |= VML_MEMCG_HAVE_SWAP;
            events(g, dir, v1 ? "memory.oom_control" : "memory.events", v1);
        }
        if (v1) {
            if (value(g, dir, "memory.failcnt", &g->failcnt, false))
                g->have |= VML_MEMCG_HAVE_FAILCNT;
            if (value(g, dir, "memory.swappiness", &g->swappiness, true))
                g->have |= VML_MEMCG_HAVE_SWAPPY;
            if (g->limit >= V1_UNLIMITED)
                g->limit = VML_MEMCG_UNLIMITED;
            if (g->swap_limit >= V1_UNLIMITED)
                g->swap_limit = VML_MEMCG_UNLIMITED;
        }
    } else {
        note(g, v1 ? "memory.usage_in_bytes" : "memory.stat",
             "no memory files (the memory controller is not enabled for this group: its "
             "processes are charged to the nearest group above that has them)");
    }
    procs(g, dir, w);
    if (depth >= MAX_DEPTH)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4096];
        struct stat st;
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub))
            continue;
        if (lstat(sub, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        if (nn == cap) {
            cap = cap ? 2 * cap : 16;
            char **n = realloc(names, cap * sizeof(*n));
            if (!n) {
                w->oom = true;
                break;
            }
            names = n;
        }
        if (!(names[nn] = strdup(de->d_name))) {
            w->oom = true;
            break;
        }
        nn++;
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof(*names), cmp_name);
    for (size_t i = 0; i < nn; i++) {
        char sub[4096], subpath[4096];
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]) < sizeof(sub) &&
            (size_t)snprintf(subpath, sizeof(subpath), "%s%s%s", path, depth ? "/" : "", names[i]) <
                sizeof(subpath))
            visit(w, sub, subpath, depth + 1);
        free(names[i]);
    }
    free(names);
}

int vml_memcg_scan(const char *sys_root, struct vml_memcg_tree *out, struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    char dir[4096];
    struct vml_text t = { 0 };
    snprintf(dir, sizeof(dir), "%s/fs/cgroup", sys_root);
    /* v2 holds the memory controller when its root lists it. */
    bool v2 = false;
    if (vml_live_read(dir, "cgroup.controllers", &t) == 0 && t.s) {
        for (char *p = strtok(t.s, " \n"); p; p = strtok(NULL, " \n"))
            v2 = v2 || strcmp(p, "memory") == 0;
    }
    vml_text_free(&t);
    if (v2) {
        out->version = 2;
    } else {
        snprintf(dir, sizeof(dir), "%s/fs/cgroup/memory", sys_root);
        if (vml_live_read(dir, "memory.usage_in_bytes", &t) != 0) {
            vml_text_free(&t);
            diag_set(diag, 0, 0,
                     "no memory cgroup controller: %s/fs/cgroup/cgroup.controllers does not list "
                     "memory (v2) and %s/fs/cgroup/memory has no memory.usage_in_bytes (v1)",
                     sys_root, sys_root);
            return VML_ENOENT;
        }
        vml_text_free(&t);
        out->version = 1;
    }
    snprintf(out->mount, sizeof(out->mount), "%s", dir);
    struct walk w = { out, 0, false };
    visit(&w, dir, "/", 0);
    if (w.oom) {
        vml_memcg_tree_free(out);
        return VML_EHOST;
    }
    return 0;
}

void vml_memcg_tree_free(struct vml_memcg_tree *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->g[i].path);
        free(t->g[i].pids);
    }
    free(t->g);
    t->g = NULL;
    t->n = 0;
}

long vml_memcg_find(const struct vml_memcg_tree *t, const char *path)
{
    while (*path == '/')
        path++;
    size_t n = strlen(path);
    while (n && path[n - 1] == '/')
        n--;
    for (size_t i = 0; i < t->n; i++) {
        const char *p = t->g[i].path + 1; /* past the leading '/' */
        if (strlen(p) == n && strncmp(p, path, n) == 0)
            return (long)i;
    }
    return -1;
}

/* The group's directory: the mount, then its path below it. */
static void group_dir(const struct vml_memcg_tree *t, const struct vml_memcg *g, char *buf,
                      size_t n)
{
    if ((size_t)snprintf(buf, n, "%s%s", t->mount, strcmp(g->path, "/") == 0 ? "" : g->path) >= n)
        buf[n - 1] = 0; /* a path past PATH_MAX: its files will not be found */
}

/* Names dir/name as the file of diag (cut at the buffer's end if ever that long). */
static void name_file(struct vml_memcg_detail *out, const char *dir, const char *name,
                      struct vml_diag *diag)
{
    if ((size_t)snprintf(out->file, sizeof(out->file), "%s/%s", dir, name) >= sizeof(out->file))
        out->file[sizeof(out->file) - 1] = 0;
    if (diag)
        diag->file = out->file;
}

/* An optional one-value file: 1 read, 0 missing, VML_EPARSE/VML_EHOST (diag names it). */
static int opt_value(const char *dir, const char *name, uint64_t *v, struct vml_memcg_detail *out,
                     struct vml_diag *diag)
{
    struct vml_text t = { 0 };
    int r = vml_live_read(dir, name, &t);
    if (r == VML_ENOENT) {
        vml_text_free(&t);
        return 0;
    }
    if (r == 0) {
        r = vml_proc_parse_memcg_value(t.s ? t.s : "", t.len, v, diag);
        if (r == 0 && *v >= V1_UNLIMITED)
            *v = VML_MEMCG_UNLIMITED; /* v1's PAGE_COUNTER_MAX; v2's "max" already is */
    }
    vml_text_free(&t);
    if (r) {
        name_file(out, dir, name, diag);
        return r;
    }
    return 1;
}

struct det_ctx {
    struct vml_memcg_detail *out;
    bool v1;
};

static int on_detail_event(const char *key, size_t n, uint64_t v, void *p)
{
    struct det_ctx *c = p;
    struct vml_memcg_detail *o = c->out;
    if (c->v1) { /* oom_control: oom_kill_disable, under_oom (oom_kill: the scan has it) */
        if (n == 16 && memcmp(key, "oom_kill_disable", 16) == 0)
            o->oom_kill_disable = v;
        else if (n == 9 && memcmp(key, "under_oom", 9) == 0)
            o->under_oom = v;
        return 0;
    }
    if (o->nevents < VML_MCD_MAX_EVENTS && n < sizeof(o->events[0].name)) {
        memcpy(o->events[o->nevents].name, key, n);
        o->events[o->nevents].name[n] = 0;
        o->events[o->nevents++].value = v;
    }
    return 0;
}

/* memory.events (v2) or memory.oom_control (v1), when there: 0, or VML_EPARSE/VML_EHOST. */
static int detail_events(const char *dir, bool v1, struct vml_memcg_detail *out,
                         struct vml_diag *diag)
{
    const char *name = v1 ? "memory.oom_control" : "memory.events";
    struct vml_text t = { 0 };
    int r = vml_live_read(dir, name, &t);
    if (r == VML_ENOENT) {
        vml_text_free(&t);
        return 0;
    }
    struct det_ctx c = { out, v1 };
    if (r == 0)
        r = vml_proc_parse_memcg_kv(t.s ? t.s : "", t.len, on_detail_event, &c, diag);
    vml_text_free(&t);
    if (r) {
        out->nevents = 0;
        name_file(out, dir, name, diag);
        return r;
    }
    if (v1)
        out->have |= VML_MCD_OOM_CONTROL;
    return 0;
}

int vml_memcg_detail_read(const struct vml_memcg_tree *t, const struct vml_memcg *g,
                          struct vml_memcg_detail *out, struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    char dir[4096];
    group_dir(t, g, dir, sizeof(dir));
    struct vml_text s = { 0 };
    int r = vml_live_read(dir, "memory.stat", &s);
    name_file(out, dir, "memory.stat", diag);
    if (r == 0)
        r = vml_proc_parse_memcg_stat(s.s ? s.s : "", s.len, &out->stat, diag);
    vml_text_free(&s);
    if (r) {
        if (r == VML_ENOENT)
            diag_set(diag, 0, 0, "cannot be read");
        return r;
    }
    if (diag)
        diag->file = NULL;
    /* memcg1_stat_format prints the hierarchical limits as pages * PAGE_SIZE, PAGE_COUNTER_MAX
     * when none: no limit, as limit_in_bytes. */
    if (t->version == 1)
        for (int k = VML_MCS_H_MEMORY_LIMIT; k <= VML_MCS_H_MEMSW_LIMIT; k++)
            if (out->stat.v[k] >= V1_UNLIMITED)
                out->stat.v[k] = VML_MEMCG_UNLIMITED;
    static const struct {
        int version;
        const char *name;
        size_t off;
        unsigned bit;
    } files[] = {
        { 2, "memory.high", offsetof(struct vml_memcg_detail, high), VML_MCD_HIGH },
        { 2, "memory.low", offsetof(struct vml_memcg_detail, low), VML_MCD_LOW },
        { 2, "memory.min", offsetof(struct vml_memcg_detail, min), VML_MCD_MIN },
        { 2, "memory.swap.current", offsetof(struct vml_memcg_detail, swap_current),
          VML_MCD_SWAP_CURRENT },
        { 1, "memory.soft_limit_in_bytes", offsetof(struct vml_memcg_detail, soft_limit),
          VML_MCD_SOFT_LIMIT },
        { 1, "memory.memsw.usage_in_bytes", offsetof(struct vml_memcg_detail, memsw_usage),
          VML_MCD_MEMSW_USAGE },
        { 1, "memory.kmem.usage_in_bytes", offsetof(struct vml_memcg_detail, kmem_usage),
          VML_MCD_KMEM_USAGE },
        { 1, "memory.memsw.failcnt", offsetof(struct vml_memcg_detail, memsw_failcnt),
          VML_MCD_MEMSW_FAILCNT },
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (files[i].version != t->version)
            continue;
        uint64_t *v = (uint64_t *)((char *)out + files[i].off);
        r = opt_value(dir, files[i].name, v, out, diag);
        if (r < 0)
            return r;
        if (r)
            out->have |= files[i].bit;
    }
    /* Counters, not limits: a v1 failcnt of PAGE_COUNTER_MAX pages' worth is still a count. */
    return detail_events(dir, t->version == 1, out, diag);
}

uint64_t vml_memcg_swap_room(const struct vml_memcg_tree *t, size_t gi, uint64_t swap_free)
{
    uint64_t room = swap_free;
    if (t->version != 2)
        return room;
    unsigned depth = t->g[gi].depth + 1;
    for (size_t j = gi + 1; j-- > 0;) {
        const struct vml_memcg *g = &t->g[j];
        if (g->depth >= depth)
            continue; /* not an ancestor: a sibling's subtree */
        depth = g->depth;
        if (depth == 0)
            break; /* the root has no swap.max */
        if (!(g->have & VML_MEMCG_HAVE_SWAP) || g->swap_limit == VML_MEMCG_UNLIMITED)
            continue;
        char dir[4096];
        group_dir(t, g, dir, sizeof(dir));
        uint64_t cur = 0;
        struct vml_text s = { 0 };
        if (vml_live_read(dir, "memory.swap.current", &s) != 0 ||
            vml_proc_parse_memcg_value(s.s ? s.s : "", s.len, &cur, NULL) != 0)
            cur = 0;
        vml_text_free(&s);
        uint64_t left = g->swap_limit > cur ? g->swap_limit - cur : 0;
        room = left < room ? left : room;
    }
    return room;
}
