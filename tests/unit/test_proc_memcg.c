/* test_proc_memcg.c: the memory cgroup file parsers (proc/memcg.c): memory.events and
 * memory.oom_control lines as the kernel prints them, one-value files with "max", and errors
 * with their line and column, worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <string.h>

struct seen {
    char keys[8][24];
    uint64_t values[8];
    size_t n;
    size_t stop_at; /* return 7 from this call (1-based), 0: never */
};

static int collect(const char *key, size_t n, uint64_t v, void *ctx)
{
    struct seen *s = ctx;
    if (s->n < 8 && n < sizeof(s->keys[0])) {
        memcpy(s->keys[s->n], key, n);
        s->keys[s->n][n] = 0;
        s->values[s->n] = v;
    }
    s->n++;
    return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static void test_events(void **state)
{
    (void)state;
    /* memory_events_show (v2): six lines; the last without its newline still counts. */
    const char *ev =
        "low 0\nhigh 12\nmax 40\noom 3\noom_kill 2\noom_group_kill 18446744073709551615";
    struct seen s = { 0 };
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_memcg_kv(ev, strlen(ev), collect, &s, &d), 0);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.keys[1], "high");
    assert_int_equal(s.values[1], 12);
    assert_string_equal(s.keys[5], "oom_group_kill");
    assert_true(s.values[5] == UINT64_MAX);
    /* v1's oom_control. */
    const char *oc = "oom_kill_disable 0\nunder_oom 1\noom_kill 5\n";
    struct seen t = { 0 };
    assert_int_equal(vml_proc_parse_memcg_kv(oc, strlen(oc), collect, &t, &d), 0);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.keys[2], "oom_kill");
    assert_int_equal(t.values[2], 5);
    /* An empty file has no lines; a callback's non-zero return stops the parse. */
    assert_int_equal(vml_proc_parse_memcg_kv("", 0, collect, &t, &d), 0);
    struct seen u = { .stop_at = 2 };
    assert_int_equal(vml_proc_parse_memcg_kv(ev, strlen(ev), collect, &u, &d), 7);
    assert_int_equal(u.n, 2);
}

static void test_values(void **state)
{
    (void)state;
    uint64_t v = 0;
    assert_int_equal(vml_proc_parse_memcg_value("max\n", 4, &v, NULL), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(vml_proc_parse_memcg_value("max", 3, &v, NULL), 0);
    assert_int_equal(vml_proc_parse_memcg_value("268435456\n", 10, &v, NULL), 0);
    assert_int_equal(v, 268435456);
    /* v1's unlimited: PAGE_COUNTER_MAX pages in bytes, a number like any other here. */
    assert_int_equal(vml_proc_parse_memcg_value("9223372036854771712\n", 20, &v, NULL), 0);
    assert_true(v == 9223372036854771712ull);
}

struct want_error {
    int value; /* 1: the one-value parser, 0: key-value lines */
    const char *text;
    unsigned line, col;
    const char *fragment;
};

static void test_errors(void **state)
{
    (void)state;
    static const struct want_error cases[] = {
        { 0, "oom 1\noom_kill -3\n", 2, 10, "decimal number" },
        { 0, "oom  1\n", 1, 5, "decimal number" },
        { 0, "oom\t1\n", 1, 4, "one space" },
        { 0, "oom 1 \n", 1, 6, "end of the line" },
        { 0, "oom 1\n\nmax 2\n", 2, 1, "expected a name" },
        { 0, " oom 1\n", 1, 1, "expected a name" },
        { 0, "oom 18446744073709551616\n", 1, 5, "below 2^64" },
        { 0, "oom\n", 1, 4, "one space" },
        { 1, "", 1, 1, "'max'" },
        { 1, "\n", 1, 1, "'max'" },
        { 1, "12abc\n", 1, 3, "end of the file" },
        { 1, "maximum\n", 1, 1, "'max'" },
        { 1, "-1\n", 1, 1, "'max'" },
        { 1, "18446744073709551616", 1, 1, "below 2^64" },
        { 1, "1\n\n", 1, 2, "end of the file" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vml_diag d = { 0 };
        uint64_t v;
        size_t len = strlen(cases[i].text);
        int r = cases[i].value ? vml_proc_parse_memcg_value(cases[i].text, len, &v, &d)
                               : vml_proc_parse_memcg_kv(cases[i].text, len, NULL, NULL, &d);
        if (r != VML_EPARSE || d.line != cases[i].line || d.col != cases[i].col ||
            !strstr(d.msg, cases[i].fragment))
            fail_msg("case %zu: r=%d at %u:%u '%s', want %u:%u containing '%s'", i, r, d.line,
                     d.col, d.msg, cases[i].line, cases[i].col, cases[i].fragment);
    }
}

static void test_stat(void **state)
{
    (void)state;
    /* v2 lines as memcg_stat_format prints them, a key vmlab does not know, and the v1 ones
     * (memcg1_stat_format) with their total_* twins: each key to its own figure. */
    const char *v2 = "anon 268435456\nfile 201326592\nkernel 41943040\nfuture_key 9\n"
                     "slab_reclaimable 20971520\npgscan 90000\n";
    struct vml_memcg_stat st;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_proc_parse_memcg_stat(v2, strlen(v2), &st, &d), 0);
    assert_true(st.v[VML_MCS_ANON] == 268435456u && st.v[VML_MCS_FILE] == 201326592u);
    assert_true(st.v[VML_MCS_KERNEL] == 41943040u && st.v[VML_MCS_PGSCAN] == 90000u);
    assert_true(st.have ==
                ((1ull << VML_MCS_ANON) | (1ull << VML_MCS_FILE) | (1ull << VML_MCS_KERNEL) |
                 (1ull << VML_MCS_SLAB_RECLAIMABLE) | (1ull << VML_MCS_PGSCAN)));
    const char *v1 = "cache 4096\nrss 8192\nhierarchical_memory_limit 9223372036854771712\n"
                     "total_cache 12288\ntotal_rss 16384";
    assert_int_equal(vml_proc_parse_memcg_stat(v1, strlen(v1), &st, &d), 0);
    assert_true(st.v[VML_MCS_CACHE] == 4096 && st.v[VML_MCS_T_CACHE] == 12288);
    assert_true(st.v[VML_MCS_RSS] == 8192 && st.v[VML_MCS_T_RSS] == 16384);
    assert_true(st.v[VML_MCS_H_MEMORY_LIMIT] == 9223372036854771712ull);
    assert_false(st.have & (1ull << VML_MCS_ANON));
    assert_string_equal(vml_memcg_stat_name(VML_MCS_T_WS_REFAULT_FILE),
                        "total_workingset_refault_file");
    /* A key twice: refused at its second line, column 1, and nothing kept. */
    const char *dup = "anon 1\nfile 2\nanon 3\n";
    assert_int_equal(vml_proc_parse_memcg_stat(dup, strlen(dup), &st, &d), VML_EPARSE);
    assert_int_equal(d.line, 3);
    assert_int_equal(d.col, 1);
    assert_non_null(strstr(d.msg, "'anon' a second time"));
    assert_true(st.have == 0 && st.v[VML_MCS_FILE] == 0);
    /* A malformed line: its line and column ('k' of "12kB" is column 10 of line 2). */
    const char *bad = "anon 4096\nkernel 12kB\n";
    assert_int_equal(vml_proc_parse_memcg_stat(bad, strlen(bad), &st, &d), VML_EPARSE);
    assert_int_equal(d.line, 2);
    assert_int_equal(d.col, 10);
    assert_true(st.have == 0 && st.v[VML_MCS_ANON] == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_stat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
