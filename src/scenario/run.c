/* scenario/run.c: the executor: a parsed scenario's operations run on a backend (run.h).
 *
 * Names in the scenario (processes, mappings, files, memfds) become pids, addresses and file
 * ids here. Mapping names are per process and inherited by fork; a range is resolved against
 * the mapping's start and length as mmap returned them. show and expect read the backend's
 * /proc text, so both backends are checked the same way.
 */
#include "scenario/measure.h"
#include "util/grow.h"
#include "util/text.h"
#include "vmlab/run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull

struct map_ent {
    char name[VML_SCN_NAME_MAX];
    uint64_t start, len;
    bool live;
};

struct proc_ent {
    char name[VML_SCN_NAME_MAX];
    int pid;
    bool gone;                   /* exited or killed */
    struct vml_status_mem first; /* status memory lines when it was created */
    struct map_ent *maps;
    size_t n_maps, cap_maps;
};

struct obj_ent {
    char name[VML_SCN_FILE_MAX];
    int id;
    bool memfd;
    bool live;
};

struct run {
    const struct vml_scenario *s;
    struct vml_backend *b;
    const struct vml_backend *own; /* the backend itself (b may be a measuring wrapper of it) */
    /* What a new process has on the simulator (its initial stack), as status, statm and
     * smaps_rollup show it: taken when the backend's processes have memory of their own. */
    struct vml_text newborn[3];
    char msg[VML_BACKEND_MSG]; /* the backend's explanation of a failure */
    struct vml_text *out, *report;
    struct vml_run_result *res;
    struct vml_diag *diag;
    struct vml_snapshot *snap; /* what the run leaves for comparison, or NULL */
    const struct vml_op *op;   /* the operation running */
    struct proc_ent *procs;
    size_t n_procs, cap_procs;
    struct obj_ent *objs;
    size_t n_objs, cap_objs;
    unsigned shows;
    uint64_t kills_seen; /* the backend's kill count when the processes were last looked at */
    int want_fail;       /* expect fail ERRNO before this statement: its VML_E* code, else 0 */
    unsigned want_fail_line;
};

/* Fills diag for the running operation and returns err. */
static int run_error(struct run *r, int err, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int run_error(struct run *r, int err, unsigned col, const char *fmt, ...)
{
    if (r->diag) {
        r->diag->file = r->s->file;
        r->diag->line = r->op ? r->op->line : r->s->machine_line;
        r->diag->col = col ? col : (r->op ? r->op->col : 1);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->diag->msg, sizeof(r->diag->msg), fmt, ap);
        va_end(ap);
    }
    return err < 0 ? err : VML_EINVAL;
}

/* errno names for system calls that fail. */
static const char *errno_name(int err)
{
    switch (err) {
    case VML_EINVAL: return "EINVAL";
    case VML_ENOMEM: return "ENOMEM";
    case VML_EEXIST: return "EEXIST";
    case VML_EFAULT: return "EFAULT";
    case VML_ENOENT: return "ESRCH";
    case VML_EHOST: return "host out of memory";
    default: return vml_strerror(err);
    }
}

static struct proc_ent *find_proc(struct run *r, const char *name)
{
    for (size_t i = 0; i < r->n_procs; i++)
        if (strcmp(r->procs[i].name, name) == 0)
            return &r->procs[i];
    return NULL;
}

/* The operation's process, alive; else an error naming why it is not. */
static int live_proc(struct run *r, struct proc_ent **out)
{
    struct proc_ent *p = find_proc(r, r->op->proc);
    if (!p)
        return run_error(r, VML_ENOENT, 0, "no process '%s'", r->op->proc);
    if (p->gone) {
        struct vml_sim_death d;
        r->b->status_of(r->b->ctx, p->pid, &d);
        if (d.killed && d.si_code == VML_SI_OOM)
            return run_error(r, VML_ENOENT, 0,
                             "process '%s' was killed by the OOM killer; it can only be checked "
                             "with 'expect %s killed by oom'",
                             p->name, p->name);
        if (d.killed)
            return run_error(r, VML_ENOENT, 0,
                             "process '%s' was killed (%s at %#llx); it can only be checked "
                             "with 'expect %s killed'",
                             p->name, d.si_code == VML_BUS_ADRERR ? "SIGBUS" : "SIGSEGV",
                             (unsigned long long)d.addr, p->name);
        return run_error(r, VML_ENOENT, 0, "process '%s' has exited", p->name);
    }
    *out = p;
    return 0;
}

static struct map_ent *find_map(struct proc_ent *p, const char *name)
{
    for (size_t i = 0; i < p->n_maps; i++)
        if (p->maps[i].live && strcmp(p->maps[i].name, name) == 0)
            return &p->maps[i];
    return NULL;
}

static struct obj_ent *find_obj(struct run *r, const char *name, bool memfd)
{
    for (size_t i = 0; i < r->n_objs; i++)
        if (r->objs[i].live && r->objs[i].memfd == memfd && strcmp(r->objs[i].name, name) == 0)
            return &r->objs[i];
    return NULL;
}

static int add_obj(struct run *r, const char *name, int id, bool memfd)
{
    if (util_grow((void **)&r->objs, &r->cap_objs, r->n_objs, sizeof(*r->objs)))
        return VML_EHOST;
    struct obj_ent *o = &r->objs[r->n_objs++];
    memset(o, 0, sizeof(*o));
    snprintf(o->name, sizeof(o->name), "%s", name);
    o->id = id;
    o->memfd = memfd;
    o->live = true;
    return 0;
}

/* [start, end) of a RANGE of mapping m; bounds must lie inside it. */
static int resolve(struct run *r, struct proc_ent *p, const struct vml_range *rg, uint64_t *start,
                   uint64_t *end)
{
    struct map_ent *m = find_map(p, rg->name);
    if (!m)
        return run_error(r, VML_ENOENT, rg->col, "process '%s' has no mapping '%s'", p->name,
                         rg->name);
    uint64_t s = rg->has_start ? rg->start : 0, e = rg->has_end ? rg->end : m->len;
    if (s >= m->len || e > m->len || s >= e)
        return run_error(
            r, VML_EINVAL, rg->col, "range [%#llx:%#llx] lies outside mapping '%s' (%llu bytes)",
            (unsigned long long)s, (unsigned long long)e, rg->name, (unsigned long long)m->len);
    *start = m->start + s;
    *end = m->start + e;
    return 0;
}

static int syscall_error(struct run *r, const char *what, int err)
{
    if (r->msg[0])
        return run_error(r, err, 0, "%s failed: %s", what, r->msg);
    return run_error(r, err, 0, "%s failed: %s", what, errno_name(err));
}

/* ---- machine ------------------------------------------------------------------------------- */

static int build_machine(struct run *r)
{
    unsigned col = 0;
    int e = r->b->start(r->b->ctx, &r->s->machine, r->out, &col, r->msg);
    if (e)
        return run_error(r, e, col, "%s", r->msg[0] ? r->msg : vml_strerror(e));
    if (r->out->len)
        r->shows++; /* notes about the machine were printed */
    return 0;
}

/* The status memory lines of a live process (zeros if the backend cannot give them). */
static void status_now(struct run *r, int pid, struct vml_status_mem *st)
{
    struct vml_text t = { 0 };
    memset(st, 0, sizeof(*st));
    if (r->b->proc_text(r->b->ctx, pid, VML_PROCFILE_STATUS, 0, 0, &t, r->msg) == 0 && t.len)
        vml_proc_parse_status_mem(t.s, t.len, st, NULL);
    vml_text_free(&t);
    r->msg[0] = 0;
}

/* ---- operations ---------------------------------------------------------------------------- */

static int unsupported(struct run *r, const char *what);

static int op_proc(struct run *r)
{
    if (util_grow((void **)&r->procs, &r->cap_procs, r->n_procs, sizeof(*r->procs)))
        return VML_EHOST;
    struct proc_ent *p = &r->procs[r->n_procs];
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", r->op->proc);
    const struct vml_op_numa *o = &r->op->u.numa;
    bool numa = o->has_pol || o->has_cpus || o->cpunodes;
    if (numa && !r->b->spawn_numa)
        return unsupported(r, "a process's NUMA options (membind=, cpunodebind= ...)");
    int e = numa ? r->b->spawn_numa(r->b->ctx, p->name, o, &p->pid, r->msg)
                 : r->b->spawn(r->b->ctx, p->name, &p->pid, r->msg);
    if (e)
        return syscall_error(r, "creating the process", e);
    r->n_procs++;
    status_now(r, p->pid, &p->first);
    return 0;
}

static unsigned prot_of(unsigned scn_prot)
{
    return scn_prot & (VML_PROT_READ | VML_PROT_WRITE | VML_PROT_EXEC);
}

static int op_mmap(struct run *r, struct proc_ent *p)
{
    const struct vml_op_mmap *o = &r->op->u.mmap;
    unsigned flags = o->shared ? VML_MAP_SHARED : VML_MAP_PRIVATE;
    int file = -1;
    if (o->backing == VML_BACKING_ANON) {
        flags |= VML_MAP_ANONYMOUS;
    } else if (o->backing == VML_BACKING_FILE) {
        struct obj_ent *f = find_obj(r, o->object, false);
        if (!f)
            return run_error(r, VML_ENOENT, 0,
                             "no file '%s' (create it with 'file create %s SIZE')", o->object,
                             o->object);
        file = f->id;
    } else {
        /* memfd_create at its first use, ftruncate to cover what is mapped. */
        struct obj_ent *f = find_obj(r, o->object, true);
        uint64_t need = o->offset + ((o->len + PAGE - 1) & ~(PAGE - 1));
        int id = f ? f->id : -1;
        int e = r->b->memfd_get(r->b->ctx, o->object, need, &id, r->msg);
        if (e)
            return syscall_error(r, "memfd_create", e);
        if (!f && add_obj(r, o->object, id, true))
            return VML_EHOST;
        file = id;
    }
    if (o->flags & VML_MMAP_FIXED)
        flags |= VML_MAP_FIXED;
    if (o->flags & VML_MMAP_NOREPLACE)
        flags |= VML_MAP_FIXED_NOREPLACE;
    if (o->flags & VML_MMAP_POPULATE)
        flags |= VML_MAP_POPULATE;
    if (o->flags & VML_MMAP_NORESERVE)
        flags |= VML_MAP_NORESERVE;
    /* MAP_HUGETLB rounds the length up to the huge page size. */
    uint64_t unit = PAGE;
    if (o->huge_shift) {
        flags |= VML_MAP_HUGETLB | (o->huge_shift << VML_MAP_HUGE_SHIFT);
        unit = 1ull << o->huge_shift;
    }
    if (o->len + unit - 1 < o->len)
        return run_error(r, VML_EINVAL, 0, "mmap: %llu bytes do not round up to whole pages",
                         (unsigned long long)o->len);
    uint64_t addr;
    int e = r->b->mmap(r->b->ctx, p->pid, o->addr, o->len, prot_of(o->prot), flags, file, o->offset,
                       &addr, r->msg);
    if (e)
        return syscall_error(r, "mmap", e);
    if (util_grow((void **)&p->maps, &p->cap_maps, p->n_maps, sizeof(*p->maps)))
        return VML_EHOST;
    struct map_ent *m = &p->maps[p->n_maps++];
    snprintf(m->name, sizeof(m->name), "%s", o->map);
    m->start = addr;
    m->len = (o->len + unit - 1) & ~(unit - 1);
    m->live = true;
    return 0;
}

static const char *status_name(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case EFAULT: return "EFAULT";
    case EACCES: return "EACCES";
    case EBUSY: return "EBUSY";
    case ENOMEM: return "ENOMEM";
    default: return "E?";
    }
}

/* move_pages(2) over the range's pages; prints the status array, one value per page: the
 * node, or the errno the kernel stores (-ENOENT, -EFAULT, -EACCES, -EBUSY, -ENOMEM). */
static int op_move_pages(struct run *r, struct proc_ent *p)
{
    const struct vml_op_numa *o = &r->op->u.numa;
    uint64_t s, e;
    int err;
    if (!r->b->move_pages)
        return unsupported(r, "move_pages (page migration)");
    if ((err = resolve(r, p, &o->range, &s, &e)) != 0)
        return err;
    size_t n = (size_t)((e - s) / 4096u);
    if (o->n_nodes > 1 && o->n_nodes != n)
        return run_error(r, VML_EINVAL, 0, "move_pages: nodes= gives %u nodes for %zu pages",
                         o->n_nodes, n);
    uint64_t *addrs = malloc(n * sizeof(*addrs) + 1);
    int *nodes = malloc(n * sizeof(*nodes) + 1), *status = malloc(n * sizeof(*status) + 1);
    if (!addrs || !nodes || !status) {
        free(addrs);
        free(nodes);
        free(status);
        return VML_EHOST;
    }
    for (size_t i = 0; i < n; i++) {
        addrs[i] = s + i * 4096u;
        nodes[i] = o->n_nodes == 1 ? o->nodes[0] : o->n_nodes ? o->nodes[i] : 0;
    }
    err = r->b->move_pages(r->b->ctx, p->pid, n, addrs, o->n_nodes ? nodes : NULL, status, o->mf,
                           r->msg);
    if (err >= 0 || err == VML_ENOMEM) {
        /* The statuses the call stored, "unset" where it stored none (a batch that failed and
         * the pages after it: do_pages_move), and what it returned when not 0. */
        text_printf(r->out, "%smove_pages %s:", r->shows++ ? "\n" : "", o->range.name);
        for (size_t i = 0; i < n; i++)
            if (status[i] == VML_MOVE_PAGES_UNSET)
                text_printf(r->out, " unset");
            else if (status[i] < 0)
                text_printf(r->out, " -%s", status_name(-status[i]));
            else
                text_printf(r->out, " %d", status[i]);
        if (err > 0)
            text_printf(r->out, " (returned %d: pages not moved)", err);
        else if (err == VML_ENOMEM)
            text_printf(r->out, " (failed: ENOMEM)");
        text_printf(r->out, "\n");
        int st = text_status(r->out);
        if (st || err > 0)
            err = st;
    }
    free(addrs);
    free(nodes);
    free(status);
    if (err == VML_ENOTSUP && r->msg[0])
        return run_error(r, err, 0, "move_pages: %s", r->msg);
    if (err == VML_ENOMEM)
        return run_error(r, err, 0,
                         "move_pages failed: ENOMEM (a page of a batch found no free page on its "
                         "node: the batch's pages before it moved, the rest were not tried)");
    return err && err != VML_EHOST ? syscall_error(r, "move_pages", err) : err;
}

/* set_mempolicy, mbind, sched_setaffinity, migrate_pages, move_pages. */
static int op_numa(struct run *r, struct proc_ent *p)
{
    const struct vml_op *op = r->op;
    const char *what = vml_op_kind_name(op->kind);
    int err;
    if (op->kind == VML_OP_SET_MEMPOLICY) {
        if (!r->b->set_mempolicy)
            return unsupported(r, what);
        err = r->b->set_mempolicy(r->b->ctx, p->pid, &op->u.numa.pol, r->msg);
    } else if (op->kind == VML_OP_AFFINITY) {
        if (!r->b->set_affinity)
            return unsupported(r, what);
        err = r->b->set_affinity(r->b->ctx, p->pid, op->u.numa.cpus, r->msg);
    } else if (op->kind == VML_OP_MIGRATE_PAGES) {
        uint64_t left = 0;
        if (!r->b->migrate_pages)
            return unsupported(r, what);
        err = r->b->migrate_pages(r->b->ctx, p->pid, op->u.numa.from, op->u.numa.to, &left, r->msg);
    } else if (op->kind == VML_OP_MOVE_PAGES) {
        return op_move_pages(r, p);
    } else {
        uint64_t s, e;
        if (op->u.numa.mf ? !r->b->mbind_move : !r->b->mbind)
            return unsupported(r,
                               op->u.numa.mf ? "mbind with MPOL_MF_MOVE (page migration)" : what);
        if ((err = resolve(r, p, &op->u.numa.range, &s, &e)) != 0)
            return err;
        err = op->u.numa.mf ? r->b->mbind_move(r->b->ctx, p->pid, s, e - s, &op->u.numa.pol,
                                               op->u.numa.mf, r->msg)
                            : r->b->mbind(r->b->ctx, p->pid, s, e - s, &op->u.numa.pol, r->msg);
    }
    if (err == VML_ENOTSUP && r->msg[0])
        return run_error(r, err, 0, "%s: %s", what, r->msg);
    return err ? syscall_error(r, what, err) : 0;
}

static int op_range_call(struct run *r, struct proc_ent *p)
{
    const struct vml_op *op = r->op;
    const struct vml_range *rg = op->kind == VML_OP_MPROTECT  ? &op->u.mprotect.range
                                 : op->kind == VML_OP_MADVISE ? &op->u.madvise.range
                                                              : &op->u.range;
    uint64_t s, e;
    int err = resolve(r, p, rg, &s, &e);
    if (err)
        return err;
    switch (op->kind) {
    case VML_OP_MUNMAP:
        err = r->b->munmap(r->b->ctx, p->pid, s, e - s, r->msg);
        if (err == 0 && !rg->has_start && !rg->has_end)
            find_map(p, rg->name)->live = false; /* the bare name is free again */
        break;
    case VML_OP_MPROTECT:
        err = r->b->mprotect(r->b->ctx, p->pid, s, e - s, prot_of(op->u.mprotect.prot), r->msg);
        break;
    case VML_OP_MADVISE: {
        static const int madv[VML_NR_ADVICE] = {
            [VML_ADV_DONTNEED] = VML_MADV_DONTNEED,
            [VML_ADV_HUGEPAGE] = VML_MADV_HUGEPAGE,
            [VML_ADV_NOHUGEPAGE] = VML_MADV_NOHUGEPAGE,
            [VML_ADV_COLLAPSE] = VML_MADV_COLLAPSE,
            [VML_ADV_COLD] = VML_MADV_COLD,
            [VML_ADV_PAGEOUT] = VML_MADV_PAGEOUT,
        };
        err = r->b->madvise(r->b->ctx, p->pid, s, e - s, madv[op->u.madvise.advice], r->msg);
        if (err) {
            char what[32];
            snprintf(what, sizeof(what), "madvise %s", vml_advice_name(op->u.madvise.advice));
            return syscall_error(r, what, err);
        }
        break;
    }
    case VML_OP_MLOCK: err = r->b->mlock(r->b->ctx, p->pid, s, e - s, true, r->msg); break;
    case VML_OP_MSYNC: err = r->b->msync(r->b->ctx, p->pid, s, e - s, r->msg); break;
    default: err = r->b->mlock(r->b->ctx, p->pid, s, e - s, false, r->msg); break;
    }
    if (err)
        return syscall_error(r, vml_op_kind_name(op->kind), err);
    return 0;
}

/* Opens a replay's trace: a generator (spread over the range with in MAP unless the spec says
 * otherwise), or a file, relative to the scenario's directory. */
/* A trace that cannot be opened or read: the replay statement's place (run_error) and the
 * trace's own, d->file:line:col, or d->file alone when the format has no lines (native and
 * ChampSim messages name the byte offset or record). d->file borrows the reader's name: call
 * this before vml_trace_close. */
static int trace_error(struct run *r, int err, const struct vml_diag *d)
{
    if (d->file && d->line)
        return run_error(r, err, 0, "replay: %s:%u:%u: %s", d->file, d->line, d->col, d->msg);
    if (d->file)
        return run_error(r, err, 0, "replay: %s: %s", d->file, d->msg);
    return run_error(r, err, 0, "replay: %s", d->msg);
}

static int open_trace(struct run *r, uint64_t start, uint64_t end, struct vml_trace_reader **rd)
{
    const struct vml_op *op = r->op;
    const char *t = op->u.replay.trace;
    struct vml_diag d = { 0 };
    /* Out here, not in the file branch: an open error's d.file points into it, and
     * trace_error reads it after that branch. */
    char path[2 * VML_SCN_WORD_MAX];
    int e;
    if (strncmp(t, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(t + 4, &g, &d)) != 0)
            return run_error(r, e, 0, "replay %s: %s", t, d.msg);
        if (op->u.replay.has_range) {
            if (!strstr(t, "base="))
                g.base = 0;
            if (!strstr(t, "footprint="))
                g.footprint = end - start;
        }
        e = vml_trace_open_gen(&g, rd, &d);
    } else {
        const char *file = r->s->file, *slash = file ? strrchr(file, '/') : NULL;
        if (t[0] != '/' && strcmp(t, "-") != 0 && slash)
            snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - file), file, t);
        else
            snprintf(path, sizeof(path), "%s", t);
        e = vml_trace_open(path, op->u.replay.format, rd, &d);
    }
    return e ? trace_error(r, e, &d) : 0;
}

/* Reports a process killed by an access (touch, replay). */
static void report_kill(struct run *r, struct proc_ent *p, const struct vml_sim_access *a)
{
    p->gone = true;
    const char *sig = a->si_code == VML_BUS_ADRERR    ? "SIGBUS (BUS_ADRERR)"
                      : a->si_code == VML_SEGV_MAPERR ? "SIGSEGV (SEGV_MAPERR)"
                      : a->si_code == VML_SEGV_ACCERR ? "SIGSEGV (SEGV_ACCERR)"
                                                      : "SIGSEGV (SI_KERNEL: general "
                                                        "protection, not canonical)";
    text_printf(r->out, "%s%s:%u: %s (pid %d) killed by %s at %#llx\n", r->shows ? "\n" : "",
                r->s->file ? r->s->file : "<scenario>", r->op->line, p->name, p->pid, sig,
                (unsigned long long)a->addr);
    r->shows++;
}

static int op_replay(struct run *r, struct proc_ent *p)
{
    const struct vml_op *op = r->op;
    uint64_t start = 0, end = 0;
    int err;
    if (op->u.replay.has_range && (err = resolve(r, p, &op->u.replay.range, &start, &end)))
        return err;
    struct vml_trace_reader *rd;
    if ((err = open_trace(r, start, end, &rd)) != 0)
        return err;
    if ((err = r->b->replay_begin(r->b->ctx, p->pid, r->msg)) != 0) {
        vml_trace_close(rd);
        return syscall_error(r, "replay", err);
    }
    enum { BATCH = 4096 };
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    uint64_t left = op->u.replay.limit ? op->u.replay.limit : UINT64_MAX, made = 0;
    struct vml_sim_access a = { 0 };
    struct vml_diag d = { 0 };
    long n = 0;
    while (buf && left && !a.killed) {
        n = vml_trace_read(rd, buf, left < BATCH ? (size_t)left : BATCH, &d);
        if (n <= 0)
            break;
        if (op->u.replay.has_range)
            for (long i = 0; i < n; i++)
                buf[i].addr += start;
        size_t done = 0;
        err = r->b->replay_feed(r->b->ctx, buf, (size_t)n, &done, &a, r->msg);
        made += done;
        left -= (uint64_t)n;
        if (err)
            break;
    }
    bool no_buf = !buf;
    free(buf);
    int read_err = !no_buf && !err && n < 0 ? trace_error(r, (int)n, &d) : 0;
    vml_trace_close(rd); /* after trace_error: d.file is the reader's name */
    struct vml_text rep = { 0 };
    r->b->replay_end(r->b->ctx, &rep);
    if (no_buf)
        err = VML_EHOST;
    if (read_err)
        err = read_err;
    else if (err == VML_ENOMEM)
        err = run_error(r, err, 0,
                        "replay: simulated memory is exhausted after %llu record%s: an allocation "
                        "failed that reclaim and the OOM killer could not serve: give the "
                        "machine more ram= or swap=",
                        (unsigned long long)made, made == 1 ? "" : "s");
    else if (err)
        err = syscall_error(r, "replay", err);
    if (!err) {
        text_printf(r->out, "%sreplay %s by %s: %llu record%s\n%s", r->shows ? "\n" : "",
                    op->u.replay.trace, p->name, (unsigned long long)made, made == 1 ? "" : "s",
                    rep.s ? rep.s : "");
        r->shows++;
        if (a.killed && a.si_code != VML_SI_OOM) /* an OOM kill is told by oom_aftermath */
            report_kill(r, p, &a);
    }
    vml_text_free(&rep);
    return err ? err : text_status(r->out);
}

static int op_touch(struct run *r, struct proc_ent *p)
{
    const struct vml_op *op = r->op;
    uint64_t s, e;
    int err = resolve(r, p, &op->u.touch.range, &s, &e);
    if (err)
        return err;
    uint64_t stride = op->u.touch.stride;
    if (op->u.touch.count) {
        uint64_t n = (e - s + stride - 1) / stride;
        if (op->u.touch.count < n)
            e = s + (op->u.touch.count - 1) * stride + 1;
    }
    struct vml_sim_access a;
    err = r->b->touch(r->b->ctx, p->pid, s, e, stride, op->u.touch.access, &a, r->msg);
    if (err == VML_ENOMEM && !r->msg[0])
        return run_error(r, err, 0,
                         "touch: simulated memory is exhausted after %llu accesses: an allocation "
                         "failed that reclaim and the OOM killer could not serve: give the "
                         "machine more ram= or swap=",
                         (unsigned long long)a.accesses);
    if (err)
        return syscall_error(r, "touch", err);
    if (a.killed && a.si_code != VML_SI_OOM) /* an OOM kill is told by oom_aftermath */
        report_kill(r, p, &a);
    return 0;
}

static int op_fork(struct run *r, struct proc_ent *p)
{
    int child;
    int e = r->b->fork(r->b->ctx, p->pid, r->op->u.fork.child, &child, r->msg);
    if (e)
        return syscall_error(r, "fork", e);
    if (util_grow((void **)&r->procs, &r->cap_procs, r->n_procs, sizeof(*r->procs)))
        return VML_EHOST;
    p = find_proc(r, r->op->proc); /* the array may have moved */
    struct proc_ent *c = &r->procs[r->n_procs];
    memset(c, 0, sizeof(*c));
    snprintf(c->name, sizeof(c->name), "%s", r->op->u.fork.child);
    c->pid = child;
    status_now(r, child, &c->first);
    if (p->n_maps) {
        c->maps = malloc(p->n_maps * sizeof(*c->maps));
        if (!c->maps)
            return VML_EHOST;
        memcpy(c->maps, p->maps, p->n_maps * sizeof(*c->maps));
        c->n_maps = c->cap_maps = p->n_maps;
    }
    r->n_procs++;
    return 0;
}

static int op_brk(struct run *r, struct proc_ent *p)
{
    uint64_t b = r->op->u.brk.bytes, now;
    if (b > INT64_MAX)
        return run_error(r, VML_EINVAL, 0, "brk: %llu bytes is too large a step",
                         (unsigned long long)b);
    int64_t delta = r->op->u.brk.shrink ? -(int64_t)b : (int64_t)b;
    int e = r->b->brk(r->b->ctx, p->pid, delta, &now, r->msg);
    if (e == VML_ENOMEM && !r->msg[0])
        return run_error(r, e, 0,
                         "brk refused (the heap would run into a mapping or below its start); "
                         "the break stays at %#llx",
                         (unsigned long long)now);
    if (e)
        return syscall_error(r, "brk", e);
    return 0;
}

static int op_file_io(struct run *r, struct proc_ent *p)
{
    const struct vml_range *rg = &r->op->u.io.range;
    struct obj_ent *f = find_obj(r, rg->name, false);
    if (!f)
        return run_error(r, VML_ENOENT, rg->col, "no file '%s'", rg->name);
    uint64_t size = r->b->file_size(r->b->ctx, f->id);
    uint64_t s = rg->has_start ? rg->start : 0, e = rg->has_end ? rg->end : size;
    bool write = r->op->kind == VML_OP_WRITE;
    if (s >= e || (!write && e > size))
        return run_error(
            r, VML_EINVAL, rg->col, "range [%#llx:%#llx] is outside file '%s' (%llu bytes)",
            (unsigned long long)s, (unsigned long long)e, rg->name, (unsigned long long)size);
    int err = r->b->file_io(r->b->ctx, p->pid, f->id, s, e - s, r->op->u.io.chunk, write, r->msg);
    if (err)
        return syscall_error(r, write ? "write" : "read", err);
    return 0;
}

static int op_fsync(struct run *r, struct proc_ent *p)
{
    const struct vml_range *rg = &r->op->u.range;
    struct obj_ent *f = find_obj(r, rg->name, false);
    if (!f)
        return run_error(r, VML_ENOENT, rg->col, "no file '%s'", rg->name);
    int err = r->b->fsync(r->b->ctx, p->pid, f->id, r->msg);
    return err ? syscall_error(r, "fsync", err) : 0;
}

/* P fdatasync FILE. */
static int op_fdatasync(struct run *r, struct proc_ent *p)
{
    const struct vml_range *rg = &r->op->u.range;
    struct obj_ent *f = find_obj(r, rg->name, false);
    if (!f)
        return run_error(r, VML_ENOENT, rg->col, "no file '%s'", rg->name);
    if (!r->b->fdatasync)
        return run_error(r, VML_EINVAL, 0, "fdatasync is not supported on the %s backend",
                         r->b->name);
    int err = r->b->fdatasync(r->b->ctx, p->pid, f->id, r->msg);
    return err ? syscall_error(r, "fdatasync", err) : 0;
}

/* P fadvise FILE[START:END] dontneed: the bounds are bytes of the file; no end is the file's
 * end (len 0, as posix_fadvise takes it). */
static int op_fadvise(struct run *r, struct proc_ent *p)
{
    const struct vml_range *rg = &r->op->u.range;
    struct obj_ent *f = find_obj(r, rg->name, false);
    if (!f)
        return run_error(r, VML_ENOENT, rg->col, "no file '%s'", rg->name);
    if (!r->b->fadvise_dontneed)
        return run_error(r, VML_EINVAL, 0, "fadvise is not supported on the %s backend",
                         r->b->name);
    uint64_t s = rg->has_start ? rg->start : 0, len = rg->has_end ? rg->end - s : 0;
    if (rg->has_end && rg->end <= s)
        return run_error(r, VML_EINVAL, rg->col, "range [%#llx:%#llx] of '%s' is empty",
                         (unsigned long long)s, (unsigned long long)rg->end, rg->name);
    int err = r->b->fadvise_dontneed(r->b->ctx, p->pid, f->id, s, len, r->msg);
    return err ? syscall_error(r, "fadvise", err) : 0;
}

/* P truncate FILE SIZE. */
static int op_truncate(struct run *r, struct proc_ent *p)
{
    const char *name = r->op->u.file.name;
    struct obj_ent *f = find_obj(r, name, false);
    if (!f)
        return run_error(r, VML_ENOENT, 0, "no file '%s'", name);
    if (!r->b->truncate)
        return run_error(r, VML_EINVAL, 0, "truncate is not supported on the %s backend",
                         r->b->name);
    int err = r->b->truncate(r->b->ctx, p->pid, f->id, r->op->u.file.size, r->msg);
    return err ? syscall_error(r, "truncate", err) : 0;
}

/* P fallocate FILE[START:END] [keep_size|punch_hole]: no start is 0, no end the file's size
 * now (an empty range is EINVAL, as fallocate(2) says of a length of 0). */
static int op_fallocate(struct run *r, struct proc_ent *p)
{
    const struct vml_range *rg = &r->op->u.fallocate.range;
    struct obj_ent *f = find_obj(r, rg->name, false);
    if (!f)
        return run_error(r, VML_ENOENT, rg->col, "no file '%s'", rg->name);
    if (!r->b->fallocate)
        return run_error(r, VML_EINVAL, 0, "fallocate is not supported on the %s backend",
                         r->b->name);
    uint64_t s = rg->has_start ? rg->start : 0;
    uint64_t e = rg->has_end ? rg->end : r->b->file_size(r->b->ctx, f->id);
    if (e <= s)
        return run_error(r, VML_EINVAL, rg->col,
                         "range [%#llx:%#llx] of '%s' is empty (fallocate needs a length; the "
                         "file is %llu bytes)",
                         (unsigned long long)s, (unsigned long long)e, rg->name,
                         (unsigned long long)r->b->file_size(r->b->ctx, f->id));
    static const unsigned modes[VML_NR_FALLOC_MODES] = {
        [VML_FALLOC_ALLOCATE] = 0,
        [VML_FALLOC_KEEP_SIZE] = VML_SIM_FALLOC_KEEP_SIZE,
        [VML_FALLOC_PUNCH_HOLE] = VML_SIM_FALLOC_PUNCH_HOLE | VML_SIM_FALLOC_KEEP_SIZE,
    };
    int err =
        r->b->fallocate(r->b->ctx, p->pid, f->id, s, e - s, modes[r->op->u.fallocate.mode], r->msg);
    return err ? syscall_error(r, "fallocate", err) : 0;
}

static int op_file(struct run *r)
{
    const char *name = r->op->u.file.name;
    if (r->op->kind == VML_OP_FILE_CREATE) {
        int id, e = r->b->file_create(r->b->ctx, name, r->op->u.file.size, &id, r->msg);
        if (e)
            return syscall_error(r, "file create", e);
        return add_obj(r, name, id, false);
    }
    struct obj_ent *f = find_obj(r, name, false);
    if (!f)
        return run_error(r, VML_ENOENT, 0, "no file '%s'", name);
    int e = r->b->file_delete(r->b->ctx, f->id, r->msg);
    if (e)
        return syscall_error(r, "file delete", e);
    f->live = false;
    return 0;
}

/* The text of a file for show and expect: the process's (its live entry in *p) or the
 * system's, limited to a mapping's VMAs when map is not empty. */
static int unsupported(struct run *r, const char *what);

/* A cgroup file's text (show cgroup, expect cgroup). */
static int cgroup_text(struct run *r, enum vml_procfile pf, const char *cg, const char *file,
                       struct vml_text *t)
{
    if (!r->b->cgroup_text)
        return unsupported(r, "cgroup");
    int err = r->b->cgroup_text(r->b->ctx, cg, file, pf == VML_PROCFILE_CGROUP1, t, r->msg);
    if (err && r->msg[0])
        return run_error(r, err, 0, "%s", r->msg);
    return err ? run_error(r, err, 0, "reading %s: %s", file, vml_strerror(err)) : 0;
}

/* The path a cgroup file has: /sys/fs/cgroup/PATH/FILE, or v1's under memory/. */
static void cgroup_file_path(enum vml_procfile pf, const char *cg, const char *file, char *buf,
                             size_t n)
{
    snprintf(buf, n, "%s%s%s%s%s", VML_CGROUP_DIR, pf == VML_PROCFILE_CGROUP1 ? "memory/" : "", cg,
             cg[0] ? "/" : "", file);
}

static int file_text(struct run *r, enum vml_procfile pf, const char *map, struct vml_text *t,
                     int *pid_out)
{
    int pid = 0;
    uint64_t s = 0, e = 0;
    if (r->op->proc[0]) {
        struct proc_ent *p;
        int err = live_proc(r, &p);
        if (err)
            return err;
        pid = p->pid;
        if (map && map[0]) {
            struct map_ent *m = find_map(p, map);
            if (!m)
                return run_error(r, VML_ENOENT, 0, "process '%s' has no mapping '%s'", p->name,
                                 map);
            s = m->start;
            e = m->start + m->len;
        }
    }
    *pid_out = pid;
    int err;
    if (pf == VML_PROCFILE_NODE) {
        unsigned node = r->op->kind == VML_OP_SHOW ? r->op->u.show.node : r->op->u.expect.node;
        unsigned nf =
            r->op->kind == VML_OP_SHOW ? r->op->u.show.nodefile : r->op->u.expect.nodefile;
        if (!r->b->node_text)
            return unsupported(r, "the node files");
        err = r->b->node_text(r->b->ctx, node, nf, t, r->msg);
    } else {
        err = r->b->proc_text(r->b->ctx, pid, pf, s, e, t, r->msg);
    }
    if (err && r->msg[0])
        return run_error(r, err, 0, "%s", r->msg);
    return err ? run_error(r, err, 0, "reading %s: %s", vml_procfile_name(pf), vml_strerror(err))
               : 0;
}

/* A backend call the backend does not have. */
static int unsupported(struct run *r, const char *what)
{
    return run_error(r, VML_EINVAL, 0, "%s is not supported on the %s backend", what, r->b->name);
}

/* Output a backend gave between operations (a note), set apart like a show. */
static int put_note(struct run *r, const struct vml_text *t)
{
    if (!t->len)
        return 0;
    text_printf(r->out, "%s", r->shows++ ? "\n" : "");
    text_append(r->out, t->s, t->len);
    return text_status(r->out);
}

/* set PATH VALUE. The value was checked when the scenario was parsed; what remains is the
 * backend's: the simulator refuses what it does not model yet, the kernel what it refuses. */
static int op_set(struct run *r)
{
    const struct vml_op *op = r->op;
    if (!r->b->set)
        return unsupported(r, "set");
    struct vml_text note = { 0 };
    int e = r->b->set(r->b->ctx, op->u.set.path, op->u.set.value, &note, r->msg);
    int ne = e ? 0 : put_note(r, &note);
    vml_text_free(&note);
    if (e)
        return run_error(r, e, op->u.set.value_col, "set failed: %s",
                         r->msg[0] ? r->msg : vml_strerror(e));
    return ne;
}

/* A shown text kept for vmlab diff (show thp, show vm, show memory_tiering), when the run
 * records a snapshot. */
static int snap_text(struct run *r, const struct vml_text *t, bool vm, bool tiering)
{
    struct vml_snapshot *sn = r->snap;
    if (!sn)
        return 0;
    char *copy = malloc(t->len + 1);
    struct vml_snap_text *v = realloc(sn->thp, (sn->n_thp + 1) * sizeof(*v));
    if (v)
        sn->thp = v;
    if (!copy || !v) {
        free(copy);
        return VML_EHOST;
    }
    memcpy(copy, t->s ? t->s : "", t->len);
    copy[t->len] = 0;
    sn->thp[sn->n_thp++] = (struct vml_snap_text){ r->op->line, copy, vm, tiering };
    return 0;
}

/* show thp and show vm: the files under a header naming the directory, as grep -r prints them; kept
 * for vmlab diff, which compares what each side's settings were at that line. */
static int op_show_settings(struct run *r, bool vm)
{
    int (*text)(void *, struct vml_text *, char *) = vm ? r->b->vm_text : r->b->thp_text;
    if (!text)
        return unsupported(r, vm ? "show vm" : "show thp");
    struct vml_text t = { 0 };
    int e = text(r->b->ctx, &t, r->msg);
    if (e) {
        vml_text_free(&t);
        return run_error(r, e, 0, "reading the %s settings: %s", vm ? "/proc/sys/vm" : "THP",
                         r->msg[0] ? r->msg : vml_strerror(e));
    }
    text_printf(r->out, "%s== %s ==\n", r->shows++ ? "\n" : "",
                vm ? VML_VM_SYSCTL_DIR : VML_THP_SYSFS_DIR);
    if (t.len)
        text_append(r->out, t.s, t.len);
    e = text_status(r->out);
    if (e == 0)
        e = snap_text(r, &t, vm, false);
    vml_text_free(&t);
    return e;
}

/* wait DURATION: time passes; the kernel's periodic work goes on meanwhile. */
static int op_wait(struct run *r)
{
    if (!r->b->wait)
        return unsupported(r, "wait");
    int e = r->b->wait(r->b->ctx, r->op->u.wait.ns, r->msg);
    if (e)
        return run_error(r, e, 0, "wait failed: %s", r->msg[0] ? r->msg : vml_strerror(e));
    return 0;
}

/* swapon NAME SIZE [prio=N], swapoff NAME: the parser checked that the name is off, or on. */
static int op_swap(struct run *r)
{
    const struct vml_op *op = r->op;
    bool on = op->kind == VML_OP_SWAPON;
    if (on ? !r->b->swapon : !r->b->swapoff)
        return unsupported(r, on ? "swapon" : "swapoff");
    int e = on ? r->b->swapon(r->b->ctx, op->u.swap.name, op->u.swap.size, op->u.swap.prio,
                              op->u.swap.partition, r->msg)
               : r->b->swapoff(r->b->ctx, op->u.swap.name, r->msg);
    return e ? syscall_error(r, on ? "swapon" : "swapoff", e) : 0;
}

static int op_prctl(struct run *r, struct proc_ent *p)
{
    if (!r->b->thp_disable)
        return unsupported(r, "prctl thp_disable");
    int e = r->b->thp_disable(r->b->ctx, p->pid, r->op->u.prctl.on, r->msg);
    return e ? syscall_error(r, "prctl", e) : 0;
}

/* The lines of t whose name (up to ':' or a blank) is one of show's fields, in t's order; an
 * error naming the first field no line has. */
/* Past "Node N " at the start of a line of nodeN/meminfo (node_read_meminfo), else s. */
static const char *skip_node_prefix(const char *s, const char *eol)
{
    if (eol - s < 7 || memcmp(s, "Node ", 5) != 0 || s[5] < '0' || s[5] > '9')
        return s;
    const char *p = s + 5;
    while (p < eol && *p >= '0' && *p <= '9')
        p++;
    return p < eol && *p == ' ' ? p + 1 : s;
}

static int pick_fields(struct run *r, const struct vml_text *t, struct vml_text *out)
{
    bool seen[VML_SCN_SHOW_FIELDS] = { false };
    const char *s = t->s ? t->s : "", *end = s + t->len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *eol = nl ? nl + 1 : end;
        const char *key = skip_node_prefix(s, eol);
        size_t k = 0;
        while (key + k < eol && key[k] != ':' && key[k] != ' ' && key[k] != '\t' && key[k] != '\n')
            k++;
        for (unsigned i = 0; i < r->op->u.show.nfields; i++) {
            if (strlen(r->op->u.show.fields[i]) == k &&
                memcmp(r->op->u.show.fields[i], key, k) == 0) {
                seen[i] = true;
                text_append(out, s, (size_t)(eol - s));
                break;
            }
        }
        s = eol;
    }
    for (unsigned i = 0; i < r->op->u.show.nfields; i++)
        if (!seen[i])
            return run_error(r, VML_EINVAL, r->op->u.show.field_cols[i],
                             "show: %s has no field '%s' (write it as the file prints it)",
                             r->op->u.show.cgfile[0] ? r->op->u.show.cgfile
                                                     : vml_procfile_name(r->op->u.show.file),
                             r->op->u.show.fields[i]);
    return text_status(out);
}

static int op_show(struct run *r)
{
    struct vml_text t = { 0 };
    int pid = 0;
    const char *map = r->op->u.show.map;
    enum vml_procfile pf = r->op->u.show.file;
    bool cg = pf == VML_PROCFILE_CGROUP || pf == VML_PROCFILE_CGROUP1;
    int err = cg ? cgroup_text(r, pf, r->op->u.show.cgroup, r->op->u.show.cgfile, &t)
                 : file_text(r, pf, map, &t, &pid);
    if (err == 0 && r->op->u.show.nfields) {
        struct vml_text picked = { 0 };
        err = pick_fields(r, &t, &picked);
        vml_text_free(&t);
        t = picked;
        if (err)
            vml_text_free(&t);
    }
    if (err == 0) {
        char path[VML_SCN_FILE_MAX + VML_SCN_FIELD_MAX + 32];
        if (cg)
            cgroup_file_path(pf, r->op->u.show.cgroup, r->op->u.show.cgfile, path, sizeof(path));
        else if (r->op->u.show.file == VML_PROCFILE_FAULTS ||
                 r->op->u.show.file == VML_PROCFILE_LATENCY) /* vmlab's own, not kernel files */
            snprintf(path, sizeof(path), "%s of %d", vml_procfile_name(r->op->u.show.file), pid);
        else if (r->op->u.show.file == VML_PROCFILE_DMESG) /* not a /proc file: the log */
            snprintf(path, sizeof(path), "kernel log (dmesg)");
        else if (r->op->u.show.file == VML_PROCFILE_NUMA) /* a command's output */
            snprintf(path, sizeof(path), "numactl --hardware");
        else if (r->op->u.show.file == VML_PROCFILE_NUMASTAT)
            snprintf(path, sizeof(path), "numastat");
        else if (r->op->u.show.file == VML_PROCFILE_MEMORY_TIERING) /* two sysfs trees */
            snprintf(path, sizeof(path), "%s and %sdemotion_enabled", VML_MEMTIER_DIR,
                     VML_NUMA_SYSFS_DIR);
        else if (r->op->u.show.file == VML_PROCFILE_NODE)
            snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/%s", r->op->u.show.node,
                     vml_node_file_name((enum vml_node_file)r->op->u.show.nodefile));
        else if (pid)
            snprintf(path, sizeof(path), "/proc/%d/%s", pid, vml_procfile_name(r->op->u.show.file));
        else
            snprintf(path, sizeof(path), "/proc/%s", vml_procfile_name(r->op->u.show.file));
        text_printf(r->out, "%s== %s%s%s%s%s%s ==\n", r->shows++ ? "\n" : "", path, pid ? " (" : "",
                    pid ? r->op->proc : "", map[0] ? ", " : "", map, pid ? ")" : "");
        if (t.len)
            text_append(r->out, t.s, t.len);
        err = text_status(r->out);
        /* The tiers as the kernel's sysfs shows them, for vmlab diff (compare_tiering). */
        if (err == 0 && pf == VML_PROCFILE_MEMORY_TIERING && !r->op->u.show.nfields)
            err = snap_text(r, &t, false, true);
    }
    vml_text_free(&t);
    return err;
}

/* A field's value as printed, and whether the file prints it in kB. Sums every occurrence
 * (smaps blocks of a split mapping). */
static int find_field(const char *text, size_t len, enum vml_procfile f, const char *field,
                      uint64_t *value, bool *kb)
{
    static const char *statm_names[] = {
        "size", "resident", "shared", "text", "lib", "data", "dt"
    };
    if (f == VML_PROCFILE_OOM_SCORE) { /* one number, named by the file */
        if (strcmp(field, "oom_score") != 0 || len == 0 || text[0] < '0' || text[0] > '9')
            return VML_ENOENT;
        *value = strtoull(text, NULL, 10);
        *kb = false;
        return 0;
    }
    if (f == VML_PROCFILE_STATM) {
        for (size_t i = 0; i < 7; i++) {
            if (strcmp(field, statm_names[i]) != 0)
                continue;
            const char *p = text;
            for (size_t k = 0; k < i && p; k++) {
                p = memchr(p, ' ', len - (size_t)(p - text));
                p = p ? p + 1 : NULL;
            }
            if (!p)
                return VML_ENOENT;
            *value = strtoull(p, NULL, 10);
            *kb = false;
            return 0;
        }
        return VML_ENOENT;
    }
    size_t flen = strlen(field);
    bool found = false;
    *value = 0;
    *kb = false;
    if (f == VML_PROCFILE_NUMA_MAPS) {
        /* show_numa_map's page counts, " KEY=N", summed over the VMAs; it prints a count only
         * when it is not 0 (N<node>= only for nodes holding pages), so a count it does not
         * print is 0. */
        static const char *const counts[] = { "anon",   "dirty",     "mapped",
                                              "active", "swapcache", "writeback" };
        bool known = field[0] == 'N' && field[1] >= '0' && field[1] <= '9' &&
                     strspn(field + 1, "0123456789") == flen - 1;
        for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
            known = known || strcmp(field, counts[i]) == 0;
        if (!known)
            return VML_ENOENT;
        for (const char *p = text; p + flen + 1 < text + len; p++)
            if (*p == ' ' && memcmp(p + 1, field, flen) == 0 && p[flen + 1] == '=')
                *value += strtoull(p + flen + 2, NULL, 10);
        return 0;
    }
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', len - (size_t)(line - text));
        const char *end = nl ? nl : text + len;
        char sep = f == VML_PROCFILE_VMSTAT || f == VML_PROCFILE_ZONEINFO ? ' ' : ':';
        const char *next = end + 1;
        if (f == VML_PROCFILE_NODE || f == VML_PROCFILE_NUMASTAT) {
            /* nodeN/meminfo's "Node N Key: value", nodeN/numastat's and vmstat's "key value";
             * numastat's table: a row's values summed over the nodes. */
            const char *k = skip_node_prefix(line, end);
            sep = k != line ? ':' : ' ';
            if ((size_t)(end - k) > flen && memcmp(k, field, flen) == 0 && k[flen] == sep) {
                for (const char *q = k + flen + 1; q < end;) {
                    while (q < end && *q == ' ')
                        q++;
                    if (q >= end || *q < '0' || *q > '9')
                        break;
                    char *stop;
                    *value += strtoull(q, &stop, 10);
                    found = true;
                    q = stop;
                    if (f != VML_PROCFILE_NUMASTAT)
                        break;
                }
                *kb = end - k >= 3 && memcmp(end - 3, " kB", 3) == 0;
            }
            line = next;
            continue;
        }
        if (f == VML_PROCFILE_ZONEINFO) /* indented "name value" lines: summed over zones */
            while (line < end && *line == ' ')
                line++;
        if ((size_t)(end - line) > flen && memcmp(line, field, flen) == 0 && line[flen] == sep) {
            const char *p = line + flen + 1;
            while (p < end && (*p == ' ' || *p == '\t'))
                p++;
            if (p < end && *p >= '0' && *p <= '9') {
                *value += strtoull(p, NULL, 10);
                found = true;
                *kb = end - line >= 3 && memcmp(end - 3, " kB", 3) == 0;
            }
        }
        line = next;
    }
    return found ? 0 : VML_ENOENT;
}

/* Whether a field without a unit counts pages (statm, vmstat nr_*): sizes may be compared. */
static bool counts_pages(enum vml_procfile f, const char *field)
{
    return f == VML_PROCFILE_STATM || (f == VML_PROCFILE_VMSTAT && strncmp(field, "nr_", 3) == 0);
}

/* Whether a field is printed in nanoseconds: every time of `latency`, the _ns lines of
 * `faults`. */
static bool time_field(enum vml_procfile f, const char *field)
{
    size_t n = strlen(field);
    return (f == VML_PROCFILE_LATENCY && strcmp(field, "Accesses") != 0 &&
            strcmp(field, "Major_faults") != 0 && strcmp(field, "Local_accesses") != 0 &&
            strcmp(field, "Remote_accesses") != 0 && strcmp(field, "Local_walk_reads") != 0 &&
            strcmp(field, "Remote_walk_reads") != 0) ||
           (f == VML_PROCFILE_FAULTS && n > 3 && strcmp(field + n - 3, "_ns") == 0);
}

static void fmt_value(char *buf, size_t n, uint64_t v, bool kb, const char *unit)
{
    if (unit)
        snprintf(buf, n, "%llu %s", (unsigned long long)v, unit);
    else
        snprintf(buf, n, "%llu%s", (unsigned long long)v, kb ? " kB" : "");
}

static const enum vml_procfile newborn_files[3] = { VML_PROCFILE_STATUS, VML_PROCFILE_STATM,
                                                    VML_PROCFILE_SMAPS_ROLLUP };

/* A new process on the simulator is not empty: it has the stack a freshly exec'd program has
 * (VmSize, VmStk, statm's size and data count it). A backend whose process starts with memory
 * of its own puts that in place of such a stack, so the scenario's figure there is what the
 * newborn has plus the change since creation. Read from a small simulated machine before the
 * run starts (nothing of it can then show up in the real machine's measurements). */
static int take_newborn(struct run *r)
{
    struct vml_backend sb;
    int e = vml_backend_sim(&sb);
    if (e)
        return e;
    struct vml_machine_cfg m;
    memset(&m, 0, sizeof(m));
    m.ram_bytes = 64ull << 20;
    m.nr_nodes = 1;
    m.nr_cpus = 1;
    m.paging_levels = 4; /* the stack is the same size under either */
    vml_thp_defaults(&m.thp);
    struct vml_text notes = { 0 };
    char msg[VML_BACKEND_MSG] = "";
    int pid;
    unsigned col = 0;
    e = sb.start(sb.ctx, &m, &notes, &col, msg);
    if (e == 0)
        e = sb.spawn(sb.ctx, "newborn", &pid, msg);
    for (size_t i = 0; e == 0 && i < 3; i++)
        e = sb.proc_text(sb.ctx, pid, newborn_files[i], 0, 0, &r->newborn[i], msg);
    vml_text_free(&notes);
    sb.destroy(sb.ctx);
    return e;
}

/* A field of a process-wide file as the process's own memory had it at its creation (the
 * backend's own_text), less what a new simulated process has: 0 with *base, or VML_ENOENT when
 * the backend has no such memory. */
static int own_field(struct run *r, int pid, enum vml_procfile f, const char *field, int64_t *base)
{
    if (!r->own->own_text)
        return VML_ENOENT;
    struct vml_text t = { 0 };
    bool kb;
    uint64_t own = 0, newborn = 0;
    int e = r->own->own_text(r->own->ctx, pid, f, &t);
    if (e == 0)
        e = find_field(t.s ? t.s : "", t.len, f, field, &own, &kb);
    vml_text_free(&t);
    for (size_t i = 0; e == 0 && i < 3; i++)
        if (newborn_files[i] == f && find_field(r->newborn[i].s ? r->newborn[i].s : "",
                                                r->newborn[i].len, f, field, &newborn, &kb) != 0)
            newborn = 0;
    *base = (int64_t)own - (int64_t)newborn;
    return e;
}

/* Whether address a lies in one of the VMAs of maps text. */
static bool in_maps(const char *maps, size_t len, uint64_t a)
{
    for (const char *line = maps; line < maps + len;) {
        const char *nl = memchr(line, '\n', (size_t)(maps + len - line));
        char *rest;
        uint64_t lo = strtoull(line, &rest, 16);
        if (*rest == '-' && a >= lo && a < strtoull(rest + 1, NULL, 16))
            return true;
        line = nl ? nl + 1 : maps + len;
    }
    return false;
}

/* A smaps_rollup field of a process with memory of its own, summed over the scenario's VMAs
 * only: the process's smaps blocks less those of the VMAs it had at its creation. The rollup
 * itself cannot be subtracted from: the own memory's file pages (a program and its
 * libraries) are mapped by processes outside the scenario too, so their Pss, and whether they
 * count as shared or private, dirty or clean, moves as those come and go and as writeback
 * runs; its read-only private pages (RELRO) are shared after a fork. The rollup truncates the
 * Pss it sums once (smaps_account accumulates Pss shifted by PSS_SHIFT), a block its own: the
 * sum is the rollup's when at most one block has shared pages (the others' Pss is whole). 0
 * with *value, 1 with *why when it cannot be told, or an error. */
static int rollup_of_scenario(struct run *r, int pid, const char *field, int64_t *value,
                              const char **why)
{
    struct vml_text own = { 0 }, all = { 0 }, mine = { 0 };
    int e = r->own->own_text(r->own->ctx, pid, VML_PROCFILE_MAPS, &own);
    if (e == 0)
        e = r->b->proc_text(r->b->ctx, pid, VML_PROCFILE_SMAPS, 0, 0, &all, r->msg);
    unsigned shared_blocks = 0;
    bool keep = false, shared = false;
    const char *text = all.s ? all.s : "";
    for (const char *line = text; e == 0 && line < text + all.len;) {
        const char *nl = memchr(line, '\n', (size_t)(text + all.len - line));
        const char *stop = nl ? nl + 1 : text + all.len;
        char *rest;
        uint64_t start = strtoull(line, &rest, 16);
        if (rest != line && *rest == '-') { /* a block's header: its VMA's range */
            shared_blocks += keep && shared;
            keep = !in_maps(own.s ? own.s : "", own.len, start);
            shared = false;
        }
        if (keep) {
            text_append(&mine, line, (size_t)(stop - line));
            if (strncmp(line, "Shared_", 7) == 0) {
                const char *c = memchr(line, ':', (size_t)(stop - line));
                shared |= c && strtoull(c + 1, NULL, 10) > 0;
            }
        }
        line = stop;
    }
    shared_blocks += keep && shared;
    uint64_t v = 0;
    bool kb;
    if (e == 0 && (e = text_status(&mine)) == 0) {
        if (find_field(text, all.len, VML_PROCFILE_SMAPS, field, &v, &kb) != 0)
            *why = "the kernel's smaps does not give this line per VMA, so the scenario's share "
                   "of it cannot be told from the process's own";
        else if (strncmp(field, "Pss", 3) == 0 && shared_blocks > 1)
            *why = "the scenario's shared pages lie in several VMAs here, and the rollup "
                   "truncates their Pss once, not each VMA's (smaps MAP Pss gives each)";
        else if (find_field(mine.s ? mine.s : "", mine.len, VML_PROCFILE_SMAPS, field, &v, &kb) !=
                 0)
            v = 0;
        *value = (int64_t)v;
    }
    vml_text_free(&own);
    vml_text_free(&all);
    vml_text_free(&mine);
    if (e)
        return e;
    return *why ? 1 : 0;
}

/* An expect that the backend cannot hold to the scenario's figure: reported with the reason,
 * counted apart from the failures. */
static int expect_skipped(struct run *r, const char *why)
{
    const struct vml_op_expect *x = &r->op->u.expect;
    r->res->skipped++;
    bool cg = x->file == VML_PROCFILE_CGROUP || x->file == VML_PROCFILE_CGROUP1;
    char sub[VML_SCN_FILE_MAX + VML_SCN_FIELD_MAX + 2];
    if (cg)
        snprintf(sub, sizeof(sub), "%s %s", x->cgroup[0] ? x->cgroup : "/", x->cgfile);
    else
        snprintf(sub, sizeof(sub), "%s", x->map);
    text_printf(r->report, "%s:%u: expect not checked on %s: %s%s%s%s%s %s: %s\n",
                r->s->file ? r->s->file : "<scenario>", r->op->line, r->own->name, r->op->proc,
                r->op->proc[0] ? " " : "", vml_procfile_name(x->file), sub[0] ? " " : "", sub,
                x->field, why);
    return text_status(r->report);
}

static bool compare_signed(int64_t a, enum vml_cmp c, int64_t b)
{
    switch (c) {
    case VML_CMP_EQ: return a == b;
    case VML_CMP_NE: return a != b;
    case VML_CMP_LT: return a < b;
    case VML_CMP_LE: return a <= b;
    case VML_CMP_GT: return a > b;
    default: return a >= b;
    }
}

/* A cgroup file's field: the file's one number (field ""), "max" as UINT64_MAX, or the number
 * of a "name value" line. */
static int cgroup_field(const char *text, size_t len, const char *field, uint64_t *v)
{
    if (!field[0]) {
        if (len >= 3 && memcmp(text, "max", 3) == 0) {
            *v = UINT64_MAX;
            return 0;
        }
        if (!len || text[0] < '0' || text[0] > '9')
            return VML_ENOENT;
        *v = strtoull(text, NULL, 10);
        return 0;
    }
    size_t flen = strlen(field);
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', len - (size_t)(line - text));
        const char *end = nl ? nl : text + len;
        if ((size_t)(end - line) > flen + 1 && memcmp(line, field, flen) == 0 &&
            line[flen] == ' ') {
            *v = strtoull(line + flen + 1, NULL, 10);
            return 0;
        }
        line = end + 1;
    }
    return VML_ENOENT;
}

/* Whether a cgroup file's field is a size in bytes (memory.current, memory.stat's anon) rather
 * than a count (memory.events, memory.stat's pgfault, failcnt). */
static bool cgroup_size_field(const char *file, const char *field)
{
    if (!field[0])
        return strcmp(file, "memory.oom.group") != 0 && strcmp(file, "memory.failcnt") != 0 &&
               strcmp(file, "memory.memsw.failcnt") != 0 &&
               strcmp(file, "memory.use_hierarchy") != 0;
    if (strcmp(file, "memory.stat") != 0)
        return false;
    const char *f = strncmp(field, "total_", 6) == 0 ? field + 6 : field;
    static const char *const counts[] = { "pg",    "workingset_", "thp_", "numa_",
                                          "swpin", "swpout",      "zswp", "pswp" };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (strncmp(f, counts[i], strlen(counts[i])) == 0)
            return false;
    return true;
}

static int expect_cgroup(struct run *r)
{
    const struct vml_op_expect *x = &r->op->u.expect;
    const char *where = r->s->file ? r->s->file : "<scenario>";
    struct vml_text t = { 0 };
    uint64_t v = 0;
    char path[VML_SCN_FILE_MAX + VML_SCN_FIELD_MAX + 32];
    cgroup_file_path(x->file, x->cgroup, x->cgfile, path, sizeof(path));
    /* A real kernel mounts one hierarchy: a v1 file on a v2 machine (or the reverse) cannot
     * be held to the scenario's figure there, which is no failure of the scenario. */
    if (r->b->cgroup_text && r->b->sim(r->b->ctx) == NULL) {
        r->msg[0] = 0;
        int e = r->b->cgroup_text(r->b->ctx, x->cgroup, x->cgfile, x->file == VML_PROCFILE_CGROUP1,
                                  &t, r->msg);
        vml_text_free(&t);
        if (e == VML_EINVAL)
            return expect_skipped(r, r->msg[0] ? r->msg : "this kernel has no such file");
        r->msg[0] = 0;
    }
    int err = cgroup_text(r, x->file, x->cgroup, x->cgfile, &t);
    if (err == 0 && cgroup_field(t.s ? t.s : "", t.len, x->field, &v) != 0)
        err = run_error(r, VML_ENOENT, 0, "%s has no field '%s'", path, x->field);
    vml_text_free(&t);
    if (err)
        return err;
    const char *why =
        r->own->why_unchecked ? r->own->why_unchecked(r->own->ctx, 0, x->file, x->field) : NULL;
    if (why)
        return expect_skipped(r, why);
    bool size = cgroup_size_field(x->cgfile, x->field);
    if (x->unit == VML_UNIT_NS)
        return run_error(r, VML_EINVAL, 0, "%s is not a time: compare it with a number or a size",
                         x->field[0] ? x->field : x->cgfile);
    if (x->unit != VML_UNIT_NONE && !size)
        return run_error(r, VML_EINVAL, 0,
                         "%s is a count, not a size: compare it with a plain number",
                         x->field[0] ? x->field : x->cgfile);
    uint64_t rhs = x->unit == VML_UNIT_PAGES ? x->value * PAGE : x->value;
    bool ok;
    switch (x->cmp) {
    case VML_CMP_EQ: ok = v == rhs; break;
    case VML_CMP_NE: ok = v != rhs; break;
    case VML_CMP_LT: ok = v < rhs; break;
    case VML_CMP_LE: ok = v <= rhs; break;
    case VML_CMP_GT: ok = v > rhs; break;
    default: ok = v >= rhs; break;
    }
    if (!ok) {
        r->res->failed++;
        char want[48], got[48];
        if (x->unit == VML_UNIT_BYTES)
            vml_format_size(rhs, want, sizeof(want));
        else
            snprintf(want, sizeof(want), "%llu%s", (unsigned long long)x->value,
                     x->unit == VML_UNIT_PAGES ? " pages" : "");
        if (v == UINT64_MAX)
            snprintf(got, sizeof(got), "max");
        else
            snprintf(got, sizeof(got), "%llu", (unsigned long long)v);
        text_printf(r->report, "%s:%u: expect failed: %s%s%s %s %s, but it is %s\n", where,
                    r->op->line, path, x->field[0] ? " " : "", x->field, vml_cmp_name(x->cmp), want,
                    got);
    }
    return text_status(r->report);
}

static int op_expect(struct run *r)
{
    const struct vml_op_expect *x = &r->op->u.expect;
    const char *where = r->s->file ? r->s->file : "<scenario>";
    r->res->expects++;
    if (x->kind == VML_EXPECT_FAIL) { /* judged after the next statement (vml_run) */
        r->want_fail = x->err;
        r->want_fail_line = r->op->line;
        return 0;
    }
    if (x->kind != VML_EXPECT_FIELD) {
        struct proc_ent *p = find_proc(r, r->op->proc);
        if (!p)
            return run_error(r, VML_ENOENT, 0, "no process '%s'", r->op->proc);
        struct vml_sim_death d;
        bool alive = r->b->status_of(r->b->ctx, p->pid, &d) == 0;
        bool oom = !alive && d.killed && d.si_code == VML_SI_OOM;
        bool ok = x->kind == VML_EXPECT_ALIVE    ? alive
                  : x->kind == VML_EXPECT_KILLED ? !alive && d.killed
                                                 : oom;
        if (!ok) {
            r->res->failed++;
            text_printf(r->report, "%s:%u: expect failed: %s %s, but it %s\n", where, r->op->line,
                        p->name,
                        x->kind == VML_EXPECT_ALIVE    ? "alive"
                        : x->kind == VML_EXPECT_KILLED ? "killed"
                                                       : "killed by oom",
                        alive      ? "is alive"
                        : oom      ? "was killed by the OOM killer"
                        : d.killed ? "was killed by a signal of its own fault"
                                   : "has exited");
        }
        return text_status(r->report);
    }
    if (x->file == VML_PROCFILE_LATENCY && r->b->sim(r->b->ctx) == NULL)
        return expect_skipped(r, "the latency distribution is modelled by the simulator only");
    /* The latency lines of `faults` are the simulator's model: no kernel has them. */
    if (x->file == VML_PROCFILE_FAULTS && r->b->sim(r->b->ctx) == NULL &&
        strncmp(x->field, "Faults", 6) != 0)
        return expect_skipped(r, "fault latency is modelled by the simulator only");
    if (x->file == VML_PROCFILE_CGROUP || x->file == VML_PROCFILE_CGROUP1)
        return expect_cgroup(r);
    struct vml_text t = { 0 };
    int pid;
    int err = file_text(r, x->file, x->map, &t, &pid);
    uint64_t v = 0;
    bool kb = false;
    if (err == 0 && find_field(t.s ? t.s : "", t.len, x->file, x->field, &v, &kb) != 0)
        err = run_error(r, VML_ENOENT, 0, "%s has no field '%s'%s", vml_procfile_name(x->file),
                        x->field,
                        x->file == VML_PROCFILE_MAPS ? " (maps has no fields; use smaps)" : "");
    if (err) {
        vml_text_free(&t);
        return err;
    }
    const char *why =
        r->own->why_unchecked ? r->own->why_unchecked(r->own->ctx, pid, x->file, x->field) : NULL;
    /* A process-wide figure counts the process's own memory too, where the backend's process
     * has some: the scenario's is the change since the process was created. Per mapping
     * (smaps MAP) the memory is the scenario's alone; status lines that are not sizes (Pid,
     * Threads) are compared as they are. */
    int64_t val = (int64_t)v, base = 0;
    bool based = false;
    bool process_wide = pid && !x->map[0] &&
                        (x->file == VML_PROCFILE_STATUS || x->file == VML_PROCFILE_STATM ||
                         x->file == VML_PROCFILE_SMAPS_ROLLUP);
    if (!why && process_wide && x->file != VML_PROCFILE_SMAPS_ROLLUP &&
        (kb || x->file == VML_PROCFILE_STATM) && own_field(r, pid, x->file, x->field, &base) == 0) {
        val = (int64_t)v - base;
        based = true;
    }
    if (!why && process_wide && x->file == VML_PROCFILE_SMAPS_ROLLUP && r->own->own_text) {
        based = false;
        int re = rollup_of_scenario(r, pid, x->field, &val, &why);
        if (re < 0) {
            vml_text_free(&t);
            return run_error(r, re, 0, "reading smaps: %s", r->msg[0] ? r->msg : vml_strerror(re));
        }
    }
    vml_text_free(&t);
    if (why)
        return expect_skipped(r, why);
    /* Bring both sides to one unit: the field's, or bytes when a size is compared. */
    int64_t lhs = val, rhs = (int64_t)x->value;
    const char *unit = NULL;
    if (x->unit == VML_UNIT_NS) {
        if (!time_field(x->file, x->field))
            return run_error(r, VML_EINVAL, 0,
                             "%s is not a time: compare it with a plain number or a size",
                             x->field);
        unit = "ns";
    } else if (x->unit != VML_UNIT_NONE) {
        uint64_t scale = kb ? 1024 : counts_pages(x->file, x->field) ? PAGE : 0;
        if (!scale)
            return run_error(r, VML_EINVAL, 0,
                             "%s is a count, not a size: compare it with a plain number", x->field);
        lhs = val * (int64_t)scale;
        rhs = (int64_t)(x->unit == VML_UNIT_PAGES ? x->value * PAGE : x->value);
        unit = x->unit == VML_UNIT_PAGES ? "pages" : NULL;
    }
    if (!compare_signed(lhs, x->cmp, rhs)) {
        r->res->failed++;
        char want[48], got[48];
        if (x->unit == VML_UNIT_BYTES) {
            if (kb && rhs % 1024 == 0)
                fmt_value(want, sizeof(want), rhs / 1024, true, NULL);
            else
                vml_format_size(rhs, want, sizeof(want));
        } else {
            fmt_value(want, sizeof(want), x->value, x->unit == VML_UNIT_NONE && kb, unit);
        }
        const char *gunit = x->unit == VML_UNIT_NS                    ? "ns"
                            : kb                                      ? NULL
                            : counts_pages(x->file, x->field) && unit ? "pages"
                                                                      : NULL;
        char own[160] = "";
        if (based) {
            char raw[48];
            fmt_value(raw, sizeof(raw), v, kb, gunit);
            snprintf(own, sizeof(own),
                     " (%s, less %lld%s%s of the process's own memory at its creation)", raw,
                     (long long)base, kb || gunit ? " " : "",
                     kb      ? "kB"
                     : gunit ? gunit
                             : "");
        }
        if (val < 0)
            snprintf(got, sizeof(got), "-%llu%s%s", (unsigned long long)-val,
                     kb || gunit ? " " : "",
                     kb      ? "kB"
                     : gunit ? gunit
                             : "");
        else
            fmt_value(got, sizeof(got), (uint64_t)val, kb, gunit);
        char fname[48];
        if (x->file == VML_PROCFILE_NODE)
            snprintf(fname, sizeof(fname), "node%u %s", x->node,
                     vml_node_file_name((enum vml_node_file)x->nodefile));
        else
            snprintf(fname, sizeof(fname), "%s", vml_procfile_name(x->file));
        text_printf(r->report, "%s:%u: expect failed: %s%s%s%s%s %s %s %s, but it is %s%s\n", where,
                    r->op->line, r->op->proc, r->op->proc[0] ? " " : "", fname,
                    x->map[0] ? " " : "", x->map, x->field, vml_cmp_name(x->cmp), want, got, own);
    }
    return text_status(r->report);
}

/* "a touch buf", "file create data.bin": what a measured operation was, for the diff table. */
static void op_what(const struct vml_op *op, char *buf, size_t n)
{
    const char *obj = "";
    char num[16];
    switch (op->kind) {
    case VML_OP_MMAP: obj = op->u.mmap.map; break;
    case VML_OP_MUNMAP:
    case VML_OP_MLOCK:
    case VML_OP_MUNLOCK:
    case VML_OP_FSYNC:
    case VML_OP_FDATASYNC:
    case VML_OP_FADVISE:
    case VML_OP_MSYNC: obj = op->u.range.name; break;
    case VML_OP_READ:
    case VML_OP_WRITE: obj = op->u.io.range.name; break;
    case VML_OP_MPROTECT: obj = op->u.mprotect.range.name; break;
    case VML_OP_MADVISE: obj = op->u.madvise.range.name; break;
    case VML_OP_TOUCH: obj = op->u.touch.range.name; break;
    case VML_OP_REPLAY: obj = op->u.replay.trace; break;
    case VML_OP_FORK: obj = op->u.fork.child; break;
    case VML_OP_PRCTL: obj = "thp_disable"; break;
    case VML_OP_OOM_SCORE_ADJ:
        snprintf(num, sizeof(num), "%d", op->u.oom_adj.adj);
        obj = num;
        break;
    case VML_OP_FILE_CREATE:
    case VML_OP_FILE_DELETE:
    case VML_OP_TRUNCATE: obj = op->u.file.name; break;
    case VML_OP_FALLOCATE: obj = op->u.fallocate.range.name; break;
    case VML_OP_SWAPON:
    case VML_OP_SWAPOFF: obj = op->u.swap.name; break;
    case VML_OP_CGROUP:
    case VML_OP_CGROUP_ATTACH: obj = op->u.cgroup.path[0] ? op->u.cgroup.path : "/"; break;
    default: break;
    }
    const char *kind = vml_op_kind_name(op->kind);
    if (op->kind == VML_OP_FILE_CREATE || op->kind == VML_OP_FILE_DELETE)
        kind = op->kind == VML_OP_FILE_CREATE ? "file create" : "file delete";
    snprintf(buf, n, "%.31s%s%.13s%s%.40s", op->proc, op->proc[0] ? " " : "", kind,
             obj[0] ? " " : "", obj);
}

/* Whether an operation is measured: everything that acts on memory, except creating a process
 * and its exit (a real process's own memory comes and goes with them). set changes a setting,
 * not memory (show thp compares the settings), as the NUMA policy and affinity calls do, but
 * not the migration calls. */
static bool measured(const struct vml_op *op)
{
    enum vml_op_kind k = op->kind;
    /* Migration allocates and frees: move_pages, migrate_pages and mbind with a move flag. */
    if (k == VML_OP_MOVE_PAGES || k == VML_OP_MIGRATE_PAGES || (k == VML_OP_MBIND && op->u.numa.mf))
        return true;
    return k != VML_OP_SHOW && k != VML_OP_EXPECT && k != VML_OP_PROC && k != VML_OP_EXIT &&
           k != VML_OP_SET && k != VML_OP_SHOW_THP && k != VML_OP_WAIT && k != VML_OP_SHOW_VM &&
           k != VML_OP_CGROUP && k != VML_OP_CGROUP_ATTACH && k != VML_OP_SET_MEMPOLICY &&
           k != VML_OP_MBIND && k != VML_OP_AFFINITY && k != VML_OP_MOVE_PAGES &&
           k != VML_OP_MIGRATE_PAGES;
}

static int run_op(struct run *r)
{
    const struct vml_op *op = r->op;
    struct proc_ent *p = NULL;
    int err;
    switch (op->kind) {
    case VML_OP_PROC: return op_proc(r);
    case VML_OP_FILE_CREATE:
    case VML_OP_FILE_DELETE: return op_file(r);
    case VML_OP_SHOW: return op_show(r);
    case VML_OP_EXPECT: return op_expect(r);
    case VML_OP_SET: return op_set(r);
    case VML_OP_SHOW_THP: return op_show_settings(r, false);
    case VML_OP_SHOW_VM: return op_show_settings(r, true);
    case VML_OP_WAIT: return op_wait(r);
    case VML_OP_SWAPON:
    case VML_OP_SWAPOFF: return op_swap(r);
    case VML_OP_CGROUP:
        if (!r->b->cgroup_create)
            return unsupported(r, "cgroup");
        if ((err = r->b->cgroup_create(r->b->ctx, op->u.cgroup.path, r->msg)) != 0)
            return syscall_error(r, "cgroup", err);
        return 0;
    default: break;
    }
    if ((err = live_proc(r, &p)) != 0)
        return err;
    switch (op->kind) {
    case VML_OP_MMAP: return op_mmap(r, p);
    case VML_OP_MUNMAP:
    case VML_OP_MPROTECT:
    case VML_OP_MADVISE:
    case VML_OP_MLOCK:
    case VML_OP_MUNLOCK:
    case VML_OP_MSYNC: return op_range_call(r, p);
    case VML_OP_FSYNC: return op_fsync(r, p);
    case VML_OP_FDATASYNC: return op_fdatasync(r, p);
    case VML_OP_FADVISE: return op_fadvise(r, p);
    case VML_OP_TRUNCATE: return op_truncate(r, p);
    case VML_OP_FALLOCATE: return op_fallocate(r, p);
    case VML_OP_TOUCH: return op_touch(r, p);
    case VML_OP_REPLAY: return op_replay(r, p);
    case VML_OP_FORK: return op_fork(r, p);
    case VML_OP_EXIT:
        if ((err = r->b->exit(r->b->ctx, p->pid, r->msg)) != 0)
            return syscall_error(r, "exit", err);
        p->gone = true;
        return 0;
    case VML_OP_BRK: return op_brk(r, p);
    case VML_OP_PRCTL: return op_prctl(r, p);
    case VML_OP_OOM_SCORE_ADJ: {
        if (!r->b->oom_score_adj)
            return unsupported(r, "oom_score_adj");
        int e = r->b->oom_score_adj(r->b->ctx, p->pid, r->op->u.oom_adj.adj, r->msg);
        return e ? syscall_error(r, "oom_score_adj", e) : 0;
    }
    case VML_OP_READ:
    case VML_OP_WRITE: return op_file_io(r, p);
    case VML_OP_SET_MEMPOLICY:
    case VML_OP_MBIND:
    case VML_OP_MOVE_PAGES:
    case VML_OP_MIGRATE_PAGES:
    case VML_OP_AFFINITY: return op_numa(r, p);
    case VML_OP_CGROUP_ATTACH:
        if (!r->b->cgroup_attach)
            return unsupported(r, "cgroup");
        if ((err = r->b->cgroup_attach(r->b->ctx, p->pid, op->u.cgroup.path, r->msg)) != 0)
            return syscall_error(r, "cgroup", err);
        return 0;
    case VML_OP_CPU_RUN:
        if ((err = r->b->cpu_run(r->b->ctx, op->u.cpu_run.cpu, p->pid, r->msg)) != 0)
            return syscall_error(r, "cpu run", err);
        return 0;
    default: return run_error(r, VML_EINVAL, 0, "unknown operation");
    }
}

/* The statement after expect fail ERRNO ended with err: the expected failure is no error (the
 * run goes on, nothing was done), a success fails the expect, another error stays one. */
static int judge_fail(struct run *r, int want, int err)
{
    const char *where = r->s->file ? r->s->file : "<scenario>";
    if (err == want) {
        if (r->diag)
            r->diag->msg[0] = 0;
        return 0;
    }
    if (err == 0) {
        r->res->failed++;
        text_printf(r->report, "%s:%u: expect failed: fail %s, but line %u's %s succeeded\n", where,
                    r->want_fail_line, vml_errno_name(want), r->op->line,
                    vml_op_kind_name(r->op->kind));
        return text_status(r->report);
    }
    return err;
}

/* After an operation: the processes the OOM killer took on the way, told in the order it took
 * them (any of the scenario's processes, not only the operation's); on a kernel panic the
 * kernel log, then the error. The operation's own VML_EKILLED (its process was chosen) is not
 * an error of the scenario. */
static int oom_aftermath(struct run *r, int err)
{
    if (err == VML_EKILLED)
        err = 0;
    uint64_t kills = r->b->kills ? r->b->kills(r->b->ctx) : UINT64_MAX;
    bool look = kills != r->kills_seen || kills == UINT64_MAX;
    r->kills_seen = kills;
    while (look) {
        struct proc_ent *next = NULL;
        uint64_t first = UINT64_MAX;
        for (size_t i = 0; i < r->n_procs; i++) {
            struct vml_sim_death d;
            if (r->procs[i].gone || r->b->status_of(r->b->ctx, r->procs[i].pid, &d) == 0)
                continue;
            if (d.killed && d.si_code == VML_SI_OOM && d.seq < first) {
                first = d.seq;
                next = &r->procs[i];
            }
        }
        if (!next)
            break;
        next->gone = true;
        text_printf(r->out,
                    "%s%s:%u: %s (pid %d) killed by SIGKILL: the OOM killer chose it (show dmesg "
                    "has the report)\n",
                    r->shows++ ? "\n" : "", r->s->file ? r->s->file : "<scenario>", r->op->line,
                    next->name, next->pid);
    }
    if (err != VML_EPANIC)
        return err ? err : text_status(r->out);
    /* The panic: the kernel log says why; its last line is the panic's. */
    struct vml_text t = { 0 };
    char last[200] = "";
    if (r->b->proc_text(r->b->ctx, 0, VML_PROCFILE_DMESG, 0, 0, &t, r->msg) == 0 && t.len) {
        text_printf(r->out, "%s== kernel log (dmesg) ==\n", r->shows++ ? "\n" : "");
        text_append(r->out, t.s, t.len);
        const char *p = strstr(t.s, "Kernel panic - not syncing: ");
        if (p) {
            p += strlen("Kernel panic - not syncing: ");
            size_t n = strcspn(p, "\n");
            snprintf(last, sizeof(last), "%.*s", (int)n, p);
        }
    }
    vml_text_free(&t);
    return run_error(r, VML_EPANIC, 0,
                     "the simulated kernel panicked (%s); the kernel log is above: write "
                     "vm.panic_on_oom=0 or give the machine more ram= or swap= to go on",
                     last[0] ? last : "out of memory");
}

/* The VMAs of a mapping in a process's smaps text, summed (for vmlab diff). */
struct snap_acc {
    struct vml_snap_map *m;
};

static int snap_block(const struct vml_smaps *b, void *ctx)
{
    struct vml_snap_map *m = ((struct snap_acc *)ctx)->m;
    m->vmas++;
    if (b->hdr.start < m->start || b->hdr.end > m->start + m->len)
        m->spills = true;
    m->size += b->size;
    /* Each VMA's flags and THP eligibility, in address order (the kernel prints VmFlags with a
     * trailing space; the comparison is of the words). */
    size_t fl = strlen(m->vm_flags), tl = strlen(m->thp_eligible);
    const char *f = b->vm_flags ? b->vm_flags : "";
    size_t flen = strlen(f);
    while (flen && f[flen - 1] == ' ')
        flen--;
    snprintf(m->vm_flags + fl, sizeof(m->vm_flags) - fl, "%s%.*s", fl ? " | " : "", (int)flen, f);
    if (tl + 1 < sizeof(m->thp_eligible)) {
        m->thp_eligible[tl] = (char)('0' + (b->thp_eligible ? 1 : 0));
        m->thp_eligible[tl + 1] = 0;
    }
    uint64_t *dst = (uint64_t *)&m->c;
    const uint64_t *src = (const uint64_t *)&b->c;
    for (size_t i = 0; i < sizeof(m->c) / sizeof(uint64_t); i++)
        dst[i] += src[i];
    return 0;
}

/* Whether str ends with suffix. */
static bool ends_with(const char *str, const char *suffix)
{
    size_t n = strlen(str), k = strlen(suffix);
    return n >= k && strcmp(str + n - k, suffix) == 0;
}

/* The largest memory limit the scenario's sets write (memory.max, v1's memory.limit_in_bytes),
 * in kB; 0 for none, or when one of them lifts the limit ("max", -1): then no bound follows. */
static uint64_t scenario_memcg_max_kb(const struct vml_scenario *s)
{
    uint64_t kb = 0;
    for (size_t i = 0; i < s->n_ops; i++) {
        const struct vml_op *op = &s->ops[i];
        if (op->kind != VML_OP_SET || strncmp(op->u.set.path, "/sys/fs/cgroup/", 15) != 0 ||
            !(ends_with(op->u.set.path, "/memory.max") ||
              ends_with(op->u.set.path, "/memory.limit_in_bytes")))
            continue;
        uint64_t bytes;
        if (strcmp(op->u.set.value, "max") == 0 || strcmp(op->u.set.value, "-1") == 0 ||
            vml_parse_size(op->u.set.value, &bytes, NULL) != 0)
            return 0;
        if (bytes / 1024 > kb)
            kb = bytes / 1024;
    }
    return kb;
}

/* ---- the limited cgroup's memory.stat at the end (vmlab diff's resident bound) ---------- */

/* The cgroup (below the run's root) whose limit the scenario sets to kb (scenario_memcg_max_kb),
 * into cg; false when there is none. */
static bool scenario_limit_cgroup(const struct vml_scenario *s, uint64_t kb, char *cg, size_t n)
{
    for (size_t i = 0; kb && i < s->n_ops; i++) {
        const struct vml_op *op = &s->ops[i];
        uint64_t bytes;
        char file[VML_SCN_FIELD_MAX];
        bool v1;
        if (op->kind == VML_OP_SET && strncmp(op->u.set.path, "/sys/fs/cgroup/", 15) == 0 &&
            (ends_with(op->u.set.path, "/memory.max") ||
             ends_with(op->u.set.path, "/memory.limit_in_bytes")) &&
            vml_parse_size(op->u.set.value, &bytes, NULL) == 0 && bytes / 1024 == kb &&
            vml_cgroup_path_split(op->u.set.path, cg, n, file, sizeof(file), &v1) == 0)
            return true;
    }
    return false;
}

/* Field name's value in a memory.stat text, in kB; false when it has no such line. */
static bool stat_kb(const struct vml_text *t, const char *name, uint64_t *kb)
{
    uint64_t v;
    if (!t->s || cgroup_field(t->s, t->len, name, &v) != 0)
        return false;
    *kb = v / 1024;
    return true;
}

/* The limited cgroup's memory.stat at the end, into snap->limit_stat. The kernel's figures are
 * rstat sums that a reader flushes only past MEMCG_CHARGE_BATCH updates per CPU
 * (memcg_vmstats_needs_flush), lagging by up to that, but every 2 s flush_memcg_stats_dwork
 * flushes them all: on a real kernel the reading waits that long first (the simulator's are
 * exact). v2's file where the machine has it, else v1's total_ lines (the same counters:
 * memcg1_stat_format). Nothing is recorded when it cannot be read. */
static void snap_limit_stat(struct run *r, struct vml_snapshot *snap)
{
    char cg[VML_SCN_FILE_MAX];
    if (!r->b->cgroup_text || !scenario_limit_cgroup(r->s, snap->memcg_max_kb, cg, sizeof(cg)))
        return;
    if (r->b->sim(r->b->ctx) == NULL && r->b->wait &&
        r->b->wait(r->b->ctx, 2500000000ull, r->msg) != 0) {
        r->msg[0] = 0;
        return;
    }
    static const char *const v2[10] = {
        "anon",          "file",        "file_mapped",   "shmem",       "swapcached",
        "inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable",
    };
    static const char *const v1[10] = {
        "total_rss",         "total_cache",         "total_mapped_file", "total_shmem",
        "total_swapcached",  "total_inactive_anon", "total_active_anon", "total_inactive_file",
        "total_active_file", "total_unevictable",
    };
    for (int pass = 0; pass < 2; pass++) {
        const char *const *name = pass ? v1 : v2;
        struct vml_text t = { 0 };
        uint64_t v[10];
        bool ok = r->b->cgroup_text(r->b->ctx, cg, "memory.stat", pass == 1, &t, r->msg) == 0;
        r->msg[0] = 0; /* not an error of the run's: the bound then says it lacks the figures */
        for (int i = 0; ok && i < 10; i++)
            ok = stat_kb(&t, name[i], &v[i]);
        vml_text_free(&t);
        if (!ok)
            continue;
        snap->limit_stat = (struct vml_snap_memcg){
            .anon = v[0],
            .file = v[1],
            .file_mapped = v[2],
            .shmem = v[3],
            .swapcached = v[4],
            .lru_anon = v[5] + v[6],
            .lru_file = v[7] + v[8],
            .unevictable = v[9],
        };
        snap->has_limit_stat = true;
        return;
    }
}

/* One number a per-process /proc file holds (oom_score, oom_score_adj); false when unreadable. */
static bool snap_number(struct run *r, int pid, enum vml_procfile f, long *v)
{
    struct vml_text t = { 0 };
    char *end = NULL;
    bool ok = r->b->proc_text(r->b->ctx, pid, f, 0, 0, &t, r->msg) == 0 && t.len;
    if (ok)
        *v = strtol(t.s, &end, 10);
    ok = ok && end != t.s;
    vml_text_free(&t);
    if (!ok)
        r->msg[0] = 0; /* not an error of the run's: the row says not comparable */
    return ok;
}

/* numa_maps' N<node>=pages of a mapping's VMAs, summed (show_numa_map prints them for the
 * nodes holding any of its mapped pages). A backend without numa_maps leaves has_nodes false:
 * the comparison then says so. */
static void snap_nodes(struct run *r, int pid, struct vml_snap_map *sm)
{
    struct vml_text t = { 0 };
    int e = r->b->proc_text(r->b->ctx, pid, VML_PROCFILE_NUMA_MAPS, sm->start, sm->start + sm->len,
                            &t, r->msg);
    r->msg[0] = 0; /* not an error of the run's */
    if (e || t.oom) {
        vml_text_free(&t);
        return;
    }
    sm->has_nodes = true;
    sm->has_policy = true;
    /* Each line is "START POLICY ...": the policy is its second word. */
    for (const char *l = t.s; l && *l;) {
        const char *sp = strchr(l, ' '), *nl = strchr(l, '\n');
        if (!nl)
            nl = l + strlen(l);
        if (sp && sp < nl) {
            size_t n = strcspn(sp + 1, " \n"), used = strlen(sm->policy);
            /* mpol_to_str's one name with a space: "prefer (many)" (MPOL_PREFERRED_MANY). */
            if (strncmp(sp + 1 + n, " (many)", 7) == 0)
                n += 7 + strcspn(sp + 1 + n + 7, " \n");
            snprintf(sm->policy + used, sizeof(sm->policy) - used, "%s%.*s", used ? " | " : "",
                     (int)n, sp + 1);
        }
        l = *nl ? nl + 1 : nl;
    }
    for (const char *c = t.s; c && *c; c++) {
        if (c[0] != ' ' || c[1] != 'N' || c[2] < '0' || c[2] > '9')
            continue;
        char *end;
        unsigned long node = strtoul(c + 2, &end, 10);
        if (*end != '=' || node >= VML_MAX_NODES)
            continue;
        sm->nodes[node] += strtoull(end + 1, &end, 10);
        c = end - 1;
    }
    vml_text_free(&t);
}

static int take_snapshot(struct run *r, struct vml_snapshot *snap)
{
    {
        struct vml_text t = { 0 };
        struct vml_meminfo m;
        memset(&m, 0, sizeof(m));
        int e = r->b->proc_text(r->b->ctx, 0, VML_PROCFILE_MEMINFO, 0, 0, &t, r->msg);
        if (e == 0 && t.len)
            e = vml_proc_parse_meminfo(t.s, t.len, &m, NULL);
        vml_text_free(&t);
        if (e)
            return e;
        if (r->s->machine.given & VML_MCFG_HUGEPAGES)
            snap->pool = (struct vml_snap_pool){ true, m.hugepages_total, m.hugepages_free,
                                                 m.hugepages_rsvd, m.hugepages_surp };
        /* proc_oom_score's totalpages: totalram_pages() + total_swap_pages. */
        snap->totalpages = (m.mem_total + m.swap_total) / 4;
    }
    snap->confined = r->s->machine.memcg;
    snap->nodes = r->s->machine.nr_nodes;
    snap->numa_balancing = (r->s->machine.numab.mode & 1) != 0;
    snap->memcg_max_kb = scenario_memcg_max_kb(r->s);
    snap->procs = calloc(r->n_procs ? r->n_procs : 1, sizeof(*snap->procs));
    if (!snap->procs)
        return VML_EHOST;
    snap->n_procs = r->n_procs;
    for (size_t i = 0; i < r->n_procs; i++) {
        const struct proc_ent *p = &r->procs[i];
        struct vml_snap_proc *sp = &snap->procs[i];
        snprintf(sp->name, sizeof(sp->name), "%s", p->name);
        sp->pid = p->pid;
        sp->first = p->first;
        sp->alive = r->b->status_of(r->b->ctx, p->pid, &sp->death) == 0;
        if (!sp->alive)
            continue;
        status_now(r, p->pid, &sp->last);
        const char *pw = r->b->pte_why_not ? r->b->pte_why_not(r->b->ctx, p->pid) : NULL;
        snprintf(sp->pte_why_not, sizeof(sp->pte_why_not), "%s", pw ? pw : "");
        long adj = 0;
        sp->has_oom = snap_number(r, p->pid, VML_PROCFILE_OOM_SCORE, &sp->oom_score) &&
                      snap_number(r, p->pid, VML_PROCFILE_OOM_SCORE_ADJ, &adj);
        sp->oom_score_adj = (int)adj;
        sp->maps = calloc(p->n_maps ? p->n_maps : 1, sizeof(*sp->maps));
        if (!sp->maps)
            return VML_EHOST;
        for (size_t k = 0; k < p->n_maps; k++) {
            const struct map_ent *m = &p->maps[k];
            if (!m->live)
                continue;
            struct vml_snap_map *sm = &sp->maps[sp->n_maps++];
            snprintf(sm->name, sizeof(sm->name), "%s", m->name);
            sm->start = m->start;
            sm->len = m->len;
            struct vml_text t = { 0 };
            struct snap_acc acc = { sm };
            int e = r->b->proc_text(r->b->ctx, p->pid, VML_PROCFILE_SMAPS, m->start,
                                    m->start + m->len, &t, r->msg);
            if (e == 0 && t.len)
                e = vml_proc_parse_smaps(t.s, t.len, snap_block, &acc, NULL);
            vml_text_free(&t);
            if (e)
                return e;
            snap_nodes(r, p->pid, sm);
        }
    }
    snap_limit_stat(r, snap);
    return 0;
}

void vml_snapshot_free(struct vml_snapshot *snap)
{
    if (!snap)
        return;
    for (size_t i = 0; i < snap->n_procs; i++)
        free(snap->procs[i].maps);
    free(snap->procs);
    free(snap->ops);
    for (size_t i = 0; i < snap->n_thp; i++)
        free(snap->thp[i].text);
    free(snap->thp);
    snap->thp = NULL;
    snap->n_thp = 0;
    snap->procs = NULL;
    snap->n_procs = 0;
    snap->ops = NULL;
    snap->n_ops = 0;
}

int vml_run(const struct vml_scenario *s, struct vml_backend *b, unsigned flags,
            struct vml_text *out, struct vml_text *report, struct vml_run_result *res,
            struct vml_snapshot *snap, struct vml_diag *diag)
{
    return vml_run_hooked(s, b, flags, out, report, res, snap, NULL, diag);
}

int vml_run_hooked(const struct vml_scenario *s, struct vml_backend *b, unsigned flags,
                   struct vml_text *out, struct vml_text *report, struct vml_run_result *res,
                   struct vml_snapshot *snap, const struct vml_run_hooks *hooks,
                   struct vml_diag *diag)
{
    struct run r = { .s = s,
                     .b = b,
                     .own = b,
                     .out = out,
                     .report = report,
                     .res = res,
                     .diag = diag,
                     .snap = snap };
    memset(res, 0, sizeof(*res));
    if (snap)
        memset(snap, 0, sizeof(*snap));
    /* Measuring: the executor drives a measuring wrapper of the backend, which brackets each
     * of the backend's calls; the records go to the snapshot, one per measured operation. */
    struct measure *meas = NULL;
    struct vml_backend proxy;
    size_t cap_ops = 0;
    if ((flags & VML_RUN_MEASURE) && snap) {
        if (measure_wrap(b, &meas, &proxy))
            return VML_EHOST;
        r.b = &proxy;
    }
    int err = b->own_text ? take_newborn(&r) : 0;
    if (err)
        err = run_error(&r, err, 0, "taking a new simulated process's figures: %s",
                        vml_strerror(err));
    if (err == 0)
        err = build_machine(&r);
    /* Each node's free pages as the scenario begins: the fallback rule's bound (diff.c). */
    if (err == 0 && meas && s->machine.nr_nodes > 1)
        snap->has_start_free = measure_node_free(b, s->machine.nr_nodes, snap->start_free,
                                                 snap->start_pcp, &snap->has_start_pcp) == 0;
    for (size_t i = 0; err == 0 && i < s->n_ops; i++) {
        r.op = &s->ops[i];
        r.msg[0] = 0;
        bool m = meas && measured(r.op);
        if (m && util_grow((void **)&snap->ops, &cap_ops, snap->n_ops, sizeof(*snap->ops))) {
            err = VML_EHOST;
            break;
        }
        if (m) {
            char what[96];
            op_what(r.op, what, sizeof(what));
            measure_begin(meas, r.op->line, what);
        }
        if (hooks && hooks->before_op)
            hooks->before_op(hooks->ctx, i, r.op, b);
        int want = r.want_fail;
        if (r.op->kind != VML_OP_EXPECT)
            r.want_fail = 0;
        err = run_op(&r);
        if (want && r.op->kind != VML_OP_EXPECT)
            err = judge_fail(&r, want, err);
        err = oom_aftermath(&r, err);
        if (m && err == 0)
            measure_end(meas, &snap->ops[snap->n_ops++]);
        if (err == 0 && b->wait && (err = b->wait(b->ctx, 0, r.msg)) != 0)
            err = run_error(&r, err, 0, "the kernel's work after this operation failed: %s",
                            r.msg[0] ? r.msg : vml_strerror(err));
        if (hooks && hooks->after_op)
            hooks->after_op(hooks->ctx, i, r.op, b, err, out);
        char why[256];
        if (err == 0 && (flags & VML_RUN_CHECK) && b->check && b->check(b->ctx, why, sizeof(why)))
            err = run_error(&r, VML_EINVAL, 0, "invariant broken after this operation: %s", why);
    }
    r.op = NULL;
    if (err == 0 && snap && (err = take_snapshot(&r, snap)) != 0)
        err = run_error(&r, err, 0, "taking the final snapshot: %s",
                        r.msg[0] ? r.msg : vml_strerror(err));
    for (size_t i = 0; i < r.n_procs; i++)
        free(r.procs[i].maps);
    free(r.procs);
    free(r.objs);
    for (size_t i = 0; i < 3; i++)
        vml_text_free(&r.newborn[i]);
    measure_free(meas);
    return err;
}

int vml_run_scenario(const struct vml_scenario *s, unsigned flags, struct vml_text *out,
                     struct vml_text *report, struct vml_run_result *res, struct vml_sim **sim,
                     struct vml_diag *diag)
{
    struct vml_backend b;
    int err = vml_backend_sim(&b);
    if (err)
        return err;
    err = vml_run(s, &b, flags, out, report, res, NULL, diag);
    if (sim) {
        /* Hand the machine over: the backend's context is freed without it. */
        *sim = b.sim(b.ctx);
        vml_backend_sim_release(&b);
    } else {
        b.destroy(b.ctx);
    }
    return err;
}
