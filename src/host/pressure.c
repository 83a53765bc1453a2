/* host/pressure.c: the memory cgroup and the swap files of a pressure scenario (pressure.h). */
#define _GNU_SOURCE /* fallocate */

#include "host/pressure.h"

#include "host/cgroups.h"
#include "host/settings.h"
#include "util/text.h"
#include "vmlab/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u

/* The run's state. The signal handler reads it: each entry is complete before it is marked
 * used, with the caught signals blocked (guard). */
static struct memcg_mount cg_mount;
static char cg_dir[240]; /* the run's cgroup, "" when none */
static struct swapfile {
    char name[VML_SCN_NAME_MAX];
    char path[256];
    volatile sig_atomic_t used; /* the file may exist (and be on) */
} swaps[VML_SCN_SWAP_MAX + 1];
static uint64_t cg_limit;

void host_block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGPIPE);
    sigprocmask(SIG_BLOCK, &set, old);
}

int host_put(const char *dir, const char *file, const char *text)
{
    char path[360];
    size_t a = strlen(dir), b = strlen(file), n = strlen(text);
    if (a + b + 2 > sizeof(path))
        return ENAMETOOLONG;
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, file, b + 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    ssize_t w = write(fd, text, n);
    int e = w < 0 ? errno : (size_t)w != n ? EIO : 0;
    if (close(fd) != 0 && !e)
        e = errno;
    return e;
}

static int slurp(const char *path, char *buf, size_t n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t len = 0;
    ssize_t k;
    while (len + 1 < n && (k = read(fd, buf + len, n - 1 - len)) > 0)
        len += (size_t)k;
    close(fd);
    buf[len] = 0;
    return (int)len;
}

/* ---- finding the controller ---------------------------------------------------------------- */

/* Whether the comma-separated options opts (n bytes) hold word. */
static bool has_option(const char *opts, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i < n;) {
        const char *c = memchr(opts + i, ',', n - i);
        size_t j = c ? (size_t)(c - opts) : n;
        if (j - i == w && memcmp(opts + i, word, w) == 0)
            return true;
        i = j + 1;
    }
    return false;
}

bool host_has_word(const char *text, const char *word)
{
    size_t w = strlen(word);
    for (const char *s = text; (s = strstr(s, word)) != NULL; s += w)
        if ((s == text || s[-1] == ' ' || s[-1] == '\n') &&
            (s[w] == 0 || s[w] == ' ' || s[w] == '\n'))
            return true;
    return false;
}

int memcg_find(const char *mounts, const char *root, struct memcg_mount *out)
{
    struct memcg_mount v1 = { 0 };
    for (const char *line = mounts; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char dev[64], dir[160], type[16], opts[256];
        char fmt[64];
        snprintf(fmt, sizeof(fmt), "%%63s %%159s %%15s %%255s");
        char copy[600];
        snprintf(copy, sizeof(copy), "%.*s", (int)(len < 599 ? len : 599), line);
        if (sscanf(copy, fmt, dev, dir, type, opts) == 4) {
            if (strcmp(type, "cgroup2") == 0) {
                char path[400], ctl[512];
                snprintf(path, sizeof(path), "%s%s/cgroup.controllers", root, dir);
                if (slurp(path, ctl, sizeof(ctl)) > 0 && host_has_word(ctl, "memory")) {
                    *out = (struct memcg_mount){ .version = 2 };
                    snprintf(out->dir, sizeof(out->dir), "%s%s", root, dir);
                    snprintf(out->limit, sizeof(out->limit), "memory.max");
                    return 0;
                }
            } else if (strcmp(type, "cgroup") == 0 && !v1.version &&
                       has_option(opts, strlen(opts), "memory")) {
                v1.version = 1;
                snprintf(v1.dir, sizeof(v1.dir), "%s%s", root, dir);
                snprintf(v1.limit, sizeof(v1.limit), "memory.limit_in_bytes");
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!v1.version)
        return ENOENT;
    *out = v1;
    return 0;
}

/* ---- the cgroup ----------------------------------------------------------------------------- */

int memcg_budget(const struct vml_machine_cfg *m, uint64_t *bytes, char *msg)
{
    /* The machine of the scenario as the simulator builds it, without what it does not model
     * yet (swap): what it leaves to user pages does not depend on swap. */
    struct vml_machine_cfg c = *m;
    c.swap_bytes = 0;
    c.given &= ~(unsigned)VML_MCFG_SWAP;
    struct vml_backend sb;
    int e = vml_backend_sim(&sb);
    if (e)
        return e;
    struct vml_text notes = { 0 };
    unsigned col = 0;
    e = sb.start(sb.ctx, &c, &notes, &col, msg);
    vml_text_free(&notes);
    if (e == 0) {
        struct vml_meminfo mi;
        vml_sim_meminfo(sb.sim(sb.ctx), &mi);
        *bytes = mi.mem_available * 1024;
    }
    sb.destroy(sb.ctx);
    return e;
}

bool memcg_active(void)
{
    return cg_dir[0] != 0;
}

bool memcg_where(struct memcg_mount *mnt, char *dir, size_t n)
{
    if (!cg_dir[0])
        return false;
    *mnt = cg_mount;
    snprintf(dir, n, "%s", cg_dir);
    return true;
}

static int write_limit(uint64_t limit)
{
    char v[32];
    snprintf(v, sizeof(v), "%llu", (unsigned long long)limit);
    return host_put(cg_dir, cg_mount.limit, v);
}

int memcg_create(uint64_t limit, char *msg)
{
    char mounts[16384];
    struct memcg_mount mnt;
    if (slurp("/proc/self/mounts", mounts, sizeof(mounts)) < 0 ||
        memcg_find(mounts, "", &mnt) != 0) {
        snprintf(msg, PRESSURE_MSG,
                 "no memory cgroup controller is mounted (cgroup v1 memory "
                 "or v2 with memory in cgroup.controllers)");
        return ENOENT;
    }
    return memcg_create_in(&mnt, limit, msg);
}

int memcg_create_in(const struct memcg_mount *mnt, uint64_t limit, char *msg)
{
    cg_mount = *mnt;
    int e = host_settings_undo(host_pressure_undo);
    if (e) {
        snprintf(msg, PRESSURE_MSG, "cannot take the kernel settings lock: %s", strerror(e));
        return e;
    }
    char dir[sizeof(cg_dir)];
    snprintf(dir, sizeof(dir), "%s/vmlab-%d", cg_mount.dir, (int)getpid());
    if (mkdir(dir, 0755) != 0) {
        e = errno;
        snprintf(msg, PRESSURE_MSG, "cannot create the memory cgroup %.120s: %s%s", dir,
                 strerror(e), e == EACCES || e == EPERM || e == EROFS ? " (run as root)" : "");
        return e;
    }
    sigset_t old;
    host_block_signals(&old);
    snprintf(cg_dir, sizeof(cg_dir), "%s", dir);
    sigprocmask(SIG_SETMASK, &old, NULL);
    cg_limit = limit;
    if ((e = write_limit(limit)) != 0) {
        snprintf(msg, PRESSURE_MSG, "cannot write %s of %.120s: %s", cg_mount.limit, dir,
                 strerror(e));
        return e;
    }
    return 0;
}

int memcg_enter(void)
{
    return cg_dir[0] ? host_put(cg_dir, "cgroup.procs", "0") : 0;
}

uint64_t memcg_usage(void)
{
    char path[300], buf[64];
    if (!cg_dir[0])
        return 0;
    snprintf(path, sizeof(path), "%s/%s", cg_dir,
             cg_mount.version == 2 ? "memory.current" : "memory.usage_in_bytes");
    return slurp(path, buf, sizeof(buf)) > 0 ? strtoull(buf, NULL, 10) : 0;
}

int memcg_account_agent(uint64_t bytes)
{
    if (!cg_dir[0])
        return 0;
    cg_limit += bytes;
    return write_limit(cg_limit);
}

int memcg_swappiness(unsigned value, char *msg)
{
    if (!cg_dir[0] || cg_mount.version == 2)
        return 0;
    char v[16];
    snprintf(v, sizeof(v), "%u", value);
    int e = host_put(cg_dir, "memory.swappiness", v);
    if (e)
        snprintf(msg, PRESSURE_MSG, "cannot write memory.swappiness of %.120s: %s", cg_dir,
                 strerror(e));
    return e;
}

/* Kills every process in the cgroup and removes it, waiting up to 5 s for them to have left
 * (rmdir is EBUSY until then). Async-signal-safe. */
static void memcg_remove(void)
{
    static char buf[8192];
    char path[300];
    size_t a = strlen(cg_dir);
    if (!a || a + sizeof("/cgroup.procs") > sizeof(path))
        return;
    memcpy(path, cg_dir, a);
    memcpy(path + a, "/cgroup.procs", sizeof("/cgroup.procs"));
    for (int tries = 0; tries < 500; tries++) {
        int n = slurp(path, buf, sizeof(buf));
        for (char *s = buf; n > 0 && *s;) {
            long pid = 0;
            while (*s >= '0' && *s <= '9')
                pid = pid * 10 + (*s++ - '0');
            if (pid > 0 && pid != (long)getpid())
                kill((pid_t)pid, SIGKILL);
            while (*s && (*s < '0' || *s > '9'))
                s++;
        }
        if (rmdir(cg_dir) == 0 || errno == ENOENT)
            break;
        struct timespec ms = { 0, 10000000 };
        nanosleep(&ms, NULL);
    }
    cg_dir[0] = 0;
}

/* ---- swap files ----------------------------------------------------------------------------- */

static struct swapfile *swap_find(const char *name)
{
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++)
        if (swaps[i].used && strcmp(swaps[i].name, name) == 0)
            return &swaps[i];
    return NULL;
}

static bool ours(const char *path)
{
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++)
        if (swaps[i].used && strcmp(swaps[i].path, path) == 0)
            return true;
    return false;
}

/* The pid in a name vmlab gave (vmlab-swap-PID-NAME, vmlab-PID) after prefix, or 0. */
static long owner_pid(const char *base, const char *prefix)
{
    size_t k = strlen(prefix);
    if (strncmp(base, prefix, k) != 0)
        return 0;
    char *end;
    long pid = strtol(base + k, &end, 10);
    return pid > 0 && (*end == 0 || *end == '-') ? pid : 0;
}

/* Removes a cgroup directory and the cgroups below it, deepest first (a cgroup with children
 * cannot be removed; its files go with it). 0, or -1 when one could not be (it holds a
 * process). */
static int rmdir_tree(const char *dir, unsigned depth)
{
    DIR *d = depth < 16 ? opendir(dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[512];
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name) < sizeof(sub))
            rmdir_tree(sub, depth + 1);
    }
    if (d)
        closedir(d);
    return rmdir(dir) == 0 ? 0 : -1;
}

/* What a run killed by SIGKILL left (its undo never ran): swap files of a vmlab whose process is
 * gone are switched off and removed, and so are its empty cgroups; each is reported in notes. A
 * live run's are left alone. */
void pressure_reap_stale(struct vml_text *notes)
{
    char buf[4096];
    if (slurp("/proc/swaps", buf, sizeof(buf)) > 0) {
        for (const char *line = strchr(buf, '\n'); line && line[1]; line = strchr(line, '\n')) {
            char path[256];
            line++;
            if (sscanf(line, "%255s", path) != 1)
                continue;
            const char *base = strrchr(path, '/');
            long pid = owner_pid(base ? base + 1 : path, "vmlab-swap-");
            if (pid && kill((pid_t)pid, 0) != 0 && errno == ESRCH && swapoff(path) == 0 &&
                unlink(path) == 0)
                text_printf(notes, "linux: removed %s, left on by vmlab %ld (killed)\n", path, pid);
        }
    }
    char mounts[16384];
    struct memcg_mount m;
    if (slurp("/proc/self/mounts", mounts, sizeof(mounts)) < 0 || memcg_find(mounts, "", &m))
        return;
    DIR *d = opendir(m.dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        long pid = owner_pid(e->d_name, "vmlab-run-");
        if (!pid)
            pid = owner_pid(e->d_name, "vmlab-");
        char path[sizeof(m.dir) + sizeof(e->d_name) + 1];
        snprintf(path, sizeof(path), "%s/%s", m.dir, e->d_name);
        if (pid && kill((pid_t)pid, 0) != 0 && errno == ESRCH && rmdir_tree(path, 0) == 0)
            text_printf(notes, "linux: removed the cgroup %s, left by vmlab %ld (killed)\n", path,
                        pid);
    }
    if (d)
        closedir(d);
}

unsigned swap_foreign(char *list, size_t n)
{
    char buf[4096];
    unsigned k = 0;
    if (n)
        list[0] = 0;
    if (slurp("/proc/swaps", buf, sizeof(buf)) <= 0)
        return 0;
    const char *line = strchr(buf, '\n'); /* the header */
    while (line && line[1]) {
        line++;
        char path[256];
        if (sscanf(line, "%255s", path) == 1 && !ours(path)) {
            size_t l = strlen(list);
            if (l < n)
                snprintf(list + l, n - l, "%s%s", k ? ", " : "", path);
            k++;
        }
        line = strchr(line, '\n');
    }
    return k;
}

/* The directory for swap files: $TMPDIR, else /var/tmp (which outlives a boot, unlike /tmp on
 * many systems a tmpfs, which cannot hold swap: shmem has no swap_activate). */
static const char *swap_dir(void)
{
    const char *t = getenv("TMPDIR");
    return t && *t ? t : "/var/tmp";
}

/* File systems that cannot hold a swap file: tmpfs and ramfs (memory themselves), overlayfs
 * (no bmap or swap_activate of its own). */
static const char *no_swap_fs(long type)
{
    switch ((unsigned long)type) {
    case 0x01021994ul: return "tmpfs";
    case 0x858458f6ul: return "ramfs";
    case 0x794c7630ul: return "overlayfs";
    default: return NULL;
    }
}

/* The header mkswap writes (include/linux/swap.h: union swap_header), in the first page. */
static void swap_header(unsigned char *page, uint64_t size)
{
    memset(page, 0, PAGE);
    uint32_t version = 1, last_page = (uint32_t)(size / PAGE - 1);
    memcpy(page + 1024, &version, 4);
    memcpy(page + 1028, &last_page, 4);
    /* nr_badpages 0; a uuid the kernel does not read; the volume label */
    uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    memcpy(page + 1036, &t, 8);
    memcpy(page + 1052, "vmlab", 5);
    memcpy(page + PAGE - 10, "SWAPSPACE2", 10);
}

int swap_add(const char *name, uint64_t size, int prio, char *msg)
{
    char others[160];
    if (swap_foreign(others, sizeof(others))) {
        snprintf(msg, PRESSURE_MSG,
                 "the machine has swap of its own (%.100s): swap under pressure could not be "
                 "compared; swapoff it first",
                 others);
        return EBUSY;
    }
    if (geteuid() != 0) {
        snprintf(msg, PRESSURE_MSG, "a swap file needs root (swapon(2) needs CAP_SYS_ADMIN)");
        return EPERM;
    }
    if (size / PAGE - 1 > UINT32_MAX) {
        snprintf(msg, PRESSURE_MSG, "a swap area holds at most 2^32 pages");
        return EINVAL;
    }
    struct swapfile *s = NULL;
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]) && !s; i++)
        if (!swaps[i].used)
            s = &swaps[i];
    if (!s || swap_find(name)) {
        snprintf(msg, PRESSURE_MSG, "swap area '%s' is on already", name);
        return EEXIST;
    }
    const char *dir = swap_dir();
    struct statfs fs;
    if (statfs(dir, &fs) != 0) {
        int e = errno;
        snprintf(msg, PRESSURE_MSG, "%.120s: %s", dir, strerror(e));
        return e;
    }
    if (no_swap_fs(fs.f_type)) {
        snprintf(msg, PRESSURE_MSG,
                 "%.60s is on %s, which cannot hold a swap file: set TMPDIR to a directory on "
                 "ext4 or xfs",
                 dir, no_swap_fs(fs.f_type));
        return EINVAL;
    }
    int e = host_settings_undo(host_pressure_undo);
    if (e) {
        snprintf(msg, PRESSURE_MSG, "cannot take the kernel settings lock: %s", strerror(e));
        return e;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s/vmlab-swap-%d-%s", dir, (int)getpid(),
             name[0] ? name : "machine");
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        e = errno;
        snprintf(msg, PRESSURE_MSG, "cannot create %.150s: %s", path, strerror(e));
        return e;
    }
    /* Recorded now: from here on the undo unlinks it (and switches it off once on). */
    sigset_t old;
    host_block_signals(&old);
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->path, sizeof(s->path), "%s", path);
    s->used = 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    /* Allocated, not sparse: swap_activate refuses a file with holes (iomap_swapfile_activate:
     * "swapfile has holes"); unwritten extents are taken, and written by swap-out. */
    unsigned char page[PAGE];
    swap_header(page, size);
    const char *what = "fallocate";
    e = fallocate(fd, 0, 0, (off_t)size) != 0 ? errno : 0;
    if (!e)
        what = "write", e = pwrite(fd, page, PAGE, 0) != PAGE ? (errno ? errno : EIO) : 0;
    if (!e)
        what = "fsync", e = fsync(fd) != 0 ? errno : 0;
    close(fd);
    int flags =
        prio >= 0 ? SWAP_FLAG_PREFER | ((prio << SWAP_FLAG_PRIO_SHIFT) & SWAP_FLAG_PRIO_MASK) : 0;
    if (!e)
        what = "swapon", e = swapon(path, flags) != 0 ? errno : 0;
    if (e) {
        snprintf(msg, PRESSURE_MSG, "%s %.150s: %s", what, path, strerror(e));
        unlink(path);
        s->used = 0;
        return e;
    }
    return 0;
}

/* swapoff and unlink: async-signal-safe. */
static int swap_undo(struct swapfile *s)
{
    int e = swapoff(s->path) != 0 && errno != EINVAL ? errno : 0; /* EINVAL: not on */
    unlink(s->path);
    s->used = 0;
    return e;
}

int swap_remove(const char *name, char *msg)
{
    struct swapfile *s = swap_find(name);
    if (!s) {
        snprintf(msg, PRESSURE_MSG, "swap area '%s' is not on", name);
        return ENOENT;
    }
    char path[256];
    snprintf(path, sizeof(path), "%s", s->path);
    sigset_t old;
    host_block_signals(&old);
    int e = swap_undo(s);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (e)
        snprintf(msg, PRESSURE_MSG, "swapoff %.150s: %s", path, strerror(e));
    return e;
}

void host_pressure_undo(void)
{
    /* The processes first: their swap entries go with them, and swapoff then has nothing to
     * bring back into a cgroup that might not hold it. The scenario's cgroups before the
     * confinement one that may hold them (a cgroup with children cannot be removed). */
    cgroups_undo();
    memcg_remove();
    for (size_t i = 0; i < sizeof(swaps) / sizeof(swaps[0]); i++)
        if (swaps[i].used)
            swap_undo(&swaps[i]);
}
