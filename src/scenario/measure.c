/* scenario/measure.c: a backend that measures the backend it wraps (see measure.h).
 *
 * Page faults are read from the backend per process (the Linux backend's agents count them
 * around the system call or the accesses themselves). meminfo is read settled (the Linux backend
 * drains the per-CPU LRU and mlock batches and folds the per-CPU counters) and twice in a row:
 * two readings that disagree mean something else on the machine is changing memory, and a
 * change measured then would not be the scenario's alone, so the reading is retried a few times
 * and otherwise the operation says why it has no meminfo change.
 */
#include "scenario/measure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_TRIES 6

struct measure {
    struct vml_backend *in;
    /* The operation being measured. */
    struct vml_snap_op rec;
    bool open;
    int replay_pid;
    uint64_t kills;                        /* the backend's kill count when the operation began */
    uint64_t oom_kill;                     /* the kernel's oom_kill count (vmstat) when it began */
    uint64_t numa[VML_SNAP_NUMA_FIELDS];   /* vmstat's numa_* counters when it began */
    uint64_t mig[VML_SNAP_MIGRATE_FIELDS]; /* and its migration counters */
    uint64_t bal[VML_SNAP_BALANCE_FIELDS]; /* and its NUMA balancing counters */
    unsigned nodes;                        /* the scenario machine's NUMA nodes */
    /* SwapCached (kB) of the last settled reading of the seven lines (stable_read): recorded
     * with them as the operation's swapcache change (diff's AnonPages rule under a limit). */
    int64_t sc_read;
};

static const char *const balance_names[VML_SNAP_BALANCE_FIELDS] = {
    "numa_pte_updates ",
    "numa_hint_faults ",
    "numa_hint_faults_local ",
    "numa_pages_migrated ",
};

static const char *const migrate_names[VML_SNAP_MIGRATE_FIELDS] = {
    "pgmigrate_success ",
    "pgmigrate_fail ",
    "thp_migration_success ",
};

static const char *const numa_names[VML_SNAP_NUMA_FIELDS] = {
    "numa_hit ", "numa_miss ", "numa_foreign ", "numa_interleave ", "numa_local ", "numa_other ",
};

static const char *const mem_names[VML_SNAP_MEM_FIELDS] = {
    "AnonPages", "Mapped", "Shmem", "Mlocked", "Unevictable", "Cached", "Dirty",
};

const char *vml_snap_mem_name(enum vml_snap_mem f)
{
    return (unsigned)f < VML_SNAP_MEM_FIELDS ? mem_names[f] : "?";
}

static void mem_fields(const struct vml_meminfo *m, int64_t v[VML_SNAP_MEM_FIELDS])
{
    v[VML_SNAP_ANON_PAGES] = (int64_t)m->anon_pages;
    v[VML_SNAP_MAPPED] = (int64_t)m->mapped;
    v[VML_SNAP_SHMEM] = (int64_t)m->shmem;
    v[VML_SNAP_MLOCKED] = (int64_t)m->mlocked;
    v[VML_SNAP_UNEVICTABLE] = (int64_t)m->unevictable;
    v[VML_SNAP_CACHED] = (int64_t)m->cached;
    v[VML_SNAP_DIRTY] = (int64_t)m->dirty;
}

/* A settled meminfo reading that a second one confirms, for the seven lines (v) and, apart,
 * for Committed_AS (c); mem_ok and commit_ok say which settled, rec's why says why not.
 * Committed_AS has its own pair because every other program's mmap, brk or exit moves it: its
 * noise must not cost the other lines their comparison. */
static void stable_read(struct measure *m, bool want_mem, bool want_commit,
                        int64_t v[VML_SNAP_MEM_FIELDS], int64_t *c, bool *mem_ok, bool *commit_ok)
{
    char msg[VML_BACKEND_MSG] = "";
    int64_t a[VML_SNAP_MEM_FIELDS], b[VML_SNAP_MEM_FIELDS];
    unsigned moved = 0;
    int64_t by = 0, cby = 0;
    *mem_ok = *commit_ok = false;
    for (int t = 0; t < READ_TRIES && ((want_mem && !*mem_ok) || (want_commit && !*commit_ok));
         t++) {
        struct vml_meminfo x, y;
        if (m->in->meminfo(m->in->ctx, &x, msg) != 0 || m->in->meminfo(m->in->ctx, &y, msg) != 0) {
            const char *why = msg[0] ? msg : "meminfo cannot be read";
            snprintf(m->rec.mem_why_not, sizeof(m->rec.mem_why_not), "%s", why);
            snprintf(m->rec.commit_why_not, sizeof(m->rec.commit_why_not), "%s", why);
            *mem_ok = *commit_ok = false;
            return;
        }
        if (want_commit && !*commit_ok) {
            if (x.committed_as == y.committed_as) {
                *c = (int64_t)x.committed_as;
                *commit_ok = true;
            } else {
                cby = (int64_t)y.committed_as - (int64_t)x.committed_as;
            }
        }
        if (!want_mem || *mem_ok)
            continue;
        mem_fields(&x, a);
        mem_fields(&y, b);
        if (memcmp(a, b, sizeof(a)) == 0) {
            memcpy(v, a, sizeof(a));
            m->sc_read = (int64_t)x.swap_cached;
            *mem_ok = true;
            continue;
        }
        for (unsigned i = 0; i < VML_SNAP_MEM_FIELDS; i++)
            if (a[i] != b[i]) {
                moved = i;
                by = b[i] - a[i];
                break;
            }
    }
    if (want_mem && !*mem_ok)
        snprintf(m->rec.mem_why_not, sizeof(m->rec.mem_why_not),
                 "other activity on the machine changes memory (%s moved by %lld kB between two "
                 "settled readings)",
                 mem_names[moved], (long long)by);
    if (want_commit && !*commit_ok)
        snprintf(m->rec.commit_why_not, sizeof(m->rec.commit_why_not),
                 "other activity on the machine changes memory (Committed_AS moved by %lld kB "
                 "between two readings)",
                 (long long)cby);
}

/* A /proc/vmstat line's value: false when the file has no line key ("oom_kill "). */
static bool vmstat_value(const char *s, const char *key, uint64_t *n)
{
    const char *l = strstr(s, key);
    while (l && l != s && l[-1] != '\n')
        l = strstr(l + 1, key);
    if (l)
        *n = strtoull(l + strlen(key), NULL, 10);
    return l != NULL;
}

static int add_pcp(const struct vml_zoneinfo *z, void *ctx)
{
    int64_t *pcp = ctx;
    if (z->node < VML_MAX_NODES)
        pcp[z->node] += (int64_t)z->pcp_count;
    return 0;
}

int measure_node_free(struct vml_backend *b, unsigned nodes, int64_t free_pages[VML_MAX_NODES],
                      int64_t pcp[VML_MAX_NODES], bool *pcp_ok)
{
    *pcp_ok = false;
    if (!b->node_text || nodes < 2 || nodes > VML_MAX_NODES)
        return VML_EINVAL;
    /* Settled first (the Linux backend's meminfo folds the per-CPU counter differences, and
     * its vmstat_refresh drains remote per-CPU page lists): a node's NR_FREE_PAGES lags by
     * them otherwise (18-preferred-fallback's node 1 read 1351 pages less at the start than
     * before its first operation). */
    if (b->meminfo) {
        struct vml_meminfo mi;
        char msg[VML_BACKEND_MSG] = "";
        (void)b->meminfo(b->ctx, &mi, msg);
    }
    for (unsigned n = 0; n < nodes; n++) {
        struct vml_text t = { 0 };
        char msg[VML_BACKEND_MSG] = "";
        int e = b->node_text(b->ctx, n, VML_NODE_MEMINFO, &t, msg);
        /* "Node N MemFree:   V kB" (node_read_meminfo), whatever lines the kernel has. */
        const char *l = e == 0 && t.s ? strstr(t.s, " MemFree:") : NULL;
        if (l)
            free_pages[n] = (int64_t)(strtoull(l + 9, NULL, 10) / 4);
        vml_text_free(&t);
        if (!l)
            return e ? e : VML_EINVAL;
    }
    /* The per-CPU lists, read right after: a list's pages are not in MemFree. */
    struct vml_text t = { 0 };
    char msg[VML_BACKEND_MSG] = "";
    memset(pcp, 0, sizeof(int64_t) * VML_MAX_NODES);
    *pcp_ok = b->proc_text(b->ctx, 0, VML_PROCFILE_ZONEINFO, 0, 0, &t, msg) == 0 && t.s &&
              vml_proc_parse_zoneinfo(t.s, t.len, add_pcp, pcp, NULL) == 0;
    vml_text_free(&t);
    return 0;
}

/* The kernel's oom_kill count and NUMA counters (/proc/vmstat); *oom_ok and *numa_ok false
 * when they cannot be read. The NUMA balancing counters go to m->rec's has_balance reading
 * (bal, *bal_ok) likewise. */
static void vmstat_counts(struct measure *m, uint64_t *oom, bool *oom_ok,
                          uint64_t numa[VML_SNAP_NUMA_FIELDS], bool *numa_ok,
                          uint64_t mig[VML_SNAP_MIGRATE_FIELDS], bool *mig_ok,
                          uint64_t bal[VML_SNAP_BALANCE_FIELDS], bool *bal_ok)
{
    *mig_ok = *bal_ok = false;
    struct vml_text t = { 0 };
    char msg[VML_BACKEND_MSG] = "";
    *oom_ok = *numa_ok = false;
    if (m->in->proc_text(m->in->ctx, 0, VML_PROCFILE_VMSTAT, 0, 0, &t, msg) == 0 && t.s) {
        *oom_ok = vmstat_value(t.s, "oom_kill ", oom);
        *numa_ok = true;
        for (unsigned i = 0; i < VML_SNAP_NUMA_FIELDS; i++)
            *numa_ok = vmstat_value(t.s, numa_names[i], &numa[i]) && *numa_ok;
        /* A kernel without CONFIG_MIGRATION (or without THP migration) lacks them. */
        *mig_ok = true;
        for (unsigned i = 0; i < VML_SNAP_MIGRATE_FIELDS; i++)
            *mig_ok = vmstat_value(t.s, migrate_names[i], &mig[i]) && *mig_ok;
        /* And one without CONFIG_NUMA_BALANCING these. */
        *bal_ok = true;
        for (unsigned i = 0; i < VML_SNAP_BALANCE_FIELDS; i++)
            *bal_ok = vmstat_value(t.s, balance_names[i], &bal[i]) && *bal_ok;
    }
    vml_text_free(&t);
}

/* A window around one call of the wrapped backend. */
struct window {
    int pid;
    uint64_t minor, major, inexact;
    bool faults, mem, commit;
    int64_t v[VML_SNAP_MEM_FIELDS], c;
    int64_t sc; /* SwapCached, from the reading of v */
};

static void win_open(struct measure *m, int pid, struct window *w)
{
    w->pid = pid;
    w->faults = pid > 0 && m->in->faults && m->rec.has_faults &&
                m->in->faults(m->in->ctx, pid, &w->minor, &w->major) == 0;
    const char *why;
    w->inexact = 0;
    if (w->faults && m->in->faults_inexact)
        (void)m->in->faults_inexact(m->in->ctx, pid, &w->inexact, &why);
    w->mem = w->commit = false;
    if (m->in->meminfo && (m->rec.has_mem || m->rec.has_commit))
        stable_read(m, m->rec.has_mem, m->rec.has_commit, w->v, &w->c, &w->mem, &w->commit);
    w->sc = m->sc_read;
    if (!w->mem)
        m->rec.has_mem = false;
    if (!w->commit)
        m->rec.has_commit = false;
}

static void win_close(struct measure *m, struct window *w)
{
    uint64_t minor, major;
    const char *why = NULL;
    uint64_t inexact = w->inexact;
    if (w->faults && m->in->faults_inexact)
        (void)m->in->faults_inexact(m->in->ctx, w->pid, &inexact, &why);
    if (w->faults && inexact != w->inexact) {
        m->rec.has_faults = false;
        snprintf(m->rec.faults_why_not, sizeof(m->rec.faults_why_not), "%s", why);
    } else if (w->faults && m->in->faults(m->in->ctx, w->pid, &minor, &major) == 0) {
        m->rec.minor += minor - w->minor;
        m->rec.major += major - w->major;
    } else if (w->pid > 0 && m->rec.has_faults) {
        m->rec.has_faults = false;
        snprintf(m->rec.faults_why_not, sizeof(m->rec.faults_why_not),
                 "the process's fault counters cannot be read");
    }
    int64_t v[VML_SNAP_MEM_FIELDS], idle[VML_SNAP_MEM_FIELDS], c = 0, idle_c = 0;
    bool mem_ok = false, commit_ok = false, idle_mem = false, idle_commit = false;
    if (w->mem || w->commit)
        stable_read(m, w->mem, w->commit, v, &c, &mem_ok, &commit_ok);
    int64_t sc = m->sc_read;
    if (!mem_ok)
        m->rec.has_mem = false;
    if (!commit_ok)
        m->rec.has_commit = false;
    if (!mem_ok && !commit_ok)
        return;
    /* Back-to-back readings agree even on a busy machine more often than a window as long as
     * the operation stays quiet: look at one such window right after (a round trip to the
     * process, as the operation was) and keep the change only if nothing moved in it. */
    uint64_t a, b;
    if (w->pid > 0 && m->in->faults)
        (void)m->in->faults(m->in->ctx, w->pid, &a, &b);
    stable_read(m, mem_ok, commit_ok, idle, &idle_c, &idle_mem, &idle_commit);
    if (commit_ok && idle_commit && idle_c != c) {
        idle_commit = false;
        snprintf(m->rec.commit_why_not, sizeof(m->rec.commit_why_not),
                 "other activity on the machine changes memory (Committed_AS moved by %lld kB in "
                 "a quiet window as long as the operation)",
                 (long long)(idle_c - c));
    }
    if (commit_ok && idle_commit)
        m->rec.commit += c - w->c;
    else
        m->rec.has_commit = false;
    if (!mem_ok)
        return;
    if (!idle_mem) {
        m->rec.has_mem = false;
        return;
    }
    for (unsigned i = 0; i < VML_SNAP_MEM_FIELDS; i++)
        if (idle[i] != v[i]) {
            m->rec.has_mem = false;
            snprintf(m->rec.mem_why_not, sizeof(m->rec.mem_why_not),
                     "other activity on the machine changes memory (%s moved by %lld kB in a "
                     "quiet window as long as the operation)",
                     mem_names[i], (long long)(idle[i] - v[i]));
            return;
        }
    for (unsigned i = 0; i < VML_SNAP_MEM_FIELDS; i++)
        m->rec.mem[i] += v[i] - w->v[i];
    m->rec.swapcache += sc - w->sc;
}

/* Marks what a call left that cannot be compared. */
static void no_mem(struct measure *m, const char *why)
{
    m->rec.has_mem = false;
    snprintf(m->rec.mem_why_not, sizeof(m->rec.mem_why_not), "%s", why);
}

static void no_commit(struct measure *m, const char *why)
{
    m->rec.has_commit = false;
    snprintf(m->rec.commit_why_not, sizeof(m->rec.commit_why_not), "%s", why);
}

static void no_faults(struct measure *m, const char *why)
{
    m->rec.has_faults = false;
    snprintf(m->rec.faults_why_not, sizeof(m->rec.faults_why_not), "%s", why);
}

static void killed(struct measure *m, const struct vml_sim_access *res)
{
    if (!res->killed)
        return;
    no_faults(m, "the process was killed");
    no_mem(m, "the process was killed (a real one's own memory goes with it)");
    no_commit(m, "the process was killed (a real one's own mappings go with it)");
}

void measure_begin(struct measure *m, unsigned line, const char *what)
{
    memset(&m->rec, 0, sizeof(m->rec));
    m->rec.line = line;
    snprintf(m->rec.what, sizeof(m->rec.what), "%s", what);
    m->rec.has_faults = m->in->faults != NULL;
    m->rec.has_mem = m->in->meminfo != NULL;
    m->rec.has_commit = m->in->meminfo != NULL;
    snprintf(m->rec.commit_why_not, sizeof(m->rec.commit_why_not), "%s",
             "the backend has no settled meminfo");
    if (!m->rec.has_faults)
        snprintf(m->rec.faults_why_not, sizeof(m->rec.faults_why_not),
                 "the backend does not count faults");
    if (!m->rec.has_mem)
        snprintf(m->rec.mem_why_not, sizeof(m->rec.mem_why_not),
                 "the backend has no settled meminfo");
    m->kills = m->in->kills ? m->in->kills(m->in->ctx) : 0;
    vmstat_counts(m, &m->oom_kill, &m->rec.has_oom_kill, m->numa, &m->rec.has_numa, m->mig,
                  &m->rec.has_migrate, m->bal, &m->rec.has_balance);
    /* Each node's free pages as the operation begins: the fallback rule's bound (diff.c). */
    m->rec.has_free = m->nodes > 1 && measure_node_free(m->in, m->nodes, m->rec.free, m->rec.pcp,
                                                        &m->rec.has_pcp) == 0;
    m->rec.has_pcp = m->rec.has_pcp && m->rec.has_free;
    m->open = true;
}

void measure_end(struct measure *m, struct vml_snap_op *rec)
{
    /* The OOM killer took a process on the way (not necessarily the operation's): a real
     * victim's own memory (its runtime's) went with it, which no simulated process has. */
    if (m->in->kills && m->in->kills(m->in->ctx) != m->kills) {
        if (m->rec.has_mem)
            no_mem(m, "the OOM killer killed a process during it (a real one's own memory goes "
                      "with it)");
        if (m->rec.has_commit)
            no_commit(m, "the OOM killer killed a process during it (a real one's own mappings "
                         "go with it)");
    }
    uint64_t kills, numa[VML_SNAP_NUMA_FIELDS], mig[VML_SNAP_MIGRATE_FIELDS];
    uint64_t bal[VML_SNAP_BALANCE_FIELDS];
    bool oom_ok, numa_ok, mig_ok, bal_ok;
    vmstat_counts(m, &kills, &oom_ok, numa, &numa_ok, mig, &mig_ok, bal, &bal_ok);
    if (m->rec.has_oom_kill && oom_ok)
        m->rec.oom_kill = kills - m->oom_kill;
    else
        m->rec.has_oom_kill = false;
    m->rec.has_numa = m->rec.has_numa && numa_ok;
    for (unsigned i = 0; m->rec.has_numa && i < VML_SNAP_NUMA_FIELDS; i++)
        m->rec.numa[i] = (int64_t)(numa[i] - m->numa[i]);
    m->rec.has_migrate = m->rec.has_migrate && mig_ok;
    for (unsigned i = 0; m->rec.has_migrate && i < VML_SNAP_MIGRATE_FIELDS; i++)
        m->rec.migrate[i] = (int64_t)(mig[i] - m->mig[i]);
    m->rec.has_swapcache = m->rec.has_mem;
    m->rec.has_balance = m->rec.has_balance && bal_ok;
    for (unsigned i = 0; m->rec.has_balance && i < VML_SNAP_BALANCE_FIELDS; i++)
        m->rec.balance[i] = (int64_t)(bal[i] - m->bal[i]);
    *rec = m->rec;
    m->open = false;
}

/* ---- the wrapped calls ----------------------------------------------------------------------
 */

#define CTX struct measure *m = ctx

static int m_start(void *ctx, const struct vml_machine_cfg *mc, struct vml_text *notes,
                   unsigned *col, char *msg)
{
    CTX;
    m->nodes = mc->nr_nodes;
    return m->in->start(m->in->ctx, mc, notes, col, msg);
}

static void m_destroy(void *ctx)
{
    CTX;
    m->in->destroy(m->in->ctx);
}

static int m_spawn(void *ctx, const char *name, int *pid, char *msg)
{
    CTX;
    return m->in->spawn(m->in->ctx, name, pid, msg);
}

/* One smaps block: its Size when its VmFlags have "ac" (VM_ACCOUNT) and not "dc"
 * (VM_DONTCOPY, which dup_mmap skips). */
static int acct_block(const struct vml_smaps *b, void *ctx)
{
    const char *f = b->vm_flags ? b->vm_flags : "";
    bool ac = false, dc = false;
    for (const char *w = f; *w;) {
        while (*w == ' ')
            w++;
        size_t n = strcspn(w, " ");
        ac |= n == 2 && memcmp(w, "ac", 2) == 0;
        dc |= n == 2 && memcmp(w, "dc", 2) == 0;
        w += n;
    }
    if (ac && !dc)
        *(int64_t *)ctx += (int64_t)b->size;
    return 0;
}

/* The kB of pid's VMAs that a fork charges again (dup_mmap: each VM_ACCOUNT VMA it copies). */
static bool accounted_kb(struct measure *m, int pid, int64_t *kb)
{
    struct vml_text t = { 0 };
    char msg[VML_BACKEND_MSG] = "";
    *kb = 0;
    bool ok = m->in->proc_text(m->in->ctx, pid, VML_PROCFILE_SMAPS, 0, 0, &t, msg) == 0 &&
              (t.len == 0 || vml_proc_parse_smaps(t.s, t.len, acct_block, kb, NULL) == 0);
    vml_text_free(&t);
    return ok;
}

static int m_fork(void *ctx, int pid, const char *child_name, int *child, char *msg)
{
    CTX;
    struct window w;
    int64_t copy = 0;
    bool have_copy = accounted_kb(m, pid, &copy);
    win_open(m, pid, &w);
    int r = m->in->fork(m->in->ctx, pid, child_name, child, msg);
    win_close(m, &w);
    no_faults(m, "a real parent's own stack is copy-on-write after fork and faults");
    no_mem(m, "a real child's own memory (its stack and buffers, made private) is counted too");
    /* Committed_AS: the real child's copy charges the agent's own accounted mappings too, so
     * the change is compared with what the parent's VMAs say dup_mmap charges, on each side. */
    if (!have_copy && m->rec.has_commit)
        no_commit(m, "the parent's smaps (its accounted VMAs, which the fork charges again) "
                     "cannot be read");
    m->rec.has_copy = have_copy && m->rec.has_commit;
    m->rec.copy = copy;
    return r;
}

static int m_exit(void *ctx, int pid, char *msg)
{
    CTX;
    return m->in->exit(m->in->ctx, pid, msg);
}

static int m_mmap(void *ctx, int pid, uint64_t hint, uint64_t len, unsigned prot, unsigned flags,
                  int file, uint64_t off, uint64_t *addr, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->mmap(m->in->ctx, pid, hint, len, prot, flags, file, off, addr, msg);
    win_close(m, &w);
    return r;
}

static int m_munmap(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->munmap(m->in->ctx, pid, addr, len, msg);
    win_close(m, &w);
    return r;
}

static int m_mprotect(void *ctx, int pid, uint64_t addr, uint64_t len, unsigned prot, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->mprotect(m->in->ctx, pid, addr, len, prot, msg);
    win_close(m, &w);
    return r;
}

static int m_madvise(void *ctx, int pid, uint64_t addr, uint64_t len, int advice, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->madvise(m->in->ctx, pid, addr, len, advice, msg);
    win_close(m, &w);
    return r;
}

static int m_mlock(void *ctx, int pid, uint64_t addr, uint64_t len, bool lock, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->mlock(m->in->ctx, pid, addr, len, lock, msg);
    win_close(m, &w);
    return r;
}

static int m_brk(void *ctx, int pid, int64_t delta, uint64_t *brk, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->brk(m->in->ctx, pid, delta, brk, msg);
    win_close(m, &w);
    return r;
}

static int m_touch(void *ctx, int pid, uint64_t start, uint64_t end, uint64_t stride,
                   enum vml_access access, struct vml_sim_access *res, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->touch(m->in->ctx, pid, start, end, stride, access, res, msg);
    if (res->killed)
        w.mem = w.faults = w.commit = false;
    win_close(m, &w);
    killed(m, res);
    return r;
}

static int m_replay_begin(void *ctx, int pid, char *msg)
{
    CTX;
    m->replay_pid = pid;
    return m->in->replay_begin(m->in->ctx, pid, msg);
}

static int m_replay_feed(void *ctx, const struct vml_trace_rec *recs, size_t n, size_t *done,
                         struct vml_sim_access *res, char *msg)
{
    CTX;
    struct window w;
    win_open(m, m->replay_pid, &w);
    int r = m->in->replay_feed(m->in->ctx, recs, n, done, res, msg);
    if (res->killed)
        w.mem = w.faults = w.commit = false;
    win_close(m, &w);
    killed(m, res);
    return r;
}

static int m_replay_end(void *ctx, struct vml_text *report)
{
    CTX;
    return m->in->replay_end(m->in->ctx, report);
}

static int m_file_create(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->file_create(m->in->ctx, name, size, file, msg);
    win_close(m, &w);
    return r;
}

static int m_file_delete(void *ctx, int file, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->file_delete(m->in->ctx, file, msg);
    win_close(m, &w);
    return r;
}

static int m_memfd_get(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->memfd_get(m->in->ctx, name, size, file, msg);
    win_close(m, &w);
    return r;
}

static uint64_t m_file_size(void *ctx, int file)
{
    CTX;
    return m->in->file_size(m->in->ctx, file);
}

static int m_file_io(void *ctx, int pid, int file, uint64_t off, uint64_t len, uint64_t chunk,
                     bool write, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->file_io(m->in->ctx, pid, file, off, len, chunk, write, msg);
    win_close(m, &w);
    return r;
}

static int m_fsync(void *ctx, int pid, int file, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->fsync(m->in->ctx, pid, file, msg);
    win_close(m, &w);
    return r;
}

static int m_fdatasync(void *ctx, int pid, int file, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->fdatasync(m->in->ctx, pid, file, msg);
    win_close(m, &w);
    return r;
}

static int m_fadvise(void *ctx, int pid, int file, uint64_t off, uint64_t len, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->fadvise_dontneed(m->in->ctx, pid, file, off, len, msg);
    win_close(m, &w);
    return r;
}

static int m_truncate(void *ctx, int pid, int file, uint64_t size, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->truncate(m->in->ctx, pid, file, size, msg);
    win_close(m, &w);
    return r;
}

static int m_fallocate(void *ctx, int pid, int file, uint64_t off, uint64_t len, unsigned mode,
                       char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->fallocate(m->in->ctx, pid, file, off, len, mode, msg);
    win_close(m, &w);
    return r;
}

static int m_msync(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->msync(m->in->ctx, pid, addr, len, msg);
    win_close(m, &w);
    return r;
}

static int m_cpu_run(void *ctx, unsigned cpu, int pid, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->cpu_run(m->in->ctx, cpu, pid, msg);
    win_close(m, &w);
    return r;
}

/* Settings are not measured (run.c: measured), and show thp reads. */
static int m_set(void *ctx, const char *path, const char *value, struct vml_text *notes, char *msg)
{
    CTX;
    return m->in->set(m->in->ctx, path, value, notes, msg);
}

static int m_thp_text(void *ctx, struct vml_text *out, char *msg)
{
    CTX;
    return m->in->thp_text(m->in->ctx, out, msg);
}

static int m_vm_text(void *ctx, struct vml_text *out, char *msg)
{
    CTX;
    return m->in->vm_text(m->in->ctx, out, msg);
}

/* A wait is not measured (run.c: measured): what the kernel's threads do meanwhile on a real
 * machine includes other processes' memory. */
static int m_wait(void *ctx, uint64_t ns, char *msg)
{
    CTX;
    return m->in->wait(m->in->ctx, ns, msg);
}

static int m_swapon(void *ctx, const char *name, uint64_t size, int prio, bool partition, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->swapon(m->in->ctx, name, size, prio, partition, msg);
    win_close(m, &w);
    return r;
}

static int m_swapoff(void *ctx, const char *name, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->swapoff(m->in->ctx, name, msg);
    win_close(m, &w);
    return r;
}

static int m_thp_disable(void *ctx, int pid, bool on, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->thp_disable(m->in->ctx, pid, on, msg);
    win_close(m, &w);
    return r;
}

static int m_oom_score_adj(void *ctx, int pid, int adj, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->oom_score_adj(m->in->ctx, pid, adj, msg);
    win_close(m, &w);
    return r;
}

static int m_cgroup_create(void *ctx, const char *path, char *msg)
{
    CTX;
    struct window w;
    win_open(m, 0, &w);
    int r = m->in->cgroup_create(m->in->ctx, path, msg);
    win_close(m, &w);
    return r;
}

static int m_cgroup_attach(void *ctx, int pid, const char *path, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->cgroup_attach(m->in->ctx, pid, path, msg);
    win_close(m, &w);
    return r;
}

static int m_cgroup_text(void *ctx, const char *path, const char *file, bool v1,
                         struct vml_text *out, char *msg)
{
    CTX;
    return m->in->cgroup_text(m->in->ctx, path, file, v1, out, msg);
}

/* The NUMA statements, passed through: they allocate nothing themselves. */
static int m_spawn_numa(void *ctx, const char *name, const struct vml_op_numa *o, int *pid,
                        char *msg)
{
    CTX;
    return m->in->spawn_numa(m->in->ctx, name, o, pid, msg);
}

static int m_set_mempolicy(void *ctx, int pid, const struct vml_mpol *pol, char *msg)
{
    CTX;
    return m->in->set_mempolicy(m->in->ctx, pid, pol, msg);
}

/* The migration calls are measured (they allocate the new pages and free the old): a window
 * around each, and what it returned kept for comparison (rec.result). */
static int m_mbind_move(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                        unsigned mf, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->mbind_move(m->in->ctx, pid, addr, len, pol, mf, msg);
    win_close(m, &w);
    if (r == 0) /* 0 without MPOL_MF_STRICT, whatever could not move (do_mbind) */
        snprintf(m->rec.result, sizeof(m->rec.result), "0");
    return r;
}

/* Appends " V" or " V*K" (K equal values in a row) for each run of v[0..n). */
static void runs_text(char *buf, size_t cap, const int *v, size_t n)
{
    size_t len = strlen(buf);
    for (size_t i = 0; i < n && len + 1 < cap;) {
        size_t k = 1;
        while (i + k < n && v[i + k] == v[i])
            k++;
        static const struct {
            int e;
            const char *name;
        } names[] = { { -ENOENT, "-ENOENT" }, { -EFAULT, "-EFAULT" },
                      { -EACCES, "-EACCES" }, { -EBUSY, "-EBUSY" },
                      { -ENOMEM, "-ENOMEM" }, { VML_MOVE_PAGES_UNSET, "unset" } };
        char one[16];
        snprintf(one, sizeof(one), "%d", v[i]);
        for (size_t e = 0; e < sizeof(names) / sizeof(names[0]); e++)
            if (v[i] == names[e].e)
                snprintf(one, sizeof(one), "%s", names[e].name);
        int w = k > 1 ? snprintf(buf + len, cap - len, " %s*%zu", one, k)
                      : snprintf(buf + len, cap - len, " %s", one);
        if (w < 0 || (size_t)w >= cap - len) {
            buf[len] = 0;
            snprintf(buf + len, cap - len, " ..."); /* too long to keep whole */
            break;
        }
        len += (size_t)w;
        i += k;
    }
}

static int m_move_pages(void *ctx, int pid, size_t n, const uint64_t *addrs, const int *nodes,
                        int *status, unsigned mf, char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->move_pages(m->in->ctx, pid, n, addrs, nodes, status, mf, msg);
    win_close(m, &w);
    if (r >= 0 || r == VML_ENOMEM) {
        snprintf(m->rec.result, sizeof(m->rec.result), "status");
        runs_text(m->rec.result, sizeof(m->rec.result), status, n);
        size_t len = strlen(m->rec.result);
        if (r)
            snprintf(m->rec.result + len, sizeof(m->rec.result) - len, " returned %s",
                     r > 0 ? "" : "-ENOMEM");
        if (r > 0)
            snprintf(m->rec.result + strlen(m->rec.result),
                     sizeof(m->rec.result) - strlen(m->rec.result), "%d", r);
    }
    return r;
}

static int m_migrate_pages(void *ctx, int pid, uint32_t from, uint32_t to, uint64_t *left,
                           char *msg)
{
    CTX;
    struct window w;
    win_open(m, pid, &w);
    int r = m->in->migrate_pages(m->in->ctx, pid, from, to, left, msg);
    win_close(m, &w);
    if (r == 0)
        snprintf(m->rec.result, sizeof(m->rec.result), "not moved %llu", (unsigned long long)*left);
    else if (r == VML_ENOMEM)
        snprintf(m->rec.result, sizeof(m->rec.result), "returned -ENOMEM");
    return r;
}

static int m_mbind(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                   char *msg)
{
    CTX;
    return m->in->mbind(m->in->ctx, pid, addr, len, pol, msg);
}

static int m_set_affinity(void *ctx, int pid, const uint64_t *cpus, char *msg)
{
    CTX;
    return m->in->set_affinity(m->in->ctx, pid, cpus, msg);
}

static int m_node_text(void *ctx, unsigned node, unsigned file, struct vml_text *out, char *msg)
{
    CTX;
    return m->in->node_text(m->in->ctx, node, file, out, msg);
}

static int m_proc_text(void *ctx, int pid, enum vml_procfile f, uint64_t start, uint64_t end,
                       struct vml_text *out, char *msg)
{
    CTX;
    return m->in->proc_text(m->in->ctx, pid, f, start, end, out, msg);
}

static uint64_t m_kills(void *ctx)
{
    CTX;
    return m->in->kills(m->in->ctx);
}

static int m_status_of(void *ctx, int pid, struct vml_sim_death *death)
{
    CTX;
    return m->in->status_of(m->in->ctx, pid, death);
}

static int m_check(void *ctx, char *why, size_t len)
{
    CTX;
    return m->in->check(m->in->ctx, why, len);
}

static struct vml_sim *m_sim(void *ctx)
{
    CTX;
    return m->in->sim(m->in->ctx);
}

static const char *m_pte_why_not(void *ctx, int pid)
{
    CTX;
    return m->in->pte_why_not(m->in->ctx, pid);
}

int measure_wrap(struct vml_backend *in, struct measure **out, struct vml_backend *proxy)
{
    struct measure *m = calloc(1, sizeof(*m));
    if (!m)
        return VML_EHOST;
    m->in = in;
    *proxy = (struct vml_backend){
        .name = in->name,
        .ctx = m,
        .start = m_start,
        .destroy = m_destroy,
        .spawn = m_spawn,
        .fork = m_fork,
        .exit = m_exit,
        .mmap = m_mmap,
        .munmap = m_munmap,
        .mprotect = m_mprotect,
        .madvise = m_madvise,
        .mlock = m_mlock,
        .brk = m_brk,
        .touch = m_touch,
        .replay_begin = m_replay_begin,
        .replay_feed = m_replay_feed,
        .replay_end = m_replay_end,
        .file_create = m_file_create,
        .file_delete = m_file_delete,
        .memfd_get = m_memfd_get,
        .file_size = m_file_size,
        .file_io = m_file_io,
        .fsync = m_fsync,
        .msync = m_msync,
        .fdatasync = in->fdatasync ? m_fdatasync : NULL,
        .fadvise_dontneed = in->fadvise_dontneed ? m_fadvise : NULL,
        .truncate = in->truncate ? m_truncate : NULL,
        .fallocate = in->fallocate ? m_fallocate : NULL,
        .cpu_run = m_cpu_run,
        .set = in->set ? m_set : NULL,
        .thp_text = in->thp_text ? m_thp_text : NULL,
        .vm_text = in->vm_text ? m_vm_text : NULL,
        .thp_disable = in->thp_disable ? m_thp_disable : NULL,
        .oom_score_adj = in->oom_score_adj ? m_oom_score_adj : NULL,
        .cgroup_create = in->cgroup_create ? m_cgroup_create : NULL,
        .cgroup_attach = in->cgroup_attach ? m_cgroup_attach : NULL,
        .cgroup_text = in->cgroup_text ? m_cgroup_text : NULL,
        .spawn_numa = in->spawn_numa ? m_spawn_numa : NULL,
        .set_mempolicy = in->set_mempolicy ? m_set_mempolicy : NULL,
        .mbind = in->mbind ? m_mbind : NULL,
        .mbind_move = in->mbind_move ? m_mbind_move : NULL,
        .move_pages = in->move_pages ? m_move_pages : NULL,
        .migrate_pages = in->migrate_pages ? m_migrate_pages : NULL,
        .set_affinity = in->set_affinity ? m_set_affinity : NULL,
        .node_text = in->node_text ? m_node_text : NULL,
        .wait = in->wait ? m_wait : NULL,
        .swapon = in->swapon ? m_swapon : NULL,
        .swapoff = in->swapoff ? m_swapoff : NULL,
        .proc_text = m_proc_text,
        .status_of = m_status_of,
        .kills = in->kills ? m_kills : NULL,
        .check = in->check ? m_check : NULL,
        .sim = m_sim,
        .faults = NULL, /* the proxy measures; nothing above it does */
        .meminfo = NULL,
        .pte_why_not = in->pte_why_not ? m_pte_why_not : NULL,
    };
    *out = m;
    return 0;
}

void measure_free(struct measure *m)
{
    free(m);
}

/* ---- agreement over runs ----------------------------------------------------------------- */

static bool mem_equal(const struct vml_snap_op *a, const struct vml_snap_op *b)
{
    return memcmp(a->mem, b->mem, sizeof(a->mem)) == 0;
}

/* Under a cgroup's memory limit (limited: the scenario sets one), two runs agree on an
 * operation's meminfo when every line but AnonPages is equal and AnonPages plus SwapCached
 * is: how many of the pages the limit's reclaim unmapped are still in the swap cache is the
 * device's timing, different in every run, while their sum is what the limit decides (vmlab
 * diff compares the two so: diff.c, limit_anon). Elsewhere, every line equal. */
static bool mem_agree(const struct vml_snap_op *a, const struct vml_snap_op *b, bool limited)
{
    if (!limited || !a->has_swapcache || !b->has_swapcache)
        return mem_equal(a, b);
    for (unsigned f = 0; f < VML_SNAP_MEM_FIELDS; f++)
        if (f != VML_SNAP_ANON_PAGES && a->mem[f] != b->mem[f])
            return false;
    return a->mem[VML_SNAP_ANON_PAGES] + a->swapcache == b->mem[VML_SNAP_ANON_PAGES] + b->swapcache;
}

/* Whether automatic NUMA balancing worked during a run's operation: the scanner marked
 * entries or a hinting fault came. */
static bool balanced(const struct vml_snap_op *r)
{
    return r->has_balance && (r->balance[VML_SNAP_NUMA_PTE_UPDATES] != 0 ||
                              r->balance[VML_SNAP_NUMA_HINT_FAULTS] != 0);
}

/* The NUMA counters of an operation over its m runs' records. They count every allocation of
 * the machine, and another program's only add to the operation's own, so the run with the
 * fewest allocations (numa_hit + numa_miss) is the quietest. Its counters are kept together,
 * with its nodes' free pages before the operation (has_free): they belong to one split of a
 * fill between the nodes (diff's compare_fill), and the smallest change of each counter taken
 * apart could come from runs that split differently, a vector no run measured. The migration
 * counters: the smallest change (kcompactd's migrations only add), except when NUMA balancing
 * worked in a run (its migrations are timing): then that run's, with its balancing counters and
 * its faults (a hinting fault is a page fault), so that they all come from one run. */
static void vote_numa(const struct vml_snap_op *const *rec, unsigned m, struct vml_snap_op *op)
{
    int q = -1;
    for (unsigned a = 0; a < m; a++)
        if (rec[a]->has_numa &&
            (q < 0 || rec[a]->numa[VML_SNAP_NUMA_HIT] + rec[a]->numa[VML_SNAP_NUMA_MISS] <
                          rec[q]->numa[VML_SNAP_NUMA_HIT] + rec[q]->numa[VML_SNAP_NUMA_MISS]))
            q = (int)a;
    op->has_numa = q >= 0;
    if (q >= 0) {
        memcpy(op->numa, rec[q]->numa, sizeof(op->numa));
        op->has_free = rec[q]->has_free;
        memcpy(op->free, rec[q]->free, sizeof(op->free));
        op->has_pcp = rec[q]->has_pcp;
        memcpy(op->pcp, rec[q]->pcp, sizeof(op->pcp));
    }
    bool bal = false;
    for (unsigned a = 0; a < m; a++)
        bal |= balanced(rec[a]);
    if (bal && q >= 0) {
        const struct vml_snap_op *r = rec[q];
        op->has_balance = r->has_balance;
        memcpy(op->balance, r->balance, sizeof(op->balance));
        op->has_migrate = r->has_migrate;
        memcpy(op->migrate, r->migrate, sizeof(op->migrate));
        op->has_faults = r->has_faults;
        op->minor = r->minor;
        op->major = r->major;
        memcpy(op->faults_why_not, r->faults_why_not, sizeof(op->faults_why_not));
        return;
    }
    bool mig_any = false, bal_any = false;
    for (unsigned a = 0; a < m; a++) {
        if (rec[a]->has_migrate) {
            for (unsigned f = 0; f < VML_SNAP_MIGRATE_FIELDS; f++)
                if (!mig_any || rec[a]->migrate[f] < op->migrate[f])
                    op->migrate[f] = rec[a]->migrate[f];
            mig_any = true;
        }
        if (rec[a]->has_balance && !bal_any) {
            memcpy(op->balance, rec[a]->balance, sizeof(op->balance));
            bal_any = true;
        }
    }
    op->has_migrate = mig_any;
    op->has_balance = bal_any;
}

unsigned vml_snapshot_vote(const struct vml_snapshot *runs, unsigned n, struct vml_snap_op *ops)
{
    unsigned open = 0;
    const struct vml_snapshot *first = &runs[0];
    for (size_t i = 0; i < first->n_ops; i++) {
        struct vml_snap_op *op = &ops[i];
        *op = first->ops[i];
        /* The runs' records of this operation (the same scenario gives the same list). */
        const struct vml_snap_op *rec[8];
        unsigned m = 0;
        for (unsigned k = 0; k < n && m < 8; k++)
            if (runs[k].n_ops == first->n_ops && runs[k].ops[i].line == op->line)
                rec[m++] = &runs[k].ops[i];
        /* Faults: per process, little noise; the count two runs agree on, else the first. */
        for (unsigned a = 0; a < m; a++) {
            unsigned agree = 0;
            for (unsigned b = 0; b < m; b++)
                agree += rec[a]->has_faults && rec[b]->has_faults &&
                         rec[a]->minor == rec[b]->minor && rec[a]->major == rec[b]->major;
            if (agree >= 2) {
                op->has_faults = true;
                op->minor = rec[a]->minor;
                op->major = rec[a]->major;
                break;
            }
        }
        vote_numa(rec, m, op);
        /* A call's result: the one most runs returned (the first's on a tie). */
        unsigned best = 0;
        for (unsigned a = 0; a < m; a++) {
            unsigned same = 0;
            for (unsigned b = 0; b < m; b++)
                same += strcmp(rec[a]->result, rec[b]->result) == 0;
            if (same > best) {
                best = same;
                memcpy(op->result, rec[a]->result, sizeof(op->result));
            }
        }
        /* Committed_AS: the change two runs agree on, voted apart from the other lines. */
        bool c_agreed = false, c_any = false;
        for (unsigned a = 0; a < m && !c_agreed; a++) {
            if (!rec[a]->has_commit)
                continue;
            c_any = true;
            for (unsigned b = a + 1; b < m && !c_agreed; b++)
                if (rec[b]->has_commit && rec[b]->commit == rec[a]->commit &&
                    rec[b]->has_copy == rec[a]->has_copy && rec[b]->copy == rec[a]->copy) {
                    op->commit = rec[a]->commit;
                    op->has_copy = rec[a]->has_copy;
                    op->copy = rec[a]->copy;
                    c_agreed = true;
                }
        }
        if (c_agreed) {
            op->has_commit = true;
            op->commit_why_not[0] = 0;
        } else if (c_any || strstr(op->commit_why_not, "other activity")) {
            open++;
            op->has_commit = false;
            char cv[VML_BACKEND_MSG / 2] = "";
            size_t cl = 0;
            for (unsigned a = 0; a < m && cl < sizeof(cv); a++)
                if (rec[a]->has_commit)
                    cl += (size_t)snprintf(cv + cl, sizeof(cv) - cl, "%s%lld", cl ? ", " : "",
                                           (long long)rec[a]->commit);
            unsigned had = 0;
            for (unsigned a = 0; a < m; a++)
                had += rec[a]->has_commit;
            if (cl)
                snprintf(op->commit_why_not, sizeof(op->commit_why_not),
                         "other activity on the machine changes memory: %u of %u runs had "
                         "settled readings, which measured Committed_AS by %.64s kB",
                         had, m, cv);
            else
                snprintf(op->commit_why_not, sizeof(op->commit_why_not),
                         "other activity on the machine changes memory: no two of %u runs had "
                         "settled readings of Committed_AS",
                         m);
        }
        /* meminfo: the change two settled runs agree on. */
        bool agreed = false, any = false;
        for (unsigned a = 0; a < m && !agreed; a++) {
            if (!rec[a]->has_mem)
                continue;
            any = true;
            for (unsigned b = a + 1; b < m && !agreed; b++)
                if (rec[b]->has_mem && mem_agree(rec[a], rec[b], first->memcg_max_kb != 0)) {
                    memcpy(op->mem, rec[a]->mem, sizeof(op->mem));
                    /* The swap cache of one of the agreeing runs (it belongs with their
                     * AnonPages: diff's rule under a limit compares the two together). */
                    op->has_swapcache = rec[a]->has_swapcache;
                    op->swapcache = rec[a]->swapcache;
                    agreed = true;
                }
        }
        if (agreed) {
            op->has_mem = true;
            op->mem_why_not[0] = 0;
            continue;
        }
        if (!any && !strstr(op->mem_why_not, "other activity")) {
            /* Not measured for a reason of the operation's own (a fork, a kill): no vote. */
            continue;
        }
        open++;
        op->has_mem = false;
        op->has_swapcache = false;
        /* Name the first field the runs disagree on, with each run's value. */
        int field = -1;
        for (unsigned f = 0; f < VML_SNAP_MEM_FIELDS && field < 0; f++)
            for (unsigned a = 1; a < m; a++)
                if (rec[a]->has_mem && rec[0]->has_mem && rec[a]->mem[f] != rec[0]->mem[f])
                    field = (int)f;
        char vals[VML_BACKEND_MSG / 2] = "";
        size_t len = 0;
        for (unsigned a = 0; a < m && field >= 0 && len < sizeof(vals); a++)
            if (rec[a]->has_mem)
                len += (size_t)snprintf(vals + len, sizeof(vals) - len, "%s%lld", len ? ", " : "",
                                        (long long)rec[a]->mem[field]);
        if (field >= 0)
            snprintf(op->mem_why_not, sizeof(op->mem_why_not),
                     "other activity on the machine changes memory: %u runs measured %s by %s kB",
                     m, mem_names[field], vals);
        else
            snprintf(op->mem_why_not, sizeof(op->mem_why_not),
                     "other activity on the machine changes memory: no two of %u runs had settled "
                     "readings",
                     m);
    }
    return open;
}
