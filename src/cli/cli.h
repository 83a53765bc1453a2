/* cli/cli.h: subcommands of the vmlab command-line tool, a thin client of libvmlab.
 * Exit status: 0 ok, 1 failure, 2 usage or parse error. */
#ifndef VMLAB_CLI_H
#define VMLAB_CLI_H

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;               /* one line for vmlab --help */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    void (*help)(FILE *out);           /* full help for vmlab help NAME / NAME --help */
};

extern const struct cli_command cli_cmd_version, cli_cmd_va, cli_cmd_cpu, cli_cmd_demo, cli_cmd_run,
    cli_cmd_diff, cli_cmd_ps, cli_cmd_pmap, cli_cmd_oom, cli_cmd_meminfo, cli_cmd_replay,
    cli_cmd_trace, cli_cmd_cgroup, cli_cmd_sweep, cli_cmd_numastat;
extern const struct cli_command cli_cmd_policy, cli_cmd_learn;
extern const struct cli_command cli_cmd_mrc, cli_cmd_plot; /* issue 18 */

struct vml_scenario;
/* Reads and parses a scenario file ("-" for stdin); 0, or an exit status after a message. */
int cli_load_scenario(const char *file, struct vml_scenario **s);

struct vml_sim;
/* Writes the simulated /proc under dir (cli/export_proc.c); 0 or EXIT_FAIL after a message. */
int cli_export_proc(struct vml_sim *sim, const char *dir);

/* True if argv holds -h or --help. */
int cli_wants_help(int argc, char **argv);
/* Prints "vmlab: " and a formatted message to stderr; returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* All of stream f, NUL-terminated, *len (if not NULL) its length without the NUL; NULL with
 * errno set on a read error or when out of memory (cli/slurp.c). */
char *cli_read_all(FILE *f, size_t *len);
/* All of the file at path ("-": standard input), as cli_read_all; NULL with errno set. */
char *cli_slurp_file(const char *path, size_t *len);
/* A scenario file's text, for headings (NULL for "-", standard input, or on error; free it). */
char *cli_slurp(const char *file);

struct vml_diag;
/* Prints "vmlab: WHAT: FILE:LINE:COL: MSG" (the parts the diag has); returns code. */
int cli_diag_error(int code, const char *what, const struct vml_diag *d);

struct vml_text;
/* Appends s as a JSON string (escaped; invalid UTF-8 becomes U+FFFD). */
void cli_json_string(struct vml_text *t, const char *s);

/* Matches option `name` at argv[*i], as "--name VALUE" or "--name=VALUE". Returns 1 and sets
 * *value (advancing *i past a separate value), 0 if argv[*i] is another argument, -1 (after
 * printing an error) if the value is missing. */
int cli_opt(int argc, char **argv, int *i, const char *name, const char **value);

struct vml_cpu_model;
/* Parses a CPU spec (`--cpu` values, `cpu show`); on error prints it with a caret under the
 * offending column and returns EXIT_USAGE, else 0. */
int cli_parse_cpu(const char *spec, struct vml_cpu_model *out);

struct vml_mmu_stats;
/* Prints TLB, walk and cost counters as an aligned table. */
void cli_print_mmu_stats(FILE *out, const struct vml_cpu_model *m, const struct vml_mmu_stats *s);

#endif
