/* test_scenario_load.c: vml_scenario_load reads no more than the language's limits (a line of
 * 1 MiB, a text of 16 MiB: docs/scenario.md), from a file or an endless pipe. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes byte c into fd until the reader closes its end; counts what went in. */
struct feeder {
    int fd;
    char c;
    size_t written;
};

static void *feed(void *arg)
{
    struct feeder *f = arg;
    char buf[4096];
    memset(buf, f->c, sizeof(buf));
    for (;;) {
        ssize_t n = write(f->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EPIPE: the loader stopped reading and closed */
        f->written += (size_t)n;
    }
    close(f->fd);
    return NULL;
}

/* Loads from an endless pipe of byte c through /dev/fd/N; returns what the feeder wrote. */
static size_t load_endless(char c, struct vml_diag *d, int *r)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct feeder f = { p[1], c, 0 };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
    char path[32];
    snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
    struct vml_scenario *s = NULL;
    *r = vml_scenario_load(path, &s, d);
    assert_null(s);
    close(p[0]); /* the loader opened its own descriptor; this one ends the feeder */
    pthread_join(t, NULL);
    return f.written;
}

/* An endless line of spaces (no word, no control byte: only the line limit stops it). The
 * loader reads the 1 MiB line and at most one 64 KiB chunk more; the feeder can be ahead by
 * the pipe's buffer (64 KiB by default): a bound of 2 MiB holds with room, where an unlimited
 * read never ends. */
static void test_endless_line(void **state)
{
    (void)state;
    struct vml_diag d = { 0 };
    int r;
    size_t written = load_endless(' ', &d, &r);
    assert_int_equal(r, VML_EPARSE);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 1048577); /* the first byte past 1 MiB */
    assert_non_null(strstr(d.msg, "longer than 1048576 bytes"));
    assert_true(written < (2u << 20));
}

/* /dev/zero's first byte is a NUL: the control-byte error at 1:1, as for a whole read. */
static void test_endless_nul(void **state)
{
    (void)state;
    struct vml_diag d = { 0 };
    struct vml_scenario *s = NULL;
    assert_int_equal(vml_scenario_load("/dev/zero", &s, &d), VML_EPARSE);
    assert_null(s);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, 1);
    assert_non_null(strstr(d.msg, "control byte 0x00"));
}

static char *write_temp(const char *text, size_t len)
{
    char *path = strdup("/tmp/vmlab-load-XXXXXX");
    assert_non_null(path);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

/* A line of exactly 1 MiB (a comment after a statement) loads; one more byte does not. CRLF:
 * the CR is not counted. */
static void test_line_limit_exact(void **state)
{
    (void)state;
    enum { MAX = 1 << 20 };
    char *text = malloc(MAX + 3);
    assert_non_null(text);
    memcpy(text, "proc a #", 8);
    memset(text + 8, 'x', MAX - 8); /* bytes 1..MAX of line 1 */
    memcpy(text + MAX, "\r\n", 2);
    char *path = write_temp(text, MAX + 2);
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_load(path, &s, &d), 0);
    assert_non_null(s);
    assert_int_equal(s->n_ops, 1);
    vml_scenario_free(s);
    unlink(path);
    free(path);

    text[MAX] = 'x'; /* MAX + 1 bytes, then "\n" */
    text[MAX + 1] = '\n';
    path = write_temp(text, MAX + 2);
    s = NULL;
    assert_int_equal(vml_scenario_load(path, &s, &d), VML_EPARSE);
    assert_int_equal(d.line, 1);
    assert_int_equal(d.col, MAX + 1);
    unlink(path);
    free(path);
    free(text);
}

/* 16 MiB of 16-byte comment lines is the limit; one line more is past it, named at the line
 * holding byte 16 MiB + 1: 16 MiB / 16 = 1048576 lines, so line 1048577, column 1. */
static void test_text_limit(void **state)
{
    (void)state;
    size_t n = (size_t)16 << 20;
    char *text = malloc(n + 16);
    assert_non_null(text);
    for (size_t i = 0; i < n + 16; i += 16)
        memcpy(text + i, "# fifteen bytes\n", 16);
    char *path = write_temp(text, n);
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_load(path, &s, &d), 0);
    vml_scenario_free(s);
    unlink(path);
    free(path);
    path = write_temp(text, n + 16);
    s = NULL;
    assert_int_equal(vml_scenario_load(path, &s, &d), VML_EPARSE);
    assert_int_equal(d.line, 1048577);
    assert_int_equal(d.col, 1);
    assert_non_null(strstr(d.msg, "16777216 bytes"));
    unlink(path);
    free(path);
    free(text);
}

static void test_missing(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_load("/nonexistent/x.vml", &s, &d), VML_ENOENT);
    assert_string_equal(d.msg, "No such file or directory");
    assert_int_equal(vml_scenario_load("/tmp", &s, &d), VML_ENOENT);
    assert_string_equal(d.msg, "Is a directory");
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endless_line),     cmocka_unit_test(test_endless_nul),
        cmocka_unit_test(test_line_limit_exact), cmocka_unit_test(test_text_limit),
        cmocka_unit_test(test_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
