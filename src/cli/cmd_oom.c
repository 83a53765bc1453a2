/* cli/cmd_oom.c: vmlab oom: whom the OOM killer would pick, and why (mm/oom_kill.c). */
#include "cli/cli.h"
#include "cli/memcg_view.h"
#include "cli/table.h"
#include "cli/units.h"

#include "vmlab/vmlab.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab oom [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                 [--json] [--csv] [--wide] [--proc DIR] [--sys DIR]\n"
          "                 [--cgroup PATH] [--cgroups]\n\n"
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
          "A memory cgroup with a limit has OOMs of its own (mm/memcontrol.c:\n"
          "mem_cgroup_out_of_memory): the victim is chosen among the processes of the group\n"
          "and its descendants (cgroup.procs), by the same badness with totalpages = the\n"
          "group's limit in pages + the swap it may use (mem_cgroup_get_max: v2 adds\n"
          "min(memory.swap.max, swap), v1 min(memsw limit - limit, swap); none when the\n"
          "swappiness is 0). The hierarchy is cgroup v2's at SYS/fs/cgroup when it holds the\n"
          "memory controller, else v1's at SYS/fs/cgroup/memory.\n\n"
          "  --cgroup PATH   rank only the processes of this memory cgroup (a path below the\n"
          "                  hierarchy's root, e.g. /system.slice/foo.service) and its\n"
          "                  descendants, with its totalpages; below the table, its usage\n"
          "                  against its limit and its events. An unknown PATH is an error.\n"
          "  --cgroups       one row per memory cgroup with a limit (only PATH with --cgroup),\n"
          "                  after a row '/' for the whole machine: usage, limit, swap limit,\n"
          "                  totalpages, the processes considered, the victim (PID, command,\n"
          "                  badness) and the events: memory.events' oom, oom_kill,\n"
          "                  oom_group_kill, max and high (v2), memory.oom_control's oom_kill\n"
          "                  and memory.failcnt (v1); a counter the version lacks is '?'\n"
          "  --sys DIR       read the cgroups under DIR/fs/cgroup (default /sys). With --proc\n"
          "                  DIR and no --sys no cgroup is read: a copy of /proc has none of\n"
          "                  its own, and the machine's would not match it\n"
          "  --proc DIR      read DIR instead of /proc (a copy, or vmlab run --export-proc);\n"
          "                  vm.swappiness (for v2 groups) from DIR/sys/vm/swappiness, 60\n"
          "                  (the kernel's default) when it has none\n"
          "  --units U       sizes in text: human (default, K/M/G with one decimal) or fixed\n"
          "  --format F      text (default), json, csv (RFC 4180), prometheus; --json and --csv\n"
          "                  are short; an unlimited limit is 'max' (+Inf in prometheus)\n"
          "  --wide          on a terminal, print lines whole (else cut to its width, '+')\n\n"
          "With vm.oom_kill_allocating_task 1 (PROC/sys/vm) the kernel kills the process that\n"
          "was allocating instead, for a cgroup's OOM too: the text output says so.\n"
          "Ties: the kernel keeps the process it scanned last among equal badness; vmlab\n"
          "takes the highest pid (for the whole machine the scan follows creation, near\n"
          "enough to pid order; inside a cgroup it follows the cgroup's own task lists).\n",
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

/* The groups' table (--cgroups). */
enum {
    G_PATH,
    G_USAGE,
    G_LIMIT,
    G_SWAPLIMIT,
    G_TOTAL,
    G_PROCS,
    G_VPID,
    G_VBAD,
    G_VCMD,
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
    [G_USAGE] = { "Usage", COL_BYTES, "vmlab_oom_cgroup_usage_bytes",
                  "memory.current (v2) or memory.usage_in_bytes (v1).", NULL, false, false },
    [G_LIMIT] = { "Limit", COL_BYTES, "vmlab_oom_cgroup_limit_bytes",
                  "memory.max (v2) or memory.limit_in_bytes (v1); RAM for '/'.", NULL, false,
                  false },
    [G_SWAPLIMIT] = { "SwapLimit", COL_BYTES, "vmlab_oom_cgroup_swap_limit_bytes",
                      "memory.swap.max (v2) or memory.memsw.limit_in_bytes (v1, memory + swap).",
                      NULL, false, false },
    [G_TOTAL] = { "TotalPages", COL_INT, "vmlab_oom_cgroup_totalpages",
                  "The OOM killer's totalpages for this group (mem_cgroup_get_max).", NULL, false,
                  false },
    [G_PROCS] = { "Procs", COL_INT, "vmlab_oom_cgroup_processes",
                  "Processes the OOM killer would weigh (the group's and its descendants').", NULL,
                  false, false },
    [G_VPID] = { "VictimPID", COL_INT, "vmlab_oom_cgroup_victim_pid",
                 "The process an OOM here would kill.", NULL, false, false },
    [G_VBAD] = { "Badness", COL_INT, "vmlab_oom_cgroup_victim_badness_pages",
                 "The victim's oom_badness with this group's totalpages, in pages.", NULL, false,
                 false },
    [G_VCMD] = { "Victim", COL_STR, NULL, NULL, "victim", true, false },
    [G_OOM] = { "OOM", COL_INT, "vmlab_oom_cgroup_oom_events", "memory.events oom.", NULL, false,
                false },
    [G_OOMKILL] = { "OOMKill", COL_INT, "vmlab_oom_cgroup_oom_kill_events",
                    "memory.events (v2) or memory.oom_control (v1) oom_kill.", NULL, false, false },
    [G_GROUPKILL] = { "GroupKill", COL_INT, "vmlab_oom_cgroup_oom_group_kill_events",
                      "memory.events oom_group_kill.", NULL, false, false },
    [G_MAX] = { "MaxEv", COL_INT, "vmlab_oom_cgroup_max_events", "memory.events max.", NULL, false,
                false },
    [G_HIGH] = { "HighEv", COL_INT, "vmlab_oom_cgroup_high_events", "memory.events high.", NULL,
                 false, false },
    [G_FAILCNT] = { "Failcnt", COL_INT, "vmlab_oom_cgroup_failcnt", "memory.failcnt (v1).", NULL,
                    false, false },
    [G_NOTE] = { "Note", COL_STR, NULL, NULL, "note", true, true },
};

/* oom_badness (mm/oom_kill.c) of a process with its figures read: get_mm_rss_sum + swap
 * entries + page table pages, which status prints (VmRSS's parts, VmSwap, VmPTE: the same
 * exact sums), + oom_score_adj * (totalpages / 1000). false when it is never chosen (init,
 * adj -1000: LONG_MIN) or has no figures. */
struct terms {
    int64_t rss, swap, pte, adj_term, badness;
};
static bool figures_read(const struct vml_live_proc *p)
{
    return (p->have & VML_LIVE_HAVE_STATUS) && (p->have & VML_LIVE_HAVE_ADJ);
}
static bool killable(const struct vml_live_proc *p)
{
    return p->state != VML_LIVE_KERNEL && p->state != VML_LIVE_GONE && p->state != VML_LIVE_ZOMBIE;
}
static bool badness(const struct vml_live_proc *p, int64_t totalpages, struct terms *t)
{
    const struct vml_status_mem *st = &p->status;
    t->rss = (int64_t)(st->rss_anon + st->rss_file + st->rss_shmem) / 4;
    t->swap = (int64_t)st->vm_swap / 4;
    t->pte = (int64_t)st->vm_pte / 4;
    t->adj_term = (int64_t)p->oom_score_adj * (totalpages / 1000);
    t->badness = t->rss + t->swap + t->pte + t->adj_term;
    return !(p->pid == 1 || p->oom_score_adj == -1000);
}

/* Whether process p is in group gi or a descendant: the groups from gi on, while deeper. */
static bool in_subtree(const struct vml_memcg_tree *t, size_t gi, int pid)
{
    for (size_t j = gi; j < t->n && (j == gi || t->g[j].depth > t->g[gi].depth); j++)
        for (size_t k = 0; k < t->g[j].npids; k++)
            if (t->g[j].pids[k] == pid)
                return true;
    return false;
}

/* select_bad_process's choice among the processes (all, or the subtree of gi): the highest
 * badness, ties to the higher pid. Returns the process or NULL; *weighed counts those with
 * figures. */
static const struct vml_live_proc *victim(const struct vml_live_scan *scan,
                                          const struct vml_memcg_tree *t, long gi,
                                          int64_t totalpages, int64_t *best, int64_t *weighed)
{
    const struct vml_live_proc *v = NULL;
    *weighed = 0;
    for (size_t i = 0; i < scan->n; i++) {
        const struct vml_live_proc *p = &scan->procs[i];
        if (!killable(p) || !figures_read(p))
            continue;
        if (gi >= 0 && !in_subtree(t, (size_t)gi, p->pid))
            continue;
        ++*weighed;
        struct terms tm;
        if (!badness(p, totalpages, &tm))
            continue;
        if (!v || tm.badness >= *best) { /* scan.procs ascends by pid: ties go to the later */
            v = p;
            *best = tm.badness;
        }
    }
    return v;
}

/* A sysctl of the tree (PROC/sys/vm/NAME), dflt when it has none or it is not a number up to
 * max. */
static uint64_t sysctl_vm(const char *root, const char *name, uint64_t dflt, uint64_t max)
{
    struct vml_text t = { 0 };
    char path[64];
    uint64_t v = dflt;
    snprintf(path, sizeof(path), "sys/vm/%s", name);
    if (vml_live_read(root, path, &t) == 0 && t.s) {
        uint64_t x;
        if (vml_proc_parse_memcg_value(t.s, t.len, &x, NULL) == 0 && x <= max)
            v = x;
    }
    vml_text_free(&t);
    return v;
}

/* vm.swappiness (mem_cgroup_swappiness of v2 groups), 60 when the tree has none. */
static uint64_t vm_swappiness(const char *root)
{
    return sysctl_vm(root, "swappiness", 60, 200);
}

/* out_of_memory: with vm.oom_kill_allocating_task the allocating task dies instead (for a
 * memory cgroup's OOM too), which no reading of /proc can foretell. */
static void allocating_task_note(const char *root)
{
    if (sysctl_vm(root, "oom_kill_allocating_task", 0, 1))
        printf("vm.oom_kill_allocating_task is 1: the kernel kills the process that was "
               "allocating instead (if it can), not this choice\n");
}

static int groups_table(const struct table_opts *o, const char *root,
                        const struct vml_live_scan *scan, const struct vml_memcg_tree *t, long only,
                        int64_t totalpages, const struct vml_meminfo *mi, uint64_t swappiness)
{
    union cell *rows = calloc(t->n + 1, NG * sizeof(union cell));
    char(*names)[96] = calloc(t->n + 1, sizeof(*names));
    if (!rows || !names) {
        free(rows);
        free(names);
        return cli_error(EXIT_FAIL, "oom: out of memory");
    }
    size_t n = 0, bad = 0;
    for (long gi = -1; gi < (long)t->n; gi++) {
        const struct vml_memcg *g = gi >= 0 ? &t->g[gi] : NULL;
        int64_t tp = totalpages;
        if (g) {
            tp = memcg_view_totalpages(t, g, mi->swap_total / 4, swappiness);
            /* No limit of its own: no OOM of its own. A group whose limit could not be read
             * is listed (with the reason), not dropped. */
            bool unreadable = (g->have & VML_MEMCG_HAVE_FILES) && !(g->have & VML_MEMCG_HAVE_LIMIT);
            if (only >= 0 ? gi != only : tp == 0 && !unreadable)
                continue;
        } else if (only >= 0) {
            continue;
        }
        union cell *row = rows + n * NG;
        bad += g && g->error[0];
        row[G_PATH].s = g ? g->path : "/";
        row[G_TOTAL].i = tp ? tp : CELL_NO_INT;
        if (g) {
            row[G_USAGE].b = g->have & VML_MEMCG_HAVE_USAGE ? g->usage : CELL_NO_BYTES;
            row[G_LIMIT].b =
                g->have & VML_MEMCG_HAVE_LIMIT ? memcg_view_limit_cell(g->limit) : CELL_NO_BYTES;
            row[G_SWAPLIMIT].b = g->have & VML_MEMCG_HAVE_SWAP
                                     ? memcg_view_limit_cell(g->swap_limit)
                                     : CELL_NO_BYTES;
            memcg_view_events(g, &row[G_OOM], &row[G_OOMKILL], &row[G_GROUPKILL], &row[G_MAX],
                              &row[G_HIGH], &row[G_FAILCNT]);
            row[G_NOTE].s = g->error[0] ? g->error
                            : tp == 0   ? "no limit of its own: no OOM of its own"
                                        : NULL;
        } else {
            /* The whole machine: what is in use of RAM, RAM as the limit, swap. */
            row[G_USAGE].b = (mi->mem_total - mi->mem_free) << 10;
            row[G_LIMIT].b = mi->mem_total << 10;
            row[G_SWAPLIMIT].b = mi->swap_total << 10;
            for (int c = G_OOM; c <= G_FAILCNT; c++)
                row[c].i = CELL_NO_INT;
            row[G_NOTE].s = "the whole machine (events: /proc/vmstat oom_kill)";
        }
        int64_t best = 0, weighed = 0;
        const struct vml_live_proc *v =
            tp ? victim(scan, t, g ? gi : -1, tp, &best, &weighed) : NULL;
        row[G_PROCS].i = tp ? weighed : CELL_NO_INT;
        row[G_VPID].i = v ? v->pid : CELL_NO_INT;
        row[G_VBAD].i = v ? best : CELL_NO_INT;
        snprintf(names[n], sizeof(names[n]), "%s", v ? v->comm : tp ? "(none killable)" : "");
        row[G_VCMD].s = names[n];
        n++;
    }
    static const int labels[] = { G_PATH, G_VCMD, -1 };
    size_t cut = table_print(stdout, o, gcols, NG, rows, n, NULL, labels);
    if (o->fmt == FMT_TEXT) {
        printf("cgroup v%d at %s; Victim: whom an OOM in the group would kill (badness with "
               "its TotalPages)\n",
               t->version, t->mount);
        if (bad)
            printf("%zu group%s with a file that could not be read or parsed ('?': --json says "
                   "which)\n",
                   bad, bad == 1 ? "" : "s");
        allocating_task_note(root);
        table_cut_note(stdout, cut);
    }
    free(rows);
    free(names);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    struct table_opts o;
    table_opts_init(&o);
    const char *sys = NULL, *cgroup = NULL;
    bool groups = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            continue;
        if ((m = cli_opt(argc, argv, &i, "--sys", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            sys = v;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--cgroup", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            cgroup = v;
            continue;
        }
        if (strcmp(argv[i], "--cgroups") == 0) {
            groups = true;
            continue;
        }
        char e[256];
        return cli_error(EXIT_USAGE, "oom: unknown argument '%s' (see vmlab help oom)",
                         table_escape(e, sizeof(e), argv[i]));
    }
    const char *root = o.root;
    char e[256];
    /* The machine's cgroups go with the machine's /proc only (see the help). */
    if (!sys && strcmp(root, "/proc") == 0)
        sys = "/sys";
    if ((cgroup || groups) && !sys)
        return cli_error(EXIT_USAGE,
                         "oom: %s needs --sys DIR with --proc %s (the cgroups of that copy of "
                         "/proc)",
                         cgroup ? "--cgroup" : "--cgroups", table_escape(e, sizeof(e), root));
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
    /* The cgroups: required with --cgroup/--cgroups, else a line below the table when found. */
    struct vml_memcg_tree tree = { 0 };
    bool have_tree = false;
    long only = -1;
    if (cgroup || groups) {
        if ((r = memcg_view_open("oom", sys, &tree)) != 0)
            return r;
        have_tree = true;
        if (cgroup && (only = vml_memcg_find(&tree, cgroup)) < 0) {
            char ec[256], em[256];
            cli_error(EXIT_USAGE, "oom: --cgroup %s: no such memory cgroup in %s",
                      table_escape(ec, sizeof(ec), cgroup),
                      table_escape(em, sizeof(em), tree.mount));
            vml_memcg_tree_free(&tree);
            return EXIT_USAGE;
        }
    } else if (sys) {
        have_tree = vml_memcg_scan(sys, &tree, NULL) == 0;
    }
    uint64_t swappiness = vm_swappiness(root);
    struct vml_live_scan scan;
    if ((r = vml_live_scan(root, 2, VML_LIVE_STATUS | VML_LIVE_NO_SMAPS, &scan)) != 0) {
        vml_memcg_tree_free(&tree);
        return cli_error(EXIT_FAIL, "oom: cannot list %s: %s", e, vml_strerror(r));
    }
    if (groups) {
        r = groups_table(&o, root, &scan, &tree, only, totalpages, &mi, swappiness);
        vml_live_scan_free(&scan);
        vml_memcg_tree_free(&tree);
        return r;
    }
    /* --cgroup: its processes, weighed with its totalpages (none of its own: the machine's). */
    int64_t group_pages = 0;
    if (only >= 0) {
        group_pages = memcg_view_totalpages(&tree, &tree.g[only], mi.swap_total / 4, swappiness);
        if (group_pages)
            totalpages = group_pages;
    }
    union cell *rows = calloc(scan.n ? scan.n : 1, NC * sizeof(union cell));
    char(*cmds)[80] = calloc(scan.n ? scan.n : 1, sizeof(*cmds));
    if (!rows || !cmds) {
        free(rows);
        free(cmds);
        vml_live_scan_free(&scan);
        vml_memcg_tree_free(&tree);
        return cli_error(EXIT_FAIL, "oom: out of memory");
    }
    size_t n = 0, unread = 0;
    for (size_t i = 0; i < scan.n; i++) {
        const struct vml_live_proc *p = &scan.procs[i];
        if (!killable(p))
            continue; /* oom_unkillable_task, or no mm: find_lock_task_mm finds none */
        if (only >= 0 && !in_subtree(&tree, (size_t)only, p->pid))
            continue; /* mem_cgroup_scan_tasks: the group and its descendants only */
        union cell *row = rows + n * NC;
        row[C_PID].i = p->pid;
        row[C_KSCORE].i = p->have & VML_LIVE_HAVE_OOM ? p->oom_score : CELL_NO_INT;
        row[C_ADJ].i = p->have & VML_LIVE_HAVE_ADJ ? p->oom_score_adj : CELL_NO_INT;
        row[C_NOTE].s = p->error[0] ? p->error : NULL;
        if (!figures_read(p)) {
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
        struct terms tm;
        /* oom_badness: init and adj -1000 are unkillable (LONG_MIN: score 0). */
        bool unkillable = !badness(p, totalpages, &tm);
        row[C_RSS].b = (uint64_t)tm.rss << 12;
        row[C_SWAP].b = (uint64_t)tm.swap << 12;
        row[C_PTE].b = (uint64_t)tm.pte << 12;
        row[C_ADJTERM].i = tm.adj_term;
        row[C_BADNESS].i = unkillable ? INT64_MIN + 1 : tm.badness;
        /* proc_oom_score (fs/proc/base.c): (1000 + badness * 1000 / totalpages) * 2 / 3, with
         * the machine's totalpages whatever the group (the kernel's file does the same). */
        int64_t mtp = (int64_t)(mi.mem_total + mi.swap_total) / 4;
        struct terms gt;
        badness(p, mtp, &gt);
        row[C_SCORE].i = unkillable ? 0 : (1000 + gt.badness * 1000 / mtp) * 2 / 3;
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
    if (o.fmt == FMT_TEXT && only >= 0) {
        const struct vml_memcg *g = &tree.g[only];
        char u[32], l[32], sl[32];
        union cell ev[6];
        memcg_view_events(g, &ev[0], &ev[1], &ev[2], &ev[3], &ev[4], &ev[5]);
        static const char *const evn[6] = { "oom", "oom_kill", "oom_group_kill",
                                            "max", "high",     "failcnt" };
        if (g->have & VML_MEMCG_HAVE_USAGE)
            units_human(u, sizeof(u), g->usage);
        else
            snprintf(u, sizeof(u), "?");
        if (!(g->have & VML_MEMCG_HAVE_LIMIT))
            snprintf(l, sizeof(l), "?");
        else if (g->limit == VML_MEMCG_UNLIMITED)
            snprintf(l, sizeof(l), "max");
        else
            units_human(l, sizeof(l), g->limit);
        if (!(g->have & VML_MEMCG_HAVE_SWAP))
            snprintf(sl, sizeof(sl), "none");
        else if (g->swap_limit == VML_MEMCG_UNLIMITED)
            snprintf(sl, sizeof(sl), "max");
        else
            units_human(sl, sizeof(sl), g->swap_limit);
        printf("cgroup %s (v%d): usage %s of limit %s, %s %s", g->path, tree.version, u, l,
               tree.version == 1 ? "memory+swap limit" : "swap limit", sl);
        bool first = true;
        for (int k = 0; k < 6; k++) {
            if (ev[k].i == CELL_NO_INT)
                continue;
            printf("%s%s %lld", first ? "; events: " : ", ", evn[k], (long long)ev[k].i);
            first = false;
        }
        putchar('\n');
        if (g->error[0])
            printf("cgroup %s: %s\n", g->path, g->error);
        if (group_pages)
            printf("totalpages %lld (its limit + usable swap: mem_cgroup_get_max); the first row "
                   "is the victim of an OOM in this group",
                   (long long)totalpages);
        else if (g->depth == 0)
            printf("the root: its OOM is the whole machine's, ranked with totalpages %lld (RAM + "
                   "swap)",
                   (long long)totalpages);
        else
            printf("no limit of its own: no OOM of its own (one above it, or the machine's, "
                   "weighs these processes among others); ranked with the machine's totalpages "
                   "%lld",
                   (long long)totalpages);
    } else if (o.fmt == FMT_TEXT) {
        printf("totalpages %lld (RAM + swap); the first row is the OOM killer's choice",
               (long long)totalpages);
    }
    if (o.fmt == FMT_TEXT) {
        if (unread)
            printf("; %zu could not be read ('?': run as root)", unread);
        size_t nk = scan.n_state[VML_LIVE_KERNEL], nz = scan.n_state[VML_LIVE_ZOMBIE];
        size_t ng = scan.n_state[VML_LIVE_GONE];
        if (only < 0) {
            if (nk)
                printf("; %zu kernel thread%s", nk, nk == 1 ? "" : "s");
            if (nz)
                printf("; %zu zombie%s", nz, nz == 1 ? "" : "s");
            if (ng)
                printf("; %zu exited during the scan", ng);
            if (nk + nz + ng)
                printf(" (not ranked)");
        }
        putchar('\n');
        if (only < 0 && have_tree) {
            size_t limited = 0;
            for (size_t i = 0; i < tree.n; i++)
                limited +=
                    memcg_view_totalpages(&tree, &tree.g[i], mi.swap_total / 4, swappiness) != 0;
            printf("%zu memory cgroup%s with a limit (v%d): --cgroups names the victim of an OOM "
                   "in each\n",
                   limited, limited == 1 ? "" : "s", tree.version);
        }
        allocating_task_note(root);
        table_cut_note(stdout, cut);
    }
    free(rows);
    free(cmds);
    vml_live_scan_free(&scan);
    vml_memcg_tree_free(&tree);
    return EXIT_OK;
}

const struct cli_command cli_cmd_oom = {
    .name = "oom",
    .summary = "whom the OOM killer would pick: badness and oom_score, explained",
    .run = run,
    .help = help,
};
