/* bench_trace.h: a generator's trace as native bytes in memory, the input bench_replay and
 * bench_mrc time (the trace is written once through the library's own writer, so what is timed
 * reads exactly what `vmlab trace record` would have written). */
#ifndef VMLAB_BENCH_TRACE_H
#define VMLAB_BENCH_TRACE_H

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void bench_die(const char *what, const struct vml_diag *d)
{
    fprintf(stderr, "%s: %s\n", what, d ? d->msg : "failed");
    exit(1);
}

/* The native trace of generator spec (vml_gen_parse's syntax), malloc'ed; *len its size. */
static inline char *bench_native_of(const char *spec, size_t *len)
{
    enum { BATCH_RECS = 4096 };
    struct vml_gen_config g;
    struct vml_diag d = { 0 };
    if (vml_gen_parse(spec, &g, &d))
        bench_die(spec, &d);
    char path[] = "/tmp/vmlab-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        bench_die("mkstemp", NULL);
    struct vml_trace_reader *rd;
    struct vml_trace_writer *w;
    if (vml_trace_open_gen(&g, &rd, &d) || vml_trace_create(path, VML_TRACE_RAW, &w, &d))
        bench_die(spec, &d);
    struct vml_trace_rec *buf = malloc(BATCH_RECS * sizeof(*buf));
    if (!buf)
        bench_die("out of memory", NULL);
    long n;
    while ((n = vml_trace_read(rd, buf, BATCH_RECS, &d)) > 0)
        if (vml_trace_write(w, buf, (size_t)n, &d))
            bench_die("write", &d);
    if (n < 0 || vml_trace_finish(w, &d))
        bench_die("trace", &d);
    vml_trace_close(rd);
    free(buf);
    /* The writer renames its finished file over path: read the new file, not mkstemp's. */
    close(fd);
    FILE *f = fopen(path, "rb");
    if (!f)
        bench_die("reopen", NULL);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *data = malloc(*len);
    if (!data || fread(data, 1, *len, f) != *len)
        bench_die("read back", NULL);
    fclose(f);
    remove(path);
    return data;
}

#endif
