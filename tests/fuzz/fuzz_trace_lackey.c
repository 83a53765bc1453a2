/* fuzz_trace_lackey.c: libFuzzer harness for the lackey reader (fuzz_trace_common.h says what
 * every reader must do). Oracle: on uncompressed input, the records and the first error must be
 * what the careful parser (lackey_parse_line) gives line by line, so the SSE2 fast path can
 * never disagree with the grammar. */
#include "fuzz_trace_common.h"
#include "trace/trace_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_result res = fuzz_read_all(data, size, VML_TRACE_LACKEY, true);
    if (res.comp == VML_TRACE_RAW && res.n < FUZZ_MAX_RECORDS) {
        size_t k = 0, pos = 0;
        unsigned line = 0;
        int bad = 0;
        while (pos < size) {
            const uint8_t *nl = memchr(data + pos, '\n', size - pos);
            size_t end = nl ? (size_t)(nl - data) : size;
            struct vml_trace_rec two[2];
            unsigned col = 0;
            char msg[256];
            line++;
            int c = lackey_parse_line(data + pos, end - pos, two, &col, msg, sizeof(msg));
            if (c < 0) {
                if (res.err != VML_EPARSE || res.diag.line != line || res.diag.col != col ||
                    strcmp(res.diag.msg, msg) != 0)
                    abort();
                bad = 1;
                break;
            }
            for (int j = 0; j < c; j++, k++)
                if (k >= res.n || memcmp(&res.recs[k], &two[j], sizeof(two[j])) != 0)
                    abort();
            pos = end + 1;
        }
        if (k != res.n || (!bad && res.err != 0))
            abort();
    }
    free(res.recs);
    return 0;
}
