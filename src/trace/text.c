/* trace/text.c: scanning helpers the text readers (lackey, plain) share on their careful path. */
#include "trace/trace_int.h"

int text_hexval(unsigned c)
{
    if (c - '0' < 10)
        return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6)
        return (int)(c - 'a' + 10);
    return -1;
}

size_t text_span(const uint8_t *p, size_t n, const char *stop)
{
    size_t i = 0;
    while (i < n && (p[i] == 0 || !strchr(stop, p[i])))
        i++;
    return i;
}

int text_hex(const uint8_t *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (n == 0)
        return -1;
    for (; i < n; i++)
        if (text_hexval(p[i]) < 0)
            return -1;
    for (i = 0; i < n && p[i] == '0'; i++)
        ; /* leading zeros do not count towards the 16 digits */
    if (n - i > 16)
        return 1;
    for (; i < n; i++)
        v = v << 4 | (uint64_t)text_hexval(p[i]);
    *out = v;
    return 0;
}
