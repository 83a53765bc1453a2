/* util/text.h: appending to a struct vml_text (see vmlab/base.h). */
#ifndef VMLAB_UTIL_TEXT_H
#define VMLAB_UTIL_TEXT_H

#include "vmlab/base.h"

/* Appends formatted text; on host OOM sets t->oom and leaves the text as it was. */
void text_printf(struct vml_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends n bytes of s. */
void text_append(struct vml_text *t, const char *s, size_t n);

/* VML_EHOST if an append failed, else 0. */
static inline int text_status(const struct vml_text *t)
{
    return t->oom ? VML_EHOST : 0;
}

#endif
