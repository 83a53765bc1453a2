/* writeback_probe.c: what fsync, fdatasync, msync(MS_SYNC), posix_fadvise(DONTNEED), truncate
 * and the flusher do to one file's page cache (mincore: pages cached; /proc/meminfo Dirty and
 * Writeback; vmstat nr_dirtied, nr_written). Run as root in a directory on the disk under test:
 *   gcc -O1 -Wall -o writeback_probe writeback_probe.c && ./writeback_probe
 * Dirty/Writeback and the vmstat counters are machine-wide: other writers add noise; the per-file
 * figures (mincore) are exact. It does not write drop_caches. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static long field(const char *file, const char *name)
{
    char line[256];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen(file, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && (line[n] == ':' || line[n] == ' ')) {
            v = strtol(line + n + 1 + strspn(line + n + 1, " :\t"), NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Pages of fd's first len bytes in the page cache. */
static long cached(int fd, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    unsigned char vec[len / 4096 + 1];
    long n = 0;
    if (p == MAP_FAILED || mincore(p, len, vec))
        return -1;
    for (size_t i = 0; i < (len + 4095) / 4096; i++)
        n += vec[i] & 1;
    munmap(p, len);
    return n;
}

static void state(const char *what, int fd, size_t len)
{
    printf("%-44s cached=%4ld Dirty=%6ld kB Writeback=%5ld kB nr_dirtied=%ld nr_written=%ld\n",
           what, cached(fd, len), field("/proc/meminfo", "Dirty"),
           field("/proc/meminfo", "Writeback"), field("/proc/vmstat", "nr_dirtied"),
           field("/proc/vmstat", "nr_written"));
}

static void fill(int fd, size_t off, size_t len)
{
    static char buf[65536];
    memset(buf, 'x', sizeof buf);
    for (size_t o = off; o < off + len; o += sizeof buf)
        if (pwrite(fd, buf, sizeof buf, (off_t)o) != (ssize_t)sizeof buf)
            perror("pwrite");
}

int main(void)
{
    const size_t len = 1 << 20;
    int fd = open("wbprobe.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)len))
        return perror("open"), 1;
    state("empty 1 MiB file", fd, len);
    fill(fd, 0, len);
    state("after 1 MiB of 64 KiB pwrites", fd, len);
    fsync(fd);
    state("after fsync", fd, len);
    fill(fd, 0, len);
    fdatasync(fd);
    state("rewrite + fdatasync", fd, len);
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    for (size_t i = 0; i < len; i += 4096)
        m[i] = 1;
    state("stores through a shared mapping", fd, len);
    msync(m, len, MS_SYNC);
    state("after msync(MS_SYNC)", fd, len);
    munmap(m, len);
    posix_fadvise(fd, 4096, 65537, POSIX_FADV_DONTNEED);
    state("fadvise DONTNEED [4K, 4K+65537) (clean)", fd, len);
    posix_fadvise(fd, 0, 131072, POSIX_FADV_DONTNEED);
    state("fadvise DONTNEED [0, 128K) (clean)", fd, len);
    fill(fd, 524288, 65536);
    state("dirty 64 KiB at 512K", fd, len);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    state("fadvise DONTNEED whole file (64K dirty)", fd, len);
    usleep(100000);
    state("100 ms later", fd, len);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    state("fadvise DONTNEED again", fd, len);
    fill(fd, 0, len);
    fsync(fd);
    if (ftruncate(fd, 300000))
        perror("ftruncate");
    state("cached 1 MiB, ftruncate to 300000", fd, len);
    /* The flusher: a 64 KiB dirty file left alone; its first page's PG_dirty and
     * PG_writeback from /proc/kpageflags (KPF_DIRTY 4, KPF_WRITEBACK 8) through pagemap. */
    fill(fd, 0, 65536);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    volatile char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    (void)r[0];
    int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
    uint64_t ent = 0, flags = 0;
    pread(pm, &ent, 8, (off_t)((uintptr_t)r / 4096 * 8));
    uint64_t pfn = ent & ((1ull << 55) - 1);
    int was = 1;
    for (int ms = 0; ms < 45000; ms += 100) {
        pread(kf, &flags, 8, (off_t)(pfn * 8));
        int dirty = (flags >> 4) & 1;
        if (was && !dirty) {
            clock_gettime(CLOCK_MONOTONIC, &t);
            printf("the file's dirty page was cleaned %.1f s after the write (writeback=%d)\n",
                   (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9,
                   (int)((flags >> 8) & 1));
            was = 0;
            break;
        }
        was = dirty;
        usleep(100000);
    }
    if (was)
        printf("still dirty after 45 s (pfn %llu)\n", (unsigned long long)pfn);
    close(fd);
    unlink("wbprobe.dat");
    return 0;
}
