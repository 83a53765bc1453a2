/* cli/cmd_sweep.c: vmlab sweep: a grid of replays, run on every core or as a Slurm job array.
 *
 * The spec (vmlab/sweep.h) names the points. Each point is one `vmlab replay ... --json` run by
 * this same binary in a child process, its report kept in DIR/points/P.json (written under a
 * temporary name, renamed when the replay ends), so a sweep that stops can resume: points with
 * a report are not run again. Merging joins the reports in point order into DIR/results.jsonl
 * (each report as replay printed it, with the point's axis values) and DIR/results.csv (every
 * counter flattened to a column), so the result does not depend on which process or which Slurm
 * task ran which point, or in what order: a local run and a Slurm run give the same bytes.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/sweep_flat.h"

#include "vmlab/vmlab.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab sweep SPEC -o DIR [--jobs N] [--quiet]\n"
          "       vmlab sweep SPEC --slurm DIR [--chunk K]\n"
          "       vmlab sweep SPEC -o DIR --task I --chunk K [--jobs N]\n"
          "       vmlab sweep merge DIR\n\n"
          "Replays every combination of the traces, CPU models, page sizes and paging levels a\n"
          "spec file names, one `vmlab replay --json` per point, and joins the reports into\n"
          "DIR/results.csv (one row per point, every counter a column) and DIR/results.jsonl\n"
          "(one line per point: its axis values and replay's report as replay prints it).\n\n"
          "SPEC, one key and its values per line ('#' comments; a key may repeat; a value with\n"
          "spaces in double quotes):\n"
          "  trace   FILE or gen:PATTERN...   traces (FILE relative to SPEC's directory)\n"
          "  cpu     SPEC...     CPU models as --cpu takes them (default skylake)\n"
          "  pages   4k 2m 1g thp:always thp:madvise thp:never   (default 4k)\n"
          "  paging  4 5         page-table levels (default 4)\n"
          "  option  --cpus N --ram SIZE --zero-page on|off --limit N --format F\n"
          "Points are numbered from 0 in the order trace, cpu, pages, paging (paging changes\n"
          "fastest).\n\n"
          "  -o DIR       run the points here, as many at once as --jobs says, then merge. Points\n"
          "               whose report DIR already holds are not run again (resume); DIR may\n"
          "               not hold another spec's sweep\n"
          "  --jobs N     replays at once (default: the online CPUs)\n"
          "  --quiet      no progress line (shown on a terminal: points, rate, percent, ETA)\n"
          "  --slurm DIR  write DIR/sweep.sbatch, a Slurm job array of one task per chunk of\n"
          "               points (sbatch DIR/sweep.sbatch), and run nothing; when every task\n"
          "               has ended, vmlab sweep merge DIR joins their reports\n"
          "  --chunk K    points per Slurm task (default: 1 task per point up to 1000 tasks)\n"
          "  --task I     run only the points of task I (points I*K to I*K+K-1), do not merge:\n"
          "               what each array task of sweep.sbatch runs\n\n"
          "  merge DIR    joins DIR's reports into results.csv and results.jsonl; fails naming\n"
          "               the points that have none yet\n\n"
          "A point whose replay fails (a bad trace file, say) is reported with replay's error\n"
          "(kept in DIR/points/P.err) and the sweep exits 1 after running the others; run it\n"
          "again once fixed and only the failed points run. Same spec, same results, byte for\n"
          "byte, however many jobs or tasks ran them.\n"
          "Exit status: 0 done, 1 a point failed or a file could not be written, 2 usage or\n"
          "spec error.\n",
          out);
}

/* ---- files -------------------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *nb = realloc(b, cap *= 2);
        if (!nb) {
            free(b);
            b = NULL;
        } else {
            b = nb;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        return NULL;
    }
    *len = n;
    return b;
}

/* Writes data to path through a temporary file renamed into place. */
static int write_file(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.part%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return -1;
    bool ok = fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    return cli_error(EXIT_FAIL, "sweep: cannot create %s: %s", path, strerror(errno));
}

/* ---- the spec ----------------------------------------------------------------------------- */

struct spec {
    struct vml_sweep *s;
    char *text;
    size_t len;
    char dir[PATH_MAX]; /* the spec's directory, absolute: the replays run there */
    char path[PATH_MAX];
};

static int load_spec(const char *file, struct spec *sp)
{
    memset(sp, 0, sizeof(*sp));
    if (!(sp->text = slurp(file, &sp->len)))
        return cli_error(EXIT_USAGE, "sweep: cannot read %s: %s", file, strerror(errno));
    struct vml_diag d = { 0 };
    int e = vml_sweep_parse(sp->text, sp->len, file, &sp->s, &d);
    if (e) {
        free(sp->text);
        return cli_diag_error(e == VML_EPARSE ? EXIT_USAGE : EXIT_FAIL, "sweep", &d);
    }
    if (!realpath(file, sp->path)) {
        vml_sweep_free(sp->s);
        free(sp->text);
        return cli_error(EXIT_FAIL, "sweep: %s: %s", file, strerror(errno));
    }
    snprintf(sp->dir, sizeof(sp->dir), "%s", sp->path);
    char *slash = strrchr(sp->dir, '/');
    if (slash == sp->dir)
        slash[1] = 0;
    else
        *slash = 0;
    return 0;
}

static void free_spec(struct spec *sp)
{
    vml_sweep_free(sp->s);
    free(sp->text);
}

/* Makes DIR and DIR/points, and keeps a copy of the spec in DIR/sweep.spec; a DIR that holds
 * another spec's sweep is refused (its reports would be mixed with this one's). */
static int prepare_dir(const char *dir, const struct spec *sp)
{
    char p[PATH_MAX + 32];
    if (make_dir(dir))
        return EXIT_FAIL;
    snprintf(p, sizeof(p), "%s/points", dir);
    if (make_dir(p))
        return EXIT_FAIL;
    snprintf(p, sizeof(p), "%s/sweep.spec", dir);
    size_t len;
    char *old = slurp(p, &len);
    if (old) {
        bool same = len == sp->len && memcmp(old, sp->text, len) == 0;
        free(old);
        if (!same)
            return cli_error(EXIT_USAGE,
                             "sweep: %s holds the results of another spec (%s differs from "
                             "%s): give another -o DIR, or remove it",
                             dir, p, sp->path);
        return 0;
    }
    if (write_file(p, sp->text, sp->len))
        return cli_error(EXIT_FAIL, "sweep: cannot write %s: %s", p, strerror(errno));
    return 0;
}

/* ---- running points ----------------------------------------------------------------------- */

struct job {
    pid_t pid;
    uint64_t point;
};

static void point_path(char *buf, size_t len, const char *dir, uint64_t p, const char *ext)
{
    snprintf(buf, len, "%s/points/%llu%s", dir, (unsigned long long)p, ext);
}

/* Starts point p's replay in a child; its pid, or -1 after a message. */
static pid_t start(const struct spec *sp, const char *dir, uint64_t p, const char *self)
{
    char out[PATH_MAX + 64], err[PATH_MAX + 64];
    point_path(out, sizeof(out), dir, p, "");
    size_t n = strlen(out);
    snprintf(out + n, sizeof(out) - n, ".json.part%ld", (long)getpid());
    point_path(err, sizeof(err), dir, p, ".err");
    size_t argc = vml_sweep_argc(sp->s);
    const char **argv = calloc(argc + 6, sizeof(*argv));
    if (!argv) {
        cli_error(EXIT_FAIL, "sweep: out of host memory");
        return -1;
    }
    argv[0] = "vmlab";
    argv[1] = "replay";
    vml_sweep_argv(sp->s, p, argv + 2);
    argv[argc + 2] = "--json";
    argv[argc + 3] = "--quiet";
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int fo = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        int fe = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0 || chdir(sp->dir) != 0)
            _exit(126);
        execv(self, (char *const *)argv);
        _exit(127);
    }
    free(argv);
    if (pid < 0)
        cli_error(EXIT_FAIL, "sweep: cannot fork: %s", strerror(errno));
    return pid;
}

/* A child ended: keeps its report (replay's exit 0, or 3: a report of a replay stopped early),
 * or reports its error. Returns true if the point has a report. */
static bool finish(const char *dir, uint64_t p, pid_t pid, int status)
{
    char part[PATH_MAX + 96], json[PATH_MAX + 64], err[PATH_MAX + 64];
    point_path(json, sizeof(json), dir, p, ".json");
    snprintf(part, sizeof(part), "%s.part%ld", json, (long)getpid());
    point_path(err, sizeof(err), dir, p, ".err");
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    (void)pid;
    if ((code == 0 || code == 3) && rename(part, json) == 0) {
        unlink(err);
        return true;
    }
    unlink(part);
    size_t len = 0;
    char *msg = slurp(err, &len);
    while (msg && len && (msg[len - 1] == '\n'))
        len--;
    if (WIFSIGNALED(status))
        fprintf(stderr, "vmlab: sweep: point %llu: the replay was killed by signal %d\n",
                (unsigned long long)p, WTERMSIG(status));
    else
        fprintf(stderr, "vmlab: sweep: point %llu failed (exit %d): %.*s\n", (unsigned long long)p,
                code, (int)len, msg ? msg : "");
    free(msg);
    return false;
}

/* Runs points [lo, hi) that have no report yet, jobs at a time. Returns 0 or EXIT_FAIL. */
static int run_points(const struct spec *sp, const char *dir, uint64_t lo, uint64_t hi,
                      unsigned jobs, bool quiet, uint64_t *ran, uint64_t *had)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return cli_error(EXIT_FAIL, "sweep: cannot find this program (/proc/self/exe): %s",
                         strerror(errno));
    self[n] = 0;
    struct job *run = calloc(jobs, sizeof(*run));
    if (!run)
        return cli_error(EXIT_FAIL, "sweep: out of host memory");
    uint64_t todo = 0;
    for (uint64_t p = lo; p < hi; p++) {
        char json[PATH_MAX + 64];
        point_path(json, sizeof(json), dir, p, ".json");
        if (exists(json))
            (*had)++;
        else
            todo++;
    }
    struct cli_progress pg;
    cli_progress_start(&pg, "sweep", "points", todo, quiet);
    unsigned live = 0;
    uint64_t next = lo, done = 0, failed = 0;
    int rc = 0;
    for (;;) {
        while (!rc && live < jobs && next < hi) {
            uint64_t p = next++;
            char json[PATH_MAX + 64];
            point_path(json, sizeof(json), dir, p, ".json");
            if (exists(json))
                continue;
            pid_t pid = start(sp, dir, p, self);
            if (pid < 0) {
                rc = EXIT_FAIL;
                break;
            }
            unsigned slot = 0;
            while (run[slot].pid)
                slot++;
            run[slot] = (struct job){ pid, p };
            live++;
        }
        if (!live)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            rc = cli_error(EXIT_FAIL, "sweep: wait: %s", strerror(errno));
            break;
        }
        for (unsigned k = 0; k < jobs; k++) {
            if (run[k].pid != pid)
                continue;
            if (finish(dir, run[k].point, pid, status))
                (*ran)++;
            else
                failed++;
            run[k].pid = 0;
            live--;
            cli_progress_update(&pg, ++done);
        }
    }
    cli_progress_end(&pg);
    free(run);
    if (!rc && failed)
        rc = cli_error(EXIT_FAIL,
                       "sweep: %llu point%s failed (errors above, and in %s/points/*.err); run "
                       "the sweep again once fixed: only those points run",
                       (unsigned long long)failed, failed == 1 ? "" : "s", dir);
    return rc;
}

/* ---- merging ------------------------------------------------------------------------------ */

struct columns {
    char **name;
    size_t n, cap;
};

static long column_of(const struct columns *c, const char *key)
{
    for (size_t i = c->n; i-- > 0;)
        if (strcmp(c->name[i], key) == 0)
            return (long)i;
    return -1;
}

static int add_column(struct columns *c, const char *key)
{
    if (column_of(c, key) >= 0)
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 128;
        char **v = realloc(c->name, cap * sizeof(*v));
        if (!v)
            return -1;
        c->name = v;
        c->cap = cap;
    }
    if (!(c->name[c->n] = strdup(key)))
        return -1;
    c->n++;
    return 0;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
static void csv_field(struct vml_text *t, const char *v)
{
    if (!strpbrk(v, ",\"\n\r")) {
        vml_text_printf(t, "%s", v);
        return;
    }
    vml_text_printf(t, "\"");
    for (; *v; v++)
        vml_text_printf(t, *v == '"' ? "\"\"" : "%c", *v);
    vml_text_printf(t, "\"");
}

/* replay's own top-level keys that the axis columns already give. */
static bool axis_key(const char *k)
{
    return !strcmp(k, "trace") || !strcmp(k, "cpu") || !strcmp(k, "pages") || !strcmp(k, "paging");
}

static int merge(const struct spec *sp, const char *dir)
{
    uint64_t n = vml_sweep_points(sp->s), missing = 0;
    char path[PATH_MAX + 64];
    for (uint64_t p = 0; p < n; p++) {
        point_path(path, sizeof(path), dir, p, ".json");
        if (!exists(path)) {
            if (missing < 10)
                fprintf(stderr, "vmlab: sweep merge: point %llu has no report (%s)\n",
                        (unsigned long long)p, path);
            missing++;
        }
    }
    if (missing)
        return cli_error(EXIT_FAIL,
                         "sweep merge: %llu of %llu points have no report yet: wait for the "
                         "remaining Slurm tasks, or run them here with vmlab sweep %s -o %s",
                         (unsigned long long)missing, (unsigned long long)n, sp->path, dir);
    struct sweep_flat *rows = calloc(n, sizeof(*rows));
    struct columns cols = { 0 };
    struct vml_text jl = { 0 }, csv = { 0 };
    int rc = rows ? 0 : cli_error(EXIT_FAIL, "sweep merge: out of host memory");
    for (uint64_t p = 0; !rc && p < n; p++) {
        point_path(path, sizeof(path), dir, p, ".json");
        size_t len;
        char *text = slurp(path, &len), err[200];
        if (!text) {
            rc = cli_error(EXIT_FAIL, "sweep merge: cannot read %s: %s", path, strerror(errno));
            break;
        }
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        if (sweep_flatten(text, len, &rows[p], err, sizeof(err))) {
            free(text);
            rc = cli_error(EXIT_FAIL,
                           "sweep merge: %s:%s (not a replay report: remove it and run the "
                           "sweep again to redo that point)",
                           path, err);
            break;
        }
        struct vml_sweep_point pt;
        vml_sweep_point(sp->s, p, &pt);
        vml_text_printf(&jl, "{\"point\":%llu", (unsigned long long)p);
        for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++) {
            vml_text_printf(&jl, ",\"%s\":", vml_sweep_axis_name((enum vml_sweep_axis)a));
            cli_json_string(&jl, pt.value[a]);
        }
        vml_text_printf(&jl, ",\"replay\":%.*s}\n", (int)len, text);
        free(text);
        for (size_t i = 0; i < rows[p].n; i++)
            if (!axis_key(rows[p].key[i]) && add_column(&cols, rows[p].key[i]))
                rc = cli_error(EXIT_FAIL, "sweep merge: out of host memory");
    }
    if (!rc) {
        vml_text_printf(&csv, "point");
        for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++)
            vml_text_printf(&csv, ",%s", vml_sweep_axis_name((enum vml_sweep_axis)a));
        for (size_t c = 0; c < cols.n; c++) {
            vml_text_printf(&csv, ",");
            csv_field(&csv, cols.name[c]);
        }
        vml_text_printf(&csv, "\n");
        const char **val = calloc(cols.n + 1, sizeof(*val));
        for (uint64_t p = 0; val && p < n; p++) {
            struct vml_sweep_point pt;
            vml_sweep_point(sp->s, p, &pt);
            vml_text_printf(&csv, "%llu", (unsigned long long)p);
            for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++) {
                vml_text_printf(&csv, ",");
                csv_field(&csv, pt.value[a]);
            }
            for (size_t c = 0; c < cols.n; c++)
                val[c] = "";
            for (size_t i = 0; i < rows[p].n; i++) {
                long c = axis_key(rows[p].key[i]) ? -1 : column_of(&cols, rows[p].key[i]);
                if (c >= 0)
                    val[c] = rows[p].val[i];
            }
            for (size_t c = 0; c < cols.n; c++) {
                vml_text_printf(&csv, ",");
                csv_field(&csv, val[c]);
            }
            vml_text_printf(&csv, "\n");
        }
        if (!val)
            rc = cli_error(EXIT_FAIL, "sweep merge: out of host memory");
        free(val);
    }
    if (!rc && (jl.oom || csv.oom))
        rc = cli_error(EXIT_FAIL, "sweep merge: out of host memory");
    char out[PATH_MAX + 32];
    if (!rc) {
        snprintf(out, sizeof(out), "%s/results.jsonl", dir);
        if (write_file(out, jl.s, jl.len))
            rc = cli_error(EXIT_FAIL, "sweep merge: cannot write %s: %s", out, strerror(errno));
    }
    if (!rc) {
        snprintf(out, sizeof(out), "%s/results.csv", dir);
        if (write_file(out, csv.s, csv.len))
            rc = cli_error(EXIT_FAIL, "sweep merge: cannot write %s: %s", out, strerror(errno));
    }
    if (!rc)
        fprintf(stderr,
                "vmlab: sweep: %llu points, %zu columns: %s/results.csv and %s/results.jsonl\n",
                (unsigned long long)n, cols.n + 1 + VML_SWEEP_NR_AXES, dir, dir);
    for (uint64_t p = 0; rows && p < n; p++)
        sweep_flat_free(&rows[p]);
    free(rows);
    for (size_t c = 0; c < cols.n; c++)
        free(cols.name[c]);
    free(cols.name);
    vml_text_free(&jl);
    vml_text_free(&csv);
    return rc;
}

/* ---- Slurm -------------------------------------------------------------------------------- */

/* Single-quotes s for the shell. */
static void sh_quote(struct vml_text *t, const char *s)
{
    vml_text_printf(t, "'");
    for (; *s; s++)
        vml_text_printf(t, *s == '\'' ? "'\\''" : "%c", *s);
    vml_text_printf(t, "'");
}

static int write_slurm(const struct spec *sp, const char *dir, uint64_t chunk)
{
    char self[PATH_MAX], adir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return cli_error(EXIT_FAIL, "sweep: cannot find this program (/proc/self/exe): %s",
                         strerror(errno));
    self[n] = 0;
    if (!realpath(dir, adir))
        return cli_error(EXIT_FAIL, "sweep: %s: %s", dir, strerror(errno));
    uint64_t points = vml_sweep_points(sp->s);
    if (!chunk)
        chunk = (points + 999) / 1000;
    uint64_t tasks = (points + chunk - 1) / chunk;
    char logs[PATH_MAX + 16];
    snprintf(logs, sizeof(logs), "%s/slurm", adir);
    if (make_dir(logs))
        return EXIT_FAIL;
    struct vml_text t = { 0 };
    vml_text_printf(&t,
                    "#!/bin/sh\n"
                    "# vmlab sweep of %s: %llu points, %llu per task.\n"
                    "# Submit with: sbatch %s/sweep.sbatch\n"
                    "# When every task has ended: vmlab sweep merge %s\n"
                    "#SBATCH --job-name=vmlab-sweep\n"
                    "#SBATCH --array=0-%llu\n"
                    "#SBATCH --ntasks=1\n"
                    "#SBATCH --cpus-per-task=1\n"
                    "#SBATCH --output=%s/slurm/%%A_%%a.out\n"
                    "exec ",
                    sp->path, (unsigned long long)points, (unsigned long long)chunk, adir, adir,
                    (unsigned long long)(tasks - 1), adir);
    sh_quote(&t, self);
    vml_text_printf(&t, " sweep ");
    sh_quote(&t, sp->path);
    vml_text_printf(&t, " -o ");
    sh_quote(&t, adir);
    vml_text_printf(&t, " --task \"$SLURM_ARRAY_TASK_ID\" --chunk %llu --jobs 1 --quiet\n",
                    (unsigned long long)chunk);
    char out[PATH_MAX + 32];
    snprintf(out, sizeof(out), "%s/sweep.sbatch", adir);
    int rc = 0;
    if (t.oom)
        rc = cli_error(EXIT_FAIL, "sweep: out of host memory");
    else if (write_file(out, t.s, t.len) || chmod(out, 0755))
        rc = cli_error(EXIT_FAIL, "sweep: cannot write %s: %s", out, strerror(errno));
    else
        printf("%s: %llu points in %llu array tasks of %llu\n"
               "submit:  sbatch %s\n"
               "then:    vmlab sweep merge %s\n",
               out, (unsigned long long)points, (unsigned long long)tasks,
               (unsigned long long)chunk, out, adir);
    vml_text_free(&t);
    return rc;
}

/* ---- the command -------------------------------------------------------------------------- */

static int count_opt(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    struct vml_diag d;
    if (vml_parse_u64(v, out, &d) || *out > max)
        return cli_error(EXIT_USAGE, "sweep: %s %s: expected a whole number up to %llu", opt, v,
                         (unsigned long long)max);
    return 0;
}

static int cmd_merge(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-')
        return cli_error(EXIT_USAGE, "sweep merge: which directory? (vmlab sweep merge DIR)");
    char spec[PATH_MAX + 32];
    snprintf(spec, sizeof(spec), "%s/sweep.spec", argv[2]);
    if (!exists(spec))
        return cli_error(EXIT_USAGE,
                         "sweep merge: %s holds no sweep (no sweep.spec): give the DIR of "
                         "vmlab sweep SPEC -o DIR or --slurm DIR",
                         argv[2]);
    struct spec sp;
    int rc = load_spec(spec, &sp);
    if (rc)
        return rc;
    rc = merge(&sp, argv[2]);
    free_spec(&sp);
    return rc;
}

static int run(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return cmd_merge(argc, argv);
    const char *specf = NULL, *dir = NULL, *slurm = NULL;
    uint64_t jobs = 0, chunk = 0, task = UINT64_MAX;
    bool quiet = false, have_chunk = false;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "-o", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            dir = v;
        } else if ((m = cli_opt(argc, argv, &i, "--slurm", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            slurm = v;
        } else if ((m = cli_opt(argc, argv, &i, "--jobs", &v)) != 0) {
            if (m < 0 || count_opt("--jobs", v, 1024, &jobs))
                return EXIT_USAGE;
            if (!jobs)
                return cli_error(EXIT_USAGE, "sweep: --jobs 0: at least one replay at a time");
        } else if ((m = cli_opt(argc, argv, &i, "--chunk", &v)) != 0) {
            if (m < 0 || count_opt("--chunk", v, 1000000, &chunk))
                return EXIT_USAGE;
            if (!chunk)
                return cli_error(EXIT_USAGE, "sweep: --chunk 0: at least one point per task");
            have_chunk = true;
        } else if ((m = cli_opt(argc, argv, &i, "--task", &v)) != 0) {
            if (m < 0 || count_opt("--task", v, 1000000, &task))
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "sweep: unknown option '%s' (see vmlab sweep --help)",
                             argv[i]);
        } else if (specf) {
            return cli_error(EXIT_USAGE, "sweep: one spec at a time");
        } else {
            specf = argv[i];
        }
    }
    if (!specf)
        return cli_error(EXIT_USAGE, "sweep: which spec? (vmlab sweep SPEC -o DIR)");
    if (!dir == !slurm)
        return cli_error(EXIT_USAGE, "sweep: give -o DIR (run here) or --slurm DIR (write a Slurm "
                                     "job array), one of them");
    if (slurm && (task != UINT64_MAX || jobs))
        return cli_error(EXIT_USAGE, "sweep: --slurm runs nothing: no --task or --jobs with it");
    if ((task != UINT64_MAX) != have_chunk && !slurm)
        return cli_error(EXIT_USAGE, "sweep: --task I and --chunk K go together");
    struct spec sp;
    int rc = load_spec(specf, &sp);
    if (rc)
        return rc;
    uint64_t points = vml_sweep_points(sp.s);
    if (slurm) {
        rc = prepare_dir(slurm, &sp);
        if (!rc)
            rc = write_slurm(&sp, slurm, chunk);
        free_spec(&sp);
        return rc;
    }
    uint64_t lo = 0, hi = points;
    if (task != UINT64_MAX) {
        lo = task * chunk;
        if (lo >= points) {
            free_spec(&sp);
            return cli_error(EXIT_USAGE,
                             "sweep: --task %llu: the sweep has %llu points, %llu "
                             "tasks of %llu",
                             (unsigned long long)task, (unsigned long long)points,
                             (unsigned long long)((points + chunk - 1) / chunk),
                             (unsigned long long)chunk);
        }
        hi = lo + chunk < points ? lo + chunk : points;
    }
    if (!jobs) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = c > 0 ? (uint64_t)c : 1;
    }
    rc = prepare_dir(dir, &sp);
    uint64_t ran = 0, had = 0;
    if (!rc)
        rc = run_points(&sp, dir, lo, hi, (unsigned)jobs, quiet, &ran, &had);
    if (!rc && had && !quiet)
        fprintf(stderr, "vmlab: sweep: %llu point%s already had a report (not run again)\n",
                (unsigned long long)had, had == 1 ? "" : "s");
    if (!rc && task == UINT64_MAX)
        rc = merge(&sp, dir);
    free_spec(&sp);
    return rc;
}

const struct cli_command cli_cmd_sweep = {
    .name = "sweep",
    .summary = "a grid of replays (traces x CPUs x page sizes x paging) on every core or Slurm",
    .run = run,
    .help = help,
};
