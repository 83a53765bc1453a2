/* scenario/parse.c: scenario lines into operations (the grammar is docs/scenario.md).
 *
 * Steps, per line (lex.c splits the text into lines of words):
 *   1. the first word picks the statement: machine, proc, file, cpu, show, expect, or else it
 *      is a process name and the second word is the operation (mmap, touch, fork ...);
 *   2. the statement's parser reads its words left to right, checks each value, and checks
 *      the names it uses against what earlier lines defined (names.c);
 *   3. on success the operation is appended and the names it defines are recorded.
 * The first error stops parsing: diag gets the line, the column of the offending word (or of
 * the byte within it) and a message that says what to write instead.
 */
#include "scenario/lex.h"
#include "scenario/names.h"
#include "scenario/settings.h"
#include "util/diag.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW 40 /* at most this many bytes of a word are quoted in a message */
#define Q(w) (int)((w).n < SHOW ? (w).n : SHOW), (w).s

struct parser {
    const struct lex_line *l; /* the line being parsed */
    struct vml_diag *diag;
    struct vml_scenario *s;
    size_t cap; /* ops allocated */
    struct names nm;
    struct swap_name {
        char name[VML_SCN_NAME_MAX];
        unsigned line;         /* the swapon that enabled it */
    } swaps[VML_SCN_SWAP_MAX]; /* the swap areas on at the line being parsed */
    unsigned n_swaps;
    bool had_swapon; /* a swapon statement came */
    /* The memory cgroups made so far (cgroup PATH), paths below the root; never removed. */
    char cgroups[VML_SCN_CGROUP_MAX][VML_SCN_FILE_MAX];
    unsigned n_cgroups;
    /* The machine line's NUMA lists: how many values each had (distance, node_mem, node_cpus,
     * il_weights, node_perf) and their columns, for the checks across keys (machine_numa). */
    unsigned numa_counts[5], numa_cols[5];
    unsigned perf_cols[VML_MAX_NODES]; /* each node_perf item's column */
};

static const char *const usage[VML_OP_NR_KINDS] = {
    [VML_OP_PROC] = "proc NAME",
    [VML_OP_MMAP] = ("P mmap MAP SIZE anon|file=NAME|memfd=NAME private|shared PROT [at=ADDR] "
                     "[fixed|noreplace] [populate] [noreserve] [offset=SIZE] [huge=2M|1G]"),
    [VML_OP_MUNMAP] = "P munmap MAP[START:END]",
    [VML_OP_MPROTECT] = "P mprotect MAP[START:END] PROT",
    [VML_OP_MADVISE] = ("P madvise MAP[START:END] "
                        "dontneed|hugepage|nohugepage|collapse|cold|pageout"),
    [VML_OP_MLOCK] = "P mlock MAP[START:END]",
    [VML_OP_MUNLOCK] = "P munlock MAP[START:END]",
    [VML_OP_TOUCH] = "P touch MAP[START:END] read|write|exec [stride=SIZE] [count=N]",
    [VML_OP_FORK] = "P fork CHILD",
    [VML_OP_EXIT] = "P exit",
    [VML_OP_BRK] = "P brk +SIZE or P brk -SIZE",
    [VML_OP_READ] = "P read FILE[START:END] [chunk=SIZE]",
    [VML_OP_WRITE] = "P write FILE[START:END] [chunk=SIZE]",
    [VML_OP_FILE_CREATE] = "file create NAME SIZE",
    [VML_OP_FILE_DELETE] = "file delete NAME",
    [VML_OP_CPU_RUN] = "cpu N run P",
    [VML_OP_SHOW] = "show FILE [FIELD...], show P FILE [MAP] [FIELD...], show cgroup[1] PATH "
                    "FILE [FIELD...], show thp or show vm",
    [VML_OP_EXPECT] = "expect [P] FILE [MAP] FIELD OP VALUE [UNIT], expect P oom_score OP VALUE, "
                      "expect cgroup[1] PATH FILE [FIELD] OP VALUE [UNIT], "
                      "expect P alive|killed|killed by oom, expect fail ERRNO",
    [VML_OP_REPLAY] = "P replay TRACE|gen:SPEC [in MAP[START:END]] [format=F] [limit=N]",
    [VML_OP_SET] = "set PATH VALUE (e.g. set /sys/kernel/mm/transparent_hugepage/enabled always)",
    [VML_OP_SHOW_THP] = "show thp",
    [VML_OP_PRCTL] = "P prctl thp_disable on|off",
    [VML_OP_WAIT] = "wait DURATION (a number and ns, us, ms, s or m: wait 20s, wait 150ms)",
    [VML_OP_FSYNC] = "P fsync FILE",
    [VML_OP_MSYNC] = "P msync MAP[START:END]",
    [VML_OP_SWAPON] = "swapon NAME SIZE [prio=N] [partition]",
    [VML_OP_SWAPOFF] = "swapoff NAME",
    [VML_OP_SHOW_VM] = "show vm",
    [VML_OP_FDATASYNC] = "P fdatasync FILE",
    [VML_OP_FADVISE] = "P fadvise FILE[START:END] dontneed",
    [VML_OP_TRUNCATE] = "P truncate FILE SIZE",
    [VML_OP_FALLOCATE] = "P fallocate FILE[START:END] [keep_size|punch_hole]",
    [VML_OP_OOM_SCORE_ADJ] = "P oom_score_adj N (-1000 to 1000)",
    [VML_OP_CGROUP] = "cgroup PATH (a new memory cgroup: cgroup box, cgroup box/web)",
    [VML_OP_CGROUP_ATTACH] = "P cgroup PATH (P moves into the cgroup; / is the root)",
    [VML_OP_SET_MEMPOLICY] = "P set_mempolicy POLICY (default, local, bind:NODES, "
                             "interleave:NODES, weighted_interleave:NODES, preferred:NODE, "
                             "preferred_many:NODES; MODE=static:NODES, MODE=relative:NODES)",
    [VML_OP_MBIND] = "P mbind MAP[START:END] POLICY [move|move_all]",
    [VML_OP_AFFINITY] = "P sched_setaffinity CPUS (0, 0-3, 0,2, all)",
    [VML_OP_MOVE_PAGES] = "P move_pages MAP[START:END] [nodes=N or N,N,... one per page] [all]",
    [VML_OP_MIGRATE_PAGES] = "P migrate_pages FROM TO (node lists: 0, 0-1, 0,2)",
};

static const char *const kind_names[VML_OP_NR_KINDS] = {
    [VML_OP_PROC] = "proc",
    [VML_OP_MMAP] = "mmap",
    [VML_OP_MUNMAP] = "munmap",
    [VML_OP_MPROTECT] = "mprotect",
    [VML_OP_MADVISE] = "madvise",
    [VML_OP_MLOCK] = "mlock",
    [VML_OP_MUNLOCK] = "munlock",
    [VML_OP_TOUCH] = "touch",
    [VML_OP_FORK] = "fork",
    [VML_OP_EXIT] = "exit",
    [VML_OP_BRK] = "brk",
    [VML_OP_READ] = "read",
    [VML_OP_WRITE] = "write",
    [VML_OP_FILE_CREATE] = "file create",
    [VML_OP_FILE_DELETE] = "file delete",
    [VML_OP_CPU_RUN] = "cpu run",
    [VML_OP_SHOW] = "show",
    [VML_OP_EXPECT] = "expect",
    [VML_OP_REPLAY] = "replay",
    [VML_OP_SET] = "set",
    [VML_OP_SHOW_THP] = "show thp",
    [VML_OP_PRCTL] = "prctl",
    [VML_OP_WAIT] = "wait",
    [VML_OP_FSYNC] = "fsync",
    [VML_OP_MSYNC] = "msync",
    [VML_OP_SWAPON] = "swapon",
    [VML_OP_SWAPOFF] = "swapoff",
    [VML_OP_SHOW_VM] = "show vm",
    [VML_OP_FDATASYNC] = "fdatasync",
    [VML_OP_FADVISE] = "fadvise",
    [VML_OP_TRUNCATE] = "truncate",
    [VML_OP_FALLOCATE] = "fallocate",
    [VML_OP_OOM_SCORE_ADJ] = "oom_score_adj",
    [VML_OP_CGROUP] = "cgroup",
    [VML_OP_CGROUP_ATTACH] = "cgroup",
    [VML_OP_SET_MEMPOLICY] = "set_mempolicy",
    [VML_OP_MBIND] = "mbind",
    [VML_OP_MOVE_PAGES] = "move_pages",
    [VML_OP_MIGRATE_PAGES] = "migrate_pages",
    [VML_OP_AFFINITY] = "sched_setaffinity",
};

/* madvise's advice words, and the kernel's MADV_* each stands for. */
static const char *const advice_names[VML_NR_ADVICE] = {
    [VML_ADV_DONTNEED] = "dontneed",
    [VML_ADV_HUGEPAGE] = "hugepage",
    [VML_ADV_NOHUGEPAGE] = "nohugepage",
    [VML_ADV_COLLAPSE] = "collapse",
    [VML_ADV_COLD] = "cold",
    [VML_ADV_PAGEOUT] = "pageout",
};
#define ADVICE "dontneed, hugepage, nohugepage, collapse, cold or pageout"

static const char *const procfile_names[VML_PROCFILE_COUNT] = {
    [VML_PROCFILE_MAPS] = "maps",
    [VML_PROCFILE_SMAPS] = "smaps",
    [VML_PROCFILE_SMAPS_ROLLUP] = "smaps_rollup",
    [VML_PROCFILE_STATUS] = "status",
    [VML_PROCFILE_STATM] = "statm",
    [VML_PROCFILE_NUMA_MAPS] = "numa_maps",
    [VML_PROCFILE_FAULTS] = "faults",
    [VML_PROCFILE_LATENCY] = "latency",
    [VML_PROCFILE_OOM_SCORE] = "oom_score",
    [VML_PROCFILE_OOM_SCORE_ADJ] = "oom_score_adj",
    [VML_PROCFILE_MEMINFO] = "meminfo",
    [VML_PROCFILE_VMSTAT] = "vmstat",
    [VML_PROCFILE_BUDDYINFO] = "buddyinfo",
    [VML_PROCFILE_ZONEINFO] = "zoneinfo",
    [VML_PROCFILE_NUMASTAT] = "numastat",
    [VML_PROCFILE_SWAPS] = "swaps",
    [VML_PROCFILE_DMESG] = "dmesg",
    [VML_PROCFILE_CGROUP] = "cgroup",
    [VML_PROCFILE_CGROUP1] = "cgroup1",
    [VML_PROCFILE_NUMA] = "numa",
    [VML_PROCFILE_NODE] = "node",
    [VML_PROCFILE_MEMORY_TIERING] = "memory_tiering",
};

static const char *const cmp_names[] = { "==", "!=", "<", "<=", ">", ">=" };

#define PER_PROCESS_FILES                                                                          \
    "maps, smaps, smaps_rollup, status, statm, numa_maps, faults, latency, oom_score or "          \
    "oom_score_adj"
#define SYSTEM_FILES                                                                               \
    "meminfo, vmstat, buddyinfo, zoneinfo, numastat, swaps, dmesg, numa (numactl --hardware), "    \
    "memory_tiering or nodeN FILE (meminfo, numastat, vmstat, distance or cpulist)"

const char *vml_op_kind_name(enum vml_op_kind kind)
{
    return (unsigned)kind < VML_OP_NR_KINDS ? kind_names[kind] : "?";
}

const char *vml_advice_name(enum vml_advice a)
{
    return (unsigned)a < VML_NR_ADVICE ? advice_names[a] : "?";
}

const char *vml_procfile_name(enum vml_procfile f)
{
    return (unsigned)f < VML_PROCFILE_COUNT ? procfile_names[f] : "?";
}

const char *vml_cmp_name(enum vml_cmp c)
{
    return (unsigned)c < sizeof(cmp_names) / sizeof(cmp_names[0]) ? cmp_names[c] : "?";
}

/* ---- helpers -------------------------------------------------------------------------------- */

/* Fills diag for the current line at col; returns VML_EPARSE. */
__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, unsigned col,
                                                      const char *fmt, ...)
{
    char msg[sizeof(p->diag->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    diag_set(p->diag, p->l->line, col, "%s", msg);
    return VML_EPARSE;
}

/* Column of byte i of w (saturating). */
static unsigned col_at(struct word w, size_t i)
{
    return w.col <= UINT_MAX - i ? w.col + (unsigned)i : UINT_MAX;
}

/* The part of w from byte i to byte j (exclusive). */
static struct word sub(struct word w, size_t i, size_t j)
{
    struct word x = { w.s + i, j - i, col_at(w, i) };
    return x;
}

static bool is(struct word w, const char *kw)
{
    return strlen(kw) == w.n && memcmp(w.s, kw, w.n) == 0;
}

/* Splits KEY=VALUE at the first '='; false without one. */
static bool split_kv(struct word w, struct word *key, struct word *val)
{
    const char *eq = memchr(w.s, '=', w.n);
    if (!eq)
        return false;
    size_t k = (size_t)(eq - w.s);
    *key = sub(w, 0, k);
    *val = sub(w, k + 1, w.n);
    return true;
}

/* Copies w into a NUL-terminated buffer of VML_SCN_WORD_MAX bytes (words are shorter). */
static void cstr(struct word w, char *buf)
{
    size_t n = w.n < VML_SCN_WORD_MAX ? w.n : VML_SCN_WORD_MAX - 1; /* never longer: the lexer */
    memcpy(buf, w.s, n);
    buf[n] = 0;
}

/* Fails unless word i exists: "missing WHAT" at the end of the line. */
static int need(struct parser *p, unsigned i, enum vml_op_kind k, const char *what)
{
    if (i < p->l->n)
        return 0;
    return fail(p, p->l->end_col, "missing %s (usage: %s)", what, usage[k]);
}

/* Fails if the line has words from i on. */
static int no_more(struct parser *p, unsigned i, enum vml_op_kind k)
{
    if (i < p->l->n)
        return fail(p, p->l->w[i].col, "unexpected '%.*s' after the end of %s (usage: %s)",
                    Q(p->l->w[i]), kind_names[k], usage[k]);
    if (p->l->extra_col)
        return fail(p, p->l->extra_col, "too many words on one line (usage: %s)", usage[k]);
    return 0;
}

/* Parses a size (4096, 64K, 0x1000 ...) into *out; messages start with what. */
static int size_word(struct parser *p, struct word w, const char *what, uint64_t *out)
{
    char buf[VML_SCN_WORD_MAX];
    struct vml_diag d = { 0 };
    cstr(w, buf);
    if (vml_parse_size(buf, out, &d) == 0)
        return 0;
    return fail(p, col_at(w, d.col ? d.col - 1 : 0), "%s: %s", what, d.msg);
}

/* Parses an unsigned number into *out; messages start with what. */
static int u64_word(struct parser *p, struct word w, const char *what, uint64_t *out)
{
    char buf[VML_SCN_WORD_MAX];
    struct vml_diag d = { 0 };
    cstr(w, buf);
    if (vml_parse_u64(buf, out, &d) == 0)
        return 0;
    return fail(p, col_at(w, d.col ? d.col - 1 : 0), "%s: %s", what, d.msg);
}

/* Parses a number in [lo, hi]; messages start with what. */
static int range_word(struct parser *p, struct word w, const char *what, uint64_t lo, uint64_t hi,
                      unsigned *out)
{
    uint64_t v;
    int r = u64_word(p, w, what, &v);
    if (r)
        return r;
    if (v < lo || v > hi)
        return fail(p, w.col, "%s must be %llu..%llu, not %.*s", what, (unsigned long long)lo,
                    (unsigned long long)hi, Q(w));
    *out = (unsigned)v;
    return 0;
}

static bool ident_start(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool ident_char(unsigned char c)
{
    return ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Index of the first byte of w that breaks the name rule [A-Za-z_][A-Za-z0-9_-]*, or w.n. */
static size_t bad_ident(struct word w)
{
    for (size_t i = 0; i < w.n; i++)
        if (i == 0 ? !ident_start((unsigned char)w.s[i]) : !ident_char((unsigned char)w.s[i]))
            return i;
    return w.n;
}

/* Checks a process, mapping or memfd name (what says which). */
static int check_name(struct parser *p, struct word w, const char *what)
{
    size_t i = bad_ident(w);
    if (w.n == 0)
        return fail(p, w.col, "missing %s name", what);
    if (i < w.n)
        return fail(p, col_at(w, i),
                    "'%.*s' is not a valid %s name: use a letter or '_' first, then letters, "
                    "digits, '_' or '-'",
                    Q(w), what);
    if (w.n >= VML_SCN_NAME_MAX)
        return fail(p, w.col, "%s name '%.*s' is too long (%zu bytes; at most %d)", what, Q(w), w.n,
                    VML_SCN_NAME_MAX - 1);
    return 0;
}

/* A relative path at w: components of name characters, '.' and the extra character (0: none),
 * separated by single '/', none empty, "." or ".."; noun and rule word the message. */
static int check_rel_path(struct parser *p, struct word w, const char *noun, const char *rule,
                          char extra)
{
    size_t part = 0;
    for (size_t i = 0; i <= w.n; i++) {
        unsigned char c = i < w.n ? (unsigned char)w.s[i] : '/';
        if (c == '/') {
            struct word x = sub(w, part, i);
            if (x.n == 0 || is(x, ".") || is(x, ".."))
                return fail(p, col_at(w, part), "bad %s '%.*s': %s", noun, Q(w), rule);
            part = i + 1;
        } else if (!ident_char(c) && c != '.' && (!extra || c != extra)) {
            return fail(p, col_at(w, i), "bad %s '%.*s': %s", noun, Q(w), rule);
        }
    }
    if (w.n >= VML_SCN_FILE_MAX)
        return fail(p, w.col, "%s '%.*s' is too long (%zu bytes; at most %d)", noun, Q(w), w.n,
                    VML_SCN_FILE_MAX - 1);
    return 0;
}

/* Checks a file name: a relative path (the Linux backend creates the files under a scratch
 * directory, which a name must not leave). */
static int check_file_name(struct parser *p, struct word w)
{
    if (w.n == 0)
        return fail(p, w.col, "missing file name");
    return check_rel_path(p, w, "file name",
                          "file names are relative paths of letters, digits, '_', '-' and '.', "
                          "with '/' between parts (e.g. lib/libc.so.6)",
                          0);
}

/* The /proc file called w, or VML_PROCFILE_COUNT. */
static enum vml_procfile procfile(struct word w)
{
    for (unsigned f = 0; f < VML_PROCFILE_COUNT; f++)
        if (is(w, procfile_names[f]))
            return (enum vml_procfile)f;
    return VML_PROCFILE_COUNT;
}

static bool is_system_file(struct word w)
{
    enum vml_procfile f = procfile(w);
    return f != VML_PROCFILE_COUNT && f >= VML_PROCFILE_NR_PER_PROCESS;
}

/* Files whose output has one block per mapping: show and expect take a MAP after them. */
static bool per_mapping(enum vml_procfile f)
{
    return f == VML_PROCFILE_MAPS || f == VML_PROCFILE_SMAPS || f == VML_PROCFILE_NUMA_MAPS;
}

static bool reserved(struct word w)
{
    /* "thp" too: show thp must not be read as a process's show. */
    static const char *const words[] = { "machine", "proc", "file", "cpu",    "set",    "show",
                                         "expect",  "thp",  "wait", "swapon", "swapoff" };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (is(w, words[i]))
            return true;
    return is_system_file(w);
}

static void copy_name(char *dst, struct word w)
{
    memcpy(dst, w.s, w.n);
    dst[w.n] = 0;
}

/* ---- names: processes, files, mappings ------------------------------------------------------ */

/* Finds the live process w. */
static int need_proc(struct parser *p, struct word w, struct sym **out)
{
    struct sym *e =
        bad_ident(w) == w.n && w.n < VML_SCN_NAME_MAX ? names_find(&p->nm.procs, w.s, w.n) : NULL;
    if (!e && bad_ident(w) == w.n && !reserved(w) && w.n < VML_SCN_NAME_MAX)
        return fail(p, w.col, "no process '%.*s' (create it with 'proc %.*s')", Q(w), Q(w));
    if (!e)
        return fail(p, w.col, "no process '%.*s'", Q(w));
    if (e->gone_line)
        return fail(p, w.col, "process '%.*s' exited at line %u and cannot be used after that",
                    Q(w), e->gone_line);
    *out = e;
    return 0;
}

/* Checks that w can name a new process. */
static int new_proc(struct parser *p, struct word w)
{
    int r = check_name(p, w, "process");
    if (r)
        return r;
    if (reserved(w))
        return fail(p, w.col, "'%.*s' is a reserved word and cannot name a process", Q(w));
    struct sym *e = names_find(&p->nm.procs, w.s, w.n);
    if (e && e->gone_line)
        return fail(p, w.col,
                    "process '%.*s' existed until line %u; process names cannot be reused", Q(w),
                    e->gone_line);
    if (e)
        return fail(p, w.col, "process '%.*s' already exists (created at line %u)", Q(w), e->line);
    return 0;
}

/* Checks that process pr has the live mapping w. */
static int need_map(struct parser *p, struct sym *pr, struct word w)
{
    int r = check_name(p, w, "mapping");
    if (r)
        return r;
    unsigned line;
    if (mapset_get(pr->maps, w.s, w.n, &line))
        return 0;
    if (line)
        return fail(p, w.col, "mapping '%.*s' of process '%s' was unmapped at line %u", Q(w),
                    pr->name, line);
    return fail(p, w.col,
                "process '%s' has no mapping '%.*s' (create it with '%s mmap %.*s SIZE anon "
                "private rw')",
                pr->name, Q(w), pr->name, Q(w));
}

/* Finds the existing file w. */
static int need_file(struct parser *p, struct word w, struct sym **out)
{
    int r = check_file_name(p, w);
    if (r)
        return r;
    struct sym *e = names_find(&p->nm.files, w.s, w.n);
    if (e && e->gone_line)
        return fail(p, w.col, "file '%.*s' was deleted at line %u", Q(w), e->gone_line);
    if (!e)
        return fail(p, w.col, "no file '%.*s' (create it with 'file create %.*s SIZE')", Q(w),
                    Q(w));
    *out = e;
    return 0;
}

/* ---- values: PROT, RANGE ------------------------------------------------------------------- */

/* PROT: none, distinct letters of r, w, x in any order, or ls-style [r-][w-][x-]. */
static int parse_prot(struct parser *p, struct word w, unsigned *out)
{
    static const char help[] = "use none, or r, w and x in any order (r, rw, rx, rwx), or "
                               "ls style (r--, rw-, r-x, ---)";
    unsigned prot = 0;
    if (is(w, "none")) {
        *out = 0;
        return 0;
    }
    bool ls = w.n == 3 && memchr(w.s, '-', 3) != NULL;
    if (w.n == 0 || w.n > 3)
        return fail(p, w.col, "bad protection '%.*s' (%s)", Q(w), help);
    for (size_t i = 0; i < w.n; i++) {
        char c = w.s[i];
        unsigned bit = c == 'r'   ? VML_PROT_READ
                       : c == 'w' ? VML_PROT_WRITE
                       : c == 'x' ? VML_PROT_EXEC
                                  : 0;
        if (ls && c == '-')
            continue;
        if (!bit || (ls && c != "rwx"[i]))
            return fail(p, col_at(w, i), "bad protection '%.*s' (%s)", Q(w), help);
        if (prot & bit)
            return fail(p, col_at(w, i), "protection '%.*s' has '%c' twice", Q(w), c);
        prot |= bit;
    }
    *out = prot;
    return 0;
}

/* RANGE: NAME, or NAME[START:END] with either bound optional. *bracketed tells the forms
 * apart. Checks syntax and START < END; the caller checks the name. */
static int parse_range(struct parser *p, struct word w, bool file, struct vml_range *r,
                       bool *bracketed)
{
    static const char help[] = "a range is NAME or NAME[START:END], bounds optional, e.g. "
                               "buf[16M:] or buf[4K:8K]";
    const char *lb = memchr(w.s, '[', w.n);
    struct word name = sub(w, 0, lb ? (size_t)(lb - w.s) : w.n);
    if (name.n == 0)
        return fail(p, w.col, "missing %s name before '[' (%s)", file ? "file" : "mapping", help);
    int e = file ? check_file_name(p, name) : check_name(p, name, "mapping");
    if (e)
        return e;
    memset(r, 0, sizeof(*r));
    copy_name(r->name, name);
    r->col = w.col;
    *bracketed = lb != NULL;
    if (!lb)
        return 0;
    size_t open = name.n;
    if (w.s[w.n - 1] != ']') {
        const char *rb = memchr(w.s, ']', w.n);
        if (rb)
            return fail(p, col_at(w, (size_t)(rb - w.s) + 1), "unexpected '%.*s' after ']' (%s)",
                        Q(sub(w, (size_t)(rb - w.s) + 1, w.n)), help);
        return fail(p, col_at(w, w.n), "missing ']' at the end of '%.*s' (%s)", Q(w), help);
    }
    struct word in = sub(w, open + 1, w.n - 1);
    const char *colon = memchr(in.s, ':', in.n);
    if (!colon)
        return fail(p, in.col, "missing ':' in '%.*s' (%s)", Q(w), help);
    struct word a = sub(in, 0, (size_t)(colon - in.s));
    struct word b = sub(in, a.n + 1, in.n);
    if (a.n && (e = size_word(p, a, "range start", &r->start)))
        return e;
    if (b.n && (e = size_word(p, b, "range end", &r->end)))
        return e;
    r->has_start = a.n > 0;
    r->has_end = b.n > 0;
    if (r->has_start && r->has_end && r->start >= r->end)
        return fail(p, a.col,
                    "empty range '%.*s': the start must be below the end (END is "
                    "exclusive)",
                    Q(w));
    return 0;
}

/* A mapping range of process pr at word i. */
static int map_range(struct parser *p, struct sym *pr, unsigned i, enum vml_op_kind k,
                     struct vml_range *r, bool *bracketed)
{
    int e = need(p, i, k, "the mapping (MAP or MAP[START:END])");
    if (!e)
        e = parse_range(p, p->l->w[i], false, r, bracketed);
    if (!e) {
        struct word name = sub(p->l->w[i], 0, strlen(r->name));
        e = need_map(p, pr, name);
    }
    return e;
}

/* ---- machine ------------------------------------------------------------------------------ */

#define MACHINE_KEYS                                                                               \
    "ram, nodes, cpu, paging, cpus, seed, thp, thp.FILE, vm.FILE, swap, zero_page, hugepages, "    \
    "pt_reclaim, readahead, disk, swapdev, memcg, numa, node_mem, node_cpus, distance, "           \
    "il_weights, node_perf, numa.demotion_enabled"

/* A huge page size, 2M or 1G (huge= and hugepages=): its enum vml_huge_size, or VML_EPARSE.
 * The size is the return value, not an out-parameter, so no caller can read a size that a
 * failed parse never set. */
static int huge_size_word(struct parser *p, struct word w, const char *what)
{
    uint64_t v;
    char buf[VML_SCN_WORD_MAX];
    cstr(w, buf);
    if (vml_parse_size(buf, &v, NULL) == 0) {
        if (v == 2ull << 20)
            return VML_HUGE_2M;
        if (v == 1ull << 30)
            return VML_HUGE_1G;
    }
    return fail(p, w.col, "%s: huge pages are 2M or 1G, not '%.*s'", what, Q(w));
}

/* hugepages=SIZE:N[,SIZE:N]: the hugetlb pools, each size at most once. */
static int machine_hugepages(struct parser *p, struct vml_machine_cfg *m, struct word val)
{
    static const char help[] = "write hugepages=2M:N or hugepages=2M:N,1G:N";
    if (val.n == 0)
        return fail(p, val.col, "missing pool sizes after hugepages= (%s)", help);
    for (size_t i = 0; i <= val.n;) {
        const char *comma = memchr(val.s + i, ',', val.n - i);
        size_t j = comma ? (size_t)(comma - val.s) : val.n;
        struct word item = sub(val, i, j), size, count;
        const char *colon = memchr(item.s, ':', item.n);
        if (!colon)
            return fail(p, item.col, "hugepages: expected SIZE:COUNT, not '%.*s' (%s)", Q(item),
                        help);
        size = sub(item, 0, (size_t)(colon - item.s));
        count = sub(item, size.n + 1, item.n);
        uint64_t n;
        int hs = huge_size_word(p, size, "hugepages"), r;
        if (hs < 0)
            return hs;
        if ((r = u64_word(p, count, "hugepages count", &n)))
            return r;
        if (m->hugepages_given & (1u << hs))
            return fail(p, size.col, "hugepages: %.*s given twice", Q(size));
        m->hugepages_given |= 1u << hs;
        m->hugepages[hs] = n;
        if (!comma)
            break;
        i = j + 1;
    }
    return 0;
}

/* thp=VALUE (file 0, enabled) and thp.FILE=VALUE: a THP file, at most once, its value checked
 * by the kernel's store method (vml_thp_store). */
static int machine_thp(struct parser *p, struct vml_machine_cfg *m, struct word key,
                       struct word val)
{
    char buf[VML_SCN_WORD_MAX];
    int i = 0; /* thp= is the table's first file, enabled */
    if (!is(key, "thp")) {
        struct word name = sub(key, 4, key.n);
        cstr(name, buf);
        i = name.n && buf[0] != '/' ? vml_thp_find(buf) : -1;
        if (i < 0)
            return fail(p, name.col,
                        "unknown THP file '%.*s' (thp.FILE=VALUE takes a file of " VML_THP_SYSFS_DIR
                        ": " SETTINGS_THP_FILES ")",
                        Q(name));
    }
    if (m->thp_given & (1u << i) && i == 0)
        return fail(p, key.col,
                    "the THP file 'enabled' is set twice (thp= and thp.enabled= are "
                    "the same file); keep one");
    if (m->thp_given & (1u << i))
        return fail(p, key.col, "machine setting '%.*s' given twice", Q(key));
    struct vml_diag d = { 0 };
    cstr(val, buf);
    if (vml_thp_store(&m->thp, (size_t)i, buf, val.n, &d)) {
        /* The store's message starts with the file's name; the key names it here. */
        const char *rest = strstr(d.msg, ": ");
        return fail(p, val.col, "%.*s: %s", Q(key), rest ? rest + 2 : d.msg);
    }
    m->thp_given |= 1u << i;
    m->thp_col[i] = key.col;
    m->given |= VML_MCFG_THP;
    return 0;
}

/* disk= and swapdev=: a device preset's name (docs/latency.md). */
static int machine_disk(struct parser *p, struct word val, const char *key, unsigned *out)
{
    if (vml_sim_disk_find(val.s, val.n, out) != 0)
        return fail(p, val.col, "%s=%.*s: unknown device (use nvme, sata, hdd or virtio)", key,
                    Q(val));
    return 0;
}

/* memcg=on|off: whether the Linux backend confines the processes to a memory cgroup as big as
 * the simulated machine's user memory (docs/pressure.md); the simulator is that machine. */
static int machine_memcg(struct parser *p, struct vml_machine_cfg *m, struct word key,
                         struct word val)
{
    if (m->given & VML_MCFG_MEMCG)
        return fail(p, key.col, "machine setting 'memcg' given twice");
    if (!is(val, "on") && !is(val, "off"))
        return fail(p, val.col, "memcg must be on or off, not '%.*s'", Q(val));
    m->memcg = is(val, "on");
    m->given |= VML_MCFG_MEMCG;
    return 0;
}

/* numa.demotion_enabled=BOOL: /sys/kernel/mm/numa/demotion_enabled, parsed by kstrtobool as
 * demotion_enabled_store parses a write (docs/numa.md, "Demotion"). */
static int machine_numa_sysfs(struct parser *p, struct vml_machine_cfg *m, struct word key,
                              struct word val)
{
    if (!is(key, "numa.demotion_enabled"))
        return fail(p, key.col,
                    "unknown /sys/kernel/mm/numa file '%.*s' (numa.FILE=VALUE takes "
                    "demotion_enabled)",
                    Q(sub(key, 5, key.n)));
    if (m->given & VML_MCFG_DEMOTION)
        return fail(p, key.col, "machine setting 'numa.demotion_enabled' given twice");
    if (vml_kstrtobool(val.s, val.n, &m->demotion_enabled))
        return fail(p, val.col,
                    "numa.demotion_enabled takes a boolean as the kernel reads one (true, false, "
                    "1, 0, y, n, on, off), not '%.*s'",
                    Q(val));
    m->given |= VML_MCFG_DEMOTION;
    return 0;
}

/* vm.FILE=VALUE: a /proc/sys/vm/ file, at most once, its value checked and stored as the
 * kernel's handler does (vml_vm_store: a dirty_bytes write zeroes dirty_ratio, and so on, in the
 * order the keys are written). drop_caches is an action, not a setting of the machine. */
static int machine_vm(struct parser *p, struct vml_machine_cfg *m, struct word key, struct word val)
{
    char buf[VML_SCN_WORD_MAX];
    struct word name = sub(key, 3, key.n);
    cstr(name, buf);
    int i = name.n && buf[0] != '/' ? vml_vm_find(buf) : -1;
    const char *why = i < 0 ? setting_vm_unmodelled(buf) : NULL;
    if (why)
        return fail(p, name.col, "vm.%s: %s", buf, why);
    if (i < 0)
        return fail(
            p, name.col,
            "unknown /proc/sys/vm file '%.*s' (vm.FILE=VALUE takes one of " SETTINGS_VM_FILES ")",
            Q(name));
    if (i == VML_VM_DROP_CACHES)
        return fail(p, key.col,
                    "vm.drop_caches is an action, not a setting: write 'set "
                    "/proc/sys/vm/drop_caches N' where the caches are to be dropped");
    if (m->vm_given & (1u << i))
        return fail(p, key.col, "machine setting '%.*s' given twice", Q(key));
    struct vml_diag d = { 0 };
    cstr(val, buf);
    if (vml_vm_store(&m->vm, (size_t)i, buf, val.n, NULL, &d)) {
        const char *rest = strstr(d.msg, ": ");
        return fail(p, val.col, "%.*s: %s", Q(key), rest ? rest + 2 : d.msg);
    }
    m->vm_given |= 1u << i;
    m->given |= VML_MCFG_VM;
    return 0;
}

/* kernel.numa_balancing=N and sched.numa_balancing/FILE=N: the files of /proc/sys/kernel/ and
 * /sys/kernel/debug/sched/ that automatic NUMA balancing reads (docs/numa.md), each at most
 * once, checked as a write of it is. */
static int machine_numab(struct parser *p, struct vml_machine_cfg *m, struct word key,
                         struct word val)
{
    bool kernel = key.s[0] == 'k';
    struct word name = sub(key, kernel ? 7 : 6, key.n);
    char buf[VML_SCN_WORD_MAX], path[VML_SCN_WORD_MAX + 32];
    cstr(name, buf);
    snprintf(path, sizeof(path), "%s%s", kernel ? VML_KERNEL_SYSCTL_DIR : VML_SCHED_DEBUG_DIR, buf);
    int i = vml_numab_find(path);
    if (i < 0)
        return fail(p, name.col, "unknown %s file '%.*s' (%s)",
                    kernel ? "/proc/sys/kernel" : "debugfs sched", Q(name),
                    kernel ? "kernel.FILE=VALUE takes numa_balancing"
                           : "sched.FILE=VALUE takes numa_balancing/scan_delay_ms, "
                             "numa_balancing/scan_period_min_ms, numa_balancing/scan_period_max_ms "
                             "or numa_balancing/scan_size_mb");
    if (m->numab_given & (1u << i))
        return fail(p, key.col, "machine setting '%.*s' given twice", Q(key));
    struct vml_diag d = { 0 };
    cstr(val, buf);
    if (vml_numab_store(&m->numab, (size_t)i, buf, val.n, &d))
        return fail(p, val.col, "%.*s: %s", Q(key), d.msg);
    m->numab_given |= 1u << i;
    m->given |= VML_MCFG_NUMAB;
    return 0;
}

/* A comma-separated list of at most VML_MAX_NODES * VML_MAX_NODES values after key=: each
 * word in items[], their number in *n. */
static int machine_items(struct parser *p, struct word key, struct word val, struct word *items,
                         unsigned max, unsigned *n)
{
    *n = 0;
    if (val.n == 0)
        return fail(p, val.col, "missing values after %.*s=", Q(key));
    for (size_t i = 0; i <= val.n;) {
        const char *comma = memchr(val.s + i, ',', val.n - i);
        size_t j = comma ? (size_t)(comma - val.s) : val.n;
        if (*n == max)
            return fail(p, val.col + (unsigned)i, "%.*s: more than %u values", Q(key), max);
        items[(*n)++] = sub(val, i, j);
        if (!comma)
            break;
        i = j + 1;
    }
    return 0;
}

/* node_mem=, node_cpus=, distance=, il_weights=, numa=: the NUMA topology (docs/numa.md). The
 * checks that need every key (counts against nodes=, the SLIT's shape) are machine_numa's. */
static int machine_numa_key(struct parser *p, struct vml_machine_cfg *m, struct word key,
                            struct word val, unsigned bit)
{
    struct word items[VML_MAX_NODES * VML_MAX_NODES];
    unsigned n;
    int r;
    if (bit == VML_MCFG_NUMA) {
        static const char *const presets[] = { "2socket", "4socket", "cxl" };
        for (unsigned i = 0; i < 3; i++)
            if (is(val, presets[i])) {
                copy_name(m->numa_preset, val);
                return 0;
            }
        return fail(p, val.col, "numa=%.*s: unknown preset (use 2socket, 4socket or cxl)", Q(val));
    }
    unsigned max = bit == VML_MCFG_DISTANCE ? VML_MAX_NODES * VML_MAX_NODES : VML_MAX_NODES;
    if ((r = machine_items(p, key, val, items, max, &n)))
        return r;
    for (unsigned i = 0; i < n; i++) {
        uint64_t v;
        if (bit == VML_MCFG_NODE_MEM) {
            if ((r = size_word(p, items[i], "node_mem", &v)))
                return r;
            if (v == 0 || v % VML_PHYS_ALIGN || v > VML_PHYS_MAX)
                return fail(p, items[i].col,
                            "node_mem: node %u has %.*s; a node's RAM is a multiple of 2M from 2M "
                            "to 8T",
                            i, Q(items[i]));
            m->node_bytes[i] = v;
        } else if (bit == VML_MCFG_NODE_CPUS) {
            if ((r = range_word(p, items[i], "node_cpus", 0, VML_SCN_MAX_CPUS, &m->node_cpus[i])))
                return r;
        } else if (bit == VML_MCFG_IL_WEIGHTS) {
            unsigned w = 0;
            if ((r = range_word(p, items[i], "il_weights", 1, 255, &w)))
                return r;
            m->il_weight[i] = (uint8_t)w;
        } else {
            unsigned d = 0;
            if ((r = range_word(p, items[i], "distance", 0, 255, &d)))
                return r;
            m->distance[i / VML_MAX_NODES][i % VML_MAX_NODES] = (uint8_t)d;
        }
    }
    /* How many were given, for machine_numa: kept in the unused slots' place. */
    if (bit == VML_MCFG_DISTANCE)
        p->numa_counts[0] = n;
    else if (bit == VML_MCFG_NODE_MEM)
        p->numa_counts[1] = n;
    else if (bit == VML_MCFG_NODE_CPUS)
        p->numa_counts[2] = n;
    else
        p->numa_counts[3] = n;
    p->numa_cols[bit == VML_MCFG_DISTANCE    ? 0
                 : bit == VML_MCFG_NODE_MEM  ? 1
                 : bit == VML_MCFG_NODE_CPUS ? 2
                                             : 3] = val.col;
    return 0;
}

/* One number of a node_perf item: 0..VML_SCN_PERF_MAX (ns or MB/s). */
#define VML_SCN_PERF_MAX 100000000u
static int perf_number(struct parser *p, struct word w, unsigned node, const char *what,
                       uint32_t *out)
{
    uint64_t v = 0;
    for (size_t i = 0; i < w.n; i++) {
        if (w.s[i] < '0' || w.s[i] > '9')
            return fail(p, w.col,
                        "node_perf: node %u's %s '%.*s' is not a decimal number (latencies in "
                        "ns, bandwidths in MB/s)",
                        node, what, Q(w));
        v = v * 10 + (unsigned)(w.s[i] - '0');
        if (v > VML_SCN_PERF_MAX)
            return fail(p, w.col, "node_perf: node %u's %s %.*s is above %u", node, what, Q(w),
                        VML_SCN_PERF_MAX);
    }
    if (w.n == 0)
        return fail(p, w.col, "node_perf: node %u's %s is missing", node, what);
    *out = (uint32_t)v;
    return 0;
}

/* node_perf=PERF,PERF...: one item per node, what its firmware or driver says of its memory
 * (docs/numa.md, "Demotion"):
 *   -                 no HMAT data (a CPU-less node stays in the DRAM tier);
 *   dax               onlined by dax/kmem or the CXL driver (MEMTIER_DEFAULT_DAX_ADISTANCE);
 *   LAT/BW            HMAT access latency (ns) and bandwidth (MB/s), reads and writes alike
 *                     (qemu's hmat-lb data-type=access-latency and access-bandwidth);
 *   RLAT/WLAT/RBW/WBW each apart, as /sys/devices/system/node/nodeN/access1/initiators/ shows
 *                     them (a pair may have one 0, not both). */
static int machine_node_perf(struct parser *p, struct vml_machine_cfg *m, struct word key,
                             struct word val)
{
    struct word items[VML_MAX_NODES];
    unsigned n;
    int r = machine_items(p, key, val, items, VML_MAX_NODES, &n);
    if (r)
        return r;
    for (unsigned i = 0; i < n; i++) {
        struct word it = items[i], f[4];
        p->perf_cols[i] = it.col;
        if (is(it, "-"))
            continue;
        if (is(it, "dax")) {
            m->node_dax[i] = true;
            continue;
        }
        unsigned k = 0;
        size_t a = 0;
        for (size_t j = 0; j <= it.n; j++)
            if (j == it.n || it.s[j] == '/') {
                if (k == 4)
                    return fail(p, it.col,
                                "node_perf: node %u has '%.*s'; write -, dax, LAT/BW or "
                                "RLAT/WLAT/RBW/WBW",
                                i, Q(it));
                f[k++] = sub(it, a, j);
                a = j + 1;
            }
        if (k != 2 && k != 4)
            return fail(p, it.col,
                        "node_perf: node %u has '%.*s'; write -, dax, LAT/BW or "
                        "RLAT/WLAT/RBW/WBW (ns and MB/s)",
                        i, Q(it));
        struct vml_node_perf *pf = &m->node_perf[i];
        if (k == 2) {
            if ((r = perf_number(p, f[0], i, "latency", &pf->read_latency)) ||
                (r = perf_number(p, f[1], i, "bandwidth", &pf->read_bandwidth)))
                return r;
            pf->write_latency = pf->read_latency;
            pf->write_bandwidth = pf->read_bandwidth;
        } else if ((r = perf_number(p, f[0], i, "read latency", &pf->read_latency)) ||
                   (r = perf_number(p, f[1], i, "write latency", &pf->write_latency)) ||
                   (r = perf_number(p, f[2], i, "read bandwidth", &pf->read_bandwidth)) ||
                   (r = perf_number(p, f[3], i, "write bandwidth", &pf->write_bandwidth))) {
            return r;
        }
        if (pf->read_latency + pf->write_latency == 0)
            return fail(p, f[0].col,
                        "node_perf: node %u's latencies are 0, which the kernel takes as no "
                        "data (write - for none)",
                        i);
        if (pf->read_bandwidth + pf->write_bandwidth == 0)
            return fail(p, f[k / 2].col,
                        "node_perf: node %u's bandwidths are 0, which the kernel takes as no "
                        "data (write - for none)",
                        i);
    }
    p->numa_counts[4] = n;
    p->numa_cols[4] = val.col;
    return 0;
}

static int machine_key(struct parser *p, struct vml_machine_cfg *m, struct word key,
                       struct word val)
{
    static const struct {
        const char *name;
        unsigned bit;
    } numa_keys[] = { { "node_mem", VML_MCFG_NODE_MEM },
                      { "node_cpus", VML_MCFG_NODE_CPUS },
                      { "distance", VML_MCFG_DISTANCE },
                      { "numa", VML_MCFG_NUMA },
                      { "il_weights", VML_MCFG_IL_WEIGHTS } };
    for (unsigned i = 0; i < sizeof(numa_keys) / sizeof(numa_keys[0]); i++)
        if (is(key, numa_keys[i].name)) {
            if (m->given & numa_keys[i].bit)
                return fail(p, key.col, "machine setting '%s' given twice", numa_keys[i].name);
            m->given |= numa_keys[i].bit;
            return machine_numa_key(p, m, key, val, numa_keys[i].bit);
        }
    static const char *const keys[] = { "ram",        "nodes",     "cpu",  "paging",    "cpus",
                                        "seed",       "thp",       "swap", "zero_page", "hugepages",
                                        "pt_reclaim", "readahead", "disk", "swapdev" };
    if (is(key, "node_perf")) {
        if (m->given & VML_MCFG_NODE_PERF)
            return fail(p, key.col, "machine setting 'node_perf' given twice");
        m->given |= VML_MCFG_NODE_PERF;
        return machine_node_perf(p, m, key, val);
    }
    if (key.n >= 3 && memcmp(key.s, "vm.", 3) == 0)
        return machine_vm(p, m, key, val);
    if (key.n >= 5 && memcmp(key.s, "numa.", 5) == 0)
        return machine_numa_sysfs(p, m, key, val);
    if ((key.n >= 7 && memcmp(key.s, "kernel.", 7) == 0) ||
        (key.n >= 6 && memcmp(key.s, "sched.", 6) == 0))
        return machine_numab(p, m, key, val);
    const unsigned nkeys = sizeof(keys) / sizeof(keys[0]);
    if (is(key, "thp") || (key.n >= 4 && memcmp(key.s, "thp.", 4) == 0))
        return machine_thp(p, m, key, val);
    if (is(key, "memcg"))
        return machine_memcg(p, m, key, val);
    unsigned k = 0;
    while (k < nkeys && !is(key, keys[k]))
        k++;
    if (k == nkeys && is(key, "numa_balancing"))
        return fail(p, key.col,
                    "unknown machine setting 'numa_balancing': write kernel.numa_balancing=N "
                    "(its sysctl's name)");
    if (k == nkeys)
        return fail(p, key.col, "unknown machine setting '%.*s' (use " MACHINE_KEYS ")", Q(key));
    if (m->given & (1u << k))
        return fail(p, key.col, "machine setting '%s' given twice", keys[k]);
    m->given |= 1u << k;
    int r = 0;
    switch (1u << k) {
    case VML_MCFG_RAM:
        if ((r = size_word(p, val, "ram", &m->ram_bytes)))
            return r;
        if (m->ram_bytes == 0 || m->ram_bytes % VML_PHYS_ALIGN || m->ram_bytes > VML_PHYS_MAX)
            return fail(p, val.col, "ram=%.*s: RAM must be a multiple of 2M from 2M to 8T", Q(val));
        return 0;
    case VML_MCFG_NODES: return range_word(p, val, "nodes", 1, VML_MAX_NODES, &m->nr_nodes);
    case VML_MCFG_CPU:
        if (val.n == 0)
            return fail(p, val.col,
                        "missing CPU spec after cpu= (e.g. cpu=skylake; see "
                        "'vmlab cpu list')");
        copy_name(m->cpu, val);
        return 0;
    case VML_MCFG_PAGING:
        if (!is(val, "4") && !is(val, "5"))
            return fail(p, val.col, "paging must be 4 (48-bit) or 5 (57-bit), not '%.*s'", Q(val));
        m->paging_levels = (unsigned)(val.s[0] - '0');
        return 0;
    case VML_MCFG_CPUS: return range_word(p, val, "cpus", 1, VML_SCN_MAX_CPUS, &m->nr_cpus);
    case VML_MCFG_SEED: return u64_word(p, val, "seed", &m->seed);
    case VML_MCFG_ZERO_PAGE:
        if (is(val, "on"))
            m->no_zero_page = false;
        else if (is(val, "off"))
            m->no_zero_page = true;
        else
            return fail(p, val.col, "zero_page must be on or off, not '%.*s'", Q(val));
        return 0;
    case VML_MCFG_HUGEPAGES: return machine_hugepages(p, m, val);
    case VML_MCFG_PT_RECLAIM:
        if (is(val, "on"))
            m->no_pt_reclaim = false;
        else if (is(val, "off"))
            m->no_pt_reclaim = true;
        else
            return fail(p, val.col, "pt_reclaim must be on or off, not '%.*s'", Q(val));
        return 0;
    case VML_MCFG_READAHEAD:
        if ((r = size_word(p, val, "readahead", &m->readahead_bytes)))
            return r;
        if (m->readahead_bytes % 4096 || m->readahead_bytes > (1ull << 30))
            return fail(p, val.col,
                        "readahead=%.*s: use a multiple of 4K up to 1G (the disk's read_ahead_kb; "
                        "0 turns readahead off)",
                        Q(val));
        return 0;
    case VML_MCFG_DISK: return machine_disk(p, val, "disk", &m->disk);
    case VML_MCFG_SWAPDEV: return machine_disk(p, val, "swapdev", &m->swapdev);
    default:
        if ((r = size_word(p, val, "swap", &m->swap_bytes)))
            return r;
        if (m->swap_bytes % 4096)
            return fail(p, val.col, "swap=%.*s: swap must be a multiple of 4K", Q(val));
        return 0;
    }
}

/* The topology's checks across keys, and numa='s preset (the keys given override it):
 *   2socket: 2 nodes at distance 21 (a two-socket server's SLIT), 2 CPUs each unless cpus=;
 *   4socket: 4 nodes at distance 21 from one another, 2 CPUs each unless cpus=;
 *   cxl:     node 0 with every CPU, node 1 a CPU-less memory node at distance 20, onlined by
 *            dax/kmem or the CXL driver (node_perf=-,dax) unless node_perf= says otherwise.
 * The SLIT must have 10 on its diagonal (slit_valid: LOCAL_DISTANCE), more than 10 elsewhere,
 * below 255 (unreachable, not modelled), and be symmetric. */
static int machine_numa(struct parser *p, struct vml_machine_cfg *m, unsigned ram_col)
{
    unsigned nodes = m->nr_nodes;
    bool nodes_given = m->given & VML_MCFG_NODES;
    if (m->given & VML_MCFG_NUMA) {
        unsigned want = strcmp(m->numa_preset, "4socket") == 0 ? 4 : 2;
        if (nodes_given && nodes != want)
            return fail(p, p->l->w[0].col, "numa=%s has %u nodes, but nodes=%u", m->numa_preset,
                        want, nodes);
        nodes = want;
        bool cxl = strcmp(m->numa_preset, "cxl") == 0;
        if (!(m->given & VML_MCFG_DISTANCE))
            for (unsigned a = 0; a < nodes; a++)
                for (unsigned b = 0; b < nodes; b++)
                    m->distance[a][b] = a == b ? 10 : cxl ? 20 : 21;
        if (!(m->given & VML_MCFG_CPUS) && !(m->given & VML_MCFG_NODE_CPUS))
            m->nr_cpus = cxl ? 2 : 2 * nodes;
        if (cxl && !(m->given & VML_MCFG_NODE_CPUS)) {
            m->node_cpus[0] = m->nr_cpus;
            m->node_cpus[1] = 0;
            p->numa_counts[2] = 2;
        }
    }
    const unsigned *cnt = p->numa_counts;
    /* nodes from the lists when nodes= is not given: node_mem's, node_cpus', the SLIT's. */
    if (!nodes_given && !(m->given & VML_MCFG_NUMA)) {
        if (m->given & VML_MCFG_NODE_MEM)
            nodes = cnt[1];
        else if (m->given & VML_MCFG_NODE_CPUS)
            nodes = cnt[2];
        else if (m->given & VML_MCFG_DISTANCE) {
            unsigned k = 1;
            while (k * k < cnt[0])
                k++;
            nodes = k;
        }
    }
    if ((m->given & VML_MCFG_NODE_MEM) && cnt[1] != nodes)
        return fail(p, p->numa_cols[1], "node_mem has %u sizes for %u nodes", cnt[1], nodes);
    if (p->numa_counts[2] && cnt[2] != nodes)
        return fail(p, p->numa_cols[2], "node_cpus has %u counts for %u nodes", cnt[2], nodes);
    if ((m->given & VML_MCFG_IL_WEIGHTS) && cnt[3] != nodes)
        return fail(p, p->numa_cols[3], "il_weights has %u weights for %u nodes", cnt[3], nodes);
    if ((m->given & VML_MCFG_NODE_PERF) && cnt[4] != nodes)
        return fail(p, p->numa_cols[4], "node_perf describes %u node%s of %u", cnt[4],
                    cnt[4] == 1 ? "" : "s", nodes);
    if (m->given & VML_MCFG_DISTANCE) {
        if (cnt[0] != nodes * nodes)
            return fail(p, p->numa_cols[0],
                        "distance has %u values; %u nodes need %u (the SLIT, row by row)", cnt[0],
                        nodes, nodes * nodes);
        /* The values were stored as a flat list of nodes * nodes: lay them out by row. */
        uint8_t flat[VML_MAX_NODES * VML_MAX_NODES];
        memcpy(flat, m->distance, sizeof(flat));
        memset(m->distance, 0, sizeof(m->distance));
        for (unsigned i = 0; i < nodes * nodes; i++)
            m->distance[i / nodes][i % nodes] = flat[i];
    }
    for (unsigned a = 0; a < nodes && (m->given & (VML_MCFG_DISTANCE | VML_MCFG_NUMA)); a++)
        for (unsigned b = 0; b < nodes; b++) {
            unsigned d = m->distance[a][b], col = p->numa_cols[0] ? p->numa_cols[0] : 1;
            if (a == b && d != VML_LOCAL_DISTANCE)
                return fail(p, col, "distance from node %u to itself is %u; it must be 10", a, d);
            if (a != b && d <= VML_LOCAL_DISTANCE)
                return fail(p, col,
                            "distance from node %u to node %u is %u; a remote node is farther "
                            "than 10",
                            a, b, d);
            if (d == 255)
                return fail(p, col,
                            "distance from node %u to node %u is 255 (unreachable), which is not "
                            "modelled",
                            a, b);
            if (m->distance[b][a] != d)
                return fail(p, col,
                            "distance from node %u to node %u is %u but from %u to %u is %u: the "
                            "SLIT must be symmetric",
                            a, b, d, b, a, m->distance[b][a]);
        }
    if (p->numa_counts[2]) {
        unsigned sum = 0;
        for (unsigned i = 0; i < nodes; i++)
            sum += m->node_cpus[i];
        if (sum == 0 || sum > VML_SCN_MAX_CPUS)
            return fail(p, p->numa_cols[2] ? p->numa_cols[2] : 1,
                        "node_cpus: %u CPUs in all; a machine has 1 to %u", sum, VML_SCN_MAX_CPUS);
        if ((m->given & VML_MCFG_CPUS) && sum != m->nr_cpus)
            return fail(p, p->numa_cols[2] ? p->numa_cols[2] : 1,
                        "node_cpus gives %u CPUs, but cpus=%u", sum, m->nr_cpus);
        m->nr_cpus = sum;
    }
    if (m->given & VML_MCFG_NODE_MEM) {
        uint64_t sum = 0;
        for (unsigned i = 0; i < nodes; i++)
            sum += m->node_bytes[i];
        if (sum > VML_PHYS_MAX)
            return fail(p, p->numa_cols[1], "node_mem: more than 8T in all");
        if ((m->given & VML_MCFG_RAM) && sum != m->ram_bytes)
            return fail(p, ram_col, "ram=%llu bytes, but node_mem adds up to %llu",
                        (unsigned long long)m->ram_bytes, (unsigned long long)sum);
        m->ram_bytes = sum;
        m->given |= VML_MCFG_RAM;
    }
    /* Which nodes have CPUs: node_cpus', or CPU i on node i * nodes / cpus (numa_init). */
    bool cpus_on[VML_MAX_NODES] = { false };
    for (unsigned n = 0; n < nodes; n++)
        cpus_on[n] = p->numa_counts[2] && m->node_cpus[n] > 0;
    for (unsigned c = 0; !p->numa_counts[2] && c < m->nr_cpus; c++)
        cpus_on[nodes == 1 ? 0 : c * nodes / m->nr_cpus] = true;
    if ((m->given & VML_MCFG_NUMA) && strcmp(m->numa_preset, "cxl") == 0 &&
        !(m->given & VML_MCFG_NODE_PERF) && !cpus_on[1])
        m->node_dax[1] = true;
    for (unsigned n = 0; n < nodes; n++)
        if (m->node_dax[n] && cpus_on[n])
            return fail(p, p->perf_cols[n],
                        "node_perf: node %u has CPUs; dax is for memory onlined by dax/kmem or the "
                        "CXL driver, a node without CPUs",
                        n);
    m->nr_nodes = nodes;
    return 0;
}

static int parse_machine(struct parser *p)
{
    struct vml_scenario *s = p->s;
    const struct lex_line *l = p->l;
    if (s->has_machine)
        return fail(p, l->w[0].col,
                    "second machine line (the first is line %u); put every setting on one line",
                    s->machine_line);
    if (s->n_ops)
        return fail(p, l->w[0].col,
                    "the machine line must come before every operation (line %u has '%s')",
                    s->ops[0].line, kind_names[s->ops[0].kind]);
    struct vml_machine_cfg m = s->machine;
    unsigned ram_col = 0, huge_col = 0;
    for (unsigned i = 1; i < l->n; i++) {
        struct word key, val;
        if (!split_kv(l->w[i], &key, &val))
            return fail(p, l->w[i].col, "expected KEY=VALUE, not '%.*s' (keys: " MACHINE_KEYS ")",
                        Q(l->w[i]));
        int r = machine_key(p, &m, key, val);
        if (r)
            return r;
        if (is(key, "ram"))
            ram_col = val.col;
        if (is(key, "hugepages"))
            huge_col = val.col;
    }
    if (l->extra_col)
        return fail(p, l->extra_col, "too many words on one line");
    int nr = machine_numa(p, &m, ram_col);
    if (nr)
        return nr;
    if (!(m.given & VML_MCFG_RAM))
        return fail(p, l->end_col, "missing ram=SIZE (e.g. machine ram=8G, or node_mem=4G,4G)");
    if (m.ram_bytes / m.nr_nodes < VML_PHYS_ALIGN)
        return fail(p, ram_col, "ram is too small for %u nodes (each node needs 2M or more)",
                    m.nr_nodes);
    uint64_t pools = 0;
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++) {
        uint64_t size = i == VML_HUGE_2M ? 2ull << 20 : 1ull << 30;
        if (m.hugepages[i] > m.ram_bytes / size || pools + m.hugepages[i] * size > m.ram_bytes)
            return fail(p, huge_col, "hugepages need more than ram=%llu bytes",
                        (unsigned long long)m.ram_bytes);
        pools += m.hugepages[i] * size;
    }
    s->machine = m;
    s->has_machine = true;
    s->machine_line = l->line;
    return 0;
}

/* ---- statements that do not start with a process -------------------------------------------- */

/* A policy word at w (vml_mpol_parse), its error at its column. */
static int policy_word(struct parser *p, struct word w, struct vml_mpol *pol)
{
    struct vml_diag d = { 0 };
    if (vml_mpol_parse(w.s, w.n, pol, &d) == 0)
        return 0;
    return fail(p, w.col + (d.col ? d.col - 1 : 0), "%s", d.msg);
}

/* numactl's launch options (proc NAME OPTION...): membind=, interleave=, weighted_interleave=,
 * preferred=, preferred_many=, localalloc, cpunodebind=, physcpubind=. A '+' before the nodes
 * makes them relative (numactl: MPOL_F_RELATIVE_NODES). */
static int proc_option(struct parser *p, struct vml_op *op, struct word w)
{
    static const struct {
        const char *name;
        const char *mode;
    } pols[] = { { "membind", "bind" },
                 { "interleave", "interleave" },
                 { "weighted_interleave", "weighted_interleave" },
                 { "preferred", "preferred" },
                 { "preferred_many", "preferred_many" } };
    struct vml_op_numa *o = &op->u.numa;
    struct word key, val;
    if (is(w, "localalloc")) {
        if (o->has_pol)
            return fail(p, w.col, "one memory policy per process (numactl takes one)");
        o->has_pol = true;
        o->pol.mode = VML_MPOL_LOCAL;
        return 0;
    }
    if (!split_kv(w, &key, &val))
        return fail(p, w.col,
                    "unknown process option '%.*s' (use membind=, interleave=, "
                    "weighted_interleave=, preferred=, preferred_many=, localalloc, cpunodebind=, "
                    "physcpubind=)",
                    Q(w));
    for (unsigned i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
        if (!is(key, pols[i].name))
            continue;
        if (o->has_pol)
            return fail(p, w.col, "one memory policy per process (numactl takes one)");
        bool rel = val.n && val.s[0] == '+';
        struct word nodes = rel ? sub(val, 1, val.n) : val;
        char buf[VML_SCN_WORD_MAX + 32];
        snprintf(buf, sizeof(buf), "%s%s:%.*s", pols[i].mode, rel ? "=relative" : "", Q(nodes));
        struct vml_diag d = { 0 };
        if (vml_mpol_parse(buf, strlen(buf), &o->pol, &d) != 0) {
            size_t head = strlen(pols[i].mode) + (rel ? 9 : 0) + 1;
            unsigned off = d.col > head ? (unsigned)(d.col - head - 1) : 0;
            return fail(p, nodes.col + off, "%.*s: %s", Q(key), d.msg);
        }
        o->has_pol = true;
        return 0;
    }
    uint64_t mask[4];
    struct vml_diag d = { 0 };
    if (is(key, "cpunodebind")) {
        if (vml_list_parse(val.s, val.n, VML_MAX_NODES, "node", mask, &d) != 0)
            return fail(p, val.col + (d.col ? d.col - 1 : 0), "cpunodebind: %s", d.msg);
        o->cpunodes = (uint32_t)mask[0];
        return 0;
    }
    if (is(key, "physcpubind")) {
        if (vml_list_parse(val.s, val.n, VML_SCN_MAX_CPUS, "CPU", mask, &d) != 0)
            return fail(p, val.col + (d.col ? d.col - 1 : 0), "physcpubind: %s", d.msg);
        memcpy(o->cpus, mask, sizeof(o->cpus));
        o->has_cpus = true;
        return 0;
    }
    return fail(p, key.col,
                "unknown process option '%.*s' (use membind=, interleave=, weighted_interleave=, "
                "preferred=, preferred_many=, localalloc, cpunodebind=, physcpubind=)",
                Q(key));
}

static int parse_proc(struct parser *p, struct vml_op *op)
{
    int r = need(p, 1, VML_OP_PROC, "the process name");
    struct word w = p->l->w[1];
    if (r || (r = new_proc(p, w)))
        return r;
    for (unsigned i = 2; i < p->l->n; i++)
        if ((r = proc_option(p, op, p->l->w[i])))
            return r;
    if (op->u.numa.cpunodes && op->u.numa.has_cpus)
        return fail(p, p->l->w[2].col, "cpunodebind= and physcpubind= both bind the CPUs: use one");
    if (p->l->extra_col)
        return fail(p, p->l->extra_col, "too many words on one line");
    copy_name(op->proc, w);
    struct sym *e = names_add(&p->nm.procs, w.s, w.n, p->l->line);
    if (!e)
        return VML_EHOST;
    e->epoch = names_new_epoch(&p->nm);
    return 0;
}

static int parse_file(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    int r;
    if (l->n < 2 || !(is(l->w[1], "create") || is(l->w[1], "delete")))
        return fail(p, l->n < 2 ? l->end_col : l->w[1].col,
                    "expected create or delete after file (usage: %s, or %s)",
                    usage[VML_OP_FILE_CREATE], usage[VML_OP_FILE_DELETE]);
    struct word name = l->w[2];
    if (is(l->w[1], "delete")) {
        struct sym *e;
        op->kind = VML_OP_FILE_DELETE;
        if ((r = need(p, 2, op->kind, "the file name")) || (r = need_file(p, name, &e)) ||
            (r = no_more(p, 3, op->kind)))
            return r;
        copy_name(op->u.file.name, name);
        e->gone_line = l->line;
        return 0;
    }
    op->kind = VML_OP_FILE_CREATE;
    if ((r = need(p, 2, op->kind, "the file name")) || (r = check_file_name(p, name)) ||
        (r = need(p, 3, op->kind, "the file size")) ||
        (r = size_word(p, l->w[3], "file size", &op->u.file.size)) || (r = no_more(p, 4, op->kind)))
        return r;
    struct sym *e = names_find(&p->nm.files, name.s, name.n);
    if (e && !e->gone_line)
        return fail(p, name.col, "file '%.*s' already exists (created at line %u)", Q(name),
                    e->line);
    copy_name(op->u.file.name, name);
    if (e) { /* made again after a delete */
        e->line = l->line;
        e->gone_line = 0;
        return 0;
    }
    return names_add(&p->nm.files, name.s, name.n, l->line) ? 0 : VML_EHOST;
}

static int parse_cpu(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    unsigned ncpu = p->s->machine.nr_cpus;
    uint64_t n;
    struct sym *pr;
    int r;
    if ((r = need(p, 1, VML_OP_CPU_RUN, "the CPU number")) ||
        (r = u64_word(p, l->w[1], "CPU number", &n)))
        return r;
    if (n >= ncpu)
        return fail(p, l->w[1].col,
                    "no CPU %.*s: the machine has %u CPU%s, numbered from 0 (set machine cpus=N)",
                    Q(l->w[1]), ncpu, ncpu == 1 ? "" : "s");
    if ((r = need(p, 2, VML_OP_CPU_RUN, "'run'")))
        return r;
    if (!is(l->w[2], "run"))
        return fail(p, l->w[2].col, "expected 'run', not '%.*s' (usage: %s)", Q(l->w[2]),
                    usage[VML_OP_CPU_RUN]);
    if ((r = need(p, 3, VML_OP_CPU_RUN, "the process")) || (r = need_proc(p, l->w[3], &pr)) ||
        (r = no_more(p, 4, VML_OP_CPU_RUN)))
        return r;
    op->u.cpu_run.cpu = (unsigned)n;
    copy_name(op->proc, l->w[3]);
    return 0;
}

/* ---- memory cgroups -------------------------------------------------------------------------- */

/* The cgroup PATH at w: "/" (the root, "") or one made by a cgroup statement, into out. */
static int need_cgroup(struct parser *p, struct word w, char *out)
{
    if (is(w, "/")) {
        out[0] = 0;
        return 0;
    }
    for (unsigned i = 0; i < p->n_cgroups; i++)
        if (is(w, p->cgroups[i])) {
            copy_name(out, w);
            return 0;
        }
    return fail(p, w.col, "no cgroup '%.*s' (make it with 'cgroup %.*s'; / is the root)", Q(w),
                Q(w));
}

/* cgroup PATH: a new cgroup below the root, its parent made before; names of letters, digits,
 * '_', '-', '.' and '@' between '/' (a cgroup directory's name). "memory" is not a top-level
 * name: /sys/fs/cgroup/memory/ is where the v1 view of the same cgroups is. */
static int parse_cgroup(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    int r = need(p, 1, VML_OP_CGROUP, "the cgroup's path");
    if (r)
        return r;
    struct word w = l->w[1];
    if ((r = no_more(p, 2, VML_OP_CGROUP)))
        return r;
    if ((r = check_rel_path(p, w, "cgroup path",
                            "a cgroup's path is names of letters, digits, '_', '-', '.' and "
                            "'@', with '/' between them (box, box/web)",
                            '@')))
        return r;
    if (is(w, "memory") || (w.n > 7 && memcmp(w.s, "memory/", 7) == 0))
        return fail(p, w.col,
                    "'memory' is where the v1 hierarchy is seen (/sys/fs/cgroup/memory/): choose "
                    "another name");
    char path[VML_SCN_FILE_MAX];
    copy_name(path, w);
    for (unsigned i = 0; i < p->n_cgroups; i++)
        if (strcmp(p->cgroups[i], path) == 0)
            return fail(p, w.col, "cgroup '%s' already exists", path);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = 0;
        bool found = false;
        for (unsigned i = 0; i < p->n_cgroups && !found; i++)
            found = strcmp(p->cgroups[i], path) == 0;
        if (!found)
            return fail(p, w.col, "cgroup '%.*s' has no parent: make 'cgroup %s' first", Q(w),
                        path);
    }
    if (p->n_cgroups == VML_SCN_CGROUP_MAX)
        return fail(p, w.col, "at most %d cgroups in a scenario", VML_SCN_CGROUP_MAX);
    copy_name(p->cgroups[p->n_cgroups++], w);
    copy_name(op->u.cgroup.path, w);
    return 0;
}

/* P cgroup PATH: P joins the cgroup (its cgroup.procs). */
static int parse_cgroup_attach(struct parser *p, struct vml_op *op)
{
    int r = need(p, 2, VML_OP_CGROUP_ATTACH, "the cgroup's path (/ for the root)");
    if (r || (r = need_cgroup(p, p->l->w[2], op->u.cgroup.path)))
        return r;
    return no_more(p, 3, VML_OP_CGROUP_ATTACH);
}

/* The files show and expect read in a cgroup are vml_sim_cgroup_file_name's (v2's: the root
 * has only the first two); keyed ones are "name value" lines, the others one number
 * (cgroup.procs: pids). */
#define CGROUP_FILES                                                                               \
    "memory.current, memory.peak, memory.max, memory.high, memory.low, memory.min, memory.stat, "  \
    "memory.events, memory.events.local, memory.swap.current, memory.swap.peak, memory.swap.max, " \
    "memory.swap.high, memory.swap.events, memory.oom.group, cgroup.procs"
#define CGROUP1_FILES                                                                              \
    "memory.usage_in_bytes, memory.max_usage_in_bytes, memory.limit_in_bytes, memory.failcnt, "    \
    "memory.memsw.usage_in_bytes, memory.memsw.limit_in_bytes, memory.stat, memory.oom_control, "  \
    "memory.use_hierarchy, cgroup.procs"

static bool cgroup_keyed(const char *file)
{
    return strcmp(file, "memory.stat") == 0 || strcmp(file, "memory.events") == 0 ||
           strcmp(file, "memory.events.local") == 0 || strcmp(file, "memory.swap.events") == 0 ||
           strcmp(file, "memory.oom_control") == 0;
}

/* show / expect cgroup[1] PATH FILE at words 1..3: *file VML_PROCFILE_CGROUP[1], the path and
 * the file into cg and cgfile; *i the next word. */
static int parse_cgroup_subject(struct parser *p, enum vml_op_kind k, enum vml_procfile *file,
                                char *cg, char *cgfile, unsigned *i)
{
    const struct lex_line *l = p->l;
    bool v1 = is(l->w[1], "cgroup1");
    int r = need(p, 2, k, "the cgroup's path (/ for the root)");
    if (r || (r = need_cgroup(p, l->w[2], cg)) || (r = need(p, 3, k, "the cgroup's file")))
        return r;
    struct word w = l->w[3];
    bool ok = false;
    for (unsigned n = 0; vml_sim_cgroup_file_name(v1, n) && !ok; n++)
        ok = is(w, vml_sim_cgroup_file_name(v1, n)) && (v1 || cg[0] || n < 2);
    if (!ok)
        return fail(p, w.col, "%s %s has no file '%.*s' (%s)", v1 ? "cgroup1" : "cgroup",
                    cg[0] ? cg : "/", Q(w),
                    v1      ? CGROUP1_FILES
                    : cg[0] ? CGROUP_FILES
                            : "the root has memory.stat and cgroup.procs");
    copy_name(cgfile, w);
    *file = v1 ? VML_PROCFILE_CGROUP1 : VML_PROCFILE_CGROUP;
    *i = 4;
    return 0;
}

/* The subject of show and expect: a system file, or a process and its file. Sets op->proc
 * and *file; *i is the index of the first word after the subject. alive_ok lets expect's
 * "P alive" and "P killed" through (with *file VML_PROCFILE_COUNT). */
static int parse_subject(struct parser *p, struct vml_op *op, enum vml_procfile *file, unsigned *i,
                         bool alive_ok)
{
    const struct lex_line *l = p->l;
    enum vml_op_kind k = op->kind;
    struct word w = l->w[1];
    struct sym *pr;
    int r = need(p, 1, k, "a /proc file or a process");
    if (r)
        return r;
    /* nodeN FILE: /sys/devices/system/node/nodeN/FILE (a process may be named node1). */
    if (w.n > 4 && memcmp(w.s, "node", 4) == 0 && w.s[4] >= '0' && w.s[4] <= '9' &&
        !names_find(&p->nm.procs, w.s, w.n)) {
        unsigned node = 0;
        for (size_t j = 4; j < w.n; j++) {
            if (w.s[j] < '0' || w.s[j] > '9' ||
                (node = node * 10 + (unsigned)(w.s[j] - '0')) >= VML_MAX_NODES)
                return fail(p, w.col, "no node '%.*s' (nodes are node0 to node%u)", Q(w),
                            VML_MAX_NODES - 1);
        }
        if ((r = need(p, 2, k, "the node's file (meminfo, numastat, vmstat, distance or cpulist)")))
            return r;
        unsigned nf = 0;
        while (nf < VML_NODE_NR_FILES && !is(l->w[2], vml_node_file_name((enum vml_node_file)nf)))
            nf++;
        if (nf == VML_NODE_NR_FILES)
            return fail(p, l->w[2].col,
                        "unknown node file '%.*s' (use meminfo, numastat, vmstat, distance or "
                        "cpulist)",
                        Q(l->w[2]));
        if (k == VML_OP_SHOW) {
            op->u.show.node = node;
            op->u.show.nodefile = nf;
        } else {
            op->u.expect.node = node;
            op->u.expect.nodefile = nf;
        }
        *file = VML_PROCFILE_NODE;
        *i = 3;
        return 0;
    }
    if (is(w, "node"))
        return fail(p, w.col, "name the node: show node0 FILE, expect node1 numastat FIELD ...");
    if (is_system_file(w)) {
        *file = procfile(w);
        *i = 2;
        return 0;
    }
    enum vml_procfile f = procfile(w);
    if (f != VML_PROCFILE_COUNT && !names_find(&p->nm.procs, w.s, w.n))
        return fail(p, w.col, "%.*s is a per-process file: write %s P %.*s", Q(w), kind_names[k],
                    Q(w));
    if ((r = need_proc(p, w, &pr)))
        return r;
    copy_name(op->proc, w);
    if ((r = need(p, 2, k, alive_ok ? "a /proc file, alive or killed" : "a /proc file")))
        return r;
    w = l->w[2];
    *i = 3;
    if (alive_ok && (is(w, "alive") || is(w, "killed"))) {
        *file = VML_PROCFILE_COUNT;
        return 0;
    }
    f = procfile(w);
    if (f == VML_PROCFILE_COUNT)
        return fail(p, w.col,
                    "unknown /proc file '%.*s' (per process: " PER_PROCESS_FILES
                    "; system: " SYSTEM_FILES ")",
                    Q(w));
    if (f >= VML_PROCFILE_NR_PER_PROCESS)
        return fail(p, w.col, "%.*s is a system file: write %s %.*s, without a process", Q(w),
                    kind_names[k], Q(w));
    *file = f;
    return 0;
}

/* An optional MAP of process op->proc at word i for file f; copies it into map. */
static int subject_map(struct parser *p, struct vml_op *op, enum vml_procfile f, unsigned i,
                       char *map)
{
    struct word w = p->l->w[i];
    if (!per_mapping(f))
        return fail(p, w.col,
                    "%s takes no mapping name ('%.*s'): only maps, smaps and numa_maps "
                    "do",
                    procfile_names[f], Q(w));
    struct sym *pr = names_find(&p->nm.procs, op->proc, strlen(op->proc));
    int r = need_map(p, pr, w);
    if (!r)
        copy_name(map, w);
    return r;
}

static int parse_field(struct parser *p, struct word w, char *out);

static int parse_show(struct parser *p, struct vml_op *op)
{
    enum vml_procfile f;
    unsigned i;
    if (p->l->n > 1 && is(p->l->w[1], "thp")) {
        op->kind = VML_OP_SHOW_THP;
        return no_more(p, 2, VML_OP_SHOW_THP);
    }
    /* show vm: the settings (a process called vm is shown with a file after its name). */
    if (p->l->n == 2 && is(p->l->w[1], "vm")) {
        op->kind = VML_OP_SHOW_VM;
        return 0;
    }
    int r;
    if (p->l->n > 1 && (is(p->l->w[1], "cgroup") || is(p->l->w[1], "cgroup1")) &&
        !names_find(&p->nm.procs, p->l->w[1].s, p->l->w[1].n)) {
        if ((r = parse_cgroup_subject(p, VML_OP_SHOW, &op->u.show.file, op->u.show.cgroup,
                                      op->u.show.cgfile, &i)))
            return r;
        if (i < p->l->n && !cgroup_keyed(op->u.show.cgfile))
            return fail(p, p->l->w[i].col,
                        "%s is one value: show picks fields only in memory.stat, memory.events, "
                        "memory.events.local, memory.swap.events and memory.oom_control",
                        op->u.show.cgfile);
        for (; i < p->l->n; i++) {
            if (op->u.show.nfields == VML_SCN_SHOW_FIELDS)
                return fail(p, p->l->w[i].col, "at most %d fields in one show",
                            VML_SCN_SHOW_FIELDS);
            if ((r = parse_field(p, p->l->w[i], op->u.show.fields[op->u.show.nfields])))
                return r;
            op->u.show.field_cols[op->u.show.nfields++] = p->l->w[i].col;
        }
        return 0;
    }
    r = parse_subject(p, op, &f, &i, false);
    if (r)
        return r;
    op->u.show.file = f;
    if (op->proc[0] && i < p->l->n && per_mapping(f)) {
        if ((r = subject_map(p, op, f, i, op->u.show.map)))
            return r;
        i++;
    }
    /* FIELD...: the lines of those fields only, in files of "Name: value" or "name value"
     * lines (an smaps of one mapping). */
    if (i < p->l->n) {
        bool keyed = f == VML_PROCFILE_SMAPS_ROLLUP || f == VML_PROCFILE_STATUS ||
                     f == VML_PROCFILE_FAULTS || f == VML_PROCFILE_LATENCY ||
                     f == VML_PROCFILE_MEMINFO || f == VML_PROCFILE_VMSTAT ||
                     (f == VML_PROCFILE_NODE && op->u.show.nodefile <= VML_NODE_VMSTAT) ||
                     (f == VML_PROCFILE_SMAPS && op->u.show.map[0]);
        if (!keyed)
            return fail(p, p->l->w[i].col,
                        "show %s cannot pick fields ('%.*s'): only meminfo, vmstat, status, "
                        "smaps_rollup, faults, latency and the smaps of one mapping can%s",
                        procfile_names[f], Q(p->l->w[i]),
                        f == VML_PROCFILE_SMAPS ? " (name the mapping first)" : "");
    }
    for (; i < p->l->n; i++) {
        if (op->u.show.nfields == VML_SCN_SHOW_FIELDS)
            return fail(p, p->l->w[i].col, "at most %d fields in one show", VML_SCN_SHOW_FIELDS);
        if ((r = parse_field(p, p->l->w[i], op->u.show.fields[op->u.show.nfields])))
            return r;
        op->u.show.field_cols[op->u.show.nfields++] = p->l->w[i].col;
    }
    return no_more(p, i, VML_OP_SHOW);
}

static bool is_cmp(struct word w, enum vml_cmp *c)
{
    for (unsigned k = 0; k < sizeof(cmp_names) / sizeof(cmp_names[0]); k++)
        if (is(w, cmp_names[k])) {
            *c = (enum vml_cmp)k;
            return true;
        }
    return false;
}

/* FIELD: a /proc label, letters, digits, '_', '(', ')' and '.', a trailing ':' dropped. */
static int parse_field(struct parser *p, struct word w, char *out)
{
    if (w.n > 1 && w.s[w.n - 1] == ':')
        w.n--;
    for (size_t i = 0; i < w.n; i++) {
        unsigned char c = (unsigned char)w.s[i];
        bool ok = i == 0 ? ident_start(c) : ident_char(c) || c == '(' || c == ')' || c == '.';
        if (!ok || c == '-')
            return fail(p, col_at(w, i),
                        "'%.*s' is not a field name (write it as the file prints it, e.g. "
                        "VmRSS, Private_Dirty, Active(anon), pgfault)",
                        Q(w));
    }
    if (w.n >= VML_SCN_FIELD_MAX)
        return fail(p, w.col, "field name '%.*s' is too long (%zu bytes; at most %d)", Q(w), w.n,
                    VML_SCN_FIELD_MAX - 1);
    copy_name(out, w);
    return 0;
}

#define UNITS "B, K or kB, M, G, T (binary), pages, or ns, us, ms, s"

/* A duration unit word: its nanoseconds, or 0. */
static uint64_t time_unit(struct word u)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = { { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 } };
    for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++)
        if (is(u, units[k].name))
            return units[k].ns;
    return 0;
}

/* VALUE [UNIT] at word i: a bare number, a size with a suffix, or a number and a unit word. */
static int parse_value(struct parser *p, struct vml_op_expect *x, unsigned i)
{
    const struct lex_line *l = p->l;
    struct word v = l->w[i];
    char buf[2 * VML_SCN_WORD_MAX];
    int r;
    cstr(v, buf);
    x->unit = VML_UNIT_NONE;
    if (vml_parse_u64(buf, &x->value, NULL) != 0) {
        if ((r = size_word(p, v, "value", &x->value)))
            return r;
        x->unit = VML_UNIT_BYTES;
    }
    if (i + 1 >= l->n)
        return no_more(p, i + 1, VML_OP_EXPECT);
    struct word u = l->w[i + 1];
    if (is(u, "pages") || is(u, "page")) {
        if (x->unit != VML_UNIT_NONE)
            return fail(p, u.col, "value '%.*s' already has a unit; remove '%.*s'", Q(v), Q(u));
        x->unit = VML_UNIT_PAGES;
        return no_more(p, i + 2, VML_OP_EXPECT);
    }
    uint64_t mult = time_unit(u);
    if (mult) { /* a duration: latency and faults' _ns lines */
        if (x->unit != VML_UNIT_NONE)
            return fail(p, u.col, "value '%.*s' already has a unit; remove '%.*s'", Q(v), Q(u));
        if (x->value > UINT64_MAX / mult)
            return fail(p, v.col, "value %.*s %.*s is too large (the limit is 2^64-1 ns)", Q(v),
                        Q(u));
        x->value *= mult;
        x->unit = VML_UNIT_NS;
        return no_more(p, i + 2, VML_OP_EXPECT);
    }
    char ubuf[8] = "1";
    bool letters = u.n > 0 && u.n <= 3;
    for (size_t k = 0; k < u.n && letters; k++)
        letters = ident_start((unsigned char)u.s[k]) && u.s[k] != '_';
    if (letters)
        memcpy(ubuf + 1, u.s, u.n);
    if (!letters || vml_parse_size(ubuf, &mult, NULL) != 0)
        return fail(p, u.col, "unknown unit '%.*s' (use " UNITS ")", Q(u));
    if (x->unit != VML_UNIT_NONE)
        return fail(p, u.col, "value '%.*s' already has a unit; remove '%.*s'", Q(v), Q(u));
    if (x->value > UINT64_MAX / mult)
        return fail(p, v.col, "value %.*s %.*s is too large (the limit is 2^64-1 bytes)", Q(v),
                    Q(u));
    x->value *= mult;
    x->unit = VML_UNIT_BYTES;
    return no_more(p, i + 2, VML_OP_EXPECT);
}

/* Whether word i of an expect with a process is a MAP (see parse_expect). */
static bool has_map_word(struct parser *p, const struct vml_op *op, unsigned i)
{
    const struct lex_line *l = p->l;
    enum vml_cmp c;
    unsigned line;
    if (i + 1 >= l->n || is_cmp(l->w[i + 1], &c))
        return false;
    if (i + 2 < l->n && (is_cmp(l->w[i + 2], &c) || is(l->w[i + 2], "=")))
        return true;
    struct sym *pr = names_find(&p->nm.procs, op->proc, strlen(op->proc));
    return mapset_get(pr->maps, l->w[i].s, l->w[i].n, &line) == 1;
}

static const struct {
    const char *name;
    int err;
} errnos[] = {
    { "ENOMEM", VML_ENOMEM },       { "EINVAL", VML_EINVAL }, { "EEXIST", VML_EEXIST },
    { "EFAULT", VML_EFAULT },       { "EAGAIN", VML_EAGAIN }, { "EFBIG", VML_EFBIG },
    { "EOVERFLOW", VML_EOVERFLOW },
};
#define ERRNOS "ENOMEM, EINVAL, EEXIST, EFAULT, EAGAIN, EFBIG or EOVERFLOW"

const char *vml_errno_name(int err)
{
    for (size_t k = 0; k < sizeof(errnos) / sizeof(errnos[0]); k++)
        if (errnos[k].err == err)
            return errnos[k].name;
    return NULL;
}

static int parse_expect(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    struct vml_op_expect *x = &op->u.expect;
    enum vml_procfile f;
    unsigned i;
    /* expect fail ERRNO: the next statement's call fails with that errno (a process named
     * fail is still one: "expect fail alive"). */
    if (l->n >= 2 && is(l->w[1], "fail") && !names_find(&p->nm.procs, l->w[1].s, l->w[1].n)) {
        int r = need(p, 2, VML_OP_EXPECT, "the errno (" ERRNOS ")");
        if (r)
            return r;
        size_t k = 0;
        while (k < sizeof(errnos) / sizeof(errnos[0]) && !is(l->w[2], errnos[k].name))
            k++;
        if (k == sizeof(errnos) / sizeof(errnos[0]))
            return fail(p, l->w[2].col, "expect fail takes " ERRNOS ", not '%.*s'", Q(l->w[2]));
        x->kind = VML_EXPECT_FAIL;
        x->err = errnos[k].err;
        return no_more(p, 3, VML_OP_EXPECT);
    }
    int r;
    if (l->n > 1 && (is(l->w[1], "cgroup") || is(l->w[1], "cgroup1")) &&
        !names_find(&p->nm.procs, l->w[1].s, l->w[1].n)) {
        x->kind = VML_EXPECT_FIELD;
        if ((r = parse_cgroup_subject(p, VML_OP_EXPECT, &x->file, x->cgroup, x->cgfile, &i)))
            return r;
        if (strcmp(x->cgfile, "cgroup.procs") == 0)
            return fail(p, l->w[3].col, "cgroup.procs lists pids: show it, or expect P alive");
        enum vml_cmp c;
        bool v1 = x->file == VML_PROCFILE_CGROUP1;
        if (cgroup_keyed(x->cgfile)) {
            if ((r = need(p, i, VML_OP_EXPECT, "the field name")))
                return r;
            /* The comparison where the field should be: say which file needs one. */
            if (is_cmp(l->w[i], &c) || is(l->w[i], "="))
                return fail(p, l->w[i].col,
                            "%s holds \"name value\" lines: name the field before '%.*s' "
                            "(expect %s %s %s FIELD %.*s VALUE)",
                            x->cgfile, Q(l->w[i]), v1 ? "cgroup1" : "cgroup",
                            x->cgroup[0] ? x->cgroup : "/", x->cgfile, Q(l->w[i]));
            if ((r = parse_field(p, l->w[i], x->field)))
                return r;
        } else {
            /* One number: the file's name stands for the field, and no field may follow. */
            if (i < l->n && !is_cmp(l->w[i], &c) && !is(l->w[i], "="))
                return fail(p, l->w[i].col,
                            "%s is one value: it has no field '%.*s' (expect %s %s %s OP VALUE; "
                            "fields are in %s)",
                            x->cgfile, Q(l->w[i]), v1 ? "cgroup1" : "cgroup",
                            x->cgroup[0] ? x->cgroup : "/", x->cgfile,
                            v1 ? "memory.stat and memory.oom_control"
                               : "memory.stat, memory.events, memory.events.local and "
                                 "memory.swap.events");
            i--;
        }
        goto compare;
    }
    r = parse_subject(p, op, &f, &i, true);
    if (r)
        return r;
    if (f == VML_PROCFILE_COUNT) {
        x->kind = is(l->w[2], "alive") ? VML_EXPECT_ALIVE : VML_EXPECT_KILLED;
        /* killed by oom: the OOM killer's SIGKILL, not any death. */
        if (x->kind == VML_EXPECT_KILLED && l->n > 3) {
            if (!is(l->w[3], "by"))
                return no_more(p, 3, VML_OP_EXPECT);
            if ((r = need(p, 4, VML_OP_EXPECT, "oom (expect P killed by oom)")))
                return r;
            if (!is(l->w[4], "oom"))
                return fail(p, l->w[4].col, "expected 'oom' after 'killed by', not '%.*s'",
                            Q(l->w[4]));
            x->kind = VML_EXPECT_KILLED_OOM;
            return no_more(p, 5, VML_OP_EXPECT);
        }
        return no_more(p, 3, VML_OP_EXPECT);
    }
    x->kind = VML_EXPECT_FIELD;
    x->file = f;
    if (f == VML_PROCFILE_DMESG)
        return fail(p, l->w[1].col, "dmesg has no fields to expect on: show dmesg prints it");
    if (f == VML_PROCFILE_OOM_SCORE_ADJ)
        return fail(p, l->w[2].col,
                    "oom_score_adj is what the scenario set: expect P oom_score compares the "
                    "ranking it gives");
    /* A file of one number: the file's name stands for the field. */
    if (f == VML_PROCFILE_OOM_SCORE) {
        snprintf(x->field, sizeof(x->field), "oom_score");
        i--;
        goto compare;
    }
    /* A MAP comes before FIELD: the word after the subject is one when it names a mapping of
     * P, or when the comparison comes one word later than it would without a MAP. */
    if (op->proc[0] && has_map_word(p, op, i)) {
        if ((r = subject_map(p, op, f, i, x->map)))
            return r;
        i++;
    }
    if ((r = need(p, i, VML_OP_EXPECT, "the field name")) ||
        (r = parse_field(p, l->w[i], x->field)))
        return r;
compare:
    if ((r = need(p, i + 1, VML_OP_EXPECT, "a comparison (==, !=, <, <=, >, >=)")))
        return r;
    if (is(l->w[i + 1], "="))
        return fail(p, l->w[i + 1].col, "write == to compare, not =");
    if (!is_cmp(l->w[i + 1], &x->cmp))
        return fail(p, l->w[i + 1].col,
                    "expected a comparison (==, !=, <, <=, >, >=) after '%.*s', not '%.*s'",
                    Q(l->w[i]), Q(l->w[i + 1]));
    if ((r = need(p, i + 2, VML_OP_EXPECT, "the value")))
        return r;
    return parse_value(p, x, i + 2);
}

/* set PATH VALUE: a write to a kernel setting file of the path table (settings.c), its value
 * checked now as the kernel's store method would (so a typo fails before anything runs). */
static int parse_set(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_SET;
    char msg[256];
    int r;
    if ((r = need(p, 1, k, "the file's path")))
        return r;
    struct word path = l->w[1];
    if (setting_find(path.s, path.n, &op->u.set.dir, &op->u.set.file, msg))
        return fail(p, path.col, "%s", msg);
    if (op->u.set.dir == VML_SETTING_CGROUP || op->u.set.dir == VML_SETTING_CGROUP1) {
        /* The cgroup must exist; the root takes only memory.reclaim (CFTYPE_NOT_ON_ROOT). */
        char full[VML_SCN_WORD_MAX], cg[VML_SCN_FILE_MAX], name[VML_SCN_FIELD_MAX];
        bool v1;
        cstr(path, full);
        (void)vml_cgroup_path_split(full, cg, sizeof(cg), name, sizeof(name), &v1);
        bool found = !cg[0];
        for (unsigned i = 0; i < p->n_cgroups && !found; i++)
            found = strcmp(p->cgroups[i], cg) == 0;
        if (!found)
            return fail(p, path.col, "no cgroup '%s' (make it with 'cgroup %s' first)", cg, cg);
        if (!cg[0] && strcmp(name, "memory.reclaim") != 0)
            return fail(p, path.col,
                        "the root cgroup has no %s (the kernel gives limits to the cgroups below "
                        "it)",
                        name);
    }
    if ((r = need(p, 2, k, "the value")))
        return r;
    struct word val = l->w[2];
    if (setting_check(op->u.set.dir, op->u.set.file, val.s, val.n, msg))
        return fail(p, val.col, "%s", msg);
    if ((r = no_more(p, 3, k)))
        return r;
    cstr(path, op->u.set.path);
    memcpy(op->u.set.value, val.s, val.n);
    op->u.set.value[val.n] = 0;
    op->u.set.value_col = val.col;
    return 0;
}

/* swapon NAME SIZE [prio=N] and swapoff NAME: a swap area by a name of the scenario's, on from
 * its swapon to its swapoff (or the end). The size is at least 10 pages, the header page among
 * them: mkswap's minimum (MIN_GOODPAGES), which the kernel's read_swap_header would take
 * smaller; prio is what swapon(2) takes with SWAP_FLAG_PREFER (0..SWAP_FLAG_PRIO_MASK). */
static int parse_swap(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = op->kind;
    int r;
    if ((r = need(p, 1, k, "the swap area's name")))
        return r;
    struct word w = l->w[1];
    if ((r = check_name(p, w, "swap area")))
        return r;
    copy_name(op->u.swap.name, w);
    unsigned i = 0;
    while (i < p->n_swaps && strcmp(p->swaps[i].name, op->u.swap.name) != 0)
        i++;
    op->u.swap.prio = -1;
    if (k == VML_OP_SWAPOFF) {
        if (i == p->n_swaps)
            return fail(p, w.col, "no swap area '%.*s' is on here (swapon NAME SIZE enables one)",
                        Q(w));
        p->swaps[i] = p->swaps[--p->n_swaps];
        return no_more(p, 2, k);
    }
    if (i < p->n_swaps)
        return fail(p, w.col, "swap area '%.*s' is on already (swapon at line %u)", Q(w),
                    p->swaps[i].line);
    if (p->n_swaps == VML_SCN_SWAP_MAX)
        return fail(p, w.col, "more than %d swap areas on at once", VML_SCN_SWAP_MAX);
    if ((r = need(p, 2, k, "the size")) ||
        (r = size_word(p, l->w[2], "swap size", &op->u.swap.size)))
        return r;
    if (op->u.swap.size % 4096 || op->u.swap.size < (10u << 12))
        return fail(p, l->w[2].col,
                    "swap size %.*s: use a multiple of 4K of at least 40K (a header page and "
                    "the slots)",
                    Q(l->w[2]));
    /* Options, in any order, each once: prio=N, and partition (a block device's area). */
    bool has_prio = false;
    for (unsigned j = 3; j < l->n; j++) {
        struct word key, val, w3 = l->w[j];
        if (split_kv(w3, &key, &val) && is(key, "prio")) {
            if (has_prio)
                return fail(p, w3.col, "swapon option 'prio' given twice");
            unsigned prio = 0;
            if ((r = range_word(p, val, "prio", 0, 32767, &prio)))
                return r;
            op->u.swap.prio = (int)prio;
            has_prio = true;
        } else if (is(w3, "partition")) {
            if (op->u.swap.partition)
                return fail(p, w3.col, "swapon option 'partition' given twice");
            op->u.swap.partition = true;
        } else {
            return fail(p, w3.col, "unknown swapon option '%.*s' (use prio=N or partition)", Q(w3));
        }
    }
    snprintf(p->swaps[p->n_swaps].name, sizeof(p->swaps[0].name), "%s", op->u.swap.name);
    p->swaps[p->n_swaps++].line = l->line;
    p->had_swapon = true;
    return 0;
}

/* wait DURATION: decimal digits and a unit; the whole must fit in 2^64 - 1 ns. */
static int parse_wait(struct parser *p, struct vml_op *op)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 }, { "m", 60000000000ull }
    };
    const enum vml_op_kind k = VML_OP_WAIT;
    int r;
    if ((r = need(p, 1, k, "the duration")))
        return r;
    struct word w = p->l->w[1];
    size_t i = 0;
    uint64_t n = 0;
    for (; i < w.n && w.s[i] >= '0' && w.s[i] <= '9'; i++) {
        unsigned d = (unsigned)(w.s[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return fail(p, w.col, "duration '%.*s' is too long (at most 2^64 - 1 ns)", Q(w));
        n = n * 10 + d;
    }
    if (i == 0)
        return fail(p, w.col, "duration '%.*s' must start with a decimal number (usage: %s)", Q(w),
                    usage[k]);
    struct word unit = sub(w, i, w.n);
    size_t u = 0;
    while (u < sizeof(units) / sizeof(units[0]) && !is(unit, units[u].name))
        u++;
    if (u == sizeof(units) / sizeof(units[0]) && unit.n)
        return fail(p, unit.col, "unknown unit '%.*s' in duration (use ns, us, ms, s or m)",
                    Q(unit));
    if (u == sizeof(units) / sizeof(units[0]))
        return fail(p, unit.col, "duration '%.*s' needs a unit: ns, us, ms, s or m", Q(w));
    if (n > UINT64_MAX / units[u].ns)
        return fail(p, w.col, "duration '%.*s' is too long (at most 2^64 - 1 ns)", Q(w));
    op->u.wait.ns = n * units[u].ns;
    return no_more(p, 2, k);
}

/* ---- P VERB ... ------------------------------------------------------------------------------ */

/* Sets *out from KEY=VALUE options of mmap: each once, fixed and noreplace need at=. */
static int mmap_options(struct parser *p, struct vml_op_mmap *m, unsigned i)
{
    const struct lex_line *l = p->l;
    unsigned fixed_col = 0;
    bool has_offset = false;
    for (; i < l->n; i++) {
        struct word w = l->w[i], key, val;
        if (split_kv(w, &key, &val) && is(key, "huge")) {
            if (m->huge_shift)
                return fail(p, w.col, "mmap option 'huge' given twice");
            int hs = huge_size_word(p, val, "huge");
            if (hs < 0)
                return hs;
            if (m->backing != VML_BACKING_ANON)
                return fail(p, w.col,
                            "huge= is for anon mappings (MAP_HUGETLB maps anonymous "
                            "memory from a hugetlb pool)");
            m->huge_shift = hs == VML_HUGE_2M ? 21 : 30;
            continue;
        }
        unsigned bit = is(w, "fixed")       ? VML_MMAP_FIXED
                       : is(w, "noreplace") ? VML_MMAP_NOREPLACE
                       : is(w, "populate")  ? VML_MMAP_POPULATE
                       : is(w, "noreserve") ? VML_MMAP_NORESERVE
                                            : 0;
        bool kv = split_kv(w, &key, &val);
        if (kv && is(key, "at"))
            bit = VML_MMAP_AT;
        if (kv && is(key, "offset")) {
            if (has_offset)
                return fail(p, w.col, "mmap option 'offset' given twice");
            has_offset = true;
            int r = size_word(p, val, "offset", &m->offset);
            if (r)
                return r;
            if (m->backing == VML_BACKING_ANON)
                return fail(p, w.col, "offset= is for file= and memfd= mappings, not anon");
            if (m->offset % 4096)
                return fail(p, val.col, "offset=%.*s is not a multiple of 4K (the page size)",
                            Q(val));
            continue;
        }
        if (!bit)
            return fail(p, w.col,
                        "unknown mmap option '%.*s' (use at=ADDR, fixed, noreplace, populate, "
                        "noreserve, offset=SIZE or huge=2M|1G)",
                        Q(w));
        if (m->flags & bit)
            return fail(p, w.col, "mmap option '%.*s' given twice", Q(kv ? key : w));
        if (bit == VML_MMAP_AT) {
            int r = size_word(p, val, "at", &m->addr);
            if (r)
                return r;
        }
        if (bit & (VML_MMAP_FIXED | VML_MMAP_NOREPLACE)) {
            if (m->flags & (VML_MMAP_FIXED | VML_MMAP_NOREPLACE))
                return fail(p, w.col, "fixed and noreplace exclude each other (pick one)");
            fixed_col = w.col;
        }
        m->flags |= bit;
    }
    if (l->extra_col)
        return fail(p, l->extra_col, "too many words on one line");
    if (fixed_col && !(m->flags & VML_MMAP_AT))
        return fail(p, fixed_col, "fixed and noreplace need an address: add at=ADDR");
    return 0;
}

static int parse_mmap(struct parser *p, struct sym *pr, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    struct vml_op_mmap *m = &op->u.mmap;
    const enum vml_op_kind k = VML_OP_MMAP;
    struct word key, val;
    unsigned line;
    int r;
    if ((r = need(p, 2, k, "the mapping name")) || (r = check_name(p, l->w[2], "mapping")))
        return r;
    if (mapset_get(pr->maps, l->w[2].s, l->w[2].n, &line))
        return fail(p, l->w[2].col,
                    "process '%s' already has a mapping '%.*s' (line %u); pick another name or "
                    "munmap it first",
                    pr->name, Q(l->w[2]), line);
    copy_name(m->map, l->w[2]);
    if ((r = need(p, 3, k, "the size")) || (r = size_word(p, l->w[3], "mapping size", &m->len)))
        return r;
    if (m->len == 0)
        return fail(p, l->w[3].col, "a mapping needs a size of at least 1 byte");
    if ((r = need(p, 4, k, "anon, file=NAME or memfd=NAME")))
        return r;
    struct word w = l->w[4];
    if (is(w, "anon")) {
        m->backing = VML_BACKING_ANON;
    } else if (split_kv(w, &key, &val) && is(key, "file")) {
        struct sym *e;
        if ((r = need_file(p, val, &e)))
            return r;
        m->backing = VML_BACKING_FILE;
        copy_name(m->object, val);
    } else if (split_kv(w, &key, &val) && is(key, "memfd")) {
        if ((r = check_name(p, val, "memfd")))
            return r;
        m->backing = VML_BACKING_MEMFD;
        copy_name(m->object, val);
    } else {
        return fail(p, w.col, "unknown mapping kind '%.*s' (use anon, file=NAME or memfd=NAME)",
                    Q(w));
    }
    if ((r = need(p, 5, k, "private or shared")))
        return r;
    if (!is(l->w[5], "private") && !is(l->w[5], "shared"))
        return fail(p, l->w[5].col, "expected private or shared, not '%.*s'", Q(l->w[5]));
    m->shared = is(l->w[5], "shared");
    if ((r = need(p, 6, k, "the protection (none, r, rw, rx, rwx ...)")) ||
        (r = parse_prot(p, l->w[6], &m->prot)) || (r = mmap_options(p, m, 7)))
        return r;
    return mapset_put(&p->nm, &pr->maps, pr->epoch, m->map, strlen(m->map), true, l->line);
}

static int parse_touch(struct parser *p, struct sym *pr, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_TOUCH;
    bool br, has_stride = false, has_count = false;
    int r;
    if ((r = map_range(p, pr, 2, k, &op->u.touch.range, &br)) ||
        (r = need(p, 3, k, "read, write or exec")))
        return r;
    struct word a = l->w[3];
    if (is(a, "read"))
        op->u.touch.access = VML_READ;
    else if (is(a, "write"))
        op->u.touch.access = VML_WRITE;
    else if (is(a, "exec"))
        op->u.touch.access = VML_EXEC;
    else
        return fail(p, a.col, "expected read, write or exec, not '%.*s'", Q(a));
    op->u.touch.stride = 4096;
    for (unsigned i = 4; i < l->n; i++) {
        struct word w = l->w[i], key, val;
        bool kv = split_kv(w, &key, &val);
        if (kv && is(key, "stride") && !has_stride) {
            has_stride = true;
            if ((r = size_word(p, val, "stride", &op->u.touch.stride)))
                return r;
            if (op->u.touch.stride == 0)
                return fail(p, val.col, "stride must be at least 1 byte");
        } else if (kv && is(key, "count") && !has_count) {
            has_count = true;
            if ((r = u64_word(p, val, "count", &op->u.touch.count)))
                return r;
            if (op->u.touch.count == 0)
                return fail(p, val.col,
                            "count must be at least 1 (leave it out to touch the "
                            "whole range)");
        } else if (kv && (is(key, "stride") || is(key, "count"))) {
            return fail(p, w.col, "touch option '%.*s' given twice", Q(key));
        } else {
            return fail(p, w.col, "unknown touch option '%.*s' (use stride=SIZE or count=N)", Q(w));
        }
    }
    return no_more(p, l->n, k);
}

/* P replay TRACE [in MAP[START:END]] [format=F] [limit=N] */
static int parse_replay(struct parser *p, struct sym *pr, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_REPLAY;
    bool br, has_format = false, has_limit = false;
    int r = need(p, 2, k, "the trace (a file or gen:SPEC)");
    if (r)
        return r;
    struct word t = l->w[2];
    if (t.n >= VML_SCN_WORD_MAX)
        return fail(p, t.col, "trace name too long (at most %d bytes)", VML_SCN_WORD_MAX - 1);
    cstr(t, op->u.replay.trace);
    if (t.n > 4 && memcmp(t.s, "gen:", 4) == 0) {
        struct vml_gen_config g;
        struct vml_diag d = { 0 };
        if (vml_gen_parse(op->u.replay.trace + 4, &g, &d))
            return fail(p, t.col + 4 + (d.col ? d.col - 1 : 0), "%s", d.msg);
    }
    unsigned i = 3;
    if (i < l->n && is(l->w[i], "in")) {
        if ((r = map_range(p, pr, i + 1, k, &op->u.replay.range, &br)))
            return r;
        op->u.replay.has_range = true;
        i += 2;
    }
    for (; i < l->n; i++) {
        struct word w = l->w[i], key, val;
        bool kv = split_kv(w, &key, &val);
        if (kv && is(key, "format") && !has_format) {
            has_format = true;
            char buf[VML_SCN_WORD_MAX];
            cstr(val, buf);
            if (vml_trace_format_parse(buf, &op->u.replay.format) ||
                op->u.replay.format == VML_TRACE_GEN)
                return fail(p, val.col,
                            "unknown trace format '%.*s' (use native, lackey, champsim or plain)",
                            Q(val));
        } else if (kv && is(key, "limit") && !has_limit) {
            has_limit = true;
            if ((r = u64_word(p, val, "limit", &op->u.replay.limit)))
                return r;
            if (op->u.replay.limit == 0)
                return fail(p, val.col, "limit must be at least 1 (leave it out for all)");
        } else if (kv && (is(key, "format") || is(key, "limit"))) {
            return fail(p, w.col, "replay option '%.*s' given twice", Q(key));
        } else {
            return fail(p, w.col, "unknown replay option '%.*s' (use in MAP, format=F or limit=N)",
                        Q(w));
        }
    }
    return no_more(p, l->n, k);
}

/* munmap, mprotect, madvise, mlock, munlock. */
static int parse_range_op(struct parser *p, struct sym *pr, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = op->kind;
    struct vml_range *rg = k == VML_OP_MPROTECT  ? &op->u.mprotect.range
                           : k == VML_OP_MADVISE ? &op->u.madvise.range
                                                 : &op->u.range;
    bool br;
    int r = map_range(p, pr, 2, k, rg, &br);
    if (r)
        return r;
    unsigned next = 3;
    if (k == VML_OP_MPROTECT) {
        if ((r = need(p, 3, k, "the protection (none, r, rw, rx, rwx ...)")) ||
            (r = parse_prot(p, l->w[3], &op->u.mprotect.prot)))
            return r;
        next = 4;
    } else if (k == VML_OP_MADVISE) {
        if ((r = need(p, 3, k, "the advice (" ADVICE ")")))
            return r;
        unsigned a = 0;
        while (a < VML_NR_ADVICE && !is(l->w[3], advice_names[a]))
            a++;
        if (a == VML_NR_ADVICE)
            return fail(p, l->w[3].col, "unknown advice '%.*s' (use " ADVICE ")", Q(l->w[3]));
        op->u.madvise.advice = (enum vml_advice)a;
        next = 4;
    }
    if ((r = no_more(p, next, k)))
        return r;
    if (k == VML_OP_MUNMAP && !br) /* the whole mapping: its name is free again */
        return mapset_put(&p->nm, &pr->maps, pr->epoch, rg->name, strlen(rg->name), false, l->line);
    return 0;
}

/* The largest chunk= (the agent's buffer on the Linux side): a write never makes a folio over
 * 2 MiB (mapping_max_folio_size), and a read's request beyond it only sizes readahead. */
#define IO_CHUNK_MAX (2ull << 20)

static int parse_io(struct parser *p, struct vml_op *op)
{
    const enum vml_op_kind k = op->kind;
    const struct lex_line *l = p->l;
    bool br, has_chunk = false;
    struct sym *e;
    int r = need(p, 2, k, "the file (FILE or FILE[START:END])");
    if (!r)
        r = parse_range(p, l->w[2], true, &op->u.io.range, &br);
    if (!r)
        r = need_file(p, sub(l->w[2], 0, strlen(op->u.io.range.name)), &e);
    if (r)
        return r;
    op->u.io.chunk = 64 * 1024;
    for (unsigned i = 3; i < l->n; i++) {
        struct word w = l->w[i], key, val;
        bool kv = split_kv(w, &key, &val);
        if (kv && is(key, "chunk") && !has_chunk) {
            has_chunk = true;
            if ((r = size_word(p, val, "chunk", &op->u.io.chunk)))
                return r;
            if (op->u.io.chunk == 0 || op->u.io.chunk > IO_CHUNK_MAX)
                return fail(p, val.col, "chunk must be 1 byte to 2M (the bytes of one %s(2) call)",
                            vml_op_kind_name(k));
        } else if (kv && is(key, "chunk")) {
            return fail(p, w.col, "%s option 'chunk' given twice", vml_op_kind_name(k));
        } else {
            return fail(p, w.col, "unknown %s option '%.*s' (use chunk=SIZE)", vml_op_kind_name(k),
                        Q(w));
        }
    }
    return 0;
}

/* P fsync FILE: the whole file; a range is msync's business. */
static int parse_fsync(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    struct sym *e;
    int r = need(p, 2, VML_OP_FSYNC, "the file");
    if (r)
        return r;
    struct word w = l->w[2];
    for (size_t i = 0; i < w.n; i++)
        if (w.s[i] == '[')
            return fail(p, w.col + (unsigned)i,
                        "fsync takes a whole file, not a range (use msync MAP[START:END] on a "
                        "shared mapping of it)");
    bool br;
    if ((r = parse_range(p, w, true, &op->u.range, &br)) ||
        (r = need_file(p, sub(w, 0, strlen(op->u.range.name)), &e)))
        return r;
    return no_more(p, 3, VML_OP_FSYNC);
}

/* P fdatasync FILE: as fsync, a whole file. */
static int parse_fdatasync(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    struct sym *e;
    bool br;
    int r = need(p, 2, VML_OP_FDATASYNC, "the file");
    if (!r)
        r = parse_range(p, l->w[2], true, &op->u.range, &br);
    if (!r && br)
        r = fail(p, l->w[2].col, "fdatasync takes a whole file, not a range");
    if (!r)
        r = need_file(p, sub(l->w[2], 0, strlen(op->u.range.name)), &e);
    return r ? r : no_more(p, 3, VML_OP_FDATASYNC);
}

/* P fadvise FILE[START:END] dontneed: posix_fadvise over the range (the whole file without
 * one). Only POSIX_FADV_DONTNEED is modelled. */
static int parse_fadvise(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_FADVISE;
    struct sym *e;
    bool br;
    int r = need(p, 2, k, "the file (FILE or FILE[START:END])");
    if (!r)
        r = parse_range(p, l->w[2], true, &op->u.range, &br);
    if (!r)
        r = need_file(p, sub(l->w[2], 0, strlen(op->u.range.name)), &e);
    if (!r)
        r = need(p, 3, k, "the advice (dontneed)");
    if (r)
        return r;
    if (!is(l->w[3], "dontneed"))
        return fail(p, l->w[3].col,
                    "unknown fadvise advice '%.*s' (use dontneed: POSIX_FADV_DONTNEED; the "
                    "others are not modelled)",
                    Q(l->w[3]));
    return no_more(p, 4, k);
}

/* P truncate FILE SIZE: truncate(2) to SIZE bytes (0 allowed). */
static int parse_truncate(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_TRUNCATE;
    struct sym *e;
    int r = need(p, 2, k, "the file");
    if (!r && memchr(l->w[2].s, '[', l->w[2].n))
        r = fail(p, l->w[2].col, "truncate takes a file and its new size, not a range");
    if (!r && (r = check_file_name(p, l->w[2])) == 0)
        r = need_file(p, l->w[2], &e);
    if (!r)
        r = need(p, 3, k, "the new size");
    if (!r)
        r = size_word(p, l->w[3], "truncate", &op->u.file.size);
    if (r)
        return r;
    copy_name(op->u.file.name, l->w[2]);
    return no_more(p, 4, k);
}

/* P fallocate FILE[START:END] [keep_size|punch_hole]: fallocate(2) over the range (no start:
 * 0; no end: the file's size when it runs). punch_hole is FALLOC_FL_PUNCH_HOLE with the
 * FALLOC_FL_KEEP_SIZE the kernel requires with it. */
static int parse_fallocate(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_FALLOCATE;
    struct sym *e;
    bool br;
    int r = need(p, 2, k, "the file (FILE or FILE[START:END])");
    if (!r)
        r = parse_range(p, l->w[2], true, &op->u.fallocate.range, &br);
    if (!r)
        r = need_file(p, sub(l->w[2], 0, strlen(op->u.fallocate.range.name)), &e);
    if (r)
        return r;
    op->u.fallocate.mode = VML_FALLOC_ALLOCATE;
    if (l->n > 3) {
        if (is(l->w[3], "keep_size"))
            op->u.fallocate.mode = VML_FALLOC_KEEP_SIZE;
        else if (is(l->w[3], "punch_hole"))
            op->u.fallocate.mode = VML_FALLOC_PUNCH_HOLE;
        else
            return fail(p, l->w[3].col,
                        "unknown fallocate mode '%.*s' (use keep_size or punch_hole, or none to "
                        "allocate and grow the file)",
                        Q(l->w[3]));
    }
    return no_more(p, 4, k);
}

static int parse_brk(struct parser *p, struct vml_op *op)
{
    int r = need(p, 2, VML_OP_BRK, "+SIZE or -SIZE");
    if (r)
        return r;
    struct word w = p->l->w[2];
    if (w.s[0] != '+' && w.s[0] != '-')
        return fail(p, w.col,
                    "brk takes a change: write +%.*s to grow the heap or -%.*s to shrink it", Q(w),
                    Q(w));
    op->u.brk.shrink = w.s[0] == '-';
    if ((r = size_word(p, sub(w, 1, w.n), "brk", &op->u.brk.bytes)))
        return r;
    return no_more(p, 3, VML_OP_BRK);
}

static int parse_fork(struct parser *p, struct sym *pr, struct vml_op *op)
{
    int r = need(p, 2, VML_OP_FORK, "the child's name");
    struct word w = p->l->w[2];
    if (r || (r = new_proc(p, w)) || (r = no_more(p, 3, VML_OP_FORK)))
        return r;
    struct mapset *maps = pr->maps;      /* pr moves when the table grows */
    pr->epoch = names_new_epoch(&p->nm); /* the set is shared now: changes copy */
    struct sym *child = names_add(&p->nm.procs, w.s, w.n, p->l->line);
    if (!child)
        return VML_EHOST;
    child->maps = maps;
    child->epoch = names_new_epoch(&p->nm);
    copy_name(op->u.fork.child, w);
    return 0;
}

/* P prctl thp_disable on|off: prctl(PR_SET_THP_DISABLE, 1 or 0, 0, 0, 0). */
static int parse_prctl(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_PRCTL;
    int r = need(p, 2, k, "the option (thp_disable)");
    if (r)
        return r;
    if (!is(l->w[2], "thp_disable"))
        return fail(p, l->w[2].col, "unknown prctl option '%.*s' (use thp_disable)", Q(l->w[2]));
    op->u.prctl.opt = VML_PRCTL_THP_DISABLE;
    if ((r = need(p, 3, k, "on or off")))
        return r;
    if (!is(l->w[3], "on") && !is(l->w[3], "off"))
        return fail(p, l->w[3].col, "thp_disable takes on or off, not '%.*s'", Q(l->w[3]));
    op->u.prctl.on = is(l->w[3], "on");
    return no_more(p, 4, k);
}

/* P oom_score_adj N: a write of N to /proc/PID/oom_score_adj, which takes -1000..1000
 * (oom_score_adj_write: OOM_SCORE_ADJ_MIN..OOM_SCORE_ADJ_MAX, else EINVAL). */
static int parse_oom_adj(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    const enum vml_op_kind k = VML_OP_OOM_SCORE_ADJ;
    int r = need(p, 2, k, "the value (-1000 to 1000)");
    if (r)
        return r;
    struct word w = l->w[2];
    size_t i = w.n && w.s[0] == '-' ? 1 : 0;
    long v = 0;
    bool digits = i < w.n;
    for (size_t j = i; j < w.n; j++) {
        if (w.s[j] < '0' || w.s[j] > '9' || v > 100000) {
            digits = false;
            break;
        }
        v = v * 10 + (w.s[j] - '0');
    }
    if (!digits || v > 1000)
        return fail(p, w.col,
                    "oom_score_adj takes a whole number from -1000 (never chosen) to 1000 "
                    "(chosen first), not '%.*s'",
                    Q(w));
    op->u.oom_adj.adj = (int)(i ? -v : v);
    return no_more(p, 3, k);
}

static const struct {
    const char *name;
    enum vml_op_kind kind;
} verbs[] = {
    { "mmap", VML_OP_MMAP },
    { "munmap", VML_OP_MUNMAP },
    { "mprotect", VML_OP_MPROTECT },
    { "madvise", VML_OP_MADVISE },
    { "mlock", VML_OP_MLOCK },
    { "munlock", VML_OP_MUNLOCK },
    { "touch", VML_OP_TOUCH },
    { "fork", VML_OP_FORK },
    { "exit", VML_OP_EXIT },
    { "brk", VML_OP_BRK },
    { "read", VML_OP_READ },
    { "write", VML_OP_WRITE },
    { "replay", VML_OP_REPLAY },
    { "prctl", VML_OP_PRCTL },
    { "fsync", VML_OP_FSYNC },
    { "msync", VML_OP_MSYNC },
    { "fdatasync", VML_OP_FDATASYNC },
    { "fadvise", VML_OP_FADVISE },
    { "truncate", VML_OP_TRUNCATE },
    { "fallocate", VML_OP_FALLOCATE },
    { "oom_score_adj", VML_OP_OOM_SCORE_ADJ },
    { "cgroup", VML_OP_CGROUP_ATTACH },
    { "set_mempolicy", VML_OP_SET_MEMPOLICY },
    { "mbind", VML_OP_MBIND },
    { "sched_setaffinity", VML_OP_AFFINITY },
    { "move_pages", VML_OP_MOVE_PAGES },
    { "migrate_pages", VML_OP_MIGRATE_PAGES },
};

#define VERBS                                                                                      \
    "mmap, munmap, mprotect, madvise, mlock, munlock, touch, fork, exit, brk, read, write, "       \
    "fsync, fdatasync, msync, fadvise, truncate, fallocate, replay, prctl, oom_score_adj, "        \
    "cgroup or a NUMA call (docs/numa.md)"
#define FIRST_WORDS                                                                                \
    "machine, proc, file, cpu, set, show, expect, wait, swapon, swapoff, cgroup or a process name"

/* P move_pages MAP[START:END] [nodes=N | nodes=N,N,...] [all]: move_pages(2) over the range's
 * pages, to one node each (a single node: every page), MPOL_MF_MOVE_ALL with all; without
 * nodes=, only where the pages are (the status array of a NULL nodes argument). */
static int parse_move_pages(struct parser *p, struct sym *pr, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    bool br;
    int r = map_range(p, pr, 2, op->kind, &op->u.numa.range, &br);
    if (r)
        return r;
    unsigned i = 3;
    if (i < l->n && l->w[i].n > 6 && !strncmp(l->w[i].s, "nodes=", 6)) {
        const char *s = l->w[i].s + 6, *end = l->w[i].s + l->w[i].n;
        while (s < end) {
            unsigned col = l->w[i].col + (unsigned)(s - l->w[i].s);
            unsigned v = 0, digits = 0;
            while (s < end && *s >= '0' && *s <= '9' && v < 1000) {
                v = v * 10 + (unsigned)(*s++ - '0');
                digits++;
            }
            if (!digits || v >= VML_MAX_NODES || (s < end && *s != ','))
                return fail(p, col, "nodes= takes node numbers 0..%d separated by commas",
                            VML_MAX_NODES - 1);
            if (op->u.numa.n_nodes == VML_SCN_MOVE_NODES)
                return fail(p, col, "nodes= takes at most %d nodes", VML_SCN_MOVE_NODES);
            op->u.numa.nodes[op->u.numa.n_nodes++] = (int)v;
            if (s < end && ++s == end)
                return fail(p, col, "nodes= ends with a comma");
        }
        i++;
    }
    if (i < l->n && is(l->w[i], "all")) {
        op->u.numa.mf = VML_MPOL_MF_MOVE_ALL;
        i++;
    }
    return no_more(p, i, op->kind);
}

static int parse_process_op(struct parser *p, struct vml_op *op)
{
    const struct lex_line *l = p->l;
    struct word w0 = l->w[0];
    struct sym *pr;
    size_t v = 0, nverbs = sizeof(verbs) / sizeof(verbs[0]);
    while (l->n > 1 && v < nverbs && !is(l->w[1], verbs[v].name))
        v++;
    bool known = bad_ident(w0) == w0.n && w0.n < VML_SCN_NAME_MAX &&
                 names_find(&p->nm.procs, w0.s, w0.n) != NULL;
    if (l->n == 1 && known)
        return fail(p, l->end_col, "missing an operation after process '%.*s' (use " VERBS ")",
                    Q(w0));
    if ((l->n == 1 || v == nverbs) && !known)
        return fail(p, w0.col, "unknown statement '%.*s' (a line starts with " FIRST_WORDS ")",
                    Q(w0));
    if (v == nverbs && is(l->w[1], "close"))
        return fail(p, l->w[1].col,
                    "there is no close: a scenario holds no open file descriptors (read, write, "
                    "fsync and mmap each open the file and close it again; a mapping keeps the "
                    "file itself, until munmap)");
    if (v == nverbs)
        return fail(p, l->w[1].col, "unknown operation '%.*s' (use " VERBS ")", Q(l->w[1]));
    int r = need_proc(p, w0, &pr);
    if (r)
        return r;
    op->kind = verbs[v].kind;
    copy_name(op->proc, w0);
    switch (op->kind) {
    case VML_OP_MMAP: return parse_mmap(p, pr, op);
    case VML_OP_TOUCH: return parse_touch(p, pr, op);
    case VML_OP_REPLAY: return parse_replay(p, pr, op);
    case VML_OP_FORK: return parse_fork(p, pr, op);
    case VML_OP_BRK: return parse_brk(p, op);
    case VML_OP_PRCTL: return parse_prctl(p, op);
    case VML_OP_READ:
    case VML_OP_WRITE: return parse_io(p, op);
    case VML_OP_FSYNC: return parse_fsync(p, op);
    case VML_OP_FDATASYNC: return parse_fdatasync(p, op);
    case VML_OP_FADVISE: return parse_fadvise(p, op);
    case VML_OP_TRUNCATE: return parse_truncate(p, op);
    case VML_OP_FALLOCATE: return parse_fallocate(p, op);
    case VML_OP_OOM_SCORE_ADJ: return parse_oom_adj(p, op);
    case VML_OP_CGROUP_ATTACH: return parse_cgroup_attach(p, op);
    case VML_OP_SET_MEMPOLICY:
        if ((r = need(p, 2, op->kind, "the policy")) ||
            (r = policy_word(p, l->w[2], &op->u.numa.pol)))
            return r;
        return no_more(p, 3, op->kind);
    case VML_OP_MBIND: {
        bool br;
        if ((r = map_range(p, pr, 2, op->kind, &op->u.numa.range, &br)) ||
            (r = need(p, 3, op->kind, "the policy")) ||
            (r = policy_word(p, l->w[3], &op->u.numa.pol)))
            return r;
        /* MPOL_MF_MOVE, MPOL_MF_MOVE_ALL */
        if (l->n > 4 && is(l->w[4], "move"))
            op->u.numa.mf = VML_MPOL_MF_MOVE;
        else if (l->n > 4 && is(l->w[4], "move_all"))
            op->u.numa.mf = VML_MPOL_MF_MOVE_ALL;
        else if (l->n > 4)
            return fail(p, l->w[4].col, "unknown mbind flag '%.*s' (use move or move_all)",
                        (int)l->w[4].n, l->w[4].s);
        return no_more(p, l->n > 4 ? 5 : 4, op->kind);
    }
    case VML_OP_MOVE_PAGES: return parse_move_pages(p, pr, op);
    case VML_OP_MIGRATE_PAGES: {
        struct vml_diag d = { 0 };
        uint64_t m[4];
        for (unsigned i = 2; i < 4; i++) {
            if ((r = need(p, i, op->kind,
                          i == 2 ? "the nodes to move from" : "the nodes to move to")))
                return r;
            memset(&d, 0, sizeof(d));
            if (vml_list_parse(l->w[i].s, l->w[i].n, 32, "node", m, &d))
                return fail(p, l->w[i].col + (d.col ? d.col - 1 : 0), "%s", d.msg);
            *(i == 2 ? &op->u.numa.from : &op->u.numa.to) = (uint32_t)m[0];
        }
        return no_more(p, 4, op->kind);
    }
    case VML_OP_AFFINITY: {
        struct vml_diag d = { 0 };
        if ((r = need(p, 2, op->kind, "the CPUs (0, 0-3, 0,2 or all)")))
            return r;
        if (vml_list_parse(l->w[2].s, l->w[2].n, VML_SCN_MAX_CPUS, "CPU", op->u.numa.cpus, &d))
            return fail(p, l->w[2].col + (d.col ? d.col - 1 : 0), "%s", d.msg);
        return no_more(p, 3, op->kind);
    }
    case VML_OP_EXIT:
        if ((r = no_more(p, 2, VML_OP_EXIT)))
            return r;
        pr->gone_line = l->line;
        return 0;
    default: return parse_range_op(p, pr, op);
    }
}

/* ---- the file ------------------------------------------------------------------------------- */

/* The statements whose system call can fail with an errno the run reports (a touch's faults
 * kill instead; brk returns the old break). */
static bool can_fail(enum vml_op_kind k)
{
    switch (k) {
    case VML_OP_MMAP:
    case VML_OP_MUNMAP:
    case VML_OP_MPROTECT:
    case VML_OP_MADVISE:
    case VML_OP_MLOCK:
    case VML_OP_MUNLOCK:
    case VML_OP_FORK:
    case VML_OP_READ:
    case VML_OP_WRITE:
    case VML_OP_FSYNC:
    case VML_OP_FDATASYNC:
    case VML_OP_MSYNC:
    case VML_OP_FADVISE:
    case VML_OP_TRUNCATE:
    case VML_OP_FALLOCATE:
    case VML_OP_SET_MEMPOLICY:
    case VML_OP_MBIND:
    case VML_OP_AFFINITY:
    case VML_OP_MOVE_PAGES:
    case VML_OP_MIGRATE_PAGES:
    case VML_OP_SWAPON:
    case VML_OP_SWAPOFF:
    case VML_OP_FILE_CREATE: return true;
    default: return false;
    }
}
#define CALLS                                                                                      \
    "mmap, munmap, mprotect, madvise, mlock, munlock, fork, read, write, fsync, fdatasync, "       \
    "msync, fadvise, truncate, fallocate, swapon, swapoff or file create"

static int push(struct parser *p, const struct vml_op *op)
{
    struct vml_scenario *s = p->s;
    if (s->n_ops == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        struct vml_op *v = realloc(s->ops, cap * sizeof(*v));
        if (!v)
            return VML_EHOST;
        s->ops = v;
        p->cap = cap;
    }
    s->ops[s->n_ops++] = *op;
    return 0;
}

static int parse_line(struct parser *p)
{
    struct word w0 = p->l->w[0];
    struct vml_op op;
    int r;
    if (is(w0, "machine"))
        return parse_machine(p);
    memset(&op, 0, sizeof(op));
    op.line = p->l->line;
    op.col = w0.col;
    if (is(w0, "proc")) {
        op.kind = VML_OP_PROC;
        r = parse_proc(p, &op);
    } else if (is(w0, "file")) {
        r = parse_file(p, &op);
    } else if (is(w0, "cpu")) {
        op.kind = VML_OP_CPU_RUN;
        r = parse_cpu(p, &op);
    } else if (is(w0, "set")) {
        op.kind = VML_OP_SET;
        r = parse_set(p, &op);
    } else if (is(w0, "show")) {
        op.kind = VML_OP_SHOW;
        r = parse_show(p, &op);
    } else if (is(w0, "expect")) {
        op.kind = VML_OP_EXPECT;
        r = parse_expect(p, &op);
    } else if (is(w0, "wait")) {
        op.kind = VML_OP_WAIT;
        r = parse_wait(p, &op);
    } else if (is(w0, "swapon") || is(w0, "swapoff")) {
        op.kind = is(w0, "swapon") ? VML_OP_SWAPON : VML_OP_SWAPOFF;
        r = parse_swap(p, &op);
    } else if (is(w0, "cgroup")) {
        op.kind = VML_OP_CGROUP;
        r = parse_cgroup(p, &op);
    } else {
        r = parse_process_op(p, &op);
    }
    if (r)
        return r;
    /* expect fail ERRNO is about the statement after it, which must be a call that can fail. */
    const struct vml_scenario *s = p->s;
    if (s->n_ops && s->ops[s->n_ops - 1].kind == VML_OP_EXPECT &&
        s->ops[s->n_ops - 1].u.expect.kind == VML_EXPECT_FAIL && !can_fail(op.kind))
        return fail(p, op.col,
                    "expect fail (line %u) needs a system call after it (" CALLS "), not %s",
                    s->ops[s->n_ops - 1].line, kind_names[op.kind]);
    return push(p, &op);
}

static void defaults(struct vml_machine_cfg *m)
{
    memset(m, 0, sizeof(*m));
    m->ram_bytes = VML_SCN_DEFAULT_RAM;
    m->readahead_bytes = VML_SIM_DEFAULT_READAHEAD;
    m->disk = m->swapdev = VML_SIM_DEFAULT_DISK;
    m->nr_nodes = 1;
    m->paging_levels = 4;
    m->nr_cpus = 1;
    vml_thp_defaults(&m->thp);
    vml_vm_sysctl_defaults(&m->vm);
    vml_numab_defaults(&m->numab);
}

void vml_scenario_free(struct vml_scenario *s)
{
    if (!s)
        return;
    free(s->ops);
    free(s->file);
    free(s);
}

int vml_scenario_parse(const char *text, size_t len, const char *file, struct vml_scenario **out,
                       struct vml_diag *diag)
{
    struct lex_line line = { 0 };
    struct lexer lx = { text, text ? len : 0, 0, 0 };
    struct parser p;
    int r = VML_EHOST;
    memset(&p, 0, sizeof(p));
    p.l = &line;
    p.diag = diag;
    *out = NULL;
    if (!(p.s = calloc(1, sizeof(*p.s))))
        goto fail;
    defaults(&p.s->machine);
    if (file && !(p.s->file = strdup(file)))
        goto fail;
    while ((r = lex_next(&lx, &line, diag)) == 1)
        if ((r = parse_line(&p)) != 0)
            break;
    if (r == 0 && p.s->n_ops && p.s->ops[p.s->n_ops - 1].kind == VML_OP_EXPECT &&
        p.s->ops[p.s->n_ops - 1].u.expect.kind == VML_EXPECT_FAIL) {
        const struct vml_op *last = &p.s->ops[p.s->n_ops - 1];
        diag_set(diag, last->line, last->col,
                 "expect fail needs a system call statement after it; the scenario ends here");
        r = VML_EPARSE;
    }
    if (r == 0) {
        names_free(&p.nm);
        /* A scenario with swap is a pressure scenario: confined unless it says memcg=off. */
        if (!(p.s->machine.given & VML_MCFG_MEMCG))
            p.s->machine.memcg = p.s->machine.swap_bytes > 0 || p.had_swapon;
        *out = p.s;
        return 0;
    }
fail:
    if (r == VML_EHOST)
        diag_set(diag, lx.line, 0, "host out of memory");
    if (diag)
        diag->file = file;
    names_free(&p.nm);
    vml_scenario_free(p.s);
    return r;
}
