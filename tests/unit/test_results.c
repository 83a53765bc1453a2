/* The Linux side of a diff as a file (src/scenario/results.c: vmlab diff --record-linux and
 * --linux-results), the pages-per-node rows every diff compares, and which kernels' status RSS
 * lines cannot be compared (vml_kernel_rss_why_not). Values below are made up for the test and
 * checked against the text written by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/text.h"
#include "vmlab/run.h"

/* One process "a" with one mapping "buf" (8 MiB, 1536 pages on node 1 and 512 on node 0), one
 * operation, one show vm whose text holds a backslash and newlines. */
static void sample(struct vml_linux_results *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->scenario, sizeof(r->scenario), "/scenarios/01 first.vml");
    r->hash = 0x0123456789abcdefull;
    r->runs = 2;
    snprintf(r->k.kernel, sizeof(r->k.kernel), "6.1.0-57-amd64 #1 SMP Debian 6.1.192-3");
    vml_thp_defaults(&r->k.thp);
    r->k.thp_have = 1u; /* enabled only */
    r->k.zero_page = true;
    r->k.pt_reclaim_err = VML_EINVAL;
    r->k.readahead_err = VML_EINVAL;
    snprintf(r->k.tmpdir, sizeof(r->k.tmpdir), "/tmp");
    r->k.soft_dirty = true;
    struct vml_snapshot *s = &r->snap;
    s->totalpages = 246000;
    s->n_procs = 1;
    s->procs = calloc(1, sizeof(*s->procs));
    assert_non_null(s->procs);
    struct vml_snap_proc *p = &s->procs[0];
    snprintf(p->name, sizeof(p->name), "a");
    p->pid = 116;
    p->alive = true;
    p->first.vm_rss = 2920;
    p->last.vm_rss = 19288;
    p->has_oom = true;
    p->oom_score =
        668; /* proc_oom_score: (1000 + (19288 / 4 - 17 * 246) * 1000 / 246000) * 2 / 3 */
    p->oom_score_adj = -17;
    p->n_maps = 1;
    p->maps = calloc(1, sizeof(*p->maps));
    assert_non_null(p->maps);
    struct vml_snap_map *m = &p->maps[0];
    snprintf(m->name, sizeof(m->name), "buf");
    m->start = 0x7ffff6fff000ull;
    m->len = 8ull << 20;
    m->vmas = 1;
    m->size = 8192;
    m->c.rss = 8192;
    m->has_nodes = true;
    m->nodes[0] = 512;
    m->nodes[1] = 1536;
    snprintf(m->vm_flags, sizeof(m->vm_flags), "rd wr mr mw me ac sd");
    snprintf(m->thp_eligible, sizeof(m->thp_eligible), "0");
    s->n_ops = 1;
    s->ops = calloc(1, sizeof(*s->ops));
    assert_non_null(s->ops);
    s->ops[0].line = 9;
    snprintf(s->ops[0].what, sizeof(s->ops[0].what), "a touch buf");
    s->ops[0].has_faults = true;
    s->ops[0].minor = 2048;
    s->ops[0].has_mem = true;
    s->ops[0].mem[VML_SNAP_ANON_PAGES] = 8192;
    s->ops[0].has_commit = true;
    s->ops[0].commit = -4;
    snprintf(s->ops[0].commit_why_not, sizeof(s->ops[0].commit_why_not), "none");
    s->n_thp = 1;
    s->thp = calloc(1, sizeof(*s->thp));
    assert_non_null(s->thp);
    s->thp[0].line = 4;
    s->thp[0].vm = true;
    s->thp[0].text = strdup("a:1\nb:c\\d\n");
    assert_non_null(s->thp[0].text);
}

static char *format(const struct vml_linux_results *r)
{
    struct vml_text t;
    memset(&t, 0, sizeof(t));
    assert_int_equal(vml_results_format(r, &t), 0);
    char *s = strdup(t.s);
    vml_text_free(&t);
    assert_non_null(s);
    return s;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct vml_linux_results a, b;
    sample(&a);
    char *text = format(&a);
    /* Lines as the format says, checked by hand. */
    assert_non_null(strstr(text, "vmlab-linux-results 1\nscenario 0123456789abcdef 2 "
                                 "/scenarios/01 first.vml\nkernel 6.1.0-57-amd64"));
    assert_non_null(strstr(text, "\nthp 0 madvise\nzero_page 0 1\npt_reclaim -1 0\n"));
    assert_non_null(strstr(text, "\nsoft_dirty 0 1\nanon_thp_align 0 0\n"));
    assert_non_null(strstr(text, "\nnodes 8 512 1536 0 0 0 0 0 0\n"));
    assert_non_null(strstr(text, "\nproc 116 1 0 0 0 0 1 668 -17 1 a\n"));
    assert_non_null(strstr(text, "\nop 9 1 2048 0 1 1 -4 0 0 0 0 a touch buf\n"));
    assert_non_null(strstr(text, "\ntext 4 1 a:1\\nb:c\\\\d\\n\nend\n"));
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(text, strlen(text), &b, &d), 0);
    assert_string_equal(b.scenario, a.scenario);
    assert_true(b.hash == a.hash);
    assert_int_equal(b.runs, 2);
    assert_string_equal(b.k.kernel, a.k.kernel);
    assert_int_equal(b.k.thp_have, 1);
    assert_int_equal(b.k.thp.enabled, VML_THP_MADVISE);
    assert_true(b.k.zero_page);
    assert_int_equal(b.k.pt_reclaim_err, VML_EINVAL);
    assert_true(b.k.soft_dirty);
    assert_false(b.k.anon_align);
    assert_int_equal(b.snap.n_procs, 1);
    assert_int_equal(b.snap.procs[0].oom_score_adj, -17);
    assert_int_equal(b.snap.procs[0].last.vm_rss, 19288);
    assert_int_equal(b.snap.procs[0].maps[0].nodes[1], 1536);
    assert_string_equal(b.snap.procs[0].maps[0].vm_flags, "rd wr mr mw me ac sd");
    assert_string_equal(b.snap.ops[0].what, "a touch buf");
    assert_int_equal(b.snap.ops[0].commit, -4);
    assert_string_equal(b.snap.thp[0].text, "a:1\nb:c\\d\n");
    char *again = format(&b);
    assert_string_equal(again, text);
    free(again);
    free(text);
    vml_results_free(&a);
    vml_results_free(&b);
}

/* A parse error: its line and column, and a message containing want. */
static void bad(const char *text, unsigned line, unsigned col, const char *want)
{
    struct vml_linux_results r;
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(text, strlen(text), &r, &d), VML_EPARSE);
    vml_results_free(&r);
    if (d.line != line || d.col != col || !strstr(d.msg, want))
        fail_msg("got %u:%u: %s; want %u:%u: ...%s...", d.line, d.col, d.msg, line, col, want);
}

static void test_errors(void **state)
{
    (void)state;
    struct vml_linux_results r;
    sample(&r);
    char *good = format(&r);
    vml_results_free(&r);
    bad("scenario x\n", 1, 1, "not a vmlab Linux results file");
    bad("vmlab-linux-results 1\nscenario 0123456789abcdeg 1 x\n", 2, 25, "hexadecimal digit");
    /* Cut after the kernel line: the next line is missing. */
    const char *k = strstr(good, "\nzero_page");
    assert_non_null(k);
    char *cut = strndup(good, (size_t)(k - good) + 1);
    bad(cut, 5, 1, "ends before its 'zero_page' line");
    free(cut);
    /* Another version's smaps counters: 21 values where this one has 22. */
    char *other = strdup(good);
    char *c = strstr(other, "\ncounts 22 ");
    assert_non_null(c);
    c[9] = '1';
    unsigned line = 1;
    for (const char *p = other; p < c + 1; p++)
        line += *p == '\n';
    bad(other, line, 8, "another version of vmlab");
    free(other);
    /* A flag that is not 0 or 1, and text after the end. */
    char *flag = strdup(good);
    c = strstr(flag, "\nsoft_dirty 0 1");
    c[14] = '2';
    bad(flag, 8, 14, "out of range");
    free(flag);
    size_t n = strlen(good);
    char *more = malloc(n + 6);
    memcpy(more, good, n);
    memcpy(more + n, "more\n", 6);
    line = 1;
    for (const char *p = good; *p; p++)
        line += *p == '\n';
    bad(more, line, 1, "after the 'end' line");
    free(more);
    free(good);
}

/* Pages per node: a row per node holding pages on either side; a side without numa_maps makes
 * the mapping's rows not comparable. */
static void test_nodes_compared(void **state)
{
    (void)state;
    struct vml_linux_results a, b;
    sample(&a);
    sample(&b);
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 0);
    long long sim, real, delta;
    const char *n0 = strstr(out.s, "\n    N0 "), *n1 = strstr(out.s, "\n    N1 ");
    assert_non_null(n0);
    assert_non_null(n1);
    assert_int_equal(sscanf(n0, " N0 %lld %lld %lld pages", &sim, &real, &delta), 3);
    assert_true(sim == 512 && real == 512 && delta == 0);
    assert_int_equal(sscanf(n1, " N1 %lld %lld %lld pages", &sim, &real, &delta), 3);
    assert_true(sim == 1536 && real == 1536 && delta == 0);
    assert_null(strstr(out.s, "\n    N2 "));
    vml_text_free(&out);
    /* The policies of the VMAs: compared as text when both sides read them. */
    a.snap.procs[0].maps[0].has_policy = b.snap.procs[0].maps[0].has_policy = true;
    snprintf(a.snap.procs[0].maps[0].policy, 256, "bind:1");
    snprintf(b.snap.procs[0].maps[0].policy, 256, "bind:1");
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 0);
    assert_non_null(strstr(out.s, "    policy           bind:1\n"));
    vml_text_free(&out);
    snprintf(b.snap.procs[0].maps[0].policy, 256, "default");
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    a.snap.procs[0].maps[0].has_policy = b.snap.procs[0].maps[0].has_policy = false;
    b.snap.procs[0].maps[0].nodes[0] = 0;
    b.snap.procs[0].maps[0].nodes[1] = 2048;
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 2);
    vml_text_free(&out);
    b.snap.procs[0].maps[0].has_nodes = false;
    unsigned skipped_before = 0;
    assert_int_equal(vml_diff_snapshots(&a.snap, &a.snap, &out, &compared, &skipped_before), 0);
    vml_text_free(&out);
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 0);
    assert_int_equal(skipped, skipped_before + 1);
    assert_non_null(strstr(out.s, "numa_maps could not be read on linux"));
    vml_text_free(&out);
    /* RSS lines of a kernel before 6.2: not comparable, whatever they say. */
    b.snap.procs[0].last.vm_rss += 64;
    snprintf(b.snap.rss_why_not, sizeof(b.snap.rss_why_not), "lags");
    assert_int_equal(vml_diff_snapshots(&a.snap, &b.snap, &out, &compared, &skipped), 0);
    assert_non_null(strstr(out.s, "    VmRSS            not comparable: lags\n"));
    vml_text_free(&out);
    vml_results_free(&a);
    vml_results_free(&b);
}

/* NUMA counters per operation (machine nodes > 1): numa_miss exact; numa_hit may be higher on
 * Linux by up to 64 pages (other allocations of the machine), never lower; they round-trip
 * through the results file; a one-node machine does not compare them. */
static void test_numa_counters(void **state)
{
    (void)state;
    struct vml_linux_results a, b, c;
    sample(&a);
    sample(&b);
    for (int k = 0; k < 2; k++) {
        struct vml_snap_op *o = k ? &b.snap.ops[0] : &a.snap.ops[0];
        o->has_numa = true;
        o->numa[VML_SNAP_NUMA_HIT] = 2056; /* 2048 pages + 8 page tables, by hand */
        o->numa[VML_SNAP_NUMA_LOCAL] = 2056;
        o->numa[VML_SNAP_NUMA_MISS] = 0;
    }
    a.snap.nodes = 2;
    b.snap.ops[0].numa[VML_SNAP_NUMA_HIT] = 2056 + 64;
    char *text = format(&b);
    assert_non_null(strstr(text, "\nnuma 6 2120 0 0 0 2056 0\n"));
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(text, strlen(text), &c, &d), 0);
    /* Another version's count of NUMA counters: the error at the count's column. */
    char *other = strdup(text);
    char *p = strstr(other, "\nnuma 6 ");
    unsigned line = 1;
    for (const char *q = other; q <= p; q++)
        line += *q == '\n';
    p[6] = '5';
    bad(other, line, 6, "numa has another number of counters than this vmlab's");
    free(other);
    free(text);
    assert_true(c.snap.ops[0].has_numa);
    assert_int_equal(c.snap.ops[0].numa[VML_SNAP_NUMA_HIT], 2120);
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    assert_non_null(strstr(out.s, "numa_hit"));
    vml_text_free(&out);
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] = 2056 + 65; /* beyond the bound */
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] = 2055; /* below the simulator's: never noise */
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] = 2056;
    c.snap.ops[0].numa[VML_SNAP_NUMA_MISS] = 1; /* exact */
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    a.snap.nodes = 1;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    assert_null(strstr(out.s, "numa_miss"));
    vml_text_free(&out);
    vml_results_free(&a);
    vml_results_free(&b);
    vml_results_free(&c);
}

/* The limited cgroup's memory.stat at the end and an operation's SwapCached change (issue 15):
 * optional lines, written when kept and read back; a file without them (recorded before) reads
 * with neither; another version's count of figures is refused at the count. */
static void test_limit_lines(void **state)
{
    (void)state;
    struct vml_linux_results a, b;
    sample(&a);
    char *plain = format(&a);
    assert_null(strstr(plain, "limit_stat"));
    assert_null(strstr(plain, "swapcache"));
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(plain, strlen(plain), &b, &d), 0);
    assert_false(b.snap.has_limit_stat);
    assert_false(b.snap.ops[0].has_swapcache);
    vml_results_free(&b);
    a.snap.has_limit_stat = true;
    a.snap.limit_stat = (struct vml_snap_memcg){ 6652, 24320, 0, 0, 1644, 8296, 24320, 4 };
    a.snap.ops[0].has_swapcache = true;
    a.snap.ops[0].swapcache = -1644;
    char *text = format(&a);
    assert_non_null(strstr(text, "\npool 0 0 0 0 0\nlimit_stat 8 6652 24320 0 0 1644 8296 24320 4\n"
                                 "proc "));
    assert_non_null(strstr(text, "\nswapcache -1644\ntext 4 "));
    assert_int_equal(vml_results_parse(text, strlen(text), &b, &d), 0);
    assert_true(b.snap.has_limit_stat);
    assert_int_equal(b.snap.limit_stat.anon, 6652);
    assert_int_equal(b.snap.limit_stat.swapcached, 1644);
    assert_int_equal(b.snap.limit_stat.lru_anon, 8296);
    assert_int_equal(b.snap.limit_stat.unevictable, 4);
    assert_true(b.snap.ops[0].has_swapcache);
    assert_int_equal(b.snap.ops[0].swapcache, -1644);
    char *again = format(&b);
    assert_string_equal(again, text);
    free(again);
    vml_results_free(&b);
    /* Seven figures where this vmlab has eight; a SwapCached change that is not a number. */
    char *other = strdup(text);
    char *c = strstr(other, "\nlimit_stat 8 ");
    assert_non_null(c);
    c[12] = '7';
    unsigned line = 1;
    for (const char *p = other; p < c + 1; p++)
        line += *p == '\n';
    bad(other, line, 12, "another version of vmlab");
    free(other);
    other = strdup(text);
    c = strstr(other, "\nswapcache -1644");
    assert_non_null(c);
    c[11] = 'x';
    line = 1;
    for (const char *p = other; p < c + 1; p++)
        line += *p == '\n';
    bad(other, line, 11, "expected a number");
    free(other);
    free(text);
    free(plain);
    vml_results_free(&a);
}

/* The line number (1-based) at which p points in text. */
static unsigned line_of(const char *text, const char *p)
{
    unsigned line = 1;
    for (const char *q = text; q < p; q++)
        line += *q == '\n';
    return line;
}

/* A 640 MiB fill of node 0 on CPU 0 (08-fill-node0-fallback): the nodes' free pages at the start
 * and before the touch round-trip through the results (nodefree, free), and the fallback rule
 * takes each side's split by its own free pages. Figures of a guest boot, checked by hand:
 * linux N0 121141 with 122557 free (short 1416), the simulator N0 130700 with 131040 (short
 * 340); the bound is 4096 + 320 PTE tables + 1 PMD table + 2 = 4419. */
static void test_fill_rule(void **state)
{
    (void)state;
    struct vml_linux_results a, b, c;
    sample(&a);
    sample(&b);
    struct vml_snap_map *ma = &a.snap.procs[0].maps[0], *mb = &b.snap.procs[0].maps[0];
    ma->len = mb->len = 640ull << 20;
    ma->nodes[0] = 130700;
    ma->nodes[1] = 33140;
    mb->nodes[0] = 121141;
    mb->nodes[1] = 42699;
    a.snap.nodes = b.snap.nodes = 2;
    a.snap.has_start_free = b.snap.has_start_free = true;
    a.snap.start_free[0] = 131040;
    a.snap.start_free[1] = 131040;
    b.snap.start_free[0] = 122557;
    b.snap.start_free[1] = 110717;
    /* The touch's counters: 163840 pages and 321 page tables; N0's pages and tables hit. */
    struct vml_snap_op *oa = &a.snap.ops[0], *ob = &b.snap.ops[0];
    oa->has_numa = ob->has_numa = oa->has_free = ob->has_free = true;
    oa->free[0] = 131038;
    oa->free[1] = 131040;
    ob->free[0] = 122550;
    ob->free[1] = 110700;
    oa->numa[VML_SNAP_NUMA_HIT] = oa->numa[VML_SNAP_NUMA_LOCAL] = 130700 + 321;
    oa->numa[VML_SNAP_NUMA_MISS] = oa->numa[VML_SNAP_NUMA_FOREIGN] = 33140;
    oa->numa[VML_SNAP_NUMA_OTHER] = 33140;
    ob->numa[VML_SNAP_NUMA_HIT] = ob->numa[VML_SNAP_NUMA_LOCAL] = 121141 + 321 + 20;
    ob->numa[VML_SNAP_NUMA_MISS] = ob->numa[VML_SNAP_NUMA_FOREIGN] = 42699;
    ob->numa[VML_SNAP_NUMA_OTHER] = 42699;
    char *text = format(&b);
    assert_non_null(strstr(text, "\npool 0 0 0 0 0\nnodefree 8 122557 110717 0 0 0 0 0 0\n"));
    assert_non_null(strstr(text, "\nfree 8 122550 110700 0 0 0 0 0 0\n"));
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(text, strlen(text), &c, &d), 0);
    assert_true(c.snap.has_start_free && c.snap.ops[0].has_free);
    assert_int_equal(c.snap.start_free[1], 110717);
    assert_int_equal(c.snap.ops[0].free[0], 122550);
    /* Another count of nodes, and a value that is not a number: errors at their columns. */
    char *other = strdup(text);
    char *p = strstr(other, "\nnodefree 8 ") + 1;
    p[9] = '7';
    bad(other, line_of(other, p), 10, "nodefree has another number of counters");
    p[9] = '8';
    p = strstr(other, "\nfree 8 ") + 1;
    p[7] = 'x';
    bad(other, line_of(other, p), 8, "expected a number");
    free(other);
    free(text);
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    assert_non_null(strstr(out.s, "short by 340 and 1416, at most 4419"));
    assert_non_null(strstr(out.s, "(the rest, after N0)"));
    /* numa_hit: 131038 - 131021 = 17 and 122550 - 121482 = 1068 short of the free pages before
     * (the bound for 164161 pages, 641.3 MiB: 4096 + 321 PTE tables + 1 PMD table + 2 = 4420);
     * every allocation: 164161 and 164181. */
    assert_non_null(strstr(out.s, "short by 17 and 1068, at most 4420"));
    assert_non_null(strstr(out.s, "164161 and 164181, within [+0, +64]"));
    assert_non_null(strstr(out.s, "(as numa_hit, the CPU's node preferred)"));
    vml_text_free(&out);
    /* Linux's node 0 short by more than the bound: the split differs. */
    c.snap.start_free[0] = 121141 + 4420;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    assert_non_null(strstr(out.s, "neither node holds its free pages"));
    vml_text_free(&out);
    /* Or holding more than its free pages and its CPU's per-CPU list (4096) could give. */
    c.snap.start_free[0] = 121141 - 4097;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.start_free[0] = 121141 - 4096;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    vml_text_free(&out);
    c.snap.start_free[0] = 122557;
    /* The sums differ (a page more on node 1). */
    c.snap.procs[0].maps[0].nodes[1]++;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.procs[0].maps[0].nodes[1]--;
    /* The counters: numa_hit beyond the free pages before (a split no run measured). */
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] += 9000; /* 7932 beyond, the bound 4096 */
    c.snap.ops[0].numa[VML_SNAP_NUMA_LOCAL] += 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_MISS] -= 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_FOREIGN] -= 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_OTHER] -= 9000;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    assert_non_null(strstr(out.s, "no node had free before it"));
    vml_text_free(&out);
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] -= 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_LOCAL] -= 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_MISS] += 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_FOREIGN] += 9000;
    c.snap.ops[0].numa[VML_SNAP_NUMA_OTHER] += 9000;
    /* With the per-CPU lists recorded (nodepcp, pcp), the node may give more than its MemFree
     * by them and 64 only: 300 pages in node 0's lists, N0 364 above its free pages agrees,
     * 365 does not. */
    c.snap.has_start_pcp = true;
    c.snap.start_pcp[0] = 300;
    c.snap.ops[0].has_pcp = true;
    c.snap.ops[0].pcp[0] = 300;
    char *t2 = format(&c);
    assert_non_null(strstr(t2, "\nnodefree 8 122557 110717 0 0 0 0 0 0\nnodepcp 8 300 0 0"));
    assert_non_null(strstr(t2, "\nfree 8 122550 110700 0 0 0 0 0 0\npcp 8 300 0 0 0 0 0 0 0\n"));
    struct vml_linux_results e;
    assert_int_equal(vml_results_parse(t2, strlen(t2), &e, &d), 0);
    assert_true(e.snap.has_start_pcp && e.snap.ops[0].has_pcp);
    assert_int_equal(e.snap.start_pcp[0], 300);
    assert_int_equal(e.snap.ops[0].pcp[0], 300);
    vml_results_free(&e);
    char *p2 = strstr(t2, "\npcp 8 ") + 1;
    p2[4] = '9';
    bad(t2, line_of(t2, p2), 5, "pcp has another number of counters");
    free(t2);
    c.snap.start_free[0] = 121141 - 364;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    vml_text_free(&out);
    c.snap.start_free[0] = 121141 - 365;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.start_free[0] = 122557;
    /* numa_hit 121482, 365 above the free pages before it: beyond 300 + 64. */
    c.snap.ops[0].free[0] = 121482 - 365;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.ops[0].free[0] = 121482 - 364;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    vml_text_free(&out);
    /* Without the free pages on a side, the exact rows. */
    c.snap.has_start_free = false;
    c.snap.ops[0].has_free = false;
    assert_true(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped) > 2);
    vml_text_free(&out);
    vml_results_free(&c);
    vml_results_free(&a);
    vml_results_free(&b);
}

/* NUMA balancing (24-numa-balancing-follow): the balancing counters round-trip (balance); an
 * operation's faults are compared less its hinting faults, its numa_hit and numa_local less the
 * pages it moved, numa_pages_migrated against pgmigrate_success on each side; the mapping's
 * pages by the node holding most; over the run each counter above 0 on both sides. By hand:
 * the simulator's read faults on all 4096 entries and moves them; linux's scan came later,
 * 3000 hinting faults and moves, 1096 pages left on node 0. */
static void test_balancing_rule(void **state)
{
    (void)state;
    struct vml_linux_results a, b, c;
    sample(&a);
    sample(&b);
    a.snap.nodes = b.snap.nodes = 2;
    a.snap.numa_balancing = true;
    struct vml_snap_map *ma = &a.snap.procs[0].maps[0], *mb = &b.snap.procs[0].maps[0];
    ma->nodes[0] = 0;
    ma->nodes[1] = 2048;
    mb->nodes[0] = 548;
    mb->nodes[1] = 1500;
    struct vml_snap_op *oa = &a.snap.ops[0], *ob = &b.snap.ops[0];
    oa->has_numa = ob->has_numa = true;
    oa->has_balance = ob->has_balance = oa->has_migrate = ob->has_migrate = true;
    oa->minor = 2048; /* every access a hinting fault */
    ob->minor = 1500 + 3;
    oa->balance[VML_SNAP_NUMA_PTE_UPDATES] = 2048;
    oa->balance[VML_SNAP_NUMA_HINT_FAULTS] = 2048;
    oa->balance[VML_SNAP_NUMA_PAGES_MIGRATED] = 2048;
    oa->migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 2048;
    oa->numa[VML_SNAP_NUMA_HIT] = oa->numa[VML_SNAP_NUMA_LOCAL] = 2048;
    ob->balance[VML_SNAP_NUMA_PTE_UPDATES] = 2048;
    ob->balance[VML_SNAP_NUMA_HINT_FAULTS] = 1500;
    ob->balance[VML_SNAP_NUMA_PAGES_MIGRATED] = 1500;
    ob->migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 1500;
    ob->numa[VML_SNAP_NUMA_HIT] = ob->numa[VML_SNAP_NUMA_LOCAL] = 1500 + 10;
    ob->minor = 1500; /* as many as its hinting faults: 0 others, as simulated */
    char *text = format(&b);
    assert_non_null(strstr(text, "\nmigrate 3 1500 0 0\nbalance 4 2048 1500 0 1500\n"));
    struct vml_diag d;
    memset(&d, 0, sizeof(d));
    assert_int_equal(vml_results_parse(text, strlen(text), &c, &d), 0);
    assert_true(c.snap.ops[0].has_balance);
    assert_int_equal(c.snap.ops[0].balance[VML_SNAP_NUMA_PAGES_MIGRATED], 1500);
    char *other = strdup(text);
    char *p = strstr(other, "\nbalance 4 ") + 1;
    p[8] = '5';
    bad(other, line_of(other, p), 9, "balance has another number of counters");
    free(other);
    free(text);
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, skipped = 0;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 0);
    assert_non_null(strstr(out.s, "(most on both sides: NUMA balancing)"));
    assert_non_null(strstr(out.s, "numa_pages_migrated 1500, pgmigrate_success 1500   (equal)"));
    vml_text_free(&out);
    /* Another migration on linux besides the moves: differs. */
    c.snap.ops[0].migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 1501;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.ops[0].migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 1500;
    /* A fault that is not a hinting one more on linux: differs. */
    c.snap.ops[0].minor++;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.ops[0].minor--;
    /* Most pages left on node 0 on linux: differs. */
    c.snap.procs[0].maps[0].nodes[0] = 1500;
    c.snap.procs[0].maps[0].nodes[1] = 548;
    assert_int_equal(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped), 1);
    vml_text_free(&out);
    c.snap.procs[0].maps[0].nodes[0] = 548;
    c.snap.procs[0].maps[0].nodes[1] = 1500;
    /* Nothing moved on linux: the run's balancing rows differ (numa_pages_migrated 0; the
     * mapping then most on node 0 too). */
    c.snap.ops[0].balance[VML_SNAP_NUMA_HINT_FAULTS] = 0;
    c.snap.ops[0].balance[VML_SNAP_NUMA_PAGES_MIGRATED] = 0;
    c.snap.ops[0].migrate[VML_SNAP_PGMIGRATE_SUCCESS] = 0;
    c.snap.ops[0].minor = 0;
    c.snap.ops[0].numa[VML_SNAP_NUMA_HIT] = c.snap.ops[0].numa[VML_SNAP_NUMA_LOCAL] = 10;
    assert_true(vml_diff_snapshots(&a.snap, &c.snap, &out, &compared, &skipped) >= 2);
    assert_non_null(strstr(out.s, "not above 0 on both sides"));
    vml_text_free(&out);
    vml_results_free(&c);
    vml_results_free(&a);
    vml_results_free(&b);
}

static void test_rss_kernels(void **state)
{
    (void)state;
    assert_non_null(vml_kernel_rss_why_not("6.1.0-57-amd64 #1 SMP"));
    assert_non_null(vml_kernel_rss_why_not("5.15.0"));
    assert_non_null(vml_kernel_rss_why_not("4.19.0-26-amd64"));
    assert_null(vml_kernel_rss_why_not("6.2.0"));
    assert_null(vml_kernel_rss_why_not("6.18.44-fc-v1300 #1"));
    assert_null(vml_kernel_rss_why_not("7.0.0"));
    assert_null(vml_kernel_rss_why_not("unknown (uname failed)"));
    assert_null(vml_kernel_rss_why_not(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nodes_compared), cmocka_unit_test(test_numa_counters),
        cmocka_unit_test(test_rss_kernels),    cmocka_unit_test(test_fill_rule),
        cmocka_unit_test(test_balancing_rule), cmocka_unit_test(test_limit_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
