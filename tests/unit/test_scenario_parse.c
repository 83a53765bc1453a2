/* test_scenario_parse.c: the scenario language's parser: every statement, every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmlab/vmlab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROC_A "proc a\na mmap buf 64M anon private rw\n" /* lines 1-2 */

static struct vml_scenario *ok_len(const char *text, size_t len)
{
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    int r = vml_scenario_parse(text, len, "t.scn", &s, &d);
    if (r != 0)
        fail_msg("unexpected error %d at %u:%u: %s\n--\n%s", r, d.line, d.col, d.msg, text);
    assert_non_null(s);
    return s;
}

static struct vml_scenario *ok(const char *text)
{
    return ok_len(text, strlen(text));
}

/* The last operation of a scenario that must parse (the scenario is kept in *keep). */
static const struct vml_op *last(const char *text, struct vml_scenario **keep)
{
    *keep = ok(text);
    assert_true((*keep)->n_ops > 0);
    return &(*keep)->ops[(*keep)->n_ops - 1];
}

static void bad_len(const char *text, size_t len, unsigned line, unsigned col, const char *frag)
{
    struct vml_scenario *s = (struct vml_scenario *)1;
    struct vml_diag d = { 0 };
    int r = vml_scenario_parse(text, len, "t.scn", &s, &d);
    if (r != VML_EPARSE)
        fail_msg("want a parse error, got %d\n--\n%s", r, text);
    assert_null(s);
    assert_string_equal(d.file, "t.scn");
    if (d.line != line || d.col != col)
        fail_msg("error at %u:%u, want %u:%u (%s)\n--\n%s", d.line, d.col, line, col, d.msg, text);
    if (!strstr(d.msg, frag))
        fail_msg("message '%s' lacks '%s'\n--\n%s", d.msg, frag, text);
}

static void bad(const char *text, unsigned line, unsigned col, const char *frag)
{
    bad_len(text, strlen(text), line, col, frag);
}

static void test_empty_and_comments(void **state)
{
    (void)state;
    struct vml_scenario *s = ok("");
    assert_int_equal(s->n_ops, 0);
    assert_false(s->has_machine);
    assert_int_equal(s->machine_line, 0);
    assert_int_equal(s->machine.ram_bytes, VML_SCN_DEFAULT_RAM);
    assert_int_equal(s->machine.nr_nodes, 1);
    assert_int_equal(s->machine.paging_levels, 4);
    assert_int_equal(s->machine.nr_cpus, 1);
    assert_int_equal(s->machine.thp.enabled, VML_THP_MADVISE);
    assert_int_equal(s->machine.given, 0);
    assert_string_equal(s->machine.cpu, "");
    assert_string_equal(s->file, "t.scn");
    vml_scenario_free(s);

    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse(NULL, 0, NULL, &s, &d), 0);
    assert_null(s->file);
    assert_int_equal(s->n_ops, 0);
    vml_scenario_free(s);
    vml_scenario_free(NULL);

    s = ok("# comment\n\n   \t\n#\n\t \t# indented comment\n");
    assert_int_equal(s->n_ops, 0);
    vml_scenario_free(s);

    /* CRLF, a final CR without LF, tabs, comments glued to words, no final newline. */
    s = ok("proc a\r\n\r\n# c\r\n\ta  mmap\tbuf 4K anon private rw#comment\r\n  a exit\r");
    assert_int_equal(s->n_ops, 3);
    assert_int_equal(s->ops[0].line, 1);
    assert_int_equal(s->ops[0].col, 1);
    assert_int_equal(s->ops[1].line, 4);
    assert_int_equal(s->ops[1].col, 2);
    assert_string_equal(s->ops[1].u.mmap.map, "buf");
    assert_int_equal(s->ops[1].u.mmap.prot, VML_PROT_READ | VML_PROT_WRITE);
    assert_int_equal(s->ops[2].line, 5);
    assert_int_equal(s->ops[2].col, 3);
    assert_int_equal(s->ops[2].kind, VML_OP_EXIT);
    vml_scenario_free(s);
}

static void test_lexer_errors(void **state)
{
    (void)state;
    bad_len("proc a\0", 7, 1, 7, "control byte 0x00");
    bad("proc a\x01", 1, 7, "control byte 0x01");
    bad("proc a\x7f", 1, 7, "control byte 0x7f");
    bad("proc a\rb\n", 1, 7, "carriage return");
    bad("proc a\n\fproc b", 2, 1, "control byte 0x0c");
    /* Anything goes in a comment. */
    struct vml_scenario *s = ok("proc a # \x01\x7f\r\xff\n");
    vml_scenario_free(s);

    char line[400];
    memset(line, 'a', sizeof(line));
    memcpy(line, "proc ", 5);
    line[sizeof(line) - 1] = 0;
    bad(line, 1, 6, "word of 394 bytes is too long (at most 255)");
    /* A 255-byte word is fine as far as the lexer goes: here a cpu spec. */
    char m[300];
    snprintf(m, sizeof(m), "machine ram=1G cpu=%0251d\n", 7);
    assert_int_equal(strlen(m), 15 + 255 + 1);
    s = ok(m);
    assert_int_equal(strlen(s->machine.cpu), 251);
    vml_scenario_free(s);
    snprintf(m, sizeof(m), "machine ram=1G cpu=%0252d\n", 7);
    bad(m, 1, 16, "too long (at most 255)");

    /* Lines of any length: a long comment, words far to the right. */
    size_t cap = 200000, n = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    t[n++] = '#';
    memset(t + n, 'x', 99998);
    n += 99998;
    memcpy(t + n, "\nproc", 5);
    n += 5;
    memset(t + n, '\t', 50000);
    n += 50000;
    memcpy(t + n, "a\na", 3); /* the 'a' of proc a is column 50005 */
    n += 3;
    s = ok_len(t, n - 2);
    assert_int_equal(s->n_ops, 1);
    assert_string_equal(s->ops[0].proc, "a");
    assert_int_equal(s->ops[0].line, 2);
    vml_scenario_free(s);
    bad_len(t, n, 3, 2, "missing an operation after process 'a'");
    memcpy(t + n, " frob", 5);
    bad_len(t, n + 5, 3, 3, "unknown operation 'frob'");
    t[n - 3] = '!';
    bad_len(t, n, 2, 50005, "'!' is not a valid process name");
    free(t);

    bad(PROC_A "a mmap b 1 anon private rw x x x x x x x x x x x x x x x x", 3, 28,
        "unknown mmap option 'x'");
    bad("proc a\na exit x x x x x x x x x x x x x x x x x x", 2, 8, "unexpected 'x'");
}

static void test_machine(void **state)
{
    (void)state;
    struct vml_scenario *s = ok("# header\nmachine swap=2G thp=always seed=0x2a cpus=4 paging=5 "
                                "cpu=zen3:l1d.4k=64x4 nodes=2 ram=16G\nproc a\n");
    const struct vml_machine_cfg *m = &s->machine;
    assert_true(s->has_machine);
    assert_int_equal(s->machine_line, 2);
    assert_int_equal(m->ram_bytes, 16 * VML_GiB);
    assert_int_equal(m->nr_nodes, 2);
    assert_string_equal(m->cpu, "zen3:l1d.4k=64x4");
    assert_int_equal(m->paging_levels, 5);
    assert_int_equal(m->nr_cpus, 4);
    assert_int_equal(m->seed, 42);
    assert_int_equal(m->thp.enabled, VML_THP_ALWAYS);
    assert_int_equal(m->swap_bytes, 2 * VML_GiB);
    assert_int_equal(m->given, 0xff);
    assert_int_equal(s->n_ops, 1);
    vml_scenario_free(s);

    s = ok("machine ram=2M thp=never\n");
    assert_int_equal(s->machine.ram_bytes, 2 * VML_MiB);
    assert_int_equal(s->machine.thp.enabled, VML_THP_NEVER);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_THP);
    assert_int_equal(s->machine.nr_nodes, 1);
    vml_scenario_free(s);
    s = ok("machine ram=8T nodes=8 thp=madvise swap=0\n");
    assert_int_equal(s->machine.ram_bytes, 8 * VML_TiB);
    assert_false(s->machine.no_zero_page);
    vml_scenario_free(s);
    s = ok("machine ram=1G zero_page=off\n");
    assert_true(s->machine.no_zero_page);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_ZERO_PAGE);
    vml_scenario_free(s);
    s = ok("machine ram=1G zero_page=on\n");
    assert_false(s->machine.no_zero_page);
    vml_scenario_free(s);
    bad("machine ram=1G zero_page=maybe", 1, 26, "zero_page must be on or off, not 'maybe'");
    s = ok("machine ram=1G\n");
    assert_false(s->machine.no_pt_reclaim); /* CONFIG_PT_RECLAIM, as x86-64 6.18 ships it */
    vml_scenario_free(s);
    s = ok("machine ram=1G pt_reclaim=off\n");
    assert_true(s->machine.no_pt_reclaim);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_PT_RECLAIM);
    vml_scenario_free(s);
    s = ok("machine pt_reclaim=on ram=1G\n");
    assert_false(s->machine.no_pt_reclaim);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_PT_RECLAIM);
    vml_scenario_free(s);
    bad("machine ram=1G pt_reclaim=yes", 1, 27, "pt_reclaim must be on or off, not 'yes'");
    bad("machine ram=1G pt_reclaim=", 1, 27, "pt_reclaim must be on or off, not ''");
    bad("machine ram=1G pt_reclaim=off pt_reclaim=on", 1, 31, "'pt_reclaim' given twice");
    s = ok("machine ram=1G\n");
    assert_int_equal(s->machine.readahead_bytes, 128 * 1024); /* VM_READAHEAD_PAGES */
    vml_scenario_free(s);
    s = ok("machine ram=1G readahead=8M\n");
    assert_int_equal(s->machine.readahead_bytes, 8 << 20);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_READAHEAD);
    vml_scenario_free(s);
    s = ok("machine ram=1G readahead=0\n");
    assert_int_equal(s->machine.readahead_bytes, 0);
    vml_scenario_free(s);
    bad("machine ram=1G readahead=6K", 1, 26, "readahead=6K: use a multiple of 4K up to 1G");
    bad("machine ram=1G readahead=2G", 1, 26, "readahead=2G: use a multiple of 4K up to 1G");

    s = ok("machine ram=4G hugepages=2M:64,1g:2\n");
    assert_int_equal(s->machine.hugepages[VML_HUGE_2M], 64);
    assert_int_equal(s->machine.hugepages[VML_HUGE_1G], 2);
    assert_int_equal(s->machine.hugepages_given, 3);
    assert_int_equal(s->machine.given, VML_MCFG_RAM | VML_MCFG_HUGEPAGES);
    vml_scenario_free(s);
    s = ok("machine hugepages=2097152:0 ram=2M\n");
    assert_int_equal(s->machine.hugepages[VML_HUGE_2M], 0);
    assert_int_equal(s->machine.hugepages_given, 1u << VML_HUGE_2M);
    vml_scenario_free(s);
    s = ok("machine ram=4M hugepages=2M:2\n");
    assert_int_equal(s->machine.hugepages[VML_HUGE_2M], 2);
    vml_scenario_free(s);
    bad("machine ram=1G hugepages=", 1, 26, "missing pool sizes after hugepages=");
    bad("machine ram=1G hugepages=2M", 1, 26, "expected SIZE:COUNT, not '2M'");
    bad("machine ram=1G hugepages=4M:1", 1, 26, "huge pages are 2M or 1G, not '4M'");
    bad("machine ram=1G hugepages=2M:1,2M:2", 1, 31, "hugepages: 2M given twice");
    bad("machine ram=1G hugepages=2M:x", 1, 29, "hugepages count: expected a decimal number");
    bad("machine ram=1G hugepages=2M:1,", 1, 31, "expected SIZE:COUNT, not ''");
    bad("machine ram=4M hugepages=2M:3", 1, 26, "hugepages need more than ram=4194304 bytes");
    bad("machine ram=2G hugepages=1G:2,2M:1", 1, 26, "hugepages need more than ram");
    bad("machine ram=2G hugepages=2M:18446744073709551615", 1, 26, "hugepages need more");

    bad("proc a\nmachine ram=1G", 2, 1, "must come before every operation (line 1 has 'proc')");
    bad("machine ram=1G\n# x\nmachine ram=2G", 3, 1, "second machine line (the first is line 1)");
    bad("machine nodes=2", 1, 16, "missing ram=SIZE");
    bad("machine", 1, 8, "missing ram=SIZE");
    bad("machine ram=1G ram=2G", 1, 16, "'ram' given twice");
    bad("machine ram=1G foo=1", 1, 16, "unknown machine setting 'foo' (use ram, nodes");
    bad("machine ram=1G bar", 1, 16, "expected KEY=VALUE, not 'bar'");
    bad("machine ram=12Q", 1, 15, "ram: unknown size suffix 'Q'");
    bad("machine ram=", 1, 13, "ram: expected a size");
    bad("machine ram=3M", 1, 13, "multiple of 2M from 2M to 8T");
    bad("machine ram=0", 1, 13, "multiple of 2M from 2M to 8T");
    bad("machine ram=16T", 1, 13, "multiple of 2M from 2M to 8T");
    bad("machine ram=99999999999999999999", 1, 13, "too large");
    bad("machine ram=4M nodes=4", 1, 13, "too small for 4 nodes");
    bad("machine ram=1G nodes=9", 1, 22, "nodes must be 1..8, not 9");
    bad("machine ram=1G nodes=0", 1, 22, "nodes must be 1..8, not 0");
    bad("machine ram=1G nodes=x", 1, 22, "nodes: expected a decimal number");
    bad("machine ram=1G cpu=", 1, 20, "missing CPU spec");
    bad("machine ram=1G paging=3", 1, 23, "paging must be 4 (48-bit) or 5 (57-bit), not '3'");
    bad("machine ram=1G cpus=257", 1, 21, "cpus must be 1..256");
    bad("machine ram=1G seed=-1", 1, 21, "seed: expected a decimal number");
    bad("machine ram=1G seed=18446744073709551616", 1, 21, "too large");
    bad("machine ram=1G thp=yes", 1, 20,
        "thp: 'yes' is refused (EINVAL, as the kernel's); write always, madvise or never");
    bad("machine ram=1G swap=1000", 1, 21, "swap must be a multiple of 4K");
}

static void test_proc(void **state)
{
    (void)state;
    struct vml_scenario *s = ok("proc a\nproc _B-2\nproc abcdefghijabcdefghijabcdefghij1\n");
    assert_int_equal(s->n_ops, 3);
    assert_int_equal(s->ops[0].kind, VML_OP_PROC);
    assert_string_equal(s->ops[0].proc, "a");
    assert_string_equal(s->ops[1].proc, "_B-2");
    assert_string_equal(s->ops[2].proc, "abcdefghijabcdefghijabcdefghij1");
    vml_scenario_free(s);

    bad("proc", 1, 5, "missing the process name (usage: proc NAME)");
    bad("proc a b", 1, 8, "unknown process option 'b' (use membind=");
    bad("proc 1a", 1, 6, "'1a' is not a valid process name");
    bad("proc a.b", 1, 7, "'a.b' is not a valid process name");
    bad("proc abcdefghijabcdefghijabcdefghij12", 1, 6, "too long (32 bytes; at most 31)");
    bad("proc a\nproc a", 2, 6, "process 'a' already exists (created at line 1)");
    bad("proc a\na exit\nproc a", 3, 6, "existed until line 2; process names cannot be reused");
    const char *const reserved[] = { "machine",  "proc",     "file",   "cpu", "show",
                                     "expect",   "meminfo",  "vmstat", "set", "buddyinfo",
                                     "zoneinfo", "numastat", "thp" };
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        char t[64];
        snprintf(t, sizeof(t), "proc %s", reserved[i]);
        bad(t, 1, 6, "reserved word");
    }
    /* Per-process file names are not reserved. */
    s = ok("proc maps\nshow maps status\n");
    vml_scenario_free(s);
}

static void test_statement_errors(void **state)
{
    (void)state;
    bad("c touch buf read", 1, 1, "no process 'c' (create it with 'proc c')");
    bad("1c touch buf read", 1, 1, "no process '1c'");
    bad("foo", 1, 1, "unknown statement 'foo' (a line starts with machine, proc");
    bad("foo bar", 1, 1, "unknown statement 'foo'");
    bad("proc a\na", 2, 2, "missing an operation after process 'a' (use mmap");
    bad("proc a\na frob", 2, 3, "unknown operation 'frob' (use mmap");
    bad("proc a\na exit\na exit", 3, 1, "process 'a' exited at line 2");
    bad("proc a\na exit\nshow a status", 3, 6, "exited at line 2");
    bad("proc a\na exit\nexpect a alive", 3, 8, "exited at line 2");
    bad("proc a\na exit\na fork b", 3, 1, "exited at line 2");
    bad("proc a\nMMAP", 2, 1, "unknown statement 'MMAP'");
}

static void test_mmap(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_op *op = last(PROC_A, &s);
    const struct vml_op_mmap *m = &op->u.mmap;
    assert_int_equal(op->kind, VML_OP_MMAP);
    assert_int_equal(op->line, 2);
    assert_string_equal(op->proc, "a");
    assert_string_equal(m->map, "buf");
    assert_int_equal(m->len, 64 * VML_MiB);
    assert_int_equal(m->backing, VML_BACKING_ANON);
    assert_string_equal(m->object, "");
    assert_false(m->shared);
    assert_int_equal(m->prot, VML_PROT_READ | VML_PROT_WRITE);
    assert_int_equal(m->flags, 0);
    assert_int_equal(m->addr, 0);
    assert_int_equal(m->offset, 0);
    vml_scenario_free(s);

    op = last("file create lib/libc.so.6 2M\nproc a\n"
              "a mmap text 0x1001 file=lib/libc.so.6 shared r-x offset=8K populate noreserve\n",
              &s);
    m = &op->u.mmap;
    assert_int_equal(m->len, 0x1001);
    assert_int_equal(m->backing, VML_BACKING_FILE);
    assert_string_equal(m->object, "lib/libc.so.6");
    assert_true(m->shared);
    assert_int_equal(m->prot, VML_PROT_READ | VML_PROT_EXEC);
    assert_int_equal(m->offset, 8192);
    assert_int_equal(m->flags, VML_MMAP_POPULATE | VML_MMAP_NORESERVE);
    vml_scenario_free(s);

    op = last("proc a\na mmap s 4K memfd=shm-0 shared none at=0x7f0000000000 fixed\n", &s);
    m = &op->u.mmap;
    assert_int_equal(m->backing, VML_BACKING_MEMFD);
    assert_string_equal(m->object, "shm-0");
    assert_int_equal(m->prot, 0);
    assert_int_equal(m->addr, 0x7f0000000000ull);
    assert_int_equal(m->flags, VML_MMAP_AT | VML_MMAP_FIXED);
    vml_scenario_free(s);

    op = last("proc a\na mmap s 4K anon shared rwx at=64T noreplace\n", &s);
    assert_int_equal(op->u.mmap.flags, VML_MMAP_AT | VML_MMAP_NOREPLACE);
    assert_int_equal(op->u.mmap.addr, 64 * VML_TiB);
    vml_scenario_free(s);
    op = last("proc a\na mmap s 4K anon shared rwx at=0x1234\n", &s);
    assert_int_equal(op->u.mmap.flags, VML_MMAP_AT);
    vml_scenario_free(s);

    bad("proc a\na mmap", 2, 7, "missing the mapping name (usage: P mmap MAP SIZE");
    bad("proc a\na mmap buf", 2, 11, "missing the size");
    bad("proc a\na mmap 9buf 4K anon private rw", 2, 8, "not a valid mapping name");
    bad("proc a\na mmap buf 0 anon private rw", 2, 12, "at least 1 byte");
    bad("proc a\na mmap buf 4X anon private rw", 2, 13, "mapping size: unknown size suffix 'X'");
    bad("proc a\na mmap buf 4K", 2, 14, "missing anon, file=NAME or memfd=NAME");
    bad("proc a\na mmap buf 4K anonx private rw", 2, 15, "unknown mapping kind 'anonx'");
    bad("proc a\na mmap buf 4K file=x private rw", 2, 20,
        "no file 'x' (create it with 'file "
        "create x SIZE')");
    bad("proc a\na mmap buf 4K file= private rw", 2, 20, "missing file name");
    bad("proc a\na mmap buf 4K memfd=1x shared rw", 2, 21, "not a valid memfd name");
    bad("proc a\na mmap buf 4K memfd= shared rw", 2, 21, "missing memfd name");
    bad("proc a\na mmap buf 4K anon", 2, 19, "missing private or shared");
    bad("proc a\na mmap buf 4K anon priv rw", 2, 20, "expected private or shared, not 'priv'");
    bad("proc a\na mmap buf 4K anon private", 2, 27, "missing the protection");
    bad(PROC_A "a mmap buf 4K anon private rw", 3, 8,
        "process 'a' already has a mapping 'buf' (line 2)");
    bad("proc a\na mmap buf 4K anon private rw fixed", 2, 31, "need an address: add at=ADDR");
    bad("proc a\na mmap buf 4K anon private rw noreplace", 2, 31, "need an address");
    bad("proc a\na mmap buf 4K anon private rw at=1 fixed noreplace", 2, 42,
        "fixed and noreplace exclude each other");
    bad("proc a\na mmap buf 4K anon private rw at=1 at=2", 2, 36, "option 'at' given twice");
    bad("proc a\na mmap buf 4K anon private rw at=", 2, 34, "at: expected a size");
    bad("proc a\na mmap buf 4K anon private rw populate populate", 2, 40,
        "option 'populate' given twice");
    bad("proc a\na mmap buf 4K anon private rw offset=4K", 2, 31,
        "offset= is for file= and memfd= mappings");
    bad("proc a\na mmap buf 4K memfd=m shared rw offset=100", 2, 40, "not a multiple of 4K");
    bad("proc a\na mmap buf 4K memfd=m shared rw offset=0 offset=0", 2, 42,
        "option 'offset' given twice");
    op = last("proc a\na mmap h 3M anon shared rw huge=2M noreserve\n", &s);
    assert_int_equal(op->u.mmap.huge_shift, 21);
    assert_int_equal(op->u.mmap.flags, VML_MMAP_NORESERVE);
    vml_scenario_free(s);
    op = last("proc a\na mmap h 1G anon private rw huge=1G\n", &s);
    assert_int_equal(op->u.mmap.huge_shift, 30);
    vml_scenario_free(s);
    bad("proc a\na mmap buf 4K anon private rw huge=4K", 2, 36,
        "huge pages are 2M or 1G, not '4K'");
    bad("proc a\na mmap buf 4K anon private rw huge=2M huge=2M", 2, 39,
        "option 'huge' given twice");
    bad("proc a\na mmap buf 4K memfd=m shared rw huge=2M", 2, 33, "huge= is for anon mappings");
    bad("proc a\na mmap buf 4K anon private rw bogus", 2, 31, "unknown mmap option 'bogus'");
    bad("proc a\na mmap buf 4K anon private rw node=1", 2, 31, "unknown mmap option 'node=1'");
}

static unsigned prot_of(const char *p)
{
    char t[80];
    struct vml_scenario *s;
    snprintf(t, sizeof(t), "proc a\na mmap m 4K anon private %s\n", p);
    unsigned v = last(t, &s)->u.mmap.prot;
    vml_scenario_free(s);
    return v;
}

static void test_prot(void **state)
{
    (void)state;
    const unsigned R = VML_PROT_READ, W = VML_PROT_WRITE, X = VML_PROT_EXEC;
    assert_int_equal(prot_of("none"), 0);
    assert_int_equal(prot_of("---"), 0);
    assert_int_equal(prot_of("r"), R);
    assert_int_equal(prot_of("w"), W);
    assert_int_equal(prot_of("x"), X);
    assert_int_equal(prot_of("rw"), R | W);
    assert_int_equal(prot_of("wr"), R | W);
    assert_int_equal(prot_of("xr"), R | X);
    assert_int_equal(prot_of("rwx"), R | W | X);
    assert_int_equal(prot_of("xwr"), R | W | X);
    assert_int_equal(prot_of("rw-"), R | W);
    assert_int_equal(prot_of("r-x"), R | X);
    assert_int_equal(prot_of("--x"), X);
    assert_int_equal(prot_of("-w-"), W);
    bad("proc a\na mmap m 4K anon private rwr", 2, 28, "protection 'rwr' has 'r' twice");
    bad("proc a\na mmap m 4K anon private wr-", 2, 26, "bad protection 'wr-'");
    bad("proc a\na mmap m 4K anon private rwxr", 2, 26, "bad protection 'rwxr'");
    bad("proc a\na mmap m 4K anon private rwz", 2, 28, "bad protection 'rwz' (use none");
    bad("proc a\na mmap m 4K anon private -", 2, 26, "bad protection '-'");
    bad("proc a\na mmap m 4K anon private R", 2, 26, "bad protection 'R'");
    bad("proc a\na mmap m 4K anon private NONE", 2, 26, "bad protection 'NONE'");
}

static const struct vml_range *range_of(const char *r, struct vml_scenario **s)
{
    char t[160];
    snprintf(t, sizeof(t), PROC_A "a munmap %s\n", r);
    return &last(t, s)->u.range;
}

static void test_ranges(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_range *r = range_of("buf", &s);
    assert_string_equal(r->name, "buf");
    assert_false(r->has_start);
    assert_false(r->has_end);
    assert_int_equal(r->col, 10);
    vml_scenario_free(s);
    r = range_of("buf[16M:]", &s);
    assert_true(r->has_start);
    assert_false(r->has_end);
    assert_int_equal(r->start, 16 * VML_MiB);
    assert_int_equal(r->end, 0);
    vml_scenario_free(s);
    r = range_of("buf[:4K]", &s);
    assert_false(r->has_start);
    assert_true(r->has_end);
    assert_int_equal(r->end, 4096);
    vml_scenario_free(s);
    r = range_of("buf[0:0x2000]", &s);
    assert_true(r->has_start && r->has_end);
    assert_int_equal(r->start, 0);
    assert_int_equal(r->end, 8192);
    vml_scenario_free(s);
    r = range_of("buf[:]", &s);
    assert_false(r->has_start || r->has_end);
    vml_scenario_free(s);
    r = range_of("buf[1:2]", &s); /* alignment is the executor's to check */
    assert_int_equal(r->start, 1);
    vml_scenario_free(s);

    bad(PROC_A "a munmap buf[8K:4K]", 3, 14, "empty range 'buf[8K:4K]'");
    bad(PROC_A "a munmap buf[4K:4K]", 3, 14, "the start must be below the end");
    bad(PROC_A "a munmap buf[0:4K", 3, 18, "missing ']' at the end of 'buf[0:4K'");
    bad(PROC_A "a munmap buf[0:4K]x", 3, 19, "unexpected 'x' after ']'");
    bad(PROC_A "a munmap buf[4K]", 3, 14, "missing ':' in 'buf[4K]'");
    bad(PROC_A "a munmap buf[]", 3, 14, "missing ':'");
    bad(PROC_A "a munmap buf[:4Q]", 3, 16, "range end: unknown size suffix 'Q'");
    bad(PROC_A "a munmap buf[x:]", 3, 14, "range start: expected a decimal number");
    bad(PROC_A "a munmap buf[99999999999999999999:]", 3, 14, "range start: number");
    bad(PROC_A "a munmap buf[16E:]", 3, 14, "too large");
    bad(PROC_A "a munmap [0:4K]", 3, 10, "missing mapping name before '['");
    bad(PROC_A "a munmap buf(0:4K)", 3, 13, "not a valid mapping name");
    bad(PROC_A "a munmap bug", 3, 10,
        "process 'a' has no mapping 'bug' (create it with 'a mmap bug SIZE anon private rw')");
    bad(PROC_A "a munmap", 3, 9, "missing the mapping (MAP or MAP[START:END])");
}

static void test_range_ops(void **state)
{
    (void)state;
    struct vml_scenario *s =
        ok(PROC_A "a mprotect buf[4K:8K] r\na madvise buf[:1M] dontneed\na mlock buf\n"
                  "a munlock buf[4K:]\na munmap buf[0:4K]\na touch buf read\na munmap buf\n"
                  "a mmap buf 8K anon private r\n");
    assert_int_equal(s->n_ops, 10);
    const struct vml_op *op = &s->ops[2];
    assert_int_equal(op->kind, VML_OP_MPROTECT);
    assert_string_equal(op->u.mprotect.range.name, "buf");
    assert_int_equal(op->u.mprotect.range.start, 4096);
    assert_int_equal(op->u.mprotect.prot, VML_PROT_READ);
    op = &s->ops[3];
    assert_int_equal(op->kind, VML_OP_MADVISE);
    assert_int_equal(op->u.madvise.advice, VML_ADV_DONTNEED);
    assert_int_equal(op->u.madvise.range.end, VML_MiB);
    assert_int_equal(s->ops[4].kind, VML_OP_MLOCK);
    assert_string_equal(s->ops[4].u.range.name, "buf");
    assert_int_equal(s->ops[5].kind, VML_OP_MUNLOCK);
    assert_int_equal(s->ops[5].u.range.start, 4096);
    assert_int_equal(s->ops[6].kind, VML_OP_MUNMAP);
    assert_true(s->ops[6].u.range.has_end);
    assert_int_equal(s->ops[8].kind, VML_OP_MUNMAP);
    assert_int_equal(s->ops[9].kind, VML_OP_MMAP);
    assert_int_equal(s->ops[9].line, 10);
    vml_scenario_free(s);

    /* munmap of the bare name forgets it; a bracketed range, even a whole one, does not. */
    bad(PROC_A "a munmap buf\na touch buf read", 4, 9,
        "mapping 'buf' of process 'a' was unmapped at line 3");
    bad(PROC_A "a munmap buf[:]\na mmap buf 4K anon private rw", 4, 8, "already has a mapping");
    bad(PROC_A "a mprotect buf", 3, 15, "missing the protection");
    bad(PROC_A "a mprotect buf rwz", 3, 18, "bad protection");
    bad(PROC_A "a mprotect buf r w", 3, 18, "unexpected 'w' after the end of mprotect");
    bad(PROC_A "a madvise buf", 3, 14,
        "missing the advice (dontneed, hugepage, nohugepage, collapse, cold or pageout)");
    bad(PROC_A "a madvise buf free", 3, 15,
        "unknown advice 'free' (use dontneed, hugepage, nohugepage, collapse, cold or pageout)");
    bad(PROC_A "a madvise buf Hugepage", 3, 15, "unknown advice 'Hugepage'");
    bad(PROC_A "a madvise buf hugepage x", 3, 24, "unexpected 'x' after the end of madvise");
    bad(PROC_A "a mlock buf[0:4K] x", 3, 19, "unexpected 'x' after the end of mlock");
    bad(PROC_A "a munlock nope", 3, 11, "no mapping 'nope'");
}

static void test_touch(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_op *op = last(PROC_A "a touch buf write", &s);
    assert_int_equal(op->kind, VML_OP_TOUCH);
    assert_int_equal(op->u.touch.access, VML_WRITE);
    assert_int_equal(op->u.touch.stride, 4096);
    assert_int_equal(op->u.touch.count, 0);
    vml_scenario_free(s);
    op = last(PROC_A "a touch buf[16M:] read count=3 stride=2M", &s);
    assert_int_equal(op->u.touch.access, VML_READ);
    assert_int_equal(op->u.touch.stride, 2 * VML_MiB);
    assert_int_equal(op->u.touch.count, 3);
    assert_int_equal(op->u.touch.range.start, 16 * VML_MiB);
    vml_scenario_free(s);
    op = last(PROC_A "a touch buf exec stride=1", &s);
    assert_int_equal(op->u.touch.access, VML_EXEC);
    assert_int_equal(op->u.touch.stride, 1);
    vml_scenario_free(s);

    bad(PROC_A "a touch buf", 3, 12, "missing read, write or exec");
    bad(PROC_A "a touch buf poke", 3, 13, "expected read, write or exec, not 'poke'");
    bad(PROC_A "a touch buf read stride=0", 3, 25, "stride must be at least 1 byte");
    bad(PROC_A "a touch buf read stride=4Q", 3, 26, "stride: unknown size suffix");
    bad(PROC_A "a touch buf read count=0", 3, 24, "count must be at least 1");
    bad(PROC_A "a touch buf read count=1K", 3, 25, "count: unexpected 'K'");
    bad(PROC_A "a touch buf read count=1 count=2", 3, 26, "option 'count' given twice");
    bad(PROC_A "a touch buf read size=1", 3, 18, "unknown touch option 'size=1'");
    bad(PROC_A "a touch buf read stride", 3, 18, "unknown touch option 'stride'");
}

static void test_fork_exit(void **state)
{
    (void)state;
    struct vml_scenario *s = ok(PROC_A "a mmap other 4K anon private r\na fork b\n"
                                       "b munmap buf\nb mmap buf 8K anon shared rw\n"
                                       "a touch buf write\nb touch other read\nb fork c\n"
                                       "c touch buf[:4K] read\nb exit\nc exit\n");
    assert_int_equal(s->ops[3].kind, VML_OP_FORK);
    assert_string_equal(s->ops[3].proc, "a");
    assert_string_equal(s->ops[3].u.fork.child, "b");
    assert_int_equal(s->ops[10].kind, VML_OP_EXIT);
    assert_string_equal(s->ops[10].proc, "b");
    vml_scenario_free(s);

    bad(PROC_A "a fork", 3, 7, "missing the child's name");
    bad(PROC_A "a fork a", 3, 8, "process 'a' already exists");
    bad(PROC_A "a fork show", 3, 8, "reserved word");
    bad(PROC_A "a fork b c", 3, 10, "unexpected 'c'");
    /* The child's changes are its own, and the parent's after the fork too. */
    bad(PROC_A "a fork b\nb munmap buf\nb touch buf read", 5, 9,
        "mapping 'buf' of process 'b' was unmapped at line 4");
    bad(PROC_A "a fork b\na mmap new 4K anon private rw\nb touch new read", 5, 9,
        "process 'b' has no mapping 'new'");
    bad(PROC_A "a exit now", 3, 8, "unexpected 'now' after the end of exit");
}

static void test_brk(void **state)
{
    (void)state;
    struct vml_scenario *s = ok("proc a\na brk +64M\na brk -16M\na brk +0\n");
    assert_int_equal(s->ops[1].kind, VML_OP_BRK);
    assert_int_equal(s->ops[1].u.brk.bytes, 64 * VML_MiB);
    assert_false(s->ops[1].u.brk.shrink);
    assert_int_equal(s->ops[2].u.brk.bytes, 16 * VML_MiB);
    assert_true(s->ops[2].u.brk.shrink);
    assert_int_equal(s->ops[3].u.brk.bytes, 0);
    vml_scenario_free(s);
    bad("proc a\na brk 64M", 2, 7, "write +64M to grow the heap or -64M to shrink it");
    bad("proc a\na brk", 2, 6, "missing +SIZE or -SIZE");
    bad("proc a\na brk +", 2, 8, "brk: expected a size");
    bad("proc a\na brk +1Z", 2, 9, "brk: unknown size suffix 'Z'");
    bad("proc a\na brk +-1", 2, 8, "brk: expected a decimal number");
    bad("proc a\na brk +1M x", 2, 11, "unexpected 'x'");
}

static void test_files_and_io(void **state)
{
    (void)state;
    struct vml_scenario *s;
    bad("file create data.bin 64K\nproc a\na read .hidden-not-yet[0:1]", 3, 8,
        "no file '.hidden-not-yet'");
    s = ok("file create data.bin 64K\nfile create lib/x-1_2.so.6 0\nfile create .h 1\nproc a\n"
           "a read data.bin[0:4K]\na write data.bin\nfile delete data.bin\n"
           "file create data.bin 1\na read .h\n");
    assert_int_equal(s->n_ops, 9);
    assert_int_equal(s->ops[0].kind, VML_OP_FILE_CREATE);
    assert_string_equal(s->ops[0].proc, "");
    assert_string_equal(s->ops[0].u.file.name, "data.bin");
    assert_int_equal(s->ops[0].u.file.size, 64 * VML_KiB);
    assert_int_equal(s->ops[1].u.file.size, 0);
    assert_int_equal(s->ops[4].kind, VML_OP_READ);
    assert_string_equal(s->ops[4].proc, "a");
    assert_string_equal(s->ops[4].u.io.range.name, "data.bin");
    assert_int_equal(s->ops[4].u.io.range.end, 4096);
    assert_int_equal(s->ops[4].u.io.chunk, 64 * VML_KiB); /* the default: the agent's calls */
    assert_int_equal(s->ops[5].kind, VML_OP_WRITE);
    assert_false(s->ops[5].u.io.range.has_start);
    assert_int_equal(s->ops[6].kind, VML_OP_FILE_DELETE);
    assert_string_equal(s->ops[6].u.file.name, "data.bin");
    assert_int_equal(s->ops[7].kind, VML_OP_FILE_CREATE);
    vml_scenario_free(s);

    bad("file", 1, 5, "expected create or delete after file");
    bad("file remove x", 1, 6, "expected create or delete after file");
    bad("file create", 1, 12, "missing the file name");
    bad("file create x", 1, 14, "missing the file size");
    bad("file create x 4Q", 1, 16, "file size: unknown size suffix");
    bad("file create x 1 2", 1, 17, "unexpected '2'");
    bad("file create x 1M\nfile create x 2M", 2, 13, "file 'x' already exists (created at line 1)");
    bad("file delete y", 1, 13, "no file 'y' (create it with 'file create y SIZE')");
    bad("file create y 1\nfile delete y\nfile delete y", 3, 13, "file 'y' was deleted at line 2");
    bad("file create /etc/passwd 1M", 1, 13,
        "bad file name '/etc/passwd': file names are "
        "relative paths");
    bad("file create a/../b 1M", 1, 15, "bad file name 'a/../b'");
    bad("file create ./b 1M", 1, 13, "bad file name");
    bad("file create a//b 1M", 1, 15, "bad file name");
    bad("file create a/ 1M", 1, 15, "bad file name");
    bad("file create a$b 1M", 1, 14, "bad file name");
    char t[128];
    snprintf(t, sizeof(t), "file create %064d 1", 0);
    bad(t, 1, 13, "too long (64 bytes; at most 63)");
    snprintf(t, sizeof(t), "file create %063d 1", 0);
    s = ok(t);
    vml_scenario_free(s);

    bad("proc a\na read x", 2, 8, "no file 'x'");
    bad("file create x 8K\nproc a\na read x[4K:0]", 3, 10, "empty range");
    bad("file create x 8K\nfile delete x\nproc a\na write x[0:4K]", 4, 9,
        "file 'x' was deleted at line 2");
    bad("file create x 8K\nproc a\na read [0:1]", 3, 8, "missing file name before '['");
    bad("file create x 8K\nproc a\na read", 3, 7, "missing the file (FILE or FILE[START:END])");
    bad("file create x 8K\nproc a\na read x y", 3, 10, "unknown read option 'y' (use chunk=SIZE)");

    /* write chunk=, fsync, msync; close is refused with the reason. */
    s = ok("file create x 8M\nproc a\na write x[4K:2M] chunk=16K\na read x chunk=2M\n"
           "a fsync x\na mmap m 8M file=x shared rw\na msync m[0:64K]\na msync m\n");
    assert_int_equal(s->ops[2].kind, VML_OP_WRITE);
    assert_int_equal(s->ops[2].u.io.chunk, 16 * VML_KiB);
    assert_int_equal(s->ops[2].u.io.range.start, 4096);
    assert_int_equal(s->ops[3].u.io.chunk, 2 * VML_MiB);
    assert_int_equal(s->ops[4].kind, VML_OP_FSYNC);
    assert_string_equal(s->ops[4].u.range.name, "x");
    assert_int_equal(s->ops[6].kind, VML_OP_MSYNC);
    assert_string_equal(s->ops[6].u.range.name, "m");
    assert_int_equal(s->ops[6].u.range.end, 64 * VML_KiB);
    assert_false(s->ops[7].u.range.has_end);
    vml_scenario_free(s);
    bad("file create x 8K\nproc a\na write x chunk=0", 3, 17, "chunk must be 1 byte to 2M");
    bad("file create x 8K\nproc a\na write x chunk=4M", 3, 17, "chunk must be 1 byte to 2M");
    bad("file create x 8K\nproc a\na write x chunk=4K chunk=8K", 3, 20,
        "write option 'chunk' given twice");
    bad("file create x 8K\nproc a\na fsync x[0:4K]", 3, 10,
        "fsync takes a whole file, not a range");
    bad("file create x 8K\nproc a\na fsync", 3, 8, "missing the file");
    bad("file create x 8K\nproc a\na fsync x y", 3, 11, "unexpected 'y'");
    bad("proc a\na fsync y", 2, 9, "no file 'y'");
    bad("proc a\na msync m", 2, 9, "no mapping 'm'");
    bad("file create x 8K\nproc a\na close x", 3, 3, "there is no close");
}

static void test_cpu_run(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_op *op = last("machine ram=1G cpus=4\nproc a\ncpu 3 run a\n", &s);
    assert_int_equal(op->kind, VML_OP_CPU_RUN);
    assert_int_equal(op->u.cpu_run.cpu, 3);
    assert_string_equal(op->proc, "a");
    vml_scenario_free(s);
    op = last("proc a\ncpu 0 run a\n", &s);
    assert_int_equal(op->u.cpu_run.cpu, 0);
    vml_scenario_free(s);

    bad("proc a\ncpu 1 run a", 2, 5, "no CPU 1: the machine has 1 CPU, numbered from 0");
    bad("machine ram=1G cpus=2\nproc a\ncpu 2 run a", 3, 5, "the machine has 2 CPUs");
    bad("proc a\ncpu 99999999999999999999 run a", 2, 5, "too large");
    bad("proc a\ncpu x run a", 2, 5, "CPU number: expected a decimal number");
    bad("proc a\ncpu", 2, 4, "missing the CPU number (usage: cpu N run P)");
    bad("proc a\ncpu 0", 2, 6, "missing 'run'");
    bad("proc a\ncpu 0 go a", 2, 7, "expected 'run', not 'go'");
    bad("proc a\ncpu 0 run", 2, 10, "missing the process");
    bad("proc a\ncpu 0 run b", 2, 11, "no process 'b'");
    bad("proc a\ncpu 0 run a b", 2, 13, "unexpected 'b'");
}

static void test_show(void **state)
{
    (void)state;
    struct vml_scenario *s = ok(PROC_A "show meminfo\nshow vmstat\nshow buddyinfo\n"
                                       "show zoneinfo\nshow numastat\nshow a maps\nshow a smaps\n"
                                       "show a smaps buf\nshow a smaps_rollup\nshow a status\n"
                                       "show a statm\nshow a numa_maps buf\nshow a maps buf\n");
    static const enum vml_procfile want[] = {
        VML_PROCFILE_MEMINFO,  VML_PROCFILE_VMSTAT,   VML_PROCFILE_BUDDYINFO,
        VML_PROCFILE_ZONEINFO, VML_PROCFILE_NUMASTAT, VML_PROCFILE_MAPS,
        VML_PROCFILE_SMAPS,    VML_PROCFILE_SMAPS,    VML_PROCFILE_SMAPS_ROLLUP,
        VML_PROCFILE_STATUS,   VML_PROCFILE_STATM,    VML_PROCFILE_NUMA_MAPS,
        VML_PROCFILE_MAPS,
    };
    assert_int_equal(s->n_ops, 2 + 13);
    for (size_t i = 0; i < 13; i++) {
        const struct vml_op *op = &s->ops[2 + i];
        assert_int_equal(op->kind, VML_OP_SHOW);
        assert_int_equal(op->u.show.file, want[i]);
        assert_string_equal(op->proc, i < 5 ? "" : "a");
    }
    assert_string_equal(s->ops[2 + 6].u.show.map, "");
    assert_string_equal(s->ops[2 + 7].u.show.map, "buf");
    assert_string_equal(s->ops[2 + 11].u.show.map, "buf");
    vml_scenario_free(s);

    bad("show", 1, 5, "missing a /proc file or a process");
    bad("show smaps", 1, 6, "smaps is a per-process file: write show P smaps");
    bad("show b smaps", 1, 6, "no process 'b'");
    bad(PROC_A "show a", 3, 7, "missing a /proc file");
    bad(PROC_A "show a foo", 3, 8, "unknown /proc file 'foo' (per process: maps, smaps");
    bad(PROC_A "show a meminfo", 3, 8, "meminfo is a system file: write show meminfo");
    /* A keyed file takes field names; a file of another shape refuses them. */
    const struct vml_op *op = last(PROC_A "show a status VmRSS VmSwap\n", &s);
    assert_int_equal(op->u.show.nfields, 2);
    assert_string_equal(op->u.show.fields[0], "VmRSS");
    assert_string_equal(op->u.show.fields[1], "VmSwap");
    assert_int_equal(op->u.show.field_cols[1], 21);
    vml_scenario_free(s);
    bad(PROC_A "show a statm size", 3, 14, "show statm cannot pick fields ('size')");
    bad(PROC_A "show a smaps Rss", 3, 14, "process 'a' has no mapping 'Rss'");
    bad("show numastat x", 1, 15, "show numastat cannot pick fields ('x')");
    bad(PROC_A "show a smaps bug", 3, 14, "process 'a' has no mapping 'bug'");
    bad(PROC_A "show a maps buf x", 3, 17, "show maps cannot pick fields ('x')");
    bad(PROC_A "show zoneinfo x", 3, 15, "show zoneinfo cannot pick fields ('x')");
    bad(PROC_A "show meminfo a a a a a a a a a a a a a a a a a", 3, 42,
        "too many words on one line");
}

/* The index of a THP file (the table is tested in test_thp_sysfs). */
static unsigned thp_file(const char *name)
{
    int i = vml_thp_find(name);
    assert_true(i >= 0);
    return (unsigned)i;
}

static void test_machine_thp(void **state)
{
    (void)state;
    struct vml_thp_settings def;
    vml_thp_defaults(&def);
    /* Without THP keys: the kernel's defaults, nothing given. */
    struct vml_scenario *s = ok("machine ram=1G\n");
    assert_memory_equal(&s->machine.thp, &def, sizeof(def));
    assert_int_equal(s->machine.thp_given, 0);
    assert_false(s->machine.given & VML_MCFG_THP);
    vml_scenario_free(s);
    s = ok("");
    assert_memory_equal(&s->machine.thp, &def, sizeof(def));
    vml_scenario_free(s);

    /* cols:  1       9      16                26                  46 */
    s = ok("machine ram=1G thp.defrag=never thp.use_zero_page=0 "
           "thp.hugepages-2048kB/enabled=never thp.khugepaged/max_ptes_none=+0 thp=always "
           "thp.shmem_enabled=deny\n");
    const struct vml_machine_cfg *m = &s->machine;
    assert_true(m->given & VML_MCFG_THP);
    assert_int_equal(m->thp.enabled, VML_THP_ALWAYS);
    assert_int_equal(m->thp.defrag, VML_DEFRAG_NEVER);
    assert_false(m->thp.use_zero_page);
    assert_int_equal(m->thp.size_enabled[9], VML_MTHP_NEVER);
    assert_int_equal(m->thp.max_ptes_none, 0);
    assert_int_equal(m->thp.shmem_enabled, VML_SHMEM_THP_DENY);
    assert_int_equal(m->thp.max_ptes_swap, 64); /* untouched */
    uint32_t want = 1u << thp_file("enabled") | 1u << thp_file("defrag") |
                    1u << thp_file("use_zero_page") | 1u << thp_file("hugepages-2048kB/enabled") |
                    1u << thp_file("khugepaged/max_ptes_none") | 1u << thp_file("shmem_enabled");
    assert_int_equal(m->thp_given, want);
    assert_int_equal(m->thp_col[thp_file("defrag")], 16);
    assert_int_equal(m->thp_col[thp_file("use_zero_page")], 33);
    assert_int_equal(m->thp_col[thp_file("enabled")], 120);
    vml_scenario_free(s);
    s = ok("machine ram=1G thp.enabled=never\n");
    assert_int_equal(s->machine.thp.enabled, VML_THP_NEVER);
    assert_int_equal(s->machine.thp_given, 1u << thp_file("enabled"));
    vml_scenario_free(s);

    bad("machine ram=1G thp.bogus=1", 1, 20,
        "unknown THP file 'bogus' (thp.FILE=VALUE takes a file of "
        "/sys/kernel/mm/transparent_hugepage/: enabled, defrag");
    bad("machine ram=1G thp.hpage_pmd_size=2097152", 1, 20, "unknown THP file 'hpage_pmd_size'");
    bad("machine ram=1G thp.=always", 1, 20, "unknown THP file ''");
    bad("machine ram=1G thp./sys/kernel/mm/transparent_hugepage/enabled=always", 1, 20,
        "unknown THP file '/sys/kernel/mm/transparent_hugepage/enab' (thp.FILE=VALUE takes a file "
        "of /sys/kernel/mm/transparent_hugepage/: enabled, defrag, use_zero_page, shmem_enabled, "
        "hugepages-<N>kB/enabled, khugepaged/<knob>; 'show thp' lists them)");
    bad("machine ram=1G thpx=always", 1, 16, "unknown machine setting 'thpx'");
    bad("machine ram=1G thp.defrag=sometimes", 1, 27,
        "thp.defrag: 'sometimes' is refused (EINVAL, as the kernel's); write always, defer, "
        "defer+madvise, madvise or never");
    bad("machine ram=1G thp.khugepaged/max_ptes_none=512", 1, 45,
        "thp.khugepaged/max_ptes_none: '512' is refused (EINVAL, as the kernel's); write a "
        "decimal number from 0 to 511");
    bad("machine ram=1G thp.khugepaged/pages_to_scan=0", 1, 45, "from 1 to 4294967295");
    bad("machine ram=1G thp.use_zero_page=2", 1, 34, "write 0 or 1");
    bad("machine ram=1G thp.defrag=never thp.defrag=madvise", 1, 33,
        "machine setting 'thp.defrag' given twice");
    bad("machine ram=1G thp=always thp.enabled=never", 1, 27,
        "the THP file 'enabled' is set twice (thp= and thp.enabled= are the same file)");
    bad("machine ram=1G thp.enabled=always thp=never", 1, 35, "is set twice");
}

/* /proc/sys/vm/: set, machine vm.FILE=, show vm, and the statements of writeback. The ranges
 * are the kernel's (docs/probes/sysctl_vm_ranges.out). */
static void test_vm_settings(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    const struct vml_op *op = last("set /proc/sys/vm/swappiness 200\n", &s);
    assert_int_equal(op->kind, VML_OP_SET);
    assert_int_equal(op->u.set.dir, VML_SETTING_VM);
    assert_int_equal(op->u.set.file, vml_vm_find("swappiness"));
    assert_string_equal(op->u.set.path, "/proc/sys/vm/swappiness");
    vml_scenario_free(s);
    op = last("set /proc/sys/vm/drop_caches 3\n", &s);
    assert_int_equal(op->u.set.file, VML_VM_DROP_CACHES);
    vml_scenario_free(s);
    op = last("show vm\n", &s);
    assert_int_equal(op->kind, VML_OP_SHOW_VM);
    assert_string_equal(vml_op_kind_name(op->kind), "show vm");
    vml_scenario_free(s);
    bad("set /proc/sys/vm/swappiness 201", 1, 29, "'201' is refused (EINVAL, as the kernel's)");
    bad("set /proc/sys/vm/dirty_bytes 8191", 1, 30, "at least 8192");
    bad("set /proc/sys/vm/dirty_background_bytes 0", 1, 41, "at least 1");
    bad("set /proc/sys/vm/watermark_scale_factor 0", 1, 41, "from 1 to 3000");
    bad("set /proc/sys/vm/page-cluster 32", 1, 31, "from 0 to 31");
    bad("set /proc/sys/vm/drop_caches 0", 1, 30, "at least 1");
    bad("set /proc/sys/vm/swappiness +61", 1, 29, "refused");
    bad("set /proc/sys/vm/overcommit_memory 3", 1, 36, "from 0 to 2");
    bad("set /proc/sys/vm/max_map_count 1", 1, 5, "no settable file");
    /* A file the kernel has for a behaviour the simulator does not model says so. */
    bad("set /proc/sys/vm/compaction_proactiveness 0", 1, 5,
        "/proc/sys/vm/compaction_proactiveness: proactive compaction is not modelled");
    bad("show vm now", 1, 6, "no process 'vm'"); /* a process's file, as show P FILE */

    /* vm.dirty_bytes= zeroes dirty_ratio as the kernel's handler does; the order counts. */
    s = ok("machine ram=1G vm.dirty_bytes=1048576 vm.swappiness=0\n");
    assert_int_equal(s->machine.vm.dirty_bytes, 1048576);
    assert_int_equal(s->machine.vm.dirty_ratio, 0);
    assert_int_equal(s->machine.vm.swappiness, 0);
    assert_true(s->machine.given & VML_MCFG_VM);
    assert_int_equal(s->machine.vm_given,
                     (1u << vml_vm_find("dirty_bytes")) | (1u << vml_vm_find("swappiness")));
    vml_scenario_free(s);
    s = ok("machine ram=1G vm.dirty_background_bytes=4096 vm.dirty_background_ratio=5\n");
    assert_int_equal(s->machine.vm.dirty_background_bytes, 0);
    assert_int_equal(s->machine.vm.dirty_background_ratio, 5);
    vml_scenario_free(s);
    bad("machine ram=1G vm.swappiness=201", 1, 30, "vm.swappiness: '201' is refused");
    bad("machine ram=1G vm.swapiness=1", 1, 19, "unknown /proc/sys/vm file 'swapiness'");
    bad("machine ram=1G vm.compaction_proactiveness=20", 1, 19,
        "vm.compaction_proactiveness: proactive compaction is not modelled");
    bad("machine ram=1G vm.drop_caches=1", 1, 16, "vm.drop_caches is an action");
    bad("machine ram=1G vm.swappiness=1 vm.swappiness=2", 1, 32, "given twice");

    /* fdatasync and fadvise. */
    op = last("file create f 1M\nproc p\np fdatasync f\n", &s);
    assert_int_equal(op->kind, VML_OP_FDATASYNC);
    assert_string_equal(op->u.range.name, "f");
    vml_scenario_free(s);
    op = last("file create f 1M\nproc p\np fadvise f[4K:64K] dontneed\n", &s);
    assert_int_equal(op->kind, VML_OP_FADVISE);
    assert_true(op->u.range.has_start && op->u.range.has_end);
    assert_int_equal(op->u.range.start, 4096);
    assert_int_equal(op->u.range.end, 65536);
    vml_scenario_free(s);
    bad("file create f 1M\nproc p\np fadvise f willneed", 3, 13, "unknown fadvise advice");
    bad("file create f 1M\nproc p\np fadvise f", 3, 12, "missing the advice");
    bad("file create f 1M\nproc p\np fdatasync f[0:4K]", 3, 13, "whole file");
    bad("proc p\np fdatasync g", 2, 13, "g");
    op = last("file create f 1M\nproc p\np truncate f 300000\n", &s);
    assert_int_equal(op->kind, VML_OP_TRUNCATE);
    assert_string_equal(op->u.file.name, "f");
    assert_int_equal(op->u.file.size, 300000);
    vml_scenario_free(s);
    bad("file create f 1M\nproc p\np truncate f", 3, 13, "missing the new size");
    bad("file create f 1M\nproc p\np truncate f[0:4K] 0", 3, 12, "not a range");

    /* fallocate: the range is the file's bytes; the mode word is optional. */
    op = last("file create f 1M\nproc p\np fallocate f[10000:100000] punch_hole\n", &s);
    assert_int_equal(op->kind, VML_OP_FALLOCATE);
    assert_string_equal(op->u.fallocate.range.name, "f");
    assert_int_equal(op->u.fallocate.range.start, 10000);
    assert_int_equal(op->u.fallocate.range.end, 100000);
    assert_int_equal(op->u.fallocate.mode, VML_FALLOC_PUNCH_HOLE);
    assert_string_equal(vml_op_kind_name(op->kind), "fallocate");
    vml_scenario_free(s);
    op = last("file create f 1M\nproc p\np fallocate f[1M:2M]\n", &s);
    assert_int_equal(op->u.fallocate.mode, VML_FALLOC_ALLOCATE);
    assert_int_equal(op->u.fallocate.range.start, 1048576);
    vml_scenario_free(s);
    op = last("file create f 1M\nproc p\np fallocate f keep_size\n", &s);
    assert_int_equal(op->u.fallocate.mode, VML_FALLOC_KEEP_SIZE);
    assert_false(op->u.fallocate.range.has_start || op->u.fallocate.range.has_end);
    vml_scenario_free(s);
    bad("file create f 1M\nproc p\np fallocate f[0:4K] zero_range", 3, 21,
        "unknown fallocate mode 'zero_range'");
    bad("file create f 1M\nproc p\np fallocate f[0:4K] punch_hole keep_size", 3, 32, "keep_size");
    bad("file create f 1M\nproc p\np fallocate", 3, 12, "missing the file");
    bad("proc p\np fallocate g[0:4K]", 2, 13, "no file 'g'");
    bad("file create f 1M\nproc p\np fallocate f[8K:4K]", 3, 15, "empty range");
}

static void test_set(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    const struct vml_op *op = last("set /sys/kernel/mm/transparent_hugepage/enabled always\n", &s);
    assert_int_equal(op->kind, VML_OP_SET);
    assert_string_equal(op->proc, "");
    assert_int_equal(op->u.set.dir, VML_SETTING_THP);
    assert_int_equal(op->u.set.file, thp_file("enabled"));
    assert_string_equal(op->u.set.path, "/sys/kernel/mm/transparent_hugepage/enabled");
    assert_string_equal(op->u.set.value, "always");
    assert_int_equal(op->u.set.value_col, 49);
    assert_string_equal(vml_op_kind_name(op->kind), "set");
    vml_scenario_free(s);
    op = last("machine ram=1G\nproc a\n"
              "set /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none +5\n",
              &s);
    assert_int_equal(op->u.set.file, thp_file("khugepaged/max_ptes_none"));
    assert_string_equal(op->u.set.value, "+5"); /* as written: the kernel reads it */
    assert_int_equal(op->line, 3);
    vml_scenario_free(s);

    bad("set", 1, 4, "missing the file's path (usage: set PATH VALUE");
    bad("set /sys/kernel/mm/transparent_hugepage/enabled", 1, 48, "missing the value");
    bad("set /sys/kernel/mm/transparent_hugepage/enabled bogus", 1, 49,
        "enabled: 'bogus' is refused (EINVAL, as the kernel's); write always, madvise or never");
    bad("set /sys/kernel/mm/transparent_hugepage/enabled always now", 1, 56,
        "unexpected 'now' after the end of set");
    bad("set /sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none 512", 1, 66,
        "'512' is refused (EINVAL, as the kernel's)");
    bad("set enabled always", 1, 5,
        "set takes an absolute path: write /sys/kernel/mm/transparent_hugepage/enabled");
    bad("set /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 1", 1, 5,
        "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size is read-only");
    bad("set /sys/kernel/mm/transparent_hugepage/khugepaged/full_scans 1", 1, 5, "is read-only");
    bad("set /sys/kernel/mm/transparent_hugepage/shrink_underused 0", 1, 5,
        "no settable file '/sys/kernel/mm/transparent_hugepage/shrink_underused' (in "
        "/sys/kernel/mm/transparent_hugepage/ vmlab sets enabled, defrag, use_zero_page");
    bad("set /sys/kernel/mm/transparent_hugepage 1", 1, 5, "no settable file");
    /* /proc/sys/kernel/ has one settable file: automatic NUMA balancing's switch. */
    bad("set /proc/sys/kernel/pid_max 10", 1, 5,
        "no settable file '/proc/sys/kernel/pid_max' (in /proc/sys/kernel/ vmlab sets "
        "numa_balancing)");
    bad("set /etc/sysctl.conf 10", 1, 5,
        "cannot set '/etc/sysctl.conf': vmlab sets the files of "
        "/sys/kernel/mm/transparent_hugepage/, /proc/sys/vm/, /sys/kernel/mm/numa/, "
        "/sys/fs/cgroup/, /proc/sys/kernel/numa_balancing and "
        "/sys/kernel/debug/sched/numa_balancing/");
    bad("set /proc/sys/kernel/numa_balancing 2", 1, 37,
        "/proc/sys/kernel/numa_balancing=2 is not modelled: NUMA_BALANCING_MEMORY_TIERING");
    bad("set /proc/sys/kernel/numa_balancing 5", 1, 37, "is refused (EINVAL");
    bad("machine ram=1G kernel.numa_balancing=3", 1, 38, "is not modelled");
    bad("machine ram=1G sched.numa_balancing/scan_size_mb=0", 1, 50,
        "scan_size_mb=0 is not modelled");
    bad("machine ram=1G kernel.pid_max=3", 1, 23, "unknown /proc/sys/kernel file 'pid_max'");
    bad("machine ram=1G kernel.numa_balancing=1 kernel.numa_balancing=0", 1, 40, "given twice");
    bad("machine ram=1G numa_balancing=1", 1, 16, "write kernel.numa_balancing=N");
    bad("set /sys/kernel/mm/transparent_hugepage/enabled always\nmachine ram=1G", 2, 1,
        "the machine line must come before every operation (line 1 has 'set')");
}

/* The OOM killer's statements: P oom_score_adj N (-1000..1000), the per-process files
 * oom_score and oom_score_adj, the system's dmesg, expect P oom_score OP V and expect P killed
 * by oom. */
static void test_oom(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_op *op = last(PROC_A "a oom_score_adj -1000\n", &s);
    assert_int_equal(op->kind, VML_OP_OOM_SCORE_ADJ);
    assert_int_equal(op->u.oom_adj.adj, -1000);
    vml_scenario_free(s);
    op = last(PROC_A "a oom_score_adj 1000\n", &s);
    assert_int_equal(op->u.oom_adj.adj, 1000);
    vml_scenario_free(s);
    bad(PROC_A "a oom_score_adj 1001", 3, 17, "from -1000 (never chosen) to 1000");
    bad(PROC_A "a oom_score_adj -1001", 3, 17, "not '-1001'");
    bad(PROC_A "a oom_score_adj +5", 3, 17, "not '+5'");
    bad(PROC_A "a oom_score_adj -", 3, 17, "not '-'");
    bad(PROC_A "a oom_score_adj 99999999999999999999", 3, 17, "a whole number");
    bad(PROC_A "a oom_score_adj", 3, 16, "missing the value (-1000 to 1000)");
    bad(PROC_A "a oom_score_adj 5 x", 3, 19, "unexpected 'x'");

    op = last(PROC_A "expect a killed by oom\n", &s);
    assert_int_equal(op->u.expect.kind, VML_EXPECT_KILLED_OOM);
    vml_scenario_free(s);
    op = last(PROC_A "expect a killed\n", &s);
    assert_int_equal(op->u.expect.kind, VML_EXPECT_KILLED);
    vml_scenario_free(s);
    bad(PROC_A "expect a killed by segv", 3, 20, "expected 'oom' after 'killed by', not 'segv'");
    bad(PROC_A "expect a killed by", 3, 19, "missing oom");
    bad(PROC_A "expect a killed oom", 3, 17, "unexpected 'oom'");
    bad(PROC_A "expect a alive by oom", 3, 16, "unexpected 'by'");

    op = last(PROC_A "expect a oom_score > 600\n", &s);
    assert_int_equal(op->u.expect.kind, VML_EXPECT_FIELD);
    assert_int_equal(op->u.expect.file, VML_PROCFILE_OOM_SCORE);
    assert_string_equal(op->u.expect.field, "oom_score");
    assert_int_equal(op->u.expect.cmp, VML_CMP_GT);
    assert_int_equal(op->u.expect.value, 600);
    vml_scenario_free(s);
    bad(PROC_A "expect a oom_score", 3, 19, "missing a comparison");
    bad(PROC_A "expect a oom_score_adj == 5", 3, 10, "oom_score_adj is what the scenario set");
    bad(PROC_A "expect dmesg x == 1", 3, 8, "dmesg has no fields");
    bad("expect oom_score > 1", 1, 8, "oom_score is a per-process file");

    op = last(PROC_A "show dmesg\n", &s);
    assert_int_equal(op->u.show.file, VML_PROCFILE_DMESG);
    assert_string_equal(op->proc, "");
    vml_scenario_free(s);
    op = last(PROC_A "show a oom_score\n", &s);
    assert_int_equal(op->u.show.file, VML_PROCFILE_OOM_SCORE);
    vml_scenario_free(s);
    bad(PROC_A "show a dmesg", 3, 8, "dmesg is a system file");
    bad(PROC_A "show dmesg Killed", 3, 12, "show dmesg cannot pick fields");
    bad(PROC_A "show a oom_score x", 3, 18, "show oom_score cannot pick fields");
}

/* expect fail ERRNO: the statement after it must be a call that can fail. */
static void test_expect_fail(void **state)
{
    (void)state;
    struct vml_scenario *s = ok(PROC_A "expect fail ENOMEM\na mmap b 1G anon private rw\n");
    assert_int_equal(s->ops[2].kind, VML_OP_EXPECT);
    assert_int_equal(s->ops[2].u.expect.kind, VML_EXPECT_FAIL);
    assert_int_equal(s->ops[2].u.expect.err, VML_ENOMEM);
    vml_scenario_free(s);
    assert_string_equal(vml_errno_name(VML_EEXIST), "EEXIST");
    assert_null(vml_errno_name(VML_EHOST));
    bad(PROC_A "expect fail ENOSPC\na mmap b 1G anon private rw", 3, 13,
        "expect fail takes ENOMEM, EINVAL, EEXIST, EFAULT, EAGAIN, EFBIG or EOVERFLOW, not "
        "'ENOSPC'");
    bad(PROC_A "expect fail", 3, 12, "missing the errno");
    bad(PROC_A "expect fail ENOMEM x", 3, 20, "unexpected 'x'");
    bad(PROC_A "expect fail ENOMEM\na touch buf write", 4, 1,
        "expect fail (line 3) needs a system call after it");
    bad(PROC_A "expect fail ENOMEM\nshow meminfo", 4, 1, "not show");
    bad(PROC_A "expect fail EINVAL", 3, 1, "the scenario ends here");
    /* A process called fail is still one. */
    s = ok("proc fail\nexpect fail alive\n");
    assert_int_equal(s->ops[1].u.expect.kind, VML_EXPECT_ALIVE);
    vml_scenario_free(s);
}

static void test_show_thp_and_prctl(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    const struct vml_op *op = last("show thp\n", &s);
    assert_int_equal(op->kind, VML_OP_SHOW_THP);
    assert_string_equal(op->proc, "");
    assert_string_equal(vml_op_kind_name(op->kind), "show thp");
    vml_scenario_free(s);
    bad("show thp enabled", 1, 10, "unexpected 'enabled' after the end of show thp");

    s = ok(PROC_A "a madvise buf hugepage\na madvise buf[2M:4M] nohugepage\n"
                  "a madvise buf[:2M] collapse\na prctl thp_disable on\n"
                  "a prctl thp_disable off\n");
    assert_int_equal(s->n_ops, 7);
    static const enum vml_advice adv[] = { VML_ADV_HUGEPAGE, VML_ADV_NOHUGEPAGE, VML_ADV_COLLAPSE };
    static const char *const adv_name[] = { "hugepage", "nohugepage", "collapse" };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s->ops[2 + i].kind, VML_OP_MADVISE);
        assert_int_equal(s->ops[2 + i].u.madvise.advice, adv[i]);
        assert_string_equal(vml_advice_name(adv[i]), adv_name[i]);
    }
    assert_string_equal(vml_advice_name(VML_ADV_DONTNEED), "dontneed");
    assert_string_equal(vml_advice_name(VML_NR_ADVICE), "?");
    assert_int_equal(s->ops[3].u.madvise.range.start, 2 * VML_MiB);
    assert_int_equal(s->ops[5].kind, VML_OP_PRCTL);
    assert_string_equal(s->ops[5].proc, "a");
    assert_int_equal(s->ops[5].u.prctl.opt, VML_PRCTL_THP_DISABLE);
    assert_true(s->ops[5].u.prctl.on);
    assert_false(s->ops[6].u.prctl.on);
    assert_string_equal(vml_op_kind_name(VML_OP_PRCTL), "prctl");
    vml_scenario_free(s);

    bad(PROC_A "a prctl", 3, 8, "missing the option (thp_disable) (usage: P prctl thp_disable");
    bad(PROC_A "a prctl set_name on", 3, 9, "unknown prctl option 'set_name' (use thp_disable)");
    bad(PROC_A "a prctl thp_disable", 3, 20, "missing on or off");
    bad(PROC_A "a prctl thp_disable 1", 3, 21, "thp_disable takes on or off, not '1'");
    bad(PROC_A "a prctl thp_disable on off", 3, 24, "unexpected 'off' after the end of prctl");
    bad("b prctl thp_disable on", 1, 1, "no process 'b'");
    bad(PROC_A "a frob", 3, 3, "oom_score_adj, cgroup or a NUMA call (docs/numa.md))");
}

static const struct vml_op_expect *expect_of(const char *line, struct vml_scenario **s)
{
    char t[256];
    snprintf(t, sizeof(t), PROC_A "%s\n", line);
    const struct vml_op *op = last(t, s);
    assert_int_equal(op->kind, VML_OP_EXPECT);
    return &op->u.expect;
}

static void test_expect(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct expect_case {
        const char *line;
        enum vml_procfile file;
        const char *map, *field;
        enum vml_cmp cmp;
        uint64_t value;
        enum vml_unit unit;
    } cases[] = {
        { "expect a smaps buf Private_Dirty == 16384 kB", VML_PROCFILE_SMAPS, "buf",
          "Private_Dirty", VML_CMP_EQ, 16384 * VML_KiB, VML_UNIT_BYTES },
        { "expect a status VmRSS <= 1G", VML_PROCFILE_STATUS, "", "VmRSS", VML_CMP_LE, VML_GiB,
          VML_UNIT_BYTES },
        { "expect meminfo MemFree > 7G", VML_PROCFILE_MEMINFO, "", "MemFree", VML_CMP_GT,
          7 * VML_GiB, VML_UNIT_BYTES },
        { "expect vmstat pgfault == 12", VML_PROCFILE_VMSTAT, "", "pgfault", VML_CMP_EQ, 12,
          VML_UNIT_NONE },
        { "expect a statm resident != 3 pages", VML_PROCFILE_STATM, "", "resident", VML_CMP_NE, 3,
          VML_UNIT_PAGES },
        { "expect a statm size >= 1 page", VML_PROCFILE_STATM, "", "size", VML_CMP_GE, 1,
          VML_UNIT_PAGES },
        { "expect meminfo Active(anon): < 0x10 M", VML_PROCFILE_MEMINFO, "", "Active(anon)",
          VML_CMP_LT, 16 * VML_MiB, VML_UNIT_BYTES },
        { "expect a smaps Rss == 4K", VML_PROCFILE_SMAPS, "", "Rss", VML_CMP_EQ, 4096,
          VML_UNIT_BYTES },
        { "expect a smaps buf Rss == 4096 B", VML_PROCFILE_SMAPS, "buf", "Rss", VML_CMP_EQ, 4096,
          VML_UNIT_BYTES },
        { "expect a smaps_rollup Pss == 0B", VML_PROCFILE_SMAPS_ROLLUP, "", "Pss", VML_CMP_EQ, 0,
          VML_UNIT_BYTES },
        { "expect a numa_maps buf N0 == 16", VML_PROCFILE_NUMA_MAPS, "buf", "N0", VML_CMP_EQ, 16,
          VML_UNIT_NONE },
        { "expect a status VmRSS == 18014398509481983 kB", VML_PROCFILE_STATUS, "", "VmRSS",
          VML_CMP_EQ, 18014398509481983ull * 1024, VML_UNIT_BYTES },
        { "expect vmstat nr_free_pages == 18446744073709551615", VML_PROCFILE_VMSTAT, "",
          "nr_free_pages", VML_CMP_EQ, UINT64_MAX, VML_UNIT_NONE },
        { "expect a status VmRSS == 1 kib", VML_PROCFILE_STATUS, "", "VmRSS", VML_CMP_EQ, 1024,
          VML_UNIT_BYTES },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct vml_op_expect *x = expect_of(cases[i].line, &s);
        const struct vml_op *op = &s->ops[s->n_ops - 1];
        assert_int_equal(x->kind, VML_EXPECT_FIELD);
        assert_int_equal(x->file, cases[i].file);
        assert_string_equal(x->map, cases[i].map);
        assert_string_equal(x->field, cases[i].field);
        assert_int_equal(x->cmp, cases[i].cmp);
        assert_int_equal(x->value, cases[i].value);
        assert_int_equal(x->unit, cases[i].unit);
        assert_string_equal(op->proc, cases[i].file < VML_PROCFILE_NR_PER_PROCESS ? "a" : "");
        vml_scenario_free(s);
    }
    const struct vml_op_expect *x = expect_of("expect a alive", &s);
    assert_int_equal(x->kind, VML_EXPECT_ALIVE);
    vml_scenario_free(s);
    x = expect_of("expect a killed", &s);
    assert_int_equal(x->kind, VML_EXPECT_KILLED);
    vml_scenario_free(s);

    bad(PROC_A "expect", 3, 7, "missing a /proc file or a process");
    bad(PROC_A "expect a", 3, 9, "missing a /proc file, alive or killed");
    bad(PROC_A "expect a dead", 3, 10, "unknown /proc file 'dead'");
    bad(PROC_A "expect a alive now", 3, 16, "unexpected 'now'");
    bad(PROC_A "expect status VmRSS == 1", 3, 8, "status is a per-process file");
    bad(PROC_A "expect a meminfo MemFree == 1", 3, 10, "meminfo is a system file");
    bad(PROC_A "expect a status", 3, 16, "missing the field name");
    bad(PROC_A "expect a status VmRSS", 3, 22, "missing a comparison");
    bad(PROC_A "expect a status VmRSS = 4", 3, 23, "write == to compare, not =");
    bad(PROC_A "expect a smaps buf Rss = 4", 3, 24, "write == to compare, not =");
    bad(PROC_A "expect a status VmRSS =< 4", 3, 23,
        "expected a comparison (==, !=, <, <=, >, "
        ">=) after 'VmRSS', not '=<'");
    bad(PROC_A "expect a smaps Rss 4", 3, 20, "expected a comparison");
    bad(PROC_A "expect a smaps bug Rss == 4", 3, 16, "process 'a' has no mapping 'bug'");
    bad(PROC_A "expect a smaps_rollup buf Rss == 4", 3, 23, "smaps_rollup takes no mapping");
    bad(PROC_A "expect a status VmRSS ==", 3, 25, "missing the value");
    bad(PROC_A "expect a status VmRSS == -4", 3, 26, "value: expected a decimal number");
    bad(PROC_A "expect a status VmRSS == 4 parsecs", 3, 28, "unknown unit 'parsecs' (use B, K");
    bad(PROC_A "expect a status VmRSS == 4 kB x", 3, 31, "unexpected 'x'");
    bad(PROC_A "expect a status VmRSS == 4K kB", 3, 29, "value '4K' already has a unit");
    bad(PROC_A "expect a status VmRSS == 4K pages", 3, 29, "already has a unit");
    bad(PROC_A "expect a status VmRSS == 18446744073709551615 K", 3, 26, "is too large");
    bad(PROC_A "expect a status VmRSS == 18014398509481984 kB", 3, 26, "is too large");
    bad(PROC_A "expect a status VmRSS == 99999999999999999999", 3, 26, "value: number");
    bad(PROC_A "expect a status VmRSS == 16E", 3, 26, "too large");
    bad(PROC_A "expect a status Vm-RSS == 4", 3, 19, "'Vm-RSS' is not a field name");
    bad(PROC_A "expect a status 1VmRSS == 4", 3, 17, "is not a field name");
    bad(PROC_A "expect a status : == 4", 3, 17, "is not a field name");
    char t[160];
    snprintf(t, sizeof(t), PROC_A "expect vmstat %048d == 1", 0);
    bad(t, 3, 15, "is not a field name");
    snprintf(t, sizeof(t), PROC_A "expect vmstat a%047d == 1", 0);
    bad(t, 3, 15, "too long (48 bytes; at most 47)");
}

static void test_diag_and_names(void **state)
{
    (void)state;
    struct vml_scenario *s = NULL;
    struct vml_diag d = { 0 };
    assert_int_equal(vml_scenario_parse("foo", 3, NULL, &s, &d), VML_EPARSE);
    assert_null(d.file);
    assert_int_equal(vml_scenario_parse("foo", 3, "x", &s, NULL), VML_EPARSE);
    assert_null(s);
    /* len is the end of the text, not a NUL. */
    s = ok_len("proc a\nfoo", 6);
    assert_int_equal(s->n_ops, 1);
    vml_scenario_free(s);

    assert_string_equal(vml_op_kind_name(VML_OP_MMAP), "mmap");
    assert_string_equal(vml_op_kind_name(VML_OP_FILE_CREATE), "file create");
    assert_string_equal(vml_op_kind_name(VML_OP_CPU_RUN), "cpu run");
    assert_string_equal(vml_op_kind_name(VML_OP_NR_KINDS), "?");
    for (unsigned k = 0; k < VML_OP_NR_KINDS; k++)
        assert_string_not_equal(vml_op_kind_name((enum vml_op_kind)k), "?");
    assert_string_equal(vml_procfile_name(VML_PROCFILE_SMAPS_ROLLUP), "smaps_rollup");
    assert_string_equal(vml_procfile_name(VML_PROCFILE_NUMASTAT), "numastat");
    assert_string_equal(vml_procfile_name(VML_PROCFILE_COUNT), "?");
    assert_string_equal(vml_cmp_name(VML_CMP_LE), "<=");
    assert_string_equal(vml_cmp_name(VML_CMP_NE), "!=");
    assert_string_equal(vml_cmp_name((enum vml_cmp)6), "?");
}

/* Many processes and mappings, a long fork chain: look-ups stay cheap (a quadratic parser
 * would take minutes here), and every name is still right at the end. */
static void test_scale(void **state)
{
    (void)state;
    enum { MAPS = 20000, FORKS = 20000 };
    size_t cap = (size_t)(MAPS + FORKS) * 48 + 64, len = 0;
    char *t = malloc(cap);
    assert_non_null(t);
    len += (size_t)snprintf(t + len, cap - len, "proc p0\n");
    for (int i = 0; i < MAPS; i++)
        len += (size_t)snprintf(t + len, cap - len, "p0 mmap m%d 4K anon private rw\n", i);
    for (int i = 0; i < FORKS; i++)
        len += (size_t)snprintf(t + len, cap - len, "p%d fork p%d\n", i, i + 1);
    len += (size_t)snprintf(t + len, cap - len, "p%d touch m%d read\np%d munmap m7\n", FORKS,
                            MAPS - 1, FORKS);
    struct vml_scenario *s = ok_len(t, len);
    assert_int_equal(s->n_ops, 1 + MAPS + FORKS + 2);
    vml_scenario_free(s);
    len += (size_t)snprintf(t + len, cap - len, "p%d touch m7 read\n", FORKS);
    bad_len(t, len, 1 + MAPS + FORKS + 3, 14, "was unmapped at line");
    free(t);
}

/* wait DURATION: a decimal number and a unit, in nanoseconds (hand-converted). */
static void test_wait(void **state)
{
    (void)state;
    struct vml_scenario *s;
    const struct vml_op *op = last("wait 20s\n", &s);
    assert_int_equal(op->kind, VML_OP_WAIT);
    assert_int_equal(op->u.wait.ns, 20000000000ull);
    assert_string_equal(op->proc, "");
    assert_string_equal(vml_op_kind_name(op->kind), "wait");
    vml_scenario_free(s);
    static const struct {
        const char *text;
        uint64_t ns;
    } cases[] = {
        { "wait 150ms", 150000000ull },
        { "wait 7us", 7000ull },
        { "wait 0ns", 0 },
        { "wait 2m", 120000000000ull },
        { "wait 1s # a comment", 1000000000ull },
        { "wait 18446744073709551615ns", UINT64_MAX },
        { "wait 307445734m", 307445734ull * 60000000000ull }, /* the most minutes that fit */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        op = last(cases[i].text, &s);
        assert_int_equal(op->u.wait.ns, cases[i].ns);
        vml_scenario_free(s);
    }
    bad("wait", 1, 5, "missing the duration (usage: wait DURATION");
    bad("wait 20", 1, 8, "duration '20' needs a unit: ns, us, ms, s or m");
    bad("wait 20h", 1, 8, "unknown unit 'h' in duration (use ns, us, ms, s or m)");
    bad("wait 20 s", 1, 8, "needs a unit");
    bad("wait s", 1, 6, "duration 's' must start with a decimal number");
    bad("wait -1s", 1, 6, "must start with a decimal number");
    bad("wait 18446744073709551616ns", 1, 6, "is too long (at most 2^64 - 1 ns)");
    bad("wait 307445735m", 1, 6, "is too long");
    bad("wait 1s 2s", 1, 9, "unexpected '2s' after the end of wait");
    bad("proc wait", 1, 6, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_lexer_errors),
        cmocka_unit_test(test_machine),
        cmocka_unit_test(test_proc),
        cmocka_unit_test(test_statement_errors),
        cmocka_unit_test(test_mmap),
        cmocka_unit_test(test_prot),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_range_ops),
        cmocka_unit_test(test_touch),
        cmocka_unit_test(test_fork_exit),
        cmocka_unit_test(test_brk),
        cmocka_unit_test(test_files_and_io),
        cmocka_unit_test(test_cpu_run),
        cmocka_unit_test(test_show),
        cmocka_unit_test(test_machine_thp),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_vm_settings),
        cmocka_unit_test(test_wait),
        cmocka_unit_test(test_show_thp_and_prctl),
        cmocka_unit_test(test_oom),
        cmocka_unit_test(test_expect_fail),
        cmocka_unit_test(test_expect),
        cmocka_unit_test(test_diag_and_names),
        cmocka_unit_test(test_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
