/* cli/table.h: rows of named columns, printed as aligned text, JSON, CSV or Prometheus text
 * exposition (the live tools' output formats). */
#ifndef VMLAB_CLI_TABLE_H
#define VMLAB_CLI_TABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum col_kind {
    COL_INT,   /* a signed number */
    COL_BYTES, /* a size in bytes: units in text, bytes elsewhere */
    COL_STR,   /* text (any bytes) */
};

struct col {
    const char *name; /* heading and JSON/CSV key */
    enum col_kind kind;
    const char *metric; /* Prometheus metric name, or NULL: not exported (strings are labels) */
    const char *help;   /* Prometheus HELP text */
    const char *label;  /* Prometheus label name when the column is a label */
    bool left;          /* left-aligned in text */
};

union cell {
    int64_t i;
    uint64_t b;
    const char *s; /* borrowed */
};

enum table_format { FMT_TEXT, FMT_JSON, FMT_CSV, FMT_PROM };

/* Units of byte columns in text: 0 = human (K/M/G with one decimal), else a fixed divisor with
 * its suffix. */
struct units {
    uint64_t div;
    const char *suffix;
};

/* Parses --format / --units values; 0, or -1 after an error message. */
int table_format_parse(const char *s, enum table_format *f);
int table_units_parse(const char *s, struct units *u);

/* The options every live tool takes: --units, --format, --json, --csv, --proc DIR. */
struct table_opts {
    enum table_format fmt;
    struct units units;
    const char *root; /* /proc, or a copy of one */
};

/* Starts opts with the defaults (text, human units, /proc). */
void table_opts_init(struct table_opts *o);
/* Matches one of those options at argv[*i] (advancing past a separate value): 1 when matched,
 * 0 when argv[*i] is another argument, -1 after an error message. */
int table_opt(int argc, char **argv, int *i, struct table_opts *o);

/* Prints rows (row-major, ncols cells each); in text, a totals row (NULL: none) after a rule,
 * with labels[] giving the Prometheus labels (columns by index, -1 terminated). */
void table_print(FILE *out, enum table_format f, const struct units *u, const struct col *cols,
                 size_t ncols, const union cell *rows, size_t nrows, const union cell *totals,
                 const int *labels);

#endif
