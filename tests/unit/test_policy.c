/* test_policy.c: page-replacement policies against hand-worked traces (each expectation is
 * derived in the comment beside it), Belady's anomaly, OPT against an exhaustive search for
 * the fewest misses, second-chance against clock, the page-list parser's errors, and traces cut
 * into pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "learn/prng.h"
#include "vmlab/learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vml_pages mk(const uint64_t *v, size_t n)
{
    struct vml_pages p = { 0 };
    p.page = malloc(n * sizeof(*v));
    assert_non_null(p.page);
    memcpy(p.page, v, n * sizeof(*v));
    p.n = p.cap = n;
    return p;
}

static struct vml_policy_result run1(enum vml_policy pol, size_t frames, const uint64_t *v,
                                     size_t n)
{
    struct vml_pages p = mk(v, n);
    struct vml_policy_config c = { .policy = pol, .frames = frames, .seed = 1 };
    struct vml_policy_result r;
    assert_int_equal(vml_policy_run(&c, &p, &r, NULL, NULL), 0);
    assert_int_equal(r.hits + r.misses, n);
    vml_pages_free(&p);
    return r;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define EXPECT(pol, fr, tr, h, m, e)                                                               \
    do {                                                                                           \
        struct vml_policy_result r_ = run1(pol, fr, tr, N(tr));                                    \
        assert_int_equal(r_.hits, h);                                                              \
        assert_int_equal(r_.misses, m);                                                            \
        assert_int_equal(r_.evictions, e);                                                         \
    } while (0)

static const uint64_t belady[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };

/* FIFO on the classic string. 3 frames: 1 2 3 miss, 4 evicts 1, 1 evicts 2, 2 evicts 3, 5
 * evicts 4, 1 and 2 hit, 3 evicts 1, 4 evicts 2, 5 hits: 9 misses. 4 frames: 1 2 3 4 miss, 1 2
 * hit, 5 evicts 1, 1 evicts 2, 2 evicts 3, 3 evicts 4, 4 evicts 5, 5 evicts 1: 10 misses. */
static void test_belady_anomaly(void **state)
{
    (void)state;
    EXPECT(VML_POL_FIFO, 3, belady, 3, 9, 6);
    EXPECT(VML_POL_FIFO, 4, belady, 2, 10, 6);
    /* LRU is a stack algorithm: no anomaly. 3 frames: 10 misses (only 1, 2 at 8, 9 hit);
     * 4 frames: 1 2 hit at 5 6, 5 evicts 3, 1 2 hit, 3 evicts 4, 4 evicts 5, 5 evicts 1: 8. */
    EXPECT(VML_POL_LRU, 3, belady, 2, 10, 7);
    EXPECT(VML_POL_LRU, 4, belady, 4, 8, 4);
}

struct rec {
    uint64_t victim[64];
    bool evicted[64];
    char frames[64][64];
};

static void record(const struct vml_policy_step *s, void *ctx)
{
    struct rec *r = ctx;
    r->victim[s->index] = s->victim;
    r->evicted[s->index] = s->evicted;
    snprintf(r->frames[s->index], sizeof(r->frames[0]), "%s", s->frames);
}

/* OPT, 3 frames, worked by next-use distances: at access 4 (page 4) the residents 1, 2, 3 are
 * next used at accesses 5, 6, 10: 3 goes. At 7 (page 5): 4, 1, 2 next at 11, 8, 9: 4 goes. At
 * 10 (page 3): 1, 2 are never used again, 5 at 12: a tie, and the rule takes the page loaded
 * first, 1 (access 1) before 2 (access 2). At 11 (page 4): 2 and 3 never again, 2 loaded
 * first. 7 misses, 5 hits. 4 frames: after the 4 cold misses, only 5 (at access 7: 1, 2, 3, 4
 * next used at 8, 9, 10, 11, so 4 goes) and 4 (at 11: 1, 2, 3 never again, 1 loaded first)
 * miss: 6. */
static void test_opt_exact(void **state)
{
    (void)state;
    struct vml_pages p = mk(belady, N(belady));
    struct vml_policy_config c = { .policy = VML_POL_OPT, .frames = 3 };
    struct vml_policy_result r;
    struct rec rec;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(vml_policy_run(&c, &p, &r, record, &rec), 0);
    assert_int_equal(r.misses, 7);
    assert_int_equal(r.hits, 5);
    const struct {
        unsigned at;
        uint64_t victim;
    } want[] = { { 3, 3 }, { 6, 4 }, { 9, 1 }, { 10, 2 } };
    unsigned ev = 0;
    for (unsigned i = 0; i < N(belady); i++)
        ev += rec.evicted[i];
    assert_int_equal(ev, 4);
    for (unsigned k = 0; k < N(want); k++) {
        assert_true(rec.evicted[want[k].at]);
        assert_int_equal(rec.victim[want[k].at], want[k].victim);
    }
    c.frames = 4;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(vml_policy_run(&c, &p, &r, record, &rec), 0);
    assert_int_equal(r.misses, 6);
    assert_int_equal(rec.victim[6], 4);
    assert_int_equal(rec.victim[10], 1);
    vml_pages_free(&p);
}

/* The fewest misses any replacement choice can give, by trying every victim at every miss. */
static unsigned best(const uint64_t *tr, size_t n, size_t i, uint64_t *res, size_t nres,
                     size_t frames)
{
    for (; i < n; i++) {
        size_t k = 0;
        while (k < nres && res[k] != tr[i])
            k++;
        if (k < nres)
            continue;
        if (nres < frames) {
            res[nres++] = tr[i];
            unsigned m = 1 + best(tr, n, i + 1, res, nres, frames);
            return m;
        }
        unsigned m = UINT32_MAX;
        for (size_t v = 0; v < nres; v++) {
            uint64_t save = res[v];
            res[v] = tr[i];
            unsigned x = 1 + best(tr, n, i + 1, res, nres, frames);
            res[v] = save;
            if (x < m)
                m = x;
        }
        return m;
    }
    return 0;
}

static void test_opt_is_minimal(void **state)
{
    (void)state;
    struct prng g;
    prng_seed(&g, 99);
    for (int t = 0; t < 300; t++) {
        uint64_t tr[11];
        size_t frames = 1 + (size_t)prng_below(&g, 3);
        for (size_t i = 0; i < N(tr); i++)
            tr[i] = prng_below(&g, 5);
        uint64_t res[4];
        unsigned want = best(tr, N(tr), 0, res, 0, frames);
        struct vml_policy_result o = run1(VML_POL_OPT, frames, tr, N(tr));
        assert_int_equal(o.misses, want);
        for (unsigned p = 0; p < VML_NR_POLICIES; p++)
            assert_true(run1((enum vml_policy)p, frames, tr, N(tr)).misses >= want);
    }
}

/* 1,2,3,2,4,1,2 with 3 frames.
 * LRU: 1 2 3 miss, 2 hits, 4 evicts 1 (least recent), 1 evicts 3, 2 hits: 2 hits, 5 misses.
 * FIFO: 2 hits once, 4 evicts 1, 1 evicts 2, 2 evicts 3: 1 hit, 6 misses.
 * clock: the ring 1* 2* 3*, hand at 1; 2 hits; 4: the hand clears 1, 2, 3 and comes back to
 * 1, which goes (4* in its slot, hand at 2); 1: 2's bit is clear, 2 goes (hand at 3); 2: 3's
 * bit is clear, 3 goes: 1 hit, 6 misses. */
static void test_small_traces(void **state)
{
    (void)state;
    static const uint64_t a[] = { 1, 2, 3, 2, 4, 1, 2 };
    EXPECT(VML_POL_LRU, 3, a, 2, 5, 2);
    EXPECT(VML_POL_FIFO, 3, a, 1, 6, 3);
    EXPECT(VML_POL_CLOCK, 3, a, 1, 6, 3);
    EXPECT(VML_POL_SECOND_CHANCE, 3, a, 1, 6, 3);
    /* OPT: 4 evicts 3 (never again; 1 at 6, 2 at 7), 1 and 2 hit: 3 hits, 4 misses. */
    EXPECT(VML_POL_OPT, 3, a, 3, 4, 1);

    /* LFU, 2 frames, 1,1,1,2,3,4,1: 1 has 3 uses when 3 comes, so 2 (1 use) goes; 4 evicts 3
     * (1 use); 1 hits: 3 hits, 4 misses. LRU evicts 1 at 3 and misses it at the end: 2, 5. */
    static const uint64_t b[] = { 1, 1, 1, 2, 3, 4, 1 };
    EXPECT(VML_POL_LFU, 2, b, 3, 4, 2);
    EXPECT(VML_POL_LRU, 2, b, 2, 5, 3);
    /* LFU's tie rule, 2 frames, 1,2,3,1: 1 and 2 have one use each when 3 comes; the least
     * recently used, 1, goes, so 1 misses again (it evicts 2): 0 hits. */
    static const uint64_t c[] = { 1, 2, 3, 1 };
    EXPECT(VML_POL_LFU, 2, c, 0, 4, 2);

    /* linux, 3 frames, 1,1,2,3,4,1: 1 starts inactive and referenced, its second use
     * activates it; 2 and 3 join the inactive list (full); 4: inactive (2) * 1 is not below
     * active (1), so no deactivation, and the inactive tail 2 goes; 1 hits on the active list.
     * 2 hits, 4 misses, 1 eviction. FIFO and LRU evict 1 at 4 and miss it: 1 hit, 5 misses. */
    static const uint64_t d[] = { 1, 1, 2, 3, 4, 1 };
    EXPECT(VML_POL_LINUX, 3, d, 2, 4, 1);
    EXPECT(VML_POL_LRU, 3, d, 1, 5, 2);
    EXPECT(VML_POL_FIFO, 3, d, 1, 5, 2);
    /* linux, 2 frames, 1,1,2,2,3,4: both 1 and 2 are activated; at 3 the inactive list is
     * empty, below the active one, so the active tail 1 is deactivated, and then, being the
     * inactive tail, reclaimed; 4 reclaims 3 (inactive 1 is not below active 1). 2 hits, 4
     * misses; at the end 2 is active and 4 inactive. */
    static const uint64_t e[] = { 1, 1, 2, 2, 3, 4 };
    EXPECT(VML_POL_LINUX, 2, e, 2, 4, 2);
    struct vml_pages p = mk(e, N(e));
    struct vml_policy_config cfg = { .policy = VML_POL_LINUX, .frames = 2 };
    struct vml_policy_result r;
    struct rec rec;
    assert_int_equal(vml_policy_run(&cfg, &p, &r, record, &rec), 0);
    assert_int_equal(rec.victim[4], 1);
    assert_int_equal(rec.victim[5], 3);
    assert_string_equal(rec.frames[5], "inactive [4*] active [2]");
    vml_pages_free(&p);
    /* The classic string with 3 frames: nothing is used twice while resident until 1 and 2
     * at 8 and 9 (activated); 3 then deactivates 1 (inactive 5 alone is below active 1, 2)
     * and reclaims 5; 4 reclaims 1, 5 reclaims 3: 2 hits, 10 misses. */
    EXPECT(VML_POL_LINUX, 3, belady, 2, 10, 7);

    /* One frame: every policy misses every change of page. */
    static const uint64_t f[] = { 7, 7, 8, 7, 7, 9 };
    for (unsigned k = 0; k < VML_NR_POLICIES; k++) {
        struct vml_policy_result x = run1((enum vml_policy)k, 1, f, N(f));
        assert_int_equal(x.hits, 2);
        assert_int_equal(x.misses, 4);
        assert_int_equal(x.evictions, 3);
    }
    /* More frames than pages: only cold misses. */
    for (unsigned k = 0; k < VML_NR_POLICIES; k++) {
        struct vml_policy_result x = run1((enum vml_policy)k, 10, belady, N(belady));
        assert_int_equal(x.misses, 5);
        assert_int_equal(x.evictions, 0);
    }
}

/* random: slot k = prng_below(frames) of xoshiro256** seeded with the seed, replayed here on a
 * plain array. */
static void test_random(void **state)
{
    (void)state;
    struct prng g;
    prng_seed(&g, 5);
    uint64_t tr[200];
    for (size_t i = 0; i < N(tr); i++)
        tr[i] = prng_below(&g, 9);
    for (uint64_t seed = 0; seed < 20; seed++) {
        struct prng h;
        prng_seed(&h, seed);
        uint64_t slot[4];
        size_t used = 0;
        uint64_t misses = 0;
        for (size_t i = 0; i < N(tr); i++) {
            size_t k = 0;
            while (k < used && slot[k] != tr[i])
                k++;
            if (k < used)
                continue;
            misses++;
            if (used < 4)
                slot[used++] = tr[i];
            else
                slot[prng_below(&h, 4)] = tr[i];
        }
        struct vml_pages p = mk(tr, N(tr));
        struct vml_policy_config c = { .policy = VML_POL_RANDOM, .frames = 4, .seed = seed };
        struct vml_policy_result r;
        assert_int_equal(vml_policy_run(&c, &p, &r, NULL, NULL), 0);
        assert_int_equal(r.misses, misses);
        vml_pages_free(&p);
    }
}

/* Second chance and clock are one algorithm in two shapes: the same victims, always. */
static void victims(enum vml_policy pol, const struct vml_pages *p, size_t frames, struct rec *r)
{
    struct vml_policy_config c = { .policy = pol, .frames = frames };
    struct vml_policy_result res;
    memset(r, 0, sizeof(*r));
    assert_int_equal(vml_policy_run(&c, p, &res, record, r), 0);
}

static void test_second_chance_is_clock(void **state)
{
    (void)state;
    struct prng g;
    prng_seed(&g, 3);
    for (int t = 0; t < 200; t++) {
        uint64_t tr[64];
        for (size_t i = 0; i < N(tr); i++)
            tr[i] = prng_below(&g, 8);
        struct vml_pages p = mk(tr, N(tr));
        size_t frames = 1 + (size_t)prng_below(&g, 6);
        struct rec a, b;
        victims(VML_POL_CLOCK, &p, frames, &a);
        victims(VML_POL_SECOND_CHANCE, &p, frames, &b);
        assert_memory_equal(a.victim, b.victim, sizeof(a.victim));
        assert_memory_equal(a.evicted, b.evicted, sizeof(a.evicted));
        vml_pages_free(&p);
    }
}

/* Published test vectors: splitmix64 from 0, and xoshiro256** from the state {1, 2, 3, 4}. */
static void test_prng_vectors(void **state)
{
    (void)state;
    uint64_t x = 0;
    assert_true(prng_splitmix64(&x) == 0xe220a8397b1dcdafull);
    assert_true(prng_splitmix64(&x) == 0x6e789e6aa1b965f4ull);
    assert_true(prng_splitmix64(&x) == 0x06c45d188009454full);
    struct prng g = { { 1, 2, 3, 4 } };
    assert_true(prng_next(&g) == 11520);
    assert_true(prng_next(&g) == 0);
    assert_true(prng_next(&g) == 1509978240);
    assert_true(prng_next(&g) == 1215971899390074240ull);
    for (int i = 0; i < 1000; i++)
        assert_true(prng_below(&g, 7) < 7);
}

static void parse_ok(const char *s, const uint64_t *want, size_t n)
{
    struct vml_pages p = { 0 };
    struct vml_diag d = { 0 };
    assert_int_equal(vml_pages_parse(s, strlen(s), "t", &p, &d), 0);
    assert_int_equal(p.n, n);
    assert_memory_equal(p.page, want, n * sizeof(*want));
    vml_pages_free(&p);
}

static void parse_bad(const char *s, unsigned line, unsigned col, const char *msg)
{
    struct vml_pages p = { 0 };
    struct vml_diag d = { 0 };
    assert_int_equal(vml_pages_parse(s, strlen(s), "t", &p, &d), VML_EPARSE);
    assert_string_equal(d.file, "t");
    assert_int_equal(d.line, line);
    assert_int_equal(d.col, col);
    if (!strstr(d.msg, msg))
        fail_msg("message '%s' lacks '%s'", d.msg, msg);
    vml_pages_free(&p);
}

static void test_page_list(void **state)
{
    (void)state;
    static const uint64_t a[] = { 1, 2, 3, 4, 16 };
    parse_ok("1, 2,3\n4 # four\n0x10\n", a, 5);
    parse_ok("# only\n1\n2\n3\n4\n16", a, 5);
}

static void test_page_list_errors(void **state)
{
    (void)state;
    parse_bad("1,,2", 1, 3, "a comma with no page number");
    parse_bad("1\n2 x", 2, 3, "page number 'x'");
    parse_bad("1\n2 @", 2, 3, "expected a page number, not '@'");
    parse_bad("1,2,", 1, 5, "ends with a comma");
    parse_bad("", 1, 0, "no page numbers");
    parse_bad("# nothing\n", 2, 0, "no page numbers");
    parse_bad(",1", 1, 1, "a comma with no page number");
    parse_bad("1 99999999999999999999999", 1, 3, "page number");
    parse_bad("1\n\n 2 \x01", 3, 4, "byte 0x01");
}

static void test_sniff(void **state)
{
    (void)state;
    assert_true(vml_pages_sniff("1,2,3", 5));
    assert_true(vml_pages_sniff("# c\n\n12\n", 8));
    assert_true(vml_pages_sniff("0x1f 0x20", 9));
    assert_false(vml_pages_sniff("7f001000 R\n", 11));
    assert_false(vml_pages_sniff(" L 04000000,8\n", 14));
    assert_false(vml_pages_sniff("I  04000000,3\n", 14));
    assert_false(vml_pages_sniff("# only comments\n", 16));
}

/* A lackey trace cut into 4 KiB pages: 4 bytes at 0xffe cross into page 1; 0x2000 is page 2. */
static void test_from_trace(void **state)
{
    (void)state;
    const char *t = " L 00000ffe,4\n S 00002000,8\nI  00003ffc,4\n";
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_open_mem(t, strlen(t), "t", VML_TRACE_LACKEY, &r, &d), 0);
    struct vml_pages p = { 0 };
    assert_int_equal(vml_pages_from_trace(r, 4096, 0, &p, &d), 0);
    vml_trace_close(r);
    static const uint64_t want[] = { 0, 1, 2, 3 };
    assert_int_equal(p.n, 4);
    assert_memory_equal(p.page, want, sizeof(want));
    vml_pages_free(&p);
    /* 1 KiB pages, at most 2 records. */
    assert_int_equal(vml_trace_open_mem(t, strlen(t), "t", VML_TRACE_LACKEY, &r, &d), 0);
    assert_int_equal(vml_pages_from_trace(r, 1024, 2, &p, &d), 0);
    vml_trace_close(r);
    static const uint64_t want2[] = { 3, 4, 8 };
    assert_int_equal(p.n, 3);
    assert_memory_equal(p.page, want2, sizeof(want2));
    vml_pages_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_belady_anomaly),   cmocka_unit_test(test_opt_exact),
        cmocka_unit_test(test_opt_is_minimal),   cmocka_unit_test(test_small_traces),
        cmocka_unit_test(test_random),           cmocka_unit_test(test_second_chance_is_clock),
        cmocka_unit_test(test_prng_vectors),     cmocka_unit_test(test_page_list),
        cmocka_unit_test(test_page_list_errors), cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_from_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
