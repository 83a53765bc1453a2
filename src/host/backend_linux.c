/* host/backend_linux.c: the Linux backend: a scenario on the real kernel (see vmlab/host.h).
 *
 * vmlab stays the controller: it forks one agent per scenario process (host/agent.c) and sends
 * it requests over a socket; a scenario fork is a fork inside the agent, whose new socket comes
 * back by SCM_RIGHTS. Files are created sparse (not cached) in a private temporary directory;
 * memfds are created here and opened by the agents through /proc/<vmlab>/fd/N.
 */
#define _GNU_SOURCE /* memfd_create, MAP_FIXED_NOREPLACE, MAP_POPULATE */

#include "host/agent.h"
#include "host/cgroups.h"
#include "host/pressure.h"
#include "host/settings.h"
#include "host/thp_kernel.h"
#include "util/grow.h"
#include "util/text.h"
#include "vmlab/host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned host_nodes(void);

/* The process-wide files whose figures include the agent's own memory. */
static const enum vml_procfile own_files[] = { VML_PROCFILE_STATUS, VML_PROCFILE_STATM,
                                               VML_PROCFILE_MAPS };
#define N_OWN (sizeof(own_files) / sizeof(own_files[0]))

struct linb;

struct agent {
    struct linb *owner;
    int pid;
    int sock;
    bool alive;
    bool exiting; /* told to exit (P exit): its end is no death */
    struct vml_sim_death death;
    uint32_t setup;              /* AG_SETUP_*: how its scenario memory is laid out */
    char why[120];               /* what of that could not be done */
    bool used_brk;               /* the scenario moved its break */
    uint64_t minflt, majflt;     /* page faults of the operations it made */
    struct vml_fault_record lat; /* the timed faults of its accesses */
    /* Its own memory (the runtime's: vmlab's program, libraries, stack and heap) as status,
     * statm and maps showed it when it was created: expect leaves it out (own_text). */
    struct vml_text own[N_OWN];
};

struct hfile {
    char path[256]; /* what agents open */
    uint64_t size;
    int fd; /* memfd (kept open here), else -1 */
    bool live;
};

struct linb {
    char dir[128]; /* private temporary directory */
    struct agent *agents;
    size_t n_agents, cap_agents;
    struct hfile *files;
    size_t n_files, cap_files;
    char (*dirs)[256]; /* subdirectories created for file names, removed at the end */
    size_t n_dirs, cap_dirs;
    int replay_pid;                     /* the process replaying, between begin and end */
    uint64_t replay_records;            /* records it made */
    uint64_t access_buf[AG_ACCESS_MAX]; /* a batch of its addresses */
    /* move_pages' status array as the agent sent it (allocated with the backend: a call must
     * not change the machine's memory counters by vmlab's own heap) */
    int32_t mp_status[AG_ACCESS_MAX];
    long long pool_was[VML_NR_HUGE_SIZES]; /* nr_hugepages before the run, or -1: untouched */
    char pt_why[96];     /* why page-table counts cannot match the simulator's, "" when they can */
    uint64_t oom_kills;  /* the kernel's oom_kill count (/proc/vmstat) as last accounted for */
    uint64_t kills;      /* agents killed so far (struct vml_sim_death.seq) */
    int kmsg;            /* /dev/kmsg, read from the run's start; -1 until opened */
    int kmsg_err;        /* errno of opening it, 0 if it is open */
    struct vml_text log; /* the kernel log read so far, as dmesg prints it */
    char cgfile[VML_SCN_FIELD_MAX]; /* the cgroup file cgroup_text read last (why_unchecked) */
};

/* A hugetlb pool's nr_hugepages file. */
static void pool_path(unsigned size, char *buf, size_t n)
{
    snprintf(buf, n, "/sys/kernel/mm/hugepages/hugepages-%skB/nr_hugepages",
             size == VML_HUGE_2M ? "2048" : "1048576");
}

static bool pool_read(unsigned size, long long *v)
{
    char path[96], buf[32];
    pool_path(size, path, sizeof(path));
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, sizeof(buf), f) != NULL;
    fclose(f);
    char *end;
    *v = ok ? strtoll(buf, &end, 10) : 0;
    return ok && end != buf;
}

/* Writes nr_hugepages (as root; the kernel grows the pool as far as it can); errno on failure. */
static int pool_write(unsigned size, long long v)
{
    char path[96];
    pool_path(size, path, sizeof(path));
    FILE *f = fopen(path, "w");
    if (!f)
        return errno;
    int ok = fprintf(f, "%lld\n", v) > 0;
    int e = errno;
    if (fclose(f) != 0)
        return errno ? errno : EIO;
    return ok ? 0 : (e ? e : EIO);
}

/* hugepages=: applied to the real pools when the kernel has them and lets vmlab write them,
 * restored by lb_destroy; reported either way. */
static void apply_pools(struct linb *b, const struct vml_machine_cfg *m, struct vml_text *notes)
{
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++) {
        if (!(m->hugepages_given & (1u << i)))
            continue;
        const char *name = i == VML_HUGE_2M ? "2M" : "1G";
        unsigned long long want = (unsigned long long)m->hugepages[i];
        long long was;
        if (!pool_read(i, &was)) {
            text_printf(notes,
                        "linux: hugepages=%s:%llu asked, this kernel has no %s pool "
                        "(differs)\n",
                        name, want, name);
            continue;
        }
        /* Through the settings journal, so that a signal that ends the run puts the pool back
         * too (lb_destroy does it otherwise). */
        char path[96], value[32], old[SETTING_VALUE_MAX];
        bool changed = false;
        pool_path(i, path, sizeof(path));
        snprintf(value, sizeof(value), "%llu", want);
        int e = want > (unsigned long long)LLONG_MAX
                    ? EINVAL
                    : host_setting_write(path, value, old, &changed);
        long long now = was;
        pool_read(i, &now);
        if (e == 0)
            b->pool_was[i] = was;
        text_printf(notes, "linux: hugepages=%s:%llu asked, the kernel's pool has %lld%s%s%s\n",
                    name, want, now, e ? " (differs: cannot set it: " : "", e ? strerror(e) : "",
                    e                                 ? ")"
                    : (unsigned long long)now == want ? ""
                                                      : " (differs)");
    }
}

/* errno to the library's codes; msg gets the system's words. */
static int sys_error(int e, char *msg)
{
    snprintf(msg, VML_BACKEND_MSG, "%s", strerror(e));
    switch (e) {
    case ENOMEM: return VML_ENOMEM;
    case EEXIST: return VML_EEXIST;
    case EAGAIN: return VML_EAGAIN;
    case EFBIG: return VML_EFBIG;
    case EOVERFLOW: return VML_EOVERFLOW;
    case ESRCH:
    case ENOENT: return VML_ENOENT;
    default: return VML_EINVAL;
    }
}

static struct agent *agent_of(struct linb *b, int pid)
{
    for (size_t i = 0; i < b->n_agents; i++)
        if (b->agents[i].pid == pid)
            return &b->agents[i];
    return NULL;
}

/* Waits until a process that is not vmlab's child (a forked agent, whose parent is another
 * agent) has finished exiting: its address space is gone once /proc shows it a zombie, or no
 * longer shows it. Without this, /proc read right after its death report could still count its
 * mappings (a page it shared would look shared). Gives up after about five seconds. */
static void await_exit(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    for (int i = 0; i < 5000; i++) {
        FILE *f = fopen(path, "r");
        if (!f)
            return;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        const char *rp = strrchr(buf, ')');
        if (!rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X')
            return;
        struct timespec ms = { 0, 1000000 };
        nanosleep(&ms, NULL);
    }
}

/* The kernel's oom_kill count: every OOM kill, global or in a memory cgroup
 * (__oom_kill_process counts OOM_KILL either way); 0 if /proc/vmstat cannot be read. */
static uint64_t oom_kill_count(void)
{
    FILE *f = fopen("/proc/vmstat", "r");
    char line[128];
    unsigned long long v = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "oom_kill %llu", &v) == 1)
            break;
    if (f)
        fclose(f);
    return v;
}

static int kernel_log(void *ctx, struct vml_text *out, char *msg);

/* Where the OOM killer's kill of pid stands among the kills of the run: the kernel log's
 * "Killed process PID " lines in order (1 for the first); 0 when the log has none for it (it
 * cannot be read, or the line is not there yet). The agents' deaths are found one by one, in
 * whatever order the executor asks; the log has the order the kernel killed them in. */
static uint64_t kill_rank(struct linb *b, int pid)
{
    struct vml_text scratch = { 0 };
    char msg[VML_BACKEND_MSG];
    kernel_log(b, &scratch, msg); /* reads what is new into b->log */
    vml_text_free(&scratch);
    char want[48];
    snprintf(want, sizeof(want), "Killed process %d ", pid);
    uint64_t n = 0;
    for (const char *p = b->log.s; p && (p = strstr(p, "Killed process ")) != NULL; p++) {
        n++;
        if (strncmp(p, want, strlen(want)) == 0)
            return n;
    }
    return 0;
}

/* An agent that ended without saying why (no death report: SIGKILL gives it no chance). If it
 * was killed by SIGKILL (or its status cannot be had: a forked agent is not vmlab's child) while
 * the kernel's oom_kill count rose, the OOM killer took it. */
static void silent_death(struct agent *a, bool have_status, int st)
{
    struct linb *b = a->owner;
    if (a->exiting || (have_status && !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)))
        return; /* it exited */
    uint64_t now = oom_kill_count();
    if (now <= b->oom_kills)
        return;
    b->oom_kills++;
    uint64_t rank = kill_rank(b, a->pid);
    if (rank > b->kills)
        b->kills = rank;
    a->death = (struct vml_sim_death){ .killed = true,
                                       .si_code = VML_SI_OOM,
                                       .seq = rank ? rank : ++b->kills };
}

/* Reaps an agent that died; records how. */
static void bury(struct agent *a, const struct agent_rep *death)
{
    int st = 0;
    close(a->sock);
    a->sock = -1;
    bool have_status = waitpid(a->pid, &st, 0) == a->pid;
    if (!have_status)
        await_exit(a->pid);
    a->alive = false;
    if (!death)
        silent_death(a, have_status, st);
    if (death) {
        a->death.seq = ++a->owner->kills;
        a->death.killed = true;
        a->death.addr = death->fault_addr;
        if (death->signo == SIGBUS)
            a->death.si_code = VML_BUS_ADRERR;
        else if (death->fault_code == SEGV_MAPERR)
            a->death.si_code = VML_SEGV_MAPERR;
        else if (death->fault_code == SEGV_ACCERR)
            a->death.si_code = VML_SEGV_ACCERR;
        else
            a->death.si_code = VML_SI_KERNEL;
    }
}

/* One request and its reply (and the fd a fork passes back). 0, or an error with msg. */
/* Sends a request (and, for AG_ACCESS, its addresses) and waits for the reply. */
static int call_data(struct agent *a, const struct agent_req *q, const void *data, size_t len,
                     struct agent_rep *p, int *fd, char *msg)
{
    if (!a || !a->alive) {
        snprintf(msg, VML_BACKEND_MSG, "no such process");
        return VML_ENOENT;
    }
    if (send(a->sock, q, sizeof(*q), MSG_NOSIGNAL) != (ssize_t)sizeof(*q))
        return sys_error(errno, msg);
    if (data && send(a->sock, data, len, MSG_NOSIGNAL) != (ssize_t)len)
        return sys_error(errno, msg);
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { p, sizeof(*p) };
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = u.buf;
    m.msg_controllen = sizeof(u.buf);
    ssize_t n = recvmsg(a->sock, &m, MSG_CMSG_CLOEXEC);
    if (n != (ssize_t)sizeof(*p)) {
        bury(a, NULL);
        if (a->death.si_code == VML_SI_OOM)
            return VML_EKILLED; /* the executor tells it (oom_aftermath) */
        snprintf(msg, VML_BACKEND_MSG, "the agent process died unexpectedly");
        return VML_EINVAL;
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    if (fd && c && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof(int));
    a->minflt += p->minflt;
    a->majflt += p->majflt;
    vml_fault_record_merge(&a->lat, &p->lat);
    if (p->status == AG_DEATH) {
        bury(a, p);
        return 0;
    }
    if (p->status == AG_ERR)
        return sys_error(p->err, msg);
    return 0;
}

static int call(struct agent *a, const struct agent_req *q, struct agent_rep *p, int *fd, char *msg)
{
    return call_data(a, q, NULL, 0, p, fd, msg);
}

/* Waits for a new agent's hello: it is set up and idle. */
static int await_hello(int sock, struct agent_rep *hello, char *msg)
{
    if (recv(sock, hello, sizeof(*hello), 0) != (ssize_t)sizeof(*hello)) {
        snprintf(msg, VML_BACKEND_MSG, "a new agent process did not start");
        return VML_EINVAL;
    }
    hello->why[sizeof(hello->why) - 1] = 0;
    return 0;
}

static struct agent *add_agent(struct linb *b, int pid, int sock)
{
    if (util_grow((void **)&b->agents, &b->cap_agents, b->n_agents, sizeof(*b->agents)))
        return NULL;
    struct agent *a = &b->agents[b->n_agents++];
    *a = (struct agent){ .owner = b, .pid = pid, .sock = sock, .alive = true };
    return a;
}

/* ---- machine ------------------------------------------------------------------------------- */

/* Writes one kernel setting the machine line asks for (key=want, at path) for the run, and
 * notes what came of it; absent_why follows the path when this kernel has no such file. The
 * journal puts it back at the end (host_setting_write). */
static void apply_setting(struct vml_text *notes, const char *key, const char *want,
                          const char *path, const char *absent_why)
{
    char was[SETTING_VALUE_MAX] = "";
    bool changed = false;
    int e = host_setting_write(path, want, was, &changed);
    if (e == ENOENT)
        text_printf(notes, "linux: %s=%s asked, this kernel has no %s%s (differs)\n", key, want,
                    path, absent_why);
    else if (e)
        text_printf(notes, "linux: %s=%s asked, the kernel has %s (differs: cannot set it: %s%s)\n",
                    key, want, was[0] ? was : "?", strerror(e),
                    e == EACCES || e == EPERM ? "; run as root" : "");
    else if (changed)
        text_printf(notes,
                    "linux: %s=%s asked, the kernel had %s: set for the run, put back when it "
                    "ends\n",
                    key, want, was);
    else
        text_printf(notes, "linux: %s=%s asked, the kernel has it\n", key, want);
}

/* The machine line's THP files: written for the run when the kernel holds something else and
 * vmlab may (root), put back by lb_destroy. As with hugepages=, a setting the kernel cannot be
 * given is a note ending in "(differs)", not an error: the machine line describes the machine
 * the scenario wants, and on Linux what cannot be had is reported (the fidelity suite skips a
 * scenario on such a note); a set statement, an operation, fails instead. */
static void apply_thp(const struct vml_machine_cfg *m, struct vml_text *notes)
{
    for (size_t i = 0; i < vml_thp_nr_files(); i++) {
        if (!(m->thp_given & (1u << i)))
            continue;
        char path[SETTING_PATH_MAX], want[VML_THP_SHOW_MAX], key[64];
        snprintf(path, sizeof(path), "%s%s", VML_THP_SYSFS_DIR, vml_thp_file(i));
        snprintf(key, sizeof(key), "thp%s%s", i ? "." : "", i ? vml_thp_file(i) : "");
        vml_thp_value(&m->thp, i, want);
        apply_setting(notes, key, want, path, "");
    }
}

/* A pressure scenario (docs/pressure.md): its processes confined to a memory cgroup as big as
 * what the simulated machine leaves to user pages, and swap= as a temporary swap file. What
 * cannot be had is an error, not a note: without them the run would measure another machine. */
static int apply_pressure(const struct vml_machine_cfg *m, struct vml_text *notes, char *msg)
{
    char others[160];
    if (geteuid() == 0) /* a run killed by SIGKILL must not block every later one */
        pressure_reap_stale(notes);
    unsigned foreign = swap_foreign(others, sizeof(others));
    if (m->memcg) {
        uint64_t budget = 0;
        int e = memcg_budget(m, &budget, msg);
        if (e)
            return e;
        if (foreign) {
            snprintf(msg, VML_BACKEND_MSG,
                     "memcg: the machine has swap of its own (%.60s), which the confined processes "
                     "would use: swapoff it first, or run with memcg=off",
                     others);
            return VML_EINVAL;
        }
        if ((e = memcg_create(budget, msg)) != 0)
            return e == ENOENT ? VML_ENOENT : VML_EINVAL;
        text_printf(notes,
                    "linux: memcg: the processes run in a memory cgroup limited to %llu kB (what "
                    "ram=%lluM leaves to user pages: its MemAvailable) plus each agent's own "
                    "memory\n",
                    (unsigned long long)(budget >> 10), (unsigned long long)(m->ram_bytes >> 20));
    }
    if (m->swap_bytes) {
        int e = swap_add("", m->swap_bytes, -1, msg);
        if (e) /* msg says why */
            return e == ENOMEM ? VML_ENOMEM : VML_EINVAL;
        text_printf(notes, "linux: swap=%lluK: a temporary swap file, on for the run\n",
                    (unsigned long long)(m->swap_bytes >> 10));
    } else if (m->given & VML_MCFG_SWAP) {
        text_printf(notes, "linux: swap=0 asked, the machine has %s%s\n",
                    foreign ? others : "no swap", foreign ? " (differs)" : "");
    }
    return 0;
}

/* The machine line's vm.FILE keys: written for the run as root (journalled, put back by
 * lb_destroy and on signals, under the machine-wide settings lock), in the kernel's own order of
 * effects: a byte form written after its ratio zeroes it, so the values are written as the
 * scenario's settings hold them, the non-zero one of each pair last. As with THP, what cannot
 * be had is a note ending in "(differs)". */
static void apply_vm_one(const struct vml_machine_cfg *m, size_t i, struct vml_text *notes)
{
    char path[SETTING_PATH_MAX], want[VML_VM_SHOW_MAX], was[SETTING_VALUE_MAX];
    snprintf(path, sizeof(path), "%s%s", VML_VM_SYSCTL_DIR, vml_vm_file(i));
    vml_vm_value(&m->vm, i, want);
    bool changed = false;
    int e = host_setting_write(path, want, was, &changed);
    if (e == ENOENT)
        text_printf(notes, "linux: vm.%s=%s asked, this kernel has no %s (differs)\n",
                    vml_vm_file(i), want, path);
    else if (e)
        text_printf(notes,
                    "linux: vm.%s=%s asked, the kernel has %s (differs: cannot set it: %s%s)\n",
                    vml_vm_file(i), want, was[0] ? was : "?", strerror(e),
                    e == EACCES || e == EPERM ? "; run as root" : "");
    else if (changed)
        text_printf(notes,
                    "linux: vm.%s=%s asked, the kernel had %s: set for the run, put back when it "
                    "ends\n",
                    vml_vm_file(i), want, was);
    else
        text_printf(notes, "linux: vm.%s=%s asked, the kernel has it\n", vml_vm_file(i), want);
}

static void apply_vm(const struct vml_machine_cfg *m, struct vml_text *notes)
{
    /* A pair's zero side is not written (dirty_bytes 0 is refused by the kernel: it is what
     * writing the ratio does); the side in force is written, and that zeroes the other. */
    for (size_t i = 0; i < VML_VM_NR_FILES; i++) {
        if (!vml_vm_readable(i))
            continue;
        const char *n = vml_vm_file(i);
        bool pair = strcmp(n, "dirty_ratio") == 0 || strcmp(n, "dirty_bytes") == 0 ||
                    strcmp(n, "dirty_background_ratio") == 0 ||
                    strcmp(n, "dirty_background_bytes") == 0;
        if (!(m->vm_given & (1u << i)) && !pair)
            continue;
        if (pair) {
            bool bg = strstr(n, "background") != NULL;
            uint32_t mask = 0;
            for (size_t k = 0; k < VML_VM_NR_FILES; k++)
                if (vml_vm_file(k) && strstr(vml_vm_file(k), "dirty_") &&
                    (strstr(vml_vm_file(k), "background") != NULL) == bg &&
                    (strstr(vml_vm_file(k), "_ratio") || strstr(vml_vm_file(k), "_bytes")))
                    mask |= 1u << k;
            if (!(m->vm_given & mask))
                continue; /* neither side of the pair given */
            char v[VML_VM_SHOW_MAX];
            vml_vm_value(&m->vm, i, v);
            /* Only the form in force is written (the other's zero follows from it): the byte
             * form when it is set, else the ratio. */
            char other[VML_VM_SHOW_MAX];
            bool bytes = strstr(n, "_bytes") != NULL;
            int o = vml_vm_find(bytes ? (bg ? "dirty_background_ratio" : "dirty_ratio")
                                      : (bg ? "dirty_background_bytes" : "dirty_bytes"));
            vml_vm_value(&m->vm, (size_t)o, other);
            bool bytes_set = bytes ? strcmp(v, "0") != 0 : strcmp(other, "0") != 0;
            if (bytes != bytes_set)
                continue;
        }
        apply_vm_one(m, i, notes);
    }
}

/* kernel.numa_balancing= and sched.numa_balancing/FILE=: written for the run as the vm.FILE
 * keys are (journalled, put back when it ends). The tunables live in debugfs, which a machine
 * may not have mounted: what cannot be written is a note ending in "(differs)". */
static void apply_numab(const struct vml_machine_cfg *m, struct vml_text *notes)
{
    for (size_t i = 0; i < VML_NUMAB_NR_FILES; i++) {
        if (!(m->numab_given & (1u << i)))
            continue;
        const char *path = vml_numab_path(i);
        char want[32];
        vml_numab_value(&m->numab, i, want, sizeof(want));
        apply_setting(notes, path, want, path,
                      i ? " (is debugfs mounted?)" : " (CONFIG_NUMA_BALANCING)");
    }
}

static int lb_start(void *ctx, const struct vml_machine_cfg *m, struct vml_text *notes,
                    unsigned *col, char *msg)
{
    struct linb *b = ctx;
    const char *tmp = getenv("TMPDIR");
    snprintf(b->dir, sizeof(b->dir), "%s/vmlab.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(b->dir))
        return sys_error(errno, msg);
    (void)col; /* what cannot be applied is a note, not an error */
    b->oom_kills = oom_kill_count();
    /* The kernel log from now on (show dmesg): records before the run are skipped. */
    if ((b->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
        b->kmsg_err = errno;
    else if (lseek(b->kmsg, 0, SEEK_END) < 0)
        b->kmsg_err = errno, close(b->kmsg), b->kmsg = -1;
    /* Except a setting that would take the machine down: the kernel's panic on an OOM would
     * end this host, not the run. */
    int pan = vml_vm_find("panic_on_oom");
    if ((m->given & VML_MCFG_VM) && (m->vm_given & (1u << pan)) && m->vm.panic_on_oom) {
        snprintf(msg, VML_BACKEND_MSG,
                 "vm.panic_on_oom=%u is refused on the Linux backend: an OOM would panic this "
                 "machine; run the scenario on the simulator (vmlab run without --on linux) to see "
                 "the panic",
                 m->vm.panic_on_oom);
        rmdir(b->dir);
        return VML_EINVAL;
    }
    /* A topology this machine lacks cannot be applied: refused, not run on another one. The
     * policies (set_mempolicy, mbind, numactl options) are applied by the system calls; a mode
     * this kernel lacks is refused where it comes (mpol_error). */
    unsigned host_nr = host_nodes();
    if (m->nr_nodes > host_nr) {
        snprintf(msg, VML_BACKEND_MSG,
                 "the scenario's machine has %u NUMA nodes, this one %u: a topology cannot be "
                 "applied to the real kernel; run it on the simulator",
                 m->nr_nodes, host_nr);
        rmdir(b->dir);
        return VML_EINVAL;
    }
    if (m->given & (VML_MCFG_NODE_MEM | VML_MCFG_NODE_CPUS | VML_MCFG_DISTANCE | VML_MCFG_NUMA |
                    VML_MCFG_IL_WEIGHTS))
        text_printf(notes, "linux: node_mem, node_cpus, distance, numa and il_weights are not "
                           "applied: this machine's nodes are what they are\n");
    /* What the kernel has that the scenario asked for. */
    if (m->given & (VML_MCFG_RAM | VML_MCFG_NODES | VML_MCFG_CPU | VML_MCFG_CPUS | VML_MCFG_SEED))
        text_printf(notes,
                    "linux: ram, nodes, cpu, cpus and seed are not applied: this is the real "
                    "machine (%ld CPUs online; 'cpu N run' for others is not applied)\n",
                    sysconf(_SC_NPROCESSORS_ONLN));
    /* THP changes what faults do: the kernel's settings always, then what the scenario sets. */
    host_thp_note(notes);
    host_thp_extras(notes);
    if (m->given & VML_MCFG_VM)
        apply_vm(m, notes);
    if (m->given & VML_MCFG_DEMOTION) {
        /* numa.demotion_enabled=: written for the run and put back at its end, as a vm.FILE=;
         * it demotes only where this kernel has a lower memory tier. */
        apply_setting(notes, "numa.demotion_enabled", m->demotion_enabled ? "true" : "false",
                      VML_NUMA_SYSFS_DIR "demotion_enabled", " (CONFIG_MIGRATION, NUMA)");
    }
    if (m->given & VML_MCFG_NUMAB)
        apply_numab(m, notes);
    if (m->given & VML_MCFG_THP)
        apply_thp(m, notes);
    if (m->given & VML_MCFG_PAGING) {
        /* 5-level paging is in use when user addresses above 47 bits are possible: probe with
         * a hint there (the kernel honours it only with LA57). */
        void *p = mmap((void *)(1ull << 52), 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned have = p != MAP_FAILED && (uintptr_t)p >= (1ull << 47) ? 5 : 4;
        if (p != MAP_FAILED)
            munmap(p, 4096);
        text_printf(notes, "linux: paging=%u asked, the kernel uses %u-level paging%s\n",
                    m->paging_levels, have, have == m->paging_levels ? "" : " (differs)");
        if (have != m->paging_levels)
            snprintf(b->pt_why, sizeof(b->pt_why),
                     "the scenario asks for %u-level paging, this kernel uses %u levels",
                     m->paging_levels, have);
    }
    if (m->given & VML_MCFG_ZERO_PAGE) {
        bool uses = true;
        int zr = vml_host_zero_page(&uses);
        text_printf(
            notes, "linux: zero_page=%s asked, the kernel %s\n", m->no_zero_page ? "off" : "on",
            zr ? "could not be probed"
            : uses
                ? (m->no_zero_page ? "maps the zero page (differs)" : "maps it")
                : (m->no_zero_page ? "does not map it" : "does not map the zero page (differs)"));
    }
    if (m->given & VML_MCFG_PT_RECLAIM) {
        bool frees = true;
        int pr = vml_host_pt_reclaim(&frees);
        text_printf(notes, "linux: pt_reclaim=%s asked, the kernel %s\n",
                    m->no_pt_reclaim ? "off" : "on",
                    pr      ? "could not be probed"
                    : frees ? (m->no_pt_reclaim ? "frees emptied page tables (differs)"
                                                : "frees emptied page tables")
                            : (m->no_pt_reclaim ? "keeps emptied page tables"
                                                : "keeps emptied page tables (differs)"));
    }
    if (m->given & VML_MCFG_READAHEAD) {
        uint64_t have = 0;
        int rr = vml_host_readahead(tmp && *tmp ? tmp : "/tmp", &have);
        if (rr)
            text_printf(notes,
                        "linux: readahead=%lluK asked, the disk's read_ahead_kb cannot be "
                        "read\n",
                        (unsigned long long)(m->readahead_bytes >> 10));
        else
            text_printf(notes, "linux: readahead=%lluK asked, the disk reads ahead %lluK%s\n",
                        (unsigned long long)(m->readahead_bytes >> 10),
                        (unsigned long long)(have >> 10),
                        have == m->readahead_bytes ? "" : " (differs)");
    }
    if (m->given & (VML_MCFG_DISK | VML_MCFG_SWAPDEV))
        text_printf(notes, "linux: disk and swapdev are not applied: the real disks are what they "
                           "are (docs/latency.md measures this VM's)\n");
    if (m->given & VML_MCFG_HUGEPAGES)
        apply_pools(b, m, notes);
    int r = apply_pressure(m, notes, msg);
    return r ? r : text_status(notes);
}

static void lb_destroy(void *ctx)
{
    struct linb *b = ctx;
    if (!b)
        return;
    for (size_t i = 0; i < b->n_agents; i++) {
        struct agent *a = &b->agents[i];
        if (!a->alive)
            continue;
        kill(a->pid, SIGKILL);
        close(a->sock);
        waitpid(a->pid, NULL, 0);
    }
    for (size_t i = 0; i < b->n_agents; i++)
        for (size_t k = 0; k < N_OWN; k++)
            vml_text_free(&b->agents[i].own[k]);
    for (size_t i = 0; i < b->n_files; i++) {
        if (b->files[i].fd >= 0)
            close(b->files[i].fd);
        else if (b->files[i].live)
            unlink(b->files[i].path);
    }
    for (size_t i = b->n_dirs; i-- > 0;)
        rmdir(b->dirs[i]);
    /* The agents are gone, and their huge pages with them: the pools go back as they were. */
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++)
        if (b->pool_was[i] >= 0)
            pool_write(i, b->pool_was[i]);
    if (b->dir[0])
        rmdir(b->dir);
    if (b->kmsg >= 0)
        close(b->kmsg);
    vml_text_free(&b->log);
    /* The THP files the run set. A failure cannot wait for a caller (destroy returns nothing)
     * and leaves the machine changed: say so where the user sees it. */
    char what[SETTING_PATH_MAX + SETTING_VALUE_MAX + 64];
    if (host_settings_restore(what, sizeof(what)))
        fprintf(stderr, "vmlab: cannot put %s; write it back by hand\n", what);
    free(b->agents);
    free(b->files);
    free(b->dirs);
    free(b);
}

/* ---- processes ------------------------------------------------------------------------------ */

static int read_file(const char *path, struct vml_text *out, char *msg);

/* Records a new agent's own memory (its hello says it has made it resident and idles). */
static int capture_own(struct agent *a, char *msg)
{
    for (size_t i = 0; i < N_OWN; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/%s", a->pid, vml_procfile_name(own_files[i]));
        int r = read_file(path, &a->own[i], msg);
        if (r)
            return r;
    }
    return 0;
}

/* A new agent's own memory (its runtime, charged as it made it resident: the cgroup's charge
 * since before it was made) is added to the cgroup's limit: the simulated processes have none. */
static int account_agent(uint64_t before, char *msg)
{
    uint64_t now = memcg_usage();
    int e = memcg_active() ? memcg_account_agent(now > before ? now - before : 0) : 0;
    if (e)
        snprintf(msg, VML_BACKEND_MSG, "cannot raise the memory cgroup's limit: %s", strerror(e));
    return e ? VML_EINVAL : 0;
}

/* A new agent; pre, when not NULL, is the policy and CPUs it takes before anything else. */
static int spawn_agent(struct linb *b, const char *name, const struct agent_numa *pre, int *pid,
                       char *msg)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return sys_error(errno, msg);
    fflush(NULL); /* nothing buffered may be written twice */
    uint64_t charged = memcg_usage();
    pid_t p = fork();
    if (p < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return sys_error(e, msg);
    }
    if (p == 0) {
        close(sv[0]);
        host_settings_child();
        if (memcg_enter() != 0) /* before it touches memory: every page it makes is charged */
            _exit(127);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        prctl(PR_SET_NAME, name, 0, 0, 0);
        if (pre && agent_numa(pre) != 0) /* checked in a child of its own before (numa_check) */
            _exit(127);
        agent_main(sv[1], true);
    }
    close(sv[1]);
    *pid = p;
    struct agent *a = add_agent(b, p, sv[0]);
    struct agent_rep hello;
    if (!a) {
        close(sv[0]);
        kill(p, SIGKILL);
        waitpid(p, NULL, 0);
        return VML_EHOST;
    }
    int r = await_hello(sv[0], &hello, msg);
    if (r && memcg_active())
        snprintf(msg, VML_BACKEND_MSG,
                 "a new agent process did not start (or could not join "
                 "the memory cgroup)");
    a->setup = hello.setup;
    snprintf(a->why, sizeof(a->why), "%s", hello.why);
    if (r == 0)
        r = account_agent(charged, msg);
    return r ? r : capture_own(a, msg);
}

static int lb_spawn(void *ctx, const char *name, int *pid, char *msg)
{
    return spawn_agent(ctx, name, NULL, pid, msg);
}

/* ---- NUMA: memory policies and CPUs, by the raw system calls -----------------------------------
 */

/* Whether the running kernel knows policy mode (the mode alone, its flags cleared): 1 yes, 0
 * no, by set_mempolicy in a child of its own with every node in the mask (mpol_set_nodemask
 * keeps the nodes with memory), so that the one caller's policy is never touched. The kernel
 * refuses a mode past its MPOL_MAX with EINVAL (sanitize_mpol_flags): MPOL_PREFERRED_MANY came
 * with 5.15, MPOL_WEIGHTED_INTERLEAVE with 6.9. */
static int kernel_has_mode(unsigned mode)
{
    static int known[VML_MPOL_NR_MODES]; /* 0 unknown, 1 has, 2 lacks */
    mode &= 0xff;
    if (mode >= VML_MPOL_NR_MODES)
        return 0;
    if (known[mode])
        return known[mode] == 1;
    fflush(NULL);
    pid_t c = fork();
    if (c < 0)
        return 1; /* cannot tell: the kernel's own error stands */
    if (c == 0) {
        bool nodes = mode != VML_MPOL_DEFAULT && mode != VML_MPOL_LOCAL;
        _exit(agent_set_mempolicy(mode, nodes ? ~0ull : 0) == 0 ? 0 : errno == EINVAL ? 1 : 2);
    }
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
    }
    known[mode] = WIFEXITED(st) && WEXITSTATUS(st) == 1 ? 2 : 1;
    return known[mode] == 1;
}

/* The kernel's refusal of pol, said: VML_ENOTSUP naming what this kernel lacks when it does
 * not know the mode, else the errno's code. what ("" for none) starts the message: the
 * statements' messages are prefixed with their name by the runner (op_numa). */
static int mpol_error(int e, const struct vml_mpol *pol, const char *what, char *msg)
{
    static const char *const since[VML_MPOL_NR_MODES] = {
        [VML_MPOL_PREFERRED_MANY] = "MPOL_PREFERRED_MANY (Linux 5.15)",
        [VML_MPOL_WEIGHTED_INTERLEAVE] = "MPOL_WEIGHTED_INTERLEAVE (Linux 6.9)",
    };
    if (e == EINVAL && pol->mode < VML_MPOL_NR_MODES && since[pol->mode] &&
        !kernel_has_mode(pol->mode)) {
        struct utsname u;
        uname(&u);
        snprintf(msg, VML_BACKEND_MSG, "%s%sthis kernel (%.60s) lacks %s", what, *what ? ": " : "",
                 u.release, since[pol->mode]);
        return VML_ENOTSUP;
    }
    if (e == EFAULT) {
        snprintf(msg, VML_BACKEND_MSG, "%s", strerror(e));
        return VML_EFAULT;
    }
    return sys_error(e, msg);
}

/* Whether o can be applied, tried in a child of its own (its errno, or 0), so that a refusal
 * is said before the agent exists. */
static int numa_check(const struct agent_numa *o)
{
    fflush(NULL);
    pid_t c = fork();
    if (c < 0)
        return errno;
    if (c == 0)
        _exit(agent_numa(o) == 0 ? 0 : errno > 0 && errno < 255 ? errno : 255);
    int st = 0;
    while (waitpid(c, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : EINVAL;
}

/* The CPUs of the nodes in mask (/sys/devices/system/node/nodeN/cpulist: "0-3,8"). */
static void node_cpus(uint32_t mask, uint64_t *cpus)
{
    for (unsigned n = 0; n < 32; n++) {
        if (!(mask >> n & 1))
            continue;
        char path[80], buf[512];
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/cpulist", n);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* a node this machine lacks: no CPUs, as numactl's node_to_cpus */
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = 0;
        for (char *c = buf; *c >= '0' && *c <= '9';) {
            char *end;
            unsigned long lo = strtoul(c, &end, 10), hi = lo;
            if (*end == '-')
                hi = strtoul(end + 1, &end, 10);
            for (unsigned long i = lo; i <= hi && i < 256; i++)
                cpus[i / 64] |= 1ull << (i % 64);
            c = *end == ',' ? end + 1 : end;
        }
    }
}

static int lb_spawn_numa(void *ctx, const char *name, const struct vml_op_numa *o, int *pid,
                         char *msg)
{
    struct agent_numa pre;
    memset(&pre, 0, sizeof(pre));
    pre.has_pol = o->has_pol;
    pre.mode = o->pol.mode | o->pol.flags;
    pre.nodes = o->pol.nodes;
    pre.has_cpus = o->has_cpus || o->cpunodes;
    if (o->has_cpus)
        memcpy(pre.cpus, o->cpus, sizeof(pre.cpus));
    if (o->cpunodes)
        node_cpus(o->cpunodes, pre.cpus);
    int e = numa_check(&pre);
    if (e) {
        char what[96];
        snprintf(what, sizeof(what), "%s: its NUMA options", name);
        int r = mpol_error(e, &o->pol, what, msg);
        if (r != VML_ENOTSUP)
            snprintf(msg, VML_BACKEND_MSG, "%s: %s (%s)", what, strerror(e),
                     pre.has_cpus && e == EINVAL
                         ? "no CPU of this machine in them, or the policy refused"
                         : "the policy refused");
        return r;
    }
    return spawn_agent(ctx, name, &pre, pid, msg);
}

static int lb_set_mempolicy(void *ctx, int pid, const struct vml_mpol *pol, char *msg)
{
    struct agent_req q = { .op = AG_MEMPOLICY, .flags = pol->mode | pol->flags };
    q.mask[0] = pol->nodes;
    struct agent_rep p;
    memset(&p, 0, sizeof(p));
    int r = call(agent_of(ctx, pid), &q, &p, NULL, msg);
    return r && p.status == AG_ERR ? mpol_error(p.err, pol, "", msg) : r;
}

static int lb_mbind(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                    char *msg)
{
    struct agent_req q = {
        .op = AG_MBIND, .addr = addr, .len = len, .flags = pol->mode | pol->flags
    };
    q.mask[0] = pol->nodes;
    struct agent_rep p;
    memset(&p, 0, sizeof(p));
    int r = call(agent_of(ctx, pid), &q, &p, NULL, msg);
    return r && p.status == AG_ERR ? mpol_error(p.err, pol, "", msg) : r;
}

/* ---- page migration, by the raw system calls in the agent itself ------------------------------
 * Each call is made by the process whose pages move (pid 0), so that the new pages are allocated
 * from its CPU (zone_statistics' local_node and other_node count against the caller's node, as
 * the simulator counts against the process's). Each begins with lru_cache_disable() in the
 * kernel (do_pages_move, do_migrate_pages, do_mbind with MPOL_MF_MOVE): pages still in a CPU's
 * LRU batch are drained first and can be isolated. MPOL_MF_MOVE_ALL needs CAP_SYS_NICE (EPERM
 * without). */

static int lb_mbind_move(void *ctx, int pid, uint64_t addr, uint64_t len,
                         const struct vml_mpol *pol, unsigned mf, char *msg)
{
    struct agent_req q = {
        .op = AG_MBIND, .addr = addr, .len = len, .flags = pol->mode | pol->flags, .prot = mf
    };
    q.mask[0] = pol->nodes;
    struct agent_rep p;
    memset(&p, 0, sizeof(p));
    int r = call(agent_of(ctx, pid), &q, &p, NULL, msg);
    if (r && p.status == AG_ERR && p.err == EPERM)
        snprintf(msg, VML_BACKEND_MSG, "move_all (MPOL_MF_MOVE_ALL) needs CAP_SYS_NICE");
    return r && p.status == AG_ERR && p.err != EPERM ? mpol_error(p.err, pol, "", msg) : r;
}

/* move_pages(2): the kernel's status array as it stored it (VML_MOVE_PAGES_UNSET where it
 * stored none: a batch whose migration failed, and the pages after it), and what the call
 * returned: the pages not moved, or VML_ENOMEM for its ENOMEM (do_pages_move). */
static int lb_move_pages(void *ctx, int pid, size_t n, const uint64_t *addrs, const int *nodes,
                         int *status, unsigned mf, char *msg)
{
    struct linb *b = ctx;
    struct agent *a = agent_of(b, pid);
    if (n > AG_ACCESS_MAX) {
        snprintf(msg, VML_BACKEND_MSG,
                 "move_pages of %zu pages: the linux backend passes at most %u pages a call", n,
                 (unsigned)AG_ACCESS_MAX);
        return VML_ENOTSUP;
    }
    for (size_t i = 0; i < n; i++) {
        if (nodes && (nodes[i] < 0 || nodes[i] > 0xfff)) {
            snprintf(msg, VML_BACKEND_MSG, "node %d is out of range", nodes[i]);
            return VML_EINVAL;
        }
        b->access_buf[i] = (addrs[i] & ~0xfffull) | (nodes ? (uint64_t)nodes[i] : 0u);
    }
    struct agent_req q = { .op = AG_MOVE_PAGES, .len = n, .flags = mf, .prot = nodes ? 1u : 0u };
    struct agent_rep p;
    memset(&p, 0, sizeof(p));
    int r = call_data(a, &q, b->access_buf, n * sizeof(uint64_t), &p, NULL, msg);
    if (r)
        return r;
    int32_t *st = b->mp_status;
    ssize_t got = recv(a->sock, st, sizeof(b->mp_status), 0);
    if (got != (ssize_t)(n * sizeof(*st))) {
        snprintf(msg, VML_BACKEND_MSG, "the agent sent no move_pages status");
        return VML_EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        status[i] = st[i] == AG_STATUS_UNSET ? VML_MOVE_PAGES_UNSET : st[i];
    int64_t ret = (int64_t)p.count;
    if (ret < 0)
        return sys_error((int)-ret, msg);
    return ret > INT32_MAX ? INT32_MAX : (int)ret;
}

/* migrate_pages(2): *left is its result, the pages that could not be moved. */
static int lb_migrate_pages(void *ctx, int pid, uint32_t from, uint32_t to, uint64_t *left,
                            char *msg)
{
    struct agent_req q = { .op = AG_MIGRATE_PAGES };
    q.mask[0] = from;
    q.mask[1] = to;
    struct agent_rep p;
    memset(&p, 0, sizeof(p));
    int r = call(agent_of(ctx, pid), &q, &p, NULL, msg);
    *left = r ? 0 : p.count;
    return r;
}

static int lb_set_affinity(void *ctx, int pid, const uint64_t *cpus, char *msg)
{
    struct agent_req q = { .op = AG_AFFINITY };
    memcpy(q.mask, cpus, sizeof(q.mask));
    struct agent_rep p;
    return call(agent_of(ctx, pid), &q, &p, NULL, msg);
}

static int lb_fork(void *ctx, int pid, const char *child_name, int *child, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_FORK };
    snprintf(q.name, sizeof(q.name), "%s", child_name);
    struct agent_rep p;
    int fd = -1;
    uint64_t charged = memcg_usage();
    int r = call(agent_of(b, pid), &q, &p, &fd, msg);
    if (r)
        return r;
    if (fd < 0) {
        snprintf(msg, VML_BACKEND_MSG, "the forked agent's socket did not arrive");
        return VML_EINVAL;
    }
    *child = p.child;
    /* The child's memory is its parent's copy: the same layout, the same break. */
    struct agent *parent = agent_of(b, pid);
    uint32_t setup = parent->setup;
    bool used_brk = parent->used_brk;
    char why[sizeof(parent->why)];
    snprintf(why, sizeof(why), "%s", parent->why);
    struct agent *a = add_agent(b, p.child, fd);
    if (!a) {
        close(fd);
        return VML_EHOST;
    }
    a->setup = setup;
    a->used_brk = used_brk;
    snprintf(a->why, sizeof(a->why), "%s", why);
    struct agent_rep hello;
    if ((r = await_hello(fd, &hello, msg)) != 0 || (r = account_agent(charged, msg)) != 0)
        return r;
    /* The child's own memory is its copy of its parent's: the same runtime, made resident and
     * private before its hello as the parent's was (agent_main). Its /proc files right after
     * the fork also count what it inherited of the scenario's memory, which its expects must
     * see (the simulator's child starts with it too): so its baseline is the parent's. */
    parent = agent_of(b, pid);
    for (size_t i = 0; i < N_OWN; i++)
        text_append(&a->own[i], parent->own[i].s ? parent->own[i].s : "", parent->own[i].len);
    for (size_t i = 0; i < N_OWN; i++)
        if (text_status(&a->own[i]))
            return VML_EHOST;
    return 0;
}

static int lb_exit(void *ctx, int pid, char *msg)
{
    struct linb *b = ctx;
    struct agent *a = agent_of(b, pid);
    struct agent_req q = { .op = AG_EXIT };
    struct agent_rep p;
    if (a)
        a->exiting = true;
    int r = call(a, &q, &p, NULL, msg);
    if (r == 0 && a->alive)
        bury(a, NULL);
    return r;
}

/* ---- memory calls -----------------------------------------------------------------------------
 */

static int simple(struct linb *b, int pid, struct agent_req *q, char *msg)
{
    struct agent_rep p;
    return call(agent_of(b, pid), q, &p, NULL, msg);
}

static int lb_mmap(void *ctx, int pid, uint64_t hint, uint64_t len, unsigned prot, unsigned flags,
                   int file, uint64_t off, uint64_t *addr, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_MMAP, .addr = hint, .len = len, .off = off, .prot = prot };
    /* The library's flag values are Linux's. */
    q.flags = flags;
    if (file >= 0) {
        if ((size_t)file >= b->n_files)
            return VML_EINVAL;
        snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    }
    struct agent_rep p;
    int r = call(agent_of(b, pid), &q, &p, NULL, msg);
    *addr = p.addr;
    return r;
}

static int lb_munmap(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    struct agent_req q = { .op = AG_MUNMAP, .addr = addr, .len = len };
    return simple(ctx, pid, &q, msg);
}

static int lb_mprotect(void *ctx, int pid, uint64_t addr, uint64_t len, unsigned prot, char *msg)
{
    struct agent_req q = { .op = AG_MPROTECT, .addr = addr, .len = len, .prot = prot };
    return simple(ctx, pid, &q, msg);
}

static int lb_madvise(void *ctx, int pid, uint64_t addr, uint64_t len, int advice, char *msg)
{
    struct agent_req q = { .op = AG_MADVISE, .addr = addr, .len = len, .flags = (uint32_t)advice };
    return simple(ctx, pid, &q, msg);
}

static int lb_mlock(void *ctx, int pid, uint64_t addr, uint64_t len, bool lock, char *msg)
{
    struct agent_req q = { .op = lock ? AG_MLOCK : AG_MUNLOCK, .addr = addr, .len = len };
    return simple(ctx, pid, &q, msg);
}

static int lb_brk(void *ctx, int pid, int64_t delta, uint64_t *brk, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_BRK, .delta = delta };
    struct agent_rep p;
    struct agent *a = agent_of(b, pid);
    if (a)
        a->used_brk = true;
    int r = call(a, &q, &p, NULL, msg);
    *brk = p.addr;
    return r;
}

static int lb_touch(void *ctx, int pid, uint64_t start, uint64_t end, uint64_t stride,
                    enum vml_access access, struct vml_sim_access *res, char *msg)
{
    struct linb *b = ctx;
    memset(res, 0, sizeof(*res));
    if (access == VML_EXEC) {
        snprintf(msg, VML_BACKEND_MSG,
                 "touch exec is not supported on the linux backend (it cannot execute the "
                 "mapping's zeroed pages); use read");
        return VML_EINVAL;
    }
    struct agent *a = agent_of(b, pid);
    struct agent_req q = { .op = AG_TOUCH,
                           .addr = start,
                           .len = end - start,
                           .stride = stride,
                           .access = access == VML_WRITE };
    struct agent_rep p;
    int r = call(a, &q, &p, NULL, msg);
    if (r == 0 && p.status == AG_DEATH) {
        res->killed = true;
        res->si_code = a->death.si_code;
        res->addr = a->death.addr;
    }
    res->accesses = p.count;
    return r;
}

/* ---- trace replay: the agent loads and stores at the records' addresses ------------------ */

static int lb_replay_begin(void *ctx, int pid, char *msg)
{
    struct linb *b = ctx;
    if (!agent_of(b, pid)) {
        snprintf(msg, VML_BACKEND_MSG, "no such process");
        return VML_ENOENT;
    }
    b->replay_pid = pid;
    b->replay_records = 0;
    return 0;
}

static int send_accesses(struct linb *b, size_t n, struct vml_sim_access *res, char *msg)
{
    struct agent *a = agent_of(b, b->replay_pid);
    struct agent_req q = { .op = AG_ACCESS, .len = n };
    struct agent_rep p;
    int r = call_data(a, &q, b->access_buf, n * sizeof(uint64_t), &p, NULL, msg);
    if (r == 0 && p.status == AG_DEATH) {
        res->killed = true;
        res->si_code = a->death.si_code;
        res->addr = a->death.addr;
    }
    return r;
}

static int lb_replay_feed(void *ctx, const struct vml_trace_rec *recs, size_t n, size_t *done,
                          struct vml_sim_access *res, char *msg)
{
    struct linb *b = ctx;
    size_t k = 0, i = 0, sent = 0;
    *done = 0;
    for (; i < n && !res->killed; i++) {
        const struct vml_trace_rec *t = &recs[i];
        if (t->kind == VML_EXEC) {
            snprintf(msg, VML_BACKEND_MSG,
                     "record %llu is an instruction fetch, which the linux backend cannot make "
                     "(it cannot execute the mapping's data); replay reads and writes only",
                     (unsigned long long)(b->replay_records + i + 1));
            return VML_EINVAL;
        }
        uint64_t store = t->kind == VML_WRITE ? AG_STORE : 0;
        uint64_t last = t->addr + (t->size ? t->size - 1u : 0u);
        if (k + 2 > AG_ACCESS_MAX) {
            int r = send_accesses(b, k, res, msg);
            if (r)
                return r;
            sent = i;
            k = 0;
        }
        b->access_buf[k++] = t->addr | store;
        if (last >> 12 != t->addr >> 12 && last > t->addr)
            b->access_buf[k++] = last | store; /* the second page of a spanning access */
    }
    if (k && !res->killed) {
        int r = send_accesses(b, k, res, msg);
        if (r)
            return r;
        sent = i;
    }
    *done = res->killed ? sent : n;
    b->replay_records += *done;
    res->accesses = b->replay_records;
    return 0;
}

static int lb_replay_end(void *ctx, struct vml_text *report)
{
    struct linb *b = ctx;
    text_printf(report, "  (the real kernel has no TLB counters to report: %llu records made)\n",
                (unsigned long long)b->replay_records);
    b->replay_pid = 0;
    return report->oom ? VML_EHOST : 0;
}

/* ---- files -------------------------------------------------------------------------------------
 */

/* Creates the directories of a relative name under the private directory. */
static int make_parents(struct linb *b, const char *name, char *msg)
{
    char path[256];
    for (const char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
        snprintf(path, sizeof(path), "%s/%.*s", b->dir, (int)(s - name), name);
        if (mkdir(path, 0700) != 0) {
            if (errno == EEXIST)
                continue;
            return sys_error(errno, msg);
        }
        if (util_grow((void **)&b->dirs, &b->cap_dirs, b->n_dirs, sizeof(*b->dirs)))
            return VML_EHOST;
        snprintf(b->dirs[b->n_dirs++], sizeof(*b->dirs), "%s", path);
    }
    return 0;
}

static struct hfile *new_file(struct linb *b, int *id)
{
    if (util_grow((void **)&b->files, &b->cap_files, b->n_files, sizeof(*b->files)))
        return NULL;
    *id = (int)b->n_files;
    struct hfile *f = &b->files[b->n_files++];
    memset(f, 0, sizeof(*f));
    f->fd = -1;
    f->live = true;
    return f;
}

static int lb_file_create(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    struct linb *b = ctx;
    int r = make_parents(b, name, msg);
    if (r)
        return r;
    struct hfile *f = new_file(b, file);
    if (!f)
        return VML_EHOST;
    snprintf(f->path, sizeof(f->path), "%s/%s", b->dir, name);
    /* Sparse: nothing of it is in the page cache, as a file the simulator creates. */
    int fd = open(f->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        b->n_files--;
        return sys_error(e, msg);
    }
    close(fd);
    f->size = size;
    return 0;
}

static int lb_file_delete(void *ctx, int file, char *msg)
{
    struct linb *b = ctx;
    struct hfile *f = &b->files[file];
    if (unlink(f->path) != 0)
        return sys_error(errno, msg);
    f->live = false;
    return 0;
}

static int lb_memfd_get(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    struct linb *b = ctx;
    struct hfile *f;
    if (*file < 0) {
        if (!(f = new_file(b, file)))
            return VML_EHOST;
        f->fd = memfd_create(name, MFD_CLOEXEC);
        if (f->fd < 0) {
            b->n_files--;
            return sys_error(errno, msg);
        }
        snprintf(f->path, sizeof(f->path), "/proc/%d/fd/%d", (int)getpid(), f->fd);
    }
    f = &b->files[*file];
    if (size > f->size) {
        if (ftruncate(f->fd, (off_t)size) != 0)
            return sys_error(errno, msg);
        f->size = size;
    }
    return 0;
}

static uint64_t lb_file_size(void *ctx, int file)
{
    struct linb *b = ctx;
    struct stat st;
    if (file < 0 || (size_t)file >= b->n_files || stat(b->files[file].path, &st) != 0)
        return 0;
    return (uint64_t)st.st_size;
}

static int lb_file_io(void *ctx, int pid, int file, uint64_t off, uint64_t len, uint64_t chunk,
                      bool write, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = {
        .op = write ? AG_WRITE : AG_READ, .off = off, .len = len, .stride = chunk
    };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_fsync(void *ctx, int pid, int file, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_FSYNC };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_fdatasync(void *ctx, int pid, int file, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_FDATASYNC };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_truncate(void *ctx, int pid, int file, uint64_t size, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_TRUNCATE, .len = size };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_fallocate(void *ctx, int pid, int file, uint64_t off, uint64_t len, unsigned mode,
                        char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_FALLOCATE, .off = off, .len = len, .flags = mode };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_fadvise(void *ctx, int pid, int file, uint64_t off, uint64_t len, char *msg)
{
    struct linb *b = ctx;
    struct agent_req q = { .op = AG_FADVISE, .off = off, .len = len };
    snprintf(q.path, sizeof(q.path), "%s", b->files[file].path);
    return simple(b, pid, &q, msg);
}

static int lb_msync(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    struct agent_req q = { .op = AG_MSYNC, .addr = addr, .len = len };
    return simple(ctx, pid, &q, msg);
}

/* set: the file is written as root writes it, after its old value is journalled for
 * lb_destroy (and the signal handlers) to put back. */
static int lb_set(void *ctx, const char *path, const char *value, struct vml_text *notes, char *msg)
{
    (void)ctx;
    /* The scenario's cgroups: files of the run's own groups, which go with them at the end
     * (nothing to journal), translated on a v1 machine (host/cgroups.c). */
    if (strncmp(path, VML_CGROUP_DIR, strlen(VML_CGROUP_DIR)) == 0)
        return cgroups_set(path, value, notes, msg);
    /* drop_caches is an action on a write-only file: nothing to journal or put back. */
    if (strcmp(path, VML_VM_SYSCTL_DIR "drop_caches") == 0) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
        if (fd < 0 || write(fd, value, strlen(value)) < 0)
            e = errno;
        if (fd >= 0)
            close(fd);
        if (e) {
            snprintf(msg, VML_BACKEND_MSG, "cannot write %.120s: %s%s", path, strerror(e),
                     e == EACCES || e == EPERM ? " (run as root)" : "");
            return VML_EINVAL;
        }
        text_printf(notes, "linux: %s written: %s (every file's clean cache on this machine)\n",
                    path, value);
        return text_status(notes);
    }
    if (strcmp(path, VML_VM_SYSCTL_DIR "panic_on_oom") == 0 && strtol(value, NULL, 10) != 0) {
        snprintf(msg, VML_BACKEND_MSG,
                 "writing %s to %s is refused on the Linux backend: an OOM would panic this "
                 "machine; run the scenario on the simulator (vmlab run without --on linux) to see "
                 "the panic",
                 value, path);
        return VML_EINVAL;
    }
    char was[SETTING_VALUE_MAX] = "";
    bool changed = false;
    int e = host_setting_write(path, value, was, &changed);
    if (e) {
        snprintf(msg, VML_BACKEND_MSG, "cannot write %.120s: %s%s", path, strerror(e),
                 e == EACCES || e == EPERM ? " (run as root)"
                 : e == ENOENT             ? " (this kernel has no such file)"
                                           : "");
        return e == ENOENT ? VML_ENOENT : VML_EINVAL;
    }
    if (changed)
        text_printf(notes, "linux: %s was %s, now %s (put back when the run ends)\n", path, was,
                    value);
    /* A v1 cgroup keeps the swappiness it was created with: it follows vm.swappiness here. */
    if (strcmp(path, "/proc/sys/vm/swappiness") == 0 &&
        (e = memcg_swappiness((unsigned)strtoul(value, NULL, 10), msg)) != 0)
        return VML_EINVAL;
    return text_status(notes);
}

/* cgroup PATH, P cgroup PATH, show cgroup: the run's cgroups under its own parent cgroup
 * (host/cgroups.h says where, and how a v1 machine shows v2's files). */
static int lb_cgroup_create(void *ctx, const char *path, char *msg)
{
    (void)ctx;
    return cgroups_create(path, msg);
}

static int lb_cgroup_attach(void *ctx, int pid, const char *path, char *msg)
{
    struct agent *a = agent_of(ctx, pid);
    if (!a || !a->alive) {
        snprintf(msg, VML_BACKEND_MSG, "no such process");
        return VML_ENOENT;
    }
    return cgroups_attach(pid, path, msg);
}

static int lb_cgroup_text(void *ctx, const char *path, const char *file, bool v1,
                          struct vml_text *out, char *msg)
{
    struct linb *b = ctx;
    /* expect reads the file, then asks why_unchecked about the field alone: the file is this. */
    snprintf(b->cgfile, sizeof(b->cgfile), "%s", file);
    return cgroups_text(path, file, v1, out, msg);
}

/* swapon NAME SIZE [prio=N] and swapoff NAME: temporary swap files (host/pressure.c). */
static int lb_swapon(void *ctx, const char *name, uint64_t size, int prio, bool partition,
                     char *msg)
{
    (void)ctx;
    /* The agent makes swap files only: a partition (SWP_BLKDEV, where large folios can be
     * swapped whole) needs a spare block device, which vmlab does not take from the machine. */
    if (partition) {
        snprintf(msg, VML_BACKEND_MSG,
                 "swapon %s partition: the linux backend makes swap files only (a swap partition "
                 "needs a spare block device); run this scenario on the simulator",
                 name);
        return VML_ENOTSUP;
    }
    int e = swap_add(name, size, prio, msg);
    return e == 0 ? 0 : e == ENOMEM ? VML_ENOMEM : VML_EINVAL;
}

static int lb_swapoff(void *ctx, const char *name, char *msg)
{
    (void)ctx;
    int e = swap_remove(name, msg);
    return e == 0 ? 0 : e == ENOMEM ? VML_ENOMEM : VML_EINVAL;
}

static int lb_thp_text(void *ctx, struct vml_text *out, char *msg)
{
    (void)ctx;
    return host_thp_text(out, msg);
}

/* show vm: the readable files of /proc/sys/vm/ that vmlab knows, as grep -r prints them. */
static int lb_vm_text(void *ctx, struct vml_text *out, char *msg)
{
    (void)ctx;
    for (size_t i = 0; i < VML_VM_NR_FILES; i++) {
        if (!vml_vm_readable(i))
            continue;
        char path[SETTING_PATH_MAX], buf[SETTING_VALUE_MAX];
        snprintf(path, sizeof(path), "%s%s", VML_VM_SYSCTL_DIR, vml_vm_file(i));
        int e = host_setting_read(path, buf, sizeof(buf));
        if (e == ENOENT)
            continue;
        if (e) {
            snprintf(msg, VML_BACKEND_MSG, "cannot read %s: %s", path, strerror(e));
            return VML_EINVAL;
        }
        text_printf(out, "%s:%s\n", vml_vm_file(i), buf);
    }
    return text_status(out);
}

/* wait: the scenario's processes sit still while the kernel's own threads (khugepaged ...) work.
 * A real sleep: nanosleep, resumed for what remains when a signal interrupts it. The executor's
 * wait of 0 after each operation has nothing to do here: the kernel's work runs by itself. */
static int lb_wait(void *ctx, uint64_t ns, char *msg)
{
    (void)ctx;
    struct timespec left = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    while (ns && nanosleep(&left, &left) != 0) {
        if (errno != EINTR) {
            snprintf(msg, VML_BACKEND_MSG, "nanosleep: %s", strerror(errno));
            return VML_EINVAL;
        }
    }
    return 0;
}

static int lb_thp_disable(void *ctx, int pid, bool on, char *msg)
{
    struct agent_req q = { .op = AG_THP_DISABLE, .addr = on };
    return simple(ctx, pid, &q, msg);
}

/* The agent's /proc/PID/oom_score_adj, written from here as an administrator would (root
 * may lower it: CAP_SYS_RESOURCE). */
static int lb_oom_score_adj(void *ctx, int pid, int adj, char *msg)
{
    struct agent *a = agent_of(ctx, pid);
    if (!a || !a->alive)
        return VML_ENOENT;
    char path[64], val[16];
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
    snprintf(val, sizeof(val), "%d", adj);
    int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;
    if (fd < 0 || write(fd, val, strlen(val)) < 0)
        e = errno;
    if (fd >= 0)
        close(fd);
    if (e) {
        snprintf(msg, VML_BACKEND_MSG, "cannot write %s to %s: %s%s", val, path, strerror(e),
                 e == EACCES || e == EPERM
                     ? " (lowering it needs CAP_SYS_RESOURCE, which this process lacks: root in a "
                       "container may not have it)"
                     : "");
        return VML_EINVAL;
    }
    return 0;
}

static int lb_cpu_run(void *ctx, unsigned cpu, int pid, char *msg)
{
    /* CPUs the machine lacks are not applied (start() said so for cpus=). */
    long have = sysconf(_SC_NPROCESSORS_ONLN);
    if (have > 0 && cpu >= (unsigned long)have)
        return 0;
    struct agent_req q = { .op = AG_CPU, .addr = cpu };
    return simple(ctx, pid, &q, msg);
}

/* ---- /proc --------------------------------------------------------------------------------------
 */

static int read_file(const char *path, struct vml_text *out, char *msg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sys_error(errno, msg);
    char buf[8192];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        text_append(out, buf, (size_t)n);
    int e = errno;
    close(fd);
    if (n < 0)
        return sys_error(e, msg);
    return text_status(out);
}

/* Keeps the VMAs of maps, smaps or numa_maps text that overlap [start, end): a VMA is a line
 * (maps, numa_maps) or a header line and the lines up to the next header (smaps). */
static int filter_vmas(const char *text, size_t len, enum vml_procfile f, uint64_t start,
                       uint64_t end, struct vml_text *out)
{
    bool keep = false;
    for (const char *line = text; line < text + len;) {
        const char *nl = memchr(line, '\n', (size_t)(text + len - line));
        const char *stop = nl ? nl + 1 : text + len;
        char *rest;
        unsigned long long lo = strtoull(line, &rest, 16), hi = lo;
        bool header =
            rest != line && (*rest == '-' || (f == VML_PROCFILE_NUMA_MAPS && *rest == ' '));
        if (header) {
            if (*rest == '-')
                hi = strtoull(rest + 1, NULL, 16);
            else
                hi = lo + 1; /* numa_maps gives only the start */
            keep = lo < end && hi > start;
        }
        if (keep)
            text_append(out, line, (size_t)(stop - line));
        line = stop;
    }
    return text_status(out);
}

/* show dmesg: the kernel's records since the run began (/dev/kmsg, opened at the start and
 * read on from its end), as dmesg prints them: "[seconds.micros] text". Each record is
 * "prio,seq,usec,flags;text" with continuation lines (" KEY=value") after it, left out. */
static int kernel_log(void *ctx, struct vml_text *out, char *msg)
{
    struct linb *b = ctx;
    if (b->kmsg < 0) {
        snprintf(msg, VML_BACKEND_MSG, "cannot read the kernel log (/dev/kmsg): %s%s",
                 strerror(b->kmsg_err),
                 b->kmsg_err == EPERM || b->kmsg_err == EACCES ? " (run as root)" : "");
        return VML_EINVAL;
    }
    char rec[8192];
    for (;;) {
        ssize_t n = read(b->kmsg, rec, sizeof(rec) - 1);
        if (n < 0 && errno == EPIPE)
            continue; /* records were overwritten before they were read: go on */
        if (n <= 0)
            break;
        rec[n] = 0;
        unsigned long long usec = 0;
        char *semi = strchr(rec, ';');
        if (!semi || sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
            continue;
        size_t len = strcspn(semi + 1, "\n");
        text_printf(&b->log, "[%5llu.%06llu] %.*s\n", usec / 1000000, usec % 1000000, (int)len,
                    semi + 1);
    }
    if (b->log.len)
        text_append(out, b->log.s, b->log.len);
    return text_status(out) ? text_status(out) : text_status(&b->log);
}

/* show memory_tiering: the kernel's memory_tierN/nodelist files in order of N, then
 * demotion_enabled, as "PATH:VALUE" lines (grep -r's form, the simulator's too). A kernel
 * without them (before 6.1, or no CONFIG_NUMA) prints nothing for them. */
static int memory_tiering_text(struct vml_text *out, char *msg)
{
    char path[128];
    for (unsigned id = 0; id < 4096; id++) {
        snprintf(path, sizeof(path), VML_MEMTIER_DIR "memory_tier%u/nodelist", id);
        if (access(path, R_OK) != 0)
            continue;
        struct vml_text v = { 0 };
        int r = read_file(path, &v, msg);
        if (r == 0)
            text_printf(out, "%s:%.*s", path, (int)v.len, v.s ? v.s : "");
        vml_text_free(&v);
        if (r)
            return r;
    }
    snprintf(path, sizeof(path), VML_NUMA_SYSFS_DIR "demotion_enabled");
    if (access(path, R_OK) == 0) {
        struct vml_text v = { 0 };
        int r = read_file(path, &v, msg);
        if (r == 0)
            text_printf(out, "%s:%.*s", path, (int)v.len, v.s ? v.s : "");
        vml_text_free(&v);
        if (r)
            return r;
    }
    return text_status(out);
}

static int lb_proc_text(void *ctx, int pid, enum vml_procfile f, uint64_t start, uint64_t end,
                        struct vml_text *out, char *msg)
{
    if (f == VML_PROCFILE_MEMORY_TIERING)
        return memory_tiering_text(out, msg);
    char path[64];
    if (f == VML_PROCFILE_FAULTS) {
        /* vmlab's own file: the counts are the agent's (getrusage around each operation); the
         * latency is the simulator's model, which no kernel file holds. */
        struct agent *a = agent_of(ctx, pid);
        if (!a || !a->alive)
            return VML_ENOENT;
        struct vml_fault_record r = a->lat;
        r.faults = a->minflt + a->majflt;
        r.major = a->majflt;
        r.note = "measured: the faults of touch and replay accesses, each timed; faults of "
                 "other operations (populate, mlock, read) are counted, not timed";
        return vml_proc_format_faults(&r, out);
    }
    if (f == VML_PROCFILE_LATENCY) {
        snprintf(msg, VML_BACKEND_MSG,
                 "latency is the simulator's model of every access; the linux backend times only "
                 "the accesses that fault (show P faults)");
        return VML_EINVAL;
    }
    if (f == VML_PROCFILE_DMESG)
        return kernel_log(ctx, out, msg);
    if (f == VML_PROCFILE_NUMASTAT || f == VML_PROCFILE_NUMA) {
        snprintf(msg, VML_BACKEND_MSG,
                 "%s is a command's table (numastat, numactl --hardware), not read on the linux "
                 "backend; show nodeN numastat or nodeN distance reads the kernel's files",
                 vml_procfile_name(f));
        return VML_EINVAL;
    }
    if (pid)
        snprintf(path, sizeof(path), "/proc/%d/%s", pid, vml_procfile_name(f));
    else
        snprintf(path, sizeof(path), "/proc/%s", vml_procfile_name(f));
    bool filter = (start || end) && (f == VML_PROCFILE_MAPS || f == VML_PROCFILE_SMAPS ||
                                     f == VML_PROCFILE_NUMA_MAPS);
    if (!filter)
        return read_file(path, out, msg);
    struct vml_text all = { 0 };
    int r = read_file(path, &all, msg);
    if (r == 0 && all.len)
        r = filter_vmas(all.s, all.len, f, start, end, out);
    vml_text_free(&all);
    return r;
}

/* The NUMA nodes this machine has (the node<N> directories of /sys/devices/system/node). */
static unsigned host_nodes(void)
{
    unsigned n = 0;
    char path[64];
    for (unsigned i = 0; i < 1024; i++) {
        snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", i);
        if (access(path, F_OK) == 0)
            n = i + 1;
    }
    return n ? n : 1;
}

/* /sys/devices/system/node/nodeN/FILE, as the kernel has it. */
static int lb_node_text(void *ctx, unsigned node, unsigned file, struct vml_text *out, char *msg)
{
    (void)ctx;
    char path[96];
    snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/%s", node,
             vml_node_file_name((enum vml_node_file)file));
    if (access(path, R_OK) != 0) {
        snprintf(msg, VML_BACKEND_MSG, "this machine has no node %u (it has %u NUMA node%s)", node,
                 host_nodes(), host_nodes() == 1 ? "" : "s");
        return VML_EINVAL;
    }
    return read_file(path, out, msg);
}

/* Whether an agent the backend thinks alive has died meanwhile (the OOM killer may take any of
 * them while another works): vmlab's own children by waitpid, forked agents by /proc. */
static void poll_agent(struct agent *a)
{
    int st = 0;
    pid_t w = waitpid(a->pid, &st, WNOHANG);
    bool dead = w == a->pid;
    if (w < 0 && errno == ECHILD) {
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%d/stat", a->pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        buf[n] = 0;
        const char *rp = strrchr(buf, ')');
        dead = !f || !rp || rp[1] != ' ' || rp[2] == 'Z' || rp[2] == 'X';
    }
    if (!dead)
        return;
    close(a->sock);
    a->sock = -1;
    a->alive = false;
    silent_death(a, w == a->pid, st);
}

/* Looks at every agent; while the kernel has counted more OOM kills than agents were found
 * dead by them, a victim is still on its way out (__oom_kill_process counts the kill and sends
 * SIGKILL; the victim exits when it next runs, after its memory may already have been reaped
 * and the process that ran out has gone on), so wait for it, up to 2 s: a state read meanwhile
 * would call it alive (seen: fidelity 147, once in 5 runs). A kill still unexplained then was
 * another program's: it is taken as accounted for, and not waited for again. */
static void poll_agents(struct linb *b)
{
    uint64_t now = 0;
    for (int tries = 0; tries < 200; tries++) {
        for (size_t i = 0; i < b->n_agents; i++)
            if (b->agents[i].alive)
                poll_agent(&b->agents[i]);
        if ((now = oom_kill_count()) <= b->oom_kills)
            return;
        struct timespec ms = { 0, 10000000 };
        nanosleep(&ms, NULL);
    }
    b->oom_kills = now;
}

static uint64_t lb_kills(void *ctx)
{
    struct linb *b = ctx;
    poll_agents(b);
    return b->kills;
}

static int lb_status_of(void *ctx, int pid, struct vml_sim_death *death)
{
    struct agent *a = agent_of(ctx, pid);
    if (a && a->alive)
        poll_agents(ctx);
    if (a && a->alive)
        poll_agent(a);
    if (a && a->alive)
        return 0;
    if (death)
        *death = a ? a->death : (struct vml_sim_death){ 0 };
    return VML_ENOENT;
}

static struct vml_sim *lb_sim(void *ctx)
{
    (void)ctx;
    return NULL;
}

static int lb_faults(void *ctx, int pid, uint64_t *minor, uint64_t *major)
{
    struct agent *a = agent_of(ctx, pid);
    if (!a || !a->alive)
        return VML_ENOENT;
    *minor = a->minflt;
    *major = a->majflt;
    return 0;
}

/* Settles the kernel's memory counters before they are read:
 *   - move_pages(2) with a node list runs do_pages_move, which begins with lru_cache_disable():
 *     every CPU's batches of pages waiting to join an LRU list, and of pages waiting to be
 *     mlocked or munlocked, are drained (__lru_add_drain_all), so Unevictable and the LRU
 *     lines count every page; with no pages it moves nothing;
 *   - writing /proc/sys/vm/stat_refresh folds every CPU's counter differences into the global
 *     counters (vmstat_refresh), which otherwise lag by up to the stat threshold per CPU.
 * Then meminfo is read into a buffer on the stack: an allocation could change AnonPages. */
static int lb_meminfo(void *ctx, struct vml_meminfo *m, char *msg)
{
    (void)ctx;
    void *pages[1] = { NULL };
    int nodes[1] = { 0 }, status[1];
    if (syscall(SYS_move_pages, 0, 0ul, pages, nodes, status, 0) != 0) {
        snprintf(msg, VML_BACKEND_MSG,
                 "cannot drain the kernel's per-CPU page batches (move_pages: %s)",
                 strerror(errno));
        return VML_EINVAL;
    }
    int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || (write(fd, "1\n", 2) < 0 && errno != EINVAL)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        snprintf(msg, VML_BACKEND_MSG,
                 "cannot fold the kernel's per-CPU counters (/proc/sys/vm/stat_refresh: %s%s)",
                 strerror(e), e == EACCES || e == EPERM ? "; run as root" : "");
        return VML_EINVAL;
    }
    close(fd);
    char buf[8192];
    fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));
    if (fd >= 0)
        close(fd);
    if (n <= 0 || (size_t)n >= sizeof(buf)) {
        snprintf(msg, VML_BACKEND_MSG, "cannot read /proc/meminfo");
        return VML_EINVAL;
    }
    return vml_proc_parse_meminfo(buf, (size_t)n, m, NULL) == 0 ? 0 : VML_EINVAL;
}

static const char *lb_pte_why_not(void *ctx, int pid)
{
    struct agent *a = agent_of(ctx, pid);
    if (!a)
        return "no such process";
    struct linb *b = ctx;
    if (b->pt_why[0])
        return b->pt_why;
    if (!(a->setup & AG_SETUP_ARENA))
        return a->why[0] ? a->why : "its mappings share page tables with the runtime's memory";
    if (a->used_brk && !(a->setup & AG_SETUP_BRK))
        return "the real heap shares page tables with the runtime's own heap (it could not be "
               "moved: run as root)";
    return NULL;
}

static int lb_own_text(void *ctx, int pid, enum vml_procfile f, struct vml_text *out)
{
    struct agent *a = agent_of(ctx, pid);
    for (size_t i = 0; a && i < N_OWN; i++)
        if (own_files[i] == f && a->own[i].len) {
            text_append(out, a->own[i].s, a->own[i].len);
            return text_status(out);
        }
    return VML_ENOENT;
}

/* Whether the run owns the hugetlb pools meminfo's HugePages_* (the default, 2 MiB size) and
 * Hugetlb (every size) lines count: it sized them (hugepages=), and a pool it did not size
 * holds nothing. */
static bool owns_pools(struct linb *b, const char *field)
{
    if (b->pool_was[VML_HUGE_2M] < 0)
        return false;
    if (strncmp(field, "HugePages_", 10) == 0)
        return true;
    long long n = 0;
    return strcmp(field, "Hugetlb") == 0 &&
           (b->pool_was[VML_HUGE_1G] >= 0 || !pool_read(VML_HUGE_1G, &n) || n == 0);
}

static const char *lb_why_unchecked(void *ctx, int pid, enum vml_procfile f, const char *field)
{
    struct linb *b = ctx;
    switch (f) {
    case VML_PROCFILE_MEMINFO:
        if (owns_pools(b, field))
            return NULL;
        return "meminfo counts the whole machine, whose other processes, caches and vmlab's "
               "own agents move it (vmlab diff compares each operation's change of it)";
    case VML_PROCFILE_VMSTAT:
        return "vmstat counts the whole machine's events and pages, every process's (vmlab "
               "diff compares each operation's page faults)";
    case VML_PROCFILE_BUDDYINFO:
    case VML_PROCFILE_ZONEINFO:
    case VML_PROCFILE_NUMASTAT: return "it counts the whole machine's memory";
    case VML_PROCFILE_SWAPS: return "it lists the whole machine's swap areas";
    case VML_PROCFILE_CGROUP:
    case VML_PROCFILE_CGROUP1: {
        /* The executor passes the field alone ("" for a one-value file) right after reading
         * the file with cgroup_text: the file is the one read last. A field written
         * "FILE:KEY" or "FILE KEY" names its file itself. */
        char file[VML_SCN_FIELD_MAX];
        size_t k = strcspn(field, ": ");
        snprintf(file, sizeof(file), "%.*s", (int)k, field);
        const char *key = field[k] ? field + k + 1 : "";
        if (strncmp(file, "memory.", 7) != 0 && strncmp(file, "cgroup.", 7) != 0) {
            snprintf(file, sizeof(file), "%s", b->cgfile);
            key = field;
        }
        return cgroups_why_unchecked(file, key);
    }
    case VML_PROCFILE_STATUS:
        if (strcmp(field, "VmPeak") == 0 || strcmp(field, "VmHWM") == 0)
            return "a high-water mark: it remembers the agent's own memory before the scenario";
        if (strcmp(field, "VmPTE") == 0)
            return lb_pte_why_not(ctx, pid);
        return NULL;
    default: return NULL;
    }
}

int vml_backend_linux(struct vml_backend *out)
{
    struct linb *b = calloc(1, sizeof(*b));
    if (!b)
        return VML_EHOST;
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++)
        b->pool_was[i] = -1;
    b->kmsg = -1;
    b->kmsg_err = ENOENT;
    *out = (struct vml_backend){
        .name = "linux",
        .ctx = b,
        .start = lb_start,
        .destroy = lb_destroy,
        .spawn = lb_spawn,
        .fork = lb_fork,
        .exit = lb_exit,
        .mmap = lb_mmap,
        .munmap = lb_munmap,
        .mprotect = lb_mprotect,
        .madvise = lb_madvise,
        .mlock = lb_mlock,
        .brk = lb_brk,
        .touch = lb_touch,
        .replay_begin = lb_replay_begin,
        .replay_feed = lb_replay_feed,
        .replay_end = lb_replay_end,
        .file_create = lb_file_create,
        .file_delete = lb_file_delete,
        .memfd_get = lb_memfd_get,
        .file_size = lb_file_size,
        .file_io = lb_file_io,
        .fsync = lb_fsync,
        .msync = lb_msync,
        .fdatasync = lb_fdatasync,
        .fadvise_dontneed = lb_fadvise,
        .fallocate = lb_fallocate,
        .truncate = lb_truncate,
        .cpu_run = lb_cpu_run,
        .set = lb_set,
        .thp_text = lb_thp_text,
        .vm_text = lb_vm_text,
        .wait = lb_wait,
        .thp_disable = lb_thp_disable,
        .kills = lb_kills,
        .oom_score_adj = lb_oom_score_adj,
        .cgroup_create = lb_cgroup_create,
        .cgroup_attach = lb_cgroup_attach,
        .cgroup_text = lb_cgroup_text,
        .node_text = lb_node_text,
        .spawn_numa = lb_spawn_numa,
        .set_mempolicy = lb_set_mempolicy,
        .mbind = lb_mbind,
        .mbind_move = lb_mbind_move,
        .move_pages = lb_move_pages,
        .migrate_pages = lb_migrate_pages,
        .set_affinity = lb_set_affinity,
        .swapon = lb_swapon,
        .swapoff = lb_swapoff,
        .proc_text = lb_proc_text,
        .status_of = lb_status_of,
        .check = NULL,
        .sim = lb_sim,
        .faults = lb_faults,
        .meminfo = lb_meminfo,
        .pte_why_not = lb_pte_why_not,
        .own_text = lb_own_text,
        .why_unchecked = lb_why_unchecked,
    };
    return 0;
}
