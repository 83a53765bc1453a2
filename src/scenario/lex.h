/* scenario/lex.h: splitting scenario text into lines and words. */
#ifndef VMLAB_SCENARIO_LEX_H
#define VMLAB_SCENARIO_LEX_H

#include "vmlab/scenario.h"

#define LEX_MAX_WORDS 16 /* words kept per line; no statement has more than 12 */

/* A word of a line: not NUL-terminated, at most VML_SCN_WORD_MAX - 1 bytes. */
struct word {
    const char *s;
    size_t n;
    unsigned col; /* 1-based column (byte) of its first byte */
};

/* One line holding at least one word. */
struct lex_line {
    unsigned line;                /* 1-based */
    struct word w[LEX_MAX_WORDS]; /* the first words */
    unsigned n;                   /* words in w */
    unsigned extra_col;           /* column of word LEX_MAX_WORDS + 1, 0 if none */
    unsigned end_col;             /* column just past the last word kept */
};

struct lexer {
    const char *text;
    size_t len;
    size_t pos;    /* start of the next line */
    unsigned line; /* number of the last line read */
};

/* Reads the next line that has words (blank and comment lines are skipped). Returns 1 with
 * *out filled, 0 at the end of the text, or VML_EPARSE with diag set (line and column) for a
 * control byte, a word longer than VML_SCN_WORD_MAX - 1 bytes, a line longer than
 * VML_SCN_LINE_MAX bytes, text past VML_SCN_TEXT_MAX bytes or too many lines. Runs in time
 * linear in the line's length. */
int lex_next(struct lexer *lx, struct lex_line *out, struct vml_diag *diag);

#endif
