/* slabcost.c: what creating N empty files on ext4 adds to the dentry and ext4_inode_cache slabs
 * and to meminfo SReclaimable, then what unlinking them gives back. Run as root (slabinfo).
 *   cc -O2 -o slabcost slabcost.c && ./slabcost DIR N
 * DIR must be on ext4 and empty; the probe makes DIR/p<pid>/ and removes it. No drop_caches:
 * other users share the kernel, so each figure is a delta over the probe's own work, repeated.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct slab {
    long active, total, size, perslab, pages;
};

static int slab(const char *name, struct slab *s)
{
    char line[512];
    FILE *f = fopen("/proc/slabinfo", "r");
    if (!f)
        return -1;
    size_t n = strlen(name);
    int found = -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ' ' &&
            sscanf(line + n, "%ld %ld %ld %ld %ld", &s->active, &s->total, &s->size, &s->perslab,
                   &s->pages) == 5)
            found = 0;
    fclose(f);
    return found;
}

static long meminfo(const char *name)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    size_t n = strlen(name);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, name, n) && line[n] == ':')
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

static void snap(const char *tag, struct slab *d, struct slab *i, long *srec, long *sun)
{
    slab("dentry", d);
    slab("ext4_inode_cache", i);
    *srec = meminfo("SReclaimable");
    *sun = meminfo("SUnreclaim");
    (void)tag;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: slabcost DIR N\n");
        return 2;
    }
    long n = atol(argv[2]);
    char dir[4096], path[4200];
    snprintf(dir, sizeof dir, "%s/p%d", argv[1], (int)getpid());
    if (mkdir(dir, 0700)) {
        perror("mkdir");
        return 1;
    }
    struct slab d0, i0, d1, i1, d2, i2;
    long r0, u0, r1, u1, r2, u2;
    sync();
    snap("before", &d0, &i0, &r0, &u0);
    for (long k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, k);
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd < 0) {
            perror("open");
            return 1;
        }
        close(fd);
    }
    snap("created", &d1, &i1, &r1, &u1);
    for (long k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s/f%ld", dir, k);
        unlink(path);
    }
    rmdir(dir);
    sync();
    snap("unlinked", &d2, &i2, &r2, &u2);
    printf("dentry: objsize %ld objperslab %ld pagesperslab %ld\n", d0.size, d0.perslab, d0.pages);
    printf("ext4_inode_cache: objsize %ld objperslab %ld pagesperslab %ld\n", i0.size, i0.perslab,
           i0.pages);
    printf("files %ld\n", n);
    printf("create: dentry active %+ld slabs-objs %+ld; ext4_inode active %+ld objs %+ld; "
           "SReclaimable %+ld kB (%.1f B/file) SUnreclaim %+ld kB\n",
           d1.active - d0.active, d1.total - d0.total, i1.active - i0.active, i1.total - i0.total,
           r1 - r0, (r1 - r0) * 1024.0 / n, u1 - u0);
    printf("unlink: dentry active %+ld objs %+ld; ext4_inode active %+ld objs %+ld; "
           "SReclaimable %+ld kB SUnreclaim %+ld kB (vs before)\n",
           d2.active - d0.active, d2.total - d0.total, i2.active - i0.active, i2.total - i0.total,
           r2 - r0, u2 - u0);
    return 0;
}
