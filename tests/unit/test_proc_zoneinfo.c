/* test_proc_zoneinfo.c: /proc/zoneinfo parsing on a capture from this machine's 6.18 kernel,
 * and the kernel's MemAvailable recomputed from it and the meminfo captured with it. */
#include "vmlab/vmlab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static char *load(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/live/proc/%s", VMLAB_FIXTURES, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    return buf;
}

struct acc {
    struct vml_zoneinfo z[8];
    unsigned n;
};

static int keep(const struct vml_zoneinfo *z, void *ctx)
{
    struct acc *a = ctx;
    if (a->n < 8)
        a->z[a->n++] = *z;
    return 0;
}

static void test_capture(void **state)
{
    (void)state;
    size_t len;
    char *text = load("zoneinfo", &len);
    struct acc a = { .n = 0 };
    assert_int_equal(vml_proc_parse_zoneinfo(text, len, keep, &a, NULL), 0);
    assert_int_equal(a.n, 5);
    assert_string_equal(a.z[0].zone, "DMA");
    assert_int_equal(a.z[0].free, 3840);
    assert_int_equal(a.z[0].low, 61);
    assert_int_equal(a.z[0].high, 73);
    assert_int_equal(a.z[0].managed, 3840);
    assert_int_equal(a.z[0].nr_protection, 5);
    assert_int_equal(a.z[0].protection[1], 3018);
    assert_string_equal(a.z[2].zone, "Normal");
    assert_int_equal(a.z[2].managed, 524288);
    /* The per-CPU lists' pages: the pagesets' count lines of the Normal zone, summed by hand
     * (awk over the capture); DMA's and DMA32's lists are empty. */
    assert_int_equal(a.z[2].pcp_count, 8293);
    assert_int_equal(a.z[0].pcp_count, 0);
    assert_string_equal(a.z[3].zone, "Movable");
    /* si_mem_available from these zones and the meminfo captured with them. */
    uint64_t low = 0, reserve = 0;
    for (unsigned i = 0; i < a.n; i++) {
        uint64_t max = 0;
        for (unsigned k = 0; k < a.z[i].nr_protection; k++)
            max = a.z[i].protection[k] > max ? a.z[i].protection[k] : max;
        max += a.z[i].high;
        reserve += max < a.z[i].managed ? max : a.z[i].managed;
        low += a.z[i].low;
    }
    assert_int_equal(low, 21149);
    assert_int_equal(reserve, 31155);
    struct vml_meminfo m;
    text = load("meminfo", &len);
    assert_int_equal(vml_proc_parse_meminfo(text, len, &m, NULL), 0);
    uint64_t free = m.mem_free / 4, cache = (m.active_file + m.inactive_file) / 4;
    uint64_t rec = m.kreclaimable / 4;
    uint64_t avail = free - reserve + cache - (cache / 2 < low ? cache / 2 : low) + rec -
                     (rec / 2 < low ? rec / 2 : low);
    assert_int_equal(avail * 4, m.mem_available);
}

static void bad(const char *text, unsigned line, unsigned col, const char *msg)
{
    struct vml_diag d = { 0 };
    struct acc a = { .n = 0 };
    assert_int_equal(vml_proc_parse_zoneinfo(text, strlen(text), keep, &a, &d), VML_EPARSE);
    assert_int_equal(d.line, line);
    assert_int_equal(d.col, col);
    if (!strstr(d.msg, msg))
        fail_msg("'%s' does not contain '%s'", d.msg, msg);
}

static void test_errors(void **state)
{
    (void)state;
    bad("Node x, zone DMA\n", 1, 5, "expected 'Node N, zone NAME'");
    bad("Node 0, zone DMA\n        low 12x\n", 2, 15, "expected a number after 'low'");
    bad("Node 0, zone DMA\n  pages free\n", 2, 13, "expected a number after 'pages free'");
    bad("Node 0, zone DMA\n        protection: 0\n", 2, 21, "expected '(' after protection:");
    bad("Node 0, zone DMA\n        protection: (1, 2\n", 2, 26, "expected ',' or ')'");
    bad("Node 0, zone DMA\n        high 99999999999999999999\n", 2, 13, "expected a number");
    bad("Node 0, zone \n", 1, 14, "zone name missing");
    bad("Node 0, zone DMA\n              count: 3a\n", 2, 23, "expected a number after 'count:'");
    /* Lines outside zones and unknown lines are skipped. */
    struct acc a = { .n = 0 };
    const char *ok = "junk\nNode 1, zone Normal\n  something else 5\n        low: 7\n";
    assert_int_equal(vml_proc_parse_zoneinfo(ok, strlen(ok), keep, &a, NULL), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.z[0].node, 1);
    assert_int_equal(a.z[0].low, 0); /* "low:" with a colon is a per-CPU line, not the zone's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
