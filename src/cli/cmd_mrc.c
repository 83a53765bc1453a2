/* cli/cmd_mrc.c: vmlab mrc TRACE: TLB miss-ratio curves in one pass (library: trace/mrc.c). */
#include "cli/cli.h"
#include "cli/progress.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab mrc TRACE [--side data|exec|all | --stlb] [--sets N [--max-ways W]]\n"
          "                 [--shards-rate R | --shards-size N] [--csv | --json] [-o FILE]\n"
          "                 [--cpu SPEC] [--paging 4|5] [--pages 4k|2m|1g]\n"
          "                 [--thp always|madvise|never] [--ram SIZE] [--zero-page on|off]\n"
          "                 [--format F] [--limit N] [--quiet]\n\n"
          "Computes exact LRU TLB miss-ratio curves of a trace in one pass: the misses of a TLB\n"
          "of every size at once, from the accesses' stack distances (Mattson's algorithm with a\n"
          "Fenwick tree, O(log n) per access). Each access's page size is the one `vmlab replay`\n"
          "with the same --pages/--thp/--paging/--ram/--zero-page would translate it with (a\n"
          "shadow replay maps memory on demand as replay does), and keys are (page size, page):\n"
          "the curve \"all\" is one TLB array holding every size; with more than one size in the\n"
          "trace, the curves \"4K\", \"2M\", \"1G\" are one array per size, each fed the accesses\n"
          "of its size. A curve equals the misses `vmlab replay` counts with a TLB of that\n"
          "geometry (docs/mrc.md says which level and spec; a test checks it).\n\n"
          "  --side S         the stream of a single-level curve: data (reads and writes, the L1\n"
          "                   dTLB's; default), exec (fetches, the L1 iTLB's) or all (one TLB)\n"
          "  --stlb           two-level: the CPU's L1 dTLB and L1 iTLB (--cpu) are simulated and\n"
          "                   their misses form the stream: the STLB's misses as it grows (the\n"
          "                   hierarchy is non-inclusive, as replay's; fetch misses are left out\n"
          "                   where the CPU has an L2 iTLB)\n"
          "  --sets N         set associative with N sets (set = page number mod N): the misses\n"
          "                   of every associativity 1..W at once (default 1: fully associative)\n"
          "  --max-ways W     with --sets: the deepest associativity, 1..4096 (default 64)\n"
          "  --shards-rate R  approximate (SHARDS): sample pages at rate R (0 < R <= 1, e.g.\n"
          "                   0.01 or 1%), fully associative only\n"
          "  --shards-size N  approximate (SHARDS): keep at most N sampled pages (N >= 16)\n"
          "  --csv            every point as CSV: curve,page_size,entries,sets,ways,reach_bytes,\n"
          "                   refs,misses,miss_ratio (vmlab plot mrc draws it)\n"
          "  --json           the summary and every point as one JSON object\n"
          "  -o FILE          write the output to FILE instead of standard output\n"
          "  --quiet          no progress line (shown on standard error when it is a terminal)\n"
          "  --cpu, --paging, --pages, --thp, --ram, --zero-page, --format, --limit: as for\n"
          "                   vmlab replay (see vmlab replay --help)\n\n"
          "miss_ratio is misses over the stream's translations (--stlb: over every translation).\n"
          "Accesses no process can map (below 64 KiB, past user space) are misses at every size,\n"
          "as replay counts them. Records' CPU fields are ignored: one TLB.\n"
          "Exit status: 0 ok; 1 the trace is bad or unreadable; 2 usage error.\n",
          out);
}

struct opts {
    struct vml_mrc_config cfg;
    const char *trace, *output;
    enum vml_trace_format format;
    uint64_t limit;
    bool csv, json, quiet;
};

static int usage_error(const char *opt, const char *v, const char *expect)
{
    return cli_error(EXIT_USAGE, "mrc: %s '%.80s': expected %s", opt, v, expect);
}

/* "0.01", "1%" -> 0.01 */
static int parse_rate(const char *v, double *out)
{
    char *end;
    errno = 0;
    double r = strtod(v, &end);
    if (end != v && *end == '%' && end[1] == 0) {
        r /= 100;
        end++;
    }
    if (end == v || *end || errno || !(r > 0 && r <= 1))
        return -1;
    *out = r;
    return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
    vml_mrc_defaults(&o->cfg);
    struct vml_replay_config *rc = &o->cfg.replay;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        uint64_t n;
        struct vml_diag d = { 0 };
        if ((m = cli_opt(argc, argv, &i, "--cpu", &v)) != 0) {
            if (m < 0 || cli_parse_cpu(v, &rc->cpu))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--paging", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "4") && strcmp(v, "5"))
                return usage_error("--paging", v, "4 or 5");
            rc->paging = (unsigned)(v[0] - '0');
        } else if ((m = cli_opt(argc, argv, &i, "--pages", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_replay_pages_parse(v, &rc->pages, &d))
                return cli_error(EXIT_USAGE, "mrc: --pages: %s", d.msg);
        } else if ((m = cli_opt(argc, argv, &i, "--thp", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "always") == 0)
                rc->thp_enabled = VML_THP_ALWAYS;
            else if (strcmp(v, "madvise") == 0)
                rc->thp_enabled = VML_THP_MADVISE;
            else if (strcmp(v, "never") == 0)
                rc->thp_enabled = VML_THP_NEVER;
            else
                return usage_error("--thp", v, "always, madvise or never");
            rc->thp = true;
        } else if ((m = cli_opt(argc, argv, &i, "--ram", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_size(v, &rc->ram, &d) || rc->ram < (64ull << 20) ||
                rc->ram > VML_PHYS_MAX || rc->ram % VML_PHYS_ALIGN)
                return usage_error("--ram", v, "64M to 8T, a multiple of 2M");
        } else if ((m = cli_opt(argc, argv, &i, "--zero-page", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "on") && strcmp(v, "off"))
                return usage_error("--zero-page", v, "on or off");
            rc->no_zero_page = strcmp(v, "off") == 0;
        } else if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_trace_format_parse(v, &o->format) || o->format == VML_TRACE_GEN)
                return usage_error("--format", v, "native, lackey, champsim or plain");
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->limit, &d) || o->limit == 0)
                return usage_error("--limit", v, "a count of at least 1");
        } else if ((m = cli_opt(argc, argv, &i, "--side", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "data") == 0)
                o->cfg.side = VML_MRC_DATA;
            else if (strcmp(v, "exec") == 0)
                o->cfg.side = VML_MRC_EXEC;
            else if (strcmp(v, "all") == 0)
                o->cfg.side = VML_MRC_ALL;
            else
                return usage_error("--side", v, "data, exec or all");
        } else if ((m = cli_opt(argc, argv, &i, "--sets", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n < 1 || n > (1u << 20))
                return usage_error("--sets", v, "1 to 1048576");
            o->cfg.sets = (uint32_t)n;
        } else if ((m = cli_opt(argc, argv, &i, "--max-ways", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n < 1 || n > 4096)
                return usage_error("--max-ways", v, "1 to 4096");
            o->cfg.max_ways = (uint32_t)n;
        } else if ((m = cli_opt(argc, argv, &i, "--shards-rate", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (parse_rate(v, &o->cfg.shards_rate))
                return usage_error("--shards-rate", v, "a rate above 0 and at most 1 (0.01 or 1%)");
            o->cfg.shards = VML_MRC_SHARDS_RATE;
        } else if ((m = cli_opt(argc, argv, &i, "--shards-size", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->cfg.shards_max, &d) || o->cfg.shards_max < 16)
                return usage_error("--shards-size", v, "a number of pages of at least 16");
            o->cfg.shards = VML_MRC_SHARDS_SIZE;
        } else if ((m = cli_opt(argc, argv, &i, "-o", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->output = v;
        } else if (strcmp(argv[i], "--stlb") == 0) {
            o->cfg.two_level = true;
        } else if (strcmp(argv[i], "--csv") == 0) {
            o->csv = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            o->quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "mrc: unknown option '%.80s' (see vmlab mrc --help)",
                             argv[i]);
        } else if (o->trace) {
            return cli_error(EXIT_USAGE, "mrc: one trace at a time ('%.80s' and '%.80s')", o->trace,
                             argv[i]);
        } else {
            o->trace = argv[i];
        }
    }
    if (!o->trace)
        return cli_error(EXIT_USAGE, "mrc: which trace? (vmlab mrc TRACE; see --help)");
    if (o->csv && o->json)
        return cli_error(EXIT_USAGE, "mrc: --csv or --json, not both");
    if (o->cfg.shards && o->cfg.sets > 1)
        return cli_error(EXIT_USAGE, "mrc: SHARDS samples fully associative curves: not with "
                                     "--sets");
    if (rc->paging == 5 && !rc->cpu.la57)
        return cli_error(EXIT_USAGE, "mrc: --paging 5 needs a CPU with 5-level paging (e.g. "
                                     "--cpu icelake:la57=on)");
    if (rc->thp && rc->pages != VML_PS_4K)
        return cli_error(EXIT_USAGE, "mrc: --thp comes on 4k pages: not with --pages 2m or 1g");
    if (rc->pages == VML_PS_1G && !rc->cpu.pdpe1gb)
        return cli_error(EXIT_USAGE, "mrc: --pages 1g needs a CPU with 1 GiB pages (1g=on)");
    return 0;
}

static int open_trace(const struct opts *o, struct vml_trace_reader **rd)
{
    struct vml_diag d = { 0 };
    int e;
    if (strncmp(o->trace, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(o->trace + 4, &g, &d)) != 0)
            return cli_error(EXIT_USAGE, "mrc: %.80s:1:%u: %s", o->trace, d.col ? d.col + 4 : 0,
                             d.msg);
        e = vml_trace_open_gen(&g, rd, &d);
    } else {
        e = vml_trace_open(o->trace, o->format, rd, &d);
    }
    if (e)
        return cli_diag_error(e == VML_EINVAL ? EXIT_USAGE : EXIT_FAIL, "mrc", &d);
    return 0;
}

/* The default report: the summary and, per curve, the sizes that are powers of two. */
static void report_text(const struct opts *o, const struct vml_mrc *m, struct vml_text *t)
{
    struct vml_mrc_summary s;
    vml_mrc_summary(m, &s);
    static const char *const sides[] = { "data accesses (L1 dTLB)", "instruction fetches (L1 iTLB)",
                                         "every access (one TLB)" };
    static const char *const names[] = { "4K", "2M", "1G", "all" };
    vml_text_printf(t, "mrc     %.200s: %llu records, %llu translations\n", o->trace,
                    (unsigned long long)s.records, (unsigned long long)s.translations);
    if (o->cfg.two_level)
        vml_text_printf(t, "stream  the L1 TLBs' misses (%s): %llu; the STLB grows\n",
                        o->cfg.replay.cpu.name, (unsigned long long)s.l1_misses);
    else
        vml_text_printf(t, "stream  %s\n", sides[o->cfg.side]);
    if (o->cfg.sets > 1)
        vml_text_printf(t, "TLB     %u sets, LRU, 1 to %u ways\n", o->cfg.sets, o->cfg.max_ways);
    else
        vml_text_printf(t, "TLB     fully associative, LRU\n");
    if (o->cfg.shards)
        vml_text_printf(t,
                        "mode    SHARDS (approximate): final rate %.6g, %llu references sampled\n",
                        s.shards_rate, (unsigned long long)s.shards_sampled);
    if (s.skipped)
        vml_text_printf(t, "skipped %llu translations no process can map (misses at every size)\n",
                        (unsigned long long)s.skipped);
    if (o->cfg.two_level && s.read_then_write)
        vml_text_printf(t,
                        "note    %llu writes to pages first read: their copy-on-write faults or "
                        "dirty assists refill the STLB (modelled)\n",
                        (unsigned long long)s.read_then_write);
    if (s.flushes)
        vml_text_printf(t, "note    %llu whole-TLB flushes by the kernel (modelled)\n",
                        (unsigned long long)s.flushes);
    if (s.size_changes)
        vml_text_printf(t, "note    %llu regions changed page size (huge zero pages split)\n",
                        (unsigned long long)s.size_changes);
    /* With one page size, its curve is the "all" one: printed once, with its reach. */
    int sizes = 0, only = -1;
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        if (s.refs[p]) {
            sizes++;
            only = (int)p;
        }
    for (unsigned c = 0; c < VML_MRC_CURVES; c++) {
        if (!s.refs[c] || (c < VML_PS_COUNT && sizes == 1))
            continue;
        uint64_t max = vml_mrc_max_entries(m, c);
        uint64_t pts[64];
        size_t n = 0;
        if (o->cfg.sets > 1) {
            for (uint64_t w = 1; w <= o->cfg.max_ways && n < 64; w *= 2)
                pts[n++] = w * o->cfg.sets;
        } else {
            for (uint64_t e = 1; n < 63; e *= 2) {
                pts[n++] = e < max ? e : max;
                if (e >= max)
                    break;
            }
        }
        vml_text_printf(t, "\ncurve %s: %llu references\n  %10s %10s %12s %10s\n", names[c],
                        (unsigned long long)s.refs[c], "entries", "reach", "misses", "miss ratio");
        for (size_t i = 0; i < n; i++) {
            uint64_t miss = vml_mrc_misses(m, c, pts[i]);
            char reach[32] = "-";
            int ps = c < VML_PS_COUNT ? (int)c : sizes == 1 ? only : -1;
            if (ps >= 0)
                vml_format_size(pts[i] << vml_ps_shift((enum vml_page_size)ps), reach,
                                sizeof(reach));
            vml_text_printf(t, "  %10llu %10s %12llu %10.4f\n", (unsigned long long)pts[i], reach,
                            (unsigned long long)miss,
                            s.translations ? (double)miss / (double)s.translations : 0.0);
        }
    }
}

static int run(int argc, char **argv)
{
    struct opts o;
    memset(&o, 0, sizeof(o));
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    struct vml_trace_reader *rd;
    if ((rc = open_trace(&o, &rd)) != 0)
        return rc;
    struct vml_mrc *m;
    struct vml_diag d = { 0 };
    if (vml_mrc_create(&o.cfg, &m, &d)) {
        vml_trace_close(rd);
        return cli_error(EXIT_USAGE, "mrc: %s", d.msg);
    }
    enum { BATCH = 4096 };
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    struct cli_progress pr;
    uint64_t total = vml_trace_reader_count(rd), read = 0, left = o.limit ? o.limit : UINT64_MAX;
    if (o.limit && (total == 0 || total > o.limit))
        total = o.limit;
    cli_progress_start(&pr, "mrc", "records", total, o.quiet);
    if (!buf)
        rc = cli_error(EXIT_FAIL, "mrc: out of host memory");
    while (!rc && left) {
        long n = vml_trace_read(rd, buf, left < BATCH ? (size_t)left : BATCH, &d);
        if (n < 0) {
            rc = cli_diag_error(EXIT_FAIL, "mrc", &d);
            break;
        }
        if (n == 0)
            break;
        size_t done = 0;
        if (vml_mrc_feed(m, buf, (size_t)n, &done, &d)) {
            rc = cli_error(EXIT_FAIL, "mrc: %.80s: record %llu: %s", o.trace,
                           (unsigned long long)(read + done + 1), d.msg);
            break;
        }
        read += (uint64_t)n;
        left -= (uint64_t)n;
        cli_progress_update(&pr, read);
    }
    cli_progress_end(&pr);
    free(buf);
    if (!rc) {
        struct vml_text t = { 0 };
        if (o.csv)
            vml_mrc_csv(m, &t);
        else if (o.json)
            vml_mrc_json(m, &t);
        else
            report_text(&o, m, &t);
        FILE *f = o.output ? fopen(o.output, "w") : stdout;
        if (!f)
            rc = cli_error(EXIT_FAIL, "mrc: cannot create '%.80s': %s", o.output, strerror(errno));
        else if (t.oom)
            rc = cli_error(EXIT_FAIL, "mrc: out of host memory");
        else if ((t.len && fwrite(t.s, 1, t.len, f) != t.len) ||
                 (f != stdout ? fclose(f) != 0 : fflush(f) != 0))
            rc = cli_error(EXIT_FAIL, "mrc: cannot write the output");
        vml_text_free(&t);
    }
    vml_mrc_destroy(m);
    vml_trace_close(rd);
    return rc;
}

const struct cli_command cli_cmd_mrc = {
    .name = "mrc",
    .summary = "TLB miss-ratio curves of a trace in one pass (every TLB size at once)",
    .run = run,
    .help = help,
};
