/* host/agent.c: an agent process: performs the system calls and memory accesses vmlab asks for
 * in its own address space, so that its /proc files show what the scenario did.
 *
 * The loop allocates nothing: requests and replies live on the stack, file I/O goes through one
 * static buffer. A touch that faults dies by the signal as the scenario's process would, after
 * the handler has reported the signal's code and address.
 */
#define _GNU_SOURCE /* MAP_FIXED_NOREPLACE, sched_setaffinity, SCM_RIGHTS */

#include "host/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int agent_sock = -1;
static unsigned char io_buf[1 << 16];
static uint64_t access_buf[AG_ACCESS_MAX];

/* Makes resident now what the loop will use (its I/O buffer, some stack), so that the memory
 * the agent itself needs does not show up as a change while the scenario runs. */
static void prefault(void)
{
    volatile unsigned char stack[32 << 10];
    for (size_t i = 0; i < sizeof(stack); i += 4096)
        stack[i] = 0;
    memset(io_buf, 0, sizeof(io_buf));
    memset(access_buf, 0, sizeof(access_buf));
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

static int do_touch(const struct agent_req *q, struct agent_rep *p)
{
    for (uint64_t a = q->addr; a < q->addr + q->len; a += q->stride) {
        volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)a;
        if (q->access == 1)
            *b = 0; /* a store only: one write fault, as the simulator's write access */
        else
            (void)*b;
        p->count++;
        if (a + q->stride < a)
            break;
    }
    return 0;
}

/* A replay's batch: the addresses arrive in the next packet, into the static buffer. */
static int do_access(const struct agent_req *q, struct agent_rep *p)
{
    ssize_t n = recv(agent_sock, access_buf, sizeof(access_buf), 0);
    if (n < 0 || (uint64_t)n != q->len * sizeof(uint64_t)) {
        errno = EPROTO;
        return -1;
    }
    for (uint64_t i = 0; i < q->len; i++) {
        volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)(access_buf[i] & ~AG_STORE);
        if (access_buf[i] & AG_STORE)
            *b = 0;
        else
            (void)*b;
        p->count++;
    }
    return 0;
}

static int do_io(const struct agent_req *q, bool write)
{
    int fd = open(q->path, write ? O_RDWR : O_RDONLY);
    if (fd < 0)
        return -1;
    for (uint64_t off = q->off; off < q->off + q->len;) {
        uint64_t n = q->off + q->len - off;
        n = n > sizeof(io_buf) ? sizeof(io_buf) : n;
        ssize_t r = write ? pwrite(fd, io_buf, n, (off_t)off) : pread(fd, io_buf, n, (off_t)off);
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

static int do_mmap(const struct agent_req *q, struct agent_rep *p)
{
    int fd = -1;
    if (q->path[0]) {
        bool rw = (q->prot & PROT_WRITE) && (q->flags & MAP_SHARED);
        fd = open(q->path, rw ? O_RDWR : O_RDONLY);
        if (fd < 0 && errno == EACCES)
            fd = open(q->path, O_RDONLY);
        if (fd < 0)
            return -1;
    }
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
        agent_main(sv[1]);
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

void agent_main(int sock)
{
    agent_sock = sock;
    install_handlers();
    prefault();
    /* Ready: vmlab reads the baseline of this process's /proc files after this. */
    struct agent_rep hello;
    memset(&hello, 0, sizeof(hello));
    send(sock, &hello, sizeof(hello), MSG_NOSIGNAL);
    for (;;) {
        struct agent_req q;
        ssize_t n = recv(sock, &q, sizeof(q), 0);
        if (n != (ssize_t)sizeof(q))
            _exit(0); /* vmlab went away */
        struct agent_rep p;
        memset(&p, 0, sizeof(p));
        int pass_fd = -1, r = 0;
        switch (q.op) {
        case AG_MMAP: r = do_mmap(&q, &p); break;
        case AG_MUNMAP: r = munmap((void *)(uintptr_t)q.addr, q.len); break;
        case AG_MPROTECT: r = mprotect((void *)(uintptr_t)q.addr, q.len, (int)q.prot); break;
        case AG_MADVISE: r = madvise((void *)(uintptr_t)q.addr, q.len, (int)q.flags); break;
        case AG_MLOCK: r = mlock((void *)(uintptr_t)q.addr, q.len); break;
        case AG_MUNLOCK: r = munlock((void *)(uintptr_t)q.addr, q.len); break;
        case AG_BRK: {
            void *old = sbrk(0);
            r = sbrk((intptr_t)q.delta) == (void *)-1 ? -1 : 0;
            p.addr = (uint64_t)(uintptr_t)(r == 0 ? sbrk(0) : old);
            break;
        }
        case AG_TOUCH: r = do_touch(&q, &p); break;
        case AG_ACCESS: r = do_access(&q, &p); break;
        case AG_READ: r = do_io(&q, false); break;
        case AG_WRITE: r = do_io(&q, true); break;
        case AG_FORK: r = do_fork(&q, &p, &pass_fd); break;
        case AG_CPU: {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET((int)q.addr, &set);
            r = sched_setaffinity(0, sizeof(set), &set);
            break;
        }
        case AG_EXIT: reply(&p, -1); _exit(0);
        default: errno = EINVAL; r = -1;
        }
        if (r != 0) {
            p.status = AG_ERR;
            p.err = errno;
        }
        reply(&p, pass_fd);
    }
}
