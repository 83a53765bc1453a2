/* test_parse.c: numbers, sizes and their rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <string.h>

static uint64_t u64(const char *s)
{
    uint64_t v = 0;
    struct vml_diag d = { 0 };
    if (vml_parse_u64(s, &v, &d) != 0)
        fail_msg("'%s': %s", s, d.msg);
    return v;
}

static uint64_t size(const char *s)
{
    uint64_t v = 0;
    struct vml_diag d = { 0 };
    if (vml_parse_size(s, &v, &d) != 0)
        fail_msg("'%s': %s", s, d.msg);
    return v;
}

static void bad(int (*fn)(const char *, uint64_t *, struct vml_diag *), const char *s, unsigned col,
                const char *fragment)
{
    uint64_t v = 12345;
    struct vml_diag d = { 0 };
    assert_int_equal(fn(s, &v, &d), VML_EPARSE);
    assert_int_equal(v, 12345); /* untouched on error */
    assert_int_equal(d.line, 1);
    if (d.col != col)
        fail_msg("'%s': column %u, want %u (%s)", s, d.col, col, d.msg);
    if (!strstr(d.msg, fragment))
        fail_msg("'%s': message '%s' lacks '%s'", s, d.msg, fragment);
}

static void test_numbers(void **state)
{
    (void)state;
    assert_int_equal(u64("0"), 0);
    assert_int_equal(u64("4096"), 4096);
    assert_int_equal(u64("0x7ffd5e8a1234"), 0x7ffd5e8a1234ull);
    assert_int_equal(u64("0XFF"), 255);
    assert_int_equal(u64("0b1011"), 11);
    assert_int_equal(u64("1_000_000"), 1000000);
    assert_int_equal(u64("18446744073709551615"), UINT64_MAX);
    assert_int_equal(u64("0xffffffffffffffff"), UINT64_MAX);
    bad(vml_parse_u64, "18446744073709551616", 1, "too large");
    bad(vml_parse_u64, "", 1, "got nothing");
    bad(vml_parse_u64, "12a", 3, "unexpected 'a'");
    bad(vml_parse_u64, "7ffd", 2, "unexpected 'f'");
    bad(vml_parse_u64, "0x", 3, "expected hexadecimal digits after '0x'");
    bad(vml_parse_u64, "0xzz", 3, "unexpected 'z' in hexadecimal number"); /* not the x */
    bad(vml_parse_u64, "1__0", 2, "unexpected '_'");
    bad(vml_parse_u64, "_1", 1, "expected a decimal number");
    bad(vml_parse_u64, "-5", 1, "expected a decimal number");
}

static void test_sizes(void **state)
{
    (void)state;
    assert_int_equal(size("4096"), 4096);
    assert_int_equal(size("4K"), 4096);
    assert_int_equal(size("64M"), 64ull << 20);
    assert_int_equal(size("2GiB"), 2ull << 30);
    assert_int_equal(size("1T"), 1ull << 40);
    assert_int_equal(size("1tb"), 1ull << 40);
    assert_int_equal(size("8E"), 8ull << 60);
    assert_int_equal(size("0x1000"), 4096);
    assert_int_equal(size("0B"), 0);
    assert_int_equal(size("12B"), 12);
    bad(vml_parse_size, "16E", 1, "too large");
    bad(vml_parse_size, "12Q", 3, "unknown size suffix 'Q'");
    bad(vml_parse_size, "M", 1, "expected a decimal number");
    bad(vml_parse_size, "", 1, "got nothing");
}

static void test_format(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(vml_format_size(0, b, sizeof(b)), "0 B");
    assert_string_equal(vml_format_size(12, b, sizeof(b)), "12 B");
    assert_string_equal(vml_format_size(4096, b, sizeof(b)), "4 KiB");
    assert_string_equal(vml_format_size(1536 * VML_KiB, b, sizeof(b)), "1536 KiB");
    assert_string_equal(vml_format_size(VML_TiB, b, sizeof(b)), "1 TiB");
    assert_string_equal(vml_format_size(8 * VML_TiB + 2 * VML_MiB, b, sizeof(b)), "8388610 MiB");
    assert_string_equal(vml_format_size(2302520, b, sizeof(b)), "2302520 B");
    assert_string_equal(vml_format_size_human(1536 * VML_KiB, b, sizeof(b)), "1.5 MiB");
    assert_string_equal(vml_format_size_human(12 * VML_KiB, b, sizeof(b)), "12 KiB");
    assert_string_equal(vml_format_size_human(2302520, b, sizeof(b)), "2.2 MiB");
    assert_string_equal(vml_format_size_human(1000, b, sizeof(b)), "1000 B");
    assert_string_equal(vml_format_size_human(UINT64_MAX, b, sizeof(b)), "16.0 EiB");
    assert_string_equal(vml_ps_name(VML_PS_2M), "2M");
    assert_string_equal(vml_strerror(VML_ENOMEM), "simulated physical memory exhausted");
    assert_string_equal(vml_strerror(-99), "unknown error");
    assert_string_equal(vml_version(), VML_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
