/* csv.h: comma-separated values as vmlab writes them and spreadsheets export them
 * (RFC 4180: a header line naming the columns, fields optionally in double quotes with ""
 * for a quote, lines ending in LF or CRLF), for vmlab plot. Every cell keeps its line and
 * column, so that a bad value is reported where it is. */
#ifndef VMLAB_CSV_H
#define VMLAB_CSV_H

#include "vmlab/base.h"

#include <stddef.h>

struct vml_csv_cell {
    char *s;            /* the field, unquoted, NUL-terminated */
    unsigned line, col; /* where it starts in the input (1-based) */
};

struct vml_csv {
    size_t ncols;               /* columns, from the header */
    size_t nrows;               /* data rows (the header not included) */
    struct vml_csv_cell *cells; /* (nrows + 1) x ncols: row 0 is the header */
};

/* Parses len bytes. Errors (VML_EPARSE, diag->file = name, line and col at the problem):
 * no header, an empty or repeated column name, a row with another number of fields than the
 * header, an unterminated quote, text after a closing quote, a NUL byte. VML_EHOST. A last
 * line without its newline is accepted; blank lines are skipped. */
int vml_csv_parse(const char *data, size_t len, const char *name, struct vml_csv *out,
                  struct vml_diag *diag);
void vml_csv_free(struct vml_csv *c);

static inline const struct vml_csv_cell *vml_csv_at(const struct vml_csv *c, size_t row, size_t col)
{
    return &c->cells[(row + 1) * c->ncols + col]; /* row 0 is the first data row */
}

/* The column named name, or -1. */
long vml_csv_column(const struct vml_csv *c, const char *name);
/* The number in a data row's cell (decimal, optional sign, fraction and exponent). VML_EPARSE
 * with diag at the cell when it is empty or not a number. */
int vml_csv_number(const struct vml_csv *c, size_t row, size_t col, const char *name, double *out,
                   struct vml_diag *diag);

#endif
