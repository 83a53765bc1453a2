/* bench_replay.c: trace replay throughput (make bench).
 *
 * Each workload is a trace held in memory, replayed through the full model (skylake preset,
 * 4-level paging, 4 KiB pages: TLBs, page-walk caches, walk, faults through the simulated
 * kernel) and timed against a baseline pass that only reads the same trace from memory with
 * the same reader (decoding every record, summing addresses), in the same run; medians of
 * several runs, each on a fresh machine. "warm" replays start from a machine that has replayed
 * the trace once already (its memory mapped, no page faults left): the rate of a long trace.
 *   seq      native, sequential 8-byte reads over 64 MiB, 64 M records
 *   l1reach  native, uniform random reads within 256 KiB (the L1 dTLB's 4 KiB reach)
 *   random   native, uniform random reads over 1 GiB: walk-dominated
 *   lackey   Valgrind lackey text: an instruction fetch before each load or store, code in a
 *            small loop, data sequential
 * Targets on the project machine: seq >= 200 M/s, l1reach >= 100 M/s, random >= 25 M/s,
 * lackey >= 25 M lines/s.
 */
#include "bench_util.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUNS  5
#define BATCH 4096

static volatile uint64_t sink;

static void die(const char *what, const struct vml_diag *d)
{
    fprintf(stderr, "bench_replay: %s: %s\n", what, d ? d->msg : "failed");
    exit(1);
}

/* A native trace of a generator, in memory. */
static char *native_of(const char *spec, size_t *len)
{
    struct vml_gen_config g;
    struct vml_diag d = { 0 };
    if (vml_gen_parse(spec, &g, &d))
        die(spec, &d);
    char path[] = "/tmp/vmlab-bench-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        die("mkstemp", NULL);
    struct vml_trace_reader *rd;
    struct vml_trace_writer *w;
    if (vml_trace_open_gen(&g, &rd, &d) || vml_trace_create(path, VML_TRACE_RAW, &w, &d))
        die(spec, &d);
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    long n;
    while ((n = vml_trace_read(rd, buf, BATCH, &d)) > 0)
        if (vml_trace_write(w, buf, (size_t)n, &d))
            die("write", &d);
    if (n < 0 || vml_trace_finish(w, &d))
        die("trace", &d);
    vml_trace_close(rd);
    free(buf);
    /* The writer renames its finished file over path: read the new file, not mkstemp's. */
    close(fd);
    FILE *f = fopen(path, "rb");
    if (!f)
        die("reopen", NULL);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    char *data = malloc(*len);
    if (!data || fread(data, 1, *len, f) != *len)
        die("read back", NULL);
    fclose(f);
    remove(path);
    return data;
}

/* Lackey text: "I  ADDR,4" then " L ADDR,8" or " S ADDR,8", pairs of lines. */
static char *lackey_of(unsigned long pairs, size_t *len)
{
    size_t cap = pairs * 40 + 64, n = 0;
    char *t = malloc(cap);
    if (!t)
        die("malloc", NULL);
    n += (size_t)snprintf(t, cap, "==4242== Lackey, an example Valgrind tool\n");
    uint64_t data = 0x1ffeff0000;
    for (unsigned long i = 0; i < pairs; i++) {
        uint64_t ip = 0x108000 + (i % 64) * 4;
        n += (size_t)snprintf(t + n, cap - n, "I  %08llx,4\n %c %010llx,8\n",
                              (unsigned long long)ip, i % 4 == 3 ? 'S' : 'L',
                              (unsigned long long)(data + (i * 8) % (64u << 20)));
    }
    *len = n;
    return t;
}

/* Reads every record (the baseline), or replays them into r. Returns the records. */
static uint64_t pass(const char *data, size_t len, enum vml_trace_format f, struct vml_replay *r,
                     struct vml_trace_rec *buf)
{
    struct vml_trace_reader *rd;
    struct vml_diag d = { 0 };
    if (vml_trace_open_mem(data, len, "bench", f, &rd, &d))
        die("open", &d);
    uint64_t recs = 0, acc = 0;
    long n;
    while ((n = vml_trace_read(rd, buf, BATCH, &d)) > 0) {
        if (r) {
            if (vml_replay_feed(r, buf, (size_t)n, NULL, &d))
                die("replay", &d);
        } else {
            for (long i = 0; i < n; i++)
                acc += buf[i].addr;
        }
        recs += (uint64_t)n;
    }
    if (n < 0)
        die("read", &d);
    vml_trace_close(rd);
    sink = acc;
    return recs;
}

static struct vml_replay *fresh(void)
{
    struct vml_replay_config cfg;
    vml_replay_defaults(&cfg);
    struct vml_replay *r;
    struct vml_diag d = { 0 };
    if (vml_replay_create(&cfg, &r, &d))
        die("replay", &d);
    return r;
}

static void run(const char *name, const char *unit, const char *data, size_t len,
                enum vml_trace_format f, bool warm, double target)
{
    struct vml_trace_rec *buf = malloc(BATCH * sizeof(*buf));
    double tb[RUNS], tr[RUNS], ratio[RUNS];
    uint64_t recs = 0;
    struct vml_replay_stats st;
    for (unsigned k = 0; k < RUNS; k++) {
        double t0 = now();
        recs = pass(data, len, f, NULL, buf);
        tb[k] = now() - t0;
        struct vml_replay *r = fresh();
        if (warm)
            pass(data, len, f, r, buf);
        t0 = now();
        pass(data, len, f, r, buf);
        tr[k] = now() - t0;
        ratio[k] = tr[k] / tb[k];
        vml_replay_stats(r, &st);
        vml_replay_destroy(r);
    }
    double mr = (double)recs / median(tr, RUNS) / 1e6, mb = (double)recs / median(tb, RUNS) / 1e6;
    uint64_t l1 = st.mmu.tlb[VML_TLB_L1D].hits[0] + st.mmu.tlb[VML_TLB_L1I].hits[0];
    uint64_t tr_total = st.mmu.accesses[0] + st.mmu.accesses[1] + st.mmu.accesses[2];
    printf("%-9s %-5s %9.1f %-9s %9.1f %7.1fx %7.1f%% %9.1f  %s\n", name, warm ? "warm" : "cold",
           mr, unit, mb, median(ratio, RUNS), tr_total ? 100.0 * (double)l1 / (double)tr_total : 0,
           target,
           target == 0    ? ""
           : mr >= target ? "met"
                          : "NOT MET");
    free(buf);
}

int main(void)
{
    printf("vmlab bench_replay: replay throughput, skylake, 4-level paging, 4 KiB pages, "
           "median of %d runs\n"
           "(ratio: replay time over a pass that only reads the same trace from memory)\n\n",
           RUNS);
    printf("%-9s %-5s %9s %-9s %9s %8s %8s %9s\n", "workload", "", "replay", "", "read-only",
           "ratio", "L1 hits", "target");
    size_t len;
    char *t = native_of("seq:base=0x7f0000000000,footprint=64M,count=64M,size=8", &len);
    run("seq", "M/s", t, len, VML_TRACE_NATIVE, false, 200);
    free(t);
    t = native_of("random:base=0x7f0000000000,footprint=256K,count=32M,seed=1", &len);
    run("l1reach", "M/s", t, len, VML_TRACE_NATIVE, true, 100);
    free(t);
    t = native_of("random:base=0x7f0000000000,footprint=1G,count=16M,seed=1", &len);
    run("random", "M/s", t, len, VML_TRACE_NATIVE, true, 25);
    run("random", "M/s", t, len, VML_TRACE_NATIVE, false, 0);
    free(t);
    t = lackey_of(16u << 20, &len);
    run("lackey", "M lines/s", t, len, VML_TRACE_LACKEY, false, 25);
    free(t);
    return 0;
}
