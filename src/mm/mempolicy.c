/* mm/mempolicy.c: NUMA topology and memory policies, as mm/mempolicy.c and the zonelists of
 * mm/page_alloc.c have them, and the node files of drivers/base/node.c.
 *
 * A policy is the task's (set_mempolicy) or a VMA's (mbind); a fault in a VMA uses the VMA's,
 * else the task's, else the default (the local node, preferred_node_policy). alloc_pages_mpol
 * turns it into a preferred node, whose zonelist the allocator walks, and a nodemask that
 * restricts the walk (policy_nodemask). Interleave picks the node by the page's offset in the
 * VMA for faults (interleave_nid: the VMA's pgoff plus the page's index, the same for task and
 * VMA policies), and by the task's cursor (interleave_nodes: current->il_prev) for what has no
 * VMA: page tables and the page cache (alloc_pages -> NO_INTERLEAVE_INDEX). Shmem interleaves
 * by its inode number plus the page's index (shmem_get_pgoff_policy).
 *
 * Departures: there are no cpusets (mems_allowed is every node with memory); shmem's shared
 * policy and hugetlb's huge_node are not modelled (mbind refuses those mappings); slab pages
 * stay on the node asked for.
 */
#include "mm/sim_internal.h"
#include "util/diag.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PENALTY_FOR_NODE_WITH_CPUS 1
#define MAX_NUMNODES               1024 /* 1 << CONFIG_NODES_SHIFT (10 on Debian's x86-64) */

static unsigned nr_nodes(const struct vml_sim *sim)
{
    return vml_phys_nr_nodes(sim->phys);
}

static uint32_t all_nodes(const struct vml_sim *sim)
{
    return (uint32_t)((1ull << nr_nodes(sim)) - 1);
}

static unsigned weight(uint32_t m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

static unsigned first_node(uint32_t m)
{
    for (unsigned n = 0; n < 32; n++)
        if (m & (1u << n))
            return n;
    return VML_MAX_NODES;
}

/* next_node_in: the next node of m after n, wrapping to the first. */
static unsigned next_node_in(unsigned n, uint32_t m)
{
    for (unsigned k = n + 1; k < VML_MAX_NODES; k++)
        if (m & (1u << k))
            return k;
    return first_node(m);
}

static bool node_has_cpus(const struct vml_sim *sim, unsigned node)
{
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
        if (sim->cpu_node[c] == node)
            return true;
    return false;
}

/* find_next_best_node: the local node first, then the nearest, a node below the local one
 * penalized by one, a node with CPUs by PENALTY_FOR_NODE_WITH_CPUS, ties broken by node_load
 * (spread over the zonelists built so far) and then by the lower number. */
int find_next_best_node(const struct vml_sim *sim, unsigned node, uint32_t *used,
                        const unsigned *node_load)
{
    if (!(*used & (1u << node))) {
        *used |= 1u << node;
        return (int)node;
    }
    int best = -1;
    uint64_t min_val = UINT64_MAX;
    for (unsigned n = 0; n < nr_nodes(sim); n++) {
        if (*used & (1u << n))
            continue;
        uint64_t val = vml_phys_distance(sim->phys, node, n);
        val += n < node;
        if (node_has_cpus(sim, n))
            val += PENALTY_FOR_NODE_WITH_CPUS;
        val *= MAX_NUMNODES;
        val += node_load[n];
        if (val < min_val) {
            min_val = val;
            best = (int)n;
        }
    }
    if (best >= 0)
        *used |= 1u << best;
    return best;
}

int numa_init(struct vml_sim *sim, struct vml_diag *diag)
{
    unsigned nodes = nr_nodes(sim), cpus = sim->cfg.nr_cpus, sum = 0;
    for (unsigned n = 0; n < VML_MAX_NODES; n++)
        sum += sim->cfg.node_cpus[n];
    if (sum == 0) {
        /* CPUs spread evenly over the nodes: CPU i sits on node i * nodes / cpus. */
        for (unsigned c = 0; c < cpus; c++)
            sim->cpu_node[c] = nodes == 1 ? 0 : c * nodes / cpus;
    } else {
        if (sum != cpus) {
            diag_set(diag, 0, 0, "node_cpus: the nodes have %u CPUs in all, the machine %u", sum,
                     cpus);
            return VML_EINVAL;
        }
        for (unsigned n = nodes; n < VML_MAX_NODES; n++)
            if (sim->cfg.node_cpus[n]) {
                diag_set(diag, 0, 0, "node_cpus: node %u has CPUs but the machine has %u nodes", n,
                         nodes);
                return VML_EINVAL;
            }
        unsigned c = 0;
        for (unsigned n = 0; n < nodes; n++)
            for (unsigned k = 0; k < sim->cfg.node_cpus[n]; k++)
                sim->cpu_node[c++] = n;
    }
    /* __build_all_zonelists: every node's list in node order, node_load carried across. */
    unsigned node_load[VML_MAX_NODES] = { 0 };
    for (unsigned local = 0; local < nodes; local++) {
        uint32_t used = 0;
        unsigned prev = local, k = 0;
        int n;
        while ((n = find_next_best_node(sim, local, &used, node_load)) >= 0) {
            /* A penalty to the first node of each distance group, so that the lists of
             * nodes at equal distance take turns (build_zonelists). */
            if (vml_phys_distance(sim->phys, local, (unsigned)n) !=
                vml_phys_distance(sim->phys, local, prev))
                node_load[n] += 1;
            sim->zonelist[local][k++] = (unsigned)n;
            prev = (unsigned)n;
        }
    }
    for (unsigned i = 0; i < VML_MAX_NODES; i++)
        sim->cfg.il_weight[i] = sim->cfg.il_weight[i] ? sim->cfg.il_weight[i] : 1;
    return memory_tiers_init(sim, node_load, diag);
}

void numa_destroy(struct vml_sim *sim)
{
    for (struct sim_mpol *p = sim->mpols, *next; p; p = next) {
        next = p->next;
        free(p);
    }
    sim->mpols = NULL;
}

void task_numa_init(const struct vml_sim *sim, struct sim_task *t)
{
    t->mempolicy = NULL;
    t->il_prev = MAX_NUMNODES - 1;
    t->il_weight = 0;
    memset(t->cpus_allowed, 0, sizeof(t->cpus_allowed));
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
        t->cpus_allowed[c / 64] |= 1ull << (c % 64);
}

void mpol_fork(const struct sim_task *parent, struct sim_task *child)
{
    /* copy_process: mpol_dup of the parent's policy; dup_task_struct copies the cursor. */
    child->mempolicy = parent->mempolicy;
    child->il_prev = parent->il_prev;
    child->il_weight = parent->il_weight;
    memcpy(child->cpus_allowed, parent->cpus_allowed, sizeof(child->cpus_allowed));
}

bool task_cpu_allowed(const struct sim_task *t, unsigned cpu)
{
    return cpu < VML_SIM_MAX_CPUS && (t->cpus_allowed[cpu / 64] >> (cpu % 64) & 1);
}

/* ---- policies ------------------------------------------------------------------------------ */

static int mpol_intern(struct vml_sim *sim, const struct sim_mpol *want,
                       const struct sim_mpol **out)
{
    for (struct sim_mpol *p = sim->mpols; p; p = p->next)
        if (p->mode == want->mode && p->flags == want->flags && p->nodes == want->nodes &&
            p->user_nodes == want->user_nodes) {
            *out = p;
            return 0;
        }
    struct sim_mpol *p = malloc(sizeof(*p));
    if (!p)
        return VML_EHOST;
    *p = *want;
    p->next = sim->mpols;
    sim->mpols = p;
    *out = p;
    return 0;
}

/* mpol_relative_nodemask: node k of the user's mask is the k-th node (modulo their number) of
 * the allowed ones (nodes_fold, then nodes_onto). */
static uint32_t relative_nodes(uint32_t user, uint32_t allowed)
{
    unsigned w = weight(allowed);
    uint32_t out = 0;
    for (unsigned k = 0; k < 32 && w; k++) {
        if (!(user & (1u << k)))
            continue;
        unsigned target = k % w, n = first_node(allowed);
        for (unsigned i = 0; i < target; i++)
            n = next_node_in(n, allowed);
        out |= 1u << n;
    }
    return out;
}

/* mpol_new and mpol_set_nodemask: the policy object, NULL for MPOL_DEFAULT (the task's, or
 * no VMA policy). VML_EINVAL as the kernel refuses. */
int mpol_create(struct vml_sim *sim, const struct vml_mpol *in, const struct sim_mpol **out)
{
    unsigned mode = in->mode, flags = in->flags;
    uint32_t nodes = in->nodes;
    *out = NULL;
    if (mode >= VML_MPOL_NR_MODES ||
        (flags & ~(VML_MPOL_F_STATIC_NODES | VML_MPOL_F_RELATIVE_NODES)) != 0)
        return VML_EINVAL;
    /* sanitize_mpol_flags: static and relative exclude each other. */
    if ((flags & VML_MPOL_F_STATIC_NODES) && (flags & VML_MPOL_F_RELATIVE_NODES))
        return VML_EINVAL;
    if (mode == VML_MPOL_DEFAULT)
        return nodes ? VML_EINVAL : 0;
    if (mode == VML_MPOL_PREFERRED && !nodes) {
        /* MPOL_PREFERRED with no node is local allocation, without mode flags. */
        if (flags)
            return VML_EINVAL;
        mode = VML_MPOL_LOCAL;
    } else if (mode == VML_MPOL_LOCAL) {
        if (nodes || flags)
            return VML_EINVAL;
    } else if (!nodes) {
        return VML_EINVAL;
    }
    struct sim_mpol p = { .mode = mode, .flags = flags, .user_nodes = nodes };
    if (mode != VML_MPOL_LOCAL) {
        /* mpol_set_nodemask: the nodes with memory the task may use (no cpusets: all). */
        uint32_t allowed = all_nodes(sim);
        uint32_t m =
            (flags & VML_MPOL_F_RELATIVE_NODES) ? relative_nodes(nodes, allowed) : nodes & allowed;
        if (!m)
            return VML_EINVAL; /* mpol_new_nodemask / mpol_new_preferred */
        p.nodes = mode == VML_MPOL_PREFERRED ? 1u << first_node(m) : m;
    }
    if (!(flags & (VML_MPOL_F_STATIC_NODES | VML_MPOL_F_RELATIVE_NODES)))
        p.user_nodes = 0; /* only the mode flags keep the user's mask (mpol_store_user_nodemask) */
    return mpol_intern(sim, &p, out);
}

int vml_sim_set_mempolicy(struct vml_sim *sim, int pid, const struct vml_mpol *in)
{
    struct sim_task *t = sim_task(sim, pid);
    const struct sim_mpol *p;
    int r = mpol_create(sim, in, &p);
    if (r)
        return r; /* the policy's checks first (pid -1 checks it alone) */
    if (!t)
        return VML_ENOENT;
    t->mempolicy = p;
    /* do_set_mempolicy: a new interleave starts its cursor over. */
    if (p && (p->mode == VML_MPOL_INTERLEAVE || p->mode == VML_MPOL_WEIGHTED_INTERLEAVE)) {
        t->il_prev = MAX_NUMNODES - 1;
        t->il_weight = 0;
    }
    return 0;
}

int vml_sim_mbind(struct vml_sim *sim, int pid, uint64_t addr, uint64_t len,
                  const struct vml_mpol *in, struct vml_diag *diag)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    /* do_mbind: start page aligned, len rounded up, an empty range is a no-op. */
    if (addr & ~PAGE_MASK)
        return VML_EINVAL;
    uint64_t end = addr + ((len + PAGE_SIZE - 1) & PAGE_MASK);
    if (end < addr || len > UINT64_MAX - PAGE_SIZE)
        return VML_EINVAL;
    const struct sim_mpol *p;
    int r = mpol_create(sim, in, &p);
    if (r || end == addr)
        return r;
    /* queue_pages_range: every page of the range mapped, else EFAULT, before any change. */
    uint64_t cur = addr;
    for (struct vma *v = vma_find_next(t->mm->vmas, addr); cur < end; v = vma_next(v)) {
        if (!v || v->start > cur)
            return VML_EFAULT;
        if (v->flags & VM_HUGETLB) {
            diag_set(diag, 0, 0,
                     "mbind of a hugetlb mapping is not modelled (its pages come from the "
                     "pools by huge_node)");
            return VML_ENOTSUP;
        }
        if (v->kind == VMA_SHMEM) {
            diag_set(diag, 0, 0,
                     "mbind of a shared memory mapping sets the object's shared policy "
                     "(shmem_set_policy), which is not modelled");
            return VML_ENOTSUP;
        }
        cur = v->end;
    }
    struct vma_change ch = { .change_policy = true, .policy = p, .holes = VMA_HOLES_STOP };
    uint64_t done;
    return vma_change(t->mm->vmas, addr, end, &ch, &done);
}

int vml_sim_set_affinity(struct vml_sim *sim, int pid, const uint64_t *mask, unsigned nwords)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    uint64_t m[SIM_CPU_WORDS] = { 0 };
    bool any = false;
    for (unsigned w = 0; w < nwords && w < SIM_CPU_WORDS; w++)
        m[w] = mask[w];
    for (unsigned c = 0; c < VML_SIM_MAX_CPUS; c++) {
        if (c >= sim->cfg.nr_cpus)
            m[c / 64] &= ~(1ull << (c % 64));
        else if (m[c / 64] >> (c % 64) & 1)
            any = true;
    }
    if (!any)
        return VML_EINVAL; /* __sched_setaffinity: no online CPU in the mask */
    memcpy(t->cpus_allowed, m, sizeof(m));
    /* A task on CPUs it may no longer use leaves them, for the first one it may use (the
     * migration the affinity change forces, __set_cpus_allowed_ptr). */
    bool moved = false, runs = false;
    for (unsigned c = 0; c < sim->cfg.nr_cpus; c++) {
        if (sim->running[c] != pid)
            continue;
        if (task_cpu_allowed(t, c)) {
            runs = true;
        } else {
            sim->running[c] = 0;
            moved = true;
        }
    }
    if (moved && !runs)
        for (unsigned d = 0; d < sim->cfg.nr_cpus; d++)
            if (task_cpu_allowed(t, d))
                return vml_sim_run_on(sim, d, pid);
    return 0;
}

unsigned vml_sim_numa_latency_ns(const struct vml_sim *sim, unsigned from, unsigned to)
{
    unsigned d = vml_phys_distance(sim->phys, from, to);
    return VML_NUMA_LOCAL_NS + (VML_NUMA_REMOTE_NS - VML_NUMA_LOCAL_NS) * (d - VML_LOCAL_DISTANCE) /
                                   (VML_REMOTE_DISTANCE - VML_LOCAL_DISTANCE);
}

uint64_t vml_sim_node_end(const struct vml_sim *sim, unsigned node)
{
    return (vml_phys_node_start(sim->phys, node) + vml_phys_node_pages(sim->phys, node))
           << PAGE_SHIFT;
}

unsigned vml_sim_nr_nodes(const struct vml_sim *sim)
{
    return nr_nodes(sim);
}

unsigned vml_sim_nr_cpus(const struct vml_sim *sim)
{
    return sim->cfg.nr_cpus;
}

unsigned vml_sim_cpu_node(const struct vml_sim *sim, unsigned cpu)
{
    return cpu < sim->cfg.nr_cpus ? sim->cpu_node[cpu] : 0;
}

int vml_sim_task_node(const struct vml_sim *sim, int pid, unsigned *node)
{
    const struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    *node = task_node(sim, t);
    return 0;
}

/* ---- allocation ---------------------------------------------------------------------------- */

void mpol_enter(struct vml_sim *sim, struct sim_task *t, const struct vma *v, uint64_t addr,
                struct mpol_ctx *ctx, struct mpol_ctx **save)
{
    *save = sim->mctx;
    *ctx = (struct mpol_ctx){ .task_pol = t->mempolicy,
                              .il_prev = &t->il_prev,
                              .il_weight = &t->il_weight,
                              .local = task_node(sim, t),
                              .vma = v,
                              .addr = addr };
    sim->mctx = ctx;
}

void mpol_leave(struct vml_sim *sim, struct mpol_ctx *save)
{
    sim->mctx = save;
}

/* interleave_nodes: the cursor's next node of the policy. */
static unsigned interleave_nodes(const struct mpol_ctx *c, const struct sim_mpol *p)
{
    unsigned nid = next_node_in(*c->il_prev, p->nodes);
    if (nid < VML_MAX_NODES)
        *c->il_prev = nid;
    return nid;
}

/* weighted_interleave_nodes: each node il_weight allocations in turn. */
static unsigned weighted_interleave_nodes(const struct vml_sim *sim, const struct mpol_ctx *c,
                                          const struct sim_mpol *p)
{
    unsigned node = *c->il_prev;
    if (!*c->il_weight || node >= VML_MAX_NODES || !(p->nodes & (1u << node))) {
        node = next_node_in(node, p->nodes);
        *c->il_prev = node;
        *c->il_weight = sim->cfg.il_weight[node];
    }
    (*c->il_weight)--;
    return node;
}

/* interleave_nid: the ilx-th node of the mask, cyclically. */
static unsigned interleave_nid(const struct sim_mpol *p, uint64_t ilx)
{
    unsigned target = (unsigned)(ilx % weight(p->nodes)), nid = first_node(p->nodes);
    for (unsigned i = 0; i < target; i++)
        nid = next_node_in(nid, p->nodes);
    return nid;
}

/* weighted_interleave_nid: ilx modulo the total weight, walked node by node. */
static unsigned weighted_interleave_nid(const struct vml_sim *sim, const struct sim_mpol *p,
                                        uint64_t ilx)
{
    uint64_t total = 0;
    for (unsigned n = 0; n < VML_MAX_NODES; n++)
        if (p->nodes & (1u << n))
            total += sim->cfg.il_weight[n];
    uint64_t target = ilx % total;
    unsigned nid = first_node(p->nodes);
    while (target) {
        unsigned w = sim->cfg.il_weight[nid];
        if (target < w)
            break;
        target -= w;
        nid = next_node_in(nid, p->nodes);
    }
    return nid;
}

uint32_t mpol_alloc_scope(const struct vml_sim *sim, const struct sim_task *t, const struct vma *v,
                          unsigned *first)
{
    unsigned n = vml_phys_nr_nodes(sim->phys);
    uint32_t all = n >= 32 ? UINT32_MAX : (1u << n) - 1;
    unsigned local = task_node(sim, t);
    *first = local;
    const struct sim_mpol *p = v && v->policy ? (const struct sim_mpol *)v->policy : t->mempolicy;
    if (!p)
        return all;
    switch (p->mode) {
    case VML_MPOL_PREFERRED: *first = first_node(p->nodes); return all;
    case VML_MPOL_BIND: {
        /* policy_nodemask: the nodemask; the zonelist is the local node's, so the first
         * allowed node along it. */
        const unsigned *zl = sim->zonelist[local];
        for (unsigned k = 0; k < n; k++)
            if (p->nodes & (1u << zl[k])) {
                *first = zl[k];
                break;
            }
        return p->nodes & all;
    }
    default: return all; /* interleave, preferred_many and local fall back to every node */
    }
}

void mpol_request(struct vml_sim *sim, unsigned node, enum vml_frame_use use, unsigned order,
                  uint64_t ilx, struct alloc_req *rq)
{
    const struct mpol_ctx *c = sim->mctx;
    *rq = (struct alloc_req){ .nid = node, .local = node };
    /* The kernel's own threads, and slab pages: the node asked for. */
    if (!c || use == VML_USE_KERNEL)
        return;
    rq->nid = rq->local = c->local;
    const struct sim_mpol *p = c->task_pol;
    if (use == VML_USE_ANON && c->vma) {
        /* get_vma_policy: the VMA's policy, else the task's; ilx from the page's offset. */
        if (c->vma->policy)
            p = c->vma->policy;
        uint64_t start = c->addr & ~((PAGE_SIZE << order) - 1);
        ilx = (c->vma->pgoff >> order) + ((start - c->vma->start) >> (PAGE_SHIFT + order));
    } else if (use != VML_USE_SHMEM) {
        ilx = MPOL_NO_ILX; /* alloc_pages: page tables, the page cache */
    }
    unsigned mode = p ? p->mode : VML_MPOL_LOCAL; /* preferred_node_policy[numa_node_id()] */
    switch (mode) {
    case VML_MPOL_PREFERRED: rq->nid = first_node(p->nodes); break;
    case VML_MPOL_PREFERRED_MANY:
        rq->mask = p->nodes;
        rq->many = true;
        break;
    case VML_MPOL_BIND: rq->mask = p->nodes; break;
    case VML_MPOL_INTERLEAVE:
        rq->nid = ilx == MPOL_NO_ILX ? interleave_nodes(c, p) : interleave_nid(p, ilx);
        rq->interleave = true;
        break;
    case VML_MPOL_WEIGHTED_INTERLEAVE:
        rq->nid = ilx == MPOL_NO_ILX ? weighted_interleave_nodes(sim, c, p)
                                     : weighted_interleave_nid(sim, p, ilx);
        rq->interleave = true;
        break;
    default: break; /* local */
    }
    /* alloc_pages_mpol: a PMD-sized folio under a policy that allows the preferred node tries
     * that node alone first (__GFP_THISNODE | __GFP_NORETRY). */
    rq->thp_local = order == VML_THP_PMD_ORDER && ilx != MPOL_NO_ILX && !rq->interleave &&
                    !rq->many && (!rq->mask || (rq->mask & (1u << rq->nid)));
}

/* ---- text ---------------------------------------------------------------------------------- */

/* %*pbl: a node list, ranges as A-B. */
static size_t put_nodelist(char *buf, size_t n, uint32_t m)
{
    size_t len = 0;
    for (unsigned a = 0; a < 32;) {
        if (!(m & (1u << a))) {
            a++;
            continue;
        }
        unsigned b = a;
        while (b + 1 < 32 && (m & (1u << (b + 1))))
            b++;
        int w = b > a ? snprintf(buf + len, n - len, "%s%u-%u", len ? "," : "", a, b)
                      : snprintf(buf + len, n - len, "%s%u", len ? "," : "", a);
        if (w < 0 || (size_t)w >= n - len)
            return len;
        len += (size_t)w;
        a = b + 1;
    }
    return len;
}

void mpol_to_str(const struct sim_mpol *pol, char *buf, size_t n)
{
    static const char *const modes[VML_MPOL_NR_MODES] = {
        [VML_MPOL_DEFAULT] = "default",
        [VML_MPOL_PREFERRED] = "prefer",
        [VML_MPOL_BIND] = "bind",
        [VML_MPOL_INTERLEAVE] = "interleave",
        [VML_MPOL_LOCAL] = "local",
        [VML_MPOL_PREFERRED_MANY] = "prefer (many)",
        [VML_MPOL_WEIGHTED_INTERLEAVE] = "weighted interleave",
    };
    unsigned mode = pol ? pol->mode : VML_MPOL_DEFAULT;
    size_t len = (size_t)snprintf(buf, n, "%s", modes[mode]);
    if (!pol || len >= n)
        return;
    if (pol->flags & (VML_MPOL_F_STATIC_NODES | VML_MPOL_F_RELATIVE_NODES))
        len += (size_t)snprintf(buf + len, n - len, "=%s",
                                (pol->flags & VML_MPOL_F_STATIC_NODES) ? "static" : "relative");
    if (pol->nodes && len + 1 < n) {
        buf[len++] = ':';
        buf[len] = 0;
        put_nodelist(buf + len, n - len, pol->nodes);
    }
}

const char *vml_node_file_name(enum vml_node_file f)
{
    static const char *const names[VML_NODE_NR_FILES] = {
        "meminfo", "numastat", "vmstat", "distance", "cpulist",
    };
    return (unsigned)f < VML_NODE_NR_FILES ? names[f] : "?";
}

int vml_sim_numastat(const struct vml_sim *sim, unsigned node, struct vml_numastat *out)
{
    if (node >= nr_nodes(sim))
        return VML_EINVAL;
    /* node_read_numastat: each counter summed over the node's zones. */
    uint64_t s[6] = { 0 };
    for (unsigned z = 0; z < VML_NR_ZONES; z++)
        for (unsigned i = 0; i < 6; i++)
            s[i] += sim->zone_numa[node][z][i];
    *out = (struct vml_numastat){ s[0], s[1], s[2], s[3], s[4], s[5] };
    return 0;
}

static uint64_t node_anon_thps(const struct vml_sim *sim, unsigned node)
{
    if (nr_nodes(sim) == 1)
        return sim->nr_anon_thps;
    uint64_t n = 0;
    for (uint32_t i = 0; i < sim->nr_folios; i++) {
        const struct large_folio *lf = &sim->folios[i];
        if (lf->head && lf->entire_mapcount && sim_frame(sim, lf->head - 1)->node == node)
            n++;
    }
    return n;
}

static void node_meminfo(const struct vml_sim *sim, unsigned node, struct vml_node_meminfo *m)
{
    /* node_read_meminfo: the node's own counters (those the simulation keeps per node). */
    const struct node_stats *s = &sim->node[node];
    struct vml_phys_usage u;
    vml_phys_usage(sim->phys, node, &u);
    memset(m, 0, sizeof(*m));
    m->mem_total = u.total * 4;
    m->mem_free = u.free * 4;
    m->mem_used = (u.total - u.free) * 4;
    m->swap_cached = s->swapcache * 4;
    m->active_anon = s->lru[LRU_ACTIVE_ANON] * 4;
    m->inactive_anon = s->lru[LRU_INACTIVE_ANON] * 4;
    m->active_file = s->lru[LRU_ACTIVE_FILE] * 4;
    m->inactive_file = s->lru[LRU_INACTIVE_FILE] * 4;
    m->active = m->active_anon + m->active_file;
    m->inactive = m->inactive_anon + m->inactive_file;
    m->unevictable = s->lru[LRU_UNEVICTABLE] * 4;
    m->mlocked = s->mlock * 4;
    m->dirty = s->dirty * 4;
    m->writeback = s->writeback * 4;
    m->file_pages = s->file_pages * 4;
    m->mapped = s->file_mapped * 4;
    m->anon_pages = s->anon_mapped * 4;
    m->shmem = s->shmem * 4;
    m->page_tables = u.used[VML_USE_PGTABLE] * 4;
    m->sreclaimable = slab_node_reclaimable_pages(sim, node) * 4;
    m->kreclaimable = m->sreclaimable;
    m->slab = m->sreclaimable;
    m->anon_huge_pages = node_anon_thps(sim, node) * 2048;
    /* File THPs are counted machine-wide only: under node 0 (as the per-node vmstat does). */
    m->file_huge_pages = node == 0 ? sim->nr_file_thps * 2048 : 0;
    const struct hstate *h = &sim->hstates[VML_HUGE_2M];
    m->hugepages_total = h->nr_node[node];
    m->hugepages_free = h->free_node[node];
    m->hugepages_surp = h->surplus_node[node];
}

static void node_vmstat_text(const struct vml_sim *sim, unsigned node, struct vml_text *out)
{
    /* node_read_vmstat: the zone items summed over the node's zones, the NUMA events, then the
     * node items: /proc/vmstat's lines up to nr_dirty_threshold, the node's values. */
    struct vml_vmstat v;
    vml_sim_vmstat(sim, &v);
    if (nr_nodes(sim) > 1) {
        sim_node_vmstat(sim, node, &v);
        const struct node_stats *s = &sim->node[node];
        uint64_t free = 0, blocks = 0;
        uint64_t lru[NR_LRU_LISTS] = { 0 };
        for (unsigned z = 0; z < VML_NR_ZONES; z++) {
            free += sim->phys->nodes[node].zones[z].free_pages;
            for (unsigned o = 9; o < VML_NR_ORDERS; o++)
                blocks += vml_phys_nr_free(sim->phys, node, (enum vml_zone)z, o) << o;
            for (unsigned l = 0; l < NR_LRU_LISTS; l++)
                lru[l] += sim->zone_lru[node][z][l];
        }
        v.v[VML_VMSTAT_nr_free_pages] = free;
        v.v[VML_VMSTAT_nr_free_pages_blocks] = blocks;
        v.v[VML_VMSTAT_nr_zone_inactive_anon] = lru[LRU_INACTIVE_ANON];
        v.v[VML_VMSTAT_nr_zone_active_anon] = lru[LRU_ACTIVE_ANON];
        v.v[VML_VMSTAT_nr_zone_inactive_file] = lru[LRU_INACTIVE_FILE];
        v.v[VML_VMSTAT_nr_zone_active_file] = lru[LRU_ACTIVE_FILE];
        v.v[VML_VMSTAT_nr_zone_unevictable] = lru[LRU_UNEVICTABLE];
        v.v[VML_VMSTAT_nr_zone_write_pending] = s->dirty + s->writeback;
        v.v[VML_VMSTAT_nr_mlock] = s->mlock;
        if (node) {
            v.v[VML_VMSTAT_nr_zspages] = 0;
            v.v[VML_VMSTAT_nr_free_cma] = 0;
        }
    }
    struct vml_numastat ns = { 0 };
    vml_sim_numastat(sim, node, &ns);
    v.v[VML_VMSTAT_numa_hit] = ns.numa_hit;
    v.v[VML_VMSTAT_numa_miss] = ns.numa_miss;
    v.v[VML_VMSTAT_numa_foreign] = ns.numa_foreign;
    v.v[VML_VMSTAT_numa_interleave] = ns.interleave_hit;
    v.v[VML_VMSTAT_numa_local] = ns.local_node;
    v.v[VML_VMSTAT_numa_other] = ns.other_node;
    for (unsigned i = 0; i < VML_VMSTAT_nr_dirty_threshold; i++)
        text_printf(out, "%s %llu\n", vml_vmstat_name((enum vml_vmstat_item)i),
                    (unsigned long long)v.v[i]);
}

/* cpulist: %*pbl of the node's CPUs ("" and a newline for none). */
static void node_cpulist(const struct vml_sim *sim, unsigned node, struct vml_text *out)
{
    bool first = true;
    for (unsigned a = 0; a < sim->cfg.nr_cpus;) {
        if (sim->cpu_node[a] != node) {
            a++;
            continue;
        }
        unsigned b = a;
        while (b + 1 < sim->cfg.nr_cpus && sim->cpu_node[b + 1] == node)
            b++;
        text_printf(out, b > a ? "%s%u-%u" : "%s%u", first ? "" : ",", a, b);
        first = false;
        a = b + 1;
    }
    text_printf(out, "\n");
}

int vml_sim_node_text(const struct vml_sim *sim, unsigned node, enum vml_node_file f,
                      struct vml_text *out)
{
    if (node >= nr_nodes(sim) || (unsigned)f >= VML_NODE_NR_FILES)
        return VML_EINVAL;
    switch (f) {
    case VML_NODE_MEMINFO: {
        struct vml_node_meminfo m;
        node_meminfo(sim, node, &m);
        return vml_proc_format_node_meminfo(node, &m, out);
    }
    case VML_NODE_NUMASTAT: {
        struct vml_numastat s;
        vml_sim_numastat(sim, node, &s);
        return vml_proc_format_numastat(&s, out);
    }
    case VML_NODE_VMSTAT: node_vmstat_text(sim, node, out); break;
    case VML_NODE_DISTANCE: {
        unsigned row[VML_MAX_NODES];
        for (unsigned n = 0; n < nr_nodes(sim); n++)
            row[n] = vml_phys_distance(sim->phys, node, n);
        return vml_proc_format_distance(row, nr_nodes(sim), out);
    }
    default: node_cpulist(sim, node, out); break;
    }
    return text_status(out);
}

int vml_sim_numastat_table(const struct vml_sim *sim, struct vml_text *out)
{
    /* numastat's compatibility display: a 16-column left-justified label, then a 16-column
     * right-justified "nodeN" per node, no Total column. */
    static const char *const rows[6] = { "numa_hit",       "numa_miss",  "numa_foreign",
                                         "interleave_hit", "local_node", "other_node" };
    unsigned nodes = nr_nodes(sim);
    struct vml_numastat s[VML_MAX_NODES];
    text_printf(out, "%16s", "");
    for (unsigned n = 0; n < nodes; n++) {
        char h[16];
        snprintf(h, sizeof(h), "node%u", n);
        text_printf(out, "%16s", h);
        vml_sim_numastat(sim, n, &s[n]);
    }
    text_printf(out, "\n");
    for (unsigned i = 0; i < 6; i++) {
        text_printf(out, "%-16s", rows[i]);
        for (unsigned n = 0; n < nodes; n++) {
            const uint64_t v[6] = { s[n].numa_hit,       s[n].numa_miss,  s[n].numa_foreign,
                                    s[n].interleave_hit, s[n].local_node, s[n].other_node };
            text_printf(out, "%16llu", (unsigned long long)v[i]);
        }
        text_printf(out, "\n");
    }
    return text_status(out);
}

/* printf's "% 3d" of a non-negative value: a blank for the sign, the digits, at least 3 wide. */
static void put_space_3d(struct vml_text *out, unsigned v, const char *after)
{
    char d[16];
    int n = snprintf(d, sizeof(d), "%u", v);
    text_printf(out, "%*s%s%s", n < 3 ? 3 - n : 1, "", d, after);
}

int vml_sim_numactl_hardware(const struct vml_sim *sim, struct vml_text *out)
{
    /* numactl.c hardware(): the node list, each node's CPUs, size and free memory in MB
     * (numa_node_size64: MemTotal and MemFree of nodeN/meminfo), then print_distances. */
    unsigned nodes = nr_nodes(sim);
    char list[64];
    put_nodelist(list, sizeof(list), all_nodes(sim));
    text_printf(out, "available: %u nodes (%s)\n", nodes, list);
    for (unsigned n = 0; n < nodes; n++) {
        text_printf(out, "node %u cpus:", n);
        for (unsigned c = 0; c < sim->cfg.nr_cpus; c++)
            if (sim->cpu_node[c] == n)
                text_printf(out, " %u", c);
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, n, &u);
        text_printf(out, "\nnode %u size: %llu MB\nnode %u free: %llu MB\n", n,
                    (unsigned long long)(u.total * PAGE_SIZE >> 20), n,
                    (unsigned long long)(u.free * PAGE_SIZE >> 20));
    }
    text_printf(out, "node distances:\nnode ");
    for (unsigned n = 0; n < nodes; n++)
        put_space_3d(out, n, " ");
    text_printf(out, "\n");
    for (unsigned a = 0; a < nodes; a++) {
        put_space_3d(out, a, ": ");
        for (unsigned b = 0; b < nodes; b++)
            put_space_3d(out, vml_phys_distance(sim->phys, a, b), " ");
        text_printf(out, "\n");
    }
    return text_status(out);
}
