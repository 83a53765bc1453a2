/* cli/cmd_diff.c: vmlab diff FILE: a scenario on the simulator and on the real kernel, compared
 * field by field. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab diff FILE [--quiet]\n\n"
          "Runs a scenario twice, on the simulator and on this machine's kernel (vmlab run --on\n"
          "linux), and compares the end states: for every process and every named mapping, each\n"
          "smaps field summed over the mapping's VMAs and the number of VMAs; for every process,\n"
          "the status memory fields as changes since the process was created (on Linux they\n"
          "also hold vmlab's own memory). Prints each field simulated, real and the difference,\n"
          "then a verdict. The simulator follows the kernel's zero-page behaviour unless the\n"
          "scenario sets zero_page=. The rules are in docs/fidelity.md.\n\n"
          "  --quiet   print only the verdict line (and the differing fields)\n\n"
          "Exit status: 0 no field differs, 1 a field differs or a run failed, 2 usage or\n"
          "syntax error.\n",
          out);
}

/* Runs s on b; on failure prints the error naming the backend. */
static int run_on(const struct vml_scenario *s, struct vml_backend *b, struct vml_snapshot *snap,
                  const char *file)
{
    struct vml_text out = { 0 }, report = { 0 };
    struct vml_run_result res;
    struct vml_diag d = { 0 };
    int r = vml_run(s, b, 0, &out, &report, &res, snap, &d);
    if (r)
        cli_error(EXIT_FAIL, "diff: on %s: %s:%u:%u: %s", b->name, file, d.line, d.col, d.msg);
    vml_text_free(&out);
    vml_text_free(&report);
    return r;
}

static int run(int argc, char **argv)
{
    const char *file = NULL;
    bool quiet = false;
    for (int i = 1; i < argc; i++) {
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
    struct vml_scenario *s;
    int rc = cli_load_scenario(file, &s);
    if (rc)
        return rc;
    /* The simulator follows this kernel's zero-page behaviour unless the scenario says. */
    bool uses_zero = true;
    if (!(s->machine.given & VML_MCFG_ZERO_PAGE) && vml_host_zero_page(&uses_zero) == 0 &&
        !uses_zero) {
        s->machine.no_zero_page = true;
        if (!quiet)
            printf("note: this kernel does not map the zero page: simulating zero_page=off\n");
    }
    struct vml_backend sb, lb;
    struct vml_snapshot ss = { 0 }, ls = { 0 };
    int r = vml_backend_sim(&sb);
    if (r == 0) {
        r = run_on(s, &sb, &ss, file);
        sb.destroy(sb.ctx);
    }
    if (r == 0 && (r = vml_backend_linux(&lb)) == 0) {
        r = run_on(s, &lb, &ls, file);
        lb.destroy(lb.ctx);
    }
    rc = r ? EXIT_FAIL : EXIT_OK;
    if (r == 0) {
        struct vml_text table = { 0 };
        unsigned compared, skipped;
        unsigned differ = vml_diff_snapshots(&ss, &ls, &table, &compared, &skipped);
        if (!quiet && table.len)
            fwrite(table.s, 1, table.len, stdout);
        else if (differ && table.len) /* only the differing rows and their headings */
            for (char *line = strtok(table.s, "\n"); line; line = strtok(NULL, "\n"))
                if (strstr(line, "differs") || strncmp(line, "process", 7) == 0 ||
                    strncmp(line, "  mapping", 9) == 0)
                    puts(line);
        printf("%s: %s: %u fields compared, %u differ%s", file, differ ? "DIFFERS" : "same",
               compared, differ, skipped ? "" : "\n");
        if (skipped)
            printf(", %u mapping%s not comparable\n", skipped, skipped == 1 ? "" : "s");
        vml_text_free(&table);
        rc = differ ? EXIT_FAIL : EXIT_OK;
    }
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
