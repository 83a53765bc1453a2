/* test_host_cgroups.c: the Linux backend's scenario cgroups (src/host/cgroups.c), without the
 * kernel: every expectation is written by hand from the kernel's rules.
 *   - sizes as page_counter_memparse reads them (binary suffixes, max, v1's -1, the cap at
 *     PAGE_COUNTER_MAX pages);
 *   - the v2 -> v1 translation of set: memory.max is memory.limit_in_bytes; memory.swap.max S
 *     is memory.memsw.limit_in_bytes = limit + S, written in the order mem_cgroup_resize_max
 *     accepts (the memory limit never above memsw's); what v1 cannot express refused, naming
 *     why (memory.soft_limit_in_bytes is not memory.low);
 *   - which v1 file shows a v2 file's figure, and which v2 files have none;
 *   - which fields an expect can hold on Linux;
 *   - the path mapping and the files written, in directories that imitate a v2 and a v1
 *     hierarchy: box is R/box, "" is R, R is vmlab-run-PID (or the confinement cgroup of
 *     memcg=on), v2 parents get +memory in cgroup.subtree_control.
 */
#define _GNU_SOURCE

#include "host/cgroups.h"
#include "host/settings.h"
#include "vmlab/vmlab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define UNL CGROUPS_V1_UNLIMITED

static char root[64];

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void read_file(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t k = fread(buf, 1, n - 1, f);
    buf[k] = 0;
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/vmlab-test-cgr.XXXXXX");
    return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cgroups_undo();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_sizes(void **state)
{
    (void)state;
    uint64_t v;
    bool max;
    assert_int_equal(cgroups_parse_size("64M", false, &v, &max), 0);
    assert_int_equal(v, 67108864);
    assert_false(max);
    assert_int_equal(cgroups_parse_size("1k", false, &v, &max), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(cgroups_parse_size("3g", false, &v, &max), 0);
    assert_int_equal(v, 3ull << 30);
    assert_int_equal(cgroups_parse_size("4097", false, &v, &max), 0);
    assert_int_equal(v, 4097);
    assert_int_equal(cgroups_parse_size("max", false, &v, &max), 0);
    assert_true(max);
    assert_int_equal(cgroups_parse_size("-1", false, &v, &max), 0);
    assert_true(max);
    /* 2^63 bytes is past PAGE_COUNTER_MAX pages: no limit */
    assert_int_equal(cgroups_parse_size("8E", false, &v, &max), 0);
    assert_true(max);
    assert_int_equal(v, UNL);
    assert_int_equal(cgroups_parse_size("max", true, &v, &max), VML_EINVAL);
    assert_int_equal(cgroups_parse_size("", false, &v, &max), VML_EINVAL);
    assert_int_equal(cgroups_parse_size("12x", false, &v, &max), VML_EINVAL);
    assert_int_equal(cgroups_parse_size("1MB", false, &v, &max), VML_EINVAL);
    assert_int_equal(cgroups_parse_size("99999999999999999999", false, &v, &max), VML_EINVAL);
}

static void expect_write(const struct cgroups_write *w, const char *file, const char *value)
{
    assert_string_equal(w->file, file);
    assert_string_equal(w->value, value);
}

static void test_translate(void **state)
{
    (void)state;
    struct cgroups_v1_limits lim = { UNL, UNL, UNL, true };
    struct cgroups_write w[2];
    char msg[CGROUPS_MSG] = "";
    /* memory.max 64M: the limit alone while no swap room is set */
    assert_int_equal(cgroups_translate("memory.max", "64M", &lim, w, msg), 1);
    expect_write(&w[0], "memory.limit_in_bytes", "67108864");
    assert_int_equal(lim.mem, 67108864);
    /* memory.swap.max 16M: memory + swap = 80 MiB */
    assert_int_equal(cgroups_translate("memory.swap.max", "16M", &lim, w, msg), 1);
    expect_write(&w[0], "memory.memsw.limit_in_bytes", "83886080");
    assert_int_equal(lim.swap, 16 << 20);
    /* raising memory.max to 128M past memsw's 80M: memsw (144M) first, then the limit */
    assert_int_equal(cgroups_translate("memory.max", "128M", &lim, w, msg), 2);
    expect_write(&w[0], "memory.memsw.limit_in_bytes", "150994944");
    expect_write(&w[1], "memory.limit_in_bytes", "134217728");
    /* lowering it to 32M: the limit first, then memsw (48M) */
    assert_int_equal(cgroups_translate("memory.max", "32M", &lim, w, msg), 2);
    expect_write(&w[0], "memory.limit_in_bytes", "33554432");
    expect_write(&w[1], "memory.memsw.limit_in_bytes", "50331648");
    /* no memory limit with a swap limit: v1 cannot say it */
    struct cgroups_v1_limits before = lim;
    assert_int_equal(cgroups_translate("memory.max", "max", &lim, w, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "memsw"));
    assert_memory_equal(&lim, &before, sizeof(lim));
    /* swap room back to max: memsw -1; then the memory limit may go too */
    assert_int_equal(cgroups_translate("memory.swap.max", "max", &lim, w, msg), 1);
    expect_write(&w[0], "memory.memsw.limit_in_bytes", "-1");
    assert_int_equal(cgroups_translate("memory.max", "max", &lim, w, msg), 1);
    expect_write(&w[0], "memory.limit_in_bytes", "-1");
    assert_int_equal(lim.mem, UNL);
    /* v1's own file, -1 and a size that is no whole page (the kernel keeps whole pages) */
    assert_int_equal(cgroups_translate("memory.limit_in_bytes", "4097", &lim, w, msg), 1);
    expect_write(&w[0], "memory.limit_in_bytes", "4096");
    assert_int_equal(cgroups_translate("memory.limit_in_bytes", "-1", &lim, w, msg), 1);
    expect_write(&w[0], "memory.limit_in_bytes", "-1");
    /* swap room 0 with no memory limit: refused (set memory.max first) */
    assert_int_equal(cgroups_translate("memory.swap.max", "0", &lim, w, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "memory.max first"));
    /* memory.max 64M then swap room 0: memsw = the limit */
    assert_int_equal(cgroups_translate("memory.max", "64M", &lim, w, msg), 1);
    assert_int_equal(cgroups_translate("memory.swap.max", "0", &lim, w, msg), 1);
    expect_write(&w[0], "memory.memsw.limit_in_bytes", "67108864");
    /* a kernel that does not account swap */
    struct cgroups_v1_limits nosw = { 64 << 20, UNL, UNL, false };
    assert_int_equal(cgroups_translate("memory.swap.max", "0", &nosw, w, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "account swap"));
    /* peak reset: the v1 watermark written 0 */
    assert_int_equal(cgroups_translate("memory.peak", "0", &lim, w, msg), 1);
    expect_write(&w[0], "memory.max_usage_in_bytes", "0");
    /* no counterpart: refused, each naming v2 */
    static const char *const none[] = { "memory.high",      "memory.low",       "memory.min",
                                        "memory.swap.high", "memory.oom.group", "memory.reclaim",
                                        "memory.swap.peak" };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        msg[0] = 0;
        assert_int_equal(cgroups_translate(none[i], "1M", &lim, w, msg), VML_EINVAL);
        assert_non_null(strstr(msg, "v2"));
    }
    assert_int_equal(cgroups_translate("memory.low", "1M", &lim, w, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "soft_limit_in_bytes"));
    assert_int_equal(cgroups_translate("memory.max", "lots", &lim, w, msg), VML_EINVAL);
    assert_int_equal(cgroups_translate("memory.bogus", "1", &lim, w, msg), VML_EINVAL);
}

static void test_v1_source(void **state)
{
    (void)state;
    bool derived;
    char msg[CGROUPS_MSG] = "";
    assert_string_equal(cgroups_v1_source("memory.current", &derived, msg),
                        "memory.usage_in_bytes");
    assert_false(derived);
    assert_string_equal(cgroups_v1_source("memory.peak", &derived, msg),
                        "memory.max_usage_in_bytes");
    assert_string_equal(cgroups_v1_source("memory.max", &derived, msg), "memory.limit_in_bytes");
    assert_string_equal(cgroups_v1_source("memory.swap.current", &derived, msg),
                        "memory.memsw.usage_in_bytes");
    assert_true(derived);
    assert_null(cgroups_v1_source("memory.events", &derived, msg));
    assert_non_null(strstr(msg, "oom_control"));
    assert_null(cgroups_v1_source("memory.stat", &derived, msg));
    assert_non_null(strstr(msg, "cgroup1"));
    assert_null(cgroups_v1_source("memory.high", &derived, msg));
    assert_null(cgroups_v1_source("memory.swap.peak", &derived, msg));
}

static void test_paths_and_checks(void **state)
{
    (void)state;
    assert_true(cgroups_path_ok("box"));
    assert_true(cgroups_path_ok("box/web"));
    assert_true(cgroups_path_ok("a.b-c_d"));
    assert_true(cgroups_path_ok(""));
    assert_false(cgroups_path_ok("/box"));
    assert_false(cgroups_path_ok("box/"));
    assert_false(cgroups_path_ok("a//b"));
    assert_false(cgroups_path_ok(".."));
    assert_false(cgroups_path_ok("a/../b"));
    assert_false(cgroups_path_ok("a/./b"));
    assert_false(cgroups_path_ok("a b"));
    /* limits are held; charge counters, memory.stat and all but the kill counts are not */
    assert_null(cgroups_why_unchecked("memory.max", ""));
    assert_null(cgroups_why_unchecked("memory.limit_in_bytes", ""));
    assert_null(cgroups_why_unchecked("memory.swap.max", ""));
    assert_null(cgroups_why_unchecked("memory.events", "oom_kill"));
    assert_null(cgroups_why_unchecked("memory.oom_control", "oom_kill"));
    assert_non_null(cgroups_why_unchecked("memory.events", "max"));
    assert_non_null(cgroups_why_unchecked("memory.events", "oom"));
    assert_non_null(strstr(cgroups_why_unchecked("memory.current", ""), "64 pages"));
    assert_non_null(cgroups_why_unchecked("memory.peak", ""));
    assert_non_null(cgroups_why_unchecked("memory.usage_in_bytes", ""));
    assert_non_null(strstr(cgroups_why_unchecked("memory.stat", "anon"), "2 s"));
    assert_non_null(cgroups_why_unchecked("cgroup.procs", ""));
}

/* A v2 hierarchy imitated: R = ROOT/v2/vmlab-run-PID. */
static void test_v2_tree(void **state)
{
    (void)state;
    struct memcg_mount m = { .version = 2 };
    snprintf(m.dir, sizeof(m.dir), "%s/v2", root);
    mkdir(m.dir, 0755);
    char path[512], buf[512], msg[CGROUPS_MSG] = "", r[300];
    struct vml_text notes = { 0 }, out = { 0 };
    /* the root's subtree_control lacks memory: refused, nothing made */
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", m.dir);
    put_file(path, "cpu io\n");
    assert_int_equal(cgroups_begin_in(&m, NULL, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "subtree_control"));
    put_file(path, "cpu io memory\n");
    assert_int_equal(cgroups_begin_in(&m, NULL, msg), 0);
    snprintf(r, sizeof(r), "%s/vmlab-run-%d", m.dir, (int)getpid());
    assert_int_equal(access(r, F_OK), 0);
    assert_int_equal(cgroups_dir("", buf, sizeof(buf)), 0);
    assert_string_equal(buf, r);
    assert_int_equal(cgroups_create("box", msg), 0);
    assert_int_equal(cgroups_create("box/web", msg), 0);
    assert_int_equal(cgroups_dir("box/web", path, sizeof(path)), 0);
    snprintf(buf, sizeof(buf), "%s/box/web", r);
    assert_string_equal(path, buf);
    assert_int_equal(access(path, F_OK), 0);
    /* memory enabled for R's and box's children */
    snprintf(path, sizeof(path), "%s/cgroup.subtree_control", r);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "+memory");
    snprintf(path, sizeof(path), "%s/box/cgroup.subtree_control", r);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "+memory");
    assert_int_equal(cgroups_create("../x", msg), VML_EINVAL);
    assert_int_equal(cgroups_create("", msg), VML_EINVAL);
    /* files written as named, v1's limit as memory.max */
    assert_int_equal(cgroups_set("/sys/fs/cgroup/box/web/memory.high", "32M", &notes, msg), 0);
    snprintf(path, sizeof(path), "%s/box/web/memory.high", r);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "32M");
    assert_int_equal(
        cgroups_set("/sys/fs/cgroup/memory/box/web/memory.limit_in_bytes", "-1", &notes, msg), 0);
    snprintf(path, sizeof(path), "%s/box/web/memory.max", r);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "max");
    assert_int_equal(cgroups_set("/sys/fs/cgroup/memory.max", "1M", &notes, msg), VML_EINVAL);
    assert_int_equal(cgroups_set("/sys/fs/cgroup/nope/memory.max", "1M", &notes, msg), VML_ENOENT);
    /* attach: the pid in cgroup.procs; "" is R */
    assert_int_equal(cgroups_attach((int)getpid(), "box/web", msg), 0);
    snprintf(path, sizeof(path), "%s/box/web/cgroup.procs", r);
    read_file(path, buf, sizeof(buf));
    snprintf(msg, sizeof(msg), "%d", (int)getpid());
    assert_string_equal(buf, msg);
    assert_int_equal(cgroups_attach((int)getpid(), "", msg), 0);
    snprintf(path, sizeof(path), "%s/cgroup.procs", r);
    read_file(path, buf, sizeof(buf));
    snprintf(msg, sizeof(msg), "%d", (int)getpid());
    assert_string_equal(buf, msg);
    assert_int_equal(cgroups_attach((int)getpid(), "nope", msg), VML_ENOENT);
    /* text: as is; v1's hierarchy refused */
    assert_int_equal(cgroups_text("box/web", "memory.max", false, &out, msg), 0);
    assert_string_equal(out.s, "max");
    assert_int_equal(cgroups_text("box", "memory.limit_in_bytes", true, &out, msg), VML_EINVAL);
    assert_non_null(strstr(msg, "v2"));
    assert_int_equal(cgroups_text("nope", "memory.max", false, &out, msg), VML_ENOENT);
    vml_text_free(&out);
    vml_text_free(&notes);
    cgroups_undo();
    assert_int_not_equal(cgroups_dir("", buf, sizeof(buf)), 0); /* ended */
}

/* A v1 hierarchy imitated, R the confinement cgroup of memcg=on. */
static void test_v1_tree(void **state)
{
    (void)state;
    struct memcg_mount m = { .version = 1 };
    snprintf(m.dir, sizeof(m.dir), "%s/v1", root);
    mkdir(m.dir, 0755);
    char confine[300], path[512], buf[512], msg[CGROUPS_MSG] = "";
    snprintf(confine, sizeof(confine), "%s/vmlab-%d", m.dir, (int)getpid());
    mkdir(confine, 0755);
    struct vml_text notes = { 0 }, out = { 0 };
    assert_int_equal(cgroups_begin_in(&m, confine, msg), 0);
    assert_int_equal(cgroups_dir("", buf, sizeof(buf)), 0);
    assert_string_equal(buf, confine);
    assert_int_equal(cgroups_create("box", msg), 0);
    snprintf(path, sizeof(path), "%s/box/cgroup.subtree_control", confine);
    assert_int_not_equal(access(path, F_OK), 0); /* v1 has none */
    /* memory.max is memory.limit_in_bytes, in whole pages; a note says so */
    assert_int_equal(cgroups_set("/sys/fs/cgroup/box/memory.max", "64M", &notes, msg), 0);
    snprintf(path, sizeof(path), "%s/box/memory.limit_in_bytes", confine);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "67108864");
    assert_non_null(strstr(notes.s, "memory.limit_in_bytes 67108864"));
    /* the imitation has no memsw files: swap is not accounted */
    assert_int_equal(cgroups_set("/sys/fs/cgroup/box/memory.swap.max", "0", &notes, msg),
                     VML_EINVAL);
    assert_int_equal(cgroups_set("/sys/fs/cgroup/box/memory.min", "1M", &notes, msg), VML_EINVAL);
    assert_int_equal(cgroups_set("/sys/fs/cgroup/box/memory.peak", "0", &notes, msg), 0);
    snprintf(path, sizeof(path), "%s/box/memory.max_usage_in_bytes", confine);
    read_file(path, buf, sizeof(buf));
    assert_string_equal(buf, "0");
    /* v2 figures from v1 files: no limit is "max"; swap.current is memsw less memory */
    snprintf(path, sizeof(path), "%s/box/memory.limit_in_bytes", confine);
    put_file(path, "9223372036854771712\n");
    assert_int_equal(cgroups_text("box", "memory.max", false, &out, msg), 0);
    assert_string_equal(out.s, "max\n");
    out.len = 0;
    snprintf(path, sizeof(path), "%s/box/memory.usage_in_bytes", confine);
    put_file(path, "41943040\n");
    snprintf(path, sizeof(path), "%s/box/memory.memsw.usage_in_bytes", confine);
    put_file(path, "46137344\n");
    assert_int_equal(cgroups_text("box", "memory.current", false, &out, msg), 0);
    assert_string_equal(out.s, "41943040\n");
    out.len = 0;
    assert_int_equal(cgroups_text("box", "memory.swap.current", false, &out, msg), 0);
    assert_string_equal(out.s, "4194304\n"); /* 44 MiB - 40 MiB */
    out.len = 0;
    /* v1's own file as is; v2's events refused */
    assert_int_equal(cgroups_text("box", "memory.usage_in_bytes", true, &out, msg), 0);
    assert_string_equal(out.s, "41943040\n");
    assert_int_equal(cgroups_text("box", "memory.events", false, &out, msg), VML_EINVAL);
    assert_int_equal(cgroups_attach((int)getpid(), "box", msg), 0);
    vml_text_free(&out);
    vml_text_free(&notes);
    cgroups_undo();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),     cmocka_unit_test(test_translate),
        cmocka_unit_test(test_v1_source), cmocka_unit_test(test_paths_and_checks),
        cmocka_unit_test(test_v2_tree),   cmocka_unit_test(test_v1_tree),
    };
    int r = cmocka_run_group_tests(tests, setup, teardown);
    host_settings_restore(NULL, 0);
    return r;
}
