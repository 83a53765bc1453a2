/* mm/numa_balancing.c: automatic NUMA balancing (kernel.numa_balancing=1) on the simulated clock.
 *
 * The scanner (kernel/sched/fair.c: task_tick_numa, task_numa_work) walks each task's VMAs every
 * scan period and turns up to scan_size_mb of present PTEs into NUMA hinting entries
 * (mm/mprotect.c: change_prot_numa): PROT_NONE entries in x86-64's encoding, P clear and
 * _PAGE_PROTNONE set (pte_protnone in sim_internal.h), so the MMU faults on the next access. The
 * hinting fault (mm/memory.c: do_numa_page) makes the entry present again, counts it, and moves a
 * misplaced page to the faulting CPU's node (mm/mempolicy.c: mpol_misplaced, kernel/sched/fair.c:
 * should_numa_migrate_memory's two-stage cpupid filter; mm/migrate.c: migrate_misplaced_folio).
 * task_numa_fault keeps the task's fault statistics, which pick its preferred node and adapt the
 * scan period (task_numa_placement, update_task_scan_period).
 *
 * Simplifications (docs/numa.md, "NUMA balancing"):
 * - A task's runtime is the wall time since it was created (a CPU-bound task): its ticks fall
 *   every scan period of it (task_tick_numa's node_stamp), exactly, not on 4 ms scheduler ticks,
 *   and without the two-tick stagger for threads. A tick that falls while the task is on no CPU
 *   does nothing.
 * - The scheduler half is not modelled: no numa_group (tasks sharing pages are not grouped; a
 *   shared fault decides as a task without a group does), and a task never moves to its preferred
 *   node (task_numa_migrate): the scenario places tasks.
 * - A PMD-mapped THP is marked whole (mm/huge_memory.c: change_huge_pmd) and its hinting fault
 *   (do_huge_pmd_numa_page) moves it whole; a page-cache folio mapped by a PMD is marked too but
 *   its migration is not modelled: the fault counts as a failed one (TNF_MIGRATE_FAIL).
 * - Every node is a top-tier node (no memory tiers).
 * - Linux also inverts the PFN bits of a PROT_NONE entry (the L1TF mitigation,
 *   flip_protnone_guard); vmlab keeps them, so every walk reads the frame number as it is.
 */
#include "mm/sim_internal.h"

#include <string.h>

#define NUMA_NO_NODE          (-1)
#define MAX_SCAN_WINDOW       2560 /* MB/s: task_scan_min's floor */
#define NUMA_PERIOD_SLOTS     10
#define NUMA_PERIOD_THRESHOLD 7
#define LAST_PID_MASK         0xffu /* LAST__PID_SHIFT 8 */
#define MS                    1000000ull
#define HPAGE_SIZE            (2ull << 20)
#define HPAGE_NR              512ull   /* HPAGE_PMD_NR */
#define TICK_NS               (4 * MS) /* TICK_NSEC at Debian's CONFIG_HZ=250 */

/* What pte_modify keeps of an entry (_PAGE_CHG_MASK: the frame, the cache and software bits,
 * A and D), and pmd_modify of a PMD (_HPAGE_CHG_MASK: PSE too; a PMD's PAT bit, bit 12, lies
 * inside the frame mask). */
#define PTE_CHG_MASK                                                                               \
    (VML_PTE_PFN_MASK | VML_PTE_PWT | VML_PTE_PCD | VML_PTE_SPECIAL | VML_PTE_A | VML_PTE_D)
#define HPAGE_CHG_MASK (PTE_CHG_MASK | VML_PTE_PS)

/* task_numa_fault's flags. */
#define TNF_MIGRATED     0x01
#define TNF_NO_GROUP     0x02
#define TNF_SHARED       0x04
#define TNF_FAULT_LOCAL  0x08
#define TNF_MIGRATE_FAIL 0x10

static bool numab_on(const struct vml_sim *sim)
{
    return (sim->numab.mode & 1) != 0; /* NUMA_BALANCING_NORMAL */
}

/* The CPU the task runs on, -1 for none. */
static int running_cpu(const struct vml_sim *sim, const struct sim_task *t)
{
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
        if (sim->running[c] == t->pid)
            return (int)c;
    return -1;
}

/* ---- the folio's last_cpupid (page_cpupid_xchg_last) ---- */

/* cpu_pid_to_cpupid: the CPU above the pid's low 8 bits. The unset value is all ones
 * (-1 & LAST_CPUPID_MASK), stored as 0 in the radix (which holds cpupid + 1). */
#define CPUPID_UNSET UINT64_MAX

static uint64_t cpupid_of(unsigned cpu, int pid)
{
    return ((uint64_t)cpu << 8) | ((unsigned)pid & LAST_PID_MASK);
}

static bool cpupid_pid_unset(uint64_t c)
{
    return (c & LAST_PID_MASK) == LAST_PID_MASK;
}

static bool cpupid_match_pid(const struct sim_task *t, uint64_t c)
{
    return (c & LAST_PID_MASK) == ((unsigned)t->pid & LAST_PID_MASK);
}

static uint64_t cpupid_read(const struct vml_sim *sim, uint64_t head)
{
    const uint64_t *slot = radix_slot(&sim->numab_cpupid, head);
    return slot && *slot ? *slot - 1 : CPUPID_UNSET;
}

static void cpupid_write(struct vml_sim *sim, uint64_t head, uint64_t c)
{
    uint64_t *slot;
    if (c == CPUPID_UNSET) {
        if ((slot = radix_slot(&sim->numab_cpupid, head)) != NULL)
            *slot = 0;
        return;
    }
    if (radix_reserve(&sim->numab_cpupid, head, &slot) == 0) {
        *slot = c + 1;
        sim->numab_cpupids = true;
    }
}

void numab_page_freed(struct vml_sim *sim, uint64_t pfn)
{
    if (!sim->numab_cpupids)
        return;
    uint64_t *slot = radix_slot(&sim->numab_cpupid, pfn);
    if (slot)
        *slot = 0; /* free_pages_prepare: page_cpupid_reset_last */
}

void numab_page_migrated(struct vml_sim *sim, uint64_t old, uint64_t new)
{
    /* folio_migrate_flags: the new folio takes the old one's last_cpupid. */
    if (!sim->numab_cpupids)
        return;
    uint64_t *slot = radix_slot(&sim->numab_cpupid, old);
    if (!slot || !*slot)
        return;
    uint64_t c = *slot - 1;
    *slot = 0;
    cpupid_write(sim, new, c);
}

/* ---- the scan period (task_nr_scan_windows, task_scan_min, task_scan_max) ---- */

static unsigned nr_scan_windows(const struct vml_sim *sim, const struct sim_task *t)
{
    uint64_t nr = (uint64_t)sim->numab.scan_size_mb << (20 - PAGE_SHIFT);
    const struct sim_mm *mm = t->mm;
    uint64_t rss = mm->rss[MM_FILEPAGES] + mm->rss[MM_ANONPAGES] + mm->rss[MM_SHMEMPAGES];
    if (!rss)
        rss = nr;
    rss = (rss + nr - 1) / nr * nr;
    return (unsigned)(rss / nr);
}

static unsigned scan_min(const struct vml_sim *sim, const struct sim_task *t)
{
    unsigned size = sim->numab.scan_size_mb, windows = 1;
    if (size < MAX_SCAN_WINDOW)
        windows = MAX_SCAN_WINDOW / size;
    unsigned floor = 1000 / windows;
    unsigned scan = sim->numab.scan_period_min_ms / nr_scan_windows(sim, t);
    return floor > scan ? floor : scan;
}

static unsigned scan_max(const struct vml_sim *sim, const struct sim_task *t)
{
    unsigned smin = scan_min(sim, t);
    unsigned smax = sim->numab.scan_period_max_ms / nr_scan_windows(sim, t);
    return smin > smax ? smin : smax;
}

/* ---- the timer: each task's next tick (task_tick_numa) ---- */

/* The instant of t's next tick: node_stamp + numa_scan_period of runtime, but no sooner than
 * the scheduler tick after the last (a period under 4 ms, which task_scan_min allows with a
 * small scan_size_mb and scan_period_min_ms, fires at every tick). */
static uint64_t tick_due(const struct sim_task *t)
{
    uint64_t due = t->numab.stamp + (uint64_t)t->numab.scan_period * MS;
    return due > t->numab.last_tick + TICK_NS ? due : t->numab.last_tick + TICK_NS;
}

static void numab_arm(struct vml_sim *sim)
{
    if (!numab_on(sim)) {
        sim_timer_cancel(&sim->numab_timer);
        return;
    }
    uint64_t when = UINT64_MAX;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        const struct sim_task *t = &sim->tasks[i];
        if (t->alive && t->mm && tick_due(t) < when)
            when = tick_due(t);
    }
    if (when == UINT64_MAX)
        sim_timer_cancel(&sim->numab_timer);
    else
        sim_timer_arm(sim, &sim->numab_timer, when);
}

void numab_task_start(struct vml_sim *sim, struct sim_task *t)
{
    /* init_numa_balancing for a new address space: the first scan after scan_delay of runtime,
     * no preferred node. */
    memset(&t->numab, 0, sizeof(t->numab));
    t->numab.next_scan = sim->now_ns + (uint64_t)sim->numab.scan_delay_ms * MS;
    t->numab.stamp = sim->now_ns; /* runtime 0 */
    t->numab.scan_period = sim->numab.scan_delay_ms;
    t->numab.preferred_nid = NUMA_NO_NODE;
    if (numab_on(sim))
        numab_arm(sim);
}

/* ---- change_prot_numa ---- */

/* vma_migratable, vma_policy_mof and task_numa_work's other tests: whether the scanner marks
 * anything in v. */
static bool vma_scannable(const struct sim_task *t, const struct vma *v)
{
    if (v->flags & (VM_IO | VM_PFNMAP | VM_HUGETLB | VM_MIXEDMAP))
        return false;
    /* vma_policy_mof: shmem's get_policy gives its shared policy (none here): no MPOL_F_MOF. A
     * VMA or task policy other than the default has no MPOL_F_MOF either (vmlab has no
     * MPOL_F_NUMA_BALANCING). */
    if (v->kind == VMA_SHMEM)
        return false;
    const struct sim_mpol *p = v->policy ? (const struct sim_mpol *)v->policy : t->mempolicy;
    if (p && p->mode != VML_MPOL_DEFAULT)
        return false;
    /* Shared libraries: a read-only file mapping. */
    if (v->file && (v->flags & (VM_READ | VM_WRITE)) == VM_READ)
        return false;
    return (v->flags & VM_ACCESS_FLAGS) != 0; /* vma_is_accessible */
}

/* folio_maybe_mapped_shared. */
static bool folio_shared(const struct vml_sim *sim, const struct frame *head)
{
    const struct large_folio *lf = folio_large(sim, head);
    if (lf)
        return lf->maybe_shared || (lf->mm_mapcount[0] && lf->mm_mapcount[1]);
    return head->mapcount > 1;
}

struct prot_numa_ctx {
    struct vml_sim *sim;
    struct sim_mm *mm;
    const struct vma *v;
    int target_node; /* change_pte_range's target_node: pages already there are left */
    uint64_t pages;  /* base pages changed: change_protection's return */
    uint64_t huge;   /* PMDs changed: change_pmd_range's nr_huge_updates */
};

/* change_huge_pmd with MM_CP_PROT_NUMA (mm/huge_memory.c, 6.18), for a PMD the range covers
 * whole: it leaves the huge zero page (not worth trapping) and a PMD already PROT_NONE
 * (pmd_protnone); the top-tier test that follows passes (NUMA_BALANCING_NORMAL, every node top
 * tier). Nothing else is tested: change_pte_range's folio tests (prot_numa_skip: shared
 * copy-on-write, dirty file, already on the target node) are not made for a PMD in 6.18 (6.19
 * shares them: folio_can_map_prot_numa), so a THP on the task's own node is marked too and takes
 * a local hinting fault. pmdp_invalidate_ad, then pmd_modify(PAGE_NONE): the present bit clear,
 * _PAGE_PROTNONE set, PSE, the frame and A/D kept, A set (PAGE_NONE's ___A). The PMD counts
 * HPAGE_PMD_NR pages in change_protection's return and one in nr_huge_updates. */
static int prot_numa_pmd(struct prot_numa_ctx *c, const struct vml_pt_leaf *leaf)
{
    uint64_t e = leaf->entry;
    if (!(e & VML_PTE_P) || is_huge_zero_pfn(c->sim, vml_pte_pfn(e)))
        return 0;
    vml_pt_leaf_set(c->mm->pt, leaf, (e & HPAGE_CHG_MASK) | VML_PTE_A | PTE_PROTNONE);
    c->pages += HPAGE_NR;
    c->huge++;
    return 0;
}

static int prot_numa_leaf(const struct vml_pt_leaf *leaf, void *arg)
{
    struct prot_numa_ctx *c = arg;
    struct vml_sim *sim = c->sim;
    uint64_t e = leaf->entry;
    if (leaf->level == VML_PT_PD)
        return prot_numa_pmd(c, leaf);
    if (leaf->level != 1 || !(e & VML_PTE_P))
        return 0; /* swap entries, and entries already PROT_NONE (pte_protnone) */
    uint64_t pfn = vml_pte_pfn(e);
    if ((e & VML_PTE_SPECIAL) || pfn == sim->zero_pfn)
        return 0; /* no folio: the zero page is not worth trapping */
    const struct frame *head = sim_frame(sim, folio_head(sim, pfn));
    /* Shared copy-on-write pages (is_cow_mapping and folio_maybe_mapped_shared). */
    if ((c->v->flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE && folio_shared(sim, head))
        return 0;
    /* Dirty file folios: MIGRATE_ASYNC cannot move them all. */
    if ((head->flags & PGF_CACHE) && !(head->flags & PGF_SHMEMPG) && (head->flags & PGF_DIRTY))
        return 0;
    if (c->target_node >= 0 && (int)head->node == c->target_node)
        return 0;
    /* pte_modify(oldpte, PAGE_NONE): the frame, cache and software bits and A/D kept
     * (_PAGE_CHG_MASK), then PAGE_NONE's _PAGE_PROTNONE | _PAGE_ACCESSED. */
    vml_pt_leaf_set(c->mm->pt, leaf, (e & PTE_CHG_MASK) | VML_PTE_A | PTE_PROTNONE);
    c->pages++;
    return 0;
}

/* change_prot_numa over [start, end) of v: the base pages changed (a THP's PMD counts
 * HPAGE_PMD_NR), counted in numa_pte_updates, and the PMDs among them in numa_huge_pte_updates
 * (change_pmd_range); the TLB flushed for the range when any changed (the mmu_gather's flush). */
static uint64_t change_prot_numa(struct vml_sim *sim, struct sim_task *t, const struct vma *v,
                                 uint64_t start, uint64_t end)
{
    struct prot_numa_ctx c = { sim, t->mm, v, NUMA_NO_NODE, 0, 0 };
    /* change_pte_range: a single-threaded process's private VMA leaves the pages already on the
     * node it runs on. */
    if (!(v->flags & VM_SHARED))
        c.target_node = (int)task_node(sim, t);
    /* change_pmd_range: a huge PMD the range cuts is split first (__split_huge_pmd) and its
     * PTEs go through change_pte_range. The scan's ranges end on 2 MiB boundaries or at the
     * VMA's end, which a THP never crosses, so this is for a VMA that shrank around one. */
    thp_split_edges(sim, t->mm, v, start, end);
    vml_pt_for_each(t->mm->pt, start, end, prot_numa_leaf, &c);
    if (c.pages) {
        sim->events[VML_VMSTAT_numa_pte_updates] += c.pages;
        sim->events[VML_VMSTAT_numa_huge_pte_updates] += c.huge;
        sim_flush_range(sim, t->mm, start, end);
    }
    return c.pages;
}

/* ---- task_numa_work ---- */

static void reset_ptenuma_scan(struct sim_task *t)
{
    t->numab.scan_seq++;
    t->numab.scan_offset = 0;
}

/* vma_is_accessed for the task (its mm's only one). */
static bool vma_accessed(const struct sim_task *t, const struct vma *v)
{
    const struct vma_numab *s = &v->numab;
    if (t->numab.scan_seq - s->start_scan_seq < 2)
        return true;
    if (s->pids_active[0] || s->pids_active[1])
        return true;
    if (t->numab.scan_offset > v->start)
        return true;
    /* Not accessed for a while, and too few threads to help: get_nr_threads is 1. */
    return t->numab.scan_seq > s->prev_scan_seq + 1;
}

static void task_numa_work(struct vml_sim *sim, struct sim_task *t)
{
    uint64_t now = sim->now_ns;
    if (now < t->numab.next_scan)
        return;
    t->numab.next_scan = now + (uint64_t)t->numab.scan_period * MS;
    int64_t pages = (int64_t)sim->numab.scan_size_mb << (20 - PAGE_SHIFT);
    int64_t virtpages = pages * 8;
    uint64_t delay = (uint64_t)sim->numab.scan_delay_ms * MS;
    bool forced = false, skipped = false;
    uint64_t start = 0;
    struct vma *v;
retry:
    start = t->numab.scan_offset;
    v = vma_find_next(t->mm->vmas, start);
    if (!v) {
        reset_ptenuma_scan(t);
        start = 0;
        v = vma_first(t->mm->vmas);
    }
    for (; v; v = vma_next(v)) {
        if (!vma_scannable(t, v))
            continue;
        struct vma_numab *s = &v->numab;
        if (!s->init) {
            s->init = true;
            s->start_scan_seq = t->numab.scan_seq;
            s->next_scan = now + delay;
            s->pids_reset = s->next_scan + 4 * delay; /* VMA_PID_RESET_PERIOD */
            s->prev_scan_seq = t->numab.scan_seq - 1;
        }
        /* A new VMA waits scan_delay, except in the first pass. */
        if (t->numab.scan_seq && now < s->next_scan)
            continue;
        if (t->numab.scan_seq && now > s->pids_reset) {
            s->pids_reset += 4 * delay;
            s->pids_active[0] = s->pids_active[1];
            s->pids_active[1] = false;
        }
        if (s->prev_scan_seq == t->numab.scan_seq) {
            t->numab.scan_offset = v->end;
            continue;
        }
        if (!forced && !vma_accessed(t, v)) {
            skipped = true;
            continue;
        }
        uint64_t end;
        do {
            if (start < v->start)
                start = v->start;
            end = (start + ((uint64_t)pages << PAGE_SHIFT) + HPAGE_SIZE - 1) & ~(HPAGE_SIZE - 1);
            if (end > v->end)
                end = v->end;
            /* Try to mark scan_size of pages that have a present entry not yet PROT_NONE;
             * areas with none go by faster, up to eight times that much address space. */
            if (change_prot_numa(sim, t, v, start, end))
                pages -= (int64_t)((end - start) >> PAGE_SHIFT);
            virtpages -= (int64_t)((end - start) >> PAGE_SHIFT);
            start = end;
            if (pages <= 0 || virtpages <= 0)
                goto out;
        } while (end != v->end);
        s->prev_scan_seq = t->numab.scan_seq;
        if (forced)
            break;
    }
    if (!v && !forced && skipped) {
        forced = true;
        goto retry;
    }
out:
    if (v)
        t->numab.scan_offset = start;
    else
        reset_ptenuma_scan(t);
}

static int numab_fn(struct vml_sim *sim, struct sim_timer *timer)
{
    (void)timer;
    uint64_t now = sim->now_ns;
    for (size_t i = 0; i < sim->nr_tasks; i++) {
        struct sim_task *t = &sim->tasks[i];
        if (!t->alive || !t->mm || tick_due(t) > now)
            continue;
        /* task_tick_numa: the period read before a first tick resets it to task_scan_start. */
        unsigned period = t->numab.scan_period;
        if (!t->numab.started) {
            t->numab.started = true;
            t->numab.scan_period = scan_min(sim, t); /* task_scan_start without a group */
        }
        t->numab.stamp += (uint64_t)period * MS;
        t->numab.last_tick = now;
        if (running_cpu(sim, t) < 0 || now < t->numab.next_scan)
            continue; /* on no CPU, or the mm's next scan not yet due */
        /* The work runs on the way back to user space, its time its own (not modelled). */
        int was = sim->current;
        sim->current = t->pid;
        task_numa_work(sim, t);
        sim->current = was;
    }
    numab_arm(sim);
    return 0;
}

int numab_init(struct vml_sim *sim)
{
    return sim_timer_add(sim, &sim->numab_timer, numab_fn);
}

void numab_destroy(struct vml_sim *sim)
{
    radix_free(&sim->numab_cpupid, NULL, NULL);
}

/* ---- the hinting fault ---- */

/* update_task_scan_period. */
static void update_scan_period(struct vml_sim *sim, struct sim_task *t, uint64_t shared,
                               uint64_t private)
{
    struct numab_task *n = &t->numab;
    uint64_t remote = n->locality[0], local = n->locality[1];
    unsigned period_max = scan_max(sim, t);
    if (local + shared == 0 || n->locality[2]) {
        /* No faults worth a look, or failed migrations: scan slower. */
        unsigned p = n->scan_period << 1;
        n->scan_period = p < period_max ? p : period_max;
        n->next_scan = sim->now_ns + (uint64_t)n->scan_period * MS;
        return;
    }
    int period_slot = (int)((n->scan_period + NUMA_PERIOD_SLOTS - 1) / NUMA_PERIOD_SLOTS);
    int lr_ratio = (int)(local * NUMA_PERIOD_SLOTS / (local + remote));
    int ps_ratio = (int)(private * NUMA_PERIOD_SLOTS / (private + shared));
    int diff;
    if (ps_ratio >= NUMA_PERIOD_THRESHOLD) {
        int slot = ps_ratio - NUMA_PERIOD_THRESHOLD;
        diff = (slot ? slot : 1) * period_slot;
    } else if (lr_ratio >= NUMA_PERIOD_THRESHOLD) {
        int slot = lr_ratio - NUMA_PERIOD_THRESHOLD;
        diff = (slot ? slot : 1) * period_slot;
    } else {
        int ratio = lr_ratio > ps_ratio ? lr_ratio : ps_ratio;
        diff = -(NUMA_PERIOD_THRESHOLD - ratio) * period_slot;
    }
    int64_t p = (int64_t)n->scan_period + diff;
    int64_t lo = scan_min(sim, t), hi = period_max;
    n->scan_period = (unsigned)(p < lo ? lo : p > hi ? hi : p);
    memset(n->locality, 0, sizeof(n->locality));
}

/* task_numa_placement without groups: the faults of the last period folded in (the older ones
 * halved), the node with the most becomes the preferred one, the scan period adapts. */
static void task_numa_placement(struct vml_sim *sim, struct sim_task *t)
{
    struct numab_task *n = &t->numab;
    if (n->task_seq == n->scan_seq)
        return;
    n->task_seq = n->scan_seq;
    uint64_t types[2] = { 0, 0 }, max_faults = 0;
    int max_nid = NUMA_NO_NODE;
    for (unsigned nid = 0; nid < vml_phys_nr_nodes(sim->phys); nid++) {
        uint64_t faults = 0;
        for (int priv = 0; priv < 2; priv++) {
            types[priv] += n->faults_buf[nid][priv];
            n->faults[nid][priv] =
                n->faults[nid][priv] - n->faults[nid][priv] / 2 + n->faults_buf[nid][priv];
            n->faults_buf[nid][priv] = 0;
            faults += n->faults[nid][priv];
        }
        if (faults > max_faults) {
            max_faults = faults;
            max_nid = (int)nid;
        }
    }
    /* numa_nearest_node(max_nid, N_CPU): a CPU-less node gives the nearest node with CPUs. */
    if (max_nid >= 0) {
        bool cpus = false;
        for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
            cpus |= sim->cpu_node[c] == (unsigned)max_nid;
        if (!cpus) {
            unsigned best = UINT32_MAX;
            for (unsigned c = 0; c < sim->cfg.nr_cpus; c++) {
                unsigned d = vml_phys_distance(sim->phys, (unsigned)max_nid, sim->cpu_node[c]);
                if (d < best) {
                    best = d;
                    max_nid = (int)sim->cpu_node[c];
                }
            }
        }
    }
    if (max_faults)
        n->preferred_nid = max_nid; /* sched_setnuma */
    update_scan_period(sim, t, types[0], types[1]);
}

/* task_numa_fault: the fault's statistics. */
static void task_numa_fault(struct vml_sim *sim, struct sim_task *t, uint64_t last_cpupid,
                            unsigned mem_node, uint64_t pages, unsigned flags)
{
    struct numab_task *n = &t->numab;
    if (!numab_on(sim) || !t->mm)
        return;
    if (!n->has_faults) {
        n->has_faults = true;
        memset(n->faults, 0, sizeof(n->faults));
        memset(n->faults_buf, 0, sizeof(n->faults_buf));
        memset(n->locality, 0, sizeof(n->locality));
    }
    /* A first access is private; else private when the last accessor was this task (a shared
     * fault would join a numa_group: not modelled). */
    int priv = last_cpupid == CPUPID_UNSET || cpupid_match_pid(t, last_cpupid);
    int local = (flags & TNF_FAULT_LOCAL) != 0;
    if (sim->now_ns > n->migrate_retry) {
        task_numa_placement(sim, t);
        /* numa_migrate_preferred: with statistics and a preferred node, retry after a
         * sixteenth of the period (at most a second); the task itself is not moved. */
        if (n->preferred_nid != NUMA_NO_NODE) {
            uint64_t iv = (uint64_t)n->scan_period * MS / 16;
            n->migrate_retry = sim->now_ns + (iv < 1000 * MS ? iv : 1000 * MS);
        }
    }
    if (flags & TNF_MIGRATED)
        n->pages_migrated += pages;
    if (flags & TNF_MIGRATE_FAIL)
        n->locality[2] += pages;
    n->faults_buf[mem_node][priv] += pages;
    n->locality[local] += pages;
}

/* should_numa_migrate_memory, for a task without a numa_group on a machine of top-tier nodes. */
static bool should_migrate(struct vml_sim *sim, struct sim_task *t, uint64_t head, unsigned cpu)
{
    unsigned dst_nid = sim->cpu_node[cpu];
    if (!vml_phys_node_pages(sim->phys, dst_nid))
        return false; /* memoryless node */
    uint64_t last = cpupid_read(sim, head);
    cpupid_write(sim, head, cpupid_of(cpu, t->pid));
    /* Early in the task's life (or with no preferred node), a first or private fault moves the
     * page at once. */
    if ((t->numab.preferred_nid == NUMA_NO_NODE || t->numab.task_seq <= 4) &&
        (cpupid_pid_unset(last) || cpupid_match_pid(t, last)))
        return true;
    /* The two-stage filter: the page moves when the same node faulted on it twice in a row. */
    if (!cpupid_pid_unset(last) && sim->cpu_node[last >> 8] != dst_nid)
        return false;
    return true; /* a private fault; or a shared one without a numa_group */
}

/* migrate_balanced_pgdat: some zone of the node stays above its high watermark with nr pages
 * more taken. */
static bool node_balanced(const struct vml_sim *sim, unsigned node, uint64_t nr)
{
    const struct phys_node *pn = &sim->phys->nodes[node];
    for (unsigned z = 0; z < VML_NR_ZONES; z++) {
        const struct phys_zone *pz = &pn->zones[z];
        if (pz->end == pz->start)
            continue;
        if (pz->free_pages > zone_wmark(sim, node, z)->high + nr)
            return true;
    }
    return false;
}

/* Whether the restored entry may be writable (do_numa_page: pte_write after pte_modify, else
 * vma_wants_manual_pte_write_upgrade and can_change_pte_writable). */
static bool restore_writable(const struct vml_sim *sim, const struct vma *v, uint64_t e,
                             const struct frame *head)
{
    if (!(v->flags & VM_WRITE))
        return false;
    if (v->flags & VM_SHARED)
        return (head->flags & PGF_SHMEMPG) || (e & VML_PTE_D);
    (void)sim;
    return (head->flags & PGF_ANON) && (head->flags & PGF_EXCLUSIVE);
}

/* numa_migrate_check (mm/memory.c), shared by do_numa_page and do_huge_pmd_numa_page: the
 * fault's flags for task_numa_fault, the folio's last_cpupid, the VMA's access bit
 * (vma_set_access_pid_bit) and the counters, then mpol_misplaced's target node (NUMA_NO_NODE:
 * the folio stays). numa_hint_faults counts the fault once whatever the folio's size (a THP's
 * fault is one, not 512), numa_hint_faults_local when the folio is on the faulting CPU's node.
 * mpol_misplaced: only a policy with MPOL_F_MOF migrates on a hinting fault, which here is the
 * default one (MPOL_PREFERRED of the local node with MPOL_F_MORON): a folio on the faulting
 * CPU's node stays; another goes there if should_numa_migrate_memory agrees. */
static int numa_migrate_check(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t hpfn,
                              bool writable, unsigned this_cpu, unsigned *flags,
                              uint64_t *last_cpupid)
{
    const struct frame *head = sim_frame(sim, hpfn);
    unsigned nid = head->node, thisnid = sim->cpu_node[this_cpu];
    if (!writable)
        *flags |= TNF_NO_GROUP;
    if (folio_shared(sim, head) && (v->flags & VM_SHARED))
        *flags |= TNF_SHARED;
    *last_cpupid = cpupid_read(sim, hpfn);
    if (v->numab.init)
        v->numab.pids_active[1] = true; /* vma_set_access_pid_bit */
    sim->events[VML_VMSTAT_numa_hint_faults]++;
    if (nid == thisnid) {
        sim->events[VML_VMSTAT_numa_hint_faults_local]++;
        *flags |= TNF_FAULT_LOCAL;
    }
    const struct sim_mpol *pol = v->policy ? (const struct sim_mpol *)v->policy : t->mempolicy;
    if ((!pol || pol->mode == VML_MPOL_DEFAULT) && v->kind != VMA_SHMEM && nid != thisnid &&
        should_migrate(sim, t, hpfn, this_cpu))
        return (int)thisnid;
    return NUMA_NO_NODE;
}

/* migrate_misplaced_folio_prepare's refusals, which count nothing: a shared executable
 * page-cache folio (a library), a dirty one (MIGRATE_ASYNC cannot move them all), and a target
 * node that would drop below its high watermark with the folio's pages taken
 * (migrate_balanced_pgdat). */
static bool misplaced_prepare(const struct vml_sim *sim, const struct vma *v,
                              const struct frame *head, unsigned target, uint64_t nr)
{
    bool file = (head->flags & PGF_CACHE) && !(head->flags & PGF_SHMEMPG);
    if (file && (v->flags & VM_EXEC) && folio_shared(sim, head))
        return false;
    if (file && (head->flags & PGF_DIRTY))
        return false;
    return node_balanced(sim, target, nr);
}

/* The faulting CPU: the one the task runs on (CPU 0 for a task on none). */
static unsigned fault_cpu(const struct vml_sim *sim, const struct sim_task *t)
{
    int cpu = running_cpu(sim, t);
    return cpu < 0 ? 0 : (unsigned)cpu;
}

int do_numa_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                 const struct vml_pt_leaf *leaf)
{
    uint64_t e = leaf->entry, pfn = vml_pte_pfn(e);
    bool normal = !(e & VML_PTE_SPECIAL) && pfn != sim->zero_pfn;
    uint64_t hpfn = normal ? folio_head(sim, pfn) : pfn;
    const struct frame *head = sim_frame(sim, hpfn);
    bool writable = normal && restore_writable(sim, v, e, head);
    /* numa_rebuild_single_mapping: pte_modify(old, vm_page_prot), young, writable if it may. */
    uint64_t restored = (e & PTE_CHG_MASK) | vma_pte_flags(v, writable) | VML_PTE_A | VML_PTE_P;
    if (!normal)
        return vml_pt_leaf_set(t->mm->pt, leaf, restored);
    unsigned this_cpu = fault_cpu(sim, t), thisnid = sim->cpu_node[this_cpu];
    unsigned nid = head->node, flags = 0;
    uint64_t nr = 1ull << head->order, last_cpupid;
    int target = numa_migrate_check(sim, t, v, hpfn, writable, this_cpu, &flags, &last_cpupid);
    if (target != NUMA_NO_NODE) {
        /* migrate_misplaced_folio_prepare; and folios not modelled as movable here (large
         * ones mapped by PTEs: mTHPs). */
        bool ok = misplaced_prepare(sim, v, head, thisnid, nr) && nr == 1 &&
                  page_movable(sim, hpfn, 1) && !(head->flags & PGF_WRITEBACK);
        if (!ok) {
            flags |= TNF_MIGRATE_FAIL;
        } else {
            /* migrate_misplaced_folio: alloc_misplaced_dst_folio takes the target node alone,
             * without reclaim (__GFP_THISNODE, no __GFP_RECLAIM). */
            struct alloc_req rq = { .nid = thisnid, .local = thisnid, .thisnode = true };
            uint64_t new;
            int r = page_alloc_misplaced(sim, &rq, 0, head->use, &new);
            if (r == 0) {
                if (migrate_page(sim, hpfn, new) == 0) {
                    /* remove_migration_pte: the new frame, present, old and read-only (the
                     * PROT_NONE entry had no write bit); a write faults once more. */
                    sim->events[VML_VMSTAT_numa_pages_migrated] += nr;
                    struct vml_pt_leaf nl;
                    if (vml_pt_lookup(t->mm->pt, va & PAGE_MASK, &nl) == 0 &&
                        pte_protnone(nl.entry))
                        vml_pt_leaf_set(t->mm->pt, &nl,
                                        (nl.entry & (PTE_CHG_MASK & ~VML_PTE_A)) |
                                            (vma_pte_flags(v, false) & ~VML_PTE_A) | VML_PTE_P);
                    task_numa_fault(sim, t, last_cpupid, thisnid, nr, flags | TNF_MIGRATED);
                    return 0;
                }
                vml_phys_free(sim->phys, new, 0);
            } else if (r != VML_ENOMEM) {
                return r;
            }
            sim->events[VML_VMSTAT_pgmigrate_fail] += nr;
            sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = nr });
            flags |= TNF_MIGRATE_FAIL;
        }
    }
    int r = vml_pt_leaf_set(t->mm->pt, leaf, restored);
    if (r)
        return r;
    if (nr > 1) {
        /* numa_rebuild_large_mapping: the folio's other hinting entries in the same PMD and
         * VMA are made present too. */
        uint64_t base = (va & PAGE_MASK) - ((pfn - hpfn) << PAGE_SHIFT);
        uint64_t lo = (va & ~(HPAGE_SIZE - 1)), hi = lo + HPAGE_SIZE;
        for (uint64_t i = 0; i < nr; i++) {
            uint64_t a = base + (i << PAGE_SHIFT);
            struct vml_pt_leaf l;
            if (a < lo || a >= hi || a < v->start || a >= v->end ||
                vml_pt_lookup(t->mm->pt, a, &l) != 0 || l.level != VML_PT_PT ||
                !pte_protnone(l.entry) || vml_pte_pfn(l.entry) != hpfn + i)
                continue;
            uint64_t le =
                (l.entry & PTE_CHG_MASK) | vma_pte_flags(v, writable) | VML_PTE_A | VML_PTE_P;
            if ((r = vml_pt_leaf_set(t->mm->pt, &l, le)) != 0)
                return r;
        }
    }
    task_numa_fault(sim, t, last_cpupid, nid, nr, flags);
    return 0;
}

/* migrate_misplaced_folio for a PMD-mapped anonymous THP: migrate_pages with
 * alloc_misplaced_dst_folio (GFP_TRANSHUGE_LIGHT | __GFP_THISNODE: a 2 MiB block of the target
 * node alone, no reclaim, no compaction) and MR_NUMA_MISPLACED, which never splits a large
 * folio it cannot move (migrate_pages_batch: "Large folio NUMA faulting doesn't split to
 * retry"). Success counts 512 pages in pgmigrate_success and one thp_migration_success
 * (migrate_thp); a failure, no 2 MiB block or a folio with a reference beyond its PMD mappings
 * (thp_movable: migrate_folio_move's -EAGAIN, retried and given up), counts 512 pages in
 * pgmigrate_fail and one thp_migration_fail. 0, VML_EAGAIN (failed) or a host error. */
static int migrate_misplaced_thp(struct vml_sim *sim, uint64_t hpfn, unsigned target)
{
    int r = VML_EAGAIN;
    if (thp_movable(sim, hpfn)) {
        struct alloc_req rq = { .nid = target, .local = target, .thisnode = true };
        uint64_t new;
        r = page_alloc_misplaced(sim, &rq, VML_THP_PMD_ORDER, VML_USE_ANON, &new);
        if (r == 0) {
            r = migrate_thp(sim, hpfn, new);
            if (r == 0)
                return 0;
            vml_phys_free(sim->phys, new, VML_THP_PMD_ORDER);
        }
    }
    if (r != VML_EAGAIN && r != VML_ENOMEM)
        return r;
    sim->events[VML_VMSTAT_pgmigrate_fail] += HPAGE_NR;
    sim->events[VML_VMSTAT_thp_migration_fail]++;
    sim_event(sim, &(struct vml_event){ .kind = VML_EV_MIGRATE, .n2 = HPAGE_NR });
    return VML_EAGAIN;
}

/* do_huge_pmd_numa_page (mm/huge_memory.c): the hinting fault on a PROT_NONE PMD. The folio's
 * checks and counters are numa_migrate_check's, as for a PTE (one hint fault for the 2 MiB);
 * a misplaced THP that migrate_misplaced_folio_prepare accepts moves whole
 * (migrate_misplaced_thp), its 512 pages counted in numa_pages_migrated, and the fault feeds
 * task_numa_fault with HPAGE_PMD_NR pages on the target node. Otherwise, and when the move
 * fails (TNF_MIGRATE_FAIL), the PMD is restored where it is, never split: pmd_modify(pmd,
 * vm_page_prot), young, writable if it may be (can_change_pmd_writable: an exclusive anonymous
 * THP in a writable private VMA), and task_numa_fault counts 512 pages on the folio's node. The
 * entry goes from not present to present: no TLB entry can hold it, nothing is flushed
 * (update_mmu_cache_pmd does nothing on x86). */
int do_huge_pmd_numa_page(struct vml_sim *sim, struct sim_task *t, struct vma *v, uint64_t va,
                          const struct vml_pt_leaf *leaf)
{
    uint64_t e = leaf->entry, hpfn = vml_pte_pfn(e);
    const struct frame *head = sim_frame(sim, hpfn);
    /* vm_normal_folio_pmd: the huge zero page has none (change_huge_pmd never marks it). */
    bool normal = !(e & VML_PTE_SPECIAL) && !is_huge_zero_pfn(sim, hpfn);
    bool writable = normal && restore_writable(sim, v, e, head);
    uint64_t restored = (e & HPAGE_CHG_MASK) | vma_pte_flags(v, writable) | VML_PTE_A | VML_PTE_P;
    if (!normal)
        return vml_pt_leaf_set(t->mm->pt, leaf, restored);
    unsigned this_cpu = fault_cpu(sim, t), nid = head->node, flags = 0;
    uint64_t last_cpupid;
    int target = numa_migrate_check(sim, t, v, hpfn, writable, this_cpu, &flags, &last_cpupid);
    if (target != NUMA_NO_NODE) {
        /* A page-cache folio mapped by a PMD: its migration is not modelled (departure). */
        if (!misplaced_prepare(sim, v, head, (unsigned)target, HPAGE_NR) ||
            !(head->flags & PGF_ANON)) {
            flags |= TNF_MIGRATE_FAIL;
        } else {
            int r = migrate_misplaced_thp(sim, hpfn, (unsigned)target);
            if (r == 0) {
                /* remove_migration_pmd: the new folio's PMD, present, old and read-only as the
                 * PTE's (the PROT_NONE PMD had no write bit); a write faults once more and
                 * reuses the exclusive THP in place. */
                sim->events[VML_VMSTAT_numa_pages_migrated] += HPAGE_NR;
                struct vml_pt_leaf nl;
                if (vml_pt_lookup(t->mm->pt, leaf->va, &nl) == 0 && nl.level == VML_PT_PD &&
                    pte_protnone(nl.entry))
                    vml_pt_leaf_set(t->mm->pt, &nl,
                                    (nl.entry & (HPAGE_CHG_MASK & ~VML_PTE_A)) |
                                        (vma_pte_flags(v, false) & ~VML_PTE_A) | VML_PTE_P);
                task_numa_fault(sim, t, last_cpupid, (unsigned)target, HPAGE_NR,
                                flags | TNF_MIGRATED);
                return 0;
            }
            if (r != VML_EAGAIN)
                return r;
            flags |= TNF_MIGRATE_FAIL;
        }
    }
    (void)va;
    int r = vml_pt_leaf_set(t->mm->pt, leaf, restored);
    if (r)
        return r;
    task_numa_fault(sim, t, last_cpupid, nid, HPAGE_NR, flags);
    return 0;
}

/* ---- the settings ---- */

int vml_sim_numab_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                        struct vml_diag *diag)
{
    struct vml_numab_settings s = sim->numab;
    int r = vml_numab_store(&s, file, value, len, diag);
    if (r)
        return r;
    bool was = numab_on(sim);
    sim->numab = s;
    /* sched_numa_balancing's static key: the ticks start (the tasks' node_stamp and next scan
     * kept from their creation, as init_numa_balancing set them) or stop. */
    if (was != numab_on(sim) || was)
        numab_arm(sim);
    return 0;
}

const struct vml_numab_settings *vml_sim_numab(const struct vml_sim *sim)
{
    return &sim->numab;
}
