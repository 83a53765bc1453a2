/* test_assoc.c: the set-associative LRU cache under every TLB array and page-walk cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/assoc.h"
#include "random_seeds.h"

#include <stdio.h>
#include <string.h>

#define K(n) (ASSOC_VALID | (uint64_t)(n)) /* a valid key for tag n */

static bool hit(struct assoc *a, uint64_t tag, uint64_t *val)
{
    return assoc_lookup(a, assoc_set(a, tag), K(tag), val);
}

static bool put(struct assoc *a, uint64_t tag, uint64_t val, uint64_t *old_key)
{
    return assoc_insert(a, assoc_set(a, tag), K(tag), val, old_key, NULL);
}

static void test_init_rejects_zero(void **state)
{
    struct assoc a;
    (void)state;
    assert_int_equal(assoc_init(&a, 0, 4), -1);
    assert_null(a.slots);
    assert_int_equal(assoc_init(&a, 4, 0), -1);
    assert_int_equal(a.sets, 0);
    assoc_clear(&a); /* safe on a failed cache */
    assert_int_equal(assoc_count(&a), 0);
    assoc_fini(&a);
}

static void test_set_index(void **state)
{
    struct assoc a;
    (void)state;
    assert_int_equal(assoc_init(&a, 4, 2), 0);
    assert_int_equal(a.set_mask, 3);
    assert_int_equal(assoc_set(&a, 5), 1);
    assert_int_equal(assoc_set(&a, 0x1234567), 3);
    assoc_fini(&a);
    assert_int_equal(assoc_init(&a, 3, 2), 0);
    assert_int_equal(a.set_mask, 0);
    assert_int_equal(assoc_set(&a, 5), 2);
    assert_int_equal(assoc_set(&a, 9), 0);
    assoc_fini(&a);
    assert_int_equal(assoc_init(&a, 1, 8), 0);
    assert_int_equal(assoc_set(&a, 0xffffffffffffull), 0);
    assoc_fini(&a);
}

/* One set of three ways: a hit refreshes, the least recently used way is the victim, and the
 * evicted key and value are reported. */
static void test_lru_order(void **state)
{
    struct assoc a;
    uint64_t v, old_key = 0, old_val = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 1, 3), 0);
    assert_false(put(&a, 1, 10, &old_key));
    assert_false(put(&a, 2, 20, &old_key));
    assert_false(put(&a, 3, 30, &old_key));
    assert_true(hit(&a, 1, &v));
    assert_int_equal(v, 10);
    /* LRU order now 2, 3, 1 */
    assert_true(assoc_insert(&a, 0, K(4), 40, &old_key, &old_val));
    assert_int_equal(old_key, K(2));
    assert_int_equal(old_val, 20);
    assert_false(hit(&a, 2, &v));
    assert_true(put(&a, 5, 50, &old_key));
    assert_int_equal(old_key, K(3));
    assert_true(put(&a, 6, 60, &old_key));
    assert_int_equal(old_key, K(1));
    assert_true(hit(&a, 4, &v) && hit(&a, 5, &v) && hit(&a, 6, &v));
    assert_int_equal(v, 60);
    assert_int_equal(assoc_count(&a), 3);
    assoc_fini(&a);
}

/* Re-inserting a present key updates it in place and makes it most recently used. */
static void test_insert_refreshes(void **state)
{
    struct assoc a;
    uint64_t v, old_key = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 1, 2), 0);
    put(&a, 1, 10, NULL);
    put(&a, 2, 20, NULL);
    assert_false(put(&a, 1, 11, &old_key)); /* refresh: nothing evicted */
    assert_int_equal(assoc_count(&a), 2);
    assert_true(put(&a, 3, 30, &old_key));
    assert_int_equal(old_key, K(2));
    assert_true(hit(&a, 1, &v));
    assert_int_equal(v, 11);
    assoc_fini(&a);
}

/* A removed way is reused before anything is evicted. */
static void test_remove_frees_a_way(void **state)
{
    struct assoc a;
    uint64_t v, old_key = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 1, 2), 0);
    put(&a, 1, 10, NULL);
    put(&a, 2, 20, NULL);
    assert_true(assoc_remove(&a, 0, K(1)));
    assert_false(assoc_remove(&a, 0, K(1)));
    assert_false(put(&a, 3, 30, &old_key));
    assert_true(hit(&a, 2, &v) && hit(&a, 3, &v));
    assert_int_equal(assoc_count(&a), 2);
    assoc_fini(&a);
}

/* A 16-way set (recency order in all 16 nibbles): removing its least recently used way, and
 * then its most recently used one, keeps the order of the others, and emptied ways fill first. */
static void test_remove_from_full_order(void **state)
{
    struct assoc a;
    uint64_t v, old_key = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 1, 16), 0);
    for (unsigned t = 1; t <= 16; t++)
        put(&a, t, t, NULL);
    assert_true(assoc_remove(&a, 0, K(1)));  /* the last in the order */
    assert_true(assoc_remove(&a, 0, K(16))); /* the first */
    assert_false(put(&a, 17, 17, &old_key));
    assert_false(put(&a, 18, 18, &old_key));
    assert_true(put(&a, 19, 19, &old_key));
    assert_int_equal(old_key, K(2));
    assert_true(put(&a, 20, 20, &old_key));
    assert_int_equal(old_key, K(3));
    assert_true(hit(&a, 17, &v) && hit(&a, 18, &v) && hit(&a, 15, &v));
    assert_int_equal(assoc_count(&a), 16);
    assoc_fini(&a);
}

/* Three sets, two ways: each set replaces on its own. */
static void test_non_power_of_two_sets(void **state)
{
    struct assoc a;
    uint64_t v, old_key = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 3, 2), 0);
    for (uint64_t t = 0; t < 6; t++)
        assert_false(put(&a, t, t * 10, &old_key));
    assert_int_equal(assoc_count(&a), 6);
    assert_true(put(&a, 6, 60, &old_key)); /* set 0 holds 0 and 3: 0 is older */
    assert_int_equal(old_key, K(0));
    assert_true(put(&a, 7, 70, &old_key)); /* set 1 holds 1 and 4 */
    assert_int_equal(old_key, K(1));
    assert_true(hit(&a, 2, &v) && hit(&a, 5, &v) && hit(&a, 3, &v) && hit(&a, 4, &v));
    assert_false(hit(&a, 0, &v) || hit(&a, 1, &v));
    assoc_fini(&a);
}

static bool odd_value(uint64_t key, uint64_t val, void *ctx)
{
    (void)key;
    ++*(int *)ctx;
    return val & 1;
}

static void test_remove_if(void **state)
{
    struct assoc a;
    uint64_t v;
    int calls = 0;
    (void)state;
    assert_int_equal(assoc_init(&a, 2, 4), 0);
    for (uint64_t t = 0; t < 7; t++)
        put(&a, t, t, NULL);
    assert_int_equal(assoc_remove_if(&a, odd_value, &calls), 3);
    assert_int_equal(calls, 7); /* called for valid entries only */
    assert_int_equal(assoc_count(&a), 4);
    assert_true(hit(&a, 0, &v) && hit(&a, 2, &v) && hit(&a, 4, &v) && hit(&a, 6, &v));
    assert_false(hit(&a, 1, &v) || hit(&a, 3, &v) || hit(&a, 5, &v));
    assoc_fini(&a);
}

struct seen {
    uint64_t keys[8];
    int n, stop_at;
};

static int record(uint64_t key, uint64_t val, void *ctx)
{
    struct seen *s = ctx;
    (void)val;
    s->keys[s->n++] = key;
    return s->n == s->stop_at ? 7 : 0;
}

/* Visits go set by set, way by way; a non-zero return stops and is returned. */
static void test_for_each_order(void **state)
{
    struct assoc a;
    struct seen s = { .n = 0 };
    (void)state;
    assert_int_equal(assoc_init(&a, 2, 2), 0);
    put(&a, 3, 0, NULL); /* set 1 way 0 */
    put(&a, 2, 0, NULL); /* set 0 way 0 */
    put(&a, 1, 0, NULL); /* set 1 way 1 */
    assert_int_equal(assoc_for_each(&a, record, &s), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.keys[0], K(2));
    assert_int_equal(s.keys[1], K(3));
    assert_int_equal(s.keys[2], K(1));
    s.n = 0;
    s.stop_at = 2;
    assert_int_equal(assoc_for_each(&a, record, &s), 7);
    assert_int_equal(s.n, 2);
    assoc_clear(&a);
    assert_int_equal(assoc_count(&a), 0);
    assoc_fini(&a);
}

/* Random operations on two caches of the same geometry, one keeping recency orders and one
 * stamps: every lookup, every eviction and the place of every entry (the visit order) must be
 * the same, removals and fills of emptied ways included. */
struct lru_pair {
    struct assoc a[2]; /* [1]: stamps */
    uint64_t rng;
};

static uint64_t lru_rnd(struct lru_pair *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

static bool tag_odd(uint64_t key, uint64_t val, void *ctx)
{
    (void)val;
    (void)ctx;
    return (key >> 1) & 1;
}

struct all_keys {
    uint64_t k[64];
    unsigned n;
};

static int collect_key(uint64_t key, uint64_t val, void *ctx)
{
    struct all_keys *s = ctx;
    (void)val;
    s->k[s->n++] = key;
    return 0;
}

static int lru_kinds_run(uint64_t seed, unsigned long ops)
{
    static const uint32_t geo[][2] = { { 1, 1 }, { 1, 2 },  { 2, 4 }, { 1, 7 },
                                       { 4, 8 }, { 2, 12 }, { 1, 16 } };
    for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]); g++) {
        struct lru_pair p = { .rng = seed | 1 };
        uint32_t sets = geo[g][0], ways = geo[g][1];
        for (unsigned k = 0; k < 2; k++)
            assert_int_equal(assoc_init(&p.a[k], sets, ways), 0);
        assoc_use_stamps(&p.a[1]);
        assert_true(p.a[0].order && !p.a[1].order);
        uint64_t span = 3 * (uint64_t)sets * ways; /* tags: enough to evict */
        for (unsigned long i = 0; i < ops; i++) {
            uint64_t tag = lru_rnd(&p) % span, op = lru_rnd(&p) % 100, r[2], v[2] = { 0, 0 };
            uint64_t old[2] = { 0, 0 };
            for (unsigned k = 0; k < 2; k++) {
                struct assoc *a = &p.a[k];
                uint64_t *b = assoc_block(a, assoc_set(a, tag));
                if (op < 40) {
                    r[k] = assoc_lookup_in(a, b, K(tag), &v[k]);
                } else if (op < 60) {
                    r[k] = assoc_insert(a, assoc_set(a, tag), K(tag), tag, &old[k], NULL);
                } else if (op < 85) {
                    /* a fill after a miss, as the MMU's miss path makes it */
                    r[k] = assoc_find(b, a->ways, K(tag)) == UINT32_MAX;
                    if (r[k] && assoc_insert_absent_any(a, b, K(tag), tag))
                        old[k] = 1;
                } else if (op < 98) {
                    r[k] = assoc_remove(a, assoc_set(a, tag), K(tag));
                } else {
                    r[k] = assoc_remove_if(a, tag_odd, NULL);
                }
            }
            struct all_keys s[2] = { { .n = 0 }, { .n = 0 } };
            for (unsigned k = 0; k < 2; k++)
                assoc_for_each(&p.a[k], collect_key, &s[k]);
            if (r[0] != r[1] || v[0] != v[1] || old[0] != old[1] || s[0].n != s[1].n ||
                memcmp(s[0].k, s[1].k, s[0].n * sizeof(uint64_t)) != 0 ||
                assoc_count(&p.a[0]) != assoc_count(&p.a[1])) {
                print_error("seed %llu, %u x %u ways, step %lu: the LRU kinds differ\n",
                            (unsigned long long)seed, sets, ways, i);
                return 1;
            }
        }
        for (unsigned k = 0; k < 2; k++)
            assoc_fini(&p.a[k]);
    }
    return 0;
}

static void test_lru_kinds_agree(void **state)
{
    static const uint64_t seeds[] = { 20260501, 7 };
    (void)state;
    assert_int_equal(run_seeds(lru_kinds_run, seeds, 2, 20000), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_rejects_zero),
        cmocka_unit_test(test_set_index),
        cmocka_unit_test(test_lru_order),
        cmocka_unit_test(test_insert_refreshes),
        cmocka_unit_test(test_remove_frees_a_way),
        cmocka_unit_test(test_non_power_of_two_sets),
        cmocka_unit_test(test_remove_if),
        cmocka_unit_test(test_for_each_order),
        cmocka_unit_test(test_remove_from_full_order),
        cmocka_unit_test(test_lru_kinds_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
