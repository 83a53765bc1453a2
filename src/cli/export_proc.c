/* cli/export_proc.c: writes a simulated machine's /proc as a directory tree that tools made
 * for the real /proc can read (smem -S DIR, scripts that open DIR/proc/PID/smaps ...).
 *
 *   DIR/proc/meminfo vmstat buddyinfo zoneinfo version
 *   DIR/proc/PID/maps smaps smaps_rollup status statm numa_maps cmdline comm stat
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
    static const enum vml_sim_file per[] = { VML_SIM_MAPS,   VML_SIM_SMAPS, VML_SIM_SMAPS_ROLLUP,
                                             VML_SIM_STATUS, VML_SIM_STATM, VML_SIM_NUMA_MAPS };
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
    return rc;
}
