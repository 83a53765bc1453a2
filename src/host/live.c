/* host/live.c: a scan of the real machine's processes (see vmlab/live.h).
 *
 * Each process costs five small reads; smaps_rollup is the expensive one (the kernel walks the
 * page tables to build it). Work is split over threads by pid, each with its own read buffer.
 */
#include "vmlab/live.h"

#include "util/text.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <unistd.h>

struct buf {
    char *s;
    size_t len, cap;
};

/* Reads a whole file; 0, or the errno. A read error after open (ESRCH: the process is gone)
 * is returned as is. */
static int slurp(const char *path, struct buf *b)
{
    b->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    for (;;) {
        if (b->cap - b->len < 4096) {
            size_t c = b->cap ? 2 * b->cap : 16384;
            char *p = realloc(b->s, c);
            if (!p) {
                close(fd);
                return ENOMEM;
            }
            b->s = p;
            b->cap = c;
        }
        ssize_t n = read(fd, b->s + b->len, b->cap - b->len - 1);
        if (n < 0) {
            int e = errno;
            close(fd);
            return e;
        }
        if (n == 0)
            break;
        b->len += (size_t)n;
    }
    close(fd);
    b->s[b->len] = 0;
    return 0;
}

/* The value after "Key:" in status text, as a string up to the newline. */
static const char *status_line(const char *text, const char *key)
{
    size_t k = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (strncmp(l, key, k) == 0 && l[k] == ':')
            return l + k + 1;
    return NULL;
}

struct sum_ctx {
    struct vml_smaps_counts c;
};

static int add_block(const struct vml_smaps *s, void *ctx)
{
    struct vml_smaps_counts *c = &((struct sum_ctx *)ctx)->c;
    uint64_t *dst = (uint64_t *)c;
    const uint64_t *src = (const uint64_t *)&s->c;
    for (size_t i = 0; i < sizeof(*c) / sizeof(uint64_t); i++)
        dst[i] += src[i];
    return 0;
}

/* Marks p from an errno of one of its files. */
static void fail_errno(struct vml_live_proc *p, const char *file, int e)
{
    if (e == ENOENT || e == ESRCH) {
        p->state = VML_LIVE_GONE;
    } else {
        p->state = e == EACCES || e == EPERM ? VML_LIVE_DENIED : VML_LIVE_BAD;
        snprintf(p->error, sizeof(p->error), "%s: %s", file, strerror(e));
    }
}

static void read_proc(const char *root, struct vml_live_proc *p, struct buf *b)
{
    char path[512];
    int e;
    /* status: name, uid, sizes; its absence means the process is gone. */
    snprintf(path, sizeof(path), "%s/%d/status", root, p->pid);
    if ((e = slurp(path, b)) != 0) {
        fail_errno(p, "status", e);
        return;
    }
    const char *v = status_line(b->s, "Name");
    if (v) {
        while (*v == '\t' || *v == ' ')
            v++;
        size_t n = strcspn(v, "\n");
        n = n < sizeof(p->comm) - 1 ? n : sizeof(p->comm) - 1;
        memcpy(p->comm, v, n);
        p->comm[n] = 0;
    }
    if ((v = status_line(b->s, "Uid")) != NULL)
        p->uid = (unsigned)strtoul(v, NULL, 10);
    bool has_mm = status_line(b->s, "VmSize") != NULL;
    struct vml_status_mem st;
    if (has_mm && vml_proc_parse_status_mem(b->s, b->len, &st, NULL) == 0) {
        p->status = st;
        p->vsz = st.vm_size << 10;
        p->hugetlb = st.hugetlb_pages << 10;
    }
    snprintf(path, sizeof(path), "%s/%d/cmdline", root, p->pid);
    if ((e = slurp(path, b)) == 0) {
        while (b->len && b->s[b->len - 1] == 0)
            b->len--;
        for (size_t i = 0; i < b->len; i++)
            if (b->s[i] == 0)
                b->s[i] = ' ';
        p->cmdline = malloc(b->len + 1);
        if (p->cmdline) {
            memcpy(p->cmdline, b->s, b->len);
            p->cmdline[b->len] = 0;
        }
    }
    snprintf(path, sizeof(path), "%s/%d/oom_score", root, p->pid);
    if (slurp(path, b) == 0)
        p->oom_score = atoi(b->s);
    snprintf(path, sizeof(path), "%s/%d/oom_score_adj", root, p->pid);
    if (slurp(path, b) == 0)
        p->oom_score_adj = atoi(b->s);
    if (!has_mm) {
        p->state = VML_LIVE_KERNEL;
        return;
    }
    /* Memory: smaps_rollup, or the sum of smaps on kernels without it. */
    struct vml_smaps_counts c;
    uint64_t s0, s1;
    snprintf(path, sizeof(path), "%s/%d/smaps_rollup", root, p->pid);
    e = slurp(path, b);
    if (e == 0 && b->len == 0) {
        p->state = VML_LIVE_GONE; /* the address space went while we read */
        return;
    }
    if (e == 0) {
        if (vml_proc_parse_smaps_rollup(b->s, b->len, &s0, &s1, &c, NULL) != 0) {
            p->state = VML_LIVE_BAD;
            snprintf(p->error, sizeof(p->error), "smaps_rollup does not parse");
            return;
        }
    } else if (e == ENOENT) {
        snprintf(path, sizeof(path), "%s/%d/smaps", root, p->pid);
        if ((e = slurp(path, b)) != 0) {
            fail_errno(p, "smaps", e);
            return;
        }
        struct sum_ctx sc;
        memset(&sc, 0, sizeof(sc));
        if (vml_proc_parse_smaps(b->s, b->len, add_block, &sc, NULL) != 0) {
            p->state = VML_LIVE_BAD;
            snprintf(p->error, sizeof(p->error), "smaps does not parse");
            return;
        }
        c = sc.c;
    } else {
        fail_errno(p, "smaps_rollup", e);
        return;
    }
    p->rss = c.rss << 10;
    p->pss = c.pss << 10;
    p->uss = (c.private_clean + c.private_dirty) << 10;
    p->swap = c.swap << 10;
    p->swap_pss = c.swap_pss << 10;
    p->anon_huge = c.anon_huge_pages << 10;
}

struct work {
    const char *root;
    struct vml_live_proc *procs;
    size_t n, first, step;
};

static int worker(void *arg)
{
    struct work *w = arg;
    struct buf b = { 0 };
    for (size_t i = w->first; i < w->n; i += w->step)
        read_proc(w->root, &w->procs[i], &b);
    free(b.s);
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    int x = ((const struct vml_live_proc *)a)->pid, y = ((const struct vml_live_proc *)b)->pid;
    return (x > y) - (x < y);
}

int vml_live_scan(const char *proc_root, unsigned threads, struct vml_live_scan *out)
{
    memset(out, 0, sizeof(*out));
    DIR *d = opendir(proc_root);
    if (!d)
        return VML_ENOENT;
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (!isdigit((unsigned char)n[0]) || strspn(n, "0123456789") != strlen(n))
            continue;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 256;
            struct vml_live_proc *p = realloc(out->procs, cap * sizeof(*p));
            if (!p) {
                closedir(d);
                vml_live_scan_free(out);
                return VML_EHOST;
            }
            out->procs = p;
        }
        struct vml_live_proc *p = &out->procs[out->n++];
        memset(p, 0, sizeof(*p));
        p->pid = atoi(n);
    }
    closedir(d);
    if (out->n)
        qsort(out->procs, out->n, sizeof(*out->procs), cmp_pid);
    if (threads < 1)
        threads = 1;
    if (threads > 16)
        threads = 16;
    struct work w[16];
    thrd_t t[16];
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++)
        w[i] = (struct work){ proc_root, out->procs, out->n, i, threads };
    for (unsigned i = 1; i < threads; i++)
        if (thrd_create(&t[i], worker, &w[i]) == thrd_success)
            started = i;
        else
            break;
    /* Threads that could not start leave their share to this one. */
    for (unsigned i = started + 1; i < threads; i++)
        worker(&w[i]);
    worker(&w[0]);
    for (unsigned i = 1; i <= started; i++)
        thrd_join(t[i], NULL);
    for (size_t i = 0; i < out->n; i++)
        out->n_state[out->procs[i].state]++;
    return 0;
}

void vml_live_scan_free(struct vml_live_scan *scan)
{
    for (size_t i = 0; i < scan->n; i++)
        free(scan->procs[i].cmdline);
    free(scan->procs);
    memset(scan, 0, sizeof(*scan));
}

const char *vml_live_user(unsigned uid, char *buf, size_t n)
{
    struct passwd pw, *res = NULL;
    char tmp[1024];
    if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 && res)
        snprintf(buf, n, "%s", pw.pw_name);
    else
        snprintf(buf, n, "%u", uid);
    return buf;
}

int vml_live_meminfo(const char *proc_root, struct vml_meminfo *out, struct vml_diag *diag)
{
    char path[512];
    struct buf b = { 0 };
    snprintf(path, sizeof(path), "%s/meminfo", proc_root);
    int e = slurp(path, &b);
    int r = e ? VML_ENOENT : vml_proc_parse_meminfo(b.s, b.len, out, diag);
    free(b.s);
    return r;
}

int vml_live_read(const char *dir, const char *name, struct vml_text *out)
{
    char path[512];
    struct buf b = { 0 };
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int e = slurp(path, &b);
    if (e == 0 && b.len) {
        text_append(out, b.s, b.len);
        e = out->oom ? ENOMEM : 0;
    }
    free(b.s);
    return e == 0 ? 0 : e == ENOMEM ? VML_EHOST : VML_ENOENT;
}
