/* test_progress.c: the progress line's text (cli/progress.c), figures worked by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/progress.h"

#include <string.h>

static void test_known_total(void **state)
{
    (void)state;
    char b[160];
    /* 12.5 M of 50 M in 5 s: 2.5 M/s, 25%, 37.5 M left at 2.5 M/s = 15 s. */
    cli_progress_format(b, sizeof(b), "replay", "records", 12500000, 50000000, 5.0);
    assert_string_equal(b, "replay: 12.5 M records, 2.5 M/s, 25%, ETA 0:15");
    /* 1 M of 200 M in 2 s: 500 K/s, 0%, 199 M / 0.5 M/s = 398 s = 6:38. */
    cli_progress_format(b, sizeof(b), "trace convert", "records", 1000000, 200000000, 2.0);
    assert_string_equal(b, "trace convert: 1.0 M records, 500.0 K/s, 0%, ETA 6:38");
    /* Done: 100% and no ETA. */
    cli_progress_format(b, sizeof(b), "replay", "records", 7000, 7000, 1.0);
    assert_string_equal(b, "replay: 7000 records, 7000/s, 100%");
}

static void test_unknown_total(void **state)
{
    (void)state;
    char b[160];
    /* 9999 in 3 s: 3333/s, no percent. 3.2 G in 1 s: 3.2 G/s. */
    cli_progress_format(b, sizeof(b), "trace record", "accesses", 9999, 0, 3.0);
    assert_string_equal(b, "trace record: 9999 accesses, 3333/s");
    cli_progress_format(b, sizeof(b), "replay", "records", 3200000000ull, 0, 1.0);
    assert_string_equal(b, "replay: 3.2 G records, 3.2 G/s");
    /* A short buffer is cut, not overrun. */
    char s[8];
    cli_progress_format(s, sizeof(s), "replay", "records", 1, 2, 1.0);
    assert_int_equal(strlen(s), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_total),
        cmocka_unit_test(test_unknown_total),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
