/* The disk under $TMPDIR (or /tmp) at queue depth 1, bypassing the page cache (O_DIRECT):
 * the median latency of 4 KiB reads and writes at random 4 KiB-aligned offsets of a 256 MiB
 * file, and the median bandwidth of 1 MiB reads and writes in file order. Each figure is the
 * median of ROUNDS rounds, each round's figure the median of its requests; the p10/p90 of the
 * rounds show the spread. The `virtio` preset of src/mm/blockdev.c comes from it
 * (docs/latency.md). Build: cc -O2 -o disklat disklat.c; run: ./disklat [rounds].
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FILE_BYTES (256ull << 20)
#define SMALL      4096
#define BIG        (1u << 20)
#define NR_SMALL   400 /* random 4 KiB requests per round */
#define NR_BIG     64  /* sequential 1 MiB requests per round (64 MiB) */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp);
    return v[n / 2];
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* One round's median latency of random 4 KiB requests, ns. */
static double random_round(int fd, char *buf, int write)
{
    double t[NR_SMALL];
    for (int i = 0; i < NR_SMALL; i++) {
        off_t off = (off_t)(next() % (FILE_BYTES / SMALL)) * SMALL;
        double s = now();
        ssize_t r = write ? pwrite(fd, buf, SMALL, off) : pread(fd, buf, SMALL, off);
        t[i] = now() - s;
        if (r != SMALL)
            die("4 KiB request");
    }
    return median(t, NR_SMALL);
}

/* One round's bandwidth of sequential 1 MiB requests from a random 64 MiB-aligned start,
 * bytes per second (the median request's). */
static double seq_round(int fd, char *buf, int write)
{
    double t[NR_BIG];
    off_t base = (off_t)(next() % (FILE_BYTES / ((uint64_t)NR_BIG * BIG))) * NR_BIG * BIG;
    for (int i = 0; i < NR_BIG; i++) {
        off_t off = base + (off_t)i * BIG;
        double s = now();
        ssize_t r = write ? pwrite(fd, buf, BIG, off) : pread(fd, buf, BIG, off);
        t[i] = now() - s;
        if (r != BIG)
            die("1 MiB request");
    }
    return BIG / (median(t, NR_BIG) / 1e9);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1 || rounds > 100)
        rounds = 7;
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/disklat.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp");
    unlink(path);
    close(fd);
    char *buf;
    if (posix_memalign((void **)&buf, 4096, BIG))
        die("posix_memalign");
    memset(buf, 0x5a, BIG);
    /* The file's blocks are written (allocated) first, so that writes below overwrite. */
    fd = open(path, O_RDWR | O_CREAT | O_DIRECT, 0600);
    if (fd < 0)
        die("open");
    unlink(path);
    for (uint64_t off = 0; off < FILE_BYTES; off += BIG)
        if (pwrite(fd, buf, BIG, (off_t)off) != BIG)
            die("fill");
    if (fsync(fd))
        die("fsync");
    double rr[100], rw[100], sr[100], sw[100];
    for (int k = 0; k < rounds; k++) {
        rr[k] = random_round(fd, buf, 0);
        rw[k] = random_round(fd, buf, 1);
        sr[k] = seq_round(fd, buf, 0);
        sw[k] = seq_round(fd, buf, 1);
    }
    double *all[4] = { rr, rw, sr, sw };
    const char *names[4] = { "4k random read ns", "4k random write ns", "1M seq read MB/s",
                             "1M seq write MB/s" };
    for (int i = 0; i < 4; i++) {
        double scale = i < 2 ? 1 : 1e-6;
        qsort(all[i], (size_t)rounds, sizeof(double), cmp);
        printf("%-20s median %.0f p10 %.0f p90 %.0f (rounds %d)\n", names[i],
               all[i][rounds / 2] * scale, all[i][rounds / 10] * scale,
               all[i][rounds * 9 / 10] * scale, rounds);
    }
    close(fd);
    free(buf);
    return 0;
}
