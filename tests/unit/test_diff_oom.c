/* vmlab diff's OOM and overcommit rows (src/scenario/diff.c, docs/fidelity.md):
 *   - oom_score_adj exactly; oom_score through proc_oom_score's rule, each side with its own
 *     status lines and totalpages (the figures below are worked by hand in the comments);
 *   - an operation's Committed_AS change and oom_kill count change exactly, a side that could
 *     not measure the change being not comparable; a fork's Committed_AS change against what
 *     its parent's accounted VMAs say dup_mmap charges, on each side. */
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

struct side {
    struct vml_snapshot snap;
    struct vml_snap_proc proc;
};

/* One live process "p" with rss and pte kB at the end, oom_score_adj adj and the oom_score
 * read, on a machine of totalpages pages. */
static void side(struct side *s, uint64_t rss_kb, uint64_t pte_kb, int adj, long score,
                 uint64_t totalpages)
{
    memset(s, 0, sizeof(*s));
    snprintf(s->proc.name, sizeof(s->proc.name), "p");
    s->proc.alive = true;
    s->proc.last.vm_rss = rss_kb;
    s->proc.last.rss_anon = rss_kb;
    s->proc.last.vm_pte = pte_kb;
    s->proc.has_oom = true;
    s->proc.oom_score = score;
    s->proc.oom_score_adj = adj;
    s->snap.procs = &s->proc;
    s->snap.n_procs = 1;
    s->snap.totalpages = totalpages;
}

/* The number of differing fields between a and b, and the table in *text when asked. The
 * real process's status at creation is set so that its changes equal the simulated ones (the
 * rest is its runtime's own memory): only the OOM rows can differ. */
static unsigned differ(struct side *a, struct side *b, unsigned *skipped, char **text)
{
    b->proc.first.vm_rss = b->proc.last.vm_rss - a->proc.last.vm_rss;
    b->proc.first.rss_anon = b->proc.last.rss_anon - a->proc.last.rss_anon;
    b->proc.first.vm_pte = b->proc.last.vm_pte - a->proc.last.vm_pte;
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, sk = 0;
    unsigned d = vml_diff_snapshots(&a->snap, &b->snap, &out, &compared, &sk);
    if (skipped)
        *skipped = sk;
    if (text) {
        *text = strdup(out.s ? out.s : "");
        assert_non_null(*text);
    }
    vml_text_free(&out);
    return d;
}

/* Simulated: 1 GiB (262144 pages), 8192 kB of RSS and 24 kB of page tables = 2054 pages;
 * 2054 * 1000 / 262144 = 7; (1000 + 7) * 2 / 3 = 671. Real: 6170943 pages, 12000 kB + 100 kB
 * = 3025 pages; 3025 * 1000 / 6170943 = 0; 1000 * 2 / 3 = 666. */
static void test_score_by_each_sides_rule(void **state)
{
    (void)state;
    struct side a, b;
    char *text = NULL;
    side(&a, 8192, 24, 0, 671, 262144);
    side(&b, 12000, 100, 0, 666, 6170943);
    assert_int_equal(differ(&a, &b, NULL, &text), 0);
    assert_non_null(strstr(text, "both by the rule"));
    free(text);
    side(&b, 12000, 100, 0, 667, 6170943); /* the kernel's off by one */
    assert_int_equal(differ(&a, &b, NULL, &text), 1);
    assert_non_null(strstr(text, "<-- differs"));
    free(text);
    side(&b, 12000, 100, 0, 666, 6170943);
    side(&a, 8192, 24, 0, 672, 262144); /* the simulator's off by one */
    assert_int_equal(differ(&a, &b, NULL, NULL), 1);
}

/* oom_score_adj 500: simulated 2054 + 500 * 262 = 133054 pages; * 1000 / 262144 = 507;
 * (1507) * 2 / 3 = 1004. Real: 3025 + 500 * 6170 = 3088025; * 1000 / 6170943 = 500; 1000.
 * With oom_score_adj 1000 the real side's 3025 + 6170000 = 6173025 pages pass totalpages:
 * 1000; 2000 * 2 / 3 = 1333 (where 1332 would be the value without the process's own pages). */
static void test_adj(void **state)
{
    (void)state;
    struct side a, b;
    side(&a, 8192, 24, 500, 1004, 262144);
    side(&b, 12000, 100, 500, 1000, 6170943);
    assert_int_equal(differ(&a, &b, NULL, NULL), 0);
    side(&b, 12000, 100, 400, 1000, 6170943); /* adj differs (and 1000 is not 400's score) */
    assert_int_equal(differ(&a, &b, NULL, NULL), 2);
    side(&a, 0, 0, 1000, 1332, 262144); /* 262000 * 1000 / 262144 = 999; 1999 * 2 / 3 */
    side(&b, 12000, 100, 1000, 1333, 6170943);
    assert_int_equal(differ(&a, &b, NULL, NULL), 0);
    side(&b, 12000, 100, 1000, 1332, 6170943);
    assert_int_equal(differ(&a, &b, NULL, NULL), 1);
}

/* oom_score_adj -1000: immune, oom_score 0 whatever the process holds. */
static void test_immune(void **state)
{
    (void)state;
    struct side a, b;
    side(&a, 8192, 24, -1000, 0, 262144);
    side(&b, 12000, 100, -1000, 0, 6170943);
    assert_int_equal(differ(&a, &b, NULL, NULL), 0);
    side(&b, 12000, 100, -1000, 666, 6170943);
    assert_int_equal(differ(&a, &b, NULL, NULL), 1);
}

/* A side that could not read the files: not comparable, never a silent pass or a difference. */
static void test_unreadable(void **state)
{
    (void)state;
    struct side a, b;
    unsigned skipped = 0;
    side(&a, 8192, 24, 0, 671, 262144);
    side(&b, 12000, 100, 0, 9, 6170943);
    b.proc.has_oom = false;
    assert_int_equal(differ(&a, &b, &skipped, NULL), 0);
    assert_int_equal(skipped, 1);
}

/* One operation: Committed_AS change commit (has when measured) and oom_kill change kills. */
struct op_side {
    struct vml_snapshot snap;
    struct vml_snap_op op;
};

static void op_side(struct op_side *s, bool has, int64_t commit, uint64_t kills)
{
    memset(s, 0, sizeof(*s));
    s->op.line = 7;
    snprintf(s->op.what, sizeof(s->op.what), "p mmap heap");
    s->op.has_faults = true;
    s->op.has_mem = true;
    s->op.has_commit = has;
    s->op.commit = commit;
    snprintf(s->op.commit_why_not, sizeof(s->op.commit_why_not), "busy");
    s->op.has_oom_kill = true;
    s->op.oom_kill = kills;
    s->snap.ops = &s->op;
    s->snap.n_ops = 1;
}

static unsigned op_differ(struct op_side *a, struct op_side *b, unsigned *skipped, char **text)
{
    struct vml_text out;
    memset(&out, 0, sizeof(out));
    unsigned compared = 0, sk = 0;
    unsigned d = vml_diff_snapshots(&a->snap, &b->snap, &out, &compared, &sk);
    *skipped = sk;
    if (text) {
        *text = strdup(out.s ? out.s : "");
        assert_non_null(*text);
    }
    vml_text_free(&out);
    return d;
}

static void test_committed_as(void **state)
{
    (void)state;
    struct op_side a, b;
    unsigned skipped;
    char *text = NULL;
    op_side(&a, true, 16384, 0);
    op_side(&b, true, 16384, 0);
    assert_int_equal(op_differ(&a, &b, &skipped, &text), 0);
    assert_non_null(strstr(text, "Committed_AS"));
    assert_int_equal(skipped, 0);
    free(text);
    op_side(&b, true, 0, 0); /* the kernel did not charge it */
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
    op_side(&b, false, 0, 0); /* not measured: said so, not compared */
    assert_int_equal(op_differ(&a, &b, &skipped, &text), 0);
    assert_int_equal(skipped, 1);
    assert_non_null(strstr(text, "Committed_AS     not comparable: busy"));
    free(text);
}

/* shmem pages allocated: both sides charge a memfd's pages one by one (shmem_acct_blocks), so
 * Committed_AS is compared like any other change: 0 against 8192 kB differs. */
static void test_shmem_pages(void **state)
{
    (void)state;
    struct op_side a, b;
    unsigned skipped;
    op_side(&a, true, 0, 0);
    op_side(&b, true, 8192, 0);
    a.op.mem[VML_SNAP_SHMEM] = b.op.mem[VML_SNAP_SHMEM] = 8192;
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
    assert_int_equal(skipped, 0);
    op_side(&a, true, 8192, 0);
    a.op.mem[VML_SNAP_SHMEM] = 8192;
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 0);
    op_side(&a, true, -4096, 0); /* a shared anonymous object dies: its charge comes off */
    op_side(&b, true, -4096, 0);
    a.op.mem[VML_SNAP_SHMEM] = b.op.mem[VML_SNAP_SHMEM] = -1024;
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 0);
    assert_int_equal(skipped, 0);
    b.op.commit = 0;
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
}

static void test_oom_kill_count(void **state)
{
    (void)state;
    struct op_side a, b;
    unsigned skipped;
    op_side(&a, true, 0, 1);
    op_side(&b, true, 0, 1);
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 0);
    op_side(&b, true, 0, 2); /* a second victim on one side */
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
    op_side(&a, true, 0, 0);
    op_side(&b, true, 0, 1);
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
}

/* A fork: each side's change must be its parent's accounted VMAs (the real one's runtime's
 * own included): 16516 kB simulated; 16516 + 2380 kB of the runtime's on Linux. */
static void test_fork_copy(void **state)
{
    (void)state;
    struct op_side a, b;
    unsigned skipped;
    char *text = NULL;
    op_side(&a, true, 16516, 0);
    op_side(&b, true, 18896, 0);
    a.op.has_copy = b.op.has_copy = true;
    a.op.copy = 16516;
    b.op.copy = 18896;
    assert_int_equal(op_differ(&a, &b, &skipped, &text), 0);
    assert_non_null(strstr(text, "both charge the copy"));
    free(text);
    b.op.commit = 18896 - 132; /* the kernel left the stack out */
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
    b.op.commit = 18896;
    a.op.commit = 16384; /* the simulator left it out */
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
    a.op.commit = 16516;
    b.op.has_copy = false; /* one side could not read its parent's smaps */
    assert_int_equal(op_differ(&a, &b, &skipped, NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_by_each_sides_rule),
        cmocka_unit_test(test_adj),
        cmocka_unit_test(test_immune),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_committed_as),
        cmocka_unit_test(test_shmem_pages),
        cmocka_unit_test(test_oom_kill_count),
        cmocka_unit_test(test_fork_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
