/* cli/explorer.h: vmlab run --html: the run as one self-contained HTML page with a step slider
 * (docs/explain.md), and the watcher that feeds it and the explainer from one event hook. */
#ifndef VMLAB_CLI_EXPLORER_H
#define VMLAB_CLI_EXPLORER_H

#include "vmlab/vmlab.h"

struct cli_explorer;

/* src: the scenario's text (may be NULL). */
struct cli_explorer *cli_explorer_new(const struct vml_scenario *s, const char *src);
void cli_explorer_free(struct cli_explorer *e); /* accepts NULL */
/* vmlab diff --html: adds the two sides' measurements (per operation, by line, and per
 * process) and diff's table to the page, beside the simulator's steps. */
void cli_explorer_diff(struct cli_explorer *e, const struct vml_snapshot *sim,
                       const struct vml_snapshot *real, const char *table);
/* Writes the page; 0 or -1 (errno set). */
int cli_explorer_write(const struct cli_explorer *e, const char *path);

/* Drives an explainer (x) and an explorer (e), either NULL, from one run. */
struct cli_watch {
    struct vml_explain *x;
    struct cli_explorer *e;
};
void cli_watch_hooks(struct cli_watch *w, struct vml_run_hooks *h);

#endif
