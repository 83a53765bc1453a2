/* fuzz_sweep_flat.c: libFuzzer harness for sweep_flatten (vmlab sweep merge's reading of the
 * point reports, which are files a user can edit or truncate).
 *
 * Any bytes are a report. Flattening must never crash, read out of bounds or leak; it fails
 * with a message, or gives keys and values that are NUL-terminated strings, no key empty unless
 * the object's own key was.
 */
#include "cli/sweep_flat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sweep_flat f;
    char err[200] = "";
    if (sweep_flatten((const char *)data, size, &f, err, sizeof(err))) {
        if (!err[0] || f.n)
            abort();
        return 0;
    }
    for (size_t i = 0; i < f.n; i++)
        if (!f.key[i] || !f.val[i])
            abort();
    sweep_flat_free(&f);
    return 0;
}
