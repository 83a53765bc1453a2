/* hw/assoc_hash.h: the hashed index of a large fully associative cache (not part of the API).
 *
 * A linear search of one set of thousands of ways (a CPU spec's `stlb.4k=65536xfull`) costs
 * that many compares a probe, and a stamp victim that many more a fill. A cache of one set with
 * at least ASSOC_HASH_MIN_WAYS ways (assoc.h) keeps, beside the usual block of keys and values,
 * an index that makes every operation O(1):
 * - key -> way: open addressing with linear probing over 2^k slots (at least twice the ways,
 *   so at most half full), a slot holding way + 1 (0 = free); the keys stay in the block, where
 *   every reader of a block finds them, and a probe compares them there. Removal shifts the
 *   following run back (no tombstones, so probes never lengthen).
 * - recency: a doubly linked list of the valid ways, most recent first, whose links live in
 *   the block's LRU words (prev in the low half, next in the high half); a hit moves its way
 *   to the front, the victim of a full cache is the last.
 * - empty ways: a bitmap in levels (a bit per way, then a bit per non-zero word, up to one
 *   word), so the lowest empty way is a few count-trailing-zeros.
 * The choices are exactly the stamps' (assoc.h): the lowest empty way, else the least recently
 * used, so an entry sits in the same way whichever kind of cache holds it. All of it is
 * allocated by assoc_init (8 to 16 bytes a way besides the block's 24).
 *
 * These functions take a cache with a->hash set; the inline helpers of assoc.h call them.
 * They keep the index, the list and the bitmap; nr_valid is the caller's.
 */
#ifndef VMLAB_HW_ASSOC_HASH_H
#define VMLAB_HW_ASSOC_HASH_H

#include <stdint.h>

struct assoc;

/* Allocates the index of a->ways empty ways (a has one set; its block exists). Returns 0, or
 * -1 if the host is out of memory (a->hash stays NULL). */
int assoc_hash_init(struct assoc *a);
void assoc_hash_fini(struct assoc *a);
/* Every way empty (the block's keys already 0). */
void assoc_hash_reset(struct assoc *a);
/* The way holding key, or UINT32_MAX. */
uint32_t assoc_hash_find(const struct assoc *a, uint64_t key);
/* Makes valid way w the most recently used. */
void assoc_hash_touch(struct assoc *a, uint32_t w);
/* The way a fill takes: the lowest empty one, else the least recently used. */
uint32_t assoc_hash_victim(const struct assoc *a);
/* Stores key (not in the cache, unless in way w itself) and val in way w, whatever it held, and
 * makes it the most recently used. */
void assoc_hash_put(struct assoc *a, uint32_t w, uint64_t key, uint64_t val);
/* Empties valid way w. */
void assoc_hash_clear_way(struct assoc *a, uint32_t w);
/* The valid ways from the most recently used on: first, then next of each (UINT32_MAX ends). */
uint32_t assoc_hash_first(const struct assoc *a);
uint32_t assoc_hash_next(const struct assoc *a, uint32_t w);

#endif
