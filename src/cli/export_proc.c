/* cli/export_proc.c: writes a simulated machine's /proc as a directory tree that tools made
 * for the real /proc can read (smem -S DIR, scripts that open DIR/proc/PID/smaps ...).
 *
 *   DIR/proc/meminfo vmstat buddyinfo zoneinfo version
 *   DIR/proc/PID/maps smaps smaps_rollup status statm numa_maps cmdline comm stat oom_score
 *                oom_score_adj
 *   DIR/sys/fs/cgroup/...          the memory cgroups, v2: cgroup.controllers listing memory at
 *                                  the root, a directory per cgroup with its files
 *   DIR/sys-v1/fs/cgroup/memory/...  the same cgroups as v1's memory hierarchy shows them
 *   DIR/sys/devices/system/node/online has_memory has_cpu, and nodeN/meminfo numastat vmstat
 *                                  distance cpulist: the NUMA nodes (drivers/base/node.c)
 *   DIR/sys/devices/virtual/memory_tiering/memory_tierN/nodelist and
 *   DIR/sys/kernel/mm/numa/demotion_enabled: the memory tiers (mm/memory-tiers.c)
 *
 * The two views are in two trees because no machine has both at /sys/fs/cgroup: on a v2
 * machine /sys/fs/cgroup/memory would be a cgroup called memory, and a v1 machine's
 * /sys/fs/cgroup is a tmpfs of controller mounts without cgroup.controllers. So --sys DIR/sys
 * reads v2 and --sys DIR/sys-v1 reads v1, as vmlab cgroup, ps --cgroup and oom look for them.
 */
#include "cli/cli.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    return cli_error(EXIT_FAIL, "export: cannot create %s: %s", path, strerror(errno));
}

static int write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return cli_error(EXIT_FAIL, "export: cannot write %s: %s", path, strerror(errno));
    size_t n = len ? fwrite(data, 1, len, f) : 0;
    int bad = n != len;
    bad |= fclose(f) != 0;
    if (bad)
        return cli_error(EXIT_FAIL, "export: writing %s failed: %s", path, strerror(errno));
    return 0;
}

static int export_file(struct vml_sim *sim, int pid, enum vml_sim_file f, const char *path)
{
    struct vml_text t = { 0 };
    int r = vml_sim_proc_text(sim, pid, f, 0, 0, &t);
    if (r == 0)
        r = write_file(path, t.s ? t.s : "", t.len);
    else
        r = cli_error(EXIT_FAIL, "export: %s: %s", path, vml_strerror(r));
    vml_text_free(&t);
    return r;
}

/* /proc/PID/stat: the fields tools read (comm, state, ppid, faults, vsize, rss) as the
 * kernel prints them (fs/proc/array.c: do_task_stat); times and scheduling fields are 0. */
static int export_stat(struct vml_sim *sim, int pid, const char *path)
{
    struct vml_status_mem s;
    uint64_t minflt, majflt;
    int ppid;
    char buf[512];
    if (vml_sim_status_mem(sim, pid, &s) != 0 ||
        vml_sim_task_info(sim, pid, &minflt, &majflt, &ppid) != 0)
        return 0;
    int n = snprintf(buf, sizeof(buf),
                     "%d (%s) R %d %d %d 0 -1 4194304 %llu 0 %llu 0 0 0 0 0 20 0 1 0 0 %llu %llu "
                     "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 "
                     "0 0\n",
                     pid, vml_sim_comm(sim, pid), ppid, pid, pid, (unsigned long long)minflt,
                     (unsigned long long)majflt, (unsigned long long)s.vm_size * 1024,
                     (unsigned long long)s.vm_rss / 4);
    return write_file(path, buf, (size_t)n);
}

/* DIR/proc/PID/... for every live process. */
static int export_pids(struct vml_sim *sim, const char *dir, const int *pids, size_t n)
{
    char path[4096];
    static const enum vml_sim_file per[] = { VML_SIM_MAPS,         VML_SIM_SMAPS,
                                             VML_SIM_SMAPS_ROLLUP, VML_SIM_STATUS,
                                             VML_SIM_STATM,        VML_SIM_NUMA_MAPS,
                                             VML_SIM_OOM_SCORE,    VML_SIM_OOM_SCORE_ADJ };
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/proc/%d", dir, pids[i]);
        if (make_dir(path))
            return EXIT_FAIL;
        for (size_t k = 0; k < sizeof(per) / sizeof(per[0]); k++) {
            snprintf(path, sizeof(path), "%s/proc/%d/%s", dir, pids[i], vml_sim_file_name(per[k]));
            if (export_file(sim, pids[i], per[k], path))
                return EXIT_FAIL;
        }
        const char *comm = vml_sim_comm(sim, pids[i]);
        char buf[64];
        int len = snprintf(buf, sizeof(buf), "%s", comm);
        snprintf(path, sizeof(path), "%s/proc/%d/cmdline", dir, pids[i]);
        if (write_file(path, buf, (size_t)len + 1)) /* arguments end in NUL */
            return EXIT_FAIL;
        buf[len] = '\n';
        snprintf(path, sizeof(path), "%s/proc/%d/comm", dir, pids[i]);
        if (write_file(path, buf, (size_t)len + 1))
            return EXIT_FAIL;
        snprintf(path, sizeof(path), "%s/proc/%d/stat", dir, pids[i]);
        if (export_stat(sim, pids[i], path))
            return EXIT_FAIL;
    }
    return 0;
}

/* Makes each directory of path below the existing prefix base (path begins with base). */
static int make_dirs(const char *base, const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + strlen(base) + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (make_dir(buf))
            return EXIT_FAIL;
        *p = '/';
    }
    return make_dir(buf);
}

/* One cgroup's directory under top (the hierarchy's root directory): cg is its path below the
 * root, "" for the root; children tells whether other cgroups are below it. */
static int export_cgroup(struct vml_sim *sim, const char *top, const char *cg, bool v1,
                         bool children)
{
    char d[4096], path[4096 + 64];
    if ((size_t)snprintf(d, sizeof(d), "%s%s%s", top, cg[0] ? "/" : "", cg) >= sizeof(d))
        return cli_error(EXIT_FAIL, "export: path too long for cgroup %s", cg);
    if (make_dir(d))
        return EXIT_FAIL;
    /* Every file the simulator serves; one a cgroup lacks (the v2 root's memory.current and
     * limits: CFTYPE_NOT_ON_ROOT) is left out. */
    const char *name;
    for (unsigned i = 0; (name = vml_sim_cgroup_file_name(v1, i)) != NULL; i++) {
        struct vml_text t = { 0 };
        int r = vml_sim_cgroup_text(sim, cg, name, v1, &t);
        snprintf(path, sizeof(path), "%s/%s", d, name);
        if (r == 0)
            r = write_file(path, t.s ? t.s : "", t.len);
        else if (r == VML_EINVAL)
            r = 0;
        else
            r = cli_error(EXIT_FAIL, "export: %s: %s", path, vml_strerror(r));
        vml_text_free(&t);
        if (r)
            return r;
    }
    if (v1)
        return 0;
    /* The controllers: memory is enabled all the way down (each parent's subtree_control
     * lists it, so each child has the memory files), as the simulated hierarchy has it. */
    snprintf(path, sizeof(path), "%s/cgroup.controllers", d);
    if (write_file(path, "memory\n", 7))
        return EXIT_FAIL;
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", d);
    return write_file(path, "memory\n", children ? 7 : 0);
}

/* The cgroups, v2 under DIR/sys/fs/cgroup and v1 under DIR/sys-v1/fs/cgroup/memory. Ids come
 * parent first (vml_sim_cgroup_path), so each directory's parent is made before it. */
static int export_cgroups(struct vml_sim *sim, const char *dir)
{
    char top[4096], cg[256], other[256];
    for (int v1 = 0; v1 < 2; v1++) {
        snprintf(top, sizeof(top), "%s/%s", dir, v1 ? "sys-v1/fs/cgroup/memory" : "sys/fs/cgroup");
        if (make_dirs(dir, top))
            return EXIT_FAIL;
        for (unsigned id = 0;; id++) {
            int r = vml_sim_cgroup_path(sim, id, cg, sizeof(cg));
            if (r == VML_ENOENT)
                break;
            if (r == VML_EINVAL)
                continue; /* removed */
            if (r)
                return cli_error(EXIT_FAIL, "export: cgroup %u: %s", id, vml_strerror(r));
            size_t n = strlen(cg);
            bool children = false;
            for (unsigned o = id + 1; !children; o++) {
                int ro = vml_sim_cgroup_path(sim, o, other, sizeof(other));
                if (ro == VML_ENOENT)
                    break;
                children = ro == 0 && (n == 0 || (strncmp(other, cg, n) == 0 && other[n] == '/'));
            }
            if ((r = export_cgroup(sim, top, cg, v1, children)))
                return r;
        }
    }
    return 0;
}

/* A node list as %*pbl prints it ("0-1", "0,2"), a newline after it. */
static void node_list(struct vml_text *t, unsigned mask)
{
    bool first = true;
    for (unsigned a = 0; a < 32;) {
        if (!(mask >> a & 1)) {
            a++;
            continue;
        }
        unsigned b = a;
        while (b + 1 < 32 && (mask >> (b + 1) & 1))
            b++;
        vml_text_printf(t, b > a ? "%s%u-%u" : "%s%u", first ? "" : ",", a, b);
        first = false;
        a = b + 1;
    }
    vml_text_printf(t, "\n");
}

static int export_nodes(struct vml_sim *sim, const char *dir)
{
    static const char *const parts[] = { "sys", "sys/devices", "sys/devices/system",
                                         "sys/devices/system/node" };
    char path[4096];
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
        if (make_dir(path))
            return EXIT_FAIL;
    }
    unsigned nodes = vml_sim_nr_nodes(sim), all = (1u << nodes) - 1, cpu = 0;
    for (unsigned c = 0; c < vml_sim_nr_cpus(sim); c++)
        cpu |= 1u << vml_sim_cpu_node(sim, c);
    const struct {
        const char *name;
        unsigned mask;
    } lists[] = {
        { "online", all }, { "possible", all }, { "has_memory", all }, { "has_cpu", cpu }
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        struct vml_text t = { 0 };
        node_list(&t, lists[i].mask);
        snprintf(path, sizeof(path), "%s/sys/devices/system/node/%s", dir, lists[i].name);
        int r = t.s ? write_file(path, t.s, t.len) : cli_error(EXIT_FAIL, "export: out of memory");
        vml_text_free(&t);
        if (r)
            return r;
    }
    for (unsigned n = 0; n < nodes; n++) {
        snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u", dir, n);
        if (make_dir(path))
            return EXIT_FAIL;
        for (unsigned f = 0; f < VML_NODE_NR_FILES; f++) {
            struct vml_text t = { 0 };
            snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%u/%s", dir, n,
                     vml_node_file_name((enum vml_node_file)f));
            int r = vml_sim_node_text(sim, n, (enum vml_node_file)f, &t);
            r = r ? cli_error(EXIT_FAIL, "export: %s: %s", path, vml_strerror(r))
                  : write_file(path, t.s ? t.s : "", t.len);
            vml_text_free(&t);
            if (r)
                return r;
        }
    }
    return 0;
}

/* The memory tiers (DIR/sys/devices/virtual/memory_tiering/memory_tierN/nodelist) and
 * DIR/sys/kernel/mm/numa/demotion_enabled, as mm/memory-tiers.c shows them. */
static int export_tiers(struct vml_sim *sim, const char *dir)
{
    static const char *const parts[] = { "sys/devices/virtual",
                                         "sys/devices/virtual/memory_tiering", "sys/kernel",
                                         "sys/kernel/mm", "sys/kernel/mm/numa" };
    char path[4096];
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
        if (make_dir(path))
            return EXIT_FAIL;
    }
    unsigned ids[32];
    uint32_t nodes[32];
    unsigned n = vml_sim_memory_tiers(sim, ids, nodes);
    for (unsigned t = 0; t < n; t++) {
        snprintf(path, sizeof(path), "%s/sys/devices/virtual/memory_tiering/memory_tier%u", dir,
                 ids[t]);
        if (make_dir(path))
            return EXIT_FAIL;
        struct vml_text txt = { 0 };
        node_list(&txt, nodes[t]);
        snprintf(path, sizeof(path), "%s/sys/devices/virtual/memory_tiering/memory_tier%u/nodelist",
                 dir, ids[t]);
        int r = txt.s ? write_file(path, txt.s, txt.len)
                      : cli_error(EXIT_FAIL, "export: out of memory");
        vml_text_free(&txt);
        if (r)
            return r;
    }
    const char *on = vml_sim_demotion_enabled(sim) ? "true\n" : "false\n";
    snprintf(path, sizeof(path), "%s/sys/kernel/mm/numa/demotion_enabled", dir);
    return write_file(path, on, strlen(on));
}

int cli_export_proc(struct vml_sim *sim, const char *dir)
{
    char path[4096];
    static const enum vml_sim_file sys[] = { VML_SIM_MEMINFO, VML_SIM_VMSTAT, VML_SIM_BUDDYINFO,
                                             VML_SIM_ZONEINFO };
    if (make_dir(dir))
        return EXIT_FAIL;
    snprintf(path, sizeof(path), "%s/proc", dir);
    if (make_dir(path))
        return EXIT_FAIL;
    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        snprintf(path, sizeof(path), "%s/proc/%s", dir, vml_sim_file_name(sys[i]));
        if (export_file(sim, 0, sys[i], path))
            return EXIT_FAIL;
    }
    static const char version[] =
        "Linux version 6.18.0-vmlab (simulated by vmlab " VML_VERSION_STRING ")\n";
    snprintf(path, sizeof(path), "%s/proc/version", dir);
    if (write_file(path, version, sizeof(version) - 1))
        return EXIT_FAIL;
    size_t n = vml_sim_pids(sim, NULL, 0);
    int *pids = malloc((n ? n : 1) * sizeof(*pids));
    if (!pids)
        return cli_error(EXIT_FAIL, "export: out of memory");
    vml_sim_pids(sim, pids, n);
    int rc = export_pids(sim, dir, pids, n);
    free(pids);
    if (rc || (rc = export_cgroups(sim, dir)))
        return rc;
    if ((rc = export_nodes(sim, dir)))
        return rc;
    return export_tiers(sim, dir);
}
