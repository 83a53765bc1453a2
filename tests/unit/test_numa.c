/* test_numa.c: the NUMA parsers and readers: a real kernel's numa_maps read back and rewritten
 * byte for byte, its fields as the kernel printed them, policies whose names hold a space,
 * errors with line and column; node meminfo line by line against the record parser; and the
 * live readers (nodes, a process's bytes by class, pattern matching) on the hand-written
 * two-node tree of tests/fixtures/live/numa, figures worked out from its files below. */
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

struct maps {
    struct vml_text out;
    unsigned n;
    struct vml_numa_map heap, huge, none;
};

static int keep(const struct vml_numa_map *m, void *ctx)
{
    struct maps *x = ctx;
    x->n++;
    if (m->heap)
        x->heap = *m;
    if (m->huge) {
        x->huge = *m;
        x->huge.file = NULL; /* borrowed: gone after the parse */
    }
    if (m->nnodes == 0 && m->file) {
        x->none = *m;
        x->none.file = NULL;
    }
    return vml_proc_format_numa_map(m, &x->out);
}

static void test_capture_round_trip(void **state)
{
    (void)state;
    char *text = slurp("numa_maps");
    static struct maps x;
    memset(&x, 0, sizeof(x));
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_numa_maps(text, strlen(text), keep, &x, &d), 0);
    assert_int_equal(x.n, 20);
    expect_text(&x.out, text);
    /* 55b46f431000 interleave:0 heap anon=385 dirty=385 active=0 N0=385 kernelpagesize_kB=4 */
    assert_int_equal(x.heap.start, 0x55b46f431000ull);
    assert_string_equal(x.heap.policy, "interleave:0");
    assert_int_equal(x.heap.anon, 385);
    assert_int_equal(x.heap.active, 0);
    assert_true(x.heap.have & VML_NM_ACTIVE);
    assert_false(x.heap.have & VML_NM_MAPPED);
    assert_int_equal(x.heap.nnodes, 1);
    assert_int_equal(x.heap.nodes[0].node, 0);
    assert_int_equal(x.heap.nodes[0].pages, 385);
    /* the hugetlbfs page: counted as one page of 2048 kB */
    assert_true(x.huge.huge);
    assert_int_equal(x.huge.kernelpagesize_kb, 2048);
    assert_int_equal(x.huge.nodes[0].pages, 1);
    /* 55b430353000 interleave:0 file=...: a mapping without pages has no fields */
    assert_int_equal(x.none.have, 0);
    free(text);
}

static int first(const struct vml_numa_map *m, void *ctx)
{
    struct vml_numa_map *out = ctx;
    *out = *m;
    out->file = NULL;
    return 0;
}

static void test_policies_and_fields(void **state)
{
    (void)state;
    static struct vml_numa_map m;
    struct vml_diag d = { 0 };
    const char *w = "7f0000000000 weighted interleave:0-1 anon=6 dirty=6 N0=2 N1=4 "
                    "kernelpagesize_kB=4\n";
    assert_int_equal(vml_proc_parse_numa_maps(w, strlen(w), first, &m, &d), 0);
    assert_string_equal(m.policy, "weighted interleave:0-1");
    assert_int_equal(m.nnodes, 2);
    assert_int_equal(m.nodes[1].node, 1);
    assert_int_equal(m.nodes[1].pages, 4);
    const char *p = "00400000 prefer (many)=static:1-2 stack swapcache=3 writeback=1 N2=9 "
                    "kernelpagesize_kB=4 newfield=7 newword\n";
    assert_int_equal(vml_proc_parse_numa_maps(p, strlen(p), first, &m, &d), 0);
    assert_string_equal(m.policy, "prefer (many)=static:1-2");
    assert_true(m.stack);
    assert_int_equal(m.swapcache, 3);
    assert_int_equal(m.writeback, 1);
    assert_int_equal(m.nodes[0].node, 2); /* a newer kernel's key=value and word: skipped */
}

static int count(const struct vml_numa_map *m, void *ctx)
{
    (void)m;
    ++*(unsigned *)ctx;
    return 0;
}

static void expect_error(const char *text, unsigned line, unsigned col, const char *what)
{
    struct vml_diag d = { 0 };
    unsigned n = 0;
    assert_int_equal(vml_proc_parse_numa_maps(text, strlen(text), count, &n, &d), VML_EPARSE);
    if (d.line != line || d.col != col || !strstr(d.msg, what))
        fail_msg("'%s': got %u:%u %s, want %u:%u %s", text, d.line, d.col, d.msg, line, col, what);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("zz default\n", 1, 1, "start address");
    expect_error("00400000 default\n00500000\n", 2, 9, "a space after the address");
    expect_error("00400000 default anon=1x N0=1 kernelpagesize_kB=4\n", 1, 23, "decimal");
    expect_error("00400000 default N0=1 N0=2 kernelpagesize_kB=4\n", 1, 23, "a node given twice");
    expect_error("00400000 default N1024=1 kernelpagesize_kB=4\n", 1, 19, "below 1024");
    expect_error("00400000 default anon=1 N0=1\n", 1, 1, "without kernelpagesize_kB");
    expect_error("00400000 default  anon=1\n", 1, 18, "one space");
    expect_error("00400000 default heap stack\n", 1, 23, "a second file=, heap or stack");
    /* 18446744073709551616 pages: one more than 2^64-1 */
    expect_error("00400000 default N0=18446744073709551616 kernelpagesize_kB=4\n", 1, 21,
                 "page count");
}

struct lines {
    unsigned n;
    uint64_t mem_total, hp_total;
    bool total_kb, hp_kb;
};

static int line(const char *key, size_t len, uint64_t v, bool kb, void *ctx)
{
    struct lines *l = ctx;
    l->n++;
    if (len == 8 && memcmp(key, "MemTotal", 8) == 0) {
        l->mem_total = v;
        l->total_kb = kb;
    }
    if (len == 15 && memcmp(key, "HugePages_Total", 15) == 0) {
        l->hp_total = v;
        l->hp_kb = kb;
    }
    return 0;
}

static void test_node_meminfo_lines(void **state)
{
    (void)state;
    char *text = slurp("node0_meminfo");
    struct vml_node_meminfo m;
    struct lines l = { 0 };
    unsigned node = 9, node2 = 9;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_node_meminfo(text, strlen(text), &node, &m, &d), 0);
    assert_int_equal(vml_proc_parse_node_meminfo_lines(text, strlen(text), &node2, line, &l, &d),
                     0);
    unsigned nl = 0;
    for (const char *p = text; *p; p++)
        nl += *p == '\n';
    assert_int_equal(l.n, nl); /* every line, none skipped */
    assert_int_equal(node2, node);
    assert_int_equal(l.mem_total, m.mem_total);
    assert_true(l.total_kb);
    assert_int_equal(l.hp_total, m.hugepages_total);
    assert_false(l.hp_kb);
    free(text);
    const char *two = "Node 1 MemTotal: 5 kB\nNode 2 MemFree: 1 kB\n";
    assert_int_equal(vml_proc_parse_node_meminfo_lines(two, strlen(two), &node, line, &l, &d),
                     VML_EPARSE);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 6);
    const char *kb = "Node 0 MemTotal: 5 KB\n";
    assert_int_equal(vml_proc_parse_node_meminfo_lines(kb, strlen(kb), &node, line, &l, &d),
                     VML_EPARSE);
    assert_int_equal(d.col, 19);
}

#define LIVE VMLAB_FIXTURES "/live/numa"

static void test_live_readers(void **state)
{
    (void)state;
    unsigned nodes[4], n;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_numa_nodes(LIVE "/sys", nodes, 4, &n, &d), 0);
    assert_int_equal(n, 2); /* node0, node1; not "online" or "possible" */
    assert_int_equal(nodes[0], 0);
    assert_int_equal(nodes[1], 1);
    assert_int_equal(vml_numa_nodes(LIVE "/sys", nodes, 1, &n, &d), VML_EINVAL);
    assert_int_equal(vml_numa_nodes(LIVE "/proc", nodes, 4, &n, &d), VML_ENOENT);

    static struct vml_numa_usage u;
    const uint64_t P = 4096;
    assert_int_equal(vml_numa_process(LIVE "/proc", 100, &u, &d), 0);
    assert_int_equal(u.maps, 7);
    /* file N0=6 N1=4 and interleaved anon N0=512 N1=512 */
    assert_int_equal(u.bytes[VML_NUMA_PRIVATE][0], (6 + 512) * P);
    assert_int_equal(u.bytes[VML_NUMA_PRIVATE][1], (4 + 512) * P);
    assert_int_equal(u.bytes[VML_NUMA_HEAP][1], 200 * P);
    assert_int_equal(u.bytes[VML_NUMA_STACK][0], 33 * P);
    assert_int_equal(u.bytes[VML_NUMA_HUGE][0], 1ull << 30); /* one 1 GiB page */
    assert_int_equal(u.bytes[VML_NUMA_HUGE][1], 3 * (2ull << 20));
    assert_int_equal(vml_numa_process(LIVE "/proc", 999, &u, &d), VML_ENOENT);
    assert_int_equal(vml_numa_process(LIVE "/proc", 666, &u, &d), VML_EPARSE);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 27);
    assert_non_null(strstr(d.file, "666/numa_maps"));

    char name[64];
    assert_string_equal(vml_numa_proc_name(LIVE "/proc", 200, name, sizeof(name)), "python3");
    int *pids;
    size_t np;
    assert_int_equal(vml_numa_match(LIVE "/proc", "worker", 0, &pids, &np), 0);
    assert_int_equal(np, 2); /* 200 by its command line, 201 by its name */
    assert_int_equal(pids[0], 200);
    assert_int_equal(pids[1], 201);
    free(pids);
    assert_int_equal(vml_numa_match(LIVE "/proc", "worker", 200, &pids, &np), 0);
    assert_int_equal(np, 1);
    free(pids);
    assert_int_equal(vml_numa_match(LIVE "/proc", "--size 64M", 0, &pids, &np), 0);
    assert_int_equal(np, 1); /* NULs of cmdline matched as spaces */
    assert_int_equal(pids[0], 100);
    free(pids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_round_trip),
        cmocka_unit_test(test_policies_and_fields),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_node_meminfo_lines),
        cmocka_unit_test(test_live_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
