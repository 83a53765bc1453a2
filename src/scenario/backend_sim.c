/* scenario/backend_sim.c: the simulator as a scenario backend (a thin layer over sim.h). */
#include "util/text.h"
#include "vmlab/replay.h"
#include "vmlab/run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct simb {
    struct vml_sim *sim;
    unsigned nr_cpus;
    struct vml_replay *replay; /* between replay_begin and replay_end */
};

/* The machine line's THP keys, checked in the order they were written against what the
 * simulation models (vml_sim_thp_check): the first it refuses is the error, at that key. Then
 * the whole settings, whose other files vmlab diff may have taken from the kernel. */
static int check_thp(const struct vml_machine_cfg *m, unsigned *col, char *msg)
{
    struct vml_thp_settings s;
    struct vml_diag d = { 0 };
    uint32_t left = m->thp_given;
    vml_thp_defaults(&s);
    while (left) {
        size_t first = 0;
        for (size_t i = 0; i < VML_THP_NR_FILES; i++)
            if ((left & (1u << i)) &&
                (!(left & (1u << first)) || m->thp_col[i] < m->thp_col[first]))
                first = i;
        left &= ~(1u << first);
        char v[VML_THP_SHOW_MAX];
        vml_thp_value(&m->thp, first, v);
        vml_thp_store(&s, first, v, strlen(v), NULL);
        if (vml_sim_thp_check(&s, &d)) {
            *col = m->thp_col[first];
            snprintf(msg, VML_BACKEND_MSG, "%.199s", d.msg);
            return VML_ENOTSUP;
        }
    }
    if (vml_sim_thp_check(&m->thp, &d)) {
        snprintf(msg, VML_BACKEND_MSG, "%.199s", d.msg);
        return VML_ENOTSUP;
    }
    return 0;
}

static int sb_start(void *ctx, const struct vml_machine_cfg *m, struct vml_text *notes,
                    unsigned *col, char *msg)
{
    struct simb *b = ctx;
    (void)notes;
    struct vml_sim_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.phys.ram_bytes = m->ram_bytes;
    cfg.phys.nr_nodes = m->nr_nodes;
    struct vml_diag d = { 0 };
    if (vml_cpu_model_parse(m->cpu[0] ? m->cpu : "skylake", &cfg.cpu, &d)) {
        snprintf(msg, VML_BACKEND_MSG, "cpu=%.60s: %.130s", m->cpu, d.msg);
        return VML_EINVAL;
    }
    int tr = check_thp(m, col, msg);
    if (tr)
        return tr;
    cfg.thp = &m->thp;
    cfg.swap_bytes = m->swap_bytes;
    cfg.vm = &m->vm;
    cfg.numab = &m->numab;
    cfg.nr_cpus = m->nr_cpus;
    cfg.paging = m->paging_levels;
    cfg.seed = m->seed;
    cfg.no_zero_page = m->no_zero_page;
    cfg.no_pt_reclaim = m->no_pt_reclaim;
    cfg.soft_dirty = m->soft_dirty;
    cfg.no_anon_thp_align = m->no_anon_thp_align;
    cfg.readahead = m->readahead_bytes;
    cfg.no_readahead = m->readahead_bytes == 0;
    cfg.disk = m->disk;
    cfg.disk_set = true;
    cfg.swapdev = m->given & VML_MCFG_SWAPDEV ? m->swapdev : m->disk;
    cfg.swapdev_set = (m->given & VML_MCFG_SWAPDEV) != 0;
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++)
        cfg.nr_hugepages[i] = m->hugepages[i];
    b->nr_cpus = m->nr_cpus;
    /* The topology (docs/numa.md): per-node RAM, CPUs, SLIT and interleave weights. */
    memcpy(cfg.phys.node_bytes, m->node_bytes, sizeof(cfg.phys.node_bytes));
    memcpy(cfg.phys.distance, m->distance, sizeof(cfg.phys.distance));
    memcpy(cfg.node_cpus, m->node_cpus, sizeof(cfg.node_cpus));
    memcpy(cfg.il_weight, m->il_weight, sizeof(cfg.il_weight));
    cfg.demotion_enabled = m->demotion_enabled;
    memcpy(cfg.node_perf, m->node_perf, sizeof(cfg.node_perf));
    memcpy(cfg.node_dax, m->node_dax, sizeof(cfg.node_dax));
    int e = vml_sim_create(&cfg, &b->sim, &d);
    if (e) {
        snprintf(msg, VML_BACKEND_MSG, "machine: %.180s", d.msg[0] ? d.msg : vml_strerror(e));
        return e;
    }
    /* Boot-time pools fall short when the buddy allocator has no more blocks: say so rather
     * than run a different machine. */
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++) {
        struct vml_sim_hugepages hp;
        if (!m->hugepages[i] || vml_sim_hugepages(b->sim, (enum vml_huge_size)i, &hp) != 0 ||
            hp.nr == m->hugepages[i])
            continue;
        snprintf(msg, VML_BACKEND_MSG,
                 "machine: hugepages=%s:%llu: only %llu such pages fit in the free memory; give "
                 "the machine more ram= or ask for fewer",
                 i == VML_HUGE_2M ? "2M" : "1G", (unsigned long long)m->hugepages[i],
                 (unsigned long long)hp.nr);
        return VML_ENOMEM;
    }
    return 0;
}

static void sb_destroy(void *ctx)
{
    struct simb *b = ctx;
    if (!b)
        return;
    vml_replay_destroy(b->replay);
    vml_sim_destroy(b->sim);
    free(b);
}

/* fork's EAGAIN at pid_max, said with the limit and why exits do not help here. */
static int pid_error(const struct simb *b, int r, char *msg)
{
    if (r == VML_EAGAIN)
        snprintf(msg, VML_BACKEND_MSG,
                 "EAGAIN: every pid below pid_max (%u, the kernel's default on %u CPU%s) was "
                 "given out; the simulation does not reuse pids, so create fewer processes",
                 vml_sim_default_pid_max(b->nr_cpus), b->nr_cpus, b->nr_cpus == 1 ? "" : "s");
    return r;
}

static int sb_spawn(void *ctx, const char *name, int *pid, char *msg)
{
    struct simb *b = ctx;
    return pid_error(b, vml_sim_spawn(b->sim, name, pid), msg);
}

/* The CPUs of numactl's options: physcpubind's list, or every CPU of cpunodebind's nodes. */
static int numa_cpus(struct simb *b, const struct vml_op_numa *o, uint64_t *cpus, char *msg)
{
    memset(cpus, 0, 4 * sizeof(*cpus));
    if (o->has_cpus) {
        memcpy(cpus, o->cpus, 4 * sizeof(*cpus));
        return 0;
    }
    unsigned nodes = vml_sim_nr_nodes(b->sim);
    for (unsigned n = 0; n < VML_MAX_NODES; n++)
        if ((o->cpunodes >> n & 1) && n >= nodes) {
            snprintf(msg, VML_BACKEND_MSG, "cpunodebind: the machine has no node %u", n);
            return VML_EINVAL;
        }
    for (unsigned c = 0; c < b->nr_cpus; c++)
        if (o->cpunodes >> vml_sim_cpu_node(b->sim, c) & 1)
            cpus[c / 64] |= 1ull << (c % 64);
    return 0;
}

static int sb_spawn_numa(void *ctx, const char *name, const struct vml_op_numa *o, int *pid,
                         char *msg)
{
    struct simb *b = ctx;
    uint64_t cpus[4];
    bool bind = o->has_cpus || o->cpunodes;
    int r = bind ? numa_cpus(b, o, cpus, msg) : 0;
    if (r)
        return r;
    /* The policy alone first, on no process: the kernel's EINVAL said as the policy's. */
    if (o->has_pol && vml_sim_set_mempolicy(b->sim, -1, &o->pol) == VML_EINVAL) {
        snprintf(msg, VML_BACKEND_MSG,
                 "%s: the memory policy is refused (EINVAL: no node of the machine in it)", name);
        return VML_EINVAL;
    }
    r = vml_sim_spawn_numa(b->sim, name, o->has_pol ? &o->pol : NULL, bind ? cpus : NULL, 4, pid);
    if (r == VML_EINVAL && bind)
        snprintf(msg, VML_BACKEND_MSG, "%s: no CPU of the machine is in the process's CPUs%s", name,
                 o->cpunodes ? " (a CPU-less node?)" : "");
    return pid_error(b, r, msg);
}

static int sb_set_mempolicy(void *ctx, int pid, const struct vml_mpol *pol, char *msg)
{
    (void)msg;
    return vml_sim_set_mempolicy(((struct simb *)ctx)->sim, pid, pol);
}

static int sb_mbind(void *ctx, int pid, uint64_t addr, uint64_t len, const struct vml_mpol *pol,
                    char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_mbind(((struct simb *)ctx)->sim, pid, addr, len, pol, &d);
    if (r == VML_ENOTSUP)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_mbind_move(void *ctx, int pid, uint64_t addr, uint64_t len,
                         const struct vml_mpol *pol, unsigned mf, char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_mbind_flags(((struct simb *)ctx)->sim, pid, addr, len, pol, mf, NULL, &d);
    if (r == VML_ENOTSUP)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_move_pages(void *ctx, int pid, size_t n, const uint64_t *addrs, const int *nodes,
                         int *status, unsigned mf, char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_move_pages(((struct simb *)ctx)->sim, pid, n, addrs, nodes, status, mf, &d);
    if (r == VML_ENOTSUP)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_migrate_pages(void *ctx, int pid, uint32_t from, uint32_t to, uint64_t *left,
                            char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_migrate_pages(((struct simb *)ctx)->sim, pid, from, to, left, &d);
    if (r == VML_ENOTSUP)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_set_affinity(void *ctx, int pid, const uint64_t *cpus, char *msg)
{
    (void)msg;
    return vml_sim_set_affinity(((struct simb *)ctx)->sim, pid, cpus, 4);
}

static int sb_node_text(void *ctx, unsigned node, unsigned file, struct vml_text *out, char *msg)
{
    struct simb *b = ctx;
    int r = vml_sim_node_text(b->sim, node, (enum vml_node_file)file, out);
    if (r == VML_EINVAL)
        snprintf(msg, VML_BACKEND_MSG, "the machine has no node %u (it has %u)", node,
                 vml_sim_nr_nodes(b->sim));
    return r;
}

static int sb_fork(void *ctx, int pid, const char *child_name, int *child, char *msg)
{
    struct simb *b = ctx;
    int r = pid_error(b, vml_sim_fork(b->sim, pid, child), msg);
    /* The child renames itself after its scenario name (prctl(PR_SET_NAME)), so /proc and the
     * summary tell the processes apart; Linux's fork alone would keep the parent's. */
    if (r == 0)
        vml_sim_set_comm(b->sim, *child, child_name);
    return r;
}

static int sb_exit(void *ctx, int pid, char *msg)
{
    (void)msg;
    return vml_sim_exit(((struct simb *)ctx)->sim, pid);
}

static int sb_mmap(void *ctx, int pid, uint64_t hint, uint64_t len, unsigned prot, unsigned flags,
                   int file, uint64_t off, uint64_t *addr, char *msg)
{
    int r = vml_sim_mmap(((struct simb *)ctx)->sim, pid, hint, len, prot, flags, file, off, addr);
    if (r == VML_EOVERFLOW)
        snprintf(msg, VML_BACKEND_MSG,
                 "EOVERFLOW: offset %#llx + length %#llx reaches past the largest file offset "
                 "(MAX_LFS_FILESIZE, 2^63 - 1 bytes); use a smaller offset= or size",
                 (unsigned long long)off, (unsigned long long)len);
    return r;
}

static int sb_munmap(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    (void)msg;
    return vml_sim_munmap(((struct simb *)ctx)->sim, pid, addr, len);
}

static int sb_mprotect(void *ctx, int pid, uint64_t addr, uint64_t len, unsigned prot, char *msg)
{
    (void)msg;
    return vml_sim_mprotect(((struct simb *)ctx)->sim, pid, addr, len, prot);
}

static int sb_madvise(void *ctx, int pid, uint64_t addr, uint64_t len, int advice, char *msg)
{
    (void)msg;
    return vml_sim_madvise(((struct simb *)ctx)->sim, pid, addr, len, advice);
}

static int sb_swapon(void *ctx, const char *name, uint64_t size, int prio, bool partition,
                     char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_swapon(((struct simb *)ctx)->sim, name, size, prio, prio >= 0, partition, &d);
    if (r == VML_EINVAL)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_swapoff(void *ctx, const char *name, char *msg)
{
    struct vml_diag d = { 0 };
    int r = vml_sim_swapoff(((struct simb *)ctx)->sim, name, &d);
    if (r == VML_EINVAL)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    return r;
}

static int sb_mlock(void *ctx, int pid, uint64_t addr, uint64_t len, bool lock, char *msg)
{
    struct simb *b = ctx;
    (void)msg;
    return lock ? vml_sim_mlock(b->sim, pid, addr, len) : vml_sim_munlock(b->sim, pid, addr, len);
}

static int sb_brk(void *ctx, int pid, int64_t delta, uint64_t *brk, char *msg)
{
    struct simb *b = ctx;
    uint64_t cur;
    (void)msg;
    int r = vml_sim_brk(b->sim, pid, 0, &cur);
    if (r)
        return r;
    uint64_t want = cur + (uint64_t)delta;
    if ((delta < 0 && want > cur) || (delta > 0 && want < cur))
        return VML_EINVAL;
    vml_sim_brk(b->sim, pid, want, brk);
    return *brk == want ? 0 : VML_ENOMEM;
}

/* An allocation failed for a cgroup with nothing left to kill: says so in msg. */
static int nomem_msg(struct simb *b, int r, char *msg)
{
    char path[VML_SCN_FILE_MAX + 2];
    uint64_t max;
    if (r == VML_ENOMEM && vml_sim_nomem_cgroup(b->sim, path, sizeof(path), &max))
        snprintf(msg, VML_BACKEND_MSG,
                 "cgroup %.40s at memory.max (%llu kB) has nothing its OOM killer may kill "
                 "(oom_score_adj -1000): Linux retries the fault forever; raise memory.max",
                 path, (unsigned long long)(max >> 10));
    return r;
}

static int sb_touch(void *ctx, int pid, uint64_t start, uint64_t end, uint64_t stride,
                    enum vml_access access, struct vml_sim_access *res, char *msg)
{
    struct simb *b = ctx;
    return nomem_msg(b, vml_sim_touch(b->sim, pid, start, end, stride, access, res), msg);
}

static int sb_replay_begin(void *ctx, int pid, char *msg)
{
    struct simb *b = ctx;
    (void)msg;
    return vml_replay_attach(b->sim, pid, false, &b->replay);
}

static int sb_replay_feed(void *ctx, const struct vml_trace_rec *recs, size_t n, size_t *done,
                          struct vml_sim_access *res, char *msg)
{
    struct simb *b = ctx;
    struct vml_diag d;
    int e = vml_replay_feed(b->replay, recs, n, done, &d);
    if (e == VML_EINVAL)
        snprintf(msg, VML_BACKEND_MSG, "%.190s", d.msg);
    struct vml_replay_stats st;
    vml_replay_stats(b->replay, &st);
    res->accesses = st.records;
    res->minor = st.minor_faults;
    res->major = st.major_faults;
    res->killed = st.killed;
    res->si_code = st.si_code;
    res->addr = st.kill_addr;
    return e;
}

static int sb_replay_end(void *ctx, struct vml_text *report)
{
    struct simb *b = ctx;
    struct vml_replay_stats st;
    vml_replay_stats(b->replay, &st);
    const struct vml_cpu_model *m = vml_cpu_model(vml_sim_cpu(b->sim, 0));
    vml_replay_report_text(&st, m, report);
    vml_replay_destroy(b->replay);
    b->replay = NULL;
    return report->oom ? VML_EHOST : 0;
}

/* ftruncate's refusals, with the size and the limit. */
static int size_error(int r, uint64_t size, bool shmem, char *msg)
{
    if (r == VML_EFBIG)
        snprintf(msg, VML_BACKEND_MSG,
                 "EFBIG: %llu bytes is more than the largest %s (%llu bytes%s); use a smaller size",
                 (unsigned long long)size, shmem ? "shmem object" : "ext4 file",
                 (unsigned long long)(shmem ? VML_SIM_MAX_LFS_FILESIZE : VML_SIM_EXT4_MAX_BYTES),
                 shmem ? ", MAX_LFS_FILESIZE" : ", 16 TiB - 4 KiB with 4 KiB blocks");
    else if (r == VML_EINVAL && size > VML_SIM_MAX_LFS_FILESIZE)
        snprintf(msg, VML_BACKEND_MSG,
                 "EINVAL: %llu bytes is a negative off_t (2^63 or more); use a smaller size",
                 (unsigned long long)size);
    return r;
}

static int sb_file_create(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    return size_error(vml_sim_file_create(((struct simb *)ctx)->sim, name, size, false, file), size,
                      false, msg);
}

static int sb_file_delete(void *ctx, int file, char *msg)
{
    (void)msg;
    return vml_sim_file_delete(((struct simb *)ctx)->sim, file);
}

static int sb_memfd_get(void *ctx, const char *name, uint64_t size, int *file, char *msg)
{
    struct simb *b = ctx;
    int r = 0;
    if (*file < 0)
        r = vml_sim_file_create(b->sim, name, size, true, file);
    return size_error(r ? r : vml_sim_file_grow(b->sim, *file, size), size, true, msg);
}

static uint64_t sb_file_size(void *ctx, int file)
{
    return vml_sim_file_size(((struct simb *)ctx)->sim, file);
}

static int sb_file_io(void *ctx, int pid, int file, uint64_t off, uint64_t len, uint64_t chunk,
                      bool write, char *msg)
{
    struct simb *b = ctx;
    int r = write ? vml_sim_file_write_chunked(b->sim, pid, file, off, len, chunk)
                  : vml_sim_file_read_chunked(b->sim, pid, file, off, len, chunk);
    nomem_msg(b, r, msg);
    if (r == VML_EFBIG)
        snprintf(msg, VML_BACKEND_MSG,
                 "EFBIG: offset %llu is at or past the file's largest size (an ext4 file: "
                 "%llu bytes); write below it",
                 (unsigned long long)off, (unsigned long long)VML_SIM_EXT4_MAX_BYTES);
    return r;
}

static int sb_fsync(void *ctx, int pid, int file, char *msg)
{
    (void)msg;
    return vml_sim_fsync(((struct simb *)ctx)->sim, pid, file, false);
}

static int sb_fdatasync(void *ctx, int pid, int file, char *msg)
{
    (void)msg;
    return vml_sim_fsync(((struct simb *)ctx)->sim, pid, file, true);
}

static int sb_truncate(void *ctx, int pid, int file, uint64_t size, char *msg)
{
    (void)msg;
    return vml_sim_truncate(((struct simb *)ctx)->sim, pid, file, size);
}

static int sb_fallocate(void *ctx, int pid, int file, uint64_t off, uint64_t len, unsigned mode,
                        char *msg)
{
    int r = vml_sim_fallocate(((struct simb *)ctx)->sim, pid, file, off, len, mode);
    if (r == VML_EFBIG)
        snprintf(msg, VML_BACKEND_MSG,
                 "EFBIG: the range ends at %llu bytes, past the largest ext4 file (%llu bytes); "
                 "use a range below it",
                 (unsigned long long)(off + len), (unsigned long long)VML_SIM_EXT4_MAX_BYTES);
    return r;
}

static int sb_fadvise(void *ctx, int pid, int file, uint64_t off, uint64_t len, char *msg)
{
    (void)msg;
    return vml_sim_fadvise_dontneed(((struct simb *)ctx)->sim, pid, file, off, len);
}

static int sb_msync(void *ctx, int pid, uint64_t addr, uint64_t len, char *msg)
{
    (void)msg;
    return vml_sim_msync(((struct simb *)ctx)->sim, pid, addr, len);
}

static int sb_cpu_run(void *ctx, unsigned cpu, int pid, char *msg)
{
    struct simb *b = ctx;
    if (cpu >= b->nr_cpus) {
        snprintf(msg, VML_BACKEND_MSG, "cpu %u does not exist: the machine has %u (0..%u)", cpu,
                 b->nr_cpus, b->nr_cpus - 1);
        return VML_EINVAL;
    }
    return vml_sim_run_on(b->sim, cpu, pid);
}

/* set: the THP files are the simulator's settings (vml_sim_thp_store refuses, with its reason,
 * a value the simulation does not model yet). */
/* A write to a cgroup file (/sys/fs/cgroup/...): the simulated hierarchy is v2's; the v1 path
 * of memory.limit_in_bytes sets the same limit with v1's semantics (no OOM kill: EBUSY when
 * reclaim cannot bring the usage under it). */
static int sb_cgroup_set(struct simb *b, const char *path, const char *value, char *msg)
{
    char cg[VML_SCN_FILE_MAX], file[VML_SCN_FIELD_MAX];
    bool v1;
    if (vml_cgroup_path_split(path, cg, sizeof(cg), file, sizeof(file), &v1)) {
        snprintf(msg, VML_BACKEND_MSG, "%.150s is not a cgroup file", path);
        return VML_EINVAL;
    }
    int r = vml_sim_cgroup_write(b->sim, cg, file, v1 && !strcmp(value, "-1") ? "max" : value, 0);
    if (r == VML_ENOENT)
        snprintf(msg, VML_BACKEND_MSG, "no cgroup /%.60s with a file %.40s", cg, file);
    else if (r == VML_EBUSY)
        snprintf(msg, VML_BACKEND_MSG,
                 "reclaim cannot bring /%.60s's usage under %.40s (EBUSY: v1 keeps the old "
                 "limit)",
                 cg, value);
    else if (r == VML_EAGAIN)
        snprintf(msg, VML_BACKEND_MSG,
                 "memory.reclaim of /%.60s reclaimed less than %.40s (EAGAIN)", cg, value);
    else if (r)
        snprintf(msg, VML_BACKEND_MSG, "%.40s of /%.60s refuses '%.40s'", file, cg, value);
    return r;
}

static int sb_cgroup_create(void *ctx, const char *path, char *msg)
{
    int r = vml_sim_cgroup_create(((struct simb *)ctx)->sim, path);
    if (r == VML_ENOTSUP)
        snprintf(msg, VML_BACKEND_MSG, "the simulation has at most 63 cgroups");
    else if (r == VML_ENOENT)
        snprintf(msg, VML_BACKEND_MSG, "the parent of /%.60s does not exist", path);
    else if (r)
        snprintf(msg, VML_BACKEND_MSG, "cannot make cgroup /%.60s", path);
    return r;
}

static int sb_cgroup_attach(void *ctx, int pid, const char *path, char *msg)
{
    int r = vml_sim_cgroup_attach(((struct simb *)ctx)->sim, pid, path);
    if (r == VML_EBUSY)
        snprintf(msg, VML_BACKEND_MSG,
                 "/%.60s has child cgroups: cgroup v2 puts processes only in leaves (EBUSY)", path);
    else if (r)
        snprintf(msg, VML_BACKEND_MSG, "no process %d or cgroup /%.60s", pid, path);
    return r;
}

static int sb_cgroup_text(void *ctx, const char *path, const char *file, bool v1,
                          struct vml_text *out, char *msg)
{
    int r = vml_sim_cgroup_text(((struct simb *)ctx)->sim, path, file, v1, out);
    if (r)
        snprintf(msg, VML_BACKEND_MSG, "%s/%.60s has no file %.40s",
                 v1 ? "/sys/fs/cgroup/memory" : "/sys/fs/cgroup", path, file);
    return r ? r : text_status(out);
}

static int sb_set(void *ctx, const char *path, const char *value, struct vml_text *notes, char *msg)
{
    struct simb *b = ctx;
    (void)notes;
    if (strncmp(path, VML_CGROUP_DIR, strlen(VML_CGROUP_DIR)) == 0)
        return sb_cgroup_set(b, path, value, msg);
    if (strncmp(path, VML_VM_SYSCTL_DIR, strlen(VML_VM_SYSCTL_DIR)) == 0) {
        int v = vml_vm_find(path);
        struct vml_diag d = { 0 };
        int r = v < 0 ? VML_EINVAL : vml_sim_vm_store(b->sim, (size_t)v, value, strlen(value), &d);
        if (r)
            snprintf(msg, VML_BACKEND_MSG, "%.199s", v < 0 ? "no such /proc/sys/vm file" : d.msg);
        return r;
    }
    if (strcmp(path, VML_NUMA_SYSFS_DIR "demotion_enabled") == 0) {
        struct vml_diag d = { 0 };
        int r = vml_sim_demotion_store(b->sim, value, strlen(value), &d);
        if (r)
            snprintf(msg, VML_BACKEND_MSG, "%.199s", d.msg);
        return r;
    }
    int nb = vml_numab_find(path);
    if (nb >= 0) {
        struct vml_diag d = { 0 };
        int r = vml_sim_numab_store(b->sim, (size_t)nb, value, strlen(value), &d);
        if (r)
            snprintf(msg, VML_BACKEND_MSG, "%.199s", d.msg);
        return r;
    }
    int i = vml_thp_find(path);
    if (i < 0) {
        snprintf(msg, VML_BACKEND_MSG, "%.150s is not simulated", path);
        return VML_EINVAL;
    }
    struct vml_diag d = { 0 };
    int r = vml_sim_thp_store(b->sim, (size_t)i, value, strlen(value), &d);
    if (r)
        snprintf(msg, VML_BACKEND_MSG, "%.199s", d.msg);
    return r;
}

static int sb_thp_text(void *ctx, struct vml_text *out, char *msg)
{
    struct simb *b = ctx;
    (void)msg;
    const struct vml_thp_settings *s = vml_sim_thp(b->sim);
    for (size_t i = 0; i < vml_thp_nr_files(); i++) {
        char buf[VML_THP_SHOW_MAX];
        vml_thp_show(s, i, buf);
        text_printf(out, "%s:%s", vml_thp_file(i), buf);
    }
    struct vml_khugepaged_stats k;
    vml_sim_khugepaged(b->sim, &k);
    text_printf(out, "%s:%llu\n%s:%llu\n", vml_thp_counter_file(0),
                (unsigned long long)k.pages_collapsed, vml_thp_counter_file(1),
                (unsigned long long)k.full_scans);
    return text_status(out);
}

/* show vm: every readable /proc/sys/vm/ file, as grep -r . /proc/sys/vm/ prints it. */
static int sb_vm_text(void *ctx, struct vml_text *out, char *msg)
{
    struct simb *b = ctx;
    (void)msg;
    struct vml_vm_sysctl s = *vml_sim_vm(b->sim);
    s.min_free_kbytes = vml_sim_min_free_kbytes(b->sim);
    for (size_t i = 0; i < VML_VM_NR_FILES; i++) {
        if (!vml_vm_readable(i))
            continue;
        char buf[VML_VM_SHOW_MAX];
        vml_vm_show(&s, i, buf);
        text_printf(out, "%s:%s", vml_vm_file(i), buf);
    }
    return text_status(out);
}

/* wait: the simulated clock moves on, the kernel's periodic work due by then running. */
static int sb_wait(void *ctx, uint64_t ns, char *msg)
{
    struct simb *b = ctx;
    int r = vml_sim_advance(b->sim, ns);
    if (r == VML_EINVAL)
        snprintf(msg, VML_BACKEND_MSG, "the simulated clock would pass 2^64 - 1 ns");
    return r;
}

static int sb_oom_score_adj(void *ctx, int pid, int adj, char *msg)
{
    (void)msg;
    return vml_sim_set_oom_score_adj(((struct simb *)ctx)->sim, pid, adj);
}

static int sb_thp_disable(void *ctx, int pid, bool on, char *msg)
{
    (void)msg;
    return vml_sim_set_thp_disable(((struct simb *)ctx)->sim, pid, on);
}

static int sb_proc_text(void *ctx, int pid, enum vml_procfile f, uint64_t start, uint64_t end,
                        struct vml_text *out, char *msg)
{
    static const int files[VML_PROCFILE_COUNT] = {
        [VML_PROCFILE_MAPS] = VML_SIM_MAPS,
        [VML_PROCFILE_SMAPS] = VML_SIM_SMAPS,
        [VML_PROCFILE_SMAPS_ROLLUP] = VML_SIM_SMAPS_ROLLUP,
        [VML_PROCFILE_STATUS] = VML_SIM_STATUS,
        [VML_PROCFILE_STATM] = VML_SIM_STATM,
        [VML_PROCFILE_NUMA_MAPS] = VML_SIM_NUMA_MAPS,
        [VML_PROCFILE_FAULTS] = VML_SIM_FAULTS,
        [VML_PROCFILE_LATENCY] = VML_SIM_LATENCY,
        [VML_PROCFILE_OOM_SCORE] = VML_SIM_OOM_SCORE,
        [VML_PROCFILE_OOM_SCORE_ADJ] = VML_SIM_OOM_SCORE_ADJ,
        [VML_PROCFILE_MEMINFO] = VML_SIM_MEMINFO,
        [VML_PROCFILE_VMSTAT] = VML_SIM_VMSTAT,
        [VML_PROCFILE_BUDDYINFO] = VML_SIM_BUDDYINFO,
        [VML_PROCFILE_ZONEINFO] = VML_SIM_ZONEINFO,
        [VML_PROCFILE_NUMASTAT] = -1, /* numastat's table, below */
        [VML_PROCFILE_NUMA] = -1,     /* numactl --hardware, below */
        [VML_PROCFILE_NODE] = -1,     /* node_text */
        [VML_PROCFILE_MEMORY_TIERING] = -1,
        [VML_PROCFILE_SWAPS] = VML_SIM_SWAPS,
        [VML_PROCFILE_DMESG] = VML_SIM_DMESG,
        [VML_PROCFILE_CGROUP] = -1, /* cgroup_text */
        [VML_PROCFILE_CGROUP1] = -1,
    };
    if (f == VML_PROCFILE_NUMASTAT)
        return vml_sim_numastat_table(((struct simb *)ctx)->sim, out);
    if (f == VML_PROCFILE_NUMA)
        return vml_sim_numactl_hardware(((struct simb *)ctx)->sim, out);
    if (f == VML_PROCFILE_MEMORY_TIERING)
        return vml_sim_memory_tiering_text(((struct simb *)ctx)->sim, out);
    if ((unsigned)f >= VML_PROCFILE_COUNT || files[f] < 0) {
        snprintf(msg, VML_BACKEND_MSG, "%s is not simulated yet", vml_procfile_name(f));
        return VML_EINVAL;
    }
    return vml_sim_proc_text(((struct simb *)ctx)->sim, pid, (enum vml_sim_file)files[f], start,
                             end, out);
}

static uint64_t sb_kills(void *ctx)
{
    return vml_sim_kills(((struct simb *)ctx)->sim);
}

static int sb_status_of(void *ctx, int pid, struct vml_sim_death *death)
{
    return vml_sim_status_of(((struct simb *)ctx)->sim, pid, death);
}

static int sb_check(void *ctx, char *why, size_t len)
{
    return vml_sim_check(((struct simb *)ctx)->sim, why, len);
}

static struct vml_sim *sb_sim(void *ctx)
{
    return ((struct simb *)ctx)->sim;
}

static int sb_faults(void *ctx, int pid, uint64_t *minor, uint64_t *major)
{
    int ppid;
    return vml_sim_task_info(((struct simb *)ctx)->sim, pid, minor, major, &ppid);
}

/* The simulated kernel keeps its counters exact: nothing to settle. */
static int sb_meminfo(void *ctx, struct vml_meminfo *m, char *msg)
{
    (void)msg;
    vml_sim_meminfo(((struct simb *)ctx)->sim, m);
    return 0;
}

int vml_backend_sim(struct vml_backend *out)
{
    struct simb *b = calloc(1, sizeof(*b));
    if (!b)
        return VML_EHOST;
    *out = (struct vml_backend){
        .name = "sim",
        .ctx = b,
        .start = sb_start,
        .destroy = sb_destroy,
        .spawn = sb_spawn,
        .fork = sb_fork,
        .exit = sb_exit,
        .mmap = sb_mmap,
        .munmap = sb_munmap,
        .mprotect = sb_mprotect,
        .madvise = sb_madvise,
        .swapon = sb_swapon,
        .swapoff = sb_swapoff,
        .mlock = sb_mlock,
        .brk = sb_brk,
        .touch = sb_touch,
        .replay_begin = sb_replay_begin,
        .replay_feed = sb_replay_feed,
        .replay_end = sb_replay_end,
        .file_create = sb_file_create,
        .file_delete = sb_file_delete,
        .memfd_get = sb_memfd_get,
        .file_size = sb_file_size,
        .file_io = sb_file_io,
        .fsync = sb_fsync,
        .msync = sb_msync,
        .fdatasync = sb_fdatasync,
        .fadvise_dontneed = sb_fadvise,
        .truncate = sb_truncate,
        .fallocate = sb_fallocate,
        .vm_text = sb_vm_text,
        .cpu_run = sb_cpu_run,
        .set = sb_set,
        .thp_text = sb_thp_text,
        .thp_disable = sb_thp_disable,
        .kills = sb_kills,
        .oom_score_adj = sb_oom_score_adj,
        .cgroup_create = sb_cgroup_create,
        .cgroup_attach = sb_cgroup_attach,
        .cgroup_text = sb_cgroup_text,
        .spawn_numa = sb_spawn_numa,
        .set_mempolicy = sb_set_mempolicy,
        .mbind = sb_mbind,
        .mbind_move = sb_mbind_move,
        .move_pages = sb_move_pages,
        .migrate_pages = sb_migrate_pages,
        .set_affinity = sb_set_affinity,
        .node_text = sb_node_text,
        .wait = sb_wait,
        .proc_text = sb_proc_text,
        .status_of = sb_status_of,
        .check = sb_check,
        .sim = sb_sim,
        .faults = sb_faults,
        .meminfo = sb_meminfo,
    };
    return 0;
}

void vml_backend_sim_release(struct vml_backend *b)
{
    free(b->ctx);
    b->ctx = NULL;
}
