/* host/agent.h: the request/reply protocol between vmlab and its agent processes.
 *
 * One SOCK_SEQPACKET socket per agent; each request gets one reply, except that a request
 * that kills the agent (a touch that faults) gets a DEATH reply sent from the agent's signal
 * handler just before the signal takes it. A fork reply carries the new agent's socket as
 * SCM_RIGHTS ancillary data.
 */
#ifndef VMLAB_HOST_AGENT_H
#define VMLAB_HOST_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#define AG_ACCESS_MAX 8192 /* addresses per AG_ACCESS packet */
#define AG_STORE      (1ull << 63)

enum agent_op {
    AG_MMAP = 1,
    AG_MUNMAP,
    AG_MPROTECT,
    AG_MADVISE,
    AG_MLOCK,
    AG_MUNLOCK,
    AG_BRK,
    AG_TOUCH,
    AG_READ,
    AG_WRITE,
    AG_FORK,
    AG_EXIT,
    AG_CPU,
    AG_ACCESS, /* len addresses follow in one packet: bit 63 set for a store */
};

struct agent_req {
    uint32_t op;
    uint32_t prot, flags, access;
    uint64_t addr, len, off, stride;
    int64_t delta;
    char path[256]; /* file to open (mmap of a file or memfd, read, write); "" for none */
    char name[16];  /* fork: the child's command name */
};

enum agent_status { AG_OK = 0, AG_ERR = 1, AG_DEATH = 2 };

struct agent_rep {
    uint32_t status;           /* enum agent_status */
    int32_t err;               /* errno with AG_ERR */
    uint64_t addr;             /* mmap: the address; brk: the new break */
    uint64_t count;            /* touch, access: accesses made */
    int32_t child;             /* fork: the child's pid */
    int32_t signo, fault_code; /* AG_DEATH: the signal, its si_code and si_addr */
    uint64_t fault_addr;
};

/* Runs an agent's request loop on sock; never returns. */
void agent_main(int sock) __attribute__((noreturn));

#endif
