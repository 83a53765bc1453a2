/* cli/cmd_diff.c: vmlab diff FILE: a scenario on the simulator and on the real kernel, compared
 * field by field. */
#include "cli/cli.h"
#include "cli/explorer.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab diff FILE [--quiet] [--html OUT.html]\n"
          "                  [--record-linux OUT | --linux-results IN]\n\n"
          "Runs a scenario on the simulator and on this machine's kernel (vmlab run --on linux)\n"
          "and compares, field by field:\n"
          "  - per process, the status memory fields (VmSize, VmRSS, RssAnon, RssFile, RssShmem,\n"
          "    VmData, VmPTE ...) as changes since the process was created;\n"
          "  - per named mapping, every smaps field summed over its VMAs, the number of VMAs,\n"
          "    VmFlags, THPeligible and its mapped pages on each node (numa_maps' N<node>=);\n"
          "  - per operation, the minor and major faults of the process that did it, and the\n"
          "    change of meminfo AnonPages, Mapped, Shmem, Mlocked, Unevictable, Cached, Dirty;\n"
          "  - at each 'show thp', every THP file of /sys/kernel/mm/transparent_hugepage/;\n"
          "  - at each 'show memory_tiering', every memory_tierN/nodelist and\n"
          "    demotion_enabled line, byte for byte.\n"
          "Prints each field simulated, real and the difference, then a verdict. A field that\n"
          "cannot be compared exactly says why instead (\"not comparable: ...\").\n\n"
          "The simulator follows this kernel's zero page, CONFIG_PT_RECLAIM, THP settings and the\n"
          "read_ahead_kb of the disk holding $TMPDIR unless the scenario sets zero_page=,\n"
          "pt_reclaim=, thp=, thp.FILE= or readahead= (the first lines say what it found), and\n"
          "whether it marks VMAs soft-dirty and aligns anonymous mappings to 2 MiB. The\n"
          "THP files the scenario sets are written for the run on this kernel (as root) and put\n"
          "back after it. meminfo is system-wide: readings are settled, a change counts only if\n"
          "a quiet window after it saw nothing move, and the real side runs again (up to 5\n"
          "times) until two runs agree; run it on a quiet machine.\n"
          "The rules are in docs/fidelity.md.\n\n"
          "  --quiet   print only the rows that differ or cannot be compared, and the verdict\n"
          "  --record-linux OUT\n"
          "            run only the Linux side (the runs and the vote as above) and write it,\n"
          "            with the kernel's version and the traits the simulator follows, to OUT\n"
          "            (- for standard output): on a machine whose kernel is to be compared\n"
          "  --linux-results IN\n"
          "            take the Linux side from IN, recorded by --record-linux from this same\n"
          "            scenario text, instead of running it here: the simulator follows the\n"
          "            recorded kernel's traits, and the report names both kernels\n"
          "            (make fidelity-numa: a 2-node guest kernel under qemu)\n"
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
        /* A cgroup limit's bound that did not hold is why that process's rows differ. */
        bool show = strstr(line, "differs") || strstr(line, "not comparable") ||
                    (in_differ && strstr(line, "(linux)")) ||
                    (strstr(line, "(under a cgroup limit") && strstr(line, "not both within"));
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

/* This machine's kernel, probed: what vmlab diff follows (struct vml_kernel_traits). */
static void probe_kernel(struct vml_kernel_traits *k)
{
    memset(k, 0, sizeof(*k));
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(k->kernel, sizeof(k->kernel), "%s %s", u.release, u.version);
    else
        snprintf(k->kernel, sizeof(k->kernel), "unknown (uname failed)");
    struct vml_diag d = { 0 };
    vml_thp_defaults(&k->thp);
    k->thp_err = vml_host_thp(&k->thp, &k->thp_have, &d);
    if (k->thp_err)
        snprintf(k->thp_msg, sizeof(k->thp_msg), "%s", d.msg);
    k->zero_err = vml_host_zero_page(&k->zero_page);
    k->pt_reclaim_err = vml_host_pt_reclaim(&k->pt_reclaim);
    const char *tmp = getenv("TMPDIR");
    snprintf(k->tmpdir, sizeof(k->tmpdir), "%s", tmp && *tmp ? tmp : "/tmp");
    k->readahead_err = vml_host_readahead(k->tmpdir, &k->readahead_bytes);
    k->soft_dirty_err = vml_host_soft_dirty(&k->soft_dirty);
    k->anon_align_err = vml_host_anon_thp_align(&k->anon_align);
}

/* The THP files the scenario's machine line does not set take the kernel's values (the Linux
 * side runs with them; the files it sets are written there for the run, as root). A kernel value
 * the simulation does not model yet (defrag=always, khugepaged tuning, ...) is not the user's
 * request: the simulation keeps vmlab's default for that file and a note says so, since the
 * figures that depend on it may then differ. A value the scenario sets itself was checked when
 * the scenario was loaded. */
static int follow_thp(struct vml_scenario *s, const struct vml_kernel_traits *kt, const char *who,
                      bool quiet)
{
    struct vml_machine_cfg *m = &s->machine;
    struct vml_thp_settings k = kt->thp, def;
    struct vml_diag d = { 0 };
    if (kt->thp_err == VML_ENOENT) {
        /* A kernel without THP makes none: as enabled=never. */
        k.enabled = VML_THP_NEVER;
        if (!quiet)
            printf("note: %s has no transparent huge pages (%s): simulating "
                   "thp.enabled=never unless the scenario sets it\n",
                   who, kt->thp_msg);
    } else if (kt->thp_err) {
        return cli_error(EXIT_FAIL, "diff: the kernel's THP settings cannot be read: %s",
                         kt->thp_msg);
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
    if (!quiet && kt->thp_err == 0)
        printf("note: %s's THP settings (%s%s) are simulated where the scenario does not "
               "set them\n",
               who, list, others ? ", the other files at vmlab's defaults" : "");
    if (!quiet && nk)
        printf("note: not simulated yet, so figures that depend on them may differ: %s (set the "
               "file on the machine line, machine thp.FILE=VALUE, to run both sides alike; vmlab "
               "writes it for the run as root)\n",
               kept);
    return 0;
}

/* The simulator follows the kernel's traits (does it map the shared zero page, does
 * MADV_DONTNEED free emptied page tables, its THP settings) unless the scenario names them: they
 * change the figures compared. A trait that could not be probed is an error that says how to
 * name it. k is this machine's kernel, or the one whose results were recorded elsewhere. */
static int follow_kernel(struct vml_scenario *s, const struct vml_kernel_traits *k, const char *who,
                         bool quiet)
{
    int te = follow_thp(s, k, who, quiet);
    if (te)
        return te;
    if (!(s->machine.given & VML_MCFG_ZERO_PAGE)) {
        if (k->zero_err)
            return cli_error(EXIT_FAIL,
                             "diff: cannot tell whether the kernel maps the shared zero page "
                             "(%s); say it in the scenario: machine zero_page=on or off",
                             vml_strerror(k->zero_err));
        s->machine.no_zero_page = !k->zero_page;
        if (!quiet)
            printf("note: %s %s: simulating zero_page=%s\n", who,
                   k->zero_page ? "maps the shared zero page" : "does not map the zero page",
                   k->zero_page ? "on" : "off");
    }
    if (!(s->machine.given & VML_MCFG_PT_RECLAIM)) {
        if (k->pt_reclaim_err)
            return cli_error(EXIT_FAIL,
                             "diff: cannot tell whether MADV_DONTNEED frees empty page tables on "
                             "the kernel (%s); say it in the scenario: machine pt_reclaim=on or "
                             "off",
                             vml_strerror(k->pt_reclaim_err));
        s->machine.no_pt_reclaim = !k->pt_reclaim;
        if (!quiet)
            printf("note: %s %s: simulating pt_reclaim=%s\n", who,
                   k->pt_reclaim
                       ? "frees page tables that MADV_DONTNEED empties (CONFIG_PT_RECLAIM)"
                       : "keeps page tables that MADV_DONTNEED empties",
                   k->pt_reclaim ? "on" : "off");
    }
    /* Traits without a machine key: off unless the kernel has them (6.18 here has neither soft
     * dirty nor, from 6.7 on, unaligned anonymous mappings); a failed probe keeps the default,
     * with a note, since only a few figures depend on it. */
    if (k->soft_dirty_err && !quiet)
        printf("note: cannot tell whether %s marks new VMAs soft-dirty (%s): simulating without "
               "(VmFlags may differ by \"sd\")\n",
               who, vml_strerror(k->soft_dirty_err));
    s->machine.soft_dirty = !k->soft_dirty_err && k->soft_dirty;
    if (s->machine.soft_dirty && !quiet)
        printf("note: %s marks every new VMA soft-dirty (CONFIG_MEM_SOFT_DIRTY): simulating "
               "VmFlags \"sd\"\n",
               who);
    if (k->anon_align_err && !quiet)
        printf("note: cannot tell whether %s aligns anonymous mappings to 2 MiB (%s): simulating "
               "as 6.18 does\n",
               who, vml_strerror(k->anon_align_err));
    s->machine.no_anon_thp_align = !k->anon_align_err && !k->anon_align;
    if (s->machine.no_anon_thp_align && !quiet)
        printf("note: %s does not align anonymous mappings of whole 2 MiB units to 2 MiB (before "
               "6.7): simulating the same\n",
               who);
    if (!(s->machine.given & VML_MCFG_READAHEAD)) {
        int e = k->readahead_err;
        uint64_t bytes = k->readahead_bytes;
        if (e == 0)
            s->machine.readahead_bytes = bytes;
        if (!quiet && e == 0)
            printf("note: files go to %s, whose disk reads ahead %llu kB "
                   "(read_ahead_kb): simulating readahead=%lluK\n",
                   k->tmpdir, (unsigned long long)(bytes >> 10), (unsigned long long)(bytes >> 10));
        else if (e)
            printf("note: files go to %s, %s: simulating readahead=%lluK; page-cache "
                   "faults and Cached may differ (set TMPDIR to a directory on a disk)\n",
                   k->tmpdir,
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

/* The whole of a file, NUL-terminated; NULL after a message. */
static char *slurp(const char *path, size_t *len)
{
    char *buf = cli_slurp_file(path, len);
    if (!buf)
        cli_error(EXIT_FAIL, "diff: cannot read %s: %s", path, strerror(errno));
    return buf;
}

/* The Linux side: runs s on this kernel until every operation's meminfo change is one that two
 * runs measured (vml_snapshot_vote): at least twice, at most DIFF_RUNS times. ls gets the voted
 * end state, *n_runs the runs made. */
static int run_linux(const struct vml_scenario *s, const char *file, struct vml_snapshot *ls,
                     unsigned *n_out)
{
    struct vml_backend lb;
    struct vml_snapshot runs[DIFF_RUNS] = { 0 };
    struct vml_snap_op *voted = NULL;
    unsigned n_runs = 0;
    int r = 0;
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
        *ls = runs[0];
        runs[0] = (struct vml_snapshot){ 0 };
        if (voted) {
            free(ls->ops);
            ls->ops = voted;
            voted = NULL;
        }
    }
    free(voted);
    for (unsigned k = 0; k < DIFF_RUNS; k++)
        vml_snapshot_free(&runs[k]);
    *n_out = n_runs;
    return r;
}

/* --record-linux OUT: the Linux side only, with the kernel's traits, written for a later
 * --linux-results on another machine (scripts/qemu-numa.sh records in a guest kernel). */
static int record_linux(struct vml_scenario *s, const char *file, const char *text, size_t len,
                        const char *out_path, bool quiet)
{
    struct vml_linux_results res;
    memset(&res, 0, sizeof(res));
    snprintf(res.scenario, sizeof(res.scenario), "%s", file);
    res.hash = vml_results_hash(text, len);
    probe_kernel(&res.k);
    int rc = follow_kernel(s, &res.k, "this kernel", quiet);
    if (rc == 0 && run_linux(s, file, &res.snap, &res.runs))
        rc = EXIT_FAIL;
    if (rc == 0) {
        struct vml_text t = { 0 };
        FILE *f = NULL;
        if (vml_results_format(&res, &t) != 0)
            rc = cli_error(EXIT_FAIL, "diff: out of memory");
        else if (strcmp(out_path, "-") != 0 && !(f = fopen(out_path, "w")))
            rc = cli_error(EXIT_FAIL, "diff: cannot write %s: %s", out_path, strerror(errno));
        if (rc == 0) {
            FILE *o = f ? f : stdout;
            bool bad = fwrite(t.s, 1, t.len, o) != t.len || fflush(o) != 0;
            if (f && fclose(f) != 0)
                bad = true;
            if (bad)
                rc = cli_error(EXIT_FAIL, "diff: cannot write %s", out_path);
        }
        if (rc == 0 && f)
            printf("%s: the Linux side recorded to %s (%u runs on %s)\n", file, out_path, res.runs,
                   res.k.kernel);
        vml_text_free(&t);
    }
    vml_results_free(&res);
    return rc;
}

/* --linux-results IN: the Linux side as recorded; refused unless it was recorded from this very
 * scenario text. */
static int load_results(const char *path, const char *file, const char *text, size_t len,
                        struct vml_linux_results *res)
{
    size_t n = 0;
    char *buf = slurp(path, &n);
    if (!buf)
        return EXIT_FAIL;
    struct vml_diag d = { 0 };
    int e = vml_results_parse(buf, n, res, &d);
    free(buf);
    if (e == VML_EPARSE)
        return cli_error(EXIT_FAIL, "diff: %s:%u:%u: %s", path, d.line, d.col, d.msg);
    if (e)
        return cli_error(EXIT_FAIL, "diff: cannot read %s: %s", path, vml_strerror(e));
    if (res->hash != vml_results_hash(text, len))
        return cli_error(EXIT_FAIL,
                         "diff: %s was recorded from another text of the scenario (%s) than %s "
                         "now holds: record it again",
                         path, res->scenario, file);
    return 0;
}

static int run(int argc, char **argv)
{
    const char *file = NULL, *record = NULL, *results = NULL, *html = NULL;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "--html", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0) {
            html = v;
            continue;
        }
        m = cli_opt(argc, argv, &i, "--record-linux", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0) {
            record = v;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--linux-results", &v)) < 0)
            return EXIT_USAGE;
        if (m > 0) {
            results = v;
            continue;
        }
        if (strcmp(argv[i], "--quiet") == 0)
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
    if (record && results)
        return cli_error(EXIT_USAGE, "diff: --record-linux and --linux-results are the two "
                                     "halves of one diff: give one of them");
    if (record && html)
        return cli_error(EXIT_USAGE, "diff: --record-linux runs only the Linux side: no --html "
                                     "with it (give --html to the diff that reads the results)");
    struct vml_scenario *s;
    int rc = cli_load_scenario(file, &s);
    if (rc)
        return rc;
    size_t len = 0;
    char *text = NULL;
    if ((record || results) && !(text = slurp(file, &len))) {
        vml_scenario_free(s);
        return EXIT_FAIL;
    }
    if (record) {
        rc = record_linux(s, file, text, len, record, quiet || strcmp(record, "-") == 0);
        free(text);
        vml_scenario_free(s);
        return rc;
    }
    struct vml_linux_results res;
    memset(&res, 0, sizeof(res));
    if (results)
        rc = load_results(results, file, text, len, &res);
    else
        probe_kernel(&res.k);
    free(text);
    if (rc == 0 && results && !quiet) {
        struct vml_kernel_traits here;
        struct utsname u;
        if (uname(&u) == 0)
            snprintf(here.kernel, sizeof(here.kernel), "%s %s", u.release, u.version);
        else
            snprintf(here.kernel, sizeof(here.kernel), "unknown");
        printf("note: the Linux side was recorded on kernel %s (%u runs; %s); this machine's "
               "kernel is %s\n",
               res.k.kernel, res.runs, results, here.kernel);
    }
    if (rc == 0)
        rc = follow_kernel(s, &res.k, results ? "the recorded kernel" : "this kernel", quiet);
    if (rc) {
        vml_results_free(&res);
        vml_scenario_free(s);
        return rc;
    }
    struct vml_backend sb;
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
    unsigned n_runs = 0;
    if (r == 0 && results) {
        ls = res.snap;
        res.snap = (struct vml_snapshot){ 0 };
        /* The limit is the scenario's (its largest memory.max), not the kernel's, and the
         * results were recorded from this very text (the hash): without it here every rule
         * under a cgroup's limit would be off for recorded results. */
        ls.memcg_max_kb = ss.memcg_max_kb;
    } else if (r == 0) {
        r = run_linux(s, file, &ls, &n_runs);
    }
    const char *rss_why = vml_kernel_rss_why_not(res.k.kernel);
    if (rss_why)
        snprintf(ls.rss_why_not, sizeof(ls.rss_why_not), "%s", rss_why);
    ls.enoent_is_efault = vml_kernel_move_pages_efault(res.k.kernel);
    vml_results_free(&res);
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
