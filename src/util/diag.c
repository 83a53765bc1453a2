/* util/diag.c: filling a struct vml_diag. */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>

void diag_set(struct vml_diag *d, unsigned line, unsigned col, const char *fmt, ...)
{
    if (!d)
        return;
    d->line = line;
    d->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
}
