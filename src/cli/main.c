/* cli/main.c: vmlab's entry point: dispatches to subcommands and prints the overall help. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <stdarg.h>
#include <string.h>

/* Left as written: commands added on different branches then merge line by line. */
/* clang-format off */
static const struct cli_command *commands[] = {
    &cli_cmd_version, &cli_cmd_va,    &cli_cmd_cpu,    &cli_cmd_demo, &cli_cmd_run,
    &cli_cmd_diff,    &cli_cmd_ps,    &cli_cmd_pmap,   &cli_cmd_oom,  &cli_cmd_meminfo,
    &cli_cmd_cgroup,  &cli_cmd_numastat,
    &cli_cmd_trace,   &cli_cmd_replay,
    &cli_cmd_mrc,     &cli_cmd_plot,
    &cli_cmd_sweep,
    &cli_cmd_policy,  &cli_cmd_learn,
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) /* "--": a command's args */
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("vmlab: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

int cli_diag_error(int code, const char *what, const struct vml_diag *d)
{
    if (d->file && d->line)
        return cli_error(code, "%s: %s:%u:%u: %s", what, d->file, d->line, d->col, d->msg);
    if (d->file)
        return cli_error(code, "%s: %s: %s", what, d->file, d->msg);
    return cli_error(code, "%s: %s", what, d->msg);
}

int cli_opt(int argc, char **argv, int *i, const char *name, const char **value)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_error(EXIT_USAGE, "option %s needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

static void usage(FILE *out)
{
    fprintf(out, "vmlab %s: a laboratory for virtual memory on Linux/x86-64\n\n", vml_version());
    fputs("Usage: vmlab COMMAND [ARGS...]\n"
          "       vmlab help COMMAND | vmlab COMMAND --help\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < NR_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\nSizes accept K, M, G, T suffixes (binary); addresses accept 0x hex.\n"
          "Exit status: 0 success, 1 failure, 2 usage or parse error.\n",
          out);
}

static const struct cli_command *find(const char *name)
{
    for (size_t i = 0; i < NR_COMMANDS; i++)
        if (strcmp(commands[i]->name, name) == 0)
            return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
        name = "version";
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return EXIT_OK;
        }
        const struct cli_command *c = find(argv[2]);
        if (!c)
            return cli_error(EXIT_USAGE, "no command '%s' (see vmlab --help)", argv[2]);
        c->help(stdout);
        return EXIT_OK;
    }
    const struct cli_command *c = find(name);
    if (!c)
        return cli_error(EXIT_USAGE, "unknown command '%s' (see vmlab --help)", name);
    if (cli_wants_help(argc - 1, argv + 1)) {
        c->help(stdout);
        return EXIT_OK;
    }
    return c->run(argc - 1, argv + 1);
}
