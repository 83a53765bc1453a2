/* trace/replay.c: records through the simulated MMU, faults through the simulated kernel.
 *
 * The hot loop is the same-page shortcut (see replay.h): one compare per record for the
 * sequential and local accesses that dominate real traces. Everything else goes through the
 * MMU's L1 hit path, inlined from hw/mmu_hit.h (the same code vml_mmu_translate runs), then on
 * a miss through the rest of the translation; a fault calls the kernel (after mapping the
 * region on demand when standalone), then retries, as the faulting instruction would.
 */
#include "vmlab/replay.h"

#include "hw/mmu_hit.h"
#include "trace/trace_int.h"
#include "util/u64set.h"
#include "vmlab/pgtable.h"
#include "vmlab/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last translation of one side (data or instructions) of a CPU that left an L1 entry:
 * addresses with va >> shift == tag hit it, for the access kinds in allow. */
struct memo {
    uint64_t tag; /* ~0 when empty: no address shifts to it */
    uint8_t shift;
    uint8_t ps;    /* size of the L1 entry, where its hits are counted */
    uint8_t allow; /* bit per enum vml_access */
    uint8_t node;  /* NUMA: the node of the page's memory */
};

/* What a translation of one kind and size leaves in L1: the entry's shift and size, and the
 * kinds a same-page access may repeat without the MMU (0: none, no memo). */
struct memo_plan {
    uint8_t shift, ps, allow;
};

struct rcpu {
    struct vml_cpu *cpu;
    struct memo memo[2]; /* [0] data, [1] instruction fetches */
    uint64_t shortcut[VML_NR_ACCESS][VML_PS_COUNT];
    unsigned node;                    /* NUMA: the CPU's node */
    uint64_t node_acc[VML_MAX_NODES]; /* NUMA: translations by the node of their memory */
};

/* struct vml_mmu_stats is all uint64_t counters, so it adds up as an array. */
#define MMU_COUNTERS (sizeof(struct vml_mmu_stats) / sizeof(uint64_t))
_Static_assert(sizeof(struct vml_mmu_stats) % sizeof(uint64_t) == 0, "counters only");

struct vml_replay {
    struct vml_sim *sim;
    bool own_sim;
    int pid;
    bool standalone;
    bool no_shortcut;
    bool numa; /* count accesses by node (several nodes) */
    unsigned nr_nodes;
    uint64_t node_end[VML_MAX_NODES]; /* each node's end, physical address */
    enum vml_page_size pages;
    bool thp;             /* standalone with thp */
    bool advise_hugepage; /* standalone, thp madvise: each region is advised MADV_HUGEPAGE */
    unsigned nr_cpus;
    uint64_t user_top;                                  /* end of user space for the paging mode */
    uint64_t ram;                                       /* standalone: simulated RAM, bytes */
    struct memo_plan plan[VML_NR_ACCESS][VML_PS_COUNT]; /* [kind just made][page size] */
    uint32_t l1_hit_cycles;
    struct rcpu *cpus;
    /* NUMA: each CPU's vml_cpu_walk_refs_node before the replay (apart from struct rcpu, whose
     * size the record loop's indexing depends on) */
    uint64_t (*walk_base)[VML_MAX_NODES];
    struct vml_mmu_stats base;     /* counters before the replay (attached) */
    struct vml_thp_stats thp_base; /* the THP counters before the replay */
    struct vml_replay_stats own;   /* everything the MMU does not count */
    uint64_t retry[MMU_COUNTERS];  /* the retries' counters (struct vml_mmu_stats's layout) */
    struct u64set tried; /* regions the demand mapper tried (mapped or occupied): base | shift */
    struct u64set whole; /* 1 GiB regions it mapped whole: base | 30 */
    bool prefetch;       /* walks were frequent in the last batch: prefetch ahead */
    bool note_stores;    /* the simulation wants stores reported (vml_sim_tracks_stores) */
};

void vml_replay_defaults(struct vml_replay_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->cpu = *vml_cpu_preset_find("skylake");
    cfg->paging = 4;
    cfg->nr_cpus = 1;
    cfg->pages = VML_PS_4K;
    cfg->ram = VML_TiB;
}

int vml_replay_pages_parse(const char *s, enum vml_page_size *out, struct vml_diag *diag)
{
    static const char *const names[VML_PS_COUNT] = { "4k", "2m", "1g" };
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        if (strlen(s) == 2 && (s[0] == names[p][0]) && (s[1] | 0x20) == names[p][1]) {
            *out = (enum vml_page_size)p;
            return 0;
        }
    if (diag) {
        memset(diag, 0, sizeof(*diag));
        if ((s[0] | 0x20) == 't' && (s[1] | 0x20) == 'h' && (s[2] | 0x20) == 'p' && !s[3])
            snprintf(diag->msg, sizeof(diag->msg),
                     "page size \"thp\": transparent huge pages are not a page size of their "
                     "own: they come on 4k pages, where the THP mode allows (--thp); use 4k, 2m "
                     "or 1g (2m and 1g map hugetlb pages)");
        else {
            char q[200];
            snprintf(diag->msg, sizeof(diag->msg), "page size %s: expected 4k, 2m or 1g",
                     trace_quote(q, sizeof(q), (const uint8_t *)s, strlen(s)));
        }
    }
    return VML_EINVAL;
}

/* ---- counters ---------------------------------------------------------------------------- */

static void stats_add(struct vml_mmu_stats *to, const struct vml_mmu_stats *from, int sign)
{
    uint64_t a[MMU_COUNTERS], b[MMU_COUNTERS];
    memcpy(a, to, sizeof(a));
    memcpy(b, from, sizeof(b));
    for (size_t i = 0; i < MMU_COUNTERS; i++)
        a[i] = sign > 0 ? a[i] + b[i] : a[i] - b[i];
    memcpy(to, a, sizeof(a));
}

/* The CPUs' counters summed (each CPU once, attached replays on one). */
static void mmu_sum(const struct vml_replay *r, struct vml_mmu_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned c = 0; c < r->nr_cpus; c++)
        stats_add(out, vml_cpu_stats(r->cpus[c].cpu), 1);
}

void vml_replay_stats(const struct vml_replay *r, struct vml_replay_stats *out)
{
    *out = r->own;
    memcpy(&out->retry, r->retry, sizeof(out->retry));
    mmu_sum(r, &out->mmu);
    stats_add(&out->mmu, &r->base, -1);
    stats_add(&out->mmu, &out->retry, -1); /* counted apart: each access once */
    for (unsigned c = 0; c < r->nr_cpus; c++) {
        for (unsigned k = 0; k < VML_NR_ACCESS; k++)
            for (unsigned p = 0; p < VML_PS_COUNT; p++) {
                uint64_t n = r->cpus[c].shortcut[k][p];
                out->mmu.accesses[k] += n;
                out->mmu.tlb[k == VML_EXEC ? VML_TLB_L1I : VML_TLB_L1D].hits[p] += n;
                out->mmu.cycles += n * r->l1_hit_cycles;
                out->shortcut += n;
            }
    }
    if (r->numa) {
        /* The latency is summed here, from the counts by node: nothing per access. */
        out->numa = true;
        out->numa_local = out->numa_remote = out->numa_mem_ns = 0;
        for (unsigned c = 0; c < r->nr_cpus; c++)
            for (unsigned n = 0; n < r->nr_nodes; n++) {
                uint64_t k = r->cpus[c].node_acc[n];
                if (n == r->cpus[c].node)
                    out->numa_local += k;
                else
                    out->numa_remote += k;
                out->numa_mem_ns += k * vml_sim_numa_latency_ns(r->sim, r->cpus[c].node, n);
            }
        /* Page-walk references by the node of the table read, which the MMU counts on each
         * CPU (walk_refs_node): every walk the replay made, its retries' included, as each
         * read the tables (docs/numa.md, "Cost"). */
        out->numa_walk_local = out->numa_walk_remote = out->numa_walk_ns = 0;
        for (unsigned c = 0; c < r->nr_cpus; c++) {
            const uint64_t *wn = vml_cpu_walk_refs_node(r->cpus[c].cpu);
            for (unsigned n = 0; n < r->nr_nodes; n++) {
                uint64_t k = wn[n] - r->walk_base[c][n];
                if (n == r->cpus[c].node)
                    out->numa_walk_local += k;
                else
                    out->numa_walk_remote += k;
                out->numa_walk_ns += k * vml_sim_numa_latency_ns(r->sim, r->cpus[c].node, n);
            }
        }
    }
    struct vml_pt_stats pt;
    if (vml_sim_pt_stats(r->sim, r->pid, &pt) == 0) {
        memcpy(out->pt_tables, pt.tables, sizeof(out->pt_tables));
        out->pt_bytes = pt.nr_tables * 4096;
    }
    /* hugepages-2048kB/stats: the kernel counts anon_fault_alloc and anon_fault_fallback of
     * order 9 where it counts vmstat's thp_fault_alloc and thp_fault_fallback
     * (__do_huge_pmd_anonymous_page, do_huge_pmd_anonymous_page, do_huge_zero_wp_pmd), and
     * reading them costs nothing, unlike /proc/vmstat's whole table. */
    out->thp = r->thp;
    out->thp_enabled = vml_sim_thp(r->sim)->enabled;
    struct vml_thp_stats ts;
    if (vml_sim_thp_stats(r->sim, VML_THP_PMD_ORDER, &ts) == 0) {
        out->thp_fault_alloc =
            ts.ev[VML_THP_STAT_anon_fault_alloc] - r->thp_base.ev[VML_THP_STAT_anon_fault_alloc];
        out->thp_fault_fallback = ts.ev[VML_THP_STAT_anon_fault_fallback] -
                                  r->thp_base.ev[VML_THP_STAT_anon_fault_fallback];
    }
    /* Standalone, the process is the machine's only one: the machine's THPs are its own, and
     * its RssAnon counts each THP's 512 pages (the zero pages not at all). */
    struct vml_status_mem sm;
    if (r->standalone && vml_sim_status_mem(r->sim, r->pid, &sm) == 0) {
        out->anon_thp = ts.nr_anon << 21;
        out->anon_4k = (sm.rss_anon << 10) - out->anon_thp;
    }
}

struct vml_sim *vml_replay_sim(const struct vml_replay *r)
{
    return r->sim;
}

int vml_replay_pid(const struct vml_replay *r)
{
    return r->pid;
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* For each side, the size an L1 entry for a page of each size is kept as: the largest size at
 * most the page's that the level holds (tlb_fill_general's rule), -1 if none. */
static void plan_l1(struct vml_replay *r, const struct vml_cpu_model *m)
{
    memset(r->plan, 0, sizeof(r->plan));
    for (unsigned kind = 0; kind < VML_NR_ACCESS; kind++) {
        const struct vml_tlb_level_geom *g = &m->tlb[kind == VML_EXEC ? VML_TLB_L1I : VML_TLB_L1D];
        unsigned held = 0;
        for (unsigned a = 0; a < g->nr_arrays; a++)
            held |= g->arr[a].sizes;
        for (int p = 0; p < VML_PS_COUNT; p++) {
            /* tlb_fill_general's rule: the largest size at most the page's that L1 holds. */
            int f = p;
            while (f >= 0 && !(held & VML_PS_BIT(f)))
                f--;
            if (f < 0 || r->no_shortcut)
                continue;
            /* A read's entry allows reads only (a write may need a dirty assist), a write's
             * both, a fetch's fetches. */
            r->plan[kind][p] = (struct memo_plan){
                .shift = (uint8_t)vml_ps_shift((enum vml_page_size)f),
                .ps = (uint8_t)f,
                .allow =
                    (uint8_t)(kind == VML_WRITE ? 1u << VML_READ | 1u << VML_WRITE : 1u << kind),
            };
        }
    }
    r->l1_hit_cycles = m->lat.l1_hit;
}

static void forget_all(struct vml_replay *r)
{
    for (unsigned c = 0; c < r->nr_cpus; c++)
        for (unsigned s = 0; s < 2; s++)
            r->cpus[c].memo[s] = (struct memo){ .tag = ~0ull, .shift = 12 };
}

static int alloc_cpus(struct vml_replay *r, unsigned n)
{
    r->cpus = calloc(n, sizeof(*r->cpus));
    r->walk_base = calloc(n, sizeof(*r->walk_base));
    if (!r->cpus || !r->walk_base)
        return VML_EHOST;
    r->nr_cpus = n;
    return 0;
}

/* NUMA counting on a machine of several nodes: each CPU's node, each node's end. */
static void numa_setup(struct vml_replay *r, bool off)
{
    r->nr_nodes = vml_sim_nr_nodes(r->sim);
    r->numa = r->nr_nodes > 1 && !off;
    if (off) /* the MMU's count of walk references by node too (only replay's own CPUs) */
        for (unsigned c = 0; c < r->nr_cpus; c++)
            vml_cpu_count_walk_nodes(r->cpus[c].cpu, false);
    for (unsigned n = 0; n < r->nr_nodes; n++)
        r->node_end[n] = vml_sim_node_end(r->sim, n);
}

/* The counters the report subtracts: the CPUs' before the replay. */
static void set_base(struct vml_replay *r)
{
    mmu_sum(r, &r->base);
    for (unsigned c = 0; c < r->nr_cpus; c++)
        memcpy(r->walk_base[c], vml_cpu_walk_refs_node(r->cpus[c].cpu), sizeof(r->walk_base[c]));
}

/* The node of physical address pa. */
static inline unsigned pa_node(const struct vml_replay *r, uint64_t pa)
{
    unsigned n = 0;
    while (n + 1 < r->nr_nodes && pa >= r->node_end[n])
        n++;
    return n;
}

static void set_diag(struct vml_diag *diag, const char *fmt, const char *a, unsigned long long v)
{
    if (!diag)
        return;
    memset(diag, 0, sizeof(*diag));
    snprintf(diag->msg, sizeof(diag->msg), fmt, a, v);
}

int vml_replay_create(const struct vml_replay_config *cfg, struct vml_replay **out,
                      struct vml_diag *diag)
{
    if (cfg->nr_cpus == 0 || cfg->nr_cpus > VML_SIM_MAX_CPUS) {
        set_diag(diag, "%s%llu CPUs: expected 1 to 256", "", cfg->nr_cpus);
        return VML_EINVAL;
    }
    if ((unsigned)cfg->pages >= VML_PS_COUNT) {
        set_diag(diag, "%spage size %llu: expected 4K, 2M or 1G", "", (unsigned)cfg->pages);
        return VML_EINVAL;
    }
    if (cfg->thp && ((unsigned)cfg->thp_enabled > VML_THP_NEVER || cfg->pages != VML_PS_4K)) {
        set_diag(diag, "%stransparent huge pages (mode %llu) come on 4K pages only", "",
                 (unsigned)cfg->thp_enabled);
        return VML_EINVAL;
    }
    struct vml_sim_config sc;
    memset(&sc, 0, sizeof(sc));
    sc.phys.ram_bytes = cfg->ram;
    sc.phys.nr_nodes = 1;
    sc.cpu = cfg->cpu;
    sc.nr_cpus = cfg->nr_cpus;
    sc.paging = cfg->paging;
    sc.no_zero_page = cfg->no_zero_page;
    sc.phys.nr_nodes = cfg->nr_nodes ? cfg->nr_nodes : 1;
    struct vml_thp_settings thp;
    vml_thp_defaults(&thp);
    if (cfg->thp) {
        thp.enabled = cfg->thp_enabled; /* echo MODE > transparent_hugepage/enabled */
        sc.thp = &thp;
    }
    struct vml_replay *r = calloc(1, sizeof(*r));
    if (!r)
        return VML_EHOST;
    int e = vml_sim_create(&sc, &r->sim, diag);
    if (e) {
        free(r);
        return e;
    }
    r->own_sim = true;
    r->standalone = true;
    r->no_shortcut = cfg->no_shortcut;
    r->pages = cfg->pages;
    r->thp = cfg->thp;
    r->advise_hugepage = cfg->thp && cfg->thp_enabled == VML_THP_MADVISE;
    r->ram = cfg->ram;
    r->user_top = cfg->paging == 5 ? (1ull << 56) - 4096 : (1ull << 47) - 4096;
    plan_l1(r, &cfg->cpu);
    if ((e = alloc_cpus(r, cfg->nr_cpus)) != 0 || (e = vml_sim_spawn(r->sim, "replay", &r->pid)))
        goto fail;
    for (unsigned c = 0; c < cfg->nr_cpus; c++) {
        if ((e = vml_sim_run_on(r->sim, c, r->pid)) != 0)
            goto fail;
        r->cpus[c].cpu = vml_sim_cpu(r->sim, c);
        r->cpus[c].node = vml_sim_cpu_node(r->sim, c);
    }
    numa_setup(r, cfg->no_numa_cost);
    forget_all(r);
    set_base(r);
    vml_sim_thp_stats(r->sim, VML_THP_PMD_ORDER, &r->thp_base);
    *out = r;
    return 0;
fail:
    vml_replay_destroy(r);
    return e;
}

int vml_replay_attach(struct vml_sim *sim, int pid, bool no_shortcut, struct vml_replay **out)
{
    unsigned c;
    int e = vml_sim_enter(sim, pid, &c);
    if (e)
        return e;
    struct vml_replay *r = calloc(1, sizeof(*r));
    if (!r)
        return VML_EHOST;
    if (alloc_cpus(r, 1)) {
        free(r);
        return VML_EHOST;
    }
    r->sim = sim;
    r->pid = pid;
    r->no_shortcut = no_shortcut;
    r->cpus[0].cpu = vml_sim_cpu(sim, c);
    r->cpus[0].node = vml_sim_cpu_node(sim, c);
    numa_setup(r, false);
    const struct vml_cpu_model *m = vml_cpu_model(r->cpus[0].cpu);
    plan_l1(r, m);
    forget_all(r);
    set_base(r);
    vml_sim_thp_stats(r->sim, VML_THP_PMD_ORDER, &r->thp_base);
    *out = r;
    return 0;
}

void vml_replay_destroy(struct vml_replay *r)
{
    if (!r)
        return;
    if (r->own_sim)
        vml_sim_destroy(r->sim);
    free(r->cpus);
    free(r->walk_base);
    u64set_free(&r->tried);
    u64set_free(&r->whole);
    free(r);
}

/* vm.mmap_min_addr's default: the kernel refuses mappings below it. */
#define MIN_ADDR 0x10000ull

/* ---- demand mapping (standalone) --------------------------------------------------------- */

/* mmap of one region: normal pages (advised MADV_HUGEPAGE under --thp madvise, as a program
 * that wants THPs there does right after its mmap), or hugetlb ones from a pool grown first by
 * what the region needs (a pool shrinks back when the mapping is refused). */
static int map_region(struct vml_replay *r, uint64_t base, uint64_t len, unsigned huge)
{
    const unsigned prot = VML_PROT_READ | VML_PROT_WRITE | VML_PROT_EXEC;
    unsigned flags = VML_MAP_PRIVATE | VML_MAP_ANONYMOUS | VML_MAP_FIXED_NOREPLACE;
    uint64_t addr;
    if (!huge) {
        int e =
            vml_sim_mmap(r->sim, r->pid, base, len, prot, flags | VML_MAP_NORESERVE, -1, 0, &addr);
        if (e || !r->advise_hugepage)
            return e;
        if ((e = vml_sim_madvise(r->sim, r->pid, base, len, VML_MADV_HUGEPAGE)) != 0)
            vml_sim_munmap(r->sim, r->pid, base, len);
        return e;
    }
    enum vml_huge_size hs = huge == 30 ? VML_HUGE_1G : VML_HUGE_2M;
    struct vml_sim_hugepages hp;
    uint64_t nr;
    int e = vml_sim_hugepages(r->sim, hs, &hp);
    if (e)
        return e;
    if ((e = vml_sim_set_nr_hugepages(r->sim, hs, hp.nr + (len >> huge), &nr)) != 0)
        return e;
    if (nr < hp.nr + (len >> huge)) {
        vml_sim_set_nr_hugepages(r->sim, hs, hp.nr, NULL);
        return VML_ENOMEM; /* the buddy allocator has no more huge blocks */
    }
    flags |= VML_MAP_HUGETLB | (huge << VML_MAP_HUGE_SHIFT);
    e = vml_sim_mmap(r->sim, r->pid, base, len, prot, flags, -1, 0, &addr);
    if (e)
        vml_sim_set_nr_hugepages(r->sim, hs, hp.nr, NULL);
    return e;
}

/* Maps the largest free region around va the policy allows, for an address a process can map
 * (MIN_ADDR <= va < user_top): returns 1 when it mapped one, 0 when va is already inside a
 * mapping (the kernel's fault handler takes it), or a negative VML_E* with diag set. The
 * regions to try, largest first: a GiB, 2 MiB, a page. A region of 4 KiB pages is cut to
 * [mmap_min_addr, TASK_SIZE) (the kernel refuses a mapping past either: mmap_region's and
 * get_unmapped_area's checks); a hugetlb region must hold whole huge pages there, and where
 * it cannot (below 2 MiB, at the top of user space, beside the stack) or the pool cannot grow
 * for it (alloc_pool_huge_folio finds no free block), the next smaller page size is tried:
 * 1G, then 2M, then 4K (2 MiB of them, then a page). */
static int demand_map(struct vml_replay *r, uint64_t va, struct vml_diag *diag)
{
    struct attempt {
        uint8_t shift; /* log2 of the region's size (0 ends the plan) */
        uint8_t huge;  /* 0, or log2 of the hugetlb page size */
    };
    static const struct attempt plans[VML_PS_COUNT][4] = {
        [VML_PS_4K] = { { 30, 0 }, { 21, 0 }, { 12, 0 }, { 0, 0 } },
        [VML_PS_2M] = { { 30, 21 }, { 21, 21 }, { 21, 0 }, { 12, 0 } },
        [VML_PS_1G] = { { 30, 30 }, { 21, 21 }, { 21, 0 }, { 12, 0 } },
    };
    if (u64set_has(&r->whole, (va & ~((1ull << 30) - 1)) | 30))
        return 0; /* the common case: a first touch in a region mapped before */
    for (unsigned i = 0; i < 4 && plans[r->pages][i].shift; i++) {
        const struct attempt *a = &plans[r->pages][i];
        uint64_t len = 1ull << a->shift, base = va & ~(len - 1);
        if (a->huge && (base < MIN_ADDR || base + len > r->user_top))
            continue; /* no huge page fits there */
        if (!a->huge) {
            if (base < MIN_ADDR) {
                len -= MIN_ADDR - base;
                base = MIN_ADDR;
            }
            if (base + len > r->user_top)
                len = r->user_top - base;
        }
        int fresh = u64set_add(&r->tried, base | a->shift);
        if (fresh < 0)
            return fresh;
        if (!fresh) {
            /* Tried before: mapped, or refused because something is mapped there. The page
             * itself was: va is inside a mapping. */
            if (a->shift == 12)
                return 0;
            continue;
        }
        int e = map_region(r, base, len, a->huge);
        if (e == 0) {
            /* The GiB's mappable part is mapped: later first touches there go straight to
             * the kernel. */
            if (a->shift == 30 && u64set_add(&r->whole, (va & ~((1ull << 30) - 1)) | 30) < 0)
                return VML_EHOST;
            r->own.regions_mapped++;
            r->own.mapped[a->huge == 30 ? VML_PS_1G : a->huge == 21 ? VML_PS_2M : VML_PS_4K] += len;
            return 1;
        }
        if (e == VML_EHOST)
            return e;
        if (e == VML_EEXIST || a->huge)
            continue; /* something is mapped there, or no huge page: smaller */
        if (diag) {
            memset(diag, 0, sizeof(*diag));
            snprintf(diag->msg, sizeof(diag->msg),
                     "cannot map 0x%llx-0x%llx on demand for the access at 0x%llx: %s",
                     (unsigned long long)base, (unsigned long long)(base + len),
                     (unsigned long long)va, vml_strerror(e));
        }
        return e == VML_ENOMEM ? VML_EINVAL : e; /* not the RAM: a mapping limit */
    }
    return 0; /* the page is taken: inside a mapping */
}

/* ---- the replay loop --------------------------------------------------------------------- */

enum { DONE = 0, SKIPPED = 1, KILLED = 2 };

/* Remembers a successful translation's L1 entry for the same-page shortcut. */
/* A store that took the translation path (the memo lets further ones to the page pass only
 * after this): the page holds data now, which swap-out needs to know (vml_sim_stored). */
static __attribute__((noinline)) void note_store(const struct vml_replay *r, uint64_t va)
{
    (void)vml_sim_stored(r->sim, r->pid, va);
}

static inline void remember(const struct vml_replay *r, struct rcpu *rc, uint64_t va, unsigned kind,
                            unsigned ps, uint64_t pa)
{
    unsigned node = 0;
    if (__builtin_expect(r->numa, 0)) {
        node = pa_node(r, pa);
        rc->node_acc[node]++;
    }
    if (__builtin_expect(r->note_stores, 0) && kind == VML_WRITE)
        note_store(r, va);
    const struct memo_plan *p = &r->plan[kind][ps];
    if (!p->allow)
        return; /* no L1 entry (the level holds no size up to ps), or shortcut off */
    struct memo *m = &rc->memo[kind >> 1];
    uint64_t tag = va >> p->shift;
    /* a read after a write leaves the entry dirty */
    uint8_t allow = p->allow | (m->tag == tag && m->shift == p->shift ? m->allow : 0);
    *m = (struct memo){
        .tag = tag, .shift = p->shift, .ps = p->ps, .allow = allow, .node = (uint8_t)node
    };
}

/* Counts an access no process can make (standalone) and skips it. */
static int skip(struct vml_replay *r, uint64_t va)
{
    if (!r->own.skipped++)
        r->own.first_skipped = va;
    r->own.skipped_low += va < MIN_ADDR;
    return SKIPPED;
}

/* The retry of a faulting access after the kernel handled its fault: translated as the
 * re-executed instruction would be, its counts moved from the CPU's into r->retry, so that
 * the MMU's counters count each access once (by its first, faulting, translation). Once per
 * fault, but a fault-heavy trace (a first touch per page) has hundreds of thousands: the
 * counters are copied as arrays and subtracted in one loop the compiler vectorizes (per
 * field through stats_add, random reads over 1 GiB ran 40% more host instructions). */
static int retry(struct vml_replay *r, struct rcpu *rc, uint64_t va, unsigned kind,
                 struct vml_xlate *x)
{
    uint64_t before[MMU_COUNTERS], after[MMU_COUNTERS];
    memcpy(before, vml_cpu_stats(rc->cpu), sizeof(before));
    int f = vml_mmu_translate(rc->cpu, va, (enum vml_access)kind, true, x);
    memcpy(after, vml_cpu_stats(rc->cpu), sizeof(after));
    for (size_t i = 0; i < MMU_COUNTERS; i++)
        r->retry[i] += after[i] - before[i];
    return f;
}

/* Says why the kernel's part of a fault at va failed (e < 0). */
static int fault_failed(const struct vml_replay *r, uint64_t va, int e, struct vml_diag *diag)
{
    if (!diag)
        return e;
    memset(diag, 0, sizeof(*diag));
    if (e == VML_ENOMEM) {
        char ram[40] = "", size[32];
        if (r->ram) /* standalone: the machine's whole RAM, as --ram gave it */
            snprintf(ram, sizeof(ram), " (%s)", vml_format_size(r->ram, size, sizeof(size)));
        snprintf(diag->msg, sizeof(diag->msg),
                 "simulated RAM%s is exhausted at the fault at 0x%llx: an allocation failed "
                 "that reclaim and the OOM killer could not serve",
                 ram, (unsigned long long)va);
    } else {
        snprintf(diag->msg, sizeof(diag->msg), "the fault at 0x%llx failed: %s",
                 (unsigned long long)va, vml_strerror(e));
    }
    return e;
}

/* After vml_mmu_translate faulted on va (x): the kernel's part, then retries. Returns DONE
 * with x holding the translation, SKIPPED, KILLED, or a negative VML_E* with diag set. */
static __attribute__((noinline)) int resolve(struct vml_replay *r, struct rcpu *rc, uint64_t va,
                                             unsigned kind, struct vml_xlate *x,
                                             struct vml_diag *diag)
{
    int tries = 0;
    do {
        forget_all(r); /* the kernel may change any TLB from here on */
        if (tries++ == 4) {
            set_diag(diag, "%sinternal error: the fault at 0x%llx is not resolved", "", va);
            return VML_EINVAL;
        }
        if (r->standalone) {
            /* Nothing can be mapped below mmap_min_addr or past TASK_SIZE, nor in the kernel
             * half: a real trace's few such records are counted and skipped. */
            if (x->fault.kind == VML_FAULT_NONCANONICAL || va >= r->user_top || va < MIN_ADDR)
                return skip(r, va);
            if (x->fault.kind == VML_FAULT_NOT_PRESENT) {
                /* The kernel's handler takes the fault in the new mapping at once, as if it had
                 * been there before: a program's first touch costs one fault, not two. */
                int m = demand_map(r, va, diag);
                if (m < 0)
                    return m;
            }
        }
        struct vml_sim_access res;
        memset(&res, 0, sizeof(res));
        int e = vml_sim_fault(r->sim, r->pid, va, (enum vml_access)kind, &x->fault, &res);
        if (e < 0)
            return fault_failed(r, va, e, diag);
        r->own.minor_faults += res.minor;
        r->own.major_faults += res.major;
        if (res.killed) {
            r->own.killed = true;
            r->own.si_code = res.si_code;
            r->own.kill_addr = res.addr;
            return KILLED;
        }
    } while (retry(r, rc, va, kind, x));
    return DONE;
}

/* How many records ahead replay starts loading a walk's last page-table entry: far enough to
 * cover a host memory access, near enough that the line is still there when used. */
#define PREFETCH_AHEAD 8

static uint64_t walks_now(const struct vml_replay *r)
{
    uint64_t w = 0;
    for (unsigned c = 0; c < r->nr_cpus; c++)
        w += vml_cpu_stats(r->cpus[c].cpu)->walks;
    return w;
}

/* One page's access: DONE with *ps its translation's size, SKIPPED, KILLED, VML_E*. */
static inline int access_page(struct vml_replay *r, struct rcpu *rc, uint64_t va, unsigned kind,
                              unsigned *ps, struct vml_diag *diag)
{
    struct vml_xlate x;
    if (__builtin_expect(vml_mmu_translate(rc->cpu, va, (enum vml_access)kind, true, &x), 0)) {
        int e = resolve(r, rc, va, kind, &x, diag);
        if (e != DONE)
            return e;
    }
    *ps = x.ps;
    remember(r, rc, va, kind, x.ps, x.pa);
    return DONE;
}

/* An access that spans two pages, its first translated with size ps: the second page. */
static __attribute__((noinline)) int record_span(struct vml_replay *r, struct rcpu *rc, uint64_t va,
                                                 uint64_t last, unsigned kind, unsigned ps,
                                                 uint64_t pa, struct vml_diag *diag)
{
    remember(r, rc, va, kind, ps, pa);
    r->own.spanning++;
    return access_page(r, rc, last & ~((1ull << vml_ps_shift((enum vml_page_size)ps)) - 1), kind,
                       &ps, diag);
}

static __attribute__((noinline)) int
bad_record(const struct vml_replay *r, const struct vml_trace_rec *rec, struct vml_diag *diag)
{
    if (rec->kind >= VML_NR_ACCESS)
        set_diag(diag, "%saccess kind %llu is not read, write or fetch", "", rec->kind);
    else
        set_diag(diag, "%sa record names CPU %llu; give the replay more CPUs (--cpus)", "",
                 rec->cpu);
    (void)r;
    return VML_EINVAL;
}

int vml_replay_feed(struct vml_replay *r, const struct vml_trace_rec *recs, size_t n, size_t *done,
                    struct vml_diag *diag)
{
    const struct vml_trace_rec *rec = recs, *const end = recs + n;
    int e = 0;
    if (r->own.killed)
        goto out;
    forget_all(r); /* the simulation may have changed between feeds */
    r->note_stores = vml_sim_tracks_stores(r->sim); /* a swapon comes between feeds */
    /* A record's CPU is cpu & cpu_mask, below nr_cpus: an attached replay runs every record on
     * the process's one CPU (mask 0). */
    const uint32_t cpu_mask = r->standalone ? UINT32_MAX : 0;
    /* Records before this one prefetch the one PREFETCH_AHEAD later (none unless r->prefetch). */
    const struct vml_trace_rec *const pf_end =
        r->prefetch && n > PREFETCH_AHEAD ? end - PREFETCH_AHEAD : recs;
    uint64_t walks_before = walks_now(r);
    /* Few values stay live across the loop, so that the shortcut's and the L1 hit's paths keep
     * everything in registers; the rest is out of line. */
    for (; rec < end; rec++) {
        if (rec < pf_end) {
            const struct vml_trace_rec *next = rec + PREFETCH_AHEAD;
            uint32_t nc = next->cpu & cpu_mask;
            if (nc < r->nr_cpus)
                mmu_prefetch(r->cpus[nc].cpu, next->addr);
        }
        unsigned kind = rec->kind;
        uint32_t c = rec->cpu & cpu_mask;
        if (__builtin_expect(kind >= VML_NR_ACCESS || c >= r->nr_cpus, 0)) {
            e = bad_record(r, rec, diag);
            break;
        }
        struct rcpu *rc = &r->cpus[c];
        uint64_t va = rec->addr, last = va + rec->size - (rec->size != 0);
        if (__builtin_expect(last < va, 0))
            last = UINT64_MAX;
        const struct memo *m = &rc->memo[kind >> 1]; /* VML_EXEC: the only kind with bit 1 */
        if ((((va >> m->shift) ^ m->tag) | ((last >> m->shift) ^ m->tag)) == 0 &&
            (m->allow >> kind & 1)) {
            rc->shortcut[kind][m->ps]++;
            if (__builtin_expect(r->numa, 0))
                rc->node_acc[m->node]++;
            continue;
        }
        /* The MMU's L1 hit path, inline: most records that get here end in it. */
        uint64_t *block = NULL, pa = 0;
        int ps = mmu_hit(rc->cpu, va, (enum vml_access)kind, true, &block, r->numa ? &pa : NULL);
        pa &= VML_PTE_PFN_MASK; /* the page's frame: enough for its node */
        if (__builtin_expect(ps < 0, 0)) {
            struct vml_xlate x;
            if (ps == MMU_MISSED && !r->prefetch)
                mmu_prefetch(rc->cpu, va); /* no earlier record started it */
            if (mmu_translate_after(rc->cpu, va, (enum vml_access)kind, true, &x, ps, block)) {
                e = resolve(r, rc, va, kind, &x, diag);
                if (e < 0 || e == KILLED)
                    break;
                if (e == SKIPPED)
                    continue;
            }
            ps = x.ps;
            pa = x.pa;
        }
        if (__builtin_expect((va ^ last) >> vml_ps_shift((enum vml_page_size)ps), 0)) {
            e = record_span(r, rc, va, last, kind, (unsigned)ps, pa, diag);
            if (e < 0 || e == KILLED)
                break;
            continue;
        }
        remember(r, rc, va, kind, (unsigned)ps, pa);
    }
    if (e == KILLED) {
        rec++; /* it was made: it killed the process */
        e = 0;
    }
    size_t made = (size_t)(rec - recs);
    r->own.records += made;
    /* Prefetching pays when most records walk (random traces over much memory) and costs
     * when they hit: decide from this batch for the next. */
    r->prefetch = made >= 64 && (walks_now(r) - walks_before) * 4 > made;
out:
    if (done)
        *done = (size_t)(rec - recs);
    return e < 0 ? e : 0;
}
