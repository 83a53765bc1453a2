/* util/u64set.c: see u64set.h. Linear probing at most half full. */
#include "util/u64set.h"

#include "vmlab/base.h"

#include <stdlib.h>

static size_t slot_of(uint64_t k, size_t cap)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k & (cap - 1);
}

static void put(uint64_t *slot, size_t cap, uint64_t key)
{
    size_t j = slot_of(key, cap);
    while (slot[j])
        j = (j + 1) & (cap - 1);
    slot[j] = key;
}

int u64set_add(struct u64set *s, uint64_t key)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        uint64_t *slot = calloc(cap, sizeof(*slot));
        if (!slot)
            return VML_EHOST;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                put(slot, cap, s->slot[i]);
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    for (size_t j = slot_of(key, s->cap);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == key)
            return 0;
        if (!s->slot[j]) {
            s->slot[j] = key;
            s->n++;
            return 1;
        }
    }
}

int u64set_has(const struct u64set *s, uint64_t key)
{
    if (!s->cap)
        return 0;
    for (size_t j = slot_of(key, s->cap);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == key)
            return 1;
        if (!s->slot[j])
            return 0;
    }
}

void u64set_free(struct u64set *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
