/* util/radix.h: a sparse map from 64-bit indexes to non-zero 64-bit values, a radix tree in the
 * manner of the kernel's xarray (lib/xarray.c): its height grows with the largest index stored,
 * and only the nodes on the paths to stored indexes exist, so memory follows the number of
 * entries and the depth, never the largest index. Leaves hold 512 values (a dense file's run of
 * pages costs one allocation per 2 MiB, as the flat index it replaces did); inner nodes have 64
 * children (XA_CHUNK_SHIFT 6). Free with radix_free. */
#ifndef VMLAB_UTIL_RADIX_H
#define VMLAB_UTIL_RADIX_H

#include <stdint.h>

#define RADIX_LEAF_SHIFT  9
#define RADIX_INNER_SHIFT 6

struct radix {
    void *root;      /* NULL when empty: a leaf (height 0) or an inner node */
    unsigned height; /* inner levels above the leaves */
};

/* The slot of index (0 = no value), or NULL if no leaf covers it. */
uint64_t *radix_slot(const struct radix *r, uint64_t index);
/* The slot of index, its path created when missing. Returns 0, or VML_EHOST with the tree
 * unchanged in what it maps (a node made before the failure may stay, empty). */
int radix_reserve(struct radix *r, uint64_t index, uint64_t **slot);
/* Calls fn for every non-zero value, in index order, then frees every node. */
typedef void (*radix_visit)(uint64_t index, uint64_t val, void *ctx);
void radix_free(struct radix *r, radix_visit fn, void *ctx);
/* Calls fn for every non-zero value, in index order (xa_for_each). */
void radix_for_each(const struct radix *r, radix_visit fn, void *ctx);

#endif
