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
#include <sys/stat.h>
#include <threads.h>
#include <unistd.h>

struct buf {
    char *s;
    size_t len, cap;
};

/* Reads a whole file (name relative to dir, or absolute with dir AT_FDCWD); 0, or the errno.
 * A read error after open (ESRCH: the process is gone) is returned as is. */
static int slurp_at(int dir, const char *name, struct buf *b, bool single)
{
    b->len = 0;
    int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
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
        /* A file shown as one record (status, statm, smaps_rollup ...) comes whole in one
         * read when it fits: a short read is its end, which spares a second system call.
         * Not so for files of many records (smaps): seq_file stops at a record that does not
         * fit. */
        if (single && (size_t)n < b->cap - (b->len - (size_t)n) - 1)
            break;
    }
    close(fd);
    b->s[b->len] = 0;
    return 0;
}

static int slurp(const char *path, struct buf *b)
{
    return slurp_at(AT_FDCWD, path, b, false);
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

/* Notes the first file of p that could not be read or parsed. */
static void note(struct vml_live_proc *p, const char *file, const char *why)
{
    if (!p->error[0])
        snprintf(p->error, sizeof(p->error), "%s: %s", file, why);
}

/* Marks p from an errno of one of its files: gone (ENOENT, ESRCH: the figures read before
 * belong to a process that no longer exists, so none is kept), or denied or unreadable. */
static void fail_errno(struct vml_live_proc *p, const char *file, int e)
{
    if (e == ENOENT || e == ESRCH) {
        p->state = VML_LIVE_GONE;
        p->have = 0;
        p->error[0] = 0;
        note(p, file, "the process exited during the scan");
    } else {
        p->state = e == EACCES || e == EPERM ? VML_LIVE_DENIED : VML_LIVE_BAD;
        note(p, file, strerror(e));
    }
}

/* Files are opened relative to the /proc directory's handle as "PID/name": no path walk from
 * the root and no per-process directory handle to open and close. */
struct pdir {
    int root;
    char name[24]; /* "PID/" */
    size_t len;
};

static int slurp_pid(const struct pdir *d, const char *file, struct buf *b, bool single)
{
    char path[64];
    snprintf(path, sizeof(path), "%.*s%s", (int)d->len, d->name, file);
    return slurp_at(d->root, path, b, single);
}

/* PF_KTHREAD in the flags of /proc/PID/stat (include/linux/sched.h). */
#define PF_KTHREAD 0x00200000u

/* A process without an address space: a kernel thread, a zombie (exited, not reaped: the
 * kernel dropped its mm in exit_mm), or one exiting right now. status says it when it was
 * read (State, and Kthread where the kernel prints it: 6.18 does, "Kthread: 1" in
 * /proc/2/status); else stat: its state letter and flags after the name (fs/proc/array.c
 * do_task_stat). Without either (an old copy of /proc): a kernel thread, as before. */
static enum vml_live_state no_mm_state(const struct pdir *dir, const char *status, struct buf *b)
{
    char state = 0;
    int kthread = -1;
    if (status) {
        const char *v = status_line(status, "State");
        if (v) {
            while (*v == ' ' || *v == '\t')
                v++;
            state = *v;
        }
        if ((v = status_line(status, "Kthread")) != NULL)
            kthread = atoi(v);
    } else if (slurp_pid(dir, "stat", b, true) == 0) {
        const char *r = strrchr(b->s, ')');
        if (r && r[1] == ' ' && r[2]) {
            state = r[2];
            /* state ppid pgrp session tty_nr tpgid flags */
            const char *f = r + 3;
            for (int k = 0; k < 5 && f; k++)
                f = strchr(f + 1, ' ');
            if (f)
                kthread = (strtoul(f + 1, NULL, 10) & PF_KTHREAD) != 0;
        }
    } else {
        return VML_LIVE_KERNEL;
    }
    if (kthread == 1)
        return VML_LIVE_KERNEL;
    if (state == 'Z')
        return VML_LIVE_ZOMBIE;
    if (state == 'X' || kthread == 0)
        return VML_LIVE_GONE; /* dead, or exiting with its mm already gone */
    return VML_LIVE_KERNEL;
}

/* The USS split from smaps_rollup, where its figures determine it (else split_why). A page
 * mapped once counts whole in Pss and in Private_*; one mapped n > 1 times counts 1/n in Pss
 * and in Shared_* (smaps_account in fs/proc/task_mmu.c), and Pss_Anon, Pss_File, Pss_Shmem
 * split Pss by kind. So Pss_Anon == Anonymous (both kB, the first rounded down) holds exactly
 * when no anonymous page is shared (one shared page would take at least 2 kB off Pss_Anon):
 * then every anonymous page is private. A private shmem page adds 4 kB to Pss_Shmem, so
 * Pss_Shmem == 0 means none is private; with status, Pss_Shmem == RssShmem means all are.
 * File USS is the rest of Private_*. */
static void uss_split(struct vml_live_proc *p, const struct vml_smaps_counts *c)
{
    uint64_t priv = c->private_clean + c->private_dirty;
    if (c->pss_anon != c->anonymous) {
        p->split_why = "anonymous pages shared with another process (a fork)";
        return;
    }
    uint64_t shmem;
    if (c->pss_shmem == 0)
        shmem = 0;
    else if ((p->have & VML_LIVE_HAVE_STATUS) && c->pss_shmem == p->status.rss_shmem)
        shmem = c->pss_shmem;
    else {
        p->split_why = "shmem pages shared with another process";
        return;
    }
    if (c->anonymous + shmem > priv) {
        p->split_why = "the counters moved while they were read";
        return;
    }
    p->uss_anon = c->anonymous << 10;
    p->uss_shmem = shmem << 10;
    p->uss_file = (priv - c->anonymous - shmem) << 10;
    p->have |= VML_LIVE_HAVE_SPLIT;
}

static void read_comm(const struct pdir *dir, struct vml_live_proc *p, struct buf *b)
{
    if (p->comm[0] || slurp_pid(dir, "comm", b, true) != 0)
        return;
    size_t n = strcspn(b->s, "\n");
    n = n < sizeof(p->comm) - 1 ? n : sizeof(p->comm) - 1;
    memcpy(p->comm, b->s, n);
    p->comm[n] = 0;
}

static void read_proc(int root, unsigned flags, struct vml_live_proc *p, struct buf *b)
{
    struct pdir dp = { .root = root };
    int w = snprintf(dp.name, sizeof(dp.name), "%d/", p->pid);
    dp.len = (size_t)w;
    const struct pdir *dir = &dp;

    int e;
    bool has_mm;
    struct stat sd;
    char *status = NULL;
    dp.name[dp.len - 1] = 0;
    int st_ok = fstatat(root, dp.name, &sd, 0);
    dp.name[dp.len - 1] = '/';
    if (st_ok == 0)
        p->uid = (unsigned)sd.st_uid; /* the process's owner, as ps and smem show it */
    if (flags & VML_LIVE_STATUS) {
        /* status: name, real uid, sizes and the RSS breakdown; its absence means the process
         * is gone. */
        if ((e = slurp_pid(dir, "status", b, true)) != 0) {
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
        has_mm = status_line(b->s, "VmSize") != NULL;
        struct vml_status_mem st;
        if (has_mm && vml_proc_parse_status_mem(b->s, b->len, &st, NULL) == 0) {
            p->status = st;
            p->vsz = st.vm_size << 10;
            p->rss = st.vm_rss << 10;
            p->have |= VML_LIVE_HAVE_SIZE | VML_LIVE_HAVE_STATUS;
        } else if (has_mm) {
            p->state = VML_LIVE_BAD;
            note(p, "status", "its memory lines do not parse");
        }
        if (!has_mm)
            status = strdup(b->s);
    } else {
        /* statm is much cheaper than status: size and resident in pages (resident is
         * get_mm_rss, as status VmRSS), 0 without an address space (kernel threads,
         * zombies). Its absence means the process is gone. */
        if ((e = slurp_pid(dir, "statm", b, true)) != 0) {
            fail_errno(p, "statm", e);
            return;
        }
        char *end;
        uint64_t pages = strtoull(b->s, &end, 10);
        uint64_t resident = strtoull(end, NULL, 10);
        has_mm = pages != 0;
        p->vsz = pages << 12;
        p->rss = resident << 12;
        if (has_mm)
            p->have |= VML_LIVE_HAVE_SIZE;
    }
    if ((e = slurp_pid(dir, "cmdline", b, true)) == 0) {
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
    read_comm(dir, p, b);
    if ((e = slurp_pid(dir, "oom_score", b, true)) == 0) {
        p->oom_score = atoi(b->s);
        p->have |= VML_LIVE_HAVE_OOM;
    } else {
        note(p, "oom_score", strerror(e));
    }
    if ((e = slurp_pid(dir, "oom_score_adj", b, true)) == 0) {
        p->oom_score_adj = atoi(b->s);
        p->have |= VML_LIVE_HAVE_ADJ;
    } else {
        note(p, "oom_score_adj", strerror(e));
    }
    if (!has_mm) {
        p->state = no_mm_state(dir, status, b);
        free(status);
        p->have &= ~VML_LIVE_HAVE_SIZE; /* no address space: no sizes to show */
        if (p->state == VML_LIVE_GONE)
            fail_errno(p, "stat", ESRCH);
        return;
    }
    if (flags & VML_LIVE_NO_SMAPS)
        return;
    /* Memory: smaps_rollup, or the sum of smaps on kernels without it. */
    struct vml_smaps_counts c;
    uint64_t s0, s1;
    e = (flags & VML_LIVE_PER_MAPPING) ? ENOENT : slurp_pid(dir, "smaps_rollup", b, true);
    if (e == 0 && b->len == 0) {
        fail_errno(p, "smaps_rollup", ESRCH); /* the address space went while we read */
        return;
    }
    if (e == 0) {
        if (vml_proc_parse_smaps_rollup(b->s, b->len, &s0, &s1, &c, NULL) != 0) {
            p->state = VML_LIVE_BAD;
            note(p, "smaps_rollup", "does not parse");
            return;
        }
        uss_split(p, &c);
    } else if (e == ENOENT) {
        if ((e = slurp_pid(dir, "smaps", b, false)) != 0) {
            fail_errno(p, "smaps", e);
            return;
        }
        struct sum_ctx sc;
        memset(&sc, 0, sizeof(sc));
        if (vml_proc_parse_smaps(b->s, b->len, add_block, &sc, NULL) != 0) {
            p->state = VML_LIVE_BAD;
            note(p, "smaps", "does not parse");
            return;
        }
        c = sc.c;
        p->split_why = "smaps has no Pss_Anon (smaps_rollup has)";
    } else {
        fail_errno(p, "smaps_rollup", e);
        return;
    }
    p->rss = c.rss << 10; /* from the same walk as PSS and USS, which it bounds */
    p->pss = c.pss << 10;
    p->uss = (c.private_clean + c.private_dirty) << 10;
    p->swap = c.swap << 10;
    p->swap_pss = c.swap_pss << 10;
    p->anon_huge = c.anon_huge_pages << 10;
    p->hugetlb = (c.shared_hugetlb + c.private_hugetlb) << 10;
    p->have |= VML_LIVE_HAVE_SMAPS;
}

struct work {
    int root;
    unsigned flags;
    struct vml_live_proc *procs;
    size_t n, first, step;
};

static int worker(void *arg)
{
    struct work *w = arg;
    struct buf b = { 0 };
    for (size_t i = w->first; i < w->n; i += w->step)
        read_proc(w->root, w->flags, &w->procs[i], &b);
    free(b.s);
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    int x = ((const struct vml_live_proc *)a)->pid, y = ((const struct vml_live_proc *)b)->pid;
    return (x > y) - (x < y);
}

int vml_live_root_check(const char *proc_root, const char **why)
{
    struct stat sd;
    if (stat(proc_root, &sd) != 0) {
        *why = errno == ENOENT || errno == ENOTDIR ? "no such directory"
               : errno == EACCES                   ? "cannot be read (permission denied)"
                                                   : "cannot be read";
        return errno == ENOENT || errno == ENOTDIR ? VML_ENOENT : VML_EHOST;
    }
    if (!S_ISDIR(sd.st_mode)) {
        *why = "not a directory";
        return VML_ENOENT;
    }
    DIR *d = opendir(proc_root);
    if (!d) {
        *why = "cannot be read (permission denied)";
        return VML_EHOST;
    }
    bool found = false;
    struct dirent *de;
    while (!found && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        found = strcmp(n, "meminfo") == 0 ||
                (isdigit((unsigned char)n[0]) && strspn(n, "0123456789") == strlen(n));
    }
    closedir(d);
    if (!found) {
        *why = "not a proc tree (it has no meminfo file and no PID directories)";
        return VML_ENOENT;
    }
    return 0;
}

int vml_live_scan(const char *proc_root, unsigned threads, unsigned flags,
                  struct vml_live_scan *out)
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
    int root = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        vml_live_scan_free(out);
        return VML_ENOENT;
    }
    if (threads < 1)
        threads = 1;
    if (threads > 16)
        threads = 16;
    struct work w[16];
    thrd_t t[16];
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++)
        w[i] = (struct work){ root, flags, out->procs, out->n, i, threads };
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
    close(root);
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
