/* ab_pressure.c: two builds' bench_pressure runs in one process (bench/ab.sh pressure builds it).
 *
 * As ab_mmu.c for the translation path: the two builds' libraries are linked together, their
 * symbols renamed A_... and B_.... Each round runs bench_pressure's workload (8 processes write
 * RAM x 2 of anonymous memory, then write it again, on a machine of RAM with 2 x RAM of swap)
 * and the same touches with 4 x RAM, with each build, the order alternating between rounds
 * (A B, then B A), so both see the same load on a shared host. Times are the thread's CPU time
 * of the touches alone, as bench_pressure's "CPU s". Prints each build's medians (pressure,
 * enough RAM, their ratio per round) and B's pressure time over A's per round, with quartiles.
 * Usage: ab_pressure [RAM_MIB] [ROUNDS]   (default 1024, bench_pressure's scaled shape; 7)
 */
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NPROC      8
#define MAX_ROUNDS 99

#define DECLARE(P)                                                                                 \
    int P##vml_cpu_model_parse(const char *, struct vml_cpu_model *, struct vml_diag *);           \
    int P##vml_sim_create(const struct vml_sim_config *, struct vml_sim **, struct vml_diag *);    \
    void P##vml_sim_destroy(struct vml_sim *);                                                     \
    int P##vml_sim_spawn(struct vml_sim *, const char *, int *);                                   \
    int P##vml_sim_advance(struct vml_sim *, uint64_t);                                            \
    int P##vml_sim_mmap(struct vml_sim *, int, uint64_t, uint64_t, unsigned, unsigned, int,        \
                        uint64_t, uint64_t *);                                                     \
    int P##vml_sim_madvise(struct vml_sim *, int, uint64_t, uint64_t, int);                        \
    int P##vml_sim_touch(struct vml_sim *, int, uint64_t, uint64_t, uint64_t, enum vml_access,     \
                         struct vml_sim_access *);                                                 \
    void P##vml_sim_vmstat(const struct vml_sim *, struct vml_vmstat *);
DECLARE(A_)
DECLARE(B_)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void fail(const char *what)
{
    fprintf(stderr, "ab_pressure: %s failed\n", what);
    exit(2);
}

/* bench_pressure's one(): the touches' CPU seconds; their faults and pswpout in *check. */
#define RUN(P)                                                                                     \
    static __attribute__((noinline)) double P##run(uint64_t ram, uint64_t swap, uint64_t per,      \
                                                   uint64_t check[2])                              \
    {                                                                                              \
        struct vml_sim_config cfg;                                                                 \
        memset(&cfg, 0, sizeof(cfg));                                                              \
        cfg.phys.ram_bytes = ram;                                                                  \
        cfg.phys.nr_nodes = 1;                                                                     \
        struct vml_diag d = { 0 };                                                                 \
        if (P##vml_cpu_model_parse("skylake", &cfg.cpu, &d))                                       \
            fail("cpu");                                                                           \
        cfg.nr_cpus = 1;                                                                           \
        cfg.paging = 4;                                                                            \
        cfg.swap_bytes = swap;                                                                     \
        struct vml_sim *sim;                                                                       \
        if (P##vml_sim_create(&cfg, &sim, &d))                                                     \
            fail("machine");                                                                       \
        int pid[NPROC];                                                                            \
        uint64_t addr[NPROC];                                                                      \
        for (unsigned i = 0; i < NPROC; i++) {                                                     \
            char name[8];                                                                          \
            snprintf(name, sizeof(name), "p%u", i);                                                \
            addr[i] = 0;                                                                           \
            if (P##vml_sim_spawn(sim, name, &pid[i]) || P##vml_sim_advance(sim, 0) ||              \
                P##vml_sim_mmap(sim, pid[i], 0, per, VML_PROT_READ | VML_PROT_WRITE,               \
                                VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr[i]) ||           \
                P##vml_sim_advance(sim, 0) ||                                                      \
                P##vml_sim_madvise(sim, pid[i], addr[i], per, VML_MADV_NOHUGEPAGE) ||              \
                P##vml_sim_advance(sim, 0))                                                        \
                fail("setup");                                                                     \
        }                                                                                          \
        uint64_t faults = 0;                                                                       \
        double t0 = now();                                                                         \
        for (unsigned pass = 0; pass < 2; pass++)                                                  \
            for (unsigned i = 0; i < NPROC; i++) {                                                 \
                struct vml_sim_access a = { 0 };                                                   \
                if (P##vml_sim_touch(sim, pid[i], addr[i], addr[i] + per, 4096, VML_WRITE, &a) ||  \
                    P##vml_sim_advance(sim, 0) || a.killed)                                        \
                    fail("touch");                                                                 \
                faults += a.minor + a.major;                                                       \
            }                                                                                      \
        double t = now() - t0;                                                                     \
        struct vml_vmstat v;                                                                       \
        P##vml_sim_vmstat(sim, &v);                                                                \
        check[0] = faults;                                                                         \
        check[1] = v.v[VML_VMSTAT_pswpout];                                                        \
        P##vml_sim_destroy(sim);                                                                   \
        return t;                                                                                  \
    }
RUN(A_)
RUN(B_)

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0, 0.25, 0.5 ...) of n values, sorted in place: the nearest rank. */
static double quant(double *v, unsigned n, double q)
{
    qsort(v, n, sizeof(*v), cmp);
    return v[(unsigned)(q * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
    uint64_t mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 1024;
    unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 7;
    if (mib < 64 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: ab_pressure [RAM_MIB >= 64] [ROUNDS 1..%d]\n", MAX_ROUNDS);
        return 2;
    }
    const uint64_t ram = mib << 20, swap = 2 * ram, per = 2 * ram / NPROC, roomy = 4 * ram;
    double pa[MAX_ROUNDS], pb[MAX_ROUNDS], ba[MAX_ROUNDS], bb[MAX_ROUNDS], ra[MAX_ROUNDS],
        rb[MAX_ROUNDS], rel[MAX_ROUNDS];
    for (unsigned k = 0; k < rounds; k++) {
        uint64_t ca[2], cb[2], xa[2], xb[2];
        if (k % 2 == 0) {
            pa[k] = A_run(ram, swap, per, ca);
            ba[k] = A_run(roomy, swap, per, xa);
            pb[k] = B_run(ram, swap, per, cb);
            bb[k] = B_run(roomy, swap, per, xb);
        } else {
            pb[k] = B_run(ram, swap, per, cb);
            bb[k] = B_run(roomy, swap, per, xb);
            pa[k] = A_run(ram, swap, per, ca);
            ba[k] = A_run(roomy, swap, per, xa);
        }
        if (memcmp(ca, cb, sizeof(ca)) || memcmp(xa, xb, sizeof(xa))) {
            fprintf(stderr, "ab_pressure: the builds differ: faults %llu/%llu, pswpout %llu/%llu\n",
                    (unsigned long long)ca[0], (unsigned long long)cb[0], (unsigned long long)ca[1],
                    (unsigned long long)cb[1]);
            return 1;
        }
        ra[k] = ba[k] / pa[k];
        rb[k] = bb[k] / pb[k];
        rel[k] = pb[k] / pa[k];
        fprintf(stderr, "round %u: A %.3f s / %.3f s, B %.3f s / %.3f s\n", k + 1, pa[k], ba[k],
                pb[k], bb[k]);
    }
    printf("ram=%lluM, %u rounds, CPU seconds of the touches, median (quartiles)\n",
           (unsigned long long)mib, rounds);
    printf("   pressure                 enough RAM               ratio\n");
    double *cols[2][3] = { { pa, ba, ra }, { pb, bb, rb } };
    for (unsigned x = 0; x < 2; x++) {
        printf("%c ", x ? 'B' : 'A');
        for (unsigned c = 0; c < 3; c++)
            printf(" %.3f (%.3f-%.3f)   ", quant(cols[x][c], rounds, 0.5),
                   quant(cols[x][c], rounds, 0.25), quant(cols[x][c], rounds, 0.75));
        printf("\n");
    }
    printf("B/A pressure time: %.3f (%.3f-%.3f)\n", quant(rel, rounds, 0.5),
           quant(rel, rounds, 0.25), quant(rel, rounds, 0.75));
    return 0;
}
