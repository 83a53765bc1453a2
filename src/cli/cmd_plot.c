/* cli/cmd_plot.c: vmlab plot (stub while being written). */
#include "cli/cli.h"

static void help(FILE *out)
{
    fputs("Usage: vmlab plot KIND ...\n", out);
}

static int run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return EXIT_USAGE;
}

const struct cli_command cli_cmd_plot = {
    .name = "plot",
    .summary = "pictures (PNG, SVG) of miss-ratio curves, TLB reach, time series, sweeps",
    .run = run,
    .help = help,
};
