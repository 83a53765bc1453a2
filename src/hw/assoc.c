/* hw/assoc.c: set-associative LRU cache (see assoc.h). */
#include "hw/assoc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int assoc_init(struct assoc *a, uint32_t sets, uint32_t ways)
{
    memset(a, 0, sizeof(*a));
    if (sets == 0 || ways == 0)
        return -1;
    a->slots = calloc((size_t)sets * ways * 3, sizeof(uint64_t));
    if (!a->slots)
        return -1;
    a->sets = sets;
    a->ways = ways;
    a->set_mask = (sets & (sets - 1)) == 0 ? sets - 1 : 0;
    return 0;
}

void assoc_fini(struct assoc *a)
{
    free(a->slots);
    memset(a, 0, sizeof(*a));
}

static void clear_way(struct assoc *a, uint64_t *b, uint32_t w)
{
    b[w] = 0;
    b[a->ways + w] = 0;
    b[2 * a->ways + w] = 0;
    a->nr_valid--;
}

bool assoc_insert(struct assoc *a, uint32_t set, uint64_t key, uint64_t val, uint64_t *old_key,
                  uint64_t *old_val)
{
    uint64_t *b = assoc_block(a, set);
    const uint64_t *stamp = b + 2 * a->ways;
    /* One branch-free pass: the way holding key wins; else the smallest stamp, which is the
     * first empty way (empty ways have stamp 0, used ones >= 1), else the least recently used. */
    uint32_t victim = 0, same = UINT32_MAX;
    uint64_t oldest = UINT64_MAX;
    for (uint32_t w = 0; w < a->ways; w++) {
        same = b[w] == key ? w : same;
        bool older = stamp[w] < oldest;
        victim = older ? w : victim;
        oldest = older ? stamp[w] : oldest;
    }
    if (same != UINT32_MAX)
        victim = same;
    bool evicted = b[victim] != 0 && same == UINT32_MAX;
    if (evicted) {
        if (old_key)
            *old_key = b[victim];
        if (old_val)
            *old_val = b[a->ways + victim];
    } else if (same == UINT32_MAX) {
        a->nr_valid++;
    }
    b[victim] = key;
    b[a->ways + victim] = val;
    b[2 * a->ways + victim] = ++a->clock;
    return evicted;
}

bool assoc_remove(struct assoc *a, uint32_t set, uint64_t key)
{
    uint64_t *b = assoc_block(a, set);
    for (uint32_t w = 0; w < a->ways; w++) {
        if (b[w] == key) {
            clear_way(a, b, w);
            return true;
        }
    }
    return false;
}

size_t assoc_remove_if(struct assoc *a, assoc_pred pred, void *ctx)
{
    size_t removed = 0;
    if (a->nr_valid == 0)
        return 0;
    for (uint32_t s = 0; s < a->sets; s++) {
        uint64_t *b = assoc_block(a, s);
        for (uint32_t w = 0; w < a->ways; w++) {
            if (b[w] != 0 && pred(b[w], b[a->ways + w], ctx)) {
                clear_way(a, b, w);
                removed++;
            }
        }
    }
    return removed;
}

void assoc_clear(struct assoc *a)
{
    /* An empty or never-initialised cache has nothing to clear (and no storage). */
    if (!a->slots || a->nr_valid == 0)
        return;
    memset(a->slots, 0, (size_t)a->sets * a->ways * 3 * sizeof(uint64_t));
    a->nr_valid = 0;
}

int assoc_for_each(const struct assoc *a, assoc_visit fn, void *ctx)
{
    for (uint32_t s = 0; s < a->sets && a->nr_valid; s++) {
        const uint64_t *b = assoc_block(a, s);
        for (uint32_t w = 0; w < a->ways; w++) {
            if (b[w] != 0) {
                int r = fn(b[w], b[a->ways + w], ctx);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

size_t assoc_count(const struct assoc *a)
{
    return a->nr_valid;
}
