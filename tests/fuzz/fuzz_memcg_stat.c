/* fuzz_memcg_stat.c: libFuzzer harness for the memory.stat parser, vml_proc_parse_memcg_stat
 * (v1 and v2 keys). Any bytes: no crash, leak or hang. An error names a line and column inside
 * the text and leaves no figure; a success has a bit of ->have for every known key and only for
 * those, each figure the value of the key's one line (checked by a second, naive reading of the
 * text), and a zero for every key not seen. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct vml_memcg_stat st;
    struct vml_diag d = { 0 };
    int r = vml_proc_parse_memcg_stat(text, size, &st, &d);
    if (r != 0) {
        size_t lines = 1;
        for (size_t i = 0; i < size; i++)
            lines += data[i] == '\n';
        if (r != VML_EPARSE || d.line == 0 || d.line > lines || d.col == 0 || !d.msg[0] || st.have)
            abort();
        for (int k = 0; k < VML_MCS_N; k++)
            if (st.v[k])
                abort();
        return 0;
    }
    /* A successful parse: every line is "KEY VALUE"; find each known key's line again. */
    uint64_t seen = 0;
    for (size_t p = 0; p < size;) {
        const char *ls = text + p, *nl = memchr(ls, '\n', size - p);
        size_t n = nl ? (size_t)(nl - ls) : size - p;
        const char *sp = memchr(ls, ' ', n);
        if (!sp)
            abort(); /* the parser took a line without a space */
        size_t kl = (size_t)(sp - ls);
        uint64_t v = 0;
        for (const char *q = sp + 1; q < ls + n; q++)
            v = v * 10 + (uint64_t)(*q - '0');
        for (int k = 0; k < VML_MCS_N; k++) {
            const char *name = vml_memcg_stat_name((enum vml_memcg_stat_key)k);
            if (strlen(name) == kl && memcmp(name, ls, kl) == 0) {
                if ((seen >> k) & 1u || st.v[k] != v)
                    abort(); /* twice (the parser must refuse it), or another value */
                seen |= 1ull << k;
            }
        }
        p += n + 1;
    }
    if (seen != st.have)
        abort();
    for (int k = 0; k < VML_MCS_N; k++)
        if (!((seen >> k) & 1u) && st.v[k])
            abort();
    return 0;
}
