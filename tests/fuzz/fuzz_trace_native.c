/* fuzz_trace_native.c: libFuzzer harness for the native reader (properties in
 * fuzz_trace_common.h). A trace that reads to its end without error holds exactly the records
 * its header announced, when it announced any; a raw one has 8-byte words after the header.
 * The same bytes then go through format detection (VML_TRACE_AUTO) and whatever it picks. */
#include "fuzz_trace_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_result res = fuzz_read_all(data, size, VML_TRACE_NATIVE, false);
    if (res.err == 0 && res.n < FUZZ_MAX_RECORDS) {
        if (res.count && res.count != res.n)
            abort();
        if (res.comp == VML_TRACE_RAW && size % 8 != 0)
            abort();
    }
    free(res.recs);
    res = fuzz_read_all(data, size, VML_TRACE_AUTO, true);
    free(res.recs);
    return 0;
}
