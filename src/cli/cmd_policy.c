/* cli/cmd_policy.c: vmlab policy: page-replacement policies over a trace or a page list
 * (docs/policy.md). The policies are the library's (vmlab/learn.h); this file reads the input,
 * runs them and prints the tables. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab policy TRACE [--frames N] [--policy P,...] [--steps] [--seed S]\n"
          "       vmlab policy TRACE --curve A..B [--policy P,...]\n"
          "       vmlab policy -a LIST ...\n\n"
          "Page-replacement policies over a sequence of page accesses: hits, misses and\n"
          "evictions of each, with every frame empty at first.\n\n"
          "  fifo           the page loaded first goes\n"
          "  lru            the least recently used page goes\n"
          "  clock          a hand sweeps the frames, clearing use bits, and takes the first\n"
          "                 page whose bit is clear (loading or using a page sets it)\n"
          "  second-chance  FIFO, but an oldest page with its use bit set is moved to the\n"
          "                 back, bit cleared; it picks the same victims as clock\n"
          "  opt            Belady's MIN, exact: the page used again farthest in the future;\n"
          "                 among pages never used again, the one loaded first\n"
          "  random         a frame drawn at random (xoshiro256**, --seed)\n"
          "  lfu            the fewest uses since it was loaded; ties: least recently used\n"
          "  linux          the simulated kernel's active/inactive lists, simplified (a page\n"
          "                 starts inactive, a second use activates it, reclaim deactivates\n"
          "                 while inactive < active and frees the inactive tail)\n\n"
          "TRACE: a file in any format vmlab reads (native, lackey, champsim, plain; '-' for\n"
          "standard input; gen:PATTERN... for a generator), each address divided by the page\n"
          "size (an access across a page boundary uses both pages); or a list of page\n"
          "numbers, one a line or separated by commas, '#' comments (detected, or --format\n"
          "pages).\n\n"
          "  -a LIST          the page numbers on the command line, e.g. -a 1,2,3,4,1,2,5\n"
          "  --frames N       physical frames (default 3)\n"
          "  --policy P,...   policies to run (default: all eight, in the order above)\n"
          "  --curve A..B     misses for every frame count from A to B, one row each; notes\n"
          "                   Belady's anomaly (more frames, more misses) where it shows\n"
          "  --steps          the frames after every access, next victim leftmost\n"
          "                   (docs/policy.md gives each policy's notation)\n"
          "  --seed S         random's seed (default 1; printed)\n"
          "  --page-size SIZE bytes per page for traces (default 4K, a power of two)\n"
          "  --format F       pages, native, lackey, champsim or plain (default: detected)\n"
          "  --limit N        read at most N trace records\n\n"
          "Exit status: 0 done, 1 a bad input file, 2 usage error.\n",
          out);
}

struct opts {
    const char *in, *list;
    size_t frames;
    bool steps, curve, pages_fmt;
    size_t lo, hi;
    uint64_t seed, page_size, limit;
    enum vml_trace_format fmt;
    enum vml_policy pol[VML_NR_POLICIES];
    unsigned npol;
    char what[64]; /* how the input was read, for the heading */
};

static int parse_policies(const char *v, struct opts *o)
{
    o->npol = 0;
    char buf[256];
    if (strlen(v) >= sizeof(buf))
        return cli_error(EXIT_USAGE, "policy: --policy: list too long");
    strcpy(buf, v);
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        enum vml_policy pol;
        if (vml_policy_parse(p, &pol))
            return cli_error(EXIT_USAGE,
                             "policy: --policy: unknown policy '%s' (fifo, lru, clock, "
                             "second-chance, opt, random, lfu, linux)",
                             p);
        for (unsigned k = 0; k < o->npol; k++)
            if (o->pol[k] == pol)
                return cli_error(EXIT_USAGE, "policy: --policy: '%s' given twice", p);
        o->pol[o->npol++] = pol;
    }
    if (!o->npol)
        return cli_error(EXIT_USAGE, "policy: --policy: no policy named");
    return 0;
}

static int parse_count(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
    struct vml_diag d = { 0 };
    if (vml_parse_u64(v, out, &d))
        return cli_error(EXIT_USAGE, "policy: %s %s: %s", opt, v, d.msg);
    if (*out == 0 || *out > max)
        return cli_error(EXIT_USAGE, "policy: %s %s: from 1 to %llu", opt, v,
                         (unsigned long long)max);
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        uint64_t n;
        if ((m = cli_opt(argc, argv, &i, "-a", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->list = v;
        } else if ((m = cli_opt(argc, argv, &i, "--frames", &v)) != 0) {
            if (m < 0 || parse_count("--frames", v, 1u << 24, &n))
                return EXIT_USAGE;
            o->frames = (size_t)n;
        } else if ((m = cli_opt(argc, argv, &i, "--policy", &v)) != 0) {
            if (m < 0 || parse_policies(v, o))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--curve", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            const char *dots = strstr(v, "..");
            char a[32];
            uint64_t lo, hi;
            if (!dots || (size_t)(dots - v) >= sizeof(a))
                return cli_error(EXIT_USAGE, "policy: --curve %s: expected A..B, e.g. 1..8", v);
            memcpy(a, v, (size_t)(dots - v));
            a[dots - v] = '\0';
            if (parse_count("--curve", a, 1u << 24, &lo) ||
                parse_count("--curve", dots + 2, 1u << 24, &hi))
                return EXIT_USAGE;
            if (lo > hi || hi - lo > 4096)
                return cli_error(EXIT_USAGE,
                                 "policy: --curve %s: A must not exceed B, at most 4097 rows", v);
            o->curve = true;
            o->lo = (size_t)lo;
            o->hi = (size_t)hi;
        } else if ((m = cli_opt(argc, argv, &i, "--seed", &v)) != 0) {
            struct vml_diag d = { 0 };
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->seed, &d))
                return cli_error(EXIT_USAGE, "policy: --seed %s: %s", v, d.msg);
        } else if ((m = cli_opt(argc, argv, &i, "--page-size", &v)) != 0) {
            struct vml_diag d = { 0 };
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_size(v, &o->page_size, &d))
                return cli_error(EXIT_USAGE, "policy: --page-size %s: %s", v, d.msg);
            if (!o->page_size || (o->page_size & (o->page_size - 1)))
                return cli_error(EXIT_USAGE, "policy: --page-size %s: not a power of two", v);
        } else if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "pages") == 0)
                o->pages_fmt = true;
            else if (vml_trace_format_parse(v, &o->fmt) || o->fmt == VML_TRACE_GEN)
                return cli_error(EXIT_USAGE,
                                 "policy: --format %s: expected pages, native, lackey, champsim "
                                 "or plain",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0 || parse_count("--limit", v, UINT64_MAX, &o->limit))
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--steps") == 0) {
            o->steps = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "policy: unknown option '%s' (see vmlab policy --help)",
                             argv[i]);
        } else if (o->in) {
            return cli_error(EXIT_USAGE, "policy: one TRACE only ('%s' and '%s')", o->in, argv[i]);
        } else {
            o->in = argv[i];
        }
    }
    if (!o->in == !o->list)
        return cli_error(EXIT_USAGE, o->in ? "policy: a TRACE or -a LIST, not both"
                                           : "policy: no input (a TRACE file or -a LIST)");
    if (o->steps && o->curve)
        return cli_error(EXIT_USAGE, "policy: --steps and --curve do not go together");
    return 0;
}

static int read_trace(struct vml_trace_reader *rd, struct opts *o, struct vml_pages *pages)
{
    struct vml_diag d = { 0 };
    int e = vml_pages_from_trace(rd, o->page_size, o->limit, pages, &d);
    char ps[32];
    vml_format_size_human(o->page_size, ps, sizeof(ps));
    snprintf(o->what, sizeof(o->what), "%s trace, %s pages",
             vml_trace_format_name(vml_trace_reader_format(rd)), ps);
    /* diag.file is the reader's copy of the name: report before closing. */
    int rc = e ? cli_diag_error(EXIT_FAIL, "policy", &d) : 0;
    vml_trace_close(rd);
    return rc;
}

static int load(struct opts *o, struct vml_pages *pages)
{
    struct vml_diag d = { 0 };
    if (o->list) {
        snprintf(o->what, sizeof(o->what), "page list");
        if (vml_pages_parse(o->list, strlen(o->list), "-a", pages, &d))
            return cli_error(EXIT_USAGE, "policy: -a: column %u: %s", d.col, d.msg);
        return 0;
    }
    struct vml_trace_reader *rd = NULL;
    int e;
    if (strncmp(o->in, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(o->in + 4, &g, &d)) != 0)
            return cli_error(EXIT_USAGE, "policy: %s: column %u: %s", o->in, d.col ? d.col + 4 : 0,
                             d.msg);
        if ((e = vml_trace_open_gen(&g, &rd, &d)) != 0)
            return cli_diag_error(EXIT_USAGE, "policy", &d);
        return read_trace(rd, o, pages);
    }
    bool std = strcmp(o->in, "-") == 0;
    FILE *f = std ? stdin : fopen(o->in, "rb");
    if (!f)
        return cli_error(EXIT_FAIL, "policy: %s: cannot open: %s", o->in, strerror(errno));
    /* A page list is read whole; a trace is handed to the reader (from its start again). */
    char head[4096];
    size_t hn = std ? 0 : fread(head, 1, sizeof(head), f);
    bool list = o->pages_fmt;
    if (!std && !o->pages_fmt && o->fmt == VML_TRACE_AUTO)
        list = vml_pages_sniff(head, hn);
    if (!std && !list) {
        fclose(f);
        if ((e = vml_trace_open(o->in, o->fmt, &rd, &d)) != 0)
            return cli_diag_error(e == VML_EINVAL ? EXIT_USAGE : EXIT_FAIL, "policy", &d);
        return read_trace(rd, o, pages);
    }
    if (!std)
        rewind(f);
    size_t len;
    char *buf = cli_read_all(f, &len);
    int read_errno = errno;
    if (!std)
        fclose(f);
    if (!buf)
        return cli_error(EXIT_FAIL, "policy: %s: %s", o->in, strerror(read_errno));
    if (std && !o->pages_fmt && o->fmt == VML_TRACE_AUTO)
        list = vml_pages_sniff(buf, len);
    int rc = 0;
    if (list) {
        snprintf(o->what, sizeof(o->what), "page list");
        if (vml_pages_parse(buf, len, o->in, pages, &d))
            rc = cli_diag_error(EXIT_FAIL, "policy", &d);
    } else if ((e = vml_trace_open_mem(buf, len, o->in, o->fmt, &rd, &d)) != 0) {
        rc = cli_diag_error(e == VML_EINVAL ? EXIT_USAGE : EXIT_FAIL, "policy", &d);
    } else {
        rc = read_trace(rd, o, pages);
    }
    free(buf);
    return rc;
}

static uint64_t distinct(const struct vml_pages *p)
{
    /* The policies count it too, but the heading comes first: LRU with frames >= pages. */
    struct vml_policy_config c = { .policy = VML_POL_FIFO, .frames = p->n ? p->n : 1 };
    struct vml_policy_result r;
    return vml_policy_run(&c, p, &r, NULL, NULL) ? 0 : r.misses;
}

static void print_step(const struct vml_policy_step *s, void *ctx)
{
    (void)ctx;
    printf("  %4llu. page %-6llu %-4s", (unsigned long long)s->index + 1,
           (unsigned long long)s->page, s->hit ? "hit" : "miss");
    if (s->evicted)
        printf("  evict %-6llu", (unsigned long long)s->victim);
    else
        printf("  %-12s", "");
    printf("  %s\n", s->frames);
}

static const char *steps_legend(enum vml_policy p)
{
    switch (p) {
    case VML_POL_FIFO: return "oldest first";
    case VML_POL_LRU: return "least recently used first";
    case VML_POL_CLOCK: return "from the hand, * = use bit set";
    case VML_POL_SECOND_CHANCE: return "oldest first, * = reference bit set";
    case VML_POL_OPT: return "used again farthest first";
    case VML_POL_RANDOM: return "by frame slot";
    case VML_POL_LFU: return "page:uses, fewest first";
    default: return "tail first, * = PG_referenced";
    }
}

static void pol_label(const struct opts *o, enum vml_policy p, char *buf, size_t len)
{
    if (p == VML_POL_RANDOM)
        snprintf(buf, len, "random (seed %llu)", (unsigned long long)o->seed);
    else
        snprintf(buf, len, "%s", vml_policy_name(p));
}

static int run(int argc, char **argv)
{
    struct opts o = { .frames = 3, .seed = 1, .page_size = 4096 };
    for (unsigned k = 0; k < VML_NR_POLICIES; k++)
        o.pol[o.npol++] = (enum vml_policy)k;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    struct vml_pages pages = { 0 };
    if ((rc = load(&o, &pages)) != 0) {
        vml_pages_free(&pages);
        return rc;
    }
    printf("%s: %s, %zu accesses, %llu distinct pages\n", o.list ? "-a" : o.in, o.what, pages.n,
           (unsigned long long)distinct(&pages));
    struct vml_policy_result res;
    char label[64];
    if (o.curve) {
        printf("misses by frames:\n%6s", "frames");
        for (unsigned k = 0; k < o.npol; k++) {
            pol_label(&o, o.pol[k], label, sizeof(label));
            printf("  %*s", o.pol[k] == VML_POL_RANDOM ? (int)strlen(label) : 13, label);
        }
        printf("\n");
        size_t rows = o.hi - o.lo + 1;
        uint64_t *m = calloc(rows * o.npol, sizeof(*m));
        if (!m) {
            vml_pages_free(&pages);
            return cli_error(EXIT_FAIL, "policy: out of memory");
        }
        for (size_t f = o.lo; f <= o.hi; f++) {
            printf("%6zu", f);
            for (unsigned k = 0; k < o.npol; k++) {
                struct vml_policy_config c = { o.pol[k], f, o.seed, o.page_size };
                if (vml_policy_run(&c, &pages, &res, NULL, NULL)) {
                    free(m);
                    vml_pages_free(&pages);
                    return cli_error(EXIT_FAIL, "policy: out of memory");
                }
                m[(f - o.lo) * o.npol + k] = res.misses;
                pol_label(&o, o.pol[k], label, sizeof(label));
                printf("  %*llu", o.pol[k] == VML_POL_RANDOM ? (int)strlen(label) : 13,
                       (unsigned long long)res.misses);
            }
            printf("\n");
        }
        for (unsigned k = 0; k < o.npol; k++)
            for (size_t r = 1; r < rows; r++)
                if (m[r * o.npol + k] > m[(r - 1) * o.npol + k])
                    printf("%s: %llu misses with %zu frames, %llu with %zu: Belady's anomaly\n",
                           vml_policy_name(o.pol[k]), (unsigned long long)m[r * o.npol + k],
                           o.lo + r, (unsigned long long)m[(r - 1) * o.npol + k], o.lo + r - 1);
        free(m);
        vml_pages_free(&pages);
        return EXIT_OK;
    }
    if (!o.steps)
        printf("%zu frames\n%-20s %12s %12s %12s %9s\n", o.frames, "policy", "hits", "misses",
               "evictions", "hit rate");
    for (unsigned k = 0; k < o.npol; k++) {
        struct vml_policy_config c = { o.pol[k], o.frames, o.seed, o.page_size };
        pol_label(&o, o.pol[k], label, sizeof(label));
        if (o.steps)
            printf("\n%s, %zu frames (frames after each access: %s)\n", label, o.frames,
                   steps_legend(o.pol[k]));
        int e = vml_policy_run(&c, &pages, &res, o.steps ? print_step : NULL, NULL);
        if (e) {
            vml_pages_free(&pages);
            return cli_error(EXIT_FAIL, "policy: %s",
                             e == VML_EINVAL ? "more than 2^32 - 2 accesses (see --limit)"
                                             : "out of memory");
        }
        double rate = pages.n ? 100.0 * (double)res.hits / (double)pages.n : 0.0;
        if (o.steps)
            printf("  hits %llu, misses %llu, evictions %llu, hit rate %.2f%%\n",
                   (unsigned long long)res.hits, (unsigned long long)res.misses,
                   (unsigned long long)res.evictions, rate);
        else
            printf("%-20s %12llu %12llu %12llu %8.2f%%\n", label, (unsigned long long)res.hits,
                   (unsigned long long)res.misses, (unsigned long long)res.evictions, rate);
    }
    vml_pages_free(&pages);
    return EXIT_OK;
}

const struct cli_command cli_cmd_policy = {
    "policy",
    "page-replacement policies (FIFO, LRU, clock, OPT, linux...) over a trace",
    run,
    help,
};
