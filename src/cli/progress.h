/* cli/progress.h: a progress line on a terminal for long work (replay, trace record and convert).
 *
 * Shown on stderr only when stderr is a terminal and the user did not ask for --quiet; never
 * in a pipe or a log, so outputs stay byte-for-byte the same. The line appears after the work
 * has run for a second (short runs print nothing; VMLAB_PROGRESS_AFTER=SECONDS changes that), is
 * redrawn at most five times a second, and is erased by cli_progress_end, so what follows starts on
 * a clean line.
 */
#ifndef VMLAB_CLI_PROGRESS_H
#define VMLAB_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli_progress {
    bool on;          /* stderr is a terminal and not quiet */
    bool drawn;       /* a line is on the screen */
    const char *what; /* "replay", "trace record" ... */
    const char *unit; /* "records", "accesses" */
    uint64_t total;   /* 0: unknown (no percent, no ETA) */
    double start, next;
};

/* Starts tracking; total 0 when not known in advance. */
void cli_progress_start(struct cli_progress *p, const char *what, const char *unit, uint64_t total,
                        bool quiet);
/* Reports done units so far; cheap when nothing is to be drawn (one clock read). */
void cli_progress_update(struct cli_progress *p, uint64_t done);
/* Erases the line if one was drawn. */
void cli_progress_end(struct cli_progress *p);

/* The line itself, for tests: "replay: 12.5 M records, 3.1 M/s, 41%, ETA 0:07". */
void cli_progress_format(char *buf, size_t len, const char *what, const char *unit, uint64_t done,
                         uint64_t total, double elapsed);

#endif
