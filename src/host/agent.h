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

#include "vmlab/proc.h"

#include "vmlab/sim.h"

#define AG_ACCESS_MAX 8192 /* addresses per AG_ACCESS packet */
#define AG_STORE      (1ull << 63)

/* Where an agent puts the scenario's memory: at the simulator's offsets (ASLR off, see
 * VML_SIM_MMAP_BASE), shifted by a multiple of 512 GiB so that every page-table boundary falls
 * where it falls in the simulator, and far from the runtime's own memory (its libraries lie
 * within 1 TiB below the stack, its program and heap near 0x55..-0x56..). mmap's top-down search
 * starts at AG_ARENA_TOP because every gap above it, up to the stack, is plugged; the heap
 * (brk) is moved to AG_START_BRK when the agent may (CAP_SYS_RESOURCE). */
#define AG_SHIFT     (8ull << 39) /* 4 TiB: eight PML4 entries */
#define AG_ARENA_TOP (VML_SIM_MMAP_BASE - AG_SHIFT)
#define AG_ARENA_LOW (AG_ARENA_TOP - (1ull << 40)) /* must hold none of the runtime's memory */
#define AG_START_BRK (VML_SIM_START_BRK + AG_SHIFT)

/* What an agent could set up (the hello reply's setup field). */
#define AG_SETUP_ARENA 1u /* mmap's search starts at AG_ARENA_TOP */
#define AG_SETUP_BRK   2u /* the heap starts at AG_START_BRK */

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
    AG_ACCESS,      /* len addresses follow in one packet: bit 63 set for a store */
    AG_THP_DISABLE, /* prctl(PR_SET_THP_DISABLE, addr != 0) */
    AG_FSYNC,       /* fsync(2) of path */
    AG_MSYNC,       /* msync(addr, len, MS_SYNC) */
    AG_FDATASYNC,   /* fdatasync(2) of path */
    AG_FADVISE,     /* posix_fadvise(path, off, len, POSIX_FADV_DONTNEED) */
    AG_TRUNCATE,    /* truncate(path, len) */
    AG_FALLOCATE,   /* fallocate(path opened read-write, flags, off, len) */
    AG_MEMPOLICY,   /* set_mempolicy(flags: mode | mode flags, mask[0]: the nodemask) */
    AG_MBIND,       /* mbind(addr, len, flags: mode | mode flags, mask[0]: the nodemask,
                     * prot: MPOL_MF_MOVE / MPOL_MF_MOVE_ALL or 0) */
    AG_AFFINITY,    /* sched_setaffinity(0, mask: CPU c is bit c % 64 of mask[c / 64]) */
    /* move_pages(0, len, ...) of len pages (at most AG_ACCESS_MAX) given in one packet after the
     * request, each as its page address with its target node in the low 12 bits (prot 1: nodes
     * given, else a status query), flags: MPOL_MF_MOVE / MPOL_MF_MOVE_ALL. The reply's count is
     * the call's result (pages not migrated); an OK reply is followed by one packet of len
     * int32_t statuses, AG_STATUS_UNSET where the kernel stored none. */
    AG_MOVE_PAGES,
    AG_MIGRATE_PAGES, /* migrate_pages(0, mask[0] old nodes, mask[1] new): count its result */
};

/* A status move_pages(2) left unwritten (its batch failed: the call returns a count). */
#define AG_STATUS_UNSET INT32_MIN

/* The memory policy and CPUs a new agent takes before its first allocation, as numactl sets
 * them before exec (agent_numa). */
struct agent_numa {
    bool has_pol, has_cpus;
    uint32_t mode;    /* mode | mode flags, the kernel's numbers */
    uint64_t nodes;   /* the nodemask */
    uint64_t cpus[4]; /* the CPUs with has_cpus */
};

/* The raw system calls (no libnuma): 0, or -1 with errno. */
int agent_set_mempolicy(uint32_t mode, uint64_t nodes);
int agent_mbind(uint64_t addr, uint64_t len, uint32_t mode, uint64_t nodes, unsigned mf);
int agent_affinity(const uint64_t *cpus);
/* Applies o in the calling process: 0, or -1 with errno. */
int agent_numa(const struct agent_numa *o);

struct agent_req {
    uint32_t op;
    uint32_t prot, flags, access;
    uint64_t addr, len, off, stride; /* stride: touch's; read/write: bytes per call (0: 64K) */
    int64_t delta;
    char path[256];   /* file to open (mmap of a file or memfd, read, write); "" for none */
    char name[16];    /* fork: the child's command name */
    uint64_t mask[4]; /* AG_MEMPOLICY, AG_MBIND: mask[0] the nodemask; AG_AFFINITY: the CPUs;
                       * AG_MIGRATE_PAGES: mask[0] old nodes, mask[1] new nodes */
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
    uint64_t minflt, majflt; /* page faults the request's operation took (getrusage) */
    /* touch, access: each access that faulted, timed (faults counted only) */
    struct vml_fault_record lat;
    uint32_t setup; /* hello: AG_SETUP_* */
    char why[120];  /* hello: what could not be set up, and why */
};

/* Runs an agent's request loop on sock; never returns. A new agent (first) records its own
 * memory, plugs the gaps above the arena and moves its heap; every agent, forked ones too,
 * makes its own memory resident and writable first, so that serving requests faults nothing. */
void agent_main(int sock, bool first) __attribute__((noreturn));

#endif
