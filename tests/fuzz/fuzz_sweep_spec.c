/* fuzz_sweep_spec.c: libFuzzer harness for vml_sweep_parse (vmlab sweep's spec file).
 *
 * Any bytes are a spec. Parsing must never crash, read out of bounds or leak; an error names a
 * line within the input (or 0: a whole-spec error) and says something; a spec that parses has
 * at least one point on every axis, and every point's replay arguments are non-empty strings.
 */
#include "vmlab/vmlab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_sweep *s = NULL;
    struct vml_diag d = { 0 };
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    int e = vml_sweep_parse((const char *)data, size, "fuzz", &s, &d);
    if (e) {
        if (d.line > lines || !d.msg[0] || s)
            abort();
        return 0;
    }
    uint64_t n = vml_sweep_points(s);
    if (n == 0)
        abort();
    for (unsigned a = 0; a < VML_SWEEP_NR_AXES; a++)
        if (vml_sweep_values(s, (enum vml_sweep_axis)a) == 0)
            abort();
    const char **argv = calloc(vml_sweep_argc(s) + 1, sizeof(*argv));
    for (uint64_t p = 0; argv && p < n && p < 64; p++) {
        vml_sweep_argv(s, p, argv);
        for (size_t i = 0; argv[i]; i++)
            if (!argv[i][0])
                abort();
    }
    free(argv);
    vml_sweep_free(s);
    return 0;
}
