/* util/csv.c: the CSV reader (see csv.h). */
#include "vmlab/csv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(struct vml_diag *d, const char *name, unsigned line, unsigned col, const char *msg)
{
    if (d) {
        memset(d, 0, sizeof(*d));
        d->file = name;
        d->line = line;
        d->col = col;
        snprintf(d->msg, sizeof(d->msg), "%s", msg);
    }
    return VML_EPARSE;
}

struct builder {
    struct vml_csv_cell *cells;
    size_t n, cap;
};

static int push(struct builder *b, const char *s, size_t len, unsigned line, unsigned col)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct vml_csv_cell *p = realloc(b->cells, cap * sizeof(*p));
        if (!p)
            return VML_EHOST;
        b->cells = p;
        b->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return VML_EHOST;
    memcpy(copy, s, len);
    copy[len] = 0;
    b->cells[b->n++] = (struct vml_csv_cell){ copy, line, col };
    return 0;
}

void vml_csv_free(struct vml_csv *c)
{
    size_t n = c->cells ? (c->nrows + 1) * c->ncols : 0;
    for (size_t i = 0; i < n; i++)
        free(c->cells[i].s);
    free(c->cells);
    memset(c, 0, sizeof(*c));
}

int vml_csv_parse(const char *data, size_t len, const char *name, struct vml_csv *out,
                  struct vml_diag *diag)
{
    memset(out, 0, sizeof(*out));
    struct builder b = { 0 };
    char *field = malloc(len + 1); /* one field, unquoted: never longer than the input */
    if (!field)
        return VML_EHOST;
    size_t i = 0, row_start_cell = 0;
    unsigned line = 1, col = 1;
    int e = 0;
    size_t ncols = 0;
    bool header_done = false;
    while (i < len && !e) {
        /* a line: skip it when blank */
        if (data[i] == '\n' || (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
            i += data[i] == '\r' ? 2 : 1;
            line++;
            col = 1;
            continue;
        }
        row_start_cell = b.n;
        for (;;) {
            unsigned fline = line, fcol = col;
            size_t flen = 0;
            if (i < len && data[i] == '"') {
                i++;
                col++;
                for (;;) {
                    if (i >= len) {
                        e = fail(diag, name, fline, fcol, "unterminated quoted field");
                        break;
                    }
                    char ch = data[i];
                    if (ch == '"') {
                        if (i + 1 < len && data[i + 1] == '"') {
                            field[flen++] = '"';
                            i += 2;
                            col += 2;
                            continue;
                        }
                        i++;
                        col++;
                        break;
                    }
                    if (ch == '\0') {
                        e = fail(diag, name, line, col, "a NUL byte in the text");
                        break;
                    }
                    field[flen++] = ch;
                    i++;
                    if (ch == '\n') {
                        line++;
                        col = 1;
                    } else {
                        col++;
                    }
                }
                if (e)
                    break;
                if (i < len && data[i] != ',' && data[i] != '\n' &&
                    !(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
                    e = fail(diag, name, line, col,
                             "text after a closing quote (a quote inside a quoted field is "
                             "written \"\")");
                    break;
                }
            } else {
                while (i < len && data[i] != ',' && data[i] != '\n' &&
                       !(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')) {
                    if (data[i] == '\0') {
                        e = fail(diag, name, line, col, "a NUL byte in the text");
                        break;
                    }
                    if (data[i] == '"') {
                        e = fail(diag, name, line, col,
                                 "a quote inside an unquoted field (quote the whole field)");
                        break;
                    }
                    field[flen++] = data[i++];
                    col++;
                }
                if (e)
                    break;
            }
            if ((e = push(&b, field, flen, fline, fcol)) != 0)
                break;
            if (i < len && data[i] == ',') {
                i++;
                col++;
                continue;
            }
            break; /* end of line or input */
        }
        if (e)
            break;
        size_t nf = b.n - row_start_cell;
        if (!header_done) {
            ncols = nf;
            for (size_t k = 0; k < nf && !e; k++) {
                const struct vml_csv_cell *h = &b.cells[row_start_cell + k];
                if (!h->s[0])
                    e = fail(diag, name, h->line, h->col, "an empty column name in the header");
                for (size_t j = 0; j < k && !e; j++)
                    if (strcmp(b.cells[row_start_cell + j].s, h->s) == 0) {
                        char msg[200];
                        snprintf(msg, sizeof(msg), "column \"%.80s\" is named twice in the header",
                                 h->s);
                        e = fail(diag, name, h->line, h->col, msg);
                    }
            }
            header_done = true;
        } else if (nf != ncols) {
            char msg[160];
            snprintf(msg, sizeof(msg), "this row has %zu field%s, the header %zu", nf,
                     nf == 1 ? "" : "s", ncols);
            e = fail(diag, name, b.cells[row_start_cell].line, col, msg);
        }
        if (e)
            break;
        if (i < len) {
            i += data[i] == '\r' ? 2 : 1;
            line++;
            col = 1;
        }
    }
    free(field);
    if (!e && !header_done)
        e = fail(diag, name, 1, 1, "no header line (the first line names the columns)");
    if (e) {
        for (size_t k = 0; k < b.n; k++)
            free(b.cells[k].s);
        free(b.cells);
        if (e == VML_EHOST && diag) {
            memset(diag, 0, sizeof(*diag));
            diag->file = name;
            snprintf(diag->msg, sizeof(diag->msg), "out of host memory");
        }
        return e;
    }
    out->cells = b.cells;
    out->ncols = ncols;
    out->nrows = b.n / ncols - 1;
    return 0;
}

long vml_csv_column(const struct vml_csv *c, const char *name)
{
    for (size_t k = 0; k < c->ncols; k++)
        if (strcmp(c->cells[k].s, name) == 0)
            return (long)k;
    return -1;
}

int vml_csv_number(const struct vml_csv *c, size_t row, size_t col, const char *name, double *out,
                   struct vml_diag *diag)
{
    const struct vml_csv_cell *x = vml_csv_at(c, row, col);
    char *end;
    errno = 0;
    const char *s = x->s;
    /* strtod also takes hex, inf and nan: a plot wants plain decimal numbers */
    bool plain = s[0] != 0;
    for (const char *p = s; *p && plain; p++)
        plain = strchr("0123456789+-.eE", *p) != NULL;
    double v = plain ? strtod(s, &end) : 0;
    if (!plain || *end || errno || !isfinite(v)) {
        char msg[200];
        snprintf(msg, sizeof(msg), "column %.60s: %s%.60s%s is not a number", c->cells[col].s,
                 s[0] ? "\"" : "", s[0] ? s : "an empty field", s[0] ? "\"" : "");
        return fail(diag, name, x->line, x->col, msg);
    }
    *out = v;
    return 0;
}
