/* hw/assoc.c: set-associative LRU cache (see assoc.h). */
#include "hw/assoc.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

int assoc_init(struct assoc *a, uint32_t sets, uint32_t ways)
{
    size_t n = (size_t)sets * ways;
    memset(a, 0, sizeof(*a));
    if (sets == 0 || ways == 0)
        return -1;
    a->keys = calloc(n, sizeof(uint64_t));
    a->vals = calloc(n, sizeof(uint64_t));
    a->stamps = calloc(n, sizeof(uint64_t));
    if (!a->keys || !a->vals || !a->stamps) {
        assoc_fini(a);
        return -1;
    }
    a->sets = sets;
    a->ways = ways;
    a->set_mask = (sets & (sets - 1)) == 0 ? sets - 1 : 0; /* assoc_set masks, else divides */
    return 0;
}

void assoc_fini(struct assoc *a)
{
    free(a->keys);
    free(a->vals);
    free(a->stamps);
    memset(a, 0, sizeof(*a));
}

bool assoc_insert(struct assoc *a, uint32_t set, uint64_t key, uint64_t val, uint64_t *old_key,
                  uint64_t *old_val)
{
    size_t base = (size_t)set * a->ways;
    size_t victim = SIZE_MAX;
    for (uint32_t w = 0; w < a->ways; w++) {
        if (a->keys[base + w] == key) {
            victim = base + w;
            break;
        }
    }
    if (victim == SIZE_MAX) {
        /* An empty way if there is one, else the least recently used. */
        victim = base;
        for (uint32_t w = 0; w < a->ways && a->keys[victim] != 0; w++) {
            size_t i = base + w;
            if (a->keys[i] == 0 || a->stamps[i] < a->stamps[victim])
                victim = i;
        }
    }
    bool evicted = a->keys[victim] != 0 && a->keys[victim] != key;
    if (evicted) {
        if (old_key)
            *old_key = a->keys[victim];
        if (old_val)
            *old_val = a->vals[victim];
    }
    a->keys[victim] = key;
    a->vals[victim] = val;
    a->stamps[victim] = ++a->clock;
    return evicted;
}

bool assoc_remove(struct assoc *a, uint32_t set, uint64_t key)
{
    size_t base = (size_t)set * a->ways;
    for (uint32_t w = 0; w < a->ways; w++) {
        if (a->keys[base + w] == key) {
            a->keys[base + w] = 0;
            a->vals[base + w] = 0;
            a->stamps[base + w] = 0;
            return true;
        }
    }
    return false;
}

size_t assoc_remove_if(struct assoc *a, assoc_pred pred, void *ctx)
{
    size_t n = (size_t)a->sets * a->ways, removed = 0;
    for (size_t i = 0; i < n; i++) {
        if (a->keys[i] != 0 && pred(a->keys[i], a->vals[i], ctx)) {
            a->keys[i] = 0;
            a->vals[i] = 0;
            a->stamps[i] = 0;
            removed++;
        }
    }
    return removed;
}

void assoc_clear(struct assoc *a)
{
    size_t n = (size_t)a->sets * a->ways;
    if (n == 0)
        return; /* never initialised or failed: no arrays, and memset(NULL) is undefined */
    memset(a->keys, 0, n * sizeof(uint64_t));
    memset(a->vals, 0, n * sizeof(uint64_t));
    memset(a->stamps, 0, n * sizeof(uint64_t));
}

int assoc_for_each(const struct assoc *a, assoc_visit fn, void *ctx)
{
    size_t n = (size_t)a->sets * a->ways;
    for (size_t i = 0; i < n; i++) {
        if (a->keys[i] != 0) {
            int r = fn(a->keys[i], a->vals[i], ctx);
            if (r)
                return r;
        }
    }
    return 0;
}

size_t assoc_count(const struct assoc *a)
{
    size_t n = (size_t)a->sets * a->ways, c = 0;
    for (size_t i = 0; i < n; i++)
        c += a->keys[i] != 0;
    return c;
}
