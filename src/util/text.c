/* util/text.c: growable text for formatters (see vmlab/base.h). */
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vml_text_free(struct vml_text *t)
{
    free(t->s);
    memset(t, 0, sizeof(*t));
}

/* Makes room for n more bytes and the NUL; false (and oom set) if the host has none. */
static bool reserve(struct vml_text *t, size_t n)
{
    if (t->oom)
        return false;
    if (t->len + n + 1 <= t->cap)
        return true;
    size_t cap = (t->len + n + 1) * 2;
    char *s = realloc(t->s, cap);
    if (!s) {
        t->oom = true;
        return false;
    }
    t->s = s;
    t->cap = cap;
    return true;
}

void vml_text_append(struct vml_text *t, const char *s, size_t n)
{
    if (!reserve(t, n))
        return;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

void vml_text_printf(struct vml_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->oom = true;
        return;
    }
    if (!reserve(t, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}
