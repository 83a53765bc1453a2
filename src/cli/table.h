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
    bool no_text;       /* not a column of the text table (JSON and CSV only: a reason) */
};

union cell {
    int64_t i;
    uint64_t b;
    const char *s; /* borrowed; NULL: no value */
};

/* A number that could not be read: JSON null, an empty CSV cell, no Prometheus sample and "?"
 * in text; never a 0 that looks measured. */
#define CELL_NO_INT   INT64_MIN
#define CELL_NO_BYTES UINT64_MAX
/* A number the row does not have by its kind (vmlab cgroup's byte rows have no count, its
 * count rows no bytes): blank in text; null, an empty cell and no sample elsewhere, as above. */
#define CELL_BLANK_INT   (INT64_MIN + 2)
#define CELL_BLANK_BYTES (UINT64_MAX - 2)
/* A limit that is not set (a cgroup's "max"): "max" in text, CSV and JSON (a string), +Inf in
 * Prometheus. */
#define CELL_UNLIMITED (UINT64_MAX - 1)

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

/* The options every live tool takes: --units, --format, --json, --csv, --proc DIR, --wide. */
struct table_opts {
    enum table_format fmt;
    struct units units;
    const char *root; /* /proc, or a copy of one */
    bool wide;        /* text on a terminal: keep lines whole, not cut to its width */
};

/* Starts opts with the defaults (text, human units, /proc). */
void table_opts_init(struct table_opts *o);
/* Matches one of those options at argv[*i] (advancing past a separate value): 1 when matched,
 * 0 when argv[*i] is another argument, -1 after an error message. */
int table_opt(int argc, char **argv, int *i, struct table_opts *o);

/* Prints rows (row-major, ncols cells each); in text, a totals row (NULL: none) after a rule,
 * with labels[] giving the Prometheus labels (columns by index, -1 terminated). In text on a
 * terminal (out is a tty, without --wide) lines are cut to its width (COLUMNS, else the
 * terminal's own, else 80) and end in '+'; returns how many lines were cut, for
 * table_cut_note. */
size_t table_print(FILE *out, const struct table_opts *o, const struct col *cols, size_t ncols,
                   const union cell *rows, size_t nrows, const union cell *totals,
                   const int *labels);

/* After the text below a table: says that n lines were cut and how to see them whole. */
void table_cut_note(FILE *out, size_t n);

/* The terminal width text lines are cut to when printed to out, 0 when they are not cut. */
size_t table_width(FILE *out, const struct table_opts *o);

/* s as a message may echo it: control bytes, backslashes and bytes that are not UTF-8 as \xNN
 * escapes, cut to about 60 bytes with "..." when longer. Returns buf (n bytes). */
const char *table_escape(char *buf, size_t n, const char *s);

/* Checks that the --proc directory is a /proc tree (it has a meminfo file or PID
 * directories); 0, or the exit status after a message naming the directory, what is wrong
 * and how to fix it. */
int table_check_root(const char *tool, const char *root);

#endif
