/* mm/sim_inspect.c: read-only access to the machine's parts for inspectors (vmlab run --html):
 * a process's page tables and the physical memory (the CPU count is mempolicy.c's). */
#include "mm/sim_internal.h"

const struct vml_pt *vml_sim_pagetable(const struct vml_sim *sim, int pid)
{
    const struct sim_task *t = sim_task(sim, pid);
    return t && t->mm ? t->mm->pt : NULL;
}

const struct vml_phys *vml_sim_phys(const struct vml_sim *sim)
{
    return sim->phys;
}
