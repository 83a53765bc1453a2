/* util/diag.h: filling a struct vml_diag. */
#ifndef VMLAB_UTIL_DIAG_H
#define VMLAB_UTIL_DIAG_H

#include "vmlab/base.h"

/* Sets line, col and a printf-formatted message; does nothing when d is NULL. */
void diag_set(struct vml_diag *d, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
