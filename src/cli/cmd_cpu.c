/* cli/cmd_cpu.c: vmlab cpu list | show: the CPU presets and their TLB geometry. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab cpu list\n"
          "       vmlab cpu show SPEC\n\n"
          "list   the CPU presets with their main TLB figures\n"
          "show   the full geometry of a preset or of a modified model: every TLB array (sets x\n"
          "       ways, page sizes), page-walk caches, latencies, features, TLB reach, sources\n\n"
          "SPEC is PRESET[:KEY=VALUE,...], e.g. skylake, zen4, or\n"
          "  skylake:stlb.4k+2m=2048x16,pwc.pd=64,lat.ref=30\n"
          "Keys: l1d|l1i|l2i|stlb.SIZES=ENTRIESxWAYS|ENTRIESxfull|none (SIZES: 4k, 2m, 1g joined\n"
          "by '+', or all); pwc.pml5|pml4|pdpt|pd=ENTRIES; lat.l1|stlb|walk|ref=CYCLES;\n"
          "pcid|la57|1g|smep|smap=on|off. See docs/cpu.md.\n",
          out);
}

/* Echoes the spec under an error with a caret at column col: bytes that are not printable
 * ASCII as \xNN, and a long spec as a window of SPEC_WINDOW bytes around the column with "..."
 * where it is cut, so the echo is always one short, safe line. */
#define SPEC_WINDOW 64

static void echo_spec(const char *spec, unsigned col)
{
    size_t len = strlen(spec), at = col - 1 < len ? col - 1 : len;
    size_t from = at > SPEC_WINDOW / 2 ? at - SPEC_WINDOW / 2 : 0;
    size_t to = from + SPEC_WINDOW < len ? from + SPEC_WINDOW : len;
    char line[4 * SPEC_WINDOW + 16];
    size_t n = 0, caret = 0;
    if (from > 0)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "...");
    for (size_t i = from; i < to; i++) {
        if (i == at)
            caret = n;
        unsigned char c = (unsigned char)spec[i];
        if (c >= 0x20 && c < 0x7f)
            line[n++] = (char)c;
        else
            n += (size_t)snprintf(line + n, sizeof(line) - n, "\\x%02x", c);
    }
    if (at >= to)
        caret = n;
    if (to < len)
        n += (size_t)snprintf(line + n, sizeof(line) - n, "...");
    line[n] = '\0';
    fprintf(stderr, "  %s\n  %*s^\n", line, (int)caret, "");
}

int cli_parse_cpu(const char *spec, struct vml_cpu_model *out)
{
    struct vml_diag d = { 0 };
    if (vml_cpu_model_parse(spec, out, &d) == 0)
        return 0;
    unsigned col = d.col ? d.col : 1;
    fprintf(stderr, "vmlab: bad CPU spec at column %u: %s\n", col, d.msg);
    echo_spec(spec, col);
    return EXIT_USAGE;
}

static unsigned level_entries(const struct vml_tlb_level_geom *g, unsigned ps)
{
    for (unsigned a = 0; a < g->nr_arrays; a++)
        if (g->arr[a].sizes & VML_PS_BIT(ps))
            return g->arr[a].sets * g->arr[a].ways;
    return 0;
}

static int list(void)
{
    printf("%-16s %8s %8s %8s %7s  %s\n", "NAME", "L1D 4K", "L1D 2M", "STLB 4K", "5-level",
           "DESCRIPTION");
    for (size_t i = 0; i < vml_cpu_preset_count(); i++) {
        const struct vml_cpu_model *m = vml_cpu_preset(i);
        printf("%-16s %8u %8u %8u %7s  %s\n", m->name,
               level_entries(&m->tlb[VML_TLB_L1D], VML_PS_4K),
               level_entries(&m->tlb[VML_TLB_L1D], VML_PS_2M),
               level_entries(&m->tlb[VML_TLB_STLB], VML_PS_4K), m->la57 ? "yes" : "no",
               m->description);
    }
    puts("\nvmlab cpu show NAME prints the full geometry; figures marked approximate there are\n"
         "not confirmed by a published source (see docs/cpu.md).");
    return EXIT_OK;
}

static int show(const char *spec)
{
    struct vml_cpu_model m;
    int r = cli_parse_cpu(spec, &m);
    if (r)
        return r;
    char *text = vml_cpu_model_describe(&m);
    if (!text)
        return cli_error(EXIT_FAIL, "out of memory");
    fputs(text, stdout);
    free(text);
    return EXIT_OK;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(EXIT_USAGE, "cpu: say list or show NAME (see vmlab cpu --help)");
    if (strcmp(argv[1], "list") == 0) {
        if (argc > 2)
            return cli_error(EXIT_USAGE, "cpu list takes no arguments");
        return list();
    }
    if (strcmp(argv[1], "show") == 0) {
        if (argc != 3)
            return cli_error(EXIT_USAGE, "cpu show needs one preset name or spec, e.g. "
                                         "vmlab cpu show skylake");
        return show(argv[2]);
    }
    return cli_error(EXIT_USAGE, "cpu: unknown subcommand '%s' (list or show)", argv[1]);
}

const struct cli_command cli_cmd_cpu = {
    .name = "cpu",
    .summary = "list CPU presets, show a TLB geometry",
    .run = run,
    .help = help,
};
