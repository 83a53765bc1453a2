/* cli/cmd_trace.c: vmlab trace info|convert|cat|record: memory-access trace files. */
#include "cli/cli.h"
#include "cli/progress.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static void help(FILE *out)
{
    fputs(
        "Usage: vmlab trace info TRACE [--format F] [--json]\n"
        "       vmlab trace convert IN OUT [--to F] [--format F] [--zstd] [--limit N]\n"
        "                                  [--data-only] [--quiet]\n"
        "       vmlab trace cat TRACE [--as text|lackey|plain] [--format F] [--limit N]\n"
        "                             [--data-only]\n"
        "       vmlab trace record -o FILE [--raw] [--data-only] [--quiet] -- COMMAND [ARGS...]\n\n"
        "Memory-access traces, for vmlab replay.\n\n"
        "  info     records by kind (reads, writes, instruction fetches), access sizes, CPUs,\n"
        "           the address range, and the footprint: distinct 4 KiB, 2 MiB and 1 GiB\n"
        "           pages touched (an access spanning two pages touches both)\n"
        "  convert  rewrites a trace in another format: native (the default), lackey, plain\n"
        "           or champsim, chosen with --to or from OUT's name (.lackey, .plain,\n"
        "           .champsim or .champsimtrace, each optionally followed by .zst);\n"
        "           zstd-compressed with --zstd or when OUT ends in .zst. IN may be a\n"
        "           generator. What a format cannot hold is said on standard error (lackey,\n"
        "           plain and ChampSim have no CPU; plain no size and no fetch kind, fetches\n"
        "           become reads; ChampSim groups records into instructions: see\n"
        "           docs/trace-format.md)\n"
        "  cat      prints a trace as text on standard output: one record per line,\n"
        "           'N KIND ADDRESS SIZE cpu C' (KIND R, W or X for a fetch; SIZE - when the\n"
        "           format gives none), or as lackey or plain lines with --as\n"
        "  record   runs COMMAND under Valgrind's lackey tool (valgrind --tool=lackey\n"
        "           --trace-mem=yes) and writes every load, store and instruction fetch it\n"
        "           makes as a native trace, zstd-compressed unless --raw; the program's\n"
        "           output goes to the terminal. A failed or interrupted recording leaves\n"
        "           no file behind\n\n"
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
        "  --format F   the input's format: native, lackey, champsim or plain (default:\n"
        "               detected)\n"
        "  --to F       convert's output format: native, lackey, champsim or plain\n"
        "  --as F       cat's output: text (default), lackey or plain\n"
        "  --json       info as one JSON object\n"
        "  --zstd       compress convert's output with zstd\n"
        "  --raw        record without compression\n"
        "  --limit N    convert or print at most N records\n"
        "  --data-only  keep reads and writes only: instruction fetches are dropped\n"
        "  --quiet      no progress line (shown on a terminal's standard error after a\n"
        "               second: records, records/s, percent and ETA when the total is known)\n\n"
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

/* ---- convert and cat ---------------------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The output format OUT's name implies (before an optional .zst): native for any other name. */
static enum vml_trace_format format_of_name(const char *out)
{
    static const struct {
        const char *ext;
        enum vml_trace_format f;
    } map[] = {
        { ".lackey", VML_TRACE_LACKEY },
        { ".plain", VML_TRACE_PLAIN },
        { ".champsim", VML_TRACE_CHAMPSIM },
        { ".champsimtrace", VML_TRACE_CHAMPSIM },
    };
    char name[4096];
    snprintf(name, sizeof(name), "%s", out);
    if (ends_with(name, ".zst"))
        name[strlen(name) - 4] = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (ends_with(name, map[i].ext))
            return map[i].f;
    return VML_TRACE_NATIVE;
}

/* What passed through a conversion that the output format cannot hold, for the notes. */
struct losses {
    uint64_t cpus;    /* records of a CPU other than 0 */
    uint64_t fetches; /* instruction fetches (plain: written as reads) */
    uint64_t sized;   /* records with a size (plain, ChampSim: dropped) */
};

static void count_losses(struct losses *l, const struct vml_trace_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        l->cpus += r[i].cpu != 0;
        l->fetches += r[i].kind == VML_EXEC;
        l->sized += r[i].size != 0;
    }
}

static void note_losses(const struct losses *l, enum vml_trace_format to)
{
    const char *f = vml_trace_format_name(to);
    if (to == VML_TRACE_NATIVE)
        return;
    if (l->cpus)
        fprintf(stderr,
                "vmlab: trace convert: note: %s has no CPU field: %llu records of CPUs other "
                "than 0 are written as CPU 0's\n",
                f, (unsigned long long)l->cpus);
    if (to == VML_TRACE_PLAIN && l->fetches)
        fprintf(stderr,
                "vmlab: trace convert: note: plain has no fetch kind: %llu instruction fetches "
                "are written as reads (--data-only drops them)\n",
                (unsigned long long)l->fetches);
    if (to != VML_TRACE_LACKEY && l->sized)
        fprintf(stderr, "vmlab: trace convert: note: %s has no access size: sizes are dropped\n",
                f);
}

/* Drops the instruction fetches of recs[0..n), keeping the order; returns how many are left. */
static size_t keep_data(struct vml_trace_rec *recs, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (recs[i].kind != VML_EXEC)
            recs[k++] = recs[i];
    return k;
}

static int limit_opt(const char *what, const char *v, uint64_t *limit)
{
    struct vml_diag d;
    if (vml_parse_u64(v, limit, &d) || *limit == 0)
        return cli_error(EXIT_USAGE, "%s: --limit %s: expected a count of at least 1", what, v);
    return 0;
}

static int out_format_opt(const char *what, const char *opt, const char *v,
                          enum vml_trace_format *f)
{
    if (vml_trace_format_parse(v, f) || *f == VML_TRACE_GEN)
        return cli_error(EXIT_USAGE, "%s: %s %s: expected native, lackey, champsim or plain", what,
                         opt, v);
    return 0;
}

/* Copies records from rd to w: at most limit records written, fetches dropped with data_only.
 * Returns 0, or an exit status after a message (then w is aborted). */
static int pump(const char *what, struct vml_trace_reader *rd, struct vml_trace_writer *w,
                uint64_t limit, bool data_only, bool quiet, uint64_t *made, struct losses *l)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    if (!buf) {
        vml_trace_abort(w);
        return cli_error(EXIT_FAIL, "%s: out of host memory", what);
    }
    struct vml_diag d = { 0 };
    uint64_t total = vml_trace_reader_count(rd), read = 0;
    struct cli_progress pg;
    cli_progress_start(&pg, what, "records", data_only || limit >= total ? total : limit, quiet);
    long n = 0;
    while (*made < limit) {
        size_t want = limit - *made < BATCH ? (size_t)(limit - *made) : BATCH;
        if ((n = vml_trace_read(rd, buf, want, &d)) <= 0)
            break;
        read += (uint64_t)n;
        size_t k = data_only ? keep_data(buf, (size_t)n) : (size_t)n;
        if (l)
            count_losses(l, buf, k);
        if (vml_trace_write(w, buf, k, &d)) {
            n = VML_ENOENT;
            break;
        }
        *made += k;
        cli_progress_update(&pg, read);
    }
    cli_progress_end(&pg);
    free(buf);
    if (n < 0) {
        /* d.file borrows the reader's name (a bad record) or the writer's path (a failed
         * write): print before freeing either. */
        int rc = cli_diag_error(EXIT_FAIL, what, &d);
        vml_trace_abort(w);
        return rc;
    }
    return 0;
}

static int cmd_convert(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    enum vml_trace_format f = VML_TRACE_AUTO, to = VML_TRACE_AUTO;
    bool zstd = false, data_only = false, quiet = false;
    uint64_t limit = UINT64_MAX;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0 || format_opt("trace convert", v, &f))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--to", &v)) != 0) {
            if (m < 0 || out_format_opt("trace convert", "--to", v, &to))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0 || limit_opt("trace convert", v, &limit))
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--zstd") == 0) {
            zstd = true;
        } else if (strcmp(argv[i], "--data-only") == 0) {
            data_only = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            quiet = true;
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
    if (to == VML_TRACE_AUTO)
        to = format_of_name(out);
    struct vml_trace_reader *rd;
    int rc = open_in("trace convert", in, f, &rd);
    if (rc)
        return rc;
    struct vml_diag d = { 0 };
    struct vml_trace_writer *w;
    if (vml_trace_create_as(
            out, to, zstd || ends_with(out, ".zst") ? VML_TRACE_ZSTD : VML_TRACE_RAW, &w, &d)) {
        vml_trace_close(rd);
        return cli_diag_error(EXIT_FAIL, "trace convert", &d);
    }
    uint64_t made = 0;
    struct losses l = { 0 };
    rc = pump("trace convert", rd, w, limit, data_only, quiet, &made, &l);
    vml_trace_close(rd);
    if (rc)
        return rc;
    if (vml_trace_finish(w, &d)) {
        /* The writer is freed by now, and with it the path d named: name OUT here. */
        d.file = out;
        return cli_diag_error(EXIT_FAIL, "trace convert", &d);
    }
    note_losses(&l, to);
    fprintf(stderr, "vmlab: trace convert: %llu record%s written to %s (%s)\n",
            (unsigned long long)made, made == 1 ? "" : "s", out, vml_trace_format_name(to));
    return 0;
}

/* cat's own text: "N KIND ADDRESS SIZE cpu C", N counting from 1 over the records shown. */
static int cat_text(struct vml_trace_reader *rd, uint64_t limit, bool data_only)
{
    static const char kind[] = { 'R', 'W', 'X' };
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    if (!buf)
        return cli_error(EXIT_FAIL, "trace cat: out of host memory");
    struct vml_diag d = { 0 };
    uint64_t shown = 0;
    long n = 0;
    int rc = 0;
    while (shown < limit) {
        if ((n = vml_trace_read(rd, buf, BATCH, &d)) <= 0)
            break;
        size_t k = data_only ? keep_data(buf, (size_t)n) : (size_t)n;
        for (size_t i = 0; i < k && shown < limit; i++) {
            const struct vml_trace_rec *r = &buf[i];
            char size[8] = "-";
            if (r->size)
                snprintf(size, sizeof(size), "%u", r->size);
            printf("%llu %c 0x%016llx %s cpu %u\n", (unsigned long long)++shown,
                   kind[r->kind < 3 ? r->kind : 0], (unsigned long long)r->addr, size, r->cpu);
        }
        if (ferror(stdout))
            break;
    }
    if (n < 0)
        rc = cli_diag_error(EXIT_FAIL, "trace cat", &d);
    else if (fflush(stdout) != 0 || ferror(stdout))
        rc = cli_error(EXIT_FAIL, "trace cat: cannot write the output: %s", strerror(errno));
    free(buf);
    return rc;
}

static int cmd_cat(int argc, char **argv)
{
    const char *in = NULL;
    enum vml_trace_format f = VML_TRACE_AUTO, as = VML_TRACE_AUTO;
    bool data_only = false;
    uint64_t limit = UINT64_MAX;
    for (int i = 2; i < argc; i++) {
        const char *v;
        int m;
        if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0 || format_opt("trace cat", v, &f))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--as", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "text") == 0)
                as = VML_TRACE_AUTO;
            else if (strcmp(v, "lackey") == 0)
                as = VML_TRACE_LACKEY;
            else if (strcmp(v, "plain") == 0)
                as = VML_TRACE_PLAIN;
            else
                return cli_error(EXIT_USAGE, "trace cat: --as %s: expected text, lackey or plain",
                                 v);
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0 || limit_opt("trace cat", v, &limit))
                return EXIT_USAGE;
        } else if (strcmp(argv[i], "--data-only") == 0) {
            data_only = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "trace cat: unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_error(EXIT_USAGE, "trace cat: one trace at a time");
        } else {
            in = argv[i];
        }
    }
    if (!in)
        return cli_error(EXIT_USAGE, "trace cat: which trace? (vmlab trace cat TRACE)");
    struct vml_trace_reader *rd;
    int rc = open_in("trace cat", in, f, &rd);
    if (rc)
        return rc;
    if (as == VML_TRACE_AUTO) {
        rc = cat_text(rd, limit, data_only);
    } else {
        struct vml_diag d = { 0 };
        struct vml_trace_writer *w;
        uint64_t made = 0;
        fflush(stdout);
        if (vml_trace_create_as("-", as, VML_TRACE_RAW, &w, &d))
            rc = cli_diag_error(EXIT_FAIL, "trace cat", &d);
        else if ((rc = pump("trace cat", rd, w, limit, data_only, true, &made, NULL)) == 0 &&
                 vml_trace_finish(w, &d))
            rc = cli_diag_error(EXIT_FAIL, "trace cat", &d);
    }
    vml_trace_close(rd);
    return rc;
}

/* ---- record -------------------------------------------------------------------------------- */

/* Set by SIGINT, SIGTERM or SIGHUP during a recording: it is abandoned, no file left. */
static volatile sig_atomic_t record_stop, record_child;

static void on_stop_signal(int sig)
{
    record_stop = sig;
    if (record_child > 0)
        kill((pid_t)record_child, SIGTERM); /* valgrind ends, its pipe closes, the copy stops */
}

static void record_progress(void *arg, uint64_t records)
{
    cli_progress_update(arg, records);
}

static int cmd_record(int argc, char **argv)
{
    const char *out = NULL;
    bool raw = false, data_only = false, quiet = false;
    int i = 2;
    for (; i < argc; i++) {
        const char *v;
        int m = cli_opt(argc, argv, &i, "-o", &v);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            out = v;
        else if (strcmp(argv[i], "--zstd") == 0)
            raw = false; /* the default; kept for scripts that ask for it */
        else if (strcmp(argv[i], "--raw") == 0)
            raw = true;
        else if (strcmp(argv[i], "--data-only") == 0)
            data_only = true;
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
            quiet = true;
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
    struct cli_progress pg;
    cli_progress_start(&pg, "trace record", "accesses", 0, quiet);
    struct vml_record_config c = {
        .compress = raw ? VML_TRACE_RAW : VML_TRACE_ZSTD,
        .data_only = data_only,
        .progress = record_progress,
        .arg = &pg,
        .stop = &record_stop,
        .child = &record_child,
    };
    struct sigaction sa = { .sa_handler = on_stop_signal }, old[3];
    static const int sigs[3] = { SIGINT, SIGTERM, SIGHUP };
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; k++)
        sigaction(sigs[k], &sa, &old[k]);
    uint64_t records;
    int status;
    struct vml_diag d = { 0 };
    int e = vml_host_record(argv + i, out, &c, &records, &status, &d);
    cli_progress_end(&pg);
    for (int k = 0; k < 3; k++)
        sigaction(sigs[k], &old[k], NULL);
    if (record_stop) {
        fprintf(stderr, "vmlab: trace record: interrupted; no trace written to %s\n", out);
        return 128 + record_stop;
    }
    if (e)
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
        return cli_error(EXIT_USAGE,
                         "trace: expected info, convert, cat or record (see vmlab trace "
                         "--help)");
    if (strcmp(argv[1], "info") == 0)
        return cmd_info(argc, argv);
    if (strcmp(argv[1], "convert") == 0)
        return cmd_convert(argc, argv);
    if (strcmp(argv[1], "record") == 0)
        return cmd_record(argc, argv);
    if (strcmp(argv[1], "cat") == 0)
        return cmd_cat(argc, argv);
    return cli_error(EXIT_USAGE,
                     "trace: unknown subcommand '%s' (use info, convert, cat or record)", argv[1]);
}

const struct cli_command cli_cmd_trace = {
    .name = "trace",
    .summary = "trace files: info (counts, footprint), convert, cat, record (valgrind lackey)",
    .run = run,
    .help = help,
};
