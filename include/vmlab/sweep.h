/* sweep.h: a grid of replays (vmlab sweep): the spec file and its points.
 *
 * A spec names values along axes; the sweep is every combination, one replay each:
 *
 *   # 2 traces x 3 CPUs x 2 page policies = 12 points
 *   trace   gen:random:footprint=1G,count=1M,seed=1  traces/mcf.vmt.zst
 *   cpu     skylake zen4 skylake:stlb=2048x16
 *   pages   4k thp:always
 *   paging  4
 *   option  --cpus 1
 *
 *   trace   a trace file (relative to the spec's directory) or a gen: generator; any number
 *   cpu     a CPU spec as --cpu takes it (vmlab cpu list); default skylake
 *   pages   4k, 2m, 1g (hugetlb pages), or thp:always, thp:madvise, thp:never (4 KiB pages with
 *           transparent huge pages); default 4k
 *   paging  4 or 5; default 4
 *   option  replay options every point gets: --cpus N, --ram SIZE, --zero-page on|off,
 *           --limit N, --format F (each checked here as replay checks it)
 *
 * A key may repeat (its values add up); a value with spaces is written in double quotes. Points
 * are numbered from 0 in the order trace, cpu, pages, paging (the last changes fastest).
 */
#ifndef VMLAB_SWEEP_H
#define VMLAB_SWEEP_H

#include "vmlab/base.h"

enum vml_sweep_axis {
    VML_SWEEP_TRACE,
    VML_SWEEP_CPU,
    VML_SWEEP_PAGES,
    VML_SWEEP_PAGING,
    VML_SWEEP_NR_AXES
};

struct vml_sweep;

/* Parses a spec held in text[0..len) (name for diagnostics). VML_EPARSE with diag->line and
 * diag->col at the offending word and a message saying what is accepted; VML_EHOST. A sweep
 * without a trace is an error; so is one of more than 1,000,000 points. */
int vml_sweep_parse(const char *text, size_t len, const char *name, struct vml_sweep **out,
                    struct vml_diag *diag);
void vml_sweep_free(struct vml_sweep *s); /* accepts NULL */

/* The axis names ("trace", "cpu", "pages", "paging"). */
const char *vml_sweep_axis_name(enum vml_sweep_axis a);
/* Points in the sweep; values on an axis. */
uint64_t vml_sweep_points(const struct vml_sweep *s);
size_t vml_sweep_values(const struct vml_sweep *s, enum vml_sweep_axis a);

/* Point p's value on each axis (borrowed from s). */
struct vml_sweep_point {
    const char *value[VML_SWEEP_NR_AXES];
};
void vml_sweep_point(const struct vml_sweep *s, uint64_t p, struct vml_sweep_point *out);

/* The replay arguments of point p after "vmlab replay": TRACE, --cpu, --paging, --pages or --thp,
 * then the option lines' words, NULL-terminated; argv has room for vml_sweep_argc(s) + 1. */
size_t vml_sweep_argc(const struct vml_sweep *s);
void vml_sweep_argv(const struct vml_sweep *s, uint64_t p, const char **argv);

#endif
