/* cli/progress.c: the progress line of long commands (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SHOW_AFTER 1.0 /* seconds of work before the first line */
#define REDRAW     0.2 /* seconds between lines */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* n with a K/M/G multiplier and one decimal ("12.5 M"), or as is below 10,000. */
static void human(char *buf, size_t len, double n)
{
    static const char *const mult[] = { "K", "M", "G", "T" };
    if (n < 10000) {
        snprintf(buf, len, "%.0f", n);
        return;
    }
    unsigned k = 0;
    n /= 1000;
    while (n >= 1000 && k < 3) {
        n /= 1000;
        k++;
    }
    snprintf(buf, len, "%.1f %s", n, mult[k]);
}

void cli_progress_format(char *buf, size_t len, const char *what, const char *unit, uint64_t done,
                         uint64_t total, double elapsed)
{
    char d[32], r[32];
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    human(d, sizeof(d), (double)done);
    human(r, sizeof(r), rate);
    int n = snprintf(buf, len, "%s: %s %s, %s/s", what, d, unit, r);
    if (n < 0 || (size_t)n >= len || !total)
        return;
    unsigned pct = done >= total ? 100u : (unsigned)((double)done * 100.0 / (double)total);
    if (rate > 0 && done < total) {
        unsigned long eta = (unsigned long)((double)(total - done) / rate + 0.5);
        snprintf(buf + n, len - (size_t)n, ", %u%%, ETA %lu:%02lu", pct, eta / 60, eta % 60);
    } else {
        snprintf(buf + n, len - (size_t)n, ", %u%%", pct);
    }
}

void cli_progress_start(struct cli_progress *p, const char *what, const char *unit, uint64_t total,
                        bool quiet)
{
    p->on = !quiet && isatty(STDERR_FILENO);
    p->drawn = false;
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->start = p->on ? now() : 0;
    /* VMLAB_PROGRESS_AFTER=SECONDS changes the one-second delay (tests use 0). */
    const char *after = getenv("VMLAB_PROGRESS_AFTER");
    char *end;
    double a = after ? strtod(after, &end) : SHOW_AFTER;
    if (!after || end == after || *end || a < 0)
        a = SHOW_AFTER;
    p->next = p->start + a;
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
    if (!p->on)
        return;
    double t = now();
    if (t < p->next)
        return;
    p->next = t + REDRAW;
    char line[160];
    cli_progress_format(line, sizeof(line), p->what, p->unit, done, p->total, t - p->start);
    /* \r and erase-to-end-of-line: a shorter line leaves nothing of the longer one before it. */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
