/* hw/assoc_hash.c: the hashed index of a large fully associative cache (see assoc_hash.h). */
#include "hw/assoc_hash.h"

#include "hw/assoc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NONE       UINT32_MAX
#define MAX_LEVELS 5 /* bitmap levels for ASSOC_HASH_MAX_WAYS: 2^24, 2^18, 2^12, 64, 1 words */

struct assoc_hash {
    uint32_t *slot;              /* the index: way + 1 of a valid entry, 0 = free */
    uint32_t mask;               /* slots - 1 (slots a power of two, at least twice the ways) */
    unsigned shift;              /* 64 - log2(slots): the hash is the product's top bits */
    uint32_t mru;                /* most recently used valid way, NONE when none is valid */
    uint32_t lru;                /* least recently used valid way, NONE when none is valid */
    unsigned levels;             /* of the empty-way bitmap */
    uint64_t *empty[MAX_LEVELS]; /* [0]: bit w = way w empty; [l]: bit i = word i of [l - 1]
                                  * non-zero; the top level is one word */
    uint64_t *bits;              /* the levels' storage, one block */
    size_t nbits;                /* its words */
};

/* Multiplicative (Fibonacci) hashing: the top bits of the product depend on every key bit, so
 * keys that differ only in their page number (bits 12 and up) or only in their PCID (the low
 * 12) spread alike. */
static inline uint32_t home(const struct assoc_hash *h, uint64_t key)
{
    return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> h->shift);
}

/* ---- recency list: way w's links are its LRU word, prev in the low half, next in the high */

static inline uint64_t *link_of(const struct assoc *a, uint32_t w)
{
    return a->slots + 2 * (size_t)a->ways + w;
}

static inline uint32_t prev_of(const struct assoc *a, uint32_t w)
{
    return (uint32_t)*link_of(a, w);
}

static inline uint32_t next_of(const struct assoc *a, uint32_t w)
{
    return (uint32_t)(*link_of(a, w) >> 32);
}

static inline void set_prev(const struct assoc *a, uint32_t w, uint32_t p)
{
    *link_of(a, w) = (*link_of(a, w) & ~0xffffffffull) | p;
}

static inline void set_next(const struct assoc *a, uint32_t w, uint32_t n)
{
    *link_of(a, w) = (*link_of(a, w) & 0xffffffffull) | (uint64_t)n << 32;
}

static void unlink_way(struct assoc *a, uint32_t w)
{
    struct assoc_hash *h = a->hash;
    uint32_t p = prev_of(a, w), n = next_of(a, w);
    if (p != NONE)
        set_next(a, p, n);
    else
        h->mru = n;
    if (n != NONE)
        set_prev(a, n, p);
    else
        h->lru = p;
}

static void push_front(struct assoc *a, uint32_t w)
{
    struct assoc_hash *h = a->hash;
    *link_of(a, w) = (uint64_t)h->mru << 32 | NONE;
    if (h->mru != NONE)
        set_prev(a, h->mru, w);
    else
        h->lru = w;
    h->mru = w;
}

/* ---- empty-way bitmap ------------------------------------------------------------------ */

static void mark_empty(struct assoc_hash *h, uint32_t w)
{
    for (unsigned l = 0; l < h->levels; l++, w >>= 6) {
        uint64_t *word = &h->empty[l][w >> 6], was = *word;
        *word = was | 1ull << (w & 63);
        if (was)
            return; /* the levels above already say this word is non-zero */
    }
}

static void mark_used(struct assoc_hash *h, uint32_t w)
{
    for (unsigned l = 0; l < h->levels; l++, w >>= 6) {
        uint64_t *word = &h->empty[l][w >> 6];
        *word &= ~(1ull << (w & 63));
        if (*word)
            return; /* still non-zero: the levels above stay */
    }
}

/* The lowest empty way, or NONE. */
static uint32_t lowest_empty(const struct assoc_hash *h)
{
    unsigned top = h->levels - 1;
    if (h->empty[top][0] == 0)
        return NONE;
    uint32_t i = 0;
    for (unsigned l = h->levels; l-- > 0;)
        i = i * 64 + (uint32_t)__builtin_ctzll(h->empty[l][i]);
    return i;
}

/* ---- index ----------------------------------------------------------------------------- */

static void index_insert(struct assoc_hash *h, uint64_t key, uint32_t w)
{
    uint32_t i = home(h, key);
    while (h->slot[i])
        i = (i + 1) & h->mask;
    h->slot[i] = w + 1;
}

/* Removes way w (holding key) from the index: the run after its slot shifts back over it, each
 * entry as far as its home allows, so every entry stays reachable from its home without a gap. */
static void index_remove(const struct assoc *a, uint64_t key, uint32_t w)
{
    struct assoc_hash *h = a->hash;
    uint32_t i = home(h, key);
    while (h->slot[i] != w + 1)
        i = (i + 1) & h->mask;
    for (uint32_t j = i;;) {
        j = (j + 1) & h->mask;
        uint32_t s = h->slot[j];
        if (!s)
            break;
        /* The entry at j may fill the hole at i unless its home lies cyclically in (i, j]. */
        uint32_t k = home(h, a->slots[s - 1]);
        if (((j - k) & h->mask) >= ((j - i) & h->mask)) {
            h->slot[i] = s;
            i = j;
        }
    }
    h->slot[i] = 0;
}

/* ---- the operations -------------------------------------------------------------------- */

int assoc_hash_init(struct assoc *a)
{
    struct assoc_hash *h = calloc(1, sizeof(*h));
    if (!h)
        return -1;
    assert(a->sets == 1 && a->ways <= ASSOC_HASH_MAX_WAYS);
    unsigned bits = 1;
    while ((1ull << bits) < 2ull * a->ways)
        bits++;
    h->mask = (uint32_t)((1ull << bits) - 1);
    h->shift = 64 - bits;
    size_t words[MAX_LEVELS], n = a->ways;
    do {
        n = (n + 63) / 64;
        words[h->levels++] = n;
        h->nbits += n;
    } while (n > 1);
    h->slot = calloc((size_t)h->mask + 1, sizeof(uint32_t));
    h->bits = calloc(h->nbits, sizeof(uint64_t));
    if (!h->slot || !h->bits) {
        free(h->slot);
        free(h->bits);
        free(h);
        return -1;
    }
    for (unsigned l = 0, off = 0; l < h->levels; off += (unsigned)words[l++])
        h->empty[l] = h->bits + off;
    a->hash = h;
    assoc_hash_reset(a);
    return 0;
}

void assoc_hash_fini(struct assoc *a)
{
    if (!a->hash)
        return;
    free(a->hash->slot);
    free(a->hash->bits);
    free(a->hash);
    a->hash = NULL;
}

void assoc_hash_reset(struct assoc *a)
{
    struct assoc_hash *h = a->hash;
    memset(h->slot, 0, ((size_t)h->mask + 1) * sizeof(uint32_t));
    memset(h->bits, 0, h->nbits * sizeof(uint64_t));
    for (uint32_t w = 0; w < a->ways; w++)
        mark_empty(h, w);
    h->mru = h->lru = NONE;
}

uint32_t assoc_hash_find(const struct assoc *a, uint64_t key)
{
    const struct assoc_hash *h = a->hash;
    for (uint32_t i = home(h, key);; i = (i + 1) & h->mask) {
        uint32_t s = h->slot[i];
        if (!s)
            return NONE;
        if (a->slots[s - 1] == key)
            return s - 1;
    }
}

void assoc_hash_touch(struct assoc *a, uint32_t w)
{
    assert(a->slots[w] != 0);
    if (a->hash->mru == w)
        return;
    unlink_way(a, w);
    push_front(a, w);
}

uint32_t assoc_hash_victim(const struct assoc *a)
{
    uint32_t w = lowest_empty(a->hash);
    return w != NONE ? w : a->hash->lru;
}

void assoc_hash_put(struct assoc *a, uint32_t w, uint64_t key, uint64_t val)
{
    uint64_t *keys = a->slots;
    assert(key != 0 && (keys[w] == key || assoc_hash_find(a, key) == NONE));
    if (keys[w]) {
        index_remove(a, keys[w], w);
        unlink_way(a, w);
    } else {
        mark_used(a->hash, w);
    }
    keys[w] = key;
    keys[a->ways + w] = val;
    index_insert(a->hash, key, w);
    push_front(a, w);
}

void assoc_hash_clear_way(struct assoc *a, uint32_t w)
{
    uint64_t *keys = a->slots;
    assert(keys[w] != 0);
    index_remove(a, keys[w], w);
    unlink_way(a, w);
    mark_empty(a->hash, w);
    keys[w] = 0;
    keys[a->ways + w] = 0;
    *link_of(a, w) = 0;
}

uint32_t assoc_hash_first(const struct assoc *a)
{
    return a->hash->mru;
}

uint32_t assoc_hash_next(const struct assoc *a, uint32_t w)
{
    return next_of(a, w);
}
