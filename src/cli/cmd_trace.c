/* cli/cmd_trace.c: vmlab trace info|convert|record: memory-access trace files. */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab trace info TRACE [--format F] [--json]\n"
          "       vmlab trace convert IN OUT [--format F] [--zstd] [--limit N]\n"
          "       vmlab trace record -o FILE [--zstd] -- COMMAND [ARGS...]\n\n"
          "Memory-access traces, for vmlab replay.\n\n"
          "  info     records by kind (reads, writes, instruction fetches), access sizes, CPUs,\n"
          "           the address range, and the footprint: distinct 4 KiB, 2 MiB and 1 GiB\n"
          "           pages touched (an access spanning two pages touches both)\n"
          "  convert  rewrites a trace in vmlab's native format (docs/trace-format.md), zstd-\n"
          "           compressed with --zstd or when OUT ends in .zst; IN may be a generator\n"
          "  record   runs COMMAND under Valgrind's lackey tool (valgrind --tool=lackey\n"
          "           --trace-mem=yes) and writes every load, store and instruction fetch it\n"
          "           makes as a native trace; the program's output goes to the terminal\n\n"
          "TRACE and IN: a file in any format vmlab reads, '-' for standard input, or\n"
          "gen:PATTERN[:KEY=VALUE,...] for a synthetic trace. Formats (detected from the content,\n"
          "and for ChampSim from a name ending in .champsim or .trace, before .xz or .gz):\n"
          "  native    vmlab's binary format, raw or zstd-compressed (.vmt, .vmt.zst)\n"
          "  lackey    Valgrind lackey text: I, L, S and M lines (M = a read and a write)\n"
          "  champsim  ChampSim input_instr records, raw, .xz or .gz: a fetch, loads, stores\n"
          "  plain     'ADDR R|W' lines, ADDR in hexadecimal, as OS course simulators use\n\n"
          "Generator patterns: seq, stride, random, zipf, chase; keys base, footprint, count,\n"
          "stride, seed, writes (percent with %, else per mille), size, s (zipf exponent), e.g.\n"
          "  gen:seq:footprint=64M,count=100M\n"
          "  gen:random:footprint=1G,count=50M,seed=7,writes=30%\n"
          "  gen:zipf:footprint=4G,s=0.99     gen:chase:footprint=256M\n\n"
          "  --format F   native, lackey, champsim or plain (default: detected)\n"
          "  --json       info as one JSON object\n"
          "  --zstd       compress the output with zstd\n"
          "  --limit N    convert at most N records\n\n"
          "Exit status: 0 done, 1 a bad trace or a failed write or command, 2 usage error.\n",
          out);
}

enum { BATCH = 4096 };

static int open_in(const char *what, const char *in, enum vml_trace_format f,
                   struct vml_trace_reader **rd)
{
    struct vml_diag d = { 0 };
    int e;
    if (strncmp(in, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(in + 4, &g, &d)) != 0)
            return cli_error(EXIT_USAGE, "%s: %s: column %u: %s", what, in, d.col ? d.col + 4 : 0,
                             d.msg);
        e = vml_trace_open_gen(&g, rd, &d);
    } else {
        e = vml_trace_open(in, f, rd, &d);
    }
    return e ? cli_diag_error(e == VML_EINVAL ? EXIT_USAGE : EXIT_FAIL, what, &d) : 0;
}

static int format_opt(const char *what, const char *v, enum vml_trace_format *f)
{
    if (vml_trace_format_parse(v, f) || *f == VML_TRACE_GEN)
        return cli_error(EXIT_USAGE, "%s: --format %s: expected native, lackey, champsim or plain",
                         what, v);
    return 0;
}

/* ---- info ---------------------------------------------------------------------------------- */

static void info_text(const char *name, struct vml_trace_reader *rd,
                      const struct vml_trace_summary *in, struct vml_text *t)
{
    enum vml_trace_compress c = vml_trace_reader_compress(rd);
    vml_text_printf(t, "trace      %s\n", name);
    vml_text_printf(t, "format     %s%s%s\n", vml_trace_format_name(vml_trace_reader_format(rd)),
                    c ? ", " : "", c ? vml_trace_compress_name(c) : "");
    vml_text_printf(t, "records    %llu: %llu reads, %llu writes, %llu instruction fetches\n",
                    (unsigned long long)in->records, (unsigned long long)in->kinds[VML_READ],
                    (unsigned long long)in->kinds[VML_WRITE],
                    (unsigned long long)in->kinds[VML_EXEC]);
    if (!in->records)
        return;
    if (in->max_size && in->min_size == in->max_size)
        vml_text_printf(t, "sizes      %u bytes", in->max_size);
    else if (in->max_size)
        vml_text_printf(t, "sizes      %u to %u bytes", in->min_size, in->max_size);
    else
        vml_text_printf(t, "sizes      not given");
    if (in->max_size && in->unsized)
        vml_text_printf(t, "; %llu record%s without a size", (unsigned long long)in->unsized,
                        in->unsized == 1 ? "" : "s");
    vml_text_printf(t, "\ncpus       %u\n", in->max_cpu + 1);
    vml_text_printf(t, "addresses  %#llx to %#llx\n", (unsigned long long)in->lowest,
                    (unsigned long long)in->highest);
    vml_text_printf(t, "footprint ");
    for (unsigned p = 0; p < VML_PS_COUNT; p++) {
        char sz[32];
        uint64_t bytes = (uint64_t)in->pages[p] << vml_ps_shift((enum vml_page_size)p);
        vml_text_printf(t, "%s %llu %s pages (%s)", p ? "," : "", (unsigned long long)in->pages[p],
                        vml_ps_name((enum vml_page_size)p),
                        vml_format_size_human(bytes, sz, sizeof(sz)));
    }
    vml_text_printf(t, "\n");
}

static void info_json(const char *name, struct vml_trace_reader *rd,
                      const struct vml_trace_summary *in, struct vml_text *t)
{
    vml_text_printf(t, "{\"trace\":");
    cli_json_string(t, name);
    vml_text_printf(t,
                    ",\"format\":\"%s\",\"compression\":\"%s\",\"records\":%llu,\"reads\":%llu,"
                    "\"writes\":%llu,\"fetches\":%llu",
                    vml_trace_format_name(vml_trace_reader_format(rd)),
                    vml_trace_compress_name(vml_trace_reader_compress(rd)),
                    (unsigned long long)in->records, (unsigned long long)in->kinds[VML_READ],
                    (unsigned long long)in->kinds[VML_WRITE],
                    (unsigned long long)in->kinds[VML_EXEC]);
    if (in->records)
        vml_text_printf(t,
                        ",\"min_size\":%u,\"max_size\":%u,\"unsized\":%llu,\"cpus\":%u,"
                        "\"lowest\":%llu,\"highest\":%llu",
                        in->min_size, in->max_size, (unsigned long long)in->unsized,
                        in->max_cpu + 1, (unsigned long long)in->lowest,
                        (unsigned long long)in->highest);
    vml_text_printf(t, ",\"footprint\":{\"4K\":%llu,\"2M\":%llu,\"1G\":%llu}}\n",
                    (unsigned long long)in->pages[0], (unsigned long long)in->pages[1],
                    (unsigned long long)in->pages[2]);
}

static int emit(struct vml_text *t)
{
    int rc = 0;
    if (t->oom)
        rc = cli_error(EXIT_FAIL, "out of host memory");
    else if (t->len && fwrite(t->s, 1, t->len, stdout) != t->len)
        rc = cli_error(EXIT_FAIL, "cannot write the output");
    vml_text_free(t);
    return rc;
}

static int cmd_info(int argc, char **argv)
{
    const char *in = NULL;
    enum vml_trace_format f = VML_TRACE_AUTO;
    bool json = false;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "--format", &v);
        if (m < 0 || (m > 0 && format_opt("trace info", v, &f)))
            return EXIT_USAGE;
        if (m > 0)
            continue;
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_error(EXIT_USAGE, "trace info: unknown option '%s'", argv[i]);
        else if (in)
            return cli_error(EXIT_USAGE, "trace info: one trace at a time");
        else
            in = argv[i];
    }
    if (!in)
        return cli_error(EXIT_USAGE, "trace info: which trace? (vmlab trace info TRACE)");
    struct vml_trace_reader *rd;
    int rc = open_in("trace info", in, f, &rd);
    if (rc)
        return rc;
    struct vml_trace_summary info;
    struct vml_diag d = { 0 };
    if (vml_trace_summarize(rd, &info, &d)) {
        rc = cli_diag_error(EXIT_FAIL, "trace info", &d);
    } else {
        struct vml_text t = { 0 };
        (json ? info_json : info_text)(in, rd, &info, &t);
        rc = emit(&t);
    }
    vml_trace_close(rd);
    return rc;
}

/* ---- convert ------------------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    enum vml_trace_format f = VML_TRACE_AUTO;
    bool zstd = false;
    uint64_t limit = UINT64_MAX;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0 || format_opt("trace convert", v, &f))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            struct vml_diag d;
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &limit, &d) || limit == 0)
                return cli_error(EXIT_USAGE,
                                 "trace convert: --limit %s: expected a count of at "
                                 "least 1",
                                 v);
        } else if (strcmp(argv[i], "--zstd") == 0) {
            zstd = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "trace convert: unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return cli_error(EXIT_USAGE, "trace convert: one input and one output (IN OUT)");
        }
    }
    if (!out)
        return cli_error(EXIT_USAGE, "trace convert: need IN and OUT (vmlab trace convert IN OUT)");
    struct vml_trace_reader *rd;
    int rc = open_in("trace convert", in, f, &rd);
    if (rc)
        return rc;
    struct vml_diag d = { 0 };
    struct vml_trace_writer *w;
    if (vml_trace_create(out, zstd || ends_with(out, ".zst") ? VML_TRACE_ZSTD : VML_TRACE_RAW, &w,
                         &d)) {
        vml_trace_close(rd);
        return cli_diag_error(EXIT_FAIL, "trace convert", &d);
    }
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    long n = buf ? 0 : VML_EHOST;
    uint64_t made = 0;
    while (buf && made < limit) {
        size_t want = limit - made < BATCH ? (size_t)(limit - made) : BATCH;
        if ((n = vml_trace_read(rd, buf, want, &d)) <= 0)
            break;
        if (vml_trace_write(w, buf, (size_t)n, &d)) {
            n = VML_ENOENT;
            break;
        }
        made += (uint64_t)n;
    }
    bool no_buf = !buf;
    free(buf);
    if (n < 0) {
        /* d.file borrows the reader's name (a bad record) or the writer's path (a failed
         * write): print before closing either, which frees the name. */
        rc = no_buf ? cli_error(EXIT_FAIL, "trace convert: out of host memory")
                    : cli_diag_error(EXIT_FAIL, "trace convert", &d);
        vml_trace_abort(w);
        vml_trace_close(rd);
        return rc;
    }
    vml_trace_close(rd);
    if (vml_trace_finish(w, &d)) {
        /* The writer is freed by now, and with it the path d named: name OUT here. */
        d.file = out;
        return cli_diag_error(EXIT_FAIL, "trace convert", &d);
    }
    fprintf(stderr, "vmlab: trace convert: %llu record%s written to %s\n", (unsigned long long)made,
            made == 1 ? "" : "s", out);
    return 0;
}

/* ---- record -------------------------------------------------------------------------------- */

static int cmd_record(int argc, char **argv)
{
    const char *out = NULL;
    bool zstd = false;
    int i = 2;
    for (; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "-o", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            out = v;
        else if (strcmp(argv[i], "--zstd") == 0)
            zstd = true;
        else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else if (argv[i][0] == '-')
            return cli_error(EXIT_USAGE, "trace record: unknown option '%s'", argv[i]);
        else
            break; /* the command, without a "--" */
    }
    if (!out)
        return cli_error(EXIT_USAGE, "trace record: where to? (vmlab trace record -o FILE -- "
                                     "COMMAND ARGS)");
    if (i >= argc)
        return cli_error(EXIT_USAGE, "trace record: which command? (vmlab trace record -o FILE -- "
                                     "COMMAND ARGS)");
    uint64_t records;
    int status;
    struct vml_diag d = { 0 };
    if (vml_host_record(argv + i, out,
                        zstd || ends_with(out, ".zst") ? VML_TRACE_ZSTD : VML_TRACE_RAW, &records,
                        &status, &d))
        return cli_diag_error(EXIT_FAIL, "trace record", &d);
    if (WIFEXITED(status))
        fprintf(stderr, "vmlab: trace record: %llu accesses written to %s; %s exited with %d\n",
                (unsigned long long)records, out, argv[i], WEXITSTATUS(status));
    else
        fprintf(stderr,
                "vmlab: trace record: %llu accesses written to %s; %s was killed by "
                "signal %d\n",
                (unsigned long long)records, out, argv[i],
                WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}

static int run(int argc, char **argv)
{
    if (argc < 2)
        return cli_error(EXIT_USAGE, "trace: expected info, convert or record (see vmlab trace "
                                     "--help)");
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc, argv);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(argc, argv);
    if (strcmp(argv[1], "record") == 0)
        return cmd_record(argc, argv);
    return cli_error(EXIT_USAGE, "trace: unknown subcommand '%s' (use info, convert or record)",
                     argv[1]);
}

const struct cli_command cli_cmd_trace = {
    .name = "trace",
    .summary = "trace files: info (counts, footprint), convert, record (valgrind lackey)",
    .run = run,
    .help = help,
};
