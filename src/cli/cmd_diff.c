/* cli/cmd_diff.c: vmlab diff FILE: a scenario on the simulator and on the real kernel, compared
 * field by field. */
#include "cli/cli.h"
#include "cli/explorer.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab diff FILE [--quiet] [--html OUT.html]\n\n"
          "Runs a scenario on the simulator and on this machine's kernel (vmlab run --on linux)\n"
          "and compares, field by field:\n"
          "  - per process, the status memory fields (VmSize, VmRSS, RssAnon, RssFile, RssShmem,\n"
          "    VmData, VmPTE ...) as changes since the process was created;\n"
          "  - per named mapping, every smaps field summed over its VMAs, the number of VMAs,\n"
          "    VmFlags and THPeligible;\n"
          "  - per operation, the minor and major faults of the process that did it, and the\n"
          "    change of meminfo AnonPages, Mapped, Shmem, Mlocked, Unevictable, Cached, Dirty;\n"
          "  - at each 'show thp', every THP file of /sys/kernel/mm/transparent_hugepage/.\n"
          "Prints each field simulated, real and the difference, then a verdict. A field that\n"
          "cannot be compared exactly says why instead (\"not comparable: ...\").\n\n"
          "The simulator follows this kernel's zero page, CONFIG_PT_RECLAIM, THP settings and the\n"
          "read_ahead_kb of the disk holding $TMPDIR unless the scenario sets zero_page=,\n"
          "pt_reclaim=, thp=, thp.FILE= or readahead= (the first lines say what it found). The\n"
          "THP files the scenario sets are written for the run on this kernel (as root) and put\n"
          "back after it. meminfo is system-wide: readings are settled, a change counts only if\n"
          "a quiet window after it saw nothing move, and the real side runs again (up to 5\n"
          "times) until two runs agree; run it on a quiet machine.\n"
          "The rules are in docs/fidelity.md.\n\n"
          "  --quiet   print only the rows that differ or cannot be compared, and the verdict\n"
          "  --html OUT.html\n"
          "            also write the explorer page of vmlab run --html for the simulator's run,\n"
          "            with the kernel's measurements beside the simulator's at each measured\n"
          "            operation (faults, meminfo changes) and this table (docs/explain.md)\n\n"
          "Exit status: 0 no field differs, 1 a field differs or a run failed, 2 usage or\n"
          "syntax error.\n",
          out);
}

/* --quiet: only the rows that differ or cannot be compared, each under its headings. */
static void print_quiet(char *table)
{
    const char *proc = NULL, *section = NULL;
    bool in_differ = false;
    for (char *line = strtok(table, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "process", 7) == 0 || strncmp(line, "operation", 9) == 0 ||
            strncmp(line, "hugetlb", 7) == 0 || strncmp(line, "thp settings", 12) == 0) {
            proc = line;
            section = NULL;
            in_differ = false;
            continue;
        }
        if (strncmp(line, "  ", 2) == 0 && line[2] != ' ') {
            section = line;
            in_differ = false;
            continue;
        }
        bool show = strstr(line, "differs") || strstr(line, "not comparable") ||
                    (in_differ && strstr(line, "(linux)"));
        in_differ = strstr(line, "differs") != NULL;
        if (!show)
            continue;
        if (proc)
            puts(proc);
        if (section)
            puts(section);
        proc = section = NULL;
        puts(line);
    }
}

/* The THP files the scenario's machine line does not set take this kernel's values (the Linux
 * side runs with them; the files it sets are written there for the run, as root). A kernel value
 * the simulation does not model yet (defrag=always, khugepaged tuning, ...) is not the user's
 * request: the simulation keeps vmlab's default for that file and a note says so, since the
 * figures that depend on it may then differ. A value the scenario sets itself was checked when
 * the scenario was loaded. */
static int follow_thp(struct vml_scenario *s, bool quiet)
{
    struct vml_machine_cfg *m = &s->machine;
    struct vml_thp_settings k, def;
    uint32_t have = 0;
    struct vml_diag d = { 0 };
    int e = vml_host_thp(&k, &have, &d);
    if (e == VML_ENOENT) {
        /* A kernel without THP makes none: as enabled=never. */
        k.enabled = VML_THP_NEVER;
        if (!quiet)
            printf("note: this kernel has no transparent huge pages (%s): simulating "
                   "thp.enabled=never unless the scenario sets it\n",
                   d.msg);
    } else if (e) {
        return cli_error(EXIT_FAIL, "diff: this kernel's THP settings cannot be read: %s", d.msg);
    }
    vml_thp_defaults(&def);
    char list[512] = "", kept[512] = "";
    size_t n = 0, nk = 0;
    unsigned others = 0;
    for (size_t i = 0; i < vml_thp_nr_files(); i++) {
        char v[VML_THP_SHOW_MAX], dv[VML_THP_SHOW_MAX];
        vml_thp_value(&k, i, v);
        vml_thp_value(&def, i, dv);
        if (m->thp_given & (1u << i))
            continue;
        struct vml_thp_settings one = def;
        struct vml_diag why = { 0 };
        vml_thp_store(&one, i, v, strlen(v), NULL);
        if (vml_sim_thp_check(&one, &why)) {
            nk +=
                (size_t)snprintf(kept + nk, nk < sizeof(kept) ? sizeof(kept) - nk : 0,
                                 "%s%s=%s (simulating %s)", nk ? ", " : "", vml_thp_file(i), v, dv);
            continue;
        }
        if (i < 3 || strcmp(v, dv) != 0)
            n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s=%s",
                                  n ? " " : "", vml_thp_file(i), v);
        else
            others++;
        vml_thp_store(&m->thp, i, v, strlen(v), NULL);
    }
    if (vml_sim_thp_check(&m->thp, &d))
        return cli_error(EXIT_FAIL, "diff: the THP settings cannot be simulated: %s", d.msg);
    if (!quiet && e == 0)
        printf("note: this kernel's THP settings (%s%s) are simulated where the scenario does not "
               "set them\n",
               list, others ? ", the other files at vmlab's defaults" : "");
    if (!quiet && nk)
        printf("note: not simulated yet, so figures that depend on them may differ: %s (set the "
               "file on the machine line, machine thp.FILE=VALUE, to run both sides alike; vmlab "
               "writes it for the run as root)\n",
               kept);
    return 0;
}

/* The simulator follows this kernel's traits (does it map the shared zero page, does
 * MADV_DONTNEED free emptied page tables, its THP settings) unless the scenario names them: they
 * change the figures compared. A trait that cannot be probed is an error that says how to name
 * it. */
static int follow_kernel(struct vml_scenario *s, bool quiet)
{
    int te = follow_thp(s, quiet);
    if (te)
        return te;
    if (!(s->machine.given & VML_MCFG_ZERO_PAGE)) {
        bool uses_zero = true;
        int e = vml_host_zero_page(&uses_zero);
        if (e)
            return cli_error(EXIT_FAIL,
                             "diff: cannot tell whether this kernel maps the shared zero page "
                             "(%s); say it in the scenario: machine zero_page=on or off",
                             vml_strerror(e));
        s->machine.no_zero_page = !uses_zero;
        if (!quiet)
            printf("note: this kernel %s: simulating zero_page=%s\n",
                   uses_zero ? "maps the shared zero page" : "does not map the zero page",
                   uses_zero ? "on" : "off");
    }
    if (!(s->machine.given & VML_MCFG_PT_RECLAIM)) {
        bool reclaims = true;
        int e = vml_host_pt_reclaim(&reclaims);
        if (e)
            return cli_error(EXIT_FAIL,
                             "diff: cannot tell whether MADV_DONTNEED frees empty page tables on "
                             "this kernel (%s); say it in the scenario: machine pt_reclaim=on or "
                             "off",
                             vml_strerror(e));
        s->machine.no_pt_reclaim = !reclaims;
        if (!quiet)
            printf("note: this kernel %s: simulating pt_reclaim=%s\n",
                   reclaims ? "frees page tables that MADV_DONTNEED empties (CONFIG_PT_RECLAIM)"
                            : "keeps page tables that MADV_DONTNEED empties",
                   reclaims ? "on" : "off");
    }
    if (!(s->machine.given & VML_MCFG_READAHEAD)) {
        const char *tmp = getenv("TMPDIR");
        const char *dir = tmp && *tmp ? tmp : "/tmp";
        uint64_t bytes = 0;
        int e = vml_host_readahead(dir, &bytes);
        if (e == 0)
            s->machine.readahead_bytes = bytes;
        if (!quiet && e == 0)
            printf("note: files go to %s, whose disk reads ahead %llu kB "
                   "(read_ahead_kb): simulating readahead=%lluK\n",
                   dir, (unsigned long long)(bytes >> 10), (unsigned long long)(bytes >> 10));
        else if (e)
            printf("note: files go to %s, %s: simulating readahead=%lluK; page-cache "
                   "faults and Cached may differ (set TMPDIR to a directory on a disk)\n",
                   dir,
                   e == VML_EINVAL ? "which is on no block device (tmpfs, overlay or btrfs?)"
                                   : "whose disk's read_ahead_kb cannot be read",
                   (unsigned long long)(s->machine.readahead_bytes >> 10));
    }
    return 0;
}

/* The most runs of the scenario on the real kernel (see run()). */
#define DIFF_RUNS 5

/* Runs s on b; on failure prints the error naming the backend. */
static int run_on(const struct vml_scenario *s, struct vml_backend *b, struct vml_snapshot *snap,
                  const char *file, const struct vml_run_hooks *hooks)
{
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    struct vml_diag d = { 0 };
    int r = vml_run_hooked(s, b, VML_RUN_MEASURE, &out, &report, &res, snap, hooks, &d);
    if (r)
        cli_error(EXIT_FAIL, "diff: on %s: %s:%u:%u: %s", b->name, file, d.line, d.col, d.msg);
    vml_text_free(&out);
    vml_text_free(&report);
    return r;
}

static int run(int argc, char **argv)
{
    const char *file = NULL, *html = NULL;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "--html", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            html = v;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_error(EXIT_USAGE, "diff: unknown option '%s' (see vmlab help diff)",
                             argv[i]);
        else if (file)
            return cli_error(EXIT_USAGE, "diff: one scenario at a time");
        else
            file = argv[i];
    }
    if (!file)
        return cli_error(EXIT_USAGE, "diff: which scenario? usage: vmlab diff FILE");
    struct vml_scenario *s;
    int rc = cli_load_scenario(file, &s);
    if (rc)
        return rc;
    rc = follow_kernel(s, quiet);
    if (rc) {
        vml_scenario_free(s);
        return rc;
    }
    struct vml_backend sb, lb;
    struct vml_snapshot ss = { 0 }, ls = { 0 };
    struct cli_explorer *ex = NULL;
    struct cli_watch w = { 0 };
    struct vml_run_hooks h = { 0 };
    if (html) {
        char *src = cli_slurp(file);
        ex = w.e = cli_explorer_new(s, src);
        free(src);
        cli_watch_hooks(&w, &h);
    }
    int r = html && !ex ? cli_error(EXIT_FAIL, "diff: out of memory") : vml_backend_sim(&sb);
    if (r == 0) {
        r = run_on(s, &sb, &ss, file, html ? &h : NULL);
        struct vml_sim *sim = sb.sim(sb.ctx);
        if (sim)
            vml_sim_set_event_hook(sim, NULL, NULL);
        sb.destroy(sb.ctx);
    }
    /* The real kernel's side runs until every operation's meminfo change is one that two runs
     * measured (vml_snapshot_vote): at least twice, at most DIFF_RUNS times. */
    struct vml_snapshot runs[DIFF_RUNS] = { 0 };
    struct vml_snap_op *voted = NULL;
    unsigned n_runs = 0;
    while (r == 0 && n_runs < DIFF_RUNS && (r = vml_backend_linux(&lb)) == 0) {
        r = run_on(s, &lb, &runs[n_runs], file, NULL);
        lb.destroy(lb.ctx);
        if (r || ++n_runs < 2)
            continue;
        free(voted);
        voted = calloc(runs[0].n_ops ? runs[0].n_ops : 1, sizeof(*voted));
        if (!voted) {
            r = cli_error(EXIT_FAIL, "diff: out of memory");
            break;
        }
        if (vml_snapshot_vote(runs, n_runs, voted) == 0)
            break;
    }
    if (r == 0 && n_runs) {
        ls = runs[0];
        runs[0] = (struct vml_snapshot){ 0 };
        if (voted) {
            free(ls.ops);
            ls.ops = voted;
            voted = NULL;
        }
    }
    free(voted);
    for (unsigned k = 0; k < DIFF_RUNS; k++)
        vml_snapshot_free(&runs[k]);
    rc = r ? EXIT_FAIL : EXIT_OK;
    if (r == 0) {
        struct vml_text table = { 0 };
        unsigned compared, skipped;
        unsigned differ = vml_diff_snapshots(&ss, &ls, &table, &compared, &skipped);
        if (!quiet && table.len)
            fwrite(table.s, 1, table.len, stdout);
        else if (table.len)
            print_quiet(table.s);
        printf("%s: %s: %u fields compared, %u differ%s", file, differ ? "DIFFERS" : "same",
               compared, differ, skipped ? "" : "\n");
        if (skipped)
            printf(", %u not comparable (the table says why)\n", skipped);
        rc = differ ? EXIT_FAIL : EXIT_OK;
        if (ex) {
            cli_explorer_diff(ex, &ss, &ls, table.s ? table.s : "");
            if (cli_explorer_write(ex, html) != 0)
                rc = cli_error(EXIT_FAIL, "diff: cannot write %s: %s", html, strerror(errno));
        }
        vml_text_free(&table);
    }
    cli_explorer_free(ex);
    vml_snapshot_free(&ss);
    vml_snapshot_free(&ls);
    vml_scenario_free(s);
    return rc;
}

const struct cli_command cli_cmd_diff = {
    .name = "diff",
    .summary = "run a scenario on the simulator and on this kernel, compare every field",
    .run = run,
    .help = help,
};
