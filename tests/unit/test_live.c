/* test_live.c: the live scan on a fixed /proc tree (tests/fixtures/live/proc): a normal
 * process, an old kernel without smaps_rollup, a kernel thread, a process that vanished, one
 * whose smaps_rollup does not parse, a zombie and a python3 with 110 mappings (both real 6.18
 * captures); then invariants on the real /proc. */
#include "vmlab/vmlab.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

static void test_fixture(void **state)
{
    (void)state;
    struct vml_live_scan s;
    assert_int_equal(vml_live_scan(VMLAB_FIXTURES "/live/proc", 2, 0, &s), 0);
    assert_int_equal(s.n, 7);
    const struct vml_live_proc *p = s.procs;
    /* 100: smaps_rollup from a real 6.18 capture. */
    assert_int_equal(p[0].pid, 100);
    assert_int_equal(p[0].state, VML_LIVE_OK);
    assert_string_equal(p[0].comm, "dump_formats"); /* the comm file */
    assert_string_equal(p[0].cmdline, "sleep 100");
    assert_int_equal(p[0].rss, 2520 << 10);
    assert_int_equal(p[0].pss, 1203 << 10);
    assert_int_equal(p[0].uss, 1200 << 10);
    assert_int_equal(p[0].vsz, 3564 << 10);
    assert_int_equal(p[0].oom_score, 666);
    /* Its rollup: Anonymous 1124 == Pss_Anon 1124, no anonymous page shared: all 1124 kB
     * private. Pss_Shmem 64 but no status read: whether those are private is unknown. */
    assert_true(p[0].have & VML_LIVE_HAVE_SMAPS);
    assert_false(p[0].have & VML_LIVE_HAVE_SPLIT);
    assert_non_null(p[0].split_why);
    /* 101: no smaps_rollup: the smaps blocks are summed; odd bytes in the command line. */
    assert_int_equal(p[1].state, VML_LIVE_OK);
    struct stat sd;
    assert_int_equal(stat(VMLAB_FIXTURES "/live/proc/101", &sd), 0);
    assert_int_equal(p[1].uid, sd.st_uid);  /* the owner of /proc/PID */
    assert_int_equal(p[1].rss, 1032 << 10); /* smaps's, as PSS and USS */
    assert_int_equal(p[1].uss, 1032 << 10);
    assert_string_equal(p[1].cmdline, "a,\"b\"\nc \xff\xfe arg");
    assert_int_equal(p[1].oom_score_adj, 100);
    /* No oom_score file: not read, not a 0; the reason kept. */
    assert_false(p[1].have & VML_LIVE_HAVE_OOM);
    assert_non_null(strstr(p[1].error, "oom_score"));
    /* 102: a kernel thread; 103: gone; 104: a rollup that does not parse. */
    assert_int_equal(p[2].state, VML_LIVE_KERNEL);
    assert_string_equal(p[2].comm, "kworker/0:1");
    assert_int_equal(p[3].state, VML_LIVE_GONE);
    assert_int_equal(p[4].state, VML_LIVE_BAD);
    assert_non_null(strstr(p[4].error, "smaps_rollup"));
    assert_int_equal(p[4].oom_score_adj, -1000);
    /* 104: statm was read (VSZ, RSS), the rollup not: no PSS, no USS. */
    assert_true(p[4].have & VML_LIVE_HAVE_SIZE);
    assert_false(p[4].have & VML_LIVE_HAVE_SMAPS);
    assert_int_equal(p[4].rss, 630 << 12);
    /* 105: a zombie (stat "Z", flags without PF_KTHREAD), not a kernel thread. */
    assert_int_equal(p[5].state, VML_LIVE_ZOMBIE);
    assert_string_equal(p[5].comm, "python3");
    assert_false(p[5].have & VML_LIVE_HAVE_SIZE);
    /* 106: Pss_Anon 6904 == Anonymous 6904, Pss_Shmem 0: USS 11980 kB = 6904 anon + 5076
     * file + 0 shmem. */
    assert_int_equal(p[6].state, VML_LIVE_OK);
    assert_true(p[6].have & VML_LIVE_HAVE_SPLIT);
    assert_int_equal(p[6].uss, 11980 << 10);
    assert_int_equal(p[6].uss_anon, 6904 << 10);
    assert_int_equal(p[6].uss_file, 5076 << 10);
    assert_int_equal(p[6].uss_shmem, 0);
    assert_int_equal(s.n_state[VML_LIVE_OK], 3);
    assert_int_equal(s.n_state[VML_LIVE_GONE], 1);
    assert_int_equal(s.n_state[VML_LIVE_ZOMBIE], 1);
    assert_int_equal(s.n_state[VML_LIVE_KERNEL], 1);
    vml_live_scan_free(&s);
}

/* --per-mapping reads smaps (here a different capture than the rollup beside it). */
static void test_per_mapping(void **state)
{
    (void)state;
    struct vml_live_scan s;
    assert_int_equal(vml_live_scan(VMLAB_FIXTURES "/live/proc", 1, VML_LIVE_PER_MAPPING, &s), 0);
    assert_int_equal(s.procs[0].pid, 100);
    assert_int_equal(s.procs[0].rss, 1032 << 10);
    assert_int_equal(s.procs[0].pss, 1032 << 10);
    vml_live_scan_free(&s);
}

/* With status: the name, the real uid and the RSS breakdown come from it. */
static void test_with_status(void **state)
{
    (void)state;
    struct vml_live_scan s;
    assert_int_equal(vml_live_scan(VMLAB_FIXTURES "/live/proc", 1, VML_LIVE_STATUS, &s), 0);
    assert_string_equal(s.procs[0].comm, "dump_formats");
    assert_int_equal(s.procs[0].status.rss_anon, 1124);
    assert_int_equal(s.procs[0].status.vm_pte, 44);
    assert_int_equal(s.procs[1].uid, 4242);
    assert_int_equal(s.procs[2].state, VML_LIVE_KERNEL);
    assert_int_equal(s.procs[5].state, VML_LIVE_ZOMBIE); /* status State: Z (zombie) */
    /* 100 with status: RssShmem 64 == Pss_Shmem 64: the shmem pages are private too; USS
     * 1200 = 1124 anon + 64 shmem + 12 file. */
    assert_true(s.procs[0].have & VML_LIVE_HAVE_SPLIT);
    assert_int_equal(s.procs[0].uss_anon, 1124 << 10);
    assert_int_equal(s.procs[0].uss_shmem, 64 << 10);
    assert_int_equal(s.procs[0].uss_file, 12 << 10);
    vml_live_scan_free(&s);
}

static void test_missing_root(void **state)
{
    (void)state;
    struct vml_live_scan s;
    const char *why = NULL;
    assert_int_equal(vml_live_scan("/nonexistent/proc", 1, 0, &s), VML_ENOENT);
    assert_int_equal(s.n, 0);
    assert_int_equal(vml_live_root_check("/nonexistent/proc", &why), VML_ENOENT);
    assert_string_equal(why, "no such directory");
    /* A directory, but no meminfo and no PID directory: not a /proc. */
    assert_int_equal(vml_live_root_check(VMLAB_FIXTURES "/live/sys", &why), VML_ENOENT);
    assert_non_null(strstr(why, "not a proc tree"));
    assert_int_equal(vml_live_root_check(VMLAB_FIXTURES "/live/proc/meminfo", &why), VML_ENOENT);
    assert_string_equal(why, "not a directory");
    assert_int_equal(vml_live_root_check(VMLAB_FIXTURES "/live/proc", &why), 0);
    assert_int_equal(vml_live_root_check("/proc", &why), 0);
}

/* The real /proc: numbers change, so only what must always hold is checked. */
static void test_real_invariants(void **state)
{
    (void)state;
    struct vml_live_scan a, b;
    assert_int_equal(vml_live_scan("/proc", 1, 0, &a), 0);
    assert_int_equal(vml_live_scan("/proc", 4, VML_LIVE_PER_MAPPING, &b), 0);
    assert_true(a.n > 0);
    size_t ok = 0;
    for (size_t i = 0; i < a.n; i++) {
        const struct vml_live_proc *p = &a.procs[i];
        if (i > 0)
            assert_true(p->pid > a.procs[i - 1].pid);
        if (p->state != VML_LIVE_OK)
            continue;
        ok++;
        assert_true(p->uss <= p->pss);
        assert_true(p->pss <= p->rss);
        assert_true(p->swap_pss <= p->swap);
    }
    assert_true(ok > 0); /* at least this test itself */
    vml_live_scan_free(&a);
    vml_live_scan_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),         cmocka_unit_test(test_per_mapping),
        cmocka_unit_test(test_with_status),     cmocka_unit_test(test_missing_root),
        cmocka_unit_test(test_real_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
