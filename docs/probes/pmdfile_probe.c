/* pmdfile_probe.c: when Linux 6.18 on ext4 maps page-cache folios with PMDs (do_set_pmd):
 * per case, after drop_caches, a fresh child maps an 8 MiB sparse file at a 2 MiB boundary and
 * reads it page by page; prints its faults, smaps Rss/FilePmdMapped of the mapping, meminfo
 * FileHugePages/FilePmdMapped and vmstat thp_file_mapped/thp_split_pmd changes. Run as root in a
 * directory on ext4: gcc -O1 -Wall -o pmdfile_probe pmdfile_probe.c && ./pmdfile_probe */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB  (1ul << 20)
#define FSZ (8 * MB)
static const char *fn = "pmdprobe.dat";

static long field(const char *path, const char *name)
{
    char line[512];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && (line[n] == ' ' || line[n] == ':'))
            v = strtol(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return v;
}
static long vm(const char *n)
{
    return field("/proc/vmstat", n);
}
static long mi(const char *n)
{
    return field("/proc/meminfo", n);
}

/* smaps fields of the VMA starting at addr */
static void smaps(void *addr, const char *tag)
{
    char line[512], want[64];
    snprintf(want, sizeof want, "%lx-", (unsigned long)addr);
    FILE *f = fopen("/proc/self/smaps", "r");
    int in = 0;
    long rss = -1, pmd = -1, pss = -1;
    while (f && fgets(line, sizeof line, f)) {
        if (!(line[0] >= 'A' && line[0] <= 'Z'))
            in = 0; /* a VMA's header line (field lines start with a capital) */
        if (!strncmp(line, want, strlen(want)))
            in = 1;
        if (in && !strncmp(line, "Rss:", 4))
            rss = strtol(line + 4, NULL, 10);
        if (in && !strncmp(line, "Pss:", 4))
            pss = strtol(line + 4, NULL, 10);
        if (in && !strncmp(line, "FilePmdMapped:", 14))
            pmd = strtol(line + 14, NULL, 10);
    }
    if (f)
        fclose(f);
    printf("  %s: Rss %ld Pss %ld FilePmdMapped %ld kB; VmPTE %ld kB; rollup Rss %ld FilePmdMapped "
           "%ld AnonHugePages %ld\n",
           tag, rss, pss, pmd, field("/proc/self/status", "VmPTE"),
           field("/proc/self/smaps_rollup", "Rss"),
           field("/proc/self/smaps_rollup", "FilePmdMapped"),
           field("/proc/self/smaps_rollup", "AnonHugePages"));
}

static void drop(void)
{
    sync();
    FILE *f = fopen("/proc/sys/vm/drop_caches", "w");
    if (f) {
        fputs("3", f);
        fclose(f);
    }
}

static long flt(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_minflt + r.ru_majflt;
}
static long majf(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_majflt;
}

static char *map_at(size_t len, int prot, int flags, int fd, off_t off, unsigned long slide)
{
    char *r = mmap(NULL, len + 4 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *a = (char *)(((unsigned long)r + 2 * MB - 1) & ~(2 * MB - 1)) + slide;
    munmap(r, len + 4 * MB);
    return mmap(a, len, prot, flags | MAP_FIXED, fd, off);
}

static void touch(char *m, size_t len)
{
    volatile char s = 0;
    for (size_t o = 0; o < len; o += 4096)
        s += m[o];
}

struct st {
    long fp, fh, tm, sp, pf, mj;
};
static void snap(struct st *s)
{
    s->fp = mi("FilePmdMapped");
    s->fh = mi("FileHugePages");
    s->tm = vm("thp_file_mapped");
    s->sp = vm("thp_split_pmd");
    s->pf = flt();
    s->mj = majf();
}
static void delta(const char *tag, struct st *a)
{
    struct st b;
    snap(&b);
    printf("  %s: faults %+ld (maj %+ld) meminfo FilePmdMapped %+ld FileHugePages %+ld kB, "
           "thp_file_mapped %+ld thp_split_pmd %+ld\n",
           tag, b.pf - a->pf, b.mj - a->mj, b.fp - a->fp, b.fh - a->fh, b.tm - a->tm, b.sp - a->sp);
}

static void prep(int how, int fd)
{
    drop();
    char *buf;
    if (how == 1) { /* read(2) whole in 64 KiB calls */
        buf = malloc(64 << 10);
        lseek(fd, 0, SEEK_SET);
        while (read(fd, buf, 64 << 10) > 0) {
        }
        free(buf);
    }
    if (how == 2 || how == 3) { /* write(2) in 2 MiB calls (3: then fsync, else still dirty) */
        buf = calloc(1, 2 * MB);
        lseek(fd, 0, SEEK_SET);
        for (int i = 0; i < 4; i++)
            if (write(fd, buf, 2 * MB) != (ssize_t)(2 * MB))
                exit(1);
        free(buf);
        if (how == 3 && fsync(fd))
            exit(1);
    }
}

static void run(int c, int how, int adv, int shared, unsigned long slide)
{
    int fd = open(fn, O_RDWR);
    struct st s0;
    snap(&s0);
    prep(how, fd);
    pid_t p = fork();
    if (p == 0) {
        struct st s;
        snap(&s);
        char *m = map_at(FSZ, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0, slide);
        if (adv == 1)
            madvise(m, FSZ, MADV_HUGEPAGE);
        if (adv == 2)
            madvise(m, FSZ, MADV_NOHUGEPAGE);
        touch(m, FSZ);
        delta("touch 8M", &s);
        smaps(m, "mapping");
        if (c == 0) {
            snap(&s);
            munmap(m + 3 * MB, 4096);
            delta("munmap 4K at 3M", &s);
            smaps(m, "head part");
            smaps(m + 3 * MB + 4096, "tail part");
            snap(&s);
            touch(m + 2 * MB, 4096);
            touch(m + 3 * MB + 4096, 4096);
            delta("retouch 2M, 3M+4K", &s);
            smaps(m + 3 * MB + 4096, "tail part");
            snap(&s);
            madvise(m + 4 * MB, 4096, MADV_DONTNEED);
            delta("dontneed 4K at 4M", &s);
            smaps(m + 3 * MB + 4096, "tail part");
            snap(&s);
            touch(m + 4 * MB, 2 * MB);
            delta("retouch [4M,6M)", &s);
            snap(&s);
            mprotect(m + 6 * MB, 4096, PROT_NONE);
            delta("mprotect 4K at 6M none", &s);
            smaps(m + 3 * MB + 4096, "tail part");
            snap(&s);
            mprotect(m + 6 * MB, 4096, PROT_READ);
            delta("mprotect back", &s);
            snap(&s);
            touch(m + 6 * MB, 2 * MB);
            delta("retouch [6M,8M)", &s);
            smaps(m + 3 * MB + 4096, "tail part (after merge?)");
        }
        if (c == 1) { /* fork: does the child inherit the PMDs? */
            int pp[2];
            if (pipe(pp))
                exit(1);
            pid_t q = fork();
            if (q == 0) {
                smaps(m, "child before touching");
                struct st t;
                snap(&t);
                touch(m, FSZ);
                delta("child touch 8M", &t);
                smaps(m, "child after touching");
                if (write(pp[1], "x", 1) != 1)
                    _exit(1);
                sleep(1);
                _exit(0);
            }
            char ch;
            if (read(pp[0], &ch, 1) != 1)
                exit(1);
            smaps(m, "parent while child maps too");
            printf("  meminfo FilePmdMapped while both map: %ld kB\n", mi("FilePmdMapped"));
            waitpid(q, NULL, 0);
        }
        if (c == 3) { /* truncate to 3 MiB: the PMD of [2M,4M) is cut, [4M,8M) go whole */
            snap(&s);
            printf("  Cached %ld kB\n", mi("Cached"));
            if (ftruncate(fd, 3 * MB))
                exit(1);
            delta("ftruncate to 3M", &s);
            printf("  Cached %ld kB\n", mi("Cached"));
            smaps(m, "mapping");
        }
        _exit(0);
    }
    waitpid(p, NULL, 0);
    printf("  after exit: FileHugePages %ld kB (cache of this file, total %+ld)\n",
           mi("FileHugePages"), mi("FileHugePages") - s0.fh);
    close(fd);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    int only = argc > 1 ? atoi(argv[1]) : -1;
    struct {
        const char *name;
        int c, how, adv, shared;
        unsigned long slide;
    } cs[] = {
        { "A uncached, private, MADV_HUGEPAGE (then munmap/dontneed/mprotect 4K)", 0, 0, 1, 0, 0 },
        { "B uncached, private, no madvise", 2, 0, 0, 0, 0 },
        { "C read() 64K calls, then private, no madvise", 2, 1, 0, 0, 0 },
        { "D read() 64K calls, then private, MADV_HUGEPAGE", 2, 1, 1, 0, 0 },
        { "E write() 2M calls, then shared, no madvise", 2, 2, 0, 1, 0 },
        { "F uncached, private, MADV_HUGEPAGE, fork", 1, 0, 1, 0, 0 },
        { "G uncached, MADV_HUGEPAGE, mapped 1M off a 2M boundary", 2, 0, 1, 0, MB },
        { "H uncached, shared, MADV_HUGEPAGE", 2, 0, 1, 1, 0 },
        { "I read(), then private, MADV_NOHUGEPAGE", 2, 1, 2, 0, 0 },
        { "J write() 2M calls, shared, then ftruncate to 3M", 3, 2, 0, 1, 0 },
        { "K write() 2M calls, fsync, shared, then ftruncate to 3M", 3, 3, 0, 1, 0 },
    };
    for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        if (only >= 0 && (int)i != only)
            continue;
        int fd = open(fn, O_RDWR | O_CREAT | O_TRUNC, 0644); /* sparse, 8 MiB, each case */
        if (fd < 0 || ftruncate(fd, FSZ))
            return 1;
        close(fd);
        printf("%s\n", cs[i].name);
        run(cs[i].c, cs[i].how, cs[i].adv, cs[i].shared, cs[i].slide);
    }
    unlink(fn);
    return 0;
}
