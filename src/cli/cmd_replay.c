/* cli/cmd_replay.c: vmlab replay TRACE: a trace through the simulated MMU and kernel. */
#include "cli/cli.h"
#include "cli/progress.h"

#include "vmlab/vmlab.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs(
        "Usage: vmlab replay TRACE [--cpu SPEC] [--paging 4|5] [--pages 4k|2m|1g]\n"
        "                    [--thp always|madvise|never] [--cpus N] [--nodes N] [--ram SIZE]\n"
        "                    [--zero-page on|off] [--format F] [--limit N] [--json]\n"
        "                    [--interval N [--series FILE]] [--quiet]\n\n"
        "Replays a memory-access trace through the simulated machine: each access is\n"
        "translated in user mode through the L1 TLBs, the second-level TLB, the page-walk\n"
        "caches and the page walk of the CPU model; page faults go to the simulated kernel.\n"
        "Memory appears on demand: the first fault in an unmapped GiB maps it (anonymous,\n"
        "private, rwx) with the chosen page size; where a page of that size cannot go (below\n"
        "2 MiB, at the top of user space, beside what is mapped) or RAM has no room for the\n"
        "hugetlb pool to grow, the next smaller size is used (1G, then 2M, then 4K). With\n"
        "--thp the memory is of 4K pages whose faults take transparent huge pages as the\n"
        "kernel's do: a fault maps the aligned 2 MiB around it as one THP (a read, with the\n"
        "zero page on, the huge zero page), or a 4K page where those 2 MiB are not all in the\n"
        "mapping or RAM has no free 2 MiB block. Reports\n"
        "TLB hits and misses per level and page size (each access once: a faulting access by\n"
        "its first translation; its retries after the fault on a line of their own), walks,\n"
        "page-walk-cache hits, page-table references per walk, faults, modeled translation\n"
        "cycles per access, the page tables' memory, how much each page size mapped and, with\n"
        "--thp, the THP fault counters (thp_fault_alloc, thp_fault_fallback).\n\n"
        "TRACE is a file in any format 'vmlab trace info' reads (native, native zstd, Valgrind\n"
        "lackey, ChampSim raw/.xz/.gz, plain 'ADDR R|W' lines), '-' for standard input, or\n"
        "gen:PATTERN[:KEY=VALUE,...] for a synthetic one, e.g. gen:random:footprint=1G,count=10M\n"
        "(patterns seq, stride, random, zipf, chase; see 'vmlab trace --help').\n\n"
        "  --cpu SPEC       CPU model: a preset with changes (vmlab cpu list; default skylake)\n"
        "  --paging 4|5     page-table levels (default 4; 5 needs a CPU with la57=on)\n"
        "  --pages P        page size of the memory the trace touches: 4k (default), 2m or 1g\n"
        "                   (hugetlb pages)\n"
        "  --thp MODE       transparent huge pages on the 4k pages: the machine's\n"
        "                   transparent_hugepage/enabled is MODE (always, madvise or never);\n"
        "                   under madvise the memory is advised MADV_HUGEPAGE, as a program\n"
        "                   asking for THPs does. Without --thp: enabled=madvise (the default)\n"
        "                   and no advice, so 4K pages only. Not with --pages 2m or 1g\n"
        "  --cpus N         simulated CPUs; a record naming CPU i runs on CPU i (default 1)\n"
        "  --nodes N        NUMA nodes, 1..8, RAM split and CPUs spread evenly (default 1);\n"
        "                   with more than one, the report counts local and remote memory\n"
        "                   accesses, the page walks' local and remote page-table reads, and\n"
        "                   their mean latencies (docs/numa.md)\n"
        "  --ram SIZE       simulated RAM, 64M to 8T in steps of 2M (default 1T; host memory\n"
        "                   follows what is touched); reclaim and swap are not simulated yet\n"
        "  --zero-page on|off  read faults map the shared zero page (default on, as Linux)\n"
        "  --format F       native, lackey, champsim or plain (default: detected)\n"
        "  --limit N        replay at most N records\n"
        "  --json           the report as one JSON object\n"
        "  --interval N     a CSV time series, one row per N records, on standard output\n"
        "                   instead of the report\n"
        "  --series FILE    write that series to FILE, and the report to standard output\n"
        "  --quiet          no progress line (it is shown on a terminal's standard error\n"
        "                   after a second: records, records/s, percent and ETA when the\n"
        "                   trace says how many records it holds)\n\n"
        "Accesses to addresses no process can map (below 64 KiB, past the end of user space,\n"
        "the kernel half, non-canonical) are counted as faults, skipped and reported. The\n"
        "replay stops early when simulated RAM runs out, or if the process is killed; the\n"
        "report then says how many records were not replayed and why. Same input, same output.\n"
        "Exit status: 0 every record replayed; 1 the trace is bad or unreadable, or the\n"
        "replay failed (no report); 2 usage error; 3 the report is printed but not every\n"
        "record was replayed: accesses were skipped or the replay stopped early (standard\n"
        "error says how many and why).\n",
        out);
}

/* The exit status of a replay whose report is printed but incomplete (see the help). */
enum { EXIT_INCOMPLETE = 3 };

/* A value of the user's, escaped: backslash and double quote escaped, control and non-ASCII
 * bytes as \xNN (so no raw byte of it reaches the terminal), cut with "..." after max bytes.
 * In double quotes for a message (max 80); bare for the report's header (max 120). */
struct quoted {
    char s[520];
};

static const char *escape(struct quoted *q, const char *v, bool quotes)
{
    const size_t max = quotes ? 80 : 120;
    size_t o = 0, i = 0;
    if (quotes)
        q->s[o++] = '"';
    for (; v[i] && i < max; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(q->s + o, sizeof(q->s) - o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(q->s + o, sizeof(q->s) - o, "\\x%02x", c);
        else
            q->s[o++] = (char)c;
    }
    if (v[i]) {
        memcpy(q->s + o, "...", 3);
        o += 3;
    }
    if (quotes)
        q->s[o++] = '"';
    q->s[o] = 0;
    return q->s;
}

static const char *quote(struct quoted *q, const char *v)
{
    return escape(q, v, true);
}

/* --ram: a size from 64M to 8T (the simulator's largest RAM), a multiple of 2M (its RAM comes
 * in 2 MiB blocks). 0, or EXIT_USAGE after a message naming the value and the range. */
static int parse_ram(const char *v, uint64_t *out)
{
    struct quoted q;
    struct vml_diag d = { 0 };
    const uint64_t min = 64ull << 20;
    if (vml_parse_size(v, out, &d) != 0) {
        /* vml_parse_size refuses a size past 2^64 bytes as it refuses text: tell them apart.
         * Decimal digits and a unit that parses alone can only have been too large. */
        char unit[8];
        size_t n = strspn(v, "0123456789");
        uint64_t x;
        if (n > 0 && strlen(v + n) < sizeof(unit) - 1) {
            snprintf(unit, sizeof(unit), "1%s", v + n);
            if (vml_parse_size(unit, &x, &d) == 0)
                return cli_error(EXIT_USAGE,
                                 "replay: --ram %s is more than the maximum, 8T: give 64M to 8T",
                                 quote(&q, v));
        }
        return cli_error(EXIT_USAGE,
                         "replay: --ram %s is not a size: give 64M to 8T, a number with K, M, G "
                         "or T (e.g. --ram 16G)",
                         quote(&q, v));
    }
    if (*out < min)
        return cli_error(EXIT_USAGE,
                         "replay: --ram %s is less than the minimum, 64M: give 64M to 8T",
                         quote(&q, v));
    if (*out > VML_PHYS_MAX)
        return cli_error(EXIT_USAGE,
                         "replay: --ram %s is more than the maximum, 8T: give 64M to 8T",
                         quote(&q, v));
    if (*out % VML_PHYS_ALIGN)
        return cli_error(EXIT_USAGE,
                         "replay: --ram %s is not a multiple of 2M (simulated RAM comes in 2 MiB "
                         "blocks): give e.g. --ram %lluM",
                         quote(&q, v), (unsigned long long)(*out / VML_PHYS_ALIGN * 2));
    return 0;
}

struct opts {
    struct vml_replay_config cfg;
    const char *trace, *series;
    enum vml_trace_format format;
    uint64_t limit, interval;
    bool json, quiet;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    vml_replay_defaults(&o->cfg);
    for (int i = 1; i < argc; i++) {
        const char *v;
        int m;
        struct vml_diag d = { 0 };
        struct quoted q, q2;
        if ((m = cli_opt(argc, argv, &i, "--cpu", &v)) != 0) {
            if (m < 0 || cli_parse_cpu(v, &o->cfg.cpu))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--paging", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "4") && strcmp(v, "5"))
                return cli_error(EXIT_USAGE, "replay: --paging %s: expected 4 or 5", quote(&q, v));
            o->cfg.paging = (unsigned)(v[0] - '0');
        } else if ((m = cli_opt(argc, argv, &i, "--pages", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_replay_pages_parse(v, &o->cfg.pages, &d))
                return cli_error(EXIT_USAGE, "replay: --pages: %s", d.msg);
        } else if ((m = cli_opt(argc, argv, &i, "--thp", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "always") == 0)
                o->cfg.thp_enabled = VML_THP_ALWAYS;
            else if (strcmp(v, "madvise") == 0)
                o->cfg.thp_enabled = VML_THP_MADVISE;
            else if (strcmp(v, "never") == 0)
                o->cfg.thp_enabled = VML_THP_NEVER;
            else
                return cli_error(EXIT_USAGE, "replay: --thp %s: expected always, madvise or never",
                                 quote(&q, v));
            o->cfg.thp = true;
        } else if ((m = cli_opt(argc, argv, &i, "--cpus", &v)) != 0) {
            uint64_t n;
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n < 1 || n > VML_SIM_MAX_CPUS)
                return cli_error(EXIT_USAGE, "replay: --cpus %s: expected 1 to %d", quote(&q, v),
                                 VML_SIM_MAX_CPUS);
            o->cfg.nr_cpus = (unsigned)n;
        } else if ((m = cli_opt(argc, argv, &i, "--nodes", &v)) != 0) {
            uint64_t n;
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &n, &d) || n < 1 || n > VML_MAX_NODES)
                return cli_error(EXIT_USAGE, "replay: --nodes %s: expected 1 to %d", quote(&q, v),
                                 VML_MAX_NODES);
            o->cfg.nr_nodes = (unsigned)n;
        } else if ((m = cli_opt(argc, argv, &i, "--ram", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (parse_ram(v, &o->cfg.ram))
                return EXIT_USAGE;
        } else if ((m = cli_opt(argc, argv, &i, "--zero-page", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "on") && strcmp(v, "off"))
                return cli_error(EXIT_USAGE, "replay: --zero-page %s: expected on or off",
                                 quote(&q, v));
            o->cfg.no_zero_page = strcmp(v, "off") == 0;
        } else if ((m = cli_opt(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_trace_format_parse(v, &o->format) || o->format == VML_TRACE_GEN)
                return cli_error(EXIT_USAGE,
                                 "replay: --format %s: expected native, lackey, champsim or plain",
                                 quote(&q, v));
        } else if ((m = cli_opt(argc, argv, &i, "--limit", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->limit, &d) || o->limit == 0)
                return cli_error(EXIT_USAGE, "replay: --limit %s: expected a count of at least 1",
                                 quote(&q, v));
        } else if ((m = cli_opt(argc, argv, &i, "--interval", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (vml_parse_u64(v, &o->interval, &d) || o->interval == 0)
                return cli_error(EXIT_USAGE,
                                 "replay: --interval %s: expected a count of records of at "
                                 "least 1",
                                 quote(&q, v));
        } else if ((m = cli_opt(argc, argv, &i, "--series", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            o->series = v;
        } else if (strcmp(argv[i], "--json") == 0) {
            o->json = true;
        } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
            o->quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_error(EXIT_USAGE, "replay: unknown option %s (see vmlab replay --help)",
                             quote(&q, argv[i]));
        } else if (o->trace) {
            return cli_error(EXIT_USAGE, "replay: one trace at a time (%s and %s)",
                             quote(&q, o->trace), quote(&q2, argv[i]));
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
    /* THPs are the kernel's choice on memory of base pages; hugetlb memory is never THP
     * (thp_vma_allowable_order refuses VM_HUGETLB), so the two cannot mix in one region. */
    if (o->cfg.thp && o->cfg.pages != VML_PS_4K)
        return cli_error(EXIT_USAGE,
                         "replay: --thp with --pages %s: transparent huge pages come on 4k "
                         "pages, and hugetlb memory is never THP; give one of them (--pages 4k "
                         "is allowed)",
                         o->cfg.pages == VML_PS_2M ? "2m" : "1g");
    if (o->cfg.pages == VML_PS_1G && !o->cfg.cpu.pdpe1gb)
        return cli_error(EXIT_USAGE, "replay: --pages 1g needs a CPU with 1 GiB pages (1g=on)");
    return 0;
}

/* Opens TRACE: gen:SPEC, a file or standard input. */
static int open_trace(const struct opts *o, struct vml_trace_reader **rd)
{
    struct vml_diag d = { 0 };
    struct quoted q;
    int e;
    if (strncmp(o->trace, "gen:", 4) == 0) {
        struct vml_gen_config g;
        if ((e = vml_gen_parse(o->trace + 4, &g, &d)) != 0)
            return cli_error(EXIT_USAGE, "replay: %s: column %u: %s", quote(&q, o->trace),
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

/* What the page-size policy maps with: the size asked for where it fits, smaller ones where
 * not (see demand_map in trace/replay.c). */
static const char *const pages_policy[VML_PS_COUNT] = {
    "4K pages",
    "2M pages where they fit (else 4K)",
    "1G pages where they fit (else 2M, then 4K)",
};

/* With --thp, by transparent_hugepage/enabled. */
static const char *const thp_policy[] = {
    "THP always (2M pages where the kernel gives one, else 4K)",
    "THP madvise, memory advised MADV_HUGEPAGE (2M pages where the kernel gives one, else 4K)",
    "THP never (4K pages)",
};

static void header(const struct opts *o, struct vml_trace_reader *rd, uint64_t records,
                   struct vml_text *t)
{
    const char *fmt = vml_trace_format_name(vml_trace_reader_format(rd));
    enum vml_trace_compress c = vml_trace_reader_compress(rd);
    char ram[32];
    struct quoted q;
    vml_text_printf(t, "replay  %s (%s%s%s): %llu record%s\n", escape(&q, o->trace, false), fmt,
                    c ? ", " : "", c ? vml_trace_compress_name(c) : "", (unsigned long long)records,
                    records == 1 ? "" : "s");
    vml_text_printf(t, "machine %s, %u-level paging, %s, %u CPU%s, %s of RAM\n\n", o->cfg.cpu.name,
                    o->cfg.paging,
                    o->cfg.thp ? thp_policy[o->cfg.thp_enabled] : pages_policy[o->cfg.pages],
                    o->cfg.nr_cpus, o->cfg.nr_cpus == 1 ? "" : "s",
                    vml_format_size(o->cfg.ram, ram, sizeof(ram)));
}

/* Why the replay ended before the trace did. */
enum stop { RAN = 0, STOP_RAM, STOP_KILLED };
static const char *const stop_names[] = { "none", "ram", "killed" };

/* How a replay went: records read from the trace, those not replayed, and why. */
struct outcome {
    uint64_t read, not_replayed;
    enum stop stop;
    uint64_t stop_record; /* 1-based: the record the replay stopped at */
};

static void report_json(const struct opts *o, struct vml_trace_reader *rd,
                        const struct vml_replay_stats *s, const struct outcome *out,
                        struct vml_text *t)
{
    enum vml_trace_compress c = vml_trace_reader_compress(rd);
    vml_text_printf(t, "{\"trace\":");
    cli_json_string(t, o->trace);
    const char *thp = !o->cfg.thp                             ? "null"
                      : o->cfg.thp_enabled == VML_THP_ALWAYS  ? "\"always\""
                      : o->cfg.thp_enabled == VML_THP_MADVISE ? "\"madvise\""
                                                              : "\"never\"";
    vml_text_printf(t,
                    ",\"format\":\"%s\",\"compression\":\"%s\",\"cpu\":\"%s\",\"paging\":%u,"
                    "\"pages\":\"%s\",\"thp\":%s,\"cpus\":%u,\"ram\":%llu,\"records_read\":%llu,"
                    "\"not_replayed\":%llu,\"stopped\":\"%s\",\"report\":",
                    vml_trace_format_name(vml_trace_reader_format(rd)), vml_trace_compress_name(c),
                    o->cfg.cpu.name, o->cfg.paging, vml_ps_name(o->cfg.pages), thp, o->cfg.nr_cpus,
                    (unsigned long long)o->cfg.ram, (unsigned long long)out->read,
                    (unsigned long long)out->not_replayed, stop_names[out->stop]);
    vml_replay_report_json(s, &o->cfg.cpu, t);
    vml_text_printf(t, "}\n");
}

/* Why the replay stopped, for the report and standard error. */
static void stop_reason(const struct opts *o, const struct vml_replay_stats *s,
                        const struct outcome *out, char *buf, size_t len)
{
    char ram[32];
    if (out->stop == STOP_RAM)
        snprintf(buf, len,
                 "simulated RAM (%s) is exhausted after %llu record%s: an allocation failed "
                 "that reclaim and the OOM killer could not serve: raise --ram",
                 vml_format_size(o->cfg.ram, ram, sizeof(ram)),
                 (unsigned long long)(out->stop_record - 1), out->stop_record == 2 ? "" : "s");
    else if (s->si_code == VML_SI_OOM)
        snprintf(buf, len,
                 "the process was killed by the OOM killer at record %llu: simulated RAM (%s) "
                 "ran out and reclaim found nothing to free (replay runs without swap): raise "
                 "--ram",
                 (unsigned long long)out->stop_record,
                 vml_format_size(o->cfg.ram, ram, sizeof(ram)));
    else
        snprintf(buf, len, "the process was killed by %s at 0x%llx (record %llu)",
                 s->si_code == VML_BUS_ADRERR ? "SIGBUS" : "SIGSEGV",
                 (unsigned long long)s->kill_addr, (unsigned long long)out->stop_record);
}

/* Counts the records after a stop (up to the limit) without replaying them. */
static int count_rest(struct vml_trace_reader *rd, struct vml_trace_rec *buf, size_t batch,
                      uint64_t left, uint64_t *n)
{
    while (left) {
        struct vml_diag d = { 0 };
        long k = vml_trace_read(rd, buf, left < batch ? (size_t)left : batch, &d);
        if (k < 0)
            return cli_diag_error(EXIT_FAIL, "replay", &d);
        if (k == 0)
            break;
        *n += (uint64_t)k;
        left -= (uint64_t)k;
    }
    return 0;
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
    struct outcome out = { 0 };
    struct quoted q;
    vml_replay_stats(r, &prev);
    uint64_t left = o->limit ? o->limit : UINT64_MAX, mark = o->interval;
    int rc = 0;
    if (series) {
        vml_replay_csv_header(&t);
        rc = flush_text(series, &t);
    }
    uint64_t total = vml_trace_reader_count(rd);
    struct cli_progress pg;
    cli_progress_start(&pg, "replay", "records", o->limit && o->limit < total ? o->limit : total,
                       o->quiet);
    while (!rc && left && !out.stop) {
        cli_progress_update(&pg, out.read);
        size_t want = left < BATCH ? (size_t)left : BATCH;
        if (series && mark - out.read < want)
            want = (size_t)(mark - out.read);
        struct vml_diag d = { 0 };
        long n = vml_trace_read(rd, buf, want, &d);
        if (n < 0) {
            rc = cli_diag_error(EXIT_FAIL, "replay", &d);
            break;
        }
        if (n == 0)
            break;
        size_t done = 0;
        int e = vml_replay_feed(r, buf, (size_t)n, &done, &d);
        if (e == VML_ENOMEM) {
            out.stop = STOP_RAM; /* the report says how far it got */
        } else if (e) {
            rc = cli_error(EXIT_FAIL, "replay: %s: record %llu: %s", quote(&q, o->trace),
                           (unsigned long long)(out.read + done + 1), d.msg);
            break;
        } else if (done < (size_t)n) {
            out.stop = STOP_KILLED; /* by record done, or by the last of the batch before */
        }
        out.read += (uint64_t)n;
        left -= (uint64_t)n;
        if (series && out.read == mark) {
            vml_replay_stats(r, &cur);
            vml_replay_csv_row(&prev, &cur, &t);
            prev = cur;
            mark += o->interval;
            rc = flush_text(series, &t);
        }
    }
    cli_progress_end(&pg);
    if (!rc && out.stop)
        rc = count_rest(rd, buf, BATCH, left, &out.read);
    free(buf);
    vml_replay_stats(r, &cur);
    if (out.stop) {
        /* Records replayed are the trace's first cur.records, the killing one included; the
         * one RAM ran out at is not. */
        out.not_replayed = out.read - cur.records;
        out.stop_record = cur.records + (out.stop == STOP_RAM);
    }
    if (!rc && series && cur.records > prev.records) {
        vml_replay_csv_row(&prev, &cur, &t);
        rc = flush_text(series, &t);
    }
    char why[200] = "";
    if (out.stop)
        stop_reason(o, &cur, &out, why, sizeof(why));
    if (!rc && series != stdout) {
        if (o->json) {
            report_json(o, rd, &cur, &out, &t);
        } else {
            header(o, rd, out.read, &t);
            vml_replay_report_text(&cur, &o->cfg.cpu, &t);
            if (out.stop)
                vml_text_printf(&t, "  not replayed: %llu record%s of %llu: %s\n",
                                (unsigned long long)out.not_replayed,
                                out.not_replayed == 1 ? "" : "s", (unsigned long long)out.read,
                                why);
        }
        rc = flush_text(stdout, &t);
    }
    vml_text_free(&t);
    if (rc)
        return rc;
    /* An incomplete replay says so on standard error too: the report may have gone to a
     * pipe, or not be printed (--interval without --series). */
    if (out.stop)
        return cli_error(EXIT_INCOMPLETE, "replay: %s: %llu of %llu record%s not replayed: %s",
                         quote(&q, o->trace), (unsigned long long)out.not_replayed,
                         (unsigned long long)out.read, out.read == 1 ? "" : "s", why);
    if (cur.skipped)
        return cli_error(EXIT_INCOMPLETE,
                         "replay: %s: %llu access%s skipped: no process can map %s (see the "
                         "report)",
                         quote(&q, o->trace), (unsigned long long)cur.skipped,
                         cur.skipped == 1 ? "" : "es",
                         cur.skipped == 1 ? "its address" : "their addresses");
    return 0;
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
    struct quoted q;
    if (o.interval) {
        series = o.series ? fopen(o.series, "w") : stdout;
        if (!series)
            rc = cli_error(EXIT_FAIL, "replay: cannot create %s: %s", quote(&q, o.series),
                           strerror(errno));
    }
    if (!rc)
        rc = replay(&o, rd, r, series);
    if (series && series != stdout && fclose(series) != 0 && (!rc || rc == EXIT_INCOMPLETE))
        rc = cli_error(EXIT_FAIL, "replay: cannot write %s", quote(&q, o.series));
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
