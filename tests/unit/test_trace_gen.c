/* test_trace_gen.c: the synthetic generators and their specs: exact first records, statistics
 * that must hold (uniformity, zipf's top shares, one visit per line per chase cycle, seq's
 * wrap), determinism, the read/write mix, and every parse error with its column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/trace.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vml_gen_config spec(const char *s)
{
    struct vml_gen_config c;
    struct vml_diag d = { 0 };
    if (vml_gen_parse(s, &c, &d) != 0)
        fail_msg("'%s': col %u: %s", s, d.col, d.msg);
    return c;
}

/* All records of the generator (count must be small enough), read in batches of batch. */
static struct vml_trace_rec *generate(const struct vml_gen_config *c, size_t batch)
{
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    if (vml_trace_open_gen(c, &r, &d) != 0)
        fail_msg("open_gen: %s", d.msg);
    assert_int_equal(vml_trace_reader_format(r), VML_TRACE_GEN);
    assert_int_equal(vml_trace_reader_compress(r), VML_TRACE_RAW);
    assert_int_equal(vml_trace_reader_count(r), c->count);
    struct vml_trace_rec *v = malloc((c->count + 1) * sizeof(*v));
    size_t n = 0;
    long got;
    while ((got = vml_trace_read(r, v + n, batch, &d)) > 0)
        n += (size_t)got;
    assert_int_equal(got, 0);
    assert_int_equal(n, c->count);
    vml_trace_close(r);
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].addr >= c->base && v[i].addr + c->size <= c->base + c->footprint);
        assert_int_equal(v[i].size, c->size);
        assert_int_equal(v[i].cpu, 0);
        assert_true(v[i].kind == VML_READ || v[i].kind == VML_WRITE);
    }
    return v;
}

static void test_defaults_and_format(void **state)
{
    (void)state;
    struct vml_gen_config c;
    char buf[256];
    vml_gen_defaults(VML_GEN_RANDOM, &c);
    assert_int_equal(c.base, 0x7f0000000000ull);
    assert_int_equal(c.footprint, 1ull << 30);
    assert_int_equal(c.count, 10000000);
    assert_int_equal(c.seed, 1);
    assert_int_equal(c.write_permille, 0);
    assert_int_equal(c.size, 8);
    assert_int_equal(c.zipf_milli, 990);
    assert_int_equal(c.stride, 8);
    vml_gen_defaults(VML_GEN_STRIDE, &c);
    assert_int_equal(c.stride, 4096);
    assert_string_equal(vml_gen_format(&c, buf, sizeof(buf)),
                        "stride:base=0x7f0000000000,footprint=1G,count=10000000,stride=4K,seed=1,"
                        "writes=0%,size=8");
    c = spec("random:footprint=1G,count=50M,seed=7,writes=30%");
    assert_int_equal(c.pattern, VML_GEN_RANDOM);
    assert_int_equal(c.count, 50000000);
    assert_int_equal(c.seed, 7);
    assert_int_equal(c.write_permille, 300);
    assert_string_equal(vml_gen_format(&c, buf, sizeof(buf)),
                        "random:base=0x7f0000000000,footprint=1G,count=50000000,seed=7,writes=30%,"
                        "size=8");
    c = spec("zipf:s=1.2,writes=2.5%,count=3K,base=0x1000,footprint=96K,size=4");
    assert_int_equal(c.zipf_milli, 1200);
    assert_int_equal(c.write_permille, 25);
    assert_int_equal(c.count, 3000);
    assert_string_equal(
        vml_gen_format(&c, buf, sizeof(buf)),
        "zipf:base=0x1000,footprint=96K,count=3000,seed=1,writes=2.5%,size=4,s=1.2");
    /* seq's stride follows its size unless given */
    c = spec("seq:size=64");
    assert_int_equal(c.stride, 64);
    c = spec("seq:size=64,stride=128");
    assert_int_equal(c.stride, 128);
    assert_int_equal(spec("chase:count=2g").count, 2000000000ull);
    assert_int_equal(spec("chase:count=0x10").count, 16);
    assert_int_equal(spec("zipf:s=0.001").zipf_milli, 1);
    assert_int_equal(spec("zipf:s=10").zipf_milli, 10000);
    assert_int_equal(spec("random:writes=1000").write_permille, 1000);
    assert_int_equal(spec("random:writes=100%").write_permille, 1000);
    assert_int_equal(spec("random:writes=0.1%").write_permille, 1);
    /* canonical form parses back to the same config, for every pattern */
    const char *specs[] = { "seq",
                            "stride:stride=3,footprint=4095",
                            "random:size=3,seed=99",
                            "zipf:s=0.05,footprint=7777",
                            "chase:writes=99.9%,base=0",
                            "zipf:s=1.25" };
    for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct vml_gen_config a = spec(specs[i]);
        vml_gen_format(&a, buf, sizeof(buf));
        struct vml_gen_config b = spec(buf);
        if (a.pattern != b.pattern || a.base != b.base || a.footprint != b.footprint ||
            a.count != b.count || a.stride != b.stride || a.seed != b.seed ||
            a.write_permille != b.write_permille || a.size != b.size ||
            a.zipf_milli != b.zipf_milli)
            fail_msg("%s -> %s does not round-trip", specs[i], buf);
    }
}

static void parse_error(const char *s, unsigned col, const char *msg)
{
    struct vml_gen_config c;
    struct vml_diag d = { 0 };
    memset(&c, 0x5a, sizeof(c));
    assert_int_equal(vml_gen_parse(s, &c, &d), VML_EPARSE);
    if (d.col != col || d.line != 1 || strcmp(d.msg, msg) != 0)
        fail_msg("'%s': col %u: %s\nwant col %u: %s", s, d.col, d.msg, col, msg);
    assert_int_equal(((unsigned char *)&c)[0], 0x5a); /* untouched */
}

static void test_parse_errors(void **state)
{
    (void)state;
    parse_error("foo", 1, "unknown pattern 'foo' (seq, stride, random, zipf or chase)");
    parse_error("", 1, "unknown pattern '' (seq, stride, random, zipf or chase)");
    parse_error("random:foo=1", 8,
                "unknown key 'foo' (base, footprint, count, stride, seed, writes, size, s)");
    parse_error("random:count", 8, "expected KEY=VALUE, got 'count'");
    parse_error("random:", 8, "expected KEY=VALUE, got ''");
    parse_error("random:count=5,", 16, "expected KEY=VALUE, got ''");
    parse_error("random:count=", 14, "missing value for count");
    parse_error("random:count=abc", 14, "count: expected a decimal number in 'abc'");
    parse_error("random:count=12x", 16, "count: unexpected 'x' in number '12x'");
    parse_error("random:count=99999999999G", 14, "count: count '99999999999G' is too large");
    parse_error(
        "random:footprint=1Q", 19,
        "footprint: unknown size suffix 'Q' in '1Q' (use K, M, G, T, P or E, binary units)");
    parse_error("random:stride=64", 8, "stride does not apply to random (only to seq and stride)");
    parse_error("seq:s=1", 5, "s does not apply to seq (only to zipf)");
    parse_error("random:count=1,count=2", 16, "count is given twice");
    parse_error("random:footprint=4", 18,
                "footprint of 4 bytes is smaller than one access of 8 bytes");
    parse_error("random:size=0", 13, "size 0 is out of range (1 to 65535 bytes)");
    parse_error("random:size=64K", 13, "size: size '64K' is too large (at most 65535 bytes)");
    parse_error("seq:stride=0", 12, "stride must not be 0");
    parse_error("seq:footprint=0", 15, "footprint must not be 0");
    parse_error("zipf:s=0", 8, "zipf exponent s must be above 0 and at most 10");
    parse_error("zipf:s=10.001", 8, "zipf exponent s must be above 0 and at most 10");
    parse_error("zipf:s=0.0001", 13,
                "s: s '0.0001': expected an exponent such as 0.99 (at most 3 "
                "decimals)");
    parse_error("zipf:s=.5", 8,
                "s: s '.5': expected an exponent such as 0.99 (at most 3 decimals)");
    parse_error("random:writes=101%", 15,
                "writes: writes '101%': expected a percentage from 0% to 100% with at most one "
                "decimal, such as 30% or 2.5%");
    parse_error("random:writes=2.55%", 18,
                "writes: writes '2.55%': expected a percentage from 0% to 100% with at most one "
                "decimal, such as 30% or 2.5%");
    parse_error("random:writes=1001", 15,
                "writes: writes '1001': expected writes per 1000 accesses (0 to 1000), or a "
                "percentage such as 30%");
    parse_error("random:base=0xffffffffffffff00", 1,
                "base 0xffffffffffffff00 + footprint 0x40000000 passes the end of the address "
                "space");
    parse_error("random:base=0xffffffffffffff00,footprint=512", 42,
                "base 0xffffffffffffff00 + footprint 0x200 passes the end of the address space");
}

static void test_open_gen_errors(void **state)
{
    (void)state;
    struct vml_trace_reader *r = NULL;
    struct vml_diag d = { 0 };
    struct vml_gen_config c;
    vml_gen_defaults(VML_GEN_SEQ, &c);
    c.footprint = 0;
    assert_int_equal(vml_trace_open_gen(&c, &r, &d), VML_EINVAL);
    assert_string_equal(d.msg, "bad generator: footprint must not be 0");
    vml_gen_defaults(VML_GEN_SEQ, &c);
    c.size = 0;
    assert_int_equal(vml_trace_open_gen(&c, &r, &d), VML_EINVAL);
    assert_string_equal(d.msg, "bad generator: size 0 is out of range (1 to 65535 bytes)");
    vml_gen_defaults(VML_GEN_STRIDE, &c);
    c.stride = 0;
    assert_int_equal(vml_trace_open_gen(&c, &r, &d), VML_EINVAL);
    assert_string_equal(d.msg, "bad generator: stride must not be 0");
    vml_gen_defaults(VML_GEN_CHASE, &c);
    c.footprint = 7;
    assert_int_equal(vml_trace_open_gen(&c, &r, &d), VML_EINVAL);
    assert_string_equal(
        d.msg, "bad generator: footprint of 7 bytes is smaller than one access of 8 bytes");
    vml_gen_defaults(VML_GEN_RANDOM, &c);
    c.pattern = (enum vml_gen_pattern)9;
    assert_int_equal(vml_trace_open_gen(&c, &r, &d), VML_EINVAL);
    assert_null(r);
}

struct golden {
    uint64_t addr;
    unsigned kind;
};

static void first(const char *s, const struct golden *g, size_t n)
{
    struct vml_gen_config c = spec(s);
    c.count = n;
    struct vml_trace_rec *v = generate(&c, 3);
    for (size_t i = 0; i < n; i++)
        if (v[i].addr != g[i].addr || v[i].kind != g[i].kind)
            fail_msg("%s: record %zu is 0x%llx/%u, want 0x%llx/%u", s, i,
                     (unsigned long long)v[i].addr, v[i].kind, (unsigned long long)g[i].addr,
                     g[i].kind);
    free(v);
}

/* Golden first records: a change here changes every generated trace (and published results). */
static void test_first_records(void **state)
{
    (void)state;
    static const struct golden seq[] = { { 0x1000, 0 }, { 0x1008, 0 }, { 0x1010, 0 }, { 0x1018, 0 },
                                         { 0x1020, 0 }, { 0x1028, 0 }, { 0x1030, 0 }, { 0x1038, 0 },
                                         { 0x1000, 0 }, { 0x1008, 0 } };
    first("seq:base=0x1000,footprint=64", seq, 10);
    static const struct golden odd[] = { { 0x1000, 0 }, { 0x1008, 0 }, { 0x1000, 0 } };
    first("seq:base=0x1000,footprint=20", odd, 3); /* the second slot is the last that fits */
    static const struct golden st[] = {
        { 0, 0 }, { 4096, 0 }, { 8192, 0 }, { 12288, 0 }, { 0, 0 }
    };
    first("stride:base=0,footprint=16K", st, 5);
    static const struct golden rnd[] = { { 0x7f00000b3f28, 1 }, { 0x7f00000853b0, 0 },
                                         { 0x7f0000092f88, 0 }, { 0x7f00000642e0, 1 },
                                         { 0x7f00000b27a0, 0 }, { 0x7f0000024c10, 0 },
                                         { 0x7f0000012300, 1 }, { 0x7f0000061950, 0 } };
    first("random:footprint=1M,seed=1,writes=30%", rnd, 8);
    static const struct golden zipf[] = { { 0x7f00000e1280, 0 }, { 0x7f0000081f80, 0 },
                                          { 0x7f00000bb6c0, 0 }, { 0x7f00000ad640, 0 },
                                          { 0x7f000003ed00, 0 }, { 0x7f000008c240, 0 },
                                          { 0x7f0000046e40, 0 }, { 0x7f00000d0dc0, 0 } };
    first("zipf:footprint=1M,seed=1", zipf, 8);
    static const struct golden chase[] = { { 0x7f00000fbf40, 0 }, { 0x7f0000053640, 0 },
                                           { 0x7f00000de8c0, 0 }, { 0x7f0000039640, 0 },
                                           { 0x7f00000ac6c0, 0 }, { 0x7f00000aeb40, 0 },
                                           { 0x7f00000cb200, 0 }, { 0x7f000001bc00, 0 } };
    first("chase:footprint=1M,seed=1", chase, 8);
}

/* Chi-square of random's slot counts against the uniform distribution. */
static void uniform(const char *s, uint64_t slots, size_t per_slot)
{
    struct vml_gen_config c = spec(s);
    c.count = slots * per_slot;
    struct vml_trace_rec *v = generate(&c, 4096);
    size_t *cnt = calloc(slots, sizeof(*cnt));
    for (size_t i = 0; i < c.count; i++) {
        uint64_t off = v[i].addr - c.base;
        assert_int_equal(off % c.size, 0);
        cnt[off / c.size]++;
    }
    double chi2 = 0, e = (double)per_slot;
    for (uint64_t k = 0; k < slots; k++)
        chi2 += ((double)cnt[k] - e) * ((double)cnt[k] - e) / e;
    double dof = (double)(slots - 1), bound = dof + 6 * sqrt(2 * dof);
    if (chi2 > bound)
        fail_msg("%s: chi-square %.1f over %llu slots exceeds %.1f", s, chi2,
                 (unsigned long long)slots, bound);
    free(cnt);
    free(v);
}

static void test_random_is_uniform(void **state)
{
    (void)state;
    uniform("random:base=0,footprint=4K,size=64,seed=5", 64, 10000);
    uniform("random:footprint=24000,size=8,seed=6", 3000, 1000); /* not a power of two */
    uniform("random:footprint=10,size=3,seed=7", 3, 100000);     /* a partial slot at the end */
}

/* The hottest lines' shares against 1/H(N,s), k^-s/H(N,s). */
static void zipf_shares(const char *s, uint64_t lines, size_t count)
{
    struct vml_gen_config c = spec(s);
    c.count = count;
    struct vml_trace_rec *v = generate(&c, 1000);
    size_t *cnt = calloc(lines, sizeof(*cnt));
    for (size_t i = 0; i < count; i++) {
        uint64_t off = v[i].addr - c.base;
        assert_int_equal(off % 64, 0);
        cnt[off / 64]++;
    }
    double e = c.zipf_milli / 1000.0, h = 0;
    for (uint64_t k = 1; k <= lines; k++)
        h += pow((double)k, -e);
    /* the three largest counts, and where the top 16 lines are */
    uint64_t lo = lines, hi = 0;
    for (int rank = 1; rank <= 16; rank++) {
        uint64_t best = 0;
        for (uint64_t k = 1; k < lines; k++)
            if (cnt[k] > cnt[best])
                best = k;
        if (rank <= 3) {
            double p = pow(rank, -e) / h, got = (double)cnt[best] / (double)count;
            double sd = sqrt(p * (1 - p) / (double)count);
            if (fabs(got - p) > 5 * sd)
                fail_msg("%s: rank %d share %.5f, want %.5f +- %.5f", s, rank, got, p, 5 * sd);
        }
        lo = best < lo ? best : lo;
        hi = best > hi ? best : hi;
        cnt[best] = 0;
    }
    if (hi - lo < lines / 2)
        fail_msg("%s: the 16 hottest lines lie within %llu lines: not scattered", s,
                 (unsigned long long)(hi - lo));
    free(cnt);
    free(v);
}

static void test_zipf_shares(void **state)
{
    (void)state;
    zipf_shares("zipf:base=0,footprint=64000,seed=3", 1000, 1000000);
    zipf_shares("zipf:base=0,footprint=64000,s=1,seed=4", 1000, 1000000);
    zipf_shares("zipf:base=0,footprint=1M,s=1.5,seed=5", 16384, 500000);
    zipf_shares("zipf:base=0,footprint=64K,s=0.5,seed=6", 1024, 1000000);
}

static void chase(uint64_t lines, uint64_t seed)
{
    char s[128];
    snprintf(s, sizeof(s), "chase:base=0x10000,footprint=%llu,seed=%llu",
             (unsigned long long)(lines * 64), (unsigned long long)seed);
    struct vml_gen_config c = spec(s);
    c.count = 3 * lines;
    struct vml_trace_rec *v = generate(&c, 777);
    uint8_t *seen = malloc(lines);
    bool sorted = true;
    for (int cycle = 0; cycle < 3; cycle++) {
        memset(seen, 0, lines);
        for (uint64_t i = 0; i < lines; i++) {
            const struct vml_trace_rec *x = &v[cycle * lines + i];
            uint64_t line = (x->addr - c.base) / 64;
            if ((x->addr - c.base) % 64 || line >= lines || seen[line]++)
                fail_msg("%s: access %llu (0x%llx) repeats a line or leaves the footprint", s,
                         (unsigned long long)(cycle * lines + i), (unsigned long long)x->addr);
            if (x->kind != VML_READ)
                fail_msg("%s: a chase reads", s);
            if (cycle > 0 && x->addr != v[i].addr)
                fail_msg("%s: cycle %d differs from the first at %llu", s, cycle,
                         (unsigned long long)i);
            if (i > 0 && x->addr != v[cycle * lines + i - 1].addr + 64)
                sorted = false;
        }
    }
    if (lines > 8 && sorted)
        fail_msg("%s: the chase walks the lines in order", s);
    free(seen);
    free(v);
}

static void test_chase_visits_every_line_once(void **state)
{
    (void)state;
    static const uint64_t sizes[] = { 1, 2, 3, 4, 5, 16, 17, 1000, 4096, 100003 };
    for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        chase(sizes[i], i + 1);
}

static void test_determinism_and_mix(void **state)
{
    (void)state;
    const char *specs[] = { "random:footprint=1G,seed=11", "zipf:footprint=256M,seed=11",
                            "chase:footprint=64M,seed=11" };
    for (unsigned i = 0; i < 3; i++) {
        struct vml_gen_config c = spec(specs[i]), w;
        c.count = 100000;
        struct vml_trace_rec *a = generate(&c, 4096), *b = generate(&c, 1);
        assert_memory_equal(a, b, c.count * sizeof(*a)); /* same seed, any batch size */
        /* writes=30%: same addresses, about 30% writes */
        w = c;
        w.write_permille = 300;
        struct vml_trace_rec *m = generate(&w, 999);
        size_t writes = 0;
        for (size_t k = 0; k < c.count; k++) {
            assert_int_equal(m[k].addr, a[k].addr);
            assert_int_equal(a[k].kind, VML_READ);
            writes += m[k].kind == VML_WRITE;
        }
        if (writes < 29000 || writes > 31000)
            fail_msg("%s: %zu writes in 100000 at 30%%", specs[i], writes);
        free(m);
        w.write_permille = 1000;
        m = generate(&w, 999);
        for (size_t k = 0; k < c.count; k++)
            assert_int_equal(m[k].kind, VML_WRITE);
        free(m);
        /* another seed, another stream */
        w = c;
        w.seed = 12;
        m = generate(&w, 4096);
        size_t same = 0;
        for (size_t k = 0; k < c.count; k++)
            same += m[k].addr == a[k].addr;
        if (same > c.count / 10)
            fail_msg("%s: seeds 11 and 12 agree on %zu of %llu", specs[i], same,
                     (unsigned long long)c.count);
        free(m);
        free(a);
        free(b);
    }
}

/* This process's peak resident set since the last reset, and the reset (clear_refs "5" sets
 * VmHWM to the current RSS, Documentation/filesystems/proc.rst). */
static unsigned long long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    unsigned long long kb = 0;
    size_t n = strlen(field);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtoull(line + n + 1, NULL, 10);
            break;
        }
    fclose(f);
    assert_true(kb > 0);
    return kb;
}

static void reset_peak(void)
{
    /* Free heap memory the allocator kept resident would hide new allocations: give it back
     * first (and the test runs first, before the others fill the heap). */
    malloc_trim(0);
    FILE *f = fopen("/proc/self/clear_refs", "w");
    assert_non_null(f);
    fputs("5", f);
    fclose(f);
}

/* A huge footprint costs no memory: 1 PiB and the whole 2^64 space, every pattern, each taking at
 * most 4 MiB of host memory at its peak (a table per page or line of the footprint, as a naive
 * chase or zipf would build, would need petabytes). */
static void test_huge_footprint(void **state)
{
    (void)state;
    const char *specs[] = { "seq:footprint=1P,count=1000", "random:footprint=1P,count=1000",
                            "zipf:footprint=1P,count=1000", "chase:footprint=1P,count=1000",
                            "random:base=0,footprint=0xffffffffffffffff,size=1,count=1000" };
    for (unsigned i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct vml_gen_config c = spec(specs[i]);
        reset_peak();
        unsigned long long before = status_kb("VmRSS");
        free(generate(&c, 100));
        unsigned long long peak = status_kb("VmHWM");
        if (peak > before + 4096)
            print_error("%s: peak RSS %llu kB, %llu kB before\n", specs[i], peak, before);
        assert_true(peak <= before + 4096);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_huge_footprint), /* first: a heap nothing has grown yet */
        cmocka_unit_test(test_defaults_and_format),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_open_gen_errors),
        cmocka_unit_test(test_first_records),
        cmocka_unit_test(test_random_is_uniform),
        cmocka_unit_test(test_zipf_shares),
        cmocka_unit_test(test_chase_visits_every_line_once),
        cmocka_unit_test(test_determinism_and_mix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
