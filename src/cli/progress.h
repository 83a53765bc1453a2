/* cli/progress.h: a progress line on standard error for long work (records/s, percent and ETA
 * when the total is known). Shown only when standard error is a terminal and not quiet; the
 * line is redrawn at most four times a second and erased at the end. */
#ifndef VMLAB_CLI_PROGRESS_H
#define VMLAB_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct cli_progress {
    bool on;
    const char *what; /* e.g. "mrc" */
    uint64_t total;   /* 0: unknown */
    double start, last;
    bool drawn;
};

/* Starts; on is false (nothing drawn) when quiet or standard error is not a terminal. */
void cli_progress_start(struct cli_progress *p, const char *what, uint64_t total, bool quiet);
/* done records so far: redraws when a quarter second has passed. */
void cli_progress_update(struct cli_progress *p, uint64_t done);
/* Erases the line. */
void cli_progress_end(struct cli_progress *p);

#endif
