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
 * fault's folio; there are no cpusets or memory policies, so the constraint is CONSTRAINT_NONE
 * or, for a cgroup's OOM (mem_cgroup_out_of_memory), CONSTRAINT_MEMCG. */
#include "mm/sim_internal.h"

#include "util/text.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The OOM's domain: the whole machine (memcg 0) or a cgroup's subtree, whose processes are
 * visited cgroup by cgroup in pre-order, each cgroup's in the order they joined it
 * (mem_cgroup_scan_tasks; creation order here). Returns how many went into out. */
static size_t oom_tasks(struct vml_sim *sim, unsigned memcg, struct sim_task **out)
{
    size_t n = 0;
    if (memcg == 0) {
        for (size_t i = 0; i < sim->nr_tasks; i++)
            out[n++] = &sim->tasks[i];
        return n;
    }
    unsigned ids[MEMCG_MAX_GROUPS];
    unsigned nids = memcg_subtree(sim, memcg, ids);
    for (unsigned k = 0; k < nids; k++)
        for (size_t i = 0; i < sim->nr_tasks; i++)
            if (sim->tasks[i].alive && sim->tasks[i].memcg == ids[k])
                out[n++] = &sim->tasks[i];
    return n;
}

/* dump_tasks: every process of the domain with an mm, in the task list's order (creation order
 * here, as for_each_process walks init_task.tasks), or the cgroup's. */
static void dump_tasks(struct vml_sim *sim, unsigned memcg)
{
    klog(sim, "Tasks state (memory values in pages):\n");
    klog(sim, "[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes "
              "swapents oom_score_adj name\n");
    struct sim_task **list = malloc((sim->nr_tasks + 1) * sizeof(*list));
    if (!list)
        return;
    size_t nt = oom_tasks(sim, memcg, list);
    for (size_t i = 0; i < nt; i++) {
        const struct sim_task *t = list[i];
        if (!t->alive || !t->mm)
            continue;
        const struct sim_mm *mm = t->mm;
        klog(sim, "[%7d] %5d %5d %8llu %8llu %8llu %8llu %9llu %8lld %8llu         %5d %s\n",
             t->pid, 0, t->pid, (unsigned long long)mm->total_vm, (unsigned long long)mm_rss(mm),
             (unsigned long long)mm->rss[MM_ANONPAGES], (unsigned long long)mm->rss[MM_FILEPAGES],
             (unsigned long long)mm->rss[MM_SHMEMPAGES], (long long)mm_pgtables_bytes(mm),
             (unsigned long long)mm->rss[MM_SWAPENTS], t->oom_score_adj, t->comm);
    }
    free(list);
}

/* A cgroup's path as pr_cont_cgroup_path prints it: "/" for the root, else "/a/b". */
static const char *cg_path(const struct vml_sim *sim, unsigned memcg, char *buf, size_t len)
{
    snprintf(buf, len, "/%s", memcg_of(sim, memcg)->path);
    return buf;
}

/* mem_cgroup_print_oom_meminfo (v2): the cgroup's usage against its limit, its swap, and its
 * memory.stat, a printk per line. */
static void print_oom_meminfo(struct vml_sim *sim, unsigned memcg)
{
    const struct mem_cgroup *m = memcg_of(sim, memcg);
    klog(sim, "memory: usage %llukB, limit %llukB, failcnt %llu\n",
         (unsigned long long)m->memory.usage * 4, (unsigned long long)m->memory.max * 4,
         (unsigned long long)m->events[MEMCG_MAX]);
    klog(sim, "swap: usage %llukB, limit %llukB, failcnt %llu\n",
         (unsigned long long)m->swap.usage * 4, (unsigned long long)m->swap.max * 4,
         (unsigned long long)m->events[MEMCG_SWAP_MAX]);
    char path[160];
    klog(sim, "Memory cgroup stats for %s:\n", cg_path(sim, memcg, path, sizeof(path)));
    struct vml_text st = { 0 };
    if (vml_sim_cgroup_text(sim, m->path, "memory.stat", false, &st) == 0 && st.s) {
        for (char *line = st.s; *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            klog(sim, "%s\n", line);
            if (!nl)
                break;
            line = nl + 1;
        }
    }
    free(st.s);
}

/* dump_header: the first line, then (the call trace and, for the machine, show_mem left out)
 * a cgroup's memory information, then the task table. */
static void dump_header(struct vml_sim *sim, const struct sim_task *cur, unsigned memcg)
{
    klog(sim, "%s invoked oom-killer: gfp_mask=%#x(%s), order=0, oom_score_adj=%d\n", cur->comm,
         OOM_GFP_MASK, OOM_GFP_NAMES, cur->oom_score_adj);
    if (memcg)
        print_oom_meminfo(sim, memcg);
    if (sim->vm.oom_dump_tasks)
        dump_tasks(sim, memcg);
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
static void __oom_kill_process(struct vml_sim *sim, struct sim_task *victim, const char *message)
{
    sim->events[VML_VMSTAT_oom_kill]++;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_OOM_KILL, .pid = victim->pid, .n = 1 });
    memcg_event(sim, victim->memcg, MEMCG_OOM_KILL); /* memcg_memory_event_mm */
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

/* mem_cgroup_get_oom_group: the highest cgroup with memory.oom.group set from the victim's up
 * to the OOM's domain (the root for the machine's OOM), or 0. */
static unsigned oom_group_of(const struct vml_sim *sim, unsigned victim_memcg, unsigned domain)
{
    unsigned group = 0;
    if (victim_memcg == 0 || !memcg_is_descendant(sim, victim_memcg, domain))
        return 0;
    for (unsigned id = victim_memcg;; id = memcg_of(sim, id)->parent) {
        if (id != 0 && memcg_of(sim, id)->oom_group)
            group = id;
        if (id == domain || id == 0)
            break;
    }
    return group;
}

static void oom_kill_process(struct vml_sim *sim, const struct sim_task *cur,
                             struct sim_task *victim, const char *message, unsigned memcg)
{
    char vpath[160], opath[160];
    if (oom_ratelimit(sim)) {
        dump_header(sim, cur, memcg);
        char nodes[16];
        node_list(sim, nodes, sizeof(nodes));
        char ctx[200];
        if (memcg)
            snprintf(ctx, sizeof(ctx), "oom_memcg=%s", cg_path(sim, memcg, opath, sizeof(opath)));
        else
            snprintf(ctx, sizeof(ctx), "global_oom");
        klog(sim,
             "oom-kill:constraint=%s,nodemask=(null),cpuset=/,mems_allowed=%s,%s,task_memcg=%s,"
             "task=%s,pid=%d,uid=0\n",
             memcg ? "CONSTRAINT_MEMCG" : "CONSTRAINT_NONE", nodes, ctx,
             cg_path(sim, victim->memcg, vpath, sizeof(vpath)), victim->comm, victim->pid);
    }
    unsigned group = oom_group_of(sim, victim->memcg, memcg);
    __oom_kill_process(sim, victim, message);
    if (group) {
        /* The whole cgroup goes: every member but the unkillable (oom_kill_memcg_member). */
        memcg_event(sim, group, MEMCG_OOM_GROUP_KILL);
        klog(sim, "Tasks in %s are going to be killed due to memory.oom.group set\n",
             cg_path(sim, group, vpath, sizeof(vpath)));
        struct sim_task **list = malloc((sim->nr_tasks + 1) * sizeof(*list));
        if (!list)
            return;
        size_t nt = oom_tasks(sim, group, list);
        for (size_t i = 0; i < nt; i++)
            if (list[i]->alive && list[i]->mm && list[i]->oom_score_adj != OOM_SCORE_ADJ_MIN)
                __oom_kill_process(sim, list[i], message);
        free(list);
    }
}

static int panic(struct vml_sim *sim, const char *why)
{
    klog(sim, "Kernel panic - not syncing: %s\n", why);
    klog(sim, "---[ end Kernel panic - not syncing: %s ]---\n", why);
    sim->panicked = true;
    return VML_EPANIC;
}

/* mem_cgroup_get_max: a cgroup's limit, with the swap it may use when swappiness allows. */
static uint64_t memcg_totalpages(const struct vml_sim *sim, unsigned memcg)
{
    const struct mem_cgroup *m = memcg_of(sim, memcg);
    uint64_t max = m->memory.max;
    if (sim->vm.swappiness)
        max += m->swap.max < sim->total_swap_pages ? m->swap.max : sim->total_swap_pages;
    return max;
}

/* select_bad_process: the highest badness wins; a later process with an equal one replaces the
 * earlier (oom_evaluate_task skips only points < chosen_points). */
static struct sim_task *select_bad_process(struct vml_sim *sim, unsigned memcg)
{
    uint64_t total = memcg ? memcg_totalpages(sim, memcg) : oom_totalpages(sim);
    struct sim_task *chosen = NULL;
    long long chosen_points = LLONG_MIN;
    struct sim_task **list = malloc((sim->nr_tasks + 1) * sizeof(*list));
    if (!list)
        return NULL;
    size_t nt = oom_tasks(sim, memcg, list);
    for (size_t i = 0; i < nt; i++) {
        struct sim_task *t = list[i];
        long long points;
        if (!oom_badness(t, total, &points) || points < chosen_points)
            continue;
        chosen = t;
        chosen_points = points;
    }
    free(list);
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
        dump_header(sim, cur, 0);
        return panic(sim, sim->vm.panic_on_oom == 2
                              ? "Out of memory: compulsory panic_on_oom is enabled"
                              : "Out of memory: system-wide panic_on_oom is enabled");
    }
    if (sim->vm.oom_kill_allocating_task && cur->oom_score_adj != OOM_SCORE_ADJ_MIN) {
        oom_kill_process(sim, cur, cur, "Out of memory (oom_kill_allocating_task)", 0);
        return VML_EKILLED;
    }
    struct sim_task *victim = select_bad_process(sim, 0);
    if (!victim) {
        dump_header(sim, cur, 0);
        klog(sim, "Out of memory and no killable processes...\n");
        return panic(sim, "System is deadlocked on memory");
    }
    /* oom_kill_process may move nothing, but victim and cur point into sim->tasks: the pid
     * tells afterwards whether current itself was chosen. */
    int victim_pid = victim->pid;
    oom_kill_process(sim, cur, victim, "Out of memory", 0);
    struct sim_task *after = sim_task(sim, cur_pid);
    return victim_pid == cur_pid || !after ? VML_EKILLED : 0;
}

int mem_cgroup_out_of_memory(struct vml_sim *sim, unsigned memcg)
{
    struct sim_task *cur = sim->current ? sim_task(sim, sim->current) : NULL;
    if (!cur || sim->cfg.oom_killer_disabled)
        return VML_ENOMEM;
    int cur_pid = cur->pid;
    /* check_panic_on_oom: a constrained OOM panics only under panic_on_oom 2. */
    if (sim->vm.panic_on_oom == 2) {
        dump_header(sim, cur, memcg);
        return panic(sim, "Out of memory: compulsory panic_on_oom is enabled");
    }
    if (sim->vm.oom_kill_allocating_task && cur->oom_score_adj != OOM_SCORE_ADJ_MIN &&
        memcg_is_descendant(sim, cur->memcg, memcg)) {
        oom_kill_process(sim, cur, cur, "Memory cgroup out of memory (oom_kill_allocating_task)",
                         memcg);
        return VML_EKILLED;
    }
    struct sim_task *victim = select_bad_process(sim, memcg);
    if (!victim) {
        /* No panic for a cgroup: the charge fails (out_of_memory returns false). */
        dump_header(sim, cur, memcg);
        klog(sim, "Out of memory and no killable processes...\n");
        return VML_ENOMEM;
    }
    int victim_pid = victim->pid;
    oom_kill_process(sim, cur, victim, "Memory cgroup out of memory", memcg);
    struct sim_task *after = sim_task(sim, cur_pid);
    return victim_pid == cur_pid || !after ? VML_EKILLED : 0;
}
