/* ab_replay.c: two builds' trace replay timed in one process (bench/ab.sh replay builds it).
 *
 * As ab_mmu.c for the translation path: the two builds' libraries are linked together, their
 * symbols renamed A_... and B_...; each replays a generator's trace (held in memory, decoded
 * once) into a replay of its own, warmed by one whole pass, and they take turns in chunks of
 * the trace, so both see the same machine. Times are the thread's CPU time. Prints each build's
 * M/s and B's speed relative to A's.
 * Usage: ab_replay [GENERATOR] [CHUNKS] [NODES]   (bench_replay's random workload by default;
 * NODES: a machine of that many NUMA nodes, with the NUMA cost on; default 1)
 */
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCH 4096

#define DECLARE(P)                                                                                 \
    int P##vml_gen_parse(const char *, struct vml_gen_config *, struct vml_diag *);                \
    int P##vml_trace_open_gen(const struct vml_gen_config *, struct vml_trace_reader **,           \
                              struct vml_diag *);                                                  \
    long P##vml_trace_read(struct vml_trace_reader *, struct vml_trace_rec *, size_t,              \
                           struct vml_diag *);                                                     \
    void P##vml_replay_defaults(struct vml_replay_config *);                                       \
    int P##vml_replay_create(const struct vml_replay_config *, struct vml_replay **,               \
                             struct vml_diag *);                                                   \
    int P##vml_replay_feed(struct vml_replay *, const struct vml_trace_rec *, size_t, size_t *,    \
                           struct vml_diag *);
DECLARE(A_)
DECLARE(B_)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(const char *what, const char *why)
{
    fprintf(stderr, "ab_replay: %s: %s\n", what, why);
    exit(2);
}

/* feed(): records [from, to) in batches, in seconds. */
#define REPLAY(P)                                                                                  \
    static struct vml_replay *P##replay(unsigned nodes)                                            \
    {                                                                                              \
        struct vml_replay_config cfg;                                                              \
        struct vml_replay *r;                                                                      \
        struct vml_diag d = { 0 };                                                                 \
        P##vml_replay_defaults(&cfg);                                                              \
        cfg.nr_nodes = nodes;                                                                      \
        if (P##vml_replay_create(&cfg, &r, &d))                                                    \
            fail("replay", d.msg);                                                                 \
        return r; /* lives until exit */                                                           \
    }                                                                                              \
    static __attribute__((noinline)) double P##feed(                                               \
        struct vml_replay *r, const struct vml_trace_rec *t, size_t from, size_t to)               \
    {                                                                                              \
        struct vml_diag d = { 0 };                                                                 \
        double t0 = now();                                                                         \
        for (size_t i = from; i < to; i += BATCH)                                                  \
            if (P##vml_replay_feed(r, t + i, to - i < BATCH ? to - i : BATCH, NULL, &d))           \
                fail("feed", d.msg);                                                               \
        return now() - t0;                                                                         \
    }
REPLAY(A_)
REPLAY(B_)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *spec =
        argc > 1 ? argv[1] : "random:base=0x7f0000000000,footprint=1G,count=16M,seed=1";
    int chunks = argc > 2 ? atoi(argv[2]) : 40;
    int nodes = argc > 3 ? atoi(argv[3]) : 1;
    if (chunks < 1 || chunks > 1000 || nodes < 1 || nodes > 8) {
        fprintf(stderr, "usage: ab_replay [GENERATOR] [CHUNKS 1-1000] [NODES 1-8]\n");
        return 2;
    }
    struct vml_gen_config g;
    struct vml_trace_reader *rd;
    struct vml_diag d = { 0 };
    if (A_vml_gen_parse(spec, &g, &d) || A_vml_trace_open_gen(&g, &rd, &d))
        fail(spec, d.msg);
    size_t n = 0, cap = BATCH;
    struct vml_trace_rec *t = malloc(cap * sizeof(*t));
    long k;
    while (t && (k = A_vml_trace_read(rd, t + n, BATCH, &d)) > 0) {
        n += (size_t)k;
        if (n + BATCH > cap)
            t = realloc(t, (cap *= 2) * sizeof(*t));
    }
    if (!t || n < (size_t)chunks)
        fail(spec, "no memory, or fewer records than chunks");
    struct vml_replay *a = A_replay((unsigned)nodes), *b = B_replay((unsigned)nodes);
    A_feed(a, t, 0, n); /* warm both: every page mapped */
    B_feed(b, t, 0, n);
    double ta = 0, tb = 0, ratio[1000];
    size_t step = n / (size_t)chunks;
    for (int c = 0; c < chunks; c++) {
        size_t from = (size_t)c * step;
        double x = A_feed(a, t, from, from + step);
        double y = B_feed(b, t, from, from + step);
        ta += x;
        tb += y;
        ratio[c] = x / y;
    }
    qsort(ratio, (size_t)chunks, sizeof(double), cmp_double);
    double recs = (double)step * chunks;
    printf("%s\nA %.1f M/s  B %.1f M/s  B/A %.3f (median of chunks %.3f)\n", spec, recs / ta / 1e6,
           recs / tb / 1e6, ta / tb, ratio[chunks / 2]);
    return 0;
}
