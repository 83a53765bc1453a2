/* test_proc_node.c: per-node files (nodeN/meminfo, numastat, distance) against a real 6.18
 * capture, their errors, and a randomized round trip (fixed seed, printed on failure). */
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

static void test_captures(void **state)
{
    (void)state;
    struct vml_diag d = { 0 };
    struct vml_text t = { 0 };
    char *text = slurp("node0_meminfo");
    struct vml_node_meminfo m;
    unsigned node = 99;
    assert_int_equal(vml_proc_parse_node_meminfo(text, strlen(text), &node, &m, &d), 0);
    assert_int_equal(node, 0);
    assert_int_equal(m.mem_total, 4679896);
    assert_int_equal(m.mem_used, 1284600);
    assert_int_equal(m.hugepages_surp, 0);
    assert_int_equal(vml_proc_format_node_meminfo(node, &m, &t), 0);
    expect_text(&t, text);
    free(text);

    text = slurp("node0_numastat");
    struct vml_numastat s;
    assert_int_equal(vml_proc_parse_numastat(text, strlen(text), &s, &d), 0);
    assert_int_equal(s.numa_hit, 6088343);
    assert_int_equal(s.interleave_hit, 1129);
    assert_int_equal(vml_proc_format_numastat(&s, &t), 0);
    expect_text(&t, text);
    free(text);

    text = slurp("node0_distance");
    const unsigned row0[] = { 10 };
    assert_int_equal(vml_proc_format_distance(row0, 1, &t), 0);
    expect_text(&t, text);
    free(text);
    const unsigned row[] = { 10, 21, 31 };
    vml_proc_format_distance(row, 3, &t);
    expect_text(&t, "10 21 31\n");
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        int numastat;
        const char *text;
        unsigned line, col;
        const char *fragment;
    } bad[] = {
        { 0, "Nod 0 MemTotal: 1 kB\n", 1, 1, "expected 'Node N'" },
        { 0, "Node x MemTotal: 1 kB\n", 1, 6, "node number" },
        { 0, "Node 5000 MemTotal: 16 kB\n", 1, 6, "node number (0..1023)" },
        { 0, "Node 5MemTotal: 16 kB\n", 1, 7, "space after the node number" },
        { 0, "Node 0 MemTotal:  1 kB\nNode 1 MemFree:  2 kB\n", 2, 6, "different node" },
        { 0, "Node 0 MemTotal:  1 MB\n", 1, 20, "expected ' kB'" },
        { 0, "Node 0 HugePages_Total: x\n", 1, 25, "decimal number" },
        { 1, "numa_hit 1\nnuma_miss\n", 2, 1, "expected 'key value'" },
        { 1, "numa_hit -1\n", 1, 10, "decimal number" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vml_diag d = { 0 };
        struct vml_node_meminfo m;
        struct vml_numastat s;
        unsigned node;
        size_t n = strlen(bad[i].text);
        int r = bad[i].numastat ? vml_proc_parse_numastat(bad[i].text, n, &s, &d)
                                : vml_proc_parse_node_meminfo(bad[i].text, n, &node, &m, &d);
        if (r != VML_EPARSE || d.line != bad[i].line || d.col != bad[i].col ||
            !strstr(d.msg, bad[i].fragment))
            fail_msg("case %zu: r=%d %u:%u '%s'", i, r, d.line, d.col, d.msg);
    }
}

static void test_random_round_trip(void **state)
{
    (void)state;
    uint64_t seed = 11, x = seed;
    for (int i = 0; i < 1000; i++) {
        struct vml_node_meminfo a, b;
        uint64_t *w = (uint64_t *)&a;
        for (size_t k = 0; k < sizeof(a) / 8; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            w[k] = x >> (x & 63);
        }
        unsigned node = (unsigned)(x % 8), back = 99;
        struct vml_text t = { 0 };
        vml_proc_format_node_meminfo(node, &a, &t);
        if (vml_proc_parse_node_meminfo(t.s, t.len, &back, &b, NULL) || back != node ||
            memcmp(&a, &b, sizeof(a)))
            fail_msg("seed %llu iteration %d: node meminfo did not round-trip",
                     (unsigned long long)seed, i);
        vml_text_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
