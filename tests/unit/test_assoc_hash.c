/* test_assoc_hash.c: a hashed fully associative cache (hw/assoc_hash.c) against a reference LRU
 * model written here the obvious way: an array of ways searched linearly, and a recency list
 * of the valid ways kept as an array with move-to-front. The model fills the lowest empty way,
 * else evicts the last of the list, which is what every assoc cache promises (assoc.h).
 *
 * Fixed seeds, a random sequence of lookups, inserts (refreshing and evicting), fills after a
 * miss (as the MMU makes them), removals by key, removals by predicate (a PCID flush) and
 * clears: every hit or miss, value, eviction victim and count must agree at every step, and
 * every entry's way (the visit order) every few steps. A failure prints the seed, the geometry
 * and the step; VMLAB_SEED and VMLAB_OPS replay one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/assoc.h"
#include "random_seeds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the reference model ---------------------------------------------------------------- */

struct model {
    uint32_t ways;
    uint64_t *key; /* by way, 0 = empty */
    uint64_t *val;
    uint32_t *order; /* the valid ways, most recently used first */
    uint32_t n;      /* valid ways */
};

static void model_init(struct model *m, uint32_t ways)
{
    m->ways = ways;
    m->key = calloc(ways, sizeof(uint64_t));
    m->val = calloc(ways, sizeof(uint64_t));
    m->order = calloc(ways, sizeof(uint32_t));
    m->n = 0;
    assert_true(m->key && m->val && m->order);
}

static void model_fini(struct model *m)
{
    free(m->key);
    free(m->val);
    free(m->order);
}

static uint32_t model_find(const struct model *m, uint64_t key)
{
    for (uint32_t w = 0; w < m->ways; w++)
        if (m->key[w] == key)
            return w;
    return UINT32_MAX;
}

/* Takes way w out of the recency list. */
static void model_unlink(struct model *m, uint32_t w)
{
    uint32_t i = 0;
    while (m->order[i] != w)
        i++;
    memmove(&m->order[i], &m->order[i + 1], (m->n - i - 1) * sizeof(uint32_t));
    m->n--;
}

static void model_push_front(struct model *m, uint32_t w)
{
    memmove(&m->order[1], &m->order[0], m->n * sizeof(uint32_t));
    m->order[0] = w;
    m->n++;
}

static bool model_lookup(struct model *m, uint64_t key, uint64_t *val)
{
    uint32_t w = model_find(m, key);
    if (w == UINT32_MAX)
        return false;
    model_unlink(m, w);
    model_push_front(m, w);
    *val = m->val[w];
    return true;
}

/* Returns whether a valid entry was evicted, its key and value in *old_key, *old_val. */
static bool model_insert(struct model *m, uint64_t key, uint64_t val, uint64_t *old_key,
                         uint64_t *old_val)
{
    uint32_t w = model_find(m, key);
    bool evicted = false;
    if (w == UINT32_MAX) {
        for (w = 0; w < m->ways && m->key[w]; w++)
            ;
        if (w == m->ways) {
            w = m->order[m->n - 1];
            evicted = true;
            *old_key = m->key[w];
            *old_val = m->val[w];
        }
    }
    if (m->key[w])
        model_unlink(m, w);
    m->key[w] = key;
    m->val[w] = val;
    model_push_front(m, w);
    return evicted;
}

static bool model_remove(struct model *m, uint64_t key)
{
    uint32_t w = model_find(m, key);
    if (w == UINT32_MAX)
        return false;
    model_unlink(m, w);
    m->key[w] = m->val[w] = 0;
    return true;
}

/* ---- the run ---------------------------------------------------------------------------- */

struct ctx_pcid {
    unsigned pcid;
};

static bool key_has_pcid(uint64_t key, uint64_t val, void *ctx)
{
    (void)val;
    return (key & 0xfffu) == ((struct ctx_pcid *)ctx)->pcid;
}

static size_t model_remove_pcid(struct model *m, unsigned pcid)
{
    size_t n = 0;
    struct ctx_pcid c = { pcid };
    for (uint32_t w = 0; w < m->ways; w++)
        if (m->key[w] && key_has_pcid(m->key[w], m->val[w], &c))
            n += model_remove(m, m->key[w]);
    return n;
}

/* The cache's entries in visit order (way order), as key, value pairs. */
struct dump {
    uint64_t *kv;
    size_t n;
};

static int dump_entry(uint64_t key, uint64_t val, void *ctx)
{
    struct dump *d = ctx;
    d->kv[d->n++] = key;
    d->kv[d->n++] = val;
    return 0;
}

static bool same_contents(const struct assoc *a, const struct model *m, uint64_t *buf)
{
    struct dump d = { buf, 0 };
    assoc_for_each(a, dump_entry, &d);
    size_t i = 0;
    for (uint32_t w = 0; w < m->ways; w++) {
        if (!m->key[w])
            continue;
        if (i + 2 > d.n || d.kv[i] != m->key[w] || d.kv[i + 1] != m->val[w])
            return false;
        i += 2;
    }
    return i == d.n;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A key as a TLB builds them: a page number over 3x the ways (so the cache overflows), a PCID
 * of eight, now and then a page-size or global bit, which only the high bits tell apart. */
static uint64_t rand_key(uint64_t *s, uint32_t ways)
{
    uint64_t r = rnd(s), span = 3 * (uint64_t)ways / 8 + 1;
    uint64_t vpn = (r >> 8) % span, pcid = r & 7, high = (r >> 60) % 8 == 0 ? (r >> 4) & 3 : 0;
    return ASSOC_VALID | high << 60 | vpn << 12 | pcid;
}

#define FAIL_AT(what)                                                                              \
    do {                                                                                           \
        print_error("seed %llu, %u ways, step %lu: %s\n", (unsigned long long)seed, ways, i,       \
                    what);                                                                         \
        bad = 1;                                                                                   \
        goto out;                                                                                  \
    } while (0)

static int run_geometry(uint64_t seed, unsigned long ops, uint32_t ways)
{
    struct assoc a;
    struct model m;
    int bad = 0;
    unsigned long i = 0;
    uint64_t s = seed | 1;
    assert_int_equal(assoc_init(&a, 1, ways), 0);
    assert_non_null(a.hash);
    model_init(&m, ways);
    uint64_t *buf = calloc(2 * (size_t)ways, sizeof(uint64_t));
    assert_non_null(buf);
    for (; i < ops; i++) {
        uint64_t key = rand_key(&s, ways), val = rnd(&s) | 1, op = rnd(&s) % 1000;
        uint64_t v[2] = { 0, 0 }, ok[2] = { 0, 0 }, ov[2] = { 0, 0 };
        bool r[2];
        if (op < 400) {
            r[0] = assoc_lookup(&a, 0, key, &v[0]);
            r[1] = model_lookup(&m, key, &v[1]);
        } else if (op < 550) {
            r[0] = assoc_insert(&a, 0, key, val, &ok[0], &ov[0]);
            r[1] = model_insert(&m, key, val, &ok[1], &ov[1]);
        } else if (op < 850) {
            /* A fill after a miss, as tlb_fill_absent makes it: the evicted key only. */
            uint64_t *b = assoc_block(&a, 0);
            r[0] = !assoc_lookup_in(&a, b, key, &v[0]);
            if (r[0] && assoc_insert_absent_in(&a, b, key, val, &ok[0]))
                ov[0] = 1;
            r[1] = !model_lookup(&m, key, &v[1]);
            if (r[1] && model_insert(&m, key, val, &ok[1], &ov[1]))
                ov[1] = 1;
        } else if (op < 995) {
            r[0] = assoc_remove(&a, 0, key);
            r[1] = model_remove(&m, key);
        } else if (op < 999) {
            struct ctx_pcid c = { (unsigned)(key & 7) };
            v[0] = assoc_remove_if(&a, key_has_pcid, &c);
            v[1] = model_remove_pcid(&m, c.pcid);
            r[0] = r[1] = true;
        } else {
            assoc_clear(&a);
            while (m.n)
                model_remove(&m, m.key[m.order[0]]);
            r[0] = r[1] = true;
        }
        if (r[0] != r[1] || v[0] != v[1])
            FAIL_AT("hit, miss or value differs from the reference");
        if (ok[0] != ok[1] || ov[0] != ov[1])
            FAIL_AT("eviction victim differs from the reference");
        if (assoc_count(&a) != m.n)
            FAIL_AT("entry count differs from the reference");
        if ((i % 64 == 0 || i + 1 == ops) && !same_contents(&a, &m, buf))
            FAIL_AT("an entry sits in another way than in the reference");
    }
out:
    free(buf);
    model_fini(&m);
    assoc_fini(&a);
    return bad;
}

static int run_seed(uint64_t seed, unsigned long ops)
{
    /* The threshold itself, a size whose index is not a power of two times two, a big one; then
     * tiny ones (hashed through the test hook), where every way is an edge. */
    static const uint32_t big[] = { ASSOC_HASH_MIN_WAYS, 1000, 4096 };
    static const uint32_t tiny[] = { 1, 2, 3, 64 };
    int bad = 0;
    for (size_t g = 0; g < sizeof(big) / sizeof(big[0]); g++)
        bad |= run_geometry(seed, ops, big[g]);
    uint32_t old = assoc_set_hash_min_ways(1);
    for (size_t g = 0; g < sizeof(tiny) / sizeof(tiny[0]); g++)
        bad |= run_geometry(seed, ops, tiny[g]);
    assoc_set_hash_min_ways(old);
    return bad;
}

static void test_matches_reference_lru(void **state)
{
    static const uint64_t seeds[] = { 20261207, 99 };
    (void)state;
    assert_int_equal(run_seeds(run_seed, seeds, 2, 30000), 0);
}

/* Which caches are hashed: one set of ASSOC_HASH_MIN_WAYS ways or more, nothing else. */
static void test_threshold(void **state)
{
    struct assoc a;
    (void)state;
    assert_int_equal(assoc_init(&a, 1, ASSOC_HASH_MIN_WAYS - 1), 0);
    assert_null(a.hash);
    assoc_fini(&a);
    assert_int_equal(assoc_init(&a, 1, ASSOC_HASH_MIN_WAYS), 0);
    assert_non_null(a.hash);
    assoc_fini(&a);
    assert_null(a.hash);
    assert_int_equal(assoc_init(&a, 2, ASSOC_HASH_MIN_WAYS), 0);
    assert_null(a.hash);
    assoc_fini(&a);
    uint32_t old = assoc_set_hash_min_ways(UINT32_MAX);
    assert_int_equal(assoc_init(&a, 1, 65536), 0);
    assert_null(a.hash);
    assoc_fini(&a);
    assoc_set_hash_min_ways(old);
}

/* By hand, 128 ways: keys 0..127 fill ways 0..127 in order; after a hit on key 0, keys
 * 1001..1003 evict keys 1, 2, 3 (the least recently used) and take their ways. Removing key 5
 * (way 5) and key 1003 (way 3) empties two ways: the next two fills take way 3, then way 5
 * (lowest first) and evict nothing; the third evicts key 4, now the least recently used. */
static void test_hand_worked(void **state)
{
    struct assoc a;
    uint64_t v, old = 0;
    (void)state;
    assert_int_equal(ASSOC_HASH_MIN_WAYS, 128);
    assert_int_equal(assoc_init(&a, 1, 128), 0);
#define KEY(n) (ASSOC_VALID | (uint64_t)(n) << 12)
    for (unsigned n = 0; n < 128; n++)
        assert_false(assoc_insert(&a, 0, KEY(n), n, &old, NULL));
    assert_true(assoc_lookup(&a, 0, KEY(0), &v));
    assert_int_equal(v, 0);
    for (unsigned n = 1; n <= 3; n++) {
        assert_true(assoc_insert(&a, 0, KEY(1000 + n), n, &old, NULL));
        assert_int_equal(old, KEY(n)); /* way n */
    }
    /* Recency, oldest first: 4, 5, ..., 127, 0, 1001, 1002, 1003. */
    assert_true(assoc_remove(&a, 0, KEY(5)));
    assert_true(assoc_remove(&a, 0, KEY(1003)));                 /* way 3 */
    assert_false(assoc_insert(&a, 0, KEY(2000), 0, &old, NULL)); /* way 3 */
    assert_false(assoc_insert(&a, 0, KEY(2001), 0, &old, NULL)); /* way 5 */
    assert_true(assoc_insert(&a, 0, KEY(2002), 0, &old, NULL));
    assert_int_equal(old, KEY(4));
    const uint64_t *keys = assoc_block(&a, 0);
    assert_int_equal(keys[1], KEY(1001));
    assert_int_equal(keys[3], KEY(2000));
    assert_int_equal(keys[4], KEY(2002));
    assert_int_equal(keys[5], KEY(2001));
    assert_int_equal(assoc_count(&a), 128);
#undef KEY
    assoc_fini(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threshold),
        cmocka_unit_test(test_hand_worked),
        cmocka_unit_test(test_matches_reference_lru),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
