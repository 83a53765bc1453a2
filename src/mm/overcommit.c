/* mm/overcommit.c: the overcommit policy of mm/util.c (__vm_enough_memory, vm_commit_limit)
 * and the reserves of mm/mmap.c's init_admin_reserve and init_user_reserve.
 *
 * Committed_AS (sim->committed) is what private writable mappings, brk, stacks, fork's copies
 * of them and shmem objects have charged. Under vm.overcommit_memory 0 (guess) one request
 * fails only when it alone is more than RAM and swap; 1 (always) never fails; 2 (never) fails
 * once Committed_AS would reach CommitLimit less the user reserve (min(total_vm / 32,
 * user_reserve_kbytes)). */
#include "mm/sim_internal.h"

uint64_t totalram_pages(const struct vml_sim *sim, uint64_t *free)
{
    uint64_t total = 0, nfree = 0;
    for (unsigned i = 0; i < vml_phys_nr_nodes(sim->phys); i++) {
        struct vml_phys_usage u;
        vml_phys_usage(sim->phys, i, &u);
        total += u.total;
        nfree += u.free;
    }
    if (free)
        *free = nfree;
    return total;
}

void overcommit_init(struct vml_sim *sim)
{
    uint64_t free;
    totalram_pages(sim, &free);
    uint64_t free_kb = free * (PAGE_SIZE >> 10);
    if (sim->vm.admin_reserve_kbytes < 0) /* min(free_kbytes / 32, SZ_8K) */
        sim->vm.admin_reserve_kbytes = (int64_t)(free_kb / 32 < 8192 ? free_kb / 32 : 8192);
    if (sim->vm.user_reserve_kbytes < 0) /* min(free_kbytes / 32, SZ_128K) */
        sim->vm.user_reserve_kbytes = (int64_t)(free_kb / 32 < 131072 ? free_kb / 32 : 131072);
}

uint64_t committed_as(const struct vml_sim *sim)
{
    uint64_t pages = sim->committed;
    for (size_t i = 0; i < sim->nr_files; i++) {
        const struct sim_file *f = sim->files[i];
        if (f && f->acct_blocks)
            pages += f->nr_cached + f->nr_swapped;
    }
    return pages;
}

uint64_t vm_commit_limit(const struct vml_sim *sim)
{
    if (sim->vm.overcommit_kbytes)
        return sim->vm.overcommit_kbytes / (PAGE_SIZE >> 10) + sim->total_swap_pages;
    uint64_t hugetlb = 0;
    uint64_t ram = totalram_pages(sim, NULL);
    for (unsigned i = 0; i < VML_NR_HUGE_SIZES; i++)
        hugetlb += sim->hstates[i].nr << sim->hstates[i].order;
    return (ram - hugetlb) * sim->vm.overcommit_ratio / 100 + sim->total_swap_pages;
}

int vm_enough_memory(struct vml_sim *sim, const struct sim_mm *mm, uint64_t pages)
{
    switch (sim->vm.overcommit_memory) {
    case 1: /* OVERCOMMIT_ALWAYS */ break;
    case 0: /* OVERCOMMIT_GUESS: only a request larger than RAM and swap together */
        if (pages > totalram_pages(sim, NULL) + sim->total_swap_pages)
            return VML_ENOMEM;
        break;
    default: { /* OVERCOMMIT_NEVER */
        int64_t allowed = (int64_t)vm_commit_limit(sim);
        if (mm) {
            int64_t reserve = sim->vm.user_reserve_kbytes / (int64_t)(PAGE_SIZE >> 10),
                    vm32 = (int64_t)(mm->total_vm / 32);
            allowed -= vm32 < reserve ? vm32 : reserve;
        }
        /* vm_acct_memory first, then the check of the sum: the request's own pages count. */
        if ((int64_t)(committed_as(sim) + pages) >= allowed)
            return VML_ENOMEM;
        break;
    }
    }
    sim->committed += pages;
    return 0;
}
