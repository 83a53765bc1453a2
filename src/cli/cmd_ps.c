/* cli/cmd_ps.c: vmlab ps: every process's real memory (RSS, PSS, USS, swap, huge pages, OOM). */
#include "cli/cli.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab ps [--sort COL] [--pid N[,N...]] [--user NAME|UID] [--command GLOB]\n"
          "                [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                [--json] [--csv] [--kernel] [--per-mapping] [--status] [--threads N]\n"
          "                [--proc DIR]\n\n"
          "One row per process of this machine: PID, user, command, VSZ, RSS, PSS (its fair\n"
          "share of shared pages), USS (Private_Clean + Private_Dirty: what killing it would\n"
          "free), Swap, SwapPss, AnonHugePages, hugetlb pages, oom_score and oom_score_adj,\n"
          "read from /proc/PID/smaps_rollup (smaps on kernels without it), statm, cmdline,\n"
          "oom_score and oom_score_adj; then a totals row. Sorted by PSS, largest first. The\n"
          "user is the owner of /proc/PID (its effective uid; --status reads the real one).\n\n"
          "  --sort COL      any column name (numbers largest first, text A to Z)\n"
          "  --pid LIST      only these processes\n"
          "  --user U        only processes of this user (name or uid)\n"
          "  --command GLOB  only processes whose command line matches (fnmatch, e.g. '*java*')\n"
          "  --units U       sizes in text: human (default, K/M/G with one decimal) or fixed\n"
          "  --format F      text (default), json, csv (RFC 4180), prometheus (node_exporter\n"
          "                  textfile: vmlab_process_pss_bytes{pid=\"..\",command=\"..\"} ...);\n"
          "                  --json and --csv are short for the format\n"
          "  --kernel        also list kernel threads (they have no memory of their own)\n"
          "  --per-mapping   add up /proc/PID/smaps block by block, as smem and ps_mem do: PSS\n"
          "                  comes out a little lower (each mapping's is rounded down), USS the\n"
          "                  same; slower\n"
          "  --status        also read /proc/PID/status: the real uid (not the owner of\n"
          "                  /proc/PID) and the name; slower (status is costly to build)\n"
          "  --threads N     read with N threads (default 2)\n"
          "  --proc DIR      read DIR instead of /proc (a copy, or vmlab run --export-proc)\n\n"
          "A process that exits during the scan is marked '-', one that cannot be read '?' (root\n"
          "can read every process); both are counted below the table, never dropped.\n",
          out);
}

enum {
    C_PID,
    C_USER,
    C_VSZ,
    C_RSS,
    C_PSS,
    C_USS,
    C_SWAP,
    C_SWAPPSS,
    C_AHP,
    C_HUGETLB,
    C_OOM,
    C_OOMADJ,
    C_CMD,
    NCOLS
};

static const struct col cols[NCOLS] = {
    [C_PID] = { "PID", COL_INT, NULL, NULL, "pid", false },
    [C_USER] = { "User", COL_STR, NULL, NULL, "user", true },
    [C_VSZ] = { "VSZ", COL_BYTES, "vmlab_process_virtual_bytes", "Virtual size (VmSize).", NULL,
                false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_process_rss_bytes", "Resident set size.", NULL, false },
    [C_PSS] = { "PSS", COL_BYTES, "vmlab_process_pss_bytes",
                "Proportional set size: shared pages divided among their mappers.", NULL, false },
    [C_USS] = { "USS", COL_BYTES, "vmlab_process_uss_bytes",
                "Unique set size: Private_Clean + Private_Dirty.", NULL, false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_process_swap_bytes", "Swapped out.", NULL, false },
    [C_SWAPPSS] = { "SwapPss", COL_BYTES, "vmlab_process_swap_pss_bytes",
                    "Proportional share of swap.", NULL, false },
    [C_AHP] = { "AnonHuge", COL_BYTES, "vmlab_process_anon_huge_bytes",
                "Anonymous transparent huge pages (AnonHugePages).", NULL, false },
    [C_HUGETLB] = { "Hugetlb", COL_BYTES, "vmlab_process_hugetlb_bytes",
                    "hugetlbfs pages (HugetlbPages).", NULL, false },
    [C_OOM] = { "OOM", COL_INT, "vmlab_process_oom_score", "oom_score (0..2000).", NULL, false },
    [C_OOMADJ] = { "OOMadj", COL_INT, "vmlab_process_oom_score_adj", "oom_score_adj.", NULL,
                   false },
    [C_CMD] = { "Command", COL_STR, NULL, NULL, "command", true },
};

static int sort_col = C_PSS;

static int cmp_rows(const void *a, const void *b)
{
    const union cell *x = a, *y = b;
    int c = sort_col;
    if (cols[c].kind == COL_STR)
        return strcmp(x[c].s, y[c].s);
    int64_t u = cols[c].kind == COL_INT ? x[c].i : (int64_t)x[c].b;
    int64_t v = cols[c].kind == COL_INT ? y[c].i : (int64_t)y[c].b;
    if (u != v)
        return u < v ? 1 : -1;
    return x[C_PID].i < y[C_PID].i ? -1 : 1;
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

static int run(int argc, char **argv)
{
    const char *sort = NULL, *pids = NULL, *user = NULL, *pattern = NULL;
    struct table_opts o;
    table_opts_init(&o);
    bool kernel = false, per_mapping = false, status = false;
    unsigned threads = 2;
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
                                 "ps: --pid %s: expected process ids separated by commas", v);
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
                return cli_error(EXIT_USAGE, "ps: --threads %s: use 1 to 16", v);
            threads = (unsigned)t;
        } else if (strcmp(argv[i], "--kernel") == 0) {
            kernel = true;
        } else if (strcmp(argv[i], "--per-mapping") == 0) {
            per_mapping = true;
        } else if (strcmp(argv[i], "--status") == 0) {
            status = true;
        } else {
            return cli_error(EXIT_USAGE, "ps: unknown argument '%s' (see vmlab help ps)", argv[i]);
        }
    }
    if (sort) {
        int c = 0;
        while (c < NCOLS && strcasecmp(cols[c].name, sort) != 0)
            c++;
        if (c == NCOLS)
            return cli_error(EXIT_USAGE,
                             "ps: --sort %s: no such column (PID, User, VSZ, RSS, PSS, USS, Swap, "
                             "SwapPss, AnonHuge, Hugetlb, OOM, OOMadj, Command)",
                             sort);
        sort_col = c;
    }
    struct vml_live_scan scan;
    int r = vml_live_scan(o.root, threads,
                          (per_mapping ? VML_LIVE_PER_MAPPING : 0) | (status ? VML_LIVE_STATUS : 0),
                          &scan);
    if (r)
        return cli_error(EXIT_FAIL, "ps: cannot list %s: %s", o.root, vml_strerror(r));
    union cell *rows = calloc(scan.n ? scan.n : 1, NCOLS * sizeof(union cell));
    char(*names)[96] = calloc(scan.n ? scan.n : 1, sizeof(*names));
    char(*cmds)[4096] = calloc(scan.n ? scan.n : 1, sizeof(*cmds));
    if (!rows || !names || !cmds) {
        free(rows);
        free(names);
        free(cmds);
        vml_live_scan_free(&scan);
        return cli_error(EXIT_FAIL, "ps: out of memory");
    }
    union cell tot[NCOLS];
    memset(tot, 0, sizeof(tot));
    size_t n = 0, shown_by_state[5] = { 0 };
    for (size_t i = 0; i < scan.n; i++) {
        const struct vml_live_proc *p = &scan.procs[i];
        if (p->state == VML_LIVE_KERNEL && !kernel)
            continue;
        if (pids && !in_list(pids, p->pid))
            continue;
        user_name(p->uid, names[n], sizeof(names[n]));
        if (user && strcmp(user, names[n]) != 0 &&
            !(strspn(user, "0123456789") == strlen(user) && (unsigned)atoi(user) == p->uid))
            continue;
        /* No arguments: the kernel's name, bracketed as ps does; a marker first when the
         * numbers are missing. */
        static const char *marks[5] = { "", "- ", "? ", "", "? " };
        const char *args = p->cmdline && *p->cmdline ? p->cmdline : NULL;
        if (pattern && fnmatch(pattern, args ? args : "", 0) != 0 &&
            fnmatch(pattern, p->comm, 0) != 0)
            continue;
        if (args)
            snprintf(cmds[n], sizeof(cmds[n]), "%s%s", marks[p->state], args);
        else
            snprintf(cmds[n], sizeof(cmds[n]), "%s[%s]", marks[p->state], p->comm);
        const char *cmd = cmds[n];
        union cell *row = rows + n * NCOLS;
        row[C_PID].i = p->pid;
        row[C_USER].s = names[n];
        row[C_VSZ].b = p->vsz;
        row[C_RSS].b = p->rss;
        row[C_PSS].b = p->pss;
        row[C_USS].b = p->uss;
        row[C_SWAP].b = p->swap;
        row[C_SWAPPSS].b = p->swap_pss;
        row[C_AHP].b = p->anon_huge;
        row[C_HUGETLB].b = p->hugetlb;
        row[C_OOM].i = p->oom_score;
        row[C_OOMADJ].i = p->oom_score_adj;
        row[C_CMD].s = cmd;
        for (int c = C_VSZ; c <= C_HUGETLB; c++)
            tot[c].b += row[c].b;
        shown_by_state[p->state]++;
        n++;
    }
    qsort(rows, n, NCOLS * sizeof(union cell), cmp_rows);
    char count[32];
    snprintf(count, sizeof(count), "%zu", n);
    tot[C_USER].s = "";
    tot[C_CMD].s = "total";
    tot[C_PID].i = (int64_t)n;
    static const int labels[] = { C_PID, C_CMD, -1 };
    table_print(stdout, o.fmt, &o.units, cols, NCOLS, rows, n, o.fmt == FMT_TEXT ? tot : NULL,
                labels);
    if (o.fmt == FMT_TEXT) {
        printf("%zu process%s", n, n == 1 ? "" : "es");
        if (shown_by_state[VML_LIVE_GONE])
            printf("; %zu exited during the scan (-)", shown_by_state[VML_LIVE_GONE]);
        if (shown_by_state[VML_LIVE_DENIED] + shown_by_state[VML_LIVE_BAD])
            printf("; %zu could not be read (?, permission or format)",
                   shown_by_state[VML_LIVE_DENIED] + shown_by_state[VML_LIVE_BAD]);
        if (!kernel && scan.n_state[VML_LIVE_KERNEL])
            printf("; %zu kernel thread%s not shown (--kernel)", scan.n_state[VML_LIVE_KERNEL],
                   scan.n_state[VML_LIVE_KERNEL] == 1 ? "" : "s");
        putchar('\n');
    }
    free(rows);
    free(names);
    free(cmds);
    vml_live_scan_free(&scan);
    return EXIT_OK;
}

const struct cli_command cli_cmd_ps = {
    .name = "ps",
    .summary = "this machine's processes: RSS, PSS, USS, swap, huge pages, OOM score",
    .run = run,
    .help = help,
};
