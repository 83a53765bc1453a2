/* test_trace_summary.c: vml_trace_summarize (vmlab trace info) on small traces whose counts,
 * range, sizes and page footprints are worked out by hand below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/trace.h"

#include <string.h>

static int summarize(const char *text, enum vml_trace_format fmt, struct vml_trace_summary *s,
                     struct vml_diag *d)
{
    struct vml_trace_reader *r;
    assert_int_equal(vml_trace_open_mem(text, strlen(text), "t", fmt, &r, d), 0);
    int rc = vml_trace_summarize(r, s, d);
    vml_trace_close(r);
    return rc;
}

/* Five records (an M line is a read then a write):
 *   I 0x400000,4         fetch, bytes 0x400000..0x400003
 *   L 0x7ff000ffc,8      read, bytes 0x7ff000ffc..0x7ff001003: crosses a 4 KiB boundary
 *   S 0x400010,2         write, in the fetch's 4 KiB page
 *   M 0x3ffffffe,4       read + write, bytes 0x3ffffffe..0x40000001: crosses 4K, 2M and 1G
 * 4 KiB pages: 0x400, 0x7ff000, 0x7ff001, 0x3ffff, 0x40000 = 5.
 * 2 MiB pages (>> 21): 0x2, 0x3ff8 (both L bytes), 0x1ff, 0x200 = 4.
 * 1 GiB pages (>> 30): 0x0 (I, S, M's first bytes), 0x1f (L), 0x1 (M's last bytes) = 3. */
static void test_lackey(void **state)
{
    (void)state;
    struct vml_trace_summary s;
    struct vml_diag d = { 0 };
    assert_int_equal(summarize("I  00400000,4\n"
                               " L 7ff000ffc,8\n"
                               " S 00400010,2\n"
                               " M 3ffffffe,4\n",
                               VML_TRACE_LACKEY, &s, &d),
                     0);
    assert_int_equal(s.records, 5);
    assert_int_equal(s.kinds[VML_READ], 2);
    assert_int_equal(s.kinds[VML_WRITE], 2);
    assert_int_equal(s.kinds[VML_EXEC], 1);
    assert_int_equal(s.lowest, 0x400000);
    assert_int_equal(s.highest, 0x7ff001003);
    assert_int_equal(s.min_size, 2);
    assert_int_equal(s.max_size, 8);
    assert_int_equal(s.unsized, 0);
    assert_int_equal(s.max_cpu, 0);
    assert_int_equal(s.pages[VML_PS_4K], 5);
    assert_int_equal(s.pages[VML_PS_2M], 4);
    assert_int_equal(s.pages[VML_PS_1G], 3);
}

/* Plain traces give no sizes: each access is one byte. 0xfff and 0x1000 are in 4 KiB pages 0
 * and 1, and both in 2 MiB page 0 and 1 GiB page 0. */
static void test_plain_unsized(void **state)
{
    (void)state;
    struct vml_trace_summary s;
    struct vml_diag d = { 0 };
    assert_int_equal(summarize("0xfff R\n0x1000 w\n", VML_TRACE_PLAIN, &s, &d), 0);
    assert_int_equal(s.records, 2);
    assert_int_equal(s.kinds[VML_READ], 1);
    assert_int_equal(s.kinds[VML_WRITE], 1);
    assert_int_equal(s.kinds[VML_EXEC], 0);
    assert_int_equal(s.lowest, 0xfff);
    assert_int_equal(s.highest, 0x1000);
    assert_int_equal(s.min_size, 0);
    assert_int_equal(s.max_size, 0);
    assert_int_equal(s.unsized, 2);
    assert_int_equal(s.pages[VML_PS_4K], 2);
    assert_int_equal(s.pages[VML_PS_2M], 1);
    assert_int_equal(s.pages[VML_PS_1G], 1);
}

/* An 8-byte access 4 bytes below 2^64 stops at the last byte instead of wrapping to 0. */
static void test_top_of_address_space(void **state)
{
    (void)state;
    struct vml_trace_summary s;
    struct vml_diag d = { 0 };
    assert_int_equal(summarize(" L fffffffffffffffc,8\n", VML_TRACE_LACKEY, &s, &d), 0);
    assert_int_equal(s.records, 1);
    assert_int_equal(s.lowest, 0xfffffffffffffffcull);
    assert_int_equal(s.highest, UINT64_MAX);
    assert_int_equal(s.pages[VML_PS_4K], 1);
    assert_int_equal(s.pages[VML_PS_2M], 1);
    assert_int_equal(s.pages[VML_PS_1G], 1);
}

/* No records: every field is 0 (not the running minimum's starting value). */
static void test_empty(void **state)
{
    (void)state;
    struct vml_trace_summary s;
    struct vml_diag d = { 0 };
    assert_int_equal(summarize("# nothing\n", VML_TRACE_PLAIN, &s, &d), 0);
    struct vml_trace_summary zero;
    memset(&zero, 0, sizeof(zero));
    assert_memory_equal(&s, &zero, sizeof(s));
}

/* A bad record is the reader's error, with its line and column. */
static void test_reader_error(void **state)
{
    (void)state;
    struct vml_trace_summary s;
    struct vml_diag d = { 0 };
    assert_int_equal(summarize("0x10 R\nzz R\n", VML_TRACE_PLAIN, &s, &d), VML_EPARSE);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 1);
    assert_non_null(strstr(d.msg, "bad address"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lackey),
        cmocka_unit_test(test_plain_unsized),
        cmocka_unit_test(test_top_of_address_space),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_reader_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
