/* util/grow.h: growing an array by doubling. */
#ifndef VMLAB_UTIL_GROW_H
#define VMLAB_UTIL_GROW_H

#include <stddef.h>

/* Makes room in *p (capacity *cap elements of size bytes) for element n: doubles the capacity
 * (at least 8) when n reaches it. Returns 0, or VML_EHOST with *p and *cap unchanged. */
int util_grow(void **p, size_t *cap, size_t n, size_t size);

#endif
