/* mm/sim.c: the simulated machine: creation, processes (spawn, fork, exit), scheduling onto
 * CPUs, TLB invalidation across CPUs, and user accesses through the MMU with page faults.
 */
#include "mm/sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Above this many pages a range flush drops the whole PCID instead of one INVLPG per page
 * (arch/x86/mm/tlb.c: tlb_single_page_flush_ceiling). */
#define FLUSH_CEILING 33

#define FIRST_PID 1000

/* kernel/pid.c: PID_MAX_DEFAULT (32768), raised to PIDS_PER_CPU_DEFAULT (1024) per possible CPU
 * by pid_idr_init, capped at PID_MAX_LIMIT (4 Mi on 64-bit). */
#define PID_MAX_DEFAULT      32768u
#define PIDS_PER_CPU_DEFAULT 1024u

unsigned vml_sim_default_pid_max(unsigned nr_cpus)
{
    unsigned by_cpus = PIDS_PER_CPU_DEFAULT * nr_cpus;
    unsigned m = by_cpus > PID_MAX_DEFAULT ? by_cpus : PID_MAX_DEFAULT;
    return m < VML_SIM_PID_MAX_LIMIT ? m : VML_SIM_PID_MAX_LIMIT;
}

int vml_sim_create(const struct vml_sim_config *cfg, struct vml_sim **out, struct vml_diag *diag)
{
    if (cfg->nr_cpus < 1 || cfg->nr_cpus > VML_SIM_MAX_CPUS) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg), "cpus=%u is out of range: use 1 to %d",
                     cfg->nr_cpus, VML_SIM_MAX_CPUS);
        return VML_EINVAL;
    }
    if (cfg->readahead % PAGE_SIZE) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "readahead=%llu bytes: use a multiple of 4 KiB (read_ahead_kb / 4 pages)",
                     (unsigned long long)cfg->readahead);
        return VML_EINVAL;
    }
    if ((cfg->disk_set && cfg->disk >= BDEV_NR_KINDS) ||
        (cfg->swapdev_set && cfg->swapdev >= BDEV_NR_KINDS)) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg), "%s=%u: no such device preset",
                     cfg->disk_set && cfg->disk >= BDEV_NR_KINDS ? "disk" : "swapdev",
                     cfg->disk_set && cfg->disk >= BDEV_NR_KINDS ? cfg->disk : cfg->swapdev);
        return VML_EINVAL;
    }
    if (cfg->paging != 4 && cfg->paging != 5) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg), "paging=%u: use 4 or 5", cfg->paging);
        return VML_EINVAL;
    }
    if (cfg->paging == 5 && !cfg->cpu.la57) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "paging=5 needs a CPU with 5-level paging; %s has none (use la57=on in the "
                     "CPU spec, or icelake, sapphirerapids, zen4)",
                     cfg->cpu.name);
        return VML_EINVAL;
    }
    if (cfg->pid_max && (cfg->pid_max <= FIRST_PID || cfg->pid_max > VML_SIM_PID_MAX_LIMIT)) {
        if (diag)
            snprintf(diag->msg, sizeof(diag->msg),
                     "pid_max=%u is out of range: use %d to %u (the simulation's pids start at "
                     "%d; PID_MAX_LIMIT is %u)",
                     cfg->pid_max, FIRST_PID + 1, VML_SIM_PID_MAX_LIMIT, FIRST_PID,
                     VML_SIM_PID_MAX_LIMIT);
        return VML_EINVAL;
    }
    struct vml_thp_settings thp;
    if (cfg->thp)
        thp = *cfg->thp;
    else
        vml_thp_defaults(&thp);
    int tr = thp_settings_check(&thp, diag);
    if (tr == 0 && cfg->vm)
        tr = vml_sim_vm_check(cfg->vm, diag);
    if (tr)
        return tr;
    struct vml_sim *sim = calloc(1, sizeof(*sim));
    if (!sim)
        return VML_EHOST;
    sim->cfg = *cfg;
    memcg_init(sim);     /* the root cgroup's lists hold every folio until cgroups are made */
    sim->cfg.thp = NULL; /* the settings live in sim->thp, which writes change */
    sim->thp = thp;
    if (cfg->vm)
        sim->vm = *cfg->vm;
    else
        vml_vm_sysctl_defaults(&sim->vm);
    sim->cfg.vm = NULL; /* the settings live in sim->vm */
    if (cfg->numab)
        sim->numab = *cfg->numab;
    else
        vml_numab_defaults(&sim->numab);
    sim->cfg.numab = NULL;
    bdev_init(&sim->disk, cfg->disk_set ? (enum bdev_kind)cfg->disk : BDEV_VIRTIO);
    sim->pid_max = cfg->pid_max ? cfg->pid_max : vml_sim_default_pid_max(cfg->nr_cpus);
    sim->next_pid = FIRST_PID;
    sim->next_ino = 1000;
    sim->next_anon = 1;
    int r = vml_phys_create(&cfg->phys, &sim->phys, diag);
    if (r == 0)
        sim->sections = sim->phys->sections;
    if (r == 0)
        r = numa_init(sim, diag);
    for (unsigned i = 0; r == 0 && i < cfg->nr_cpus; i++)
        r = vml_cpu_create(&cfg->cpu, sim->phys, &sim->cpus[i]);
    /* The shared zero page (mm/memory.c: my_zero_pfn), allocated once, never freed. */
    if (r == 0)
        r = vml_phys_alloc(sim->phys, 0, 0, VML_USE_ZERO, &sim->zero_pfn);
    if (r == 0)
        wmark_init(sim);
    sim->swapin_ra_hits = 4; /* swapin_readahead_hits: ATOMIC_INIT(4), a first window */
    if (r == 0)
        r = khugepaged_init(sim);
    if (r == 0)
        r = kswapd_init(sim);
    if (r == 0)
        r = kcompactd_init(sim);
    if (r == 0)
        r = writeback_init(sim);
    if (r == 0)
        r = numab_init(sim);
    if (r == 0 && cfg->swap_bytes)
        r = vml_sim_swapon(sim, "/swapfile", cfg->swap_bytes, 0, false, false, diag);
    if (r == 0 && (r = hugetlb_init(sim)) == VML_EINVAL && diag)
        snprintf(diag->msg, sizeof(diag->msg),
                 "1 GiB huge pages need a CPU with 1 GiB pages; %s has none (use 1g=on in the CPU "
                 "spec)",
                 cfg->cpu.name);
    if (r) {
        vml_sim_destroy(sim);
        return r;
    }
    overcommit_init(sim);
    *out = sim;
    return 0;
}

void vml_sim_destroy(struct vml_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        if (sim->tasks[i].mm)
            mm_destroy(sim, sim->tasks[i].mm);
        free(sim->tasks[i].acc);
    }
    khugepaged_destroy(sim);
    writeback_destroy(sim);
    numab_destroy(sim);
    free(sim->tasks);
    free(sim->kmsg.s);
    files_destroy(sim);
    slab_destroy(sim);
    ras_destroy(sim);
    swap_destroy(sim);
    free(sim->swap_wb_buf);
    for (unsigned i = 0; i < VML_SIM_MAX_CPUS; i++)
        vml_cpu_destroy(sim->cpus[i]);
    vml_phys_destroy(sim->phys);
    free(sim->folios);
    memcg_destroy(sim);
    numa_destroy(sim);
    free(sim);
}

struct sim_task *sim_task(const struct vml_sim *sim, int pid)
{
    for (size_t i = 0; i < sim->nr_tasks; i++)
        if (sim->tasks[i].pid == pid)
            return sim->tasks[i].alive ? &sim->tasks[i] : NULL;
    return NULL;
}

/* The node of a CPU (mempolicy.c: numa_init builds the table). */
static unsigned cpu_node(const struct vml_sim *sim, unsigned cpu)
{
    return sim->cpu_node[cpu];
}

/* The first CPU running pid, or -1. */
static int cpu_of(const struct vml_sim *sim, int pid)
{
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
        if (sim->running[c] == pid)
            return (int)c;
    return -1;
}

unsigned task_node(const struct vml_sim *sim, const struct sim_task *t)
{
    if (sim->phys->nr_nodes == 1)
        return 0; /* every CPU's node (numa_init) */
    int c = cpu_of(sim, t->pid);
    if (c >= 0)
        return cpu_node(sim, (unsigned)c);
    /* Running nowhere: the first CPU it may run on (CPU 0 without an affinity mask). */
    for (unsigned k = 0; k < sim->cfg.nr_cpus; k++)
        if (task_cpu_allowed(t, k))
            return cpu_node(sim, k);
    return 0;
}

void sim_flush_range(struct vml_sim *sim, const struct sim_mm *mm, uint64_t start, uint64_t end)
{
    sim_flush_range_shift(sim, mm, start, end, PAGE_SHIFT);
}

/* sim_flush_range_shift's work, inlined into it and into sim_flush_page, where a single page
 * leaves no range arithmetic (reclaim's unmap asks for one at each page it swaps out). */
static inline __attribute__((always_inline)) void flush_mm(struct vml_sim *sim,
                                                           const struct sim_mm *mm, uint64_t start,
                                                           uint64_t end, unsigned shift, bool all)
{
    /* flush_tlb_mm_range: the change is made on the first CPU running the process (its
     * threads), which flushes locally and sends an IPI to every other CPU running it; CPUs
     * that ran it before catch up lazily (PCID) or at their next CR3 load. */
    sim->stats.tlb_flushes++;
    unsigned running = 0; /* the CPUs running it: the first initiates, the others get IPIs */
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++) {
        running += sim->running[c] == mm->owner;
        struct vml_cpu *cpu = sim->cpus[c];
        /* Without PCIDs only the loaded address space can have entries; with them, only a CPU
         * where the address space holds an ASID (one recycled was flushed when it was taken). */
        unsigned pcid = sim_pcid_on(sim, c, mm); /* 0 without PCIDs */
        if (sim->cfg.cpu.pcid ? !pcid : sim->loaded[c] != mm)
            continue;
        if (all) {
            vml_mmu_flush_pcid(cpu, pcid);
            continue;
        }
        for (uint64_t va = start; va < end; va += 1ull << shift)
            vml_mmu_invlpg_pcid(cpu, va, pcid);
    }
    if (running > 1)
        sim->stats.tlb_shootdowns += running - 1;
}

void sim_flush_range_shift(struct vml_sim *sim, const struct sim_mm *mm, uint64_t start,
                           uint64_t end, unsigned shift)
{
    uint64_t pages = (end - start) >> shift;
    flush_mm(sim, mm, start, end, shift, (start == 0 && end == 0) || pages > FLUSH_CEILING);
}

void sim_flush_page(struct vml_sim *sim, const struct sim_mm *mm, uint64_t va)
{
    flush_mm(sim, mm, va, va + PAGE_SIZE, PAGE_SHIFT, false);
}

unsigned sim_pcid_on(const struct vml_sim *sim, unsigned cpu, const struct sim_mm *mm)
{
    if (!sim->cfg.cpu.pcid)
        return 0;
    for (unsigned a = 0; a < SIM_NR_DYN_ASIDS; a++)
        if (sim->asid_ctx[cpu][a] == mm->ctx_id)
            return a + 1; /* kern_pcid: ASID + 1, PCID 0 being the non-PCID one */
    return 0;
}

const struct sim_mm *sim_mm_of_pcid(const struct vml_sim *sim, unsigned cpu, unsigned pcid)
{
    if (pcid < 1 || pcid > SIM_NR_DYN_ASIDS || !sim->asid_ctx[cpu][pcid - 1])
        return NULL;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        const struct sim_task *t = &sim->tasks[i];
        if (t->alive && t->mm->ctx_id == sim->asid_ctx[cpu][pcid - 1])
            return t->mm;
    }
    return NULL;
}

/* The ASID a CPU switching to mm uses, as choose_new_asid (arch/x86/mm/tlb.c) picks it: the
 * slot the mm already holds on this CPU, else the next slot round-robin, whose PCID must then be
 * flushed (*need_flush): it may hold entries of the address space that had it before. An mm
 * that keeps its slot needs no flush here, because every change to an address space is
 * invalidated on every CPU where it holds a slot when it is made (sim_flush_range), which is
 * what the kernel's tlb_gen comparison catches up with lazily. */
static unsigned choose_asid(struct vml_sim *sim, unsigned cpu, const struct sim_mm *mm,
                            bool *need_flush)
{
    for (unsigned a = 0; a < SIM_NR_DYN_ASIDS; a++) {
        if (sim->asid_ctx[cpu][a] == mm->ctx_id) {
            *need_flush = false;
            return a;
        }
    }
    unsigned a = sim->next_asid[cpu]++;
    if (a >= SIM_NR_DYN_ASIDS) {
        a = 0;
        sim->next_asid[cpu] = 1;
    }
    sim->asid_ctx[cpu][a] = mm->ctx_id;
    *need_flush = true;
    return a;
}

/* A new task slot with a fresh pid. */
static struct sim_task *task_new(struct vml_sim *sim, const char *comm, int ppid)
{
    if (sim->nr_tasks == sim->cap_tasks) {
        size_t n = sim->cap_tasks ? 2 * sim->cap_tasks : 16;
        struct sim_task *p = realloc(sim->tasks, n * sizeof(*p));
        if (!p)
            return NULL;
        sim->tasks = p;
        sim->cap_tasks = n;
    }
    struct sim_task *t = &sim->tasks[sim->nr_tasks];
    memset(t, 0, sizeof(*t));
    t->pid = sim->next_pid;
    t->ppid = ppid;
    snprintf(t->comm, sizeof(t->comm), "%s", comm);
    t->cpu = -1;
    task_numa_init(sim, t);
    return t;
}

/* Makes a task of a new address space: a context id, a task slot with the next pid. Consumes
 * mm (destroyed on failure). */
static int task_start(struct vml_sim *sim, const char *comm, int ppid, struct sim_mm *mm, int *pid)
{
    /* alloc_pid fails with EAGAIN when no pid below pid_max is free; pids are never reused
     * here (see design.md), so that is when the next one would reach it. */
    if ((unsigned)sim->next_pid >= sim->pid_max) {
        mm_destroy(sim, mm);
        return VML_EAGAIN;
    }
    struct sim_task *t = task_new(sim, comm, ppid); /* may move the task array */
    if (!t) {
        mm_destroy(sim, mm);
        return VML_EHOST;
    }
    t->mm = mm;
    mm->owner = t->pid;
    t->alive = true;
    sim->nr_tasks++;
    numab_task_start(sim, t);
    sim->next_pid++;
    *pid = t->pid;
    return 0;
}

int vml_sim_spawn(struct vml_sim *sim, const char *comm, int *pid)
{
    return vml_sim_spawn_numa(sim, comm, NULL, NULL, 0, pid);
}

int vml_sim_spawn_numa(struct vml_sim *sim, const char *comm, const struct vml_mpol *pol,
                       const uint64_t *cpus, unsigned nwords, int *pid)
{
    /* As numactl does: the policy and the CPUs are set before exec, so the new address space's
     * first table (pgd_alloc) follows them. A template task holds them until then. */
    struct sim_task tmpl;
    memset(&tmpl, 0, sizeof(tmpl));
    task_numa_init(sim, &tmpl);
    tmpl.pid = -1;
    if (cpus) {
        uint64_t m[SIM_CPU_WORDS] = { 0 };
        bool any = false;
        for (unsigned w = 0; w < nwords && w < SIM_CPU_WORDS; w++)
            m[w] = cpus[w];
        for (unsigned c = 0; c < VML_SIM_MAX_CPUS; c++) {
            if (c >= sim->cfg.nr_cpus)
                m[c / 64] &= ~(1ull << (c % 64));
            else if (m[c / 64] >> (c % 64) & 1)
                any = true;
        }
        if (!any)
            return VML_EINVAL;
        memcpy(tmpl.cpus_allowed, m, sizeof(m));
    }
    if (pol) {
        int r = mpol_create(sim, pol, &tmpl.mempolicy);
        if (r)
            return r;
    }
    struct mpol_ctx ctx;
    struct mpol_ctx *save;
    mpol_enter(sim, &tmpl, NULL, 0, &ctx, &save);
    struct sim_mm *mm;
    /* The new process runs nowhere yet: its first allowed CPU's node, as task_node says. */
    int r = mm_create(sim, task_node(sim, &tmpl), &mm);
    mpol_leave(sim, save);
    if (r || (r = task_start(sim, comm, 1, mm, pid)) != 0)
        return r;
    struct sim_task *t = sim_task(sim, *pid);
    mpol_fork(&tmpl, t);
    return 0;
}

int vml_sim_fork(struct vml_sim *sim, int pid, int *child)
{
    struct sim_task *p = sim_task(sim, pid);
    if (!p)
        return VML_ENOENT;
    char comm[16];
    memcpy(comm, p->comm, sizeof(comm));
    struct sim_mm *mm;
    /* The child's page tables are allocated by the parent (current): charged to its cgroup. */
    unsigned memcg = p->memcg, was = memcg_use(sim, p);
    struct mpol_ctx ctx;
    struct mpol_ctx *save;
    mpol_enter(sim, p, NULL, 0, &ctx, &save); /* the tables follow the parent's policy */
    int r = mm_fork(sim, p->mm, task_node(sim, p), &mm);
    mpol_leave(sim, save);
    sim->memcg_cur = was;
    if (r)
        return r;
    int adj = sim_task(sim, pid)->oom_score_adj; /* copy_signal: the child gets the parent's */
    if ((r = task_start(sim, comm, pid, mm, child)) == 0) {
        mpol_fork(sim_task(sim, pid), sim_task(sim, *child));
        sim_task(sim, *child)->oom_score_adj = adj;
        sim_task(sim, *child)->memcg = memcg; /* cgroup_post_fork: the parent's css_set */
    }
    return r;
}

int vml_sim_set_comm(struct vml_sim *sim, int pid, const char *comm)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    snprintf(t->comm, sizeof(t->comm), "%s", comm);
    return 0;
}

/* Tears a task down (exit_mmap). The ASID slots it held stay taken until recycled, as in
 * Linux; its context id is never matched again and its entries were flushed here. */
static void task_exit(struct vml_sim *sim, struct sim_task *t)
{
    struct sim_mm *mm = t->mm;
    sim_flush_range(sim, mm, 0, 0);
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++) {
        if (sim->running[c] == t->pid)
            sim->running[c] = 0;
        if (sim->loaded[c] == mm)
            sim->loaded[c] = NULL;
    }
    mm_destroy(sim, mm);
    t->mm = NULL;
    t->alive = false;
}

int vml_sim_exit(struct vml_sim *sim, int pid)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    task_exit(sim, t);
    return 0;
}

int vml_sim_status_of(const struct vml_sim *sim, int pid, struct vml_sim_death *death)
{
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        if (sim->tasks[i].pid != pid)
            continue;
        if (sim->tasks[i].alive)
            return 0;
        if (death)
            *death = sim->tasks[i].death;
        return VML_ENOENT;
    }
    if (death)
        memset(death, 0, sizeof(*death));
    return VML_ENOENT;
}

static int load(struct vml_sim *sim, unsigned cpu, struct sim_task *t)
{
    /* switch_mm_irqs_off: the CR3 write keeps the PCID's entries unless its ASID was just
     * recycled (without PCIDs every load flushes, which vml_cpu_load_cr3 does itself). */
    bool need_flush = true;
    unsigned pcid = sim->cfg.cpu.pcid ? choose_asid(sim, cpu, t->mm, &need_flush) + 1 : 0;
    int r = vml_cpu_load_cr3(sim->cpus[cpu], vml_pt_root(t->mm->pt), vml_pt_levels(t->mm->pt), pcid,
                             !need_flush);
    if (r && need_flush && pcid)
        sim->asid_ctx[cpu][pcid - 1] = 0; /* not loaded, not flushed: nobody's slot */
    if (r == 0) {
        sim->running[cpu] = t->pid;
        sim->loaded[cpu] = t->mm;
    }
    return r;
}

int vml_sim_run_on(struct vml_sim *sim, unsigned cpu, int pid)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    if (cpu >= sim->cfg.nr_cpus || !task_cpu_allowed(t, cpu))
        return VML_EINVAL; /* not a CPU the task may run on (its affinity) */
    return load(sim, cpu, t);
}

void sim_kill(struct vml_sim *sim, struct sim_task *t, int si_code, uint64_t addr)
{
    t->death = (struct vml_sim_death){
        .killed = true, .si_code = si_code, .addr = addr, .seq = ++sim->kills
    };
    task_exit(sim, t);
}

uint64_t vml_sim_kills(const struct vml_sim *sim)
{
    return sim->kills;
}

int vml_sim_set_oom_score_adj(struct vml_sim *sim, int pid, int adj)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    /* oom_score_adj_write: OOM_SCORE_ADJ_MIN..OOM_SCORE_ADJ_MAX, else -EINVAL. */
    if (adj < -1000 || adj > 1000)
        return VML_EINVAL;
    t->oom_score_adj = adj;
    return 0;
}

int vml_sim_oom_score_adj(const struct vml_sim *sim, int pid, int *adj)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    *adj = t->oom_score_adj;
    return 0;
}

int vml_sim_enter(struct vml_sim *sim, int pid, unsigned *cpu)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    int c = cpu_of(sim, pid);
    if (c < 0 || sim->loaded[c] != t->mm) {
        /* Running nowhere: its first allowed CPU (sched_setaffinity, numactl's binding). */
        for (unsigned k = 0; c < 0 && k < sim->cfg.nr_cpus; k++)
            if (task_cpu_allowed(t, k))
                c = (int)k;
        c = c < 0 ? 0 : c;
        int r = load(sim, (unsigned)c, t);
        if (r)
            return r;
    }
    *cpu = (unsigned)c;
    return 0;
}

struct vml_cpu *vml_sim_cpu(struct vml_sim *sim, unsigned cpu)
{
    return cpu < sim->cfg.nr_cpus ? sim->cpus[cpu] : NULL;
}

int vml_sim_fault(struct vml_sim *sim, int pid, uint64_t va, enum vml_access access,
                  const struct vml_fault *fault, struct vml_sim_access *res)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    if ((unsigned)access >= VML_NR_ACCESS)
        return VML_EINVAL;
    if (fault->kind == VML_FAULT_NONCANONICAL) {
        /* #GP, not #PF: exc_general_protection sends SIGSEGV with SI_KERNEL. */
        sim_kill(sim, t, VML_SI_KERNEL, 0);
        res->killed = true;
        res->si_code = VML_SI_KERNEL;
        res->addr = va;
        return 0;
    }
    bool major = false;
    int r = handle_mm_fault(sim, t, va, access, &major);
    if (r == VML_EKILLED) { /* the OOM killer chose the faulting process */
        res->killed = true;
        res->si_code = VML_SI_OOM;
        res->addr = 0;
        return 0;
    }
    if (r < 0)
        return r;
    if (r > 0) {
        sim_kill(sim, t, r, va);
        res->killed = true;
        res->si_code = r;
        res->addr = va;
        return 0;
    }
    if (major)
        res->major++;
    else
        res->minor++;
    return 0;
}

/* The task's latency record, made at its first access (VML_EHOST). */
static int task_access(struct sim_task *t)
{
    if (!t->acc && !(t->acc = calloc(1, sizeof(*t->acc))))
        return VML_EHOST;
    return 0;
}

int vml_sim_touch(struct vml_sim *sim, int pid, uint64_t start, uint64_t end, uint64_t stride,
                  enum vml_access access, struct vml_sim_access *res)
{
    memset(res, 0, sizeof(*res));
    if (!sim_task(sim, pid))
        return VML_ENOENT;
    if (stride == 0 || end < start || (unsigned)access >= VML_NR_ACCESS)
        return VML_EINVAL;
    unsigned c;
    int r = vml_sim_enter(sim, pid, &c);
    if (r)
        return r;
    struct vml_cpu *cpu = sim->cpus[c];
    struct sim_task *t = sim_task(sim, pid);
    if ((r = task_access(t)) != 0)
        return r;
    for (uint64_t va = start; va < end; va += stride) {
        struct vml_xlate x;
        res->accesses++;
        /* The access's time for `show P latency`: its faults' (the fault record's growth),
         * or its translation's when it did not fault. */
        uint64_t at = sim->now_ns, fault_ns = t->lat.total_ns, majors = res->major,
                 faults = t->lat.timed;
        /* NUMA: the CPU's walk references by table node before the access, for its walks'
         * cost (the faulting tries' walks read the tables too). */
        uint64_t walk_before[VML_MAX_NODES] = { 0 };
        if (sim->phys->nr_nodes > 1)
            memcpy(walk_before, vml_cpu_walk_refs_node(cpu), sizeof(walk_before));
        /* A resolved fault retries the access, as the faulting instruction does; a second
         * fault at the same address means the handler did not make progress (a bug). */
        for (int tries = 0; vml_mmu_translate(cpu, va, access, true, &x) != 0; tries++) {
            if (tries == 3)
                return VML_EINVAL;
            r = vml_sim_fault(sim, pid, va, access, &x.fault, res);
            if (r < 0)
                return r;
            if (res->killed)
                return 0;
        }
        /* The store itself: the page holds data now (zeromap.c). */
        if (access == VML_WRITE)
            page_stored(sim, x.pa >> PAGE_SHIFT);
        if (sim->phys->nr_nodes > 1) {
            /* The access's memory, local or remote to the CPU (docs/numa.md). */
            unsigned cn = sim->cpu_node[c], dn = vml_phys_pfn_node(sim->phys, x.pa >> PAGE_SHIFT);
            t->acc->numa = true;
            if (cn == dn)
                t->acc->numa_local++;
            else
                t->acc->numa_remote++;
            t->acc->numa_mem_ns += vml_sim_numa_latency_ns(sim, cn, dn);
            const uint64_t *walk_after = vml_cpu_walk_refs_node(cpu);
            for (unsigned n = 0; n < sim->phys->nr_nodes; n++) {
                uint64_t k = walk_after[n] - walk_before[n];
                if (n == cn)
                    t->acc->numa_walk_local += k;
                else
                    t->acc->numa_walk_remote += k;
                t->acc->numa_walk_ns += k * vml_sim_numa_latency_ns(sim, cn, n);
            }
        }
        bool faulted = t->lat.timed != faults;
        vml_latency_add(t->acc, at,
                        faulted ? t->lat.total_ns - fault_ns
                                : (x.cycles + COST_CYCLES_PER_NS - 1) / COST_CYCLES_PER_NS,
                        res->major != majors);
        if (va + stride < va)
            break;
    }
    return 0;
}

int vml_sim_pt_stats(const struct vml_sim *sim, int pid, struct vml_pt_stats *out)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    vml_pt_stats(t->mm->pt, out);
    return 0;
}

size_t vml_sim_pids(const struct vml_sim *sim, int *pids, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        if (!sim->tasks[i].alive)
            continue;
        if (k < n)
            pids[k] = sim->tasks[i].pid;
        k++;
    }
    return k;
}

const char *vml_sim_comm(const struct vml_sim *sim, int pid)
{
    const struct sim_task *t = sim_task(sim, pid);
    return t ? t->comm : NULL;
}

void vml_sim_set_event_hook(struct vml_sim *sim, vml_event_fn fn, void *ctx)
{
    sim->event_fn = fn;
    sim->event_ctx = fn ? ctx : NULL;
}

const struct vml_sim_stats *vml_sim_stats(const struct vml_sim *sim)
{
    return &sim->stats;
}

const struct vml_mmu_stats *vml_sim_cpu_stats(const struct vml_sim *sim, unsigned cpu)
{
    return cpu < sim->cfg.nr_cpus ? vml_cpu_stats(sim->cpus[cpu]) : NULL;
}

int vml_sim_task_info(const struct vml_sim *sim, int pid, uint64_t *min_flt, uint64_t *maj_flt,
                      int *ppid)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    *min_flt = t->min_flt;
    *maj_flt = t->maj_flt;
    *ppid = t->ppid;
    return 0;
}
