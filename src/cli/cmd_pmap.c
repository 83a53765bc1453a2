/* cli/cmd_pmap.c: vmlab pmap PID: one process's mappings with their real memory. */
#include "cli/cli.h"
#include "cli/table.h"

#include "vmlab/vmlab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fputs("Usage: vmlab pmap PID [--units human|B|K|M|G] [--format text|json|csv|prometheus]\n"
          "                      [--json] [--csv] [--wide] [--proc DIR]\n\n"
          "One row per mapping of a process, from /proc/PID/smaps: address, permissions, file\n"
          "offset, name, Size, Rss, Pss, USS (Private_Clean + Private_Dirty), Swap and\n"
          "AnonHugePages. The totals row is the process's smaps_rollup, read right after: the\n"
          "kernel sums PSS there before rounding, so it can exceed the sum of the rows' PSS by\n"
          "less than 1 kB per mapping. Mapping names are printed whole, however long; on a\n"
          "terminal a line wider than it is cut to its width and ends in '+' (--wide: whole).\n"
          "USS here is a mapping's pages that only this process maps: for a file mapping they\n"
          "stay in the page cache when the process dies (see vmlab help ps).\n"
          "A process that has exited (a zombie, or gone) or a kernel thread has no mappings:\n"
          "that is an error, as is a PID that does not exist.\n",
          out);
}

enum { C_ADDR, C_PERM, C_OFF, C_SIZE, C_RSS, C_PSS, C_USS, C_SWAP, C_AHP, C_NAME, NCOLS };

static const struct col cols[NCOLS] = {
    [C_ADDR] = { "Address", COL_STR, NULL, NULL, "address", true, false },
    [C_PERM] = { "Perm", COL_STR, NULL, NULL, "perm", true, false },
    [C_OFF] = { "Offset", COL_STR, NULL, NULL, "offset", false, false },
    [C_SIZE] = { "Size", COL_BYTES, "vmlab_mapping_size_bytes", "Mapping size.", NULL, false,
                 false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_mapping_rss_bytes", "Resident.", NULL, false, false },
    [C_PSS] = { "PSS", COL_BYTES, "vmlab_mapping_pss_bytes", "Proportional set size.", NULL, false,
                false },
    [C_USS] = { "USS", COL_BYTES, "vmlab_mapping_uss_bytes", "Private_Clean + Private_Dirty.", NULL,
                false, false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_mapping_swap_bytes", "Swapped out.", NULL, false,
                 false },
    [C_AHP] = { "AnonHuge", COL_BYTES, "vmlab_mapping_anon_huge_bytes", "AnonHugePages.", NULL,
                false, false },
    [C_NAME] = { "Mapping", COL_STR, NULL, NULL, "mapping", true, false },
};

/* The rows' strings live in one arena that owns them all; while rows are added it grows (and
 * moves), so a row keeps offsets into it, and the cells point into it only once it is final
 * (finish_rows). */
enum { T_ADDR, T_OFF, T_NAME, T_PERM, NTEXT };

struct rows {
    union cell *cells;
    size_t (*text)[NTEXT]; /* offsets into arena */
    struct vml_text arena;
    size_t n, cap;
    bool oom;
};

static void put_text(struct rows *r, size_t *off, const char *s)
{
    *off = r->arena.len;
    vml_text_append(&r->arena, s, strlen(s) + 1);
}

static int add_row(const struct vml_smaps *s, void *ctx)
{
    struct rows *r = ctx;
    if (r->n == r->cap) {
        size_t c = r->cap ? 2 * r->cap : 64;
        union cell *cells = realloc(r->cells, c * NCOLS * sizeof(*cells));
        if (cells)
            r->cells = cells;
        void *text = cells ? realloc(r->text, c * sizeof(*r->text)) : NULL;
        if (!cells || !text) {
            r->oom = true;
            return 1;
        }
        r->text = text;
        r->cap = c;
    }
    union cell *row = r->cells + r->n * NCOLS;
    size_t *t = r->text[r->n];
    char buf[32];
    snprintf(buf, sizeof(buf), "%012llx", (unsigned long long)s->hdr.start);
    put_text(r, &t[T_ADDR], buf);
    snprintf(buf, sizeof(buf), "%08llx", (unsigned long long)s->hdr.offset);
    put_text(r, &t[T_OFF], buf);
    /* The whole name, however long: a path is never cut here. */
    put_text(r, &t[T_NAME], s->hdr.name && *s->hdr.name ? s->hdr.name : "[anon]");
    put_text(r, &t[T_PERM], s->hdr.perms);
    if (r->arena.oom) {
        r->oom = true;
        return 1;
    }
    row[C_SIZE].b = s->size << 10;
    row[C_RSS].b = s->c.rss << 10;
    row[C_PSS].b = s->c.pss << 10;
    row[C_USS].b = (s->c.private_clean + s->c.private_dirty) << 10;
    row[C_SWAP].b = s->c.swap << 10;
    row[C_AHP].b = s->c.anon_huge_pages << 10;
    r->n++;
    return 0;
}

/* Points the string cells into the arena, which no longer changes. */
static void finish_rows(struct rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        union cell *row = r->cells + i * NCOLS;
        row[C_ADDR].s = r->arena.s + r->text[i][T_ADDR];
        row[C_OFF].s = r->arena.s + r->text[i][T_OFF];
        row[C_NAME].s = r->arena.s + r->text[i][T_NAME];
        row[C_PERM].s = r->arena.s + r->text[i][T_PERM];
    }
}

static void free_rows(struct rows *r)
{
    free(r->cells);
    free(r->text);
    vml_text_free(&r->arena);
}

static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno;
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *c = realloc(b, cap * 2);
        if (!c) {
            free(b);
            b = NULL;
            break;
        }
        b = c;
        cap *= 2;
    }
    int e = ferror(f) ? EIO : b ? 0 : ENOMEM;
    fclose(f);
    if (e) {
        free(b);
        return e;
    }
    *out = b;
    *len = n;
    return 0;
}

/* Why a process that is listed has no mappings to show: exited (a zombie, or gone while it was
 * read) or a kernel thread; from its status (State, Kthread). */
static int no_mappings(const char *root, const char *pid)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/%s", root, pid);
    struct vml_text st = { 0 };
    int r = vml_live_read(dir, "status", &st);
    const char *s = r == 0 && st.s ? st.s : "";
    const char *state = strstr(s, "\nState:");
    const char *kthread = strstr(s, "\nKthread:");
    if (state)
        state += strspn(state + 7, " \t") + 7;
    bool zombie = state && *state == 'Z';
    bool kernel = kthread && atoi(kthread + 9) == 1;
    vml_text_free(&st);
    if (r != 0)
        return cli_error(EXIT_FAIL,
                         "pmap: process %s exited while it was read: no mappings to "
                         "show (vmlab ps lists the processes that are running)",
                         pid);
    if (zombie)
        return cli_error(EXIT_FAIL,
                         "pmap: process %s has exited (a zombie its parent has not "
                         "reaped): it has no mappings left (vmlab ps lists the running ones)",
                         pid);
    if (kernel)
        return cli_error(EXIT_FAIL,
                         "pmap: process %s is a kernel thread: it has no address "
                         "space of its own (vmlab ps --kernel lists them)",
                         pid);
    return cli_error(EXIT_FAIL,
                     "pmap: process %s has no address space (it is exiting, or a "
                     "kernel thread): no mappings to show",
                     pid);
}

static int run(int argc, char **argv)
{
    const char *pid = NULL;
    struct table_opts o;
    table_opts_init(&o);
    for (int i = 1; i < argc; i++) {
        int m = table_opt(argc, argv, &i, &o);
        if (m < 0)
            return EXIT_USAGE;
        if (m > 0)
            continue;
        char e[256];
        if (!pid && strspn(argv[i], "0123456789") == strlen(argv[i]) && argv[i][0] &&
            strlen(argv[i]) < 10)
            pid = argv[i];
        else if (!pid && argv[i][0] != '-')
            return cli_error(EXIT_USAGE, "pmap: '%s' is not a process id (usage: vmlab pmap PID)",
                             table_escape(e, sizeof(e), argv[i]));
        else
            return cli_error(EXIT_USAGE, "pmap: unexpected argument '%s' (usage: vmlab pmap PID)",
                             table_escape(e, sizeof(e), argv[i]));
    }
    const char *root = o.root;
    if (!pid)
        return cli_error(EXIT_USAGE, "pmap: which process? usage: vmlab pmap PID");
    int r = table_check_root("pmap", root);
    if (r)
        return r;
    char path[512], epath[256];
    char *text = NULL, *roll = NULL;
    size_t len = 0, rlen = 0;
    snprintf(path, sizeof(path), "%s/%s/smaps", root, pid);
    table_escape(epath, sizeof(epath), path);
    int e = read_all(path, &text, &len);
    if (e == ENOENT || e == ESRCH)
        return cli_error(EXIT_FAIL,
                         "pmap: no process %s in %s (it has exited, or never "
                         "existed: vmlab ps lists the running ones)",
                         pid, table_escape(path, sizeof(path), root));
    if (e)
        return cli_error(EXIT_FAIL, "pmap: cannot read %s: %s%s", epath, strerror(e),
                         e == EACCES ? " (another user's process: run as root)" : "");
    struct rows rows = { 0 };
    struct vml_diag d = { 0 };
    r = vml_proc_parse_smaps(text, len, add_row, &rows, &d);
    free(text);
    if (r || rows.oom) {
        free_rows(&rows);
        return rows.oom ? cli_error(EXIT_FAIL, "pmap: out of memory")
                        : cli_error(EXIT_FAIL, "pmap: %s:%u:%u: %s", epath, d.line, d.col, d.msg);
    }
    if (rows.n == 0) {
        free_rows(&rows);
        return no_mappings(root, pid);
    }
    finish_rows(&rows);
    /* Totals: the kernel's own sum. */
    union cell tot[NCOLS];
    memset(tot, 0, sizeof(tot));
    tot[C_ADDR].s = "";
    tot[C_PERM].s = "";
    tot[C_OFF].s = "";
    tot[C_NAME].s = "total (smaps_rollup)";
    snprintf(path, sizeof(path), "%s/%s/smaps_rollup", root, pid);
    struct vml_smaps_counts c;
    uint64_t s0, s1;
    if (read_all(path, &roll, &rlen) == 0 &&
        vml_proc_parse_smaps_rollup(roll, rlen, &s0, &s1, &c, NULL) == 0) {
        tot[C_RSS].b = c.rss << 10;
        tot[C_PSS].b = c.pss << 10;
        tot[C_USS].b = (c.private_clean + c.private_dirty) << 10;
        tot[C_SWAP].b = c.swap << 10;
        tot[C_AHP].b = c.anon_huge_pages << 10;
    } else {
        tot[C_NAME].s = "total (sum of the rows: no smaps_rollup)";
        for (size_t i = 0; i < rows.n; i++)
            for (int k = C_RSS; k <= C_AHP; k++)
                tot[k].b += rows.cells[i * NCOLS + k].b;
    }
    for (size_t i = 0; i < rows.n; i++)
        tot[C_SIZE].b += rows.cells[i * NCOLS + C_SIZE].b;
    free(roll);
    static const int labels[] = { C_ADDR, C_NAME, -1 };
    size_t cut = table_print(stdout, &o, cols, NCOLS, rows.cells, rows.n,
                             o.fmt == FMT_TEXT ? tot : NULL, labels);
    table_cut_note(stdout, cut);
    free_rows(&rows);
    return EXIT_OK;
}

const struct cli_command cli_cmd_pmap = {
    .name = "pmap",
    .summary = "one process's mappings: Size, RSS, PSS, USS, swap, huge pages",
    .run = run,
    .help = help,
};
