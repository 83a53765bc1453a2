/* hw/assoc.h: a set-associative cache of 64-bit keys and values with LRU replacement.
 *
 * The storage under every TLB array and page-walk cache. The caller chooses the set (from
 * the virtual page number) and builds keys that carry everything that must match (page size,
 * PCID, tag) with bit 63 set, so 0 means an empty way. The hit path is inline: a linear probe
 * of the set's ways and a stamp update; nothing is allocated after assoc_init.
 */
#ifndef VMLAB_HW_ASSOC_H
#define VMLAB_HW_ASSOC_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/assoc_hash.h"

#define ASSOC_VALID (1ull << 63) /* every stored key has it */

/* Storage: one block of 3 * ways words per set, so a probe touches one set's lines only:
 *   [ key 0 .. key W-1 | value 0 .. value W-1 | LRU state: W words ]
 * LRU state, one of two kinds that choose the same ways: empty ones before evicting, lowest
 * first, and then the least recently used one.
 * - A recency order (sets of up to 16 ways, unless stamps were asked for): word 0, one 4-bit
 *   way number per nibble, most recent in the low nibble (unused nibbles 0xf). The victim is the
 *   last used nibble, O(1); a hit moves one nibble to the front. Empty ways sit at the end, the
 *   lowest way last.
 * - Stamps: one last-use stamp per way (0 = empty); the victim is the smallest, the first of
 *   equal ones. A hit is one store, a fill a scan: for the L1 TLBs, whose hits are the hot
 *   path, and for sets too wide for an order.
 * - Hashed (one set of at least ASSOC_HASH_MIN_WAYS ways, see assoc_hash.h): the way of a key
 *   comes from a hash index, the victim from a recency list whose links are the LRU words and
 *   a bitmap of empty ways, all O(1). The helpers below send such a cache there; the scans
 *   (assoc_find*) stay right on its block, only slow. The MMU's fast and planned miss paths,
 *   which write LRU state themselves, never take a hashed cache (hw/mmu.c).
 */
#define ASSOC_ORDER_MAX_WAYS 16
/* From this many ways up a fully associative cache is hashed. vmlab replay of random traces
 * (docs/design.md, "Speed") breaks even at 48-64 ways; above every preset's widest array (72
 * ways, kept on the fast and planned miss paths), hashing is 1.5-2x faster at 128 ways. */
#define ASSOC_HASH_MIN_WAYS 128
#define ASSOC_HASH_MAX_WAYS (1u << 30) /* the index's slot count must fit 32 bits */
struct assoc {
    uint32_t sets;           /* number of sets */
    uint32_t ways;           /* ways per set */
    uint32_t set_mask;       /* sets - 1 when sets is a power of two (0 for one set), else 0 */
    uint32_t nr_valid;       /* valid entries in the whole cache (0: a probe can be skipped) */
    uint64_t clock;          /* LRU time of sets that keep stamps */
    uint64_t *slots;         /* sets blocks of keys (0 = empty way), values, LRU state */
    uint64_t order_mask;     /* nibbles of a recency order in use: assoc_nibble_mask(ways) */
    bool order;              /* the sets keep a recency order, not stamps */
    struct assoc_hash *hash; /* the index of a hashed cache, else NULL */
};

/* Allocates an empty cache: hashed if it has one set of ASSOC_HASH_MIN_WAYS ways or more, else
 * a recency order per set if it has at most 16 ways, else stamps. Returns 0, or -1 if the host
 * is out of memory (nothing kept). */
int assoc_init(struct assoc *a, uint32_t sets, uint32_t ways);
/* Makes an empty cache keep stamps: cheaper hits, dearer fills. Not for a hashed cache. */
void assoc_use_stamps(struct assoc *a);
void assoc_fini(struct assoc *a);
/* Test hook: the way count from which assoc_init hashes a one-set cache (UINT32_MAX: never);
 * returns the previous one. For comparing hashed and linear caches of the same geometry. */
uint32_t assoc_set_hash_min_ways(uint32_t ways);

/* Set of a tag (usually a virtual page number). */
static inline uint32_t assoc_set(const struct assoc *a, uint64_t tag)
{
    /* A mask of 0 is also right for one set (fully associative): no division then. */
    return a->set_mask || a->sets == 1 ? (uint32_t)(tag & a->set_mask) : (uint32_t)(tag % a->sets);
}

/* The block of a set: keys at [0, ways), values at [ways, 2 ways), LRU state at [2 ways, 3 ways).
 */
static inline uint64_t *assoc_block(const struct assoc *a, uint32_t set)
{
    return a->slots + (size_t)set * 3 * a->ways;
}

#define ASSOC_NIBBLES 0x1111111111111111ull

/* Whether a cache keeps a recency order per set rather than stamps. */
static inline bool assoc_uses_order(const struct assoc *a)
{
    return a->order;
}

/* Mask of the low n nibbles (n <= 16). */
static inline uint64_t assoc_nibble_mask(unsigned n)
{
    return n >= 16 ? ~0ull : (1ull << (4 * n)) - 1;
}

/* Mask of the nibbles of a recency order up to and including way w's (w is in it exactly once;
 * SWAR zero-nibble search: the lowest flagged nibble is exact, false positives only appear above
 * a real zero). */
static inline uint64_t assoc_order_upto(uint64_t order, uint32_t w)
{
    uint64_t x = order ^ (ASSOC_NIBBLES * w);
    uint64_t z = (x - ASSOC_NIBBLES) & ~x & (ASSOC_NIBBLES << 3);
    return z ^ (z - 1);
}

/* The order with way w moved to the front. */
static inline uint64_t assoc_order_front(uint64_t order, uint32_t w)
{
    uint64_t m = assoc_order_upto(order, w);
    return (order & ~m) | ((order << 4) & m) | w;
}

/* Marks way w of a set most recently used. */
static inline __attribute__((always_inline)) void assoc_touch(struct assoc *a, uint64_t *b,
                                                              uint32_t w)
{
    uint64_t *lru = b + 2 * a->ways;
    if (assoc_uses_order(a))
        lru[0] = assoc_order_front(lru[0], w);
    else if (a->hash)
        assoc_hash_touch(a, w);
    else
        lru[w] = ++a->clock;
}

/* The helpers below whose names end in _w take W, the cache's way count when the caller knows
 * it at compile time (with ORD, whether the cache keeps a recency order), else 0: a miss path
 * specialised for a CPU's geometry then has every way count and mask constant. */

/* assoc_touch, W-specialised. */
static inline __attribute__((always_inline)) void assoc_touch_w(struct assoc *a, uint64_t *b,
                                                                uint32_t w, uint32_t W, bool ORD)
{
    if (!W)
        assoc_touch(a, b, w);
    else if (ORD)
        b[2 * W] = assoc_order_front(b[2 * W], w);
    else
        b[2 * W + w] = ++a->clock;
}

/* Way holding key in a set's block, or UINT32_MAX. No early exit, so the host predicts its
 * branches whichever way hits. */
static inline __attribute__((always_inline)) uint32_t assoc_find(const uint64_t *b, uint32_t ways,
                                                                 uint64_t key)
{
    uint32_t hit = UINT32_MAX;
    for (uint32_t w = 0; w < ways; w++)
        hit = b[w] == key ? w : hit;
    return hit;
}

/* assoc_find with the loop unrolled for a constant way count (a separate copy, so the L1 hit
 * path's assoc_find keeps its code). */
static inline __attribute__((always_inline)) uint32_t
assoc_find_unrolled(const uint64_t *b, uint32_t ways, uint64_t key)
{
    uint32_t hit = UINT32_MAX;
#pragma GCC unroll 16
    for (uint32_t w = 0; w < ways; w++) {
        hit = b[w] == key ? w : hit;
        /* An opaque use after each step keeps every step a conditional move: otherwise gcc
         * merges steps and threads the caller's test of hit into them as branches, which
         * mispredict on hits at random ways (an STLB-hit stream). */
        __asm__("" : "+r"(hit));
    }
    return hit;
}

/* assoc_find for the miss paths: the way counts of the presets' STLBs and page-walk caches get
 * an unrolled scan (about half the host instructions of the loop), others the loop. */
static inline __attribute__((always_inline)) uint32_t assoc_find_any(const uint64_t *b,
                                                                     uint32_t ways, uint64_t key)
{
    switch (ways) {
    case 4: return assoc_find_unrolled(b, 4, key);
    case 8: return assoc_find_unrolled(b, 8, key);
    case 12: return assoc_find_unrolled(b, 12, key);
    case 16: return assoc_find_unrolled(b, 16, key);
    default: return assoc_find(b, ways, key);
    }
}

/* assoc_find_any, W-specialised. */
static inline __attribute__((always_inline)) uint32_t
assoc_find_w(const struct assoc *a, const uint64_t *b, uint64_t key, uint32_t W)
{
    return W ? assoc_find_unrolled(b, W, key) : assoc_find_any(b, a->ways, key);
}

/* Way holding key in a set's block, or UINT32_MAX: the index of a hashed cache, else
 * assoc_find_any. */
static inline __attribute__((always_inline)) uint32_t assoc_find_in(const struct assoc *a,
                                                                    const uint64_t *b, uint64_t key)
{
    return a->hash ? assoc_hash_find(a, key) : assoc_find_any(b, a->ways, key);
}

/* Looks key up in a set's block; on a hit marks the way most recently used and stores its
 * value. */
static inline __attribute__((always_inline)) bool assoc_lookup_in(struct assoc *a, uint64_t *b,
                                                                  uint64_t key, uint64_t *val)
{
    uint32_t hit = assoc_find_in(a, b, key);
    if (hit == UINT32_MAX)
        return false;
    assoc_touch(a, b, hit);
    *val = b[a->ways + hit];
    return true;
}

/* Looks key up in set; on a hit marks the way most recently used and stores its value. */
static inline __attribute__((always_inline)) bool assoc_lookup(struct assoc *a, uint32_t set,
                                                               uint64_t key, uint64_t *val)
{
    return assoc_lookup_in(a, assoc_block(a, set), key, val);
}

/* Inserts or refreshes key in set: an existing way with the same key is overwritten, else an
 * empty way is used, else the least recently used way is evicted. Returns true if a valid
 * entry was evicted (its key and value in *old_key / *old_val when non-NULL). */
bool assoc_insert(struct assoc *a, uint32_t set, uint64_t key, uint64_t val, uint64_t *old_key,
                  uint64_t *old_val);

/* The way with the smallest stamp (the first of equal ones). */
static inline __attribute__((always_inline)) uint32_t assoc_oldest(const uint64_t *lru, uint32_t n)
{
    uint32_t victim = 0;
    uint64_t oldest = UINT64_MAX;
#pragma GCC unroll 8
    for (uint32_t w = 0; w < n; w++) {
        bool older = lru[w] < oldest;
        victim = older ? w : victim;
        oldest = older ? lru[w] : oldest;
        /* As in assoc_find_unrolled: without it gcc turns steps into branches, which
         * mispredict (the oldest way is at random). */
        __asm__("" : "+r"(victim), "+r"(oldest));
    }
    return victim;
}

/* The way to fill in a set: the last in its order, or the smallest stamp (empty ways have 0),
 * or the hashed cache's lowest empty way, else its least recently used. */
static inline uint32_t assoc_victim(const struct assoc *a, const uint64_t *b)
{
    const uint64_t *lru = b + 2 * a->ways;
    if (assoc_uses_order(a))
        return (uint32_t)(lru[0] >> (4 * (a->ways - 1))) & 15u;
    if (a->hash)
        return assoc_hash_victim(a);
    return assoc_oldest(lru, a->ways);
}

/* Stores key and value in way w and makes it the most recently used. */
static inline void assoc_put(struct assoc *a, uint64_t *b, uint32_t w, uint64_t key, uint64_t val)
{
    if (a->hash) {
        assoc_hash_put(a, w, key, val);
        return;
    }
    b[w] = key;
    b[a->ways + w] = val;
    assoc_touch(a, b, w);
}

/* As assoc_insert for a key the caller knows is not in the set's block b (it just missed
 * there): only the LRU victim is searched. Debug builds check the promise. Inline: every walk
 * fills. */
static inline __attribute__((always_inline)) bool
assoc_insert_absent_in(struct assoc *a, uint64_t *b, uint64_t key, uint64_t val, uint64_t *old_key)
{
    uint32_t n = a->ways, victim;
    uint64_t *lru = b + 2 * n;
#ifndef NDEBUG
    for (uint32_t w = 0; w < n; w++)
        assert(b[w] != key && "assoc_insert_absent: the key is present");
#endif
    /* A hashed cache's fill keeps its index: assoc_insert's, whose search of the index for the
     * (absent) key is one probe. */
    if (a->hash)
        return assoc_insert(a, 0, key, val, old_key, NULL);
    if (assoc_uses_order(a)) {
        /* The victim is the last of the order: it moves from position n - 1 to the front. */
        uint64_t order = lru[0];
        victim = (uint32_t)(order >> (4 * (n - 1))) & 15u;
        lru[0] =
            (order & ~assoc_nibble_mask(n)) | ((order & assoc_nibble_mask(n - 1)) << 4) | victim;
    } else {
        victim = assoc_victim(a, b);
        lru[victim] = ++a->clock;
    }
    bool evicted = b[victim] != 0;
    if (evicted && old_key)
        *old_key = b[victim];
    if (!evicted)
        a->nr_valid++;
    b[victim] = key;
    b[n + victim] = val;
    return evicted;
}

/* A fill of a key the caller knows is absent from a set, in two halves: assoc_fill_prepare
 * chooses the way and computes the new LRU state without changing anything, so it can run
 * before the value is known; assoc_fill_commit stores it all. Nothing may change the set in
 * between. */
struct assoc_fill {
    struct assoc *a;
    uint64_t *b; /* the set's block */
    uint64_t key;
    uint64_t lru; /* the new recency order, or the way's new stamp */
    uint32_t way; /* the victim */
};

static inline __attribute__((always_inline)) void assoc_fill_prepare_w(struct assoc_fill *f,
                                                                       struct assoc *a, uint64_t *b,
                                                                       uint64_t key, uint32_t W,
                                                                       bool ORD)
{
    uint32_t n = W ? W : a->ways;
    bool order = W ? ORD : a->order;
    uint64_t mask = W ? assoc_nibble_mask(W) : a->order_mask;
    const uint64_t *lru = b + 2 * n;
#ifndef NDEBUG
    assert(!W || (a->ways == W && a->order == ORD));
    assert(!a->hash && "assoc_fill_prepare: the planned miss path never takes a hashed cache");
    for (uint32_t w = 0; w < n; w++)
        assert(b[w] != key && "assoc_fill_prepare: the key is present");
#endif
    f->a = a;
    f->b = b;
    f->key = key;
    if (order) {
        /* The victim is the last of the order: it moves from position n - 1 to the front. */
        uint64_t o = lru[0];
        f->way = (uint32_t)(o >> (4 * n - 4)) & 15u;
        f->lru = (o & ~mask) | ((o << 4) & mask) | f->way;
    } else {
        f->way = n == 4   ? assoc_oldest(lru, 4)
                 : n == 8 ? assoc_oldest(lru, 8)
                          : assoc_oldest(lru, n);
        f->lru = a->clock + 1;
    }
}

/* Returns true if a valid entry was evicted. */
static inline __attribute__((always_inline)) bool
assoc_fill_commit_w(const struct assoc_fill *f, uint64_t val, uint32_t W, bool ORD)
{
    struct assoc *a = f->a;
    uint64_t *b = f->b;
    uint32_t n = W ? W : a->ways, w = f->way;
    if (W ? ORD : a->order) {
        b[2 * n] = f->lru;
    } else {
        b[2 * n + w] = f->lru;
        a->clock = f->lru;
    }
    bool evicted = b[w] != 0;
    a->nr_valid += !evicted;
    b[w] = f->key;
    b[n + w] = val;
    return evicted;
}

static inline __attribute__((always_inline)) void
assoc_fill_prepare(struct assoc_fill *f, struct assoc *a, uint64_t *b, uint64_t key)
{
    assoc_fill_prepare_w(f, a, b, key, 0, false);
}

static inline __attribute__((always_inline)) bool assoc_fill_commit(const struct assoc_fill *f,
                                                                    uint64_t val)
{
    return assoc_fill_commit_w(f, val, 0, false);
}

/* assoc_insert_absent_in without the evicted key: the miss paths' fills (not for a hashed
 * cache, as assoc_fill_prepare). */
static inline __attribute__((always_inline)) bool
assoc_insert_absent_any(struct assoc *a, uint64_t *b, uint64_t key, uint64_t val)
{
    struct assoc_fill f;
    assoc_fill_prepare(&f, a, b, key);
    return assoc_fill_commit(&f, val);
}

/* assoc_insert_absent_in for a set. */
static inline bool assoc_insert_absent(struct assoc *a, uint32_t set, uint64_t key, uint64_t val,
                                       uint64_t *old_key)
{
    return assoc_insert_absent_in(a, assoc_block(a, set), key, val, old_key);
}

/* Removes key from set if present; returns whether it was. */
bool assoc_remove(struct assoc *a, uint32_t set, uint64_t key);

/* Removes every entry for which pred returns true, in no particular order (a hashed cache goes
 * down its recency list: only the valid ways); returns how many. */
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
