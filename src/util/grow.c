/* util/grow.c: growing an array by doubling. */
#include "util/grow.h"

#include "vmlab/base.h"

#include <stdint.h>
#include <stdlib.h>

int util_grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? 2 * *cap : 8;
    if (c > SIZE_MAX / size)
        return VML_EHOST;
    void *q = realloc(*p, c * size);
    if (!q)
        return VML_EHOST;
    *p = q;
    *cap = c;
    return 0;
}
