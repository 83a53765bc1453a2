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

#include "vmlab/live.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

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
    o->wide = false;
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
    else if (strcmp(argv[*i], "--wide") == 0)
        o->wide = true;
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

/* Whether the cell has a value (CELL_NO_* and a NULL string do not). */
static bool has_value(const struct col *c, const union cell *v)
{
    switch (c->kind) {
    case COL_INT: return v->i != CELL_NO_INT && v->i != CELL_BLANK_INT;
    case COL_BYTES: return v->b != CELL_NO_BYTES && v->b != CELL_BLANK_BYTES;
    default: return v->s != NULL;
    }
}

static void cell_text(char *buf, size_t n, const struct col *c, const union cell *v,
                      const struct units *u)
{
    if (c->kind != COL_STR && !has_value(c, v)) {
        bool blank = c->kind == COL_INT ? v->i == CELL_BLANK_INT : v->b == CELL_BLANK_BYTES;
        snprintf(buf, n, "%s", blank ? "" : "?");
        return;
    }
    if (c->kind == COL_BYTES && v->b == CELL_UNLIMITED) {
        snprintf(buf, n, "max");
        return;
    }
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

/* A Prometheus label value: UTF-8 (the text format requires it: other bytes become U+FFFD),
 * backslash, quote and newline escaped. */
static void prom_label(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        if (*p == '\\' || *p == '"')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (n == 0)
            fputs("\xef\xbf\xbd", out);
        else
            fwrite(p, 1, n, out);
        p += n ? n : 1;
    }
}

size_t table_width(FILE *out, const struct table_opts *o)
{
    if (o->wide || o->fmt != FMT_TEXT || !isatty(fileno(out)))
        return 0;
    /* COLUMNS first, as procps ps does: a user's explicit width wins over the terminal's. */
    const char *env = getenv("COLUMNS");
    if (env && *env && strspn(env, "0123456789") == strlen(env) && strlen(env) < 6 && atoi(env) > 0)
        return (size_t)atoi(env);
    struct winsize ws;
    if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

/* One text line: on a terminal of width w (0: none) cut to w columns (a UTF-8 sequence is one
 * column), its last one a '+'. Returns whether it was cut. */
static bool put_line(FILE *out, const struct vml_text *line, size_t w)
{
    const char *s = line->len ? line->s : "";
    size_t cols = 0, cut = line->len;
    for (size_t i = 0; i < line->len; i++) {
        if (((unsigned char)s[i] & 0xc0) == 0x80)
            continue; /* a continuation byte: same column */
        if (w && cols == w - 1)
            cut = i; /* where the '+' goes if the line is longer than w */
        if (w && ++cols > w) {
            fwrite(s, 1, cut, out);
            fputs("+\n", out);
            return true;
        }
    }
    fwrite(s, 1, line->len, out);
    fputc('\n', out);
    return false;
}

/* Appends s padded with spaces to width w (left-aligned or right-aligned). */
static void put_padded(struct vml_text *t, const char *s, size_t len, size_t w, bool left)
{
    if (!left)
        for (size_t i = len; i < w; i++)
            vml_text_append(t, " ", 1);
    vml_text_append(t, s, len);
    if (left)
        for (size_t i = len; i < w; i++)
            vml_text_append(t, " ", 1);
}

/* Makes a cell printable on a terminal in place: control bytes and bytes that are not UTF-8
 * become '?'. Returns its width in columns. */
static size_t sanitize(char *cell, size_t len)
{
    size_t cols = 0;
    for (size_t i = 0; i < len; cols++) {
        unsigned char c = (unsigned char)cell[i];
        size_t n = c < 0x20 || c == 0x7f ? 0 : utf8_len((const unsigned char *)cell + i);
        if (n == 0 || i + n > len) {
            cell[i++] = '?';
            continue;
        }
        i += n;
    }
    return cols;
}

/* Byte length of the first `cols` columns of a sanitized cell. */
static size_t prefix_bytes(const char *cell, size_t len, size_t cols)
{
    size_t i = 0;
    for (size_t c = 0; c < cols && i < len; c++) {
        size_t n = utf8_len((const unsigned char *)cell + i);
        i += n ? n : 1;
    }
    return i;
}

/* A text column narrower than its widest cell: text columns but the last are at most this
 * wide, a cut cell ending in '+' (as procps ps marks a cut user name). */
#define MAX_TEXT_COL 40

static size_t print_text(FILE *out, const struct table_opts *o, const struct col *cols,
                         size_t ncols, const union cell *rows, size_t nrows,
                         const union cell *totals)
{
    /* Every cell is formatted once, into one arena (cells at off[]), for both the widths and
     * the output: a thousand processes are fifteen thousand cells. Widths count columns. */
    size_t ncells = (nrows + 1) * ncols, cap = ncells * 8 + 64, used = 0, ncut = 0;
    size_t width = table_width(out, o);
    size_t *w = calloc(ncols, sizeof(*w));
    size_t *off = malloc((ncells + 1) * sizeof(*off));
    size_t *cw = malloc((ncells + 1) * sizeof(*cw));
    char *arena = malloc(cap);
    char buf[512];
    struct vml_text line = { 0 };
    if (!w || !off || !cw || !arena)
        goto out;
    for (size_t r = 0; r <= nrows; r++) {
        const union cell *row = r < nrows ? rows + r * ncols : totals;
        for (size_t c = 0; c < ncols; c++) {
            const char *v = buf;
            buf[0] = 0;
            if (row && cols[c].kind == COL_STR)
                v = row[c].s ? row[c].s : ""; /* whole: a path or command may be long */
            else if (row)
                cell_text(buf, sizeof(buf), &cols[c], &row[c], &o->units);
            size_t l = strlen(v);
            if (cap - used < l + 1) {
                while (cap - used < l + 1)
                    cap *= 2;
                char *grown = realloc(arena, cap);
                if (!grown)
                    goto out;
                arena = grown;
            }
            off[r * ncols + c] = used;
            memcpy(arena + used, v, l);
            cw[r * ncols + c] = sanitize(arena + used, l);
            used += l;
            arena[used++] = 0;
        }
    }
    off[ncells] = used;
    /* The last column shown, when left-aligned text (a command), is not padded: it may be
     * long. */
    size_t lastvis = ncols;
    for (size_t c = 0; c < ncols; c++)
        if (!cols[c].no_text)
            lastvis = c;
    for (size_t c = 0; c < ncols; c++)
        w[c] = strlen(cols[c].name);
    for (size_t r = 0; r <= nrows; r++) {
        if (r == nrows && !totals)
            continue;
        for (size_t c = 0; c < ncols; c++) {
            size_t l = cw[r * ncols + c];
            if (l > w[c] && !(cols[c].left && c == lastvis))
                w[c] = l > MAX_TEXT_COL && cols[c].kind == COL_STR ? MAX_TEXT_COL : l;
        }
    }
    bool first = true;
    for (size_t c = 0; c < ncols; c++) {
        if (cols[c].no_text)
            continue;
        if (!first)
            vml_text_append(&line, " ", 1);
        first = false;
        put_padded(&line, cols[c].name, strlen(cols[c].name), w[c], cols[c].left);
    }
    ncut += put_line(out, &line, width);
    for (size_t r = 0; r <= nrows; r++) {
        if (r == nrows) {
            if (!totals)
                continue;
            size_t total = 0;
            first = true;
            for (size_t c = 0; c < ncols; c++) {
                if (!cols[c].no_text) {
                    total += w[c] + (first ? 0 : 1);
                    first = false;
                }
            }
            line.len = 0;
            for (size_t i = 0; i < total; i++)
                vml_text_append(&line, "-", 1);
            ncut += put_line(out, &line, width);
        }
        line.len = 0;
        first = true;
        for (size_t c = 0; c < ncols; c++) {
            if (cols[c].no_text)
                continue;
            char *cell = arena + off[r * ncols + c];
            size_t l = off[r * ncols + c + 1] - off[r * ncols + c] - 1, n = cw[r * ncols + c];
            bool last = c == lastvis && cols[c].left;
            if (!first)
                vml_text_append(&line, " ", 1);
            first = false;
            if (cols[c].kind == COL_STR && n > w[c] && !last) {
                /* Cut, and marked so: never silently. */
                l = prefix_bytes(cell, l, w[c] - 1);
                vml_text_append(&line, cell, l);
                vml_text_append(&line, "+", 1);
                continue;
            }
            if (last) {
                vml_text_append(&line, cell, l);
            } else {
                put_padded(&line, cell, l, w[c] > n ? w[c] - n + l : l, cols[c].left);
            }
        }
        ncut += put_line(out, &line, width);
    }
out:
    vml_text_free(&line);
    free(arena);
    free(cw);
    free(off);
    free(w);
    return ncut;
}

void table_cut_note(FILE *out, size_t n)
{
    if (n)
        fprintf(out,
                "%zu line%s cut at the terminal's width ('+' at the end): --wide prints "
                "them whole\n",
                n, n == 1 ? "" : "s");
}

/* A JSON or CSV value of a number cell: the number, or null / nothing. */
static void put_number(FILE *out, enum table_format f, const struct col *c, const union cell *v)
{
    if (!has_value(c, v))
        fputs(f == FMT_JSON ? "null" : "", out);
    else if (c->kind == COL_BYTES && v->b == CELL_UNLIMITED)
        fputs(f == FMT_JSON ? "\"max\"" : "max", out);
    else if (c->kind == COL_BYTES)
        fprintf(out, "%" PRIu64, v->b);
    else
        fprintf(out, "%" PRId64, v->i);
}

size_t table_print(FILE *out, const struct table_opts *o, const struct col *cols, size_t ncols,
                   const union cell *rows, size_t nrows, const union cell *totals,
                   const int *labels)
{
    enum table_format f = o->fmt;
    if (f == FMT_TEXT)
        return print_text(out, o, cols, ncols, rows, nrows, totals);
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
                if (cols[c].kind != COL_STR && !has_value(&cols[c], &row[c]))
                    continue; /* not read: no sample, rather than a false 0 */
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
                if (cols[c].kind == COL_STR) { /* an info metric: its own label too */
                    fprintf(out, ",%s=\"", cols[c].label);
                    prom_label(out, row[c].s);
                    fputc('"', out);
                }
                fprintf(out, "} ");
                if (cols[c].kind == COL_STR)
                    fputs("1\n", out); /* an info metric: the labels are the value */
                else if (cols[c].kind == COL_BYTES && row[c].b == CELL_UNLIMITED)
                    fputs("+Inf\n", out);
                else if (cols[c].kind == COL_BYTES)
                    fprintf(out, "%" PRIu64 "\n", row[c].b);
                else
                    fprintf(out, "%" PRId64 "\n", row[c].i);
            }
        }
        return 0;
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
            if (cols[c].kind == COL_STR && !row[c].s)
                fputs(f == FMT_JSON ? "null" : "", out);
            else if (cols[c].kind == COL_STR)
                (f == FMT_JSON ? json_string : csv_string)(out, row[c].s);
            else
                put_number(out, f, &cols[c], &row[c]);
        }
        fputs(f == FMT_JSON ? "}" : "\r\n", out);
    }
    if (f == FMT_JSON)
        fputs(nrows ? "\n]\n" : "]\n", out);
    return 0;
}

const char *table_escape(char *buf, size_t n, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t used = 0, shown = 0;
    if (n == 0)
        return buf;
    buf[0] = 0;
    while (*p) {
        char piece[8];
        size_t len = utf8_len(p), step = len ? len : 1;
        if (*p == '\\')
            snprintf(piece, sizeof(piece), "\\\\");
        else if (len == 0 || *p < 0x20 || *p == 0x7f)
            snprintf(piece, sizeof(piece), "\\x%02x", *p);
        else {
            memcpy(piece, p, len);
            piece[len] = 0;
        }
        size_t pl = strlen(piece);
        /* Room for this piece and, if more follows, for "..." and the NUL. */
        if (shown >= 60 || used + pl + 4 > n) {
            snprintf(buf + used, n - used, "...");
            return buf;
        }
        memcpy(buf + used, piece, pl);
        used += pl;
        buf[used] = 0;
        shown++;
        p += step;
    }
    return buf;
}

int table_check_root(const char *tool, const char *root)
{
    const char *why = NULL;
    int r = vml_live_root_check(root, &why);
    if (r == 0)
        return 0;
    char e[256];
    table_escape(e, sizeof(e), root);
    /* A tree from vmlab run --export-proc DIR is DIR/proc: say so when DIR was given. */
    char sub[4096];
    const char *why2 = NULL;
    snprintf(sub, sizeof(sub), "%s/proc", root);
    if (r != VML_EHOST && vml_live_root_check(sub, &why2) == 0)
        return cli_error(EXIT_USAGE,
                         "%s: --proc %s: %s; it holds a proc tree under proc/: use "
                         "--proc %s/proc",
                         tool, e, why, e);
    return cli_error(r == VML_EHOST ? EXIT_FAIL : EXIT_USAGE,
                     "%s: --proc %s: %s; give /proc, a copy of one, or DIR/proc after vmlab run "
                     "--export-proc DIR",
                     tool, e, why);
}
