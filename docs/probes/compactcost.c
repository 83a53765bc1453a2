/* Cost of compaction per migrated page: fragment 2 GiB of 4 KiB anonymous pages (free every
 * other page), then write /proc/sys/vm/compact_memory and time it against vmstat deltas. */
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
static long vm(const char *k)
{
    FILE *f = fopen("/proc/vmstat", "r");
    char n[64];
    long v, r = -1;
    while (fscanf(f, "%63s %ld", n, &v) == 2)
        if (!strcmp(n, k))
            r = v;
    fclose(f);
    return r;
}
int main(void)
{
    size_t len = 2ul << 30;
    char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, len, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1;
    for (size_t i = 0; i < len; i += 8192)
        madvise(p + i, 4096, MADV_DONTNEED);
    const char *k[] = { "pgmigrate_success", "compact_migrate_scanned", "compact_free_scanned",
                        "compact_isolated", "compact_stall" };
    long b[5];
    for (int i = 0; i < 5; i++)
        b[i] = vm(k[i]);
    double s = now();
    FILE *f = fopen("/proc/sys/vm/compact_memory", "w");
    fputs("1", f);
    fclose(f);
    double e = now() - s;
    printf("compact_memory: %.1f ms\n", e / 1e6);
    for (int i = 0; i < 5; i++)
        printf("%s +%ld\n", k[i], vm(k[i]) - b[i]);
    printf("ns per migrated page: %.0f\n", e / (vm("pgmigrate_success") - b[0]));
    return 0;
}
