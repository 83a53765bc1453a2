/* test_trace_convert_random.c: every trace writer against every reader on random records.
 *
 * Random records (any kind; addresses of every width, canonical or not; sizes 0..65535; CPUs
 * 0..3; runs of one address so that lackey's M lines and ChampSim's groupings occur) are written
 * in each format, zstd-compressed or raw, and read back. The expectation is what each format
 * keeps, written here from docs/trace-format.md, not from the writer:
 *   native    everything
 *   lackey    no CPU (0); a size of 0 reads back as 1
 *   plain     no CPU, no size (0); a fetch reads back as a read
 *   champsim  no CPU, no size; same kinds, same order (address 0 is not generated: refused)
 * Fixed seeds; VMLAB_SEED and VMLAB_OPS override them; a failure prints the seed, the format and
 * the record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "random_seeds.h"

#include "vmlab/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t rng;

static uint64_t next(void)
{
    /* splitmix64 */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t random_addr(void)
{
    static const unsigned bits[] = { 12, 24, 32, 40, 47, 48, 56, 64 };
    unsigned b = bits[next() % 8];
    uint64_t a = b == 64 ? next() : next() & ((1ull << b) - 1);
    return a ? a : 1;
}

static void make(struct vml_trace_rec *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        unsigned shape = (unsigned)(next() % 4);
        /* a quarter repeat the previous address (a write after a read: an M line) */
        r[i].addr = i && shape == 0 ? r[i - 1].addr : random_addr();
        r[i].kind = (uint8_t)(next() % VML_NR_ACCESS);
        unsigned s = (unsigned)(next() % 8);
        r[i].size = (uint16_t)(s == 0 ? 0 : s < 6 ? 1u << (s - 1) : next() % 65536);
        if (i && shape == 0)
            r[i].size = r[i - 1].size;
        r[i].cpu = (uint32_t)(next() % 8 < 6 ? 0 : next() % 4);
    }
}

static void expect(enum vml_trace_format f, const struct vml_trace_rec *in,
                   struct vml_trace_rec *out)
{
    *out = *in;
    if (f == VML_TRACE_NATIVE)
        return;
    out->cpu = 0;
    if (f == VML_TRACE_LACKEY) {
        out->size = in->size ? in->size : 1;
        return;
    }
    out->size = 0;
    if (f == VML_TRACE_PLAIN && in->kind == VML_EXEC)
        out->kind = VML_READ;
}

static int one(uint64_t seed, unsigned long ops, enum vml_trace_format f, enum vml_trace_compress c)
{
    struct vml_trace_rec *recs = malloc(ops * sizeof(*recs)), *back = malloc(ops * sizeof(*back));
    assert_non_null(recs);
    assert_non_null(back);
    rng = seed;
    make(recs, ops);
    char path[] = "/tmp/vmlab-convert-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct vml_diag d = { 0 };
    struct vml_trace_writer *w;
    int bad = 0;
    if (vml_trace_create_as(path, f, c, &w, &d) || vml_trace_write(w, recs, ops, &d) ||
        vml_trace_finish(w, &d)) {
        printf("seed %#llx %s: write failed: %s\n", (unsigned long long)seed,
               vml_trace_format_name(f), d.msg);
        bad = 1;
    }
    struct vml_trace_reader *rd = NULL;
    size_t got = 0;
    if (!bad && vml_trace_open(path, f, &rd, &d) == 0) {
        long n;
        while (got < ops && (n = vml_trace_read(rd, back + got, ops - got, &d)) > 0)
            got += (size_t)n;
        struct vml_trace_rec extra;
        if (vml_trace_read(rd, &extra, 1, &d) != 0) {
            printf("seed %#llx %s: more records than written\n", (unsigned long long)seed,
                   vml_trace_format_name(f));
            bad = 1;
        }
    } else if (!bad) {
        printf("seed %#llx %s: cannot read back: %s\n", (unsigned long long)seed,
               vml_trace_format_name(f), d.msg);
        bad = 1;
    }
    if (!bad && got != ops) {
        printf("seed %#llx %s: %zu records read back of %lu\n", (unsigned long long)seed,
               vml_trace_format_name(f), got, ops);
        bad = 1;
    }
    for (size_t i = 0; !bad && i < ops; i++) {
        struct vml_trace_rec e;
        expect(f, &recs[i], &e);
        if (memcmp(&e, &back[i], sizeof(e)) != 0) {
            printf("seed %#llx %s %s: record %zu: wrote kind %u addr %#llx size %u cpu %u, "
                   "read kind %u addr %#llx size %u cpu %u\n",
                   (unsigned long long)seed, vml_trace_format_name(f), vml_trace_compress_name(c),
                   i, recs[i].kind, (unsigned long long)recs[i].addr, recs[i].size, recs[i].cpu,
                   back[i].kind, (unsigned long long)back[i].addr, back[i].size, back[i].cpu);
            bad = 1;
        }
    }
    vml_trace_close(rd);
    unlink(path);
    free(recs);
    free(back);
    return bad;
}

static int run(uint64_t seed, unsigned long ops)
{
    static const enum vml_trace_format fmts[] = { VML_TRACE_NATIVE, VML_TRACE_LACKEY,
                                                  VML_TRACE_PLAIN, VML_TRACE_CHAMPSIM };
    int bad = 0;
    for (unsigned i = 0; i < 4; i++)
        for (unsigned z = 0; z < 2; z++)
            bad |= one(seed, ops, fmts[i], z ? VML_TRACE_ZSTD : VML_TRACE_RAW);
    return bad;
}

static void test_seeds(void **state)
{
    (void)state;
    static const uint64_t seeds[] = { 1, 2, 3, 0x5eed, 0xc0ffee, 0xdeadbeef };
    assert_int_equal(run_seeds(run, seeds, sizeof(seeds) / sizeof(seeds[0]), 20000), 0);
}

/* The writer refuses what a format cannot hold, and leaves no file. */
static void test_refusals(void **state)
{
    (void)state;
    char dir[] = "/tmp/vmlab-convert-dirXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/t.champsim", dir);
    struct vml_trace_writer *w;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_create_as(path, VML_TRACE_CHAMPSIM, VML_TRACE_RAW, &w, &d), 0);
    struct vml_trace_rec r[2] = { { .addr = 0x1000, .kind = VML_EXEC },
                                  { .addr = 0, .kind = VML_WRITE } };
    assert_int_equal(vml_trace_write(w, r, 2, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "record 2: a ChampSim trace cannot hold a write of address 0"));
    vml_trace_abort(w);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(vml_trace_create_as(path, VML_TRACE_GEN, VML_TRACE_RAW, &w, &d), VML_EINVAL);
    assert_int_equal(vml_trace_create_as(path, VML_TRACE_PLAIN, VML_TRACE_XZ, &w, &d), VML_EINVAL);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
