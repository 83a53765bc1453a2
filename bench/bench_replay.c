/* bench_replay.c: trace replay throughput (make bench).
 *
 * Each workload is a trace held in memory, replayed through the full model (skylake preset,
 * 4-level paging, 4 KiB pages: TLBs, page-walk caches, walk, faults through the simulated
 * kernel) and timed against a baseline pass that only reads the same trace from memory with
 * the same reader (decoding every record, summing addresses), in the same run; medians of
 * several runs, each on a fresh machine. "warm" replays start from a machine that has replayed
 * the trace once already (its memory mapped, no page faults left): the rate of a long trace.
 *   seq      native, sequential 8-byte reads over 64 MiB, 64 M records
 *   l1reach  native, uniform random reads within 256 KiB (the L1 dTLB's 4 KiB reach)
 *   random   native, uniform random reads over 1 GiB: walk-dominated
 *   lackey   Valgrind lackey text: an instruction fetch before each load or store, code in a
 *            small loop, data sequential
 * Targets on the project machine: seq >= 200 M/s, l1reach >= 100 M/s, random >= 25 M/s,
 * lackey >= 25 M lines/s.
 *
 * trace info against replay (vmlab trace info TRACE against vmlab replay TRACE): the summary of
 * the seq trace (records by kind, sizes, footprint in 4K/2M/1G pages) against its cold replay,
 * alternating, medians: info's time over replay's. Target: at most 1 (info no slower).
 *
 * Random replay at research footprints (issue 18 point 7): the random trace (16 M uniform reads)
 * over 1, 2, 4 and 16 GiB, warm, footprints interleaved within each of the RUNS rounds so that
 * a change in the machine's load falls on all of them alike; medians. The simulated work per
 * access barely changes with the footprint (a walk per access either way); what grows is the
 * simulator's own memory the host must reach at random: page-table content (8 bytes of leaf
 * entry per 4 KiB page, 32 MiB at 16 GiB) and the walk's host hints. Targets: 4 GiB at least
 * 0.7 and 16 GiB at least 0.5 of the 1 GiB rate, in the same run. Each rate is also given per
 * second of the replaying thread's CPU time: on a shared machine the wall-time ratios are
 * noise (docs/design.md, "Research footprints"). `bench_replay --scale [ROUNDS]` runs this
 * table alone.
 *
 * Transparent huge pages (--thp always against 4 KiB pages, in the same run, alternating, each
 * run on a fresh machine; medians):
 *   thp random  uniform random accesses over 1 GiB, half of them writes (THP: reads of a new
 *               2 MiB map the huge zero page, a write then replaces it with a THP), cold
 *               (faults included) and warm: records per second with THP over those with 4 KiB
 *               pages. Target: THP at or above the 4 KiB figure (ratio >= 1): fewer walks and
 *               faults must not cost host time.
 *   thp fault   the host time of one page fault: a write to each page of 1 GiB, 262,144 4 KiB
 *               faults, against a write to each 2 MiB of it, 512 THP faults, each time divided
 *               by its faults. A THP fault maps 512 times the memory with one PMD: its host
 *               cost must be O(1), not 512 small faults'. Target: below 8x a 4 KiB fault.
 *
 * NUMA cost (docs/numa.md; --numa: this table alone): a two-node machine counting each access
 * and each page-walk read by the node of its memory against the same machine without
 * (no_numa_cost), alternating in one run, warm, medians: the seq and random traces' records
 * per second with the cost over those without. Target: the cost keeps at least 90% of the
 * throughput (ratio >= 0.90).
 */
#include "bench_trace.h"
#include "bench_util.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS  5
#define BATCH 4096

static volatile uint64_t sink;

static void die(const char *what, const struct vml_diag *d)
{
    fprintf(stderr, "bench_replay: %s: %s\n", what, d ? d->msg : "failed");
    exit(1);
}

/* Lackey text: "I  ADDR,4" then " L ADDR,8" or " S ADDR,8", pairs of lines. */
static char *lackey_of(unsigned long pairs, size_t *len)
{
    size_t cap = pairs * 40 + 64, n = 0;
    char *t = malloc(cap);
    if (!t)
        die("malloc", NULL);
    n += (size_t)snprintf(t, cap, "==4242== Lackey, an example Valgrind tool\n");
    uint64_t data = 0x1ffeff0000;
    for (unsigned long i = 0; i < pairs; i++) {
        uint64_t ip = 0x108000 + (i % 64) * 4;
        n += (size_t)snprintf(t + n, cap - n, "I  %08llx,4\n %c %010llx,8\n",
                              (unsigned long long)ip, i % 4 == 3 ? 'S' : 'L',
                              (unsigned long long)(data + (i * 8) % (64u << 20)));
    }
    *len = n;
    return t;
}

/* Reads every record (the baseline), or replays them into r. Returns the records. */
static uint64_t pass(const char *data, size_t len, enum vml_trace_format f, struct vml_replay *r,
                     struct vml_trace_rec *buf)
{
    struct vml_trace_reader *rd;
    struct vml_diag d = { 0 };
    if (vml_trace_open_mem(data, len, "bench", f, &rd, &d))
        die("open", &d);
    uint64_t recs = 0, acc = 0;
    long n;
    while ((n = vml_trace_read(rd, buf, BATCH, &d)) > 0) {
        if (r) {
            if (vml_replay_feed(r, buf, (size_t)n, NULL, &d))
                die("replay", &d);
        } else {
            for (long i = 0; i < n; i++)
                acc += buf[i].addr;
        }
        recs += (uint64_t)n;
    }
    if (n < 0)
        die("read", &d);
    vml_trace_close(rd);
    sink = acc;
    return recs;
}

static struct vml_replay *fresh_thp(bool thp)
{
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.thp = thp;
    cfg.thp_enabled = VML_THP_ALWAYS;
    struct vml_replay *r;
    struct vml_diag d = { 0 };
    if (vml_replay_create(&cfg, &r, &d))
        die("replay", &d);
    return r;
}

static void run(const char *name, const char *unit, const char *data, size_t len,
                enum vml_trace_format f, bool warm, double target)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double tb[RUNS], tr[RUNS], ratio[RUNS];
    uint64_t recs = 0;
    struct vml_replay_stats st;
    for (unsigned k = 0; k < RUNS; k++) {
        double t0 = now();
        recs = pass(data, len, f, NULL, buf);
        tb[k] = now() - t0;
        struct vml_replay *r = fresh_thp(false);
        if (warm)
            pass(data, len, f, r, buf);
        t0 = now();
        pass(data, len, f, r, buf);
        tr[k] = now() - t0;
        ratio[k] = tr[k] / tb[k];
        vml_replay_stats(r, &st);
        vml_replay_destroy(r);
    }
    double mr = (double)recs / median(tr, RUNS) / 1e6, mb = (double)recs / median(tb, RUNS) / 1e6;
    uint64_t l1 = st.mmu.tlb[VML_TLB_L1D].hits[0] + st.mmu.tlb[VML_TLB_L1I].hits[0];
    uint64_t tr_total = st.mmu.accesses[0] + st.mmu.accesses[1] + st.mmu.accesses[2];
    printf("%-9s %-5s %9.1f %-9s %9.1f %7.1fx %7.1f%% %9.1f  %s\n", name, warm ? "warm" : "cold",
           mr, unit, mb, median(ratio, RUNS), tr_total ? 100.0 * (double)l1 / (double)tr_total : 0,
           target,
           target == 0    ? ""
           : mr >= target ? "met"
                          : "NOT MET");
    free(buf);
}

static double timed(const char *data, size_t len, bool thp, bool warm, struct vml_trace_rec *buf,
                    struct vml_replay_stats *st);

/* CPU time of this thread: on a shared machine the replay's own seconds, not the time others
 * took from it (they still share the host's caches). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static double timed_cpu; /* the CPU seconds of timed()'s last pass */

/* Warm random replay over footprints of 1, 2, 4 and 16 GiB, interleaved, medians: rates and
 * each one's ratio to the 1 GiB rate of the same run. */
static void random_scale(unsigned runs)
{
    static const char *const fp[] = { "1G", "2G", "4G", "16G" };
    static const double target[] = { 0, 0, 0.7, 0.5 };
    enum { NF = sizeof(fp) / sizeof(fp[0]) };
    char *data[NF];
    size_t len[NF];
    for (unsigned i = 0; i < NF; i++) {
        char spec[96];
        snprintf(spec, sizeof(spec), "random:base=0x7f0000000000,footprint=%s,count=16M,seed=1",
                 fp[i]);
        data[i] = bench_native_of(spec, &len[i]);
    }
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double t[NF][RUNS], ratio[NF][RUNS], c[NF][RUNS], cratio[NF][RUNS];
    struct vml_replay_stats st[NF];
    for (unsigned k = 0; k < runs; k++)
        for (unsigned i = 0; i < NF; i++) {
            t[i][k] = timed(data[i], len[i], false, true, buf, &st[i]);
            c[i][k] = timed_cpu;
            ratio[i][k] = t[0][k] / t[i][k]; /* rate over the 1 GiB rate of this round */
            cratio[i][k] = c[0][k] / c[i][k];
        }
    for (unsigned i = 0; i < NF; i++) {
        double r = median(ratio[i], runs);
        char tg[16] = "";
        if (target[i] > 0)
            snprintf(tg, sizeof(tg), ">= %.2f", target[i]);
        double cr = median(cratio[i], runs);
        printf("%-9s %-5s %9.1f %9.2fx %9.1f %9.2fx %9.2f %8s  %s\n", "random", fp[i],
               (double)st[i].records / median(t[i], runs) / 1e6, r,
               (double)st[i].records / median(c[i], runs) / 1e6, cr,
               (double)st[i].mmu.walks / (double)st[i].records, tg,
               target[i] == 0   ? ""
               : r >= target[i] ? "met"
                                : "NOT MET");
        free(data[i]);
    }
    free(buf);
}

/* trace info's summary of data against a cold replay of it, alternating; medians. */
static void info_vs_replay(const char *data, size_t len)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double ti[RUNS], tr[RUNS], ratio[RUNS];
    uint64_t recs = 0;
    for (unsigned k = 0; k < RUNS; k++) {
        struct vml_trace_reader *rd;
        struct vml_diag d = { 0 };
        struct vml_trace_summary sum;
        if (vml_trace_open_mem(data, len, "bench", VML_TRACE_NATIVE, &rd, &d))
            die("open", &d);
        double t0 = now();
        if (vml_trace_summarize(rd, &sum, &d))
            die("summarize", &d);
        ti[k] = now() - t0;
        vml_trace_close(rd);
        recs = sum.records;
        struct vml_replay *r = fresh_thp(false);
        t0 = now();
        pass(data, len, VML_TRACE_NATIVE, r, buf);
        tr[k] = now() - t0;
        vml_replay_destroy(r);
        ratio[k] = ti[k] / tr[k];
    }
    double mr = median(ratio, RUNS);
    printf("%-9s %-5s %9.1f %-9s %9.1f %7.2fx %8s %9.1f  %s\n", "info", "cold",
           (double)recs / median(ti, RUNS) / 1e6, "M/s", (double)recs / median(tr, RUNS) / 1e6, mr,
           "", 1.0, mr <= 1.0 ? "met" : "NOT MET");
    free(buf);
}

/* A warm pass of data on a fresh two-node machine, with or without the NUMA cost: seconds. */
static double timed_numa(const char *data, size_t len, bool cost, struct vml_trace_rec *buf)
{
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    cfg.nr_nodes = 2;
    cfg.no_numa_cost = !cost;
    struct vml_replay *r;
    struct vml_diag d = { 0 };
    if (vml_replay_create(&cfg, &r, &d))
        die("replay", &d);
    pass(data, len, VML_TRACE_NATIVE, r, buf);
    double t0 = now();
    pass(data, len, VML_TRACE_NATIVE, r, buf);
    double t = now() - t0;
    struct vml_replay_stats st;
    vml_replay_stats(r, &st);
    if (cost != st.numa) {
        fprintf(stderr, "bench_replay: numa: the cost is %s\n", cost ? "off" : "on");
        exit(1);
    }
    vml_replay_destroy(r);
    return t;
}

static void numa_cost(const char *name, const char *data, size_t len)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double ton[RUNS], toff[RUNS], ratio[RUNS];
    uint64_t recs = 0;
    for (unsigned k = 0; k < RUNS; k++) {
        toff[k] = timed_numa(data, len, false, buf);
        ton[k] = timed_numa(data, len, true, buf);
        ratio[k] = toff[k] / ton[k]; /* the rate with the cost over the rate without */
    }
    recs = pass(data, len, VML_TRACE_NATIVE, NULL, buf);
    double r = median(ratio, RUNS);
    printf("%-9s %-5s %9.1f %9.1f %7.2fx %8s  %s\n", name, "warm",
           (double)recs / median(toff, RUNS) / 1e6, (double)recs / median(ton, RUNS) / 1e6, r,
           ">= 0.90x", r >= 0.90 ? "met" : "NOT MET");
    free(buf);
}

/* Replays data on a fresh machine with 4 KiB pages (thp false) or THP always, once first when
 * warm; returns the seconds of the timed pass and the stats in *st (walks: the timed pass's). */
static double timed(const char *data, size_t len, bool thp, bool warm, struct vml_trace_rec *buf,
                    struct vml_replay_stats *st)
{
    struct vml_replay *r = fresh_thp(thp);
    struct vml_replay_stats before;
    if (warm)
        pass(data, len, VML_TRACE_NATIVE, r, buf);
    vml_replay_stats(r, &before);
    double c0 = cpu_now(), t0 = now();
    pass(data, len, VML_TRACE_NATIVE, r, buf);
    double t = now() - t0;
    timed_cpu = cpu_now() - c0;
    vml_replay_stats(r, st);
    st->mmu.walks -= before.mmu.walks; /* the timed pass's */
    vml_replay_destroy(r);
    return t;
}

/* The random trace with 4 KiB pages and with THP, alternating in one run: rates and the ratio
 * of THP's rate over 4 KiB's, medians of RUNS. */
static void thp_random(const char *data, size_t len, bool warm)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double t4[RUNS], th[RUNS], ratio[RUNS];
    struct vml_replay_stats s4, sh;
    for (unsigned k = 0; k < RUNS; k++) {
        t4[k] = timed(data, len, false, warm, buf, &s4);
        th[k] = timed(data, len, true, warm, buf, &sh);
        ratio[k] = t4[k] / th[k]; /* THP's rate over 4 KiB's */
    }
    double n = (double)s4.records, r = median(ratio, RUNS);
    printf("%-9s %-5s %9.1f %9.1f %7.2fx %9llu %9llu %8s  %s\n", "random50w",
           warm ? "warm" : "cold", n / median(t4, RUNS) / 1e6, n / median(th, RUNS) / 1e6, r,
           (unsigned long long)s4.mmu.walks, (unsigned long long)sh.mmu.walks, ">= 1.00x",
           r >= 1.0 ? "met" : "NOT MET");
    free(buf);
}

/* Host time per fault: a write to each 4 KiB page of 1 GiB against one to each 2 MiB of it
 * with THP (every record faults), alternating in one run, medians of RUNS. */
static void thp_fault(void)
{
    size_t l4, lh;
    char *d4 = bench_native_of("seq:base=0x7f0000000000,footprint=1G,count=262144,stride=4096,"
                               "writes=100%",
                               &l4);
    char *dh = bench_native_of(
        "seq:base=0x7f0000000000,footprint=1G,count=512,stride=2M,writes=100%", &lh);
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double f4[RUNS], fh[RUNS], ratio[RUNS];
    struct vml_replay_stats s4, sh;
    for (unsigned k = 0; k < RUNS; k++) {
        double t4 = timed(d4, l4, false, false, buf, &s4);
        double th = timed(dh, lh, true, false, buf, &sh);
        if (s4.minor_faults != 262144 || sh.minor_faults != 512 || sh.thp_fault_alloc != 512) {
            fprintf(stderr,
                    "bench_replay: thp fault: %llu 4 KiB faults, %llu faults with %llu "
                    "THPs; expected 262144, 512 and 512\n",
                    (unsigned long long)s4.minor_faults, (unsigned long long)sh.minor_faults,
                    (unsigned long long)sh.thp_fault_alloc);
            exit(1);
        }
        f4[k] = t4 / (double)s4.minor_faults;
        fh[k] = th / (double)sh.minor_faults;
        ratio[k] = fh[k] / f4[k];
    }
    double r = median(ratio, RUNS);
    printf("%-9s %-5s %7.0f ns %7.0f ns %7.2fx %9s %9s %8s  %s\n", "fault", "1 GiB",
           median(f4, RUNS) * 1e9, median(fh, RUNS) * 1e9, r, "262144", "512", "< 8x",
           r < 8.0 ? "met" : "NOT MET");
    free(buf);
    free(d4);
    free(dh);
}

/* The NUMA cost table: the seq and random traces with the cost on against off. */
static void numa_table(void)
{
    size_t len;
    printf("\nNUMA cost on against off, two nodes, skylake, warm, alternating in one run, median "
           "of %d runs\n(ratio: records per second with the cost over those without; the cost "
           "counts data\n accesses and page-walk reads by node)\n\n",
           RUNS);
    printf("%-9s %-5s %9s %9s %8s %8s\n", "workload", "", "off M/s", "on M/s", "ratio", "target");
    char *t = bench_native_of("seq:base=0x7f0000000000,footprint=64M,count=64M,size=8", &len);
    numa_cost("seq", t, len);
    free(t);
    t = bench_native_of("random:base=0x7f0000000000,footprint=1G,count=16M,seed=1", &len);
    numa_cost("random", t, len);
    free(t);
}

int main(int argc, char **argv)
{
    /* --scale [ROUNDS]: the research-footprint table alone (ROUNDS 1..RUNS, default RUNS) */
    if (argc >= 2 && strcmp(argv[1], "--scale") == 0) {
        unsigned runs = argc > 2 ? (unsigned)atoi(argv[2]) : RUNS;
        if (runs < 1 || runs > RUNS) {
            fprintf(stderr, "bench_replay: --scale ROUNDS: 1 to %d\n", RUNS);
            return 2;
        }
        printf("%-9s %-5s %9s %10s %9s %10s %9s %8s\n", "workload", "size", "M/s", "vs 1 GiB",
               "CPU M/s", "vs 1 GiB", "walks/rec", "target");
        random_scale(runs);
        return 0;
    }
    /* --numa: the NUMA cost table alone (cost on against off) */
    if (argc >= 2 && strcmp(argv[1], "--numa") == 0) {
        numa_table();
        return 0;
    }
    printf("vmlab bench_replay: replay throughput, skylake, 4-level paging, 4 KiB pages, "
           "median of %d runs\n"
           "(ratio: replay time over a pass that only reads the same trace from memory)\n\n",
           RUNS);
    printf("%-9s %-5s %9s %-9s %9s %8s %8s %9s\n", "workload", "", "replay", "", "read-only",
           "ratio", "L1 hits", "target");
    size_t len;
    char *t = bench_native_of("seq:base=0x7f0000000000,footprint=64M,count=64M,size=8", &len);
    run("seq", "M/s", t, len, VML_TRACE_NATIVE, false, 200);
    printf("(info: trace info's summary of the seq trace; its column 'read-only' is replay's rate "
           "and ratio info's time over replay's, target at most 1)\n");
    info_vs_replay(t, len);
    free(t);
    t = bench_native_of("random:base=0x7f0000000000,footprint=256K,count=32M,seed=1", &len);
    run("l1reach", "M/s", t, len, VML_TRACE_NATIVE, true, 100);
    free(t);
    t = bench_native_of("random:base=0x7f0000000000,footprint=1G,count=16M,seed=1", &len);
    run("random", "M/s", t, len, VML_TRACE_NATIVE, true, 25);
    run("random", "M/s", t, len, VML_TRACE_NATIVE, false, 0);
    free(t);
    t = lackey_of(16u << 20, &len);
    run("lackey", "M lines/s", t, len, VML_TRACE_LACKEY, false, 25);
    free(t);
    printf("\nRandom replay over research footprints, warm, interleaved in each round, median of "
           "%d\n(vs 1 GiB: records per second over the 1 GiB rate of the same round; CPU: per "
           "second of this thread's CPU time;\n the target is on wall time)\n\n",
           RUNS);
    printf("%-9s %-5s %9s %10s %9s %10s %9s %8s\n", "workload", "size", "M/s", "vs 1 GiB",
           "CPU M/s", "vs 1 GiB", "walks/rec", "target");
    random_scale(RUNS);
    printf("\nTHP always against 4 KiB pages, skylake, alternating in one run, median of %d runs\n"
           "(ratio: THP's records per second over 4 KiB's; fault: host time per page fault, "
           "THP's over 4 KiB's)\n\n",
           RUNS);
    printf("%-9s %-5s %9s %9s %8s %9s %9s %8s\n", "workload", "", "4K M/s", "THP M/s", "ratio",
           "4K walks", "THP walks", "target");
    t = bench_native_of("random:base=0x7f0000000000,footprint=1G,count=16M,seed=1,writes=50%",
                        &len);
    thp_random(t, len, false);
    thp_random(t, len, true);
    free(t);
    printf("%-9s %-5s %10s %10s %8s %9s %9s\n", "", "", "4K/fault", "THP/fault", "ratio",
           "4K faults", "THP fault");
    thp_fault();
    numa_table();
    return 0;
}
