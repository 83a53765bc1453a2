/* scenario/lex.c: scenario text as lines of words.
 *
 * A line ends at '\n'; a '\r' just before it (or at the very end of the text) is dropped, so
 * CRLF files read as LF files. Words are separated by spaces and tabs; '#' starts a comment
 * that runs to the end of the line, wherever it appears. Other control bytes (NUL included)
 * are errors outside comments. Columns count bytes from 1; a tab is one column. A line is at
 * most VML_SCN_LINE_MAX bytes and the text VML_SCN_TEXT_MAX bytes (docs/scenario.md).
 */
#include "scenario/lex.h"

#include "util/diag.h"

#include <limits.h>
#include <string.h>

static unsigned col_of(size_t line_start, size_t i)
{
    size_t c = i - line_start + 1;
    return c < UINT_MAX ? (unsigned)c : UINT_MAX;
}

static bool is_control(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool ends_word(char c)
{
    return c == ' ' || c == '\t' || c == '#';
}

/* Splits text[start, stop) into out's words; returns 0 or VML_EPARSE. */
static int split(struct lexer *lx, size_t start, size_t stop, struct lex_line *out,
                 struct vml_diag *diag)
{
    const char *t = lx->text;
    size_t i = start;
    while (i < stop && t[i] != '#') {
        if (t[i] == ' ' || t[i] == '\t') {
            i++;
            continue;
        }
        size_t ws = i;
        if (out->n == LEX_MAX_WORDS) {
            out->extra_col = col_of(start, ws);
            return 0; /* the parser reports the surplus; nothing after it matters */
        }
        for (; i < stop && !ends_word(t[i]); i++) {
            if (!is_control((unsigned char)t[i]))
                continue;
            if (t[i] == '\r')
                diag_set(diag, lx->line, col_of(start, i),
                         "carriage return in the middle of a line (save the file with LF or "
                         "CRLF line endings)");
            else
                diag_set(diag, lx->line, col_of(start, i),
                         "unexpected control byte 0x%02x (a scenario is plain text)",
                         (unsigned char)t[i]);
            return VML_EPARSE;
        }
        if (i - ws >= VML_SCN_WORD_MAX) {
            diag_set(diag, lx->line, col_of(start, ws),
                     "word of %zu bytes is too long (at most %d); names and values are short",
                     i - ws, VML_SCN_WORD_MAX - 1);
            return VML_EPARSE;
        }
        struct word w = { t + ws, i - ws, col_of(start, ws) };
        out->w[out->n++] = w;
        out->end_col = col_of(start, i);
    }
    return 0;
}

int lex_next(struct lexer *lx, struct lex_line *out, struct vml_diag *diag)
{
    while (lx->pos < lx->len) {
        if (lx->line == UINT_MAX - 1) {
            diag_set(diag, lx->line, 1, "too many lines (at most %u)", UINT_MAX - 1);
            return VML_EPARSE;
        }
        lx->line++;
        size_t start = lx->pos;
        const char *nl = memchr(lx->text + start, '\n', lx->len - start);
        size_t end = nl ? (size_t)(nl - lx->text) : lx->len;
        lx->pos = nl ? end + 1 : end;
        size_t stop = end;
        if (stop > start && lx->text[stop - 1] == '\r')
            stop--;
        memset(out, 0, sizeof(*out));
        out->line = lx->line;
        int r = split(lx, start, stop, out, diag);
        if (r)
            return r;
        /* After split, so a control byte or a long word inside the line is named first: a
         * loader that stopped reading at a limit (vml_scenario_load) reports what a whole read
         * would have. */
        if (stop - start > VML_SCN_LINE_MAX) {
            diag_set(diag, lx->line, VML_SCN_LINE_MAX + 1,
                     "line is longer than %u bytes (1 MiB, the limit; a statement is a few short "
                     "words)",
                     VML_SCN_LINE_MAX);
            return VML_EPARSE;
        }
        if (end > VML_SCN_TEXT_MAX) {
            diag_set(diag, lx->line, col_of(start, VML_SCN_TEXT_MAX),
                     "the scenario goes on past %u bytes (16 MiB, the limit)", VML_SCN_TEXT_MAX);
            return VML_EPARSE;
        }
        if (out->n > 0)
            return 1;
    }
    return 0;
}
