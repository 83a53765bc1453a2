/* hw/assoc.h: a set-associative cache of 64-bit keys and values with LRU replacement.
 *
 * The storage under every TLB array and page-walk cache. The caller chooses the set (from
 * the virtual page number) and builds keys that carry everything that must match (page size,
 * PCID, tag) with bit 63 set, so 0 means an empty way. The hit path is inline: a linear probe
 * of the set's ways and a stamp update; nothing is allocated after assoc_init.
 */
#ifndef VMLAB_HW_ASSOC_H
#define VMLAB_HW_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ASSOC_VALID (1ull << 63) /* every stored key has it */

/* Storage: one block of 3 * ways words per set, so a probe touches one set's lines only:
 *   [ key 0 .. key W-1 | value 0 .. value W-1 | stamp 0 .. stamp W-1 ]
 */
struct assoc {
    uint32_t sets;     /* number of sets */
    uint32_t ways;     /* ways per set */
    uint32_t set_mask; /* sets - 1 when sets is a power of two (0 for one set), else 0 */
    uint32_t nr_valid; /* valid entries in the whole cache (0: a probe can be skipped) */
    uint64_t clock;    /* LRU time, bumped on every hit and insert */
    uint64_t *slots;   /* sets blocks of keys (0 = empty way), values, last-use stamps */
};

/* Allocates an empty cache. Returns 0, or -1 if the host is out of memory (nothing kept). */
int assoc_init(struct assoc *a, uint32_t sets, uint32_t ways);
void assoc_fini(struct assoc *a);

/* Set of a tag (usually a virtual page number). */
static inline uint32_t assoc_set(const struct assoc *a, uint64_t tag)
{
    /* A mask of 0 is also right for one set (fully associative): no division then. */
    return a->set_mask || a->sets == 1 ? (uint32_t)(tag & a->set_mask) : (uint32_t)(tag % a->sets);
}

/* The block of a set: keys at [0, ways), values at [ways, 2 ways), stamps at [2 ways, 3 ways). */
static inline uint64_t *assoc_block(const struct assoc *a, uint32_t set)
{
    return a->slots + (size_t)set * 3 * a->ways;
}

/* Looks key up in set; on a hit marks the way most recently used and stores its value. The
 * search has no early exit, so the host predicts its branches whichever way hits. */
static inline __attribute__((always_inline)) bool assoc_lookup(struct assoc *a, uint32_t set,
                                                               uint64_t key, uint64_t *val)
{
    uint64_t *b = assoc_block(a, set);
    uint32_t ways = a->ways, hit = UINT32_MAX;
    for (uint32_t w = 0; w < ways; w++)
        hit = b[w] == key ? w : hit;
    if (hit == UINT32_MAX)
        return false;
    b[2 * ways + hit] = ++a->clock;
    *val = b[ways + hit];
    return true;
}

/* Inserts or refreshes key in set: an existing way with the same key is overwritten, else an
 * empty way is used, else the least recently used way is evicted. Returns true if a valid
 * entry was evicted (its key and value in *old_key / *old_val when non-NULL). */
bool assoc_insert(struct assoc *a, uint32_t set, uint64_t key, uint64_t val, uint64_t *old_key,
                  uint64_t *old_val);

/* Removes key from set if present; returns whether it was. */
bool assoc_remove(struct assoc *a, uint32_t set, uint64_t key);

/* Removes every entry for which pred returns true; returns how many. */
typedef bool (*assoc_pred)(uint64_t key, uint64_t val, void *ctx);
size_t assoc_remove_if(struct assoc *a, assoc_pred pred, void *ctx);

/* Empties the cache. */
void assoc_clear(struct assoc *a);

/* Calls fn for every valid entry (set order, then way order); stops when fn returns non-zero
 * and returns that value. */
typedef int (*assoc_visit)(uint64_t key, uint64_t val, void *ctx);
int assoc_for_each(const struct assoc *a, assoc_visit fn, void *ctx);

/* Number of valid entries. */
size_t assoc_count(const struct assoc *a);

#endif
