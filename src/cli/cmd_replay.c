/* cli/cmd_replay.c: vmlab replay TRACE: a trace through the simulated MMU and kernel. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs(
        "Usage: vmlab replay TRACE [--cpu SPEC] [--paging 4|5] [--pages 4k|2m|1g] [--cpus N]\n"
        "                    [--ram SIZE] [--zero-page on|off] [--format F] [--limit N]\n"
        "                    [--json] [--interval N [--series FILE]]\n\n"
        "Replays a memory-access trace through the simulated machine: each access is\n"
        "translated in user mode through the L1 TLBs, the second-level TLB, the page-walk\n"
        "caches and the page walk of the CPU model; page faults go to the simulated kernel.\n"
        "Memory appears on demand: the first fault in an unmapped GiB maps it (anonymous,\n"
        "private, rwx) with the chosen page size. Reports TLB hits and misses per level and\n"
        "page size, walks, page-walk-cache hits, page-table references per walk, faults,\n"
        "modeled translation cycles per access and the page tables' memory.\n\n"
        "TRACE is a file in any format 'vmlab trace info' reads (native, native zstd, Valgrind\n"
        "lackey, ChampSim raw/.xz/.gz, plain 'ADDR R|W' lines), '-' for standard input, or\n"
        "gen:PATTERN[:KEY=VALUE,...] for a synthetic one, e.g. gen:random:footprint=1G,count=10M\n"
        "(patterns seq, stride, random, zipf, chase; see 'vmlab trace --help').\n\n"
        "  --cpu SPEC       CPU model: a preset with changes (vmlab cpu list; default skylake)\n"
        "  --paging 4|5     page-table levels (default 4; 5 needs a CPU with la57=on)\n"
        "  --pages P        page size of the memory the trace touches: 4k (default), 2m or 1g\n"
        "                   (hugetlb pages); thp is not simulated yet\n"
        "  --cpus N         simulated CPUs; a record naming CPU i runs on CPU i (default 1)\n"
        "  --ram SIZE       simulated RAM (default 1T; host memory follows what is touched)\n"
        "  --zero-page on|off  read faults map the shared zero page (default on, as Linux)\n"
        "  --format F       native, lackey, champsim or plain (default: detected)\n"
        "  --limit N        replay at most N records\n"
        "  --json           the report as one JSON object\n"
        "  --interval N     a CSV time series, one row per N records, on standard output\n"
        "                   instead of the report\n"
        "  --series FILE    write that series to FILE, and the report to standard output\n\n"
        "Accesses to addresses no process can map (the kernel half, non-canonical ones, below\n"
        "64 KiB) are counted as faults, skipped and reported. Same input, same output.\n"
        "Exit status: 0 done, 1 the trace is bad or the replay failed, 2 usage error.\n",
        out);
}

struct opts {
    struct vml_replay_config cfg;
    const char *trace, *series;
    enum vml_trace_format format;
    uint64_t limit, interval;
    bool json;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    vml_replay_defaults(&o->cfg);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        struct vml_diag d = { 0 };
        if ((m = cli_opt(argc, argv, &i, "--cpu", &v)) != 0) {
            if (m < 0 || cli_parse_cpu(v, &o->cfg.cpu))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--paging", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "4") && strcmp(v, "5"))
                return cli_error(EXIT_USAGE, "replay: --paging %s: expected 4 or 5", v);
            o->cfg.paging = (unsigned)(v[0] - '0');
        } else if ((m = cli_opt(argc, argv, &i, "--pages", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_replay_pages_parse(v, &o->cfg.pages, &d))
                return cli_error(EXIT_USAGE, "replay: --pages: %s", d.msg);
        } else if ((m = cli_opt(argc, argv, &i, "--cpus", &v)) != 0) {
            uint64_t n;
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n < 1 || n > VML_SIM_MAX_CPUS)
                return cli_error(EXIT_USAGE, "replay: --cpus %s: expected 1 to %d", v,
                                 VML_SIM_MAX_CPUS);
            o->cfg.nr_cpus = (unsigned)n;
        } else if ((m = cli_opt(argc, argv, &i, "--ram", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_size(v, &o->cfg.ram, &d) || o->cfg.ram < (64ull << 20))
                return cli_error(EXIT_USAGE, "replay: --ram %s: expected a size of at least 64M",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--zero-page", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "on") && strcmp(v, "off"))
                return cli_error(EXIT_USAGE, "replay: --zero-page %s: expected on or off", v);
            o->cfg.no_zero_page = strcmp(v, "off") == 0;
        } else if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_trace_format_parse(v, &o->format) || o->format == VML_TRACE_GEN)
                return cli_error(EXIT_USAGE,
                                 "replay: --format %s: expected native, lackey, champsim or plain",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->limit, &d) || o->limit == 0)
                return cli_error(EXIT_USAGE, "replay: --limit %s: expected a count of at least 1",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--interval", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->interval, &d) || o->interval == 0)
                return cli_error(EXIT_USAGE,
                                 "replay: --interval %s: expected a count of records of at "
                                 "least 1",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--series", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->series = v;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "replay: unknown option '%s' (see vmlab replay --help)",
                             argv[i]);
        } else if (o->trace) {
            return cli_error(EXIT_USAGE, "replay: one trace at a time ('%s' and '%s')", o->trace,
                             argv[i]);
        } else {
            o->trace = argv[i];
        }
    }
    if (!o->trace)
        return cli_error(EXIT_USAGE, "replay: which trace? (vmlab replay TRACE; see --help)");
    if (o->series && !o->interval)
        return cli_error(EXIT_USAGE, "replay: --series needs --interval N");
    if (o->cfg.paging == 5 && !o->cfg.cpu.la57)
        return cli_error(EXIT_USAGE,
                         "replay: --paging 5 needs a CPU with 5-level paging (e.g. --cpu "
                         "icelake:la57=on)");
    if (o->cfg.pages == VML_PS_1G && !o->cfg.cpu.pdpe1gb)
        return cli_error(EXIT_USAGE, "replay: --pages 1g needs a CPU with 1 GiB pages (1g=on)");
    return 0;
}

/* Opens TRACE: gen:SPEC, a file or standard input. */
static int open_trace(const struct opts *o, struct vml_trace_reader **rd)
{
    struct vml_diag d = { 0 };
    int e;
    if (strncmp(o->trace, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(o->trace + 4, &g, &d)) != 0)
            return cli_error(EXIT_USAGE, "replay: %s: column %u: %s", o->trace,
                             d.col ? d.col + 4 : 0, d.msg);
        e = vml_trace_open_gen(&g, rd, &d);
    } else {
        e = vml_trace_open(o->trace, o->format, rd, &d);
    }
    if (e)
        return cli_diag_error(e == VML_EINVAL ? EXIT_USAGE : EXIT_FAIL, "replay", &d);
    return 0;
}

/* Writes t to f and empties it. */
static int flush_text(FILE *f, struct vml_text *t)
{
    if (t->oom)
        return cli_error(EXIT_FAIL, "replay: out of host memory");
    if (t->len && fwrite(t->s, 1, t->len, f) != t->len)
        return cli_error(EXIT_FAIL, "replay: cannot write the output");
    t->len = 0;
    return 0;
}

static void header(const struct opts *o, struct vml_trace_reader *rd, uint64_t records,
                   struct vml_text *t)
{
    const char *fmt = vml_trace_format_name(vml_trace_reader_format(rd));
    enum vml_trace_compress c = vml_trace_reader_compress(rd);
    char ram[32];
    vml_text_printf(t, "replay  %s (%s%s%s): %llu records\n", o->trace, fmt, c ? ", " : "",
                    c ? vml_trace_compress_name(c) : "", (unsigned long long)records);
    vml_text_printf(t, "machine %s, %u-level paging, %s pages, %u CPU%s, %s of RAM\n\n",
                    o->cfg.cpu.name, o->cfg.paging, vml_ps_name(o->cfg.pages), o->cfg.nr_cpus,
                    o->cfg.nr_cpus == 1 ? "" : "s", vml_format_size(o->cfg.ram, ram, sizeof(ram)));
}

static void report_json(const struct opts *o, struct vml_trace_reader *rd,
                        const struct vml_replay_stats *s, struct vml_text *t)
{
    enum vml_trace_compress c = vml_trace_reader_compress(rd);
    vml_text_printf(t, "{\"trace\":");
    cli_json_string(t, o->trace);
    vml_text_printf(t,
                    ",\"format\":\"%s\",\"compression\":\"%s\",\"cpu\":\"%s\",\"paging\":%u,"
                    "\"pages\":\"%s\",\"cpus\":%u,\"ram\":%llu,\"report\":",
                    vml_trace_format_name(vml_trace_reader_format(rd)), vml_trace_compress_name(c),
                    o->cfg.cpu.name, o->cfg.paging, vml_ps_name(o->cfg.pages), o->cfg.nr_cpus,
                    (unsigned long long)o->cfg.ram);
    vml_replay_report_json(s, &o->cfg.cpu, t);
    vml_text_printf(t, "}\n");
}

static int replay(const struct opts *o, struct vml_trace_reader *rd, struct vml_replay *r,
                  FILE *series)
{
    enum { BATCH = 4096 };
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    if (!buf)
        return cli_error(EXIT_FAIL, "replay: out of host memory");
    struct vml_text t = { 0 };
    struct vml_replay_stats prev, cur;
    vml_replay_stats(r, &prev);
    uint64_t made = 0, left = o->limit ? o->limit : UINT64_MAX, mark = o->interval;
    int rc = 0;
    if (series) {
        vml_replay_csv_header(&t);
        rc = flush_text(series, &t);
    }
    while (!rc && left) {
        size_t want = left < BATCH ? (size_t)left : BATCH;
        if (series && mark - made < want)
            want = (size_t)(mark - made);
        struct vml_diag d = { 0 };
        long n = vml_trace_read(rd, buf, want, &d);
        if (n < 0) {
            rc = cli_diag_error(EXIT_FAIL, "replay", &d);
            break;
        }
        if (n == 0)
            break;
        size_t done;
        if (vml_replay_feed(r, buf, (size_t)n, &done, &d)) {
            rc = cli_error(EXIT_FAIL, "replay: %s: record %llu: %s", o->trace,
                           (unsigned long long)(made + done + 1), d.msg);
            break;
        }
        made += (uint64_t)n;
        left -= (uint64_t)n;
        if (series && made == mark) {
            vml_replay_stats(r, &cur);
            vml_replay_csv_row(&prev, &cur, &t);
            prev = cur;
            mark += o->interval;
            rc = flush_text(series, &t);
        }
    }
    free(buf);
    vml_replay_stats(r, &cur);
    if (!rc && series && cur.records > prev.records) {
        vml_replay_csv_row(&prev, &cur, &t);
        rc = flush_text(series, &t);
    }
    if (!rc && series != stdout) {
        if (o->json) {
            report_json(o, rd, &cur, &t);
        } else {
            header(o, rd, cur.records, &t);
            vml_replay_report_text(&cur, &o->cfg.cpu, &t);
        }
        rc = flush_text(stdout, &t);
    }
    vml_text_free(&t);
    return rc;
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
    struct vml_replay *r;
    struct vml_diag d = { 0 };
    if (vml_replay_create(&o.cfg, &r, &d)) {
        vml_trace_close(rd);
        return cli_error(EXIT_USAGE, "replay: %s", d.msg);
    }
    FILE *series = NULL;
    if (o.interval) {
        series = o.series ? fopen(o.series, "w") : stdout;
        if (!series)
            rc = cli_error(EXIT_FAIL, "replay: cannot create %s: %s", o.series, strerror(errno));
    }
    if (!rc)
        rc = replay(&o, rd, r, series);
    if (series && series != stdout && fclose(series) != 0 && !rc)
        rc = cli_error(EXIT_FAIL, "replay: cannot write %s", o.series);
    vml_replay_destroy(r);
    vml_trace_close(rd);
    return rc;
}

const struct cli_command cli_cmd_replay = {
    .name = "replay",
    .summary = "replay a memory-access trace through the simulated TLBs, walk and kernel",
    .run = run,
    .help = help,
};
