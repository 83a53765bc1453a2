/* host/pressure.h: what the Linux backend sets up so that a scenario meets memory pressure on the
 * real kernel as on the simulated machine (internal to host/; docs/pressure.md):
 *
 *   - a memory cgroup that confines the scenario's processes to what the simulated machine
 *     leaves to user pages (cgroup v1 memory.limit_in_bytes, or v2 memory.max where the memory
 *     controller is on the unified hierarchy);
 *   - temporary swap files, made and enabled as root (swap=, swapon), switched off and removed
 *     at the end.
 *
 * Both are undone by host_pressure_undo, which the settings journal runs when the run ends and
 * from its signal handler (settings.h: host_settings_undo): the agents still in the cgroup are
 * killed, the cgroup removed, every swap file switched off and unlinked. One run per process.
 */
#ifndef VMLAB_HOST_PRESSURE_H
#define VMLAB_HOST_PRESSURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmlab/scenario.h"

#define PRESSURE_MSG 200 /* msg buffers: at least this many bytes */

/* Where the memory controller is mounted. */
struct memcg_mount {
    int version;    /* 1 or 2 */
    char dir[160];  /* its mount point, e.g. /sys/fs/cgroup/memory */
    char limit[24]; /* the limit file: memory.limit_in_bytes (v1) or memory.max (v2) */
};

/* Finds the memory controller in mounts (text as /proc/self/mounts has it): a cgroup2 mount
 * whose cgroup.controllers lists memory wins (the controller is on the unified hierarchy, as
 * on systems booted with cgroup v2 alone), else a cgroup (v1) mount with the memory option.
 * root is prepended to the mount points when files are read ("" on the real system; a test
 * passes a directory that imitates one). 0, or ENOENT when neither is mounted. */
int memcg_find(const char *mounts, const char *root, struct memcg_mount *out);

/* The bytes the simulated machine of m leaves to user pages: its MemAvailable when nothing runs
 * (free memory less the reserves its watermarks keep, si_mem_available), which is where the
 * simulated kernel starts to reclaim them. The cgroup's limit is this, plus the agents' own
 * memory (memcg_account_agent). 0, or VML_E* with msg. */
int memcg_budget(const struct vml_machine_cfg *m, uint64_t *bytes, char *msg);

/* Creates the run's cgroup (vmlab-PID under the controller's root) with limit bytes, and
 * registers the undo with the settings journal. 0, or an errno with msg (root needed). */
int memcg_create(uint64_t limit, char *msg);

/* The same under a given controller mount (a test's imitation of one). */
int memcg_create_in(const struct memcg_mount *mnt, uint64_t limit, char *msg);

/* Whether the run has a cgroup. */
bool memcg_active(void);

/* The run's confinement cgroup (memcg=on) and its controller's mount, when it has one: the
 * scenario's own cgroups go inside it (host/cgroups.h). dir gets n bytes at most. */
bool memcg_where(struct memcg_mount *mnt, char *dir, size_t n);

/* In a new agent, before it touches memory: moves the calling process into the cgroup. */
int memcg_enter(void);
/* The signals a run's undo handles (INT, TERM, HUP, QUIT, PIPE) blocked, the old mask in *old:
 * around a step the undo must see whole. */
void host_block_signals(sigset_t *old);
/* Writes text to dir/file as the shell's echo TEXT > FILE does (O_CREAT | O_TRUNC: a control file
 * takes it as a write; in a directory that imitates one, a test reads it back): 0 or an errno.
 * Async-signal-safe. */
int host_put(const char *dir, const char *file, const char *text);
/* Whether the space- or newline-separated words of text hold word (cgroup.controllers,
 * cgroup.subtree_control). */
bool host_has_word(const char *text, const char *word);

/* The cgroup's charge now, bytes (0 without one). */
uint64_t memcg_usage(void);

/* Adds bytes to the limit: a new agent's own memory (its runtime, charged while it set itself
 * up), which the simulated machine's processes do not have. 0, or an errno. */
int memcg_account_agent(uint64_t bytes);

/* memory.swappiness of the cgroup (v1) for vm.swappiness=value: a v1 cgroup takes its
 * swappiness from its parent when created and keeps its own afterwards, so a scenario's
 * vm.swappiness must be written here too (mem_cgroup_swappiness). On v2 the kernel uses
 * vm.swappiness itself: nothing to write. 0, or an errno with msg. */
int memcg_swappiness(unsigned value, char *msg);

/* Removes what a vmlab run killed by SIGKILL left behind (its swap files, on; its empty
 * cgroups, vmlab-PID and vmlab-run-PID, with the scenario's cgroups inside them): only those
 * whose vmlab process is gone. Each is reported in notes. */
void pressure_reap_stale(struct vml_text *notes);

/* The swap areas enabled now that are not the run's, as "path, path" in list (n bytes); how
 * many. */
unsigned swap_foreign(char *list, size_t n);

/* A temporary swap file of size bytes for the scenario's swap area name ("" for the machine
 * line's swap=) in $TMPDIR or /var/tmp, on a file system that can hold swap files; its header
 * written as mkswap writes it (version 1, SWAPSPACE2), enabled with swapon(2) at prio (-1: the
 * kernel's choice). Refused while other swap areas are on (the comparison would be invalid).
 * 0, or an errno with msg. */
int swap_add(const char *name, uint64_t size, int prio, char *msg);

/* swapoff(2) and unlink of the swap area name. 0, or an errno with msg. */
int swap_remove(const char *name, char *msg);

/* Undoes everything above, and the scenario's cgroups first (cgroups_undo, host/cgroups.h:
 * they may be inside the confinement cgroup); async-signal-safe (the signal handler runs it). */
void host_pressure_undo(void);

#endif
