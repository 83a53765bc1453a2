/* explain.h: what a scenario's operations made the simulated kernel and hardware do, in plain
 * sentences (vmlab run --explain, docs/explain.md).
 *
 * The explainer reads the simulator's event stream (vml_sim_set_event_hook): every sentence
 * comes from an event, and every event is the act of counting a vmstat item (pgfault,
 * pgmajfault, pgreuse, thp_fault_alloc, thp_split_pmd, pswpout, pgscan/pgsteal, oom_kill,
 * pswpin, pgmigrate_*, thp_collapse_alloc, compact_*, pageoutrun, workingset_*, nr_written)
 * or the end of a piece of work the kernel does not count (fork's copy, a zap, mprotect), so
 * the sentences and the counters cannot disagree. It watches a run through vml_run_hooked.
 */
#ifndef VMLAB_EXPLAIN_H
#define VMLAB_EXPLAIN_H

#include "vmlab/run.h"

enum vml_explain_mode {
    VML_EXPLAIN_FULL,  /* sentences per event, the first few of a kind per operation */
    VML_EXPLAIN_ALL,   /* sentences for every event */
    VML_EXPLAIN_BRIEF, /* one line per operation */
};

/* What the explainer has said so far, by kind (for tests and summaries). */
struct vml_explain_tally {
    uint64_t ev[VML_EV_NR]; /* events of each kind */
    uint64_t faults_by[VML_NR_ACCESS];
    uint64_t major;           /* major faults */
    uint64_t swapped_out;     /* pages (sum of VML_EV_SWAP_OUT n) */
    uint64_t scanned, stolen; /* reclaim: pages scanned, reclaimed */
    /* The kinds after VML_EV_OOM_KILL, summed field by field (include/vmlab/sim.h). */
    struct vml_explain_sum {
        uint64_t n, n2, n3, tables, flushes, shootdowns;
    } sum[VML_EV_NR];
};

struct vml_explain;

/* source (may be NULL): the scenario's text, whose lines head each operation's sentences. */
struct vml_explain *vml_explain_new(enum vml_explain_mode mode, const char *source);
void vml_explain_free(struct vml_explain *x);
/* The hooks to pass to vml_run_hooked (the explainer sets the machine's event hook at the
 * first operation and writes each operation's sentences to the run's output after it). */
void vml_explain_hooks(struct vml_explain *x, struct vml_run_hooks *h);
const struct vml_explain_tally *vml_explain_tally(const struct vml_explain *x);
/* The explainer's event hook (ctx: the explainer), for a caller that shares the machine's one
 * hook among several readers: it sets its own after the explainer's before_op. */
void vml_explain_event(void *x, const struct vml_event *e);
/* Parses "brief", "all" or "full" ("" or NULL: full); -1 when it is none of them. */
int vml_explain_mode_parse(const char *s, enum vml_explain_mode *mode);

#endif
