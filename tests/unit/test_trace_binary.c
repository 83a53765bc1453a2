/* test_trace_binary.c: the native and ChampSim readers, compressed input, and the native writer:
 * fixtures record by record, every error with its byte offset, truncated and corrupt zstd, xz
 * and gzip, and writer -> reader round trips of random records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"
#include "vmlab/trace.h"

#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define R VML_READ
#define W VML_WRITE
#define X VML_EXEC

struct want {
    uint64_t addr;
    unsigned size;
    unsigned kind;
    unsigned cpu;
};

static const struct want native_want[] = {
    { 0x7f0000001000, 8, R, 0 },     { 0x7f0000001008, 4, W, 0 },  { 0x401000, 0, X, 0 },
    { 0xffff800000001000, 8, R, 0 }, { 0x7f0000002000, 64, W, 3 }, { 0x0000800000000000, 0, R, 3 },
    { 0x8000000000000000, 1, X, 3 }, { 0x1000, 31, R, 0 },
};

static const struct want champsim_want[] = {
    { 0x401000, 0, X, 0 }, { 0x601000, 0, R, 0 }, { 0x601008, 0, R, 0 },   { 0x7ffd0010, 0, W, 0 },
    { 0x401004, 0, X, 0 }, { 0x401008, 0, X, 0 }, { 0x1111, 0, R, 0 },     { 0x2222, 0, R, 0 },
    { 0x3333, 0, R, 0 },   { 0x4444, 0, R, 0 },   { 0x7ffd0020, 0, W, 0 }, { 0x7ffd0028, 0, W, 0 },
};

/* ---- helpers ------------------------------------------------------------------------------ */

struct bytes {
    uint8_t *p;
    size_t len;
};

static struct bytes slurp(const char *path)
{
    struct bytes b = { 0 };
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    b.p = malloc(1 << 20);
    b.len = fread(b.p, 1, 1 << 20, f);
    fclose(f);
    return b;
}

static size_t read_all(struct vml_trace_reader *r, struct vml_trace_rec *out, size_t cap,
                       size_t batch, struct vml_diag *d, long *last)
{
    size_t n = 0;
    for (;;) {
        size_t ask = batch < cap - n ? batch : cap - n;
        long got = vml_trace_read(r, out + n, ask, d);
        if (got <= 0) {
            *last = got;
            return n;
        }
        n += (size_t)got;
        if (n == cap)
            fail_msg("more than %zu records", cap);
    }
}

static void check(const struct vml_trace_rec *got, size_t n, const struct want *want, size_t nwant,
                  const char *what)
{
    if (n != nwant)
        fail_msg("%s: %zu records, want %zu", what, n, nwant);
    for (size_t i = 0; i < n; i++)
        if (got[i].addr != want[i].addr || got[i].size != want[i].size ||
            got[i].kind != want[i].kind || got[i].cpu != want[i].cpu || got[i].pad)
            fail_msg("%s: record %zu is %u 0x%llx size %u cpu %u, want %u 0x%llx size %u cpu %u",
                     what, i, got[i].kind, (unsigned long long)got[i].addr, got[i].size, got[i].cpu,
                     want[i].kind, (unsigned long long)want[i].addr, want[i].size, want[i].cpu);
}

/* Opens a fixture by path and from memory, reads it in several batch sizes, checks it. */
static void fixture(const char *name, enum vml_trace_format fmt, enum vml_trace_compress comp,
                    const struct want *want, size_t nwant, uint64_t count)
{
    char path[512];
    snprintf(path, sizeof(path), VMLAB_FIXTURES "/trace/%s", name);
    struct bytes b = slurp(path);
    struct vml_trace_rec out[64];
    for (int mem = 0; mem < 2; mem++) {
        for (size_t batch = 1; batch <= 9; batch += 2) {
            struct vml_trace_reader *r;
            struct vml_diag d = { 0 };
            int err = mem ? vml_trace_open_mem(b.p, b.len, name, VML_TRACE_AUTO, &r, &d)
                          : vml_trace_open(path, VML_TRACE_AUTO, &r, &d);
            if (err)
                fail_msg("%s: %s", name, d.msg);
            assert_int_equal(vml_trace_reader_format(r), fmt);
            assert_int_equal(vml_trace_reader_compress(r), comp);
            assert_int_equal(vml_trace_reader_count(r), count);
            long last;
            size_t n = read_all(r, out, 64, batch, &d, &last);
            if (last != 0)
                fail_msg("%s: %s", name, d.msg);
            check(out, n, want, nwant, name);
            vml_trace_close(r);
        }
    }
    free(b.p);
}

/* Reads data as fmt and expects records good records, then err with exactly msg. */
static void bad(const void *data, size_t len, enum vml_trace_format fmt, size_t records, int err,
                const char *msg)
{
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    struct vml_trace_rec out[64];
    int e = vml_trace_open_mem(data, len, "t.bin", fmt, &r, &d);
    long last = e;
    size_t n = 0;
    if (e == 0)
        n = read_all(r, out, 64, 64, &d, &last);
    /* d.file is the reader's copy of the name: look before closing */
    bool file_ok = last == 0 || (d.file && strcmp(d.file, "t.bin") == 0);
    if (last != err || n != records || strcmp(d.msg, msg) != 0 || !file_ok)
        fail_msg("got %ld after %zu records: %s: %s\nwant %d after %zu: t.bin: %s", last, n,
                 file_ok ? "t.bin" : "(wrong file)", d.msg, err, records, msg);
    if (e == 0)
        vml_trace_close(r);
}

/* Same, comparing the message's beginning only (library error texts may change). */
static void bad_prefix(const void *data, size_t len, enum vml_trace_format fmt, const char *prefix)
{
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    struct vml_trace_rec out[64];
    int e = vml_trace_open_mem(data, len, "t.bin", fmt, &r, &d);
    long last = e;
    if (e == 0) {
        read_all(r, out, 64, 64, &d, &last);
        vml_trace_close(r);
    }
    if (last != VML_EPARSE || strncmp(d.msg, prefix, strlen(prefix)) != 0)
        fail_msg("got %ld: %s\nwant %d: %s...", last, d.msg, VML_EPARSE, prefix);
}

/* ---- fixtures ----------------------------------------------------------------------------- */

static void test_native_fixtures(void **state)
{
    (void)state;
    size_t n = sizeof(native_want) / sizeof(native_want[0]);
    fixture("small.vmt", VML_TRACE_NATIVE, VML_TRACE_RAW, native_want, n, 8);
    fixture("small.vmt.zst", VML_TRACE_NATIVE, VML_TRACE_ZSTD, native_want, n, 8);
}

static void test_champsim_fixtures(void **state)
{
    (void)state;
    size_t n = sizeof(champsim_want) / sizeof(champsim_want[0]);
    fixture("small.champsim", VML_TRACE_CHAMPSIM, VML_TRACE_RAW, champsim_want, n, 0);
    fixture("small.champsim.xz", VML_TRACE_CHAMPSIM, VML_TRACE_XZ, champsim_want, n, 0);
    fixture("small.champsim.gz", VML_TRACE_CHAMPSIM, VML_TRACE_GZ, champsim_want, n, 0);
    fixture("two-members.champsim.gz", VML_TRACE_CHAMPSIM, VML_TRACE_GZ, champsim_want, n, 0);
}

/* ---- native errors ------------------------------------------------------------------------ */

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static size_t header(uint8_t *p, uint32_t version, uint32_t hsize, uint64_t count, uint64_t flags)
{
    memcpy(p, "VMLTRACE", 8);
    for (int i = 0; i < 4; i++) {
        p[8 + i] = (uint8_t)(version >> (8 * i));
        p[12 + i] = (uint8_t)(hsize >> (8 * i));
    }
    put64(p + 16, count);
    put64(p + 24, flags);
    return 32;
}

#define CTRL(op, payload) (3ull << 62 | (uint64_t)(op) << 56 | (payload))

static void test_native_errors(void **state)
{
    (void)state;
    uint8_t b[256];
    const enum vml_trace_format N = VML_TRACE_NATIVE;
    bad("VMLTRACX", 8, N, 0, VML_EPARSE,
        "not a vmlab native trace: it starts with \"VMLTRACX\", not \"VMLTRACE\" at byte offset 0");
    bad("VML", 3, N, 0, VML_EPARSE,
        "not a vmlab native trace: it starts with \"VML\", not \"VMLTRACE\" at byte offset 0");
    bad("VMLTRACE\1\0\0\0", 12, N, 0, VML_EPARSE,
        "truncated header: 12 bytes of 32 at byte offset 12");
    header(b, 2, 32, 0, 0);
    bad(b, 32, N, 0, VML_EPARSE,
        "unsupported version 2 (this reader knows version 1) at byte offset 8");
    header(b, 1, 36, 0, 0);
    bad(b, 40, N, 0, VML_EPARSE,
        "bad header size 36 (32 to 4096, a multiple of 8) at byte offset 12");
    header(b, 1, 8192, 0, 0);
    bad(b, 40, N, 0, VML_EPARSE,
        "bad header size 8192 (32 to 4096, a multiple of 8) at byte offset 12");
    header(b, 1, 32, 0, 4);
    bad(b, 32, N, 0, VML_EPARSE,
        "unknown header flags 0x4 (version 1 defines none) at byte offset 24");
    header(b, 1, 48, 0, 0);
    bad(b, 40, N, 0, VML_EPARSE, "truncated header: 40 bytes of 48 at byte offset 40");

    /* A longer header is skipped; a record and 3 stray bytes. */
    size_t o = header(b, 1, 40, 0, 0);
    put64(b + o, 0xdeadbeefdeadbeefull);
    o += 8;
    put64(b + o, 0x1234);
    o += 8;
    bad(b, o + 3, N, 1, VML_EPARSE, "truncated record: 3 trailing bytes at byte offset 48");

    o = header(b, 1, 32, 0, 0);
    put64(b + o, 0x1000);
    put64(b + o + 8, CTRL(7, 0));
    bad(b, o + 16, N, 1, VML_EPARSE,
        "unknown control op 7 (version 1 knows 0 and 1) at byte offset 40");
    put64(b + o + 8, CTRL(1, 1ull << 32));
    bad(b, o + 16, N, 1, VML_EPARSE, "reserved bits set in a cpu control record at byte offset 40");
    put64(b + o + 8, CTRL(0, 1ull << 18));
    bad(b, o + 16, N, 1, VML_EPARSE, "reserved bits set in a long access record at byte offset 40");
    put64(b + o + 8, CTRL(0, 3ull << 16));
    bad(b, o + 16, N, 1, VML_EPARSE, "bad kind 3 in a long access record at byte offset 40");
    put64(b + o + 8, CTRL(0, 1ull << 16 | 100));
    bad(b, o + 16, N, 1, VML_EPARSE,
        "truncated long access record: its address word is missing at byte offset 40");
    put64(b + o + 16, 0xfedcba9876543210ull);
    bad(b, o + 24, N, 2, 0, ""); /* complete: fine */

    /* Counts that disagree with the records. */
    o = header(b, 1, 32, 3, 0);
    put64(b + o, 0x1000);
    put64(b + o + 8, 0x2000);
    bad(b, o + 16, N, 2, VML_EPARSE,
        "the trace ends after 2 records but the header says 3 at byte offset 48");
    put64(b + o + 16, 0x3000);
    put64(b + o + 24, CTRL(1, 5)); /* a cpu record after the last access is harmless */
    put64(b + o + 32, 0x4000);
    bad(b, o + 40, N, 3, VML_EPARSE, "more records than the header's count of 3 at byte offset 64");
    put64(b + o + 32, CTRL(0, 0));
    bad(b, o + 48, N, 3, VML_EPARSE, "more records than the header's count of 3 at byte offset 64");
    bad(b, o + 32, N, 3, 0, "");
}

static void test_champsim_errors(void **state)
{
    (void)state;
    struct bytes b = slurp(VMLAB_FIXTURES "/trace/small.champsim");
    bad(b.p, 150, VML_TRACE_CHAMPSIM, 5, VML_EPARSE,
        "truncated record: 22 trailing bytes of a 64-byte record at byte offset 128");
    free(b.p);
    /* Two records and two bytes, gzipped: the offset is in the decompressed stream. */
    uint8_t *z = malloc(1024);
    uLongf zlen = 1024;
    uint8_t raw[130];
    memset(raw, 0x11, sizeof(raw));
    z_stream s = { 0 };
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    s.next_in = raw;
    s.avail_in = sizeof(raw);
    s.next_out = z;
    s.avail_out = (uInt)zlen;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    zlen = s.total_out;
    deflateEnd(&s);
    bad(z, zlen, VML_TRACE_CHAMPSIM, 7 + 7, VML_EPARSE,
        "truncated record: 2 trailing bytes of a 64-byte record at byte offset 128 (of the "
        "decompressed stream)");
    free(z);
}

/* ---- compressed input --------------------------------------------------------------------- */

static void test_truncated_and_corrupt_compression(void **state)
{
    (void)state;
    const char *files[] = { "small.vmt.zst", "small.champsim.xz", "small.champsim.gz" };
    const char *names[] = { "zstd", "xz", "gzip" };
    const char *unit[] = { "frame", "stream", "member" };
    for (unsigned i = 0; i < 3; i++) {
        char path[512], msg[200];
        snprintf(path, sizeof(path), VMLAB_FIXTURES "/trace/%s", files[i]);
        struct bytes b = slurp(path);
        enum vml_trace_format f = i == 0 ? VML_TRACE_NATIVE : VML_TRACE_CHAMPSIM;
        /* Cut anywhere after the magic: truncated, named with the compressed offset. */
        for (size_t cut = 6; cut < b.len; cut += 7) {
            struct vml_trace_reader *r;
            struct vml_diag d = { 0 };
            struct vml_trace_rec out[64];
            long last = vml_trace_open_mem(b.p, cut, files[i], f, &r, &d);
            if (last == 0) {
                read_all(r, out, 64, 64, &d, &last);
                vml_trace_close(r);
            }
            snprintf(msg, sizeof(msg),
                     "truncated %s data: the input ends at compressed byte %zu "
                     "inside a %s",
                     names[i], cut, unit[i]);
            bool ok = last == VML_EPARSE && strcmp(d.msg, msg) == 0;
            if (!ok)
                fail_msg("%s cut at %zu: %ld %s", files[i], cut, last, d.msg);
        }
        /* Flip bits in the middle: corrupt (zstd and gzip check sums, xz too). */
        uint8_t *c = malloc(b.len);
        memcpy(c, b.p, b.len);
        c[b.len / 2] ^= 0x55;
        c[b.len / 2 + 1] ^= 0xaa;
        snprintf(msg, sizeof(msg), "corrupt %s data near compressed byte offset ", names[i]);
        bad_prefix(c, b.len, f, msg);
        /* Trailing garbage after the stream is an error too. */
        c = realloc(c, b.len + 16);
        memcpy(c, b.p, b.len);
        memcpy(c + b.len, "garbage garbage!", 16);
        bad_prefix(c, b.len + 16, f, msg);
        free(c);
        free(b.p);
    }
}

/* Compressed input larger than one chunk, split in odd places, several zstd frames. */
static void test_large_compressed(void **state)
{
    (void)state;
    const size_t n = 300000;
    uint8_t *raw = malloc(32 + 8 * n);
    size_t o = header(raw, 1, 32, n, 0);
    for (size_t i = 0; i < n; i++)
        put64(raw + o + 8 * i, (uint64_t)(i % 3) << 62 | (i * 64));
    size_t len = o + 8 * n;
    /* Two zstd frames: the header and half the records, then the rest. */
    size_t half = o + 8 * (n / 2), cap = ZSTD_compressBound(len) + 64;
    uint8_t *z = malloc(cap);
    size_t z1 = ZSTD_compress(z, cap, raw, half, 3);
    size_t z2 = ZSTD_compress(z + z1, cap - z1, raw + half, len - half, 19);
    assert_false(ZSTD_isError(z1) || ZSTD_isError(z2));
    /* The same as xz and gzip. */
    uint8_t *x = malloc(cap);
    size_t xlen = 0;
    assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL, raw, len, x, &xlen, cap),
                     LZMA_OK);
    uint8_t *g = malloc(cap);
    z_stream s = { 0 };
    assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    s.next_in = raw;
    s.avail_in = (uInt)len;
    s.next_out = g;
    s.avail_out = (uInt)cap;
    assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
    size_t glen = s.total_out;
    deflateEnd(&s);
    const struct {
        const uint8_t *p;
        size_t len;
        enum vml_trace_compress c;
    } in[] = { { z, z1 + z2, VML_TRACE_ZSTD },
               { x, xlen, VML_TRACE_XZ },
               { g, glen, VML_TRACE_GZ } };
    struct vml_trace_rec *out = malloc(1000 * sizeof(*out));
    char path[] = "/tmp/vmlab_trace_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (unsigned k = 0; k < 3; k++) {
        FILE *f = fopen(path, "wb");
        assert_int_equal(fwrite(in[k].p, 1, in[k].len, f), in[k].len);
        fclose(f);
        for (int mem = 0; mem < 2; mem++) {
            struct vml_trace_reader *r;
            struct vml_diag d = { 0 };
            int err = mem ? vml_trace_open_mem(in[k].p, in[k].len, "big", VML_TRACE_AUTO, &r, &d)
                          : vml_trace_open(path, VML_TRACE_AUTO, &r, &d);
            assert_int_equal(err, 0);
            assert_int_equal(vml_trace_reader_compress(r), in[k].c);
            size_t seen = 0;
            long got;
            while ((got = vml_trace_read(r, out, 997, &d)) > 0) {
                for (long j = 0; j < got; j++, seen++)
                    if (out[j].addr != seen * 64 || out[j].kind != seen % 3)
                        fail_msg("%u/%d: record %zu wrong", k, mem, seen);
            }
            if (got != 0 || seen != n)
                fail_msg("%u/%d: %ld after %zu: %s", k, mem, got, seen, d.msg);
            vml_trace_close(r);
        }
    }
    unlink(path);
    free(out);
    free(raw);
    free(z);
    free(x);
    free(g);
}

/* ---- the writer --------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t random_addr(void)
{
    static const uint64_t edges[] = {
        0,
        1,
        UINT64_MAX,
        1ull << 56,
        (1ull << 56) - 1,
        0ull - (1ull << 56),
        0ull - (1ull << 56) - 1,
        0x00007fffffffffffull,
        0xffff800000000000ull,
        0x8000000000000000ull,
        0x7fffffffffffffffull,
    };
    switch (rnd() % 4) {
    case 0: return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
    case 1: return rnd(); /* mostly not sign-extended from bit 56: long form */
    case 2: return rnd() & 0x00007fffffffffffull;
    default: return 0ull - (rnd() & 0x00ffffffffffffffull);
    }
}

static void random_recs(struct vml_trace_rec *v, size_t n)
{
    uint32_t cpu = 0;
    for (size_t i = 0; i < n; i++) {
        if (rnd() % 50 == 0)
            cpu = rnd() % 3 ? (uint32_t)(rnd() % 8) : (uint32_t)rnd();
        unsigned size = rnd() % 4 ? (unsigned)(rnd() % 32) : (unsigned)(rnd() % 65536);
        v[i] =
            (struct vml_trace_rec){ random_addr(), (uint16_t)size, (uint8_t)(rnd() % 3), 0, cpu };
    }
}

static int round_trip(uint64_t seed, unsigned long ops)
{
    rng_state = seed;
    size_t n = ops;
    struct vml_trace_rec *v = malloc(n * sizeof(*v)), *back = malloc(n * sizeof(*back));
    random_recs(v, n);
    char path[] = "/tmp/vmlab_trace_XXXXXX";
    int fd = mkstemp(path), bad_seed = 0;
    close(fd);
    for (int c = 0; c < 2 && !bad_seed; c++) {
        struct vml_trace_writer *w;
        struct vml_diag d = { 0 };
        enum vml_trace_compress comp = c ? VML_TRACE_ZSTD : VML_TRACE_RAW;
        int err = vml_trace_create(path, comp, &w, &d);
        /* in uneven pieces */
        for (size_t i = 0; !err && i < n;) {
            size_t k = 1 + rnd() % 5000;
            k = k < n - i ? k : n - i;
            err = vml_trace_write(w, v + i, k, &d);
            i += k;
        }
        if (!err)
            err = vml_trace_finish(w, &d);
        struct vml_trace_reader *r = NULL;
        if (!err)
            err = vml_trace_open(path, VML_TRACE_AUTO, &r, &d);
        size_t seen = 0;
        long got = 0;
        while (!err && (got = vml_trace_read(r, back + seen, n - seen < 4093 ? n - seen + 1 : 4093,
                                             &d)) > 0)
            seen += (size_t)got;
        bool ok = !err && got == 0 && seen == n && memcmp(v, back, n * sizeof(*v)) == 0 &&
                  vml_trace_reader_compress(r) == comp && vml_trace_reader_count(r) == (c ? 0 : n);
        if (!ok) {
            fprintf(stderr, "seed %llu (%s): err %d got %ld seen %zu of %zu: %s\n",
                    (unsigned long long)seed, c ? "zstd" : "raw", err, got, seen, n, d.msg);
            for (size_t i = 0; i < seen && i < n; i++)
                if (memcmp(&v[i], &back[i], sizeof(v[i])) != 0) {
                    fprintf(stderr,
                            "  first difference at %zu: 0x%llx/%u/%u/%u vs "
                            "0x%llx/%u/%u/%u\n",
                            i, (unsigned long long)v[i].addr, v[i].size, v[i].kind, v[i].cpu,
                            (unsigned long long)back[i].addr, back[i].size, back[i].kind,
                            back[i].cpu);
                    break;
                }
            bad_seed = 1;
        }
        vml_trace_close(r);
    }
    unlink(path);
    free(v);
    free(back);
    return bad_seed;
}

static void test_writer_round_trip(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 42, 0x5eed, 977 };
    assert_int_equal(run_seeds(round_trip, seeds, 4, 150000), 0);
}

/* The writer's bytes for known records, word by word (docs/trace-format.md). */
static void test_writer_encoding(void **state)
{
    (void)state;
    char path[] = "/tmp/vmlab_trace_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    struct vml_trace_rec v[] = {
        { 0x7f0000001000, 8, R, 0, 0 },
        { 0xffff800000001000, 31, W, 0, 0 },
        { 0x7f0000001000, 32, X, 0, 2 },
        { 0x8000000000000000, 0, R, 0, 2 },
    };
    struct vml_trace_writer *w;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_create(path, VML_TRACE_RAW, &w, &d), 0);
    assert_int_equal(vml_trace_write(w, v, 4, &d), 0);
    assert_int_equal(vml_trace_finish(w, &d), 0);
    struct bytes b = slurp(path);
    uint8_t want[32 + 8 * 7];
    size_t o = header(want, 1, 32, 4, 0);
    put64(want + o, 0ull << 62 | 8ull << 57 | 0x7f0000001000ull);
    put64(want + o + 8, 1ull << 62 | 31ull << 57 | (0xffff800000001000ull & ((1ull << 57) - 1)));
    put64(want + o + 16, CTRL(1, 2));
    put64(want + o + 24, CTRL(0, 2ull << 16 | 32));
    put64(want + o + 32, 0x7f0000001000ull);
    put64(want + o + 40, CTRL(0, 0));
    put64(want + o + 48, 0x8000000000000000ull);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));
    free(b.p);
    unlink(path);
}

/* To a pipe (standard output): nothing to seek, the count stays 0 and the records are fine. */
static void test_writer_unseekable(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    dup2(p[1], STDOUT_FILENO);
    struct vml_trace_rec v[100];
    rng_state = 9;
    random_recs(v, 100);
    struct vml_trace_writer *w;
    struct vml_diag d = { 0 };
    int e1 = vml_trace_create("-", VML_TRACE_RAW, &w, &d);
    int e2 = e1 ? e1 : vml_trace_write(w, v, 100, &d);
    int e3 = e1 ? e1 : vml_trace_finish(w, &d);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(p[1]);
    assert_int_equal(e1 | e2 | e3, 0);
    static uint8_t buf[65536];
    size_t len = 0;
    ssize_t got;
    while ((got = read(p[0], buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)got;
    close(p[0]);
    for (int i = 16; i < 24; i++)
        assert_int_equal(buf[i], 0);
    struct vml_trace_reader *r;
    assert_int_equal(vml_trace_open_mem(buf, len, "pipe", VML_TRACE_AUTO, &r, &d), 0);
    struct vml_trace_rec back[101];
    assert_int_equal(vml_trace_read(r, back, 101, &d), 100);
    assert_memory_equal(back, v, sizeof(v));
    assert_int_equal(vml_trace_reader_count(r), 0);
    vml_trace_close(r);
}

static void test_writer_errors(void **state)
{
    (void)state;
    struct vml_trace_writer *w;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_create("/nonexistent/dir/t.vmt", VML_TRACE_RAW, &w, &d), VML_ENOENT);
    assert_string_equal(d.msg, "cannot create: No such file or directory");
    assert_string_equal(d.file, "/nonexistent/dir/t.vmt");
    assert_int_equal(vml_trace_create("/tmp/x.vmt", VML_TRACE_XZ, &w, &d), VML_EINVAL);
    assert_string_equal(d.msg, "the trace writer compresses with zstd only, not xz");
    char path[] = "/tmp/vmlab_trace_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(vml_trace_create(path, VML_TRACE_ZSTD, &w, &d), 0);
    struct vml_trace_rec v[3] = { { 1, 1, R, 0, 0 }, { 2, 1, 3, 0, 0 }, { 3, 1, W, 0, 0 } };
    assert_int_equal(vml_trace_write(w, v, 3, &d), VML_EINVAL);
    assert_string_equal(d.msg, "record 1 of 3: kind 3 is not read (0), write (1) or exec (2)");
    /* Nothing of the failed batch was written. */
    assert_int_equal(vml_trace_write(w, v, 1, &d), 0);
    assert_int_equal(vml_trace_finish(w, &d), 0);
    struct vml_trace_reader *r;
    struct vml_trace_rec back[4];
    assert_int_equal(vml_trace_open(path, VML_TRACE_AUTO, &r, &d), 0);
    assert_int_equal(vml_trace_read(r, back, 4, &d), 1);
    assert_int_equal(vml_trace_read(r, back, 4, &d), 0);
    vml_trace_close(r);
    /* abort leaves what was written (here just the header: the count stays 0). */
    assert_int_equal(vml_trace_create(path, VML_TRACE_RAW, &w, &d), 0);
    assert_int_equal(vml_trace_write(w, v, 1, &d), 0);
    vml_trace_abort(w);
    vml_trace_abort(NULL);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_native_fixtures),
        cmocka_unit_test(test_champsim_fixtures),
        cmocka_unit_test(test_native_errors),
        cmocka_unit_test(test_champsim_errors),
        cmocka_unit_test(test_truncated_and_corrupt_compression),
        cmocka_unit_test(test_large_compressed),
        cmocka_unit_test(test_writer_round_trip),
        cmocka_unit_test(test_writer_encoding),
        cmocka_unit_test(test_writer_unseekable),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
