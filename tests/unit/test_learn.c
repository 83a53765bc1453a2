/* test_learn.c: toy machines and vmlab learn's exercises. Translations are checked against
 * hand-worked ones (OSTEP's own worked example among them) and, for generated exercises, against
 * this file's own page-table walk, TLB and replacement simulations, written independently of
 * src/learn; the same seed must give the same exercise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "learn/learn_int.h"
#include "vmlab/learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct toy mk_toy(const char *spec)
{
    struct toy t;
    memset(&t, 0, sizeof(t));
    struct vml_diag d = { 0 };
    assert_int_equal(vml_toy_parse(spec, &t.cfg, &d), 0);
    assert_int_equal(toy_layout(&t.cfg, &t.lo, &d), 0);
    t.mem = calloc(t.cfg.phys_size, 1);
    assert_non_null(t.mem);
    return t;
}

/* paging-linear-translate.py's machine: 16 KiB space, 1 KiB pages. VA 0x3229 = 12841: VPN =
 * 12841 / 1024 = 12, offset 12841 - 12288 = 553 = 0x229. PTE[12] = 0x80000013: valid, PFN 19.
 * PA = 19 * 1024 + 553 = 20009 = 0x4e29. VPN 3 has no valid entry: a fault. */
static void test_linear_by_hand(void **state)
{
    (void)state;
    struct toy t = mk_toy("ostep-linear");
    assert_int_equal(t.lo.off_bits, 10);
    assert_int_equal(t.lo.vpn_bits, 4);
    t.root = 5;
    /* The entry, little-endian at page 5 + 12 * 4. */
    t.mem[5 * 1024 + 48] = 0x13;
    t.mem[5 * 1024 + 51] = 0x80;
    uint64_t pa = 0;
    assert_true(toy_translate(&t, 0x3229, &pa, NULL));
    assert_int_equal(pa, 20009);
    assert_false(toy_translate(&t, 3 * 1024 + 7, &pa, NULL));
    free(t.mem);
}

/* paging-multilevel-translate.py's worked example (its README): PDBR 108, VA 0x611c = binary
 * 11000 01000 11100: PDE index 24, PTE index 8, offset 28. The PDE (page 108 byte 24) is 0xa1:
 * valid, page table in page 0x21 = 33; the PTE (page 33 byte 8) is 0xb5: valid, PFN 0x35 = 53.
 * PA = 53 * 32 + 28 = 1724 = 0x6bc. */
static void test_multilevel_by_hand(void **state)
{
    (void)state;
    struct toy t = mk_toy("ostep-multilevel");
    assert_int_equal(t.lo.bits[0], 5);
    assert_int_equal(t.lo.bits[1], 5);
    assert_int_equal(t.lo.off_bits, 5);
    t.root = 108;
    t.mem[108 * 32 + 24] = 0xa1;
    t.mem[33 * 32 + 8] = 0xb5;
    uint64_t pa = 0;
    struct vml_text why = { 0 };
    assert_true(toy_translate(&t, 0x611c, &pa, &why));
    assert_int_equal(pa, 0x6bc);
    assert_non_null(strstr(why.s, "indices 24, 8"));
    assert_non_null(strstr(why.s, "= 0xa1: valid, next table in page 33"));
    assert_non_null(strstr(why.s, "= 0xb5: valid, PFN 0x35"));
    vml_text_free(&why);
    /* A PDE without its valid bit (0x21): a fault at level 1. */
    t.mem[108 * 32 + 24] = 0x21;
    assert_false(toy_translate(&t, 0x611c, &pa, NULL));
    free(t.mem);
}

/* Three levels of 2-byte entries: va=64K, page=16: a 12-bit VPN; a table page holds 8 entries
 * (3 bits), so the two lower levels take 3 bits each and the top the other 6. */
static void test_layout(void **state)
{
    (void)state;
    struct toy t = mk_toy("va=64K,page=16,phys=4K,levels=3,pte=2");
    assert_int_equal(t.lo.vpn_bits, 12);
    assert_int_equal(t.lo.bits[0], 6);
    assert_int_equal(t.lo.bits[1], 3);
    assert_int_equal(t.lo.bits[2], 3);
    assert_int_equal(t.lo.shift[0], 6);
    assert_int_equal(t.lo.shift[2], 0);
    /* A walk by hand: VA 0xabcd: VPN 0xabc = 101010 111 100, offset 0xd. Top table at frame 1
     * (its 64 entries fill 128 bytes: frames 1-8), entry 42 -> table at frame 20, entry 7 ->
     * frame 30, entry 4 -> PFN 200. PA = 200 * 16 + 13 = 3213. */
    t.root = 1;
    toy_write_entry(&t, 16 + 42 * 2, 0x8000 | 20);
    toy_write_entry(&t, 20 * 16 + 7 * 2, 0x8000 | 30);
    toy_write_entry(&t, 30 * 16 + 4 * 2, 0x8000 | 200);
    uint64_t pa;
    assert_true(toy_translate(&t, 0xabcd, &pa, NULL));
    assert_int_equal(pa, 3213);
    free(t.mem);
    char buf[128];
    struct vml_toy_config c;
    assert_int_equal(vml_toy_parse("ostep-multilevel", &c, NULL), 0);
    assert_string_equal(vml_toy_format(&c, buf, sizeof(buf)),
                        "va=32K,page=32,phys=4K,levels=2,pte=1");
}

static void toy_bad(const char *spec, unsigned col, const char *msg)
{
    struct vml_toy_config c;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_toy_parse(spec, &c, &d), VML_EPARSE);
    assert_int_equal(d.col, col);
    if (!strstr(d.msg, msg))
        fail_msg("'%s': message '%s' lacks '%s'", spec, d.msg, msg);
}

static void test_toy_errors(void **state)
{
    (void)state;
    toy_bad("", 1, "empty machine");
    toy_bad("va=16K,bogus=1", 8, "unknown key 'bogus'");
    toy_bad("va=16Q", 6, "va=16Q"); /* the column of the Q */
    toy_bad("ostep-linear,page=3K", 1, "power of two");
    toy_bad("page=1K,ostep-linear", 9, "a preset comes first");
    toy_bad("nope", 1, "not a preset");
    toy_bad("ostep-multilevel,levels=3", 1, "leaving nothing");
    toy_bad("ostep-multilevel,phys=64K", 1, "11 bits of frame number"); /* 2048 frames */
    toy_bad("ostep-linear,pte=3", 1, "1, 2, 4 or 8");
    toy_bad("ostep-linear,levels=0", 1, "from 1 to");
}

/* ---- generated exercises against this file's own computations ------------------------------ */

/* An independent walk: entries little-endian, top bit valid, frame number below it. */
static int walk(const struct learn_translate *x, uint64_t va, uint64_t *pa)
{
    const struct vml_toy_config *c = &x->toy.cfg;
    unsigned off = 0, va_bits = 0, per = 0;
    while ((1ull << off) < c->page_size)
        off++;
    while ((1ull << va_bits) < c->va_size)
        va_bits++;
    while ((1ull << per) < c->page_size / c->pte_size)
        per++;
    unsigned vpn_bits = va_bits - off;
    uint64_t frame = x->toy.root;
    for (unsigned k = 0; k < c->levels; k++) {
        unsigned width = k == 0 ? vpn_bits - (c->levels - 1) * per : per;
        unsigned below = (c->levels - 1 - k) * per;
        uint64_t idx = (va >> (off + below)) & ((1ull << width) - 1);
        uint64_t e = 0;
        for (unsigned b = 0; b < c->pte_size; b++)
            e |= (uint64_t)x->toy.mem[frame * c->page_size + idx * c->pte_size + b] << (8 * b);
        uint64_t top = 1ull << (8 * c->pte_size - 1);
        if (!(e & top))
            return 0;
        frame = e & (top - 1);
    }
    *pa = frame * c->page_size + (va % c->page_size);
    return 1;
}

static void check_translate(enum vml_learn_kind kind, const char *spec)
{
    struct vml_toy_config cfg;
    assert_int_equal(vml_toy_parse(spec, &cfg, NULL), 0);
    unsigned faults = 0, ok = 0;
    for (uint64_t seed = 0; seed < 60; seed++) {
        struct learn_translate *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));
        struct vml_diag d = { 0 };
        if (learn_make_translate(kind, &cfg, seed, 12, x, &d))
            fail_msg("%s seed %llu: %s", spec, (unsigned long long)seed, d.msg);
        for (unsigned q = 0; q < x->n; q++) {
            uint64_t pa = 0;
            int r = walk(x, x->va[q], &pa);
            assert_int_equal(r, x->ok[q]);
            if (r)
                assert_int_equal(pa, x->pa[q]);
            ok += r;
            faults += !r;
            assert_true(x->va[q] < cfg.va_size);
        }
        /* The same seed, the same exercise. */
        assert_int_equal(learn_make_translate(kind, &cfg, seed, 12, y, &d), 0);
        assert_memory_equal(x->va, y->va, sizeof(x->va));
        assert_int_equal(x->toy.root, y->toy.root);
        assert_memory_equal(x->toy.mem, y->toy.mem, cfg.phys_size);
        learn_translate_free(x);
        learn_translate_free(y);
        free(x);
        free(y);
    }
    /* Both answers come up. */
    assert_true(ok > 60);
    assert_true(faults > 60);
}

static void test_generated_translations(void **state)
{
    (void)state;
    check_translate(VML_LEARN_LINEAR, "ostep-linear");
    check_translate(VML_LEARN_LINEAR, "va=1K,page=16,phys=1K,levels=1,pte=1");
    check_translate(VML_LEARN_MULTILEVEL, "ostep-multilevel");
    check_translate(VML_LEARN_MULTILEVEL, "va=64K,page=16,phys=16K,levels=3,pte=2");
    check_translate(VML_LEARN_MULTILEVEL, "va=4G,page=4K,phys=1M,levels=2,pte=4");
}

static void test_generated_tlb(void **state)
{
    (void)state;
    for (uint64_t seed = 0; seed < 100; seed++) {
        struct learn_tlb x;
        assert_int_equal(learn_make_tlb(&learn_default_machine[VML_LEARN_TLB], seed, 10, &x, NULL),
                         0);
        /* LRU TLB by timestamps. */
        uint64_t vpn[8], stamp[8];
        unsigned n = 0;
        for (unsigned q = 0; q < x.n; q++) {
            uint64_t v = x.va[q] / 16;
            unsigned k = 0;
            while (k < n && vpn[k] != v)
                k++;
            assert_int_equal(k < n, x.hit[q]);
            if (k == n) {
                if (n < x.entries) {
                    n++;
                } else {
                    k = 0;
                    for (unsigned j = 1; j < n; j++)
                        if (stamp[j] < stamp[k])
                            k = j;
                }
                vpn[k] = v;
            }
            stamp[k] = q;
            assert_true(x.va[q] < 256);
        }
    }
}

/* Reference replacement by brute force: frames as an array, per-page timestamps and use
 * bits, the future scanned for OPT. Returns whether access i hit, in hit[]. */
static void reference(enum vml_policy pol, unsigned frames, const uint64_t *pg, unsigned n,
                      bool *hit)
{
    uint64_t fr[8], loaded[8], used[8];
    bool use[8];
    unsigned nf = 0, hand = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = 0;
        while (k < nf && fr[k] != pg[i])
            k++;
        hit[i] = k < nf;
        if (hit[i]) {
            used[k] = i;
            use[k] = true;
            continue;
        }
        if (nf < frames) {
            k = nf++;
        } else if (pol == VML_POL_FIFO || pol == VML_POL_LRU) {
            k = 0;
            for (unsigned j = 1; j < nf; j++)
                if ((pol == VML_POL_FIFO ? loaded[j] < loaded[k] : used[j] < used[k]))
                    k = j;
        } else if (pol == VML_POL_OPT) {
            unsigned far = 0;
            k = 0;
            for (unsigned j = 0; j < nf; j++) {
                unsigned nx = i + 1;
                while (nx < n && pg[nx] != fr[j])
                    nx++;
                if (nx > far) {
                    far = nx;
                    k = j;
                }
            }
        } else { /* clock */
            while (use[hand]) {
                use[hand] = false;
                hand = (hand + 1) % frames;
            }
            k = hand;
            hand = (hand + 1) % frames;
        }
        fr[k] = pg[i];
        loaded[k] = used[k] = i;
        use[k] = true;
    }
}

static void test_generated_policy(void **state)
{
    (void)state;
    unsigned seen[VML_NR_POLICIES] = { 0 };
    for (uint64_t seed = 0; seed < 200; seed++) {
        struct learn_policy x;
        assert_int_equal(learn_make_policy(seed, 12, &x, NULL), 0);
        bool hit[LEARN_MAX_Q];
        reference(x.policy, x.frames, x.page, x.n, hit);
        unsigned hits = 0;
        for (unsigned i = 0; i < x.n; i++) {
            assert_int_equal(hit[i], x.hit[i]);
            hits += hit[i];
        }
        assert_int_equal(hits, x.hits);
        assert_int_equal(x.n - hits, x.misses);
        seen[x.policy]++;
    }
    assert_true(seen[VML_POL_FIFO] && seen[VML_POL_LRU] && seen[VML_POL_OPT] &&
                seen[VML_POL_CLOCK]);
}

/* The printed exercise holds this file's answers, and the same seed prints the same text. */
static void test_printed(void **state)
{
    (void)state;
    struct vml_toy_config cfg = learn_default_machine[VML_LEARN_MULTILEVEL];
    struct learn_translate *x = malloc(sizeof(*x));
    assert_int_equal(learn_make_translate(VML_LEARN_MULTILEVEL, &cfg, 42, 5, x, NULL), 0);
    struct vml_learn_opts o = { .seed = 42, .answers = true };
    struct vml_text a = { 0 }, b = { 0 }, c = { 0 };
    assert_int_equal(vml_learn_write(VML_LEARN_MULTILEVEL, &o, &a, NULL), 0);
    assert_int_equal(vml_learn_write(VML_LEARN_MULTILEVEL, &o, &b, NULL), 0);
    assert_string_equal(a.s, b.s);
    assert_non_null(strstr(a.s, "not x86-64"));
    for (unsigned q = 0; q < 5; q++) {
        uint64_t pa;
        char line[128];
        int r = walk(x, x->va[q], &pa);
        if (r)
            snprintf(line, sizeof(line), "VA 0x%04llx (decimal %llu) -> PA 0x%llx ",
                     (unsigned long long)x->va[q], (unsigned long long)x->va[q],
                     (unsigned long long)pa);
        else
            snprintf(line, sizeof(line), "VA 0x%04llx (decimal %llu) -> fault\n",
                     (unsigned long long)x->va[q], (unsigned long long)x->va[q]);
        if (!strstr(a.s, line))
            fail_msg("missing '%s' in:\n%s", line, a.s);
    }
    o.seed = 43;
    assert_int_equal(vml_learn_write(VML_LEARN_MULTILEVEL, &o, &c, NULL), 0);
    assert_string_not_equal(a.s, c.s);
    /* Without answers: questions only. */
    vml_text_free(&c);
    o.answers = false;
    o.seed = 42;
    assert_int_equal(vml_learn_write(VML_LEARN_MULTILEVEL, &o, &c, NULL), 0);
    assert_null(strstr(c.s, "-> PA"));
    assert_non_null(strstr(c.s, "-> ?"));
    vml_text_free(&a);
    vml_text_free(&b);
    vml_text_free(&c);
    learn_translate_free(x);
    free(x);
}

static void test_bad_machines(void **state)
{
    (void)state;
    struct vml_toy_config cfg;
    struct vml_diag d = { 0 };
    struct vml_learn_opts o = { .seed = 1, .machine = &cfg };
    struct vml_text t = { 0 };
    assert_int_equal(vml_toy_parse("ostep-multilevel", &cfg, NULL), 0);
    assert_int_equal(vml_learn_write(VML_LEARN_LINEAR, &o, &t, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "one-level"));
    assert_int_equal(vml_toy_parse("ostep-multilevel,phys=64", &cfg, NULL), 0);
    assert_int_equal(vml_learn_write(VML_LEARN_MULTILEVEL, &o, &t, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "too little physical memory"));
    assert_int_equal(vml_toy_parse("va=64K,page=16,phys=64K,levels=1,pte=4", &cfg, NULL), 0);
    assert_int_equal(vml_learn_write(VML_LEARN_LINEAR, &o, &t, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "1024"));
    vml_text_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_by_hand),
        cmocka_unit_test(test_multilevel_by_hand),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_toy_errors),
        cmocka_unit_test(test_generated_translations),
        cmocka_unit_test(test_generated_tlb),
        cmocka_unit_test(test_generated_policy),
        cmocka_unit_test(test_printed),
        cmocka_unit_test(test_bad_machines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
