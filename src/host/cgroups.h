/* host/cgroups.h: a scenario's memory cgroups on the real kernel (internal to host/;
 * docs/pressure.md, "Cgroup scenarios on Linux").
 *
 * The scenario names cgroups below its hierarchy's root ("box", "box/web"; "" the root). On
 * Linux they live under one parent cgroup of the run, R:
 *
 *   - with machine memcg=on, R is the run's confinement cgroup (vmlab-PID, host/pressure.c), so
 *     the machine's limit still holds every process the scenario moves;
 *   - otherwise R is vmlab-run-PID, made at the scenario's first cgroup statement under the
 *     memory controller's root (v1: /sys/fs/cgroup/memory, v2: the unified root).
 *
 * PATH maps to R/PATH, and "" to R itself. Everything made is removed when the run ends, newest
 * first, by host_pressure_undo (the settings journal's undo: also on SIGINT, SIGTERM, SIGHUP,
 * SIGQUIT and SIGPIPE); a process still in one then is killed first, as the confinement
 * cgroup's are. A run killed by SIGKILL leaves them to pressure_reap_stale.
 *
 * The limit files are written as a v2 kernel has them; on a v1 machine each is translated to
 * its v1 file where v1 has one, and refused with the reason where it has none
 * (cgroups_translate). One run per process, as for the rest of host/.
 */
#ifndef VMLAB_HOST_CGROUPS_H
#define VMLAB_HOST_CGROUPS_H

#include "host/pressure.h"
#include "vmlab/base.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGROUPS_MAX  64  /* cgroups a run may make (the simulator has 63) */
#define CGROUPS_MSG  200 /* msg buffers: at least this many bytes (VML_BACKEND_MSG) */
#define CGROUPS_PAGE 4096u

/* v1 prints "no limit" as PAGE_COUNTER_MAX pages in bytes (LONG_MAX rounded down to a page). */
#define CGROUPS_V1_UNLIMITED 0x7ffffffffffff000ull

/* One file write of a translated set: value written to file (in the cgroup's directory). */
struct cgroups_write {
    char file[40];
    char value[32];
};

/* What a v1 cgroup's limits are, for the translation (bytes; CGROUPS_V1_UNLIMITED for none):
 * mem is memory.limit_in_bytes as the kernel holds it; swap is the swap room the scenario
 * gave with memory.swap.max (unlimited when it gave none), which v1 holds as
 * memory.memsw.limit_in_bytes = mem + swap; memsw is that file's value now. */
struct cgroups_v1_limits {
    uint64_t mem, swap, memsw;
    bool have_memsw; /* the kernel accounts swap (memory.memsw.* files exist) */
};

/* A cgroup size as page_counter_memparse reads it: "max" (not with no_max) or a decimal
 * number with an optional K, M, G, T, P or E suffix (binary, either case), in bytes; v1's "-1"
 * is "max" too. 0, or VML_EINVAL. */
int cgroups_parse_size(const char *value, bool no_max, uint64_t *bytes, bool *max);

/* The writes that make a scenario's `set` of v2 file to value on a v1 machine, in the order
 * they must be made (v1 refuses memory.limit_in_bytes above memory.memsw.limit_in_bytes, and
 * the reverse), given the cgroup's limits now, which it updates to what the writes leave.
 * file is a v2 file (memory.max ...) or v1's memory.limit_in_bytes. Returns how many writes
 * (0..2) or VML_EINVAL with msg naming why v1 cannot express it. */
int cgroups_translate(const char *file, const char *value, struct cgroups_v1_limits *lim,
                      struct cgroups_write w[2], char *msg);

/* The v1 file that gives the v2 file's figure, for show cgroup on a v1 machine: NULL with msg
 * when there is none. *derived says the figure is computed (memory.swap.current: memsw usage
 * less memory usage; memory.swap.max: memsw limit less memory limit). */
const char *cgroups_v1_source(const char *file, bool *derived, char *msg);

/* Whether a scenario's cgroup path is one vmlab makes: components of [A-Za-z0-9_.-] that are
 * not "." or "..", separated by single slashes, at most 100 bytes; "" is the root. */
bool cgroups_path_ok(const char *path);

/* Uses mnt's hierarchy and parent as R (NULL: vmlab-run-PID under mnt->dir, made now) from
 * here on: a test's imitation of a mount passes its own. Does nothing once begun. 0, or
 * VML_E* with msg. */
int cgroups_begin_in(const struct memcg_mount *mnt, const char *parent, char *msg);

/* The directory of the scenario's cgroup path (R/path), into buf (n bytes); 0 or VML_EINVAL. */
int cgroups_dir(const char *path, char *buf, size_t n);

/* The backend's operations (vmlab/run.h: cgroup_create, cgroup_attach, cgroup_text, and set
 * of a /sys/fs/cgroup/ path). The first one begins the run's hierarchy on the machine's
 * memory controller (root needed). 0, or VML_E* with msg. */
int cgroups_create(const char *path, char *msg);
int cgroups_attach(int pid, const char *path, char *msg);
int cgroups_set(const char *abspath, const char *value, struct vml_text *notes, char *msg);
int cgroups_text(const char *path, const char *file, bool v1, struct vml_text *out, char *msg);

/* Why a cgroup file's field cannot be held to the scenario's figure on Linux, or NULL when it
 * can. file is the cgroup file (memory.current, memory.events ...), field its key ("" for a
 * one-value file). */
const char *cgroups_why_unchecked(const char *file, const char *field);

/* Removes every cgroup the run made, newest first, killing what is still in one; async-signal-
 * safe (host_pressure_undo runs it, before the confinement cgroup is removed). */
void cgroups_undo(void);

#endif
