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
          "                 [--json] [--csv] [--wide] [--proc DIR]\n\n"
          "Processes ranked by the OOM killer's badness (mm/oom_kill.c: oom_badness), first the\n"
          "one it would kill in a system-wide OOM, with what the score is made of:\n"
          "  badness = RSS + swap entries + page tables (pages) + oom_score_adj * (totalpages /\n"
          "            1000), totalpages = RAM + swap pages (from meminfo)\n"
          "  oom_score = (1000 + badness * 1000 / totalpages) * 2 / 3   (fs/proc/base.c)\n"
          "init, kernel threads and oom_score_adj -1000 are never chosen (score 0). The last\n"
          "column is the kernel's own /proc/PID/oom_score; Computed shows the formula's value,\n"
          "which matches it unless the process changed between the reads. Everything comes\n"
          "from status and the oom files, which every user can read. A process whose status\n"
          "cannot be read is listed without figures ('?' in text, null in JSON with the reason\n"
          "in Note) and counted below; zombies, kernel threads and processes that exit during\n"
          "the scan are not ranked (they have no memory to free), and are counted.\n\n"
          "  --wide          on a terminal, print lines whole (else cut to its width, '+')\n",
          out);
}

enum {
    C_PID,
    C_RSS,
    C_SWAP,
    C_PTE,
    C_ADJ,
    C_ADJTERM,
    C_BADNESS,
    C_SCORE,
    C_KSCORE,
    C_CMD,
    C_NOTE,
    NC
};

static const struct col cols[NC] = {
    [C_PID] = { "PID", COL_INT, NULL, NULL, "pid", false, false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_oom_rss_bytes", "RSS counted by oom_badness.", NULL, false,
                false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_oom_swap_bytes", "Swap entries (VmSwap).", NULL, false,
                 false },
    [C_PTE] = { "PgTables", COL_BYTES, "vmlab_oom_pgtables_bytes", "Page tables (VmPTE).", NULL,
                false, false },
    [C_ADJ] = { "Adj", COL_INT, "vmlab_oom_score_adj", "oom_score_adj.", NULL, false, false },
    [C_ADJTERM] = { "AdjPages", COL_INT, "vmlab_oom_adj_pages",
                    "oom_score_adj * (totalpages / 1000), in pages.", NULL, false, false },
    [C_BADNESS] = { "Badness", COL_INT, "vmlab_oom_badness_pages", "oom_badness, in pages.", NULL,
                    false, false },
    [C_SCORE] = { "Computed", COL_INT, "vmlab_oom_score_computed", "oom_score from the formula.",
                  NULL, false, false },
    [C_KSCORE] = { "oom_score", COL_INT, "vmlab_oom_score", "The kernel's oom_score.", NULL, false,
                   false },
    [C_CMD] = { "Command", COL_STR, NULL, NULL, "comm", true, false },
    [C_NOTE] = { "Note", COL_STR, NULL, NULL, "note", true, true },
};

static int cmp_badness(const void *a, const void *b)
{
    const union cell *x = a, *y = b;
    bool hx = x[C_BADNESS].i != CELL_NO_INT, hy = y[C_BADNESS].i != CELL_NO_INT;
    if (hx != hy)
        return hx ? -1 : 1; /* not read: last */
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
        char e[256];
        if (m == 0)
            return cli_error(EXIT_USAGE, "oom: unknown argument '%s' (see vmlab help oom)",
                             table_escape(e, sizeof(e), argv[i]));
    }
    const char *root = o.root;
    char e[256];
    int r = table_check_root("oom", root);
    if (r)
        return r;
    table_escape(e, sizeof(e), root);
    struct vml_meminfo mi;
    struct vml_diag d = { 0 };
    r = vml_live_meminfo(root, &mi, &d);
    if (r)
        return cli_error(EXIT_FAIL, "oom: cannot read %s/meminfo%s%s", e, d.msg[0] ? ": " : "",
                         d.msg);
    int64_t totalpages = (int64_t)(mi.mem_total + mi.swap_total) / 4;
    if (totalpages <= 0)
        return cli_error(EXIT_FAIL, "oom: %s/meminfo says there is no memory", e);
    struct vml_live_scan scan;
    if ((r = vml_live_scan(root, 2, VML_LIVE_STATUS | VML_LIVE_NO_SMAPS, &scan)) != 0)
        return cli_error(EXIT_FAIL, "oom: cannot list %s: %s", e, vml_strerror(r));
    union cell *rows = calloc(scan.n ? scan.n : 1, NC * sizeof(union cell));
    char(*cmds)[80] = calloc(scan.n ? scan.n : 1, sizeof(*cmds));
    if (!rows || !cmds) {
        free(rows);
        free(cmds);
        vml_live_scan_free(&scan);
        return cli_error(EXIT_FAIL, "oom: out of memory");
    }
    size_t n = 0, unread = 0;
    for (size_t i = 0; i < scan.n; i++) {
        const struct vml_live_proc *p = &scan.procs[i];
        if (p->state == VML_LIVE_KERNEL || p->state == VML_LIVE_GONE || p->state == VML_LIVE_ZOMBIE)
            continue; /* oom_unkillable_task, or no mm: find_lock_task_mm finds none */
        union cell *row = rows + n * NC;
        row[C_PID].i = p->pid;
        row[C_KSCORE].i = p->have & VML_LIVE_HAVE_OOM ? p->oom_score : CELL_NO_INT;
        row[C_ADJ].i = p->have & VML_LIVE_HAVE_ADJ ? p->oom_score_adj : CELL_NO_INT;
        row[C_NOTE].s = p->error[0] ? p->error : NULL;
        if (!(p->have & VML_LIVE_HAVE_STATUS) || !(p->have & VML_LIVE_HAVE_ADJ)) {
            /* No figures: not a 0 that would rank it last as if it were measured. */
            for (int c = C_RSS; c <= C_PTE; c++)
                row[c].b = CELL_NO_BYTES;
            row[C_ADJTERM].i = row[C_BADNESS].i = row[C_SCORE].i = CELL_NO_INT;
            snprintf(cmds[n], sizeof(cmds[n]), "%s", p->comm);
            row[C_CMD].s = cmds[n];
            unread++;
            n++;
            continue;
        }
        /* oom_badness (mm/oom_kill.c): get_mm_rss_sum + swap entries + page table pages,
         * which status prints (VmRSS's parts, VmSwap, VmPTE: the same exact sums). */
        const struct vml_status_mem *st = &p->status;
        int64_t rss = (int64_t)(st->rss_anon + st->rss_file + st->rss_shmem) / 4;
        int64_t swap = (int64_t)st->vm_swap / 4, pte = (int64_t)st->vm_pte / 4;
        int64_t adj_term = (int64_t)p->oom_score_adj * (totalpages / 1000);
        /* oom_badness: init and adj -1000 are unkillable (LONG_MIN: score 0). */
        bool unkillable = p->pid == 1 || p->oom_score_adj == -1000;
        int64_t badness = unkillable ? LLONG_MIN : rss + swap + pte + adj_term;
        row[C_RSS].b = (uint64_t)rss << 12;
        row[C_SWAP].b = (uint64_t)swap << 12;
        row[C_PTE].b = (uint64_t)pte << 12;
        row[C_ADJTERM].i = adj_term;
        row[C_BADNESS].i = unkillable ? INT64_MIN + 1 : badness;
        /* proc_oom_score (fs/proc/base.c): (1000 + badness * 1000 / totalpages) * 2 / 3. */
        row[C_SCORE].i = unkillable ? 0 : (1000 + badness * 1000 / totalpages) * 2 / 3;
        if (row[C_SCORE].i < 0)
            row[C_SCORE].i = 0;
        snprintf(cmds[n], sizeof(cmds[n]), "%s%s", unkillable ? "(never chosen) " : "", p->comm);
        row[C_CMD].s = cmds[n];
        n++;
    }
    qsort(rows, n, NC * sizeof(union cell), cmp_badness);
    /* Unkillable rows (LONG_MIN in the kernel) sort last and show badness 0. */
    for (size_t i = 0; i < n; i++)
        if (rows[i * NC + C_BADNESS].i == INT64_MIN + 1)
            rows[i * NC + C_BADNESS].i = 0;
    static const int labels[] = { C_PID, C_CMD, -1 };
    size_t cut = table_print(stdout, &o, cols, NC, rows, n, NULL, labels);
    if (o.fmt == FMT_TEXT) {
        printf("totalpages %lld (RAM + swap); the first row is the OOM killer's choice",
               (long long)totalpages);
        if (unread)
            printf("; %zu could not be read ('?': run as root)", unread);
        size_t nk = scan.n_state[VML_LIVE_KERNEL], nz = scan.n_state[VML_LIVE_ZOMBIE];
        size_t ng = scan.n_state[VML_LIVE_GONE];
        if (nk)
            printf("; %zu kernel thread%s", nk, nk == 1 ? "" : "s");
        if (nz)
            printf("; %zu zombie%s", nz, nz == 1 ? "" : "s");
        if (ng)
            printf("; %zu exited during the scan", ng);
        if (nk + nz + ng)
            printf(" (not ranked)");
        putchar('\n');
        table_cut_note(stdout, cut);
    }
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
