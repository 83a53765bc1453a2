/* trace/mrc.c: one-pass TLB miss-ratio curves (see vmlab/mrc.h and docs/mrc.md).
 *
 * Stack distances over a compacted time axis: each key's latest access time is marked in a
 * bitset; the distance of an access is the number of marks after the key's previous time,
 * counted by a Fenwick tree over the bitset's 64-bit words plus one popcount. Times run to the
 * end of the bitset and are then renumbered densely (the marks in order), so the axis stays a
 * few times the live keys, whatever the trace's length: a few hundred KiB for a million pages,
 * resident in the host's caches.
 */
#include "vmlab/mrc.h"

#include "hw/tlb.h"
#include "vmlab/mmu.h"
#include "vmlab/pgtable.h"
#include "vmlab/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_VALID  (1ull << 63)
#define MIN_ADDR   0x10000ull /* vm.mmap_min_addr's default, as replay's demand mapper */
#define SKIP       VML_PS_COUNT
#define HASH_BITS  24 /* SHARDS thresholds are out of 2^24 */
#define FLAG_READ  1u /* first touched by a read (a zero page, or an entry without D) */
#define FLAG_WRITE 2u /* written since */

/* Distances below EXACT_MAX (the largest TLB array a CPU spec can give, 65536 entries) are
 * counted one by one: the misses of every size up to it are exact. Larger distances go to
 * buckets of 8 per doubling, (8 + j) << (e - 3) .. (9 + j) << (e - 3) for a distance with
 * leading bit e: exact at the buckets' lower bounds (the sizes the reports list) and for
 * sizes from the number of distinct pages on. A histogram of every distance of a random
 * trace over a million pages would be 8 MiB written at random: a host cache miss for every
 * access, most of mrc's time (measured: 60% of it over 1 GiB of 4 KiB pages). */
#define EXACT_MAX (1u << 16)
#define NR_FAR    (8 * (32 - 16))

static inline uint64_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return k;
}

/* ---- one LRU stack ------------------------------------------------------------------------ */

struct slot {
    uint64_t key; /* 0: empty */
    uint32_t time;
    uint32_t flags;
};

struct heap_ent {
    uint32_t h;
    uint64_t key;
};

struct stack {
    bool sa; /* set associative: per-set lists; else the Fenwick stack */
    uint64_t refs, cold;
    /* fully associative */
    struct slot *tab;
    uint32_t tmask, count;
    uint64_t *bits;
    uint32_t *fen, *rev; /* fen[1..words]: dead times per word; rev: time -> slot */
    uint32_t dead;       /* times before now no longer any key's (their key moved on) */
    uint32_t cap, now;   /* bits in the time axis (a multiple of 64), next time */
    uint64_t *hist;      /* hist[d]: accesses at distance d < EXACT_MAX */
    size_t hlen;
    uint64_t far[NR_FAR]; /* distances from EXACT_MAX on, by far_bucket */
    uint32_t pend[256];   /* distances below EXACT_MAX not yet in hist (hist_flush) */
    unsigned npend;
    /* set associative */
    uint32_t sets, ways;
    uint64_t *sk; /* sets x ways keys, most recent first, 0 empty */
    /* SHARDS */
    enum vml_mrc_shards shards;
    uint32_t thresh; /* keys whose hash is below are sampled */
    uint64_t smax;
    double *dhist; /* scaled distance below EXACT_MAX -> weight */
    size_t dlen;
    double dfar[NR_FAR]; /* larger scaled distances, by far_bucket */
    double dcold;
    uint64_t sampled;
    struct heap_ent *heap; /* max-heap by hash of the sampled keys (fixed size) */
    size_t hn, hcap;
    bool oom;
};

static inline uint32_t home(const struct stack *s, uint64_t key)
{
    return (uint32_t)mix(key) & s->tmask;
}

/* The array a of *len elements of size bytes grown to hold need, doubling from 256, the new
 * elements zero (all-zero bits: 0 for the counts, 0.0 for the IEEE doubles): the array (a
 * itself when it was big enough), or NULL with a untouched when out of memory. */
static void *grow_zeroed(void *a, size_t *len, size_t need, size_t size)
{
    if (need <= *len)
        return a;
    size_t n = *len ? *len : 256;
    while (n < need)
        n *= 2;
    char *p = realloc(a, n * size);
    if (!p)
        return NULL;
    memset(p + *len * size, 0, (n - *len) * size);
    *len = n;
    return p;
}

/* Builds the time axis of cap bits with the first n set, and its Fenwick tree. */
static bool axis_build(struct stack *s, uint32_t cap, uint32_t n)
{
    uint32_t words = cap / 64;
    uint64_t *bits = calloc(words, sizeof(*bits));
    uint32_t *fen = calloc((size_t)words + 1, sizeof(*fen));
    uint32_t *rev = malloc((size_t)cap * sizeof(*rev));
    if (!bits || !fen || !rev) {
        free(bits);
        free(fen);
        free(rev);
        return false;
    }
    for (uint32_t w = 0; w < words; w++) {
        uint32_t lo = w * 64;
        uint32_t c = n >= lo + 64 ? 64 : n > lo ? n - lo : 0;
        bits[w] = c == 64 ? ~0ull : (1ull << c) - 1;
    }
    if (s->rev && n) {
        /* the marks in time order become times 0 .. n-1 */
        uint32_t k = 0;
        for (uint32_t w = 0; w < s->cap / 64; w++)
            for (uint64_t b = s->bits[w]; b; b &= b - 1) {
                uint32_t slot = s->rev[w * 64 + (uint32_t)__builtin_ctzll(b)];
                s->tab[slot].time = k;
                rev[k++] = slot;
            }
    }
    free(s->bits);
    free(s->fen);
    free(s->rev);
    s->bits = bits;
    s->fen = fen;
    s->rev = rev;
    s->cap = cap;
    s->now = n;
    s->dead = 0;
    return true;
}

static bool table_grow(struct stack *s)
{
    uint32_t size = s->tab ? (s->tmask + 1) * 2 : 1024;
    struct slot *old = s->tab;
    uint32_t oldn = s->tab ? s->tmask + 1 : 0;
    struct slot *t = calloc(size, sizeof(*t));
    if (!t)
        return false;
    s->tab = t;
    s->tmask = size - 1;
    for (uint32_t i = 0; i < oldn; i++) {
        if (!old[i].key)
            continue;
        uint32_t j = home(s, old[i].key);
        while (t[j].key)
            j = (j + 1) & s->tmask;
        t[j] = old[i];
        s->rev[t[j].time] = j;
    }
    free(old);
    return true;
}

static bool stack_init_fa(struct stack *s)
{
    if (!axis_build(s, 4096, 0))
        return false;
    return table_grow(s);
}

static inline uint32_t fen_prefix(const struct stack *s, uint32_t w)
{
    uint32_t sum = 0;
    for (uint32_t i = w; i; i &= i - 1)
        sum += s->fen[i];
    return sum;
}

static inline void fen_add(struct stack *s, uint32_t w, int32_t d)
{
    uint32_t words = s->cap / 64;
    for (uint32_t i = w + 1; i <= words; i += i & -i)
        s->fen[i] += (uint32_t)d;
}

/* __builtin_popcountll is a library call without -mpopcnt (the build targets any x86-64). */
static inline uint32_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

static inline unsigned far_bucket(uint64_t d)
{
    unsigned e = 63u - (unsigned)__builtin_clzll(d);
    return ((e - 16) << 3) | (unsigned)((d >> (e - 3)) & 7);
}

static inline uint64_t far_bound(unsigned b)
{
    return (uint64_t)(8 + (b & 7)) << ((b >> 3) + 16 - 3);
}

/* Marks after time t (a live key's): every time from t + 1 to now - 1 was given to a key once,
 * so they number now - 1 - t less the dead ones among them; the tree counts dead times, so
 * that giving a key the next time (the common half of every access) changes no count. */
static inline uint32_t marks_after(const struct stack *s, uint32_t t)
{
    uint32_t w = t / 64, b = t % 64;
    uint64_t mask = ((1ull << b) << 1) - 1;
    uint32_t dead_upto = fen_prefix(s, w) + (b + 1) - popcount64(s->bits[w] & mask);
    return (s->now - 1 - t) - (s->dead - dead_upto);
}

static inline void unmark(struct stack *s, uint32_t t)
{
    s->bits[t / 64] &= ~(1ull << (t % 64));
    fen_add(s, t / 64, 1);
    s->dead++;
}

/* Renumbers the marks densely on a fresh axis four times the live keys (the one being moved
 * was unmarked by the caller). Out of line: once per few hundred thousand accesses. */
static __attribute__((noinline)) bool renumber(struct stack *s)
{
    uint32_t live = s->now - s->dead;
    uint64_t want = ((uint64_t)live * 4 + 64 + 4095) & ~4095ull;
    return want <= (1ull << 31) && axis_build(s, (uint32_t)want, live);
}

/* Gives slot the next time. */
static inline bool mark_now(struct stack *s, uint32_t slot)
{
    if (__builtin_expect(s->now == s->cap, 0) && !renumber(s))
        return false;
    uint32_t t = s->now++;
    s->bits[t / 64] |= 1ull << (t % 64);
    s->tab[slot].time = t;
    s->rev[t] = slot;
    return true;
}

/* Finds key: its slot, or the empty slot it would go in (*found false). */
static inline uint32_t lookup(const struct stack *s, uint64_t key, bool *found)
{
    uint32_t i = home(s, key);
    for (;;) {
        uint64_t k = s->tab[i].key;
        if (k == key) {
            *found = true;
            return i;
        }
        if (!k) {
            *found = false;
            return i;
        }
        i = (i + 1) & s->tmask;
    }
}

/* Removes the key in slot i (backward-shift deletion keeps linear probing's invariant). */
static void remove_slot(struct stack *s, uint32_t i)
{
    unmark(s, s->tab[i].time);
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & s->tmask;
        if (!s->tab[j].key)
            break;
        uint32_t k = home(s, s->tab[j].key);
        bool move = i <= j ? (k <= i || k > j) : (k <= i && k > j);
        if (move) {
            s->tab[i] = s->tab[j];
            s->rev[s->tab[i].time] = i;
            i = j;
        }
    }
    s->tab[i].key = 0;
    s->count--;
}

/* An access to key in the fully associative stack: its distance, or -1 when cold. With
 * flags, the key's read/write history (for read_then_write). -2: host out of memory. */
static inline int64_t fa_access(struct stack *s, uint64_t key, unsigned wr, uint64_t *rtw)
{
    bool found;
    uint32_t i = lookup(s, key, &found);
    if (found) {
        uint32_t t = s->tab[i].time;
        uint32_t d = marks_after(s, t);
        unmark(s, t);
        if (!mark_now(s, i))
            return -2;
        uint32_t f = s->tab[i].flags;
        if (wr && (f & (FLAG_READ | FLAG_WRITE)) == FLAG_READ)
            (*rtw)++;
        s->tab[i].flags = f | (wr ? FLAG_WRITE : 0);
        return d;
    }
    if (((uint64_t)s->count + 1) * 10 > ((uint64_t)s->tmask + 1) * 7) {
        if (!table_grow(s))
            return -2;
        i = lookup(s, key, &found);
    }
    s->tab[i].key = key;
    s->tab[i].flags = wr ? FLAG_WRITE : FLAG_READ;
    s->count++;
    if (!mark_now(s, i))
        return -2;
    return -1;
}

/* ---- SHARDS ------------------------------------------------------------------------------- */

/* The hash that decides whether a key is sampled (another than the table's). */
static inline uint32_t sample_hash(uint64_t key)
{
    return (uint32_t)(mix(key ^ 0x5bd1e9955bd1e995ull) >> (64 - HASH_BITS));
}

static void heap_push(struct stack *s, uint32_t h, uint64_t key)
{
    if (s->hn == s->hcap) {
        size_t n = s->hcap ? s->hcap * 2 : 256;
        struct heap_ent *p = realloc(s->heap, n * sizeof(*p));
        if (!p) {
            s->oom = true;
            return;
        }
        s->heap = p;
        s->hcap = n;
    }
    size_t i = s->hn++;
    while (i && s->heap[(i - 1) / 2].h < h) {
        s->heap[i] = s->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->heap[i] = (struct heap_ent){ h, key };
}

static struct heap_ent heap_pop(struct stack *s)
{
    struct heap_ent top = s->heap[0], last = s->heap[--s->hn];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->hn)
            break;
        if (c + 1 < s->hn && s->heap[c + 1].h > s->heap[c].h)
            c++;
        if (s->heap[c].h <= last.h)
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (s->hn)
        s->heap[i] = last;
    return top;
}

static inline double rate_of(const struct stack *s)
{
    return (double)s->thresh / (double)(1u << HASH_BITS);
}

/* A sampled access: its distance in the sample, scaled by the rate, weighted 1/R. */
static void shards_access(struct stack *s, uint64_t key, uint32_t h)
{
    double r = rate_of(s);
    uint64_t dummy = 0;
    int64_t d = fa_access(s, key, 0, &dummy);
    s->sampled++;
    if (d == -2) {
        s->oom = true;
        return;
    }
    if (d < 0) {
        s->dcold += 1 / r;
        if (s->shards == VML_MRC_SHARDS_SIZE) {
            heap_push(s, h, key);
            /* Too many keys: evict the largest hash (all keys sharing it) and sample below it
             * from now on. */
            while (s->count > s->smax && s->hn) {
                uint32_t top = s->heap[0].h;
                while (s->hn && s->heap[0].h == top) {
                    struct heap_ent e = heap_pop(s);
                    bool found;
                    uint32_t i = lookup(s, e.key, &found);
                    if (found)
                        remove_slot(s, i);
                }
                /* Every count was added with the weight 1 / R of the rate then in force,
                 * so counts of different rates add up as they are (SHARDS's rescaling by
                 * new rate / old rate is for unweighted counts). */
                s->thresh = top;
            }
        }
        return;
    }
    /* d sampled keys came between: the unsampled ones among them number (d + 1)(1 - R) / R
     * on average (a negative binomial), so the distance is (d + 1) / R - 1 in expectation
     * (SHARDS's d / R puts every reuse closer than 1 / R at distance 0, a hit for a TLB of
     * one entry, where a TLB's sizes are small). */
    size_t b = (size_t)(((double)d + 1) / r - 1 + 0.5);
    if (b >= EXACT_MAX) {
        /* as the exact histogram: 8 buckets per doubling, so that a sample of a huge trace
         * keeps a small histogram */
        s->dfar[far_bucket(b)] += 1 / r;
        return;
    }
    double *dh = grow_zeroed(s->dhist, &s->dlen, b + 1, sizeof(*s->dhist));
    if (!dh) {
        s->oom = true;
        return;
    }
    s->dhist = dh;
    s->dhist[b] += 1 / r;
}

/* ---- set associative ---------------------------------------------------------------------- */

static inline void sa_access(struct stack *s, uint64_t key, uint64_t vpn)
{
    uint64_t *k = s->sk + (size_t)(vpn % s->sets) * s->ways;
    uint32_t i = 0;
    while (i < s->ways && k[i] != key && k[i])
        i++;
    if (i < s->ways && k[i] == key)
        s->hist[i]++;
    else {
        s->cold++; /* deeper than max_ways, or never seen: a miss at every associativity */
        if (i == s->ways)
            i--;
    }
    memmove(k + 1, k, i * sizeof(*k));
    k[0] = key;
}

/* A touch that is not a reference: the key becomes the most recent without a distance or a
 * miss being counted (replay's refills after a copy-on-write fault or a dirty assist, which
 * the counters leave out). False when the host is out of memory. */
static bool stack_touch(struct stack *s, uint64_t key, uint64_t vpn)
{
    if (s->sa) {
        uint64_t *k = s->sk + (size_t)(vpn % s->sets) * s->ways;
        uint32_t i = 0;
        while (i < s->ways - 1 && k[i] != key && k[i])
            i++;
        memmove(k + 1, k, i * sizeof(*k));
        k[0] = key;
        return true;
    }
    if (s->shards) {
        uint32_t h = sample_hash(key);
        if (h >= s->thresh)
            return true;
    }
    bool found;
    uint32_t i = lookup(s, key, &found);
    if (found) {
        unmark(s, s->tab[i].time);
        return mark_now(s, i);
    }
    if (((uint64_t)s->count + 1) * 10 > ((uint64_t)s->tmask + 1) * 7) {
        if (!table_grow(s))
            return false;
        i = lookup(s, key, &found);
    }
    s->tab[i].key = key;
    s->tab[i].flags = 0;
    s->count++;
    if (s->shards == VML_MRC_SHARDS_SIZE) {
        uint32_t h = sample_hash(key);
        heap_push(s, h, key);
    }
    return mark_now(s, i);
}

/* A flush of the whole TLB: every key is forgotten (its next access is a miss at every size);
 * the counts so far stay. */
static bool stack_flush(struct stack *s)
{
    if (s->sa) {
        memset(s->sk, 0, (size_t)s->sets * s->ways * sizeof(*s->sk));
        return true;
    }
    free(s->tab);
    free(s->bits);
    free(s->fen);
    free(s->rev);
    s->tab = NULL;
    s->bits = NULL;
    s->fen = NULL;
    s->rev = NULL;
    s->cap = s->now = s->count = s->tmask = 0;
    s->hn = 0;
    return stack_init_fa(s);
}

/* ---- curves: the ALL_SIZES stack and, once a second size appears, per-size ones ---------- */

struct stack_cfg {
    bool sa;
    uint32_t sets, ways;
    enum vml_mrc_shards shards;
    double rate;
    uint64_t smax;
};

static bool stack_init(struct stack *s, const struct stack_cfg *c)
{
    memset(s, 0, sizeof(*s));
    s->sa = c->sa;
    s->shards = c->shards;
    if (c->sa) {
        s->sets = c->sets;
        s->ways = c->ways;
        s->sk = calloc((size_t)c->sets * c->ways, sizeof(*s->sk));
        s->hist = calloc(c->ways, sizeof(*s->hist));
        s->hlen = c->ways;
        return s->sk && s->hist;
    }
    if (c->shards == VML_MRC_SHARDS_RATE) {
        double t = c->rate * (double)(1u << HASH_BITS);
        s->thresh = t < 1 ? 1 : (uint32_t)t;
    } else if (c->shards == VML_MRC_SHARDS_SIZE) {
        s->thresh = 1u << HASH_BITS;
        s->smax = c->smax;
    }
    return stack_init_fa(s);
}

static void stack_free(struct stack *s)
{
    if (!s)
        return;
    free(s->tab);
    free(s->bits);
    free(s->fen);
    free(s->rev);
    free(s->hist);
    free(s->sk);
    free(s->dhist);
    free(s->heap);
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || !n)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

/* A deep copy (a per-size stack starts as the ALL_SIZES one when every access so far was of
 * that size). */
static bool stack_clone(struct stack *to, const struct stack *from)
{
    *to = *from;
    to->tab = dup_mem(from->tab, from->tab ? ((size_t)from->tmask + 1) * sizeof(*from->tab) : 0);
    to->bits = dup_mem(from->bits, from->bits ? from->cap / 64 * sizeof(uint64_t) : 0);
    to->fen = dup_mem(from->fen, from->fen ? (from->cap / 64 + 1) * sizeof(uint32_t) : 0);
    to->rev = dup_mem(from->rev, from->rev ? (size_t)from->cap * sizeof(uint32_t) : 0);
    to->hist = dup_mem(from->hist, from->hlen * sizeof(uint64_t));
    to->sk = dup_mem(from->sk, from->sa ? (size_t)from->sets * from->ways * sizeof(uint64_t) : 0);
    to->dhist = dup_mem(from->dhist, from->dlen * sizeof(double));
    to->heap = dup_mem(from->heap, from->hcap * sizeof(struct heap_ent));
    bool ok = (!from->tab || to->tab) && (!from->bits || to->bits) && (!from->fen || to->fen) &&
              (!from->rev || to->rev) && (!from->hlen || to->hist) && (!from->sa || to->sk) &&
              (!from->dlen || to->dhist) && (!from->hcap || to->heap);
    if (!ok) {
        stack_free(to);
        memset(to, 0, sizeof(*to));
    }
    return ok;
}

/* Adds the pending distances to the histogram. They are kept back and added in a batch, each
 * a few ahead of its cache line's prefetch: the histogram is 512 KiB written at random, and a
 * store that waits for its line stalls the access that follows (a quarter of mrc's time over
 * 1 GiB of random accesses, before). */
static bool hist_flush(struct stack *s)
{
    unsigned n = s->npend;
    uint32_t max = 0;
    for (unsigned i = 0; i < n; i++)
        max = s->pend[i] > max ? s->pend[i] : max;
    if (n && (size_t)max >= s->hlen) {
        uint64_t *h = grow_zeroed(s->hist, &s->hlen, (size_t)max + 1, sizeof(*s->hist));
        if (!h)
            return false;
        s->hist = h;
    }
    for (unsigned i = 0; i < n; i++) {
        if (i + 16 < n)
            __builtin_prefetch(&s->hist[s->pend[i + 16]], 1);
        s->hist[s->pend[i]]++;
    }
    s->npend = 0;
    return true;
}

/* One reference; false when the host is out of memory. */
static inline bool stack_access(struct stack *s, uint64_t key, uint64_t vpn, unsigned wr,
                                uint64_t *rtw)
{
    s->refs++;
    if (s->sa) {
        sa_access(s, key, vpn);
        return true;
    }
    if (s->shards) {
        uint32_t h = sample_hash(key);
        if (h < s->thresh)
            shards_access(s, key, h);
        return !s->oom;
    }
    int64_t d = fa_access(s, key, wr, rtw);
    if (d == -2)
        return false;
    if (d < 0) {
        s->cold++;
        return true;
    }
    if (d >= EXACT_MAX) {
        s->far[far_bucket((uint64_t)d)]++;
        return true;
    }
    s->pend[s->npend++] = (uint32_t)d;
    if (s->npend == sizeof(s->pend) / sizeof(s->pend[0]))
        return hist_flush(s);
    return true;
}

/* ---- the whole ---------------------------------------------------------------------------- */

struct region {
    uint64_t key; /* (va >> 21) | KEY_VALID; 0 empty */
    uint8_t ps;
    uint8_t changeable; /* a huge zero page: a write may change its size */
};

struct vml_mrc {
    struct vml_mrc_config cfg;
    struct stack_cfg scfg;
    struct stack all;
    struct stack *size[VML_PS_COUNT];
    int first_ps; /* the size of every access so far, -1 none, -2 mixed */
    struct vml_replay *shadow;
    bool static4k; /* 4K pages, no THP: every mappable access is 4K */
    uint64_t user_top;
    struct region *reg;
    uint32_t rmask, rcount;
    struct region *last;    /* the region of the previous lookup */
    struct tlb_level l1[2]; /* two-level: [0] L1 dTLB, [1] L1 iTLB */
    bool exec_to_l2i;       /* the model has an L2 iTLB: fetch misses do not reach the STLB */
    struct slot *pf;        /* two-level: page key -> FLAG_READ/FLAG_WRITE (time unused) */
    uint32_t pfmask, pfcount;
    bool flushed; /* the shadow flushed its whole TLB on the record being counted */
    struct vml_mrc_summary sum;
};

void vml_mrc_defaults(struct vml_mrc_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    vml_replay_defaults(&cfg->replay);
    cfg->side = VML_MRC_DATA;
    cfg->sets = 1;
    cfg->max_ways = 64;
    cfg->shards_rate = 0.01;
    cfg->shards_max = 8192;
}

static int bad(struct vml_diag *diag, const char *msg)
{
    if (diag) {
        memset(diag, 0, sizeof(*diag));
        snprintf(diag->msg, sizeof(diag->msg), "%s", msg);
    }
    return VML_EINVAL;
}

int vml_mrc_create(const struct vml_mrc_config *cfg, struct vml_mrc **out, struct vml_diag *diag)
{
    if (cfg->replay.nr_cpus != 1)
        return bad(diag, "a miss-ratio curve is of one TLB: give 1 CPU");
    if (cfg->sets == 0 || cfg->sets > (1u << 20))
        return bad(diag, "sets must be 1 to 1048576");
    if (cfg->sets > 1 && (cfg->max_ways == 0 || cfg->max_ways > 4096))
        return bad(diag, "max ways must be 1 to 4096");
    if (cfg->shards && cfg->sets > 1)
        return bad(diag, "SHARDS samples a fully associative stack: not with sets");
    if (cfg->shards == VML_MRC_SHARDS_RATE && !(cfg->shards_rate > 0 && cfg->shards_rate <= 1))
        return bad(diag, "the SHARDS rate must be above 0 and at most 1");
    if (cfg->shards == VML_MRC_SHARDS_SIZE && cfg->shards_max < 16)
        return bad(diag, "SHARDS keeps at least 16 keys");
    if ((unsigned)cfg->side > VML_MRC_ALL)
        return bad(diag, "unknown side");
    struct vml_mrc *m = calloc(1, sizeof(*m));
    if (!m)
        return VML_EHOST;
    m->cfg = *cfg;
    m->first_ps = -1;
    m->scfg = (struct stack_cfg){ .sa = cfg->sets > 1,
                                  .sets = cfg->sets,
                                  .ways = cfg->max_ways,
                                  .shards = cfg->shards,
                                  .rate = cfg->shards_rate,
                                  .smax = cfg->shards_max };
    m->static4k = cfg->replay.pages == VML_PS_4K && !cfg->replay.thp;
    m->user_top = cfg->replay.paging == 5 ? (1ull << 56) - 4096 : (1ull << 47) - 4096;
    int e = VML_EHOST;
    if (!stack_init(&m->all, &m->scfg))
        goto fail;
    if (!m->static4k) {
        if ((e = vml_replay_create(&cfg->replay, &m->shadow, diag)) != 0)
            goto fail;
        m->reg = calloc(1024, sizeof(*m->reg));
        if (!m->reg) {
            e = VML_EHOST;
            goto fail;
        }
        m->rmask = 1023;
    }
    if (cfg->two_level) {
        if (tlb_level_init(&m->l1[0], &cfg->replay.cpu.tlb[VML_TLB_L1D]) ||
            tlb_level_init(&m->l1[1], &cfg->replay.cpu.tlb[VML_TLB_L1I])) {
            e = bad(diag, "the CPU model's L1 TLBs are not valid");
            goto fail;
        }
        m->exec_to_l2i = cfg->replay.cpu.tlb[VML_TLB_L2I].nr_arrays != 0;
    }
    *out = m;
    return 0;
fail:
    vml_mrc_destroy(m);
    return e;
}

void vml_mrc_destroy(struct vml_mrc *m)
{
    if (!m)
        return;
    stack_free(&m->all);
    for (unsigned p = 0; p < VML_PS_COUNT; p++) {
        stack_free(m->size[p]);
        free(m->size[p]);
    }
    vml_replay_destroy(m->shadow);
    free(m->reg);
    tlb_level_fini(&m->l1[0]);
    tlb_level_fini(&m->l1[1]);
    free(m->pf);
    free(m);
}

/* ---- page sizes from the shadow replay ---------------------------------------------------- */

/* Replays one byte at va in the shadow and reads back the size it was translated with; SKIP
 * when the shadow cannot map it. */
static int shadow_probe(struct vml_mrc *m, uint64_t va, unsigned kind, struct vml_diag *diag)
{
    struct vml_trace_rec r = { .addr = va, .size = 1, .kind = (uint8_t)kind };
    size_t done;
    struct vml_cpu *cpu = vml_sim_cpu(vml_replay_sim(m->shadow), 0);
    const struct vml_mmu_stats *st0 = vml_cpu_stats(cpu);
    uint64_t flushes = st0->flush_all + st0->flush_pcid;
    int e = vml_replay_feed(m->shadow, &r, 1, &done, diag);
    if (e)
        return e;
    /* The kernel flushed the whole TLB for this access (a huge zero page replaced by a THP:
     * a 2 MiB range is past the kernel's single-page flush ceiling): replay's TLBs are empty
     * after it but for this access's refill. Single pages (invlpg) need nothing: the refill
     * puts the page where the access itself does. */
    const struct vml_mmu_stats *st1 = vml_cpu_stats(cpu);
    if (st1->flush_all + st1->flush_pcid != flushes)
        m->flushed = true;
    struct vml_xlate x;
    if (vml_mmu_translate(cpu, va, (enum vml_access)kind, true, &x) == 0)
        return x.ps;
    struct vml_replay_stats st;
    vml_replay_stats(m->shadow, &st);
    if (st.killed) {
        if (diag) {
            memset(diag, 0, sizeof(*diag));
            snprintf(diag->msg, sizeof(diag->msg),
                     "replay's process is killed by the access at 0x%llx: replay stops there",
                     (unsigned long long)va);
        }
        return VML_EINVAL;
    }
    return SKIP;
}

static bool regions_grow(struct vml_mrc *m)
{
    uint32_t n = (m->rmask + 1) * 2;
    struct region *t = calloc(n, sizeof(*t));
    if (!t)
        return false;
    for (uint32_t i = 0; i <= m->rmask; i++) {
        if (!m->reg[i].key)
            continue;
        uint32_t j = (uint32_t)mix(m->reg[i].key) & (n - 1);
        while (t[j].key)
            j = (j + 1) & (n - 1);
        t[j] = m->reg[i];
    }
    free(m->reg);
    m->reg = t;
    m->rmask = n - 1;
    m->last = NULL;
    return true;
}

/* The page size replay translates va with (SKIP: it cannot be mapped), or a negative VML_E*. */
static inline int page_size(struct vml_mrc *m, uint64_t va, unsigned kind, struct vml_diag *diag)
{
    if (va < MIN_ADDR || va >= m->user_top)
        return SKIP; /* replay skips it: below mmap_min_addr, past user space */
    if (m->static4k)
        return VML_PS_4K;
    uint64_t key = (va >> 21) | KEY_VALID;
    struct region *r = m->last;
    if (!r || r->key != key) {
        uint32_t i = (uint32_t)mix(key) & m->rmask;
        while (m->reg[i].key && m->reg[i].key != key)
            i = (i + 1) & m->rmask;
        r = &m->reg[i];
    }
    if (r->key == key && !(r->changeable && kind == VML_WRITE)) {
        m->last = r;
        return r->ps;
    }
    int ps = shadow_probe(m, va, kind, diag);
    if (ps < 0 || ps == SKIP)
        return ps; /* not cached: asked again next time */
    if (r->key == key) {
        if (r->ps != ps)
            m->sum.size_changes++;
        r->ps = (uint8_t)ps;
        r->changeable = 0;
        return ps;
    }
    if ((m->rcount + 1) * 2 > m->rmask + 1) {
        if (!regions_grow(m))
            return VML_EHOST;
        uint32_t i = (uint32_t)mix(key) & m->rmask;
        while (m->reg[i].key)
            i = (i + 1) & m->rmask;
        r = &m->reg[i];
    }
    r->key = key;
    r->ps = (uint8_t)ps;
    /* A read in THP memory may map the huge zero page: a write replaces it with a THP, or
     * splits it into 4K zero pages when no THP can be had (do_huge_zero_wp_pmd). */
    r->changeable = m->cfg.replay.thp && ps == VML_PS_2M && kind != VML_WRITE;
    m->rcount++;
    m->last = r;
    return ps;
}

/* ---- feeding ------------------------------------------------------------------------------ */

static inline bool curves_access(struct vml_mrc *m, uint64_t key, uint64_t vpn, unsigned ps,
                                 unsigned wr)
{
    if (__builtin_expect(m->first_ps != (int)ps, 0)) {
        if (m->first_ps == -1) {
            m->first_ps = (int)ps;
        } else if (m->first_ps >= 0) {
            /* A second size: every access so far was of the first size, so that size's own
             * stack is the ALL_SIZES one as it stands. */
            unsigned f = (unsigned)m->first_ps;
            m->size[f] = malloc(sizeof(struct stack));
            if (!m->size[f] || !stack_clone(m->size[f], &m->all))
                return false;
            m->first_ps = -2;
        }
        if (m->first_ps == -2 && !m->size[ps]) {
            m->size[ps] = malloc(sizeof(struct stack));
            if (!m->size[ps] || !stack_init(m->size[ps], &m->scfg)) {
                free(m->size[ps]);
                m->size[ps] = NULL;
                return false;
            }
        }
    }
    if (!stack_access(&m->all, key, vpn, wr, &m->sum.read_then_write))
        return false;
    if (m->first_ps != -2)
        return true;
    uint64_t dummy = 0;
    return stack_access(m->size[ps], key, vpn, wr, &dummy);
}

static inline bool in_stream(const struct vml_mrc *m, unsigned kind)
{
    if (m->cfg.two_level || m->cfg.side == VML_MRC_ALL)
        return true;
    return (kind == VML_EXEC) == (m->cfg.side == VML_MRC_EXEC);
}

/* Two-level: a page's read/write history; returns its flags before this access. */
static int page_flags(struct vml_mrc *m, uint64_t key, unsigned wr)
{
    if (!m->pf || (m->pfcount + 1) * 2 > m->pfmask + 1) {
        uint32_t n = m->pf ? (m->pfmask + 1) * 2 : 1024;
        struct slot *t = calloc(n, sizeof(*t));
        if (!t)
            return -1;
        for (uint32_t i = 0; m->pf && i <= m->pfmask; i++)
            if (m->pf[i].key) {
                uint32_t j = (uint32_t)mix(m->pf[i].key) & (n - 1);
                while (t[j].key)
                    j = (j + 1) & (n - 1);
                t[j] = m->pf[i];
            }
        free(m->pf);
        m->pf = t;
        m->pfmask = n - 1;
    }
    uint32_t i = (uint32_t)mix(key) & m->pfmask;
    while (m->pf[i].key && m->pf[i].key != key)
        i = (i + 1) & m->pfmask;
    if (!m->pf[i].key) {
        m->pf[i].key = key;
        m->pf[i].flags = wr ? FLAG_WRITE : FLAG_READ;
        m->pfcount++;
        return 0;
    }
    int f = (int)m->pf[i].flags;
    if (wr)
        m->pf[i].flags |= FLAG_WRITE;
    return f;
}

/* The STLB stacks take a touch that replay does not count. */
static bool curves_touch(struct vml_mrc *m, uint64_t key, uint64_t vpn, unsigned ps)
{
    if (!stack_touch(&m->all, key, vpn))
        return false;
    return m->first_ps != -2 || !m->size[ps] || stack_touch(m->size[ps], key, vpn);
}

/* The whole TLB flushed after this access, then refilled with its page. */
static bool flush_all(struct vml_mrc *m, uint64_t va, uint64_t key, uint64_t vpn, unsigned ps,
                      unsigned kind)
{
    m->flushed = false;
    m->sum.flushes++;
    if (!stack_flush(&m->all))
        return false;
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        if (m->size[p] && !stack_flush(m->size[p]))
            return false;
    if (m->cfg.two_level) {
        tlb_flush_all(&m->l1[0], true);
        tlb_flush_all(&m->l1[1], true);
        tlb_fill(&m->l1[kind == VML_EXEC], va, 0, ps,
                 VML_PTE_P | VML_PTE_RW | VML_PTE_US | VML_PTE_A | VML_PTE_D);
        if (kind == VML_EXEC && m->exec_to_l2i)
            return true;
    }
    return curves_touch(m, key, vpn, ps);
}

/* One translation of va (page size ps, or SKIP). */
static inline bool translate(struct vml_mrc *m, uint64_t va, unsigned ps, unsigned kind)
{
    m->sum.translations++;
    if (ps == SKIP) {
        if (m->cfg.two_level)
            m->sum.l1_misses++; /* nothing is filled: the access is skipped */
        m->sum.skipped++;
        return true;
    }
    uint64_t vpn = (va & TLB_VA_MASK) >> vml_ps_shift((enum vml_page_size)ps);
    uint64_t key = KEY_VALID | (uint64_t)ps << 60 | vpn;
    if (m->cfg.two_level) {
        struct tlb_level *l1 = &m->l1[kind == VML_EXEC];
        uint64_t val;
        unsigned eps;
        int f = page_flags(m, key, kind == VML_WRITE);
        if (f < 0)
            return false;
        bool stream = !(kind == VML_EXEC && m->exec_to_l2i);
        if (tlb_lookup(l1, va, 0, &val, &eps)) {
            /* A write hitting the entry of a page a read mapped to the zero page: replay
             * takes a copy-on-write fault (wp_page_copy: ptep_clear_flush drops the page's
             * entries), whose refill, not counted, makes the page the STLB's most recent.
             * Without the zero page a read fault maps a writable, dirty page
             * (do_anonymous_page): no fault, no dirty assist. A private hugetlb page is
             * mapped read-only by a read fault (hugetlb_no_page) and made writable by the
             * write's fault (hugetlb_wp), its entry dropped and refilled the same way. A
             * huge zero page's
             * replacement flushes the whole TLB instead (m->flushed). */
            bool cow =
                ps == VML_PS_4K ? !m->cfg.replay.no_zero_page : m->cfg.replay.pages != VML_PS_4K;
            if (kind == VML_WRITE && f == FLAG_READ && stream && cow) {
                m->sum.read_then_write++;
                if (!curves_touch(m, key, vpn, ps))
                    return false;
            }
        } else {
            tlb_fill(l1, va, 0, ps, VML_PTE_P | VML_PTE_RW | VML_PTE_US | VML_PTE_A | VML_PTE_D);
            if (stream) {
                m->sum.l1_misses++;
                if (!curves_access(m, key, vpn, ps, kind == VML_WRITE))
                    return false;
            }
        }
    } else if (!curves_access(m, key, vpn, ps, kind == VML_WRITE)) {
        return false;
    }
    if (__builtin_expect(m->flushed, 0))
        return flush_all(m, va, key, vpn, ps, kind);
    return true;
}

static int host_oom(struct vml_diag *diag)
{
    if (diag) {
        memset(diag, 0, sizeof(*diag));
        snprintf(diag->msg, sizeof(diag->msg), "out of host memory for the stacks");
    }
    return VML_EHOST;
}

int vml_mrc_feed(struct vml_mrc *m, const struct vml_trace_rec *recs, size_t n, size_t *done,
                 struct vml_diag *diag)
{
    size_t i = 0;
    int e = 0;
    const bool prefetch = m->static4k && !m->cfg.two_level && !m->all.sa && !m->all.shards;
    const bool fast_shards = m->static4k && !m->cfg.two_level && m->all.shards;
    for (; i < n; i++) {
        const struct vml_trace_rec *rec = &recs[i];
        unsigned kind = rec->kind;
        if (__builtin_expect(kind >= VML_NR_ACCESS, 0)) {
            if (diag) {
                memset(diag, 0, sizeof(*diag));
                snprintf(diag->msg, sizeof(diag->msg), "access kind %u is not read, write or fetch",
                         kind);
            }
            e = VML_EINVAL;
            break;
        }
        if (fast_shards) {
            /* SHARDS over 4 KiB pages: most records are a key, a hash and a compare. Anything
             * else (a skipped address, a record spanning pages, another side) goes the
             * general way below. */
            uint64_t va = rec->addr, last = va + rec->size - (rec->size != 0);
            if (m->first_ps == VML_PS_4K && va >= MIN_ADDR && va < m->user_top && last >= va &&
                !((va ^ last) >> 12) && in_stream(m, kind)) {
                uint64_t key = KEY_VALID | ((va & TLB_VA_MASK) >> 12);
                uint32_t h = sample_hash(key);
                m->sum.translations++;
                m->all.refs++;
                if (__builtin_expect(h < m->all.thresh, 0)) {
                    shards_access(&m->all, key, h);
                    if (m->all.oom) {
                        e = host_oom(diag);
                        break;
                    }
                }
                continue;
            }
        }
        if (prefetch && i + 16 < n) {
            /* The hash slot of a later record: its host cache miss overlaps this one's. */
            uint64_t k = KEY_VALID | ((recs[i + 16].addr & TLB_VA_MASK) >> 12);
            __builtin_prefetch(&m->all.tab[home(&m->all, k)]);
        }
        if (prefetch) {
            /* Exact over 4 KiB pages, one level: a key, its distance, a count, as
             * translate and curves_access would do for it; the rest goes the general way. */
            uint64_t va = rec->addr, last = va + rec->size - (rec->size != 0);
            if (m->first_ps == VML_PS_4K && va >= MIN_ADDR && va < m->user_top && last >= va &&
                !((va ^ last) >> 12) && in_stream(m, kind)) {
                struct stack *st = &m->all;
                m->sum.translations++;
                st->refs++;
                int64_t d = fa_access(st, KEY_VALID | ((va & TLB_VA_MASK) >> 12), kind == VML_WRITE,
                                      &m->sum.read_then_write);
                if (d >= 0 && d < EXACT_MAX) {
                    st->pend[st->npend++] = (uint32_t)d;
                    if (st->npend == sizeof(st->pend) / sizeof(st->pend[0]) && !hist_flush(st))
                        d = -2;
                } else if (d >= EXACT_MAX) {
                    st->far[far_bucket((uint64_t)d)]++;
                } else if (d == -1) {
                    st->cold++;
                }
                if (d == -2) {
                    e = host_oom(diag);
                    break;
                }
                continue;
            }
        }
        uint64_t va = rec->addr, last = va + rec->size - (rec->size != 0);
        if (last < va)
            last = UINT64_MAX;
        /* Every record's size is asked (not only the stream's): replay maps memory at first
         * touches of any kind, and the shadow must see them in the same order. */
        int ps = page_size(m, va, kind, diag);
        if (ps < 0) {
            e = ps;
            break;
        }
        if (!in_stream(m, kind))
            continue;
        if (!translate(m, va, (unsigned)ps, kind)) {
            e = host_oom(diag);
            break;
        }
        /* A record spanning two pages translates both, as replay does (record_span). */
        if (ps != SKIP && (va ^ last) >> vml_ps_shift((enum vml_page_size)ps)) {
            uint64_t va2 = last & ~((1ull << vml_ps_shift((enum vml_page_size)ps)) - 1);
            int ps2 = page_size(m, va2, kind, diag);
            if (ps2 < 0) {
                e = ps2;
                break;
            }
            if (!translate(m, va2, (unsigned)ps2, kind)) {
                e = host_oom(diag);
                break;
            }
        }
    }
    m->sum.records += i;
    if (!hist_flush(&m->all) && !e)
        e = host_oom(diag);
    for (unsigned p = 0; p < VML_PS_COUNT; p++)
        if (m->size[p] && !hist_flush(m->size[p]) && !e)
            e = host_oom(diag);
    if (done)
        *done = i;
    return e;
}

/* ---- results ------------------------------------------------------------------------------ */

static const struct stack *curve(const struct vml_mrc *m, unsigned c)
{
    if (c == VML_MRC_ALL_SIZES)
        return &m->all;
    if (c >= VML_PS_COUNT)
        return NULL;
    if (m->first_ps >= 0)
        return m->first_ps == (int)c ? &m->all : NULL;
    return m->size[c];
}

void vml_mrc_summary(const struct vml_mrc *m, struct vml_mrc_summary *out)
{
    *out = m->sum;
    for (unsigned c = 0; c < VML_MRC_CURVES; c++) {
        const struct stack *s = curve(m, c);
        out->refs[c] = s ? s->refs : 0;
        out->distinct[c] = s && !s->sa ? s->count : 0;
    }
    out->refs[VML_MRC_ALL_SIZES] += m->sum.skipped;
    out->shards_rate = m->all.shards ? rate_of(&m->all) : 1;
    out->shards_sampled = m->all.sampled;
}

uint64_t vml_mrc_max_entries(const struct vml_mrc *m, unsigned c)
{
    const struct stack *s = curve(m, c);
    if (!s)
        return 0;
    if (s->sa)
        return (uint64_t)s->sets * s->ways;
    if (s->shards) {
        for (unsigned b = NR_FAR; b-- > 0;)
            if (s->dfar[b] != 0)
                return far_bound(b + 1);
        size_t n = s->dlen;
        while (n && s->dhist[n - 1] == 0)
            n--;
        return n + 1;
    }
    return s->count ? s->count : 1;
}

uint64_t vml_mrc_misses(const struct vml_mrc *m, unsigned c, uint64_t entries)
{
    const struct stack *s = curve(m, c);
    uint64_t extra = c == VML_MRC_ALL_SIZES ? m->sum.skipped : 0;
    if (!s)
        return extra;
    if (entries == 0)
        return UINT64_MAX;
    if (s->sa) {
        if (entries % s->sets || entries / s->sets > s->ways)
            return UINT64_MAX;
        uint64_t miss = s->cold + extra;
        for (uint64_t d = entries / s->sets; d < s->ways; d++)
            miss += s->hist[d];
        return miss;
    }
    if (s->shards) {
        /* Misses are the sample's, weighted 1/R; the miss ratio divides them by the exact
         * number of references, not by the sample's weight: SHARDS-adj's correction (the
         * sample's shortfall or excess of references, added at distance 0, which every TLB
         * hits). */
        double miss = s->dcold;
        for (size_t d = entries; d < s->dlen; d++)
            miss += s->dhist[d];
        /* far buckets: those at or above entries' (a size inside a bucket counts it whole:
         * an estimate already) */
        for (unsigned b = entries > EXACT_MAX ? far_bucket(entries) : 0; b < NR_FAR; b++)
            miss += s->dfar[b];
        double est = miss + (double)extra;
        if (est > (double)s->refs + (double)extra)
            est = (double)s->refs + (double)extra;
        return (uint64_t)llround(est < 0 ? 0 : est);
    }
    uint64_t miss = s->cold + extra;
    if (entries >= s->count)
        return miss; /* every distance is below the number of keys */
    if (entries > EXACT_MAX) {
        unsigned b = far_bucket(entries);
        if (far_bound(b) != entries)
            return UINT64_MAX; /* inside a bucket: not known exactly */
        for (; b < NR_FAR; b++)
            miss += s->far[b];
        return miss;
    }
    for (size_t d = entries; d < s->hlen; d++)
        miss += s->hist[d];
    for (unsigned b = 0; b < NR_FAR; b++)
        miss += s->far[b];
    return miss;
}

size_t vml_mrc_points(const struct vml_mrc *m, unsigned c, uint64_t *out, size_t len)
{
    const struct stack *s = curve(m, c);
    size_t n = 0;
    if (!s)
        return 0;
    if (s->sa) {
        for (uint64_t w = 1; w <= s->ways && n < len; w++)
            out[n++] = w * s->sets;
        return n;
    }
    uint64_t max = vml_mrc_max_entries(m, c);
    uint64_t e = 1;
    while (n < len) {
        out[n++] = e;
        if (e >= max)
            break;
        uint64_t next = e < 64 ? e + 1 : (uint64_t)ceil((double)e * 1.0905077326652577);
        if (next > EXACT_MAX) /* the next bucket bound: exact there */
            next = e < EXACT_MAX ? EXACT_MAX : far_bound(far_bucket(e) + 1);
        e = next > max ? max : next;
    }
    return n;
}

static const char *const curve_names[VML_MRC_CURVES] = { "4K", "2M", "1G", "all" };

/* The page size of a curve for its reach: its own, or for ALL_SIZES the only size seen. */
static int curve_ps(const struct vml_mrc *m, unsigned c)
{
    if (c < VML_PS_COUNT)
        return (int)c;
    return m->first_ps >= 0 ? m->first_ps : -1;
}

#define MAX_POINTS 4096

void vml_mrc_csv(const struct vml_mrc *m, struct vml_text *out)
{
    struct vml_mrc_summary s;
    vml_mrc_summary(m, &s);
    uint64_t *pts = malloc(MAX_POINTS * sizeof(*pts));
    if (!pts) {
        out->oom = true;
        return;
    }
    vml_text_printf(out, "curve,page_size,entries,sets,ways,reach_bytes,refs,misses,miss_ratio\n");
    for (unsigned c = 0; c < VML_MRC_CURVES; c++) {
        if (!s.refs[c] || (c < VML_PS_COUNT && m->first_ps >= 0))
            continue; /* one size only: its curve is the ALL_SIZES one */
        int ps = curve_ps(m, c);
        size_t n = vml_mrc_points(m, c, pts, MAX_POINTS);
        for (size_t i = 0; i < n; i++) {
            uint64_t miss = vml_mrc_misses(m, c, pts[i]);
            char reach[32] = "";
            if (ps >= 0)
                snprintf(reach, sizeof(reach), "%llu",
                         (unsigned long long)(pts[i] << vml_ps_shift((enum vml_page_size)ps)));
            vml_text_printf(out, "%s,%s,%llu,%u,%llu,%s,%llu,%llu,%.6f\n", curve_names[c],
                            ps >= 0 ? vml_ps_name((enum vml_page_size)ps) : "mixed",
                            (unsigned long long)pts[i], m->cfg.sets,
                            (unsigned long long)(pts[i] / m->cfg.sets), reach,
                            (unsigned long long)s.refs[c], (unsigned long long)miss,
                            s.translations ? (double)miss / (double)s.translations : 0.0);
        }
    }
    free(pts);
}

void vml_mrc_json(const struct vml_mrc *m, struct vml_text *out)
{
    struct vml_mrc_summary s;
    vml_mrc_summary(m, &s);
    uint64_t *pts = malloc(MAX_POINTS * sizeof(*pts));
    if (!pts) {
        out->oom = true;
        return;
    }
    static const char *const sides[] = { "data", "exec", "all" };
    static const char *const modes[] = { "exact", "shards-rate", "shards-size" };
    vml_text_printf(
        out,
        "{\"mode\":\"%s\",\"level\":\"%s\",\"side\":\"%s\",\"sets\":%u,"
        "\"records\":%llu,\"translations\":%llu,\"skipped\":%llu,\"l1_misses\":%llu,"
        "\"read_then_write\":%llu,\"size_changes\":%llu,\"flushes\":%llu,\"shards_rate\":%.6g,"
        "\"shards_sampled\":%llu,\"curves\":[",
        modes[m->cfg.shards], m->cfg.two_level ? "stlb" : "l1",
        m->cfg.two_level ? "all" : sides[m->cfg.side], m->cfg.sets, (unsigned long long)s.records,
        (unsigned long long)s.translations, (unsigned long long)s.skipped,
        (unsigned long long)s.l1_misses, (unsigned long long)s.read_then_write,
        (unsigned long long)s.size_changes, (unsigned long long)s.flushes, s.shards_rate,
        (unsigned long long)s.shards_sampled);
    bool first = true;
    for (unsigned c = 0; c < VML_MRC_CURVES; c++) {
        if (!s.refs[c] || (c < VML_PS_COUNT && m->first_ps >= 0))
            continue;
        int ps = curve_ps(m, c);
        vml_text_printf(out,
                        "%s{\"curve\":\"%s\",\"page_size\":\"%s\",\"refs\":%llu,\"distinct\":%llu,"
                        "\"points\":[",
                        first ? "" : ",", curve_names[c],
                        ps >= 0 ? vml_ps_name((enum vml_page_size)ps) : "mixed",
                        (unsigned long long)s.refs[c], (unsigned long long)s.distinct[c]);
        first = false;
        size_t n = vml_mrc_points(m, c, pts, MAX_POINTS);
        for (size_t i = 0; i < n; i++) {
            uint64_t miss = vml_mrc_misses(m, c, pts[i]);
            vml_text_printf(out, "%s{\"entries\":%llu,\"misses\":%llu,\"miss_ratio\":%.6f}",
                            i ? "," : "", (unsigned long long)pts[i], (unsigned long long)miss,
                            s.translations ? (double)miss / (double)s.translations : 0.0);
        }
        vml_text_printf(out, "]}");
    }
    vml_text_printf(out, "]}\n");
    free(pts);
}
