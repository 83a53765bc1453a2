/* test_proc_vmstat.c: /proc/vmstat items, formatter and parser against a real 6.18 capture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "proc_fixture.h"
#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_items(void **state)
{
    (void)state;
    assert_int_equal(VML_VMSTAT_NR, 192); /* the 6.18 list */
    assert_string_equal(vml_vmstat_name(VML_VMSTAT_nr_free_pages), "nr_free_pages");
    assert_string_equal(vml_vmstat_name(VML_VMSTAT_pgfault), "pgfault");
    assert_string_equal(vml_vmstat_name(VML_VMSTAT_thp_fault_alloc), "thp_fault_alloc");
    assert_string_equal(vml_vmstat_name(VML_VMSTAT_nr_unstable), "nr_unstable");
    assert_int_equal(VML_VMSTAT_nr_unstable, VML_VMSTAT_NR - 1); /* legacy, printed last */
    assert_null(vml_vmstat_name(VML_VMSTAT_NR));
}

static void test_capture_round_trip(void **state)
{
    (void)state;
    char *text = slurp("vmstat");
    struct vml_vmstat s;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_vmstat(text, strlen(text), &s, &d), 0);
    assert_int_equal(s.v[VML_VMSTAT_nr_free_pages], 848824);
    assert_int_equal(s.v[VML_VMSTAT_nr_unstable], 0);
    struct vml_text t = { 0 };
    assert_int_equal(vml_proc_format_vmstat(&s, &t), 0);
    if (strcmp(t.s, text) != 0)
        fail_msg("vmstat differs from the capture:\n%s", t.s);
    vml_text_free(&t);
    free(text);
}

static void test_unknown_keys_and_errors(void **state)
{
    (void)state;
    struct vml_vmstat s;
    struct vml_diag d = { 0 };
    const char *ok = "pgfault 12\nsome_future_counter 7\npgmajfault 3\n";
    assert_int_equal(vml_proc_parse_vmstat(ok, strlen(ok), &s, &d), 0);
    assert_int_equal(s.v[VML_VMSTAT_pgfault], 12);
    assert_int_equal(s.v[VML_VMSTAT_pgmajfault], 3);
    assert_int_equal(s.v[VML_VMSTAT_nr_free_pages], 0);
    static const struct {
        const char *text;
        unsigned line, col;
        const char *fragment;
    } bad[] = {
        { "pgfault 12\npgmajfault\n", 2, 1, "expected 'key value'" },
        { "pgfault 1x\n", 1, 10, "expected a decimal number" },
        { "pgfault \n", 1, 9, "after the key" },
        { "pgfault 18446744073709551616\n", 1, 9, "at most 2^64-1" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&d, 0, sizeof(d));
        int r = vml_proc_parse_vmstat(bad[i].text, strlen(bad[i].text), &s, &d);
        if (r != VML_EPARSE || d.line != bad[i].line || d.col != bad[i].col ||
            !strstr(d.msg, bad[i].fragment))
            fail_msg("case %zu: r=%d %u:%u '%s'", i, r, d.line, d.col, d.msg);
    }
}

static void test_random_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 7, x = seed;
    for (int i = 0; i < 500; i++) {
        struct vml_vmstat a, b;
        for (unsigned k = 0; k < VML_VMSTAT_NR; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            a.v[k] = x >> (x & 63);
        }
        struct vml_text t = { 0 };
        vml_proc_format_vmstat(&a, &t);
        if (vml_proc_parse_vmstat(t.s, t.len, &b, NULL) || memcmp(&a, &b, sizeof(a)))
            fail_msg("seed %llu iteration %d: vmstat did not round-trip", (unsigned long long)seed,
                     i);
        vml_text_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_capture_round_trip),
        cmocka_unit_test(test_unknown_keys_and_errors),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
