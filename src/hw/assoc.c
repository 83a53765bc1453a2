/* hw/assoc.c: set-associative LRU cache (see assoc.h; the index of a hashed one in
 * assoc_hash.c). */
#include "hw/assoc.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The way count from which a one-set cache is hashed (assoc_set_hash_min_ways). */
static uint32_t hash_min_ways = ASSOC_HASH_MIN_WAYS;

uint32_t assoc_set_hash_min_ways(uint32_t ways)
{
    uint32_t old = hash_min_ways;
    hash_min_ways = ways;
    return old;
}

/* Every set's recency order to W-1, ..., 1, 0 (unused nibbles 0xf): all empty, way 0 the next
 * victim, so empty ways fill from the lowest, as with stamps. */
static void reset_lru(struct assoc *a)
{
    if (!assoc_uses_order(a))
        return; /* stamps: calloc/memset left them 0, "empty" */
    uint64_t order = 0;
    for (unsigned i = 0; i < 16; i++)
        order |= (uint64_t)(i < a->ways ? a->ways - 1 - i : 15u) << (4 * i);
    for (uint32_t s = 0; s < a->sets; s++)
        assoc_block(a, s)[2 * a->ways] = order;
}

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
    if (sets == 1 && ways >= hash_min_ways && ways <= ASSOC_HASH_MAX_WAYS) {
        if (assoc_hash_init(a) != 0) {
            assoc_fini(a);
            return -1;
        }
        return 0; /* LRU state: the index's list links (order false) */
    }
    a->order = ways <= ASSOC_ORDER_MAX_WAYS;
    a->order_mask = assoc_nibble_mask(ways <= ASSOC_ORDER_MAX_WAYS ? ways : 0);
    reset_lru(a);
    return 0;
}

void assoc_use_stamps(struct assoc *a)
{
    assert(a->nr_valid == 0 && !a->hash);
    a->order = false;
    for (uint32_t s = 0; s < a->sets; s++)
        assoc_block(a, s)[2 * a->ways] = 0; /* the only word an order used */
}

void assoc_fini(struct assoc *a)
{
    assoc_hash_fini(a);
    free(a->slots);
    memset(a, 0, sizeof(*a));
}

/* Empties way w of a set. In a recency order it joins the empty ways at the end, which stay
 * in descending way order (so the lowest is the next victim, as with stamps, where every empty
 * way has stamp 0 and the first of equal stamps is taken). */
static void clear_way(struct assoc *a, uint64_t *b, uint32_t w)
{
    uint32_t n = a->ways;
    if (a->hash) {
        assoc_hash_clear_way(a, w);
        a->nr_valid--;
        return;
    }
    b[w] = 0;
    b[n + w] = 0;
    if (assoc_uses_order(a)) {
        uint64_t order = b[2 * n], rebuilt = 0;
        unsigned pos = 0;
        bool placed = false;
        for (unsigned i = 0; i < n; i++) {
            uint32_t x = (uint32_t)(order >> (4 * i)) & 15u;
            if (x == w)
                continue;
            if (!placed && b[x] == 0 && x < w) {
                rebuilt |= (uint64_t)w << (4 * pos++);
                placed = true;
            }
            rebuilt |= (uint64_t)x << (4 * pos++);
        }
        if (!placed)
            rebuilt |= (uint64_t)w << (4 * pos);
        b[2 * n] = rebuilt | (order & ~assoc_nibble_mask(n));
    } else {
        b[2 * n + w] = 0;
    }
    a->nr_valid--;
}

bool assoc_insert(struct assoc *a, uint32_t set, uint64_t key, uint64_t val, uint64_t *old_key,
                  uint64_t *old_val)
{
    uint64_t *b = assoc_block(a, set);
    uint32_t same = a->hash ? assoc_hash_find(a, key) : assoc_find(b, a->ways, key);
    if (same != UINT32_MAX) {
        assoc_put(a, b, same, key, val);
        return false;
    }
    uint32_t victim = assoc_victim(a, b);
    bool evicted = b[victim] != 0;
    if (evicted) {
        if (old_key)
            *old_key = b[victim];
        if (old_val)
            *old_val = b[a->ways + victim];
    } else {
        a->nr_valid++;
    }
    assoc_put(a, b, victim, key, val);
    return evicted;
}

bool assoc_remove(struct assoc *a, uint32_t set, uint64_t key)
{
    uint64_t *b = assoc_block(a, set);
    if (a->hash) {
        uint32_t w = assoc_hash_find(a, key);
        if (w == UINT32_MAX)
            return false;
        clear_way(a, b, w);
        return true;
    }
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
    if (a->hash) {
        /* The valid ways only: a flush of a few entries from a big cache costs a few steps. */
        uint64_t *b = a->slots;
        for (uint32_t w = assoc_hash_first(a), next; w != UINT32_MAX; w = next) {
            next = assoc_hash_next(a, w);
            if (pred(b[w], b[a->ways + w], ctx)) {
                clear_way(a, b, w);
                removed++;
            }
        }
        return removed;
    }
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
    if (a->hash)
        assoc_hash_reset(a);
    else
        reset_lru(a);
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
