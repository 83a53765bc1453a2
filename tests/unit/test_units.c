/* test_units.c: units_human (the text tables' sizes) against snprintf's "%.1f", which it
 * replaces for speed: every value up to 2^20, ties (x.x5 exactly), every power-of-1024 boundary,
 * the range above 2^53 where the double is not exact, and a million random sizes (fixed seed). */
#include "cli/units.h"

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* What the tables printed before units_human: snprintf of the quotient as a double. */
static void reference(char *buf, size_t n, uint64_t v)
{
    static const char *sfx[] = { "", "K", "M", "G", "T", "P", "E" };
    int k = 0;
    double x = (double)v;
    while (x >= 1024 && k < 6) {
        x /= 1024;
        k++;
    }
    if (k == 0)
        snprintf(buf, n, "%" PRIu64, v);
    else
        snprintf(buf, n, "%.1f%s", x, sfx[k]);
}

static void check(uint64_t v, uint64_t seed)
{
    char want[64], got[64];
    reference(want, sizeof(want), v);
    size_t len = units_human(got, sizeof(got), v);
    if (strcmp(want, got) != 0 || len != strlen(want))
        fail_msg("units_human(%" PRIu64
                 ") = \"%s\" (length %zu), snprintf gives \"%s\" (seed %" PRIu64 ")",
                 v, got, len, want, seed);
}

static void test_small_exhaustive(void **state)
{
    (void)state;
    for (uint64_t v = 0; v <= (1u << 20); v++)
        check(v, 0);
}

static void test_ties_and_boundaries(void **state)
{
    (void)state;
    for (unsigned k = 1; k <= 6; k++) {
        uint64_t unit = 1ull << (10 * k);
        /* Ties in tenths (x.x5 exactly): odd multiples of a quarter unit. */
        for (uint64_t odd = 5; odd < 8192 && odd << (10 * k - 2) >> (10 * k - 2) == odd; odd += 2) {
            uint64_t v = odd << (10 * k - 2);
            check(v, 0);
            check(v + 1, 0);
            check(v - 1, 0);
        }
        check(unit - 1, 0);
        check(unit, 0);
        check(unit + 1, 0);
        check(1023 * unit + unit / 2, 0);
    }
    for (int b = 50; b < 64; b++)
        for (int d = -3; d <= 3; d++)
            check((1ull << b) + (uint64_t)(int64_t)d, 0);
    check(UINT64_MAX, 0);
}

static void test_random(void **state)
{
    (void)state;
    const uint64_t seed = 20261124;
    uint64_t x = seed;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        check(x >> (x % 64), seed); /* every magnitude */
    }
}

static void test_short_buffer(void **state)
{
    (void)state;
    char buf[4];
    assert_int_equal(units_human(buf, sizeof(buf), 1536), 4); /* "1.5K" */
    assert_string_equal(buf, "1.5");
    assert_int_equal(units_human(buf, 0, 1536), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_exhaustive),
        cmocka_unit_test(test_ties_and_boundaries),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
