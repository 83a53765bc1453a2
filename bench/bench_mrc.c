/* bench_mrc.c: one-pass miss-ratio curves against plain replay (make bench, issue 18).
 *
 * The trace is bench_replay's "random": uniform random 8-byte reads over 1 GiB, 16 M records,
 * native, in memory, 4 KiB pages. Each run times, on the same trace and in the same run:
 *   replay   vmlab replay's model (skylake, faults included), cold: the baseline
 *   exact    vmlab mrc's exact fully associative curve (every TLB size at once)
 *   shards   vmlab mrc with SHARDS at a fixed rate of 0.001, and at a fixed size of 8192 pages
 * Medians of RUNS runs; rates in M accesses/s (wall clock, and per CPU second of this process)
 * and as a ratio to replay's rate. Targets: exact
 * >= 20 M/s, SHARDS >= 100 M/s. The SHARDS error against the exact curve (the largest
 * absolute difference of miss ratio over the exact curve's points) is printed too.
 */
#include "bench_trace.h"
#include "bench_util.h"
#include "vmlab/vmlab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUNS  5
#define BATCH 4096

static void die(const char *what, const struct vml_diag *d)
{
    fprintf(stderr, "bench_mrc: %s: %s\n", what, d ? d->msg : "failed");
    exit(1);
}

enum mode { REPLAY, EXACT, SHARDS_RATE, SHARDS_SIZE };

/* This process's CPU time: on a machine shared with other work the wall clock counts the
 * time other processes ran; the CPU time does not (their use of the caches it still does). */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_spent; /* the CPU seconds of the last timed pass */

/* One timed pass; *out keeps the mrc (NULL for replay) for the error measurement. */
static double timed(const char *data, size_t len, enum mode mode, struct vml_mrc **out,
                    uint64_t *recs)
{
    struct vml_diag d = { 0 };
    struct vml_trace_reader *rd;
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    struct vml_replay *r = NULL;
    struct vml_mrc *m = NULL;
    if (mode == REPLAY) {
        struct vml_replay_config cfg;
        vml_replay_defaults(&cfg);
        if (vml_replay_create(&cfg, &r, &d))
            die("replay", &d);
    } else {
        struct vml_mrc_config cfg;
        vml_mrc_defaults(&cfg);
        cfg.shards = mode == SHARDS_RATE   ? VML_MRC_SHARDS_RATE
                     : mode == SHARDS_SIZE ? VML_MRC_SHARDS_SIZE
                                           : VML_MRC_EXACT;
        cfg.shards_rate = 0.001;
        cfg.shards_max = 8192;
        if (vml_mrc_create(&cfg, &m, &d))
            die("mrc", &d);
    }
    if (vml_trace_open_mem(data, len, "bench", VML_TRACE_NATIVE, &rd, &d))
        die("open", &d);
    long n;
    *recs = 0;
    double t0 = now(), c0 = cpu_now();
    while ((n = vml_trace_read(rd, buf, BATCH, &d)) > 0) {
        int e = r ? vml_replay_feed(r, buf, (size_t)n, NULL, &d)
                  : vml_mrc_feed(m, buf, (size_t)n, NULL, &d);
        if (e)
            die("feed", &d);
        *recs += (uint64_t)n;
    }
    double t = now() - t0;
    cpu_spent = cpu_now() - c0;
    if (n < 0)
        die("read", &d);
    vml_trace_close(rd);
    vml_replay_destroy(r);
    free(buf);
    if (out)
        *out = m;
    else
        vml_mrc_destroy(m);
    return t;
}

/* The largest |miss ratio difference| of an approximate curve over the exact one's points. */
static double max_error(const struct vml_mrc *exact, const struct vml_mrc *approx)
{
    uint64_t pts[4096];
    struct vml_mrc_summary s;
    vml_mrc_summary(exact, &s);
    size_t n = vml_mrc_points(exact, VML_MRC_ALL_SIZES, pts, 4096);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double a =
            (double)vml_mrc_misses(exact, VML_MRC_ALL_SIZES, pts[i]) / (double)s.translations;
        double b =
            (double)vml_mrc_misses(approx, VML_MRC_ALL_SIZES, pts[i]) / (double)s.translations;
        if (fabs(a - b) > worst)
            worst = fabs(a - b);
    }
    return worst;
}

int main(void)
{
    size_t len;
    char *t = bench_native_of("random:base=0x7f0000000000,footprint=1G,count=16M,seed=1", &len);
    static const char *const names[] = { "replay", "mrc exact", "shards 0.001", "shards 8K" };
    static const double targets[] = { 0, 20, 100, 100 };
    double rate[4][RUNS], ratio[4][RUNS], crate[4][RUNS];
    double err[2] = { 0, 0 };
    uint64_t recs = 0;
    for (unsigned k = 0; k < RUNS; k++) {
        struct vml_mrc *ex = NULL, *ap = NULL;
        double tr = timed(t, len, REPLAY, NULL, &recs);
        rate[0][k] = (double)recs / tr / 1e6;
        crate[0][k] = (double)recs / cpu_spent / 1e6;
        ratio[0][k] = 1;
        for (unsigned mo = EXACT; mo <= SHARDS_SIZE; mo++) {
            struct vml_mrc *m;
            double tm = timed(t, len, (enum mode)mo, &m, &recs);
            rate[mo][k] = (double)recs / tm / 1e6;
            crate[mo][k] = (double)recs / cpu_spent / 1e6;
            ratio[mo][k] = tr / tm;
            if (mo == EXACT)
                ex = m;
            else {
                ap = m;
                double e = max_error(ex, ap);
                if (e > err[mo - SHARDS_RATE])
                    err[mo - SHARDS_RATE] = e;
                vml_mrc_destroy(ap);
            }
        }
        vml_mrc_destroy(ex);
    }
    printf("bench_mrc: random 8-byte reads over 1 GiB, 4 KiB pages, %llu records, native in "
           "memory; medians of %d runs\n",
           (unsigned long long)recs, RUNS);
    printf("%-14s %12s %16s %14s %8s\n", "workload", "M acc/s", "x replay's rate", "M acc/CPU-s",
           "target");
    for (unsigned mo = 0; mo < 4; mo++) {
        double r = median(rate[mo], RUNS);
        printf("%-14s %12.1f %15.2fx %14.1f %8.0f  %s\n", names[mo], r, median(ratio[mo], RUNS),
               median(crate[mo], RUNS), targets[mo],
               targets[mo] == 0   ? ""
               : r >= targets[mo] ? "met"
                                  : "NOT MET");
    }
    printf("SHARDS largest miss-ratio error over the exact curve: rate 0.001 %.4f, 8K pages "
           "%.4f\n",
           err[0], err[1]);
    free(t);
    return 0;
}
