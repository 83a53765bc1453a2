/* fuzz_trace_champsim.c: libFuzzer harness for the ChampSim reader (properties in
 * fuzz_trace_common.h). Oracle for raw input: each 64-byte record yields its fetch (none when ip
 * is 0: vmlab's writer marks loads and stores without a fetch so) and one access per non-zero
 * memory slot, and a partial record at the end is the only error. */
#include "fuzz_trace_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_result res = fuzz_read_all(data, size, VML_TRACE_CHAMPSIM, false);
    if (res.comp == VML_TRACE_RAW && res.n < FUZZ_MAX_RECORDS) {
        size_t k = 0;
        for (size_t o = 0; o + 64 <= size; o += 64) {
            uint64_t ip = le64(data + o);
            if (ip) {
                if (k >= res.n || res.recs[k].kind != VML_EXEC || res.recs[k].addr != ip)
                    abort();
                k++;
            }
            for (int j = 0; j < 6; j++) {
                uint64_t a = le64(data + o + (j < 4 ? 32 + 8 * j : 16 + 8 * (j - 4)));
                if (!a)
                    continue;
                if (k >= res.n || res.recs[k].addr != a ||
                    res.recs[k].kind != (j < 4 ? VML_READ : VML_WRITE))
                    abort();
                k++;
            }
        }
        if (k != res.n || (size % 64 ? res.err != VML_EPARSE : res.err != 0))
            abort();
    }
    free(res.recs);
    return 0;
}
