/* test_diff_tiering.c: vmlab diff's rule for show memory_tiering (src/scenario/diff.c,
 * compare_tiering): every line byte for byte, a line one side lacks differs; and a results
 * file keeps a show memory_tiering's text apart from show thp and show vm (results.c). The
 * texts are written here as the kernel's sysfs reads: a 6.12 guest with HMAT figures gave
 * memory_tier4 0-1 and memory_tier72 2 (docs/fidelity.md, "Memory tiers"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmlab/run.h"
#include "util/text.h"

#define T4  "/sys/devices/virtual/memory_tiering/memory_tier4/nodelist:"
#define T72 "/sys/devices/virtual/memory_tiering/memory_tier72/nodelist:"
#define DEM "/sys/kernel/mm/numa/demotion_enabled:"

static unsigned differ(const char *sim, const char *linux_text, bool linux_tiering, char **report)
{
    struct vml_snap_text a = { .line = 2, .text = (char *)sim, .tiering = true };
    struct vml_snap_text b = { .line = 2, .text = (char *)linux_text, .tiering = linux_tiering };
    struct vml_snapshot sa, sb;
    memset(&sa, 0, sizeof(sa));
    memset(&sb, 0, sizeof(sb));
    sa.thp = &a;
    sb.thp = &b;
    sa.n_thp = sb.n_thp = 1;
    struct vml_text out = { 0 };
    unsigned compared = 0, skipped = 0;
    unsigned d = vml_diff_snapshots(&sa, &sb, &out, &compared, &skipped);
    *report = strdup(out.s ? out.s : "");
    vml_text_free(&out);
    return d;
}

static void test_same_bytes(void **state)
{
    (void)state;
    char *r;
    const char *t = T4 "0-1\n" T72 "2\n" DEM "true\n";
    assert_int_equal(differ(t, t, true, &r), 0);
    assert_non_null(strstr(r, "memory_tier72/nodelist"));
    free(r);
}

static void test_other_tier_differs(void **state)
{
    (void)state;
    char *r;
    /* The simulator's node 2 as dax/kmem memory (memory_tier22) against the kernel's 72. */
    assert_int_equal(
        differ(T4 "0-1\n" T72 "2\n" DEM "true\n",
               T4 "0-1\n/sys/devices/virtual/memory_tiering/memory_tier22/nodelist:2\n" DEM
                  "true\n",
               true, &r),
        1);
    free(r);
    /* Node 2 in the DRAM tier on one side only: two lines differ (nodelist 0-1 against 0-2,
     * and memory_tier72 against demotion_enabled), then a line the kernel lacks. */
    assert_int_equal(differ(T4 "0-1\n" T72 "2\n" DEM "true\n", T4 "0-2\n" DEM "true\n", true, &r),
                     3);
    assert_non_null(strstr(r, "(no line)"));
    free(r);
    /* One byte: the switch. */
    assert_int_equal(differ(T4 "0\n" DEM "true\n", T4 "0\n" DEM "false\n", true, &r), 1);
    free(r);
}

static void test_results_keep_the_kind(void **state)
{
    (void)state;
    struct vml_snap_text texts[3] = {
        { .line = 2, .text = (char *)"enabled:[never]\n" },
        { .line = 3, .text = (char *)"swappiness:60\n", .vm = true },
        { .line = 4, .text = (char *)(T4 "0-1\n" T72 "2\n" DEM "false\n"), .tiering = true },
    };
    struct vml_linux_results in;
    memset(&in, 0, sizeof(in));
    snprintf(in.scenario, sizeof(in.scenario), "t.vml");
    in.runs = 1;
    in.snap.thp = texts;
    in.snap.n_thp = 3;
    struct vml_text out = { 0 };
    assert_int_equal(vml_results_format(&in, &out), 0);
    struct vml_linux_results back;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_results_parse(out.s, out.len, &back, &d), 0);
    assert_int_equal(back.snap.n_thp, 3);
    assert_false(back.snap.thp[0].vm || back.snap.thp[0].tiering);
    assert_true(back.snap.thp[1].vm && !back.snap.thp[1].tiering);
    assert_true(!back.snap.thp[2].vm && back.snap.thp[2].tiering);
    assert_string_equal(back.snap.thp[2].text, texts[2].text);
    vml_results_free(&back);
    vml_text_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_other_tier_differs),
        cmocka_unit_test(test_results_keep_the_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
