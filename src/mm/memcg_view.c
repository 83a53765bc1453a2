/* mm/memcg_view.c: the list of the simulated machine's memory cgroups, for programs that walk
 * the hierarchy as a directory tree (vmlab run --export-proc writes /sys/fs/cgroup from it).
 * The kernel's counterpart is the cgroup file system's directories: a cgroup is listed from
 * its creation (cgroup_mkdir) until it goes offline (cgroup_rmdir).
 */
#include "mm/sim_internal.h"

#include <stdio.h>

int vml_sim_cgroup_path(const struct vml_sim *sim, unsigned id, char *buf, size_t len)
{
    if (id >= sim->nr_memcgs)
        return VML_ENOENT;
    const struct mem_cgroup *m = sim->memcgs[id];
    if (!m || !m->online)
        return VML_EINVAL; /* a removed cgroup's id: the ids after it are still listed */
    if (!buf || len == 0 || (size_t)snprintf(buf, len, "%s", m->path) >= len)
        return VML_EOVERFLOW;
    return 0;
}
