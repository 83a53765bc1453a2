/* util/text.h: appending to a struct vml_text (see vmlab/base.h). */
#ifndef VMLAB_UTIL_TEXT_H
#define VMLAB_UTIL_TEXT_H

#include "vmlab/base.h"

/* The library's short names for the public vml_text_printf and vml_text_append (one function
 * each: clients of the library append to a vml_text too). */
#define text_printf vml_text_printf
#define text_append vml_text_append

/* VML_EHOST if an append failed, else 0. */
static inline int text_status(const struct vml_text *t)
{
    return t->oom ? VML_EHOST : 0;
}

#endif
