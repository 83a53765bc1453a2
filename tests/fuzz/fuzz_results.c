/* fuzz_results.c: libFuzzer harness for vml_results_parse (vmlab diff --linux-results). Any
 * bytes: no crash, leak or hang; an error names a line and column; a file it accepts is written
 * back by vml_results_format to the very bytes it parsed from after one round trip (the format
 * has one spelling per record), and the strings come out NUL-terminated. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_diag d = { 0 };
    struct vml_linux_results r;
    int e = vml_results_parse((const char *)data, size, &r, &d);
    if (e != 0 && e != VML_EHOST && (e != VML_EPARSE || d.line == 0 || d.col == 0 || !d.msg[0]))
        abort();
    if (e == 0) {
        if (!memchr(r.scenario, 0, sizeof(r.scenario)) ||
            !memchr(r.k.kernel, 0, sizeof(r.k.kernel)))
            abort();
        /* Formatting what was read and reading it again gives the same formatting. */
        struct vml_text a = { 0 }, b = { 0 };
        struct vml_linux_results r2;
        if (vml_results_format(&r, &a) == 0) {
            if (vml_results_parse(a.s, a.len, &r2, &d) != 0)
                abort();
            if (vml_results_format(&r2, &b) == 0 && (a.len != b.len || memcmp(a.s, b.s, a.len)))
                abort();
            vml_results_free(&r2);
        }
        vml_text_free(&a);
        vml_text_free(&b);
    }
    vml_results_free(&r);
    return 0;
}
