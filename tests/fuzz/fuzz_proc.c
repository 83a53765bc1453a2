/* fuzz_proc.c: libFuzzer harness for the /proc parsers. The first byte picks the parser, the
 * rest is the file's text. Properties: no crash, leak or hang; an error carries a line and a
 * column; whatever parses is a fixpoint of format -> parse -> format (the second text equals
 * the first). */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diag(int r, const struct vml_diag *d)
{
    if (r == VML_EPARSE && (d->line == 0 || d->col == 0 || d->msg[0] == '\0'))
        abort();
    if (r != 0 && r != VML_EPARSE)
        abort();
}

static void same(const struct vml_text *a, const struct vml_text *b)
{
    if (a->len != b->len || (a->len && memcmp(a->s, b->s, a->len) != 0))
        abort();
}

static int emit_header(const struct vml_vma_header *h, void *ctx)
{
    return vml_proc_format_maps_line(h, ctx);
}

static int emit_smaps(const struct vml_smaps *s, void *ctx)
{
    return vml_proc_format_smaps(s, ctx);
}

/* Parses text with parser k into formatted text; returns the parser's result. */
static int reformat(unsigned k, const char *text, size_t len, struct vml_text *out,
                    struct vml_diag *d)
{
    struct vml_meminfo m;
    struct vml_status_mem st;
    struct vml_statm sm;
    struct vml_smaps_counts c;
    struct vml_vmstat vs;
    struct vml_node_meminfo nm;
    struct vml_numastat ns;
    unsigned node;
    uint64_t a, b;
    int r;
    switch (k) {
    case 0:
        if ((r = vml_proc_parse_meminfo(text, len, &m, d)) == 0)
            vml_proc_format_meminfo(&m, out);
        return r;
    case 1:
        if ((r = vml_proc_parse_status_mem(text, len, &st, d)) == 0)
            vml_proc_format_status_mem(&st, out);
        return r;
    case 2:
        if ((r = vml_proc_parse_statm(text, len, &sm, d)) == 0)
            vml_proc_format_statm(&sm, out);
        return r;
    case 3: return vml_proc_parse_maps(text, len, emit_header, out, d);
    case 4: return vml_proc_parse_smaps(text, len, emit_smaps, out, d);
    case 5:
        if ((r = vml_proc_parse_vmstat(text, len, &vs, d)) == 0)
            vml_proc_format_vmstat(&vs, out);
        return r;
    case 7:
        if ((r = vml_proc_parse_node_meminfo(text, len, &node, &nm, d)) == 0)
            vml_proc_format_node_meminfo(node, &nm, out);
        return r;
    case 8:
        if ((r = vml_proc_parse_numastat(text, len, &ns, d)) == 0)
            vml_proc_format_numastat(&ns, out);
        return r;
    default:
        if ((r = vml_proc_parse_smaps_rollup(text, len, &a, &b, &c, d)) == 0)
            vml_proc_format_smaps_rollup(a, b, &c, out);
        return r;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned k = data[0] % 9;
    const char *text = (const char *)data + 1;
    struct vml_text first = { 0 }, second = { 0 };
    struct vml_diag d = { 0 };
    int r = reformat(k, text, size - 1, &first, &d);
    check_diag(r, &d);
    if (r == 0 && !first.oom) {
        memset(&d, 0, sizeof(d));
        if (reformat(k, first.s ? first.s : "", first.len, &second, &d) != 0)
            abort(); /* what vmlab wrote, vmlab must read */
        same(&first, &second);
    }
    vml_text_free(&first);
    vml_text_free(&second);
    return 0;
}
