/* cli/progress.c: the progress line (see progress.h). */
#include "cli/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_progress_start(struct cli_progress *p, const char *what, uint64_t total, bool quiet)
{
    p->on = !quiet && isatty(STDERR_FILENO);
    p->what = what;
    p->total = total;
    p->start = p->last = seconds();
    p->drawn = false;
}

/* 12345678 -> "12.3 M" */
static void human(double v, char *buf, size_t len)
{
    if (v >= 1e9)
        snprintf(buf, len, "%.1f G", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, len, "%.1f M", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, len, "%.1f k", v / 1e3);
    else
        snprintf(buf, len, "%.0f ", v);
}

void cli_progress_update(struct cli_progress *p, uint64_t done)
{
    if (!p->on)
        return;
    double t = seconds();
    if (t - p->last < 0.25)
        return;
    p->last = t;
    double rate = (double)done / (t - p->start);
    char n[32], r[32], line[160];
    human((double)done, n, sizeof(n));
    human(rate, r, sizeof(r));
    int k = snprintf(line, sizeof(line), "%s: %srecords, %srecords/s", p->what, n, r);
    if (p->total && done <= p->total && k > 0 && (size_t)k < sizeof(line)) {
        double eta = rate > 0 ? (double)(p->total - done) / rate : 0;
        snprintf(line + k, sizeof(line) - (size_t)k, ", %.0f%%, ETA %.0f s",
                 100.0 * (double)done / (double)p->total, eta);
    }
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_end(struct cli_progress *p)
{
    if (p->on && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
