/* cli/cmd_plot.c: vmlab plot KIND: PNG and SVG pictures through gnuplot (docs/plot.md).
 *
 * Each kind reads its input (CSV through util/csv.c, or the CPU presets), writes gnuplot a
 * data file (one block per series, "# series NAME" before each) and a script into a
 * directory (a temporary one, or --keep DIR), and runs gnuplot on the script. gnuplot draws
 * PNG with its cairo terminal and SVG with its svg terminal, chosen by the output's suffix.
 */
#include "cli/cli.h"

#include "vmlab/csv.h"
#include "vmlab/vmlab.h"

#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void help(FILE *out)
{
    fputs("Usage: vmlab plot mrc CSV -o OUT [OPTIONS]\n"
          "       vmlab plot reach [CPU...] -o OUT [OPTIONS]\n"
          "       vmlab plot series CSV [--y COL[,COL...]] -o OUT [OPTIONS]\n"
          "       vmlab plot sweep CSV --x COL --y COL [--series COL] [--logx] [--logy] -o OUT\n\n"
          "Draws a picture with gnuplot (Debian: gnuplot-nox; scripts/bootstrap.sh installs it):\n"
          "  mrc     miss-ratio curves from `vmlab mrc --csv`: miss ratio against TLB entries\n"
          "          (log scale), one line per curve, TLB reach (entries x page size) on the\n"
          "          top axis\n"
          "  reach   TLB reach of CPU models (default: every preset): the L1 dTLB's and the\n"
          "          STLB's, per page size, log scale\n"
          "  series  a `vmlab replay --interval N --series FILE` time series: the chosen\n"
          "          columns (default cycles_per_translation) against records replayed\n"
          "  sweep   any CSV: a metric (--y) against an axis (--x), one line per value of\n"
          "          --series (e.g. one per trace); rows in file order, sorted by x per line\n\n"
          "  -o OUT           the picture: OUT.png (cairo) or OUT.svg\n"
          "  --title T        a title (default: what is drawn and from which file)\n"
          "  --size WxH       pixels (default 800x500; 100..10000 each)\n"
          "  --keep DIR       keep gnuplot's data file (DIR/data.dat) and script (DIR/plot.gp)\n"
          "  --logx, --logy   (sweep) log scales\n\n"
          "A CSV has a header line naming its columns; a bad file is reported as FILE:LINE:COL.\n"
          "Exit status: 0 drawn; 1 gnuplot is missing or failed, or a file cannot be read or\n"
          "written; 2 usage error or bad input.\n",
          out);
}

struct opts {
    const char *kind, *input, *output, *title, *keep, *x, *y, *series;
    const char *cpus[32];
    unsigned nr_cpus;
    unsigned width, height;
    bool logx, logy, svg;
};

/* A gnuplot string: single quotes, a quote doubled, control bytes dropped. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else if (c >= 0x20)
            fputc(c, f);
    }
    fputc('\'', f);
}

static int load_csv(const char *path, struct vml_csv *c)
{
    size_t len;
    char *data = cli_slurp_file(path, &len);
    if (!data)
        return cli_error(EXIT_FAIL, "plot: cannot read '%.200s': %s", path, strerror(errno));
    struct vml_diag d = { 0 };
    int e = vml_csv_parse(data, len, path, c, &d);
    free(data);
    if (e)
        return cli_diag_error(e == VML_EPARSE ? EXIT_USAGE : EXIT_FAIL, "plot", &d);
    if (c->nrows == 0) {
        vml_csv_free(c);
        return cli_error(EXIT_USAGE, "plot: %.200s: no data rows under the header", path);
    }
    return 0;
}

/* The column named name, or EXIT_USAGE after a message listing the columns. */
static int need_column(const struct vml_csv *c, const char *path, const char *name, long *out)
{
    *out = vml_csv_column(c, name);
    if (*out >= 0)
        return 0;
    char cols[400] = "";
    size_t n = 0;
    for (size_t k = 0; k < c->ncols && n < sizeof(cols) - 1; k++)
        n += (size_t)snprintf(cols + n, sizeof(cols) - n, "%s%.60s", k ? ", " : "", c->cells[k].s);
    return cli_error(EXIT_USAGE, "plot: %.200s:1:1: no column '%.80s' (columns: %s)", path, name,
                     cols);
}

static int number(const struct vml_csv *c, const char *path, size_t row, long col, double *v)
{
    struct vml_diag d = { 0 };
    if (vml_csv_number(c, row, (size_t)col, path, v, &d))
        return cli_diag_error(EXIT_USAGE, "plot", &d);
    return 0;
}

/* The common head of every script: terminal, output, title. */
static void script_head(FILE *gp, const struct opts *o, const char *title)
{
    if (o->svg)
        fprintf(gp, "set terminal svg size %u,%u fixed background rgb 'white'\n", o->width,
                o->height);
    else
        fprintf(gp, "set terminal pngcairo size %u,%u\n", o->width, o->height);
    fputs("set output ", gp);
    gp_string(gp, o->output);
    fputs("\nset title ", gp);
    gp_string(gp, o->title ? o->title : title);
    fputs("\nset grid\nset key outside right top\nset datafile missing '?'\n", gp);
}

/* A series: a name and points. */
struct series {
    char *name;
    double *x, *y;
    size_t n, cap;
};

struct plot {
    struct series *s;
    size_t n;
};

static struct series *series_get(struct plot *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->s[i].name, name) == 0)
            return &p->s[i];
    struct series *s = realloc(p->s, (p->n + 1) * sizeof(*s));
    if (!s)
        return NULL;
    p->s = s;
    struct series *x = &p->s[p->n];
    memset(x, 0, sizeof(*x));
    x->name = strdup(name);
    if (!x->name)
        return NULL;
    p->n++;
    return x;
}

static bool series_add(struct series *s, double x, double y)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        double *a = realloc(s->x, cap * sizeof(double));
        if (!a)
            return false;
        s->x = a;
        double *b = realloc(s->y, cap * sizeof(double));
        if (!b)
            return false;
        s->y = b;
        s->cap = cap;
    }
    s->x[s->n] = x;
    s->y[s->n++] = y;
    return true;
}

static void plot_free(struct plot *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->s[i].name);
        free(p->s[i].x);
        free(p->s[i].y);
    }
    free(p->s);
}

/* Sorts a series by x (insertion sort on a copy of pairs: series are short). */
static void series_sort(struct series *s)
{
    for (size_t i = 1; i < s->n; i++) {
        double x = s->x[i], y = s->y[i];
        size_t j = i;
        while (j && s->x[j - 1] > x) {
            s->x[j] = s->x[j - 1];
            s->y[j] = s->y[j - 1];
            j--;
        }
        s->x[j] = x;
        s->y[j] = y;
    }
}

/* The data file: a block per series, two blank lines apart (gnuplot's index). */
static int write_data(const char *path, const struct plot *p)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return cli_error(EXIT_FAIL, "plot: cannot write '%.200s': %s", path, strerror(errno));
    for (size_t i = 0; i < p->n; i++) {
        fprintf(f, "%s# series %s\n", i ? "\n\n" : "", p->s[i].name);
        for (size_t k = 0; k < p->s[i].n; k++)
            fprintf(f, "%.10g %.10g\n", p->s[i].x[k], p->s[i].y[k]);
    }
    if (fclose(f) != 0)
        return cli_error(EXIT_FAIL, "plot: cannot write '%.200s'", path);
    return 0;
}

/* plot 'data.dat' index 0 ... one line per series. */
static void plot_lines(FILE *gp, const struct plot *p, const char *data, const char *style)
{
    fputs("plot ", gp);
    for (size_t i = 0; i < p->n; i++) {
        fputs(i ? ", \\\n     " : "", gp);
        gp_string(gp, data);
        fprintf(gp, " index %zu using 1:2 with %s title ", i, style);
        gp_string(gp, p->s[i].name);
    }
    fputc('\n', gp);
}

static uint64_t page_bytes(const char *ps)
{
    if (strcmp(ps, "2M") == 0)
        return 2ull << 20;
    if (strcmp(ps, "1G") == 0)
        return 1ull << 30;
    return 4096;
}

static int kind_mrc(const struct opts *o, FILE *gp, const char *data)
{
    struct vml_csv c;
    int rc = load_csv(o->input, &c);
    if (rc)
        return rc;
    long cc, cp, ce, cr;
    struct plot p = { 0 };
    if ((rc = need_column(&c, o->input, "curve", &cc)) ||
        (rc = need_column(&c, o->input, "page_size", &cp)) ||
        (rc = need_column(&c, o->input, "entries", &ce)) ||
        (rc = need_column(&c, o->input, "miss_ratio", &cr)))
        goto out;
    const char *ps = NULL;
    for (size_t r = 0; r < c.nrows && !rc; r++) {
        double e, m;
        if ((rc = number(&c, o->input, r, ce, &e)) || (rc = number(&c, o->input, r, cr, &m)))
            break;
        if (e <= 0) {
            const struct vml_csv_cell *x = vml_csv_at(&c, r, (size_t)ce);
            rc = cli_error(EXIT_USAGE, "plot: %.200s:%u:%u: entries must be at least 1", o->input,
                           x->line, x->col);
            break;
        }
        const char *name = vml_csv_at(&c, r, (size_t)cc)->s;
        const char *size = vml_csv_at(&c, r, (size_t)cp)->s;
        if (!ps || (strcmp(ps, "mixed") == 0 && strcmp(size, "mixed") != 0))
            ps = size;
        struct series *s = series_get(&p, name);
        if (!s || !series_add(s, e, m))
            rc = cli_error(EXIT_FAIL, "plot: out of host memory");
    }
    if (rc)
        goto out;
    for (size_t i = 0; i < p.n; i++)
        series_sort(&p.s[i]);
    if ((rc = write_data(data, &p)) != 0)
        goto out;
    char title[300];
    snprintf(title, sizeof(title), "TLB miss-ratio curves: %.200s", o->input);
    script_head(gp, o, title);
    uint64_t bytes = page_bytes(ps);
    fputs("set xlabel 'TLB entries'\nset ylabel 'miss ratio'\nset logscale x 2\n"
          "set yrange [0:*]\nset format x '%.0f'\n",
          gp);
    /* The top axis: reach = entries x page size (of the curves' one size, or 4 KiB pages
     * when they mix sizes), labelled at each power of two of entries: both axes log 2 over
     * the same range (gnuplot cannot link an axis to a log-scale one). */
    double xmax = 1;
    for (size_t i = 0; i < p.n; i++)
        for (size_t k = 0; k < p.s[i].n; k++)
            if (p.s[i].x[k] > xmax)
                xmax = p.s[i].x[k];
    if (xmax < 2)
        xmax = 2;
    fprintf(gp, "set xrange [1:%.0f]\nset x2range [1:%.0f]\nset logscale x2 2\n", xmax, xmax);
    fprintf(gp, "set x2label 'TLB reach (entries x %s pages)'\nset x2tics (",
            strcmp(ps, "mixed") ? ps : "4K, sizes mixed");
    unsigned step = 1; /* at most about 9 labels, or they overlap */
    while (log2(xmax) / step > 9)
        step++;
    unsigned k = 0;
    for (double e = 1; e <= xmax; e *= (double)(1u << step), k++) {
        char r[32];
        vml_format_size((uint64_t)e * bytes, r, sizeof(r));
        fprintf(gp, "%s'%s' %.0f", k ? ", " : "", r, e);
    }
    fputs(")\nset xtics nomirror\n", gp);
    plot_lines(gp, &p, data, "linespoints pointsize 0.5");
out:
    plot_free(&p);
    vml_csv_free(&c);
    return rc;
}

/* The reach of a level for pages of size ps: the entries that cache it, at the size they
 * cache it as (a size without an array of its own is splintered into the largest smaller
 * one), times that size. */
static uint64_t level_reach(const struct vml_cpu_model *m, enum vml_tlb_level l, unsigned ps)
{
    const struct vml_tlb_level_geom *g = &m->tlb[l];
    for (int f = (int)ps; f >= 0; f--)
        for (unsigned a = 0; a < g->nr_arrays; a++)
            if (g->arr[a].sizes & VML_PS_BIT(f))
                return (uint64_t)g->arr[a].sets * g->arr[a].ways
                       << vml_ps_shift((enum vml_page_size)f);
    return 0;
}

static int kind_reach(const struct opts *o, FILE *gp, const char *data)
{
    struct vml_cpu_model models[32];
    unsigned n = 0;
    if (o->nr_cpus) {
        for (unsigned i = 0; i < o->nr_cpus; i++)
            if (cli_parse_cpu(o->cpus[i], &models[n++]))
                return EXIT_USAGE;
    } else {
        for (size_t i = 0; i < vml_cpu_preset_count() && n < 32; i++)
            models[n++] = *vml_cpu_preset(i);
    }
    FILE *f = fopen(data, "w");
    if (!f)
        return cli_error(EXIT_FAIL, "plot: cannot write '%.200s': %s", data, strerror(errno));
    static const char *const cols[] = { "L1D-4K",  "L1D-2M",  "L1D-1G",
                                        "STLB-4K", "STLB-2M", "STLB-1G" };
    fputs("cpu", f); /* the header: gnuplot's columnheader titles */
    for (unsigned k = 0; k < 6; k++)
        fprintf(f, " %s", cols[k]);
    fputc('\n', f);
    for (unsigned i = 0; i < n; i++) {
        fprintf(f, "%s", models[i].name);
        for (unsigned k = 0; k < 6; k++) {
            uint64_t r = level_reach(&models[i], k < 3 ? VML_TLB_L1D : VML_TLB_STLB, k % 3);
            if (r)
                fprintf(f, " %llu", (unsigned long long)r);
            else
                fputs(" ?", f);
        }
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        return cli_error(EXIT_FAIL, "plot: cannot write '%.200s'", data);
    script_head(gp, o, "TLB reach by CPU model (entries x page size)");
    fputs("set style data histograms\nset style histogram clustered gap 1\n"
          "set style fill solid 0.8 border -1\nset logscale y 2\nset format y '%.0b %BB'\n"
          "set ylabel 'reach'\nset xtics rotate by -30\nset yrange [1024:*]\n"
          "set key autotitle columnheader\n",
          gp);
    fputs("plot ", gp);
    for (unsigned k = 0; k < 6; k++) {
        fputs(k ? ", '' " : "", gp);
        if (!k)
            gp_string(gp, data);
        fprintf(gp, " using %u%s", k + 2, k ? "" : ":xtic(1)");
    }
    fputc('\n', gp);
    return 0;
}

static int kind_series(const struct opts *o, FILE *gp, const char *data)
{
    struct vml_csv c;
    int rc = load_csv(o->input, &c);
    if (rc)
        return rc;
    struct plot p = { 0 };
    long cx;
    char *ys = strdup(o->y ? o->y : "cycles_per_translation");
    if (!ys) {
        vml_csv_free(&c);
        return cli_error(EXIT_FAIL, "plot: out of host memory");
    }
    if ((rc = need_column(&c, o->input, "records", &cx)))
        goto out;
    for (char *save = NULL, *name = strtok_r(ys, ",", &save); name && !rc;
         name = strtok_r(NULL, ",", &save)) {
        long cy;
        if ((rc = need_column(&c, o->input, name, &cy)))
            break;
        struct series *s = series_get(&p, name);
        if (!s) {
            rc = cli_error(EXIT_FAIL, "plot: out of host memory");
            break;
        }
        for (size_t r = 0; r < c.nrows && !rc; r++) {
            double x, y;
            if ((rc = number(&c, o->input, r, cx, &x)) || (rc = number(&c, o->input, r, cy, &y)))
                break;
            if (!series_add(s, x, y))
                rc = cli_error(EXIT_FAIL, "plot: out of host memory");
        }
    }
    if (rc || (rc = write_data(data, &p)))
        goto out;
    char title[300];
    snprintf(title, sizeof(title), "replay time series: %.200s", o->input);
    script_head(gp, o, title);
    fputs("set xlabel 'records replayed'\nset ylabel 'per interval'\nset format x '%.0s%c'\n", gp);
    plot_lines(gp, &p, data, "lines");
out:
    free(ys);
    plot_free(&p);
    vml_csv_free(&c);
    return rc;
}

static int kind_sweep(const struct opts *o, FILE *gp, const char *data)
{
    if (!o->x || !o->y)
        return cli_error(EXIT_USAGE, "plot sweep: give the axis and the metric: --x COL --y COL");
    struct vml_csv c;
    int rc = load_csv(o->input, &c);
    if (rc)
        return rc;
    struct plot p = { 0 };
    long cx, cy, cs = -1;
    if ((rc = need_column(&c, o->input, o->x, &cx)) ||
        (rc = need_column(&c, o->input, o->y, &cy)) ||
        (o->series && (rc = need_column(&c, o->input, o->series, &cs))))
        goto out;
    for (size_t r = 0; r < c.nrows && !rc; r++) {
        double x, y;
        if ((rc = number(&c, o->input, r, cx, &x)) || (rc = number(&c, o->input, r, cy, &y)))
            break;
        if ((o->logx && x <= 0) || (o->logy && y <= 0)) {
            const struct vml_csv_cell *b = vml_csv_at(&c, r, (size_t)(o->logx && x <= 0 ? cx : cy));
            rc = cli_error(EXIT_USAGE, "plot: %.200s:%u:%u: %.40s on a log scale must be above 0",
                           o->input, b->line, b->col, b->s);
            break;
        }
        struct series *s = series_get(&p, cs >= 0 ? vml_csv_at(&c, r, (size_t)cs)->s : o->y);
        if (!s || !series_add(s, x, y))
            rc = cli_error(EXIT_FAIL, "plot: out of host memory");
    }
    if (rc)
        goto out;
    for (size_t i = 0; i < p.n; i++)
        series_sort(&p.s[i]);
    if ((rc = write_data(data, &p)))
        goto out;
    char title[300];
    snprintf(title, sizeof(title), "%.60s against %.60s: %.150s", o->y, o->x, o->input);
    script_head(gp, o, title);
    fputs("set xlabel ", gp);
    gp_string(gp, o->x);
    fputs("\nset ylabel ", gp);
    gp_string(gp, o->y);
    fputc('\n', gp);
    if (o->logx)
        fputs("set logscale x 2\n", gp);
    if (o->logy)
        fputs("set logscale y 10\n", gp);
    plot_lines(gp, &p, data, "linespoints pointsize 0.7");
out:
    plot_free(&p);
    vml_csv_free(&c);
    return rc;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    o->width = 800;
    o->height = 500;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "-o", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->output = v;
        } else if ((m = cli_opt(argc, argv, &i, "--title", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->title = v;
        } else if ((m = cli_opt(argc, argv, &i, "--keep", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->keep = v;
        } else if ((m = cli_opt(argc, argv, &i, "--x", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->x = v;
        } else if ((m = cli_opt(argc, argv, &i, "--y", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->y = v;
        } else if ((m = cli_opt(argc, argv, &i, "--series", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->series = v;
        } else if ((m = cli_opt(argc, argv, &i, "--size", &v)) != 0) {
            unsigned w, h;
            char tail;
            if (m < 0)
                return EXIT_USAGE;
            if (sscanf(v, "%ux%u%c", &w, &h, &tail) != 2 || w < 100 || h < 100 || w > 10000 ||
                h > 10000)
                return cli_error(EXIT_USAGE,
                                 "plot: --size '%.80s': expected WIDTHxHEIGHT in pixels, each "
                                 "100..10000 (e.g. 800x500)",
                                 v);
            o->width = w;
            o->height = h;
        } else if (strcmp(argv[i], "--logx") == 0) {
            o->logx = true;
        } else if (strcmp(argv[i], "--logy") == 0) {
            o->logy = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "plot: unknown option '%.80s' (see vmlab plot --help)",
                             argv[i]);
        } else if (!o->kind) {
            o->kind = argv[i];
        } else if (strcmp(o->kind, "reach") == 0) {
            if (o->nr_cpus == 32)
                return cli_error(EXIT_USAGE, "plot reach: at most 32 CPU models");
            o->cpus[o->nr_cpus++] = argv[i];
        } else if (!o->input) {
            o->input = argv[i];
        } else {
            return cli_error(EXIT_USAGE, "plot: one input at a time ('%.80s' and '%.80s')",
                             o->input, argv[i]);
        }
    }
    if (!o->kind)
        return cli_error(EXIT_USAGE, "plot: what to draw? mrc, reach, series or sweep (see "
                                     "vmlab plot --help)");
    if (strcmp(o->kind, "mrc") && strcmp(o->kind, "reach") && strcmp(o->kind, "series") &&
        strcmp(o->kind, "sweep"))
        return cli_error(EXIT_USAGE,
                         "plot: unknown kind '%.80s': expected mrc, reach, series or "
                         "sweep",
                         o->kind);
    if (strcmp(o->kind, "reach") && !o->input)
        return cli_error(EXIT_USAGE, "plot %s: which CSV file? (vmlab plot %s FILE -o OUT)",
                         o->kind, o->kind);
    if (!o->output)
        return cli_error(EXIT_USAGE, "plot: where to? -o OUT.png or -o OUT.svg");
    size_t n = strlen(o->output);
    if (n > 4 && strcmp(o->output + n - 4, ".svg") == 0)
        o->svg = true;
    else if (!(n > 4 && strcmp(o->output + n - 4, ".png") == 0))
        return cli_error(EXIT_USAGE, "plot: -o '%.80s': the name must end in .png or .svg",
                         o->output);
    return 0;
}

/* Runs gnuplot on the script; EXIT_FAIL with the reason when it is missing or fails. */
static int run_gnuplot(const char *script)
{
    pid_t pid;
    char *argv[] = { "gnuplot", (char *)script, NULL };
    int e = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (e)
        return cli_error(EXIT_FAIL,
                         "plot: cannot run gnuplot (%s): install it (Debian: apt-get install "
                         "gnuplot-nox; scripts/bootstrap.sh does)",
                         strerror(e));
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return cli_error(EXIT_FAIL, "plot: waiting for gnuplot: %s", strerror(errno));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return cli_error(EXIT_FAIL, "plot: gnuplot failed (its messages are above)");
    return 0;
}

static int run(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    char tmp[] = "/tmp/vmlab-plot-XXXXXX";
    const char *dir = o.keep;
    if (dir) {
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return cli_error(EXIT_FAIL, "plot: cannot create '%.200s': %s", dir, strerror(errno));
    } else if (!(dir = mkdtemp(tmp))) {
        return cli_error(EXIT_FAIL, "plot: cannot create a temporary directory: %s",
                         strerror(errno));
    }
    char data[4200], script[4200];
    snprintf(data, sizeof(data), "%s/data.dat", dir);
    snprintf(script, sizeof(script), "%s/plot.gp", dir);
    FILE *gp = fopen(script, "w");
    if (!gp) {
        rc = cli_error(EXIT_FAIL, "plot: cannot write '%.200s': %s", script, strerror(errno));
    } else {
        if (strcmp(o.kind, "mrc") == 0)
            rc = kind_mrc(&o, gp, data);
        else if (strcmp(o.kind, "reach") == 0)
            rc = kind_reach(&o, gp, data);
        else if (strcmp(o.kind, "series") == 0)
            rc = kind_series(&o, gp, data);
        else
            rc = kind_sweep(&o, gp, data);
        if (fclose(gp) != 0 && !rc)
            rc = cli_error(EXIT_FAIL, "plot: cannot write '%.200s'", script);
    }
    if (!rc)
        rc = run_gnuplot(script);
    if (!o.keep) {
        remove(data);
        remove(script);
        rmdir(dir);
    }
    return rc;
}

const struct cli_command cli_cmd_plot = {
    .name = "plot",
    .summary = "draw miss-ratio curves, TLB reach, replay time series or sweeps (gnuplot)",
    .run = run,
    .help = help,
};
