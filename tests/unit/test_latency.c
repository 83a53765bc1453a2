/* test_latency.c: the per-process access-latency record (src/proc/latency.c), `show P latency`
 * and `expect P latency FIELD OP VALUE UNIT` (src/scenario), with expectations worked out by
 * hand from the bucket layout (3 sub-bucket bits: values below 16 exact; above, with
 * e = floor(log2 v), bucket 16 + 8 (e - 4) + s holds [(8 + s) 2^(e-3), (9 + s) 2^(e-3))) and
 * from the device presets (test_disk_io.c has their arithmetic).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_buckets(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 16; v++) {
        assert_int_equal(vml_latency_bucket(v), v);
        assert_int_equal(vml_latency_bucket_low((unsigned)v), v);
        assert_int_equal(vml_latency_bucket_high((unsigned)v), v + 1);
    }
    /* 16 and 17: e = 4, s = 0: [16, 18); 18: s = 1. */
    assert_int_equal(vml_latency_bucket(16), 16);
    assert_int_equal(vml_latency_bucket(17), 16);
    assert_int_equal(vml_latency_bucket(18), 17);
    assert_int_equal(vml_latency_bucket_high(16), 18);
    /* 9,209 (a 4 KiB anonymous fault): e = 13, 9209 >> 10 = 8, s = 0: [8192, 9216), bucket
     * 16 + 72 = 88. */
    assert_int_equal(vml_latency_bucket(9209), 88);
    assert_int_equal(vml_latency_bucket_low(88), 8192);
    assert_int_equal(vml_latency_bucket_high(88), 9216);
    /* 20,000,000: e = 24, 20000000 >> 21 = 9, s = 1: [9 << 21, 10 << 21), bucket 16 + 160 + 1. */
    assert_int_equal(vml_latency_bucket(20000000), 177);
    assert_int_equal(vml_latency_bucket_low(177), 18874368);
    assert_int_equal(vml_latency_bucket_high(177), 20971520);
    /* The last bucket: e = 39, s = 7 and everything above. */
    assert_int_equal(vml_latency_bucket((1ull << 40) - 1), 303);
    assert_int_equal(vml_latency_bucket(UINT64_MAX), 303);
    assert_int_equal(vml_latency_bucket_low(303), 15ull << 36);
    assert_int_equal(vml_latency_bucket_high(303), UINT64_MAX);
    assert_int_equal(VML_LAT_BUCKETS, 304);
    /* Buckets tile the values: each starts where the last ended. */
    for (unsigned b = 0; b + 1 < VML_LAT_BUCKETS; b++) {
        assert_int_equal(vml_latency_bucket_high(b), vml_latency_bucket_low(b + 1));
        assert_int_equal(vml_latency_bucket(vml_latency_bucket_low(b)), b);
        assert_int_equal(vml_latency_bucket(vml_latency_bucket_high(b) - 1), b);
    }
}

/* 98 accesses of 10 ns, one of 9,209 ns, one of 20 ms. p50 and p90: the 50th and 90th
 * smallest, 10 (an exact bucket). p99: the ceil(99)-th = 9,209, reported as its bucket's
 * largest value, 9,215. p99.9: the ceil(99.9) = 100th = 20 ms, whose bucket ends at
 * 20,971,519, capped at the largest access seen, 20,000,000. */
static void test_quantiles(void **state)
{
    (void)state;
    struct vml_latency_record r = { 0 };
    assert_int_equal(vml_latency_quantile(&r, 50000), 0);
    for (int i = 0; i < 98; i++)
        vml_latency_add(&r, 1000, 10, false);
    vml_latency_add(&r, 1000, 9209, false);
    vml_latency_add(&r, 1000, 20000000, true);
    assert_int_equal(vml_latency_quantile(&r, 50000), 10);
    assert_int_equal(vml_latency_quantile(&r, 90000), 10);
    assert_int_equal(vml_latency_quantile(&r, 98000), 10);
    assert_int_equal(vml_latency_quantile(&r, 98001), 9215); /* rank ceil(98.001) = 99 */
    assert_int_equal(vml_latency_quantile(&r, 99000), 9215);
    assert_int_equal(vml_latency_quantile(&r, 99900), 20000000);
    assert_int_equal(vml_latency_quantile(&r, 100000), 20000000);
    assert_int_equal(r.max_ns, 20000000);
    assert_int_equal(r.total_ns, 980 + 9209 + 20000000);
    struct vml_text t = { 0 };
    assert_int_equal(vml_proc_format_latency(&r, &t), 0);
    assert_non_null(strstr(t.s, "Accesses:\t100\n"));
    assert_non_null(strstr(t.s, "mean:\t200101 ns\n")); /* 20,010,189 / 100 */
    assert_non_null(strstr(t.s, "p50:\t10 ns\np90:\t10 ns\np99:\t9215 ns\n"));
    assert_non_null(strstr(t.s, "p99.9:\t20000000 ns\nmax:\t20000000 ns\nMajor_faults:\t1\n"));
    assert_non_null(strstr(t.s, "  0 ms .. 1 ms\t1\t1000/s\n"));
    assert_non_null(strstr(t.s, "Trend:\t|#|\n"));
    vml_text_free(&t);
}

/* Major faults by time: 1 ms slots from the first access; past 64 slots they merge in pairs. */
static void test_major_slots(void **state)
{
    (void)state;
    struct vml_latency_record r = { 0 };
    vml_latency_add(&r, 5000000, 100, true);            /* slot 0 */
    vml_latency_add(&r, 5000000 + 500000, 100, true);   /* slot 0 */
    vml_latency_add(&r, 5000000 + 1500000, 100, false); /* slot 1, not major */
    vml_latency_add(&r, 5000000 + 2000000, 100, true);  /* slot 2 */
    vml_latency_add(&r, 5000000 + 63500000, 100, true); /* slot 63 */
    assert_int_equal(r.slot_ns, 1000000);
    assert_int_equal(r.majflt[0], 2);
    assert_int_equal(r.majflt[1], 0);
    assert_int_equal(r.majflt[2], 1);
    assert_int_equal(r.majflt[63], 1);
    struct vml_text t = { 0 };
    assert_int_equal(vml_proc_format_latency(&r, &t), 0);
    /* 2 in 1 ms: 2000/s; the trend: slot 0 the busiest (#), slot 2 at half: (1 x 7 + 1) / 2
     * = 4 ('='), 60 blanks, slot 63 '='. */
    assert_non_null(strstr(t.s, "by 1 ms of simulated"));
    assert_non_null(strstr(t.s, "  0 ms .. 1 ms\t2\t2000/s\n  2 ms .. 3 ms\t1\t1000/s\n"
                                "  63 ms .. 64 ms\t1\t1000/s\nTrend:\t|# ="));
    assert_non_null(
        strstr(t.s, "=                                                            =|\n"));
    vml_text_free(&t);
    /* 64 ms after the first: past the slots: 2 ms each now. */
    vml_latency_add(&r, 5000000 + 64000000, 100, true);
    assert_int_equal(r.slot_ns, 2000000);
    assert_int_equal(r.majflt[0], 2); /* 0 and 1 */
    assert_int_equal(r.majflt[1], 1); /* 2 and 3 */
    assert_int_equal(r.majflt[31], 1);
    assert_int_equal(r.majflt[32], 1);
    for (unsigned i = 33; i < VML_LAT_SLOTS; i++)
        assert_int_equal(r.majflt[i], 0);
    assert_int_equal(r.majors, 5);
    /* An hour later: 3.6e12 ns / 64 slots needs 2^16 ms slots (65.5 s; 2^15 ms is too few). */
    vml_latency_add(&r, 5000000 + 3600000000000ull, 100, true);
    assert_int_equal(r.slot_ns, 1000000ull << 16);
    assert_int_equal(r.majflt[0], 5);
    assert_int_equal(r.majflt[3600000000000ull / (1000000ull << 16)], 1);
}

/* Runs a scenario on the simulator: the number of failed expects, the output in *out. */
static unsigned run(const char *text, char **out)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    if (vml_scenario_parse(text, strlen(text), "t.scn", &s, &d))
        fail_msg("parse: %u:%u %s", d.line, d.col, d.msg);
    struct vml_text o = { 0 }, rep = { 0 };
    struct vml_run_result res = { 0 };
    int r = vml_run_scenario(s, 0, &o, &rep, &res, NULL, &d);
    if (r)
        fail_msg("run: %s (%s)", d.msg, vml_strerror(r));
    if (res.failed)
        print_message("%.*s", (int)rep.len, rep.s ? rep.s : "");
    vml_scenario_free(s);
    *out = o.s ? o.s : calloc(1, 1);
    vml_text_free(&rep);
    return res.failed;
}

/* A cold 1 MiB file read through a private mapping on hdd, page by page (256 accesses):
 *   - the first access faults, major: its read-around window [0, 32) is read synchronously,
 *     after the fault's fixed 5,250 ns: 5,250 + 12,670,000 (seek) + 200,000 + 728,177 =
 *     13,603,427 ns; no other access takes that long, so it is the max;
 *   - fault-around maps 16 pages per fault: 16 faults in all, 240 accesses are TLB work only,
 *     far below 1 us; so p50 and p90 are below 1 us and p99 (the 254th smallest of 256,
 *     rank ceil(253.44)) is a fault's: less than the max;
 *   - one major fault.
 * On nvme the first fault takes 5,250 + 80,000 + 43,690 = 128,940 ns. */
static void test_scenario_expects(void **state)
{
    (void)state;
    char *out;
    unsigned failed = run("machine ram=1G disk=hdd\n"
                          "file create data.bin 1M\n"
                          "proc a\n"
                          "a mmap m 1M file=data.bin private r\n"
                          "a touch m read\n"
                          "expect a latency max == 13603427 ns\n"
                          "expect a latency max < 13604 us\n"
                          "expect a latency max > 13 ms\n"
                          "expect a latency p90 < 1 us\n"
                          "expect a latency p99 < 13603427 ns\n"
                          "expect a latency Accesses == 256\n"
                          "expect a latency Major_faults == 1\n"
                          "expect a faults IO_wait_ns >= 13598177 ns\n"
                          "show a latency\n",
                          &out);
    assert_int_equal(failed, 0);
    assert_non_null(strstr(out, "== latency of "));
    free(out);
    failed = run("machine ram=1G disk=nvme\n"
                 "file create data.bin 1M\n"
                 "proc a\n"
                 "a mmap m 1M file=data.bin private r\n"
                 "a touch m[0:4K] read\n"
                 "expect a latency max == 128940 ns\n"
                 "expect a latency p50 == 128940 ns\n",
                 &out);
    assert_int_equal(failed, 0);
    free(out);
    /* And a failing one fails, naming both values. */
    failed = run("machine ram=1G disk=nvme\n"
                 "file create data.bin 1M\n"
                 "proc a\n"
                 "a mmap m 1M file=data.bin private r\n"
                 "a touch m[0:4K] read\n"
                 "expect a latency p99 < 100 us\n",
                 &out);
    assert_int_equal(failed, 1);
    free(out);
}

static void parse_bad(const char *text, unsigned line, unsigned col, const char *frag)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), VML_EPARSE);
    if (d.line != line || d.col != col || !strstr(d.msg, frag))
        fail_msg("got %u:%u %s; want %u:%u %s", d.line, d.col, d.msg, line, col, frag);
}

static void test_expect_time_units(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    const char *text = "proc a\nexpect a latency p99 < 200 us\nexpect a latency max >= 2 s\n"
                       "expect a latency p50 == 7 ns\nexpect a latency p99.9 <= 3 ms\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), 0);
    assert_int_equal(s->ops[1].u.expect.file, VML_PROCFILE_LATENCY);
    assert_string_equal(s->ops[1].u.expect.field, "p99");
    assert_int_equal(s->ops[1].u.expect.unit, VML_UNIT_NS);
    assert_int_equal(s->ops[1].u.expect.value, 200000);
    assert_int_equal(s->ops[2].u.expect.value, 2000000000);
    assert_int_equal(s->ops[3].u.expect.value, 7);
    assert_int_equal(s->ops[4].u.expect.value, 3000000);
    assert_string_equal(s->ops[4].u.expect.field, "p99.9");
    vml_scenario_free(s);
    parse_bad("proc a\nexpect a latency p99 < 200 hours\n", 2, 28, "unknown unit 'hours'");
    parse_bad("proc a\nexpect a latency p99 < 2K us\n", 2, 27, "already has a unit");
    parse_bad("proc a\nexpect a latency p99 < 18446744073709552 us\n", 2, 24, "too large");
    /* A time compared with a field that is not one is a run error. */
    text = "proc a\na mmap m 4K anon private rw\nexpect a smaps m Rss == 4 us\n";
    assert_int_equal(vml_scenario_parse(text, strlen(text), "t.scn", &s, &d), 0);
    struct vml_text o = { 0 }, rep = { 0 };
    struct vml_run_result res = { 0 };
    assert_int_equal(vml_run_scenario(s, 0, &o, &rep, &res, NULL, &d), VML_EINVAL);
    assert_non_null(strstr(d.msg, "Rss is not a time"));
    vml_scenario_free(s);
    vml_text_free(&o);
    vml_text_free(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buckets),           cmocka_unit_test(test_quantiles),
        cmocka_unit_test(test_major_slots),       cmocka_unit_test(test_scenario_expects),
        cmocka_unit_test(test_expect_time_units),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
