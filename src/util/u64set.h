/* util/u64set.h: a set of non-zero 64-bit keys (open addressing), for counting distinct pages
 * and remembering regions. Grows with what is added; free with u64set_free. */
#ifndef VMLAB_UTIL_U64SET_H
#define VMLAB_UTIL_U64SET_H

#include <stddef.h>
#include <stdint.h>

struct u64set {
    uint64_t *slot; /* 0 = empty */
    size_t cap, n;  /* cap is 0 or a power of two; n keys */
};

/* Adds key (non-zero): 1 if it is new, 0 if it was there, VML_EHOST on host OOM. */
int u64set_add(struct u64set *s, uint64_t key);
/* Whether key is in the set. */
int u64set_has(const struct u64set *s, uint64_t key);
void u64set_free(struct u64set *s);

#endif
