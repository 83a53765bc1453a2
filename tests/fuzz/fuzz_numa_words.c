/* fuzz_numa_words.c: libFuzzer harness for the NUMA words (vml_list_parse, vml_mpol_parse).
 * Properties: never crash; an error names a column inside the input or just past it, with a
 * message; a list parsed sets no bit at or above its limit; a policy's nodes are below
 * VML_MAX_NODES and its flags at most one of static and relative. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct vml_diag d = { 0 };
    uint64_t m[4];
    unsigned max = size ? 1u + data[0] % 200u : 8u;
    if (vml_list_parse(s, size, max, "CPU", m, &d) != 0) {
        if (d.col == 0 || d.col > size + 1 || d.msg[0] == '\0')
            abort();
    } else {
        for (unsigned k = max; k < 256; k++)
            if (k / 64 < (max + 63) / 64 && (m[k / 64] >> (k % 64) & 1))
                abort();
    }
    memset(&d, 0, sizeof(d));
    struct vml_mpol p;
    if (vml_mpol_parse(s, size, &p, &d) != 0) {
        if (d.col == 0 || d.col > size + 1 || d.msg[0] == '\0')
            abort();
    } else if (p.mode >= VML_MPOL_NR_MODES || (p.nodes >> VML_MAX_NODES) != 0 ||
               p.flags == (VML_MPOL_F_STATIC_NODES | VML_MPOL_F_RELATIVE_NODES)) {
        abort();
    }
    return 0;
}
