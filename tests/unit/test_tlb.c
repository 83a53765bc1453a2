/* test_tlb.c: one TLB level: lookup order, LRU replacement, splintering, PCIDs and global
 * entries, invalidation, and reconstructing entries for the invariant checker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hw/tlb.h"
#include "vmlab/pgtable.h"

#include <string.h>

#define S4K VML_PS_BIT(VML_PS_4K)
#define S2M VML_PS_BIT(VML_PS_2M)
#define S1G VML_PS_BIT(VML_PS_1G)

#define FLAGS     (VML_PTE_P | VML_PTE_RW | VML_PTE_US | VML_PTE_A)
#define VAL(pfn)  (((uint64_t)(pfn) << 12) | FLAGS)
#define GVAL(pfn) (VAL(pfn) | VML_PTE_G)

/* A level from up to three (sets, ways, sizes) triples. */
static void make(struct tlb_level *t, unsigned n, const unsigned (*arr)[3])
{
    struct vml_tlb_level_geom g = { .nr_arrays = n };
    for (unsigned i = 0; i < n; i++) {
        g.arr[i].sets = arr[i][0];
        g.arr[i].ways = arr[i][1];
        g.arr[i].sizes = (uint8_t)arr[i][2];
    }
    assert_int_equal(tlb_level_init(t, &g), 0);
}

/* The pfn a lookup finds, or -1 on a miss; *ps gets the entry's size. */
static int64_t look(struct tlb_level *t, uint64_t va, unsigned pcid, unsigned *ps)
{
    uint64_t val;
    unsigned got = 99;
    if (!tlb_lookup(t, va, pcid, &val, &got))
        return -1;
    if (ps)
        *ps = got;
    return (int64_t)((val & VML_PTE_PFN_MASK) >> 12);
}

static void fill4k(struct tlb_level *t, uint64_t vpn, unsigned pcid)
{
    tlb_fill(t, vpn << 12, pcid, VML_PS_4K, VAL(vpn + 0x1000));
}

static void test_init_plan(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 2, 2, S4K }, { 1, 4, S2M } };
    (void)state;
    make(&t, 2, geo);
    assert_int_equal(t.nr_probes, 2);
    assert_int_equal(t.probes[0].array, 0);
    assert_int_equal(t.probes[0].ps, VML_PS_4K);
    assert_int_equal(t.probes[1].array, 1);
    assert_int_equal(t.probes[1].ps, VML_PS_2M);
    assert_int_equal(t.array_of[VML_PS_1G], -1);
    assert_int_equal(t.fill_ps[VML_PS_4K], VML_PS_4K);
    assert_int_equal(t.fill_ps[VML_PS_2M], VML_PS_2M);
    assert_int_equal(t.fill_ps[VML_PS_1G], VML_PS_2M);
    tlb_level_fini(&t);
}

static void test_init_rejects_bad_geometry(void **state)
{
    struct tlb_level t;
    struct vml_tlb_level_geom g = { .nr_arrays = 2,
                                    .arr = { { 1, 4, S4K | S2M, false }, { 1, 4, S2M, false } } };
    (void)state;
    assert_int_equal(tlb_level_init(&t, &g), VML_EINVAL); /* 2M in two arrays */
    g.arr[1].sizes = S1G;
    g.arr[1].sets = 0;
    assert_int_equal(tlb_level_init(&t, &g), VML_EINVAL);
    g.arr[1].sets = 1;
    g.nr_arrays = 4;
    assert_int_equal(tlb_level_init(&t, &g), VML_EINVAL);
    g.nr_arrays = 1;
    g.arr[0].sizes = 0x8;
    assert_int_equal(tlb_level_init(&t, &g), VML_EINVAL);
    assert_int_equal(t.nr_probes, 0);
    tlb_level_fini(&t);
}

/* An absent level: nothing is cached, nothing hits, invalidation is a no-op. */
static void test_absent_level(void **state)
{
    struct tlb_level t;
    struct vml_tlb_level_geom g = { .nr_arrays = 0 };
    (void)state;
    assert_int_equal(tlb_level_init(&t, &g), 0);
    tlb_fill(&t, 0x1000, 1, VML_PS_4K, VAL(5));
    assert_int_equal(look(&t, 0x1000, 1, NULL), -1);
    assert_int_equal(tlb_count(&t), 0);
    assert_int_equal(tlb_invlpg(&t, 0x1000, 1), 0);
    tlb_flush_pcid(&t, 1);
    tlb_flush_all(&t, true);
    tlb_level_fini(&t);
}

/* 2 sets x 2 ways of 4K pages: even vpns share set 0, odd ones set 1; LRU by hand. */
static void test_lru_two_sets_two_ways(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 2, 2, S4K } };
    (void)state;
    make(&t, 1, geo);
    fill4k(&t, 0, 1);
    fill4k(&t, 2, 1);
    fill4k(&t, 1, 1);
    assert_int_equal(look(&t, 0 << 12, 1, NULL), 0x1000); /* set 0 LRU order: 2, 0 */
    fill4k(&t, 4, 1);                                     /* evicts 2 */
    assert_int_equal(look(&t, 2 << 12, 1, NULL), -1);
    assert_int_equal(look(&t, 4 << 12, 1, NULL), 0x1004); /* set 0 LRU order: 0, 4 */
    fill4k(&t, 6, 1);                                     /* evicts 0 */
    assert_int_equal(look(&t, 0 << 12, 1, NULL), -1);
    assert_int_equal(look(&t, 4 << 12, 1, NULL), 0x1004);
    assert_int_equal(look(&t, 6 << 12, 1, NULL), 0x1006);
    assert_int_equal(look(&t, 1 << 12, 1, NULL), 0x1001); /* set 1 untouched */
    fill4k(&t, 3, 1);
    fill4k(&t, 5, 1); /* set 1 LRU order was 1, 3: evicts 1 */
    assert_int_equal(look(&t, 1 << 12, 1, NULL), -1);
    assert_int_equal(look(&t, 3 << 12, 1, NULL), 0x1003);
    assert_int_equal(tlb_count(&t), 4);
    tlb_level_fini(&t);
}

/* 3 sets, direct-mapped: vpn % 3 picks the set. */
static void test_three_sets(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 3, 1, S4K } };
    (void)state;
    make(&t, 1, geo);
    for (uint64_t v = 0; v < 3; v++)
        fill4k(&t, v, 0);
    for (uint64_t v = 0; v < 3; v++)
        assert_int_equal(look(&t, v << 12, 0, NULL), 0x1000 + (int64_t)v);
    fill4k(&t, 4, 0); /* 4 % 3 = 1 */
    assert_int_equal(look(&t, 1 << 12, 0, NULL), -1);
    assert_int_equal(look(&t, 0 << 12, 0, NULL), 0x1000);
    assert_int_equal(look(&t, 2 << 12, 0, NULL), 0x1002);
    assert_int_equal(look(&t, 4 << 12, 0, NULL), 0x1004);
    assert_int_equal(tlb_count(&t), 3);
    tlb_level_fini(&t);
}

/* Skylake's STLB, 1536 entries as 128 sets x 12 ways: vpns 0..1535 fill every way of every
 * set. After a hit pass in descending order the least recently used of set 0 is vpn 1408 (the
 * first looked up), so vpn 1536 evicts it and nothing else. */
static void test_skylake_stlb(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 128, 12, S4K | S2M }, { 4, 4, S1G } };
    (void)state;
    make(&t, 2, geo);
    for (uint64_t v = 0; v < 1536; v++)
        fill4k(&t, v, 3);
    assert_int_equal(tlb_count(&t), 1536);
    for (uint64_t v = 1536; v-- > 0;)
        assert_int_equal(look(&t, v << 12, 3, NULL), 0x1000 + (int64_t)v);
    fill4k(&t, 1536, 3);
    assert_int_equal(tlb_count(&t), 1536);
    assert_int_equal(look(&t, 1408ull << 12, 3, NULL), -1);
    for (uint64_t v = 0; v <= 1536; v++)
        if (v != 1408)
            assert_int_equal(look(&t, v << 12, 3, NULL), 0x1000 + (int64_t)v);
    tlb_level_fini(&t);
}

/* One array holding 4K and 2M: both sizes compete for the same sets; 4K is probed first. */
static void test_mixed_4k_2m(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 4, 2, S4K | S2M } };
    unsigned ps = 99;
    uint64_t va = 0x40000000; /* 4K vpn 0x40000 and 2M vpn 0x200: both set 0 */
    (void)state;
    make(&t, 1, geo);
    assert_int_equal(t.nr_probes, 2);
    tlb_fill(&t, va, 1, VML_PS_2M, VAL(0x80000));
    tlb_fill(&t, va, 1, VML_PS_4K, VAL(0x12345));
    assert_int_equal(look(&t, va, 1, &ps), 0x12345);
    assert_int_equal(ps, VML_PS_4K);
    assert_int_equal(look(&t, va + 0x1000, 1, &ps), 0x80000);
    assert_int_equal(ps, VML_PS_2M);
    /* A third entry in set 0 evicts the least recently used: the 4K one. */
    tlb_fill(&t, va + 0x4000, 1, VML_PS_4K, VAL(0x7));
    assert_int_equal(look(&t, va, 1, &ps), 0x80000);
    assert_int_equal(ps, VML_PS_2M);
    assert_int_equal(tlb_count(&t), 2);
    tlb_level_fini(&t);
}

/* A 1G page in a level with only 4K and 2M arrays is cached as the 2M entry for the sub-page
 * containing the address, with the pfn of that sub-page and the same flags. */
static void test_splinter_1g_to_2m(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 1, 4, S4K }, { 1, 4, S2M } };
    uint64_t val = VAL(0x40000) | VML_PTE_NX | VML_PTE_D, got;
    unsigned ps = 99;
    (void)state;
    make(&t, 2, geo);
    tlb_fill(&t, 0x40000000 + 0x12345678, 1, VML_PS_1G, val);
    assert_int_equal(tlb_count(&t), 1);
    assert_true(tlb_lookup(&t, 0x40000000 + 0x12345678, 1, &got, &ps));
    assert_int_equal(ps, VML_PS_2M);
    assert_int_equal(got, VAL(0x40000 + 0x12200) | VML_PTE_NX | VML_PTE_D);
    assert_int_equal(look(&t, 0x40000000 + 0x12200000, 1, NULL), 0x52200);
    assert_int_equal(look(&t, 0x40000000 + 0x12400000, 1, NULL), -1); /* next 2M: not cached */
    assert_int_equal(look(&t, 0x40000000, 1, NULL), -1);
    assert_true(t.splinters);
    tlb_level_fini(&t);
}

/* With only 4K entries, 2M and 1G pages fill the 4K entry of the address; a level without
 * anything small enough caches nothing. */
static void test_splinter_to_4k_and_none(void **state)
{
    struct tlb_level t;
    const unsigned only4k[][3] = { { 1, 4, S4K } };
    const unsigned only2m[][3] = { { 1, 4, S2M } };
    unsigned ps = 99;
    (void)state;
    make(&t, 1, only4k);
    tlb_fill(&t, 0x40000000 + 0x12345678, 0, VML_PS_1G, VAL(0x40000));
    tlb_fill(&t, 0x200000 + 0x3000, 0, VML_PS_2M, VAL(0x600));
    assert_int_equal(look(&t, 0x40000000 + 0x12345000, 0, &ps), 0x40000 + 0x12345);
    assert_int_equal(ps, VML_PS_4K);
    assert_int_equal(look(&t, 0x203000, 0, &ps), 0x603);
    assert_int_equal(look(&t, 0x204000, 0, &ps), -1);
    tlb_level_fini(&t);

    make(&t, 1, only2m);
    tlb_fill(&t, 0x1000, 0, VML_PS_4K, VAL(1));
    assert_int_equal(tlb_count(&t), 0);
    assert_false(t.splinters);
    tlb_level_fini(&t);
}

/* invlpg drops the entries of every size covering va for the PCID and global ones, not other
 * PCIDs' entries nor other addresses. */
static void test_invlpg_every_size(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 4, 4, S4K }, { 1, 2, S2M }, { 1, 2, S1G } };
    uint64_t va = 0x7f1240203000;
    (void)state;
    make(&t, 3, geo);
    tlb_fill(&t, va, 1, VML_PS_4K, VAL(0x100));
    tlb_fill(&t, va, 1, VML_PS_2M, VAL(0x200));
    tlb_fill(&t, va, 1, VML_PS_1G, VAL(0x40000));
    tlb_fill(&t, va + 0x1000, 1, VML_PS_4K, VAL(0x101));
    tlb_fill(&t, va, 2, VML_PS_4K, VAL(0x300));
    tlb_fill(&t, va, 7, VML_PS_4K, GVAL(0x400)); /* global: pcid ignored */
    assert_int_equal(t.nr_global, 1);
    assert_int_equal(tlb_count(&t), 6);
    assert_int_equal(tlb_invlpg(&t, va + 0x10, 1), 4);
    assert_int_equal(t.nr_global, 0);
    assert_int_equal(tlb_count(&t), 2);
    assert_int_equal(look(&t, va, 1, NULL), -1);
    assert_int_equal(look(&t, va, 2, NULL), 0x300);
    assert_int_equal(look(&t, va + 0x1000, 1, NULL), 0x101);
    assert_int_equal(tlb_invlpg(&t, va, 1), 0);
    tlb_level_fini(&t);
}

/* INVLPG of one address of a splintered 1G page drops all that page's 2M splinters for the
 * PCID (SDM 4.10.2.3), and nothing outside it or of another PCID. */
static void test_invlpg_splinters(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 1, 8, S4K }, { 2, 4, S2M } };
    uint64_t page = 0x80000000; /* 1G page 2 */
    (void)state;
    make(&t, 2, geo);
    tlb_fill(&t, page + 0x00300000, 1, VML_PS_1G, VAL(0x100000));
    tlb_fill(&t, page + 0x3fe00000, 1, VML_PS_1G, VAL(0x100000));
    tlb_fill(&t, page + 0x00300000, 2, VML_PS_1G, VAL(0x200000));
    tlb_fill(&t, page + 0x40000000, 1, VML_PS_2M, VAL(0x300000)); /* next 1G region */
    tlb_fill(&t, page + 0x5000, 1, VML_PS_4K, VAL(0x5));
    assert_int_equal(tlb_count(&t), 5);
    assert_int_equal(tlb_invlpg(&t, page + 0x12345678, 1), 2);
    assert_int_equal(look(&t, page + 0x00300000, 1, NULL), -1);
    assert_int_equal(look(&t, page + 0x3fe00000, 1, NULL), -1);
    assert_int_equal(look(&t, page + 0x00300000, 2, NULL), 0x200000 + 0x200);
    assert_int_equal(look(&t, page + 0x40000000, 1, NULL), 0x300000);
    assert_int_equal(look(&t, page + 0x5000, 1, NULL), 0x5); /* a 4K page elsewhere in it */
    tlb_flush_all(&t, true);
    assert_false(t.splinters);
    tlb_level_fini(&t);
}

static void test_flush_pcid_keeps_globals(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 4, 4, S4K } };
    (void)state;
    make(&t, 1, geo);
    fill4k(&t, 1, 1);
    fill4k(&t, 2, 1);
    fill4k(&t, 3, 2);
    tlb_fill(&t, 4 << 12, 1, VML_PS_4K, GVAL(0x44));
    tlb_flush_pcid(&t, 1);
    assert_int_equal(tlb_count(&t), 2);
    assert_int_equal(t.nr_global, 1);
    assert_int_equal(look(&t, 1 << 12, 1, NULL), -1);
    assert_int_equal(look(&t, 3 << 12, 2, NULL), 0x1003);
    assert_int_equal(look(&t, 4 << 12, 1, NULL), 0x44); /* a global entry matches any PCID */
    assert_int_equal(look(&t, 4 << 12, 9, NULL), 0x44);
    tlb_level_fini(&t);
}

static void test_flush_all(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 4, 4, S4K }, { 1, 2, S2M } };
    (void)state;
    make(&t, 2, geo);
    fill4k(&t, 1, 1);
    fill4k(&t, 2, 2);
    tlb_fill(&t, 3 << 12, 0, VML_PS_4K, GVAL(0x33));
    tlb_fill(&t, 0x400000, 0, VML_PS_2M, GVAL(0x600));
    tlb_fill(&t, 0x800000, 5, VML_PS_2M, VAL(0x800));
    tlb_flush_all(&t, false);
    assert_int_equal(tlb_count(&t), 2);
    assert_int_equal(t.nr_global, 2);
    assert_int_equal(look(&t, 3 << 12, 4, NULL), 0x33);
    assert_int_equal(look(&t, 0x400000, 4, NULL), 0x600);
    assert_int_equal(look(&t, 0x800000, 5, NULL), -1);
    tlb_flush_all(&t, true);
    assert_int_equal(tlb_count(&t), 0);
    assert_int_equal(t.nr_global, 0);
    assert_int_equal(look(&t, 3 << 12, 4, NULL), -1);
    tlb_level_fini(&t);
}

/* nr_global counts global entries exactly: a refresh is not a new entry, an eviction or an
 * invlpg of a global entry uncounts it. */
static void test_nr_global_exact(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 1, 2, S4K } };
    (void)state;
    make(&t, 1, geo);
    tlb_fill(&t, 0xa000, 0, VML_PS_4K, GVAL(0xa));
    tlb_fill(&t, 0xb000, 0, VML_PS_4K, GVAL(0xb));
    assert_int_equal(t.nr_global, 2);
    tlb_fill(&t, 0xa000, 0, VML_PS_4K, GVAL(0xaa)); /* refresh: a is now most recent */
    assert_int_equal(t.nr_global, 2);
    fill4k(&t, 0xc, 1); /* evicts global b */
    assert_int_equal(t.nr_global, 1);
    assert_int_equal(look(&t, 0xb000, 0, NULL), -1);
    assert_int_equal(look(&t, 0xa000, 0, NULL), 0xaa);
    fill4k(&t, 0xd, 1); /* evicts c (a was just used) */
    assert_int_equal(t.nr_global, 1);
    fill4k(&t, 0xe, 1); /* evicts global a */
    assert_int_equal(t.nr_global, 0);
    tlb_fill(&t, 0xf000, 0, VML_PS_4K, GVAL(0xf)); /* evicts d */
    assert_int_equal(t.nr_global, 1);
    assert_int_equal(tlb_invlpg(&t, 0xf000, 3), 1);
    assert_int_equal(t.nr_global, 0);
    assert_int_equal(tlb_count(&t), 1);
    tlb_level_fini(&t);
}

/* The same address in different address spaces: each PCID sees its own entry. */
static void test_pcid_isolation(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 8, 4, S4K } };
    (void)state;
    make(&t, 1, geo);
    tlb_fill(&t, 0x400000, 1, VML_PS_4K, VAL(0x111));
    tlb_fill(&t, 0x400000, 2, VML_PS_4K, VAL(0x222));
    tlb_fill(&t, 0x400000, 4095, VML_PS_4K, VAL(0xfff));
    assert_int_equal(look(&t, 0x400000, 1, NULL), 0x111);
    assert_int_equal(look(&t, 0x400000, 2, NULL), 0x222);
    assert_int_equal(look(&t, 0x400000, 4095, NULL), 0xfff);
    assert_int_equal(look(&t, 0x400000, 3, NULL), -1);
    assert_int_equal(look(&t, 0x400000, 0, NULL), -1);
    tlb_fill(&t, 0x400000, 1, VML_PS_4K, VAL(0x112)); /* refresh, not a second entry */
    assert_int_equal(tlb_count(&t), 3);
    assert_int_equal(look(&t, 0x400000, 1, NULL), 0x112);
    tlb_flush_pcid(&t, 2);
    assert_int_equal(look(&t, 0x400000, 2, NULL), -1);
    assert_int_equal(look(&t, 0x400000, 1, NULL), 0x112);
    tlb_level_fini(&t);
}

struct entry {
    unsigned pcid, ps;
    bool global;
    uint64_t va, val;
};

struct entries {
    struct entry e[8];
    int n, stop_at;
};

static int collect(unsigned pcid, bool global, uint64_t va, unsigned ps, uint64_t val, void *ctx)
{
    struct entries *s = ctx;
    struct entry e = { pcid, ps, global, va, val };
    s->e[s->n++] = e;
    return s->n == s->stop_at ? 42 : 0;
}

static const struct entry *find(const struct entries *s, uint64_t va)
{
    for (int i = 0; i < s->n; i++)
        if (s->e[i].va == va)
            return &s->e[i];
    return NULL;
}

/* tlb_for_each gives back the first address of each entry, sign-extended: user and kernel
 * halves, 4-level and 5-level (above 2^47) addresses, every page size. */
static void test_for_each_reconstructs(void **state)
{
    struct tlb_level t;
    const unsigned geo[][3] = { { 16, 4, S4K }, { 4, 4, S2M }, { 1, 4, S1G } };
    struct entries s = { .n = 0 };
    const struct entry *e;
    (void)state;
    make(&t, 3, geo);
    tlb_fill(&t, 0x7ffd12345678, 5, VML_PS_4K, VAL(0x1));
    tlb_fill(&t, 0xffff888000123456, 9, VML_PS_2M, GVAL(0x2000));
    tlb_fill(&t, 0x00abcdef12345000, 4095, VML_PS_4K, VAL(0x3));
    tlb_fill(&t, 0xff11000040000000 + 0x1234, 6, VML_PS_1G, VAL(0x40000));
    tlb_fill(&t, 0xffffffff81234567, 0, VML_PS_4K, GVAL(0x4));
    assert_int_equal(tlb_for_each(&t, collect, &s), 0);
    assert_int_equal(s.n, 5);
    assert_non_null(e = find(&s, 0x7ffd12345000));
    assert_true(e->pcid == 5 && !e->global && e->ps == VML_PS_4K && e->val == VAL(0x1));
    assert_non_null(e = find(&s, 0xffff888000000000));
    assert_true(e->pcid == 0 && e->global && e->ps == VML_PS_2M && e->val == GVAL(0x2000));
    assert_non_null(e = find(&s, 0x00abcdef12345000));
    assert_true(e->pcid == 4095 && !e->global && e->ps == VML_PS_4K);
    assert_non_null(e = find(&s, 0xff11000040000000));
    assert_true(e->pcid == 6 && !e->global && e->ps == VML_PS_1G && e->val == VAL(0x40000));
    assert_non_null(e = find(&s, 0xffffffff81234000));
    assert_true(e->global && e->ps == VML_PS_4K);
    s.n = 0;
    s.stop_at = 2;
    assert_int_equal(tlb_for_each(&t, collect, &s), 42);
    assert_int_equal(s.n, 2);
    tlb_level_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_plan),
        cmocka_unit_test(test_init_rejects_bad_geometry),
        cmocka_unit_test(test_absent_level),
        cmocka_unit_test(test_lru_two_sets_two_ways),
        cmocka_unit_test(test_three_sets),
        cmocka_unit_test(test_skylake_stlb),
        cmocka_unit_test(test_mixed_4k_2m),
        cmocka_unit_test(test_splinter_1g_to_2m),
        cmocka_unit_test(test_splinter_to_4k_and_none),
        cmocka_unit_test(test_invlpg_every_size),
        cmocka_unit_test(test_invlpg_splinters),
        cmocka_unit_test(test_flush_pcid_keeps_globals),
        cmocka_unit_test(test_flush_all),
        cmocka_unit_test(test_nr_global_exact),
        cmocka_unit_test(test_pcid_isolation),
        cmocka_unit_test(test_for_each_reconstructs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
