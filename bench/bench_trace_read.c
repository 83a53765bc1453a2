/* bench_trace_read.c: trace reader throughput (make bench).
 *
 * One synthetic stream of accesses shaped like a real lackey trace (about half instruction
 * fetches of 1 to 15 bytes at 8-digit addresses, loads and stores of 1 to 16 bytes on a
 * 10-digit stack and an 8-digit heap, a few modifies), written in each format, then read back
 * through vml_trace_open_mem in batches of 4096 records, and from a file through vml_trace_open
 * for the raw native and lackey cases. Each reader is timed against a baseline in the same run:
 * summing the same bytes as 64-bit words (memory bandwidth; the lower bound of any reader).
 * Medians of RUNS runs. Target: lackey text from memory >= 80 M lines/s.
 */
#include "bench_util.h"
#include "vmlab/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS  7
#define BATCH 4096

static volatile uint64_t sink;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void die(const char *what, const struct vml_diag *d)
{
    fprintf(stderr, "bench_trace_read: %s: %s\n", what, d ? d->msg : "failed");
    exit(1);
}

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = b->cap ? 2 * b->cap : 1 << 20;
        while (b->cap < b->len + n)
            b->cap *= 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            die("out of memory", NULL);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

struct access {
    uint64_t addr;
    unsigned size;
    char kind; /* I L S M */
};

static struct access *make_accesses(size_t n)
{
    struct access *a = malloc(n * sizeof(*a));
    static const unsigned dsize[] = { 1, 2, 4, 8, 8, 8, 16, 4 };
    uint64_t ip = 0x04010000;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next();
        unsigned pick = (unsigned)(r % 100);
        if (pick < 55) {
            ip += 1 + (r >> 8) % 15;
            if ((r >> 20) % 64 == 0)
                ip = 0x04010000 + ((r >> 24) & 0xfffff);
            a[i] = (struct access){ ip, 1 + (unsigned)((r >> 40) % 15), 'I' };
        } else {
            uint64_t addr = (r >> 8) % 3 ? 0x1ffefff000ull + ((r >> 16) & 0xff8)
                                         : 0x04a00000ull + ((r >> 16) & 0xfffff8);
            char k = pick < 80 ? 'L' : pick < 95 ? 'S' : 'M';
            a[i] = (struct access){ addr, dsize[(r >> 44) & 7], k };
        }
    }
    return a;
}

static size_t make_lackey(const struct access *a, size_t n, struct buf *b)
{
    char line[64];
    size_t recs = 0;
    put(b, "==4242== Lackey, an example Valgrind tool\n", 42);
    for (size_t i = 0; i < n; i++) {
        int k = a[i].kind == 'I' ? snprintf(line, sizeof(line), "I  %08llx,%u\n",
                                            (unsigned long long)a[i].addr, a[i].size)
                                 : snprintf(line, sizeof(line), " %c %08llx,%u\n", a[i].kind,
                                            (unsigned long long)a[i].addr, a[i].size);
        put(b, line, (size_t)k);
        recs += a[i].kind == 'M' ? 2 : 1;
    }
    return recs;
}

static size_t to_recs(const struct access *a, size_t n, struct vml_trace_rec *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned kind = a[i].kind == 'I' ? 2 : a[i].kind == 'S' ? 1 : 0;
        out[k++] = (struct vml_trace_rec){ a[i].addr, (uint16_t)a[i].size, (uint8_t)kind, 0, 0 };
        if (a[i].kind == 'M')
            out[k++] = (struct vml_trace_rec){ a[i].addr, (uint16_t)a[i].size, 1, 0, 0 };
    }
    return k;
}

/* Writes recs with the native writer to path and loads the file into b. */
static void make_native(const struct vml_trace_rec *recs, size_t n, const char *path,
                        enum vml_trace_compress c, struct buf *b)
{
    struct vml_trace_writer *w;
    struct vml_diag d = { 0 };
    if (vml_trace_create(path, c, &w, &d) || vml_trace_write(w, recs, n, &d) ||
        vml_trace_finish(w, &d))
        die("writer", &d);
    FILE *f = fopen(path, "rb");
    char chunk[1 << 16];
    size_t got;
    while (f && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        put(b, chunk, got);
    if (f)
        fclose(f);
}

/* ChampSim: each lackey instruction fetch starts a record; the data accesses after it (up to
 * four loads and two stores) fill its memory slots. */
static size_t make_champsim(const struct access *a, size_t n, struct buf *b)
{
    uint8_t rec[64];
    size_t recs = 0, i = 0;
    while (i < n) {
        memset(rec, 0, sizeof(rec));
        uint64_t ip = a[i].kind == 'I' ? a[i].addr : 0x401000;
        memcpy(rec, &ip, 8);
        recs++;
        unsigned nl = 0, ns = 0;
        for (i++; i < n && a[i].kind != 'I'; i++) {
            if (a[i].kind != 'S' && nl < 4) {
                memcpy(rec + 32 + 8 * nl++, &a[i].addr, 8);
                recs++;
            }
            if (a[i].kind != 'L' && ns < 2) {
                memcpy(rec + 16 + 8 * ns++, &a[i].addr, 8);
                recs++;
            }
        }
        put(b, rec, sizeof(rec));
    }
    return recs;
}

static double time_sum(const struct buf *b)
{
    double t0 = now();
    uint64_t acc = 0, w;
    for (size_t i = 0; i + 8 <= b->len; i += 8) {
        memcpy(&w, b->p + i, 8);
        acc += w;
    }
    double t = now() - t0;
    sink = acc;
    return t;
}

/* Reads everything; returns seconds and checks the record count. */
static double time_read(const struct buf *b, const char *path, enum vml_trace_format f, size_t want)
{
    static struct vml_trace_rec out[BATCH];
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    double t0 = now();
    int err = path ? vml_trace_open(path, f, &r, &d)
                   : vml_trace_open_mem(b->p, b->len, "bench", f, &r, &d);
    if (err)
        die("open", &d);
    long got;
    size_t total = 0;
    uint64_t acc = 0;
    while ((got = vml_trace_read(r, out, BATCH, &d)) > 0) {
        total += (size_t)got;
        acc += out[got - 1].addr;
    }
    double t = now() - t0;
    if (got < 0)
        die("read", &d);
    if (total != want) {
        fprintf(stderr, "bench_trace_read: %zu records, expected %zu\n", total, want);
        exit(1);
    }
    vml_trace_close(r);
    sink = acc;
    return t;
}

static void run(const char *name, const struct buf *b, const char *path, enum vml_trace_format f,
                size_t recs, size_t lines, double target)
{
    double tb[RUNS], tr[RUNS], ratio[RUNS];
    time_read(b, path, f, recs); /* warm up */
    for (unsigned i = 0; i < RUNS; i++) {
        tb[i] = time_sum(b);
        tr[i] = time_read(b, path, f, recs);
        ratio[i] = tr[i] / tb[i];
    }
    double t = median(tr, RUNS);
    double mlines = lines ? (double)lines / t / 1e6 : 0;
    printf("%-34s %9.1f %9.1f %9.0f %8.1fx", name, (double)recs / t / 1e6, mlines,
           (double)b->len / t / 1e6, median(ratio, RUNS));
    if (target > 0)
        printf("   >= %3.0f M lines/s %s", target, mlines >= target ? "met" : "MISSED");
    putchar('\n');
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000000;
    char tmpl[] = "/tmp/bench_trace_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        die("mkstemp", NULL);
    close(fd);
    char path_vmt[64], path_lk[64];
    snprintf(path_vmt, sizeof(path_vmt), "%s.vmt", tmpl);
    snprintf(path_lk, sizeof(path_lk), "%s.lackey", tmpl);

    struct access *a = make_accesses(n);
    struct vml_trace_rec *recs = malloc(2 * n * sizeof(*recs));
    size_t nrecs = to_recs(a, n, recs);
    struct buf lk = { 0 }, nat = { 0 }, zst = { 0 }, cs = { 0 };
    size_t lk_recs = make_lackey(a, n, &lk);
    make_native(recs, nrecs, path_vmt, VML_TRACE_ZSTD, &zst);
    make_native(recs, nrecs, path_vmt, VML_TRACE_RAW, &nat);
    size_t cs_recs = make_champsim(a, n, &cs);
    FILE *f = fopen(path_lk, "wb");
    if (!f || fwrite(lk.p, 1, lk.len, f) != lk.len || fclose(f))
        die("writing the lackey file", NULL);

    printf("vmlab bench_trace_read: %zu lackey lines, %zu records; median of %d runs, batches of "
           "%d\nratio = reader time / time to sum the same bytes as u64 words\n\n",
           n, nrecs, RUNS, BATCH);
    printf("%-34s %9s %9s %9s %9s\n", "input", "M rec/s", "M line/s", "MB/s", "ratio");
    run("native raw, memory", &nat, NULL, VML_TRACE_NATIVE, nrecs, 0, 0);
    run("native raw, file", &nat, path_vmt, VML_TRACE_NATIVE, nrecs, 0, 0);
    run("native zstd, memory", &zst, NULL, VML_TRACE_NATIVE, nrecs, 0, 0);
    run("lackey text, memory", &lk, NULL, VML_TRACE_LACKEY, lk_recs, n + 1, 80);
    run("lackey text, file", &lk, path_lk, VML_TRACE_LACKEY, lk_recs, n + 1, 0);
    run("champsim raw, memory", &cs, NULL, VML_TRACE_CHAMPSIM, cs_recs, 0, 0);
    printf("\nsizes: native %.1f MB (zstd %.1f MB), lackey %.1f MB, champsim %.1f MB\n",
           (double)nat.len / 1e6, (double)zst.len / 1e6, (double)lk.len / 1e6,
           (double)cs.len / 1e6);
    unlink(path_vmt);
    unlink(path_lk);
    unlink(tmpl);
    free(a);
    free(recs);
    free(lk.p);
    free(nat.p);
    free(zst.p);
    free(cs.p);
    return 0;
}
