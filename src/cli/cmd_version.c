/* cli/cmd_version.c: vmlab version. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

static void help(FILE *out)
{
    fputs("Usage: vmlab version\n\n"
          "Prints vmlab's version and the library's.\n",
          out);
}

static int run(int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_error(EXIT_USAGE, "version takes no arguments (see vmlab version --help)");
    printf("vmlab %s (libvmlab %s)\n", VML_VERSION_STRING, vml_version());
    return EXIT_OK;
}

const struct cli_command cli_cmd_version = {
    .name = "version",
    .summary = "print the version",
    .run = run,
    .help = help,
};
