/* fuzz_zoneinfo.c: libFuzzer harness for vml_proc_parse_zoneinfo. Any bytes: no crash, leak or
 * hang; an error names a line and column inside the text; zones come out with their names
 * NUL-terminated and at most VML_ZONEINFO_MAX_PROT reserves. */
#include "vmlab/vmlab.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_zone(const struct vml_zoneinfo *z, void *ctx)
{
    (void)ctx;
    if (memchr(z->zone, 0, sizeof(z->zone)) == NULL || z->nr_protection > VML_ZONEINFO_MAX_PROT)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vml_diag d = { 0 };
    int r = vml_proc_parse_zoneinfo((const char *)data, size, check_zone, NULL, &d);
    if (r != 0 && (r != VML_EPARSE || d.line == 0 || d.col == 0 || !d.msg[0]))
        abort();
    return 0;
}
