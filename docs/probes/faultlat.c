/* Median latency of first-touch write faults: 4 KiB pages (MADV_NOHUGEPAGE) and PMD THPs
 * (MADV_HUGEPAGE, defrag=madvise: direct compaction allowed but memory is plentiful). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}
static int cmp(const void *a, const void *b)
{
    double x = *(double *)a, y = *(double *)b;
    return x < y ? -1 : x > y;
}
static void run(const char *name, size_t step, size_t n, int adv)
{
    size_t len = step * n + (2 << 20);
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a = (char *)(((unsigned long)p + (2 << 20) - 1) & ~((2ul << 20) - 1));
    madvise(p, len, adv);
    double *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        double s = now();
        a[i * step] = 1;
        t[i] = now() - s;
    }
    qsort(t, n, sizeof *t, cmp);
    printf("%s: n=%zu median %.0f ns p10 %.0f p90 %.0f\n", name, n, t[n / 2], t[n / 10],
           t[n * 9 / 10]);
    munmap(p, len);
    free(t);
}
int main(void)
{
    for (int r = 0; r < 3; r++) {
        run("4k write fault", 4096, 20000, MADV_NOHUGEPAGE);
        run("thp write fault", 2 << 20, 200, MADV_HUGEPAGE);
    }
    return 0;
}
