/* host/agent.c: an agent process: performs the system calls and memory accesses vmlab asks for
 * in its own address space, so that its /proc files show what the scenario did.
 *
 * An agent is measured: vmlab compares its status fields' changes, its page faults per request
 * and the machine's meminfo around each request with the simulator's. So nothing the agent does
 * for itself may show up while it serves a request:
 *   - the loop allocates nothing: requests and replies live on the stack, file I/O goes through
 *     one static buffer;
 *   - before its baseline is read, the agent makes its own memory resident and writable: the
 *     program's and libraries' pages mapped (a fork does not copy page tables of file mappings,
 *     so a child would fault its code in while serving), every present page of its writable
 *     private memory written (a fork leaves them copy-on-write), some stack below the frame it
 *     serves from;
 *   - the scenario's memory goes where the simulator puts it, shifted far from the agent's own
 *     (agent.h), so the page tables it needs are its own: the gaps between AG_ARENA_TOP and the
 *     stack are plugged, and the heap is moved;
 *   - page faults are counted around the operation itself (getrusage), not around the request.
 * A touch that faults dies by the signal as the scenario's process would, after the handler has
 * reported the signal's code and address.
 */
#define _GNU_SOURCE /* MAP_FIXED_NOREPLACE, sched_setaffinity, SCM_RIGHTS, PR_SET_MM */

#include "host/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096ull

static int agent_sock = -1;
static unsigned char io_buf[1 << 16];

/* The byte every store of a scenario's access writes, and what a write(2) writes. It must not be
 * 0: Linux 6.18 swaps out an all-zero anonymous folio without I/O (swap_writeout ->
 * is_folio_zero_filled: the slot's zeromap bit, swpout_zero) and swaps it in without I/O
 * (swap_read_folio_zeromap, swpin_zero), so a page the scenario wrote must hold data, as the
 * simulator assumes of a written page (docs/pressure.md). Any non-zero value would do; a fixed
 * one keeps runs alike. */
#define AG_FILL 0x5a
static uint64_t access_buf[AG_ACCESS_MAX];
/* move_pages' arrays (do_move_pages); prefault_own makes them resident, so that the call
 * faults nothing of the agent's own. */
static void *mp_pages[AG_ACCESS_MAX];
static int mp_nodes[AG_ACCESS_MAX];
static int32_t mp_status[AG_ACCESS_MAX];

/* The agent's own memory as it was when it started (before any scenario mapping). */
struct own_vma {
    uint64_t start, end;
    bool read, write, shared, file, stack;
};
#define OWN_MAX 1024
static struct own_vma own[OWN_MAX];
static size_t n_own;
static char maps_buf[256 << 10];

static void why(struct agent_rep *p, const char *msg)
{
    if (!p->why[0])
        snprintf(p->why, sizeof(p->why), "%s", msg);
}

/* Reads /proc/self/maps into own[]. */
static bool record_own(struct agent_rep *hello)
{
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    size_t len = 0;
    ssize_t n = 0;
    while (fd >= 0 && len < sizeof(maps_buf) - 1 &&
           (n = read(fd, maps_buf + len, sizeof(maps_buf) - 1 - len)) > 0)
        len += (size_t)n;
    if (fd >= 0)
        close(fd);
    if (fd < 0 || n < 0 || len >= sizeof(maps_buf) - 1) {
        why(hello, "cannot read its own /proc/self/maps");
        return false;
    }
    maps_buf[len] = 0;
    n_own = 0;
    for (char *line = maps_buf; *line && n_own < OWN_MAX;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        char *rest;
        struct own_vma *v = &own[n_own];
        v->start = strtoull(line, &rest, 16);
        v->end = *rest == '-' ? strtoull(rest + 1, &rest, 16) : 0;
        if (v->end > v->start && rest[0] == ' ' && strlen(rest) >= 5) {
            v->read = rest[1] == 'r';
            v->write = rest[2] == 'w';
            v->shared = rest[4] == 's';
            /* The path, if any, is the sixth field; a file path starts with '/'. */
            const char *slash = strchr(rest, '/');
            v->file = slash != NULL;
            v->stack = strstr(rest, "[stack]") != NULL;
            n_own++;
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    return n_own < OWN_MAX;
}

/* The faults the process has taken, and a monotonic clock: what timing accesses uses (below). */
static uint64_t faults_now(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (uint64_t)(r.ru_minflt + r.ru_majflt);
}

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Makes the agent's own memory resident and privately writable now (see the file comment). */
static void prefault_own(void)
{
    static uint64_t pm[512];
    int pmfd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    for (size_t i = 0; i < n_own; i++) {
        const struct own_vma *v = &own[i];
        if (!v->read)
            continue;
        if (v->file)
            madvise((void *)(uintptr_t)v->start, v->end - v->start, MADV_POPULATE_READ);
        if (!v->write || v->shared || pmfd < 0)
            continue;
        for (uint64_t a = v->start; a < v->end; a += 512 * PAGE) {
            uint64_t n = (v->end - a) / PAGE;
            n = n > 512 ? 512 : n;
            if (pread(pmfd, pm, n * 8, (off_t)(a / PAGE * 8)) != (ssize_t)(n * 8))
                break;
            for (uint64_t k = 0; k < n; k++) {
                if (!(pm[k] >> 63))
                    continue;
                volatile unsigned char *b = (volatile unsigned char *)(uintptr_t)(a + k * PAGE);
                *b = *b;
            }
        }
    }
    if (pmfd >= 0)
        close(pmfd);
    volatile unsigned char stack[64 << 10];
    for (size_t i = 0; i < sizeof(stack); i += PAGE)
        stack[i] = 0;
    memset(io_buf, 0, sizeof(io_buf));
    memset(access_buf, 0, sizeof(access_buf));
    memset(mp_pages, 0, sizeof(mp_pages));
    memset(mp_nodes, 0, sizeof(mp_nodes));
    memset(mp_status, 0, sizeof(mp_status));
    /* The vDSO's pages, which timing accesses reads (clock_gettime): their first use faults
     * them in (fork does not copy their entries), which must not fall in a request. */
    (void)mono_ns();
    (void)faults_now();
}

/* Plugs every gap between AG_ARENA_TOP and the stack with an inaccessible mapping, so that
 * mmap's top-down search (which starts at mmap_base, above the runtime's libraries) finds its
 * first room just below AG_ARENA_TOP. The plugs are marked VM_DONTDUMP so that no scenario
 * mapping merges with them. */
static bool plug_arena(struct agent_rep *hello)
{
    uint64_t stack = 0;
    for (size_t i = 0; i < n_own; i++) {
        if (own[i].end > AG_ARENA_LOW && own[i].start < AG_ARENA_TOP) {
            why(hello, "the runtime's own memory lies in the arena");
            return false;
        }
        if (own[i].stack)
            stack = own[i].start;
    }
    if (stack < AG_ARENA_TOP + (4ull << 20)) {
        why(hello, "cannot find its stack");
        return false;
    }
    /* The stack may still grow a little; keep its guard gap (1 MiB) and more clear. */
    uint64_t top = stack - (2ull << 20), lo = AG_ARENA_TOP;
    for (size_t i = 0; i <= n_own && lo < top; i++) {
        uint64_t hi = i < n_own ? own[i].start : top;
        if (hi > top)
            hi = top;
        if (hi > lo) {
            void *p =
                mmap((void *)(uintptr_t)lo, hi - lo, PROT_NONE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == MAP_FAILED || madvise(p, hi - lo, MADV_DONTDUMP) != 0) {
                why(hello, "cannot reserve the space above the arena");
                return false;
            }
        }
        if (i < n_own && own[i].end > lo)
            lo = own[i].end;
    }
    return true;
}

/* Moves the heap to AG_START_BRK (prctl PR_SET_MM, which needs CAP_SYS_RESOURCE): brk first,
 * since the kernel requires start_brk <= brk (validate_prctl_map_addr). */
static bool move_brk(struct agent_rep *hello)
{
    if (prctl(PR_SET_MM, PR_SET_MM_BRK, AG_START_BRK, 0, 0) != 0 ||
        prctl(PR_SET_MM, PR_SET_MM_START_BRK, AG_START_BRK, 0, 0) != 0) {
        why(hello, errno == EPERM ? "cannot move its heap without CAP_SYS_RESOURCE (run as root)"
                                  : "cannot move its heap");
        return false;
    }
    return true;
}

/* Reports the fatal signal, then lets it take the process (the handler is reset first). */
static void on_fatal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    struct agent_rep rep;
    memset(&rep, 0, sizeof(rep));
    rep.status = AG_DEATH;
    rep.signo = sig;
    rep.fault_code = si->si_code;
    rep.fault_addr = (uint64_t)(uintptr_t)si->si_addr;
    send(agent_sock, &rep, sizeof(rep), MSG_NOSIGNAL);
    signal(sig, SIG_DFL);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fatal;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
}

/* Timing the accesses that fault: each access is timed (CLOCK_MONOTONIC, through the vDSO: no
 * system call), and one slow enough to have faulted is checked against the process's fault
 * count, which only a fault raises. A fault takes microseconds; an access that misses every
 * cache and the TLB, a few hundred ns at most; one that an interrupt or the scheduler made slow
 * leaves the count alone and is not taken for a fault. */
#define FAULT_MIN_NS 500
static uint64_t faults_seen;

static void timed_access(uint64_t addr, bool store, struct agent_rep *p)
{
    volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)addr;
    uint64_t t0 = mono_ns();
    if (store)
        *b = AG_FILL; /* a store only: one write fault, as the simulator's write access */
    else
        (void)*b;
    uint64_t ns = mono_ns() - t0;
    if (ns < FAULT_MIN_NS)
        return;
    uint64_t f = faults_now();
    if (f != faults_seen) {
        faults_seen = f;
        vml_fault_record_add(&p->lat, ns, addr & ~4095ull);
    }
}

static int do_touch(const struct agent_req *q, struct agent_rep *p)
{
    faults_seen = faults_now();
    for (uint64_t a = q->addr; a < q->addr + q->len; a += q->stride) {
        timed_access(a, q->access == 1, p);
        p->count++;
        if (a + q->stride < a)
            break;
    }
    return 0;
}

/* A replay's batch: the addresses arrive in the next packet, into the static buffer. */
static int recv_access(const struct agent_req *q)
{
    ssize_t n = recv(agent_sock, access_buf, sizeof(access_buf), 0);
    if (n < 0 || (uint64_t)n != q->len * sizeof(uint64_t)) {
        errno = EPROTO;
        return -1;
    }
    return 0;
}

static int do_access(const struct agent_req *q, struct agent_rep *p)
{
    faults_seen = faults_now();
    for (uint64_t i = 0; i < q->len; i++) {
        timed_access(access_buf[i] & ~AG_STORE, (access_buf[i] & AG_STORE) != 0, p);
        p->count++;
    }
    return 0;
}

/* read(2)s or write(2)s of q->stride bytes each (64 KiB when 0) over [q->off, q->off + q->len),
 * through one open file. A call longer than io_buf gives it as several iovecs (preadv,
 * pwritev: still one call, whose length the kernel sees whole: it sizes the folios a write
 * creates and the readahead of a read). */
static int do_io(const struct agent_req *q, bool write)
{
    int fd = open(q->path, write ? O_RDWR : O_RDONLY);
    if (fd < 0)
        return -1;
    /* Data, not zeros and not what a read left here (io_buf is resident and private: no fault). */
    if (write)
        memset(io_buf, AG_FILL, sizeof(io_buf));
    uint64_t chunk = q->stride ? q->stride : sizeof(io_buf);
    struct iovec iov[(2u << 20) / sizeof(io_buf) + 1];
    for (uint64_t off = q->off; off < q->off + q->len;) {
        uint64_t n = q->off + q->len - off;
        n = n > chunk ? chunk : n;
        int cnt = 0;
        for (uint64_t k = 0; k < n && cnt < (int)(sizeof(iov) / sizeof(iov[0])); cnt++) {
            uint64_t part = n - k > sizeof(io_buf) ? sizeof(io_buf) : n - k;
            iov[cnt] = (struct iovec){ .iov_base = io_buf, .iov_len = part };
            k += part;
        }
        ssize_t r = write ? pwritev(fd, iov, cnt, (off_t)off) : preadv(fd, iov, cnt, (off_t)off);
        if (r < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break; /* end of file */
        off += (uint64_t)r;
    }
    close(fd);
    return 0;
}

/* fsync(2) of a file (opened read-write as a program that wrote it would have it). */
static int do_fsync(const struct agent_req *q)
{
    int fd = open(q->path, O_RDWR);
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(q->path, O_RDONLY);
    if (fd < 0)
        return -1;
    int r = q->op == AG_FDATASYNC ? fdatasync(fd) : fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* posix_fadvise(POSIX_FADV_DONTNEED) on a file opened for it and closed again. */
static int do_fadvise(const struct agent_req *q)
{
    int fd = open(q->path, O_RDONLY);
    if (fd < 0)
        return -1;
    int e = posix_fadvise(fd, (off_t)q->off, (off_t)q->len, POSIX_FADV_DONTNEED);
    close(fd);
    errno = e;
    return e ? -1 : 0;
}

/* fallocate(2) on a file opened read-write for it and closed again; flags carries the mode (the
 * FALLOC_FL_* bits, which VML_SIM_FALLOC_* copy). */
static int do_fallocate(const struct agent_req *q)
{
    int fd = open(q->path, O_RDWR);
    if (fd < 0)
        return -1;
    int r = fallocate(fd, (int)q->flags, (off_t)q->off, (off_t)q->len);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

/* A program opens the file it maps read-write unless it means not to (the scenario has no way
 * to say so); mmap's prot decides the rest. Opening read-only would clear VM_MAYWRITE from a
 * shared mapping ("mw" in VmFlags), which the simulator, like such a program, keeps. */
static int open_for_mmap(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EROFS))
        fd = open(path, O_RDONLY | O_CLOEXEC);
    return fd;
}

static int do_mmap(const struct agent_req *q, struct agent_rep *p)
{
    int fd = -1;
    if (q->path[0] && (fd = open_for_mmap(q->path)) < 0)
        return -1;
    void *a =
        mmap((void *)(uintptr_t)q->addr, q->len, (int)q->prot, (int)q->flags, fd, (off_t)q->off);
    int e = errno;
    if (fd >= 0)
        close(fd);
    errno = e;
    if (a == MAP_FAILED)
        return -1;
    p->addr = (uint64_t)(uintptr_t)a;
    return 0;
}

/* brk(2) itself: the C library's sbrk caches a break that PR_SET_MM moved. */
static int do_brk(const struct agent_req *q, struct agent_rep *p)
{
    uint64_t old = (uint64_t)syscall(SYS_brk, 0);
    uint64_t want = old + (uint64_t)q->delta;
    uint64_t now = (uint64_t)syscall(SYS_brk, want);
    p->addr = now;
    if (now != want) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

/* A new agent for a forked copy of this one; the parent side is sent to vmlab. */
static int do_fork(const struct agent_req *q, struct agent_rep *p, int *pass_fd)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(agent_sock);
        close(sv[0]);
        prctl(PR_SET_NAME, q->name, 0, 0, 0);
        agent_main(sv[1], false);
    }
    close(sv[1]);
    p->child = pid;
    *pass_fd = sv[0];
    return 0;
}

static void reply(const struct agent_rep *p, int pass_fd)
{
    struct iovec iov = { (void *)p, sizeof(*p) };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr m;
    memset(&m, 0, sizeof(m));
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (pass_fd >= 0) {
        memset(&u, 0, sizeof(u));
        m.msg_control = u.buf;
        m.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    sendmsg(agent_sock, &m, MSG_NOSIGNAL);
    if (pass_fd >= 0)
        close(pass_fd);
}

/* One request's operation, between two readings of the process's fault counters. */
/* The nodemask as the system calls take it: maxnode is one more than the bits given, as
 * get_nodes (mm/mempolicy.c) reads maxnode - 1 bits; nodes past the kernel's MAX_NUMNODES
 * must be clear, which 64 bits are on every configuration (NODES_SHIFT up to 10). */
#define AG_MAXNODE (sizeof(unsigned long) * 8 + 1)

int agent_set_mempolicy(uint32_t mode, uint64_t nodes)
{
    unsigned long mask = (unsigned long)nodes;
    return (int)syscall(SYS_set_mempolicy, (int)mode, nodes ? &mask : NULL,
                        nodes ? AG_MAXNODE : 0ul);
}

int agent_mbind(uint64_t addr, uint64_t len, uint32_t mode, uint64_t nodes, unsigned mf)
{
    unsigned long mask = (unsigned long)nodes;
    /* mf 0: no MPOL_MF_MOVE, pages already there stay (as the simulator's mbind); never
     * MPOL_MF_STRICT, so pages that cannot move leave the call's result 0 (do_mbind). */
    return (int)syscall(SYS_mbind, (unsigned long)addr, (unsigned long)len, (unsigned long)mode,
                        nodes ? &mask : NULL, nodes ? AG_MAXNODE : 0ul, mf);
}

/* move_pages(2) on this process (pid 0: the allocations of the new pages are this CPU's, as
 * the simulator's are the process's), from the addresses recv_access took. */
static int do_move_pages(const struct agent_req *q, struct agent_rep *p)
{
    for (uint64_t i = 0; i < q->len; i++) {
        mp_pages[i] = (void *)(uintptr_t)(access_buf[i] & ~0xfffull);
        mp_nodes[i] = (int)(access_buf[i] & 0xfffull);
        mp_status[i] = AG_STATUS_UNSET;
    }
    long r = syscall(SYS_move_pages, 0, (unsigned long)q->len, mp_pages, q->prot ? mp_nodes : NULL,
                     mp_status, (int)q->flags);
    /* The call's result, -errno when it failed: the statuses of the batches before the one
     * that failed were stored (do_pages_move), so they are sent all the same. */
    p->count = (uint64_t)(int64_t)(r < 0 ? -errno : r);
    return 0;
}

static int do_migrate_pages(const struct agent_req *q, struct agent_rep *p)
{
    unsigned long from = (unsigned long)q->mask[0], to = (unsigned long)q->mask[1];
    long r = syscall(SYS_migrate_pages, 0, AG_MAXNODE, &from, &to);
    if (r < 0)
        return -1;
    p->count = (uint64_t)r;
    return 0;
}

int agent_affinity(const uint64_t *cpus)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c = 0; c < 256 && c < CPU_SETSIZE; c++)
        if (cpus[c / 64] >> (c % 64) & 1)
            CPU_SET(c, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

int agent_numa(const struct agent_numa *o)
{
    /* The CPUs first: numactl binds the CPUs, then sets the policy, both before exec. */
    if (o->has_cpus && agent_affinity(o->cpus) != 0)
        return -1;
    if (o->has_pol && agent_set_mempolicy(o->mode, o->nodes) != 0)
        return -1;
    return 0;
}

static int serve(const struct agent_req *q, struct agent_rep *p, int *pass_fd)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    int r = 0;
    switch (q->op) {
    case AG_MMAP: r = do_mmap(q, p); break;
    case AG_MUNMAP: r = munmap((void *)(uintptr_t)q->addr, q->len); break;
    case AG_MPROTECT: r = mprotect((void *)(uintptr_t)q->addr, q->len, (int)q->prot); break;
    case AG_MADVISE: r = madvise((void *)(uintptr_t)q->addr, q->len, (int)q->flags); break;
    case AG_MLOCK: r = mlock((void *)(uintptr_t)q->addr, q->len); break;
    case AG_MUNLOCK: r = munlock((void *)(uintptr_t)q->addr, q->len); break;
    case AG_BRK: r = do_brk(q, p); break;
    case AG_TOUCH: r = do_touch(q, p); break;
    case AG_ACCESS: r = do_access(q, p); break;
    case AG_READ: r = do_io(q, false); break;
    case AG_WRITE: r = do_io(q, true); break;
    case AG_FSYNC:
    case AG_FDATASYNC: r = do_fsync(q); break;
    case AG_FADVISE: r = do_fadvise(q); break;
    case AG_TRUNCATE: r = truncate(q->path, (off_t)q->len); break;
    case AG_FALLOCATE: r = do_fallocate(q); break;
    case AG_MSYNC: r = msync((void *)(uintptr_t)q->addr, q->len, MS_SYNC); break;
    case AG_FORK: r = do_fork(q, p, pass_fd); break;
    case AG_THP_DISABLE: r = prctl(PR_SET_THP_DISABLE, q->addr ? 1 : 0, 0, 0, 0); break;
    case AG_MEMPOLICY: r = agent_set_mempolicy(q->flags, q->mask[0]); break;
    case AG_MBIND: r = agent_mbind(q->addr, q->len, q->flags, q->mask[0], q->prot); break;
    case AG_MOVE_PAGES: r = do_move_pages(q, p); break;
    case AG_MIGRATE_PAGES: r = do_migrate_pages(q, p); break;
    case AG_AFFINITY: r = agent_affinity(q->mask); break;
    case AG_CPU: {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)q->addr, &set);
        r = sched_setaffinity(0, sizeof(set), &set);
        break;
    }
    default: errno = EINVAL; r = -1;
    }
    int e = errno;
    getrusage(RUSAGE_SELF, &b);
    p->minflt = (uint64_t)(b.ru_minflt - a.ru_minflt);
    p->majflt = (uint64_t)(b.ru_majflt - a.ru_majflt);
    errno = e;
    return r;
}

void agent_main(int sock, bool first)
{
    agent_sock = sock;
    install_handlers();
    struct agent_rep hello;
    memset(&hello, 0, sizeof(hello));
    if (first) {
        if (record_own(&hello)) {
            if (plug_arena(&hello))
                hello.setup |= AG_SETUP_ARENA;
            if (move_brk(&hello))
                hello.setup |= AG_SETUP_BRK;
        }
    }
    prefault_own();
    /* Ready: vmlab reads the baseline of this process's /proc files after this. */
    send(sock, &hello, sizeof(hello), MSG_NOSIGNAL);
    for (;;) {
        struct agent_req q;
        ssize_t n = recv(sock, &q, sizeof(q), 0);
        if (n != (ssize_t)sizeof(q))
            _exit(0); /* vmlab went away */
        if (q.op == AG_EXIT) {
            struct agent_rep bye;
            memset(&bye, 0, sizeof(bye));
            reply(&bye, -1);
            _exit(0);
        }
        struct agent_rep p;
        memset(&p, 0, sizeof(p));
        int pass_fd = -1;
        int r = q.op == AG_ACCESS || q.op == AG_MOVE_PAGES ? recv_access(&q) : 0;
        if (r == 0)
            r = serve(&q, &p, &pass_fd);
        if (r != 0) {
            p.status = AG_ERR;
            p.err = errno;
        }
        /* After a fork both sides' memory is copy-on-write again: make it private before the
         * next request (the child did so before its hello). */
        if (q.op == AG_FORK && r == 0)
            prefault_own();
        reply(&p, pass_fd);
        if (q.op == AG_MOVE_PAGES && r == 0)
            send(sock, mp_status, q.len * sizeof(*mp_status), MSG_NOSIGNAL);
    }
}
