/* What MADV_PAGEOUT, MADV_COLD, swap-in and a cgroup v1 memory limit do on the running kernel
 * (docs/pressure.md). Run as root, one mode at a time, each at least twice:
 *   gcc -O1 -Wall -o pressure pressure.c && ./pressure MODE
 * MODE [N] [zero]: pageout (anon, swap on, N pages written nonzero, or zero-filled with zero: Swap,
 * VmSwap, Rss, pswpout; re-touch sequential and random: majflt, pswpin, SwapCached), file (clean
 * and dirty shared file pages), cold (LRU lists), memcg-swap (a process touching 2x its cgroup's
 * limit with swap), memcg-noswap (the same, without swap). Swap, when a mode needs it, is a 256 MiB
 * file in $TMPDIR or /var/tmp with a header written as mkswap writes it; it is switched off and
 * removed at exit and on signals. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096ul
static char swapfile[256], cgdir[256];
static int fill = 1; /* the byte anonymous pages are written with: 0 makes them zero-filled */

static void cleanup(void)
{
    if (cgdir[0]) {
        char p[300];
        snprintf(p, sizeof p, "/sys/fs/cgroup/memory/cgroup.procs");
        FILE *f = fopen(p, "w");
        if (f) {
            fprintf(f, "%d\n", getpid());
            fclose(f);
        }
        rmdir(cgdir);
        cgdir[0] = 0;
    }
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

static void swap_on(unsigned long bytes)
{
    const char *d = getenv("TMPDIR");
    snprintf(swapfile, sizeof swapfile, "%s/probe-swap-%d", d && *d ? d : "/var/tmp", getpid());
    int fd = open(swapfile, O_RDWR | O_CREAT | O_EXCL, 0600);
    unsigned char h[PG] = { 0 };
    uint32_t v = 1, last = (uint32_t)(bytes / PG - 1);
    memcpy(h + 1024, &v, 4);
    memcpy(h + 1028, &last, 4);
    memcpy(h + PG - 10, "SWAPSPACE2", 10);
    if (fd < 0 || fallocate(fd, 0, 0, (off_t)bytes) || pwrite(fd, h, PG, 0) != PG || fsync(fd) ||
        swapon(swapfile, 0)) {
        perror("swap file");
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
/* meminfo after draining the per-CPU LRU batches and folding the per-CPU counters (as the
 * Linux backend does: move_pages with no pages drains, stat_refresh folds). */
static long mi(const char *name)
{
    void *pages[1] = { 0 };
    int nodes[1] = { 0 }, st[1];
    syscall(SYS_move_pages, 0, 0ul, pages, nodes, st, 0);
    int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
    if (fd >= 0) {
        if (write(fd, "1", 1) < 0) {
        }
        close(fd);
    }
    return field("/proc/meminfo", name);
}
static long vs(const char *name)
{
    return field("/proc/vmstat", name);
}
/* A field of the smaps block of the VMA holding a. */
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

static void reread(char *p, unsigned long n, int random, const char *tag)
{
    long m0 = majflt(), i0 = vs("pswpin"), c0 = mi("SwapCached"), z0 = vs("swpin_zero");
    long ra0 = vs("swap_ra"), rh0 = vs("swap_ra_hit");
    volatile char s = 0;
    for (unsigned long i = 0; i < n; i++) {
        /* random: i times an odd number, mod n (a power of two), is a permutation of 0..n-1 */
        unsigned long k = random ? (i * 2654435761ul) % n : i;
        s += p[k * PG];
    }
    (void)s;
    printf("%s re-read %lu pages: majflt %+ld pswpin %+ld swpin_zero %+ld swap_ra %+ld "
           "swap_ra_hit %+ld SwapCached %+ld kB; smaps Rss %ld Swap %ld kB\n",
           tag, n, majflt() - m0, vs("pswpin") - i0, vs("swpin_zero") - z0, vs("swap_ra") - ra0,
           vs("swap_ra_hit") - rh0, mi("SwapCached") - c0, smaps(p, "Rss"), smaps(p, "Swap"));
}

static void pageout(unsigned long n)
{
    swap_on(256ul << 20);
    char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = (char)(fill ? (i | 1) : 0);
    long o0 = vs("pswpout"), c0 = mi("SwapCached"), sf0 = mi("SwapFree"),
         r0 = field("/proc/self/status", "VmRSS"), z0 = vs("swpout_zero");
    int r = madvise(p, n * PG, MADV_PAGEOUT);
    printf("pageout %lu pages: ret %d; pswpout %+ld swpout_zero %+ld; SwapFree %+ld kB; SwapCached "
           "%+ld kB; smaps Rss %ld Swap %ld kB; VmSwap %ld kB; VmRSS %+ld kB\n",
           n, r, vs("pswpout") - o0, vs("swpout_zero") - z0, mi("SwapFree") - sf0,
           mi("SwapCached") - c0, smaps(p, "Rss"), smaps(p, "Swap"),
           field("/proc/self/status", "VmSwap"), field("/proc/self/status", "VmRSS") - r0);
    sleep(1);
    printf("1 s later: SwapCached %+ld kB\n", mi("SwapCached") - c0);
    reread(p, n, 0, "sequential");
    /* the pages are in the swap cache now, clean, and mapped: pageout again swaps nothing out */
    o0 = vs("pswpout");
    madvise(p, n * PG, MADV_PAGEOUT);
    printf("pageout again (clean swap cache pages): pswpout %+ld; Swap %ld kB\n",
           vs("pswpout") - o0, smaps(p, "Swap"));
    reread(p, n, 1, "random, after pageout of clean swap-cache pages");
    /* dirty them, swap them out again, then read at random */
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = (char)(3 * fill);
    o0 = vs("pswpout");
    madvise(p, n * PG, MADV_PAGEOUT);
    printf("written, pageout again: pswpout %+ld; Swap %ld kB\n", vs("pswpout") - o0,
           smaps(p, "Swap"));
    reread(p, n, 1, "random");
    /* swapoff brings the rest back */
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = (char)(5 * fill);
    madvise(p, n * PG, MADV_PAGEOUT);
    long m0 = majflt(), i0 = vs("pswpin");
    int so = swapoff(swapfile);
    if (so)
        perror("swapoff");
    printf("swapoff with %ld kB swapped: ret %d; pswpin %+ld; my majflt %+ld; smaps Rss %ld Swap "
           "%ld kB\n",
           n * 4, so, vs("pswpin") - i0, majflt() - m0, smaps(p, "Rss"), smaps(p, "Swap"));
    char sw[4096] = "";
    FILE *f = fopen("/proc/swaps", "r");
    size_t k = f ? fread(sw, 1, sizeof sw - 1, f) : 0;
    if (f)
        fclose(f);
    sw[k] = 0;
    printf("/proc/swaps after swapoff: %s\n", strstr(sw, swapfile) ? "still on" : "gone");
    struct rusage u0, u1;
    getrusage(RUSAGE_SELF, &u0);
    volatile char s = 0;
    for (unsigned long i = 0; i < n; i++)
        s += p[i * PG];
    getrusage(RUSAGE_SELF, &u1);
    printf("re-read after swapoff: majflt %+ld minflt %+ld; smaps Rss %ld Swap %ld kB\n",
           u1.ru_majflt - u0.ru_majflt, u1.ru_minflt - u0.ru_minflt, smaps(p, "Rss"),
           smaps(p, "Swap"));
    (void)s;
}

static void file_mode(unsigned long n)
{
    char path[256];
    const char *d = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/probe-file-%d", d && *d ? d : "/var/tmp", getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    static char buf[1 << 16];
    memset(buf, 7, sizeof buf);
    for (unsigned long o = 0; o < n * PG; o += sizeof buf)
        if (write(fd, buf, sizeof buf) < 0)
            perror("write");
    fsync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED); /* out of the cache: the map reads it in */
    char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    volatile char s = 0;
    for (unsigned long i = 0; i < n; i++)
        s += p[i * PG];
    long c0 = mi("Cached"), rss0 = smaps(p, "Rss");
    int r = madvise(p, n * PG, MADV_PAGEOUT);
    printf("clean shared file, %lu pages mapped (Rss %ld kB): pageout ret %d; Cached %+ld kB; "
           "Rss %ld kB\n",
           n, rss0, r, mi("Cached") - c0, smaps(p, "Rss"));
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = 9;
    c0 = mi("Cached");
    long d0 = mi("Dirty"), w0 = vs("nr_written");
    r = madvise(p, n * PG, MADV_PAGEOUT);
    printf("dirty shared file, %lu pages: pageout ret %d; Cached %+ld kB; Dirty %+ld kB "
           "(Dirty now %ld kB); nr_written %+ld; Rss %ld kB\n",
           n, r, mi("Cached") - c0, mi("Dirty") - d0, mi("Dirty"), vs("nr_written") - w0,
           smaps(p, "Rss"));
    msync(p, n * PG, MS_SYNC);
    c0 = mi("Cached");
    r = madvise(p, n * PG, MADV_PAGEOUT);
    printf("after msync: pageout ret %d; Cached %+ld kB; Rss %ld kB\n", r, mi("Cached") - c0,
           smaps(p, "Rss"));
    (void)s;
    munmap(p, n * PG);
    close(fd);
    unlink(path);
}

static void lru(const char *tag)
{
    printf("%s: Active(anon) %ld Inactive(anon) %ld kB\n", tag, mi("Active(anon)"),
           mi("Inactive(anon)"));
}

static void cold(unsigned long n)
{
    lru("before");
    char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, n * PG, MADV_NOHUGEPAGE);
    for (unsigned long i = 0; i < n; i++)
        p[i * PG] = 1;
    lru("after touching");
    long a0 = vs("pgdeactivate");
    int r = madvise(p, n * PG, MADV_COLD);
    printf("MADV_COLD ret %d pgdeactivate %+ld\n", r, vs("pgdeactivate") - a0);
    lru("after cold");
    /* pages made active: a swap-in that hits the swap cache activates? use mlock/munlock:
     * munlock puts them back on an LRU; then COLD again */
    mlock(p, n * PG);
    munlock(p, n * PG);
    lru("after mlock+munlock");
    a0 = vs("pgdeactivate");
    madvise(p, n * PG, MADV_COLD);
    printf("MADV_COLD again pgdeactivate %+ld\n", vs("pgdeactivate") - a0);
    lru("after cold");
}

static void memcg(unsigned long limit_mb, int with_swap)
{
    if (with_swap)
        swap_on(256ul << 20);
    snprintf(cgdir, sizeof cgdir, "/sys/fs/cgroup/memory/probe-pressure-%d", getpid());
    if (mkdir(cgdir, 0755)) {
        perror("mkdir cgroup");
        exit(1);
    }
    char p2[300];
    snprintf(p2, sizeof p2, "%s/memory.limit_in_bytes", cgdir);
    FILE *f = fopen(p2, "w");
    fprintf(f, "%lu\n", limit_mb << 20);
    fclose(f);
    pid_t c = fork();
    if (c == 0) {
        snprintf(p2, sizeof p2, "%s/cgroup.procs", cgdir);
        f = fopen(p2, "w");
        fprintf(f, "0\n");
        fclose(f);
        unsigned long n = (2 * limit_mb << 20) / PG;
        char *p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        madvise(p, n * PG, MADV_NOHUGEPAGE);
        long o0 = vs("pswpout");
        for (unsigned long i = 0; i < n; i++)
            p[i * PG] = 1;
        printf("child touched %lu MiB in a %lu MiB cgroup: VmRSS %ld VmSwap %ld kB smaps Swap %ld "
               "kB; pswpout %+ld\n",
               2 * limit_mb, limit_mb, field("/proc/self/status", "VmRSS"),
               field("/proc/self/status", "VmSwap"), smaps(p, "Swap"), vs("pswpout") - o0);
        long m0 = majflt(), i0 = vs("pswpin");
        volatile char s = 0;
        for (unsigned long i = 0; i < n; i++)
            s += p[i * PG];
        printf("re-read all: majflt %+ld pswpin %+ld; VmSwap %ld kB\n", majflt() - m0,
               vs("pswpin") - i0, field("/proc/self/status", "VmSwap"));
        (void)s;
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    snprintf(p2, sizeof p2, "%s/memory.failcnt", cgdir);
    long fc = field(p2, "");
    snprintf(p2, sizeof p2, "%s/memory.max_usage_in_bytes", cgdir);
    FILE *g = fopen(p2, "r");
    long mx = 0;
    if (g) {
        if (fscanf(g, "%ld", &mx) != 1)
            mx = 0;
        fclose(g);
    }
    snprintf(p2, sizeof p2, "%s/memory.oom_control", cgdir);
    printf("child %s %d; oom_kill in cgroup %ld; max_usage %ld kB\n",
           WIFSIGNALED(st) ? "killed by signal" : "exited",
           WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st), field(p2, "oom_kill"), mx >> 10);
    (void)fc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    atexit(cleanup);
    signal(SIGINT, on_sig);
    signal(SIGTERM, on_sig);
    signal(SIGPIPE, on_sig); /* a pipe to head(1) must not leave the swap file on */
    const char *m = argc > 1 ? argv[1] : "";
    unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 0) : 4096;
    fill = !(argc > 3 && !strcmp(argv[3], "zero"));
    if (!strcmp(m, "pageout"))
        pageout(n);
    else if (!strcmp(m, "file"))
        file_mode(n);
    else if (!strcmp(m, "cold"))
        cold(n);
    else if (!strcmp(m, "memcg-swap"))
        memcg(argc > 2 ? n : 32, 1);
    else if (!strcmp(m, "memcg-noswap"))
        memcg(argc > 2 ? n : 32, 0);
    else {
        fprintf(stderr, "usage: %s pageout|file|cold|memcg-swap|memcg-noswap [N]\n", argv[0]);
        return 2;
    }
    return 0;
}
