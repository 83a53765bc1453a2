/* scenario/results.c: the Linux side of a vmlab diff as a file (vmlab diff --record-linux on
 * the machine whose kernel is compared, --linux-results where the simulator runs).
 *
 * The format is line-based text, one record a line: a keyword, numbers separated by one space,
 * and at most one string, last, which runs to the end of the line with backslash and newline
 * escaped (\\ and \n). Records nest by order: a proc is followed by its maps, each map by its
 * counts. Counter arrays are written with their length, which must be this vmlab's: results
 * recorded by a vmlab whose structures differ are refused with the reason, not misread.
 *
 *   vmlab-linux-results 1
 *   scenario HASH RUNS NAME
 *   kernel RELEASE-AND-VERSION
 *   thp-error ERR MSG | thp I VALUE        (each THP file this kernel has, by vml_thp_file index)
 *   zero_page ERR ON       pt_reclaim ERR ON       readahead ERR BYTES TMPDIR
 *   soft_dirty ERR ON      anon_thp_align ERR ON
 *   soft_dirty ERR ON      anon_thp_align ERR ON
 *   snapshot NPROCS NTEXTS NOPS CONFINED TOTALPAGES
 *   pool TAKEN TOTAL FREE RSVD SURP
 *   nodefree N V...                         (optional: each node's MemFree in pages at the
 *                                            scenario's start, VML_MAX_NODES)
 *   nodepcp N V...                          (optional: the pages in each node's per-CPU lists
 *                                            then, VML_MAX_NODES)
 *   limit_stat N V...                      (optional: struct vml_snap_memcg, the limited
 *                                           cgroup's memory.stat at the end, kB)
 *   proc PID ALIVE KILLED SI_CODE ADDR SEQ HAS_OOM OOM_SCORE OOM_SCORE_ADJ NMAPS NAME
 *   status N FIRST... LAST...              (N fields of struct vml_status_mem, twice)
 *   pte_why_not WHY
 *   map START LEN VMAS SPILLS SIZE HAS_NODES NAME
 *   counts N V...                           (struct vml_smaps_counts)
 *   nodes N V...                            (VML_MAX_NODES)
 *   vm_flags TEXT
 *   thp_eligible TEXT
 *   policy TEXT                             (optional: numa_maps' policies)
 *   op LINE HAS_FAULTS MINOR MAJOR HAS_MEM HAS_COMMIT COMMIT HAS_COPY COPY HAS_OOM_KILL OOM_KILL
 * WHAT mem N V... faults_why_not WHY / mem_why_not WHY / commit_why_not WHY, then optional
 * lines: numa N V... (vmstat's numa_* changes), free N V... (each node's MemFree in pages before
 * the operation, VML_MAX_NODES), pcp N V... (each node's per-CPU lists' pages then), migrate N V...
 * (pgmigrate_* changes), balance N V... (the NUMA balancing counters' changes), result TEXT,
 * swapcache V (meminfo's SwapCached change); text LINE VM TEXT (a show thp or show vm's files)
 * end
 */
#include "util/diag.h"
#include "util/text.h"
#include "vmlab/run.h"

#include <stdlib.h>
#include <string.h>

#define RESULTS_MAGIC "vmlab-linux-results 1"
#define STATUS_N      (sizeof(struct vml_status_mem) / sizeof(uint64_t))
#define COUNTS_N      (sizeof(struct vml_smaps_counts) / sizeof(uint64_t))

uint64_t vml_results_hash(const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* ---- writing ------------------------------------------------------------------------------- */

static void put_str(struct vml_text *out, const char *s)
{
    text_printf(out, " ");
    for (; *s; s++) {
        if (*s == '\\')
            text_printf(out, "\\\\");
        else if (*s == '\n')
            text_printf(out, "\\n");
        else
            text_append(out, s, 1);
    }
    text_printf(out, "\n");
}

static void put_array(struct vml_text *out, const char *key, const uint64_t *v, size_t n)
{
    text_printf(out, "%s %zu", key, n);
    for (size_t i = 0; i < n; i++)
        text_printf(out, " %llu", (unsigned long long)v[i]);
    text_printf(out, "\n");
}

static void put_counters(struct vml_text *out, const char *key, const int64_t *v, size_t n)
{
    text_printf(out, "%s %zu", key, n);
    for (size_t i = 0; i < n; i++)
        text_printf(out, " %lld", (long long)v[i]);
    text_printf(out, "\n");
}

static void put_status(struct vml_text *out, const struct vml_snap_proc *p)
{
    uint64_t v[2 * STATUS_N];
    memcpy(v, &p->first, sizeof(p->first));
    memcpy(v + STATUS_N, &p->last, sizeof(p->last));
    text_printf(out, "status %zu", STATUS_N);
    for (size_t i = 0; i < 2 * STATUS_N; i++)
        text_printf(out, " %llu", (unsigned long long)v[i]);
    text_printf(out, "\n");
}

/* The limited cgroup's memory.stat at the end (optional: vmlab diff's resident bound). */
static void put_limit_stat(struct vml_text *out, const struct vml_snapshot *s)
{
    if (!s->has_limit_stat)
        return;
    const struct vml_snap_memcg *c = &s->limit_stat;
    const uint64_t v[VML_SNAP_MEMCG_FIELDS] = { c->anon,     c->file,       c->file_mapped,
                                                c->shmem,    c->swapcached, c->lru_anon,
                                                c->lru_file, c->unevictable };
    put_array(out, "limit_stat", v, VML_SNAP_MEMCG_FIELDS);
}

int vml_results_format(const struct vml_linux_results *r, struct vml_text *out)
{
    const struct vml_kernel_traits *k = &r->k;
    const struct vml_snapshot *s = &r->snap;
    text_printf(out, "%s\n", RESULTS_MAGIC);
    text_printf(out, "scenario %016llx %u", (unsigned long long)r->hash, r->runs);
    put_str(out, r->scenario);
    text_printf(out, "kernel");
    put_str(out, k->kernel);
    if (k->thp_err) {
        text_printf(out, "thp-error %d", k->thp_err);
        put_str(out, k->thp_msg);
    } else {
        for (size_t i = 0; i < vml_thp_nr_files(); i++) {
            if (!(k->thp_have & (1u << i)))
                continue;
            char v[VML_THP_SHOW_MAX];
            vml_thp_value(&k->thp, i, v);
            text_printf(out, "thp %zu", i);
            put_str(out, v);
        }
    }
    text_printf(out, "zero_page %d %d\n", k->zero_err, k->zero_page ? 1 : 0);
    text_printf(out, "pt_reclaim %d %d\n", k->pt_reclaim_err, k->pt_reclaim ? 1 : 0);
    text_printf(out, "readahead %d %llu", k->readahead_err, (unsigned long long)k->readahead_bytes);
    put_str(out, k->tmpdir);
    text_printf(out, "soft_dirty %d %d\n", k->soft_dirty_err, k->soft_dirty ? 1 : 0);
    text_printf(out, "anon_thp_align %d %d\n", k->anon_align_err, k->anon_align ? 1 : 0);
    text_printf(out, "snapshot %zu %zu %zu %d %llu\n", s->n_procs, s->n_thp, s->n_ops,
                s->confined ? 1 : 0, (unsigned long long)s->totalpages);
    text_printf(out, "pool %d %llu %llu %llu %llu\n", s->pool.taken ? 1 : 0,
                (unsigned long long)s->pool.total, (unsigned long long)s->pool.free,
                (unsigned long long)s->pool.rsvd, (unsigned long long)s->pool.surp);
    if (s->has_start_free)
        put_counters(out, "nodefree", s->start_free, VML_MAX_NODES);
    if (s->has_start_free && s->has_start_pcp)
        put_counters(out, "nodepcp", s->start_pcp, VML_MAX_NODES);
    put_limit_stat(out, s);
    for (size_t i = 0; i < s->n_procs; i++) {
        const struct vml_snap_proc *p = &s->procs[i];
        text_printf(out, "proc %d %d %d %d %llu %llu %d %ld %d %zu", p->pid, p->alive ? 1 : 0,
                    p->death.killed ? 1 : 0, p->death.si_code, (unsigned long long)p->death.addr,
                    (unsigned long long)p->death.seq, p->has_oom ? 1 : 0, p->oom_score,
                    p->oom_score_adj, p->n_maps);
        put_str(out, p->name);
        put_status(out, p);
        text_printf(out, "pte_why_not");
        put_str(out, p->pte_why_not);
        for (size_t m = 0; m < p->n_maps; m++) {
            const struct vml_snap_map *mp = &p->maps[m];
            text_printf(out, "map %llu %llu %u %d %llu %d", (unsigned long long)mp->start,
                        (unsigned long long)mp->len, mp->vmas, mp->spills ? 1 : 0,
                        (unsigned long long)mp->size, mp->has_nodes ? 1 : 0);
            put_str(out, mp->name);
            uint64_t c[COUNTS_N];
            memcpy(c, &mp->c, sizeof(mp->c));
            put_array(out, "counts", c, COUNTS_N);
            put_array(out, "nodes", mp->nodes, VML_MAX_NODES);
            text_printf(out, "vm_flags");
            put_str(out, mp->vm_flags);
            text_printf(out, "thp_eligible");
            put_str(out, mp->thp_eligible);
            if (mp->has_policy) {
                text_printf(out, "policy");
                put_str(out, mp->policy);
            }
        }
    }
    for (size_t i = 0; i < s->n_ops; i++) {
        const struct vml_snap_op *o = &s->ops[i];
        text_printf(out, "op %u %d %llu %llu %d %d %lld %d %lld %d %llu", o->line,
                    o->has_faults ? 1 : 0, (unsigned long long)o->minor,
                    (unsigned long long)o->major, o->has_mem ? 1 : 0, o->has_commit ? 1 : 0,
                    (long long)o->commit, o->has_copy ? 1 : 0, (long long)o->copy,
                    o->has_oom_kill ? 1 : 0, (unsigned long long)o->oom_kill);
        put_str(out, o->what);
        text_printf(out, "mem %d", VML_SNAP_MEM_FIELDS);
        for (size_t f = 0; f < VML_SNAP_MEM_FIELDS; f++)
            text_printf(out, " %lld", (long long)o->mem[f]);
        text_printf(out, "\n");
        text_printf(out, "faults_why_not");
        put_str(out, o->faults_why_not);
        text_printf(out, "mem_why_not");
        put_str(out, o->mem_why_not);
        text_printf(out, "commit_why_not");
        put_str(out, o->commit_why_not);
        if (o->has_numa) {
            text_printf(out, "numa %d", VML_SNAP_NUMA_FIELDS);
            for (size_t f = 0; f < VML_SNAP_NUMA_FIELDS; f++)
                text_printf(out, " %lld", (long long)o->numa[f]);
            text_printf(out, "\n");
        }
        if (o->has_free)
            put_counters(out, "free", o->free, VML_MAX_NODES);
        if (o->has_free && o->has_pcp)
            put_counters(out, "pcp", o->pcp, VML_MAX_NODES);
        if (o->has_migrate) {
            text_printf(out, "migrate %d", VML_SNAP_MIGRATE_FIELDS);
            for (size_t f = 0; f < VML_SNAP_MIGRATE_FIELDS; f++)
                text_printf(out, " %lld", (long long)o->migrate[f]);
            text_printf(out, "\n");
        }
        if (o->has_balance)
            put_counters(out, "balance", o->balance, VML_SNAP_BALANCE_FIELDS);
        if (o->result[0]) {
            text_printf(out, "result");
            put_str(out, o->result);
        }
        if (o->has_swapcache)
            text_printf(out, "swapcache %lld\n", (long long)o->swapcache);
    }
    for (size_t i = 0; i < s->n_thp; i++) {
        text_printf(out, "text %u %d", s->thp[i].line,
                    s->thp[i].vm        ? 1
                    : s->thp[i].tiering ? 2
                                        : 0);
        put_str(out, s->thp[i].text ? s->thp[i].text : "");
    }
    text_printf(out, "end\n");
    return text_status(out);
}

/* ---- reading ------------------------------------------------------------------------------- */

struct rd {
    const char *p, *end;  /* the rest of the text */
    const char *ln, *lnd; /* the current line [ln, lnd) */
    const char *c;        /* cursor in it */
    unsigned line;
    struct vml_diag *diag;
};

static int err_at(struct rd *r, const char *at, const char *what)
{
    diag_set(r->diag, r->line, (unsigned)(at - r->ln) + 1, "%s", what);
    return VML_EPARSE;
}

/* Starts the next line, which must begin with key followed by a space or its end. */
static int next_line(struct rd *r, const char *key)
{
    if (r->p >= r->end) {
        diag_set(r->diag, r->line + 1, 1, "the file ends before its '%s' line (cut short?)", key);
        return VML_EPARSE;
    }
    r->ln = r->p;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    r->lnd = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    size_t kl = strlen(key), n = (size_t)(r->lnd - r->ln);
    if (n < kl || memcmp(r->ln, key, kl) != 0 || (n > kl && r->ln[kl] != ' ')) {
        diag_set(r->diag, r->line, 1, "expected a '%s' line here", key);
        return VML_EPARSE;
    }
    r->c = r->ln + kl;
    return 0;
}

/* The next line's keyword (without consuming it) is key. */
static bool peek(const struct rd *r, const char *key)
{
    size_t kl = strlen(key), n = (size_t)(r->end - r->p);
    return n >= kl && memcmp(r->p, key, kl) == 0 &&
           (n == kl || r->p[kl] == ' ' || r->p[kl] == '\n');
}

static int num(struct rd *r, bool neg_ok, uint64_t max, long long *out)
{
    if (r->c >= r->lnd || *r->c != ' ' || r->c + 1 >= r->lnd)
        return err_at(r, r->c, "expected a number");
    r->c++;
    const char *at = r->c;
    bool neg = false;
    if (*r->c == '-' && neg_ok) {
        neg = true;
        r->c++;
    }
    uint64_t v = 0;
    const char *d0 = r->c;
    while (r->c < r->lnd && *r->c >= '0' && *r->c <= '9') {
        unsigned d = (unsigned)(*r->c - '0');
        if (d > max || v > (max - d) / 10)
            return err_at(r, at, "number out of range");
        v = v * 10 + d;
        r->c++;
    }
    if (r->c == d0 || (r->c < r->lnd && *r->c != ' '))
        return err_at(r, at, "expected a number");
    *out = neg ? -(long long)v : (long long)v;
    return 0;
}

static int u64(struct rd *r, uint64_t *out)
{
    /* Through a long long for the sign only: the digits are read as uint64_t. */
    if (r->c >= r->lnd || *r->c != ' ' || r->c + 1 >= r->lnd)
        return err_at(r, r->c, "expected a number");
    r->c++;
    const char *at = r->c;
    uint64_t v = 0;
    const char *d0 = r->c;
    while (r->c < r->lnd && *r->c >= '0' && *r->c <= '9') {
        unsigned d = (unsigned)(*r->c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return err_at(r, at, "number out of range");
        v = v * 10 + d;
        r->c++;
    }
    if (r->c == d0 || (r->c < r->lnd && *r->c != ' '))
        return err_at(r, at, "expected a number");
    *out = v;
    return 0;
}

static int i64(struct rd *r, int64_t *out)
{
    long long v;
    int e = num(r, true, (uint64_t)INT64_MAX, &v);
    if (e == 0)
        *out = v;
    return e;
}

static int int_in(struct rd *r, long long lo, long long hi, int *out)
{
    const char *at = r->c + 1;
    long long v;
    int e = num(r, lo < 0, (uint64_t)(hi > -lo ? hi : -lo), &v);
    if (e)
        return e;
    if (v < lo || v > hi)
        return err_at(r, at, "number out of range");
    *out = (int)v;
    return 0;
}

static int flag(struct rd *r, bool *out)
{
    int v;
    int e = int_in(r, 0, 1, &v);
    if (e == 0)
        *out = v != 0;
    return e;
}

static int count(struct rd *r, size_t max, size_t *out)
{
    int v;
    int e = int_in(r, 0, (long long)max, &v);
    if (e == 0)
        *out = (size_t)v;
    return e;
}

/* The line's string (after one space, to its end), unescaped into buf of cap bytes. */
static int str(struct rd *r, char *buf, size_t cap)
{
    size_t n = 0;
    if (r->c < r->lnd) {
        if (*r->c != ' ')
            return err_at(r, r->c, "expected a space before the text");
        r->c++;
    }
    for (; r->c < r->lnd; r->c++) {
        char ch = *r->c;
        if (ch == '\\') {
            if (r->c + 1 >= r->lnd || (r->c[1] != '\\' && r->c[1] != 'n'))
                return err_at(r, r->c, "unknown escape (\\\\ and \\n only)");
            ch = r->c[1] == 'n' ? '\n' : '\\';
            r->c++;
        } else if (ch == 0) {
            return err_at(r, r->c, "a NUL byte in the text");
        }
        if (n + 1 >= cap)
            return err_at(r, r->c, "text too long for its field");
        buf[n++] = ch;
    }
    buf[n] = 0;
    return 0;
}

static int eol(struct rd *r)
{
    return r->c == r->lnd ? 0 : err_at(r, r->c, "unexpected text at the end of the line");
}

/* "KEY N V..." with N == n. */
static int array(struct rd *r, const char *key, uint64_t *v, size_t n)
{
    int e = next_line(r, key);
    if (e)
        return e;
    const char *at = r->c + 1;
    size_t got;
    if ((e = count(r, 1u << 20, &got)))
        return e;
    if (got != n) {
        diag_set(r->diag, r->line, (unsigned)(at - r->ln) + 1,
                 "%s has %zu values where this vmlab has %zu: the results were recorded by "
                 "another version of vmlab (record them again)",
                 key, got, n);
        return VML_EPARSE;
    }
    for (size_t i = 0; !e && i < n; i++)
        e = u64(r, &v[i]);
    return e ? e : eol(r);
}

static int str_line(struct rd *r, const char *key, char *buf, size_t cap)
{
    int e = next_line(r, key);
    return e ? e : str(r, buf, cap);
}

static int read_traits(struct rd *r, struct vml_linux_results *res)
{
    struct vml_kernel_traits *k = &res->k;
    int e = str_line(r, "kernel", k->kernel, sizeof(k->kernel));
    if (e)
        return e;
    vml_thp_defaults(&k->thp);
    if (peek(r, "thp-error")) {
        if ((e = next_line(r, "thp-error")) || (e = int_in(r, -1000, 0, &k->thp_err)) ||
            (e = str(r, k->thp_msg, sizeof(k->thp_msg))))
            return e;
        if (k->thp_err == 0)
            return err_at(r, r->ln, "thp-error with no error");
    }
    while (peek(r, "thp")) {
        size_t i;
        char v[VML_THP_SHOW_MAX];
        if ((e = next_line(r, "thp")))
            return e;
        const char *at = r->c + 1;
        if ((e = count(r, vml_thp_nr_files() - 1, &i)) || (e = str(r, v, sizeof(v))))
            return e;
        struct vml_diag d = { 0 };
        if (vml_thp_store(&k->thp, i, v, strlen(v), &d)) {
            diag_set(r->diag, r->line, (unsigned)(at - r->ln) + 1, "%s: %s", vml_thp_file(i),
                     d.msg);
            return VML_EPARSE;
        }
        k->thp_have |= 1u << i;
    }
    if ((e = next_line(r, "zero_page")) || (e = int_in(r, -1000, 0, &k->zero_err)) ||
        (e = flag(r, &k->zero_page)) || (e = eol(r)))
        return e;
    if ((e = next_line(r, "pt_reclaim")) || (e = int_in(r, -1000, 0, &k->pt_reclaim_err)) ||
        (e = flag(r, &k->pt_reclaim)) || (e = eol(r)))
        return e;
    if ((e = next_line(r, "readahead")) || (e = int_in(r, -1000, 0, &k->readahead_err)) ||
        (e = u64(r, &k->readahead_bytes)) || (e = str(r, k->tmpdir, sizeof(k->tmpdir))))
        return e;
    if ((e = next_line(r, "soft_dirty")) || (e = int_in(r, -1000, 0, &k->soft_dirty_err)) ||
        (e = flag(r, &k->soft_dirty)) || (e = eol(r)))
        return e;
    if ((e = next_line(r, "anon_thp_align")) || (e = int_in(r, -1000, 0, &k->anon_align_err)) ||
        (e = flag(r, &k->anon_align)) || (e = eol(r)))
        return e;
    return 0;
}

static int read_map(struct rd *r, struct vml_snap_map *m)
{
    int e;
    if ((e = next_line(r, "map")) || (e = u64(r, &m->start)) || (e = u64(r, &m->len)))
        return e;
    size_t vmas;
    if ((e = count(r, 1u << 30, &vmas)) || (e = flag(r, &m->spills)) || (e = u64(r, &m->size)) ||
        (e = flag(r, &m->has_nodes)) || (e = str(r, m->name, sizeof(m->name))))
        return e;
    m->vmas = (unsigned)vmas;
    uint64_t c[COUNTS_N];
    if ((e = array(r, "counts", c, COUNTS_N)) || (e = array(r, "nodes", m->nodes, VML_MAX_NODES)))
        return e;
    memcpy(&m->c, c, sizeof(m->c));
    if ((e = str_line(r, "vm_flags", m->vm_flags, sizeof(m->vm_flags))) ||
        (e = str_line(r, "thp_eligible", m->thp_eligible, sizeof(m->thp_eligible))))
        return e;
    if (peek(r, "policy")) {
        if ((e = str_line(r, "policy", m->policy, sizeof(m->policy))))
            return e;
        m->has_policy = true;
    }
    return 0;
}

static int read_proc(struct rd *r, struct vml_snap_proc *p)
{
    int e;
    size_t n_maps;
    long long score;
    if ((e = next_line(r, "proc")) || (e = int_in(r, 0, 0x3fffffff, &p->pid)) ||
        (e = flag(r, &p->alive)) || (e = flag(r, &p->death.killed)) ||
        (e = int_in(r, 0, 1000, &p->death.si_code)) || (e = u64(r, &p->death.addr)) ||
        (e = u64(r, &p->death.seq)) || (e = flag(r, &p->has_oom)) ||
        (e = num(r, true, 1u << 30, &score)) || (e = int_in(r, -1000, 1000, &p->oom_score_adj)) ||
        (e = count(r, 1u << 20, &n_maps)) || (e = str(r, p->name, sizeof(p->name))))
        return e;
    p->oom_score = (long)score;
    uint64_t v[2 * STATUS_N];
    if ((e = next_line(r, "status")))
        return e;
    size_t got;
    const char *at = r->c + 1;
    if ((e = count(r, 1u << 20, &got)))
        return e;
    if (got != STATUS_N)
        return err_at(r, at,
                      "status has another number of fields than this vmlab's: the results were "
                      "recorded by another version of vmlab (record them again)");
    for (size_t i = 0; i < 2 * STATUS_N; i++)
        if ((e = u64(r, &v[i])))
            return e;
    if ((e = eol(r)))
        return e;
    memcpy(&p->first, v, sizeof(p->first));
    memcpy(&p->last, v + STATUS_N, sizeof(p->last));
    if ((e = str_line(r, "pte_why_not", p->pte_why_not, sizeof(p->pte_why_not))))
        return e;
    if (n_maps > (size_t)(r->end - r->p) / 4)
        return err_at(r, r->ln, "more mappings announced than the file holds");
    p->maps = calloc(n_maps ? n_maps : 1, sizeof(*p->maps));
    if (!p->maps)
        return VML_EHOST;
    while (p->n_maps < n_maps)
        if ((e = read_map(r, &p->maps[p->n_maps++])))
            return e;
    return 0;
}

/* An optional line "NAME N v1 .. vN" of per-operation counters (numa, migrate), as this vmlab
 * writes them: N must be this version's count. *has is set when the line is there. */
static int counter_line(struct rd *r, const char *name, int64_t *v, size_t n, bool *has)
{
    if (!peek(r, name))
        return 0;
    int e;
    if ((e = next_line(r, name)))
        return e;
    const char *at = r->c + 1;
    size_t got;
    if ((e = count(r, 1u << 20, &got)))
        return e;
    if (got != n) {
        diag_set(r->diag, r->line, (unsigned)(at - r->ln) + 1,
                 "%s has another number of counters than this vmlab's: the results were "
                 "recorded by another version of vmlab",
                 name);
        return VML_EPARSE;
    }
    for (size_t f = 0; f < n; f++)
        if ((e = i64(r, &v[f])))
            return e;
    if ((e = eol(r)))
        return e;
    *has = true;
    return 0;
}

static int read_op(struct rd *r, struct vml_snap_op *o)
{
    int e;
    size_t line;
    if ((e = next_line(r, "op")) || (e = count(r, 1u << 30, &line)) ||
        (e = flag(r, &o->has_faults)) || (e = u64(r, &o->minor)) || (e = u64(r, &o->major)) ||
        (e = flag(r, &o->has_mem)) || (e = flag(r, &o->has_commit)) || (e = i64(r, &o->commit)) ||
        (e = flag(r, &o->has_copy)) || (e = i64(r, &o->copy)) || (e = flag(r, &o->has_oom_kill)) ||
        (e = u64(r, &o->oom_kill)) || (e = str(r, o->what, sizeof(o->what))))
        return e;
    o->line = (unsigned)line;
    size_t got;
    if ((e = next_line(r, "mem")))
        return e;
    const char *at = r->c + 1;
    if ((e = count(r, 1u << 20, &got)))
        return e;
    if (got != VML_SNAP_MEM_FIELDS)
        return err_at(r, at,
                      "mem has another number of lines than this vmlab's: the results were "
                      "recorded by another version of vmlab (record them again)");
    for (size_t f = 0; f < VML_SNAP_MEM_FIELDS; f++)
        if ((e = i64(r, &o->mem[f])))
            return e;
    if ((e = eol(r)) ||
        (e = str_line(r, "faults_why_not", o->faults_why_not, sizeof(o->faults_why_not))) ||
        (e = str_line(r, "mem_why_not", o->mem_why_not, sizeof(o->mem_why_not))) ||
        (e = str_line(r, "commit_why_not", o->commit_why_not, sizeof(o->commit_why_not))))
        return e;
    if ((e = counter_line(r, "numa", o->numa, VML_SNAP_NUMA_FIELDS, &o->has_numa)) ||
        (e = counter_line(r, "free", o->free, VML_MAX_NODES, &o->has_free)) ||
        (e = counter_line(r, "pcp", o->pcp, VML_MAX_NODES, &o->has_pcp)) ||
        (e = counter_line(r, "migrate", o->migrate, VML_SNAP_MIGRATE_FIELDS, &o->has_migrate)) ||
        (e = counter_line(r, "balance", o->balance, VML_SNAP_BALANCE_FIELDS, &o->has_balance)))
        return e;
    if (peek(r, "result") && (e = str_line(r, "result", o->result, sizeof(o->result))))
        return e;
    if (peek(r, "swapcache")) {
        if ((e = next_line(r, "swapcache")) || (e = i64(r, &o->swapcache)) || (e = eol(r)))
            return e;
        o->has_swapcache = true;
    }
    return 0;
}

/* A show thp or show vm's text: at most this long (every THP or vm file with its value). */
#define TEXT_MAX 65536

static int read_text(struct rd *r, struct vml_snap_text *t)
{
    int e;
    size_t line;
    int kind; /* 0 show thp, 1 show vm, 2 show memory_tiering */
    if ((e = next_line(r, "text")) || (e = count(r, 1u << 30, &line)) ||
        (e = int_in(r, 0, 2, &kind)))
        return e;
    t->vm = kind == 1;
    t->tiering = kind == 2;
    t->line = (unsigned)line;
    size_t cap = (size_t)(r->lnd - r->c) + 1;
    if (cap > TEXT_MAX)
        return err_at(r, r->c, "text too long");
    t->text = malloc(cap);
    if (!t->text)
        return VML_EHOST;
    return str(r, t->text, cap);
}

int vml_results_parse(const char *text, size_t len, struct vml_linux_results *res,
                      struct vml_diag *diag)
{
    memset(res, 0, sizeof(*res));
    struct rd r = { .p = text, .end = text + len, .diag = diag };
    int e = next_line(&r, RESULTS_MAGIC);
    if (e) {
        diag_set(diag, 1, 1, "not a vmlab Linux results file (the first line is not '%s')",
                 RESULTS_MAGIC);
        return e;
    }
    if ((e = eol(&r)))
        return e;
    char hash[17];
    if ((e = next_line(&r, "scenario")))
        return e;
    if (r.lnd - r.c < 18 || r.c[0] != ' ')
        return err_at(&r, r.c, "expected the scenario's hash (16 hexadecimal digits)");
    memcpy(hash, r.c + 1, 16);
    hash[16] = 0;
    for (int i = 0; i < 16; i++) {
        char ch = hash[i];
        unsigned d = ch >= '0' && ch <= '9'   ? (unsigned)(ch - '0')
                     : ch >= 'a' && ch <= 'f' ? (unsigned)(ch - 'a') + 10u
                                              : 16u;
        if (d == 16)
            return err_at(&r, r.c + 1 + i, "expected a hexadecimal digit");
        res->hash = res->hash << 4 | d;
    }
    r.c += 17;
    size_t runs;
    if ((e = count(&r, 1000, &runs)) || (e = str(&r, res->scenario, sizeof(res->scenario))))
        return e;
    res->runs = (unsigned)runs;
    if ((e = read_traits(&r, res)))
        return e;
    struct vml_snapshot *s = &res->snap;
    size_t np, nt, no;
    uint64_t tp;
    if ((e = next_line(&r, "snapshot")) || (e = count(&r, 1u << 20, &np)) ||
        (e = count(&r, 1u << 20, &nt)) || (e = count(&r, 1u << 20, &no)) ||
        (e = flag(&r, &s->confined)) || (e = u64(&r, &tp)) || (e = eol(&r)))
        return e;
    s->totalpages = tp;
    if ((e = next_line(&r, "pool")) || (e = flag(&r, &s->pool.taken)) ||
        (e = u64(&r, &s->pool.total)) || (e = u64(&r, &s->pool.free)) ||
        (e = u64(&r, &s->pool.rsvd)) || (e = u64(&r, &s->pool.surp)) || (e = eol(&r)))
        return e;
    if ((e = counter_line(&r, "nodefree", s->start_free, VML_MAX_NODES, &s->has_start_free)) ||
        (e = counter_line(&r, "nodepcp", s->start_pcp, VML_MAX_NODES, &s->has_start_pcp)))
        return e;
    if (peek(&r, "limit_stat")) {
        uint64_t v[VML_SNAP_MEMCG_FIELDS];
        if ((e = array(&r, "limit_stat", v, VML_SNAP_MEMCG_FIELDS)))
            return e;
        s->limit_stat = (struct vml_snap_memcg){ v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] };
        s->has_limit_stat = true;
    }
    /* Every record takes at least a line of a few bytes: a count beyond what is left is not
     * allocated (a corrupt count must not cost a large calloc before the parse fails). */
    size_t left = (size_t)(r.end - r.p);
    if (np > left / 4 || nt > left / 4 || no > left / 4)
        return err_at(&r, r.ln, "more records announced than the file holds");
    s->procs = calloc(np ? np : 1, sizeof(*s->procs));
    s->thp = calloc(nt ? nt : 1, sizeof(*s->thp));
    s->ops = calloc(no ? no : 1, sizeof(*s->ops));
    if (!s->procs || !s->thp || !s->ops)
        return VML_EHOST;
    /* Counted before each is read: vml_snapshot_free then frees a half-read one too. */
    while (s->n_procs < np)
        if ((e = read_proc(&r, &s->procs[s->n_procs++])))
            return e;
    while (s->n_ops < no)
        if ((e = read_op(&r, &s->ops[s->n_ops++])))
            return e;
    while (s->n_thp < nt)
        if ((e = read_text(&r, &s->thp[s->n_thp++])))
            return e;
    if ((e = next_line(&r, "end")) || (e = eol(&r)))
        return e;
    if (r.p < r.end) {
        diag_set(diag, r.line + 1, 1, "text after the 'end' line");
        return VML_EPARSE;
    }
    return 0;
}

const char *vml_kernel_rss_why_not(const char *kernel)
{
    char *end;
    unsigned long major = strtoul(kernel, &end, 10);
    if (end == kernel || *end != '.')
        return NULL; /* not a release we can read: compared as 6.18 is */
    const char *m = end + 1;
    unsigned long minor = strtoul(m, &end, 10);
    if (end == m || major > 6 || (major == 6 && minor >= 2))
        return NULL;
    return "this kernel (before 6.2) adds a task's RSS changes to the counters status reads only "
           "every 64 faults (SPLIT_RSS_COUNTING): another process reads them late";
}

bool vml_kernel_move_pages_efault(const char *kernel)
{
    char *end;
    unsigned long major = strtoul(kernel, &end, 10);
    if (end == kernel || *end != '.')
        return false; /* not a release we can read: compared as 6.18 is */
    const char *m = end + 1;
    unsigned long minor = strtoul(m, &end, 10);
    return end != m && (major < 6 || (major == 6 && minor < 12));
}

void vml_results_free(struct vml_linux_results *r)
{
    if (r)
        vml_snapshot_free(&r->snap);
}
