/* fuzz_trace_gen.c: libFuzzer harness for generator specs and a short generated read.
 *
 * The input up to its first NUL is a spec. A spec that parses must open, yield records inside
 * [base, base + footprint) of the given size (at most 2000 are read), and format to a spec
 * that parses back to the same config; a spec that fails has a message and a column inside it
 * (or just past its end).
 */
#include "vmlab/trace.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct vml_gen_config *a, const struct vml_gen_config *b)
{
    return a->pattern == b->pattern && a->base == b->base && a->footprint == b->footprint &&
           a->count == b->count && a->stride == b->stride && a->seed == b->seed &&
           a->write_permille == b->write_permille && a->size == b->size &&
           a->zipf_milli == b->zipf_milli;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = 0;
    struct vml_gen_config c, back;
    struct vml_diag d = { 0 };
    if (vml_gen_parse(spec, &c, &d) != 0) {
        if (d.line != 1 || d.col == 0 || d.col > strlen(spec) + 1 || !d.msg[0])
            abort();
        free(spec);
        return 0;
    }
    char buf[256];
    vml_gen_format(&c, buf, sizeof(buf));
    if (vml_gen_parse(buf, &back, &d) != 0 || !same(&c, &back))
        abort();
    if (c.count > 2000)
        c.count = 2000;
    struct vml_trace_reader *r;
    if (vml_trace_open_gen(&c, &r, &d) != 0)
        abort(); /* the parser checked everything open_gen checks */
    static struct vml_trace_rec out[512];
    uint64_t total = 0;
    long n;
    while ((n = vml_trace_read(r, out, 1 + total % 511, &d)) > 0) {
        for (long i = 0; i < n; i++)
            if (out[i].addr < c.base || out[i].addr - c.base > c.footprint - c.size ||
                out[i].size != c.size || out[i].kind > VML_WRITE)
                abort();
        total += (uint64_t)n;
    }
    if (n != 0 || total != c.count)
        abort();
    vml_trace_close(r);
    free(spec);
    return 0;
}
