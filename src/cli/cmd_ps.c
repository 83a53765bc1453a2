/* cli/cmd_ps.c: vmlab ps: every process's real memory (RSS, PSS, USS, swap, huge pages, OOM). */
#include "cli/cli.h"
#include "cli/memcg_view.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <fnmatch.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab ps [--sort COL] [--pid N[,N...]] [--user NAME|UID] [--command GLOB]\n"
          "                [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                [--json] [--csv] [--kernel] [--per-mapping] [--status] [--threads N]\n"
          "                [--wide] [--proc DIR] [--cgroup [--sys DIR]] [--numa [--sys DIR]]\n\n"
          "One row per process of this machine (but this vmlab ps itself): PID, user, VSZ, RSS,\n"
          "PSS (its fair share of shared pages), USS (Private_Clean + Private_Dirty: the pages\n"
          "only it maps) split into UssAnon, UssFile and UssShmem, Swap, SwapPss,\n"
          "AnonHugePages, hugetlb pages, oom_score, oom_score_adj and the command, read from\n"
          "/proc/PID/smaps_rollup (smaps on kernels without it), statm, cmdline, comm,\n"
          "oom_score and oom_score_adj; then a totals row. Sorted by PSS, largest first. The\n"
          "user is the owner of /proc/PID (its effective uid; --status reads the real one).\n\n"
          "What killing a process frees: its UssAnon, its page tables (VmPTE, with --status in\n"
          "JSON), and its UssShmem only if nothing else holds the shmem object (a tmpfs or\n"
          "/dev/shm file stays). UssFile does not come back: those pages stay in the page cache\n"
          "(reclaimable, as any cache). The split is exact where smaps_rollup determines it\n"
          "(no anonymous page shared with a forked process, shmem all private or all shared);\n"
          "elsewhere it is not shown ('?'), the reason in JSON's Note.\n\n"
          "  --sort COL      any column name (numbers largest first, text A to Z)\n"
          "  --pid LIST      only these processes (each must exist)\n"
          "  --user U        only processes of this user (a user name of this machine or a uid)\n"
          "  --command GLOB  only processes whose command line or name matches (fnmatch)\n"
          "  --units U       sizes in text: human (default, K/M/G with one decimal) or fixed\n"
          "  --format F      text (default), json, csv (RFC 4180), prometheus (node_exporter\n"
          "                  textfile: vmlab_process_pss_bytes{pid=\"..\",comm=\"..\"} ..., the\n"
          "                  command line in vmlab_process_info); --json and --csv are short\n"
          "  --kernel        also list kernel threads (they have no memory of their own)\n"
          "  --per-mapping   add up /proc/PID/smaps block by block, as smem and ps_mem do: PSS\n"
          "                  comes out a little lower (each mapping's is rounded down), USS the\n"
          "                  same, no USS split (smaps has no Pss_Anon); slower\n"
          "  --status        also read /proc/PID/status: the real uid (not the owner of\n"
          "                  /proc/PID), the page tables; slower (status is costly to build)\n"
          "  --threads N     read with N threads (default 2)\n"
          "  --wide          on a terminal, print lines whole (else cut to its width, '+')\n"
          "  --proc DIR      read DIR instead of /proc (a copy, or vmlab run --export-proc)\n"
          "  --cgroup        one row per memory cgroup instead of per process (systemd slices\n"
          "                  and services, containers), in tree order: its processes (those\n"
          "                  its cgroup.procs lists, with a group that has no memory files\n"
          "                  counted in the nearest group above that has them) and the sums\n"
          "                  of their RSS, PSS, USS and swap; the group's own memory.current\n"
          "                  (v1 memory.usage_in_bytes: all its descendants' pages, page cache\n"
          "                  and kernel memory included) against its limit ('max' when\n"
          "                  unlimited), and its events: memory.events' oom, oom_kill,\n"
          "                  oom_group_kill, max and high (v2; counted since the group was\n"
          "                  made, its descendants' included), memory.oom_control's oom_kill\n"
          "                  and memory.failcnt (v1); a counter the version lacks is '?'.\n"
          "                  --pid, --user and --command choose the processes summed; --sort\n"
          "                  does not apply. Processes in no group are one row '?'\n"
          "  --sys DIR       with --cgroup: the cgroups under DIR/fs/cgroup (v2 when it holds\n"
          "                  the memory controller, else v1's DIR/fs/cgroup/memory), default\n"
          "                  /sys; required with --proc DIR (a copy of /proc has no cgroups)\n"
          "  --numa          add a column per NUMA node (N0, N1 ...: the nodes of\n"
          "                  DIR/devices/system/node, --sys, default /sys): the process's\n"
          "                  resident memory there, from /proc/PID/numa_maps (each mapping's\n"
          "                  pages x its kernelpagesize_kB, as vmlab numastat -p adds them);\n"
          "                  '?' where numa_maps cannot be read. Prometheus: one metric a node,\n"
          "                  vmlab_process_node<N>_bytes. --sort does not take these columns\n\n"
          "A figure that could not be read is never shown as a number: '?' in text, null in\n"
          "JSON (with the reason in Note), an empty CSV cell, no Prometheus sample. Without\n"
          "root, other users' smaps_rollup cannot be read: their PSS, USS and swap are '?' but\n"
          "VSZ, RSS and the OOM figures (readable by all) are shown. A process that exits\n"
          "during the scan keeps its row; a zombie (exited, not reaped) shows '<defunct>';\n"
          "all are counted below the table, never dropped.\n",
          out);
}

enum {
    C_PID,
    C_USER,
    C_VSZ,
    C_RSS,
    C_PSS,
    C_USS,
    C_USS_ANON,
    C_USS_FILE,
    C_USS_SHMEM,
    C_SWAP,
    C_SWAPPSS,
    C_AHP,
    C_HUGETLB,
    C_PTE,
    C_OOM,
    C_OOMADJ,
    C_COMM,
    C_CMD,
    C_NOTE,
    NCOLS
};

static const struct col cols[NCOLS] = {
    [C_PID] = { "PID", COL_INT, NULL, NULL, "pid", false, false },
    [C_USER] = { "User", COL_STR, NULL, NULL, "user", true, false },
    [C_VSZ] = { "VSZ", COL_BYTES, "vmlab_process_virtual_bytes", "Virtual size (VmSize).", NULL,
                false, false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_process_rss_bytes", "Resident set size.", NULL, false,
                false },
    [C_PSS] = { "PSS", COL_BYTES, "vmlab_process_pss_bytes",
                "Proportional set size: shared pages divided among their mappers.", NULL, false,
                false },
    [C_USS] = { "USS", COL_BYTES, "vmlab_process_uss_bytes",
                "Unique set size: Private_Clean + Private_Dirty.", NULL, false, false },
    [C_USS_ANON] = { "UssAnon", COL_BYTES, "vmlab_process_uss_anon_bytes",
                     "Private anonymous pages: freed when the process dies.", NULL, false, false },
    [C_USS_FILE] = { "UssFile", COL_BYTES, "vmlab_process_uss_file_bytes",
                     "Private file pages: they stay in the page cache when it dies.", NULL, false,
                     false },
    [C_USS_SHMEM] = { "UssShmem", COL_BYTES, "vmlab_process_uss_shmem_bytes",
                      "Private shmem pages: freed with the last reference to their object.", NULL,
                      false, false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_process_swap_bytes", "Swapped out.", NULL, false,
                 false },
    [C_SWAPPSS] = { "SwapPss", COL_BYTES, "vmlab_process_swap_pss_bytes",
                    "Proportional share of swap.", NULL, false, false },
    [C_AHP] = { "AnonHuge", COL_BYTES, "vmlab_process_anon_huge_bytes",
                "Anonymous transparent huge pages (AnonHugePages).", NULL, false, false },
    [C_HUGETLB] = { "Hugetlb", COL_BYTES, "vmlab_process_hugetlb_bytes",
                    "hugetlbfs pages (HugetlbPages).", NULL, false, false },
    [C_PTE] = { "PgTables", COL_BYTES, "vmlab_process_page_table_bytes",
                "Page tables (VmPTE, with --status): freed when the process dies.", NULL, false,
                true },
    [C_OOM] = { "OOM", COL_INT, "vmlab_process_oom_score", "oom_score (0..2000).", NULL, false,
                false },
    [C_OOMADJ] = { "OOMadj", COL_INT, "vmlab_process_oom_score_adj", "oom_score_adj.", NULL, false,
                   false },
    [C_COMM] = { "Name", COL_STR, NULL, NULL, "comm", true, true },
    [C_CMD] = { "Command", COL_STR, "vmlab_process_info",
                "The process's command line (label command), 1 per process.", "command", true,
                false },
    [C_NOTE] = { "Note", COL_STR, NULL, NULL, "note", true, true },
};

static int sort_col = C_PSS;

/* Numbers largest first, a missing one last; text A to Z; then by PID. */
static int cmp_rows(const void *a, const void *b)
{
    const union cell *x = a, *y = b;
    int c = sort_col;
    if (cols[c].kind == COL_STR) {
        int r = strcmp(x[c].s ? x[c].s : "", y[c].s ? y[c].s : "");
        if (r)
            return r;
    } else {
        bool hx = cols[c].kind == COL_INT ? x[c].i != CELL_NO_INT : x[c].b != CELL_NO_BYTES;
        bool hy = cols[c].kind == COL_INT ? y[c].i != CELL_NO_INT : y[c].b != CELL_NO_BYTES;
        if (hx != hy)
            return hx ? -1 : 1;
        if (cols[c].kind == COL_INT && x[c].i != y[c].i)
            return x[c].i < y[c].i ? 1 : -1;
        if (cols[c].kind == COL_BYTES && x[c].b != y[c].b)
            return x[c].b < y[c].b ? 1 : -1;
    }
    return x[C_PID].i < y[C_PID].i ? -1 : x[C_PID].i > y[C_PID].i;
}

/* User names, looked up once per uid (a lookup reads the password database). */
static void user_name(unsigned uid, char *buf, size_t n)
{
    static struct {
        unsigned uid;
        char name[96];
    } cache[64];
    static unsigned used;
    for (unsigned i = 0; i < used; i++) {
        if (cache[i].uid == uid) {
            snprintf(buf, n, "%s", cache[i].name);
            return;
        }
    }
    vml_live_user(uid, buf, n);
    if (used < 64) {
        cache[used].uid = uid;
        snprintf(cache[used++].name, sizeof(cache[0].name), "%s", buf);
    }
}

/* "N[,N...]" with decimal N. */
static bool valid_list(const char *list)
{
    for (const char *p = list;;) {
        size_t n = strspn(p, "0123456789");
        if (n == 0 || n > 9)
            return false;
        p += n;
        if (*p == 0)
            return true;
        if (*p++ != ',')
            return false;
    }
}

static bool in_list(const char *list, int pid)
{
    for (const char *p = list; p && *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            return false;
        if (v == pid)
            return true;
        p = *end == ',' ? end + 1 : NULL;
    }
    return false;
}

/* The first pid of the list that the scan does not hold (and is not this process), or -1. */
static long missing_pid(const char *list, const struct vml_live_scan *scan, int self)
{
    for (const char *p = list; p && *p;) {
        char *end;
        long v = strtol(p, &end, 10);
        bool found = v == self;
        for (size_t i = 0; i < scan->n && !found; i++)
            found = scan->procs[i].pid == v;
        if (!found)
            return v;
        p = *end == ',' ? end + 1 : NULL;
    }
    return -1;
}

/* This process's pid when root is the live /proc (its self link names us), else 0: a copy of
 * /proc may hold any pids. */
static int self_pid(const char *root)
{
    char path[4096], link[32];
    snprintf(path, sizeof(path), "%s/self", root);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0)
        return 0;
    link[n] = 0;
    return atoi(link) == (int)getpid() ? (int)getpid() : 0;
}

/* The uid --user names: a user of this machine or a number; -1 after a message. */
static long parse_user(const char *user)
{
    if (*user && strspn(user, "0123456789") == strlen(user) && strlen(user) < 10)
        return atol(user);
    struct passwd pw, *res = NULL;
    char tmp[4096];
    if (getpwnam_r(user, &pw, tmp, sizeof(tmp), &res) == 0 && res)
        return (long)pw.pw_uid;
    char e[256];
    cli_error(EXIT_USAGE,
              "ps: --user %s: no such user on this machine (give a user name from "
              "its password database, or a numeric uid)",
              table_escape(e, sizeof(e), user));
    return -1;
}

/* Per row: the command as shown when it is not the process's own argument string. */
struct shown {
    char user[96];
    char cmd[96];
};

/* --cgroup: one row per memory cgroup. */
enum {
    G_PATH,
    G_PROCS,
    G_RSS,
    G_PSS,
    G_USS,
    G_SWAP,
    G_CURRENT,
    G_LIMIT,
    G_OOM,
    G_OOMKILL,
    G_GROUPKILL,
    G_MAX,
    G_HIGH,
    G_FAILCNT,
    G_NOTE,
    NG
};

static const struct col gcols[NG] = {
    [G_PATH] = { "Cgroup", COL_STR, NULL, NULL, "cgroup", true, false },
    [G_PROCS] = { "Procs", COL_INT, "vmlab_cgroup_processes", "Processes of the group listed.",
                  NULL, false, false },
    [G_RSS] = { "RSS", COL_BYTES, "vmlab_cgroup_rss_bytes", "Its processes' RSS, added up.", NULL,
                false, false },
    [G_PSS] = { "PSS", COL_BYTES, "vmlab_cgroup_pss_bytes", "Its processes' PSS, added up.", NULL,
                false, false },
    [G_USS] = { "USS", COL_BYTES, "vmlab_cgroup_uss_bytes", "Its processes' USS, added up.", NULL,
                false, false },
    [G_SWAP] = { "Swap", COL_BYTES, "vmlab_cgroup_swap_bytes", "Its processes' swap, added up.",
                 NULL, false, false },
    [G_CURRENT] = { "Current", COL_BYTES, "vmlab_cgroup_memory_current_bytes",
                    "memory.current (v2) or memory.usage_in_bytes (v1).", NULL, false, false },
    [G_LIMIT] = { "Limit", COL_BYTES, "vmlab_cgroup_memory_limit_bytes",
                  "memory.max (v2) or memory.limit_in_bytes (v1); +Inf when unlimited.", NULL,
                  false, false },
    [G_OOM] = { "OOM", COL_INT, "vmlab_cgroup_oom_events", "memory.events oom.", NULL, false,
                false },
    [G_OOMKILL] = { "OOMKill", COL_INT, "vmlab_cgroup_oom_kill_events",
                    "memory.events (v2) or memory.oom_control (v1) oom_kill.", NULL, false, false },
    [G_GROUPKILL] = { "GroupKill", COL_INT, "vmlab_cgroup_oom_group_kill_events",
                      "memory.events oom_group_kill.", NULL, false, false },
    [G_MAX] = { "MaxEv", COL_INT, "vmlab_cgroup_max_events", "memory.events max.", NULL, false,
                false },
    [G_HIGH] = { "HighEv", COL_INT, "vmlab_cgroup_high_events", "memory.events high.", NULL, false,
                 false },
    [G_FAILCNT] = { "Failcnt", COL_INT, "vmlab_cgroup_failcnt", "memory.failcnt (v1).", NULL, false,
                    false },
    [G_NOTE] = { "Note", COL_STR, NULL, NULL, "note", true, true },
};

/* Adds a process's byte cell to a group's (a figure not read leaves the sum partial; a sum
 * of processes none of which was read is no figure). */
static void add_bytes(union cell *sum, uint64_t v, bool *partial, unsigned *read, int bit)
{
    if (v == CELL_NO_BYTES) {
        *partial = true;
        return;
    }
    sum->b += v;
    *read |= 1u << bit;
}

static int groups_view(const struct table_opts *o, const union cell *prow, size_t np,
                       const struct vml_memcg_tree *t)
{
    size_t ng = t->n + 1; /* the last: processes in no group */
    union cell *rows = calloc(ng, NG * sizeof(union cell));
    bool *partial = calloc(ng, sizeof(bool));
    unsigned *read = calloc(ng, sizeof(unsigned));
    if (!rows || !partial || !read) {
        free(rows);
        free(partial);
        free(read);
        return cli_error(EXIT_FAIL, "ps: out of memory");
    }
    for (size_t i = 0; i < np; i++) {
        const union cell *pr = prow + i * NCOLS;
        long gi = memcg_view_owner(t, (int)pr[C_PID].i);
        union cell *row = rows + (gi < 0 ? t->n : (size_t)gi) * NG;
        size_t k = gi < 0 ? t->n : (size_t)gi;
        row[G_PROCS].i++;
        add_bytes(&row[G_RSS], pr[C_RSS].b, &partial[k], &read[k], G_RSS);
        add_bytes(&row[G_PSS], pr[C_PSS].b, &partial[k], &read[k], G_PSS);
        add_bytes(&row[G_USS], pr[C_USS].b, &partial[k], &read[k], G_USS);
        add_bytes(&row[G_SWAP], pr[C_SWAP].b, &partial[k], &read[k], G_SWAP);
    }
    for (size_t g = 0; g < ng; g++)
        for (int c = G_RSS; c <= G_SWAP; c++)
            if (rows[g * NG + G_PROCS].i && !(read[g] & (1u << c)))
                rows[g * NG + c].b = CELL_NO_BYTES;
    /* Groups without memory files are folded into the one above (their processes are
     * counted there); the rest keep tree order. */
    size_t n = 0;
    for (size_t g = 0; g < ng; g++) {
        union cell *src = rows + g * NG;
        if (g < t->n && !(t->g[g].have & VML_MEMCG_HAVE_FILES))
            continue;
        if (g == t->n && src[G_PROCS].i == 0)
            continue;
        union cell *row = rows + n * NG;
        if (row != src)
            memcpy(row, src, NG * sizeof(union cell));
        bool part = partial[g];
        if (g < t->n) {
            const struct vml_memcg *m = &t->g[g];
            row[G_PATH].s = m->path;
            row[G_CURRENT].b = m->have & VML_MEMCG_HAVE_USAGE ? m->usage : CELL_NO_BYTES;
            row[G_LIMIT].b =
                m->have & VML_MEMCG_HAVE_LIMIT ? memcg_view_limit_cell(m->limit) : CELL_NO_BYTES;
            memcg_view_events(m, &row[G_OOM], &row[G_OOMKILL], &row[G_GROUPKILL], &row[G_MAX],
                              &row[G_HIGH], &row[G_FAILCNT]);
            row[G_NOTE].s = m->error[0] ? m->error
                            : part ? "some processes' figures could not be read: sums of those "
                                     "read"
                                   : NULL;
            if (m->depth == 0 && t->version == 2)
                row[G_NOTE].s = "the root: v2 has no memory.current, memory.max or events there";
        } else {
            row[G_PATH].s = "?";
            row[G_CURRENT].b = row[G_LIMIT].b = CELL_NO_BYTES;
            for (int c = G_OOM; c <= G_FAILCNT; c++)
                row[c].i = CELL_NO_INT;
            row[G_NOTE].s = "in no cgroup.procs: exited or started while the groups were read";
        }
        n++;
    }
    static const int labels[] = { G_PATH, -1 };
    size_t cut = table_print(stdout, o, gcols, NG, rows, n, NULL, labels);
    if (o->fmt == FMT_TEXT) {
        printf("cgroup v%d at %s; RSS, PSS, USS and Swap add up each group's own processes; "
               "Current is the group's charge, its descendants' included\n",
               t->version, t->mount);
        size_t bad = 0;
        for (size_t g = 0; g < t->n; g++)
            bad += t->g[g].error[0] != 0;
        if (bad)
            printf("%zu group%s with a file that could not be read or parsed ('?', or folded into "
                   "the group above when it has no memory files: --json says which)\n",
                   bad, bad == 1 ? "" : "s");
        table_cut_note(stdout, cut);
    }
    free(rows);
    free(partial);
    free(read);
    return EXIT_OK;
}

/* --numa: the table with a column per node (after Hugetlb and PgTables, before OOM), each the
 * process's bytes on that node from numa_maps. 0, or the exit status after a message. */
static int numa_print(const struct table_opts *o, const char *sys, const union cell *rows, size_t n,
                      const union cell *tot, const int *labels, size_t *cut, bool *partial)
{
    static unsigned nodes[VML_NUMA_MAX_NODES];
    static char names[VML_NUMA_MAX_NODES][16], metrics[VML_NUMA_MAX_NODES][48];
    unsigned nn;
    struct vml_diag d = { 0 };
    if (vml_numa_nodes(sys, nodes, VML_NUMA_MAX_NODES, &nn, &d))
        return cli_error(EXIT_FAIL, "ps: --numa: %s (--sys DIR: a machine's /sys)", d.msg);
    size_t nc = NCOLS + nn, at = C_OOM;
    struct col *c2 = calloc(nc, sizeof(*c2));
    union cell *r2 = calloc((n + 1) * nc, sizeof(*r2));
    struct vml_numa_usage *u = malloc(sizeof(*u));
    int *lab = calloc(8, sizeof(int));
    if (!c2 || !r2 || !u || !lab) {
        free(c2);
        free(r2);
        free(u);
        free(lab);
        return cli_error(EXIT_FAIL, "ps: out of memory");
    }
    for (size_t c = 0; c < NCOLS; c++)
        c2[c < at ? c : c + nn] = cols[c];
    for (unsigned k = 0; k < nn; k++) {
        snprintf(names[k], sizeof(names[k]), "N%u", nodes[k]);
        snprintf(metrics[k], sizeof(metrics[k]), "vmlab_process_node%u_bytes", nodes[k]);
        c2[at + k] = (struct col){ names[k],   COL_BYTES,
                                   metrics[k], "Resident on this NUMA node (numa_maps).",
                                   NULL,       false,
                                   false };
    }
    bool read_some = false;
    for (size_t i = 0; i <= n; i++) {
        const union cell *src = i < n ? rows + i * NCOLS : tot;
        union cell *dst = r2 + i * nc;
        for (size_t c = 0; c < NCOLS; c++)
            dst[c < at ? c : c + nn] = src[c];
        if (i == n)
            break;
        int r = vml_numa_process(o->root, (int)src[C_PID].i, u, NULL);
        uint64_t listed = 0, all = 0;
        for (unsigned nd = 0; r == 0 && nd < VML_NUMA_MAX_NODES; nd++)
            for (int cl = 0; cl < VML_NUMA_NCLASS; cl++)
                all += u->bytes[cl][nd];
        for (unsigned k = 0; k < nn; k++) {
            uint64_t b = 0;
            for (int cl = 0; cl < VML_NUMA_NCLASS; cl++)
                b += u->bytes[cl][nodes[k]];
            dst[at + k].b = r == 0 ? b : CELL_NO_BYTES;
            if (r == 0)
                r2[n * nc + at + k].b += b;
            listed += r == 0 ? b : 0;
        }
        if (listed != all) /* not lost without a word */
            dst[C_NOTE + nn].s = "numa_maps has pages on a node that --sys does not list";
        read_some |= r == 0;
        *partial |= r != 0;
    }
    for (unsigned k = 0; k < nn && !read_some; k++)
        r2[n * nc + at + k].b = CELL_NO_BYTES;
    size_t nl = 0;
    for (const int *l = labels; *l >= 0; l++)
        lab[nl++] = *l < (int)at ? *l : *l + (int)nn;
    lab[nl] = -1;
    *cut = table_print(stdout, o, c2, nc, r2, n, o->fmt == FMT_TEXT ? r2 + n * nc : NULL, lab);
    free(c2);
    free(r2);
    free(u);
    free(lab);
    return 0;
}

static int run(int argc, char **argv)
{
    const char *sort = NULL, *pids = NULL, *user = NULL, *pattern = NULL;
    struct table_opts o;
    table_opts_init(&o);
    bool kernel = false, per_mapping = false, status = false, by_group = false, numa = false;
    const char *sys = NULL;
    unsigned threads = 2;
    char e[256];
    sort_col = C_PSS;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            continue;
        if ((m = cli_opt(argc, argv, &i, "--sort", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            sort = v;
        } else if ((m = cli_opt(argc, argv, &i, "--pid", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (!valid_list(v))
                return cli_error(EXIT_USAGE,
                                 "ps: --pid %s: expected process ids separated by commas",
                                 table_escape(e, sizeof(e), v));
            pids = v;
        } else if ((m = cli_opt(argc, argv, &i, "--user", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            user = v;
        } else if ((m = cli_opt(argc, argv, &i, "--command", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            pattern = v;
        } else if ((m = cli_opt(argc, argv, &i, "--threads", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            char *end;
            unsigned long t = strtoul(v, &end, 10);
            if (*end || t < 1 || t > 16)
                return cli_error(EXIT_USAGE, "ps: --threads %s: use 1 to 16",
                                 table_escape(e, sizeof(e), v));
            threads = (unsigned)t;
        } else if ((m = cli_opt(argc, argv, &i, "--sys", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            sys = v;
        } else if (strcmp(argv[i], "--cgroup") == 0) {
            by_group = true;
        } else if (strcmp(argv[i], "--numa") == 0) {
            numa = true;
        } else if (strcmp(argv[i], "--kernel") == 0) {
            kernel = true;
        } else if (strcmp(argv[i], "--per-mapping") == 0) {
            per_mapping = true;
        } else if (strcmp(argv[i], "--status") == 0) {
            status = true;
        } else {
            return cli_error(EXIT_USAGE, "ps: unknown argument '%s' (see vmlab help ps)",
                             table_escape(e, sizeof(e), argv[i]));
        }
    }
    if (sort) {
        int c = 0;
        while (c < NCOLS && (strcasecmp(cols[c].name, sort) != 0 || cols[c].no_text))
            c++;
        if (c == NCOLS)
            return cli_error(EXIT_USAGE,
                             "ps: --sort %s: no such column (PID, User, VSZ, RSS, PSS, USS, "
                             "UssAnon, UssFile, UssShmem, Swap, SwapPss, AnonHuge, Hugetlb, OOM, "
                             "OOMadj, Command)",
                             table_escape(e, sizeof(e), sort));
        sort_col = c;
    }
    if (by_group && sort)
        return cli_error(EXIT_USAGE, "ps: --sort does not apply to --cgroup (groups are listed "
                                     "in tree order)");
    if (sys && !by_group && !numa)
        return cli_error(EXIT_USAGE, "ps: --sys is read only with --cgroup or --numa");
    if (numa && by_group)
        return cli_error(EXIT_USAGE, "ps: --numa does not apply to --cgroup");
    if (numa && !sys) {
        if (strcmp(o.root, "/proc") != 0)
            return cli_error(EXIT_USAGE,
                             "ps: --numa needs --sys DIR with --proc %s (the NUMA nodes of that "
                             "machine)",
                             table_escape(e, sizeof(e), o.root));
        sys = "/sys";
    }
    if (by_group && !sys) {
        if (strcmp(o.root, "/proc") != 0)
            return cli_error(EXIT_USAGE,
                             "ps: --cgroup needs --sys DIR with --proc %s (the cgroups of that "
                             "copy of /proc)",
                             table_escape(e, sizeof(e), o.root));
        sys = "/sys";
    }
    long uid = user ? parse_user(user) : -1;
    if (user && uid < 0)
        return EXIT_USAGE;
    int r = table_check_root("ps", o.root);
    if (r)
        return r;
    struct vml_memcg_tree tree = { 0 };
    if (by_group && (r = memcg_view_open("ps", sys, &tree)) != 0)
        return r;
    struct vml_live_scan scan;
    r = vml_live_scan(o.root, threads,
                      (per_mapping ? VML_LIVE_PER_MAPPING : 0) | (status ? VML_LIVE_STATUS : 0),
                      &scan);
    if (r) {
        vml_memcg_tree_free(&tree);
        return cli_error(EXIT_FAIL, "ps: cannot list %s: %s", table_escape(e, sizeof(e), o.root),
                         vml_strerror(r));
    }
    int self = self_pid(o.root);
    long gone_pid = pids ? missing_pid(pids, &scan, self) : -1;
    if (gone_pid >= 0) {
        vml_live_scan_free(&scan);
        vml_memcg_tree_free(&tree);
        return cli_error(EXIT_FAIL,
                         "ps: --pid %ld: no such process in %s (it has exited, or "
                         "never existed)",
                         gone_pid, table_escape(e, sizeof(e), o.root));
    }
    union cell *rows = calloc(scan.n ? scan.n : 1, NCOLS * sizeof(union cell));
    struct shown *shown = calloc(scan.n ? scan.n : 1, sizeof(*shown));
    if (!rows || !shown) {
        free(rows);
        free(shown);
        vml_live_scan_free(&scan);
        vml_memcg_tree_free(&tree);
        return cli_error(EXIT_FAIL, "ps: out of memory");
    }
    union cell tot[NCOLS];
    memset(tot, 0, sizeof(tot));
    size_t n = 0, shown_by_state[VML_LIVE_NSTATES] = { 0 }, unsplit = 0;
    bool read_some[NCOLS] = { false }, partial = false;
    for (size_t i = 0; i < scan.n; i++) {
        const struct vml_live_proc *p = &scan.procs[i];
        if (p->state == VML_LIVE_KERNEL && !kernel)
            continue;
        if (p->pid == self)
            continue; /* this very scan: not a process the user is looking at */
        if (pids && !in_list(pids, p->pid))
            continue;
        if (user && (long)p->uid != uid)
            continue;
        const char *args = p->cmdline && *p->cmdline ? p->cmdline : NULL;
        if (pattern && fnmatch(pattern, args ? args : "", 0) != 0 &&
            fnmatch(pattern, p->comm, 0) != 0)
            continue;
        struct shown *sh = &shown[n];
        user_name(p->uid, sh->user, sizeof(sh->user));
        /* No arguments: the kernel's name, bracketed as ps does; a zombie marked as ps marks
         * it. */
        const char *cmd = args;
        if (p->state == VML_LIVE_ZOMBIE || !args) {
            snprintf(sh->cmd, sizeof(sh->cmd), "[%s]%s", p->comm,
                     p->state == VML_LIVE_ZOMBIE ? " <defunct>" : "");
            cmd = sh->cmd;
        }
        bool size = p->have & VML_LIVE_HAVE_SIZE, sm = p->have & VML_LIVE_HAVE_SMAPS;
        bool split = sm && (p->have & VML_LIVE_HAVE_SPLIT);
        bool pte = p->have & VML_LIVE_HAVE_STATUS;
        union cell *row = rows + n * NCOLS;
        row[C_PID].i = p->pid;
        row[C_USER].s = sh->user;
        row[C_VSZ].b = size ? p->vsz : CELL_NO_BYTES;
        row[C_RSS].b = size ? p->rss : CELL_NO_BYTES;
        row[C_PSS].b = sm ? p->pss : CELL_NO_BYTES;
        row[C_USS].b = sm ? p->uss : CELL_NO_BYTES;
        row[C_USS_ANON].b = split ? p->uss_anon : CELL_NO_BYTES;
        row[C_USS_FILE].b = split ? p->uss_file : CELL_NO_BYTES;
        row[C_USS_SHMEM].b = split ? p->uss_shmem : CELL_NO_BYTES;
        row[C_SWAP].b = sm ? p->swap : CELL_NO_BYTES;
        row[C_SWAPPSS].b = sm ? p->swap_pss : CELL_NO_BYTES;
        row[C_AHP].b = sm ? p->anon_huge : CELL_NO_BYTES;
        row[C_HUGETLB].b = sm ? p->hugetlb : CELL_NO_BYTES;
        row[C_PTE].b = pte ? p->status.vm_pte << 10 : CELL_NO_BYTES;
        row[C_OOM].i = p->have & VML_LIVE_HAVE_OOM ? p->oom_score : CELL_NO_INT;
        row[C_OOMADJ].i = p->have & VML_LIVE_HAVE_ADJ ? p->oom_score_adj : CELL_NO_INT;
        row[C_COMM].s = p->comm;
        row[C_CMD].s = cmd ? cmd : "";
        row[C_NOTE].s = p->state == VML_LIVE_ZOMBIE   ? "zombie: exited, not reaped by its parent"
                        : p->state == VML_LIVE_KERNEL ? "kernel thread: no address space"
                        : p->error[0]                 ? p->error
                        : sm && !split                ? p->split_why
                                                      : NULL;
        if (sm && !split && p->state == VML_LIVE_OK)
            unsplit++;
        for (int c = C_VSZ; c <= C_PTE; c++) {
            if (row[c].b != CELL_NO_BYTES) {
                tot[c].b += row[c].b;
                read_some[c] = true;
            } else if (c != C_PTE) {
                partial = true;
            }
        }
        shown_by_state[p->state]++;
        n++;
    }
    if (by_group) {
        r = groups_view(&o, rows, n, &tree);
        free(rows);
        free(shown);
        vml_live_scan_free(&scan);
        vml_memcg_tree_free(&tree);
        return r;
    }
    qsort(rows, n, NCOLS * sizeof(union cell), cmp_rows);
    tot[C_USER].s = "";
    tot[C_COMM].s = "";
    tot[C_CMD].s = "total";
    tot[C_PID].i = (int64_t)n;
    tot[C_OOM].i = CELL_NO_INT;
    tot[C_OOMADJ].i = CELL_NO_INT;
    for (int c = C_VSZ; c <= C_PTE; c++)
        if (!read_some[c])
            tot[c].b = CELL_NO_BYTES; /* nothing read: no total, not a 0 */
    static const int labels[] = { C_PID, C_COMM, -1 };
    size_t cut = 0;
    if (numa) {
        r = numa_print(&o, sys, rows, n, tot, labels, &cut, &partial);
        if (r) {
            free(rows);
            free(shown);
            vml_live_scan_free(&scan);
            return r;
        }
    } else {
        cut = table_print(stdout, &o, cols, NCOLS, rows, n, o.fmt == FMT_TEXT ? tot : NULL, labels);
    }
    if (o.fmt == FMT_TEXT) {
        size_t unread = shown_by_state[VML_LIVE_DENIED] + shown_by_state[VML_LIVE_BAD];
        printf("%zu process%s", n, n == 1 ? "" : "es");
        if (shown_by_state[VML_LIVE_ZOMBIE])
            printf("; %zu zombie%s (<defunct>: exited, not reaped; no memory)",
                   shown_by_state[VML_LIVE_ZOMBIE],
                   shown_by_state[VML_LIVE_ZOMBIE] == 1 ? "" : "s");
        if (shown_by_state[VML_LIVE_GONE])
            printf("; %zu exited during the scan", shown_by_state[VML_LIVE_GONE]);
        if (unread)
            printf("; %zu could not be read whole ('?'; %s)", unread,
                   shown_by_state[VML_LIVE_DENIED] ? "run as root to read every process"
                                                   : "a file did not parse: --json says which");
        if (unsplit)
            printf("; %zu with USS not split by kind ('?': --json says why)", unsplit);
        if (!kernel && scan.n_state[VML_LIVE_KERNEL])
            printf("; %zu kernel thread%s not shown (--kernel)", scan.n_state[VML_LIVE_KERNEL],
                   scan.n_state[VML_LIVE_KERNEL] == 1 ? "" : "s");
        putchar('\n');
        if (partial)
            printf("totals add up the figures that were read\n");
        table_cut_note(stdout, cut);
    }
    free(rows);
    free(shown);
    vml_live_scan_free(&scan);
    return EXIT_OK;
}

const struct cli_command cli_cmd_ps = {
    .name = "ps",
    .summary = "this machine's processes: RSS, PSS, USS (anon, file, shmem), swap, OOM score",
    .run = run,
    .help = help,
};
