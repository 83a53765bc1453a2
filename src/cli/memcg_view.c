/* cli/memcg_view.c: the memory cgroups as vmlab oom and ps show them (see memcg_view.h). */
#include "cli/memcg_view.h"

#include "cli/cli.h"

#include <stdlib.h>

int memcg_view_open(const char *tool, const char *sys, struct vml_memcg_tree *t)
{
    struct vml_diag d = { 0 };
    int r = vml_memcg_scan(sys, t, &d);
    if (r == VML_EHOST)
        return cli_error(EXIT_FAIL, "%s: out of memory reading the memory cgroups", tool);
    if (r) {
        char e[256];
        return cli_error(EXIT_FAIL, "%s: --sys %s: %s", tool, table_escape(e, sizeof(e), sys),
                         d.msg);
    }
    return 0;
}

int64_t memcg_view_totalpages(const struct vml_memcg_tree *t, const struct vml_memcg *g,
                              uint64_t swap_pages, uint64_t vm_swappiness)
{
    if (!(g->have & VML_MEMCG_HAVE_LIMIT) || g->limit == VML_MEMCG_UNLIMITED)
        return 0;
    uint64_t max = g->limit >> 12;
    if (t->version == 2) {
        /* mem_cgroup_swappiness: on v2 the global vm.swappiness. */
        if (vm_swappiness && (g->have & VML_MEMCG_HAVE_SWAP)) {
            uint64_t s = g->swap_limit == VML_MEMCG_UNLIMITED ? swap_pages : g->swap_limit >> 12;
            max += s < swap_pages ? s : swap_pages;
        }
    } else {
        /* do_memsw_account: the swap the memsw limit leaves above the memory limit (the
         * kernel keeps memsw >= memory); the group's own swappiness (memory.swappiness). */
        uint64_t swappiness = g->have & VML_MEMCG_HAVE_SWAPPY ? g->swappiness : vm_swappiness;
        if (swappiness && (g->have & VML_MEMCG_HAVE_SWAP)) {
            uint64_t memsw =
                g->swap_limit == VML_MEMCG_UNLIMITED ? UINT64_MAX >> 12 : g->swap_limit >> 12;
            uint64_t s = memsw > max ? memsw - max : 0;
            max += s < swap_pages ? s : swap_pages;
        }
    }
    /* oom_kill.c: constrained_alloc takes mem_cgroup_get_max() ?: 1. */
    return max ? (int64_t)max : 1;
}

static bool lists(const struct vml_memcg *g, int pid)
{
    size_t lo = 0, hi = g->npids;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g->pids[mid] == pid)
            return true;
        if (g->pids[mid] < pid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

long memcg_view_owner(const struct vml_memcg_tree *t, int pid)
{
    for (size_t i = 0; i < t->n; i++) {
        if (!lists(&t->g[i], pid))
            continue;
        /* A group without memory files: its pages are charged to the nearest group above
         * with them (the ancestors come before it, at lower depths). */
        long at = (long)i;
        unsigned depth = t->g[i].depth;
        for (long j = (long)i; j >= 0; j--) {
            if (t->g[j].depth > depth)
                continue;
            depth = t->g[j].depth;
            at = j;
            if (t->g[j].have & VML_MEMCG_HAVE_FILES)
                break;
        }
        return at;
    }
    return -1;
}

void memcg_view_events(const struct vml_memcg *g, union cell *oom, union cell *oom_kill,
                       union cell *group_kill, union cell *max, union cell *high,
                       union cell *failcnt)
{
#define EV(cell, e) (cell)->i = g->have_ev & (1u << (e)) ? (int64_t)g->ev[e] : CELL_NO_INT
    EV(oom, VML_MEMCG_EV_OOM);
    EV(oom_kill, VML_MEMCG_EV_OOM_KILL);
    EV(group_kill, VML_MEMCG_EV_OOM_GROUP_KILL);
    EV(max, VML_MEMCG_EV_MAX);
    EV(high, VML_MEMCG_EV_HIGH);
#undef EV
    failcnt->i = g->have & VML_MEMCG_HAVE_FAILCNT ? (int64_t)g->failcnt : CELL_NO_INT;
}

uint64_t memcg_view_limit_cell(uint64_t v)
{
    return v == VML_MEMCG_UNLIMITED ? CELL_UNLIMITED : v;
}
