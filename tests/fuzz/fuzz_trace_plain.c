/* fuzz_trace_plain.c: libFuzzer harness for the plain "<hexaddr> <R|W>" reader (properties in
 * fuzz_trace_common.h). Plain records never carry a size or a cpu, and are never fetches. */
#include "fuzz_trace_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_result res = fuzz_read_all(data, size, VML_TRACE_PLAIN, true);
    for (size_t i = 0; i < res.n; i++)
        if (res.recs[i].size != 0 || res.recs[i].cpu != 0 || res.recs[i].kind == VML_EXEC)
            abort();
    free(res.recs);
    return 0;
}
