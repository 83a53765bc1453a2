/* fallocate_probe.c: what fallocate(2) does on ext4 to a file's page cache and to the mappings of
 * it: plain (mode 0), FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE. Per step
 * it prints the file's size, its cached pages (mincore), which of them are dirty (PG_dirty in
 * /proc/kpageflags, so root), the pages a shared and a private mapping map (pagemap present
 * bits), the private mapping's anonymous (COW) pages, and the machine-wide vmstat nr_written
 * change (other writers add noise there). Run as root in a directory on ext4:
 *   gcc -O1 -Wall -o fallocate_probe fallocate_probe.c && ./fallocate_probe
 * Output of one run on the project's Linux 6.18 VM: fallocate_probe.out. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PG     4096ul
#define NPAGES 128ul /* the file: 512 KiB */

static int pagemap_fd, kpf_fd;

static long vmstat(const char *name)
{
    char line[256];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen("/proc/vmstat", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ' ')
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}

static uint64_t pme(const void *addr)
{
    uint64_t e = 0;
    if (pread(pagemap_fd, &e, 8, (off_t)((uintptr_t)addr / PG * 8)) != 8)
        return 0;
    return e;
}

/* Pages of [p, p + n pages) present; those that are anonymous (exclusive-mapped anon: bit 61
 * clear means anon or swap in pagemap: "page is file-page or shared-anon" is bit 61). */
static void rss(const char *p, unsigned long n, long *present, long *anon)
{
    *present = *anon = 0;
    for (unsigned long i = 0; i < n; i++) {
        uint64_t e = pme(p + i * PG);
        if (e >> 63) {
            (*present)++;
            if (!((e >> 61) & 1))
                (*anon)++;
        }
    }
}

/* Cached and dirty pages of fd's first n pages: mincore, then for a cached page a read through a
 * fresh read-only mapping (maps the cached page, no I/O) and its kpageflags. */
static void cache(int fd, unsigned long n, long *cached, long *dirty, char *map)
{
    unsigned char vec[NPAGES * 2];
    char *p = mmap(NULL, n * PG, PROT_READ, MAP_SHARED, fd, 0);
    *cached = *dirty = 0;
    if (p == MAP_FAILED || mincore(p, n * PG, vec)) {
        perror("mincore");
        exit(1);
    }
    for (unsigned long i = 0; i < n; i++) {
        map[i] = '.';
        if (!(vec[i] & 1))
            continue;
        (*cached)++;
        map[i] = 'c';
        volatile char c = p[i * PG];
        (void)c;
        uint64_t e = pme(p + i * PG), fl = 0;
        uint64_t pfn = e & ((1ull << 55) - 1);
        if ((e >> 63) && pread(kpf_fd, &fl, 8, (off_t)(pfn * 8)) == 8 && (fl >> 4) & 1) {
            (*dirty)++;
            map[i] = 'D';
        }
    }
    map[n] = 0;
    munmap(p, n * PG);
}

static int fd;
static char *shm, *priv;
static long written0;

static void state(const char *what)
{
    struct stat st;
    long c, d, sp, sa, pp, pa;
    char map[NPAGES * 2 + 1];
    fstat(fd, &st);
    unsigned long n = (unsigned long)((st.st_size + PG - 1) / PG);
    if (n > NPAGES * 2)
        n = NPAGES * 2;
    cache(fd, n, &c, &d, map);
    rss(shm, NPAGES, &sp, &sa);
    rss(priv, NPAGES, &pp, &pa);
    long w = vmstat("nr_written");
    printf("%-52s size=%7ld cached=%3ld dirty=%3ld shared_rss=%3ld private_rss=%3ld "
           "(anon %ld) nr_written+%ld\n  %s\n",
           what, (long)st.st_size, c, d, sp, pp, pa, w - written0, map);
    written0 = w;
}

static void falloc(const char *what, int mode, off_t off, off_t len)
{
    if (fallocate(fd, mode, off, len) != 0) {
        printf("%-52s failed: %s\n", what, strerror(errno));
        return;
    }
    state(what);
}

int main(void)
{
    static char buf[NPAGES * PG];
    pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
    kpf_fd = open("/proc/kpageflags", O_RDONLY);
    fd = open("fallocate_probe.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || pagemap_fd < 0 || kpf_fd < 0) {
        perror("open");
        return 1;
    }
    memset(buf, 'x', sizeof buf);
    /* 4 KiB writes: order-0 folios, so the edges are single pages. */
    for (unsigned long i = 0; i < NPAGES; i++)
        if (pwrite(fd, buf, PG, (off_t)(i * PG)) != (ssize_t)PG)
            return 1;
    fsync(fd);
    shm = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    priv = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    madvise(shm, NPAGES * PG, MADV_NOHUGEPAGE);
    madvise(priv, NPAGES * PG, MADV_NOHUGEPAGE);
    for (unsigned long i = 0; i < NPAGES; i++) {
        volatile char c = shm[i * PG];
        (void)c;
    }
    for (unsigned long i = 0; i < 64; i++) { /* private: pages 0-31 read, 32-63 written (COW) */
        if (i < 32) {
            volatile char c = priv[i * PG];
            (void)c;
        } else {
            priv[i * PG] = 'p';
        }
    }
    written0 = vmstat("nr_written");
    state("start (written, fsynced, mapped)");
    falloc("fallocate 0 [512K:768K) (past EOF)", 0, 512 << 10, 256 << 10);
    falloc("fallocate keep_size [768K:1M) (past EOF)", FALLOC_FL_KEEP_SIZE, 768 << 10, 256 << 10);
    falloc("fallocate 0 [0:64K) (over cached data)", 0, 0, 64 << 10);
    /* dirty pages 40-47 through write(2) and 48-55 through the shared mapping */
    pwrite(fd, buf, 8 * PG, 40 * PG);
    for (unsigned long i = 48; i < 56; i++)
        shm[i * PG] = 'y';
    state("dirtied pages 40-55 (write 40-47, shared map 48-55)");
    /* [10000, 100000): page 2 partial, 3-23 whole, 24 partial */
    falloc("punch [10000:100000)", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 10000, 90000);
    /* whole pages 36-51 (COW pages 36-51 of the private mapping; dirty 40-51) */
    falloc("punch [144K:208K) (page aligned)", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
           144 << 10, 64 << 10);
    falloc("punch [409700:409800) (inside page 100)", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
           409700, 100);
    falloc("punch [500K:2M) (to past EOF)", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 500 << 10,
           (2 << 20) - (500 << 10));
    falloc("punch without keep_size", FALLOC_FL_PUNCH_HOLE, 0, 4096);
    /* re-touch the punched range through the shared mapping: faults */
    for (unsigned long i = 0; i < 32; i++) {
        volatile char c = shm[i * PG];
        (void)c;
    }
    state("shared mapping reads pages 0-31 again");
    munmap(shm, NPAGES * PG);
    munmap(priv, NPAGES * PG);
    close(fd);
    unlink("fallocate_probe.dat");
    return 0;
}
