/* test_numa_policy.c: NUMA topology and memory policies (docs/numa.md).
 *
 * Expectations are worked out by hand from the kernel's rules, in the comments beside them:
 * zonelist orders (build_zonelists, find_next_best_node), interleave targets (interleave_nid,
 * weighted_interleave_nid, interleave_nodes), zone_statistics' counters; and the text of
 * numa_maps, numactl --hardware and numastat against a real 6.18 kernel's output
 * (tests/fixtures/numa) or the tools' source format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proc_fixture.h"
#include "sim_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1ull << 20)
#define PG  4096ull

/* A machine of nodes nodes of node_mb MiB each, cpus[n] CPUs on node n, the SLIT dist (NULL:
 * 10 local, 20 remote), interleave weights w (NULL: 1), CPUs of the model spec (NULL:
 * skylake). */
static struct vml_sim *numa_sim_cpu(unsigned nodes, uint64_t node_mb, const unsigned *cpus,
                                    const uint8_t (*dist)[VML_MAX_NODES], const uint8_t *w,
                                    const char *spec)
{
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, nodes * node_mb * MiB);
    struct vml_diag d = { 0 };
    if (spec && vml_cpu_model_parse(spec, &cfg.cpu, &d) != 0)
        fail_msg("cpu %s: %s", spec, d.msg);
    cfg.phys.nr_nodes = nodes;
    cfg.nr_cpus = 0;
    for (unsigned n = 0; n < nodes; n++) {
        cfg.phys.node_bytes[n] = node_mb * MiB;
        cfg.node_cpus[n] = cpus[n];
        cfg.nr_cpus += cpus[n];
        if (w)
            cfg.il_weight[n] = w[n];
    }
    if (dist)
        memcpy(cfg.phys.distance, dist, sizeof(cfg.phys.distance));
    return fixture_create(&cfg);
}

static struct vml_sim *numa_sim(unsigned nodes, uint64_t node_mb, const unsigned *cpus,
                                const uint8_t (*dist)[VML_MAX_NODES], const uint8_t *w)
{
    return numa_sim_cpu(nodes, node_mb, cpus, dist, w, NULL);
}

static uint64_t map_anon(struct vml_sim *sim, int pid, uint64_t pages)
{
    uint64_t addr;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, pages * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &addr),
                     0);
    return addr;
}

static void write_all(struct vml_sim *sim, int pid, uint64_t addr, uint64_t pages)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + pages * PG, PG, VML_WRITE, &res), 0);
    assert_false(res.killed);
}

/* The N<node>= counts of the numa_maps line of the VMA starting at addr; its text in line. */
static void numa_line(struct vml_sim *sim, int pid, uint64_t addr, uint64_t *nodes, char *line,
                      size_t n)
{
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_proc_text(sim, pid, VML_SIM_NUMA_MAPS, 0, 0, &t), 0);
    char want[32];
    snprintf(want, sizeof(want), "%llx ", (unsigned long long)addr);
    const char *l = strstr(t.s, want);
    if (!l)
        fail_msg("no numa_maps line at %s in\n%s", want, t.s);
    const char *e = strchr(l, '\n');
    snprintf(line, n, "%.*s", (int)(e - l), l);
    memset(nodes, 0, VML_MAX_NODES * sizeof(*nodes));
    for (const char *p = line; (p = strstr(p, " N")) != NULL; p++) {
        unsigned node;
        unsigned long long v;
        if (sscanf(p, " N%u=%llu", &node, &v) == 2 && node < VML_MAX_NODES)
            nodes[node] = v;
    }
    vml_text_free(&t);
}

static struct vml_numastat stat_of(struct vml_sim *sim, unsigned node)
{
    struct vml_numastat s;
    assert_int_equal(vml_sim_numastat(sim, node, &s), 0);
    return s;
}

static void set_pol(struct vml_sim *sim, int pid, unsigned mode, unsigned flags, uint32_t nodes,
                    int want)
{
    struct vml_mpol p = { .mode = mode, .flags = flags, .nodes = nodes };
    assert_int_equal(vml_sim_set_mempolicy(sim, pid, &p), want);
}

/* The node one page written under the task's policy lands on: a mapping of its own, 1 GiB
 * from the last, so that it merges with none. */
static unsigned one_page_node(struct vml_sim *sim, int pid)
{
    static uint64_t hint = 0x100000000ull;
    uint64_t a, nodes[VML_MAX_NODES];
    hint += 1ull << 30;
    assert_int_equal(vml_sim_mmap(sim, pid, hint, PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &a),
                     0);
    assert_int_equal(a, hint);
    char line[256];
    write_all(sim, pid, a, 1);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    for (unsigned n = 0; n < VML_MAX_NODES; n++)
        if (nodes[n])
            return n;
    fail_msg("no page in %s", line);
    return 0;
}

/* Fallback follows the SLIT: from node 0 at distances 30, 20, 40 to nodes 1, 2, 3,
 * find_next_best_node orders node 0's zonelist 0, 2, 1, 3; a bind mask is walked in that
 * order, so its preferred (first allowed) node is 2 for {1,2,3}, 1 for {1,3}, 3 for {3}. */
static void test_zonelist_by_distance(void **state)
{
    (void)state;
    static const uint8_t d[VML_MAX_NODES][VML_MAX_NODES] = {
        { 10, 30, 20, 40 }, { 30, 10, 40, 20 }, { 20, 40, 10, 30 }, { 40, 20, 30, 10 }
    };
    static const unsigned cpus[] = { 1, 1, 1, 1 };
    struct vml_sim *sim = numa_sim(4, 64, cpus, d, NULL);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    unsigned node;
    assert_int_equal(vml_sim_task_node(sim, pid, &node), 0);
    assert_int_equal(node, 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0xe, 0);
    assert_int_equal(one_page_node(sim, pid), 2);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0xa, 0);
    assert_int_equal(one_page_node(sim, pid), 1);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0x8, 0);
    assert_int_equal(one_page_node(sim, pid), 3);
    /* Every allocation got its preferred (first allowed) node: hits, no miss; from node 0's
     * CPU, all other_node. */
    for (unsigned n = 1; n < 4; n++) {
        struct vml_numastat s = stat_of(sim, n);
        assert_true(s.numa_hit > 0);
        assert_int_equal(s.numa_miss, 0);
        assert_int_equal(s.local_node, 0);
        assert_int_equal(s.other_node, s.numa_hit);
    }
    vml_sim_destroy(sim);
}

/* Equal distances: node_load makes the zonelists take turns. Node 0: 0, then 1 (ties go to the
 * lower number; node_load[1] becomes 1), then 2. Node 1: 1, then 2 (node 0 pays 1 for being
 * below node 1), then 0. Node 2: 2, then 0 (node 1 pays its node_load), then 1. So from node
 * 1, bind {0,2} prefers 2; from node 2, bind {0,1} prefers 0; from node 0, {1,2} prefers 1. */
static void test_zonelist_round_robin(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1, 1 };
    struct vml_sim *sim = numa_sim(3, 32, cpus, NULL, NULL);
    static const struct {
        unsigned cpu;
        uint32_t mask;
        unsigned want;
    } cases[] = { { 1, 0x5, 2 }, { 2, 0x3, 0 }, { 0, 0x6, 1 } };
    for (unsigned i = 0; i < 3; i++) {
        int pid;
        assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
        assert_int_equal(vml_sim_run_on(sim, cases[i].cpu, pid), 0);
        set_pol(sim, pid, VML_MPOL_BIND, 0, cases[i].mask, 0);
        assert_int_equal(one_page_node(sim, pid), cases[i].want);
    }
    vml_sim_destroy(sim);
}

/* A CPU-less node is preferred at equal distance (PENALTY_FOR_NODE_WITH_CPUS): node 0's
 * zonelist is 0, 2, 1 when node 2 has no CPU; bind {1,2} from node 0 lands on node 2. */
static void test_zonelist_cpuless(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1, 0 };
    struct vml_sim *sim = numa_sim(3, 32, cpus, NULL, NULL);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0x6, 0);
    assert_int_equal(one_page_node(sim, pid), 2);
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_node_text(sim, 2, VML_NODE_CPULIST, &t), 0);
    expect_text(&t, "\n");
    assert_int_equal(vml_sim_node_text(sim, 1, VML_NODE_CPULIST, &t), 0);
    expect_text(&t, "1\n");
    vml_sim_destroy(sim);
}

/* mbind interleave over {0,1,2}: page i of the VMA goes to node (vm_pgoff + i) % 3, with
 * vm_pgoff = start >> 12 for anonymous memory (interleave_nid). */
static void test_interleave_by_offset(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1, 1 };
    struct vml_sim *sim = numa_sim(3, 32, cpus, NULL, NULL);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    const uint64_t pages = 10;
    uint64_t a = map_anon(sim, pid, pages);
    struct vml_mpol p = { .mode = VML_MPOL_INTERLEAVE, .nodes = 0x7 };
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_mbind(sim, pid, a, pages * PG, &p, &d), 0);
    uint64_t hits_before = 0;
    for (unsigned n = 0; n < 3; n++)
        hits_before += stat_of(sim, n).interleave_hit;
    write_all(sim, pid, a, pages);
    uint64_t want[VML_MAX_NODES] = { 0 }, got[VML_MAX_NODES];
    for (uint64_t i = 0; i < pages; i++)
        want[((a >> 12) + i) % 3]++;
    char line[256];
    numa_line(sim, pid, a, got, line, sizeof(line));
    for (unsigned n = 0; n < 3; n++)
        assert_int_equal(got[n], want[n]);
    assert_non_null(strstr(line, " interleave:0-2 anon=10 "));
    /* Each page got the node interleave chose: 10 interleave hits (the page tables follow the
     * task's default policy: none). */
    uint64_t hits = 0;
    for (unsigned n = 0; n < 3; n++)
        hits += stat_of(sim, n).interleave_hit;
    assert_int_equal(hits - hits_before, pages);
    vml_sim_destroy(sim);
}

/* Weighted interleave with weights 3 and 1: page offset o goes to node 0 when o % 4 < 3, else
 * to node 1 (weighted_interleave_nid walks the weights). */
static void test_weighted_interleave(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1 };
    static const uint8_t w[] = { 3, 1 };
    struct vml_sim *sim = numa_sim(2, 32, cpus, NULL, w);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    const uint64_t pages = 9;
    uint64_t a = map_anon(sim, pid, pages);
    struct vml_mpol p = { .mode = VML_MPOL_WEIGHTED_INTERLEAVE, .nodes = 0x3 };
    assert_int_equal(vml_sim_mbind(sim, pid, a, pages * PG, &p, NULL), 0);
    write_all(sim, pid, a, pages);
    uint64_t want[VML_MAX_NODES] = { 0 }, got[VML_MAX_NODES];
    for (uint64_t i = 0; i < pages; i++)
        want[((a >> 12) + i) % 4 < 3 ? 0 : 1]++;
    char line[256];
    numa_line(sim, pid, a, got, line, sizeof(line));
    assert_int_equal(got[0], want[0]);
    assert_int_equal(got[1], want[1]);
    assert_non_null(strstr(line, " weighted interleave:0-1 "));
    vml_sim_destroy(sim);
}

static uint64_t node_field(struct vml_sim *sim, unsigned node, const char *field)
{
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_node_text(sim, node, VML_NODE_MEMINFO, &t), 0);
    char key[64];
    snprintf(key, sizeof(key), "Node %u %s:", node, field);
    const char *l = strstr(t.s, key);
    assert_non_null(l);
    unsigned long long v = strtoull(l + strlen(key), NULL, 10);
    vml_text_free(&t);
    return v;
}

/* The page cache has no interleave index: set_mempolicy's interleave places it by the task's
 * cursor (interleave_nodes), which starts before the first node: 6 pages read go to nodes
 * 0, 1, 0, 1, 0, 1 (3 pages, 12 kB, each). */
static void test_interleave_task_cursor(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim *sim = numa_sim(2, 32, cpus, NULL, NULL);
    int pid, file;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    assert_int_equal(vml_sim_file_create(sim, "f", 6 * PG, false, &file), 0);
    set_pol(sim, pid, VML_MPOL_INTERLEAVE, 0, 0x3, 0);
    uint64_t f0 = node_field(sim, 0, "FilePages"), f1 = node_field(sim, 1, "FilePages");
    assert_int_equal(vml_sim_file_read(sim, pid, file, 0, 6 * PG), 0);
    assert_int_equal(node_field(sim, 0, "FilePages") - f0, 12);
    assert_int_equal(node_field(sim, 1, "FilePages") - f1, 12);
    vml_sim_destroy(sim);
}

/* preferred=1 with node 1 too small: the rest falls back to node 0. zone_statistics counts
 * each allocation once: a hit on node 1 while it has room, then a miss on node 0 and a foreign
 * on node 1 (the preferred zone); never a miss on node 1 or a foreign on node 0. The CPU is
 * node 0's: node 0's allocations are local, node 1's other. */
static void test_preferred_fallback_counters(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim_config cfg;
    fixture_cfg(&cfg, 96 * MiB);
    cfg.phys.nr_nodes = 2;
    cfg.phys.node_bytes[0] = 80 * MiB;
    cfg.phys.node_bytes[1] = 16 * MiB;
    cfg.nr_cpus = 2;
    cfg.node_cpus[0] = cpus[0];
    cfg.node_cpus[1] = cpus[1];
    struct vml_sim *sim = fixture_create(&cfg);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    set_pol(sim, pid, VML_MPOL_PREFERRED, 0, 0x2, 0);
    struct vml_numastat b0 = stat_of(sim, 0), b1 = stat_of(sim, 1);
    const uint64_t pages = 32 * MiB / PG;
    uint64_t a = map_anon(sim, pid, pages);
    write_all(sim, pid, a, pages);
    struct vml_numastat s0 = stat_of(sim, 0), s1 = stat_of(sim, 1);
    struct vml_status_mem st;
    assert_int_equal(vml_sim_status_mem(sim, pid, &st), 0);
    uint64_t allocs = pages + st.vm_pte / 4; /* the data pages and the PUD, PMD, PTE tables */
    uint64_t miss0 = s0.numa_miss - b0.numa_miss, hit1 = s1.numa_hit - b1.numa_hit;
    assert_true(miss0 > 0 && hit1 > 0);
    assert_int_equal(hit1 + miss0, allocs);
    assert_int_equal(s1.numa_foreign - b1.numa_foreign, miss0);
    assert_int_equal(s0.numa_hit - b0.numa_hit, 0);
    assert_int_equal(s1.numa_miss - b1.numa_miss, 0);
    assert_int_equal(s0.numa_foreign - b0.numa_foreign, 0);
    assert_int_equal(s0.local_node - b0.local_node, miss0);
    assert_int_equal(s1.other_node - b1.other_node, hit1);
    uint64_t got[VML_MAX_NODES];
    char line[256];
    numa_line(sim, pid, a, got, line, sizeof(line));
    assert_int_equal(got[0] + got[1], pages);
    assert_true(got[0] <= miss0 && got[1] <= hit1);
    assert_non_null(strstr(line, " prefer:1 anon="));
    vml_sim_destroy(sim);
}

/* Fork copies the policy (mpol_dup), and the child's pages follow it; sched_setaffinity moves a
 * task's local node, and default allocations with it, counted local on the new node. */
static void test_fork_and_affinity(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 2, 2 };
    struct vml_sim *sim = numa_sim(2, 32, cpus, NULL, NULL);
    int pid, child;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0x2, 0);
    assert_int_equal(vml_sim_fork(sim, pid, &child), 0);
    assert_int_equal(one_page_node(sim, child), 1);
    uint64_t a = map_anon(sim, child, 1), nodes[VML_MAX_NODES];
    char line[256];
    numa_line(sim, child, a, nodes, line, sizeof(line));
    assert_non_null(strstr(line, " bind:1"));

    int b;
    assert_int_equal(vml_sim_spawn(sim, "b", &b), 0);
    const uint64_t cpu3 = 1ull << 3, none = 0;
    assert_int_equal(vml_sim_set_affinity(sim, b, &none, 1), VML_EINVAL);
    assert_int_equal(vml_sim_set_affinity(sim, b, &cpu3, 1), 0);
    unsigned node;
    assert_int_equal(vml_sim_task_node(sim, b, &node), 0);
    assert_int_equal(node, 1);
    assert_int_equal(vml_sim_run_on(sim, 0, b), VML_EINVAL); /* not an allowed CPU */
    struct vml_numastat before = stat_of(sim, 1);
    assert_int_equal(one_page_node(sim, b), 1);
    struct vml_numastat after = stat_of(sim, 1);
    assert_true(after.local_node > before.local_node);
    assert_int_equal(after.other_node, before.other_node);
    vml_sim_destroy(sim);
}

/* The kernel's refusals (mpol_new, mpol_set_nodemask, do_mbind). */
static void test_policy_errors(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim *sim = numa_sim(2, 32, cpus, NULL, NULL);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0, VML_EINVAL);    /* empty mask */
    set_pol(sim, pid, VML_MPOL_LOCAL, 0, 1, VML_EINVAL);   /* local takes no nodes */
    set_pol(sim, pid, VML_MPOL_DEFAULT, 0, 1, VML_EINVAL); /* default neither */
    set_pol(sim, pid, VML_MPOL_BIND, VML_MPOL_F_STATIC_NODES | VML_MPOL_F_RELATIVE_NODES, 1,
            VML_EINVAL);                                      /* both mode flags */
    set_pol(sim, pid, VML_MPOL_BIND, 0, 1u << 5, VML_EINVAL); /* no such node with memory */
    set_pol(sim, pid, VML_MPOL_PREFERRED, VML_MPOL_F_STATIC_NODES, 0, VML_EINVAL);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 1u | (1u << 5), 0); /* node 5 dropped */
    uint64_t a = map_anon(sim, pid, 4), nodes[VML_MAX_NODES];
    char line[256];
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_non_null(strstr(line, " bind:0"));
    /* Relative: node 3 of a 2-node machine is node 3 % 2 = 1 (mpol_relative_nodemask). */
    set_pol(sim, pid, VML_MPOL_INTERLEAVE, VML_MPOL_F_RELATIVE_NODES, 1u << 3, 0);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_non_null(strstr(line, " interleave=relative:1"));
    /* preferred without nodes is local allocation. */
    set_pol(sim, pid, VML_MPOL_PREFERRED, 0, 0, 0);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_non_null(strstr(line, " local"));
    struct vml_mpol p = { .mode = VML_MPOL_BIND, .nodes = 1 };
    assert_int_equal(vml_sim_mbind(sim, pid, a + 1, PG, &p, NULL), VML_EINVAL);
    assert_int_equal(vml_sim_mbind(sim, pid, a, 8 * PG, &p, NULL), VML_EFAULT); /* a hole */
    uint64_t sh;
    assert_int_equal(vml_sim_mmap(sim, pid, 0, PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_SHARED | VML_MAP_ANONYMOUS, -1, 0, &sh),
                     0);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_mbind(sim, pid, sh, PG, &p, &d), VML_ENOTSUP);
    assert_non_null(strstr(d.msg, "shared policy"));
    vml_sim_destroy(sim);
}

/* The real kernel's numa_maps line of a mapping's middle four pages after mbind with each mode,
 * and after set_mempolicy (tests/fixtures/numa/numa_maps_policies), on a one-node machine. */
static void test_numa_maps_capture(void **state)
{
    (void)state;
    char *cap = slurp("../numa/numa_maps_policies");
    static const unsigned cpus[] = { 2 };
    struct vml_sim *sim = numa_sim(1, 256, cpus, NULL, NULL);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t a = map_anon(sim, pid, 16);
    write_all(sim, pid, a, 16);
    static const struct {
        const char *block;
        struct vml_mpol p;
    } modes[] = {
        { "bind", { VML_MPOL_BIND, 0, 1 } },
        { "interleave", { VML_MPOL_INTERLEAVE, 0, 1 } },
        { "preferred", { VML_MPOL_PREFERRED, 0, 1 } },
        { "local", { VML_MPOL_LOCAL, 0, 0 } },
        { "preferred_many", { VML_MPOL_PREFERRED_MANY, 0, 1 } },
        { "weighted", { VML_MPOL_WEIGHTED_INTERLEAVE, 0, 1 } },
        { "bind static", { VML_MPOL_BIND, VML_MPOL_F_STATIC_NODES, 1 } },
        { "interleave relative", { VML_MPOL_INTERLEAVE, VML_MPOL_F_RELATIVE_NODES, 1 } },
        { "prefer static", { VML_MPOL_PREFERRED, VML_MPOL_F_STATIC_NODES, 1 } },
    };
    char line[256];
    uint64_t nodes[VML_MAX_NODES];
    for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        assert_int_equal(vml_sim_mbind(sim, pid, a + 4 * PG, 4 * PG, &modes[i].p, NULL), 0);
        char head[64];
        snprintf(head, sizeof(head), "== %s\n", modes[i].block);
        const char *blk = strstr(cap, head);
        assert_non_null(blk);
        /* The block's second line is the middle VMA's: compare all after the address. */
        const char *l2 = strchr(strchr(blk + strlen(head), '\n') + 1, ' ');
        const char *e = strchr(l2, '\n');
        numa_line(sim, pid, a + 4 * PG, nodes, line, sizeof(line));
        const char *mine = strchr(line, ' ');
        if (strlen(mine) != (size_t)(e - l2) || memcmp(mine, l2, (size_t)(e - l2)) != 0)
            fail_msg("%s: want '%.*s', got '%s'", modes[i].block, (int)(e - l2), l2, mine);
    }
    /* mbind default takes the policy off: the three VMAs merge again, as the kernel's did. */
    struct vml_mpol def = { VML_MPOL_DEFAULT, 0, 0 };
    assert_int_equal(vml_sim_mbind(sim, pid, a + 4 * PG, 4 * PG, &def, NULL), 0);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_string_equal(strchr(line, ' '), " default anon=16 dirty=16 active=0 N0=16 "
                                           "kernelpagesize_kB=4");
    set_pol(sim, pid, VML_MPOL_BIND, VML_MPOL_F_STATIC_NODES, 1, 0);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_non_null(strstr(cap, "== task bind static\n7f37e7a37000 bind=static:0 anon="));
    assert_non_null(strstr(line, " bind=static:0 anon=16 "));
    set_pol(sim, pid, VML_MPOL_WEIGHTED_INTERLEAVE, 0, 1, 0);
    numa_line(sim, pid, a, nodes, line, sizeof(line));
    assert_non_null(strstr(cap, "== task weighted\n7f37e7a37000 weighted interleave:0 anon="));
    assert_non_null(strstr(line, " weighted interleave:0 anon=16 "));
    free(cap);
    vml_sim_destroy(sim);
}

/* numactl --hardware and numastat on one node: the real tools' text with this machine's sizes
 * and counts put in; on more nodes, the layout numactl's print_distances makes ("% 3d " per
 * value: a 3-digit distance takes four columns). */
static void test_tool_text(void **state)
{
    (void)state;
    static const unsigned cpus1[] = { 2 };
    struct vml_sim *sim = numa_sim(1, 256, cpus1, NULL, NULL);
    char *hw = slurp("../numa/numactl_hardware");
    struct vml_text t = { 0 };
    assert_int_equal(vml_sim_numactl_hardware(sim, &t), 0);
    char want[1024];
    unsigned long long size, fr;
    assert_int_equal(sscanf(strstr(t.s, "node 0 size: "), "node 0 size: %llu MB", &size), 1);
    assert_int_equal(sscanf(strstr(t.s, "node 0 free: "), "node 0 free: %llu MB", &fr), 1);
    assert_int_equal(size, 256);
    assert_true(fr < 256 && fr > 200);
    /* The capture, its sizes replaced by the simulated machine's. */
    unsigned long long real_size, real_free;
    assert_int_equal(sscanf(strstr(hw, "node 0 size: "), "node 0 size: %llu", &real_size), 1);
    assert_int_equal(sscanf(strstr(hw, "node 0 free: "), "node 0 free: %llu", &real_free), 1);
    char from[64], to[64];
    snprintf(want, sizeof(want), "%s", hw);
    snprintf(from, sizeof(from), "size: %llu MB", real_size);
    snprintf(to, sizeof(to), "size: %llu MB", size);
    char *p = strstr(want, from);
    assert_non_null(p);
    char rest[1024];
    snprintf(rest, sizeof(rest), "%s", p + strlen(from));
    snprintf(p, sizeof(want) - (size_t)(p - want), "%s%s", to, rest);
    snprintf(from, sizeof(from), "free: %llu MB", real_free);
    snprintf(to, sizeof(to), "free: %llu MB", fr);
    p = strstr(want, from);
    assert_non_null(p);
    snprintf(rest, sizeof(rest), "%s", p + strlen(from));
    snprintf(p, sizeof(want) - (size_t)(p - want), "%s%s", to, rest);
    expect_text(&t, want);
    free(hw);

    /* numastat: the header and each row's label as the capture has them, every row 16 + 16
     * columns wide, the numbers right-aligned. */
    char *ns = slurp("../numa/numastat");
    assert_int_equal(vml_sim_numastat_table(sim, &t), 0);
    struct vml_numastat s = stat_of(sim, 0);
    snprintf(want, sizeof(want),
             "%.32s\nnuma_hit        %16llu\nnuma_miss       %16llu\nnuma_foreign    %16llu\n"
             "interleave_hit  %16llu\nlocal_node      %16llu\nother_node      %16llu\n",
             ns, (unsigned long long)s.numa_hit, (unsigned long long)s.numa_miss,
             (unsigned long long)s.numa_foreign, (unsigned long long)s.interleave_hit,
             (unsigned long long)s.local_node, (unsigned long long)s.other_node);
    for (const char *l = ns; *l; l = strchr(l, '\n') + 1) /* the capture's layout */
        assert_int_equal(strchr(l, '\n') - l, 32);
    expect_text(&t, want);
    free(ns);

    /* The node's vmstat: the capture's items, in its order. */
    char *nv = slurp("../numa/node0_vmstat");
    assert_int_equal(vml_sim_node_text(sim, 0, VML_NODE_VMSTAT, &t), 0);
    const char *a = nv, *b = t.s;
    unsigned lines = 0;
    while (*a && *b) {
        size_t ka = strcspn(a, " "), kb = strcspn(b, " ");
        if (ka != kb || memcmp(a, b, ka) != 0)
            fail_msg("node vmstat line %u: want %.*s, got %.*s", lines + 1, (int)ka, a, (int)kb, b);
        a = strchr(a, '\n') + 1;
        b = strchr(b, '\n') + 1;
        lines++;
    }
    assert_int_equal(*a, 0);
    assert_int_equal(*b, 0);
    assert_int_equal(lines, 68);
    vml_text_free(&t);
    free(nv);
    vml_sim_destroy(sim);

    static const uint8_t d[VML_MAX_NODES][VML_MAX_NODES] = { { 10, 120 }, { 120, 10 } };
    static const unsigned cpus2[] = { 1, 2 };
    sim = numa_sim(2, 64, cpus2, d, NULL);
    assert_int_equal(vml_sim_numactl_hardware(sim, &t), 0);
    const char *dist = strstr(t.s, "node distances:");
    assert_non_null(dist);
    assert_string_equal(dist, "node distances:\nnode   0   1 \n  0:  10  120 \n  1:  120  10 \n");
    assert_non_null(strstr(t.s, "available: 2 nodes (0-1)\nnode 0 cpus: 0\nnode 0 size: 64 MB\n"));
    assert_non_null(strstr(t.s, "node 1 cpus: 1 2\nnode 1 size: 64 MB\n"));
    vml_text_free(&t);
    assert_int_equal(vml_sim_node_text(sim, 1, VML_NODE_DISTANCE, &t), 0);
    expect_text(&t, "120 10\n");
    assert_int_equal(vml_sim_node_text(sim, 1, VML_NODE_CPULIST, &t), 0);
    expect_text(&t, "1-2\n");
    assert_int_equal(vml_sim_node_text(sim, 2, VML_NODE_CPULIST, &t), VML_EINVAL);
    vml_sim_destroy(sim);
}

/* The topology's words and their errors (scenario machine line, lists, policies). */
static void test_parse(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned col;
        const char *fragment; /* NULL: parses */
    } cases[] = {
        { "machine ram=1G nodes=2 distance=10,20,20,11\n", 33, "node 1 to itself is 11" },
        { "machine ram=1G distance=10,20,30,10\n", 25, "must be symmetric" },
        { "machine ram=1G nodes=2 distance=10,20,20\n", 33, "2 nodes need 4" },
        { "machine ram=1G nodes=2 distance=10,10,10,10\n", 33, "farther than 10" },
        { "machine ram=2G node_mem=1G,512M\n", 13, "node_mem adds up to" },
        { "machine ram=1G numa=3socket\n", 21, "unknown preset" },
        { "machine ram=1G nodes=2 node_cpus=1,1,1\n", 34, "3 counts for 2 nodes" },
        { "machine ram=1G nodes=2 numa=4socket\n", 1, "numa=4socket has 4 nodes" },
        { "machine ram=1G nodes=2 node_mem=1G\n", 33, "1 sizes for 2 nodes" },
        { "machine node_mem=1G,1G node_cpus=2,0 distance=10,14,14,10\n", 0, NULL },
        { "machine ram=1G numa=cxl\nproc a membind=1 cpunodebind=0\n", 0, NULL },
        { "machine ram=1G\nproc a membind=0 physcpubind=0 cpunodebind=0\n", 8, "use one" },
        { "machine ram=1G\nproc a membind=0-\n", 18, "expected a node number" },
        { "machine ram=1G\nproc a interleave=9\n", 19, "node 9 is out of range" },
        { "machine ram=1G\nproc a membind=0 preferred=0\n", 18, "one memory policy" },
        { "machine ram=1G\nproc a\na set_mempolicy bind=stat:0\n", 22, "unknown policy flag" },
        { "machine ram=1G\nproc a\na set_mempolicy binds:0\n", 17, "unknown memory policy" },
        { "machine ram=1G\nproc a\na sched_setaffinity 3-1\n", 23, "runs backwards" },
        { "machine ram=1G\nproc a\na mmap m 4K anon private rw\na mbind m[0:4K] "
          "interleave=relative:0,1\nshow node0 numastat\nexpect node1 numastat numa_hit == 0\n",
          0, NULL },
        { "machine ram=1G\nshow node numastat\n", 6, "name the node" },
        { "machine ram=1G\nshow node8 numastat\n", 6, "no node 'node8'" },
        { "machine ram=1G\nshow node0 stat\n", 12, "unknown node file" },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vml_scenario *s = NULL;
        struct vml_diag d = { 0 };
        int r = vml_scenario_parse(cases[i].text, strlen(cases[i].text), "t.vml", &s, &d);
        if (!cases[i].fragment) {
            if (r)
                fail_msg("case %u: %s", i, d.msg);
            vml_scenario_free(s);
            continue;
        }
        if (r != VML_EPARSE || !strstr(d.msg, cases[i].fragment) || d.col != cases[i].col)
            fail_msg("case %u: r=%d col=%u msg=%s", i, r, d.col, d.msg);
    }
    struct vml_scenario *s = NULL;
    const char *ok = "machine node_mem=1G,1G node_cpus=2,0 distance=10,14,14,10\n";
    assert_int_equal(vml_scenario_parse(ok, strlen(ok), NULL, &s, NULL), 0);
    assert_int_equal(s->machine.nr_nodes, 2);
    assert_int_equal(s->machine.nr_cpus, 2);
    assert_int_equal(s->machine.ram_bytes, 2ull << 30);
    assert_int_equal(s->machine.distance[0][1], 14);
    assert_int_equal(s->machine.distance[1][1], 10);
    vml_scenario_free(s);

    uint64_t m[4];
    assert_int_equal(vml_list_parse("0,2-4,7", 7, 8, "node", m, NULL), 0);
    assert_int_equal(m[0], 0x9d);
    assert_int_equal(vml_list_parse("all", 3, 130, "CPU", m, NULL), 0);
    assert_int_equal(m[2], 3);
    struct vml_mpol p;
    assert_int_equal(vml_mpol_parse("prefer=static:1", 15, &p, NULL), 0);
    assert_int_equal(p.mode, VML_MPOL_PREFERRED);
    assert_int_equal(p.flags, VML_MPOL_F_STATIC_NODES);
    assert_int_equal(p.nodes, 2);
}

/* A scenario run end to end: the 2-socket preset, numactl's options, the node files. By hand:
 * a (CPU 0, node 0, default) takes its PGD, then PUD, PMD and PTE tables and 16 pages on node 0:
 * 20 hits; b (membind=1) the same 20 on node 1, all other_node; c interleaves: the PGD and the
 * three tables by the task's cursor (0, 1, 0, 1) and the 16 pages by offset, 8 and 8: 10 and 10,
 * every one an interleave hit. */
static void test_scenario(void **state)
{
    (void)state;
    const char *text = "machine ram=2G numa=2socket\n"
                       "proc a\n"
                       "a mmap buf 64K anon private rw\n"
                       "a touch buf write\n"
                       "proc b membind=1\n"
                       "b mmap buf 64K anon private rw\n"
                       "b touch buf write\n"
                       "proc c interleave=0,1\n"
                       "c mmap buf 64K anon private rw\n"
                       "c touch buf write\n"
                       "expect node0 numastat numa_hit == 30\n"
                       "expect node1 numastat numa_hit == 30\n"
                       "expect node1 numastat other_node == 30\n"
                       "expect node0 numastat interleave_hit == 10\n"
                       "expect node1 numastat interleave_hit == 10\n"
                       "expect numastat numa_hit == 60\n"
                       "expect numastat numa_miss == 0\n"
                       "expect node1 meminfo AnonPages == 96 kB\n"
                       "expect vmstat numa_interleave == 20\n";
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.vml", &s, &d), 0);
    struct vml_text out = { 0 }, rep = { 0 };
    struct vml_run_result res = { 0 };
    int r = vml_run_scenario(s, 0, &out, &rep, &res, NULL, &d);
    if (r || res.failed)
        fail_msg("r=%d %s\n%s", r, d.msg, rep.s ? rep.s : "");
    assert_int_equal(res.expects, 9);
    vml_text_free(&out);
    vml_text_free(&rep);
    vml_scenario_free(s);
}

/* Page migration (mm/migrate.c do_pages_move, mm/mempolicy.c do_migrate_pages, do_mbind with
 * MPOL_MF_MOVE), on two nodes of one CPU each; a runs on CPU 0 (node 0). Worked by hand:
 * - 8 pages mapped, pages 0-3 written (node 0), page 4 read (the zero page), 5-7 untouched;
 *   move_pages of all 8 to node 1: 1 1 1 1 -EFAULT -ENOENT -ENOENT -ENOENT, 4 migrated. Each
 *   new frame is an allocation on node 1 preferring node 1 from node 0's CPU: numa_hit and
 *   other_node on node 1 +4. The stat form (no nodes) then says 1 for pages 0-3.
 * - a forks: the pages are mapped twice. Page 0 to node 0 without MOVE_ALL: -EACCES; with it:
 *   0, and the child's numa_maps follows (rmap: N0=1 N1=3), 5 migrated.
 * - migrate_pages from {1} to {0} (MOVE_ALL): pages 1-3, 8 migrated; none left.
 * - c writes 4 pages on node 0; mbind bind:1 with MPOL_MF_MOVE moves all 4 (12); then
 *   interleave:0-1 with MPOL_MF_MOVE: node 1 is allowed, nothing moves (still 12). */
static void test_migration(void **state)
{
    (void)state;
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim *sim = numa_sim(2, 64, cpus, NULL, NULL);
    int a, b, c;
    assert_int_equal(vml_sim_spawn(sim, "a", &a), 0);
    uint64_t addr = map_anon(sim, a, 8);
    write_all(sim, a, addr, 4);
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, a, addr + 4 * PG, addr + 5 * PG, PG, VML_READ, &res), 0);
    uint64_t addrs[8];
    int nodes[8], status[8];
    for (int i = 0; i < 8; i++) {
        addrs[i] = addr + (uint64_t)i * PG;
        nodes[i] = 1;
    }
    struct vml_numastat b1 = stat_of(sim, 1);
    struct vml_diag d = { 0 };
    assert_int_equal(vml_sim_move_pages(sim, a, 8, addrs, nodes, status, 0, &d), 0);
    static const int want1[8] = { 1, 1, 1, 1, -14, -2, -2, -2 }; /* EFAULT 14, ENOENT 2 */
    for (int i = 0; i < 8; i++)
        assert_int_equal(status[i], want1[i]);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 4);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_fail), 0);
    struct vml_numastat s1 = stat_of(sim, 1);
    assert_int_equal(s1.numa_hit - b1.numa_hit, 4);
    assert_int_equal(s1.other_node - b1.other_node, 4);
    uint64_t got[VML_MAX_NODES];
    char line[256];
    numa_line(sim, a, addr, got, line, sizeof(line));
    assert_int_equal(got[0], 0);
    assert_int_equal(got[1], 4);
    assert_int_equal(vml_sim_move_pages(sim, a, 4, addrs, NULL, status, 0, &d), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(status[i], 1);

    assert_int_equal(vml_sim_fork(sim, a, &b), 0);
    nodes[0] = 0;
    assert_int_equal(vml_sim_move_pages(sim, a, 1, addrs, nodes, status, 0, &d), 0);
    assert_int_equal(status[0], -13); /* EACCES */
    assert_int_equal(vml_sim_move_pages(sim, a, 1, addrs, nodes, status, VML_MPOL_MF_MOVE_ALL, &d),
                     0);
    assert_int_equal(status[0], 0);
    numa_line(sim, b, addr, got, line, sizeof(line));
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 3);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 5);

    uint64_t left = 99;
    assert_int_equal(vml_sim_migrate_pages(sim, a, 0x2, 0x1, &left, &d), 0);
    assert_int_equal(left, 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 8);
    numa_line(sim, a, addr, got, line, sizeof(line));
    assert_int_equal(got[0], 4);
    assert_int_equal(got[1], 0);
    numa_line(sim, b, addr, got, line, sizeof(line));
    assert_int_equal(got[0], 4);
    assert_int_equal(vml_sim_migrate_pages(sim, a, 0, 0x1, &left, &d), VML_EINVAL);
    assert_int_equal(vml_sim_migrate_pages(sim, a, 0x1, 0x4, &left, &d), VML_EINVAL);
    nodes[0] = 2;
    assert_int_equal(vml_sim_move_pages(sim, a, 1, addrs, nodes, status, 0, &d), VML_EINVAL);

    assert_int_equal(vml_sim_spawn(sim, "c", &c), 0);
    uint64_t ca = map_anon(sim, c, 4);
    write_all(sim, c, ca, 4);
    struct vml_mpol bind1 = { .mode = VML_MPOL_BIND, .nodes = 0x2 };
    uint64_t failed = 9;
    assert_int_equal(vml_sim_mbind_flags(sim, c, ca, 4 * PG, &bind1, VML_MPOL_MF_MOVE, &failed, &d),
                     0);
    assert_int_equal(failed, 0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 12);
    numa_line(sim, c, ca, got, line, sizeof(line));
    assert_int_equal(got[1], 4);
    assert_non_null(strstr(line, " bind:1 anon=4"));
    struct vml_mpol il = { .mode = VML_MPOL_INTERLEAVE, .nodes = 0x3 };
    assert_int_equal(vml_sim_mbind_flags(sim, c, ca, 4 * PG, &il, VML_MPOL_MF_MOVE, &failed, &d),
                     0);
    assert_int_equal(fixture_vmstat(sim, VML_VMSTAT_pgmigrate_success), 12);
    vml_sim_destroy(sim);
}

/* The statements, and the Linux backend's refusal is checked by the parser's words. */
static void test_migration_scenario(void **state)
{
    (void)state;
    /* 4 pages written on node 0 (a on CPU 0), moved to node 1 by move_pages, back by
     * migrate_pages: 8 migrations; node 1 counts the 4 first allocations as numa_hit. */
    const char *text = "machine ram=2G numa=2socket\n"
                       "proc a cpunodebind=0\n"
                       "a mmap buf 16K anon private rw\n"
                       "a touch buf write\n"
                       "a move_pages buf nodes=1\n"
                       "expect node1 meminfo AnonPages == 16 kB\n"
                       "a migrate_pages 1 0\n"
                       "expect node0 meminfo AnonPages == 16 kB\n"
                       "a mbind buf bind:1 move\n"
                       "expect node1 meminfo AnonPages == 16 kB\n"
                       "expect vmstat pgmigrate_success == 12\n"
                       "expect vmstat pgmigrate_fail == 0\n";
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.vml", &s, &d), 0);
    struct vml_text out = { 0 }, rep = { 0 };
    struct vml_run_result res = { 0 };
    int r = vml_run_scenario(s, 0, &out, &rep, &res, NULL, &d);
    if (r || res.failed)
        fail_msg("r=%d %s\n%s", r, d.msg, rep.s ? rep.s : "");
    assert_int_equal(res.expects, 5);
    assert_non_null(strstr(out.s, "move_pages buf: 1 1 1 1\n"));
    vml_text_free(&out);
    vml_text_free(&rep);
    vml_scenario_free(s);
    static const char *const bad[] = {
        "machine ram=2G numa=2socket\nproc a\na mmap b 8K anon private rw\na move_pages b "
        "nodes=9\n",
        "machine ram=2G numa=2socket\nproc a\na mmap b 8K anon private rw\na move_pages b "
        "nodes=1,\n",
        "machine ram=2G numa=2socket\nproc a\na mmap b 8K anon private rw\na mbind b bind:1 "
        "moved\n",
        "machine ram=2G numa=2socket\nproc a\na migrate_pages 0\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&d, 0, sizeof(d));
        assert_int_equal(vml_scenario_parse(bad[i], strlen(bad[i]), "t.vml", &s, &d), VML_EPARSE);
        assert_true(d.line == 4 || d.line == 3);
    }
}

/* THPs move whole (migrate_pages of a PMD-mapped folio: thp_migration_success, 512
 * pgmigrate_success). 4 MiB at a 2 MiB boundary with thp=always are two THPs on node 0.
 * move_pages of the first 4 pages to node 1: page 0 queues the first THP; page 1 finds it
 * isolated (-EBUSY) and flushes the batch, which moves it; pages 2 and 3 find it on node 1.
 * migrate_pages 0 1 then moves the second: 2 THPs, 1024 pages, 4096 kB of AnonHugePages on
 * node 1 and no anonymous page left on node 0. */
static void test_thp_migration(void **state)
{
    (void)state;
    const char *text = "machine ram=2G numa=2socket thp=always\n"
                       "proc a cpunodebind=0\n"
                       "a mmap big 4M anon private rw at=0x7f0000000000\n"
                       "a touch big write\n"
                       "a move_pages big[0:16K] nodes=1\n"
                       "expect vmstat thp_migration_success == 1\n"
                       "expect vmstat pgmigrate_success == 512\n"
                       "expect node1 meminfo AnonHugePages == 2048 kB\n"
                       "a migrate_pages 0 1\n"
                       "expect vmstat thp_migration_success == 2\n"
                       "expect vmstat pgmigrate_success == 1024\n"
                       "expect node1 meminfo AnonHugePages == 4096 kB\n"
                       "expect node0 meminfo AnonPages == 0 kB\n";
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.vml", &s, &d), 0);
    struct vml_text out = { 0 }, rep = { 0 };
    struct vml_run_result res = { 0 };
    int r = vml_run_scenario(s, 0, &out, &rep, &res, NULL, &d);
    if (r || res.failed)
        fail_msg("r=%d %s\n%s", r, d.msg, rep.s ? rep.s : "");
    assert_int_equal(res.expects, 7);
    assert_non_null(strstr(out.s, "move_pages big: 1 -EBUSY 1 1\n"));
    vml_text_free(&out);
    vml_text_free(&rep);
    vml_scenario_free(s);
}

/* The cost of memory by distance (docs/numa.md): 80 ns local, 80 + 12 * (d - 10) ns remote.
 * A process on node 0's CPU bound to node 1 (distance 21: 212 ns) writes 8 pages, then a
 * replay of 100 reads over them and a second page-spanning read: every access remote. */
static void test_numa_cost(void **state)
{
    (void)state;
    static const uint8_t d[VML_MAX_NODES][VML_MAX_NODES] = { { 10, 21 }, { 21, 10 } };
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim *sim = numa_sim(2, 32, cpus, d, NULL);
    assert_int_equal(vml_sim_numa_latency_ns(sim, 0, 0), 80);
    assert_int_equal(vml_sim_numa_latency_ns(sim, 0, 1), 212);
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0x2, 0);
    uint64_t a = map_anon(sim, pid, 8);
    write_all(sim, pid, a, 8);
    struct vml_latency_record lr;
    assert_int_equal(vml_sim_latency(sim, pid, &lr), 0);
    assert_true(lr.numa);
    assert_int_equal(lr.numa_local, 0);
    assert_int_equal(lr.numa_remote, 8);
    assert_int_equal(lr.numa_mem_ns, 8 * 212);
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    struct vml_trace_rec recs[101];
    for (unsigned i = 0; i < 100; i++)
        recs[i] =
            (struct vml_trace_rec){ .addr = a + (i % 8) * PG + 64, .size = 8, .kind = VML_READ };
    /* Spanning pages 2 and 3: two translations. */
    recs[100] = (struct vml_trace_rec){ .addr = a + 3 * PG - 4, .size = 8, .kind = VML_READ };
    assert_int_equal(vml_replay_feed(r, recs, 101, NULL, NULL), 0);
    struct vml_replay_stats st;
    vml_replay_stats(r, &st);
    assert_true(st.numa);
    assert_int_equal(st.numa_local, 0);
    assert_int_equal(st.numa_remote, 102);
    assert_int_equal(st.numa_mem_ns, 102 * 212);
    vml_replay_destroy(r);
    /* Moved to node 1's CPU (sched_setaffinity), the same pages are local. */
    const uint64_t cpu1 = 2;
    assert_int_equal(vml_sim_set_affinity(sim, pid, &cpu1, 1), 0);
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    assert_int_equal(vml_replay_feed(r, recs, 100, NULL, NULL), 0);
    vml_replay_stats(r, &st);
    assert_int_equal(st.numa_local, 100);
    assert_int_equal(st.numa_remote, 0);
    assert_int_equal(st.numa_mem_ns, 100 * 80);
    vml_replay_destroy(r);
    vml_sim_destroy(sim);
}

/* 8 pages at 1 GiB (2 MiB-aligned: one leaf table), the touch of them all as access. */
static uint64_t map_at_1g(struct vml_sim *sim, int pid)
{
    uint64_t a;
    assert_int_equal(vml_sim_mmap(sim, pid, 1ull << 30, 8 * PG, VML_PROT_READ | VML_PROT_WRITE,
                                  VML_MAP_PRIVATE | VML_MAP_ANONYMOUS, -1, 0, &a),
                     0);
    assert_int_equal(a, 1ull << 30);
    return a;
}

static void read_all(struct vml_sim *sim, int pid, uint64_t addr, uint64_t pages)
{
    struct vml_sim_access res;
    assert_int_equal(vml_sim_touch(sim, pid, addr, addr + pages * PG, PG, VML_READ, &res), 0);
    assert_false(res.killed);
    assert_int_equal(res.minor + res.major, 0);
}

/* The NUMA cost of page walks (docs/numa.md, "Cost"): each page-table entry a walk reads from
 * memory, after the page-walk caches, is charged by the distance between the walking CPU's
 * node and the table's, 80 ns local and 212 ns at distance 21, as data is.
 *
 * Without page-walk caches (pwc.*=none) every walk of a 4-level table reads 4 entries. A
 * process runs on node 0's CPU with the default policy: its tables and pages are on node 0.
 * Its 8 writes on CPU 0 walk: the first finds no PML4 entry (1 read), faults, and walks again
 * (4 reads); each of the 7 others finds no PTE (4 reads), faults, and walks again (4): 5 + 7 *
 * 8 = 61 reads, all local. Moved to node 1's CPU, whose TLB has nothing of it, its 8 reads walk
 * 4 entries each, all of node 0's tables: 32 remote reads, 32 * 212 = 6784 ns. */
static void test_numa_walk_cost(void **state)
{
    (void)state;
    static const uint8_t d[VML_MAX_NODES][VML_MAX_NODES] = { { 10, 21 }, { 21, 10 } };
    static const unsigned cpus[] = { 1, 1 };
    struct vml_sim *sim =
        numa_sim_cpu(2, 32, cpus, d, NULL, "skylake:pwc.pml4=none,pwc.pdpt=none,pwc.pd=none");
    int pid;
    assert_int_equal(vml_sim_spawn(sim, "a", &pid), 0);
    uint64_t a = map_at_1g(sim, pid);
    write_all(sim, pid, a, 8);
    struct vml_latency_record l0, l1;
    assert_int_equal(vml_sim_latency(sim, pid, &l0), 0);
    assert_int_equal(l0.numa_local, 8);
    assert_int_equal(l0.numa_walk_local, 61);
    assert_int_equal(l0.numa_walk_remote, 0);
    assert_int_equal(l0.numa_walk_ns, 61 * 80);
    /* The MMU's own count of the references agrees. */
    assert_int_equal(vml_cpu_stats(vml_sim_cpu(sim, 0))->walk_refs, 61);
    const uint64_t cpu1 = 2;
    assert_int_equal(vml_sim_set_affinity(sim, pid, &cpu1, 1), 0);
    read_all(sim, pid, a, 8);
    assert_int_equal(vml_sim_latency(sim, pid, &l1), 0);
    assert_int_equal(l1.numa_remote - l0.numa_remote, 8);
    assert_int_equal(l1.numa_walk_local, 61);
    assert_int_equal(l1.numa_walk_remote, 32);
    assert_int_equal(l1.numa_walk_ns, 61 * 80 + 32 * 212);
    /* show P latency: 16 accesses, 8 local and 8 remote (8 * 80 + 8 * 212 = 2336 ns of memory),
     * 93 walk reads of 4880 + 6784 = 11664 ns: a mean read of 125 ns (125.4), a mean access of
     * (2336 + 11664) / 16 = 875 ns. */
    struct vml_text t = { 0 };
    assert_int_equal(vml_proc_format_latency(&l1, &t), 0);
    assert_non_null(strstr(t.s,
                           "Memory_mean:\t146 ns\nLocal_walk_reads:\t61\n"
                           "Remote_walk_reads:\t32\nWalk_mean:\t125 ns\nTotal_mean:\t875 ns\n"));
    vml_text_free(&t);

    /* A replay on node 1's CPU, its TLB flushed: 100 reads over the 8 pages in turn make 8
     * walks of 4 remote reads (the L1 dTLB then holds the 8 pages): 32 * 212 ns; with the data's
     * 100 * 212 ns, a mean access of 132 * 212 / 100 = 279.84 ns. */
    vml_mmu_flush_all(vml_sim_cpu(sim, 1), true);
    struct vml_replay *r;
    assert_int_equal(vml_replay_attach(sim, pid, false, &r), 0);
    struct vml_trace_rec recs[100];
    for (unsigned i = 0; i < 100; i++)
        recs[i] =
            (struct vml_trace_rec){ .addr = a + (i % 8) * PG + 64, .size = 8, .kind = VML_READ };
    assert_int_equal(vml_replay_feed(r, recs, 100, NULL, NULL), 0);
    struct vml_replay_stats st;
    vml_replay_stats(r, &st);
    assert_int_equal(st.mmu.walk_refs, 32);
    assert_int_equal(st.numa_remote, 100);
    assert_int_equal(st.numa_walk_local, 0);
    assert_int_equal(st.numa_walk_remote, 32);
    assert_int_equal(st.numa_walk_ns, 32 * 212);
    struct vml_cpu_model m;
    struct vml_diag dg = { 0 };
    assert_int_equal(vml_cpu_model_parse("skylake", &m, &dg), 0);
    vml_replay_report_text(&st, &m, &t);
    assert_non_null(strstr(t.s, "  NUMA page walks: 0 local and 32 remote page-table reads, mean "
                                "read latency 212 ns; mean per access with its walks' reads 279 "
                                "ns\n"));
    vml_text_free(&t);
    vml_replay_report_json(&st, &m, &t);
    assert_non_null(strstr(t.s, "\"numa\":{\"local\":0,\"remote\":100,\"mean_latency_ns\":212.00,"
                                "\"walk_local\":0,\"walk_remote\":32,\"walk_mean_latency_ns\":"
                                "212.00,\"total_mean_latency_ns\":279.84}"));
    vml_text_free(&t);
    vml_replay_destroy(r);
    vml_sim_destroy(sim);

    /* Tables on both nodes, the skylake page-walk caches: a process spawned on node 0's CPU
     * has its PGD there (its first allocation); bound to node 1 then, its PUD, PMD and leaf
     * table come from node 1. With its CPU's TLB and caches flushed, 8 reads of the pages: the
     * first walks the 4 levels (PML4 entry local, the 3 others remote), the 7 others hit the
     * PDE cache and read the PTE alone (remote): 1 local and 10 remote reads, 80 + 10 * 212 =
     * 2200 ns. */
    sim = numa_sim(2, 32, cpus, d, NULL);
    assert_int_equal(vml_sim_spawn(sim, "b", &pid), 0);
    set_pol(sim, pid, VML_MPOL_BIND, 0, 0x2, 0);
    a = map_at_1g(sim, pid);
    write_all(sim, pid, a, 8);
    struct vml_cpu *c0 = vml_sim_cpu(sim, 0);
    vml_mmu_flush_all(c0, true);
    uint64_t pde_hits = vml_cpu_stats(c0)->pwc_hits[VML_PWC_PDE];
    assert_int_equal(vml_sim_latency(sim, pid, &l0), 0);
    read_all(sim, pid, a, 8);
    assert_int_equal(vml_sim_latency(sim, pid, &l1), 0);
    assert_int_equal(vml_cpu_stats(c0)->pwc_hits[VML_PWC_PDE] - pde_hits, 7);
    assert_int_equal(l1.numa_walk_local - l0.numa_walk_local, 1);
    assert_int_equal(l1.numa_walk_remote - l0.numa_walk_remote, 10);
    assert_int_equal(l1.numa_walk_ns - l0.numa_walk_ns, 80 + 10 * 212);
    assert_int_equal(l1.numa_remote - l0.numa_remote, 8);
    vml_sim_destroy(sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zonelist_by_distance),
        cmocka_unit_test(test_zonelist_round_robin),
        cmocka_unit_test(test_zonelist_cpuless),
        cmocka_unit_test(test_interleave_by_offset),
        cmocka_unit_test(test_weighted_interleave),
        cmocka_unit_test(test_interleave_task_cursor),
        cmocka_unit_test(test_preferred_fallback_counters),
        cmocka_unit_test(test_fork_and_affinity),
        cmocka_unit_test(test_policy_errors),
        cmocka_unit_test(test_numa_maps_capture),
        cmocka_unit_test(test_tool_text),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_scenario),
        cmocka_unit_test(test_numa_cost),
        cmocka_unit_test(test_numa_walk_cost),
        cmocka_unit_test(test_migration),
        cmocka_unit_test(test_migration_scenario),
        cmocka_unit_test(test_thp_migration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
