/* Which anonymous pages Linux 6.18 swaps without I/O (docs/reclaim.md, "Zero-filled pages"):
 * a region of R pages only read (a read fault: the shared zero page where the kernel maps it,
 * else a fresh zeroed page), then Z pages written with a zero byte (a write fault's fresh zeroed
 * page, still all zeros), then W pages each written with one non-zero byte, as vmlab's agent
 * writes them. Run as root, alone (flock /tmp/vmlab-kernel.lock), at least twice:
 *   gcc -O1 -Wall -o zeromap zeromap.c && ./zeromap [R Z W]      (default 100 100 50)
 * Steps, each printing the deltas of /proc/vmstat pswpout, swpout_zero, pswpin, swpin_zero,
 * swap_ra, swap_ra_hit, the process's major faults and the region's smaps Rss and Swap:
 *   1. MADV_PAGEOUT of the region (swap on: a 64 MiB swap file made as mkswap makes it);
 *   2. a second later, every page read again in address order;
 *   3. MADV_PAGEOUT again (the pages are now clean swap-cache folios);
 *   4. every page read again in address order;
 *   5. every page written (non-zero), MADV_PAGEOUT again: the slots that were in the zeromap
 *      now take data;
 * then swapoff. The swap file is switched off and removed at exit and on signals. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096ul
static char swapfile[256];

static void cleanup(void)
{
    if (swapfile[0]) {
        swapoff(swapfile);
        unlink(swapfile);
        swapfile[0] = 0;
    }
}
static void on_sig(int s)
{
    cleanup();
    signal(s, SIG_DFL);
    raise(s);
}

/* A swap file with the header mkswap writes (version 1, last page, the signature). */
static void swap_on(unsigned long bytes)
{
    const char *d = getenv("TMPDIR");
    snprintf(swapfile, sizeof swapfile, "%s/zeromap-swap-%d", d && *d ? d : "/var/tmp", getpid());
    int fd = open(swapfile, O_RDWR | O_CREAT | O_EXCL, 0600);
    unsigned char h[PG] = { 0 };
    uint32_t v = 1, last = (uint32_t)(bytes / PG - 1);
    memcpy(h + 1024, &v, 4);
    memcpy(h + 1028, &last, 4);
    memcpy(h + PG - 10, "SWAPSPACE2", 10);
    if (fd < 0 || fallocate(fd, 0, 0, (off_t)bytes) || pwrite(fd, h, PG, 0) != PG || fsync(fd) ||
        swapon(swapfile, 0)) {
        perror("swap file");
        cleanup();
        exit(1);
    }
    close(fd);
}

static long field(const char *file, const char *name)
{
    char line[512];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen(file, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && (line[n] == ':' || line[n] == ' ')) {
            v = strtol(line + n + 1 + strspn(line + n + 1, ": \t"), NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}
static long smaps(void *a, const char *name)
{
    char line[512];
    int in = 0;
    long v = -1;
    FILE *f = fopen("/proc/self/smaps", "r");
    while (f && fgets(line, sizeof line, f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = (uintptr_t)a >= s && (uintptr_t)a < e;
            continue;
        }
        size_t n = strlen(name);
        if (in && !strncmp(line, name, n) && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    if (f)
        fclose(f);
    return v;
}
static long majflt(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_majflt;
}

enum { OUT, ZOUT, IN, ZIN, RA, RAHIT, MAJ, NR };
static const char *const names[NR] = { "pswpout", "swpout_zero", "pswpin", "swpin_zero",
                                       "swap_ra", "swap_ra_hit", "majflt" };
static void snap(long *v)
{
    for (int i = 0; i < MAJ; i++)
        v[i] = field("/proc/vmstat", names[i]);
    v[MAJ] = majflt();
}
static void report(const char *step, const long *a, char *p)
{
    long b[NR];
    snap(b);
    printf("%s:", step);
    for (int i = 0; i < NR; i++)
        printf(" %s %+ld", names[i], b[i] - a[i]);
    printf("; Rss %ld kB, Swap %ld kB, SwapCached %ld kB\n", smaps(p, "Rss"), smaps(p, "Swap"),
           field("/proc/meminfo", "SwapCached"));
}

static void read_all(char *p, unsigned long n)
{
    volatile char s = 0;
    for (unsigned long i = 0; i < n; i++)
        s += p[i * PG];
    (void)s;
}

int main(int argc, char **argv)
{
    unsigned long r = argc > 3 ? strtoul(argv[1], NULL, 0) : 100;
    unsigned long z = argc > 3 ? strtoul(argv[2], NULL, 0) : 100;
    unsigned long w = argc > 3 ? strtoul(argv[3], NULL, 0) : 50, n = r + z + w;
    if (field("/proc/swaps", "/") != -1 || getuid() != 0) {
        fprintf(stderr, "needs root and no swap on\n");
        return 1;
    }
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    signal(SIGPIPE, on_sig);
    signal(SIGHUP, on_sig);
    swap_on(64ul << 20);
    char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    read_all(p, r);
    for (unsigned long i = r; i < r + z; i++)
        ((volatile char *)p)[i * PG] = 0;
    for (unsigned long i = r + z; i < n; i++)
        p[i * PG] = 0x5a;
    long rss = smaps(p, "Rss"), own = rss - (long)((z + w) * 4);
    printf("%lu pages read, %lu written with 0, %lu with data: Rss %ld kB (the read ones %ld kB: "
           "%s)\n",
           r, z, w, rss, own, own == 0 ? "the shared zero page" : "zeroed pages of their own");
    long a[NR];
    snap(a);
    madvise(p, n * PG, MADV_PAGEOUT);
    report("1 pageout", a, p);
    sleep(1);
    snap(a);
    read_all(p, n);
    report("2 re-read", a, p);
    snap(a);
    madvise(p, n * PG, MADV_PAGEOUT);
    report("3 pageout again", a, p);
    sleep(1);
    snap(a);
    read_all(p, n);
    report("4 re-read", a, p);
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = 0x5a;
    snap(a);
    madvise(p, n * PG, MADV_PAGEOUT);
    report("5 all written, pageout", a, p);
    sleep(1);
    snap(a);
    int e = swapoff(swapfile);
    report(e ? "6 swapoff FAILED" : "6 swapoff", a, p);
    if (!e)
        unlink(swapfile), swapfile[0] = 0;
    cleanup();
    return 0;
}
