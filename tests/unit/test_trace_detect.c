/* test_trace_detect.c: format and compression names, AUTO detection (content first, then the
 * ChampSim names), standard input, and the errors of opening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/trace.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_names(void **state)
{
    (void)state;
    static const char *const f[] = { "auto", "native", "lackey", "champsim", "plain", "gen" };
    for (int i = 0; i <= VML_TRACE_GEN; i++) {
        enum vml_trace_format out = VML_TRACE_GEN;
        assert_string_equal(vml_trace_format_name((enum vml_trace_format)i), f[i]);
        assert_int_equal(vml_trace_format_parse(f[i], &out), 0);
        assert_int_equal(out, i);
    }
    enum vml_trace_format out = VML_TRACE_PLAIN;
    assert_int_equal(vml_trace_format_parse("Lackey", &out), VML_EINVAL);
    assert_int_equal(vml_trace_format_parse("", &out), VML_EINVAL);
    assert_int_equal(out, VML_TRACE_PLAIN);
    assert_string_equal(vml_trace_format_name((enum vml_trace_format)42), "?");
    assert_string_equal(vml_trace_compress_name(VML_TRACE_RAW), "raw");
    assert_string_equal(vml_trace_compress_name(VML_TRACE_ZSTD), "zstd");
    assert_string_equal(vml_trace_compress_name(VML_TRACE_XZ), "xz");
    assert_string_equal(vml_trace_compress_name(VML_TRACE_GZ), "gz");
}

/* Opens text/bytes under a name with AUTO; returns the format, or the error with msg. */
static int detect(const void *data, size_t len, const char *name, char *msg)
{
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    int err = vml_trace_open_mem(data, len, name, VML_TRACE_AUTO, &r, &d);
    if (err) {
        if (msg)
            strcpy(msg, d.msg);
        assert_string_equal(d.file, name);
        return err;
    }
    int f = (int)vml_trace_reader_format(r);
    vml_trace_close(r);
    return f;
}

static int detect_text(const char *text, const char *name)
{
    return detect(text, strlen(text), name, NULL);
}

static void test_auto_detection(void **state)
{
    (void)state;
    char msg[256];
    /* lackey: records or valgrind's chatter first */
    assert_int_equal(detect_text("==12== Lackey\nI  0401,3\n", "x"), VML_TRACE_LACKEY);
    assert_int_equal(detect_text("\n\nI  04010900,3\n", "x"), VML_TRACE_LACKEY);
    assert_int_equal(detect_text(" S 1ffefffd28,8", "x"), VML_TRACE_LACKEY);
    assert_int_equal(detect_text("--9-- warning\n", "x"), VML_TRACE_LACKEY);
    /* plain: a record, or only comments */
    assert_int_equal(detect_text("0041f7a0 R\n", "x"), VML_TRACE_PLAIN);
    assert_int_equal(detect_text("# c\n\n0x41 w # c\n", "x"), VML_TRACE_PLAIN);
    assert_int_equal(detect_text("# only a comment\n", "x"), VML_TRACE_PLAIN);
    /* content beats the name: course traces are called .trace too */
    assert_int_equal(detect_text("0041f7a0 R\n", "gcc.trace"), VML_TRACE_PLAIN);
    assert_int_equal(detect_text("I  0401,3\n", "ls.trace.gz"), VML_TRACE_LACKEY);
    /* ChampSim only by name (before any .xz/.gz/.zst), binary content */
    uint8_t rec[64] = { 0x00, 0x10, 0x40 };
    const char *cs[] = { "a.champsim",
                         "a.champsimtrace",
                         "a.trace",
                         "A.TRACE.XZ",
                         "a.champsim.gz",
                         "a.trace.zst",
                         "dir.trace/a.champsimtrace.xz" };
    for (unsigned i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
        assert_int_equal(detect(rec, sizeof(rec), cs[i], NULL), VML_TRACE_CHAMPSIM);
    assert_int_equal(detect("", 0, "empty.champsim", NULL), VML_TRACE_CHAMPSIM);
    /* not recognised */
    assert_int_equal(detect(rec, sizeof(rec), "a.bin", msg), VML_EPARSE);
    assert_string_equal(msg,
                        "cannot tell the format: no native magic, and \"\\x00\\x10@\\x00"
                        "\\x00\\x00\\x00\\x00\\x00\\x00\\x00...\" is neither a lackey nor a "
                        "plain line (for ChampSim, name the file .champsim or give the format)");
    assert_int_equal(detect("hello world\n0041f7a0 R\n", 23, "t", msg), VML_EPARSE);
    assert_string_equal(msg, "cannot tell the format: no native magic, and \"hello world\" is "
                             "neither a lackey nor a plain line (for ChampSim, name the file "
                             ".champsim or give the format)");
    assert_int_equal(detect("", 0, "t", msg), VML_EPARSE);
    assert_string_equal(msg, "empty input: cannot tell its format (name the format)");
    assert_int_equal(detect("\n\n", 2, "t", msg), VML_EPARSE);
    /* native by magic, whatever the name */
    assert_int_equal(detect("VMLTRACE\1\0\0\0\x20\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                            32, "x.champsim", NULL),
                     VML_TRACE_NATIVE);
}

static void test_auto_on_fixtures(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum vml_trace_format f;
        enum vml_trace_compress c;
    } fx[] = {
        { "small.vmt", VML_TRACE_NATIVE, VML_TRACE_RAW },
        { "small.vmt.zst", VML_TRACE_NATIVE, VML_TRACE_ZSTD },
        { "small.lackey", VML_TRACE_LACKEY, VML_TRACE_RAW },
        { "small.plain", VML_TRACE_PLAIN, VML_TRACE_RAW },
        { "small.champsim", VML_TRACE_CHAMPSIM, VML_TRACE_RAW },
        { "small.champsim.xz", VML_TRACE_CHAMPSIM, VML_TRACE_XZ },
        { "small.champsim.gz", VML_TRACE_CHAMPSIM, VML_TRACE_GZ },
    };
    for (unsigned i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
        char path[512];
        snprintf(path, sizeof(path), VMLAB_FIXTURES "/trace/%s", fx[i].name);
        struct vml_trace_reader *r;
        struct vml_diag d = { 0 };
        assert_int_equal(vml_trace_open(path, VML_TRACE_AUTO, &r, &d), 0);
        assert_int_equal(vml_trace_reader_format(r), fx[i].f);
        assert_int_equal(vml_trace_reader_compress(r), fx[i].c);
        vml_trace_close(r);
    }
}

static void test_open_errors(void **state)
{
    (void)state;
    struct vml_trace_reader *r = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_trace_open("/nonexistent/t.lackey", VML_TRACE_AUTO, &r, &d), VML_ENOENT);
    assert_string_equal(d.file, "/nonexistent/t.lackey");
    assert_string_equal(d.msg, "cannot open: No such file or directory");
    assert_int_equal(vml_trace_open(VMLAB_FIXTURES "/trace", VML_TRACE_LACKEY, &r, &d), VML_ENOENT);
    assert_string_equal(d.msg, "cannot open: is a directory");
    assert_int_equal(vml_trace_open(VMLAB_FIXTURES "/trace/small.lackey", VML_TRACE_GEN, &r, &d),
                     VML_EINVAL);
    assert_int_equal(vml_trace_open_mem("x", 1, NULL, VML_TRACE_GEN, &r, &d), VML_EINVAL);
    assert_string_equal(d.file, "<memory>");
    assert_int_equal(vml_trace_open_mem("x", 1, NULL, (enum vml_trace_format)99, &r, &d),
                     VML_EINVAL);
    /* A lackey file read as native: the magic is checked at open. */
    assert_int_equal(vml_trace_open(VMLAB_FIXTURES "/trace/small.lackey", VML_TRACE_NATIVE, &r, &d),
                     VML_EPARSE);
    assert_string_equal(d.msg, "not a vmlab native trace: it starts with \"==4242==\", not "
                               "\"VMLTRACE\" at byte offset 0");
    assert_string_equal(d.file, VMLAB_FIXTURES "/trace/small.lackey");
    assert_null(r);
    vml_trace_close(NULL);
}

/* "-" reads standard input (here a fixture file put in its place). */
static void test_stdin(void **state)
{
    (void)state;
    int fd = open(VMLAB_FIXTURES "/trace/small.champsim.gz", O_RDONLY);
    assert_true(fd >= 0);
    int saved = dup(STDIN_FILENO);
    dup2(fd, STDIN_FILENO);
    close(fd);
    struct vml_trace_reader *r;
    struct vml_diag d = { 0 };
    struct vml_trace_rec out[16];
    int err = vml_trace_open("-", VML_TRACE_CHAMPSIM, &r, &d);
    long n = err ? err : vml_trace_read(r, out, 16, &d);
    enum vml_trace_compress c = err ? VML_TRACE_RAW : vml_trace_reader_compress(r);
    if (!err)
        vml_trace_close(r);
    /* closing the reader must leave standard input open */
    int still_open = fcntl(STDIN_FILENO, F_GETFD);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_int_equal(err, 0);
    assert_int_equal(n, 12);
    assert_int_equal(c, VML_TRACE_GZ);
    assert_true(still_open >= 0);
    assert_int_equal(out[0].addr, 0x401000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_auto_detection),
        cmocka_unit_test(test_auto_on_fixtures),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_stdin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
