/* mm/memcontrol.c: memory cgroups as Linux 6.18 runs them on the v2 hierarchy (mm/memcontrol.c,
 * mm/page_counter.c): a tree of cgroups, each folio and page table charged to one, the limits
 * memory.max, memory.high, memory.low, memory.min and memory.swap.max, reclaim inside a cgroup
 * that hits its limit (try_to_free_mem_cgroup_pages), then the cgroup's own OOM killer
 * (mem_cgroup_oom), and the files that show it: memory.current, .peak, .stat, .events, and the
 * v1 files for the same state.
 *
 * Charging follows try_charge_memcg: a charge takes MEMCG_CHARGE_BATCH pages from the counters
 * at once and keeps the rest in the CPU's stock (consume_stock, refill_stock), so memory.current
 * moves in steps of 256 KiB, as it does on Linux. What the simulation does differently
 * (docs/cgroups.md):
 *   - The reclaim and OOM a charge may need run at the operation's reclaim point (vmscan.c), as
 *     global reclaim does, for the pages the operation is about to allocate; the charges then
 *     never reclaim. A charge that still does not fit fails (VML_ENOMEM): a THP or a readahead
 *     window falls back to less, as the kernel's failing charge does.
 *   - Slab objects (dentries, inodes) are not charged: memory.current lacks the few kB per file
 *     they add on Linux ("kernel" and "slab" stay 0).
 *   - Statistics are exact at every read: the kernel's lag behind rstat flushes (up to 64 pages
 *     per CPU, or 2 s) is not modelled.
 */
#include "mm/sim_internal.h"

#include "util/text.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECLAIM_RETRIES     16
#define P4K                     ((uint64_t)PAGE_SIZE) /* PAGE_SIZE as uint64_t, for PRIu64 */
#define PAGE_ALLOC_COSTLY_PAGES 8u                    /* 1 << PAGE_ALLOC_COSTLY_ORDER */

/* ---- the tree ------------------------------------------------------------------------------ */

struct mem_cgroup *memcg_of(const struct vml_sim *sim, unsigned id)
{
    return sim->memcgs[id];
}

static struct mem_cgroup *parent_of(const struct vml_sim *sim, const struct mem_cgroup *m)
{
    return m->id == 0 ? NULL : sim->memcgs[m->parent];
}

bool memcg_is_descendant(const struct vml_sim *sim, unsigned id, unsigned ancestor)
{
    for (const struct mem_cgroup *m = sim->memcgs[id]; m; m = parent_of(sim, m))
        if (m->id == ancestor)
            return true;
    return false;
}

/* The subtree of root in pre-order (css_next_descendant_pre: a cgroup, then its children in
 * the order they were made). Returns how many ids went into out. */
unsigned memcg_subtree(const struct vml_sim *sim, unsigned root, unsigned out[MEMCG_MAX_GROUPS])
{
    unsigned n = 0;
    unsigned stack[MEMCG_MAX_GROUPS], sp = 0;
    stack[sp++] = root;
    while (sp) {
        unsigned id = stack[--sp];
        if (!sim->memcgs[id] || !sim->memcgs[id]->online)
            continue;
        out[n++] = id;
        /* Children pushed last first, so the first made comes out first. */
        for (unsigned c = sim->nr_memcgs; c-- > 1;) {
            const struct mem_cgroup *m = sim->memcgs[c];
            if (m && m->online && m->parent == id && c != id)
                stack[sp++] = c;
        }
    }
    return n;
}

static void counter_init(struct page_counter *c)
{
    memset(c, 0, sizeof(*c));
    c->max = c->high = PAGE_COUNTER_MAX;
}

static void memcg_setup(struct mem_cgroup *m, unsigned id, unsigned parent, unsigned depth,
                        const char *path)
{
    memset(m, 0, sizeof(*m));
    snprintf(m->path, sizeof(m->path), "%s", path);
    m->id = id;
    m->parent = parent;
    m->depth = depth;
    m->online = true;
    counter_init(&m->memory);
    counter_init(&m->swap);
    m->swap_high = PAGE_COUNTER_MAX;
}

void memcg_init(struct vml_sim *sim)
{
    memcg_setup(&sim->root_memcg, 0, 0, 0, "");
    sim->memcgs[0] = &sim->root_memcg;
    sim->nr_memcgs = 1;
}

void memcg_destroy(struct vml_sim *sim)
{
    for (unsigned i = 1; i < sim->nr_memcgs; i++) {
        free(sim->memcgs[i]);
        sim->memcgs[i] = NULL;
    }
    sim->nr_memcgs = 1;
}

/* A cgroup's path below the hierarchy root: names of letters, digits, '_', '-', '.' and '@',
 * joined by '/'; "/" or "" is the root. */
static bool path_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n >= sizeof(((struct mem_cgroup *)0)->path) || p[0] == '/' || p[n - 1] == '/')
        return false;
    bool start = true;
    for (const char *c = p; *c; c++) {
        if (*c == '/') {
            if (start)
                return false; /* an empty name */
            start = true;
            continue;
        }
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.' || *c == '@'))
            return false;
        if (start && *c == '.' &&
            (c[1] == 0 || c[1] == '/' || (c[1] == '.' && (c[2] == 0 || c[2] == '/'))))
            return false; /* "." and ".." */
        start = false;
    }
    return true;
}

int vml_sim_cgroup_find(const struct vml_sim *sim, const char *path)
{
    if (!path[0] || !strcmp(path, "/"))
        return 0;
    for (unsigned i = 1; i < sim->nr_memcgs; i++)
        if (sim->memcgs[i] && sim->memcgs[i]->online && !strcmp(sim->memcgs[i]->path, path))
            return (int)i;
    return VML_ENOENT;
}

int vml_sim_cgroup_create(struct vml_sim *sim, const char *path)
{
    if (!path_ok(path))
        return VML_EINVAL;
    if (vml_sim_cgroup_find(sim, path) >= 0)
        return VML_EEXIST;
    char parent[sizeof(((struct mem_cgroup *)0)->path)];
    snprintf(parent, sizeof(parent), "%s", path);
    char *slash = strrchr(parent, '/');
    int pid = 0;
    if (slash) {
        *slash = 0;
        pid = vml_sim_cgroup_find(sim, parent);
        if (pid < 0)
            return VML_ENOENT;
    }
    if (sim->nr_memcgs >= MEMCG_MAX_GROUPS)
        return VML_ENOTSUP;
    struct mem_cgroup *m = malloc(sizeof(*m));
    if (!m)
        return VML_EHOST;
    unsigned id = sim->nr_memcgs++;
    memcg_setup(m, id, (unsigned)pid, sim->memcgs[pid]->depth + 1, path);
    sim->memcgs[id] = m;
    return 0;
}

int vml_sim_cgroup_attach(struct vml_sim *sim, int pid, const char *path)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    int id = vml_sim_cgroup_find(sim, path);
    if (id < 0)
        return VML_ENOENT;
    /* The v2 "no internal processes" rule: a cgroup whose children have the memory controller
     * enabled takes no process (cgroup_migrate_vet_dst: EBUSY); the root is exempt. */
    for (unsigned c = 1; id != 0 && c < sim->nr_memcgs; c++)
        if (sim->memcgs[c] && sim->memcgs[c]->online && sim->memcgs[c]->parent == (unsigned)id)
            return VML_EBUSY;
    /* Charges stay where they were made (v2 moves none: memory.move_charge_at_immigrate is a v1
     * file). */
    t->memcg = (unsigned)id;
    return 0;
}

unsigned memcg_use(struct vml_sim *sim, const struct sim_task *t)
{
    unsigned old = sim->memcg_cur;
    sim->memcg_cur = t ? t->memcg : 0;
    return old;
}

/* ---- page counters (mm/page_counter.c) ------------------------------------------------------ */

/* page_counter_try_charge up the tree from id: the first counter the charge would take past its
 * max fails it (its failcnt counts the failure) and nothing is charged; *over names its cgroup. */
static bool counter_try_charge(struct vml_sim *sim, unsigned id, uint64_t nr, bool swap,
                               unsigned *over)
{
    for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
        struct page_counter *c = swap ? &m->swap : &m->memory;
        if (c->usage + nr > c->max) {
            c->failcnt++;
            *over = m->id;
            return false;
        }
    }
    for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
        struct page_counter *c = swap ? &m->swap : &m->memory;
        c->usage += nr;
        if (c->usage > c->watermark)
            c->watermark = c->usage;
    }
    return true;
}

static void counter_uncharge(struct vml_sim *sim, unsigned id, uint64_t nr, bool swap)
{
    for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
        struct page_counter *c = swap ? &m->swap : &m->memory;
        c->usage = c->usage > nr ? c->usage - nr : 0;
    }
}

/* mem_cgroup_margin: what the cgroup may still be charged, its ancestors' limits aside. */
static uint64_t memcg_margin(const struct vml_sim *sim, unsigned id)
{
    const struct page_counter *c = &sim->memcgs[id]->memory;
    return c->usage < c->max ? c->max - c->usage : 0;
}

/* memcg_memory_event: the cgroup's local count, and the hierarchical one of it and every
 * ancestor below the root. */
void memcg_event(struct vml_sim *sim, unsigned id, enum memcg_event e)
{
    if (id == 0)
        return;
    sim->memcgs[id]->events_local[e]++;
    for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m))
        m->events[e]++;
}

/* ---- the per-CPU stock ---------------------------------------------------------------------- */

static struct memcg_stock *cur_stock(struct vml_sim *sim)
{
    struct sim_task *t = sim->current ? sim_task(sim, sim->current) : NULL;
    unsigned cpu = t && t->cpu >= 0 ? (unsigned)t->cpu : 0;
    return &sim->stock[cpu];
}

static bool consume_stock(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    if (nr > MEMCG_CHARGE_BATCH)
        return false;
    struct memcg_stock *s = cur_stock(sim);
    for (unsigned i = 0; i < NR_MEMCG_STOCK; i++) {
        if (s->cached[i] != id + 1)
            continue;
        if (s->nr_pages[i] >= nr) {
            s->nr_pages[i] = (uint8_t)(s->nr_pages[i] - nr);
            return true;
        }
        return false;
    }
    return false;
}

static void drain_slot(struct vml_sim *sim, struct memcg_stock *s, unsigned i)
{
    if (!s->cached[i])
        return;
    if (s->nr_pages[i])
        counter_uncharge(sim, s->cached[i] - 1u, s->nr_pages[i], false);
    s->nr_pages[i] = 0;
    s->cached[i] = 0;
}

/* refill_stock: pages charged ahead go to the CPU's slot for the cgroup; a full stock gives one
 * slot's pages back first (chosen at random by the kernel: here the seed's next slot). */
static void refill_stock(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    struct memcg_stock *s = cur_stock(sim);
    int empty = -1;
    for (unsigned i = 0; i < NR_MEMCG_STOCK; i++) {
        if (!s->cached[i] && empty < 0)
            empty = (int)i;
        if (s->cached[i] == id + 1) {
            uint64_t n = s->nr_pages[i] + nr;
            s->nr_pages[i] = (uint8_t)(n > 255 ? 255 : n);
            if (n > MEMCG_CHARGE_BATCH)
                drain_slot(sim, s, i);
            return;
        }
    }
    if (empty < 0) {
        empty = (int)(sim->kills % NR_MEMCG_STOCK); /* any slot: the choice is the kernel's */
        drain_slot(sim, s, (unsigned)empty);
    }
    s->cached[empty] = (uint16_t)(id + 1);
    s->nr_pages[empty] = (uint8_t)nr;
}

/* drain_all_stock: every CPU's stocked pages of the subtree of root go back. */
static void drain_all_stock(struct vml_sim *sim, unsigned root)
{
    for (unsigned cpu = 0; cpu < sim->cfg.nr_cpus && cpu < VML_SIM_MAX_CPUS; cpu++)
        for (unsigned i = 0; i < NR_MEMCG_STOCK; i++)
            if (sim->stock[cpu].cached[i] &&
                memcg_is_descendant(sim, sim->stock[cpu].cached[i] - 1u, root))
                drain_slot(sim, &sim->stock[cpu], i);
}

/* ---- charging ------------------------------------------------------------------------------- */

/* try_charge_memcg's fast path: the stock, a batch, or the pages alone. False when even those
 * would pass a limit (the reclaim point made what room it could: the caller falls back). */
static bool try_charge(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    if (id == 0)
        return true; /* the root cgroup is not charged (try_charge) */
    if (consume_stock(sim, id, nr))
        return true;
    uint64_t batch = nr > MEMCG_CHARGE_BATCH ? nr : MEMCG_CHARGE_BATCH;
    unsigned over;
    if (counter_try_charge(sim, id, batch, false, &over)) {
        if (batch > nr)
            refill_stock(sim, id, batch - nr);
    } else if (batch == nr || !counter_try_charge(sim, id, nr, false, &over)) {
        memcg_event(sim, over, MEMCG_MAX);
        sim->memcg_charge_failed = true;
        return false;
    }
    /* Above memory.high: the task reclaims the excess on its way back to user space
     * (memcg_nr_pages_over_high, mem_cgroup_handle_over_high). */
    for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m))
        if (m->memory.usage > m->memory.high || m->swap.usage > m->swap_high) {
            sim->memcg_over_high += batch;
            break;
        }
    return true;
}

int memcg_charge(struct vml_sim *sim, uint64_t nr)
{
    return try_charge(sim, sim->memcg_cur, nr) ? 0 : VML_ENOMEM;
}

void memcg_commit(struct vml_sim *sim, uint64_t pfn, uint64_t nr)
{
    struct frame *f = sim_frame(sim, pfn);
    f->memcg = (uint16_t)sim->memcg_cur;
    (void)nr;
    memcg_count(sim, sim->memcg_cur, MEV_PGPGIN, 1);
}

void memcg_uncharge(struct vml_sim *sim, struct frame *f, uint64_t nr)
{
    unsigned id = f->memcg;
    if (sim->nr_memcgs == 1 && id == 0)
        return;
    memcg_count(sim, id, MEV_PGPGOUT, 1);
    /* uncharge_batch: straight to the counters, not the stock. */
    counter_uncharge(sim, id, nr, false);
    f->memcg = 0;
}

int memcg_charge_table(struct vml_sim *sim, uint64_t pfn)
{
    /* __GFP_ACCOUNT: a kernel page charged to current's cgroup (__memcg_kmem_charge_page). */
    if (!try_charge(sim, sim->memcg_cur, 1))
        return VML_ENOMEM;
    sim_frame(sim, pfn)->memcg = (uint16_t)sim->memcg_cur;
    sim->memcgs[sim->memcg_cur]->pagetables++;
    return 0;
}

void memcg_uncharge_table(struct vml_sim *sim, uint64_t pfn)
{
    struct frame *f = sim_frame(sim, pfn);
    unsigned id = f->memcg;
    if (sim->memcgs[id]->pagetables)
        sim->memcgs[id]->pagetables--;
    counter_uncharge(sim, id, 1, false);
    f->memcg = 0;
}

/* ---- swap (mem_cgroup_try_charge_swap, mem_cgroup_uncharge_swap) ------------------------- */

uint64_t memcg_nr_swap_pages(const struct vml_sim *sim, unsigned id)
{
    uint64_t nr = sim->nr_swap_pages;
    for (const struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
        uint64_t room = m->swap.usage < m->swap.max ? m->swap.max - m->swap.usage : 0;
        if (room < nr)
            nr = room;
    }
    return nr;
}

bool memcg_try_charge_swap(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    if (id == 0)
        return true;
    unsigned over;
    if (!counter_try_charge(sim, id, nr, true, &over)) {
        memcg_event(sim, over, MEMCG_SWAP_MAX);
        memcg_event(sim, id, MEMCG_SWAP_FAIL);
        return false;
    }
    return true;
}

void memcg_uncharge_swap(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    if (id != 0 && id < sim->nr_memcgs && sim->memcgs[id])
        counter_uncharge(sim, id, nr, true);
}

/* ---- protection (page_counter_calculate_protection) ---------------------------------------- */

static uint64_t effective_protection(uint64_t usage, uint64_t setting, uint64_t parent_effective,
                                     uint64_t siblings_protected)
{
    uint64_t protected = usage < setting ? usage : setting;
    if (siblings_protected > parent_effective)
        return protected * parent_effective / siblings_protected;
    return protected;
}

/* mem_cgroup_calculate_protection for memcg under a reclaim of target's subtree, top-down: the
 * parent's effective values are already set (pre-order). */
void memcg_calculate_protection(struct vml_sim *sim, unsigned target, unsigned id)
{
    struct mem_cgroup *m = sim->memcgs[id];
    if (id == target || id == 0)
        return;
    uint64_t usage = m->memory.usage;
    if (!usage)
        return;
    struct mem_cgroup *p = parent_of(sim, m);
    if (p->id == target) {
        m->memory.emin = m->memory.min;
        m->memory.elow = m->memory.low;
        return;
    }
    uint64_t cmin = 0, clow = 0;
    for (unsigned c = 1; c < sim->nr_memcgs; c++) {
        const struct mem_cgroup *s = sim->memcgs[c];
        if (!s || !s->online || s->parent != p->id)
            continue;
        cmin += s->memory.usage < s->memory.min ? s->memory.usage : s->memory.min;
        clow += s->memory.usage < s->memory.low ? s->memory.usage : s->memory.low;
    }
    m->memory.emin = effective_protection(usage, m->memory.min, p->memory.emin, cmin);
    m->memory.elow = effective_protection(usage, m->memory.low, p->memory.elow, clow);
}

/* mem_cgroup_below_min, mem_cgroup_below_low (the root and the target are never protected). */
bool memcg_below_min(const struct vml_sim *sim, unsigned target, unsigned id)
{
    const struct mem_cgroup *m = sim->memcgs[id];
    return id != 0 && id != target && m->memory.emin >= m->memory.usage;
}

bool memcg_below_low(const struct vml_sim *sim, unsigned target, unsigned id)
{
    const struct mem_cgroup *m = sim->memcgs[id];
    return id != 0 && id != target && m->memory.elow >= m->memory.usage;
}

uint64_t memcg_protection(const struct vml_sim *sim, unsigned target, unsigned id, uint64_t *min,
                          uint64_t *low)
{
    const struct mem_cgroup *m = sim->memcgs[id];
    *min = *low = 0;
    if (id == 0 || id == target)
        return 0;
    *min = m->memory.emin;
    *low = m->memory.elow;
    return m->memory.usage;
}

/* ---- the slow path, at a reclaim point ------------------------------------------------------ */

/* The first cgroup from id up whose limit nr more pages would pass, or 0. */
static unsigned over_limit(const struct vml_sim *sim, unsigned id, uint64_t nr)
{
    for (const struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m))
        if (m->memory.usage + nr > m->memory.max)
            return m->id;
    return 0;
}

/* Whether the CPU's stock already holds nr pages for id. */
static bool stock_has(struct vml_sim *sim, unsigned id, uint64_t nr)
{
    const struct memcg_stock *s = cur_stock(sim);
    for (unsigned i = 0; i < NR_MEMCG_STOCK; i++)
        if (s->cached[i] == id + 1)
            return s->nr_pages[i] >= nr;
    return false;
}

int memcg_reclaim_point(struct vml_sim *sim, unsigned node, uint64_t need)
{
    unsigned id = sim->memcg_cur;
    sim->memcg_nomem = 0;
    if (id == 0)
        return 0;
    uint64_t nr = need;
    int retries = MAX_RECLAIM_RETRIES;
    bool drained = false, passed_oom = false;
    for (;;) {
        if (stock_has(sim, id, nr))
            return 0;
        unsigned over = over_limit(sim, id, nr);
        if (!over)
            return 0;
        memcg_event(sim, over, MEMCG_MAX);
        uint64_t reclaimed = try_to_free_mem_cgroup_pages(sim, over, node, nr, true);
        if (memcg_margin(sim, over) >= nr)
            continue;
        if (!drained) {
            drain_all_stock(sim, over);
            drained = true;
            continue;
        }
        if (reclaimed && nr <= PAGE_ALLOC_COSTLY_PAGES)
            continue;
        /* Pages under swap writeback come back when their writes end: wait for them rather
         * than count a retry (reclaim_throttle). */
        if (sim->nr_swap_wb) {
            swap_writeback_wait(sim, UINT64_MAX);
            continue;
        }
        /* So do page-cache pages under writeback (the flusher's, woken by reclaim when it met
         * only dirty pages): cgroup v1's reclaim waits on them in shrink_folio_list
         * (folio_wait_writeback, !writeback_throttling_sane), v2's in reclaim_throttle. Each
         * wait sees a write end, and reclaim starts no write the flusher had not been given,
         * so the waits end. */
        if (writeback_wait_next(sim, UINT64_MAX))
            continue;
        if (retries-- > 0)
            continue;
        if (nr > PAGE_ALLOC_COSTLY_PAGES) {
            /* mem_cgroup_oom refuses a costly order: the large allocation (a THP, a readahead
             * window) falls back to single pages, for which the OOM killer may act. */
            nr = 1;
            retries = MAX_RECLAIM_RETRIES;
            continue;
        }
        if (passed_oom) {
            struct sim_task *cur = sim->current ? sim_task(sim, sim->current) : NULL;
            if (!cur)
                return VML_EKILLED; /* current died: task_is_dying */
        }
        memcg_event(sim, over, MEMCG_OOM);
        int r = mem_cgroup_out_of_memory(sim, over);
        if (r == 0) {
            passed_oom = true;
            retries = MAX_RECLAIM_RETRIES;
            continue;
        }
        if (r == VML_ENOMEM)
            sim->memcg_nomem = over;
        return r; /* VML_EKILLED (current died), VML_EPANIC, or VML_ENOMEM: nothing to kill */
    }
}

int memcg_ra_room(struct vml_sim *sim, unsigned node, uint64_t nr)
{
    unsigned id = sim->memcg_cur;
    if (id == 0)
        return 0;
    /* try_charge_memcg with __GFP_NORETRY: a failed charge reclaims, drains the stocks and
     * tries once more, reclaiming again, then gives up (no OOM). */
    for (int round = 0; round < 2; round++) {
        unsigned over = over_limit(sim, id, nr);
        if (!over || stock_has(sim, id, nr))
            return 0;
        memcg_event(sim, over, MEMCG_MAX);
        try_to_free_mem_cgroup_pages(sim, over, node, nr, true);
        if (!over_limit(sim, id, nr))
            return 0;
        if (round == 0)
            drain_all_stock(sim, over);
    }
    return VML_ENOMEM;
}

/* calculate_overage, in 2^-20 units of high. */
static uint64_t overage(uint64_t usage, uint64_t high)
{
    if (usage <= high)
        return 0;
    if (high == 0)
        high = 1;
    return ((usage - high) << 20) / high;
}

/* __mem_cgroup_handle_over_high, on the way back to user space after an operation that charged
 * past memory.high: reclaim the excess (reclaim_high), and sleep in proportion to the square of
 * the overage that is left (calculate_high_delay, at most 2 s, nothing under 10 ms). The sleep
 * is the operation's time: `show P faults` counts it as a stall. */
void memcg_handle_over_high(struct vml_sim *sim, unsigned node)
{
    uint64_t nr_pages = sim->memcg_over_high;
    unsigned id = sim->memcg_cur;
    sim->memcg_over_high = 0;
    if (!nr_pages || id == 0)
        return;
    int retries = MAX_RECLAIM_RETRIES;
    bool in_retry = false;
    for (;;) {
        uint64_t reclaimed = 0;
        for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
            if (m->memory.usage <= m->memory.high)
                continue;
            memcg_event(sim, m->id, MEMCG_HIGH);
            reclaimed +=
                try_to_free_mem_cgroup_pages(sim, m->id, node, in_retry ? 32 : nr_pages, true);
        }
        uint64_t max_over = 0, max_swap_over = 0;
        for (struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m)) {
            uint64_t o = overage(m->memory.usage, m->memory.high);
            if (o > max_over)
                max_over = o;
            uint64_t so = overage(m->swap.usage, m->swap_high);
            if (so)
                memcg_event(sim, m->id, MEMCG_SWAP_HIGH);
            if (so > max_swap_over)
                max_swap_over = so;
        }
        /* HZ 1000 on this machine class: jiffies are milliseconds. */
        uint64_t jiffies = 0;
        if (max_over)
            jiffies += (max_over * max_over * 1000 >> 20 >> 14) * nr_pages / MEMCG_CHARGE_BATCH;
        if (max_swap_over)
            jiffies +=
                (max_swap_over * max_swap_over * 1000 >> 20 >> 14) * nr_pages / MEMCG_CHARGE_BATCH;
        if (jiffies > 2000)
            jiffies = 2000;
        if (jiffies <= 10)
            return;
        if (reclaimed || retries-- > 0) {
            in_retry = true;
            continue;
        }
        sim_charge(sim, jiffies * 1000000);
        sim->memcg_high_ns += jiffies * 1000000;
        return;
    }
}

int vml_sim_nomem_cgroup(const struct vml_sim *sim, char *path, size_t len, uint64_t *max_bytes)
{
    unsigned id = sim->memcg_nomem;
    if (!id || id >= sim->nr_memcgs || !sim->memcgs[id])
        return 0;
    snprintf(path, len, "/%s", sim->memcgs[id]->path);
    *max_bytes = sim->memcgs[id]->memory.max * PAGE_SIZE;
    return 1;
}

/* ---- writes ----------------------------------------------------------------------------- */

/* page_counter_memparse: "max", or a size with memparse's suffixes (K, M, G, T, P, E), rounded
 * down to pages. */
static int memparse_pages(const char *s, uint64_t *pages)
{
    if (!strcmp(s, "max")) {
        *pages = PAGE_COUNTER_MAX;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (end == s || errno || s[0] == '-')
        return VML_EINVAL;
    unsigned shift = 0;
    switch (*end) {
    case 'E':
    case 'e': shift += 10; /* fall through */
    case 'P':
    case 'p': shift += 10; /* fall through */
    case 'T':
    case 't': shift += 10; /* fall through */
    case 'G':
    case 'g': shift += 10; /* fall through */
    case 'M':
    case 'm': shift += 10; /* fall through */
    case 'K':
    case 'k':
        shift += 10;
        end++;
        break;
    default: break;
    }
    if (*end)
        return VML_EINVAL;
    if (shift && v > (UINT64_MAX >> shift))
        return VML_EINVAL;
    uint64_t bytes = (uint64_t)v << shift;
    uint64_t p = bytes / PAGE_SIZE;
    *pages = p > (uint64_t)PAGE_COUNTER_MAX ? (uint64_t)PAGE_COUNTER_MAX : p;
    return 0;
}

/* The reclaim loop of memory_max_write and memory_high_write: drain the stocks once, then
 * reclaim the subtree of id until its usage is at most target, giving up after 16 passes that
 * brought nothing (a pass whose pages are only being written to swap waits for them instead). */
static bool reclaim_to(struct vml_sim *sim, unsigned id, uint64_t target, unsigned node)
{
    struct mem_cgroup *m = sim->memcgs[id];
    int retries = MAX_RECLAIM_RETRIES;
    drain_all_stock(sim, id);
    while (m->memory.usage > target) {
        uint64_t got = try_to_free_mem_cgroup_pages(sim, id, node, m->memory.usage - target, true);
        if (!got && sim->nr_swap_wb)
            swap_writeback_wait(sim, UINT64_MAX);
        else if (!got && !retries--)
            return false;
    }
    return true;
}

/* memory_max_write: the new limit at once, then reclaim until usage fits, then the OOM killer
 * (an oom event each time) until it fits or nothing is left to kill. */
static int memory_max_write(struct vml_sim *sim, unsigned id, uint64_t max, unsigned node)
{
    struct mem_cgroup *m = sim->memcgs[id];
    m->memory.max = max;
    if (reclaim_to(sim, id, max, node))
        return 0;
    while (m->memory.usage > max) {
        memcg_event(sim, id, MEMCG_OOM);
        if (mem_cgroup_out_of_memory(sim, id) != 0)
            break;
    }
    return 0;
}

/* memory_high_write: the new limit, then reclaim of the excess; no OOM. */
static void memory_high_write(struct vml_sim *sim, unsigned id, uint64_t high, unsigned node)
{
    sim->memcgs[id]->memory.high = high;
    reclaim_to(sim, id, high, node);
}

/* mem_cgroup_resize_max (v1 memory.limit_in_bytes): the limit is set only once the usage fits
 * under it; after a drain, each pass reclaims at least a page, and the first that reclaims
 * nothing ends the write with EBUSY, the old limit kept. */
static int memory_resize_max_v1(struct vml_sim *sim, unsigned id, uint64_t max, unsigned node)
{
    struct mem_cgroup *m = sim->memcgs[id];
    drain_all_stock(sim, id);
    while (m->memory.usage > max) {
        uint64_t got = try_to_free_mem_cgroup_pages(sim, id, node, 1, true);
        if (!got && sim->nr_swap_wb)
            swap_writeback_wait(sim, UINT64_MAX);
        else if (!got)
            return VML_EBUSY;
    }
    m->memory.max = max;
    return 0;
}

int vml_sim_cgroup_write(struct vml_sim *sim, const char *path, const char *file, const char *value,
                         unsigned node)
{
    int id = vml_sim_cgroup_find(sim, path);
    if (id < 0)
        return VML_ENOENT;
    struct mem_cgroup *m = sim->memcgs[id];
    uint64_t pages;
    if (!strcmp(file, "memory.reclaim")) {
        /* memory_reclaim -> user_proactive_reclaim: a size to reclaim, EAGAIN when reclaim gives
         * up first (16 passes without progress). */
        if (memparse_pages(value, &pages) || !strcmp(value, "max"))
            return VML_EINVAL;
        uint64_t got = 0;
        int retries = MAX_RECLAIM_RETRIES;
        while (got < pages) {
            uint64_t batch = pages - got;
            uint64_t r = try_to_free_mem_cgroup_pages(sim, (unsigned)id, node, batch, true);
            if (!r && sim->nr_swap_wb) {
                swap_writeback_wait(sim, UINT64_MAX);
                continue;
            }
            if (!r && !retries--)
                return VML_EAGAIN;
            got += r;
        }
        return 0;
    }
    if (id == 0)
        return VML_EINVAL; /* the root has no limit files (CFTYPE_NOT_ON_ROOT) */
    if (!strcmp(file, "memory.oom.group")) {
        if (strcmp(value, "0") && strcmp(value, "1"))
            return VML_EINVAL;
        m->oom_group = value[0] == '1';
        return 0;
    }
    if (!strcmp(file, "memory.peak") || !strcmp(file, "memory.swap.peak")) {
        /* Any write resets the watermark, for the writer's open file only on Linux; the
         * simulation has no open files: it resets the file's value for every reader. */
        if (!strcmp(file, "memory.peak"))
            m->memory.watermark = m->memory.usage;
        else
            m->swap.watermark = m->swap.usage;
        return 0;
    }
    if (memparse_pages(value, &pages))
        return VML_EINVAL;
    if (!strcmp(file, "memory.max"))
        return memory_max_write(sim, (unsigned)id, pages, node);
    if (!strcmp(file, "memory.high")) {
        memory_high_write(sim, (unsigned)id, pages, node);
        return 0;
    }
    if (!strcmp(file, "memory.low")) {
        m->memory.low = pages;
        return 0;
    }
    if (!strcmp(file, "memory.min")) {
        m->memory.min = pages;
        return 0;
    }
    if (!strcmp(file, "memory.swap.max")) {
        m->swap.max = pages;
        return 0;
    }
    if (!strcmp(file, "memory.swap.high")) {
        m->swap_high = pages;
        return 0;
    }
    if (!strcmp(file, "memory.limit_in_bytes")) {
        /* memcg_write_resource_limit: v1 takes -1 too, for "no limit". */
        return memory_resize_max_v1(sim, (unsigned)id, pages, node);
    }
    return VML_ENOENT;
}

/* ---- reading ------------------------------------------------------------------------------- */

/* A cgroup's state items, pages (the memcg_node_stat_items memory.stat shows). */
struct memcg_state {
    uint64_t anon, file, shmem, file_mapped, file_dirty, file_writeback, swapcached, anon_thp;
    uint64_t lru[NR_LRU_LISTS];
    uint64_t pagetables;
};

static void folio_state(const struct vml_sim *sim, uint64_t pfn, struct memcg_state *st)
{
    const struct frame *f = sim_frame(sim, pfn);
    uint64_t nr = folio_nr_pages(f);
    const struct large_folio *lf = folio_large(sim, f);
    if (f->flags & PGF_ANON) {
        if (lf) {
            st->anon += lf->entire_mapcount ? nr : lf->nr_mapped;
            if (lf->entire_mapcount && f->order == VML_THP_PMD_ORDER)
                st->anon_thp += nr;
        } else if (f->mapcount > 0) {
            st->anon++;
        }
    }
    if (f->flags & PGF_CACHE) {
        st->file++;
        if (f->flags & PGF_SHMEMPG)
            st->shmem++;
        if (f->mapcount > 0)
            st->file_mapped++;
        if ((f->flags & PGF_DIRTY) && !(f->flags & PGF_SHMEMPG))
            st->file_dirty++;
    }
    if (f->flags & PGF_WRITEBACK)
        st->file_writeback++;
    if (f->flags & PGF_SWAPCACHE)
        st->swapcached += nr;
}

/* The cgroup's own state (hier: with its subtree's), from the folios on its lists: every folio
 * a cgroup is charged for is on one of its lists while nothing is being reclaimed. */
static void memcg_state_of(const struct vml_sim *sim, unsigned id, bool hier,
                           struct memcg_state *st)
{
    memset(st, 0, sizeof(*st));
    unsigned ids[MEMCG_MAX_GROUPS];
    unsigned n = hier ? memcg_subtree(sim, id, ids) : (ids[0] = id, 1u);
    for (unsigned k = 0; k < n; k++) {
        const struct mem_cgroup *m = sim->memcgs[ids[k]];
        st->pagetables += m->pagetables;
        for (unsigned node = 0; node < vml_phys_nr_nodes(sim->phys); node++) {
            const struct lruvec *lv = &m->lruvec[node];
            for (unsigned l = 0; l < NR_LRU_LISTS; l++) {
                st->lru[l] += lv->nr[l];
                for (uint64_t p = lv->head[l]; p;) {
                    folio_state(sim, p - 1, st);
                    const struct frame *f = sim_frame(sim, p - 1);
                    p = f->lru_next == FRAME_NONE ? 0 : (uint64_t)f->lru_next + 1;
                }
            }
        }
    }
}

static uint64_t vm_event_sum(const struct vml_sim *sim, unsigned id, enum memcg_vm_event e,
                             bool hier)
{
    if (!hier)
        return sim->memcgs[id]->vm_events[e];
    unsigned ids[MEMCG_MAX_GROUPS];
    unsigned n = memcg_subtree(sim, id, ids);
    uint64_t s = 0;
    for (unsigned k = 0; k < n; k++)
        s += sim->memcgs[ids[k]]->vm_events[e];
    return s;
}

/* The root cgroup's memory.stat counts every page (the root's statistics are the machine's). */
static void root_state(const struct vml_sim *sim, struct memcg_state *st)
{
    memcg_state_of(sim, 0, true, st);
}

static void print_limit(struct vml_text *out, uint64_t pages)
{
    if (pages >= (uint64_t)PAGE_COUNTER_MAX)
        text_printf(out, "max\n");
    else
        text_printf(out, "%" PRIu64 "\n", pages * P4K);
}

/* memory.stat, v2 (memcg_stat_format): the state in bytes, then the events. */
static void stat_v2(const struct vml_sim *sim, unsigned id, struct vml_text *out)
{
    struct memcg_state st;
    if (id == 0)
        root_state(sim, &st);
    else
        memcg_state_of(sim, id, true, &st);
    const uint64_t P = P4K;
    struct {
        const char *name;
        uint64_t v;
    } items[] = {
        { "anon", st.anon * P },
        { "file", st.file * P },
        { "kernel", st.pagetables * P },
        { "kernel_stack", 0 },
        { "pagetables", st.pagetables * P },
        { "sec_pagetables", 0 },
        { "percpu", 0 },
        { "sock", 0 },
        { "vmalloc", 0 },
        { "shmem", st.shmem * P },
        { "zswap", 0 },
        { "zswapped", 0 },
        { "file_mapped", st.file_mapped * P },
        { "file_dirty", st.file_dirty * P },
        { "file_writeback", st.file_writeback * P },
        { "swapcached", st.swapcached * P },
        { "anon_thp", st.anon_thp * P },
        { "file_thp", 0 },
        { "shmem_thp", 0 },
        { "inactive_anon", st.lru[LRU_INACTIVE_ANON] * P },
        { "active_anon", st.lru[LRU_ACTIVE_ANON] * P },
        { "inactive_file", st.lru[LRU_INACTIVE_FILE] * P },
        { "active_file", st.lru[LRU_ACTIVE_FILE] * P },
        { "unevictable", st.lru[LRU_UNEVICTABLE] * P },
        { "slab_reclaimable", 0 },
        { "slab_unreclaimable", 0 },
        { "slab", 0 },
    };
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
        text_printf(out, "%s %" PRIu64 "\n", items[i].name, items[i].v);
    static const struct {
        const char *name;
        int ev; /* enum memcg_vm_event, or -1: not counted by the simulation (0) */
    } events[] = {
        { "workingset_refault_anon", MEV_WS_REFAULT_ANON },
        { "workingset_refault_file", MEV_WS_REFAULT_FILE },
        { "workingset_activate_anon", MEV_WS_ACTIVATE_ANON },
        { "workingset_activate_file", MEV_WS_ACTIVATE_FILE },
        { "workingset_restore_anon", MEV_WS_RESTORE_ANON },
        { "workingset_restore_file", MEV_WS_RESTORE_FILE },
        { "workingset_nodereclaim", -1 },
        { "pgdemote_kswapd", MEV_PGDEMOTE_KSWAPD },
        { "pgdemote_direct", MEV_PGDEMOTE_DIRECT },
        { "pgdemote_khugepaged", -1 },
        { "pgdemote_proactive", -1 },
        { "pgpromote_success", -1 },
    };
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        text_printf(
            out, "%s %" PRIu64 "\n", events[i].name,
            events[i].ev < 0 ? 0 : vm_event_sum(sim, id, (enum memcg_vm_event)events[i].ev, true));
    uint64_t scan = vm_event_sum(sim, id, MEV_PGSCAN_KSWAPD, true) +
                    vm_event_sum(sim, id, MEV_PGSCAN_DIRECT, true);
    uint64_t steal = vm_event_sum(sim, id, MEV_PGSTEAL_KSWAPD, true) +
                     vm_event_sum(sim, id, MEV_PGSTEAL_DIRECT, true);
    text_printf(out, "pgscan %" PRIu64 "\npgsteal %" PRIu64 "\n", scan, steal);
    static const struct {
        const char *name;
        int ev;
    } vm[] = {
        { "pswpin", MEV_PSWPIN },
        { "pswpout", MEV_PSWPOUT },
        { "pgscan_kswapd", MEV_PGSCAN_KSWAPD },
        { "pgscan_direct", MEV_PGSCAN_DIRECT },
        { "pgscan_khugepaged", -1 },
        { "pgscan_proactive", -1 },
        { "pgsteal_kswapd", MEV_PGSTEAL_KSWAPD },
        { "pgsteal_direct", MEV_PGSTEAL_DIRECT },
        { "pgsteal_khugepaged", -1 },
        { "pgsteal_proactive", -1 },
        { "pgfault", MEV_PGFAULT },
        { "pgmajfault", MEV_PGMAJFAULT },
        { "pgrefill", MEV_PGREFILL },
        { "pgactivate", MEV_PGACTIVATE },
        { "pgdeactivate", MEV_PGDEACTIVATE },
        { "pglazyfree", -1 },
        { "pglazyfreed", -1 },
        { "swpin_zero", MEV_SWPIN_ZERO },
        { "swpout_zero", MEV_SWPOUT_ZERO },
        { "zswpin", -1 },
        { "zswpout", -1 },
        { "zswpwb", -1 },
        { "thp_fault_alloc", MEV_THP_FAULT_ALLOC },
        { "thp_collapse_alloc", MEV_THP_COLLAPSE_ALLOC },
        { "thp_swpout", MEV_THP_SWPOUT },
        { "thp_swpout_fallback", MEV_THP_SWPOUT_FALLBACK },
        { "numa_pages_migrated", -1 },
        { "numa_pte_updates", -1 },
        { "numa_hint_faults", -1 },
    };
    for (size_t i = 0; i < sizeof(vm) / sizeof(vm[0]); i++)
        text_printf(out, "%s %" PRIu64 "\n", vm[i].name,
                    vm[i].ev < 0 ? 0 : vm_event_sum(sim, id, (enum memcg_vm_event)vm[i].ev, true));
}

/* The v1 limits seen from a cgroup: the smallest on its way to the root. */
static uint64_t hier_max(const struct vml_sim *sim, unsigned id)
{
    uint64_t max = PAGE_COUNTER_MAX;
    for (const struct mem_cgroup *m = sim->memcgs[id]; m && m->id != 0; m = parent_of(sim, m))
        if (m->memory.max < max)
            max = m->memory.max;
    return max;
}

/* memory.stat, v1 (memcg1_stat_format): the cgroup's own figures, the hierarchical limits, then
 * the total_ figures of its subtree. The swap line is there because memsw accounting is (the
 * v1 default). */
static void stat_v1(const struct vml_sim *sim, unsigned id, struct vml_text *out)
{
    for (int pass = 0; pass < 2; pass++) {
        bool hier = pass == 1;
        struct memcg_state st;
        memcg_state_of(sim, id, hier || id == 0, &st);
        const char *pre = hier ? "total_" : "";
        const uint64_t P = P4K;
        uint64_t swap = 0;
        unsigned ids[MEMCG_MAX_GROUPS];
        unsigned n = hier ? memcg_subtree(sim, id, ids) : (ids[0] = id, 1u);
        for (unsigned k = 0; k < n; k++)
            if (ids[k] != 0 || !hier)
                swap += sim->memcgs[ids[k]]->swap.usage;
        if (hier && id != 0)
            swap = sim->memcgs[id]->swap.usage;
        text_printf(out,
                    "%scache %" PRIu64 "\n%srss %" PRIu64 "\n%srss_huge %" PRIu64 "\n"
                    "%sshmem %" PRIu64 "\n%smapped_file %" PRIu64 "\n%sdirty %" PRIu64 "\n"
                    "%swriteback %" PRIu64 "\n",
                    pre, st.file * P, pre, st.anon * P, pre, st.anon_thp * P, pre, st.shmem * P,
                    pre, st.file_mapped * P, pre, st.file_dirty * P, pre, st.file_writeback * P);
        text_printf(out, "%sworkingset_refault_anon %" PRIu64 "\n", pre,
                    vm_event_sum(sim, id, MEV_WS_REFAULT_ANON, hier));
        text_printf(out, "%sworkingset_refault_file %" PRIu64 "\n", pre,
                    vm_event_sum(sim, id, MEV_WS_REFAULT_FILE, hier));
        text_printf(out, "%sswap %" PRIu64 "\n%sswapcached %" PRIu64 "\n", pre, swap * P, pre,
                    st.swapcached * P);
        text_printf(out,
                    "%spgpgin %" PRIu64 "\n%spgpgout %" PRIu64 "\n%spgfault %" PRIu64 "\n"
                    "%spgmajfault %" PRIu64 "\n",
                    pre, vm_event_sum(sim, id, MEV_PGPGIN, hier), pre,
                    vm_event_sum(sim, id, MEV_PGPGOUT, hier), pre,
                    vm_event_sum(sim, id, MEV_PGFAULT, hier), pre,
                    vm_event_sum(sim, id, MEV_PGMAJFAULT, hier));
        text_printf(out,
                    "%sinactive_anon %" PRIu64 "\n%sactive_anon %" PRIu64 "\n"
                    "%sinactive_file %" PRIu64 "\n%sactive_file %" PRIu64 "\n"
                    "%sunevictable %" PRIu64 "\n",
                    pre, st.lru[LRU_INACTIVE_ANON] * P, pre, st.lru[LRU_ACTIVE_ANON] * P, pre,
                    st.lru[LRU_INACTIVE_FILE] * P, pre, st.lru[LRU_ACTIVE_FILE] * P, pre,
                    st.lru[LRU_UNEVICTABLE] * P);
        if (!hier) {
            uint64_t max = hier_max(sim, id);
            text_printf(out, "hierarchical_memory_limit %" PRIu64 "\n", max * P4K);
            text_printf(out, "hierarchical_memsw_limit %" PRIu64 "\n",
                        (uint64_t)PAGE_COUNTER_MAX * P4K);
        }
    }
}

static void events_text(const uint64_t *e, struct vml_text *out)
{
    text_printf(out,
                "low %" PRIu64 "\nhigh %" PRIu64 "\nmax %" PRIu64 "\noom %" PRIu64
                "\noom_kill %" PRIu64 "\noom_group_kill %" PRIu64 "\nsock_throttled 0\n",
                e[MEMCG_LOW], e[MEMCG_HIGH], e[MEMCG_MAX], e[MEMCG_OOM], e[MEMCG_OOM_KILL],
                e[MEMCG_OOM_GROUP_KILL]);
}

/* The usage v1's files show for the root (mem_cgroup_usage): the machine's anonymous, file and
 * (memsw) swap pages, as the root's counters are not kept. */
static uint64_t root_usage(const struct vml_sim *sim, bool swap)
{
    struct memcg_state st;
    root_state(sim, &st);
    uint64_t u = st.file + st.anon;
    if (swap)
        u += sim->total_swap_pages - sim->nr_swap_pages;
    return u;
}

/* The files vml_sim_cgroup_text serves, v2's (the root has the first two only) and v1's. */
static const char *const v2_files[] = {
    "cgroup.procs",        "memory.stat",      "memory.current",      "memory.peak",
    "memory.max",          "memory.high",      "memory.low",          "memory.min",
    "memory.swap.current", "memory.swap.peak", "memory.swap.max",     "memory.swap.high",
    "memory.swap.events",  "memory.events",    "memory.events.local", "memory.oom.group",
};
static const char *const v1_files[] = {
    "cgroup.procs",
    "memory.stat",
    "memory.usage_in_bytes",
    "memory.max_usage_in_bytes",
    "memory.limit_in_bytes",
    "memory.failcnt",
    "memory.memsw.usage_in_bytes",
    "memory.memsw.limit_in_bytes",
    "memory.oom_control",
    "memory.use_hierarchy",
};

const char *vml_sim_cgroup_file_name(bool v1, unsigned i)
{
    if (v1)
        return i < sizeof(v1_files) / sizeof(v1_files[0]) ? v1_files[i] : NULL;
    return i < sizeof(v2_files) / sizeof(v2_files[0]) ? v2_files[i] : NULL;
}

int vml_sim_cgroup_text(const struct vml_sim *sim, const char *path, const char *file, bool v1,
                        struct vml_text *out)
{
    int idr = vml_sim_cgroup_find(sim, path);
    if (idr < 0)
        return VML_ENOENT;
    unsigned id = (unsigned)idr;
    const struct mem_cgroup *m = sim->memcgs[id];
    if (!strcmp(file, "cgroup.procs")) {
        for (size_t i = 0; i < sim->nr_tasks; i++)
            if (sim->tasks[i].alive && sim->tasks[i].memcg == id)
                text_printf(out, "%d\n", sim->tasks[i].pid);
        return 0;
    }
    if (!strcmp(file, "memory.stat")) {
        if (v1)
            stat_v1(sim, id, out);
        else
            stat_v2(sim, id, out);
        return 0;
    }
    if (v1) {
        uint64_t usage = id == 0 ? root_usage(sim, false) : m->memory.usage;
        uint64_t swap = id == 0 ? 0 : m->swap.usage;
        if (!strcmp(file, "memory.usage_in_bytes"))
            text_printf(out, "%" PRIu64 "\n", usage * P4K);
        else if (!strcmp(file, "memory.max_usage_in_bytes"))
            text_printf(out, "%" PRIu64 "\n", m->memory.watermark * P4K);
        else if (!strcmp(file, "memory.limit_in_bytes"))
            text_printf(out, "%" PRIu64 "\n", m->memory.max * P4K);
        else if (!strcmp(file, "memory.failcnt"))
            text_printf(out, "%" PRIu64 "\n", m->memory.failcnt);
        else if (!strcmp(file, "memory.memsw.usage_in_bytes"))
            text_printf(out, "%" PRIu64 "\n",
                        (id == 0 ? root_usage(sim, true) : usage + swap) * P4K);
        else if (!strcmp(file, "memory.memsw.limit_in_bytes"))
            text_printf(out, "%" PRIu64 "\n", (uint64_t)PAGE_COUNTER_MAX * P4K);
        else if (!strcmp(file, "memory.oom_control"))
            text_printf(out, "oom_kill_disable 0\nunder_oom 0\noom_kill %" PRIu64 "\n",
                        m->events_local[MEMCG_OOM_KILL]);
        else if (!strcmp(file, "memory.use_hierarchy"))
            text_printf(out, "1\n");
        else
            return VML_EINVAL;
        return 0;
    }
    if (!strcmp(file, "memory.numa_stat") || !strcmp(file, "memory.reclaim"))
        return VML_EINVAL;
    if (id == 0)
        return VML_EINVAL; /* CFTYPE_NOT_ON_ROOT: only memory.stat and cgroup.procs */
    if (!strcmp(file, "memory.current"))
        text_printf(out, "%" PRIu64 "\n", m->memory.usage * P4K);
    else if (!strcmp(file, "memory.peak"))
        text_printf(out, "%" PRIu64 "\n", m->memory.watermark * P4K);
    else if (!strcmp(file, "memory.max"))
        print_limit(out, m->memory.max);
    else if (!strcmp(file, "memory.high"))
        print_limit(out, m->memory.high);
    else if (!strcmp(file, "memory.low"))
        print_limit(out, m->memory.low);
    else if (!strcmp(file, "memory.min"))
        print_limit(out, m->memory.min);
    else if (!strcmp(file, "memory.swap.current"))
        text_printf(out, "%" PRIu64 "\n", m->swap.usage * P4K);
    else if (!strcmp(file, "memory.swap.peak"))
        text_printf(out, "%" PRIu64 "\n", m->swap.watermark * P4K);
    else if (!strcmp(file, "memory.swap.max"))
        print_limit(out, m->swap.max);
    else if (!strcmp(file, "memory.swap.high"))
        print_limit(out, m->swap_high);
    else if (!strcmp(file, "memory.swap.events"))
        text_printf(out, "high %" PRIu64 "\nmax %" PRIu64 "\nfail %" PRIu64 "\n",
                    m->events[MEMCG_SWAP_HIGH], m->events[MEMCG_SWAP_MAX],
                    m->events[MEMCG_SWAP_FAIL]);
    else if (!strcmp(file, "memory.events"))
        events_text(m->events, out);
    else if (!strcmp(file, "memory.events.local"))
        events_text(m->events_local, out);
    else if (!strcmp(file, "memory.oom.group"))
        text_printf(out, "%d\n", m->oom_group ? 1 : 0);
    else
        return VML_EINVAL;
    return 0;
}

/* ---- the invariant ------------------------------------------------------------------------- */

/* Every cgroup's usage is what its subtree's folios, tables and stocked pages add up to. */
int memcg_check(const struct vml_sim *sim, char *why, size_t len)
{
    if (sim->nr_memcgs == 1)
        return 0;
    uint64_t own[MEMCG_MAX_GROUPS] = { 0 };
    for (unsigned id = 1; id < sim->nr_memcgs; id++) {
        const struct mem_cgroup *m = sim->memcgs[id];
        if (!m)
            continue;
        own[id] += m->pagetables;
        for (unsigned node = 0; node < vml_phys_nr_nodes(sim->phys); node++)
            for (unsigned l = 0; l < NR_LRU_LISTS; l++)
                own[id] += m->lruvec[node].nr[l];
    }
    for (unsigned cpu = 0; cpu < VML_SIM_MAX_CPUS; cpu++)
        for (unsigned i = 0; i < NR_MEMCG_STOCK; i++)
            if (sim->stock[cpu].cached[i])
                own[sim->stock[cpu].cached[i] - 1u] += sim->stock[cpu].nr_pages[i];
    for (unsigned id = 1; id < sim->nr_memcgs; id++) {
        const struct mem_cgroup *m = sim->memcgs[id];
        if (!m)
            continue;
        uint64_t sum = 0;
        unsigned ids[MEMCG_MAX_GROUPS];
        unsigned n = memcg_subtree(sim, id, ids);
        for (unsigned k = 0; k < n; k++)
            sum += own[ids[k]];
        if (sum != m->memory.usage) {
            snprintf(why, len,
                     "memory cgroup %s: %llu pages on its lists and tables but usage %llu", m->path,
                     (unsigned long long)sum, (unsigned long long)m->memory.usage);
            return -1;
        }
    }
    return 0;
}
