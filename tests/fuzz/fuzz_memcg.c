/* fuzz_memcg.c: libFuzzer harness for the memory cgroup file parsers,
 * vml_proc_parse_memcg_kv (memory.events, memory.stat, memory.oom_control) and
 * vml_proc_parse_memcg_value (memory.max, memory.current ...). Any bytes: no crash, leak or
 * hang; an error names a line and column inside the text; every key handed to the callback
 * lies inside the input, is not empty and is followed by one space; a successful parse of the
 * whole input calls back once per line. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    const char *text;
    size_t size, calls;
};

static int check_kv(const char *key, size_t n, uint64_t v, void *p)
{
    struct ctx *c = p;
    (void)v;
    if (n == 0 || key < c->text || key + n >= c->text + c->size || key[n] != ' ')
        abort();
    c->calls++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct vml_diag d = { 0 };
    struct ctx c = { text, size, 0 };
    int r = vml_proc_parse_memcg_kv(text, size, check_kv, &c, &d);
    if (r != 0 && (r != VML_EPARSE || d.line == 0 || d.col == 0 || !d.msg[0]))
        abort();
    if (r == 0) {
        size_t lines = 0;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (size && data[size - 1] != '\n')
            lines++;
        if (c.calls != lines)
            abort();
    }
    uint64_t v;
    struct vml_diag d2 = { 0 };
    r = vml_proc_parse_memcg_value(text, size, &v, &d2);
    if (r != 0 && (r != VML_EPARSE || d2.line != 1 || d2.col == 0 || !d2.msg[0]))
        abort();
    return 0;
}
