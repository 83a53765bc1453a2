/* test_thp_sysfs.c: /sys/kernel/mm/transparent_hugepage/ as vmlab models it (proc/thp_sysfs.c).
 *
 * The expected texts are written by hand from `grep -r . /sys/kernel/mm/transparent_hugepage/`
 * on a Linux 6.18 machine of this project's class at its defaults; the store cases follow the
 * kernel's store methods (sysfs_streq for choices, kstrtouint/kstrtoul and the range checks of
 * mm/huge_memory.c and mm/khugepaged.c for numbers).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *file, *text;
} defaults_text[] = {
    { "enabled", "always [madvise] never\n" },
    { "defrag", "always defer defer+madvise [madvise] never\n" },
    { "use_zero_page", "1\n" },
    { "shmem_enabled", "always within_size advise [never] deny force\n" },
    { "hugepages-16kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-32kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-64kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-128kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-256kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-512kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-1024kB/enabled", "always inherit madvise [never]\n" },
    { "hugepages-2048kB/enabled", "always [inherit] madvise never\n" },
    { "khugepaged/pages_to_scan", "4096\n" },
    { "khugepaged/scan_sleep_millisecs", "10000\n" },
    { "khugepaged/alloc_sleep_millisecs", "60000\n" },
    { "khugepaged/max_ptes_none", "511\n" },
    { "khugepaged/max_ptes_swap", "64\n" },
    { "khugepaged/max_ptes_shared", "256\n" },
    { "khugepaged/defrag", "1\n" },
};
#define N_DEFAULTS (sizeof(defaults_text) / sizeof(defaults_text[0]))

static int idx(const char *name)
{
    int i = vml_thp_find(name);
    if (i < 0)
        fail_msg("no THP file '%s'", name);
    return i;
}

static void shows(const struct vml_thp_settings *s, const char *name, const char *want)
{
    char buf[VML_THP_SHOW_MAX];
    vml_thp_show(s, (size_t)idx(name), buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%s shows '%s', want '%s'", name, buf, want);
}

/* A store that must succeed. */
static void store_ok(struct vml_thp_settings *s, const char *name, const char *value)
{
    struct vml_diag d = { 0 };
    int r = vml_thp_store(s, (size_t)idx(name), value, strlen(value), &d);
    if (r != 0)
        fail_msg("%s <- '%s': %d (%s)", name, value, r, d.msg);
}

/* A store that the kernel refuses with EINVAL: nothing changes, the message names the file,
 * the value (escaped) and what the file takes. */
static void store_bad(const char *name, const char *value, size_t len, const char *frag)
{
    struct vml_thp_settings s, before;
    vml_thp_defaults(&s);
    before = s;
    struct vml_diag d = { 0 };
    int r = vml_thp_store(&s, (size_t)idx(name), value, len, &d);
    if (r != VML_EINVAL)
        fail_msg("%s <- '%.*s': %d, want VML_EINVAL", name, (int)len, value, r);
    assert_memory_equal(&s, &before, sizeof(s));
    if (strncmp(d.msg, name, strlen(name)) != 0 || !strstr(d.msg, "EINVAL") || !strstr(d.msg, frag))
        fail_msg("%s <- '%.*s': message '%s' lacks '%s'", name, (int)len, value, d.msg, frag);
}

static void test_table(void **state)
{
    (void)state;
    assert_int_equal(vml_thp_nr_files(), N_DEFAULTS);
    assert_int_equal(VML_THP_NR_FILES, N_DEFAULTS);
    for (size_t i = 0; i < N_DEFAULTS; i++) {
        assert_string_equal(vml_thp_file(i), defaults_text[i].file);
        assert_int_equal(vml_thp_find(defaults_text[i].file), (int)i);
        char abs[128];
        snprintf(abs, sizeof(abs), "/sys/kernel/mm/transparent_hugepage/%s", defaults_text[i].file);
        assert_int_equal(vml_thp_find(abs), (int)i);
    }
    assert_null(vml_thp_file(N_DEFAULTS));
    /* Read-only files, files this model lacks, and near misses. */
    const char *no[] = { "hpage_pmd_size",
                         "khugepaged/full_scans",
                         "khugepaged/pages_collapsed",
                         "hugepages-8kB/enabled",
                         "hugepages-2048kB/shmem_enabled",
                         "shrink_underused",
                         "anon_beside_full",
                         "Enabled",
                         "/enabled",
                         "",
                         "/sys/kernel/mm/transparent_hugepage/",
                         "/sys/kernel/mm/transparent_hugepage",
                         "/sys/kernel/mm/transparent_hugepage//enabled",
                         "khugepaged" };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (vml_thp_find(no[i]) != -1)
            fail_msg("'%s' is not a settable THP file", no[i]);
}

static void test_show_defaults(void **state)
{
    (void)state;
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    for (size_t i = 0; i < N_DEFAULTS; i++)
        shows(&s, defaults_text[i].file, defaults_text[i].text);
    char buf[VML_THP_SHOW_MAX] = "x";
    vml_thp_show(&s, N_DEFAULTS, buf);
    assert_string_equal(buf, "");
}

static void test_show_after_store(void **state)
{
    (void)state;
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    store_ok(&s, "enabled", "always");
    shows(&s, "enabled", "[always] madvise never\n");
    store_ok(&s, "enabled", "never\n"); /* as echo writes it */
    shows(&s, "enabled", "always madvise [never]\n");
    store_ok(&s, "defrag", "defer+madvise");
    shows(&s, "defrag", "always defer [defer+madvise] madvise never\n");
    store_ok(&s, "defrag", "never");
    shows(&s, "defrag", "always defer defer+madvise madvise [never]\n");
    store_ok(&s, "use_zero_page", "0");
    shows(&s, "use_zero_page", "0\n");
    store_ok(&s, "shmem_enabled", "force");
    shows(&s, "shmem_enabled", "always within_size advise never deny [force]\n");
    store_ok(&s, "hugepages-64kB/enabled", "always");
    shows(&s, "hugepages-64kB/enabled", "[always] inherit madvise never\n");
    shows(&s, "hugepages-32kB/enabled", "always inherit madvise [never]\n");
    store_ok(&s, "hugepages-2048kB/enabled", "madvise");
    shows(&s, "hugepages-2048kB/enabled", "always inherit [madvise] never\n");
    store_ok(&s, "khugepaged/max_ptes_none", "0");
    shows(&s, "khugepaged/max_ptes_none", "0\n");
    store_ok(&s, "khugepaged/max_ptes_none", "+5"); /* kstrtoul takes a leading '+' */
    shows(&s, "khugepaged/max_ptes_none", "5\n");
    store_ok(&s, "khugepaged/max_ptes_swap", "511");
    shows(&s, "khugepaged/max_ptes_swap", "511\n");
    store_ok(&s, "khugepaged/scan_sleep_millisecs", "0");
    shows(&s, "khugepaged/scan_sleep_millisecs", "0\n");
    store_ok(&s, "khugepaged/alloc_sleep_millisecs", "4294967295");
    shows(&s, "khugepaged/alloc_sleep_millisecs", "4294967295\n");
    store_ok(&s, "khugepaged/pages_to_scan", "1\n");
    shows(&s, "khugepaged/pages_to_scan", "1\n");
    store_ok(&s, "khugepaged/defrag", "+0");
    shows(&s, "khugepaged/defrag", "0\n");
    /* The typed fields follow. */
    assert_int_equal(s.enabled, VML_THP_NEVER);
    assert_int_equal(s.defrag, VML_DEFRAG_NEVER);
    assert_false(s.use_zero_page);
    assert_int_equal(s.shmem_enabled, VML_SHMEM_THP_FORCE);
    assert_int_equal(s.size_enabled[4], VML_MTHP_ALWAYS);
    assert_int_equal(s.size_enabled[9], VML_MTHP_MADVISE);
    assert_int_equal(s.max_ptes_none, 5);
    assert_int_equal(s.pages_to_scan, 1);
    assert_false(s.khugepaged_defrag);
}

static void test_store_refused(void **state)
{
    (void)state;
    const char *modes = "write always, madvise or never";
    store_bad("enabled", "always\n\n", 8, modes); /* sysfs_streq takes one newline only */
    store_bad("enabled", "Always", 6, modes);
    store_bad("enabled", " always", 7, modes);
    store_bad("enabled", "always ", 7, modes);
    store_bad("enabled", "", 0, modes);
    store_bad("enabled", "\n", 1, modes);
    store_bad("enabled", "inherit", 7, modes); /* only the per-size files take inherit */
    store_bad("enabled", "alw\0ays", 7, "'alw\\x00ays'");
    store_bad("defrag", "bogus", 5, "write always, defer, defer+madvise, madvise or never");
    store_bad("shmem_enabled", "inherit", 7,
              "write always, within_size, advise, never, deny or force");
    store_bad("hugepages-16kB/enabled", "deny", 4, "write always, inherit, madvise or never");
    store_bad("use_zero_page", "2", 1, "write 0 or 1");
    store_bad("use_zero_page", "+5", 2, "write 0 or 1");
    store_bad("use_zero_page", "-1", 2, "write 0 or 1");
    store_bad("khugepaged/defrag", "yes", 3, "write 0 or 1");
    store_bad("khugepaged/max_ptes_none", "512", 3, "a decimal number from 0 to 511");
    store_bad("khugepaged/max_ptes_swap", "512", 3, "from 0 to 511");
    store_bad("khugepaged/max_ptes_shared", "4096", 4, "from 0 to 511");
    store_bad("khugepaged/pages_to_scan", "0", 1, "a decimal number from 1 to 4294967295");
    store_bad("khugepaged/scan_sleep_millisecs", "4294967296", 10, "from 0 to 4294967295");
    store_bad("khugepaged/alloc_sleep_millisecs", "99999999999999999999999", 23,
              "from 0 to 4294967295");
    store_bad("khugepaged/max_ptes_none", "0x10", 4, "'0x10'");
    store_bad("khugepaged/max_ptes_none", "+", 1, "'+'");
    store_bad("khugepaged/max_ptes_none", "++1", 3, "'++1'");
    store_bad("khugepaged/max_ptes_none", " 1", 2, "' 1'");
    store_bad("khugepaged/max_ptes_none", "1\n\n", 3, "'1\\x0a'");
    /* A long value is cut in the message, not overflowing it. */
    char big[300];
    memset(big, 'a', sizeof(big));
    store_bad("enabled", big, sizeof(big), "...'");
    /* Out of the table. */
    struct vml_thp_settings s;
    vml_thp_defaults(&s);
    assert_int_equal(vml_thp_store(&s, N_DEFAULTS, "1", 1, NULL), VML_EINVAL);
    /* No diag: still refused. */
    assert_int_equal(vml_thp_store(&s, (size_t)idx("enabled"), "x", 1, NULL), VML_EINVAL);
}

/* vml_thp_value writes what a store takes back, for every file and every choice. */
static void test_value_round_trip(void **state)
{
    (void)state;
    struct vml_thp_settings s, t;
    vml_thp_defaults(&s);
    char v[VML_THP_SHOW_MAX];
    vml_thp_value(&s, (size_t)idx("enabled"), v);
    assert_string_equal(v, "madvise");
    vml_thp_value(&s, (size_t)idx("khugepaged/max_ptes_none"), v);
    assert_string_equal(v, "511");
    vml_thp_value(&s, (size_t)idx("use_zero_page"), v);
    assert_string_equal(v, "1");
    vml_thp_value(&s, (size_t)idx("hugepages-2048kB/enabled"), v);
    assert_string_equal(v, "inherit");
    store_ok(&s, "defrag", "defer+madvise");
    store_ok(&s, "shmem_enabled", "within_size");
    store_ok(&s, "khugepaged/max_ptes_shared", "7");
    store_ok(&s, "use_zero_page", "0");
    vml_thp_defaults(&t);
    for (size_t i = 0; i < N_DEFAULTS; i++) {
        vml_thp_value(&s, i, v);
        store_ok(&t, defaults_text[i].file, v);
    }
    assert_memory_equal(&s, &t, sizeof(s));
    vml_thp_value(&s, N_DEFAULTS, v);
    assert_string_equal(v, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_show_defaults),
        cmocka_unit_test(test_show_after_store),
        cmocka_unit_test(test_store_refused),
        cmocka_unit_test(test_value_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
