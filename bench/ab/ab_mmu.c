/* ab_mmu.c: two builds of the translation path timed in one process (bench/ab.sh mmu builds it).
 *
 * Times on the shared VM swing by 2x within minutes, so comparing two binaries run one after the
 * other says little. Here the two builds' libraries are linked together, their symbols renamed
 * A_... and B_...; each gets its own world (bench_mmu's: 1 GiB in 4 KiB pages and 1 GiB in 2 MiB
 * pages), and they take turns in chunks of translations, so both see the same machine. Times
 * are the thread's CPU time. Prints each build's M/s and B's speed relative to A's.
 * Usage: ab_mmu STREAM(a|b|c) [CHUNK] [CHUNKS] [CPU]
 */
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DECLARE(P)                                                                                 \
    int P##vml_cpu_model_parse(const char *, struct vml_cpu_model *, struct vml_diag *);           \
    int P##vml_phys_create(const struct vml_phys_config *, struct vml_phys **, struct vml_diag *); \
    int P##vml_pt_create(struct vml_phys *, unsigned, unsigned, struct vml_pt **);                 \
    int P##vml_phys_alloc(struct vml_phys *, unsigned, unsigned, enum vml_frame_use, uint64_t *);  \
    int P##vml_pt_map(struct vml_pt *, uint64_t, uint64_t, enum vml_page_size, uint64_t);          \
    int P##vml_cpu_create(const struct vml_cpu_model *, struct vml_phys *, struct vml_cpu **);     \
    int P##vml_cpu_load_cr3(struct vml_cpu *, uint64_t, unsigned, unsigned, bool);                 \
    uint64_t P##vml_pt_root(const struct vml_pt *);                                                \
    int P##vml_mmu_translate(struct vml_cpu *, uint64_t, enum vml_access, bool, struct vml_xlate *);
DECLARE(A_)
DECLARE(B_)

static volatile uint64_t sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static const uint64_t small = 0x7f0000000000ull, huge = 0x7f4000000000ull;

/* world(): a CPU over bench_mmu's two ranges; run(): n translations of a stream, in seconds. */
#define WORLD(P)                                                                                   \
    static struct vml_cpu *P##world(const char *name)                                              \
    {                                                                                              \
        struct vml_phys_config cfg = { .ram_bytes = 4 * VML_GiB, .nr_nodes = 1 };                  \
        struct vml_phys *phys;                                                                     \
        struct vml_pt *pt;                                                                         \
        struct vml_cpu *cpu;                                                                       \
        struct vml_cpu_model m;                                                                    \
        struct vml_diag d = { 0 };                                                                 \
        if (P##vml_cpu_model_parse(name, &m, &d) || P##vml_phys_create(&cfg, &phys, NULL) ||       \
            P##vml_pt_create(phys, 4, 0, &pt)) {                                                   \
            fprintf(stderr, "ab_mmu: cannot set up CPU %s\n", name);                               \
            exit(2);                                                                               \
        }                                                                                          \
        for (unsigned k = 0; k < 2; k++) {                                                         \
            enum vml_page_size ps = k ? VML_PS_2M : VML_PS_4K;                                     \
            uint64_t size = 1ull << vml_ps_shift(ps), pfn;                                         \
            for (uint64_t off = 0; off < VML_GiB; off += size)                                     \
                if (P##vml_phys_alloc(phys, 0, 9 * (unsigned)ps, VML_USE_TEST, &pfn) ||            \
                    P##vml_pt_map(pt, (k ? huge : small) + off, pfn, ps,                           \
                                  VML_PTE_US | VML_PTE_RW | VML_PTE_NX))                           \
                    exit(2);                                                                       \
        }                                                                                          \
        if (P##vml_cpu_create(&m, phys, &cpu) ||                                                   \
            P##vml_cpu_load_cr3(cpu, P##vml_pt_root(pt), 4, 1, false))                             \
            exit(2);                                                                               \
        return cpu; /* the world lives until exit */                                               \
    }                                                                                              \
    static __attribute__((noinline)) double P##run(struct vml_cpu *cpu, uint64_t base,             \
                                                   uint64_t mask, unsigned long n, uint64_t seed)  \
    {                                                                                              \
        uint64_t x = seed, acc = 0;                                                                \
        struct vml_xlate xl;                                                                       \
        double t0 = now();                                                                         \
        for (unsigned long i = 0; i < n; i++) {                                                    \
            P##vml_mmu_translate(cpu, base + (next(&x) & mask), VML_READ, true, &xl);              \
            acc += xl.pa;                                                                          \
        }                                                                                          \
        sink = acc;                                                                                \
        return now() - t0;                                                                         \
    }
WORLD(A_)
WORLD(B_)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    char stream = argc > 1 ? argv[1][0] : 'b';
    unsigned long chunk = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
    int chunks = argc > 3 ? atoi(argv[3]) : 30;
    const char *name = argc > 4 ? argv[4] : "skylake";
    if ((stream != 'a' && stream != 'b' && stream != 'c') || chunk == 0 || chunks < 1 ||
        chunks > 1000) {
        fprintf(stderr, "usage: ab_mmu a|b|c [CHUNK] [CHUNKS 1-1000] [CPU]\n");
        return 2;
    }
    struct vml_cpu *a = A_world(name), *b = B_world(name);
    /* bench_mmu's streams: (a) 64 pages, (b) 1 GiB of 4 KiB pages, (c) 1 GiB of 2 MiB pages */
    uint64_t base = stream == 'c' ? huge : small;
    uint64_t mask = stream == 'a' ? 64 * 4096 - 1 : VML_GiB - 1;
    A_run(a, base, mask, 10 * chunk, 7); /* warm both */
    B_run(b, base, mask, 10 * chunk, 7);
    double ta = 0, tb = 0, ratio[1000];
    for (int k = 0; k < chunks; k++) {
        double x = A_run(a, base, mask, chunk, 12345 + (uint64_t)k);
        double y = B_run(b, base, mask, chunk, 12345 + (uint64_t)k);
        ta += x;
        tb += y;
        ratio[k] = x / y;
    }
    qsort(ratio, (size_t)chunks, sizeof(double), cmp_double);
    printf("(%c) A %.1f M/s  B %.1f M/s  B/A %.3f (median of chunks %.3f)\n", stream,
           (double)chunk * chunks / ta / 1e6, (double)chunk * chunks / tb / 1e6, ta / tb,
           ratio[chunks / 2]);
    return 0;
}
