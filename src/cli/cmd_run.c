/* cli/cmd_run.c: vmlab run FILE: runs a scenario on the simulator. */
#include "cli/cli.h"
#include "cli/explorer.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab run FILE [--on sim|linux] [--summary] [--latency] [--export-proc DIR]\n"
          "                 [--check] [--explain[=brief|all]] [--html OUT.html]\n\n"
          "Runs a scenario (see docs/scenario.md) on the simulated machine, or with --on linux on\n"
          "the real kernel, and prints what its 'show' lines ask for, in the kernel's /proc\n"
          "formats. 'expect' lines check fields; each failing one is reported on stderr as\n"
          "FILE:LINE with both values. FILE '-' reads standard input.\n\n"
          "  --on linux         real processes do the scenario's system calls and accesses (one\n"
          "                     per scenario process; files in a private temporary directory);\n"
          "                     process-wide files include vmlab's own memory in them\n"
          "  --summary          after the run, one line per live process: VSZ, RSS, PSS, USS\n"
          "                     (Private_Clean + Private_Dirty) and swap in kB, summed over\n"
          "                     its smaps blocks as smem does, then the totals\n"
          "  --latency          after the run, one line per live process: its accesses' time\n"
          "                     (p50, p90, p99, p99.9, max, in ns), its major faults and their\n"
          "                     trend over time (show P latency, docs/latency.md)\n"
          "  --export-proc DIR  after the run, write the simulated /proc as DIR/proc/meminfo,\n"
          "                     DIR/proc/PID/smaps ... for tools such as 'smem -S DIR', and its\n"
          "                     memory cgroups as DIR/sys/fs/cgroup (v2) and\n"
          "                     DIR/sys-v1/fs/cgroup/memory (v1), for vmlab oom, cgroup and ps\n"
          "                     with --sys, and its NUMA nodes' files as\n"
          "                     DIR/sys/devices/system/node/nodeN/ (docs/numa.md)\n"
          "  --check            verify the simulator's invariants after every operation\n"
          "                     (frames conserved, mapcounts, RSS, TLBs, PSS); slower\n"
          "  --explain          after each operation, what the simulated kernel and hardware\n"
          "                     did, in sentences: each fault (what was there, the frame, the\n"
          "                     entry written and its table, RSS, TLB), COW copies, THP faults,\n"
          "                     PMD splits, swap-out, reclaim, OOM kills; the first 8 faults\n"
          "                     of an operation in full, the rest counted (docs/explain.md)\n"
          "  --explain=brief    one line per operation: its counts\n"
          "  --explain=all      every fault in full, however many\n"
          "  --html OUT.html    also write an explorer of the run: one self-contained page (no\n"
          "                     network) with a slider over the operations and, at each step,\n"
          "                     the VMAs, the page-table tree, each CPU's TLB, the physical\n"
          "                     frames by use and the /proc files with the changes marked\n\n"
          "Exit status: 0 every expect held, 1 an expect failed or the run stopped on an error\n"
          "(a failing system call, a range outside its mapping), 2 usage or syntax error.\n",
          out);
}

/* Per-process memory, smem's columns. */
static void print_summary(struct vml_sim *sim, bool blank_first)
{
    size_t n = vml_sim_pids(sim, NULL, 0);
    int *pids = malloc((n ? n : 1) * sizeof(*pids));
    if (!pids)
        return;
    vml_sim_pids(sim, pids, n);
    uint64_t tot[5] = { 0 };
    printf("%s  PID Name                 VSZ kB     RSS kB     PSS kB     USS kB    Swap kB\n",
           blank_first ? "\n" : "");
    for (size_t i = 0; i < n; i++) {
        struct vml_smaps_counts c;
        struct vml_status_mem st;
        vml_sim_smaps_sum(sim, pids[i], &c);
        vml_sim_status_mem(sim, pids[i], &st);
        uint64_t v[5] = { st.vm_size, c.rss, c.pss, c.private_clean + c.private_dirty, c.swap };
        printf("%5d %-16s", pids[i], vml_sim_comm(sim, pids[i]));
        for (int k = 0; k < 5; k++) {
            printf(" %10llu", (unsigned long long)v[k]);
            tot[k] += v[k];
        }
        putchar('\n');
    }
    printf("%5zu %-16s", n, n == 1 ? "process" : "processes"); /* smem's totals row */
    for (int k = 0; k < 5; k++)
        printf(" %10llu", (unsigned long long)tot[k]);
    putchar('\n');
    const struct vml_sim_stats *st = vml_sim_stats(sim);
    printf("TLB: %llu flushes, %llu shootdown IPIs to other CPUs running the same process\n",
           (unsigned long long)st->tlb_flushes, (unsigned long long)st->tlb_shootdowns);
    free(pids);
}

/* Per-process access latency (`show P latency` in one line each). */
static void print_latency(struct vml_sim *sim, bool blank_first)
{
    size_t n = vml_sim_pids(sim, NULL, 0);
    int *pids = malloc((n ? n : 1) * sizeof(*pids));
    struct vml_latency_record *r = malloc(sizeof(*r));
    if (!pids || !r) {
        free(pids);
        free(r);
        return;
    }
    vml_sim_pids(sim, pids, n);
    static const uint64_t qs[] = { 50000, 90000, 99000, 99900 };
    printf("%s  PID Name               Accesses   p50 ns   p90 ns   p99 ns p99.9 ns   max ns "
           "Majflt Trend\n",
           blank_first ? "\n" : "");
    for (size_t i = 0; i < n; i++) {
        if (vml_sim_latency(sim, pids[i], r) != 0)
            continue;
        printf("%5d %-16s %10llu", pids[i], vml_sim_comm(sim, pids[i]),
               (unsigned long long)r->count);
        for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++)
            printf(" %8llu", (unsigned long long)vml_latency_quantile(r, qs[k]));
        printf(" %8llu %6llu ", (unsigned long long)r->max_ns, (unsigned long long)r->majors);
        /* The trend line of `show P latency`. */
        struct vml_text t = { 0 };
        const char *line = NULL;
        if (vml_proc_format_latency(r, &t) == 0 && t.s && (line = strstr(t.s, "Trend:\t")))
            fwrite(line + 7, 1, strcspn(line + 7, "\n"), stdout);
        vml_text_free(&t);
        putchar('\n');
    }
    free(r);
    free(pids);
}

int cli_load_scenario(const char *file, struct vml_scenario **s)
{
    struct vml_diag d = { 0 };
    int r = vml_scenario_load(file, s, &d);
    if (r == VML_EPARSE)
        return cli_error(EXIT_USAGE, "%s:%u:%u: %s", file, d.line, d.col, d.msg);
    if (r)
        return cli_error(EXIT_FAIL, "cannot read %s: %s", file, d.msg);
    return 0;
}

char *cli_slurp(const char *file)
{
    return strcmp(file, "-") == 0 ? NULL : cli_slurp_file(file, NULL);
}

/* A run watched operation by operation: sentences (xmode non-NULL) and/or the HTML explorer. */
static int run_watched(const char *file, const struct vml_scenario *s, unsigned flags,
                       const enum vml_explain_mode *xmode, const char *html, struct vml_text *out,
                       struct vml_text *report, struct vml_run_result *res, struct vml_sim **sim,
                       struct vml_diag *d, int *html_failed)
{
    struct vml_backend b;
    int r = vml_backend_sim(&b);
    if (r)
        return r;
    char *src = cli_slurp(file);
    struct vml_explain *x = xmode ? vml_explain_new(*xmode, src) : NULL;
    struct cli_explorer *e = html ? cli_explorer_new(s, src) : NULL;
    struct cli_watch w = { .x = x, .e = e };
    struct vml_run_hooks h = { 0 };
    cli_watch_hooks(&w, &h);
    if ((xmode && !x) || (html && !e))
        r = VML_ENOMEM;
    else
        r = vml_run_hooked(s, &b, flags, out, report, res, NULL, &h, d);
    *sim = b.sim(b.ctx);
    if (*sim)
        vml_sim_set_event_hook(*sim, NULL, NULL); /* the explainer goes before the machine */
    vml_backend_sim_release(&b);
    if (r == 0 && e && cli_explorer_write(e, html) != 0)
        *html_failed = cli_error(EXIT_FAIL, "run: cannot write %s: %s", html, strerror(errno));
    cli_explorer_free(e);
    vml_explain_free(x);
    free(src);
    return r;
}

static int run(int argc, char **argv)
{
    const char *file = NULL, *export_dir = NULL, *html = NULL;
    bool explain = false;
    enum vml_explain_mode xmode = VML_EXPLAIN_FULL;
    unsigned flags = 0;
    bool summary = false, latency = false, on_linux = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "--export-proc", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0) {
            export_dir = v;
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--on", &v)) < 0)
            return EXIT_USAGE;
        if (m > 0) {
            if (strcmp(v, "linux") == 0)
                on_linux = true;
            else if (strcmp(v, "sim") != 0)
                return cli_error(EXIT_USAGE, "run: --on %s: the backends are sim and linux", v);
            continue;
        }
        if ((m = cli_opt(argc, argv, &i, "--html", &v)) < 0)
            return EXIT_USAGE;
        if (m > 0) {
            html = v;
            continue;
        }
        if (strncmp(argv[i], "--explain", 9) == 0 && (argv[i][9] == 0 || argv[i][9] == '=')) {
            const char *mode = argv[i][9] ? argv[i] + 10 : NULL;
            if (vml_explain_mode_parse(mode, &xmode) != 0)
                return cli_error(EXIT_USAGE, "run: --explain=%s: the modes are brief and all",
                                 mode);
            explain = true;
        } else if (strcmp(argv[i], "--check") == 0) {
            flags |= VML_RUN_CHECK;
        } else if (strcmp(argv[i], "--summary") == 0) {
            summary = true;
        } else if (strcmp(argv[i], "--latency") == 0) {
            latency = true;
        } else if (argv[i][0] == '-' && argv[i][1] != 0) {
            return cli_error(EXIT_USAGE, "run: unknown option '%s' (see vmlab help run)", argv[i]);
        } else if (file) {
            return cli_error(EXIT_USAGE, "run: one scenario at a time ('%s' and '%s')", file,
                             argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!file)
        return cli_error(EXIT_USAGE, "run: which scenario? usage: vmlab run FILE");
    if (on_linux && (summary || export_dir || (flags & VML_RUN_CHECK)))
        return cli_error(EXIT_USAGE, "run: --summary, --export-proc and --check are for the "
                                     "simulator; on linux, the real /proc is the truth");
    if (on_linux && (explain || html))
        return cli_error(EXIT_USAGE, "run: --explain and --html read the simulator's events; "
                                     "the real kernel's are not visible");
    if (on_linux && latency)
        return cli_error(EXIT_USAGE, "run: --latency is the simulator's model of every access; "
                                     "on linux, show P faults times the accesses that fault");
    struct vml_scenario *s;
    int r = cli_load_scenario(file, &s);
    if (r)
        return r;
    struct vml_diag d = { 0 };
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    struct vml_sim *sim = NULL;
    int html_failed = 0;
    if (on_linux) {
        struct vml_backend b;
        r = vml_backend_linux(&b);
        if (r == 0) {
            r = vml_run(s, &b, flags, &out, &report, &res, NULL, &d);
            b.destroy(b.ctx);
        }
    } else if (explain || html) {
        r = run_watched(file, s, flags, explain ? &xmode : NULL, html, &out, &report, &res, &sim,
                        &d, &html_failed);
    } else {
        r = vml_run_scenario(s, flags, &out, &report, &res, &sim, &d);
    }
    if (out.len)
        fwrite(out.s, 1, out.len, stdout);
    fflush(stdout);
    if (report.len)
        fwrite(report.s, 1, report.len, stderr);
    int rc = EXIT_OK;
    if (r) {
        rc = cli_error(EXIT_FAIL, "%s:%u:%u: %s", file, d.line, d.col, d.msg);
    } else if (res.failed) {
        fprintf(stderr, "vmlab: %u of %u expects failed\n", res.failed, res.expects);
        rc = EXIT_FAIL;
    }
    if (r == 0 && res.skipped)
        fprintf(stderr, "vmlab: %u of %u expects not checked on this backend (the reasons above)\n",
                res.skipped, res.expects);
    if (r == 0 && summary)
        print_summary(sim, out.len > 0);
    if (r == 0 && latency)
        print_latency(sim, out.len > 0 || summary);
    if (r == 0 && export_dir && cli_export_proc(sim, export_dir) != 0)
        rc = EXIT_FAIL;
    if (html_failed)
        rc = EXIT_FAIL;
    vml_text_free(&out);
    vml_text_free(&report);
    vml_sim_destroy(sim);
    vml_scenario_free(s);
    return rc;
}

const struct cli_command cli_cmd_run = {
    .name = "run",
    .summary = "run a scenario on the simulator and print the /proc files it shows",
    .run = run,
    .help = help,
};
