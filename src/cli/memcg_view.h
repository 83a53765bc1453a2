/* cli/memcg_view.h: what vmlab oom and vmlab ps show of the memory cgroups: finding the
 * hierarchy under --sys, the OOM killer's totalpages for a group, the groups' columns. */
#ifndef VMLAB_CLI_MEMCG_VIEW_H
#define VMLAB_CLI_MEMCG_VIEW_H

#include "cli/table.h"

#include "vmlab/vmlab.h"

/* Reads the hierarchy under sys (tool names the command in messages). 0, or the exit status
 * after a message saying where it looked. */
int memcg_view_open(const char *tool, const char *sys, struct vml_memcg_tree *t);

/* mem_cgroup_get_max (mm/memcontrol.c), the totalpages of an OOM in group g: its limit in
 * pages plus the swap it may use. v2: + min(memory.swap.max, total swap) when swappiness is
 * not 0 (v2 uses vm.swappiness); v1: + min(memsw limit - limit, total swap) when the group's
 * swappiness is not 0. 0 when g has no limit of its own. */
int64_t memcg_view_totalpages(const struct vml_memcg_tree *t, const struct vml_memcg *g,
                              uint64_t swap_pages, uint64_t vm_swappiness);

/* The index of the group that holds pid's memory: the deepest group listing it in
 * cgroup.procs, or the nearest group above it with memory files; -1 when none lists it. */
long memcg_view_owner(const struct vml_memcg_tree *t, int pid);

/* The event cells: OOM, OOMKill, GroupKill, Max, High (CELL_NO_INT when the file did not
 * give it: v1 has only oom_kill) and Failcnt (v1). */
void memcg_view_events(const struct vml_memcg *g, union cell *oom, union cell *oom_kill,
                       union cell *group_kill, union cell *max, union cell *high,
                       union cell *failcnt);

/* Bytes as a cell: CELL_UNLIMITED for no limit. */
uint64_t memcg_view_limit_cell(uint64_t v);

#endif
