/* mm/thp.c: the THP settings in force and which of their values the simulation models.
 * Values it does not model yet are refused (VML_ENOTSUP) rather than accepted and ignored.
 */
#include "mm/sim_internal.h"

#include <stdio.h>
#include <string.h>

const struct vml_thp_settings *vml_sim_thp(const struct vml_sim *sim)
{
    return &sim->thp;
}

/* Why a valid setting cannot be simulated yet, or NULL when it can. */
static const char *unmodelled(const struct vml_thp_settings *s)
{
    if (s->shmem_enabled != VML_SHMEM_THP_NEVER && s->shmem_enabled != VML_SHMEM_THP_DENY)
        return "shmem_enabled: shmem THP is not simulated yet; use never or deny";
    if (s->scan_sleep_millisecs == 0)
        return "khugepaged/scan_sleep_millisecs: 0 makes khugepaged scan without pause, at a pace "
               "set by CPU time, which the simulation does not model; use 1 or more";
    return NULL;
}

int thp_settings_check(const struct vml_thp_settings *s, struct vml_diag *diag)
{
    const char *why = unmodelled(s);
    if (!why)
        return 0;
    if (diag)
        snprintf(diag->msg, sizeof(diag->msg), "%s", why);
    return VML_ENOTSUP;
}

int vml_sim_thp_check(const struct vml_thp_settings *s, struct vml_diag *diag)
{
    return thp_settings_check(s, diag);
}

int vml_sim_thp_store(struct vml_sim *sim, size_t file, const char *value, size_t len,
                      struct vml_diag *diag)
{
    struct vml_thp_settings s = sim->thp;
    int r = vml_thp_store(&s, file, value, len, diag);
    if (r)
        return r;
    if ((r = thp_settings_check(&s, diag)) != 0)
        return r;
    struct vml_thp_settings old = sim->thp;
    sim->thp = s;
    const char *name = vml_thp_file(file);
    enum khugepaged_write what = KHUGEPAGED_WRITE_OTHER;
    if (strcmp(name, "enabled") == 0 || strcmp(name, "hugepages-2048kB/enabled") == 0)
        what = KHUGEPAGED_WRITE_ENABLED;
    else if (strcmp(name, "khugepaged/scan_sleep_millisecs") == 0 ||
             strcmp(name, "khugepaged/alloc_sleep_millisecs") == 0)
        what = KHUGEPAGED_WRITE_SLEEP;
    khugepaged_settings_changed(sim, &old, what);
    /* enabled_store, thpsize_enabled_store (every size) and shmem_enabled_store call
     * start_stop_khugepaged. */
    if (strcmp(name, "enabled") == 0 || strcmp(name, "shmem_enabled") == 0 ||
        (strncmp(name, "hugepages-", 10) == 0 && strstr(name, "/enabled") != NULL))
        wmark_thp_written(sim);
    return 0;
}

int vml_sim_set_thp_disable(struct vml_sim *sim, int pid, bool on)
{
    struct sim_task *t = sim_task(sim, pid);
    if (!t)
        return VML_ENOENT;
    t->mm->thp_disabled = on;
    return 0;
}
