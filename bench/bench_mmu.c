/* bench_mmu.c: translation throughput of the simulated MMU (make bench).
 *
 * Three streams, each timed against a baseline loop that generates the same addresses and does
 * nothing else, in the same run; medians of several runs:
 *   (a) a TLB-hit stream: random addresses within 64 pages (the skylake L1 dTLB's reach)
 *   (b) random addresses over 1 GiB mapped with 4 KiB pages: walk-dominated
 *   (c) random addresses over 1 GiB mapped with 2 MiB pages
 * Targets on the project machine: (a) >= 150 M/s, (b) >= 25 M/s.
 */
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 7

struct stream {
    const char *name;
    uint64_t base;   /* first address */
    uint64_t mask;   /* offsets are random & mask */
    unsigned long n; /* translations per run */
    double target;   /* M/s, 0 = none */
};

static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t next(uint64_t *x)
{
    /* xorshift64 */
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static double time_baseline(const struct stream *s, uint64_t seed)
{
    uint64_t x = seed, acc = 0;
    double t0 = now();
    for (unsigned long i = 0; i < s->n; i++)
        acc += s->base + (next(&x) & s->mask);
    double t = now() - t0;
    sink = acc;
    return t;
}

static double time_translate(struct vml_cpu *cpu, const struct stream *s, uint64_t seed)
{
    uint64_t x = seed, acc = 0;
    struct vml_xlate xl;
    double t0 = now();
    for (unsigned long i = 0; i < s->n; i++) {
        vml_mmu_translate(cpu, s->base + (next(&x) & s->mask), VML_READ, true, &xl);
        acc += xl.pa;
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what, int r)
{
    fprintf(stderr, "bench_mmu: %s: %s\n", what, vml_strerror(r));
    exit(1);
}

/* Maps [va, va + bytes) with pages of size ps, read-write user. */
static void map_range(struct vml_phys *phys, struct vml_pt *pt, uint64_t va, uint64_t bytes,
                      enum vml_page_size ps)
{
    uint64_t size = 1ull << vml_ps_shift(ps), pfn;
    for (uint64_t off = 0; off < bytes; off += size) {
        int r = vml_phys_alloc(phys, 0, 9 * (unsigned)ps, VML_USE_TEST, &pfn);
        if (r == 0)
            r = vml_pt_map(pt, va + off, pfn, ps, VML_PTE_US | VML_PTE_RW | VML_PTE_NX);
        if (r)
            die("map", r);
    }
}

static void run_stream(struct vml_cpu *cpu, const struct stream *s)
{
    double tb[RUNS], tt[RUNS], ratio[RUNS];
    /* Warm the TLBs and caches once, then reset counters for the hit-rate report. */
    time_translate(cpu, s, 7);
    vml_cpu_reset_stats(cpu);
    for (unsigned r = 0; r < RUNS; r++) {
        tb[r] = time_baseline(s, 12345 + r);
        tt[r] = time_translate(cpu, s, 12345 + r);
        ratio[r] = tt[r] / tb[r];
    }
    const struct vml_mmu_stats *st = vml_cpu_stats(cpu);
    double n = (double)s->n * RUNS;
    double l1 = (double)st->tlb[VML_TLB_L1D].hits[0] + (double)st->tlb[VML_TLB_L1D].hits[1] +
                (double)st->tlb[VML_TLB_L1D].hits[2];
    double mb = (double)s->n / median(tb, RUNS) / 1e6;
    double mt = (double)s->n / median(tt, RUNS) / 1e6;
    printf("%-40s %9.1f %12.1f %8.1fx %9.1f%% %7.2f", s->name, mt, mb, median(ratio, RUNS),
           100.0 * l1 / n, (double)st->walks / n);
    if (s->target > 0)
        printf("   >= %3.0f M/s %s", s->target, mt >= s->target ? "met" : "MISSED");
    putchar('\n');
}

int main(int argc, char **argv)
{
    const char *cpu_name = argc > 1 ? argv[1] : "skylake";
    struct vml_phys_config cfg = { .ram_bytes = 4 * VML_GiB, .nr_nodes = 1 };
    struct vml_phys *phys;
    struct vml_pt *pt;
    struct vml_cpu *cpu;
    struct vml_cpu_model model;
    struct vml_diag d = { 0 };
    int r;
    if ((r = vml_cpu_model_parse(cpu_name, &model, &d)) != 0) {
        fprintf(stderr, "bench_mmu: %s\n", d.msg);
        return 2;
    }
    if ((r = vml_phys_create(&cfg, &phys, NULL)) != 0)
        die("phys", r);
    if ((r = vml_pt_create(phys, 4, 0, &pt)) != 0)
        die("pt", r);
    const uint64_t small = 0x7f0000000000ull, huge = 0x7f4000000000ull;
    map_range(phys, pt, small, VML_GiB, VML_PS_4K);
    map_range(phys, pt, huge, VML_GiB, VML_PS_2M);
    if ((r = vml_cpu_create(&model, phys, &cpu)) != 0)
        die("cpu", r);
    if ((r = vml_cpu_load_cr3(cpu, vml_pt_root(pt), 4, 1, false)) != 0)
        die("cr3", r);

    const struct stream streams[] = {
        { "(a) TLB-hit stream, 64 pages", small, 64 * 4096 - 1, 40000000, 150 },
        { "(b) random over 1 GiB, 4 KiB pages", small, VML_GiB - 1, 10000000, 25 },
        { "(c) random over 1 GiB, 2 MiB pages", huge, VML_GiB - 1, 10000000, 0 },
    };
    printf("vmlab bench_mmu: translations per second, CPU %s, 4-level paging, median of %d runs\n"
           "ratio = translate loop time / baseline loop time (same addresses, no translation)\n\n",
           model.name, RUNS);
    printf("%-40s %9s %12s %9s %10s %7s   %s\n", "stream", "M/s", "baseline M/s", "ratio",
           "L1 hits", "walks", "target");
    /* BENCH_ONLY=a|b|c runs one stream (for profiling). */
    const char *only = getenv("BENCH_ONLY");
    for (size_t i = 0; i < sizeof(streams) / sizeof(streams[0]); i++)
        if (!only || only[0] == 'a' + (int)i)
            run_stream(cpu, &streams[i]);
    vml_cpu_destroy(cpu);
    vml_pt_destroy(pt);
    vml_phys_destroy(phys);
    return 0;
}
