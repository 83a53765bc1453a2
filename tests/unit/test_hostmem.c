/* test_hostmem.c: util/hostmem, the 2 MiB host arenas page-table content comes from. What the
 * callers rely on: blocks aligned to their size (phys.c finds a chunk by masking), distinct,
 * zero when new, inside a 2 MiB-aligned arena advised for huge pages, reused once put back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/hostmem.h"

#define BLOCK ((size_t)256 << 10)
#define PER   (HOSTMEM_ARENA / BLOCK) /* 8 blocks an arena */

/* Whether /proc/self/smaps shows the mapping holding p advised "hg" (MADV_HUGEPAGE), or -1
 * when smaps cannot be read. */
static int advised_huge(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0, r = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        else if (in && strncmp(line, "VmFlags:", 8) == 0)
            r = strstr(line, " hg") != NULL;
    }
    fclose(f);
    return r;
}

static void test_blocks(void **state)
{
    (void)state;
    struct hostmem_pool p = { .block = BLOCK };
    char *b[2 * PER + 1];
    for (size_t i = 0; i < 2 * PER + 1; i++) {
        b[i] = hostmem_get(&p);
        assert_non_null(b[i]);
        assert_int_equal((uintptr_t)b[i] % BLOCK, 0);
        for (size_t k = 0; k < BLOCK; k += 4096) /* zero when new, every page of it */
            assert_int_equal(b[i][k] | b[i][k + 8], 0);
        memset(b[i], 0x5a, BLOCK);
        for (size_t j = 0; j < i; j++)
            assert_true(b[j] + BLOCK <= b[i] || b[i] + BLOCK <= b[j]);
    }
    /* 17 blocks of 256 KiB: three arenas; the first 8 blocks fill one, in address order. */
    assert_int_equal(p.nr_arenas, 3);
    char *a0 = (char *)((uintptr_t)b[0] & ~(uintptr_t)(HOSTMEM_ARENA - 1));
    for (size_t i = 0; i < PER; i++)
        assert_ptr_equal(b[i], a0 + i * BLOCK);
    int h = advised_huge(b[0]);
    if (h >= 0)
        assert_int_equal(h, 1);
    /* A block put back is the next one handed out; its contents past the link word stay. */
    hostmem_put(&p, b[3]);
    char *again = hostmem_get(&p);
    assert_ptr_equal(again, b[3]);
    assert_int_equal(again[0], 0); /* the link word is cleared */
    assert_int_equal((unsigned char)again[4096], 0x5a);
    hostmem_destroy(&p);
    assert_int_equal(p.nr_arenas, 0);
    assert_null(p.free);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(test_blocks) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
