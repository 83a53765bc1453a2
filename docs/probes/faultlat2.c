/* Median latency of a COW write fault after fork (parent writes a page the child shares) and
 * of a read fault on a cached file page (one fault per 64 KiB fault-around window). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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
static void med(const char *n, double *t, size_t k)
{
    qsort(t, k, sizeof *t, cmp);
    printf("%s: median %.0f ns p10 %.0f p90 %.0f\n", n, t[k / 2], t[k / 10], t[k * 9 / 10]);
}
int main(void)
{
    size_t n = 20000, len = n * 4096;
    double *t = malloc(n * sizeof *t);
    for (int r = 0; r < 3; r++) {
        char *p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, len, MADV_NOHUGEPAGE);
        memset(p, 1, len);
        int fd[2];
        pipe(fd);
        pid_t c = fork();
        if (!c) {
            char x;
            read(fd[0], &x, 1);
            _exit(0);
        }
        for (size_t i = 0; i < n; i++) {
            double s = now();
            p[i * 4096] = 2;
            t[i] = now() - s;
        }
        write(fd[1], "x", 1);
        waitpid(c, 0, 0);
        med("cow write fault", t, n);
        munmap(p, len);
        int f = open("/tmp/probes/ff.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
        char *b = malloc(len);
        memset(b, 3, len);
        write(f, b, len);
        free(b);
        char *q = mmap(0, len, PROT_READ, MAP_PRIVATE, f, 0);
        size_t k = 0;
        for (size_t i = 0; i < n; i += 16) {
            double s = now();
            (void)*(volatile char *)(q + i * 4096);
            t[k++] = now() - s;
        }
        med("cached file read fault (maps 16)", t, k);
        munmap(q, len);
        close(f);
    }
    unlink("/tmp/probes/ff.bin");
    return 0;
}
