/* fuzz_numa.c: libFuzzer harness for the NUMA parsers: /proc/PID/numa_maps
 * (vml_proc_parse_numa_maps) when the first byte is even, nodeN/meminfo line by line
 * (vml_proc_parse_node_meminfo_lines) when it is odd; the rest is the file's text.
 * Properties: no crash, leak or hang; an error names a line and a column inside the text;
 * what parses is a fixpoint of format -> parse -> format (numa_maps through
 * vml_proc_format_numa_map, node meminfo as "Node N Key: value[ kB]" lines), and a record's
 * node numbers are below VML_NUMA_MAX_NODES, given once each. */
#include "vmlab/vmlab.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_diag(int r, const struct vml_diag *d, size_t len)
{
    if (r == VML_EPARSE && (d->line == 0 || d->col == 0 || d->msg[0] == '\0' || d->line > len + 1))
        abort();
    if (r != 0 && r != VML_EPARSE)
        abort();
}

static int emit_map(const struct vml_numa_map *m, void *ctx)
{
    bool seen[VML_NUMA_MAX_NODES] = { false };
    for (unsigned i = 0; i < m->nnodes; i++) {
        if (m->nodes[i].node >= VML_NUMA_MAX_NODES || seen[m->nodes[i].node])
            abort();
        seen[m->nodes[i].node] = true;
    }
    if (memchr(m->policy, 0, sizeof(m->policy)) == NULL)
        abort();
    return vml_proc_format_numa_map(m, ctx);
}

struct lines {
    struct vml_text *out;
    unsigned node;
};

static int emit_line(const char *key, size_t keylen, uint64_t value, bool kb, void *ctx)
{
    struct lines *l = ctx;
    vml_text_printf(l->out, "Node %u %.*s: %" PRIu64 "%s\n", l->node, (int)keylen, key, value,
                    kb ? " kB" : "");
    return 0;
}

/* Parses text with parser k into formatted text; returns the parser's result. */
static int reformat(unsigned k, const char *text, size_t len, struct vml_text *out,
                    struct vml_diag *d)
{
    if (k == 0)
        return vml_proc_parse_numa_maps(text, len, emit_map, out, d);
    /* The node number is known only at the end: a first pass for it, a second to print. */
    unsigned node;
    struct vml_text scratch = { 0 };
    struct lines l = { &scratch, 0 };
    int r = vml_proc_parse_node_meminfo_lines(text, len, &node, emit_line, &l, d);
    vml_text_free(&scratch);
    if (r)
        return r;
    l.out = out;
    l.node = node;
    return vml_proc_parse_node_meminfo_lines(text, len, &node, emit_line, &l, d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned k = data[0] % 2;
    const char *text = (const char *)data + 1;
    struct vml_text first = { 0 }, second = { 0 };
    struct vml_diag d = { 0 };
    int r = reformat(k, text, size - 1, &first, &d);
    check_diag(r, &d, size);
    if (r == 0 && !first.oom) {
        memset(&d, 0, sizeof(d));
        if (reformat(k, first.s ? first.s : "", first.len, &second, &d) != 0)
            abort(); /* what vmlab wrote, vmlab must read */
        if (first.len != second.len || (first.len && memcmp(first.s, second.s, first.len) != 0))
            abort();
    }
    vml_text_free(&first);
    vml_text_free(&second);
    return 0;
}
