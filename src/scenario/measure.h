/* scenario/measure.h: measuring each operation of a run (VML_RUN_MEASURE).
 *
 * A measuring backend wraps the real one: every call that acts for the scenario is bracketed by
 * readings of the acting process's fault counters and of the settled meminfo, so that what the
 * executor does between calls (its own allocations, reading /proc for show and expect) is never
 * inside a window. The executor opens a record per operation (measure_begin) and closes it
 * (measure_end); the calls in between add up.
 */
#ifndef VMLAB_SCENARIO_MEASURE_H
#define VMLAB_SCENARIO_MEASURE_H

#include "vmlab/run.h"
#include "vmlab/sim.h"

struct measure;

/* A measuring backend *proxy around inner (which stays the caller's). VML_EHOST. */
int measure_wrap(struct vml_backend *inner, struct measure **m, struct vml_backend *proxy);
void measure_free(struct measure *m);

/* Each of the machine's nodes' MemFree in pages (node_text's meminfo), for nodes in
 * 2..VML_MAX_NODES: 0, or the backend's error (VML_EINVAL when a node's has no MemFree). And
 * the pages of the per-CPU lists of each node's zones (/proc/zoneinfo), *pcp_ok when read. */
int measure_node_free(struct vml_backend *b, unsigned nodes, int64_t free_pages[VML_MAX_NODES],
                      int64_t pcp[VML_MAX_NODES], bool *pcp_ok);

/* Starts the record of the operation at line, described by what ("a touch buf"). */
void measure_begin(struct measure *m, unsigned line, const char *what);
/* Ends it and fills rec. */
void measure_end(struct measure *m, struct vml_snap_op *rec);

#endif
