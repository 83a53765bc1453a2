/* proc/lines.h: walking /proc text line by line, and the parse error that names a line and
 * column (shared by proc/parse.c and proc/numa.c). */
#ifndef VMLAB_PROC_LINES_H
#define VMLAB_PROC_LINES_H

#include "util/diag.h"
#include "vmlab/base.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* One line of the input: [s, e), without its newline; n is its 1-based number. */
struct line {
    const char *s, *e;
    unsigned n;
};

/* Advances to the next line of [*p, end); false at the end. */
static inline bool next_line(const char **p, const char *end, struct line *l)
{
    if (*p >= end)
        return false;
    l->s = *p;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    l->e = nl ? nl : end;
    *p = nl ? nl + 1 : end;
    l->n++;
    return true;
}

/* A parse error at column at of line l, quoting (up to 80 bytes of) the line. */
static inline int line_error(struct vml_diag *d, const struct line *l, const char *at,
                             const char *what)
{
    int len = (int)(l->e - l->s);
    diag_set(d, l->n, (unsigned)(at - l->s) + 1u, "%s in '%.*s'", what, len > 80 ? 80 : len, l->s);
    return VML_EPARSE;
}

/* A number in base 10 or 16 (lower-case digits) at *p, before e: 0 with *p advanced past it,
 * or -1 when there is none or it passes 2^64-1. */
static inline int line_number(const char **p, const char *e, unsigned base, uint64_t *v)
{
    const char *q = *p;
    uint64_t x = 0;
    for (; q < e; q++) {
        unsigned d;
        if (*q >= '0' && *q <= '9')
            d = (unsigned)(*q - '0');
        else if (base == 16 && *q >= 'a' && *q <= 'f')
            d = (unsigned)(*q - 'a') + 10u;
        else
            break;
        if (x > (UINT64_MAX - d) / base)
            return -1;
        x = x * base + d;
    }
    if (q == *p)
        return -1;
    *p = q;
    *v = x;
    return 0;
}

#endif
