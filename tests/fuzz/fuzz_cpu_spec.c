/* fuzz_cpu_spec.c: libFuzzer harness for vml_cpu_model_parse.
 *
 * Any bytes are a spec (cut at the first NUL, as a C string would be). Parsing must never
 * crash, read out of bounds or leak; a spec that parses must also validate (the parser runs
 * the validator) and describe to a NUL-terminated text ending in a newline.
 */
#include "vmlab/vmlab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *spec = malloc(size + 1);
    struct vml_cpu_model m;
    struct vml_diag diag = { 0 };
    if (!spec)
        return 0;
    memcpy(spec, data, size);
    spec[size] = 0;
    if (vml_cpu_model_parse(spec, &m, &diag) == 0) {
        if (vml_cpu_model_validate(&m, &diag) != 0)
            abort(); /* the parser promised a valid model */
        char *text = vml_cpu_model_describe(&m);
        if (text && text[strlen(text) - 1] != '\n')
            abort();
        free(text);
    } else if (diag.line != 1 || diag.col == 0 || diag.col > strlen(spec) + 1 || !diag.msg[0]) {
        abort(); /* every error points into the spec (or just past its end) */
    }
    free(spec);
    return 0;
}
