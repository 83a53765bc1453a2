/* test_trace_text.c: the lackey and plain readers: fixtures record by record, every error with
 * its line, column and message, batch sizes, and the lackey fast path against the careful
 * parser on random lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"
#include "trace/trace_int.h"
#include "vmlab/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R VML_READ
#define W VML_WRITE
#define X VML_EXEC

struct want {
    uint64_t addr;
    unsigned size;
    unsigned kind;
};

static const struct want lackey_want[] = {
    { 0x4010900, 3, X },     { 0x1ffefffd28, 8, R },   { 0x1ffefffd20, 8, W },
    { 0x421f0c8, 4, R },     { 0x421f0c8, 4, W },      { 0x401ab73, 15, X },
    { 0x108000, 1, X },      { 0xffffffffffff, 2, R }, { 0x7ff0001000, 16, W },
    { 0x1ffefffd00, 32, R }, { 0x1ffefffd00, 32, W },  { 0x4a5b6c7d, 512, R },
    { 0x4010904, 2, X },
};

static const struct want plain_want[] = {
    { 0x41f7a0, 0, R },       { 0x13f5e2c0, 0, R }, { 0x5e78900, 0, W },
    { 0x7ffd5e8a1234, 0, W }, { 0x4758a0, 0, R },   { 0x41f7a4, 0, W },
};

/* Reads everything in batches of batch; fails on an error. Returns the record count. */
static size_t read_all(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t cap,
                       size_t batch)
{
    size_t n = 0;
    struct vml_diag d = { 0 };
    for (;;) {
        size_t ask = batch < cap - n ? batch : cap - n;
        long got = vml_trace_read(r, out + n, ask, &d);
        if (got < 0)
            fail_msg("read error after %zu records: %s:%u:%u: %s", n, d.file, d.line, d.col, d.msg);
        if (got == 0)
            return n;
        n += (size_t)got;
        if (n == cap)
            fail_msg("more than %zu records", cap);
    }
}

static void check_records(const struct vml_trace_rec *got, size_t n, const struct want *want,
                          size_t nwant, const char *what)
{
    if (n != nwant)
        fail_msg("%s: %zu records, want %zu", what, n, nwant);
    for (size_t i = 0; i < n; i++) {
        if (got[i].addr != want[i].addr || got[i].size != want[i].size ||
            got[i].kind != want[i].kind || got[i].cpu != 0 || got[i].pad != 0)
            fail_msg("%s: record %zu is %u 0x%llx size %u, want %u 0x%llx size %u", what, i,
                     got[i].kind, (unsigned long long)got[i].addr, got[i].size, want[i].kind,
                     (unsigned long long)want[i].addr, want[i].size);
    }
}

static void test_lackey_fixture(void **state)
{
    (void)state;
    struct vml_trace_rec out[64];
    for (size_t batch = 1; batch <= 8; batch++) {
        struct vml_trace_reader *r;
        struct vml_diag d = { 0 };
        assert_int_equal(
            vml_trace_open(VMLAB_FIXTURES "/trace/small.lackey", VML_TRACE_AUTO, &r, &d), 0);
        assert_int_equal(vml_trace_reader_format(r), VML_TRACE_LACKEY);
        assert_int_equal(vml_trace_reader_compress(r), VML_TRACE_RAW);
        assert_int_equal(vml_trace_reader_count(r), 0);
        size_t n = read_all(r, out, 64, batch);
        check_records(out, n, lackey_want, sizeof(lackey_want) / sizeof(lackey_want[0]),
                      "small.lackey");
        /* The end stays the end. */
        assert_int_equal(vml_trace_read(r, out, 64, &d), 0);
        vml_trace_close(r);
    }
}

static void test_plain_fixture(void **state)
{
    (void)state;
    struct vml_trace_rec out[64];
    for (size_t batch = 1; batch <= 3; batch++) {
        struct vml_trace_reader *r;
        struct vml_diag d = { 0 };
        assert_int_equal(
            vml_trace_open(VMLAB_FIXTURES "/trace/small.plain", VML_TRACE_AUTO, &r, &d), 0);
        assert_int_equal(vml_trace_reader_format(r), VML_TRACE_PLAIN);
        size_t n = read_all(r, out, 64, batch);
        check_records(out, n, plain_want, sizeof(plain_want) / sizeof(plain_want[0]),
                      "small.plain");
        vml_trace_close(r);
    }
}

/* Reads text as fmt; expects `records` good records, then the error at line:col with msg. */
static void bad(enum vml_trace_format fmt, const char *text, size_t records, unsigned line,
                unsigned col, const char *msg)
{
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    struct vml_trace_rec out[16];
    const char *name = fmt == VML_TRACE_LACKEY ? "t.lackey" : "t.plain";
    assert_int_equal(vml_trace_open_mem(text, strlen(text), name, fmt, &r, &d), 0);
    size_t n = 0;
    long got;
    while ((got = vml_trace_read(r, out, 16, &d)) > 0)
        n += (size_t)got;
    if (got != VML_EPARSE || n != records || d.line != line || d.col != col ||
        strcmp(d.msg, msg) != 0 || !d.file || strcmp(d.file, name) != 0)
        fail_msg("input %s:\n got %ld after %zu records at %s:%u:%u: %s\nwant %d after %zu at "
                 "%s:%u:%u: %s",
                 text, got, n, d.file ? d.file : "(null)", d.line, d.col, d.msg, VML_EPARSE,
                 records, name, line, col, msg);
    /* Sticky: the same error again, with no records. */
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_trace_read(r, out, 16, &d), VML_EPARSE);
    assert_int_equal(d.line, line);
    assert_string_equal(d.msg, msg);
    vml_trace_close(r);
}

static void test_lackey_errors(void **state)
{
    (void)state;
    const enum vml_trace_format L = VML_TRACE_LACKEY;
    bad(L, "I  04010900,3\n L 04zz,8\n", 1, 2, 4,
        "bad address \"04zz\": expected hexadecimal digits");
    bad(L, " L 1234\n", 0, 1, 8, "missing ',SIZE' after the address");
    bad(L, " L 1234 ,8\n", 0, 1, 8, "missing ',SIZE' after the address");
    bad(L, " L 1234,\n", 0, 1, 9, "missing size after ','");
    bad(L, " L 1234,x\n", 0, 1, 9, "bad size \"x\": expected a decimal number");
    bad(L, " L 1234,8x\n", 0, 1, 9, "bad size \"8x\": expected a decimal number");
    bad(L, " L 1234,0\n", 0, 1, 9, "size \"0\": an access has at least one byte");
    bad(L, " L 1234,00\n", 0, 1, 9, "size \"00\": an access has at least one byte");
    bad(L, " L 1234,65536\n", 0, 1, 9, "size \"65536\" is too large (at most 65535 bytes)");
    bad(L, " L 1234,99999999999999999999999\n", 0, 1, 9,
        "size \"99999999999999999999999\" is too large (at most 65535 bytes)");
    bad(L, " L 12345678901234567,8\n", 0, 1, 4,
        "address \"12345678901234567\" does not fit in 64 bits");
    bad(L, " L 1234,8 x\n", 0, 1, 11, "unexpected \"x\" after the size");
    bad(L, " L ,8\n", 0, 1, 4, "missing address after 'L'");
    bad(L, "I\n", 0, 1, 1,
        "not a lackey line: \"I\" (expected \"I  ADDR,SIZE\", \" L|S|M ADDR,SIZE\" or "
        "valgrind's \"==PID==\" lines)");
    bad(L, "==1== ok\n\nhello world\n", 0, 3, 1,
        "not a lackey line: \"hello world\" (expected \"I  ADDR,SIZE\", \" L|S|M ADDR,SIZE\" or "
        "valgrind's \"==PID==\" lines)");
    bad(L, " X 1234,8\n", 0, 1, 2,
        "not a lackey line: \"X 1234,8\" (expected \"I  ADDR,SIZE\", \" L|S|M ADDR,SIZE\" or "
        "valgrind's \"==PID==\" lines)");
    bad(L, "== not valgrind\n", 0, 1, 1,
        "not a lackey line: \"== not valgrind\" (expected \"I  ADDR,SIZE\", \" L|S|M "
        "ADDR,SIZE\" or valgrind's \"==PID==\" lines)");
    /* Offending text is escaped and truncated. */
    bad(L, " L 04\x01z\"\\,8\n", 0, 1, 4,
        "bad address \"04\\x01z\\\"\\\\\": expected hexadecimal digits");
    bad(L, " L 0123456789abcdef0123456789abcdefXYZ,8\n", 0, 1, 4,
        "bad address \"0123456789abcdef0123456789abcdefXYZ\": expected hexadecimal digits");
    bad(L, " L 0123456789abcdef0123456789abcdef0123456789xyz,8\n", 0, 1, 4,
        "bad address \"0123456789abcdef0123456789abcdef01234567...\": expected hexadecimal "
        "digits");
    /* The error is on the last line, which has no newline; good lines come back first. */
    bad(L, " M 10,4\n S 20,4\nI  30,zz", 3, 3, 7, "bad size \"zz\": expected a decimal number");
}

static void test_plain_errors(void **state)
{
    (void)state;
    const enum vml_trace_format P = VML_TRACE_PLAIN;
    bad(P, "0041f7zz R\n", 0, 1, 1, "bad address \"0041f7zz\": expected hexadecimal digits");
    bad(P, "# c\n  0041f7a0\n", 0, 2, 11, "missing R or W after the address");
    bad(P, "0041f7a0 # R\n", 0, 1, 10, "missing R or W after the address");
    bad(P, "0041f7a0 X\n", 0, 1, 10, "bad access \"X\": expected R or W");
    bad(P, "0041f7a0 RW\n", 0, 1, 10, "bad access \"RW\": expected R or W");
    bad(P, "10 W\n0041f7a0 R x\n", 1, 2, 12,
        "unexpected \"x\" after the access (comments start with '#')");
    bad(P, "0x R\n", 0, 1, 1, "bad address \"0x\": expected hexadecimal digits");
    bad(P, "0x12345678901234567 R\n", 0, 1, 1,
        "address \"0x12345678901234567\" does not fit in 64 bits");
    bad(P, "R 1000\n", 0, 1, 1, "bad address \"R\": expected hexadecimal digits");
}

static void test_text_edges(void **state)
{
    (void)state;
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    struct vml_trace_rec out[8];
    /* Empty input, only chatter, only blank lines: no records, no error. */
    const char *empty[] = { "", "==7== hi\n==7== \n", "\n\n  \n", "\r\n" };
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(
            vml_trace_open_mem(empty[i], strlen(empty[i]), "e", VML_TRACE_LACKEY, &r, &d), 0);
        assert_int_equal(vml_trace_read(r, out, 8, &d), 0);
        vml_trace_close(r);
        assert_int_equal(
            vml_trace_open_mem(empty[i], strlen(empty[i]), "e", VML_TRACE_PLAIN, &r, &d), 0);
        long got = vml_trace_read(r, out, 8, &d);
        assert_int_equal(got, i == 1 ? VML_EPARSE : 0); /* chatter is not plain */
        vml_trace_close(r);
    }
    /* Other spacing, tabs, upper-case hex, CRLF and a 16-digit address are lackey too. */
    const char *t = "I\t 0401ABCD,3\r\n  S    FFFFFFFFFFFFFFFF,8   \nL 1,1\n";
    assert_int_equal(vml_trace_open_mem(t, strlen(t), "t", VML_TRACE_LACKEY, &r, &d), 0);
    assert_int_equal(vml_trace_read(r, out, 8, &d), 3);
    assert_true(out[0].addr == 0x401abcd && out[0].kind == X && out[0].size == 3);
    assert_true(out[1].addr == UINT64_MAX && out[1].kind == W && out[1].size == 8);
    assert_true(out[2].addr == 1 && out[2].kind == R && out[2].size == 1);
    vml_trace_close(r);
    /* A line longer than 1 MiB is refused, from a file-like source as from memory. */
    size_t big = (1u << 20) + 100;
    char *s = malloc(big + 1);
    memset(s, 'x', big);
    memcpy(s, " L 10,1\n", 8);
    s[big] = 0;
    bad(VML_TRACE_LACKEY, s, 1, 2, 1, "line 2 is longer than 1024 KiB: not a text trace?");
    free(s);
}

/* ---- the fast path against the careful parser ------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A random line, mostly in lackey's own shape, sometimes bent or broken. */
static size_t random_line(char *buf, size_t cap)
{
    static const char kinds[] = "ILSMIX";
    static const char junk[] = " ,\t0gG9fF:/`@xz\r";
    char k = kinds[rnd() % (rnd() % 8 ? 4 : 6)];
    int digits = 1 + (int)(rnd() % 18);
    uint64_t addr = rnd() >> (rnd() % 64);
    unsigned size = (unsigned)(rnd() % (rnd() % 4 ? 100 : 70000));
    int n = k == 'I'
                ? snprintf(buf, cap, "I  %0*llx,%u\n", digits, (unsigned long long)addr, size)
                : snprintf(buf, cap, " %c %0*llx,%u\n", k, digits, (unsigned long long)addr, size);
    if (rnd() % 5 == 0) /* flip one byte (not the newline) */
        buf[rnd() % (size_t)(n - 1)] = junk[rnd() % (sizeof(junk) - 1)];
    if (rnd() % 9 == 0) /* upper-case hex */
        for (int i = 3; i < n; i++)
            if (buf[i] >= 'a' && buf[i] <= 'f')
                buf[i] = (char)(buf[i] - 32);
    return (size_t)n;
}

static int fast_vs_careful(uint64_t seed, unsigned long ops)
{
    rng_state = seed;
    char line[128];
    for (unsigned long i = 0; i < ops; i++) {
        size_t n = random_line(line, sizeof(line));
        struct vml_trace_rec want[2], got[4];
        unsigned col = 0;
        char msg[200];
        int k = lackey_parse_line((const uint8_t *)line, n - 1, want, &col, msg, sizeof(msg));
        /* Through the reader, the line runs the fast path when it can (padded memory). */
        struct vml_trace_reader *r;
        struct vml_diag d = { 0 };
        if (vml_trace_open_mem(line, n, "r", VML_TRACE_LACKEY, &r, &d) != 0)
            return fprintf(stderr, "seed %llu: open failed\n", (unsigned long long)seed), 1;
        long g = vml_trace_read(r, got, 4, &d);
        vml_trace_close(r);
        bool same = k < 0 ? g == VML_EPARSE && d.col == col && strcmp(d.msg, msg) == 0
                          : g == k && memcmp(got, want, (size_t)k * sizeof(want[0])) == 0;
        if (!same) {
            fprintf(stderr, "seed %llu line %lu: \"%.*s\": careful %d (%s), reader %ld (%s)\n",
                    (unsigned long long)seed, i, (int)n - 1, line, k, k < 0 ? msg : "", g,
                    g < 0 ? d.msg : "");
            return 1;
        }
    }
    return 0;
}

static void test_fast_path_matches_careful_parser(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 2, 3, 0xdeadbeef };
    assert_int_equal(run_seeds(fast_vs_careful, seeds, 4, 20000), 0);
}

/* The same long random trace through the reader in one piece and line by line. */
static void test_long_trace_same_as_lines(void **state)
{
    (void)state;
    rng_state = 77;
    size_t cap = 3u << 20, len = 0, nref = 0;
    char *text = malloc(cap);
    struct vml_trace_rec *ref = malloc((cap / 4) * sizeof(*ref)),
                         *got = malloc(4096 * sizeof(*got));
    char line[128];
    while (len + 128 < cap) {
        size_t n = random_line(line, sizeof(line));
        struct vml_trace_rec two[2];
        unsigned col;
        char msg[200];
        int k = lackey_parse_line((const uint8_t *)line, n - 1, two, &col, msg, sizeof(msg));
        if (k < 0)
            continue; /* good lines only */
        memcpy(text + len, line, n);
        len += n;
        for (int j = 0; j < k; j++)
            ref[nref++] = two[j];
    }
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_open_mem(text, len, "long", VML_TRACE_LACKEY, &r, &d), 0);
    size_t seen = 0;
    long g;
    size_t batch = 1;
    while ((g = vml_trace_read(r, got, batch, &d)) > 0) {
        if (memcmp(got, ref + seen, (size_t)g * sizeof(*got)) != 0)
            fail_msg("records %zu.. differ", seen);
        seen += (size_t)g;
        batch = batch % 4093 + 7; /* odd batch sizes split M lines */
    }
    assert_int_equal(g, 0);
    assert_int_equal(seen, nref);
    vml_trace_close(r);
    free(text);
    free(ref);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lackey_fixture),
        cmocka_unit_test(test_plain_fixture),
        cmocka_unit_test(test_lackey_errors),
        cmocka_unit_test(test_plain_errors),
        cmocka_unit_test(test_text_edges),
        cmocka_unit_test(test_fast_path_matches_careful_parser),
        cmocka_unit_test(test_long_trace_same_as_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
