/* test_scenario_pressure.c: the scenario language's pressure statements (docs/scenario.md):
 * madvise cold and pageout, swapon NAME SIZE [prio=N] and swapoff NAME, memcg=on|off and the
 * rule that makes a scenario with swap confined; and the simulator's refusal of what it does not
 * model yet, with the message that says so. */
#include "vmlab/vmlab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define PROC_A "proc a\na mmap buf 64M anon private rw\n" /* lines 1-2 */

static struct vml_scenario *ok(const char *text)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    int r = vml_scenario_parse(text, strlen(text), "t.scn", &s, &d);
    if (r != 0)
        fail_msg("unexpected error %d at %u:%u: %s\n--\n%s", r, d.line, d.col, d.msg, text);
    return s;
}

static void bad(const char *text, unsigned line, unsigned col, const char *frag)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    int r = vml_scenario_parse(text, strlen(text), "t.scn", &s, &d);
    if (r != VML_EPARSE)
        fail_msg("want a parse error, got %d\n--\n%s", r, text);
    assert_null(s);
    if (d.line != line || d.col != col)
        fail_msg("error at %u:%u, want %u:%u (%s)\n--\n%s", d.line, d.col, line, col, d.msg, text);
    if (!strstr(d.msg, frag))
        fail_msg("message '%s' lacks '%s'\n--\n%s", d.msg, frag, text);
}

static void test_advice(void **state)
{
    (void)state;
    struct vml_scenario *s = ok(PROC_A "a madvise buf cold\na madvise buf[4K:8K] pageout\n");
    assert_int_equal(s->n_ops, 4);
    assert_int_equal(s->ops[2].u.madvise.advice, VML_ADV_COLD);
    assert_int_equal(s->ops[3].u.madvise.advice, VML_ADV_PAGEOUT);
    assert_int_equal(s->ops[3].u.madvise.range.start, 4096);
    assert_string_equal(vml_advice_name(VML_ADV_PAGEOUT), "pageout");
    assert_string_equal(vml_advice_name(VML_ADV_COLD), "cold");
    vml_scenario_free(s);
    bad(PROC_A "a madvise buf Pageout", 3, 15, "unknown advice 'Pageout'");
    bad(PROC_A "a madvise buf cold now", 3, 20, "unexpected 'now' after the end of madvise");
}

static void test_swap_statements(void **state)
{
    (void)state;
    struct vml_scenario *s =
        ok("swapon s1 64M\nswapon fast 1G prio=32767\nswapoff s1\nswapon s1 40K prio=0\n");
    assert_int_equal(s->n_ops, 4);
    assert_int_equal(s->ops[0].kind, VML_OP_SWAPON);
    assert_string_equal(s->ops[0].u.swap.name, "s1");
    assert_int_equal(s->ops[0].u.swap.size, 64ull << 20);
    assert_int_equal(s->ops[0].u.swap.prio, -1);
    assert_int_equal(s->ops[1].u.swap.prio, 32767);
    assert_int_equal(s->ops[2].kind, VML_OP_SWAPOFF);
    assert_string_equal(s->ops[2].u.swap.name, "s1");
    assert_int_equal(s->ops[3].u.swap.size, 40960);
    assert_int_equal(s->ops[3].u.swap.prio, 0);
    assert_string_equal(s->ops[0].proc, "");
    assert_string_equal(vml_op_kind_name(VML_OP_SWAPOFF), "swapoff");
    /* a swapon makes the scenario a pressure one: confined */
    assert_true(s->machine.memcg);
    vml_scenario_free(s);

    bad("swapon", 1, 7, "missing the swap area's name");
    bad("swapon s1", 1, 10, "missing the size");
    bad("swapon 1s 4M", 1, 8, "not a valid swap area name");
    bad("swapon s1 36K", 1, 11, "use a multiple of 4K of at least 40K");
    bad("swapon s1 41K", 1, 11, "use a multiple of 4K of at least 40K");
    bad("swapon s1 4M prio=32768", 1, 19, "prio must be 0..32767");
    bad("swapon s1 4M prio=-1", 1, 19, "prio");
    bad("swapon s1 4M discard", 1, 14, "unknown swapon option 'discard' (use prio=N or partition)");
    bad("swapon s1 4M prio=1 x", 1, 21, "unknown swapon option 'x'");
    bad("swapon s1 4M partition partition", 1, 24, "'partition' given twice");
    bad("swapon s1 4M prio=1 prio=2", 1, 21, "'prio' given twice");
    /* partition: a block device's area (SWP_BLKDEV), the options in either order */
    s = ok(
        "swapon s1 4M partition\nswapon s2 4M prio=3 partition\nswapon s3 4M partition prio=4\n");
    assert_true(s->ops[0].u.swap.partition);
    assert_int_equal(s->ops[0].u.swap.prio, -1);
    assert_true(s->ops[1].u.swap.partition);
    assert_int_equal(s->ops[1].u.swap.prio, 3);
    assert_true(s->ops[2].u.swap.partition);
    assert_int_equal(s->ops[2].u.swap.prio, 4);
    vml_scenario_free(s);
    s = ok("swapon s1 4M\n");
    assert_false(s->ops[0].u.swap.partition);
    vml_scenario_free(s);
    bad("swapon s1 4M\nswapon s1 8M", 2, 8, "swap area 's1' is on already (swapon at line 1)");
    bad("swapoff s1", 1, 9, "no swap area 's1' is on here");
    bad("swapon s1 4M\nswapoff s1\nswapoff s1", 3, 9, "no swap area 's1' is on here");
    bad("swapoff", 1, 8, "missing the swap area's name");
    bad("proc swapon", 1, 6, "reserved word");
    char many[1024] = "";
    for (int i = 0; i <= VML_SCN_SWAP_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "swapon s%d 4M\n", i);
    bad(many, VML_SCN_SWAP_MAX + 1, 8, "more than 16 swap areas on at once");
}

static void test_memcg(void **state)
{
    (void)state;
    struct vml_scenario *s = ok("machine ram=1G\n");
    assert_false(s->machine.memcg); /* no swap: not a pressure scenario */
    vml_scenario_free(s);
    s = ok("machine ram=1G swap=0\n");
    assert_false(s->machine.memcg);
    vml_scenario_free(s);
    s = ok("machine ram=1G swap=1G\n");
    assert_true(s->machine.memcg);
    assert_false(s->machine.given & VML_MCFG_MEMCG);
    vml_scenario_free(s);
    s = ok("machine ram=1G swap=1G memcg=off\n");
    assert_false(s->machine.memcg);
    assert_true(s->machine.given & VML_MCFG_MEMCG);
    vml_scenario_free(s);
    s = ok("machine ram=1G memcg=on\n");
    assert_true(s->machine.memcg);
    vml_scenario_free(s);
    s = ok("machine ram=1G memcg=off\nswapon s 4M\n");
    assert_false(s->machine.memcg);
    vml_scenario_free(s);
    bad("machine ram=1G memcg=yes", 1, 22, "memcg must be on or off, not 'yes'");
    bad("machine ram=1G memcg=on memcg=off", 1, 25, "machine setting 'memcg' given twice");
    bad("machine ram=1G memgc=on", 1, 16,
        "swapdev, memcg, numa, node_mem, node_cpus, distance, il_weights, node_perf, "
        "numa.demotion_enabled)");
}

/* The simulator runs them: pageout leaves the 16 MiB in swap, swapon then swapoff brings it
 * back (checked by expects the run must pass). */
static void test_simulator_runs(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "machine ram=64M swap=64M\nproc a\na mmap buf 16M anon private rw\na touch buf write\n"
        "a madvise buf pageout\nexpect a smaps buf Swap == 16384 kB\n"
        "expect a smaps buf Rss == 0 kB\n",
        "machine ram=64M\nproc a\na mmap buf 16M anon private rw\na touch buf write\n"
        "swapon s1 32M\na madvise buf cold\na madvise buf pageout\n"
        "expect a status VmSwap == 16384 kB\nswapoff s1\nexpect a status VmSwap == 0 kB\n"
        "expect a status RssAnon >= 16384 kB\n",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct vml_scenario *s = ok(texts[i]);
        struct vml_backend b;
        assert_int_equal(vml_backend_sim(&b), 0);
        struct vml_text out = { 0 }, report = { 0 };
        struct vml_run_result res = { 0 };
        struct vml_diag d = { 0 };
        int r = vml_run(s, &b, 0, &out, &report, &res, NULL, &d);
        b.destroy(b.ctx);
        if (r || res.failed)
            fail_msg("run %zu: %d (%s) %.*s", i, r, d.msg, (int)report.len,
                     report.s ? report.s : "");
        vml_text_free(&out);
        vml_text_free(&report);
        vml_scenario_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_advice),
        cmocka_unit_test(test_swap_statements),
        cmocka_unit_test(test_memcg),
        cmocka_unit_test(test_simulator_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
