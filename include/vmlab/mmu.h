/* mmu.h: a simulated CPU's address translation: TLBs, page-walk caches and the page walk.
 *
 * Models the x86-64 MMU as the Intel SDM vol. 3A ch. 4 describes it: translate(va) looks in
 * the L1 TLB for the access type, then the second level, then the page-walk caches, then walks
 * the tables in simulated memory (one reference per entry read), setting A in every entry used
 * and D in the leaf on a write. Permissions combine over the levels (RW and US must be set at
 * every level, NX at any level forbids fetches); CR0.WP and EFER.NXE are on, as under Linux.
 *
 * Steps of vml_mmu_translate (labelled in mmu.c):
 *   1. canonical check (else a non-canonical fault, #GP on hardware)
 *   2. L1 TLB (dTLB or iTLB) probe; hit with sufficient rights -> done
 *   3. second level (STLB, or L2 iTLB for fetches where present) probe; hit -> fill L1, done
 *   4. page-walk caches, longest match first
 *   5. walk the remaining levels from memory; a fault stops it
 *   6. set A/D bits, fill PWC, second level and L1
 * A write hitting a TLB entry whose D bit is clear walks again to set D (a "dirty assist").
 * A hit whose cached rights forbid the access faults from the TLB and drops the entry, as
 * hardware does; the simulated kernel then sees a spurious fault if the tables allow it.
 */
#ifndef VMLAB_MMU_H
#define VMLAB_MMU_H

#include "vmlab/base.h"
#include "vmlab/cpu.h"

enum vml_access {
    VML_READ = 0,
    VML_WRITE = 1,
    VML_EXEC = 2,
    VML_NR_ACCESS = 3,
};

enum vml_fault_kind {
    VML_FAULT_NONE = 0,
    VML_FAULT_NOT_PRESENT,  /* an entry on the path has P = 0 */
    VML_FAULT_WRITE,        /* write to a page not writable at some level */
    VML_FAULT_NX,           /* instruction fetch from a no-execute page */
    VML_FAULT_USER,         /* user access to a supervisor page (US = 0 at some level) */
    VML_FAULT_SMEP,         /* supervisor fetch from a user page with SMEP on */
    VML_FAULT_SMAP,         /* supervisor data access to a user page with SMAP on */
    VML_FAULT_RESERVED,     /* a reserved bit is set (PS in a PML4E, misaligned huge PFN ...) */
    VML_FAULT_NONCANONICAL, /* address not canonical: #GP, no walk */
    VML_NR_FAULT_KINDS,
};

/* x86 #PF error code bits (arch/x86/include/asm/trap_pf.h). */
#define VML_PF_PROT  (1u << 0) /* 0: not present, 1: protection violation */
#define VML_PF_WRITE (1u << 1)
#define VML_PF_USER  (1u << 2)
#define VML_PF_RSVD  (1u << 3)
#define VML_PF_INSTR (1u << 4)

struct vml_fault {
    uint64_t va;         /* faulting address */
    uint64_t entry;      /* the entry the walk stopped at (0 if none) */
    uint32_t error_code; /* VML_PF_* as hardware would push; 0 for non-canonical */
    uint8_t kind;        /* enum vml_fault_kind */
    uint8_t level;       /* table level where the walk stopped (5..1); 0 if no walk */
    bool from_tlb;       /* raised from a cached TLB entry, not from the tables */
};

/* Where a translation was found. */
enum vml_xlate_src {
    VML_SRC_L1 = 0,
    VML_SRC_L2 = 1, /* STLB, or L2 iTLB */
    VML_SRC_WALK = 2,
    VML_SRC_FAULT = 3,
};

struct vml_xlate {
    uint64_t pa;            /* physical address (valid when translate returned 0) */
    uint32_t cycles;        /* modeled cost of this translation */
    uint8_t ps;             /* enum vml_page_size of the translation used (TLB entry size) */
    uint8_t src;            /* enum vml_xlate_src */
    uint8_t walk_refs;      /* page-table entries read from memory by this translation */
    struct vml_fault fault; /* valid when translate returned 1 */
};

/* Hits per page size; misses are counted under the size the miss was finally resolved to
 * (like perf's dtlb_load_misses.walk_completed_4k/2m_4m/1g), the last slot for misses that
 * ended in a fault. */
struct vml_tlb_counts {
    uint64_t hits[VML_PS_COUNT];
    uint64_t misses[VML_PS_COUNT + 1];
};

struct vml_mmu_stats {
    uint64_t accesses[VML_NR_ACCESS]; /* translations asked for, by access type */
    struct vml_tlb_counts tlb[VML_TLB_NR_LEVELS];
    uint64_t walks;                    /* page walks started */
    uint64_t walks_done[VML_PS_COUNT]; /* walks that found a leaf, by page size */
    uint64_t walk_refs;                /* page-table entries read from memory */
    uint64_t ad_writes;                /* entries written to set A or D */
    uint64_t dirty_assists;            /* walks only to set D on a TLB hit */
    uint64_t pwc_hits[VML_PWC_NR];
    uint64_t pwc_misses[VML_PWC_NR];
    uint64_t faults[VML_NR_FAULT_KINDS];
    uint64_t invlpg, flush_pcid, flush_all, cr3_loads;
    uint64_t cycles; /* modeled translation cycles, total */
};

struct vml_cpu;
struct vml_phys;

/* Creates a CPU of the given model reading page tables from phys. The model is copied and
 * validated (VML_EINVAL). No CR3 is loaded yet: translate faults until vml_cpu_load_cr3. */
int vml_cpu_create(const struct vml_cpu_model *model, struct vml_phys *phys, struct vml_cpu **out);
void vml_cpu_destroy(struct vml_cpu *cpu); /* accepts NULL */

/* MOV to CR3: switch to the tables at root_pfn (levels 4 or 5) tagged pcid (0..4095). Without
 * noflush the new PCID's non-global TLB and PWC entries are dropped; a CPU without PCID support
 * always drops all non-global entries. VML_EINVAL for 5 levels without la57, a bad pcid or a
 * root that is not a page table. */
int vml_cpu_load_cr3(struct vml_cpu *cpu, uint64_t root_pfn, unsigned levels, unsigned pcid,
                     bool noflush);

/* Translates va for an access (one of enum vml_access; anything else is a caller bug, asserted)
 * in user (true) or supervisor mode. Returns 0 with out->pa set, or 1 with out->fault set.
 * Never fails otherwise; allocates nothing. */
int vml_mmu_translate(struct vml_cpu *cpu, uint64_t va, enum vml_access access, bool user,
                      struct vml_xlate *out);

/* INVLPG: drop TLB entries of every size covering va for the current PCID (and global ones),
 * and that PCID's page-walk-cache entries. */
void vml_mmu_invlpg(struct vml_cpu *cpu, uint64_t va);
/* INVPCID type 0: as invlpg, for another PCID. */
void vml_mmu_invlpg_pcid(struct vml_cpu *cpu, uint64_t va, unsigned pcid);
/* INVPCID type 1: drop every non-global entry of a PCID, TLBs and PWCs. */
void vml_mmu_flush_pcid(struct vml_cpu *cpu, unsigned pcid);
/* Drop everything; global entries too when with_global (INVPCID type 2 vs 3). */
void vml_mmu_flush_all(struct vml_cpu *cpu, bool with_global);

/* A host-side hint, no simulated effect: starts loading the host cache line of the leaf
 * page-table entry a walk for va would read, when a walk has read that leaf table before, so
 * that a caller translating a batch of independent addresses can overlap their host memory
 * latency: call it a few translations ahead. Changes no counter, TLB or table. */
void vml_mmu_prefetch(struct vml_cpu *cpu, uint64_t va);

/* Calls fn for every entry of every TLB level of the CPU (enum vml_tlb_level): its PCID (0 for
 * global), whether global, the first virtual address it covers, its page size (enum vml_page_size)
 * and the frame it gives. Stops when fn returns non-zero and returns that. An inspector's read
 * (vmlab run --html). */
typedef int (*vml_tlb_entry_fn)(unsigned level, unsigned pcid, bool global, uint64_t va,
                                unsigned ps, uint64_t pfn, void *ctx);
int vml_cpu_tlb_for_each(const struct vml_cpu *cpu, vml_tlb_entry_fn fn, void *ctx);
const struct vml_mmu_stats *vml_cpu_stats(const struct vml_cpu *cpu);
/* On a machine of several NUMA nodes, the page-table references of the CPU's walks
 * (vml_mmu_stats.walk_refs) by the node of the table read (the node of its frame), an array of
 * VML_MAX_NODES counters, for the NUMA cost of walks (docs/numa.md, "Cost"); all 0 on one
 * node, where nothing is remote and the walk does not look. Kept apart from vml_mmu_stats, whose
 * layout the hit path's counters depend on; vml_cpu_reset_stats clears them too. */
const uint64_t *vml_cpu_walk_refs_node(const struct vml_cpu *cpu);
/* Whether walks count their references by node: on at creation on a machine of several nodes;
 * a caller that charges no NUMA cost turns it off (replay's no_numa_cost), so that its walks do
 * not pay for the count. No effect on one node. */
void vml_cpu_count_walk_nodes(struct vml_cpu *cpu, bool on);
void vml_cpu_reset_stats(struct vml_cpu *cpu);
const struct vml_cpu_model *vml_cpu_model(const struct vml_cpu *cpu);
unsigned vml_cpu_pcid(const struct vml_cpu *cpu);

/* Name of a fault kind: "not-present", "write", "nx", "user", "smep", "smap", "reserved",
 * "non-canonical". */
const char *vml_fault_name(enum vml_fault_kind k);

/* Invariant checker: every TLB and page-walk-cache entry must be allowed by the tables it
 * came from: pt_of(pcid) gives the address space tagged pcid (NULL: none, so the PCID must have
 * no entries). A TLB entry must match a present leaf with the same frame and no more rights
 * (RW, US, exec, D) than the tables now grant; a PWC entry must equal the table entry it
 * caches. Returns 0, or -1 with the first stale entry described in why. */
struct vml_pt;
typedef const struct vml_pt *(*vml_pt_of_pcid_fn)(unsigned pcid, void *ctx);
int vml_cpu_check(const struct vml_cpu *cpu, vml_pt_of_pcid_fn pt_of, void *ctx, char *why,
                  size_t len);

#endif
