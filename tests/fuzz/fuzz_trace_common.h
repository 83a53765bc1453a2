/* fuzz_trace_common.h: what every trace reader harness checks (included by fuzz_trace_*.c).
 *
 * The input is read from memory as one format, in batch sizes taken from the input so that
 * records held back between calls (lackey M lines, ChampSim instructions) are exercised.
 * With VML_TRACE_AUTO the format is detected first (any format may result).
 * Properties: no crash, leak or hang; records have a valid kind and a zero pad; an error is
 * EPARSE or EHOST with a message and the input's name, a line and column for text formats and
 * a byte offset for binary ones, and it is sticky. Compressed inputs (zstd, xz, gzip) take the
 * same path after decompression; at most FUZZ_MAX_RECORDS are read (decompression bombs).
 */
#ifndef VMLAB_FUZZ_TRACE_COMMON_H
#define VMLAB_FUZZ_TRACE_COMMON_H

#include "vmlab/trace.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_RECORDS (1u << 20)

struct fuzz_result {
    struct vml_trace_rec *recs; /* the records read (FUZZ_MAX_RECORDS at most), malloc'd */
    size_t cap;                 /* records allocated */
    size_t n;                   /* how many */
    long err;                   /* 0, or the error that ended the reading (or the open) */
    struct vml_diag diag;       /* its diagnostic (file not kept: the reader is closed) */
    enum vml_trace_compress comp;
    uint64_t count; /* vml_trace_reader_count() */
};

static void fuzz_check_error(long err, const struct vml_diag *d, bool text)
{
    if (err != VML_EPARSE && err != VML_EHOST)
        abort();
    if (!d->msg[0] || !d->file || strcmp(d->file, "fuzz") != 0)
        abort();
    /* text formats give line and column; binary ones and decompression a byte offset;
     * detection says why it cannot tell the format */
    if (text && d->line > 0 && d->col == 0)
        abort();
    if (d->line == 0 && !strstr(d->msg, "byte") && !strstr(d->msg, "memory") &&
        !strstr(d->msg, "format"))
        abort();
}

static struct fuzz_result fuzz_read_all(const uint8_t *data, size_t size, enum vml_trace_format fmt,
                                        bool text)
{
    struct fuzz_result res = { 0 };
    struct vml_trace_reader *r;
    res.cap = 1024;
    res.recs = malloc(res.cap * sizeof(*res.recs));
    if (!res.recs)
        abort();
    int e = vml_trace_open_mem(data, size, "fuzz", fmt, &r, &res.diag);
    if (e) {
        fuzz_check_error(e, &res.diag, text);
        res.err = e;
        return res;
    }
    res.comp = vml_trace_reader_compress(r);
    res.count = vml_trace_reader_count(r);
    if (fmt != VML_TRACE_AUTO && vml_trace_reader_format(r) != fmt)
        abort();
    size_t batch = size ? (size_t)data[size / 2] % 9 + 1 : 1;
    while (res.n < FUZZ_MAX_RECORDS) {
        size_t ask = FUZZ_MAX_RECORDS - res.n < batch ? FUZZ_MAX_RECORDS - res.n : batch;
        while (res.cap - res.n < ask) {
            res.cap *= 2;
            res.recs = realloc(res.recs, res.cap * sizeof(*res.recs));
            if (!res.recs)
                abort();
        }
        long got = vml_trace_read(r, res.recs + res.n, ask, &res.diag);
        if (got < 0) {
            fuzz_check_error(got, &res.diag, text);
            struct vml_diag again = { 0 };
            if (vml_trace_read(r, res.recs, 1, &again) != got ||
                strcmp(again.msg, res.diag.msg) != 0 || again.line != res.diag.line)
                abort(); /* errors are sticky */
            res.err = got;
            break;
        }
        if (got == 0)
            break;
        for (long i = 0; i < got; i++) {
            const struct vml_trace_rec *x = &res.recs[res.n + (size_t)i];
            if (x->kind > VML_EXEC || x->pad != 0)
                abort();
        }
        if ((size_t)got > ask)
            abort();
        res.n += (size_t)got;
        batch = batch * 7 % 4099 + 1;
    }
    vml_trace_close(r);
    res.diag.file = NULL;
    return res;
}

#endif
