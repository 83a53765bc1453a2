/* cli/table.c: the live tools' output formats (see table.h).
 *
 * Escaping: JSON strings escape quotes, backslashes and control bytes, and replace each byte
 * that is not part of valid UTF-8 with U+FFFD (JSON text must be Unicode); CSV quotes a field
 * holding a comma, quote, CR or LF and doubles its quotes (RFC 4180), bytes as they are;
 * Prometheus label values escape backslash, quote and newline (text exposition format).
 */
#include "cli/table.h"

#include "cli/cli.h"
#include "cli/units.h"
#include "vmlab/base.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int table_format_parse(const char *s, enum table_format *f)
{
    static const char *names[] = { "text", "json", "csv", "prometheus" };
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *f = (enum table_format)i;
            return 0;
        }
    }
    cli_error(EXIT_USAGE, "unknown format '%s' (use text, json, csv or prometheus)", s);
    return -1;
}

int table_units_parse(const char *s, struct units *u)
{
    static const struct {
        const char *name;
        uint64_t div;
    } units[] = { { "human", 0 }, { "B", 1 }, { "K", 1024 }, { "M", 1 << 20 }, { "G", 1 << 30 } };
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s, units[i].name) == 0) {
            u->div = units[i].div;
            u->suffix = units[i].div <= 1 ? "" : units[i].name;
            return 0;
        }
    }
    cli_error(EXIT_USAGE, "unknown unit '%s' (use human, B, K, M or G)", s);
    return -1;
}

void table_opts_init(struct table_opts *o)
{
    o->fmt = FMT_TEXT;
    o->units = (struct units){ 0, "" };
    o->root = "/proc";
}

int table_opt(int argc, char **argv, int *i, struct table_opts *o)
{
    const char *v;
    int m;
    if ((m = cli_opt(argc, argv, i, "--units", &v)) != 0)
        return m < 0 || table_units_parse(v, &o->units) ? -1 : 1;
    if ((m = cli_opt(argc, argv, i, "--format", &v)) != 0)
        return m < 0 || table_format_parse(v, &o->fmt) ? -1 : 1;
    if ((m = cli_opt(argc, argv, i, "--proc", &v)) != 0) {
        if (m > 0)
            o->root = v;
        return m;
    }
    if (strcmp(argv[*i], "--json") == 0)
        o->fmt = FMT_JSON;
    else if (strcmp(argv[*i], "--csv") == 0)
        o->fmt = FMT_CSV;
    else
        return 0;
    return 1;
}

static void bytes_text(char *buf, size_t n, uint64_t v, const struct units *u)
{
    if (u->div) {
        snprintf(buf, n, "%" PRIu64 "%s", v / u->div, u->suffix);
        return;
    }
    units_human(buf, n, v);
}

static void cell_text(char *buf, size_t n, const struct col *c, const union cell *v,
                      const struct units *u)
{
    switch (c->kind) {
    case COL_INT: snprintf(buf, n, "%" PRId64, v->i); break;
    case COL_BYTES: bytes_text(buf, n, v->b, u); break;
    default: snprintf(buf, n, "%s", v->s ? v->s : ""); break;
    }
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if s does not start one. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xe0) == 0xc0   ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3
               : (s[0] & 0xf8) == 0xf0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0)))
        return 0; /* overlong, or a surrogate */
    if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90)))
        return 0;
    return n;
}

void cli_json_string(struct vml_text *t, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    vml_text_append(t, "\"", 1);
    while (*p) {
        if (*p == '"' || *p == '\\') {
            vml_text_printf(t, "\\%c", *p++);
        } else if (*p < 0x20 || *p == 0x7f) {
            vml_text_printf(t, "\\u%04x", *p++);
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                vml_text_printf(t, "\\ufffd");
                p++;
            } else {
                vml_text_append(t, (const char *)p, n);
                p += n;
            }
        }
    }
    vml_text_append(t, "\"", 1);
}

static void json_string(FILE *out, const char *s)
{
    struct vml_text t = { 0 };
    cli_json_string(&t, s);
    if (t.len)
        fwrite(t.s, 1, t.len, out);
    vml_text_free(&t);
}

static void csv_string(FILE *out, const char *s)
{
    s = s ? s : "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void prom_label(FILE *out, const char *s)
{
    for (s = s ? s : ""; *s; s++) {
        if (*s == '\\' || *s == '"')
            fprintf(out, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

/* Writes s padded with spaces to width w (left-aligned or right-aligned). */
static void put_padded(FILE *out, const char *s, size_t len, size_t w, bool left)
{
    if (!left)
        for (size_t i = len; i < w; i++)
            fputc(' ', out);
    fwrite(s, 1, len, out);
    if (left)
        for (size_t i = len; i < w; i++)
            fputc(' ', out);
}

static void print_text(FILE *out, const struct units *u, const struct col *cols, size_t ncols,
                       const union cell *rows, size_t nrows, const union cell *totals)
{
    /* Every cell is formatted once, into one arena (cells at off[]), for both the widths and
     * the output: a thousand processes are fifteen thousand cells. */
    size_t ncells = (nrows + 1) * ncols, cap = ncells * 8 + 64, used = 0;
    size_t *w = calloc(ncols, sizeof(*w));
    size_t *off = malloc((ncells + 1) * sizeof(*off));
    char *arena = malloc(cap);
    char buf[512];
    if (!w || !off || !arena)
        goto out;
    for (size_t r = 0; r <= nrows; r++) {
        const union cell *row = r < nrows ? rows + r * ncols : totals;
        for (size_t c = 0; c < ncols; c++) {
            size_t l = 0;
            if (row) {
                cell_text(buf, sizeof(buf), &cols[c], &row[c], u);
                l = strlen(buf);
            }
            if (cap - used < l + 1) {
                while (cap - used < l + 1)
                    cap *= 2;
                char *grown = realloc(arena, cap);
                if (!grown)
                    goto out;
                arena = grown;
            }
            off[r * ncols + c] = used;
            memcpy(arena + used, buf, l);
            used += l;
            arena[used++] = 0;
        }
    }
    off[ncells] = used;
    for (size_t c = 0; c < ncols; c++)
        w[c] = strlen(cols[c].name);
    for (size_t r = 0; r <= nrows; r++) {
        if (r == nrows && !totals)
            continue;
        for (size_t c = 0; c < ncols; c++) {
            size_t l = off[r * ncols + c + 1] - off[r * ncols + c] - 1;
            /* The last left-aligned text column (a command) is not padded: it may be long. */
            if (l > w[c] && !(cols[c].left && c == ncols - 1))
                w[c] = l > 40 && cols[c].kind == COL_STR ? 40 : l;
        }
    }
    for (size_t c = 0; c < ncols; c++) {
        if (c)
            fputc(' ', out);
        put_padded(out, cols[c].name, strlen(cols[c].name), w[c], cols[c].left);
    }
    fputc('\n', out);
    for (size_t r = 0; r <= nrows; r++) {
        if (r == nrows) {
            if (!totals)
                continue;
            size_t total = 0;
            for (size_t c = 0; c < ncols; c++)
                total += w[c] + (c ? 1 : 0);
            for (size_t i = 0; i < total; i++)
                fputc('-', out);
            fputc('\n', out);
        }
        for (size_t c = 0; c < ncols; c++) {
            char *cell = arena + off[r * ncols + c];
            size_t l = off[r * ncols + c + 1] - off[r * ncols + c] - 1;
            if (cols[c].kind == COL_STR && l > w[c] && c != ncols - 1)
                l = w[c];
            for (size_t i = 0; i < l; i++) /* no control bytes on a terminal */
                if ((unsigned char)cell[i] < 0x20)
                    cell[i] = '?';
            if (c)
                fputc(' ', out);
            if (c == ncols - 1 && cols[c].left)
                fwrite(cell, 1, l, out);
            else
                put_padded(out, cell, l, w[c], cols[c].left);
        }
        fputc('\n', out);
    }
out:
    free(arena);
    free(off);
    free(w);
}

void table_print(FILE *out, enum table_format f, const struct units *u, const struct col *cols,
                 size_t ncols, const union cell *rows, size_t nrows, const union cell *totals,
                 const int *labels)
{
    if (f == FMT_TEXT) {
        print_text(out, u, cols, ncols, rows, nrows, totals);
        return;
    }
    if (f == FMT_CSV) {
        for (size_t c = 0; c < ncols; c++) {
            fputs(c ? "," : "", out);
            csv_string(out, cols[c].name);
        }
        fputs("\r\n", out);
    }
    if (f == FMT_JSON)
        fputs("[", out);
    if (f == FMT_PROM) {
        for (size_t c = 0; c < ncols; c++) {
            if (!cols[c].metric)
                continue;
            fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", cols[c].metric, cols[c].help,
                    cols[c].metric);
            for (size_t r = 0; r < nrows; r++) {
                const union cell *row = rows + r * ncols;
                fprintf(out, "%s{", cols[c].metric);
                for (const int *l = labels; *l >= 0; l++) {
                    char buf[64];
                    const char *v = row[*l].s;
                    if (cols[*l].kind != COL_STR) {
                        cell_text(buf, sizeof(buf), &cols[*l], &row[*l], &(struct units){ 1, "" });
                        v = buf;
                    }
                    fprintf(out, "%s%s=\"", l == labels ? "" : ",", cols[*l].label);
                    prom_label(out, v);
                    fputc('"', out);
                }
                fprintf(out, "} ");
                if (cols[c].kind == COL_BYTES)
                    fprintf(out, "%" PRIu64 "\n", row[c].b);
                else
                    fprintf(out, "%" PRId64 "\n", row[c].i);
            }
        }
        return;
    }
    for (size_t r = 0; r < nrows; r++) {
        const union cell *row = rows + r * ncols;
        if (f == FMT_JSON)
            fputs(r ? ",\n {" : "\n {", out);
        for (size_t c = 0; c < ncols; c++) {
            if (f == FMT_JSON) {
                fputs(c ? ", " : "", out);
                json_string(out, cols[c].name);
                fputs(": ", out);
            } else if (c) {
                fputc(',', out);
            }
            if (cols[c].kind == COL_STR)
                (f == FMT_JSON ? json_string : csv_string)(out, row[c].s);
            else if (cols[c].kind == COL_BYTES)
                fprintf(out, "%" PRIu64, row[c].b);
            else
                fprintf(out, "%" PRId64, row[c].i);
        }
        fputs(f == FMT_JSON ? "}" : "\r\n", out);
    }
    if (f == FMT_JSON)
        fputs(nrows ? "\n]\n" : "]\n", out);
}
