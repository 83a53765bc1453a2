/* mm/oom_kill.c: the OOM killer of Linux 6.18 (mm/oom_kill.c), for a machine-wide OOM.
 *
 * When reclaim cannot make room for an allocation (vmscan.c: reclaim_point, where
 * __alloc_pages_may_oom would be reached), out_of_memory panics if panic_on_oom says so, kills
 * the allocating task under oom_kill_allocating_task, or else picks the process with the highest
 * oom_badness and kills it. The report goes to the simulated kernel log in the kernel's text:
 * the "invoked oom-killer" line, the task table of dump_tasks, the oom-kill summary line and the
 * "Killed process" line, each with a printk timestamp from the simulated clock.
 *
 * Departures (docs/oom.md): the victim's memory is freed at once (exit_mmap; the OOM reaper's
 * work and the victim's own exit are not told apart, so no oom_reaper line); the report leaves
 * out the call trace and the show_mem dump; the gfp_mask printed is always that of an anonymous
 * fault's folio; there are no cpusets, memory policies or memory cgroups yet, so the constraint is
 * always CONSTRAINT_NONE. */
#include "mm/sim_internal.h"

#include "util/text.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OOM_SCORE_ADJ_MIN (-1000)

/* GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_ZERO: vma_alloc_zeroed_movable_folio's folio, as
 * %pGg names the bits (the compound name first, then the single flags in table order). */
#define OOM_GFP_MASK  0x140dcau
#define OOM_GFP_NAMES "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO"

/* constrained_alloc for CONSTRAINT_NONE: all of RAM and swap. */
static uint64_t oom_totalpages(const struct vml_sim *sim)
{
    return totalram_pages(sim, NULL) + sim->total_swap_pages;
}

static uint64_t mm_rss(const struct sim_mm *mm)
{
    return mm->rss[MM_ANONPAGES] + mm->rss[MM_FILEPAGES] + mm->rss[MM_SHMEMPAGES];
}

/* oom_badness: RSS, swap entries and page tables in pages, plus oom_score_adj times a
 * thousandth of totalpages (integer division first). False where the kernel returns LONG_MIN:
 * no mm, or oom_score_adj -1000 (the simulation has no init or kernel threads among its
 * processes, and no vfork). */
static bool oom_badness(const struct sim_task *t, uint64_t totalpages, long long *points)
{
    if (!t->alive || !t->mm || t->oom_score_adj == OOM_SCORE_ADJ_MIN)
        return false;
    const struct sim_mm *mm = t->mm;
    long long p =
        (long long)(mm_rss(mm) + mm->rss[MM_SWAPENTS] + mm_pgtables_bytes(mm) / PAGE_SIZE);
    *points = p + (long long)t->oom_score_adj * (long long)(totalpages / 1000);
    return true;
}

unsigned long oom_score(const struct vml_sim *sim, const struct sim_task *t)
{
    /* proc_oom_score: 0 for LONG_MIN, else the badness scaled to 0..2000 and by 2/3, in the
     * kernel's signed long arithmetic (a negative badness divides toward zero). */
    uint64_t total = oom_totalpages(sim);
    long long badness;
    if (!oom_badness(t, total, &badness))
        return 0;
    return (unsigned long)((1000 + badness * 1000 / (long long)total) * 2 / 3);
}

/* printk with the timestamp of the simulated clock: "[%5lu.%06lu] ". */
__attribute__((format(printf, 2, 3))) static void klog(struct vml_sim *sim, const char *fmt, ...)
{
    uint64_t ns = sim_op_now(sim);
    text_printf(&sim->kmsg, "[%5llu.%06llu] ", (unsigned long long)(ns / 1000000000),
                (unsigned long long)(ns / 1000 % 1000000));
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    text_append(&sim->kmsg, line, strlen(line));
}

/* dump_tasks: every process with an mm, in the task list's order (creation order here, as
 * for_each_process walks init_task.tasks). */
static void dump_tasks(struct vml_sim *sim)
{
    klog(sim, "Tasks state (memory values in pages):\n");
    klog(sim, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
              "swapents oom_score_adj name\n");
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        const struct sim_task *t = &sim->tasks[i];
        if (!t->alive || !t->mm)
            continue;
        const struct sim_mm *mm = t->mm;
        klog(sim, "[%7d] %5d %5d %8llu %8llu %8llu %8llu %9llu %8lld %8llu         %5d %s\n",
             t->pid, 0, t->pid, (unsigned long long)mm->total_vm, (unsigned long long)mm_rss(mm),
             (unsigned long long)mm->rss[MM_ANONPAGES], (unsigned long long)mm->rss[MM_FILEPAGES],
             (unsigned long long)mm->rss[MM_SHMEMPAGES], (long long)mm_pgtables_bytes(mm),
             (unsigned long long)mm->rss[MM_SWAPENTS], t->oom_score_adj, t->comm);
    }
}

/* dump_header: the first line, then (the call trace and show_mem left out) the task table. */
static void dump_header(struct vml_sim *sim, const struct sim_task *cur)
{
    klog(sim, "%s invoked oom-killer: gfp_mask=%#x(%s), order=0, oom_score_adj=%d\n", cur->comm,
         OOM_GFP_MASK, OOM_GFP_NAMES, cur->oom_score_adj);
    if (sim->vm.oom_dump_tasks)
        dump_tasks(sim);
}

/* The nodes' list as %*pbl prints a nodemask: "0" or "0-N". */
static void node_list(const struct vml_sim *sim, char *buf, size_t len)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    if (n == 1)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "0-%u", n - 1);
}

/* __ratelimit(&oom_rs): DEFAULT_RATELIMIT_BURST (10) headers per DEFAULT_RATELIMIT_INTERVAL
 * (5 s); when a new interval begins after some were left out, ___ratelimit says how many, in
 * the function's name. */
#define OOM_RS_INTERVAL_NS (5ull * 1000000000)
#define OOM_RS_BURST       10
static bool oom_ratelimit(struct vml_sim *sim)
{
    uint64_t now = sim_op_now(sim);
    if (!sim->oom_rs.started) {
        sim->oom_rs.started = true;
        sim->oom_rs.begin = now;
    }
    if (now - sim->oom_rs.begin >= OOM_RS_INTERVAL_NS) {
        if (sim->oom_rs.missed)
            klog(sim, "oom_kill_process: %u callbacks suppressed\n", sim->oom_rs.missed);
        sim->oom_rs.begin = now;
        sim->oom_rs.printed = sim->oom_rs.missed = 0;
    }
    if (sim->oom_rs.printed < OOM_RS_BURST) {
        sim->oom_rs.printed++;
        return true;
    }
    sim->oom_rs.missed++;
    return false;
}

/* oom_kill_process: the header and the victim's summary (dump_oom_victim) as the ratelimit lets
 * them, then __oom_kill_process: the oom_kill event, the "Killed process" line, SIGKILL, and the
 * memory freed. */
static void oom_kill_process(struct vml_sim *sim, const struct sim_task *cur,
                             struct sim_task *victim, const char *message)
{
    if (oom_ratelimit(sim)) {
        dump_header(sim, cur);
        char nodes[16];
        node_list(sim, nodes, sizeof(nodes));
        klog(sim,
             "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=%s,"
             "global_oom,task_memcg=/,task=%s,pid=%d,uid=0\n",
             nodes, victim->comm, victim->pid);
    }
    sim->events[VML_VMSTAT_oom_kill]++;
    const struct sim_mm *mm = victim->mm;
    klog(sim,
         "%s: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, file-rss:%llukB, "
         "shmem-rss:%llukB, UID:0 pgtables:%llukB oom_score_adj:%d\n",
         message, victim->pid, victim->comm, (unsigned long long)mm->total_vm * 4,
         (unsigned long long)mm->rss[MM_ANONPAGES] * 4,
         (unsigned long long)mm->rss[MM_FILEPAGES] * 4,
         (unsigned long long)mm->rss[MM_SHMEMPAGES] * 4,
         (unsigned long long)(mm_pgtables_bytes(mm) >> 10), victim->oom_score_adj);
    sim_kill(sim, victim, VML_SI_OOM, 0);
}

static int panic(struct vml_sim *sim, const char *why)
{
    klog(sim, "Kernel panic - not syncing: %s\n", why);
    klog(sim, "---[ end Kernel panic - not syncing: %s ]---\n", why);
    sim->panicked = true;
    return VML_EPANIC;
}

/* select_bad_process: the highest badness wins; a later process with an equal one replaces the
 * earlier (oom_evaluate_task skips only points < chosen_points). */
static struct sim_task *select_bad_process(struct vml_sim *sim)
{
    uint64_t total = oom_totalpages(sim);
    struct sim_task *chosen = NULL;
    long long chosen_points = LLONG_MIN;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *t = &sim->tasks[i];
        long long points;
        if (!oom_badness(t, total, &points) || points < chosen_points)
            continue;
        chosen = t;
        chosen_points = points;
    }
    return chosen;
}

int out_of_memory(struct vml_sim *sim, unsigned node)
{
    (void)node; /* CONSTRAINT_NONE: the whole machine is out of memory, not one node */
    struct sim_task *cur = sim->current ? sim_task(sim, sim->current) : NULL;
    /* oom_killer_disabled: out_of_memory returns false and the allocation fails. */
    if (!cur || sim->cfg.oom_killer_disabled)
        return VML_ENOMEM; /* or no process to act for (swapoff, the kernel's own threads) */
    int cur_pid = cur->pid;
    /* check_panic_on_oom: 1 panics unless the OOM is constrained (never, here), 2 always. */
    if (sim->vm.panic_on_oom) {
        dump_header(sim, cur);
        return panic(sim, sim->vm.panic_on_oom == 2
                              ? "Out of memory: compulsory panic_on_oom is enabled"
                              : "Out of memory: system-wide panic_on_oom is enabled");
    }
    if (sim->vm.oom_kill_allocating_task && cur->oom_score_adj != OOM_SCORE_ADJ_MIN) {
        oom_kill_process(sim, cur, cur, "Out of memory (oom_kill_allocating_task)");
        return VML_EKILLED;
    }
    struct sim_task *victim = select_bad_process(sim);
    if (!victim) {
        dump_header(sim, cur);
        klog(sim, "Out of memory and no killable processes...\n");
        return panic(sim, "System is deadlocked on memory");
    }
    /* oom_kill_process may move nothing, but victim and cur point into sim->tasks: the pid
     * tells afterwards whether current itself was chosen. */
    int victim_pid = victim->pid;
    oom_kill_process(sim, cur, victim, "Out of memory");
    return victim_pid == cur_pid ? VML_EKILLED : 0;
}
