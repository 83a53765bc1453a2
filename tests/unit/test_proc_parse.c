/* test_proc_parse.c: /proc parsers: real-kernel captures read back and rewritten byte for byte,
 * errors with line and column, unknown lines skipped, and a randomized format -> parse round
 * trip (fixed seed, printed on failure). */
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

static int format_header(const struct vml_vma_header *h, void *ctx)
{
    return vml_proc_format_maps_line(h, ctx);
}

static int format_block(const struct vml_smaps *s, void *ctx)
{
    return vml_proc_format_smaps(s, ctx);
}

static void test_captures_round_trip(void **state)
{
    (void)state;
    struct vml_text t = { 0 };
    struct vml_diag d = { 0 };
    char *text = slurp("meminfo");
    struct vml_meminfo m;
    assert_int_equal(vml_proc_parse_meminfo(text, strlen(text), &m, &d), 0);
    assert_int_equal(m.mem_total, 24684096);
    assert_int_equal(m.vmalloc_total, 34359738367ull);
    assert_int_equal(m.hugepagesize, 2048);
    vml_proc_format_meminfo(&m, &t);
    expect_text(&t, text);
    free(text);

    text = slurp("maps");
    assert_int_equal(vml_proc_parse_maps(text, strlen(text), format_header, &t, &d), 0);
    expect_text(&t, text);
    free(text);

    char *anon = slurp("smaps_anon"), *shmem = slurp("smaps_shmem");
    size_t la = strlen(anon), ls = strlen(shmem);
    char *both = malloc(la + ls + 1);
    memcpy(both, anon, la);
    memcpy(both + la, shmem, ls + 1);
    assert_int_equal(vml_proc_parse_smaps(both, la + ls, format_block, &t, &d), 0);
    expect_text(&t, both);
    free(both);
    free(anon);
    free(shmem);

    text = slurp("smaps_rollup");
    uint64_t start, end;
    struct vml_smaps_counts c;
    assert_int_equal(vml_proc_parse_smaps_rollup(text, strlen(text), &start, &end, &c, &d), 0);
    assert_int_equal(c.pss_anon, 1124);
    vml_proc_format_smaps_rollup(start, end, &c, &t);
    expect_text(&t, text);
    free(text);

    text = slurp("statm");
    struct vml_statm sm;
    assert_int_equal(vml_proc_parse_statm(text, strlen(text), &sm, &d), 0);
    assert_int_equal(sm.data, 345);
    vml_proc_format_statm(&sm, &t);
    expect_text(&t, text);
    free(text);

    /* A whole status file: the memory lines are read, the rest skipped. */
    text = slurp("status");
    struct vml_status_mem st;
    assert_int_equal(vml_proc_parse_status_mem(text, strlen(text), &st, &d), 0);
    assert_int_equal(st.vm_peak, 3564);
    assert_int_equal(st.rss_shmem, 64);
    assert_int_equal(st.vm_pte, 44);
    vml_proc_format_status_mem(&st, &t);
    assert_non_null(strstr(text, t.s));
    vml_text_free(&t);
    free(text);
}

struct want_error {
    int which; /* 0 meminfo, 1 statm, 2 maps, 3 smaps, 4 rollup */
    const char *text;
    unsigned line, col;
    const char *fragment;
};

static int count_cb(const struct vml_vma_header *h, void *ctx)
{
    (void)h;
    ++*(int *)ctx;
    return 0;
}

static int count_smaps(const struct vml_smaps *s, void *ctx)
{
    (void)s;
    ++*(int *)ctx;
    return 0;
}

static int run(int which, const char *text, struct vml_diag *d)
{
    size_t n = strlen(text);
    int count = 0;
    uint64_t a, b;
    struct vml_meminfo m;
    struct vml_statm s;
    struct vml_smaps_counts c;
    switch (which) {
    case 0: return vml_proc_parse_meminfo(text, n, &m, d);
    case 1: return vml_proc_parse_statm(text, n, &s, d);
    case 2: return vml_proc_parse_maps(text, n, count_cb, &count, d);
    case 3: return vml_proc_parse_smaps(text, n, count_smaps, &count, d);
    default: return vml_proc_parse_smaps_rollup(text, n, &a, &b, &c, d);
    }
}

static void test_errors(void **state)
{
    (void)state;
    static const struct want_error cases[] = {
        { 0, "MemTotal:       12x4 kB\n", 1, 19, "expected ' kB' after the number" },
        { 0, "MemTotal:       12 kB!\n", 1, 22, "unexpected text after the value" },
        { 0, "MemTotal:       1234\n", 1, 21, "expected ' kB'" },
        { 0, "MemTotal: 1 kB\nMemFree:        abc kB\n", 2, 17, "expected a decimal number" },
        { 0, "MemFree: 99999999999999999999 kB\n", 1, 10, "at most 2^64-1" },
        { 1, "891 630 349 1 0 345\n", 1, 20, "expected 7 numbers" },
        { 1, "", 1, 1, "statm is empty" },
        { 1, "1 2 3 4 5 6 7 8\n", 1, 14, "unexpected text after the 7th number" },
        { 2, "00400000-00401000 rwzp 00000000 00:00 0\n", 1, 19, "permissions" },
        { 2, "00400000-00401000 r-xp 00000000 00:00 0\nzzz\n", 2, 1, "START-END" },
        { 2, "00400000 r-xp\n", 1, 9, "START-END" },
        { 2, "00400000-00401000 r-xp 00000000 00:00\n", 1, 38, "inode" },
        { 2, "00400000-00452000 r-xp 00000000 1000:02 173521 /bin/x\n", 1, 33, "major" },
        { 2, "00400000-00452000 r-xp 00000000 08:100000 173521 /bin/x\n", 1, 36, "minor" },
        { 3, "Rss: 4 kB\n", 1, 1, "expected a mapping header" },
        { 3, "00400000-00401000 r-xp 00000000 00:00 0\nRss:  4\n", 2, 8, "expected ' kB'" },
        { 3, "00400000-00401000 r-xp 00000000 00:00 0\nTHPeligible: 2\n", 2, 1, "0 or 1" },
        { 4, "00400000-00401000 ---p 00000000 00:00 0                   x\n", 1, 1, "[rollup]" },
        { 4, "", 1, 1, "smaps_rollup is empty" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vml_diag d = { 0 };
        int r = run(cases[i].which, cases[i].text, &d);
        if (r != VML_EPARSE || d.line != cases[i].line || d.col != cases[i].col ||
            !strstr(d.msg, cases[i].fragment))
            fail_msg("case %zu: r=%d at %u:%u '%s', want %u:%u containing '%s'", i, r, d.line,
                     d.col, d.msg, cases[i].line, cases[i].col, cases[i].fragment);
    }
}

static void test_unknown_lines_and_missing_fields(void **state)
{
    (void)state;
    struct vml_diag d = { 0 };
    const char *mi = "MemTotal:       1000 kB\nUnaccepted:            0 kB\nMemFree: 7 kB\n";
    struct vml_meminfo m;
    memset(&m, 0xff, sizeof(m));
    assert_int_equal(vml_proc_parse_meminfo(mi, strlen(mi), &m, &d), 0);
    assert_int_equal(m.mem_total, 1000);
    assert_int_equal(m.mem_free, 7);
    assert_int_equal(m.cached, 0); /* absent: 0 */
    const char *sm = "00400000-00401000 r-xp 00000000 00:00 0 \nRss:  4 kB\nProtectionKey:  0\n"
                     "VmFlags: \n7f00-7f01 rw-p 00000000 00:00 0 [stack]\n";
    int blocks = 0;
    assert_int_equal(vml_proc_parse_smaps(sm, strlen(sm), count_smaps, &blocks, &d), 0);
    assert_int_equal(blocks, 2);
    /* A kernel thread's smaps is empty: no mapping, no error. */
    blocks = 0;
    assert_int_equal(vml_proc_parse_smaps("", 0, count_smaps, &blocks, &d), 0);
    assert_int_equal(blocks, 0);
}

static int stop_at_second(const struct vml_vma_header *h, void *ctx)
{
    (void)h;
    return ++*(int *)ctx == 2 ? 42 : 0;
}

static void test_callback_stops(void **state)
{
    (void)state;
    const char *maps = "1000-2000 r--p 00000000 00:00 0\n3000-4000 r--p 00000000 00:00 0\n"
                       "5000-6000 r--p 00000000 00:00 0\n";
    int n = 0;
    assert_int_equal(vml_proc_parse_maps(maps, strlen(maps), stop_at_second, &n, NULL), 42);
    assert_int_equal(n, 2);
}

/* ---- randomized round trip -------------------------------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Values of every magnitude, 0 and 2^64-1 included. */
static uint64_t value(void)
{
    unsigned bits = (unsigned)(rnd() % 65);
    return bits == 64 ? UINT64_MAX : rnd() & ((1ull << bits) - 1);
}

static void fill(void *rec, size_t size)
{
    for (size_t i = 0; i < size / 8; i++) {
        uint64_t v = value();
        memcpy((char *)rec + 8 * i, &v, 8);
    }
}

struct smaps_check {
    const struct vml_smaps *want;
    int seen;
};

static int compare_block(const struct vml_smaps *got, void *ctx)
{
    struct smaps_check *c = ctx;
    const struct vml_smaps *w = c->want;
    c->seen++;
    if (got->hdr.start != w->hdr.start || got->hdr.end != w->hdr.end ||
        strcmp(got->hdr.perms, w->hdr.perms) || got->hdr.offset != w->hdr.offset ||
        got->hdr.dev_major != w->hdr.dev_major || got->hdr.dev_minor != w->hdr.dev_minor ||
        got->hdr.inode != w->hdr.inode || strcmp(got->hdr.name, w->hdr.name) ||
        got->size != w->size || got->kernel_page_size != w->kernel_page_size ||
        got->mmu_page_size != w->mmu_page_size || got->thp_eligible != w->thp_eligible ||
        strcmp(got->vm_flags, w->vm_flags))
        return 1;
    struct vml_smaps_counts a = got->c, b = w->c;
    a.pss_anon = a.pss_file = a.pss_shmem = 0; /* not printed per mapping */
    b.pss_anon = b.pss_file = b.pss_shmem = 0;
    return memcmp(&a, &b, sizeof(a)) != 0;
}

static void test_random_round_trip(void **state)
{
    (void)state;
    static const char *names[] = {
        "",      "[heap]",  "/usr/lib/x86_64-linux-gnu/libc.so.6", "/tmp/with space (deleted)",
        "/a\nb", "[anon:x]"
    };
    static const char *perms[] = { "rw-p", "r-xp", "---p", "rw-s", "r--s" };
    static const char *flags[] = { "", "rd wr mr mw me ac", "rd ex mr mw me",
                                   "rd wr sh mr mw me ms" };
    uint64_t seed = 20261124;
    rng = seed;
    for (int i = 0; i < 3000; i++) {
        struct vml_text t = { 0 };
        struct vml_meminfo m, m2;
        fill(&m, sizeof(m));
        vml_proc_format_meminfo(&m, &t);
        if (vml_proc_parse_meminfo(t.s, t.len, &m2, NULL) || memcmp(&m, &m2, sizeof(m)))
            fail_msg("seed %llu iteration %d: meminfo did not round-trip", (unsigned long long)seed,
                     i);
        vml_text_free(&t);

        struct vml_status_mem s, s2;
        fill(&s, sizeof(s));
        vml_proc_format_status_mem(&s, &t);
        if (vml_proc_parse_status_mem(t.s, t.len, &s2, NULL) || memcmp(&s, &s2, sizeof(s)))
            fail_msg("seed %llu iteration %d: status did not round-trip", (unsigned long long)seed,
                     i);
        vml_text_free(&t);

        struct vml_smaps b = { 0 };
        b.hdr.start = value();
        b.hdr.end = value();
        strcpy(b.hdr.perms, perms[rnd() % 5]);
        b.hdr.offset = value();
        b.hdr.dev_major = (unsigned)(rnd() % 0x1000);
        b.hdr.dev_minor = (unsigned)(rnd() % 0x100000);
        b.hdr.inode = value();
        b.hdr.name = names[rnd() % 6];
        b.size = value();
        b.kernel_page_size = value();
        b.mmu_page_size = value();
        fill(&b.c, sizeof(b.c));
        b.thp_eligible = (unsigned)(rnd() % 2);
        b.vm_flags = flags[rnd() % 4];
        vml_proc_format_smaps(&b, &t);
        struct smaps_check chk = { &b, 0 };
        if (vml_proc_parse_smaps(t.s, t.len, compare_block, &chk, NULL) != 0 || chk.seen != 1)
            fail_msg("seed %llu iteration %d: smaps did not round-trip:\n%s",
                     (unsigned long long)seed, i, t.s);
        vml_text_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_captures_round_trip),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_unknown_lines_and_missing_fields),
        cmocka_unit_test(test_callback_stops),
        cmocka_unit_test(test_random_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
