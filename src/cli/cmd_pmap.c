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
          "                      [--json] [--csv] [--proc DIR]\n\n"
          "One row per mapping of a process, from /proc/PID/smaps: address, permissions, file\n"
          "offset, name, Size, Rss, Pss, USS (Private_Clean + Private_Dirty), Swap and\n"
          "AnonHugePages. The totals row is the process's smaps_rollup, read right after: the\n"
          "kernel sums PSS there before rounding, so it can exceed the sum of the rows' PSS by\n"
          "less than 1 kB per mapping.\n",
          out);
}

enum { C_ADDR, C_PERM, C_OFF, C_SIZE, C_RSS, C_PSS, C_USS, C_SWAP, C_AHP, C_NAME, NCOLS };

static const struct col cols[NCOLS] = {
    [C_ADDR] = { "Address", COL_STR, NULL, NULL, "address", true },
    [C_PERM] = { "Perm", COL_STR, NULL, NULL, "perm", true },
    [C_OFF] = { "Offset", COL_STR, NULL, NULL, "offset", false },
    [C_SIZE] = { "Size", COL_BYTES, "vmlab_mapping_size_bytes", "Mapping size.", NULL, false },
    [C_RSS] = { "RSS", COL_BYTES, "vmlab_mapping_rss_bytes", "Resident.", NULL, false },
    [C_PSS] = { "PSS", COL_BYTES, "vmlab_mapping_pss_bytes", "Proportional set size.", NULL,
                false },
    [C_USS] = { "USS", COL_BYTES, "vmlab_mapping_uss_bytes", "Private_Clean + Private_Dirty.", NULL,
                false },
    [C_SWAP] = { "Swap", COL_BYTES, "vmlab_mapping_swap_bytes", "Swapped out.", NULL, false },
    [C_AHP] = { "AnonHuge", COL_BYTES, "vmlab_mapping_anon_huge_bytes", "AnonHugePages.", NULL,
                false },
    [C_NAME] = { "Mapping", COL_STR, NULL, NULL, "mapping", true },
};

struct rows {
    union cell *cells;
    char (*text)[4][96]; /* address, offset, name, perms */
    size_t n, cap;
    bool oom;
};

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
    char(*t)[96] = r->text[r->n];
    snprintf(t[0], 96, "%012llx", (unsigned long long)s->hdr.start);
    snprintf(t[1], 96, "%08llx", (unsigned long long)s->hdr.offset);
    snprintf(t[2], 96, "%s", s->hdr.name && *s->hdr.name ? s->hdr.name : "[anon]");
    snprintf(t[3], 96, "%s", s->hdr.perms);
    row[C_ADDR].s = t[0];
    row[C_PERM].s = t[3];
    row[C_OFF].s = t[1];
    row[C_NAME].s = t[2];
    row[C_SIZE].b = s->size << 10;
    row[C_RSS].b = s->c.rss << 10;
    row[C_PSS].b = s->c.pss << 10;
    row[C_USS].b = (s->c.private_clean + s->c.private_dirty) << 10;
    row[C_SWAP].b = s->c.swap << 10;
    row[C_AHP].b = s->c.anon_huge_pages << 10;
    r->n++;
    return 0;
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
        if (!pid && strspn(argv[i], "0123456789") == strlen(argv[i]) && argv[i][0])
            pid = argv[i];
        else
            return cli_error(EXIT_USAGE, "pmap: unexpected argument '%s' (usage: vmlab pmap PID)",
                             argv[i]);
    }
    const char *root = o.root;
    if (!pid)
        return cli_error(EXIT_USAGE, "pmap: which process? usage: vmlab pmap PID");
    char path[512];
    char *text = NULL, *roll = NULL;
    size_t len = 0, rlen = 0;
    snprintf(path, sizeof(path), "%s/%s/smaps", root, pid);
    int e = read_all(path, &text, &len);
    if (e)
        return cli_error(EXIT_FAIL, "pmap: cannot read %s: %s%s", path, strerror(e),
                         e == ENOENT   ? " (no such process)"
                         : e == EACCES ? " (run as root)"
                                       : "");
    struct rows rows = { 0 };
    struct vml_diag d = { 0 };
    int r = vml_proc_parse_smaps(text, len, add_row, &rows, &d);
    free(text);
    if (r || rows.oom) {
        free(rows.cells);
        free(rows.text);
        return rows.oom ? cli_error(EXIT_FAIL, "pmap: out of memory")
                        : cli_error(EXIT_FAIL, "pmap: %s:%u:%u: %s", path, d.line, d.col, d.msg);
    }
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
    table_print(stdout, o.fmt, &o.units, cols, NCOLS, rows.cells, rows.n,
                o.fmt == FMT_TEXT ? tot : NULL, labels);
    free(rows.cells);
    free(rows.text);
    return EXIT_OK;
}

const struct cli_command cli_cmd_pmap = {
    .name = "pmap",
    .summary = "one process's mappings: Size, RSS, PSS, USS, swap, huge pages",
    .run = run,
    .help = help,
};
