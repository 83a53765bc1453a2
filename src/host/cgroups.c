/* host/cgroups.c: a scenario's memory cgroups on the real kernel (cgroups.h). */
#include "host/cgroups.h"

#include "host/pressure.h"
#include "host/settings.h"
#include "util/text.h"
#include "vmlab/scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The run's state. The signal handler reads it (cgroups_undo): an entry is complete before it
 * is counted, with the caught signals blocked (guard). */
static struct memcg_mount mnt;
static char root_dir[240];             /* R: the run's parent cgroup */
static volatile sig_atomic_t begun;    /* R is known */
static volatile sig_atomic_t own_root; /* R was made here (vmlab-run-PID): removed at the end */
static volatile sig_atomic_t n_made;   /* made[0, n_made) exist */
static struct made {
    char dir[300];
    char path[104];               /* the scenario's name for it */
    struct cgroups_v1_limits lim; /* v1: the limits as this run left them */
} made[CGROUPS_MAX];

/* Reads dir/file (at most n - 1 bytes) NUL-terminated into buf: its length, or -errno.
 * Async-signal-safe. */
static int slurp(const char *dir, const char *file, char *buf, size_t n)
{
    char path[360];
    size_t a = strlen(dir), b = strlen(file);
    if (a + b + 2 > sizeof(path))
        return -ENAMETOOLONG;
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, file, b + 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = 0;
    ssize_t k = 0;
    while (len + 1 < n && (k = read(fd, buf + len, n - 1 - len)) > 0)
        len += (size_t)k;
    int e = k < 0 ? errno : 0;
    close(fd);
    buf[len] = 0;
    return e ? -e : (int)len;
}

/* A one-number file: 0, or an errno (EINVAL: not a number). */
static int read_u64(const char *dir, const char *file, uint64_t *v)
{
    char buf[64];
    int n = slurp(dir, file, buf, sizeof(buf));
    if (n < 0)
        return -n;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (end == buf || errno)
        return EINVAL;
    *v = x;
    return 0;
}

static int sys_code(int e)
{
    switch (e) {
    case ENOENT:
    case ESRCH: return VML_ENOENT;
    case EEXIST: return VML_EEXIST;
    case EBUSY: return VML_EBUSY;
    case ENOMEM: return VML_ENOMEM;
    case EAGAIN: return VML_EAGAIN;
    default: return VML_EINVAL;
    }
}

static const char *root_hint(int e)
{
    return e == EACCES || e == EPERM || e == EROFS ? " (run as root)" : "";
}

/* ---- pure rules: sizes, v1 translation, what can be checked ---------------------------------- */

int cgroups_parse_size(const char *value, bool no_max, uint64_t *bytes, bool *max)
{
    *max = false;
    *bytes = 0;
    if (!no_max && (strcmp(value, "max") == 0 || strcmp(value, "-1") == 0)) {
        *max = true;
        *bytes = CGROUPS_V1_UNLIMITED;
        return 0;
    }
    size_t i = 0;
    uint64_t v = 0;
    for (; value[i] >= '0' && value[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return VML_EINVAL;
        v = v * 10 + (uint64_t)(value[i] - '0');
    }
    if (i == 0)
        return VML_EINVAL;
    unsigned shift = 0;
    if (value[i]) {
        const char *s = strchr("kKmMgGtTpPeE", value[i]);
        if (!s || value[i + 1])
            return VML_EINVAL;
        shift = 10u * (unsigned)((s - "kKmMgGtTpPeE") / 2 + 1);
    }
    /* page_counter_memparse: whatever reaches PAGE_COUNTER_MAX pages is no limit. */
    if (shift && v > (CGROUPS_V1_UNLIMITED >> shift))
        v = CGROUPS_V1_UNLIMITED;
    else
        v <<= shift;
    if (v >= CGROUPS_V1_UNLIMITED && !no_max) {
        *max = true;
        v = CGROUPS_V1_UNLIMITED;
    }
    *bytes = v;
    return 0;
}

/* The v2 files v1 has no counterpart for, and why. memory.soft_limit_in_bytes is not
 * memory.low: it only orders which groups global reclaim takes from first (soft limit
 * reclaim, memcg1_soft_limit_reclaim), it protects nothing, and a group's own limit reclaim
 * ignores it. */
static const char *v1_none(const char *file)
{
    static const struct {
        const char *file, *why;
    } none[] = {
        { "memory.high",
          "cgroup v1 has no memory.high (reclaim and throttle above it, no OOM kill: "
          "mem_cgroup_handle_over_high); memory.soft_limit_in_bytes is not it" },
        { "memory.low",
          "cgroup v1 has no memory.low (best-effort protection from reclaim: mem_cgroup_calculate_"
          "protection); memory.soft_limit_in_bytes only orders global reclaim, it protects "
          "nothing" },
        { "memory.min",
          "cgroup v1 has no memory.min (hard protection from reclaim); memory.soft_limit_in_bytes "
          "protects nothing" },
        { "memory.swap.high", "cgroup v1 has no swap throttling limit (memory.swap.high)" },
        { "memory.oom.group",
          "cgroup v1 has no memory.oom.group: its OOM killer takes one process at a time "
          "(mem_cgroup_get_oom_group is v2's)" },
        { "memory.reclaim",
          "cgroup v1 has no proactive reclaim file (memory.reclaim); memory.force_empty empties "
          "the whole group" },
        { "memory.swap.peak",
          "cgroup v1 has no swap peak, only memory+swap's (memory.memsw.max_usage_in_bytes)" },
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        if (strcmp(none[i].file, file) == 0)
            return none[i].why;
    return NULL;
}

static void write_bytes(struct cgroups_write *w, const char *file, uint64_t v)
{
    snprintf(w->file, sizeof(w->file), "%s", file);
    if (v >= CGROUPS_V1_UNLIMITED)
        snprintf(w->value, sizeof(w->value), "-1");
    else
        snprintf(w->value, sizeof(w->value), "%llu", (unsigned long long)v);
}

int cgroups_translate(const char *file, const char *value, struct cgroups_v1_limits *lim,
                      struct cgroups_write w[2], char *msg)
{
    const char *none = v1_none(file);
    if (none) {
        snprintf(msg, CGROUPS_MSG, "%.170s: needs a cgroup v2 machine", none);
        return VML_EINVAL;
    }
    if (strcmp(file, "memory.peak") == 0) {
        /* mem_cgroup_reset RES_MAX_USAGE: the watermark back to the usage now. */
        snprintf(w[0].file, sizeof(w[0].file), "memory.max_usage_in_bytes");
        snprintf(w[0].value, sizeof(w[0].value), "0");
        return 1;
    }
    bool mem = strcmp(file, "memory.max") == 0 || strcmp(file, "memory.limit_in_bytes") == 0;
    if (!mem && strcmp(file, "memory.swap.max") != 0) {
        snprintf(msg, CGROUPS_MSG, "%.60s is not a memory cgroup file vmlab sets", file);
        return VML_EINVAL;
    }
    uint64_t v;
    bool max;
    if (cgroups_parse_size(value, false, &v, &max)) {
        snprintf(msg, CGROUPS_MSG, "%.60s takes a size in bytes or max, not '%.40s'", file, value);
        return VML_EINVAL;
    }
    v -= v % CGROUPS_PAGE; /* the kernel keeps whole pages */
    if (mem) {
        bool swap_set = lim->swap < CGROUPS_V1_UNLIMITED;
        if (max && swap_set) {
            snprintf(msg, CGROUPS_MSG,
                     "cgroup v1 bounds swap only as memory + swap (memory.memsw.limit_in_bytes): "
                     "with memory.swap.max %llu set, memory.max cannot be max; needs a cgroup v2 "
                     "machine",
                     (unsigned long long)lim->swap);
            return VML_EINVAL;
        }
        uint64_t memsw = lim->memsw;
        if (swap_set)
            memsw = v + lim->swap >= CGROUPS_V1_UNLIMITED ? CGROUPS_V1_UNLIMITED : v + lim->swap;
        /* mem_cgroup_resize_max: the memory limit may not pass memsw's, nor memsw below it. */
        int n = 0;
        if (swap_set && v > lim->memsw)
            write_bytes(&w[n++], "memory.memsw.limit_in_bytes", memsw);
        write_bytes(&w[n++], "memory.limit_in_bytes", v);
        if (swap_set && v <= lim->memsw)
            write_bytes(&w[n++], "memory.memsw.limit_in_bytes", memsw);
        lim->mem = v;
        lim->memsw = memsw;
        return n;
    }
    /* memory.swap.max S: v1 has memsw = memory + swap, which is S's bound only while memory is
     * at its limit; that is the pressure a swap limit is about. */
    if (!lim->have_memsw) {
        snprintf(msg, CGROUPS_MSG,
                 "this kernel does not account swap in cgroup v1 (no memory.memsw.limit_in_bytes: "
                 "swapaccount=0 or no CONFIG_MEMCG_SWAP), so memory.swap.max cannot be expressed");
        return VML_EINVAL;
    }
    if (max) {
        write_bytes(&w[0], "memory.memsw.limit_in_bytes", CGROUPS_V1_UNLIMITED);
        lim->swap = lim->memsw = CGROUPS_V1_UNLIMITED;
        return 1;
    }
    if (lim->mem >= CGROUPS_V1_UNLIMITED) {
        snprintf(msg, CGROUPS_MSG,
                 "cgroup v1 bounds swap only as memory + swap (memory.memsw.limit_in_bytes = "
                 "memory.max + memory.swap.max), and memory.max is max: set memory.max first, or "
                 "use a cgroup v2 machine");
        return VML_EINVAL;
    }
    uint64_t memsw = lim->mem + v >= CGROUPS_V1_UNLIMITED ? CGROUPS_V1_UNLIMITED : lim->mem + v;
    write_bytes(&w[0], "memory.memsw.limit_in_bytes", memsw);
    lim->swap = v;
    lim->memsw = memsw;
    return 1;
}

const char *cgroups_v1_source(const char *file, bool *derived, char *msg)
{
    *derived = false;
    if (strcmp(file, "memory.current") == 0)
        return "memory.usage_in_bytes";
    if (strcmp(file, "memory.peak") == 0)
        return "memory.max_usage_in_bytes";
    if (strcmp(file, "memory.max") == 0)
        return "memory.limit_in_bytes";
    if (strcmp(file, "cgroup.procs") == 0)
        return "cgroup.procs";
    if (strcmp(file, "memory.swap.current") == 0) {
        *derived = true;
        return "memory.memsw.usage_in_bytes";
    }
    if (strcmp(file, "memory.swap.max") == 0) {
        *derived = true;
        return "memory.memsw.limit_in_bytes";
    }
    const char *none = v1_none(file);
    if (strcmp(file, "memory.events") == 0 || strcmp(file, "memory.events.local") == 0)
        snprintf(msg, CGROUPS_MSG,
                 "%s on a cgroup v1 machine: v1 counts OOM kills only (memory.oom_control's "
                 "oom_kill), not v2's low, high, max and oom events; show cgroup1 PATH "
                 "memory.oom_control",
                 file);
    else if (strcmp(file, "memory.stat") == 0)
        snprintf(msg, CGROUPS_MSG,
                 "memory.stat on a cgroup v1 machine: v1's has other keys (cache, rss, "
                 "total_*) from which v2's cannot all be had; show cgroup1 PATH memory.stat");
    else if (none)
        snprintf(msg, CGROUPS_MSG, "%.190s", none);
    else
        snprintf(msg, CGROUPS_MSG, "%.60s has no cgroup v1 counterpart on this machine", file);
    return NULL;
}

bool cgroups_path_ok(const char *path)
{
    size_t n = strlen(path);
    if (n > 100)
        return false;
    for (const char *s = path; *s;) {
        size_t k = strcspn(s, "/");
        if (k == 0 || (k == 1 && s[0] == '.') || (k == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        for (size_t i = 0; i < k; i++) {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.'))
                return false;
        }
        s += k;
        if (*s == '/' && !*++s)
            return false; /* a trailing slash */
    }
    return true;
}

/* Field names whose figures the kernel gives exactly as the scenario's: limits are written and
 * read back in whole pages (page_counter_memparse), the OOM kills are counted one by one. The
 * charge counters and memory.stat are not (see the reasons). */
const char *cgroups_why_unchecked(const char *file, const char *field)
{
    static const char *const usage[] = {
        "memory.current",
        "memory.peak",
        "memory.swap.current",
        "memory.swap.peak",
        "memory.usage_in_bytes",
        "memory.max_usage_in_bytes",
        "memory.memsw.usage_in_bytes",
        "memory.memsw.max_usage_in_bytes",
        "memory.failcnt",
        "memory.memsw.failcnt",
        "memory.kmem.usage_in_bytes",
        "memory.kmem.max_usage_in_bytes",
    };
    for (size_t i = 0; i < sizeof(usage) / sizeof(usage[0]); i++)
        if (strcmp(file, usage[i]) == 0)
            return "the kernel charges a cgroup in batches of 64 pages per CPU (memcg_stock: "
                   "try_charge, refill_stock) and charges the agents' kernel objects (VMAs, "
                   "anon_vmas, page tables: SLAB_ACCOUNT) with the scenario's pages: the count "
                   "is above the scenario's by up to 64 pages per CPU and those";
    if (strcmp(file, "memory.stat") == 0 || strcmp(file, "memory.numa_stat") == 0)
        return "memory.stat's figures are the kernel's rstat sums, flushed only once 64 page "
               "updates per CPU have gathered or every 2 s (mem_cgroup_flush_stats): a read may "
               "lag the scenario's operations by that";
    if (strcmp(file, "memory.events") == 0 || strcmp(file, "memory.events.local") == 0 ||
        strcmp(file, "memory.swap.events") == 0) {
        if (strcmp(field, "oom_kill") == 0 || strcmp(field, "oom_group_kill") == 0)
            return NULL;
        return "the kernel counts a max or high event per charge that met the limit (a batch of "
               "up to 64 pages, retried after reclaim) and an oom event per OOM invocation, "
               "also those while a victim is still exiting: the counts depend on timing";
    }
    if (strcmp(file, "cgroup.procs") == 0)
        return "its process ids are the kernel's, not the simulator's";
    return NULL;
}

/* ---- the run's hierarchy ------------------------------------------------------------------- */

int cgroups_begin_in(const struct memcg_mount *m, const char *parent, char *msg)
{
    if (begun)
        return 0;
    int e = host_settings_undo(host_pressure_undo);
    if (e) {
        snprintf(msg, CGROUPS_MSG, "cannot take the kernel settings lock: %s", strerror(e));
        return VML_EINVAL;
    }
    mnt = *m;
    char dir[sizeof(root_dir)];
    bool own = parent == NULL;
    if (own) {
        /* v2: R's memory files exist only when the root's subtree_control has memory; vmlab
         * does not change the machine's root for that. */
        char ctl[256];
        if (mnt.version == 2 && (slurp(mnt.dir, "cgroup.subtree_control", ctl, sizeof(ctl)) < 0 ||
                                 !host_has_word(ctl, "memory"))) {
            snprintf(msg, CGROUPS_MSG,
                     "the cgroup v2 root %.60s lacks memory in cgroup.subtree_control: the run's "
                     "cgroups would have no memory files (not changed here)",
                     mnt.dir);
            return VML_EINVAL;
        }
        snprintf(dir, sizeof(dir), "%s/vmlab-run-%d", mnt.dir, (int)getpid());
        if (mkdir(dir, 0755) != 0) {
            e = errno;
            snprintf(msg, CGROUPS_MSG, "cannot create the run's cgroup %.120s: %s%s", dir,
                     strerror(e), root_hint(e));
            return sys_code(e);
        }
    } else {
        snprintf(dir, sizeof(dir), "%s", parent);
    }
    sigset_t old;
    host_block_signals(&old);
    snprintf(root_dir, sizeof(root_dir), "%s", dir);
    own_root = own;
    begun = 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}

/* The machine's memory controller, and the confinement cgroup as R when memcg=on. */
static int begin(char *msg)
{
    if (begun)
        return 0;
    if (geteuid() != 0) {
        snprintf(msg, CGROUPS_MSG,
                 "memory cgroups on the Linux backend need root (mkdir in the memory "
                 "controller's hierarchy, writes to its files)");
        return VML_EINVAL;
    }
    struct memcg_mount m;
    char confine[240];
    if (memcg_where(&m, confine, sizeof(confine)))
        return cgroups_begin_in(&m, confine, msg);
    static char mounts[16384];
    int fd = open("/proc/self/mounts", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, mounts, sizeof(mounts) - 1);
    if (fd >= 0)
        close(fd);
    mounts[n > 0 ? n : 0] = 0;
    if (n <= 0 || memcg_find(mounts, "", &m) != 0) {
        snprintf(msg, CGROUPS_MSG,
                 "no memory cgroup controller is mounted (cgroup v1 memory or v2 with memory in "
                 "cgroup.controllers)");
        return VML_ENOENT;
    }
    return cgroups_begin_in(&m, NULL, msg);
}

int cgroups_dir(const char *path, char *buf, size_t n)
{
    if (!begun || !cgroups_path_ok(path))
        return VML_EINVAL;
    size_t k = (size_t)snprintf(buf, n, "%s%s%s", root_dir, *path ? "/" : "", path);
    return k < n ? 0 : VML_EINVAL;
}

static struct made *made_of(const char *path)
{
    for (sig_atomic_t i = 0; i < n_made; i++)
        if (strcmp(made[i].path, path) == 0)
            return &made[i];
    return NULL;
}

int cgroups_create(const char *path, char *msg)
{
    int r = begin(msg);
    if (r)
        return r;
    if (!*path || !cgroups_path_ok(path)) {
        snprintf(msg, CGROUPS_MSG, "'%.100s' is not a cgroup path vmlab makes (NAME or NAME/NAME)",
                 path);
        return VML_EINVAL;
    }
    if (n_made == CGROUPS_MAX) {
        snprintf(msg, CGROUPS_MSG, "a run makes at most %d cgroups", CGROUPS_MAX);
        return VML_ENOTSUP;
    }
    char dir[300], parent[300];
    if (cgroups_dir(path, dir, sizeof(dir))) {
        snprintf(msg, CGROUPS_MSG, "cgroup path '%.100s' is too long", path);
        return VML_EINVAL;
    }
    snprintf(parent, sizeof(parent), "%s", dir);
    *strrchr(parent, '/') = 0;
    /* v2: a child has memory files only when its parent's subtree_control enables memory, and a
     * parent that holds processes cannot enable it (cgroup_subtree_control_write: the "no
     * internal processes" rule, EBUSY). v1 groups always have them. */
    if (mnt.version == 2) {
        char ctl[256];
        if (slurp(parent, "cgroup.subtree_control", ctl, sizeof(ctl)) < 0 ||
            !host_has_word(ctl, "memory")) {
            int e = host_put(parent, "cgroup.subtree_control", "+memory");
            if (e == EBUSY) {
                const char *slash = strrchr(path, '/');
                if (slash)
                    snprintf(msg, CGROUPS_MSG,
                             "cgroup %.*s holds processes: cgroup v2 puts processes only in "
                             "leaves, so it cannot have child cgroups with memory (EBUSY)",
                             (int)(slash - path < 80 ? slash - path : 80), path);
                else
                    snprintf(msg, CGROUPS_MSG,
                             "the run's cgroup holds processes: cgroup v2 puts processes only in "
                             "leaves, so it cannot have child cgroups with memory (EBUSY)%s",
                             own_root ? "" : "; with memcg=on the agents are there: use memcg=off");
                return VML_EBUSY;
            }
            if (e) {
                snprintf(msg, CGROUPS_MSG,
                         "cannot enable memory in %.120s/cgroup.subtree_control: %s", parent,
                         strerror(e));
                return sys_code(e);
            }
        }
    }
    if (mkdir(dir, 0755) != 0) {
        int e = errno;
        snprintf(msg, CGROUPS_MSG, "cannot create cgroup %.60s: %.50s%.40s", path, strerror(e),
                 e == ENOENT ? " (its parent does not exist)" : root_hint(e));
        return sys_code(e);
    }
    struct made *m = &made[n_made];
    snprintf(m->path, sizeof(m->path), "%s", path);
    /* v1: a new group has no limits; swap is accounted when the memsw files exist. */
    struct stat st;
    char memsw[340];
    snprintf(memsw, sizeof(memsw), "%s/memory.memsw.limit_in_bytes", dir);
    m->lim = (struct cgroups_v1_limits){ .mem = CGROUPS_V1_UNLIMITED,
                                         .swap = CGROUPS_V1_UNLIMITED,
                                         .memsw = CGROUPS_V1_UNLIMITED,
                                         .have_memsw = stat(memsw, &st) == 0 };
    sigset_t old;
    host_block_signals(&old);
    snprintf(m->dir, sizeof(m->dir), "%s", dir);
    n_made = n_made + 1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}

int cgroups_attach(int pid, const char *path, char *msg)
{
    int r = begin(msg);
    if (r)
        return r;
    char dir[300], v[24];
    if (cgroups_dir(path, dir, sizeof(dir))) {
        snprintf(msg, CGROUPS_MSG, "'%.100s' is not a cgroup path", path);
        return VML_EINVAL;
    }
    if (*path && !made_of(path)) {
        snprintf(msg, CGROUPS_MSG, "no cgroup %.100s in this run", path);
        return VML_ENOENT;
    }
    /* cgroup.procs moves the whole process (v1 and v2; an agent has one thread). Its charges
     * stay where they were made: neither v2 nor 6.x's v1 moves them (move_charge_at_immigrate
     * is refused since the charge moving code was removed). */
    snprintf(v, sizeof(v), "%d", pid);
    int e = host_put(dir, "cgroup.procs", v);
    if (e == EBUSY) {
        snprintf(msg, CGROUPS_MSG,
                 "/%.60s has child cgroups: cgroup v2 puts processes only in leaves (EBUSY)", path);
        return VML_EBUSY;
    }
    if (e) {
        snprintf(msg, CGROUPS_MSG, "cannot move process %d into %.120s: %s%s", pid, dir,
                 strerror(e), root_hint(e));
        return sys_code(e);
    }
    return 0;
}

int cgroups_set(const char *abspath, const char *value, struct vml_text *notes, char *msg)
{
    char cg[VML_SCN_FILE_MAX], file[VML_SCN_FIELD_MAX];
    bool v1file = false;
    if (vml_cgroup_path_split(abspath, cg, sizeof(cg), file, sizeof(file), &v1file)) {
        snprintf(msg, CGROUPS_MSG, "%.150s is not a cgroup file", abspath);
        return VML_EINVAL;
    }
    int r = begin(msg);
    if (r)
        return r;
    /* The root takes memory.reclaim only, as the kernel's (its limits are CFTYPE_NOT_ON_ROOT):
     * on Linux that is R, whose subtree it reclaims from. */
    if (!*cg && (strcmp(file, "memory.reclaim") != 0 || v1file)) {
        snprintf(msg, CGROUPS_MSG,
                 "the root cgroup's %.40s cannot be set (the kernel's root has no limits; on Linux "
                 "the root is the run's own parent cgroup)",
                 file);
        return VML_EINVAL;
    }
    static struct made root_entry;
    struct made *m = *cg ? made_of(cg) : &root_entry;
    if (!*cg)
        snprintf(root_entry.dir, sizeof(root_entry.dir), "%s", root_dir);
    if (!m) {
        snprintf(msg, CGROUPS_MSG, "no cgroup %.100s in this run (make it with cgroup %.60s)", cg,
                 cg);
        return VML_ENOENT;
    }
    struct cgroups_write w[2];
    struct cgroups_v1_limits lim = m->lim;
    int n;
    if (mnt.version == 2) {
        /* v1's limit file on a v2 machine is memory.max, "-1" its "max". */
        n = 1;
        snprintf(w[0].file, sizeof(w[0].file), "%.39s",
                 v1file && strcmp(file, "memory.limit_in_bytes") == 0 ? "memory.max" : file);
        snprintf(w[0].value, sizeof(w[0].value), "%s",
                 v1file && strcmp(value, "-1") == 0 ? "max" : value);
        if (v1file && strcmp(w[0].file, "memory.max") != 0) {
            snprintf(msg, CGROUPS_MSG, "%.60s is a cgroup v1 file; this machine has cgroup v2",
                     file);
            return VML_EINVAL;
        }
    } else {
        /* What the kernel holds now (the run may not be the only writer). */
        uint64_t v;
        if (read_u64(m->dir, "memory.limit_in_bytes", &v) == 0)
            lim.mem = v >= CGROUPS_V1_UNLIMITED ? CGROUPS_V1_UNLIMITED : v;
        if (lim.have_memsw && read_u64(m->dir, "memory.memsw.limit_in_bytes", &v) == 0)
            lim.memsw = v >= CGROUPS_V1_UNLIMITED ? CGROUPS_V1_UNLIMITED : v;
        if ((n = cgroups_translate(file, value, &lim, w, msg)) < 0)
            return n;
    }
    for (int i = 0; i < n; i++) {
        int e = host_put(m->dir, w[i].file, w[i].value);
        if (e) {
            snprintf(msg, CGROUPS_MSG, "cannot write %.20s to %.30s of %.30s: %.30s%.48s",
                     w[i].value, w[i].file, cg, strerror(e),
                     e == EBUSY ? " (its usage is above it and cannot be reclaimed)"
                                : root_hint(e));
            return sys_code(e);
        }
    }
    m->lim = lim; /* what the writes left */
    if (mnt.version == 1 || strcmp(w[0].file, file) != 0) {
        text_printf(notes, "linux: %s of cgroup %s is cgroup v%d's", file, cg, mnt.version);
        for (int i = 0; i < n; i++)
            text_printf(notes, "%s %s %s", i ? "," : "", w[i].file, w[i].value);
        text_printf(notes, "\n");
    }
    return text_status(notes);
}

int cgroups_text(const char *path, const char *file, bool v1, struct vml_text *out, char *msg)
{
    int r = begin(msg);
    if (r)
        return r;
    char dir[300];
    if (cgroups_dir(path, dir, sizeof(dir)) || (*path && !made_of(path))) {
        snprintf(msg, CGROUPS_MSG, "no cgroup %.100s in this run", path);
        return VML_ENOENT;
    }
    if (strchr(file, '/') || file[0] == '.') {
        snprintf(msg, CGROUPS_MSG, "'%.60s' is not a cgroup file", file);
        return VML_EINVAL;
    }
    if (v1 && mnt.version == 2) {
        snprintf(msg, CGROUPS_MSG,
                 "%.60s of the v1 hierarchy: this machine's memory controller is on cgroup v2",
                 file);
        return VML_EINVAL;
    }
    const char *src = file;
    bool derived = false;
    if (!v1 && mnt.version == 1 && !(src = cgroups_v1_source(file, &derived, msg)))
        return VML_EINVAL;
    static char buf[65536];
    int n = slurp(dir, src, buf, sizeof(buf));
    if (n < 0) {
        snprintf(msg, CGROUPS_MSG, "cannot read %.60s of cgroup /%.60s: %s%s", src, path,
                 strerror(-n), -n == ENOENT ? " (the kernel has no such file)" : "");
        return VML_EINVAL;
    }
    if (src == file) {
        text_append(out, buf, (size_t)n);
        return text_status(out);
    }
    /* A v1 figure in v2's words: a limit at PAGE_COUNTER_MAX is "max". */
    uint64_t a = strtoull(buf, NULL, 10), b = 0;
    if (derived) {
        const char *minus = strcmp(file, "memory.swap.current") == 0 ? "memory.usage_in_bytes"
                                                                     : "memory.limit_in_bytes";
        int e = read_u64(dir, minus, &b);
        if (e) {
            snprintf(msg, CGROUPS_MSG, "cannot read %s of cgroup /%.60s: %s", minus, path,
                     strerror(e));
            return VML_EINVAL;
        }
    }
    bool limit = strcmp(file, "memory.max") == 0 || strcmp(file, "memory.swap.max") == 0;
    if (limit && a >= CGROUPS_V1_UNLIMITED)
        text_printf(out, "max\n");
    else
        text_printf(out, "%llu\n", (unsigned long long)(a > b ? a - b : 0));
    return text_status(out);
}

/* ---- the end --------------------------------------------------------------------------------- */

/* Kills what is in dir (every pid of its cgroup.procs but this process) and removes it, trying
 * for up to 5 s (rmdir is EBUSY until they are gone). Async-signal-safe. */
static void remove_one(const char *dir)
{
    static char buf[8192];
    for (int tries = 0; tries < 500; tries++) {
        int n = slurp(dir, "cgroup.procs", buf, sizeof(buf));
        for (char *s = buf; n > 0 && *s;) {
            long pid = 0;
            while (*s >= '0' && *s <= '9')
                pid = pid * 10 + (*s++ - '0');
            if (pid > 0 && pid != (long)getpid())
                kill((pid_t)pid, SIGKILL);
            while (*s && (*s < '0' || *s > '9'))
                s++;
        }
        if (rmdir(dir) == 0 || errno == ENOENT || errno == ENOTDIR)
            return;
        /* An imitation's directory holds files: they are the test's, and so is its removal. */
        if (errno == ENOTEMPTY)
            return;
        struct timespec ms = { 0, 10000000 };
        nanosleep(&ms, NULL);
    }
}

void cgroups_undo(void)
{
    /* Newest first: a child before its parent. */
    while (n_made > 0) {
        remove_one(made[n_made - 1].dir);
        n_made = n_made - 1;
    }
    if (begun && own_root)
        remove_one(root_dir);
    begun = 0;
    own_root = 0;
    root_dir[0] = 0;
}
