/* cli/cmd_oom.c: vmlab oom: whom the OOM killer would pick, and why (mm/oom_kill.c). */
#include "cli/cli.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab oom [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                 [--json] [--csv] [--proc DIR]\n\n"
          "Processes ranked by the OOM killer's badness (mm/oom_kill.c: oom_badness), first the\n"
          "one it would kill in a system-wide OOM, with what the score is made of:\n"
          "  badness = RSS + swap entries + page tables (pages) + oom_score_adj * (totalpages /\n"
          "            1000), totalpages = RAM + swap pages (from meminfo)\n"
          "  oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3   (fs/proc/base.c)\n"
          "init, kernel threads and oom_score_adj -1000 are never chosen (score 0). The last\n"
          "column is the kernel's own /proc/PID/oom_score; Computed shows the formula's value,\n"
          "which matches it unless the process changed between the reads.\n",
          out);
}

enum { C_PID, C_RSS, C_SWAP, C_PTE, C_ADJ, C_ADJTERM, C_BADNESS, C_SCORE, C_KSCORE, C_CMD, NC };

static const struct col cols[NC] = {
    [C_PID] = { "PID", COL_INT, NULL, NULL, "pid", false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_oom_rss_bytes", "RSS counted by oom_badness.", NULL,
                false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_oom_swap_bytes", "Swap entries (VmSwap).", NULL, false },
    [C_PTE] = { "PgTables", COL_BYTES, "vmlab_oom_pgtables_bytes", "Page tables (VmPTE).", NULL,
                false },
    [C_ADJ] = { "Adj", COL_INT, "vmlab_oom_score_adj", "oom_score_adj.", NULL, false },
    [C_ADJTERM] = { "AdjPages", COL_INT, "vmlab_oom_adj_pages",
                    "oom_score_adj * (totalpages / 1000), in pages.", NULL, false },
    [C_BADNESS] = { "Badness", COL_INT, "vmlab_oom_badness_pages", "oom_badness, in pages.", NULL,
                    false },
    [C_SCORE] = { "Computed", COL_INT, "vmlab_oom_score_computed", "oom_score from the formula.",
                  NULL, false },
    [C_KSCORE] = { "oom_score", COL_INT, "vmlab_oom_score", "The kernel's oom_score.", NULL,
                   false },
    [C_CMD] = { "Command", COL_STR, NULL, NULL, "command", true },
};

static int cmp_badness(const void *a, const void *b)
{
    const union cell *x = a, *y = b;
    if (x[C_BADNESS].i != y[C_BADNESS].i)
        return x[C_BADNESS].i < y[C_BADNESS].i ? 1 : -1;
    /* select_bad_process: on equal points the later task (higher pid) replaces the earlier. */
    return x[C_PID].i < y[C_PID].i ? 1 : -1;
}

static int run(int argc, char **argv)
{
    struct table_opts o;
    table_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0)
            return EXIT_USAGE;
        if (m == 0)
            return cli_error(EXIT_USAGE, "oom: unknown argument '%s' (see vmlab help oom)",
                             argv[i]);
    }
    const char *root = o.root;
    struct vml_meminfo mi;
    struct vml_diag d = { 0 };
    int r = vml_live_meminfo(root, &mi, &d);
    if (r)
        return cli_error(EXIT_FAIL, "oom: cannot read %s/meminfo%s%s", root, d.msg[0] ? ": " : "",
                         d.msg);
    int64_t totalpages = (int64_t)(mi.mem_total + mi.swap_total) / 4;
    if (totalpages <= 0)
        return cli_error(EXIT_FAIL, "oom: %s/meminfo says there is no memory", root);
    struct vml_live_scan scan;
    if ((r = vml_live_scan(root, 2, VML_LIVE_STATUS, &scan)) != 0)
        return cli_error(EXIT_FAIL, "oom: cannot list %s: %s", root, vml_strerror(r));
    union cell *rows = calloc(scan.n ? scan.n : 1, NC * sizeof(union cell));
    char(*cmds)[80] = calloc(scan.n ? scan.n : 1, sizeof(*cmds));
    if (!rows || !cmds) {
        free(rows);
        free(cmds);
        vml_live_scan_free(&scan);
        return cli_error(EXIT_FAIL, "oom: out of memory");
    }
    size_t n = 0, skipped = 0;
    for (size_t i = 0; i < scan.n; i++) {
        const struct vml_live_proc *p = &scan.procs[i];
        if (p->state == VML_LIVE_KERNEL || p->state == VML_LIVE_GONE) {
            skipped++;
            continue;
        }
        const struct vml_status_mem *st = &p->status;
        union cell *row = rows + n * NC;
        int64_t rss = (int64_t)(st->rss_anon + st->rss_file + st->rss_shmem) / 4;
        int64_t swap = (int64_t)st->vm_swap / 4, pte = (int64_t)st->vm_pte / 4;
        int64_t adj_term = (int64_t)p->oom_score_adj * (totalpages / 1000);
        /* oom_badness: init and adj -1000 are unkillable (LONG_MIN: score 0). */
        bool unkillable = p->pid == 1 || p->oom_score_adj == -1000;
        int64_t badness = unkillable ? LLONG_MIN : rss + swap + pte + adj_term;
        row[C_PID].i = p->pid;
        row[C_RSS].b = (uint64_t)rss << 12;
        row[C_SWAP].b = (uint64_t)swap << 12;
        row[C_PTE].b = (uint64_t)pte << 12;
        row[C_ADJ].i = p->oom_score_adj;
        row[C_ADJTERM].i = adj_term;
        row[C_BADNESS].i = unkillable ? INT64_MIN : badness;
        row[C_SCORE].i = unkillable ? 0 : (1000 + badness * 1000 / totalpages) * 2 / 3;
        if (row[C_SCORE].i < 0)
            row[C_SCORE].i = 0;
        row[C_KSCORE].i = p->oom_score;
        snprintf(cmds[n], sizeof(cmds[n]), "%s%s", unkillable ? "(never chosen) " : "", p->comm);
        row[C_CMD].s = cmds[n];
        n++;
    }
    qsort(rows, n, NC * sizeof(union cell), cmp_badness);
    /* Unkillable rows (LONG_MIN in the kernel) sort last and show badness 0. */
    for (size_t i = 0; i < n; i++)
        if (rows[i * NC + C_BADNESS].i == INT64_MIN)
            rows[i * NC + C_BADNESS].i = 0;
    static const int labels[] = { C_PID, C_CMD, -1 };
    table_print(stdout, o.fmt, &o.units, cols, NC, rows, n, NULL, labels);
    if (o.fmt == FMT_TEXT)
        printf("totalpages %lld (RAM + swap); %zu kernel threads or exited processes not "
               "ranked; the first row is the OOM killer's choice\n",
               (long long)totalpages, skipped);
    free(rows);
    free(cmds);
    vml_live_scan_free(&scan);
    return EXIT_OK;
}

const struct cli_command cli_cmd_oom = {
    .name = "oom",
    .summary = "whom the OOM killer would pick: badness and oom_score, explained",
    .run = run,
    .help = help,
};
