/* fuzz_numbers.c: libFuzzer harness for the number and size parsers (vml_parse_u64,
 * vml_parse_size) and the size formatter. Properties: never crash; a parse error fills the
 * diagnostic with a column inside the input (or just past it); a size parsed from text that
 * vml_format_size printed parses back to the same value. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t len = strlen(s);
    uint64_t v;
    struct vml_diag d = { 0 };
    if (vml_parse_u64(s, &v, &d) != 0 && (d.col == 0 || d.col > len + 1 || d.msg[0] == '\0'))
        abort();
    memset(&d, 0, sizeof(d));
    if (vml_parse_size(s, &v, &d) == 0) {
        char buf[64];
        vml_format_size(v, buf, sizeof(buf));
        /* The exact rendering ("4 KiB") must parse back to the same value. */
        char *sp = strchr(buf, ' ');
        memmove(sp, sp + 1, strlen(sp));
        uint64_t back;
        if (vml_parse_size(buf, &back, NULL) != 0 || back != v)
            abort();
        vml_format_size_human(v, buf, sizeof(buf));
    } else if (d.col == 0 || d.col > len + 1 || d.msg[0] == '\0') {
        abort();
    }
    free(s);
    return 0;
}
